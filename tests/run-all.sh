#!/bin/sh
# tests/run-all.sh - runs every unit test binary and every integration script,
# sums their "N passed, N failed[, N skipped]" lines and prints the total as
# the last line. A binary or script that exits non-zero without reporting a
# failure (an abort, a sanitizer report, valgrind's error exit) counts as one
# failure. Environment: TEST_BIN_DIR (unit binaries), CRMSYNC_BIN (the
# program under test), VALGRIND (a command prefix, optional).
set -u
: "${TEST_BIN_DIR:=build/tests}"
: "${CRMSYNC_BIN:=build/crmsync}"
: "${VALGRIND:=}"
: "${TOOL_BIN_DIR:=build/tools}"
CRMSYNC_BIN=$(cd "$(dirname "$CRMSYNC_BIN")" && pwd)/$(basename "$CRMSYNC_BIN")
mkdir -p "$TOOL_BIN_DIR"
TOOL_BIN_DIR=$(cd "$TOOL_BIN_DIR" && pwd)
export CRMSYNC_BIN VALGRIND TOOL_BIN_DIR
cd "$(dirname "$0")/.." || exit 1

pass=0 fail=0 skip=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

tally() { # name, exit code
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	p=$(echo "$line" | sed -nE 's/^(.*[^0-9])?([0-9]+) passed.*/\2/p')
	f=$(echo "$line" | sed -nE 's/^(.*[^0-9])?([0-9]+) failed.*/\2/p')
	s=$(echo "$line" | sed -nE 's/^(.*[^0-9])?([0-9]+) skipped.*/\2/p')
	p=${p:-0} f=${f:-0} s=${s:-0}
	if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "$1: exited $2 without reporting a failure" >&2
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

for t in "$TEST_BIN_DIR"/test_*; do
	[ -x "$t" ] || continue
	$VALGRIND "$t" >"$out" 2>&1
	rc=$?
	grep -vE '^[a-z_0-9-]+: [0-9]+ passed, [0-9]+ failed' "$out" >&2
	tally "$(basename "$t")" "$rc"
	tail -n 1 "$out"
done

for t in tests/integration/*.sh; do
	[ -f "$t" ] || continue
	sh "$t" >"$out" 2>&1
	rc=$?
	grep -vE '^[a-z_0-9-]+: [0-9]+ passed, [0-9]+ failed' "$out" >&2
	tally "$(basename "$t" .sh)" "$rc"
	grep -E '[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1
done

if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]

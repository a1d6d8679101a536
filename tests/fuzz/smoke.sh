#!/bin/sh
# tests/fuzz/smoke.sh - a bounded run of every libFuzzer target (make fuzz-smoke).
#
# Usage: smoke.sh BINDIR (build-fuzz/fuzz). For each BINDIR/fuzz_NAME:
#   1. replays tests/fuzz/corpus/NAME/ and tests/fuzz/regressions/NAME/, one
#      input at a time (nothing is written next to them);
#   2. fuzzes for FUZZ_SECONDS (default 4) on a copy of the corpus in a
#      temporary directory, so new inputs never land in the repository.
# Any crash, leak, time-out (FUZZ_TIMEOUT s for one input, default 25: well
# under what the regression inputs take when their bug is back, well over
# what they take fixed, on a busy machine too) or UBSan report fails the
# target; the input that did it is kept in
# BINDIR/../artifacts/. Prints one line per target (executions, cov: and ft:
# from libFuzzer's final stats) and ends with "N passed, N failed".
set -u
bindir=${1:?usage: smoke.sh BINDIR}
: "${FUZZ_SECONDS:=4}"
: "${FUZZ_TIMEOUT:=25}"
top=$(cd "$(dirname "$0")/../.." && pwd)
artifacts=$(cd "$bindir/.." && pwd)/artifacts
mkdir -p "$artifacts"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

pass=0 fail=0
for bin in "$bindir"/fuzz_*; do
	[ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	corpus=$top/tests/fuzz/corpus/$name
	regress=$top/tests/fuzz/regressions/$name
	opts="-timeout=$FUZZ_TIMEOUT -rss_limit_mb=2048 -artifact_prefix=$artifacts/$name-"
	[ -f "$top/tests/fuzz/$name.dict" ] && opts="$opts -dict=$top/tests/fuzz/$name.dict"
	rm -rf "$tmp/corpus" && mkdir -p "$tmp/corpus"
	[ -d "$corpus" ] && cp "$corpus"/* "$tmp/corpus/" 2>/dev/null

	# 1. the committed inputs, each run once
	set -- $(find "$corpus" "$regress" -type f 2>/dev/null | sort)
	nrep=$#
	rrc=0
	if [ "$nrep" -gt 0 ]; then
		# shellcheck disable=SC2086
		"$bin" $opts "$@" >"$tmp/replay.log" 2>&1 || rrc=$?
	fi

	# 2. a bounded fuzzing run
	frc=0
	# shellcheck disable=SC2086
	"$bin" $opts -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
		"$tmp/corpus" >"$tmp/fuzz.log" 2>&1 || frc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/fuzz.log" | tail -n 1)
	cov=$(grep -E '^#[0-9]+.*cov: ' "$tmp/fuzz.log" | tail -n 1 |
		sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+).*/cov: \1 ft: \2/')

	if [ "$rrc" -eq 0 ] && [ "$frc" -eq 0 ]; then
		result=ok
		pass=$((pass + 1))
	else
		result="FAILED (replay exit $rrc, fuzz exit $frc)"
		fail=$((fail + 1))
	fi
	echo "fuzz_$name: ${execs:-0} execs in ${FUZZ_SECONDS}s, ${cov:-cov: ? ft: ?}," \
		"replayed $nrep inputs: $result"
	if [ "$rrc" -ne 0 ]; then
		grep -E 'ERROR|SUMMARY|runtime error|Running:' "$tmp/replay.log" | tail -n 5 >&2
	fi
	if [ "$frc" -ne 0 ]; then
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$tmp/fuzz.log" |
			tail -n 5 >&2
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

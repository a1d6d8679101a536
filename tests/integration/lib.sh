# tests/integration/lib.sh - helpers for the shell integration tests.
# Source it; it sets $BIN (the program under test, run under $VALGRIND when
# set), a private $T directory removed at exit, and ok/fail/skip counters.
# Each script ends with t_done, which prints "NAME: N passed, N failed".
set -u
: "${CRMSYNC_BIN:?CRMSYNC_BIN must name the crmsync binary}"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/crmsync-it-XXXXXX)
chmod 755 "$T"
trap 't_cleanup' EXIT
t_pass=0 t_fail=0 t_skip=0

t_cleanup() {
	for f in ${T_CLEANUP_HOOKS:-}; do "$f"; done
	rm -rf "$T"
}

# crm ARGS...: runs crmsync; stdout to $T/out, stderr to $T/err, $rc set.
# A valgrind error (exit 99) or a sanitizer report fails the test by itself.
crm() {
	${VALGRIND:-} "$CRMSYNC_BIN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ -n "${VALGRIND:-}" ] && [ "$rc" -eq 99 ]; then
		fail "valgrind reported errors: crmsync $*"
	elif grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/err"; then
		fail "sanitizer report: crmsync $*"
	fi
}

ok() { t_pass=$((t_pass + 1)); }
fail() {
	t_fail=$((t_fail + 1))
	echo "FAIL: $*" >&2
	if [ -s "$T/err" ]; then sed 's/^/  stderr: /' "$T/err" | head -5 >&2; fi
}
skip() {
	t_skip=$((t_skip + 1))
	echo "SKIP: $*" >&2
}

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	d=$1
	shift
	if "$@"; then ok; else fail "$d"; fi
}

expect_rc() { # want description
	if [ "$rc" -eq "$1" ]; then ok; else fail "$2: exit $rc, want $1"; fi
}

expect_err() { # pattern description
	if grep -qF -- "$1" "$T/err"; then ok; else fail "$2: stderr lacks '$1'"; fi
}

expect_out() { # pattern description
	if grep -qF -- "$1" "$T/out"; then ok; else fail "$2: stdout lacks '$1'"; fi
}

# q DB SQL: one value from the database.
q() { sqlite3 -batch -noheader -cmd '.timeout 10000' "$1" "$2"; }

# canon DB: the rows of a mail sync that matter, in a canonical order, for
# comparing two databases (a clean run's and one after faults).
canon() {
	sqlite3 "$1" "SELECT source_key, kind, direction, occurred_at, thread_key, removed FROM activities ORDER BY source_key;
		SELECT a.source_key, u.email FROM activity_owners o JOIN activities a ON a.id = o.activity_id JOIN users u ON u.id = o.user_id ORDER BY 1, 2;
		SELECT a.source_key, p.addr_key, p.role FROM participants p JOIN activities a ON a.id = p.activity_id ORDER BY 1, 2, 3;
		SELECT a.source_key, l.type, l.target_id, l.rule FROM activity_links l JOIN activities a ON a.id = l.activity_id ORDER BY 1, 2, 3;
		SELECT account, container, item_ref, identity, outcome, reason FROM item_outcomes ORDER BY 1, 2, 3;
		SELECT account, container, uidvalidity, last_uid FROM sync_state ORDER BY 1, 2;"
}

# rep_facts_agree DB WHAT: the activity report's facts, kept by triggers,
# equal a recomputation from the stored activities (tests/tools/rep_verify).
rep_facts_agree() {
	if ${VALGRIND:-} "${TOOL_BIN_DIR:-$TOP/build/tools}/rep_verify" "$1" >"$T/rv" 2>&1; then
		ok
	else
		fail "$2: report facts differ from a recomputation: $(tail -n 3 "$T/rv")"
	fi
}

# on_tty NAME ARGS...: crmsync ARGS under script(1), its stdin, stdout and
# stderr a pseudo-terminal; exit code in $ttyrc, what the terminal showed in
# $T/NAME.tty, the progress draws one per line (split at carriage returns,
# cursor codes dropped) in $T/NAME.draws. Returns 2 when script(1) is
# missing (a failure in CI, else a skip, named by the caller).
ESC=$(printf '\033')
CR=$(printf '\r')
on_tty() {
	command -v script >/dev/null 2>&1 || return 2
	_n=$1
	shift
	_cmd="${VALGRIND:-} '$CRMSYNC_BIN'"
	for _a in "$@"; do _cmd="$_cmd '$_a'"; done
	script -qfe -c "$_cmd" /dev/null </dev/null >"$T/$_n.tty" 2>&1
	ttyrc=$?
	tr '\r' '\n' <"$T/$_n.tty" | sed "s/$ESC\[[0-9]*[AKJ]//g" |
		grep -E ': [0-9]+/[0-9]+ (messages|events)' >"$T/$_n.draws"
	if [ -n "${VALGRIND:-}" ] && [ $ttyrc -eq 99 ]; then
		fail "valgrind reported errors on a terminal: crmsync $*"
	elif grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/$_n.tty"; then
		fail "sanitizer report on a terminal: crmsync $*"
	fi
	return 0
}
# no_tty WHAT: script(1) is missing; a failure in CI, else a skip.
no_tty() {
	if [ "${CI:-}" = true ]; then
		fail "$1: script(1) is missing (apt-get install bsdutils)"
	else
		skip "$1: script(1) is not installed (apt-get install bsdutils)"
	fi
}

t_done() {
	if [ "$t_skip" -gt 0 ]; then
		echo "$1: $t_pass passed, $t_fail failed, $t_skip skipped"
	else
		echo "$1: $t_pass passed, $t_fail failed"
	fi
	[ "$t_fail" -eq 0 ]
}

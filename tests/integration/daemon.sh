#!/bin/sh
# tests/integration/daemon.sh - `crmsync daemon` against a private Dovecot:
# the first runs log what a one-shot sync logs; a `crmsync sync` meanwhile
# exits 3 naming the daemon; mail delivered while the daemon waits in IDLE
# is logged within seconds; SIGTERM mid-sync exits 0 within seconds, the
# run recorded as interrupted, and the next run completes exactly; an
# account with a wrong password stops after one failed login (no retry
# storm) while the others go on, and SIGHUP with the right password brings
# it back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"
servers_require dovecot
PY=servers_py
W=$T/world
B=$T/bulk
export IMAP_PW=daemon-secret-pw
# The daemon runs on the real clock; mail is generated around it.
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# Under valgrind everything is about thirty times slower.
SLOW=1
[ -n "${VALGRIND:-}" ] && SLOW=10
nbulk=3000
[ -n "${VALGRIND:-}" ] && nbulk=600

"$PY" "$TOP/tests/gen/gen.py" --out "$W" --seed 21 --threads 40 --now "$NOW" >/dev/null || fail "generator"
"$PY" "$TOP/tests/gen/gen.py" --out "$B" --seed 22 --bulk "$nbulk" --now "$NOW" >/dev/null || fail "generator (bulk)"
reps=$(tail -n +2 "$W/crm/users.csv" | cut -d, -f1)
rep1=$(echo "$reps" | head -n 1)
brep=$(sed -n 2p "$B/crm/users.csv" | cut -d, -f1)
for r in $reps; do dovecot_add_user "$r" "$IMAP_PW"; done
sh "$TOP/tests/gen/load_maildir.sh" "$W/mail" >/dev/null || fail "loading the maildirs"
dovecot_start || fail "dovecot_start"
for r in $reps; do dovecot_rawlog_on "$r"; done

conf() { # file db interval [user with a wrong password]
	{
		printf '[store]\npath = %s\n\n[team]\ndomains = %s\n\n' "$2" "${rep1#*@}"
		printf '[schedule]\ninterval = %s\njitter = 0s\nworkers = 2\n\n' "$3"
		for r in $reps; do
			pw=IMAP_PW
			[ "$r" = "${4:-}" ] && pw=WRONG_PW
			printf '[imap "%s"]\nhost = 127.0.0.1\nport = %s\nsecurity = none\n' "${r%@*}" "$DOVECOT_PORT"
			printf 'user = %s\npassword_env = %s\nowner = %s\nsince = 3650d\ntimeout = 5s\n\n' "$r" "$pw" "$r"
		done
	} >"$1"
}
export WRONG_PW=not-the-password
import_crm() { # db world
	for k in users companies contacts stages deals; do
		crm -d "$1" import $k "$2/crm/$k.csv"
		[ "$rc" -eq 0 ] || fail "import $k into $1"
	done
}
n_acts() { q "$1" "SELECT count(*) FROM activities"; }
# wait_for SECONDS COMMAND...: polls every 0.2 s; 0 when it came true.
wait_for() {
	_w_end=$(($(date +%s) + $1))
	shift
	while [ "$(date +%s)" -le "$_w_end" ]; do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}
runs_ok_at_least() { # db n
	[ "$(q "$1" "SELECT count(DISTINCT account) FROM sync_runs WHERE outcome = 'ok'")" -ge "$2" ]
}
start_daemon() { # conf out
	${VALGRIND:-} "$CRMSYNC_BIN" -c "$1" daemon >"$2.out" 2>"$2.err" &
	DPID=$!
}
# stop_daemon OUT: SIGTERM; sets $drc and $dsecs.
stop_daemon() {
	_t0=$(date +%s)
	kill -TERM "$DPID"
	wait "$DPID"
	drc=$?
	dsecs=$(($(date +%s) - _t0))
}
nreps=$(echo "$reps" | grep -c .)

# -- the reference: one-shot sync, quiet, -v and -vv -------------------------------------------------------
conf "$T/ref.conf" "$T/ref.db" 3s
import_crm "$T/ref.db" "$W"
crm -c "$T/ref.conf" sync
expect_rc 0 "reference sync"
ref=$(n_acts "$T/ref.db")
check "the reference logged activities ($ref)" [ "$ref" -gt 0 ]
# -v: a line per folder; -vv: the protocol, credentials hidden.
crm -v -c "$T/ref.conf" sync
expect_err "${rep1%@*}: INBOX: unchanged" "-v names each folder"
crm -vv -c "$T/ref.conf" sync
expect_err "<credentials hidden>" "-vv traces the login, hidden"
expect_err "STATUS" "-vv traces the commands"
check "-vv never shows the password" [ -z "$(grep -a -e "$IMAP_PW" "$T/err" "$T/out")" ]

# -- 1. first runs, the lock, IDLE ------------------------------------------------------
conf "$T/d.conf" "$T/d.db" 60s
import_crm "$T/d.db" "$W"
start_daemon "$T/d.conf" "$T/d1"
check "every account's first run succeeds within $((30 * SLOW)) s" wait_for $((30 * SLOW)) runs_ok_at_least "$T/d.db" "$nreps"
check "the daemon logged what a one-shot sync logs ($(n_acts "$T/d.db") vs $ref)" [ "$(n_acts "$T/d.db")" = "$ref" ]
crm -c "$T/d.conf" sync
expect_rc 3 "crmsync sync while the daemon runs"
expect_err "pid $DPID" "the lock message names the daemon's pid"
check "no activity doubled by the refused sync" [ "$(n_acts "$T/d.db")" = "$ref" ]

# New mail for rep1, delivered while the daemon waits (interval 60s): IDLE.
sleep 1
box=$(dovecot_maildir "$rep1" INBOX)
mid="<idle-test-$$@example.org>"
contact=$(sed -n 2p "$W/crm/contacts.csv" | cut -d, -f1)
{
	printf 'From: Pat <%s>\r\nTo: <%s>\r\nSubject: arrived during IDLE\r\n' "$contact" "$rep1"
	printf 'Date: %s\r\nMessage-ID: %s\r\n\r\nHello.\r\n' "$(date -R)" "$mid"
} >"$T/new.eml"
cp "$T/new.eml" "$box/tmp/idle.eml"
dovecot_fix_perms
t0=$(date +%s)
mv "$box/tmp/idle.eml" "$box/new/$(date +%s).idle.$$:2,"
dovecot_fix_perms
logged() { [ "$(q "$T/d.db" "SELECT count(*) FROM activities a JOIN item_outcomes o ON o.activity_id = a.id WHERE o.account = '${rep1%@*}' AND a.subject = 'arrived during IDLE'")" -gt 0 ]; }
check "mail delivered during IDLE is logged within $((5 * SLOW)) s" wait_for $((5 * SLOW)) logged
echo "IDLE: logged $(($(date +%s) - t0)) s after delivery" >&2
stop_daemon "$T/d1"
check "SIGTERM while waiting: exit 0 ($drc)" [ "$drc" -eq 0 ]
check "SIGTERM while waiting: gone within $((5 * SLOW)) s (${dsecs}s)" [ "$dsecs" -le $((5 * SLOW)) ]
check "one summary line per account per run" [ "$(grep -c ': ok: ' "$T/d1.out")" -ge "$nreps" ]

# -- 2. SIGTERM in the middle of a sync -----------------------------------------------------
dovecot_add_user "$brep" "$IMAP_PW"
sh "$TOP/tests/gen/load_maildir.sh" "$B/mail" >/dev/null || fail "loading the bulk maildir"
bconf() { # file db
	{
		printf '[store]\npath = %s\n\n[team]\ndomains = %s\n\n' "$2" "${brep#*@}"
		printf '[schedule]\ninterval = 60s\njitter = 0s\n\n'
		printf '[imap "bulk"]\nhost = 127.0.0.1\nport = %s\nsecurity = none\n' "$DOVECOT_PORT"
		printf 'user = %s\npassword_env = IMAP_PW\nowner = %s\nsince = 3650d\n' "$brep" "$brep"
	} >"$1"
}
bconf "$T/bref.conf" "$T/bref.db"
import_crm "$T/bref.db" "$B"
crm -c "$T/bref.conf" sync
expect_rc 0 "bulk reference sync"
bref=$(n_acts "$T/bref.db")
bconf "$T/b.conf" "$T/b.db"
import_crm "$T/b.db" "$B"
# Small batches, so the daemon is caught between two of them.
CRMSYNC_TEST_CHUNK=20 start_daemon "$T/b.conf" "$T/d2"
some() { [ "$(n_acts "$T/b.db")" -gt 0 ]; }
check "the bulk sync has begun" wait_for $((20 * SLOW)) some
stop_daemon "$T/d2"
mid_count=$(n_acts "$T/b.db")
check "SIGTERM mid-sync: exit 0 ($drc)" [ "$drc" -eq 0 ]
check "SIGTERM mid-sync: gone within $((5 * SLOW)) s (${dsecs}s)" [ "$dsecs" -le $((5 * SLOW)) ]
check "SIGTERM mid-sync: stopped before the end ($mid_count of $bref)" [ "$mid_count" -lt "$bref" ]
check "the run is recorded as interrupted" [ "$(q "$T/b.db" "SELECT outcome FROM sync_runs ORDER BY id DESC LIMIT 1")" = interrupted ]
check "its summary line says interrupted, not FAILED ($(grep '^bulk: ' "$T/d2.out" | tail -n 1 | cut -c1-60))" \
	sh -c "grep '^bulk: ' '$T/d2.out' | tail -n 1 | grep -q '^bulk: interrupted: '"
crm -c "$T/b.conf" sync
expect_rc 0 "the next run"
check "the next run completes exactly ($(n_acts "$T/b.db") vs $bref)" [ "$(n_acts "$T/b.db")" = "$bref" ]
rep_facts_agree "$T/b.db" "after the interrupted daemon and the next run"

# -- 3. a wrong password: stopped, no retry storm, back on SIGHUP ---------------------------------
bad=$(echo "$reps" | sed -n 2p)
conf "$T/w.conf" "$T/w.db" 2s "$bad"
import_crm "$T/w.db" "$W"
for r in $reps; do dovecot_rawlog_clear "$r"; done
start_daemon "$T/w.conf" "$T/d3"
check "the good accounts sync" wait_for $((30 * SLOW)) runs_ok_at_least "$T/w.db" $((nreps - 1))
# Three intervals later, still one failed run and one error line.
sleep 7
fails=$(q "$T/w.db" "SELECT count(*) FROM sync_runs WHERE account = '${bad%@*}' AND outcome = 'failed'")
check "the bad account failed once, not in a loop ($fails runs)" [ "$fails" -eq 1 ]
check "one error line names the bad account" [ "$(grep -c "crmsync: ${bad%@*}: login failed" "$T/d3.err")" -eq 1 ]
check "the good accounts ran again meanwhile" [ "$(q "$T/w.db" "SELECT count(*) FROM sync_runs WHERE outcome = 'ok'")" -gt $((nreps - 1)) ]
check "no password in the daemon's output" [ -z "$(grep -a -e "$IMAP_PW" -e "$WRONG_PW" "$T/d3.out" "$T/d3.err")" ]
conf "$T/w.conf" "$T/w.db" 2s
kill -HUP "$DPID"
back() { [ "$(q "$T/w.db" "SELECT count(*) FROM sync_runs WHERE account = '${bad%@*}' AND outcome = 'ok'")" -gt 0 ]; }
check "after SIGHUP with the right password the account syncs" wait_for $((30 * SLOW)) back
stop_daemon "$T/d3"
check "SIGTERM after a reload: exit 0 ($drc)" [ "$drc" -eq 0 ]
check "the daemon left no process behind" sh -c "! ps -eo args | grep -q '[c]rmsync -c $T'"

t_done daemon

#!/bin/sh
# tests/integration/ops_sync.sh - running crmsync as an operator does: from
# a timer, cron or several at once. Two syncs started together on one
# database (one exits 3, naming the other's pid; nothing doubled), a sync
# killed with SIGKILL (its lock goes with it, its workers too), a wrong
# password (one error line, one failed login, no retry storm), a server
# that accepts and never answers (abandoned after the time-out), parallel
# accounts ([schedule] workers, per_server: the same database as one at a
# time), the secrets set-up README.md gives for systemd (LoadCredential),
# and the unit files of contrib/systemd (hardening keys, systemd-analyze).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"
PY=servers_py
# python3 itself, for processes in the background ($! must be its pid)
PY3=$(command -v /usr/bin/python3 || command -v python3)
UNITS=$TOP/contrib/systemd
# now_ms: the wall clock in milliseconds; lap WHAT: how long the script has
# been running, on stderr (timings for the log).
now_ms() { date +%s%3N; }
T_START=$(now_ms)
lap() { echo "[$(($(now_ms) - T_START)) ms] $*" >&2; }

# -- the unit files (no server needed) ---------------------------------------------------
lap "unit files"
# Keys every service must set (README.md, "Running it on a schedule").
HARDEN="StateDirectory=crmsync ConfigurationDirectory=crmsync
Environment=CRMSYNC_CONFIG=/etc/crmsync/config ProtectSystem=strict ProtectHome=yes
PrivateTmp=yes NoNewPrivileges=yes PrivateDevices=yes ProtectKernelTunables=yes
ProtectKernelModules=yes ProtectKernelLogs=yes ProtectControlGroups=yes
RestrictNamespaces=yes LockPersonality=yes MemoryDenyWriteExecute=yes
SystemCallArchitectures=native SystemCallFilter=@system-service UMask=0077"
for u in crmsync.service crmsync.timer crmsync-daemon.service; do
	check "contrib/systemd/$u exists" [ -f "$UNITS/$u" ]
done
for u in "$UNITS"/*.service; do
	n=$(basename "$u")
	miss=
	for k in $HARDEN; do grep -qxF "$k" "$u" || miss="$miss $k"; done
	grep -qx 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' "$u" || miss="$miss RestrictAddressFamilies"
	grep -qxE 'DynamicUser=yes|User=[a-z_][a-z0-9_-]*' "$u" || miss="$miss DynamicUser=yes/User="
	grep -qE '^LoadCredential=[A-Za-z0-9_]+:/' "$u" || miss="$miss LoadCredential="
	check "$n has every hardening key (missing:${miss:- none})" [ -z "$miss" ]
	check "$n says not to enable the timer and the daemon together" grep -q 'never both' "$u"
done
check "the timer: every 5 minutes" grep -qx 'OnCalendar=\*:0/5' "$UNITS/crmsync.timer"
check "the timer: Persistent=true" grep -qx 'Persistent=true' "$UNITS/crmsync.timer"
check "the timer: RandomizedDelaySec" grep -qE '^RandomizedDelaySec=[1-9]' "$UNITS/crmsync.timer"
check "the timer says not to be enabled with the daemon" grep -q 'never both' "$UNITS/crmsync.timer"
check "the timer's service is a oneshot crmsync sync" sh -c \
	"grep -qx 'Type=oneshot' '$UNITS/crmsync.service' && grep -qE '^ExecStart=/[^ ]*/crmsync( .*)? sync\$' '$UNITS/crmsync.service'"
check "the daemon runs crmsync daemon" grep -qE '^ExecStart=/[^ ]*/crmsync( .*)? daemon$' "$UNITS/crmsync-daemon.service"
check "the daemon restarts on failure" grep -qx 'Restart=on-failure' "$UNITS/crmsync-daemon.service"
check "the daemon reloads on SIGHUP" grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$UNITS/crmsync-daemon.service"
check "README.md has a 'Running it on a schedule' section" grep -q '^## Running it on a schedule' "$TOP/README.md"

# systemd-analyze verify checks that ExecStart= names an executable: the
# copies point at the binary under test.
SA=$(_sv_find systemd-analyze /usr/bin /bin)
if [ -n "$SA" ]; then
	mkdir -p "$T/units"
	for u in "$UNITS"/*; do
		sed "s#^\(Exec[A-Za-z]*=\)/usr/local/bin/crmsync#\1$CRMSYNC_BIN#" "$u" >"$T/units/$(basename "$u")"
	done
	(cd "$T/units" && "$SA" verify ./*.service ./*.timer) >"$T/verify" 2>&1
	vrc=$?
	check "systemd-analyze verify: clean (exit $vrc: $(head -c 400 "$T/verify"))" [ $vrc -eq 0 ] && [ ! -s "$T/verify" ]
	# ... and it does see a mistake (unknown keys are only warnings).
	printf 'ProtectSytem=strict\n' >>"$T/units/crmsync.service"
	(cd "$T/units" && "$SA" verify ./crmsync.service) >"$T/verify" 2>&1
	check "systemd-analyze verify reports a misspelt key" grep -q 'ProtectSytem' "$T/verify"
	# Enabling, offline: the [Install] sections name real targets.
	mkdir -p "$T/root/etc/systemd/system"
	cp "$UNITS"/* "$T/root/etc/systemd/system/"
	if systemctl --root="$T/root" enable crmsync.timer crmsync-daemon.service >"$T/enable" 2>&1; then
		check "enable crmsync.timer links it into timers.target" [ -L "$T/root/etc/systemd/system/timers.target.wants/crmsync.timer" ]
		check "enable crmsync-daemon links it into multi-user.target" [ -L "$T/root/etc/systemd/system/multi-user.target.wants/crmsync-daemon.service" ]
	else
		fail "systemctl --root enable: $(cat "$T/enable")"
	fi
elif [ "${CI:-}" = true ]; then
	fail "systemd-analyze is missing (apt-get install systemd; scripts/deps.sh installs it)"
else
	skip "systemd-analyze verify: systemd-analyze is not installed (apt-get install systemd)"
fi

servers_require dovecot
export CRMSYNC_NOW=2026-11-01T12:00:00Z
export IMAP_PW=ops-secret-pw

# Two worlds: one big mailbox (the lock tests need a sync that is still
# running when the next one starts) and a team of four (parallel accounts).
# Under valgrind (about 30 times slower) both are smaller.
nbulk=3000 threads=300
[ -n "${VALGRIND:-}" ] && nbulk=600 threads=60
WB=$T/bulk WT=$T/team
"$PY" "$TOP/tests/gen/gen.py" --out "$WB" --seed 5 --bulk $nbulk --bulk-folders 1 --now "$CRMSYNC_NOW" >/dev/null &
genpid=$!
"$PY" "$TOP/tests/gen/gen.py" --out "$WT" --seed 7 --reps 4 --threads $threads --now "$CRMSYNC_NOW" >/dev/null ||
	fail "generator (team)"
wait $genpid || fail "generator (bulk)"
# The big mailbox belongs to Dovecot user bulk@, its owner the bulk CRM's
# first rep; one load for every mailbox of both.
brep=$(sed -n 2p "$WB/crm/users.csv" | cut -d, -f1)
reps=$(tail -n +2 "$WT/crm/users.csv" | cut -d, -f1)
mv "$WB/mail/$brep" "$WT/mail/bulk@lumen.example"
for u in bulk@lumen.example $reps; do dovecot_add_user "$u" "$IMAP_PW"; done
sh "$TOP/tests/gen/load_maildir.sh" "$WT/mail" || fail "loading the maildirs"
dovecot_start || fail "dovecot_start"
lap "servers up"

account() { # name user owner [extra lines]
	printf '[imap "%s"]\nhost = 127.0.0.1\nport = %s\nsecurity = none\nuser = %s\n' "$1" "$DOVECOT_PORT" "$2"
	printf 'password_env = IMAP_PW\nowner = %s\nsince = 3650d\n%s\n\n' "$3" "${4:-}"
}
config() { # file db schedule accounts...
	f=$1
	printf '[store]\npath = %s\n\n[team]\ndomains = lumen.example\n\n[schedule]\n%s\n\n' "$2" "$3" >"$f"
	shift 3
	for a in "$@"; do printf '%s\n' "$a" >>"$f"; done
}
# newdb DB WORLD: a fresh database holding the world's CRM. The imports run
# once per world (they are slow under valgrind); later ones are copies.
newdb() {
	rm -f "$1" "$1-wal" "$1-shm" "$1.lock"
	if [ ! -f "$2/crm.db" ]; then
		for k in users companies contacts stages deals; do
			crm -d "$2/crm.db" import $k "$2/crm/$k.csv"
			expect_rc 0 "import $k ($(basename "$2"))"
		done
	fi
	sqlite3 "$2/crm.db" ".backup '$1'"
}
acts() { q "$1" "SELECT count(*) FROM activities"; }
# sync_bg NAME CONF: crmsync sync in the background (under $VALGRIND, with
# CRMSYNC_TEST_CHUNK from the environment); its pid in $bgpid, output in
# $T/NAME.out and $T/NAME.err.
sync_bg() {
	${VALGRIND:-} "$CRMSYNC_BIN" -c "$2" sync >"$T/$1.out" 2>"$T/$1.err" &
	bgpid=$!
}
alive() { _sv_alive "$1"; }
# bg_clean NAME RC: what crm() checks, for a run of sync_bg.
bg_clean() {
	if [ -n "${VALGRIND:-}" ] && [ "$2" -eq 99 ]; then
		fail "valgrind reported errors: $1: $(head -n 5 "$T/$1.err")"
	elif grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/$1.err"; then
		fail "sanitizer report: $1: $(head -n 5 "$T/$1.err")"
	fi
}
# children PID: the pids of its live child processes.
children() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v p="$1" '{
		pid = $1
		sub(/^.*\) /, "")
		if ($2 == p && $1 != "Z") print pid
	}'
}

# -- the reference: one clean run over the big mailbox -------------------------------------
lap "clean run"
BULK=$(account bulk bulk@lumen.example "$brep")
newdb "$T/clean.db" "$WB"
config "$T/clean.conf" "$T/clean.db" "workers = 1" "$BULK"
t0=$(now_ms)
crm -c "$T/clean.conf" sync
clean_ms=$(($(now_ms) - t0))
expect_rc 0 "clean bulk sync"
clean=$(canon "$T/clean.db")
nclean=$(acts "$T/clean.db")
check "the clean run logged activities ($nclean)" [ "$nclean" -gt $((nbulk / 3)) ]
echo "clean bulk sync: $nbulk messages, $nclean activities, ${clean_ms} ms" >&2

# -- two syncs started at once on one database ----------------------------------------------
lap "two syncs at once"
# Small FETCH ranges keep the first one busy for seconds. The one that
# loses the lock exits 3 at once, naming the holder's pid; the holder
# finishes, and nothing is logged twice.
newdb "$T/race.db" "$WB"
config "$T/race.conf" "$T/race.db" "workers = 1" "$BULK"
export CRMSYNC_TEST_CHUNK=10
sync_bg race1 "$T/race.conf"
p1=$bgpid
sync_bg race2 "$T/race.conf"
p2=$bgpid
t0=$(now_ms)
first='' first_ms=''
while [ -z "$first" ] && [ $(($(now_ms) - t0)) -lt 120000 ]; do
	if ! alive $p1; then first=1; elif ! alive $p2; then first=2; fi
	[ -n "$first" ] || sleep 0.02
done
first_ms=$(($(now_ms) - t0))
if [ "$first" = 1 ]; then loser=$p1 holder=$p2 lname=race1 hname=race2; else loser=$p2 holder=$p1 lname=race2 hname=race1; fi
check "while one sync runs, the other is still running when the first ends (ended after ${first_ms} ms)" alive $holder
wait $loser
lrc=$?
wait $holder
hrc=$?
bg_clean $lname $lrc
bg_clean $hname $hrc
unset CRMSYNC_TEST_CHUNK
echo "two syncs at once: the loser exited $lrc after ${first_ms} ms, the holder $hrc" >&2
check "the second sync exits 3 (got $lrc)" [ "$lrc" -eq 3 ]
check "the first sync exits 0 (got $hrc)" [ "$hrc" -eq 0 ]
lim=3000
[ -n "${VALGRIND:-}" ] && lim=20000
check "the second sync exits at once (${first_ms} ms)" [ "$first_ms" -lt $lim ]
check "the lock message names the holder's pid ($holder): $(head -n 2 "$T/$lname.err")" \
	grep -q "^crmsync: another sync (pid $holder) holds the lock" "$T/$lname.err"
check "the lock message is the loser's only stderr line" [ "$(wc -l <"$T/$lname.err")" -eq 1 ]
check "the loser printed no summary" [ ! -s "$T/$lname.out" ]
check "the holder printed no error" [ ! -s "$T/$hname.err" ]
check "after two syncs at once: as many activities as a clean run ($(acts "$T/race.db") vs $nclean)" [ "$(acts "$T/race.db")" = "$nclean" ]
check "after two syncs at once: no activity doubled" [ "$(q "$T/race.db" "SELECT count(*) - count(DISTINCT source_key) FROM activities")" = 0 ]
check "after two syncs at once: the database equals a clean run's" [ "$(canon "$T/race.db")" = "$clean" ]
# The same moment, held still: a holder that has taken the lock but not yet
# written its pid over the one an earlier run left in DB.lock (the holder
# writes it only after locking). The pid named must be the holder's, which
# the kernel knows (F_GETLK), not whatever DB.lock says.
check "DB.lock still names the earlier holder ($holder)" [ "$(cat "$T/race.db.lock")" = "$holder" ]
"$PY3" -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR); fcntl.lockf(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").close(); time.sleep(60)' "$T/race.db.lock" "$T/race.locked" &
stillpid=$!
i=0
while [ ! -f "$T/race.locked" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
crm -c "$T/race.conf" sync
kill $stillpid 2>/dev/null
wait $stillpid 2>/dev/null
expect_rc 3 "a sync while another holds the lock but has not written its pid"
check "the lock message names the holder's pid ($stillpid), not DB.lock's stale one ($holder): $(head -n 1 "$T/err")" \
	grep -q "^crmsync: another sync (pid $stillpid) holds the lock" "$T/err"

# -- a sync killed with SIGKILL leaves no lock behind ----------------------------------------
lap "SIGKILL"
# DB.lock keeps the dead holder's pid, but the fcntl lock died with it.
newdb "$T/kill.db" "$WB"
config "$T/kill.conf" "$T/kill.db" "workers = 1" "$BULK"
CRMSYNC_TEST_CHUNK=20 sync_bg kill "$T/kill.conf"
kpid=$bgpid
i=0
while [ "$(acts "$T/kill.db" 2>/dev/null || echo 0)" -lt 100 ] && alive $kpid && [ $i -lt 1200 ]; do
	sleep 0.05
	i=$((i + 1))
done
check "the sync to be killed was still running" alive $kpid
kill -KILL $kpid 2>/dev/null
wait $kpid 2>/dev/null
check "the killed sync left its pid in DB.lock" [ "$(cat "$T/kill.db.lock" 2>/dev/null)" = "$kpid" ]
check "it had committed part of the run ($(acts "$T/kill.db") of $nclean)" [ "$(acts "$T/kill.db")" -gt 0 ] && [ "$(acts "$T/kill.db")" -lt "$nclean" ]
t0=$(now_ms)
crm -c "$T/kill.conf" sync
expect_rc 0 "the sync after a SIGKILLed one"
check "it was not blocked by the dead one's lock" [ -z "$(grep 'holds the lock' "$T/err")" ]
check "after the SIGKILL: the database equals a clean run's" [ "$(canon "$T/kill.db")" = "$clean" ]
echo "sync after a SIGKILLed one: $(($(now_ms) - t0)) ms" >&2

# -- accounts in parallel: [schedule] workers and per_server -----------------------------------
lap "parallel accounts"
team_accounts() {
	for r in $reps; do account "${r%@*}" "$r" "$r"; done
}
# maxkids PID FILE: in the background, the most children PID had alive at
# once (sampled every 5 ms until it exits), written to FILE.
maxkids() {
	"$PY3" - "$1" "$2" <<'PYEOF' &
import os, sys, time
pid, out = sys.argv[1], sys.argv[2]
def state(p):
    try:
        with open("/proc/%s/stat" % p) as f:
            s = f.read()
    except OSError:
        return None, None
    rest = s[s.rindex(")") + 2:].split()
    return rest[0], rest[1]
most = 0
while True:
    st, _ = state(pid)
    if st is None or st in "ZX":
        break
    n = 0
    for d in os.listdir("/proc"):
        if d.isdigit():
            st2, pp = state(d)
            if pp == pid and st2 not in (None, "Z", "X"):
                n += 1
    most = max(most, n)
    time.sleep(0.005)
with open(out, "w") as f:
    f.write("%d\n" % most)
PYEOF
	samplerpid=$!
}
# psync NAME SCHEDULE: a fresh database of the team, synced with that
# [schedule]; the most sync processes seen at once in $T/NAME.kids.
psync() {
	newdb "$T/$1.db" "$WT"
	config "$T/$1.conf" "$T/$1.db" "$2" "$(team_accounts)"
	t0=$(now_ms)
	CRMSYNC_TEST_CHUNK=10 sync_bg "$1" "$T/$1.conf"
	maxkids $bgpid "$T/$1.kids"
	wait $bgpid
	rc=$?
	bg_clean "$1" $rc
	wait $samplerpid
	echo "$1 ($(printf '%s' "$2" | tr '\n' ' ')): $(($(now_ms) - t0)) ms, at most $(cat "$T/$1.kids") sync processes at once" >&2
	cp "$T/$1.out" "$T/out"
	cp "$T/$1.err" "$T/err"
}
psync ref "workers = 1"
expect_rc 0 "team, workers = 1"
ref=$(canon "$T/ref.db")
nref=$(acts "$T/ref.db")
check "workers = 1 synced all four accounts" [ "$(grep -c ': ok: ' "$T/out")" -eq 4 ]
psync par "workers = 3
per_server = 3"
expect_rc 0 "team, workers = 3"
check "workers = 3: three accounts at once (saw $(cat "$T/par.kids"))" [ "$(cat "$T/par.kids")" -eq 3 ]
check "workers = 3 synced all four accounts" [ "$(grep -c ': ok: ' "$T/out")" -eq 4 ]
check "workers = 3: as many activities as workers = 1 ($(acts "$T/par.db") vs $nref)" [ "$(acts "$T/par.db")" = "$nref" ]
check "workers = 3: the database equals workers = 1's" [ "$(canon "$T/par.db")" = "$ref" ]
rep_facts_agree "$T/par.db" "workers = 3"
psync ps1 "workers = 3
per_server = 1"
expect_rc 0 "team, workers = 3, per_server = 1"
check "per_server = 1: one account at a time on the one server (saw $(cat "$T/ps1.kids"))" [ "$(cat "$T/ps1.kids")" -eq 1 ]
check "per_server = 1 synced all four accounts" [ "$(grep -c ': ok: ' "$T/out")" -eq 4 ]
check "per_server = 1: the database equals workers = 1's" [ "$(canon "$T/ps1.db")" = "$ref" ]

# -- progress: live lines on a terminal, none off one -------------------------------------------
lap "progress on a terminal"
for n in ref par ps1; do
	check "off a terminal ($n): no terminal control codes on stderr" sh -c "! grep -q '$ESC' '$T/$n.err'"
done
if command -v script >/dev/null 2>&1; then
	# One account (1 UID a FETCH: it takes seconds): one line, redrawn in
	# place ("\r", erase to the end of the line) about once a second, with
	# the rate and ETA once a second has passed, and erased before the
	# summary line.
	newdb "$T/tty1.db" "$WB"
	config "$T/tty1.conf" "$T/tty1.db" "workers = 1" "$BULK"
	CRMSYNC_TEST_CHUNK=1 on_tty tty1 -c "$T/tty1.conf" sync
	check "on a terminal, one account: exit 0 (got $ttyrc)" [ $ttyrc -eq 0 ]
	check "on a terminal: the sync logged what the clean run did" [ "$(canon "$T/tty1.db")" = "$clean" ]
	ndraw=$(wc -l <"$T/tty1.draws")
	check "on a terminal: the live line was drawn ($ndraw times)" [ "$ndraw" -ge 2 ]
	check "on a terminal: it names the account and folder, done/total ($(head -n 1 "$T/tty1.draws"))" \
		grep -qE "^bulk INBOX: [0-9]+/$nbulk messages" "$T/tty1.draws"
	check "on a terminal: a rate and an ETA once a second has passed ($(tail -n 1 "$T/tty1.draws"))" \
		grep -qE "^bulk INBOX: [0-9]+/$nbulk messages, [0-9]+(\.[0-9])?/s, ETA [0-9]+s\$" "$T/tty1.draws"
	check "on a terminal: done only grows" sh -c "sed 's/.*: \([0-9]*\)\/.*/\1/' '$T/tty1.draws' | sort -n -c"
	check "on a terminal: each draw overwrites the line (\\r ESC[K)" grep -q "${CR}${ESC}\[Kbulk INBOX: " "$T/tty1.tty"
	check "on a terminal: the line is erased before the summary" sh -c \
		"tr '\r' '\n' <'$T/tty1.tty' | grep -v '^\$' | tail -n 1 | grep -q '^${ESC}\[Kbulk: ok: '"
	# Several accounts: a line each, redrawn together (cursor up, erase
	# below) under the lines the children print.
	newdb "$T/ttyn.db" "$WT"
	config "$T/ttyn.conf" "$T/ttyn.db" "workers = 3
per_server = 3" "$(team_accounts)"
	CRMSYNC_TEST_CHUNK=10 on_tty ttyn -c "$T/ttyn.conf" sync
	check "on a terminal, 4 accounts: exit 0 (got $ttyrc)" [ $ttyrc -eq 0 ]
	check "on a terminal, 4 accounts: the database equals workers = 1's" [ "$(canon "$T/ttyn.db")" = "$ref" ]
	nacc=$(sed 's/ .*//' "$T/ttyn.draws" | sort -u | wc -l)
	check "on a terminal, 4 accounts: a live line for each ($nacc)" [ "$nacc" -eq 4 ]
	check "on a terminal, 4 accounts: the lines are redrawn in place (ESC[nA ESC[J)" grep -q "${ESC}\[[0-9]*A${CR}${ESC}\[J" "$T/ttyn.tty"
	check "on a terminal, 4 accounts: four summary lines" [ "$(tr '\r' '\n' <"$T/ttyn.tty" | grep -c ': ok: ')" -eq 4 ]
	check "on a terminal, 4 accounts: no progress line is left on the screen" sh -c \
		"tr '\r' '\n' <'$T/ttyn.tty' | grep -v '^\$' | tail -n 1 | grep -q '${ESC}\[J\$'"
else
	no_tty "progress on a terminal"
fi

# -- a parallel sync killed with SIGKILL: its workers go too, the next run completes -------------
lap "SIGKILL, parallel"
newdb "$T/pkill.db" "$WT"
config "$T/pkill.conf" "$T/pkill.db" "workers = 3
per_server = 3" "$(team_accounts)"
CRMSYNC_TEST_CHUNK=5 sync_bg pkill "$T/pkill.conf"
kpid=$bgpid
i=0
while [ "$(acts "$T/pkill.db" 2>/dev/null || echo 0)" -lt 20 ] && alive $kpid && [ $i -lt 1200 ]; do
	sleep 0.02
	i=$((i + 1))
done
kids=$(children "$kpid")
check "the parallel sync to be killed was still running, with workers" [ -n "$kids" ]
kill -KILL $kpid 2>/dev/null
wait $kpid 2>/dev/null
gone=1
for k in $kids; do _sv_wait_gone 10 alive "$k" || gone=0; done
check "its workers did not outlive it" [ $gone -eq 1 ]
crm -c "$T/pkill.conf" sync
expect_rc 0 "the sync after a SIGKILLed parallel one"
check "after the SIGKILL: the database equals workers = 1's" [ "$(canon "$T/pkill.db")" = "$ref" ]

# -- a wrong password: one error line, one failed login, the other account synced ---------------
lap "wrong password"
# authfails: failed logins in the server's log so far (Dovecot logs one
# "auth failed, N attempts" line per connection).
authfails() {
	sed -n 's/.*auth failed, \([0-9][0-9]*\) attempts.*/\1/p' "$DOVECOT_LOG" | awk '{ n += $1 } END { print n + 0 }'
}
bob=$(echo "$reps" | sed -n 2p)
alice=$(echo "$reps" | sed -n 1p)
newdb "$T/pw.db" "$WT"
config "$T/pw.conf" "$T/pw.db" "" \
	"$(account bad "$bob" "$bob" | sed 's/^password_env = IMAP_PW$/password_env = BAD_PW/')" \
	"$(account good "$alice" "$alice")"
# The state and outcomes of one account, comparable across databases.
acct_state() { # db account
	sqlite3 "$1" "SELECT container, uidvalidity, last_uid FROM sync_state WHERE account = '$2' ORDER BY 1;
		SELECT container, item_ref, identity, outcome, reason FROM item_outcomes WHERE account = '$2' ORDER BY 1, 2;"
}
for run in 1 2; do
	before=$(authfails)
	BAD_PW=wrong-password crm -c "$T/pw.conf" sync
	after=$(authfails)
	expect_rc 1 "wrong password on one account (run $run)"
	check "exactly one line on stderr (run $run): $(head -n 3 "$T/err" | tr '\n' '|')" [ "$(wc -l <"$T/err")" -eq 1 ]
	check "the line names the bad account: crmsync: bad: (run $run)" grep -q '^crmsync: bad: ' "$T/err"
	check "the bad password is not printed (run $run)" [ -z "$(grep -a wrong-password "$T/err" "$T/out")" ]
	check "exactly one failed login on the server (run $run: $((after - before)))" [ $((after - before)) -eq 1 ]
	check "the good account synced (run $run)" grep -q '^good: ok: ' "$T/out"
done
check "the good account synced fully: its state equals workers = 1's for $alice" \
	[ "$(acct_state "$T/pw.db" good)" = "$(acct_state "$T/ref.db" "${alice%@*}")" ]
check "the bad account has no state" [ "$(q "$T/pw.db" "SELECT count(*) FROM sync_state WHERE account = 'bad'")" = 0 ]

# -- a server that accepts and never answers -----------------------------------------------------
lap "silent server"
# It counts connections; crmsync gives up after the time-out (connect and
# each read), and the other account is synced meanwhile.
cat >"$T/silent.py" <<'PYEOF'
import os, socket, sys, threading
portfile, countfile = sys.argv[1], sys.argv[2]
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(16)
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(portfile + ".tmp", portfile)
held, n = [], 0
while True:
    c, _ = ls.accept()
    held.append(c)
    n += 1
    with open(countfile, "w") as f:
        f.write("%d\n" % n)
PYEOF
"$PY3" "$T/silent.py" "$T/silent.port" "$T/silent.count" </dev/null >/dev/null 2>&1 &
silentpid=$!
silent_stop() { _sv_kill TERM "$silentpid"; }
T_CLEANUP_HOOKS="${T_CLEANUP_HOOKS:-} silent_stop"
i=0
while [ ! -s "$T/silent.port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
newdb "$T/silent.db" "$WT"
config "$T/silent.conf" "$T/silent.db" "" \
	"$(account silent "$bob" "$bob" "timeout = 2s" | sed "s/^port = .*/port = $(cat "$T/silent.port")/")" \
	"$(account good "$alice" "$alice" "timeout = 2s")"
t0=$(now_ms)
crm -c "$T/silent.conf" sync
total_ms=$(($(now_ms) - t0))
secs=$(sed -n 's/^silent: FAILED: .*, \([0-9.]*\)s$/\1/p' "$T/out")
echo "silent server: the run took $total_ms ms, the silent account ${secs:-?} s, $(cat "$T/silent.count" 2>/dev/null || echo 0) connections; stderr: $(cat "$T/err")" >&2
expect_rc 1 "a silent server"
check "one error line, naming the silent account: $(head -n 3 "$T/err" | tr '\n' '|')" \
	[ "$(wc -l <"$T/err")" -eq 1 ] && grep -q '^crmsync: silent: ' "$T/err"
check "the error says the server did not answer in time" grep -qiE 'timed? ?out|no (answer|greeting) .*within 2 ?s' "$T/err"
check "the silent account gave up within 15 s (${secs:-no summary} s)" [ -n "$secs" ] && awk -v s="$secs" 'BEGIN { exit !(s < 15) }'
check "the whole run took under 20 s ($total_ms ms)" [ "$total_ms" -lt 20000 ]
check "the good account synced fully" [ "$(acct_state "$T/silent.db" good)" = "$(acct_state "$T/ref.db" "${alice%@*}")" ]
silent_stop

# -- the set-up README.md gives for systemd, short of systemd itself ----------------------------
lap "credentials"
# The config from $CRMSYNC_CONFIG, its [store] path in the state directory,
# passwords from the credentials directory as LoadCredential= leaves them
# (mode 0400, named pw_NAME): one by password_file, one by password_cmd.
# Commands that need no password work without the credentials.
CRED=$T/run/credentials/crmsync.service
mkdir -p "$T/etc" "$T/state" "$CRED"
for r in "$alice" "$bob"; do
	printf '%s\n' "$IMAP_PW" >"$CRED/pw_${r%@*}"
	chmod 400 "$CRED/pw_${r%@*}"
done
{
	printf '[store]\npath = %s/crmsync.db\n\n[team]\ndomains = lumen.example\n\n' "$T/state"
	account "${alice%@*}" "$alice" "$alice" | sed "s#^password_env = .*#password_file = $CRED/pw_${alice%@*}#"
	account "${bob%@*}" "$bob" "$bob" | sed "s#^password_env = .*#password_cmd = cat \"\$CREDENTIALS_DIRECTORY/pw_${bob%@*}\"#"
} >"$T/etc/config"
chmod 644 "$T/etc/config"
# (Only the users: matching is not what this is about.)
CRMSYNC_CONFIG=$T/etc/config crm import users "$WT/crm/users.csv"
expect_rc 0 "import users into the config's database"
check "the database is in the state directory, mode 0600" [ "$(stat -c %a "$T/state/crmsync.db" 2>/dev/null)" = 600 ]
saved_pw=$IMAP_PW
unset IMAP_PW
CRMSYNC_CONFIG=$T/etc/config CREDENTIALS_DIRECTORY=$CRED crm sync
export IMAP_PW="$saved_pw"
expect_rc 0 "sync with the passwords in a credentials directory"
check "both accounts synced: $(head -n 3 "$T/err" | tr '\n' '|')" [ "$(grep -c ': ok: ' "$T/out")" -eq 2 ]
# The folders' state and the number of items equal workers = 1's.
synced() { # db account
	sqlite3 "$1" "SELECT container, uidvalidity, last_uid FROM sync_state WHERE account = '$2' ORDER BY 1;
		SELECT count(*) FROM item_outcomes WHERE account = '$2';"
}
for r in "$alice" "$bob"; do
	check "${r%@*}'s account synced fully" [ "$(synced "$T/state/crmsync.db" "${r%@*}")" = "$(synced "$T/ref.db" "${r%@*}")" ]
done
CRMSYNC_CONFIG=$T/etc/config crm activities --limit 1
expect_rc 0 "activities without the credentials"

# -- README.md's cron line: quiet when all is well or the lock is held, the error otherwise ------------
lap "cron line"
cronline=$(sed -n 's#^\*/5 \* \* \* \* \(.*/usr/local/bin/crmsync.*\)$#\1#p' "$TOP/README.md" | head -n 1)
check "README.md has a cron line for every 5 minutes" [ -n "$cronline" ]
cronline=$(printf '%s' "$cronline" | sed "s#/usr/local/bin/crmsync#\"\$CRMSYNC_BIN\"#g")
mkdir -p "$T/home/.config/crmsync"
newdb "$T/cron.db" "$WT"
config "$T/home/.config/crmsync/config" "$T/cron.db" "" "$(account good "$alice" "$alice")"
cron() { # how cron runs it: sh -c, the user's HOME, no CRMSYNC_CONFIG
	(unset CRMSYNC_CONFIG XDG_CONFIG_HOME; HOME=$T/home; export HOME CRMSYNC_BIN
	sh -c "$cronline" >"$T/cron.mail" 2>&1; echo $? >"$T/cron.rc")
}
cron
check "cron line, a good run: nothing to mail ($(head -c 300 "$T/cron.mail"))" [ ! -s "$T/cron.mail" ]
check "cron line, a good run: the account synced" [ "$(acct_state "$T/cron.db" good)" = "$(acct_state "$T/ref.db" "${alice%@*}")" ]
"$PY3" -c 'import fcntl, sys, time
f = open(sys.argv[1], "w"); fcntl.lockf(f, fcntl.LOCK_EX); f.write("4242\n"); f.flush(); time.sleep(30)' "$T/cron.db.lock" &
lockpid=$!
i=0
while ! grep -q 4242 "$T/cron.db.lock" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
runs=$(q "$T/cron.db" "SELECT count(*) FROM sync_runs")
cron
check "cron line, the lock held (exit 3): nothing to mail ($(head -c 300 "$T/cron.mail"))" [ ! -s "$T/cron.mail" ]
check "cron line, the lock held: no run happened" [ "$(q "$T/cron.db" "SELECT count(*) FROM sync_runs")" = "$runs" ]
kill $lockpid 2>/dev/null
wait $lockpid 2>/dev/null
IMAP_PW=wrong-password cron
check "cron line, a failed account: the error line is mailed ($(head -c 300 "$T/cron.mail"))" grep -q '^crmsync: good: ' "$T/cron.mail"
check "cron line, a failed account: only the error line" [ "$(wc -l <"$T/cron.mail")" -eq 1 ]

lap "done"
t_done ops_sync

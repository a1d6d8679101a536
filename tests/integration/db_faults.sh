#!/bin/sh
# tests/integration/db_faults.sh - the database when things go wrong: the
# disk full while a sync, an import or a report writes, and the database
# locked by another writer for longer than crmsync's busy time-out (10 s,
# STORE_BUSY_TIMEOUT_MS in store/store.c) or for less. After each fault:
# a one-line error naming the database (and the account), a non-zero exit,
# a database that passes integrity_check with what was committed before
# intact, and a next run that completes and equals a clean run's.
#
# The full disk is RLIMIT_FSIZE with SIGXFSZ ignored (works unprivileged and
# as root in a container): a write past the limit fails with EFBIG, as one
# on a full file system fails with ENOSPC; SQLite then says "disk I/O
# error". Where a private mount namespace is allowed (unshare -rm), a small
# tmpfs fills for real too ("database or disk is full").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"
servers_require dovecot
W=$T/world
export CRMSYNC_NOW=2026-11-01T12:00:00Z
export IMAP_PW=dbfault-secret-pw
PY3=$(command -v /usr/bin/python3 || command -v python3)

# Under valgrind (about 30 times slower) the mailbox is smaller.
n=1500
[ -n "${VALGRIND:-}" ] && n=300
servers_py "$TOP/tests/gen/gen.py" --out "$W" --seed 11 --bulk $n --bulk-folders 1 \
	--now "$CRMSYNC_NOW" >/dev/null || fail "generator"
rep=$(sed -n 2p "$W/crm/users.csv" | cut -d, -f1)
dovecot_add_user "$rep" "$IMAP_PW"
sh "$TOP/tests/gen/load_maildir.sh" "$W/mail" || fail "loading the maildir"
# A second, small mailbox synced before the fault: what was committed then
# must come through it untouched.
dovecot_add_user first@lumen.example "$IMAP_PW"
box=$(dovecot_maildir first@lumen.example INBOX)
i=0
for f in "$TOP"/tests/data/mail/*.eml; do
	i=$((i + 1))
	[ $i -gt 40 ] && break
	cp "$f" "$box/cur/$(printf '%06d' $i).M1P1.first:2,S"
done
dovecot_fix_perms
dovecot_start || fail "dovecot_start"

# config DB: both accounts, "first" before "bulk".
config() {
	printf '[store]\npath = %s\n\n[team]\ndomains = lumen.example\n\n' "$1"
	for a in first:first@lumen.example bulk:$rep; do
		printf '[imap "%s"]\nhost = 127.0.0.1\nport = %s\nsecurity = none\nuser = %s\n' \
			"${a%%:*}" "$DOVECOT_PORT" "${a#*:}"
		printf 'password_env = IMAP_PW\nowner = %s\nsince = 3650d\n\n' "$rep"
	done
}
newdb() { # DB
	rm -f "$1" "$1-wal" "$1-shm" "$1.lock"
	for k in users companies contacts stages deals; do
		crm -d "$1" import $k "$W/crm/$k.csv"
	done
	config "$1" >"$1.conf"
}
# crm_limited BYTES ARGS...: crm with writes past BYTES failing with EFBIG
# (RLIMIT_FSIZE, SIGXFSZ ignored: both inherited over exec).
crm_limited() {
	_lim=$1
	shift
	"$PY3" -c '
import os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
n = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (n, n))
os.execvp(sys.argv[2], sys.argv[2:])' "$_lim" ${VALGRIND:-} "$CRMSYNC_BIN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ -n "${VALGRIND:-}" ] && [ "$rc" -eq 99 ]; then
		fail "valgrind reported errors: crmsync $*"
	elif grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/err"; then
		fail "sanitizer report: crmsync $*"
	fi
}
# crm_dump DB: the CRM tables and account "first"'s rows, for "intact".
crm_dump() {
	sqlite3 "$1" "SELECT * FROM users ORDER BY 1; SELECT * FROM companies ORDER BY 1;
		SELECT * FROM contacts ORDER BY 1; SELECT * FROM deals ORDER BY 1;
		SELECT * FROM stages ORDER BY 1;
		SELECT account, container, item_ref, identity, outcome, reason FROM item_outcomes WHERE account = 'first' ORDER BY 1, 2, 3;
		SELECT account, container, uidvalidity, last_uid FROM sync_state WHERE account = 'first';"
}
integrity() { # DB description
	check "$2: integrity_check" [ "$(q "$1" "PRAGMA integrity_check")" = ok ]
}
first_line() { # pattern description: the first line of stderr has it
	if head -n 1 "$T/err" | grep -qF -- "$1"; then
		ok
	else
		fail "$2: want '$1' in the first line of: $(cat "$T/err")"
	fi
}

# -- the clean run -------------------------------------------------------------
newdb "$T/clean.db"
crm -c "$T/clean.db.conf" sync
expect_rc 0 "clean sync"
clean=$(canon "$T/clean.db")
check "the clean run logged activities" [ "$(q "$T/clean.db" "SELECT count(*) FROM activities")" -gt $((n / 3)) ]

# -- the disk full while a sync commits -----------------------------------------
DB=$T/full.db
newdb "$DB"
crm -c "$DB.conf" sync --account first
expect_rc 0 "first account before the fault"
before=$(crm_dump "$DB")
# The WAL may grow to 192 KiB: a few chunks commit, then a write fails.
CRMSYNC_TEST_CHUNK=50 crm_limited 196608 -c "$DB.conf" sync --account bulk
expect_rc 4 "disk full: a database error"
first_line "crmsync: bulk: " "disk full: names the account"
first_line "database '$DB'" "disk full: names the database"
first_line "disk I/O error (check the free space" "disk full: says what to do"
integrity "$DB" "after the disk filled"
check "disk full: what was committed before is intact" [ "$(crm_dump "$DB")" = "$before" ]
crm -c "$DB.conf" sync
expect_rc 0 "the next run, with room"
check "after the full disk the database equals a clean run's" [ "$(canon "$DB")" = "$clean" ]
integrity "$DB" "after the rerun"

# -- a file system really full (ENOSPC): a small tmpfs, mounted in a private
# mount namespace (unshare -rm: no privilege needed where user namespaces
# are allowed; skipped where they are not) ---------------------------------------------
DB=$T/enospc.db
newdb "$DB"
crm -c "$DB.conf" sync --account first
before=$(crm_dump "$DB")
kb=$(($(du -k "$DB" | cut -f1) + 256))
mkdir -p "$T/small"
sed "s#^path = .*#path = $T/small/enospc.db#" "$DB.conf" >"$T/small.conf"
cat >"$T/enospc.sh" <<SH
mount -t tmpfs -o size=${kb}k tmpfs '$T/small' || exit 97
cp '$DB' '$T/small/' || exit 98
CRMSYNC_TEST_CHUNK=50 ${VALGRIND:-} '$CRMSYNC_BIN' -c '$T/small.conf' sync --account bulk >'$T/out' 2>'$T/err'
echo \$? >'$T/enospc.rc'
df -k '$T/small' | tail -n 1 >'$T/enospc.df'
for f in enospc.db enospc.db-wal; do [ -f '$T/small/'\$f ] && cp '$T/small/'\$f '$T/'\$f.out; done
exit 0
SH
if ! unshare -rm true 2>/dev/null; then
	skip "no private mount namespace here (unshare -rm): the tmpfs full-disk case"
elif ! unshare -rm sh "$T/enospc.sh"; then
	skip "cannot mount a tmpfs in a private mount namespace"
else
	rc=$(cat "$T/enospc.rc")
	expect_rc 4 "file system full: a database error"
	first_line "crmsync: bulk: " "file system full: names the account"
	first_line "database '$T/small/enospc.db'" "file system full: names the database"
	first_line "database or disk is full" "file system full: says so"
	mv "$T/enospc.db.out" "$DB"
	rm -f "$DB-wal" "$DB-shm"
	[ -f "$T/enospc.db-wal.out" ] && mv "$T/enospc.db-wal.out" "$DB-wal"
	integrity "$DB" "after the file system filled"
	check "file system full: what was committed before is intact" [ "$(crm_dump "$DB")" = "$before" ]
	crm -c "$DB.conf" sync
	expect_rc 0 "the next run, on a disk with room"
	check "after the full file system the database equals a clean run's" [ "$(canon "$DB")" = "$clean" ]
fi

# -- the disk full while an import commits: all or nothing ---------------------------
m=3000
[ -n "${VALGRIND:-}" ] && m=600
servers_py -c '
import sys
print("email,name,company,lead_source")
for i in range(int(sys.argv[1])):
    print("bulk%05d@big%d.example,Bulk Contact %d with a long enough name to fill pages,,import" % (i, i % 50, i))' $m >"$T/many.csv"
contacts=$(q "$DB" "SELECT count(*) FROM contacts")
dump=$(crm_dump "$DB")
crm_limited 196608 -d "$DB" import contacts "$T/many.csv"
expect_rc 4 "import on a full disk: a database error"
first_line "database '$DB'" "import on a full disk: names the database"
check "import on a full disk: nothing imported" [ "$(crm_dump "$DB")" = "$dump" ]
integrity "$DB" "after the import on a full disk"
crm -d "$DB" import contacts "$T/many.csv"
expect_rc 0 "import with room"
check "import with room: every contact" [ "$(q "$DB" "SELECT count(*) FROM contacts")" -eq $((contacts + m)) ]

# -- reports to a full disk or a path that cannot be written --------------------------
mkdir "$T/rep"
crm -d "$T/clean.db" report activity --format html --from 2020-01-01 --to 2026-11-01 -o "$T/rep/full.html"
expect_rc 0 "HTML report with room"
size=$(wc -c <"$T/rep/full.html")
rm -f "$T/rep/full.html"
# room for the database's -shm (32 KiB) but not for the page
lim=$((size / 2))
[ $lim -lt 40000 ] && lim=40000
check "the report is larger than the limit ($size bytes)" [ "$size" -gt $lim ]
crm_limited $lim -d "$T/clean.db" report activity --format html --from 2020-01-01 --to 2026-11-01 -o "$T/rep/full.html"
check "report on a full disk: exit non-zero (got $rc)" [ "$rc" -ne 0 ]
first_line "$T/rep/full.html" "report on a full disk: names the file"
check "report on a full disk: no file, no temporary left: $(ls "$T/rep")" [ -z "$(ls "$T/rep")" ]
: >"$T/rep/plain"
for out in "$T/rep/missing/r.csv" "$T/rep/plain/r.csv"; do
	crm -d "$T/clean.db" report activity --format csv -o "$out"
	check "report to $out: exit non-zero (got $rc)" [ "$rc" -ne 0 ]
	first_line "$out" "report to $out: names the file"
done
crm -d "$T/clean.db" report activity --format csv -o "$T/rep/ok.csv"
expect_rc 0 "a report where it can be written"
${VALGRIND:-} "$CRMSYNC_BIN" -d "$T/clean.db" report activity --format csv >/dev/full 2>"$T/err"
rc=$?
check "report to a full standard output: exit non-zero (got $rc)" [ "$rc" -ne 0 ]
first_line "cannot write" "report to a full standard output: says so"
${VALGRIND:-} "$CRMSYNC_BIN" -d "$T/clean.db" activities --format json >/dev/full 2>"$T/err"
rc=$?
check "activities to a full standard output: exit non-zero (got $rc)" [ "$rc" -ne 0 ]

# -- the database locked by another writer ----------------------------------------
# hold DB SECONDS: a python3 sqlite3 connection takes the write lock (BEGIN
# IMMEDIATE) and keeps it that long; returns once it holds it.
hold() {
	rm -f "$T/held"
	"$PY3" -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[3], "w").close()
time.sleep(float(sys.argv[2]))
c.execute("ROLLBACK")' "$1" "$2" "$T/held" </dev/null >/dev/null 2>"$T/hold.err" &
	holder=$!
	_i=0
	while [ ! -f "$T/held" ] && [ $_i -lt 500 ]; do sleep 0.02; _i=$((_i + 1)); done
}
holder_stop() { [ -n "${holder:-}" ] && kill "$holder" 2>/dev/null; }
T_CLEANUP_HOOKS="${T_CLEANUP_HOOKS:-} holder_stop"
DB=$T/busy.db
newdb "$DB"
crm -c "$DB.conf" sync --account first
before=$(crm_dump "$DB")
hold "$DB" 60
t0=$(date +%s)
crm -c "$DB.conf" sync
t1=$(date +%s)
expect_rc 4 "locked past the busy time-out: a database error"
first_line "database '$DB'" "locked: names the database"
first_line "database is locked" "locked: says so"
# (the accounts sync in parallel: each says it once)
check "locked: one line per account: $(cat "$T/err")" [ "$(grep -vcE "^crmsync: (first|bulk): database '$DB': recording a run: database is locked \(another program is writing to it; try again later\)\$" "$T/err")" -eq 0 ]
check "locked: gave up after the busy time-out ($((t1 - t0)) s)" [ $((t1 - t0)) -ge 9 ] && [ $((t1 - t0)) -lt 30 ]
holder_stop
wait "$holder" 2>/dev/null
integrity "$DB" "after the lock"
check "locked: what was committed before is intact" [ "$(crm_dump "$DB")" = "$before" ]
# Released within the time-out: the sync waits for it and succeeds.
hold "$DB" 3
t0=$(date +%s)
crm -c "$DB.conf" sync
t1=$(date +%s)
expect_rc 0 "locked for 3 s: the sync waits"
check "locked for 3 s: it waited ($((t1 - t0)) s)" [ $((t1 - t0)) -ge 2 ]
wait "$holder" 2>/dev/null
check "after the lock the database equals a clean run's" [ "$(canon "$DB")" = "$clean" ]

t_done db_faults

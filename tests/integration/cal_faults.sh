#!/bin/sh
# tests/integration/cal_faults.sh - a large first calendar sync (the
# generator's bulk calendars on a private Radicale) killed with SIGKILL at
# several points and run again ends with exactly the rows of an
# uninterrupted run; so does one where Radicale dies in the middle.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"
servers_require radicale
W=$T/world
export CRMSYNC_NOW=2026-11-01T12:00:00Z
export DAV_PW=cal-fault-pw

# Under valgrind (about 30 times slower) the calendars are smaller.
n=1500
[ -n "${VALGRIND:-}" ] && n=300
servers_py "$TOP/tests/gen/gen.py" --out "$W" --seed 9 --cal-bulk $n --cal-calendars 3 \
	--now "$CRMSYNC_NOW" >/dev/null || fail "generator"
rep=$(sed -n 2p "$W/crm/users.csv" | cut -d, -f1)
radicale_add_user "$rep" "$DAV_PW"
sh "$TOP/tests/gen/load_radicale.sh" "$W/cal" "$rep" >/dev/null || fail "loading the calendars"
radicale_start || fail "radicale_start"

newdb() {
	rm -f "$1" "$1-wal" "$1-shm"
	for k in users companies contacts stages deals; do
		crm -d "$1" import $k "$W/crm/$k.csv"
	done
	# Radicale builds its item cache on the first request of a calendar:
	# 1,500 objects took over 30 s on a loaded 2-core machine. The test is
	# about kills and outages, so the time-out is generous.
	printf '[store]\npath = %s\n[team]\ndomains = %s\n[caldav "cal"]\nurl = %s\nuser = %s\npassword_env = DAV_PW\nowner = %s\ntimezone = Europe/Berlin\ntimeout = 180s\n' \
		"$1" "${rep#*@}" "$RADICALE_URL" "$rep" "$rep" >"$1.conf"
}
canon() {
	sqlite3 "$1" "SELECT source_key, kind, direction, status, occurred_at, ended_at, subject, sequence, removed FROM activities ORDER BY source_key;
		SELECT a.source_key, p.addr_key, p.role, p.partstat FROM participants p JOIN activities a ON a.id = p.activity_id ORDER BY 1, 2, 3;
		SELECT a.source_key, l.type, l.target_id, l.rule FROM activity_links l JOIN activities a ON a.id = l.activity_id ORDER BY 1, 2, 3;
		SELECT container, item_ref, identity, outcome, reason FROM item_outcomes ORDER BY 1, 2;
		SELECT calendar, href, etag FROM calendar_items ORDER BY 1, 2;
		SELECT container, sync_token IS NOT NULL FROM sync_state WHERE container <> '' ORDER BY 1;"
}

newdb "$T/clean.db"
crm -c "$T/clean.db.conf" sync
expect_rc 0 "clean bulk calendar sync"
cat "$T/out" >&2
clean=$(canon "$T/clean.db")
check "the clean run logged meetings" [ "$(q "$T/clean.db" "SELECT count(*) FROM activities")" -gt $((n / 2)) ]

newdb "$T/kill.db"
for delay in 0.1 0.3 0.6 0.9 1.2; do
	"$CRMSYNC_BIN" -c "$T/kill.db.conf" sync >/dev/null 2>&1 &
	pid=$!
	sleep $delay
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
done
crm -c "$T/kill.db.conf" sync
expect_rc 0 "calendar sync after repeated SIGKILLs"
check "after SIGKILLs the database equals a clean run's" [ "$(canon "$T/kill.db")" = "$clean" ]
check "integrity after SIGKILLs" [ "$(q "$T/kill.db" "PRAGMA integrity_check")" = ok ]

newdb "$T/outage.db"
${VALGRIND:-} "$CRMSYNC_BIN" -c "$T/outage.db.conf" sync >"$T/out" 2>"$T/err" &
pid=$!
i=0
while [ "$(q "$T/outage.db" "SELECT count(*) FROM calendar_items" 2>/dev/null || echo 0)" -lt 100 ] && [ $i -lt 600 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -9 "$(radicale_pid)"
wait $pid
rc=$?
expect_rc 1 "Radicale killed mid-sync"
check "one-line error naming the account" [ "$(grep -c '^crmsync: cal: ' "$T/err")" -eq 1 ]
radicale_start || fail "radicale restart"
crm -c "$T/outage.db.conf" sync
expect_rc 0 "rerun after the outage"
check "after the outage the database equals a clean run's" [ "$(canon "$T/outage.db")" = "$clean" ]

t_done cal_faults

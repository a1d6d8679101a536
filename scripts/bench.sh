#!/bin/sh
# scripts/bench.sh CRMSYNC FLOOR - `make bench`: crmsync's IMAP sync against
# a private Dovecot on loopback, on generated mail, next to a floor measured
# in the same run (a bare client sending the same UID FETCH commands and
# discarding the bytes). Writes BENCHMARKS.md. Sizes: BENCH_SIZES (default
# "10000 100000"); BENCH_QUICK=1 runs 2,000 only.
set -u
CRMSYNC_BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
FLOOR=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
# The activity report's unit test generates the reports' database.
REPGEN=${3:+$(cd "$(dirname "$3")" && pwd)/$(basename "$3")}
export CRMSYNC_BIN
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# lib.sh and servers.sh give a private $T and the server functions.
. "$ROOT/tests/integration/lib.sh"
TOP=$ROOT
. "$ROOT/tests/integration/servers.sh"
SIZES=${BENCH_SIZES:-10000 100000}
[ "${BENCH_QUICK:-0}" = 1 ] && SIZES=2000
PY=$(command -v python3)
PW=bench-pw
export PW CRMSYNC_NOW=2026-11-01T12:00:00Z
OUT=$TOP/BENCHMARKS.md
ROWS=$T/rows

dovecot_start >/dev/null || { echo "bench: dovecot did not start" >&2; exit 1; }
CAL_ROWS=$T/calrows
: >"$CAL_ROWS"

# bench_cal N K: N generated events (a fifth recurring) over K calendars in
# Radicale; crmsync's first and no-change sync.
bench_cal() {
	n=$1 k=$2
	w=$T/c$n
	"$PY" "$TOP/tests/gen/gen.py" --out "$w" --seed 4 --cal-bulk "$n" --cal-calendars "$k" --now "$CRMSYNC_NOW" >/dev/null
	user=$(sed -n 2p "$w/crm/users.csv" | cut -d, -f1)
	radicale_add_user "$user" "$PW"
	sh "$TOP/tests/gen/load_radicale.sh" "$w/cal" "$user" >/dev/null
	radicale_stop >/dev/null 2>&1
	radicale_start >/dev/null || { echo "bench: radicale did not start" >&2; return; }
	# Warm Radicale: it builds its item cache on the first access of each
	# calendar (about 30 s for 5,000 objects), which is not crmsync's time.
	for c in $(ls "$w/cal/$user"); do
		curl -s -o /dev/null -u "$user:$PW" -X PROPFIND -H 'Depth: 1' \
			"${RADICALE_URL}$(printf '%s' "$user" | sed 's/@/%40/')/$c/"
	done
	db=$T/cal$n.db
	for f in users companies contacts stages deals; do "$CRMSYNC_BIN" -q -d "$db" import $f "$w/crm/$f.csv" >/dev/null; done
	printf '[store]\npath = %s\n[team]\ndomains = %s\n[caldav "cal"]\nurl = %s\nuser = %s\npassword_env = PW\nowner = %s\ntimezone = Europe/Berlin\n' \
		"$db" "${user#*@}" "$RADICALE_URL" "$user" "$user" >"$T/cal.conf"
	set -- $(measure "$CRMSYNC_BIN" -c "$T/cal.conf" sync)
	wall=$1 cpu=$2 rss=$3
	occ=$(sed -n 's/.*cal: ok: \([0-9]*\) fetched.*/\1/p' "$T/mout")
	set -- $(measure "$CRMSYNC_BIN" -c "$T/cal.conf" sync)
	printf '| %s events (%s occurrences) in %s calendars | %.2f s | %.2f s | %s MB | %.2f s |\n' \
		"$n" "$occ" "$k" "$wall" "$cpu" "$((rss / 1024))" "$1" >>"$CAL_ROWS"
}

# measure LABEL CMD...: runs CMD under /usr/bin/time; prints "wall cpu rss_kb".
measure() {
	/usr/bin/time -f "%e %U %S %M" -o "$T/time" "$@" >"$T/mout" 2>"$T/merr" || {
		echo "bench: '$*' failed:" >&2
		tail -n 5 "$T/merr" >&2
	}
	awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$T/time"
}

account_conf() { # file db user folders
	{
		printf '[store]\npath = %s\n[team]\ndomains = lumen.example\n' "$2"
		printf '[imap "bench"]\nhost = 127.0.0.1\nport = %s\nsecurity = none\n' "$DOVECOT_PORT"
		printf 'user = %s\npassword_env = PW\nowner = %s\nsince = 3650d\n' "$3" "$3"
		[ -n "$4" ] && printf 'folders = %s\n' "$4"
	} >"$1"
}

row() { printf '| %s | %s | %s | %s | %s | %s |\n' "$@" >>"$ROWS"; }

bench_size() { # N FOLDERS
	n=$1 nf=$2
	w=$T/w$n-$nf
	"$PY" "$TOP/tests/gen/gen.py" --out "$w" --seed 3 --bulk "$n" --bulk-folders "$nf" --now "$CRMSYNC_NOW" >/dev/null
	user=$(sed -n 2p "$w/crm/users.csv" | cut -d, -f1)
	for u in $(tail -n +2 "$w/crm/users.csv" | cut -d, -f1); do dovecot_add_user "$u" "$PW"; done
	sh "$TOP/tests/gen/load_maildir.sh" "$w/mail" >/dev/null
	folders=$(ls "$w/mail/$user" | tr '\n' ',' | sed 's/,$//; s/,/, /g')
	db=$T/b$n-$nf.db
	for k in users companies contacts stages deals; do "$CRMSYNC_BIN" -q -d "$db" import $k "$w/crm/$k.csv" >/dev/null; done
	account_conf "$T/b.conf" "$db" "$user" "$folders"
	# Warm the server's caches (the first FETCH after loading builds indexes).
	for f in $(ls "$w/mail/$user"); do "$FLOOR" 127.0.0.1 "$DOVECOT_PORT" "$user" "$PW" "$f" 1000 2048 >/dev/null; done
	floor_s=0
	for f in $(ls "$w/mail/$user"); do
		s=$("$FLOOR" 127.0.0.1 "$DOVECOT_PORT" "$user" "$PW" "$f" 1000 2048 | cut -d' ' -f3)
		floor_s=$(awk -v a="$floor_s" -v b="$s" 'BEGIN { print a + b }')
	done
	set -- $(measure "$CRMSYNC_BIN" -c "$T/b.conf" sync)
	wall=$1 cpu=$2 rss=$3
	# The generator may put a message in several folders: count what was fetched.
	n=$(sed -n 's/.*bench: ok: \([0-9]*\) fetched.*/\1/p' "$T/mout")
	set -- $(measure "$CRMSYNC_BIN" -q -c "$T/b.conf" sync)
	nochange=$1
	rate=$(awk -v n="$n" -v w="$wall" 'BEGIN { printf "%.0f", n / w }')
	ratio=$(awk -v a="$wall" -v b="$floor_s" 'BEGIN { printf "%.2f", a / b }')
	row "$n in $nf folder(s)" "$(printf '%.2f s' "$wall")" "$(printf '%.2f s' "$cpu")" "$((rss / 1024)) MB" "$rate msg/s" "$(printf '%.3f s' "$floor_s") (x$ratio)"
	printf '| %s | %s |\n' "$n in $nf folder(s)" "$nochange s" >>"$T/nochange"
}

# bench_reports: every report over 1,000,000 activities (a year of mail,
# meetings and calls of 20 users with 20,000 contacts) and 20,000 deals
# (with lead sources, values, closes and stage histories), built by the
# activity report test's generator; a 30-day and a whole-year range.
REP_ROWS=$T/reprows
: >"$REP_ROWS"
bench_reports() {
	[ -n "$REPGEN" ] || return 0
	db=$T/rep.db
	ACTIVITY_BENCH=1000000 ACTIVITY_BENCH_DB=$db "$REPGEN" >/dev/null 2>&1 || { echo "bench: no report database" >&2; return; }
	sqlite3 "$db" "
		INSERT INTO stages (id, key, name, position, probability, updated_at) VALUES
		  (2, 'q', 'Qualified', 2, 20, 0), (3, 'p', 'Proposal', 3, 50, 0), (4, 'n', 'Negotiation', 4, 80, 0);
		WITH RECURSIVE g(v) AS (SELECT 5001 UNION ALL SELECT v + 1 FROM g WHERE v < 20000)
		INSERT INTO deals (id, key, name, owner_id, stage_id, status, created_at, updated_at)
		  SELECT v, 'D' || v, 'deal', 1 + v % 20, 1, CASE WHEN v % 3 = 0 THEN 'won' WHEN v % 7 = 0 THEN 'lost' ELSE 'open' END, 0, 0 FROM g;
		UPDATE deals SET lead_source = CASE id % 5 WHEN 0 THEN 'website' WHEN 1 THEN 'referral' WHEN 2 THEN 'webinar' WHEN 3 THEN 'outbound' ELSE 'partner' END,
		  value_minor = (id % 97) * 12345, created_at = 1761523200 + (id * 7919) % 31536000,
		  stage_id = 1 + id % 4, expected_close = CASE status WHEN 'open' THEN 1793059200 + (id % 300) * 86400 END;
		UPDATE deals SET closed_at = created_at + (id % 90) * 86400 WHERE status <> 'open';
		UPDATE contacts SET lead_source = CASE id % 4 WHEN 0 THEN 'website' WHEN 1 THEN 'referral' WHEN 2 THEN 'webinar' ELSE 'outbound' END,
		  created_at = 1761523200 + (id * 104729) % 31536000;
		INSERT INTO deal_contacts SELECT id, 1 + id % 20000 FROM deals;
		WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 4)
		INSERT INTO stage_history (deal_id, stage_id, entered_at)
		  SELECT d.id, k.n, d.created_at + (k.n - 1) * 86400 * (1 + d.id % 9) FROM deals d JOIN k ON k.n <= d.stage_id;
		ANALYZE;" || { echo "bench: could not extend the report database" >&2; return; }
	for r in activity attribution funnel forecast; do
		for range in "30 days:2026-05-14:2026-06-13" "a year:2025-10-27:2026-10-27"; do
			label=${range%%:*} rest=${range#*:}
			set -- $(measure "$CRMSYNC_BIN" -d "$db" report "$r" --tz UTC --period week --from "${rest%%:*}" --to "${rest#*:}" --format json)
			printf '| %s | %s | %.2f s | %.2f s | %s MB |\n' "$r" "$label" "$1" "$2" "$(($3 / 1024))" >>"$REP_ROWS"
		done
	done
}

: >"$ROWS"
: >"$T/nochange"
for n in $SIZES; do bench_size "$n" 1; done
# 20 folders of about 5,000 (the generator spreads --bulk over INBOX and
# Sent copies, so ask for half).
if [ "${BENCH_QUICK:-0}" != 1 ]; then bench_size 50000 20; fi
if [ "${BENCH_QUICK:-0}" = 1 ]; then bench_cal 500 2; else bench_cal 500 2 && bench_cal 5000 10; fi
[ "${BENCH_QUICK:-0}" = 1 ] || bench_reports

{
	echo "# Benchmarks"
	echo
	echo "Measured by \`make bench\` ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m), $(dovecot --version | cut -d' ' -f1-2 | sed 's/^/Dovecot /'), crmsync $("$CRMSYNC_BIN" --version | cut -d' ' -f2))."
	echo "Generated mail (tests/gen, bulk mode: 1-3 KB messages, mostly matched mail),"
	echo "a private Dovecot on loopback (plain IMAP, warm cache), one connection."
	echo
	echo "## IMAP first sync"
	echo
	echo "The floor is a bare C client (tests/tools/imap_floor.c) sending the same"
	echo "UID FETCH commands (same header fields, same 2 KB body start, ranges of"
	echo "1,000) and discarding the bytes; the ratio is crmsync's wall time over it."
	echo
	echo "| mailbox | wall | CPU | peak RSS | rate | floor (ratio) |"
	echo "|---|---|---|---|---|---|"
	cat "$ROWS"
	echo
	echo "## No-change sync (one STATUS per folder)"
	echo
	echo "| mailbox | wall |"
	echo "|---|---|"
	cat "$T/nochange"
	echo
	echo "## CalDAV first sync and no-change sync (Radicale $(radicale --version 2>/dev/null))"
	echo
	echo "Generated events (tests/gen --cal-bulk: a fifth weekly series of 3-10"
	echo "occurrences), one private Radicale on loopback; a no-change sync is one"
	echo "PROPFIND per calendar."
	echo
	echo "| calendars | first sync | CPU | peak RSS | no-change sync |"
	echo "|---|---|---|---|---|"
	cat "$CAL_ROWS"
	if [ -s "$REP_ROWS" ]; then
		echo
		echo "## Reports over 1,000,000 activities and 20,000 deals"
		echo
		echo "\`crmsync report R --format json\` on a database generated by"
		echo "tests/unit/test_report_activity.c (a year of mail, meetings and calls of 20"
		echo "users and 20,000 contacts) plus 20,000 deals with sources, values, closes"
		echo "and stage histories; weekly periods."
		echo
		echo "| report | range | wall | CPU | peak RSS |"
		echo "|---|---|---|---|---|"
		cat "$REP_ROWS"
	fi
} >"$OUT"
cat "$OUT"

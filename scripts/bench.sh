#!/bin/sh
# scripts/bench.sh CRMSYNC IMAP_FLOOR [REPORT_GEN] - `make bench`: one run
# that measures crmsync on generated data against private servers on
# loopback, next to floors and other clients measured in the same run, and
# writes BENCHMARKS.md (machine, versions, date, targets, tables); the same
# tables are printed at the end, and a line per measurement as it goes.
#
#   Mail (a private Dovecot): crmsync's first and no-change sync; the floor
#   (tests/tools/imap_floor.c: the same UID FETCH commands, bytes discarded);
#   mbsync (isync) pulling the same folders into a Maildir, first and
#   no-change run. Scaling: first sync of one folder at each BENCH_SIZES.
#   Calendar (a private Radicale): crmsync's first and no-change sync; the
#   floor (tests/tools/caldav_floor.sh: the same sync-collection and
#   calendar-multiget REPORTs with curl); vdirsyncer into a filesystem
#   storage, first and no-change sync (its discovery timed apart).
#   Reports: each report over a generated database of BENCH_ACTIVITIES
#   activities and 20,000 deals.
#
# Not part of `make check`. Every server it starts is stopped at exit
# (tests/integration/servers.sh), also on failure or Ctrl-C.
#
# Sizes (environment; the defaults are the published run, 6-7 minutes
# on 2 cores):
#   BENCH_SIZES="10000 30000 100000"  one folder each (the scaling rows);
#                                     mbsync runs at the first and the last
#   BENCH_FOLDERS="20 5000"           K folders of N messages ("" skips)
#   BENCH_CAL="500:2 5000:10"         N events over K calendars each
#   BENCH_ACTIVITIES=1000000          the reports' database (0 skips)
#   BENCH_QUICK=1                     small sizes of all of them, for
#                                     working on this script (~1 minute)
#   BENCH_OUT=FILE                    instead of BENCHMARKS.md
set -u
START_S=$(date +%s)
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
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	SIZES=${BENCH_SIZES:-1000 3000 10000}
	FOLDERS=${BENCH_FOLDERS-4 1000}
	CALS=${BENCH_CAL-100:2}
	ACTIVITIES=${BENCH_ACTIVITIES:-20000}
else
	SIZES=${BENCH_SIZES:-10000 30000 100000}
	FOLDERS=${BENCH_FOLDERS-20 5000}
	CALS=${BENCH_CAL-500:2 5000:10}
	ACTIVITIES=${BENCH_ACTIVITIES:-1000000}
fi
SIZE_FIRST=$(echo "$SIZES" | awk '{ print $1 }')
SIZE_LAST=$(echo "$SIZES" | awk '{ print $NF }')
# The system python (servers.sh): a pyenv shim first in $PATH costs 300 ms
# a call, and its own children would count in measure's rusage.
PY=$SV_PYTHON
PW=bench-pw
export PW CRMSYNC_NOW=2026-11-01T12:00:00Z
OUT=${BENCH_OUT:-$TOP/BENCHMARKS.md}
MAIL_TSV=$T/mail.tsv CAL_TSV=$T/cal.tsv REP_TSV=$T/rep.tsv
: >"$MAIL_TSV"
: >"$CAL_TSV"
: >"$REP_TSV"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# say MESSAGE: a progress line, with the seconds since the start.
say() { echo "bench: [$(($(date +%s) - START_S)) s] $*" >&2; }

# measure CMD...: runs CMD (stdout to $T/mout, stderr to $T/merr); prints
# "wall cpu rss_kb", or "NA NA NA" when CMD failed. Timed by python around
# the child alone: on a machine where starting a process takes 20 ms, a
# `date` on each side would add as much as a no-change sync costs, and
# /usr/bin/time counts in 10 ms steps. CPU is the child's user + system,
# rss its peak resident set.
measure() {
	if "$PY" -c '
import resource, subprocess, sys, time
ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "wb") as out, open(sys.argv[2], "wb") as err:
    t0 = time.perf_counter()
    try:
        rc = subprocess.call(sys.argv[3:], stdout=out, stderr=err)
    except OSError as e:
        err.write(("%s\n" % e).encode())
        rc = 127
    t1 = time.perf_counter()
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = ru.ru_utime + ru.ru_stime - ru0.ru_utime - ru0.ru_stime
print("%.3f %.2f %d" % (t1 - t0, cpu, ru.ru_maxrss))
sys.exit(rc != 0)' "$T/mout" "$T/merr" "$@" >"$T/time"; then
		cat "$T/time"
	else
		say "'$*' failed:"
		tail -n 5 "$T/merr" >&2
		echo "NA NA NA"
	fi
}

# now: seconds since the epoch, to the ns.
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
have() { command -v "$1" >/dev/null 2>&1; }

# -- mail ------------------------------------------------------------------------

account_conf() { # file db user folders
	{
		printf '[store]\npath = %s\n[team]\ndomains = lumen.example\n' "$2"
		printf '[imap "bench"]\nhost = 127.0.0.1\nport = %s\nsecurity = none\n' "$DOVECOT_PORT"
		printf 'user = %s\npassword_env = PW\nowner = %s\nsince = 3650d\n' "$3" "$3"
		[ -n "$4" ] && printf 'folders = %s\n' "$4"
	} >"$1"
}

# mbsync_conf FILE USER DIR: one channel pulling every folder of USER into
# the Maildir DIR. FSync off: mbsync's fastest setting (crmsync's SQLite
# syncs at checkpoints only).
mbsync_conf() {
	cat >"$1" <<EOF
FSync no

IMAPAccount bench
Host 127.0.0.1
Port $DOVECOT_PORT
User $2
Pass $PW
SSLType None
AuthMechs LOGIN

IMAPStore far
Account bench

MaildirStore near
Path $3/
Inbox $3/INBOX
SubFolders Verbatim

Channel bench
Far :far:
Near :near:
Patterns *
Create Near
Sync Pull
SyncState *
EOF
}

# bench_mail N K KIND: N generated messages over K folders in Dovecot, a
# clean mailbox each time. KIND: "scale" (one folder, mbsync only at the
# first and last size), "folders". Appends a line to $MAIL_TSV:
#   kind n k fetched wall cpu rss_kb nochange floor mbs_first mbs_cpu mbs_rss mbs_nochange
bench_mail() {
	n=$1 nf=$2 kind=$3
	w=$T/mail-$n-$nf
	"$PY" "$TOP/tests/gen/gen.py" --out "$w" --seed 3 --bulk "$((n * nf))" --bulk-folders "$nf" --now "$CRMSYNC_NOW" >/dev/null
	user=$(sed -n 2p "$w/crm/users.csv" | cut -d, -f1)
	if [ -z "${MAIL_USERS:-}" ]; then
		for u in $(tail -n +2 "$w/crm/users.csv" | cut -d, -f1); do dovecot_add_user "$u" "$PW"; done
		MAIL_USERS=1
	fi
	# Nothing of the previous size stays: its messages, Dovecot's indexes
	# and caches (no client is connected between scenarios).
	rm -rf "${DOVECOT_DIR:?}/home/$user"
	sh "$TOP/tests/gen/load_maildir.sh" "$w/mail" 2>/dev/null
	boxes=$(cd "$w/mail/$user" && for f in */; do echo "${f%/}"; done)
	folders=$(echo "$boxes" | tr '\n' ',' | sed 's/,$//; s/,/, /g')
	db=$T/mail.db
	rm -f "$db" "$db-wal" "$db-shm"
	for k in users companies contacts stages deals; do "$CRMSYNC_BIN" -q -d "$db" import $k "$w/crm/$k.csv" >/dev/null; done
	account_conf "$T/b.conf" "$db" "$user" "$folders"
	# Warm the server's caches (the first FETCH after loading builds
	# indexes): every client below meets the same warm server.
	for f in $boxes; do "$FLOOR" 127.0.0.1 "$DOVECOT_PORT" "$user" "$PW" "$f" 1000 2048 >/dev/null; done
	floor_s=0
	for f in $boxes; do
		s=$("$FLOOR" 127.0.0.1 "$DOVECOT_PORT" "$user" "$PW" "$f" 1000 2048 | cut -d' ' -f3)
		floor_s=$(awk -v a="$floor_s" -v b="${s:-NA}" 'BEGIN { if (b == "NA" || a == "NA") print "NA"; else print a + b }')
	done
	set -- $(measure "$CRMSYNC_BIN" -c "$T/b.conf" sync)
	wall=$1 cpu=$2 rss=$3
	fetched=$(sed -n 's/.*bench: ok: \([0-9]*\) fetched.*/\1/p' "$T/mout")
	[ "${fetched:-0}" -eq "$((n * nf))" ] || say "crmsync fetched ${fetched:-nothing} of $((n * nf)) messages"
	set -- $(measure "$CRMSYNC_BIN" -q -c "$T/b.conf" sync)
	nochange=$1
	mfirst=- mcpu=- mrss=- mnc=-
	if [ "$kind" = folders ] || [ "$n" = "$SIZE_FIRST" ] || [ "$n" = "$SIZE_LAST" ]; then
		if have mbsync; then
			mkdir -p "$T/mbs"
			mbsync_conf "$T/mbsyncrc" "$user" "$T/mbs"
			set -- $(measure mbsync -c "$T/mbsyncrc" -a)
			mfirst=$1 mcpu=$2 mrss=$3
			# mbsync sleeps a second when a Maildir changed within the
			# current second: let that second pass, untimed.
			sleep 1
			set -- $(measure mbsync -c "$T/mbsyncrc" -a)
			mnc=$1
			got=$(find "$T/mbs" -type f -path '*/cur/*' | wc -l)
			[ "$got" -eq "$((n * nf))" ] || say "mbsync pulled $got of $((n * nf)) messages"
			rm -rf "$T/mbs"
		else
			say "mbsync is not installed (apt-get install isync): no mbsync rows"
		fi
	fi
	printf '%s %s %s %s %s %s %s %s %s %s %s %s %s\n' "$kind" "$n" "$nf" "${fetched:-NA}" \
		"$wall" "$cpu" "$rss" "$nochange" "$floor_s" "$mfirst" "$mcpu" "$mrss" "$mnc" >>"$MAIL_TSV"
	say "mail $n x $nf: crmsync ${wall} s (${rss} KB), no-change ${nochange} s; floor ${floor_s} s; mbsync ${mfirst} s, no-change ${mnc} s"
	rm -rf "$w" "$db" "$db-wal" "$db-shm"
}

# -- calendar ------------------------------------------------------------------
# Each size lives under its own Radicale user benchN (the team member the
# events belong to is still the generator's first rep: crmsync's owner).

# cal_prepare: generates and loads every size, starts Radicale and warms its
# item cache in the background ($WARM_PID): Radicale parses each object on
# its first access (about 10 ms an object), which no client's time should
# include. The reports' database is generated meanwhile.
cal_prepare() {
	for nk in $CALS; do
		n=${nk%%:*} k=${nk#*:}
		w=$T/cal-$n
		"$PY" "$TOP/tests/gen/gen.py" --out "$w" --seed 4 --cal-bulk "$n" --cal-calendars "$k" --now "$CRMSYNC_NOW" >/dev/null
		owner=$(sed -n 2p "$w/crm/users.csv" | cut -d, -f1)
		mv "$w/cal/$owner" "$w/cal/bench$n"
		radicale_add_user "bench$n" "$PW"
		sh "$TOP/tests/gen/load_radicale.sh" "$w/cal" "bench$n" 2>/dev/null
	done
	radicale_start >/dev/null || {
		say "radicale did not start"
		exit 1
	}
	WARM_T0=$(now)
	(
		for nk in $CALS; do
			n=${nk%%:*}
			for c in "$T/cal-$n/cal/bench$n"/*/; do
				c=$(basename "$c")
				curl -s -o /dev/null -u "bench$n:$PW" -X PROPFIND -H 'Depth: 1' "${RADICALE_URL}bench$n/$c/"
			done
		done
	) &
	WARM_PID=$!
	T_CLEANUP_HOOKS="cal_warm_stop ${T_CLEANUP_HOOKS:-}"
}

# At exit: a warm-up still going (after a failure or Ctrl-C) stops too.
cal_warm_stop() { [ -z "${WARM_PID:-}" ] || _sv_kill TERM "$WARM_PID"; }

vdirsyncer_conf() { # FILE DIR USER
	cat >"$1" <<EOF
[general]
status_path = "$2/status/"

[pair bench]
a = "bench_local"
b = "bench_remote"
collections = ["from b"]

[storage bench_local]
type = "filesystem"
path = "$2/local/"
fileext = ".ics"

[storage bench_remote]
type = "caldav"
url = "$RADICALE_URL"
username = "$3"
password = "$PW"
EOF
}

# bench_cal N K: appends to $CAL_TSV
#   n k occurrences wall cpu rss_kb nochange floor floor_nochange vds_discover vds_first vds_cpu vds_rss vds_nochange
bench_cal() {
	n=$1 k=$2
	w=$T/cal-$n ru=bench$n
	owner=$(sed -n 2p "$w/crm/users.csv" | cut -d, -f1)
	db=$T/cal$n.db
	for f in users companies contacts stages deals; do "$CRMSYNC_BIN" -q -d "$db" import $f "$w/crm/$f.csv" >/dev/null; done
	printf '[store]\npath = %s\n[team]\ndomains = %s\n[caldav "cal"]\nurl = %s\nuser = %s\npassword_env = PW\nowner = %s\ntimezone = Europe/Berlin\n' \
		"$db" "${owner#*@}" "$RADICALE_URL" "$ru" "$owner" >"$T/cal.conf"
	urls=$(for c in "$w/cal/$ru"/*/; do printf '%s%s/%s/ ' "$RADICALE_URL" "$ru" "$(basename "$c")"; done)
	# The floor twice, like the mail floor: the second is the one counted.
	cfl="sh $TOP/tests/tools/caldav_floor.sh"
	$cfl first "$ru" "$PW" "$T/cfl0-$n" $urls
	set -- $(measure $cfl first "$ru" "$PW" "$T/cfl-$n" $urls)
	floor=$1
	set -- $(measure $cfl nochange "$ru" "$PW" "$T/cfl-$n" $urls)
	floor_nc=$1
	got=$($cfl check "$T/cfl-$n" | cut -d' ' -f1) || floor=NA floor_nc=NA
	[ "${got:-0}" -eq "$n" ] || say "the CalDAV floor listed ${got:-no} objects of $n"
	set -- $(measure "$CRMSYNC_BIN" -c "$T/cal.conf" sync)
	wall=$1 cpu=$2 rss=$3
	occ=$(sed -n 's/.*cal: ok: \([0-9]*\) fetched.*/\1/p' "$T/mout")
	set -- $(measure "$CRMSYNC_BIN" -q -c "$T/cal.conf" sync)
	nochange=$1
	vdisc=- vfirst=- vcpu=- vrss=- vnc=-
	if have vdirsyncer; then
		v=$T/vds-$n
		mkdir -p "$v/local"
		vdirsyncer_conf "$v/config" "$v" "$ru"
		# Discovery asks whether to create the local collections: yes.
		set -- $(measure sh -c 'yes | vdirsyncer -c "$1" discover bench' sh "$v/config")
		vdisc=$1
		set -- $(measure vdirsyncer -c "$v/config" sync)
		vfirst=$1 vcpu=$2 vrss=$3
		set -- $(measure vdirsyncer -c "$v/config" sync)
		vnc=$1
		got=$(find "$v/local" -type f -name '*.ics' | wc -l)
		[ "$got" -eq "$n" ] || say "vdirsyncer stored $got of $n objects"
	else
		say "vdirsyncer is not installed (apt-get install vdirsyncer): no vdirsyncer rows"
	fi
	printf '%s %s %s %s %s %s %s %s %s %s %s %s %s %s\n' "$n" "$k" "${occ:-NA}" "$wall" "$cpu" "$rss" \
		"$nochange" "$floor" "$floor_nc" "$vdisc" "$vfirst" "$vcpu" "$vrss" "$vnc" >>"$CAL_TSV"
	say "calendar $n events: crmsync ${wall} s, no-change ${nochange} s; floor ${floor} s, ${floor_nc} s; vdirsyncer ${vfirst} s, ${vnc} s (discovery ${vdisc} s)"
}

# -- reports --------------------------------------------------------------------

# rep_prepare: the reports' database: $ACTIVITIES activities (a year of
# mail, meetings and calls of 20 users with 20,000 contacts), built by the
# activity report test's generator, and 20,000 deals (with lead sources,
# values, closes and stage histories).
rep_prepare() {
	REP_DB=
	[ -n "$REPGEN" ] && [ "$ACTIVITIES" -gt 0 ] || return 0
	db=$T/rep.db
	ACTIVITY_BENCH=$ACTIVITIES ACTIVITY_BENCH_DB=$db "$REPGEN" >/dev/null 2>&1 || {
		say "no report database"
		return 0
	}
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
		ANALYZE;" || {
		say "could not extend the report database"
		return 0
	}
	REP_DB=$db
}

# bench_reports: every report, a 30-day and a whole-year range, weekly.
bench_reports() {
	[ -n "$REP_DB" ] || return 0
	for r in activity attribution funnel forecast; do
		for range in "30-days:2026-05-14:2026-06-13" "a-year:2025-10-27:2026-10-27"; do
			label=${range%%:*} rest=${range#*:}
			set -- $(measure "$CRMSYNC_BIN" -d "$REP_DB" report "$r" --tz UTC --period week --from "${rest%%:*}" --to "${rest#*:}" --format json)
			echo "$r $label $1 $2 $3" >>"$REP_TSV"
			say "report $r, $label: $1 s, $(($3 / 1024)) MB"
		done
	done
}

# -- the run ----------------------------------------------------------------------

dovecot_start >/dev/null || {
	say "dovecot did not start"
	exit 1
}
[ -z "$CALS" ] || cal_prepare
rep_prepare
if [ -n "${WARM_PID:-}" ]; then
	wait "$WARM_PID"
	WARM_PID=
	say "Radicale's cache warmed in $(since "$WARM_T0") s (alongside the reports' database)"
fi
bench_reports
for n in $SIZES; do bench_mail "$n" 1 scale; done
[ -z "$FOLDERS" ] || bench_mail "${FOLDERS#* }" "${FOLDERS%% *}" folders
for nk in $CALS; do bench_cal "${nk%%:*}" "${nk#*:}"; done
radicale_stop
dovecot_stop
TOTAL_S=$(($(date +%s) - START_S))

# -- the tables ------------------------------------------------------------------

. "$ROOT/scripts/bench_tables.sh"
bench_write >"$OUT"
cat "$OUT"
say "wrote $OUT in ${TOTAL_S} s"

#!/bin/sh
# tests/integration/net_faults.sh - the network breaking under a sync. A
# proxy on loopback (tests/tools/faultproxy.py) in front of the private
# Dovecot and Radicale cuts connections after N bytes, or stalls (forwards
# nothing, keeps the socket open), at points chosen by byte count or by a
# pattern: in the greeting and login, between responses, in the middle of a
# large first FETCH, inside a CalDAV REPORT body; over plain IMAP, IMAP TLS
# and HTTP. Then crmsync itself is killed with SIGKILL at seeded random
# moments of a mail and of a calendar sync.
#
# After each fault: exit 1 with one error line naming the account and
# saying what happened, within the account's time-out for a stall; what was
# committed is a part of a clean run's rows; a direct run completes to
# exactly a clean run's database, and one more run adds nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"
servers_require dovecot radicale
W=$T/world
export CRMSYNC_NOW=2026-11-01T12:00:00Z
export IMAP_PW=net-fault-pw DAV_PW=net-fault-pw
TMO=2 # the proxied accounts' time-out, seconds

# Under valgrind (about 30 times slower) the mailbox and calendars shrink,
# and the faults marked "full" (like another one in kind and outcome) are
# left out.
nmail=800 ncal=160 nkill=5
full() { [ -z "${VALGRIND:-}" ]; }
if [ -n "${VALGRIND:-}" ]; then
	nmail=150 ncal=40 nkill=3
	TMO=8
fi
servers_py "$TOP/tests/gen/gen.py" --out "$W" --seed 17 --bulk $nmail --bulk-folders 1 \
	--cal-bulk $ncal --cal-calendars 2 --now "$CRMSYNC_NOW" >/dev/null || fail "generator"
rep=$(sed -n 2p "$W/crm/users.csv" | cut -d, -f1)
dovecot_add_user "$rep" "$IMAP_PW"
sh "$TOP/tests/gen/load_maildir.sh" "$W/mail" || fail "loading the maildir"
dovecot_fix_perms
dovecot_start || fail "dovecot_start"
radicale_add_user "$rep" "$DAV_PW"
sh "$TOP/tests/gen/load_radicale.sh" "$W/cal" "$rep" >/dev/null || fail "loading the calendars"
radicale_start || fail "radicale_start"

# -- the proxy -------------------------------------------------------------------------
# proxy_start UPSTREAM_PORT FAULT: a fresh proxy (the previous one stopped),
# its port in $PORT, its log in $T/proxy.log. python3 itself, not the
# servers_py function, so that $! is its pid (status.sh says why).
proxy=
proxy_stop() {
	[ -n "$proxy" ] || return 0
	kill "$proxy" 2>/dev/null
	wait "$proxy" 2>/dev/null
	proxy=
}
T_CLEANUP_HOOKS="${T_CLEANUP_HOOKS:-} proxy_stop"
proxy_start() {
	proxy_stop
	rm -f "$T/proxy.port" "$T/proxy.log"
	"$SV_PYTHON" "$TOP/tests/tools/faultproxy.py" "$T/proxy.port" "$1" "$T/proxy.log" "$2" \
		</dev/null >/dev/null 2>"$T/proxy.err" &
	proxy=$!
	_i=0
	while [ ! -s "$T/proxy.port" ] && [ $_i -lt 200 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	PORT=$(cat "$T/proxy.port" 2>/dev/null)
	[ -n "$PORT" ] || fail "the proxy did not start: $(cat "$T/proxy.err")"
}

# -- databases and configurations -----------------------------------------------------
# newdb DB: a database with the CRM imported (a copy of one made once).
newdb() {
	rm -f "$1" "$1-wal" "$1-shm"
	if [ ! -s "$T/crm.db" ]; then
		for k in users companies contacts stages deals; do
			crm -d "$T/crm.db" import $k "$W/crm/$k.csv"
		done
		q "$T/crm.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
	fi
	cp "$T/crm.db" "$1"
}
# mailconf DB PORT SECURITY TIMEOUT: $DB.mail.conf, account "mail".
mailconf() {
	{
		printf '[store]\npath = %s\n[team]\ndomains = lumen.example\n' "$1"
		printf '[imap "mail"]\nhost = 127.0.0.1\nport = %s\nsecurity = %s\n' "$2" "$3"
		printf 'ca_file = %s\nuser = %s\npassword_env = IMAP_PW\n' "$DOVECOT_CA" "$rep"
		printf 'owner = %s\nsince = 3650d\ntimeout = %ss\n' "$rep" "$4"
	} >"$1.mail.conf"
}
# calconf DB URL TIMEOUT: $DB.cal.conf, account "cal".
calconf() {
	{
		printf '[store]\npath = %s\n[team]\ndomains = lumen.example\n' "$1"
		printf '[caldav "cal"]\nurl = %s\nuser = %s\npassword_env = DAV_PW\n' "$2" "$rep"
		printf 'owner = %s\ntimezone = Europe/Berlin\ntimeout = %ss\n' "$rep" "$3"
	} >"$1.cal.conf"
}
# The rows that matter, in a canonical order: canon (lib.sh) for mail, the
# calendar's own (as cal_faults.sh compares) for calendars.
canon_cal() {
	sqlite3 "$1" "SELECT source_key, kind, direction, status, occurred_at, ended_at, subject, sequence, removed FROM activities ORDER BY source_key;
		SELECT a.source_key, p.addr_key, p.role, p.partstat FROM participants p JOIN activities a ON a.id = p.activity_id ORDER BY 1, 2, 3;
		SELECT a.source_key, l.type, l.target_id, l.rule FROM activity_links l JOIN activities a ON a.id = l.activity_id ORDER BY 1, 2, 3;
		SELECT container, item_ref, identity, outcome, reason FROM item_outcomes ORDER BY 1, 2;
		SELECT calendar, href, etag FROM calendar_items ORDER BY 1, 2;
		SELECT container, sync_token IS NOT NULL FROM sync_state WHERE container <> '' ORDER BY 1;"
}
canon_mail() { canon "$1"; }
# rows DB: every activity's source key and kind, for "a part of the clean run".
rows() { q "$1" "SELECT source_key || '|' || kind FROM activities" | LC_ALL=C sort; }

# one_line ACCOUNT: stderr is one line, the error of ACCOUNT (no library's
# own message beside it).
one_line() { [ "$(grep -c "^crmsync: $1: " "$T/err")" -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ]; }

now() { date +%s.%N; }
# secs START: seconds since START, one decimal.
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# within S LO HI: LO <= S <= HI
within() { awk -v s="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(s >= lo && s <= hi) }'; }

# -- the clean runs everything is compared with ----------------------------------------------
newdb "$T/mailclean.db"
mailconf "$T/mailclean.db" "$DOVECOT_PORT" none 30
t0=$(now)
crm -c "$T/mailclean.db.mail.conf" sync
mailspan=$(secs "$t0")
expect_rc 0 "clean mail sync"
mailclean=$(canon_mail "$T/mailclean.db")
check "the clean mail run logged activities" [ "$(q "$T/mailclean.db" "SELECT count(*) FROM activities")" -gt $((nmail / 2)) ]
rows "$T/mailclean.db" >"$T/mailclean.rows"

# Radicale builds its item cache on a calendar's first request, slowly: a
# first sync warms it, so that the clean run's time is that of the others.
newdb "$T/warm.db"
calconf "$T/warm.db" "$RADICALE_URL" 120
crm -c "$T/warm.db.cal.conf" sync
newdb "$T/calclean.db"
calconf "$T/calclean.db" "$RADICALE_URL" 30
t0=$(now)
crm -c "$T/calclean.db.cal.conf" sync
calspan=$(secs "$t0")
expect_rc 0 "clean calendar sync"
calclean=$(canon_cal "$T/calclean.db")
check "the clean calendar run logged meetings" [ "$(q "$T/calclean.db" "SELECT count(*) FROM activities")" -gt $((ncal / 2)) ]
rows "$T/calclean.db" >"$T/calclean.rows"

# -- one fault ----------------------------------------------------------------------------------
# fault KIND NAME UPSTREAM SECURITY FAULT WANT [PARTIAL]: a fresh database
# synced through a proxy with FAULT (KIND mail or cal; SECURITY none or tls
# for mail), then directly, then once more. WANT is a text the error line
# must hold; PARTIAL=yes when rows must have been committed before the fault.
fault() {
	kind=$1 name=$2 up=$3 sec=$4 spec=$5 want=$6 partial=${7:-no}
	db=$T/$name.db
	newdb "$db"
	proxy_start "$up" "$spec"
	if [ $kind = mail ]; then
		mailconf "$db" "$PORT" "$sec" $TMO
	else
		calconf "$db" "http://127.0.0.1:$PORT/" $TMO
	fi
	t0=$(now)
	CRMSYNC_TEST_CHUNK=100 crm -c "$db.$kind.conf" sync
	took=$(secs "$t0")
	proxy_stop
	printf "%s (%s): exit %s, %ss: %s\n" "$name" "$spec" "$rc" "$took" "$(head -n 1 "$T/err")" >>"$T/report"
	check "$name: the proxy did the fault ($(tail -n 3 "$T/proxy.log" | tr '\n' ' '))" \
		grep -q "^conn [0-9]* ${spec%%:*} " "$T/proxy.log"
	expect_rc 1 "$name"
	check "$name: one error line, naming the account" one_line "$kind"
	expect_err "$want" "$name: the error says what happened"
	# A stall ends with the time-out, a cut without waiting for it. Twice
	# a clean run's time is allowed on top, for the work before the fault
	# on a busy machine.
	[ $kind = mail ] && span=$mailspan || span=$calspan
	cut_hi=$(awk -v s="$span" -v t=$TMO 'BEGIN { print 2 * s + t }')
	stall_hi=$(awk -v s="$span" -v t=$TMO 'BEGIN { print 2 * s + t + 2 }')
	case $spec in
	stall:*) check "$name: given up after the ${TMO}s time-out (${took}s)" within "$took" $TMO "$stall_hi" ;;
	*) check "$name: failed without waiting for the time-out (${took}s)" within "$took" 0 "$cut_hi" ;;
	esac
	rows "$db" >"$T/$name.rows"
	check "$name: what was committed is part of a clean run" \
		[ -z "$(LC_ALL=C comm -23 "$T/$name.rows" "$T/${kind}clean.rows" 2>/dev/null)" ]
	check "$name: integrity" [ "$(q "$db" "PRAGMA integrity_check")" = ok ]
	if [ $partial = yes ]; then
		check "$name: rows committed before the fault ($(wc -l <"$T/$name.rows"))" [ -s "$T/$name.rows" ]
	fi
	complete $kind "$name" "$db"
}

# complete KIND NAME DB: direct runs after a fault: the first completes to
# a clean run's database, the second adds nothing. A fault before anything
# was committed (no row, no position) leaves what newdb made, from which
# the clean run started: that is checked instead, to save the runs' time.
complete() {
	if [ "$(q "$3" "SELECT (SELECT count(*) FROM activities) + (SELECT count(*) FROM item_outcomes) + (SELECT count(*) FROM sync_state)")" = 0 ]; then
		ok
		return
	fi
	if [ $1 = mail ]; then
		mailconf "$3" "$DOVECOT_PORT" none 30
		want=$mailclean
	else
		calconf "$3" "$RADICALE_URL" 30
		want=$calclean
	fi
	crm -c "$3.$1.conf" sync
	expect_rc 0 "$2: the direct run after the fault"
	check "$2: after the fault the database equals a clean run's" [ "$(canon_$1 "$3")" = "$want" ]
	n=$(q "$3" "SELECT count(*) FROM activities")
	crm -c "$3.$1.conf" sync
	expect_rc 0 "$2: one more run"
	expect_out "(0 new)" "$2: one more run logs nothing new"
	check "$2: one more run adds no rows" [ "$(q "$3" "SELECT count(*) FROM activities")" = "$n" ]
}

LOST="connection to 127.0.0.1 lost"
SILENT="no answer from 127.0.0.1 within $TMO s"

# IMAP, plain: the greeting and login
fault mail m-greeting-cut "$DOVECOT_PORT" none 'cut:s2c:10' "closed it before its greeting"
full && fault mail m-greeting-stall "$DOVECOT_PORT" none 'stall:s2c:10' "sent no greeting within $TMO s"
full && fault mail m-after-greeting-cut "$DOVECOT_PORT" none 'cut:s2c:/^\* OK [^\r]*\r\n/' "$LOST"
full && fault mail m-login-cut "$DOVECOT_PORT" none 'cut:c2s:/AUTHENTICATE /' "$LOST"
fault mail m-login-stall "$DOVECOT_PORT" none 'stall:c2s:/AUTHENTICATE /' "$SILENT"
# IMAP, plain: between responses and in the middle of the first FETCH (in
# ranges of 100 UIDs: the ranges before the fault are committed)
fault mail m-between-cut "$DOVECOT_PORT" none 'cut:s2c:/ OK Fetch completed[^\r]*\r\n/' "$LOST" yes
full && fault mail m-between-stall "$DOVECOT_PORT" none 'stall:s2c:/ OK Fetch completed[^\r]*\r\n/' "$SILENT" yes
at=350
[ $nmail -lt 400 ] && at=120
full && fault mail m-fetch-cut "$DOVECOT_PORT" none "cut:s2c:/\\* $at FETCH /+300" "$LOST" yes
fault mail m-fetch-stall "$DOVECOT_PORT" none "stall:s2c:/\\* $at FETCH /+300" "$SILENT" yes
# IMAP over TLS, its bytes passed through: the handshake, a FETCH
fault mail m-tls-hello-stall "$DOVECOT_TLS_PORT" tls 'stall:s2c:0' "no TLS handshake within $TMO s"
full && fault mail m-starttls-stall "$DOVECOT_PORT" starttls 'stall:s2c:/ OK Begin TLS[^\r]*\r\n/' \
	"TLS handshake after STARTTLS failed or timed out"
# A whole TLS session through the proxy, untouched, measures what the
# server sends (and shows that the proxy changes nothing); the cut comes
# at 85% of it, in a FETCH range after the first.
newdb "$T/m-tls-pass.db"
proxy_start "$DOVECOT_TLS_PORT" pass
mailconf "$T/m-tls-pass.db" "$PORT" tls 30
crm -c "$T/m-tls-pass.db.mail.conf" sync
i=0
while ! grep -q '^conn 1 .* after s2c' "$T/proxy.log" && [ $i -lt 100 ]; do
	sleep 0.02
	i=$((i + 1))
done
proxy_stop
expect_rc 0 "a TLS sync through the proxy without a fault"
check "through the proxy without a fault the database equals a clean run's" \
	[ "$(canon_mail "$T/m-tls-pass.db")" = "$mailclean" ]
tls_bytes=$(sed -n 's/^conn 1 .* after s2c \([0-9]*\) .*/\1/p' "$T/proxy.log")
check "the proxy measured the TLS session ($(cat "$T/proxy.log"))" [ "${tls_bytes:-0}" -gt 0 ]
fault mail m-tls-fetch-cut "$DOVECOT_TLS_PORT" tls "cut:s2c:$((${tls_bytes:-0} * 17 / 20))" "$LOST" yes

# CalDAV. Radicale speaks HTTP/1.0, one request a connection: 1-3 are the
# discovery's PROPFINDs, then per calendar a PROPFIND, the sync-collection
# REPORT and the calendar-multiget REPORTs (50 objects each: two for the
# 80 of each calendar, one under valgrind).
full && fault cal c-first-cut "$RADICALE_PORT" - 'cut:s2c:5' "Empty reply from server"
fault cal c-first-stall "$RADICALE_PORT" - 'stall:s2c:0' "$SILENT"
full && fault cal c-request-cut "$RADICALE_PORT" - 'cut:c2s:400@5' "Empty reply from server"
fault cal c-between-cut "$RADICALE_PORT" - 'cut:s2c:0@6' "Empty reply from server"
# the first multiget of the second calendar: the first one is committed
mg=10
[ $ncal -lt 100 ] && mg=9
fault cal c-report-cut "$RADICALE_PORT" - "cut:s2c:1500@$mg" "transfer closed" yes
full && fault cal c-report-stall "$RADICALE_PORT" - "stall:s2c:1500@$mg" "$SILENT" yes

# -- SIGKILL at seeded random moments, repeated ---------------------------------------------------
# kills KIND NAME SPAN SEED: $nkill syncs of a fresh database, each killed
# with SIGKILL after a pseudo-random delay (from SEED) between a quarter of
# SPAN (the start-up) and SPAN seconds, then the direct runs of complete. mail_faults.sh and
# cal_faults.sh kill at fixed delays; these land anywhere in the sync,
# including in small ranges' commits (CRMSYNC_TEST_CHUNK=50).
kills() {
	kind=$1 name=$2 span=$3
	db=$T/$name.db
	newdb "$db"
	if [ $kind = mail ]; then
		mailconf "$db" "$DOVECOT_PORT" none 30
	else
		calconf "$db" "$RADICALE_URL" 30
	fi
	hits=0 seen=
	for d in $(awk -v seed="$4" -v n=$nkill -v span="$span" \
		'BEGIN { srand(seed); for (i = 0; i < n; i++) printf "%.2f\n", span / 4 + rand() * span * 3 / 4 }'); do
		CRMSYNC_TEST_CHUNK=50 ${VALGRIND:-} "$CRMSYNC_BIN" -c "$db.$kind.conf" sync >/dev/null 2>&1 &
		pid=$!
		sleep "$d"
		kill -9 $pid 2>/dev/null && hits=$((hits + 1))
		wait $pid 2>/dev/null
		seen="$seen ${d}s:$(q "$db" "SELECT count(*) FROM activities")"
	done
	echo "$name: killed $hits of $nkill runs; after each (delay:activities)$seen" >>"$T/report"
	check "$name: the kills hit running syncs ($hits of $nkill)" [ $hits -ge 1 ]
	# (under valgrind the start-up and discovery take most of a run)
	full && check "$name: a kill landed between commits (activities after each:$seen)" \
		mid_sync "$(q "$T/${kind}clean.db" "SELECT count(*) FROM activities")" $seen
	check "$name: integrity after the kills" [ "$(q "$db" "PRAGMA integrity_check")" = ok ]
	rows "$db" >"$T/$name.rows"
	check "$name: what was committed is part of a clean run" \
		[ -z "$(LC_ALL=C comm -23 "$T/$name.rows" "$T/${kind}clean.rows")" ]
	complete $kind "$name" "$db"
}
# mid_sync CLEAN DELAY:COUNT...: some count is above 0 and below CLEAN.
mid_sync() {
	_c=$1
	shift
	for _x in "$@"; do
		[ "${_x#*:}" -gt 0 ] && [ "${_x#*:}" -lt "$_c" ] && return 0
	done
	return 1
}
# Up to the clean run's time: each killed run goes on where the last one
# stopped, so later kills may find the sync done.
kills mail m-kills "$mailspan" 42
kills cal c-kills "$calspan" 43

echo "clean runs: mail ${mailspan}s, calendar ${calspan}s" >>"$T/report"
cat "$T/report" >&2

t_done net_faults

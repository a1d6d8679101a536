#!/bin/sh
# scripts/demo.sh CRMSYNC - the `make demo` walk-through, on a fresh machine
# with no questions asked: a private Dovecot (IMAP) and Radicale (CalDAV) on
# loopback in a temporary directory, loaded with a generated sales team
# (tests/gen/gen.py: four reps, about 120 companies and 250 contacts, 130
# deals across the pipeline, four months of mail threads and meetings);
# a config for it; `crmsync sync` with its progress display; the activity
# and attribution reports; the HTML report; `crmsync why` for a skipped and
# an ambiguous message. The servers are stopped at the
# end (also on an error or Ctrl-C); the database, config and HTML report
# stay in /tmp/crmsync-demo-XXXXXX for a look, and its path is printed.
set -u
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CRMSYNC_BIN=$BIN
export CRMSYNC_BIN
# lib.sh gives a private $T (removed at exit, servers stopped first),
# servers.sh the private Dovecot and Radicale.
. "$ROOT/tests/integration/lib.sh"
TOP=$ROOT
. "$ROOT/tests/integration/servers.sh"
OUT=$(mktemp -d /tmp/crmsync-demo-XXXXXX)
DB=$OUT/crmsync.db
CONF=$OUT/config
W=$T/world
T0=$(date +%s)

if [ -t 1 ]; then
	step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	step() { printf '\n== %s\n' "$*"; }
fi
# run ARGS...: shows and runs crmsync -c CONFIG ARGS.
run() {
	printf '$ crmsync %s\n' "$*"
	"$BIN" -c "$CONF" "$@"
}
die() {
	echo "demo: $*" >&2
	exit 1
}
servers_require dovecot radicale >/dev/null

step "A sales team: four reps, their mail and calendars (tests/gen/gen.py)"
"$SV_PYTHON" "$TOP/tests/gen/gen.py" -q --out "$W" --seed 11 --reps 4 --companies 120 \
	--contacts-per-company 2 --threads 500 --months 4 --calendars --cal-meetings 80 \
	--now "$(date -u +%Y-%m-%dT%H:%M:%SZ)" || die "the generator failed"
REPS=$(tail -n +2 "$W/crm/users.csv" | cut -d, -f1)
printf '%s reps, %s companies, %s contacts, %s deals; %s messages, %s calendar objects\n' \
	"$(echo "$REPS" | wc -l)" "$(($(wc -l <"$W/crm/companies.csv") - 1))" \
	"$(($(wc -l <"$W/crm/contacts.csv") - 1))" "$(($(wc -l <"$W/crm/deals.csv") - 1))" \
	"$(find "$W/mail" -name '*.eml' | wc -l)" "$(find "$W/cal" -name '*.ics' | wc -l)"

step "A private Dovecot and Radicale on loopback (in $T)"
# Each rep's password is in the environment, never in the config.
DEMO_PW=demo-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
export DEMO_PW
for r in $REPS; do
	dovecot_add_user "$r" "$DEMO_PW"
	radicale_add_user "$r" "$DEMO_PW"
done
sh "$TOP/tests/gen/load_maildir.sh" "$W/mail" >/dev/null || die "loading the mail failed"
sh "$TOP/tests/gen/load_radicale.sh" "$W/cal" >/dev/null || die "loading the calendars failed"
dovecot_start >/dev/null || die "Dovecot did not start (see $T/dovecot)"
radicale_start >/dev/null || die "Radicale did not start"
echo "IMAP on 127.0.0.1:$DOVECOT_PORT, CalDAV at $RADICALE_URL"

step "The config: an IMAP and a CalDAV account per rep ($CONF)"
{
	printf '[store]\npath = %s\n\n[team]\ndomains = lumen.example\n' "$DB"
	for r in $REPS; do
		n=${r%@*}
		printf '\n[imap "%s"]\nhost = 127.0.0.1\nport = %s\nsecurity = none\n' "$n" "$DOVECOT_PORT"
		printf 'user = %s\npassword_env = DEMO_PW\nowner = %s\nsince = 365d\n' "$r" "$r"
		printf '\n[caldav "%s-cal"]\nurl = %s\nuser = %s\n' "$n" "$RADICALE_URL" "$r"
		printf 'password_env = DEMO_PW\nowner = %s\ntimezone = Europe/Berlin\n' "$r"
	done
} >"$CONF"
sed -n '1,/^\[caldav/p' "$CONF" | sed '$d'
sed -n '/^\[caldav/,/^$/p' "$CONF" | sed '/^$/q'
echo "... ($(grep -c '^\[' "$CONF") sections; security = none only because the servers are on loopback)"

step "Import the CRM: users, companies, contacts, stages, deals"
run init >/dev/null || die "init failed"
for k in users companies contacts stages deals; do
	run import "$k" "$W/crm/$k.csv" || die "import $k failed"
done

step "Sync every account: mail over IMAP, meetings over CalDAV, four at a time"
run sync
case $? in
0) ;;
2) echo "(exit 2: some items were skipped as malformed; see above)" ;;
*) die "the sync failed" ;;
esac
printf '%s activities logged, %s of them ambiguous (left for review)\n' \
	"$(q "$DB" "SELECT count(*) FROM activities")" \
	"$(q "$DB" "SELECT count(*) FROM activities WHERE ambiguous = 1")"

step "Activity per rep, by month"
run report activity --from 3m --period month --tz Europe/Berlin --stale-days 30

step "Lead-source attribution of the deals won (linear model)"
run report attribution --from 6m --model linear

step "The HTML report"
run report activity --from 3m --period week --tz Europe/Berlin --format html -o "$OUT/report.html"

step "Why was a message skipped?"
skipped=$(q "$DB" "SELECT identity FROM item_outcomes WHERE outcome = 'skipped' AND reason = 'automated' AND identity IS NOT NULL ORDER BY id LIMIT 1")
[ -n "$skipped" ] && run why "$skipped"

step "Why is a message ambiguous? (two open deals with the same contact)"
ambiguous=$(q "$DB" "SELECT source_key FROM activities WHERE ambiguous = 1 AND kind = 'email' ORDER BY occurred_at DESC, id LIMIT 1")
[ -n "$ambiguous" ] && run why "$ambiguous"

step "Done in $(($(date +%s) - T0)) s"
pids="$(dovecot_pids) $(radicale_pid)"
radicale_stop
dovecot_stop
left=
for p in $pids; do _sv_alive "$p" && left="$left $p"; done
[ -z "$left" ] || die "server processes left running:$left"
echo "The servers are stopped; nothing is left running."
echo "The database, config and HTML report are in $OUT (rm -rf it when done)."
echo "Next: README.md, or crmsync --help"

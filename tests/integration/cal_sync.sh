#!/bin/sh
# tests/integration/cal_sync.sh - CalDAV sync end to end against a private
# Radicale: meetings become activities with the right status (held,
# scheduled, cancelled, declined), direction, links and owners; recurring
# series are expanded with overrides and exceptions; Windows time zones are
# resolved; incremental syncs cost one request per unchanged calendar and
# fetch only what changed; updates replace (and decide the deal again, a
# link made by hand kept), deletions cancel, a refused sync token re-lists
# without duplicates; meetings get deal links like mail (docs/matching.md
# "Deals": tag, deal-contact, ambiguous, never a won deal).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"
servers_require radicale
EX=$TOP/examples/crm
DB=$T/crm.db
export CRMSYNC_NOW=2026-11-01T12:00:00Z
export DAV_PW=dav-secret-pw

radicale_add_user alice "$DAV_PW"
radicale_add_user bob "$DAV_PW"
radicale_calendar_dir bob calendar >/dev/null
radicale_add_user carol "$DAV_PW"
radicale_calendar_dir carol calendar >/dev/null
radicale_start || fail "radicale_start"
# Alice's calendar is made over the protocol, as a client would (RFC 4791 §5.3.1).
code=$(curl -s -o /dev/null -w '%{http_code}' -u "alice:$DAV_PW" -X MKCALENDAR \
	-H 'Content-Type: application/xml' --data-binary '<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
<D:displayname>Work</D:displayname>
<C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
</D:prop></D:set></C:mkcalendar>' "${RADICALE_URL}alice/work/")
check "MKCALENDAR created alice's calendar (HTTP $code)" [ "$code" = 201 ]
for k in users companies contacts stages deals; do
	crm -d "$DB" import $k "$EX/$k.csv"
done

# put USER CAL NAME: stores the iCalendar text on stdin as NAME.ics.
put() {
	cat >"$T/put.ics"
	curl -s -o /dev/null -w '%{http_code}' -u "$1:$DAV_PW" -H 'Content-Type: text/calendar' \
		-T "$T/put.ics" "${RADICALE_URL}$1/$2/$3.ics" >"$T/code"
	case $(cat "$T/code") in 201 | 204) ;; *) fail "PUT $1/$2/$3: HTTP $(cat "$T/code")" ;; esac
}
ev() { # uid dtstart dtend [extra lines...]: a VEVENT in a VCALENDAR, CRLF lines
	uid=$1 s=$2 e=$3
	shift 3
	printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//crmsync test//EN\r\nBEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20261001T000000Z\r\nDTSTART:%s\r\nDTEND:%s\r\n' "$uid" "$s" "$e"
	for l in "$@"; do printf '%s\r\n' "$l"; done
	printf 'END:VEVENT\r\nEND:VCALENDAR\r\n'
}
ORG_ALICE='ORGANIZER;CN=Alice:mailto:alice@lumen.example'
att() { printf 'ATTENDEE;CN=%s;PARTSTAT=%s:mailto:%s' "$1" "$2" "$3"; }

ev held-1 20261020T090000Z 20261020T100000Z "SUMMARY:Anvil review" "$ORG_ALICE" \
	"$(att Alice ACCEPTED alice@lumen.example)" "$(att Wile ACCEPTED Wile@Acme.example)" | put alice work held-1
ev future-1 20261110T140000Z 20261110T150000Z "SUMMARY:Globex kickoff" "$ORG_ALICE" \
	"$(att Hank NEEDS-ACTION hank@globex.example)" | put alice work future-1
ev cancel-1 20261021T090000Z 20261021T093000Z "SUMMARY:Cancelled call" "STATUS:CANCELLED" "$ORG_ALICE" \
	"$(att Wile ACCEPTED wile@acme.example)" | put alice work cancel-1
ev declined-1 20261022T090000Z 20261022T100000Z "SUMMARY:Stark pitch" \
	'ORGANIZER;CN=Pepper:mailto:pepper@stark.example' "$(att Alice DECLINED alice@lumen.example)" | put alice work declined-1
ev internal-1 20261023T090000Z 20261023T100000Z "SUMMARY:Pipeline review" "$ORG_ALICE" \
	"$(att Bob ACCEPTED bob@lumen.example)" | put alice work internal-1
ev personal-1 20261024T170000Z 20261024T180000Z "SUMMARY:Dentist" | put alice work personal-1
ev stranger-1 20261025T090000Z 20261025T100000Z "SUMMARY:Coffee" "$ORG_ALICE" \
	"$(att Stranger ACCEPTED someone@gmail.com)" | put alice work stranger-1
# Outlook's Windows zone name, without a VTIMEZONE: 10:00 in Berlin (CEST) is 08:00Z.
printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Microsoft Corporation//Outlook 16.0//EN\r\nBEGIN:VEVENT\r\nUID:outlook-1\r\nDTSTAMP:20261001T000000Z\r\nDTSTART;TZID=W. Europe Standard Time:20261015T100000\r\nDTEND;TZID=W. Europe Standard Time:20261015T110000\r\nSUMMARY:Wayne R&D demo\r\nORGANIZER:mailto:lucius@wayne.example\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@lumen.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' | put alice work outlook-1
# A weekly series of four with one occurrence moved and one excluded.
printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//crmsync test//EN\r\nBEGIN:VEVENT\r\nUID:weekly-1\r\nDTSTAMP:20261001T000000Z\r\nDTSTART:20261005T150000Z\r\nDTEND:20261005T153000Z\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE:20261019T150000Z\r\nSUMMARY:Tyrell weekly\r\nORGANIZER:mailto:alice@lumen.example\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:eldon@tyrell.example\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:weekly-1\r\nDTSTAMP:20261001T000000Z\r\nRECURRENCE-ID:20261012T150000Z\r\nDTSTART:20261013T160000Z\r\nDTEND:20261013T163000Z\r\nSUMMARY:Tyrell weekly (moved)\r\nORGANIZER:mailto:alice@lumen.example\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:eldon@tyrell.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' | put alice work weekly-1
# The same meeting in Bob's calendar: one activity, two owners.
ev held-1 20261020T090000Z 20261020T100000Z "SUMMARY:Anvil review" "$ORG_ALICE" \
	"$(att Bob ACCEPTED bob@lumen.example)" "$(att Wile ACCEPTED wile@acme.example)" | put bob calendar held-1

cat >"$T/c.conf" <<CONF
[store]
path = $DB
[team]
domains = lumen.example
[caldav "alice-cal"]
url = $RADICALE_URL
user = alice
password_env = DAV_PW
owner = alice@lumen.example
timezone = Europe/Berlin
[caldav "bob-cal"]
url = ${RADICALE_URL}bob/
user = bob
password_env = DAV_PW
owner = bob@lumen.example
CONF

act() { q "$DB" "SELECT $1 FROM activities WHERE source_key = '$2'"; }
# deal SOURCE_KEY: KEY:RULE of its deal link; cands SOURCE_KEY: its candidates
deal() { q "$DB" "SELECT group_concat(d.key || ':' || l.rule) FROM activity_links l JOIN activities a ON a.id = l.activity_id JOIN deals d ON d.id = l.target_id WHERE l.type = 'deal' AND a.source_key = '$1'"; }
cands() { q "$DB" "SELECT group_concat(key) FROM (SELECT d.key FROM deal_candidates c JOIN activities a ON a.id = c.activity_id JOIN deals d ON d.id = c.deal_id WHERE a.source_key = '$1' ORDER BY 1)"; }

# -- first sync ------------------------------------------------------------------
# (the database as it is now: for a first sync on a terminal, at the end)
sqlite3 "$DB" ".backup '$T/tty.db'"
crm -c "$T/c.conf" sync
expect_rc 0 "first calendar sync"
cat "$T/out" >&2
check "held meeting" [ "$(act status held-1)" = held ]
check "held meeting is outbound" [ "$(act direction held-1)" = outbound ]
check "held meeting times" [ "$(act "occurred_at || '-' || ended_at" held-1)" = "$(date -ud 2026-10-20T09:00:00Z +%s)-$(date -ud 2026-10-20T10:00:00Z +%s)" ]
check "held meeting links the contact and company" [ "$(q "$DB" "SELECT group_concat(type || ':' || rule, ',') FROM (SELECT l.type, l.rule FROM activity_links l JOIN activities a ON a.id = l.activity_id WHERE a.source_key = 'held-1' ORDER BY 1)")" = "company:address,contact:address" ]
check "one meeting in two calendars: one activity" [ "$(q "$DB" "SELECT count(*) FROM activities WHERE source_key = 'held-1'")" = 1 ]
check "one meeting in two calendars: two owners" [ "$(q "$DB" "SELECT count(*) FROM activity_owners o JOIN activities a ON a.id = o.activity_id WHERE a.source_key = 'held-1'")" = 2 ]
check "future meeting scheduled" [ "$(act status future-1)" = scheduled ]
check "cancelled meeting" [ "$(act status cancel-1)" = cancelled ]
check "declined meeting" [ "$(act status declined-1)" = declined ]
check "declined meeting organised outside is inbound" [ "$(act direction declined-1)" = inbound ]
check "internal meeting skipped" [ "$(q "$DB" "SELECT reason FROM item_outcomes WHERE identity = 'internal-1'")" = internal ]
check "personal event skipped" [ "$(q "$DB" "SELECT reason FROM item_outcomes WHERE identity = 'personal-1'")" = internal ]
check "unknown freemail attendee unmatched" [ "$(q "$DB" "SELECT reason FROM item_outcomes WHERE identity = 'stranger-1'")" = unmatched ]
check "Windows zone resolved" [ "$(act occurred_at outlook-1)" = "$(date -ud 2026-10-15T08:00:00Z +%s)" ]
check "series: 3 occurrences (one excluded)" [ "$(q "$DB" "SELECT count(*) FROM activities WHERE source_key LIKE 'weekly-1#%'")" = 3 ]
check "series: the moved occurrence at its new time" [ "$(act occurred_at 'weekly-1#20261012T150000Z')" = "$(date -ud 2026-10-13T16:00:00Z +%s)" ]
check "series: the excluded one absent" [ -z "$(act id 'weekly-1#20261019T150000Z')" ]
check "meeting subjects kept" [ "$(act subject outlook-1)" = "Wayne R&D demo" ]
check "a contact on one open deal: deal-contact" [ "$(deal future-1)" = D-1002:deal-contact ]
check "a contact on two open deals: no deal link" [ -z "$(deal held-1)" ]
check "a contact on two open deals: ambiguous" [ "$(act ambiguous held-1)" = 1 ] && [ "$(cands held-1)" = D-1001,D-1014 ]
check "every occurrence of a series decided alike" [ "$(q "$DB" "SELECT count(*) FROM activity_links l JOIN activities a ON a.id = l.activity_id WHERE l.type = 'deal' AND l.rule = 'deal-contact' AND a.source_key LIKE 'weekly-1#%'")" = 3 ]
check "only a won deal: none" [ -z "$(deal declined-1)" ] && [ "$(act ambiguous declined-1)" = 0 ] && [ -z "$(cands declined-1)" ]
check "no password in the database" [ -z "$(grep -a "$DAV_PW" "$DB" "$DB-wal" 2>/dev/null)" ]
acts=$(q "$DB" "SELECT count(*) FROM activities")

# -- nothing changed: one request per calendar -----------------------------------------
crm -c "$T/c.conf" sync
expect_rc 0 "no-change calendar sync"
expect_out "alice-cal: ok: 0 fetched" "no-change sync fetched nothing"
expect_out "1/1 calendars unchanged, 1 requests" "no-change sync: one request for the calendar"
expect_out "bob-cal: ok: 0 fetched, 0 logged (0 new), 0 skipped, 0 errors, 0 removed, 1/1 calendars unchanged, 1 requests" "no multiget, no discovery"
check "no-change sync changed nothing" [ "$(q "$DB" "SELECT count(*) FROM activities")" = "$acts" ]

# -- an update replaces; only the changed object is fetched -----------------------------------
ev future-1 20261111T140000Z 20261111T153000Z "SUMMARY:Globex kickoff (moved)" "SEQUENCE:1" "$ORG_ALICE" \
	"$(att Hank ACCEPTED hank@globex.example)" | put alice work future-1
crm -c "$T/c.conf" sync --account alice-cal
expect_rc 0 "sync after an update"
expect_out "alice-cal: ok: 1 fetched" "only the changed object is fetched"
check "update moved the meeting" [ "$(act occurred_at future-1)" = "$(date -ud 2026-11-11T14:00:00Z +%s)" ]
check "update replaced the subject" [ "$(act subject future-1)" = "Globex kickoff (moved)" ]
check "update kept one activity" [ "$(q "$DB" "SELECT count(*) FROM activities")" = "$acts" ]
check "update decided the deal again alike" [ "$(deal future-1)" = D-1002:deal-contact ]

# -- an update with a [deal:KEY] tag settles an ambiguous meeting; a link made by hand stays --
ev held-1 20261020T090000Z 20261020T100000Z "SUMMARY:[Deal: D-1014 ] Anvil review" "SEQUENCE:1" "$ORG_ALICE" \
	"$(att Alice ACCEPTED alice@lumen.example)" "$(att Wile ACCEPTED Wile@Acme.example)" | put alice work held-1
crm -d "$DB" link "$(act id outlook-1)" D-1013
expect_rc 0 "crmsync link a meeting"
check "linked by hand" [ "$(deal outlook-1)" = D-1013:manual ]
printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Microsoft Corporation//Outlook 16.0//EN\r\nBEGIN:VEVENT\r\nUID:outlook-1\r\nDTSTAMP:20261001T000000Z\r\nSEQUENCE:1\r\nDTSTART;TZID=W. Europe Standard Time:20261015T110000\r\nDTEND;TZID=W. Europe Standard Time:20261015T120000\r\nSUMMARY:Wayne R&D demo [deal:D-1008]\r\nORGANIZER:mailto:lucius@wayne.example\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@lumen.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' | put alice work outlook-1
crm -c "$T/c.conf" sync --account alice-cal
expect_rc 0 "sync after the tagged updates"
check "tag in the updated SUMMARY: rule tag" [ "$(deal held-1)" = D-1014:tag ]
check "tag settles the ambiguity" [ "$(act ambiguous held-1)" = 0 ] && [ -z "$(cands held-1)" ]
check "tag stored" [ "$(act deal_tag held-1)" = D-1014 ]
check "an update keeps the link made by hand" [ "$(deal outlook-1)" = D-1013:manual ]
check "the update itself was applied" [ "$(act occurred_at outlook-1)" = "$(date -ud 2026-10-15T09:00:00Z +%s)" ]

# -- a deletion cancels ---------------------------------------------------------------------
curl -s -o /dev/null -u "alice:$DAV_PW" -X DELETE "${RADICALE_URL}alice/work/future-1.ics"
crm -c "$T/c.conf" sync --account alice-cal
expect_rc 0 "sync after a deletion"
check "deleted meeting cancelled" [ "$(act status future-1)" = cancelled ]
check "deleted meeting kept" [ "$(q "$DB" "SELECT count(*) FROM activities")" = "$acts" ]

# -- an exception added to a series cancels that occurrence -----------------------------------
printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//crmsync test//EN\r\nBEGIN:VEVENT\r\nUID:weekly-1\r\nDTSTAMP:20261001T000000Z\r\nDTSTART:20261005T150000Z\r\nDTEND:20261005T153000Z\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE:20261019T150000Z,20261026T150000Z\r\nSEQUENCE:1\r\nSUMMARY:Tyrell weekly\r\nORGANIZER:mailto:alice@lumen.example\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:eldon@tyrell.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' | put alice work weekly-1
crm -c "$T/c.conf" sync --account alice-cal
check "occurrence removed from a series is cancelled" [ "$(act status 'weekly-1#20261026T150000Z')" = cancelled ]
check "an override dropped from the series: the instance is back at its own time" [ "$(act occurred_at 'weekly-1#20261012T150000Z')" = "$(date -ud 2026-10-12T15:00:00Z +%s)" ]
check "the first occurrence stays held" [ "$(act status 'weekly-1#20261005T150000Z')" = held ]

# -- a refused sync token: a full re-list, no duplicates ----------------------------------------
sqlite3 "$DB" "UPDATE sync_state SET sync_token = 'http://radicale.org/ns/sync/bogus' WHERE account = 'alice-cal'"
ev new-1 20261026T090000Z 20261026T100000Z "SUMMARY:Massive pilot" "$ORG_ALICE" \
	"$(att Nina ACCEPTED nina@massive.example)" | put alice work new-1
crm -c "$T/c.conf" sync --account alice-cal
expect_rc 0 "sync with a refused token"
expect_err "re-listing" "the token refusal is reported"
check "new meeting found after the re-list" [ "$(act status new-1)" = held ]
check "re-list made no duplicates" [ "$(q "$DB" "SELECT count(*) FROM activities")" = "$((acts + 1))" ]
check "a fresh token was stored" [ "$(q "$DB" "SELECT sync_token FROM sync_state WHERE account = 'alice-cal'")" != "http://radicale.org/ns/sync/bogus" ]
check "re-list kept the deal links" [ "$(deal outlook-1)" = D-1013:manual ] && [ "$(deal held-1)" = D-1014:tag ]

# -- a scheduled meeting becomes held once it has ended -------------------------------------------
CRMSYNC_NOW=2026-11-20T12:00:00Z crm -c "$T/c.conf" sync --account bob-cal
ev later-1 20261115T090000Z 20261115T100000Z "SUMMARY:Wonka tasting" "$ORG_ALICE" \
	"$(att Charlie ACCEPTED charlie@wonka.example)" | put alice work later-1
crm -c "$T/c.conf" sync --account alice-cal
check "meeting in the future is scheduled" [ "$(act status later-1)" = scheduled ]
CRMSYNC_NOW=2026-11-16T12:00:00Z crm -c "$T/c.conf" sync --account alice-cal
check "after its end it is held" [ "$(act status later-1)" = held ]

# -- wrong password, TLS ----------------------------------------------------------------------------
DAV_PW=nope crm -c "$T/c.conf" sync --account alice-cal
expect_rc 1 "wrong CalDAV password"
expect_err "crmsync: alice-cal: " "the error names the account"
check "wrong password not printed" [ -z "$(grep -a nope "$T/err" "$T/out" | grep -v 'crmsync: alice-cal: .*nope@' )" ]

# -- auth = bearer sends the token as an OAuth 2.0 bearer, nothing else ------------------------
cat >"$T/bearer.py" <<'PYEOF'
import http.server, os, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_PROPFIND(self):
        with open(sys.argv[2], "a") as f:
            f.write("%s\n" % self.headers.get("Authorization"))
        self.send_response(401)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_port))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
PYEOF
PY3=$(command -v /usr/bin/python3 || command -v python3)
"$PY3" "$T/bearer.py" "$T/bearer.port" "$T/bearer.log" </dev/null >/dev/null 2>&1 &
bearer=$!
bearer_stop() { kill "$bearer" 2>/dev/null; }
T_CLEANUP_HOOKS="${T_CLEANUP_HOOKS:-} bearer_stop"
i=0
while [ ! -s "$T/bearer.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
printf '[store]\npath = %s\n[caldav "tok"]\nurl = http://127.0.0.1:%s/\nowner = alice@lumen.example\npassword_env = DAV_TOKEN\nauth = bearer\n' \
	"$DB" "$(cat "$T/bearer.port")" >"$T/bearer.conf"
DAV_TOKEN=tok-abc-123 crm -c "$T/bearer.conf" sync
expect_rc 1 "a refused bearer token fails the account"
check "the token went as a bearer" grep -qx "Bearer tok-abc-123" "$T/bearer.log"
check "no Basic credentials were sent" [ -z "$(grep -v '^Bearer ' "$T/bearer.log")" ]
check "the token is not printed" [ -z "$(grep -a tok-abc-123 "$T/out" "$T/err")" ]
bearer_stop

rep_facts_agree "$DB" "after the calendar updates, moves and cancellations"

# -- an object whose multiget answer we refuse (here: a control character, which XML
# cannot carry, so the answer is not XML): the batch is narrowed down to that object,
# which is recorded in parse_errors; the others are logged and the run goes on.
ORG_CAROL='ORGANIZER;CN=Bob:mailto:bob@lumen.example'
ev ok-1 20261020T090000Z 20261020T100000Z "SUMMARY:First fine" "$ORG_CAROL" \
	"$(att Wile ACCEPTED wile@acme.example)" | put carol calendar ok-1
ev bad-1 20261021T090000Z 20261021T100000Z "$(printf 'SUMMARY:Bell \001 here')" "$ORG_CAROL" \
	"$(att Wile ACCEPTED wile@acme.example)" | put carol calendar bad-1
check "Radicale took the object with a control character (HTTP $(cat "$T/code"))" \
	[ "$(cat "$T/code")" = 201 ]
ev ok-2 20261022T090000Z 20261022T100000Z "SUMMARY:Second fine" "$ORG_CAROL" \
	"$(att Wile ACCEPTED wile@acme.example)" | put carol calendar ok-2
for k in users companies contacts stages deals; do
	crm -d "$T/narrow.db" import $k "$EX/$k.csv"
done
printf '[store]\npath = %s\n[team]\ndomains = lumen.example\n[caldav "carol-cal"]\nurl = %scarol/\nuser = carol\npassword_env = DAV_PW\nowner = bob@lumen.example\n' \
	"$T/narrow.db" "$RADICALE_URL" >"$T/narrow.conf"
crm -c "$T/narrow.conf" sync
expect_rc 0 "a refused multiget answer does not stop the calendar"
check "the one bad object is recorded ($(q "$T/narrow.db" "SELECT item_ref || ': ' || what FROM parse_errors"))" \
	[ "$(q "$T/narrow.db" "SELECT item_ref FROM parse_errors")" = /carol/calendar/bad-1.ics ]
check "it is recorded as the answer the XML parser refused" \
	[ "$(q "$T/narrow.db" "SELECT count(*) FROM parse_errors WHERE what LIKE '%not XML%'")" = 1 ]
check "the other objects are logged" \
	[ "$(q "$T/narrow.db" "SELECT group_concat(subject, '|') FROM (SELECT subject FROM activities ORDER BY 1)")" = "First fine|Second fine" ]

# -- on a terminal: a live line per calendar, erased at the end -----------------------------
sed "s#^path = .*#path = $T/tty.db#" "$T/c.conf" >"$T/tty.conf"
if on_tty tty -c "$T/tty.conf" sync --account alice-cal; then
	check "on a terminal: exit 0 (got $ttyrc)" [ $ttyrc -eq 0 ]
	check "on a terminal: a line for the calendar, events done/total ($(head -n 1 "$T/tty.draws"))" \
		grep -qE '^alice-cal /alice/work/: [0-9]+/[0-9]+ events' "$T/tty.draws"
	check "on a terminal: the line is erased before the summary" sh -c \
		"tr '\r' '\n' <'$T/tty.tty' | grep -v '^\$' | tail -n 1 | grep -q '^${ESC}\[Kalice-cal: ok: '"
	check "on a terminal: as many meetings as off one" [ "$(q "$T/tty.db" "SELECT count(*) FROM activities")" -gt 0 ]
else
	no_tty "progress on a terminal"
fi
t_done cal_sync

#!/bin/sh
# tests/integration/cli_import.sh - the crmsync program end to end on the
# bundled sample CRM: import, re-import idempotency, all-or-nothing files,
# error messages that name FILE:LINE, file modes, activities formats, the
# reports' --currency.
. "$(dirname "$0")/lib.sh"
EX=$TOP/examples/crm
DB=$T/data/crm.db
export CRMSYNC_NOW=2026-11-01T12:00:00Z

dump() { sqlite3 "$DB" .dump | grep -v '^INSERT INTO sqlite_stat'; }
import_all() {
	for k in users companies contacts stages deals; do
		crm -d "$DB" import $k "$EX/$k.csv"
		expect_rc 0 "import $k"
	done
}
counts() {
	q "$DB" "SELECT (SELECT count(*) FROM users) || ' ' || (SELECT count(*) FROM user_emails) \
	|| ' ' || (SELECT count(*) FROM companies) || ' ' || (SELECT count(*) FROM company_domains) \
	|| ' ' || (SELECT count(*) FROM contacts) || ' ' || (SELECT count(*) FROM contact_emails) \
	|| ' ' || (SELECT count(*) FROM stages) || ' ' || (SELECT count(*) FROM deals) \
	|| ' ' || (SELECT count(*) FROM deal_contacts) || ' ' || (SELECT count(*) FROM stage_history)"
}

# -- first import, modes ---------------------------------------------------
import_all
check "database mode 0600" [ "$(stat -c %a "$DB")" = 600 ]
check "database directory mode 0700" [ "$(stat -c %a "$T/data")" = 700 ]
first=$(counts)
check "sample counts ($first)" [ "$first" = "3 5 12 15 23 25 6 14 19 14" ]
check "money in minor units" [ "$(q "$DB" "SELECT value_minor || currency FROM deals WHERE key='D-1007'")" = "9600000USD" ]
check "quoted company name kept" [ "$(q "$DB" "SELECT name FROM companies WHERE domain='acme.example'")" = "Acme, Inc." ]
check "won deal closed_at" [ "$(q "$DB" "SELECT date(closed_at,'unixepoch') FROM deals WHERE key='D-1003'")" = 2026-03-30 ]

# -- re-import: nothing changes --------------------------------------------
before=$(dump)
import_all
expect_out "0 added, 0 updated, 14 unchanged" "re-import reports unchanged"
check "re-import leaves identical counts" [ "$(counts)" = "$first" ]
check "re-import leaves identical rows" [ "$(dump)" = "$before" ]

# -- an update and a stage change --------------------------------------------
cat >"$T/deals2.csv" <<'CSV'
id,name,stage,status,value,stage_changed_at
D-1001,Acme anvil analytics,negotiation,open,26000,2026-11-01
D-1009,Tyrell replicant QA,lead,open,15000.00,
CSV
crm -d "$DB" import deals "$T/deals2.csv"
expect_rc 0 "partial-column deal update"
expect_out "deals: 0 added, 1 updated, 1 unchanged" "update summary"
check "stage change appended to history" [ "$(q "$DB" "SELECT count(*) FROM stage_history h JOIN deals d ON d.id=h.deal_id WHERE d.key='D-1001'")" = 2 ]
check "absent column kept (owner)" [ "$(q "$DB" "SELECT u.email FROM deals d JOIN users u ON u.id=d.owner_id WHERE d.key='D-1001'")" = alice@lumen.example ]
check "absent list kept (contacts)" [ "$(q "$DB" "SELECT count(*) FROM deal_contacts dc JOIN deals d ON d.id=dc.deal_id WHERE d.key='D-1001'")" = 2 ]

# -- bad files change nothing ------------------------------------------------
before=$(dump)
bad() { # name kind expected-message  (file body on stdin)
	cat >"$T/$1.csv"
	crm -d "$DB" import "$2" "$T/$1.csv"
	expect_rc 2 "$1"
	expect_err "$T/$1.csv:$3" "$1 message"
	check "$1 leaves the database unchanged" [ "$(dump)" = "$before" ]
}
printf 'email,name,nickname\na@b.example,A,x\n' | bad unknown-col contacts "1: unknown column 'nickname'"
printf 'email,nmae\na@b.example,A\n' | bad misspelt-col contacts "1: unknown column 'nmae' (did you mean 'name'?)"
printf 'email,name\nnew1@acme.example,One\nnew2@acme.example,"Two\nnew3@acme.example,Three\n' \
	| bad unterminated contacts "3: unterminated quoted field"
printf 'email,name\nnew1@acme.example,One\nnot-an-address,Two\n' | bad bad-email contacts "3: email: 'not-an-address' is not an email address"
printf 'email,name\nnew1@acme.example,One\nnew1@acme.example,Again\n' | bad dup-key contacts "3: contact 'new1@acme.example' already appears on line 2"
printf 'email,company\nnew1@acme.example,nowhere.example\n' | bad unknown-company contacts "2: company 'nowhere.example' is not imported"
printf 'email,name\nnew1@acme.example,\377\376\n' | bad bad-utf8 contacts "2: invalid UTF-8"
printf 'id,name,stage,status\nD-9,X,lead,pending\n' | bad bad-status deals "2: status: 'pending' is not open, won or lost"
printf 'id,name,stage,status,value\nD-9,X,lead,open,12.345\n' | bad bad-value deals "2: value: '12.345' has more decimals than EUR allows"
printf 'id,name,stage,status,created_at\nD-9,X,lead,open,31/12/2026\n' | bad bad-date deals "2: created_at: '31/12/2026' is not a date"
printf 'email,name\nnew1@acme.example,One,extra\n' | bad field-count contacts "2: 3 fields, but the header has 2"
printf 'name\nX\n' | bad missing-col contacts "1: required column 'email' is missing"
printf 'email,emails\nnew1@acme.example,wile@acme.example\n' | bad steal-address contacts "2: address 'wile@acme.example' already belongs to 'wile@acme.example'"
: | bad empty users "1: the file is empty"

crm -d "$DB" import contacts "$T/does-not-exist.csv"
expect_rc 2 "missing CSV file"
expect_err "does-not-exist.csv" "missing file named"
crm -d "$DB" import widgets "$EX/users.csv"
expect_rc 2 "unknown record kind"

# -- CSV edge cases through the whole path -----------------------------------
printf '\357\273\277email,name,emails\r\n"quoted,comma@acme.example"@x.example,x\r\nnew5@Acme.Example,"Line\r\nbreak ""quoted""",\r\nmore@acme.example,More, more2@acme.example ; more3@acme.example \r\n' >"$T/edge.csv"
crm -d "$DB" import contacts "$T/edge.csv"
expect_rc 2 "quoted local part with comma is refused as an address"
printf '\357\273\277email,name,emails\r\nnew5@Acme.Example,"Line\r\nbreak ""quoted""",\r\nmore@acme.example,More, more2@acme.example ; more3@acme.example ' >"$T/edge.csv"
crm -d "$DB" import contacts "$T/edge.csv"
expect_rc 0 "BOM, CRLF, embedded newline and quotes, no final newline"
check "embedded newline and quotes kept" [ "$(q "$DB" "SELECT name FROM contacts WHERE email='new5@acme.example'")" = "$(printf 'Line\r\nbreak "quoted"')" ]
check "list cell split and trimmed" [ "$(q "$DB" "SELECT count(*) FROM contact_emails ce JOIN contacts c ON c.id=ce.contact_id WHERE c.email='more@acme.example'")" = 3 ]

# -- a 100,000-row file --------------------------------------------------------
awk 'BEGIN { print "email,name,company,lead_source,created_at";
	for (i = 0; i < 100000; i++) printf "p%06d@bulk%d.example,\"Person %d, Bulk\",,import,2026-01-01\n", i, i % 100, i }' >"$T/big.csv"
start=$(date +%s%N)
crm -d "$DB" import contacts "$T/big.csv"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 0 "100,000-row import"
echo "100,000-row contacts import: ${ms} ms" >&2
check "100,000 contacts added" [ "$(q "$DB" "SELECT count(*) FROM contacts WHERE lead_source='import'")" = 100000 ]
crm -d "$DB" import contacts "$T/big.csv"
expect_out "0 added, 0 updated, 100000 unchanged" "100,000-row re-import unchanged"

# -- activities: formats over a fixture ---------------------------------------
sqlite3 "$DB" <<'SQL'
INSERT INTO activities (id, kind, direction, occurred_at, subject, source_key, thread_key, first_seen_at, updated_at)
VALUES (1, 'email', 'inbound', 1790000000, 'Quote, "anvils" <b>', '<m1@acme.example>', '<m1@acme.example>', 1, 1);
INSERT INTO activity_owners SELECT 1, id FROM users WHERE email = 'alice@lumen.example';
INSERT INTO participants (activity_id, address, addr_key, name, role, contact_id)
SELECT 1, 'Wile@Acme.example', 'wile@acme.example', 'Wile E.', 'from', id FROM contacts WHERE email = 'wile@acme.example';
INSERT INTO activity_links (activity_id, type, target_id, rule, created_at) SELECT 1, 'contact', id, 'address', 1 FROM contacts WHERE email = 'wile@acme.example';
INSERT INTO activity_links (activity_id, type, target_id, rule, created_at) SELECT 1, 'company', id, 'address', 1 FROM companies WHERE domain = 'acme.example';
INSERT INTO activity_links (activity_id, type, target_id, rule, created_at) SELECT 1, 'deal', id, 'deal-contact', 1 FROM deals WHERE key = 'D-1001';
SQL
crm -d "$DB" activities --format json --contact rr@acme-corp.example
check "json: other contact filters it out" [ ! -s "$T/out" ]
crm -d "$DB" activities --format json --contact WILE@acme.example
expect_rc 0 "activities json"
expect_out '"kind":"email","direction":"inbound","status":"logged","occurred_at":"2026-09-21T14:13:20Z"' "json fields"
expect_out '"subject":"Quote, \"anvils\" <b>"' "json escaping"
expect_out '"owners":["alice@lumen.example"]' "json owners"
expect_out '{"type":"deal","key":"D-1001","rule":"deal-contact"}' "json deal link"
if command -v python3 >/dev/null; then
	check "json parses" python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/out"
fi
crm -d "$DB" activities --format csv --deal D-1001
expect_out 'id,kind,direction,status,occurred_at' "csv header"
expect_out '1,email,inbound,logged,2026-09-21T14:13:20Z,,"Quote, ""anvils"" <b>",alice@lumen.example,from:Wile@Acme.example,wile@acme.example,acme.example,D-1001,' "csv row"
crm -d "$DB" activities --company acme-corp.example --since 2026-09-01 --until 2026-10-01
expect_out "Quote" "text timeline with company and dates"
crm -d "$DB" activities --since 2026-10-01
check "since filters" [ ! -s "$T/out" ]
crm -d "$DB" activities --format xml
expect_rc 2 "unknown format"
crm -d "$DB" activities --since yesterday
expect_rc 2 "bad date"

# -- reports: money in one currency (the sample has 2 USD deals) ---------------
# 2025-10-01 to 2026-07-01 counts 13 deals: 11 in EUR, D-1006 and D-1007 in USD.
ATTR="report attribution --from 2025-10-01 --to 2026-07-01 --tz UTC"
crm -d "$DB" $ATTR --format json
expect_rc 0 "attribution json"
expect_out '"currency":"EUR","other_currencies":[{"currency":"USD","deals":2}],"params":{"model":"all","half_life_days":7,"currency":"EUR"}' "attribution: EUR has most deals, USD listed"
crm -d "$DB" $ATTR --format csv
expect_rc 0 "attribution csv"
expect_err "money in EUR; 2 deals in USD left out (--currency USD shows them)" "csv: the left-out deals are a warning on stderr"
check "csv: stdout has no note" [ "$(grep -c 'left out' "$T/out")" = 0 ]
crm -d "$DB" $ATTR --currency usd --model first --format json
expect_rc 0 "attribution --currency usd"
expect_out '"currency":"USD","other_currencies":[{"currency":"EUR","deals":11}]' "--currency usd is USD"
expect_out '"credits":[{"model":"first","channel":"referral","value":"96000.00"}]' "USD credits: D-1007 alone"
crm -d "$DB" report forecast --tz UTC --currency USD
expect_rc 0 "forecast --currency USD"
expect_out "money in USD; 10 deals in EUR left out (--currency EUR shows them)" "forecast text note"
for bad in EURO E1R eu ''; do
	crm -d "$DB" $ATTR --currency "$bad"
	expect_rc 2 "--currency '$bad' is a usage error"
	expect_err "--currency: '$bad' is not an ISO 4217 code" "--currency '$bad' message"
	check "--currency '$bad': one line" [ "$(wc -l <"$T/err")" = 1 ]
done
for r in activity funnel; do
	crm -d "$DB" report $r --currency EUR
	expect_rc 2 "report $r --currency is a usage error"
	expect_err "--currency: the $r report has no money" "report $r --currency message"
	check "report $r --currency: nothing on stdout" [ ! -s "$T/out" ]
done
crm report --help
expect_out "--currency CODE" "report --help names --currency"

# -- config errors -------------------------------------------------------------
cat >"$T/bad.conf" <<'CONF'
[store]
path = /tmp/x.db

[imap "alice"]
hots = imap.example.com
CONF
crm -c "$T/bad.conf" check-config
expect_rc 2 "misspelt config key"
expect_err "bad.conf:5" "config error names the line"
expect_err "did you mean 'host'" "config error suggests the key"
crm -c "$T/missing.conf" activities
expect_rc 2 "missing explicit config"

# -- help and version ------------------------------------------------------------
for c in init import activities check-config; do
	crm $c --help
	expect_rc 0 "$c --help"
	expect_out "usage: crmsync $c" "$c --help text"
done
crm --version
expect_out "crmsync " "--version"
crm frobnicate
expect_rc 2 "unknown command"

t_done cli_import

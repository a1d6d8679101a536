#!/bin/sh
# scripts/demo.sh CRMSYNC - the `make demo` walk-through: a private database
# in a temporary directory, the bundled sample CRM imported into it, the
# import shown, and the activity timeline (empty until mail and calendar
# sync are configured). Leaves nothing behind.
set -eu
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
TOP=$(cd "$(dirname "$0")/.." && pwd)
DIR=$(mktemp -d /tmp/crmsync-demo-XXXXXX)
trap 'rm -rf "$DIR"' EXIT
DB=$DIR/crmsync.db
EX=$TOP/examples/crm

if [ -t 1 ]; then
	step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	step() { printf '\n== %s\n' "$*"; }
fi
run() { printf '$ crmsync %s\n' "$*"; "$BIN" -d "$DB" "$@"; }

cat >"$DIR/config" <<CONF
[store]
path = $DB

[team]
domains = lumen.example

[imap "alice"]
host = 127.0.0.1
port = 1143
security = none
user = alice@lumen.example
password_env = DEMO_IMAP_PASSWORD
owner = alice@lumen.example
CONF

step "Create the database"
run init

step "Import the sample CRM (examples/crm: Lumen Analytics, 3 reps)"
for k in users companies contacts stages deals; do
	run import "$k" "$EX/$k.csv"
done

step "Import the same files again: nothing is duplicated"
run import deals "$EX/deals.csv"

step "What the database holds"
sqlite3 -batch "$DB" <<'SQL'
.mode column
.headers on
SELECT s.position AS pos, s.name AS stage, s.probability AS "prob %",
       count(d.id) AS deals, printf('%.2f', coalesce(sum(d.value_minor), 0) / 100.0) AS value
FROM stages s LEFT JOIN deals d ON d.stage_id = s.id AND d.status = 'open'
GROUP BY s.id ORDER BY s.position;
SELECT u.name AS rep, count(d.id) AS open_deals
FROM users u LEFT JOIN deals d ON d.owner_id = u.id AND d.status = 'open'
GROUP BY u.id ORDER BY u.name;
SQL

step "A bad row rejects the whole file, naming file and line"
printf 'email,name,company\nnew@acme.example,New Person,acme.example\nbroken-address,Oops,\n' >"$DIR/contacts-bad.csv"
run import contacts "$DIR/contacts-bad.csv" || echo "(exit $?: nothing of that file was stored)"

step "The config, secrets masked, and a connection test (check-config; no IMAP server runs in the demo)"
printf '$ crmsync -c config check-config\n'
DEMO_IMAP_PASSWORD=demo-secret-pw "$BIN" -c "$DIR/config" check-config || true

step "The activity timeline (empty until mail and calendar sync run)"
run activities
run activities --format json --since 30d
echo
echo "Demo database was $DB (removed now). Try: crmsync --help"

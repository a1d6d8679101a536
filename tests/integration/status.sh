#!/bin/sh
# tests/integration/status.sh - `crmsync status` after real syncs against a
# private Dovecot and Radicale: a working IMAP and CalDAV account are
# healthy (exit 0) with the counts of the sync's summary line and the
# folders' and calendar's state; a wrong password is class auth, a server
# that accepts and never answers class network (both unhealthy, exit 1);
# the clock moved past 3 intervals, or past quiet_after, raises the alert
# and exit 1. Every JSON output is checked against docs/status.schema.json
# by tests/integration/validate_json.py, which must also reject a
# document missing a required field.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"
servers_require dovecot radicale
PY=servers_py
W=$T/world
DB=$T/crm.db
SCHEMA=$TOP/docs/status.schema.json
export IMAP_PW=status-imap-pw DAV_PW=status-dav-pw BAD_PW=not-the-password
REP=alice@lumen.example
# The syncs run on the real clock (a run's finish is recorded by it), so
# the world is generated around it and status moves CRMSYNC_NOW from it.
unset CRMSYNC_NOW

"$PY" "$TOP/tests/gen/gen.py" -q --out "$W" --seed 3 --reps 2 --companies 4 --threads 12 \
	--calendars --cal-meetings 6 --now "$(date -u +%Y-%m-%dT%H:%M:%SZ)" || fail "generator"
dovecot_add_user "$REP" "$IMAP_PW"
sh "$TOP/tests/gen/load_maildir.sh" "$W/mail" "$REP" >/dev/null || fail "loading the maildir"
dovecot_start || fail "dovecot_start"
radicale_add_user "$REP" "$DAV_PW"
sh "$TOP/tests/gen/load_radicale.sh" "$W/cal" "$REP" >/dev/null || fail "loading the calendars"
radicale_start || fail "radicale_start"
for k in users companies contacts stages deals; do
	crm -d "$DB" import $k "$W/crm/$k.csv"
done

# A server that accepts connections and never says a word.
cat >"$T/silent.py" <<'EOF'
import os, socket, sys
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(8)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    held.append(ls.accept()[0])
EOF
# python3 itself, not the servers_py function: $! must be its pid (a
# function in the background is a subshell, and killing that left python).
"$SV_PYTHON" "$T/silent.py" "$T/silent.port" </dev/null >/dev/null 2>&1 &
silent=$!
silent_stop() { kill "$silent" 2>/dev/null; }
T_CLEANUP_HOOKS="${T_CLEANUP_HOOKS:-} silent_stop"
i=0
while [ ! -s "$T/silent.port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done

# conf QUIET_AFTER: $T/c.conf with the four accounts (alice and alice-cal
# work), an interval of 1h and that quiet_after.
conf() {
	{
		printf '[store]\npath = %s\n[team]\ndomains = lumen.example\n' "$DB"
		printf '[imap "alice"]\nhost = 127.0.0.1\nport = %s\nsecurity = none\n' "$DOVECOT_PORT"
		printf 'user = %s\npassword_env = IMAP_PW\nowner = %s\nsince = 3650d\n' "$REP" "$REP"
		printf '[caldav "alice-cal"]\nurl = %s\nuser = %s\n' "$RADICALE_URL" "$REP"
		printf 'password_env = DAV_PW\nowner = %s\ntimezone = Europe/Berlin\n' "$REP"
		printf '[imap "wrongpw"]\nhost = 127.0.0.1\nport = %s\nsecurity = none\n' "$DOVECOT_PORT"
		printf 'user = %s\npassword_env = BAD_PW\nowner = %s\n' "$REP" "$REP"
		printf '[imap "silent"]\nhost = 127.0.0.1\nport = %s\nsecurity = none\n' "$(cat "$T/silent.port")"
		printf 'user = %s\npassword_env = IMAP_PW\nowner = %s\ntimeout = 2s\n' "$REP" "$REP"
		printf '[schedule]\ninterval = 1h\nquiet_after = %s\n' "$1"
	} >"$T/c.conf"
}
conf 1h

# status NAME ARGS...: `crmsync status --format json ARGS` into $T/NAME.json,
# which must validate against the schema.
n_json=0
status() {
	name=$1
	shift
	crm -c "$T/c.conf" status --format json "$@"
	cp "$T/out" "$T/$name.json"
	n_json=$((n_json + 1))
	if "$PY" "$TOP/tests/integration/validate_json.py" "$SCHEMA" "$T/$name.json" >"$T/v" 2>&1; then
		ok
	else
		fail "$name: the JSON does not follow docs/status.schema.json: $(head -n 5 "$T/v")"
	fi
}
# js NAME EXPR: a Python expression over the document d of $T/NAME.json,
# with acct(NAME) for an account.
js() {
	"$PY" - "$T/$1.json" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
def acct(name):
    return next(a for a in d["accounts"] if a["name"] == name)
v = eval(sys.argv[2])
print(json.dumps(v) if not isinstance(v, str) else v)
EOF
}
expect_js() { # name expr want description
	got=$(js "$1" "$2" 2>&1)
	if [ "$got" = "$3" ]; then ok; else fail "$4: $2 is '$got', want '$3'"; fi
}
# at EPOCH: RFC 3339.
at() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# -- the validator itself ---------------------------------------------------------
if "$PY" "$TOP/tests/integration/validate_json.py" --self-test "$SCHEMA" >"$T/v" 2>&1; then
	ok
else
	fail "validate_json.py --self-test: $(grep FAIL "$T/v")"
fi

# -- before any sync: every account never synced -----------------------------------
crm -c "$T/c.conf" status
expect_rc 1 "status before any sync"
expect_out "ALERT: never synced" "never synced, in text"
status none
expect_rc 1 "status JSON before any sync"
expect_js none 'd["healthy"]' false "nothing synced"
expect_js none '[a["alerts"] for a in d["accounts"]]' \
	'[["never synced"], ["never synced"], ["never synced"], ["never synced"]]' "four never synced"

# -- a working IMAP and CalDAV account ------------------------------------------------
crm -c "$T/c.conf" sync --account alice --account alice-cal
expect_rc 0 "sync of the working accounts"
cp "$T/out" "$T/summary"
cat "$T/summary" >&2
status good --account alice --account alice-cal
expect_rc 0 "status of the working accounts"
expect_js good 'd["healthy"]' true "healthy"
expect_js good '[(a["name"], a["kind"], a["configured"], a["healthy"], a["alerts"]) for a in d["accounts"]]' \
	'[["alice", "imap", true, true, []], ["alice-cal", "caldav", true, true, []]]' "both healthy"
# The counts are the sync's summary line's.
if "$PY" - "$T/summary" "$T/good.json" >"$T/v" 2>&1 <<'EOF'; then ok; else fail "status counts differ from the sync's summary: $(cat "$T/v")"; fi
import json, re, sys
lines = open(sys.argv[1]).read().splitlines()
d = json.load(open(sys.argv[2]))
bad = 0
for a in d["accounts"]:
    line = next(l for l in lines if l.startswith(a["name"] + ": "))
    want = {k: int(re.search(r"(\d+) %s\b" % k, line).group(1))
            for k in ("fetched", "logged", "skipped", "errors")}
    reasons = re.search(r"\d+ skipped((?: [a-z-]+=\d+)*)", line).group(1).split()
    want["skipped_by_reason"] = {r.split("=")[0]: int(r.split("=")[1]) for r in reasons}
    r = a["last_run"]
    got = {k: r[k] for k in want}
    if got != want or r["outcome"] != "ok" or r["error_class"] is not None:
        print("%s: summary %s, status %s" % (a["name"], want, r))
        bad = 1
    if want["fetched"] == 0 or want["logged"] == 0:
        print("%s: the sync fetched or logged nothing: %s" % (a["name"], line))
        bad = 1
sys.exit(bad)
EOF
expect_js good 'acct("alice")["last_new_item_at"] == acct("alice")["last_run"]["started_at"]' true \
	"the last new item is the run's"
expect_js good 'acct("alice")["errors_by_class"]' \
	'{"auth": 0, "network": 0, "throttle": 0, "server": 0, "parse": 0, "other": 0}' "no errors"
expect_js good '[(s["container"], s["type"], s["uidvalidity"], s["last_uid"]) for s in acct("alice")["state"]]' \
	"$(sqlite3 -json "$DB" "SELECT container, uidvalidity, last_uid FROM sync_state WHERE account = 'alice' ORDER BY container" |
		"$PY" -c 'import json,sys; print(json.dumps([(r["container"], "folder", r["uidvalidity"], r["last_uid"]) for r in json.load(sys.stdin)]))')" \
	"the folders' UIDVALIDITY and last UID"
expect_js good '[s["container"] for s in acct("alice")["state"]]' '["INBOX", "Sent"]' "INBOX and Sent"
expect_js good 'all(s["uidnext"] > s["last_uid"] for s in acct("alice")["state"])' true "UIDNEXT"
expect_js good '[(s["type"], s["sync_token"]) for s in acct("alice-cal")["state"]]' \
	"$(sqlite3 -json "$DB" "SELECT sync_token FROM sync_state WHERE account = 'alice-cal' AND container <> ''" |
		"$PY" -c 'import json,sys; print(json.dumps([("calendar", r["sync_token"]) for r in json.load(sys.stdin)]))')" \
	"the calendar's sync token"
expect_js good 'acct("alice-cal")["state"][0]["sync_token"] is not None' true "a sync token is kept"
crm -c "$T/c.conf" status --account alice --account alice-cal
expect_rc 0 "text status of the working accounts"
expect_out "alice (imap)" "text names the account"
expect_out "took " "text shows the duration"
expect_out "folder INBOX: UIDVALIDITY $(q "$DB" "SELECT uidvalidity FROM sync_state WHERE account = 'alice' AND container = 'INBOX'")," \
	"text shows INBOX's UIDVALIDITY"
expect_out "calendar " "text shows the calendar"
expect_out "2 of 2 accounts healthy" "text verdict"

# -- a wrong password and a server that never answers ---------------------------------
crm -c "$T/c.conf" sync --account wrongpw --account silent
expect_rc 1 "sync of the failing accounts"
status bad
expect_rc 1 "status with failing accounts"
expect_js bad 'd["healthy"]' false "not healthy"
expect_js bad '[(a["name"], a["healthy"]) for a in d["accounts"]]' \
	'[["alice", true], ["alice-cal", true], ["wrongpw", false], ["silent", false]]' "which are healthy"
expect_js bad '(acct("wrongpw")["last_run"]["outcome"], acct("wrongpw")["last_run"]["error_class"], acct("wrongpw")["alerts"])' \
	'["failed", "auth", ["never synced"]]' "a wrong password is class auth"
expect_js bad 'acct("wrongpw")["errors_by_class"]["auth"]' 1 "one auth failure in 24 hours"
expect_js bad '"check the password" in acct("wrongpw")["last_run"]["error"]' true "the auth error text"
expect_js bad '(acct("silent")["last_run"]["error_class"], acct("silent")["errors_by_class"]["network"])' \
	'["network", 1]' "a silent server is class network"
expect_js bad 'acct("silent")["last_run"]["duration_s"] < 60' true "the silent server is left after the time-out"
crm -c "$T/c.conf" status
expect_rc 1 "text status with failing accounts"
expect_out "FAILED (auth)" "text: auth"
expect_out "FAILED (network)" "text: network"
expect_out "2 of 4 accounts UNHEALTHY" "text verdict"
status only-good --account alice-cal
expect_rc 0 "--account picks the healthy one"

# -- the clock moves --------------------------------------------------------------------
# Both runs started on the sync's clock; each finished on its own.
start=$(q "$DB" "SELECT max(started_at) FROM sync_runs WHERE account = 'alice'")
fin_min=$(q "$DB" "SELECT min(finished_at) FROM sync_runs WHERE outcome = 'ok'")
fin_max=$(q "$DB" "SELECT max(finished_at) FROM sync_runs WHERE outcome = 'ok'")
CRMSYNC_NOW=$(at $((start + 7200))) status quiet --account alice --account alice-cal
expect_rc 1 "two hours without a new item (quiet_after = 1h)"
expect_js quiet '[a["alerts"] for a in d["accounts"]]' \
	'[["no new item for 2h (quiet_after is 1h)"], ["no new item for 2h (quiet_after is 1h)"]]' "the quiet alert"
CRMSYNC_NOW=$(at $((start + 3599))) status quiet-not-yet --account alice --account alice-cal
expect_rc 0 "59 minutes without a new item"
conf 0
CRMSYNC_NOW=$(at $((start + 7200))) status quiet0 --account alice --account alice-cal
expect_rc 0 "quiet_after = 0: no quiet alert"
CRMSYNC_NOW=$(at $((fin_min + 10800))) status before-stale --account alice --account alice-cal
expect_rc 0 "3 intervals of 1h after the last success"
CRMSYNC_NOW=$(at $((fin_max + 10801))) status stale --account alice --account alice-cal
expect_rc 1 "3 intervals and a second after the last success"
expect_js stale '[a["alerts"][0][:25] for a in d["accounts"]]' \
	'["no successful sync for 3h", "no successful sync for 3h"]' "the stale alert"
expect_js stale '[len(a["alerts"]) for a in d["accounts"]]' '[1, 1]' "only the stale alert"
CRMSYNC_NOW=$(at $((fin_max + 10801))) crm -c "$T/c.conf" status --account alice
expect_rc 1 "text status past 3 intervals"
expect_out "ALERT: no successful sync for 3h" "the stale alert in text"
expect_out "(more than 3 intervals of 1h)" "the stale alert says the limit"
conf 1h

# -- an IMAP and a CalDAV account of one name (SPEC §3's example) ---------------------------
# Their sync state and runs are kept apart: the second sync fetches
# nothing anew and fails nowhere (each used to take the other's folders
# or calendars for its own), and status shows each with its own state.
DB2=$T/same.db
for k in users companies contacts stages deals; do
	crm -d "$DB2" import $k "$W/crm/$k.csv"
done
{
	printf '[store]\npath = %s\n[team]\ndomains = lumen.example\n' "$DB2"
	printf '[imap "alice"]\nhost = 127.0.0.1\nport = %s\nsecurity = none\n' "$DOVECOT_PORT"
	printf 'user = %s\npassword_env = IMAP_PW\nowner = %s\nsince = 3650d\n' "$REP" "$REP"
	printf '[caldav "alice"]\nurl = %s\nuser = %s\n' "$RADICALE_URL" "$REP"
	printf 'password_env = DAV_PW\nowner = %s\ntimezone = Europe/Berlin\n' "$REP"
	printf '[schedule]\ninterval = 1h\n'
} >"$T/same.conf"
for run in 1 2 3; do
	crm -c "$T/same.conf" sync
	expect_rc 0 "one name, two kinds: sync $run"
	cp "$T/out" "$T/same$run.out"
done
check "one name, two kinds: the first sync fetched mail and meetings" \
	[ "$(grep -c '^alice: ok: [1-9][0-9]* fetched' "$T/same1.out")" -eq 2 ]
for run in 2 3; do
	check "one name, two kinds: sync $run fetches nothing anew ($(tr '\n' ' ' <"$T/same$run.out"))" \
		[ "$(grep -c '^alice: ok: 0 fetched' "$T/same$run.out")" -eq 2 ]
done
check "one name, two kinds: a state row per folder and calendar, of its kind" \
	[ "$(q "$DB2" "SELECT group_concat(kind || ':' || (container <> ''), ',') FROM (SELECT kind, container FROM sync_state ORDER BY kind, container)")" = "caldav:0,caldav:1,imap:1,imap:1" ]
crm -c "$T/same.conf" -d "$DB2" status --format json
cp "$T/out" "$T/same.json"
expect_rc 0 "one name, two kinds: status"
n_json=$((n_json + 1))
"$PY" "$TOP/tests/integration/validate_json.py" "$SCHEMA" "$T/same.json" >"$T/v" 2>&1 || fail "same.json: $(head -n 3 "$T/v")"
expect_js same '[(a["name"], a["kind"], a["healthy"], a["last_run"]["fetched"] if a["last_run"] else None) for a in d["accounts"]]' \
	'[["alice", "imap", true, 0], ["alice", "caldav", true, 0]]' "one name, two kinds: two healthy accounts"
expect_js same '[sorted(set(s["type"] for s in a["state"])) for a in d["accounts"]]' \
	'[["folder"], ["calendar"]]' "one name, two kinds: folders under the IMAP one, calendars under the CalDAV one"

# -- usage and database errors ----------------------------------------------------------
crm -c "$T/c.conf" status --format xml
expect_rc 2 "an unknown format"
crm -c "$T/c.conf" status --account nobody
expect_rc 2 "an unknown account"
expect_err "no account named 'nobody'" "the unknown account is named"
printf 'not a database at all, not even close to one; %0512d\n' 0 >"$T/garbage.db"
crm -c "$T/c.conf" -d "$T/garbage.db" status
expect_rc 4 "a file that is not a database"
crm status --help
expect_rc 0 "--help"
expect_out "usage: crmsync status" "--help text"

# -- the validator rejects a document missing a required field -------------------------
for field in healthy accounts; do
	"$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); del d[sys.argv[2]]; json.dump(d, sys.stdout)" \
		"$T/good.json" "$field" >"$T/broken.json"
	if "$PY" "$TOP/tests/integration/validate_json.py" "$SCHEMA" "$T/broken.json" >"$T/v" 2>&1; then
		fail "the validator accepted a document without '$field'"
	else
		check "the validator names the missing '$field'" grep -q "required field '$field' is missing" "$T/v"
	fi
done
"$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); del d['accounts'][0]['last_run']['outcome']; json.dump(d, sys.stdout)" \
	"$T/good.json" >"$T/broken.json"
"$PY" "$TOP/tests/integration/validate_json.py" "$SCHEMA" "$T/broken.json" >"$T/v" 2>&1
check "the validator rejects a run without its outcome" grep -q "/accounts/0/last_run: required field 'outcome' is missing" "$T/v"
check "every status JSON was validated ($n_json)" [ "$n_json" -ge 9 ]

t_done status

#!/bin/sh
# tests/integration/deals.sh - deals end to end against a private Dovecot
# (docs/matching.md "Deals", "bcc_address", "autocreate_contacts"; SPEC
# 5.4-5.6): the generated team's mail (tests/gen/gen.py --bcc) gets exactly
# the deal links, rules and candidates expect.jsonl says; private folders
# are never read; `review` lists the ambiguous activities; `link` settles
# one and its thread's later mail follows; a deal imported later links the
# past on `rematch` (expect-later.jsonl), and a second rematch changes
# nothing; `why` explains every message, activity and a contact address;
# autocreate_contacts = sent creates the unknown person a rep wrote to but
# never a role address; `purge --address` leaves no trace of the address or
# of its activities' subjects in the database file; capture = metadata
# stores no subject.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"
servers_require dovecot
PY=servers_py
W=$T/world
DB=$T/crm.db
export CRMSYNC_NOW=2026-11-01T12:00:00Z
export IMAP_PW=imap-deals-pw
threads=60
[ -n "${VALGRIND:-}" ] && threads=8

"$PY" "$TOP/tests/gen/gen.py" --out "$W" --seed 23 --threads $threads --bcc --now "$CRMSYNC_NOW" >/dev/null ||
	fail "generator"
S=$W/expect-summary.json
# sj PATH: a value of expect-summary.json (a dotted path; lists one per line)
sj() {
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
for k in sys.argv[2].split("."):
    d = d[int(k)] if k.isdigit() else d[k]
print("\n".join(d) if isinstance(d, list) else d)' "$S" "$1"
}
# verdicts FILE MIN WHAT: "ok ..." / "FAIL ..." lines of a Python check
verdicts() {
	while read -r verdict what; do
		if [ "$verdict" = ok ]; then ok; else fail "$3: $verdict $what"; fi
	done <"$1"
	check "$3: at least $2 checks ran" [ "$(grep -c '^ok\|^FAIL' "$1")" -ge "$2" ]
}
reps=$(tail -n +2 "$W/crm/users.csv" | cut -d, -f1)
alice=$(echo "$reps" | head -n1)
bcc=$(sj settings.bcc_address)
folders=$(sj settings.folders | paste -sd, - | sed 's/,/, /g')
private=$(sj settings.private_folders | paste -sd, - | sed 's/,/, /g')
for r in $reps; do dovecot_add_user "$r" "$IMAP_PW"; done
sh "$TOP/tests/gen/load_maildir.sh" "$W/mail" || fail "loading the maildirs"
dovecot_start || fail "dovecot_start"

# conf FILE DB [MATCH-LINES] [ACCOUNT-LINES]: one IMAP account per rep
conf() {
	{
		printf '[store]\npath = %s\n\n[team]\ndomains = %s\n\n' "$2" "${alice#*@}"
		printf '[match]\nbcc_address = %s\n%s\n\n' "$bcc" "${3:-}"
		for r in $reps; do
			printf '[imap "%s"]\nhost = 127.0.0.1\nport = %s\nsecurity = none\n' "${r%@*}" "$DOVECOT_PORT"
			printf 'user = %s\npassword_env = IMAP_PW\nowner = %s\nsince = 3650d\n' "$r" "$r"
			printf 'folders = %s\nprivate_folders = %s\n%s\n\n' "$folders" "$private" "${4:-}"
		done
	} >"$1"
}
import_crm() { # DB
	for k in users companies contacts stages deals; do
		crm -d "$1" import $k "$W/crm/$k.csv"
		expect_rc 0 "import $k into $(basename "$1")"
	done
}
# check_world EXPECT DB WHAT: tests/integration/check_expect.py
check_world() {
	if "$PY" "$TOP/tests/integration/check_expect.py" "$1" "$2" >"$T/check" 2>&1; then
		ok
	else
		fail "$3 matches $(basename "$1"): $(tail -n 12 "$T/check")"
	fi
	rep_facts_agree "$2" "$3"
}
conf "$T/c.conf" "$DB"
import_crm "$DB"

# -- 1. first sync: links, deal links, rules, candidates, skips --------------------------
crm -c "$T/c.conf" sync
expect_rc 0 "first sync"
cat "$T/out" >&2
check_world "$W/expect.jsonl" "$DB" "first sync"
check "nothing read from the private folder" [ "$(q "$DB" "SELECT count(*) FROM item_outcomes WHERE container = '$private'")" = 0 ]
for k in $(sj private.source_keys); do
	check "private message $k is no activity" [ "$(q "$DB" "SELECT count(*) FROM activities WHERE source_key = '$k'")" = 0 ]
	check "private message $k has no item outcome" [ "$(q "$DB" "SELECT count(*) FROM item_outcomes WHERE identity = '$k'")" = 0 ]
done
bcc_key=$(sj bcc_copy.source_key)
bcc_id=$(q "$DB" "SELECT id FROM activities WHERE source_key = '$bcc_key'")
check "bcc copy logged" [ -n "$bcc_id" ]
check "the CRM's address is no participant" [ "$(q "$DB" "SELECT count(*) FROM participants WHERE lower(address) LIKE '%@${bcc#*@}'")" = 0 ]
check "bcc copy: deal by its +tag" [ "$(q "$DB" "SELECT d.key || ' ' || l.rule FROM activity_links l JOIN deals d ON d.id = l.target_id WHERE l.type = 'deal' AND l.activity_id = '${bcc_id:-0}'")" = "$(sj bcc_copy.deal) tag" ]
check "bcc copy: its unknown person is a contact (lead_source email)" [ "$(q "$DB" "SELECT c.lead_source FROM contact_emails e JOIN contacts c ON c.id = e.contact_id WHERE e.address = '$(sj bcc_copy.created)'")" = email ]
ambiguous1=$(q "$DB" "SELECT count(*) FROM activities WHERE ambiguous = 1")
check "some activities are ambiguous" [ "${ambiguous1:-0}" -gt 0 ]

# Timelines use the links: activities --deal/--contact/--company list exactly
# the activities linked to that deal, contact or company, oldest first.
timeline() { # OPTION VALUE TYPE KEY-SQL
	crm -c "$T/c.conf" activities "$1" "$2" --format json
	expect_rc 0 "activities $1 $2"
	got=$("$PY" -c 'import json, sys
print(" ".join(str(json.loads(l)["id"]) for l in open(sys.argv[1]) if l.strip()))' "$T/out")
	want=$(q "$DB" "SELECT a.id FROM activities a WHERE EXISTS (SELECT 1 FROM activity_links l WHERE l.activity_id = a.id AND l.type = '$3' AND l.target_id = ($4)) ORDER BY a.occurred_at, a.id" | paste -sd' ' -)
	check "activities $1 $2: the $(echo "$want" | wc -w) linked activities, oldest first" [ -n "$want" -a "$got" = "$want" ]
}
tdeal=$(q "$DB" "SELECT d.key FROM activity_links l JOIN deals d ON d.id = l.target_id WHERE l.type = 'deal' GROUP BY d.id ORDER BY count(*) DESC, d.key LIMIT 1")
timeline --deal "$tdeal" deal "SELECT id FROM deals WHERE key = '$tdeal'"
tcontact=$(q "$DB" "SELECT c.email FROM activity_links l JOIN contacts c ON c.id = l.target_id WHERE l.type = 'contact' GROUP BY c.id ORDER BY count(*) DESC, c.email LIMIT 1")
timeline --contact "$(echo "$tcontact" | tr a-z A-Z)" contact "SELECT id FROM contacts WHERE email = '$tcontact'"
tcompany=$(q "$DB" "SELECT c.domain FROM activity_links l JOIN companies c ON c.id = l.target_id WHERE l.type = 'company' GROUP BY c.id ORDER BY count(*) DESC, c.domain LIMIT 1")
timeline --company "$tcompany" company "SELECT id FROM companies WHERE domain = '$tcompany'"

# -- 2. review: exactly the ambiguous activities, newest first ----------------------------
review_check() { # EXPECT WHAT
	crm -c "$T/c.conf" review --format json
	expect_rc 0 "review --format json ($2)"
	"$PY" - "$1" "$T/out" >"$T/rv" 2>&1 <<'PY'
import json, sys
want = {}
for l in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(l)
    if e["outcome"] == "logged" and e["ambiguous"]:
        want[e["source_key"]] = sorted(e["ambiguous"])
got, bad = [], []
for l in open(sys.argv[2], encoding="utf-8"):
    if not l.strip():
        continue
    try:
        got.append(json.loads(l))
    except ValueError:
        bad.append(l.strip()[:80])
print("ok" if not bad else "FAIL", "review prints JSON Lines %s" % bad[:2])
keys = ("id", "occurred_at", "kind", "subject", "source_key", "thread_key", "candidates")
miss = [o.get("id") for o in got if any(k not in o for k in keys)]
print("ok" if not miss else "FAIL", "every object has %s (missing in %s)" % (", ".join(keys), miss[:3]))
have = {o.get("source_key"): o.get("candidates") for o in got}
print("ok" if len(have) == len(got) else "FAIL", "each activity listed once")
print("ok" if set(have) == set(want) else "FAIL", "lists exactly the %d ambiguous activities "
      "(extra %s, missing %s)" % (len(want), sorted(set(have) - set(want))[:3],
                                  sorted(set(want) - set(have))[:3]))
wrong = [k for k in want if k in have and have[k] != want[k]]
print("ok" if not wrong else "FAIL", "candidates are the sorted deal keys (%s)" % [
    (k, have[k], want[k]) for k in wrong[:3]])
times = [o.get("occurred_at") or "" for o in got]
print("ok" if times == sorted(times, reverse=True) else "FAIL", "newest first")
PY
	verdicts "$T/rv" 6 "review ($2)"
}
review_check "$W/expect.jsonl" "after the first sync"
crm -c "$T/c.conf" review
expect_rc 0 "review (text)"

# -- 3. link: the person's choice sticks, the thread's later mail follows ------------------
link_key=$(sj link.activity)
link_deal=$(sj link.deal)
later_key=$(sj link.later)
link_id=$(q "$DB" "SELECT id FROM activities WHERE source_key = '$link_key'")
check "the activity to link is ambiguous" [ "$(q "$DB" "SELECT ambiguous FROM activities WHERE id = '${link_id:-0}'")" = 1 ]
crm -c "$T/c.conf" link "${link_id:-0}" "$link_deal"
expect_rc 0 "link $link_id $link_deal"
check "linked activity: rule manual" [ "$(q "$DB" "SELECT d.key || ' ' || l.rule FROM activity_links l JOIN deals d ON d.id = l.target_id WHERE l.type = 'deal' AND l.activity_id = '${link_id:-0}'")" = "$link_deal manual" ]
check "linked activity: no candidates left" [ "$(q "$DB" "SELECT ambiguous || ' ' || (SELECT count(*) FROM deal_candidates WHERE activity_id = '${link_id:-0}') FROM activities WHERE id = '${link_id:-0}'")" = "0 0" ]
sh "$TOP/tests/gen/load_maildir.sh" "$W/mail-later" || fail "delivering mail-later"
crm -c "$T/c.conf" sync
expect_rc 0 "sync of the later mail"
expect_out "1 logged" "the later reply is logged"
check "the later reply follows the thread to $link_deal" [ "$(q "$DB" "SELECT d.key || ' ' || l.rule FROM activity_links l JOIN deals d ON d.id = l.target_id JOIN activities a ON a.id = l.activity_id WHERE l.type = 'deal' AND a.source_key = '$later_key'")" = "$link_deal thread" ]
check "the linked activity keeps rule manual" [ "$(q "$DB" "SELECT l.rule FROM activity_links l WHERE l.type = 'deal' AND l.activity_id = '${link_id:-0}'")" = manual ]
check_world "$W/expect-link.jsonl" "$DB" "after link and the later mail"
review_check "$W/expect-link.jsonl" "after link"
check "review no longer lists the linked activity" sh -c "! grep -qF '\"$link_key\"' '$T/out'"
crm -c "$T/c.conf" link 999999 D-x
expect_rc 2 "link to an unknown activity"
check "link to an unknown activity: one line on stderr" [ "$(grep -c '' "$T/err")" = 1 ]
check "link to an unknown activity: the error names crmsync" grep -q '^crmsync: ' "$T/err"

# -- 4. a deal imported later links the past on rematch ----------------------------------------
crm -d "$DB" import deals "$W/crm/deals-later.csv"
expect_rc 0 "import deals-later.csv"
dump() { # DB FILE: every deal decision
	sqlite3 -batch "$1" "SELECT activity_id, type, target_id, rule, evidence FROM activity_links ORDER BY 1, 2, 3, 4; SELECT '--'; SELECT activity_id, deal_id FROM deal_candidates ORDER BY 1, 2; SELECT '--'; SELECT id, ambiguous FROM activities ORDER BY id" >"$2"
}
crm -c "$T/c.conf" rematch
expect_rc 0 "rematch"
n=$(tail -n 1 "$T/out" | sed -nE 's/^rematch: .*[^0-9]([0-9]+) changed.*/\1/p')
check "rematch: last line 'rematch: ... N changed' with N > 0 ($(tail -n 1 "$T/out"))" [ "${n:-0}" -gt 0 ]
check_world "$W/expect-later.jsonl" "$DB" "after deals-later.csv and rematch"
dump "$DB" "$T/dump1"
crm -c "$T/c.conf" rematch
expect_rc 0 "second rematch"
check "second rematch: 0 changed ($(tail -n 1 "$T/out"))" sh -c "tail -n 1 '$T/out' | grep -qE '^rematch: .*[^0-9]0 changed'"
dump "$DB" "$T/dump2"
check "second rematch: links and candidates byte-identical" cmp -s "$T/dump1" "$T/dump2"
crm -c "$T/c.conf" rematch --since 2026-10-01
expect_rc 0 "rematch --since"
check "rematch --since: 0 changed ($(tail -n 1 "$T/out"))" sh -c "tail -n 1 '$T/out' | grep -qE '^rematch: .*[^0-9]0 changed'"

# -- 5. why: every message, every activity, an address ------------------------------------------
"$PY" - "$W/expect-later.jsonl" "$DB" "$T/c.conf" >"$T/why" 2>&1 <<'PY'
import json, os, shlex, sqlite3, subprocess, sys
exp_path, db_path, conf = sys.argv[1:4]
cmd = shlex.split(os.environ.get("VALGRIND", "")) + [os.environ["CRMSYNC_BIN"], "-c", conf]
exps = [json.loads(l) for l in open(exp_path, encoding="utf-8")]
ids = [r[0] for r in sqlite3.connect(db_path).execute("SELECT id FROM activities ORDER BY id")]
if os.environ.get("VALGRIND"):  # a sample: valgrind is slow
    exps = exps[::max(1, len(exps) // 10)]
    ids = ids[::max(1, len(ids) // 5)]

def why(x):
    p = subprocess.run(cmd + ["why", x, "--format", "json"], capture_output=True, text=True)
    if p.returncode != 0:
        return None, "exit %d: %s" % (p.returncode, p.stderr.strip()[:120])
    try:
        return json.loads(p.stdout), None
    except ValueError as e:
        return None, "not one JSON object (%s): %r" % (e, p.stdout[:120])

def links_of(a):
    return sorted((l.get("type"), l.get("key"), l.get("rule")) for l in a.get("links", []))

item_keys = {"account", "container", "item_ref", "outcome", "reason", "evidence", "decided_at",
             "removed_at"}
bad = {"exit": [], "found": [], "items": [], "skipped": [], "links": [], "ambiguous": [],
       "activity": [], "evidence": []}
for e in exps:
    k = e["source_key"]
    o, err = why(k)
    if err:
        bad["exit"].append((k, err))
        continue
    if o.get("found") is not True:
        bad["found"].append(k)
        continue
    items = o.get("items") or []
    if not items or any(not item_keys <= set(i) for i in items):
        bad["items"].append((k, items[:1]))
    if e["outcome"] == "skipped":
        if any(i.get("outcome") != "skipped" or i.get("reason") != e["reason"] for i in items):
            bad["skipped"].append((k, e["reason"], [(i.get("outcome"), i.get("reason")) for i in items]))
        continue
    a = o.get("activity")
    if not isinstance(a, dict) or a.get("source_key") != k:
        bad["activity"].append((k, str(a)[:80]))
        continue
    want = sorted((l["type"], l["key"], l["rule"]) for l in e["links"])
    if links_of(a) != want:
        bad["links"].append((k, links_of(a), want))
    if sorted(a.get("ambiguous") or []) != sorted(e["ambiguous"]):
        bad["ambiguous"].append((k, a.get("ambiguous"), e["ambiguous"]))
    if any("evidence" not in l for l in a.get("links", [])):
        bad["evidence"].append(k)
n = len(exps)
for what, text in (("exit", "why KEY --format json exits 0 with one JSON object"),
                   ("found", "\"found\": true"),
                   ("items", "\"items\" with account, container, item_ref, outcome, reason, evidence, decided_at, removed_at"),
                   ("skipped", "a skipped message's items: outcome skipped, the expected reason"),
                   ("activity", "a logged message's \"activity\" has its source_key"),
                   ("links", "activity links (type, key, rule) as expected"),
                   ("ambiguous", "activity \"ambiguous\" = the candidates"),
                   ("evidence", "every link has \"evidence\"")):
    print("ok" if not bad[what] else "FAIL", "%s (%d keys; %s)" % (text, n, bad[what][:3]))
badid = []
for i in ids:
    o, err = why(str(i))
    if err or o.get("found") is not True or not isinstance(o.get("activity"), dict) or \
            o["activity"].get("id") != i:
        badid.append((i, err or str(o)[:100]))
print("ok" if not badid else "FAIL", "why ID: found, the activity with that id (%d ids; %s)" % (len(ids), badid[:3]))
PY
verdicts "$T/why" 9 "why"
contact=$(sj contact)
crm -c "$T/c.conf" why "$contact" --format json
expect_rc 0 "why $contact"
check "why ADDRESS: kind address, a contact, activities > 0" "$PY" -c 'import json, sys
o = json.load(open(sys.argv[1]))
sys.exit(not (o.get("kind") == "address" and o.get("contact") and isinstance(o.get("activities"), int) and o["activities"] > 0))' "$T/out"

# -- 6. autocreate_contacts = sent: the rep's unknown correspondent, never a role address --------
DB2=$T/auto.db
conf "$T/auto.conf" "$DB2" "autocreate_contacts = sent"
import_crm "$DB2"
crm -c "$T/auto.conf" sync
expect_rc 0 "sync with autocreate_contacts = sent"
person=$(sj autocreate.address)
role=$(sj autocreate.role_address)
check "autocreate: $person became a contact (lead_source email)" [ "$(q "$DB2" "SELECT c.lead_source FROM contact_emails e JOIN contacts c ON c.id = e.contact_id WHERE e.address = '$person'")" = email ]
check "autocreate: $role is no contact" [ "$(q "$DB2" "SELECT count(*) FROM contact_emails WHERE address = '$role'") $(q "$DB2" "SELECT count(*) FROM contacts WHERE lower(email) = '$role'")" = "0 0" ]
check "autocreate = sent: an unknown sender is no contact" [ "$(q "$DB2" "SELECT count(*) FROM contact_emails WHERE address = 'random.prospect@gmail.com'")" = 0 ]
crm -c "$T/auto.conf" why "$person" --format json
expect_rc 0 "why $person"
check "why: the contact was created by $(sj autocreate.source_key)" "$PY" -c 'import json, sys
o = json.load(open(sys.argv[1]))
sys.exit(not (isinstance(o.get("contact"), dict) and o["contact"].get("created_by") == sys.argv[2]))' "$T/out" "$(sj autocreate.source_key)"

# -- 7. purge: no trace of the address, nor of its activities' subjects ----------------------------
addr=$(sj purge.address)
"$PY" - "$W/expect-later.jsonl" "$S" >"$T/purge-subjects" <<'PY'
import json, sys
s = json.load(open(sys.argv[2], encoding="utf-8"))["purge"]
keys = set(s["alone"] + s["with_others"])
for l in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(l)
    if e["source_key"] in keys:
        print(e["subject"])
PY
check "purge: the activities' subjects are known" [ "$(grep -c '' "$T/purge-subjects")" -ge 2 ]
check "purge: the address is in the database before" [ "$(q "$DB" "SELECT count(*) FROM participants WHERE lower(address) = '$addr'")" -gt 0 ]
crm -c "$T/c.conf" purge --address "$addr"
expect_rc 0 "purge --address $addr"
rep_facts_agree "$DB" "after purge --address"
check "purge prints one summary line" [ "$(grep -c '' "$T/out")" = 1 ]
purge_check() { # WHAT
	"$PY" - "$DB" "$addr" "$S" "$T/purge-subjects" >"$T/pc" 2>&1 <<'PY'
import json, os, sqlite3, sys
db_path, addr, summary, subj_file = sys.argv[1:5]
s = json.load(open(summary, encoding="utf-8"))["purge"]
subjects = [l.rstrip("\n") for l in open(subj_file, encoding="utf-8") if l.strip()]
db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
hits = []
for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
    cols = [r[1] for r in db.execute('PRAGMA table_info("%s")' % t)]
    for row in db.execute('SELECT * FROM "%s"' % t):
        for c, v in zip(cols, row):
            if isinstance(v, bytes):
                v = v.decode("utf-8", "replace")
            if isinstance(v, str) and addr in v.lower():
                hits.append("%s.%s" % (t, c))
print("ok" if not hits else "FAIL", "no row of any table holds %s (%s)" % (addr, sorted(set(hits))[:5]))
alone = [k for k in s["alone"] if db.execute("SELECT count(*) FROM activities WHERE source_key = ?", (k,)).fetchone()[0]]
print("ok" if not alone else "FAIL", "activities where it was the only external participant are gone (%s)" % alone[:3])
rows = [db.execute("SELECT id, subject, snippet FROM activities WHERE source_key = ?", (k,)).fetchone() for k in s["with_others"]]
print("ok" if all(r is not None for r in rows) else "FAIL", "activities with other external participants remain")
print("ok" if all(r is None or (r[1] is None and r[2] is None) for r in rows) else "FAIL", "their subject and snippet are NULL")
for f in (db_path, db_path + "-wal"):
    if not os.path.exists(f):
        continue
    raw = open(f, "rb").read()
    low = raw.lower()
    print("ok" if addr.encode() not in low else "FAIL", "%s holds no byte of %s" % (os.path.basename(f), addr))
    found = [x for x in subjects if x.encode("utf-8") in raw]
    print("ok" if not found else "FAIL", "%s holds none of the %d subjects (%s)" % (os.path.basename(f), len(subjects), found[:2]))
PY
	verdicts "$T/pc" 6 "purge ($1)"
}
purge_check "right after the purge"
crm -c "$T/c.conf" sync
expect_rc 0 "sync after the purge"
purge_check "after a sync"
crm -c "$T/c.conf" why "$addr" --format json
expect_rc 0 "why of a purged address"
check "why of a purged address: no contact" "$PY" -c 'import json, sys
sys.exit(bool(json.load(open(sys.argv[1])).get("contact")))' "$T/out"
# its old mail read again (alice's INBOX recreated: a new UIDVALIDITY): kept out
ainbox=$(dovecot_maildir "$alice" INBOX)
dovecot_stop
rm -f "$ainbox"/dovecot-uidlist "$ainbox"/dovecot-uidvalidity* "$ainbox"/dovecot.index*
dovecot_start || fail "dovecot restart"
crm -c "$T/c.conf" sync --account "${alice%@*}"
expect_rc 0 "sync of a recreated INBOX after the purge"
check "recreated INBOX: its messages were read again" [ "$(q "$DB" "SELECT resets FROM sync_state WHERE account = '${alice%@*}' AND container = 'INBOX'")" -ge 1 ]
"$PY" - "$DB" "$addr" "$S" "$alice" >"$T/pr" 2>&1 <<'PY'
import json, sqlite3, sys
db_path, addr, summary, alice = sys.argv[1:5]
s = json.load(open(summary, encoding="utf-8"))["purge"]
db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
n = db.execute("SELECT count(*) FROM participants WHERE lower(address) = ?", (addr,)).fetchone()[0]
print("ok" if n == 0 else "FAIL", "no participant is %s again (%d)" % (addr, n))
n = db.execute("SELECT count(*) FROM contact_emails WHERE lower(address) = ?", (addr,)).fetchone()[0]
print("ok" if n == 0 else "FAIL", "%s is no contact again" % addr)
back = [k for k in s["alone"] if db.execute("SELECT count(*) FROM activities WHERE source_key = ?", (k,)).fetchone()[0]]
print("ok" if not back else "FAIL", "its own activities stay deleted (%s)" % back[:2])
reread = db.execute("SELECT DISTINCT outcome, reason FROM item_outcomes WHERE account = ? AND container = 'INBOX' AND "
                    "identity IN (%s) AND removed_at IS NULL" % ",".join("?" * len(s["alone"])),
                    [alice.split("@")[0]] + s["alone"]).fetchall()
print("ok" if set(reread) <= {("skipped", "ignored")} else "FAIL", "read again, its own mail is skipped ignored (%s)" % reread)
rows = [db.execute("SELECT subject, snippet FROM activities WHERE source_key = ?", (k,)).fetchone() for k in s["with_others"]]
print("ok" if all(r is not None and r == (None, None) for r in rows) else "FAIL", "mail it shared stays logged without subject and snippet (%s)" % rows)
PY
verdicts "$T/pr" 5 "purged address read again"
# new mail from the purged address: not logged with it
printf 'From: Henrik <%s>\r\nTo: %s\r\nSubject: After the purge\r\nDate: Sat, 31 Oct 2026 10:00:00 +0000\r\nMessage-ID: <after-purge-1@deals.example>\r\n\r\nHello again\r\n' \
	"$addr" "$alice" >"$ainbox/cur/99000001.M1P1.test:2,S"
dovecot_fix_perms
crm -c "$T/c.conf" sync --account "${alice%@*}"
expect_rc 0 "sync of mail from the purged address"
check "mail from the purged address: skipped ignored" [ "$(q "$DB" "SELECT outcome || ' ' || reason FROM item_outcomes WHERE identity = '<after-purge-1@deals.example>'")" = "skipped ignored" ]
check "mail from the purged address: no activity, no participant" [ "$(q "$DB" "SELECT count(*) FROM activities WHERE source_key = '<after-purge-1@deals.example>'") $(q "$DB" "SELECT count(*) FROM participants WHERE lower(address) = '$addr'")" = "0 0" ]
purge_check "after reading its mail again"

# -- 8. capture = metadata: no subject anywhere in the file ----------------------------------------------
DB3=$T/meta.db
conf "$T/meta.conf" "$DB3" "" "capture = metadata"
import_crm "$DB3"
crm -c "$T/meta.conf" sync
expect_rc 0 "sync with capture = metadata"
check "capture = metadata: activities logged" [ "$(q "$DB3" "SELECT count(*) FROM activities")" -gt 0 ]
check "capture = metadata: no subject or snippet" [ "$(q "$DB3" "SELECT count(*) FROM activities WHERE subject IS NOT NULL OR snippet IS NOT NULL")" = 0 ]
check "capture = metadata: the deal tag is kept" [ "$(q "$DB3" "SELECT deal_tag FROM activities WHERE deal_tag = 'D-K3'")" = D-K3 ]
"$PY" - "$W/expect.jsonl" "$DB3" "$W/crm" >"$T/meta" 2>&1 <<'PY'
import json, os, sys
exp, db_path, crm = sys.argv[1:4]
crm_text = "".join(open(os.path.join(crm, f), encoding="utf-8").read() for f in os.listdir(crm))
subjects = []
for l in open(exp, encoding="utf-8"):
    e = json.loads(l)
    s = e["subject"]
    if e["outcome"] == "logged" and s.isascii() and len(s) > 12 and s not in subjects and \
            s not in crm_text and "[deal:" not in s:
        subjects.append(s)
subjects = subjects[:20]
print("ok" if len(subjects) >= 15 else "FAIL", "%d distinct subjects to look for" % len(subjects))
for f in (db_path, db_path + "-wal"):
    if os.path.exists(f):
        raw = open(f, "rb").read()
        found = [s for s in subjects if s.encode() in raw]
        print("ok" if not found else "FAIL", "%s holds none of them (%s)" % (os.path.basename(f), found[:3]))
PY
verdicts "$T/meta" 2 "capture = metadata"

t_done deals

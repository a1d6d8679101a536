#!/bin/sh
# tests/integration/gen_selftest.sh - the world generator (tests/gen/gen.py)
# itself: same seed, same bytes and mtimes; its expectations agree with the
# messages it wrote (tests/gen/verify.py re-derives them with Python's email
# parser); every skip reason occurs; the CRM files import into crmsync; the
# bulk mode; and a generated mailbox loaded into Dovecot by load_maildir.sh
# shows every message over IMAP under the expected UID and INTERNALDATE.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"
GEN=$TOP/tests/gen
IGN='*@crm-relay.example'

gen() { servers_py "$GEN/gen.py" -q "$@" >"$T/out" 2>"$T/err"; }
listing() { (cd "$1" && find . -printf '%P %s %T@ %m\n' | sort); }

# -- determinism -----------------------------------------------------------------
start=$(date +%s%N)
gen --out "$T/w1" --seed 42 --ignore "$IGN"
check "generator runs" [ $? = 0 ]
echo "gen (default world): $((($(date +%s%N) - start) / 1000000)) ms" >&2
gen --out "$T/w2" --seed 42 --ignore "$IGN"
check "same seed: identical files" diff -r "$T/w1" "$T/w2"
listing "$T/w1" >"$T/l1"
listing "$T/w2" >"$T/l2"
check "same seed: identical sizes, mtimes and modes" cmp -s "$T/l1" "$T/l2"
gen --out "$T/w2" --seed 42 --ignore "$IGN"
listing "$T/w2" >"$T/l2"
check "regenerating into the same directory gives the same tree" cmp -s "$T/l1" "$T/l2"
gen --out "$T/w3" --seed 43 --ignore "$IGN"
check "another seed: another world" sh -c "! cmp -s '$T/w1/expect.jsonl' '$T/w3/expect.jsonl'"

# -- the expectations agree with the bytes ------------------------------------------
W=$T/w1
if servers_py "$GEN/verify.py" "$W" --all-reasons >"$T/verify" 2>&1; then ok; else
	fail "verify.py --all-reasons: $(tail -n 8 "$T/verify")"
fi
servers_py - "$W" >"$T/inv" 2>&1 <<'PY'
import json, os, sys
w = sys.argv[1]
ex = [json.loads(l) for l in open(os.path.join(w, "expect.jsonl"), encoding="utf-8")]
s = json.load(open(os.path.join(w, "expect-summary.json"), encoding="utf-8"))
kinds = {e["kind"]: e for e in ex}
def say(ok, what):
    print(("ok " if ok else "FAIL ") + what)
say(all(r in s["reasons"] for r in ("internal", "automated", "role-sender", "ignored", "unmatched", "invitation")), "every reason present")
say(s["logged"] + s["skipped"] == s["messages"] == len(ex), "logged + skipped = messages")
say(s["activities"] == sum(e["outcome"] == "logged" for e in ex), "activities = logged lines")
say(sum(s["mailboxes"].values()) == sum(len(e["mailboxes"]) for e in ex), "mailbox counts = copies")
say(kinds["cc-two-reps"]["outcome"] == "logged" and len(kinds["cc-two-reps"]["owners"]) == 2, "CC to two reps: one activity, two owners")
say(kinds["outbound-cc-rep"]["mailboxes"][0][1] == "Sent" and kinds["outbound-cc-rep"]["mailboxes"][1][1] == "INBOX", "outbound copy in Sent, colleague's in INBOX")
say(kinds["no-message-id"]["message_id"] is None and kinds["no-message-id"]["outcome"] == "logged", "message without Message-ID logged")
say(kinds["no-message-id"]["source_key"].startswith("sha256:"), "its source key is the sha256 one")
say(kinds["mixed-case-msgid"]["message_id"].endswith(".example>") and kinds["mixed-case-msgid"]["message_id"] != kinds["mixed-case-msgid"]["message_id"].lower(), "Message-ID domain lower-cased, left part kept")
say(kinds["freemail-contact"]["links"] == [{"type": "contact", "key": "janedoe@gmail.com", "rule": "address"}], "freemail contact: contact link only, gmail key")
say(kinds["freemail-contact-plus"]["contacts"] == ["janedoe@gmail.com"], "plus tag and dots: same gmail contact")
say(kinds["unmatched-freemail"]["reason"] == "unmatched", "unknown gmail.com sender unmatched")
say([l["rule"] for l in kinds["domain-rule"]["links"]] == ["domain"], "unknown address at a company: domain rule")
say([l["rule"] for l in kinds["domain-rule-subdomain"]["links"]] == ["domain"], "subdomain of a company: domain rule")
say(kinds["internal"]["reason"] == "internal" and kinds["internal-alias"]["reason"] == "internal", "internal mail skipped")
for k in ("newsletter", "list-unsubscribe-only", "precedence-bulk", "list-id-only", "auto-reply", "x-autorespond", "bounce"):
    say(kinds[k]["reason"] == "automated", k + " automated")
say(kinds["role-noreply"]["reason"] == "role-sender", "noreply@ without headers: role-sender")
say(kinds["invitation"]["reason"] == "invitation" and kinds["invitation-bare"]["reason"] == "invitation", "text/calendar: invitation")
say(kinds["relay-only"]["reason"] == "ignored", "only an ignored address: ignored")
say(kinds["relay-cc"]["outcome"] == "logged" and kinds["relay-cc"]["participants"] == 2, "ignored participant dropped from a logged message")
say(kinds["auto-submitted-no"]["outcome"] == "logged", "Auto-Submitted: no is not automated")
say(kinds["duplicate-participant"]["participants"] == 2, "an address in To and Cc counts once")
say(kinds["bcc"]["participants"] == 3, "Bcc is a participant")
threads = [e for e in ex if e["kind"] == "thread"]
say(any(e["thread_key"] != e["message_id"] for e in threads), "replies carry their thread's root")
say(all(e["thread_key"] in {x["message_id"] for x in ex} for e in threads), "every thread root was generated")
say(all(l["rule"] in ("address", "domain") for e in ex for l in e["links"]), "only address/domain links")
PY
while read -r verdict what; do
	if [ "$verdict" = ok ]; then ok; else fail "expect.jsonl: $what"; fi
done <"$T/inv"
check "invariant checks ran" [ "$(grep -c '' "$T/inv")" -ge 30 ]

gen --out "$T/w4" --seed 42
check "without --ignore: no 'ignored'" sh -c "! grep -q '\"reason\":\"ignored\"' '$T/w4/expect.jsonl'"
check "without --ignore: the relay mail is unmatched" grep -q '"reason":"unmatched".*"kind":"relay-only"' "$T/w4/expect.jsonl"
if servers_py "$GEN/verify.py" "$T/w4" >"$T/verify" 2>&1; then ok; else fail "verify.py without --ignore: $(tail -n 5 "$T/verify")"; fi
gen --out "$T/w5" --seed 42 --log-internal --reps 5 --companies 12 --contacts-per-company 2 --threads 30 --months 2
check "--log-internal: internal mail logged" grep -q '"outcome":"logged".*"direction":"internal"' "$T/w5/expect.jsonl"
if servers_py "$GEN/verify.py" "$T/w5" >"$T/verify" 2>&1; then ok; else fail "verify.py --log-internal: $(tail -n 5 "$T/verify")"; fi
check "five reps' mailboxes" [ "$(ls "$T/w5/mail" | wc -l)" = 5 ]

# -- the CRM files import ---------------------------------------------------------------
DB=$T/crm.db
for k in users companies contacts stages deals; do
	crm -d "$DB" import $k "$W/crm/$k.csv"
	expect_rc 0 "crmsync import $k of the generated CRM"
done
check "all contacts imported" [ "$(q "$DB" "SELECT count(*) FROM contacts")" = "$(($(grep -c '' "$W/crm/contacts.csv") - 1))" ]
check "freemail contact stored under its gmail key" [ "$(q "$DB" "SELECT count(*) FROM contacts WHERE email = 'janedoe@gmail.com'")" = 1 ]

# -- bulk mode ---------------------------------------------------------------------------------
start=$(date +%s%N)
gen --out "$T/b" --seed 9 --bulk 5000 --bulk-folders 4
check "bulk generation" [ $? = 0 ]
echo "gen --bulk 5000: $((($(date +%s%N) - start) / 1000000)) ms" >&2
check "bulk: 5000 files" [ "$(find "$T/b/mail" -name '*.eml' | wc -l)" = 5000 ]
check "bulk: four folders of one user" [ "$(ls "$T/b/mail"/*/ | grep -c .)" = 4 ]
if servers_py "$GEN/verify.py" "$T/b" >"$T/verify" 2>&1; then ok; else fail "verify.py bulk: $(tail -n 5 "$T/verify")"; fi
gen --out "$T/b2" --seed 9 --bulk 5000 --bulk-folders 4
check "bulk: same seed, same bytes" diff -r -q "$T/b" "$T/b2"
rm -rf "$T/b2" "$T/w2" "$T/w3"

# -- a generated mailbox in Dovecot ---------------------------------------------------------------
servers_require dovecot
U=$(sed -n 2p "$W/crm/users.csv" | cut -d, -f1)
dovecot_add_user "$U" pw
sh "$GEN/load_maildir.sh" "$W/mail" "$U" 2>"$T/err"
check "load_maildir.sh" [ $? = 0 ]
check "other users not loaded" [ ! -d "$DOVECOT_DIR/home/$(sed -n 3p "$W/crm/users.csv" | cut -d, -f1)/Maildir/cur" ]
check "dovecot_start" dovecot_start
servers_py - "$W" "$U" >"$T/imap" 2>&1 <<'PY'
import email, email.utils, imaplib, json, os, sys, time
w, user = sys.argv[1], sys.argv[2]
want = {}
for l in open(os.path.join(w, "expect.jsonl"), encoding="utf-8"):
    e = json.loads(l)
    for (u, f), uid in zip(e["mailboxes"], e["uids"]):
        if u == user:
            want.setdefault(f, {})[uid] = e
m = imaplib.IMAP4("127.0.0.1", int(os.environ["DOVECOT_PORT"]))
m.login(user, "pw")
bad = 0
for f, byuid in sorted(want.items()):
    typ, d = m.select(f, readonly=True)
    n = int(d[0])
    print("ok" if n == len(byuid) else "FAIL", "%s: %d messages over IMAP, %d files" % (f, n, len(byuid)))
    typ, d = m.uid("FETCH", "1:*", "(UID INTERNALDATE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID SUBJECT)])")
    for x in d:
        if not isinstance(x, tuple):
            continue
        uid = int(x[0].split(b"UID ")[1].split()[0].rstrip(b")"))
        idate = time.mktime(imaplib.Internaldate2tuple(x[0]))
        hdr = email.message_from_bytes(x[1])
        e = byuid.get(uid)
        mid = (hdr["Message-ID"] or "").strip() or None
        occurred = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(idate))
        if e is None or (e["message_id"] or "").lower() != (mid or "").lower() or occurred != e["occurred_at"]:
            bad += 1
            if bad < 5:
                print("FAIL", f, "UID", uid, mid, occurred, e and (e["message_id"], e["occurred_at"]))
print("ok" if bad == 0 else "FAIL", "UIDs, Message-IDs and INTERNALDATEs match (%d mismatches)" % bad)
m.logout()
PY
while read -r verdict what; do
	if [ "$verdict" = ok ]; then ok; else fail "IMAP: $what"; fi
done <"$T/imap"
check "IMAP checks ran" [ "$(grep -c '' "$T/imap")" -ge 3 ]

t_done gen_selftest

#!/bin/sh
# tests/integration/gen_selftest.sh - the world generator (tests/gen/gen.py)
# itself: same seed, same bytes and mtimes; its expectations agree with the
# messages it wrote (tests/gen/verify.py re-derives them with Python's email
# parser); every skip reason occurs; the CRM files import into crmsync; the
# bulk mode; and a generated mailbox loaded into Dovecot by load_maildir.sh
# shows every message over IMAP under the expected UID and INTERNALDATE.
# Calendars (--calendars, --cal-bulk): the mail and CRM output unchanged by
# them, same seed same bytes, tests/gen/verify_cal.py re-derives
# cal-expect.jsonl from the .ics bytes (time zones through zoneinfo), every
# status and skip reason occurs, the deal cases (tag, ambiguous,
# deal-contact), the bulk counts; load_radicale.sh (before and after
# radicale_start) makes Radicale serve every object (PROPFIND, REPORT),
# crmsync's sync of them matches cal-expect.jsonl (check_cal_expect.py,
# deal links and candidates included), and with the world's mail imported
# too (import maildir) `activities --deal KEY` lists exactly the meetings
# and messages both expectations link to KEY.
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
say([l["rule"] for l in kinds["domain-rule"]["links"] if l["type"] != "deal"] == ["domain"], "unknown address at a company: domain rule")
say([l["rule"] for l in kinds["domain-rule-subdomain"]["links"] if l["type"] != "deal"] == ["domain"], "subdomain of a company: domain rule")
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
say(all(l["rule"] in (("address", "domain") if l["type"] != "deal" else ("thread", "tag", "deal-contact", "deal-company")) for e in ex for l in e["links"]), "contact/company links by address/domain, deal links by thread/tag/deal-contact/deal-company")
say(all(sum(l["type"] == "deal" for l in e["links"]) <= 1 and not (e["ambiguous"] and any(l["type"] == "deal" for l in e["links"])) for e in ex), "at most one deal link, none when ambiguous")
def deal(k):
    return [(l["key"], l["rule"]) for l in kinds[k]["links"] if l["type"] == "deal"]
say(deal("deal-contact") == [("D-K1", "deal-contact")], "a contact on one open deal: deal-contact")
say(deal("deal-ambiguous") == [] and kinds["deal-ambiguous"]["ambiguous"] == ["D-K2", "D-K3"], "a contact on two open deals: ambiguous")
say(deal("deal-closed-only") == [] == kinds["deal-closed-only"]["ambiguous"] and deal("deal-tag-closed") == [], "won/lost deals: no deal, even by tag")
say(deal("deal-company") == [("D-L1", "deal-company")], "domain rule, one open deal of the company: deal-company")
say(deal("deal-tag") == [("D-K3", "tag")] and deal("deal-tag-reply") == [("D-K3", "thread")], "[deal:KEY] tag, its reply follows the thread")
say(kinds["bcc-copy"]["participants"] == 3 and len(kinds["bcc-copy"]["ambiguous"]) == 2, "bcc copy without --bcc: an ordinary message")
say(all(e["kind"] not in ("private", "deal-link-later") for e in ex) and len(s["private"]["source_keys"]) == 2, "private and later mail not in expect.jsonl")
later = {e["source_key"]: e for e in map(json.loads, open(os.path.join(w, "expect-later.jsonl"), encoding="utf-8"))}
say([tuple(x["rule"] for x in later[k]["links"] if x["type"] == "deal") for k in s["deals_later"]["thread"]] == [("deal-contact",), ("thread",), ("thread",)], "deals-later.csv: the past thread gets the new deal")
say([tuple(x["rule"] for x in later[k]["links"] if x["type"] == "deal") for k in s["link"]["thread"]] == [("manual",), ("thread",), ("thread",)], "link: the thread follows the person's choice")
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

# -- calendars (--calendars) ----------------------------------------------------------------------
start=$(date +%s%N)
gen --out "$T/c1" --seed 42 --ignore "$IGN" --calendars
check "generator with --calendars" [ $? = 0 ]
echo "gen --calendars (default world): $((($(date +%s%N) - start) / 1000000)) ms" >&2
C=$T/c1
check "calendars change nothing in mail and CRM" diff -r -x cal -x 'cal-expect*' "$W" "$C"
listing "$C" | grep -v '^cal' >"$T/l2"
listing "$W" | grep -v '^cal' >"$T/l1"
check "calendars change no mail/CRM size, mtime or mode" cmp -s "$T/l1" "$T/l2"
check "no calendars unless asked" [ ! -e "$W/cal" ] && [ ! -e "$W/cal-expect.jsonl" ]
gen --out "$T/c2" --seed 42 --ignore "$IGN" --calendars
check "calendars, same seed: identical files" diff -r "$C" "$T/c2"
listing "$C" >"$T/l1"
listing "$T/c2" >"$T/l2"
check "calendars, same seed: identical sizes, mtimes and modes" cmp -s "$T/l1" "$T/l2"
gen --out "$T/c2" --seed 43 --ignore "$IGN" --calendars
check "calendars, another seed: other calendars" sh -c "! cmp -s '$C/cal-expect.jsonl' '$T/c2/cal-expect.jsonl'"
gen --out "$T/c2" --seed 42 --ignore "$IGN"
check "a run without --calendars removes earlier calendars" [ ! -e "$T/c2/cal" ] && [ ! -e "$T/c2/cal-expect.jsonl" ] && [ ! -e "$T/c2/cal-expect-summary.json" ]
rm -rf "$T/c2"
if servers_py "$GEN/verify_cal.py" "$C" --all-cases >"$T/verify" 2>&1; then ok; else
	fail "verify_cal.py --all-cases: $(tail -n 8 "$T/verify")"
fi
servers_py - "$C" >"$T/inv" 2>&1 <<'PY'
import calendar, json, os, sys, time
w = sys.argv[1]
ex = [json.loads(l) for l in open(os.path.join(w, "cal-expect.jsonl"), encoding="utf-8")]
s = json.load(open(os.path.join(w, "cal-expect-summary.json"), encoding="utf-8"))
kinds = {}
for e in ex:
    kinds.setdefault(e["kind"], []).append(e)
one = {k: v[0] for k, v in kinds.items()}
def say(ok, what):
    print(("ok " if ok else "FAIL ") + what)
def t(x):
    return calendar.timegm(time.strptime(x, "%Y-%m-%dT%H:%M:%SZ"))
now = t(s["now"])
say({e["status"] for e in ex if e["outcome"] == "logged"} == {"held", "scheduled", "cancelled", "declined"}, "every status present")
say({e["reason"] for e in ex if e["outcome"] == "skipped"} == {"internal", "ignored", "unmatched"}, "every meeting skip reason present")
say(s["logged"] + s["skipped"] == s["occurrences"] == len(ex), "logged + skipped = occurrences")
say(s["statuses"] == {k: sum(e["status"] == k for e in ex) for k in s["statuses"]}, "status counts = lines")
say(all((e["status"] is None) == (e["outcome"] == "skipped") == (e["direction"] is None) for e in ex), "status and direction exactly for logged ones")
say(len({e["source_key"] for e in ex}) == len(ex), "source keys unique")
say(all(e["owners"] == sorted({u for u, _ in e["calendars"]}) for e in ex), "owners = the calendars' users")
say(all(e["status"] != "held" or t(e["end"]) <= now for e in ex), "held ones have ended")
say(all(e["status"] != "scheduled" or t(e["end"]) > now or e["direction"] == "internal" for e in ex), "scheduled ones have not ended")
say(any(e["status"] == "scheduled" and t(e["start"]) > now for e in ex), "a future meeting")
ser = kinds["series"]
say(len(ser) == 11 and all(e["source_key"] == e["uid"] + "#" + e["recurrence_id"] for e in ser), "series: 12 instances less one EXDATE, keyed UID#RECURRENCE-ID")
moved = [e for e in ser if e["start"].replace("-", "").replace(":", "") != e["recurrence_id"]]
say(len(moved) == 1 and moved[0]["status"] == "held", "series: one occurrence moved (start != RECURRENCE-ID)")
say([e["status"] for e in ser].count("cancelled") == 1, "series: one occurrence cancelled by its override")
say(len({e["start"][11:] for e in ser if e not in moved}) >= 1, "series: wall-clock times")
say(all(e["reason"] == "internal" for e in kinds["internal-series"]) and len(kinds["internal-series"]) == 6, "internal series: every occurrence skipped")
ad = one["all-day"]
say(ad["start"][11:] in ("22:00:00Z", "23:00:00Z") and t(ad["end"]) - t(ad["start"]) in (172800, 169200, 176400), "all-day: from Berlin midnight, two days")
say(one["timezone-new-york"]["direction"] == "inbound" and one["timezone-new-york"]["start"][11:13] in ("15", "16"), "New York 11:00 is 15:00Z or 16:00Z")
say(one["outlook-windows-zone"]["start"][11:13] in ("08", "09"), "W. Europe Standard Time 10:00 is 08:00Z or 09:00Z")
say(one["floating"]["start"][11:13] in ("12", "13"), "floating 14:00 read in Berlin")
say(t(one["duration"]["end"]) - t(one["duration"]["start"]) == 2700, "DURATION:PT45M")
say(one["declined"]["status"] == "declined" and one["declined"]["direction"] == "inbound", "declined by the rep, organised outside: declined, inbound")
say(one["cancelled"]["status"] == "cancelled", "STATUS:CANCELLED: cancelled")
say(one["internal"]["reason"] == "internal" and one["personal"]["reason"] == "internal" and one["personal"]["participants"] == 0, "internal and personal: skipped internal")
say(one["unmatched-freemail"]["reason"] == "unmatched", "unknown gmail.com attendee: unmatched")
say(one["shared"]["outcome"] == "logged" and len(one["shared"]["owners"]) == 2 and len(one["shared"]["files"]) == 2, "one meeting in two calendars: one occurrence, two owners")
say(one["freemail-contact"]["links"] == [{"type": "contact", "key": "janedoe@gmail.com", "rule": "address"}], "freemail contact: contact link only")
say([l["rule"] for l in one["domain-rule"]["links"]] == ["domain"], "unknown person at a company: domain rule")
say(one["mailto-case"]["outcome"] == "logged" and one["mailto-case"]["links"][0]["type"] == "contact", "MAILTO: and an upper-case address match the contact")
say(one["relay-only"]["reason"] == "ignored" and one["relay-cc"]["participants"] == 2, "ignored attendee: alone ignored, beside a contact dropped")
say(any(k == "meeting-inbound" for k in kinds) and any(k == "meeting-outbound" for k in kinds), "random meetings both ways")
def deal(e):
    return [(l["key"], l["rule"]) for l in e["links"] if l["type"] == "deal"]
logged = [e for e in ex if e["outcome"] == "logged"]
say(all(l["rule"] in (("address", "domain") if l["type"] != "deal" else ("tag", "deal-contact", "deal-company")) for e in ex for l in e["links"]), "meeting links: address/domain, deals by tag/deal-contact/deal-company (no thread rule)")
say(all(len(deal(e)) <= 1 and not (deal(e) and e["ambiguous"]) and len(e["ambiguous"]) != 1 for e in ex), "at most one deal link, none when ambiguous, never one candidate")
say(all(not e["links"] and not e["ambiguous"] and e["deal_tag"] is None for e in ex if e["outcome"] == "skipped"), "skipped meetings: no links, no candidates, no tag")
tg, am, dc = one.get("deal-tag"), one.get("deal-ambiguous"), one.get("deal-contact")
say(tg is not None and tg["deal_tag"] and deal(tg) == [(tg["deal_tag"], "tag")], "[Deal: KEY ] in the SUMMARY: rule tag")
say(am is not None and len(am["ambiguous"]) >= 2 and deal(am) == [] and tg["deal_tag"] in am["ambiguous"], "the same people without the tag: ambiguous, the tagged deal a candidate")
say(dc is not None and len(deal(dc)) == 1 and deal(dc)[0][1] == "deal-contact", "a contact on one open deal: deal-contact")
say(sum(s["deals"].values()) == len(logged) and s["deals"].get("tag") == sum(any(l["rule"] == "tag" for l in e["links"]) for e in logged), "deal counts in the summary")
PY
while read -r verdict what; do
	if [ "$verdict" = ok ]; then ok; else fail "cal-expect.jsonl: $what"; fi
done <"$T/inv"
check "calendar invariant checks ran" [ "$(grep -c '' "$T/inv")" -ge 30 ]
cr=$(printf '\r')
check "every .ics line ends in CRLF" [ -z "$(find "$C/cal" -name '*.ics' -exec grep -l -v "$cr\$" {} +)" ]
gen --out "$T/c4" --seed 42 --calendars
check "calendars without --ignore: the relay meeting is unmatched" grep -q '"kind":"relay-only".*"reason":"unmatched"' "$T/c4/cal-expect.jsonl"
if servers_py "$GEN/verify_cal.py" "$T/c4" >"$T/verify" 2>&1; then ok; else fail "verify_cal.py without --ignore: $(tail -n 5 "$T/verify")"; fi
gen --out "$T/c5" --seed 42 --log-internal --reps 5 --calendars --now 2027-03-20T09:15:00Z --months 11
check "--log-internal: internal meetings logged" grep -q '"outcome":"logged".*"direction":"internal"' "$T/c5/cal-expect.jsonl"
if servers_py "$GEN/verify_cal.py" "$T/c5" --all-cases >"$T/verify" 2>&1; then ok; else fail "verify_cal.py --log-internal, March: $(tail -n 5 "$T/verify")"; fi
rm -rf "$T/c4" "$T/c5"

# -- calendar bulk mode (--cal-bulk) --------------------------------------------------------------
start=$(date +%s%N)
gen --out "$T/cb" --seed 9 --cal-bulk 5000 --cal-calendars 4 --threads 0
check "calendar bulk generation" [ $? = 0 ]
echo "gen --cal-bulk 5000 (and the CRM): $((($(date +%s%N) - start) / 1000000)) ms" >&2
check "cal bulk: 5000 files" [ "$(find "$T/cb/cal" -name '*.ics' | wc -l)" = 5000 ]
check "cal bulk: four calendars of one user" [ "$(ls "$T/cb/cal"/*/ | grep -c .)" = 4 ] && [ "$(ls "$T/cb/cal" | wc -l)" = 1 ]
servers_py - "$T/cb" >"$T/inv" 2>&1 <<'PY'
import json, os, sys
w = sys.argv[1]
ex = [json.loads(l) for l in open(os.path.join(w, "cal-expect.jsonl"), encoding="utf-8")]
s = json.load(open(os.path.join(w, "cal-expect-summary.json"), encoding="utf-8"))
def say(ok, what):
    print(("ok " if ok else "FAIL ") + what)
say(s["events"] == 5000 and len({e["uid"] for e in ex}) == 5000, "5000 objects, each expected")
say(s["occurrences"] == len(ex) and s["logged"] + s["skipped"] == len(ex), "occurrences = lines = logged + skipped")
say(s["logged"] == sum(e["outcome"] == "logged" for e in ex), "logged count")
say(800 <= s["series"] <= 1200, "about a fifth are series (%d)" % s["series"])
n = {}
for e in ex:
    if e["recurrence_id"]:
        n[e["uid"]] = n.get(e["uid"], 0) + 1
say(len(n) == s["series"] and min(n.values()) >= 3 and max(n.values()) <= 10, "series of 3 to 10 occurrences")
say(sum(s["calendars"].values()) == 5000 and len(s["calendars"]) == 4, "objects per calendar")
say(sum(k in ("bulk-outbound", "bulk-inbound", "bulk-series", "bulk-cancelled", "bulk-declined") for k in (e["kind"] for e in ex)) > 0.8 * len(ex), "mostly one contact")
say(set(s["statuses"]) == {"held", "scheduled", "cancelled", "declined"} and set(s["reasons"]) == {"internal", "unmatched"}, "statuses and reasons")
PY
while read -r verdict what; do
	if [ "$verdict" = ok ]; then ok; else fail "cal bulk: $what"; fi
done <"$T/inv"
if servers_py "$GEN/verify_cal.py" "$T/cb" >"$T/verify" 2>&1; then ok; else fail "verify_cal.py cal bulk: $(tail -n 5 "$T/verify")"; fi
gen --out "$T/cb2" --seed 9 --cal-bulk 5000 --cal-calendars 4 --threads 0
check "cal bulk: same seed, same bytes" diff -r -q "$T/cb" "$T/cb2"
rm -rf "$T/cb" "$T/cb2"

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

# -- generated calendars in Radicale ----------------------------------------------------------------
# Radicale users are the reps' e-mail addresses (see load_radicale.sh). The
# first rep's calendars are loaded before radicale_start, the others after.
servers_require radicale
export DAV_PW=dav-pw
reps=$(tail -n +2 "$C/crm/users.csv" | cut -d, -f1)
for r in $reps; do radicale_add_user "$r" "$DAV_PW"; done
sh "$GEN/load_radicale.sh" "$C/cal" "$U" 2>"$T/err"
check "load_radicale.sh before the start" [ $? = 0 ]
check "only the named user loaded" [ ! -d "$(dirname "$RADICALE_LOG")/collections/collection-root/$(sed -n 3p "$C/crm/users.csv" | cut -d, -f1)" ]
check "radicale_start" radicale_start
sh "$GEN/load_radicale.sh" "$C/cal" $(echo "$reps" | grep -vxF "$U") 2>"$T/err"
check "load_radicale.sh after the start" [ $? = 0 ]
for r in $reps; do
	curl -s -o "$T/pf.xml" -w '%{http_code}' -u "$r:$DAV_PW" -X PROPFIND -H 'Depth: 1' \
		-H 'Content-Type: application/xml' --data '<?xml version="1.0"?><propfind xmlns="DAV:"><prop><getetag/><resourcetype/></prop></propfind>' \
		"${RADICALE_URL}$r/work/" >"$T/code"
	check "PROPFIND $r/work/: 207" [ "$(cat "$T/code")" = 207 ]
	check "PROPFIND $r/work/: one href per file" [ "$(grep -o '\.ics</href>' "$T/pf.xml" | wc -l)" = "$(ls "$C/cal/$r/work" | wc -l)" ]
done
curl -s -o "$T/rep.xml" -w '%{http_code}' -u "$U:$DAV_PW" -X REPORT -H 'Depth: 1' -H 'Content-Type: application/xml' \
	--data '<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter></C:filter></C:calendar-query>' \
	"${RADICALE_URL}$U/work/" >"$T/code"
check "REPORT calendar-query: 207" [ "$(cat "$T/code")" = 207 ]
servers_py - "$C" "$U" "$T/rep.xml" >"$T/dav" 2>&1 <<'PY'
import os, sys, urllib.parse
import xml.etree.ElementTree as ET
w, user, rep = sys.argv[1:]
D, CD = "{DAV:}", "{urn:ietf:params:xml:ns:caldav}"
files = {}
d = os.path.join(w, "cal", user, "work")
for fn in os.listdir(d):
    files[fn] = open(os.path.join(d, fn), "rb").read().decode("utf-8")
served = {}
for r in ET.parse(rep).getroot().findall(D + "response"):
    href = urllib.parse.unquote(r.find(D + "href").text)
    data = r.find(".//" + CD + "calendar-data")
    served[href.rsplit("/", 1)[1]] = data.text if data is not None else ""
def uids(text):
    text = text.replace("\r\n", "\n").replace("\n ", "")  # XML turns CRLF into LF
    return sorted(l.split(":", 1)[1].strip() for l in text.splitlines() if l.startswith("UID:"))
print("ok" if set(served) == set(files) else "FAIL", "REPORT serves every file (%d of %d)" % (len(set(served) & set(files)), len(files)))
bad = [f for f in files if f in served and uids(served[f]) != uids(files[f])]
print("ok" if not bad else "FAIL", "served objects carry the files' UIDs and VEVENTs (%s)" % bad[:3])
print("ok" if all(f not in served or served[f].count("BEGIN:VEVENT") == files[f].count("BEGIN:VEVENT") for f in files) else "FAIL", "as many VEVENTs as written")
PY
while read -r verdict what; do
	if [ "$verdict" = ok ]; then ok; else fail "CalDAV: $what"; fi
done <"$T/dav"
check "CalDAV checks ran" [ "$(grep -c '' "$T/dav")" -ge 3 ]

# crmsync reads them as cal-expect.jsonl says (the full world: every rep).
CDB=$T/cal.db
for k in users companies contacts stages deals; do
	crm -d "$CDB" import $k "$C/crm/$k.csv"
done
{
	printf '[store]\npath = %s\n[team]\ndomains = lumen.example\n[match]\nignore = %s\n' "$CDB" "$IGN"
	for r in $reps; do
		printf '[caldav "%s"]\nurl = %s\nuser = %s\npassword_env = DAV_PW\nowner = %s\ntimezone = Europe/Berlin\n' \
			"${r%@*}-cal" "$RADICALE_URL" "$r" "$r"
	done
} >"$T/cal.conf"
CRMSYNC_NOW=$(servers_py -c 'import json,sys; print(json.load(open(sys.argv[1]))["now"])' "$C/cal-expect-summary.json") \
	crm -c "$T/cal.conf" sync
expect_rc 0 "crmsync sync of the generated calendars"
if servers_py "$TOP/tests/integration/check_cal_expect.py" "$C/cal-expect.jsonl" "$CDB" >"$T/check" 2>&1; then
	ok
else
	fail "crmsync's meetings match cal-expect.jsonl: $(tail -n 12 "$T/check")"
fi
tail -n 1 "$T/check" >&2

# The timeline of a deal: the world's mail (every mailbox but the private
# folder, as Maildirs whose cur/ is the generated folder) imported next to
# the meetings; `activities --deal KEY` lists exactly what expect.jsonl and
# cal-expect.jsonl link to KEY (the deal with the most meetings and messages).
n=0
for d in "$C"/mail/*/*; do
	[ "$(basename "$d")" = Personal ] && continue
	n=$((n + 1))
	mkdir -p "$T/md/$n"
	ln -s "$d" "$T/md/$n/cur"
	CRMSYNC_NOW=2026-11-01T12:00:00Z crm -c "$T/cal.conf" import maildir "$T/md/$n" --owner "$(basename "$(dirname "$d")")"
	expect_rc 0 "import maildir $(basename "$(dirname "$d")")/$(basename "$d")"
done
check "mail folders imported" [ "$n" -ge 6 ]
KEY=$(servers_py - "$C" "$T/timeline.want" <<'PY'
import json, os, sys
w, want = sys.argv[1:]
n = {}
for f, kind in (("expect.jsonl", "email"), ("cal-expect.jsonl", "meeting")):
    for l in open(os.path.join(w, f), encoding="utf-8"):
        e = json.loads(l)
        for x in e["links"]:
            if x["type"] == "deal":
                n.setdefault(x["key"], {}).setdefault(kind, set()).add(e["source_key"])
both = [k for k, v in n.items() if len(v) == 2]
k = max(sorted(both), key=lambda k: len(n[k]["email"]) + len(n[k]["meeting"]))
print(k)
with open(want, "w") as f:
    f.write("".join("%s %s\n" % (kind, x) for kind in ("email", "meeting") for x in sorted(n[k][kind])))
PY
)
crm -d "$CDB" activities --deal "$KEY" --format json
expect_rc 0 "activities --deal $KEY --format json"
servers_py -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
print("\n".join(sorted("%s %s" % (r["kind"], r["source_key"]) for r in rows)))
' "$T/out" >"$T/timeline.got"
check "timeline of $KEY: exactly its $(grep -c '^meeting' "$T/timeline.want") meetings and $(grep -c '^email' "$T/timeline.want") messages" cmp -s "$T/timeline.want" "$T/timeline.got"
check "timeline of $KEY: every entry shows the deal link" servers_py -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
sys.exit(0 if rows and all(any(x["type"] == "deal" and x["key"] == sys.argv[2] for x in r["links"]) for r in rows)
         and [r["occurred_at"] for r in rows] == sorted(r["occurred_at"] for r in rows) else 1)' "$T/out" "$KEY"

t_done gen_selftest

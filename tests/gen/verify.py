#!/usr/bin/env python3
"""tests/gen/verify.py - checks a generated world against itself.

usage: verify.py DIR [--all-reasons]

Re-reads every .eml with Python's own email parser and re-derives, from the
bytes and the CSV files alone, what expect.jsonl claims: decoded subject,
Message-ID, Date (and the file's mtime), participants, skip reason,
direction, links and deal links (docs/matching.md, "Deals" included: each
thread in order of Date and source_key, the subject's [deal:KEY] tag, the
deals of the linked contacts, then of the linked companies). Also checks
the summary's counts, that every copy exists under its UID and nothing
else does (the private folders listed in the summary aside), and the CSV
headers of SPEC section 2. --all-reasons: every skip reason, both
directions, a message with two owners and one without a Message-ID, and
every deal rule and an ambiguous one occur. A world generated with --bcc
(bcc_address) is not modelled here.
Prints one line per problem; exits 1 on any.
"""
import csv
import email
import email.policy
import email.utils
import fnmatch
import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen import FREEMAIL, canon, domain_chain, is_role, norm_msgid  # noqa: E402

CSV_HEADERS = {
    "users": ["email", "name", "aliases"],
    "companies": ["domain", "name", "domains"],
    "contacts": ["email", "name", "company", "lead_source", "created_at", "emails"],
    "stages": ["id", "name", "position", "probability"],
    "deals": ["id", "name", "stage", "status", "company", "owner", "value", "currency",
              "contacts", "lead_source", "created_at", "closed_at", "expected_close",
              "stage_changed_at"],
}
REASONS = {"internal", "automated", "role-sender", "ignored", "unmatched", "invitation"}


def main():
    top = sys.argv[1]
    all_reasons = "--all-reasons" in sys.argv[2:]
    problems = []

    def bad(msg):
        problems.append(msg)

    crm = {}
    for name, header in CSV_HEADERS.items():
        with open(os.path.join(top, "crm", name + ".csv"), encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        if rows[0] != header:
            bad("crm/%s.csv: header %s" % (name, rows[0]))
        crm[name] = [dict(zip(rows[0], r)) for r in rows[1:]]
    summary = json.load(open(os.path.join(top, "expect-summary.json"), encoding="utf-8"))
    assumes = summary["assumes"]
    team = assumes["team_domains"]
    ignore = assumes["ignore"]
    users = {}
    for u in crm["users"]:
        for a in [u["email"]] + [x for x in u["aliases"].split(";") if x]:
            users[canon(a)] = u["email"]
    contacts = {}
    for c in crm["contacts"]:
        for a in [c["email"]] + [x for x in c["emails"].split(";") if x]:
            if canon(a) in contacts:
                bad("address %s belongs to two contacts" % a)
            contacts[canon(a)] = (canon(c["email"]), c["company"])
    domains = {}
    for co in crm["companies"]:
        for d in [co["domain"]] + [x for x in co["domains"].split(";") if x]:
            domains[d] = co["domain"]
    open_by_contact, open_by_company, deal_status = {}, {}, {}
    for d in crm["deals"]:
        deal_status[d["id"]] = d["status"]
        if d["status"] == "open":
            for c in d["contacts"].split(";"):
                if c and canon(c) in contacts:
                    open_by_contact.setdefault(contacts[canon(c)][0], set()).add(d["id"])
            if d["company"] in domains:
                open_by_company.setdefault(domains[d["company"]], set()).add(d["id"])
    stage_ids = {s["id"] for s in crm["stages"]}
    for d in crm["deals"]:
        if d["stage"] not in stage_ids or d["company"] not in domains or \
                canon(d["owner"]) not in users or d["status"] not in ("open", "won", "lost"):
            bad("deal %s refers to something unknown" % d["id"])
        for c in d["contacts"].split(";"):
            if c and canon(c) not in contacts:
                bad("deal %s: unknown contact %s" % (d["id"], c))

    def internal(k):
        dom = k.rpartition("@")[2]
        return k in users or any(dom == t or dom.endswith("." + t) for t in team)

    expect = [json.loads(l) for l in open(os.path.join(top, "expect.jsonl"), encoding="utf-8")]
    ids = [e["message_id"] for e in expect if e["message_id"]]
    if len(ids) != len(set(ids)):
        bad("duplicate message ids")
    keys = [e["source_key"] for e in expect]
    if len(keys) != len(set(keys)):
        bad("duplicate source keys")
    idset = set(ids)
    seen_files = set()
    reasons, directions, counts = {}, set(), {"logged": 0}
    threads = {}  # thread key -> [(Date, source_key, contacts, companies, tag, e)]
    for e in expect:
        name = e["message_id"] or e["subject"]
        if e["outcome"] == "logged":
            counts["logged"] += 1
            if e["reason"] is not None:
                bad("%s: logged with a reason" % name)
            directions.add(e["direction"])
        else:
            reasons[e["reason"]] = reasons.get(e["reason"], 0) + 1
            if e["reason"] not in REASONS or e["direction"] is not None or e["links"]:
                bad("%s: skipped but %s/%s/%s" % (name, e["reason"], e["direction"], e["links"]))
        if not e["mailboxes"] or len(e["uids"]) != len(e["mailboxes"]):
            bad("%s: mailboxes %s uids %s" % (name, e["mailboxes"], e["uids"]))
            continue
        if e["owners"] != sorted(set(u for u, _ in e["mailboxes"])):
            bad("%s: owners %s" % (name, e["owners"]))
        datas = []
        for (u, f), uid in zip(e["mailboxes"], e["uids"]):
            p = os.path.join(top, "mail", u, f, "%08d.eml" % uid)
            seen_files.add(p)
            try:
                datas.append(open(p, "rb").read())
            except OSError:
                bad("%s: missing %s" % (name, p))
                continue
        if not datas:
            continue
        if any(d != datas[0] for d in datas):
            bad("%s: copies differ" % name)
        msg = email.message_from_bytes(datas[0], policy=email.policy.default)
        subj = str(msg["Subject"])
        if subj != e["subject"]:
            bad("%s: subject %r, expect says %r" % (name, subj, e["subject"]))
        mid = msg["Message-ID"]
        if norm_msgid(str(mid) if mid else None) != e["message_id"]:
            bad("%s: Message-ID %s" % (name, mid))
        when = email.utils.parsedate_to_datetime(str(msg["Date"])).timestamp()
        if e["occurred_at"] != __import__("time").strftime("%Y-%m-%dT%H:%M:%SZ",
                                                         __import__("time").gmtime(when)):
            bad("%s: Date %s vs occurred_at %s" % (name, msg["Date"], e["occurred_at"]))
        p = os.path.join(top, "mail", e["mailboxes"][0][0], e["mailboxes"][0][1],
                         "%08d.eml" % e["uids"][0])
        if int(os.stat(p).st_mtime) != int(when):
            bad("%s: mtime is not the Date" % name)
        # participants, from the parsed headers
        parts, seen = [], set()
        for field in ("From", "To", "Cc", "Bcc"):
            for _, addr in email.utils.getaddresses([str(h) for h in msg.get_all(field, [])]):
                k = canon(addr)
                if k not in seen:
                    seen.add(k)
                    parts.append(k)
        from_key = parts[0]
        types = [pt.get_content_type() for pt in msg.walk()]
        auto = msg.get("Auto-Submitted")
        reason = None
        if "text/calendar" in types:
            reason = "invitation"
        elif (auto and str(auto).strip().lower() != "no") or \
                str(msg.get("Precedence", "")).strip().lower() in ("bulk", "junk", "list") or \
                any(msg.get(h) is not None for h in ("List-Id", "List-Unsubscribe",
                                                       "X-Autoreply", "X-Autorespond")) or \
                msg.get_content_type() == "multipart/report":
            reason = "automated"
        elif is_role(from_key):
            reason = "role-sender"
        elif all(internal(k) for k in parts):
            reason = None if assumes["log_internal"] else "internal"
        links = []
        if reason is None and not all(internal(k) for k in parts):
            ext = [k for k in parts if not internal(k)]
            kept = [k for k in ext if not any(fnmatch.fnmatchcase(k, x) for x in ignore)]
            parts = [k for k in parts if k in kept or internal(k)]
            if not kept:
                reason = "ignored"
            for k in kept:
                if k in contacts:
                    ck, co = contacts[k]
                    for link in (("contact", ck, "address"), ("company", co, "address")):
                        if link[1] and not any(x[:2] == link[:2] for x in links):
                            links.append(link)
                else:
                    dom = k.rpartition("@")[2]
                    if any(d in FREEMAIL for d in domain_chain(dom)):
                        continue
                    co = next((domains[d] for d in domain_chain(dom) if d in domains), None)
                    if co and not any(x[:2] == ("company", co) for x in links):
                        links.append(("company", co, "domain"))
            if kept and not links:
                reason = "unmatched"
        if reason != e["reason"]:
            bad("%s: from the bytes the reason is %s, expect says %s" % (name, reason, e["reason"]))
        if e["outcome"] == "logged":
            if len(parts) != e["participants"]:
                bad("%s: %d participants, expect says %d" % (name, len(parts), e["participants"]))
            got = [tuple(x.values()) for x in e["links"] if x["type"] != "deal"]
            if got != links:
                bad("%s: links %s, from the bytes %s" % (name, got, links))
            tag = next((x.strip() for x in re.findall(r"\[deal:([^\]]*)\]", subj, re.I)[:1]
                        if x.strip()), None)
            want_dir = ("internal" if all(internal(k) for k in parts) else
                        "outbound" if internal(from_key) else "inbound")
            if e["direction"] != want_dir:
                bad("%s: direction %s, want %s" % (name, e["direction"], want_dir))
            refs = str(msg.get("References", "")).split()
            irt = msg.get("In-Reply-To")
            tk = norm_msgid(refs[0]) if refs else norm_msgid(str(irt)) if irt else e["message_id"]
            if tk != e["thread_key"]:
                bad("%s: thread_key %s, want %s" % (name, e["thread_key"], tk))
            if e["thread_key"] and e["thread_key"] not in idset:
                bad("%s: thread root %s was not generated" % (name, e["thread_key"]))
            threads.setdefault(tk or "\0" + e["source_key"], []).append((
                int(when), e["source_key"], [k for t, k, _ in links if t == "contact"],
                [k for t, k, _ in links if t == "company"], tag, e))
    # deals, thread by thread (docs/matching.md "Deals")
    deal_rules = set()
    for th in threads.values():
        current = None
        for _, key, cts, cos, tag, e in sorted(th, key=lambda x: x[:2]):
            cands = ()
            if current is not None:
                deal = (current, "thread")
            elif tag is not None and deal_status.get(tag) == "open":
                deal = (tag, "tag")
            else:
                found = set().union(*[open_by_contact.get(c, set()) for c in cts])
                rule = "deal-contact"
                if not found:
                    found = set().union(*[open_by_company.get(c, set()) for c in cos])
                    rule = "deal-company"
                deal = (next(iter(found)), rule) if len(found) == 1 else None
                cands = tuple(sorted(found)) if len(found) > 1 else ()
            got = [(x["key"], x["rule"]) for x in e["links"] if x["type"] == "deal"]
            if got != ([deal] if deal else []) or sorted(e.get("ambiguous", [])) != list(cands):
                bad("%s: deal %s, ambiguous %s; from the bytes %s, %s" % (
                    key, got, e.get("ambiguous"), deal, list(cands)))
            if deal:
                current = deal[0]
                deal_rules.add(deal[1])
            elif cands:
                deal_rules.add("ambiguous")
    private = {os.path.join(top, "mail", *b.split("/", 1))
               for b in (summary.get("private") or {}).get("mailboxes", {})}
    for root, _, files in os.walk(os.path.join(top, "mail")):
        if root in private:
            continue
        for fn in files:
            if os.path.join(root, fn) not in seen_files:
                bad("file %s is in no expectation" % os.path.join(root, fn))
    if summary["messages"] != len(expect) or summary["logged"] != counts["logged"] or \
            summary["activities"] != counts["logged"] or summary["reasons"] != \
            dict(sorted(reasons.items())) or summary["copies"] != len(seen_files) or \
            sum(summary["mailboxes"].values()) != len(seen_files):
        bad("summary counts disagree with expect.jsonl")
    if all_reasons:
        missing = REASONS - set(reasons)
        if missing:
            bad("reasons never expected: %s" % sorted(missing))
        if not {"inbound", "outbound"} <= directions:
            bad("directions: %s" % sorted(directions))
        if not any(len(e["owners"]) > 1 and e["outcome"] == "logged" for e in expect):
            bad("no logged message with two owners")
        if not any(e["message_id"] is None for e in expect):
            bad("no message without a Message-ID")
        rules = {(l["type"], l["rule"]) for e in expect for l in e["links"]}
        for want in (("contact", "address"), ("company", "address"), ("company", "domain")):
            if want not in rules:
                bad("no %s link by rule %s" % want)
        missing = {"thread", "tag", "deal-contact", "deal-company", "ambiguous"} - deal_rules
        if missing:
            bad("deal rules never expected: %s" % sorted(missing))
    for p in problems[:30]:
        print("PROBLEM:", p)
    print("verify: %d messages, %d files, %d problems" % (len(expect), len(seen_files),
                                                         len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

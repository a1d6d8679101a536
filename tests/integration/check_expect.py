#!/usr/bin/env python3
"""Compares a crmsync database with the generator's expect.jsonl.

usage: check_expect.py EXPECT.jsonl DB [--only-mailboxes USER:FOLDER,...]

EXPECT.jsonl is expect.jsonl, or expect-link.jsonl / expect-later.jsonl
(tests/gen/gen.py: the same messages after `crmsync link` and the later
mail, and after importing crm/deals-later.csv and `crmsync rematch`).

Checks, for every generated message: logged ones are exactly one activity
(found by Message-ID, or by subject when the message has none) with the
expected direction, owners, thread key, participant count, links (type,
key, rule; deal links included), deal candidates (deal_candidates, and
activities.ambiguous = 1 exactly when there are some), deal tag, and the
contacts it created (lead_source 'email'); skipped ones have an item
outcome with the expected reason and no activity. Also checks that the
database holds no activity the generator did not expect, and, when
expect-summary.json next to EXPECT lists messages of a private folder
("private"), that none of them is an activity or an item outcome. Prints
one line per mismatch and a summary; exits 1 on any.
"""
import json
import os
import sqlite3
import sys


def main():
    expect_path, db_path = sys.argv[1], sys.argv[2]
    only = None
    if len(sys.argv) > 4 and sys.argv[3] == "--only-mailboxes":
        only = set(tuple(x.split(":", 1)) for x in sys.argv[4].split(","))
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    problems = []
    expected_logged = 0
    act_cols = {r[1] for r in db.execute("PRAGMA table_info(activities)")}
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for need in ("ambiguous", "deal_tag"):
        if need not in act_cols:
            problems.append(f"activities has no column {need}")
    if "deal_candidates" not in tables:
        problems.append("no table deal_candidates")
    has_amb = "ambiguous" in act_cols and "deal_candidates" in tables
    has_tag = "deal_tag" in act_cols

    def activity_by(msg):
        cols = "id, direction, thread_key, %s, %s" % (
            "ambiguous" if has_amb else "NULL", "deal_tag" if has_tag else "NULL")
        if msg["message_id"]:
            rows = db.execute(f"SELECT {cols} FROM activities WHERE source_key = ?",
                              (msg["message_id"],)).fetchall()
        else:
            rows = db.execute(f"SELECT {cols} FROM activities WHERE subject = ?",
                              (msg["subject"],)).fetchall()
        return rows

    for line in open(expect_path, encoding="utf-8"):
        msg = json.loads(line)
        boxes = [tuple(b) for b in msg["mailboxes"]]
        if only is not None:
            boxes = [b for b in boxes if b in only]
            if not boxes:
                continue
        name = msg["message_id"] or ("subject " + repr(msg["subject"]))
        rows = activity_by(msg)
        if msg["outcome"] == "skipped":
            if rows:
                problems.append(f"{name}: expected skipped ({msg['reason']}), but logged")
                continue
            if msg["message_id"]:
                got = db.execute("SELECT DISTINCT outcome, reason FROM item_outcomes WHERE identity = ?",
                                 (msg["message_id"],)).fetchall()
                if got != [("skipped", msg["reason"])]:
                    problems.append(f"{name}: expected skipped/{msg['reason']}, item outcomes {got}")
            continue
        expected_logged += 1
        if len(rows) != 1:
            problems.append(f"{name}: expected one activity, found {len(rows)}")
            continue
        aid, direction, thread_key, ambiguous, deal_tag = rows[0]
        if direction != msg["direction"]:
            problems.append(f"{name}: direction {direction}, want {msg['direction']}")
        if msg.get("thread_key") and thread_key != msg["thread_key"]:
            problems.append(f"{name}: thread_key {thread_key}, want {msg['thread_key']}")
        owners = sorted(r[0] for r in db.execute(
            "SELECT u.email FROM activity_owners o JOIN users u ON u.id = o.user_id WHERE o.activity_id = ?", (aid,)))
        want_owners = sorted(set(msg["owners"]) if only is None else
                             set(u for (u, f) in boxes))
        if owners != want_owners:
            problems.append(f"{name}: owners {owners}, want {want_owners}")
        nparts = db.execute("SELECT count(*) FROM participants WHERE activity_id = ?", (aid,)).fetchone()[0]
        if "participants" in msg and nparts != msg["participants"]:
            problems.append(f"{name}: {nparts} participants, want {msg['participants']}")
        links = sorted(db.execute(
            "SELECT l.type, CASE l.type WHEN 'contact' THEN (SELECT email FROM contacts WHERE id = l.target_id) "
            "WHEN 'company' THEN (SELECT domain FROM companies WHERE id = l.target_id) "
            "ELSE (SELECT key FROM deals WHERE id = l.target_id) END, l.rule "
            "FROM activity_links l WHERE l.activity_id = ?", (aid,)).fetchall())
        want_links = sorted((l["type"], l["key"], l["rule"]) for l in msg["links"])
        if links != want_links:
            problems.append(f"{name} ({msg.get('kind')}): links {links}, want {want_links}")
        if has_amb and "ambiguous" in msg:
            cands = sorted(r[0] for r in db.execute(
                "SELECT d.key FROM deal_candidates c JOIN deals d ON d.id = c.deal_id "
                "WHERE c.activity_id = ?", (aid,)))
            if cands != sorted(msg["ambiguous"]):
                problems.append(f"{name} ({msg.get('kind')}): deal candidates {cands}, want {sorted(msg['ambiguous'])}")
            if ambiguous != (1 if msg["ambiguous"] else 0):
                problems.append(f"{name}: activities.ambiguous = {ambiguous}, want {1 if msg['ambiguous'] else 0}")
        if has_tag and "deal_tag" in msg and deal_tag != msg["deal_tag"]:
            problems.append(f"{name}: deal_tag {deal_tag!r}, want {msg['deal_tag']!r}")
        for addr in msg.get("created_contacts", []):
            got = db.execute("SELECT lead_source FROM contacts WHERE lower(email) = ?", (addr,)).fetchall()
            if got != [("email",)]:
                problems.append(f"{name}: created contact {addr}: {got}, want lead_source 'email'")

    total = db.execute("SELECT count(*) FROM activities").fetchone()[0]
    if only is None and total != expected_logged:
        problems.append(f"database holds {total} activities, want {expected_logged}")

    summary = os.path.join(os.path.dirname(os.path.abspath(expect_path)), "expect-summary.json")
    private = []
    if os.path.exists(summary):
        private = (json.load(open(summary, encoding="utf-8")).get("private") or {}).get("source_keys", [])
    for key in private:
        n = db.execute("SELECT count(*) FROM activities WHERE source_key = ?", (key,)).fetchone()[0]
        n += db.execute("SELECT count(*) FROM item_outcomes WHERE identity = ?", (key,)).fetchone()[0]
        if n:
            problems.append(f"{key}: a message of a private folder was read ({n} rows)")
    for p in problems[:40]:
        print("MISMATCH:", p)
    if len(problems) > 40:
        print(f"... and {len(problems) - 40} more")
    print(f"checked {expected_logged} logged messages, {len(private)} private ones; {len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

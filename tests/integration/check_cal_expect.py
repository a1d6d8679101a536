#!/usr/bin/env python3
"""Compares a crmsync database with the generator's cal-expect.jsonl.

usage: check_cal_expect.py CAL-EXPECT.jsonl DB [--only-calendars USER:CAL,...]

Checks, for every expected calendar occurrence (tests/gen/gen.py
--calendars or --cal-bulk): a logged one is exactly one activity with its
source_key, of kind 'meeting', with the expected status, direction,
occurred_at and ended_at (unix seconds of start and end), owners,
participant count, links (type, key = contact e-mail, company domain or
deal id, rule; deal links included), deal candidates (deal_candidates
joined to deals.key, and activities.ambiguous = 1 exactly when there are
some) and deal tag (activities.deal_tag; when the expectation has
"ambiguous" and "deal_tag"); a skipped one has no activity and item outcomes (identity =
source_key) that all say skipped with the expected reason. Also checks that
the database holds no other meeting activity (with --only-calendars: only
the occurrences in those calendars are checked, owners restricted to their
users, and the total is not compared). Prints one line per mismatch (the
first 40) and a summary; exits 1 on any.
"""
import calendar
import json
import sqlite3
import sys
import time
from collections import Counter


def epoch(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def main():
    args = sys.argv[1:]
    if len(args) not in (2, 4) or (len(args) == 4 and args[2] != "--only-calendars"):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    expect_path, db_path = args[0], args[1]
    only = None
    if len(args) == 4:
        only = set(tuple(x.split(":", 1)) for x in args[3].split(",") if x)
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)

    acts, deal_state, cands = {}, {}, {}
    for row in db.execute("SELECT source_key, id, kind, status, direction, occurred_at, "
                          "ended_at, ambiguous, deal_tag FROM activities"):
        acts[row[0]] = row[1:7]
        deal_state[row[1]] = row[7:]
    for aid, key in db.execute("SELECT c.activity_id, d.key FROM deal_candidates c "
                               "JOIN deals d ON d.id = c.deal_id"):
        cands.setdefault(aid, []).append(key)
    owners, nparts, links = {}, Counter(), {}
    for aid, email in db.execute("SELECT o.activity_id, u.email FROM activity_owners o "
                                 "JOIN users u ON u.id = o.user_id"):
        owners.setdefault(aid, []).append(email)
    for aid, n in db.execute("SELECT activity_id, count(*) FROM participants "
                             "GROUP BY activity_id"):
        nparts[aid] = n
    for row in db.execute(
            "SELECT l.activity_id, l.type, CASE l.type "
            "WHEN 'contact' THEN (SELECT email FROM contacts WHERE id = l.target_id) "
            "WHEN 'company' THEN (SELECT domain FROM companies WHERE id = l.target_id) "
            "ELSE (SELECT key FROM deals WHERE id = l.target_id) END, l.rule "
            "FROM activity_links l"):
        links.setdefault(row[0], []).append(tuple(row[1:]))
    outcomes = {}
    for identity, outcome, reason in db.execute(
            "SELECT DISTINCT identity, outcome, reason FROM item_outcomes "
            "WHERE identity IS NOT NULL"):
        outcomes.setdefault(identity, set()).add((outcome, reason))

    problems = []
    seen = set()
    n_logged = n_skipped = 0
    found = Counter()
    for line in open(expect_path, encoding="utf-8"):
        e = json.loads(line)
        cals = [tuple(c) for c in e["calendars"]]
        if only is not None:
            cals = [c for c in cals if c in only]
            if not cals:
                continue
        key = e["source_key"]
        if key in seen:
            problems.append("%s: twice in %s" % (key, expect_path))
            continue
        seen.add(key)
        name = "%s (%s)" % (key, e.get("kind", "?"))
        a = acts.get(key)
        if e["outcome"] == "skipped":
            n_skipped += 1
            if a is not None:
                problems.append("%s: expected skipped (%s), but logged as %s/%s" % (
                    name, e["reason"], a[1], a[2]))
                continue
            got = outcomes.get(key, set())
            if got != {("skipped", e["reason"])}:
                problems.append("%s: expected skipped/%s, item outcomes %s" % (
                    name, e["reason"], sorted(got) or "none"))
            else:
                found["skipped:" + e["reason"]] += 1
            continue
        n_logged += 1
        if a is None:
            got = sorted(outcomes.get(key, set()), key=str)
            problems.append("%s: expected a %s meeting, no activity (item outcomes %s)" % (
                name, e["status"], got or "none"))
            continue
        aid, kind, status, direction, occurred, ended = a
        bad = []
        if kind != "meeting":
            bad.append("kind %s" % kind)
        if status != e["status"]:
            bad.append("status %s, want %s" % (status, e["status"]))
        if direction != e["direction"]:
            bad.append("direction %s, want %s" % (direction, e["direction"]))
        if occurred != epoch(e["start"]):
            bad.append("occurred_at %s, want %s" % (
                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(occurred)), e["start"]))
        if ended != epoch(e["end"]):
            bad.append("ended_at %s, want %s" % (
                "NULL" if ended is None else
                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ended)), e["end"]))
        want_owners = sorted(set(e["owners"]) if only is None else set(u for u, _ in cals))
        if sorted(owners.get(aid, [])) != want_owners:
            bad.append("owners %s, want %s" % (sorted(owners.get(aid, [])), want_owners))
        if nparts[aid] != e["participants"]:
            bad.append("%d participants, want %d" % (nparts[aid], e["participants"]))
        got_links = sorted(links.get(aid, []))
        want_links = sorted((x["type"], x["key"], x["rule"]) for x in e["links"])
        if "ambiguous" not in e:  # an expectation without deals: contacts and companies
            got_links = [x for x in got_links if x[0] != "deal"]
            want_links = [x for x in want_links if x[0] != "deal"]
        if got_links != want_links:
            bad.append("links %s, want %s" % (got_links, want_links))
        if "ambiguous" in e:
            ambiguous, deal_tag = deal_state[aid]
            got = sorted(cands.get(aid, []))
            if got != sorted(e["ambiguous"]):
                bad.append("deal candidates %s, want %s" % (got, sorted(e["ambiguous"])))
            if ambiguous != (1 if e["ambiguous"] else 0):
                bad.append("activities.ambiguous = %s, want %d" % (
                    ambiguous, 1 if e["ambiguous"] else 0))
            if "deal_tag" in e and deal_tag != e["deal_tag"]:
                bad.append("deal_tag %r, want %r" % (deal_tag, e["deal_tag"]))
        if bad:
            problems.append("%s: %s" % (name, "; ".join(bad)))
        else:
            found[e["status"]] += 1
            deal = [x for x in e["links"] if x["type"] == "deal"]
            if deal:
                found["deal:" + deal[0]["rule"]] += 1
            elif e.get("ambiguous"):
                found["deal:ambiguous"] += 1

    meetings = [k for k, a in acts.items() if a[1] == "meeting"]
    if only is None:
        extra = sorted(k for k in meetings if k not in seen)
        if len(meetings) != n_logged:
            problems.append("database holds %d meeting activities, want %d" % (
                len(meetings), n_logged))
        for k in extra[:10]:
            problems.append("%s: a meeting activity the generator did not expect (%s)" % (
                k, acts[k][2]))
        if len(extra) > 10:
            problems.append("... and %d more unexpected meeting activities" % (len(extra) - 10))
    for p in problems[:40]:
        print("MISMATCH:", p)
    if len(problems) > 40:
        print("... and %d more" % (len(problems) - 40))
    print("checked %d logged and %d skipped occurrences (%d meeting activities in the "
          "database); matched %s; %d mismatches" % (
              n_logged, n_skipped, len(meetings),
              json.dumps(dict(sorted(found.items()))), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

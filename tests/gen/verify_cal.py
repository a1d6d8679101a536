#!/usr/bin/env python3
"""tests/gen/verify_cal.py - checks generated calendars against their expectations.

usage: verify_cal.py DIR [--all-cases]

Re-reads every DIR/cal/USER/CAL/*.ics with its own small iCalendar reader
and re-derives, from the bytes and the CSV files alone, what
cal-expect.jsonl claims for every occurrence: UTC start and end (time
zones through Python's zoneinfo, i.e. the system tz database, not the
generator's own rules; "W. Europe Standard Time" is Europe/Berlin; floating
and all-day times in the summary's assumed zone), the weekly series
expanded (RRULE FREQ=WEEKLY;COUNT=N, EXDATE, RECURRENCE-ID overrides),
participants, skip reason, status, direction, links, owners and calendars;
the deal link, candidates and tag of every logged occurrence from its
SUMMARY and crm/deals.csv (docs/matching.md "Deals": a meeting is a thread
of its own; a [deal:KEY] tag naming an open deal, else the open deals of
the linked contacts, else those of the linked companies; one is the link,
two or more the candidates).
Also: CRLF line ends, lines of at most 75 octets, the properties every
VEVENT needs, copies of one object in several calendars identical, every
file in some expectation, and the summary's counts. --all-cases: every
status (held, scheduled, cancelled, declined), the skip reasons internal
and unmatched (and ignored when an ignore pattern is assumed), both
directions, a meeting with two owners, a moved and a cancelled occurrence
of a series, an all-day event, a TZID with VTIMEZONE, a Windows zone, a
floating time, and the deal rules tag and deal-contact and an ambiguous
meeting occur. Prints one line per problem; exits 1 on any.
"""
import calendar
import csv
import datetime
import fnmatch
import json
import os
import re
import sys
import time
import zoneinfo

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen import FREEMAIL, canon, domain_chain  # noqa: E402

WINDOWS = {"W. Europe Standard Time": "Europe/Berlin"}
STATUSES = {"held", "scheduled", "cancelled", "declined"}


def unfold(data):
    text = data.decode("utf-8")
    return text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")


def parse_line(line):
    """NAME;P=V;P="V,W":VALUE -> (NAME, {P: V}, VALUE)."""
    i, n = 0, len(line)
    while i < n and line[i] not in ";:":
        i += 1
    name, params = line[:i].upper(), {}
    while i < n and line[i] == ";":
        j = line.index("=", i)
        pname = line[i + 1:j].upper()
        i = j + 1
        if line[i] == '"':
            j = line.index('"', i + 1)
            pval = line[i + 1:j]
            i = j + 1
        else:
            j = i
            while j < n and line[j] not in ";:":
                j += 1
            pval = line[i:j]
            i = j
        params[pname] = pval
    return name, params, line[i + 1:]


def components(lines):
    """The VEVENTs (lists of (name, params, value)) and the TZIDs of VTIMEZONEs."""
    events, tzids, stack, cur = [], set(), [], None
    for line in lines:
        if not line:
            continue
        name, params, value = parse_line(line)
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                cur = []
        elif name == "END":
            stack.pop()
            if value == "VEVENT":
                events.append(cur)
                cur = None
        elif cur is not None and stack[-1] == "VEVENT":
            cur.append((name, params, value))
        elif stack and stack[-1] == "VTIMEZONE" and name == "TZID":
            tzids.add(value)
    return events, tzids


def main():
    top = sys.argv[1]
    all_cases = "--all-cases" in sys.argv[2:]
    problems = []
    bad = problems.append

    crm = {}
    for name in ("users", "contacts", "companies", "deals"):
        with open(os.path.join(top, "crm", name + ".csv"), encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        crm[name] = [dict(zip(rows[0], r)) for r in rows[1:]]
    summary = json.load(open(os.path.join(top, "cal-expect-summary.json"), encoding="utf-8"))
    assumes = summary["assumes"]
    team, ignore = assumes["team_domains"], assumes["ignore"]
    default_zone = zoneinfo.ZoneInfo(assumes["timezone"])
    now = calendar.timegm(time.strptime(summary["now"], "%Y-%m-%dT%H:%M:%SZ"))
    past = int(assumes["past"].rstrip("d")) * 86400
    future = int(assumes["future"].rstrip("d")) * 86400
    users = {}
    for u in crm["users"]:
        for a in [u["email"]] + [x for x in u["aliases"].split(";") if x]:
            users[canon(a)] = u["email"]
    contacts = {}
    for c in crm["contacts"]:
        for a in [c["email"]] + [x for x in c["emails"].split(";") if x]:
            contacts[canon(a)] = (canon(c["email"]), c["company"])
    domains = {}
    for co in crm["companies"]:
        for d in [co["domain"]] + [x for x in co["domains"].split(";") if x]:
            domains[d] = co["domain"]
    # open deals per contact key and per company domain; deal ids by lower case
    open_by_contact, open_by_company, deal_ids, deal_status = {}, {}, {}, {}
    for d in crm["deals"]:
        deal_ids[d["id"].lower()] = d["id"]
        deal_status[d["id"]] = d["status"]
        if d["status"] != "open":
            continue
        for a in [x for x in d["contacts"].split(";") if x.strip()]:
            k = contacts.get(canon(a), (canon(a),))[0]
            open_by_contact.setdefault(k, set()).add(d["id"])
        if d["company"]:
            open_by_company.setdefault(domains.get(d["company"], d["company"]),
                                       set()).add(d["id"])

    def summary_tag(props):
        """The KEY of the SUMMARY's first [deal:KEY] (trimmed), or None."""
        text = props.get("SUMMARY", [(0, "")])[0][1]
        text = re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)
        m = re.search(r"\[deal:([^\]]*)\]", text, re.I)
        return (m.group(1).strip() or None) if m else None

    def deal_of(links, tag):
        """(deal link or None, sorted candidates)."""
        key = deal_ids.get(tag.lower()) if tag else None
        if key is not None and deal_status[key] == "open":
            return ("deal", key, "tag"), []
        found, rule = set(), "deal-contact"
        for t, k, _ in links:
            if t == "contact":
                found |= open_by_contact.get(k, set())
        if not found:
            rule = "deal-company"
            for t, k, _ in links:
                if t == "company":
                    found |= open_by_company.get(k, set())
        if len(found) == 1:
            return ("deal", found.pop(), rule), []
        return None, sorted(found)

    def internal(k):
        dom = k.rpartition("@")[2]
        return k in users or any(dom == t or dom.endswith("." + t) for t in team)

    def instant(params, value):
        """(UTC seconds, form) of a DATE-TIME or DATE value."""
        if params.get("VALUE") == "DATE" or len(value) == 8:
            d = datetime.datetime.strptime(value, "%Y%m%d").replace(tzinfo=default_zone)
            return int(d.timestamp()), "date"
        if value.endswith("Z"):
            return calendar.timegm(time.strptime(value, "%Y%m%dT%H%M%SZ")), "utc"
        d = datetime.datetime.strptime(value, "%Y%m%dT%H%M%S")
        if "TZID" in params:
            tz = zoneinfo.ZoneInfo(WINDOWS.get(params["TZID"], params["TZID"]))
            return int(d.replace(tzinfo=tz).timestamp()), "tzid"
        return int(d.replace(tzinfo=default_zone).timestamp()), "floating"

    def local_shift(params, value, weeks):
        """The value `weeks` weeks later in its own wall clock (RFC 5545 expansion)."""
        if len(value) == 8:
            fmt = "%Y%m%d"
        else:
            fmt = "%Y%m%dT%H%M%SZ" if value.endswith("Z") else "%Y%m%dT%H%M%S"
        d = datetime.datetime.strptime(value, fmt) + datetime.timedelta(weeks=weeks)
        return d.strftime(fmt)

    def duration(v):
        assert v.startswith("PT"), v
        secs, num = 0, ""
        for ch in v[2:]:
            if ch.isdigit():
                num += ch
            else:
                secs += int(num) * {"H": 3600, "M": 60, "S": 1}[ch]
                num = ""
        return secs

    # -- read every object ----------------------------------------------------------
    objects = {}  # uid -> {"data", "cals", "events", "tzids", "files"}
    nfiles = 0
    for root, _, files in os.walk(os.path.join(top, "cal")):
        for fn in sorted(files):
            p = os.path.join(root, fn)
            rel = os.path.relpath(p, os.path.join(top, "cal"))
            user, cal = rel.split(os.sep)[:2]
            data = open(p, "rb").read()
            nfiles += 1
            if b"\n" in data.replace(b"\r\n", b""):
                bad("%s: a line not ended by CRLF" % rel)
            if not data.endswith(b"\r\n"):
                bad("%s: no CRLF at the end" % rel)
            if any(len(x) > 75 for x in data.split(b"\r\n")):
                bad("%s: a line longer than 75 octets" % rel)
            lines = unfold(data)
            if lines[0] != "BEGIN:VCALENDAR" or "END:VCALENDAR" not in lines:
                bad("%s: not a VCALENDAR" % rel)
            events, tzids = components(lines)
            uids = {v for ev in events for n, _, v in ev if n == "UID"}
            if len(uids) != 1:
                bad("%s: UIDs %s" % (rel, sorted(uids)))
                continue
            uid = uids.pop()
            for ev in events:
                names = [n for n, _, _ in ev]
                for need in ("UID", "DTSTAMP", "DTSTART", "SUMMARY"):
                    if names.count(need) != 1:
                        bad("%s: VEVENT with %d %s" % (rel, names.count(need), need))
                if ("DTEND" in names) == ("DURATION" in names):
                    bad("%s: want exactly one of DTEND and DURATION" % rel)
            o = objects.setdefault(uid, {"data": data, "cals": [], "events": events,
                                         "tzids": tzids, "files": []})
            if o["data"] != data:
                bad("%s: copies of %s differ" % (rel, uid))
            o["cals"].append((user, cal))
            o["files"].append(rel.replace(os.sep, "/"))

    # -- derive every occurrence -------------------------------------------------------
    derived = {}
    cases = set()
    for uid, o in objects.items():
        master, overrides = None, {}
        for ev in o["events"]:
            props = {}
            for n, params, v in ev:
                props.setdefault(n, []).append((params, v))
            if "RECURRENCE-ID" in props:
                rid = instant(*props["RECURRENCE-ID"][0])[0]
                overrides[rid] = props
            else:
                master = props
        if master is None:
            bad("%s: no master VEVENT" % uid)
            continue
        for params, v in master.get("DTSTART", []):
            if "TZID" in params:
                if params["TZID"] in WINDOWS:
                    cases.add("windows-zone")
                    if params["TZID"] in o["tzids"]:
                        bad("%s: the Windows zone has a VTIMEZONE" % uid)
                elif params["TZID"] in o["tzids"]:
                    cases.add("vtimezone")
                else:
                    bad("%s: TZID %s without VTIMEZONE" % (uid, params["TZID"]))
            elif params.get("VALUE") == "DATE":
                cases.add("all-day")
            elif not v.endswith("Z"):
                cases.add("floating")

        def span(props):
            s, _ = instant(*props["DTSTART"][0])
            if "DURATION" in props:
                return s, s + duration(props["DURATION"][0][1])
            return s, instant(*props["DTEND"][0])[0]

        occ = []
        rrule = master.get("RRULE", [(None, None)])[0][1]
        if rrule is None:
            occ.append((None, master))
        else:
            rule = dict(x.split("=", 1) for x in rrule.split(";"))
            if set(rule) != {"FREQ", "COUNT"} or rule["FREQ"] != "WEEKLY":
                bad("%s: RRULE %s is not what this checker expands" % (uid, rrule))
                continue
            exdates = {instant(p, x)[0] for p, v in master.get("EXDATE", [])
                       for x in v.split(",")}
            sp, sv = master["DTSTART"][0]
            ep, evv = master.get("DTEND", [(None, None)])[0]
            for i in range(int(rule["COUNT"])):
                start = instant(sp, local_shift(sp, sv, i))[0]
                if start in exdates:
                    cases.add("exdate")
                    continue
                if start in overrides:
                    ov = overrides.pop(start)
                    cases.add("override-" + ("cancelled" if ov.get("STATUS", [(0, "")])[0][1]
                                             == "CANCELLED" else "moved"))
                    occ.append((start, ov))
                    continue
                inst = dict(master)
                inst["DTSTART"] = [(sp, local_shift(sp, sv, i))]
                if ep is not None:
                    inst["DTEND"] = [(ep, local_shift(ep, evv, i))]
                occ.append((start, inst))
            if overrides:
                bad("%s: overrides of no instance: %s" % (uid, sorted(overrides)))
        for rid, props in occ:
            s, e = span(props)
            if e < now - past or s >= now + future:
                continue
            key = uid if rid is None else "%s#%s" % (uid, time.strftime(
                "%Y%m%dT%H%M%SZ", time.gmtime(rid)))
            # participants: organizer first, each address once
            parts, seen = [], set()
            for role, name in (("organizer", "ORGANIZER"), ("attendee", "ATTENDEE")):
                for params, v in props.get(name, []):
                    if v[:7].lower() != "mailto:":
                        bad("%s: %s %s is not mailto:" % (key, name, v))
                        continue
                    k = canon(v[7:])
                    if k in seen:
                        continue
                    seen.add(k)
                    parts.append((role, k, params.get("PARTSTAT")))
            reason, direction, links = None, None, []
            if all(internal(k) for _, k, _ in parts):
                if assumes["log_internal"] and len(parts) >= 2:
                    direction = "internal"
                else:
                    reason = "internal"
            else:
                parts = [p for p in parts if internal(p[1]) or not any(
                    fnmatch.fnmatchcase(p[1], x) for x in ignore)]
                ext = [k for _, k, _ in parts if not internal(k)]
                for k in ext:
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
                if not ext:
                    reason = "ignored"
                elif not links:
                    reason = "unmatched"
                else:
                    org = [k for r, k, _ in parts if r == "organizer"]
                    direction = "inbound" if org and not internal(org[0]) else "outbound"
            status, cands, tag = None, [], None
            if reason is None:
                tag = summary_tag(props)
                link, cands = deal_of(links, tag)
                if link is not None:
                    links.append(link)
                    cases.add("deal link by " + link[2])
                elif cands:
                    cases.add("ambiguous meeting")
                team_att = [p for p in parts if p[0] == "attendee" and internal(p[1])]
                if props.get("STATUS", [(0, "")])[0][1] == "CANCELLED":
                    status = "cancelled"
                elif team_att and all(p[2] == "DECLINED" for p in team_att):
                    status = "declined"
                elif e <= now and any(not internal(k) and ps != "DECLINED"
                                      for _, k, ps in parts):
                    status = "held"
                else:
                    status = "scheduled"
            derived[key] = {
                "outcome": "logged" if reason is None else "skipped", "reason": reason,
                "status": status, "direction": direction,
                "start": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(s)),
                "end": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(e)),
                "links": [{"type": t, "key": k, "rule": r} for t, k, r in links],
                "ambiguous": cands, "deal_tag": tag,
                "participants": len(parts),
                "owners": sorted(set(u for u, _ in o["cals"])),
                "calendars": sorted([list(c) for c in o["cals"]]),
                "files": sorted(o["files"]),
            }

    # -- compare ---------------------------------------------------------------------------
    expect = [json.loads(l) for l in open(os.path.join(top, "cal-expect.jsonl"), encoding="utf-8")]
    keys = [e["source_key"] for e in expect]
    if len(keys) != len(set(keys)):
        bad("duplicate source keys in cal-expect.jsonl")
    for e in expect:
        d = derived.pop(e["source_key"], None)
        if d is None:
            bad("%s: expected, but no such occurrence in the files" % e["source_key"])
            continue
        for f in d:
            got = e[f]
            if f in ("calendars", "files"):
                got = sorted(got)
            if got != d[f]:
                bad("%s (%s): %s %s, from the bytes %s" % (e["source_key"], e["kind"], f,
                                                           json.dumps(got), json.dumps(d[f])))
    for k in sorted(derived)[:10]:
        bad("%s: in the files, not in cal-expect.jsonl" % k)
    statuses, reasons = {}, {}
    for e in expect:
        if e["outcome"] == "logged":
            statuses[e["status"]] = statuses.get(e["status"], 0) + 1
        else:
            reasons[e["reason"]] = reasons.get(e["reason"], 0) + 1
    s = summary
    if s["occurrences"] != len(expect) or s["logged"] != sum(statuses.values()) or \
            s["skipped"] != sum(reasons.values()) or s["statuses"] != dict(sorted(
                statuses.items())) or s["reasons"] != dict(sorted(reasons.items())) or \
            s["events"] != len(objects) or sum(s["calendars"].values()) != nfiles:
        bad("summary counts disagree with cal-expect.jsonl and the files")
    if all_cases:
        if STATUSES - set(statuses):
            bad("statuses never expected: %s" % sorted(STATUSES - set(statuses)))
        want = {"internal", "unmatched"} | ({"ignored"} if ignore else set())
        if want - set(reasons):
            bad("reasons never expected: %s" % sorted(want - set(reasons)))
        if {"inbound", "outbound"} - {e["direction"] for e in expect}:
            bad("not both directions")
        if len(crm["users"]) > 1 and not any(len(e["owners"]) > 1 and e["outcome"] == "logged"
                                             for e in expect):
            bad("no logged meeting with two owners")
        for c in ("override-moved", "override-cancelled", "exdate", "all-day", "vtimezone",
                  "windows-zone", "floating", "deal link by tag",
                  "deal link by deal-contact", "ambiguous meeting"):
            if c not in cases:
                bad("no %s" % c)
    for p in problems[:30]:
        print("PROBLEM:", p)
    if len(problems) > 30:
        print("... and %d more" % (len(problems) - 30))
    print("verify_cal: %d objects, %d files, %d occurrences, %d problems" % (
        len(objects), nfiles, len(expect), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""One report run in text, CSV and JSON carries the same numbers.

usage: check_report_formats.py BASE [--fixture] [--kind KEY=KIND]... -- REPORT ARGS...
       check_report_formats.py --cross WHAT JSON... [ARG]

BASE.json, BASE.csv and BASE.txt are the three formats of one run of
`crmsync report REPORT ARGS...` (the arguments as given, without
--format). Prints one line per check, "ok WHAT" or "FAIL WHAT: details".

Formats (always): the JSON's tables are the contract's (docs/report-json.md,
in order: "rows", then "stale_deals" or "credits"); the CSV holds the same
tables in that order (RFC 4180, an empty line between tables), its header
row the table's keys, every row equal to the JSON's row cell by cell as
reports/render.c writes each kind (money a "1250.00" string in both, rates
"%.4f" in CSV and 6 significant digits in JSON, two decimals for hours and
days, RFC 3339 times, empty CSV cell = JSON null); the text's tables
(column groups of at most 100 columns, each repeating the leading text
columns) hold the same rows: text cut to 28 columns with "~" and control
characters as spaces, rates as "12.5%", durations as "5m00s", "1h05m" or
"2.5d", times as their date, null as "-"; its header line shows the
report, the range's local dates, the zone and the period, and its
parameter lines every JSON parameter and the currency.

Properties (not with --fixture, which checks report_fixture's hand-built
documents; --kind KEY=KIND gives a column another kind, one of text, int,
money, rate, num, seconds, date and time: the fixture's win_rate_forecast
is a rate): the JSON echoes the zone, period, model, half-life, mode, user
and range (--from/--to dates as local midnights in the zone) passed; the
text's totals row is the sum of the rows where the report defines it so;
rates are exact quotients of the counts they are defined by (shown in each
format as that quotient prints); activity has a row per user per period;
attribution credits of each model sum exactly to the won value of the rows;
funnel `reached` never grows down the stages in ordered mode, cumulative
conversion is N(k)/N(1), next-step N(k+1)/N(k), drop-off N(k) - N(k+1);
and the figures that must not all be zero on the generated data are not.

--cross compares runs over the same data: "sums" (activity runs of one
range and zone at different periods: per-user sums agree), "user FULL
ONE EMAIL" (the --user run is the full run's rows of that user, its stale
deals the full run's of that owner), "models ALL ONE..." (each one-model
run's rows are ALL's and its credits ALL's of that model), "halflife A B"
(only time-decay credits differ), "funnel ORDERED ANY" (any reaches at
least as many as ordered), "forecast A B" (other zone, same totals).
"""
import argparse
import csv
import datetime as dt
import io
import json
import re
import sys
from decimal import Decimal
from zoneinfo import ZoneInfo

T, I, M, R, N, S, D, TM = "text", "int", "money", "rate", "num", "seconds", "date", "time"

# docs/report-json.md: the tables of each report, their keys and kinds.
CONTRACT = {
    "activity": {
        "rows": [("user", T), ("period_start", D), ("emails_sent", I),
                 ("emails_received", I), ("meetings_held", I), ("meeting_hours", N),
                 ("calls", I), ("contacts_touched", I), ("deals_touched", I),
                 ("first_response_median_s", S), ("first_response_p90_s", S)],
        "stale_deals": [("deal", T), ("name", T), ("owner", T), ("last_activity", TM)],
    },
    "attribution": {
        "rows": [("source", T), ("leads", I), ("deals", I), ("won", I), ("won_value", M),
                 ("lead_to_deal", R), ("deal_to_won", R), ("median_days_to_close", N)],
        "credits": [("model", T), ("channel", T), ("value", M)],
    },
    "funnel": {
        "rows": [("stage", T), ("reached", I), ("next_step_conversion", R),
                 ("cumulative_conversion", R), ("drop_off", I), ("median_days_in_stage", N)],
    },
    "forecast": {
        "rows": [("month", T), ("deals", I), ("value", M), ("weighted_value", M),
                 ("win_rate_forecast", M)],
    },
}
MODELS = ["first", "last", "linear", "u-shaped", "w-shaped", "time-decay"]
# Row figures the text's totals row sums (activity's touched counts are
# distinct over the range, so only bounded by the rows).
SUMMED = {
    "activity": ["emails_sent", "emails_received", "meetings_held", "calls"],
    "attribution": ["leads", "deals", "won", "won_value"],
    "forecast": ["deals", "value", "weighted_value", "win_rate_forecast"],
}
# Figures the generated world must make non-zero somewhere.
NONZERO = {
    "activity": ["emails_sent", "emails_received", "meetings_held", "meeting_hours",
                 "contacts_touched", "deals_touched", "first_response_median_s"],
    "attribution": ["leads", "deals", "won", "won_value"],
    "funnel": ["reached", "drop_off"],
    "forecast": ["deals", "value", "weighted_value", "win_rate_forecast"],
}
TEXT_MAX, TEXT_WIDTH = 28, 100
DASHES = re.compile(r"^-+(  -+)*$")
MONEY_RE = re.compile(r"^-?[0-9]+\.[0-9]{2}$")
TIME_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

def say(ok, what, bad=None):
    if ok:
        print("ok " + what, flush=True)
    else:
        detail = "; ".join(str(b) for b in (bad or [])[:4])
        more = " (+%d more)" % (len(bad) - 4) if bad and len(bad) > 4 else ""
        print("FAIL %s%s%s" % (what, ": " + detail if detail else "", more), flush=True)


# ---- display width, as reports/render.c measures it ----------------------------

WIDE = [(0x1100, 0x115f), (0x2e80, 0x303e), (0x3041, 0x33ff), (0x3400, 0x4dbf),
        (0x4e00, 0x9fff), (0xa000, 0xa4cf), (0xac00, 0xd7a3), (0xf900, 0xfaff),
        (0xfe30, 0xfe4f), (0xff00, 0xff60), (0xffe0, 0xffe6), (0x1f300, 0x1f64f),
        (0x1f900, 0x1f9ff), (0x20000, 0x3fffd)]


def cp_width(c):
    if 0x300 <= c <= 0x36f or c in (0x200b, 0x200d):
        return 0
    return 2 if any(a <= c <= b for a, b in WIDE) else 1


def width(s):
    return sum(cp_width(ord(c)) for c in s)


def flatten(s):
    return "".join(" " if ord(c) < 0x20 or ord(c) == 0x7f else c for c in s)


def clip(s, n=TEXT_MAX):
    if width(s) <= n:
        return s
    w, kept = 0, []
    for c in s:
        if w + cp_width(ord(c)) > n - 1:
            break
        w += cp_width(ord(c))
        kept.append(c)
    return "".join(kept) + "~"


def columns(line):
    """The line as a list of display columns (a wide character fills two)."""
    cols = []
    for c in line:
        w = cp_width(ord(c))
        if w == 0 and cols:
            cols[-1] += c
        elif w == 2:
            cols += [c, ""]
        else:
            cols.append(c)
    return cols


# ---- reading the three formats ---------------------------------------------------


def read_csv(path):
    """The tables of a CSV file: lists of rows, split at empty lines."""
    text = open(path, newline="", encoding="utf-8", errors="surrogateescape").read()
    tables, cur = [], []
    for row in csv.reader(io.StringIO(text, newline="")):
        if row == []:
            tables.append(cur)
            cur = []
        else:
            cur.append(row)
    tables.append(cur)
    return text, tables


class TextTable:
    def __init__(self, title):
        self.title, self.groups, self.empty = title, [], False


def read_text(path):
    """(header line, parameter lines, tables, lines): each table a title,
    "(none)" or column groups: (titles, rows, totals or None), every row a
    list of cells cut at the dash line's columns."""
    lines = open(path, encoding="utf-8", errors="surrogateescape").read().split("\n")
    if lines[-1] != "":
        raise ValueError("no newline at the end")
    # The currency note after the tables (deals in other currencies left
    # out of the money figures), kept apart.
    read_text.note = None
    if len(lines) >= 3 and lines[-2].startswith("money in ") and lines[-3] == "":
        read_text.note = lines[-2]
        lines = lines[:-3] + [""]
    pos = 1
    while lines[pos] != "":
        pos += 1
    head, params = lines[0], lines[1:pos]
    pos += 1
    tables = []
    end = len(lines) - 1
    while pos < end:
        t = TextTable(lines[pos])
        tables.append(t)
        pos += 1
        if lines[pos] == "(none)":
            t.empty = True
            pos += 1
        else:
            while True:
                header, dash = lines[pos], lines[pos + 1]
                if not DASHES.match(dash):
                    raise ValueError("line %d: no dash line under %r" % (pos + 2, header))
                spans = [(m.start(), m.end()) for m in re.finditer(r"-+", dash)]

                def cells(line):
                    c = columns(line)
                    return ["".join(c[a:b]).strip(" ") for a, b in spans]

                rows, totals = [], None
                pos += 2
                while pos < end and lines[pos] != "":
                    if lines[pos] == dash:
                        totals = cells(lines[pos + 1])
                        pos += 2
                        continue
                    rows.append(cells(lines[pos]))
                    pos += 1
                t.groups.append((cells(header), rows, totals))
                if pos + 2 < end and lines[pos] == "" and lines[pos + 1] != "" and \
                        DASHES.match(lines[pos + 2]):
                    pos += 1
                    continue
                break
        if pos < end:
            if lines[pos] != "":
                raise ValueError("line %d: no empty line after a table" % (pos + 1))
            pos += 1
    return head, params, tables, lines


def merge_groups(t, ncols):
    """A text table's groups joined into full rows: the leading key columns
    repeated in later groups are checked and dropped. Returns (rows, totals,
    problems)."""
    bad = []
    (h0, rows, totals) = t.groups[0]
    rows = [list(r) for r in rows]
    totals = list(totals) if totals is not None else None
    titles = list(h0)
    for h, grows, gtot in t.groups[1:]:
        nkey = 0
        while nkey < len(h) and nkey < len(h0) and h[nkey] == h0[nkey] and nkey < 2:
            nkey += 1
        if len(grows) != len(rows):
            bad.append("group %r has %d rows, the first %d" % (h, len(grows), len(rows)))
            continue
        for i, r in enumerate(grows):
            if r[:nkey] != rows[i][:nkey]:
                bad.append("row %d: key cells %r in a later group, %r in the first" %
                           (i, r[:nkey], rows[i][:nkey]))
            rows[i] += r[nkey:]
        if (gtot is None) != (totals is None):
            bad.append("totals row in some groups only")
        elif totals is not None:
            totals += gtot[nkey:]
        titles += h[nkey:]
    if len(titles) != ncols:
        bad.append("%d text columns %r, want %d" % (len(titles), titles, ncols))
    return rows, totals, bad


# ---- cells --------------------------------------------------------------------------


def fmt_seconds(s):
    if s < 3600:
        return "%dm%02ds" % (s // 60, s % 60)
    if s < 86400 * 2:
        return "%dh%02dm" % (s // 3600, s // 60 % 60)
    return "%.1fd" % (s / 86400.0)


def g6_interval(j):
    """Where the value printed as j with %.6g can lie."""
    e = abs(j) * Decimal("0.0000050001")
    return j - e, j + e


def meet(*ivals):
    lo = max(a for a, _ in ivals)
    hi = min(b for _, b in ivals)
    return lo <= hi + Decimal("1e-12")


def json_type_ok(kind, v, fixture):
    if v is None:
        return fixture or kind not in (I, M)
    if kind in (T, D, M, TM):
        if not isinstance(v, str):
            return False
        return {M: MONEY_RE, D: DATE_RE, TM: TIME_RE}.get(kind, re.compile("")).match(v)
    if kind in (I, S):
        return isinstance(v, int) and not isinstance(v, bool)
    return isinstance(v, (int, Decimal)) and not isinstance(v, bool)


def csv_cell(kind, v, c, exact=None):
    """None when the CSV cell c agrees with the JSON value v, else why not."""
    if v is None:
        return None if c == "" else "null in JSON, %r in CSV" % c
    if kind in (T, D, M, TM):
        return None if c == v else "%r in JSON, %r in CSV" % (v, c)
    if kind in (I, S):
        return None if c == str(v) else "%s in JSON, %r in CSV" % (v, c)
    places = 4 if kind == R else 2
    if not re.match(r"^-?[0-9]+\.[0-9]{%d}$" % places, c):
        return "%r in CSV is no %%.%df" % (c, places)
    if exact is not None and c != "%.*f" % (places, exact):
        return "%r in CSV, want %.*f (%r)" % (c, places, exact, exact)
    half = Decimal(5).scaleb(-places - 1)
    if not meet(g6_interval(Decimal(v)), (Decimal(c) - half, Decimal(c) + half)):
        return "%s in JSON and %r in CSV are not one number" % (v, c)
    return None


def text_cell(kind, v, c, csvc, exact=None):
    """None when the text cell c shows the JSON value v, else why not."""
    if v is None:
        want = "-"
    elif kind in (T, D):
        want = clip(flatten(v)).strip(" ")
    elif kind in (I, M):
        want = str(v)
    elif kind == S:
        want = fmt_seconds(v)
    elif kind == TM:
        want = v[:10]
    elif kind == N:
        want = csvc
    else:
        m = re.match(r"^(-?[0-9]+\.[0-9])%$", c)
        if not m:
            return "%r in text is no percentage" % c
        if exact is not None and c != "%.1f%%" % (exact * 100.0):
            return "%r in text, want %.1f%%" % (c, exact * 100.0)
        p = Decimal(m.group(1)) / 100
        if not meet(g6_interval(Decimal(v)), (p - Decimal("0.0005"), p + Decimal("0.0005"))):
            return "%s in JSON and %r in text are not one number" % (v, c)
        return None
    return None if c == want else "%r in text, want %r (JSON %r)" % (c, want, v)


# ---- one run --------------------------------------------------------------------------


def local_midnight(day, tz):
    y, m, d = map(int, day.split("-"))
    t = dt.datetime(y, m, d, tzinfo=ZoneInfo(tz)).astimezone(dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def local_date(rfc, tz):
    t = dt.datetime.strptime(rfc, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    return t.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d")


def rate_exact(report, table, rows, k, key):
    """The quotient a rate cell is, from the counts of its row (and table),
    or None when the report does not say. Integers are found from the JSON
    value when the numerator is no column (deal_to_won)."""
    r = rows[k]
    if report == "funnel":
        n = r["reached"]
        if key == "next_step_conversion":
            return (rows[k + 1]["reached"], n) if k + 1 < len(rows) and n > 0 else "null"
        return (n, rows[0]["reached"]) if rows[0]["reached"] > 0 else "null"
    if report == "attribution" and table == "rows":
        if key == "lead_to_deal":
            # The leads on a deal (a cohort, no column): from the JSON
            # value, and never more than the leads.
            if r["leads"] == 0:
                return "null"
            if r[key] is None:
                return None
            num = int((Decimal(r[key]) * r["leads"]).to_integral_value())
            return (num, r["leads"]) if 0 <= num <= r["leads"] else (-1, 1)
        if r["deals"] == 0:
            return "null"
        if r[key] is None:
            return None
        return (int((Decimal(r[key]) * r["deals"]).to_integral_value()), r["deals"])
    return None


def check_run(base, fixture, kinds, cli):
    name = base.rsplit("/", 1)[-1]
    report = cli.report
    try:
        raw = open(base + ".json", encoding="utf-8").read()
        doc = json.loads(raw, parse_float=Decimal)
        csv_text, ctabs = read_csv(base + ".csv")
        head, params, ttabs, tlines = read_text(base + ".txt")
    except (OSError, ValueError, IndexError, csv.Error) as e:
        say(False, "%s: the three formats read" % name, [repr(e)])
        return
    say(True, "%s: JSON, CSV and text read" % name)
    others = doc.get("other_currencies") or []
    if others:
        want = "money in %s; " % doc["currency"]
        say(read_text.note is not None and read_text.note.startswith(want) and
            all("in %s" % o["currency"] in read_text.note for o in others),
            "%s: the text names the currencies left out" % name,
            ["note %r, other_currencies %r" % (read_text.note, others)])
    else:
        say(read_text.note is None, "%s: no currency note when one currency" % name,
            [repr(read_text.note)])

    # The tables and their keys.
    contract = CONTRACT[report]
    # other_currencies is a list of notes (docs/report-json.md, "Money and
    # currencies"), not a table.
    names = [k for k, v in doc.items() if isinstance(v, list) and k != "other_currencies"]
    bad = []
    if names != list(contract):
        bad.append("JSON tables %r, want %r" % (names, list(contract)))
    if len(ctabs) != len(contract):
        bad.append("%d CSV tables, want %d" % (len(ctabs), len(contract)))
    if len(ttabs) != len(contract):
        bad.append("%d text tables, want %d" % (len(ttabs), len(contract)))
    if not csv_text.endswith("\r\n") or "\n" in csv_text.replace("\r\n", ""):
        if not fixture:
            bad.append("CSV lines do not all end in CRLF")
    say(not bad, "%s: tables %s in every format" % (name, "/".join(contract)), bad)
    if bad:
        return
    for ti, (tname, cols) in enumerate(contract.items()):
        keys = [k for k, _ in cols]
        kind = {k: kinds.get(k, kd) for k, kd in cols}
        jrows = doc[tname]
        chead, crows = ctabs[ti][0] if ctabs[ti] else [], ctabs[ti][1:]
        what = "%s %s" % (name, tname)
        bad = []
        if chead != keys:
            bad.append("CSV header %r" % chead)
        for i, r in enumerate(jrows):
            if list(r) != keys:
                bad.append("JSON row %d keys %r" % (i, list(r)))
            bad += ["JSON row %d %s: %r is no %s" % (i, k, r.get(k), kind[k])
                    for k in keys if k in r and not json_type_ok(kind[k], r[k], fixture)]
        say(not bad, "%s: keys are the contract's, JSON cells typed (%d rows)" %
            (what, len(jrows)), bad)
        if bad:
            continue

        exact = {}
        if not fixture:
            for k, r in enumerate(jrows):
                for key in keys:
                    if kind[key] == R:
                        q = rate_exact(report, tname, jrows, k, key)
                        if q is not None:
                            exact[k, key] = q

        # JSON = CSV.
        bad = []
        if len(crows) != len(jrows):
            bad.append("%d CSV rows, %d JSON rows" % (len(crows), len(jrows)))
        for i, (j, c) in enumerate(zip(jrows, crows)):
            if len(c) != len(keys):
                bad.append("CSV row %d has %d cells" % (i, len(c)))
                continue
            for key, cc in zip(keys, c):
                q = exact.get((i, key))
                if q == "null":
                    e = None if j[key] is None else "JSON %s, want null" % j[key]
                else:
                    e = csv_cell(kind[key], j[key], cc, q[0] / q[1] if q else None)
                if e:
                    bad.append("row %d %s: %s" % (i, key, e))
        say(not bad, "%s: CSV = JSON cell by cell (%d rows)" % (what, len(jrows)), bad)

        # JSON = text.
        t = ttabs[ti]
        bad = []
        if t.empty:
            trows, ttot = [], None
            if jrows:
                bad.append("text says (none), JSON has %d rows" % len(jrows))
        else:
            trows, ttot, bad = merge_groups(t, len(keys))
            if len(trows) != len(jrows):
                bad.append("%d text rows, %d JSON rows" % (len(trows), len(jrows)))
        if not bad:
            for i, (j, tr) in enumerate(zip(jrows, trows)):
                for n, key in enumerate(keys):
                    q = exact.get((i, key))
                    cc = crows[i][n] if i < len(crows) and n < len(crows[i]) else None
                    if q == "null":
                        e = None if tr[n] == "-" else "%r in text, want -" % tr[n]
                    else:
                        e = text_cell(kind[key], j[key], tr[n], cc, q[0] / q[1] if q else None)
                    if e:
                        bad.append("row %d %s: %s" % (i, key, e))
        say(not bad, "%s: text = JSON cell by cell (%d rows, %d column groups)" %
            (what, len(jrows), len(t.groups)), bad)
        if not fixture and not t.empty:
            check_totals(what, report, tname, keys, kind, jrows, ttot)
        if not fixture:
            bad = []
            for (i, key), q in exact.items():
                if q != "null":
                    v = Decimal(jrows[i][key])
                    lo, hi = g6_interval(v)
                    if not lo <= Decimal(q[0]) / Decimal(q[1]) <= hi:
                        bad.append("row %d %s: %s in JSON, want %d/%d" % (i, key, v, *q))
            rates = [k for k in keys if kind[k] == R]
            if rates:
                say(not bad, "%s: rates %s are their quotients (%d cells)" %
                    (what, "/".join(rates), len(exact)), bad)

    check_header(name, doc, json.loads(raw, parse_int=str, parse_float=str)["params"], head,
                 params)
    wide = [i + 1 for i, l in enumerate(tlines) if width(l) > TEXT_WIDTH]
    say(not wide, "%s: text lines fit %d columns" % (name, TEXT_WIDTH),
        ["line %d: %d columns" % (i, width(tlines[i - 1])) for i in wide])
    if not fixture:
        check_echo(name, doc, cli)
        check_props(name, report, doc, cli)


def check_header(name, doc, raw, head, params):
    want = "%s report, %s to %s (%s), by %s" % (
        doc["report"], local_date(doc["from"], doc["tz"]),
        local_date(prev_second(doc["to"]), doc["tz"]), doc["tz"], doc["period"])
    bad = [] if head == want else ["%r, want %r" % (head, want)]
    text = flatten(", ".join(params))
    for k, v in raw.items():
        if k == "currency":  # the text shows it as "money in EUR", checked below
            continue
        item = flatten("%s: %s" % (k, v if v != "" else "-"))
        if item not in text:
            bad.append("no %r in %r" % (item, text))
    if (doc["currency"] is not None) != ("money in %s" % doc["currency"] in text):
        bad.append("currency %r, parameters %r" % (doc["currency"], text))
    say(not bad, "%s: text header = JSON report, range, tz, period, params, currency" % name, bad)


def prev_second(rfc):
    t = dt.datetime.strptime(rfc, "%Y-%m-%dT%H:%M:%SZ") - dt.timedelta(seconds=1)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def check_totals(what, report, tname, keys, kind, jrows, ttot):
    if tname != "rows" or report == "funnel":
        if ttot is not None:
            say(False, "%s: no totals row" % what, [ttot])
        return
    bad = []
    if ttot is None:
        say(False, "%s: text totals row" % what, ["none"])
        return
    if ttot[0] != "total":
        bad.append("first cell %r" % ttot[0])
    col = dict(zip(keys, ttot))
    for key in SUMMED[report]:
        if kind[key] == M:
            s = sum(Decimal(r[key]) for r in jrows)
            want = "%.2f" % s
        else:
            want = str(sum(r[key] for r in jrows))
        if col[key] != want:
            bad.append("%s %r, rows sum to %s" % (key, col[key], want))
    if report == "activity":
        h = sum(Decimal(r["meeting_hours"]) for r in jrows)
        if abs(Decimal(col["meeting_hours"]) - h) > Decimal("0.006") + h * Decimal("1e-5"):
            bad.append("meeting_hours %r, rows sum to %s" % (col["meeting_hours"], h))
        for key in ("contacts_touched", "deals_touched"):
            v = int(col[key])
            if jrows and not max(r[key] for r in jrows) <= v <= sum(r[key] for r in jrows):
                bad.append("%s %d outside the rows' max..sum" % (key, v))
    if report == "attribution" and int(col["leads"]) > 0:
        conv = sum(int((Decimal(r["lead_to_deal"]) * r["leads"]).to_integral_value())
                   for r in jrows if r["leads"] > 0 and r["lead_to_deal"] is not None)
        want = "%.1f%%" % (conv / int(col["leads"]) * 100.0)
        if col["lead_to_deal"] != want:
            bad.append("lead_to_deal %r, want %s" % (col["lead_to_deal"], want))
    say(not bad, "%s: text totals = the rows' sums (%s)" % (what, ", ".join(SUMMED[report])), bad)


def check_echo(name, doc, cli):
    bad = []
    p = doc["params"]
    if doc["report"] != cli.report:
        bad.append("report %r" % doc["report"])
    if cli.tz and doc["tz"] != cli.tz:
        bad.append("tz %r, passed %r" % (doc["tz"], cli.tz))
    if doc["period"] != (cli.period or "week"):
        bad.append("period %r, passed %r" % (doc["period"], cli.period))
    if cli.report == "attribution":
        if p.get("model") != (cli.model or "all"):
            bad.append("model %r, passed %r" % (p.get("model"), cli.model))
        hl = Decimal(cli.half_life or "7")
        if not isinstance(p.get("half_life_days"), (int, Decimal)) or \
                Decimal(p["half_life_days"]) != hl:
            bad.append("half_life_days %r, passed %s" % (p.get("half_life_days"), hl))
    if cli.report == "funnel" and p.get("mode") != (cli.mode or "ordered"):
        bad.append("mode %r, passed %r" % (p.get("mode"), cli.mode))
    if cli.report == "activity":
        if p.get("user") != (cli.user or ""):
            bad.append("user %r, passed %r" % (p.get("user"), cli.user))
        if p.get("stale_days") != 14:
            bad.append("stale_days %r" % p.get("stale_days"))
    say(not bad, "%s: JSON echoes report, tz, period and params passed" % name, bad)
    if cli.report != "forecast" and cli.from_ and cli.to:
        want = (local_midnight(cli.from_, doc["tz"]), local_midnight(cli.to, doc["tz"]))
        got = (doc["from"], doc["to"])
        say(got == want, "%s: JSON from/to are the local midnights of --from %s --to %s in %s" %
            (name, cli.from_, cli.to, doc["tz"]),
            ["from/to %s %s, want %s %s" % (got + want)])


def check_props(name, report, doc, cli):
    rows = doc["rows"]
    bad = [k for k in NONZERO[report] if not any(r[k] not in (None, 0, "0.00") for r in rows)]
    say(not bad, "%s: some %s non-zero" % (name, "/".join(NONZERO[report])),
        ["all %s zero or null" % k for k in bad])
    if report == "activity":
        users = sorted({r["user"] for r in rows})
        per = {u: [r["period_start"] for r in rows if r["user"] == u] for u in users}
        starts = per[users[0]] if users else []
        bad = []
        if cli.user and users != [cli.user]:
            bad.append("users %r, want only %s" % (users, cli.user))
        if any(per[u] != starts for u in users):
            bad.append("users have different periods")
        if starts != sorted(set(starts)):
            bad.append("periods not ascending: %r" % starts)
        days = [dt.date.fromisoformat(s) for s in starts]
        step = {"day": lambda d: True, "week": lambda d: d.weekday() == 0,
                "month": lambda d: d.day == 1}[doc["period"]]
        bad += ["%s does not start a %s" % (d, doc["period"]) for d in days if not step(d)]
        if doc["period"] == "day":
            bad += ["%s then %s" % (a, b) for a, b in zip(days, days[1:])
                    if (b - a).days != 1]
        if doc["from"] and starts and local_date(doc["from"], doc["tz"]) < starts[0]:
            bad.append("first period %s after from %s" % (starts[0], doc["from"]))
        say(not bad and bool(starts), "%s: a row per user per %s (%d users, %d periods)" %
            (name, doc["period"], len(users), len(starts)), bad)
        bad = [(r["first_response_median_s"], r["first_response_p90_s"]) for r in rows
               if (r["first_response_median_s"] is None) != (r["first_response_p90_s"] is None)
               or (r["first_response_median_s"] is not None and
                   r["first_response_median_s"] > r["first_response_p90_s"])]
        say(not bad, "%s: response median <= p90, both or neither null" % name, bad)
        st = doc["stale_deals"]
        bad = [d["deal"] for d in st if cli.user and d["owner"] != cli.user]
        lasts = [d["last_activity"] for d in st]
        nones = [x for x in lasts if x is None]
        if lasts[:len(nones)] != nones or lasts[len(nones):] != sorted(lasts[len(nones):]):
            bad.append("not never-touched first, then oldest first: %r" % lasts)
        say(not bad and bool(st), "%s: %d stale deals%s, never-touched first, then oldest" %
            (name, len(st), " of " + cli.user if cli.user else ""), bad)
    elif report == "attribution":
        won = sum(Decimal(r["won_value"]) for r in rows)
        models = MODELS if (cli.model or "all") == "all" else [cli.model]
        cr = doc["credits"]
        bad = ["credit %r" % c for c in cr if c["model"] not in models or
               Decimal(c["value"]) < 0]
        for m in models:
            s = sum(Decimal(c["value"]) for c in cr if c["model"] == m)
            if s != won:
                bad.append("%s credits sum to %s, won value %s" % (m, s, won))
        say(not bad and won > 0, "%s: credits of each of %s sum to the won value %s" %
            (name, "/".join(models), won), bad)
        acts = {"email-inbound", "email-outbound", "meeting", "call"}
        first = [c["channel"] for c in cr if c["model"] == "first" and c["channel"] in acts]
        touch = sorted({c["channel"] for c in cr if c["model"] != "first"} & acts)
        if models != ["first"]:
            say(bool(touch), "%s: some credit goes to activity channels (%s)" %
                (name, "/".join(touch)), ["none of %s credited" % "/".join(sorted(acts))])
        if "first" in models:
            say(not first, "%s: first-touch credits only lead sources" % name, first)
    elif report == "funnel":
        n = [r["reached"] for r in rows]
        bad = []
        if (cli.mode or "ordered") == "ordered":
            bad += ["%s %d, then %s %d" % (rows[k]["stage"], n[k], rows[k + 1]["stage"], n[k + 1])
                    for k in range(len(n) - 1) if n[k + 1] > n[k]]
        for k, r in enumerate(rows):
            want = n[k] - n[k + 1] if k + 1 < len(n) else 0
            if r["drop_off"] != want:
                bad.append("%s drop_off %s, want %d" % (r["stage"], r["drop_off"], want))
        say(not bad and len(rows) > 1 and n[0] > 0,
            "%s: reached %s%s, drop-off N(k)-N(k+1)" %
            (name, n, " never grows down the stages" if cli.mode != "any" else ""), bad)
    elif report == "forecast":
        months = [r["month"] for r in rows]
        dated = [m for m in months if m != "(none)"]
        bad = [] if dated == sorted(set(dated)) and months[len(dated):] in ([], ["(none)"]) \
            else ["months %r" % months]
        say(not bad and len(rows) > 1, "%s: months ascending, (none) last" % name, bad)


# ---- across runs ----------------------------------------------------------------------


def load(path):
    return json.load(open(path, encoding="utf-8"), parse_float=Decimal)


def cross(what, args):
    if what == "sums":
        docs = [(a.rsplit("/", 1)[-1], load(a)) for a in args]
        keys = ["emails_sent", "emails_received", "meetings_held", "calls", "meeting_hours"]
        sums = []
        for n, d in docs:
            s = {}
            for r in d["rows"]:
                for k in keys:
                    s[r["user"], k] = s.get((r["user"], k), 0) + Decimal(r[k])
            sums.append((n, d["period"], s))
        bad = []
        for n, p, s in sums[1:]:
            for key, v in sorted(sums[0][2].items()):
                w = s.get(key)
                tol = Decimal("0.0001") if key[1] == "meeting_hours" else 0
                if w is None or abs(w - v) > tol:
                    bad.append("%s %s: %s by %s, %s by %s" % (key + (v, sums[0][1], w, p)))
        say(not bad and any(sums[0][2].values()),
            "activity per day/week/month over one range: the same per-user sums (%s)" %
            ", ".join(n for n, _, _ in sums), bad)
    elif what == "user":
        full, one, user = load(args[0]), load(args[1]), args[2]
        want = [r for r in full["rows"] if r["user"] == user]
        bad = [] if one["rows"] == want else ["%d rows, want %d" % (len(one["rows"]), len(want))]
        st = [d for d in full["stale_deals"] if d["owner"] == user]
        if one["stale_deals"] != st:
            bad.append("stale deals %r, want %r" % ([d["deal"] for d in one["stale_deals"]],
                                                    [d["deal"] for d in st]))
        say(not bad and bool(want), "activity --user %s: the full run's rows and stale deals "
            "of that user (%d rows)" % (user, len(want)), bad)
    elif what == "models":
        full = load(args[0])
        for a in args[1:]:
            d = load(a)
            m = d["params"]["model"]
            want = [c for c in full["credits"] if c["model"] == m]
            bad = [] if d["rows"] == full["rows"] else ["rows differ"]
            if d["credits"] != want:
                bad.append("credits %r, want %r" % (d["credits"], want))
            say(not bad and bool(want), "attribution --model %s: the rows and %s credits of "
                "--model all" % (m, m), bad)
    elif what == "halflife":
        a, b = load(args[0]), load(args[1])
        bad = [] if a["rows"] == b["rows"] else ["rows differ"]
        for m in MODELS:
            x = [c for c in a["credits"] if c["model"] == m]
            y = [c for c in b["credits"] if c["model"] == m]
            if (x != y) != (m == "time-decay"):
                bad.append("%s credits %s" % (m, "equal" if x == y else "differ"))
        say(not bad, "attribution half-life %s vs %s: only time-decay credits differ" %
            (a["params"]["half_life_days"], b["params"]["half_life_days"]), bad)
    elif what == "funnel":
        o, a = load(args[0]), load(args[1])
        bad = [] if [r["stage"] for r in o["rows"]] == [r["stage"] for r in a["rows"]] else \
            ["stages differ"]
        bad += ["%s: ordered %d, any %d" % (x["stage"], x["reached"], y["reached"])
                for x, y in zip(o["rows"], a["rows"]) if y["reached"] < x["reached"]]
        more = any(y["reached"] > x["reached"] for x, y in zip(o["rows"], a["rows"]))
        say(not bad and more, "funnel: any reaches every stage at least as often as ordered, "
            "some more often", bad)
    elif what == "forecast":
        a, b = load(args[0]), load(args[1])
        bad = []
        for k in ("deals", "value", "weighted_value", "win_rate_forecast"):
            x = sum(Decimal(r[k]) for r in a["rows"])
            y = sum(Decimal(r[k]) for r in b["rows"])
            if x != y:
                bad.append("%s %s in %s, %s in %s" % (k, x, a["tz"], y, b["tz"]))
        say(not bad, "forecast in %s and %s: the same totals" % (a["tz"], b["tz"]), bad)
    else:
        raise SystemExit("unknown --cross %s" % what)


def main():
    argv = sys.argv[1:]
    if argv and argv[0] == "--cross":
        cross(argv[1], argv[2:])
    else:
        dash = argv.index("--")
        mine, run = argv[:dash], argv[dash + 1:]
        me = argparse.ArgumentParser()
        me.add_argument("base")
        me.add_argument("--fixture", action="store_true")
        me.add_argument("--kind", action="append", default=[])
        a = me.parse_args(mine)
        rp = argparse.ArgumentParser()
        rp.add_argument("report", choices=list(CONTRACT))
        for o in ("--from", "--to", "--period", "--tz", "--user", "--model", "--half-life",
                  "--mode", "--stale-days"):
            rp.add_argument(o, dest=o[2:].replace("-", "_") + ("_" if o == "--from" else ""))
        cli = rp.parse_args(run)
        check_run(a.base, a.fixture, dict(k.split("=", 1) for k in a.kind), cli)
    return 0


if __name__ == "__main__":
    sys.exit(main())

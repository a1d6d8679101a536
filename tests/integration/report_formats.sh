#!/bin/sh
# tests/integration/report_formats.sh - the reports on generated data: text,
# CSV and JSON of one run carry the same numbers (issue 6). A world from
# tests/gen/gen.py (CRM, mail, calendars; no servers) is loaded through the
# local backfill: the deals first open and at the start of their path, then
# the mail and meetings (so they link to the open deals), then the deals
# moved stage by stage (a path derived from each deal: straight, skipping a
# stage, moving back, or starting past the first) and finally to their
# generated stage, status and close. Every report then runs in the three
# formats, with UTC and Europe/Berlin (DST on 25 October), and
# check_report_formats.py compares them cell by cell and checks: the JSON
# echoes what was passed; attribution credits of each model sum exactly to
# the won value; funnel `reached` never grows down the stages in ordered
# mode and its conversions are the quotients of reached; the text totals
# are the rows' sums; runs over the same data agree with each other (per
# period, per user, per model). report_fixture's hand-built documents
# (wide and hostile text, column groups, empty tables) go through the same
# format comparison.
. "$(dirname "$0")/lib.sh"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
CHECK=$TOP/tests/integration/check_report_formats.py
FIX=${TOOL_BIN_DIR:-$TOP/build/tools}/report_fixture
W=$T/world
R=$T/r
export CRMSYNC_NOW=2026-11-01T12:00:00Z
mkdir -p "$R"

# verdicts FILE WHAT: the "ok ..." / "FAIL ..." lines of the checker (any
# other line, a traceback, fails too).
verdicts() {
	n=0
	while read -r verdict what; do
		n=$((n + 1))
		case $verdict in
		ok) ok ;;
		FAIL) fail "$what" ;;
		*) fail "$verdict $what" ;;
		esac
	done <"$1"
	[ "$n" -gt 0 ] || fail "$2: no checks ran: $(tail -n 3 "$1")"
}

# -- the world ------------------------------------------------------------------------
"$PY" "$TOP/tests/gen/gen.py" -q --out "$W" --seed 5 --reps 3 --companies 20 \
	--contacts-per-company 2 --threads 60 --months 6 --calendars --cal-meetings 20 \
	--now "$CRMSYNC_NOW" >"$T/out" 2>&1 || fail "generator: $(tail -n 3 "$T/out")"
printf '[store]\npath = %s\n\n[team]\ndomains = lumen.example\n' "$T/crm.db" >"$T/c.conf"

# Each deal's path through the stages: deals-K.csv puts every deal on step K
# of its path (open, entered at a time between its creation and its
# generated stage change); deals.csv itself is the last step.
steps=$("$PY" - "$W/crm" "$T" <<'PY'
import csv, datetime as dt, os, sys
crm, out = sys.argv[1:]
rd = lambda f: list(csv.DictReader(open(os.path.join(crm, f), newline="", encoding="utf-8")))
deals = rd("deals.csv")
ids = [s["id"] for s in sorted(rd("stages.csv"), key=lambda s: int(s["position"]))]
def ts(day):
    return dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc).timestamp()
paths = []
for i, d in enumerate(deals):
    f = ids.index(d["stage"])
    p = list(range(f + 1))
    if i % 6 == 1 and f >= 2:
        p.remove(1)                             # skips a stage
    elif i % 6 == 3 and f >= 2:
        p = [0, 1, 2, 1] + p[2:]                # moves back once
    elif i % 6 == 5 and f >= 1:
        p = p[1:]                               # starts past the first
    paths.append(p)
n = max(len(p) for p in paths) - 1
for k in range(max(n, 1)):
    with open(os.path.join(out, "deals-%d.csv" % k), "w", newline="", encoding="utf-8") as fp:
        w = csv.DictWriter(fp, list(deals[0]), lineterminator="\r\n")
        w.writeheader()
        for d, p in zip(deals, paths):
            j = max(0, min(k, len(p) - 2))
            a = ts(d["created_at"])
            b = max(a, ts(d["stage_changed_at"]))
            at = a + (b - a) * j / (len(p) - 1) if len(p) > 1 else a
            w.writerow(dict(d, stage=ids[p[j]], status="open", closed_at="",
                            stage_changed_at=dt.datetime.fromtimestamp(int(at), dt.timezone.utc)
                            .strftime("%Y-%m-%dT%H:%M:%SZ")))
print(max(n, 1))
PY
)
check "deal paths written" [ -s "$T/deals-0.csv" ]

crm -c "$T/c.conf" init
expect_rc 0 "init"
for k in users companies contacts stages; do
	crm -c "$T/c.conf" import $k "$W/crm/$k.csv"
	expect_rc 0 "import $k"
done
crm -c "$T/c.conf" import deals "$T/deals-0.csv"
expect_rc 0 "import deals, first step"
# Each rep's mail as one Maildir: INBOX as its cur/, Sent as its new/ (the
# private folder is left out).
for u in "$W"/mail/*; do
	md=$T/md/$(basename "$u")
	mkdir -p "$md"
	ln -s "$u/INBOX" "$md/cur"
	ln -s "$u/Sent" "$md/new"
	crm -c "$T/c.conf" import maildir "$md" --owner "$(basename "$u")"
	expect_rc 0 "import maildir of $(basename "$u")"
done
# One .ics per calendar, its objects' VCALENDARs one after the other: one
# import each (parsers/ics.c reads every VCALENDAR of a file).
for u in "$W"/cal/*; do
	cat "$u"/work/*.ics >"$T/$(basename "$u").ics"
	crm -c "$T/c.conf" import ics "$T/$(basename "$u").ics" --owner "$(basename "$u")" \
		--timezone Europe/Berlin
	expect_rc 0 "import ics of $(basename "$u")"
done
k=1
while [ "$k" -lt "${steps:-1}" ]; do
	crm -c "$T/c.conf" import deals "$T/deals-$k.csv"
	expect_rc 0 "import deals, step $k"
	k=$((k + 1))
done
crm -c "$T/c.conf" import deals "$W/crm/deals.csv"
expect_rc 0 "import deals, their generated stage and close"
loaded=$(q "$T/crm.db" "SELECT (SELECT count(*) FROM activities WHERE kind = 'email') > 100
	AND (SELECT count(*) FROM activities WHERE kind = 'meeting') > 10
	AND (SELECT count(*) FROM stage_history) > (SELECT 2 * count(*) FROM deals)")
check "mail, meetings and stage moves loaded" [ "$loaded" = 1 ]

# -- the runs -------------------------------------------------------------------------
# run NAME REPORT ARGS...: the report in JSON, CSV and text, then the checker.
run() {
	name=$1
	shift
	for f in json csv text; do
		x=$f
		[ $f = text ] && x=txt
		crm -c "$T/c.conf" report "$@" --format $f -o "$R/$name.$x"
		expect_rc 0 "report $* --format $f"
	done
	"$PY" "$CHECK" "$R/$name" -- "$@" >"$T/check" 2>&1
	verdicts "$T/check" "$name"
}
# cross WHAT ARGS...: the checker's comparisons between runs.
cross() {
	"$PY" "$CHECK" --cross "$@" >"$T/check" 2>&1
	verdicts "$T/check" "cross $1"
}

alice=alice@lumen.example
bob=bob@lumen.example
# October in Berlin (DST ends on the 25th), and half a year in UTC.
run act-day-berlin activity --from 2026-10-01 --to 2026-11-01 --period day --tz Europe/Berlin
run act-day-berlin-alice activity --from 2026-10-01 --to 2026-11-01 --period day \
	--tz Europe/Berlin --user "$alice"
run act-week-berlin activity --from 2026-10-01 --to 2026-11-01 --period week --tz Europe/Berlin
run act-month-berlin activity --from 2026-10-01 --to 2026-11-01 --period month --tz Europe/Berlin
run act-week-utc-bob activity --from 2026-05-01 --to 2026-12-01 --period week --tz UTC --user "$bob"
run act-month-utc activity --from 2026-05-01 --to 2026-12-01 --period month --tz UTC
run act-month-utc-bob activity --from 2026-05-01 --to 2026-12-01 --period month --tz UTC \
	--user "$bob"
cross sums "$R/act-day-berlin.json" "$R/act-week-berlin.json" "$R/act-month-berlin.json"
cross sums "$R/act-week-utc-bob.json" "$R/act-month-utc-bob.json"
cross user "$R/act-day-berlin.json" "$R/act-day-berlin-alice.json" "$alice"
cross user "$R/act-month-utc.json" "$R/act-month-utc-bob.json" "$bob"

run attr-all attribution --from 2026-01-01 --to 2026-11-15 --tz UTC
for m in first last linear u-shaped w-shaped time-decay; do
	case $m in
	linear | w-shaped) tz=Europe/Berlin ;;
	*) tz=UTC ;;
	esac
	run "attr-$m" attribution --from 2026-01-01 --to 2026-11-15 --tz $tz --model $m
done
run attr-decay-hl attribution --from 2026-01-01 --to 2026-11-15 --tz UTC --model time-decay \
	--half-life 2.5
run attr-all-hl attribution --from 2026-01-01 --to 2026-11-15 --tz Europe/Berlin --model all \
	--half-life 30
cross models "$R/attr-all.json" "$R/attr-first.json" "$R/attr-last.json" \
	"$R/attr-linear.json" "$R/attr-u-shaped.json" "$R/attr-w-shaped.json" \
	"$R/attr-time-decay.json"
cross halflife "$R/attr-all.json" "$R/attr-all-hl.json"

run funnel-ordered funnel --from 2025-06-01 --to 2026-11-15 --tz UTC --mode ordered
run funnel-any funnel --from 2025-06-01 --to 2026-11-15 --tz UTC --mode any
run funnel-berlin funnel --from 2025-06-01 --to 2026-11-15 --tz Europe/Berlin
cross funnel "$R/funnel-ordered.json" "$R/funnel-any.json"

run forecast-utc forecast --tz UTC
run forecast-berlin forecast --tz Europe/Berlin
cross forecast "$R/forecast-utc.json" "$R/forecast-berlin.json"

# -- report_fixture's documents: the same comparison of formats ---------------------------
if [ -x "$FIX" ]; then
	${VALGRIND:-} "$FIX" "$T/fix" >"$T/out" 2>"$T/err"
	rc=$?
	expect_rc 0 "report_fixture"
	for n in activity attribution funnel forecast empty; do
		r=$n
		[ $n = empty ] && r=activity
		"$PY" "$CHECK" "$T/fix/$n" --fixture --kind win_rate_forecast=rate -- $r >"$T/check" 2>&1
		verdicts "$T/check" "fixture $n"
	done
else
	fail "$FIX is not built (make unit)"
fi

t_done report_formats

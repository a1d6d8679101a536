#!/bin/sh
# tests/integration/report_html.sh - the HTML report page in a real browser.
# report_fixture (tests/tools) writes hand-built documents full of hostile
# strings in every format; headless Chromium loads each page, dumps the DOM
# and takes screenshots at desktop and phone widths. Checks: the page loads,
# the tables have their ids and row counts, the charts are there, hostile
# strings are text only (no script or img element, no on* attribute, no
# external resource), and the screenshots are real PNGs. Screenshots are
# kept in ${ARTIFACT_DIR:-build/artifacts}/report-*.png.
#
# Chromium is not a crmsync binary: it never runs under $VALGRIND (the
# fixture does). Without Chromium the script skips, or fails under CI.
. "$(dirname "$0")/lib.sh"
FIX=${TOOL_BIN_DIR:-$TOP/build/tools}/report_fixture
ART=${ARTIFACT_DIR:-$TOP/build/artifacts}
OUT=$T/r

# -- the fixture, in every format -------------------------------------------
if [ ! -x "$FIX" ]; then
	fail "$FIX is not built (make unit)"
	t_done report_html
	exit 1
fi
${VALGRIND:-} "$FIX" "$OUT" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "report_fixture writes every document"
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/err"; then
	fail "sanitizer report: report_fixture"
fi
for n in activity attribution funnel forecast empty; do
	for x in txt csv json html; do
		check "$n.$x written" [ -s "$OUT/$n.$x" ]
	done
done
if command -v python3 >/dev/null 2>&1; then
	for n in activity attribution funnel forecast empty; do
		check "$n.json parses" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' \
			"$OUT/$n.json"
		check "$n.csv parses" python3 -c '
import csv, sys
t = open(sys.argv[1], newline="", encoding="utf-8").read()
for part in t.split("\r\n\r\n"):
    rows = list(csv.reader(part.splitlines(keepends=True)))
    assert rows and all(len(r) == len(rows[0]) for r in rows), rows' "$OUT/$n.csv"
	done
fi

# -- the browser ---------------------------------------------------------------
CHROME=
for c in chromium chromium-browser google-chrome; do
	if command -v "$c" >/dev/null 2>&1; then
		CHROME=$(command -v "$c")
		break
	fi
done
if [ -z "$CHROME" ] || ! command -v python3 >/dev/null 2>&1; then
	why="chromium or python3 not installed (apt-get install chromium python3)"
	# CI, or a root shell on a machine with apt, could have installed it:
	# scripts/deps.sh does. There a missing browser is a failure.
	if [ -n "${CI:-}" ] || { [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; }; then
		fail "$why (required under CI or as root with apt)"
	else
		skip "$why"
	fi
	t_done report_html
	exit $?
fi

# chrome PROFILE ARGS...: one headless run with a private profile, bounded
# in time; its stderr (D-Bus noise and the like) goes to $T/chrome-*.err.
chrome() {
	_p=$1
	shift
	timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--no-first-run --no-default-browser-check --disable-extensions \
		--disable-background-networking --user-data-dir="$_p" "$@" 2>>"$_p.err"
}

# load NAME: the desktop run (DOM and screenshot), then the phone run; the
# exit codes go to files, as this runs in the background.
load() {
	chrome "$T/chrome-$1" --dump-dom --screenshot="$T/$1-1280.png" --window-size=1280,2000 \
		"file://$OUT/$1.html" >"$T/$1.dom"
	echo $? >"$T/$1.rc-1280"
	chrome "$T/chrome-$1" --screenshot="$T/$1-390.png" --window-size=390,1600 \
		"file://$OUT/$1.html" >/dev/null
	echo $? >"$T/$1.rc-390"
}

cat >"$T/dom.py" <<'PY'
# dom.py DOM NAME TABLE=ROWS...: checks a dumped DOM; prints PASS/FAIL lines.
import sys
from html.parser import HTMLParser

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'


class Dom(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.bad, self.text = [], [], []
        self.tables, self.charts, self.stack = {}, 0, []
        self.cur, self.part, self.foot = None, None, {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag in ("script", "img", "iframe", "object", "embed", "link", "base", "form"):
            self.bad.append("<%s> element" % tag)
        for k, v in attrs:
            if k.startswith("on"):
                self.bad.append("%s attribute on <%s>" % (k, tag))
            if k in ("src", "href", "srcset", "action") and v and not v.startswith("#"):
                self.bad.append("%s=%r on <%s>" % (k, v, tag))
        if tag == "table":
            self.cur = a.get("id", "")
            self.tables[self.cur] = 0
        elif tag in ("thead", "tbody", "tfoot"):
            self.part = tag
            if tag == "tfoot":
                self.foot[self.cur] = True
        elif tag == "tr" and self.part == "tbody" and self.cur is not None:
            self.tables[self.cur] += 1
        elif tag == "svg" and "chart" in (a.get("class") or "").split():
            self.charts += 1

    def handle_endtag(self, tag):
        if tag == "table":
            self.cur = self.part = None

    def handle_data(self, data):
        self.text.append(data)


raw = open(sys.argv[1], encoding="utf-8").read()
name = sys.argv[2]
d = Dom()
d.feed(raw)
text = "".join(d.text)


def say(ok, what):
    print("%s %s: %s" % ("PASS" if ok else "FAIL", name, what))


say(len(raw) > 1000 and "<html" in raw and "</html>" in raw, "a non-empty DOM")
say(not d.bad, "no active or external markup %s" % d.bad[:3])
say("&lt;script&gt;" in raw, "the script string is escaped text in the DOM")
say(SCRIPT in text, "the script string reads as text")
for spec in sys.argv[3:]:
    key, want = spec.split("=", 1)
    if key == "charts":
        say(d.charts == int(want), "%d svg.chart, want %s" % (d.charts, want))
    elif key == "imgtext":
        say(IMG in text, "the img string reads as text")
    elif key == "text":
        say(want in text, "text %r present" % want)
    elif key.startswith("tfoot:"):
        t = key[6:]
        say(d.foot.get(t, False) == (want == "1"), "table %s tfoot %s" % (t, want))
    else:
        got = d.tables.get(key)
        say(got == int(want), "table #%s has %s body rows, want %s" % (key, got, want))
PY

cat >"$T/png.py" <<'PY'
# png.py FILE WIDTH: a PNG of that width, of non-trivial size.
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
assert b[12:16] == b"IHDR", "no IHDR"
w, h = struct.unpack(">II", b[16:24])
assert w == int(sys.argv[2]), "width %d, want %s" % (w, sys.argv[2])
assert h > 100 and len(b) > 10000, "too small: %dx%d, %d bytes" % (w, h, len(b))
PY

# dom NAME SPEC...: checks the DOM NAME.html loaded into.
dom() {
	n=$1
	shift
	rc=$(cat "$T/$n.rc-1280" 2>/dev/null || echo 255)
	expect_rc 0 "chromium loads $n.html"
	check "$n: DOM dumped" [ -s "$T/$n.dom" ]
	python3 "$T/dom.py" "$T/$n.dom" "$n" "$@" >"$T/dom.out" 2>&1 ||
		echo "FAIL $n: dom.py crashed: $(tail -n 1 "$T/dom.out")" >>"$T/dom.out"
	while IFS= read -r line; do
		case $line in
		PASS*) ok ;;
		*) fail "$line" ;;
		esac
	done <"$T/dom.out"
}

# shots NAME: the desktop and phone screenshots are PNGs; kept as artifacts.
shots() {
	for w in 1280 390; do
		png=$T/$1-$w.png
		rc=$(cat "$T/$1.rc-$w" 2>/dev/null || echo 255)
		expect_rc 0 "chromium screenshot $1 at $w px"
		check "$1 at $w px: a valid PNG" python3 "$T/png.py" "$png" "$w"
		if [ -s "$png" ] && mkdir -p "$ART" && cp "$png" "$ART/report-$1-$w.png"; then
			ok
		else
			fail "copy $png to $ART"
		fi
	done
}

# One browser per document at a time, all documents at once.
for n in activity attribution funnel forecast empty; do
	load "$n" &
done
wait
dom activity rows=18 stale_deals=4 tfoot:rows=1 tfoot:stale_deals=0 charts=1 imgtext=1 \
	"text=j$(printf '\303\266')rg@z$(printf '\303\274')rich.example &amp; ' \""
dom attribution rows=4 credits=12 tfoot:rows=1 charts=2 imgtext=1 "text=101249.94" "text=-0.05"
dom funnel rows=5 charts=1 imgtext=1 "text=66.7% of previous"
dom forecast rows=4 charts=1 imgtext=1 "text=45000.00"
dom empty rows=0 stale_deals=0 charts=1 "text=No data"
for n in activity attribution funnel forecast empty; do
	shots "$n"
done
echo "report screenshots: $ART/report-*.png" >&2

t_done report_html

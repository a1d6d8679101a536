#!/bin/sh
# tests/integration/davc.sh - sync/davc against a private Radicale, driven
# by tests/tools/davc_probe: discovery (server root, principal, calendar
# URL, the well-known fallback; VEVENT calendars only, another user's
# excluded), the one-request state check, sync-collection (initial, a
# change, a deletion, a rejected token), calendar-multiget,
# calendar-query with a time range; error classes from Radicale and from
# small fake servers (throttling with Retry-After, garbage, Digest-only
# auth, silence); TLS verification; request counts; no secret in any
# output, traces included.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"
servers_require radicale

PROBE=${TOOL_BIN_DIR:-$TOP/build/tools}/davc_probe
if [ ! -x "$PROBE" ]; then
	fail "no $PROBE (make build/tools/davc_probe)"
	t_done davc
	exit 1
fi

DAVC_PW='dav-S3cret-pw'
BOB_PW='bob-Other-pw'
export DAVC_PW BOB_PW
TAB=$(printf '\t')

HANG_GUARD=
command -v timeout >/dev/null 2>&1 && HANG_GUARD="timeout 60"

# probe ARGS...: runs the probe as alice (under $VALGRIND when set); stdout
# to $T/out, stderr to $T/err, $rc set. --url comes from $URL unless given.
probe() {
	$HANG_GUARD ${VALGRIND:-} "$PROBE" --user alice --password-env DAVC_PW "$@" \
		>"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq 124 ] && [ -n "$HANG_GUARD" ]; then
		fail "davc_probe $* hung (killed after 60 s)"
	elif [ -n "${VALGRIND:-}" ] && [ "$rc" -eq 99 ]; then
		fail "valgrind reported errors: davc_probe $*"
	elif grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/err"; then
		fail "sanitizer report: davc_probe $*"
	fi
}
dav() { probe --url "$RADICALE_URL" "$@"; }

no_secret() { # description: neither output holds a password
	if grep -qF -e "$DAVC_PW" -e "$BOB_PW" "$T/out" "$T/err"; then
		fail "$1: a password appears in the output"
	else
		ok
	fi
}

# requests N description: the probe's stats line counts N HTTP requests.
requests() {
	if grep -q "^stats: requests=$1 " "$T/out"; then
		ok
	else
		fail "$2: want requests=$1, got '$(grep '^stats:' "$T/out")'"
	fi
}

# ics UID START END SUMMARY: one VEVENT (UTC times, YYYYMMDDTHHMMSSZ).
ics() {
	printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//crmsync tests//EN\r\n'
	printf 'BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20260101T000000Z\r\n' "$1"
	printf 'DTSTART:%s\r\nDTEND:%s\r\nSUMMARY:%s\r\n' "$2" "$3" "$4"
	printf 'ORGANIZER:mailto:alice@lumen.example\r\n'
	printf 'ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@acme.example\r\n'
	printf 'END:VEVENT\r\nEND:VCALENDAR\r\n'
}

# put USER PASS PATH UID START END SUMMARY: PUTs an event (curl -T sends a
# Content-Length; Radicale refuses chunked bodies). PATH is URL-encoded.
put() {
	ics "$4" "$5" "$6" "$7" >"$T/put.ics"
	_code=$(curl -s -o /dev/null -w '%{http_code}' -u "$1:$2" ${CA_OPT:-} \
		-H 'Content-Type: text/calendar; charset=utf-8' -T "$T/put.ics" "$RADICALE_URL$3")
	case $_code in
	201 | 204) ok ;;
	*) fail "PUT $3: HTTP $_code" ;;
	esac
}

del() { # PATH
	_code=$(curl -s -o /dev/null -w '%{http_code}' -u "alice:$DAVC_PW" -X DELETE \
		"$RADICALE_URL$1")
	case $_code in
	200 | 204) ok ;;
	*) fail "DELETE $1: HTTP $_code" ;;
	esac
}

# field NAME: the value of NAME=... on the state line.
field() { sed -n "s/^state: .*$1=\([^ ]*\).*/\1/p" "$T/out"; }

# now_ms: a monotonic enough wall clock in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# -- fake servers: silent, throttling, garbling, Digest-only ----------------
# The system python when there is one (a pyenv shim costs most of a second),
# started directly so that $! is its pid and the cleanup can stop it.
PY3=/usr/bin/python3
[ -x "$PY3" ] || PY3=python3
FAKE_PIDS=
fake_cleanup() {
	for p in $FAKE_PIDS; do kill "$p" 2>/dev/null; done
}
T_CLEANUP_HOOKS="${T_CLEANUP_HOOKS:-} fake_cleanup"

cat >"$T/fake.py" <<'PY'
import hashlib, os, re, socket, ssl, sys, threading, time
mode, portfile = sys.argv[1], sys.argv[2]
log = sys.argv[3] if len(sys.argv) > 3 else None
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(16)
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(portfile + ".tmp", portfile)
MS = (b'<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" '
      b'xmlns:cs="http://calendarserver.org/ns/"><d:response><d:href>/cal/</d:href>'
      b'<d:propstat><d:prop><cs:getctag>"c1"</cs:getctag><d:sync-token>tok-1</d:sync-token>'
      b'</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>'
      b'</d:multistatus>')
REALM, NONCE = "fake", "n0nce-abc"

def sync_page(members, token, more):
    """A sync-collection answer: (href, etag or None for 404) members, a 507
    response for the collection itself when there is more."""
    out = b'<?xml version="1.0"?><multistatus xmlns="DAV:">'
    for href, etag in members:
        if etag is None:
            out += (b"<response><href>%s</href><status>HTTP/1.1 404 Not Found</status>"
                    b"</response>" % href.encode())
        else:
            out += (b"<response><href>%s</href><propstat><prop><getetag>%s</getetag></prop>"
                    b"<status>HTTP/1.1 200 OK</status></propstat></response>"
                    % (href.encode(), etag.encode()))
    if more:
        out += (b"<response><href>/cal/</href><status>HTTP/1.1 507 Insufficient Storage"
                b"</status></response>")
    return out + b"<sync-token>%s</sync-token></multistatus>" % token.encode()

def md5(s):
    return hashlib.md5(s.encode()).hexdigest()

def read_request(f):
    line = f.readline()
    if not line:
        return None
    method, path = line.split()[:2]
    hdrs = {}
    while True:
        h = f.readline()
        if h in (b"\r\n", b"\n", b""):
            break
        k, _, v = h.decode().partition(":")
        hdrs[k.strip().lower()] = v.strip()
    n = int(hdrs.get("content-length", "0"))
    body = f.read(n) if n else b""
    return method.decode(), path.decode(), hdrs, body

def answer(c, code, text, body=b"", extra=""):
    c.sendall(("HTTP/1.1 %d %s\r\nContent-Length: %d\r\n%s\r\n"
               % (code, text, len(body), extra)).encode() + body)

def digest_ok(method, auth):
    p = dict(re.findall(r'(\w+)="?([^",]*)"?', auth))
    ha1 = md5("alice:%s:%s" % (REALM, os.environ["DAVC_PW"]))
    ha2 = md5("%s:%s" % (method, p.get("uri", "")))
    want = md5("%s:%s:%s:%s:%s:%s" % (ha1, p.get("nonce"), p.get("nc"), p.get("cnonce"),
                                      p.get("qop"), ha2))
    return p.get("username") == "alice" and p.get("response") == want

def serve(c):
    if mode == "silent":  # accepts and says nothing
        time.sleep(60)
        return
    f = c.makefile("rb")
    while True:
        req = read_request(f)
        if req is None:
            return
        method, path, hdrs, body = req
        auth = hdrs.get("authorization", "")
        if log:
            with open(log, "a") as lf:
                lf.write("%s %s %s %s\n" % (method, path, auth.split(" ")[0] or "none",
                         "chunked" if "transfer-encoding" in hdrs else "length"))
        if mode == "throttle":
            answer(c, 503, "Unavailable", b"busy", "Retry-After: 7\r\n")
        elif mode == "ratelimit":
            when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 120))
            answer(c, 429, "Too Many Requests", b"slow down", "Retry-After: %s\r\n" % when)
        elif mode == "garbage":
            answer(c, 207, "Multi-Status", b"<d:multistatus xmlns:d='DAV:'><d:response>\x01<",
                   "Content-Type: application/xml\r\n")
        elif mode == "huge":  # announces 2 GB and sends until the client hangs up
            c.sendall(b"HTTP/1.1 207 Multi-Status\r\nContent-Type: application/xml\r\n"
                      b"Content-Length: 2000000000\r\n\r\n<d:multistatus xmlns:d='DAV:'>")
            chunk = b"<d:x/>" * (1 << 18)
            try:
                for _ in range(200):
                    c.sendall(chunk)
            except OSError:
                pass
            return
        elif mode == "truncate":  # RFC 6578 §3.6 paging, and rejected tokens
            tok = re.search(rb"<D:sync-token>([^<]*)</D:sync-token>", body)
            tok = tok.group(1).decode() if tok else ""
            if tok == "":
                page = sync_page([("/cal/a.ics", '"a1"'), ("/cal/b.ics", '"b1"')], "t1", True)
            elif tok == "t1":
                page = sync_page([("/cal/b.ics", None), ("/cal/c%20d.ics", '"c1"')], "t2", False)
            elif tok == "same":
                page = sync_page([("/cal/a.ics", '"a1"')], "same", True)
            elif tok == "gone":
                answer(c, 410, "Gone", b"gone")
                continue
            else:
                answer(c, 409, "Conflict", b'<?xml version="1.0"?><D:error xmlns:D="DAV:">'
                       b"<D:valid-sync-token/></D:error>", "Content-Type: application/xml\r\n")
                continue
            answer(c, 207, "Multi-Status", page, "Content-Type: application/xml\r\n")
        elif mode == "digest":
            if auth.startswith("Digest ") and digest_ok(method, auth):
                answer(c, 207, "Multi-Status", MS, "Content-Type: application/xml\r\n")
            else:
                answer(c, 401, "Unauthorized", b"no",
                       'WWW-Authenticate: Digest realm="%s", nonce="%s", qop="auth", '
                       'algorithm=MD5\r\n' % (REALM, NONCE))

while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY

# fake MODE [LOG]: starts a fake server, sets FAKE_PORT.
fake() {
	_m=$1
	shift
	rm -f "$T/fake-$_m.port"
	"$PY3" "$T/fake.py" "$_m" "$T/fake-$_m.port" "$@" </dev/null >>"$T/fake.log" 2>&1 &
	FAKE_PIDS="$FAKE_PIDS $!"
	_i=0
	while [ ! -s "$T/fake-$_m.port" ] && [ "$_i" -lt 250 ]; do
		sleep 0.02
		_i=$((_i + 1))
	done
	FAKE_PORT=$(cat "$T/fake-$_m.port" 2>/dev/null)
}

# -- calendars ---------------------------------------------------------------
radicale_add_user alice "$DAVC_PW"
radicale_add_user bob "$BOB_PW"
radicale_calendar_dir alice work "Work (ACME)" >/dev/null
radicale_calendar_dir alice home >/dev/null
tasks=$(radicale_calendar_dir alice tasks)
# Radicale 3 keeps the component set as a comma-separated string.
printf '{"C:supported-calendar-component-set": "VTODO", "D:displayname": "Tasks", "tag": "VCALENDAR"}' \
	>"$tasks/.Radicale.props"
radicale_calendar_dir bob private "Bob" >/dev/null
if ! radicale_start; then
	fail "radicale_start"
	t_done davc
	exit 1
fi

put alice "$DAVC_PW" alice/work/e1.ics e1@t 20260301T100000Z 20260301T110000Z "Kickoff with ACME"
put alice "$DAVC_PW" alice/work/e2.ics e2@t 20260310T100000Z 20260310T110000Z "Review"
put alice "$DAVC_PW" alice/work/e3.ics e3@t 20260401T100000Z 20260401T110000Z "Quarterly"
put alice "$DAVC_PW" "alice/work/sp%20ace.ics" e4@t 20260501T090000Z 20260501T100000Z "Spaced out"
put alice "$DAVC_PW" alice/home/h1.ics h1@t 20260302T100000Z 20260302T110000Z "Dentist"
put bob "$BOB_PW" bob/private/b1.ics b1@t 20260303T100000Z 20260303T110000Z "Bob only"

# -- discovery ---------------------------------------------------------------
dav discover
expect_rc 0 "discover from the server root"
check "root: work with its display name" \
	grep -q "^calendar${TAB}/alice/work/${TAB}Work (ACME)${TAB}\"[^$TAB]*\"${TAB}http" "$T/out"
check "root: home (Radicale names it after its path)" grep -q "^calendar${TAB}/alice/home/${TAB}" "$T/out"
check "root: the VTODO-only collection is excluded" sh -c "! grep -q tasks '$T/out'"
check "root: bob's calendar is not listed" sh -c "! grep -q bob '$T/out'"
check "root: exactly two calendars" [ "$(grep -c '^calendar' "$T/out")" -eq 2 ]
requests 3 "discover from the root: account URL, principal, depth-1 home"
grep '^calendar' "$T/out" | sort >"$T/cals.root"

probe --url "${RADICALE_URL}alice/work/" discover
expect_rc 0 "discover from a calendar URL"
grep '^calendar' "$T/out" | sort >"$T/cals.cal"
check "a calendar URL finds the same calendars" cmp -s "$T/cals.root" "$T/cals.cal"
probe --url "${RADICALE_URL}alice/" discover
expect_rc 0 "discover from the principal/home URL"
grep '^calendar' "$T/out" | sort >"$T/cals.home"
check "the home URL finds the same calendars" cmp -s "$T/cals.root" "$T/cals.home"
requests 2 "discover from the principal: no principal round trip"
probe --url "${RADICALE_URL}alice/nothere/" discover
expect_rc 0 "discover from a URL that is not there: /.well-known/caldav"
grep '^calendar' "$T/out" | sort >"$T/cals.wk"
check "the well-known fallback finds the same calendars" cmp -s "$T/cals.root" "$T/cals.wk"
requests 5 "well-known: 404, 301 + PROPFIND /, principal, home"

probe --url "http://bob:not-this-one@127.0.0.1:$RADICALE_PORT/" discover
expect_rc 0 "user info in the URL is ignored"
grep '^calendar' "$T/out" | sort >"$T/cals.ui"
check "user info in the URL: alice's calendars (the account's user)" cmp -s "$T/cals.root" "$T/cals.ui"

# -- state: the no-change check is one request ------------------------------
dav state /alice/work/
expect_rc 0 "state"
ctag1=$(field ctag)
tok1=$(field token)
check "state has a ctag" [ "${ctag1:--}" != - ]
check "state has a sync token (a URL)" sh -c "case '$tok1' in http*) true;; *) false;; esac"
requests 1 "a state call is exactly one request"
expect_out "propfind=1 report=0" "state is a PROPFIND"
check "discovery's ctag equals state's" grep -qF "${TAB}/alice/work/${TAB}Work (ACME)${TAB}$ctag1${TAB}$tok1" "$T/cals.root"
dav state /alice/work/
check "state is stable without changes" [ "$(field ctag) $(field token)" = "$ctag1 $tok1" ]
put alice "$DAVC_PW" alice/work/e5.ics e5@t 20260601T100000Z 20260601T110000Z "Added later"
dav state /alice/work/
check "ctag changes after a PUT" [ "$(field ctag)" != "$ctag1" ]
check "token changes after a PUT" [ "$(field token)" != "$tok1" ]
dav state '/alice/work'
expect_rc 0 "state without the trailing slash"
dav state /alice/nothere/
expect_rc 1 "state of a missing calendar"
expect_err "final: PROPFIND ${RADICALE_URL}alice/nothere/: not found" "a missing calendar is final"
dav state /bob/private/
expect_rc 1 "state of another user's calendar"
expect_err "auth: " "another user's calendar is an auth failure (403)"
expect_err "access denied for alice" "403 says access denied"

# -- sync-collection ---------------------------------------------------------
dav sync /alice/work/
expect_rc 0 "initial sync"
check "initial sync lists all 5 members" [ "$(grep -c "^member${TAB}200${TAB}/alice/work/.*${TAB}\"" "$T/out")" -eq 5 ]
check "initial sync: the href with a space" grep -qE "^member${TAB}200${TAB}/alice/work/sp( |%20)ace.ics${TAB}" "$T/out"
sptok=$(grep "^member.*sp" "$T/out" | cut -f3)
tokA=$(sed -n 's/^token: //p' "$T/out")
check "initial sync returns a token" [ "${tokA:--}" != - ]
requests 1 "initial sync of a small calendar is one REPORT"
expect_out "propfind=0 report=1" "sync is a REPORT"
dav sync /alice/work/ "$tokA"
expect_rc 0 "sync without changes"
check "no change: no members" [ "$(grep -c '^member' "$T/out")" -eq 0 ]
check "no change: the same token" grep -qxF "token: $tokA" "$T/out"
put alice "$DAVC_PW" alice/work/e2.ics e2@t 20260310T100000Z 20260310T120000Z "Review (longer)"
dav sync /alice/work/ "$tokA"
expect_rc 0 "sync after a change"
check "only the changed event" [ "$(grep '^member' "$T/out" | cut -f2,3)" = "200${TAB}/alice/work/e2.ics" ]
tokB=$(sed -n 's/^token: //p' "$T/out")
del alice/work/e3.ics
dav sync /alice/work/ "$tokB"
expect_rc 0 "sync after a deletion"
check "the deleted event shows 404" grep -q "^member${TAB}404${TAB}/alice/work/e3.ics${TAB}-" "$T/out"
check "only the deleted event" [ "$(grep -c '^member' "$T/out")" -eq 1 ]
dav sync /alice/work/ http://radicale.org/ns/sync/bogus
expect_rc 1 "a bogus token"
expect_out "sync: token_invalid" "a bogus token sets token_invalid"
expect_err "final: " "a rejected token is final"
dav sync /alice/nothere/
expect_rc 1 "sync of a missing calendar"
expect_err "final: " "sync of a missing calendar is final"

# -- multiget, calendar-query ------------------------------------------------
dav multiget /alice/work/ /alice/work/e1.ics /alice/work/e2.ics "$sptok" /alice/work/gone.ics
expect_rc 0 "multiget"
check "multiget: e1 with its calendar-data" \
	grep -q "^item${TAB}200${TAB}/alice/work/e1.ics${TAB}\".*\"${TAB}[1-9][0-9]*${TAB}Kickoff with ACME\$" "$T/out"
check "multiget: e2 with the new summary" grep -q "${TAB}Review (longer)\$" "$T/out"
check "multiget: an href with a space" grep -q "${TAB}Spaced out\$" "$T/out"
check "multiget: a missing href is 404" grep -q "^item${TAB}404${TAB}/alice/work/gone.ics${TAB}" "$T/out"
requests 1 "multiget is one REPORT"

dav query /alice/work/ 2026-03-05 2026-03-20
expect_rc 0 "calendar-query"
check "query: only the event in range" [ "$(grep '^member' "$T/out" | cut -f2,3)" = "200${TAB}/alice/work/e2.ics" ]
dav query /alice/work/ 2026-03-01T10:30:00Z 2026-04-01T10:30:00Z
check "query: overlapping at both ends (e1, e2; e3 is deleted)" \
	[ "$(grep '^member' "$T/out" | cut -f3 | sort | tr '\n' ' ')" = "/alice/work/e1.ics /alice/work/e2.ics " ]
dav query /alice/work/ 2026-03-01T11:00:00Z 2026-03-10T10:00:00Z
check "query: [start, end) excludes touching events" [ "$(grep -c '^member' "$T/out")" -eq 0 ]
dav query /alice/work/ 2025-01-01 2027-01-01
check "query: the whole range has every event" [ "$(grep -c '^member' "$T/out")" -eq 4 ]
check "query: no calendar-data asked" sh -c "! grep -q BEGIN:VCALENDAR '$T/out'"

# -- several commands on one client ------------------------------------------
dav discover -- state /alice/work/ -- state /alice/home/
expect_rc 0 "discover and two states on one client"
requests 5 "discover (3) + two states (1 each)"

# -- secrets -----------------------------------------------------------------
dav --trace state /alice/work/
expect_rc 0 "trace run"
expect_err "Authorization: <hidden>" "trace hides the Authorization header"
expect_err "PROPFIND /alice/work/ HTTP" "trace shows the request line"
no_secret "trace"
b64=$(printf 'alice:%s' "$DAVC_PW" | base64 | tr -d '\n')
check "trace lacks the base64 credentials" sh -c "! grep -qF '$b64' '$T/err'"

DAVC_PW='wrong-Pa55word' dav state /alice/work/
expect_rc 1 "wrong password"
expect_err "auth: authentication failed for alice at ${RADICALE_URL}alice/work/ (check the password)" \
	"wrong password message"
no_secret "wrong password"
DAVC_PW='wrong-Pa55word' dav discover
expect_rc 1 "wrong password, discovery"
expect_err "auth: authentication failed for alice at $RADICALE_URL (check the password)" \
	"wrong password stops discovery"
requests 1 "a wrong password costs one request"

# -- fake servers ------------------------------------------------------------
fake throttle
probe --url "http://127.0.0.1:$FAKE_PORT/" --timeout 5 state /cal/
expect_rc 1 "503"
expect_err "throttled: " "503 is ERR_WAIT"
expect_err "retry after 7 s" "Retry-After in seconds"
expect_err "davc_probe: retry-after: 7" "davc_retry_after"
probe --url "http://127.0.0.1:$FAKE_PORT/" --timeout 5 discover
expect_rc 1 "503 during discovery"
expect_err "throttled: " "503 stops discovery as ERR_WAIT"
fake ratelimit
probe --url "http://127.0.0.1:$FAKE_PORT/" --timeout 5 sync /cal/
expect_rc 1 "429"
expect_err "throttled: " "429 is ERR_WAIT"
ra=$(sed -n 's/^davc_probe: retry-after: //p' "$T/err")
check "Retry-After as an HTTP date (~120 s, got '$ra')" [ "${ra:-0}" -ge 100 -a "${ra:-0}" -le 121 ]
fake garbage
probe --url "http://127.0.0.1:$FAKE_PORT/" --timeout 5 state /cal/
expect_rc 1 "garbage multistatus"
expect_err "data: " "an unparsable answer is ERR_DATA"
# DAVC_BODY_MAX (64 MiB): the answer is cut off as it arrives, not kept.
fake huge
probe --url "http://127.0.0.1:$FAKE_PORT/" --timeout 20 state /cal/
expect_rc 1 "an answer of 2 GB announced"
expect_err "data: " "an answer over DAVC_BODY_MAX is ERR_DATA"
expect_err "is larger than 64 MiB" "the error names the limit"
: >"$T/digest.log"
fake digest "$T/digest.log"
probe --url "http://127.0.0.1:$FAKE_PORT/" --timeout 5 state /cal/ -- state /cal/
expect_rc 0 "a Digest-only server"
expect_out 'state: ctag="c1" token=tok-1' "Digest: the answer"
# libcurl 7.88 keeps the nonce of the challenge that answered Basic, so the
# retry carries Digest at once; an older one may first send no credentials.
seq=$(cut -d' ' -f3 "$T/digest.log" | tr '\n' ' ')
check "Digest: Basic once, then Digest; the second call straight away (got '$seq')" \
	[ "$seq" = "Basic Digest Digest " -o "$seq" = "Basic none Digest Digest " ]
check "bodies always go with a Content-Length" sh -c "! grep -q chunked '$T/digest.log'"
no_secret "Digest"
DAVC_PW='wrong-Pa55word' probe --url "http://127.0.0.1:$FAKE_PORT/" --timeout 5 state /cal/
expect_rc 1 "Digest with a wrong password"
expect_err "auth: authentication failed for alice" "Digest: wrong password is ERR_AUTH"

fake truncate
probe --url "http://127.0.0.1:$FAKE_PORT/" --timeout 5 sync /cal/
expect_rc 0 "sync over two 507-truncated pages"
check "507: the pages are joined, the last word about b wins" \
	[ "$(grep '^member' "$T/out" | cut -f2,3 | tr '\t\n' ': ')" = "200:/cal/a.ics 404:/cal/b.ics 200:/cal/c%20d.ics " ]
expect_out "token: t2" "507: the final token"
requests 2 "507: one REPORT a page"
probe --url "http://127.0.0.1:$FAKE_PORT/" --timeout 5 sync /cal/ same
expect_rc 1 "507 without a new token"
expect_err "data: " "a truncation that makes no progress is ERR_DATA"
probe --url "http://127.0.0.1:$FAKE_PORT/" --timeout 5 sync /cal/ gone
expect_rc 1 "410 to a token"
expect_out "sync: token_invalid" "410 sets token_invalid"
probe --url "http://127.0.0.1:$FAKE_PORT/" --timeout 5 sync /cal/ stale
expect_rc 1 "409 valid-sync-token"
expect_out "sync: token_invalid" "409 with valid-sync-token sets token_invalid"

fake silent
t0=$(now_ms)
"$PROBE" --user alice --password-env DAVC_PW --url "http://127.0.0.1:$FAKE_PORT/" \
	--timeout 2 state /cal/ >"$T/out" 2>"$T/err"
rc=$? t1=$(now_ms)
expect_rc 1 "silent server"
expect_err "temporary: PROPFIND http://127.0.0.1:$FAKE_PORT/cal/: no answer from 127.0.0.1 within 2 s" \
	"silent server: a time-out, ERR_TEMP"
check "silent server abandoned within timeout + 2 s (took $((t1 - t0)) ms)" [ $((t1 - t0)) -lt 4000 ]
t0=$(now_ms)
"$PROBE" --user alice --password-env DAVC_PW --url "https://127.0.0.1:$FAKE_PORT/" \
	--timeout 2 state /cal/ >"$T/out" 2>"$T/err"
rc=$? t1=$(now_ms)
expect_rc 1 "silent server, TLS"
expect_err "temporary: " "silent TLS server: ERR_TEMP"
check "silent TLS server abandoned within timeout + 2 s (took $((t1 - t0)) ms)" [ $((t1 - t0)) -lt 4000 ]

# Nothing listens: refused at once.
port=$(_sv_free_ports 1)
probe --url "http://127.0.0.1:$port/" --timeout 5 state /cal/
expect_rc 1 "nothing listens"
expect_err "temporary: PROPFIND http://127.0.0.1:$port/cal/: cannot connect to 127.0.0.1" \
	"connection refused is ERR_TEMP"

# -- TLS ---------------------------------------------------------------------
radicale_stop
RADICALE_TLS=yes
export RADICALE_TLS
if ! radicale_start; then
	fail "radicale_start with TLS"
	t_done davc
	exit 1
fi
case $RADICALE_URL in
https://*) ok ;;
*) fail "RADICALE_URL is not https: $RADICALE_URL" ;;
esac
dav --ca-file "$DOVECOT_CA" discover
expect_rc 0 "https with ca_file"
check "https: the same calendars" [ "$(grep -c '^calendar' "$T/out")" -eq 2 ]
dav --ca-file "$DOVECOT_CA" sync /alice/work/
expect_rc 0 "https sync"
probe --url "https://localhost:$RADICALE_PORT/" --ca-file "$DOVECOT_CA" state /alice/work/
expect_rc 0 "https to localhost (DNS name in the certificate)"
dav state /alice/work/
expect_rc 1 "https without ca_file: the private CA is refused"
expect_err "final: " "an untrusted certificate is final"
expect_err "certificate" "the refusal mentions the certificate"
requests 0 "nothing was sent to an untrusted server"
dav --no-verify state /alice/work/
expect_rc 0 "--no-verify accepted"
expect_err "tls_verify = no" "--no-verify warns"
no_secret "https"

t_done davc

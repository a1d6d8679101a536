#!/bin/sh
# tests/integration/security.sh - what crmsync promises about secrets,
# hostile content and files (SPEC §3, §6, §7):
# - no password (password_env, password_file, password_cmd), no base64 of
#   the credentials and no Authorization value in any output at any
#   verbosity, failing logins and refused TLS included, nor in the bytes
#   of the database and its -wal, -shm and lock files;
# - hostile names, subjects, CSV cells (SQL, format strings, markup,
#   formula-looking cells, control characters, very long cells) are stored
#   byte for byte and come out of every report format escaped: JSON that
#   parses back to them, HTML with no tag from content, CSV that parses
#   back to them (formula-looking cells as they are: SPEC defines no
#   escaping for them); text meant for a terminal carries no ESC or BEL;
# - under umask 000 the database, its -wal/-shm, the lock file, new
#   directories and reports are not readable by others; a password file
#   readable by others and a password written into the config are refused;
# - CalDAV sync over TLS refuses a certificate from an unknown CA and one
#   for another host name unless ca_file / tls_verify = no (IMAP's are in
#   mail_faults.sh and check_config.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"
servers_require dovecot radicale
PY3=$(command -v /usr/bin/python3 || command -v python3)
export CRMSYNC_NOW=2026-11-01T12:00:00Z
umask 000

IMAP_PW='imapPw-7f3a!x%s'
FILE_PW='filePw-91c2#q'
DAV_PW='davPw-55e1$z'
export IMAP_PW
A=alice@lumen.example
B=bob@lumen.example
printf '%s\n' "$FILE_PW" >"$T/bob.pw"
chmod 600 "$T/bob.pw"
printf '%s\n' "$DAV_PW" >"$T/dav.pw"
chmod 600 "$T/dav.pw"
# Every form a secret could leak in: itself, Basic auth (user:password)
# and IMAP AUTHENTICATE PLAIN (\0user\0password), in base64.
b64() { printf "$1" "$2" "$3" | base64 -w0; }
set -- "$IMAP_PW" "$FILE_PW" "$DAV_PW" \
	"$(b64 '%s:%s' alice "$DAV_PW")" "$(b64 '\0%s\0%s' "$A" "$IMAP_PW")" \
	"$(b64 '\0%s\0%s' "$B" "$FILE_PW")" "$(b64 '%s\0%s\0%s' "$A" "$A" "$IMAP_PW")"
for s in "$@"; do printf '%s\n' "$s"; done >"$T/secrets"

# leaks WHAT FILES...: no secret, and no Authorization header with a value,
# in any of the files (bytes, not lines: grep -a).
leaks() {
	_what=$1
	shift
	if grep -aFf "$T/secrets" "$@" >"$T/leak" 2>/dev/null; then
		fail "$_what: a secret appears: $(head -c 300 "$T/leak")"
	elif grep -aiE 'authorization:? *(basic|bearer|digest) +[^* ]' "$@" >"$T/leak" 2>/dev/null; then
		fail "$_what: an Authorization value appears: $(head -c 300 "$T/leak")"
	else
		ok
	fi
}

# -- servers ---------------------------------------------------------------------
dovecot_add_user "$A" "$IMAP_PW"
dovecot_add_user "$B" "$FILE_PW"
dovecot_maildir "$A" Sent >/dev/null
radicale_add_user alice "$DAV_PW"
caldir=$(radicale_calendar_dir alice work Work)
dovecot_start || fail "dovecot_start"
radicale_start || fail "radicale_start"

# -- the hostile world: CRM files, mail and a meeting ---------------------------------
# hostile.py DIR INBOX SENT CALDIR: writes DIR/*.csv, the messages and the
# event, and DIR/expect.json (what must be stored and shown, byte for byte).
cat >"$T/hostile.py" <<'PY'
import csv, json, os, sys
d, inbox, sent, caldir = sys.argv[1:5]
SQL = "Robert'); DROP TABLE activities; --"
QUOTE = 'O\'Brien "Ltd"; x\'\'"'
FMT = "%s%n%x%p%%"
HTML = "<script>alert(1)</script><img src=x onerror=alert(2)>&amp; </td></table>"
F1, F2, F3, F4 = "=cmd|' /C calc'!A0", "+1", "@SUM(1)", "-2"
# (white space around a cell is trimmed: the control characters are inside)
CTL = "ctl\x01\x02\x1b[31mred\x7f\tTab\x0bEnd"
NL = "line one\nline two\r\nline three"
LONG = "L" * 5000 + "END"
e = {}
def write(name, head, rows):
    with open(os.path.join(d, name + ".csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(head)
        w.writerows(rows)
write("users", ["email", "name"], [["alice@lumen.example", SQL], ["bob@lumen.example", FMT]])
write("companies", ["domain", "name"], [["evil.example", F1], ["quote.example", QUOTE + " " + HTML]])
contacts = [["bobby@evil.example", SQL, "evil.example", F2, "2026-10-01"],
            ["fmt@evil.example", FMT, "evil.example", F3, "2026-10-02"],
            ["ctl@quote.example", CTL, "quote.example", F4, "2026-10-03"],
            ["long@quote.example", LONG, "quote.example", HTML, "2026-10-04"],
            ["nl@quote.example", NL, "quote.example", F1, "2026-10-05"]]
write("contacts", ["email", "name", "company", "lead_source", "created_at"], contacts)
write("stages", ["id", "name", "position", "probability"],
      [["s1", '"; DROP TABLE deals; --', 1, 10], ["s2", HTML, 2, 50], ["s3", FMT, 3, 90]])
deals = [["D-'1", F1 + " " + HTML, "s1", "open", "evil.example", "alice@lumen.example", "1250.00",
          "bobby@evil.example", SQL, "2026-10-01", "2026-12-01"],
         ["D-2", FMT + " " + QUOTE, "s2", "open", "quote.example", "alice@lumen.example", "10.00",
          "long@quote.example", F3, "2026-09-01", "2026-12-15"]]
write("deals", ["id", "name", "stage", "status", "company", "owner", "value", "contacts",
                "lead_source", "created_at", "expected_close"], deals)
e["users"] = {"alice@lumen.example": SQL, "bob@lumen.example": FMT}
e["companies"] = {"evil.example": F1, "quote.example": QUOTE + " " + HTML}
e["contacts"] = {c[0]: [c[1], c[3]] for c in contacts}
e["stages"] = {"s1": '"; DROP TABLE deals; --', "s2": HTML, "s3": FMT}
e["deals"] = {x[0]: [x[1], x[8]] for x in deals}
e["source_names"] = sorted({c[3] for c in contacts} | {x[8] for x in deals})
e["stale_deal"] = deals[1][1]

# Mail: subjects with every hostile string; a long one folded over lines.
words = " ".join("w%04d" % i for i in range(600))
folded = "\n ".join(" ".join("w%04d" % i for i in range(k, min(k + 12, 600)))
                    for k in range(0, 600, 12))
msgs = [  # folder, from, to, subject (as stored), subject header, message-id
    (inbox, '"%s" <bobby@evil.example>' % SQL.replace('"', '\\"'), "alice@lumen.example",
     "'); DROP TABLE activities; -- " + FMT + ' "q" ' + HTML + " " + F1, None, "<h1@evil.example>"),
    (inbox, "fmt@evil.example", "alice@lumen.example", F2, None, "<x'y%s%n@evil.example>"),
    (inbox, "fmt@evil.example", "alice@lumen.example", F3, None, "<h3@evil.example>"),
    (inbox, "long@quote.example", "alice@lumen.example", F4, None, "<h4@quote.example>"),
    (inbox, "long@quote.example", "alice@lumen.example", F1, None, "<h5@quote.example>"),
    (inbox, "nl@quote.example", "alice@lumen.example", words, folded, "<h6@quote.example>"),
    # a tab in a header is white space: stored as one space
    (sent, "alice@lumen.example", "ctl@quote.example", QUOTE + " Tab", QUOTE + "\tTab",
     "<h7@lumen.example>"),
    # an encoded word hiding a terminal escape (OSC: set the window title):
    # the mail parser makes each control character a space
    (inbox, "long@quote.example", "alice@lumen.example", "esc ]0;pwned x",
     "=?utf-8?q?esc=1B]0;pwned=07x?=", "<h8@quote.example>"),
]
e["subjects"] = []
for n, (box, frm, to, subj, hdr, mid) in enumerate(msgs, 1):
    e["subjects"].append(subj)
    body = ("From: %s\nTo: %s\nSubject: %s\nDate: Tue, %02d Oct 2026 10:00:00 +0000\n"
            "Message-ID: %s\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
            "Body %s %s\n") % (frm, to, hdr or subj, 10 + n, mid, FMT, HTML)
    with open(os.path.join(box, "cur", "%06d.M1P1.h:2,S" % n), "w", encoding="utf-8") as f:
        f.write(body)
e["bobby_name"] = SQL
# A meeting with bobby, its summary hostile (TEXT escapes: \; \, \\).
summary = "'); DROP TABLE activities; -- <b>bold</b> " + FMT + " " + F1
esc = summary.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
       "UID:hostile-1@evil.example\r\nDTSTAMP:20261001T000000Z\r\n"
       "DTSTART:20261020T140000Z\r\nDTEND:20261020T150000Z\r\nSUMMARY:%s\r\n"
       "ORGANIZER:mailto:alice@lumen.example\r\n"
       "ATTENDEE;PARTSTAT=ACCEPTED:mailto:bobby@evil.example\r\n"
       "END:VEVENT\r\nEND:VCALENDAR\r\n") % esc
with open(os.path.join(caldir, "hostile-1.ics"), "w", newline="", encoding="utf-8") as f:
    f.write(ics)
e["subjects"].append(summary)
json.dump(e, open(os.path.join(d, "expect.json"), "w"))
PY
mkdir -p "$T/crm"
"$PY3" "$T/hostile.py" "$T/crm" "$(dovecot_maildir "$A" INBOX)" "$(dovecot_maildir "$A" Sent)" \
	"$caldir" || fail "writing the hostile world"
dovecot_fix_perms

DB=$T/data/crm.db
imap_acct() { # name user password-source-line [extra]
	printf '[imap "%s"]\nhost = 127.0.0.1\nport = %s\nsecurity = %s\nuser = %s\n%s\n' \
		"$1" "${PORT:-$DOVECOT_PORT}" "${SEC:-none}" "$2" "$3"
	printf 'owner = alice@lumen.example\nsince = 3650d\n%s\n\n' "${4:-}"
}
dav_acct() { # name url [extra]
	printf '[caldav "%s"]\nurl = %s\nuser = alice\npassword_cmd = cat %s\n' "$1" "$2" "$T/dav.pw"
	printf 'owner = alice@lumen.example\ntimezone = UTC\n%s\n\n' "${3:-}"
}
config() { # file accounts...
	_f=$1
	shift
	printf '[store]\npath = %s\n\n[team]\ndomains = lumen.example\n\n' "$DB" >"$_f"
	for _a in "$@"; do printf '%s\n' "$_a" >>"$_f"; done
}
config "$T/c.conf" "$(imap_acct mail "$A" "password_env = IMAP_PW")" \
	"$(imap_acct bobmail "$B" "password_file = $T/bob.pw")" \
	"$(dav_acct cal "$RADICALE_URL")"
for k in users companies contacts stages deals; do
	crm -c "$T/c.conf" import $k "$T/crm/$k.csv"
	expect_rc 0 "import hostile $k"
done
# A reader keeps the database open, so that the -wal and -shm files stay
# after each command for the byte checks and the modes.
"$PY3" -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1])
c.execute("SELECT count(*) FROM users").fetchall()
open(sys.argv[2], "w").close()
time.sleep(600)' "$DB" "$T/reader.up" </dev/null >/dev/null 2>&1 &
reader=$!
reader_stop() { kill "$reader" 2>/dev/null; }
T_CLEANUP_HOOKS="${T_CLEANUP_HOOKS:-} reader_stop"
i=0
while [ ! -f "$T/reader.up" ] && [ $i -lt 500 ]; do sleep 0.02; i=$((i + 1)); done

crm -c "$T/c.conf" sync
expect_rc 0 "sync of hostile mail and meetings"

# -- hostile content: stored byte for byte ----------------------------------------------
check "integrity after the hostile imports and sync" [ "$(q "$DB" "PRAGMA integrity_check")" = ok ]
check "every table still there" [ "$(q "$DB" "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('activities', 'deals', 'users', 'contacts', 'stages', 'companies')")" = 6 ]
check "row counts: 3 stages, 2 deals, 5 contacts, 9 activities" [ "$(q "$DB" "SELECT (SELECT count(*) FROM stages) || (SELECT count(*) FROM deals) || (SELECT count(*) FROM contacts) || (SELECT count(*) FROM activities)")" = 3259 ]
cat >"$T/stored.py" <<'PY'
import json, sqlite3, sys
db, e = sqlite3.connect(sys.argv[1]), json.load(open(sys.argv[2]))
bad = []
def same(what, got, want):
    if got != want:
        bad.append("%s: stored %r, want %r" % (what, got if got is None else got[:200], want[:200]))
one = lambda sql, *a: (db.execute(sql, a).fetchone() or [None])[0]
for k, v in e["users"].items():
    same("user " + k, one("SELECT name FROM users WHERE email = ?", k), v)
for k, v in e["companies"].items():
    same("company " + k, one("SELECT name FROM companies WHERE domain = ?", k), v)
for k, (name, src) in e["contacts"].items():
    same("contact " + k, one("SELECT name FROM contacts WHERE email = ?", k), name)
    same("lead source of " + k, one("SELECT lead_source FROM contacts WHERE email = ?", k), src)
for k, v in e["stages"].items():
    same("stage " + k, one("SELECT name FROM stages WHERE key = ?", k), v)
for k, (name, src) in e["deals"].items():
    same("deal " + k, one("SELECT name FROM deals WHERE key = ?", k), name)
    same("lead source of deal " + k, one("SELECT lead_source FROM deals WHERE key = ?", k), src)
got = sorted(r[0] for r in db.execute("SELECT subject FROM activities"))
for want in e["subjects"]:
    if want not in got:
        bad.append("no activity with subject %r" % want[:200])
same("bobby's display name", one("SELECT name FROM participants WHERE addr_key = 'bobby@evil.example' AND role = 'from'"), e["bobby_name"])
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
if "$PY3" "$T/stored.py" "$DB" "$T/crm/expect.json" >"$T/stored.out" 2>&1; then
	ok
else
	fail "hostile values not stored byte for byte: $(cat "$T/stored.out")"
fi

# -- hostile content: every output format carries it escaped ------------------------------
# shown.py FORMAT FILE KEY...: FILE parses as FORMAT (json: one document or
# JSON Lines; csv: RFC 4180; html) and shows each expected value of
# expect.json named by KEY (a list, or a dict's values; "deals" and
# "contacts" give their name and lead source) exactly: as a whole JSON
# string or CSV cell, or in the text of the HTML page, which must have no
# element or attribute that came from content.
cat >"$T/shown.py" <<'PY'
import csv, html.parser, json, sys
fmt, path, keys = sys.argv[1], sys.argv[2], sys.argv[4:]
e = json.load(open(sys.argv[3]))
want = []
for k in keys:
    v = e[k]
    vals = v if isinstance(v, list) else list(v.values()) if isinstance(v, dict) else [v]
    for x in vals:
        want.extend(x if isinstance(x, list) else [x])
text = open(path, encoding="utf-8", newline="").read()
found, bad = set(), []
def walk(x):
    if isinstance(x, str):
        found.add(x)
    elif isinstance(x, list):
        for y in x:
            walk(y)
    elif isinstance(x, dict):
        for y in x.values():
            walk(y)
if fmt == "json":
    try:
        walk(json.loads(text))
    except ValueError:
        for line in text.splitlines():
            walk(json.loads(line))
elif fmt == "csv":
    for row in csv.reader(text.splitlines(keepends=True)):
        found.update(row)
else:
    class P(html.parser.HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.data = []
        def handle_starttag(self, tag, attrs):
            if tag in ("script", "img", "iframe", "object", "embed", "link"):
                bad.append("element <%s> in the page" % tag)
            for a, v in attrs:
                if a.startswith("on") or (v and "javascript:" in v):
                    bad.append("attribute %s=%r on <%s>" % (a, v, tag))
        def handle_data(self, d):
            self.data.append(d)
    p = P()
    p.feed(text)
    page = "".join(p.data)
    found = {w for w in want if w in page}
for w in want:
    if w not in found:
        bad.append("%s does not show %r" % (fmt, w[:120]))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
shown() { # FORMAT FILE KEY... : the hostile values come out whole
	_f=$1 _p=$2
	shift 2
	if "$PY3" "$T/shown.py" "$_f" "$_p" "$T/crm/expect.json" "$@" >"$T/shown.out" 2>&1; then
		ok
	else
		fail "$(basename "$_p") ($*): $(head -c 600 "$T/shown.out")"
	fi
}
R=$T/reports
mkdir -p "$R"
RANGE="--from 2026-09-01 --to 2026-11-02"
for f in json csv; do
	crm -c "$T/c.conf" activities --format $f
	expect_rc 0 "activities --format $f"
	cp "$T/out" "$R/activities.$f"
	shown $f "$R/activities.$f" subjects
done
shown json "$R/activities.json" bobby_name
for r in activity attribution funnel; do
	for f in json csv html; do
		crm -c "$T/c.conf" report $r $RANGE --format $f -o "$R/$r.$f"
		expect_rc 0 "report $r --format $f"
	done
done
check "activity JSON is valid JSON" "$PY3" -m json.tool "$R/activity.json" /dev/null
for f in json csv html; do
	shown $f "$R/attribution.$f" source_names
	shown $f "$R/funnel.$f" stages
	shown $f "$R/activity.$f" stale_deal
done
# Text for a terminal: no escape sequence from content reaches it.
ESC=$(printf '\033')
BEL=$(printf '\007')
noesc() { # description: stdout and stderr carry no ESC or BEL
	if grep -qa -e "$ESC" -e "$BEL" "$T/out" "$T/err"; then
		fail "$1: a control character from content reached the terminal: $(grep -a -e "$ESC" -e "$BEL" "$T/out" "$T/err" | cat -v | head -c 300)"
	else
		ok
	fi
}
crm -c "$T/c.conf" activities
noesc "activities (text)"
expect_out "esc ]0;pwned x" "activities (text) shows the mail subject's escape defused"
crm -c "$T/c.conf" why ctl@quote.example
noesc "why (text)"
expect_out "ctl???[31mred?" "why (text) shows the control characters defused"
crm -c "$T/c.conf" why '<h8@quote.example>'
noesc "why MESSAGE-ID (text)"
crm -c "$T/c.conf" report activity $RANGE --format text
noesc "report (text)"
for c in ctl@quote.example nl@quote.example long@quote.example bobby@evil.example; do
	crm -c "$T/c.conf" why "$c" --format json
	expect_rc 0 "why $c"
	check "why $c --format json shows the stored name whole" "$PY3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
want = json.load(open(sys.argv[2]))["contacts"][sys.argv[3]][0]
sys.exit(0 if d["contact"]["name"] == want else 1)' "$T/out" "$T/crm/expect.json" "$c"
done

# -- TLS fronts for Radicale: the test CA's certificate for 127.0.0.1, and
# one for wrong.example only --------------------------------------------------------
cat >"$T/tlsfront.py" <<'PY'
import os, socket, ssl, sys, threading
portfile, upstream, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(16)
open(portfile + ".tmp", "w").write("%d\n" % ls.getsockname()[1])
os.rename(portfile + ".tmp", portfile)
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
def serve(c):
    try:
        t = ctx.wrap_socket(c, server_side=True)
        u = socket.create_connection(("127.0.0.1", upstream))
    except (OSError, ssl.SSLError):
        c.close()
        return
    threading.Thread(target=pipe, args=(u, t), daemon=True).start()
    pipe(t, u)
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
fronts=
for f in good:server bad:bad; do
	"$PY3" "$T/tlsfront.py" "$T/${f%%:*}.port" "$RADICALE_PORT" "$SV_CERTS/${f#*:}.pem" \
		"$SV_CERTS/${f#*:}.key" </dev/null >"$T/${f%%:*}.front.log" 2>&1 &
	fronts="$fronts $!"
done
fronts_stop() { for p in $fronts; do kill "$p" 2>/dev/null; done; }
T_CLEANUP_HOOKS="${T_CLEANUP_HOOKS:-} fronts_stop"
i=0
while { [ ! -s "$T/good.port" ] || [ ! -s "$T/bad.port" ]; } && [ $i -lt 500 ]; do
	sleep 0.02
	i=$((i + 1))
done
GOOD_URL=https://127.0.0.1:$(cat "$T/good.port")/
BAD_URL=https://127.0.0.1:$(cat "$T/bad.port")/
CA="ca_file = $DOVECOT_CA"

# -- CalDAV sync over TLS: refused unless ca_file / tls_verify = no -----------------------
config "$T/tls.conf" "$(dav_acct caltls "$GOOD_URL")"
crm -c "$T/tls.conf" sync
expect_rc 1 "CalDAV: a certificate from an unknown CA is refused"
expect_err "crmsync: caltls: " "CalDAV unknown CA: the error names the account"
expect_err "certificate" "CalDAV unknown CA: the error says certificate"
config "$T/tls.conf" "$(dav_acct caltls "$GOOD_URL" "$CA")"
crm -c "$T/tls.conf" sync
expect_rc 0 "CalDAV: the test CA as ca_file"
config "$T/tls.conf" "$(dav_acct calbadhost "$BAD_URL" "$CA")"
crm -c "$T/tls.conf" sync
expect_rc 1 "CalDAV: a certificate for another host is refused, even with ca_file"
expect_err "crmsync: calbadhost: " "CalDAV wrong host: the error names the account"
config "$T/tls.conf" "$(dav_acct calbadhost "$BAD_URL" "tls_verify = no")"
crm -c "$T/tls.conf" sync
expect_rc 0 "CalDAV: tls_verify = no connects to the wrong host"
expect_err "tls_verify = no" "CalDAV: tls_verify = no warns"
config "$T/tls.conf" "$(dav_acct calbadhost "$BAD_URL" "$CA")"
crm -c "$T/tls.conf" check-config
expect_rc 1 "check-config: CalDAV wrong host"
expect_out "calbadhost (caldav $BAD_URL): FAILED at TLS: " "check-config: CalDAV wrong host at TLS"

# -- secrets: in no output at any verbosity, in no byte of the database ------------------
WRONG_IMAP='wrongImap-3e9!'
WRONG_FILE='wrongFile-77a#'
WRONG_DAV='wrongDav-c41$'
printf '%s\n' "$WRONG_IMAP" "$WRONG_FILE" "$WRONG_DAV" >>"$T/secrets"
printf '%s\n' "$WRONG_FILE" >"$T/bob.wrong"
printf '%s\n' "$WRONG_DAV" >"$T/dav.wrong"
chmod 600 "$T/bob.wrong" "$T/dav.wrong"
config "$T/all.conf" "$(imap_acct mail "$A" "password_env = IMAP_PW")" \
	"$(imap_acct bobmail "$B" "password_file = $T/bob.pw")" \
	"$(dav_acct cal "$RADICALE_URL")" "$(dav_acct caltls "$GOOD_URL" "$CA")" \
	"$(SEC=tls PORT=$DOVECOT_TLS_PORT imap_acct imaptls "$A" "password_env = IMAP_PW" "$CA")"
# wrong passwords everywhere; TLS refused for IMAP and CalDAV
sed -e "s#$T/bob.pw#$T/bob.wrong#; s#$T/dav.pw#$T/dav.wrong#" "$T/all.conf" >"$T/wrong.conf"
config "$T/notls.conf" "$(dav_acct caltls "$GOOD_URL")" "$(dav_acct calbadhost "$BAD_URL" "$CA")" \
	"$(SEC=tls PORT=$DOVECOT_TLS_PORT imap_acct imaptls "$A" "password_env = IMAP_PW")" \
	"$(SEC=tls PORT=$DOVECOT_BADHOST_PORT imap_acct imapbad "$A" "password_env = IMAP_PW" "$CA")"
mkdir -p "$T/logs"
n=0
# Every verbosity; under valgrind (about 30 times slower) the default and
# the protocol trace only.
VERBS='-q - -v -vv'
[ -n "${VALGRIND:-}" ] && VERBS='- -vv'
run() { # CONFIG ARGS...: crmsync at each verbosity; outputs kept in $T/logs
	_c=$1
	shift
	for v in $VERBS; do
		[ "$v" = - ] && v=
		n=$((n + 1))
		crm -c "$_c" $v "$@"
		cp "$T/out" "$T/logs/$n.out"
		cp "$T/err" "$T/logs/$n.err"
	done
}
run "$T/all.conf" sync
check "a good sync at -vv traces the protocol" grep -qiE 'login|authenticate|propfind' "$T/logs/$n.err"
run "$T/all.conf" status
run "$T/all.conf" status --format json
run "$T/all.conf" why bobby@evil.example
run "$T/all.conf" why '<h1@evil.example>' --format json
run "$T/all.conf" activities --format json
run "$T/all.conf" report activity $RANGE --format html -o "$R/v.html"
cp "$R/v.html" "$T/logs/report.html"
run "$T/all.conf" check-config
# (set and put back: an assignment before a function call may outlive it)
IMAP_PW=$WRONG_IMAP
run "$T/wrong.conf" sync
check "wrong passwords fail every account" [ "$(grep -c ': FAILED' "$T/logs/$n.out")" -eq 5 ]
run "$T/wrong.conf" check-config
run "$T/wrong.conf" status
IMAP_PW=$(head -n 1 "$T/secrets")
run "$T/notls.conf" sync
check "refused TLS fails every account" [ "$(grep -c ': FAILED' "$T/logs/$n.out")" -eq 4 ]
run "$T/notls.conf" check-config
leaks "$n commands' output" "$T"/logs/*
check "secrets checked in $n runs" [ "$(cat "$T"/logs/*.out "$T"/logs/*.err | wc -c)" -gt 10000 ]
leaks "the database files" "$DB" "$DB-wal" "$DB-shm" "$DB.lock"
check "the -wal file is there to check" [ -s "$DB-wal" ]

check "-vv traces the HTTP credentials as hidden" grep -qF 'Authorization: <hidden>' "$T"/logs/*.err
check "-vv traces the IMAP credentials as hidden" grep -qF 'AUTHENTICATE <credentials hidden>' "$T"/logs/*.err

# -- files: modes under umask 000 ------------------------------------------------------
mode() { stat -c %a "$1" 2>/dev/null || echo missing; }
check "new database directory: 700 (got $(mode "$T/data"))" [ "$(mode "$T/data")" = 700 ]
for f in "$DB" "$DB-wal" "$DB-shm" "$DB.lock"; do
	check "$(basename "$f"): 600 (got $(mode "$f"))" [ "$(mode "$f")" = 600 ]
done
for f in "$R"/activity.* "$R"/attribution.* "$R"/funnel.* "$R"/v.html; do
	check "report $(basename "$f"): 600 (got $(mode "$f"))" [ "$(mode "$f")" = 600 ]
done
chmod 644 "$R/funnel.html"
crm -c "$T/c.conf" report funnel $RANGE --format html -o "$R/funnel.html"
check "a report replacing a file keeps its mode (got $(mode "$R/funnel.html"))" [ "$(mode "$R/funnel.html")" = 644 ]
DB2=$T/new/sub/crm.db
crm -d "$DB2" init
expect_rc 0 "init under umask 000"
check "init: database 600, new directories 700 (got $(mode "$DB2") $(mode "$T/new/sub") $(mode "$T/new"))" \
	[ "$(mode "$DB2") $(mode "$T/new/sub") $(mode "$T/new")" = "600 700 700" ]

# -- secrets in config files -------------------------------------------------------------
chmod 644 "$T/bob.pw"
config "$T/pwfile.conf" "$(imap_acct bobmail "$B" "password_file = $T/bob.pw")"
crm -c "$T/pwfile.conf" check-config --offline
expect_rc 2 "a password file readable by others is refused"
expect_out "readable by group or others (chmod 600 it)" "the refusal says what to do"
crm -c "$T/pwfile.conf" sync
check "sync refuses it too (exit $rc)" [ "$rc" -ne 0 ]
expect_err "readable by group or others" "sync says why"
chmod 600 "$T/bob.pw"
config "$T/inline.conf" "$(imap_acct mail "$A" "password = $IMAP_PW")"
chmod 644 "$T/inline.conf"
crm -c "$T/inline.conf" check-config --offline
expect_rc 2 "a password written into the config is refused"
expect_err "unknown key 'password'" "the config error names the key"
leaks "the config error" "$T/out" "$T/err"

t_done security

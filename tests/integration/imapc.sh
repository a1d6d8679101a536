#!/bin/sh
# tests/integration/imapc.sh - sync/imapc against a private Dovecot, driven
# by tests/tools/imapc_probe: LIST with special-use flags and modified UTF-7
# names, STATUS, streamed FETCH (UIDs, header bytes, snippet, chunks, a
# callback that stops), SEARCH, QRESYNC VANISHED; TLS verification before
# any credential; error classes (auth, final, temporary, throttled, data) from
# Dovecot and from a small fake server; time-outs; no secret in any output.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"
servers_require dovecot

PROBE=${TOOL_BIN_DIR:-$TOP/build/tools}/imapc_probe
if [ ! -x "$PROBE" ]; then
	fail "no $PROBE (make build/tools/imapc_probe)"
	t_done imapc
	exit 1
fi

U=alice@lumen.example
IMAPC_PW='s3cret-Pa55word'
export IMAPC_PW
N=12
TAB=$(printf '\t')

# A hung client must fail the test, not hang the suite.
HANG_GUARD=
command -v timeout >/dev/null 2>&1 && HANG_GUARD="timeout 60"

# probe ARGS...: runs the probe (under $VALGRIND when set); stdout to $T/out,
# stderr to $T/err, $rc set. Options common to every run come first.
probe() {
	$HANG_GUARD ${VALGRIND:-} "$PROBE" --user "$U" --password-env IMAPC_PW "$@" \
		>"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq 124 ] && [ -n "$HANG_GUARD" ]; then
		fail "imapc_probe $* hung (killed after 60 s)"
	elif [ -n "${VALGRIND:-}" ] && [ "$rc" -eq 99 ]; then
		fail "valgrind reported errors: imapc_probe $*"
	elif grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/err"; then
		fail "sanitizer report: imapc_probe $*"
	fi
}
# plain, tls, starttls ARGS...: the three ways to reach the private Dovecot.
plain() { probe --host 127.0.0.1 --port "$DOVECOT_PORT" --security none "$@"; }
tls() { probe --host 127.0.0.1 --port "$DOVECOT_TLS_PORT" --security tls "$@"; }
starttls() { probe --host 127.0.0.1 --port "$DOVECOT_PORT" --security starttls "$@"; }

no_secret() { # description: neither output holds the password
	if grep -qF -- "$IMAPC_PW" "$T/out" "$T/err"; then
		fail "$1: the password appears in the output"
	else
		ok
	fi
}

# -- fake servers: silent, throttling, garbling, recording -------------------
# The system python when there is one: a pyenv shim costs most of a second a call.
PY3=/usr/bin/python3
[ -x "$PY3" ] || PY3=python3
FAKE_PIDS=
fake_cleanup() {
	for p in $FAKE_PIDS; do kill "$p" 2>/dev/null; done
}
T_CLEANUP_HOOKS="${T_CLEANUP_HOOKS:-} fake_cleanup"

cat >"$T/fake.py" <<'PY'
import base64, os, socket, ssl, sys, threading, time
mode, portfile = sys.argv[1], sys.argv[2]
caps = b"IMAP4rev1 SASL-IR AUTH=PLAIN"
if mode == "auth":  # checks the credentials; logs how they came
    caps, authlog = sys.argv[3].encode(), sys.argv[4]
    user, pw = os.environ["FAKE_USER"].encode(), os.environ["IMAPC_PW"].encode()
ctx = None
if mode == "record":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[3], sys.argv[4])
    record = sys.argv[5]
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(16)
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(portfile + ".tmp", portfile)

def serve(c):
    if mode == "silent":  # accepts and says nothing
        time.sleep(60)
        return
    if mode == "longgreet":  # a greeting line without end
        try:
            c.sendall(b"* OK ")
            for _ in range(80):
                c.sendall(b"x" * (1 << 20))
        except OSError:
            return
        time.sleep(30)
        return
    if ctx is not None:
        try:
            c = ctx.wrap_socket(c, server_side=True)
        except (OSError, ssl.SSLError):
            return
    c.sendall(b"* OK [CAPABILITY " + caps + b"] fake ready\r\n")
    if mode == "record":  # keeps every byte the client sends after TLS
        with open(record, "ab") as f:
            while True:
                try:
                    d = c.recv(4096)
                except (OSError, ssl.SSLError):
                    break
                if not d:
                    break
                f.write(d)
                f.flush()
        return
    f = c.makefile("rb")
    for line in f:
        tag, _, rest = line.partition(b" ")
        cmd = rest.split(b" ")[0].strip().upper()
        if cmd == b"LOGOUT":
            c.sendall(b"* BYE bye\r\n" + tag + b" OK done\r\n")
            return
        if cmd in (b"AUTHENTICATE", b"LOGIN") and mode == "auth":
            args = rest.split()
            if cmd == b"LOGIN":
                how, good = "LOGIN", [a.strip(b'"') for a in args[1:3]] == [user, pw]
            else:
                how = "AUTHENTICATE " + args[1].decode()
                if len(args) > 2:
                    how += " initial-response"
                    b64 = args[2]
                else:
                    c.sendall(b"+ \r\n")
                    b64 = f.readline().strip()
                try:
                    raw = base64.b64decode(b64)
                except ValueError:
                    raw = b""
                good = raw in (b"\0" + user + b"\0" + pw, user + b"\0" + user + b"\0" + pw)
            with open(authlog, "a") as lf:
                lf.write("%s %s\n" % (how, "ok" if good else "bad"))
            if good:
                c.sendall(tag + b" OK [CAPABILITY IMAP4rev1] logged in\r\n")
            else:
                c.sendall(tag + b" NO [AUTHENTICATIONFAILED] bad\r\n")
        elif cmd == b"STATUS" and mode == "auth":
            c.sendall(b"* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 3)\r\n" + tag + b" OK done\r\n")
        elif cmd in (b"AUTHENTICATE", b"LOGIN"):
            if mode == "unavailable":
                c.sendall(tag + b" NO [UNAVAILABLE] Maintenance, try later\r\n")
            else:
                c.sendall(tag + b" OK [CAPABILITY IMAP4rev1] logged in\r\n")
        elif cmd == b"STATUS" and mode == "garbage":
            c.sendall(b"* STATUS INBOX (MESSAGES \x01\x02 garbage\r\n" + tag + b" OK done\r\n")
        elif cmd == b"EXAMINE":
            c.sendall(b"* 3 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 4] n\r\n"
                      + tag + b" OK [READ-ONLY] done\r\n")
        elif cmd == b"UID" and mode == "garbage":
            c.sendall(b"* 1 FETCH (UID 1 RFC822.SIZE x)\r\n" + tag + b" OK done\r\n")
        elif cmd == b"UID" and mode == "hugelit":  # announces 2 GB, sends 7 bytes
            c.sendall(b"* 1 FETCH (UID 1 BODY[HEADER.FIELDS (FROM)] {2000000000}\r\nFrom: x")
            time.sleep(30)
            return
        elif cmd == b"STATUS" and mode == "longline":  # a line without end
            c.sendall(b"* STATUS INBOX (MESSAGES 1 ")
            chunk = b"x" * (1 << 20)
            try:
                for _ in range(80):
                    c.sendall(chunk)
            except OSError:
                return
            time.sleep(30)
            return
        elif cmd == b"UID" and mode == "cut":  # the server dies mid-answer
            c.sendall(b"* 1 FETCH (UID 1 BODY[HEADER.FIELDS (FROM)] {100}\r\nFrom: x")
            c.shutdown(socket.SHUT_RDWR)
            c.close()
            return
        else:
            c.sendall(tag + b" BAD unknown\r\n")

while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY

# fake MODE [ARGS...]: starts a fake server, sets FAKE_PORT.
fake() {
	_m=$1
	shift
	rm -f "$T/fake-$_m.port"
	FAKE_USER=$U "$PY3" "$T/fake.py" "$_m" "$T/fake-$_m.port" "$@" </dev/null >>"$T/fake.log" 2>&1 &
	FAKE_PIDS="$FAKE_PIDS $!"
	_i=0
	while [ ! -s "$T/fake-$_m.port" ] && [ "$_i" -lt 250 ]; do
		sleep 0.02
		_i=$((_i + 1))
	done
	FAKE_PORT=$(cat "$T/fake-$_m.port" 2>/dev/null)
}

# -- mail --------------------------------------------------------------------
dovecot_add_user "$U" "$IMAPC_PW"
INBOX=$(dovecot_maildir "$U")
SENT=$(dovecot_maildir "$U" Sent)
dovecot_maildir "$U" 'Entw&APw-rfe' >/dev/null
dovecot_maildir "$U" 'R&-D' >/dev/null
: >"$T/expect"
i=1
while [ "$i" -le "$N" ]; do
	day=$(printf '%02d' "$i")
	kept=$(printf 'From: Bob Example <bob@acme.example>\r\nTo: %s\r\nSubject: hello number %d\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <m%d@acme.example>\r\n' "$U" "$i" "$i"; echo x)
	kept=${kept%x}
	f=$(printf '%s/cur/%06d.M1P1.host:2,S' "$INBOX" "$i")
	{
		printf 'Received: from mx.acme.example; Mon, 2 Mar 2026 10:00:00 +0000\r\n'
		printf '%s' "$kept"
		printf 'X-Mailer: not-fetched\r\n\r\nHello body %d\r\nsecond line\r\n' "$i"
	} >"$f"
	touch -d "2026-03-$day 12:00:00 UTC" "$f"
	# uid, INTERNALDATE, RFC822.SIZE, header bytes (kept fields + blank line)
	printf '%d\t2026-03-%sT12:00:00Z\t%d\t%d\n' "$i" "$day" "$(wc -c <"$f")" \
		$(($(printf '%s' "$kept" | wc -c) + 2)) >>"$T/expect"
	i=$((i + 1))
done
printf 'From: %s\r\nTo: carol@client.example\r\nSubject: sent one\r\n\r\nHi\r\n' "$U" \
	>"$SENT/cur/000001.M1P1.host:2,S"
dovecot_fix_perms
dovecot_rawlog_on "$U"
if ! dovecot_start; then
	fail "dovecot_start"
	t_done imapc
	exit 1
fi

# -- LIST, STATUS ------------------------------------------------------------
plain list
expect_rc 0 "list"
expect_out "caps: CONDSTORE QRESYNC" "CONDSTORE and an enabled QRESYNC"
check "LIST: INBOX, no flags" grep -qx "INBOX${TAB}INBOX${TAB}" "$T/out"
check "LIST: Sent has \\Sent" grep -qx "Sent${TAB}Sent${TAB}sent" "$T/out"
check "LIST: modified UTF-7 decoded" grep -qx "Entw&APw-rfe${TAB}Entwürfe${TAB}" "$T/out"
check "LIST: &- is &" grep -qx "R&-D${TAB}R&D${TAB}" "$T/out"
expect_out "stats: status=0 select=0 fetch=0 search=0 list=1" "list counts one LIST"

plain status INBOX
expect_rc 0 "status"
check "STATUS numbers" grep -qE "^status: messages=$N uidnext=$((N + 1)) uidvalidity=[1-9][0-9]* highestmodseq=[1-9]" "$T/out"
expect_out "stats: status=1 select=0 fetch=0 search=0 list=0" "STATUS alone: no SELECT, no FETCH"
plain status Nope
expect_rc 1 "status of a missing folder"
expect_err "final: STATUS 'Nope'" "missing folder is final"

# -- FETCH -------------------------------------------------------------------
plain fetch INBOX
expect_rc 0 "fetch"
grep -E "^[0-9]+$TAB" "$T/out" | cut -f1-4 >"$T/got"
check "fetch: $N messages, UIDs, dates, sizes, header bytes" cmp -s "$T/got" "$T/expect"
check "fetch: header starts at the first requested field" \
	[ "$(grep -cE "^[0-9]+$TAB.*${TAB}From: Bob Example <bob@acme.example>$TAB\$" "$T/out")" -eq "$N" ]
check "fetch: no body without body_bytes" [ "$(cut -f5 "$T/out" | grep -c '^0$')" -eq "$N" ]
expect_out "messages=$N" "stats count messages"

plain fetch INBOX 10
check "snippet of 10 bytes" grep -q "^3$TAB.*${TAB}10${TAB}From: .*${TAB}Hello body\$" "$T/out"
plain fetch INBOX 1000
check "short body fetched whole" grep -q "^3$TAB.*${TAB}27${TAB}From: .*${TAB}Hello body 3\$" "$T/out"

dovecot_rawlog_clear "$U"
plain --chunk 5 fetch INBOX
check "chunks of 5: all $N messages" [ "$(grep -cE "^[0-9]+$TAB" "$T/out")" -eq "$N" ]
expect_out "fetch=3 " "chunks of 5: three UID FETCH"
check "the server saw three UID FETCH" [ "$(dovecot_count_cmds "$U" "UID FETCH")" -eq 3 ]
check "the server saw one EXAMINE and no SELECT" \
	[ "$(dovecot_count_cmds "$U" EXAMINE)/$(dovecot_count_cmds "$U" SELECT)" = 1/0 ]

plain --stop-after 3 fetch INBOX -- status INBOX
expect_rc 0 "a callback that stops"
check "stopped after 3 messages" [ "$(grep -cE "^[0-9]+$TAB" "$T/out")" -eq 3 ]
expect_out "fetch: stopped by the callback after 3 messages" "stop reported"
expect_out "status: messages=$N" "the connection works after a stop"

# -- SEARCH ------------------------------------------------------------------
plain search INBOX 5 2026-03-08
check "search uid>=5 since 8 March" grep -qx 'search: 8 9 10 11 12' "$T/out"
plain search INBOX 10 0
check "search uid>=10" grep -qx 'search: 10 11 12' "$T/out"
plain search INBOX $((N + 5)) 0
check "search above the last UID: empty (n:* quirk filtered)" grep -qx 'search:' "$T/out"

# -- QRESYNC -----------------------------------------------------------------
plain status INBOX
modseq=$(sed -n 's/^status: .*highestmodseq=\([0-9]*\)$/\1/p' "$T/out")
"$PY3" - "$DOVECOT_PORT" "$U" <<'PY' >"$T/expunge.log" 2>&1 || fail "expunge with imaplib"
import imaplib, os, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login(sys.argv[2], os.environ["IMAPC_PW"])
m.select("INBOX")
m.uid("STORE", "2,4", "+FLAGS.SILENT", r"(\Deleted)")
m.expunge()
m.logout()
PY
plain vanished INBOX "$modseq"
expect_rc 0 "vanished"
check "VANISHED after expunging 2 and 4" grep -qx 'vanished: 2 4' "$T/out"
plain status INBOX
modseq2=$(sed -n 's/^status: .*highestmodseq=\([0-9]*\)$/\1/p' "$T/out")
plain vanished INBOX "$modseq2"
check "nothing vanished since" grep -qx 'vanished:' "$T/out"
plain search INBOX 1 0
check "search no longer finds 2 and 4" grep -qx 'search: 1 3 5 6 7 8 9 10 11 12' "$T/out"

# -- TLS ---------------------------------------------------------------------
tls --ca-file "$DOVECOT_CA" status INBOX
expect_rc 0 "TLS with ca_file"
probe --host localhost --port "$DOVECOT_TLS_PORT" --security tls --ca-file "$DOVECOT_CA" status INBOX
expect_rc 0 "TLS to localhost (SNI, DNS name)"
starttls --ca-file "$DOVECOT_CA" status INBOX
expect_rc 0 "STARTTLS with ca_file"

logn=$(wc -l <"$DOVECOT_LOG")
tls status INBOX
expect_rc 1 "TLS without ca_file: self-signed CA refused"
expect_err "final: TLS certificate of 127.0.0.1 not accepted: certificate not trusted" \
	"refusal names the host and the reason"
# imap-login logs the closed connection, and whether it tried to log in.
_i=0
while :; do
	tail -n +"$((logn + 1))" "$DOVECOT_LOG" >"$T/newlog"
	grep -q 'no auth attempts' "$T/newlog" || [ "$_i" -ge 100 ] || {
		sleep 0.02
		_i=$((_i + 1))
		continue
	}
	break
done
check "Dovecot: the refused connection made no auth attempt" grep -q 'no auth attempts' "$T/newlog"
check "Dovecot: no login, no failed auth" sh -c "! grep -qE 'Login:|auth failed|Aborted login' '$T/newlog'"
starttls status INBOX
expect_rc 1 "STARTTLS without ca_file refused"
expect_err "certificate not trusted" "STARTTLS refusal reason"

tls --ca-file "$DOVECOT_CA" --port "$DOVECOT_BADHOST_PORT" status INBOX
expect_rc 1 "wrong host name refused even with ca_file"
expect_err "host name mismatch" "wrong-host reason"
tls --no-verify --port "$DOVECOT_BADHOST_PORT" status INBOX
expect_rc 0 "--no-verify accepted"
expect_err "tls_verify = no" "--no-verify warns"

# A recording TLS server: what does the client send before giving up on an
# untrusted certificate? Nothing at all.
(cd "$T" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout rec.key -out rec.pem -days 30 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost,IP:127.0.0.1) >"$T/openssl.log" 2>&1
: >"$T/recorded"
fake record "$T/rec.pem" "$T/rec.key" "$T/recorded"
probe --host 127.0.0.1 --port "$FAKE_PORT" --security tls --timeout 5 status INBOX
expect_rc 1 "untrusted recording server refused"
expect_err "certificate not trusted (self-signed?)" "recording server: reason"
sleep 0.2
check "not one byte (no LOGIN, no AUTHENTICATE) sent after the handshake" [ ! -s "$T/recorded" ]

# -- secrets in traces -------------------------------------------------------
plain --trace status INBOX
expect_rc 0 "trace run"
expect_err "credentials hidden" "trace hides the AUTHENTICATE line"
no_secret "trace with AUTHENTICATE PLAIN"
b64=$(printf '\0%s\0%s' "$U" "$IMAPC_PW" | base64 | tr -d '\n')
check "trace lacks the base64 credentials" sh -c "! grep -qF '$b64' '$T/err'"
plain --trace --auth login status INBOX
expect_rc 0 "auth = login"
no_secret "trace with LOGIN"

# -- fake servers: throttling, garbage, a cut answer, silence ---------------
fake unavailable
probe --host 127.0.0.1 --port "$FAKE_PORT" --security none --timeout 5 status INBOX
expect_rc 1 "NO [UNAVAILABLE] at login"
expect_err "throttled:" "[UNAVAILABLE] is ERR_WAIT"
fake garbage
probe --host 127.0.0.1 --port "$FAKE_PORT" --security none --timeout 5 status INBOX
expect_rc 1 "malformed STATUS answer"
expect_err "data: STATUS 'INBOX': cannot parse" "a parse error is ERR_DATA"
probe --host 127.0.0.1 --port "$FAKE_PORT" --security none --timeout 5 fetch INBOX
expect_rc 1 "malformed FETCH answer"
expect_err "data: UID FETCH 1:3: cannot parse" "a malformed FETCH is ERR_DATA"
# Bounds on what the server controls (sync/imapc.c IMAPC_LITERAL_MAX,
# IMAPC_LINE_MAX): refused as they arrive, before libetpan allocates the
# announced size or waits for the rest, as ERR_DATA (the sync narrows it
# to the UID and records it: mail_faults.sh).
fake hugelit
t0=$(date +%s)
probe --host 127.0.0.1 --port "$FAKE_PORT" --security none --timeout 20 fetch INBOX
t1=$(date +%s)
expect_rc 1 "a 2 GB literal announced"
expect_err "data: UID FETCH 1:3: the server sent a literal over the limit of 16777216 bytes" \
	"a literal over IMAPC_LITERAL_MAX is ERR_DATA"
check "the huge literal is refused at once, not waited for (took $((t1 - t0)) s)" \
	[ $((t1 - t0)) -lt 10 ]
fake longline
probe --host 127.0.0.1 --port "$FAKE_PORT" --security none --timeout 20 status INBOX
expect_rc 1 "a response line of 80 MB"
expect_err "data: STATUS 'INBOX': the server sent a response line over the limit of 67108864 bytes" \
	"a line over IMAPC_LINE_MAX is ERR_DATA"
fake longgreet
probe --host 127.0.0.1 --port "$FAKE_PORT" --security none --timeout 20 status INBOX
expect_rc 1 "a greeting line of 80 MB"
expect_err "data: cannot connect to 127.0.0.1:$FAKE_PORT: the server sent a response line over the limit of 67108864 bytes" \
	"the greeting is bounded too"
fake cut
probe --host 127.0.0.1 --port "$FAKE_PORT" --security none --timeout 5 fetch INBOX
expect_rc 1 "FETCH answer cut short"
expect_err "temporary: UID FETCH 1:3: connection to 127.0.0.1 lost" \
	"an answer cut short is ERR_TEMP, not ERR_DATA"

# auth = plain: AUTHENTICATE PLAIN in one round trip with SASL-IR; without
# it libetpan's Cyrus SASL path (which needs the libsasl2-modules plugin);
# LOGIN only when the server has no AUTH=PLAIN; nothing with LOGINDISABLED.
auth_case() { # capabilities, expected log line (empty: nothing may be sent)
	: >"$T/authlog"
	fake auth "$1" "$T/authlog"
	probe --host 127.0.0.1 --port "$FAKE_PORT" --security none --timeout 5 status INBOX
	no_secret "auth with '$1'"
	if [ -z "$2" ]; then
		expect_rc 1 "auth with '$1' refused"
		check "auth with '$1': no credential sent" [ ! -s "$T/authlog" ]
	elif [ "$rc" -eq 1 ] && grep -q 'SASL PLAIN is not available' "$T/err"; then
		skip "auth with '$1': no Cyrus SASL PLAIN plugin here"
	else
		expect_rc 0 "auth with '$1'"
		check "auth with '$1': $2" grep -qx "$2 ok" "$T/authlog"
	fi
}
auth_case "IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=LOGIN" "AUTHENTICATE PLAIN initial-response"
auth_case "IMAP4rev1 AUTH=PLAIN" "AUTHENTICATE PLAIN"
auth_case "IMAP4rev1" "LOGIN"
auth_case "IMAP4rev1 LOGINDISABLED" ""
expect_err "final: login to 127.0.0.1: neither AUTH=PLAIN nor LOGIN" "LOGINDISABLED message"

fake silent
# Timed runs go without valgrind: its start-up would eat the margin.
t0=$(date +%s)
"$PROBE" --user "$U" --password-env IMAPC_PW --host 127.0.0.1 --port "$FAKE_PORT" \
	--security none --timeout 2 status INBOX >"$T/out" 2>"$T/err"
rc=$? t1=$(date +%s)
expect_rc 1 "silent server"
expect_err "temporary: 127.0.0.1:$FAKE_PORT accepted the connection but sent no greeting within 2 s" \
	"silent server: a time-out, ERR_TEMP"
check "silent server abandoned in < 5 s (took $((t1 - t0)) s)" [ $((t1 - t0)) -lt 5 ]
t0=$(date +%s)
"$PROBE" --user "$U" --password-env IMAPC_PW --host 127.0.0.1 --port "$FAKE_PORT" \
	--security tls --timeout 2 status INBOX >"$T/out" 2>"$T/err"
rc=$? t1=$(date +%s)
expect_rc 1 "silent server, TLS"
expect_err "temporary: cannot connect to 127.0.0.1:$FAKE_PORT: no TLS handshake within 2 s" \
	"silent TLS server: a time-out"
check "silent TLS server abandoned in < 5 s (took $((t1 - t0)) s)" [ $((t1 - t0)) -lt 5 ]

# -- the server goes away ----------------------------------------------------
# Killed, not stopped: a graceful stop waits about 9 s for connected clients.
rm -f "$T/go"
"$PROBE" --user "$U" --password-env IMAPC_PW --host 127.0.0.1 --port "$DOVECOT_PORT" \
	--security none --timeout 10 status INBOX -- waitfile "$T/go" -- status INBOX \
	>"$T/mid.out" 2>"$T/mid.err" &
mid=$!
_i=0
while ! grep -q '^status:' "$T/mid.out" && [ "$_i" -lt 250 ]; do
	sleep 0.02
	_i=$((_i + 1))
done
dovecot_kill
t0=$(date +%s)
touch "$T/go"
wait "$mid"
rc=$? t1=$(date +%s)
cp "$T/mid.err" "$T/err"
expect_rc 1 "server stopped mid-session"
expect_err "temporary: STATUS 'INBOX': connection to 127.0.0.1 lost" "a lost connection is ERR_TEMP"
check "noticed at once (took $((t1 - t0)) s)" [ $((t1 - t0)) -lt 3 ]
t0=$(date +%s)
"$PROBE" --user "$U" --password-env IMAPC_PW --host 127.0.0.1 --port "$DOVECOT_PORT" \
	--security none --timeout 10 status INBOX >"$T/out" 2>"$T/err"
rc=$? t1=$(date +%s)
expect_rc 1 "nothing listens"
expect_err "temporary: cannot connect to 127.0.0.1:$DOVECOT_PORT: connection refused" \
	"unreachable port is ERR_TEMP"
check "refused at once (took $((t1 - t0)) s)" [ $((t1 - t0)) -lt 3 ]
dovecot_start || fail "dovecot restart"

# -- wrong password (last: Dovecot delays later logins from the same IP) ----
IMAPC_PW='wrong-Pa55word'
plain status INBOX
expect_rc 1 "wrong password"
expect_err "auth: login failed for $U (check the password)" "wrong password message"
no_secret "wrong password"

t_done imapc

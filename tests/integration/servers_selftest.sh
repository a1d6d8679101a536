#!/bin/sh
# tests/integration/servers_selftest.sh - the test servers themselves
# (servers.sh): Dovecot over plain IMAP, STARTTLS and implicit TLS, the
# wrong-host certificate, Maildir loading with UIDs in name order and
# INTERNALDATE from mtime, SPECIAL-USE, rawlog command counting, kill and
# restart; Radicale with auth and owner-only rights; clean stops, also when a
# test script fails half-way.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"
servers_require dovecot radicale

dead() { ! _sv_alive "$1"; }
A=alice@lumen.example
B=bob@lumen.example

# imap PYTHON-BODY: runs Python with imaplib, ssl, os and A/B in scope;
# exits non-zero (with the exception on stderr) when the body raises.
imap() {
	servers_py -c "
import imaplib, os, ssl, sys, time, email.utils
A, B = '$A', '$B'
P, S, X = int(os.environ['DOVECOT_PORT']), int(os.environ['DOVECOT_TLS_PORT']), int(os.environ['DOVECOT_BADHOST_PORT'])
def ca(): return ssl.create_default_context(cafile=os.environ['DOVECOT_CA'])
$1
" >"$T/out" 2>"$T/err"
	rc=$?
}

dovecot_add_user "$A" secret
start=$(date +%s%N)
check "dovecot_start" dovecot_start
dv_ms=$((($(date +%s%N) - start) / 1000000))
start=$(date +%s%N)
check "radicale_start" radicale_start
rd_ms=$((($(date +%s%N) - start) / 1000000))
echo "dovecot_start ${dv_ms} ms (certificates included), radicale_start ${rd_ms} ms" >&2
check "three distinct ports" [ "$(printf '%s\n' "$DOVECOT_PORT" "$DOVECOT_TLS_PORT" "$DOVECOT_BADHOST_PORT" | sort -u | wc -l)" = 3 ]
check "CA file written" [ -s "$DOVECOT_CA" ]
if [ "$(id -u)" -eq 0 ]; then
	check "maildirs belong to a non-root uid" [ "$(stat -c %u "$(dovecot_maildir "$A")")" -ne 0 ]
fi

# -- logins ----------------------------------------------------------------------
imap "m = imaplib.IMAP4('127.0.0.1', P); m.login(A, 'secret'); m.logout()"
check "plain IMAP LOGIN" [ "$rc" = 0 ]
imap "
m = imaplib.IMAP4('127.0.0.1', P)
try:
    m.login(A, 'wrong'); print('accepted')
except imaplib.IMAP4.error: print('refused')"
expect_out refused "wrong password refused"
imap "m = imaplib.IMAP4('127.0.0.1', P); m.starttls(ssl_context=ca()); m.login(A, 'secret'); m.logout()"
check "STARTTLS on the plain port, certificate verified" [ "$rc" = 0 ]
imap "m = imaplib.IMAP4_SSL('localhost', S, ssl_context=ca()); m.login(A, 'secret'); print(m.capability()); m.logout()"
check "implicit TLS LOGIN, verified for localhost" [ "$rc" = 0 ]
imap "m = imaplib.IMAP4_SSL('127.0.0.1', S, ssl_context=ca()); m.logout()"
check "implicit TLS verified for IP 127.0.0.1" [ "$rc" = 0 ]
imap "
try:
    imaplib.IMAP4_SSL('localhost', S, ssl_context=ssl.create_default_context()); print('trusted')
except ssl.SSLCertVerificationError as e: print('untrusted', e.verify_message)"
expect_out untrusted "the private CA is not trusted without ca_file"
check "openssl s_client verifies the good certificate" sh -c \
	"openssl s_client -connect 127.0.0.1:$DOVECOT_TLS_PORT -CAfile '$DOVECOT_CA' -verify_hostname localhost -verify_return_error </dev/null >/dev/null 2>&1"

# -- the wrong host name -----------------------------------------------------------
imap "
try:
    imaplib.IMAP4_SSL('localhost', X, ssl_context=ca()); print('accepted')
except ssl.SSLCertVerificationError as e: print('refused:', e.verify_message)"
expect_out "refused: Hostname mismatch" "wrong-host certificate refused on host name"
imap "
c = ca(); c.check_hostname = False
m = imaplib.IMAP4_SSL('localhost', X, ssl_context=c); m.login(A, 'secret'); m.logout()"
check "wrong-host certificate chains to the CA (only the name is wrong)" [ "$rc" = 0 ]
check "openssl s_client refuses the wrong host" sh -c \
	"! openssl s_client -connect 127.0.0.1:$DOVECOT_BADHOST_PORT -CAfile '$DOVECOT_CA' -verify_hostname localhost -verify_return_error </dev/null >/dev/null 2>&1"

# -- users added after the start ---------------------------------------------------
dovecot_add_user "$B" bobpass
imap "m = imaplib.IMAP4('127.0.0.1', P); m.login(B, 'bobpass'); m.logout()"
check "user added while running can log in" [ "$rc" = 0 ]
imap "
m = imaplib.IMAP4('127.0.0.1', P)
try:
    m.login('nobody@lumen.example', 'x'); print('accepted')
except imaplib.IMAP4.error: print('refused')"
expect_out refused "unknown user refused"
dovecot_add_user "$B" newpass
imap "m = imaplib.IMAP4('127.0.0.1', P); m.login(B.upper(), 'newpass'); m.logout()"
check "password change and case-insensitive user name" [ "$rc" = 0 ]

# -- Maildir loading: UIDs in name order, INTERNALDATE from mtime ---------------------
inbox=$(dovecot_maildir "$A")
sent=$(dovecot_maildir "$A" Sent)
arch=$(dovecot_maildir "$A" Archive/2026)
check "INBOX is ~/Maildir" [ "$inbox" = "$T/dovecot/home/$A/Maildir" ]
check "Sent is ~/Maildir/.Sent" [ "$sent" = "$T/dovecot/home/$A/Maildir/.Sent" ]
check "nested folder is Maildir++" [ -d "$T/dovecot/home/$A/Maildir/.Archive.2026/cur" ]
msg() { # seq subject
	printf 'From: Wile <wile@acme.example>\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <m%s@acme.example>\r\nDate: Mon, 05 Oct 2026 10:00:00 +0000\r\n\r\nbody %s\r\n' \
		"$A" "$2" "$1" "$1"
}
# written in reverse order: the UIDs must still follow the names
for i in 3 2 1; do
	f="$inbox/cur/0000000$i.M1P1.load:2,S"
	msg "$i" "message $i" >"$f"
	touch -d "2026-10-0${i}T08:00:00Z" "$f"
done
msg 9 "sent one" >"$sent/cur/00000001.M1P1.load:2,S"
dovecot_fix_perms
if [ "$(id -u)" -eq 0 ]; then
	check "fix_perms gives the files to the mail uid" [ "$(stat -c %u "$inbox/cur/00000001.M1P1.load:2,S")" -ne 0 ]
fi
dovecot_rawlog_on "$A"
imap "
m = imaplib.IMAP4('127.0.0.1', P); m.login(A, 'secret')
typ, d = m.list()
print('LIST', b' '.join(d).decode())
m.status('INBOX', '(MESSAGES UIDNEXT)'); m.status('Sent', '(MESSAGES)')
typ, d = m.select('INBOX')
print('EXISTS', d[0].decode())
typ, d = m.uid('FETCH', '1:*', '(UID INTERNALDATE BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
for x in d:
    if isinstance(x, tuple):
        uid = x[0].split(b'UID ')[1].split()[0].decode()
        t = time.gmtime(time.mktime(imaplib.Internaldate2tuple(x[0])))
        print('UID', uid, time.strftime('%Y-%m-%d', t), x[1].decode().strip())
m.logout()"
check "IMAP session over loaded maildir" [ "$rc" = 0 ]
expect_out 'EXISTS 3' "three messages in INBOX"
expect_out 'UID 1 2026-10-01 Subject: message 1' "UID 1 is the first name, INTERNALDATE from mtime"
expect_out 'UID 2 2026-10-02 Subject: message 2' "UID 2"
expect_out 'UID 3 2026-10-03 Subject: message 3' "UID 3"
expect_out '(\HasNoChildren \Sent) "/" Sent' "LIST shows \\Sent"
expect_out '"/" Archive/2026' "nested folder listed with / separator"

# -- rawlog counting -------------------------------------------------------------------
check "SELECT counted" [ "$(dovecot_count_cmds "$A" SELECT)" = 1 ]
check "STATUS counted" [ "$(dovecot_count_cmds "$A" status)" = 2 ]
check "UID FETCH counted" [ "$(dovecot_count_cmds "$A" 'UID FETCH')" = 1 ]
check "FETCH alone is not UID FETCH" [ "$(dovecot_count_cmds "$A" FETCH)" = 0 ]
check "LOGIN is before the rawlog" [ "$(dovecot_count_cmds "$A" LOGIN)" = 0 ]
check "one session" [ "$(dovecot_sessions "$A")" = 1 ]
check "rawlog only for users switched on" [ ! -d "$DOVECOT_RAWLOG_DIR/$B" ]
dovecot_rawlog_clear "$A"
check "rawlog cleared" [ "$(dovecot_count_cmds "$A" SELECT) $(dovecot_sessions "$A")" = "0 0" ]

# -- kill and restart ----------------------------------------------------------------------
imap "
m = imaplib.IMAP4('127.0.0.1', P); m.login(A, 'secret')
print('UIDVALIDITY', m.status('INBOX', '(UIDVALIDITY)')[1][0].decode().split()[-1].rstrip(')'))"
uidvalidity=$(sed -n 's/^UIDVALIDITY //p' "$T/out")
old=$(dovecot_pids)
servers_py -c "
import imaplib, os, sys, time
m = imaplib.IMAP4('127.0.0.1', int(os.environ['DOVECOT_PORT'])); m.login('$A', 'secret'); m.select()
open(sys.argv[1], 'w').write('ready')
try:
    for _ in range(100):
        time.sleep(0.05); m.noop()
    print('survived')
except Exception as e: print('dropped', type(e).__name__)" "$T/ready" >"$T/drop" 2>&1 &
client=$!
_sv_wait_gone 5 test ! -f "$T/ready"
dovecot_kill
wait "$client"
check "dovecot_kill drops live connections" grep -q dropped "$T/drop"
left=
for p in $old; do _sv_alive "$p" && left="$left $p"; done
check "dovecot_kill leaves no process ($left)" [ -z "$left" ]
imap "imaplib.IMAP4('127.0.0.1', P)"
check "nothing listens after dovecot_kill" [ "$rc" != 0 ]
check "dovecot_start after a kill" dovecot_start
imap "
m = imaplib.IMAP4('127.0.0.1', P); m.login(A, 'secret')
typ, d = m.status('INBOX', '(UIDVALIDITY MESSAGES)')
f = d[0].decode().split('(')[1].rstrip(')').split()
f = dict(zip(f[::2], f[1::2]))
print('UIDVALIDITY', f['UIDVALIDITY'], 'MESSAGES', f['MESSAGES'])"
expect_out "UIDVALIDITY $uidvalidity MESSAGES 3" "same ports, data and UIDVALIDITY after the restart"
start=$(date +%s%N)
check "dovecot_restart" dovecot_restart
echo "dovecot_restart $((($(date +%s%N) - start) / 1000000)) ms" >&2
imap "m = imaplib.IMAP4_SSL('localhost', S, ssl_context=ca()); m.login(A, 'secret'); m.logout()"
check "TLS login after dovecot_restart" [ "$rc" = 0 ]

# -- Radicale ---------------------------------------------------------------------------------
radicale_add_user "$A" calpass
radicale_add_user "$B" bobcal
cal=$(radicale_calendar_dir "$A" work "Work calendar")
check "calendar collection dir" [ -f "$cal/.Radicale.props" ]
cat >"$cal/e1.ics" <<'ICS'
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//crmsync tests//EN
BEGIN:VEVENT
UID:e1@lumen.example
DTSTAMP:20261001T080000Z
DTSTART:20261005T090000Z
DTEND:20261005T100000Z
SUMMARY:Acme demo
ORGANIZER:mailto:alice@lumen.example
ATTENDEE;PARTSTAT=ACCEPTED:mailto:wile@acme.example
END:VEVENT
END:VCALENDAR
ICS
dav() { # user pass method path depth [body]
	servers_py -c "
import base64, http.client, os, sys
u, p, meth, path, depth, body = sys.argv[1:7]
c = http.client.HTTPConnection('127.0.0.1', int(os.environ['RADICALE_PORT']), timeout=10)
h = {'Depth': depth, 'Content-Type': 'application/xml; charset=utf-8'}
if u: h['Authorization'] = 'Basic ' + base64.b64encode((u + ':' + p).encode()).decode()
c.request(meth, path, body=body.encode(), headers=h)
r = c.getresponse()
print(r.status); print(r.read().decode())" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}
PF='<?xml version="1.0"?><propfind xmlns="DAV:"><prop><resourcetype/><displayname/><getetag/></prop></propfind>'
dav "$A" calpass PROPFIND "/$A/" 1 "$PF"
check "PROPFIND with auth: 207" [ "$(head -n 1 "$T/out")" = 207 ]
expect_out "Work calendar" "calendar listed with its display name"
dav "$A" calpass PROPFIND "/$A/work/" 1 "$PF"
expect_out "/work/e1.ics</" "copied .ics is an item"
dav "$A" calpass GET "/$A/work/e1.ics" 0 ""
expect_out "UID:e1@lumen.example" "GET the item"
dav "" "" PROPFIND "/$A/" 1 "$PF"
check "PROPFIND without auth: 401" [ "$(head -n 1 "$T/out")" = 401 ]
dav "$A" nope PROPFIND "/$A/" 1 "$PF"
check "wrong password: 401" [ "$(head -n 1 "$T/out")" = 401 ]
dav "$B" bobcal PROPFIND "/$A/work/" 1 "$PF"
check "owner_only: bob cannot read alice's calendar" grep -qE '^40[34]$' "$T/out"

# -- stopping -------------------------------------------------------------------------------------
dv_pids=$(dovecot_pids)
rd_pid=$(radicale_pid)
bh_pid=$(cat "$T/dovecot/badhost.pid")
start=$(date +%s%N)
dovecot_stop
radicale_stop
echo "dovecot_stop + radicale_stop $((($(date +%s%N) - start) / 1000000)) ms" >&2
left=
for p in $dv_pids $rd_pid $bh_pid; do _sv_alive "$p" && left="$left $p"; done
check "no server process left after stop ($left)" [ -z "$left" ]
check "master.pid removed" [ ! -f "$T/dovecot/run/master.pid" ]
# any live process whose command line names this test's directory or instance
SV_MARK=$(basename "$T") servers_py -c "
import os
mark, me = os.environ['SV_MARK'], os.getpid()
for p in os.listdir('/proc'):
    if not p.isdigit() or int(p) in (me, os.getppid()): continue
    try:
        st = open('/proc/%s/stat' % p).read().rsplit(') ', 1)[1]
        cmd = open('/proc/%s/cmdline' % p, 'rb').read().decode(errors='replace')
    except OSError: continue
    if st[0] not in 'ZX' and mark in cmd: print(p, cmd.replace(chr(0), ' '))" >"$T/out"
check "no process of this instance left: $(cat "$T/out")" [ ! -s "$T/out" ]
servers_py -c "
import socket, sys
for p in sys.argv[1:]:
    try: socket.create_connection(('127.0.0.1', int(p)), timeout=1).close(); print('open', p)
    except OSError: pass" "$DOVECOT_PORT" "$DOVECOT_TLS_PORT" "$DOVECOT_BADHOST_PORT" "$RADICALE_PORT" >"$T/out"
check "ports closed after stop" [ ! -s "$T/out" ]
dovecot_stop
radicale_stop
ok # stopping twice is harmless

# -- a failing test script leaves nothing running ------------------------------------------------
cat >"$T/failing.sh" <<EOF
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/servers.sh"
dovecot_add_user x@lumen.example x
dovecot_start && radicale_start || exit 3
echo "\$(cat "\$T/dovecot/run/master.pid") \$(radicale_pid) \$(cat "\$T/dovecot/badhost.pid") \$T"
fail "on purpose"
t_done failing
EOF
(cd "$T" && sh "$T/failing.sh" >"$T/failing.out" 2>"$T/failing.err")
check "failing script fails" [ $? = 1 ]
set -- $(cat "$T/failing.out")
check "failing script reported its pids" [ $# -ge 4 ]
if [ $# -ge 4 ]; then
	check "its dovecot group is gone" [ -z "$(_sv_pgrp_pids "$1")" ]
	check "its radicale is gone" dead "$2"
	check "its TLS front is gone" dead "$3"
	check "its temp dir is gone" [ ! -d "$4" ]
fi

# -- skipping -----------------------------------------------------------------------------------------
cat >"$T/skipper.sh" <<EOF
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/servers.sh"
servers_require nosuchserver
echo "not reached"
EOF
(unset CI; sh "$T/skipper.sh" >"$T/skip.out" 2>&1)
check "missing server: exit 0 off CI" [ $? = 0 ]
check "missing server: SKIP line and skipped count" sh -c "grep -q '^SKIP: not installed: nosuchserver' '$T/skip.out' && grep -q 'skipper: 0 passed, 0 failed, 1 skipped' '$T/skip.out' && ! grep -q 'not reached' '$T/skip.out'"
CI=true sh "$T/skipper.sh" >"$T/skip.out" 2>&1
check "missing server: exit 1 with CI=true" [ $? = 1 ]
check "missing server: a FAIL with CI=true" grep -q 'skipper: 0 passed, 1 failed' "$T/skip.out"

t_done servers_selftest

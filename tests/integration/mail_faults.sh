#!/bin/sh
# tests/integration/mail_faults.sh - IMAP sync when things go wrong: TLS
# that must be refused, a wrong password, the server killed in the middle
# of a sync, crmsync itself killed with SIGKILL at several points, and the
# real-world corpus of broken mail. After every fault the next run
# completes and the database equals a clean run's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"
servers_require dovecot
PY=servers_py
W=$T/world
export CRMSYNC_NOW=2026-11-01T12:00:00Z
export IMAP_PW=fault-secret-pw

# Under valgrind (about 30 times slower) the mailbox is smaller.
n=3000
[ -n "${VALGRIND:-}" ] && n=600
"$PY" "$TOP/tests/gen/gen.py" --out "$W" --seed 5 --bulk $n --bulk-folders 1 --now "$CRMSYNC_NOW" >/dev/null ||
	fail "generator"
rep=$(sed -n 2p "$W/crm/users.csv" | cut -d, -f1)
for u in $(tail -n +2 "$W/crm/users.csv" | cut -d, -f1); do dovecot_add_user "$u" "$IMAP_PW"; done
sh "$TOP/tests/gen/load_maildir.sh" "$W/mail" || fail "loading the maildir"
dovecot_add_user corpus@lumen.example "$IMAP_PW"
box=$(dovecot_maildir corpus@lumen.example INBOX)
n=0
for f in "$TOP"/tests/data/mail/*.eml; do
	n=$((n + 1))
	cp "$f" "$box/cur/$(printf '%06d' $n).M1P1.corpus:2,S"
done
ncorpus=$n
dovecot_fix_perms
dovecot_start || fail "dovecot_start"

account() { # name user port security [extra]
	printf '[imap "%s"]\nhost = 127.0.0.1\nport = %s\nsecurity = %s\nuser = %s\n' "$1" "$3" "$4" "$2"
	printf 'password_env = IMAP_PW\nowner = %s\nsince = 3650d\n%s\n\n' "$rep" "${5:-}"
}
config() { # file db accounts...
	f=$1 db=$2
	shift 2
	printf '[store]\npath = %s\n\n[team]\ndomains = lumen.example\n\n' "$db" >"$f"
	for a in "$@"; do printf '%s\n' "$a" >>"$f"; done
}
newdb() { # db
	rm -f "$1" "$1-wal" "$1-shm"
	for k in users companies contacts stages deals; do
		crm -d "$1" import $k "$W/crm/$k.csv"
	done
}

# -- the clean run everything else is compared with ------------------------------------
newdb "$T/clean.db"
config "$T/clean.conf" "$T/clean.db" "$(account bulk "$rep" "$DOVECOT_PORT" none)"
crm -c "$T/clean.conf" sync
expect_rc 0 "clean bulk sync"
clean=$(canon "$T/clean.db")
check "clean run logged activities" [ "$(q "$T/clean.db" "SELECT count(*) FROM activities")" -gt $((n / 3)) ]

# -- TLS ---------------------------------------------------------------------------------
newdb "$T/tls.db"
config "$T/tls.conf" "$T/tls.db" "$(account tls "$rep" "$DOVECOT_TLS_PORT" tls "ca_file = $DOVECOT_CA")"
crm -c "$T/tls.conf" sync
expect_rc 0 "TLS with ca_file"
config "$T/tls2.conf" "$T/tls.db" "$(account tls "$rep" "$DOVECOT_TLS_PORT" tls)"
crm -c "$T/tls2.conf" sync
expect_rc 1 "self-signed certificate refused without ca_file"
expect_err "crmsync: tls: " "TLS error names the account"
expect_err "certificate" "TLS error says certificate"
config "$T/tls3.conf" "$T/tls.db" "$(account tls "$rep" "$DOVECOT_BADHOST_PORT" tls "ca_file = $DOVECOT_CA")"
crm -c "$T/tls3.conf" sync
expect_rc 1 "wrong host name refused even with ca_file"
config "$T/tls4.conf" "$T/tls.db" "$(account tls "$rep" "$DOVECOT_TLS_PORT" tls "tls_verify = no")"
crm -c "$T/tls4.conf" sync
expect_rc 0 "tls_verify = no connects"
expect_err "tls_verify" "tls_verify = no warns"
# A failed handshake: libetpan also prints GnuTLS's own "GnuTLS error: ..."
# line to stderr unless crmsync silences it; the error is one line.
config "$T/tls6.conf" "$T/tls.db" "$(account tls "$rep" "$DOVECOT_PORT" tls "ca_file = $DOVECOT_CA")"
crm -c "$T/tls6.conf" sync
expect_rc 1 "TLS to the plain port"
expect_err "crmsync: tls: cannot connect to 127.0.0.1:$DOVECOT_PORT: TLS handshake failed" "TLS to the plain port: the error"
check "TLS to the plain port: one line on stderr, no library message ($(head -n 1 "$T/err"))" [ "$(wc -l <"$T/err")" -eq 1 ]
config "$T/tls5.conf" "$T/tls.db" "$(account tls "$rep" "$DOVECOT_PORT" starttls "ca_file = $DOVECOT_CA")"
crm -c "$T/tls5.conf" sync
expect_rc 0 "STARTTLS with ca_file"
check "TLS runs logged what the clean run logged" [ "$(q "$T/tls.db" "SELECT count(*) FROM activities")" = "$(q "$T/clean.db" "SELECT count(*) FROM activities")" ]

# -- a response the client cannot parse: reconnect, narrow to the UID, record it -------------
cat >"$T/corrupt.py" <<'PYEOF'
# A proxy in front of Dovecot that garbles the FETCH response of one UID,
# or (mode "hugelit") makes its header literal announce 2 GB.
import os, re, socket, sys, threading
listen_file, upstream, bad_uid = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
mode = sys.argv[4] if len(sys.argv) > 4 else "garble"
pat = re.compile(rb"^(\* \d+ FETCH \(UID " + bad_uid + rb" )")
lit = re.compile(rb"\{\d+\}\r$")
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(8)
with open(listen_file + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(listen_file + ".tmp", listen_file)
def pump(src, dst, garble):
    buf = b""
    try:
        while True:
            d = src.recv(65536)
            if not d:
                break
            if not garble:
                dst.sendall(d)
                continue
            buf += d
            lines = buf.split(b"\n")
            buf = lines.pop()
            if mode == "hugelit":
                out = b"".join((lit.sub(b"{2000000000}\r", l) if pat.match(l) else l) + b"\n"
                               for l in lines)
            else:
                out = b"".join(pat.sub(rb"\1RFC822.SIZE ((", l) + b"\n" for l in lines)
            dst.sendall(out)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
while True:
    c, _ = ls.accept()
    u = socket.create_connection(("127.0.0.1", upstream))
    threading.Thread(target=pump, args=(c, u, False), daemon=True).start()
    threading.Thread(target=pump, args=(u, c, True), daemon=True).start()
PYEOF
PY3=$(command -v /usr/bin/python3 || command -v python3)
"$PY3" "$T/corrupt.py" "$T/proxy.port" "$DOVECOT_PORT" 7 </dev/null >/dev/null 2>&1 &
proxy=$!
proxy_stop() { kill "$proxy" 2>/dev/null; }
T_CLEANUP_HOOKS="${T_CLEANUP_HOOKS:-} proxy_stop"
i=0
while [ ! -s "$T/proxy.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
newdb "$T/bad.db"
config "$T/bad.conf" "$T/bad.db" "$(account bulk "$rep" "$(cat "$T/proxy.port")" none)"
CRMSYNC_TEST_CHUNK=10 crm -c "$T/bad.conf" sync
kill $proxy 2>/dev/null
expect_rc 0 "a malformed response does not stop the folder"
check "the bad UID is recorded in parse_errors" [ "$(q "$T/bad.db" "SELECT item_ref FROM parse_errors")" = "$(q "$T/clean.db" "SELECT uidvalidity FROM sync_state WHERE account = 'bulk'"):7" ]
check "every other message has its outcome" [ "$(q "$T/bad.db" "SELECT count(*) FROM item_outcomes WHERE outcome <> 'error'")" = "$(( $(q "$T/clean.db" "SELECT count(*) FROM item_outcomes") - 1 ))" ]
check "the folder was synced to its end" [ "$(q "$T/bad.db" "SELECT last_uid FROM sync_state WHERE account = 'bulk'")" = "$(q "$T/clean.db" "SELECT last_uid FROM sync_state WHERE account = 'bulk'")" ]

# -- a literal of 2 GB announced for one UID's header: refused before libetpan allocates it
# (sync/imapc.c IMAPC_LITERAL_MAX), narrowed to the UID, recorded; the rest is synced.
rm -f "$T/proxy.port"
"$PY3" "$T/corrupt.py" "$T/proxy.port" "$DOVECOT_PORT" 9 hugelit </dev/null >/dev/null 2>&1 &
proxy=$!
i=0
while [ ! -s "$T/proxy.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
newdb "$T/huge.db"
config "$T/huge.conf" "$T/huge.db" "$(account bulk "$rep" "$(cat "$T/proxy.port")" none)"
CRMSYNC_TEST_CHUNK=10 crm -c "$T/huge.conf" sync
kill $proxy 2>/dev/null
expect_rc 0 "a 2 GB literal does not stop the folder"
check "the UID with the huge literal is recorded in parse_errors" [ "$(q "$T/huge.db" "SELECT item_ref FROM parse_errors")" = "$(q "$T/clean.db" "SELECT uidvalidity FROM sync_state WHERE account = 'bulk'"):9" ]
check "parse_errors says which limit" [ "$(q "$T/huge.db" "SELECT count(*) FROM parse_errors WHERE what LIKE '%literal over the limit of 16777216 bytes%'")" = 1 ]
check "every other message has its outcome (huge literal)" [ "$(q "$T/huge.db" "SELECT count(*) FROM item_outcomes WHERE outcome <> 'error'")" = "$(( $(q "$T/clean.db" "SELECT count(*) FROM item_outcomes") - 1 ))" ]

# -- a wrong password ------------------------------------------------------------------------
IMAP_PW=wrong-password crm -c "$T/clean.conf" sync
expect_rc 1 "wrong password"
expect_err "crmsync: bulk: " "login error names the account"
check "wrong password not printed" [ -z "$(grep -a wrong-password "$T/err" "$T/out")" ]

# -- the server killed in the middle of a sync ----------------------------------------------
newdb "$T/outage.db"
config "$T/outage.conf" "$T/outage.db" "$(account bulk "$rep" "$DOVECOT_PORT" none "timeout = 5s")"
# Small ranges, so the server dies while ranges are still to come (under
# valgrind the program runs under it here too, as the mailbox is smaller).
CRMSYNC_TEST_CHUNK=20 ${VALGRIND:-} "$CRMSYNC_BIN" -c "$T/outage.conf" sync >"$T/out" 2>"$T/err" &
pid=$!
i=0
while [ "$(q "$T/outage.db" "SELECT coalesce(max(last_uid), 0) FROM sync_state" 2>/dev/null)" -lt 60 ] && [ $i -lt 1200 ]; do
	sleep 0.05
	i=$((i + 1))
done
dovecot_kill
wait $pid
rc=$?
expect_rc 1 "server killed mid-sync"
check "one-line error naming the account" [ "$(grep -c '^crmsync: bulk: ' "$T/err")" -eq 1 ]
check "partial progress committed" [ "$(q "$T/outage.db" "SELECT count(*) FROM activities")" -gt 0 ]
dovecot_start || fail "dovecot restart"
crm -c "$T/outage.conf" sync
expect_rc 0 "rerun after the outage"
check "after the outage the database equals a clean run's" [ "$(canon "$T/outage.db" | sed 's/^bulk|/X|/')" = "$(echo "$clean" | sed 's/^bulk|/X|/')" ]

# -- crmsync killed with SIGKILL at several points ----------------------------------------------
newdb "$T/kill.db"
config "$T/kill.conf" "$T/kill.db" "$(account bulk "$rep" "$DOVECOT_PORT" none)"
for delay in 0.05 0.15 0.3 0.2 0.4; do
	CRMSYNC_TEST_CHUNK=100 "$CRMSYNC_BIN" -c "$T/kill.conf" sync >/dev/null 2>&1 &
	pid=$!
	sleep $delay
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
done
crm -c "$T/kill.conf" sync
expect_rc 0 "sync after repeated SIGKILLs"
check "after SIGKILLs the database equals a clean run's" [ "$(canon "$T/kill.db")" = "$clean" ]
check "integrity after SIGKILLs" [ "$(q "$T/kill.db" "PRAGMA integrity_check")" = ok ]

# -- the real-world corpus: every message parses or is recorded -------------------------------------
newdb "$T/corpus.db"
config "$T/corpus.conf" "$T/corpus.db" "$(account corpus corpus@lumen.example "$DOVECOT_PORT" none)"
crm -c "$T/corpus.conf" sync
expect_rc 0 "corpus sync"
fetched=$(q "$T/corpus.db" "SELECT fetched FROM sync_runs ORDER BY id DESC LIMIT 1")
check "every corpus message fetched ($fetched of $ncorpus)" [ "$fetched" = "$ncorpus" ]
check "every corpus message has an outcome" [ "$(q "$T/corpus.db" "SELECT count(*) FROM item_outcomes WHERE account='corpus'")" = "$ncorpus" ]
check "parse errors say what is wrong" [ "$(q "$T/corpus.db" "SELECT count(*) FROM parse_errors WHERE what = ''")" = 0 ]
check "no bounce became an activity" [ "$(q "$T/corpus.db" "SELECT count(*) FROM participants WHERE role = 'from' AND (addr_key LIKE 'mailer-daemon@%' OR addr_key LIKE 'postmaster@%')")" = 0 ]

# -- Maildir and mbox import give what the sync gave -------------------------------------------------
md=$(dovecot_maildir "$rep" INBOX)
newdb "$T/md.db"
crm -d "$T/md.db" import maildir "$md" --owner "$rep"
expect_rc 0 "import maildir"
check "maildir import logs what the sync logged" [ "$(q "$T/md.db" "SELECT count(*) FROM activities")" = "$(q "$T/clean.db" "SELECT count(*) FROM activities")" ]
crm -d "$T/md.db" import maildir "$md" --owner "$rep"
expect_out "(0 new activities)" "maildir re-import adds nothing"
for f in "$md"/cur/*; do printf 'From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n'; sed 's/^From />From /'  "$f"; printf '\n'; done >"$T/all.mbox"
newdb "$T/mbox.db"
crm -d "$T/mbox.db" import mbox "$T/all.mbox" --owner "$rep"
expect_rc 0 "import mbox"
check "mbox import logs what the sync logged" [ "$(q "$T/mbox.db" "SELECT count(*) FROM activities")" = "$(q "$T/clean.db" "SELECT count(*) FROM activities")" ]
# A body that is one line of 100 MB (sync/localimport.c IMPORT_LINE_MAX): read in pieces,
# so the import needs no more memory than without it, and every message is still logged.
set -- "$md"/cur/*
{
	printf 'From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n'; sed 's/^From />From /' "$1"; printf '\n'
	printf 'From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n'; sed '/^\r\{0,1\}$/q' "$2"
} >"$T/small.mbox"
{
	head -c $((100 * 1024 * 1024)) /dev/zero | tr '\0' 'x'; printf '\n\n'
	printf 'From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n'; sed 's/^From />From /' "$3"; printf '\n'
} >"$T/tail.mbox"
cat "$T/small.mbox" "$T/tail.mbox" >"$T/long.mbox"
for v in small long; do
	newdb "$T/$v.db"
	/usr/bin/time -f %M -o "$T/$v.rss" "$CRMSYNC_BIN" -d "$T/$v.db" import mbox "$T/$v.mbox" --owner "$rep" >"$T/out" 2>"$T/err"
	rc=$?
	expect_rc 0 "import $v mbox"
done
check "a 100 MB line: all three messages logged" [ "$(q "$T/long.db" "SELECT count(*) FROM item_outcomes")" = 3 ]
check "a 100 MB line costs no memory ($(cat "$T/small.rss") KB without, $(cat "$T/long.rss") KB with)" \
	[ $(($(cat "$T/long.rss") - $(cat "$T/small.rss"))) -lt 20000 ]
crm -d "$T/mbox.db" import mbox "$T/all.mbox"
expect_rc 2 "mbox import without --owner when there are several users"
expect_err "--owner" "the error says to give --owner"

t_done mail_faults

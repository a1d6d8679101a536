#!/bin/sh
# tests/integration/check_config.sh - `crmsync check-config` tries every
# account against real servers on loopback and prints one verdict a line:
# ok with the folders or calendars sync would read, or FAILED at connect,
# TLS, login, folders or calendars. Exit 0 all ok, 1 some account failed,
# 2 config problems; --offline connects to nothing; a silent server costs
# the account's timeout, not more; no password is ever printed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"
servers_require dovecot radicale
DB=$T/crm.db
export IMAP_PW=cc-imap-secret-pw DAV_PW=cc-dav-secret-pw BAD_PW=cc-wrong-secret-pw

dovecot_add_user alice@lumen.example "$IMAP_PW"
dovecot_maildir alice@lumen.example Sent >/dev/null
dovecot_fix_perms
dovecot_start || fail "dovecot_start"
RADICALE_TLS=yes
export RADICALE_TLS
radicale_add_user alice "$DAV_PW"
radicale_calendar_dir alice work Work >/dev/null
radicale_calendar_dir alice team Team >/dev/null
radicale_start || fail "radicale_start"
crm -d "$DB" import users "$TOP/examples/crm/users.csv"
expect_rc 0 "import users"

# A listener that accepts connections and never says a word; it counts
# them in $T/silent.count.
cat >"$T/silent.py" <<'PY'
import os, socket, sys
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(16)
held = []
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = ls.accept()
    held.append(c)
    with open(sys.argv[2], "w") as f:
        f.write("%d\n" % len(held))
PY
echo 0 >"$T/silent.count"
# python3 itself, not the servers_py function: $! must be its pid (a
# function in the background is a subshell, and killing that left python).
"$SV_PYTHON" "$T/silent.py" "$T/silent.port" "$T/silent.count" </dev/null >/dev/null 2>&1 &
SILENT_PID=$!
silent_stop() { kill "$SILENT_PID" 2>/dev/null; }
T_CLEANUP_HOOKS="${T_CLEANUP_HOOKS:-} silent_stop"
i=0
while [ ! -s "$T/silent.port" ] && [ $i -lt 500 ]; do
	sleep 0.02
	i=$((i + 1))
done
SILENT_PORT=$(cat "$T/silent.port")
DEAD_PORT=$(_sv_free_ports 1) # bound and let go: nobody listens there

H=127.0.0.1
imap() { # name port security [extra lines]
	printf '[imap "%s"]\nhost = %s\nport = %s\nsecurity = %s\nuser = alice@lumen.example\n' \
		"$1" "$H" "$2" "$3"
	printf 'password_env = %s\nowner = alice@lumen.example\n%s\n\n' "${PWVAR:-IMAP_PW}" "${4:-}"
}
caldav() { # name url [extra lines]
	printf '[caldav "%s"]\nurl = %s\nuser = alice\npassword_env = %s\n' "$1" "$2" "${PWVAR:-DAV_PW}"
	printf 'owner = alice@lumen.example\n%s\n\n' "${3:-}"
}
config() { # accounts...
	printf '[store]\npath = %s\n\n[team]\ndomains = lumen.example\n\n' "$DB" >"$T/c.conf"
	for a in "$@"; do printf '%s\n' "$a" >>"$T/c.conf"; done
}
# expect_line LINE DESCRIPTION: stdout has exactly that line.
expect_line() {
	if grep -qxF -- "$1" "$T/out"; then ok; else fail "$2: no line '$1' in: $(grep -E ': (ok|FAILED)' "$T/out")"; fi
}
no_secrets() { # description
	if grep -qF -e "$IMAP_PW" -e "$DAV_PW" -e "$BAD_PW" "$T/out" "$T/err"; then
		fail "$1: a password was printed"
	else
		ok
	fi
}
IMAP=imap\ $H:$DOVECOT_PORT
TLSPORT=$DOVECOT_TLS_PORT
CA="ca_file = $DOVECOT_CA"

# -- good accounts: plain IMAP on loopback, CalDAV over TLS with the test CA ---
config "$(imap mail "$DOVECOT_PORT" none)" "$(caldav cal "$RADICALE_URL" "$CA")"
crm -c "$T/c.conf" check-config
expect_rc 0 "good accounts"
expect_line "mail ($IMAP): ok: reachable, plain text (allowed: loopback), logged in, 2 folders to sync (INBOX, Sent)" \
	"good IMAP account"
expect_line "cal (caldav $RADICALE_URL): ok: reachable, TLS verified, logged in, 2 calendars (Team, Work)" \
	"good CalDAV account"
expect_out 'imap "mail": ok: secret resolved, owner is a user' "the checks before stay"
check "the verdicts come after the config" [ "$(tail -n 2 "$T/out" | grep -c ': ok: reachable')" -eq 2 ]
no_secrets "good accounts"

# -- TLS: refused without the CA, verified with it, unverified on request ------
config "$(imap tls "$TLSPORT" tls)"
crm -c "$T/c.conf" check-config
expect_rc 1 "self-signed certificate"
expect_out "tls (imap $H:$TLSPORT): FAILED at TLS: " "self-signed: stage TLS"
expect_out "certificate not trusted" "self-signed: the reason"
expect_out "(set ca_file, or tls_verify = no)" "self-signed: what to do"
expect_err "1 account failed the connection test" "stderr sums up"
config "$(imap tls "$TLSPORT" tls "$CA")"
crm -c "$T/c.conf" check-config
expect_rc 0 "ca_file"
expect_line "tls (imap $H:$TLSPORT): ok: reachable, TLS verified, logged in, 2 folders to sync (INBOX, Sent)" \
	"TLS verified with ca_file"
config "$(imap tls "$TLSPORT" tls "tls_verify = no")"
crm -c "$T/c.conf" check-config
expect_rc 0 "tls_verify = no"
expect_line "tls (imap $H:$TLSPORT): ok: reachable, TLS NOT verified, logged in, 2 folders to sync (INBOX, Sent)" \
	"tls_verify = no says NOT verified"
expect_err "tls_verify = no" "tls_verify = no warns"
config "$(imap starttls "$DOVECOT_PORT" starttls "$CA")" "$(imap badhost "$DOVECOT_BADHOST_PORT" tls "$CA")"
crm -c "$T/c.conf" check-config
expect_rc 1 "STARTTLS and a wrong host name"
expect_line "starttls ($IMAP): ok: reachable, TLS verified, logged in, 2 folders to sync (INBOX, Sent)" \
	"STARTTLS verified"
expect_out "badhost (imap $H:$DOVECOT_BADHOST_PORT): FAILED at TLS: " "wrong host: stage TLS"
expect_out "host name mismatch" "wrong host: the reason"
expect_out "(use a host name the certificate names, or tls_verify = no)" "wrong host: what to do"
config "$(caldav caltls "$RADICALE_URL")" "$(caldav calnv "$RADICALE_URL" "tls_verify = no")"
crm -c "$T/c.conf" check-config
expect_rc 1 "CalDAV without the CA"
expect_out "caltls (caldav $RADICALE_URL): FAILED at TLS: " "CalDAV self-signed: stage TLS"
expect_out "(set ca_file, or tls_verify = no)" "CalDAV self-signed: what to do"
expect_line "calnv (caldav $RADICALE_URL): ok: reachable, TLS NOT verified, logged in, 2 calendars (Team, Work)" \
	"CalDAV tls_verify = no"

# -- a wrong password ----------------------------------------------------------
config "$(PWVAR=BAD_PW imap badpw "$DOVECOT_PORT" none)" \
	"$(PWVAR=BAD_PW caldav calbadpw "$RADICALE_URL" "$CA")"
crm -c "$T/c.conf" check-config
expect_rc 1 "wrong passwords"
expect_out "badpw ($IMAP): FAILED at login: login failed for alice@lumen.example (check the password)" \
	"IMAP wrong password: stage login"
expect_out "calbadpw (caldav $RADICALE_URL): FAILED at login: authentication failed for alice" \
	"CalDAV wrong password: stage login"
expect_err "2 accounts failed the connection test" "both counted"
no_secrets "wrong passwords"

# -- nobody listening ------------------------------------------------------------
config "$(imap dead "$DEAD_PORT" none)" "$(caldav caldead "http://$H:$DEAD_PORT/")"
crm -c "$T/c.conf" check-config
expect_rc 1 "nobody listening"
expect_line "dead (imap $H:$DEAD_PORT): FAILED at connect: cannot connect to $H:$DEAD_PORT: connection refused or host unreachable (is the server running? check host and port)" \
	"IMAP refused: stage connect"
expect_out "caldead (caldav http://$H:$DEAD_PORT/): FAILED at connect: " "CalDAV refused: stage connect"
expect_out "(is the server running? check url)" "CalDAV refused: what to do"

# -- a server that accepts and never answers: the timeout, not more ---------------
config "$(imap silent "$SILENT_PORT" none "timeout = 2s")" \
	"$(imap silenttls "$SILENT_PORT" tls "timeout = 2s")" \
	"$(caldav calsilent "http://$H:$SILENT_PORT/" "timeout = 2s")"
for a in silent silenttls calsilent; do
	t0=$(date +%s%N)
	crm -c "$T/c.conf" check-config --account "$a"
	ms=$((($(date +%s%N) - t0) / 1000000))
	expect_rc 1 "$a: silent server"
	check "$a: gave up after the 2 s timeout, not before ($ms ms)" [ "$ms" -ge 1900 ]
	check "$a: within the bound ($ms ms < 10 s)" [ "$ms" -lt 10000 ]
done
expect_line "calsilent (caldav http://$H:$SILENT_PORT/): FAILED at connect: timed out after 2s (check url, or raise timeout)" \
	"CalDAV silent server"
crm -c "$T/c.conf" check-config --account silent --account silenttls
expect_line "silent (imap $H:$SILENT_PORT): FAILED at connect: timed out after 2s (check host and port, or raise timeout)" \
	"IMAP silent server"
expect_line "silenttls (imap $H:$SILENT_PORT): FAILED at connect: timed out after 2s (check host and port, or raise timeout)" \
	"IMAP silent server, TLS handshake"
check "--account: only the named accounts" [ "$(grep -c 'FAILED at' "$T/out")" -eq 2 ]

# -- folders and calendars: the ones sync would read, each checked to exist -------
config "$(imap nope "$DOVECOT_PORT" none "folders = INBOX, Nope")" \
	"$(imap sennt "$DOVECOT_PORT" none "folders = Sennt")" \
	"$(imap private "$DOVECOT_PORT" none "folders = INBOX, Sent
private_folders = Sent")" \
	"$(caldav calnope "$RADICALE_URL" "$CA
calendars = Work, Holidays")" \
	"$(caldav calone "$RADICALE_URL" "$CA
calendars = Work")"
crm -c "$T/c.conf" check-config
expect_rc 1 "missing folders and calendars"
expect_line "nope ($IMAP): FAILED at folders: folder 'Nope' not found on the server (it has INBOX, Sent; fix 'folders')" \
	"a configured folder that does not exist"
expect_line "sennt ($IMAP): FAILED at folders: folder 'Sennt' not found on the server (did you mean 'Sent'? fix 'folders')" \
	"a misspelt folder"
expect_line "private ($IMAP): ok: reachable, plain text (allowed: loopback), logged in, 1 folder to sync (INBOX)" \
	"a private folder is not synced"
expect_line "calnope (caldav $RADICALE_URL): FAILED at calendars: calendar 'Holidays' not found on the server (it has Team, Work; fix 'calendars')" \
	"a configured calendar that does not exist"
expect_line "calone (caldav $RADICALE_URL): ok: reachable, TLS verified, logged in, 1 calendar (Work)" \
	"a calendars list"
expect_err "3 accounts failed the connection test" "three failures counted"

# -- --offline connects to nothing; config problems stay exit 2 --------------------
n0=$(cat "$T/silent.count")
config "$(imap silent "$SILENT_PORT" none "timeout = 2s")" "$(imap dead "$DEAD_PORT" none)"
t0=$(date +%s%N)
crm -c "$T/c.conf" check-config --offline
ms=$((($(date +%s%N) - t0) / 1000000))
expect_rc 0 "--offline"
check "--offline: no verdict lines" [ "$(grep -cE ': (ok: reachable|FAILED at)' "$T/out")" -eq 0 ]
expect_out 'imap "silent": ok: secret resolved, owner is a user' "--offline keeps the checks"
check "--offline: no connection made" [ "$(cat "$T/silent.count")" = "$n0" ]
# (valgrind alone takes seconds to start)
[ -n "${VALGRIND:-}" ] || check "--offline: no waiting ($ms ms)" [ "$ms" -lt 1900 ]
nosecret=$(PWVAR=UNSET_PW_VAR imap nosecret "$DOVECOT_PORT" none)
config "$nosecret" "$(imap dead "$DEAD_PORT" none)"
crm -c "$T/c.conf" check-config
expect_rc 2 "an unreadable secret is a config problem, whatever the connections"
expect_line "nosecret ($IMAP): not tried: its password could not be read (see above)" \
	"no secret: not tried"
expect_out "dead (imap $H:$DEAD_PORT): FAILED at connect: " "the other accounts are still tried"
crm -c "$T/c.conf" check-config --account nobody
expect_rc 2 "--account names an unknown account"
expect_err "no account named 'nobody'" "unknown account named"
crm check-config --help
expect_out "--offline" "--help names --offline"
expect_out "--account NAME" "--help names --account"

t_done check_config

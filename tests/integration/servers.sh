# tests/integration/servers.sh - private Dovecot (IMAP) and Radicale (CalDAV)
# servers for the integration tests. Source it after lib.sh:
#
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/servers.sh"
#   servers_require dovecot radicale     # SKIP (or FAIL when CI=true) if absent
#   dovecot_add_user alice@lumen.example secret
#   dovecot_start                        # sets DOVECOT_PORT, DOVECOT_TLS_PORT ...
#   cp msg.eml "$(dovecot_maildir alice@lumen.example Sent)/cur/1.M1P1.t:2,S"
#   dovecot_fix_perms
#
# Everything lives under $T and is stopped at exit (T_CLEANUP_HOOKS), also
# when a check fails or the script is interrupted. Facts behind the choices
# are in /work/shared/SERVERS.md. Works as root (mail processes run as the
# uid of "nobody") and as an ordinary user (everything runs as that user).
#
# Dovecot, after dovecot_start:
#   DOVECOT_HOST=127.0.0.1
#   DOVECOT_PORT          plain IMAP (STARTTLS offered, plaintext LOGIN allowed)
#   DOVECOT_TLS_PORT      implicit TLS, certificate for localhost + 127.0.0.1
#   DOVECOT_BADHOST_PORT  implicit TLS whose certificate names only
#                         wrong.example (same CA): host-name checks must refuse
#   DOVECOT_CA            the CA certificate (PEM) that signed both: ca_file
#   DOVECOT_CERT          the server certificate itself
#   DOVECOT_RAWLOG_DIR    where dovecot_rawlog_on puts protocol logs
#   DOVECOT_LOG           the server log
#   DOVECOT_DIR           its directory ($T/dovecot; set by any dovecot_*
#                         call): lets a child script (tests/gen/load_maildir.sh)
#                         find the maildirs
# Folders are Maildir++ with "/" as the IMAP hierarchy separator; Sent,
# Drafts, Trash, Junk and Archive carry their SPECIAL-USE flag when they
# exist (dovecot_maildir USER Sent creates one).
#
# Radicale, after radicale_start:
#   RADICALE_PORT, RADICALE_URL (http://127.0.0.1:PORT/, https with
#   RADICALE_TLS=yes set before the start, verified with $DOVECOT_CA),
#   RADICALE_LOG. Calendars live at /USER/CAL/.
#
# Functions (details above each one):
#   servers_require dovecot|radicale...   SKIP the script, or FAIL when CI=true
#   dovecot_add_user NAME PASS            before or after the start
#   dovecot_start / dovecot_stop / dovecot_restart / dovecot_kill (SIGKILL)
#   dovecot_maildir USER [FOLDER]         prints (and creates) a folder's Maildir
#   dovecot_fix_perms                     after writing mail files as root
#   dovecot_rawlog_on USER / dovecot_rawlog_off USER / dovecot_rawlog_clear USER
#   dovecot_rawlog USER                   the commands USER's clients sent
#   dovecot_count_cmds USER CMD           how many CMD ("SELECT", "UID FETCH")
#   dovecot_sessions USER                 how many authenticated connections
#   dovecot_pids                          every process of the instance
#   radicale_add_user NAME PASS / radicale_start / radicale_stop / radicale_pid
#   radicale_calendar_dir USER CAL [NAME] prints (and creates) a calendar's dir
#   servers_certs                         the CA and certificates (done by start)
#   servers_py ARGS...                    python3, without a pyenv shim's cost
#   servers_cleanup                       stops everything (registered at exit)
#
# Run on its own (tests/run-all.sh runs every *.sh here) it does nothing.

# -- shared helpers ------------------------------------------------------------

# servers_py ARGS...: the system python3 when there is one (a pyenv shim
# first in $PATH costs 300 ms a call). Tests may use it for IMAP/HTTP probes.
if [ -x /usr/bin/python3 ]; then
	SV_PYTHON=/usr/bin/python3
else
	SV_PYTHON=python3
fi
servers_py() { "$SV_PYTHON" "$@"; }

_sv_lower() { printf '%s' "$1" | tr 'A-Z' 'a-z'; }

# _sv_find NAME DIRS...: prints the path of an executable, searching $PATH
# first (sbin is often missing from a user's PATH).
_sv_find() {
	_sv_n=$1
	shift
	if command -v "$_sv_n" >/dev/null 2>&1; then
		command -v "$_sv_n"
		return 0
	fi
	for _sv_d in "$@"; do
		if [ -x "$_sv_d/$_sv_n" ]; then
			echo "$_sv_d/$_sv_n"
			return 0
		fi
	done
	return 1
}

# Registers the cleanup once and turns signals into an exit, so that the EXIT
# trap of lib.sh (which runs the hooks) also runs on Ctrl-C and kill.
_sv_hook() {
	case " ${T_CLEANUP_HOOKS:-} " in
	*" servers_cleanup "*) ;;
	*)
		T_CLEANUP_HOOKS="${T_CLEANUP_HOOKS:-} servers_cleanup"
		trap 'exit 129' HUP
		trap 'exit 130' INT
		trap 'exit 143' TERM
		;;
	esac
}

# _sv_free_ports N: N distinct free TCP ports on 127.0.0.1, one a line. The
# sockets are held until all are chosen, so the ports differ.
_sv_free_ports() {
	servers_py - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
PY
}

# _sv_wait_ports SECONDS PORT...: waits until every port accepts connections.
_sv_wait_ports() {
	servers_py - "$@" <<'PY'
import socket, sys, time
deadline = time.monotonic() + float(sys.argv[1])
for port in sys.argv[2:]:
    while True:
        try:
            socket.create_connection(("127.0.0.1", int(port)), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                sys.exit("port %s does not accept connections" % port)
            time.sleep(0.005)
PY
}

# _sv_wait_gone SECONDS COMMAND...: polls until COMMAND fails; 1 on timeout.
_sv_wait_gone() {
	_sv_i=$(($1 * 50))
	shift
	while "$@"; do
		_sv_i=$((_sv_i - 1))
		[ "$_sv_i" -gt 0 ] || return 1
		sleep 0.02
	done
	return 0
}

# _sv_kill SIG PID: kill that never aborts the shell. dash treats a bad
# argument to its kill builtin as a fatal error, which inside the EXIT trap
# would skip the rest of the cleanup; hence the subshell and the check.
# A negative PID is a process group.
_sv_kill() {
	case ${2#-} in
	'' | *[!0-9]*) return 1 ;;
	esac
	(kill -s "$1" -- "$2") 2>/dev/null
}

# _sv_alive PID: is it running? A zombie is not (PID 1 of a container may
# take its time reaping the children our servers leave).
_sv_alive() {
	_sv_kill 0 "$1" || return 1
	[ -r "/proc/$1/stat" ] || return 0
	case $(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) in
	Z* | X*) return 1 ;;
	esac
	return 0
}

# servers_certs: a private CA and two server certificates it signed (EC
# P-256): one for localhost + 127.0.0.1, one for wrong.example only. Made
# once per test script, in $T/certs.
servers_certs() {
	SV_CERTS=$T/certs
	DOVECOT_CA=$SV_CERTS/ca.pem
	DOVECOT_CERT=$SV_CERTS/server.pem
	SERVERS_CA=$DOVECOT_CA
	export DOVECOT_CA DOVECOT_CERT SERVERS_CA
	[ -s "$SV_CERTS/bad.pem" ] && return 0
	mkdir -p "$SV_CERTS"
	cat >"$SV_CERTS/openssl.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[good]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[bad]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
	(
		cd "$SV_CERTS" || exit 1
		C="-config openssl.cnf"
		openssl req $C -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout ca.key -out ca.pem -days 3650 -subj "/CN=crmsync test CA" \
			-extensions ca -set_serial 1 &&
			openssl req $C -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
				-keyout server.key -out server.csr -subj "/CN=localhost" &&
			openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 2 \
				-days 3650 -extfile openssl.cnf -extensions good -out server.pem &&
			openssl req $C -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
				-keyout bad.key -out bad.csr -subj "/CN=wrong.example" &&
			openssl x509 -req -in bad.csr -CA ca.pem -CAkey ca.key -set_serial 3 \
				-days 3650 -extfile openssl.cnf -extensions bad -out bad.pem
	) >"$T/certs.log" 2>&1 || {
		cat "$T/certs.log" >&2
		echo "servers_certs: openssl failed" >&2
		return 1
	}
	chmod 644 "$SV_CERTS"/*.pem "$SV_CERTS"/*.key
}

# servers_require dovecot|radicale...: a missing server is a SKIP of the whole
# script, or a FAIL when CI=true (CI must run every test).
servers_require() {
	_sv_missing=
	for _sv_w in "$@"; do
		case $_sv_w in
		dovecot)
			_sv_find dovecot /usr/sbin /usr/local/sbin /sbin >/dev/null ||
				_sv_missing="$_sv_missing dovecot (apt-get install dovecot-imapd)"
			command -v openssl >/dev/null 2>&1 || _sv_missing="$_sv_missing openssl"
			;;
		radicale)
			_sv_find radicale /usr/bin /usr/local/bin >/dev/null ||
				_sv_missing="$_sv_missing radicale (apt-get install radicale)"
			;;
		*)
			echo "servers_require: unknown server '$_sv_w'" >&2
			_sv_missing="$_sv_missing $_sv_w"
			;;
		esac
	done
	command -v python3 >/dev/null 2>&1 || _sv_missing="$_sv_missing python3"
	[ -z "$_sv_missing" ] && return 0
	_sv_name=$(basename "$0" .sh)
	if [ "${CI:-}" = true ]; then
		fail "not installed:$_sv_missing (required when CI=true)"
		t_done "$_sv_name"
		exit 1
	fi
	skip "not installed:$_sv_missing"
	t_done "$_sv_name"
	exit $?
}

servers_cleanup() {
	radicale_stop quick
	dovecot_stop quick
}

# -- Dovecot -----------------------------------------------------------------

_dv_init() {
	SV_DV=$T/dovecot
	[ -n "${SV_DV_INIT:-}" ] && return 0
	DOVECOT_BIN=$(_sv_find dovecot /usr/sbin /usr/local/sbin /sbin) || {
		echo "dovecot_start: no dovecot binary" >&2
		return 1
	}
	mkdir -p "$SV_DV/home" "$SV_DV/rawlog" "$SV_DV/state"
	# Every directory above the maildirs must be traversable by the mail
	# uid: lib.sh makes $T 0755, /tmp is 1777.
	chmod o+x "$T"
	chmod 755 "$SV_DV" "$SV_DV/home" "$SV_DV/rawlog"
	mkdir -p "$SV_DV/passwd.d"
	chmod 755 "$SV_DV/passwd.d"
	if [ "$(id -u)" -eq 0 ]; then
		SV_MAIL_UID=$(id -u nobody 2>/dev/null || echo 65534)
		SV_MAIL_GID=$(getent group nogroup 2>/dev/null | cut -d: -f3)
		[ -n "$SV_MAIL_GID" ] || SV_MAIL_GID=$(id -g nobody 2>/dev/null || echo 65534)
	else
		SV_MAIL_UID=$(id -u)
		SV_MAIL_GID=$(id -g)
	fi
	DOVECOT_RAWLOG_DIR=$SV_DV/rawlog
	DOVECOT_LOG=$SV_DV/dovecot.log
	DOVECOT_HOST=127.0.0.1
	DOVECOT_DIR=$SV_DV
	export DOVECOT_HOST DOVECOT_RAWLOG_DIR DOVECOT_LOG DOVECOT_DIR
	SV_DV_INIT=1
}

# Ports are chosen once per script, by the first start (a restart keeps
# them). Values inherited from a calling script are not reused.
_dv_ports() {
	if [ -z "${SV_DV_PORTS:-}" ]; then
		set -- $(_sv_free_ports 3)
		DOVECOT_PORT=$1 DOVECOT_TLS_PORT=$2 DOVECOT_BADHOST_PORT=$3
		SV_DV_PORTS=1
	fi
	export DOVECOT_PORT DOVECOT_TLS_PORT DOVECOT_BADHOST_PORT
}

_dv_config() {
	_sv_inst=$(basename "$T")
	{
		cat <<EOF
# generated by tests/integration/servers.sh
instance_name = $_sv_inst
base_dir = $SV_DV/run
state_dir = $SV_DV/state
log_path = $SV_DV/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <$SV_CERTS/server.pem
ssl_key = <$SV_CERTS/server.key
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:~/Maildir
mail_fsync = never
first_valid_uid = $SV_MAIL_UID
last_valid_uid = $SV_MAIL_UID
first_valid_gid = 0
stats_writer_socket_path =
rawlog_dir = $SV_DV/rawlog/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu $SV_DV/passwd.d/%Lu
}
userdb {
  driver = static
  args = uid=$SV_MAIL_UID gid=$SV_MAIL_GID home=$SV_DV/home/%Lu
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
  }
  mailbox Drafts {
    special_use = \\Drafts
  }
  mailbox Trash {
    special_use = \\Trash
  }
  mailbox Junk {
    special_use = \\Junk
  }
  mailbox Archive {
    special_use = \\Archive
  }
}
protocol imap {
  mail_max_userip_connections = 200
}
# no growing delay for logins after a failed one from the same IP
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
EOF
		if [ "$(id -u)" -ne 0 ]; then
			echo "  chroot ="
		fi
		cat <<EOF
}
service imap-login {
  inet_listener imap {
    port = $DOVECOT_PORT
  }
  inet_listener imaps {
    port = $DOVECOT_TLS_PORT
    ssl = yes
  }
EOF
		if [ "$(id -u)" -ne 0 ]; then
			echo "  chroot ="
		fi
		echo "}"
		if [ "$(id -u)" -ne 0 ]; then
			_sv_un=$(id -un)
			_sv_gn=$(id -gn)
			cat <<EOF
default_internal_user = $_sv_un
default_internal_group = $_sv_gn
default_login_user = $_sv_un
service auth-worker {
  user = $_sv_un
}
EOF
		fi
	} >"$SV_DV/dovecot.conf"
}

# The wrong-host listener: a small TLS front (python3) with the wrong.example
# certificate, forwarding to the plain port. Dovecot picks certificates by
# local address or SNI, not by port, hence the front.
_dv_badhost_start() {
	cat >"$SV_DV/badhost.py" <<'PY'
import os, select, socket, ssl, sys, threading
port, upstream, cert, key = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(64)
def pump(c):
    try:
        t = ctx.wrap_socket(c, server_side=True)
        u = socket.create_connection(("127.0.0.1", upstream))
    except (OSError, ssl.SSLError):
        c.close()
        return
    try:
        while True:
            r = [t] if t.pending() else select.select([t, u], [], [])[0]
            for s in r:
                d = s.recv(65536)
                if not d:
                    return
                (u if s is t else t).sendall(d)
    except (OSError, ssl.SSLError):
        pass
    finally:
        for s in (t, u):
            try:
                s.close()
            except OSError:
                pass
while True:
    c, _ = ls.accept()
    threading.Thread(target=pump, args=(c,), daemon=True).start()
PY
	"$SV_PYTHON" "$SV_DV/badhost.py" "$DOVECOT_BADHOST_PORT" "$DOVECOT_PORT" \
		"$SV_CERTS/bad.pem" "$SV_CERTS/bad.key" </dev/null >>"$SV_DV/badhost.log" 2>&1 &
	echo $! >"$SV_DV/badhost.pid"
}

_dv_badhost_stop() {
	[ -f "${SV_DV:-/nonexistent}/badhost.pid" ] || return 0
	_sv_bp=$(cat "$SV_DV/badhost.pid")
	_sv_kill TERM "$_sv_bp"
	_sv_wait_gone 5 _sv_alive "$_sv_bp" || _sv_kill KILL "$_sv_bp"
	rm -f "$SV_DV/badhost.pid"
}

_dv_pid() { cat "${SV_DV:-/nonexistent}/run/master.pid" 2>/dev/null; }

# dovecot_add_user NAME PASS: before or after the start. NAME is matched
# case-insensitively. One passwd-file per user: Dovecot stats a passwd-file
# at most once a second, so a new user can log in at once; changing the
# password of a user while Dovecot runs waits for the next second.
dovecot_add_user() {
	[ -n "${T:-}" ] || return 1
	_dv_init || return 1
	_sv_u=$(_sv_lower "$1")
	_sv_pf=$SV_DV/passwd.d/$_sv_u
	printf '%s:{PLAIN}%s\n' "$_sv_u" "$2" >"$_sv_pf.new"
	chmod 644 "$_sv_pf.new"
	if [ -f "$_sv_pf" ]; then
		# a new mtime even within the same second, so Dovecot re-reads it
		touch -d "@$(($(stat -c %Y "$_sv_pf") + 1))" "$_sv_pf.new"
		mv "$_sv_pf.new" "$_sv_pf"
		_sv_alive "$(_dv_pid)" && sleep 1
	else
		mv "$_sv_pf.new" "$_sv_pf"
	fi
	dovecot_maildir "$_sv_u" INBOX >/dev/null
}

# dovecot_start: starts (or restarts after dovecot_stop/dovecot_kill) the
# private instance and returns once all three ports accept connections.
dovecot_start() {
	_sv_hook
	servers_certs || return 1
	_dv_init || return 1
	_dv_ports
	if _sv_alive "$(_dv_pid)"; then
		echo "dovecot_start: already running" >&2
		return 1
	fi
	rm -f "$SV_DV/run/master.pid"
	_dv_config
	if ! "$DOVECOT_BIN" -c "$SV_DV/dovecot.conf" </dev/null >>"$SV_DV/dovecot.log" 2>&1; then
		echo "dovecot_start: dovecot failed to start:" >&2
		tail -n 20 "$SV_DV/dovecot.log" >&2
		return 1
	fi
	# after dovecot_kill the front is still running, on the same ports
	_sv_alive "$(cat "$SV_DV/badhost.pid" 2>/dev/null)" || _dv_badhost_start
	if ! _sv_wait_ports 20 "$DOVECOT_PORT" "$DOVECOT_TLS_PORT" "$DOVECOT_BADHOST_PORT"; then
		echo "dovecot_start: not listening:" >&2
		tail -n 20 "$SV_DV/dovecot.log" "$SV_DV/badhost.log" >&2
		return 1
	fi
}

# dovecot_stop: SIGTERM, then waits for master.pid to go (SIGKILL to the
# whole process group after 10 s). "dovecot_stop quick" (used at exit) skips
# the graceful part. Stopping a stopped server is fine.
dovecot_stop() {
	_dv_badhost_stop
	_sv_pid=$(_dv_pid)
	[ -n "$_sv_pid" ] || return 0
	if [ "${1:-}" = quick ]; then
		dovecot_kill
		return 0
	fi
	_sv_kill TERM "$_sv_pid"
	if ! _sv_wait_gone 10 test -f "$SV_DV/run/master.pid"; then
		echo "dovecot_stop: still running after 10 s, killing it" >&2
		dovecot_kill
	fi
	_sv_wait_gone 5 _sv_pgrp_alive "$_sv_pid"
}

# dovecot_kill: SIGKILL to the master and every process of its group at once
# (for fault tests: connections drop mid-command). The wrong-host front keeps
# running; dovecot_start brings Dovecot back on the same ports and data.
dovecot_kill() {
	_sv_pid=$(_dv_pid)
	[ -n "$_sv_pid" ] || return 0
	_sv_kill KILL "-$_sv_pid" || _sv_kill KILL "$_sv_pid"
	_sv_wait_gone 5 _sv_pgrp_alive "$_sv_pid"
	rm -f "$SV_DV/run/master.pid"
}

dovecot_restart() {
	dovecot_stop
	dovecot_start
}

# _sv_pgrp_pids PGID: the pids of every process in a process group, read
# from /proc in one go (no procps needed).
_sv_pgrp_pids() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v g="$1" '{
		pid = $1
		sub(/^.*\) /, "")      # comm (field 2) may hold spaces and parens
		if ($3 == g && $1 != "Z") print pid
	}'
}

_sv_pgrp_alive() { [ -n "$(_sv_pgrp_pids "$1")" ]; }

# dovecot_pids: the pids of every process of the running instance (the master
# makes itself a process group leader, its children stay in the group).
dovecot_pids() {
	_sv_pid=$(_dv_pid)
	[ -n "$_sv_pid" ] && _sv_pgrp_pids "$_sv_pid"
	return 0
}

# dovecot_maildir USER [FOLDER]: prints the Maildir of a folder (INBOX by
# default; "Sent", "Archive/2026" ... in Maildir++ layout), creating it with
# cur/, new/ and tmp/ owned by the mail uid. Files you write there as root
# need dovecot_fix_perms before Dovecot changes them. A file in cur/ named
# "SEQ.M1P1.host:2,S" with a zero-padded SEQ gets UIDs in SEQ order; its
# mtime is the INTERNALDATE.
dovecot_maildir() {
	[ -n "${T:-}" ] || return 1
	_dv_init || return 1
	_sv_u=$(_sv_lower "$1")
	_sv_f=${2:-INBOX}
	_sv_home=$SV_DV/home/$_sv_u
	case $(_sv_lower "$_sv_f") in
	inbox) _sv_md=$_sv_home/Maildir ;;
	*) _sv_md=$_sv_home/Maildir/.$(printf '%s' "$_sv_f" | tr / .) ;;
	esac
	if [ ! -d "$_sv_md/tmp" ]; then
		mkdir -p "$_sv_md/cur" "$_sv_md/new" "$_sv_md/tmp"
		[ "$_sv_md" = "$_sv_home/Maildir" ] || : >"$_sv_md/maildirfolder"
		if [ "$(id -u)" -eq 0 ]; then
			chown "$SV_MAIL_UID:$SV_MAIL_GID" "$_sv_home" "$_sv_home/Maildir" \
				"$_sv_md" "$_sv_md/cur" "$_sv_md/new" "$_sv_md/tmp"
			[ -f "$_sv_md/maildirfolder" ] && chown "$SV_MAIL_UID:$SV_MAIL_GID" "$_sv_md/maildirfolder"
		fi
	fi
	echo "$_sv_md"
}

# dovecot_fix_perms: hands every mail and rawlog file to the mail uid (after
# writing them as root). A no-op without root.
dovecot_fix_perms() {
	[ -n "${SV_DV:-}" ] || return 0
	[ "$(id -u)" -eq 0 ] || return 0
	chown -R "$SV_MAIL_UID:$SV_MAIL_GID" "$SV_DV/home" "$SV_DV/rawlog"
}

# -- rawlog: what the client sent ----------------------------------------------
# Dovecot writes every post-login IMAP session of USER to
# $DOVECOT_RAWLOG_DIR/USER/YYYYMMDD-HHMMSS-PID.in (client to server) and .out,
# but only while that directory exists (rawlog_dir = .../%u). The login
# exchange itself (CAPABILITY, STARTTLS, LOGIN before success) is not in it;
# one .in file is one authenticated connection.

dovecot_rawlog_on() {
	_dv_init || return 1
	_sv_rd=$SV_DV/rawlog/$(_sv_lower "$1")
	mkdir -p "$_sv_rd"
	[ "$(id -u)" -eq 0 ] && chown "$SV_MAIL_UID:$SV_MAIL_GID" "$_sv_rd"
	return 0
}

dovecot_rawlog_off() {
	[ -n "${SV_DV:-}" ] && rm -rf "$SV_DV/rawlog/$(_sv_lower "$1")"
	return 0
}

# dovecot_rawlog_clear USER: forget what was logged so far (counting restarts).
dovecot_rawlog_clear() {
	[ -n "${SV_DV:-}" ] || return 0
	rm -f "$SV_DV/rawlog/$(_sv_lower "$1")"/*.in "$SV_DV/rawlog/$(_sv_lower "$1")"/*.out
}

# dovecot_rawlog USER: prints every command line USER's clients sent, all
# sessions in order, CRs and Dovecot's timestamps removed. Read it after the client has logged out
# (Dovecot may still be buffering a live session's last lines).
dovecot_rawlog() {
	[ -n "${SV_DV:-}" ] || return 0
	for _sv_f in "$SV_DV/rawlog/$(_sv_lower "$1")"/*.in; do
		[ -f "$_sv_f" ] && tr -d '\r' <"$_sv_f"
	done | sed 's/^[0-9][0-9]*\.[0-9][0-9]* //'
	return 0
}

# dovecot_count_cmds USER CMD: how many commands CMD USER's clients sent, in
# all logged sessions. CMD is matched on whole words after the tag, case-
# insensitively: "SELECT", "STATUS", "UID FETCH" ("FETCH" alone does not
# count "UID FETCH" lines; use "UID FETCH" for those). Prints the number.
dovecot_count_cmds() {
	dovecot_rawlog "$1" | awk -v cmd="$2" '
		BEGIN { cmd = toupper(cmd) }
		{
			line = toupper($0)
			if (!sub(/^[^ ]+ /, "", line)) next
			if (line == cmd || index(line, cmd " ") == 1) n++
		}
		END { print n + 0 }'
}

# dovecot_sessions USER: how many authenticated connections USER made.
dovecot_sessions() {
	[ -n "${SV_DV:-}" ] || { echo 0; return 0; }
	_sv_n=0
	for _sv_f in "$SV_DV/rawlog/$(_sv_lower "$1")"/*.in; do
		[ -f "$_sv_f" ] && _sv_n=$((_sv_n + 1))
	done
	echo "$_sv_n"
}

# -- Radicale ------------------------------------------------------------------

_rd_init() {
	SV_RD=$T/radicale
	[ -n "${SV_RD_INIT:-}" ] && return 0
	RADICALE_BIN=$(_sv_find radicale /usr/bin /usr/local/bin) || {
		echo "radicale_start: no radicale binary" >&2
		return 1
	}
	mkdir -p "$SV_RD/collections/collection-root"
	[ -f "$SV_RD/htpasswd" ] || : >"$SV_RD/htpasswd"
	RADICALE_LOG=$SV_RD/radicale.log
	export RADICALE_LOG
	SV_RD_INIT=1
}

# radicale_add_user NAME PASS: before or after the start (htpasswd is read on
# every login).
radicale_add_user() {
	[ -n "${T:-}" ] || return 1
	_rd_init || return 1
	awk -F: -v u="$1" '$1 != u' "$SV_RD/htpasswd" >"$SV_RD/htpasswd.new"
	printf '%s:%s\n' "$1" "$2" >>"$SV_RD/htpasswd.new"
	mv "$SV_RD/htpasswd.new" "$SV_RD/htpasswd"
}

radicale_start() {
	_sv_hook
	_rd_init || return 1
	if [ -z "${SV_RD_PORT:-}" ]; then
		RADICALE_PORT=$(_sv_free_ports 1)
		SV_RD_PORT=1
	fi
	export RADICALE_PORT
	if _sv_alive "$(cat "$SV_RD/radicale.pid" 2>/dev/null)"; then
		echo "radicale_start: already running" >&2
		return 1
	fi
	_sv_scheme=http
	{
		cat <<EOF
[server]
hosts = 127.0.0.1:$RADICALE_PORT
EOF
		if [ "${RADICALE_TLS:-no}" = yes ]; then
			servers_certs || return 1
			_sv_scheme=https
			cat <<EOF
ssl = True
certificate = $SV_CERTS/server.pem
key = $SV_CERTS/server.key
EOF
		fi
		cat <<EOF

[auth]
type = htpasswd
htpasswd_filename = $SV_RD/htpasswd
htpasswd_encryption = plain
delay = 0

[rights]
type = owner_only

[storage]
filesystem_folder = $SV_RD/collections

[web]
type = none

[logging]
level = warning
EOF
	} >"$SV_RD/radicale.conf"
	RADICALE_URL=$_sv_scheme://127.0.0.1:$RADICALE_PORT/
	export RADICALE_URL
	"$RADICALE_BIN" --config "$SV_RD/radicale.conf" </dev/null >>"$SV_RD/radicale.log" 2>&1 &
	echo $! >"$SV_RD/radicale.pid"
	if ! _sv_wait_ports 20 "$RADICALE_PORT"; then
		echo "radicale_start: not listening:" >&2
		tail -n 20 "$SV_RD/radicale.log" >&2
		return 1
	fi
}

# radicale_stop: SIGTERM and wait (SIGKILL after 10 s; at once with "quick").
radicale_stop() {
	[ -f "${SV_RD:-/nonexistent}/radicale.pid" ] || return 0
	_sv_rp=$(cat "$SV_RD/radicale.pid")
	if [ "${1:-}" = quick ]; then
		_sv_kill KILL "$_sv_rp"
	else
		_sv_kill TERM "$_sv_rp"
		_sv_wait_gone 10 _sv_alive "$_sv_rp" || _sv_kill KILL "$_sv_rp"
	fi
	_sv_wait_gone 5 _sv_alive "$_sv_rp"
	rm -f "$SV_RD/radicale.pid"
}

radicale_pid() { cat "${SV_RD:-/nonexistent}/radicale.pid" 2>/dev/null; }

# radicale_calendar_dir USER CAL [DISPLAYNAME]: prints the directory of the
# calendar collection /USER/CAL/ (created with its .Radicale.props); each
# NAME.ics copied into it is one item, at /USER/CAL/NAME.ics.
radicale_calendar_dir() {
	[ -n "${T:-}" ] || return 1
	_rd_init || return 1
	_sv_cd=$SV_RD/collections/collection-root/$1/$2
	mkdir -p "$_sv_cd"
	if [ ! -f "$_sv_cd/.Radicale.props" ]; then
		if [ -n "${3:-}" ]; then
			_sv_dn=$(printf '%s' "$3" | sed 's/\\/\\\\/g; s/"/\\"/g')
			printf '{"C:supported-calendar-component-set": "VEVENT", "D:displayname": "%s", "tag": "VCALENDAR"}' \
				"$_sv_dn" >"$_sv_cd/.Radicale.props"
		else
			printf '{"tag": "VCALENDAR"}' >"$_sv_cd/.Radicale.props"
		fi
	fi
	echo "$_sv_cd"
}

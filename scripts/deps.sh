#!/bin/sh
# scripts/deps.sh [demo] [PACKAGE...] - installs the Debian packages crmsync
# needs to build, test and run its demo (with "demo": only what the demo
# needs), and the PACKAGEs, when any is missing. Silent and fast when all are there:
# one dpkg-query call. Uses sudo when not root. chromium and systemd are for
# the tests only: tests/integration/report_html.sh loads the HTML reports
# headless, tests/integration/ops_sync.sh checks contrib/systemd with
# systemd-analyze (nothing here needs systemd running). Package names given
# as arguments are wanted too: `make bench` asks for its comparison clients
# (isync, vdirsyncer) that way, so check and demo do not install them.
set -eu
# What `make demo` needs: the build, the libraries, and the servers it starts.
PKGS="build-essential pkg-config libetpan-dev libcurl4-gnutls-dev libical-dev
libsqlite3-dev sqlite3 libxml2-dev libgnutls28-dev libidn2-dev tzdata ca-certificates
dovecot-imapd radicale openssl python3"
# The tests and tools on top, unless the first argument is "demo".
if [ "${1:-}" = demo ]; then
	shift
else
	PKGS="$PKGS clang libclang-rt-14-dev clang-format valgrind curl time chromium systemd"
fi
PKGS="$PKGS $*"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "crmsync: installing missing packages:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "crmsync: need root or sudo to install:$missing" >&2
		exit 1
	}
	SUDO=sudo
fi
# Keep package installs from starting system-wide dovecot/radicale daemons
# on the standard ports; our tests start private instances.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod 755 /usr/sbin/policy-rc.d
	created_policy=1
fi
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
if [ "${created_policy:-0}" = 1 ]; then
	$SUDO rm -f /usr/sbin/policy-rc.d
fi

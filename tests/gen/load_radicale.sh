#!/bin/sh
# tests/gen/load_radicale.sh CALDIR [USER...] - copies the generator's
# calendars (CALDIR/USER/CAL/*.ics, from tests/gen/gen.py --calendars or
# --cal-bulk) into the private Radicale of tests/integration/servers.sh,
# before or after radicale_start.
#
# Run it from an integration test that has called any radicale_* function
# (radicale_add_user, radicale_start, radicale_calendar_dir ...): those
# export RADICALE_LOG, which is how this script finds Radicale's directory
# ($T/radicale). Without USER arguments every user in CALDIR is loaded.
#
# Radicale user names are the full e-mail address of the team member
# (alice@lumen.example), the same name as the directory under CALDIR, the
# Dovecot user of load_maildir.sh and the crmsync owner. So the test adds
# the user with `radicale_add_user alice@lumen.example PASS` and the crmsync
# account reads
#   [caldav "alice-cal"]
#   url = ${RADICALE_URL}
#   user = alice@lumen.example      # may be left out: user defaults to owner
#   password_env = DAV_PW
#   owner = alice@lumen.example
#   timezone = Europe/Berlin        # what cal-expect.jsonl assumes
# and the calendars live at /alice@lumen.example/work/ (cal01 ... in bulk).
#
# Each CAL directory becomes the collection /USER/CAL/ (radicale_calendar_dir,
# display name "Work" for work, else the directory name) and each NAME.ics is
# copied in as the item /USER/CAL/NAME.ics; files already present with the
# same name are replaced. The copying holds Radicale's storage lock
# (collections/.Radicale.lock), so it is safe while the server runs; Radicale
# rebuilds its item cache on the next access.
set -u
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "usage: load_radicale.sh CALDIR [USER...]" >&2
	exit 2
fi
if [ -z "${RADICALE_LOG:-}" ]; then
	echo "load_radicale.sh: RADICALE_LOG is not set: call radicale_add_user or radicale_start (servers.sh) first" >&2
	exit 2
fi
SRC=$(cd "$1" && pwd)
shift
# servers.sh keeps everything in $T/radicale
T=$(dirname "$(dirname "$RADICALE_LOG")")
if [ ! -d "$T/radicale" ]; then
	echo "load_radicale.sh: no Radicale directory at $T/radicale" >&2
	exit 2
fi
. "$(dirname "$0")/../integration/servers.sh"

if [ $# -eq 0 ]; then
	for d in "$SRC"/*/; do
		[ -d "$d" ] && set -- "$@" "$(basename "$d")"
	done
fi
pairs=$(mktemp "${TMPDIR:-/tmp}/load_radicale.XXXXXX") || exit 1
trap 'rm -f "$pairs"' EXIT
for user in "$@"; do
	if [ ! -d "$SRC/$user" ]; then
		echo "load_radicale.sh: no calendars for $user in $SRC" >&2
		exit 1
	fi
	for d in "$SRC/$user"/*/; do
		[ -d "$d" ] || continue
		cal=$(basename "$d")
		case $cal in
		work) dn=Work ;;
		*) dn=$cal ;;
		esac
		cd_=$(radicale_calendar_dir "$user" "$cal" "$dn") || exit 1
		printf '%s\t%s\n' "$SRC/$user/$cal" "$cd_" >>"$pairs"
	done
done

servers_py - "$pairs" "$T/radicale/collections/.Radicale.lock" <<'PY' || exit 1
import fcntl, os, shutil, sys

lock = open(sys.argv[2], "a+")
fcntl.flock(lock, fcntl.LOCK_EX)  # what Radicale 3 takes for writing
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    src, dst = line.rstrip("\n").split("\t")
    for name in sorted(os.listdir(src)):
        if not name.endswith(".ics"):
            continue
        tmp = os.path.join(dst, ".load-" + name)
        shutil.copyfile(os.path.join(src, name), tmp)
        os.replace(tmp, os.path.join(dst, name))
        n += 1
print("load_radicale: %d calendar objects" % n, file=sys.stderr)
PY

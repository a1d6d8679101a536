#!/bin/sh
# tests/gen/load_maildir.sh MAILDIR [USER...] - copies the generator's
# mailboxes (MAILDIR/USER/FOLDER/NNNNNNNN.eml, from tests/gen/gen.py) into
# the private Dovecot of tests/integration/servers.sh, before or after
# dovecot_start.
#
# Run it from an integration test that has called any dovecot_* function
# (dovecot_add_user, dovecot_start ...): those export DOVECOT_DIR, which is
# how this script finds the maildirs. Without USER arguments every user in
# MAILDIR is loaded.
#
# Each NNNNNNNN.eml becomes cur/NNNNNNNN.M1P1.gen:2,S (seen) in the folder's
# Maildir, so a fresh folder gives UID N to file N; the file's mtime (the
# INTERNALDATE) is set from its Date header. Files already present with the
# same name are replaced. Ends with dovecot_fix_perms.
set -u
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "usage: load_maildir.sh MAILDIR [USER...]" >&2
	exit 2
fi
if [ -z "${DOVECOT_DIR:-}" ] || [ ! -d "$DOVECOT_DIR" ]; then
	echo "load_maildir.sh: DOVECOT_DIR is not set: call dovecot_add_user or dovecot_start (servers.sh) first" >&2
	exit 2
fi
SRC=$(cd "$1" && pwd)
shift
# servers.sh keeps everything in $T/dovecot
T=$(dirname "$DOVECOT_DIR")
. "$(dirname "$0")/../integration/servers.sh"

if [ $# -eq 0 ]; then
	for d in "$SRC"/*/; do
		[ -d "$d" ] && set -- "$@" "$(basename "$d")"
	done
fi
pairs=$(mktemp "${TMPDIR:-/tmp}/load_maildir.XXXXXX") || exit 1
trap 'rm -f "$pairs"' EXIT
for user in "$@"; do
	if [ ! -d "$SRC/$user" ]; then
		echo "load_maildir.sh: no mailbox for $user in $SRC" >&2
		exit 1
	fi
	for d in "$SRC/$user"/*/; do
		[ -d "$d" ] || continue
		folder=$(basename "$d")
		md=$(dovecot_maildir "$user" "$folder") || exit 1
		printf '%s\t%s\n' "$SRC/$user/$folder" "$md" >>"$pairs"
	done
done

servers_py - "$pairs" <<'PY' || exit 1
import email.utils, os, shutil, sys

n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    src, dst = line.rstrip("\n").split("\t")
    for name in sorted(os.listdir(src)):
        if not name.endswith(".eml"):
            continue
        s = os.path.join(src, name)
        d = os.path.join(dst, "cur", name[:-4] + ".M1P1.gen:2,S")
        shutil.copyfile(s, d)
        when = None
        with open(s, "rb") as f:
            head = f.read(16384).split(b"\n\n", 1)[0]
        for h in head.replace(b"\r\n", b"\n").replace(b"\n ", b" ").replace(b"\n\t", b" ").split(b"\n"):
            if h[:5].lower() == b"date:":
                try:
                    when = email.utils.parsedate_to_datetime(h[5:].decode("ascii", "replace").strip()).timestamp()
                except (TypeError, ValueError):
                    pass
                break
        if when is None:
            when = os.stat(s).st_mtime
        os.utime(d, (when, when))
        n += 1
print("load_maildir: %d messages" % n, file=sys.stderr)
PY
dovecot_fix_perms

#!/bin/sh
# tests/tools/caldav_floor.sh - the benchmark floor for CalDAV, the
# counterpart of imap_floor.c: the requests crmsync sends (sync/calsync.c,
# sync/davc.c), made by curl, the answers discarded. The caller times it.
#
#   first:    per calendar one sync-collection REPORT from no token (Depth 0,
#             getetag), then calendar-multiget REPORTs of the members it
#             listed, in batches of 50 (CAL_BATCH; getetag, calendar-data).
#             Discovery (principal, home, calendar list) is left out.
#   nochange: per calendar one Depth 0 PROPFIND of getctag and sync-token,
#             what crmsync's no-change sync asks each calendar.
#   check:    (untimed, after either) prints the objects listed and the
#             bytes received; exits 1 unless every answer was a 207.
#
# Each phase is one curl process over one keep-alive connection; one awk
# between them picks the hrefs out of the listings and writes the multiget
# bodies (a shell loop per calendar would cost more than the requests on a
# machine with slow process starts). Nothing else runs in the timed modes:
# checking the answers is the check mode's.
#
# usage: caldav_floor.sh first|nochange USER PASSWORD WORKDIR CALURL...
#        caldav_floor.sh check WORKDIR
#   CALURL: a calendar's URL ending in "/"; WORKDIR: scratch (created),
#   a fresh one for each first.
set -u
if [ "${1:-}" = check ] && [ $# -eq 2 ]; then
	wd=$2
	codes=$(ls "$wd"/*.codes 2>/dev/null)
	[ -n "$codes" ] || {
		echo "caldav_floor: no answers in $wd" >&2
		exit 1
	}
	# shellcheck disable=SC2086
	if ! awk '$1 != 207 { bad = 1 } END { exit bad }' $codes; then
		echo "caldav_floor: a request did not answer 207:" >&2
		# shellcheck disable=SC2086
		cut -d' ' -f1 $codes | sort | uniq -c >&2
		exit 1
	fi
	# shellcheck disable=SC2086
	echo "$(cat "$wd/count" 2>/dev/null || echo 0) $(cat $codes | awk '{ s += $2 } END { print s + 0 }')"
	exit 0
fi
[ $# -ge 5 ] || {
	echo "usage: caldav_floor.sh first|nochange USER PASSWORD WORKDIR CALURL... | check WORKDIR" >&2
	exit 2
}
mode=$1 user=$2 pw=$3 wd=$4
shift 4
mkdir -p "$wd" || exit 1
head='<?xml version="1.0" encoding="utf-8"?>'

# part URL METHOD DEPTH BODYFILE OUTFILE: one request of a curl config,
# preceded by "next" unless it is the first ($first).
first=1
part() {
	[ "$first" = 1 ] || echo next
	first=0
	printf 'url = "%s"\nrequest = "%s"\nuser = "%s:%s"\n' "$1" "$2" "$user" "$pw"
	printf 'header = "Content-Type: application/xml; charset=utf-8"\nheader = "Expect:"\n'
	[ -n "$3" ] && printf 'header = "Depth: %s"\n' "$3"
	printf 'data-binary = "@%s"\noutput = "%s"\nwrite-out = "%%{http_code} %%{size_download}\\n"\n' "$4" "$5"
}

case $mode in
nochange)
	printf '%s\n<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/">\n  <D:prop>\n    <CS:getctag/>\n    <D:sync-token/>\n  </D:prop>\n</D:propfind>\n' \
		"$head" >"$wd/state.xml"
	for cal in "$@"; do part "$cal" PROPFIND 0 "$wd/state.xml" /dev/null; done >"$wd/state.cfg"
	exec curl -s -K "$wd/state.cfg" >"$wd/state.codes"
	;;
first) ;;
*)
	echo "caldav_floor: unknown mode '$mode'" >&2
	exit 2
	;;
esac

printf '%s\n<D:sync-collection xmlns:D="DAV:">\n  <D:sync-token/>\n  <D:sync-level>1</D:sync-level>\n  <D:prop>\n    <D:getetag/>\n  </D:prop>\n</D:sync-collection>\n' \
	"$head" >"$wd/sync.xml"
: >"$wd/cals"
i=0
for cal in "$@"; do
	i=$((i + 1))
	part "$cal" REPORT 0 "$wd/sync.xml" "$wd/list$i.xml"
	echo "$cal" >>"$wd/cals"
done >"$wd/sync.cfg"
curl -s -K "$wd/sync.cfg" >"$wd/sync.codes" || exit 1

# One awk: the hrefs of the listed members (any namespace prefix; those
# with a 200 propstat: a first listing has nothing else), in batches of 50
# per calendar, and the curl config of the multigets.
awk -v wd="$wd" -v n=50 -v head="$head" -v user="$user" -v pw="$pw" '
	function flush() {
		if (nb == 0) return
		body = wd "/mg" nbody++ ".xml"
		printf "%s\n<C:calendar-multiget xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">\n", head > body
		printf "  <D:prop>\n    <D:getetag/>\n    <C:calendar-data/>\n  </D:prop>\n%s", hrefs > body
		print "</C:calendar-multiget>" > body
		close(body)
		if (nbody > 1) print "next" > cfg
		printf "url = \"%s\"\nrequest = \"REPORT\"\nuser = \"%s:%s\"\n", cal, user, pw > cfg
		printf "header = \"Content-Type: application/xml; charset=utf-8\"\nheader = \"Expect:\"\n" > cfg
		printf "data-binary = \"@%s\"\noutput = \"/dev/null\"\n", body > cfg
		printf "write-out = \"%%{http_code} %%{size_download}\\n\"\n" > cfg
		nb = 0
		hrefs = ""
	}
	BEGIN {
		cfg = wd "/mget.cfg"
		printf "" > cfg
		while ((getline line < (wd "/cals")) > 0)
			cals[++ncal] = line
		RS = "<"
		for (k = 1; k <= ncal; k++) {
			cal = cals[k]
			f = wd "/list" k ".xml"
			while ((getline t < f) > 0) {
				if (t ~ /^([A-Za-z0-9]+:)?href>/) {
					sub(/^[^>]*>/, "", t)
					hrefs = hrefs "  <D:href>" t "</D:href>\n"
					total++
					if (++nb == n) flush()
				}
			}
			close(f)
			flush()
		}
		print total + 0
	}' >"$wd/count" || exit 1
[ -s "$wd/mget.cfg" ] || exit 0
exec curl -s -K "$wd/mget.cfg" >"$wd/mget.codes"

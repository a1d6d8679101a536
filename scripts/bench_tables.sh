# scripts/bench_tables.sh - sourced by scripts/bench.sh: bench_write prints
# BENCHMARKS.md from what the run measured, the lines of
#   $MAIL_TSV  kind n k fetched wall cpu rss_kb nochange floor mbs_first mbs_cpu mbs_rss mbs_nochange
#              (kind "scale": n messages in one folder; "folders": k folders of n)
#   $CAL_TSV   n k occurrences wall cpu rss_kb nochange floor floor_nochange
#              vds_discover vds_first vds_cpu vds_rss vds_nochange
#   $REP_TSV   report range wall cpu rss_kb
# ("NA": the command failed; "-": not run). Also uses CRMSYNC_BIN, ROOT,
# ACTIVITIES, LOAD_START and TOTAL_S.

# The targets (the issue's; linear and flat are ours: from the smallest to
# the largest one-folder size, time per message and peak RSS grow at most
# by these factors).
TGT_RATE=50000       # messages/s, mail first sync
TGT_FLOOR=2          # crmsync / floor, mail first sync
TGT_MBSYNC=0.1       # crmsync / mbsync, mail first sync (10x faster)
TGT_NOCHANGE=0.030   # s, no-change sync of the many-folder mailbox
TGT_RSS_MB=40        # peak RSS at 100,000 messages
TGT_LINEAR=1.3       # time per message, largest over smallest size
TGT_FLAT=1.25        # peak RSS, largest over smallest size
TGT_CAL_FIRST=0.3334 # crmsync / vdirsyncer, first sync of the first calendar size
TGT_CAL_NC=0.1       # crmsync / vdirsyncer, no-change sync of the same
TGT_REPORT=0.5       # s, every report

# Shared awk functions: number formats that pass NA ("failed") and "-" on.
BT_AWK='
function na(x) { return x == "NA" || x == "-" || x == "" }
function txt(x) { return x == "NA" ? "failed" : "-" }
function th(n,   s, neg) {
	if (na(n)) return txt(n)
	s = sprintf("%d", n); neg = ""
	if (s ~ /^-/) { neg = "-"; s = substr(s, 2) }
	while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
	return neg s
}
function sec(x) {
	if (na(x)) return txt(x)
	return x < 1 ? sprintf("%.3f s", x) : sprintf("%.2f s", x)
}
function cpu(x) { return na(x) ? txt(x) : sprintf("%.2f s", x) }
function mb(kb) { return na(kb) ? txt(kb) : sprintf("%d MB", kb / 1024 + 0.5) }
function ratio(a, b) { return na(a) || na(b) || b <= 0 ? "-" : sprintf("%.2f", a / b) }
function mailbox(kind, n, k) {
	return kind == "scale" ? th(n) " in 1 folder" : th(n * k) " in " k " folders of " th(n)
}
'

bt_versions() {
	v_crm=$("$CRMSYNC_BIN" --version | cut -d' ' -f2)
	v_git=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
	v_dov=$(dovecot --version 2>/dev/null | cut -d' ' -f1)
	v_rad=$(radicale --version 2>/dev/null)
	v_isync=$(mbsync --version 2>/dev/null | cut -d' ' -f2)
	v_vds=$(vdirsyncer --version 2>/dev/null | sed 's/.*version //')
	v_curl=$(curl --version 2>/dev/null | head -n 1 | cut -d' ' -f2)
	v_sqlite=$(sqlite3 --version 2>/dev/null | cut -d' ' -f1)
	v_etpan=$(dpkg-query -W -f='${Version}' libetpan20 2>/dev/null | sed 's/-[^-]*$//')
	v_os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
	v_cpu=$(grep -m 1 '^model name' /proc/cpuinfo | sed 's/.*: //')
	v_mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
}

bt_targets() {
	awk -v rate="$TGT_RATE" -v floor="$TGT_FLOOR" -v mbs="$TGT_MBSYNC" -v nc="$TGT_NOCHANGE" \
		-v rssmb="$TGT_RSS_MB" -v lin="$TGT_LINEAR" -v flat="$TGT_FLAT" -v calf="$TGT_CAL_FIRST" \
		-v calnc="$TGT_CAL_NC" -v rep="$TGT_REPORT" -v acts="$ACTIVITIES" "$BT_AWK"'
	function row(what, measured, ok, have) {
		printf "| %s | %s | %s |\n", what, measured, !have ? "not measured" : ok ? "met" : "missed"
	}
	FILENAME == ARGV[1] {
		lab = mailbox($1, $2, $3)
		if (!na($4) && !na($5) && $5 > 0) {
			r = $4 / $5
			if (!hr || r < minrate) { minrate = r; minrate_at = lab }
			hr = 1
		}
		if (!na($5) && !na($9) && $9 > 0) {
			r = $5 / $9
			if (!hf || r > maxfl) { maxfl = r; maxfl_at = lab }
			hf = 1
		}
		if (!na($5) && !na($10) && $10 > 0) {
			r = $5 / $10
			if (!hm || r > maxmb) { maxmb = r; maxmb_at = lab }
			hm = 1
		}
		if ($1 == "folders") { fnc = $8; fnc_at = lab }
		if ($2 * $3 == 100000 && !na($7)) {
			if (!hrss || $7 > maxrss) { maxrss = $7; maxrss_at = lab }
			hrss = 1
		}
		if ($1 == "scale" && !na($5) && !na($4) && $4 > 0) {
			if (!hs) { s0n = $2; s0t = $5 / $4; s0r = $7 }
			s1n = $2; s1t = $5 / $4; s1r = $7; hs++
		}
		next
	}
	FILENAME == ARGV[2] {
		if (!hc) { cn = $1; cw = $4; cnc = $7; cvf = $11; cvnc = $14; hc = 1 }
		next
	}
	{
		if (!na($3) && (!hp || $3 > maxrep)) { maxrep = $3; maxrep_at = $1 ", " $2; gsub(/-/, " ", maxrep_at); hp = 1 }
	}
	END {
		print "| target | measured | |"
		print "|---|---|---|"
		row("mail first sync at least " th(rate) " messages/s", hr ? "lowest " th(minrate) "/s (" minrate_at ")" : "-", minrate >= rate, hr)
		row("mail first sync within " floor "x of the floor", hf ? "worst x" sprintf("%.2f", maxfl) " (" maxfl_at ")" : "-", maxfl <= floor, hf)
		row("mail first sync 10x faster than mbsync", hm ? "worst crmsync/mbsync " sprintf("%.2f", maxmb) " (" maxmb_at ")" : "-", maxmb <= mbs, hm)
		row("no-change sync of " (fnc_at != "" ? fnc_at : "many folders") " under " nc * 1000 " ms", na(fnc) ? "-" : sprintf("%.0f ms", fnc * 1000), fnc < nc, !na(fnc))
		row("peak RSS under " rssmb " MB at 100,000 messages", hrss ? mb(maxrss) " (" maxrss_at ")" : "-", maxrss < rssmb * 1024, hrss)
		row("first sync linear: time per message at " th(s1n) " at most " lin "x that at " th(s0n), hs > 1 ? sprintf("x%.2f", s1t / s0t) : "-", hs > 1 && s1t / s0t <= lin, hs > 1)
		row("memory flat: peak RSS at " th(s1n) " at most " flat "x that at " th(s0n), hs > 1 ? mb(s0r) " to " mb(s1r) sprintf(" (x%.2f)", s1r / s0r) : "-", hs > 1 && s1r / s0r <= flat, hs > 1)
		hv = hc && !na(cw) && !na(cvf) && cvf > 0
		row("calendar first sync of " th(cn) " events at most a third of vdirsyncer", hv ? "crmsync/vdirsyncer " sprintf("%.2f", cw / cvf) : "-", hv && cw / cvf <= calf, hv)
		hv = hc && !na(cnc) && !na(cvnc) && cvnc > 0
		row("calendar no-change sync of " th(cn) " events at most a tenth of vdirsyncer", hv ? "crmsync/vdirsyncer " sprintf("%.2f", cnc / cvnc) : "-", hv && cnc / cvnc <= calnc, hv)
		row("each report under " rep " s over " th(acts) " activities", hp ? "slowest " sec(maxrep) " (" maxrep_at ")" : "-", maxrep < rep, hp)
	}' "$MAIL_TSV" "$CAL_TSV" "$REP_TSV"
}

bench_write() {
	bt_versions
	echo "# Benchmarks"
	echo
	echo "Written by \`make bench\` (scripts/bench.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'), one run of ${TOTAL_S} s."
	echo
	echo "- Machine: $(nproc) cores ($v_cpu), $v_mem, $(uname -m), $v_os, Linux $(uname -r); load average at the start: $LOAD_START (other work may share the machine)."
	echo "- crmsync $v_crm ($v_git), libetpan $v_etpan, libcurl $v_curl, SQLite $v_sqlite."
	echo "- Servers, private, on loopback: Dovecot $v_dov (plain IMAP, warm cache), Radicale $v_rad (warm item cache)."
	echo "- Other clients: mbsync (isync $v_isync), vdirsyncer $v_vds, curl $v_curl."
	echo "- Wall is the time from starting a command to its exit (to the ms, its process"
	echo "  start included), CPU its user + system time, peak RSS its maximum resident set."
	echo
	echo "## Targets"
	echo
	echo "What the project aims at, measured in this run (reported, not asserted)."
	echo
	bt_targets
	echo
	echo "## Mail: first sync"
	echo
	echo "Generated mail (tests/gen/gen.py --bulk: 1-3 KB messages, mostly from and to"
	echo "contacts), one connection. The floor is a bare C client (tests/tools/imap_floor.c)"
	echo "sending the same UID FETCH commands (same header fields, same 2 KB body start,"
	echo "ranges of 1,000) and discarding the bytes. mbsync pulls every folder into a"
	echo "Maildir (FSync no, its fastest setting; SyncState in the Maildir)."
	echo
	echo "| mailbox | wall | CPU | peak RSS | messages/s | floor | crmsync / floor | mbsync | crmsync / mbsync |"
	echo "|---|---|---|---|---|---|---|---|---|"
	awk "$BT_AWK"'{
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", mailbox($1, $2, $3), sec($5), cpu($6), mb($7),
			na($4) || na($5) ? "-" : th($4 / $5), sec($9), ratio($5, $9), sec($10), ratio($5, $10)
	}' "$MAIL_TSV"
	echo
	echo "mbsync does more and less than crmsync: it downloads whole messages (here 1-3 KB"
	echo "each, so about the bytes crmsync reads: the header fields and the first 2 KB of"
	echo "the body) and writes each to a file, while crmsync parses, matches and logs"
	echo "each message in SQLite. mbsync runs on the smallest and the largest one-folder"
	echo "mailbox and on the many-folder one (\"-\": not run)."
	echo
	echo "## Mail: no-change sync"
	echo
	echo "The same mailbox again with nothing new: crmsync sends one STATUS per folder,"
	echo "mbsync selects each folder and lists its messages' flags."
	echo
	echo "| mailbox | crmsync | mbsync | crmsync / mbsync |"
	echo "|---|---|---|---|"
	awk "$BT_AWK"'{ printf "| %s | %s | %s | %s |\n", mailbox($1, $2, $3), sec($8), sec($13), ratio($8, $13) }' "$MAIL_TSV"
	echo
	echo "## Mail: scaling"
	echo
	echo "First sync of one folder at each size (the rows above): time should grow"
	echo "linearly with the messages, memory stay flat."
	echo
	echo "| messages | wall | per message | CPU | peak RSS |"
	echo "|---|---|---|---|---|"
	awk "$BT_AWK"'$1 == "scale" {
		printf "| %s | %s | %s | %s | %s |\n", th($2), sec($5), na($4) || na($5) || $4 == 0 ? "-" : sprintf("%.1f us", $5 / $4 * 1e6), cpu($6), mb($7)
	}' "$MAIL_TSV"
	if [ -s "$CAL_TSV" ]; then
		echo
		echo "## Calendar: first sync"
		echo
		echo "Generated events (tests/gen/gen.py --cal-bulk: a fifth weekly series of 3-10"
		echo "occurrences) in Radicale, one calendar owner. The floor"
		echo "(tests/tools/caldav_floor.sh) is curl sending what crmsync sends after"
		echo "discovery: per calendar one sync-collection REPORT, then calendar-multiget"
		echo "REPORTs of 50 objects, over one connection, the answers discarded (its time"
		echo "includes starting sh, curl twice and awk). vdirsyncer syncs the same calendars"
		echo "into a filesystem storage; its discovery ran before and is not counted."
		echo
		echo "| events | calendars | occurrences | wall | CPU | peak RSS | floor | crmsync / floor | vdirsyncer | crmsync / vdirsyncer |"
		echo "|---|---|---|---|---|---|---|---|---|---|"
		awk "$BT_AWK"'{
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", th($1), $2, th($3), sec($4), cpu($5), mb($6),
				sec($8), ratio($4, $8), sec($11), ratio($4, $11)
		}' "$CAL_TSV"
		echo
		echo "vdirsyncer's discovery (\`vdirsyncer discover\`, not counted above):"
		awk "$BT_AWK"'{ printf "%s%s events, %s", (NR > 1 ? "; " : ""), th($1), sec($10) } END { print "." }' "$CAL_TSV"
		echo
		echo "## Calendar: no-change sync"
		echo
		echo "crmsync finds its calendars (current-user-principal, calendar-home-set, a"
		echo "Depth 1 PROPFIND of the home), then sends one PROPFIND (ctag, sync-token) per"
		echo "calendar; the floor sends only those last PROPFINDs, with curl; vdirsyncer"
		echo "lists each calendar's ETags."
		echo
		echo "| events | crmsync | floor | crmsync / floor | vdirsyncer | crmsync / vdirsyncer |"
		echo "|---|---|---|---|---|---|"
		awk "$BT_AWK"'{
			printf "| %s | %s | %s | %s | %s | %s |\n", th($1), sec($7), sec($9), ratio($7, $9), sec($14), ratio($7, $14)
		}' "$CAL_TSV"
	fi
	if [ -s "$REP_TSV" ]; then
		echo
		echo "## Reports over $(echo "$ACTIVITIES" | awk "$BT_AWK"'{ print th($1) }') activities and 20,000 deals"
		echo
		echo "\`crmsync report R --format json\` on a database generated by"
		echo "tests/unit/test_report_activity.c (a year of mail, meetings and calls of 20"
		echo "users and 20,000 contacts) plus 20,000 deals with sources, values, closes"
		echo "and stage histories; weekly periods."
		echo
		echo "| report | range | wall | CPU | peak RSS |"
		echo "|---|---|---|---|---|"
		awk "$BT_AWK"'{ r = $2; gsub(/-/, " ", r); printf "| %s | %s | %s | %s | %s |\n", $1, r, sec($3), cpu($4), mb($5) }' "$REP_TSV"
	fi
}

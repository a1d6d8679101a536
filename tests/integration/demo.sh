#!/bin/sh
# tests/integration/demo.sh - `make demo` (scripts/demo.sh) as a new user
# runs it: exit 0 within a minute, every step shown, all eight accounts
# synced, both reports and the HTML report written, `why` explaining a
# skipped and an ambiguous message, no password in the config or the
# output, and no server process left running afterwards.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"
servers_require dovecot radicale

t0=$(date +%s)
sh "$TOP/scripts/demo.sh" "$CRMSYNC_BIN" >"$T/demo" 2>&1
rc=$?
secs=$(($(date +%s) - t0))
check "the demo exits 0 (got $rc: $(tail -n 3 "$T/demo"))" [ $rc -eq 0 ]
check "the demo takes under a minute (${secs} s)" [ "$secs" -lt 60 ]
for s in "A sales team" "A private Dovecot and Radicale" "The config" "Import the CRM" \
	"Sync every account" "Activity per rep" "Lead-source attribution" "The HTML report" \
	"Why was a message skipped" "Why is a message ambiguous" "Done in"; do
	check "the demo shows: $s" grep -q "^== $s" "$T/demo"
done
OUT=$(sed -n 's/^The database, config and HTML report are in \(.*\) (rm -rf.*/\1/p' "$T/demo")
SV=$(sed -n 's/^== A private Dovecot and Radicale on loopback (in \(.*\))$/\1/p' "$T/demo")
demo_out_rm() { [ -n "$OUT" ] && rm -rf "$OUT"; }
T_CLEANUP_HOOKS="${T_CLEANUP_HOOKS:-} demo_out_rm"
check "the demo names its directory ($OUT)" [ -n "$OUT" ] && [ -d "$OUT" ]
check "eight accounts synced" [ "$(grep -cE '^[a-z]+(-cal)?: ok: ' "$T/demo")" -eq 8 ]
n=$(sed -n 's/^\([0-9]*\) activities logged.*/\1/p' "$T/demo")
check "over a thousand activities logged (${n:-none})" [ "${n:-0}" -gt 1000 ]
check "the database holds them" [ "$(q "$OUT/crmsync.db" "SELECT count(*) FROM activities")" = "$n" ]
check "the activity report has a row per rep and month" [ "$(grep -cE '^[a-z]+@lumen\.example +20[0-9]{2}-[0-9]{2}-01 ' "$T/demo")" -ge 12 ]
check "the attribution report credits channels" grep -q '^linear  ' "$T/demo"
check "the HTML report is written" grep -q '<html' "$OUT/report.html"
check "why: a skipped message and its reason" grep -qE 'skipped [0-9T:-]+Z: automated' "$T/demo"
check "why: an ambiguous message and its candidates" grep -q 'ambiguous between deals D-' "$T/demo"
check "the config holds no password, only password_env" sh -c "grep -q '^password_env = DEMO_PW' '$OUT/config' && ! grep -q '^password *=' '$OUT/config'"
check "the output holds no password" sh -c "! grep -q 'demo-[0-9a-f]\{12\}' '$T/demo'"
check "the servers' directory is gone ($SV)" [ -n "$SV" ] && [ ! -e "$SV" ]
left=
for f in /proc/[0-9]*/cmdline; do
	case $( { tr '\0' ' ' <"$f"; } 2>/dev/null) in
	*"${SV:-/nonexistent}"*) left="$left ${f%/cmdline}" ;;
	esac
done
check "no process of the demo's servers is left ($left)" [ -z "$left" ]
t_done demo

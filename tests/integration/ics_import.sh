#!/bin/sh
# tests/integration/ics_import.sh - `crmsync import ics` over every real
# calendar file of the corpus (tests/data/ics): each either yields meeting
# occurrences (logged or skipped with a reason) or a recorded parse error;
# nothing crashes; a second import adds nothing.
. "$(dirname "$0")/lib.sh"
EX=$TOP/examples/crm
DB=$T/crm.db
export CRMSYNC_NOW=2026-11-01T12:00:00Z
for k in users companies contacts stages deals; do
	crm -d "$DB" import $k "$EX/$k.csv"
done
n=0
for f in "$TOP"/tests/data/ics/*.ics; do
	n=$((n + 1))
	crm -d "$DB" import ics "$f" --owner alice@lumen.example --timezone Europe/Berlin --since 1990-01-01 --until 2040-01-01
	if [ "$rc" -ne 0 ]; then
		fail "import ics $(basename "$f"): exit $rc"
		continue
	fi
	items=$(q "$DB" "SELECT count(*) FROM item_outcomes WHERE container = '$f'")
	errors=$(q "$DB" "SELECT count(*) FROM parse_errors WHERE container = '$f'")
	if [ "$items" -gt 0 ] || [ "$errors" -gt 0 ]; then ok; else fail "$(basename "$f"): no occurrence and no recorded error"; fi
done
check "corpus files found" [ "$n" -ge 80 ]
check "some corpus meetings were read" [ "$(q "$DB" "SELECT count(*) FROM item_outcomes WHERE account = 'import'")" -gt 100 ]
check "every parse error says what" [ "$(q "$DB" "SELECT count(*) FROM parse_errors WHERE what = ''")" = 0 ]
before=$(q "$DB" "SELECT count(*) FROM activities")
for f in "$TOP"/tests/data/ics/*.ics; do
	crm -d "$DB" import ics "$f" --owner alice@lumen.example --timezone Europe/Berlin --since 1990-01-01 --until 2040-01-01
done
check "re-importing the corpus adds nothing" [ "$(q "$DB" "SELECT count(*) FROM activities")" = "$before" ]
# A meeting with a known contact from a hand-written file.
printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:imp-1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260301T090000\r\nDTEND:20260301T100000\r\nSUMMARY:Floating in Berlin\r\nORGANIZER:mailto:alice@lumen.example\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:wile@acme.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' >"$T/one.ics"
crm -d "$DB" import ics "$T/one.ics" --owner alice@lumen.example --timezone Europe/Berlin
expect_rc 0 "import one .ics"
expect_out "1 occurrences: 1 logged (1 new activities)" "import summary"
check "floating time read in the given zone" [ "$(q "$DB" "SELECT occurred_at FROM activities WHERE source_key = 'imp-1'")" = "$(date -ud 2026-03-01T08:00:00Z +%s)" ]
check "held (ended before now)" [ "$(q "$DB" "SELECT status FROM activities WHERE source_key = 'imp-1'")" = held ]
crm -d "$DB" import ics "$T/missing.ics" --owner alice@lumen.example
expect_rc 2 "missing .ics file"
t_done ics_import

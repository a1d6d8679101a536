#!/bin/sh
# tests/integration/mail_sync.sh - IMAP sync end to end against a private
# Dovecot: the generated sales team's mailboxes become exactly the
# activities, links and skips the generator says (docs/matching.md);
# incremental syncs fetch only what is new; moves, UIDVALIDITY changes,
# kills and server outages never duplicate or lose anything; TLS is
# verified; the real-world corpus parses or lands in parse_errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"
servers_require dovecot
PY=servers_py
W=$T/world
DB=$T/crm.db
export CRMSYNC_NOW=2026-11-01T12:00:00Z
export IMAP_PW=imap-secret-pw

"$PY" "$TOP/tests/gen/gen.py" --out "$W" --seed 11 --threads 120 --now "$CRMSYNC_NOW" >/dev/null ||
	fail "generator"
reps=$(tail -n +2 "$W/crm/users.csv" | cut -d, -f1)
for r in $reps; do dovecot_add_user "$r" "$IMAP_PW"; done
sh "$TOP/tests/gen/load_maildir.sh" "$W/mail" || fail "loading the maildirs"
dovecot_start || fail "dovecot_start"
for r in $reps; do dovecot_rawlog_on "$r"; done

# A config with one IMAP account per rep: plain IMAP on loopback.
conf() { # file [extra lines for each account]
	{
		printf '[store]\npath = %s\n\n[team]\ndomains = %s\n\n' "$DB" "$(echo "$reps" | head -n1 | cut -d@ -f2)"
		for r in $reps; do
			printf '[imap "%s"]\nhost = 127.0.0.1\nport = %s\nsecurity = none\n' "${r%@*}" "$DOVECOT_PORT"
			printf 'user = %s\npassword_env = IMAP_PW\nowner = %s\nsince = 3650d\n%s\n\n' "$r" "$r" "${2:-}"
		done
	} >"$1"
}
conf "$T/c.conf"
for k in users companies contacts stages deals; do
	crm -d "$DB" import $k "$W/crm/$k.csv"
	expect_rc 0 "import $k"
done

# -- first sync: exactly what the generator expects --------------------------------
crm -c "$T/c.conf" sync
expect_rc 0 "first sync"
cat "$T/out" >&2
if "$PY" "$TOP/tests/integration/check_expect.py" "$W/expect.jsonl" "$DB" >"$T/check" 2>&1; then
	ok
else
	fail "first sync matches expect.jsonl: $(tail -n 12 "$T/check")"
fi
rep_facts_agree "$DB" "first sync"
check "no password in the database" [ -z "$(grep -a "$IMAP_PW" "$DB" "$DB-wal" 2>/dev/null)" ]
check "no password in the output" [ -z "$(grep -a "$IMAP_PW" "$T/out" "$T/err")" ]
sqlite3 "$DB" "SELECT reason, count(*) FROM item_outcomes WHERE outcome='skipped' GROUP BY reason" >"$T/reasons"
for reason in internal automated role-sender unmatched invitation; do
	check "skip reason $reason recorded" grep -q "^$reason|" "$T/reasons"
done
acts1=$(q "$DB" "SELECT count(*) FROM activities")
outc1=$(q "$DB" "SELECT count(*) FROM item_outcomes")

# -- no change: one STATUS per folder, no SELECT, no FETCH ---------------------------
for r in $reps; do dovecot_rawlog_clear "$r"; done
crm -c "$T/c.conf" sync
expect_rc 0 "no-change sync"
expect_out "0 fetched" "no-change sync fetched nothing"
for r in $reps; do
	check "no-change sync sent no SELECT/EXAMINE for $r" [ "$(( $(dovecot_count_cmds "$r" SELECT) + $(dovecot_count_cmds "$r" EXAMINE) ))" -eq 0 ]
	check "no-change sync sent no FETCH for $r" [ "$(dovecot_count_cmds "$r" "UID FETCH")" -eq 0 ]
	check "no-change sync sent STATUS for $r" [ "$(dovecot_count_cmds "$r" STATUS)" -ge 1 ]
done
check "no-change sync changed nothing" [ "$(q "$DB" "SELECT count(*) FROM activities")" = "$acts1" ]

# -- new messages: only they are fetched -----------------------------------------------
alice=$(echo "$reps" | head -n1)
contact=$(sed -n 2p "$W/crm/contacts.csv" | cut -d, -f1)
inbox=$(dovecot_maildir "$alice" INBOX)
for i in 1 2 3; do
	printf 'From: Contact <%s>\r\nTo: %s\r\nSubject: New one %s\r\nDate: Sat, 31 Oct 2026 10:0%s:00 +0000\r\nMessage-ID: <new-%s@test.example>\r\n\r\nHello %s\r\n' \
		"$contact" "$alice" "$i" "$i" "$i" "$i" >"$inbox/cur/9900000$i.M1P1.test:2,S"
done
dovecot_fix_perms
crm -c "$T/c.conf" sync --account "${alice%@*}"
expect_rc 0 "incremental sync"
expect_out "3 fetched, 3 logged (3 new)" "only the new messages are fetched"
check "three activities added" [ "$(q "$DB" "SELECT count(*) FROM activities")" = "$((acts1 + 3))" ]

# -- a message moved to another folder stays one activity ----------------------------------
"$PY" - "$DOVECOT_PORT" "$alice" "$IMAP_PW" <<'PYEOF' || fail "IMAP MOVE"
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login(sys.argv[2], sys.argv[3])
m.select("INBOX")
typ, data = m.uid("SEARCH", None, "HEADER", "Message-ID", "<new-1@test.example>")
uid = data[0].split()[0].decode()
m.uid("MOVE", uid, "Sent")
m.logout()
PYEOF
crm -c "$T/c.conf" sync --account "${alice%@*}"
expect_rc 0 "sync after a move"
check "moved message is still one activity" [ "$(q "$DB" "SELECT count(*) FROM activities WHERE source_key='<new-1@test.example>'")" = 1 ]
check "moved message is not flagged removed" [ "$(q "$DB" "SELECT removed FROM activities WHERE source_key='<new-1@test.example>'")" = 0 ]
check "activity count unchanged by the move" [ "$(q "$DB" "SELECT count(*) FROM activities")" = "$((acts1 + 3))" ]

# -- an expunged message flags its activity as removed from the mailbox ------------------------
"$PY" - "$DOVECOT_PORT" "$alice" "$IMAP_PW" <<'PYEOF' || fail "IMAP EXPUNGE"
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login(sys.argv[2], sys.argv[3])
m.select("INBOX")
typ, data = m.uid("SEARCH", None, "HEADER", "Message-ID", "<new-2@test.example>")
m.uid("STORE", data[0].split()[0].decode(), "+FLAGS", "(\\Deleted)")
m.expunge()
m.logout()
PYEOF
crm -c "$T/c.conf" sync --account "${alice%@*}"
expect_rc 0 "sync after an expunge"
check "expunged message's activity kept, flagged removed" [ "$(q "$DB" "SELECT removed FROM activities WHERE source_key='<new-2@test.example>'")" = 1 ]

# -- UIDVALIDITY change: the folder recreated with the same messages -----------------------------
before=$(q "$DB" "SELECT count(*) FROM activities")
dovecot_stop
rm -f "$inbox"/dovecot-uidlist "$inbox"/dovecot-uidvalidity* "$inbox"/dovecot.index*
dovecot_start || fail "dovecot restart"
crm -c "$T/c.conf" sync --account "${alice%@*}"
expect_rc 0 "sync after a UIDVALIDITY change"
check "UIDVALIDITY change: no duplicates" [ "$(q "$DB" "SELECT count(*) FROM activities")" = "$before" ]
check "UIDVALIDITY change counted" [ "$(q "$DB" "SELECT resets FROM sync_state WHERE account='${alice%@*}' AND container='INBOX'")" = 1 ]
check "UIDVALIDITY change: nothing lost" [ "$(q "$DB" "SELECT count(*) FROM item_outcomes WHERE account='${alice%@*}' AND container='INBOX' AND removed_at IS NULL")" -gt 0 ]

# -- dry run writes nothing ----------------------------------------------------------------------
rm -f "$T/dry.db"
crm -d "$T/dry.db" import users "$W/crm/users.csv"
crm -d "$T/dry.db" -c "$T/c.conf" sync --dry-run
expect_rc 0 "dry run"
expect_out "dry run: " "dry run says so"
check "dry run stored no activity" [ "$(q "$T/dry.db" "SELECT count(*) FROM activities")" = 0 ]
check "dry run stored no state" [ "$(q "$T/dry.db" "SELECT count(*) FROM sync_state")" = 0 ]

# -- the sync lock ---------------------------------------------------------------------------------
rm -f "$DB.lock"
"$PY" -c 'import fcntl, os, sys, time
f = open(sys.argv[1], "w"); fcntl.lockf(f, fcntl.LOCK_EX); f.write("%d\n" % os.getpid()); f.flush(); time.sleep(5)' "$DB.lock" &
lockpid=$!
i=0
while ! grep -q '[0-9]' "$DB.lock" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
holder=$(head -n 1 "$DB.lock")
crm -c "$T/c.conf" sync
expect_rc 3 "second sync exits 3"
expect_err "pid $holder" "lock message names the holder"
kill $lockpid 2>/dev/null; wait $lockpid 2>/dev/null

# -- private folders are never opened ---------------------------------------------------------
rm -f "$T/priv.db"
crm -d "$T/priv.db" import users "$W/crm/users.csv"
printf '[store]\npath = %s\n[imap "priv"]\nhost = 127.0.0.1\nport = %s\nsecurity = none\nuser = %s\npassword_env = IMAP_PW\nowner = %s\nprivate_folders = Sent\n' \
	"$T/priv.db" "$DOVECOT_PORT" "$alice" "$alice" >"$T/priv.conf"
dovecot_rawlog_clear "$alice"
crm -c "$T/priv.conf" sync
expect_rc 0 "sync with a private folder"
check "the private folder was never opened" [ -z "$(dovecot_rawlog "$alice" | grep -i 'sent')" ]
check "INBOX was synced" [ "$(q "$T/priv.db" "SELECT count(*) FROM sync_state WHERE container = 'INBOX'")" = 1 ]

t_done mail_sync

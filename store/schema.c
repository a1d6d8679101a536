/* store/schema.c - the database schema and its migrations.
 *
 * The schema version lives in PRAGMA user_version. Each entry of
 * schema_migrations[] takes the database from version i to i + 1 and runs
 * in its own transaction together with the version bump, so an interrupted
 * migration leaves the previous version intact. Never edit a released
 * migration: append a new one.
 *
 * The SQL is kept portable where that costs nothing (INTEGER/TEXT columns,
 * explicit CHECKs instead of SQLite-only types) so a PostgreSQL backend can
 * follow behind the same store.h API. All times are UTC seconds since the
 * epoch; money is an integer count of the currency's minor units.
 */
#include "store/schema.h"
#include "store/repfacts.h"

#include <stddef.h>

static const char *const schema_v1[] = {
	/* Team members: mailbox and calendar owners. */
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  email TEXT NOT NULL UNIQUE," /* canonical key */
	"  email_written TEXT NOT NULL,"
	"  name TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);",
	/* Every address of a user (the primary one and its aliases). */
	"CREATE TABLE user_emails ("
	"  address TEXT PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  written TEXT NOT NULL);",
	"CREATE INDEX user_emails_user ON user_emails(user_id);",
	"CREATE TABLE companies ("
	"  id INTEGER PRIMARY KEY,"
	"  domain TEXT NOT NULL UNIQUE," /* the natural key, canonical */
	"  name TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);",
	/* All domains of a company, the key domain included. */
	"CREATE TABLE company_domains ("
	"  domain TEXT PRIMARY KEY,"
	"  company_id INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE);",
	"CREATE INDEX company_domains_company ON company_domains(company_id);",
	"CREATE TABLE contacts ("
	"  id INTEGER PRIMARY KEY,"
	"  email TEXT NOT NULL UNIQUE," /* primary address, canonical: the natural key */
	"  name TEXT,"
	"  company_id INTEGER REFERENCES companies(id) ON DELETE SET NULL,"
	"  lead_source TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);",
	"CREATE INDEX contacts_company ON contacts(company_id);",
	"CREATE INDEX contacts_created ON contacts(created_at);",
	"CREATE TABLE contact_emails ("
	"  address TEXT PRIMARY KEY," /* canonical key, unique across contacts */
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
	"  written TEXT NOT NULL);",
	"CREATE INDEX contact_emails_contact ON contact_emails(contact_id);",
	"CREATE TABLE stages ("
	"  id INTEGER PRIMARY KEY,"
	"  key TEXT NOT NULL UNIQUE," /* the id column of the import */
	"  name TEXT NOT NULL,"
	"  position INTEGER NOT NULL,"
	"  probability INTEGER CHECK (probability BETWEEN 0 AND 100),"
	"  updated_at INTEGER NOT NULL);",
	"CREATE TABLE deals ("
	"  id INTEGER PRIMARY KEY,"
	"  key TEXT NOT NULL UNIQUE," /* the id column of the import */
	"  name TEXT NOT NULL,"
	"  company_id INTEGER REFERENCES companies(id) ON DELETE SET NULL,"
	"  owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL,"
	"  value_minor INTEGER,"
	"  currency TEXT NOT NULL DEFAULT 'EUR',"
	"  stage_id INTEGER NOT NULL REFERENCES stages(id),"
	"  status TEXT NOT NULL CHECK (status IN ('open','won','lost')),"
	"  lead_source TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  closed_at INTEGER,"
	"  expected_close INTEGER,"
	"  updated_at INTEGER NOT NULL);",
	"CREATE INDEX deals_company ON deals(company_id, status);",
	"CREATE INDEX deals_status ON deals(status, expected_close);",
	"CREATE INDEX deals_created ON deals(created_at);",
	"CREATE TABLE deal_contacts ("
	"  deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (deal_id, contact_id));",
	"CREATE INDEX deal_contacts_contact ON deal_contacts(contact_id);",
	"CREATE TABLE stage_history ("
	"  id INTEGER PRIMARY KEY,"
	"  deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,"
	"  stage_id INTEGER NOT NULL REFERENCES stages(id),"
	"  entered_at INTEGER NOT NULL);",
	"CREATE INDEX stage_history_deal ON stage_history(deal_id, entered_at);",
	/* Logged activities. source_key identifies the item across mailboxes
	 * and calendars (SPEC §5.3). */
	"CREATE TABLE activities ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL CHECK (kind IN ('email','meeting','call','note')),"
	"  direction TEXT NOT NULL CHECK (direction IN ('inbound','outbound','internal')),"
	"  status TEXT NOT NULL DEFAULT 'logged' CHECK (status IN"
	"    ('logged','scheduled','held','cancelled','declined')),"
	"  occurred_at INTEGER NOT NULL,"
	"  ended_at INTEGER,"
	"  subject TEXT,"
	"  snippet TEXT,"
	"  thread_key TEXT,"
	"  source_key TEXT NOT NULL UNIQUE,"
	"  sequence INTEGER," /* iCalendar SEQUENCE of the stored version */
	"  ambiguous INTEGER NOT NULL DEFAULT 0,"
	"  removed INTEGER NOT NULL DEFAULT 0," /* seen in no mailbox any more */
	"  first_seen_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);",
	"CREATE INDEX activities_occurred ON activities(occurred_at);",
	"CREATE INDEX activities_thread ON activities(thread_key);",
	"CREATE TABLE activity_owners ("
	"  activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (activity_id, user_id));",
	"CREATE INDEX activity_owners_user ON activity_owners(user_id, activity_id);",
	"CREATE TABLE participants ("
	"  id INTEGER PRIMARY KEY,"
	"  activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,"
	"  address TEXT NOT NULL,"  /* as written */
	"  addr_key TEXT NOT NULL," /* canonical */
	"  name TEXT,"
	"  role TEXT NOT NULL CHECK (role IN"
	"    ('from','sender','reply-to','to','cc','bcc','organizer','attendee')),"
	"  partstat TEXT,"
	"  contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,"
	"  external INTEGER NOT NULL DEFAULT 0," /* outside the team */
	"  UNIQUE (activity_id, addr_key, role));",
	"CREATE INDEX participants_addr ON participants(addr_key);",
	"CREATE INDEX participants_contact ON participants(contact_id);",
	"CREATE TABLE activity_links ("
	"  activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,"
	"  type TEXT NOT NULL CHECK (type IN ('contact','company','deal')),"
	"  target_id INTEGER NOT NULL,"
	"  rule TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (activity_id, type, target_id));",
	"CREATE INDEX activity_links_target ON activity_links(type, target_id);",
	/* Candidate deals of an ambiguous activity (SPEC §5.4 rule 7). */
	"CREATE TABLE deal_candidates ("
	"  activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,"
	"  deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (activity_id, deal_id));",
	/* Every fetched message or calendar occurrence and what was decided.
	 * Skipped items keep no subject or body. */
	"CREATE TABLE item_outcomes ("
	"  id INTEGER PRIMARY KEY,"
	"  account TEXT NOT NULL,"
	"  container TEXT NOT NULL," /* folder or calendar href */
	"  item_ref TEXT NOT NULL,"  /* UIDVALIDITY:UID or href[#RECURRENCE-ID] */
	"  identity TEXT,"	     /* the source_key it maps to */
	"  outcome TEXT NOT NULL CHECK (outcome IN ('logged','skipped','error')),"
	"  reason TEXT,"
	"  evidence TEXT,"
	"  activity_id INTEGER REFERENCES activities(id) ON DELETE SET NULL,"
	"  decided_at INTEGER NOT NULL,"
	"  removed_at INTEGER,"
	"  UNIQUE (account, container, item_ref));",
	"CREATE INDEX item_outcomes_identity ON item_outcomes(identity);",
	"CREATE INDEX item_outcomes_activity ON item_outcomes(activity_id);",
	/* Per IMAP folder and per calendar. */
	"CREATE TABLE sync_state ("
	"  account TEXT NOT NULL,"
	"  container TEXT NOT NULL,"
	"  uidvalidity INTEGER,"
	"  last_uid INTEGER,"
	"  uidnext INTEGER,"
	"  messages INTEGER,"
	"  highestmodseq INTEGER,"
	"  sync_token TEXT,"
	"  ctag TEXT,"
	"  resets INTEGER NOT NULL DEFAULT 0,"
	"  last_full_scan INTEGER,"
	"  updated_at INTEGER NOT NULL,"
	"  PRIMARY KEY (account, container));",
	"CREATE TABLE calendar_items ("
	"  account TEXT NOT NULL,"
	"  calendar TEXT NOT NULL,"
	"  href TEXT NOT NULL,"
	"  etag TEXT,"
	"  uid TEXT,"
	"  PRIMARY KEY (account, calendar, href));",
	"CREATE TABLE sync_runs ("
	"  id INTEGER PRIMARY KEY,"
	"  account TEXT NOT NULL,"
	"  started_at INTEGER NOT NULL,"
	"  finished_at INTEGER,"
	"  outcome TEXT," /* ok, failed, interrupted */
	"  error_class TEXT,"
	"  error_text TEXT,"
	"  fetched INTEGER NOT NULL DEFAULT 0,"
	"  logged INTEGER NOT NULL DEFAULT 0,"
	"  skipped INTEGER NOT NULL DEFAULT 0,"
	"  errors INTEGER NOT NULL DEFAULT 0);",
	"CREATE INDEX sync_runs_account ON sync_runs(account, started_at);",
	"CREATE TABLE sync_run_skips ("
	"  run_id INTEGER NOT NULL REFERENCES sync_runs(id) ON DELETE CASCADE,"
	"  reason TEXT NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  PRIMARY KEY (run_id, reason));",
	"CREATE TABLE parse_errors ("
	"  id INTEGER PRIMARY KEY,"
	"  account TEXT NOT NULL,"
	"  container TEXT NOT NULL,"
	"  item_ref TEXT NOT NULL,"
	"  what TEXT NOT NULL,"
	"  version TEXT NOT NULL," /* the crmsync that failed: a newer one retries */
	"  occurred_at INTEGER NOT NULL,"
	"  resolved_at INTEGER,"
	"  UNIQUE (account, container, item_ref));",
	/* Privacy: addresses and domains forgotten by `crmsync purge`. */
	"CREATE TABLE purges ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL CHECK (kind IN ('address','domain')),"
	"  value TEXT NOT NULL,"
	"  purged_at INTEGER NOT NULL,"
	"  participants INTEGER NOT NULL DEFAULT 0,"
	"  activities INTEGER NOT NULL DEFAULT 0);",
	"CREATE TABLE ignored ("
	"  pattern TEXT PRIMARY KEY,"
	"  source TEXT NOT NULL," /* purge, or config */
	"  added_at INTEGER NOT NULL);",
	NULL,
};

/* Deals, privacy and explanations (issue 5). */
static const char *const schema_v2[] = {
	/* The deal a subject tag "[deal:KEY]" or a bcc_address "+KEY" named:
	 * only the KEY, kept whatever the capture, so a rematch can use it. */
	"ALTER TABLE activities ADD COLUMN deal_tag TEXT;",
	"ALTER TABLE activities ADD COLUMN deal_tag_from TEXT;", /* subject, bcc */
	/* Why the activity has no deal or several candidates, in words. */
	"ALTER TABLE activities ADD COLUMN deal_note TEXT;",
	/* What decided a link: the address, the tag, the earlier message. */
	"ALTER TABLE activity_links ADD COLUMN evidence TEXT;",
	/* The source_key of the message that created the contact, when
	 * autocreate_contacts or a bcc copy made it. */
	"ALTER TABLE contacts ADD COLUMN created_by TEXT;",
	"CREATE INDEX deal_candidates_deal ON deal_candidates(deal_id);",
	"CREATE INDEX activities_ambiguous ON activities(ambiguous, occurred_at);",
	/* Settings of the database itself (the purge salt). */
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL);",
	/* Activities a purge changed but kept (they had other people). */
	"CREATE TABLE purge_touches ("
	"  purge_id INTEGER NOT NULL REFERENCES purges(id) ON DELETE CASCADE,"
	"  activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (purge_id, activity_id));",
	"CREATE INDEX purge_touches_activity ON purge_touches(activity_id);",
	/* purges.value and ignored.pattern (source purge) hold "sha256:" and
	 * the salted hash of the purged address or domain, never the text. */
	NULL,
};

/* Reports (issue 6): deal links looked up without reading the table, won
 * deals of a range found by their close date. */
static const char *const schema_v3[] = {
	"CREATE INDEX activity_links_deal ON activity_links(type, target_id, activity_id);",
	"DROP INDEX activity_links_target;", /* a prefix of the one above */
	"CREATE INDEX deals_closed ON deals(status, closed_at);",
	NULL,
};

/* The activity report's facts (store/repfacts.h): the tables, filled from
 * what is stored, then the triggers that refresh them when a source row is
 * deleted or updated. Inserts refresh from the code (store_rep_refresh).
 * Conditions on columns that must not drive an index are written +col. */
static const char *const schema_v4[] = {
	"CREATE TABLE rep_facts ("
	"  occurred_at INTEGER NOT NULL,"
	"  activity_id INTEGER NOT NULL,"
	"  user_id INTEGER NOT NULL,"
	"  what INTEGER NOT NULL," /* 0 sent, 1 received, 2 meeting held, 3 call */
	"  secs INTEGER NOT NULL DEFAULT 0,"
	"  from_contact INTEGER NOT NULL DEFAULT 0,"
	"  reply_at INTEGER,"
	"  PRIMARY KEY (occurred_at, activity_id, user_id, what)) WITHOUT ROWID;",
	"CREATE INDEX rep_facts_activity ON rep_facts(activity_id);",
	"CREATE TABLE rep_touch ("
	"  occurred_at INTEGER NOT NULL,"
	"  activity_id INTEGER NOT NULL,"
	"  user_id INTEGER NOT NULL,"
	"  is_deal INTEGER NOT NULL,"
	"  target_id INTEGER NOT NULL,"
	"  PRIMARY KEY (occurred_at, activity_id, user_id, is_deal, target_id)) WITHOUT ROWID;",
	"CREATE INDEX rep_touch_activity ON rep_touch(activity_id);",
	REP_DERIVE_ALL("rep_facts", "rep_touch"),

	/* Participants: the mail facts (a From or an addressee that left, a
	 * From that became or stopped being a contact). */
	"CREATE TRIGGER rep_pt_del AFTER DELETE ON participants WHEN OLD.role IN "
	"('from', 'to', 'cc') BEGIN " REP_REFRESH("SELECT OLD.activity_id") "END;",
	"CREATE TRIGGER rep_pt_upd AFTER UPDATE OF activity_id, addr_key, role, contact_id ON "
	"participants WHEN OLD.role IN ('from', 'to', 'cc') OR NEW.role IN ('from', 'to', "
	"'cc') BEGIN " REP_REFRESH("SELECT OLD.activity_id UNION SELECT NEW.activity_id") "END;",
	/* Owners: the meeting and call facts. */
	"CREATE TRIGGER rep_own_del AFTER DELETE ON activity_owners BEGIN " REP_REFRESH(
		"SELECT OLD.activity_id") "END;",
	"CREATE TRIGGER rep_own_upd AFTER UPDATE ON activity_owners BEGIN " REP_REFRESH(
		"SELECT OLD.activity_id UNION SELECT NEW.activity_id") "END;",
	/* An activity's time, kind, direction, status or thread changed: its
	 * facts again, and the replies of the thread it left. */
	"CREATE TRIGGER rep_act_upd AFTER UPDATE OF kind, direction, status, occurred_at, "
	"ended_at, thread_key ON activities WHEN OLD.kind IS NOT NEW.kind OR OLD.direction IS "
	"NOT NEW.direction OR OLD.status IS NOT NEW.status OR OLD.occurred_at IS NOT "
	"NEW.occurred_at OR OLD.ended_at IS NOT NEW.ended_at OR OLD.thread_key IS NOT "
	"NEW.thread_key BEGIN " REP_REFRESH(
		"SELECT NEW.id") "UPDATE rep_facts SET reply_at = " REP_REPLY_OF
				 " WHERE +what = 1 AND activity_id IN "
				 "(SELECT id FROM activities WHERE thread_key = OLD.thread_key);"
				 "END;",
	/* A deleted activity: its rows go (its participants, owners and links
	 * went first, by cascade), and its thread's replies are looked up
	 * again here, where the thread is still known. */
	"CREATE TRIGGER rep_act_del AFTER DELETE ON activities BEGIN "
	"DELETE FROM rep_touch WHERE activity_id = OLD.id;"
	"DELETE FROM rep_facts WHERE activity_id = OLD.id;"
	"UPDATE rep_facts SET reply_at = " REP_REPLY_OF " WHERE +what = 1 AND activity_id IN "
	"(SELECT id FROM activities WHERE thread_key = OLD.thread_key);"
	"END;",
	/* A team address added, removed or moved: the mail it is in. */
	"CREATE TRIGGER rep_ue_ins AFTER INSERT ON user_emails BEGIN " REP_REFRESH(
		"SELECT activity_id FROM participants WHERE addr_key = NEW.address") "END;",
	"CREATE TRIGGER rep_ue_del AFTER DELETE ON user_emails BEGIN " REP_REFRESH(
		"SELECT activity_id FROM participants WHERE addr_key = OLD.address") "END;",
	"CREATE TRIGGER rep_ue_upd AFTER UPDATE ON user_emails BEGIN " REP_REFRESH(
		"SELECT activity_id FROM participants WHERE addr_key IN (OLD.address, "
		"NEW.address)") "END;",
	/* Links: the touches. */
	"CREATE TRIGGER rep_link_del AFTER DELETE ON activity_links WHEN OLD.type IN "
	"('contact', 'deal') BEGIN "
	"DELETE FROM rep_touch WHERE activity_id = OLD.activity_id AND +is_deal = "
	"(OLD.type = 'deal') AND +target_id = OLD.target_id;"
	"END;",
	"CREATE TRIGGER rep_link_upd AFTER UPDATE OF activity_id, type, target_id ON "
	"activity_links BEGIN " REP_REFRESH(
		"SELECT OLD.activity_id UNION SELECT NEW.activity_id") "END;",
	NULL,
};

/* An IMAP and a CalDAV account may share a name (SPEC §3's example has
 * [imap "alice"] and [caldav "alice"]): their sync state and runs are kept
 * apart by the account's kind. Existing state rows are told apart by what
 * only CalDAV writes (the discovery row "", a sync token or ctag, an href);
 * an existing run takes the kind of its account's state when that is one
 * kind, else stays NULL (unknown: shown with either). */
static const char *const schema_v5[] = {
	"CREATE TABLE sync_state_v5 ("
	"  account TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('imap', 'caldav')),"
	"  container TEXT NOT NULL,"
	"  uidvalidity INTEGER,"
	"  last_uid INTEGER,"
	"  uidnext INTEGER,"
	"  messages INTEGER,"
	"  highestmodseq INTEGER,"
	"  sync_token TEXT,"
	"  ctag TEXT,"
	"  resets INTEGER NOT NULL DEFAULT 0,"
	"  last_full_scan INTEGER,"
	"  updated_at INTEGER NOT NULL,"
	"  PRIMARY KEY (account, kind, container));",
	"INSERT INTO sync_state_v5 SELECT account, CASE WHEN container = '' OR sync_token IS NOT "
	"NULL OR ctag IS NOT NULL OR container LIKE '/%' OR container LIKE 'http%' THEN "
	"'caldav' ELSE 'imap' END, container, uidvalidity, last_uid, uidnext, messages, "
	"highestmodseq, sync_token, ctag, resets, last_full_scan, updated_at FROM sync_state;",
	"DROP TABLE sync_state;",
	"ALTER TABLE sync_state_v5 RENAME TO sync_state;",
	"ALTER TABLE sync_runs ADD COLUMN kind TEXT;",
	"UPDATE sync_runs SET kind = (SELECT min(s.kind) FROM sync_state s WHERE s.account = "
	"sync_runs.account HAVING count(DISTINCT s.kind) = 1);",
	NULL,
};

/* CHECK (x IN ('a', 'b', 'c')): SQLite 3.40 builds a temporary index of
 * the list each time a row is written, and zeroes a 4 KB page for it: 28
 * a logged message, 31% of a first sync's instructions (callgrind). The
 * same checks written as OR chains compile to plain comparisons. Only the
 * text of the constraints changes, not what is stored, so the table
 * definitions are edited in place (SQLite's documented writable_schema
 * procedure) instead of rebuilding the largest tables. */
static const char *const schema_v6[] = {
	"PRAGMA writable_schema = ON;",
	"UPDATE sqlite_schema SET sql = replace(replace(replace(sql, "
	"'CHECK (kind IN (''email'',''meeting'',''call'',''note''))', "
	"'CHECK (kind = ''email'' OR kind = ''meeting'' OR kind = ''call'' OR kind = ''note'')'), "
	"'CHECK (direction IN (''inbound'',''outbound'',''internal''))', "
	"'CHECK (direction = ''inbound'' OR direction = ''outbound'' OR direction = "
	"''internal'')'), "
	"'CHECK (status IN    (''logged'',''scheduled'',''held'',''cancelled'',''declined''))', "
	"'CHECK (status = ''logged'' OR status = ''scheduled'' OR status = ''held'' OR status = "
	"''cancelled'' OR status = ''declined'')') "
	"WHERE type = 'table' AND name = 'activities';",
	"UPDATE sqlite_schema SET sql = replace(sql, "
	"'CHECK (role IN    (''from'',''sender'',''reply-to'',''to'',''cc'',''bcc'',''organizer'',"
	"''attendee''))', "
	"'CHECK (role = ''from'' OR role = ''sender'' OR role = ''reply-to'' OR role = ''to'' OR "
	"role = ''cc'' OR role = ''bcc'' OR role = ''organizer'' OR role = ''attendee'')') "
	"WHERE type = 'table' AND name = 'participants';",
	"UPDATE sqlite_schema SET sql = replace(sql, "
	"'CHECK (type IN (''contact'',''company'',''deal''))', "
	"'CHECK (type = ''contact'' OR type = ''company'' OR type = ''deal'')') "
	"WHERE type = 'table' AND name = 'activity_links';",
	"UPDATE sqlite_schema SET sql = replace(sql, "
	"'CHECK (outcome IN (''logged'',''skipped'',''error''))', "
	"'CHECK (outcome = ''logged'' OR outcome = ''skipped'' OR outcome = ''error'')') "
	"WHERE type = 'table' AND name = 'item_outcomes';",
	"PRAGMA writable_schema = OFF;",
	NULL,
};

const struct schema_migration schema_migrations[] = {
	{1, "initial schema", schema_v1, 0},
	{2, "deals, purges and explanations", schema_v2, 0},
	{3, "report indexes", schema_v3, 0},
	{4, "activity report facts", schema_v4, 0},
	{5, "sync state and runs by account kind", schema_v5, 0},
	{6, "CHECK constraints without IN lists", schema_v6, 1},
};

const int schema_nmigrations = (int)(sizeof schema_migrations / sizeof schema_migrations[0]);

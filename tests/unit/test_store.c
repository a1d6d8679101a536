/* tests/unit/test_store.c - the store against real SQLite: migrations, file
 * modes, busy handling, CRM upserts (idempotency, conflicts, stage history)
 * and the activity query with its filters. */
#include "core/err.h"
#include "core/xalloc.h"
#include "store/schema.h"
#include "store/store.h"
#include "t.h"

#include <sqlite3.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/crmsync-test-store-XXXXXX";

static char *tpath(const char *name)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof p[i], "%s/%s", tmpdir, name);
	return p[i];
}

static void test_open_modes(void)
{
	struct store *st;
	struct stat sb;
	struct err err;

	err_init(&err);
	st = store_open(tpath("new/dir/crm.db"), 0, &err);
	T_OK(st != NULL);
	T_INTEQ(store_schema_version(st), store_schema_latest());
	store_close(&st);
	T_OK(st == NULL);
	T_OK(stat(tpath("new/dir/crm.db"), &sb) == 0);
	T_INTEQ(sb.st_mode & 0777, 0600);
	T_OK(stat(tpath("new/dir"), &sb) == 0);
	T_INTEQ(sb.st_mode & 0777, 0700);
	T_OK(stat(tpath("new"), &sb) == 0);
	T_INTEQ(sb.st_mode & 0777, 0700);
	/* The WAL file gets the database's mode, whatever the umask. */
	umask(022);
	err_init(&err);
	st = store_open(tpath("new/dir/crm.db"), 0, &err);
	T_OK(st != NULL);
	T_OK(store_begin(st, &err) == 0 && store_commit(st, &err) == 0);
	T_OK(stat(tpath("new/dir/crm.db-wal"), &sb) == 0);
	T_INTEQ(sb.st_mode & 0777, 0600);
	store_close(&st);
	umask(077);
}

static void test_migrate_empty_file(void)
{
	struct store *st;
	struct err err;
	FILE *fp = fopen(tpath("empty.db"), "w");

	T_OK(fp != NULL);
	fclose(fp);
	err_init(&err);
	st = store_open(tpath("empty.db"), 0, &err);
	T_OK(st != NULL);
	T_INTEQ(store_schema_version(st), store_schema_latest());
	store_close(&st);
	/* Opening again is a no-op migration. */
	st = store_open(tpath("empty.db"), STORE_READONLY, &err);
	T_OK(st != NULL);
	store_close(&st);
}

/* v4 to v5: sync state and runs of an IMAP and a CalDAV account named
 * alike are told apart; a run of an account with one kind takes it. */
static void test_migrate_kinds(void)
{
	sqlite3 *db = NULL;
	struct store *st;
	struct err err;
	char *q = NULL;

	T_OK(sqlite3_open(tpath("v4.db"), &db) == SQLITE_OK);
	for (int m = 0; m < schema_nmigrations && schema_migrations[m].version <= 4; m++)
		for (const char *const *x = schema_migrations[m].sql; *x != NULL; x++)
			T_OK(sqlite3_exec(db, *x, NULL, NULL, NULL) == SQLITE_OK);
	T_OK(sqlite3_exec(
		     db,
		     "PRAGMA user_version = 4;"
		     "INSERT INTO sync_state (account, container, uidvalidity, last_uid, "
		     "updated_at) VALUES ('alice', 'INBOX', 7, 40, 1), ('bob', 'Sent', 8, 3, 1);"
		     "INSERT INTO sync_state (account, container, sync_token, ctag, updated_at) "
		     "VALUES ('alice', '/alice/work/', 'tok', NULL, 1), "
		     "('alice', '', NULL, 'key', 1), ('cal', 'http://x/c/', NULL, NULL, 1);"
		     "INSERT INTO sync_runs (account, started_at) VALUES ('alice', 1), "
		     "('bob', 2), ('cal', 3), ('gone', 4);",
		     NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	err_init(&err);
	st = store_open(tpath("v4.db"), 0, &err);
	T_OK(st != NULL);
	T_INTEQ(store_schema_version(st), store_schema_latest());
	store_close(&st);
	T_OK(sqlite3_open(tpath("v4.db"), &db) == SQLITE_OK);
	{
		sqlite3_stmt *s = NULL;
		const char *want = "alice:/alice/work/:caldav|alice::caldav|alice:INBOX:imap|"
				   "bob:Sent:imap|cal:http://x/c/:caldav|"
				   "runs:alice:-|bob:imap|cal:caldav|gone:-";
		T_OK(sqlite3_prepare_v2(
			     db,
			     "SELECT group_concat(x, '|') FROM (SELECT account || ':' || container || "
			     "':' || kind AS x FROM sync_state UNION ALL SELECT 'runs:' || "
			     "group_concat(account || ':' || coalesce(kind, '-'), '|') FROM (SELECT * "
			     "FROM sync_runs ORDER BY account) ORDER BY 1)",
			     -1, &s, NULL) == SQLITE_OK);
		T_OK(sqlite3_step(s) == SQLITE_ROW);
		q = strdup((const char *)sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
		T_STREQ(q, want);
		free(q);
	}
	/* v6: the hot tables' CHECKs are OR chains (no IN list to build a
	 * temporary index of on every write), and they still refuse. */
	{
		sqlite3_stmt *s = NULL;
		T_OK(sqlite3_prepare_v2(
			     db,
			     "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
			     "name IN ('activities', 'participants', 'activity_links', "
			     "'item_outcomes') AND sql NOT LIKE '%IN (''%' AND sql NOT "
			     "LIKE '%IN    (''%' AND sql LIKE '%CHECK (%'",
			     -1, &s, NULL) == SQLITE_OK);
		T_OK(sqlite3_step(s) == SQLITE_ROW);
		T_INTEQ(sqlite3_column_int(s, 0), 4);
		sqlite3_finalize(s);
	}
	T_OK(sqlite3_exec(db,
			  "INSERT INTO activities (kind, direction, occurred_at, source_key, "
			  "first_seen_at, updated_at) VALUES ('fax', 'inbound', 1, 'k', 1, 1)",
			  NULL, NULL, NULL) == SQLITE_CONSTRAINT);
	T_OK(sqlite3_exec(db,
			  "INSERT INTO activities (kind, direction, occurred_at, source_key, "
			  "first_seen_at, updated_at) VALUES ('call', 'inbound', 1, 'k', 1, 1)",
			  NULL, NULL, NULL) == SQLITE_OK);
	T_OK(sqlite3_exec(db, "PRAGMA integrity_check", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
}

static void test_refusals(void)
{
	struct store *st;
	struct err err;

	err_init(&err);
	T_OK(store_open(tpath("missing.db"), STORE_NOCREATE, &err) == NULL);
	T_OK(strstr(err.msg, "does not exist") != NULL);
	err_init(&err);
	st = store_open(tpath("future.db"), 0, &err);
	T_OK(st != NULL && store_exec_script(st, "PRAGMA user_version = 999", &err) == 0);
	store_close(&st);
	err_init(&err);
	T_OK(store_open(tpath("future.db"), 0, &err) == NULL);
	T_INTEQ(err.kind, ERR_DB);
	T_OK(strstr(err.msg, "newer than this crmsync") != NULL);
	/* A file that is not a database. */
	FILE *fp = fopen(tpath("junk.db"), "w");
	fputs("this is not a database, it is a text file of sufficient length to be read\n", fp);
	fclose(fp);
	err_init(&err);
	T_OK(store_open(tpath("junk.db"), 0, &err) == NULL);
	T_INTEQ(err.kind, ERR_DB);
}

static void test_busy(void)
{
	struct store *a, *b;
	struct err err;

	err_init(&err);
	a = store_open(tpath("busy.db"), 0, &err);
	b = store_open(tpath("busy.db"), 0, &err);
	T_OK(a != NULL && b != NULL);
	store_set_busy_timeout(b, 50);
	T_OK(store_begin(a, &err) == 0);
	T_OK(store_begin(b, &err) == -1);
	T_INTEQ(err.kind, ERR_TEMP);
	store_rollback(a);
	err_init(&err);
	T_OK(store_begin(b, &err) == 0);
	store_rollback(b);
	store_close(&a);
	store_close(&b);
}

static void test_users(struct store *st)
{
	const char *aliases[] = {"al@x.example"};
	struct store_user u = {"alice@x.example", "Alice@X.example", "Alice", 1,
			       {aliases, 1, 1},	  {aliases, 1, 1}};
	struct store_user v = {"bob@x.example", "bob@x.example", NULL, 0,
			       {aliases, 1, 1}, {aliases, 1, 1}};
	enum store_change ch;
	struct err err;

	err_init(&err);
	T_OK(store_user_upsert(st, &u, 100, &ch, &err) == 0);
	T_INTEQ(ch, STORE_ADDED);
	T_OK(store_user_upsert(st, &u, 200, &ch, &err) == 0);
	T_INTEQ(ch, STORE_UNCHANGED);
	u.name = "Alice M.";
	T_OK(store_user_upsert(st, &u, 300, &ch, &err) == 0);
	T_INTEQ(ch, STORE_UPDATED);
	T_INTEQ(store_user_exists(st, "al@x.example", &err), 1);
	T_INTEQ(store_user_exists(st, "nobody@x.example", &err), 0);
	/* Bob may not take Alice's alias. */
	T_OK(store_user_upsert(st, &v, 300, &ch, &err) == -1);
	T_INTEQ(err.kind, ERR_USAGE);
	T_STREQ(err.msg, "address 'al@x.example' already belongs to 'alice@x.example'");
}

/* Alias sets are compared through hash sets now (a cell of 50000 aliases
 * took 7 s): duplicates in the list, kept, removed and added entries. */
static void test_alias_sets(struct store *st)
{
	enum {
		N = 3000
	};
	char *buf[N + 1];
	const char *list[N + 1];
	struct store_user u = {"zed@x.example", "zed@x.example", NULL, 0,
			       {list, 0, 1},	{list, 0, 1}};
	enum store_change ch;
	struct err err;

	err_init(&err);
	for (int i = 0; i < N; i++)
		list[i] = buf[i] = xasprintf("z%d@x.example", i);
	list[N] = "z5@x.example"; /* a duplicate */
	u.aliases.n = u.aliases_written.n = N + 1;
	T_OK(store_user_upsert(st, &u, 100, &ch, &err) == 0);
	T_INTEQ(ch, STORE_ADDED);
	T_INTEQ(store_user_exists(st, "z2999@x.example", &err), 1);
	T_OK(store_user_upsert(st, &u, 200, &ch, &err) == 0);
	T_INTEQ(ch, STORE_UNCHANGED);
	list[0] = "new@x.example"; /* z0 leaves, new comes, the rest stays */
	T_OK(store_user_upsert(st, &u, 300, &ch, &err) == 0);
	T_INTEQ(ch, STORE_UPDATED);
	T_INTEQ(store_user_exists(st, "z0@x.example", &err), 0);
	T_INTEQ(store_user_exists(st, "new@x.example", &err), 1);
	T_INTEQ(store_user_exists(st, "z1500@x.example", &err), 1);
	if (err.kind != ERR_NONE)
		fprintf(stderr, "  %s\n", err.msg);
	for (int i = 0; i < N; i++)
		free(buf[i]);
}

static void test_companies_contacts(struct store *st)
{
	const char *doms[] = {"acme-corp.example"};
	const char *more[] = {"w2@acme.example"};
	struct store_company c = {"acme.example", "Acme", {doms, 1, 1}};
	struct store_company g = {"globex.example", "Globex", {doms, 1, 1}};
	struct store_contact k = {"w@acme.example",
				  "w@acme.example",
				  "Wile",
				  1,
				  "acme-corp.example",
				  1,
				  "webinar",
				  1,
				  1000,
				  {more, 1, 1},
				  {more, 1, 1}};
	struct store_contact k2 = k;
	enum store_change ch;
	struct err err;

	err_init(&err);
	T_OK(store_company_upsert(st, &c, 100, &ch, &err) == 0);
	T_INTEQ(ch, STORE_ADDED);
	T_OK(store_company_upsert(st, &c, 100, &ch, &err) == 0);
	T_INTEQ(ch, STORE_UNCHANGED);
	T_OK(store_company_upsert(st, &g, 100, &ch, &err) == -1);
	T_STREQ(err.msg, "domain 'acme-corp.example' already belongs to 'acme.example'");
	err_init(&err);
	T_OK(store_contact_upsert(st, &k, 100, &ch, &err) == 0);
	T_INTEQ(ch, STORE_ADDED);
	T_OK(store_contact_upsert(st, &k, 200, &ch, &err) == 0);
	T_INTEQ(ch, STORE_UNCHANGED);
	/* An absent column keeps the stored value. */
	k2.has_name = 0;
	k2.name = NULL;
	k2.created_at = STORE_NO_TIME;
	T_OK(store_contact_upsert(st, &k2, 300, &ch, &err) == 0);
	T_INTEQ(ch, STORE_UNCHANGED);
	/* Another contact cannot take w2@. */
	k2.email = "x@acme.example";
	T_OK(store_contact_upsert(st, &k2, 300, &ch, &err) == -1);
	T_STREQ(err.msg, "address 'w2@acme.example' already belongs to 'w@acme.example'");
	err_init(&err);
	k2.email = "y@acme.example";
	k2.emails.present = 0;
	k2.company_domain = "nowhere.example";
	T_OK(store_contact_upsert(st, &k2, 300, &ch, &err) == -1);
	T_STREQ(err.msg, "company 'nowhere.example' is not imported (import companies first)");
}

static int64_t count_history(struct store *st)
{
	struct store_counts n;
	struct err err;

	err_init(&err);
	store_counts(st, &n, &err);
	return n.stage_history;
}

static void test_stages_deals(struct store *st)
{
	struct store_stage s1 = {"lead", "Lead", 1, 10, 1}, s2 = {"won", "Won", 2, -1, 0};
	const char *people[] = {"w2@acme.example"};
	struct store_deal d = {0};
	enum store_change ch;
	struct err err;

	err_init(&err);
	T_OK(store_stage_upsert(st, &s1, 1, &ch, &err) == 0 && ch == STORE_ADDED);
	T_OK(store_stage_upsert(st, &s2, 1, &ch, &err) == 0 && ch == STORE_ADDED);
	T_OK(store_stage_upsert(st, &s1, 2, &ch, &err) == 0 && ch == STORE_UNCHANGED);
	s1.probability = 15;
	T_OK(store_stage_upsert(st, &s1, 2, &ch, &err) == 0 && ch == STORE_UPDATED);
	d.key = "D1";
	d.name = "Anvils";
	d.stage_key = "lead";
	d.status = "open";
	d.has_value = 1;
	d.value_minor = 125000;
	d.created_at = 1000;
	d.stage_changed_at = STORE_NO_TIME;
	d.contacts = (struct store_strlist){people, 1, 1};
	T_OK(store_deal_upsert(st, &d, 5000, &ch, &err) == 0 && ch == STORE_ADDED);
	T_INTEQ(count_history(st), 1);
	T_OK(store_deal_upsert(st, &d, 6000, &ch, &err) == 0);
	T_INTEQ(ch, STORE_UNCHANGED);
	T_INTEQ(count_history(st), 1);
	d.stage_key = "won";
	d.status = "won";
	d.stage_changed_at = 7000;
	T_OK(store_deal_upsert(st, &d, 8000, &ch, &err) == 0 && ch == STORE_UPDATED);
	T_INTEQ(count_history(st), 2);
	T_OK(store_deal_upsert(st, &d, 9000, &ch, &err) == 0 && ch == STORE_UNCHANGED);
	d.stage_key = "nope";
	T_OK(store_deal_upsert(st, &d, 9000, &ch, &err) == -1);
	T_STREQ(err.msg, "stage 'nope' is not imported (import stages first)");
	err_init(&err);
	d.stage_key = "won";
	d.has_owner = 1;
	d.owner_email = "ghost@x.example";
	T_OK(store_deal_upsert(st, &d, 9000, &ch, &err) == -1);
	T_STREQ(err.msg, "owner 'ghost@x.example' is not an imported user (import users first)");
}

static const char activity_fixture[] =
	"INSERT INTO activities (id, kind, direction, occurred_at, subject, source_key, "
	"  thread_key, first_seen_at, updated_at) VALUES "
	"  (1, 'email', 'inbound', 1000, 'Quote \"anvils\"', '<a@x>', '<a@x>', 1, 1),"
	"  (2, 'email', 'outbound', 2000, 'Re: Quote', '<b@x>', '<a@x>', 1, 1),"
	"  (3, 'meeting', 'outbound', 3000, 'Demo', 'uid-1', NULL, 1, 1);"
	"INSERT INTO activity_owners SELECT 1, id FROM users WHERE email = 'alice@x.example';"
	"INSERT INTO activity_owners SELECT 3, id FROM users WHERE email = 'alice@x.example';"
	"INSERT INTO participants (activity_id, address, addr_key, role, contact_id) "
	"  SELECT 1, 'W@Acme.example', 'w@acme.example', 'from', id FROM contacts "
	"  WHERE email = 'w@acme.example';"
	"INSERT INTO participants (activity_id, address, addr_key, role) VALUES "
	"  (1, 'alice@x.example', 'alice@x.example', 'to');"
	"INSERT INTO activity_links SELECT 1, 'contact', id, 'address', 1, NULL FROM contacts "
	"  WHERE email = 'w@acme.example';"
	"INSERT INTO activity_links SELECT 1, 'company', id, 'address', 1, NULL FROM companies "
	"  WHERE domain = 'acme.example';"
	"INSERT INTO activity_links SELECT 2, 'deal', id, 'thread', 1, NULL FROM deals WHERE key = 'D1';"
	"INSERT INTO deal_candidates SELECT 3, id FROM deals WHERE key = 'D1';";

struct seen {
	int64_t ids[8];
	int n;
	int participants, links, owners, ambiguous;
};

static int collect(const struct store_activity *a, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8)
		s->ids[s->n++] = a->id;
	s->participants += (int)a->nparticipants;
	s->links += (int)a->nlinks;
	s->owners += (int)a->nowners;
	s->ambiguous += (int)a->nambiguous;
	return 0;
}

static struct seen query(struct store *st, struct store_activity_filter f)
{
	struct seen s;
	struct err err;

	memset(&s, 0, sizeof s);
	err_init(&err);
	T_OK(store_activities_each(st, &f, collect, &s, &err) == 0);
	return s;
}

static void test_activities(struct store *st)
{
	struct store_activity_filter all = {.since = STORE_NO_TIME, .until = STORE_NO_TIME};
	struct store_activity_filter f;
	struct err err;
	struct seen s;

	err_init(&err);
	T_OK(store_exec_script(st, activity_fixture, &err) == 0);
	s = query(st, all);
	T_INTEQ(s.n, 3);
	T_INTEQ(s.ids[0], 1);
	T_INTEQ(s.ids[2], 3);
	T_INTEQ(s.participants, 2);
	T_INTEQ(s.links, 3);
	T_INTEQ(s.owners, 2);
	T_INTEQ(s.ambiguous, 1);
	f = all;
	f.contact_email = "w2@acme.example"; /* any address of the contact */
	s = query(st, f);
	T_INTEQ(s.n, 1);
	f = all;
	f.company_domain = "acme-corp.example";
	s = query(st, f);
	T_INTEQ(s.n, 1);
	f = all;
	f.deal_key = "D1";
	s = query(st, f);
	T_INTEQ(s.n, 1);
	T_INTEQ(s.ids[0], 2);
	f = all;
	f.user_email = "al@x.example";
	s = query(st, f);
	T_INTEQ(s.n, 2);
	f = all;
	f.since = 2000;
	f.until = 3000;
	s = query(st, f);
	T_INTEQ(s.n, 1);
	T_INTEQ(s.ids[0], 2);
	f = all;
	f.limit = 2;
	s = query(st, f);
	T_INTEQ(s.n, 2);
}

static int64_t one_int(struct store *st, const char *what)
{
	struct store_counts n;
	struct err err;

	err_init(&err);
	store_counts(st, &n, &err);
	if (strcmp(what, "activities") == 0)
		return n.activities;
	if (strcmp(what, "participants") == 0)
		return n.participants;
	if (strcmp(what, "links") == 0)
		return n.links;
	if (strcmp(what, "outcomes") == 0)
		return n.item_outcomes;
	return n.parse_errors;
}

static int count_owners(const struct store_activity *a, void *arg)
{
	if (strcmp(a->source_key, "<log@x>") == 0)
		*(size_t *)arg = a->nowners;
	return 0;
}

static int refs_seen(const char *ref, void *arg)
{
	(void)ref;
	(*(int *)arg)++;
	return 0;
}

/* The sync path's writes: one activity for one message in two mailboxes,
 * skips, parse errors that a newer version retries, deletions, resets,
 * sync state and runs. */
static int count_container(const char *container, void *arg)
{
	(void)container;
	++*(int *)arg;
	return 0;
}

static void test_logging(struct store *st)
{
	struct store_new_participant parts[] = {
		{"W@acme.example", "w@acme.example", "Wile", "from", NULL, -1, 1},
		{"alice@x.example", "alice@x.example", NULL, "to", NULL, -1, 0},
	};
	struct store_new_link links[] = {{"company", 1, "domain", NULL}};
	struct store_new_activity a = {"email", "inbound", "logged",  5000,	 STORE_NO_TIME,
				       "Hi",	NULL,	   "<log@x>", "<log@x>", 1,
				       -1,	0,	   parts,     2,	 links,
				       1,	NULL,	   NULL};
	struct store_item in1 = {"alice", "INBOX", "7:1", "<log@x>"};
	struct store_item in2 = {"bob", "INBOX", "9:4", "<log@x>"};
	struct store_item sk = {"alice", "INBOX", "7:2", "<skip@x>"};
	struct store_item bad = {"alice", "INBOX", "7:3", NULL};
	struct store_activity_filter all = {.since = STORE_NO_TIME, .until = STORE_NO_TIME};
	struct store_sync_state ss, got;
	const char *gone[] = {"7:1"};
	int64_t before = one_int(st, "activities"), id1, id2, run;
	size_t owners = 0, marked;
	int created, n = 0;
	struct err err;

	err_init(&err);
	T_OK(store_exec_script(st,
			       "INSERT INTO users (id, email, email_written, created_at, "
			       "updated_at) VALUES (99, 'carol@x.example', 'carol@x.example', "
			       "1, 1);",
			       &err) == 0);
	T_OK(store_log_activity(st, &in1, &a, 100, &id1, &created, &err) == 0);
	T_INTEQ(created, 1);
	T_OK(store_log_activity(st, &in1, &a, 101, &id2, &created, &err) == 0);
	T_INTEQ(created, 0);
	T_INTEQ(id1, id2);
	a.owner_id = 99; /* carol's mailbox has the same message */
	T_OK(store_log_activity(st, &in2, &a, 102, &id2, &created, &err) == 0);
	T_INTEQ(created, 0);
	T_INTEQ(id1, id2);
	T_INTEQ(one_int(st, "activities"), before + 1);
	T_OK(store_activities_each(st, &all, count_owners, &owners, &err) == 0);
	T_INTEQ(owners, 2);
	T_OK(store_log_skip(st, &sk, "automated", "List-Id: x", 103, &err) == 0);
	T_INTEQ(one_int(st, "activities"), before + 1);
	/* A parse error by version 1 is retried by version 2 only. */
	T_OK(store_log_parse_error(st, &bad, "no From", "1", 104, &err) == 0);
	T_INTEQ(one_int(st, "errors"), 1);
	n = 0;
	T_OK(store_each_retryable_error(st, "alice", "INBOX", "1", refs_seen, &n, &err) == 0);
	T_INTEQ(n, 0);
	T_OK(store_each_retryable_error(st, "alice", "INBOX", "2", refs_seen, &n, &err) == 0);
	T_INTEQ(n, 1);
	bad.identity = "<fixed@x>";
	T_OK(store_log_skip(st, &bad, "unmatched", "none", 105, &err) == 0);
	T_INTEQ(one_int(st, "errors"), 0);
	/* Removed from alice's INBOX, still in bob's: not flagged. */
	T_OK(store_items_removed(st, "alice", "INBOX", gone, 1, 106, &marked, &err) == 0);
	T_INTEQ(marked, 1);
	n = 0;
	T_OK(store_each_item_ref(st, "alice", "INBOX", refs_seen, &n, &err) == 0);
	T_INTEQ(n, 2);
	gone[0] = "9:4";
	T_OK(store_items_removed(st, "bob", "INBOX", gone, 1, 107, &marked, &err) == 0);
	T_OK(store_exec_script(st,
			       "CREATE TEMP TABLE t AS SELECT removed FROM activities "
			       "WHERE source_key = '<log@x>'",
			       &err) == 0);
	T_OK(store_item_known(st, &in1, &err) == 1);
	T_OK(store_container_reset(st, "alice", "INBOX", &err) == 0);
	T_OK(store_item_known(st, &in1, &err) == 0);
	/* Sync state round trip. */
	memset(&ss, 0, sizeof ss);
	ss.uidvalidity = 7;
	ss.last_uid = 42;
	ss.uidnext = 43;
	ss.messages = 40;
	ss.highestmodseq = 99;
	ss.last_full_scan = STORE_NO_TIME;
	ss.sync_token = (char *)(uintptr_t) "tok";
	T_OK(store_sync_state_put(st, "alice", "imap", "INBOX", &ss, 108, &err) == 0);
	T_OK(store_sync_state_get(st, "alice", "imap", "INBOX", &got, &err) == 0);
	T_OK(got.exists && got.uidvalidity == 7 && got.last_uid == 42 && got.uidnext == 43);
	T_OK(got.highestmodseq == 99 && got.last_full_scan == STORE_NO_TIME);
	T_STREQ(got.sync_token, "tok");
	store_sync_state_release(&got);
	T_OK(store_sync_state_get(st, "alice", "imap", "Nope", &got, &err) == 0 && !got.exists);
	/* A CalDAV account of the same name keeps its own state. */
	T_OK(store_sync_state_get(st, "alice", "caldav", "INBOX", &got, &err) == 0 && !got.exists);
	ss.uidvalidity = 0;
	T_OK(store_sync_state_put(st, "alice", "caldav", "", &ss, 109, &err) == 0);
	{
		int nc = 0;
		T_OK(store_each_container(st, "alice", "caldav", count_container, &nc, &err) == 0);
		T_INTEQ(nc, 0); /* "" is account-wide, INBOX is the IMAP account's */
		T_OK(store_each_container(st, "alice", "imap", count_container, &nc, &err) == 0);
		T_INTEQ(nc, 1);
	}
	T_OK(store_sync_state_delete(st, "alice", "caldav", "INBOX", &err) == 0);
	T_OK(store_sync_state_get(st, "alice", "imap", "INBOX", &got, &err) == 0 && got.exists &&
	     got.uidvalidity == 7);
	store_sync_state_release(&got);
	{
		const char *names[] = {"automated"};
		int64_t counts[] = {1};
		struct store_run r = {3, 1, 1, 1, "ok", NULL, NULL, names, counts, 1};
		T_OK(store_run_start(st, "alice", "imap", 110, &run, &err) == 0);
		T_OK(store_run_finish(st, run, &r, 111, &err) == 0);
	}
	T_INTEQ(err.kind, ERR_NONE);
}

int main(void)
{
	struct store *st;
	struct err err;

	umask(077);
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	test_open_modes();
	test_migrate_empty_file();
	test_migrate_kinds();
	test_refusals();
	test_busy();
	err_init(&err);
	st = store_open(":memory:", 0, &err);
	T_OK(st != NULL);
	test_users(st);
	test_alias_sets(st);
	test_companies_contacts(st);
	test_stages_deals(st);
	test_activities(st);
	test_logging(st);
	store_close(&st);
	{
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
		T_OK(system(cmd) == 0);
	}
	return t_done("store");
}

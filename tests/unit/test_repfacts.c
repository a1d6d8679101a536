/* tests/unit/test_repfacts.c - the activity report's facts (store/repfacts.h)
 * stay equal to a recomputation whatever changes underneath them.
 *
 * Deletions and updates refresh the facts through the triggers of schema
 * v4; after inserts the test calls store_rep_refresh as the store does.
 * Each case below
 * changes one source (participants in any order, a From that becomes a
 * contact, replies before and after their root, deletions, an alias added
 * or removed, a meeting held, moved or given another owner, a thread or
 * kind changed, links added, moved and removed, a user deleted), checks
 * the figures it should give by hand, and checks store_rep_verify finds no
 * difference. A random walk of 3,000 such changes then checks the same
 * every 100 steps.
 *
 * Writes and reads go through a second, plain SQLite connection to the
 * same file, as another process would make them.
 */
#include "core/err.h"
#include "store/store.h"
#include "t.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct store *st;
static sqlite3 *db;

static void sql(const char *q)
{
	char *msg = NULL;

	if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "FAIL: %s\n  in: %s\n", msg, q);
		t_fail++;
	}
	sqlite3_free(msg);
}

/* The integer of a one-value query; -1 for NULL or no row. */
static long long q1(const char *q)
{
	sqlite3_stmt *s;
	long long v = -1;

	if (sqlite3_prepare_v2(db, q, -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "FAIL: %s\n  in: %s\n", sqlite3_errmsg(db), q);
		t_fail++;
		return -2;
	}
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* What the store does after writing an activity's participants, owners or
 * links (inserts fire no trigger; store/repfacts.h). */
static void refresh(int64_t activity)
{
	struct err err;

	err_init(&err);
	if (store_rep_refresh(st, activity, &err) == -1) {
		fprintf(stderr, "FAIL: refresh: %s\n", err.msg);
		t_fail++;
	}
}

static int64_t ndiff(void)
{
	struct err err;
	int64_t n = -1;

	err_init(&err);
	if (store_rep_verify(st, &n, &err) == -1)
		fprintf(stderr, "verify: %s\n", err.msg);
	return n;
}

#define VERIFIED() T_INTEQ(ndiff(), 0)

/* Users alice 1 (alias ali@), bob 2; contacts wile 100, road 101; deals
 * 200, 201. */
static const char world[] =
	"INSERT INTO users (id, email, email_written, created_at, updated_at) VALUES"
	"  (1, 'alice@l.example', 'alice@l.example', 0, 0),"
	"  (2, 'bob@l.example', 'bob@l.example', 0, 0);"
	"INSERT INTO user_emails VALUES ('alice@l.example', 1, 'alice@l.example'),"
	"  ('ali@l.example', 1, 'ali@l.example'), ('bob@l.example', 2, 'bob@l.example');"
	"INSERT INTO contacts (id, email, created_at, updated_at) VALUES"
	"  (100, 'wile@acme.example', 0, 0), (101, 'road@acme.example', 0, 0);"
	"INSERT INTO stages (id, key, name, position, updated_at) VALUES (1, 's', 'S', 1, 0);"
	"INSERT INTO deals (id, key, name, owner_id, stage_id, status, created_at, updated_at)"
	"  VALUES (200, 'D1', 'A', 1, 1, 'open', 0, 0), (201, 'D2', 'B', 2, 1, 'open', 0, 0);";

#define MAIL(id, dir, at, thread)                                                            \
	"INSERT INTO activities (id, kind, direction, occurred_at, thread_key, source_key, " \
	"first_seen_at, updated_at) VALUES (" #id ", 'email', '" dir "', " #at ", " thread   \
	", 'k" #id "', 0, 0);"
#define PART(aid, addr, role, contact)                                                              \
	"INSERT INTO participants (activity_id, address, addr_key, role, contact_id) VALUES (" #aid \
	", '" addr "', '" addr "', '" role "', " #contact ");"

static void test_mail(void)
{
	/* Participants before From: wile -> alice, cc ali@ (one fact). */
	sql(MAIL(1, "inbound", 1000, "'t1'") PART(1, "alice@l.example", "to", NULL)
		    PART(1, "ali@l.example", "cc", NULL) PART(1, "wile@acme.example", "from", 100));
	refresh(1);
	T_INTEQ(q1("SELECT count(*) FROM rep_facts WHERE activity_id = 1"), 1);
	T_INTEQ(q1("SELECT from_contact FROM rep_facts WHERE activity_id = 1"), 1);
	T_INTEQ(q1("SELECT reply_at FROM rep_facts WHERE activity_id = 1"), -1);
	VERIFIED();

	/* A later reply from the alias, then an earlier one logged after it. */
	sql(MAIL(2, "outbound", 5000, "'t1'") PART(2, "ali@l.example", "from", NULL)
		    PART(2, "wile@acme.example", "to", 100));
	refresh(2);
	T_INTEQ(q1("SELECT reply_at FROM rep_facts WHERE activity_id = 1"), 5000);
	sql(MAIL(3, "outbound", 2000, "'t1'") PART(3, "alice@l.example", "from", NULL));
	refresh(3);
	T_INTEQ(q1("SELECT reply_at FROM rep_facts WHERE activity_id = 1"), 2000);
	/* Internal mail from alice in the thread is no reply. */
	sql(MAIL(4, "internal", 1500, "'t1'") PART(4, "alice@l.example", "from", NULL)
		    PART(4, "bob@l.example", "to", NULL));
	refresh(4);
	T_INTEQ(q1("SELECT reply_at FROM rep_facts WHERE activity_id = 1"), 2000);
	T_INTEQ(q1("SELECT count(*) FROM rep_facts WHERE activity_id = 4"), 1); /* sent only */
	VERIFIED();

	/* The earlier reply goes: the later one answers again. Then its From
	 * goes: no reply left. */
	sql("DELETE FROM activities WHERE id = 3");
	T_INTEQ(q1("SELECT reply_at FROM rep_facts WHERE activity_id = 1"), 5000);
	VERIFIED();
	sql("DELETE FROM participants WHERE activity_id = 2 AND role = 'from'");
	T_INTEQ(q1("SELECT reply_at FROM rep_facts WHERE activity_id = 1"), -1);
	T_INTEQ(q1("SELECT count(*) FROM rep_facts WHERE activity_id = 2"), 0);
	VERIFIED();

	/* A reply logged before its root. */
	sql(MAIL(6, "outbound", 9000, "'t2'") PART(6, "bob@l.example", "from", NULL)
		    MAIL(5, "inbound", 8000, "'t2'") PART(5, "bob@l.example", "to", NULL)
			    PART(5, "road@acme.example", "from", NULL));
	refresh(6);
	refresh(5);
	T_INTEQ(q1("SELECT reply_at FROM rep_facts WHERE activity_id = 5"), 9000);
	T_INTEQ(q1("SELECT from_contact FROM rep_facts WHERE activity_id = 5"), 0);
	/* Road becomes a contact (a rematch sets it); the contact is deleted. */
	sql("UPDATE participants SET contact_id = 101 WHERE activity_id = 5 AND role = 'from'");
	T_INTEQ(q1("SELECT from_contact FROM rep_facts WHERE activity_id = 5"), 1);
	VERIFIED();
	sql("DELETE FROM contacts WHERE id = 101");
	T_INTEQ(q1("SELECT from_contact FROM rep_facts WHERE activity_id = 5"), 0);
	VERIFIED();

	/* One of two addresses of alice goes from To/Cc: still received;
	 * the alias itself removed from the team: still, through alice@. */
	sql("DELETE FROM participants WHERE activity_id = 1 AND addr_key = 'alice@l.example'");
	T_INTEQ(q1("SELECT count(*) FROM rep_facts WHERE activity_id = 1 AND what = 1"), 1);
	sql("DELETE FROM user_emails WHERE address = 'ali@l.example'");
	T_INTEQ(q1("SELECT count(*) FROM rep_facts WHERE activity_id = 1"), 0);
	VERIFIED();
	sql("INSERT INTO user_emails VALUES ('ali@l.example', 1, 'ali@l.example')");
	T_INTEQ(q1("SELECT count(*) FROM rep_facts WHERE activity_id = 1 AND what = 1"), 1);
	sql("UPDATE user_emails SET user_id = 2 WHERE address = 'ali@l.example'");
	T_INTEQ(q1("SELECT user_id FROM rep_facts WHERE activity_id = 1 AND what = 1"), 2);
	VERIFIED();

	/* The direction and the thread change. */
	sql("UPDATE activities SET direction = 'internal' WHERE id = 5");
	T_INTEQ(q1("SELECT count(*) FROM rep_facts WHERE activity_id = 5"), 0);
	sql("UPDATE activities SET direction = 'inbound' WHERE id = 5");
	T_INTEQ(q1("SELECT reply_at FROM rep_facts WHERE activity_id = 5"), 9000);
	sql("UPDATE activities SET thread_key = 't9' WHERE id = 6");
	T_INTEQ(q1("SELECT reply_at FROM rep_facts WHERE activity_id = 5"), -1);
	VERIFIED();
}

static void test_meetings_and_links(void)
{
	sql("INSERT INTO activities (id, kind, direction, status, occurred_at, ended_at, "
	    "source_key, first_seen_at, updated_at) VALUES (20, 'meeting', 'outbound', "
	    "'scheduled', 10000, 13600, 'k20', 0, 0), (21, 'call', 'outbound', 'logged', 20000, "
	    "NULL, 'k21', 0, 0);"
	    "INSERT INTO activity_owners VALUES (20, 1), (21, 2);"
	    "INSERT INTO activity_links (activity_id, type, target_id, rule, created_at) VALUES"
	    "  (20, 'contact', 100, 'address', 0), (20, 'deal', 200, 'address', 0),"
	    "  (20, 'company', 100, 'domain', 0), (21, 'deal', 201, 'manual', 0);");
	refresh(20);
	refresh(21);
	T_INTEQ(q1("SELECT count(*) FROM rep_facts WHERE activity_id = 20"), 0); /* scheduled */
	T_INTEQ(q1("SELECT count(*) FROM rep_touch WHERE activity_id = 21"), 1);
	sql("UPDATE activities SET status = 'held' WHERE id = 20");
	T_INTEQ(q1("SELECT secs FROM rep_facts WHERE activity_id = 20"), 3600);
	T_INTEQ(q1("SELECT count(*) FROM rep_touch WHERE activity_id = 20"), 2); /* no company */
	sql("UPDATE activities SET occurred_at = 11000, ended_at = 11900 WHERE id = 20");
	T_INTEQ(q1("SELECT secs FROM rep_facts WHERE activity_id = 20"), 900);
	T_INTEQ(q1("SELECT min(occurred_at) FROM rep_touch WHERE activity_id = 20"), 11000);
	sql("INSERT INTO activity_owners VALUES (20, 2)");
	refresh(20);
	T_INTEQ(q1("SELECT count(*) FROM rep_touch WHERE activity_id = 20"), 4);
	VERIFIED();
	sql("UPDATE activity_links SET target_id = 201 WHERE activity_id = 20 AND type = 'deal';"
	    "UPDATE activity_links SET type = 'deal', target_id = 200 WHERE activity_id = 20 AND "
	    "type = 'company';");
	T_INTEQ(q1("SELECT count(*) FROM rep_touch WHERE activity_id = 20 AND is_deal"), 4);
	VERIFIED();
	sql("DELETE FROM activity_owners WHERE activity_id = 20 AND user_id = 1;"
	    "DELETE FROM activity_links WHERE activity_id = 20 AND type = 'contact'");
	T_INTEQ(q1("SELECT count(*) FROM rep_touch WHERE activity_id = 20"), 2);
	sql("UPDATE activities SET kind = 'note' WHERE id = 21");
	T_INTEQ(q1("SELECT count(*) FROM rep_facts WHERE activity_id = 21"), 0);
	T_INTEQ(q1("SELECT count(*) FROM rep_touch WHERE activity_id = 21"), 0);
	VERIFIED();
	sql("DELETE FROM users WHERE id = 2");
	T_INTEQ(q1("SELECT count(*) FROM rep_facts WHERE user_id = 2"), 0);
	T_INTEQ(q1("SELECT count(*) FROM rep_touch WHERE user_id = 2"), 0);
	VERIFIED();
}

/* ---- a random walk ----------------------------------------------------- */

static unsigned long long rng = 88172645463325252ULL;

static unsigned pick(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void random_step(int i)
{
	static const char *const addrs[] = {"alice@l.example", "ali@l.example", "bob@l.example",
					    "wile@acme.example", "road@acme.example"};
	static const char *const roles[] = {"from", "to", "cc", "bcc"};
	static const char *const dirs[] = {"inbound", "outbound", "internal"};
	static const char *const kinds[] = {"email", "email", "meeting", "call"};
	static const char *const statuses[] = {"logged", "held", "scheduled"};
	char q[512];
	unsigned a = 1000 + pick(40), step = pick(24);
	/* Inserts of participants, links and owners: the store refreshes. */
	int inserts = step <= 11 || step == 13 || step == 14 || step == 16 || step == 17;

	switch (step) {
	case 0:
	case 1:
	case 2:
	case 3:
		snprintf(q, sizeof q,
			 "INSERT OR IGNORE INTO activities (id, kind, direction, status, "
			 "occurred_at, ended_at, thread_key, source_key, first_seen_at, "
			 "updated_at) VALUES (%u, '%s', '%s', '%s', %u, %u, 'r%u', 'rk%u', 0, 0)",
			 a, kinds[pick(4)], dirs[pick(3)], statuses[pick(3)], 100 * pick(50),
			 5000 + 100 * pick(10), pick(5), a);
		break;
	case 4:
	case 5:
	case 6:
	case 7:
	case 8:
	case 9:
	case 10:
	case 11: {
		const char *ad = addrs[pick(5)];
		snprintf(q, sizeof q,
			 "INSERT OR IGNORE INTO participants (activity_id, address, addr_key, "
			 "role, contact_id) SELECT %u, '%s', '%s', '%s', %s WHERE EXISTS (SELECT 1 "
			 "FROM activities WHERE id = %u)",
			 a, ad, ad, roles[pick(4)], pick(2) ? "100" : "NULL", a);
		break;
	}
	case 12:
		snprintf(q, sizeof q,
			 "DELETE FROM participants WHERE id IN (SELECT id FROM participants WHERE "
			 "activity_id = %u LIMIT 1)",
			 a);
		break;
	case 13:
	case 14:
		snprintf(
			q, sizeof q,
			"INSERT OR IGNORE INTO activity_links (activity_id, type, target_id, rule, "
			"created_at) SELECT %u, '%s', %u, 'address', 0 WHERE EXISTS (SELECT 1 FROM "
			"activities WHERE id = %u)",
			a, pick(2) ? "deal" : "contact", pick(2) ? 100 + pick(2) * 100 : 201, a);
		break;
	case 15:
		snprintf(q, sizeof q,
			 "DELETE FROM activity_links WHERE rowid IN (SELECT rowid FROM "
			 "activity_links WHERE activity_id = %u LIMIT 1)",
			 a);
		break;
	case 16:
	case 17:
		snprintf(q, sizeof q,
			 "INSERT OR IGNORE INTO activity_owners SELECT %u, %u WHERE EXISTS "
			 "(SELECT 1 FROM activities WHERE id = %u)",
			 a, 1 + pick(2), a);
		break;
	case 18:
	case 19:
		snprintf(q, sizeof q, "UPDATE activities SET %s WHERE id = %u",
			 pick(2) ?
				 (pick(2) ? "status = 'held'" : "occurred_at = occurred_at + 50") :
				 (pick(2) ? "thread_key = 'r1'" : "direction = 'inbound'"),
			 a);
		break;
	case 20:
	case 21:
		snprintf(q, sizeof q,
			 "UPDATE participants SET contact_id = %s WHERE id IN (SELECT "
			 "id FROM participants WHERE activity_id = %u LIMIT 1)",
			 pick(2) ? "100" : "NULL", a);
		break;
	case 22:
		snprintf(q, sizeof q, "%s",
			 pick(2) ? "DELETE FROM user_emails WHERE address = 'ali@l.example'" :
				   "INSERT OR IGNORE INTO user_emails VALUES ('ali@l.example', 1, "
				   "'ali@l.example')");
		break;
	default:
		snprintf(q, sizeof q, "DELETE FROM activities WHERE id = %u", a);
		break;
	}
	sql(q);
	if (inserts)
		refresh(a);
	if (i % 100 == 99)
		VERIFIED();
}

static void test_random_walk(void)
{
	sql("INSERT INTO users (id, email, email_written, created_at, updated_at) VALUES"
	    "  (2, 'bob@l.example', 'bob@l.example', 0, 0);"
	    "INSERT OR IGNORE INTO user_emails VALUES ('bob@l.example', 2, 'bob@l.example');"
	    "INSERT INTO contacts (id, email, created_at, updated_at) VALUES"
	    "  (101, 'road@acme.example', 0, 0);"
	    "INSERT INTO deals (id, key, name, owner_id, stage_id, status, created_at, "
	    "updated_at) VALUES (202, 'D3', 'C', 1, 1, 'open', 0, 0);");
	for (int i = 0; i < 3000; i++)
		random_step(i);
	/* Something was counted, or the walk proved nothing. */
	T_OK(q1("SELECT count(*) FROM rep_facts WHERE what = 1 AND reply_at IS NOT NULL") > 0);
	T_OK(q1("SELECT count(DISTINCT what) FROM rep_facts") == 4);
	T_OK(q1("SELECT count(*) FROM rep_touch") > 10);
}

int main(void)
{
	char path[] = "/tmp/crmsync-repfacts-XXXXXX";
	char file[64];
	struct err err;

	if (mkdtemp(path) == NULL)
		return 1;
	snprintf(file, sizeof file, "%s/crm.db", path);
	err_init(&err);
	if ((st = store_open(file, 0, &err)) == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	sqlite3_open(file, &db);
	sqlite3_busy_timeout(db, 5000);
	sql("PRAGMA foreign_keys = ON");
	sql(world);
	test_mail();
	test_meetings_and_links();
	test_random_walk();
	sqlite3_close(db);
	store_close(&st);
	unlink(file);
	snprintf(file, sizeof file, "%s/crm.db-wal", path);
	unlink(file);
	snprintf(file, sizeof file, "%s/crm.db-shm", path);
	unlink(file);
	rmdir(path);
	return t_done("repfacts");
}

/* store/privacy.c - forgetting a person or a domain (`crmsync purge`,
 * SPEC §5.5) and reading what `crmsync why` explains (SPEC §5.6).
 */
#include "store/internal.h"
#include "core/err.h"
#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* ---- purge -------------------------------------------------------------- */

/* The participants a purge takes: ?1 is the address or domain, ?2 1 for a
 * domain (the domain or a subdomain of it). */
#define PURGE_MATCH(col)                                                        \
	"(CASE WHEN ?2 THEN (substr(" col ", instr(" col ", '@') + 1) = ?1 OR " \
	"substr(" col ", -length(?1) - 1) = '.' || ?1) ELSE " col " = ?1 END)"

static const char *const purge_steps[] = {
	/* 0: the activities it touches */
	"CREATE TEMP TABLE purge_acts AS SELECT DISTINCT activity_id AS id FROM participants "
	"WHERE " PURGE_MATCH("addr_key"),
	/* 1: its participant rows */
	"DELETE FROM participants WHERE " PURGE_MATCH("addr_key"),
	/* 2: the activities left with no external participant */
	"CREATE TEMP TABLE purge_gone AS SELECT id FROM purge_acts WHERE NOT EXISTS "
	"(SELECT 1 FROM participants p WHERE p.activity_id = purge_acts.id AND p.external)",
	/* 3: their items keep only that a purge removed them */
	"UPDATE item_outcomes SET outcome = 'skipped', reason = 'purged', evidence = 'purge ' || ?3, "
	"activity_id = NULL WHERE activity_id IN (SELECT id FROM purge_gone)",
	/* 4 */
	"DELETE FROM activities WHERE id IN (SELECT id FROM purge_gone)",
	/* 5: the others lose their subject and snippet */
	"UPDATE activities SET subject = NULL, snippet = NULL, updated_at = ?4 WHERE id IN "
	"(SELECT id FROM purge_acts) AND id NOT IN (SELECT id FROM purge_gone)",
	/* 6 */
	"INSERT INTO purge_touches (purge_id, activity_id) SELECT ?3, id FROM purge_acts "
	"WHERE id NOT IN (SELECT id FROM purge_gone)",
	/* 7: contact addresses; contacts left with none go, links to them too */
	"DELETE FROM contact_emails WHERE " PURGE_MATCH("address"),
	"CREATE TEMP TABLE purge_contacts AS SELECT id FROM contacts c WHERE NOT EXISTS "
	"(SELECT 1 FROM contact_emails e WHERE e.contact_id = c.id)",
	"DELETE FROM activity_links WHERE type = 'contact' AND target_id IN "
	"(SELECT id FROM purge_contacts)",
	"DELETE FROM contacts WHERE id IN (SELECT id FROM purge_contacts)",
	/* 11: a contact keeps its other addresses; its key becomes one of them */
	"UPDATE contacts SET email = (SELECT min(address) FROM contact_emails e WHERE "
	"e.contact_id = contacts.id), updated_at = ?4 WHERE " PURGE_MATCH("email"),
	/* 12: company domains (domain purges); companies left with none go */
	"DELETE FROM company_domains WHERE ?2 AND (domain = ?1 OR "
	"substr(domain, -length(?1) - 1) = '.' || ?1)",
	"CREATE TEMP TABLE purge_companies AS SELECT id FROM companies c WHERE NOT EXISTS "
	"(SELECT 1 FROM company_domains d WHERE d.company_id = c.id)",
	"DELETE FROM activity_links WHERE type = 'company' AND target_id IN "
	"(SELECT id FROM purge_companies)",
	"DELETE FROM companies WHERE id IN (SELECT id FROM purge_companies)",
	"UPDATE companies SET domain = (SELECT min(domain) FROM company_domains d WHERE "
	"d.company_id = companies.id), updated_at = ?4 WHERE ?2 AND (domain = ?1 OR "
	"substr(domain, -length(?1) - 1) = '.' || ?1)",
	NULL,
};

/* Texts that may quote an address: evidence, notes, errors. */
static const char *const purge_scrub[] = {
	"UPDATE item_outcomes SET evidence = '(purged)' WHERE instr(lower(evidence), ?1) > 0",
	"UPDATE activity_links SET evidence = '(purged)' WHERE instr(lower(evidence), ?1) > 0",
	"UPDATE activities SET deal_note = '(purged)' WHERE instr(lower(deal_note), ?1) > 0",
	"UPDATE parse_errors SET what = '(purged)' WHERE instr(lower(what), ?1) > 0",
	"UPDATE sync_runs SET error_text = '(purged)' WHERE instr(lower(error_text), ?1) > 0",
	NULL,
};

static const char *const purge_drop[] = {
	"DROP TABLE IF EXISTS temp.purge_acts",
	"DROP TABLE IF EXISTS temp.purge_gone",
	"DROP TABLE IF EXISTS temp.purge_contacts",
	"DROP TABLE IF EXISTS temp.purge_companies",
	NULL,
};

/* Runs one statement with the purge's parameters; adds its changes. */
static int purge_run(struct store *st, const char *sql, const struct store_purge *p, int64_t id,
		     int64_t now, int64_t *changes, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int domain = strcmp(p->kind, "domain") == 0;

	if (s == NULL)
		return -1;
	for (int i = 1; i <= sqlite3_bind_parameter_count(s); i++) {
		const char *name = sqlite3_bind_parameter_name(s, i);
		int which = name != NULL ? name[1] - '0' : i;
		if (which == 1)
			store_bind_text(s, i, p->value);
		else if (which == 2)
			sqlite3_bind_int(s, i, domain);
		else if (which == 3)
			sqlite3_bind_int64(s, i, id);
		else if (which == 4)
			sqlite3_bind_int64(s, i, now);
	}
	if (store_step_done(st, s, err, "purging") == -1)
		return -1;
	if (changes != NULL)
		*changes += sqlite3_changes(st->db);
	return 0;
}

static int purge_body(struct store *st, const struct store_purge *p, int64_t now,
		      struct store_purge_result *r, struct err *err)
{
	sqlite3_stmt *s;
	int64_t user = 0, dummy = 0;

	if ((s = store_stmt(st, "SELECT count(*) FROM user_emails WHERE " PURGE_MATCH("address"),
			    err)) == NULL)
		return -1;
	store_bind_text(s, 1, p->value);
	sqlite3_bind_int(s, 2, strcmp(p->kind, "domain") == 0);
	if (store_query_i64(st, s, &user, err, "purging") < 0)
		return -1;
	if (user > 0)
		return err_set(err, ERR_USAGE,
			       "%s is a team member's address (remove the user first)", p->value);
	if ((s = store_stmt(st, "INSERT INTO purges (kind, value, purged_at) VALUES (?1, ?2, ?3)",
			    err)) == NULL)
		return -1;
	store_bind_text(s, 1, p->kind);
	store_bind_text(s, 2, p->hash);
	sqlite3_bind_int64(s, 3, now);
	if (store_step_done(st, s, err, "recording a purge") == -1)
		return -1;
	r->id = sqlite3_last_insert_rowid(st->db);
	for (size_t i = 0; purge_steps[i] != NULL; i++) {
		int64_t *to = i == 1  ? &r->participants :
			      i == 4  ? &r->activities :
			      i == 5  ? &r->cleared :
			      i == 10 ? &r->contacts :
			      i == 15 ? &r->companies :
					&dummy;
		if (purge_run(st, purge_steps[i], p, r->id, now, to, err) == -1)
			return -1;
	}
	for (size_t i = 0; purge_scrub[i] != NULL; i++)
		if (purge_run(st, purge_scrub[i], p, r->id, now, &r->texts, err) == -1)
			return -1;
	if ((s = store_stmt(st,
			    "UPDATE purges SET participants = ?2, activities = ?3 WHERE id = ?1",
			    err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, r->id);
	sqlite3_bind_int64(s, 2, r->participants);
	sqlite3_bind_int64(s, 3, r->activities);
	if (store_step_done(st, s, err, "recording a purge") == -1)
		return -1;
	if ((s = store_stmt(st,
			    "INSERT OR IGNORE INTO ignored (pattern, source, added_at) "
			    "VALUES (?1, 'purge', ?2)",
			    err)) == NULL)
		return -1;
	store_bind_text(s, 1, p->hash);
	sqlite3_bind_int64(s, 2, now);
	return store_step_done(st, s, err, "adding to the ignore list");
}

int store_purge(struct store *st, const struct store_purge *p, int64_t now,
		struct store_purge_result *out, struct err *err)
{
	int rc;

	memset(out, 0, sizeof *out);
	/* Deleted rows are overwritten, not just unlinked from the b-tree. */
	if (store_exec_script(st, "PRAGMA secure_delete = ON", err) == -1 ||
	    store_begin(st, err) == -1)
		return -1;
	rc = purge_body(st, p, now, out, err);
	for (size_t i = 0; purge_drop[i] != NULL; i++) {
		sqlite3_stmt *s = store_stmt(st, purge_drop[i], NULL);
		if (s != NULL)
			sqlite3_step(s), sqlite3_reset(s);
	}
	if (rc == -1) {
		store_rollback(st);
		return -1;
	}
	if (store_commit(st, err) == -1)
		return -1;
	/* Copy every page back and empty the WAL: the old page images there
	 * still hold what was deleted. */
	return store_exec_script(st, "PRAGMA wal_checkpoint(TRUNCATE)", err);
}

/* ---- explanations ------------------------------------------------------- */

static int each_outcome(struct store *st, sqlite3_stmt *s,
			int (*fn)(const struct store_outcome *o, void *arg), void *arg,
			struct err *err)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_outcome o = {
			(const char *)sqlite3_column_text(s, 0),
			(const char *)sqlite3_column_text(s, 1),
			(const char *)sqlite3_column_text(s, 2),
			(const char *)sqlite3_column_text(s, 3),
			(const char *)sqlite3_column_text(s, 4),
			(const char *)sqlite3_column_text(s, 5),
			(const char *)sqlite3_column_text(s, 6),
			sqlite3_column_type(s, 7) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 7),
			sqlite3_column_int64(s, 8),
			sqlite3_column_type(s, 9) == SQLITE_NULL ? STORE_NO_TIME :
								   sqlite3_column_int64(s, 9),
		};
		if (fn(&o, arg) == -1)
			break;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_fail(st, err, "reading items");
}

#define OUTCOME_COLS                                                                 \
	"SELECT account, container, item_ref, identity, outcome, reason, evidence, " \
	"activity_id, decided_at, removed_at FROM item_outcomes "

int store_outcomes_each(struct store *st, const char *identity,
			int (*fn)(const struct store_outcome *o, void *arg), void *arg,
			struct err *err)
{
	sqlite3_stmt *s =
		store_stmt(st,
			   OUTCOME_COLS
			   "WHERE identity = ?1 ORDER BY decided_at, account, container, item_ref",
			   err);

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, identity);
	return each_outcome(st, s, fn, arg, err);
}

int store_outcomes_mentioning(struct store *st, const char *text, int64_t limit,
			      int (*fn)(const struct store_outcome *o, void *arg), void *arg,
			      struct err *err)
{
	sqlite3_stmt *s = store_stmt(st,
				     OUTCOME_COLS "WHERE outcome = 'skipped' AND "
						  "instr(lower(evidence), ?1) > 0 ORDER BY "
						  "decided_at DESC LIMIT ?2",
				     err);

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, text);
	sqlite3_bind_int64(s, 2, limit);
	return each_outcome(st, s, fn, arg, err);
}

static int each_purge(struct store *st, sqlite3_stmt *s,
		      int (*fn)(const struct store_purge_record *p, void *arg), void *arg,
		      struct err *err)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_purge_record p = {
			sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1),
			sqlite3_column_int64(s, 2), sqlite3_column_int64(s, 3),
			sqlite3_column_int64(s, 4)};
		if (fn(&p, arg) == -1)
			break;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_fail(st, err, "reading purges");
}

int store_purges_of_activity(struct store *st, int64_t activity,
			     int (*fn)(const struct store_purge_record *p, void *arg), void *arg,
			     struct err *err)
{
	sqlite3_stmt *s =
		store_stmt(st,
			   "SELECT p.id, p.kind, p.purged_at, p.participants, p.activities "
			   "FROM purge_touches t JOIN purges p ON p.id = t.purge_id "
			   "WHERE t.activity_id = ?1 ORDER BY p.id",
			   err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, activity);
	return each_purge(st, s, fn, arg, err);
}

int store_purges_with_hash(struct store *st, const char *hash,
			   int (*fn)(const struct store_purge_record *p, void *arg), void *arg,
			   struct err *err)
{
	sqlite3_stmt *s = store_stmt(st,
				     "SELECT id, kind, purged_at, participants, activities FROM "
				     "purges WHERE value = ?1 ORDER BY id",
				     err);

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, hash);
	return each_purge(st, s, fn, arg, err);
}

int store_contacts_created_by(struct store *st, const char *source_key,
			      int (*fn)(const char *email, void *arg), void *arg, struct err *err)
{
	sqlite3_stmt *s = store_stmt(
		st, "SELECT email FROM contacts WHERE created_by = ?1 ORDER BY email", err);
	int rc;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, source_key);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(s, 0), arg) == -1)
			break;
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_fail(st, err, "reading contacts");
}

int store_company_key(struct store *st, int64_t id, char **domain_out, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT domain FROM companies WHERE id = ?1", err);
	int rc;

	*domain_out = NULL;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*domain_out = store_col_strdup(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(st, err, "reading companies");
}

void store_address_info_release(struct store_address_info *i)
{
	free(i->user);
	free(i->contact);
	free(i->contact_name);
	free(i->contact_company);
	free(i->lead_source);
	free(i->created_by);
	memset(i, 0, sizeof *i);
}

int store_address_info(struct store *st, const char *key, struct store_address_info *out,
		       struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof *out);
	out->created_at = STORE_NO_TIME;
	if ((s = store_stmt(st,
			    "SELECT u.email FROM user_emails e JOIN users u ON u.id = e.user_id "
			    "WHERE e.address = ?1",
			    err)) == NULL)
		return -1;
	store_bind_text(s, 1, key);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		out->user = store_col_strdup(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(st, err, "reading users");
	if ((s = store_stmt(st,
			    "SELECT c.email, c.name, co.domain, c.lead_source, c.created_at, "
			    "c.created_by FROM contact_emails e JOIN contacts c ON "
			    "c.id = e.contact_id LEFT JOIN companies co ON co.id = c.company_id "
			    "WHERE e.address = ?1",
			    err)) == NULL)
		return -1;
	store_bind_text(s, 1, key);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->contact = store_col_strdup(s, 0);
		out->contact_name = store_col_strdup(s, 1);
		out->contact_company = store_col_strdup(s, 2);
		out->lead_source = store_col_strdup(s, 3);
		out->created_at = sqlite3_column_int64(s, 4);
		out->created_by = store_col_strdup(s, 5);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(st, err, "reading contacts");
	if ((s = store_stmt(st,
			    "SELECT count(DISTINCT activity_id) FROM participants WHERE "
			    "addr_key = ?1",
			    err)) == NULL)
		return -1;
	store_bind_text(s, 1, key);
	return store_query_i64(st, s, &out->activities, err, "counting activities") < 0 ? -1 : 0;
}

int store_address_activities(struct store *st, const char *key, int64_t limit,
			     int (*fn)(const struct store_address_activity *a, void *arg),
			     void *arg, struct err *err)
{
	sqlite3_stmt *s =
		store_stmt(st,
			   "SELECT a.id, a.occurred_at, a.kind, p.role, a.subject FROM "
			   "participants p JOIN activities a ON a.id = p.activity_id WHERE "
			   "p.addr_key = ?1 ORDER BY a.occurred_at DESC, a.id DESC LIMIT ?2",
			   err);
	int rc;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, key);
	sqlite3_bind_int64(s, 2, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_address_activity a = {sqlite3_column_int64(s, 0),
						   sqlite3_column_int64(s, 1),
						   (const char *)sqlite3_column_text(s, 2),
						   (const char *)sqlite3_column_text(s, 3),
						   (const char *)sqlite3_column_text(s, 4)};
		if (fn(&a, arg) == -1)
			break;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 :
						       store_fail(st, err, "reading activities");
}

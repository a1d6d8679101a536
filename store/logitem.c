/* store/logitem.c - what the sync path writes: activities found in
 * mailboxes and calendars, skipped items, parse errors, deletions, the
 * per-folder sync state and the record of each run; and the directory
 * reads that matching loads once per run.
 */
#include "store/internal.h"
#include "core/err.h"
#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* ---- directory ---------------------------------------------------------- */

int store_each_contact_address(struct store *st,
			       int (*fn)(const char *key, int64_t contact, int64_t company,
					 void *arg),
			       void *arg, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st,
				     "SELECT e.address, c.id, c.company_id FROM contact_emails e "
				     "JOIN contacts c ON c.id = e.contact_id",
				     err);
	int rc;

	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t company =
			sqlite3_column_type(s, 2) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 2);
		if (fn((const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1), company,
		       arg) == -1)
			break;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_fail(st, err, "reading contacts");
}

/* Runs a two-column (text, id) query and calls fn for each row. */
static int each_text_id(struct store *st, const char *sql,
			int (*fn)(const char *k, int64_t id, void *arg), void *arg, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1), arg) ==
		    -1)
			break;
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_fail(st, err, "reading");
}

int store_each_company_domain(struct store *st,
			      int (*fn)(const char *domain, int64_t company, void *arg), void *arg,
			      struct err *err)
{
	return each_text_id(st, "SELECT domain, company_id FROM company_domains", fn, arg, err);
}

int store_each_user_address(struct store *st, int (*fn)(const char *key, int64_t user, void *arg),
			    void *arg, struct err *err)
{
	return each_text_id(st, "SELECT address, user_id FROM user_emails", fn, arg, err);
}

/* Calls fn(text) for each row of a one-column query with ?1..?3 bound. */
static int each_text(struct store *st, const char *sql, const char *a1, const char *a2,
		     const char *a3, int (*fn)(const char *t, void *arg), void *arg,
		     struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc, n = sqlite3_bind_parameter_count(s ? s : NULL);

	if (s == NULL)
		return -1;
	if (n >= 1)
		store_bind_text(s, 1, a1);
	if (n >= 2)
		store_bind_text(s, 2, a2);
	if (n >= 3)
		store_bind_text(s, 3, a3);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(s, 0), arg) == -1)
			break;
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_fail(st, err, "reading");
}

int store_each_ignored(struct store *st, int (*fn)(const char *pattern, void *arg), void *arg,
		       struct err *err)
{
	return each_text(st, "SELECT pattern FROM ignored", NULL, NULL, NULL, fn, arg, err);
}

/* Binds an item's account, container and item_ref to ?1, ?2 and ?3. */
static void bind_item(sqlite3_stmt *s, const struct store_item *item)
{
	store_bind_text(s, 1, item->account);
	store_bind_text(s, 2, item->container);
	store_bind_text(s, 3, item->item_ref);
}

/* ---- item outcomes ---------------------------------------------------- */

static int outcome_put(struct store *st, const struct store_item *item, const char *outcome,
		       const char *reason, const char *evidence, int64_t activity, int64_t now,
		       struct err *err)
{
	sqlite3_stmt *s = store_stmt(
		st,
		"INSERT INTO item_outcomes (account, container, item_ref, identity, outcome, reason, "
		"evidence, activity_id, decided_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
		"ON CONFLICT (account, container, item_ref) DO UPDATE SET identity = ?4, "
		"outcome = ?5, reason = ?6, evidence = ?7, activity_id = ?8, decided_at = ?9, "
		"removed_at = NULL",
		err);

	if (s == NULL)
		return -1;
	bind_item(s, item);
	store_bind_text(s, 4, item->identity);
	store_bind_text(s, 5, outcome);
	store_bind_text(s, 6, reason);
	store_bind_text(s, 7, evidence);
	if (activity >= 0)
		sqlite3_bind_int64(s, 8, activity);
	sqlite3_bind_int64(s, 9, now);
	return store_step_done(st, s, err, "recording an item outcome");
}

static int error_resolve(struct store *st, const struct store_item *item, int64_t now,
			 struct err *err)
{
	sqlite3_stmt *s = store_stmt(st,
				     "UPDATE parse_errors SET resolved_at = ?4 WHERE account = ?1 "
				     "AND container = ?2 AND item_ref = ?3 AND resolved_at IS NULL",
				     err);

	if (s == NULL)
		return -1;
	bind_item(s, item);
	sqlite3_bind_int64(s, 4, now);
	return store_step_done(st, s, err, "resolving a parse error");
}

int store_log_skip(struct store *st, const struct store_item *item, const char *reason,
		   const char *evidence, int64_t now, struct err *err)
{
	if (outcome_put(st, item, "skipped", reason, evidence, -1, now, err) == -1)
		return -1;
	return error_resolve(st, item, now, err);
}

int store_log_parse_error(struct store *st, const struct store_item *item, const char *what,
			  const char *version, int64_t now, struct err *err)
{
	sqlite3_stmt *s = store_stmt(
		st,
		"INSERT INTO parse_errors (account, container, item_ref, what, version, "
		"occurred_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
		"ON CONFLICT (account, container, item_ref) DO UPDATE SET what = ?4, version = ?5, "
		"occurred_at = ?6, resolved_at = NULL",
		err);

	if (s == NULL)
		return -1;
	bind_item(s, item);
	store_bind_text(s, 4, what);
	store_bind_text(s, 5, version);
	sqlite3_bind_int64(s, 6, now);
	if (store_step_done(st, s, err, "recording a parse error") == -1)
		return -1;
	return outcome_put(st, item, "error", "parse-error", what, -1, now, err);
}

int store_each_retryable_error(struct store *st, const char *account, const char *container,
			       const char *version, int (*fn)(const char *item_ref, void *arg),
			       void *arg, struct err *err)
{
	return each_text(st,
			 "SELECT item_ref FROM parse_errors WHERE account = ?1 AND container = ?2 "
			 "AND resolved_at IS NULL AND version IS NOT ?3 ORDER BY item_ref",
			 account, container, version, fn, arg, err);
}

int store_item_known(struct store *st, const struct store_item *item, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st,
				     "SELECT 1 FROM item_outcomes WHERE account = ?1 AND "
				     "container = ?2 AND item_ref = ?3",
				     err);
	int64_t one;

	if (s == NULL)
		return -1;
	bind_item(s, item);
	return store_query_i64(st, s, &one, err, "looking up an item");
}

/* ---- activities --------------------------------------------------------- */

static int act_insert(struct store *st, const struct store_new_activity *a, int64_t now,
		      int64_t *id, struct err *err)
{
	sqlite3_stmt *s = store_stmt(
		st,
		"INSERT INTO activities (kind, direction, status, occurred_at, ended_at, subject, "
		"snippet, thread_key, source_key, first_seen_at, updated_at, sequence, deal_tag, "
		"deal_tag_from) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?13)",
		err);

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, a->kind);
	store_bind_text(s, 2, a->direction);
	store_bind_text(s, 3, a->status);
	sqlite3_bind_int64(s, 4, a->occurred_at);
	store_bind_time(s, 5, a->ended_at);
	store_bind_text(s, 6, a->subject);
	store_bind_text(s, 7, a->snippet);
	store_bind_text(s, 8, a->thread_key);
	store_bind_text(s, 9, a->source_key);
	sqlite3_bind_int64(s, 10, now);
	if (a->sequence >= 0)
		sqlite3_bind_int64(s, 11, a->sequence);
	store_bind_text(s, 12, a->deal_tag);
	store_bind_text(s, 13, a->deal_tag_from);
	if (store_step_done(st, s, err, "inserting an activity") == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* Adds the owner, participants and links; rows already there are kept. */
static int act_details(struct store *st, int64_t id, const struct store_new_activity *a,
		       int64_t now, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = store_stmt(st,
			    "INSERT OR IGNORE INTO activity_owners (activity_id, user_id) "
			    "VALUES (?1, ?2)",
			    err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, a->owner_id);
	if (store_step_done(st, s, err, "adding an owner") == -1)
		return -1;
	for (size_t i = 0; i < a->nparticipants; i++) {
		const struct store_new_participant *p = &a->participants[i];
		if ((s = store_stmt(st,
				    "INSERT OR IGNORE INTO participants (activity_id, address, "
				    "addr_key, name, role, partstat, contact_id, external) "
				    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
				    err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, id);
		store_bind_text(s, 2, p->address);
		store_bind_text(s, 3, p->addr_key);
		store_bind_text(s, 4, p->name);
		store_bind_text(s, 5, p->role);
		store_bind_text(s, 6, p->partstat);
		if (p->contact_id >= 0)
			sqlite3_bind_int64(s, 7, p->contact_id);
		sqlite3_bind_int(s, 8, p->external);
		if (store_step_done(st, s, err, "adding a participant") == -1)
			return -1;
	}
	for (size_t i = 0; i < a->nlinks; i++) {
		if ((s = store_stmt(
			     st,
			     "INSERT OR IGNORE INTO activity_links (activity_id, type, "
			     "target_id, rule, created_at, evidence) VALUES (?1, ?2, ?3, ?4, "
			     "?5, ?6)",
			     err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, id);
		store_bind_text(s, 2, a->links[i].type);
		sqlite3_bind_int64(s, 3, a->links[i].target_id);
		store_bind_text(s, 4, a->links[i].rule);
		sqlite3_bind_int64(s, 5, now);
		store_bind_text(s, 6, a->links[i].evidence);
		if (store_step_done(st, s, err, "adding a link") == -1)
			return -1;
	}
	return 0;
}

/* A newer (or the same) version of a meeting replaces the stored one:
 * its fields, its participants and the links the rules made (a person's
 * manual link stays). An older SEQUENCE changes nothing. */
static int act_replace(struct store *st, int64_t id, const struct store_new_activity *a,
		       int64_t now, struct err *err)
{
	static const char *const clear[] = {
		"DELETE FROM participants WHERE activity_id = ?1",
		"DELETE FROM activity_links WHERE activity_id = ?1 AND rule IN ('address', 'domain')",
	};
	sqlite3_stmt *s = store_stmt(
		st,
		"UPDATE activities SET direction = ?2, status = ?3, occurred_at = ?4, ended_at = ?5, "
		"subject = ?6, snippet = ?7, sequence = ?8, updated_at = ?9, deal_tag = ?10, "
		"deal_tag_from = ?11 WHERE id = ?1 AND "
		"coalesce(sequence, -1) <= ?8",
		err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, a->direction);
	store_bind_text(s, 3, a->status);
	sqlite3_bind_int64(s, 4, a->occurred_at);
	store_bind_time(s, 5, a->ended_at);
	store_bind_text(s, 6, a->subject);
	store_bind_text(s, 7, a->snippet);
	sqlite3_bind_int64(s, 8, a->sequence);
	sqlite3_bind_int64(s, 9, now);
	store_bind_text(s, 10, a->deal_tag);
	store_bind_text(s, 11, a->deal_tag_from);
	if (store_step_done(st, s, err, "replacing an activity") == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return 0; /* an older version: keep ours */
	for (size_t i = 0; i < 2; i++) {
		if ((s = store_stmt(st, clear[i], err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, id);
		if (store_step_done(st, s, err, "replacing an activity") == -1)
			return -1;
	}
	return 0;
}

int store_log_activity(struct store *st, const struct store_item *item,
		       const struct store_new_activity *a, int64_t now, int64_t *activity_out,
		       int *created_out, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT id FROM activities WHERE source_key = ?1", err);
	int64_t id;
	int found;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, a->source_key);
	if ((found = store_query_i64(st, s, &id, err, "looking up an activity")) < 0)
		return -1;
	if (!found && act_insert(st, a, now, &id, err) == -1)
		return -1;
	if (found) {
		/* Seen again: it is in a mailbox, so it is not removed. */
		s = store_stmt(st, "UPDATE activities SET removed = 0 WHERE id = ?1 AND removed",
			       err);
		if (s == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, id);
		if (store_step_done(st, s, err, "updating an activity") == -1)
			return -1;
		if (a->replace && act_replace(st, id, a, now, err) == -1)
			return -1;
	}
	/* Its participants, owners and links in, the report's facts follow
	 * (store/repfacts.h). */
	if (act_details(st, id, a, now, err) == -1 || store_rep_refresh(st, id, err) == -1 ||
	    outcome_put(st, item, "logged", NULL, NULL, id, now, err) == -1 ||
	    error_resolve(st, item, now, err) == -1)
		return -1;
	*activity_out = id;
	*created_out = !found;
	return 0;
}

/* ---- deletions ------------------------------------------------------------ */

int store_items_removed(struct store *st, const char *account, const char *container,
			const char *const *refs, size_t n, int64_t now, size_t *n_out,
			struct err *err)
{
	sqlite3_stmt *s;

	*n_out = 0;
	for (size_t i = 0; i < n; i++) {
		if ((s = store_stmt(
			     st,
			     "UPDATE item_outcomes SET removed_at = ?4 WHERE account = ?1 AND "
			     "container = ?2 AND item_ref = ?3 AND removed_at IS NULL",
			     err)) == NULL)
			return -1;
		store_bind_text(s, 1, account);
		store_bind_text(s, 2, container);
		store_bind_text(s, 3, refs[i]);
		sqlite3_bind_int64(s, 4, now);
		if (store_step_done(st, s, err, "marking an item removed") == -1)
			return -1;
		*n_out += (size_t)sqlite3_changes(st->db);
	}
	/* An activity seen in no mailbox or calendar any more is kept, flagged. */
	s = store_stmt(st,
		       "UPDATE activities SET removed = 1, updated_at = ?1 WHERE removed = 0 AND "
		       "id IN (SELECT activity_id FROM item_outcomes WHERE removed_at = ?1) AND "
		       "NOT EXISTS (SELECT 1 FROM item_outcomes o WHERE o.activity_id = "
		       "activities.id AND o.removed_at IS NULL)",
		       err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	return store_step_done(st, s, err, "flagging removed activities");
}

int store_each_item_ref(struct store *st, const char *account, const char *container,
			int (*fn)(const char *item_ref, void *arg), void *arg, struct err *err)
{
	return each_text(st,
			 "SELECT item_ref FROM item_outcomes WHERE account = ?1 AND container = ?2 "
			 "AND removed_at IS NULL",
			 account, container, NULL, fn, arg, err);
}

int store_container_reset(struct store *st, const char *account, const char *container,
			  struct err *err)
{
	static const char *const sql[] = {
		"DELETE FROM item_outcomes WHERE account = ?1 AND container = ?2",
		"DELETE FROM parse_errors WHERE account = ?1 AND container = ?2",
	};

	for (size_t i = 0; i < 2; i++) {
		sqlite3_stmt *s = store_stmt(st, sql[i], err);
		if (s == NULL)
			return -1;
		store_bind_text(s, 1, account);
		store_bind_text(s, 2, container);
		if (store_step_done(st, s, err, "resetting a folder") == -1)
			return -1;
	}
	return 0;
}

/* ---- sync state -------------------------------------------------------------- */

static int64_t col_i64_or(sqlite3_stmt *s, int col, int64_t dflt)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL ? dflt : sqlite3_column_int64(s, col);
}

int store_sync_state_get(struct store *st, const char *account, const char *kind,
			 const char *container, struct store_sync_state *out, struct err *err)
{
	sqlite3_stmt *s = store_stmt(
		st,
		"SELECT uidvalidity, last_uid, uidnext, messages, highestmodseq, resets, "
		"last_full_scan, sync_token, ctag FROM sync_state WHERE account = ?1 AND "
		"container = ?2 AND kind = ?3",
		err);
	int rc;

	memset(out, 0, sizeof *out);
	out->last_full_scan = STORE_NO_TIME;
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, account);
	store_bind_text(s, 2, container);
	store_bind_text(s, 3, kind);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->exists = 1;
		out->uidvalidity = col_i64_or(s, 0, 0);
		out->last_uid = col_i64_or(s, 1, 0);
		out->uidnext = col_i64_or(s, 2, 0);
		out->messages = col_i64_or(s, 3, 0);
		out->highestmodseq = col_i64_or(s, 4, 0);
		out->resets = col_i64_or(s, 5, 0);
		out->last_full_scan = col_i64_or(s, 6, STORE_NO_TIME);
		out->sync_token = store_col_strdup(s, 7);
		out->ctag = store_col_strdup(s, 8);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
						       store_fail(st, err, "reading sync state");
}

int store_sync_state_put(struct store *st, const char *account, const char *kind,
			 const char *container, const struct store_sync_state *v, int64_t now,
			 struct err *err)
{
	sqlite3_stmt *s = store_stmt(
		st,
		"INSERT INTO sync_state (account, container, uidvalidity, last_uid, uidnext, "
		"messages, highestmodseq, resets, last_full_scan, sync_token, ctag, updated_at, "
		"kind) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
		"ON CONFLICT (account, kind, container) DO UPDATE SET uidvalidity = ?3, last_uid = ?4, "
		"uidnext = ?5, messages = ?6, highestmodseq = ?7, resets = ?8, last_full_scan = ?9, "
		"sync_token = ?10, ctag = ?11, updated_at = ?12",
		err);

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, account);
	store_bind_text(s, 2, container);
	sqlite3_bind_int64(s, 3, v->uidvalidity);
	sqlite3_bind_int64(s, 4, v->last_uid);
	sqlite3_bind_int64(s, 5, v->uidnext);
	sqlite3_bind_int64(s, 6, v->messages);
	sqlite3_bind_int64(s, 7, v->highestmodseq);
	sqlite3_bind_int64(s, 8, v->resets);
	store_bind_time(s, 9, v->last_full_scan);
	store_bind_text(s, 10, v->sync_token);
	store_bind_text(s, 11, v->ctag);
	sqlite3_bind_int64(s, 12, now);
	store_bind_text(s, 13, kind);
	return store_step_done(st, s, err, "writing sync state");
}

void store_sync_state_release(struct store_sync_state *s)
{
	free(s->sync_token);
	free(s->ctag);
	s->sync_token = s->ctag = NULL;
}

int store_each_container(struct store *st, const char *account, const char *kind,
			 int (*fn)(const char *container, void *arg), void *arg, struct err *err)
{
	return each_text(st,
			 "SELECT container FROM sync_state WHERE account = ?1 AND kind = ?2 AND "
			 "container <> '' ORDER BY container",
			 account, kind, NULL, fn, arg, err);
}

int store_sync_state_delete(struct store *st, const char *account, const char *kind,
			    const char *container, struct err *err)
{
	sqlite3_stmt *s = store_stmt(
		st, "DELETE FROM sync_state WHERE account = ?1 AND container = ?2 AND kind = ?3",
		err);

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, account);
	store_bind_text(s, 2, container);
	store_bind_text(s, 3, kind);
	return store_step_done(st, s, err, "forgetting sync state");
}

/* ---- runs --------------------------------------------------------------------- */

int store_run_start(struct store *st, const char *account, const char *kind, int64_t now,
		    int64_t *id_out, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st,
				     "INSERT INTO sync_runs (account, kind, started_at, outcome) "
				     "VALUES (?1, ?3, ?2, 'running')",
				     err);

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, account);
	sqlite3_bind_int64(s, 2, now);
	store_bind_text(s, 3, kind);
	if (store_step_done(st, s, err, "recording a run") == -1)
		return -1;
	*id_out = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_run_finish(struct store *st, int64_t id, const struct store_run *r, int64_t now,
		     struct err *err)
{
	sqlite3_stmt *s = store_stmt(
		st,
		"UPDATE sync_runs SET finished_at = ?2, outcome = ?3, error_class = ?4, "
		"error_text = ?5, fetched = ?6, logged = ?7, skipped = ?8, errors = ?9 WHERE id = ?1",
		err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	store_bind_text(s, 3, r->outcome);
	store_bind_text(s, 4, r->error_class);
	store_bind_text(s, 5, r->error_text);
	sqlite3_bind_int64(s, 6, r->fetched);
	sqlite3_bind_int64(s, 7, r->logged);
	sqlite3_bind_int64(s, 8, r->skipped);
	sqlite3_bind_int64(s, 9, r->errors);
	if (store_step_done(st, s, err, "finishing a run") == -1)
		return -1;
	for (size_t i = 0; i < r->nskips; i++) {
		if ((s = store_stmt(st,
				    "INSERT OR REPLACE INTO sync_run_skips (run_id, reason, count) "
				    "VALUES (?1, ?2, ?3)",
				    err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, id);
		store_bind_text(s, 2, r->skip_reasons[i]);
		sqlite3_bind_int64(s, 3, r->skip_counts[i]);
		if (store_step_done(st, s, err, "recording skips") == -1)
			return -1;
	}
	return 0;
}

/* ---- meetings --------------------------------------------------------------- */

int store_meetings_promote(struct store *st, int64_t now, int64_t *n_out, struct err *err)
{
	sqlite3_stmt *s = store_stmt(
		st,
		"UPDATE activities SET status = 'held', updated_at = ?1 WHERE kind = 'meeting' AND "
		"status = 'scheduled' AND ended_at <= ?1 AND EXISTS (SELECT 1 FROM participants p "
		"WHERE p.activity_id = activities.id AND coalesce(p.partstat, '') <> 'DECLINED' "
		"AND (p.external OR (activities.direction = 'internal' AND p.role = 'attendee')))",
		err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	if (store_step_done(st, s, err, "promoting meetings") == -1)
		return -1;
	*n_out = sqlite3_changes(st->db);
	return 0;
}

int store_item_cancel(struct store *st, const struct store_item *item, int64_t from, int64_t to,
		      int64_t now, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st,
				     "SELECT a.occurred_at FROM item_outcomes o JOIN activities a "
				     "ON a.id = o.activity_id WHERE o.account = ?1 AND "
				     "o.container = ?2 AND o.item_ref = ?3",
				     err);
	int64_t when;
	size_t n;
	int found;

	if (s == NULL)
		return -1;
	bind_item(s, item);
	if ((found = store_query_i64(st, s, &when, err, "looking up a meeting")) < 0)
		return -1;
	/* An occurrence that left the sync window is history, not a deletion. */
	if (found && (when < from || when >= to))
		return 0;
	s = store_stmt(
		st,
		"UPDATE activities SET status = 'cancelled', updated_at = ?4 WHERE kind = 'meeting' "
		"AND id = (SELECT activity_id FROM item_outcomes WHERE account = ?1 AND "
		"container = ?2 AND item_ref = ?3) AND NOT EXISTS (SELECT 1 FROM item_outcomes o "
		"WHERE o.activity_id = activities.id AND o.removed_at IS NULL AND NOT "
		"(o.account = ?1 AND o.container = ?2 AND o.item_ref = ?3))",
		err);
	if (s == NULL)
		return -1;
	bind_item(s, item);
	sqlite3_bind_int64(s, 4, now);
	if (store_step_done(st, s, err, "cancelling a meeting") == -1)
		return -1;
	return store_items_removed(st, item->account, item->container, &item->item_ref, 1, now, &n,
				   err);
}

int store_each_item_with_prefix(struct store *st, const char *account, const char *container,
				const char *prefix, int (*fn)(const char *item_ref, void *arg),
				void *arg, struct err *err)
{
	return each_text(st,
			 "SELECT item_ref FROM item_outcomes WHERE account = ?1 AND container = ?2 "
			 "AND removed_at IS NULL AND substr(item_ref, 1, length(?3)) = ?3",
			 account, container, prefix, fn, arg, err);
}

/* ---- calendar objects ------------------------------------------------------- */

int store_calendar_item_put(struct store *st, const char *account, const char *calendar,
			    const char *href, const char *etag, const char *uid, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st,
				     "INSERT OR REPLACE INTO calendar_items (account, calendar, "
				     "href, etag, uid) VALUES (?1, ?2, ?3, ?4, ?5)",
				     err);

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, account);
	store_bind_text(s, 2, calendar);
	store_bind_text(s, 3, href);
	store_bind_text(s, 4, etag);
	store_bind_text(s, 5, uid);
	return store_step_done(st, s, err, "storing a calendar object");
}

int store_calendar_item_delete(struct store *st, const char *account, const char *calendar,
			       const char *href, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st,
				     "DELETE FROM calendar_items WHERE account = ?1 AND "
				     "calendar = ?2 AND href = ?3",
				     err);

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, account);
	store_bind_text(s, 2, calendar);
	store_bind_text(s, 3, href);
	return store_step_done(st, s, err, "deleting a calendar object");
}

int store_each_calendar_item(struct store *st, const char *account, const char *calendar,
			     int (*fn)(const char *href, const char *etag, void *arg), void *arg,
			     struct err *err)
{
	sqlite3_stmt *s = store_stmt(st,
				     "SELECT href, etag FROM calendar_items WHERE account = ?1 AND "
				     "calendar = ?2 ORDER BY href",
				     err);
	int rc;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, account);
	store_bind_text(s, 2, calendar);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(s, 0),
		       (const char *)sqlite3_column_text(s, 1), arg) == -1)
			break;
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ?
		       0 :
		       store_fail(st, err, "reading calendar objects");
}

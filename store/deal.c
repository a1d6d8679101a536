/* store/deal.c - what the deal rules read and write (docs/matching.md
 * "Deals"), rematch's view of stored participants, contacts created from
 * mail, and the database's own settings.
 */
#include "store/internal.h"
#include "core/err.h"
#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* ---- the deal directory --------------------------------------------------- */

int store_each_deal(struct store *st,
		    int (*fn)(const char *key, int64_t id, const char *status, void *arg),
		    void *arg, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT key, id, status FROM deals", err);
	int rc;

	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1),
		       (const char *)sqlite3_column_text(s, 2), arg) == -1)
			break;
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_fail(st, err, "reading deals");
}

static int each_pair(struct store *st, const char *sql,
		     int (*fn)(int64_t deal, int64_t other, void *arg), void *arg, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (fn(sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), arg) == -1)
			break;
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_fail(st, err, "reading deals");
}

int store_each_open_deal_contact(struct store *st,
				 int (*fn)(int64_t deal, int64_t other, void *arg), void *arg,
				 struct err *err)
{
	return each_pair(st,
			 "SELECT dc.deal_id, dc.contact_id FROM deal_contacts dc JOIN deals d "
			 "ON d.id = dc.deal_id WHERE d.status = 'open'",
			 fn, arg, err);
}

int store_each_open_deal_company(struct store *st,
				 int (*fn)(int64_t deal, int64_t other, void *arg), void *arg,
				 struct err *err)
{
	return each_pair(st,
			 "SELECT id, company_id FROM deals WHERE status = 'open' AND "
			 "company_id IS NOT NULL",
			 fn, arg, err);
}

int store_meta_get(struct store *st, const char *key, char **value_out, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT value FROM meta WHERE key = ?1", err);
	int rc;

	*value_out = NULL;
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*value_out = store_col_strdup(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(st, err, "reading settings");
}

int store_meta_put(struct store *st, const char *key, const char *value, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st,
				     "INSERT INTO meta (key, value) VALUES (?1, ?2) "
				     "ON CONFLICT (key) DO UPDATE SET value = ?2",
				     err);

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, key);
	store_bind_text(s, 2, value);
	return store_step_done(st, s, err, "writing settings");
}

/* ---- threads ---------------------------------------------------------------- */

#define THREAD_COLS                                                                            \
	"SELECT a.id, a.occurred_at, a.source_key, a.deal_tag, a.deal_tag_from, l.target_id, " \
	"l.rule, d.status, l.evidence FROM activities a LEFT JOIN activity_links l ON "        \
	"l.activity_id = a.id AND l.type = 'deal' LEFT JOIN deals d ON d.id = l.target_id "

/* No LIMIT: with one, SQLite keeps the rows in a temporary b-tree it
 * creates and zeroes for every message logged; without, it sorts in
 * memory. The loop stops at THREAD_MAX_ROWS. */
static const char thread_by_key[] =
	THREAD_COLS "WHERE a.thread_key = ?1 ORDER BY a.occurred_at, a.source_key";
#define THREAD_MAX_ROWS 2000
static const char thread_by_id[] = THREAD_COLS "WHERE a.id = ?2";

static const char item_links[] = "SELECT type, target_id FROM activity_links WHERE "
				 "activity_id = ?1 AND +type IN ('contact', 'company') "
				 "ORDER BY type, target_id";

void store_thread_free(struct store_thread_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].source_key);
		free(items[i].deal_tag);
		free(items[i].deal_tag_from);
		free(items[i].deal_rule);
		free(items[i].deal_evidence);
		free(items[i].contacts);
		free(items[i].companies);
	}
	free(items);
}

static void push_id(int64_t **v, size_t *n, int64_t id)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = id;
}

static int thread_item_links(struct store *st, struct store_thread_item *it, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, item_links, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, it->activity_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(s, 0);
		if (strcmp(type, "contact") == 0)
			push_id(&it->contacts, &it->ncontacts, sqlite3_column_int64(s, 1));
		else
			push_id(&it->companies, &it->ncompanies, sqlite3_column_int64(s, 1));
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, err, "reading links");
}

int store_thread_load(struct store *st, const char *thread_key, int64_t activity_id,
		      struct store_thread_item **items_out, size_t *n_out, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, thread_key != NULL ? thread_by_key : thread_by_id, err);
	struct store_thread_item *v = NULL;
	size_t n = 0, rows = 0;
	int rc;

	*items_out = NULL;
	*n_out = 0;
	if (s == NULL)
		return -1;
	if (thread_key != NULL)
		store_bind_text(s, 1, thread_key);
	else
		sqlite3_bind_int64(s, 2, activity_id);
	while ((rc = rows++ < THREAD_MAX_ROWS ? sqlite3_step(s) : SQLITE_DONE) == SQLITE_ROW) {
		struct store_thread_item *it;
		int64_t id = sqlite3_column_int64(s, 0);
		/* One row per deal link: a second one (never written by us)
		 * is ignored. */
		if (n > 0 && v[n - 1].activity_id == id)
			continue;
		v = xreallocarray(v, n + 1, sizeof *v);
		it = &v[n++];
		memset(it, 0, sizeof *it);
		it->activity_id = id;
		it->occurred_at = sqlite3_column_int64(s, 1);
		it->source_key = store_col_strdup(s, 2);
		it->deal_tag = store_col_strdup(s, 3);
		it->deal_tag_from = store_col_strdup(s, 4);
		it->deal_id =
			sqlite3_column_type(s, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 5);
		it->deal_rule = store_col_strdup(s, 6);
		it->deal_evidence = store_col_strdup(s, 8);
		it->deal_open = sqlite3_column_type(s, 7) != SQLITE_NULL &&
				strcmp((const char *)sqlite3_column_text(s, 7), "open") == 0;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_thread_free(v, n);
		return store_fail(st, err, "reading a thread");
	}
	for (size_t i = 0; i < n; i++) {
		if (thread_item_links(st, &v[i], err) == -1) {
			store_thread_free(v, n);
			return -1;
		}
	}
	*items_out = v;
	*n_out = n;
	return 0;
}

int store_thread_has_others(struct store *st, const char *thread_key, int64_t activity_id,
			    struct err *err)
{
	sqlite3_stmt *s = store_stmt(st,
				     "SELECT 1 FROM activities WHERE thread_key = ?1 AND id <> ?2 "
				     "LIMIT 1",
				     err);
	int64_t one;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, thread_key);
	sqlite3_bind_int64(s, 2, activity_id);
	return store_query_i64(st, s, &one, err, "reading a thread");
}

/* ---- deal decisions ------------------------------------------------------ */

/* The activity's current deal state, to compare with a decision. */
struct deal_now {
	int64_t deal;
	char *rule, *evidence, *note;
	int ambiguous;
	int64_t *cands;
	size_t ncands;
};

static void deal_now_free(struct deal_now *d)
{
	free(d->rule);
	free(d->evidence);
	free(d->note);
	free(d->cands);
}

static int deal_now_load(struct store *st, int64_t activity, struct deal_now *d, struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	memset(d, 0, sizeof *d);
	d->deal = -1;
	if ((s = store_stmt(st,
			    "SELECT target_id, rule, evidence FROM activity_links WHERE "
			    "activity_id = ?1 AND type = 'deal'",
			    err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, activity);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		d->deal = sqlite3_column_int64(s, 0);
		d->rule = store_col_strdup(s, 1);
		d->evidence = store_col_strdup(s, 2);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(st, err, "reading a deal link");
	if ((s = store_stmt(st, "SELECT ambiguous, deal_note FROM activities WHERE id = ?1",
			    err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, activity);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		d->ambiguous = sqlite3_column_int(s, 0);
		d->note = store_col_strdup(s, 1);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(st, err, "reading an activity");
	if ((s = store_stmt(st,
			    "SELECT deal_id FROM deal_candidates WHERE activity_id = ?1 "
			    "ORDER BY deal_id",
			    err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, activity);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		push_id(&d->cands, &d->ncands, sqlite3_column_int64(s, 0));
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, err, "reading deal candidates");
}

static int same_text(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int deal_same(const struct deal_now *n, const struct store_deal_decision *d,
		     const int64_t *sorted)
{
	if (n->deal != d->deal_id || n->ambiguous != (d->ncandidates > 0) ||
	    n->ncands != d->ncandidates || !same_text(n->note, d->note))
		return 0;
	if (d->deal_id >= 0 &&
	    (!same_text(n->rule, d->rule) || !same_text(n->evidence, d->evidence)))
		return 0;
	return d->ncandidates == 0 ||
	       memcmp(n->cands, sorted, d->ncandidates * sizeof *sorted) == 0;
}

static int exec_id(struct store *st, const char *sql, int64_t id, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return store_step_done(st, s, err, "updating deal links");
}

static int deal_write(struct store *st, int64_t activity, const struct store_deal_decision *d,
		      const int64_t *sorted, int64_t now, struct err *err)
{
	sqlite3_stmt *s;

	if (exec_id(st, "DELETE FROM activity_links WHERE activity_id = ?1 AND type = 'deal'",
		    activity, err) == -1 ||
	    exec_id(st, "DELETE FROM deal_candidates WHERE activity_id = ?1", activity, err) == -1)
		return -1;
	if (d->deal_id >= 0) {
		if ((s = store_stmt(
			     st,
			     "INSERT INTO activity_links (activity_id, type, target_id, rule, "
			     "created_at, evidence) VALUES (?1, 'deal', ?2, ?3, ?4, ?5)",
			     err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, activity);
		sqlite3_bind_int64(s, 2, d->deal_id);
		store_bind_text(s, 3, d->rule);
		sqlite3_bind_int64(s, 4, now);
		store_bind_text(s, 5, d->evidence);
		if (store_step_done(st, s, err, "linking a deal") == -1 ||
		    store_rep_touch(st, activity, err) == -1)
			return -1;
	}
	for (size_t i = 0; i < d->ncandidates; i++) {
		if ((s = store_stmt(st,
				    "INSERT OR IGNORE INTO deal_candidates (activity_id, deal_id) "
				    "VALUES (?1, ?2)",
				    err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, activity);
		sqlite3_bind_int64(s, 2, sorted[i]);
		if (store_step_done(st, s, err, "recording deal candidates") == -1)
			return -1;
	}
	if ((s = store_stmt(st,
			    "UPDATE activities SET ambiguous = ?2, deal_note = ?3, updated_at = ?4 "
			    "WHERE id = ?1",
			    err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, activity);
	sqlite3_bind_int(s, 2, d->ncandidates > 0);
	store_bind_text(s, 3, d->note);
	sqlite3_bind_int64(s, 4, now);
	return store_step_done(st, s, err, "updating an activity");
}

int store_activity_set_deal(struct store *st, int64_t activity, const struct store_deal_decision *d,
			    int64_t now, int *changed_out, struct err *err)
{
	struct deal_now cur;
	int64_t *sorted = NULL;
	int rc = 0;

	*changed_out = 0;
	if (deal_now_load(st, activity, &cur, err) == -1) {
		deal_now_free(&cur);
		return -1;
	}
	if (d->ncandidates > 0) {
		sorted = xreallocarray(NULL, d->ncandidates, sizeof *sorted);
		memcpy(sorted, d->candidates, d->ncandidates * sizeof *sorted);
		qsort(sorted, d->ncandidates, sizeof *sorted, cmp_id);
	}
	if (!deal_same(&cur, d, sorted)) {
		rc = deal_write(st, activity, d, sorted, now, err);
		*changed_out = rc == 0;
	}
	free(sorted);
	deal_now_free(&cur);
	return rc;
}

int store_link_manual(struct store *st, int64_t activity, const char *deal_key, int64_t now,
		      char **thread_key_out, struct err *err)
{
	sqlite3_stmt *s;
	struct store_deal_decision d = {.rule = "manual"};
	int64_t deal;
	int found, changed, rc;

	*thread_key_out = NULL;
	if ((s = store_stmt(st, "SELECT id FROM deals WHERE key = ?1", err)) == NULL)
		return -1;
	store_bind_text(s, 1, deal_key);
	if ((found = store_query_i64(st, s, &deal, err, "looking up a deal")) <= 0)
		return found < 0 ? -1 : err_set(err, ERR_USAGE, "no deal %s", deal_key);
	if ((s = store_stmt(st, "SELECT thread_key FROM activities WHERE id = ?1", err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, activity);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*thread_key_out = store_col_strdup(s, 0);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return err_set(err, ERR_USAGE, "no activity %lld", (long long)activity);
	if (rc != SQLITE_ROW)
		return store_fail(st, err, "looking up an activity");
	d.deal_id = deal;
	d.evidence = "crmsync link";
	return store_activity_set_deal(st, activity, &d, now, &changed, err);
}

/* ---- rematch ------------------------------------------------------------- */

int store_activity_ids(struct store *st, int64_t since, int64_t **ids_out, size_t *n_out,
		       struct err *err)
{
	sqlite3_stmt *s =
		store_stmt(st,
			   "SELECT id FROM activities WHERE ?1 IS NULL OR occurred_at >= ?1 "
			   "ORDER BY occurred_at, id",
			   err);
	int rc;

	*ids_out = NULL;
	*n_out = 0;
	if (s == NULL)
		return -1;
	store_bind_time(s, 1, since);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		push_id(ids_out, n_out, sqlite3_column_int64(s, 0));
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return 0;
	free(*ids_out);
	*ids_out = NULL;
	*n_out = 0;
	return store_fail(st, err, "reading activities");
}

void store_participants_free(struct store_stored_participant *parts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(parts[i].addr_key);
	free(parts);
}

int store_participants_load(struct store *st, int64_t activity,
			    struct store_stored_participant **parts_out, size_t *n_out,
			    char **thread_key_out, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st,
				     "SELECT id, addr_key, external, contact_id FROM participants "
				     "WHERE activity_id = ?1 ORDER BY id",
				     err);
	struct store_stored_participant *v = NULL;
	size_t n = 0;
	int rc;

	*parts_out = NULL;
	*n_out = 0;
	*thread_key_out = NULL;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, activity);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n].id = sqlite3_column_int64(s, 0);
		v[n].addr_key = store_col_strdup(s, 1);
		v[n].external = sqlite3_column_int(s, 2);
		v[n].contact_id =
			sqlite3_column_type(s, 3) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 3);
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_participants_free(v, n);
		return store_fail(st, err, "reading participants");
	}
	if ((s = store_stmt(st, "SELECT thread_key FROM activities WHERE id = ?1", err)) == NULL) {
		store_participants_free(v, n);
		return -1;
	}
	sqlite3_bind_int64(s, 1, activity);
	if (sqlite3_step(s) == SQLITE_ROW)
		*thread_key_out = store_col_strdup(s, 0);
	sqlite3_reset(s);
	*parts_out = v;
	*n_out = n;
	return 0;
}

/* *same = 1 when the activity's contact and company links are exactly `links`
 * (type, target and rule), 0 otherwise. */
static int rule_links_same(struct store *st, int64_t activity, const struct store_new_link *links,
			   size_t nlinks, int *same, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st,
				     "SELECT type, target_id, rule FROM activity_links WHERE "
				     "activity_id = ?1 AND type IN ('contact', 'company')",
				     err);
	size_t n = 0;
	int rc;

	*same = 1;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, activity);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(s, 0);
		const char *rule = (const char *)sqlite3_column_text(s, 2);
		int64_t id = sqlite3_column_int64(s, 1);
		int found = 0;
		n++;
		for (size_t i = 0; i < nlinks && !found; i++)
			found = strcmp(links[i].type, type) == 0 && links[i].target_id == id &&
				strcmp(links[i].rule, rule) == 0;
		if (!found)
			*same = 0;
	}
	sqlite3_reset(s);
	if (n != nlinks)
		*same = 0;
	return rc == SQLITE_DONE ? 0 : store_fail(st, err, "reading links");
}

int store_activity_relink(struct store *st, int64_t activity,
			  const struct store_stored_participant *parts, size_t nparts,
			  const struct store_new_link *links, size_t nlinks, int64_t now,
			  int *changed_out, struct err *err)
{
	sqlite3_stmt *s;
	int same;

	*changed_out = 0;
	for (size_t i = 0; i < nparts; i++) {
		if ((s = store_stmt(st,
				    "UPDATE participants SET contact_id = ?2 WHERE id = ?1 AND "
				    "contact_id IS NOT ?2",
				    err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, parts[i].id);
		if (parts[i].contact_id >= 0)
			sqlite3_bind_int64(s, 2, parts[i].contact_id);
		if (store_step_done(st, s, err, "updating a participant") == -1)
			return -1;
		*changed_out |= sqlite3_changes(st->db) > 0;
	}
	if (rule_links_same(st, activity, links, nlinks, &same, err) == -1)
		return -1;
	if (same)
		return 0;
	*changed_out = 1;
	if (exec_id(st,
		    "DELETE FROM activity_links WHERE activity_id = ?1 AND type IN "
		    "('contact', 'company')",
		    activity, err) == -1)
		return -1;
	for (size_t i = 0; i < nlinks; i++) {
		if ((s = store_stmt(
			     st,
			     "INSERT OR IGNORE INTO activity_links (activity_id, type, "
			     "target_id, rule, created_at, evidence) VALUES (?1, ?2, ?3, ?4, "
			     "?5, ?6)",
			     err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, activity);
		store_bind_text(s, 2, links[i].type);
		sqlite3_bind_int64(s, 3, links[i].target_id);
		store_bind_text(s, 4, links[i].rule);
		sqlite3_bind_int64(s, 5, now);
		store_bind_text(s, 6, links[i].evidence);
		if (store_step_done(st, s, err, "adding a link") == -1)
			return -1;
	}
	return store_rep_touch(st, activity, err);
}

/* ---- contacts from mail -------------------------------------------------- */

int store_contact_autocreate(struct store *st, const struct store_auto_contact *c, int64_t now,
			     int64_t *id_out, struct err *err)
{
	sqlite3_stmt *s;
	int found;

	if ((s = store_stmt(st, "SELECT contact_id FROM contact_emails WHERE address = ?1", err)) ==
	    NULL)
		return -1;
	store_bind_text(s, 1, c->email);
	if ((found = store_query_i64(st, s, id_out, err, "looking up a contact")) != 0)
		return found < 0 ? -1 : 0;
	if ((s = store_stmt(
		     st,
		     "INSERT INTO contacts (email, name, company_id, lead_source, created_at, "
		     "updated_at, created_by) VALUES (?1, ?2, ?3, 'email', ?4, ?5, ?6)",
		     err)) == NULL)
		return -1;
	store_bind_text(s, 1, c->email);
	store_bind_text(s, 2, c->name);
	if (c->company_id >= 0)
		sqlite3_bind_int64(s, 3, c->company_id);
	sqlite3_bind_int64(s, 4, c->created_at);
	sqlite3_bind_int64(s, 5, now);
	store_bind_text(s, 6, c->created_by);
	if (store_step_done(st, s, err, "creating a contact") == -1)
		return -1;
	*id_out = sqlite3_last_insert_rowid(st->db);
	if ((s = store_stmt(st,
			    "INSERT INTO contact_emails (address, contact_id, written) "
			    "VALUES (?1, ?2, ?3)",
			    err)) == NULL)
		return -1;
	store_bind_text(s, 1, c->email);
	sqlite3_bind_int64(s, 2, *id_out);
	store_bind_text(s, 3, c->email_written);
	return store_step_done(st, s, err, "creating a contact");
}

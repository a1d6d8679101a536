/* store/status.c - what `crmsync status` reads (store.h "status"): the
 * newest run of an account, its first and last success, the newest item
 * it logged, its failures and parse errors, and the sync state of its
 * folders and calendars. Nothing here writes.
 *
 * The queries walk sync_runs by its (account, started_at) index and
 * parse_errors by its (account, ...) key; none reads all of item_outcomes.
 */
#include "store/internal.h"
#include "core/err.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Resets s after its last step `rc`: 0, or -1 with err set when that
 * step failed. */
static int status_done(struct store *st, sqlite3_stmt *s, int rc, struct err *err, const char *what)
{
	int ok = rc == SQLITE_ROW || rc == SQLITE_DONE;

	if (!ok)
		store_fail(st, err, what);
	sqlite3_reset(s);
	return ok ? 0 : -1;
}

/* The runs of an account (?1) of kind ?3, and those recorded before kinds
 * were (kind NULL). */
#define RUNS_OF "account = ?1 AND (kind = ?3 OR kind IS NULL)"

/* One-integer facts of store_status: the query (?1 the account, ?2 the
 * `since` time, ?3 the kind), the field, and its value when no row or NULL
 * comes back. */
static const struct {
	const char *sql;
	size_t off;
	int64_t none;
} status_facts[] = {
	{"SELECT finished_at FROM sync_runs WHERE " RUNS_OF " AND outcome = 'ok' AND "
	 "finished_at IS NOT NULL ORDER BY started_at, id LIMIT 1",
	 offsetof(struct store_status, first_success_at), STORE_NO_TIME},
	{"SELECT finished_at FROM sync_runs WHERE " RUNS_OF " AND outcome = 'ok' AND "
	 "finished_at IS NOT NULL ORDER BY started_at DESC, id DESC LIMIT 1",
	 offsetof(struct store_status, last_success_at), STORE_NO_TIME},
	/* A run records its items with its own clock, so the newest item
	 * logged is the start of the newest run that logged one. Reading
	 * sync_runs costs a few rows where item_outcomes has no index to find
	 * its newest; only a run that never finished (its count unrecorded)
	 * is looked up there. */
	{"SELECT started_at FROM sync_runs r WHERE " RUNS_OF " AND (logged > 0 OR "
	 "(finished_at IS NULL AND EXISTS (SELECT 1 FROM item_outcomes o WHERE "
	 "o.account = r.account AND o.outcome = 'logged' AND o.decided_at = r.started_at))) "
	 "ORDER BY started_at DESC, id DESC LIMIT 1",
	 offsetof(struct store_status, last_item_at), STORE_NO_TIME},
	{"SELECT count(*) FROM parse_errors WHERE account = ?1 AND resolved_at IS NULL",
	 offsetof(struct store_status, parse_errors), 0},
	{"SELECT sum(errors) FROM sync_runs WHERE " RUNS_OF " AND started_at >= ?2",
	 offsetof(struct store_status, errors_since), 0},
};

static int status_fact(struct store *st, size_t i, const char *account, const char *kind,
		       int64_t since, struct store_status *out, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, status_facts[i].sql, err);
	int64_t *field = (int64_t *)(void *)((char *)out + status_facts[i].off);
	int rc;

	*field = status_facts[i].none;
	if (s == NULL)
		return -1;
	/* A parameter a query lacks is not bound (SQLITE_RANGE, no harm). */
	store_bind_text(s, 1, account);
	sqlite3_bind_int64(s, 2, since);
	store_bind_text(s, 3, kind);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		*field = sqlite3_column_int64(s, 0);
	return status_done(st, s, rc, err, "reading the status");
}

static int64_t col_or(sqlite3_stmt *s, int col, int64_t none)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL ? none : sqlite3_column_int64(s, col);
}

static int status_last_run(struct store *st, const char *account, const char *kind,
			   struct store_status *out, struct err *err)
{
	sqlite3_stmt *s = store_stmt(
		st,
		"SELECT id, started_at, finished_at, outcome, error_class, error_text, fetched, "
		"logged, skipped, errors FROM sync_runs WHERE account = ?1 AND (kind = ?2 OR kind "
		"IS NULL) ORDER BY started_at DESC, id DESC LIMIT 1",
		err);
	int rc;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, account);
	store_bind_text(s, 2, kind);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->run_id = sqlite3_column_int64(s, 0);
		out->started_at = sqlite3_column_int64(s, 1);
		out->finished_at = col_or(s, 2, STORE_NO_TIME);
		out->outcome = store_col_strdup(s, 3);
		out->error_class = store_col_strdup(s, 4);
		out->error_text = store_col_strdup(s, 5);
		out->fetched = sqlite3_column_int64(s, 6);
		out->logged = sqlite3_column_int64(s, 7);
		out->skipped = sqlite3_column_int64(s, 8);
		out->errors = sqlite3_column_int64(s, 9);
	}
	return status_done(st, s, rc, err, "reading the last run");
}

int store_status_get(struct store *st, const char *account, const char *kind, int64_t since,
		     struct store_status *out, struct err *err)
{
	memset(out, 0, sizeof *out);
	out->run_id = -1;
	out->started_at = out->finished_at = STORE_NO_TIME;
	if (status_last_run(st, account, kind, out, err) == -1)
		return -1;
	for (size_t i = 0; i < sizeof status_facts / sizeof status_facts[0]; i++)
		if (status_fact(st, i, account, kind, since, out, err) == -1)
			return -1;
	return 0;
}

void store_status_release(struct store_status *s)
{
	free(s->outcome);
	free(s->error_class);
	free(s->error_text);
	s->outcome = s->error_class = s->error_text = NULL;
}

int store_status_accounts(struct store *st,
			  int (*fn)(const char *account, const char *kind, void *arg), void *arg,
			  struct err *err)
{
	sqlite3_stmt *s = store_stmt(
		st, "SELECT DISTINCT account, kind FROM sync_runs ORDER BY account, kind", err);
	int rc;

	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(s, 0),
		       (const char *)sqlite3_column_text(s, 1), arg) == -1)
			break;
	return status_done(st, s, rc, err, "reading the accounts of sync_runs");
}

int store_status_run_skips(struct store *st, int64_t run_id,
			   int (*fn)(const char *reason, int64_t n, void *arg), void *arg,
			   struct err *err)
{
	sqlite3_stmt *s = store_stmt(st,
				     "SELECT reason, count FROM sync_run_skips WHERE run_id = ?1 "
				     "AND count > 0 ORDER BY reason",
				     err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, run_id);
	return store_each_text_count(st, s, fn, arg, err, "reading the skips of a run");
}

int store_status_failures(struct store *st, const char *account, const char *kind, int64_t since,
			  int (*fn)(const char *error_class, const char *error_text, void *arg),
			  void *arg, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st,
				     "SELECT error_class, error_text FROM sync_runs WHERE " RUNS_OF
				     " AND started_at >= ?2 AND outcome = 'failed' "
				     "ORDER BY started_at, id",
				     err);
	int rc;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, account);
	sqlite3_bind_int64(s, 2, since);
	store_bind_text(s, 3, kind);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(s, 0),
		       (const char *)sqlite3_column_text(s, 1), arg) == -1)
			break;
	return status_done(st, s, rc, err, "reading failed runs");
}

int store_status_each_state(struct store *st, const char *account, const char *kind,
			    int (*fn)(const struct store_status_state *s, void *arg), void *arg,
			    struct err *err)
{
	sqlite3_stmt *s = store_stmt(
		st,
		"SELECT container, uidvalidity, uidnext, last_uid, messages, highestmodseq, resets, "
		"sync_token, ctag, last_full_scan, updated_at FROM sync_state WHERE account = ?1 "
		"AND (kind = ?2 OR ?2 IS NULL) AND container <> '' ORDER BY container",
		err);
	struct store_status_state v;
	int rc;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, account);
	store_bind_text(s, 2, kind);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		v.container = (const char *)sqlite3_column_text(s, 0);
		v.uidvalidity = col_or(s, 1, -1);
		v.uidnext = col_or(s, 2, -1);
		v.last_uid = col_or(s, 3, -1);
		v.messages = col_or(s, 4, -1);
		v.highestmodseq = col_or(s, 5, -1);
		v.resets = col_or(s, 6, 0);
		v.sync_token = (const char *)sqlite3_column_text(s, 7);
		v.ctag = (const char *)sqlite3_column_text(s, 8);
		v.last_full_scan = col_or(s, 9, STORE_NO_TIME);
		v.updated_at = col_or(s, 10, STORE_NO_TIME);
		if (fn(&v, arg) == -1)
			break;
	}
	return status_done(st, s, rc, err, "reading sync state");
}

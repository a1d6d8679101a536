/* store/rep_activity.c - the SQL behind SPEC §6 "activity".
 *
 * The periods go into a temporary table (index, start, end), and each
 * measure is a join of that table with activities on occurred_at, the
 * periods driving the loop (CROSS JOIN) so every period is a range scan of
 * activities_occurred. Two statements do the work: one collects the
 * counted (user, period, activity) triples once, materialised, and derives
 * the counts and the distinct contacts and deals from them; the other
 * pairs each inbound mail from a contact with the first reply of each
 * addressed team member and ranks the delays with window functions. Only
 * grouped figures come back to C.
 *
 * Nothing here writes to the database itself: the temporary table lives in
 * the connection's temp schema, which a read-only connection may write.
 */
#include "store/internal.h"
#include "core/err.h"
#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

static const char sql_periods_create[] =
	"CREATE TEMP TABLE IF NOT EXISTS rep_act_periods ("
	"  idx INTEGER PRIMARY KEY, t0 INTEGER NOT NULL, t1 INTEGER NOT NULL)";
static const char sql_periods_clear[] = "DELETE FROM temp.rep_act_periods";
static const char sql_periods_add[] =
	"INSERT INTO temp.rep_act_periods (idx, t0, t1) VALUES (?1, ?2, ?3)";

static const char sql_user_one[] = "SELECT u.id, u.email FROM user_emails e JOIN users u "
				   "ON u.id = e.user_id WHERE e.address = ?1";
static const char sql_user_all[] = "SELECT id, email FROM users ORDER BY email";

/* The activities of the periods, oldest period first. */
#define PERIOD_SCAN                                                                           \
	"FROM temp.rep_act_periods p CROSS JOIN activities a INDEXED BY activities_occurred " \
	"ON a.occurred_at >= p.t0 AND a.occurred_at < p.t1 "

/* What counts for whom (SPEC §6 counting rules): `what` is 0 sent (From
 * is the user), 1 received (an inbound mail addressed To/Cc to the user),
 * 2 a held meeting the user owns (with its length in seconds), 3 a call
 * the user owns. Result rows: kind 0 counts per user and period, kind 1
 * distinct contacts and deals per user and period, kind 2 distinct
 * contacts and deals over everything. */
static const char sql_counts[] =
	"WITH c(u, pidx, aid, what, secs) AS MATERIALIZED ("
	"  SELECT e.user_id, p.idx, a.id, pt.role <> 'from', 0 " PERIOD_SCAN
	"  JOIN participants pt ON pt.activity_id = a.id"
	"  JOIN user_emails e ON e.address = pt.addr_key"
	"  WHERE a.kind = 'email' AND (pt.role = 'from' OR"
	"    (a.direction = 'inbound' AND pt.role IN ('to', 'cc')))"
	"    AND (?1 IS NULL OR e.user_id = ?1)"
	"  UNION ALL"
	"  SELECT o.user_id, p.idx, a.id, CASE a.kind WHEN 'call' THEN 3 ELSE 2 END,"
	"    CASE a.kind WHEN 'call' THEN 0 ELSE"
	"      max(coalesce(a.ended_at, a.occurred_at) - a.occurred_at, 0) END " PERIOD_SCAN
	"  JOIN activity_owners o ON o.activity_id = a.id"
	"  WHERE (a.kind = 'call' OR (a.kind = 'meeting' AND a.status = 'held'))"
	"    AND (?1 IS NULL OR o.user_id = ?1)"
	"), t(u, pidx, contact, deal) AS ("
	"  SELECT c.u, c.pidx, CASE l.type WHEN 'contact' THEN l.target_id END,"
	"    CASE l.type WHEN 'deal' THEN l.target_id END"
	"  FROM c JOIN activity_links l ON l.activity_id = c.aid"
	"  WHERE l.type IN ('contact', 'deal'))"
	"SELECT 0, u, pidx, count(DISTINCT CASE what WHEN 0 THEN aid END),"
	"  count(DISTINCT CASE what WHEN 1 THEN aid END), sum(what = 2),"
	"  total(secs), sum(what = 3) FROM c GROUP BY u, pidx "
	"UNION ALL "
	"SELECT 1, u, pidx, count(DISTINCT contact), count(DISTINCT deal), 0, 0, 0"
	"  FROM t GROUP BY u, pidx "
	"UNION ALL "
	"SELECT 2, NULL, NULL, count(DISTINCT contact), count(DISTINCT deal), 0, 0, 0 FROM t";

/* First response (SPEC §6): for each inbound mail whose From is a contact,
 * each team member it was addressed to (To/Cc), the delay until that
 * member's first later outbound mail in the same thread. Unanswered mail
 * gives no sample. Ranks are nearest-rank: median ceil(n/2), p90
 * ceil(9n/10). Rows: user (NULL: all), period, n, median, p90. */
static const char sql_responses[] =
	"WITH inb(u, pidx, t, th, aid) AS ("
	"  SELECT DISTINCT e.user_id, p.idx, a.occurred_at, a.thread_key, a.id " PERIOD_SCAN
	"  JOIN participants pt ON pt.activity_id = a.id AND pt.role IN ('to', 'cc')"
	"  JOIN user_emails e ON e.address = pt.addr_key"
	"  WHERE a.kind = 'email' AND a.direction = 'inbound' AND a.thread_key IS NOT NULL"
	"    AND (?1 IS NULL OR e.user_id = ?1)"
	"    AND EXISTS (SELECT 1 FROM participants f WHERE f.activity_id = a.id"
	"      AND f.role = 'from' AND f.contact_id IS NOT NULL)"
	"), s(u, pidx, secs) AS MATERIALIZED ("
	"  SELECT * FROM (SELECT u, pidx, (SELECT min(r.occurred_at) FROM activities r"
	"    JOIN participants rf ON rf.activity_id = r.id AND rf.role = 'from'"
	"    JOIN user_emails re ON re.address = rf.addr_key"
	"    WHERE r.thread_key = inb.th AND r.occurred_at > inb.t AND r.kind = 'email'"
	"      AND r.direction = 'outbound' AND re.user_id = inb.u) - t AS secs FROM inb)"
	"  WHERE secs IS NOT NULL"
	"), k(u, pidx, secs, rn, n) AS ("
	"  SELECT u, pidx, secs, row_number() OVER (PARTITION BY u, pidx ORDER BY secs),"
	"    count(*) OVER (PARTITION BY u, pidx) FROM s"
	"  UNION ALL"
	"  SELECT NULL, NULL, secs, row_number() OVER (ORDER BY secs), count(*) OVER () FROM s)"
	"SELECT u, pidx, n, max(CASE WHEN rn = (n + 1) / 2 THEN secs END),"
	"  max(CASE WHEN rn = (9 * n + 9) / 10 THEN secs END) FROM k GROUP BY u, pidx";

/* Open deals with no deal-linked activity in [?3, ?2), and the latest
 * one before ?2 of each. The deals active in the window are found from the
 * window's activities (a range scan), so only the stale deals' histories
 * are read. */
static const char sql_stale[] =
	"WITH recent(deal) AS MATERIALIZED ("
	"  SELECT DISTINCT l.target_id FROM activities a INDEXED BY activities_occurred"
	"  JOIN activity_links l ON l.activity_id = a.id AND l.type = 'deal'"
	"  WHERE a.occurred_at >= ?3 AND a.occurred_at < ?2"
	"), stale(key, name, owner, last) AS MATERIALIZED ("
	"  SELECT d.key, d.name, u.email, (SELECT max(a.occurred_at)"
	"    FROM activity_links l JOIN activities a ON a.id = l.activity_id"
	"    WHERE l.type = 'deal' AND l.target_id = d.id AND a.occurred_at < ?2)"
	"  FROM deals d LEFT JOIN users u ON u.id = d.owner_id"
	"  WHERE d.status = 'open' AND d.id NOT IN recent AND (?1 IS NULL OR d.owner_id ="
	"    (SELECT user_id FROM user_emails WHERE address = ?1)))"
	"SELECT key, name, owner, last FROM stale ORDER BY last IS NOT NULL, last, key";

void store_act_report_release(struct store_act_report *r)
{
	for (size_t i = 0; i < r->nusers; i++)
		free(r->users[i]);
	free(r->users);
	free(r->cells);
	memset(r, 0, sizeof *r);
}

static int load_users(struct store *st, const char *user, struct store_act_report *r,
		      int64_t **ids_out, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, user != NULL ? sql_user_one : sql_user_all, err);
	int rc;

	if (s == NULL)
		return -1;
	if (user != NULL)
		store_bind_text(s, 1, user);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*ids_out = xreallocarray(*ids_out, r->nusers + 1, sizeof **ids_out);
		r->users = xreallocarray(r->users, r->nusers + 1, sizeof *r->users);
		(*ids_out)[r->nusers] = sqlite3_column_int64(s, 0);
		r->users[r->nusers++] = store_col_strdup(s, 1);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "reading users");
	if (user != NULL && r->nusers == 0)
		return err_set(err, ERR_USAGE, "no team member has the address '%s'", user);
	return 0;
}

static int load_periods(struct store *st, const int64_t *bounds, size_t n, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql_periods_create, err)) == NULL ||
	    store_step_done(st, s, err, "creating the report's periods") == -1)
		return -1;
	if ((s = store_stmt(st, sql_periods_clear, err)) == NULL ||
	    store_step_done(st, s, err, "clearing the report's periods") == -1)
		return -1;
	for (size_t k = 0; k < n; k++) {
		if ((s = store_stmt(st, sql_periods_add, err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, (int64_t)k);
		sqlite3_bind_int64(s, 2, bounds[k]);
		sqlite3_bind_int64(s, 3, bounds[k + 1]);
		if (store_step_done(st, s, err, "storing the report's periods") == -1)
			return -1;
	}
	return 0;
}

/* The cell of a result row, or NULL for the totals (user NULL) and for
 * rows of no listed user. */
static struct store_act_figures *cell_of(struct store_act_report *r, const int64_t *ids,
					 sqlite3_stmt *s, int ucol, int *totals_out)
{
	int64_t id, k;

	*totals_out = sqlite3_column_type(s, ucol) == SQLITE_NULL;
	if (*totals_out)
		return NULL;
	id = sqlite3_column_int64(s, ucol);
	k = sqlite3_column_int64(s, ucol + 1);
	if (k < 0 || (size_t)k >= r->nperiods)
		return NULL;
	for (size_t i = 0; i < r->nusers; i++)
		if (ids[i] == id)
			return &r->cells[i * r->nperiods + (size_t)k];
	return NULL;
}

static void add_counts(struct store_act_report *r, const int64_t *ids, sqlite3_stmt *s)
{
	int kind = sqlite3_column_int(s, 0), totals;
	struct store_act_figures *f = cell_of(r, ids, s, 1, &totals);

	if (totals) {
		r->totals.contacts_touched = sqlite3_column_int64(s, 3);
		r->totals.deals_touched = sqlite3_column_int64(s, 4);
		return;
	}
	if (f == NULL)
		return;
	if (kind == 1) {
		f->contacts_touched = sqlite3_column_int64(s, 3);
		f->deals_touched = sqlite3_column_int64(s, 4);
		return;
	}
	f->emails_sent = sqlite3_column_int64(s, 3);
	f->emails_received = sqlite3_column_int64(s, 4);
	f->meetings_held = sqlite3_column_int64(s, 5);
	f->meeting_hours = sqlite3_column_double(s, 6) / 3600.0;
	f->calls = sqlite3_column_int64(s, 7);
	r->totals.emails_sent += f->emails_sent;
	r->totals.emails_received += f->emails_received;
	r->totals.meetings_held += f->meetings_held;
	r->totals.meeting_hours += f->meeting_hours;
	r->totals.calls += f->calls;
}

static void add_responses(struct store_act_report *r, const int64_t *ids, sqlite3_stmt *s)
{
	int totals;
	struct store_act_figures *f = cell_of(r, ids, s, 0, &totals);

	if (totals)
		f = &r->totals;
	if (f == NULL)
		return;
	f->responses = sqlite3_column_int64(s, 2);
	f->response_median_s = sqlite3_column_int64(s, 3);
	f->response_p90_s = sqlite3_column_int64(s, 4);
}

static int run_grouped(struct store *st, const char *sql, int64_t user_id,
		       void (*add)(struct store_act_report *, const int64_t *, sqlite3_stmt *),
		       struct store_act_report *r, const int64_t *ids, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	if (user_id != -1)
		sqlite3_bind_int64(s, 1, user_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		add(r, ids, s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, err, "aggregating activities");
}

int store_act_report(struct store *st, const char *user, const int64_t *bounds, size_t nperiods,
		     struct store_act_report *out, struct err *err)
{
	int64_t *ids = NULL, user_id;
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (load_users(st, user, out, &ids, err) == -1 ||
	    load_periods(st, bounds, nperiods, err) == -1)
		goto out;
	out->nperiods = nperiods;
	out->cells = xcalloc(out->nusers * nperiods + 1, sizeof *out->cells);
	user_id = user != NULL ? ids[0] : -1;
	if (run_grouped(st, sql_counts, user_id, add_counts, out, ids, err) == -1 ||
	    run_grouped(st, sql_responses, user_id, add_responses, out, ids, err) == -1)
		goto out;
	rc = 0;
out:
	free(ids);
	if (rc == -1)
		store_act_report_release(out);
	return rc;
}

int store_act_stale_deals(struct store *st, const char *user, int64_t asof, int64_t cutoff,
			  int (*fn)(const struct store_stale_deal *sd, void *arg), void *arg,
			  struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, sql_stale, err);
	struct store_stale_deal sd;
	int rc;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, user);
	sqlite3_bind_int64(s, 2, asof);
	sqlite3_bind_int64(s, 3, cutoff);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		sd.key = (const char *)sqlite3_column_text(s, 0);
		sd.name = (const char *)sqlite3_column_text(s, 1);
		sd.owner = (const char *)sqlite3_column_text(s, 2);
		sd.last_activity = sqlite3_column_type(s, 3) == SQLITE_NULL ?
					   STORE_NO_TIME :
					   sqlite3_column_int64(s, 3);
		if (fn(&sd, arg) == -1)
			break;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 :
						       store_fail(st, err, "reading stale deals");
}

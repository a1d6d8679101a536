/* store/rep_activity.c - the reading behind SPEC §6 "activity".
 *
 * Who counts for whom is kept per activity in rep_facts and rep_touch by
 * the triggers of store/repfacts.h, keyed by time. A report is one range
 * scan of each table, in time order: the period only moves forward, so
 * the state held is one period's (the distinct contacts and deals of each
 * user, the first-response delays to rank) plus the distinct contacts and
 * deals of the whole range. Memory grows with users and contacts, never
 * with activities; a year of a million activities is read in about half a
 * second (BENCHMARKS.md).
 *
 * The stale deals are one SQL statement: the deals active in the window
 * come from a range scan of the window's activities, so only the quiet
 * deals' histories are read.
 *
 * store_rep_verify recomputes both tables from what is stored, for tests.
 */
#include "store/internal.h"
#include "store/repfacts.h"
#include "core/err.h"
#include "core/pairset.h"
#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

static const char sql_user_one[] = "SELECT u.id, u.email FROM user_emails e JOIN users u "
				   "ON u.id = e.user_id WHERE e.address = ?1";
static const char sql_user_all[] = "SELECT id, email FROM users ORDER BY email";

/* The facts and touches of [?1, ?2), of one user or all (?3 NULL), in time
 * order (store/repfacts.h; the order is the tables' key). */
static const char sql_facts[] =
	"SELECT occurred_at, user_id, what, secs, from_contact, reply_at FROM rep_facts "
	"WHERE occurred_at >= ?1 AND occurred_at < ?2 AND (?3 IS NULL OR user_id = ?3) "
	"ORDER BY occurred_at";
static const char sql_touches[] =
	"SELECT occurred_at, user_id, is_deal, target_id FROM rep_touch "
	"WHERE occurred_at >= ?1 AND occurred_at < ?2 AND (?3 IS NULL OR user_id = ?3) "
	"ORDER BY occurred_at";

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

#define ACT_DIRECT_IDS 65536

/* A team member's position in the report, by user id. */
struct act_user {
	int64_t id;
	size_t pos;
};

static int act_user_cmp(const void *a, const void *b)
{
	const struct act_user *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* First-response delays, in seconds. */
struct act_samples {
	int64_t *v;
	size_t n, cap;
};

static void samples_add(struct act_samples *s, int64_t v)
{
	if (s->n == s->cap) {
		s->cap = s->cap == 0 ? 16 : s->cap * 2;
		s->v = xreallocarray(s->v, s->cap, sizeof *s->v);
	}
	s->v[s->n++] = v;
}

static int i64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The nearest-rank median (rank ceil(n/2)) and p90 (rank ceil(9n/10)). */
static void samples_figures(struct act_samples *s, struct store_act_figures *f)
{
	f->responses = (int64_t)s->n;
	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof *s->v, i64_cmp);
	f->response_median_s = s->v[(s->n + 1) / 2 - 1];
	f->response_p90_s = s->v[(9 * s->n + 9) / 10 - 1];
}

/* One streaming pass: the rows come in time order, so the period only
 * moves forward and the state is that of one period at a time. */
struct act_scan {
	struct store_act_report *r;
	const int64_t *bounds;
	struct act_user *byid; /* sorted by id */
	size_t *pos_of;	       /* by id - 1 (ids up to ACT_DIRECT_IDS), else NULL */
	size_t npos_of;
	size_t k; /* the current period */
	struct act_samples *samples, all;
	struct pairset seen, seen_all;
};

/* Takes a user's responses of the current period into their cell and
 * into the range's samples. */
static void scan_responses(struct act_scan *sc, size_t pos)
{
	struct act_samples *s = &sc->samples[pos];

	samples_figures(s, &sc->r->cells[pos * sc->r->nperiods + sc->k]);
	for (size_t j = 0; j < s->n; j++)
		samples_add(&sc->all, s->v[j]);
	s->n = 0;
}

/* The cell of a row at time t of user_id (NULL: not a listed user), the
 * period moved forward to t's; *pos_out is the user's position. */
static struct store_act_figures *scan_cell(struct act_scan *sc, int64_t t, int64_t user_id,
					   size_t *pos_out)
{
	struct act_user key = {.id = user_id}, *u;

	while (sc->k + 1 < sc->r->nperiods && t >= sc->bounds[sc->k + 1]) {
		if (sc->samples != NULL)
			for (size_t i = 0; i < sc->r->nusers; i++)
				scan_responses(sc, i);
		pairset_clear(&sc->seen);
		sc->k++;
	}
	if (sc->pos_of != NULL) {
		if (user_id < 1 || (uint64_t)user_id > sc->npos_of ||
		    sc->pos_of[user_id - 1] == SIZE_MAX)
			return NULL;
		*pos_out = sc->pos_of[user_id - 1];
	} else {
		u = bsearch(&key, sc->byid, sc->r->nusers, sizeof *sc->byid, act_user_cmp);
		if (u == NULL)
			return NULL;
		*pos_out = u->pos;
	}
	return &sc->r->cells[*pos_out * sc->r->nperiods + sc->k];
}

static void scan_fact(struct act_scan *sc, sqlite3_stmt *s)
{
	int64_t t = sqlite3_column_int64(s, 0), user = sqlite3_column_int64(s, 1);
	size_t pos;
	struct store_act_figures *f = scan_cell(sc, t, user, &pos);

	if (f == NULL)
		return;
	switch (sqlite3_column_int(s, 2)) {
	case 0:
		f->emails_sent++;
		break;
	case 1:
		f->emails_received++;
		if (sqlite3_column_int(s, 4) && sqlite3_column_type(s, 5) != SQLITE_NULL)
			samples_add(&sc->samples[pos], sqlite3_column_int64(s, 5) - t);
		break;
	case 2:
		f->meetings_held++;
		f->meeting_hours += (double)sqlite3_column_int64(s, 3); /* seconds, for now */
		break;
	default:
		f->calls++;
		break;
	}
}

static void scan_touch(struct act_scan *sc, sqlite3_stmt *s)
{
	int64_t t = sqlite3_column_int64(s, 0), user = sqlite3_column_int64(s, 1);
	int64_t target = sqlite3_column_int64(s, 3);
	int is_deal = sqlite3_column_int(s, 2) != 0;
	size_t pos, cell;
	struct store_act_figures *f = scan_cell(sc, t, user, &pos);

	if (f == NULL)
		return;
	cell = (size_t)(f - sc->r->cells);
	/* Seen in the cell's period: then seen in the range too. */
	if (!pairset_add(&sc->seen, (int64_t)cell * 2 + is_deal, target))
		return;
	(*(is_deal ? &f->deals_touched : &f->contacts_touched))++;
	if (pairset_add(&sc->seen_all, is_deal, target))
		(*(is_deal ? &sc->r->totals.deals_touched : &sc->r->totals.contacts_touched))++;
}

static int scan_rows(struct store *st, const char *sql, int64_t user_id, struct act_scan *sc,
		     void (*row)(struct act_scan *, sqlite3_stmt *), struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, sc->bounds[0]);
	sqlite3_bind_int64(s, 2, sc->bounds[sc->r->nperiods]);
	if (user_id != -1)
		sqlite3_bind_int64(s, 3, user_id);
	sc->k = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		row(sc, s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, err, "reading the activity report's facts");
}

/* The figures of the facts scan, once it is over: the last period's
 * responses, hours from seconds, and the totals. */
static void scan_finish(struct act_scan *sc)
{
	struct store_act_report *r = sc->r;
	double secs = 0;

	for (size_t i = 0; i < r->nusers; i++) {
		scan_responses(sc, i);
		for (size_t k = 0; k < r->nperiods; k++) {
			struct store_act_figures *f = &r->cells[i * r->nperiods + k];
			r->totals.emails_sent += f->emails_sent;
			r->totals.emails_received += f->emails_received;
			r->totals.meetings_held += f->meetings_held;
			r->totals.calls += f->calls;
			secs += f->meeting_hours;
			f->meeting_hours /= 3600.0;
		}
	}
	r->totals.meeting_hours = secs / 3600.0;
}

int store_act_report(struct store *st, const char *user, const int64_t *bounds, size_t nperiods,
		     struct store_act_report *out, struct err *err)
{
	struct act_scan sc = {.r = out, .bounds = bounds};
	int64_t *ids = NULL, user_id;
	int rc = -1;

	memset(out, 0, sizeof *out);
	pairset_init(&sc.seen);
	pairset_init(&sc.seen_all);
	if (nperiods == 0)
		return err_set(err, ERR_USAGE, "the report has no period");
	if (load_users(st, user, out, &ids, err) == -1)
		goto out;
	out->nperiods = nperiods;
	out->cells = xcalloc(out->nusers * nperiods + 1, sizeof *out->cells);
	sc.byid = xcalloc(out->nusers + 1, sizeof *sc.byid);
	for (size_t i = 0; i < out->nusers; i++)
		sc.byid[i] = (struct act_user){.id = ids[i], .pos = i};
	qsort(sc.byid, out->nusers, sizeof *sc.byid, act_user_cmp);
	/* User ids are rowids, small in practice: index them directly. */
	if (out->nusers > 0 && sc.byid[0].id >= 1 &&
	    sc.byid[out->nusers - 1].id <= ACT_DIRECT_IDS) {
		sc.npos_of = (size_t)sc.byid[out->nusers - 1].id;
		sc.pos_of = xreallocarray(NULL, sc.npos_of, sizeof *sc.pos_of);
		for (size_t i = 0; i < sc.npos_of; i++)
			sc.pos_of[i] = SIZE_MAX;
		for (size_t i = 0; i < out->nusers; i++)
			sc.pos_of[sc.byid[i].id - 1] = sc.byid[i].pos;
	}
	sc.samples = xcalloc(out->nusers + 1, sizeof *sc.samples);
	user_id = user != NULL ? ids[0] : -1;
	if (scan_rows(st, sql_facts, user_id, &sc, scan_fact, err) == -1)
		goto out;
	scan_finish(&sc);
	for (size_t i = 0; i < out->nusers; i++)
		free(sc.samples[i].v);
	free(sc.samples);
	sc.samples = NULL;
	if (scan_rows(st, sql_touches, user_id, &sc, scan_touch, err) == -1)
		goto out;
	samples_figures(&sc.all, &out->totals);
	rc = 0;
out:
	if (sc.samples != NULL)
		for (size_t i = 0; i < out->nusers; i++)
			free(sc.samples[i].v);
	free(sc.samples);
	free(sc.all.v);
	free(sc.byid);
	free(sc.pos_of);
	pairset_release(&sc.seen);
	pairset_release(&sc.seen_all);
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

/* ---- keeping the facts ----------------------------------------------- */

/* The refresh of one activity, run for every activity logged, so written
 * for that: the IN lists, IN (SELECT) and DISTINCT of the macros (made for
 * sets of activities, in the triggers) make SQLite open and zero a
 * temporary b-tree each time, which were 20% of a first sync's
 * instructions. rep_touch's key is all its columns, so INSERT OR IGNORE
 * needs no DISTINCT; "+l.type" keeps the two-value list a comparison. The
 * replies of the thread are refreshed member by member (rep_replies). */
static const char *const sql_refresh[] = {
	"DELETE FROM rep_touch WHERE activity_id = ?1",
	"DELETE FROM rep_facts WHERE activity_id = ?1",
	"INSERT OR IGNORE INTO rep_facts " REP_FACT_COLS REP_MAIL_FACTS("a.id = ?1"),
	"INSERT OR IGNORE INTO rep_facts " REP_FACT_COLS REP_OWNER_FACTS("a.id = ?1"),
	"INSERT OR IGNORE INTO rep_touch " REP_TOUCH_COLS
	"SELECT f.occurred_at, f.activity_id, f.user_id, l.type = 'deal', l.target_id FROM "
	"rep_facts f JOIN activity_links l ON l.activity_id = f.activity_id WHERE +l.type IN "
	"('contact', 'deal') AND f.activity_id = ?1",
};
#define REFRESH_TOUCH 4 /* the last statement of sql_refresh */

static const char sql_thread_members[] = "SELECT r.id FROM activities t JOIN activities r ON "
					 "r.thread_key = t.thread_key WHERE t.id = ?1";
static const char sql_reply_of[] =
	"UPDATE rep_facts SET reply_at = " REP_REPLY_OF " WHERE activity_id = ?1 AND +what = 1";

static int rep_run(struct store *st, const char *const *sql, size_t n, int64_t activity,
		   struct err *err)
{
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *s = store_stmt(st, sql[i], err);
		if (s == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, activity);
		if (store_step_done(st, s, err, "keeping the report facts") == -1)
			return -1;
	}
	return 0;
}

/* The first replies of the received mail in the thread of `activity`,
 * again (its own included). */
static int rep_replies(struct store *st, int64_t activity, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, sql_thread_members, err);
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, activity);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			ids = xreallocarray(ids, cap, sizeof *ids);
		}
		ids[n++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		free(ids);
		return store_fail(st, err, "reading a thread");
	}
	rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = rep_run(st, (const char *const[]){sql_reply_of}, 1, ids[i], err);
	free(ids);
	return rc;
}

int store_rep_refresh(struct store *st, int64_t activity, struct err *err)
{
	if (rep_run(st, sql_refresh, REFRESH_TOUCH, activity, err) == -1 ||
	    rep_replies(st, activity, err) == -1)
		return -1;
	return rep_run(st, sql_refresh + REFRESH_TOUCH, 1, activity, err);
}

int store_rep_touch(struct store *st, int64_t activity, struct err *err)
{
	return rep_run(st, sql_refresh + REFRESH_TOUCH, 1, activity, err);
}

static const char sql_rebuild[] = "DELETE FROM rep_touch;"
				  "DELETE FROM rep_facts;" REP_DERIVE_ALL("rep_facts", "rep_touch");

int store_rep_rebuild(struct store *st, struct err *err)
{
	return store_exec_script(st, sql_rebuild, err);
}

/* ---- checking the facts ---------------------------------------------- */

static const char sql_verify[] =
	"DROP TABLE IF EXISTS temp.rv_facts;"
	"DROP TABLE IF EXISTS temp.rv_touch;"
	"CREATE TEMP TABLE rv_facts (occurred_at, activity_id, user_id, what, secs, "
	"  from_contact, reply_at, PRIMARY KEY (occurred_at, activity_id, user_id, what));"
	"CREATE INDEX temp.rv_facts_activity ON rv_facts(activity_id);"
	"CREATE TEMP TABLE rv_touch (occurred_at, activity_id, user_id, is_deal, target_id);" REP_DERIVE_ALL(
		"rv_facts", "rv_touch");

static const char sql_verify_count[] =
	"SELECT (SELECT count(*) FROM (SELECT * FROM rep_facts EXCEPT SELECT * FROM "
	"temp.rv_facts)) + (SELECT count(*) FROM (SELECT * FROM temp.rv_facts EXCEPT "
	"SELECT * FROM rep_facts)) + (SELECT count(*) FROM (SELECT * FROM rep_touch EXCEPT "
	"SELECT * FROM temp.rv_touch)) + (SELECT count(*) FROM (SELECT * FROM temp.rv_touch "
	"EXCEPT SELECT * FROM rep_touch))";

int store_rep_verify(struct store *st, int64_t *ndiff_out, struct err *err)
{
	sqlite3_stmt *s;
	struct err ignored;
	int rc;

	if (store_exec_script(st, sql_verify, err) == -1)
		return -1;
	if ((s = store_stmt(st, sql_verify_count, err)) == NULL)
		return -1;
	rc = store_query_i64(st, s, ndiff_out, err, "comparing the report facts");
	err_init(&ignored);
	store_exec_script(st, "DROP TABLE temp.rv_facts; DROP TABLE temp.rv_touch;", &ignored);
	return rc < 0 ? -1 : 0;
}

/* store/rep_pipeline.c - what the funnel and forecast reports read (SPEC §6).
 *
 * The stages, the stage history of the deals in a report's range (with the
 * time each entry was left), the open deals and the trailing won/lost
 * counts. The funnel's path rules, counts and medians are made in
 * reports/pipeline.c from the one ordered pass over the history that the
 * ordered mode needs anyway: counting the stages touched in SQL as well
 * (COUNT(DISTINCT deal_id) per stage) took 160 ms more on 100,000 entries,
 * 110 ms even with an index on (stage_id, deal_id), where the pass takes
 * 50 ms in all. The forecast's local months are made there too: SQLite
 * knows no IANA zones. The forecast reads the open deals of one currency,
 * the report currency, chosen from the counts of open deals per currency.
 * Read only.
 */
#include "store/internal.h"
#include "core/err.h"
#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

static const char stages_sql[] =
	"SELECT id, name, position, probability FROM stages ORDER BY position, id";

/* History first, in the order of the index stage_history_deal (deal_id,
 * entered_at, then the rowid id): no sort, where letting the planner start
 * from deals_created sorts every row (measured: 3x slower on 100,000
 * entries). */
static const char history_sql[] =
	"SELECT h.deal_id, h.stage_id, h.entered_at FROM stage_history h "
	"CROSS JOIN deals d ON d.id = h.deal_id WHERE d.created_at >= ?1 AND d.created_at < ?2 "
	"ORDER BY h.deal_id, h.entered_at, h.id";

/* NULL expected_close sorts first in SQLite, as the index deals_status
 * (status, expected_close) holds them: no sort. */
static const char open_sql[] =
	"SELECT d.expected_close, COALESCE(d.value_minor, 0), s.probability "
	"FROM deals d JOIN stages s ON s.id = d.stage_id WHERE d.status = 'open' "
	"AND d.currency = ?1 ORDER BY d.expected_close, d.id";

static const char currencies_sql[] =
	"SELECT currency, COUNT(*) FROM deals WHERE status = 'open' GROUP BY currency";

static const char closed_sql[] =
	"SELECT COALESCE(SUM(status = 'won'), 0), COALESCE(SUM(status = 'lost'), 0) FROM deals "
	"WHERE status IN ('won', 'lost') AND closed_at >= ?1 AND closed_at < ?2";

void store_pipeline_stages_free(struct store_pipeline_stage *stages, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(stages[i].name);
	free(stages);
}

int store_pipeline_stages(struct store *st, struct store_pipeline_stage **stages_out, size_t *n_out,
			  struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, stages_sql, err);
	struct store_pipeline_stage *v = NULL;
	size_t n = 0;
	int rc;

	*stages_out = NULL;
	*n_out = 0;
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n].id = sqlite3_column_int64(s, 0);
		v[n].name = store_col_strdup(s, 1);
		if (v[n].name == NULL)
			v[n].name = xstrdup("");
		v[n].position = sqlite3_column_int64(s, 2);
		v[n].probability =
			sqlite3_column_type(s, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 3);
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_pipeline_stages_free(v, n);
		return store_fail(st, err, "reading stages");
	}
	*stages_out = v;
	*n_out = n;
	return 0;
}

/* One history row held back until the next shows when it was left. */
struct history_row {
	int have;
	int64_t deal, stage, entered;
};

int store_funnel_history(struct store *st, int64_t from, int64_t to,
			 int (*fn)(int64_t deal, int64_t stage, int64_t entered_at, int64_t left_at,
				   void *arg),
			 void *arg, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, history_sql, err);
	struct history_row prev = {0, 0, 0, 0};
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t deal = sqlite3_column_int64(s, 0), entered = sqlite3_column_int64(s, 2);
		if (prev.have && fn(prev.deal, prev.stage, prev.entered,
				    deal == prev.deal ? entered : STORE_NO_TIME, arg) == -1) {
			sqlite3_reset(s);
			return -1;
		}
		prev.have = 1;
		prev.deal = deal;
		prev.stage = sqlite3_column_int64(s, 1);
		prev.entered = entered;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "reading stage history");
	if (prev.have && fn(prev.deal, prev.stage, prev.entered, STORE_NO_TIME, arg) == -1)
		return -1;
	return 0;
}

int store_forecast_currencies(struct store *st,
			      int (*fn)(const char *currency, int64_t deals, void *arg), void *arg,
			      struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, currencies_sql, err);

	if (s == NULL)
		return -1;
	return store_each_text_count(st, s, fn, arg, err, "reading currencies");
}

int store_forecast_open_deals(struct store *st, const char *currency,
			      int (*fn)(const struct store_forecast_deal *deal, void *arg),
			      void *arg, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, open_sql, err);
	struct store_forecast_deal fd;
	int rc, stopped = 0;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, currency);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		fd.expected_close = sqlite3_column_type(s, 0) == SQLITE_NULL ?
					    STORE_NO_TIME :
					    sqlite3_column_int64(s, 0);
		fd.value_minor = sqlite3_column_int64(s, 1);
		fd.probability =
			sqlite3_column_type(s, 2) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 2);
		if (fn(&fd, arg) == -1) {
			stopped = 1;
			break;
		}
	}
	sqlite3_reset(s);
	if (stopped)
		return -1;
	return rc == SQLITE_DONE ? 0 : store_fail(st, err, "reading open deals");
}

int store_forecast_closed(struct store *st, int64_t from, int64_t to, int64_t *won_out,
			  int64_t *lost_out, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, closed_sql, err);
	int rc;

	*won_out = *lost_out = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*won_out = sqlite3_column_int64(s, 0);
		*lost_out = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : store_fail(st, err, "counting closed deals");
}

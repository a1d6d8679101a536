/* store/rep_attribution.c - the aggregations behind SPEC §6 "attribution":
 * per lead source counts, values and medians (one statement each for the
 * rows and the totals), the currencies of the counted deals, and the
 * touchpoints of the won deals streamed in order for the credit models
 * (reports/attribution.c splits the value; nothing here knows a model).
 * Money (the won values, and so the won deals whose touches are read)
 * counts the deals in the report currency only, bound as ?3; the counts
 * take every deal.
 *
 * The deals counted are few (tens of thousands) and read in full; the
 * activities (millions) are reached only through the won deals' links
 * (activity_links_target), never scanned.
 */
#include "store/internal.h"
#include "core/err.h"

#include <stddef.h>

/* A deal's lead source: its own, else its first contact's, else "(none)". */
#define DEAL_SOURCE                                                                    \
	"COALESCE(NULLIF(d.lead_source, ''), NULLIF((SELECT c.lead_source FROM "       \
	"deal_contacts dc JOIN contacts c ON c.id = dc.contact_id WHERE dc.deal_id = " \
	"d.id ORDER BY c.created_at, c.id LIMIT 1), ''), '(none)')"

/* A lead (contact `c`) converted: it is a contact of a deal created before
 * the end of the range. */
#define LEAD_CONVERTED                                                                      \
	"EXISTS (SELECT 1 FROM deal_contacts lc JOIN deals ld ON ld.id = lc.deal_id WHERE " \
	"lc.contact_id = c.id AND ld.created_at < ?2)"

/* The counted deals: created in range, or won with closed_at in range.
 * `made` and `won` are 0 or 1; `ew` (ever won) is whether a deal created
 * in range is won by the end of it; `v` is its value in the currency ?3,
 * 0 for a deal in another currency. */
#define COUNTED_DEALS                                                                       \
	"WITH dl AS MATERIALIZED (SELECT " DEAL_SOURCE " AS src, "                          \
	"IFNULL(d.created_at >= ?1 AND d.created_at < ?2, 0) AS made, "                     \
	"IFNULL(d.status = 'won' AND d.closed_at >= ?1 AND d.closed_at < ?2, 0) AS won, "   \
	"IFNULL(d.status = 'won' AND (d.closed_at IS NULL OR d.closed_at < ?2), 0) AS ew, " \
	"CASE WHEN d.currency = ?3 THEN COALESCE(d.value_minor, 0) ELSE 0 END AS v, "       \
	"(d.closed_at - d.created_at) / 86400.0 AS days "                                   \
	"FROM deals d WHERE (d.created_at >= ?1 AND d.created_at < ?2) OR "                 \
	"(d.status = 'won' AND d.closed_at >= ?1 AND d.closed_at < ?2)) "

static const char sources_sql[] = COUNTED_DEALS
	", ld AS (SELECT COALESCE(NULLIF(c.lead_source, ''), '(none)') AS src, COUNT(*) AS n, "
	"SUM(" LEAD_CONVERTED ") AS conv FROM contacts c WHERE c.created_at >= ?1 AND "
	"c.created_at < ?2 GROUP BY 1), "
	"da AS (SELECT src, SUM(made) AS deals, SUM(made AND ew) AS deals_won, SUM(won) AS won, "
	"SUM(CASE WHEN won THEN v ELSE 0 END) AS won_value FROM dl GROUP BY src), "
	"md AS (SELECT src, AVG(days) AS med FROM (SELECT src, days, ROW_NUMBER() OVER "
	"(PARTITION BY src ORDER BY days) AS rn, COUNT(*) OVER (PARTITION BY src) AS k "
	"FROM dl WHERE won) WHERE rn IN ((k + 1) / 2, (k + 2) / 2) GROUP BY src), "
	"srcs AS (SELECT src FROM ld UNION SELECT src FROM da) "
	"SELECT s.src, COALESCE(ld.n, 0), COALESCE(da.deals, 0), COALESCE(da.deals_won, 0), "
	"COALESCE(da.won, 0), COALESCE(da.won_value, 0) AS wv, md.med, COALESCE(ld.conv, 0) "
	"FROM srcs s "
	"LEFT JOIN ld ON ld.src = s.src LEFT JOIN da ON da.src = s.src "
	"LEFT JOIN md ON md.src = s.src ORDER BY wv DESC, s.src";

static const char totals_sql[] = COUNTED_DEALS
	"SELECT NULL, (SELECT COUNT(*) FROM contacts WHERE created_at >= ?1 AND "
	"created_at < ?2), COALESCE(SUM(made), 0), COALESCE(SUM(made AND ew), 0), "
	"COALESCE(SUM(won), 0), COALESCE(SUM(CASE WHEN won THEN v ELSE 0 END), 0), "
	"(SELECT AVG(days) FROM (SELECT days, ROW_NUMBER() OVER (ORDER BY days) AS rn, "
	"COUNT(*) OVER () AS k FROM dl WHERE won) WHERE rn IN ((k + 1) / 2, (k + 2) / 2)), "
	"(SELECT COALESCE(SUM(" LEAD_CONVERTED "), 0) FROM contacts c WHERE c.created_at >= ?1 "
	"AND c.created_at < ?2) FROM dl";

static int sources_run(struct store *st, const char *sql, int64_t from, int64_t to,
		       const char *currency,
		       int (*fn)(const struct store_attr_source *s, void *arg), void *arg,
		       int *stop, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, sql, err);
	struct store_attr_source r;
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	store_bind_text(s, 3, currency);
	while (!*stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		r.source = (const char *)sqlite3_column_text(s, 0);
		r.leads = sqlite3_column_int64(s, 1);
		r.deals = sqlite3_column_int64(s, 2);
		r.deals_won = sqlite3_column_int64(s, 3);
		r.won = sqlite3_column_int64(s, 4);
		r.won_value = sqlite3_column_int64(s, 5);
		r.median_days = sqlite3_column_double(s, 6);
		r.leads_converted = sqlite3_column_int64(s, 7);
		if (fn(&r, arg) == -1)
			*stop = 1;
	}
	if (*stop)
		rc = SQLITE_DONE;
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, err, "reading lead sources");
}

int store_attr_sources(struct store *st, int64_t from, int64_t to, const char *currency,
		       int (*fn)(const struct store_attr_source *s, void *arg), void *arg,
		       struct err *err)
{
	int stop = 0;

	if (sources_run(st, sources_sql, from, to, currency, fn, arg, &stop, err) == -1)
		return -1;
	return sources_run(st, totals_sql, from, to, currency, fn, arg, &stop, err);
}

int store_attr_currencies(struct store *st, int64_t from, int64_t to,
			  int (*fn)(const char *currency, int64_t deals, void *arg), void *arg,
			  struct err *err)
{
	static const char sql[] = "SELECT currency, COUNT(*) FROM deals "
				  "WHERE (created_at >= ?1 AND created_at < ?2) OR "
				  "(status = 'won' AND closed_at >= ?1 AND closed_at < ?2) "
				  "GROUP BY currency";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	return store_each_text_count(st, s, fn, arg, err, "reading currencies");
}

/* The won deals in the currency ?3, then one row per touch: the lead
 * touch (lead = 1) first.
 * CROSS JOIN fixes the join order: the activities are found from each won
 * deal through activity_links_target, so only their activities are read
 * (the planner would otherwise scan all of activity_links); the sort is
 * of those rows only. Which activities are touches is one CASE that also
 * reads w.closed_at: a condition on activities alone lets SQLite, once
 * ANALYZE statistics exist, build a Bloom filter by scanning every
 * activity (0.3 s on a million). */
static const char touches_sql[] =
	"WITH w AS MATERIALIZED (SELECT d.id, COALESCE(d.value_minor, 0) AS v, d.created_at, "
	"d.closed_at, " DEAL_SOURCE " AS src, (SELECT MIN(c.created_at) FROM deal_contacts dc "
	"JOIN contacts c ON c.id = dc.contact_id WHERE dc.deal_id = d.id) AS cc "
	"FROM deals d WHERE d.status = 'won' AND d.closed_at >= ?1 AND d.closed_at < ?2 "
	"AND d.currency = ?3) "
	"SELECT id, v, created_at, closed_at, cc, 1 AS lead, src, "
	"MIN(created_at, COALESCE(cc, created_at)) AS at, 0 AS aid FROM w "
	"UNION ALL "
	"SELECT w.id, w.v, w.created_at, w.closed_at, w.cc, 0, CASE a.kind WHEN 'email' "
	"THEN 'email-' || a.direction ELSE a.kind END, a.occurred_at, a.id FROM w "
	"CROSS JOIN activity_links l ON l.type = 'deal' AND l.target_id = w.id "
	"CROSS JOIN activities a ON a.id = l.activity_id WHERE CASE "
	"WHEN a.occurred_at > w.closed_at THEN 0 "
	"WHEN a.kind = 'email' THEN a.direction IN ('inbound', 'outbound') "
	"WHEN a.kind = 'meeting' THEN a.status NOT IN ('cancelled', 'declined') "
	"ELSE a.kind = 'call' END "
	"ORDER BY 1, 6 DESC, 8, 9";

int store_attr_touches(struct store *st, int64_t from, int64_t to, const char *currency,
		       int (*fn)(const struct store_attr_touch *t, void *arg), void *arg,
		       struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, touches_sql, err);
	struct store_attr_touch t;
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	store_bind_text(s, 3, currency);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		t.deal = sqlite3_column_int64(s, 0);
		t.value_minor = sqlite3_column_int64(s, 1);
		t.created_at = sqlite3_column_int64(s, 2);
		t.closed_at = sqlite3_column_int64(s, 3);
		t.contact_created_at = sqlite3_column_type(s, 4) == SQLITE_NULL ?
					       STORE_NO_TIME :
					       sqlite3_column_int64(s, 4);
		t.lead = sqlite3_column_int(s, 5);
		t.channel = (const char *)sqlite3_column_text(s, 6);
		t.at = sqlite3_column_int64(s, 7);
		if (fn(&t, arg) == -1) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, err, "reading touchpoints");
}

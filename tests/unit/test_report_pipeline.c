/* tests/unit/test_report_pipeline.c - SPEC §6 "funnel" and "forecast" over
 * a real in-memory store: hand-checked fixtures with every figure written
 * out, a property test on random histories, and the same numbers in the
 * text, CSV and JSON renderings. */
#include "core/buf.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "reports/report.h"
#include "store/store.h"
#include "t.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Five stages, inserted out of order: by position they are Lead (id 2),
 * Qualified (4), Proposal (1), Negotiation (5), Closing (3). */
static const char stages_sql[] =
	"INSERT INTO stages (id, key, name, position, probability, updated_at) VALUES "
	"  (1, 'prop', 'Proposal', 30, 50, 0), (2, 'lead', 'Lead', 10, 10, 0),"
	"  (3, 'close', 'Closing', 50, 90, 0), (4, 'qual', 'Qualified', 20, 20, 0),"
	"  (5, 'nego', 'Negotiation', 40, 75, 0);";

#define T0  1767225600 /* 2026-01-01T00:00:00Z */
#define DAY 86400

/* Day offsets from T0. Deals (created in [T0, T0 + 181 days) except D8):
 *  D1 L0 Q2 P5 N9 C14  in order all the way, won
 *  D2 L1 Q3 P7         in order, lost at Proposal
 *  D3 L0 P4 N6         skips Qualified
 *  D4 L0 Q1 P3 Q6 P10 N12  goes back to Qualified
 *  D5 L0               lost early
 *  D6 Q0 P2            starts at Qualified
 *  D7 L0 Q2 P4 N6      in order, open
 *  D8 (created before the range) L Q P N C
 *  D9 L0 L1 Q3         a repeated entry: one visit to Lead, 3 days
 *  D10                 no history */
static const char funnel_sql[] =
	"INSERT INTO deals (id, key, name, stage_id, status, created_at, updated_at) VALUES "
	"  (1, 'D1', 'd1', 3, 'won', 1767225600, 0), (2, 'D2', 'd2', 1, 'lost', 1767312000, 0),"
	"  (3, 'D3', 'd3', 5, 'open', 1767225600, 0), (4, 'D4', 'd4', 5, 'open', 1767225600, 0),"
	"  (5, 'D5', 'd5', 2, 'lost', 1767225600, 0), (6, 'D6', 'd6', 1, 'open', 1767225600, 0),"
	"  (7, 'D7', 'd7', 5, 'open', 1767225600, 0), (8, 'D8', 'd8', 3, 'won', 1764547200, 0),"
	"  (9, 'D9', 'd9', 4, 'open', 1767225600, 0), (10, 'D10', 'd10', 2, 'open', 1767225600, 0);"
	"INSERT INTO stage_history (deal_id, stage_id, entered_at) VALUES "
	"  (1, 2, 1767225600 + 86400 * 0), (1, 4, 1767225600 + 86400 * 2),"
	"  (1, 1, 1767225600 + 86400 * 5), (1, 5, 1767225600 + 86400 * 9),"
	"  (1, 3, 1767225600 + 86400 * 14),"
	"  (2, 2, 1767225600 + 86400 * 1), (2, 4, 1767225600 + 86400 * 3),"
	"  (2, 1, 1767225600 + 86400 * 7),"
	"  (3, 2, 1767225600 + 86400 * 0), (3, 1, 1767225600 + 86400 * 4),"
	"  (3, 5, 1767225600 + 86400 * 6),"
	/* D4 written out of time order: the report orders by entered_at. */
	"  (4, 5, 1767225600 + 86400 * 12), (4, 1, 1767225600 + 86400 * 10),"
	"  (4, 4, 1767225600 + 86400 * 6), (4, 2, 1767225600 + 86400 * 0),"
	"  (4, 4, 1767225600 + 86400 * 1), (4, 1, 1767225600 + 86400 * 3),"
	"  (5, 2, 1767225600 + 86400 * 0),"
	"  (6, 4, 1767225600 + 86400 * 0), (6, 1, 1767225600 + 86400 * 2),"
	"  (7, 2, 1767225600 + 86400 * 0), (7, 4, 1767225600 + 86400 * 2),"
	"  (7, 1, 1767225600 + 86400 * 4), (7, 5, 1767225600 + 86400 * 6),"
	"  (8, 2, 1764547200), (8, 4, 1764547200 + 86400), (8, 1, 1764547200 + 86400 * 2),"
	"  (8, 5, 1764547200 + 86400 * 3), (8, 3, 1764547200 + 86400 * 4),"
	"  (9, 2, 1767225600 + 86400 * 0), (9, 2, 1767225600 + 86400 * 1),"
	"  (9, 4, 1767225600 + 86400 * 3);";

/* Open deals, now = 2026-11-15T12:00Z, zone Europe/Berlin:
 *  F1 Proposal 50%  1000.01  2026-10-15T10:00Z  Oct  weighted 500.005 -> 500.01
 *  F7 Proposal 50%  (none)   2026-10-20T12:00Z  Oct  value 0
 *  F2 Negotiation 75% 333.33 2026-10-31T23:30Z  Nov in Berlin (00:30 CET)
 *  F3 Lead 10%      0.00     2026-11-20T12:00Z  Nov
 *  F4 Qualified 20% 123.45   2026-12-31T22:30Z  Dec (23:30 local)
 *  F5 Closing 90%   50.05    2026-12-31T23:30Z  Jan 2027 in Berlin; 45.045 -> 45.05
 *  F6 Proposal 50%  20.00    no expected close -> "(none)"
 * Closed: W1 won 2026-03-01, W2 won 2025-11-15T00:30Z (01:30 local, in
 * the window that starts at 2025-11-15 00:00 local), W3 won
 * 2025-11-14T22:30Z (before it), L1 lost 2026-06-01, L2 lost after now,
 * L3 lost 2024: won 2, lost 1, rate 2/3. */
static const char forecast_sql[] =
	"INSERT INTO deals (id, key, name, stage_id, status, value_minor, currency, created_at,"
	"  closed_at, expected_close, updated_at) VALUES "
	"  (1, 'F1', 'f1', 1, 'open', 100001, 'EUR', 0, NULL, 1792058400, 0),"
	"  (2, 'F2', 'f2', 5, 'open', 33333, 'EUR', 0, NULL, 1793489400, 0),"
	"  (3, 'F3', 'f3', 2, 'open', 0, 'EUR', 0, NULL, 1795176000, 0),"
	"  (4, 'F4', 'f4', 4, 'open', 12345, 'EUR', 0, NULL, 1798756200, 0),"
	"  (5, 'F5', 'f5', 3, 'open', 5005, 'EUR', 0, NULL, 1798759800, 0),"
	"  (6, 'F6', 'f6', 1, 'open', 2000, 'EUR', 0, NULL, NULL, 0),"
	"  (7, 'F7', 'f7', 1, 'open', NULL, 'EUR', 0, NULL, 1792497600, 0),"
	"  (11, 'W1', 'w1', 3, 'won', 99999, 'EUR', 0, 1772366400, 1772366400, 0),"
	"  (12, 'W2', 'w2', 3, 'won', 1, 'EUR', 0, 1763166600, NULL, 0),"
	"  (13, 'W3', 'w3', 3, 'won', 1, 'EUR', 0, 1763159400, NULL, 0),"
	"  (14, 'L1', 'l1', 1, 'lost', 1, 'EUR', 0, 1780315200, NULL, 0),"
	"  (15, 'L2', 'l2', 1, 'lost', 1, 'EUR', 0, 1794747600, NULL, 0),"
	"  (16, 'L3', 'l3', 1, 'lost', 1, 'EUR', 0, 1704067200, NULL, 0);";

static struct store *open_with(const char *sql1, const char *sql2)
{
	struct err err;
	struct store *st;

	err_init(&err);
	st = store_open(":memory:", 0, &err);
	if (st == NULL) {
		fprintf(stderr, "store_open: %s\n", err.msg);
		exit(1);
	}
	if ((sql1 != NULL && store_exec_script(st, sql1, &err) == -1) ||
	    (sql2 != NULL && store_exec_script(st, sql2, &err) == -1)) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		exit(1);
	}
	return st;
}

static void params_init(struct report_params *p, int64_t from, int64_t to, int64_t now)
{
	memset(p, 0, sizeof *p);
	p->from = from;
	p->to = to;
	p->now = now;
	p->tz = "Europe/Berlin";
	p->period = REPORT_MONTH;
	p->model = "all";
	p->half_life = 7;
	p->stale_days = 14;
}

static int build(struct store *st, const struct report_params *p, struct report_doc *d,
		 int (*fn)(struct store *, const struct report_params *, struct report_doc *,
			   struct err *),
		 const char *name)
{
	struct err err;
	int rc;

	err_init(&err);
	report_doc_init(d, name, p);
	d->tz = xstrdup(p->tz);
	rc = fn(st, p, d, &err);
	if (rc != 0)
		fprintf(stderr, "%s: %s\n", name, err.msg);
	return rc;
}

static char *render(const struct report_doc *d, enum report_format f)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	struct err err;

	err_init(&err);
	if (fp == NULL)
		exit(1);
	T_OK(report_render(d, f, fp, &err) == 0);
	fclose(fp);
	return text;
}

static const char *param(const struct report_doc *d, const char *key)
{
	for (size_t i = 0; i < d->nparams; i++)
		if (strcmp(d->params[i].key, key) == 0)
			return d->params[i].value;
	return NULL;
}

/* The document's other currencies as "USD 2, GBP 1". */
static void check_others(const struct report_doc *d, const char *want)
{
	struct buf b;

	buf_init(&b, 1 << 12);
	buf_addstr(&b, "");
	for (size_t i = 0; i < d->nothers; i++)
		buf_addf(&b, "%s%s %lld", i ? ", " : "", d->others[i].code,
			 (long long)d->others[i].deals);
	T_STREQ(b.data, want);
	buf_release(&b);
}

/* NAN stands for a null cell. */
struct funnel_want {
	const char *stage;
	int64_t reached;
	double next, cum;
	int64_t drop;
	double median;
};

static int near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

static void check_num(const struct report_cell *c, double want, const char *what, size_t row)
{
	int ok = isnan(want) ? c->null : !c->null && near(c->d, want);

	T_OK(ok);
	if (!ok)
		fprintf(stderr, "  row %zu %s: got %s%g, want %g\n", row, what,
			c->null ? "null " : "", c->d, want);
}

static void check_funnel(const struct report_doc *d, const struct funnel_want *w, size_t n)
{
	const struct report_table *t = &d->tables[0];

	T_INTEQ(d->ntables, 1);
	T_STREQ(t->name, "rows");
	T_INTEQ(t->ncols, 6);
	T_INTEQ(t->nrows, n);
	T_OK(t->totals == NULL);
	T_OK(d->currency == NULL);
	for (size_t r = 0; r < n && r < t->nrows; r++) {
		const struct report_cell *c = &t->cells[r * t->ncols];
		T_STREQ(c[0].s, w[r].stage);
		T_INTEQ(c[1].i, w[r].reached);
		check_num(&c[2], w[r].next, "next", r);
		check_num(&c[3], w[r].cum, "cumulative", r);
		T_INTEQ(c[4].i, w[r].drop);
		check_num(&c[5], w[r].median, "median", r);
	}
}

static void test_funnel_ordered(void)
{
	/* Lead: D1-5, D7, D9; times 2 2 4 1 2 3 -> median of 1 2 2 2 3 4 = 2.
	 * Qualified: D1 D2 D4 D7 D9 (D3 skipped it, D6 began there); times
	 * 3 4 2 2 (D9 never left) -> (2 + 3) / 2 = 2.5. Proposal: D1 D2 D4 D7;
	 * D4 leaves its path going back; times 4 3 2 -> 3. Negotiation: D1 D7;
	 * 5 (D7 is still there). Closing: D1, never left. */
	static const struct funnel_want want[] = {
		{"Lead", 7, 5.0 / 7, 1, 2, 2},	      {"Qualified", 5, 0.8, 5.0 / 7, 1, 2.5},
		{"Proposal", 4, 0.5, 4.0 / 7, 2, 3},  {"Negotiation", 2, 0.5, 2.0 / 7, 1, 5},
		{"Closing", 1, NAN, 1.0 / 7, 0, NAN},
	};
	struct store *st = open_with(stages_sql, funnel_sql);
	struct report_params p;
	struct report_doc d;
	char *csv, *json, *text;

	params_init(&p, T0, 1782864000, T0 + 200 * DAY);
	T_OK(build(st, &p, &d, report_funnel, "funnel") == 0);
	check_funnel(&d, want, 5);
	T_STREQ(param(&d, "mode"), "ordered");

	csv = render(&d, REPORT_CSV);
	T_STREQ(csv, "stage,reached,next_step_conversion,cumulative_conversion,drop_off,"
		     "median_days_in_stage\r\n"
		     "Lead,7,0.7143,1.0000,2,2.00\r\n"
		     "Qualified,5,0.8000,0.7143,1,2.50\r\n"
		     "Proposal,4,0.5000,0.5714,2,3.00\r\n"
		     "Negotiation,2,0.5000,0.2857,1,5.00\r\n"
		     "Closing,1,,0.1429,0,\r\n");
	json = render(&d, REPORT_JSON);
	T_OK(strstr(json, "\"params\":{\"mode\":\"ordered\"}") != NULL);
	T_OK(strstr(json, "\"currency\":null") != NULL);
	T_OK(strstr(json, "\"rows\":[{\"stage\":\"Lead\",\"reached\":7,"
			  "\"next_step_conversion\":0.714286,\"cumulative_conversion\":1,"
			  "\"drop_off\":2,\"median_days_in_stage\":2},"
			  "{\"stage\":\"Qualified\",\"reached\":5,\"next_step_conversion\":0.8,"
			  "\"cumulative_conversion\":0.714286,\"drop_off\":1,"
			  "\"median_days_in_stage\":2.5},") != NULL);
	T_OK(strstr(json, "{\"stage\":\"Closing\",\"reached\":1,\"next_step_conversion\":null,"
			  "\"cumulative_conversion\":0.142857,\"drop_off\":0,"
			  "\"median_days_in_stage\":null}]}") != NULL);
	text = render(&d, REPORT_TEXT);
	T_OK(strstr(text, "mode: ordered") != NULL);
	T_OK(strstr(text, "Lead               7      71.4%      100.0%         2         2.00\n") !=
	     NULL);
	T_OK(strstr(text, "Qualified          5      80.0%       71.4%         1         2.50\n") !=
	     NULL);
	T_OK(strstr(text, "Closing            1          -       14.3%         0            -\n") !=
	     NULL);
	if (t_fail)
		fputs(text, stderr);
	free(csv);
	free(json);
	free(text);
	report_doc_release(&d);
	store_close(&st);
}

static void test_funnel_any(void)
{
	/* Touched: Lead D1-5 D7 D9 = 7; Qualified D1 D2 D4 D6 D7 D9 = 6;
	 * Proposal D1-4 D6 D7 = 6; Negotiation D1 D3 D4 D7 = 4; Closing D1.
	 * Times per deal, summed over visits left: Qualified 3 4 (2+4) 2 2 ->
	 * 3; Proposal 4 2 (3+2) 2 -> (2 + 4) / 2 = 3; Negotiation D1 5. */
	static const struct funnel_want want[] = {
		{"Lead", 7, 6.0 / 7, 1, 1, 2},		 {"Qualified", 6, 1, 6.0 / 7, 0, 3},
		{"Proposal", 6, 4.0 / 6, 6.0 / 7, 2, 3}, {"Negotiation", 4, 0.25, 4.0 / 7, 3, 5},
		{"Closing", 1, NAN, 1.0 / 7, 0, NAN},
	};
	struct store *st = open_with(stages_sql, funnel_sql);
	struct report_params p;
	struct report_doc d;
	char *csv;

	params_init(&p, T0, 1782864000, T0 + 200 * DAY);
	p.funnel_any = 1;
	T_OK(build(st, &p, &d, report_funnel, "funnel") == 0);
	check_funnel(&d, want, 5);
	T_STREQ(param(&d, "mode"), "any");
	csv = render(&d, REPORT_CSV);
	T_OK(strstr(csv, "\r\nProposal,6,0.6667,0.8571,2,3.00\r\n") != NULL);
	free(csv);
	report_doc_release(&d);

	/* A range with only D8 in it: everything in order, one deal. */
	params_init(&p, 1764547200, T0, T0);
	p.funnel_any = 1;
	T_OK(build(st, &p, &d, report_funnel, "funnel") == 0);
	T_INTEQ(d.tables[0].nrows, 5);
	for (size_t r = 0; r < d.tables[0].nrows; r++)
		T_INTEQ(d.tables[0].cells[r * 6 + 1].i, 1);
	report_doc_release(&d);

	/* An empty range: zeros, and null rates and medians. */
	params_init(&p, T0 - 10 * DAY, T0 - 5 * DAY, T0);
	T_OK(build(st, &p, &d, report_funnel, "funnel") == 0);
	T_INTEQ(d.tables[0].cells[1].i, 0);
	T_OK(d.tables[0].cells[2].null && d.tables[0].cells[3].null && d.tables[0].cells[5].null);
	report_doc_release(&d);
	store_close(&st);

	/* No stages: no rows. */
	st = open_with(NULL, NULL);
	T_OK(build(st, &p, &d, report_funnel, "funnel") == 0);
	T_INTEQ(d.tables[0].nrows, 0);
	report_doc_release(&d);
	store_close(&st);
}

/* A fixed-seed generator (xorshift64). */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng % n;
}

/* Random histories: ordered reached never grows down the stages, never
 * exceeds any-mode reached, and any-mode reached (from SQL) is the number
 * of deals whose generated history touches the stage. */
static void test_funnel_property(void)
{
	static const int64_t by_pos[5] = {2, 4, 1, 5, 3}; /* stage ids in pipeline order */
	enum {
		NDEALS = 600
	};
	int64_t touched[5] = {0}, first_lead = 0;
	struct report_doc d1, d2;
	struct report_params p;
	struct store *st;
	struct err err;
	struct buf b;
	int ok = 1;

	buf_init(&b, 1 << 24);
	for (int i = 1; i <= NDEALS; i++) {
		int n = (int)rnd(8), seen[5] = {0};
		int64_t t = T0 + (int64_t)rnd(100) * DAY;
		buf_addf(&b,
			 "INSERT INTO deals (id, key, name, stage_id, status, created_at, "
			 "updated_at) VALUES (%d, 'R%d', 'r', 2, 'open', %lld, 0);",
			 i, i, (long long)t);
		for (int k = 0; k < n; k++) {
			/* Mostly the next stage, sometimes anywhere. */
			int s = rnd(4) ? (k < 5 ? k : 4) : (int)rnd(5);
			if (rnd(5) == 0)
				s = (int)rnd(5);
			if (k == 0 && s == 0)
				first_lead++;
			seen[s] = 1;
			t += (int64_t)rnd(3) * DAY; /* ties too */
			buf_addf(&b,
				 "INSERT INTO stage_history (deal_id, stage_id, entered_at) "
				 "VALUES (%d, %lld, %lld);",
				 i, (long long)by_pos[s], (long long)t);
		}
		for (int s = 0; s < 5; s++)
			touched[s] += seen[s];
	}
	st = open_with(stages_sql, NULL);
	err_init(&err);
	T_OK(store_exec_script(st, b.data, &err) == 0);
	params_init(&p, T0, T0 + 200 * DAY, T0);
	T_OK(build(st, &p, &d1, report_funnel, "funnel") == 0);
	p.funnel_any = 1;
	T_OK(build(st, &p, &d2, report_funnel, "funnel") == 0);
	T_INTEQ(d1.tables[0].nrows, 5);
	T_INTEQ(d2.tables[0].nrows, 5);
	T_INTEQ(d1.tables[0].cells[1].i, first_lead);
	for (size_t k = 0; k < 5; k++) {
		int64_t o = d1.tables[0].cells[k * 6 + 1].i, a = d2.tables[0].cells[k * 6 + 1].i;
		if (k > 0 && o > d1.tables[0].cells[(k - 1) * 6 + 1].i)
			ok = 0;
		if (o > a || a != touched[k])
			ok = 0;
		/* drop-off is never negative in ordered mode */
		if (d1.tables[0].cells[k * 6 + 4].i < 0)
			ok = 0;
	}
	T_OK(ok);
	T_OK(d1.tables[0].cells[6 + 1].i > 0); /* the data is not trivial */
	report_doc_release(&d1);
	report_doc_release(&d2);
	buf_release(&b);
	store_close(&st);
}

static void test_forecast(void)
{
	struct store *st = open_with(stages_sql, forecast_sql);
	struct report_params p;
	struct report_doc d;
	const struct report_table *t;
	char *csv, *json, *text;
	static const struct {
		const char *month;
		int64_t deals, value, weighted, win;
	} want[] = {
		/* win: value × 2/3 per deal: 66667 (66667.33), 0 | 22222, 0 |
		 * 8230 | 3337 (3336.67) | 1333 (1333.33) */
		{"2026-10", 2, 100001, 50001, 66667},
		{"2026-11", 2, 33333, 25000, 22222}, /* 24999.75 -> 25000 */
		{"2026-12", 1, 12345, 2469, 8230},
		{"2027-01", 1, 5005, 4505, 3337},
		{"(none)", 1, 2000, 1000, 1333},
	};

	/* The range does not matter to a forecast. */
	params_init(&p, T0, T0 + DAY, 1794744000); /* now 2026-11-15T12:00Z */
	T_OK(build(st, &p, &d, report_forecast, "forecast") == 0);
	t = &d.tables[0];
	T_STREQ(t->name, "rows");
	T_INTEQ(t->nrows, 5);
	for (size_t r = 0; r < 5 && r < t->nrows; r++) {
		const struct report_cell *c = &t->cells[r * t->ncols];
		T_STREQ(c[0].s, want[r].month);
		T_INTEQ(c[1].i, want[r].deals);
		T_INTEQ(c[2].i, want[r].value);
		T_INTEQ(c[3].i, want[r].weighted);
		T_INTEQ(c[4].i, want[r].win);
	}
	T_OK(t->totals != NULL);
	if (t->totals != NULL) {
		T_OK(t->totals[0].null);
		T_INTEQ(t->totals[1].i, 7);
		T_INTEQ(t->totals[2].i, 152684);
		T_INTEQ(t->totals[3].i, 82975);
		T_INTEQ(t->totals[4].i, 101789);
	}
	T_STREQ(d.currency, "EUR");
	check_others(&d, "");
	T_STREQ(param(&d, "currency"), "EUR");
	T_STREQ(param(&d, "trailing_win_rate"), "0.6666666667");
	T_STREQ(param(&d, "trailing_deals"), "3");
	T_STREQ(param(&d, "trailing_from"), "2025-11-15");

	csv = render(&d, REPORT_CSV);
	T_STREQ(csv, "month,deals,value,weighted_value,win_rate_forecast\r\n"
		     "2026-10,2,1000.01,500.01,666.67\r\n"
		     "2026-11,2,333.33,250.00,222.22\r\n"
		     "2026-12,1,123.45,24.69,82.30\r\n"
		     "2027-01,1,50.05,45.05,33.37\r\n"
		     "(none),1,20.00,10.00,13.33\r\n");
	json = render(&d, REPORT_JSON);
	T_OK(strstr(json,
		    "\"currency\":\"EUR\",\"other_currencies\":[],\"params\":{"
		    "\"trailing_win_rate\":0.6666666667,\"trailing_deals\":3,"
		    "\"trailing_from\":\"2025-11-15\",\"currency\":\"EUR\"},\"rows\":["
		    "{\"month\":\"2026-10\",\"deals\":2,\"value\":\"1000.01\","
		    "\"weighted_value\":\"500.01\",\"win_rate_forecast\":\"666.67\"},") != NULL);
	T_OK(strstr(json,
		    "{\"month\":\"(none)\",\"deals\":1,\"value\":\"20.00\","
		    "\"weighted_value\":\"10.00\",\"win_rate_forecast\":\"13.33\"}]}") != NULL);
	text = render(&d, REPORT_TEXT);
	T_OK(strstr(text, "trailing_from: 2025-11-15, money in EUR\n") != NULL);
	T_OK(strstr(text, "left out") == NULL);
	T_OK(strstr(text, "2027-01      1    50.05     45.05              33.37\n") != NULL);
	T_OK(strstr(text, "total        7  1526.84    829.75            1017.89\n") != NULL);
	if (t_fail)
		fputs(text, stderr);
	free(csv);
	free(json);
	free(text);
	report_doc_release(&d);

	/* In UTC, F2 is October and F5 December. */
	p.tz = "UTC";
	T_OK(build(st, &p, &d, report_forecast, "forecast") == 0);
	T_INTEQ(d.tables[0].nrows, 4);
	T_STREQ(d.tables[0].cells[0].s, "2026-10");
	T_INTEQ(d.tables[0].cells[1].i, 3);
	T_STREQ(d.tables[0].cells[2 * 5].s, "2026-12");
	T_INTEQ(d.tables[0].cells[2 * 5 + 1].i, 2);
	report_doc_release(&d);
	store_close(&st);
}

static void test_forecast_empty_history(void)
{
	static const char sql[] =
		"INSERT INTO deals (id, key, name, stage_id, status, value_minor, currency,"
		"  created_at, expected_close, updated_at) VALUES "
		"  (1, 'E', 'e', 1, 'open', 10000, 'EUR', 0, 1792058400, 0),"
		"  (2, 'U', 'u', 3, 'open', 5000, 'USD', 0, NULL, 0);";
	struct store *st = open_with(stages_sql, sql);
	struct report_params p;
	struct report_doc d;
	char *json;

	params_init(&p, T0, T0 + DAY, 1835438400); /* 2028-02-29T12:00Z */
	p.tz = "UTC";
	T_OK(build(st, &p, &d, report_forecast, "forecast") == 0);
	T_STREQ(param(&d, "trailing_win_rate"), "0");
	T_STREQ(param(&d, "trailing_deals"), "0");
	T_STREQ(param(&d, "trailing_from"), "2027-02-28");
	/* One deal in EUR, one in USD: a tie, so EUR, and U is left out. */
	T_STREQ(d.currency, "EUR");
	check_others(&d, "USD 1");
	T_INTEQ(d.tables[0].nrows, 1);
	T_INTEQ(d.tables[0].cells[3].i, 5000); /* 100.00 × 50% */
	T_INTEQ(d.tables[0].cells[4].i, 0);
	T_INTEQ(d.tables[0].totals[1].i, 1);
	json = render(&d, REPORT_JSON);
	T_OK(strstr(json, "\"currency\":\"EUR\",\"other_currencies\":[{\"currency\":\"USD\","
			  "\"deals\":1}],\"params\":{\"trailing_win_rate\":0,"
			  "\"trailing_deals\":0,") != NULL);
	T_OK(strstr(json, "\"win_rate_forecast\":\"0.00\"") != NULL);
	free(json);
	report_doc_release(&d);

	p.currency = "USD";
	T_OK(build(st, &p, &d, report_forecast, "forecast") == 0);
	T_STREQ(d.currency, "USD");
	T_INTEQ(d.tables[0].nrows, 1);
	T_STREQ(d.tables[0].cells[0].s, "(none)");
	T_INTEQ(d.tables[0].cells[3].i, 4500); /* 50.00 × 90% */
	report_doc_release(&d);
	p.currency = NULL;
	store_close(&st);

	/* No open deals at all: no rows, a totals row of zeros. */
	st = open_with(stages_sql, NULL);
	T_OK(build(st, &p, &d, report_forecast, "forecast") == 0);
	T_INTEQ(d.tables[0].nrows, 0);
	T_OK(d.tables[0].totals != NULL && d.tables[0].totals[1].i == 0);
	T_OK(d.currency == NULL);
	check_others(&d, "");
	T_STREQ(param(&d, "currency"), "");
	json = render(&d, REPORT_JSON);
	T_OK(strstr(json, "\"currency\":null,\"other_currencies\":[],\"params\":{") != NULL);
	free(json);
	report_doc_release(&d);
	store_close(&st);
}

/* Open deals in three currencies, now = 2026-11-15T12:00Z, zone UTC:
 *  E1 EUR Proposal 50%     100.00  2026-12-10
 *  E2 EUR Negotiation 75%   20.01  2026-12-20
 *  E3 EUR Lead 10%          50.00  no expected close
 *  U1 USD Closing 90%      400.00  2026-12-05
 *  U2 USD Qualified 20%     12.34  2027-01-15
 *  G1 GBP Proposal 50%       7.00  2026-12-01
 * Closed in the trailing window, whatever the currency: W1 USD won
 * 2026-03-01, W2 EUR won 2026-05-01, W3 USD won 2026-08-01, L1 GBP lost
 * 2026-06-01, L2 EUR lost 2026-07-01: 3 won, 2 lost, rate 3/5 (EUR alone
 * would be 1/2). */
static const char mixed_forecast_sql[] =
	"INSERT INTO deals (id, key, name, stage_id, status, value_minor, currency, created_at,"
	"  closed_at, expected_close, updated_at) VALUES "
	"  (1, 'E1', 'e1', 1, 'open', 10000, 'EUR', 0, NULL, 1796904000, 0),"
	"  (2, 'E2', 'e2', 5, 'open', 2001, 'EUR', 0, NULL, 1797768000, 0),"
	"  (3, 'E3', 'e3', 2, 'open', 5000, 'EUR', 0, NULL, NULL, 0),"
	"  (4, 'U1', 'u1', 3, 'open', 40000, 'USD', 0, NULL, 1796472000, 0),"
	"  (5, 'U2', 'u2', 4, 'open', 1234, 'USD', 0, NULL, 1800014400, 0),"
	"  (6, 'G1', 'g1', 1, 'open', 700, 'GBP', 0, NULL, 1796126400, 0),"
	"  (11, 'W1', 'w1', 3, 'won', 1, 'USD', 0, 1772366400, NULL, 0),"
	"  (12, 'W2', 'w2', 3, 'won', 1, 'EUR', 0, 1777636800, NULL, 0),"
	"  (13, 'W3', 'w3', 3, 'won', 1, 'USD', 0, 1785585600, NULL, 0),"
	"  (14, 'L1', 'l1', 1, 'lost', 1, 'GBP', 0, 1780315200, NULL, 0),"
	"  (15, 'L2', 'l2', 1, 'lost', 1, 'EUR', 0, 1782907200, NULL, 0);";

struct forecast_want {
	const char *month; /* NULL: the totals row */
	int64_t deals, value, weighted, win;
};

static void check_forecast(const struct report_doc *d, const struct forecast_want *w, size_t n)
{
	const struct report_table *t = &d->tables[0];

	T_INTEQ(t->nrows, n - 1);
	for (size_t r = 0; r < n; r++) {
		const struct report_cell *c = r + 1 < n ? &t->cells[r * t->ncols] : t->totals;
		if ((r + 1 < n && r >= t->nrows) || c == NULL)
			break;
		if (w[r].month != NULL)
			T_STREQ(c[0].s, w[r].month);
		T_INTEQ(c[1].i, w[r].deals);
		T_INTEQ(c[2].i, w[r].value);
		T_INTEQ(c[3].i, w[r].weighted);
		T_INTEQ(c[4].i, w[r].win);
	}
}

/* The EUR forecast of mixed_forecast_sql in JSON and text. */
static void check_forecast_eur_render(const struct report_doc *d)
{
	char *out = render(d, REPORT_JSON);

	T_OK(strstr(out, "\"currency\":\"EUR\",\"other_currencies\":[{\"currency\":\"USD\","
			 "\"deals\":2},{\"currency\":\"GBP\",\"deals\":1}],\"params\":{") != NULL);
	T_OK(strstr(out, "{\"month\":\"2026-12\",\"deals\":2,\"value\":\"120.01\","
			 "\"weighted_value\":\"65.01\",\"win_rate_forecast\":\"72.01\"}") != NULL);
	free(out);
	out = render(d, REPORT_TEXT);
	T_OK(strstr(out, "\n\nmoney in EUR; 2 deals in USD, 1 deal in GBP left out (--currency "
			 "USD or GBP shows them)\n") != NULL);
	free(out);
}

#define NW(a) (sizeof(a) / sizeof((a)[0]))

static void test_forecast_currencies(void)
{
	/* EUR, of most open deals (3; USD 2, GBP 1): weighted 50.00 + 15.0075
	 * and 5.00; win rate 3/5 of 100.00, 20.01, 50.00 = 60.00, 12.006,
	 * 30.00. */
	static const struct forecast_want eur[] = {
		{"2026-12", 2, 12001, 6501, 7201},
		{"(none)", 1, 5000, 500, 3000},
		{NULL, 3, 17001, 7001, 10201},
	};
	/* --currency USD: 360.00 and 2.468; 240.00 and 7.404. */
	static const struct forecast_want usd[] = {
		{"2026-12", 1, 40000, 36000, 24000},
		{"2027-01", 1, 1234, 247, 740},
		{NULL, 2, 41234, 36247, 24740},
	};
	static const struct forecast_want none[] = {{NULL, 0, 0, 0, 0}};
	/* E3 in USD too. */
	static const struct forecast_want usd3[] = {
		{"2026-12", 1, 40000, 36000, 24000},
		{"2027-01", 1, 1234, 247, 740},
		{"(none)", 1, 5000, 500, 3000},
		{NULL, 3, 46234, 36747, 27740},
	};
	/* E1 and E2 alone. */
	static const struct forecast_want eur2[] = {
		{"2026-12", 2, 12001, 6501, 7201},
		{NULL, 2, 12001, 6501, 7201},
	};
	static const struct {
		const char *sql;   /* run before the case, or NULL */
		const char *asked; /* --currency */
		const char *currency;
		const struct forecast_want *rows; /* then the totals */
		size_t n;
		const char *others;
	} cases[] = {
		{NULL, NULL, "EUR", eur, NW(eur), "USD 2, GBP 1"},
		{NULL, "USD", "USD", usd, NW(usd), "EUR 3, GBP 1"},
		/* a currency no open deal is in: no rows, zeros */
		{NULL, "JPY", "JPY", none, NW(none), "EUR 3, USD 2, GBP 1"},
		/* USD has most deals (3), though EUR comes first */
		{"UPDATE deals SET currency = 'USD' WHERE key = 'E3'", NULL, "USD", usd3, NW(usd3),
		 "EUR 2, GBP 1"},
		/* two deals in each: a tie, the alphabetically first */
		{"UPDATE deals SET currency = 'GBP' WHERE key = 'U2'", NULL, "EUR", eur2, NW(eur2),
		 "GBP 2, USD 2"},
	};
	struct store *st = open_with(stages_sql, mixed_forecast_sql);
	struct report_params p;
	struct report_doc d;
	struct err err;

	err_init(&err);
	params_init(&p, T0, T0 + DAY, 1794744000);
	p.tz = "UTC";
	for (size_t i = 0; i < NW(cases); i++) {
		if (cases[i].sql != NULL)
			T_OK(store_exec_script(st, cases[i].sql, &err) == 0);
		p.currency = cases[i].asked;
		T_OK(build(st, &p, &d, report_forecast, "forecast") == 0);
		T_STREQ(d.currency, cases[i].currency);
		T_STREQ(param(&d, "currency"), cases[i].currency);
		/* the win rate is over every closed deal, whatever its currency */
		T_STREQ(param(&d, "trailing_win_rate"), "0.6");
		T_STREQ(param(&d, "trailing_deals"), "5");
		check_forecast(&d, cases[i].rows, cases[i].n);
		check_others(&d, cases[i].others);
		if (i == 0)
			check_forecast_eur_render(&d);
		report_doc_release(&d);
	}
	store_close(&st);
}

int main(void)
{
	test_funnel_ordered();
	test_funnel_any();
	test_funnel_property();
	test_forecast();
	test_forecast_empty_history();
	test_forecast_currencies();
	return t_done("report_pipeline");
}

/* reports/pipeline.c - SPEC §6 "funnel" and "forecast".
 *
 * Funnel. The deals are those created in [from, to); each one's
 * stage_history, in entered_at order, is read as visits: consecutive
 * entries in the same stage are one visit, which ends ("is left") when the
 * next entry, in another stage, begins. With --mode any a deal reaches
 * every stage it has a visit in. With --mode ordered it
 * reaches the longest prefix of the pipeline (stages by position) that its
 * visits follow one by one from the first: the first visit must be the
 * first stage, each next visit the next stage, and the first visit that is
 * anything else (a skipped stage, a move back, a stage out of the pipeline)
 * ends its path for good. So reached never grows down the stages in
 * ordered mode. A deal without history reaches nothing. The time in a
 * stage is, per deal, the length of its visit on the ordered path (ordered)
 * or the sum of its visits to the stage (any), counting only visits it
 * left; the median over deals (the mean of the middle two for an even
 * count) is shown in days.
 *
 * Forecast. The open deals, whatever --from/--to say (a forecast looks
 * ahead of the range), grouped by the month of expected_close in the
 * report's zone; deals without one make a last row "(none)". A row is
 * about money, so the rows (their deal counts too) take only the open
 * deals in the report currency (report_currency_choose over the open
 * deals: --currency, else the only one, else the one of most deals); the
 * open deals in other currencies are counted in d->others. The win rate
 * is not money: it is over every deal closed in the window, whatever its
 * currency. Weighted value
 * is value × the stage's probability / 100 (a stage without one weighs 0),
 * and the win-rate forecast value × won / (won + lost) over the deals
 * closed in the trailing 12 months: from the local midnight of the same
 * day a year before `now` (the 28th for a 29 February) up to `now`. Both
 * are rounded to minor units per deal, half away from zero, so the totals
 * row is the sum of the rows.
 */
#include "reports/report.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

/* ---- funnel ------------------------------------------------------------ */

static const struct report_col funnel_cols[] = {
	{"stage", "Stage", REPORT_K_TEXT},
	{"reached", "Reached", REPORT_K_INT},
	{"next_step_conversion", "Next step", REPORT_K_RATE},
	{"cumulative_conversion", "Cumulative", REPORT_K_RATE},
	{"drop_off", "Drop-off", REPORT_K_INT},
	{"median_days_in_stage", "Median days", REPORT_K_NUM},
};

struct samples {
	int64_t *v; /* seconds */
	size_t n;
};

struct stage_ref {
	int64_t id;
	size_t idx; /* position in pipeline order */
};

struct funnel {
	size_t nstages;
	struct stage_ref *ids; /* sorted by id, for lookups */
	int any;
	int64_t *reached;     /* per stage, in the report's mode */
	struct samples *time; /* per stage */
	int64_t *spent;	      /* any: this deal's seconds per stage, -1 when none */
	char *seen;	      /* any: this deal has a visit in the stage */
	/* The deal being read. */
	int64_t deal;
	size_t next; /* ordered: the stage its path needs next */
	int off;     /* ordered: its path has ended */
	/* Its current visit. */
	int in_visit;
	size_t vidx;
	int unknown; /* the visit is in a stage not in the pipeline */
	int64_t ventered, vleft;
};

static int ref_cmp(const void *a, const void *b)
{
	const struct stage_ref *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static void samples_add(struct samples *s, int64_t v)
{
	s->v = xreallocarray(s->v, s->n + 1, sizeof *s->v);
	s->v[s->n++] = v;
}

static int i64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The median of the samples in days; 0 with no samples. */
static double samples_median_days(struct samples *s)
{
	double m;

	if (s->n == 0)
		return 0;
	qsort(s->v, s->n, sizeof *s->v, i64_cmp);
	if (s->n % 2)
		m = (double)s->v[s->n / 2];
	else
		m = ((double)s->v[s->n / 2 - 1] + (double)s->v[s->n / 2]) / 2.0;
	return m / 86400.0;
}

/* Ends the current visit: on the ordered path, or for the stages touched. */
static void visit_end(struct funnel *f)
{
	int64_t spent = f->vleft != STORE_NO_TIME ? f->vleft - f->ventered : -1;

	if (!f->in_visit)
		return;
	f->in_visit = 0;
	if (f->any) {
		if (f->unknown)
			return;
		f->seen[f->vidx] = 1;
		if (spent >= 0)
			f->spent[f->vidx] = (f->spent[f->vidx] < 0 ? 0 : f->spent[f->vidx]) + spent;
		return;
	}
	if (f->off || f->unknown || f->vidx != f->next) {
		f->off = 1;
		return;
	}
	f->reached[f->next]++;
	if (spent >= 0)
		samples_add(&f->time[f->next], spent);
	f->next++;
}

static void deal_end(struct funnel *f)
{
	visit_end(f);
	if (!f->any)
		return;
	for (size_t k = 0; k < f->nstages; k++) {
		f->reached[k] += f->seen[k];
		if (f->spent[k] >= 0)
			samples_add(&f->time[k], f->spent[k]);
		f->spent[k] = -1;
		f->seen[k] = 0;
	}
}

static int funnel_entry(int64_t deal, int64_t stage, int64_t entered_at, int64_t left_at, void *arg)
{
	struct funnel *f = arg;
	struct stage_ref key = {stage, 0}, *ref;

	if (deal != f->deal) {
		deal_end(f);
		f->deal = deal;
		f->next = 0;
		f->off = 0;
	}
	ref = bsearch(&key, f->ids, f->nstages, sizeof *f->ids, ref_cmp);
	if (f->in_visit && ref != NULL && !f->unknown && ref->idx == f->vidx) {
		f->vleft = left_at; /* the same stage again: one visit */
		return 0;
	}
	visit_end(f);
	f->in_visit = 1;
	f->unknown = ref == NULL;
	f->vidx = ref != NULL ? ref->idx : 0;
	f->ventered = entered_at;
	f->vleft = left_at;
	return 0;
}

static void funnel_rows(struct funnel *f, const struct store_pipeline_stage *stages,
			struct report_table *t)
{
	for (size_t k = 0; k < f->nstages; k++) {
		struct report_cell *row = report_add_row(t);
		int64_t n = f->reached[k], nn = k + 1 < f->nstages ? f->reached[k + 1] : 0;

		report_cell_text(&row[0], stages[k].name);
		report_cell_int(&row[1], n);
		if (k + 1 < f->nstages && n > 0)
			report_cell_num(&row[2], (double)nn / (double)n);
		if (f->reached[0] > 0)
			report_cell_num(&row[3], (double)n / (double)f->reached[0]);
		report_cell_int(&row[4], k + 1 < f->nstages ? n - nn : 0);
		if (f->time[k].n > 0)
			report_cell_num(&row[5], samples_median_days(&f->time[k]));
	}
}

static void funnel_release(struct funnel *f)
{
	for (size_t k = 0; k < f->nstages; k++)
		free(f->time[k].v);
	free(f->time);
	free(f->ids);
	free(f->reached);
	free(f->spent);
	free(f->seen);
}

int report_funnel(struct store *st, const struct report_params *p, struct report_doc *d,
		  struct err *err)
{
	struct store_pipeline_stage *stages = NULL;
	struct funnel f;
	size_t n = 0;
	int rc = -1;

	memset(&f, 0, sizeof f);
	if (store_pipeline_stages(st, &stages, &n, err) == -1)
		return -1;
	f.nstages = n;
	f.any = p->funnel_any;
	f.deal = -1;
	f.ids = xcalloc(n + 1, sizeof *f.ids);
	f.reached = xcalloc(n + 1, sizeof *f.reached);
	f.time = xcalloc(n + 1, sizeof *f.time);
	f.spent = xcalloc(n + 1, sizeof *f.spent);
	f.seen = xcalloc(n + 1, sizeof *f.seen);
	for (size_t k = 0; k < n; k++) {
		f.ids[k].id = stages[k].id;
		f.ids[k].idx = k;
		f.spent[k] = -1;
	}
	if (n > 0)
		qsort(f.ids, n, sizeof *f.ids, ref_cmp);
	if (store_funnel_history(st, p->from, p->to, funnel_entry, &f, err) == -1)
		goto out;
	deal_end(&f);
	report_param_str(d, "mode", f.any ? "any" : "ordered");
	funnel_rows(&f, stages,
		    report_add_table(d, "rows", "Funnel by stage", funnel_cols,
				     sizeof funnel_cols / sizeof funnel_cols[0]));
	rc = 0;
out:
	if (rc == -1)
		err_prefix(err, "funnel report");
	funnel_release(&f);
	store_pipeline_stages_free(stages, n);
	return rc;
}

/* ---- forecast ------------------------------------------------------------ */

static const struct report_col forecast_cols[] = {
	{"month", "Month", REPORT_K_TEXT},
	{"deals", "Deals", REPORT_K_INT},
	{"value", "Value", REPORT_K_MONEY},
	{"weighted_value", "Weighted", REPORT_K_MONEY},
	{"win_rate_forecast", "Win-rate forecast", REPORT_K_MONEY},
};

struct forecast_sum {
	int64_t deals, value, weighted, win;
};

struct forecast {
	const char *tz;
	int64_t won, closed; /* trailing: won, won + lost */
	struct report_table *t;
	char month[8];		   /* "YYYY-MM" of cur, "" before the first */
	struct forecast_sum cur;   /* the month being summed */
	struct forecast_sum none;  /* no expected close */
	struct forecast_sum total; /* everything */
};

/* a × b / c rounded half away from zero, for b >= 0, c > 0, without
 * overflowing on the way as long as b × c fits. */
static int64_t round_mul_div(int64_t a, int64_t b, int64_t c)
{
	uint64_t m = a < 0 ? (uint64_t)0 - (uint64_t)a : (uint64_t)a;
	uint64_t ub = (uint64_t)b, uc = (uint64_t)c;
	uint64_t r = (m / uc) * ub, rem = (m % uc) * ub;

	r += rem / uc;
	if ((rem % uc) * 2 >= uc)
		r++;
	return a < 0 ? -(int64_t)r : (int64_t)r;
}

static void sum_add(struct forecast_sum *s, const struct forecast_sum *x)
{
	s->deals += x->deals;
	s->value += x->value;
	s->weighted += x->weighted;
	s->win += x->win;
}

static void forecast_row(struct report_table *t, const char *month, const struct forecast_sum *s,
			 struct report_cell *row)
{
	if (row == NULL)
		row = report_add_row(t);
	if (month != NULL)
		report_cell_text(&row[0], month);
	report_cell_int(&row[1], s->deals);
	report_cell_int(&row[2], s->value);
	report_cell_int(&row[3], s->weighted);
	report_cell_int(&row[4], s->win);
}

static int forecast_deal(const struct store_forecast_deal *fd, void *arg)
{
	struct forecast *fc = arg;
	struct forecast_sum x = {1, fd->value_minor, 0, 0};
	char date[16];

	if (fd->probability > 0)
		x.weighted = round_mul_div(fd->value_minor, fd->probability, 100);
	if (fc->closed > 0)
		x.win = round_mul_div(fd->value_minor, fc->won, fc->closed);
	sum_add(&fc->total, &x);
	if (fd->expected_close == STORE_NO_TIME) {
		sum_add(&fc->none, &x);
		return 0;
	}
	report_local_date(fc->tz, fd->expected_close, date, sizeof date);
	date[7] = '\0';
	if (strcmp(date, fc->month) != 0) {
		if (fc->month[0] != '\0')
			forecast_row(fc->t, fc->month, &fc->cur, NULL);
		memcpy(fc->month, date, sizeof fc->month);
		memset(&fc->cur, 0, sizeof fc->cur);
	}
	sum_add(&fc->cur, &x);
	return 0;
}

static int parse_digits(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* The local midnight of the same day a year before `now` (the 28th for a
 * 29 February), in the zone: the start of the trailing 12 months. */
static int64_t trailing_start(const char *tz, int64_t now)
{
	char date[16];
	int64_t y, back;
	unsigned m, dd, pd;

	report_local_date(tz, now, date, sizeof date);
	y = parse_digits(date, 4);
	m = (unsigned)parse_digits(date + 5, 2);
	dd = (unsigned)parse_digits(date + 8, 2);
	pd = dd;
	if (m == 2 && dd == 29)
		pd = 28 + (tu_days_from_civil(y - 1, 3, 1) - tu_days_from_civil(y - 1, 2, 1) == 29);
	back = tu_days_from_civil(y, m, dd) - tu_days_from_civil(y - 1, m, pd);
	return report_local_midnight(tz, now, -(int)back);
}

static int forecast_trailing(struct store *st, struct forecast *fc, int64_t now,
			     struct report_doc *d, struct err *err)
{
	int64_t from = trailing_start(fc->tz, now), lost;
	char date[16];

	if (store_forecast_closed(st, from, now, &fc->won, &lost, err) == -1)
		return -1;
	fc->closed = fc->won + lost;
	report_param_num(d, "trailing_win_rate",
			 fc->closed > 0 ? (double)fc->won / (double)fc->closed : 0);
	report_param_num(d, "trailing_deals", (double)fc->closed);
	report_local_date(fc->tz, from, date, sizeof date);
	report_param_str(d, "trailing_from", date);
	return 0;
}

int report_forecast(struct store *st, const struct report_params *p, struct report_doc *d,
		    struct err *err)
{
	struct forecast fc;
	int rc = -1;

	memset(&fc, 0, sizeof fc);
	fc.tz = d->tz != NULL ? d->tz : p->tz != NULL ? p->tz : "UTC";
	if (forecast_trailing(st, &fc, p->now, d, err) == -1)
		goto out;
	if (store_forecast_currencies(st, report_currency_count, d, err) == -1)
		goto out;
	report_currency_choose(d, p->currency);
	fc.t = report_add_table(d, "rows", "Forecast by expected close month", forecast_cols,
				sizeof forecast_cols / sizeof forecast_cols[0]);
	if (store_forecast_open_deals(st, d->currency, forecast_deal, &fc, err) == -1)
		goto out;
	if (fc.month[0] != '\0')
		forecast_row(fc.t, fc.month, &fc.cur, NULL);
	if (fc.none.deals > 0)
		forecast_row(fc.t, "(none)", &fc.none, NULL);
	forecast_row(fc.t, NULL, &fc.total, report_add_totals(fc.t));
	rc = 0;
out:
	if (rc == -1)
		err_prefix(err, "forecast report");
	return rc;
}

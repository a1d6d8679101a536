/* reports/attribution.c - SPEC §6 "attribution": per lead source, leads,
 * deals, wins, won value, conversions and median days to close
 * (tables[0] "rows", with totals), and the won value credited to channels
 * by the multi-touch models (tables[1] "credits").
 *
 * The counting is done in SQL (store/rep_attribution.c). Here the
 * touchpoints of each won deal are weighted by each model and its value is
 * split in whole minor units, so that one deal's credits add up exactly to
 * its value.
 *
 * Money is in one currency, the report currency (report_currency_choose
 * over the counted deals: --currency, else the only one, else the one of
 * most deals): won_value and the credits count only the won deals in it,
 * so each model's credits add up to the totals' won_value. Leads, deals,
 * won, the conversions and the median days to close count every deal;
 * the deals in other currencies are listed in d->others. Definitions:
 *
 *   touches   touch 0 is the lead-source touch (channel: the deal's lead
 *             source); then the deal's activities up to its close, oldest
 *             first (email-inbound, email-outbound, meeting, call).
 *   D         the deal-creation touch: the first activity touch at or after
 *             the deal's created_at; if none, the last activity touch (the
 *             nearest before); with no activity touch, touch 0.
 *   L         the lead-creation touch: the first activity touch at or after
 *             the first contact's created_at; with no contact or no such
 *             activity, touch 0.
 *   first     1 on touch 0.            last    1 on the last touch.
 *   linear    1 on every touch.
 *   u-shaped  0.4 on touch 0, 0.4 on D, 0.2 shared equally by the others.
 *   w-shaped  0.3 on touch 0, 0.3 on L, 0.3 on D, 0.1 shared by the others.
 *   time-decay 2^(-age/half_life), age = closed_at - touch time in days
 *             (never below 0).
 * Roles that fall on one touch add up (u-shaped with a single touch: 0.8
 * on it); a share for "the others" when there are none is not given, and
 * the weights are then scaled to sum to 1 (u-shaped over two touches is
 * 50/50, w-shaped over two touches with L = D is 1/3 and 2/3).
 */
#include "reports/report.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "store/store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum attr_model {
	M_FIRST,
	M_LAST,
	M_LINEAR,
	M_U,
	M_W,
	M_DECAY,
	M_COUNT,
};

static const char *const model_names[M_COUNT] = {"first",    "last",	 "linear",
						 "u-shaped", "w-shaped", "time-decay"};

static const struct report_col row_cols[] = {
	{"source", "Source", REPORT_K_TEXT},
	{"leads", "Leads", REPORT_K_INT},
	{"deals", "Deals", REPORT_K_INT},
	{"won", "Won", REPORT_K_INT},
	{"won_value", "Won value", REPORT_K_MONEY},
	{"lead_to_deal", "Lead>deal", REPORT_K_RATE},
	{"deal_to_won", "Deal>won", REPORT_K_RATE},
	{"median_days_to_close", "Days to close", REPORT_K_NUM},
};

static const struct report_col credit_cols[] = {
	{"model", "Model", REPORT_K_TEXT},
	{"channel", "Channel", REPORT_K_TEXT},
	{"value", "Value", REPORT_K_MONEY},
};

/* ---- rows ------------------------------------------------------------- */

static void cell_rate(struct report_cell *c, int64_t num, int64_t den)
{
	if (den > 0)
		report_cell_num(c, (double)num / (double)den);
}

static int add_source(const struct store_attr_source *s, void *arg)
{
	struct report_table *t = arg;
	struct report_cell *row = s->source != NULL ? report_add_row(t) : report_add_totals(t);

	if (s->source != NULL)
		report_cell_text(&row[0], s->source);
	report_cell_int(&row[1], s->leads);
	report_cell_int(&row[2], s->deals);
	report_cell_int(&row[3], s->won);
	report_cell_int(&row[4], s->won_value);
	cell_rate(&row[5], s->leads_converted, s->leads);
	cell_rate(&row[6], s->deals_won, s->deals);
	if (s->won > 0)
		report_cell_num(&row[7], s->median_days);
	return 0;
}

/* ---- credits ---------------------------------------------------------- */

struct touch {
	size_t channel; /* index into attr.channels */
	int64_t at;
};

struct channel {
	char *name;
	int64_t value[M_COUNT];
	int credited[M_COUNT]; /* some touch in it had a weight */
};

struct share {
	double frac;
	size_t i;
};

struct attr {
	int want[M_COUNT];
	double half_life;
	struct channel *channels;
	size_t nchannels;
	/* the deal being read */
	int64_t deal, value, created_at, closed_at, contact_created_at;
	struct touch *touches;
	size_t ntouches, cap;
	/* scratch, ntouches long */
	double *w;
	int64_t *units;
	struct share *shares;
};

static size_t channel_index(struct attr *a, const char *name)
{
	for (size_t i = 0; i < a->nchannels; i++)
		if (strcmp(a->channels[i].name, name) == 0)
			return i;
	a->channels = xreallocarray(a->channels, a->nchannels + 1, sizeof *a->channels);
	memset(&a->channels[a->nchannels], 0, sizeof *a->channels);
	a->channels[a->nchannels].name = xstrdup(name);
	return a->nchannels++;
}

static int share_cmp(const void *x, const void *y)
{
	const struct share *p = x, *q = y;

	if (p->frac != q->frac)
		return p->frac > q->frac ? -1 : 1;
	return p->i < q->i ? -1 : p->i > q->i;
}

/* Splits value over n touches in proportion to w (some w > 0): the floors
 * of the real shares, then the units left one by one to the largest
 * remainders, ties to the earlier touch. Should rounding in the doubles
 * overshoot, units are taken back from the smallest remainders. */
static void split_exact(struct attr *a, size_t n)
{
	double sum = 0;
	int64_t left = a->value;
	size_t k;

	for (size_t i = 0; i < n; i++)
		sum += a->w[i];
	for (size_t i = 0; i < n; i++) {
		double x = (double)a->value * (a->w[i] / sum);
		double f = floor(x);
		a->units[i] = (int64_t)f;
		a->shares[i].frac = x - f;
		a->shares[i].i = i;
		left -= a->units[i];
	}
	qsort(a->shares, n, sizeof *a->shares, share_cmp);
	for (k = 0; left > 0; k = (k + 1) % n, left--)
		a->units[a->shares[k].i]++;
	for (k = n - 1; left < 0; k = (k + n - 1) % n) {
		if (a->units[a->shares[k].i] > 0) {
			a->units[a->shares[k].i]--;
			left++;
		}
	}
}

/* The first activity touch at or after t; `none` when there is none. */
static size_t touch_at_or_after(const struct attr *a, int64_t t, size_t none)
{
	for (size_t i = 1; i < a->ntouches; i++)
		if (a->touches[i].at >= t)
			return i;
	return none;
}

/* Weights of the named roles, and `rest` shared by the other touches. */
static void weigh_roles(struct attr *a, const size_t *role, const double *rw, size_t nroles,
			double rest)
{
	size_t n = a->ntouches, others = n;
	char *named = xcalloc(n, 1);

	for (size_t r = 0; r < nroles; r++) {
		a->w[role[r]] += rw[r];
		others -= !named[role[r]];
		named[role[r]] = 1;
	}
	for (size_t i = 0; i < n && others > 0; i++)
		if (!named[i])
			a->w[i] = rest / (double)others;
	free(named);
}

static void weigh(struct attr *a, enum attr_model m)
{
	size_t n = a->ntouches;
	size_t dc = touch_at_or_after(a, a->created_at, n - 1);
	size_t lc = a->contact_created_at == STORE_NO_TIME ?
			    0 :
			    touch_at_or_after(a, a->contact_created_at, 0);
	double min_age = INFINITY;

	memset(a->w, 0, n * sizeof *a->w);
	switch (m) {
	case M_FIRST:
		a->w[0] = 1;
		break;
	case M_LAST:
		a->w[n - 1] = 1;
		break;
	case M_LINEAR:
		for (size_t i = 0; i < n; i++)
			a->w[i] = 1;
		break;
	case M_U:
		weigh_roles(a, (const size_t[]){0, dc}, (const double[]){0.4, 0.4}, 2, 0.2);
		break;
	case M_W:
		weigh_roles(a, (const size_t[]){0, lc, dc}, (const double[]){0.3, 0.3, 0.3}, 3,
			    0.1);
		break;
	case M_DECAY:
		/* Relative to the youngest touch, so the weights never all
		 * underflow to 0. */
		for (size_t i = 0; i < n; i++) {
			double age = (double)(a->closed_at - a->touches[i].at) / 86400.0;
			a->w[i] = age > 0 ? age : 0;
			if (a->w[i] < min_age)
				min_age = a->w[i];
		}
		for (size_t i = 0; i < n; i++)
			a->w[i] = exp2(-(a->w[i] - min_age) / a->half_life);
		break;
	case M_COUNT:
		break;
	}
}

static void deal_credit(struct attr *a)
{
	size_t n = a->ntouches;

	if (n == 0)
		return;
	a->w = xreallocarray(a->w, n, sizeof *a->w);
	a->units = xreallocarray(a->units, n, sizeof *a->units);
	a->shares = xreallocarray(a->shares, n, sizeof *a->shares);
	for (int m = 0; m < M_COUNT; m++) {
		if (!a->want[m])
			continue;
		weigh(a, (enum attr_model)m);
		split_exact(a, n);
		for (size_t i = 0; i < n; i++) {
			struct channel *c = &a->channels[a->touches[i].channel];
			c->value[m] += a->units[i];
			c->credited[m] |= a->w[i] > 0;
		}
	}
	a->ntouches = 0;
}

static int add_touch(const struct store_attr_touch *t, void *arg)
{
	struct attr *a = arg;

	if (t->lead) {
		deal_credit(a);
		a->deal = t->deal;
		a->value = t->value_minor;
		a->created_at = t->created_at;
		a->closed_at = t->closed_at;
		a->contact_created_at = t->contact_created_at;
	}
	if (a->ntouches == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->touches = xreallocarray(a->touches, a->cap, sizeof *a->touches);
	}
	a->touches[a->ntouches].channel = channel_index(a, t->channel);
	a->touches[a->ntouches].at = t->at;
	a->ntouches++;
	return 0;
}

struct credit_row {
	int model;
	const char *channel;
	int64_t value;
};

static int credit_cmp(const void *x, const void *y)
{
	const struct credit_row *p = x, *q = y;

	if (p->model != q->model)
		return p->model - q->model;
	if (p->value != q->value)
		return p->value > q->value ? -1 : 1;
	return strcmp(p->channel, q->channel);
}

static void credits_table(struct attr *a, struct report_table *t)
{
	struct credit_row *v = xcalloc(a->nchannels * M_COUNT + 1, sizeof *v);
	size_t n = 0;

	for (int m = 0; m < M_COUNT; m++)
		for (size_t i = 0; i < a->nchannels; i++)
			if (a->want[m] && a->channels[i].credited[m])
				v[n++] = (struct credit_row){m, a->channels[i].name,
							     a->channels[i].value[m]};
	qsort(v, n, sizeof *v, credit_cmp);
	for (size_t i = 0; i < n; i++) {
		struct report_cell *row = report_add_row(t);
		report_cell_text(&row[0], model_names[v[i].model]);
		report_cell_text(&row[1], v[i].channel);
		report_cell_int(&row[2], v[i].value);
	}
	free(v);
}

static void attr_release(struct attr *a)
{
	for (size_t i = 0; i < a->nchannels; i++)
		free(a->channels[i].name);
	free(a->channels);
	free(a->touches);
	free(a->w);
	free(a->units);
	free(a->shares);
}

static int select_models(struct attr *a, const char *model, struct err *err)
{
	if (model == NULL || strcmp(model, "all") == 0) {
		for (int m = 0; m < M_COUNT; m++)
			a->want[m] = 1;
		return 0;
	}
	for (int m = 0; m < M_COUNT; m++) {
		if (strcmp(model, model_names[m]) == 0) {
			a->want[m] = 1;
			return 0;
		}
	}
	return err_set(err, ERR_USAGE, "unknown attribution model '%s'", model);
}

int report_attribution(struct store *st, const struct report_params *p, struct report_doc *d,
		       struct err *err)
{
	struct attr a;
	struct report_table *t;
	const char *model = p->model != NULL ? p->model : "all";
	int rc = -1;

	memset(&a, 0, sizeof a);
	a.half_life = p->half_life > 0 ? p->half_life : 7;
	if (select_models(&a, model, err) == -1)
		goto out;
	report_param_str(d, "model", model);
	report_param_num(d, "half_life_days", a.half_life);
	if (store_attr_currencies(st, p->from, p->to, report_currency_count, d, err) == -1)
		goto out;
	report_currency_choose(d, p->currency);
	t = report_add_table(d, "rows", "Lead sources", row_cols,
			     sizeof row_cols / sizeof row_cols[0]);
	if (store_attr_sources(st, p->from, p->to, d->currency, add_source, t, err) == -1)
		goto out;
	if (store_attr_touches(st, p->from, p->to, d->currency, add_touch, &a, err) == -1)
		goto out;
	deal_credit(&a);
	t = report_add_table(d, "credits", "Credits of won value by channel", credit_cols,
			     sizeof credit_cols / sizeof credit_cols[0]);
	credits_table(&a, t);
	rc = 0;
out:
	attr_release(&a);
	return rc;
}

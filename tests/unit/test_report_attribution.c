/* tests/unit/test_report_attribution.c - SPEC §6 "attribution" over a
 * hand-checked fixture: every figure of the rows and of the credits of the
 * six models is written out below, then the same numbers are looked for
 * in the text, CSV and JSON renderings. A second fixture has deals in EUR
 * and USD: the report currency chosen, or asked for, and the money in it
 * only, written out the same way. A property test checks, for random
 * deals and touches, that each deal's credits add up exactly to its value
 * under every model.
 */
#include "core/err.h"
#include "core/xalloc.h"
#include "reports/report.h"
#include "store/store.h"
#include "t.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Day 0 is 2026-01-01T00:00Z; the report runs over days [0, 31). */
#define T0  1767225600
#define DAY 86400
#define T   "1767225600"
#define D   "*86400+" T

/*
 * Contacts in range: web 3 (1, 2, 7), referral 4 (3, 10, 11, 13), event 2
 * (4, 5), (none) 2 (6 NULL, 12 ''); out of range: 8 ('' day 40), 9 (ads
 * day -31).
 *
 * Deals:
 *   1 web       won  100.00 created 2  closed 22 contact 1 (day 1)
 *               touches: web@1, email-inbound@8, meeting@15 (cancelled
 *               meeting, note, internal mail, mail after close: not touches)
 *   2 (contact 3: referral) won 0.00 created 3 closed 10; web@3,
 *               email-outbound@5
 *   3 web       won   50.00 created 5  closed 15, no contact, no activity
 *   4 referral  lost        created 6  closed 12 (an activity: ignored)
 *   5 web       open        created 8
 *   6 ads       won  100.00 created -20 closed 25, contact 9 (day -31)
 *               touches: ads@-31, email-inbound@-24, meeting@-17,
 *               email-outbound@-3, call@4
 *   7 web       won  200.00 created -40 closed 40 (outside)
 *   9 ''        won   10.00 created 27 closed 28, no contact;
 *               (none)@27, email-outbound@27
 *  10 web       won   30.00 created -5 closed -1 (outside)
 */
static const char fixture[] =
	"INSERT INTO stages (id, key, name, position, updated_at) VALUES (1, 's', 'S', 1, 0);"
	"INSERT INTO contacts (id, email, lead_source, created_at, updated_at) VALUES "
	"(1, 'c1@x', 'web', 1" D ", 0), (2, 'c2@x', 'web', 2" D ", 0),"
	"(3, 'c3@x', 'referral', 3" D ", 0), (4, 'c4@x', 'event', 4" D ", 0),"
	"(5, 'c5@x', 'event', 5" D ", 0), (6, 'c6@x', NULL, 6" D ", 0),"
	"(7, 'c7@x', 'web', 7" D ", 0), (8, 'c8@x', '', 40" D ", 0),"
	"(9, 'c9@x', 'ads', -31" D ", 0), (10, 'c10@x', 'referral', 9" D ", 0),"
	"(11, 'c11@x', 'referral', 11" D ", 0), (12, 'c12@x', '', 12" D ", 0),"
	"(13, 'c13@x', 'referral', 13" D ", 0);"
	"INSERT INTO deals (id, key, name, value_minor, currency, stage_id, status, lead_source, "
	"created_at, closed_at, updated_at) VALUES "
	"(1, 'D1', 'n', 10000, 'EUR', 1, 'won', 'web', 2" D ", 22" D ", 0),"
	"(2, 'D2', 'n', 0, 'EUR', 1, 'won', NULL, 3" D ", 10" D ", 0),"
	"(3, 'D3', 'n', 5000, 'EUR', 1, 'won', 'web', 5" D ", 15" D ", 0),"
	"(4, 'D4', 'n', 7000, 'EUR', 1, 'lost', 'referral', 6" D ", 12" D ", 0),"
	"(5, 'D5', 'n', 9000, 'EUR', 1, 'open', 'web', 8" D ", NULL, 0),"
	"(6, 'D6', 'n', 10000, 'EUR', 1, 'won', 'ads', -20" D ", 25" D ", 0),"
	"(7, 'D7', 'n', 20000, 'EUR', 1, 'won', 'web', -40" D ", 40" D ", 0),"
	"(9, 'D9', 'n', 1000, 'EUR', 1, 'won', '', 27" D ", 28" D ", 0),"
	"(10, 'D10', 'n', 3000, 'EUR', 1, 'won', 'web', -5" D ", -1" D ", 0);"
	"INSERT INTO deal_contacts VALUES (1, 1), (2, 3), (6, 9);"
	"INSERT INTO activities (id, kind, direction, status, occurred_at, source_key, "
	"first_seen_at, updated_at) VALUES "
	"(1, 'email', 'inbound', 'logged', 8" D ", 'a1', 0, 0),"
	"(2, 'meeting', 'outbound', 'held', 15" D ", 'a2', 0, 0),"
	"(3, 'meeting', 'outbound', 'cancelled', 10" D ", 'a3', 0, 0),"
	"(4, 'note', 'internal', 'logged', 11" D ", 'a4', 0, 0),"
	"(5, 'email', 'internal', 'logged', 12" D ", 'a5', 0, 0),"
	"(6, 'email', 'inbound', 'logged', 23" D ", 'a6', 0, 0),"
	"(7, 'email', 'outbound', 'logged', 5" D ", 'a7', 0, 0),"
	"(8, 'email', 'inbound', 'logged', 7" D ", 'a8', 0, 0),"
	"(9, 'email', 'inbound', 'logged', -24" D ", 'a9', 0, 0),"
	"(10, 'meeting', 'inbound', 'held', -17" D ", 'a10', 0, 0),"
	"(11, 'email', 'outbound', 'logged', -3" D ", 'a11', 0, 0),"
	"(12, 'call', 'outbound', 'logged', 4" D ", 'a12', 0, 0),"
	"(13, 'call', 'outbound', 'logged', 30" D ", 'a13', 0, 0),"
	"(14, 'email', 'outbound', 'logged', 27" D ", 'a14', 0, 0),"
	"(15, 'email', 'inbound', 'logged', 9" D ", 'a15', 0, 0);"
	"INSERT INTO activity_links (activity_id, type, target_id, rule, created_at) VALUES "
	"(1, 'deal', 1, 'r', 0), (2, 'deal', 1, 'r', 0), (3, 'deal', 1, 'r', 0),"
	"(4, 'deal', 1, 'r', 0), (5, 'deal', 1, 'r', 0), (6, 'deal', 1, 'r', 0),"
	"(7, 'deal', 2, 'r', 0), (8, 'deal', 4, 'r', 0), (9, 'deal', 6, 'r', 0),"
	"(10, 'deal', 6, 'r', 0), (11, 'deal', 6, 'r', 0), (12, 'deal', 6, 'r', 0),"
	"(13, 'deal', 7, 'r', 0), (14, 'deal', 9, 'r', 0), (15, 'contact', 1, 'r', 0);";

#define NA -1.0 /* a null rate or median */

struct row_want {
	const char *source;
	int64_t leads, deals, won, won_value;
	double lead_to_deal, deal_to_won, median_days;
};

struct credit_want {
	const char *model, *channel;
	int64_t value;
};

static const struct row_want want_rows[] = {
	{"web", 3, 3, 2, 15000, 1.0 / 3, 2.0 / 3, 15.0},
	{"ads", 0, 0, 1, 10000, NA, NA, 45.0},
	{"(none)", 2, 1, 1, 1000, 0.0, 1.0, 1.0},
	{"event", 2, 0, 0, 0, 0.0, NA, NA},
	{"referral", 4, 2, 1, 0, 0.25, 0.5, 7.0},
	{NULL, 11, 6, 5, 26000, 2.0 / 11, 4.0 / 6, 10.0}, /* totals */
};

static const struct credit_want want_credits[] = {
	{"first", "web", 15000},
	{"first", "ads", 10000},
	{"first", "(none)", 1000},
	{"first", "referral", 0},
	{"last", "call", 10000},
	{"last", "meeting", 10000},
	{"last", "web", 5000},
	{"last", "email-outbound", 1000},
	/* D1 100.00 over three touches: 33.34 + 33.33 + 33.33 */
	{"linear", "web", 8334},
	{"linear", "email-inbound", 5333},
	{"linear", "meeting", 5333},
	{"linear", "email-outbound", 2500},
	{"linear", "ads", 2000},
	{"linear", "call", 2000},
	{"linear", "(none)", 500},
	{"linear", "referral", 0},
	/* D6: 40 / 6.67 / 40 / 6.67 / 6.66 (20% over three others) */
	{"u-shaped", "web", 9000},
	{"u-shaped", "meeting", 6000},
	{"u-shaped", "email-inbound", 4667},
	{"u-shaped", "ads", 4000},
	{"u-shaped", "email-outbound", 1167},
	{"u-shaped", "call", 666},
	{"u-shaped", "(none)", 500},
	{"u-shaped", "referral", 0},
	{"w-shaped", "email-inbound", 9000},
	{"w-shaped", "web", 8000},
	{"w-shaped", "meeting", 4000},
	{"w-shaped", "ads", 3000},
	{"w-shaped", "email-outbound", 833},
	{"w-shaped", "(none)", 667},
	{"w-shaped", "call", 500},
	{"w-shaped", "referral", 0},
	/* D1 1/7 2/7 4/7: 14.29 28.57 57.14; D6 1:2:4:16:32 of 55 */
	{"time-decay", "meeting", 6441},
	{"time-decay", "web", 6429},
	{"time-decay", "call", 5818},
	{"time-decay", "email-outbound", 3409},
	{"time-decay", "email-inbound", 3221},
	{"time-decay", "(none)", 500},
	{"time-decay", "ads", 182},
	{"time-decay", "referral", 0},
};

#define NWANT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const models[] = {"first",	 "last",     "linear",
				     "u-shaped", "w-shaped", "time-decay"};

static struct store *open_fixture(const char *sql)
{
	struct err err;
	struct store *st;

	err_init(&err);
	st = store_open(":memory:", 0, &err);
	if (st == NULL || store_exec_script(st, sql, &err) == -1) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		exit(1);
	}
	return st;
}

/* The report over [from, to) with money in `currency` (NULL: chosen). */
static int run_in(struct store *st, int64_t from, int64_t to, const char *model,
		  const char *currency, struct report_doc *d)
{
	struct report_params p = {
		.from = from, .to = to, .model = model, .half_life = 7, .currency = currency};
	struct err err;
	int rc;

	err_init(&err);
	report_doc_init(d, "attribution", &p);
	d->tz = xstrdup("UTC");
	rc = report_attribution(st, &p, d, &err);
	if (rc == -1)
		fprintf(stderr, "report: %s\n", err.msg);
	return rc;
}

static int run(struct store *st, int64_t from, int64_t to, const char *model, struct report_doc *d)
{
	return run_in(st, from, to, model, NULL, d);
}

static void check_cell_num(const struct report_cell *c, double want)
{
	if (want == NA) {
		T_OK(c->null);
		return;
	}
	T_OK(!c->null);
	T_OK(c->d > want - 1e-9 && c->d < want + 1e-9);
}

/* The rows, then the totals (the last of want, source NULL). */
static void check_rows(const struct report_doc *d, const struct row_want *want, size_t nwant)
{
	const struct report_table *t = &d->tables[0];
	size_t n = nwant - 1;

	T_STREQ(t->name, "rows");
	T_INTEQ(t->nrows, n);
	T_OK(t->totals != NULL);
	for (size_t r = 0; r <= n; r++) {
		const struct report_cell *c = r < n ? &t->cells[r * t->ncols] : t->totals;
		if ((r < n && r >= t->nrows) || c == NULL)
			break;
		if (want[r].source != NULL)
			T_STREQ(c[0].s, want[r].source);
		else
			T_OK(c[0].null);
		T_INTEQ(c[1].i, want[r].leads);
		T_INTEQ(c[2].i, want[r].deals);
		T_INTEQ(c[3].i, want[r].won);
		T_INTEQ(c[4].i, want[r].won_value);
		check_cell_num(&c[5], want[r].lead_to_deal);
		check_cell_num(&c[6], want[r].deal_to_won);
		check_cell_num(&c[7], want[r].median_days);
	}
}

/* The credits of one model (NULL: all), in order. */
static void check_credits(const struct report_doc *d, const char *model,
			  const struct credit_want *want, size_t nwant)
{
	const struct report_table *t = &d->tables[1];
	size_t r = 0;

	T_STREQ(t->name, "credits");
	for (size_t i = 0; i < nwant; i++) {
		if (model != NULL && strcmp(want[i].model, model) != 0)
			continue;
		if (r >= t->nrows) {
			T_OK(r < t->nrows);
			return;
		}
		T_STREQ(t->cells[r * 3].s, want[i].model);
		T_STREQ(t->cells[r * 3 + 1].s, want[i].channel);
		T_INTEQ(t->cells[r * 3 + 2].i, want[i].value);
		r++;
	}
	T_INTEQ(t->nrows, r);
}

/* The sum of a model's credits in a document. */
static int64_t model_sum(const struct report_doc *d, const char *model)
{
	const struct report_table *t = &d->tables[1];
	int64_t sum = 0;

	for (size_t r = 0; r < t->nrows; r++)
		if (strcmp(t->cells[r * 3].s, model) == 0)
			sum += t->cells[r * 3 + 2].i;
	return sum;
}

static void test_fixture(void)
{
	struct store *st = open_fixture(fixture);
	struct report_doc d;

	T_OK(run(st, T0, T0 + 31 * DAY, "all", &d) == 0);
	check_rows(&d, want_rows, NWANT(want_rows));
	check_credits(&d, NULL, want_credits, NWANT(want_credits));
	T_STREQ(d.currency, "EUR");
	T_INTEQ(d.nothers, 0);
	T_INTEQ(d.nparams, 3);
	T_STREQ(d.params[0].key, "model");
	T_STREQ(d.params[0].value, "all");
	T_STREQ(d.params[1].key, "half_life_days");
	T_STREQ(d.params[1].value, "7");
	T_STREQ(d.params[2].key, "currency");
	T_STREQ(d.params[2].value, "EUR");
	report_doc_release(&d);

	/* One model at a time gives that model's rows only. */
	for (size_t m = 0; m < 6; m++) {
		T_OK(run(st, T0, T0 + 31 * DAY, models[m], &d) == 0);
		check_credits(&d, models[m], want_credits, NWANT(want_credits));
		report_doc_release(&d);
	}
	store_close(&st);
}

/* Each deal alone (a range holding only its close): every model's credits
 * add up to its value. */
static void test_per_deal(void)
{
	static const struct {
		int close_day;
		int64_t value;
	} deals[] = {{22, 10000}, {10, 0}, {15, 5000}, {25, 10000}, {28, 1000}};
	struct store *st = open_fixture(fixture);
	struct report_doc d;

	for (size_t i = 0; i < sizeof deals / sizeof deals[0]; i++) {
		int64_t from = T0 + deals[i].close_day * DAY;
		T_OK(run(st, from, from + DAY, "all", &d) == 0);
		for (size_t m = 0; m < 6; m++)
			T_INTEQ(model_sum(&d, models[m]), deals[i].value);
		report_doc_release(&d);
	}
	store_close(&st);
}

static char *render(const struct report_doc *d, enum report_format f)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);
	struct err err;

	err_init(&err);
	T_OK(report_render(d, f, fp, &err) == 0);
	fclose(fp);
	return out;
}

static void has(const char *text, const char *want)
{
	if (strstr(text, want) != NULL) {
		t_pass++;
		return;
	}
	t_fail++;
	fprintf(stderr, "FAIL: rendering lacks \"%s\" in:\n%s\n", want, text);
}

static void test_render(void)
{
	struct store *st = open_fixture(fixture);
	struct report_doc d;
	char *s;

	T_OK(run(st, T0, T0 + 31 * DAY, "all", &d) == 0);

	s = render(&d, REPORT_JSON);
	has(s, "\"report\":\"attribution\"");
	has(s, "\"currency\":\"EUR\",\"other_currencies\":[],\"params\":{\"model\":\"all\","
	       "\"half_life_days\":7,\"currency\":\"EUR\"}");
	has(s, "\"rows\":[{\"source\":\"web\",\"leads\":3,\"deals\":3,\"won\":2,"
	       "\"won_value\":\"150.00\",\"lead_to_deal\":0.333333,\"deal_to_won\":0.666667,"
	       "\"median_days_to_close\":15}");
	has(s, "{\"source\":\"ads\",\"leads\":0,\"deals\":0,\"won\":1,\"won_value\":\"100.00\","
	       "\"lead_to_deal\":null,\"deal_to_won\":null,\"median_days_to_close\":45}");
	has(s, "{\"source\":\"event\",\"leads\":2,\"deals\":0,\"won\":0,\"won_value\":\"0.00\","
	       "\"lead_to_deal\":0,\"deal_to_won\":null,\"median_days_to_close\":null}");
	has(s, "\"credits\":[{\"model\":\"first\",\"channel\":\"web\",\"value\":\"150.00\"}");
	has(s, "{\"model\":\"linear\",\"channel\":\"web\",\"value\":\"83.34\"}");
	has(s, "{\"model\":\"u-shaped\",\"channel\":\"call\",\"value\":\"6.66\"}");
	has(s, "{\"model\":\"time-decay\",\"channel\":\"ads\",\"value\":\"1.82\"}");
	free(s);

	s = render(&d, REPORT_CSV);
	has(s, "source,leads,deals,won,won_value,lead_to_deal,deal_to_won,median_days_to_close\r\n"
	       "web,3,3,2,150.00,0.3333,0.6667,15.00\r\n"
	       "ads,0,0,1,100.00,,,45.00\r\n"
	       "(none),2,1,1,10.00,0.0000,1.0000,1.00\r\n"
	       "event,2,0,0,0.00,0.0000,,\r\n"
	       "referral,4,2,1,0.00,0.2500,0.5000,7.00\r\n\r\n");
	has(s, "\r\nmodel,channel,value\r\nfirst,web,150.00\r\n");
	has(s, "linear,web,83.34\r\nlinear,email-inbound,53.33\r\n");
	has(s, "w-shaped,email-outbound,8.33\r\nw-shaped,(none),6.67\r\n");
	free(s);

	s = render(&d, REPORT_TEXT);
	has(s, "model: all, half_life_days: 7, money in EUR\n");
	T_OK(strstr(s, "left out") == NULL);
	has(s, "web");
	has(s, "150.00");
	has(s, "66.7%");
	has(s, "18.2%"); /* 2 of 11 leads on a deal, the totals row */
	has(s, "total");
	has(s, "260.00");
	has(s, "83.34");
	free(s);

	report_doc_release(&d);
	store_close(&st);
}

/* Empty range, mixed currencies, an unknown model. */
static void test_edges(void)
{
	struct store *st = open_fixture(fixture);
	struct report_doc d;
	struct report_params p = {.from = T0, .to = T0 + DAY, .model = "nope"};
	struct err err;

	err_init(&err);
	T_OK(run(st, T0 + 100 * DAY, T0 + 101 * DAY, NULL, &d) == 0);
	T_INTEQ(d.tables[0].nrows, 0);
	T_OK(d.tables[0].totals != NULL && d.tables[0].totals[1].i == 0 &&
	     d.tables[0].totals[5].null && d.tables[0].totals[7].null);
	T_INTEQ(d.tables[1].nrows, 0);
	T_OK(d.currency == NULL);
	T_STREQ(d.params[0].value, "all");
	report_doc_release(&d);

	/* D9 in USD: 6 counted deals in EUR, 1 in USD. The (none) row keeps
	 * its win, without its value; first gives (none) nothing. */
	T_OK(store_exec_script(st, "UPDATE deals SET currency = 'USD' WHERE id = 9", &err) == 0);
	T_OK(run(st, T0, T0 + 31 * DAY, "first", &d) == 0);
	T_STREQ(d.currency, "EUR");
	T_INTEQ(d.nothers, 1);
	T_STREQ(d.nothers > 0 ? d.others[0].code : NULL, "USD");
	T_INTEQ(d.nothers > 0 ? d.others[0].deals : 0, 1);
	T_STREQ(d.tables[0].cells[2 * 8].s, "(none)");
	T_INTEQ(d.tables[0].cells[2 * 8 + 3].i, 1);
	T_INTEQ(d.tables[0].cells[2 * 8 + 4].i, 0);
	T_INTEQ(d.tables[0].totals[3].i, 5);
	T_INTEQ(d.tables[0].totals[4].i, 25000);
	T_INTEQ(model_sum(&d, "first"), 25000);
	T_INTEQ(d.tables[1].nrows, 3); /* web, ads, referral */
	report_doc_release(&d);

	err_init(&err);
	report_doc_init(&d, "attribution", &p);
	T_OK(report_attribution(st, &p, &d, &err) == -1);
	T_INTEQ(err.kind, ERR_USAGE);
	report_doc_release(&d);
	store_close(&st);
}

/* ---- money in two currencies ------------------------------------------- */

/*
 * Contacts: web 4 (days 1-4), ads 3 (days 5-7), none on a deal, so a
 * deal's lead touch is at its creation and L is touch 0.
 *
 *   E1 EUR web  won  100.00 created 2 closed 10; email-inbound@5
 *   E2 EUR web  won   50.00 created 3 closed 12; no activity
 *   E3 EUR ads  open  70.00 created 4
 *   U1 USD web  won  300.01 created 1 closed 20; meeting@8, call@15
 *   U2 USD ads  won   99.99 created 6 closed 25; email-outbound@24
 *   U3 USD ads  lost  40.00 created 7 closed 9
 *
 * Over days [0, 31) all six are counted, three in each currency: a tie,
 * so EUR. Counts take every deal: web 4 leads, 3 deals (E1 E2 U1), all 3
 * won, days to close 8 9 19; ads 3 leads, 3 deals (E3 U2 U3), 1 won (U2,
 * 19 days); totals 7, 6, 4 won, median (9 + 19) / 2.
 */
static const char mixed_fixture[] =
	"INSERT INTO stages (id, key, name, position, updated_at) VALUES (1, 's', 'S', 1, 0);"
	"INSERT INTO contacts (id, email, lead_source, created_at, updated_at) VALUES "
	"(1, 'c1@x', 'web', 1" D ", 0), (2, 'c2@x', 'web', 2" D ", 0),"
	"(3, 'c3@x', 'web', 3" D ", 0), (4, 'c4@x', 'web', 4" D ", 0),"
	"(5, 'c5@x', 'ads', 5" D ", 0), (6, 'c6@x', 'ads', 6" D ", 0),"
	"(7, 'c7@x', 'ads', 7" D ", 0);"
	"INSERT INTO deals (id, key, name, value_minor, currency, stage_id, status, lead_source, "
	"created_at, closed_at, updated_at) VALUES "
	"(1, 'E1', 'n', 10000, 'EUR', 1, 'won', 'web', 2" D ", 10" D ", 0),"
	"(2, 'E2', 'n', 5000, 'EUR', 1, 'won', 'web', 3" D ", 12" D ", 0),"
	"(3, 'E3', 'n', 7000, 'EUR', 1, 'open', 'ads', 4" D ", NULL, 0),"
	"(4, 'U1', 'n', 30001, 'USD', 1, 'won', 'web', 1" D ", 20" D ", 0),"
	"(5, 'U2', 'n', 9999, 'USD', 1, 'won', 'ads', 6" D ", 25" D ", 0),"
	"(6, 'U3', 'n', 4000, 'USD', 1, 'lost', 'ads', 7" D ", 9" D ", 0);"
	"INSERT INTO activities (id, kind, direction, status, occurred_at, source_key, "
	"first_seen_at, updated_at) VALUES "
	"(1, 'email', 'inbound', 'logged', 5" D ", 'm1', 0, 0),"
	"(2, 'meeting', 'outbound', 'held', 8" D ", 'm2', 0, 0),"
	"(3, 'call', 'outbound', 'logged', 15" D ", 'm3', 0, 0),"
	"(4, 'email', 'outbound', 'logged', 24" D ", 'm4', 0, 0);"
	"INSERT INTO activity_links (activity_id, type, target_id, rule, created_at) VALUES "
	"(1, 'deal', 1, 'r', 0), (2, 'deal', 4, 'r', 0), (3, 'deal', 4, 'r', 0),"
	"(4, 'deal', 5, 'r', 0);";

/* Money in EUR: E1 and E2 only. */
static const struct row_want eur_rows[] = {
	{"web", 4, 3, 3, 15000, 0.0, 1.0, 9.0},
	{"ads", 3, 3, 1, 0, 0.0, 1.0 / 3, 19.0},
	{NULL, 7, 6, 4, 15000, 0.0, 4.0 / 6, 14.0},
};

/* E1 over web@2, email-inbound@5; E2 on web@3 alone. */
static const struct credit_want eur_credits[] = {
	{"first", "web", 15000},
	{"last", "email-inbound", 10000},
	{"last", "web", 5000},
	{"linear", "web", 10000},
	{"linear", "email-inbound", 5000},
	/* D of E1 is its email: 0.4 / 0.4 and no others, so 50/50 */
	{"u-shaped", "web", 10000},
	{"u-shaped", "email-inbound", 5000},
	/* E1: 0.6 / 0.3 -> 66.666... / 33.333... -> 66.67 / 33.33 */
	{"w-shaped", "web", 11667},
	{"w-shaped", "email-inbound", 3333},
	/* E1 ages 8 and 5 days: 2^(-3/7) = 0.742997 : 1 -> 42.6276 / 57.3724
	 * -> 42.63 / 57.37 */
	{"time-decay", "web", 9263},
	{"time-decay", "email-inbound", 5737},
};

/* Money in USD: U1 and U2 only; the counts are the same. */
static const struct row_want usd_rows[] = {
	{"web", 4, 3, 3, 30001, 0.0, 1.0, 9.0},
	{"ads", 3, 3, 1, 9999, 0.0, 1.0 / 3, 19.0},
	{NULL, 7, 6, 4, 40000, 0.0, 4.0 / 6, 14.0},
};

/* U1 300.01 over web@1, meeting@8, call@15 (closed 20); U2 99.99 over
 * ads@6, email-outbound@24 (closed 25). Equal remainders go to the
 * earlier touch. */
static const struct credit_want usd_credits[] = {
	{"first", "web", 30001},
	{"first", "ads", 9999},
	{"last", "call", 30001},
	{"last", "email-outbound", 9999},
	/* U1 100.0033 x 3 -> 100.01 100.00 100.00; U2 49.995 x 2 -> 50.00 49.99 */
	{"linear", "web", 10001},
	{"linear", "call", 10000},
	{"linear", "meeting", 10000},
	{"linear", "ads", 5000},
	{"linear", "email-outbound", 4999},
	/* U1 0.4 web, 0.4 meeting (D), 0.2 call: 120.004 120.004 60.002 */
	{"u-shaped", "web", 12001},
	{"u-shaped", "meeting", 12000},
	{"u-shaped", "call", 6000},
	{"u-shaped", "ads", 5000},
	{"u-shaped", "email-outbound", 4999},
	/* U1 0.6 web (first and L), 0.3 meeting, 0.1 call: 180.006 90.003
	 * 30.001; U2 2/3 and 1/3 of 99.99: 66.66 33.33 */
	{"w-shaped", "web", 18001},
	{"w-shaped", "meeting", 9000},
	{"w-shaped", "ads", 6666},
	{"w-shaped", "email-outbound", 3333},
	{"w-shaped", "call", 3000},
	/* U1 ages 19 12 5: 1/4 1/2 1 of 1.75 -> 42.8586 85.7171 171.4343 ->
	 * 42.86 85.72 171.43; U2 ages 19 1: 2^(-18/7) = 0.168238 : 1 ->
	 * 14.4002 85.5898 -> 14.40 85.59 */
	{"time-decay", "call", 17143},
	{"time-decay", "meeting", 8572},
	{"time-decay", "email-outbound", 8559},
	{"time-decay", "web", 4286},
	{"time-decay", "ads", 1440},
};

/* No deal in GBP: no money, no credits; the counts stay. */
static const struct row_want gbp_rows[] = {
	{"ads", 3, 3, 1, 0, 0.0, 1.0 / 3, 19.0},
	{"web", 4, 3, 3, 0, 0.0, 1.0, 9.0},
	{NULL, 7, 6, 4, 0, 0.0, 4.0 / 6, 14.0},
};

static void check_other(const struct report_doc *d, size_t i, const char *code, int64_t deals)
{
	T_OK(i < d->nothers);
	if (i >= d->nothers)
		return;
	T_STREQ(d->others[i].code, code);
	T_INTEQ(d->others[i].deals, deals);
}

static void test_currency_tie(struct store *st)
{
	struct report_doc d;
	char *s;

	T_OK(run(st, T0, T0 + 31 * DAY, "all", &d) == 0);
	T_STREQ(d.currency, "EUR");
	T_INTEQ(d.nothers, 1);
	check_other(&d, 0, "USD", 3);
	T_STREQ(d.params[2].value, "EUR");
	check_rows(&d, eur_rows, NWANT(eur_rows));
	check_credits(&d, NULL, eur_credits, NWANT(eur_credits));
	for (size_t m = 0; m < 6; m++)
		T_INTEQ(model_sum(&d, models[m]), 15000);

	s = render(&d, REPORT_JSON);
	has(s, "\"currency\":\"EUR\",\"other_currencies\":[{\"currency\":\"USD\",\"deals\":3}],"
	       "\"params\":{\"model\":\"all\",\"half_life_days\":7,\"currency\":\"EUR\"}");
	has(s, "{\"source\":\"ads\",\"leads\":3,\"deals\":3,\"won\":1,\"won_value\":\"0.00\",");
	free(s);
	s = render(&d, REPORT_TEXT);
	has(s, "half_life_days: 7, money in EUR\n");
	has(s, "\n\nmoney in EUR; 3 deals in USD left out (--currency USD shows them)\n");
	free(s);
	s = render(&d, REPORT_CSV);
	T_OK(strstr(s, "left out") == NULL && strstr(s, "USD") == NULL);
	free(s);
	report_doc_release(&d);
}

static void test_currency_usd(struct store *st)
{
	struct report_doc d;
	char *s;

	T_OK(run_in(st, T0, T0 + 31 * DAY, "all", "USD", &d) == 0);
	T_STREQ(d.currency, "USD");
	T_INTEQ(d.nothers, 1);
	check_other(&d, 0, "EUR", 3);
	check_rows(&d, usd_rows, NWANT(usd_rows));
	check_credits(&d, NULL, usd_credits, NWANT(usd_credits));
	for (size_t m = 0; m < 6; m++)
		T_INTEQ(model_sum(&d, models[m]), 40000);
	T_INTEQ(d.tables[0].totals[4].i, 40000);
	s = render(&d, REPORT_JSON);
	has(s, "\"currency\":\"USD\",\"other_currencies\":[{\"currency\":\"EUR\",\"deals\":3}],"
	       "\"params\":{\"model\":\"all\",\"half_life_days\":7,\"currency\":\"USD\"}");
	has(s, "\"rows\":[{\"source\":\"web\",\"leads\":4,\"deals\":3,\"won\":3,"
	       "\"won_value\":\"300.01\",");
	has(s, "{\"model\":\"time-decay\",\"channel\":\"call\",\"value\":\"171.43\"}");
	free(s);
	report_doc_release(&d);

	/* One model: its credits alone still add up to the USD won value. */
	T_OK(run_in(st, T0, T0 + 31 * DAY, "w-shaped", "USD", &d) == 0);
	check_credits(&d, "w-shaped", usd_credits, NWANT(usd_credits));
	T_INTEQ(model_sum(&d, "w-shaped"), 40000);
	report_doc_release(&d);
}

/* The currency of most deals; the only one; one with no deal at all. */
static void test_currency_choice(struct store *st)
{
	struct report_doc d;
	char *s;

	/* Days [5, 31): E1 and E2 (won), U1 (won), U2 and U3 (created). */
	T_OK(run(st, T0 + 5 * DAY, T0 + 31 * DAY, "all", &d) == 0);
	T_STREQ(d.currency, "USD");
	T_INTEQ(d.nothers, 1);
	check_other(&d, 0, "EUR", 2);
	T_INTEQ(d.tables[0].totals[3].i, 4);
	T_INTEQ(d.tables[0].totals[4].i, 40000);
	T_INTEQ(model_sum(&d, "linear"), 40000);
	report_doc_release(&d);

	/* Days [9, 13): E1 and E2 won, nothing else (U3 is lost). */
	T_OK(run(st, T0 + 9 * DAY, T0 + 13 * DAY, "all", &d) == 0);
	T_STREQ(d.currency, "EUR");
	T_INTEQ(d.nothers, 0);
	T_INTEQ(d.tables[0].totals[4].i, 15000);
	s = render(&d, REPORT_TEXT);
	T_OK(strstr(s, "left out") == NULL);
	free(s);
	report_doc_release(&d);

	T_OK(run_in(st, T0, T0 + 31 * DAY, "all", "GBP", &d) == 0);
	T_STREQ(d.currency, "GBP");
	T_INTEQ(d.nothers, 2);
	check_other(&d, 0, "EUR", 3);
	check_other(&d, 1, "USD", 3);
	check_rows(&d, gbp_rows, NWANT(gbp_rows));
	T_INTEQ(d.tables[1].nrows, 0);
	s = render(&d, REPORT_JSON);
	has(s, "\"currency\":\"GBP\",\"other_currencies\":[{\"currency\":\"EUR\",\"deals\":3},"
	       "{\"currency\":\"USD\",\"deals\":3}],");
	free(s);
	s = render(&d, REPORT_TEXT);
	has(s, "money in GBP; 3 deals in EUR, 3 deals in USD left out (--currency EUR or USD "
	       "shows them)\n");
	free(s);
	report_doc_release(&d);

	/* Asked for, in a range with no deal: the asked currency, no others. */
	T_OK(run_in(st, T0 + 100 * DAY, T0 + 101 * DAY, "all", "USD", &d) == 0);
	T_STREQ(d.currency, "USD");
	T_INTEQ(d.nothers, 0);
	report_doc_release(&d);
}

static void test_currencies(void)
{
	struct store *st = open_fixture(mixed_fixture);

	test_currency_tie(st);
	test_currency_usd(st);
	test_currency_choice(st);
	store_close(&st);
}

/* Random deals with random touches: under every model the credits of the
 * whole range add up to the won value, and so do each deal's alone. */
static uint64_t rng = 88172645463325252ull;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void test_property(void)
{
	static const char *const kinds[][3] = {
		{"email", "inbound", "logged"},
		{"email", "outbound", "logged"},
		{"meeting", "outbound", "held"},
		{"call", "outbound", "logged"},
	};
	static const char *const sources[] = {"web", "ads", "", "referral", "event"};
	struct store *st = open_fixture("INSERT INTO stages (id, key, name, position, "
					"updated_at) VALUES (1, 's', 'S', 1, 0);");
	enum {
		NDEALS = 40
	};
	int64_t values[NDEALS], total = 0, aid = 1;
	char sql[512];
	struct report_doc d;
	struct err err;

	err_init(&err);
	for (int i = 0; i < NDEALS; i++) {
		int64_t closed = T0 + (int64_t)i * DAY + 43200, created = closed - rnd(60) * DAY;
		int ntouch = (int)rnd(12);
		values[i] = rnd(5) == 0 ? rnd(10) : rnd(10000000);
		total += values[i];
		snprintf(sql, sizeof sql,
			 "INSERT INTO contacts (id, email, lead_source, created_at, updated_at) "
			 "VALUES (%d, 'p%d@x', '%s', %lld, 0);"
			 "INSERT INTO deals (id, key, name, value_minor, stage_id, status, "
			 "lead_source, created_at, closed_at, updated_at) VALUES (%d, 'P%d', 'n', "
			 "%lld, 1, 'won', NULL, %lld, %lld, 0);"
			 "INSERT INTO deal_contacts VALUES (%d, %d);",
			 i + 1, i, sources[rnd(5)], (long long)(created - rnd(30) * DAY), i + 1, i,
			 (long long)values[i], (long long)created, (long long)closed, i + 1, i + 1);
		T_OK(store_exec_script(st, sql, &err) == 0);
		for (int k = 0; k < ntouch; k++, aid++) {
			int kd = (int)rnd(4);
			snprintf(
				sql, sizeof sql,
				"INSERT INTO activities (id, kind, direction, status, occurred_at, "
				"source_key, first_seen_at, updated_at) VALUES (%lld, '%s', '%s', "
				"'%s', %lld, 'q%lld', 0, 0);"
				"INSERT INTO activity_links (activity_id, type, target_id, rule, "
				"created_at) VALUES (%lld, 'deal', %d, 'r', 0);",
				(long long)aid, kinds[kd][0], kinds[kd][1], kinds[kd][2],
				(long long)(closed - (int64_t)rnd(90 * DAY)), (long long)aid,
				(long long)aid, i + 1);
			T_OK(store_exec_script(st, sql, &err) == 0);
		}
	}
	T_OK(run(st, T0, T0 + NDEALS * DAY, "all", &d) == 0);
	for (size_t m = 0; m < 6; m++)
		T_INTEQ(model_sum(&d, models[m]), total);
	T_INTEQ(d.tables[0].totals[4].i, total);
	report_doc_release(&d);
	for (int i = 0; i < NDEALS; i++) {
		T_OK(run(st, T0 + i * DAY, T0 + (i + 1) * DAY, "all", &d) == 0);
		for (size_t m = 0; m < 6; m++)
			T_INTEQ(model_sum(&d, models[m]), values[i]);
		report_doc_release(&d);
	}
	store_close(&st);
}

int main(void)
{
	test_fixture();
	test_per_deal();
	test_render();
	test_edges();
	test_currencies();
	test_property();
	return t_done("report_attribution");
}

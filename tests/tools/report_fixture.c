/* tests/tools/report_fixture.c - report documents built by hand, written in
 * every format, for the renderer tests.
 *
 *   report_fixture DIR    writes DIR/NAME.{txt,csv,json,html} for each
 *                         document: activity, attribution, funnel,
 *                         forecast and empty (an activity with no rows)
 *
 * The documents have the column keys of docs/report-json.md and carry
 * hostile strings (markup, attribute breakers, entities, quotes, commas,
 * newlines) and non-ASCII text in cells, parameters and titles, so the
 * HTML page can be checked in a real browser (tests/integration/
 * report_html.sh). tests/unit/test_report_render.c includes this file with
 * REPORT_FIXTURE_NO_MAIN defined to reuse the builders.
 */
#include "reports/report.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "core/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FX_SCRIPT "<script>alert(1)</script>"
#define FX_IMG	  "\"><img src=x onerror=alert(2)>"
#define FX_ENT	  "&amp; ' \""
#define FX_TZ	  "Europe/Berlin"

static const struct report_col fx_activity_cols[] = {
	{"user", "User", REPORT_K_TEXT},
	{"period_start", "Period", REPORT_K_DATE},
	{"emails_sent", "Sent", REPORT_K_INT},
	{"emails_received", "Recvd", REPORT_K_INT},
	{"meetings_held", "Mtgs", REPORT_K_INT},
	{"meeting_hours", "Hours", REPORT_K_NUM},
	{"calls", "Calls", REPORT_K_INT},
	{"contacts_touched", "Contacts", REPORT_K_INT},
	{"deals_touched", "Deals", REPORT_K_INT},
	{"first_response_median_s", "Resp med", REPORT_K_SECONDS},
	{"first_response_p90_s", "Resp p90", REPORT_K_SECONDS},
};
static const struct report_col fx_stale_cols[] = {
	{"deal", "Deal", REPORT_K_TEXT},
	{"name", "Name", REPORT_K_TEXT},
	{"owner", "Owner", REPORT_K_TEXT},
	{"last_activity", "Last activity", REPORT_K_TIME},
};
static const struct report_col fx_attr_cols[] = {
	{"source", "Source", REPORT_K_TEXT},
	{"leads", "Leads", REPORT_K_INT},
	{"deals", "Deals", REPORT_K_INT},
	{"won", "Won", REPORT_K_INT},
	{"won_value", "Won value", REPORT_K_MONEY},
	{"lead_to_deal", "Lead>deal", REPORT_K_RATE},
	{"deal_to_won", "Deal>won", REPORT_K_RATE},
	{"median_days_to_close", "Days to close", REPORT_K_NUM},
};
static const struct report_col fx_credit_cols[] = {
	{"model", "Model", REPORT_K_TEXT},
	{"channel", "Channel", REPORT_K_TEXT},
	{"value", "Credit", REPORT_K_MONEY},
};
static const struct report_col fx_funnel_cols[] = {
	{"stage", "Stage", REPORT_K_TEXT},
	{"reached", "Reached", REPORT_K_INT},
	{"next_step_conversion", "Next step", REPORT_K_RATE},
	{"cumulative_conversion", "Cumulative", REPORT_K_RATE},
	{"drop_off", "Drop-off", REPORT_K_INT},
	{"median_days_in_stage", "Days in stage", REPORT_K_NUM},
};
static const struct report_col fx_forecast_cols[] = {
	{"month", "Month", REPORT_K_TEXT},
	{"deals", "Deals", REPORT_K_INT},
	{"value", "Value", REPORT_K_MONEY},
	{"weighted_value", "Weighted", REPORT_K_MONEY},
	{"win_rate_forecast", "Win rate", REPORT_K_RATE},
};

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

/* The week of 2026-09-28 (a Monday) and the five after it, in FX_TZ. */
static void fx_init(struct report_doc *d, const char *report, enum report_period period)
{
	struct report_params p = {0};
	int64_t noon = tu_days_from_civil(2026, 9, 28) * 86400 + 43200;

	p.from = report_local_midnight(FX_TZ, noon, 0);
	p.to = report_local_midnight(FX_TZ, noon, 42);
	p.period = period;
	p.tz = FX_TZ;
	p.now = tu_days_from_civil(2026, 11, 9) * 86400 + 9 * 3600;
	report_doc_init(d, report, &p);
	d->tz = xstrdup(FX_TZ);
	d->p.tz = d->tz;
	d->currency = xstrdup("EUR");
}

static const char *const fx_users[] = {
	FX_SCRIPT, FX_IMG, "j\xc3\xb6rg@z\xc3\xbcrich.example " FX_ENT " \xe6\x9d\xb1\xe4\xba\xac"};

static void fx_activity_row(struct report_table *t, int u, int w, int64_t start)
{
	struct report_cell *row = report_add_row(t);
	char date[16];

	report_local_date(FX_TZ, start, date, sizeof date);
	report_cell_text(&row[0], fx_users[u]);
	report_cell_text(&row[1], date);
	if (u == 2 && w == 3) { /* a week with nothing at all: zeros and nulls */
		for (size_t c = 2; c < 9; c++)
			report_cell_int(&row[c], 0);
		report_cell_num(&row[5], 0);
		return;
	}
	report_cell_int(&row[2], (u + 1) * (w + 2));
	report_cell_int(&row[3], 3 * (u + 1) + w);
	report_cell_int(&row[4], (u + w) % 4);
	report_cell_num(&row[5], 0.75 * ((u + w) % 4));
	report_cell_int(&row[6], w % 3);
	report_cell_int(&row[7], 2 + u + w);
	report_cell_int(&row[8], 1 + (u + w) % 3);
	report_cell_int(&row[9], 600 + 300 * u + 60 * w);
	if (w != 5)
		report_cell_int(&row[10], 3900 + 86400 * u * w);
}

static void fx_activity_totals(struct report_table *t)
{
	struct report_cell *tot = report_add_totals(t);

	for (size_t c = 2; c < 9; c++) {
		double sum = 0;
		for (size_t r = 0; r < t->nrows; r++)
			sum += t->cells[r * t->ncols + c].d;
		if (t->cols[c].kind == REPORT_K_NUM)
			report_cell_num(&tot[c], sum);
		else
			report_cell_int(&tot[c], (int64_t)sum);
	}
}

static void fx_activity(struct report_doc *d)
{
	static const char *const stale[] = {FX_SCRIPT, FX_IMG,
					    "Z\xc3\xbcrich expansion, phase \"2\"",
					    ("\xe6\x9d\xb1\xe4\xba\xac office\nrenewal " FX_ENT)};
	struct report_table *t;

	fx_init(d, "activity", REPORT_WEEK);
	report_param_str(d, "user", "");
	report_param_num(d, "stale_days", 14);
	t = report_add_table(d, "rows", "Activity per user and week", fx_activity_cols,
			     NCOLS(fx_activity_cols));
	for (int u = 0; u < 3; u++)
		for (int w = 0; w < 6; w++)
			fx_activity_row(t, u, w, report_local_midnight(FX_TZ, d->p.from, 7 * w));
	fx_activity_totals(t);
	t = report_add_table(d, "stale_deals", "Stale open deals (no activity in 14 days)",
			     fx_stale_cols, NCOLS(fx_stale_cols));
	for (size_t i = 0; i < NCOLS(stale); i++) {
		struct report_cell *row = report_add_row(t);
		char key[16];
		snprintf(key, sizeof key, "D-%zu", 1001 + i);
		report_cell_text(&row[0], key);
		report_cell_text(&row[1], stale[i]);
		report_cell_text(&row[2], fx_users[i % NCOLS(fx_users)]);
		report_cell_int(&row[3], d->p.from - 86400 * (int64_t)(i + 3));
	}
}

static void fx_attribution(struct report_doc *d)
{
	static const struct {
		const char *source;
		int leads, deals, won;
		int64_t value;
		double days;
	} src[] = {
		{"referral", 10, 5, 2, 125000, 21.5},
		{FX_SCRIPT, 4, 2, 1, -5, 3},
		{"web & events, \"Z\xc3\xbcrich\"", 8, 4, 0, 0, -1},
		{"\xe6\x9d\xb1\xe4\xba\xac partners " FX_IMG, 0, 1, 1, 9999999, 40.25},
	};
	static const char *const models[] = {"first", "last", "linear"};
	static const char *const channels[] = {"lead source", "email", "meeting", FX_IMG};
	struct report_table *t;
	struct report_cell *row, *tot;
	int64_t sum = 0;

	fx_init(d, "attribution", REPORT_WEEK);
	report_param_str(d, "model", "all");
	report_param_num(d, "half_life_days", 7);
	report_param_str(d, "note", FX_SCRIPT " " FX_ENT);
	t = report_add_table(d, "rows", "By lead source " FX_ENT, fx_attr_cols,
			     NCOLS(fx_attr_cols));
	for (size_t i = 0; i < NCOLS(src); i++) {
		row = report_add_row(t);
		report_cell_text(&row[0], src[i].source);
		report_cell_int(&row[1], src[i].leads);
		report_cell_int(&row[2], src[i].deals);
		report_cell_int(&row[3], src[i].won);
		report_cell_int(&row[4], src[i].value);
		if (src[i].leads > 0)
			report_cell_num(&row[5], (double)src[i].deals / src[i].leads);
		report_cell_num(&row[6], (double)src[i].won / src[i].deals);
		if (src[i].days >= 0)
			report_cell_num(&row[7], src[i].days);
		sum += src[i].value;
	}
	tot = report_add_totals(t);
	report_cell_int(&tot[4], sum);
	t = report_add_table(d, "credits", "Multi-touch credit", fx_credit_cols,
			     NCOLS(fx_credit_cols));
	for (size_t m = 0; m < NCOLS(models); m++) {
		for (size_t c = 0; c < NCOLS(channels); c++) {
			row = report_add_row(t);
			report_cell_text(&row[0], models[m]);
			report_cell_text(&row[1], channels[c]);
			report_cell_int(&row[2], (int64_t)(1000 * (m + 1) * (c + 1)) + 5);
		}
	}
}

static void fx_funnel(struct report_doc *d)
{
	static const char *const stages[] = {"lead", "qualified", "proposal " FX_SCRIPT,
					     "negotiation " FX_IMG, "won \xe6\x9d\xb1\xe4\xba\xac"};
	static const int reached[] = {120, 80, 50, 30, 12};
	struct report_table *t;

	fx_init(d, "funnel", REPORT_WEEK);
	report_param_str(d, "mode", "ordered");
	t = report_add_table(d, "rows", "Funnel", fx_funnel_cols, NCOLS(fx_funnel_cols));
	for (size_t i = 0; i < NCOLS(stages); i++) {
		struct report_cell *row = report_add_row(t);
		report_cell_text(&row[0], stages[i]);
		report_cell_int(&row[1], reached[i]);
		if (i + 1 < NCOLS(stages)) {
			report_cell_num(&row[2], (double)reached[i + 1] / reached[i]);
			report_cell_int(&row[4], reached[i] - reached[i + 1]);
			report_cell_num(&row[5], 4.5 * (double)(i + 1));
		}
		report_cell_num(&row[3], (double)reached[i] / reached[0]);
	}
}

static void fx_forecast(struct report_doc *d)
{
	static const char *const months[] = {"2026-11", "2026-12", "2027-01", ("2027-02 " FX_IMG)};
	struct report_table *t;

	fx_init(d, "forecast", REPORT_MONTH);
	t = report_add_table(d, "rows", "Forecast " FX_SCRIPT, fx_forecast_cols,
			     NCOLS(fx_forecast_cols));
	for (size_t i = 0; i < NCOLS(months); i++) {
		struct report_cell *row = report_add_row(t);
		report_cell_text(&row[0], months[i]);
		report_cell_int(&row[1], (int64_t)(3 + i));
		report_cell_int(&row[2], 4500000 - 1000000 * (int64_t)i);
		report_cell_int(&row[3], 1800000 - 350000 * (int64_t)i);
		report_cell_num(&row[4], 0.4);
	}
}

/* An activity report of a quiet month: no rows, no stale deals. */
static void fx_empty(struct report_doc *d)
{
	fx_init(d, "activity", REPORT_WEEK);
	free(d->currency);
	d->currency = NULL;
	report_param_str(d, "user", FX_IMG);
	report_param_num(d, "stale_days", 14);
	report_add_table(d, "rows", "Activity per user and week", fx_activity_cols,
			 NCOLS(fx_activity_cols));
	report_add_table(d, "stale_deals", "Stale open deals " FX_SCRIPT, fx_stale_cols,
			 NCOLS(fx_stale_cols));
}

static const struct {
	const char *name;
	void (*build)(struct report_doc *d);
} fx_docs[] = {
	{"activity", fx_activity}, {"attribution", fx_attribution},
	{"funnel", fx_funnel},	   {"forecast", fx_forecast},
	{"empty", fx_empty},
};

#ifndef REPORT_FIXTURE_NO_MAIN
static const struct {
	const char *ext;
	enum report_format f;
} formats[] = {
	{"txt", REPORT_TEXT}, {"csv", REPORT_CSV}, {"json", REPORT_JSON}, {"html", REPORT_HTML}};

static int write_one(const char *dir, const char *name, const struct report_doc *d, size_t f)
{
	char *path = xasprintf("%s/%s.%s", dir, name, formats[f].ext);
	struct err err;
	FILE *fp;
	int rc = -1;

	err_init(&err);
	if ((fp = fopen(path, "w")) == NULL) {
		fprintf(stderr, "report_fixture: %s: %s\n", path, strerror(errno));
		goto out;
	}
	rc = report_render(d, formats[f].f, fp, &err);
	if (fclose(fp) != 0 && rc == 0)
		rc = err_set(&err, ERR_FINAL, "%s", strerror(errno));
	if (rc != 0)
		fprintf(stderr, "report_fixture: %s: %s\n", path, err.msg);
out:
	free(path);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0;

	if (argc != 2) {
		fputs("usage: report_fixture DIR\n", stderr);
		return 2;
	}
	if (mkdir(argv[1], 0755) == -1 && errno != EEXIST) {
		fprintf(stderr, "report_fixture: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < NCOLS(fx_docs); i++) {
		struct report_doc d;
		fx_docs[i].build(&d);
		for (size_t f = 0; f < NCOLS(formats); f++)
			if (write_one(argv[1], fx_docs[i].name, &d, f) != 0)
				rc = 1;
		report_doc_release(&d);
	}
	return rc;
}
#endif

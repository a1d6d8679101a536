/* reports/report.h - the reports a sales manager reads (SPEC §6):
 * activity, attribution, funnel, forecast.
 *
 * A report is built into a document (struct report_doc): the parameters it
 * was run with and one or more tables of typed cells. The builders read the
 * store only (their aggregations run in SQL, in store/); the renderers turn
 * any document into text, CSV, JSON or one self-contained HTML page, so the
 * four formats of one run always carry the same numbers.
 *
 * Tables: tables[0] is the report's "rows" (SPEC §6 row fields are its
 * column keys); further tables are the report-specific lists
 * ("stale_deals", "credits"). A table may carry a totals row, which only
 * the text and HTML renderers print.
 */
#ifndef REPORTS_REPORT_H
#define REPORTS_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct err;
struct store;

enum report_period {
	REPORT_DAY,
	REPORT_WEEK, /* ISO weeks, starting Monday */
	REPORT_MONTH,
};

enum report_format {
	REPORT_TEXT,
	REPORT_CSV,
	REPORT_JSON,
	REPORT_HTML,
};

/* What a report is asked for. Times are UTC seconds; [from, to). */
struct report_params {
	int64_t from, to;
	const char *tz; /* IANA zone: periods cut at its local midnight */
	enum report_period period;
	const char *user;  /* canonical email of one team member, or NULL */
	const char *model; /* attribution: first, last, linear, u-shaped, w-shaped,
			    * time-decay or all (default all) */
	double half_life;  /* time-decay half-life in days (default 7) */
	int funnel_any;	   /* funnel --mode any (default ordered) */
	int stale_days;	   /* activity: an open deal is stale after this (default 14) */
	int64_t now;	   /* the run's clock */
	/* attribution, forecast: the ISO 4217 code (upper case) of the money,
	 * or NULL to choose it (report_currency_choose) */
	const char *currency;
};

/* How a column's cells are typed and shown. */
enum report_kind {
	REPORT_K_TEXT,	  /* s */
	REPORT_K_INT,	  /* i */
	REPORT_K_MONEY,	  /* i: minor units; "1250.00" (a JSON string, SPEC §6) */
	REPORT_K_RATE,	  /* d: 0..1, or null; text shows a percentage */
	REPORT_K_NUM,	  /* d: hours, days ...; two decimals */
	REPORT_K_SECONDS, /* i: a duration in seconds, or null; text shows 1h05m */
	REPORT_K_DATE,	  /* s: a local date "YYYY-MM-DD" (period starts) */
	REPORT_K_TIME,	  /* i: UTC seconds, RFC 3339 */
};

struct report_col {
	const char *key;   /* JSON field and CSV header: the contract */
	const char *title; /* text and HTML heading */
	enum report_kind kind;
};

struct report_cell {
	int null; /* no value (a rate over zero, a median of nothing) */
	int64_t i;
	double d;
	char *s; /* owned */
};

struct report_table {
	char *name;		       /* owned; the JSON key: "rows", "stale_deals", "credits" */
	char *title;		       /* owned; heading in text and HTML */
	const struct report_col *cols; /* static */
	size_t ncols;
	struct report_cell *cells; /* owned; nrows * ncols, row after row */
	size_t nrows;
	struct report_cell *totals; /* owned; ncols cells, or NULL */
};

/* A currency and how many of the deals a report counts are in it. */
struct report_currency {
	char *code; /* owned; ISO 4217 */
	int64_t deals;
};

/* A parameter echoed in every format ("model": "linear"). */
struct report_param {
	char *key;   /* owned */
	char *value; /* owned; as text */
	int number;  /* 1: a JSON number, 0: a JSON string */
};

struct report_doc {
	const char *report; /* static: activity, attribution, funnel, forecast */
	struct report_params p;
	char *tz; /* owned; the zone actually used */
	struct report_param *params;
	size_t nparams;
	struct report_table *tables;
	size_t ntables;
	/* Money cells count only the deals in one currency, the report
	 * currency (owned; NULL when the report has no money, or counts no
	 * deal and none was asked for). The report's other deals are in
	 * `others`, by currency, most deals first (ties alphabetical): their
	 * money is left out. */
	char *currency;
	struct report_currency *others; /* owned */
	size_t nothers;
};

/* ---- building documents (report.c) ----------------------------------- */

void report_doc_init(struct report_doc *d, const char *report, const struct report_params *p);
void report_doc_release(struct report_doc *d);
/* Adds a table; the pointer is valid until the next report_add_table. */
struct report_table *report_add_table(struct report_doc *d, const char *name, const char *title,
				      const struct report_col *cols, size_t ncols);
/* Appends a row of ncols null cells and returns it. */
struct report_cell *report_add_row(struct report_table *t);
/* Gives the table a totals row of null cells and returns it. */
struct report_cell *report_add_totals(struct report_table *t);
void report_cell_int(struct report_cell *c, int64_t v);
void report_cell_num(struct report_cell *c, double v);
void report_cell_text(struct report_cell *c, const char *s); /* copies; NULL: null */
void report_param_str(struct report_doc *d, const char *key, const char *value);
void report_param_num(struct report_doc *d, const char *key, double value);

/* The report currency, for the reports with money (SPEC §6 attribution and
 * forecast). The builder first counts its deals per currency, calling
 * report_currency_count (the shape of a store callback, `doc` being the
 * document) once per currency; report_currency_choose then sets
 * d->currency to `asked` when not NULL, else to the only currency counted,
 * else to the one with the most deals (a tie: the alphabetically first),
 * leaves the other currencies in d->others and echoes the choice as the
 * parameter "currency" ("" when none). */
int report_currency_count(const char *code, int64_t deals, void *doc);
void report_currency_choose(struct report_doc *d, const char *asked);
/* The line that says which deals the money leaves out, e.g. "money in EUR;
 * 2 deals in USD left out (--currency USD shows them)", as a new heap
 * string; NULL when it leaves none out. */
char *report_currency_note(const struct report_doc *d);

/* ---- time (report.c) ------------------------------------------------- */

/* Checks an IANA zone name (it must exist under /usr/share/zoneinfo);
 * NULL asks for the local zone, whose name is returned. Returns a new heap
 * string, or NULL with err (ERR_USAGE). */
char *report_zone(const char *tz, struct err *err);
/* The starts of the periods that cover [from, to) in the zone, each a
 * local midnight (the first at or before `from`), and one more: the end.
 * *n_out is the number of periods. */
int report_periods(const char *tz, enum report_period period, int64_t from, int64_t to,
		   int64_t **starts_out, size_t *n_out, struct err *err);
/* The local midnight that starts the day of t in the zone, and the one
 * `days` days later (negative: earlier). */
int64_t report_local_midnight(const char *tz, int64_t t, int days);
/* The local midnight in tz that starts the calendar date whose UTC midnight
 * is utc_midnight (a YYYY-MM-DD on the command line names a local day). */
int64_t report_local_day(const char *tz, int64_t utc_midnight);
/* t as a local date "YYYY-MM-DD" (out holds 11 bytes). */
void report_local_date(const char *tz, int64_t t, char *out, size_t size);

/* ---- the reports ------------------------------------------------------- */

/* SPEC §6 "activity": per user per period, and the stale open deals. */
int report_activity(struct store *st, const struct report_params *p, struct report_doc *d,
		    struct err *err);
/* SPEC §6 "attribution": per lead source, and multi-touch credits. */
int report_attribution(struct store *st, const struct report_params *p, struct report_doc *d,
		       struct err *err);
/* SPEC §6 "funnel": per stage, from stage_history. */
int report_funnel(struct store *st, const struct report_params *p, struct report_doc *d,
		  struct err *err);
/* SPEC §6 "forecast": open deals by expected close month. */
int report_forecast(struct store *st, const struct report_params *p, struct report_doc *d,
		    struct err *err);

/* ---- rendering ------------------------------------------------------ */

/* Writes the document in a format: text (aligned, 100 columns), CSV (RFC
 * 4180; the rows, then each other table after an empty line), JSON (one
 * object: docs/report-json.md) or HTML (one page, inline SVG, no
 * scripts). */
int report_render(const struct report_doc *d, enum report_format f, FILE *fp, struct err *err);
/* The HTML page (render_html.c). */
int report_render_html(const struct report_doc *d, FILE *fp, struct err *err);
/* Formats a money cell's minor units as "1250.00" into out. */
void report_money(int64_t minor, char *out, size_t size);

#endif

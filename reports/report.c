/* reports/report.c - report documents and local time: zones, periods cut
 * at local midnight, local dates. */
#include "reports/report.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/xalloc.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- documents ------------------------------------------------------- */

void report_doc_init(struct report_doc *d, const char *report, const struct report_params *p)
{
	memset(d, 0, sizeof *d);
	d->report = report;
	d->p = *p;
}

static void cells_free(struct report_cell *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i].s);
	free(c);
}

void report_doc_release(struct report_doc *d)
{
	for (size_t i = 0; i < d->ntables; i++) {
		struct report_table *t = &d->tables[i];
		free(t->name);
		free(t->title);
		cells_free(t->cells, t->nrows * t->ncols);
		if (t->totals != NULL)
			cells_free(t->totals, t->ncols);
	}
	free(d->tables);
	for (size_t i = 0; i < d->nparams; i++) {
		free(d->params[i].key);
		free(d->params[i].value);
	}
	free(d->params);
	free(d->tz);
	free(d->currency);
	for (size_t i = 0; i < d->nothers; i++)
		free(d->others[i].code);
	free(d->others);
	memset(d, 0, sizeof *d);
}

struct report_table *report_add_table(struct report_doc *d, const char *name, const char *title,
				      const struct report_col *cols, size_t ncols)
{
	struct report_table *t;

	d->tables = xreallocarray(d->tables, d->ntables + 1, sizeof *d->tables);
	t = &d->tables[d->ntables++];
	memset(t, 0, sizeof *t);
	t->name = xstrdup(name);
	t->title = xstrdup(title);
	t->cols = cols;
	t->ncols = ncols;
	return t;
}

static void cells_null(struct report_cell *c, size_t n)
{
	memset(c, 0, n * sizeof *c);
	for (size_t i = 0; i < n; i++)
		c[i].null = 1;
}

struct report_cell *report_add_row(struct report_table *t)
{
	struct report_cell *row;

	t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols, sizeof *t->cells);
	row = &t->cells[t->nrows * t->ncols];
	cells_null(row, t->ncols);
	t->nrows++;
	return row;
}

struct report_cell *report_add_totals(struct report_table *t)
{
	if (t->totals == NULL) {
		t->totals = xcalloc(t->ncols, sizeof *t->totals);
		cells_null(t->totals, t->ncols);
	}
	return t->totals;
}

void report_cell_int(struct report_cell *c, int64_t v)
{
	c->null = 0;
	c->i = v;
	c->d = (double)v;
}

void report_cell_num(struct report_cell *c, double v)
{
	c->null = 0;
	c->d = v;
	c->i = (int64_t)v;
}

void report_cell_text(struct report_cell *c, const char *s)
{
	free(c->s);
	c->s = s != NULL ? xstrdup(s) : NULL;
	c->null = s == NULL;
}

static void param_add(struct report_doc *d, const char *key, char *value, int number)
{
	d->params = xreallocarray(d->params, d->nparams + 1, sizeof *d->params);
	d->params[d->nparams].key = xstrdup(key);
	d->params[d->nparams].value = value;
	d->params[d->nparams].number = number;
	d->nparams++;
}

void report_param_str(struct report_doc *d, const char *key, const char *value)
{
	param_add(d, key, xstrdup(value != NULL ? value : ""), 0);
}

void report_param_num(struct report_doc *d, const char *key, double value)
{
	param_add(d, key, xasprintf("%.10g", value), 1);
}

/* ---- the report currency --------------------------------------------- */

int report_currency_count(const char *code, int64_t deals, void *doc)
{
	struct report_doc *d = doc;

	if (code == NULL)
		return 0;
	d->others = xreallocarray(d->others, d->nothers + 1, sizeof *d->others);
	d->others[d->nothers].code = xstrdup(code);
	d->others[d->nothers].deals = deals;
	d->nothers++;
	return 0;
}

/* Most deals first, then alphabetical. */
static int currency_cmp(const void *a, const void *b)
{
	const struct report_currency *x = a, *y = b;

	if (x->deals != y->deals)
		return x->deals > y->deals ? -1 : 1;
	return strcmp(x->code, y->code);
}

void report_currency_choose(struct report_doc *d, const char *asked)
{
	size_t k = 0;

	if (d->nothers > 0)
		qsort(d->others, d->nothers, sizeof *d->others, currency_cmp);
	free(d->currency);
	d->currency = NULL;
	if (asked != NULL)
		d->currency = xstrdup(asked);
	else if (d->nothers > 0)
		d->currency = xstrdup(d->others[0].code);
	while (k < d->nothers && strcmp(d->others[k].code, d->currency) != 0)
		k++;
	if (k < d->nothers) {
		free(d->others[k].code);
		memmove(&d->others[k], &d->others[k + 1], (d->nothers - k - 1) * sizeof *d->others);
		d->nothers--;
	}
	report_param_str(d, "currency", d->currency);
}

char *report_currency_note(const struct report_doc *d)
{
	struct buf b;
	int64_t left = 0;

	if (d->nothers == 0 || d->currency == NULL)
		return NULL;
	buf_init(&b, 1 << 16);
	buf_addf(&b, "money in %s; ", d->currency);
	for (size_t i = 0; i < d->nothers; i++) {
		buf_addf(&b, "%s%lld deal%s in %s", i > 0 ? ", " : "",
			 (long long)d->others[i].deals, d->others[i].deals == 1 ? "" : "s",
			 d->others[i].code);
		left += d->others[i].deals;
	}
	buf_addstr(&b, " left out (--currency ");
	for (size_t i = 0; i < d->nothers; i++) {
		const char *sep = i + 1 < d->nothers ? ", " : " or ";
		buf_addf(&b, "%s%s", i > 0 ? sep : "", d->others[i].code);
	}
	buf_addf(&b, " shows %s)", left == 1 ? "it" : "them");
	for (size_t i = 0; i < b.len; i++) /* codes come from the database */
		if ((unsigned char)b.data[i] < 0x20 || b.data[i] == 0x7f)
			b.data[i] = ' ';
	return buf_detach(&b, NULL);
}

void report_money(int64_t minor, char *out, size_t size)
{
	uint64_t a = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;

	snprintf(out, size, "%s%llu.%02llu", minor < 0 ? "-" : "", (unsigned long long)(a / 100),
		 (unsigned long long)(a % 100));
}

/* ---- time zones -------------------------------------------------------- */

/* Switches the process's zone (localtime_r and mktime follow TZ). */
static void zone_set(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static int zone_valid_name(const char *tz)
{
	char path[PATH_MAX];
	struct stat sb;

	if (*tz == '\0' || tz[0] == '/' || strstr(tz, "..") != NULL)
		return 0;
	for (const char *p = tz; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || strchr("/_+-", *p) != NULL))
			return 0;
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The local zone's name: $TZ, /etc/timezone, or where /etc/localtime
 * points; UTC when none says. */
static char *zone_local(void)
{
	const char *env = getenv("TZ");
	char buf[PATH_MAX], *p;
	ssize_t n;
	FILE *fp;

	if (env != NULL && *env == ':')
		env++;
	if (env != NULL && zone_valid_name(env))
		return xstrdup(env);
	if ((fp = fopen("/etc/timezone", "r")) != NULL) {
		if (fgets(buf, sizeof buf, fp) != NULL) {
			buf[strcspn(buf, " \t\r\n")] = '\0';
			if (zone_valid_name(buf)) {
				fclose(fp);
				return xstrdup(buf);
			}
		}
		fclose(fp);
	}
	if ((n = readlink("/etc/localtime", buf, sizeof buf - 1)) > 0) {
		buf[n] = '\0';
		if ((p = strstr(buf, "zoneinfo/")) != NULL && zone_valid_name(p + 9))
			return xstrdup(p + 9);
	}
	return xstrdup("UTC");
}

char *report_zone(const char *tz, struct err *err)
{
	if (tz == NULL)
		return zone_local();
	if (!zone_valid_name(tz)) {
		err_set(err, ERR_USAGE,
			"unknown time zone '%s' (an IANA name such as Europe/Berlin)", tz);
		return NULL;
	}
	return xstrdup(tz);
}

/* mktime of a local wall date at midnight (DST decided by the zone). */
static int64_t local_midnight_of(int year, int mon, int mday)
{
	struct tm tm = {0};

	tm.tm_year = year;
	tm.tm_mon = mon;
	tm.tm_mday = mday;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

int64_t report_local_midnight(const char *tz, int64_t t, int days)
{
	time_t tt = (time_t)t;
	struct tm tm;

	zone_set(tz);
	localtime_r(&tt, &tm);
	return local_midnight_of(tm.tm_year, tm.tm_mon, tm.tm_mday + days);
}

int64_t report_local_day(const char *tz, int64_t utc_midnight)
{
	time_t tt = (time_t)utc_midnight;
	struct tm tm;

	gmtime_r(&tt, &tm);
	zone_set(tz);
	return local_midnight_of(tm.tm_year, tm.tm_mon, tm.tm_mday);
}

void report_local_date(const char *tz, int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	zone_set(tz);
	localtime_r(&tt, &tm);
	strftime(out, size, "%Y-%m-%d", &tm);
}

int report_periods(const char *tz, enum report_period period, int64_t from, int64_t to,
		   int64_t **starts_out, size_t *n_out, struct err *err)
{
	time_t tt = (time_t)from;
	int64_t *v = NULL, t;
	size_t n = 0;
	struct tm tm;

	*starts_out = NULL;
	*n_out = 0;
	if (to <= from)
		return err_set(err, ERR_USAGE, "the report's end must come after its start");
	zone_set(tz);
	localtime_r(&tt, &tm);
	if (period == REPORT_WEEK)
		tm.tm_mday -= (tm.tm_wday + 6) % 7; /* back to Monday */
	else if (period == REPORT_MONTH)
		tm.tm_mday = 1;
	for (int k = 0;; k++) {
		if (period == REPORT_DAY)
			t = local_midnight_of(tm.tm_year, tm.tm_mon, tm.tm_mday + k);
		else if (period == REPORT_WEEK)
			t = local_midnight_of(tm.tm_year, tm.tm_mon, tm.tm_mday + 7 * k);
		else
			t = local_midnight_of(tm.tm_year, tm.tm_mon + k, 1);
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = t;
		if (t >= to)
			break;
		if (n > 100000) {
			free(v);
			return err_set(
				err, ERR_USAGE,
				"too many periods: use a longer --period or a shorter range");
		}
	}
	*starts_out = v;
	*n_out = n - 1;
	return 0;
}

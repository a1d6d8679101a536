/* tests/unit/test_report_render.c - the four report renderers (text, CSV,
 * JSON, HTML) on documents built by hand: HTML escaping of every document
 * string, CSV quoting (RFC 4180), JSON validity (RFC 8259), money and rate
 * formats, totals only in text and HTML, charts over no data and one row.
 *
 * The documents with hostile strings are tests/tools/report_fixture.c's,
 * included here without its main(). The JSON and CSV checks parse the
 * output with small strict readers below rather than matching substrings.
 */
#define REPORT_FIXTURE_NO_MAIN
#include "tests/tools/report_fixture.c"

#include "t.h"
#include "core/buf.h"

#define EN_DASH "\xe2\x80\x93"

#include <ctype.h>
#include <stdint.h>

/* The document rendered in a format, as a heap string. */
static char *render(const struct report_doc *d, enum report_format f)
{
	char *s = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&s, &n);
	struct err err;

	err_init(&err);
	if (fp == NULL)
		abort();
	T_INTEQ(report_render(d, f, fp, &err), 0);
	fclose(fp);
	return s;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static int has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

/* ---- a strict JSON reader (RFC 8259), enough to say "valid" ---------------- */

static const char *js_value(const char *p, int depth);

static const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *js_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p != '"'; p++) {
		if ((unsigned char)*p < 0x20) /* a raw control character, or the end */
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)p[i]))
						return NULL;
				p += 4;
			} else if (strchr("\"\\/bfnrt", *p) == NULL || *p == '\0') {
				return NULL;
			}
		}
	}
	return p + 1;
}

static const char *js_number(const char *p)
{
	const char *s;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (isdigit((unsigned char)*p))
			p++;
	else
		return NULL;
	if (*p == '.') {
		for (s = ++p; isdigit((unsigned char)*p); p++)
			;
		if (p == s)
			return NULL;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		for (s = p; isdigit((unsigned char)*p); p++)
			;
		if (p == s)
			return NULL;
	}
	return p;
}

static const char *js_members(const char *p, int depth, char close, int keys)
{
	p = js_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (keys) {
			if ((p = js_string(js_ws(p))) == NULL)
				return NULL;
			p = js_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		if ((p = js_value(p, depth + 1)) == NULL)
			return NULL;
		p = js_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *js_value(const char *p, int depth)
{
	p = js_ws(p);
	if (depth > 32)
		return NULL;
	if (*p == '{')
		return js_members(p, depth, '}', 1);
	if (*p == '[')
		return js_members(p, depth, ']', 0);
	if (*p == '"')
		return js_string(p);
	if (strncmp(p, "null", 4) == 0 || strncmp(p, "true", 4) == 0)
		return p + 4;
	if (strncmp(p, "false", 5) == 0)
		return p + 5;
	return js_number(p);
}

static int json_valid(const char *s)
{
	const char *end = js_value(s, 0);

	return end != NULL && *js_ws(end) == '\0';
}

/* ---- a strict CSV reader (RFC 4180) ------------------------------------------ */

/* Reads the record at *p into at most max fields (heap strings) and moves
 * *p past its CRLF. Returns the number of fields, or -1 on a syntax error. */
static int csv_record(const char **p, char **fields, int max)
{
	int n = 0;

	for (;;) {
		struct buf b;
		buf_init(&b, 1 << 20);
		buf_addstr(&b, "");
		if (**p == '"') {
			for ((*p)++; !(**p == '"' && (*p)[1] != '"'); (*p)++) {
				if (**p == '\0') {
					buf_release(&b);
					return -1;
				}
				if (**p == '"')
					(*p)++;
				buf_addch(&b, **p);
			}
			(*p)++;
		} else {
			for (; **p != ',' && **p != '\r' && **p != '\0'; (*p)++) {
				if (**p == '"' || **p == '\n') {
					buf_release(&b);
					return -1;
				}
				buf_addch(&b, **p);
			}
		}
		if (n < max)
			fields[n] = buf_detach(&b, NULL);
		else
			buf_release(&b);
		n++;
		if (**p == ',') {
			(*p)++;
			continue;
		}
		if ((*p)[0] != '\r' || (*p)[1] != '\n')
			return -1;
		*p += 2;
		return n;
	}
}

/* Splits CSV output into its tables (separated by an empty line) and
 * checks that every record has as many fields as its header. Returns the
 * number of data records of table `which`, and that table's field (row r,
 * column c) in *cell_out when asked; -1 when the CSV is malformed. */
static int csv_rows(const char *s, int which, int r, int c, char **cell_out)
{
	int table = 0, row = -1, ncols = 0, rows_of = 0;

	while (*s != '\0') {
		char *f[32] = {0};
		int n;
		if (s[0] == '\r' && s[1] == '\n') {
			s += 2, table++, row = -1;
			continue;
		}
		if ((n = csv_record(&s, f, 32)) < 0)
			return -1;
		if (row == -1)
			ncols = n;
		else if (n != ncols)
			return -1;
		if (table == which && row >= 0)
			rows_of++;
		if (table == which && row == r && c < n && cell_out != NULL)
			*cell_out = xstrdup(f[c]);
		for (int i = 0; i < n && i < 32; i++)
			free(f[i]);
		row++;
	}
	return rows_of;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_money(void)
{
	static const struct {
		int64_t minor;
		const char *want;
	} cases[] = {
		{125000, "1250.00"},
		{-5, "-0.05"},
		{0, "0.00"},
		{-100, "-1.00"},
		{7, "0.07"},
		{INT64_MAX, "92233720368547758.07"},
		{INT64_MIN, "-92233720368547758.08"},
	};
	char out[32];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		report_money(cases[i].minor, out, sizeof out);
		T_STREQ(out, cases[i].want);
	}
}

/* The hostile strings of the fixture never reach the page as markup. */
static void test_html_escaping(void)
{
	for (size_t i = 0; i < NCOLS(fx_docs); i++) {
		struct report_doc d;
		char *h;

		fx_docs[i].build(&d);
		h = render(&d, REPORT_HTML);
		T_OK(strncmp(h, "<!doctype html>\n", 16) == 0);
		T_OK(has(h, "<meta charset=\"utf-8\">"));
		T_OK(has(h, "<meta name=\"viewport\""));
		T_OK(!has(h, "<script") && !has(h, "<img") && !has(h, "<b>"));
		T_OK(!has(h, "<link") && !has(h, "@import") && !has(h, "url(") &&
		     !has(h, "https:"));
		T_INTEQ(count(h, "<style>"), 1);
		T_OK(has(h, "&lt;script&gt;alert(1)&lt;/script&gt;"));
		T_OK(has(h, "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
		T_OK(!has(h, "\"><img") && !has(h, " onerror=alert(2)\""));
		T_OK(!has(h, "=\"nan") && !has(h, "=\"-nan") && !has(h, "=\"inf") &&
		     !has(h, "=\"-inf"));
		T_OK(has(h, "</html>\n"));
		free(h);
		report_doc_release(&d);
	}
}

static void test_html_activity(void)
{
	struct report_doc d;
	char *h, *s, *e;

	fx_activity(&d);
	h = render(&d, REPORT_HTML);
	T_OK(has(h, "<table id=\"rows\""));
	T_OK(has(h, "<table id=\"stale_deals\""));
	T_OK(has(h, "<svg class=\"chart\""));
	T_OK(has(h, "<ul class=\"legend\">"));
	/* entities in the data are shown, not interpreted: &amp; becomes &amp;amp; */
	T_OK(has(h, "&amp;amp; &#39; &quot;"));
	T_OK(has(h, "j\xc3\xb6rg@z\xc3\xbcrich.example"));
	T_OK(has(h, "\xe6\x9d\xb1\xe4\xba\xac"));
	T_OK(has(h, "Europe/Berlin"));
	T_OK(has(h, "2026-09-28 " EN_DASH " 2026-11-08"));
	/* 18 rows, a totals row; stale deals: 4 rows, no totals */
	s = strstr(h, "<table id=\"rows\"");
	e = strstr(s, "</table>");
	T_INTEQ(count(s, "<tr>") - count(e, "<tr>"), 1 + 18 + 1);
	T_OK(strstr(s, "<tfoot>") != NULL && strstr(s, "<tfoot>") < e);
	T_OK(has(s, "<th scope=\"row\">Total</th>"));
	s = strstr(h, "<table id=\"stale_deals\"");
	T_INTEQ(count(s, "<tr>"), 1 + 4);
	T_OK(!has(s, "<tfoot>"));
	T_OK(has(h, "<td class=\"num null\">" EN_DASH "</td>"));
	T_OK(has(h, "<td class=\"num\">1h05m</td>"));
	T_OK(has(h, "<td><time datetime=\"2026-09-24T22:00:00Z\">2026-09-24</time></td>"));
	free(h);
	report_doc_release(&d);
}

static void test_html_attribution(void)
{
	struct report_doc d;
	char *h;

	fx_attribution(&d);
	h = render(&d, REPORT_HTML);
	T_OK(has(h, "<td class=\"num\">1250.00</td>"));
	T_OK(has(h, "<td class=\"num\">-0.05</td>"));
	T_OK(has(h, "<td class=\"num\">50.0%</td>"));
	T_OK(has(h, "<td class=\"num\">101249.94</td>")); /* the totals row */
	T_OK(has(h, "id=\"chart-won-value\""));
	T_OK(has(h, "id=\"chart-credits\""));
	T_OK(has(h, "(linear)")); /* credits drawn for one model */
	T_OK(has(h, "<table id=\"credits\""));
	T_OK(has(h, "&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp;")); /* a parameter */
	T_OK(has(h, "By lead source &amp;amp; &#39; &quot;"));		 /* a title */
	free(h);
	report_doc_release(&d);
}

/* A column title, a parameter and the zone are document strings too. */
static void test_html_header_strings(void)
{
	static const struct report_col cols[] = {{"k<", "T\"i<t>le'", REPORT_K_TEXT}};
	struct report_params p = {.from = 0, .to = 86400, .period = REPORT_DAY};
	struct report_doc d;
	struct report_table *t;
	char *h;

	report_doc_init(&d, "funnel", &p);
	d.tz = xstrdup("Etc/<b>&'\"");
	report_param_str(&d, "<i>", "\"x\"");
	t = report_add_table(&d, "rows", "<u>rows</u>", cols, 1);
	report_cell_text(&report_add_row(t)[0], "bad \xff byte\x01 and\x1b esc");
	h = render(&d, REPORT_HTML);
	T_OK(has(h, "Etc/&lt;b&gt;&amp;&#39;&quot;"));
	T_OK(has(h, "<dt>&lt;i&gt;</dt><dd class=\"param\">&quot;x&quot;</dd>"));
	T_OK(has(h, "data-key=\"k&lt;\">T&quot;i&lt;t&gt;le&#39;</th>"));
	T_OK(has(h, "&lt;u&gt;rows&lt;/u&gt;"));
	T_OK(has(h, "bad \xef\xbf\xbd byte  and  esc"));
	T_OK(!has(h, "<b>") && !has(h, "<i>") && !has(h, "<u>"));
	free(h);
	report_doc_release(&d);
}

/* Charts over nothing and over one row never divide by zero. */
static void test_html_charts_degenerate(void)
{
	static const struct report_col cols[] = {
		{"stage", "Stage", REPORT_K_TEXT},
		{"reached", "Reached", REPORT_K_INT},
		{"next_step_conversion", "Next", REPORT_K_RATE},
		{"cumulative_conversion", "Cum", REPORT_K_RATE},
	};
	static const struct report_col fcols[] = {
		{"month", "Month", REPORT_K_TEXT},
		{"value", "Value", REPORT_K_MONEY},
		{"weighted_value", "Weighted", REPORT_K_MONEY},
	};
	struct report_params p = {.from = 0, .to = 86400 * 30, .period = REPORT_MONTH};
	const char *const kinds[] = {"funnel", "forecast", "activity", "attribution"};
	char *h;

	for (size_t k = 0; k < 4; k++) {
		for (int rows = 0; rows <= 1; rows++) {
			struct report_doc d;
			struct report_table *t;
			report_doc_init(&d, kinds[k], &p);
			d.tz = xstrdup("UTC");
			t = k == 1 ? report_add_table(&d, "rows", "Rows", fcols, 3) :
				     report_add_table(&d, "rows", "Rows", cols, 4);
			if (rows) {
				struct report_cell *row = report_add_row(t);
				report_cell_text(&row[0], "only");
				report_cell_int(&row[1], 0);
			}
			h = render(&d, REPORT_HTML);
			T_OK(!has(h, "nan") && !has(h, "inf\""));
			T_OK(k >= 2 || has(h, "No data"));
			T_OK(k >= 2 || has(h, "<svg class=\"chart\""));
			T_OK(rows || has(h, "<p class=\"none\">"));
			free(h);
			report_doc_release(&d);
		}
	}
	/* an empty activity report: tables, no rows, a chart saying so */
	{
		struct report_doc d;
		fx_empty(&d);
		h = render(&d, REPORT_HTML);
		T_OK(has(h, "No data"));
		T_INTEQ(count(h, "<p class=\"none\">"), 2);
		T_OK(has(h, "id=\"meta-currency\">" EN_DASH "</dd>"));
		free(h);
		report_doc_release(&d);
	}
}

static void test_csv(void)
{
	struct report_doc d;
	char *s, *cell = NULL;

	fx_activity(&d);
	s = render(&d, REPORT_CSV);
	T_OK(strncmp(s, "user,period_start,emails_sent,emails_received,", 46) == 0);
	T_INTEQ(csv_rows(s, 0, -1, 0, NULL), 18); /* no totals row */
	T_INTEQ(csv_rows(s, 1, -1, 0, NULL), 4);
	T_INTEQ(csv_rows(s, 1, 2, 1, &cell), 4);
	T_STREQ(cell, "Z\xc3\xbcrich expansion, phase \"2\"");
	free(cell);
	cell = NULL;
	csv_rows(s, 1, 3, 1, &cell);
	T_STREQ(cell, "\xe6\x9d\xb1\xe4\xba\xac office\nrenewal &amp; ' \"");
	free(cell);
	cell = NULL;
	csv_rows(s, 0, 6, 0, &cell);
	T_STREQ(cell, "\"><img src=x onerror=alert(2)>");
	free(cell);
	T_OK(has(s, "\r\nD-1003,\"Z\xc3\xbcrich expansion, phase \"\"2\"\"\","));
	T_OK(!has(s, "total") && !has(s, "Total"));
	free(s);
	report_doc_release(&d);

	fx_attribution(&d);
	s = render(&d, REPORT_CSV);
	T_INTEQ(csv_rows(s, 0, -1, 0, NULL), 4);
	T_INTEQ(csv_rows(s, 1, -1, 0, NULL), 12);
	T_OK(has(s, ",1250.00,0.5000,0.4000,21.50\r\n"));
	T_OK(has(s, ",-0.05,"));
	T_OK(has(s, "\"web & events, \"\"Z\xc3\xbcrich\"\"\",8,4,0,0.00,0.5000,0.0000,\r\n"));
	T_OK(!has(s, "101249.94")); /* the totals row */
	free(s);
	report_doc_release(&d);
}

static void test_json(void)
{
	for (size_t i = 0; i < NCOLS(fx_docs); i++) {
		struct report_doc d;
		char *s;
		size_t n;

		fx_docs[i].build(&d);
		s = render(&d, REPORT_JSON);
		n = strlen(s);
		T_OK(json_valid(s));
		T_OK(has(s, "\"other_currencies\":[],\"params\":{"));
		T_OK(n > 0 && s[n - 1] == '\n');
		for (size_t k = 0; k + 1 < n; k++)
			if ((unsigned char)s[k] < 0x20) {
				T_OK(!"a raw control character in the JSON");
				break;
			}
		free(s);
		report_doc_release(&d);
	}
}

static void test_json_values(void)
{
	struct report_doc d;
	char *s;

	fx_activity(&d);
	s = render(&d, REPORT_JSON);
	T_OK(has(s, "\"report\":\"activity\""));
	T_OK(has(s, "\"first_response_median_s\":null,\"first_response_p90_s\":null}"));
	T_OK(has(s, "\"user\":\"<script>alert(1)</script>\""));
	T_OK(has(s, "office\\nrenewal &amp; ' \\\"\""));
	T_OK(has(s, "\"params\":{\"user\":\"\",\"stale_days\":14}"));
	T_OK(!has(s, "\"emails_sent\":147")); /* the totals row */
	free(s);
	report_doc_release(&d);

	fx_attribution(&d);
	s = render(&d, REPORT_JSON);
	T_OK(has(s, "\"won_value\":\"1250.00\",\"lead_to_deal\":0.5,\"deal_to_won\":0.4"));
	T_OK(has(s, "\"won_value\":\"-0.05\""));
	T_OK(has(s, "\"lead_to_deal\":null"));
	T_OK(has(s, "\"median_days_to_close\":null"));
	T_OK(has(s, "\"currency\":\"EUR\""));
	T_OK(!has(s, "101249.94"));
	free(s);
	report_doc_release(&d);
}

/* Display width in code points, as render.c counts it. */
static size_t line_width(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		w += ((unsigned char)s[i] & 0xc0) != 0x80;
	return w;
}

/* The widest table line (the first line, the header, excluded). */
static size_t text_widest(const char *s)
{
	size_t max = 0;
	const char *nl = strchr(s, '\n');

	for (const char *p = nl + 1; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		if (line_width(p, (size_t)(nl - p)) > max)
			max = line_width(p, (size_t)(nl - p));
	}
	return max;
}

static void test_text(void)
{
	struct report_doc d;
	char *s;

	fx_attribution(&d);
	s = render(&d, REPORT_TEXT);
	T_OK(text_widest(s) <= 100);
	T_OK(has(s, "total"));
	T_OK(has(s, "101249.94")); /* totals in text */
	T_OK(has(s, "   1250.00") && has(s, "  -0.05"));
	T_OK(has(s, "50.0%") && has(s, "100.0%"));
	T_OK(has(s, "money in EUR"));
	free(s);
	report_doc_release(&d);

	fx_funnel(&d);
	s = render(&d, REPORT_TEXT);
	T_OK(text_widest(s) <= 100);
	T_OK(has(s, "66.7%"));
	free(s);
	report_doc_release(&d);

	fx_forecast(&d);
	s = render(&d, REPORT_TEXT);
	T_OK(text_widest(s) <= 100);
	T_OK(has(s, "45000.00"));
	free(s);
	report_doc_release(&d);
}

/* The report currency chosen from the deals per currency, and the line
 * that names the deals its money leaves out, in text, JSON and HTML. */
static void test_currency(void)
{
	static const struct {
		const char *asked, *note;
	} notes[] = {
		{"USD", "money in USD; 5 deals in EUR left out (--currency EUR shows them)"},
		{NULL, "money in EUR; 1 deal in USD left out (--currency USD shows it)"},
	};
	struct report_params p = {.from = 0, .to = 86400, .period = REPORT_DAY};
	struct report_doc d;
	char *s;

	/* A tie between GBP and USD, whatever the order they come in. */
	report_doc_init(&d, "forecast", &p);
	d.tz = xstrdup("UTC");
	report_currency_count("USD", 2, &d);
	report_currency_count("EUR", 1, &d);
	report_currency_count(NULL, 9, &d);
	report_currency_count("GBP", 2, &d);
	report_currency_choose(&d, NULL);
	T_STREQ(d.currency, "GBP");
	T_INTEQ(d.nothers, 2);
	T_STREQ(d.others[0].code, "USD");
	T_STREQ(d.others[1].code, "EUR");
	T_STREQ(d.params[0].key, "currency");
	T_STREQ(d.params[0].value, "GBP");
	s = report_currency_note(&d);
	T_STREQ(s, "money in GBP; 2 deals in USD, 1 deal in EUR left out (--currency USD or EUR "
		   "shows them)");
	free(s);
	report_add_table(&d, "rows", "Rows", fx_forecast_cols, NCOLS(fx_forecast_cols));

	s = render(&d, REPORT_JSON);
	T_OK(json_valid(s));
	T_OK(has(s, "\"currency\":\"GBP\",\"other_currencies\":[{\"currency\":\"USD\","
		    "\"deals\":2},{\"currency\":\"EUR\",\"deals\":1}],\"params\":{\"currency\":"
		    "\"GBP\"}"));
	free(s);
	s = render(&d, REPORT_TEXT);
	T_OK(has(s, "money in GBP\n"));
	T_OK(!has(s, "currency: GBP"));
	T_OK(has(s, "(none)\n\nmoney in GBP; 2 deals in USD, 1 deal in EUR left out (--currency "
		    "USD or EUR shows them)\n"));
	free(s);
	s = render(&d, REPORT_HTML);
	T_OK(has(s, "id=\"meta-currency\">GBP</dd>\n</dl>\n<p class=\"note\" id=\"currency-note\">"
		    "money in GBP; 2 deals in USD, 1 deal in EUR left out (--currency USD or EUR "
		    "shows them)</p>\n</header>"));
	T_OK(!has(s, "<dt>currency</dt>"));
	free(s);
	s = render(&d, REPORT_CSV);
	T_STREQ(s, "month,deals,value,weighted_value,win_rate_forecast\r\n");
	free(s);
	report_doc_release(&d);

	/* 5 deals in EUR, 1 in USD: asked for USD, or EUR chosen. */
	for (size_t i = 0; i < NCOLS(notes); i++) {
		report_doc_init(&d, "attribution", &p);
		report_currency_count("EUR", 5, &d);
		report_currency_count("USD", 1, &d);
		report_currency_choose(&d, notes[i].asked);
		s = report_currency_note(&d);
		T_STREQ(s, notes[i].note);
		free(s);
		report_doc_release(&d);
	}

	/* One currency, or none: nothing left out, no note. */
	report_doc_init(&d, "attribution", &p);
	d.tz = xstrdup("UTC");
	report_currency_count("EUR", 5, &d);
	report_currency_choose(&d, NULL);
	T_STREQ(d.currency, "EUR");
	T_INTEQ(d.nothers, 0);
	T_OK(report_currency_note(&d) == NULL);
	s = render(&d, REPORT_HTML);
	T_OK(!has(s, "currency-note"));
	free(s);
	report_doc_release(&d);
	report_doc_init(&d, "attribution", &p);
	report_currency_choose(&d, NULL);
	T_OK(d.currency == NULL);
	T_STREQ(d.params[0].value, "");
	T_OK(report_currency_note(&d) == NULL);
	report_doc_release(&d);
}

int main(void)
{
	test_money();
	test_html_escaping();
	test_html_activity();
	test_html_attribution();
	test_html_header_strings();
	test_html_charts_degenerate();
	test_csv();
	test_json();
	test_json_values();
	test_text();
	test_currency();
	return t_done("report_render");
}

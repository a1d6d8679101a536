/* reports/render.c - a report document as text, CSV or JSON (HTML is in
 * render_html.c). One document, four formats: the numbers are formatted
 * from the same cells, so they always agree.
 */
#include "reports/report.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "core/xalloc.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const period_names[] = {"day", "week", "month"};

/* A cell as raw text (CSV, and text before decoration). */
static void cell_raw(const struct report_col *c, const struct report_cell *v, struct buf *b)
{
	char tmp[64];

	if (v->null)
		return;
	switch (c->kind) {
	case REPORT_K_TEXT:
	case REPORT_K_DATE:
		buf_addstr(b, v->s != NULL ? v->s : "");
		break;
	case REPORT_K_INT:
	case REPORT_K_SECONDS:
		buf_addf(b, "%" PRId64, v->i);
		break;
	case REPORT_K_MONEY:
		report_money(v->i, tmp, sizeof tmp);
		buf_addstr(b, tmp);
		break;
	case REPORT_K_RATE:
		buf_addf(b, "%.4f", v->d);
		break;
	case REPORT_K_NUM:
		buf_addf(b, "%.2f", v->d);
		break;
	case REPORT_K_TIME:
		tu_format_rfc3339(v->i, tmp, sizeof tmp);
		buf_addstr(b, tmp);
		break;
	}
}

/* A cell for people: percentages, durations, thousands kept plain. */
static void cell_text(const struct report_col *c, const struct report_cell *v, struct buf *b)
{
	if (v->null) {
		buf_addch(b, '-');
		return;
	}
	if (c->kind == REPORT_K_RATE) {
		buf_addf(b, "%.1f%%", v->d * 100.0);
	} else if (c->kind == REPORT_K_SECONDS) {
		int64_t s = v->i;
		if (s < 3600)
			buf_addf(b, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
		else if (s < 86400 * 2)
			buf_addf(b, "%" PRId64 "h%02" PRId64 "m", s / 3600, s / 60 % 60);
		else
			buf_addf(b, "%.1fd", (double)s / 86400.0);
	} else if (c->kind == REPORT_K_TIME) {
		char tmp[32];
		tu_format_rfc3339(v->i, tmp, sizeof tmp);
		buf_add(b, tmp, 10); /* the date is enough in a table */
	} else {
		cell_raw(c, v, b);
	}
}

static int numeric(enum report_kind k)
{
	return k != REPORT_K_TEXT && k != REPORT_K_DATE && k != REPORT_K_TIME;
}

/* Decodes one UTF-8 sequence at s (well-formed or not) into *cp;
 * returns its length. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
	size_t n = 1;

	*cp = s[0];
	if (s[0] >= 0xf0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
	    (s[3] & 0xc0) == 0x80) {
		*cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
		      (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
		n = 4;
	} else if (s[0] >= 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
		*cp = (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
		n = 3;
	} else if (s[0] >= 0xc0 && (s[1] & 0xc0) == 0x80) {
		*cp = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
		n = 2;
	}
	return n;
}

/* Terminal columns of a code point: 2 for East Asian wide and fullwidth
 * characters, 0 for combining marks, else 1. */
static size_t cp_width(uint32_t c)
{
	static const uint32_t wide[][2] = {
		{0x1100, 0x115f},   {0x2e80, 0x303e},	{0x3041, 0x33ff}, {0x3400, 0x4dbf},
		{0x4e00, 0x9fff},   {0xa000, 0xa4cf},	{0xac00, 0xd7a3}, {0xf900, 0xfaff},
		{0xfe30, 0xfe4f},   {0xff00, 0xff60},	{0xffe0, 0xffe6}, {0x1f300, 0x1f64f},
		{0x1f900, 0x1f9ff}, {0x20000, 0x3fffd},
	};

	if ((c >= 0x300 && c <= 0x36f) || c == 0x200b || c == 0x200d)
		return 0;
	for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
		if (c >= wide[i][0] && c <= wide[i][1])
			return 2;
	return 1;
}

/* Display width of UTF-8 text. */
static size_t width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	uint32_t cp;

	while (*p) {
		p += utf8_next(p, &cp);
		n += cp_width(cp);
	}
	return n;
}

/* Control characters (a newline in a deal name) would break the table. */
static void flatten(struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char)b->data[i] < 0x20 || b->data[i] == 0x7f)
			b->data[i] = ' ';
}

/* Cuts UTF-8 text to at most max columns, marking the cut. */
static void clip(struct buf *b, size_t max)
{
	size_t n = 0, i = 0;
	uint32_t cp;

	if (width(b->data) <= max)
		return;
	while (i < b->len) {
		size_t len = utf8_next((const unsigned char *)b->data + i, &cp);
		if (n + cp_width(cp) > max - 1)
			break;
		n += cp_width(cp);
		i += len;
	}
	b->len = i;
	b->data[i] = '\0';
	buf_addstr(b, "~");
}

/* Text columns wider than this are cut so tables fit; a table wider than
 * TEXT_WIDTH is printed in groups of columns, each repeating the leading
 * text columns (the row's name). */
#define TEXT_MAX   28
#define TEXT_WIDTH 100

static void text_rows(const struct report_table *t, char **cell, const size_t *w, size_t nrows,
		      const size_t *cols, size_t ncols, FILE *fp)
{
	for (size_t r = 0; r <= nrows; r++) {
		if (r == 1 || (r == nrows && t->totals != NULL)) {
			for (size_t k = 0; k < ncols; k++) {
				for (size_t j = 0; j < w[cols[k]]; j++)
					fputc('-', fp);
				fputs(k + 1 < ncols ? "  " : "\n", fp);
			}
		}
		for (size_t k = 0; k < ncols; k++) {
			size_t c = cols[k];
			const char *s = cell[r * t->ncols + c];
			size_t pad = w[c] - width(s);
			int right = numeric(t->cols[c].kind);
			if (right)
				fprintf(fp, "%*s", (int)pad, "");
			fputs(s, fp);
			if (!right && k + 1 < ncols)
				fprintf(fp, "%*s", (int)pad, "");
			fputs(k + 1 < ncols ? "  " : "\n", fp);
		}
	}
}

static void text_table(const struct report_table *t, FILE *fp)
{
	size_t nrows = t->nrows + (t->totals != NULL), *w = xcalloc(t->ncols, sizeof *w);
	size_t *cols = xcalloc(t->ncols, sizeof *cols), nkey = 0, keyw = 0, next;
	char **cell = xcalloc((nrows + 1) * t->ncols, sizeof *cell);
	struct buf b;

	buf_init(&b, 1 << 16);
	for (size_t c = 0; c < t->ncols; c++) {
		cell[c] = xstrdup(t->cols[c].title);
		w[c] = width(cell[c]);
	}
	for (size_t r = 0; r < nrows; r++) {
		const struct report_cell *row = r < t->nrows ? &t->cells[r * t->ncols] : t->totals;
		for (size_t c = 0; c < t->ncols; c++) {
			buf_reset(&b);
			buf_addstr(&b, "");
			if (r == t->nrows && c == 0 && row[c].null)
				buf_addstr(&b, "total");
			else if (r < t->nrows || !row[c].null)
				cell_text(&t->cols[c], &row[c], &b);
			flatten(&b);
			if (!numeric(t->cols[c].kind))
				clip(&b, TEXT_MAX);
			cell[(r + 1) * t->ncols + c] = xstrdup(b.data);
			if (width(cell[(r + 1) * t->ncols + c]) > w[c])
				w[c] = width(cell[(r + 1) * t->ncols + c]);
		}
	}
	fprintf(fp, "%s\n", t->title);
	/* The leading text columns name the row; they start every group. */
	while (nkey < t->ncols && !numeric(t->cols[nkey].kind) && nkey < 2)
		keyw += w[nkey++] + 2;
	if (nkey == t->ncols)
		nkey = 0, keyw = 0;
	for (size_t c = nkey; c < t->ncols; c = next) {
		size_t n = 0, used = keyw;
		for (size_t k = 0; k < nkey; k++)
			cols[n++] = k;
		next = c;
		while (next < t->ncols && (next == c || used + w[next] <= TEXT_WIDTH)) {
			used += w[next] + 2;
			cols[n++] = next++;
		}
		if (c > nkey)
			fputc('\n', fp);
		text_rows(t, cell, w, nrows, cols, n, fp);
	}
	for (size_t i = 0; i < (nrows + 1) * t->ncols; i++)
		free(cell[i]);
	free(cell);
	free(cols);
	free(w);
	buf_release(&b);
}

static void text_header(const struct report_doc *d, FILE *fp)
{
	char from[16], to[16];
	size_t col;

	report_local_date(d->tz, d->p.from, from, sizeof from);
	report_local_date(d->tz, d->p.to - 1, to, sizeof to);
	fprintf(fp, "%s report, %s to %s (%s), by %s\n", d->report, from, to, d->tz,
		period_names[d->p.period]);
	/* The parameters, wrapped to the page width. */
	col = 0;
	for (size_t i = 0; i <= d->nparams; i++) {
		char item[256];
		size_t n;
		/* "currency" echoes d->currency, shown as "money in" */
		if (i < d->nparams && strcmp(d->params[i].key, "currency") == 0)
			continue;
		if (i < d->nparams)
			snprintf(item, sizeof item, "%s: %s", d->params[i].key,
				 *d->params[i].value ? d->params[i].value : "-");
		else if (d->currency != NULL)
			snprintf(item, sizeof item, "money in %s", d->currency);
		else
			break;
		for (char *q = item; *q; q++)
			if ((unsigned char)*q < 0x20)
				*q = ' ';
		n = width(item);
		if (col > 0 && col + 2 + n > TEXT_WIDTH) {
			fputc('\n', fp);
			col = 0;
		}
		col += fprintf(fp, "%s%s", col > 0 ? ", " : "", item) > 0 ? (col > 0 ? 2 : 0) + n :
									    0;
	}
	fputs(col > 0 ? "\n\n" : "\n", fp);
}

static void render_text(const struct report_doc *d, FILE *fp)
{
	char *note = report_currency_note(d);

	text_header(d, fp);
	for (size_t i = 0; i < d->ntables; i++) {
		if (i > 0)
			fputc('\n', fp);
		if (d->tables[i].nrows == 0) {
			fprintf(fp, "%s\n(none)\n", d->tables[i].title);
			continue;
		}
		text_table(&d->tables[i], fp);
	}
	if (note != NULL)
		fprintf(fp, "\n%s\n", note);
	free(note);
}

/* ---- CSV (RFC 4180) ---------------------------------------------------- */

static void csv_field(FILE *fp, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static void render_csv(const struct report_doc *d, FILE *fp)
{
	struct buf b;

	buf_init(&b, 1 << 16);
	for (size_t i = 0; i < d->ntables; i++) {
		const struct report_table *t = &d->tables[i];
		if (i > 0)
			fputs("\r\n", fp);
		for (size_t c = 0; c < t->ncols; c++) {
			csv_field(fp, t->cols[c].key);
			fputs(c + 1 < t->ncols ? "," : "\r\n", fp);
		}
		for (size_t r = 0; r < t->nrows; r++) {
			for (size_t c = 0; c < t->ncols; c++) {
				buf_reset(&b);
				buf_addstr(&b, "");
				cell_raw(&t->cols[c], &t->cells[r * t->ncols + c], &b);
				csv_field(fp, b.data);
				fputs(c + 1 < t->ncols ? "," : "\r\n", fp);
			}
		}
	}
	buf_release(&b);
}

/* ---- JSON (docs/report-json.md) ------------------------------------------- */

static void json_cell(const struct report_col *c, const struct report_cell *v, struct buf *b)
{
	char tmp[64];

	if (v->null) {
		buf_addstr(b, "null");
		return;
	}
	switch (c->kind) {
	case REPORT_K_TEXT:
	case REPORT_K_DATE:
		json_str(b, v->s);
		break;
	case REPORT_K_INT:
	case REPORT_K_SECONDS:
		buf_addf(b, "%" PRId64, v->i);
		break;
	case REPORT_K_MONEY:
		report_money(v->i, tmp, sizeof tmp);
		json_str(b, tmp);
		break;
	case REPORT_K_RATE:
	case REPORT_K_NUM:
		/* Rates (0..1) to six significant digits; hours and days to
		 * ten, so large totals keep their fraction. */
		if (isfinite(v->d))
			buf_addf(b, c->kind == REPORT_K_RATE ? "%.6g" : "%.10g", v->d);
		else
			buf_addstr(b, "null");
		break;
	case REPORT_K_TIME:
		tu_format_rfc3339(v->i, tmp, sizeof tmp);
		json_str(b, tmp);
		break;
	}
}

static void render_json(const struct report_doc *d, FILE *fp)
{
	struct buf b;

	buf_init(&b, (size_t)1 << 30);
	buf_addch(&b, '{');
	json_kv_str(&b, 0, "report", d->report);
	json_kv_time(&b, 1, "from", d->p.from);
	json_kv_time(&b, 1, "to", d->p.to);
	json_kv_str(&b, 1, "tz", d->tz);
	json_kv_str(&b, 1, "period", period_names[d->p.period]);
	json_kv_str(&b, 1, "currency", d->currency);
	buf_addstr(&b, ",\"other_currencies\":[");
	for (size_t i = 0; i < d->nothers; i++) {
		buf_addstr(&b, i ? ",{" : "{");
		json_kv_str(&b, 0, "currency", d->others[i].code);
		json_kv_int(&b, 1, "deals", d->others[i].deals);
		buf_addch(&b, '}');
	}
	buf_addstr(&b, "],\"params\":{");
	for (size_t i = 0; i < d->nparams; i++) {
		if (i)
			buf_addch(&b, ',');
		json_str(&b, d->params[i].key);
		buf_addch(&b, ':');
		if (d->params[i].number)
			buf_addstr(&b, d->params[i].value);
		else
			json_str(&b, d->params[i].value);
	}
	buf_addch(&b, '}');
	for (size_t i = 0; i < d->ntables; i++) {
		const struct report_table *t = &d->tables[i];
		buf_addch(&b, ',');
		json_str(&b, t->name);
		buf_addstr(&b, ":[");
		for (size_t r = 0; r < t->nrows; r++) {
			buf_addstr(&b, r ? ",{" : "{");
			for (size_t c = 0; c < t->ncols; c++) {
				if (c)
					buf_addch(&b, ',');
				json_str(&b, t->cols[c].key);
				buf_addch(&b, ':');
				json_cell(&t->cols[c], &t->cells[r * t->ncols + c], &b);
			}
			buf_addch(&b, '}');
		}
		buf_addch(&b, ']');
	}
	buf_addstr(&b, "}\n");
	fwrite(b.data, 1, b.len, fp);
	buf_release(&b);
}

int report_render(const struct report_doc *d, enum report_format f, FILE *fp, struct err *err)
{
	switch (f) {
	case REPORT_TEXT:
		render_text(d, fp);
		break;
	case REPORT_CSV:
		render_csv(d, fp);
		break;
	case REPORT_JSON:
		render_json(d, fp);
		break;
	case REPORT_HTML:
		return report_render_html(d, fp, err);
	}
	if (ferror(fp))
		return err_set(err, ERR_FINAL, "cannot write the report");
	return 0;
}

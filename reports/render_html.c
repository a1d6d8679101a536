/* reports/render_html.c - a report document as one self-contained HTML page
 * (SPEC §6): a header with the run's parameters, inline SVG charts chosen
 * by the report and the columns present, and every table of the document.
 *
 * The page has no scripts, no external assets and no web fonts: one inline
 * <style>, responsive (tables scroll inside a wrapper, charts scale by their
 * viewBox) and printable. Every string that comes from the document (cells,
 * parameters, titles, the zone) goes through html_text(), which escapes
 * & < > " ' and replaces invalid UTF-8 and control characters, so mail
 * subjects and names can only ever be text, in HTML and in SVG alike.
 *
 * Numbers are formatted the way render.c formats them (money "1250.00",
 * rates as percentages), so the HTML agrees with the other three formats.
 */
#include "reports/report.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "core/xalloc.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const period_names[] = {"day", "week", "month"};

/* Okabe-Ito: told apart by colour-blind readers, and in grey print. */
static const char *const palette[] = {"#0072b2", "#e69f00", "#009e73", "#cc79a7",
				      "#56b4e9", "#d55e00", "#f0e442", "#000000"};
#define NPALETTE (sizeof palette / sizeof palette[0])

#define EN_DASH	 "\xe2\x80\x93"
#define ELLIPSIS "\xe2\x80\xa6"

/* ---- escaping ------------------------------------------------------------ */

/* The length of the UTF-8 sequence starting at s when it is well formed,
 * else 0. */
static size_t utf8_seq(const char *s)
{
	unsigned char c = (unsigned char)*s;
	size_t n = c < 0x80	      ? 1 :
		   (c & 0xe0) == 0xc0 ? 2 :
		   (c & 0xf0) == 0xe0 ? 3 :
		   (c & 0xf8) == 0xf0 ? 4 :
					0;

	for (size_t i = 1; i < n; i++)
		if (s[i] == '\0')
			return 0;
	return n != 0 && str_utf8_valid(s, n) ? n : 0;
}

/* Writes the character at s as HTML text and returns its length in bytes:
 * & < > " ' as references (safe in content and in quoted attributes),
 * control characters as spaces, a bad byte as U+FFFD. */
static size_t html_char(FILE *fp, const char *s)
{
	size_t n = utf8_seq(s);

	if (n == 0) {
		fputs("\xef\xbf\xbd", fp);
		return 1;
	}
	switch (*s) {
	case '&':
		fputs("&amp;", fp);
		break;
	case '<':
		fputs("&lt;", fp);
		break;
	case '>':
		fputs("&gt;", fp);
		break;
	case '"':
		fputs("&quot;", fp);
		break;
	case '\'':
		fputs("&#39;", fp);
		break;
	default:
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fputc(*s == '\n' || *s == '\t' ? *s : ' ', fp);
		else
			fwrite(s, 1, n, fp);
	}
	return n;
}

/* Writes s as HTML text, cut to at most max code points (0: no limit) with
 * an ellipsis marking the cut. NULL writes nothing. */
static void html_clip(FILE *fp, const char *s, size_t max)
{
	size_t n, cps = 0, total = 0;

	if (s == NULL)
		return;
	for (const char *p = s; max != 0 && *p != '\0'; p += n, total++)
		n = utf8_seq(p) ? utf8_seq(p) : 1;
	for (; *s != '\0'; s += n, cps++) {
		if (max != 0 && total > max && cps == max - 1) {
			fputs(ELLIPSIS, fp);
			return;
		}
		n = html_char(fp, s);
	}
}

static void html_text(FILE *fp, const char *s)
{
	html_clip(fp, s, 0);
}

/* ---- cells ------------------------------------------------------------ */

static int numeric(enum report_kind k)
{
	return k != REPORT_K_TEXT && k != REPORT_K_DATE && k != REPORT_K_TIME;
}

static void fmt_seconds(int64_t s, char *out, size_t size)
{
	if (s < 3600)
		snprintf(out, size, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	else if (s < 86400 * 2)
		snprintf(out, size, "%" PRId64 "h%02" PRId64 "m", s / 3600, s / 60 % 60);
	else
		snprintf(out, size, "%.1fd", (double)s / 86400.0);
}

/* A non-null cell as text for people, the way the text renderer shows it. */
static void cell_format(const struct report_col *c, const struct report_cell *v, char *out,
			size_t size)
{
	out[0] = '\0';
	switch (c->kind) {
	case REPORT_K_TEXT:
	case REPORT_K_DATE:
		snprintf(out, size, "%s", v->s != NULL ? v->s : "");
		break;
	case REPORT_K_INT:
		snprintf(out, size, "%" PRId64, v->i);
		break;
	case REPORT_K_MONEY:
		report_money(v->i, out, size);
		break;
	case REPORT_K_RATE:
		if (isfinite(v->d))
			snprintf(out, size, "%.1f%%", v->d * 100.0);
		else
			snprintf(out, size, EN_DASH);
		break;
	case REPORT_K_NUM:
		if (isfinite(v->d))
			snprintf(out, size, "%.2f", v->d);
		else
			snprintf(out, size, EN_DASH);
		break;
	case REPORT_K_SECONDS:
		fmt_seconds(v->i, out, size);
		break;
	case REPORT_K_TIME:
		tu_format_rfc3339(v->i, out, size);
		break;
	}
}

/* One <td>; text cells may be long (a subject), so they go through a
 * heap copy rather than a fixed buffer. */
static void cell_html(FILE *fp, const struct report_col *c, const struct report_cell *v)
{
	char tmp[64];
	int num = numeric(c->kind);

	if (v->null) {
		fprintf(fp, "<td class=\"%snull\">" EN_DASH "</td>", num ? "num " : "");
		return;
	}
	fprintf(fp, "<td%s>", num ? " class=\"num\"" : "");
	if (c->kind == REPORT_K_TEXT || c->kind == REPORT_K_DATE) {
		html_text(fp, v->s);
	} else if (c->kind == REPORT_K_TIME) {
		tu_format_rfc3339(v->i, tmp, sizeof tmp);
		fprintf(fp, "<time datetime=\"%s\">%.10s</time>", tmp, tmp);
	} else {
		cell_format(c, v, tmp, sizeof tmp);
		fputs(tmp, fp);
	}
	fputs("</td>", fp);
}

/* ---- tables --------------------------------------------------------------- */

static void table_head(FILE *fp, const struct report_table *t)
{
	fputs("<thead><tr>", fp);
	for (size_t c = 0; c < t->ncols; c++) {
		fprintf(fp, "<th scope=\"col\"%s data-key=\"",
			numeric(t->cols[c].kind) ? " class=\"num\"" : "");
		html_text(fp, t->cols[c].key);
		fputs("\">", fp);
		html_text(fp, t->cols[c].title);
		fputs("</th>", fp);
	}
	fputs("</tr></thead>\n", fp);
}

/* The totals row: a null first cell reads "Total", other nulls stay empty
 * (as in the text renderer). */
static void table_foot(FILE *fp, const struct report_table *t)
{
	fputs("<tfoot><tr>", fp);
	for (size_t c = 0; c < t->ncols; c++) {
		const struct report_cell *v = &t->totals[c];
		if (c == 0 && v->null)
			fputs("<th scope=\"row\">Total</th>", fp);
		else if (v->null)
			fprintf(fp, "<td%s></td>",
				numeric(t->cols[c].kind) ? " class=\"num\"" : "");
		else
			cell_html(fp, &t->cols[c], v);
	}
	fputs("</tr></tfoot>\n", fp);
}

static void html_table(FILE *fp, const struct report_table *t)
{
	fputs("<section class=\"table\" id=\"sec-", fp);
	html_text(fp, t->name);
	fputs("\">\n<h2>", fp);
	html_text(fp, t->title);
	fputs("</h2>\n<div class=\"scroll\"><table id=\"", fp);
	html_text(fp, t->name);
	fputs("\" class=\"report\">\n", fp);
	table_head(fp, t);
	fputs("<tbody>\n", fp);
	for (size_t r = 0; r < t->nrows; r++) {
		fputs("<tr>", fp);
		for (size_t c = 0; c < t->ncols; c++)
			cell_html(fp, &t->cols[c], &t->cells[r * t->ncols + c]);
		fputs("</tr>\n", fp);
	}
	fputs("</tbody>\n", fp);
	if (t->totals != NULL)
		table_foot(fp, t);
	fputs("</table></div>\n", fp);
	if (t->nrows == 0)
		fputs("<p class=\"none\">None.</p>\n", fp);
	fputs("</section>\n", fp);
}

/* ---- charts: data ------------------------------------------------------- */

/* A chart's data: ncat categories (bars or groups of bars) by nser series.
 * Strings are borrowed from the document, or owned where marked. */
struct chart {
	const char *id;	   /* static; the <figure> id */
	const char *title; /* static */
	const char *sub;   /* borrowed: a model name, a currency, or NULL */
	enum report_kind kind;
	size_t ncat, nser;
	const char **cats; /* owned array of borrowed strings */
	const char *const *sers;
	double *v;    /* owned; ncat * nser */
	char **notes; /* owned, optional: a label after each bar (horizontal) */
	char **tips;  /* owned, optional: a <title> per bar, ncat * nser */
	int centred;  /* horizontal: a funnel, bars centred */
};

static void chart_init(struct chart *ch, size_t ncat, size_t nser)
{
	ch->ncat = ncat;
	ch->nser = nser;
	ch->cats = xcalloc(ncat + 1, sizeof *ch->cats);
	ch->v = xcalloc((ncat + 1) * nser, sizeof *ch->v);
}

static void chart_release(struct chart *ch)
{
	for (size_t i = 0; ch->notes != NULL && i < ch->ncat; i++)
		free(ch->notes[i]);
	for (size_t i = 0; ch->tips != NULL && i < ch->ncat * ch->nser; i++)
		free(ch->tips[i]);
	free(ch->notes);
	free(ch->tips);
	free(ch->cats);
	free(ch->v);
}

static const struct report_table *table_find(const struct report_doc *d, const char *name)
{
	for (size_t i = 0; i < d->ntables; i++)
		if (strcmp(d->tables[i].name, name) == 0)
			return &d->tables[i];
	return NULL;
}

static int col_find(const struct report_table *t, const char *key)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (strcmp(t->cols[c].key, key) == 0)
			return (int)c;
	return -1;
}

static const struct report_cell *cell_at(const struct report_table *t, size_t r, int c)
{
	return &t->cells[r * t->ncols + (size_t)c];
}

/* A cell as a plotted number: money in major units, null and NaN as 0. */
static double cell_value(const struct report_table *t, size_t r, int c)
{
	const struct report_cell *v;

	if (c < 0)
		return 0;
	v = cell_at(t, r, c);
	if (v->null)
		return 0;
	switch (t->cols[c].kind) {
	case REPORT_K_MONEY:
		return (double)v->i / 100.0;
	case REPORT_K_RATE:
	case REPORT_K_NUM:
		return isfinite(v->d) ? v->d : 0;
	default:
		return (double)v->i;
	}
}

static const char *cell_str(const struct report_table *t, size_t r, int c)
{
	const struct report_cell *v = cell_at(t, r, c);

	return v->null || v->s == NULL ? "" : v->s;
}

/* A plotted value as a label, in the column's kind. */
static void value_label(enum report_kind k, double v, char *out, size_t size)
{
	if (k == REPORT_K_MONEY)
		report_money((int64_t)llround(v * 100.0), out, size);
	else if (k == REPORT_K_RATE)
		snprintf(out, size, "%.1f%%", v * 100.0);
	else if (k == REPORT_K_NUM)
		snprintf(out, size, "%.2f", v);
	else
		snprintf(out, size, "%.0f", v);
}

/* An axis tick: short, "12.5k" rather than "12500.00". */
static void tick_label(double v, char *out, size_t size)
{
	if (fabs(v) >= 1e6)
		snprintf(out, size, "%.4gM", v / 1e6);
	else if (fabs(v) >= 1e4)
		snprintf(out, size, "%.4gk", v / 1e3);
	else
		snprintf(out, size, "%.4g", v);
}

/* The axis maximum: 1, 2 or 5 times a power of ten at or above v; 1 when
 * there is nothing positive to show, so no scale divides by zero. */
static double nice_ceil(double v)
{
	double e, f;

	if (!(v > 0) || !isfinite(v))
		return 1;
	e = pow(10, floor(log10(v)));
	f = v / e;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e;
}

static double chart_max(const struct chart *ch)
{
	double m = 0;

	for (size_t i = 0; i < ch->ncat * ch->nser; i++)
		if (ch->v[i] > m)
			m = ch->v[i];
	return m;
}

/* ---- charts: drawing ------------------------------------------------------ */

static void chart_open(FILE *fp, const struct chart *ch, double w, double h)
{
	fprintf(fp, "<figure class=\"chart\" id=\"%s\">\n<figcaption>%s", ch->id, ch->title);
	if (ch->sub != NULL) {
		fputs(" <span class=\"sub\">(", fp);
		html_text(fp, ch->sub);
		fputs(")</span>", fp);
	}
	fprintf(fp,
		"</figcaption>\n<div class=\"scroll\"><svg class=\"chart\" "
		"xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
		"role=\"img\" aria-label=\"%s\" preserveAspectRatio=\"xMinYMin meet\">\n",
		w, h, ch->title);
}

static void chart_close(FILE *fp, const struct chart *ch)
{
	fputs("</svg></div>\n", fp);
	if (ch->nser > 1) {
		fputs("<ul class=\"legend\">", fp);
		for (size_t s = 0; s < ch->nser; s++) {
			fprintf(fp,
				"<li><svg class=\"swatch\" viewBox=\"0 0 12 12\" width=\"12\" "
				"height=\"12\"><rect width=\"12\" height=\"12\" fill=\"%s\"/></svg> ",
				palette[s % NPALETTE]);
			html_text(fp, ch->sers[s]);
			fputs("</li>", fp);
		}
		fputs("</ul>\n", fp);
	}
	fputs("</figure>\n", fp);
}

static void no_data(FILE *fp, double x, double y)
{
	fprintf(fp,
		"<text class=\"nodata\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">No data</text>\n",
		x, y);
}

/* A bar with its tooltip. */
static void bar(FILE *fp, double x, double y, double w, double h, size_t ser, const char *tip)
{
	fprintf(fp,
		"<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">",
		x, y, w > 0 ? w : 0, h > 0 ? h : 0, palette[ser % NPALETTE]);
	if (tip != NULL) {
		fputs("<title>", fp);
		html_text(fp, tip);
		fputs("</title>", fp);
	}
	fputs("</rect>\n", fp);
}

/* Vertical bars, grouped by category, one colour per series. */
#define VW 640.0
#define VL 56.0	 /* left: y-axis labels */
#define VT 12.0	 /* top */
#define VH 220.0 /* the plot */
#define VB 40.0	 /* bottom: category labels */

static void vaxis(FILE *fp, double max)
{
	char tmp[32];

	for (int i = 0; i <= 5; i++) {
		double y = VT + VH - VH * i / 5;
		tick_label(max * i / 5, tmp, sizeof tmp);
		fprintf(fp,
			"<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
			"<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			VL, VW - 8, y, y, VL - 6, y + 4, tmp);
	}
}

static void chart_vbars(FILE *fp, const struct chart *ch)
{
	double max = nice_ceil(chart_max(ch)), slot, bw;
	size_t every;

	if (ch->kind == REPORT_K_INT && max < 5)
		max = 5; /* whole-number ticks */
	chart_open(fp, ch, VW, VT + VH + VB);
	vaxis(fp, max);
	if (ch->ncat == 0 || chart_max(ch) <= 0)
		no_data(fp, (VL + VW) / 2, VT + VH / 2);
	slot = (VW - 8 - VL) / (double)(ch->ncat ? ch->ncat : 1);
	bw = slot * 0.8 / (double)(ch->nser ? ch->nser : 1);
	every = (size_t)ceil(76.0 / slot); /* a date label is ~70 units wide */
	for (size_t c = 0; c < ch->ncat; c++) {
		double x0 = VL + slot * (double)c + slot * 0.1;
		for (size_t s = 0; s < ch->nser; s++) {
			double h = VH * ch->v[c * ch->nser + s] / max;
			bar(fp, x0 + bw * (double)s, VT + VH - (h > 0 ? h : 0), bw, h, s,
			    ch->tips != NULL ? ch->tips[c * ch->nser + s] : NULL);
		}
		if (c % (every ? every : 1) != 0)
			continue;
		fprintf(fp, "<text class=\"cat\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
			VL + slot * ((double)c + 0.5), VT + VH + 18);
		html_clip(fp, ch->cats[c], 12);
		fputs("</text>\n", fp);
	}
	fprintf(fp, "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n", VL,
		VW - 8, VT + VH, VT + VH);
	chart_close(fp, ch);
}

/* Horizontal bars, one per category (series 0). Each label sits on its
 * own line above its bar, so long names need no margin and the bars keep
 * the full width on a phone; a note follows the label, the value the bar.
 * Centred bars draw a funnel. */
#define HW   640.0
#define HV   96.0 /* right: room for a value after the longest bar */
#define HROW 40.0

static void chart_hbars(FILE *fp, const struct chart *ch)
{
	double max = chart_max(ch), area = HW - HV, h;
	char tmp[48];

	max = max > 0 ? max : 1;
	h = 4 + HROW * (double)(ch->ncat ? ch->ncat : 1) + 4;
	chart_open(fp, ch, HW, h);
	if (ch->ncat == 0 || chart_max(ch) <= 0)
		no_data(fp, HW / 2, h / 2 + 4);
	for (size_t c = 0; c < ch->ncat; c++) {
		double y = 4 + HROW * (double)c, w = area * ch->v[c] / max;
		double x = ch->centred ? (area - (w > 0 ? w : 0)) / 2 : 0;
		fprintf(fp, "<text class=\"cat\" x=\"0\" y=\"%.1f\"><tspan class=\"label\">",
			y + 14);
		html_clip(fp, ch->cats[c], 48);
		fputs("</tspan>", fp);
		if (ch->notes != NULL && ch->notes[c] != NULL && ch->notes[c][0] != '\0') {
			fputs("<tspan class=\"note\"> \xc2\xb7 ", fp);
			html_text(fp, ch->notes[c]);
			fputs("</tspan>", fp);
		}
		fputs("</text>\n", fp);
		bar(fp, x, y + 20, w, 14, 0, ch->tips != NULL ? ch->tips[c] : NULL);
		value_label(ch->kind, ch->v[c], tmp, sizeof tmp);
		fprintf(fp, "<text class=\"val\" x=\"%.1f\" y=\"%.1f\">%s</text>\n",
			x + (w > 0 ? w : 0) + 6, y + 32, tmp);
	}
	chart_close(fp, ch);
}

/* ---- charts: one per report ------------------------------------------------ */

/* The index of s in the first n entries of list, or n. */
static size_t str_index(const char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			break;
	return i;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Activity: per period, one bar per user of all activities (emails sent
 * and received, meetings held, calls). */
static const char *const activity_keys[] = {"emails_sent", "emails_received", "meetings_held",
					    "calls"};
static const char *const activity_names[] = {"emails sent", "received", "meetings", "calls"};

static void activity_tips(struct chart *ch, const struct report_table *t, int ucol, int pcol,
			  const int *k)
{
	struct buf b;

	buf_init(&b, 4096);
	ch->tips = xcalloc(ch->ncat * ch->nser, sizeof *ch->tips);
	for (size_t r = 0; r < t->nrows; r++) {
		size_t c = str_index(ch->cats, ch->ncat, cell_str(t, r, pcol));
		size_t s = str_index(ch->sers, ch->nser, cell_str(t, r, ucol));
		buf_reset(&b);
		buf_addf(&b, "%s, %s: %.0f", ch->sers[s], ch->cats[c], ch->v[c * ch->nser + s]);
		for (size_t i = 0; i < 4; i++)
			if (k[i] >= 0)
				buf_addf(&b, "%s %s %.0f", i ? "," : " (", activity_names[i],
					 cell_value(t, r, k[i]));
		buf_addstr(&b, ")");
		free(ch->tips[c * ch->nser + s]);
		ch->tips[c * ch->nser + s] = xstrdup(b.data);
	}
	buf_release(&b);
}

static void chart_activity(FILE *fp, const struct report_doc *d)
{
	const struct report_table *t = table_find(d, "rows");
	struct chart ch = {.id = "chart-activity",
			   .title = "Activities per user per period",
			   .kind = REPORT_K_INT};
	const char **users;
	int ucol, pcol, k[4], any = 0;
	size_t np = 0, nu = 0;

	if (t == NULL || (ucol = col_find(t, "user")) < 0 ||
	    (pcol = col_find(t, "period_start")) < 0)
		return;
	for (size_t i = 0; i < 4; i++)
		any |= (k[i] = col_find(t, activity_keys[i])) >= 0;
	if (!any)
		return;
	users = xcalloc(t->nrows + 1, sizeof *users);
	chart_init(&ch, t->nrows, 1);
	for (size_t r = 0; r < t->nrows; r++) {
		if (str_index(ch.cats, np, cell_str(t, r, pcol)) == np)
			ch.cats[np++] = cell_str(t, r, pcol);
		if (str_index(users, nu, cell_str(t, r, ucol)) == nu)
			users[nu++] = cell_str(t, r, ucol);
	}
	qsort(ch.cats, np, sizeof *ch.cats, str_cmp); /* YYYY-MM-DD sorts by time */
	free(ch.v);
	ch.ncat = np;
	ch.nser = nu;
	ch.sers = users;
	ch.v = xcalloc(np * nu + 1, sizeof *ch.v);
	for (size_t r = 0; r < t->nrows; r++) {
		size_t c = str_index(ch.cats, np, cell_str(t, r, pcol));
		size_t s = str_index(users, nu, cell_str(t, r, ucol));
		for (size_t i = 0; i < 4; i++)
			ch.v[c * nu + s] += cell_value(t, r, k[i]);
	}
	activity_tips(&ch, t, ucol, pcol, k);
	chart_vbars(fp, &ch);
	chart_release(&ch);
	free(users);
}

/* Horizontal bars of one column of a table, labelled by another. */
static void chart_column(FILE *fp, struct chart *ch, const struct report_table *t,
			 const char *label, const char *value)
{
	int lc, vc;

	if (t == NULL || (lc = col_find(t, label)) < 0 || (vc = col_find(t, value)) < 0)
		return;
	chart_init(ch, t->nrows, 1);
	ch->kind = t->cols[vc].kind;
	for (size_t r = 0; r < t->nrows; r++) {
		ch->cats[r] = cell_str(t, r, lc);
		ch->v[r] = cell_value(t, r, vc);
	}
	chart_hbars(fp, ch);
	chart_release(ch);
}

/* The model whose credits are drawn: the one asked for, else "linear" when
 * present, else the first listed. */
static const char *credit_model(const struct report_doc *d, const struct report_table *t, int mc)
{
	for (size_t i = 0; i < d->nparams; i++)
		if (strcmp(d->params[i].key, "model") == 0 &&
		    strcmp(d->params[i].value, "all") != 0)
			return d->params[i].value;
	for (size_t r = 0; r < t->nrows; r++)
		if (strcmp(cell_str(t, r, mc), "linear") == 0)
			return "linear";
	return t->nrows > 0 ? cell_str(t, 0, mc) : NULL;
}

static void chart_credits(FILE *fp, const struct report_doc *d)
{
	const struct report_table *t = table_find(d, "credits");
	struct chart ch = {.id = "chart-credits",
			   .title = "Credited won value by channel",
			   .kind = REPORT_K_MONEY};
	int mc, cc, vc;
	size_t n = 0;

	if (t == NULL || (mc = col_find(t, "model")) < 0 || (cc = col_find(t, "channel")) < 0 ||
	    (vc = col_find(t, "value")) < 0)
		return;
	ch.sub = credit_model(d, t, mc);
	chart_init(&ch, t->nrows, 1);
	for (size_t r = 0; r < t->nrows && ch.sub != NULL; r++) {
		size_t i;
		if (strcmp(cell_str(t, r, mc), ch.sub) != 0)
			continue;
		if ((i = str_index(ch.cats, n, cell_str(t, r, cc))) == n)
			ch.cats[n++] = cell_str(t, r, cc);
		ch.v[i] += cell_value(t, r, vc);
	}
	ch.ncat = n;
	chart_hbars(fp, &ch);
	chart_release(&ch);
}

static void chart_attribution(FILE *fp, const struct report_doc *d)
{
	struct chart ch = {
		.id = "chart-won-value", .title = "Won value by lead source", .sub = d->currency};

	chart_column(fp, &ch, table_find(d, "rows"), "source", "won_value");
	chart_credits(fp, d);
}

/* Funnel: deals that reached each stage, centred, with the conversions. */
static void chart_funnel(FILE *fp, const struct report_doc *d)
{
	const struct report_table *t = table_find(d, "rows");
	struct chart ch = {.id = "chart-funnel",
			   .title = "Deals reaching each stage",
			   .kind = REPORT_K_INT,
			   .centred = 1};
	int sc, rc, nc, cc;
	char a[64], b[64];

	if (t == NULL || (sc = col_find(t, "stage")) < 0 || (rc = col_find(t, "reached")) < 0)
		return;
	nc = col_find(t, "next_step_conversion");
	cc = col_find(t, "cumulative_conversion");
	chart_init(&ch, t->nrows, 1);
	ch.notes = xcalloc(t->nrows + 1, sizeof *ch.notes);
	ch.tips = xcalloc(t->nrows + 1, sizeof *ch.tips);
	for (size_t r = 0; r < t->nrows; r++) {
		ch.cats[r] = cell_str(t, r, sc);
		ch.v[r] = cell_value(t, r, rc);
		/* N(k)/N(k-1) is the previous stage's next-step conversion. */
		if (r > 0 && nc >= 0 && !cell_at(t, r - 1, nc)->null)
			snprintf(a, sizeof a, "%.1f%% of previous", cell_value(t, r - 1, nc) * 100);
		else
			a[0] = '\0';
		if (r > 0 && cc >= 0 && !cell_at(t, r, cc)->null)
			snprintf(b, sizeof b, "%s%.1f%% of first", a[0] ? " \xc2\xb7 " : "",
				 cell_value(t, r, cc) * 100);
		else
			b[0] = '\0';
		ch.notes[r] = xasprintf("%s%s", a, b);
		if (a[0] != '\0' || b[0] != '\0')
			ch.tips[r] = xasprintf("%s: %.0f deals (%s%s)", ch.cats[r], ch.v[r], a, b);
		else
			ch.tips[r] = xasprintf("%s: %.0f deals", ch.cats[r], ch.v[r]);
	}
	chart_hbars(fp, &ch);
	chart_release(&ch);
}

/* Forecast: per month, the open value and the probability-weighted value. */
static const char *const forecast_series[] = {"value", "weighted value"};

static void chart_forecast(FILE *fp, const struct report_doc *d)
{
	const struct report_table *t = table_find(d, "rows");
	struct chart ch = {.id = "chart-forecast",
			   .title = "Open value by expected close month",
			   .sub = d->currency,
			   .kind = REPORT_K_MONEY,
			   .sers = forecast_series};
	int mc, vc, wc;
	char x[32], y[32];

	if (t == NULL || (mc = col_find(t, "month")) < 0 || (vc = col_find(t, "value")) < 0)
		return;
	wc = col_find(t, "weighted_value");
	chart_init(&ch, t->nrows, 2);
	ch.tips = xcalloc(t->nrows * 2 + 1, sizeof *ch.tips);
	for (size_t r = 0; r < t->nrows; r++) {
		ch.cats[r] = cell_str(t, r, mc);
		ch.v[r * 2] = cell_value(t, r, vc);
		ch.v[r * 2 + 1] = cell_value(t, r, wc);
		value_label(REPORT_K_MONEY, ch.v[r * 2], x, sizeof x);
		value_label(REPORT_K_MONEY, ch.v[r * 2 + 1], y, sizeof y);
		ch.tips[r * 2] = xasprintf("%s: value %s", ch.cats[r], x);
		ch.tips[r * 2 + 1] = xasprintf("%s: weighted value %s", ch.cats[r], y);
	}
	chart_vbars(fp, &ch);
	chart_release(&ch);
}

static void html_charts(FILE *fp, const struct report_doc *d)
{
	fputs("<section class=\"charts\" id=\"charts\">\n", fp);
	if (strcmp(d->report, "activity") == 0)
		chart_activity(fp, d);
	else if (strcmp(d->report, "attribution") == 0)
		chart_attribution(fp, d);
	else if (strcmp(d->report, "funnel") == 0)
		chart_funnel(fp, d);
	else if (strcmp(d->report, "forecast") == 0)
		chart_forecast(fp, d);
	fputs("</section>\n", fp);
}

/* ---- the page ---------------------------------------------------------- */

static const char css[] =
	":root{color-scheme:light}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;padding:16px;font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,"
	"\"Noto Sans\",\"DejaVu Sans\",sans-serif;color:#1b1f24;background:#f6f7f9}\n"
	"header,main,footer{max-width:1100px;margin:0 auto}\n"
	"h1{font-size:1.5em;margin:0 0 .4em}h2{font-size:1.15em;margin:0 0 .5em}\n"
	".meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}\n"
	".meta dt{color:#57606a}.meta dd{margin:0;overflow-wrap:anywhere}\n"
	"p.note{margin:.5em 0 0;padding:4px 8px;border-left:3px solid #bf8700;"
	"background:#fff8c5}\n"
	"section{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:12px;"
	"margin:16px 0}\n"
	".scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;max-width:100%}\n"
	"table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}\n"
	"th,td{padding:4px 8px;border-bottom:1px solid #e5e8eb;text-align:left;"
	"vertical-align:top;white-space:nowrap}\n"
	"td{max-width:28em;overflow:hidden;text-overflow:ellipsis}\n"
	".num{text-align:right}\n"
	"thead th{background:#f0f2f4;font-weight:600}\n"
	"tbody tr:nth-child(even){background:#fafbfc}\n"
	"tfoot th,tfoot td{font-weight:600;border-top:2px solid #8c959f;border-bottom:0}\n"
	".null,.none{color:#6e7781}.none{font-style:italic;margin:.5em 0 0}\n"
	"figure{margin:0 0 16px}figcaption{font-weight:600;margin-bottom:4px}\n"
	"figcaption .sub{font-weight:400;color:#57606a}\n"
	"svg.chart{display:block;width:100%;height:auto;min-width:540px;max-width:880px}\n"
	"svg.chart text{font-size:12px;font-family:system-ui,sans-serif;fill:#1b1f24}\n"
	"svg.chart .tick,svg.chart .note{fill:#57606a}svg.chart .label{font-weight:600}\n"
	"svg.chart .tick{fill:#57606a}.grid{stroke:#e5e8eb}.axis{stroke:#8c959f}\n"
	".legend{list-style:none;padding:0;margin:6px 0 0;display:flex;flex-wrap:wrap;"
	"gap:4px 16px}.legend li{overflow-wrap:anywhere}\n"
	"footer{color:#6e7781;font-size:.85em}\n"
	"@media (max-width:600px){body{padding:8px}section{padding:8px;margin:10px 0}"
	"h1{font-size:1.25em}}\n"
	"@media print{body{background:none;color:#000;padding:0;font-size:11px}"
	"section{border:0;border-radius:0;padding:0;background:none}"
	"thead th,tbody tr:nth-child(even){background:none}"
	"table,figure,tr{break-inside:avoid;page-break-inside:avoid}"
	".scroll{overflow:visible}svg.chart{min-width:0}td{max-width:none}}\n";

static void meta_row(FILE *fp, const char *key, const char *value, const char *id)
{
	fprintf(fp, "<dt>%s</dt><dd id=\"%s\">", key, id);
	html_text(fp, value);
	fputs("</dd>\n", fp);
}

static void html_header(FILE *fp, const struct report_doc *d, const char *from, const char *to)
{
	char range[64], *note = report_currency_note(d);

	snprintf(range, sizeof range, "%s " EN_DASH " %s", from, to);
	fputs("<header>\n<h1 id=\"title\">", fp);
	if (d->report[0] >= 'a' && d->report[0] <= 'z') {
		fputc(d->report[0] - 'a' + 'A', fp);
		html_text(fp, d->report + 1);
	} else {
		html_text(fp, d->report);
	}
	fputs(" report</h1>\n<dl class=\"meta\">\n", fp);
	meta_row(fp, "Range", range, "meta-range");
	meta_row(fp, "Time zone", d->tz, "meta-tz");
	meta_row(fp, "Period", period_names[d->p.period], "meta-period");
	for (size_t i = 0; i < d->nparams; i++) {
		/* "currency" is the Currency row below */
		if (strcmp(d->params[i].key, "currency") == 0)
			continue;
		fputs("<dt>", fp);
		html_text(fp, d->params[i].key);
		fputs("</dt><dd class=\"param\">", fp);
		html_text(fp, d->params[i].value[0] != '\0' ? d->params[i].value : EN_DASH);
		fputs("</dd>\n", fp);
	}
	meta_row(fp, "Currency", d->currency != NULL ? d->currency : EN_DASH, "meta-currency");
	fputs("</dl>\n", fp);
	if (note != NULL) {
		fputs("<p class=\"note\" id=\"currency-note\">", fp);
		html_text(fp, note);
		fputs("</p>\n", fp);
	}
	fputs("</header>\n", fp);
	free(note);
}

int report_render_html(const struct report_doc *d, FILE *fp, struct err *err)
{
	char from[16], to[16], now[32];
	const char *tz = d->tz != NULL ? d->tz : "UTC";

	report_local_date(tz, d->p.from, from, sizeof from);
	report_local_date(tz, d->p.to - 1, to, sizeof to);
	fputs("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"crmsync\">\n<title>",
	      fp);
	html_text(fp, d->report);
	fprintf(fp, " report, %s " EN_DASH " %s</title>\n<style>\n%s</style>\n</head>\n<body>\n",
		from, to, css);
	html_header(fp, d, from, to);
	fputs("<main>\n", fp);
	html_charts(fp, d);
	for (size_t i = 0; i < d->ntables; i++)
		html_table(fp, &d->tables[i]);
	fputs("</main>\n<footer><p>", fp);
	tu_format_rfc3339(d->p.now, now, sizeof now);
	fprintf(fp, "Made by crmsync at %s from the activity log.</p></footer>\n</body>\n</html>\n",
		now);
	if (fflush(fp) != 0 || ferror(fp))
		return err_set(err, ERR_FINAL, "cannot write the report");
	return 0;
}

/* parsers/maildate.c - RFC 5322 §3.3 dates, with the obsolete forms of §4.3.
 *
 * Rather than one grammar, the value is cut into tokens (numbers, words,
 * a time "hh:mm[:ss]", a numeric zone "+hhmm") with comments dropped, and
 * the tokens are given their roles: a month name, a day name (ignored), the
 * first number the day and the second the year, whichever order they come
 * in. That one reading covers RFC 5322, its obsolete forms (two- and
 * three-digit years, named and military zones, missing seconds or day
 * name, white space or comments anywhere: "09(comment): 55 : 06") and the
 * asctime(3) form "Mon Jan 10 12:00:00 2000" of broken software. Anything
 * after a complete date is ignored; an impossible date (30 February,
 * 25:00, a zone of +0575) is rejected. ISO 8601 as a last resort.
 */
#include "parsers/mail.h"
#include "core/str.h"
#include "core/timeutil.h"

#include <string.h>

#define DATE_MAX_TOKENS 24
#define DATE_MAX_LEN	256

enum {
	DT_NUM,
	DT_WORD,
	DT_TIME,
	DT_ZONE,
};

struct dtok {
	int type;
	int v, ndigits; /* DT_NUM; DT_ZONE: offset in minutes */
	int h, m, s;	/* DT_TIME */
	char w[12];	/* DT_WORD, lower-cased, maybe cut */
	size_t wlen;	/* its full length */
};

static const char *const months[12] = {
	"january", "february", "march",	    "april",   "may",	   "june",
	"july",	   "august",   "september", "october", "november", "december",
};
static const char *const days[7] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
};

/* RFC 5322 §4.3 zones, and a few unambiguous ones mailers write. */
static const struct {
	const char *name;
	int minutes;
} zones[] = {
	{"ut", 0},	{"utc", 0},    {"gmt", 0},    {"z", 0},	     {"est", -300}, {"edt", -240},
	{"cst", -360},	{"cdt", -300}, {"mst", -420}, {"mdt", -360}, {"pst", -480}, {"pdt", -420},
	{"cet", 60},	{"cest", 120}, {"met", 60},   {"mest", 120}, {"eet", 120},  {"eest", 180},
	{"wet", 0},	{"west", 60},  {"jst", 540},  {"kst", 540},  {"hkt", 480},  {"aest", 600},
	{"aedt", 660},	{"nzst", 720}, {"nzdt", 780}, {"msk", 180},  {"hst", -600}, {"akst", -540},
	{"akdt", -480},
};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Copies s without comments (each becomes a space); -1 if too long. */
static int strip_comments(const char *s, size_t n, char *out, size_t *len)
{
	size_t o = 0;
	int depth = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\' && depth > 0) {
			i++;
		} else if (c == '(') {
			depth++;
		} else if (c == ')' && depth > 0) {
			if (--depth == 0 && o < DATE_MAX_LEN)
				out[o++] = ' ';
		} else if (depth == 0) {
			if (o >= DATE_MAX_LEN)
				return -1;
			out[o++] = c;
		}
	}
	out[o] = '\0';
	*len = o;
	return 0;
}

static size_t read_num(const char *s, size_t i, size_t n, int *v, int *nd)
{
	*v = 0;
	*nd = 0;
	for (; i < n && is_digit(s[i]); i++) {
		if (*nd < 9)
			*v = *v * 10 + (s[i] - '0');
		(*nd)++;
	}
	return i;
}

static size_t skip_ws(const char *s, size_t i, size_t n)
{
	while (i < n && is_ws(s[i]))
		i++;
	return i;
}

/* After a number at i: ":mm[:ss]" with optional white space around the
 * colons makes it a time. Returns the end, or 0 when it is no time. */
static size_t read_time(const char *s, size_t i, size_t n, struct dtok *t)
{
	int nd;

	i = skip_ws(s, i, n);
	if (i >= n || s[i] != ':')
		return 0;
	i = skip_ws(s, i + 1, n);
	i = read_num(s, i, n, &t->m, &nd);
	if (nd < 1 || nd > 2)
		return 0;
	t->s = 0;
	if (skip_ws(s, i, n) < n && s[skip_ws(s, i, n)] == ':') {
		i = skip_ws(s, skip_ws(s, i, n) + 1, n);
		i = read_num(s, i, n, &t->s, &nd);
		if (nd < 1 || nd > 2)
			return 0;
	}
	return i;
}

/* "+hhmm" or "+hh:mm"; 0 when it is not one. */
static size_t read_zone(const char *s, size_t i, size_t n, struct dtok *t)
{
	int sign = s[i] == '-' ? -1 : 1, v, nd, mm = 0;
	size_t j = read_num(s, i + 1, n, &v, &nd);

	if (nd == 2 && j + 2 < n && s[j] == ':' && is_digit(s[j + 1]) && is_digit(s[j + 2])) {
		mm = (s[j + 1] - '0') * 10 + (s[j + 2] - '0');
		j += 3;
	} else if (nd == 4) {
		mm = v % 100;
		v /= 100;
	} else {
		return 0;
	}
	if (v > 23 || mm > 59)
		return (size_t)-1;
	t->type = DT_ZONE;
	t->v = sign * (v * 60 + mm);
	return j;
}

static int tokenize(const char *s, size_t n, struct dtok *tok, int *ntok)
{
	size_t i = 0, j;
	int k = 0, seen_time = 0;

	while ((i = skip_ws(s, i, n)) < n) {
		struct dtok *t = &tok[k];

		/* A sign before the time separates ("21-Nov-1997"). */
		if (s[i] == ',' || s[i] == '.' || s[i] == '/' || (s[i] == '-' && !seen_time)) {
			i++;
			continue;
		}
		if (k == DATE_MAX_TOKENS)
			return -1;
		if (is_digit(s[i])) {
			i = read_num(s, i, n, &t->v, &t->ndigits);
			t->type = DT_NUM;
			if ((j = read_time(s, i, n, t)) > 0) {
				t->type = DT_TIME;
				t->h = t->v;
				seen_time = 1;
				if (t->ndigits > 2)
					return -1;
				i = j;
			}
		} else if (s[i] == '+' || s[i] == '-') {
			j = read_zone(s, i, n, t);
			if (j == (size_t)-1 || (j == 0 && s[i] == '+'))
				return -1;
			if (j == 0) {
				i++; /* "21-Nov-97" */
				continue;
			}
			i = j;
		} else if (is_alpha(s[i])) {
			t->type = DT_WORD;
			t->wlen = 0;
			for (; i < n && is_alpha(s[i]); i++, t->wlen++)
				if (t->wlen < sizeof t->w - 1)
					t->w[t->wlen] = (char)(s[i] | 0x20);
			t->w[t->wlen < sizeof t->w - 1 ? t->wlen : sizeof t->w - 1] = '\0';
		} else {
			return -1;
		}
		k++;
	}
	*ntok = k;
	return 0;
}

/* Index of the name that word (3 letters or more) starts, or -1. */
static int name_index(const struct dtok *t, const char *const *names, int count)
{
	if (t->wlen < 3 || t->wlen >= sizeof t->w)
		return -1;
	for (int i = 0; i < count; i++)
		if (strncmp(names[i], t->w, t->wlen) == 0)
			return i;
	return -1;
}

static int zone_minutes(const struct dtok *t)
{
	if (t->wlen >= sizeof t->w)
		return 0;
	for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++)
		if (strcmp(zones[i].name, t->w) == 0)
			return zones[i].minutes;
	/* Military zones (their signs were got wrong so often that RFC 5322
	 * §4.3 says to read them as -0000) and unknown names: UTC. */
	return 0;
}

struct dparts {
	int day, mon, year, ydigits, h, m, s, zone;
	int has_time, has_zone, numeric_zone;
};

static int date_complete(const struct dparts *d)
{
	return d->day >= 0 && d->mon >= 0 && d->year >= 0 && d->has_time && d->has_zone;
}

static int assign(const struct dtok *tok, int ntok, struct dparts *d)
{
	/* A named zone may still be followed by a number: "GMT+0100". */
	for (int i = 0;
	     i < ntok && (!date_complete(d) || (tok[i].type == DT_ZONE && !d->numeric_zone)); i++) {
		const struct dtok *t = &tok[i];
		int x;

		switch (t->type) {
		case DT_NUM:
			if (d->day < 0 && t->ndigits <= 2) {
				d->day = t->v;
			} else if (d->year < 0 && d->day >= 0 && t->ndigits >= 2 &&
				   t->ndigits <= 4) {
				d->year = t->v;
				d->ydigits = t->ndigits;
			} else {
				return -1;
			}
			break;
		case DT_TIME:
			if (d->has_time)
				return -1;
			d->has_time = 1;
			d->h = t->h, d->m = t->m, d->s = t->s;
			break;
		case DT_ZONE:
			if (d->numeric_zone || !d->has_time)
				return -1;
			d->zone = t->v;
			d->has_zone = d->numeric_zone = 1;
			break;
		case DT_WORD:
			if ((x = name_index(t, months, 12)) >= 0 && d->mon < 0) {
				d->mon = x;
			} else if (name_index(t, days, 7) >= 0 && !d->has_time) {
				/* the day name: never checked against the date */
			} else if (d->has_time && !d->has_zone) {
				d->zone = zone_minutes(t);
				d->has_zone = 1;
			} else if (!(d->has_time && d->has_zone)) {
				return -1;
			}
			break;
		}
	}
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return dm[m] + (m == 1 && leap);
}

static int date_iso(const char *s, size_t n, int64_t *t_out)
{
	char tmp[64];

	while (n > 0 && is_ws(*s))
		s++, n--;
	while (n > 0 && is_ws(s[n - 1]))
		n--;
	if (n == 0 || n >= sizeof tmp || !is_digit(s[0]))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return tu_parse_date(tmp, t_out);
}

int mail_parse_date(const char *s, size_t len, int64_t *t_out)
{
	struct dtok tok[DATE_MAX_TOKENS];
	struct dparts d = {-1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
	char buf[DATE_MAX_LEN + 1];
	size_t n;
	int ntok, y;

	if (strip_comments(s, len, buf, &n) == -1 || tokenize(buf, n, tok, &ntok) == -1 ||
	    assign(tok, ntok, &d) == -1 || d.day < 0 || d.mon < 0 || d.year < 0 || !d.has_time)
		return date_iso(s, len, t_out);
	/* RFC 5322 §4.3: 00-49 is 2000-2049, 50-99 and three digits +1900. */
	y = d.year;
	if (d.ydigits == 2)
		y += y < 50 ? 2000 : 1900;
	else if (d.ydigits == 3)
		y += 1900;
	if (y < 1900 || d.day < 1 || d.day > days_in_month(y, d.mon) || d.h > 23 || d.m > 59 ||
	    d.s > 60)
		return -1;
	*t_out = tu_days_from_civil(y, (unsigned)d.mon + 1, (unsigned)d.day) * 86400 + d.h * 3600 +
		 d.m * 60 + d.s - (int64_t)d.zone * 60;
	return 0;
}

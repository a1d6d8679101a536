/* core/timeutil.c - UTC date arithmetic and parsing (see timeutil.h).
 *
 * We do our own civil-date arithmetic because timegm(3) is not in POSIX and
 * mktime(3) depends on the process time zone.
 */
#include "core/timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int64_t tu_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void tu_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Reads exactly n digits. */
static int tu_digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int tu_days_in_month(int y, int m)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

int tu_parse_date(const char *s, int64_t *t_out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, oh, om, sign;
	int64_t t;

	if (tu_digits(&s, 4, &y) || *s++ != '-' || tu_digits(&s, 2, &mo) || *s++ != '-' ||
	    tu_digits(&s, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > tu_days_in_month(y, mo))
		return -1;
	t = tu_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400;
	if (*s == '\0') {
		*t_out = t;
		return 0;
	}
	if (*s != 'T' && *s != 't' && *s != ' ')
		return -1;
	s++;
	if (tu_digits(&s, 2, &h) || *s++ != ':' || tu_digits(&s, 2, &mi) || *s++ != ':' ||
	    tu_digits(&s, 2, &sec))
		return -1;
	if (h > 23 || mi > 59 || sec > 60)
		return -1;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s))
			s++;
	}
	t += h * 3600 + mi * 60 + (sec == 60 ? 59 : sec);
	if ((*s == 'Z' || *s == 'z') && s[1] == '\0') {
		*t_out = t;
		return 0;
	}
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s++ == '+' ? 1 : -1;
	if (tu_digits(&s, 2, &oh) || *s++ != ':' || tu_digits(&s, 2, &om) || *s != '\0')
		return -1;
	if (oh > 23 || om > 59)
		return -1;
	*t_out = t - sign * (oh * 3600 + om * 60);
	return 0;
}

int tu_parse_duration(const char *s, int64_t *secs_out)
{
	int64_t v = 0, mult = 1;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	switch (*p) {
	case '\0':
		break;
	case 's':
		break;
	case 'm':
		mult = 60;
		break;
	case 'h':
		mult = 3600;
		break;
	case 'd':
		mult = 86400;
		break;
	case 'w':
		mult = 7 * 86400;
		break;
	default:
		return -1;
	}
	if (*p != '\0' && p[1] != '\0')
		return -1;
	if (v > INT64_MAX / mult)
		return -1;
	*secs_out = v * mult;
	return 0;
}

int tu_parse_cli_date(const char *s, int64_t now, int64_t *t_out)
{
	size_t n = strlen(s);
	int64_t v, y;
	unsigned m, d;
	int64_t days, secs;

	if (tu_parse_date(s, t_out) == 0)
		return 0;
	if (n < 2 || n > 7 || !isdigit((unsigned char)s[0]))
		return -1;
	v = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	switch (s[n - 1]) {
	case 'd':
		*t_out = now - v * 86400;
		return 0;
	case 'w':
		*t_out = now - v * 7 * 86400;
		return 0;
	case 'm':
		days = now >= 0 ? now / 86400 : (now - 86399) / 86400;
		secs = now - days * 86400;
		tu_civil_from_days(days, &y, &m, &d);
		y -= v / 12;
		if ((int64_t)m <= v % 12) {
			y--;
			m = (unsigned)(m + 12 - v % 12);
		} else {
			m = (unsigned)(m - v % 12);
		}
		if ((int)d > tu_days_in_month((int)y, (int)m))
			d = (unsigned)tu_days_in_month((int)y, (int)m);
		*t_out = tu_days_from_civil(y, m, d) * 86400 + secs;
		return 0;
	default:
		return -1;
	}
}

void tu_format_rfc3339(int64_t t, char *out, size_t size)
{
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t secs = t - days * 86400, y;
	unsigned m, d;

	tu_civil_from_days(days, &y, &m, &d);
	snprintf(out, size, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m, d,
		 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

void tu_format_date(int64_t t, char *out, size_t size)
{
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, y;
	unsigned m, d;

	tu_civil_from_days(days, &y, &m, &d);
	snprintf(out, size, "%04lld-%02u-%02u", (long long)y, m, d);
}

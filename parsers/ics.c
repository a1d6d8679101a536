/* parsers/ics.c - iCalendar objects to meeting occurrences, over libical
 * 3.0.16 (see ics.h).
 *
 * libical parses; most of the meaning is decided here, because libical is
 * lossy where it matters to us (LIBRARIES.md): every DATE or DATE-TIME is
 * read as the wall clock as written plus a zone resolved here (the
 * object's VTIMEZONE, the IANA database, the Windows name table, else the
 * default zone with a warning), and the recurrence set of RFC 5545 §3.8.5
 * (DTSTART, RRULEs and RDATEs, minus EXDATEs and the instances a
 * RECURRENCE-ID override replaces) is assembled here in that wall-clock
 * frame. libical's own help is used for the RRULE iterator only, always
 * with a finite UNTIL, and its time zone offsets. libical types never leave
 * this file.
 *
 * Inputs are bounded: object size, component nesting (libical frees and
 * counts recursively), iterator steps per rule, instances per series,
 * occurrences per object, attendees per event, warnings per object.
 */
#include "parsers/ics.h"
#include "parsers/addr.h"
#include "core/err.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "core/xalloc.h"

#include <libical/ical.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ICS_MAX_WARNINGS    100
#define ICS_MAX_NESTING	    16
#define ICS_MAX_STEPS	    200000	     /* RRULE iterator steps per rule */
#define ICS_MAX_OCCURRENCES 100000	     /* per object */
#define ICS_MAX_DAYS	    36600	     /* longest event we believe, in days */
#define ICS_WARN_UID	    80		     /* bytes of a UID quoted in a warning */
#define ICS_MAX_ZONES	    64		     /* distinct TZIDs looked up per object */
#define ICS_YEAR_MIN	    1800	     /* zone offsets are looked up inside these years; */
#define ICS_YEAR_MAX	    2400	     /* a counted RRULE must start after the first */
#define ICS_SECS_MIN	    (-62135596800LL) /* 0001-01-01 */
#define ICS_SECS_MAX	    (253402300799LL) /* 9999-12-31T23:59:59 */

/* RRULE iterator steps per object, all rules together: a rule with COUNT is
 * walked from DTSTART, so each VEVENT could take ICS_MAX_STEPS and an object
 * hold thousands (2.6 us a step at -O2: 1 KB of them took 1.6 s). Twice
 * the occurrences an object may give is plenty for real ones. */
#define ICS_MAX_OBJECT_STEPS (2 * ICS_MAX_OCCURRENCES)
/* Heap bytes the occurrences of one object may hold. Each occurrence is
 * a copy of its VEVENT's text and attendees, so a 1 MB DESCRIPTION
 * repeating daily took 1 GB, and so did 20 daily VEVENTs of 500 attendees
 * (160 KB). 64 KB an occurrence for a full series (500 attendees take
 * about 37 KB): 64 MB at the default instance cap. */
#define ICS_MAX_OCC_BYTES(cap) (64 * 1024 * (size_t)(cap))

/* A DATE or DATE-TIME value as written, and what it means. */
struct ics_when {
	struct icaltimetype local; /* wall clock as written; zone NULL */
	icaltimezone *zone;	   /* zone the wall clock is read in; never NULL */
	int is_date;
	int floating; /* no zone, or an unknown one: read in the default zone */
	int64_t utc;
};

/* Length of an event: nominal days, then exact seconds (RFC 5545 §3.3.6). */
struct ics_dur {
	int days;
	int64_t secs;
};

/* One VEVENT of the object. */
struct ics_ev {
	icalcomponent *comp; /* borrowed from the parsed tree */
	const char *uid;     /* borrowed from comp */
	size_t order;	     /* document order */
	int seq;
	int is_override;
	int has_start; /* DTSTART present (an override may lack it) */
	int has_dur;   /* DTEND or DURATION present */
	struct ics_when start;
	struct ics_when rid; /* overrides only */
	struct ics_dur dur;
};

/* A sorted set of numbers: the instants excluded from a series. */
struct ics_keys {
	int64_t *v;
	size_t n, alloc;
};

/* An instance of a series before it becomes an occurrence. */
struct ics_inst {
	struct icaltimetype local; /* original start, wall clock */
	int64_t start, end;
};

/* The arrays grow by doubling: one element at a time was quadratic, and
 * they hold up to ICS_MAX_OBJECT_STEPS instances or one EXDATE per line.
 * Exclusions (EXDATEs and overridden instances) are matched by date when
 * the series or the exclusion is all-day, else by UTC second: ex_days and
 * ex_utc hold those keys, sorted before expansion, so that checking an
 * instance is a binary search and not a walk over every EXDATE (which
 * made 50000 EXDATEs take 1.3 s). */
struct ics_series {
	struct ics_ev *m;
	struct ics_keys ex_days, ex_utc;
	struct ics_inst *v;
	size_t n, alloc_v;
};

struct ics_zone {
	icalcomponent *cal; /* borrowed: the VCALENDAR it was looked up in */
	char *tzid;	    /* owned */
	icaltimezone *zone; /* borrowed from libical or the tree; NULL: unknown */
};

struct ics_ctx {
	const struct ics_options *o;
	struct ics_result *res;
	icalcomponent *root; /* borrowed */
	icaltimezone *utc;
	icaltimezone *deftz; /* never NULL */
	const char *deftz_name;
	struct ics_zone *zones;
	size_t nzones;
	size_t cap; /* instances per series */
	int64_t wstart, wend;
	size_t nwarn_dropped;
	size_t steps;	   /* RRULE iterator steps so far, all rules */
	size_t occ_bytes;  /* what the occurrences hold so far (occ_cost) */
	char *skip_reason; /* owned: why the first unusable VEVENT was skipped */
	int warned_charset, warned_occ, warned_steps, warned_bytes;
	size_t alloc_occ, alloc_warn;
};

static void warn(struct ics_ctx *c, const char *uid, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static char *quote(struct ics_ctx *c, const char *s, size_t max);

static void warn(struct ics_ctx *c, const char *uid, const char *fmt, ...)
{
	struct ics_result *r = c->res;
	va_list ap;
	char *msg;

	if (r->nwarnings >= ICS_MAX_WARNINGS) {
		c->nwarn_dropped++;
		return;
	}
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (uid != NULL) {
		char *q = quote(c, uid, ICS_WARN_UID), *m2 = xasprintf("VEVENT '%s': %s", q, msg);

		free(q);
		free(msg);
		msg = m2;
	}
	if (r->nwarnings == c->alloc_warn) {
		c->alloc_warn = c->alloc_warn == 0 ? 8 : c->alloc_warn * 2;
		r->warnings = xreallocarray(r->warnings, c->alloc_warn, sizeof *r->warnings);
	}
	r->warnings[r->nwarnings++] = msg;
}

/* Windows-1252 bytes 0x80-0x9f; 0 where the code page has a hole. */
static const unsigned short cp1252_hi[32] = {
	0x20ac, 0,	0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
	0x2039, 0x0152, 0,	0x017d, 0,	0,	0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
	0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0,	0x017e, 0x0178,
};

/* A copy of text from the object, as UTF-8: text that is not valid UTF-8
 * was written in a legacy code page, and Windows-1252 (a superset of
 * Latin-1) is by far the most common one in calendar exports. */
static char *text_dup(struct ics_ctx *c, const char *s)
{
	size_t n, j = 0;
	char *out;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	if (str_utf8_valid(s, n))
		return xstrdup(s);
	if (!c->warned_charset) {
		c->warned_charset = 1;
		warn(c, NULL, "text is not UTF-8, read as Windows-1252");
	}
	out = xmalloc(n * 3 + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned ch = (unsigned char)s[i];

		if (ch >= 0x80 && ch < 0xa0)
			ch = cp1252_hi[ch - 0x80] != 0 ? cp1252_hi[ch - 0x80] : 0xfffd;
		if (ch < 0x80) {
			out[j++] = (char)ch;
		} else if (ch < 0x800) {
			out[j++] = (char)(0xc0 | ch >> 6);
			out[j++] = (char)(0x80 | (ch & 0x3f));
		} else {
			out[j++] = (char)(0xe0 | ch >> 12);
			out[j++] = (char)(0x80 | (ch >> 6 & 0x3f));
			out[j++] = (char)(0x80 | (ch & 0x3f));
		}
	}
	out[j] = '\0';
	return out;
}

/* Object text for a warning: UTF-8, at most max bytes, cut between
 * characters. */
static char *quote(struct ics_ctx *c, const char *s, size_t max)
{
	char *q = text_dup(c, s);
	size_t n = strlen(q);

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)q[n] & 0xc0) == 0x80)
			n--;
		q[n] = '\0';
	}
	return q;
}

/* --- Time arithmetic, on our own integers rather than time_t --- */

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int64_t tt_days(const struct icaltimetype *t)
{
	return tu_days_from_civil(t->year, (unsigned)t->month, (unsigned)t->day);
}

/* The fields of t read as UTC. */
static int64_t tt_secs(const struct icaltimetype *t)
{
	return tt_days(t) * 86400 + t->hour * 3600 + t->minute * 60 + t->second;
}

static struct icaltimetype secs_tt(int64_t s, int is_date)
{
	struct icaltimetype t = icaltime_null_time();
	int64_t days, rem, y;
	unsigned m, d;

	if (s < ICS_SECS_MIN)
		s = ICS_SECS_MIN;
	if (s > ICS_SECS_MAX)
		s = ICS_SECS_MAX;
	days = floor_div(s, 86400);
	rem = s - days * 86400;
	tu_civil_from_days(days, &y, &m, &d);
	t.year = (int)y;
	t.month = (int)m;
	t.day = (int)d;
	if (!is_date) {
		t.hour = (int)(rem / 3600);
		t.minute = (int)(rem / 60 % 60);
		t.second = (int)(rem % 60);
	}
	t.is_date = is_date;
	return t;
}

static struct icaltimetype tt_add_days(struct icaltimetype t, int64_t n)
{
	struct icaltimetype r = secs_tt((tt_days(&t) + n) * 86400, t.is_date);

	if (!t.is_date) {
		r.hour = t.hour;
		r.minute = t.minute;
		r.second = t.second;
	}
	return r;
}

/* libical re-expands a zone's transitions on every lookup past its last
 * year, so offsets are looked up at a clamped year: the times outside are
 * nonsense data anyway. */
static struct icaltimetype tt_clamp_year(struct icaltimetype t)
{
	if (t.year < ICS_YEAR_MIN || t.year > ICS_YEAR_MAX) {
		t.year = t.year < ICS_YEAR_MIN ? ICS_YEAR_MIN : ICS_YEAR_MAX;
		if (t.month == 2 && t.day == 29)
			t.day = 28;
	}
	return t;
}

/* UTC seconds of the wall clock `t` in zone z (dates: their midnight). */
static int64_t local_utc(struct ics_ctx *c, struct icaltimetype t, icaltimezone *z)
{
	struct icaltimetype q;
	int off = 0;

	if (t.is_date)
		t.hour = t.minute = t.second = 0;
	t.is_date = 0;
	t.zone = NULL;
	if (z != NULL && z != c->utc) {
		q = tt_clamp_year(t);
		off = icaltimezone_get_utc_offset(z, &q, NULL);
	}
	return tt_secs(&t) - off;
}

/* The wall clock in zone z at UTC second s. */
static struct icaltimetype utc_local(struct ics_ctx *c, int64_t s, icaltimezone *z, int is_date)
{
	struct icaltimetype t = secs_tt(s, 0), q;
	int off = 0;

	if (z != NULL && z != c->utc) {
		q = tt_clamp_year(t);
		off = icaltimezone_get_utc_offset_of_utc_time(z, &q, NULL);
	}
	return secs_tt(s + off, is_date);
}

static void fmt_rid(char *out, size_t size, const struct icaltimetype *local, int64_t utc,
		    int is_date)
{
	struct icaltimetype t = is_date ? *local : secs_tt(utc, 0);

	if (is_date)
		snprintf(out, size, "%04d%02d%02d", t.year, t.month, t.day);
	else
		snprintf(out, size, "%04d%02d%02dT%02d%02d%02dZ", t.year, t.month, t.day, t.hour,
			 t.minute, t.second);
}

/* --- Time zones --- */

/* IANA-looking names only reach the zoneinfo directory: no "..", no
 * absolute path, nothing odd. */
static int tzname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '/' || strstr(s, "..") != NULL)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr("/_+-.", ch) != NULL))
			return 0;
	}
	return 1;
}

/* libical 3.0.16 appends a zone that zone.tab does not list (US/Eastern,
 * Etc/GMT+5) to its process-wide array without taking its own lock, so
 * our lookups take this one. Nothing else in crmsync calls libical. */
static pthread_mutex_t ics_builtin_lock = PTHREAD_MUTEX_INITIALIZER;

static icaltimezone *builtin_get(const char *name)
{
	icaltimezone *z;

	pthread_mutex_lock(&ics_builtin_lock);
	z = icaltimezone_get_builtin_timezone(name);
	pthread_mutex_unlock(&ics_builtin_lock);
	return z;
}

/* A builtin (tzdata) zone by name; prefixes such as libical's own
 * "/freeassociation.sourceforge.net/" or Mozilla's
 * "/mozilla.org/20050126_1/" are dropped one segment at a time. */
static icaltimezone *zone_builtin(const char *tzid)
{
	const char *s = tzid;
	icaltimezone *z;

	if (strstr(tzid, "..") != NULL)
		return NULL;
	for (;;) {
		while (*s == '/')
			s++;
		if (tzname_ok(s) && (z = builtin_get(s)) != NULL)
			return z;
		if ((s = strchr(s, '/')) == NULL)
			return NULL;
	}
}

/* A VTIMEZONE is used only if it has observances with a DTSTART and an
 * offset, and yearly rules: libical expands observances up to year 2582,
 * and a minutely rule there would take forever. */
static int vtimezone_usable(icalcomponent *vtz)
{
	icalcomponent *ob;
	icalproperty *p;
	int n = 0;

	for (ob = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT); ob != NULL;
	     ob = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT)) {
		icalcomponent_kind k = icalcomponent_isa(ob);

		if (k != ICAL_XSTANDARD_COMPONENT && k != ICAL_XDAYLIGHT_COMPONENT)
			continue;
		if (icalcomponent_get_first_property(ob, ICAL_DTSTART_PROPERTY) == NULL ||
		    icalcomponent_get_first_property(ob, ICAL_TZOFFSETTO_PROPERTY) == NULL)
			return 0;
		for (p = icalcomponent_get_first_property(ob, ICAL_RRULE_PROPERTY); p != NULL;
		     p = icalcomponent_get_next_property(ob, ICAL_RRULE_PROPERTY))
			if (icalproperty_get_rrule(p).freq != ICAL_YEARLY_RECURRENCE)
				return 0;
		n++;
	}
	return n > 0;
}

static icaltimezone *zone_in_calendar(icalcomponent *cal, const char *tzid)
{
	icaltimezone *z;

	if (cal == NULL || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT)
		return NULL;
	z = icalcomponent_get_timezone(cal, tzid);
	if (z == NULL || !vtimezone_usable(icaltimezone_get_component(z)))
		return NULL;
	return z;
}

/* The VTIMEZONE of the event's own VCALENDAR, else of any other VCALENDAR
 * in the object (concatenated files sometimes carry it only once). */
static icaltimezone *zone_vtimezone(struct ics_ctx *c, icalcomponent *cal, const char *tzid)
{
	icalcomponent *k;
	icaltimezone *z;

	if ((z = zone_in_calendar(cal, tzid)) != NULL)
		return z;
	if (icalcomponent_isa(c->root) != ICAL_XROOT_COMPONENT)
		return NULL;
	for (k = icalcomponent_get_first_component(c->root, ICAL_VCALENDAR_COMPONENT); k != NULL;
	     k = icalcomponent_get_next_component(c->root, ICAL_VCALENDAR_COMPONENT))
		if (k != cal && (z = zone_in_calendar(k, tzid)) != NULL)
			return z;
	return NULL;
}

static icalcomponent *calendar_of(icalcomponent *ev)
{
	icalcomponent *p = icalcomponent_get_parent(ev);

	return p != NULL && icalcomponent_isa(p) == ICAL_VCALENDAR_COMPONENT ? p : NULL;
}

/* Resolves a TZID once per object and VCALENDAR; NULL when unknown (then
 * warned about once). */
static icaltimezone *zone_resolve(struct ics_ctx *c, icalcomponent *ev, const char *tzid,
				  const char *uid)
{
	icalcomponent *cal = calendar_of(ev);
	icaltimezone *z;
	const char *iana;

	for (size_t i = 0; i < c->nzones; i++)
		if (c->zones[i].cal == cal && strcmp(c->zones[i].tzid, tzid) == 0)
			return c->zones[i].zone;
	if (c->nzones >= ICS_MAX_ZONES) /* each lookup may open files */
		z = NULL;
	else if ((z = zone_vtimezone(c, cal, tzid)) == NULL && (z = zone_builtin(tzid)) == NULL &&
		 (iana = ics_windows_zone(tzid)) != NULL)
		z = builtin_get(iana);
	if (z == NULL) {
		char *q = quote(c, tzid, 64);

		warn(c, uid, "%s TZID '%s', read as %s",
		     c->nzones >= ICS_MAX_ZONES ? "one TZID too many:" : "unknown", q,
		     c->deftz_name);
		free(q);
	}
	if (c->nzones >= ICS_MAX_ZONES)
		return NULL;
	c->zones = xreallocarray(c->zones, c->nzones + 1, sizeof *c->zones);
	c->zones[c->nzones].cal = cal;
	c->zones[c->nzones].tzid = xstrdup(tzid);
	c->zones[c->nzones].zone = z;
	c->nzones++;
	return z;
}

/* --- Reading properties --- */

static int tt_fields_ok(const struct icaltimetype *t)
{
	if (t->year < 1 || t->year > 9999 || t->month < 1 || t->month > 12 || t->day < 1 ||
	    t->day > icaltime_days_in_month(t->month, t->year))
		return 0;
	if (t->is_date)
		return 1;
	return t->hour >= 0 && t->hour <= 23 && t->minute >= 0 && t->minute <= 59 &&
	       t->second >= 0 && t->second <= 60;
}

/* Fills w from the value t of property p (in event ev): the zone is the
 * property's TZID resolved by us, UTC for a trailing Z, the default zone
 * for a floating time or a DATE. Returns 0, or -1 for an invalid value. */
static int when_set(struct ics_ctx *c, icalcomponent *ev, icalproperty *p, struct icaltimetype t,
		    const char *uid, struct ics_when *w)
{
	icalparameter *tzp;
	const char *tzid;

	memset(w, 0, sizeof *w);
	if (icaltime_is_null_time(t) || !tt_fields_ok(&t))
		return -1;
	w->is_date = t.is_date;
	w->zone = c->deftz;
	if (t.is_date) {
		t.hour = t.minute = t.second = 0;
	} else if (icaltime_is_utc(t)) {
		w->zone = c->utc;
	} else if ((tzp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER)) != NULL &&
		   (tzid = icalparameter_get_tzid(tzp)) != NULL && *tzid != '\0') {
		w->zone = zone_resolve(c, ev, tzid, uid);
		if (w->zone == NULL) {
			w->zone = c->deftz;
			w->floating = 1;
		}
	} else {
		w->floating = 1;
	}
	if (t.second == 60)
		t.second = 59;
	t.zone = NULL;
	w->local = t;
	w->utc = local_utc(c, t, w->zone);
	return 0;
}

/* DTSTART, DTEND, RECURRENCE-ID, EXDATE, and RDATE without a PERIOD: the
 * value as written, its TZID parameter resolved by when_set. Neither
 * icalcomponent_get_recurrenceid (it drops the zone) nor
 * icalproperty_get_datetime_with_component is used: the latter hands an
 * unknown TZID to icaltzutil_fetch_timezone, which opens zoneinfo/TZID
 * unchecked, so TZID=../../../dev/stdin would block on a read; and it
 * knows no Windows names. */
static int when_read(struct ics_ctx *c, icalcomponent *ev, icalproperty *p, const char *uid,
		     struct ics_when *w)
{
	icalvalue *v = icalproperty_get_value(p);
	icalvalue_kind k = v != NULL ? icalvalue_isa(v) : ICAL_NO_VALUE;

	if (k != ICAL_DATETIME_VALUE && k != ICAL_DATE_VALUE) {
		memset(w, 0, sizeof *w);
		return -1;
	}
	return when_set(c, ev, p, icalvalue_get_datetime(v), uid, w);
}

static int64_t days_between(const struct icaltimetype *a, const struct icaltimetype *b)
{
	return tt_days(b) - tt_days(a);
}

static void dur_from_duration(struct ics_ctx *c, struct ics_ev *e, icalproperty *p)
{
	struct icaldurationtype d = icalproperty_get_duration(p);
	int64_t days, secs;

	if (icaldurationtype_is_bad_duration(d) || d.is_neg) {
		warn(c, e->uid, "invalid DURATION ignored");
		return;
	}
	days = (int64_t)d.weeks * 7 + d.days;
	secs = (int64_t)d.hours * 3600 + (int64_t)d.minutes * 60 + d.seconds;
	if (e->start.is_date) {
		days += (secs + 86399) / 86400;
		secs = 0;
		if (days < 1)
			days = 1;
	}
	e->dur.days = (int)(days > ICS_MAX_DAYS ? ICS_MAX_DAYS : days);
	e->dur.secs = secs > (int64_t)ICS_MAX_DAYS * 86400 ? (int64_t)ICS_MAX_DAYS * 86400 : secs;
	e->has_dur = 1;
}

/* RFC 5545 §3.6.1: DTEND, else DURATION, else one day for a DATE and
 * nothing for a DATE-TIME. An end before the start is read as the start. */
static void ev_read_duration(struct ics_ctx *c, struct ics_ev *e)
{
	icalproperty *p;
	struct ics_when end;
	int64_t d;

	e->dur.days = e->start.is_date ? 1 : 0;
	e->dur.secs = 0;
	if ((p = icalcomponent_get_first_property(e->comp, ICAL_DTEND_PROPERTY)) != NULL &&
	    when_read(c, e->comp, p, e->uid, &end) == 0) {
		e->has_dur = 1;
		if (e->start.is_date) {
			d = days_between(&e->start.local, &end.local);
			if (d < 0)
				warn(c, e->uid, "DTEND before DTSTART, read as one day");
			e->dur.days = (int)(d < 1 ? 1 : d > ICS_MAX_DAYS ? ICS_MAX_DAYS : d);
		} else {
			d = end.utc - e->start.utc;
			if (d < 0)
				warn(c, e->uid, "DTEND before DTSTART, read as DTSTART");
			e->dur.secs = d < 0 ? 0 : d > (int64_t)ICS_MAX_DAYS * 86400 ? 0 : d;
		}
	} else if ((p = icalcomponent_get_first_property(e->comp, ICAL_DURATION_PROPERTY)) !=
		   NULL) {
		dur_from_duration(c, e, p);
	}
}

/* Reads what grouping and expansion need. Returns NULL, or why the
 * VEVENT cannot be used. */
static const char *ev_read(struct ics_ctx *c, struct ics_ev *e)
{
	icalproperty *p;

	e->uid = icalcomponent_get_uid(e->comp);
	if (e->uid == NULL || *e->uid == '\0') {
		e->uid = NULL;
		return "VEVENT without UID";
	}
	p = icalcomponent_get_first_property(e->comp, ICAL_SEQUENCE_PROPERTY);
	e->seq = p != NULL ? icalproperty_get_sequence(p) : 0;
	if (e->seq < 0)
		e->seq = 0;
	p = icalcomponent_get_first_property(e->comp, ICAL_RECURRENCEID_PROPERTY);
	if (p != NULL) {
		if (when_read(c, e->comp, p, e->uid, &e->rid) == -1)
			return "invalid RECURRENCE-ID";
		e->is_override = 1;
	}
	p = icalcomponent_get_first_property(e->comp, ICAL_DTSTART_PROPERTY);
	if (p != NULL && when_read(c, e->comp, p, e->uid, &e->start) == 0) {
		e->has_start = 1;
		ev_read_duration(c, e);
	} else if (e->is_override) {
		e->start = e->rid; /* the instance keeps its time */
		e->dur.days = e->start.is_date ? 1 : 0;
	} else {
		return "VEVENT without a valid DTSTART";
	}
	return NULL;
}

/* --- Occurrences --- */

static void person_clear(struct ics_person *p)
{
	free(p->address);
	free(p->key);
	free(p->name);
	free(p->partstat);
	free(p->role);
	memset(p, 0, sizeof *p);
}

static void occ_clear(struct ics_occurrence *o)
{
	free(o->uid);
	free(o->recurrence_id);
	free(o->summary);
	free(o->location);
	free(o->description);
	free(o->status);
	person_clear(&o->organizer);
	for (size_t i = 0; i < o->nattendees; i++)
		person_clear(&o->attendees[i]);
	free(o->attendees);
	memset(o, 0, sizeof *o);
}

static char *param_dup(struct ics_ctx *c, icalproperty *p, const char *name, int upper)
{
	char *v = icalproperty_get_parameter_as_string_r(p, name), *r;

	if (v == NULL)
		return NULL;
	if (*v == '\0') {
		free(v);
		return NULL;
	}
	r = text_dup(c, v);
	free(v); /* libical's _r strings come from malloc */
	if (upper)
		for (char *s = r; *s != '\0'; s++)
			if (*s >= 'a' && *s <= 'z')
				*s = (char)(*s - 'a' + 'A');
	return r;
}

/* The address after the last "mailto:" in v, any case, or NULL. */
static const char *find_mailto(const char *v)
{
	const char *a = NULL;

	for (const char *s = v; (s = strchr(s, ':')) != NULL; s++)
		if (s - v >= 6 && strncasecmp(s - 6, "mailto", 6) == 0)
			a = s + 1;
	return a;
}

/* A cal-address: "mailto:" removed in any case; a bare address (some
 * producers forget the scheme) kept, and so is the mailto: address at the
 * end of a value that swallowed parameters (a ':' written for a ';');
 * another scheme ("urn:uuid:") gives the EMAIL parameter (RFC 7986) if
 * there is one. */
static void person_address(struct ics_ctx *c, icalproperty *p, const char *v,
			   struct ics_person *out)
{
	const char *a = NULL;
	size_t n;

	if (v != NULL) {
		while (*v == ' ' || *v == '\t')
			v++;
		if (strchr(v, ':') == NULL && strchr(v, '@') != NULL)
			a = v;
		else
			a = find_mailto(v);
	}
	if (a != NULL) {
		while (*a == ' ' || *a == '\t')
			a++;
		n = strlen(a);
		while (n > 0 && (a[n - 1] == ' ' || a[n - 1] == '\t'))
			n--;
		if (n > 0) {
			char *raw = xstrndup(a, n);

			out->address = text_dup(c, raw);
			free(raw);
		}
	}
	if (out->address == NULL)
		out->address = param_dup(c, p, "EMAIL", 0);
	if (out->address != NULL)
		out->key = addr_canonical(out->address, c->o->plus_addressing, NULL);
}

static void person_read(struct ics_ctx *c, icalproperty *p, const char *value,
			struct ics_person *out)
{
	memset(out, 0, sizeof *out);
	person_address(c, p, value, out);
	out->name = param_dup(c, p, "CN", 0);
	out->partstat = param_dup(c, p, "PARTSTAT", 1);
	out->role = param_dup(c, p, "ROLE", 1);
}

static char *status_dup(icalcomponent *ev)
{
	icalproperty *p = icalcomponent_get_first_property(ev, ICAL_STATUS_PROPERTY);

	if (p == NULL)
		return NULL;
	switch (icalproperty_get_status(p)) {
	case ICAL_STATUS_CONFIRMED:
		return xstrdup("CONFIRMED");
	case ICAL_STATUS_TENTATIVE:
		return xstrdup("TENTATIVE");
	case ICAL_STATUS_CANCELLED:
		return xstrdup("CANCELLED");
	default:
		return NULL;
	}
}

static int ev_cancelled(icalcomponent *ev)
{
	icalproperty *p = icalcomponent_get_first_property(ev, ICAL_STATUS_PROPERTY);
	icalcomponent *cal = calendar_of(ev);

	if (p != NULL && icalproperty_get_status(p) == ICAL_STATUS_CANCELLED)
		return 1;
	/* RFC 5546 §3.2.5: an iTIP CANCEL cancels what it carries. */
	p = cal != NULL ? icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY) : NULL;
	return p != NULL && icalproperty_get_method(p) == ICAL_METHOD_CANCEL;
}

static void tmpl_attendees(struct ics_ctx *c, const struct ics_ev *e, struct ics_occurrence *t)
{
	icalproperty *p;
	size_t n = 0, skipped = 0;

	for (p = icalcomponent_get_first_property(e->comp, ICAL_ATTENDEE_PROPERTY); p != NULL;
	     p = icalcomponent_get_next_property(e->comp, ICAL_ATTENDEE_PROPERTY))
		n++;
	if (n > ICS_MAX_ATTENDEES) {
		skipped = n - ICS_MAX_ATTENDEES;
		n = ICS_MAX_ATTENDEES;
	}
	if (n == 0)
		return;
	t->attendees = xcalloc(n, sizeof *t->attendees);
	for (p = icalcomponent_get_first_property(e->comp, ICAL_ATTENDEE_PROPERTY);
	     p != NULL && t->nattendees < n;
	     p = icalcomponent_get_next_property(e->comp, ICAL_ATTENDEE_PROPERTY)) {
		struct ics_person *a = &t->attendees[t->nattendees];

		person_read(c, p, icalproperty_get_attendee(p), a);
		if (a->address == NULL && a->name == NULL)
			person_clear(a); /* nothing to match on */
		else
			t->nattendees++;
	}
	if (skipped > 0)
		warn(c, e->uid, "%zu attendees over the limit of %d dropped", skipped,
		     ICS_MAX_ATTENDEES);
}

/* What every occurrence of VEVENT e shares. */
static void tmpl_read(struct ics_ctx *c, const struct ics_ev *e, int cancelled,
		      struct ics_occurrence *t)
{
	icalproperty *p;

	memset(t, 0, sizeof *t);
	t->uid = text_dup(c, e->uid);
	t->summary = text_dup(c, icalcomponent_get_summary(e->comp));
	t->location = text_dup(c, icalcomponent_get_location(e->comp));
	t->description = text_dup(c, icalcomponent_get_description(e->comp));
	t->status = cancelled ? xstrdup("CANCELLED") : status_dup(e->comp);
	t->sequence = e->seq;
	t->floating = e->start.floating;
	t->all_day = e->start.is_date;
	p = icalcomponent_get_first_property(e->comp, ICAL_ORGANIZER_PROPERTY);
	if (p != NULL)
		person_read(c, p, icalproperty_get_organizer(p), &t->organizer);
	tmpl_attendees(c, e, t);
}

static char *str_dup0(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void person_copy(struct ics_person *d, const struct ics_person *s)
{
	d->address = str_dup0(s->address);
	d->key = str_dup0(s->key);
	d->name = str_dup0(s->name);
	d->partstat = str_dup0(s->partstat);
	d->role = str_dup0(s->role);
}

static size_t str_cost(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

static size_t person_cost(const struct ics_person *p)
{
	return sizeof *p + str_cost(p->address) + str_cost(p->key) + str_cost(p->name) +
	       str_cost(p->partstat) + str_cost(p->role);
}

/* Heap bytes of an occurrence copied from template t (ICS_MAX_OCC_BYTES). */
static size_t occ_cost(const struct ics_occurrence *t)
{
	size_t n = sizeof *t + str_cost(t->uid) + str_cost(t->summary) + str_cost(t->location) +
		   str_cost(t->description) + str_cost(t->status) + person_cost(&t->organizer);

	for (size_t i = 0; i < t->nattendees; i++)
		n += person_cost(&t->attendees[i]);
	return n;
}

/* Adds an occurrence copied from template t, which costs `cost` bytes
 * (occ_cost of t, worked out once per template). */
static void occ_push(struct ics_ctx *c, const struct ics_occurrence *t, size_t cost,
		     const char *rid, int64_t start, int64_t end)
{
	struct ics_result *r = c->res;
	struct ics_occurrence *o;

	if (r->n >= ICS_MAX_OCCURRENCES) {
		if (!c->warned_occ)
			warn(c, NULL, "more than %d occurrences, the rest dropped",
			     ICS_MAX_OCCURRENCES);
		c->warned_occ = 1;
		return;
	}
	if (c->occ_bytes + cost > ICS_MAX_OCC_BYTES(c->cap)) {
		if (!c->warned_bytes)
			warn(c, NULL, "occurrences over %zu bytes in all, the rest dropped",
			     ICS_MAX_OCC_BYTES(c->cap));
		c->warned_bytes = 1;
		return;
	}
	c->occ_bytes += cost;
	if (r->n == c->alloc_occ) {
		c->alloc_occ = c->alloc_occ == 0 ? 16 : c->alloc_occ * 2;
		r->v = xreallocarray(r->v, c->alloc_occ, sizeof *r->v);
	}
	o = &r->v[r->n++];
	*o = *t;
	o->uid = xstrdup(t->uid);
	o->recurrence_id = str_dup0(rid);
	o->start = start;
	o->end = end < start ? start : end;
	o->summary = str_dup0(t->summary);
	o->location = str_dup0(t->location);
	o->description = str_dup0(t->description);
	o->status = str_dup0(t->status);
	person_copy(&o->organizer, &t->organizer);
	o->attendees = t->nattendees > 0 ? xcalloc(t->nattendees, sizeof *o->attendees) : NULL;
	for (size_t i = 0; i < t->nattendees; i++)
		person_copy(&o->attendees[i], &t->attendees[i]);
}

static int in_window(const struct ics_ctx *c, int64_t start, int64_t end)
{
	return start < c->wend && end >= c->wstart;
}

/* --- Recurrence --- */

/* End of an instance starting at wall clock `local` (UTC `start`). */
static int64_t inst_end(struct ics_ctx *c, const struct ics_ev *m, const struct ics_dur *d,
			const struct icaltimetype *local, int64_t start)
{
	if (d->days > 0)
		return local_utc(c, tt_add_days(*local, d->days), m->start.zone) + d->secs;
	return start + d->secs;
}

static void keys_add(struct ics_keys *k, int64_t x)
{
	if (k->n == k->alloc) {
		k->alloc = k->alloc == 0 ? 16 : k->alloc * 2;
		k->v = xreallocarray(k->v, k->alloc, sizeof *k->v);
	}
	k->v[k->n++] = x;
}

static int key_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int keys_has(const struct ics_keys *k, int64_t x)
{
	return k->n > 0 && bsearch(&x, k->v, k->n, sizeof *k->v, key_cmp) != NULL;
}

/* Call once every exclusion is added, before the first excluded(). */
static void excl_sort(struct ics_series *s)
{
	if (s->ex_days.n > 1)
		qsort(s->ex_days.v, s->ex_days.n, sizeof *s->ex_days.v, key_cmp);
	if (s->ex_utc.n > 1)
		qsort(s->ex_utc.v, s->ex_utc.n, sizeof *s->ex_utc.v, key_cmp);
}

static int excluded(const struct ics_series *s, const struct icaltimetype *local, int64_t start)
{
	return keys_has(&s->ex_days, tt_days(local)) || keys_has(&s->ex_utc, start);
}

static void excl_add(struct ics_series *s, const struct icaltimetype *local, int is_date,
		     int64_t utc)
{
	if (s->m->start.is_date || is_date)
		keys_add(&s->ex_days, tt_days(local));
	else
		keys_add(&s->ex_utc, utc);
}

/* Adds the instance at wall clock `local` unless excluded or outside the
 * window; `end` < 0 means the series' duration. Returns 1 once instances
 * start at or after the window's end, else 0. */
static int inst_add(struct ics_ctx *c, struct ics_series *s, struct icaltimetype local,
		    const struct ics_dur *dur)
{
	const struct ics_ev *m = s->m;
	int64_t start, end;

	local.zone = NULL;
	local.is_date = m->start.is_date;
	if (!tt_fields_ok(&local))
		return 0;
	start = local_utc(c, local, m->start.zone);
	if (start >= c->wend)
		return 1;
	end = inst_end(c, m, dur, &local, start);
	if (!in_window(c, start, end) || excluded(s, &local, start))
		return 0;
	if (s->n == s->alloc_v) {
		s->alloc_v = s->alloc_v == 0 ? 16 : s->alloc_v * 2;
		s->v = xreallocarray(s->v, s->alloc_v, sizeof *s->v);
	}
	s->v[s->n].local = local;
	s->v[s->n].start = start;
	s->v[s->n].end = end;
	s->n++;
	return 0;
}

/* UNTIL in the series' wall-clock frame: a UTC UNTIL converted to the
 * series' zone, a DATE UNTIL of a DATE-TIME series taken as the end of
 * that day (what Google and Outlook mean by it). */
static struct icaltimetype until_local(struct ics_ctx *c, const struct ics_ev *m,
				       struct icaltimetype u)
{
	if (icaltime_is_utc(u) && !u.is_date)
		u = utc_local(c, tt_secs(&u), m->start.zone, 0);
	if (m->start.is_date) {
		u.is_date = 1;
		u.hour = u.minute = u.second = 0;
	} else if (u.is_date) {
		u.is_date = 0;
		u.hour = 23;
		u.minute = u.second = 59;
	}
	u.zone = NULL;
	return u;
}

/* Gives the rule a finite end: the window's end (plus two days for zone
 * offsets) in the series' frame, or the rule's own UNTIL if earlier. */
static void rule_bound(struct ics_ctx *c, const struct ics_ev *m, struct icalrecurrencetype *r)
{
	struct icaltimetype bound = utc_local(c, c->wend + 2 * 86400, m->start.zone, 0);

	if (m->start.is_date) {
		bound.is_date = 1;
		bound.hour = bound.minute = bound.second = 0;
	}
	if (!icaltime_is_null_time(r->until)) {
		r->until = until_local(c, m, r->until);
		if (icaltime_compare(r->until, bound) <= 0)
			return;
	}
	r->until = bound;
}

/* Without COUNT, instances before the window need not be walked through
 * (a daily series from 1990, or an unsatisfiable rule from year 1): the
 * iterator starts again shortly before the window, early enough for an
 * instance that began before the window and still runs into it. */
static void rule_skip(struct ics_ctx *c, const struct ics_ev *m, const struct icalrecurrencetype *r,
		      icalrecur_iterator *it)
{
	int64_t len = (int64_t)m->dur.days * 86400 + m->dur.secs + 2 * 86400;
	struct icaltimetype t;

	if (r->count > 0 || m->start.utc >= c->wstart - len)
		return;
	t = utc_local(c, c->wstart - len, m->start.zone, m->start.is_date);
	icalrecur_iterator_set_start(it, t);
}

static void rrule_expand(struct ics_ctx *c, struct ics_series *s, icalproperty *p)
{
	const struct ics_ev *m = s->m;
	struct icalrecurrencetype r = icalproperty_get_rrule(p);
	struct icaltimetype dt = m->start.local, t;
	icalrecur_iterator *it;
	size_t steps = 0, first = s->n;

	if (r.freq == ICAL_SECONDLY_RECURRENCE || r.freq == ICAL_MINUTELY_RECURRENCE ||
	    r.freq == ICAL_HOURLY_RECURRENCE) {
		warn(c, m->uid, "RRULE more frequent than daily ignored");
		return;
	}
	if (r.count > 0 && m->start.local.year < ICS_YEAR_MIN) {
		warn(c, m->uid, "RRULE with COUNT starting before %d ignored", ICS_YEAR_MIN);
		return;
	}
	if (c->steps >= ICS_MAX_OBJECT_STEPS) {
		if (!c->warned_steps)
			warn(c, m->uid,
			     "RRULE not expanded: more than %d RRULE steps in the object",
			     ICS_MAX_OBJECT_STEPS);
		c->warned_steps = 1;
		return;
	}
	rule_bound(c, m, &r);
	dt.zone = NULL;
	if ((it = icalrecur_iterator_new(r, dt)) == NULL) {
		warn(c, m->uid, "RRULE ignored: libical cannot expand it");
		return;
	}
	rule_skip(c, m, &r, it);
	while (!icaltime_is_null_time(t = icalrecur_iterator_next(it))) {
		if (++steps > ICS_MAX_STEPS) {
			warn(c, m->uid, "RRULE expansion stopped after %d steps", ICS_MAX_STEPS);
			break;
		}
		if (++c->steps > ICS_MAX_OBJECT_STEPS) {
			warn(c, m->uid,
			     "RRULE expansion stopped: more than %d RRULE steps in the object",
			     ICS_MAX_OBJECT_STEPS);
			c->warned_steps = 1;
			break;
		}
		if (inst_add(c, s, t, &m->dur) == 1 || s->n - first > c->cap)
			break;
	}
	icalrecur_iterator_free(it);
}

static void rdate_add(struct ics_ctx *c, struct ics_series *s, icalproperty *p)
{
	const struct ics_ev *m = s->m;
	struct icaldatetimeperiodtype r = icalproperty_get_rdate(p);
	struct ics_when w, e;
	struct ics_dur d = m->dur;

	if (icaltime_is_null_time(r.time)) { /* a PERIOD: its own length */
		if (when_set(c, m->comp, p, r.period.start, m->uid, &w) == -1)
			return;
		d.days = 0;
		d.secs = 0;
		if (!icaltime_is_null_time(r.period.end) &&
		    when_set(c, m->comp, p, r.period.end, m->uid, &e) == 0 && e.utc > w.utc)
			d.secs = e.utc - w.utc;
		else if (!icaldurationtype_is_null_duration(r.period.duration))
			d.secs = icaldurationtype_as_int(r.period.duration);
		if (d.secs < 0)
			d.secs = 0;
	} else if (when_set(c, m->comp, p, r.time, m->uid, &w) == -1) {
		return;
	}
	if (w.is_date && !m->start.is_date) /* a DATE in a timed series: DTSTART's time */
		w.local = tt_add_days(m->start.local, days_between(&m->start.local, &w.local));
	else if (w.is_date != m->start.is_date || w.zone != m->start.zone)
		w.local = utc_local(c, w.utc, m->start.zone, m->start.is_date);
	inst_add(c, s, w.local, &d);
}

static int inst_cmp(const void *a, const void *b)
{
	const struct ics_inst *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The recurrence set in the window, sorted, without duplicates, capped. */
static void series_collect(struct ics_ctx *c, struct ics_series *s)
{
	const struct ics_ev *m = s->m;
	icalproperty *p;
	size_t j = 0, nrdates = 0;

	for (p = icalcomponent_get_first_property(m->comp, ICAL_RRULE_PROPERTY); p != NULL;
	     p = icalcomponent_get_next_property(m->comp, ICAL_RRULE_PROPERTY))
		rrule_expand(c, s, p);
	inst_add(c, s, m->start.local, &m->dur); /* DTSTART always counts */
	for (p = icalcomponent_get_first_property(m->comp, ICAL_RDATE_PROPERTY); p != NULL;
	     p = icalcomponent_get_next_property(m->comp, ICAL_RDATE_PROPERTY)) {
		if (++nrdates > ICS_MAX_RDATES) {
			warn(c, m->uid, "more than %d RDATEs, the rest ignored", ICS_MAX_RDATES);
			break;
		}
		rdate_add(c, s, p);
	}
	if (s->n > 1)
		qsort(s->v, s->n, sizeof *s->v, inst_cmp);
	for (size_t i = 0; i < s->n; i++)
		if (j == 0 || s->v[i].start != s->v[j - 1].start)
			s->v[j++] = s->v[i];
	s->n = j;
	if (s->n > c->cap) {
		warn(c, m->uid, "more than %zu instances in the window, the rest dropped", c->cap);
		s->n = c->cap;
	}
}

static void excl_read(struct ics_ctx *c, struct ics_series *s)
{
	const struct ics_ev *m = s->m;
	icalproperty *p;
	struct ics_when w;

	for (p = icalcomponent_get_first_property(m->comp, ICAL_EXDATE_PROPERTY); p != NULL;
	     p = icalcomponent_get_next_property(m->comp, ICAL_EXDATE_PROPERTY)) {
		if (when_read(c, m->comp, p, m->uid, &w) == -1)
			continue;
		if (!w.is_date && w.zone != m->start.zone)
			w.local = utc_local(c, w.utc, m->start.zone, 0);
		excl_add(s, &w.local, w.is_date, w.utc);
	}
}

/* --- Grouping by UID --- */

/* Where an override's RECURRENCE-ID falls in its master's frame: a
 * floating RECURRENCE-ID is read in the master's zone, a DATE one of a
 * timed master at the master's time of day. */
static void rid_in_master(struct ics_ctx *c, const struct ics_ev *m, struct ics_ev *o)
{
	struct ics_when *r = &o->rid;

	if (m->start.is_date) {
		if (!r->is_date && r->zone == c->utc) /* Z: the date in the default zone */
			r->local = utc_local(c, r->utc, c->deftz, 0);
		r->is_date = 1;
		r->zone = c->deftz;
		r->local.is_date = 1;
		r->local.hour = r->local.minute = r->local.second = 0;
		r->utc = local_utc(c, r->local, c->deftz);
		return;
	}
	if (r->is_date) {
		r->local = tt_add_days(m->start.local, days_between(&m->start.local, &r->local));
		r->is_date = 0;
		r->utc = local_utc(c, r->local, m->start.zone);
	} else if (r->floating) {
		r->utc = local_utc(c, r->local, m->start.zone);
	}
	r->local = utc_local(c, r->utc, m->start.zone, 0);
}

static void master_emit(struct ics_ctx *c, struct ics_ev *m, struct ics_ev **ov, size_t nov)
{
	struct ics_series s;
	struct ics_occurrence t;
	size_t cost;
	char rid[32];
	int recurring = icalcomponent_get_first_property(m->comp, ICAL_RRULE_PROPERTY) != NULL ||
			icalcomponent_get_first_property(m->comp, ICAL_RDATE_PROPERTY) != NULL;

	memset(&s, 0, sizeof s);
	s.m = m;
	excl_read(c, &s);
	for (size_t i = 0; i < nov; i++)
		excl_add(&s, &ov[i]->rid.local, m->start.is_date, ov[i]->rid.utc);
	excl_sort(&s);
	series_collect(c, &s);
	if (s.n > 0) {
		tmpl_read(c, m, ev_cancelled(m->comp), &t);
		cost = occ_cost(&t);
		for (size_t i = 0; i < s.n; i++) {
			fmt_rid(rid, sizeof rid, &s.v[i].local, s.v[i].start, m->start.is_date);
			occ_push(c, &t, cost, recurring ? rid : NULL, s.v[i].start, s.v[i].end);
		}
		occ_clear(&t);
	}
	free(s.ex_days.v);
	free(s.ex_utc.v);
	free(s.v);
}

static void override_emit(struct ics_ctx *c, struct ics_ev *m, struct ics_ev *o)
{
	struct ics_occurrence t;
	const struct ics_dur *d = o->has_dur || m == NULL ? &o->dur : &m->dur;
	int64_t start, end;
	char rid[32];

	if (!o->has_start && m != NULL) {
		o->start = o->rid;
		o->start.zone = m->start.zone;
		o->start.floating = m->start.floating;
	}
	start = o->start.utc;
	end = inst_end(c, o, d, &o->start.local, start);
	if (!in_window(c, start, end))
		return;
	fmt_rid(rid, sizeof rid, &o->rid.local, o->rid.utc,
		m != NULL ? m->start.is_date : o->rid.is_date);
	tmpl_read(c, o, ev_cancelled(o->comp) || (m != NULL && ev_cancelled(m->comp)), &t);
	occ_push(c, &t, occ_cost(&t), rid, start, end);
	occ_clear(&t);
}

/* Of several VEVENTs for one instance, the highest SEQUENCE wins, then the
 * last one written. */
static int ev_better(const struct ics_ev *a, const struct ics_ev *b)
{
	return a->seq != b->seq ? a->seq > b->seq : a->order > b->order;
}

/* One UID: v[0..n) sorted masters first, overrides by RECURRENCE-ID. */
static void group_emit(struct ics_ctx *c, struct ics_ev *v, size_t n)
{
	struct ics_ev *m = NULL, **ov = xcalloc(n, sizeof *ov);
	size_t nov = 0, nm = 0;

	for (size_t i = 0; i < n && !v[i].is_override; i++, nm++)
		if (m == NULL || ev_better(&v[i], m))
			m = &v[i];
	if (nm > 1)
		warn(c, v[0].uid, "%zu VEVENTs without RECURRENCE-ID, kept SEQUENCE %d", nm,
		     m->seq);
	for (size_t i = nm; i < n; i++) {
		if (m != NULL)
			rid_in_master(c, m, &v[i]);
		if (nov > 0 && ov[nov - 1]->rid.utc == v[i].rid.utc) {
			if (ev_better(&v[i], ov[nov - 1]))
				ov[nov - 1] = &v[i];
			continue;
		}
		ov[nov++] = &v[i];
	}
	if (m != NULL)
		master_emit(c, m, ov, nov);
	for (size_t i = 0; i < nov; i++)
		override_emit(c, m, ov[i]);
	free(ov);
}

static int ev_cmp(const void *a, const void *b)
{
	const struct ics_ev *x = a, *y = b;
	int r = strcmp(x->uid, y->uid);

	if (r != 0)
		return r;
	if (x->is_override != y->is_override)
		return x->is_override - y->is_override;
	if (x->is_override && x->rid.utc != y->rid.utc)
		return x->rid.utc < y->rid.utc ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* --- The object --- */

static void ev_collect(icalcomponent *comp, struct ics_ev **v, size_t *n, size_t *alloc)
{
	icalcomponent *k;
	icalcomponent_kind kind = icalcomponent_isa(comp);

	if (*n > ICS_MAX_EVENTS)
		return; /* parse_tree refuses the object */
	if (kind == ICAL_VEVENT_COMPONENT) {
		if (*n == *alloc) {
			*alloc = *alloc == 0 ? 16 : *alloc * 2;
			*v = xreallocarray(*v, *alloc, sizeof **v);
		}
		memset(&(*v)[*n], 0, sizeof **v);
		(*v)[*n].comp = comp;
		(*v)[*n].order = *n;
		(*n)++;
		return;
	}
	if (kind != ICAL_XROOT_COMPONENT && kind != ICAL_VCALENDAR_COMPONENT)
		return;
	for (k = icalcomponent_get_first_component(comp, ICAL_ANY_COMPONENT); k != NULL;
	     k = icalcomponent_get_next_component(comp, ICAL_ANY_COMPONENT))
		ev_collect(k, v, n, alloc);
}

/* The first X-LIC-ERROR text, depth first. */
static const char *first_error(icalcomponent *comp)
{
	icalproperty *p = icalcomponent_get_first_property(comp, ICAL_XLICERROR_PROPERTY);
	icalcomponent *k;
	const char *s;

	if (p != NULL)
		return icalproperty_get_xlicerror(p);
	for (k = icalcomponent_get_first_component(comp, ICAL_ANY_COMPONENT); k != NULL;
	     k = icalcomponent_get_next_component(comp, ICAL_ANY_COMPONENT))
		if ((s = first_error(k)) != NULL)
			return s;
	return NULL;
}

/* libical reports malformed lines as X-LIC-ERROR properties, not through
 * icalerrno. */
static void count_errors(struct ics_ctx *c)
{
	int n = icalcomponent_count_errors(c->root);
	const char *s;
	char *t;

	if (n <= 0)
		return;
	s = first_error(c->root);
	t = text_dup(c, s != NULL ? s : "");
	for (char *q = t; *q != '\0'; q++)
		if (*q == '\r' || *q == '\n')
			*q = ' ';
	warn(c, NULL, "%d malformed line%s ignored (first: %.200s)", n, n == 1 ? "" : "s", t);
	free(t);
}

/* The input as a C string for libical: NUL bytes would end it early, so
 * they become spaces; a UTF-8 byte order mark is dropped. */
static char *input_copy(const char *text, size_t len, int *nul_out)
{
	char *s;

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	s = xstrndup(text, len);
	*nul_out = 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\0') {
			s[i] = ' ';
			*nul_out = 1;
		}
	return s;
}

/* libical builds, counts and frees components recursively: refuse deep
 * nesting before it does. Lines starting BEGIN:/END: are the components. */
static int nesting_ok(const char *s)
{
	int depth = 0;

	for (const char *line = s; line != NULL && *line != '\0';) {
		if (strncasecmp(line, "BEGIN:", 6) == 0 && ++depth > ICS_MAX_NESTING)
			return 0;
		if (strncasecmp(line, "END:", 4) == 0 && depth > 0)
			depth--;
		line = strpbrk(line, "\r\n");
		while (line != NULL && (*line == '\r' || *line == '\n'))
			line++;
	}
	return 1;
}

static int ctx_init(struct ics_ctx *c, const struct ics_options *o, struct ics_result *out)
{
	memset(c, 0, sizeof *c);
	c->o = o;
	c->res = out;
	c->utc = icaltimezone_get_utc_timezone();
	c->deftz = c->utc;
	c->deftz_name = "UTC";
	c->cap = o->max_instances != 0 ? o->max_instances : ICS_DEFAULT_INSTANCES;
	c->wstart = o->window_start < ICS_SECS_MIN ? ICS_SECS_MIN : o->window_start;
	c->wend =
		o->window_end > ICS_SECS_MAX - 4 * 86400 ? ICS_SECS_MAX - 4 * 86400 : o->window_end;
	if (o->default_tz != NULL && *o->default_tz != '\0') {
		icaltimezone *z = zone_builtin(o->default_tz);

		if (z == NULL)
			return -1;
		c->deftz = z;
		c->deftz_name = o->default_tz;
	}
	return 0;
}

static void ctx_release(struct ics_ctx *c)
{
	for (size_t i = 0; i < c->nzones; i++)
		free(c->zones[i].tzid);
	free(c->zones);
	c->zones = NULL;
	free(c->skip_reason);
	c->skip_reason = NULL;
	c->nzones = 0;
}

static int occ_cmp(const void *a, const void *b)
{
	const struct ics_occurrence *x = a, *y = b;
	int r = strcmp(x->uid, y->uid);

	if (r != 0)
		return r;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if ((x->recurrence_id == NULL) != (y->recurrence_id == NULL))
		return x->recurrence_id == NULL ? -1 : 1;
	if (x->recurrence_id != NULL && (r = strcmp(x->recurrence_id, y->recurrence_id)) != 0)
		return r;
	return x->end < y->end ? -1 : x->end > y->end;
}

/* Reads every VEVENT, groups them by UID and emits the occurrences.
 * Returns the number of usable VEVENTs. */
static size_t events_emit(struct ics_ctx *c, struct ics_ev *v, size_t n)
{
	size_t ok = 0, i, j;

	for (i = 0; i < n; i++) {
		const char *why = ev_read(c, &v[i]);

		if (why == NULL) {
			v[ok++] = v[i];
			continue;
		}
		warn(c, v[i].uid, "%s skipped", why);
		if (c->skip_reason == NULL && v[i].uid != NULL) {
			char *q = quote(c, v[i].uid, ICS_WARN_UID);

			c->skip_reason = xasprintf("VEVENT '%s': %s", q, why);
			free(q);
		} else if (c->skip_reason == NULL) {
			c->skip_reason = xstrdup(why);
		}
	}
	if (ok > 1)
		qsort(v, ok, sizeof *v, ev_cmp);
	for (i = 0; i < ok; i = j) {
		for (j = i + 1; j < ok && strcmp(v[i].uid, v[j].uid) == 0; j++)
			;
		group_emit(c, &v[i], j - i);
	}
	return ok;
}

static int root_ok(icalcomponent *root)
{
	switch (icalcomponent_isa(root)) {
	case ICAL_XROOT_COMPONENT:
	case ICAL_VCALENDAR_COMPONENT:
	case ICAL_VEVENT_COMPONENT:
	case ICAL_VTODO_COMPONENT:
	case ICAL_VJOURNAL_COMPONENT:
	case ICAL_VFREEBUSY_COMPONENT:
	case ICAL_VTIMEZONE_COMPONENT:
		return 1;
	default:
		return 0;
	}
}

static int parse_tree(struct ics_ctx *c, struct err *err)
{
	struct ics_ev *v = NULL;
	size_t n = 0, alloc = 0;
	int rc = -1;

	count_errors(c);
	ev_collect(c->root, &v, &n, &alloc);
	if (n > ICS_MAX_EVENTS) {
		err_set(err, ERR_DATA, "more than %d VEVENTs in one object", ICS_MAX_EVENTS);
		goto out;
	}
	if (n == 0) {
		warn(c, NULL, "no VEVENT");
	} else if (events_emit(c, v, n) == 0) {
		err_set(err, ERR_DATA, "no usable VEVENT: %s", c->skip_reason);
		goto out;
	}
	if (c->res->n > 1)
		qsort(c->res->v, c->res->n, sizeof *c->res->v, occ_cmp);
	if (c->nwarn_dropped > 0) {
		c->res->nwarnings--; /* make room for the summary */
		free(c->res->warnings[c->res->nwarnings]);
		warn(c, NULL, "%zu more warnings dropped", c->nwarn_dropped + 1);
	}
	rc = 0;
out:
	free(v);
	return rc;
}

int ics_parse(const char *text, size_t len, const struct ics_options *o, struct ics_result *out,
	      struct err *err)
{
	struct ics_ctx c;
	icalcomponent *root = NULL;
	char *s = NULL;
	int rc = -1, nul;

	memset(out, 0, sizeof *out);
	memset(&c, 0, sizeof c);
	if (len > ICS_MAX_BYTES) {
		err_set(err, ERR_DATA, "calendar object too large (%zu bytes, at most %d)", len,
			ICS_MAX_BYTES);
		goto out;
	}
	if (ctx_init(&c, o, out) == -1) {
		err_set(err, ERR_DATA, "unknown default time zone '%s'", o->default_tz);
		goto out;
	}
	s = input_copy(text, len, &nul);
	if (!nesting_ok(s)) {
		err_set(err, ERR_DATA, "components nested deeper than %d", ICS_MAX_NESTING);
		goto out;
	}
	root = icalparser_parse_string(s);
	if (root == NULL || !root_ok(root)) {
		err_set(err, ERR_DATA, "not iCalendar data, or truncated");
		goto out;
	}
	c.root = root;
	if (nul)
		warn(&c, NULL, "NUL bytes read as spaces");
	rc = parse_tree(&c, err);
out:
	if (rc == -1)
		ics_result_release(out);
	ctx_release(&c);
	if (root != NULL)
		icalcomponent_free(root);
	free(s);
	return rc;
}

void ics_result_release(struct ics_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		occ_clear(&r->v[i]);
	free(r->v);
	for (size_t i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	memset(r, 0, sizeof *r);
}

/* tests/unit/test_ics.c - parsers/ics.h: time zones, recurrence, overrides,
 * attendees and the limits, on small hand-written calendar objects. Real
 * files are in test_ics_golden.c.
 */
#include "core/buf.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "parsers/ics.h"
#include "parsers/ics_internal.h"
#include "t.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define L(s)	  s "\r\n"
#define CAL_BEGIN L("BEGIN:VCALENDAR") L("VERSION:2.0") L("PRODID:-//test//EN")
#define CAL_END	  L("END:VCALENDAR")

static struct ics_options opts(void)
{
	struct ics_options o;

	memset(&o, 0, sizeof o);
	o.default_tz = "Europe/Berlin";
	o.window_start = 1577836800; /* 2020-01-01 */
	o.window_end = 1893456000;   /* 2030-01-01 */
	o.plus_addressing = 1;
	return o;
}

static int64_t T(const char *s)
{
	int64_t t = 0;

	if (tu_parse_date(s, &t) == -1) {
		fprintf(stderr, "bad test time '%s'\n", s);
		abort();
	}
	return t;
}

static int parse_with(const char *ics, const struct ics_options *o, struct ics_result *r,
		      struct err *err)
{
	err_init(err);
	return ics_parse(ics, strlen(ics), o, r, err);
}

static int parse(const char *ics, struct ics_result *r)
{
	struct ics_options o = opts();
	struct err err;
	int rc = parse_with(ics, &o, r, &err);

	if (rc == -1)
		fprintf(stderr, "ics_parse: %s\n", err.msg);
	return rc;
}

static int has_warning(const struct ics_result *r, const char *needle)
{
	for (size_t i = 0; i < r->nwarnings; i++)
		if (strstr(r->warnings[i], needle) != NULL)
			return 1;
	return 0;
}

/* One VEVENT with the given lines (each ending in CRLF) inside a VCALENDAR. */
static char *one_event(const char *lines)
{
	return xasprintf(CAL_BEGIN L("BEGIN:VEVENT") L("UID:ev1")
				 L("DTSTAMP:20250101T000000Z") "%s" L("END:VEVENT") CAL_END,
			 lines);
}

/* Parses one VEVENT and checks it gives one occurrence from start to end. */
static void check_one(const char *lines, const char *start, const char *end, int floating)
{
	char *ics = one_event(lines);
	struct ics_result r;

	T_OK(parse(ics, &r) == 0);
	T_INTEQ(r.n, 1);
	if (r.n == 1) {
		T_INTEQ(r.v[0].start, T(start));
		T_INTEQ(r.v[0].end, T(end));
		T_INTEQ(r.v[0].floating, floating);
		T_OK(r.v[0].recurrence_id == NULL);
	}
	ics_result_release(&r);
	free(ics);
}

static void test_times(void)
{
	static const struct {
		const char *lines, *start, *end;
		int floating;
	} cases[] = {
		/* UTC */
		{L("DTSTART:20260301T090000Z") L("DTEND:20260301T100000Z"), "2026-03-01T09:00:00Z",
		 "2026-03-01T10:00:00Z", 0},
		/* IANA name without VTIMEZONE, summer and winter */
		{L("DTSTART;TZID=America/New_York:20260701T090000")
			 L("DTEND;TZID=America/New_York:20260701T093000"),
		 "2026-07-01T13:00:00Z", "2026-07-01T13:30:00Z", 0},
		{L("DTSTART;TZID=Europe/Berlin:20260115T090000"), "2026-01-15T08:00:00Z",
		 "2026-01-15T08:00:00Z", 0},
		/* Windows names (Outlook), no VTIMEZONE */
		{L("DTSTART;TZID=W. Europe Standard Time:20260115T090000")
			 L("DTEND;TZID=W. Europe Standard Time:20260115T100000"),
		 "2026-01-15T08:00:00Z", "2026-01-15T09:00:00Z", 0},
		{L("DTSTART;TZID=\"W. Europe Standard Time\":20260715T090000"),
		 "2026-07-15T07:00:00Z", "2026-07-15T07:00:00Z", 0},
		{L("DTSTART;TZID=GMT Standard Time:20260715T090000"), "2026-07-15T08:00:00Z",
		 "2026-07-15T08:00:00Z", 0},
		{L("DTSTART;TZID=Tokyo Standard Time:20260715T090000"), "2026-07-15T00:00:00Z",
		 "2026-07-15T00:00:00Z", 0},
		{L("DTSTART;TZID=India Standard Time:20260715T090000"), "2026-07-15T03:30:00Z",
		 "2026-07-15T03:30:00Z", 0},
		{L("DTSTART;TZID=AUS Eastern Standard Time:20260115T090000"),
		 "2026-01-14T22:00:00Z", "2026-01-14T22:00:00Z", 0},
		/* prefixed IANA names (Mozilla, libical, Evolution) */
		{L("DTSTART;TZID=/mozilla.org/20050126_1/Europe/Berlin:20260715T090000"),
		 "2026-07-15T07:00:00Z", "2026-07-15T07:00:00Z", 0},
		{L("DTSTART;TZID=/softwarestudio.org/Tzfile/America/Chicago:20260115T090000"),
		 "2026-01-15T15:00:00Z", "2026-01-15T15:00:00Z", 0},
		/* floating: the default zone */
		{L("DTSTART:20260115T090000") L("DTEND:20260115T100000"), "2026-01-15T08:00:00Z",
		 "2026-01-15T09:00:00Z", 1},
		{L("DTSTART:20260715T090000"), "2026-07-15T07:00:00Z", "2026-07-15T07:00:00Z", 1},
		/* DURATION; a nominal day across the DST change is 23 hours */
		{L("DTSTART:20260301T090000Z") L("DURATION:PT1H30M"), "2026-03-01T09:00:00Z",
		 "2026-03-01T10:30:00Z", 0},
		{L("DTSTART;TZID=Europe/Berlin:20260328T120000") L("DURATION:P1D"),
		 "2026-03-28T11:00:00Z", "2026-03-29T10:00:00Z", 0},
		/* DTEND before DTSTART: an instant */
		{L("DTSTART:20260301T090000Z") L("DTEND:20260301T080000Z"), "2026-03-01T09:00:00Z",
		 "2026-03-01T09:00:00Z", 0},
		/* DATE-TIME start, DATE end */
		{L("DTSTART:20260301T120000Z") L("DTEND;VALUE=DATE:20260302"),
		 "2026-03-01T12:00:00Z", "2026-03-01T23:00:00Z", 0},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_one(cases[i].lines, cases[i].start, cases[i].end, cases[i].floating);
}

static void test_vtimezone(void)
{
	/* A zone libical cannot know, fixed at +03:00, defined by the object. */
	const char *ics = CAL_BEGIN L("BEGIN:VTIMEZONE") L("TZID:My Office Zone")
		L("BEGIN:STANDARD") L("DTSTART:19700101T000000") L("TZOFFSETFROM:+0300")
			L("TZOFFSETTO:+0300") L("END:STANDARD") L("END:VTIMEZONE") L("BEGIN:VEVENT")
				L("UID:vtz") L("DTSTART;TZID=My Office Zone:20260115T090000")
					L("DTEND;TZID=My Office Zone:20260115T100000")
						L("END:VEVENT") CAL_END;
	/* A VTIMEZONE beats the IANA database: here "Europe/Berlin" is +05:00. */
	const char *ics2 = CAL_BEGIN L("BEGIN:VTIMEZONE") L("TZID:Europe/Berlin")
		L("BEGIN:STANDARD") L("DTSTART:19700101T000000") L("TZOFFSETFROM:+0500")
			L("TZOFFSETTO:+0500") L("END:STANDARD") L("END:VTIMEZONE") L("BEGIN:VEVENT")
				L("UID:vtz2") L("DTSTART;TZID=Europe/Berlin:20260115T090000")
					L("END:VEVENT") CAL_END;
	/* An empty VTIMEZONE is ignored: the name is looked up instead. */
	const char *ics3 = CAL_BEGIN L("BEGIN:VTIMEZONE") L("TZID:Europe/Berlin") L("END:VTIMEZONE")
		L("BEGIN:VEVENT") L("UID:vtz3") L("DTSTART;TZID=Europe/Berlin:20260115T090000")
			L("END:VEVENT") CAL_END;
	struct ics_result r;

	T_OK(parse(ics, &r) == 0);
	T_INTEQ(r.n, 1);
	if (r.n == 1) {
		T_INTEQ(r.v[0].start, T("2026-01-15T06:00:00Z"));
		T_INTEQ(r.v[0].end, T("2026-01-15T07:00:00Z"));
		T_INTEQ(r.v[0].floating, 0);
	}
	T_INTEQ(r.nwarnings, 0);
	ics_result_release(&r);

	T_OK(parse(ics2, &r) == 0);
	T_OK(r.n == 1 && r.v[0].start == T("2026-01-15T04:00:00Z"));
	ics_result_release(&r);

	T_OK(parse(ics3, &r) == 0);
	T_OK(r.n == 1 && r.v[0].start == T("2026-01-15T08:00:00Z"));
	ics_result_release(&r);
}

static void test_unknown_tzid(void)
{
	char *ics = one_event(L("DTSTART;TZID=Mars/Olympus_Mons:20260115T090000"));
	struct ics_options o = opts();
	struct ics_result r;
	struct err err;

	T_OK(parse(ics, &r) == 0);
	T_INTEQ(r.n, 1);
	if (r.n == 1) {
		T_INTEQ(r.v[0].start, T("2026-01-15T08:00:00Z")); /* Europe/Berlin, not UTC */
		T_INTEQ(r.v[0].floating, 1);
	}
	T_OK(has_warning(&r, "unknown TZID 'Mars/Olympus_Mons', read as Europe/Berlin"));
	T_OK(has_warning(&r, "VEVENT 'ev1'"));
	ics_result_release(&r);

	/* No default zone: UTC, and the warning says so. */
	o.default_tz = NULL;
	T_OK(parse_with(ics, &o, &r, &err) == 0);
	T_OK(r.n == 1 && r.v[0].start == T("2026-01-15T09:00:00Z"));
	T_OK(has_warning(&r, "read as UTC"));
	ics_result_release(&r);

	/* A path is not looked up in the zoneinfo directory. */
	free(ics);
	ics = one_event(L("DTSTART;TZID=../../../etc/passwd:20260115T090000"));
	T_OK(parse(ics, &r) == 0);
	T_OK(has_warning(&r, "unknown TZID"));
	ics_result_release(&r);

	/* Each new TZID may cost file lookups: 64 per object, the rest unknown. */
	free(ics);
	{
		char *lines = xstrdup(L("DTSTART:20260115T090000Z")), *t;

		for (int i = 0; i < 70; i++) {
			t = xasprintf("%sEXDATE;TZID=Nowhere/Z%d:20260115T090000\r\n", lines, i);
			free(lines);
			lines = t;
		}
		ics = one_event(lines);
		free(lines);
	}
	T_OK(parse(ics, &r) == 0);
	T_INTEQ(r.n, 1);
	T_OK(has_warning(&r, "unknown TZID 'Nowhere/Z63'"));
	T_OK(has_warning(&r, "one TZID too many: TZID 'Nowhere/Z64'"));
	ics_result_release(&r);

	/* A default zone that does not exist is the caller's error. */
	o.default_tz = "Nowhere/Special";
	T_OK(parse_with(ics, &o, &r, &err) == -1);
	T_INTEQ(err.kind, ERR_DATA);
	free(ics);
}

static void test_windows_table(void)
{
	size_t i, bad = 0;

	T_STREQ(ics_windows_zone("W. Europe Standard Time"), "Europe/Berlin");
	T_STREQ(ics_windows_zone("w. europe standard time"), "Europe/Berlin");
	T_STREQ(ics_windows_zone("GMT Standard Time"), "Europe/London");
	T_STREQ(ics_windows_zone("Eastern Standard Time"), "America/New_York");
	T_STREQ(ics_windows_zone("Pacific Standard Time"), "America/Los_Angeles");
	T_STREQ(ics_windows_zone("China Standard Time"), "Asia/Shanghai");
	T_STREQ(ics_windows_zone("Romance Standard Time"), "Europe/Paris");
	T_OK(ics_windows_zone("Europe/Berlin") == NULL);
	T_OK(ics_windows_zone("") == NULL);
	T_OK(ics_windows_zone(NULL) == NULL);
	/* Every entry resolves through tzdata here. */
	for (i = 0; ics_winzone_name(i) != NULL; i++) {
		char *line = xasprintf("DTSTART;TZID=%s:20260115T090000\r\n", ics_winzone_name(i));
		char *ics = one_event(line);
		struct ics_result r;

		if (parse(ics, &r) == -1 || r.n != 1 || has_warning(&r, "unknown TZID")) {
			fprintf(stderr, "windows zone '%s' does not resolve\n",
				ics_winzone_name(i));
			bad++;
		}
		ics_result_release(&r);
		free(ics);
		free(line);
	}
	T_OK(i >= 60);
	T_INTEQ(bad, 0);
}

static void test_all_day(void)
{
	char *ics = one_event(L("DTSTART;VALUE=DATE:20260115") L("DTEND;VALUE=DATE:20260117"));
	struct ics_result r;

	T_OK(parse(ics, &r) == 0);
	T_INTEQ(r.n, 1);
	if (r.n == 1) {
		T_INTEQ(r.v[0].all_day, 1);
		T_INTEQ(r.v[0].floating, 0);
		T_INTEQ(r.v[0].start, T("2026-01-14T23:00:00Z"));
		T_INTEQ(r.v[0].end, T("2026-01-16T23:00:00Z"));
	}
	ics_result_release(&r);
	free(ics);
	/* Without DTEND: one day. */
	ics = one_event(L("DTSTART;VALUE=DATE:20260715"));
	T_OK(parse(ics, &r) == 0);
	T_OK(r.n == 1 && r.v[0].start == T("2026-07-14T22:00:00Z") &&
	     r.v[0].end == T("2026-07-15T22:00:00Z") && r.v[0].all_day == 1);
	ics_result_release(&r);
	free(ics);
}

/* Starts of the occurrences, as "HH:MM/DD" in UTC joined by spaces. */
static char *starts(const struct ics_result *r)
{
	char *s = xstrdup(""), *t;

	for (size_t i = 0; i < r->n; i++) {
		char buf[32];

		tu_format_rfc3339(r->v[i].start, buf, sizeof buf);
		t = xasprintf("%s%s%.10s@%.5s", s, i > 0 ? " " : "", buf, buf + 11);
		free(s);
		s = t;
	}
	return s;
}

static void check_starts(const char *lines, const char *want)
{
	char *ics = one_event(lines), *got;
	struct ics_result r;

	T_OK(parse(ics, &r) == 0);
	got = starts(&r);
	T_STREQ(got, want);
	free(got);
	ics_result_release(&r);
	free(ics);
}

static void test_rrule(void)
{
	char *ics = one_event(L("DTSTART;TZID=Europe/Berlin:20260316T090000") L(
		"DTEND;TZID=Europe/Berlin:20260316T100000") L("RRULE:FREQ=WEEKLY;COUNT=3"));
	struct ics_result r;

	T_OK(parse(ics, &r) == 0);
	T_INTEQ(r.n, 3);
	if (r.n == 3) {
		/* Berlin changes to summer time on 29 March. */
		T_STREQ(r.v[0].recurrence_id, "20260316T080000Z");
		T_STREQ(r.v[1].recurrence_id, "20260323T080000Z");
		T_STREQ(r.v[2].recurrence_id, "20260330T070000Z");
		T_INTEQ(r.v[2].start, T("2026-03-30T07:00:00Z"));
		T_INTEQ(r.v[2].end, T("2026-03-30T08:00:00Z"));
		T_STREQ(r.v[0].uid, "ev1");
	}
	ics_result_release(&r);
	free(ics);

	/* EXDATE removes one; EXDATE lists; UNTIL as UTC is inclusive. */
	check_starts(L("DTSTART:20260302T090000Z") L("RRULE:FREQ=DAILY;UNTIL=20260306T090000Z")
			     L("EXDATE:20260303T090000Z,20260305T090000Z"),
		     "2026-03-02@09:00 2026-03-04@09:00 2026-03-06@09:00");
	/* EXDATE in another zone than DTSTART, same instant. */
	check_starts(L("DTSTART;TZID=Europe/Berlin:20260302T100000") L("RRULE:FREQ=DAILY;COUNT=3")
			     L("EXDATE;TZID=Europe/London:20260303T090000"),
		     "2026-03-02@09:00 2026-03-04@09:00");
	/* A DATE EXDATE of a timed series removes the whole day; a date-time
	 * one only its instant (exclusions are looked up by day and by UTC
	 * second, in two sorted sets). */
	check_starts(L("DTSTART:20260302T090000Z") L("RRULE:FREQ=DAILY;COUNT=8;BYHOUR=9,15")
			     L("EXDATE;VALUE=DATE:20260303") L("EXDATE:20260304T150000Z"),
		     "2026-03-02@09:00 2026-03-02@15:00 2026-03-04@09:00 2026-03-05@09:00 "
		     "2026-03-05@15:00");
	/* A DATE UNTIL of a timed series includes that day (Google, Outlook). */
	check_starts(L("DTSTART:20260302T090000Z") L("RRULE:FREQ=DAILY;UNTIL=20260304"),
		     "2026-03-02@09:00 2026-03-03@09:00 2026-03-04@09:00");
	/* RDATE: a date-time, a PERIOD with its own length, a duplicate. */
	check_starts(L("DTSTART:20260302T090000Z") L("DURATION:PT1H")
			     L("RDATE:20260310T090000Z,20260302T090000Z")
				     L("RDATE;VALUE=PERIOD:20260312T150000Z/PT3H"),
		     "2026-03-02@09:00 2026-03-10@09:00 2026-03-12@15:00");
	/* Two RRULEs are a union. */
	check_starts(L("DTSTART:20260302T090000Z") L("RRULE:FREQ=WEEKLY;COUNT=2;BYDAY=MO")
			     L("RRULE:FREQ=WEEKLY;COUNT=2;BYDAY=WE"),
		     "2026-03-02@09:00 2026-03-04@09:00 2026-03-09@09:00 2026-03-11@09:00");
	/* Recurring all-day: the recurrence id is the date. */
	ics = one_event(L("DTSTART;VALUE=DATE:20260101") L("RRULE:FREQ=YEARLY;COUNT=2"));
	T_OK(parse(ics, &r) == 0);
	T_INTEQ(r.n, 2);
	if (r.n == 2) {
		T_STREQ(r.v[0].recurrence_id, "20260101");
		T_STREQ(r.v[1].recurrence_id, "20270101");
		T_INTEQ(r.v[1].start, T("2026-12-31T23:00:00Z"));
		T_INTEQ(r.v[1].all_day, 1);
	}
	ics_result_release(&r);
	free(ics);
	/* Hourly is no meeting: the rule is ignored, DTSTART kept. */
	ics = one_event(L("DTSTART:20260302T090000Z") L("RRULE:FREQ=HOURLY"));
	T_OK(parse(ics, &r) == 0);
	T_INTEQ(r.n, 1);
	T_OK(has_warning(&r, "more frequent than daily"));
	ics_result_release(&r);
	free(ics);
}

static void test_window_and_cap(void)
{
	char *ics = one_event(L("DTSTART:20191230T090000Z") L("DTEND:20191230T100000Z")
				      L("RRULE:FREQ=DAILY"));
	struct ics_options o = opts();
	struct ics_result r;
	struct err err;

	/* An endless daily series: the window ends it, the cap bounds it. */
	o.window_start = T("2026-03-02T09:30:00Z");
	o.window_end = T("2026-03-05T09:00:00Z");
	T_OK(parse_with(ics, &o, &r, &err) == 0);
	T_INTEQ(r.n, 3); /* 2 March still runs at 09:30; 5 March starts at the end */
	if (r.n == 3) {
		T_INTEQ(r.v[0].start, T("2026-03-02T09:00:00Z"));
		T_INTEQ(r.v[2].start, T("2026-03-04T09:00:00Z"));
	}
	T_INTEQ(r.nwarnings, 0);
	ics_result_release(&r);

	o = opts();
	o.max_instances = 5;
	T_OK(parse_with(ics, &o, &r, &err) == 0);
	T_INTEQ(r.n, 5);
	if (r.n == 5)
		T_INTEQ(r.v[0].start, T("2020-01-01T09:00:00Z"));
	T_OK(has_warning(&r, "more than 5 instances"));
	ics_result_release(&r);

	o = opts(); /* 0: the default cap */
	T_OK(parse_with(ics, &o, &r, &err) == 0);
	T_INTEQ(r.n, ICS_DEFAULT_INSTANCES);
	T_OK(has_warning(&r, "instances in the window"));
	ics_result_release(&r);
	free(ics);

	/* A single event outside the window is dropped without a word. */
	ics = one_event(L("DTSTART:20100101T090000Z"));
	T_OK(parse(ics, &r) == 0);
	T_INTEQ(r.n, 0);
	T_INTEQ(r.nwarnings, 0);
	ics_result_release(&r);
	free(ics);
}

/* Found profiling fuzz_ics: a RRULE with COUNT is walked from DTSTART, so every
 * VEVENT could take ICS_MAX_STEPS; a kilobyte of them took seconds, and
 * an object seconds per kilobyte. The steps of all rules together are now
 * bounded: what is left of the object keeps its DTSTART but is not
 * expanded, with one warning. */
static void test_step_budget(void)
{
	struct buf b;
	struct ics_result r;

	/* Each walks about 62000 daily steps from 1850 before the window
	 * (2020), then stops at the instance cap: e0 to e2 fit, e3 runs out,
	 * e4 is not expanded at all. */
	buf_init(&b, 1 << 20);
	buf_addstr(&b, CAL_BEGIN);
	for (int i = 0; i < 5; i++)
		buf_addf(&b,
			 L("BEGIN:VEVENT") L("UID:e%d") L("DTSTART:18500101T090000Z")
				 L("RRULE:FREQ=DAILY;COUNT=190000") L("END:VEVENT"),
			 i);
	buf_addstr(&b, CAL_END);
	T_OK(parse(b.data, &r) == 0);
	T_INTEQ(r.n, 3 * ICS_DEFAULT_INSTANCES);
	T_OK(r.n > 0 && strcmp(r.v[r.n - 1].uid, "e2") == 0);
	T_OK(has_warning(&r, "VEVENT 'e3': RRULE expansion stopped: more than 200000 RRULE steps"));
	T_OK(!has_warning(&r, "VEVENT 'e4'"));
	ics_result_release(&r);
	buf_release(&b);

	/* Many RRULEs in one VEVENT (RFC 5545 says one) add up the same way. */
	buf_init(&b, 1 << 20);
	buf_addstr(&b, CAL_BEGIN L("BEGIN:VEVENT") L("UID:many") L("DTSTART:20200101T090000Z"));
	for (int i = 0; i < 300; i++)
		buf_addstr(&b, L("RRULE:FREQ=DAILY"));
	buf_addstr(&b, L("END:VEVENT") CAL_END);
	T_OK(parse(b.data, &r) == 0);
	T_INTEQ(r.n, ICS_DEFAULT_INSTANCES);
	T_OK(has_warning(&r, "more than 200000 RRULE steps"));
	ics_result_release(&r);
	buf_release(&b);
}

/* Thousands of EXDATEs: each instance was compared with every one of them
 * (50000 took 1.3 s); they all still apply, in any order. */
static void test_many_exdates(void)
{
	const int64_t t0 = T("2026-03-02T00:00:00Z");
	struct ics_result r;
	struct buf b;

	buf_init(&b, 1 << 20);
	buf_addstr(&b, CAL_BEGIN L("BEGIN:VEVENT") L("UID:ex") L("DTSTART:20260302T000000Z")
			       L("RRULE:FREQ=DAILY;COUNT=3000;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,"
				 "12,13,14,15,16,17,18,19,20,21,22,23"));
	for (int h = 2999; h >= 0; h--) { /* every hour but one */
		int64_t t = t0 + (int64_t)h * 3600, y;
		unsigned mo, d;

		tu_civil_from_days(t / 86400, &y, &mo, &d);
		if (h != 2500)
			buf_addf(&b, "EXDATE:%04lld%02u%02uT%02lld0000Z\r\n", (long long)y, mo, d,
				 (long long)(t % 86400 / 3600));
	}
	buf_addstr(&b, L("END:VEVENT") CAL_END);
	T_OK(parse(b.data, &r) == 0);
	T_INTEQ(r.n, 1);
	if (r.n == 1)
		T_INTEQ(r.v[0].start, t0 + 2500 * 3600);
	ics_result_release(&r);
	buf_release(&b);
}

/* ICS_MAX_RDATES: the RDATEs past it are ignored with a warning, the
 * series is still read. */
static void test_rdate_cap(void)
{
	const int64_t t0 = T("2026-03-02T09:00:00Z");
	struct ics_options o = opts();
	struct ics_result r;
	struct err err;
	struct buf b;

	o.max_instances = 2 * ICS_MAX_RDATES;
	buf_init(&b, ICS_MAX_BYTES);
	buf_addstr(&b, CAL_BEGIN L("BEGIN:VEVENT") L("UID:rd") L("DTSTART:20260302T090000Z"));
	for (int i = 1; i <= ICS_MAX_RDATES + 5; i++) {
		int64_t t = t0 + (int64_t)i * 3600, y;
		unsigned mo, d;

		tu_civil_from_days(t / 86400, &y, &mo, &d);
		buf_addf(&b, "RDATE:%04lld%02u%02uT%02lld0000Z\r\n", (long long)y, mo, d,
			 (long long)(t % 86400 / 3600));
	}
	buf_addstr(&b, L("END:VEVENT") CAL_END);
	T_OK(parse_with(b.data, &o, &r, &err) == 0);
	T_INTEQ(r.n, ICS_MAX_RDATES + 1); /* DTSTART and the first RDATEs */
	T_OK(has_warning(&r, "VEVENT 'rd': more than 10000 RDATEs, the rest ignored"));
	ics_result_release(&r);
	buf_release(&b);
}

/* ICS_MAX_EVENTS: an object with more VEVENTs is ERR_DATA (the caller
 * records it), before any work on them. */
static void test_event_cap(void)
{
	struct ics_result r;
	struct err err;
	struct buf b;
	struct ics_options o = opts();

	buf_init(&b, ICS_MAX_BYTES);
	buf_addstr(&b, CAL_BEGIN);
	for (int i = 0; i <= ICS_MAX_EVENTS; i++)
		buf_addf(&b,
			 L("BEGIN:VEVENT") L("UID:u%d") L("DTSTART:20260302T090000Z")
				 L("END:VEVENT"),
			 i);
	buf_addstr(&b, CAL_END);
	T_OK(b.len < ICS_MAX_BYTES);
	T_OK(parse_with(b.data, &o, &r, &err) == -1);
	T_INTEQ(err.kind, ERR_DATA);
	T_STREQ(err.msg, "more than 20000 VEVENTs in one object");
	T_OK(r.n == 0 && r.v == NULL);
	ics_result_release(&r);
	buf_release(&b);
}

static const char *series_override = CAL_BEGIN L("BEGIN:VEVENT") L("UID:series") L("SEQUENCE:1") L(
	"SUMMARY:Weekly") L("DTSTART;TZID=Europe/Berlin:20260302T100000")
	L("DTEND;TZID=Europe/Berlin:20260302T110000") L("RRULE:FREQ=WEEKLY;COUNT=4") L("END:VEVENT")
		L("BEGIN:VEVENT") L("UID:series") L("SEQUENCE:2") L("SUMMARY:Moved")
			L("RECURRENCE-ID;TZID=Europe/Berlin:20260309T100000")
				L("DTSTART;TZID=Europe/Berlin:20260310T140000") L(
					"DTEND;TZID=Europe/Berlin:20260310T150000") L("END:VEVENT")
					L("BEGIN:VEVENT") L("UID:series") L("STATUS:CANCELLED")
						L("RECURRENCE-ID:20260316T090000Z")
							L("DTSTART:20260316T090000Z")
								L("END:VEVENT") CAL_END;

static void test_overrides(void)
{
	struct ics_result r;

	T_OK(parse(series_override, &r) == 0);
	T_INTEQ(r.n, 4);
	if (r.n == 4) {
		T_STREQ(r.v[0].recurrence_id, "20260302T090000Z");
		T_STREQ(r.v[0].summary, "Weekly");
		T_OK(r.v[0].status == NULL);
		/* the moved instance: its own times, the original's id */
		T_STREQ(r.v[1].recurrence_id, "20260309T090000Z");
		T_INTEQ(r.v[1].start, T("2026-03-10T13:00:00Z"));
		T_INTEQ(r.v[1].end, T("2026-03-10T14:00:00Z"));
		T_STREQ(r.v[1].summary, "Moved");
		T_INTEQ(r.v[1].sequence, 2);
		/* the cancelled one: kept, as cancelled; it has no DTEND, so the
		 * series' hour */
		T_STREQ(r.v[2].recurrence_id, "20260316T090000Z");
		T_STREQ(r.v[2].status, "CANCELLED");
		T_INTEQ(r.v[2].end, T("2026-03-16T10:00:00Z"));
		T_STREQ(r.v[3].recurrence_id, "20260323T090000Z");
		T_INTEQ(r.v[3].sequence, 1);
	}
	/* the original 9 March instant is not emitted */
	for (size_t i = 0; i < r.n; i++)
		T_OK(r.v[i].start != T("2026-03-09T09:00:00Z"));
	ics_result_release(&r);
}

static void test_overrides_more(void)
{
	/* An override moved out of the window hides the instance; one moved in
	 * appears though its original is outside. */
	const char *ics = CAL_BEGIN L("BEGIN:VEVENT") L("UID:s") L("DTSTART:20291224T090000Z")
		L("RRULE:FREQ=WEEKLY;COUNT=3") L("END:VEVENT") L("BEGIN:VEVENT") L("UID:s")
			L("RECURRENCE-ID:20291224T090000Z") L("DTSTART:20310101T090000Z")
				L("END:VEVENT") L("BEGIN:VEVENT") L("UID:s")
					L("RECURRENCE-ID:20300107T090000Z")
						L("DTSTART:20291201T090000Z") L("END:VEVENT")
							CAL_END;
	/* An override without its master (CalDAV invitation to one instance);
	 * a DATE-TIME RECURRENCE-ID of an all-day master (Outlook). */
	const char *ics2 = CAL_BEGIN L("BEGIN:VEVENT") L("UID:only") L(
		"RECURRENCE-ID;TZID=Europe/Berlin:20260309T100000")
		L("DTSTART;TZID=Europe/Berlin:20260309T110000") L("END:VEVENT") L("BEGIN:VEVENT") L(
			"UID:ad") L("DTSTART;VALUE=DATE:20260302") L("RRULE:FREQ=DAILY;COUNT=3")
			L("END:VEVENT") L("BEGIN:VEVENT") L("UID:ad")
				L("RECURRENCE-ID;TZID=W. Europe Standard Time:20260303T000000")
					L("DTSTART;VALUE=DATE:20260305") L("END:VEVENT") CAL_END;
	struct ics_result r;
	char *got;

	T_OK(parse(ics, &r) == 0);
	got = starts(&r);
	T_STREQ(got, "2029-12-01@09:00 2029-12-31@09:00");
	free(got);
	if (r.n == 2)
		T_STREQ(r.v[0].recurrence_id, "20300107T090000Z");
	ics_result_release(&r);

	T_OK(parse(ics2, &r) == 0);
	T_INTEQ(r.n, 4);
	if (r.n == 4) {
		T_STREQ(r.v[0].uid, "ad");
		T_STREQ(r.v[0].recurrence_id, "20260302");
		T_STREQ(r.v[1].recurrence_id, "20260304");
		T_STREQ(r.v[2].recurrence_id, "20260303"); /* moved to the 5th */
		T_INTEQ(r.v[2].start, T("2026-03-04T23:00:00Z"));
		T_INTEQ(r.v[2].all_day, 1);
		T_STREQ(r.v[3].uid, "only");
		T_STREQ(r.v[3].recurrence_id, "20260309T090000Z");
		T_INTEQ(r.v[3].start, T("2026-03-09T10:00:00Z"));
	}
	ics_result_release(&r);
}

static void test_cancelled(void)
{
	const char *ics = CAL_BEGIN L("BEGIN:VEVENT") L("UID:c") L("STATUS:CANCELLED")
		L("DTSTART:20260302T090000Z") L("RRULE:FREQ=DAILY;COUNT=2") L("END:VEVENT")
			L("BEGIN:VEVENT") L("UID:c") L("RECURRENCE-ID:20260303T090000Z")
				L("STATUS:CONFIRMED") L("DTSTART:20260303T100000Z") L("END:VEVENT")
					CAL_END;
	/* iTIP CANCEL without a STATUS. */
	const char *ics2 = L("BEGIN:VCALENDAR") L("METHOD:CANCEL") L("BEGIN:VEVENT") L("UID:m")
		L("SEQUENCE:3") L("DTSTART:20260302T090000Z") L("END:VEVENT") CAL_END;
	struct ics_result r;

	T_OK(parse(ics, &r) == 0);
	T_INTEQ(r.n, 2);
	for (size_t i = 0; i < r.n; i++)
		T_STREQ(r.v[i].status, "CANCELLED");
	ics_result_release(&r);

	T_OK(parse(ics2, &r) == 0);
	T_OK(r.n == 1 && r.v[0].status != NULL && strcmp(r.v[0].status, "CANCELLED") == 0);
	T_OK(r.n == 1 && r.v[0].sequence == 3);
	ics_result_release(&r);
}

static void test_people(void)
{
	char *ics = one_event(
		L("DTSTART:20260302T090000Z") L("SEQUENCE:7") L("STATUS:TENTATIVE") L(
			"SUMMARY:Quarterly review\\, Q1") L("LOCATION:Room 1")
			L("ORGANIZER;CN=Ann Boss:mailto:Ann.Boss@Example.COM") L(
				"ATTENDEE;CN=\"Doe, John\";PARTSTAT=declined;ROLE=REQ-PARTICIPANT:MAILTO:John.Doe+crm@Example.com")
				L("ATTENDEE;PARTSTAT=ACCEPTED:mailto:  bob@example.org ")
					L("ATTENDEE;CN=Room;CUTYPE=ROOM:urn:uuid:1234")
						L("ATTENDEE;EMAIL=eve@example.net:urn:uuid:5678"));
	struct ics_result r;

	T_OK(parse(ics, &r) == 0);
	T_INTEQ(r.n, 1);
	if (r.n == 1) {
		const struct ics_occurrence *o = &r.v[0];

		T_INTEQ(o->sequence, 7);
		T_STREQ(o->status, "TENTATIVE");
		T_STREQ(o->summary, "Quarterly review, Q1");
		T_STREQ(o->location, "Room 1");
		T_STREQ(o->organizer.address, "Ann.Boss@Example.COM");
		T_STREQ(o->organizer.key, "ann.boss@example.com");
		T_STREQ(o->organizer.name, "Ann Boss");
		T_INTEQ(o->nattendees, 4);
		if (o->nattendees == 4) {
			T_STREQ(o->attendees[0].address, "John.Doe+crm@Example.com");
			T_STREQ(o->attendees[0].key, "john.doe@example.com");
			T_STREQ(o->attendees[0].name, "Doe, John");
			T_STREQ(o->attendees[0].partstat, "DECLINED");
			T_STREQ(o->attendees[0].role, "REQ-PARTICIPANT");
			T_STREQ(o->attendees[1].address, "bob@example.org");
			T_STREQ(o->attendees[1].partstat, "ACCEPTED");
			T_OK(o->attendees[1].name == NULL && o->attendees[1].role == NULL);
			T_OK(o->attendees[2].address == NULL && o->attendees[2].key == NULL);
			T_STREQ(o->attendees[2].name, "Room");
			T_STREQ(o->attendees[3].address, "eve@example.net");
		}
	}
	ics_result_release(&r);
	free(ics);
}

static void test_attendee_cap(void)
{
	char *lines = xstrdup(L("DTSTART:20260302T090000Z")), *t, *ics;
	struct ics_result r;

	for (int i = 0; i < ICS_MAX_ATTENDEES + 3; i++) {
		t = xasprintf("%sATTENDEE:mailto:p%d@example.com\r\n", lines, i);
		free(lines);
		lines = t;
	}
	ics = one_event(lines);
	T_OK(parse(ics, &r) == 0);
	T_OK(r.n == 1 && r.v[0].nattendees == ICS_MAX_ATTENDEES);
	T_OK(has_warning(&r, "3 attendees over the limit"));
	ics_result_release(&r);
	free(ics);
	free(lines);
}

/* Every occurrence is a copy of its VEVENT's text and attendees: a 1 MB
 * DESCRIPTION repeating daily took 1 GB, 20 daily VEVENTs of 500
 * attendees as much. What the occurrences of one object hold is bounded
 * (64 KB an occurrence of a full series); those that no longer fit are
 * dropped, with a warning. */
static void test_occ_budget(void)
{
	struct ics_options o = opts();
	struct ics_result r;
	struct err err;
	struct buf b;

	o.max_instances = 2; /* 128 KB in all */
	buf_init(&b, 1 << 20);
	buf_addstr(&b, CAL_BEGIN);
	for (int e = 0; e < 2; e++) {
		buf_addf(&b,
			 L("BEGIN:VEVENT") L("UID:d%d") L("DTSTART:20260302T090000Z")
				 L("RRULE:FREQ=DAILY;COUNT=2") "DESCRIPTION:",
			 e);
		for (int i = 0; i < 500; i++) /* 45 KB, folded */
			buf_addstr(&b, "0123456789012345678901234567890123456789"
				       "01234567890123456789012345678901234567890123456789\r\n ");
		buf_addstr(&b, L("") L("END:VEVENT"));
	}
	buf_addstr(&b, CAL_END);
	T_OK(parse_with(b.data, &o, &r, &err) == 0);
	T_INTEQ(r.n, 2);
	T_OK(r.n == 2 && strcmp(r.v[1].uid, "d0") == 0 && strlen(r.v[1].description) == 45000);
	T_OK(has_warning(&r, "occurrences over 131072 bytes in all, the rest dropped"));
	ics_result_release(&r);

	/* Attendees count the same way (about 37 KB for 500). */
	buf_reset(&b);
	buf_addstr(&b, CAL_BEGIN);
	for (int e = 0; e < 6; e++) {
		buf_addf(&b,
			 L("BEGIN:VEVENT") L("UID:e%d") L("DTSTART:20260302T090000Z")
				 L("RRULE:FREQ=DAILY;COUNT=2"),
			 e);
		for (int i = 0; i < ICS_MAX_ATTENDEES; i++)
			buf_addf(&b, L("ATTENDEE:mailto:p%d@example.com"), i);
		buf_addstr(&b, L("END:VEVENT"));
	}
	buf_addstr(&b, CAL_END);
	T_OK(parse_with(b.data, &o, &r, &err) == 0);
	T_OK(r.n >= 2 && r.n < 12);
	for (size_t i = 0; i < r.n; i++)
		T_INTEQ(r.v[i].nattendees, ICS_MAX_ATTENDEES);
	T_OK(has_warning(&r, "the rest dropped"));
	ics_result_release(&r);
	buf_release(&b);
}

static void test_shapes(void)
{
	/* two VCALENDARs, LF only, folded lines, a BOM */
	const char *two = "\xef\xbb\xbf"
			  "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:b\nDTSTART:20260302T090000Z\n"
			  "SUMMARY:fol\n ded\nEND:VEVENT\nEND:VCALENDAR\n"
			  "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART:20260303T090000Z\n"
			  "END:VEVENT\nEND:VCALENDAR\n";
	/* a bare VEVENT */
	const char *bare =
		L("BEGIN:VEVENT") L("UID:bare") L("DTSTART:20260302T090000Z") L("END:VEVENT");
	/* sorted by UID, then start */
	const char *order = CAL_BEGIN L("BEGIN:VEVENT") L("UID:z") L("DTSTART:20260301T090000Z")
		L("END:VEVENT") L("BEGIN:VEVENT") L("UID:m") L("DTSTART:20260305T090000Z")
			L("RDATE:20260303T090000Z") L("END:VEVENT") CAL_END;
	struct ics_result r;

	T_OK(parse(two, &r) == 0);
	T_INTEQ(r.n, 2);
	if (r.n == 2) {
		T_STREQ(r.v[0].uid, "a");
		T_STREQ(r.v[1].uid, "b");
		T_STREQ(r.v[1].summary, "folded");
	}
	ics_result_release(&r);
	T_OK(parse(bare, &r) == 0);
	T_OK(r.n == 1 && strcmp(r.v[0].uid, "bare") == 0);
	ics_result_release(&r);
	T_OK(parse(order, &r) == 0);
	T_INTEQ(r.n, 3);
	if (r.n == 3) {
		T_STREQ(r.v[0].uid, "m");
		T_INTEQ(r.v[0].start, T("2026-03-03T09:00:00Z"));
		T_STREQ(r.v[1].uid, "m");
		T_STREQ(r.v[2].uid, "z");
	}
	ics_result_release(&r);
}

static void test_skipped(void)
{
	const char *some = CAL_BEGIN L("BEGIN:VEVENT") L("DTSTART:20260302T090000Z") L("END:VEVENT")
		L("BEGIN:VEVENT") L("UID:nostart") L("END:VEVENT") L("BEGIN:VEVENT") L("UID:ok")
			L("DTSTART:20260302T090000Z") L("END:VEVENT") CAL_END;
	const char *none =
		CAL_BEGIN L("BEGIN:VEVENT") L("UID:nostart") L("SUMMARY:x") L("END:VEVENT") CAL_END;
	const char *todo = CAL_BEGIN L("BEGIN:VTODO") L("UID:t") L("END:VTODO") CAL_END;
	struct ics_result r;
	struct ics_options o = opts();
	struct err err;

	T_OK(parse(some, &r) == 0);
	T_OK(r.n == 1 && strcmp(r.v[0].uid, "ok") == 0);
	T_OK(has_warning(&r, "VEVENT without UID skipped"));
	T_OK(has_warning(&r, "VEVENT 'nostart': VEVENT without a valid DTSTART skipped"));
	ics_result_release(&r);

	T_OK(parse_with(none, &o, &r, &err) == -1);
	T_INTEQ(err.kind, ERR_DATA);
	T_OK(strstr(err.msg, "DTSTART") != NULL);
	T_OK(r.v == NULL && r.n == 0 && r.warnings == NULL);

	/* no VEVENT at all is not an error: nothing to log */
	T_OK(parse(todo, &r) == 0);
	T_INTEQ(r.n, 0);
	ics_result_release(&r);
}

static void test_rejected(void)
{
	static const char *bad[] = {
		"",
		"hello world\r\n",
		"BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n",
		"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n", /* truncated */
		"\x00\x01\x02\xff",
	};
	struct ics_options o = opts();
	struct ics_result r;
	struct err err;
	char *big, *deep = xstrdup(""), *t;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err_init(&err);
		T_OK(ics_parse(bad[i], i == 4 ? 4 : strlen(bad[i]), &o, &r, &err) == -1);
		T_INTEQ(err.kind, ERR_DATA);
	}
	/* too large: refused before parsing */
	big = xmalloc(ICS_MAX_BYTES + 2);
	memset(big, ' ', ICS_MAX_BYTES + 1);
	big[ICS_MAX_BYTES + 1] = '\0';
	err_init(&err);
	T_OK(ics_parse(big, ICS_MAX_BYTES + 1, &o, &r, &err) == -1);
	T_INTEQ(err.kind, ERR_DATA);
	T_OK(strstr(err.msg, "too large") != NULL);
	free(big);
	/* nested too deep for libical's recursion */
	for (int i = 0; i < 100; i++) {
		t = xasprintf("%sBEGIN:X-A\r\n", deep);
		free(deep);
		deep = t;
	}
	err_init(&err);
	T_OK(ics_parse(deep, strlen(deep), &o, &r, &err) == -1);
	T_OK(strstr(err.msg, "nested") != NULL);
	free(deep);
}

static void test_text(void)
{
	/* Latin-1 text becomes UTF-8; malformed lines become a warning. */
	char *ics = one_event(L("DTSTART:20260302T090000Z") L("SUMMARY:M\xfcller caf\xe9 \x80")
				      L("LOCATION:") L("BOGUS LINE"));
	struct ics_result r;

	T_OK(parse(ics, &r) == 0);
	T_OK(r.n == 1);
	if (r.n == 1)
		T_STREQ(r.v[0].summary, "M\xc3\xbcller caf\xc3\xa9 \xe2\x82\xac");
	T_OK(has_warning(&r, "not UTF-8"));
	T_OK(has_warning(&r, "malformed line"));
	ics_result_release(&r);
	free(ics);
	ics_result_release(NULL);
}

int main(void)
{
	test_times();
	test_vtimezone();
	test_unknown_tzid();
	test_windows_table();
	test_all_day();
	test_rrule();
	test_window_and_cap();
	test_step_budget();
	test_many_exdates();
	test_rdate_cap();
	test_event_cap();
	test_overrides();
	test_overrides_more();
	test_cancelled();
	test_people();
	test_attendee_cap();
	test_occ_budget();
	test_shapes();
	test_skipped();
	test_rejected();
	test_text();
	return t_done("ics");
}

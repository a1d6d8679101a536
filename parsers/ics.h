/* parsers/ics.h - iCalendar (RFC 5545) calendar object resources turned
 * into meeting occurrences, over libical (no libical type leaves ics.c).
 *
 * One call reads one calendar object resource (a CalDAV GET body or a
 * calendar-data element, or an .ics file): every VEVENT, grouped by UID,
 * recurrences expanded inside the window, RECURRENCE-ID overrides replacing
 * the instance they override (libical's own expansion still yields them:
 * we skip them), EXDATEs removed, cancelled overrides reported as cancelled
 * occurrences. Times come out in UTC: TZIDs resolved through the
 * VTIMEZONEs of the object, the IANA database, and Windows zone names
 * (Outlook's "W. Europe Standard Time"); floating times and all-day dates
 * are read in the caller's default zone, never silently as UTC.
 * Pure: no network, no database.
 */
#ifndef PARSERS_ICS_H
#define PARSERS_ICS_H

#include <stddef.h>
#include <stdint.h>

struct err;

#define ICS_MAX_BYTES	      (4 * 1024 * 1024) /* one calendar object */
#define ICS_MAX_ATTENDEES     500		/* per event; more is a warning, rest dropped */
#define ICS_DEFAULT_INSTANCES 1000		/* recurrence instances per series */
/* VEVENTs in one object. A CalDAV object holds one UID (a master and its
 * overrides: a few dozen at most), but `import ics` hands a whole exported
 * file over as one object: within ICS_MAX_BYTES real events (300 bytes
 * and up) are fewer than 14,000. More is ERR_DATA, before any work on them. */
#define ICS_MAX_EVENTS 20000
/* RDATE values per VEVENT; the rest are ignored with a warning, like the
 * instances past the cap. Each one is an instance kept until the cap is
 * applied; real series use an RRULE and at most a few dozen RDATEs. */
#define ICS_MAX_RDATES 10000

struct ics_person {
	char *address;	/* owned; the mailto: address as written (mailto: removed), or NULL */
	char *key;	/* owned; addr_canonical() of it, or NULL */
	char *name;	/* owned; CN, or NULL */
	char *partstat; /* owned; upper case (NEEDS-ACTION, ACCEPTED, DECLINED ...), or NULL */
	char *role;	/* owned; ROLE parameter, or NULL */
};

struct ics_occurrence {
	char *uid;	     /* owned */
	char *recurrence_id; /* owned; this instance's RECURRENCE-ID in UTC
			      * ("20260301T090000Z", or "20260301" for all-day),
			      * NULL for a non-recurring event */
	int64_t start, end;  /* UTC seconds; end >= start */
	int all_day;
	int floating;	   /* the times had no zone: read in the default zone */
	char *summary;	   /* owned; may be NULL */
	char *location;	   /* owned; may be NULL */
	char *description; /* owned; may be NULL */
	char *status;	   /* owned; CONFIRMED, TENTATIVE, CANCELLED, or NULL */
	int sequence;
	struct ics_person organizer;  /* address NULL when there is none */
	struct ics_person *attendees; /* owned */
	size_t nattendees;
};

struct ics_options {
	const char *default_tz; /* IANA name for floating times and all-day dates; NULL: UTC */
	int64_t window_start;	/* occurrences that end before this are dropped */
	int64_t window_end;	/* occurrences that start at or after this are dropped */
	size_t max_instances;	/* per series; 0: ICS_DEFAULT_INSTANCES */
	int plus_addressing;	/* for the keys */
};

struct ics_result {
	struct ics_occurrence *v; /* owned */
	size_t n;
	char **warnings; /* owned; "VEVENT 'uid': unknown TZID 'X', read as ..." */
	size_t nwarnings;
};

/* Parses `len` bytes. Returns 0 and fills *out (release with
 * ics_result_release), or -1 with err (ERR_DATA) when the input is not
 * iCalendar at all, is larger than ICS_MAX_BYTES, or holds no VEVENT that
 * can be read (no UID or no DTSTART). Problems with one VEVENT among
 * several are warnings. The work one object can cause is bounded, beyond
 * the instance cap per series: RRULE iterator steps of all its rules, its
 * occurrences, and the bytes they hold (ICS_MAX_* in ics.c); what goes past
 * a bound is dropped with a warning. */
int ics_parse(const char *text, size_t len, const struct ics_options *o, struct ics_result *out,
	      struct err *err);
void ics_result_release(struct ics_result *r);

/* The IANA name for a Windows time zone name ("W. Europe Standard Time" ->
 * "Europe/Berlin"), or NULL. */
const char *ics_windows_zone(const char *name);

#endif

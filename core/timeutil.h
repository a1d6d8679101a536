/* core/timeutil.h - UTC time helpers shared by parsers, store and reports.
 *
 * All stored times are UTC seconds since the epoch (int64). Parsing is strict:
 * a string is either wholly a valid date or rejected.
 */
#ifndef CORE_TIMEUTIL_H
#define CORE_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil); month 1-12. */
int64_t tu_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Inverse of the above. */
void tu_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* Parses "YYYY-MM-DD" (midnight UTC) or RFC 3339 "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm)";
 * a space may stand for the T. Returns 0 and sets *t_out, or -1. */
int tu_parse_date(const char *s, int64_t *t_out);
/* Parses a duration: an integer followed by s, m, h, d or w ("5m", "365d");
 * a bare integer is seconds. Returns 0 and sets *secs_out, or -1. */
int tu_parse_duration(const char *s, int64_t *secs_out);
/* Parses a command-line date: tu_parse_date, or a relative "7d", "4w" or
 * "3m" (calendar months) counted back from now. */
int tu_parse_cli_date(const char *s, int64_t now, int64_t *t_out);
/* Formats t as "YYYY-MM-DDTHH:MM:SSZ" into out (at least 21 bytes). */
void tu_format_rfc3339(int64_t t, char *out, size_t size);
/* Formats t as "YYYY-MM-DD" (UTC) into out (at least 11 bytes). */
void tu_format_date(int64_t t, char *out, size_t size);

#endif

/* core/str.h - small string helpers glibc 2.36 lacks or gets wrong.
 *
 * Spans are borrowed views (pointer and length) used by the parsers; numbers
 * are parsed with range checks instead of atoi(3) and friends.
 */
#ifndef CORE_STR_H
#define CORE_STR_H

#include <stddef.h>
#include <stdint.h>

struct span {
	const char *p; /* borrowed */
	size_t len;
};

/* Copies at most size-1 bytes and terminates; returns strlen(src), so a
 * result >= size means truncation (strlcpy semantics). */
size_t str_copy(char *dst, const char *src, size_t size);
/* Trims ASCII white space at both ends of [*p, *p + *len). */
void str_trim(const char **p, size_t *len);
/* ASCII case-insensitive comparison of a span with a C string. */
int str_span_eq_ci(const char *p, size_t len, const char *s);
/* Lower-cases ASCII letters in place. */
void str_lower(char *s);
/* Parses a whole string as a decimal integer in [min, max]; 0 or -1. */
int str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out);
/* 1 if the n bytes at p are well-formed UTF-8 (no overlongs, surrogates or
 * code points above U+10FFFF), else 0. */
int str_utf8_valid(const char *p, size_t n);
/* Levenshtein distance, capped at 100, used for "did you mean" hints. */
int str_edit_distance(const char *a, const char *b);
/* Matches s against a glob pattern with `*` and `?`, ASCII case-insensitively. */
int str_glob_ci(const char *pattern, const char *s);
/* Replaces each ASCII control character but newline and tab (C0 and DEL) in
 * the len bytes at p with '?', in place: text for a terminal that came
 * from mail, calendars or CSV must not carry escape sequences (ESC [ ...,
 * OSC ...) that the terminal would obey. */
void str_scrub_controls(char *p, size_t len);

#endif

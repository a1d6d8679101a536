/* match/internal.h - shared by the files of match/ only. */
#ifndef MATCH_INTERNAL_H
#define MATCH_INTERNAL_H

#include <stddef.h>

struct match_dir;
struct match_result;
struct store_new_participant;
struct strset;

/* 1 if the canonical address matches an ignore pattern or a purge. */
int match_is_ignored(const struct match_dir *d, const char *key);
/* Drops ignored external participants from r; returns the first one
 * dropped (borrowed), or NULL. */
const char *match_drop_ignored(const struct match_dir *d, struct match_result *r);
/* Marks the result skipped with a static reason and owned evidence. */
void match_skip(struct match_result *r, const char *reason, char *evidence);
/* Rules 1 (address) and 2 (domain) for one external participant; links
 * already made (in `linked`) are not repeated. */
void match_link_participant(const struct match_dir *d, struct store_new_participant *p,
			    struct match_result *r, struct strset *linked);
/* The first `max` characters of UTF-8 text, as a new heap string. */
char *match_truncate_utf8(const char *s, size_t max);

#endif

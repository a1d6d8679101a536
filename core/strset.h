/* core/strset.h - a set of strings with a value each (open addressing).
 *
 * Used to spot duplicate keys within one import file and similar
 * bookkeeping. Keys are copied; values are plain integers.
 */
#ifndef CORE_STRSET_H
#define CORE_STRSET_H

#include <stddef.h>
#include <stdint.h>

struct strset {
	char **keys; /* owned */
	int64_t *vals;
	size_t cap, n;
};

void strset_init(struct strset *s);
void strset_release(struct strset *s);
/* Adds key with val. Returns 1 if added, 0 if the key was present (then
 * *old_out, if not NULL, receives its value and nothing changes). */
int strset_add(struct strset *s, const char *key, int64_t val, int64_t *old_out);
/* Sets key's value, adding the key when absent. */
void strset_put(struct strset *s, const char *key, int64_t val);
/* 1 and *val_out set if present, else 0. */
int strset_get(const struct strset *s, const char *key, int64_t *val_out);

#endif

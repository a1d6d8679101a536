/* core/strset.c - string hash set (see strset.h). FNV-1a, linear probing,
 * kept at most half full. */
#include "core/strset.h"
#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

void strset_init(struct strset *s)
{
	memset(s, 0, sizeof *s);
}

void strset_release(struct strset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->keys[i]);
	free(s->keys);
	free(s->vals);
	strset_init(s);
}

static uint64_t strset_hash(const char *k)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *k; k++) {
		h ^= (unsigned char)*k;
		h *= 1099511628211ULL;
	}
	return h;
}

static size_t strset_slot(const struct strset *s, const char *key)
{
	size_t i = (size_t)strset_hash(key) & (s->cap - 1);

	while (s->keys[i] != NULL && strcmp(s->keys[i], key) != 0)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static void strset_grow(struct strset *s)
{
	struct strset bigger;

	bigger.cap = s->cap ? s->cap * 2 : 16;
	bigger.n = s->n;
	bigger.keys = xcalloc(bigger.cap, sizeof *bigger.keys);
	bigger.vals = xcalloc(bigger.cap, sizeof *bigger.vals);
	for (size_t i = 0; i < s->cap; i++) {
		if (s->keys[i] == NULL)
			continue;
		size_t j = strset_slot(&bigger, s->keys[i]);
		bigger.keys[j] = s->keys[i];
		bigger.vals[j] = s->vals[i];
	}
	free(s->keys);
	free(s->vals);
	*s = bigger;
}

int strset_add(struct strset *s, const char *key, int64_t val, int64_t *old_out)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap)
		strset_grow(s);
	i = strset_slot(s, key);
	if (s->keys[i] != NULL) {
		if (old_out != NULL)
			*old_out = s->vals[i];
		return 0;
	}
	s->keys[i] = xstrdup(key);
	s->vals[i] = val;
	s->n++;
	return 1;
}

int strset_get(const struct strset *s, const char *key, int64_t *val_out)
{
	size_t i;

	if (s->cap == 0)
		return 0;
	i = strset_slot(s, key);
	if (s->keys[i] == NULL)
		return 0;
	if (val_out != NULL)
		*val_out = s->vals[i];
	return 1;
}

void strset_put(struct strset *s, const char *key, int64_t val)
{
	size_t i;

	if (strset_add(s, key, val, NULL))
		return;
	i = strset_slot(s, key);
	s->vals[i] = val;
}

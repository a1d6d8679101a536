/* core/pairset.c - integer pair hash set (see pairset.h). A splitmix64
 * mix of both halves, linear probing, kept at most half full. */
#include "core/pairset.h"
#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* a + 1, so that 0 marks an empty slot (a is never negative). */
struct pairset_slot {
	uint64_t a1;
	int64_t b;
};

void pairset_init(struct pairset *s)
{
	memset(s, 0, sizeof *s);
}

void pairset_release(struct pairset *s)
{
	free(s->slots);
	pairset_init(s);
}

void pairset_clear(struct pairset *s)
{
	if (s->cap > 0)
		memset(s->slots, 0, s->cap * sizeof *s->slots);
	s->n = 0;
}

static uint64_t pairset_hash(int64_t a, int64_t b)
{
	uint64_t x = (uint64_t)a * 0x9E3779B97F4A7C15ULL ^ (uint64_t)b;

	x ^= x >> 30;
	x *= 0xBF58476D1CE4E5B9ULL;
	x ^= x >> 27;
	x *= 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

static struct pairset_slot *pairset_slot(const struct pairset *s, int64_t a, int64_t b)
{
	size_t i = (size_t)pairset_hash(a, b) & (s->cap - 1);

	while (s->slots[i].a1 != 0 && (s->slots[i].a1 != (uint64_t)a + 1 || s->slots[i].b != b))
		i = (i + 1) & (s->cap - 1);
	return &s->slots[i];
}

static void pairset_grow(struct pairset *s)
{
	struct pairset old = *s;

	s->cap = old.cap == 0 ? 64 : old.cap * 2;
	s->slots = xcalloc(s->cap, sizeof *s->slots);
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].a1 != 0)
			*pairset_slot(s, (int64_t)(old.slots[i].a1 - 1), old.slots[i].b) =
				old.slots[i];
	free(old.slots);
}

int pairset_add(struct pairset *s, int64_t a, int64_t b)
{
	struct pairset_slot *slot;

	if ((s->n + 1) * 2 > s->cap)
		pairset_grow(s);
	slot = pairset_slot(s, a, b);
	if (slot->a1 != 0)
		return 0;
	slot->a1 = (uint64_t)a + 1;
	slot->b = b;
	s->n++;
	return 1;
}

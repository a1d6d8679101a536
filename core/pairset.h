/* core/pairset.h - a set of integer pairs (open addressing).
 *
 * Counts distinct things while streaming rows, such as the distinct
 * (user, contact) pairs of one report period; clearing keeps the memory
 * for the next period.
 */
#ifndef CORE_PAIRSET_H
#define CORE_PAIRSET_H

#include <stddef.h>
#include <stdint.h>

struct pairset {
	struct pairset_slot *slots; /* owned */
	size_t cap, n;
};

void pairset_init(struct pairset *s);
void pairset_release(struct pairset *s);
/* Adds (a, b); a must not be negative. Returns 1 if added, 0 if it was
 * present. */
int pairset_add(struct pairset *s, int64_t a, int64_t b);
/* Empties the set, keeping its memory. */
void pairset_clear(struct pairset *s);

#endif

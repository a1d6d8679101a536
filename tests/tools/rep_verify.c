/* tests/tools/rep_verify.c - checks that the activity report's facts,
 * kept by triggers, equal a recomputation from the stored activities.
 *
 *   rep_verify DB     prints "rep_verify: N rows differ", exits 0 when N is
 *                     0, 1 when not, 2 on an error.
 *
 * The integration tests run it after syncs, rematches, links and purges.
 */
#include "core/err.h"
#include "store/store.h"

#include <stdio.h>

int main(int argc, char **argv)
{
	struct store *st;
	struct err err;
	int64_t n = -1;
	int rc = 2;

	if (argc != 2) {
		fprintf(stderr, "usage: rep_verify DB\n");
		return 2;
	}
	err_init(&err);
	if ((st = store_open(argv[1], STORE_NOCREATE, &err)) == NULL ||
	    store_rep_verify(st, &n, &err) == -1)
		fprintf(stderr, "rep_verify: %s\n", err.msg);
	else {
		printf("rep_verify: %lld rows differ\n", (long long)n);
		rc = n == 0 ? 0 : 1;
	}
	store_close(&st);
	return rc;
}

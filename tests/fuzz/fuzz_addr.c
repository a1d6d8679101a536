/* tests/fuzz/fuzz_addr.c - address canonicalisation (parsers/addr.c):
 * keys, IDNA domains, role addresses. */
#include "core/err.h"
#include "parsers/addr.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strdup(data, size), *key, *dom;
	struct err err;

	for (int plus = 0; plus <= 1; plus++) {
		err_init(&err);
		if ((key = addr_canonical(s, plus, &err)) != NULL) {
			(void)addr_is_role(key);
			(void)addr_domain(key);
			free(key);
		}
	}
	err_init(&err);
	dom = addr_domain_canonical(s, &err);
	free(dom);
	free(s);
	return 0;
}

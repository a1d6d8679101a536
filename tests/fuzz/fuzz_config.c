/* tests/fuzz/fuzz_config.c - the configuration file (core/config.c):
 * tokenizer, every key's value parser and the load-time validation. */
#include "core/config.h"
#include "core/err.h"
#include "tests/fuzz/fuzz.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg;
	struct err err;
	FILE *null;

	err_init(&err);
	cfg = cfg_load_string("fuzz.conf", (const char *)data, size, &err);
	if (cfg != NULL && (null = fopen("/dev/null", "w")) != NULL) {
		cfg_print(cfg, null);
		fclose(null);
	}
	cfg_free(cfg);
	return 0;
}

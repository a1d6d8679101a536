/* tests/fuzz/fuzz_csv.c - the RFC 4180 reader of CRM imports
 * (parsers/csv.c), every record read to the end or the first error. */
#include "core/err.h"
#include "parsers/csv.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_reader *r = csv_open_mem("fuzz.csv", (const char *)data, size);
	struct csv_record rec;
	struct err err;

	err_init(&err);
	while (csv_next(r, &rec, &err) == 1)
		for (size_t i = 0; i < rec.n; i++)
			(void)strlen(rec.fields[i]);
	csv_close(r);
	return 0;
}

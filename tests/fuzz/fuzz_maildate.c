/* tests/fuzz/fuzz_maildate.c - RFC 5322 dates with the obsolete forms
 * (parsers/maildate.c). */
#include "parsers/mail.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t t;

	(void)mail_parse_date((const char *)data, size, &t);
	return 0;
}

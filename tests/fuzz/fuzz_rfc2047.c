/* tests/fuzz/fuzz_rfc2047.c - encoded words and charsets (parsers/rfc2047.c).
 *
 * The whole input is decoded as an unstructured header value; then its
 * first line is taken as a charset name and the rest converted from it,
 * as a body part (cut, so an incomplete last character is allowed). */
#include "core/buf.h"
#include "parsers/mail.h"
#include "parsers/mail_internal.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *rest;
	size_t rest_len;
	char *s, *cs;
	struct buf b;

	s = mail_decode_words((const char *)data, size);
	free(s);

	fuzz_split(data, size, &cs, &rest, &rest_len);
	buf_init(&b, RFC2047_OUT_MAX);
	(void)rfc2047_to_utf8(cs, rest, rest_len, &b, size % 2);
	buf_release(&b);
	free(cs);
	return 0;
}

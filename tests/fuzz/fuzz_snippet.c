/* tests/fuzz/fuzz_snippet.c - the body snippet (parsers/snippet.c): MIME
 * parts, transfer encodings, charsets, HTML to text.
 *
 * The input is a whole message: its header gives the Content-Type,
 * boundary, charset and transfer encoding, the rest is the body. A header
 * the parser refuses (no From, no Message-ID) leaves a plain text message. */
#include "core/err.h"
#include "parsers/mail.h"
#include "parsers/mail_internal.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *raw = (const char *)data;
	struct mail_msg msg;
	struct err err;
	size_t body;
	char *snip;

	err_init(&err);
	(void)rfc5322_header_len(raw, size, &body);
	if (mail_parse_header(raw, size, 1, &msg, &err) == -1)
		memset(&msg, 0, sizeof msg);
	snip = mail_snippet(&msg, raw + body, size - body, size % 2 ? 200 : MAIL_MAX_SNIPPET);
	free(snip);
	mail_msg_release(&msg);
	return 0;
}

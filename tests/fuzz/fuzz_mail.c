/* tests/fuzz/fuzz_mail.c - a message's header block (parsers/mail.c and,
 * through it, address lists, dates, encoded words, msg-ids, Content-Type). */
#include "core/err.h"
#include "parsers/mail.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *raw = (const char *)data;
	struct mail_msg msg;
	struct err err;
	char *id;

	err_init(&err);
	if (mail_parse_header(raw, size, size % 2, &msg, &err) == 0)
		mail_msg_release(&msg);
	id = mail_msgid_norm(raw, size);
	free(id);
	return 0;
}

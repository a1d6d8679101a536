/* tests/fuzz/fuzz_addrlist.c - address lists (parsers/addrlist.c) as
 * mail_parse_header gives them: unfolded first, as the contract asks. */
#include "core/buf.h"
#include "parsers/mail.h"
#include "parsers/mail_internal.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rfc5322_addrctx ac;
	struct mail_msg msg;
	struct buf val;

	memset(&msg, 0, sizeof msg);
	buf_init(&val, MAIL_MAX_HEADER);
	rfc5322_unfold((const char *)data, size, &val);
	rfc5322_addrctx_init(&ac, &msg, size % 2);
	rfc5322_addrlist_parse(&ac, "To", val.data, val.len, &msg.to);
	/* A second field shares the context: the MAIL_MAX_ADDRS cap counts both. */
	rfc5322_addrlist_parse(&ac, "Cc", val.data, val.len, &msg.cc);
	rfc5322_addrctx_release(&ac);
	mail_msg_release(&msg);
	buf_release(&val);
	return 0;
}

/* tests/fuzz/fuzz_davxml.c - WebDAV multistatus and error bodies
 * (parsers/davxml.c over libxml2), and href normalisation of the hrefs a
 * server sends. */
#include "core/err.h"
#include "parsers/davxml.h"
#include "tests/fuzz/fuzz.h"

#define BASE "https://dav.example.com:8443/cal/user/"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *xml = (const char *)data;
	struct davxml_multistatus m;
	struct err err;
	char *s;

	err_init(&err);
	memset(&m, 0, sizeof m);
	if (davxml_parse_multistatus(xml, size, BASE, &m, &err) == 0)
		davxml_multistatus_release(&m);
	(void)davxml_error_has(xml, size, "DAV:", "valid-sync-token");
	/* Short inputs double as hrefs. */
	if (size < 4096) {
		s = fuzz_strdup(data, size);
		free(davxml_href_normalize(BASE, s));
		free(s);
	}
	return 0;
}

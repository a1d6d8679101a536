/* tests/fuzz/fuzz_davxml.c - WebDAV multistatus and error bodies
 * (parsers/davxml.c over libxml2), href normalisation of the hrefs a
 * server sends, and the request bodies built from server-sent strings.
 *
 * Oracle beyond the sanitizers: a sync-collection or multiget body built
 * from a sync token or href (valid UTF-8, as libxml2 hands them over) must
 * itself be well-formed XML. */
#include "core/err.h"
#include "core/str.h"
#include "parsers/davxml.h"
#include "tests/fuzz/fuzz.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>

#define BASE "https://dav.example.com:8443/cal/user/"

static void check_wellformed(const char *what, char *body)
{
	xmlDoc *doc = xmlReadMemory(body, (int)strlen(body), NULL, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

	if (doc == NULL) {
		fprintf(stderr, "fuzz_davxml: %s body is not well-formed XML:\n%s\n", what, body);
		abort();
	}
	xmlFreeDoc(doc);
	free(body);
}

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
	/* Short inputs double as hrefs and sync tokens. */
	if (size < 4096) {
		const char *one[1];

		s = fuzz_strdup(data, size);
		free(davxml_href_normalize(BASE, s));
		if (str_utf8_valid(s, strlen(s))) {
			one[0] = s;
			check_wellformed("sync-collection", davxml_sync_collection_body(s));
			check_wellformed("multiget", davxml_multiget_body(one, 1));
		}
		free(s);
	}
	return 0;
}

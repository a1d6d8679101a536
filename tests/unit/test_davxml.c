/* tests/unit/test_davxml.c - parsers/davxml.h: multistatus answers as the
 * servers we meet write them (Radicale, SabreDAV/Nextcloud, Apple and
 * Python servers with ns0:/ns1: prefixes), sync-collection and 507,
 * hostile XML, href normalisation and the request bodies (parsed back with
 * libxml2 here, so they are checked to be well-formed).
 */
#include "core/buf.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "parsers/davxml.h"
#include "t.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASE	"https://cal.example.com/dav/calendars/ann/work/"
#define XMLDECL "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"

static int parse(const char *xml, struct davxml_multistatus *m, struct err *err)
{
	err_init(err);
	return davxml_parse_multistatus(xml, strlen(xml), BASE, m, err);
}

static const struct davxml_response *find(const struct davxml_multistatus *m, const char *href)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].href != NULL && strcmp(m->v[i].href, href) == 0)
			return &m->v[i];
	return NULL;
}

/* Radicale: D: prefix, relative-to-root hrefs, a 404 propstat beside the 200. */
static const char *radicale =
	XMLDECL "<multistatus xmlns=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\" "
		"xmlns:CS=\"http://calendarserver.org/ns/\">\n"
		"<response><href>/dav/calendars/ann/work/</href>\n"
		" <propstat><prop>\n"
		"  <resourcetype><collection/><C:calendar/></resourcetype>\n"
		"  <displayname>Work</displayname>\n"
		"  <CS:getctag>\"1700000000-12\"</CS:getctag>\n"
		"  <sync-token>http://radicale.org/ns/sync/abc123</sync-token>\n"
		"  <C:supported-calendar-component-set><C:comp name=\"VEVENT\"/>"
		"<C:comp name=\"VJOURNAL\"/></C:supported-calendar-component-set>\n"
		" </prop><status>HTTP/1.1 200 OK</status></propstat>\n"
		" <propstat><prop><C:calendar-description/></prop>"
		"<status>HTTP/1.1 404 Not Found</status></propstat>\n"
		"</response>\n"
		"<response><href>/dav/calendars/ann/tasks/</href>\n"
		" <propstat><prop>\n"
		"  <resourcetype><collection/><C:calendar/></resourcetype>\n"
		"  <displayname>Tasks</displayname>\n"
		"  <C:supported-calendar-component-set><C:comp name=\"VTODO\"/>"
		"</C:supported-calendar-component-set>\n"
		" </prop><status>HTTP/1.1 200 OK</status></propstat>\n"
		"</response>\n"
		"<response><href>/dav/calendars/ann/contacts/</href>\n"
		" <propstat><prop><resourcetype><collection/></resourcetype></prop>"
		"<status>HTTP/1.1 200 OK</status></propstat>\n"
		" <propstat><prop><C:supported-calendar-component-set/></prop>"
		"<status>HTTP/1.1 404 Not Found</status></propstat>\n"
		"</response>\n"
		"</multistatus>\n";

static void test_radicale(void)
{
	struct davxml_multistatus m;
	struct err err;
	const struct davxml_response *r;

	T_OK(parse(radicale, &m, &err) == 0);
	T_INTEQ(m.n, 3);
	r = find(&m, "/dav/calendars/ann/work/");
	T_OK(r != NULL);
	if (r != NULL) {
		T_INTEQ(r->status, 200);
		T_INTEQ(r->is_calendar, 1);
		T_INTEQ(r->is_collection, 1);
		T_INTEQ(r->vevent, 1);
		T_STREQ(r->displayname, "Work");
		T_STREQ(r->ctag, "\"1700000000-12\"");
		T_STREQ(r->sync_token, "http://radicale.org/ns/sync/abc123");
		T_OK(r->etag == NULL && r->calendar_data == NULL);
	}
	r = find(&m, "/dav/calendars/ann/tasks/");
	T_OK(r != NULL && r->is_calendar == 1 && r->vevent == 0); /* VTODO only */
	r = find(&m, "/dav/calendars/ann/contacts/");
	/* not a calendar; the 404 property counts as absent */
	T_OK(r != NULL && r->is_calendar == 0 && r->is_collection == 1 && r->vevent == 1);
	T_OK(m.sync_token == NULL && m.truncated == 0);
	davxml_multistatus_release(&m);
	davxml_multistatus_release(&m); /* safe twice */
}

/* Python servers (ns0:, ns1:), absolute hrefs, discovery properties. */
static const char *ns0 =
	"<ns0:multistatus xmlns:ns0=\"DAV:\" xmlns:ns1=\"urn:ietf:params:xml:ns:caldav\">"
	"<ns0:response><ns0:href>https://CAL.example.com:443/dav/principals/ann/</ns0:href>"
	"<ns0:propstat><ns0:status>HTTP/1.1 200 OK</ns0:status><ns0:prop>"
	"<ns0:current-user-principal><ns0:href>/dav/principals/ann/</ns0:href>"
	"</ns0:current-user-principal>"
	"<ns1:calendar-home-set><ns0:href>../../../calendars/ann/</ns0:href>"
	"<ns0:href>/other/</ns0:href></ns1:calendar-home-set>"
	"<ns0:resourcetype><ns0:principal/></ns0:resourcetype>"
	"</ns0:prop></ns0:propstat></ns0:response></ns0:multistatus>";

/* SabreDAV style: d:/cal:/cs: prefixes; and a default namespace that is
 * not DAV: on an element with the same local name (must not match). */
static const char *sabre =
	"<d:multistatus xmlns:d=\"DAV:\" xmlns:cal=\"urn:ietf:params:xml:ns:caldav\" "
	"xmlns:cs=\"http://calendarserver.org/ns/\" xmlns:x=\"http://example.com/x\">"
	"<d:response><d:href>/dav/calendars/ann/work/</d:href><d:propstat><d:prop>"
	"<cs:getctag>http://sabre.io/ns/sync/7</cs:getctag>"
	"<x:getetag>\"not-dav\"</x:getetag>"
	"<d:sync-token>http://sabre.io/ns/sync/7</d:sync-token>"
	"</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
	"</d:multistatus>";

static void test_prefixes(void)
{
	struct davxml_multistatus m;
	struct err err;

	T_OK(parse(ns0, &m, &err) == 0);
	T_INTEQ(m.n, 1);
	if (m.n == 1) {
		T_STREQ(m.v[0].href, "/dav/principals/ann/");
		T_INTEQ(m.v[0].status, 200);
		T_STREQ(m.v[0].current_user_principal, "/dav/principals/ann/");
		T_STREQ(m.v[0].calendar_home_set, "/dav/calendars/ann/");
		T_INTEQ(m.v[0].is_calendar, 0);
	}
	davxml_multistatus_release(&m);

	T_OK(parse(sabre, &m, &err) == 0);
	T_INTEQ(m.n, 1);
	if (m.n == 1) {
		T_STREQ(m.v[0].ctag, "http://sabre.io/ns/sync/7");
		T_STREQ(m.v[0].sync_token, "http://sabre.io/ns/sync/7");
		T_OK(m.v[0].etag == NULL);
	}
	davxml_multistatus_release(&m);
}

/* RFC 6578 §3.5: changed members, a deleted one with a bare status, the
 * new token at the top level. */
static const char *sync_reply =
	XMLDECL "<D:multistatus xmlns:D=\"DAV:\">\n"
		"  <D:response>\n"
		"    <D:href>/dav/calendars/ann/work/a%20b.ics</D:href>\n"
		"    <D:propstat><D:prop><D:getetag>\"e1\"</D:getetag></D:prop>\n"
		"      <D:status>HTTP/1.1 200 OK</D:status></D:propstat>\n"
		"  </D:response>\n"
		"  <D:response>\n"
		"    <D:href>new.ics</D:href>\n"
		"    <D:propstat><D:prop><D:getetag>W/\"e2\"</D:getetag></D:prop>\n"
		"      <D:status>HTTP/1.1 200 OK</D:status></D:propstat>\n"
		"  </D:response>\n"
		"  <D:response>\n"
		"    <D:href>/dav/calendars/ann/work/gone.ics</D:href>\n"
		"    <D:status>HTTP/1.1 404 Not Found</D:status>\n"
		"  </D:response>\n"
		"  <D:sync-token>http://example.com/sync/1235</D:sync-token>\n"
		"</D:multistatus>\n";

static const char *truncated_reply =
	"<D:multistatus xmlns:D=\"DAV:\">"
	"<D:response><D:href>/dav/calendars/ann/work/x.ics</D:href>"
	"<D:propstat><D:prop><D:getetag>\"x\"</D:getetag></D:prop>"
	"<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
	"<D:response><D:href>/dav/calendars/ann/work/</D:href>"
	"<D:status>HTTP/1.1 507 Insufficient Storage</D:status>"
	"<D:error><D:number-of-matches-within-limits/></D:error></D:response>"
	"<D:sync-token>http://example.com/sync/1240</D:sync-token>"
	"</D:multistatus>";

static void test_sync(void)
{
	struct davxml_multistatus m;
	struct err err;
	const struct davxml_response *r;

	T_OK(parse(sync_reply, &m, &err) == 0);
	T_INTEQ(m.n, 3);
	T_STREQ(m.sync_token, "http://example.com/sync/1235");
	T_INTEQ(m.truncated, 0);
	r = find(&m, "/dav/calendars/ann/work/a%20b.ics");
	T_OK(r != NULL && r->status == 200 && strcmp(r->etag, "\"e1\"") == 0);
	r = find(&m, "/dav/calendars/ann/work/new.ics"); /* relative to the base */
	T_OK(r != NULL && r->etag != NULL && strcmp(r->etag, "W/\"e2\"") == 0);
	r = find(&m, "/dav/calendars/ann/work/gone.ics");
	T_OK(r != NULL && r->status == 404 && r->etag == NULL);
	davxml_multistatus_release(&m);

	T_OK(parse(truncated_reply, &m, &err) == 0);
	T_INTEQ(m.truncated, 1);
	T_STREQ(m.sync_token, "http://example.com/sync/1240");
	r = find(&m, "/dav/calendars/ann/work/x.ics");
	T_OK(r != NULL && r->status == 200);
	r = find(&m, "/dav/calendars/ann/work/");
	T_OK(r != NULL && r->status == 507);
	davxml_multistatus_release(&m);
}

/* calendar-multiget: CDATA, entities, a missing member, a propstat that is
 * 404 only. */
static const char *multiget =
	"<D:multistatus xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
	"<D:response><D:href>/dav/calendars/ann/work/1.ics</D:href><D:propstat><D:prop>"
	"<D:getetag>\"1\"</D:getetag>"
	"<C:calendar-data><![CDATA[BEGIN:VCALENDAR\r\nSUMMARY:R&D <review>\r\n"
	"END:VCALENDAR\r\n]]></C:calendar-data>"
	"</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
	"<D:response><D:href>/dav/calendars/ann/work/2.ics</D:href><D:propstat><D:prop>"
	"<D:getetag>\"2\"</D:getetag>"
	"<C:calendar-data>BEGIN:VCALENDAR&#13;\nSUMMARY:Tom &amp; Jerry &lt;3&#x20AC;\n"
	"END:VCALENDAR\n</C:calendar-data>"
	"</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
	"<D:response><D:href>/dav/calendars/ann/work/3.ics</D:href>"
	"<D:status>HTTP/1.1 404 Not Found</D:status></D:response>"
	"<D:response><D:href>/dav/calendars/ann/work/4.ics</D:href><D:propstat><D:prop>"
	"<C:calendar-data/></D:prop><D:status>HTTP/1.1 403 Forbidden</D:status></D:propstat>"
	"</D:response>"
	"</D:multistatus>";

static void test_multiget(void)
{
	struct davxml_multistatus m;
	struct err err;
	const struct davxml_response *r;

	T_OK(parse(multiget, &m, &err) == 0);
	T_INTEQ(m.n, 4);
	r = find(&m, "/dav/calendars/ann/work/1.ics");
	T_OK(r != NULL);
	if (r != NULL) /* XML 1.0 §2.11: CR LF arrives as LF, even in CDATA */
		T_STREQ(r->calendar_data, "BEGIN:VCALENDAR\nSUMMARY:R&D <review>\nEND:VCALENDAR\n");
	r = find(&m, "/dav/calendars/ann/work/2.ics");
	T_OK(r != NULL);
	if (r != NULL)
		T_STREQ(r->calendar_data, "BEGIN:VCALENDAR\r\nSUMMARY:Tom & Jerry "
					  "<3\xe2\x82\xac\nEND:VCALENDAR\n");
	r = find(&m, "/dav/calendars/ann/work/3.ics");
	T_OK(r != NULL && r->status == 404 && r->calendar_data == NULL);
	r = find(&m, "/dav/calendars/ann/work/4.ics");
	T_OK(r != NULL && r->status == 403 && r->calendar_data == NULL);
	davxml_multistatus_release(&m);
}

static void test_refused(void)
{
	static const struct {
		const char *xml, *why;
	} cases[] = {
		{"", "not XML"},
		{"hello", "not XML"},
		{"<D:multistatus xmlns:D=\"DAV:\"><D:response>", "not XML"},
		{"<multistatus><response/></multistatus>", "not a DAV:multistatus"},
		{"<D:error xmlns:D=\"DAV:\"/>", "not a DAV:multistatus"},
		{"<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n"
		 "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		 "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
		 "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
		 "]>\n<D:multistatus xmlns:D=\"DAV:\"><D:sync-token>&lol3;</D:sync-token>"
		 "</D:multistatus>",
		 "DOCTYPE not allowed"},
		{"<?xml version=\"1.0\"?>\n<!DOCTYPE m [<!ENTITY xxe SYSTEM "
		 "\"file:///etc/passwd\">]>\n<D:multistatus xmlns:D=\"DAV:\">"
		 "<D:sync-token>&xxe;</D:sync-token></D:multistatus>",
		 "DOCTYPE not allowed"},
		{"<!DOCTYPE m SYSTEM \"http://127.0.0.1:9/evil.dtd\">"
		 "<D:multistatus xmlns:D=\"DAV:\"/>",
		 "DOCTYPE not allowed"},
		/* an entity reference without a declaration is no better */
		{"<D:multistatus xmlns:D=\"DAV:\"><D:sync-token>&xxe;</D:sync-token>"
		 "</D:multistatus>",
		 "not XML"},
	};
	struct davxml_multistatus m;
	struct err err;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		T_OK(parse(cases[i].xml, &m, &err) == -1);
		T_INTEQ(err.kind, ERR_DATA);
		if (strstr(err.msg, cases[i].why) == NULL)
			fprintf(stderr, "case %zu: '%s' does not say '%s'\n", i, err.msg,
				cases[i].why);
		T_OK(strstr(err.msg, cases[i].why) != NULL);
		T_OK(strstr(err.msg, "root:") == NULL); /* /etc/passwd never read */
		T_OK(m.n == 0 && m.v == NULL && m.sync_token == NULL);
	}
}

static void test_limits(void)
{
	struct davxml_multistatus m;
	struct err err;
	char *deep = xstrdup("<D:multistatus xmlns:D=\"DAV:\">"), *t;
	int i;

	for (i = 0; i < DAVXML_MAX_DEPTH + 5; i++) {
		t = xasprintf("%s<D:x>", deep);
		free(deep);
		deep = t;
	}
	for (i = 0; i < DAVXML_MAX_DEPTH + 5; i++) {
		t = xasprintf("%s</D:x>", deep);
		free(deep);
		deep = t;
	}
	t = xasprintf("%s</D:multistatus>", deep);
	free(deep);
	deep = t;
	T_OK(parse(deep, &m, &err) == -1);
	T_INTEQ(err.kind, ERR_DATA);
	T_OK(strstr(err.msg, "deeper") != NULL);
	free(deep);

	err_init(&err);
	T_OK(davxml_parse_multistatus(radicale, (size_t)DAVXML_MAX_BYTES + 1, BASE, &m, &err) ==
	     -1);
	T_OK(strstr(err.msg, "too large") != NULL);
}

/* A multistatus of n one-href responses (4 elements each), as a heap string. */
static char *many_responses(size_t n)
{
	struct buf b;

	buf_init(&b, (size_t)DAVXML_MAX_BYTES);
	buf_addstr(&b, XMLDECL "<D:multistatus xmlns:D=\"DAV:\">");
	for (size_t i = 0; i < n; i++)
		buf_addf(&b,
			 "<D:response><D:href>/dav/e%zu.ics</D:href>"
			 "<D:status>HTTP/1.1 404 Not Found</D:status></D:response>",
			 i);
	buf_addstr(&b, "</D:multistatus>");
	return buf_detach(&b, NULL);
}

/* DAVXML_MAX_RESPONSES and DAVXML_MAX_ELEMENTS: past them the whole
 * answer is ERR_DATA and nothing is kept. */
static void test_counts(void)
{
	struct davxml_multistatus m;
	struct err err;
	char *xml = many_responses(1000);
	struct buf b;

	T_OK(parse(xml, &m, &err) == 0);
	T_OK(m.n == 1000);
	davxml_multistatus_release(&m);
	free(xml);
	xml = many_responses(DAVXML_MAX_RESPONSES + 1);
	T_OK(parse(xml, &m, &err) == -1);
	T_INTEQ(err.kind, ERR_DATA);
	T_OK(strstr(err.msg, "more than 100000 responses") != NULL);
	T_OK(m.n == 0 && m.v == NULL);
	free(xml);

	/* Elements are counted before a tree is built. */
	buf_init(&b, (size_t)DAVXML_MAX_BYTES);
	buf_addstr(&b, "<D:multistatus xmlns:D=\"DAV:\">");
	for (size_t i = 0; i < DAVXML_MAX_ELEMENTS; i++)
		buf_addstr(&b, "<a/>");
	buf_addstr(&b, "</D:multistatus>");
	T_OK(parse(b.data, &m, &err) == -1);
	T_INTEQ(err.kind, ERR_DATA);
	T_OK(strstr(err.msg, "more than 1000000 elements") != NULL);
	buf_release(&b);
}

static void test_error_has(void)
{
	const char *e = XMLDECL "<D:error xmlns:D=\"DAV:\"><D:valid-sync-token/></D:error>";
	const char *e2 = "<error xmlns=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
			 "<C:supported-calendar-component/></error>";

	T_INTEQ(davxml_error_has(e, strlen(e), "DAV:", "valid-sync-token"), 1);
	T_INTEQ(davxml_error_has(e, strlen(e), "DAV:", "number-of-matches-within-limits"), 0);
	T_INTEQ(davxml_error_has(e, strlen(e), "urn:ietf:params:xml:ns:caldav", "valid-sync-token"),
		0);
	T_INTEQ(davxml_error_has(e2, strlen(e2), "urn:ietf:params:xml:ns:caldav",
				 "supported-calendar-component"),
		1);
	T_INTEQ(davxml_error_has("oops", 4, "DAV:", "valid-sync-token"), 0);
	T_INTEQ(davxml_error_has(sync_reply, strlen(sync_reply), "DAV:", "sync-token"), 0);
	T_INTEQ(davxml_error_has(NULL, 0, "DAV:", "x"), 0);
}

static void test_href(void)
{
	static const struct {
		const char *base, *href, *want;
	} cases[] = {
		{BASE, "/dav/calendars/ann/work/1.ics", "/dav/calendars/ann/work/1.ics"},
		{BASE, "1.ics", "/dav/calendars/ann/work/1.ics"},
		{BASE, "  1.ics\n", "/dav/calendars/ann/work/1.ics"},
		{BASE, "../home/", "/dav/calendars/ann/home/"},
		{"https://cal.example.com/dav/x.ics", "y.ics", "/dav/y.ics"},
		{"https://cal.example.com", "y.ics", "/y.ics"},
		{BASE, "https://cal.example.com/dav/a.ics", "/dav/a.ics"},
		{BASE, "HTTPS://Cal.Example.COM:443/dav/a.ics", "/dav/a.ics"},
		{BASE, "https://user@cal.example.com/dav/a.ics", "/dav/a.ics"},
		{BASE, "//cal.example.com/dav/a.ics", "/dav/a.ics"},
		{BASE, "https://other.example.com/dav/a.ics",
		 "https://other.example.com/dav/a.ics"},
		{BASE, "http://cal.example.com/dav/a.ics", "http://cal.example.com/dav/a.ics"},
		{BASE, "https://cal.example.com:8443/a.ics", "https://cal.example.com:8443/a.ics"},
		{"http://[::1]:8080/dav/", "http://[::1]:8080/dav/a.ics", "/dav/a.ics"},
		{"http://localhost:80/", "http://LOCALHOST/a", "/a"},
		/* percent-encoding: unreserved decoded, the rest upper-case */
		{BASE, "/cal/%7Eann/%41b%2d", "/cal/~ann/Ab-"},
		{BASE, "/cal/~ann/", "/cal/~ann/"},
		{BASE, "/cal/a%20b.ics", "/cal/a%20b.ics"},
		{BASE, "/cal/a b.ics", "/cal/a%20b.ics"},
		{BASE, "/cal/a%2fb%c3%a9", "/cal/a%2Fb%C3%A9"},
		{BASE, "/cal/caf\xc3\xa9.ics", "/cal/caf%C3%A9.ics"},
		{BASE, "/cal/100%", "/cal/100%25"},
		{BASE, "/cal/a@b:c;d=e+f", "/cal/a@b:c;d=e+f"},
		/* dot segments (RFC 3986 §5.2.4), encoded dots too */
		{BASE, "/a/b/c/./../../g", "/a/g"},
		{BASE, "/a/b/..", "/a/"},
		{BASE, "/a/./b/.", "/a/b/"},
		{BASE, "/../../x", "/x"},
		{BASE, "/a/%2E%2E/b", "/b"},
		{BASE, "/a/b.ics#frag", "/a/b.ics"},
		{BASE, "", "/dav/calendars/ann/work/"},
		{NULL, "x.ics", "/x.ics"},
		{NULL, "/x.ics", "/x.ics"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = davxml_href_normalize(cases[i].base, cases[i].href);

		if (got == NULL || strcmp(got, cases[i].want) != 0)
			fprintf(stderr, "case %zu: href '%s'\n", i, cases[i].href);
		T_STREQ(got, cases[i].want);
		free(got);
	}
	T_OK(davxml_href_normalize(BASE, NULL) == NULL);
}

/* Parses a request body back: well-formed, root in namespace ns named name. */
static xmlDoc *body_doc(const char *body, const char *ns, const char *name)
{
	xmlDoc *doc;
	xmlNode *root;

	T_OK(body != NULL);
	if (body == NULL)
		return NULL;
	doc = xmlReadMemory(body, (int)strlen(body), NULL, NULL, XML_PARSE_NONET);
	T_OK(doc != NULL);
	if (doc == NULL)
		return NULL;
	root = xmlDocGetRootElement(doc);
	T_OK(root != NULL && root->ns != NULL && strcmp((const char *)root->ns->href, ns) == 0 &&
	     strcmp((const char *)root->name, name) == 0);
	return doc;
}

/* The text of the first element named name anywhere below n. */
static char *find_text(xmlNode *n, const char *name)
{
	for (xmlNode *k = n->children; k != NULL; k = k->next) {
		char *t;

		if (k->type == XML_ELEMENT_NODE && strcmp((const char *)k->name, name) == 0) {
			xmlChar *c = xmlNodeGetContent(k);

			t = xstrdup((const char *)c);
			xmlFree(c);
			return t;
		}
		if ((t = find_text(k, name)) != NULL)
			return t;
	}
	return NULL;
}

static void test_bodies(void)
{
	static const char *const props[] = {"D:displayname", "CS:getctag",
					    "C:supported-calendar-component-set", "bad name",
					    "X:unknown"};
	static const char *const hrefs[] = {"/cal/a&b.ics", "/cal/<x>.ics", "/cal/q\"'.ics"};
	const char *caldav = "urn:ietf:params:xml:ns:caldav";
	char *b, *t;
	xmlDoc *doc;

	b = davxml_propfind_body(props, sizeof props / sizeof props[0]);
	doc = body_doc(b, "DAV:", "propfind");
	T_OK(strstr(b, "<D:displayname/>") != NULL && strstr(b, "<CS:getctag/>") != NULL);
	T_OK(strstr(b, "<C:supported-calendar-component-set/>") != NULL);
	T_OK(strstr(b, "bad name") == NULL && strstr(b, "X:unknown") == NULL);
	xmlFreeDoc(doc);
	free(b);

	b = davxml_sync_collection_body("http://x/sync/1?a=1&b=<2>");
	doc = body_doc(b, "DAV:", "sync-collection");
	T_OK(strstr(b, "&amp;b=&lt;2&gt;") != NULL);
	T_OK(strstr(b, "<D:sync-level>1</D:sync-level>") != NULL);
	T_OK(strstr(b, "<D:getetag/>") != NULL);
	if (doc != NULL) {
		t = find_text(xmlDocGetRootElement(doc), "sync-token");
		T_STREQ(t, "http://x/sync/1?a=1&b=<2>");
		free(t);
	}
	xmlFreeDoc(doc);
	free(b);
	/* What XML 1.0 cannot carry is dropped: controls, U+FFFE, U+FFFF. */
	b = davxml_sync_collection_body("a\x01"
					"b\xef\xbf\xbe\xef\xbf\xbf"
					"c\xef\xbf\xbd");
	doc = body_doc(b, "DAV:", "sync-collection");
	if (doc != NULL) {
		t = find_text(xmlDocGetRootElement(doc), "sync-token");
		T_STREQ(t, "abc\xef\xbf\xbd");
		free(t);
	}
	xmlFreeDoc(doc);
	free(b);
	b = davxml_sync_collection_body(NULL);
	doc = body_doc(b, "DAV:", "sync-collection");
	T_OK(strstr(b, "<D:sync-token/>") != NULL);
	xmlFreeDoc(doc);
	free(b);

	b = davxml_multiget_body(hrefs, 3);
	doc = body_doc(b, caldav, "calendar-multiget");
	T_OK(strstr(b, "<D:href>/cal/a&amp;b.ics</D:href>") != NULL);
	T_OK(strstr(b, "&lt;x&gt;") != NULL && strstr(b, "q&quot;&apos;.ics") != NULL);
	T_OK(strstr(b, "<C:calendar-data/>") != NULL && strstr(b, "<D:getetag/>") != NULL);
	if (doc != NULL) {
		t = find_text(xmlDocGetRootElement(doc), "href");
		T_STREQ(t, "/cal/a&b.ics");
		free(t);
	}
	xmlFreeDoc(doc);
	free(b);

	b = davxml_calendar_query_body("20260101T000000Z", "20270101T000000Z");
	doc = body_doc(b, caldav, "calendar-query");
	T_OK(strstr(b, "<C:comp-filter name=\"VCALENDAR\">") != NULL);
	T_OK(strstr(b, "<C:comp-filter name=\"VEVENT\">") != NULL);
	T_OK(strstr(b, "<C:time-range start=\"20260101T000000Z\" end=\"20270101T000000Z\"/>") !=
	     NULL);
	xmlFreeDoc(doc);
	free(b);
}

int main(void)
{
	test_radicale();
	test_prefixes();
	test_sync();
	test_multiget();
	test_refused();
	test_limits();
	test_counts();
	test_error_has();
	test_href();
	test_bodies();
	return t_done("davxml");
}

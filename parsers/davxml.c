/* parsers/davxml.c - WebDAV/CalDAV XML over libxml2 (see davxml.h).
 *
 * Parsing is defensive first: the size is checked before libxml2 sees a
 * byte; network access is off (XML_PARSE_NONET), entities are neither
 * substituted (no XML_PARSE_NOENT) nor loaded (no XML_PARSE_DTDLOAD), and a
 * DOCTYPE stops the parser the moment libxml2 reports it, before any
 * entity declaration in it is read: no server answer needs one, and
 * refusing it removes billion-laughs and XXE in one stroke. Elements are
 * matched on namespace URI and local name, never on prefixes, since
 * servers use D:, d:, ns0: or a default namespace. libxml2 types stay in
 * this file.
 *
 * The href normaliser is plain string work (RFC 3986 §5.2 and §6.2.2).
 */
#include "parsers/davxml.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/xalloc.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NS_DAV	  "DAV:"
#define NS_CALDAV "urn:ietf:params:xml:ns:caldav"
#define NS_CS	  "http://calendarserver.org/ns/"

/* --- Reading --- */

static pthread_once_t davxml_once = PTHREAD_ONCE_INIT;

static void davxml_init(void)
{
	xmlInitParser();
}

/* SAX callback for <!DOCTYPE ...>: refuse the document right there. */
static void davxml_doctype(void *ctx, const xmlChar *name, const xmlChar *ext_id,
			   const xmlChar *sys_id)
{
	xmlParserCtxtPtr ctxt = ctx;

	(void)name;
	(void)ext_id;
	(void)sys_id;
	*(int *)ctxt->_private = 1;
	xmlStopParser(ctxt);
}

static int node_depth_ok(xmlNode *n, int depth)
{
	if (depth > DAVXML_MAX_DEPTH)
		return 0;
	for (xmlNode *k = n->children; k != NULL; k = k->next)
		if (k->type == XML_ELEMENT_NODE && !node_depth_ok(k, depth + 1))
			return 0;
	return 1;
}

/* libxml2's own message, one line, or a fallback. */
static void parse_error(xmlParserCtxtPtr ctxt, struct err *err)
{
	const xmlError *e = ctxt != NULL ? xmlCtxtGetLastError(ctxt) : NULL;
	char msg[200] = "not well-formed";

	if (e != NULL && e->message != NULL) {
		size_t n = strcspn(e->message, "\r\n");

		if (n >= sizeof msg)
			n = sizeof msg - 1;
		memcpy(msg, e->message, n);
		msg[n] = '\0';
	}
	err_set(err, ERR_DATA, "not XML: %s (line %d)", msg, e != NULL ? e->line : 0);
}

/* Start tags, or more: every '<' but those of end tags. */
static size_t count_elements(const char *xml, size_t len)
{
	const char *p = xml, *end = xml + len;
	size_t n = 0;

	while (p < end && (p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		p++;
		if (p == end || *p != '/')
			n++;
	}
	return n;
}

/* Parses len bytes with the limits above. Returns the document (free with
 * xmlFreeDoc) or NULL with err set. */
static xmlDoc *xml_read(const char *xml, size_t len, struct err *err)
{
	xmlParserCtxtPtr ctxt = NULL;
	xmlDoc *doc = NULL;
	int doctype = 0;

	if (len > DAVXML_MAX_BYTES || len > INT_MAX) {
		err_set(err, ERR_DATA, "XML body too large (%zu bytes, at most %d)", len,
			DAVXML_MAX_BYTES);
		return NULL;
	}
	if (count_elements(xml, len) > DAVXML_MAX_ELEMENTS) {
		err_set(err, ERR_DATA, "XML with more than %d elements", DAVXML_MAX_ELEMENTS);
		return NULL;
	}
	pthread_once(&davxml_once, davxml_init);
	if ((ctxt = xmlNewParserCtxt()) == NULL)
		oom();
	ctxt->_private = &doctype;
	ctxt->sax->internalSubset = davxml_doctype;
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doctype || (doc != NULL && (doc->intSubset != NULL || doc->extSubset != NULL))) {
		err_set(err, ERR_DATA, "DOCTYPE not allowed");
		goto fail;
	}
	if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
		parse_error(ctxt, err);
		goto fail;
	}
	if (!node_depth_ok(xmlDocGetRootElement(doc), 1)) {
		err_set(err, ERR_DATA, "XML nested deeper than %d", DAVXML_MAX_DEPTH);
		goto fail;
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
fail:
	if (doc != NULL)
		xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return NULL;
}

static int is_el(const xmlNode *n, const char *ns, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL && n->ns->href != NULL &&
	       strcmp((const char *)n->ns->href, ns) == 0 &&
	       strcmp((const char *)n->name, name) == 0;
}

static xmlNode *child_el(const xmlNode *n, const char *ns, const char *name)
{
	for (xmlNode *k = n->children; k != NULL; k = k->next)
		if (is_el(k, ns, name))
			return k;
	return NULL;
}

/* The text of an element (CDATA and character references included),
 * as a new string; white space around it removed unless raw. */
static char *el_text(xmlNode *n, int raw)
{
	xmlChar *c = xmlNodeGetContent(n);
	const char *s, *e;
	char *r;

	if (c == NULL)
		return xstrdup("");
	s = (const char *)c;
	e = s + strlen(s);
	if (!raw) {
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
			e--;
	}
	r = xstrndup(s, (size_t)(e - s));
	xmlFree(c);
	return r;
}

/* "HTTP/1.1 200 OK" -> 200; 0 when it is not a status line. */
static int status_code(xmlNode *n)
{
	char *t = el_text(n, 0), *p;
	int code = 0;

	p = strchr(t, ' ');
	if (strncmp(t, "HTTP/", 5) == 0 && p != NULL && p[1] >= '1' && p[1] <= '5' && p[2] >= '0' &&
	    p[2] <= '9' && p[3] >= '0' && p[3] <= '9' && (p[4] == '\0' || p[4] == ' '))
		code = (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
	free(t);
	return code;
}

/* The first DAV:href inside n, normalised. */
static char *href_in(xmlNode *n, const char *base)
{
	xmlNode *h = child_el(n, NS_DAV, "href");
	char *t, *r;

	if (h == NULL)
		return NULL;
	t = el_text(h, 0);
	r = davxml_href_normalize(base, t);
	free(t);
	return r;
}

static void set_str(char **dst, char *s)
{
	free(*dst);
	*dst = s;
}

static void read_resourcetype(struct davxml_response *r, xmlNode *n)
{
	for (xmlNode *k = n->children; k != NULL; k = k->next) {
		if (is_el(k, NS_CALDAV, "calendar"))
			r->is_calendar = 1;
		else if (is_el(k, NS_DAV, "collection"))
			r->is_collection = 1;
	}
}

/* RFC 4791 §5.2.3: <C:comp name="VEVENT"/> children. */
static void read_components(struct davxml_response *r, xmlNode *n)
{
	r->vevent = 0;
	for (xmlNode *k = n->children; k != NULL; k = k->next) {
		xmlChar *name;

		if (!is_el(k, NS_CALDAV, "comp"))
			continue;
		name = xmlGetProp(k, (const xmlChar *)"name");
		if (name != NULL && strcasecmp((const char *)name, "VEVENT") == 0)
			r->vevent = 1;
		xmlFree(name);
	}
}

/* One property of a 200 propstat. */
static void read_prop(struct davxml_response *r, xmlNode *p, const char *base)
{
	if (is_el(p, NS_DAV, "getetag"))
		set_str(&r->etag, el_text(p, 0));
	else if (is_el(p, NS_CALDAV, "calendar-data"))
		set_str(&r->calendar_data, el_text(p, 1));
	else if (is_el(p, NS_DAV, "displayname"))
		set_str(&r->displayname, el_text(p, 0));
	else if (is_el(p, NS_CS, "getctag"))
		set_str(&r->ctag, el_text(p, 0));
	else if (is_el(p, NS_DAV, "sync-token"))
		set_str(&r->sync_token, el_text(p, 0));
	else if (is_el(p, NS_DAV, "current-user-principal"))
		set_str(&r->current_user_principal, href_in(p, base));
	else if (is_el(p, NS_CALDAV, "calendar-home-set"))
		set_str(&r->calendar_home_set, href_in(p, base));
	else if (is_el(p, NS_DAV, "resourcetype"))
		read_resourcetype(r, p);
	else if (is_el(p, NS_CALDAV, "supported-calendar-component-set"))
		read_components(r, p);
}

/* A propstat: returns its status; reads its properties when it is 200. */
static int read_propstat(struct davxml_response *r, xmlNode *ps, const char *base)
{
	xmlNode *st = child_el(ps, NS_DAV, "status"), *prop;
	int code = st != NULL ? status_code(st) : 0;

	if (code != 200)
		return code;
	for (prop = ps->children; prop != NULL; prop = prop->next)
		if (is_el(prop, NS_DAV, "prop"))
			for (xmlNode *p = prop->children; p != NULL; p = p->next)
				read_prop(r, p, base);
	return code;
}

static struct davxml_response *response_new(struct davxml_multistatus *m, size_t *alloc)
{
	if (m->n == *alloc) {
		*alloc = *alloc == 0 ? 16 : *alloc * 2;
		m->v = xreallocarray(m->v, *alloc, sizeof *m->v);
	}
	memset(&m->v[m->n], 0, sizeof m->v[m->n]);
	m->v[m->n].vevent = 1; /* RFC 4791 §5.2.3: absent means all */
	return &m->v[m->n++];
}

/* RFC 4918 §14.24: response = href, ((href*, status) | (propstat+)). A
 * response with several hrefs and one status becomes one per href. */
static void read_response(struct davxml_multistatus *m, size_t *alloc, xmlNode *resp,
			  const char *base)
{
	xmlNode *st = child_el(resp, NS_DAV, "status");
	int own = st != NULL ? status_code(st) : 0, first = 0, ok = 0;
	struct davxml_response *r = NULL;

	for (xmlNode *k = resp->children; k != NULL; k = k->next) {
		if (is_el(k, NS_DAV, "href") && (r == NULL || own != 0)) {
			char *t = el_text(k, 0);

			r = response_new(m, alloc);
			r->href = davxml_href_normalize(base, t);
			r->status = own;
			free(t);
		}
	}
	if (r == NULL) /* no href: nothing to say about anything */
		return;
	for (xmlNode *k = resp->children; k != NULL; k = k->next) {
		int code;

		if (!is_el(k, NS_DAV, "propstat"))
			continue;
		code = read_propstat(r, k, base);
		if (first == 0)
			first = code;
		ok |= code == 200;
	}
	if (own != 0)
		r->status = own;
	else
		r->status = ok ? 200 : first;
	if (own == 507)
		m->truncated = 1; /* RFC 6578 §3.6 */
}

int davxml_parse_multistatus(const char *xml, size_t len, const char *base_url,
			     struct davxml_multistatus *out, struct err *err)
{
	xmlDoc *doc;
	xmlNode *root;
	size_t alloc = 0;

	memset(out, 0, sizeof *out);
	if ((doc = xml_read(xml, len, err)) == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (!is_el(root, NS_DAV, "multistatus")) {
		err_set(err, ERR_DATA, "not a DAV:multistatus (root element '%.64s')",
			(const char *)root->name);
		xmlFreeDoc(doc);
		return -1;
	}
	for (xmlNode *k = root->children; k != NULL; k = k->next) {
		if (is_el(k, NS_DAV, "response"))
			read_response(out, &alloc, k, base_url);
		else if (is_el(k, NS_DAV, "sync-token"))
			set_str(&out->sync_token, el_text(k, 0));
		if (out->n > DAVXML_MAX_RESPONSES) {
			err_set(err, ERR_DATA, "multistatus with more than %d responses",
				DAVXML_MAX_RESPONSES);
			xmlFreeDoc(doc);
			davxml_multistatus_release(out);
			return -1;
		}
	}
	xmlFreeDoc(doc);
	return 0;
}

void davxml_multistatus_release(struct davxml_multistatus *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++) {
		struct davxml_response *r = &m->v[i];

		free(r->href);
		free(r->etag);
		free(r->calendar_data);
		free(r->displayname);
		free(r->ctag);
		free(r->sync_token);
		free(r->current_user_principal);
		free(r->calendar_home_set);
	}
	free(m->v);
	free(m->sync_token);
	memset(m, 0, sizeof *m);
}

static int has_descendant(xmlNode *n, const char *ns, const char *name)
{
	for (xmlNode *k = n->children; k != NULL; k = k->next)
		if (is_el(k, ns, name) || has_descendant(k, ns, name))
			return 1;
	return 0;
}

int davxml_error_has(const char *xml, size_t len, const char *ns, const char *name)
{
	struct err err;
	xmlDoc *doc;
	xmlNode *root;
	int r;

	if (xml == NULL || ns == NULL || name == NULL)
		return 0;
	err_init(&err);
	if ((doc = xml_read(xml, len, &err)) == NULL)
		return 0;
	root = xmlDocGetRootElement(doc);
	r = is_el(root, NS_DAV, "error") && has_descendant(root, ns, name);
	xmlFreeDoc(doc);
	return r;
}

/* --- hrefs (RFC 3986) --- */

struct url {
	char *scheme; /* owned, lower case, or NULL */
	char *host;   /* owned, lower case, with the port unless it is the default */
	char *path;   /* owned; the rest (path, query) */
};

static void url_release(struct url *u)
{
	free(u->scheme);
	free(u->host);
	free(u->path);
	memset(u, 0, sizeof *u);
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int hexval(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Length of "scheme:" at the start of s (RFC 3986 §3.1), or 0. */
static size_t scheme_len(const char *s)
{
	size_t i = 0;

	if (!is_alpha((unsigned char)s[0]))
		return 0;
	while (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i]) || s[i] == '+' ||
	       s[i] == '-' || s[i] == '.')
		i++;
	return s[i] == ':' ? i : 0;
}

/* "user@Host:443" -> "host" for https; the user part is dropped. */
static char *authority_norm(const char *a, size_t n, const char *scheme)
{
	const char *at = memchr(a, '@', n), *colon;
	char *h;
	size_t hn;

	if (at != NULL) {
		n -= (size_t)(at + 1 - a);
		a = at + 1;
	}
	colon = NULL;
	for (size_t i = n; i-- > 0 && a[i] != ']';)
		if (a[i] == ':') {
			colon = a + i;
			break;
		}
	hn = colon != NULL ? (size_t)(colon - a) : n;
	if (colon != NULL) {
		const char *port = colon + 1;
		size_t pn = n - hn - 1;

		if (pn == 0 ||
		    (scheme != NULL &&
		     ((strcmp(scheme, "https") == 0 && pn == 3 && memcmp(port, "443", 3) == 0) ||
		      (strcmp(scheme, "http") == 0 && pn == 2 && memcmp(port, "80", 2) == 0))))
			colon = NULL; /* the default port */
	}
	h = xstrndup(a, colon != NULL ? n : hn);
	for (char *p = h; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return h;
}

/* Splits an absolute URL, or a path when there is no "scheme://". */
static void url_split(const char *s, struct url *u)
{
	size_t sl = scheme_len(s), an;

	memset(u, 0, sizeof *u);
	if (sl > 0 && s[sl + 1] == '/' && s[sl + 2] == '/') {
		u->scheme = xstrndup(s, sl);
		for (char *p = u->scheme; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		s += sl + 3;
		an = strcspn(s, "/?#");
		u->host = authority_norm(s, an, u->scheme);
		s += an;
	}
	u->path = xstrndup(s, strcspn(s, "#"));
}

/* RFC 3986 §6.2.2.2: %XX of an unreserved character becomes the
 * character, other %xx become %XX; characters a path may not hold raw
 * (space, non-ASCII, quotes ...) are encoded, so that "a b" and "a%20b"
 * are one spelling. */
static void pct_normalize(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		int h1, h2;

		if (c == '%' && (h1 = hexval((unsigned char)s[1])) >= 0 &&
		    (h2 = hexval((unsigned char)s[2])) >= 0) {
			c = (unsigned char)(h1 * 16 + h2);
			s += 2;
			if (is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' ||
			    c == '~')
				buf_addch(b, (char)c);
			else
				buf_addf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
		} else if (is_alpha(c) || is_digit(c) || strchr("-._~!$&'()*+,;=:@/?", c) != NULL) {
			buf_addch(b, (char)c);
		} else {
			buf_addf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
		}
	}
}

/* RFC 3986 §5.2.4, on a path that starts with "/"; the query is left be. */
static char *remove_dots(const char *in)
{
	size_t qn = strcspn(in, "?"), n = 0;
	char *out = xmalloc(strlen(in) + 2);
	const char *p = in, *end = in + qn;

	while (p < end) {
		const char *seg = p + 1, *next = memchr(seg, '/', (size_t)(end - seg));
		size_t sn;

		if (next == NULL)
			next = end;
		sn = (size_t)(next - seg);
		if (sn == 1 && seg[0] == '.') {
			if (next == end)
				out[n++] = '/';
		} else if (sn == 2 && seg[0] == '.' && seg[1] == '.') {
			while (n > 0 && out[--n] != '/')
				;
			if (next == end)
				out[n++] = '/';
		} else {
			out[n++] = '/';
			memcpy(out + n, seg, sn);
			n += sn;
		}
		p = next;
	}
	if (n == 0)
		out[n++] = '/';
	memcpy(out + n, end, strlen(end) + 1);
	return out;
}

/* RFC 3986 §5.2.3: a relative path joins the base's directory. */
static char *merge_path(const char *base_path, const char *rel)
{
	const char *slash = strrchr(base_path, '/');
	size_t dn = strcspn(base_path, "?");

	if (slash == NULL || (size_t)(slash - base_path) >= dn)
		return xasprintf("/%s", rel);
	return xasprintf("%.*s/%s", (int)(slash - base_path), base_path, rel);
}

char *davxml_href_normalize(const char *base_url, const char *href)
{
	struct url b, h;
	struct buf out;
	char *path, *clean;
	const char *s;
	size_t n;

	if (href == NULL)
		return NULL;
	while (*href == ' ' || *href == '\t' || *href == '\r' || *href == '\n')
		href++;
	n = strlen(href);
	while (n > 0 && strchr(" \t\r\n", href[n - 1]) != NULL)
		n--;
	s = clean = xstrndup(href, n);
	url_split(base_url != NULL ? base_url : "", &b);
	if (s[0] == '/' && s[1] == '/' && b.scheme != NULL) { /* network-path reference */
		char *t = xasprintf("%s:%s", b.scheme, s);

		free(clean);
		s = clean = t;
	}
	url_split(s, &h);
	if (h.scheme == NULL && h.path[0] != '/') {
		path = merge_path(b.path[0] != '\0' ? b.path : "/", h.path);
		free(h.path);
		h.path = path;
	}
	buf_init(&out, (size_t)-1 / 4);
	pct_normalize(&out, h.path[0] != '\0' ? h.path : "/");
	path = remove_dots(out.data[0] == '/' ? out.data : "/");
	buf_reset(&out);
	if (h.scheme != NULL &&
	    !(b.scheme != NULL && strcmp(h.scheme, b.scheme) == 0 && strcmp(h.host, b.host) == 0))
		buf_addf(&out, "%s://%s", h.scheme, h.host); /* another server: keep it */
	buf_addstr(&out, path);
	free(path);
	free(clean);
	url_release(&b);
	url_release(&h);
	return buf_detach(&out, NULL);
}

/* --- Request bodies --- */

#define XML_HEAD "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
#define XMLNS_D	 "xmlns:D=\"DAV:\""
#define XMLNS_C	 "xmlns:C=\"urn:ietf:params:xml:ns:caldav\""
#define XMLNS_CS "xmlns:CS=\"http://calendarserver.org/ns/\""

/* Text or attribute content: the five specials escaped, what XML 1.0
 * cannot carry dropped: control characters, and U+FFFE and U+FFFF (EF BF
 * BE/BF), which fuzz_davxml's well-formedness check found passing. */
static void add_escaped(struct buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == 0xef && (unsigned char)s[1] == 0xbf &&
		    ((unsigned char)s[2] == 0xbe || (unsigned char)s[2] == 0xbf)) {
			s += 2;
			continue;
		}
		switch (c) {
		case '&':
			buf_addstr(b, "&amp;");
			break;
		case '<':
			buf_addstr(b, "&lt;");
			break;
		case '>':
			buf_addstr(b, "&gt;");
			break;
		case '"':
			buf_addstr(b, "&quot;");
			break;
		case '\'':
			buf_addstr(b, "&apos;");
			break;
		default:
			if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r')
				buf_addch(b, (char)c);
		}
	}
}

/* "D:displayname": a known prefix and an XML name, else skipped. */
static int prop_name_ok(const char *p)
{
	const char *colon = strchr(p, ':');

	if (colon == NULL ||
	    !(strncmp(p, "D:", 2) == 0 || strncmp(p, "C:", 2) == 0 || strncmp(p, "CS:", 3) == 0))
		return 0;
	if (!is_alpha((unsigned char)colon[1]))
		return 0;
	for (const char *s = colon + 1; *s != '\0'; s++)
		if (!is_alpha((unsigned char)*s) && !is_digit((unsigned char)*s) && *s != '-' &&
		    *s != '_' && *s != '.')
			return 0;
	return 1;
}

static char *body_detach(struct buf *b)
{
	return buf_detach(b, NULL);
}

char *davxml_propfind_body(const char *const *props, size_t n)
{
	struct buf b;

	buf_init(&b, (size_t)-1 / 4);
	buf_addstr(&b, XML_HEAD "<D:propfind " XMLNS_D " " XMLNS_C " " XMLNS_CS ">\n");
	if (n == 0) {
		buf_addstr(&b, "  <D:allprop/>\n");
	} else {
		buf_addstr(&b, "  <D:prop>\n");
		for (size_t i = 0; i < n; i++)
			if (props[i] != NULL && prop_name_ok(props[i]))
				buf_addf(&b, "    <%s/>\n", props[i]);
		buf_addstr(&b, "  </D:prop>\n");
	}
	buf_addstr(&b, "</D:propfind>\n");
	return body_detach(&b);
}

/* RFC 6578 §3.2: an empty token asks for everything. */
char *davxml_sync_collection_body(const char *sync_token)
{
	struct buf b;

	buf_init(&b, (size_t)-1 / 4);
	buf_addstr(&b, XML_HEAD "<D:sync-collection " XMLNS_D ">\n");
	if (sync_token == NULL || *sync_token == '\0') {
		buf_addstr(&b, "  <D:sync-token/>\n");
	} else {
		buf_addstr(&b, "  <D:sync-token>");
		add_escaped(&b, sync_token);
		buf_addstr(&b, "</D:sync-token>\n");
	}
	buf_addstr(&b, "  <D:sync-level>1</D:sync-level>\n"
		       "  <D:prop>\n    <D:getetag/>\n  </D:prop>\n"
		       "</D:sync-collection>\n");
	return body_detach(&b);
}

/* RFC 4791 §7.9. */
char *davxml_multiget_body(const char *const *hrefs, size_t n)
{
	struct buf b;

	buf_init(&b, (size_t)-1 / 4);
	buf_addstr(&b,
		   XML_HEAD "<C:calendar-multiget " XMLNS_D " " XMLNS_C ">\n"
			    "  <D:prop>\n    <D:getetag/>\n    <C:calendar-data/>\n  </D:prop>\n");
	for (size_t i = 0; i < n; i++) {
		if (hrefs[i] == NULL)
			continue;
		buf_addstr(&b, "  <D:href>");
		add_escaped(&b, hrefs[i]);
		buf_addstr(&b, "</D:href>\n");
	}
	buf_addstr(&b, "</C:calendar-multiget>\n");
	return body_detach(&b);
}

/* RFC 4791 §7.8 and §9.9: VEVENTs overlapping [start, end). */
char *davxml_calendar_query_body(const char *start_utc, const char *end_utc)
{
	struct buf b;

	buf_init(&b, (size_t)-1 / 4);
	buf_addstr(&b, XML_HEAD "<C:calendar-query " XMLNS_D " " XMLNS_C ">\n"
				"  <D:prop>\n    <D:getetag/>\n  </D:prop>\n"
				"  <C:filter>\n    <C:comp-filter name=\"VCALENDAR\">\n"
				"      <C:comp-filter name=\"VEVENT\">\n");
	if ((start_utc != NULL && *start_utc != '\0') || (end_utc != NULL && *end_utc != '\0')) {
		buf_addstr(&b, "        <C:time-range");
		if (start_utc != NULL && *start_utc != '\0') {
			buf_addstr(&b, " start=\"");
			add_escaped(&b, start_utc);
			buf_addch(&b, '"');
		}
		if (end_utc != NULL && *end_utc != '\0') {
			buf_addstr(&b, " end=\"");
			add_escaped(&b, end_utc);
			buf_addch(&b, '"');
		}
		buf_addstr(&b, "/>\n");
	}
	buf_addstr(&b, "      </C:comp-filter>\n    </C:comp-filter>\n  </C:filter>\n"
		       "</C:calendar-query>\n");
	return body_detach(&b);
}

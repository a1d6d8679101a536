/* parsers/davxml.h - WebDAV/CalDAV XML (RFC 4918, 4791, 6578) responses.
 *
 * Parses a 207 multistatus (PROPFIND, calendar-query, calendar-multiget,
 * sync-collection) and DAV error bodies with libxml2: namespace-aware
 * (servers use D:, d:, ns0: or a default namespace: we match on the
 * namespace URI), no network access, no entity expansion, no DTD loading,
 * bounded size and depth. Builds the request bodies too. Pure: no network.
 */
#ifndef PARSERS_DAVXML_H
#define PARSERS_DAVXML_H

#include <stddef.h>

struct err;

/* Bounds on a server's XML; over one, the parse is ERR_DATA.
 * DAVXML_MAX_BYTES: the body (davc keeps no more of an answer either).
 * DAVXML_MAX_DEPTH: element nesting; a multistatus needs about 8.
 * DAVXML_MAX_ELEMENTS: start tags, counted before libxml2 builds its tree,
 * which costs a few hundred bytes an element: 64 MB of "<a/>" would
 * otherwise be 16 million nodes, several GB. A response of a full
 * calendar listing is about 8 elements, so a million is 100,000 objects.
 * DAVXML_MAX_RESPONSES: <response> elements (hrefs) in one multistatus;
 * our biggest is a whole calendar's ETag list, and 100,000 events in one
 * calendar is beyond any we have seen (a busy shared one has ~20,000). */
#define DAVXML_MAX_BYTES     (64 * 1024 * 1024)
#define DAVXML_MAX_DEPTH     64
#define DAVXML_MAX_ELEMENTS  1000000
#define DAVXML_MAX_RESPONSES 100000

/* One <response>: properties from its 200 propstat. */
struct davxml_response {
	char *href;	     /* owned; normalised (davxml_href_normalize against the base) */
	int status;	     /* the response's own <status> (404 for a deleted member in
			      * sync-collection), else 200 when a 200 propstat exists, else the
			      * first propstat's status */
	char *etag;	     /* owned; getetag with quotes as sent, or NULL */
	char *calendar_data; /* owned; C:calendar-data text, or NULL */
	char *displayname;   /* owned, or NULL */
	char *ctag;	     /* owned; CS:getctag, or NULL */
	char *sync_token;    /* owned; D:sync-token property, or NULL */
	char *current_user_principal; /* owned; its href, normalised, or NULL */
	char *calendar_home_set;      /* owned; its (first) href, normalised, or NULL */
	int is_calendar;	      /* resourcetype has C:calendar */
	int is_collection;	      /* resourcetype has D:collection */
	int vevent;		      /* supported-calendar-component-set has VEVENT,
				       * or the property is absent (RFC 4791: all) */
};

struct davxml_multistatus {
	struct davxml_response *v; /* owned */
	size_t n;
	char *sync_token; /* owned; the top-level D:sync-token of a sync-collection reply */
	int truncated;	  /* a response for the collection itself with 507: more to fetch */
};

/* Parses a multistatus; base_url ("https://host:port/path/") resolves
 * relative hrefs. Returns 0, or -1 with err (ERR_DATA): not XML, not a
 * multistatus, too large, too deep, too many elements or responses, or a
 * DOCTYPE/entity declaration (we refuse them rather than expand them). */
int davxml_parse_multistatus(const char *xml, size_t len, const char *base_url,
			     struct davxml_multistatus *out, struct err *err);
void davxml_multistatus_release(struct davxml_multistatus *m);

/* 1 if an error body (<D:error>) holds the element `name` in namespace
 * `ns` (e.g. "DAV:", "valid-sync-token"), else 0. */
int davxml_error_has(const char *xml, size_t len, const char *ns, const char *name);

/* The path of `href` resolved against base_url: absolute ("/cal/a%20b.ics"),
 * percent-decoding applied to unreserved characters only so that two
 * spellings of one resource compare equal, "." and ".." removed, a scheme
 * and host dropped when they are the base's. Returns a new heap string. */
char *davxml_href_normalize(const char *base_url, const char *href);

/* Request bodies (new heap strings, UTF-8 XML). */
char *davxml_propfind_body(const char *const *props, size_t n); /* "D:displayname" ... */
char *davxml_sync_collection_body(const char *sync_token);	/* NULL or "" for initial */
char *davxml_multiget_body(const char *const *hrefs, size_t n);
char *davxml_calendar_query_body(const char *start_utc, const char *end_utc); /* 20260101T000000Z */

#endif

/* sync/davc.c - the CalDAV client over libcurl 7.88 (see davc.h).
 *
 * The only file that includes curl headers. One easy handle per struct
 * davc: its connection cache keeps the socket alive between requests.
 * XML in both directions goes through parsers/davxml.h.
 *
 * Choices worth knowing (LIBRARIES.md has the library facts):
 * - Bodies go with an explicit Content-Length (Radicale refuses chunked
 *   bodies) and an empty "Expect:" (no 100-continue wait).
 * - Over https and on loopback, Basic credentials go with the first
 *   request. Asking libcurl for Basic|Digest instead makes it send every
 *   first request twice (once without credentials, to learn the scheme),
 *   which breaks "an unchanged calendar costs one request". A 401 whose
 *   challenge offers Digest and not Basic switches the handle to Digest
 *   and repeats the request once. Plain http off loopback (only with
 *   allow_plaintext) lets libcurl pick, so Digest wins when offered.
 * - Redirects are followed only during discovery, only to http(s), never
 *   from https to http, and credentials never follow to another host
 *   (libcurl's default).
 * - Time-outs: connect (TCP and TLS handshake) within timeout_s; a
 *   transfer in which no byte moves for timeout_s is abandoned; a whole
 *   transfer may take DAVC_TOTAL_FACTOR times timeout_s. libcurl's own
 *   LOW_SPEED check is set too, but alone it is late: it averages over
 *   about 5 s and counts the request body just sent, so a silent server
 *   was abandoned only after timeout_s + 6 s. A progress callback that
 *   watches for bytes moving does it on time.
 * - requests in struct davc_stats counts what went on the wire (every
 *   request header block libcurl sent, so an auth round trip or a
 *   redirect counts), not calls.
 */
#include "sync/davc.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "core/strset.h"
#include "core/timeutil.h"
#include "core/version.h"
#include "core/xalloc.h"
#include "parsers/davxml.h"

#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The largest answer kept; larger is ERR_DATA (the XML parser's limit). */
#define DAVC_BODY_MAX DAVXML_MAX_BYTES
/* A whole transfer may last this many times the account's timeout. */
#define DAVC_TOTAL_FACTOR 10
/* sync-collection continuations (507) before we call the server broken. */
#define DAVC_SYNC_ROUNDS 10000
/* Retry-After values above this are clipped (a day). */
#define DAVC_RETRY_AFTER_MAX 86400L
/* Protocol trace: longest line, and lines printed per chunk of data. */
#define DAVC_TRACE_LINE	 300
#define DAVC_TRACE_LINES 60

#define NS_DAV "DAV:"

enum davc_method {
	DAVC_PROPFIND,
	DAVC_REPORT,
};

struct davc {
	CURL *curl;	 /* owned */
	char *name;	 /* owned; the account name, for messages */
	char *url;	 /* owned; the account URL as configured */
	char *origin;	 /* owned; "scheme://host[:port]", no user info */
	char *host;	 /* owned; for messages */
	char *user;	 /* owned */
	char *eff_url;	 /* owned; the URL the last answer came from */
	int https;	 /* the account URL is https */
	int basic_first; /* send Basic credentials with the first request */
	int64_t timeout_s;
	enum davc_method method; /* of the request under way, for the stats */
	long retry_after;
	struct davc_stats stats;
	struct buf body; /* the answer's body */
	/* From the headers of the last response, reset at each status line. */
	char retry_hdr[80];
	char location[512];
	int chal_basic, chal_digest;
	int too_big;	       /* the body went past DAVC_BODY_MAX */
	int stalled;	       /* the progress callback gave up on a silent peer */
	int answered;	       /* a status line ever arrived on this handle */
	enum davc_stage stage; /* of the last failure */
	struct timespec moved; /* when a byte last moved either way */
	curl_off_t dl, ul;     /* byte counts seen then */
	char errbuf[CURL_ERROR_SIZE];
};

/* -- small helpers ---------------------------------------------------------- */

static const char *davc_method_name(enum davc_method m)
{
	return m == DAVC_PROPFIND ? "PROPFIND" : "REPORT";
}

static int davc_is_loopback(const char *host)
{
	return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "[::1]") == 0 ||
	       strcmp(host, "::1") == 0 || strcasecmp(host, "localhost") == 0 ||
	       strncmp(host, "127.", 4) == 0;
}

/* Characters that may stand in a URL path as they are (RFC 3986 §3.3
 * pchar, "/" and "?", as davxml_href_normalize leaves them); anything
 * else is percent-encoded. */
static int davc_path_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("-._~!$&'()*+,;=:@/?", c) != NULL);
}

static int davc_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Appends an href path to b, percent-encoding what a URL may not hold
 * (spaces, non-ASCII, "#") and keeping existing %XX escapes. */
static void davc_add_path(struct buf *b, const char *p)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (davc_path_char(c) ||
		    (c == '%' && davc_hex((unsigned char)p[1]) && davc_hex((unsigned char)p[2])))
			buf_addch(b, (char)c);
		else
			buf_addf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
}

static int davc_has_prefix_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* The URL to send a request for href to: a path goes to the account's
 * origin; an absolute URL is used as it is, unless it would take the
 * credentials from https to plain http. Returns a new string or NULL. */
static char *davc_url(const struct davc *dc, const char *href, struct err *err)
{
	struct buf b;
	char *norm = NULL;

	buf_init(&b, 64 * 1024);
	if (davc_has_prefix_ci(href, "https://") || davc_has_prefix_ci(href, "http://")) {
		if (dc->https && davc_has_prefix_ci(href, "http://")) {
			err_set(err, ERR_FINAL,
				"%s points to plain http from an https server: refused (the "
				"password would travel unencrypted)",
				href);
			return NULL;
		}
		davc_add_path(&b, href);
	} else {
		if (href[0] != '/')
			href = norm = davxml_href_normalize(dc->url, href);
		buf_addstr(&b, dc->origin);
		davc_add_path(&b, href);
		free(norm);
	}
	if (b.len == 0 || b.len >= b.max) {
		buf_release(&b);
		err_set(err, ERR_DATA, "href too long");
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* Path of an absolute URL (for comparing hrefs), or the string itself. */
static const char *davc_path_of(const char *url)
{
	const char *p = strstr(url, "://");

	if (p == NULL)
		return url;
	p = strchr(p + 3, '/');
	return p != NULL ? p : "/";
}

/* 1 if two hrefs name the same collection (a trailing '/' aside). */
static int davc_same_href(const char *a, const char *b)
{
	size_t la, lb;

	a = davc_path_of(a);
	b = davc_path_of(b);
	la = strlen(a);
	lb = strlen(b);
	if (la > 0 && a[la - 1] == '/')
		la--;
	if (lb > 0 && b[lb - 1] == '/')
		lb--;
	return la == lb && memcmp(a, b, la) == 0;
}

/* Copies server text for a message: printable ASCII only, bounded. */
static void davc_clean(char *out, size_t size, const char *s)
{
	size_t i = 0;

	if (s != NULL)
		for (; *s != '\0' && i + 1 < size; s++)
			out[i++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	out[i] = '\0';
}

/* -- libcurl callbacks ------------------------------------------------------ */

static size_t davc_on_body(char *p, size_t size, size_t n, void *arg)
{
	struct davc *dc = arg;
	size_t len = size * n;

	dc->stats.bytes += len;
	if (buf_add(&dc->body, p, len) == -1) {
		dc->too_big = 1;
		return 0; /* CURLE_WRITE_ERROR */
	}
	return len;
}

static double davc_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* CURLOPT_XFERINFOFUNCTION, called at least once a second: abandons a
 * transfer in which nothing moved for timeout_s. */
static int davc_on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			    curl_off_t ulnow)
{
	struct davc *dc = arg;

	(void)dltotal;
	(void)ultotal;
	if (dlnow != dc->dl || ulnow != dc->ul) {
		dc->dl = dlnow;
		dc->ul = ulnow;
		clock_gettime(CLOCK_MONOTONIC, &dc->moved);
		return 0;
	}
	if (davc_since(&dc->moved) >= (double)dc->timeout_s) {
		dc->stalled = 1;
		return 1; /* CURLE_ABORTED_BY_CALLBACK */
	}
	return 0;
}

/* Copies a header's value (after "Name:") into out, trimmed. */
static void davc_header_value(const char *p, size_t n, size_t name_len, char *out, size_t size)
{
	const char *v = p + name_len;
	size_t len = n - name_len;

	str_trim(&v, &len);
	if (len >= size)
		len = size - 1;
	memcpy(out, v, len);
	out[len] = '\0';
}

static size_t davc_on_header(char *p, size_t size, size_t n, void *arg)
{
	struct davc *dc = arg;
	size_t len = size * n;

	dc->stats.bytes += len;
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		/* A new response (after a redirect or an auth round trip):
		 * only the last one's headers and body count. */
		dc->answered = 1;
		dc->retry_hdr[0] = dc->location[0] = '\0';
		dc->chal_basic = dc->chal_digest = 0;
		buf_reset(&dc->body);
	} else if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		davc_header_value(p, len, 12, dc->retry_hdr, sizeof dc->retry_hdr);
	} else if (len > 9 && strncasecmp(p, "Location:", 9) == 0) {
		davc_header_value(p, len, 9, dc->location, sizeof dc->location);
	} else if (len > 17 && strncasecmp(p, "WWW-Authenticate:", 17) == 0) {
		char v[64];

		davc_header_value(p, len, 17, v, sizeof v);
		if (davc_has_prefix_ci(v, "Basic"))
			dc->chal_basic = 1;
		else if (davc_has_prefix_ci(v, "Digest"))
			dc->chal_digest = 1;
	}
	return len;
}

static void davc_trace_line(const struct davc *dc, const char *dir, const char *p, size_t n)
{
	char line[DAVC_TRACE_LINE + 1];
	size_t k;

	for (k = 0; k < n && k < DAVC_TRACE_LINE; k++)
		line[k] = (p[k] >= 0x20 && p[k] < 0x7f) || p[k] == '\t' ? p[k] : '.';
	line[k] = '\0';
	if (n > DAVC_TRACE_LINE)
		log_msg(LOG_LVL_TRACE, "caldav %s: %s %s... (%zu bytes)", dc->name, dir, line, n);
	else
		log_msg(LOG_LVL_TRACE, "caldav %s: %s %s", dc->name, dir, line);
}

/* Prints a chunk line by line; a client's Authorization header is
 * replaced, whatever its scheme. */
static void davc_trace_chunk(const struct davc *dc, const char *dir, const char *p, size_t n,
			     int hide_auth)
{
	const char *end = p + n;
	int lines = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		size_t shown = len > 0 && p[len - 1] == '\r' ? len - 1 : len;

		if (++lines > DAVC_TRACE_LINES) {
			log_msg(LOG_LVL_TRACE, "caldav %s: %s ... (%zu more bytes)", dc->name, dir,
				(size_t)(end - p));
			return;
		}
		if (hide_auth &&
		    (str_span_eq_ci(p, shown < 14 ? shown : 14, "Authorization:") ||
		     str_span_eq_ci(p, shown < 20 ? shown : 20, "Proxy-Authorization:")))
			log_msg(LOG_LVL_TRACE, "caldav %s: %s %.*s <hidden>", dc->name, dir,
				p[0] == 'P' || p[0] == 'p' ? 20 : 14, p);
		else if (shown > 0)
			davc_trace_line(dc, dir, p, shown);
		p += nl != NULL ? len + 1 : len;
	}
}

/* CURLOPT_DEBUGFUNCTION: counts the requests sent and, at log level
 * trace, prints the exchange. TLS records are never printed. */
static int davc_on_debug(CURL *h, curl_infotype type, char *p, size_t n, void *arg)
{
	struct davc *dc = arg;

	(void)h;
	if (type == CURLINFO_HEADER_OUT) {
		dc->stats.requests++;
		if (dc->method == DAVC_PROPFIND)
			dc->stats.propfind++;
		else
			dc->stats.report++;
	}
	if (log_level < LOG_LVL_TRACE)
		return 0;
	switch (type) {
	case CURLINFO_TEXT:
		davc_trace_chunk(dc, "*", p, n, 1);
		break;
	case CURLINFO_HEADER_OUT:
		davc_trace_chunk(dc, "C:", p, n, 1);
		break;
	case CURLINFO_DATA_OUT:
		davc_trace_chunk(dc, "C:", p, n, 0);
		break;
	case CURLINFO_HEADER_IN:
	case CURLINFO_DATA_IN:
		davc_trace_chunk(dc, "S:", p, n, 0);
		break;
	default:
		break;
	}
	return 0;
}

/* -- errors ----------------------------------------------------------------- */

/* Retry-After (RFC 9110 §10.2.3): seconds or an HTTP date. */
static long davc_parse_retry_after(const char *v)
{
	int64_t secs;
	time_t t;

	if (v[0] == '\0')
		return 0;
	if (str_to_i64(v, 0, INT64_MAX, &secs) == 0)
		return secs > DAVC_RETRY_AFTER_MAX ? DAVC_RETRY_AFTER_MAX : (long)secs;
	t = curl_getdate(v, NULL);
	if (t == (time_t)-1)
		return 0;
	t -= time(NULL);
	if (t <= 0)
		return 0;
	return t > DAVC_RETRY_AFTER_MAX ? DAVC_RETRY_AFTER_MAX : (long)t;
}

/* 1 if a TLS handshake error looks like the connection breaking rather
 * than the two sides disagreeing (which no retry fixes). */
static int davc_tls_transient(const char *msg)
{
	return strstr(msg, "non-properly terminated") != NULL ||
	       strstr(msg, "pull function") != NULL || strstr(msg, "push function") != NULL ||
	       strstr(msg, "reset by peer") != NULL;
}

/* Maps a libcurl failure of `what` to err, once (STYLE 2.4). Always -1. */
static int davc_curl_fail(struct davc *dc, CURLcode rc, const char *what, struct err *err)
{
	char msg[CURL_ERROR_SIZE];

	davc_clean(msg, sizeof msg, dc->errbuf[0] != '\0' ? dc->errbuf : curl_easy_strerror(rc));
	/* Connect until the server has ever answered; TLS refusals below. */
	dc->stage = dc->answered ? DAVC_STAGE_SERVICE : DAVC_STAGE_CONNECT;
	switch (rc) {
	case CURLE_OUT_OF_MEMORY:
		oom();
	case CURLE_WRITE_ERROR:
		if (dc->too_big)
			return err_set(err, ERR_DATA, "%s: the answer of %s is larger than %d MiB",
				       what, dc->host, DAVC_BODY_MAX / (1024 * 1024));
		return err_set(err, ERR_TEMP, "%s: %s", what, msg);
	case CURLE_ABORTED_BY_CALLBACK:
		if (dc->stalled)
			return err_set(err, ERR_TEMP, "%s: no answer from %s within %lld s", what,
				       dc->host, (long long)dc->timeout_s);
		return err_set(err, ERR_TEMP, "%s: %s", what, msg);
	case CURLE_OPERATION_TIMEDOUT:
		return err_set(err, ERR_TEMP, "%s: no answer from %s within %lld s (%s)", what,
			       dc->host, (long long)dc->timeout_s, msg);
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return err_set(err, ERR_TEMP, "%s: cannot connect to %s: %s", what, dc->host, msg);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_INVALIDCERTSTATUS:
		dc->stage = DAVC_STAGE_TLS;
		return err_set(err, ERR_FINAL, "%s: TLS certificate of %s not accepted: %s", what,
			       dc->host, msg);
	case CURLE_SSL_CONNECT_ERROR:
		if (davc_tls_transient(msg))
			return err_set(err, ERR_TEMP, "%s: TLS connection to %s lost: %s", what,
				       dc->host, msg);
		dc->stage = DAVC_STAGE_TLS;
		return err_set(err, ERR_FINAL,
			       "%s: TLS handshake with %s failed (certificate or protocol): %s",
			       what, dc->host, msg);
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_CIPHER:
	case CURLE_USE_SSL_FAILED:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_NOT_BUILT_IN:
		return err_set(err, ERR_FINAL, "%s: %s", what, msg);
	default:
		return err_set(err, ERR_TEMP, "%s: %s: %s", what, dc->host, msg);
	}
}

/* Maps an HTTP status that is not the one `what` wanted to err. Always -1. */
static int davc_http_fail(struct davc *dc, long status, const char *what, const char *url,
			  struct err *err)
{
	char loc[sizeof dc->location];

	dc->stage = status == 401 || status == 403 ? DAVC_STAGE_LOGIN : DAVC_STAGE_SERVICE;
	if (status == 401)
		return err_set(err, ERR_AUTH,
			       "authentication failed for %s at %s (check the password)", dc->user,
			       url);
	if (status == 403)
		return err_set(
			err, ERR_AUTH,
			"%s: access denied for %s (HTTP 403; check the user name and the URL)",
			what, dc->user);
	if (status == 404 || status == 410)
		return err_set(err, ERR_FINAL, "%s: not found on %s (HTTP %ld)", what, dc->host,
			       status);
	if (status == 429 || (status >= 500 && status <= 599)) {
		dc->retry_after = davc_parse_retry_after(dc->retry_hdr);
		if (dc->retry_after > 0) {
			err_set(err, ERR_WAIT, "%s: %s answered HTTP %ld (retry after %ld s)", what,
				dc->host, status, dc->retry_after);
			if (err != NULL && err->wait_s == 0)
				err->wait_s = dc->retry_after;
			return -1;
		}
		return err_set(err, ERR_WAIT, "%s: %s answered HTTP %ld", what, dc->host, status);
	}
	if (status == 408)
		return err_set(err, ERR_TEMP, "%s: %s answered HTTP 408 (request time-out)", what,
			       dc->host);
	if (status >= 300 && status <= 399) {
		davc_clean(loc, sizeof loc, dc->location);
		return err_set(err, ERR_FINAL, "%s: moved (HTTP %ld to '%s'); update the URL", what,
			       status, loc);
	}
	if (status >= 200 && status <= 299)
		return err_set(err, ERR_DATA, "%s: %s answered HTTP %ld, not a multistatus", what,
			       dc->host, status);
	return err_set(err, ERR_FINAL, "%s: %s refused the request (HTTP %ld)", what, dc->host,
		       status);
}

/* -- one request ------------------------------------------------------------ */

static void davc_set_auth(struct davc *dc, long mask)
{
	curl_easy_setopt(dc->curl, CURLOPT_HTTPAUTH, mask);
}

/* Sends one request and waits for its answer, which lands in dc->body
 * (and dc->eff_url). depth may be NULL (no Depth header). Returns 0 with
 * *status_out set whatever the status, or -1 with err for a transfer
 * that failed. */
static int davc_perform(struct davc *dc, enum davc_method m, const char *url, const char *depth,
			const char *body, int follow, long *status_out, struct err *err)
{
	struct curl_slist *hdrs = NULL;
	char depth_hdr[32], what[600];
	const char *eff = NULL;
	CURLcode rc;
	int rounds = 0, ret = -1;

	*status_out = 0;
	snprintf(what, sizeof what, "%s %s", davc_method_name(m), url);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/xml; charset=utf-8");
	if (hdrs == NULL || curl_slist_append(hdrs, "Expect:") == NULL)
		oom();
	if (depth != NULL) {
		snprintf(depth_hdr, sizeof depth_hdr, "Depth: %s", depth);
		if (curl_slist_append(hdrs, depth_hdr) == NULL)
			oom();
	}
	curl_easy_setopt(dc->curl, CURLOPT_URL, url);
	curl_easy_setopt(dc->curl, CURLOPT_CUSTOMREQUEST, davc_method_name(m));
	curl_easy_setopt(dc->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(dc->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	curl_easy_setopt(dc->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(dc->curl, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
	dc->method = m;
	dc->retry_after = 0;
	dc->stage = DAVC_STAGE_SERVICE;
again:
	buf_reset(&dc->body);
	dc->too_big = dc->stalled = 0;
	dc->dl = dc->ul = 0;
	clock_gettime(CLOCK_MONOTONIC, &dc->moved);
	dc->errbuf[0] = '\0';
	dc->retry_hdr[0] = dc->location[0] = '\0';
	dc->chal_basic = dc->chal_digest = 0;
	rc = curl_easy_perform(dc->curl);
	if (rc != CURLE_OK) {
		davc_curl_fail(dc, rc, what, err);
		goto out;
	}
	curl_easy_getinfo(dc->curl, CURLINFO_RESPONSE_CODE, status_out);
	if (*status_out == 401 && dc->basic_first && dc->chal_digest && !dc->chal_basic &&
	    rounds++ == 0) {
		log_debug("caldav %s: %s wants Digest authentication", dc->name, dc->host);
		dc->basic_first = 0;
		davc_set_auth(dc, CURLAUTH_DIGEST);
		goto again;
	}
	if (curl_easy_getinfo(dc->curl, CURLINFO_EFFECTIVE_URL, &eff) != CURLE_OK || eff == NULL)
		eff = url;
	free(dc->eff_url);
	dc->eff_url = xstrdup(eff);
	log_debug("caldav %s: %s: HTTP %ld, %zu bytes", dc->name, what, *status_out, dc->body.len);
	ret = 0;
out:
	curl_easy_setopt(dc->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(dc->curl, CURLOPT_POSTFIELDS, NULL);
	curl_slist_free_all(hdrs);
	return ret;
}

/* A request that must answer with a multistatus, parsed into *ms (base:
 * the URL the answer came from). Any other status goes to davc_http_fail
 * unless *status_out is not NULL, where the caller gets it and a 0 return
 * with an empty *ms (for the statuses it handles itself). */
static int davc_multistatus(struct davc *dc, enum davc_method m, const char *url, const char *depth,
			    const char *body, int follow, struct davxml_multistatus *ms,
			    long *status_out, struct err *err)
{
	char what[600];
	long status;

	memset(ms, 0, sizeof *ms);
	if (davc_perform(dc, m, url, depth, body, follow, &status, err) == -1)
		return -1;
	if (status_out != NULL)
		*status_out = status;
	snprintf(what, sizeof what, "%s %s", davc_method_name(m), url);
	if (status != 207) {
		if (status_out != NULL)
			return 0;
		return davc_http_fail(dc, status, what, url, err);
	}
	if (davxml_parse_multistatus(dc->body.data, dc->body.len, dc->eff_url, ms, err) == -1) {
		err_prefix(err, "%s", what);
		return -1;
	}
	return 0;
}

/* -- open, close ------------------------------------------------------------ */

/* Splits the account URL into origin and host with libcurl's parser
 * (IPv6 literals and default ports handled there). User info in the URL
 * is dropped: the credentials come from the account's user and password
 * only, and the URL appears in messages. */
static int davc_parse_url(struct davc *dc, const char *url, struct err *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *clean = NULL;
	int ret = -1;

	if (u == NULL)
		oom();
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		err_set(err, ERR_FINAL, "'%s' is not a URL", url);
		goto out;
	}
	if (strcasecmp(scheme, "https") != 0 && strcasecmp(scheme, "http") != 0) {
		err_set(err, ERR_FINAL, "'%s' is not an http or https URL", url);
		goto out;
	}
	dc->https = strcasecmp(scheme, "https") == 0;
	if (curl_url_set(u, CURLUPART_USER, NULL, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &clean, 0) != CURLUE_OK) {
		err_set(err, ERR_FINAL, "'%s' is not a URL", url);
		goto out;
	}
	free(dc->url);
	dc->url = xstrdup(clean);
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
		port = NULL;
	dc->host = xstrdup(host);
	dc->origin = port != NULL ?
			     xasprintf("%s://%s:%s", dc->https ? "https" : "http", host, port) :
			     xasprintf("%s://%s", dc->https ? "https" : "http", host);
	dc->basic_first = dc->https || davc_is_loopback(host);
	ret = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(clean);
	curl_url_cleanup(u);
	return ret;
}

static void davc_setup(struct davc *dc, const struct cfg_account *acct, const char *secret)
{
	CURL *h = dc->curl;
	long t = (long)dc->timeout_s;

	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, dc->errbuf);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, dc->https ? "https" : "http,https");
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	/* Keep method and body on 301/302/303 (Radicale's well-known is a 301). */
	curl_easy_setopt(h, CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, t);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, t);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, t * DAVC_TOTAL_FACTOR);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, davc_on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, dc);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "crmsync/" CRMSYNC_VERSION);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, davc_on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, dc);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, davc_on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, dc);
	/* Always on: the debug callback counts requests; it prints only at
	 * log level trace, and libcurl itself never writes to stderr. */
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, davc_on_debug);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, dc);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	if (acct->auth == CFG_AUTH_XOAUTH2) {
		/* auth = bearer: the secret is an OAuth 2.0 access token (RFC 6750). */
		curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, secret != NULL ? secret : "");
		davc_set_auth(dc, CURLAUTH_BEARER);
		dc->basic_first = 0;
	} else {
		curl_easy_setopt(h, CURLOPT_USERNAME, dc->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, secret != NULL ? secret : "");
		davc_set_auth(dc,
			      dc->basic_first ? CURLAUTH_BASIC : CURLAUTH_BASIC | CURLAUTH_DIGEST);
	}
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (acct->ca_file != NULL) {
		/* Only the account's CA, as for IMAP: Debian's GnuTLS libcurl
		 * would otherwise add its default CA path (/etc/ssl/certs). */
		curl_easy_setopt(h, CURLOPT_CAINFO, acct->ca_file);
		curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
	}
	if (!acct->tls_verify) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
		if (dc->https)
			log_warnx("caldav %s: tls_verify = no: the certificate of %s is NOT "
				  "checked; anyone on the path can read the password",
				  dc->name, dc->host);
	}
}

struct davc *davc_open(const struct cfg_account *acct, const char *secret, struct err *err)
{
	struct davc *dc;

	if (acct->url == NULL || acct->url[0] == '\0') {
		err_set(err, ERR_FINAL, "no url for the CalDAV account");
		return NULL;
	}
	dc = xcalloc(1, sizeof *dc);
	buf_init(&dc->body, DAVC_BODY_MAX);
	dc->url = xstrdup(acct->url);
	dc->user = xstrdup(acct->user != NULL  ? acct->user :
			   acct->owner != NULL ? acct->owner :
						 "");
	dc->timeout_s = acct->timeout_s > 0 ? acct->timeout_s : 30;
	dc->stage = DAVC_STAGE_SERVICE;
	if (secret != NULL)
		log_add_secret(secret);
	if (davc_parse_url(dc, acct->url, err) == -1)
		goto fail;
	dc->name = xstrdup(acct->name != NULL ? acct->name : dc->host);
	dc->curl = curl_easy_init();
	if (dc->curl == NULL) {
		err_set(err, ERR_FINAL, "cannot initialise libcurl");
		goto fail;
	}
	davc_setup(dc, acct, secret);
	return dc;
fail:
	davc_close(&dc);
	return NULL;
}

void davc_close(struct davc **dcp)
{
	struct davc *dc = *dcp;

	if (dc == NULL)
		return;
	*dcp = NULL;
	if (dc->curl != NULL)
		curl_easy_cleanup(dc->curl);
	buf_release(&dc->body);
	free(dc->name);
	free(dc->url);
	free(dc->origin);
	free(dc->host);
	free(dc->user);
	free(dc->eff_url);
	free(dc);
}

const struct davc_stats *davc_stats(const struct davc *dc)
{
	return &dc->stats;
}

enum davc_stage davc_failed_stage(const struct davc *dc)
{
	return dc->stage;
}

long davc_retry_after(const struct davc *dc)
{
	return dc->retry_after;
}

/* -- multistatus helpers ---------------------------------------------------- */

/* The response a depth-0 PROPFIND is about: the first with a 200
 * propstat, else the first; NULL when there is none. */
static struct davxml_response *davc_first(struct davxml_multistatus *ms)
{
	for (size_t i = 0; i < ms->n; i++)
		if (ms->v[i].status == 200)
			return &ms->v[i];
	return ms->n > 0 ? &ms->v[0] : NULL;
}

/* Moves the responses of src that keep() accepts to the end of dst and
 * releases src (its sync token is the caller's to take first). keep() is
 * NULL to move all but the collection's own response. */
static void davc_take(struct davxml_multistatus *dst, struct davxml_multistatus *src,
		      const char *self, int (*keep)(const struct davxml_response *))
{
	size_t dropped = 0;

	if (src->n > 0)
		dst->v = xreallocarray(dst->v, dst->n + src->n, sizeof *dst->v);
	for (size_t i = 0; i < src->n; i++) {
		struct davxml_response *r = &src->v[i];

		if ((self != NULL && r->href != NULL && davc_same_href(r->href, self)) ||
		    r->href == NULL || (keep != NULL && !keep(r)))
			src->v[dropped++] = *r; /* released with src below */
		else
			dst->v[dst->n++] = *r;
	}
	src->n = dropped;
	davxml_multistatus_release(src);
}

/* sync-collection (RFC 6578 §3.5): changed members (200, with an ETag)
 * and removed ones (404). Child collections and 507 markers are dropped. */
static int davc_keep_sync(const struct davxml_response *r)
{
	return (r->status == 200 && r->etag != NULL) || r->status == 404;
}

/* calendar-query: members that matched. */
static int davc_keep_200(const struct davxml_response *r)
{
	return r->status == 200;
}

/* After several 507 pages an href may appear more than once; the last
 * word about it is the one that counts (RFC 6578 §3.6). */
static void davc_dedupe_last(struct davxml_multistatus *ms)
{
	struct strset seen;
	struct davxml_multistatus gone;
	size_t keep, k;

	if (ms->n < 2)
		return;
	strset_init(&seen);
	memset(&gone, 0, sizeof gone);
	gone.v = xreallocarray(NULL, ms->n, sizeof *gone.v);
	keep = ms->n;
	for (size_t i = ms->n; i-- > 0;) {
		if (strset_add(&seen, ms->v[i].href, 0, NULL))
			ms->v[--keep] = ms->v[i];
		else
			gone.v[gone.n++] = ms->v[i];
	}
	/* The survivors sit at [keep, n): move them to the front, in order. */
	for (k = 0; keep + k < ms->n; k++)
		ms->v[k] = ms->v[keep + k];
	ms->n = k;
	strset_release(&seen);
	davxml_multistatus_release(&gone);
}

/* -- discovery -------------------------------------------------------------- */

static const char *const davc_discover_props[] = {
	"D:current-user-principal",
	"C:calendar-home-set",
	"D:resourcetype",
	"D:displayname",
	"CS:getctag",
	"D:sync-token",
	"C:supported-calendar-component-set",
};

static const char *const davc_list_props[] = {
	"D:resourcetype",
	"D:displayname",
	"CS:getctag",
	"D:sync-token",
	"C:supported-calendar-component-set",
};

static const char *const davc_state_props[] = {"CS:getctag", "D:sync-token"};

/* What a depth-0 PROPFIND of a discovery step found. */
struct davc_found {
	char *principal;	      /* owned, or NULL */
	char *home;		      /* owned, or NULL */
	struct davxml_response self;  /* borrowed from ms: the resource itself,
				       * zeroed when the answer had none */
	struct davxml_multistatus ms; /* owned */
};

static void davc_found_release(struct davc_found *f)
{
	free(f->principal);
	free(f->home);
	davxml_multistatus_release(&f->ms);
	memset(f, 0, sizeof *f);
}

/* A depth-0 PROPFIND of url for the discovery properties. Returns 0 with
 * *f filled (possibly with nothing useful), 1 when url does not look like
 * WebDAV (404, 405, 400, a web page ...), -1 with err for failures that
 * end discovery (authentication, TLS, network, 5xx). */
static int davc_discover_step(struct davc *dc, const char *url, int follow, struct davc_found *f,
			      struct err *err)
{
	char *body = davxml_propfind_body(davc_discover_props,
					  sizeof davc_discover_props / sizeof *davc_discover_props);
	struct davxml_response *r;
	struct err perr;
	char what[600];
	long status = 0;
	int ret = -1;

	memset(f, 0, sizeof *f);
	snprintf(what, sizeof what, "PROPFIND %s", url);
	if (davc_perform(dc, DAVC_PROPFIND, url, "0", body, follow, &status, err) == -1)
		goto out;
	if (status == 401 || status == 403 || status == 429 || status == 408 ||
	    (status >= 500 && status <= 599 && status != 501)) {
		davc_http_fail(dc, status, what, url, err);
		goto out;
	}
	err_init(&perr);
	if (status != 207 || davxml_parse_multistatus(dc->body.data, dc->body.len, dc->eff_url,
						      &f->ms, &perr) == -1) {
		log_debug("caldav %s: %s: HTTP %ld, no usable multistatus%s%s", dc->name, what,
			  status, perr.kind != ERR_NONE ? ": " : "", perr.msg);
		ret = 1;
		goto out;
	}
	r = davc_first(&f->ms);
	if (r != NULL && r->status == 200) {
		f->self = *r;
		if (r->current_user_principal != NULL)
			f->principal = xstrdup(r->current_user_principal);
		if (r->calendar_home_set != NULL)
			f->home = xstrdup(r->calendar_home_set);
	}
	ret = 0;
out:
	free(body);
	return ret;
}

static struct davc_calendar *davc_cal_push(struct davc_calendar **v, size_t *n,
					   const struct davxml_response *r)
{
	struct davc_calendar *c;
	size_t len = strlen(r->href);

	*v = xreallocarray(*v, *n + 1, sizeof **v);
	c = &(*v)[(*n)++];
	c->href = len > 0 && r->href[len - 1] == '/' ? xstrdup(r->href) : xasprintf("%s/", r->href);
	c->displayname = r->displayname != NULL ? xstrdup(r->displayname) : NULL;
	c->ctag = r->ctag != NULL ? xstrdup(r->ctag) : NULL;
	c->sync_token = r->sync_token != NULL ? xstrdup(r->sync_token) : NULL;
	return c;
}

/* RFC 4791 §6.2.1 then a depth-1 PROPFIND of the home: its calendars that
 * take VEVENTs. */
static int davc_list_home(struct davc *dc, const char *home, struct davc_calendar **out,
			  size_t *n_out, struct err *err)
{
	struct davxml_multistatus ms;
	char *url = NULL, *body = NULL;
	int ret = -1;

	memset(&ms, 0, sizeof ms);
	url = davc_url(dc, home, err);
	if (url == NULL)
		goto out;
	body = davxml_propfind_body(davc_list_props,
				    sizeof davc_list_props / sizeof *davc_list_props);
	if (davc_multistatus(dc, DAVC_PROPFIND, url, "1", body, 0, &ms, NULL, err) == -1)
		goto out;
	for (size_t i = 0; i < ms.n; i++) {
		const struct davxml_response *r = &ms.v[i];

		if (r->href == NULL || r->status != 200 || !r->is_calendar || !r->vevent)
			continue;
		davc_cal_push(out, n_out, r);
	}
	log_debug("caldav %s: %zu VEVENT calendars in %s", dc->name, *n_out, home);
	ret = 0;
out:
	davxml_multistatus_release(&ms);
	free(url);
	free(body);
	return ret;
}

/* current-user-principal → calendar-home-set. */
static int davc_home_of_principal(struct davc *dc, const char *principal, char **home_out,
				  struct err *err)
{
	struct davc_found f;
	char *url = davc_url(dc, principal, err);
	int r;

	if (url == NULL)
		return -1;
	r = davc_discover_step(dc, url, 0, &f, err);
	if (r == 0 && f.home != NULL) {
		*home_out = f.home;
		f.home = NULL;
	} else if (r != -1) {
		err_set(err, ERR_FINAL, "the principal %s names no calendar-home-set", url);
		r = -1;
	}
	davc_found_release(&f);
	free(url);
	return r == -1 ? -1 : 0;
}

int davc_discover(struct davc *dc, struct davc_calendar **out, size_t *n_out, struct err *err)
{
	struct davc_found acct, wk;
	char *home = NULL, *principal = NULL, *wk_url = NULL;
	int r, ret = -1;

	*out = NULL;
	*n_out = 0;
	memset(&wk, 0, sizeof wk);
	/* 1. The account URL: a principal, a home, a calendar, or a server
	 * that names the principal anywhere. */
	r = davc_discover_step(dc, dc->url, 1, &acct, err);
	if (r == -1)
		goto out;
	if (acct.home != NULL) {
		home = acct.home;
		acct.home = NULL;
	} else if (acct.principal != NULL) {
		principal = acct.principal;
		acct.principal = NULL;
	} else {
		/* 2. RFC 6764 §5: the server's well-known URI. */
		wk_url = xasprintf("%s/.well-known/caldav", dc->origin);
		r = davc_discover_step(dc, wk_url, 1, &wk, err);
		if (r == -1)
			goto out;
		if (wk.home != NULL) {
			home = wk.home;
			wk.home = NULL;
		} else if (wk.principal != NULL) {
			principal = wk.principal;
			wk.principal = NULL;
		}
	}
	if (home == NULL && principal != NULL &&
	    davc_home_of_principal(dc, principal, &home, err) == -1)
		goto out;
	if (home == NULL) {
		/* 3. No principal anywhere: the URL itself is all there is. */
		if (acct.self.href != NULL && acct.self.is_calendar) {
			if (acct.self.vevent)
				davc_cal_push(out, n_out, &acct.self);
		} else if (acct.self.href != NULL && acct.self.is_collection) {
			home = xstrdup(acct.self.href);
		} else {
			err_set(err, ERR_FINAL,
				"no CalDAV service found at %s (no current-user-principal, no "
				"calendar-home-set, no calendar)",
				dc->url);
			goto out;
		}
	}
	if (home != NULL && davc_list_home(dc, home, out, n_out, err) == -1)
		goto out;
	ret = 0;
out:
	if (ret == -1) {
		davc_calendars_free(*out, *n_out);
		*out = NULL;
		*n_out = 0;
	}
	davc_found_release(&acct);
	davc_found_release(&wk);
	free(home);
	free(principal);
	free(wk_url);
	return ret;
}

void davc_calendars_free(struct davc_calendar *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].href);
		free(v[i].displayname);
		free(v[i].ctag);
		free(v[i].sync_token);
	}
	free(v);
}

/* -- one calendar ----------------------------------------------------------- */

int davc_calendar_state(struct davc *dc, const char *href, char **ctag_out, char **token_out,
			struct err *err)
{
	struct davxml_multistatus ms;
	struct davxml_response *r;
	char *url = NULL, *body = NULL;
	int ret = -1;

	*ctag_out = *token_out = NULL;
	memset(&ms, 0, sizeof ms);
	url = davc_url(dc, href, err);
	if (url == NULL)
		goto out;
	body = davxml_propfind_body(davc_state_props,
				    sizeof davc_state_props / sizeof *davc_state_props);
	if (davc_multistatus(dc, DAVC_PROPFIND, url, "0", body, 0, &ms, NULL, err) == -1)
		goto out;
	r = davc_first(&ms);
	if (r == NULL || r->status != 200) {
		if (r != NULL && (r->status == 404 || r->status == 403 || r->status == 401))
			err_set(err, ERR_FINAL, "PROPFIND %s: the calendar answered %d", url,
				r->status);
		else
			err_set(err, ERR_DATA, "PROPFIND %s: no properties in the answer", url);
		goto out;
	}
	*ctag_out = r->ctag != NULL ? xstrdup(r->ctag) : NULL;
	*token_out = r->sync_token != NULL ? xstrdup(r->sync_token) : NULL;
	ret = 0;
out:
	davxml_multistatus_release(&ms);
	free(url);
	free(body);
	return ret;
}

/* RFC 6578 §3.2 preconditions: a token the server no longer accepts. */
static int davc_token_rejected(struct davc *dc, long status)
{
	if (status == 410)
		return 1;
	return (status == 403 || status == 409) &&
	       davxml_error_has(dc->body.data, dc->body.len, NS_DAV, "valid-sync-token");
}

int davc_sync_collection(struct davc *dc, const char *href, const char *token,
			 struct davxml_multistatus *out, int *token_invalid, struct err *err)
{
	struct davxml_multistatus page;
	char *url = NULL, *body = NULL, *cur = NULL;
	char what[600];
	long status;
	int ret = -1;

	*token_invalid = 0;
	memset(out, 0, sizeof *out);
	url = davc_url(dc, href, err);
	if (url == NULL)
		goto out;
	snprintf(what, sizeof what, "REPORT sync-collection %s", url);
	cur = xstrdup(token != NULL ? token : "");
	for (unsigned rounds = 0;; rounds++) {
		free(body);
		body = davxml_sync_collection_body(cur);
		/* RFC 6578 §3.2: Depth 0; the body's sync-level says 1. */
		if (davc_multistatus(dc, DAVC_REPORT, url, "0", body, 0, &page, &status, err) == -1)
			goto out;
		if (status != 207) {
			if (cur[0] != '\0' && davc_token_rejected(dc, status)) {
				*token_invalid = 1;
				err_set(err, ERR_FINAL,
					"%s: the server rejected the sync token (HTTP %ld)", what,
					status);
			} else {
				davc_http_fail(dc, status, what, url, err);
			}
			goto out;
		}
		free(out->sync_token);
		out->sync_token = page.sync_token;
		page.sync_token = NULL;
		int more = page.truncated;
		davc_take(out, &page, href, davc_keep_sync);
		if (!more)
			break;
		if (out->sync_token == NULL || strcmp(out->sync_token, cur) == 0) {
			err_set(err, ERR_DATA,
				"%s: truncated answer (507) without a new sync token", what);
			goto out;
		}
		if (rounds + 1 >= DAVC_SYNC_ROUNDS) {
			err_set(err, ERR_DATA, "%s: still truncated after %d requests", what,
				DAVC_SYNC_ROUNDS);
			goto out;
		}
		free(cur);
		cur = xstrdup(out->sync_token);
		if (rounds == 0)
			log_debug("caldav %s: %s: truncated, continuing", dc->name, what);
	}
	if (out->sync_token == NULL) {
		err_set(err, ERR_DATA, "%s: the answer has no sync-token", what);
		goto out;
	}
	davc_dedupe_last(out);
	out->truncated = 0;
	ret = 0;
out:
	if (ret == -1)
		davxml_multistatus_release(out);
	free(url);
	free(body);
	free(cur);
	return ret;
}

/* Percent-encodes hrefs for a request body, as davc_url does for URLs. */
static char **davc_encode_hrefs(const char *const *hrefs, size_t n)
{
	char **v = xreallocarray(NULL, n > 0 ? n : 1, sizeof *v);

	for (size_t i = 0; i < n; i++) {
		struct buf b;

		buf_init(&b, (size_t)-1 / 2);
		davc_add_path(&b, hrefs[i]);
		v[i] = buf_detach(&b, NULL);
	}
	return v;
}

/* A REPORT on a calendar that answers with a multistatus of its members. */
static int davc_report(struct davc *dc, const char *href, const char *depth, const char *body,
		       const char *kind, int (*keep)(const struct davxml_response *),
		       struct davxml_multistatus *out, struct err *err)
{
	struct davxml_multistatus page;
	char *url;
	int ret = -1;

	memset(out, 0, sizeof *out);
	url = davc_url(dc, href, err);
	if (url == NULL)
		return -1;
	if (davc_multistatus(dc, DAVC_REPORT, url, depth, body, 0, &page, NULL, err) == -1) {
		err_prefix(err, "%s", kind);
		goto out;
	}
	out->sync_token = page.sync_token;
	page.sync_token = NULL;
	davc_take(out, &page, href, keep);
	ret = 0;
out:
	free(url);
	return ret;
}

int davc_multiget(struct davc *dc, const char *href, const char *const *hrefs, size_t n,
		  struct davxml_multistatus *out, struct err *err)
{
	char **enc = davc_encode_hrefs(hrefs, n);
	char *body = davxml_multiget_body((const char *const *)enc, n);
	int ret;

	/* RFC 4791 §7.9: no Depth header. */
	ret = davc_report(dc, href, NULL, body, "calendar-multiget", NULL, out, err);
	for (size_t i = 0; i < n; i++)
		free(enc[i]);
	free(enc);
	free(body);
	return ret;
}

/* "20260101T000000Z" (RFC 4791 §9.9 time-range values). */
static void davc_format_utc(int64_t t, char *out, size_t size)
{
	int64_t days = t / 86400, secs = t % 86400, y;
	unsigned m, d;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	tu_civil_from_days(days, &y, &m, &d);
	snprintf(out, size, "%04lld%02u%02uT%02d%02d%02dZ", (long long)y, m, d, (int)(secs / 3600),
		 (int)(secs / 60 % 60), (int)(secs % 60));
}

int davc_calendar_query(struct davc *dc, const char *href, int64_t start, int64_t end,
			struct davxml_multistatus *out, struct err *err)
{
	char s[32], e[32], *body;
	int ret;

	davc_format_utc(start, s, sizeof s);
	davc_format_utc(end, e, sizeof e);
	body = davxml_calendar_query_body(s, e);
	ret = davc_report(dc, href, "1", body, "calendar-query", davc_keep_200, out, err);
	free(body);
	return ret;
}

void davc_global_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("cannot initialise libcurl");
}

void davc_global_cleanup(void)
{
	curl_global_cleanup();
}

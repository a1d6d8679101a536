/* sync/davc.h - a CalDAV client for crmsync, over libcurl.
 *
 * Knows WebDAV and CalDAV (RFC 4918, 4791, 6578, 6764), not CRM rules. One
 * struct davc is one server: one curl easy handle reused for every request,
 * so the connection is kept alive. Not shared between threads. No curl
 * type leaves davc.c; XML goes through parsers/davxml.h.
 *
 * Security: TLS is verified by libcurl (system store, or the account's
 * ca_file); tls_verify = no turns that off with a warning every run. The
 * password goes only into libcurl's auth options (Basic or Digest, chosen
 * by the server's challenge); it and the Authorization header never reach
 * the log, even in the protocol trace (log level trace). A plain http://
 * URL off loopback is refused by the config loader.
 *
 * Errors: ERR_TEMP for connection trouble and time-outs (connect time-out,
 * and a transfer that stays below 1 byte/s for the account's timeout),
 * ERR_WAIT for 429 and 5xx (Retry-After honoured by the caller: see
 * davc_retry_after), ERR_AUTH for 401/403, ERR_FINAL for 404 of a calendar
 * and TLS failures, ERR_DATA for a reply that cannot be parsed.
 */
#ifndef SYNC_DAVC_H
#define SYNC_DAVC_H

#include <stddef.h>
#include <stdint.h>

struct err;
struct cfg_account;
struct davc;
struct davxml_multistatus;

struct davc_stats {
	unsigned long requests; /* every HTTP request sent */
	unsigned long propfind, report, get;
	unsigned long long bytes; /* response bytes received */
};

/* libcurl's process-wide setup and teardown: call once in main, before any
 * thread starts, and at exit. */
void davc_global_init(void);
void davc_global_cleanup(void);

/* Prepares a client for the account's url with `secret` as its password.
 * No request is made yet. */
struct davc *davc_open(const struct cfg_account *acct, const char *secret, struct err *err);
void davc_close(struct davc **dc);
const struct davc_stats *davc_stats(const struct davc *dc);
/* The step a failed request of dc stopped at, so that check-config can
 * name it. */
enum davc_stage {
	DAVC_STAGE_CONNECT, /* name, TCP, or no answer at all yet from the server */
	DAVC_STAGE_TLS,	    /* handshake, certificate chain and host name */
	DAVC_STAGE_LOGIN,   /* the server refused the credentials (401, 403) */
	DAVC_STAGE_SERVICE, /* anything after: an answer that is not what was asked for */
};

/* Where the last failed request failed (DAVC_STAGE_SERVICE also for a
 * failure that was no request's, such as discovery finding nothing). */
enum davc_stage davc_failed_stage(const struct davc *dc);
/* Seconds the server asked us to wait (Retry-After) with the last
 * ERR_WAIT, or 0. */
long davc_retry_after(const struct davc *dc);

struct davc_calendar {
	char *href;	   /* owned; normalised path of the collection, ends in '/' */
	char *displayname; /* owned; may be NULL */
	char *ctag;	   /* owned; may be NULL */
	char *sync_token;  /* owned; may be NULL (server without sync-collection) */
};

/* Discovery (RFC 6764 §6, RFC 4791 §6.2.1): the account URL, then
 * /.well-known/caldav (redirects followed), current-user-principal,
 * calendar-home-set, and a depth-1 PROPFIND of the home listing the
 * calendars that hold VEVENTs, with their ctag and sync-token. Also works
 * when the URL already is a calendar home or a calendar. */
int davc_discover(struct davc *dc, struct davc_calendar **out, size_t *n_out, struct err *err);
void davc_calendars_free(struct davc_calendar *v, size_t n);

/* A depth-0 PROPFIND of one calendar for getctag and sync-token: one
 * request, the no-change check. */
int davc_calendar_state(struct davc *dc, const char *href, char **ctag_out, char **token_out,
			struct err *err);

/* REPORT sync-collection (RFC 6578) from `token` (NULL or "" for the
 * initial sync), following 507 truncation with the new token until the
 * server says it is complete. Fills *out with every changed (status 200,
 * with etag) and removed (status 404) member and the final sync_token.
 * A rejected token (403/409 with valid-sync-token, or 410) is ERR_FINAL
 * with *token_invalid set: the caller re-lists by ETag. */
int davc_sync_collection(struct davc *dc, const char *href, const char *token,
			 struct davxml_multistatus *out, int *token_invalid, struct err *err);

/* REPORT calendar-multiget for hrefs (getetag and calendar-data). */
int davc_multiget(struct davc *dc, const char *href, const char *const *hrefs, size_t n,
		  struct davxml_multistatus *out, struct err *err);

/* REPORT calendar-query: every VEVENT member overlapping [start, end)
 * (UTC seconds), with getetag only (no calendar-data). For servers without
 * sync-collection and for full ETag re-lists. */
int davc_calendar_query(struct davc *dc, const char *href, int64_t start, int64_t end,
			struct davxml_multistatus *out, struct err *err);

#endif

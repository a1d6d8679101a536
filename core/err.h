/* core/err.h - error values with a retry class.
 *
 * A function that can fail in ways its caller must tell apart takes a
 * `struct err *` as its last argument. The first failure recorded wins;
 * callers add context on the way up with err_prefix(). The kind decides
 * what the sync loop does next: retry, back off, give up on the account,
 * or record the one bad item and go on.
 */
#ifndef CORE_ERR_H
#define CORE_ERR_H

enum err_kind {
	ERR_NONE = 0,
	ERR_TEMP,  /* transient: retry soon (connection reset, SQLITE_BUSY, time-out) */
	ERR_WAIT,  /* back off: server 5xx/429, IMAP [UNAVAILABLE] */
	ERR_FINAL, /* won't work until config changes: auth failure, bad config */
	ERR_DATA,  /* this one item is malformed: record it, skip it, continue */
	ERR_USAGE, /* the user's input (command line, config, CSV) is wrong: exit 2 */
	ERR_DB,	   /* the database failed in a way retrying will not fix: exit 4 */
	ERR_AUTH,  /* the server refused the credentials (IMAP LOGIN/AUTHENTICATE, HTTP
		    * 401/403): final like ERR_FINAL, told apart for `crmsync status` */
};

struct err {
	enum err_kind kind;
	char msg[512];
	long wait_s; /* ERR_WAIT: the server's own hint (Retry-After), seconds; 0: none */
};

void err_init(struct err *err);
/* Records the failure unless one is already recorded; returns -1 so callers
 * can write `return err_set(err, ...)`. err may be NULL. */
int err_set(struct err *err, enum err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prepends "context: " to the recorded message. */
void err_prefix(struct err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A short lower-case name for the kind ("temporary", "auth" ...): what sync_runs
 * records as a failed run's error_class, and what status output maps. */
const char *err_kind_name(enum err_kind kind);
/* The process exit code that an error of this kind maps to (SPEC §2). */
int err_exit_code(const struct err *err);

#endif

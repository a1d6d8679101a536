/* core/config.h - the crmsync configuration file (SPEC §3).
 *
 * INI format: `[section]` or `[section "name"]`, `key = value`, `#` and `;`
 * comments (a `#` after a value starts a comment when preceded by white
 * space), lists separated by commas, durations such as `30s`, `5m`, `365d`.
 * Everything is validated at load time: every error names the file, the
 * line and the key ("FILE:LINE: key 'hots' is not known in [imap "alice"];
 * did you mean 'host'?"), so a daemon fails fast instead of mid-run.
 *
 * The loaded struct is immutable and passed down explicitly. Secrets are
 * not read at load time; cfg_secret_resolve() fetches one when a connector
 * needs it and registers it with the log so it is masked everywhere.
 */
#ifndef CORE_CONFIG_H
#define CORE_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct err;

enum cfg_security {
	CFG_SEC_TLS,
	CFG_SEC_STARTTLS,
	CFG_SEC_NONE,
};

enum cfg_auth {
	CFG_AUTH_PLAIN,
	CFG_AUTH_LOGIN,
	CFG_AUTH_XOAUTH2,
};

enum cfg_capture {
	CFG_CAPTURE_METADATA,
	CFG_CAPTURE_SUBJECT,
	CFG_CAPTURE_FULL,
};

enum cfg_autocreate {
	CFG_AUTOCREATE_NO,
	CFG_AUTOCREATE_SENT,
	CFG_AUTOCREATE_SENT_AND_RECEIVED,
};

/* Where a password or token comes from; exactly one of the three is set. */
struct cfg_secret {
	char *cmd;  /* owned; password_cmd, run with /bin/sh -c, first line of stdout */
	char *env;  /* owned; password_env, the variable's name */
	char *file; /* owned; password_file, must not be readable by group or others */
};

struct cfg_list {
	char **items; /* owned, each owned */
	size_t n;
};

enum cfg_account_kind {
	CFG_ACCOUNT_IMAP,
	CFG_ACCOUNT_CALDAV,
};

struct cfg_account {
	enum cfg_account_kind kind;
	char *name; /* owned; the section's "name" */
	char *file; /* owned; config file and line where the section starts */
	int line;
	char *owner; /* owned; required: a team member's email */
	char *user;  /* owned; login name, default: owner */
	struct cfg_secret secret;
	char *ca_file;		  /* owned; NULL: the system store */
	int tls_verify;		  /* default 1 */
	int allow_plaintext;	  /* default 0 */
	int64_t timeout_s;	  /* default 30 */
	enum cfg_capture capture; /* default full */

	/* IMAP only */
	char *host;		    /* owned; required */
	int port;		    /* default 993 for tls, 143 otherwise */
	enum cfg_security security; /* default tls */
	enum cfg_auth
		auth; /* default plain; CalDAV: password (= plain) or bearer (= xoauth2: a token) */
	struct cfg_list folders; /* empty: INBOX plus the \Sent folder */
	struct cfg_list private_folders;
	int64_t since_s; /* first-sync window, default 365d */

	/* CalDAV only */
	char *url;		   /* owned; required, http:// or https:// */
	struct cfg_list calendars; /* empty or "*": all VEVENT calendars */
	int64_t past_s;		   /* default 365d */
	int64_t future_s;	   /* default 90d */
	char *timezone;		   /* owned; IANA name, NULL: the system zone */
};

struct config {
	char *path;		      /* owned; the file it was loaded from, NULL for defaults */
	char *store_path;	      /* owned; [store] path, "~/" expanded; default
				       * ~/.local/share/crmsync/crmsync.db */
	struct cfg_list team_domains; /* [team] domains, lower-cased */
	int log_internal;	      /* [team] log_internal, default 0 */

	struct cfg_account *accounts; /* owned; in file order, IMAP and CalDAV mixed */
	size_t naccounts;

	/* [match] */
	struct cfg_list ignore;	  /* glob patterns over addresses */
	int freemail_default;	  /* 1 when `freemail` includes "default" (the default) */
	struct cfg_list freemail; /* extra freemail domains listed besides "default" */
	int plus_addressing;	  /* default 1 */
	enum cfg_autocreate autocreate_contacts; /* default no */
	char *bcc_address;			 /* owned; NULL if unset */
	int snippet_chars;			 /* default 200, 0..10000 */

	/* [schedule] */
	int64_t interval_s; /* default 5m */
	int64_t jitter_s;   /* default 30s */
	int workers;	    /* accounts synced at once, default 4 */
	int per_server;	    /* of those, at most this many on one server, default 2 */
	/* `crmsync status` alerts when an account logged no new item for this
	 * long; default 24h, 0: never. */
	int64_t quiet_after_s;
};

/* Loads and validates `path`. Returns NULL and sets err (kind ERR_USAGE,
 * message "FILE:LINE: ...") on any problem: unreadable file, syntax error,
 * unknown section or key (with a "did you mean" hint when one is close),
 * bad value, duplicate account name, missing required key, plain text off
 * loopback without allow_plaintext. */
struct config *cfg_load(const char *path, struct err *err);
/* Parses config text held in memory; `name` is used in messages. */
struct config *cfg_load_string(const char *name, const char *text, size_t len, struct err *err);
/* A config with every default and no accounts (used when no file exists). */
struct config *cfg_default(void);
void cfg_free(struct config *cfg);
/* The account with this name and kind, or NULL. */
/* "imap" or "caldav": a kind as the config and the database name it. */
const char *cfg_kind_name(enum cfg_account_kind kind);
const struct cfg_account *cfg_find_account(const struct config *cfg, enum cfg_account_kind kind,
					   const char *name);
/* How an account's connection carries its password. */
enum cfg_wire {
	CFG_WIRE_TLS,		 /* security tls or starttls; an https url */
	CFG_WIRE_PLAIN_LOOPBACK, /* plain text to a loopback address */
	CFG_WIRE_PLAIN_ALLOWED,	 /* plain text elsewhere, under allow_plaintext = yes */
};
enum cfg_wire cfg_account_wire(const struct cfg_account *a);
/* Prints the parsed configuration, secrets shown only by their source
 * ("password_env = ALICE_PW" is printed, the value never is). */
void cfg_print(const struct config *cfg, FILE *fp);
/* Reads the secret of an account: runs the command, reads the variable, or
 * reads the file (refused with ERR_FINAL when the file's mode lets group or
 * others read it). The first line without its newline is returned in a new
 * heap string and registered with log_add_secret(). Errors name the account
 * and never contain the secret. */
char *cfg_secret_resolve(const struct cfg_account *acct, struct err *err);
/* Expands a leading "~/" with $HOME; returns a new heap string. */
char *cfg_expand_home(const char *path);

#endif

/* sync/sync.h - running the connectors: one account at a time, each
 * folder incrementally, every batch committed with its folder state.
 *
 * The sync layer owns the order of things: which folders, which UIDs,
 * when to commit, when to reconnect, what to do with a malformed item. It
 * asks parsers/ to read bytes, match/ to decide, and store/ to remember.
 */
#ifndef SYNC_SYNC_H
#define SYNC_SYNC_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct err;
struct config;
struct cfg_account;
struct store;
struct match_dir;

/* Skip reasons counted per run, in this order. */
enum sync_reason {
	SYNC_R_INTERNAL,
	SYNC_R_AUTOMATED,
	SYNC_R_ROLE_SENDER,
	SYNC_R_IGNORED,
	SYNC_R_UNMATCHED,
	SYNC_R_INVITATION,
	SYNC_NREASONS,
};

extern const char *const sync_reason_names[SYNC_NREASONS];

struct sync_counts {
	int64_t fetched; /* items fetched and looked at */
	int64_t logged;	 /* items logged (new or known activities) */
	int64_t created; /* new activities */
	int64_t skipped; /* items skipped, all reasons */
	int64_t skips[SYNC_NREASONS];
	int64_t errors;	 /* malformed items recorded in parse_errors */
	int64_t removed; /* items found deleted on the server */
	int64_t folders, unchanged_folders;
	int64_t resets;	  /* UIDVALIDITY changes */
	int64_t requests; /* IMAP commands or HTTP requests sent */
};

struct sync_ctx {
	struct store *st;
	const struct config *cfg;
	struct match_dir *dir;
	int dry_run;  /* decide and count, then roll back */
	int progress; /* show progress on stderr (a terminal) */
	/* Show it as records for sync_pool_run's parent instead, on stdout:
	 * "\001INDEX\tFOLDER\tDONE\tTOTAL\n". */
	int progress_records;
	size_t account_index;
	int64_t now;
	/* Other processes write to the database at the same time (parallel
	 * accounts, the daemon): every transaction opens only after the
	 * network is done with its batch. Alone, mail is logged as it
	 * streams in, inside the batch's transaction (faster). */
	int short_tx;
	/* Set (by a signal handler) to stop after the batch in progress is
	 * committed: the account then fails with "interrupted" (ERR_TEMP).
	 * NULL: never. */
	volatile sig_atomic_t *stop;
	/* Test hook: CRMSYNC_TEST_CHUNK sets the UID range per FETCH. */
	uint32_t chunk;
};

struct match_opts;
struct store_item;

/* Parses, matches and stores one mail message: `header` is its header
 * block, `body` (may be NULL) the first bytes of its body. A malformed
 * header is recorded in parse_errors and counted, not returned as an
 * error; -1 means the store failed (err set). Counts go to *c. */
int sync_log_mail(struct sync_ctx *ctx, const struct match_opts *o, const struct store_item *item,
		  const char *header, size_t hlen, const char *body, size_t blen,
		  int64_t internaldate, struct sync_counts *c, struct err *err);

struct ics_occurrence;

/* Matches and stores one calendar occurrence found at `item` (its
 * item_ref set by the caller); counts go to *c. */
int sync_log_meeting(struct sync_ctx *ctx, const struct match_opts *o,
		     const struct store_item *item, const struct ics_occurrence *ev,
		     struct sync_counts *c, struct err *err);

/* Syncs one IMAP account. Returns 0, or -1 with err set (the account
 * failed; what was committed before stays). Counts are added to *c. */
int sync_imap_account(struct sync_ctx *ctx, const struct cfg_account *acct, struct sync_counts *c,
		      struct err *err);

/* Syncs one CalDAV account: meetings from its calendars. */
int sync_caldav_account(struct sync_ctx *ctx, const struct cfg_account *acct, struct sync_counts *c,
			struct err *err);

struct imapc;
struct davc_calendar;

/* The folders an IMAP account syncs, as the server names them, in a new
 * array of new strings (*out, *n_out): the configured ones (not checked to
 * exist), or INBOX plus the \Sent folder (by flag, else by a well-known
 * name, found with a LIST on ic); never one in private_folders. */
int sync_imap_folders(const struct cfg_account *a, struct imapc *ic, char ***out, size_t *n_out,
		      struct err *err);

/* 1 when the calendars setting item ("*", a display name or an href)
 * names the discovered calendar. */
int sync_calendar_matches(const struct cfg_account *a, const char *item,
			  const struct davc_calendar *cal);
/* 1 when the account syncs the calendar: no calendars setting, or an item
 * of it matches. */
int sync_calendar_wanted(const struct cfg_account *a, const struct davc_calendar *cal);

/* Backfills from a Maildir (its cur/ and new/) or an mbox file, as the
 * mailbox of o->owner_id, through the same parser and matcher as IMAP
 * sync. Items are recorded under the account "import" with the path as
 * container, so a re-import logs nothing twice. */
int sync_import_maildir(struct sync_ctx *ctx, const struct match_opts *o, const char *path,
			struct sync_counts *c, struct err *err);
int sync_import_mbox(struct sync_ctx *ctx, const struct match_opts *o, const char *path,
		     struct sync_counts *c, struct err *err);

/* Backfills meetings from an .ics file: every occurrence within
 * [from, to), floating times read in `tz` (NULL: UTC). A file that is not
 * iCalendar is recorded in parse_errors and counted, not an error. */
int sync_import_ics(struct sync_ctx *ctx, const struct match_opts *o, const char *path,
		    int64_t from, int64_t to, const char *tz, struct sync_counts *c,
		    struct err *err);

/* The server an account talks to: the IMAP host, or the CalDAV URL's
 * host[:port]. */
void sync_account_server(const struct cfg_account *a, char *out, size_t size);

/* Runs fn(i, arg) for each of the n accounts in its own child process,
 * at most `workers` at once and at most `per_server` against one server;
 * the value fn returns is the child's exit status, stored in results[i]
 * (1 for a child that died). On a terminal (tty) the children's output
 * is relayed and a live progress line drawn per running account; fn then
 * sets ctx->progress_records. Returns when every child has finished. */
int sync_pool_run(const struct cfg_account *const *accts, size_t n, int workers, int per_server,
		  int tty, int (*fn)(size_t idx, void *arg), void *arg, int *results);

/* 1 (and err set) when ctx->stop asks the sync to stop. */
int sync_stopping(const struct sync_ctx *ctx, struct err *err);

/* Adds the per-item counts of a committed batch to a total. */
void sync_counts_add(struct sync_counts *to, const struct sync_counts *from);

/* Adds one skip of the named reason to the counts. */
void sync_count_skip(struct sync_counts *c, const char *reason);

#endif

/* cli/status.h - the report behind `crmsync status` (docs/status-json.md).
 *
 * Per account: the last run (start, duration, outcome, error), its items
 * fetched, logged and skipped by reason, errors by class over the last run
 * and the last 24 hours, the sync state of each folder and calendar, the
 * newest logged item, and the alerts that make an account unhealthy. Kept
 * apart from the command line so tests can run it on a database and a
 * clock of their own. Reads only.
 */
#ifndef CLI_STATUS_H
#define CLI_STATUS_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct config;
struct err;
struct store;

/* An account is unhealthy when no run succeeded within this many
 * [schedule] intervals; errors_by_class counts the runs started within
 * the last STATUS_ERROR_WINDOW seconds. */
#define STATUS_STALE_INTERVALS 3
#define STATUS_ERROR_WINDOW    (24 * 3600)

struct status_opts {
	int json;		     /* one JSON object, else text */
	const char *const *accounts; /* borrowed; only these (configured or in sync_runs) */
	size_t naccounts;	     /* 0: every account */
	int sync_running;	     /* a sync holds the lock: an unfinished run is running,
				      * not interrupted */
};

/* Appends the status at time `now` to out: the configured accounts in
 * config order, then those found only in sync_runs (in full in the JSON,
 * named in the text's summary; never judged). Returns 0 when every
 * configured account shown is healthy, 1 when one is not, or -1 with err
 * set: ERR_USAGE for an --account name neither configured nor in
 * sync_runs, else the store's error. */
int status_write(struct store *st, const struct config *cfg, int64_t now,
		 const struct status_opts *o, struct buf *out, struct err *err);

#endif

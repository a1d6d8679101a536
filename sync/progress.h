/* sync/progress.h - the live progress line of a sync on a terminal:
 * "ACCOUNT FOLDER: DONE/TOTAL UNIT, RATE/s, ETA Ns", redrawn at most once
 * a second. A lone account draws it on stderr itself; a child of
 * sync_pool_run sends records to its parent, which draws one line per
 * running account with the same format (sync_progress_format). */
#ifndef CRMSYNC_SYNC_PROGRESS_H
#define CRMSYNC_SYNC_PROGRESS_H

#include <stddef.h>
#include <time.h>

struct sync_ctx;

struct sync_progress {
	const struct sync_ctx *ctx;
	const char *account, *unit;
	char folder[128];
	unsigned long done, total, done0;
	struct timespec t0;
	double shown; /* seconds after t0 of the last draw; -1: none yet */
};

/* Formats one line (no newline) into buf; secs and done0 give the rate:
 * (done - done0) / secs, shown with the ETA once a second has passed (with
 * a decimal under 10 a second). */
void sync_progress_format(char *buf, size_t size, const char *account, const char *folder,
			  unsigned long done, unsigned long total, const char *unit, double secs,
			  unsigned long done0);

/* A folder (or calendar) starts: total items to go through. */
void sync_progress_start(struct sync_progress *p, const struct sync_ctx *ctx, const char *account,
			 const char *folder, unsigned long total, const char *unit);
/* done of total so far; draws (or sends) at most once a second. */
void sync_progress_step(struct sync_progress *p, unsigned long done);
/* The folder is over: its line is erased. */
void sync_progress_end(struct sync_progress *p);

/* Seconds since t0 on the monotonic clock. */
double sync_progress_since(const struct timespec *t0);

#endif

/* sync/progress.c - the live progress line; see progress.h. */
#include "sync/progress.h"

#include "sync/sync.h"

#include <stdio.h>
#include <string.h>

double sync_progress_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

void sync_progress_format(char *buf, size_t size, const char *account, const char *folder,
			  unsigned long done, unsigned long total, const char *unit, double secs,
			  unsigned long done0)
{
	/* A rate over less than a second says little. A slow server's rate
	 * (under 10 a second) gets a decimal, so it shows too. */
	double rate = secs >= 1 && done > done0 ? (double)(done - done0) / secs : 0;
	int n = snprintf(buf, size, "%s %s: %lu/%lu%s%s", account, folder, done, total,
			 unit != NULL && *unit != '\0' ? " " : "", unit != NULL ? unit : "");

	if (n < 0 || (size_t)n >= size || rate < 0.05)
		return;
	n += snprintf(buf + n, size - (size_t)n, rate < 9.95 ? ", %.1f/s" : ", %.0f/s", rate);
	if (total > done && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, ", ETA %lus", /* rounded up */
			 (unsigned long)((double)(total - done) / rate + 0.999));
}

static void draw(struct sync_progress *p)
{
	char line[512];

	if (p->ctx->progress_records) {
		/* "\001INDEX\tFOLDER\tDONE\tTOTAL\tUNIT": for sync_pool_run's parent */
		printf("\001%zu\t%s\t%lu\t%lu\t%s\n", p->ctx->account_index, p->folder, p->done,
		       p->total, p->unit != NULL ? p->unit : "");
		fflush(stdout);
		return;
	}
	sync_progress_format(line, sizeof line, p->account, p->folder, p->done, p->total, p->unit,
			     sync_progress_since(&p->t0), p->done0);
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
}

void sync_progress_start(struct sync_progress *p, const struct sync_ctx *ctx, const char *account,
			 const char *folder, unsigned long total, const char *unit)
{
	memset(p, 0, sizeof *p);
	p->ctx = ctx;
	p->account = account;
	p->unit = unit;
	snprintf(p->folder, sizeof p->folder, "%s", folder);
	p->total = total;
	p->shown = -1;
	clock_gettime(CLOCK_MONOTONIC, &p->t0);
}

/* Draws at the first step, then once a second has passed since the last
 * draw (not at each change of the wall clock's second, which could come
 * before the first second of the rate): every draw after the first shows
 * the rate. */
void sync_progress_step(struct sync_progress *p, unsigned long done)
{
	double now;

	p->done = done;
	if (p->ctx == NULL || !p->ctx->progress)
		return;
	now = sync_progress_since(&p->t0);
	if (p->shown >= 0 && now - p->shown < 1)
		return;
	p->shown = now;
	draw(p);
}

void sync_progress_end(struct sync_progress *p)
{
	if (p->ctx != NULL && p->ctx->progress && !p->ctx->progress_records && p->shown >= 0) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->shown = -1;
}

/* sync/check.c - the connection test of check-config (see check.h).
 *
 * The clients say which step of theirs failed (imapc_open_stage,
 * davc_failed_stage); this file maps that onto the test's steps and
 * checks the folders or calendars against what the server has. A time-out
 * is told from the clock: a first step that failed with a transient error
 * after the account's whole timeout was a server that never answered.
 */
#include "sync/check.h"
#include "sync/davc.h"
#include "sync/imapc.h"
#include "sync/sync.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/str.h"
#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Names shown in a "not found" message before "...". */
#define CHECK_LIST_MAX 8

static const enum sync_check_stage check_from_imapc[] = {
	[IMAPC_STAGE_CONNECT] = SYNC_CHECK_CONNECT,
	[IMAPC_STAGE_TLS] = SYNC_CHECK_TLS,
	[IMAPC_STAGE_LOGIN] = SYNC_CHECK_LOGIN,
	[IMAPC_STAGE_READY] = SYNC_CHECK_CONTENT,
};

static const enum sync_check_stage check_from_davc[] = {
	[DAVC_STAGE_CONNECT] = SYNC_CHECK_CONNECT,
	[DAVC_STAGE_TLS] = SYNC_CHECK_TLS,
	[DAVC_STAGE_LOGIN] = SYNC_CHECK_LOGIN,
	[DAVC_STAGE_SERVICE] = SYNC_CHECK_CONTENT,
};

static void check_name_add(struct sync_check *c, const char *name)
{
	c->names = xreallocarray(c->names, c->n + 1, sizeof *c->names);
	c->names[c->n++] = xstrdup(name);
}

static int check_cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Fails the content step for a configured `item` the server lacks,
 * suggesting the closest of the n names it has, or listing them (sorted:
 * servers list in no particular order). */
static int check_not_found(struct sync_check *c, const char *what, const char *key,
			   const char *item, const char **have, size_t n)
{
	const char *best = NULL;
	int bestd = 3;
	struct buf b;

	if (n > 1)
		qsort(have, n, sizeof *have, check_cmp_name);
	for (size_t i = 0; i < n; i++) {
		int d = str_edit_distance(item, have[i]);
		if (d < bestd) {
			bestd = d;
			best = have[i];
		}
	}
	buf_init(&b, sizeof c->err.msg);
	if (best != NULL) {
		buf_addf(&b, "did you mean '%s'?", best);
	} else {
		buf_addstr(&b, n == 0 ? "it has none" : "it has ");
		for (size_t i = 0; i < n && i < CHECK_LIST_MAX; i++)
			buf_addf(&b, "%s%s", i > 0 ? ", " : "", have[i]);
		if (n > CHECK_LIST_MAX)
			buf_addstr(&b, ", ...");
		buf_addch(&b, ';');
	}
	err_set(&c->err, ERR_FINAL, "%s '%s' not found on the server (%s fix '%s')", what, item,
		b.data, key);
	buf_release(&b);
	return -1;
}

/* RFC 3501 §5.1: INBOX is case-insensitive, every other name is not. */
static const struct imapc_folder *check_folder(const struct imapc_folder *f, size_t nf,
					       const char *name)
{
	int inbox = strcasecmp(name, "INBOX") == 0;

	for (size_t i = 0; i < nf; i++)
		if (!f[i].noselect && (strcmp(f[i].name, name) == 0 ||
				       (inbox && strcasecmp(f[i].name, "INBOX") == 0)))
			return &f[i];
	return NULL;
}

/* Every folder sync would read must exist and be selectable. */
static int check_folders(struct sync_check *c, const struct cfg_account *a, struct imapc *ic)
{
	struct imapc_folder *f = NULL;
	const char **have = NULL;
	char **pick = NULL;
	size_t nf = 0, np = 0, nh = 0;
	int rc = -1;

	if (imapc_list(ic, &f, &nf, &c->err) == -1 ||
	    sync_imap_folders(a, ic, &pick, &np, &c->err) == -1)
		goto out;
	have = xcalloc(nf + 1, sizeof *have);
	for (size_t i = 0; i < nf; i++)
		if (!f[i].noselect)
			have[nh++] = f[i].name;
	for (size_t i = 0; i < np; i++) {
		const struct imapc_folder *fo = check_folder(f, nf, pick[i]);
		if (fo == NULL) {
			check_not_found(c, "folder", "folders", pick[i], have, nh);
			goto out;
		}
		check_name_add(c, fo->display);
	}
	if (np == 0) {
		err_set(&c->err, ERR_FINAL, "no folder left to sync: all are in private_folders");
		goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < np; i++)
		free(pick[i]);
	free(pick);
	free(have);
	imapc_folders_free(f, nf);
	return rc;
}

static int check_imap(struct sync_check *c, const struct cfg_account *a, const char *secret)
{
	enum imapc_stage st = IMAPC_STAGE_CONNECT;
	struct imapc *ic;
	int rc;

	ic = imapc_open_stage(a, secret, &st, &c->err);
	c->stage = check_from_imapc[st];
	if (ic == NULL)
		return -1;
	rc = check_folders(c, a, ic);
	imapc_close(&ic);
	return rc;
}

static const char *check_cal_name(const struct davc_calendar *cal)
{
	return cal->displayname != NULL ? cal->displayname : cal->href;
}

/* Every configured calendar must match one the server has (a "*" matches
 * whatever there is), and something must be left to sync. */
static int check_calendars(struct sync_check *c, const struct cfg_account *a,
			   const struct davc_calendar *cals, size_t n)
{
	const char **have = xcalloc(n + 1, sizeof *have);
	int rc = -1;

	for (size_t i = 0; i < n; i++)
		have[i] = check_cal_name(&cals[i]);
	for (size_t k = 0; k < a->calendars.n; k++) {
		const char *item = a->calendars.items[k];
		size_t i = 0;

		while (i < n && !sync_calendar_matches(a, item, &cals[i]))
			i++;
		if (i == n && strcmp(item, "*") != 0) {
			check_not_found(c, "calendar", "calendars", item, have, n);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (sync_calendar_wanted(a, &cals[i]))
			check_name_add(c, have[i]);
	if (c->n == 0) {
		err_set(&c->err, ERR_FINAL, "no calendar with events found at %s", a->url);
		goto out;
	}
	if (c->n > 1)
		qsort(c->names, c->n, sizeof *c->names, check_cmp_name);
	rc = 0;
out:
	free(have);
	return rc;
}

static int check_caldav(struct sync_check *c, const struct cfg_account *a, const char *secret)
{
	struct davc_calendar *cals = NULL;
	struct davc *dc;
	size_t n = 0;
	int rc = -1;

	c->stage = SYNC_CHECK_CONNECT;
	if ((dc = davc_open(a, secret, &c->err)) == NULL)
		return -1;
	if (davc_discover(dc, &cals, &n, &c->err) == -1) {
		c->stage = check_from_davc[davc_failed_stage(dc)];
		goto out;
	}
	c->stage = SYNC_CHECK_CONTENT;
	rc = check_calendars(c, a, cals, n);
out:
	davc_calendars_free(cals, n);
	davc_close(&dc);
	return rc;
}

int sync_check_account(const struct cfg_account *a, const char *secret, struct sync_check *c)
{
	struct timespec t0, t1;
	double secs;
	int rc;

	memset(c, 0, sizeof *c);
	err_init(&c->err);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (a->kind == CFG_ACCOUNT_IMAP)
		rc = check_imap(c, a, secret);
	else
		rc = check_caldav(c, a, secret);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (rc == 0) {
		c->stage = SYNC_CHECK_OK;
		return 0;
	}
	/* The clients round the same way when they word their time-outs. */
	c->timed_out = c->stage == SYNC_CHECK_CONNECT && c->err.kind == ERR_TEMP &&
		       secs + 0.5 >= (double)a->timeout_s;
	return -1;
}

void sync_check_release(struct sync_check *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->names[i]);
	free(c->names);
	c->names = NULL;
	c->n = 0;
}

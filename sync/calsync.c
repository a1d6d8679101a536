/* sync/calsync.c - one CalDAV account, calendar by calendar (SPEC §5.2).
 *
 * Per calendar: one PROPFIND for the ctag and sync-token, and nothing more
 * when they are what we stored. Otherwise sync-collection from the stored
 * token (or, once a day, when the token is refused, or when the server has
 * no sync-collection, a full list compared by ETag), calendar-multiget of
 * the changed objects in batches, each object's occurrences matched and
 * logged (a newer version of a meeting replaces the older), occurrences no
 * longer in an object and objects deleted on the server cancel their
 * meetings. The new token is stored only in the transaction of the last
 * batch it covers: a kill before that replays the same changes, which are
 * idempotent.
 */
#include "sync/sync.h"
#include "sync/davc.h"
#include "sync/progress.h"
#include "core/config.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/strset.h"
#include "core/version.h"
#include "core/xalloc.h"
#include "match/match.h"
#include "parsers/addr.h"
#include "parsers/davxml.h"
#include "parsers/ics.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAL_BATCH      50    /* objects per calendar-multiget and per transaction */
#define CAL_FULL_EVERY 86400 /* a full ETag re-list this often (the window moves) */

struct cal_run {
	struct sync_ctx *ctx;
	const struct cfg_account *acct;
	char *secret;
	struct davc *dc;
	struct match_opts mopts;
	struct sync_counts *total;
	struct sync_counts batch;
	const char *cal; /* the calendar in progress (its href) */
	struct sync_progress progress;
	int64_t from, to; /* the window */
};

static int cal_begin(struct cal_run *r, struct err *err)
{
	memset(&r->batch, 0, sizeof r->batch);
	return r->ctx->dry_run ? 0 : store_begin(r->ctx->st, err);
}

static int cal_commit(struct cal_run *r, struct err *err)
{
	if (!r->ctx->dry_run && store_commit(r->ctx->st, err) == -1)
		return -1;
	sync_counts_add(r->total, &r->batch);
	return 0;
}

static void cal_rollback(struct cal_run *r)
{
	if (!r->ctx->dry_run)
		store_rollback(r->ctx->st);
}

/* ---- one calendar object --------------------------------------------------- */

static int collect_ref(const char *ref, void *arg)
{
	strset_add(arg, ref, 0, NULL);
	return 0;
}

/* Cancels the occurrences of `href` that are in `old` and not marked seen. */
static int cancel_missing(struct cal_run *r, struct strset *old, struct err *err)
{
	for (size_t i = 0; i < old->cap; i++) {
		struct store_item it = {r->acct->name, r->cal, old->keys[i], NULL};
		if (old->keys[i] == NULL || old->vals[i] != 0)
			continue;
		if (store_item_cancel(r->ctx->st, &it, r->from, r->to, r->ctx->now, err) == -1)
			return -1;
		r->batch.removed++;
	}
	return 0;
}

static int log_occurrence(struct cal_run *r, const char *href, const struct ics_occurrence *ev,
			  struct strset *old, struct err *err)
{
	char *ref = xasprintf("%s#%s", href, ev->recurrence_id ? ev->recurrence_id : "");
	struct store_item it = {r->acct->name, r->cal, ref, NULL};
	int rc;

	strset_put(old, ref, 1); /* seen: not cancelled */
	rc = sync_log_meeting(r->ctx, &r->mopts, &it, ev, &r->batch, err);
	free(ref);
	return rc;
}

static int process_object(struct cal_run *r, const struct davxml_response *o, struct err *err)
{
	struct ics_options opt = {r->acct->timezone, r->from, r->to, 0,
				  r->ctx->cfg->plus_addressing};
	struct ics_result res = {NULL, 0, NULL, 0};
	struct strset old;
	struct err perr;
	char *prefix = xasprintf("%s#", o->href);
	int rc = -1;

	strset_init(&old);
	err_init(&perr);
	if (store_each_item_with_prefix(r->ctx->st, r->acct->name, r->cal, prefix, collect_ref,
					&old, err) == -1)
		goto out;
	if (o->calendar_data == NULL ||
	    ics_parse(o->calendar_data, strlen(o->calendar_data), &opt, &res, &perr) == -1) {
		struct store_item it = {r->acct->name, r->cal, o->href, NULL};
		if (perr.kind == ERR_NONE)
			err_set(&perr, ERR_DATA, "no calendar-data in the server's reply");
		log_warnx("%s: %s: %s; recorded and skipped", r->acct->name, o->href, perr.msg);
		r->batch.errors++;
		rc = store_log_parse_error(r->ctx->st, &it, perr.msg, CRMSYNC_VERSION, r->ctx->now,
					   err);
		if (rc == 0)
			rc = store_calendar_item_put(r->ctx->st, r->acct->name, r->cal, o->href,
						     o->etag, NULL, err);
		goto out;
	}
	for (size_t i = 0; i < res.nwarnings; i++)
		log_verbose("%s: %s: %s", r->acct->name, o->href, res.warnings[i]);
	if (res.n == 0 && res.nwarnings > 0) {
		/* Nothing readable and something wrong: record it, do not stay silent. */
		struct store_item it = {r->acct->name, r->cal, o->href, NULL};
		char *what = xasprintf("no meeting could be read: %s", res.warnings[0]);
		log_warnx("%s: %s: %s; recorded", r->acct->name, o->href, what);
		r->batch.errors++;
		rc = store_log_parse_error(r->ctx->st, &it, what, CRMSYNC_VERSION, r->ctx->now,
					   err);
		free(what);
		if (rc == -1)
			goto out;
		rc = -1;
	}
	for (size_t i = 0; i < res.n; i++)
		if (log_occurrence(r, o->href, &res.v[i], &old, err) == -1)
			goto out;
	if (cancel_missing(r, &old, err) == -1 ||
	    store_calendar_item_put(r->ctx->st, r->acct->name, r->cal, o->href, o->etag,
				    res.n > 0 ? res.v[0].uid : NULL, err) == -1)
		goto out;
	rc = 0;
out:
	ics_result_release(&res);
	strset_release(&old);
	free(prefix);
	return rc;
}

/* An object deleted on the server: every occurrence it gave is cancelled. */
static int process_deleted(struct cal_run *r, const char *href, struct err *err)
{
	char *prefix = xasprintf("%s#", href);
	struct strset old;
	int rc = -1;

	strset_init(&old);
	if (store_each_item_with_prefix(r->ctx->st, r->acct->name, r->cal, prefix, collect_ref,
					&old, err) == -1)
		goto out;
	for (size_t i = 0; i < old.cap; i++) {
		struct store_item it = {r->acct->name, r->cal, old.keys[i], NULL};
		if (old.keys[i] == NULL)
			continue;
		if (store_item_cancel(r->ctx->st, &it, INT64_MIN, INT64_MAX, r->ctx->now, err) ==
		    -1)
			goto out;
		r->batch.removed++;
	}
	rc = store_calendar_item_delete(r->ctx->st, r->acct->name, r->cal, href, err);
out:
	strset_release(&old);
	free(prefix);
	return rc;
}

/* ---- changes ------------------------------------------------------------------ */

struct changes {
	char **changed; /* hrefs to fetch */
	size_t nchanged;
	char **deleted;
	size_t ndeleted;
};

static void changes_add(char ***v, size_t *n, const char *href)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = xstrdup(href);
}

static void changes_release(struct changes *c)
{
	for (size_t i = 0; i < c->nchanged; i++)
		free(c->changed[i]);
	for (size_t i = 0; i < c->ndeleted; i++)
		free(c->deleted[i]);
	free(c->changed);
	free(c->deleted);
	memset(c, 0, sizeof *c);
}

struct etag_diff {
	struct strset listed; /* href -> index in the listing */
	const struct davxml_multistatus *ms;
	struct changes *c;
};

static int diff_stored(const char *href, const char *etag, void *arg)
{
	struct etag_diff *d = arg;
	int64_t i;

	if (!strset_get(&d->listed, href, &i)) {
		changes_add(&d->c->deleted, &d->c->ndeleted, href);
		return 0;
	}
	if (etag != NULL && d->ms->v[i].etag != NULL && strcmp(etag, d->ms->v[i].etag) == 0)
		d->ms->v[i].status = -1; /* unchanged: not fetched again */
	return 0;
}

/* A full listing (hrefs and ETags) against what we stored. */
static int diff_listing(struct cal_run *r, const struct davxml_multistatus *ms, struct changes *c,
			struct err *err)
{
	struct etag_diff d = {{0}, ms, c};
	int rc;

	strset_init(&d.listed);
	for (size_t i = 0; i < ms->n; i++)
		if (ms->v[i].status == 200 && strcmp(ms->v[i].href, r->cal) != 0)
			strset_add(&d.listed, ms->v[i].href, (int64_t)i, NULL);
	rc = store_each_calendar_item(r->ctx->st, r->acct->name, r->cal, diff_stored, &d, err);
	for (size_t i = 0; i < ms->n && rc == 0; i++)
		if (ms->v[i].status == 200 && strcmp(ms->v[i].href, r->cal) != 0)
			changes_add(&c->changed, &c->nchanged, ms->v[i].href);
	strset_release(&d.listed);
	return rc;
}

/* What changed since the stored token; *full set when a full re-list by
 * ETag is needed instead. */
static int changes_since(struct cal_run *r, const char *token, struct changes *c, char **new_token,
			 int *full, struct err *err)
{
	struct davxml_multistatus ms = {NULL, 0, NULL, 0};
	struct err e;
	int invalid = 0;

	err_init(&e);
	if (davc_sync_collection(r->dc, r->cal, token, &ms, &invalid, &e) == -1) {
		if (!invalid) {
			*err = e;
			return -1;
		}
		log_warnx("%s: %s: the server refused our sync token; re-listing by ETag",
			  r->acct->name, r->cal);
		*full = 1;
		return 0;
	}
	for (size_t i = 0; i < ms.n; i++) {
		if (strcmp(ms.v[i].href, r->cal) == 0)
			continue;
		if (ms.v[i].status == 404)
			changes_add(&c->deleted, &c->ndeleted, ms.v[i].href);
		else if (ms.v[i].status == 200)
			changes_add(&c->changed, &c->nchanged, ms.v[i].href);
	}
	*new_token = ms.sync_token ? xstrdup(ms.sync_token) : NULL;
	davxml_multistatus_release(&ms);
	return 0;
}

/* Everything, compared by ETag: sync-collection from no token, or a
 * calendar-query over the window on servers without sync-collection. */
static int changes_full(struct cal_run *r, int has_sync, struct changes *c, char **new_token,
			struct err *err)
{
	struct davxml_multistatus ms = {NULL, 0, NULL, 0};
	int invalid = 0, rc;

	if (has_sync)
		rc = davc_sync_collection(r->dc, r->cal, NULL, &ms, &invalid, err);
	else
		rc = davc_calendar_query(r->dc, r->cal, r->from, r->to, &ms, err);
	if (rc == 0)
		rc = diff_listing(r, &ms, c, err);
	if (rc == 0 && has_sync && ms.sync_token != NULL)
		*new_token = xstrdup(ms.sync_token);
	davxml_multistatus_release(&ms);
	return rc;
}

/* ---- one calendar ---------------------------------------------------------------- */

/* Logs the objects of one multiget into the open transaction. */
static int process_batch(struct cal_run *r, const struct davxml_multistatus *ms, struct err *err)
{
	for (size_t i = 0; i < ms->n; i++) {
		if (ms->v[i].status == 404) {
			if (process_deleted(r, ms->v[i].href, err) == -1)
				return -1;
		} else if (ms->v[i].status == 200 && process_object(r, &ms->v[i], err) == -1) {
			return -1;
		}
	}
	return 0;
}

static int put_state(struct cal_run *r, struct store_sync_state *s, const char *token,
		     const char *ctag, int full, struct err *err)
{
	struct store_sync_state v = *s;

	v.exists = 1;
	v.sync_token = (char *)(uintptr_t)token;
	v.ctag = (char *)(uintptr_t)ctag;
	if (full)
		v.last_full_scan = r->ctx->now;
	return store_sync_state_put(r->ctx->st, r->acct->name, cfg_kind_name(r->acct->kind), r->cal,
				    &v, r->ctx->now, err);
}

static int process_deletions(struct cal_run *r, const struct changes *c, struct err *err)
{
	for (size_t k = 0; k < c->ndeleted; k++)
		if (process_deleted(r, c->deleted[k], err) == -1)
			return -1;
	return 0;
}

/* Records an object whose multiget answer we refuse (too large, too many
 * elements, not XML) in its own transaction; without an ETag it is asked
 * for again at the next full listing. */
static int record_bad_href(struct cal_run *r, const char *href, const char *what, struct err *err)
{
	struct store_item it = {r->acct->name, r->cal, href, NULL};

	log_warnx("%s: %s: %s; recorded and skipped", r->acct->name, href, what);
	if (cal_begin(r, err) == -1)
		return -1;
	r->batch.errors++;
	if (store_log_parse_error(r->ctx->st, &it, what, CRMSYNC_VERSION, r->ctx->now, err) == -1) {
		cal_rollback(r);
		return -1;
	}
	return cal_commit(r, err);
}

/* Moves the responses of `from` to the end of `to`. */
static void multistatus_take(struct davxml_multistatus *to, struct davxml_multistatus *from)
{
	to->v = xreallocarray(to->v, to->n + from->n + 1, sizeof *to->v);
	if (from->n > 0)
		memcpy(to->v + to->n, from->v, from->n * sizeof *from->v);
	to->n += from->n;
	free(from->v);
	from->v = NULL;
	from->n = 0;
	davxml_multistatus_release(from);
}

/* calendar-multiget of hrefs[0..n). An answer we refuse as data (over
 * DAVC_BODY_MAX or the XML limits) is narrowed by halves down to the one
 * object, which is recorded and skipped; the others are fetched. On
 * failure *out is left empty. */
static int multiget(struct cal_run *r, char *const *hrefs, size_t n, struct davxml_multistatus *out,
		    struct err *err)
{
	struct davxml_multistatus half = {NULL, 0, NULL, 0};
	struct err derr;

	err_init(&derr);
	if (davc_multiget(r->dc, r->cal, (const char *const *)hrefs, n, out, &derr) == 0)
		return 0;
	if (derr.kind != ERR_DATA) {
		*err = derr;
		return -1;
	}
	if (n == 1)
		return record_bad_href(r, hrefs[0], derr.msg, err);
	if (multiget(r, hrefs, n / 2, out, err) == -1 ||
	    multiget(r, hrefs + n / 2, n - n / 2, &half, err) == -1) {
		davxml_multistatus_release(out);
		return -1;
	}
	multistatus_take(out, &half);
	return 0;
}

/* Applies the changes: batches of objects, then deletions and the new
 * state in the last transaction. */
static int apply(struct cal_run *r, struct changes *c, struct store_sync_state *state,
		 const char *token, const char *ctag, int full, struct err *err)
{
	size_t i = 0;
	int rc = 0;

	sync_progress_start(&r->progress, r->ctx, r->acct->name, r->cal, c->nchanged, "events");
	do {
		size_t n = c->nchanged - i < CAL_BATCH ? c->nchanged - i : CAL_BATCH;
		int last = i + n == c->nchanged;
		struct davxml_multistatus ms = {NULL, 0, NULL, 0};
		/* The objects are fetched before the transaction opens, so a
		 * slow server never holds the database's write lock. */
		if (sync_stopping(r->ctx, err) ||
		    (n > 0 && multiget(r, c->changed + i, n, &ms, err) == -1)) {
			rc = -1;
			break;
		}
		rc = cal_begin(r, err);
		if (rc == 0 && ((n > 0 && process_batch(r, &ms, err) == -1) ||
				(last && process_deletions(r, c, err) == -1) ||
				(last && put_state(r, state, token, ctag, full, err) == -1))) {
			cal_rollback(r);
			rc = -1;
		}
		davxml_multistatus_release(&ms);
		if (rc == -1 || (rc = cal_commit(r, err)) == -1)
			break;
		i += n;
		sync_progress_step(&r->progress, i);
	} while (i < c->nchanged);
	sync_progress_end(&r->progress);
	return rc;
}

static int same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int sync_calendar(struct cal_run *r, const char *href, struct err *err)
{
	struct store_sync_state state;
	struct changes c = {NULL, 0, NULL, 0};
	char *ctag = NULL, *token = NULL, *new_token = NULL;
	int full, rc = -1;

	r->cal = href;
	if (store_sync_state_get(r->ctx->st, r->acct->name, cfg_kind_name(r->acct->kind), href,
				 &state, err) == -1)
		return -1;
	if (davc_calendar_state(r->dc, href, &ctag, &token, err) == -1)
		goto out;
	r->total->folders++;
	full = !state.exists || state.last_full_scan == STORE_NO_TIME ||
	       r->ctx->now - state.last_full_scan >= CAL_FULL_EVERY;
	if (!full && (token != NULL ? same(token, state.sync_token) : same(ctag, state.ctag))) {
		log_verbose("%s: %s: unchanged", r->acct->name, href);
		r->total->unchanged_folders++;
		rc = 0;
		goto out;
	}
	if (!full && token != NULL && state.sync_token != NULL &&
	    changes_since(r, state.sync_token, &c, &new_token, &full, err) == -1)
		goto out;
	if (!full && (token == NULL || state.sync_token == NULL))
		full = 1;
	if (full) {
		changes_release(&c);
		free(new_token);
		new_token = NULL;
		if (changes_full(r, token != NULL, &c, &new_token, err) == -1)
			goto out;
	}
	rc = apply(r, &c, &state, new_token ? new_token : token, ctag, full, err);
	if (rc == 0)
		log_verbose("%s: %s: %s sync, %zu changed, %zu deleted", r->acct->name, href,
			    full ? "full" : "incremental", c.nchanged, c.ndeleted);
out:
	if (rc == -1)
		err_prefix(err, "calendar '%s'", href);
	changes_release(&c);
	store_sync_state_release(&state);
	free(ctag);
	free(token);
	free(new_token);
	return rc;
}

/* ---- calendars --------------------------------------------------------------------- */

int sync_calendar_matches(const struct cfg_account *a, const char *item,
			  const struct davc_calendar *cal)
{
	char *norm;
	int hit;

	if (strcmp(item, "*") == 0 ||
	    (cal->displayname != NULL && strcmp(item, cal->displayname) == 0))
		return 1;
	norm = davxml_href_normalize(a->url, item);
	hit = strcmp(norm, cal->href) == 0 || (strlen(norm) + 1 == strlen(cal->href) &&
					       strncmp(norm, cal->href, strlen(norm)) == 0);
	free(norm);
	return hit;
}

int sync_calendar_wanted(const struct cfg_account *a, const struct davc_calendar *cal)
{
	if (a->calendars.n == 0)
		return 1;
	for (size_t i = 0; i < a->calendars.n; i++)
		if (sync_calendar_matches(a, a->calendars.items[i], cal))
			return 1;
	return 0;
}

/* The calendars filter as one string, to notice when the config changes. */
static char *filter_key(const struct cfg_account *a)
{
	struct buf b;

	buf_init(&b, 1 << 20);
	buf_addf(&b, "%s", a->url);
	for (size_t i = 0; i < a->calendars.n; i++)
		buf_addf(&b, "\n%s", a->calendars.items[i]);
	return buf_detach(&b, NULL);
}

struct href_list {
	char **v;
	size_t n;
};

static int href_add(const char *href, void *arg)
{
	struct href_list *l = arg;

	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = xstrdup(href);
	return 0;
}

static void href_list_free(struct href_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* Discovery costs a few requests, so its result is kept for a day (or
 * until the calendars setting changes, or a calendar disappears): the
 * calendars synced before are the ones to sync. Returns 1 and fills *l
 * when the cache is valid. */
static int cached_calendars(struct cal_run *r, struct href_list *l, struct err *err)
{
	struct store_sync_state d;
	char *key = filter_key(r->acct);
	int ok;

	if (store_sync_state_get(r->ctx->st, r->acct->name, cfg_kind_name(r->acct->kind), "", &d,
				 err) == -1) {
		free(key);
		return -1;
	}
	ok = d.exists && d.ctag != NULL && strcmp(d.ctag, key) == 0 &&
	     d.last_full_scan != STORE_NO_TIME && r->ctx->now - d.last_full_scan < CAL_FULL_EVERY &&
	     r->ctx->now >= d.last_full_scan;
	store_sync_state_release(&d);
	free(key);
	if (!ok)
		return 0;
	if (store_each_container(r->ctx->st, r->acct->name, cfg_kind_name(r->acct->kind), href_add,
				 l, err) == -1)
		return -1;
	return l->n > 0;
}

static int remember_discovery(struct cal_run *r, struct err *err)
{
	struct store_sync_state d;
	int rc;

	if (r->ctx->dry_run)
		return 0;
	memset(&d, 0, sizeof d);
	d.exists = 1;
	d.last_full_scan = r->ctx->now;
	d.ctag = filter_key(r->acct);
	rc = store_sync_state_put(r->ctx->st, r->acct->name, cfg_kind_name(r->acct->kind), "", &d,
				  r->ctx->now, err);
	free(d.ctag);
	return rc;
}

static int forget_discovery(struct cal_run *r)
{
	struct err e;

	err_init(&e);
	return store_sync_state_delete(r->ctx->st, r->acct->name, cfg_kind_name(r->acct->kind), "",
				       &e);
}

/* Makes the account's calendars with a sync state exactly the discovered
 * ones: a calendar gone from the server (or from the setting) is
 * forgotten, a new one gets an empty state, so the cached list is the
 * discovered list even when a run is killed before syncing them all. */
static int record_calendars(struct cal_run *r, const struct href_list *l, struct err *err)
{
	struct href_list have = {NULL, 0};
	int rc = -1;

	if (store_each_container(r->ctx->st, r->acct->name, cfg_kind_name(r->acct->kind), href_add,
				 &have, err) == -1)
		return -1;
	for (size_t i = 0; i < have.n; i++) {
		int keep = 0;
		for (size_t k = 0; k < l->n && !keep; k++)
			keep = strcmp(have.v[i], l->v[k]) == 0;
		if (!keep &&
		    store_sync_state_delete(r->ctx->st, r->acct->name, cfg_kind_name(r->acct->kind),
					    have.v[i], err) == -1)
			goto out;
	}
	for (size_t k = 0; k < l->n; k++) {
		struct store_sync_state s;
		int known = 0;
		for (size_t i = 0; i < have.n && !known; i++)
			known = strcmp(have.v[i], l->v[k]) == 0;
		if (known)
			continue;
		memset(&s, 0, sizeof s);
		s.exists = 1;
		s.last_full_scan = STORE_NO_TIME;
		if (store_sync_state_put(r->ctx->st, r->acct->name, cfg_kind_name(r->acct->kind),
					 l->v[k], &s, r->ctx->now, err) == -1)
			goto out;
	}
	rc = remember_discovery(r, err);
out:
	href_list_free(&have);
	return rc;
}

static int discover(struct cal_run *r, struct href_list *l, struct err *err)
{
	struct davc_calendar *cals = NULL;
	size_t n = 0;
	int rc;

	if (davc_discover(r->dc, &cals, &n, err) == -1)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (sync_calendar_wanted(r->acct, &cals[i]))
			href_add(cals[i].href, l);
	if (l->n == 0)
		log_warnx("%s: no calendar with events matches 'calendars' (%zu found)",
			  r->acct->name, n);
	davc_calendars_free(cals, n);
	if (r->ctx->dry_run)
		return 0;
	if (store_begin(r->ctx->st, err) == -1)
		return -1;
	if ((rc = record_calendars(r, l, err)) == -1) {
		store_rollback(r->ctx->st);
		return -1;
	}
	return store_commit(r->ctx->st, err);
}

static int sync_calendars(struct cal_run *r, struct err *err)
{
	struct href_list l = {NULL, 0};
	int rc = 0, cached;

	if ((cached = cached_calendars(r, &l, err)) == -1)
		return -1;
	if (!cached && discover(r, &l, err) == -1) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < l.n && rc == 0; i++)
		rc = sync_stopping(r->ctx, err) ? -2 : sync_calendar(r, l.v[i], err);
	/* A calendar gone from a cached list: discover again next time. */
	if (rc == -1 && cached)
		forget_discovery(r);
	if (rc == -2)
		rc = -1;
out:
	if (!cached && rc == -1)
		forget_discovery(r);
	href_list_free(&l);
	return rc;
}

int sync_caldav_account(struct sync_ctx *ctx, const struct cfg_account *acct, struct sync_counts *c,
			struct err *err)
{
	struct cal_run r;
	char *owner;
	int64_t promoted = 0;
	int rc = -1;

	memset(&r, 0, sizeof r);
	r.ctx = ctx;
	r.acct = acct;
	r.total = c;
	r.mopts.capture = (int)acct->capture;
	r.mopts.log_internal = ctx->cfg->log_internal;
	r.mopts.snippet_chars = ctx->cfg->snippet_chars;
	r.from = ctx->now - acct->past_s;
	r.to = ctx->now + acct->future_s;
	owner = addr_canonical(acct->owner, ctx->cfg->plus_addressing, NULL);
	r.mopts.owner_id = owner ? match_dir_user(ctx->dir, owner) : -1;
	free(owner);
	if (r.mopts.owner_id < 0)
		return err_set(err, ERR_FINAL,
			       "owner '%s' is not an imported user (crmsync import users FILE)",
			       acct->owner);
	if ((r.secret = cfg_secret_resolve(acct, err)) == NULL)
		return -1;
	if (ctx->dry_run && store_begin(ctx->st, err) == -1)
		goto out;
	if ((r.dc = davc_open(acct, r.secret, err)) == NULL)
		goto out;
	rc = sync_calendars(&r, err);
	if (rc == 0 && !ctx->dry_run)
		rc = store_meetings_promote(ctx->st, ctx->now, &promoted, err);
	c->requests += (int64_t)davc_stats(r.dc)->requests;
out:
	if (ctx->dry_run)
		store_rollback(ctx->st);
	davc_close(&r.dc);
	if (r.secret != NULL) {
		explicit_bzero(r.secret, strlen(r.secret));
		free(r.secret);
	}
	return rc;
}

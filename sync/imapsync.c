/* sync/imapsync.c - one IMAP account, folder by folder (SPEC §5.1).
 *
 * Per folder: STATUS, and nothing more when UIDVALIDITY, UIDNEXT, MESSAGES
 * and HIGHESTMODSEQ are what we stored. Otherwise EXAMINE, deletions
 * (QRESYNC VANISHED, or a UID diff at most once a day), then the new UIDs
 * in ranges; each range's messages and the folder's new position commit in
 * one transaction, so a kill at any point loses nothing and logs nothing
 * twice. A UIDVALIDITY change forgets the folder's item records and
 * re-scans it; activities are found again by identity, not duplicated.
 *
 * A response libetpan cannot parse kills the connection: we reconnect and
 * narrow the range by halves down to the one UID, record that UID in
 * parse_errors and go on.
 */
#include "sync/sync.h"
#include "sync/imapc.h"
#include "sync/progress.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/version.h"
#include "core/xalloc.h"
#include "match/match.h"
#include "parsers/addr.h"
#include "parsers/mail.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SYNC_CHUNK	    1000
#define SYNC_UIDDIFF_EVERY  86400
#define SYNC_SNIPPET_FACTOR 8 /* raw body bytes fetched per snippet character */
/* Body bytes fetched to see the first parts (an invitation's text/calendar). */
#define SYNC_BODY_MIN 2048

/* One account's run. */
struct acct_run {
	struct sync_ctx *ctx;
	const struct cfg_account *acct;
	char *secret; /* owned */
	struct imapc *ic;
	struct match_opts mopts;
	struct sync_counts *total;
	/* the folder in progress */
	const char *folder;
	struct imapc_mailbox mb;
	int64_t since;		  /* first-sync window start, or 0 */
	struct sync_counts batch; /* counts of the open transaction */
	size_t body_bytes;
	struct sync_progress progress;
};

/* Transactions per batch; a dry run keeps one for the whole account. */
static int tx_begin(struct acct_run *r, struct err *err)
{
	memset(&r->batch, 0, sizeof r->batch);
	return r->ctx->dry_run ? 0 : store_begin(r->ctx->st, err);
}

static int tx_commit(struct acct_run *r, struct err *err)
{
	if (!r->ctx->dry_run && store_commit(r->ctx->st, err) == -1)
		return -1;
	sync_counts_add(r->total, &r->batch);
	memset(&r->batch, 0, sizeof r->batch);
	return 0;
}

static void tx_rollback(struct acct_run *r)
{
	if (!r->ctx->dry_run)
		store_rollback(r->ctx->st);
	memset(&r->batch, 0, sizeof r->batch);
}

static int run_connect(struct acct_run *r, struct err *err)
{
	imapc_close(&r->ic);
	r->ic = imapc_open(r->acct, r->secret, err);
	return r->ic == NULL ? -1 : 0;
}

/* ---- one message ------------------------------------------------------- */

static void item_ref(char *out, size_t size, uint32_t uidvalidity, uint32_t uid)
{
	snprintf(out, size, "%" PRIu32 ":%" PRIu32, uidvalidity, uid);
}

/* The messages of one FETCH, copied, so that the transaction that logs
 * them opens after the network is done with: a slow server never holds
 * the database's write lock, which other accounts' syncs wait for. */
struct fetched {
	uint32_t uid;
	int64_t internaldate;
	char *header, *body; /* owned; body may be NULL */
	size_t header_len, body_len;
};

struct fetched_set {
	struct fetched *v;
	size_t n, cap;
	/* Streaming instead (one writer: nobody waits for our lock): each
	 * message is logged as it arrives, into the open transaction. */
	struct acct_run *stream;
	struct err stream_err; /* why logging stopped the fetch */
};

static int log_fetched(struct acct_run *r, const struct fetched *f, struct err *err);

static void fetched_release(struct fetched_set *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->v[i].header);
		free(fs->v[i].body);
	}
	free(fs->v);
	fs->v = NULL;
	fs->n = fs->cap = 0;
}

/* A copy of n bytes (NULs included), NUL-terminated. */
static char *bytes_dup(const char *p, size_t n)
{
	char *c = xmalloc(n + 1);

	if (n > 0)
		memcpy(c, p, n);
	c[n] = '\0';
	return c;
}

static int on_message(const struct imapc_msg *m, void *arg)
{
	struct fetched_set *fs = arg;
	struct fetched *f;

	if (fs->stream != NULL) {
		struct fetched one = {m->uid,
				      m->internaldate,
				      (char *)(uintptr_t)m->header,
				      (char *)(uintptr_t)m->body,
				      m->header != NULL ? m->header_len : 0,
				      m->body != NULL ? m->body_len : 0};
		return log_fetched(fs->stream, &one, &fs->stream_err);
	}
	if (fs->n == fs->cap) {
		fs->cap = fs->cap == 0 ? 64 : fs->cap * 2;
		fs->v = xreallocarray(fs->v, fs->cap, sizeof *fs->v);
	}
	f = &fs->v[fs->n++];
	f->uid = m->uid;
	f->internaldate = m->internaldate;
	/* A chunk's messages are kept until its transaction: keep no more of
	 * a header than the parser reads (a server may send megabytes). */
	f->header_len = m->header != NULL ? m->header_len : 0;
	if (f->header_len > MAIL_HEADER_SCAN)
		f->header_len = MAIL_HEADER_SCAN;
	f->header = bytes_dup(m->header, f->header_len);
	f->body = m->body != NULL ? bytes_dup(m->body, m->body_len) : NULL;
	f->body_len = m->body != NULL ? m->body_len : 0;
	return 0;
}

/* Logs one fetched message into the open transaction. */
static int log_fetched(struct acct_run *r, const struct fetched *f, struct err *err)
{
	struct store_item item;
	char ref[32];

	sync_progress_step(&r->progress, r->progress.done + 1);
	if (r->since != 0 && f->internaldate != 0 && f->internaldate < r->since)
		return 0; /* before the first-sync window */
	item_ref(ref, sizeof ref, r->mb.uidvalidity, f->uid);
	item.account = r->acct->name;
	item.container = r->folder;
	item.item_ref = ref;
	item.identity = NULL;
	return sync_log_mail(r->ctx, &r->mopts, &item, f->header, f->header_len, f->body,
			     f->body_len, f->internaldate, &r->batch, err);
}

/* ---- ranges -------------------------------------------------------------- */

static int put_state(struct acct_run *r, struct store_sync_state *s, struct err *err)
{
	return store_sync_state_put(r->ctx->st, r->acct->name, cfg_kind_name(r->acct->kind),
				    r->folder, s, r->ctx->now, err);
}

static int record_bad_uid(struct acct_run *r, uint32_t uid, const char *what, struct err *err)
{
	struct store_item item;
	char ref[32];

	item_ref(ref, sizeof ref, r->mb.uidvalidity, uid);
	item.account = r->acct->name;
	item.container = r->folder;
	item.item_ref = ref;
	item.identity = NULL;
	log_warnx("%s: %s UID %" PRIu32 ": %s; recorded and skipped", r->acct->name, r->folder, uid,
		  what);
	if (tx_begin(r, err) == -1)
		return -1;
	r->batch.errors++;
	if (store_log_parse_error(r->ctx->st, &item, what, CRMSYNC_VERSION, r->ctx->now, err) ==
	    -1) {
		tx_rollback(r);
		return -1;
	}
	return tx_commit(r, err);
}

/* Reconnects after a dead connection and examines the folder again. */
static int reopen_folder(struct acct_run *r, struct err *err)
{
	struct imapc_mailbox mb;

	if (run_connect(r, err) == -1 || imapc_examine(r->ic, r->folder, &mb, err) == -1)
		return -1;
	if (mb.uidvalidity != r->mb.uidvalidity)
		return err_set(err, ERR_TEMP, "UIDVALIDITY of '%s' changed during the sync",
			       r->folder);
	return 0;
}

/* Fetches [from, to] in one transaction together with the new position.
 * A malformed response is narrowed down to the one bad UID. */
static int fetch_range(struct acct_run *r, uint32_t from, uint32_t to,
		       struct store_sync_state *state, struct err *err)
{
	struct fetched_set fs;
	struct err ferr;
	uint32_t mid;
	int rc = 0;

	memset(&fs, 0, sizeof fs);
	err_init(&ferr);
	err_init(&fs.stream_err);
	if (!r->ctx->short_tx) {
		fs.stream = r;
		if (tx_begin(r, err) == -1)
			return -1;
	}
	if (imapc_fetch(r->ic, from, to, r->body_bytes, on_message, &fs, &ferr) == 0) {
		if (r->ctx->short_tx)
			rc = tx_begin(r, err);
		for (size_t i = 0; i < fs.n && rc == 0; i++)
			rc = log_fetched(r, &fs.v[i], err);
		fetched_release(&fs);
		if (rc == 0 && (int64_t)to > state->last_uid)
			state->last_uid = to;
		if (rc == 0 && put_state(r, state, err) == 0)
			return tx_commit(r, err);
		tx_rollback(r);
		return -1;
	}
	fetched_release(&fs);
	if (fs.stream != NULL) {
		tx_rollback(r);
		if (fs.stream_err.kind != ERR_NONE) {
			*err = fs.stream_err;
			return -1;
		}
	}
	if (ferr.kind != ERR_DATA)
		return err_set(err, ferr.kind, "%s", ferr.msg);
	if (reopen_folder(r, err) == -1)
		return -1;
	if (from == to) {
		if (record_bad_uid(r, from, ferr.msg, err) == -1)
			return -1;
		return 0;
	}
	mid = from + (to - from) / 2;
	if (fetch_range(r, from, mid, state, err) == -1)
		return -1;
	return fetch_range(r, mid + 1, to, state, err);
}

/* ---- deletions ------------------------------------------------------------ */

struct ref_set {
	uint32_t *uids;
	size_t n;
	uint32_t uidvalidity;
	char **gone;
	size_t ngone;
};

static int uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Collects stored refs of this UIDVALIDITY whose UID the server lacks. */
static int diff_ref(const char *ref, void *arg)
{
	struct ref_set *s = arg;
	char *end;
	unsigned long v = strtoul(ref, &end, 10), uid;

	if (*end != ':' || v != s->uidvalidity)
		return 0;
	uid = strtoul(end + 1, &end, 10);
	uint32_t key = (uint32_t)uid;
	if (s->n > 0 && bsearch(&key, s->uids, s->n, sizeof *s->uids, uid_cmp) != NULL)
		return 0;
	s->gone = xreallocarray(s->gone, s->ngone + 1, sizeof *s->gone);
	s->gone[s->ngone++] = xstrdup(ref);
	return 0;
}

static int mark_removed(struct acct_run *r, char **refs, size_t n, struct err *err)
{
	size_t marked = 0;

	if (n == 0)
		return 0;
	if (tx_begin(r, err) == -1)
		return -1;
	if (store_items_removed(r->ctx->st, r->acct->name, r->folder, (const char *const *)refs, n,
				r->ctx->now, &marked, err) == -1) {
		tx_rollback(r);
		return -1;
	}
	r->batch.removed += (int64_t)marked;
	return tx_commit(r, err);
}

static void free_refs(char **refs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(refs[i]);
	free(refs);
}

/* QRESYNC: the UIDs expunged since the stored HIGHESTMODSEQ. */
static int deletions_qresync(struct acct_run *r, uint64_t modseq, struct err *err)
{
	uint32_t *uids = NULL;
	char **refs = NULL;
	size_t n = 0;
	int rc;

	if (imapc_vanished(r->ic, modseq, &uids, &n, err) == -1)
		return -1;
	refs = xcalloc(n + 1, sizeof *refs);
	for (size_t i = 0; i < n; i++) {
		char ref[32];
		item_ref(ref, sizeof ref, r->mb.uidvalidity, uids[i]);
		refs[i] = xstrdup(ref);
	}
	free(uids);
	rc = mark_removed(r, refs, n, err);
	free_refs(refs, n);
	return rc;
}

/* Without QRESYNC: every UID on the server against what we stored. */
static int deletions_uid_diff(struct acct_run *r, struct err *err)
{
	struct ref_set s = {NULL, 0, r->mb.uidvalidity, NULL, 0};
	int rc = -1;

	/* imapc_search_uids returns the UIDs sorted and unique. */
	if (imapc_search_uids(r->ic, 1, 0, &s.uids, &s.n, err) == -1)
		return -1;
	if (store_each_item_ref(r->ctx->st, r->acct->name, r->folder, diff_ref, &s, err) == -1)
		goto out;
	rc = mark_removed(r, s.gone, s.ngone, err);
out:
	free(s.uids);
	free_refs(s.gone, s.ngone);
	return rc;
}

static int deletions(struct acct_run *r, struct store_sync_state *state, struct err *err)
{
	if (!state->exists || state->uidvalidity != r->mb.uidvalidity)
		return 0;
	if ((imapc_caps(r->ic) & IMAPC_CAP_QRESYNC) && state->highestmodseq > 0) {
		if ((uint64_t)state->highestmodseq == r->mb.highestmodseq)
			return 0;
		return deletions_qresync(r, (uint64_t)state->highestmodseq, err);
	}
	if (state->last_full_scan != STORE_NO_TIME &&
	    r->ctx->now - state->last_full_scan < SYNC_UIDDIFF_EVERY)
		return 0;
	state->last_full_scan = r->ctx->now;
	return deletions_uid_diff(r, err);
}

/* ---- one folder --------------------------------------------------------------- */

struct retry_list {
	uint32_t uidvalidity;
	uint32_t *uids;
	size_t n;
};

static int collect_retry(const char *ref, void *arg)
{
	struct retry_list *l = arg;
	char *end;
	unsigned long v = strtoul(ref, &end, 10);

	if (*end == ':' && v == l->uidvalidity) {
		l->uids = xreallocarray(l->uids, l->n + 1, sizeof *l->uids);
		l->uids[l->n++] = (uint32_t)strtoul(end + 1, NULL, 10);
	}
	return 0;
}

/* Items a crmsync of another version could not parse: try them again. */
static int retry_errors(struct acct_run *r, struct store_sync_state *state, struct err *err)
{
	struct retry_list l = {r->mb.uidvalidity, NULL, 0};
	int rc = 0;

	if (store_each_retryable_error(r->ctx->st, r->acct->name, r->folder, CRMSYNC_VERSION,
				       collect_retry, &l, err) == -1)
		return -1;
	for (size_t i = 0; i < l.n && rc == 0; i++)
		rc = fetch_range(r, l.uids[i], l.uids[i], state, err);
	free(l.uids);
	return rc;
}

static int count_ref(const char *ref, void *arg)
{
	(void)ref;
	(*(int *)arg)++;
	return 0;
}

static int has_retryable(struct acct_run *r, struct err *err)
{
	int n = 0;

	if (store_each_retryable_error(r->ctx->st, r->acct->name, r->folder, CRMSYNC_VERSION,
				       count_ref, &n, err) == -1)
		return -1;
	return n > 0;
}

/* Where a first sync starts: the first UID inside the `since` window. */
static int first_uid(struct acct_run *r, uint32_t *start, struct err *err)
{
	uint32_t *uids = NULL;
	size_t n = 0;

	*start = 1;
	if (r->since == 0)
		return 0;
	if (imapc_search_uids(r->ic, 1, r->since, &uids, &n, err) == -1)
		return -1;
	*start = n > 0 ? uids[0] : (r->mb.uidnext ? r->mb.uidnext : 1);
	free(uids);
	return 0;
}

static int unchanged(const struct store_sync_state *s, const struct imapc_mailbox *mb)
{
	return s->exists && (uint32_t)s->uidvalidity == mb->uidvalidity &&
	       (uint32_t)s->uidnext == mb->uidnext && (uint32_t)s->messages == mb->messages &&
	       (uint64_t)s->highestmodseq == mb->highestmodseq;
}

/* Forgets the folder's items after a UIDVALIDITY change; the re-scan maps
 * them to their activities again by identity. */
static int reset_folder(struct acct_run *r, struct store_sync_state *state, struct err *err)
{
	log_warnx("%s: %s: UIDVALIDITY changed (%" PRId64 " -> %" PRIu32 "); re-scanning",
		  r->acct->name, r->folder, state->uidvalidity, r->mb.uidvalidity);
	if (tx_begin(r, err) == -1)
		return -1;
	if (store_container_reset(r->ctx->st, r->acct->name, r->folder, err) == -1) {
		tx_rollback(r);
		return -1;
	}
	state->resets++;
	state->last_uid = 0;
	state->highestmodseq = 0;
	state->last_full_scan = STORE_NO_TIME;
	state->uidvalidity = r->mb.uidvalidity;
	r->total->resets++;
	if (put_state(r, state, err) == -1) {
		tx_rollback(r);
		return -1;
	}
	return tx_commit(r, err);
}

static int fetch_new(struct acct_run *r, struct store_sync_state *state, struct err *err)
{
	uint32_t from, last = r->mb.uidnext > 0 ? r->mb.uidnext - 1 : UINT32_MAX;
	uint32_t chunk = r->ctx->chunk ? r->ctx->chunk : SYNC_CHUNK;

	r->since = 0;
	if (state->last_uid == 0) {
		r->since = r->acct->since_s > 0 ? r->ctx->now - r->acct->since_s : 0;
		if (first_uid(r, &from, err) == -1)
			return -1;
	} else {
		from = (uint32_t)state->last_uid + 1;
	}
	/* At most the folder's messages, at most the UIDs left. */
	uint32_t todo = from != 0 && from <= last && last - from < r->mb.messages ?
				last - from + 1 :
				r->mb.messages;
	sync_progress_start(&r->progress, r->ctx, r->acct->name, r->folder, todo, "messages");
	while (from <= last && from != 0) {
		uint32_t to = last - from < chunk - 1 ? last : from + chunk - 1;
		if (sync_stopping(r->ctx, err))
			return -1;
		if (fetch_range(r, from, to, state, err) == -1)
			return -1;
		if (r->mb.uidnext == 0)
			break;
		from = to + 1;
	}
	return 0;
}

static int sync_folder(struct acct_run *r, const char *folder, struct err *err)
{
	struct store_sync_state state;
	int rc = -1, retry;

	r->folder = folder;
	if (store_sync_state_get(r->ctx->st, r->acct->name, cfg_kind_name(r->acct->kind), folder,
				 &state, err) == -1)
		return -1;
	if (imapc_status(r->ic, folder, &r->mb, err) == -1)
		goto out;
	r->total->folders++;
	if ((retry = has_retryable(r, err)) < 0)
		goto out;
	if (unchanged(&state, &r->mb) && !retry) {
		log_verbose("%s: %s: unchanged (%" PRIu32 " messages)", r->acct->name, folder,
			    r->mb.messages);
		r->total->unchanged_folders++;
		rc = 0;
		goto out;
	}
	if (imapc_examine(r->ic, folder, &r->mb, err) == -1)
		goto out;
	if (state.exists && (uint32_t)state.uidvalidity != r->mb.uidvalidity &&
	    reset_folder(r, &state, err) == -1)
		goto out;
	state.exists = 1;
	state.uidvalidity = r->mb.uidvalidity;
	if (deletions(r, &state, err) == -1 || retry_errors(r, &state, err) == -1 ||
	    fetch_new(r, &state, err) == -1)
		goto out;
	state.uidnext = r->mb.uidnext;
	state.messages = r->mb.messages;
	state.highestmodseq = (int64_t)r->mb.highestmodseq;
	if (tx_begin(r, err) == -1)
		goto out;
	if (put_state(r, &state, err) == -1) {
		tx_rollback(r);
		goto out;
	}
	rc = tx_commit(r, err);
	log_verbose("%s: %s: UIDVALIDITY %" PRIu32 ", UIDNEXT %" PRIu32 ", %" PRIu32
		    " messages, synced to UID %lld",
		    r->acct->name, folder, r->mb.uidvalidity, r->mb.uidnext, r->mb.messages,
		    (long long)state.last_uid);
out:
	sync_progress_end(&r->progress);
	store_sync_state_release(&state);
	if (rc == -1)
		err_prefix(err, "folder '%s'", folder);
	return rc;
}

/* ---- folders ------------------------------------------------------------------- */

static int is_private(const struct cfg_account *a, const char *name)
{
	for (size_t i = 0; i < a->private_folders.n; i++)
		if (strcmp(a->private_folders.items[i], name) == 0)
			return 1;
	return 0;
}

static void folder_add(char ***v, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i], name) == 0)
			return;
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = xstrdup(name);
}

int sync_imap_folders(const struct cfg_account *a, struct imapc *ic, char ***out, size_t *n_out,
		      struct err *err)
{
	static const char *const sent_names[] = {"Sent", "Sent Items", "Sent Messages",
						 "[Gmail]/Sent Mail", "INBOX.Sent"};
	struct imapc_folder *f = NULL;
	const char *sent = NULL;
	size_t nf = 0;

	*out = NULL;
	*n_out = 0;
	if (a->folders.n > 0) {
		for (size_t i = 0; i < a->folders.n; i++)
			if (!is_private(a, a->folders.items[i]))
				folder_add(out, n_out, a->folders.items[i]);
		return 0;
	}
	if (imapc_list(ic, &f, &nf, err) == -1)
		return -1;
	for (size_t i = 0; i < nf && sent == NULL; i++)
		if (f[i].is_sent && !f[i].noselect)
			sent = f[i].name;
	for (size_t k = 0; k < sizeof sent_names / sizeof sent_names[0] && sent == NULL; k++)
		for (size_t i = 0; i < nf && sent == NULL; i++)
			if (strcmp(f[i].name, sent_names[k]) == 0 && !f[i].noselect)
				sent = f[i].name;
	if (!is_private(a, "INBOX"))
		folder_add(out, n_out, "INBOX");
	if (sent != NULL && !is_private(a, sent))
		folder_add(out, n_out, sent);
	imapc_folders_free(f, nf);
	return 0;
}

static int sync_folders(struct acct_run *r, struct err *err)
{
	char **folders = NULL;
	size_t n = 0;
	int rc = 0;

	if (sync_imap_folders(r->acct, r->ic, &folders, &n, err) == -1)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = sync_stopping(r->ctx, err) ? -1 : sync_folder(r, folders[i], err);
	free_refs(folders, n);
	return rc;
}

int sync_imap_account(struct sync_ctx *ctx, const struct cfg_account *acct, struct sync_counts *c,
		      struct err *err)
{
	struct acct_run r;
	char *owner;
	int rc = -1;

	memset(&r, 0, sizeof r);
	r.ctx = ctx;
	r.acct = acct;
	r.total = c;
	r.mopts.capture = (int)acct->capture;
	r.mopts.log_internal = ctx->cfg->log_internal;
	r.mopts.snippet_chars = ctx->cfg->snippet_chars;
	owner = addr_canonical(acct->owner, ctx->cfg->plus_addressing, NULL);
	r.mopts.owner_id = owner ? match_dir_user(ctx->dir, owner) : -1;
	free(owner);
	if (r.mopts.owner_id < 0)
		return err_set(err, ERR_FINAL,
			       "owner '%s' is not an imported user (crmsync import users FILE)",
			       acct->owner);
	r.body_bytes = SYNC_BODY_MIN;
	if (acct->capture == CFG_CAPTURE_FULL &&
	    (size_t)ctx->cfg->snippet_chars * SYNC_SNIPPET_FACTOR > r.body_bytes)
		r.body_bytes = (size_t)ctx->cfg->snippet_chars * SYNC_SNIPPET_FACTOR;
	if ((r.secret = cfg_secret_resolve(acct, err)) == NULL)
		return -1;
	if (ctx->dry_run && store_begin(ctx->st, err) == -1)
		goto out;
	if (run_connect(&r, err) == -1)
		goto out;
	rc = sync_folders(&r, err);
out:
	if (r.ic != NULL) {
		const struct imapc_stats *is = imapc_stats(r.ic);
		c->requests += (int64_t)(is->status + is->select + is->fetch + is->search +
					 is->list + is->other);
	}
	if (ctx->dry_run)
		store_rollback(ctx->st);
	imapc_close(&r.ic);
	if (r.secret != NULL) {
		explicit_bzero(r.secret, strlen(r.secret));
		free(r.secret);
	}
	return rc;
}

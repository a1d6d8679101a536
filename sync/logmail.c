/* sync/logmail.c - one mail message, from raw bytes to a logged activity
 * or a recorded skip or parse error. IMAP sync and the mbox and Maildir
 * importers all go through here, so a message is judged the same way
 * whichever way it arrived. */
#include "sync/sync.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/version.h"
#include "match/match.h"
#include "parsers/mail.h"
#include "store/store.h"

#include <stdlib.h>

/* How to match the item again after contacts were created for it. */
struct rematcher {
	void (*fn)(struct sync_ctx *ctx, const struct match_opts *o, const void *item,
		   struct match_result *r);
	const void *item;
};

/* Logs what matching decided: creates the contacts it asked for (then
 * matches again, so the new contacts are linked by rule address), logs
 * the activity or the skip, and decides the deals of its thread. */
static int log_result(struct sync_ctx *ctx, const struct match_opts *o,
		      const struct store_item *item, struct match_result *res,
		      const struct rematcher *again, const char *skip_identity,
		      struct sync_counts *c, struct err *err)
{
	struct store_item it = *item;
	int64_t id;
	int created, rc;

	if (res->outcome == MATCH_LOGGED && res->ncreates > 0 && !ctx->dry_run) {
		rc = match_create_contacts(ctx->dir, ctx->st, res, res->act.occurred_at, ctx->now,
					   err);
		if (rc < 0)
			return -1;
		match_result_release(res);
		again->fn(ctx, o, again->item, res);
	}
	if (res->outcome != MATCH_LOGGED) {
		it.identity = skip_identity;
		sync_count_skip(c, res->reason);
		return store_log_skip(ctx->st, &it, res->reason, res->evidence, ctx->now, err);
	}
	it.identity = res->source_key;
	if (store_log_activity(ctx->st, &it, &res->act, ctx->now, &id, &created, err) == -1)
		return -1;
	c->logged++;
	c->created += created;
	if (!match_dir_has_deals(ctx->dir))
		return 0;
	if (created)
		return match_resolve_new(ctx->dir, ctx->st, &res->act, id, ctx->now, err);
	return match_resolve_thread(ctx->dir, ctx->st, res->act.thread_key, id, ctx->now, NULL,
				    err);
}

struct mail_item {
	const struct mail_msg *msg;
	int64_t internaldate;
	const char *snippet;
};

static void again_mail(struct sync_ctx *ctx, const struct match_opts *o, const void *item,
		       struct match_result *r)
{
	const struct mail_item *m = item;

	match_mail(ctx->dir, o, m->msg, m->internaldate, m->snippet, r);
}

static int log_parsed(struct sync_ctx *ctx, const struct match_opts *o,
		      const struct store_item *item, struct mail_msg *msg, const char *body,
		      size_t blen, int64_t internaldate, struct sync_counts *c, struct err *err)
{
	struct match_result res;
	struct mail_item mi = {msg, internaldate, NULL};
	struct rematcher again = {again_mail, &mi};
	char *snippet = NULL, *identity = NULL;
	int rc;

	/* The body start is scanned whatever the capture (a text/calendar part
	 * makes it an invitation); the snippet is kept only with capture = full. */
	if (body != NULL)
		snippet = mail_snippet(msg, body, blen, (size_t)ctx->cfg->snippet_chars);
	mi.snippet = snippet;
	match_mail(ctx->dir, o, msg, internaldate, snippet, &res);
	if (res.outcome != MATCH_LOGGED)
		identity = match_mail_source_key(msg, internaldate);
	rc = log_result(ctx, o, item, &res, &again, identity, c, err);
	match_result_release(&res);
	free(snippet);
	free(identity);
	return rc;
}

static void again_meeting(struct sync_ctx *ctx, const struct match_opts *o, const void *item,
			  struct match_result *r)
{
	match_meeting(ctx->dir, o, item, ctx->now, r);
}

int sync_log_meeting(struct sync_ctx *ctx, const struct match_opts *o,
		     const struct store_item *item, const struct ics_occurrence *ev,
		     struct sync_counts *c, struct err *err)
{
	struct match_result res;
	struct rematcher again = {again_meeting, ev};
	char *identity = NULL;
	int rc;

	c->fetched++;
	match_meeting(ctx->dir, o, ev, ctx->now, &res);
	if (res.outcome != MATCH_LOGGED)
		identity = match_meeting_source_key(ev);
	rc = log_result(ctx, o, item, &res, &again, identity, c, err);
	match_result_release(&res);
	free(identity);
	return rc;
}

int sync_log_mail(struct sync_ctx *ctx, const struct match_opts *o, const struct store_item *item,
		  const char *header, size_t hlen, const char *body, size_t blen,
		  int64_t internaldate, struct sync_counts *c, struct err *err)
{
	struct mail_msg msg;
	struct err perr;
	int rc;

	c->fetched++;
	err_init(&perr);
	if (mail_parse_header(header, hlen, ctx->cfg->plus_addressing, &msg, &perr) == -1) {
		log_verbose("%s: %s %s: %s", item->account, item->container, item->item_ref,
			    perr.msg);
		c->errors++;
		return store_log_parse_error(ctx->st, item, perr.msg, CRMSYNC_VERSION, ctx->now,
					     err);
	}
	rc = log_parsed(ctx, o, item, &msg, body, blen, internaldate, c, err);
	mail_msg_release(&msg);
	return rc;
}

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

static int log_parsed(struct sync_ctx *ctx, const struct match_opts *o,
		      const struct store_item *item, struct mail_msg *msg, const char *body,
		      size_t blen, int64_t internaldate, struct sync_counts *c, struct err *err)
{
	struct store_item it = *item;
	struct match_result res;
	char *snippet = NULL, *identity = NULL;
	int64_t id;
	int created, rc;

	/* The body start is scanned whatever the capture (a text/calendar part
	 * makes it an invitation); the snippet is kept only with capture = full. */
	if (body != NULL)
		snippet = mail_snippet(msg, body, blen, (size_t)ctx->cfg->snippet_chars);
	match_mail(ctx->dir, o, msg, internaldate, snippet, &res);
	if (res.outcome == MATCH_LOGGED) {
		it.identity = res.source_key;
		rc = store_log_activity(ctx->st, &it, &res.act, ctx->now, &id, &created, err);
		c->logged++;
		c->created += created;
	} else {
		identity = match_mail_source_key(msg, internaldate);
		it.identity = identity;
		rc = store_log_skip(ctx->st, &it, res.reason, res.evidence, ctx->now, err);
		sync_count_skip(c, res.reason);
	}
	match_result_release(&res);
	free(snippet);
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

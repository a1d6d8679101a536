/* sync/sync.c - what every connector's sync shares: skip reason counting. */
#include "sync/sync.h"
#include "core/err.h"

#include <string.h>

const char *const sync_reason_names[SYNC_NREASONS] = {
	[SYNC_R_INTERNAL] = "internal",	      [SYNC_R_AUTOMATED] = "automated",
	[SYNC_R_ROLE_SENDER] = "role-sender", [SYNC_R_IGNORED] = "ignored",
	[SYNC_R_UNMATCHED] = "unmatched",     [SYNC_R_INVITATION] = "invitation",
};

void sync_count_skip(struct sync_counts *c, const char *reason)
{
	c->skipped++;
	for (int i = 0; i < SYNC_NREASONS; i++) {
		if (strcmp(sync_reason_names[i], reason) == 0) {
			c->skips[i]++;
			return;
		}
	}
}

void sync_counts_add(struct sync_counts *to, const struct sync_counts *from)
{
	to->fetched += from->fetched;
	to->logged += from->logged;
	to->created += from->created;
	to->skipped += from->skipped;
	to->errors += from->errors;
	to->removed += from->removed;
	for (int i = 0; i < SYNC_NREASONS; i++)
		to->skips[i] += from->skips[i];
}

int sync_stopping(const struct sync_ctx *ctx, struct err *err)
{
	if (ctx->stop == NULL || !*ctx->stop)
		return 0;
	err_set(err, ERR_TEMP, "interrupted (stopping); what was fetched so far is committed");
	return 1;
}

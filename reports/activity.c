/* reports/activity.c - SPEC §6 "activity": per team member per period,
 * and the open deals gone quiet.
 *
 * Definitions (the SQL is in store/rep_activity.c):
 * - An activity belongs to the period holding its occurred_at, periods
 *   cut at local midnights of the report's zone (a DST day is 23 or 25
 *   hours long); activities outside [from, to) are not counted. Removed
 *   activities count: they happened.
 * - emails_sent: mail whose From participant is one of the user's
 *   addresses (any direction). emails_received: inbound mail with one of
 *   the user's addresses in To or Cc, once per mail. meetings_held and
 *   meeting_hours: meetings with status held that the user owns, hours
 *   (ended_at - occurred_at) / 3600, zero without an end. calls: calls
 *   the user owns, whatever their status.
 * - contacts_touched, deals_touched: distinct contacts and deals linked to
 *   the activities counted for the user in the period.
 * - First response: for each inbound mail whose From is a contact and
 *   each team member in its To/Cc, the seconds until that member's first
 *   later outbound mail (From one of their addresses) in the same thread;
 *   unanswered mail gives no sample. The sample belongs to the period of
 *   the inbound mail, wherever the reply falls. The median is the
 *   nearest-rank 50th percentile, i.e. the lower of the two middle
 *   samples when the count is even (always a delay that really happened);
 *   p90 is the nearest-rank 90th percentile (rank ceil(0.9 n)). Both are
 *   null when there is no sample.
 * - Totals: sums of the counts and hours; contacts and deals touched are
 *   distinct over the whole range and all users shown; the response
 *   figures are over all samples.
 * - stale_deals: open deals (of --user when given) whose latest
 *   deal-linked activity before min(to, now) is more than stale_days * 24
 *   hours older than min(to, now), or which have none; those with none
 *   first, then oldest first.
 */
#include "reports/report.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "store/store.h"

#include <stdlib.h>

static const struct report_col row_cols[] = {
	{"user", "User", REPORT_K_TEXT},
	{"period_start", "Period", REPORT_K_DATE},
	{"emails_sent", "Sent", REPORT_K_INT},
	{"emails_received", "Recv", REPORT_K_INT},
	{"meetings_held", "Mtgs", REPORT_K_INT},
	{"meeting_hours", "Hours", REPORT_K_NUM},
	{"calls", "Calls", REPORT_K_INT},
	{"contacts_touched", "Contacts", REPORT_K_INT},
	{"deals_touched", "Deals", REPORT_K_INT},
	{"first_response_median_s", "Resp med", REPORT_K_SECONDS},
	{"first_response_p90_s", "Resp p90", REPORT_K_SECONDS},
};

static const struct report_col stale_cols[] = {
	{"deal", "Deal", REPORT_K_TEXT},
	{"name", "Name", REPORT_K_TEXT},
	{"owner", "Owner", REPORT_K_TEXT},
	{"last_activity", "Last activity", REPORT_K_TIME},
};

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

/* Fills the figure cells (from column 2 on) of a row. */
static void figures_cells(struct report_cell *c, const struct store_act_figures *f)
{
	report_cell_int(&c[2], f->emails_sent);
	report_cell_int(&c[3], f->emails_received);
	report_cell_int(&c[4], f->meetings_held);
	report_cell_num(&c[5], f->meeting_hours);
	report_cell_int(&c[6], f->calls);
	report_cell_int(&c[7], f->contacts_touched);
	report_cell_int(&c[8], f->deals_touched);
	if (f->responses > 0) {
		report_cell_int(&c[9], f->response_median_s);
		report_cell_int(&c[10], f->response_p90_s);
	}
}

static int activity_rows(struct store *st, const struct report_params *p, const char *tz,
			 struct report_doc *d, struct err *err)
{
	struct report_table *t;
	struct store_act_report r;
	int64_t *starts = NULL, *bounds = NULL;
	size_t n = 0;
	char date[16];
	int rc = -1;

	if (report_periods(tz, p->period, p->from, p->to, &starts, &n, err) == -1)
		return -1;
	/* The periods cover [from, to); count only what falls inside. */
	bounds = xreallocarray(NULL, n + 1, sizeof *bounds);
	for (size_t k = 0; k <= n; k++)
		bounds[k] = starts[k];
	if (bounds[0] < p->from)
		bounds[0] = p->from;
	if (bounds[n] > p->to)
		bounds[n] = p->to;
	if (store_act_report(st, p->user, bounds, n, &r, err) == -1)
		goto out;
	t = report_add_table(d, "rows", "Activity per team member", row_cols, NCOLS(row_cols));
	for (size_t u = 0; u < r.nusers; u++) {
		for (size_t k = 0; k < n; k++) {
			struct report_cell *c = report_add_row(t);
			report_cell_text(&c[0], r.users[u]);
			report_local_date(tz, starts[k], date, sizeof date);
			report_cell_text(&c[1], date);
			figures_cells(c, &r.cells[u * n + k]);
		}
	}
	figures_cells(report_add_totals(t), &r.totals);
	store_act_report_release(&r);
	rc = 0;
out:
	free(bounds);
	free(starts);
	return rc;
}

static int stale_row(const struct store_stale_deal *sd, void *arg)
{
	struct report_cell *c = report_add_row(arg);

	report_cell_text(&c[0], sd->key);
	report_cell_text(&c[1], sd->name);
	report_cell_text(&c[2], sd->owner);
	if (sd->last_activity != STORE_NO_TIME)
		report_cell_int(&c[3], sd->last_activity);
	return 0;
}

int report_activity(struct store *st, const struct report_params *p, struct report_doc *d,
		    struct err *err)
{
	const char *tz = p->tz != NULL ? p->tz : d->tz;
	int64_t asof = p->to < p->now ? p->to : p->now;
	struct report_table *t;

	report_param_str(d, "user", p->user != NULL ? p->user : "");
	report_param_num(d, "stale_days", p->stale_days);
	if (activity_rows(st, p, tz, d, err) == -1)
		return -1;
	t = report_add_table(d, "stale_deals", "Open deals with no recent activity", stale_cols,
			     NCOLS(stale_cols));
	return store_act_stale_deals(st, p->user, asof, asof - (int64_t)p->stale_days * 86400,
				     stale_row, t, err);
}

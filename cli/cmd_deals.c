/* cli/cmd_deals.c - the deal commands: `crmsync review` (activities whose
 * deal is ambiguous), `crmsync link ACTIVITY DEAL` (a person settles one)
 * and `crmsync rematch [--since DATE]` (the rules again over what is
 * stored, after contacts, companies or deals changed).
 */
#include "cli/cli.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/json.h"
#include "core/str.h"
#include "core/strset.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "match/match.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- review ----------------------------------------------------------------- */

struct review_out {
	int json;
	struct buf b;
	long n;
};

static int review_one(const struct store_activity *a, void *arg)
{
	struct review_out *o = arg;
	char when[32];

	buf_reset(&o->b);
	if (o->json) {
		buf_addch(&o->b, '{');
		json_kv_int(&o->b, 0, "id", a->id);
		json_kv_time(&o->b, 1, "occurred_at", a->occurred_at);
		json_kv_str(&o->b, 1, "kind", a->kind);
		json_kv_str(&o->b, 1, "subject", a->subject);
		json_kv_str(&o->b, 1, "source_key", a->source_key);
		json_kv_str(&o->b, 1, "thread_key", a->thread_key);
		json_kv_str(&o->b, 1, "note", a->deal_note);
		buf_addstr(&o->b, ",\"participants\":[");
		for (size_t i = 0; i < a->nparticipants; i++) {
			buf_addstr(&o->b, i ? "," : "");
			json_str(&o->b, a->participants[i].address);
		}
		buf_addstr(&o->b, "],\"candidates\":[");
		for (size_t i = 0; i < a->nambiguous; i++) {
			buf_addstr(&o->b, i ? "," : "");
			json_str(&o->b, a->ambiguous[i]);
		}
		buf_addstr(&o->b, "]}\n");
	} else {
		tu_format_rfc3339(a->occurred_at, when, sizeof when);
		buf_addf(&o->b, "#%lld  %s  %s  %s\n", (long long)a->id, when, a->kind,
			 a->subject != NULL ? a->subject : "(no subject kept)");
		buf_addstr(&o->b, "    with:");
		for (size_t i = 0; i < a->nparticipants; i++)
			buf_addf(&o->b, " %s", a->participants[i].address);
		buf_addstr(&o->b, "\n    candidates:");
		for (size_t i = 0; i < a->nambiguous; i++)
			buf_addf(&o->b, " %s", a->ambiguous[i]);
		if (a->deal_note != NULL)
			buf_addf(&o->b, "  (%s)", a->deal_note);
		buf_addf(&o->b, "\n    settle: crmsync link %lld DEAL\n", (long long)a->id);
	}
	if (!o->json)
		str_scrub_controls(o->b.data, o->b.len);
	fwrite(o->b.data, 1, o->b.len, stdout);
	o->n++;
	return 0;
}

static int parse_format(const char *cmd, const char *v, int *json)
{
	if (strcmp(v, "json") == 0)
		*json = 1;
	else if (strcmp(v, "text") == 0)
		*json = 0;
	else
		return cli_usage(cmd, "unknown format '%s' (text or json)", v);
	return 0;
}

int cmd_review(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	struct store_activity_filter f = {.since = STORE_NO_TIME,
					  .until = STORE_NO_TIME,
					  .ambiguous_only = 1,
					  .newest_first = 1};
	struct review_out o = {0};
	struct store *st;
	struct err err;
	int ch, rc;

	if (cli_wants_help(argc, argv)) {
		fputs("usage: crmsync review [--format text|json]\n"
		      "\n"
		      "Lists the activities whose deal the rules could not decide (several\n"
		      "open deals, nothing to choose between them), newest first, with their\n"
		      "candidate deals. Settle one with 'crmsync link ACTIVITY DEAL'.\n",
		      stdout);
		return EXIT_OK;
	}
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'f')
			return cli_usage("review", "unknown option");
		if (parse_format("review", optarg, &o.json))
			return EXIT_USAGE;
	}
	if (optind < argc)
		return cli_usage("review", "unexpected argument '%s'", argv[optind]);
	if ((st = cli_store(c, 0, &rc)) == NULL)
		return rc;
	err_init(&err);
	buf_init(&o.b, 16 << 20);
	rc = EXIT_OK;
	if (store_activities_each(st, &f, review_one, &o, &err) == -1)
		rc = cli_fail(&err);
	else if (!o.json && o.n == 0)
		fputs("nothing to review: every activity's deal is decided\n", stderr);
	buf_release(&o.b);
	store_close(&st);
	return rc;
}

/* ---- link ---------------------------------------------------------------- */

int cmd_link(struct cli *c, int argc, char **argv)
{
	struct match_deal_counts counts = {0};
	struct match_dir *dir = NULL;
	struct store *st;
	struct err err;
	char *thread = NULL;
	int64_t id;
	int rc;

	if (cli_wants_help(argc, argv)) {
		fputs("usage: crmsync link ACTIVITY DEAL\n"
		      "\n"
		      "Links the activity (its id, as 'crmsync review' or 'activities' show it)\n"
		      "to the deal (its id as imported), replacing whatever the rules chose.\n"
		      "Later messages of the same thread follow it.\n",
		      stdout);
		return EXIT_OK;
	}
	if (argc != 3)
		return cli_usage("link", "expected ACTIVITY and DEAL");
	if (str_to_i64(argv[1], 1, INT64_MAX, &id) == -1)
		return cli_usage("link", "'%s' is not an activity id", argv[1]);
	if (cli_config(c) == NULL)
		return EXIT_USAGE;
	if ((st = cli_store(c, 0, &rc)) == NULL)
		return rc;
	err_init(&err);
	if (store_begin(st, &err) == -1 ||
	    store_link_manual(st, id, argv[2], c->now, &thread, &err) == -1 ||
	    (dir = match_dir_load(st, c->cfg, &err)) == NULL ||
	    match_resolve_thread(dir, st, thread, id, c->now, &counts, &err) == -1 ||
	    store_commit(st, &err) == -1) {
		store_rollback(st);
		rc = cli_fail(&err);
	} else {
		printf("linked activity %lld to deal %s", (long long)id, argv[2]);
		if (counts.changed > 0)
			printf(" (%lld more of its thread follow it)", (long long)counts.changed);
		putchar('\n');
		rc = EXIT_OK;
	}
	match_dir_free(dir);
	free(thread);
	store_close(&st);
	return rc;
}

/* ---- rematch -------------------------------------------------------------- */

struct rematch {
	struct cli *c;
	struct store *st;
	struct match_dir *dir;
	struct strset threads; /* decided already */
	int64_t examined, relinked;
	struct match_deal_counts deals;
};

static int rematch_one(struct rematch *r, int64_t id, struct err *err)
{
	struct store_stored_participant *parts;
	struct store_new_link *links;
	size_t n, nlinks;
	char *thread;
	int changed, rc;

	if (store_participants_load(r->st, id, &parts, &n, &thread, err) == -1)
		return -1;
	match_relink(r->dir, parts, n, &links, &nlinks);
	rc = store_activity_relink(r->st, id, parts, n, links, nlinks, r->c->now, &changed, err);
	r->relinked += changed;
	r->examined++;
	free(links);
	store_participants_free(parts, n);
	if (rc == 0 && match_dir_has_deals(r->dir) &&
	    (thread == NULL || strset_add(&r->threads, thread, 1, NULL)))
		rc = match_resolve_thread(r->dir, r->st, thread, id, r->c->now, &r->deals, err);
	free(thread);
	return rc;
}

int cmd_rematch(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"since", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	struct rematch r = {.c = c};
	int64_t since = STORE_NO_TIME, *ids = NULL;
	size_t n = 0;
	struct err err;
	int ch, rc;

	if (cli_wants_help(argc, argv)) {
		fputs("usage: crmsync rematch [--since DATE]\n"
		      "\n"
		      "Runs the matching rules again over the stored participants of every\n"
		      "activity (since DATE: YYYY-MM-DD, RFC 3339, 7d, 4w, 3m), so contacts,\n"
		      "companies and deals imported later link the past. A second run changes\n"
		      "nothing. Links a person made with 'crmsync link' stay.\n",
		      stdout);
		return EXIT_OK;
	}
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 's')
			return cli_usage("rematch", "unknown option");
		if (tu_parse_cli_date(optarg, c->now, &since))
			return cli_usage("rematch",
					 "'%s' is not a date (YYYY-MM-DD, RFC 3339, 7d, 4w, 3m)",
					 optarg);
	}
	if (optind < argc)
		return cli_usage("rematch", "unexpected argument '%s'", argv[optind]);
	if (cli_config(c) == NULL)
		return EXIT_USAGE;
	if ((r.st = cli_store(c, 0, &rc)) == NULL)
		return rc;
	err_init(&err);
	strset_init(&r.threads);
	rc = EXIT_OK;
	if ((r.dir = match_dir_load(r.st, c->cfg, &err)) == NULL ||
	    store_activity_ids(r.st, since, &ids, &n, &err) == -1 ||
	    store_begin(r.st, &err) == -1) {
		rc = cli_fail(&err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (rematch_one(&r, ids[i], &err) == -1 ||
		    ((i + 1) % 1000 == 0 &&
		     (store_commit(r.st, &err) == -1 || store_begin(r.st, &err) == -1))) {
			store_rollback(r.st);
			rc = cli_fail(&err);
			goto out;
		}
	}
	if (store_commit(r.st, &err) == -1) {
		rc = cli_fail(&err);
		goto out;
	}
	printf("rematch: %lld activities examined, %lld changed (%lld contact or company links, "
	       "%lld deal decisions); of those, %lld now have a deal and %lld are ambiguous\n",
	       (long long)r.examined, (long long)(r.relinked + r.deals.changed),
	       (long long)r.relinked, (long long)r.deals.changed, (long long)r.deals.linked,
	       (long long)r.deals.ambiguous);
out:
	free(ids);
	strset_release(&r.threads);
	match_dir_free(r.dir);
	store_close(&r.st);
	return rc;
}

/* cli/cmd_activities.c - `crmsync activities`: the activity timeline.
 *
 * Three formats: an aligned text table for people, JSON Lines (one object
 * per activity, the contract of SPEC §2 documented in docs/activities-json.md)
 * and CSV (RFC 4180, header row) for spreadsheets.
 */
#include "cli/cli.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/json.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "parsers/addr.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum act_format {
	FMT_TEXT,
	FMT_JSON,
	FMT_CSV,
};

struct act_out {
	enum act_format fmt;
	FILE *fp;
	struct buf line;
	long count;
};

static void json_activity(struct buf *b, const struct store_activity *a)
{
	buf_addch(b, '{');
	json_kv_int(b, 0, "id", a->id);
	json_kv_str(b, 1, "kind", a->kind);
	json_kv_str(b, 1, "direction", a->direction);
	json_kv_str(b, 1, "status", a->status);
	json_kv_time(b, 1, "occurred_at", a->occurred_at);
	json_kv_time(b, 1, "ended_at", a->ended_at);
	json_kv_str(b, 1, "subject", a->subject);
	json_kv_str(b, 1, "snippet", a->snippet);
	json_kv_str(b, 1, "source_key", a->source_key);
	json_kv_str(b, 1, "thread_key", a->thread_key);
	buf_addstr(b, ",\"owners\":[");
	for (size_t i = 0; i < a->nowners; i++) {
		if (i)
			buf_addch(b, ',');
		json_str(b, a->owners[i]);
	}
	buf_addstr(b, "],\"participants\":[");
	for (size_t i = 0; i < a->nparticipants; i++) {
		const struct store_participant *p = &a->participants[i];
		buf_addstr(b, i ? ",{" : "{");
		json_kv_str(b, 0, "address", p->address);
		json_kv_str(b, 1, "name", p->name);
		json_kv_str(b, 1, "role", p->role);
		json_kv_str(b, 1, "partstat", p->partstat);
		json_kv_str(b, 1, "contact", p->contact);
		buf_addch(b, '}');
	}
	buf_addstr(b, "],\"links\":[");
	for (size_t i = 0; i < a->nlinks; i++) {
		buf_addstr(b, i ? ",{" : "{");
		json_kv_str(b, 0, "type", a->links[i].type);
		json_kv_str(b, 1, "key", a->links[i].key);
		json_kv_str(b, 1, "rule", a->links[i].rule);
		buf_addch(b, '}');
	}
	buf_addstr(b, "],\"ambiguous\":[");
	for (size_t i = 0; i < a->nambiguous; i++) {
		if (i)
			buf_addch(b, ',');
		json_str(b, a->ambiguous[i]);
	}
	buf_addstr(b, "]}\n");
}

/* RFC 4180: quote a field when it holds a comma, quote or line break. */
static void csv_field(struct buf *b, const char *s, int last)
{
	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") != NULL) {
		buf_addch(b, '"');
		for (; *s; s++) {
			if (*s == '"')
				buf_addch(b, '"');
			buf_addch(b, *s);
		}
		buf_addch(b, '"');
	} else {
		buf_addstr(b, s);
	}
	buf_addstr(b, last ? "\r\n" : ",");
}

static const char csv_header[] = "id,kind,direction,status,occurred_at,ended_at,subject,owners,"
				 "participants,contacts,companies,deals,ambiguous,source_key,"
				 "thread_key\r\n";

/* Joins one kind of link keys (or all participants' addresses) with ';'. */
static void csv_join_links(struct buf *b, const struct store_activity *a, const char *type)
{
	struct buf j;
	int n = 0;

	buf_init(&j, 1 << 20);
	for (size_t i = 0; i < a->nlinks; i++) {
		if (strcmp(a->links[i].type, type) != 0)
			continue;
		buf_addstr(&j, n++ ? ";" : "");
		buf_addstr(&j, a->links[i].key);
	}
	csv_field(b, j.data, 0);
	buf_release(&j);
}

static void csv_activity(struct buf *b, const struct store_activity *a)
{
	char occ[32], end[32] = "";
	struct buf j;

	tu_format_rfc3339(a->occurred_at, occ, sizeof occ);
	if (a->ended_at != STORE_NO_TIME)
		tu_format_rfc3339(a->ended_at, end, sizeof end);
	buf_addf(b, "%lld,", (long long)a->id);
	csv_field(b, a->kind, 0);
	csv_field(b, a->direction, 0);
	csv_field(b, a->status, 0);
	csv_field(b, occ, 0);
	csv_field(b, end, 0);
	csv_field(b, a->subject, 0);
	buf_init(&j, 1 << 20);
	for (size_t i = 0; i < a->nowners; i++)
		buf_addf(&j, "%s%s", i ? ";" : "", a->owners[i]);
	csv_field(b, j.data, 0);
	buf_reset(&j);
	for (size_t i = 0; i < a->nparticipants; i++)
		buf_addf(&j, "%s%s:%s", i ? ";" : "", a->participants[i].role,
			 a->participants[i].address);
	csv_field(b, j.data, 0);
	csv_join_links(b, a, "contact");
	csv_join_links(b, a, "company");
	csv_join_links(b, a, "deal");
	buf_reset(&j);
	for (size_t i = 0; i < a->nambiguous; i++)
		buf_addf(&j, "%s%s", i ? ";" : "", a->ambiguous[i]);
	csv_field(b, j.data, 0);
	buf_release(&j);
	csv_field(b, a->source_key, 0);
	csv_field(b, a->thread_key, 1);
}

static void text_activity(struct buf *b, const struct store_activity *a)
{
	char occ[32];
	const char *who = "";

	tu_format_rfc3339(a->occurred_at, occ, sizeof occ);
	occ[16] = '\0'; /* minutes are enough on a terminal */
	occ[10] = ' ';
	for (size_t i = 0; i < a->nparticipants; i++) {
		if (a->participants[i].contact != NULL) {
			who = a->participants[i].address;
			break;
		}
	}
	if (*who == '\0' && a->nparticipants > 0)
		who = a->participants[0].address;
	buf_addf(b, "%s  %-7s %-8s %-9s %-28.28s %s", occ, a->kind, a->direction, a->status, who,
		 a->subject ? a->subject : "");
	for (size_t i = 0; i < a->nlinks; i++)
		if (strcmp(a->links[i].type, "deal") == 0)
			buf_addf(b, "  [deal %s]", a->links[i].key);
	if (a->nambiguous > 0)
		buf_addf(b, "  [ambiguous: %zu deals]", a->nambiguous);
	buf_addch(b, '\n');
}

static int act_print(const struct store_activity *a, void *arg)
{
	struct act_out *o = arg;

	buf_reset(&o->line);
	if (o->fmt == FMT_JSON)
		json_activity(&o->line, a);
	else if (o->fmt == FMT_CSV)
		csv_activity(&o->line, a);
	else
		text_activity(&o->line, a);
	if (o->fmt == FMT_TEXT)
		str_scrub_controls(o->line.data, o->line.len);
	if (fwrite(o->line.data, 1, o->line.len, o->fp) != o->line.len)
		return -1;
	o->count++;
	return 0;
}

static int act_usage(FILE *fp)
{
	fputs("usage: crmsync activities [--contact EMAIL] [--deal ID] [--company DOMAIN]\n"
	      "                          [--user EMAIL] [--since DATE] [--until DATE]\n"
	      "                          [--limit N] [--format text|json|csv]\n"
	      "\n"
	      "Prints logged activities, oldest first. DATE is YYYY-MM-DD, RFC 3339, or\n"
	      "relative: 7d, 4w, 3m. --format json prints JSON Lines (one object per\n"
	      "activity, see docs/activities-json.md); csv prints RFC 4180 with a header.\n"
	      "\n"
	      "example: crmsync activities --company acme.example --since 30d\n",
	      fp);
	return fp == stdout ? EXIT_OK : EXIT_USAGE;
}

struct act_args {
	struct store_activity_filter f;
	enum act_format fmt;
	char *contact, *company, *user; /* owned canonical forms */
};

static int act_addr_opt(const char *opt, const char *v, int domain, int plus, char **out)
{
	struct err err;

	err_init(&err);
	*out = domain ? addr_domain_canonical(v, &err) : addr_canonical(v, plus, &err);
	if (*out == NULL)
		return cli_usage("activities", "%s: '%s': %s", opt, v, err.msg);
	return 0;
}

static int act_parse(struct cli *c, int argc, char **argv, struct act_args *a)
{
	static const struct option opts[] = {
		{"contact", required_argument, NULL, 'C'},
		{"deal", required_argument, NULL, 'D'},
		{"company", required_argument, NULL, 'O'},
		{"user", required_argument, NULL, 'U'},
		{"since", required_argument, NULL, 's'},
		{"until", required_argument, NULL, 'u'},
		{"format", required_argument, NULL, 'f'},
		{"limit", required_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	int ch, plus = c->cfg->plus_addressing;
	char *end;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'C':
			free(a->contact);
			if (act_addr_opt("--contact", optarg, 0, plus, &a->contact))
				return -1;
			break;
		case 'O':
			free(a->company);
			if (act_addr_opt("--company", optarg, 1, plus, &a->company))
				return -1;
			break;
		case 'U':
			free(a->user);
			if (act_addr_opt("--user", optarg, 0, plus, &a->user))
				return -1;
			break;
		case 'D':
			a->f.deal_key = optarg;
			break;
		case 's':
		case 'u':
			if (tu_parse_cli_date(optarg, c->now,
					      ch == 's' ? &a->f.since : &a->f.until)) {
				cli_usage("activities",
					  "'%s' is not a date (YYYY-MM-DD, RFC 3339, "
					  "7d, 4w, 3m)",
					  optarg);
				return -1;
			}
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				a->fmt = FMT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				a->fmt = FMT_JSON;
			else if (strcmp(optarg, "csv") == 0)
				a->fmt = FMT_CSV;
			else {
				cli_usage("activities", "unknown format '%s' (text, json or csv)",
					  optarg);
				return -1;
			}
			break;
		case 'n':
			a->f.limit = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || a->f.limit <= 0) {
				cli_usage("activities", "--limit: '%s' is not a positive number",
					  optarg);
				return -1;
			}
			break;
		default:
			act_usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		cli_usage("activities", "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	a->f.contact_email = a->contact;
	a->f.company_domain = a->company;
	a->f.user_email = a->user;
	return 0;
}

int cmd_activities(struct cli *c, int argc, char **argv)
{
	struct act_args a = {.f = {.since = STORE_NO_TIME, .until = STORE_NO_TIME},
			     .fmt = FMT_TEXT};
	struct act_out o = {FMT_TEXT, stdout, {0}, 0};
	struct store *st = NULL;
	struct err err;
	int rc = EXIT_USAGE;

	if (cli_wants_help(argc, argv))
		return act_usage(stdout);
	if (cli_config(c) == NULL || act_parse(c, argc, argv, &a) == -1)
		goto out;
	if ((st = cli_store(c, 0, &rc)) == NULL)
		goto out;
	o.fmt = a.fmt;
	buf_init(&o.line, 64 << 20);
	err_init(&err);
	if (o.fmt == FMT_CSV)
		fputs(csv_header, stdout);
	if (store_activities_each(st, &a.f, act_print, &o, &err) == -1) {
		rc = err.kind != ERR_NONE ? cli_fail(&err) : EXIT_PARTIAL;
		goto out;
	}
	if (o.fmt == FMT_TEXT && o.count == 0)
		fputs("no activities\n", stderr);
	rc = EXIT_OK;
out:
	buf_release(&o.line);
	store_close(&st);
	free(a.contact);
	free(a.company);
	free(a.user);
	return rc;
}

/* cli/cmd_why.c - `crmsync why MESSAGE-ID | ACTIVITY-ID | EMAIL`: every
 * decision made about an item, in words or as JSON (docs/why-json.md):
 * where it was fetched, logged or skipped and what decided it, each link
 * with its rule and evidence, deal candidates, contacts it created, purges
 * that touched it. For an address: who it is to the CRM, whether it is
 * ignored or purged, and the activities it takes part in.
 */
#include "cli/cli.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/json.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "match/match.h"
#include "parsers/addr.h"
#include "parsers/mail.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct why {
	struct cli *c;
	struct store *st;
	struct match_dir *dir;
	int json;
	struct buf b;
	size_t n; /* items written to the current JSON list */
};

static const char *ts(int64_t t, char *out, size_t size)
{
	if (t == STORE_NO_TIME)
		return "-";
	tu_format_rfc3339(t, out, size);
	return out;
}

/* ---- a message or an activity ---------------------------------------------- */

static int why_item(const struct store_outcome *o, void *arg)
{
	struct why *w = arg;
	char t[32];

	if (w->json) {
		buf_addstr(&w->b, w->n++ ? ",{" : "{");
		json_kv_str(&w->b, 0, "account", o->account);
		json_kv_str(&w->b, 1, "container", o->container);
		json_kv_str(&w->b, 1, "item_ref", o->item_ref);
		json_kv_str(&w->b, 1, "outcome", o->outcome);
		json_kv_str(&w->b, 1, "reason", o->reason);
		json_kv_str(&w->b, 1, "evidence", o->evidence);
		json_kv_time(&w->b, 1, "decided_at", o->decided_at);
		json_kv_time(&w->b, 1, "removed_at", o->removed_at);
		buf_addch(&w->b, '}');
		return 0;
	}
	w->n++;
	buf_addf(&w->b, "  fetched from %s, %s, item %s; %s %s", o->account, o->container,
		 o->item_ref, strcmp(o->outcome, "error") == 0 ? "unreadable" : o->outcome,
		 ts(o->decided_at, t, sizeof t));
	if (o->reason != NULL)
		buf_addf(&w->b, ": %s", o->reason);
	if (o->evidence != NULL)
		buf_addf(&w->b, " (%s)", o->evidence);
	if (o->removed_at != STORE_NO_TIME)
		buf_addf(&w->b, "; gone from the server %s", ts(o->removed_at, t, sizeof t));
	buf_addch(&w->b, '\n');
	return 0;
}

static int why_created(const char *email, void *arg)
{
	struct why *w = arg;

	if (w->json) {
		buf_addstr(&w->b, w->n++ ? "," : "");
		json_str(&w->b, email);
	} else {
		buf_addf(&w->b, "  created contact %s (autocreate_contacts or a bcc copy)\n",
			 email);
	}
	return 0;
}

static int why_purge(const struct store_purge_record *p, void *arg)
{
	struct why *w = arg;
	char t[32];

	if (w->json) {
		buf_addstr(&w->b, w->n++ ? ",{" : "{");
		json_kv_int(&w->b, 0, "id", p->id);
		json_kv_str(&w->b, 1, "kind", p->kind);
		json_kv_time(&w->b, 1, "purged_at", p->purged_at);
		json_kv_int(&w->b, 1, "participants", p->participants);
		json_kv_int(&w->b, 1, "activities", p->activities);
		buf_addch(&w->b, '}');
	} else {
		buf_addf(&w->b,
			 "  purge #%lld (of an %s) on %s: %lld participant rows and %lld "
			 "activities deleted, subjects and snippets cleared\n",
			 (long long)p->id, p->kind, ts(p->purged_at, t, sizeof t),
			 (long long)p->participants, (long long)p->activities);
	}
	return 0;
}

static void why_activity_json(struct why *w, const struct store_activity *a)
{
	buf_addstr(&w->b, ",\"activity\":{");
	json_kv_int(&w->b, 0, "id", a->id);
	json_kv_str(&w->b, 1, "kind", a->kind);
	json_kv_str(&w->b, 1, "direction", a->direction);
	json_kv_str(&w->b, 1, "status", a->status);
	json_kv_time(&w->b, 1, "occurred_at", a->occurred_at);
	json_kv_str(&w->b, 1, "subject", a->subject);
	json_kv_str(&w->b, 1, "source_key", a->source_key);
	json_kv_str(&w->b, 1, "thread_key", a->thread_key);
	json_kv_str(&w->b, 1, "deal_tag", a->deal_tag);
	json_kv_str(&w->b, 1, "deal_tag_from", a->deal_tag_from);
	json_kv_str(&w->b, 1, "deal_note", a->deal_note);
	buf_addstr(&w->b, ",\"owners\":[");
	for (size_t i = 0; i < a->nowners; i++) {
		buf_addstr(&w->b, i ? "," : "");
		json_str(&w->b, a->owners[i]);
	}
	buf_addstr(&w->b, "],\"participants\":[");
	for (size_t i = 0; i < a->nparticipants; i++) {
		buf_addstr(&w->b, i ? ",{" : "{");
		json_kv_str(&w->b, 0, "address", a->participants[i].address);
		json_kv_str(&w->b, 1, "role", a->participants[i].role);
		json_kv_str(&w->b, 1, "contact", a->participants[i].contact);
		buf_addch(&w->b, '}');
	}
	buf_addstr(&w->b, "],\"links\":[");
	for (size_t i = 0; i < a->nlinks; i++) {
		buf_addstr(&w->b, i ? ",{" : "{");
		json_kv_str(&w->b, 0, "type", a->links[i].type);
		json_kv_str(&w->b, 1, "key", a->links[i].key);
		json_kv_str(&w->b, 1, "rule", a->links[i].rule);
		json_kv_str(&w->b, 1, "evidence", a->links[i].evidence);
		buf_addch(&w->b, '}');
	}
	buf_addstr(&w->b, "],\"ambiguous\":[");
	for (size_t i = 0; i < a->nambiguous; i++) {
		buf_addstr(&w->b, i ? "," : "");
		json_str(&w->b, a->ambiguous[i]);
	}
	buf_addstr(&w->b, "]");
}

static const char *rule_words(const char *rule)
{
	static const struct {
		const char *rule, *words;
	} r[] = {
		{"address", "the address is the contact's"},
		{"domain", "the address's domain is the company's"},
		{"thread", "the thread's deal"},
		{"tag", "a tag names it"},
		{"deal-contact", "the contacts' only open deal"},
		{"deal-company", "the company's only open deal"},
		{"manual", "linked by hand"},
	};
	for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
		if (strcmp(r[i].rule, rule) == 0)
			return r[i].words;
	return rule;
}

static void why_activity_text(struct why *w, const struct store_activity *a)
{
	char t[32];

	buf_addf(&w->b, "  logged as activity #%lld: %s, %s, %s, %s\n", (long long)a->id, a->kind,
		 a->direction, a->status, ts(a->occurred_at, t, sizeof t));
	if (a->subject != NULL)
		buf_addf(&w->b, "  subject: %s\n", a->subject);
	for (size_t i = 0; i < a->nparticipants; i++)
		buf_addf(&w->b, "  %-9s %s%s%s\n", a->participants[i].role,
			 a->participants[i].address,
			 a->participants[i].contact ? " = contact " : "",
			 a->participants[i].contact ? a->participants[i].contact : "");
	for (size_t i = 0; i < a->nlinks; i++)
		buf_addf(&w->b, "  linked to %s %s by rule %s: %s%s%s%s\n", a->links[i].type,
			 a->links[i].key, a->links[i].rule, rule_words(a->links[i].rule),
			 a->links[i].evidence ? " (" : "",
			 a->links[i].evidence ? a->links[i].evidence : "",
			 a->links[i].evidence ? ")" : "");
	if (a->nambiguous > 0) {
		buf_addstr(&w->b, "  ambiguous between deals");
		for (size_t i = 0; i < a->nambiguous; i++)
			buf_addf(&w->b, "%s %s", i ? "," : "", a->ambiguous[i]);
		buf_addf(&w->b, "; settle with: crmsync link %lld DEAL\n", (long long)a->id);
	}
	if (a->deal_note != NULL)
		buf_addf(&w->b, "  deal: %s\n", a->deal_note);
	else if (a->nambiguous == 0 && !a->nlinks)
		buf_addstr(&w->b, "  no links\n");
}

struct found {
	struct why *w;
	int64_t id;
	int ok;
};

static int why_activity_cb(const struct store_activity *a, void *arg)
{
	struct found *f = arg;
	struct why *w = f->w;
	struct err err;

	f->ok = 1;
	f->id = a->id;
	err_init(&err);
	if (w->json) {
		why_activity_json(w, a);
		buf_addstr(&w->b, ",\"created_contacts\":[");
		w->n = 0;
		if (store_contacts_created_by(w->st, a->source_key, why_created, w, &err) == -1)
			return -1;
		buf_addstr(&w->b, "]}");
	} else {
		why_activity_text(w, a);
		if (store_contacts_created_by(w->st, a->source_key, why_created, w, &err) == -1)
			return -1;
	}
	return 0;
}

/* Explains the message (or meeting) with this source_key; 0 when nothing
 * is known about it. */
static int why_message(struct why *w, const char *query, const char *key, int64_t id,
		       struct err *err)
{
	struct store_activity_filter f = {.since = STORE_NO_TIME, .until = STORE_NO_TIME};
	struct found fd = {w, -1, 0};
	struct buf act;
	size_t nitems;

	/* The activity first (to know its source_key when asked by id). */
	buf_init(&act, 64 << 20);
	{
		struct buf keep = w->b;
		w->b = act;
		if (id > 0)
			f.activity_id = id;
		else
			f.source_key = key;
		if (store_activities_each(w->st, &f, why_activity_cb, &fd, err) == -1 &&
		    err->kind != ERR_NONE) {
			act = w->b;
			w->b = keep;
			buf_release(&act);
			return -1;
		}
		act = w->b;
		w->b = keep;
	}
	if (w->json) {
		buf_addstr(&w->b, "{");
		json_kv_str(&w->b, 0, "query", query);
		json_kv_str(&w->b, 1, "kind", id > 0 ? "activity" : "message");
		json_kv_str(&w->b, 1, "source_key", key);
		buf_addstr(&w->b, ",\"items\":[");
	} else {
		buf_addf(&w->b, "%s\n", key != NULL ? key : query);
	}
	w->n = 0;
	if (key != NULL && store_outcomes_each(w->st, key, why_item, w, err) == -1) {
		buf_release(&act);
		return -1;
	}
	nitems = w->n;
	if (w->json) {
		buf_addstr(&w->b, "]");
		if (fd.ok)
			buf_add(&w->b, act.data, act.len);
		else
			buf_addstr(&w->b, ",\"activity\":null");
		buf_addstr(&w->b, ",\"purges\":[");
	} else if (fd.ok) {
		buf_add(&w->b, act.data, act.len);
	} else if (nitems > 0) {
		buf_addstr(&w->b, "  not logged: no activity holds it\n");
	}
	buf_release(&act);
	w->n = 0;
	if (fd.ok && store_purges_of_activity(w->st, fd.id, why_purge, w, err) == -1)
		return -1;
	if (w->json) {
		buf_addstr(&w->b, "],\"found\":");
		buf_addstr(&w->b, fd.ok || nitems > 0 ? "true}\n" : "false}\n");
	}
	return fd.ok || nitems > 0;
}

/* The source_key of an activity id (owned), or NULL. */
static int activity_key(const struct store_activity *a, void *arg)
{
	*(char **)arg = xstrdup(a->source_key);
	return 0;
}

/* ---- an address ------------------------------------------------------------- */

static int why_recent(const struct store_address_activity *a, void *arg)
{
	struct why *w = arg;
	char t[32];

	if (w->json) {
		buf_addstr(&w->b, w->n++ ? ",{" : "{");
		json_kv_int(&w->b, 0, "id", a->id);
		json_kv_time(&w->b, 1, "occurred_at", a->occurred_at);
		json_kv_str(&w->b, 1, "kind", a->kind);
		json_kv_str(&w->b, 1, "role", a->role);
		json_kv_str(&w->b, 1, "subject", a->subject);
		buf_addch(&w->b, '}');
	} else {
		buf_addf(&w->b, "    #%lld %s %s (%s) %s\n", (long long)a->id,
			 ts(a->occurred_at, t, sizeof t), a->kind, a->role,
			 a->subject != NULL ? a->subject : "");
	}
	return 0;
}

static int why_address(struct why *w, const char *query, const char *key, struct err *err)
{
	struct store_address_info info;
	const char *pattern = match_ignore_pattern(w->dir, key);
	int internal = match_is_internal(w->dir, key);
	int64_t company_id = match_dir_company_of(w->dir, key);
	char *company = NULL, *salt = NULL, *hash;
	const char *dom = addr_domain(key);
	size_t npurges;
	char t[32];
	int rc = -1;

	if (store_address_info(w->st, key, &info, err) == -1)
		return -1;
	if (company_id >= 0 && store_company_key(w->st, company_id, &company, err) == -1)
		goto out;
	if (store_meta_get(w->st, "purge_salt", &salt, err) == -1)
		goto out;
	if (w->json) {
		buf_addstr(&w->b, "{");
		json_kv_str(&w->b, 0, "query", query);
		buf_addstr(&w->b, ",\"found\":true");
		json_kv_str(&w->b, 1, "kind", "address");
		json_kv_str(&w->b, 1, "address", key);
		buf_addf(&w->b, ",\"internal\":%s", internal ? "true" : "false");
		json_kv_str(&w->b, 1, "user", info.user);
		if (info.contact != NULL) {
			buf_addstr(&w->b, ",\"contact\":{");
			json_kv_str(&w->b, 0, "email", info.contact);
			json_kv_str(&w->b, 1, "name", info.contact_name);
			json_kv_str(&w->b, 1, "company", info.contact_company);
			json_kv_str(&w->b, 1, "lead_source", info.lead_source);
			json_kv_time(&w->b, 1, "created_at", info.created_at);
			json_kv_str(&w->b, 1, "created_by", info.created_by);
			buf_addch(&w->b, '}');
		} else {
			buf_addstr(&w->b, ",\"contact\":null");
		}
		json_kv_str(&w->b, 1, "company", company);
		buf_addf(&w->b, ",\"role_address\":%s", addr_is_role(key) ? "true" : "false");
		json_kv_str(&w->b, 1, "ignored", pattern);
		buf_addstr(&w->b, ",\"purges\":[");
	} else {
		buf_addf(&w->b, "%s\n", key);
		if (info.user != NULL)
			buf_addf(&w->b,
				 "  a team member's address (%s): their mail is the source\n",
				 info.user);
		else if (internal)
			buf_addstr(&w->b, "  internal: in a team domain, never linked\n");
		if (info.contact != NULL) {
			buf_addf(&w->b, "  contact %s", info.contact);
			if (info.contact_name != NULL)
				buf_addf(&w->b, " (%s)", info.contact_name);
			if (info.contact_company != NULL)
				buf_addf(&w->b, " at %s", info.contact_company);
			buf_addf(&w->b, ", lead source %s, since %s",
				 info.lead_source ? info.lead_source : "-",
				 ts(info.created_at, t, sizeof t));
			if (info.created_by != NULL)
				buf_addf(&w->b, ", created from message %s", info.created_by);
			buf_addch(&w->b, '\n');
		} else if (!internal) {
			buf_addstr(&w->b, "  not a contact");
			if (company != NULL)
				buf_addf(&w->b, "; its domain belongs to company %s (rule domain)",
					 company);
			else
				buf_addstr(&w->b, "; its domain belongs to no company");
			buf_addch(&w->b, '\n');
		}
		if (addr_is_role(key))
			buf_addstr(&w->b, "  a role address: never made a contact; mail from it is "
					  "skipped (role-sender)\n");
		if (pattern != NULL)
			buf_addf(&w->b, "  ignored by the pattern %s ([match] ignore)\n", pattern);
	}
	/* Purges of the address, its domain or a parent domain. */
	w->n = 0;
	hash = match_purge_hash(salt, key);
	rc = store_purges_with_hash(w->st, hash, why_purge, w, err);
	free(hash);
	for (const char *p = dom; rc == 0 && p != NULL && *p;) {
		hash = match_purge_hash(salt, p);
		rc = store_purges_with_hash(w->st, hash, why_purge, w, err);
		free(hash);
		p = strchr(p, '.');
		if (p != NULL)
			p++;
	}
	npurges = w->n;
	if (rc == -1)
		goto out;
	rc = -1;
	if (w->json) {
		buf_addf(&w->b, "],\"activities\":%lld,\"recent\":[", (long long)info.activities);
	} else {
		if (npurges > 0)
			buf_addstr(&w->b, "  purged: later mail with it is ignored\n");
		buf_addf(&w->b, "  takes part in %lld activit%s%s\n", (long long)info.activities,
			 info.activities == 1 ? "y" : "ies",
			 info.activities > 0 ? ", latest:" : "");
	}
	w->n = 0;
	if (store_address_activities(w->st, key, 10, why_recent, w, err) == -1)
		goto out;
	if (w->json)
		buf_addstr(&w->b, "],\"skipped\":[");
	else
		buf_addstr(&w->b, "  skipped items that name it:\n");
	w->n = 0;
	if (store_outcomes_mentioning(w->st, key, 20, why_item, w, err) == -1)
		goto out;
	if (w->json)
		buf_addstr(&w->b, "]}\n");
	else if (w->n == 0)
		buf_addstr(&w->b, "    none\n");
	rc = 1;
out:
	free(company);
	free(salt);
	store_address_info_release(&info);
	return rc;
}

/* ---- the command ----------------------------------------------------------- */

static int why_usage(FILE *fp)
{
	fputs("usage: crmsync why MESSAGE-ID | ACTIVITY-ID | EMAIL [--format text|json]\n"
	      "\n"
	      "Explains what crmsync did with a message or meeting (its Message-ID, its\n"
	      "source key, or an activity's id): where it was fetched, whether it was\n"
	      "logged or skipped and what decided it, each link with its rule, the deal\n"
	      "candidates of an ambiguous activity, contacts it created, purges that\n"
	      "touched it. For an email address: who it is to the CRM, whether it is\n"
	      "ignored or purged, and its latest activities. JSON: docs/why-json.md.\n",
	      fp);
	return fp == stdout ? EXIT_OK : EXIT_USAGE;
}

static int all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int cmd_why(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	struct why w = {.c = c};
	const char *q;
	char *key = NULL;
	struct err err;
	int ch, rc, found = 0;

	if (cli_wants_help(argc, argv))
		return why_usage(stdout);
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'f')
			return why_usage(stderr);
		if (strcmp(optarg, "json") == 0)
			w.json = 1;
		else if (strcmp(optarg, "text") != 0)
			return cli_usage("why", "unknown format '%s' (text or json)", optarg);
	}
	if (optind + 1 != argc)
		return cli_usage("why", "expected one MESSAGE-ID, ACTIVITY-ID or EMAIL");
	q = argv[optind];
	if (cli_config(c) == NULL)
		return EXIT_USAGE;
	if ((w.st = cli_store(c, 0, &rc)) == NULL)
		return rc;
	err_init(&err);
	buf_init(&w.b, 256 << 20);
	if ((w.dir = match_dir_load(w.st, c->cfg, &err)) == NULL) {
		rc = cli_fail(&err);
		goto out;
	}
	if (all_digits(q)) {
		struct store_activity_filter f = {.since = STORE_NO_TIME, .until = STORE_NO_TIME};
		int64_t id;
		if (str_to_i64(q, 1, INT64_MAX, &id) == 0) {
			f.activity_id = id;
			if (store_activities_each(w.st, &f, activity_key, &key, &err) == -1 &&
			    err.kind != ERR_NONE) {
				rc = cli_fail(&err);
				goto out;
			}
			if (key != NULL)
				found = why_message(&w, q, key, id, &err);
		}
	} else {
		/* A Message-ID with or without <>, a sha256: key, a meeting UID. */
		char *norm = strchr(q, '@') != NULL ? mail_msgid_norm(q, strlen(q)) : NULL;
		const char *tries[] = {q, norm};
		for (size_t i = 0; i < 2 && found == 0; i++) {
			if (tries[i] == NULL || (i == 1 && strcmp(tries[i], q) == 0))
				continue;
			buf_reset(&w.b);
			found = why_message(&w, q, tries[i], 0, &err);
		}
		free(norm);
		if (found == 0 && strchr(q, '@') != NULL && q[0] != '<') {
			key = addr_canonical(q, c->cfg->plus_addressing, &err);
			buf_reset(&w.b);
			if (key == NULL) {
				rc = cli_usage("why",
					       "'%s' is neither a known message nor an address: %s",
					       q, err.msg);
				goto out;
			}
			found = why_address(&w, q, key, &err);
		}
	}
	if (found < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	if (found == 0) {
		fprintf(stderr,
			"crmsync: why: nothing known about '%s' (not a logged activity, a fetched "
			"message's id, or an address; see 'crmsync activities')\n",
			q);
		rc = EXIT_PARTIAL;
		goto out;
	}
	if (!w.json)
		str_scrub_controls(w.b.data, w.b.len);
	fwrite(w.b.data, 1, w.b.len, stdout);
	rc = EXIT_OK;
out:
	free(key);
	buf_release(&w.b);
	match_dir_free(w.dir);
	store_close(&w.st);
	return rc;
}

/* match/match.c - the matching rules of docs/matching.md. */
#include "match/match.h"
#include "match/internal.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/str.h"
#include "core/strset.h"
#include "core/xalloc.h"
#include "parsers/addr.h"
#include "parsers/mail.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Domains of free mail providers: a person there is not their company. */
static const char *const freemail_builtin[] = {
	"gmail.com",	"googlemail.com", "outlook.com",   "hotmail.com",    "hotmail.co.uk",
	"hotmail.fr",	"live.com",	  "live.co.uk",	   "msn.com",	     "yahoo.com",
	"yahoo.co.uk",	"yahoo.fr",	  "yahoo.de",	   "ymail.com",	     "rocketmail.com",
	"aol.com",	"icloud.com",	  "me.com",	   "mac.com",	     "gmx.de",
	"gmx.net",	"gmx.com",	  "gmx.at",	   "web.de",	     "mail.com",
	"proton.me",	"protonmail.com", "pm.me",	   "zoho.com",	     "yandex.ru",
	"yandex.com",	"mail.ru",	  "qq.com",	   "163.com",	     "126.com",
	"fastmail.com", "fastmail.fm",	  "hey.com",	   "t-online.de",    "orange.fr",
	"free.fr",	"laposte.net",	  "libero.it",	   "virgilio.it",    "seznam.cz",
	"wp.pl",	"o2.pl",	  "interia.pl",	   "btinternet.com", "comcast.net",
	"verizon.net",	"att.net",	  "sbcglobal.net", "tutanota.com",   "posteo.de",
	"mailbox.org",	"naver.com",	  "hanmail.net",   "rediffmail.com", "inbox.ru",
};

struct match_dir {
	struct strset contacts;	       /* address key -> contact id */
	struct strset contact_company; /* address key -> company id (only when one) */
	struct strset domains;	       /* company domain -> company id */
	struct strset users;	       /* address key -> user id */
	struct strset freemail;	       /* domain -> 1 */
	char **team;		       /* team domains (borrowed from the config) */
	size_t nteam;
	char **ignore; /* owned copies of patterns */
	size_t nignore;
};

static int dir_add_contact(const char *key, int64_t contact, int64_t company, void *arg)
{
	struct match_dir *d = arg;

	strset_add(&d->contacts, key, contact, NULL);
	if (company >= 0)
		strset_add(&d->contact_company, key, company, NULL);
	return 0;
}

static int dir_add_domain(const char *domain, int64_t company, void *arg)
{
	strset_add(&((struct match_dir *)arg)->domains, domain, company, NULL);
	return 0;
}

static int dir_add_user(const char *key, int64_t user, void *arg)
{
	strset_add(&((struct match_dir *)arg)->users, key, user, NULL);
	return 0;
}

static void dir_add_ignore(struct match_dir *d, const char *pattern)
{
	d->ignore = xreallocarray(d->ignore, d->nignore + 1, sizeof *d->ignore);
	d->ignore[d->nignore++] = xstrdup(pattern);
}

static int dir_add_ignored(const char *pattern, void *arg)
{
	dir_add_ignore(arg, pattern);
	return 0;
}

struct match_dir *match_dir_load(struct store *st, const struct config *cfg, struct err *err)
{
	struct match_dir *d = xcalloc(1, sizeof *d);

	strset_init(&d->contacts);
	strset_init(&d->contact_company);
	strset_init(&d->domains);
	strset_init(&d->users);
	strset_init(&d->freemail);
	d->team = cfg->team_domains.items;
	d->nteam = cfg->team_domains.n;
	if (cfg->freemail_default)
		for (size_t i = 0; i < sizeof freemail_builtin / sizeof freemail_builtin[0]; i++)
			strset_add(&d->freemail, freemail_builtin[i], 1, NULL);
	for (size_t i = 0; i < cfg->freemail.n; i++)
		strset_add(&d->freemail, cfg->freemail.items[i], 1, NULL);
	for (size_t i = 0; i < cfg->ignore.n; i++)
		dir_add_ignore(d, cfg->ignore.items[i]);
	if (store_each_contact_address(st, dir_add_contact, d, err) == -1 ||
	    store_each_company_domain(st, dir_add_domain, d, err) == -1 ||
	    store_each_user_address(st, dir_add_user, d, err) == -1 ||
	    store_each_ignored(st, dir_add_ignored, d, err) == -1) {
		match_dir_free(d);
		return NULL;
	}
	return d;
}

void match_dir_free(struct match_dir *d)
{
	if (d == NULL)
		return;
	strset_release(&d->contacts);
	strset_release(&d->contact_company);
	strset_release(&d->domains);
	strset_release(&d->users);
	strset_release(&d->freemail);
	for (size_t i = 0; i < d->nignore; i++)
		free(d->ignore[i]);
	free(d->ignore);
	free(d);
}

int64_t match_dir_user(const struct match_dir *d, const char *key)
{
	int64_t id;

	return strset_get(&d->users, key, &id) ? id : -1;
}

/* 1 if `domain` equals `base` or is a subdomain of it. */
static int domain_within(const char *domain, const char *base)
{
	size_t ld = strlen(domain), lb = strlen(base);

	if (ld == lb)
		return strcmp(domain, base) == 0;
	return ld > lb && domain[ld - lb - 1] == '.' && strcmp(domain + ld - lb, base) == 0;
}

int match_is_internal(const struct match_dir *d, const char *key)
{
	const char *domain = addr_domain(key);

	if (strset_get(&d->users, key, NULL))
		return 1;
	for (size_t i = 0; i < d->nteam; i++)
		if (domain_within(domain, d->team[i]))
			return 1;
	return 0;
}

/* Looks the domain and then each parent domain up in a set. */
static int domain_lookup(const struct strset *s, const char *domain, int64_t *val)
{
	for (const char *p = domain; p != NULL && *p;) {
		if (strset_get(s, p, val))
			return 1;
		p = strchr(p, '.');
		if (p != NULL)
			p++;
	}
	return 0;
}

int match_is_freemail(const struct match_dir *d, const char *domain)
{
	return domain_lookup(&d->freemail, domain, NULL);
}

int match_is_ignored(const struct match_dir *d, const char *key)
{
	for (size_t i = 0; i < d->nignore; i++)
		if (str_glob_ci(d->ignore[i], key))
			return 1;
	return 0;
}

/* ---- the decision ------------------------------------------------------- */

void match_skip(struct match_result *r, const char *reason, char *evidence)
{
	r->outcome = MATCH_SKIPPED;
	r->reason = reason;
	r->evidence = evidence;
}

/* Rule 1 and 2 of the skip table: invitations and automated mail. */
static int skip_by_headers(const struct mail_msg *m, struct match_result *r)
{
	const struct mail_auto *a = &m->autos;

	if (a->has_calendar) {
		match_skip(r, "invitation", xstrdup("Content-Type: text/calendar"));
	} else if (a->auto_submitted != NULL) {
		match_skip(r, "automated", xasprintf("Auto-Submitted: %s", a->auto_submitted));
	} else if (a->precedence != NULL) {
		match_skip(r, "automated", xasprintf("Precedence: %s", a->precedence));
	} else if (a->list_id != NULL) {
		match_skip(r, "automated", xasprintf("List-Id: %s", a->list_id));
	} else if (a->list_unsubscribe != NULL) {
		match_skip(r, "automated", xasprintf("List-Unsubscribe: %s", a->list_unsubscribe));
	} else if (a->x_autoreply != NULL) {
		match_skip(r, "automated", xasprintf("X-Autoreply: %s", a->x_autoreply));
	} else if (a->is_report) {
		match_skip(r, "automated", xstrdup("Content-Type: multipart/report"));
	} else {
		return 0;
	}
	return 1;
}

/* Collects the participants (From, To, Cc, Bcc; each key once, first role). */
static void collect_participants(const struct match_dir *d, const struct mail_msg *m,
				 struct match_result *r, struct strset *seen)
{
	const struct mail_addrs *fields[] = {&m->from, &m->to, &m->cc, &m->bcc};
	static const char *const roles[] = {"from", "to", "cc", "bcc"};
	size_t n = 0, cap = 0;

	for (size_t f = 0; f < 4; f++)
		cap += fields[f]->n;
	r->parts = xcalloc(cap + 1, sizeof *r->parts);
	for (size_t f = 0; f < 4; f++) {
		for (size_t i = 0; i < fields[f]->n; i++) {
			const struct mail_addr *a = &fields[f]->v[i];
			if (a->key == NULL || !strset_add(seen, a->key, (int64_t)n, NULL))
				continue;
			r->parts[n].address = a->address;
			r->parts[n].addr_key = a->key;
			r->parts[n].name = a->name;
			r->parts[n].role = roles[f];
			r->parts[n].contact_id = -1;
			r->parts[n].external = !match_is_internal(d, a->key);
			n++;
		}
	}
	r->act.participants = r->parts;
	r->act.nparticipants = n;
}

static void add_link(struct match_result *r, struct strset *linked, const char *type, int64_t id,
		     const char *rule)
{
	char k[40];

	snprintf(k, sizeof k, "%s:%lld", type, (long long)id);
	if (!strset_add(linked, k, 1, NULL))
		return;
	r->links = xreallocarray(r->links, r->act.nlinks + 1, sizeof *r->links);
	r->links[r->act.nlinks].type = type;
	r->links[r->act.nlinks].target_id = id;
	r->links[r->act.nlinks].rule = rule;
	r->act.nlinks++;
	r->act.links = r->links;
}

/* Rules 1 (address) and 2 (domain) for one external participant. */
void match_link_participant(const struct match_dir *d, struct store_new_participant *p,
			    struct match_result *r, struct strset *linked)
{
	const char *domain = addr_domain(p->addr_key);
	int64_t id, company;

	if (strset_get(&d->contacts, p->addr_key, &id)) {
		p->contact_id = id;
		add_link(r, linked, "contact", id, "address");
		if (strset_get(&d->contact_company, p->addr_key, &company))
			add_link(r, linked, "company", company, "address");
	} else if (!match_is_freemail(d, domain) && domain_lookup(&d->domains, domain, &company)) {
		add_link(r, linked, "company", company, "domain");
	}
}

const char *match_drop_ignored(const struct match_dir *d, struct match_result *r)
{
	const char *first = NULL;
	size_t k = 0;

	for (size_t i = 0; i < r->act.nparticipants; i++) {
		struct store_new_participant *p = &r->parts[i];
		if (p->external && match_is_ignored(d, p->addr_key)) {
			if (first == NULL)
				first = p->addr_key;
			continue;
		}
		r->parts[k++] = *p;
	}
	r->act.nparticipants = k;
	return first;
}

static int64_t pick_time(const struct mail_msg *m, int64_t internaldate)
{
	const int64_t y1990 = 631152000;

	if (m->has_date && m->date >= y1990 &&
	    (internaldate == 0 || m->date <= internaldate + 86400))
		return m->date;
	return internaldate != 0 ? internaldate : (m->has_date ? m->date : 0);
}

char *match_mail_source_key(const struct mail_msg *m, int64_t when)
{
	unsigned char digest[32];
	struct buf b;
	char *hex;

	if (m->message_id != NULL)
		return xstrdup(m->message_id);
	buf_init(&b, MAIL_MAX_HEADER);
	buf_addf(&b, "%s\n%lld\n%s\n%s",
		 m->from.n ? (m->from.v[0].key ? m->from.v[0].key : "") : "", (long long)when,
		 m->subject ? m->subject : "", m->to.n && m->to.v[0].key ? m->to.v[0].key : "");
	gnutls_hash_fast(GNUTLS_DIG_SHA256, b.data, b.len, digest);
	buf_release(&b);
	hex = xmalloc(7 + 64 + 1);
	memcpy(hex, "sha256:", 7);
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 7 + 2 * i, 3, "%02x", digest[i]);
	return hex;
}

static const char *thread_key(const struct mail_msg *m, const char *source_key)
{
	if (m->nreferences > 0)
		return m->references[0];
	if (m->in_reply_to != NULL)
		return m->in_reply_to;
	return source_key;
}

/* The activity's scalar fields. */
static void fill_activity(const struct match_opts *o, const struct mail_msg *m, int64_t when,
			  const char *snippet, struct match_result *r, const char *direction)
{
	r->source_key = match_mail_source_key(m, when);
	r->act.kind = "email";
	r->act.direction = direction;
	r->act.status = "logged";
	r->act.occurred_at = when;
	r->act.ended_at = STORE_NO_TIME;
	r->act.subject = o->capture >= CFG_CAPTURE_SUBJECT ? m->subject : NULL;
	if (o->capture >= CFG_CAPTURE_FULL && snippet != NULL && *snippet)
		r->snippet = xstrdup(snippet);
	r->act.snippet = r->snippet;
	r->act.source_key = r->source_key;
	r->act.thread_key = thread_key(m, r->source_key);
	r->act.owner_id = o->owner_id;
	r->act.sequence = -1;
}

void match_mail(const struct match_dir *d, const struct match_opts *o, const struct mail_msg *m,
		int64_t internaldate, const char *snippet, struct match_result *r)
{
	struct strset seen, linked;
	const char *ignored, *from_key;
	size_t nexternal = 0;

	memset(r, 0, sizeof *r);
	r->outcome = MATCH_LOGGED;
	strset_init(&seen);
	strset_init(&linked);
	collect_participants(d, m, r, &seen);
	from_key = m->from.n > 0 ? m->from.v[0].key : NULL;
	if (skip_by_headers(m, r))
		goto out;
	if (from_key != NULL && addr_is_role(from_key)) {
		match_skip(r, "role-sender", xasprintf("From: %s", m->from.v[0].address));
		goto out;
	}
	for (size_t i = 0; i < r->act.nparticipants; i++)
		nexternal += !match_is_internal(d, r->parts[i].addr_key);
	if (nexternal == 0) {
		if (!o->log_internal || r->act.nparticipants == 0) {
			match_skip(r, "internal", xstrdup("all participants internal"));
			goto out;
		}
		fill_activity(o, m, pick_time(m, internaldate), snippet, r, "internal");
		goto out;
	}
	ignored = match_drop_ignored(d, r);
	nexternal = 0;
	for (size_t i = 0; i < r->act.nparticipants; i++) {
		if (match_is_internal(d, r->parts[i].addr_key))
			continue;
		nexternal++;
		match_link_participant(d, &r->parts[i], r, &linked);
	}
	if (nexternal == 0) {
		match_skip(r, "ignored", xasprintf("ignored address %s", ignored));
		goto out;
	}
	if (r->act.nlinks == 0) {
		match_skip(r, "unmatched",
			   xasprintf("no contact or company among %zu external address%s",
				     nexternal, nexternal == 1 ? "" : "es"));
		goto out;
	}
	fill_activity(o, m, pick_time(m, internaldate), snippet, r,
		      from_key != NULL && match_is_internal(d, from_key) ? "outbound" : "inbound");
out:
	strset_release(&seen);
	strset_release(&linked);
}

char *match_truncate_utf8(const char *s, size_t max)
{
	size_t i = 0, chars = 0;

	while (s[i] != '\0' && chars < max) {
		i++;
		while ((s[i] & 0xc0) == 0x80)
			i++;
		chars++;
	}
	return xstrndup(s, i);
}

void match_result_release(struct match_result *r)
{
	free(r->evidence);
	free(r->parts);
	free(r->links);
	free(r->source_key);
	free(r->snippet);
	memset(r, 0, sizeof *r);
}

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
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	struct match_dir *d = arg;

	if (strncmp(pattern, "sha256:", 7) == 0)
		strset_add(&d->purged, pattern, 1, NULL);
	else
		dir_add_ignore(d, pattern);
	return 0;
}

/* Splits bcc_address into lower-case local part and domain. */
static void dir_set_bcc(struct match_dir *d, const char *bcc)
{
	const char *at = bcc != NULL ? strrchr(bcc, '@') : NULL;

	if (at == NULL)
		return;
	d->bcc_local = xstrndup(bcc, (size_t)(at - bcc));
	d->bcc_domain = xstrdup(at + 1);
	for (char *p = d->bcc_local; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (char *p = d->bcc_domain; *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

struct match_dir *match_dir_load(struct store *st, const struct config *cfg, struct err *err)
{
	struct match_dir *d = xcalloc(1, sizeof *d);

	strset_init(&d->contacts);
	strset_init(&d->contact_company);
	strset_init(&d->domains);
	strset_init(&d->users);
	strset_init(&d->freemail);
	strset_init(&d->purged);
	strset_init(&d->deal_keys);
	d->autocreate = (int)cfg->autocreate_contacts;
	dir_set_bcc(d, cfg->bcc_address);
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
	    store_each_ignored(st, dir_add_ignored, d, err) == -1 ||
	    store_meta_get(st, "purge_salt", &d->salt, err) == -1 ||
	    match_dir_load_deals(d, st, err) == -1) {
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
	strset_release(&d->purged);
	match_dir_free_deals(d);
	free(d->salt);
	free(d->bcc_local);
	free(d->bcc_domain);
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

/* "sha256:" and the hex SHA-256 of the buffer, which it releases. */
static char *sha256_key(struct buf *b)
{
	unsigned char digest[32];
	char *hex;

	gnutls_hash_fast(GNUTLS_DIG_SHA256, b->data, b->len, digest);
	buf_release(b);
	hex = xmalloc(7 + 64 + 1);
	memcpy(hex, "sha256:", 7);
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 7 + 2 * i, 3, "%02x", digest[i]);
	return hex;
}

char *match_purge_hash(const char *salt, const char *value)
{
	struct buf b;

	buf_init(&b, 4096);
	buf_addf(&b, "%s\n%s", salt != NULL ? salt : "", value);
	return sha256_key(&b);
}

/* 1 if the address, its domain or a parent domain was purged. */
static int is_purged(const struct match_dir *d, const char *key)
{
	const char *p = addr_domain(key);
	char *h = match_purge_hash(d->salt, key);
	int hit = strset_get(&d->purged, h, NULL);

	free(h);
	while (!hit && p != NULL && *p) {
		h = match_purge_hash(d->salt, p);
		hit = strset_get(&d->purged, h, NULL);
		free(h);
		p = strchr(p, '.');
		if (p != NULL)
			p++;
	}
	return hit;
}

int match_is_ignored(const struct match_dir *d, const char *key)
{
	for (size_t i = 0; i < d->nignore; i++)
		if (str_glob_ci(d->ignore[i], key))
			return 1;
	if (d->purged.n > 0 && is_purged(d, key))
		return 2;
	return 0;
}

const char *match_ignore_pattern(const struct match_dir *d, const char *key)
{
	for (size_t i = 0; i < d->nignore; i++)
		if (str_glob_ci(d->ignore[i], key))
			return d->ignore[i];
	return NULL;
}

void match_dir_add_contact(struct match_dir *d, const char *key, int64_t contact, int64_t company)
{
	dir_add_contact(key, contact, company, d);
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

/* 1 if the address as written is bcc_address, with or without a +tag;
 * the tag (a new heap string) goes to *tag_out when there is one. */
static int is_bcc_address(const struct match_dir *d, const char *written, char **tag_out)
{
	const char *at = strrchr(written, '@'), *plus;
	size_t llen, blen;

	if (d->bcc_local == NULL || at == NULL || strcasecmp(at + 1, d->bcc_domain) != 0)
		return 0;
	plus = memchr(written, '+', (size_t)(at - written));
	llen = (size_t)((plus != NULL ? plus : at) - written);
	blen = strlen(d->bcc_local);
	if (llen != blen || strncasecmp(written, d->bcc_local, blen) != 0)
		return 0;
	if (plus != NULL && plus + 1 < at && *tag_out == NULL)
		*tag_out = xstrndup(plus + 1, (size_t)(at - plus - 1));
	return 1;
}

/* Collects the participants (From, To, Cc, Bcc; each key once, first role);
 * bcc_address is not one. Returns 1 if it was there (a bcc copy). */
static int collect_participants(const struct match_dir *d, const struct mail_msg *m,
				struct match_result *r, struct strset *seen, char **bcc_tag)
{
	int bcc_copy = 0;
	const struct mail_addrs *fields[] = {&m->from, &m->to, &m->cc, &m->bcc};
	static const char *const roles[] = {"from", "to", "cc", "bcc"};
	size_t n = 0, cap = 0;

	for (size_t f = 0; f < 4; f++)
		cap += fields[f]->n;
	r->parts = xcalloc(cap + 1, sizeof *r->parts);
	for (size_t f = 0; f < 4; f++) {
		for (size_t i = 0; i < fields[f]->n; i++) {
			const struct mail_addr *a = &fields[f]->v[i];
			if (a->key == NULL)
				continue;
			if (is_bcc_address(d, a->address, bcc_tag)) {
				bcc_copy = 1;
				continue;
			}
			if (!strset_add(seen, a->key, (int64_t)n, NULL))
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
	return bcc_copy;
}

static void add_link(struct match_result *r, struct strset *linked, const char *type, int64_t id,
		     const char *rule, const char *evidence)
{
	char k[40];

	snprintf(k, sizeof k, "%s:%lld", type, (long long)id);
	if (!strset_add(linked, k, 1, NULL))
		return;
	r->links = xreallocarray(r->links, r->act.nlinks + 1, sizeof *r->links);
	r->links[r->act.nlinks].type = type;
	r->links[r->act.nlinks].target_id = id;
	r->links[r->act.nlinks].rule = rule;
	r->links[r->act.nlinks].evidence = evidence;
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
		add_link(r, linked, "contact", id, "address", p->addr_key);
		if (strset_get(&d->contact_company, p->addr_key, &company))
			add_link(r, linked, "company", company, "address", p->addr_key);
	} else if (!match_is_freemail(d, domain) && domain_lookup(&d->domains, domain, &company)) {
		add_link(r, linked, "company", company, "domain", p->addr_key);
	}
}

int64_t match_dir_company_of(const struct match_dir *d, const char *key)
{
	const char *domain = addr_domain(key);
	int64_t company;

	if (match_is_freemail(d, domain) || !domain_lookup(&d->domains, domain, &company))
		return -1;
	return company;
}

void match_relink(const struct match_dir *d, struct store_stored_participant *parts, size_t n,
		  struct store_new_link **links_out, size_t *nlinks_out)
{
	struct match_result r;
	struct strset linked;

	memset(&r, 0, sizeof r);
	strset_init(&linked);
	for (size_t i = 0; i < n; i++) {
		struct store_new_participant p = {.addr_key = parts[i].addr_key, .contact_id = -1};
		if (!parts[i].external)
			continue;
		match_link_participant(d, &p, &r, &linked);
		parts[i].contact_id = p.contact_id;
	}
	strset_release(&linked);
	*links_out = r.links;
	*nlinks_out = r.act.nlinks;
}

const char *match_drop_ignored(const struct match_dir *d, struct match_result *r)
{
	const char *first = NULL;
	size_t k = 0;
	int how;

	for (size_t i = 0; i < r->act.nparticipants; i++) {
		struct store_new_participant *p = &r->parts[i];
		if (p->external && (how = match_is_ignored(d, p->addr_key)) != 0) {
			/* A purged address is never written down again. */
			if (first == NULL || (how == 1 && strcmp(first, "a purged address") == 0))
				first = how == 1 ? p->addr_key : "a purged address";
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
	struct buf b;

	if (m->message_id != NULL)
		return xstrdup(m->message_id);
	buf_init(&b, MAIL_MAX_HEADER);
	buf_addf(&b, "%s\n%lld\n%s\n%s",
		 m->from.n ? (m->from.v[0].key ? m->from.v[0].key : "") : "", (long long)when,
		 m->subject ? m->subject : "", m->to.n && m->to.v[0].key ? m->to.v[0].key : "");
	return sha256_key(&b);
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
	char *bcc_tag = NULL;
	int bcc_copy, outbound;

	memset(r, 0, sizeof *r);
	r->outcome = MATCH_LOGGED;
	strset_init(&seen);
	strset_init(&linked);
	bcc_copy = collect_participants(d, m, r, &seen, &bcc_tag);
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
	outbound = from_key != NULL && match_is_internal(d, from_key);
	match_mark_creates(d, r, outbound, bcc_copy);
	if (r->act.nlinks == 0 && r->ncreates == 0) {
		match_skip(r, "unmatched",
			   xasprintf("no contact or company among %zu external address%s",
				     nexternal, nexternal == 1 ? "" : "es"));
		goto out;
	}
	fill_activity(o, m, pick_time(m, internaldate), snippet, r,
		      outbound ? "outbound" : "inbound");
	/* The subject tag wins over the bcc tag (docs/matching.md). */
	r->deal_tag = match_subject_tag(m->subject);
	r->act.deal_tag_from = "subject";
	if (r->deal_tag == NULL && bcc_tag != NULL) {
		r->deal_tag = bcc_tag;
		bcc_tag = NULL;
		r->act.deal_tag_from = "bcc";
	}
	r->act.deal_tag = r->deal_tag;
	if (r->deal_tag == NULL)
		r->act.deal_tag_from = NULL;
out:
	free(bcc_tag);
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
	free(r->deal_tag);
	free(r->creates);
	memset(r, 0, sizeof *r);
}

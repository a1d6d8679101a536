/* match/deal.c - rules 3-7 of SPEC §5.4 (docs/matching.md, "Deals"),
 * the deal tags, and contacts created from mail (autocreate_contacts).
 *
 * A thread's deals are decided from what is stored about its activities
 * (their contact and company links, their tags, links a person made), so
 * live sync, `crmsync rematch` and `crmsync link` decide alike, whatever
 * order the mailboxes were read in.
 */
#include "match/match.h"
#include "match/internal.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "parsers/addr.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the directory's deals ------------------------------------------------ */

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static int add_deal(const char *key, int64_t id, const char *status, void *arg)
{
	struct match_dir *d = arg;
	struct match_deal *x;

	d->deals = xreallocarray(d->deals, d->ndeals + 1, sizeof *d->deals);
	x = &d->deals[d->ndeals];
	x->id = id;
	x->key = xstrdup(key);
	x->open = strcmp(status, "open") == 0;
	d->ndeals++;
	return 0;
}

struct pairs {
	struct match_pair *v;
	size_t n;
};

static int add_pair(int64_t deal, int64_t owner, void *arg)
{
	struct pairs *p = arg;

	p->v = xreallocarray(p->v, p->n + 1, sizeof *p->v);
	p->v[p->n].owner = owner;
	p->v[p->n].deal = deal;
	p->n++;
	return 0;
}

static int cmp_pair(const void *a, const void *b)
{
	const struct match_pair *x = a, *y = b;

	if (x->owner != y->owner)
		return (x->owner > y->owner) - (x->owner < y->owner);
	return (x->deal > y->deal) - (x->deal < y->deal);
}

static int cmp_deal(const void *a, const void *b)
{
	const struct match_deal *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

int match_dir_load_deals(struct match_dir *d, struct store *st, struct err *err)
{
	struct pairs c = {0}, k = {0};

	if (store_each_deal(st, add_deal, d, err) == -1 ||
	    store_each_open_deal_contact(st, add_pair, &c, err) == -1 ||
	    store_each_open_deal_company(st, add_pair, &k, err) == -1) {
		free(c.v);
		free(k.v);
		return -1;
	}
	if (d->ndeals > 1)
		qsort(d->deals, d->ndeals, sizeof *d->deals, cmp_deal);
	for (size_t i = 0; i < d->ndeals; i++) {
		char *lk = xstrdup(d->deals[i].key);
		lower(lk);
		strset_add(&d->deal_keys, lk, (int64_t)i, NULL);
		free(lk);
	}
	if (c.n > 1)
		qsort(c.v, c.n, sizeof *c.v, cmp_pair);
	if (k.n > 1)
		qsort(k.v, k.n, sizeof *k.v, cmp_pair);
	d->contact_deals = c.v;
	d->ncontact_deals = c.n;
	d->company_deals = k.v;
	d->ncompany_deals = k.n;
	return 0;
}

void match_dir_free_deals(struct match_dir *d)
{
	for (size_t i = 0; i < d->ndeals; i++)
		free(d->deals[i].key);
	free(d->deals);
	strset_release(&d->deal_keys);
	free(d->contact_deals);
	free(d->company_deals);
}

int match_dir_has_deals(const struct match_dir *d)
{
	return d->ndeals > 0;
}

const struct match_deal *match_deal_by_key(const struct match_dir *d, const char *key)
{
	char *lk = xstrdup(key);
	int64_t i;
	int found;

	lower(lk);
	found = strset_get(&d->deal_keys, lk, &i);
	free(lk);
	return found ? &d->deals[i] : NULL;
}

static const struct match_deal *deal_by_id(const struct match_dir *d, int64_t id)
{
	size_t lo = 0, hi = d->ndeals;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->deals[mid].id == id)
			return &d->deals[mid];
		if (d->deals[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- tags ------------------------------------------------------------------ */

char *match_subject_tag(const char *subject)
{
	const char *p = subject;

	while (p != NULL && (p = strchr(p, '[')) != NULL) {
		const char *k, *end;
		if (strncasecmp(p + 1, "deal:", 5) != 0) {
			p++;
			continue;
		}
		k = p + 6;
		end = strchr(k, ']');
		if (end == NULL)
			return NULL;
		while (k < end && isspace((unsigned char)*k))
			k++;
		while (end > k && isspace((unsigned char)end[-1]))
			end--;
		if (end > k && end - k <= 100)
			return xstrndup(k, (size_t)(end - k));
		p = end;
	}
	return NULL;
}

/* ---- contacts from mail ----------------------------------------------------- */

void match_mark_creates(const struct match_dir *d, struct match_result *r, int outbound,
			int bcc_copy)
{
	if (!bcc_copy && (d->autocreate == CFG_AUTOCREATE_NO ||
			  (d->autocreate == CFG_AUTOCREATE_SENT && !outbound)))
		return;
	for (size_t i = 0; i < r->act.nparticipants; i++) {
		const struct store_new_participant *p = &r->parts[i];
		if (!p->external || p->contact_id >= 0 || addr_is_role(p->addr_key))
			continue;
		r->creates = xreallocarray(r->creates, r->ncreates + 1, sizeof *r->creates);
		r->creates[r->ncreates++] = i;
	}
}

int match_create_contacts(struct match_dir *d, struct store *st, const struct match_result *r,
			  int64_t when, int64_t now, struct err *err)
{
	int n = 0;

	for (size_t i = 0; i < r->ncreates; i++) {
		const struct store_new_participant *p = &r->parts[r->creates[i]];
		struct store_auto_contact c = {
			.email = p->addr_key,
			.email_written = p->address,
			.name = p->name,
			.company_id = match_dir_company_of(d, p->addr_key),
			.created_at = when,
			.created_by = r->source_key,
		};
		int64_t id;
		if (store_contact_autocreate(st, &c, now, &id, err) == -1)
			return -1;
		match_dir_add_contact(d, p->addr_key, id, c.company_id);
		n++;
	}
	return n;
}

/* ---- rules 3-7 --------------------------------------------------------------- */

/* Sorted, distinct open deals of the owners in ids[] from pairs[]. */
static size_t open_deals_of(const struct match_pair *pairs, size_t npairs, const int64_t *ids,
			    size_t nids, int64_t **out)
{
	size_t n = 0;

	*out = NULL;
	for (size_t i = 0; i < nids; i++) {
		size_t lo = 0, hi = npairs;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (pairs[mid].owner < ids[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < npairs && pairs[lo].owner == ids[i]; lo++) {
			size_t k = 0;
			while (k < n && (*out)[k] != pairs[lo].deal)
				k++;
			if (k < n)
				continue;
			*out = xreallocarray(*out, n + 1, sizeof **out);
			(*out)[n++] = pairs[lo].deal;
		}
	}
	return n;
}

/* One activity's decision, with the strings it owns. */
struct decision {
	struct store_deal_decision d;
	char *evidence, *note;
	int64_t *cands;
};

static void decision_free(struct decision *x)
{
	free(x->evidence);
	free(x->note);
	free(x->cands);
	memset(x, 0, sizeof *x);
}

/* What rules 4-6 look at. */
struct own {
	const char *tag, *tag_from;
	const int64_t *contacts, *companies;
	size_t ncontacts, ncompanies;
};

/* Rules 4-6 for one activity (no kept link, nothing carried). */
static void decide_own(const struct match_dir *d, const struct own *it, struct decision *x)
{
	const struct match_deal *tag = NULL;
	int64_t *deals;
	size_t n;

	if (it->tag != NULL) {
		tag = match_deal_by_key(d, it->tag);
		if (tag != NULL && tag->open) {
			x->d.deal_id = tag->id;
			x->d.rule = "tag";
			x->evidence = it->tag_from != NULL && strcmp(it->tag_from, "bcc") == 0 ?
					      xasprintf("copy to bcc_address +%s", it->tag) :
					      xasprintf("Subject tag [deal:%s]", it->tag);
			return;
		}
		x->note = tag == NULL ?
				  xasprintf("tag names deal %s, which does not exist", it->tag) :
				  xasprintf("tag names deal %s, which is closed", tag->key);
	}
	n = open_deals_of(d->contact_deals, d->ncontact_deals, it->contacts, it->ncontacts, &deals);
	if (n == 1) {
		x->d.deal_id = deals[0];
		x->d.rule = "deal-contact";
		x->evidence = xasprintf("the only open deal of the linked contacts");
		free(deals);
		return;
	}
	if (n == 0) {
		free(deals);
		n = open_deals_of(d->company_deals, d->ncompany_deals, it->companies,
				  it->ncompanies, &deals);
		if (n == 1) {
			x->d.deal_id = deals[0];
			x->d.rule = "deal-company";
			x->evidence = xasprintf("the only open deal of the linked companies");
			free(deals);
			return;
		}
		if (n > 1) {
			free(x->note);
			x->note = xasprintf("%zu open deals of the linked companies", n);
		}
	} else {
		free(x->note);
		x->note = xasprintf("%zu open deals of the linked contacts", n);
	}
	x->cands = deals;
	x->d.candidates = deals;
	x->d.ncandidates = n;
}

int match_resolve_new(const struct match_dir *d, struct store *st,
		      const struct store_new_activity *a, int64_t id, int64_t now, struct err *err)
{
	struct own it = {a->deal_tag, a->deal_tag_from, NULL, NULL, 0, 0};
	int64_t *contacts, *companies;
	struct decision x;
	int changed, rc = 0;

	if (a->thread_key != NULL) {
		int others = store_thread_has_others(st, a->thread_key, id, err);
		if (others < 0)
			return -1;
		if (others)
			return match_resolve_thread(d, st, a->thread_key, id, now, NULL, err);
	}
	/* A new activity alone in its thread: what the rules need is in hand,
	 * and there is nothing stored to compare with. */
	contacts = xcalloc(a->nlinks + 1, sizeof *contacts);
	companies = xcalloc(a->nlinks + 1, sizeof *companies);
	for (size_t i = 0; i < a->nlinks; i++) {
		if (strcmp(a->links[i].type, "contact") == 0)
			contacts[it.ncontacts++] = a->links[i].target_id;
		else if (strcmp(a->links[i].type, "company") == 0)
			companies[it.ncompanies++] = a->links[i].target_id;
	}
	it.contacts = contacts;
	it.companies = companies;
	memset(&x, 0, sizeof x);
	x.d.deal_id = -1;
	decide_own(d, &it, &x);
	x.d.evidence = x.evidence;
	x.d.note = x.note;
	if (x.d.deal_id >= 0 || x.d.ncandidates > 0 || x.d.note != NULL)
		rc = store_activity_set_deal(st, id, &x.d, now, &changed, err);
	decision_free(&x);
	free(contacts);
	free(companies);
	return rc;
}

int match_resolve_thread(const struct match_dir *d, struct store *st, const char *thread_key,
			 int64_t activity_id, int64_t now, struct match_deal_counts *c,
			 struct err *err)
{
	struct store_thread_item *items;
	int64_t carried = -1;
	const char *carried_from = NULL;
	size_t n;
	int rc = 0;

	if (store_thread_load(st, thread_key, activity_id, &items, &n, err) == -1)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct store_thread_item *it = &items[i];
		struct decision x;
		int changed;

		memset(&x, 0, sizeof x);
		x.d.deal_id = -1;
		if (it->deal_id >= 0 && it->deal_rule != NULL &&
		    (strcmp(it->deal_rule, "manual") == 0 || !it->deal_open)) {
			/* Kept: a person's link, or a deal closed since. */
			x.d.deal_id = it->deal_id;
			x.d.rule = it->deal_rule;
			x.evidence = it->deal_evidence != NULL ? xstrdup(it->deal_evidence) : NULL;
		} else if (carried >= 0) {
			x.d.deal_id = carried;
			x.d.rule = "thread";
			x.evidence = xasprintf("earlier message %s in the thread", carried_from);
		} else {
			struct own o = {it->deal_tag,  it->deal_tag_from, it->contacts,
					it->companies, it->ncontacts,	  it->ncompanies};
			decide_own(d, &o, &x);
		}
		x.d.evidence = x.evidence;
		x.d.note = x.note;
		if (x.d.deal_id >= 0) {
			const struct match_deal *dl = deal_by_id(d, x.d.deal_id);
			if (dl != NULL && dl->open) {
				carried = x.d.deal_id;
				carried_from = it->source_key;
			}
		}
		rc = store_activity_set_deal(st, it->activity_id, &x.d, now, &changed, err);
		if (rc == 0 && changed && c != NULL) {
			c->changed++;
			c->linked += x.d.deal_id >= 0;
			c->ambiguous += x.d.ncandidates > 0;
		}
		decision_free(&x);
	}
	store_thread_free(items, n);
	return rc;
}

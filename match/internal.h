/* match/internal.h - shared by the files of match/ only. */
#ifndef MATCH_INTERNAL_H
#define MATCH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/strset.h"

struct store;
struct err;

/* One deal as the rules see it. */
struct match_deal {
	int64_t id;
	char *key; /* owned */
	int open;
};

/* (contact or company, open deal) pairs, sorted by owner then deal. */
struct match_pair {
	int64_t owner, deal;
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
	struct strset purged; /* "sha256:..." of purged addresses and domains */
	char *salt;	      /* owned; the purge salt, or NULL */
	int autocreate;	      /* enum cfg_autocreate */
	char *bcc_local;      /* owned; bcc_address split, lower case, or NULL */
	char *bcc_domain;
	/* Deals: by id (sorted), key (lower case) -> index, and who is on
	 * which open deal. */
	struct match_deal *deals;
	size_t ndeals;
	struct strset deal_keys;
	struct match_pair *contact_deals, *company_deals;
	size_t ncontact_deals, ncompany_deals;
};

/* Loads the deals into the directory (deal.c). */
int match_dir_load_deals(struct match_dir *d, struct store *st, struct err *err);
void match_dir_free_deals(struct match_dir *d);
/* The deal with this key (case-insensitive), or NULL. */
const struct match_deal *match_deal_by_key(const struct match_dir *d, const char *key);
/* Marks external participants that become contacts (autocreate_contacts
 * or a bcc copy): `outbound` says the team wrote first. */
void match_mark_creates(const struct match_dir *d, struct match_result *r, int outbound,
			int bcc_copy);
struct match_result;
struct store_new_participant;
struct strset;

/* 1 if the canonical address matches an ignore pattern, 2 if it (or its
 * domain) was purged, 0 if neither. */
int match_is_ignored(const struct match_dir *d, const char *key);
/* Drops ignored external participants from r; returns the first one
 * dropped (borrowed; "a purged address" for a purged one), or NULL. */
const char *match_drop_ignored(const struct match_dir *d, struct match_result *r);
/* Marks the result skipped with a static reason and owned evidence. */
void match_skip(struct match_result *r, const char *reason, char *evidence);
/* Rules 1 (address) and 2 (domain) for one external participant; links
 * already made (in `linked`) are not repeated. */
void match_link_participant(const struct match_dir *d, struct store_new_participant *p,
			    struct match_result *r, struct strset *linked);
/* The first `max` characters of UTF-8 text, as a new heap string. */
char *match_truncate_utf8(const char *s, size_t max);

#endif

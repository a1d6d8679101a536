/* match/match.h - the CRM rules: which fetched message becomes which
 * activity, linked to which contacts and companies, or why it is skipped.
 *
 * docs/matching.md states the rules exactly; this module implements them
 * and nothing else: no network, no parsing of bytes, and the database only
 * through store.h (the directory of contact, company and user addresses is
 * loaded once per run into memory, so matching a message costs a few hash
 * lookups).
 */
#ifndef MATCH_MATCH_H
#define MATCH_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct err;
struct config;
struct mail_msg;
struct match_dir;

/* Loads the directory: contact addresses, company domains, user
 * addresses, team domains, freemail domains and ignore patterns (from the
 * config and from purges). NULL with err on a database error. */
struct match_dir *match_dir_load(struct store *st, const struct config *cfg, struct err *err);
void match_dir_free(struct match_dir *d);
/* The user id of a canonical address (primary or alias), or -1. */
int64_t match_dir_user(const struct match_dir *d, const char *key);
/* 1 if the canonical address is internal (a user, or a team domain). */
int match_is_internal(const struct match_dir *d, const char *key);
/* 1 if the domain (canonical) or a parent of it is a freemail domain. */
int match_is_freemail(const struct match_dir *d, const char *domain);

enum match_outcome {
	MATCH_LOGGED,
	MATCH_SKIPPED,
};

/* What matching decided about one message. The activity's strings point
 * into the message or into the result's own storage: keep both alive
 * while the result is used. */
struct match_result {
	enum match_outcome outcome;
	const char *reason; /* static skip code, NULL when logged */
	char *evidence;	    /* owned; the header or address that decided a skip */
	struct store_new_activity act;
	struct store_new_participant *parts; /* owned array (strings borrowed) */
	struct store_new_link *links;	     /* owned array */
	char *source_key;		     /* owned */
	char *snippet;			     /* owned, or NULL */
	char *deal_tag;			     /* owned; the KEY a tag named, or NULL */
	size_t *creates; /* owned; indexes into parts of people to create as contacts */
	size_t ncreates;
};

/* Per-account settings of matching. */
struct match_opts {
	int64_t owner_id;
	int capture; /* enum cfg_capture */
	int log_internal;
	int snippet_chars; /* meetings: characters of the description kept */
};

/* Decides about a parsed message. `internaldate` is the server's (0 if
 * unknown); `snippet` (owned by the caller, may be NULL) is stored when
 * capture is full. Fills *r; release it with match_result_release. */
void match_mail(const struct match_dir *d, const struct match_opts *o, const struct mail_msg *m,
		int64_t internaldate, const char *snippet, struct match_result *r);
void match_result_release(struct match_result *r);

/* Adds a contact created while matching (autocreate_contacts) to the
 * directory, so later messages of the run match it. */
void match_dir_add_contact(struct match_dir *d, const char *key, int64_t contact, int64_t company);
/* The company rule 2 gives an address (its domain or a parent domain, not
 * freemail), or -1. */
int64_t match_dir_company_of(const struct match_dir *d, const char *key);
/* 1 when any deal exists (the deal rules have something to do). */
int match_dir_has_deals(const struct match_dir *d);

/* Creates the contacts r->creates names (lead_source email, created by
 * the message), adds them to the directory; returns the number created
 * (then match again), or -1 with err. */
int match_create_contacts(struct match_dir *d, struct store *st, const struct match_result *r,
			  int64_t when, int64_t now, struct err *err);

/* What deciding deals changed. */
struct match_deal_counts {
	int64_t changed;   /* activities whose deal link, candidates or note changed */
	int64_t linked;	   /* ... of which now have a deal */
	int64_t ambiguous; /* ... of which are now ambiguous */
};

/* Decides the deal of every activity of a thread (docs/matching.md,
 * "Deals") and stores what changed. thread_key NULL: the activity alone
 * (meetings). */
int match_resolve_thread(const struct match_dir *d, struct store *st, const char *thread_key,
			 int64_t activity_id, int64_t now, struct match_deal_counts *c,
			 struct err *err);

/* The same for an activity just created from `a`: when it is alone in its
 * thread (a meeting, a new conversation) it is decided from `a` itself
 * without reading the store back. */
int match_resolve_new(const struct match_dir *d, struct store *st,
		      const struct store_new_activity *a, int64_t id, int64_t now, struct err *err);

/* Rules 1 and 2 over an activity's stored participants (rematch): sets
 * each one's contact_id and returns the links in *links_out (owned array;
 * evidence strings point into parts). */
void match_relink(const struct match_dir *d, struct store_stored_participant *parts, size_t n,
		  struct store_new_link **links_out, size_t *nlinks_out);

/* Finds the first "[deal:KEY]" in a subject (NULL: none); returns the
 * KEY, trimmed, as a new heap string, or NULL. */
char *match_subject_tag(const char *subject);

/* The `ignore` pattern that hides the address, or NULL. */
const char *match_ignore_pattern(const struct match_dir *d, const char *key);

/* "sha256:" and the hex SHA-256 of salt, a newline and value: how a purged
 * address or domain is remembered. A new heap string. */
char *match_purge_hash(const char *salt, const char *value);

struct ics_occurrence;

/* Decides about one meeting occurrence (docs/matching.md, "Meetings"):
 * participants are the organizer and the attendees; the status is
 * cancelled, declined (every team member invited declined), held (ended
 * before `now`, with an external participant who did not decline) or
 * scheduled. The result replaces an older version of the same meeting. */
void match_meeting(const struct match_dir *d, const struct match_opts *o,
		   const struct ics_occurrence *ev, int64_t now, struct match_result *r);
/* "UID" for a single event, "UID#RECURRENCE-ID" for one occurrence of a
 * series (SPEC §5.3). Returns a new heap string. */
char *match_meeting_source_key(const struct ics_occurrence *ev);

/* The identity of a message (SPEC §5.3, docs/matching.md): its normalised
 * Message-ID, or "sha256:" and the hash of From, date, Subject and first
 * To. Returns a new heap string. */
char *match_mail_source_key(const struct mail_msg *m, int64_t when);

#endif

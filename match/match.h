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

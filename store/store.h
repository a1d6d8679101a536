/* store/store.h - the crmsync database: the only API that speaks SQL.
 *
 * Everything that reads or writes the database goes through this header;
 * no SQL text and no SQLite type exists outside store/. The backend today
 * is SQLite (WAL, foreign keys, busy time-out, prepared statements only);
 * the API is shaped so another backend could sit behind it.
 *
 * Conventions: functions return 0 on success and -1 with err set. Errors
 * from the database are ERR_TEMP when the database is busy or locked and
 * ERR_DB otherwise; violations of the CRM's own rules found while writing
 * (an address that belongs to another contact) are ERR_USAGE. Strings in
 * the record structs are borrowed by the store during a call and never
 * kept. Strings the store hands back are owned by the caller unless a
 * comment says otherwise. Times are UTC seconds since the epoch; 0 in an
 * optional time field means "not set" (STORE_NO_TIME).
 */
#ifndef STORE_STORE_H
#define STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

struct err;
struct store;

#define STORE_NO_TIME INT64_MIN

/* ---- opening --------------------------------------------------------- */

enum store_open_flags {
	STORE_READONLY = 1 << 0, /* no writes, no migration (fails if migration is needed) */
	STORE_NOCREATE = 1 << 1, /* fail when the database file does not exist */
	/* A 32 MB page cache instead of 8 MB: for reads that jump around a
	 * large file (the attribution report looks up each won deal's
	 * activities by id). */
	STORE_BIG_CACHE = 1 << 2,
};

/* Opens or creates the database at `path` (":memory:" for a private
 * in-memory database). A missing parent directory is created with mode
 * 0700 and a new database file with mode 0600. Migrates the schema to the
 * current version unless STORE_READONLY. Returns NULL with err set. */
struct store *store_open(const char *path, int flags, struct err *err);
/* How long a write waits for another writer before failing with ERR_TEMP
 * (default 10 s). */
void store_set_busy_timeout(struct store *st, int ms);
/* Closes and frees *st and sets it to NULL; NULL is a no-op. */
void store_close(struct store **st);
/* The schema version the database is at, and the one this code writes. */
int store_schema_version(struct store *st);
int store_schema_latest(void);

/* Runs SQL statements with no parameters: loading test and report
 * fixtures. Never pass it text built from input. */
int store_exec_script(struct store *st, const char *sql, struct err *err);

/* Write transactions (BEGIN IMMEDIATE). store_rollback never fails. */
int store_begin(struct store *st, struct err *err);
int store_commit(struct store *st, struct err *err);
void store_rollback(struct store *st);

/* ---- CRM records ----------------------------------------------------- */

/* What an upsert did, for import summaries. */
enum store_change {
	STORE_UNCHANGED = 0,
	STORE_ADDED,
	STORE_UPDATED,
};

/* A list of strings (borrowed). `present` tells an update whether the
 * column was given at all: an absent list leaves the stored one alone, a
 * present one replaces it. */
struct store_strlist {
	const char *const *items;
	size_t n;
	int present;
};

/* Optional scalar columns follow the same rule: `has_X` set means the
 * column was given (a NULL string then clears the stored value). */

struct store_user {
	const char *email; /* canonical key */
	const char *email_written;
	const char *name;
	int has_name;
	struct store_strlist aliases; /* canonical keys */
	struct store_strlist aliases_written;
};

struct store_company {
	const char *domain; /* canonical */
	const char *name;
	struct store_strlist domains; /* extra domains, canonical */
};

struct store_contact {
	const char *email; /* canonical key */
	const char *email_written;
	const char *name;
	int has_name;
	const char *company_domain; /* canonical; must be an imported company */
	int has_company;
	const char *lead_source;
	int has_lead_source;
	int64_t created_at;	     /* STORE_NO_TIME: keep, or now for a new contact */
	struct store_strlist emails; /* more addresses, canonical */
	struct store_strlist emails_written;
};

struct store_stage {
	const char *key;
	const char *name;
	int64_t position;
	int probability; /* 0-100, or -1 for none */
	int has_probability;
};

struct store_deal {
	const char *key;
	const char *name;
	const char *stage_key; /* must be an imported stage */
	const char *status;    /* open, won, lost */
	const char *company_domain;
	int has_company;
	const char *owner_email; /* canonical; must be an imported user */
	int has_owner;
	int64_t value_minor;
	int has_value;	      /* has_value && value_minor < 0 never happens */
	const char *currency; /* NULL: keep, or EUR for a new deal */
	const char *lead_source;
	int has_lead_source;
	int64_t created_at; /* STORE_NO_TIME: keep, or now for a new deal */
	int64_t closed_at;  /* has_closed_at with STORE_NO_TIME clears */
	int has_closed_at;
	int64_t expected_close;
	int has_expected_close;
	int64_t stage_changed_at;      /* STORE_NO_TIME: now */
	struct store_strlist contacts; /* canonical contact addresses */
};

/* Insert or update by natural key. `now` is the import's clock. Call them
 * inside a transaction and roll it back on error: a failed upsert may have
 * written part of the record. A
 * reference to a record that does not exist (a deal's stage, a contact's
 * company) or an address already owned by another record is ERR_USAGE
 * with a message that names the value; nothing is written then. */
int store_user_upsert(struct store *st, const struct store_user *u, int64_t now,
		      enum store_change *change_out, struct err *err);
int store_company_upsert(struct store *st, const struct store_company *c, int64_t now,
			 enum store_change *change_out, struct err *err);
int store_contact_upsert(struct store *st, const struct store_contact *c, int64_t now,
			 enum store_change *change_out, struct err *err);
int store_stage_upsert(struct store *st, const struct store_stage *s, int64_t now,
		       enum store_change *change_out, struct err *err);
/* A changed stage appends (deal, stage, stage_changed_at or now) to
 * stage_history; so does a new deal. */
int store_deal_upsert(struct store *st, const struct store_deal *d, int64_t now,
		      enum store_change *change_out, struct err *err);

/* 1 if a user with this canonical address (primary or alias) exists, 0 if
 * not, -1 on error. */
int store_user_exists(struct store *st, const char *email, struct err *err);

/* The id of the only user: 1 and *id_out when there is exactly one user,
 * 0 when there are none or several, -1 on error. */
int store_sole_user(struct store *st, int64_t *id_out, struct err *err);

/* Row counts of the CRM and activity tables, for summaries. */
struct store_counts {
	int64_t users, companies, contacts, stages, deals, open_deals, stage_history;
	int64_t activities, participants, links, item_outcomes, parse_errors;
};
int store_counts(struct store *st, struct store_counts *out, struct err *err);

/* ---- the CRM directory, for matching --------------------------------- */

/* Calls fn for every address of every contact: its canonical key, the
 * contact's id and the contact's company id (-1 when none). */
int store_each_contact_address(struct store *st,
			       int (*fn)(const char *key, int64_t contact, int64_t company,
					 void *arg),
			       void *arg, struct err *err);
/* Calls fn for every domain of every company. */
int store_each_company_domain(struct store *st,
			      int (*fn)(const char *domain, int64_t company, void *arg), void *arg,
			      struct err *err);
/* Calls fn for every address (primary and aliases) of every user. */
int store_each_user_address(struct store *st, int (*fn)(const char *key, int64_t user, void *arg),
			    void *arg, struct err *err);
/* Calls fn for every deal: its key, id and status (open, won, lost). */
int store_each_deal(struct store *st,
		    int (*fn)(const char *key, int64_t id, const char *status, void *arg),
		    void *arg, struct err *err);
/* Calls fn for every (open deal, contact on it) and every (open deal, its
 * company). */
int store_each_open_deal_contact(struct store *st,
				 int (*fn)(int64_t deal, int64_t other, void *arg), void *arg,
				 struct err *err);
int store_each_open_deal_company(struct store *st,
				 int (*fn)(int64_t deal, int64_t other, void *arg), void *arg,
				 struct err *err);
/* A value of the database's own settings (owned, NULL when unset), and
 * setting one. */
int store_meta_get(struct store *st, const char *key, char **value_out, struct err *err);
int store_meta_put(struct store *st, const char *key, const char *value, struct err *err);
/* The ignore patterns added by purges ("sha256:" and a salted hash). */
int store_each_ignored(struct store *st, int (*fn)(const char *pattern, void *arg), void *arg,
		       struct err *err);

/* ---- logging fetched items ------------------------------------------- */

/* Where an item came from. item_ref is "UIDVALIDITY:UID" for mail and the
 * href (plus "#RECURRENCE-ID") for calendar occurrences. */
struct store_item {
	const char *account;
	const char *container; /* folder or calendar */
	const char *item_ref;
	const char *identity; /* the source_key it maps to, or NULL */
};

struct store_new_participant {
	const char *address; /* as written */
	const char *addr_key;
	const char *name;     /* may be NULL */
	const char *role;     /* from, to, cc, bcc, organizer, attendee ... */
	const char *partstat; /* may be NULL */
	int64_t contact_id;   /* -1 when none */
	int external;	      /* outside the team */
};

struct store_new_link {
	const char *type; /* contact, company, deal */
	int64_t target_id;
	const char *rule;
	const char *evidence; /* what decided it (an address, a tag), or NULL */
};

struct store_new_activity {
	const char *kind;
	const char *direction;
	const char *status;
	int64_t occurred_at;
	int64_t ended_at;    /* STORE_NO_TIME if none */
	const char *subject; /* NULL unless captured */
	const char *snippet; /* NULL unless captured */
	const char *source_key;
	const char *thread_key;
	int64_t owner_id; /* the user whose mailbox or calendar it is */
	int64_t sequence; /* iCalendar SEQUENCE; -1 for mail */
	int replace;	  /* a known activity takes these fields, participants and
			   * rule-made links (meetings: a newer SEQUENCE, or the
			   * same one, replaces; an older one is ignored) */
	const struct store_new_participant *participants;
	size_t nparticipants;
	const struct store_new_link *links;
	size_t nlinks;
	const char *deal_tag;	   /* the deal KEY a tag named, or NULL */
	const char *deal_tag_from; /* "subject" or "bcc" */
};

/* Logs an activity found at `item`. A new source_key inserts the activity
 * with its participants and links; a known one adds the owner (and any
 * participant or link not yet stored) and nothing else, so one message in
 * two mailboxes is one activity with two owners. Records the item as
 * logged in item_outcomes and resolves an earlier parse error of it.
 * *created_out tells whether the activity is new. */
int store_log_activity(struct store *st, const struct store_item *item,
		       const struct store_new_activity *a, int64_t now, int64_t *activity_out,
		       int *created_out, struct err *err);
/* Meetings whose end has passed become `held` (SPEC §5.2) when they are
 * `scheduled` and an external participant did not decline. Returns the
 * number changed in *n_out. */
int store_meetings_promote(struct store *st, int64_t now, int64_t *n_out, struct err *err);
/* A calendar occurrence gone from the server (its object deleted, or the
 * occurrence no longer in it): the item is marked removed and, when no
 * other calendar still has it and it starts within [from, to), its
 * meeting is marked cancelled (kept, so history stays). */
int store_item_cancel(struct store *st, const struct store_item *item, int64_t from, int64_t to,
		      int64_t now, struct err *err);
/* Calls fn with the item_ref of each item of a container whose item_ref
 * starts with `prefix` (e.g. a calendar href followed by '#'). */
int store_each_item_with_prefix(struct store *st, const char *account, const char *container,
				const char *prefix, int (*fn)(const char *item_ref, void *arg),
				void *arg, struct err *err);

/* Records that the item was skipped, with the reason code and evidence. */
int store_log_skip(struct store *st, const struct store_item *item, const char *reason,
		   const char *evidence, int64_t now, struct err *err);
/* Records a malformed item in parse_errors (and item_outcomes as an
 * error): `what` says what is wrong; `version` is the crmsync version. */
int store_log_parse_error(struct store *st, const struct store_item *item, const char *what,
			  const char *version, int64_t now, struct err *err);
/* Calls fn with the item_ref of every unresolved parse error of a
 * container recorded by a crmsync version other than `version` (a newer
 * parser may now read them). */
int store_each_retryable_error(struct store *st, const char *account, const char *container,
			       const char *version, int (*fn)(const char *item_ref, void *arg),
			       void *arg, struct err *err);
/* 1 if the item has an outcome already, 0 if not. */
int store_item_known(struct store *st, const struct store_item *item, struct err *err);

/* Marks items of a container as gone from the server (expunged, or the
 * calendar object deleted); an activity left in no mailbox or calendar is
 * flagged removed. `refs` are item_refs. Returns the number marked in
 * *n_out. */
int store_items_removed(struct store *st, const char *account, const char *container,
			const char *const *refs, size_t n, int64_t now, size_t *n_out,
			struct err *err);
/* Calls fn with the item_ref of every item of a container that is not
 * marked removed (for UID diffs). */
int store_each_item_ref(struct store *st, const char *account, const char *container,
			int (*fn)(const char *item_ref, void *arg), void *arg, struct err *err);
/* Forgets the item outcomes of a container (after a UIDVALIDITY change:
 * its items are re-scanned and re-mapped by identity). */
int store_container_reset(struct store *st, const char *account, const char *container,
			  struct err *err);

/* ---- sync state -------------------------------------------------------- */

struct store_sync_state {
	int exists; /* 0: never synced */
	int64_t uidvalidity, last_uid, uidnext, messages, highestmodseq;
	int64_t resets, last_full_scan; /* STORE_NO_TIME when never */
	char *sync_token;		/* owned; CalDAV */
	char *ctag;			/* owned; CalDAV */
};

/* The state of an account's container; `kind` is the account's kind
 * ("imap", "caldav"): accounts of both kinds may share a name. */
int store_sync_state_get(struct store *st, const char *account, const char *kind,
			 const char *container, struct store_sync_state *out, struct err *err);
int store_sync_state_put(struct store *st, const char *account, const char *kind,
			 const char *container, const struct store_sync_state *s, int64_t now,
			 struct err *err);
void store_sync_state_release(struct store_sync_state *s);
/* Calls fn with every container of an account that has a sync state,
 * except the empty one (kept for account-wide state). */
int store_each_container(struct store *st, const char *account, const char *kind,
			 int (*fn)(const char *container, void *arg), void *arg, struct err *err);
/* Forgets the sync state of one container. */
int store_sync_state_delete(struct store *st, const char *account, const char *kind,
			    const char *container, struct err *err);

/* ---- calendar objects ------------------------------------------------- */

/* The objects of a calendar as last stored: href, ETag and UID, for ETag
 * diffs and deletions. */
int store_calendar_item_put(struct store *st, const char *account, const char *calendar,
			    const char *href, const char *etag, const char *uid, struct err *err);
int store_calendar_item_delete(struct store *st, const char *account, const char *calendar,
			       const char *href, struct err *err);
int store_each_calendar_item(struct store *st, const char *account, const char *calendar,
			     int (*fn)(const char *href, const char *etag, void *arg), void *arg,
			     struct err *err);

/* ---- runs -------------------------------------------------------------- */

struct store_run {
	int64_t fetched, logged, skipped, errors;
	const char *outcome;	 /* ok, failed, interrupted */
	const char *error_class; /* temporary, throttled, final ... or NULL */
	const char *error_text;
	const char *const *skip_reasons; /* parallel to skip_counts */
	const int64_t *skip_counts;
	size_t nskips;
};

/* Records the start of an account's run; returns its id in *id_out. */
int store_run_start(struct store *st, const char *account, const char *kind, int64_t now,
		    int64_t *id_out, struct err *err);
int store_run_finish(struct store *st, int64_t id, const struct store_run *r, int64_t now,
		     struct err *err);

/* ---- activities ------------------------------------------------------ */

struct store_participant {
	char *address;	/* owned; as written */
	char *name;	/* owned; may be NULL */
	char *role;	/* owned */
	char *partstat; /* owned; may be NULL */
	char *contact;	/* owned; the contact's email key, or NULL */
};

struct store_link {
	char *type;	/* owned: contact, company or deal */
	char *key;	/* owned: contact email, company domain or deal id */
	char *rule;	/* owned */
	char *evidence; /* owned; may be NULL */
};

struct store_activity {
	int64_t id;
	char *kind;	 /* owned */
	char *direction; /* owned */
	char *status;	 /* owned */
	int64_t occurred_at;
	int64_t ended_at; /* STORE_NO_TIME if none */
	char *subject;	  /* owned; may be NULL */
	char *snippet;	  /* owned; may be NULL */
	char *source_key; /* owned */
	char *thread_key; /* owned; may be NULL */
	char **owners;	  /* owned; user emails */
	size_t nowners;
	struct store_participant *participants; /* owned */
	size_t nparticipants;
	struct store_link *links; /* owned */
	size_t nlinks;
	char **ambiguous; /* owned; candidate deal keys */
	size_t nambiguous;
	char *deal_tag;	     /* owned; may be NULL */
	char *deal_tag_from; /* owned; may be NULL */
	char *deal_note;     /* owned; may be NULL: why no deal, or why several */
};

/* Filters; NULL or STORE_NO_TIME means "any". */
struct store_activity_filter {
	const char *contact_email; /* canonical */
	const char *deal_key;
	const char *company_domain; /* canonical */
	const char *user_email;	    /* canonical */
	int64_t since, until;	    /* occurred_at in [since, until) */
	int64_t limit;		    /* 0: no limit */
	int64_t activity_id;	    /* 0: any */
	const char *source_key;
	int ambiguous_only; /* only activities waiting for `crmsync link` */
	int newest_first;   /* order by occurred_at descending */
};

/* Calls fn for each matching activity, oldest first. The activity passed
 * is valid only during the call. fn returns 0 to go on, -1 to stop (the
 * query then returns -1 without setting err). */
int store_activities_each(struct store *st, const struct store_activity_filter *f,
			  int (*fn)(const struct store_activity *a, void *arg), void *arg,
			  struct err *err);
/* Frees what an activity owns (not the struct itself). */
void store_activity_release(struct store_activity *a);

/* ---- deals (docs/matching.md "Deals") --------------------------------- */

/* One activity of a thread, as the deal rules see it. */
struct store_thread_item {
	int64_t activity_id;
	int64_t occurred_at;
	char *source_key;    /* owned */
	char *deal_tag;	     /* owned; may be NULL */
	char *deal_tag_from; /* owned; may be NULL */
	int64_t deal_id;     /* its deal link, or -1 */
	char *deal_rule;     /* owned; the link's rule, or NULL */
	char *deal_evidence; /* owned; the link's evidence, or NULL */
	int deal_open;	     /* the linked deal is open */
	int64_t *contacts;   /* owned; ids of linked contacts */
	size_t ncontacts;
	int64_t *companies; /* owned; ids of linked companies */
	size_t ncompanies;
};

/* Loads the activities with `thread_key` (NULL: only activity
 * `activity_id`), oldest first (ties by source_key). At most 2000. */
int store_thread_load(struct store *st, const char *thread_key, int64_t activity_id,
		      struct store_thread_item **items_out, size_t *n_out, struct err *err);
void store_thread_free(struct store_thread_item *items, size_t n);
/* 1 if an activity other than `activity_id` has this thread_key, 0 if
 * none, -1 on error. */
int store_thread_has_others(struct store *st, const char *thread_key, int64_t activity_id,
			    struct err *err);

/* What the rules decided about one activity's deal. */
struct store_deal_decision {
	int64_t deal_id; /* -1: no deal link */
	const char *rule;
	const char *evidence;
	const int64_t *candidates; /* ambiguous: two or more */
	size_t ncandidates;
	const char *note; /* why no deal or several, or NULL */
};

/* Makes the activity's deal link, candidates, ambiguous flag and note
 * what `d` says; *changed_out is 1 when anything changed. */
int store_activity_set_deal(struct store *st, int64_t activity, const struct store_deal_decision *d,
			    int64_t now, int *changed_out, struct err *err);

/* `crmsync link`: links the activity to the deal with rule manual,
 * replacing any deal link and candidates. An unknown activity or deal is
 * ERR_USAGE. *thread_key_out (owned, may be NULL) is the activity's
 * thread, to decide again. */
int store_link_manual(struct store *st, int64_t activity, const char *deal_key, int64_t now,
		      char **thread_key_out, struct err *err);

/* ---- rematch ----------------------------------------------------------- */

/* Ids of the activities that occurred at or after `since` (STORE_NO_TIME:
 * all), oldest first. */
int store_activity_ids(struct store *st, int64_t since, int64_t **ids_out, size_t *n_out,
		       struct err *err);

/* A stored participant as matching sees it. */
struct store_stored_participant {
	int64_t id;
	char *addr_key; /* owned */
	int external;
	int64_t contact_id; /* -1 when none */
};
/* The participants of an activity (in stored order) and its thread key. */
int store_participants_load(struct store *st, int64_t activity,
			    struct store_stored_participant **parts_out, size_t *n_out,
			    char **thread_key_out, struct err *err);
void store_participants_free(struct store_stored_participant *parts, size_t n);
/* Replaces the activity's contact and company links made by rules
 * address and domain with `links`, and sets each participant's contact
 * (parts[i].contact_id). *changed_out is 1 when anything changed. */
int store_activity_relink(struct store *st, int64_t activity,
			  const struct store_stored_participant *parts, size_t nparts,
			  const struct store_new_link *links, size_t nlinks, int64_t now,
			  int *changed_out, struct err *err);

/* ---- contacts made from mail (autocreate_contacts, bcc copies) --------- */

struct store_auto_contact {
	const char *email; /* canonical key */
	const char *email_written;
	const char *name;	/* may be NULL */
	int64_t company_id;	/* -1: none */
	int64_t created_at;	/* the message's time */
	const char *created_by; /* the message's source_key */
};
/* Creates the contact with lead_source "email"; an address that already
 * belongs to a contact returns that contact's id. */
int store_contact_autocreate(struct store *st, const struct store_auto_contact *c, int64_t now,
			     int64_t *id_out, struct err *err);

/* ---- purge (SPEC §5.5) ----------------------------------------------- */

struct store_purge {
	const char *kind;  /* address or domain */
	const char *value; /* canonical address or domain */
	const char *hash;  /* "sha256:..." salted hash of value: what is kept */
};

struct store_purge_result {
	int64_t id;
	int64_t participants; /* participant rows deleted */
	int64_t activities;   /* activities deleted (no other external person) */
	int64_t cleared;      /* activities kept, subject and snippet cleared */
	int64_t contacts;     /* contacts deleted */
	int64_t companies;    /* companies deleted (domain purges) */
	int64_t texts;	      /* evidence and error texts scrubbed */
};

/* Forgets the address or domain everywhere (in one transaction of its
 * own): participants, the subject and snippet of their activities,
 * activities left with no external participant, contact addresses (and
 * contacts left with none), company domains (and companies left with
 * none), and every evidence or error text that names it; then records the
 * purge and adds the hash to the ignore list, and checkpoints the journal
 * so no copy of the deleted bytes stays in the WAL. A team member's
 * address is ERR_USAGE. */
int store_purge(struct store *st, const struct store_purge *p, int64_t now,
		struct store_purge_result *out, struct err *err);

/* ---- explanations (`crmsync why`) ------------------------------------- */

struct store_outcome {
	const char *account, *container, *item_ref, *identity;
	const char *outcome, *reason, *evidence; /* reason, evidence may be NULL */
	int64_t activity_id;			 /* -1 when none */
	int64_t decided_at, removed_at;		 /* removed_at STORE_NO_TIME if not */
};
/* Calls fn for every item outcome with this identity (source_key). The
 * struct is valid during the call only. */
int store_outcomes_each(struct store *st, const char *identity,
			int (*fn)(const struct store_outcome *o, void *arg), void *arg,
			struct err *err);
/* Calls fn for skipped items whose evidence names the address (at most
 * `limit`). */
int store_outcomes_mentioning(struct store *st, const char *text, int64_t limit,
			      int (*fn)(const struct store_outcome *o, void *arg), void *arg,
			      struct err *err);

struct store_purge_record {
	int64_t id;
	const char *kind;
	int64_t purged_at, participants, activities;
};
/* Purges that touched an activity (kept it, changed), or with this hash. */
int store_purges_of_activity(struct store *st, int64_t activity,
			     int (*fn)(const struct store_purge_record *p, void *arg), void *arg,
			     struct err *err);
int store_purges_with_hash(struct store *st, const char *hash,
			   int (*fn)(const struct store_purge_record *p, void *arg), void *arg,
			   struct err *err);
/* Emails of the contacts a message created. */
int store_contacts_created_by(struct store *st, const char *source_key,
			      int (*fn)(const char *email, void *arg), void *arg, struct err *err);

/* The key domain of a company (owned in *domain_out, NULL if none). */
int store_company_key(struct store *st, int64_t id, char **domain_out, struct err *err);

/* What the database knows about one address. */
struct store_address_info {
	char *user;	       /* owned; the team member's email, or NULL */
	char *contact;	       /* owned; the contact's primary email, or NULL */
	char *contact_name;    /* owned */
	char *contact_company; /* owned; domain */
	char *lead_source;     /* owned */
	int64_t created_at;    /* STORE_NO_TIME when no contact */
	char *created_by;      /* owned; source_key, or NULL (imported) */
	int64_t activities;    /* activities it takes part in */
};
int store_address_info(struct store *st, const char *key, struct store_address_info *out,
		       struct err *err);
void store_address_info_release(struct store_address_info *i);
/* The latest activities the address takes part in, newest first. */
struct store_address_activity {
	int64_t id, occurred_at;
	const char *kind, *role, *subject; /* subject may be NULL */
};
int store_address_activities(struct store *st, const char *key, int64_t limit,
			     int (*fn)(const struct store_address_activity *a, void *arg),
			     void *arg, struct err *err);

/* ---- reports -----------------------------------------------------------
 * Aggregations for reports/ (SPEC §6), one block per report, each
 * implemented in its own store/rep_*.c. They read only. */

/* ---- reports: activity (store/rep_activity.c) ---- */

/* The figures of one team member in one period (SPEC §6 "activity"),
 * or of everyone over the whole range (the totals). */
struct store_act_figures {
	int64_t emails_sent, emails_received, meetings_held, calls;
	double meeting_hours;
	int64_t contacts_touched, deals_touched;   /* distinct */
	int64_t responses;			   /* first-response samples */
	int64_t response_median_s, response_p90_s; /* meaningful when responses > 0 */
};

struct store_act_report {
	size_t nusers, nperiods;
	char **users;			 /* owned; primary emails, in order */
	struct store_act_figures *cells; /* owned; nusers * nperiods, user after user */
	struct store_act_figures totals;
};

/* Aggregates the activity report from its facts (store/repfacts.h), one
 * streaming pass over each fact table. `bounds` holds nperiods + 1
 * ascending UTC times: period k is [bounds[k], bounds[k+1]), and
 * activities outside [bounds[0], bounds[nperiods]) are not counted. The
 * team members are every user ordered by primary email, or only the one
 * with the address `user` (primary or alias; unknown: ERR_USAGE). Every
 * user × period cell is filled, zeros included. The median is the
 * nearest-rank 50th percentile (the lower middle of an even count), p90
 * the nearest-rank 90th. Release *out with store_act_report_release. */
int store_act_report(struct store *st, const char *user, const int64_t *bounds, size_t nperiods,
		     struct store_act_report *out, struct err *err);
void store_act_report_release(struct store_act_report *r);

/* An open deal with no linked activity since `cutoff`. */
struct store_stale_deal {
	const char *key, *name; /* borrowed for the call */
	const char *owner;	/* borrowed; the owner's primary email, or NULL */
	int64_t last_activity;	/* STORE_NO_TIME: none before `asof` */
};

/* Calls fn for each open deal (owned by the user with address `user`,
 * unless NULL) whose latest linked activity (activity_links type deal)
 * before `asof` is older than `cutoff`, or which has none; those with
 * none first, then oldest first, ties by deal key. */
int store_act_stale_deals(struct store *st, const char *user, int64_t asof, int64_t cutoff,
			  int (*fn)(const struct store_stale_deal *sd, void *arg), void *arg,
			  struct err *err);
/* Derives the activity report's facts of one activity again
 * (store/repfacts.h): to be called after inserting its participants,
 * owners or links (deletions and updates refresh by themselves).
 * store_rep_touch does the links' part only. */
int store_rep_refresh(struct store *st, int64_t activity, struct err *err);
int store_rep_touch(struct store *st, int64_t activity, struct err *err);
/* Derives every activity's facts again, from scratch (after rows were
 * written around the store API, as test fixtures do). */
int store_rep_rebuild(struct store *st, struct err *err);
/* Recomputes the activity report's facts (store/repfacts.h) from what is
 * stored and compares them with the tables the triggers keep: *ndiff_out
 * is the number of rows that differ either way (0: they agree). For
 * tests; a full scan. */
int store_rep_verify(struct store *st, int64_t *ndiff_out, struct err *err);
/* ---- end reports: activity ---- */

/* ---- reports: attribution (store/rep_attribution.c) ---- */
/* A deal's lead source is its own lead_source, or else that of its first
 * contact (the earliest created, then the lowest id); empty or missing is
 * "(none)". Counted deals are those created in [from, to) and those won
 * (status won) with closed_at in [from, to). Money counts only the deals
 * in `currency` (an ISO 4217 code; NULL: no deal), every other figure
 * counts every deal. */

/* One row of the attribution report, per lead source. */
struct store_attr_source {
	const char *source;	 /* borrowed; NULL for the totals row */
	int64_t leads;		 /* contacts created in range with this lead_source */
	int64_t leads_converted; /* of those, contacts of a deal created before `to` */
	int64_t deals;		 /* deals created in range */
	int64_t deals_won;	 /* of those, won (closed_at NULL or before `to`) */
	int64_t won;		 /* deals won with closed_at in range */
	int64_t won_value;	 /* the value_minor of those in `currency` (NULL counts 0) */
	double median_days;	 /* of closed_at - created_at over `won`; valid if won > 0 */
};

/* Calls fn for every lead source seen in range (contacts created, deals
 * created, deals won), ordered by won_value descending then source, and
 * last once with the totals (source NULL). The struct is valid during
 * the call only; fn returns -1 to stop (the call then returns 0). */
int store_attr_sources(struct store *st, int64_t from, int64_t to, const char *currency,
		       int (*fn)(const struct store_attr_source *s, void *arg), void *arg,
		       struct err *err);

/* Calls fn once per currency of the counted deals with how many they are
 * (the currency borrowed for the call), in no particular order; fn returns
 * -1 to stop (the call then returns 0). */
int store_attr_currencies(struct store *st, int64_t from, int64_t to,
			  int (*fn)(const char *currency, int64_t deals, void *arg), void *arg,
			  struct err *err);

/* One touchpoint of a won deal. */
struct store_attr_touch {
	int64_t deal;
	int64_t value_minor;	    /* the deal's value (NULL counts 0) */
	int64_t created_at;	    /* the deal's */
	int64_t closed_at;	    /* the deal's */
	int64_t contact_created_at; /* its first contact's; STORE_NO_TIME when none */
	int lead;		    /* 1: the lead-source touch */
	const char *channel;	    /* borrowed: the lead source, or email-inbound,
				     * email-outbound, meeting, call */
	int64_t at;		    /* when: for the lead touch the earlier of the
				     * deal's and its first contact's created_at */
};

/* Calls fn for every touchpoint of every deal in `currency` won with
 * closed_at in [from, to), deal after deal (ascending id); a deal's
 * lead-source touch comes first, then its activities linked to the deal
 * (activity_links type deal) that occurred at or before closed_at, by
 * occurred_at then id.
 * Activities count as touches when they are email inbound or outbound,
 * calls, and meetings not cancelled or declined; notes and internal mail
 * do not. fn returns -1 to stop (the call then returns 0). */
int store_attr_touches(struct store *st, int64_t from, int64_t to, const char *currency,
		       int (*fn)(const struct store_attr_touch *t, void *arg), void *arg,
		       struct err *err);
/* ---- end reports: attribution ---- */

/* ---- reports: funnel and forecast (store/rep_pipeline.c) ---- */

/* A stage of the pipeline. */
struct store_pipeline_stage {
	int64_t id;
	char *name; /* owned */
	int64_t position;
	int probability; /* 0-100, or -1 when the stage has none */
};
/* The stages in pipeline order (position, then id), in a heap array the
 * caller frees with store_pipeline_stages_free. */
int store_pipeline_stages(struct store *st, struct store_pipeline_stage **stages_out, size_t *n_out,
			  struct err *err);
void store_pipeline_stages_free(struct store_pipeline_stage *stages, size_t n);

/* Calls fn for every stage_history entry of the deals created in
 * [from, to), grouped by deal (ascending id), each deal's entries in
 * entered_at order (ties in the order they were written). left_at is the
 * entered_at of the deal's next entry, or STORE_NO_TIME for its last. fn
 * returns 0 to go on, -1 to stop (the call then returns -1 without
 * setting err). */
int store_funnel_history(struct store *st, int64_t from, int64_t to,
			 int (*fn)(int64_t deal, int64_t stage, int64_t entered_at, int64_t left_at,
				   void *arg),
			 void *arg, struct err *err);

/* An open deal as the forecast sees it. */
struct store_forecast_deal {
	int64_t expected_close; /* STORE_NO_TIME when not set */
	int64_t value_minor;	/* 0 when not set */
	int probability;	/* its stage's, 0-100, or -1 when none */
};
/* The currencies of the open deals, as store_attr_currencies does. */
int store_forecast_currencies(struct store *st,
			      int (*fn)(const char *currency, int64_t deals, void *arg), void *arg,
			      struct err *err);
/* Calls fn for every open deal in `currency` (NULL: none), those without
 * an expected close first, then by expected_close ascending. fn as for
 * store_funnel_history. */
int store_forecast_open_deals(struct store *st, const char *currency,
			      int (*fn)(const struct store_forecast_deal *deal, void *arg),
			      void *arg, struct err *err);
/* The numbers of won and lost deals with closed_at in [from, to). */
int store_forecast_closed(struct store *st, int64_t from, int64_t to, int64_t *won_out,
			  int64_t *lost_out, struct err *err);
/* ---- end reports: funnel and forecast ---- */

/* ---- status (store/status.c) ---- */
/* What `crmsync status` reads about an account's runs, items and sync
 * state. They read only. A run is a row of sync_runs: started_at is the
 * clock of the sync that ran it, finished_at is NULL until it ends. */

/* The facts of one account. Times are STORE_NO_TIME when there is none. */
struct store_status {
	/* The newest run (by start, then id); run_id is -1 when there is none. */
	int64_t run_id, started_at, finished_at;  /* finished_at: none while unfinished */
	char *outcome;				  /* owned: ok, failed, interrupted, running */
	char *error_class;			  /* owned: err_kind_name() of a failure, or NULL */
	char *error_text;			  /* owned, or NULL */
	int64_t fetched, logged, skipped, errors; /* errors: malformed items */
	int64_t first_success_at, last_success_at; /* finished_at of the oldest and
						    * the newest run with outcome ok */
	int64_t last_item_at; /* when the newest item logged was: the start of the
			       * newest run that logged one (its items' decided_at) */
	int64_t parse_errors; /* unresolved parse_errors rows */
	int64_t errors_since; /* malformed items of the runs started at or after `since` */
};

/* Fills *out for the account `account` of kind `kind` ("imap", "caldav";
 * runs recorded before kinds were, of a name both kinds use, count for
 * either); release it with store_status_release. */
int store_status_get(struct store *st, const char *account, const char *kind, int64_t since,
		     struct store_status *out, struct err *err);
void store_status_release(struct store_status *s);
/* Calls fn with every account that has a run, by name and kind (NULL: a
 * run recorded before kinds were); fn returns -1 to stop. */
int store_status_accounts(struct store *st,
			  int (*fn)(const char *account, const char *kind, void *arg), void *arg,
			  struct err *err);
/* Calls fn for each reason the run skipped items for, with a count above
 * zero, by reason. */
int store_status_run_skips(struct store *st, int64_t run_id,
			   int (*fn)(const char *reason, int64_t n, void *arg), void *arg,
			   struct err *err);
/* Calls fn for every failed run of the account started at or after
 * `since`, with its recorded error class and text (either may be NULL). */
int store_status_failures(struct store *st, const char *account, const char *kind, int64_t since,
			  int (*fn)(const char *error_class, const char *error_text, void *arg),
			  void *arg, struct err *err);

/* The sync state of one folder or calendar. Numbers are -1 where the
 * column is NULL; strings are borrowed for the call. */
struct store_status_state {
	const char *container;
	int64_t uidvalidity, uidnext, last_uid, messages, highestmodseq, resets;
	const char *sync_token, *ctag;	    /* may be NULL */
	int64_t last_full_scan, updated_at; /* last_full_scan STORE_NO_TIME when never */
};
/* Calls fn with the sync state of each folder or calendar of the account
 * (kind NULL: of either kind), by container, leaving out the account-wide
 * row (container ""). */
int store_status_each_state(struct store *st, const char *account, const char *kind,
			    int (*fn)(const struct store_status_state *s, void *arg), void *arg,
			    struct err *err);
/* ---- end status ---- */

#endif

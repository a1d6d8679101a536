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

/* Insert or update by natural key. `now` is the import's clock. A
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

/* Row counts of the CRM and activity tables, for summaries. */
struct store_counts {
	int64_t users, companies, contacts, stages, deals, open_deals, stage_history;
	int64_t activities, participants, links, item_outcomes, parse_errors;
};
int store_counts(struct store *st, struct store_counts *out, struct err *err);

/* ---- activities ------------------------------------------------------ */

struct store_participant {
	char *address;	/* owned; as written */
	char *name;	/* owned; may be NULL */
	char *role;	/* owned */
	char *partstat; /* owned; may be NULL */
	char *contact;	/* owned; the contact's email key, or NULL */
};

struct store_link {
	char *type; /* owned: contact, company or deal */
	char *key;  /* owned: contact email, company domain or deal id */
	char *rule; /* owned */
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
};

/* Filters; NULL or STORE_NO_TIME means "any". */
struct store_activity_filter {
	const char *contact_email; /* canonical */
	const char *deal_key;
	const char *company_domain; /* canonical */
	const char *user_email;	    /* canonical */
	int64_t since, until;	    /* occurred_at in [since, until) */
	int64_t limit;		    /* 0: no limit */
};

/* Calls fn for each matching activity, oldest first. The activity passed
 * is valid only during the call. fn returns 0 to go on, -1 to stop (the
 * query then returns -1 without setting err). */
int store_activities_each(struct store *st, const struct store_activity_filter *f,
			  int (*fn)(const struct store_activity *a, void *arg), void *arg,
			  struct err *err);
/* Frees what an activity owns (not the struct itself). */
void store_activity_release(struct store_activity *a);

#endif

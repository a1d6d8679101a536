/* store/crm.c - CRM records: users, companies, contacts, stages, deals.
 *
 * Every upsert looks the record up by its natural key, then inserts it or
 * updates only what changed, so importing the same file twice writes
 * nothing and reports every row unchanged. Columns the caller did not give
 * keep their stored value. Sets of addresses, domains and deal contacts are
 * replaced as a whole when given; an address or domain that belongs to
 * another record is refused, never moved silently.
 */
#include "store/internal.h"
#include "core/err.h"
#include "core/strset.h"
#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* The statements that maintain one parent's set of text keys. ?1 is the
 * parent id, ?2 the key, ?3 the key as written. */
struct crm_set_sql {
	const char *select; /* keys of parent ?1 */
	const char *insert;
	const char *delete;
	const char *owner;	/* parent id owning key ?1, or NULL for many-to-many */
	const char *what;	/* "address", "domain" */
	const char *owner_name; /* name of the owner of key ?1, for messages */
};

static void crm_list_free(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static int crm_set_load(struct store *st, const struct crm_set_sql *q, int64_t parent, char ***out,
			size_t *n_out, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, q->select, err);
	char **list = NULL;
	size_t n = 0;
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, parent);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		list = xreallocarray(list, n + 1, sizeof *list);
		list[n++] = store_col_strdup(s, 0);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		crm_list_free(list, n);
		return store_fail(st, err, "reading a set");
	}
	*out = list;
	*n_out = n;
	return 0;
}

/* Refuses a key that another parent owns. */
static int crm_set_check_owner(struct store *st, const struct crm_set_sql *q, int64_t parent,
			       const char *key, struct err *err)
{
	sqlite3_stmt *s;
	int64_t owner;
	int found;

	if (q->owner == NULL)
		return 0;
	if ((s = store_stmt(st, q->owner, err)) == NULL)
		return -1;
	store_bind_text(s, 1, key);
	found = store_query_i64(st, s, &owner, err, "looking up an owner");
	if (found <= 0 || owner == parent)
		return found < 0 ? -1 : 0;
	if ((s = store_stmt(st, q->owner_name, err)) == NULL)
		return -1;
	store_bind_text(s, 1, key);
	if (sqlite3_step(s) == SQLITE_ROW) {
		err_set(err, ERR_USAGE, "%s '%s' already belongs to '%s'", q->what, key,
			(const char *)sqlite3_column_text(s, 0));
	} else {
		err_set(err, ERR_USAGE, "%s '%s' already belongs to another record", q->what, key);
	}
	sqlite3_reset(s);
	return -1;
}

static int crm_set_exec(struct store *st, const char *sql, int64_t parent, const char *key,
			const char *written, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, parent);
	store_bind_text(s, 2, key);
	if (written != NULL && sqlite3_bind_parameter_count(s) >= 3)
		store_bind_text(s, 3, written);
	return store_step_done(st, s, err, "updating a set");
}

/* Makes parent's set equal to keys[] (written[] may be NULL). Sets
 * *changed when anything was added or removed. Membership is looked up in
 * hash sets: comparing every key with every other made one CSV cell of
 * 50000 aliases take 7 s. */
static int crm_set_replace(struct store *st, const struct crm_set_sql *q, int64_t parent,
			   const char *const *keys, const char *const *written, size_t n,
			   int *changed, struct err *err)
{
	struct strset want, done;
	char **have = NULL;
	size_t nhave = 0;
	int rc = -1;

	if (crm_set_load(st, q, parent, &have, &nhave, err) == -1)
		return -1;
	strset_init(&want);
	strset_init(&done); /* what the set holds: kept, or inserted by now */
	for (size_t j = 0; j < n; j++)
		strset_put(&want, keys[j], 0);
	for (size_t i = 0; i < nhave; i++) {
		strset_put(&done, have[i], 0);
		if (strset_get(&want, have[i], NULL))
			continue;
		if (crm_set_exec(st, q->delete, parent, have[i], NULL, err) == -1)
			goto out;
		*changed = 1;
	}
	for (size_t j = 0; j < n; j++) {
		if (!strset_add(&done, keys[j], 0, NULL))
			continue; /* already there, or an earlier duplicate */
		if (crm_set_check_owner(st, q, parent, keys[j], err) == -1 ||
		    crm_set_exec(st, q->insert, parent, keys[j], written ? written[j] : keys[j],
				 err) == -1)
			goto out;
		*changed = 1;
	}
	rc = 0;
out:
	strset_release(&want);
	strset_release(&done);
	crm_list_free(have, nhave);
	return rc;
}

/* Builds the key list "first, then the extras". The array is heap, the
 * strings borrowed. */
static const char **crm_with_first(const char *first, const struct store_strlist *extra,
				   size_t *n_out)
{
	const char **v = xcalloc(extra->n + 1, sizeof *v);

	v[0] = first;
	for (size_t i = 0; i < extra->n; i++)
		v[i + 1] = extra->items[i];
	*n_out = extra->n + 1;
	return v;
}

/* Runs a lookup returning one id by one text key: 1 found, 0 not, -1. */
static int crm_lookup(struct store *st, const char *sql, const char *key, int64_t *id,
		      struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, key);
	return store_query_i64(st, s, id, err, "lookup");
}

static int crm_same_text(const unsigned char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == NULL && b == NULL;
	return strcmp((const char *)a, b) == 0;
}

/* ---- users ------------------------------------------------------------ */

static const struct crm_set_sql crm_user_emails = {
	"SELECT address FROM user_emails WHERE user_id = ?1",
	"INSERT INTO user_emails (user_id, address, written) VALUES (?1, ?2, ?3)",
	"DELETE FROM user_emails WHERE user_id = ?1 AND address = ?2",
	"SELECT user_id FROM user_emails WHERE address = ?1",
	"address",
	"SELECT u.email FROM user_emails e JOIN users u ON u.id = e.user_id WHERE e.address = ?1",
};

static int crm_user_row(struct store *st, const struct store_user *u, int64_t now, int64_t *id,
			enum store_change *change, struct err *err)
{
	sqlite3_stmt *s;
	int found;

	if ((found = crm_lookup(st, "SELECT id FROM users WHERE email = ?1", u->email, id, err)) <
	    0)
		return -1;
	if (!found) {
		s = store_stmt(st,
			       "INSERT INTO users (email, email_written, name, created_at, "
			       "updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
			       err);
		if (s == NULL)
			return -1;
		store_bind_text(s, 1, u->email);
		store_bind_text(s, 2, u->email_written);
		store_bind_text(s, 3, u->has_name ? u->name : NULL);
		sqlite3_bind_int64(s, 4, now);
		if (store_step_done(st, s, err, "inserting a user") == -1)
			return -1;
		*id = sqlite3_last_insert_rowid(st->db);
		*change = STORE_ADDED;
		return 0;
	}
	if (!u->has_name)
		return 0;
	s = store_stmt(
		st, "UPDATE users SET name = ?2, updated_at = ?3 WHERE id = ?1 AND name IS NOT ?2",
		err);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, *id);
	store_bind_text(s, 2, u->name);
	sqlite3_bind_int64(s, 3, now);
	if (store_step_done(st, s, err, "updating a user") == -1)
		return -1;
	if (sqlite3_changes(st->db) > 0)
		*change = STORE_UPDATED;
	return 0;
}

int store_user_upsert(struct store *st, const struct store_user *u, int64_t now,
		      enum store_change *change_out, struct err *err)
{
	enum store_change change = STORE_UNCHANGED;
	const char **keys = NULL, **written = NULL;
	struct store_strlist none = {NULL, 0, 0};
	int64_t id;
	size_t n, nw;
	int changed = 0, rc = -1;

	if (crm_set_check_owner(st, &crm_user_emails, -1, u->email, err) == -1) {
		int64_t owner;
		/* Only an error when the address is another user's alias. */
		if (crm_lookup(st, "SELECT id FROM users WHERE email = ?1", u->email, &owner,
			       NULL) != 1)
			return -1;
		err_init(err);
	}
	if (crm_user_row(st, u, now, &id, &change, err) == -1)
		return -1;
	keys = crm_with_first(u->email, u->aliases.present ? &u->aliases : &none, &n);
	written = crm_with_first(u->email_written, u->aliases.present ? &u->aliases_written : &none,
				 &nw);
	if (u->aliases.present || change == STORE_ADDED) {
		if (crm_set_replace(st, &crm_user_emails, id, keys, written, n, &changed, err) ==
		    -1)
			goto out;
	}
	if (changed && change == STORE_UNCHANGED)
		change = STORE_UPDATED;
	*change_out = change;
	rc = 0;
out:
	free(keys);
	free(written);
	return rc;
}

int store_user_exists(struct store *st, const char *email, struct err *err)
{
	int64_t id;

	return crm_lookup(st, "SELECT user_id FROM user_emails WHERE address = ?1", email, &id,
			  err);
}

int store_sole_user(struct store *st, int64_t *id_out, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT min(id), count(*) FROM users", err);
	int rc;

	if (s == NULL)
		return -1;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return store_fail(st, err, "counting users");
	}
	rc = sqlite3_column_int64(s, 1) == 1;
	*id_out = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc;
}

/* ---- companies -------------------------------------------------------- */

static const struct crm_set_sql crm_company_domains = {
	"SELECT domain FROM company_domains WHERE company_id = ?1",
	"INSERT INTO company_domains (company_id, domain) VALUES (?1, ?2)",
	"DELETE FROM company_domains WHERE company_id = ?1 AND domain = ?2",
	"SELECT company_id FROM company_domains WHERE domain = ?1",
	"domain",
	"SELECT c.domain FROM company_domains d JOIN companies c ON c.id = d.company_id "
	"WHERE d.domain = ?1",
};

int store_company_upsert(struct store *st, const struct store_company *c, int64_t now,
			 enum store_change *change_out, struct err *err)
{
	enum store_change change = STORE_UNCHANGED;
	struct store_strlist none = {NULL, 0, 0};
	const char **keys = NULL;
	sqlite3_stmt *s;
	int64_t id;
	size_t n;
	int found, changed = 0, rc = -1;

	if ((found = crm_lookup(st, "SELECT id FROM companies WHERE domain = ?1", c->domain, &id,
				err)) < 0)
		return -1;
	if (!found) {
		if (crm_set_check_owner(st, &crm_company_domains, -1, c->domain, err) == -1)
			return -1;
		s = store_stmt(st,
			       "INSERT INTO companies (domain, name, created_at, updated_at) "
			       "VALUES (?1, ?2, ?3, ?3)",
			       err);
		if (s == NULL)
			return -1;
		store_bind_text(s, 1, c->domain);
		store_bind_text(s, 2, c->name);
		sqlite3_bind_int64(s, 3, now);
		if (store_step_done(st, s, err, "inserting a company") == -1)
			return -1;
		id = sqlite3_last_insert_rowid(st->db);
		change = STORE_ADDED;
	} else {
		s = store_stmt(st,
			       "UPDATE companies SET name = ?2, updated_at = ?3 "
			       "WHERE id = ?1 AND name IS NOT ?2",
			       err);
		if (s == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, id);
		store_bind_text(s, 2, c->name);
		sqlite3_bind_int64(s, 3, now);
		if (store_step_done(st, s, err, "updating a company") == -1)
			return -1;
		if (sqlite3_changes(st->db) > 0)
			change = STORE_UPDATED;
	}
	keys = crm_with_first(c->domain, c->domains.present ? &c->domains : &none, &n);
	if ((c->domains.present || change == STORE_ADDED) &&
	    crm_set_replace(st, &crm_company_domains, id, keys, NULL, n, &changed, err) == -1)
		goto out;
	if (changed && change == STORE_UNCHANGED)
		change = STORE_UPDATED;
	*change_out = change;
	rc = 0;
out:
	free(keys);
	return rc;
}

/* ---- contacts --------------------------------------------------------- */

static const struct crm_set_sql crm_contact_emails = {
	"SELECT address FROM contact_emails WHERE contact_id = ?1",
	"INSERT INTO contact_emails (contact_id, address, written) VALUES (?1, ?2, ?3)",
	"DELETE FROM contact_emails WHERE contact_id = ?1 AND address = ?2",
	"SELECT contact_id FROM contact_emails WHERE address = ?1",
	"address",
	"SELECT c.email FROM contact_emails e JOIN contacts c ON c.id = e.contact_id "
	"WHERE e.address = ?1",
};

static int crm_company_id(struct store *st, const char *domain, int64_t *id, struct err *err)
{
	int found;

	if (domain == NULL) {
		*id = -1;
		return 0;
	}
	found = crm_lookup(st, "SELECT company_id FROM company_domains WHERE domain = ?1", domain,
			   id, err);
	if (found == 0)
		return err_set(err, ERR_USAGE,
			       "company '%s' is not imported (import companies first)", domain);
	return found < 0 ? -1 : 0;
}

static void crm_bind_id(sqlite3_stmt *s, int i, int64_t id)
{
	if (id < 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, id);
}

/* The contact row, merged: given columns replace stored ones. */
struct crm_contact_row {
	char *name, *lead_source;
	int64_t company_id, created_at;
};

static int crm_contact_load(struct store *st, int64_t id, struct crm_contact_row *r,
			    struct err *err)
{
	sqlite3_stmt *s = store_stmt(
		st, "SELECT name, company_id, lead_source, created_at FROM contacts WHERE id = ?1",
		err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return store_fail(st, err, "reading a contact");
	}
	r->name = store_col_strdup(s, 0);
	r->company_id = sqlite3_column_type(s, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 1);
	r->lead_source = store_col_strdup(s, 2);
	r->created_at = sqlite3_column_int64(s, 3);
	sqlite3_reset(s);
	return 0;
}

static int crm_contact_write(struct store *st, int64_t *id, int exists,
			     const struct store_contact *c, int64_t company_id, int64_t now,
			     enum store_change *change, struct err *err)
{
	struct crm_contact_row old = {NULL, NULL, -1, 0};
	const char *name, *lead;
	int64_t comp, created;
	sqlite3_stmt *s;
	int rc = -1;

	if (exists && crm_contact_load(st, *id, &old, err) == -1)
		return -1;
	name = c->has_name ? c->name : old.name;
	lead = c->has_lead_source ? c->lead_source : old.lead_source;
	comp = c->has_company ? company_id : old.company_id;
	created = c->created_at != STORE_NO_TIME ? c->created_at : exists ? old.created_at : now;
	if (exists && crm_same_text((const unsigned char *)old.name, name) &&
	    crm_same_text((const unsigned char *)old.lead_source, lead) && comp == old.company_id &&
	    created == old.created_at) {
		rc = 0;
		goto out;
	}
	s = store_stmt(st,
		       exists ? "UPDATE contacts SET name = ?2, company_id = ?3, lead_source = ?4, "
				"created_at = ?5, updated_at = ?6 WHERE id = ?1" :
				"INSERT INTO contacts (email, name, company_id, lead_source, "
				"created_at, updated_at) VALUES (?7, ?2, ?3, ?4, ?5, ?6)",
		       err);
	if (s == NULL)
		goto out;
	if (exists)
		sqlite3_bind_int64(s, 1, *id);
	store_bind_text(s, 2, name);
	crm_bind_id(s, 3, comp);
	store_bind_text(s, 4, lead);
	sqlite3_bind_int64(s, 5, created);
	sqlite3_bind_int64(s, 6, now);
	if (!exists)
		store_bind_text(s, 7, c->email);
	if (store_step_done(st, s, err, "writing a contact") == -1)
		goto out;
	if (!exists)
		*id = sqlite3_last_insert_rowid(st->db);
	*change = exists ? STORE_UPDATED : STORE_ADDED;
	rc = 0;
out:
	free(old.name);
	free(old.lead_source);
	return rc;
}

int store_contact_upsert(struct store *st, const struct store_contact *c, int64_t now,
			 enum store_change *change_out, struct err *err)
{
	enum store_change change = STORE_UNCHANGED;
	struct store_strlist none = {NULL, 0, 0};
	const char **keys = NULL, **written = NULL;
	int64_t id = -1, company_id = -1;
	size_t n, nw;
	int found, changed = 0, rc = -1;

	if ((found = crm_lookup(st, "SELECT id FROM contacts WHERE email = ?1", c->email, &id,
				err)) < 0)
		return -1;
	if (crm_set_check_owner(st, &crm_contact_emails, found ? id : -1, c->email, err) == -1)
		return -1;
	if (c->has_company && crm_company_id(st, c->company_domain, &company_id, err) == -1)
		return -1;
	if (crm_contact_write(st, &id, found, c, company_id, now, &change, err) == -1)
		return -1;
	keys = crm_with_first(c->email, c->emails.present ? &c->emails : &none, &n);
	written = crm_with_first(c->email_written, c->emails.present ? &c->emails_written : &none,
				 &nw);
	if ((c->emails.present || change == STORE_ADDED) &&
	    crm_set_replace(st, &crm_contact_emails, id, keys, written, n, &changed, err) == -1)
		goto out;
	if (changed && change == STORE_UNCHANGED)
		change = STORE_UPDATED;
	*change_out = change;
	rc = 0;
out:
	free(keys);
	free(written);
	return rc;
}

/* ---- stages ----------------------------------------------------------- */

int store_stage_upsert(struct store *st, const struct store_stage *g, int64_t now,
		       enum store_change *change_out, struct err *err)
{
	sqlite3_stmt *s;
	int64_t id;
	int found;

	if ((found = crm_lookup(st, "SELECT id FROM stages WHERE key = ?1", g->key, &id, err)) < 0)
		return -1;
	s = store_stmt(st,
		       found ? "UPDATE stages SET name = ?2, position = ?3, "
			       "probability = CASE WHEN ?5 THEN ?4 ELSE probability END, "
			       "updated_at = ?6 WHERE key = ?1 AND (name IS NOT ?2 OR "
			       "position IS NOT ?3 OR (?5 AND probability IS NOT ?4))" :
			       "INSERT INTO stages (key, name, position, probability, updated_at) "
			       "VALUES (?1, ?2, ?3, CASE WHEN ?5 THEN ?4 END, ?6)",
		       err);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, g->key);
	store_bind_text(s, 2, g->name);
	sqlite3_bind_int64(s, 3, g->position);
	if (g->probability >= 0)
		sqlite3_bind_int(s, 4, g->probability);
	sqlite3_bind_int(s, 5, g->has_probability);
	sqlite3_bind_int64(s, 6, now);
	if (store_step_done(st, s, err, "writing a stage") == -1)
		return -1;
	*change_out = !found			  ? STORE_ADDED :
		      sqlite3_changes(st->db) > 0 ? STORE_UPDATED :
						    STORE_UNCHANGED;
	return 0;
}

/* ---- deals ------------------------------------------------------------ */

static const struct crm_set_sql crm_deal_contacts = {
	"SELECT c.email FROM deal_contacts d JOIN contacts c ON c.id = d.contact_id "
	"WHERE d.deal_id = ?1",
	"INSERT INTO deal_contacts (deal_id, contact_id) SELECT ?1, id FROM contacts "
	"WHERE email = ?2",
	"DELETE FROM deal_contacts WHERE deal_id = ?1 AND contact_id = "
	"(SELECT id FROM contacts WHERE email = ?2)",
	NULL,
	"contact",
	NULL,
};

/* Stored deal columns, in the order of crm_deal_load's SELECT. */
struct crm_deal_row {
	char *name, *status, *currency, *lead_source;
	int64_t stage_id, company_id, owner_id, value, created, closed, expected;
	int has_value;
};

static void crm_deal_row_free(struct crm_deal_row *r)
{
	free(r->name);
	free(r->status);
	free(r->currency);
	free(r->lead_source);
}

static int64_t crm_col_id(sqlite3_stmt *s, int col)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, col);
}

static int64_t crm_col_time(sqlite3_stmt *s, int col)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL ? STORE_NO_TIME :
							    sqlite3_column_int64(s, col);
}

static int crm_deal_load(struct store *st, int64_t id, struct crm_deal_row *r, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st,
				     "SELECT name, status, currency, lead_source, stage_id, "
				     "company_id, owner_id, value_minor, created_at, closed_at, "
				     "expected_close FROM deals WHERE id = ?1",
				     err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return store_fail(st, err, "reading a deal");
	}
	r->name = store_col_strdup(s, 0);
	r->status = store_col_strdup(s, 1);
	r->currency = store_col_strdup(s, 2);
	r->lead_source = store_col_strdup(s, 3);
	r->stage_id = sqlite3_column_int64(s, 4);
	r->company_id = crm_col_id(s, 5);
	r->owner_id = crm_col_id(s, 6);
	r->has_value = sqlite3_column_type(s, 7) != SQLITE_NULL;
	r->value = sqlite3_column_int64(s, 7);
	r->created = sqlite3_column_int64(s, 8);
	r->closed = crm_col_time(s, 9);
	r->expected = crm_col_time(s, 10);
	sqlite3_reset(s);
	return 0;
}

/* The new row: the given columns over the stored ones (or the defaults of a
 * new deal). Strings are borrowed from d or old. */
struct crm_deal_new {
	const char *name, *status, *currency, *lead_source;
	int64_t stage_id, company_id, owner_id, value, created, closed, expected;
	int has_value;
};

static void crm_deal_merge(const struct store_deal *d, const struct crm_deal_row *old, int exists,
			   int64_t stage_id, int64_t company_id, int64_t owner_id, int64_t now,
			   struct crm_deal_new *n)
{
	int64_t changed_at = d->stage_changed_at != STORE_NO_TIME ? d->stage_changed_at : now;

	n->name = d->name;
	n->status = d->status;
	n->stage_id = stage_id;
	n->currency = d->currency ? d->currency : exists ? old->currency : "EUR";
	n->lead_source = d->has_lead_source ? d->lead_source : exists ? old->lead_source : NULL;
	n->company_id = d->has_company ? company_id : exists ? old->company_id : -1;
	n->owner_id = d->has_owner ? owner_id : exists ? old->owner_id : -1;
	n->has_value = d->has_value ? 1 : exists ? old->has_value : 0;
	n->value = d->has_value ? d->value_minor : exists ? old->value : 0;
	n->created = d->created_at != STORE_NO_TIME ? d->created_at : exists ? old->created : now;
	n->expected = d->has_expected_close ? d->expected_close :
		      exists		    ? old->expected :
					      STORE_NO_TIME;
	/* A closed deal without a closing date closes when the import first sees it closed. */
	if (d->has_closed_at)
		n->closed = d->closed_at;
	else if (strcmp(d->status, "open") == 0)
		n->closed = STORE_NO_TIME;
	else if (exists && old->closed != STORE_NO_TIME)
		n->closed = old->closed;
	else
		n->closed = changed_at;
}

static int crm_deal_same(const struct crm_deal_row *o, const struct crm_deal_new *n)
{
	return crm_same_text((const unsigned char *)o->name, n->name) &&
	       crm_same_text((const unsigned char *)o->status, n->status) &&
	       crm_same_text((const unsigned char *)o->currency, n->currency) &&
	       crm_same_text((const unsigned char *)o->lead_source, n->lead_source) &&
	       o->stage_id == n->stage_id && o->company_id == n->company_id &&
	       o->owner_id == n->owner_id && o->has_value == n->has_value &&
	       (!n->has_value || o->value == n->value) && o->created == n->created &&
	       o->closed == n->closed && o->expected == n->expected;
}

static int crm_deal_write(struct store *st, const char *key, int64_t *id, int exists,
			  const struct crm_deal_new *n, int64_t now, struct err *err)
{
	sqlite3_stmt *s = store_stmt(
		st,
		exists ?
			"UPDATE deals SET name = ?2, status = ?3, currency = ?4, lead_source = ?5, "
			"stage_id = ?6, company_id = ?7, owner_id = ?8, value_minor = ?9, "
			"created_at = ?10, closed_at = ?11, expected_close = ?12, updated_at = ?13 "
			"WHERE key = ?1" :
			"INSERT INTO deals (key, name, status, currency, lead_source, stage_id, "
			"company_id, owner_id, value_minor, created_at, closed_at, expected_close, "
			"updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
		err);

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, key);
	store_bind_text(s, 2, n->name);
	store_bind_text(s, 3, n->status);
	store_bind_text(s, 4, n->currency);
	store_bind_text(s, 5, n->lead_source);
	sqlite3_bind_int64(s, 6, n->stage_id);
	crm_bind_id(s, 7, n->company_id);
	crm_bind_id(s, 8, n->owner_id);
	if (n->has_value)
		sqlite3_bind_int64(s, 9, n->value);
	sqlite3_bind_int64(s, 10, n->created);
	store_bind_time(s, 11, n->closed);
	store_bind_time(s, 12, n->expected);
	sqlite3_bind_int64(s, 13, now);
	if (store_step_done(st, s, err, "writing a deal") == -1)
		return -1;
	if (!exists)
		*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

static int crm_stage_history_add(struct store *st, int64_t deal, int64_t stage, int64_t at,
				 struct err *err)
{
	sqlite3_stmt *s = store_stmt(
		st, "INSERT INTO stage_history (deal_id, stage_id, entered_at) VALUES (?1, ?2, ?3)",
		err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, deal);
	sqlite3_bind_int64(s, 2, stage);
	sqlite3_bind_int64(s, 3, at);
	return store_step_done(st, s, err, "appending stage history");
}

/* Resolves a deal's references: stage, company, owner, contacts. */
static int crm_deal_refs(struct store *st, const struct store_deal *d, int64_t *stage_id,
			 int64_t *company_id, int64_t *owner_id, const char ***contacts,
			 struct err *err)
{
	int found;

	found = crm_lookup(st, "SELECT id FROM stages WHERE key = ?1", d->stage_key, stage_id, err);
	if (found == 0)
		return err_set(err, ERR_USAGE, "stage '%s' is not imported (import stages first)",
			       d->stage_key);
	if (found < 0)
		return -1;
	if (d->has_company && crm_company_id(st, d->company_domain, company_id, err) == -1)
		return -1;
	*owner_id = -1;
	if (d->has_owner && d->owner_email != NULL) {
		found = crm_lookup(st, "SELECT user_id FROM user_emails WHERE address = ?1",
				   d->owner_email, owner_id, err);
		if (found == 0)
			return err_set(err, ERR_USAGE,
				       "owner '%s' is not an imported user (import users first)",
				       d->owner_email);
		if (found < 0)
			return -1;
	}
	*contacts = xcalloc(d->contacts.n + 1, sizeof **contacts);
	for (size_t i = 0; i < d->contacts.n; i++) {
		int64_t cid;
		sqlite3_stmt *s;
		found = crm_lookup(st, "SELECT contact_id FROM contact_emails WHERE address = ?1",
				   d->contacts.items[i], &cid, err);
		if (found == 0)
			return err_set(err, ERR_USAGE,
				       "contact '%s' is not imported (import contacts first)",
				       d->contacts.items[i]);
		if (found < 0 ||
		    (s = store_stmt(st, "SELECT email FROM contacts WHERE id = ?1", err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, cid);
		if (sqlite3_step(s) == SQLITE_ROW)
			(*contacts)[i] = xstrdup((const char *)sqlite3_column_text(s, 0));
		sqlite3_reset(s);
	}
	return 0;
}

static void crm_contacts_free(const char **v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free((char *)(uintptr_t)v[i]);
	free(v);
}

int store_deal_upsert(struct store *st, const struct store_deal *d, int64_t now,
		      enum store_change *change_out, struct err *err)
{
	struct crm_deal_row old = {0};
	struct crm_deal_new n;
	const char **contacts = NULL;
	int64_t id = -1, stage_id, company_id = -1, owner_id = -1;
	int found, changed = 0, rc = -1;
	enum store_change change = STORE_UNCHANGED;

	if ((found = crm_lookup(st, "SELECT id FROM deals WHERE key = ?1", d->key, &id, err)) < 0)
		return -1;
	if (crm_deal_refs(st, d, &stage_id, &company_id, &owner_id, &contacts, err) == -1)
		goto out;
	if (found && crm_deal_load(st, id, &old, err) == -1)
		goto out;
	crm_deal_merge(d, &old, found, stage_id, company_id, owner_id, now, &n);
	if (!found || !crm_deal_same(&old, &n)) {
		if (crm_deal_write(st, d->key, &id, found, &n, now, err) == -1)
			goto out;
		change = found ? STORE_UPDATED : STORE_ADDED;
	}
	if ((!found || old.stage_id != stage_id) &&
	    crm_stage_history_add(st, id, stage_id,
				  d->stage_changed_at != STORE_NO_TIME ? d->stage_changed_at : now,
				  err) == -1)
		goto out;
	if (d->contacts.present &&
	    crm_set_replace(st, &crm_deal_contacts, id, (const char *const *)contacts, NULL,
			    d->contacts.n, &changed, err) == -1)
		goto out;
	if (changed && change == STORE_UNCHANGED)
		change = STORE_UPDATED;
	*change_out = change;
	rc = 0;
out:
	crm_contacts_free(contacts, d->contacts.n);
	crm_deal_row_free(&old);
	return rc;
}

/* ---- counts ----------------------------------------------------------- */

int store_counts(struct store *st, struct store_counts *c, struct err *err)
{
	static const char *const sql[] = {
		"SELECT count(*) FROM users",
		"SELECT count(*) FROM companies",
		"SELECT count(*) FROM contacts",
		"SELECT count(*) FROM stages",
		"SELECT count(*) FROM deals",
		"SELECT count(*) FROM deals WHERE status = 'open'",
		"SELECT count(*) FROM stage_history",
		"SELECT count(*) FROM activities",
		"SELECT count(*) FROM participants",
		"SELECT count(*) FROM activity_links",
		"SELECT count(*) FROM item_outcomes",
		"SELECT count(*) FROM parse_errors WHERE resolved_at IS NULL",
	};
	int64_t *out[] = {&c->users,	    &c->companies,  &c->contacts,      &c->stages,
			  &c->deals,	    &c->open_deals, &c->stage_history, &c->activities,
			  &c->participants, &c->links,	    &c->item_outcomes, &c->parse_errors};

	for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
		sqlite3_stmt *s = store_stmt(st, sql[i], err);
		if (s == NULL || store_query_i64(st, s, out[i], err, "counting") != 1)
			return -1;
	}
	return 0;
}

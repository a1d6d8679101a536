/* cli/cmd_import.c - `crmsync import users|companies|contacts|stages|deals FILE.csv`.
 *
 * The header row names the columns (any order; an unknown or repeated
 * column is an error naming it). Each data row is validated and upserted by
 * its natural key inside one transaction: the first bad row rolls the whole
 * file back and is reported as "FILE:LINE: column: what is wrong" with exit
 * code 2. A key that appears twice in one file is such an error too, since
 * one of the two rows would silently lose.
 */
#include "cli/cli.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "core/strset.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "parsers/addr.h"
#include "parsers/csv.h"
#include "store/store.h"
#include "match/match.h"
#include "sync/sync.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT_MAX_COLS 16

enum {
	COL_REQUIRED = 1
};

struct import_col {
	const char *name;
	int flags;
};

struct import_row {
	const char *v[IMPORT_MAX_COLS]; /* by column index of the kind; NULL if absent */
	int line;
};

/* Lists split out of one cell: canonical keys and the text as written. */
struct import_list {
	char **keys, **written;
	size_t n, alloc; /* grown by doubling: a cell may hold 100000 items */
	int present;
};

struct import_ctx {
	struct store *st;
	int64_t now;
	int plus_addressing;
	struct strset seen;  /* keys of this file, with their line */
	const char *keyword; /* "user", "contact" ... for messages */
};

struct import_kind {
	const char *name;
	const char *keyword;
	const struct import_col *cols;
	size_t ncols;
	int (*row)(struct import_ctx *ctx, const struct import_row *r, enum store_change *ch,
		   struct err *err);
};

/* ---- value parsing ---------------------------------------------------- */

/* A present, non-empty cell. */
static int has(const char *v)
{
	return v != NULL && *v != '\0';
}

static char *imp_email(struct import_ctx *ctx, const char *col, const char *v, struct err *err)
{
	struct err e;
	char *k;

	err_init(&e);
	if ((k = addr_canonical(v, ctx->plus_addressing, &e)) == NULL)
		err_set(err, ERR_USAGE, "%s: '%s' is not an email address (%s)", col, v, e.msg);
	return k;
}

static char *imp_domain(const char *col, const char *v, struct err *err)
{
	struct err e;
	char *k;

	err_init(&e);
	if ((k = addr_domain_canonical(v, &e)) == NULL)
		err_set(err, ERR_USAGE, "%s: '%s' is not a domain name (%s)", col, v, e.msg);
	return k;
}

/* Empty cell: STORE_NO_TIME. */
static int imp_time(const char *col, const char *v, int64_t *t, struct err *err)
{
	*t = STORE_NO_TIME;
	if (!has(v))
		return 0;
	if (tu_parse_date(v, t) == -1)
		return err_set(err, ERR_USAGE,
			       "%s: '%s' is not a date (use YYYY-MM-DD or RFC 3339, "
			       "e.g. 2026-03-01T09:30:00Z)",
			       col, v);
	return 0;
}

static void imp_list_free(struct import_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->keys[i]);
		free(l->written[i]);
	}
	free(l->keys);
	free(l->written);
	memset(l, 0, sizeof *l);
}

/* Splits a ';'-separated cell; each item canonicalised as an email
 * (is_email) or a domain. */
static int imp_list(struct import_ctx *ctx, const char *col, const char *v, int is_email,
		    struct import_list *l, struct err *err)
{
	const char *p = v;

	memset(l, 0, sizeof *l);
	l->present = v != NULL;
	while (v != NULL && *p) {
		const char *end = strchr(p, ';'), *s = p;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *item, *key;

		p += len + (end != NULL);
		str_trim(&s, &len);
		if (len == 0)
			continue;
		item = xstrndup(s, len);
		key = is_email ? imp_email(ctx, col, item, err) : imp_domain(col, item, err);
		if (key == NULL) {
			free(item);
			imp_list_free(l);
			return -1;
		}
		if (l->n == l->alloc) {
			l->alloc = l->alloc == 0 ? 8 : l->alloc * 2;
			l->keys = xreallocarray(l->keys, l->alloc, sizeof *l->keys);
			l->written = xreallocarray(l->written, l->alloc, sizeof *l->written);
		}
		l->keys[l->n] = key;
		l->written[l->n++] = item;
	}
	return 0;
}

static struct store_strlist imp_keys(const struct import_list *l)
{
	struct store_strlist s = {(const char *const *)l->keys, l->n, l->present};
	return s;
}

static struct store_strlist imp_written(const struct import_list *l)
{
	struct store_strlist s = {(const char *const *)l->written, l->n, l->present};
	return s;
}

/* Digits after the decimal point of a currency (ISO 4217 minor units). */
static int imp_currency_exponent(const char *cur)
{
	static const char *const zero[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY",
					   "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
					   "VND", "VUV", "XAF", "XOF", "XPF"};
	static const char *const three[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};

	for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
		if (strcmp(cur, zero[i]) == 0)
			return 0;
	for (size_t i = 0; i < sizeof three / sizeof three[0]; i++)
		if (strcmp(cur, three[i]) == 0)
			return 3;
	return 2;
}

/* Parses a non-negative decimal such as "1250.00" or "1250" into minor
 * units of the currency; no thousands separators, no sign. */
static int imp_money(const char *v, const char *currency, int64_t *out, struct err *err)
{
	int exp = imp_currency_exponent(currency), frac = 0;
	const char *p = v;
	int64_t units = 0;

	if (!isdigit((unsigned char)*p))
		goto bad;
	for (; isdigit((unsigned char)*p); p++) {
		if (units > (INT64_MAX / 1000 - 9) / 10)
			goto bad;
		units = units * 10 + (*p - '0');
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			goto bad;
		for (; isdigit((unsigned char)*p); p++, frac++) {
			if (frac >= exp)
				return err_set(err, ERR_USAGE,
					       "value: '%s' has more decimals than %s allows (%d)",
					       v, currency, exp);
			units = units * 10 + (*p - '0');
		}
	}
	if (*p != '\0')
		goto bad;
	for (; frac < exp; frac++)
		units *= 10;
	*out = units;
	return 0;
bad:
	return err_set(err, ERR_USAGE,
		       "value: '%s' is not an amount (digits with an optional decimal point, "
		       "e.g. 1250.00)",
		       v);
}

/* Records the row's key; a key already seen in this file is an error. */
static int imp_seen(struct import_ctx *ctx, const char *key, int line, struct err *err)
{
	int64_t first;

	if (strset_add(&ctx->seen, key, line, &first))
		return 0;
	return err_set(err, ERR_USAGE, "%s '%s' already appears on line %lld", ctx->keyword, key,
		       (long long)first);
}

/* ---- users ------------------------------------------------------------ */

static const struct import_col user_cols[] = {
	{"email", COL_REQUIRED},
	{"name", 0},
	{"aliases", 0},
};

static int row_user(struct import_ctx *ctx, const struct import_row *r, enum store_change *ch,
		    struct err *err)
{
	struct store_user u = {0};
	struct import_list aliases = {0};
	char *key;
	int rc = -1;

	if ((key = imp_email(ctx, "email", r->v[0], err)) == NULL)
		return -1;
	if (imp_seen(ctx, key, r->line, err) == -1 ||
	    imp_list(ctx, "aliases", r->v[2], 1, &aliases, err) == -1)
		goto out;
	u.email = key;
	u.email_written = r->v[0];
	u.has_name = r->v[1] != NULL;
	u.name = has(r->v[1]) ? r->v[1] : NULL;
	u.aliases = imp_keys(&aliases);
	u.aliases_written = imp_written(&aliases);
	rc = store_user_upsert(ctx->st, &u, ctx->now, ch, err);
out:
	imp_list_free(&aliases);
	free(key);
	return rc;
}

/* ---- companies -------------------------------------------------------- */

static const struct import_col company_cols[] = {
	{"domain", COL_REQUIRED},
	{"name", COL_REQUIRED},
	{"domains", 0},
};

static int row_company(struct import_ctx *ctx, const struct import_row *r, enum store_change *ch,
		       struct err *err)
{
	struct store_company c = {0};
	struct import_list domains = {0};
	char *key;
	int rc = -1;

	if ((key = imp_domain("domain", r->v[0], err)) == NULL)
		return -1;
	if (imp_seen(ctx, key, r->line, err) == -1 ||
	    imp_list(ctx, "domains", r->v[2], 0, &domains, err) == -1)
		goto out;
	c.domain = key;
	c.name = r->v[1];
	c.domains = imp_keys(&domains);
	rc = store_company_upsert(ctx->st, &c, ctx->now, ch, err);
out:
	imp_list_free(&domains);
	free(key);
	return rc;
}

/* ---- contacts --------------------------------------------------------- */

static const struct import_col contact_cols[] = {
	{"email", COL_REQUIRED}, {"name", 0},	    {"company", 0},
	{"lead_source", 0},	 {"created_at", 0}, {"emails", 0},
};

static int row_contact(struct import_ctx *ctx, const struct import_row *r, enum store_change *ch,
		       struct err *err)
{
	struct store_contact c = {0};
	struct import_list emails = {0};
	char *key, *company = NULL;
	int rc = -1;

	if ((key = imp_email(ctx, "email", r->v[0], err)) == NULL)
		return -1;
	if (imp_seen(ctx, key, r->line, err) == -1 ||
	    imp_list(ctx, "emails", r->v[5], 1, &emails, err) == -1 ||
	    imp_time("created_at", r->v[4], &c.created_at, err) == -1)
		goto out;
	if (has(r->v[2]) && (company = imp_domain("company", r->v[2], err)) == NULL)
		goto out;
	c.email = key;
	c.email_written = r->v[0];
	c.has_name = r->v[1] != NULL;
	c.name = has(r->v[1]) ? r->v[1] : NULL;
	c.has_company = r->v[2] != NULL;
	c.company_domain = company;
	c.has_lead_source = r->v[3] != NULL;
	c.lead_source = has(r->v[3]) ? r->v[3] : NULL;
	c.emails = imp_keys(&emails);
	c.emails_written = imp_written(&emails);
	rc = store_contact_upsert(ctx->st, &c, ctx->now, ch, err);
out:
	imp_list_free(&emails);
	free(company);
	free(key);
	return rc;
}

/* ---- stages ----------------------------------------------------------- */

static const struct import_col stage_cols[] = {
	{"id", COL_REQUIRED},
	{"name", COL_REQUIRED},
	{"position", COL_REQUIRED},
	{"probability", 0},
};

static int row_stage(struct import_ctx *ctx, const struct import_row *r, enum store_change *ch,
		     struct err *err)
{
	struct store_stage g = {0};
	int64_t v;

	if (imp_seen(ctx, r->v[0], r->line, err) == -1)
		return -1;
	g.key = r->v[0];
	g.name = r->v[1];
	if (str_to_i64(r->v[2], -1000000, 1000000, &g.position) == -1)
		return err_set(err, ERR_USAGE, "position: '%s' is not a whole number", r->v[2]);
	g.has_probability = r->v[3] != NULL;
	g.probability = -1;
	if (has(r->v[3])) {
		if (str_to_i64(r->v[3], 0, 100, &v) == -1)
			return err_set(err, ERR_USAGE,
				       "probability: '%s' is not a whole number from 0 to 100",
				       r->v[3]);
		g.probability = (int)v;
	}
	return store_stage_upsert(ctx->st, &g, ctx->now, ch, err);
}

/* ---- deals ------------------------------------------------------------ */

enum {
	D_ID,
	D_NAME,
	D_STAGE,
	D_STATUS,
	D_COMPANY,
	D_OWNER,
	D_VALUE,
	D_CURRENCY,
	D_CONTACTS,
	D_LEAD,
	D_CREATED,
	D_CLOSED,
	D_EXPECTED,
	D_CHANGED,
};

static const struct import_col deal_cols[] = {
	[D_ID] = {"id", COL_REQUIRED},
	[D_NAME] = {"name", COL_REQUIRED},
	[D_STAGE] = {"stage", COL_REQUIRED},
	[D_STATUS] = {"status", COL_REQUIRED},
	[D_COMPANY] = {"company", 0},
	[D_OWNER] = {"owner", 0},
	[D_VALUE] = {"value", 0},
	[D_CURRENCY] = {"currency", 0},
	[D_CONTACTS] = {"contacts", 0},
	[D_LEAD] = {"lead_source", 0},
	[D_CREATED] = {"created_at", 0},
	[D_CLOSED] = {"closed_at", 0},
	[D_EXPECTED] = {"expected_close", 0},
	[D_CHANGED] = {"stage_changed_at", 0},
};

/* Validates the currency code (three capital letters). */
static int imp_currency(const char *v, struct err *err)
{
	if (strlen(v) != 3 || !isupper((unsigned char)v[0]) || !isupper((unsigned char)v[1]) ||
	    !isupper((unsigned char)v[2]))
		return err_set(err, ERR_USAGE,
			       "currency: '%s' is not an ISO 4217 code such as EUR or USD", v);
	return 0;
}

static int deal_scalars(struct import_ctx *ctx, const struct import_row *r, struct store_deal *d,
			struct err *err)
{
	(void)ctx;
	d->key = r->v[D_ID];
	d->name = r->v[D_NAME];
	d->stage_key = r->v[D_STAGE];
	d->status = r->v[D_STATUS];
	if (strcmp(d->status, "open") != 0 && strcmp(d->status, "won") != 0 &&
	    strcmp(d->status, "lost") != 0)
		return err_set(err, ERR_USAGE, "status: '%s' is not open, won or lost", d->status);
	d->currency = has(r->v[D_CURRENCY]) ? r->v[D_CURRENCY] : NULL;
	if (d->currency != NULL && imp_currency(d->currency, err) == -1)
		return -1;
	d->has_value = has(r->v[D_VALUE]);
	if (d->has_value &&
	    imp_money(r->v[D_VALUE], d->currency ? d->currency : "EUR", &d->value_minor, err) == -1)
		return -1;
	d->has_lead_source = r->v[D_LEAD] != NULL;
	d->lead_source = has(r->v[D_LEAD]) ? r->v[D_LEAD] : NULL;
	d->has_closed_at = has(r->v[D_CLOSED]);
	d->has_expected_close = r->v[D_EXPECTED] != NULL;
	if (imp_time("created_at", r->v[D_CREATED], &d->created_at, err) == -1 ||
	    imp_time("closed_at", r->v[D_CLOSED], &d->closed_at, err) == -1 ||
	    imp_time("expected_close", r->v[D_EXPECTED], &d->expected_close, err) == -1 ||
	    imp_time("stage_changed_at", r->v[D_CHANGED], &d->stage_changed_at, err) == -1)
		return -1;
	if (d->has_closed_at && strcmp(d->status, "open") == 0)
		return err_set(err, ERR_USAGE, "closed_at: an open deal has no closing date");
	return 0;
}

static int row_deal(struct import_ctx *ctx, const struct import_row *r, enum store_change *ch,
		    struct err *err)
{
	struct store_deal d = {0};
	struct import_list contacts = {0};
	char *company = NULL, *owner = NULL;
	int rc = -1;

	if (imp_seen(ctx, r->v[D_ID], r->line, err) == -1 || deal_scalars(ctx, r, &d, err) == -1)
		return -1;
	if (has(r->v[D_COMPANY]) && (company = imp_domain("company", r->v[D_COMPANY], err)) == NULL)
		goto out;
	if (has(r->v[D_OWNER]) && (owner = imp_email(ctx, "owner", r->v[D_OWNER], err)) == NULL)
		goto out;
	if (imp_list(ctx, "contacts", r->v[D_CONTACTS], 1, &contacts, err) == -1)
		goto out;
	d.has_company = r->v[D_COMPANY] != NULL;
	d.company_domain = company;
	d.has_owner = r->v[D_OWNER] != NULL;
	d.owner_email = owner;
	d.contacts = imp_keys(&contacts);
	rc = store_deal_upsert(ctx->st, &d, ctx->now, ch, err);
out:
	imp_list_free(&contacts);
	free(company);
	free(owner);
	return rc;
}

#define KIND(n, kw, cols, fn)                                 \
	{                                                     \
		n, kw, cols, sizeof cols / sizeof cols[0], fn \
	}
static const struct import_kind kinds[] = {
	KIND("users", "user", user_cols, row_user),
	KIND("companies", "company", company_cols, row_company),
	KIND("contacts", "contact", contact_cols, row_contact),
	KIND("stages", "stage", stage_cols, row_stage),
	KIND("deals", "deal", deal_cols, row_deal),
};

/* ---- the file --------------------------------------------------------- */

/* Maps header fields to column indexes (map[field] = column). */
static int imp_header(const struct import_kind *k, const struct csv_record *rec, int *map,
		      struct err *err)
{
	int seen[IMPORT_MAX_COLS] = {0};

	for (size_t f = 0; f < rec->n; f++) {
		const char *name = rec->fields[f];
		size_t c, best = k->ncols;
		int bestd = 3;
		for (c = 0; c < k->ncols && strcmp(k->cols[c].name, name) != 0; c++) {
			int d = str_edit_distance(k->cols[c].name, name);
			if (d < bestd)
				bestd = d, best = c;
		}
		if (c == k->ncols && best < k->ncols)
			return err_set(err, ERR_USAGE, "unknown column '%s' (did you mean '%s'?)",
				       name, k->cols[best].name);
		if (c == k->ncols)
			return err_set(err, ERR_USAGE, "unknown column '%s' for %s (columns: %s%s",
				       name, k->name, k->cols[0].name,
				       k->ncols > 1 ? ", ...)" : ")");
		if (seen[c]++)
			return err_set(err, ERR_USAGE, "column '%s' appears twice", name);
		map[f] = (int)c;
	}
	for (size_t c = 0; c < k->ncols; c++)
		if ((k->cols[c].flags & COL_REQUIRED) && !seen[c])
			return err_set(err, ERR_USAGE, "required column '%s' is missing",
				       k->cols[c].name);
	return 0;
}

static int imp_row(struct import_ctx *ctx, const struct import_kind *k, const int *map,
		   size_t nheader, const struct csv_record *rec, enum store_change *ch,
		   struct err *err)
{
	struct import_row r;

	memset(&r, 0, sizeof r);
	r.line = rec->line;
	if (rec->n != nheader)
		return err_set(err, ERR_USAGE, "%zu fields, but the header has %zu", rec->n,
			       nheader);
	for (size_t f = 0; f < rec->n; f++) {
		const char *p = rec->fields[f];
		size_t len = strlen(p);
		char *cell;
		/* Cells are trimmed: spreadsheets pad with spaces. */
		str_trim(&p, &len);
		cell = rec->fields[f] + (p - rec->fields[f]);
		cell[len] = '\0';
		r.v[map[f]] = cell;
	}
	for (size_t c = 0; c < k->ncols; c++)
		if ((k->cols[c].flags & COL_REQUIRED) && !has(r.v[c]))
			return err_set(err, ERR_USAGE, "%s: a value is required", k->cols[c].name);
	return k->row(ctx, &r, ch, err);
}

static int imp_rows(struct import_ctx *ctx, const struct import_kind *k, struct csv_reader *csv,
		    size_t max_rows, struct cli_import_tally *t, struct err *err)
{
	struct csv_record rec;
	int map[CSV_MAX_FIELDS];
	size_t nheader, nrows = 0;
	int rc;

	if ((rc = csv_next(csv, &rec, err)) <= 0) {
		if (rc == 0)
			err_set(err, ERR_USAGE,
				"%s:1: the file is empty (a header row is required)",
				csv_name(csv));
		return -1;
	}
	if (imp_header(k, &rec, map, err) == -1) {
		err_prefix(err, "%s:%d", csv_name(csv), rec.line);
		return -1;
	}
	nheader = rec.n;
	while ((rc = csv_next(csv, &rec, err)) == 1) {
		enum store_change ch = STORE_UNCHANGED;
		if (++nrows > max_rows)
			return err_set(err, ERR_USAGE,
				       "%s:%d: more than %zu rows in one file; split it",
				       csv_name(csv), rec.line, max_rows);
		if (imp_row(ctx, k, map, nheader, &rec, &ch, err) == -1) {
			err_prefix(err, "%s:%d", csv_name(csv), rec.line);
			return -1;
		}
		t->added += ch == STORE_ADDED;
		t->updated += ch == STORE_UPDATED;
		t->unchanged += ch == STORE_UNCHANGED;
	}
	return rc;
}

static int import_usage(FILE *fp)
{
	fputs("usage: crmsync import users|companies|contacts|stages|deals FILE.csv\n"
	      "       crmsync import mbox FILE | maildir DIR | ics FILE [--owner EMAIL]\n"
	      "                      [--timezone ZONE] [--since DATE] [--until DATE] [--dry-run]\n"
	      "\n"
	      "Loads CRM records from an RFC 4180 CSV file whose header row names the\n"
	      "columns (any order; lists inside a cell are separated by ';'):\n"
	      "  users      email*, name, aliases\n"
	      "  companies  domain*, name*, domains\n"
	      "  contacts   email*, name, company (a domain), lead_source, created_at, emails\n"
	      "  stages     id*, name*, position*, probability (0-100)\n"
	      "  deals      id*, name*, stage*, status* (open/won/lost), company, owner,\n"
	      "             value (e.g. 1250.00), currency (default EUR), contacts,\n"
	      "             lead_source, created_at, closed_at, expected_close,\n"
	      "             stage_changed_at\n"
	      "(* required). Dates are YYYY-MM-DD or RFC 3339. Re-importing updates records\n"
	      "by their key (email, domain or id) and never duplicates them; a changed deal\n"
	      "stage is appended to the stage history. One bad row rejects the whole file\n"
	      "(exit 2, FILE:LINE named) and nothing of it is stored.\n"
	      "\n"
	      "mbox, maildir and ics backfill activities from a local export (Google\n"
	      "Takeout mbox, Thunderbird, a Maildir, a calendar's .ics) through the same\n"
	      "parsers and matching as sync; --owner names the team member whose mail or\n"
	      "calendar it is (required when several users are imported); --timezone is\n"
	      "the zone of floating times in an .ics (default UTC); --since and --until\n"
	      "bound the occurrences taken from an .ics (default: ten years back, two\n"
	      "years ahead). Importing the same\n"
	      "export again logs nothing twice.\n"
	      "\n"
	      "example: crmsync import contacts contacts.csv\n"
	      "         crmsync import mbox ~/Takeout/Mail/All.mbox --owner alice@lumen.example\n",
	      fp);
	return fp == stdout ? EXIT_OK : EXIT_USAGE;
}

int cli_import_csv(struct store *st, const char *kind, struct csv_reader *csv, int64_t now,
		   int plus_addressing, struct cli_import_tally *t, struct err *err)
{
	return cli_import_csv_max(st, kind, csv, now, plus_addressing, CLI_IMPORT_MAX_ROWS, t, err);
}

int cli_import_csv_max(struct store *st, const char *kind, struct csv_reader *csv, int64_t now,
		       int plus_addressing, size_t max_rows, struct cli_import_tally *t,
		       struct err *err)
{
	const struct import_kind *k = NULL;
	struct import_ctx ctx = {0};
	int rc;

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kind, kinds[i].name) == 0)
			k = &kinds[i];
	if (k == NULL)
		return err_set(err, ERR_USAGE, "unknown kind '%s'", kind);
	ctx.st = st;
	ctx.now = now;
	ctx.plus_addressing = plus_addressing;
	ctx.keyword = k->keyword;
	strset_init(&ctx.seen);
	rc = imp_rows(&ctx, k, csv, max_rows, t, err);
	strset_release(&ctx.seen);
	return rc;
}

static int import_file(struct cli *c, const struct import_kind *k, const char *path)
{
	struct cli_import_tally t = {0, 0, 0};
	struct csv_reader *csv = NULL;
	struct store *st = NULL;
	struct err err;
	int rc = EXIT_OK;

	err_init(&err);
	if (cli_config(c) == NULL)
		return EXIT_USAGE;
	if ((csv = csv_open_file(path, &err)) == NULL)
		return cli_fail(&err);
	if ((st = cli_store(c, 0, &rc)) == NULL)
		goto out;
	if (store_begin(st, &err) == -1 ||
	    cli_import_csv(st, k->name, csv, c->now, c->cfg->plus_addressing, &t, &err) == -1 ||
	    store_commit(st, &err) == -1) {
		store_rollback(st);
		rc = cli_fail(&err);
		if (rc != EXIT_DB)
			fprintf(stderr, "crmsync: %s: nothing imported\n", path);
		goto out;
	}
	printf("%s: %ld added, %ld updated, %ld unchanged\n", k->name, t.added, t.updated,
	       t.unchanged);
out:
	store_close(&st);
	csv_close(csv);
	return rc;
}

/* ---- mail exports ------------------------------------------------------ */

/* The window of an .ics backfill: by default ten years back, two forward. */
struct import_window {
	int64_t from, to;
	int given;
};

static int import_owner(struct cli *c, struct store *st, struct match_dir *dir, const char *owner,
			int64_t *id, struct err *err)
{
	char *key;
	int rc;

	if (owner == NULL) {
		if ((rc = store_sole_user(st, id, err)) == 1)
			return 0;
		if (rc == 0)
			return err_set(err, ERR_USAGE,
				       "--owner EMAIL is required (whose mailbox is it?) unless "
				       "exactly one user is imported");
		return -1;
	}
	if ((key = addr_canonical(owner, c->cfg->plus_addressing, err)) == NULL)
		return -1;
	*id = match_dir_user(dir, key);
	free(key);
	if (*id < 0)
		return err_set(err, ERR_USAGE, "--owner '%s' is not an imported user", owner);
	return 0;
}

static int import_mail(struct cli *c, const char *kind, const char *path, const char *owner,
		       const char *tz, const struct import_window *w, int dry_run)
{
	struct sync_ctx ctx;
	struct match_opts o = {-1, CFG_CAPTURE_FULL, 0, 0};
	struct sync_counts n;
	struct err err;
	int rc = EXIT_USAGE, r;

	memset(&ctx, 0, sizeof ctx);
	memset(&n, 0, sizeof n);
	err_init(&err);
	if ((ctx.cfg = cli_config(c)) == NULL || (ctx.st = cli_store(c, 0, &rc)) == NULL)
		goto out;
	if ((ctx.dir = match_dir_load(ctx.st, ctx.cfg, &err)) == NULL ||
	    import_owner(c, ctx.st, ctx.dir, owner, &o.owner_id, &err) == -1) {
		rc = cli_fail(&err);
		goto out;
	}
	ctx.now = c->now;
	ctx.dry_run = dry_run;
	o.log_internal = ctx.cfg->log_internal;
	o.snippet_chars = ctx.cfg->snippet_chars;
	if (strcmp(kind, "ics") == 0)
		r = sync_import_ics(&ctx, &o, path, w->from, w->to, tz, &n, &err);
	else if (strcmp(kind, "mbox") == 0)
		r = sync_import_mbox(&ctx, &o, path, &n, &err);
	else
		r = sync_import_maildir(&ctx, &o, path, &n, &err);
	if (r == -1) {
		rc = cli_fail(&err);
		goto out;
	}
	printf("%s%s: %lld %s: %lld logged (%lld new activities), %lld skipped",
	       dry_run ? "dry run: " : "", path, (long long)n.fetched,
	       strcmp(kind, "ics") == 0 ? "occurrences" : "messages", (long long)n.logged,
	       (long long)n.created, (long long)n.skipped);
	for (int i = 0; i < SYNC_NREASONS; i++)
		if (n.skips[i] > 0)
			printf(" %s=%lld", sync_reason_names[i], (long long)n.skips[i]);
	printf(", %lld unreadable\n", (long long)n.errors);
	rc = EXIT_OK;
out:
	match_dir_free(ctx.dir);
	store_close(&ctx.st);
	return rc;
}

int cmd_import(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"owner", required_argument, NULL, 'o'},    {"dry-run", no_argument, NULL, 'n'},
		{"timezone", required_argument, NULL, 'z'}, {"since", required_argument, NULL, 's'},
		{"until", required_argument, NULL, 'u'},    {NULL, 0, NULL, 0},
	};
	const char *owner = NULL, *tz = NULL;
	struct import_window w = {c->now - 3650 * 86400LL, c->now + 730 * 86400LL, 0};
	int ch, dry_run = 0;

	if (cli_wants_help(argc, argv))
		return import_usage(stdout);
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'o')
			owner = optarg;
		else if (ch == 'n')
			dry_run = 1;
		else if (ch == 'z')
			tz = optarg;
		else if ((ch == 's' || ch == 'u') &&
			 tu_parse_cli_date(optarg, c->now, ch == 's' ? &w.from : &w.to) == 0)
			w.given = 1;
		else if (ch == 's' || ch == 'u')
			return cli_usage("import", "'%s' is not a date (YYYY-MM-DD, RFC 3339, 7d)",
					 optarg);
		else
			return import_usage(stderr);
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc != 3)
		return cli_usage("import",
				 argc < 3 ? "expected a kind and a file" :
					    "unexpected argument '%s'",
				 argc > 3 ? argv[3] : "");
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (strcmp(argv[1], kinds[i].name) == 0) {
			if (owner != NULL || dry_run || tz != NULL || w.given)
				return cli_usage("import", "--owner, --timezone and --dry-run are "
							   "for mbox, maildir and ics imports");
			return import_file(c, &kinds[i], argv[2]);
		}
	}
	if (strcmp(argv[1], "mbox") == 0 || strcmp(argv[1], "maildir") == 0 ||
	    strcmp(argv[1], "ics") == 0) {
		if (cli_config(c) == NULL)
			return EXIT_USAGE;
		return import_mail(c, argv[1], argv[2], owner, tz, &w, dry_run);
	}
	return cli_usage("import",
			 "unknown kind '%s' (users, companies, contacts, stages, "
			 "deals, mbox, maildir or ics)",
			 argv[1]);
}

/* tests/unit/test_report_activity.c - SPEC §6 "activity" over a
 * hand-checked fixture: every figure of every row, the totals, the stale
 * deals, and the same numbers in the text, CSV and JSON renderings.
 *
 * The range is 2026-10-23 .. 2026-10-26 in Europe/Berlin by day. Clocks go
 * back on 2026-10-25 (03:00 CEST -> 02:00 CET), so that day runs from
 * 2026-10-24T22:00Z to 2026-10-25T23:00Z: 25 hours.
 *
 * Set ACTIVITY_BENCH=N to time the report over N generated activities.
 */
#include "core/err.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "reports/report.h"
#include "store/store.h"
#include "t.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Users: alice (alias ali@), bob, carol. Contacts: wile 100, road 101,
 * pat 102. Deals: D1 open (alice) with activity in range, D2 open (bob)
 * last touched 2026-09-01, D3 open (alice) touched only at `to` (so never
 * before it), W1 won and idle. */
static const char crm[] =
	"INSERT INTO users (id, email, email_written, created_at, updated_at) VALUES"
	"  (1, 'alice@lumen.example', 'alice@lumen.example', 0, 0),"
	"  (2, 'bob@lumen.example', 'bob@lumen.example', 0, 0),"
	"  (3, 'carol@lumen.example', 'carol@lumen.example', 0, 0);"
	"INSERT INTO user_emails VALUES ('alice@lumen.example', 1, 'alice@lumen.example'),"
	"  ('ali@lumen.example', 1, 'ali@lumen.example'),"
	"  ('bob@lumen.example', 2, 'bob@lumen.example'),"
	"  ('carol@lumen.example', 3, 'carol@lumen.example');"
	"INSERT INTO contacts (id, email, name, created_at, updated_at) VALUES"
	"  (100, 'wile@acme.example', 'Wile', 0, 0), (101, 'road@acme.example', 'Road', 0, 0),"
	"  (102, 'pat@initech.example', 'Pat', 0, 0);"
	"INSERT INTO stages (id, key, name, position, updated_at) VALUES (1, 's', 'S', 1, 0);"
	"INSERT INTO deals (id, key, name, owner_id, stage_id, status, created_at, updated_at)"
	"  VALUES (200, 'D1', 'Anvils', 1, 1, 'open', 0, 0),"
	"  (201, 'D2', 'Rockets', 2, 1, 'open', 0, 0), (202, 'D3', 'Glue', 1, 1, 'open', 0, 0),"
	"  (203, 'W1', 'Old', 2, 1, 'won', 0, 0);";

#define ACT(id, kind, dir, status, at, end, thread, removed)                                  \
	"INSERT INTO activities (id, kind, direction, status, occurred_at, ended_at, "        \
	"thread_key, source_key, removed, first_seen_at, updated_at) VALUES (" #id ", '" kind \
	"', '" dir "', '" status "', unixepoch('" at "'), " end ", " thread ", 'k" #id        \
	"', " #removed ", 0, 0);"
#define T(at) "unixepoch('" at "')"

/* Activities; times UTC. Local days: 23 = [10-22 22:00, 10-23 22:00),
 * 24 = [10-23 22:00, 10-24 22:00), 25 = [10-24 22:00, 10-25 23:00),
 * 26 = [10-25 23:00, 10-26 23:00). */
static const char *const acts[] = {
	/* day 23: wile writes to alice, cc bob; both answer (1800 s, 7200 s). */
	ACT(1, "email", "inbound", "logged", "2026-10-23 08:00:00", "NULL", "'t1'", 0),
	ACT(2, "email", "outbound", "logged", "2026-10-23 08:30:00", "NULL", "'t1'", 0),
	ACT(3, "email", "outbound", "logged", "2026-10-23 10:00:00", "NULL", "'t1'", 0),
	/* internal mail alice -> bob: sent for alice, not received for bob */
	ACT(4, "email", "internal", "logged", "2026-10-23 09:00:00", "NULL", "'t2'", 0),
	/* held 1.5 h (alice and bob own it), scheduled, cancelled */
	ACT(5, "meeting", "internal", "held", "2026-10-23 12:00:00", T("2026-10-23 13:30:00"),
	    "NULL", 0),
	ACT(6, "meeting", "outbound", "scheduled", "2026-10-23 14:00:00", T("2026-10-23 15:00:00"),
	    "NULL", 0),
	ACT(7, "meeting", "outbound", "cancelled", "2026-10-23 15:00:00", T("2026-10-23 16:00:00"),
	    "NULL", 0),
	/* day 24: road writes to ali@ (alias) and to alice@ cc ali@; one reply
	 * from ali@ answers both (1200 s, 600 s) */
	ACT(8, "email", "inbound", "logged", "2026-10-24 07:00:00", "NULL", "'t3'", 0),
	ACT(9, "email", "inbound", "logged", "2026-10-24 07:10:00", "NULL", "'t3'", 0),
	ACT(10, "email", "outbound", "logged", "2026-10-24 07:20:00", "NULL", "'t3'", 0),
	/* wile -> alice answered in 600 s (a tie) */
	ACT(11, "email", "inbound", "logged", "2026-10-24 09:00:00", "NULL", "'t4'", 0),
	ACT(12, "email", "outbound", "logged", "2026-10-24 09:10:00", "NULL", "'t4'", 0),
	/* wile -> alice cc bob: alice answers in 3600 s, bob never */
	ACT(15, "email", "inbound", "logged", "2026-10-24 10:00:00", "NULL", "'t6'", 0),
	ACT(16, "email", "outbound", "logged", "2026-10-24 11:00:00", "NULL", "'t6'", 0),
	/* a newsletter (no contact) answered: counted, but no sample */
	ACT(17, "email", "inbound", "logged", "2026-10-24 12:00:00", "NULL", "'t7'", 0),
	ACT(18, "email", "outbound", "logged", "2026-10-24 12:05:00", "NULL", "'t7'", 0),
	ACT(19, "call", "outbound", "logged", "2026-10-24 15:00:00", "NULL", "NULL", 0),
	/* day 25, local 00:30: pat -> bob, answered at 02:30Z (14400 s) */
	ACT(13, "email", "inbound", "logged", "2026-10-24 22:30:00", "NULL", "'t5'", 0),
	ACT(14, "email", "outbound", "logged", "2026-10-25 02:30:00", "NULL", "'t5'", 0),
	ACT(20, "meeting", "outbound", "held", "2026-10-25 10:00:00", T("2026-10-25 12:00:00"),
	    "NULL", 0),
	/* local 23:30 on the 25th (the 25-hour day), removed but it happened */
	ACT(21, "call", "outbound", "logged", "2026-10-25 22:30:00", "NULL", "NULL", 1),
	/* held, no end: counts, zero hours */
	ACT(22, "meeting", "outbound", "held", "2026-10-25 14:00:00", "NULL", "NULL", 0),
	/* outside the range */
	ACT(30, "email", "outbound", "logged", "2026-09-01 10:00:00", "NULL", "'t9'", 0),
	ACT(31, "email", "outbound", "logged", "2026-10-22 21:59:59", "NULL", "NULL", 0),
	ACT(32, "call", "outbound", "logged", "2026-10-26 23:00:00", "NULL", "NULL", 0),
	NULL,
};

static const char owners[] =
	"INSERT INTO activity_owners VALUES (1, 1), (1, 2), (2, 1), (3, 2), (4, 1), (4, 2),"
	"  (5, 1), (5, 2), (6, 1), (7, 2), (8, 1), (9, 1), (10, 1), (11, 1), (12, 1), (15, 1),"
	"  (15, 2), (16, 1), (17, 1), (18, 1), (19, 3), (13, 2), (14, 2), (20, 1), (21, 2),"
	"  (22, 3), (30, 2), (31, 1), (32, 1);";

#define P(act, addr, role, contact)                                                    \
	"INSERT INTO participants (activity_id, address, addr_key, role, contact_id) " \
	"VALUES (" #act ", '" addr "', '" addr "', '" role "', " contact ");"

static const char *const parts[] = {
	P(1, "wile@acme.example", "from", "100"),
	P(1, "alice@lumen.example", "to", "NULL"),
	P(1, "bob@lumen.example", "cc", "NULL"),
	P(2, "alice@lumen.example", "from", "NULL"),
	P(2, "wile@acme.example", "to", "100"),
	P(3, "bob@lumen.example", "from", "NULL"),
	P(3, "wile@acme.example", "to", "100"),
	P(4, "alice@lumen.example", "from", "NULL"),
	P(4, "bob@lumen.example", "to", "NULL"),
	P(5, "alice@lumen.example", "organizer", "NULL"),
	P(5, "road@acme.example", "attendee", "101"),
	P(8, "road@acme.example", "from", "101"),
	P(8, "ali@lumen.example", "to", "NULL"),
	P(9, "road@acme.example", "from", "101"),
	P(9, "alice@lumen.example", "to", "NULL"),
	P(9, "ali@lumen.example", "cc", "NULL"),
	P(10, "ali@lumen.example", "from", "NULL"),
	P(10, "road@acme.example", "to", "101"),
	P(11, "wile@acme.example", "from", "100"),
	P(11, "alice@lumen.example", "to", "NULL"),
	P(12, "alice@lumen.example", "from", "NULL"),
	P(12, "wile@acme.example", "to", "100"),
	P(15, "wile@acme.example", "from", "100"),
	P(15, "alice@lumen.example", "to", "NULL"),
	P(15, "bob@lumen.example", "cc", "NULL"),
	P(16, "alice@lumen.example", "from", "NULL"),
	P(16, "wile@acme.example", "to", "100"),
	P(17, "news@other.example", "from", "NULL"),
	P(17, "alice@lumen.example", "to", "NULL"),
	P(18, "alice@lumen.example", "from", "NULL"),
	P(18, "news@other.example", "to", "NULL"),
	P(13, "pat@initech.example", "from", "102"),
	P(13, "bob@lumen.example", "to", "NULL"),
	P(14, "bob@lumen.example", "from", "NULL"),
	P(14, "pat@initech.example", "to", "102"),
	P(30, "bob@lumen.example", "from", "NULL"),
	P(30, "road@acme.example", "to", "101"),
	P(31, "alice@lumen.example", "from", "NULL"),
	P(31, "pat@initech.example", "to", "102"),
	NULL,
};

#define L(act, type, target) "(" #act ", '" type "', " #target ", 'address', 0),"

static const char links[] =
	"INSERT INTO activity_links (activity_id, type, target_id, rule, created_at) VALUES " L(
		1, "contact", 100) L(1, "deal", 200) L(2, "contact", 100) L(2, "deal", 200)
		L(3, "contact", 100) L(3, "deal", 200) L(5, "contact", 101) L(5, "deal", 200)
			L(6, "contact", 102) L(7, "contact", 102) L(8, "contact", 101) L(
				9, "contact", 101) L(10, "contact", 101) L(10, "deal", 200)
				L(11, "contact", 100) L(12, "contact", 100) L(15, "contact", 100) L(
					15, "deal", 200) L(16, "contact", 100) L(16, "deal", 200)
					L(19, "contact", 102) L(13, "contact", 102) L(
						14, "contact", 102) L(20, "contact",
								      100) L(20, "deal", 200)
						L(21, "contact", 101) L(30, "contact", 101) L(
							30, "deal", 201) L(31, "contact", 102)
							L(32, "deal",
							  202) "(32, 'company', 1, 'domain', 0);";

/* Expected rows as the CSV shows them: user, period_start, sent,
 * received, meetings, hours, calls, contacts, deals, median, p90. */
#define NCOL 11
static const char *const want_rows[][NCOL] = {
	{"alice@lumen.example", "2026-10-23", "2", "1", "1", "1.50", "0", "2", "1", "1800", "1800"},
	{"alice@lumen.example", "2026-10-24", "4", "5", "0", "0.00", "0", "2", "1", "600", "3600"},
	{"alice@lumen.example", "2026-10-25", "0", "0", "1", "2.00", "0", "1", "1", "", ""},
	{"alice@lumen.example", "2026-10-26", "0", "0", "0", "0.00", "0", "0", "0", "", ""},
	{"bob@lumen.example", "2026-10-23", "1", "1", "1", "1.50", "0", "2", "1", "7200", "7200"},
	{"bob@lumen.example", "2026-10-24", "0", "1", "0", "0.00", "0", "1", "1", "", ""},
	{"bob@lumen.example", "2026-10-25", "1", "1", "0", "0.00", "1", "2", "0", "14400", "14400"},
	{"bob@lumen.example", "2026-10-26", "0", "0", "0", "0.00", "0", "0", "0", "", ""},
	{"carol@lumen.example", "2026-10-23", "0", "0", "0", "0.00", "0", "0", "0", "", ""},
	{"carol@lumen.example", "2026-10-24", "0", "0", "0", "0.00", "1", "1", "0", "", ""},
	{"carol@lumen.example", "2026-10-25", "0", "0", "1", "0.00", "0", "0", "0", "", ""},
	{"carol@lumen.example", "2026-10-26", "0", "0", "0", "0.00", "0", "0", "0", "", ""},
};
/* All samples: 600 600 1200 1800 3600 7200 14400: rank 4 and rank 7. */
static const char *const want_totals[NCOL] = {"",  "",	"8", "9",    "4",    "5.00",
					      "2", "3", "1", "1800", "14400"};
/* Only alice: samples 600 600 1200 1800 3600: rank 3 and rank 5. */
static const char *const want_alice_totals[NCOL] = {"",	 "",  "6", "6",	   "2",	  "3.50",
						    "0", "2", "1", "1200", "3600"};

static const char *const want_stale[][4] = {
	{"D3", "Glue", "alice@lumen.example", ""},
	{"D2", "Rockets", "bob@lumen.example", "2026-09-01T10:00:00Z"},
};

static int64_t at(const char *s)
{
	int64_t t = 0;

	if (tu_parse_date(s, &t) == -1)
		abort();
	return t;
}

static int exec_all(struct store *st, const char *const *sql, struct err *err)
{
	for (; *sql != NULL; sql++)
		if (store_exec_script(st, *sql, err) == -1)
			return -1;
	return 0;
}

static struct store *fixture(void)
{
	struct err err;
	struct store *st;

	err_init(&err);
	st = store_open(":memory:", 0, &err);
	if (st == NULL || store_exec_script(st, crm, &err) == -1 ||
	    exec_all(st, acts, &err) == -1 || store_exec_script(st, owners, &err) == -1 ||
	    exec_all(st, parts, &err) == -1 || store_exec_script(st, links, &err) == -1 ||
	    store_rep_rebuild(st, &err) == -1) { /* rows written around the store API */
		fprintf(stderr, "fixture: %s\n", err.msg);
		exit(1);
	}
	return st;
}

static struct report_params params(const char *user)
{
	struct report_params p = {0};

	p.from = at("2026-10-22T22:00:00Z");
	p.to = at("2026-10-26T23:00:00Z");
	p.tz = "Europe/Berlin";
	p.period = REPORT_DAY;
	p.user = user;
	p.stale_days = 14;
	p.now = at("2026-10-28T12:00:00Z");
	return p;
}

static int build(struct store *st, const struct report_params *p, struct report_doc *d)
{
	struct err err;
	int rc;

	err_init(&err);
	report_doc_init(d, "activity", p);
	d->tz = xstrdup(p->tz);
	rc = report_activity(st, p, d, &err);
	if (rc == -1)
		fprintf(stderr, "report_activity: %s\n", err.msg);
	return rc;
}

/* A cell as the CSV renderer writes it, for comparison. */
static void cell_str(const struct report_col *c, const struct report_cell *v, char *out,
		     size_t size)
{
	if (v->null)
		snprintf(out, size, "%s", "");
	else if (c->kind == REPORT_K_TEXT || c->kind == REPORT_K_DATE)
		snprintf(out, size, "%s", v->s);
	else if (c->kind == REPORT_K_NUM)
		snprintf(out, size, "%.2f", v->d);
	else if (c->kind == REPORT_K_TIME)
		tu_format_rfc3339(v->i, out, size);
	else
		snprintf(out, size, "%lld", (long long)v->i);
}

static void check_row(const struct report_table *t, const struct report_cell *row,
		      const char *const *want, size_t line)
{
	char got[64];

	for (size_t c = 0; c < t->ncols; c++) {
		cell_str(&t->cols[c], &row[c], got, sizeof got);
		if (strcmp(got, want[c]) != 0)
			fprintf(stderr, "row %zu, %s:\n", line, t->cols[c].key);
		T_STREQ(got, want[c]);
	}
}

static void test_doc(void)
{
	static const char *const keys[NCOL] = {"user",
					       "period_start",
					       "emails_sent",
					       "emails_received",
					       "meetings_held",
					       "meeting_hours",
					       "calls",
					       "contacts_touched",
					       "deals_touched",
					       "first_response_median_s",
					       "first_response_p90_s"};
	struct store *st = fixture();
	struct report_params p = params(NULL);
	struct report_doc d;
	const struct report_table *t;

	T_INTEQ(build(st, &p, &d), 0);
	T_INTEQ(d.ntables, 2);
	if (d.ntables != 2)
		goto out;
	t = &d.tables[0];
	T_STREQ(t->name, "rows");
	T_INTEQ(t->ncols, NCOL);
	for (size_t c = 0; c < NCOL && c < t->ncols; c++)
		T_STREQ(t->cols[c].key, keys[c]);
	T_INTEQ(t->nrows, sizeof want_rows / sizeof want_rows[0]);
	for (size_t r = 0; r < t->nrows && r < sizeof want_rows / sizeof want_rows[0]; r++)
		check_row(t, &t->cells[r * t->ncols], want_rows[r], r);
	T_OK(t->totals != NULL);
	if (t->totals != NULL)
		check_row(t, t->totals, want_totals, 99);
	t = &d.tables[1];
	T_STREQ(t->name, "stale_deals");
	T_STREQ(t->cols[0].key, "deal");
	T_STREQ(t->cols[3].key, "last_activity");
	T_INTEQ(t->nrows, 2);
	for (size_t r = 0; r < t->nrows && r < 2; r++)
		check_row(t, &t->cells[r * t->ncols], want_stale[r], r);
	T_INTEQ(d.nparams, 2);
	if (d.nparams == 2) {
		T_STREQ(d.params[0].key, "user");
		T_STREQ(d.params[0].value, "");
		T_STREQ(d.params[1].key, "stale_days");
		T_STREQ(d.params[1].value, "14");
	}
out:
	report_doc_release(&d);
	store_close(&st);
}

/* --user by alias: only alice's rows and deals; totals are hers. */
static void test_one_user(void)
{
	struct store *st = fixture();
	struct report_params p = params("ali@lumen.example");
	struct report_doc d;
	struct err err;

	T_INTEQ(build(st, &p, &d), 0);
	if (d.ntables == 2) {
		const struct report_table *t = &d.tables[0];
		T_INTEQ(t->nrows, 4);
		for (size_t r = 0; r < t->nrows && r < 4; r++)
			check_row(t, &t->cells[r * t->ncols], want_rows[r], r);
		if (t->totals != NULL)
			check_row(t, t->totals, want_alice_totals, 99);
		t = &d.tables[1];
		T_INTEQ(t->nrows, 1); /* D3, alice's */
	}
	T_STREQ(d.params[0].value, "ali@lumen.example");
	report_doc_release(&d);

	/* An unknown member is a usage error. */
	p = params("nobody@lumen.example");
	err_init(&err);
	report_doc_init(&d, "activity", &p);
	d.tz = xstrdup(p.tz);
	T_INTEQ(report_activity(st, &p, &d, &err), -1);
	T_INTEQ(err.kind, ERR_USAGE);
	report_doc_release(&d);

	/* By primary address the stale list is alice's: D3 only. */
	p = params("alice@lumen.example");
	T_INTEQ(build(st, &p, &d), 0);
	if (d.ntables == 2) {
		T_INTEQ(d.tables[1].nrows, 1);
		if (d.tables[1].nrows == 1)
			check_row(&d.tables[1], d.tables[1].cells, want_stale[0], 0);
	}
	report_doc_release(&d);
	store_close(&st);
}

static char *render(const struct report_doc *d, enum report_format f)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);
	struct err err;

	err_init(&err);
	T_INTEQ(report_render(d, f, fp, &err), 0);
	fclose(fp);
	return out;
}

/* Splits one CSV record (no quoting occurs in this fixture) at commas;
 * returns the number of fields. */
static size_t csv_split(char *line, char **f, size_t max)
{
	size_t n = 0;

	while (n < max) {
		f[n++] = line;
		line = strchr(line, ',');
		if (line == NULL)
			break;
		*line++ = '\0';
	}
	return n;
}

static void test_csv(const struct report_doc *d)
{
	char *out = render(d, REPORT_CSV), *line, *save = NULL, *f[NCOL + 1];
	size_t r = 0, stale = 0, n, section = 0;

	for (line = strtok_r(out, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, "\r")] = '\0';
		if (*line == '\0') {
			section++;
			continue;
		}
		n = csv_split(line, f, NCOL + 1);
		if (section == 0 && strcmp(f[0], "user") == 0) {
			T_INTEQ(n, NCOL);
			T_STREQ(f[NCOL - 1], "first_response_p90_s");
		} else if (section == 0) {
			T_INTEQ(n, NCOL);
			for (size_t c = 0; c < n && c < NCOL && r < 12; c++)
				T_STREQ(f[c], want_rows[r][c]);
			r++;
		} else if (strcmp(f[0], "deal") == 0) {
			T_STREQ(line, "deal");
			T_INTEQ(n, 4);
		} else {
			T_INTEQ(n, 4);
			for (size_t c = 0; c < n && c < 4 && stale < 2; c++)
				T_STREQ(f[c], want_stale[stale][c]);
			stale++;
		}
	}
	T_INTEQ(r, 12);
	T_INTEQ(stale, 2);
	free(out);
}

static void json_value(char *buf, size_t size, size_t c, const char *v)
{
	if (*v == '\0')
		snprintf(buf, size, "null");
	else if (c <= 1)
		snprintf(buf, size, "\"%s\"", v);
	else if (c == 5)
		snprintf(buf, size, "%g", strtod(v, NULL));
	else
		snprintf(buf, size, "%s", v);
}

static void test_json(const struct report_doc *d)
{
	static const char *const keys[NCOL] = {"user",
					       "period_start",
					       "emails_sent",
					       "emails_received",
					       "meetings_held",
					       "meeting_hours",
					       "calls",
					       "contacts_touched",
					       "deals_touched",
					       "first_response_median_s",
					       "first_response_p90_s"};
	char *out = render(d, REPORT_JSON), want[1024], v[64];

	T_OK(strstr(out, "\"report\":\"activity\"") != NULL);
	T_OK(strstr(out, "\"tz\":\"Europe/Berlin\"") != NULL);
	T_OK(strstr(out, "\"period\":\"day\"") != NULL);
	T_OK(strstr(out, "\"params\":{\"user\":\"\",\"stale_days\":14}") != NULL);
	for (size_t r = 0; r < 12; r++) {
		size_t len = 0;
		len += (size_t)snprintf(want + len, sizeof want - len, "{");
		for (size_t c = 0; c < NCOL; c++) {
			json_value(v, sizeof v, c, want_rows[r][c]);
			len += (size_t)snprintf(want + len, sizeof want - len, "%s\"%s\":%s",
						c ? "," : "", keys[c], v);
		}
		snprintf(want + len, sizeof want - len, "}");
		if (strstr(out, want) == NULL)
			fprintf(stderr, "json: missing %s\n", want);
		T_OK(strstr(out, want) != NULL);
	}
	T_OK(strstr(out, "\"stale_deals\":[{\"deal\":\"D3\",\"name\":\"Glue\",\"owner\":"
			 "\"alice@lumen.example\",\"last_activity\":null},{\"deal\":\"D2\","
			 "\"name\":\"Rockets\",\"owner\":\"bob@lumen.example\","
			 "\"last_activity\":\"2026-09-01T10:00:00Z\"}]") != NULL);
	free(out);
}

/* The text table: the totals line and a DST day row, word by word. */
static void test_text(const struct report_doc *d)
{
	char *out = render(d, REPORT_TEXT), *p;

	T_OK(strstr(out, "activity report, 2026-10-23 to 2026-10-26 (Europe/Berlin), by day") !=
	     NULL);
	p = strstr(out, "\ntotal ");
	T_OK(p != NULL);
	if (p != NULL) {
		static const char *const words[] = {"total", "8", "9", "4",	 "5.00",
						    "2",     "3", "1", "30m00s", "4h00m"};
		char *save = NULL, *w, *line = strndup(p + 1, strcspn(p + 1, "\n"));
		size_t i = 0;
		for (w = strtok_r(line, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save))
			if (i < 10)
				T_STREQ(w, words[i++]);
		T_INTEQ(i, 10);
		free(line);
	}
	p = strstr(out, "bob@lumen.example    2026-10-25");
	T_OK(p != NULL);
	if (p != NULL) {
		static const char *const words[] = {"bob@lumen.example",
						    "2026-10-25",
						    "1",
						    "1",
						    "0",
						    "0.00",
						    "1",
						    "2",
						    "0",
						    "4h00m",
						    "4h00m"};
		char *save = NULL, *w, *line = strndup(p, strcspn(p, "\n"));
		size_t i = 0;
		for (w = strtok_r(line, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save))
			if (i < 11)
				T_STREQ(w, words[i++]);
		T_INTEQ(i, 11);
		free(line);
	}
	T_OK(strstr(out, "D3") != NULL && strstr(out, "2026-09-01") != NULL);
	free(out);
}

static void test_render(void)
{
	struct store *st = fixture();
	struct report_params p = params(NULL);
	struct report_doc d;

	T_INTEQ(build(st, &p, &d), 0);
	if (d.ntables == 2) {
		test_csv(&d);
		test_json(&d);
		test_text(&d);
	}
	report_doc_release(&d);
	store_close(&st);
}

/* Week periods: the same activities in one ISO week (Mon 2026-10-19 ..),
 * with the range cutting it: only [from, to) counts. */
static void test_week(void)
{
	struct store *st = fixture();
	struct report_params p = params(NULL);
	struct report_doc d;

	p.period = REPORT_WEEK;
	T_INTEQ(build(st, &p, &d), 0);
	if (d.ntables == 2) {
		const struct report_table *t = &d.tables[0];
		T_INTEQ(t->nrows, 6); /* weeks of 10-19 and 10-26, three users */
		if (t->nrows == 6) {
			T_STREQ(t->cells[1].s, "2026-10-19");
			T_INTEQ(t->cells[2].i, 6);		     /* alice sent */
			T_INTEQ(t->cells[3].i, 6);		     /* alice received */
			T_INTEQ(t->cells[9].i, 1200);		     /* alice median of 5: rank 3 */
			T_STREQ(t->cells[NCOL + 1].s, "2026-10-26"); /* alice, 26th alone */
			T_INTEQ(t->cells[NCOL + 2].i, 0);
			T_INTEQ(t->cells[2 * NCOL + 6].i, 1); /* bob's removed call */
		}
	}
	report_doc_release(&d);
	store_close(&st);
}

/* ---- benchmark (ACTIVITY_BENCH=N) ------------------------------------ */

#define SERIES(n)                                                                                  \
	"WITH RECURSIVE g(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM g WHERE value < " #n \
	") "

static const char bench_sql[] = SERIES(
	20) "INSERT INTO users (id, email, email_written, created_at, updated_at)"
	    "  SELECT value, 'u' || value || '@lumen.example', 'u', 0, 0 FROM g;"
	    "INSERT INTO user_emails SELECT email, id, email FROM users;" SERIES(
		    20000) "INSERT INTO contacts (id, email, created_at, updated_at)"
			   "  SELECT value, 'c' || value || '@x.example', 0, 0 FROM g;"
			   "INSERT INTO stages (id, key, name, position, updated_at) VALUES (1, 's', 'S', 1, 0);" SERIES(
				   5000) "INSERT INTO deals (id, key, name, owner_id, stage_id, status, created_at,"
					 "  updated_at) SELECT value, 'D' || value, 'deal', 1 + value % 20, 1, CASE WHEN"
					 "  value % 3 = 0 THEN 'won' ELSE 'open' END, 0, 0 FROM g;";

static void bench(long n)
{
	struct store *st;
	struct err err;
	struct report_params p = params(NULL);
	struct report_doc d = {0};
	struct timespec t0, t1, c0, c1;
	char *sql;
	int64_t start = at("2025-10-27T00:00:00Z");

	err_init(&err);
	/* ACTIVITY_BENCH_DB=FILE keeps the generated database for study. */
	st = store_open(
		getenv("ACTIVITY_BENCH_DB") != NULL ? getenv("ACTIVITY_BENCH_DB") : ":memory:", 0,
		&err);
	if (st == NULL || store_exec_script(st, bench_sql, &err) == -1)
		goto fail;
	/* One year of activity: 70% mail (a third inbound from a contact with
	 * a reply ten minutes to a day later), 15% meetings, 10% calls. */
	sql = xasprintf(
		"WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < %ld)"
		"INSERT INTO activities (id, kind, direction, status, occurred_at, ended_at,"
		"  thread_key, source_key, first_seen_at, updated_at)"
		"  SELECT i, CASE WHEN i %% 20 < 14 THEN 'email' WHEN i %% 20 < 17 THEN 'meeting'"
		"    WHEN i %% 20 < 19 THEN 'call' ELSE 'note' END,"
		"  CASE WHEN i %% 3 = 0 THEN 'inbound' ELSE 'outbound' END,"
		"  CASE WHEN i %% 20 BETWEEN 14 AND 16 THEN 'held' ELSE 'logged' END,"
		"  %lld + (i * 31536000) / %ld, %lld + (i * 31536000) / %ld + 3600,"
		"  't' || (i / 2), 'k' || i, 0, 0 FROM g;"
		"INSERT INTO activity_owners SELECT id, 1 + (id / 2) %% 20 FROM activities;"
		"INSERT INTO participants (activity_id, address, addr_key, role, contact_id)"
		"  SELECT id, 'u' || (1 + (id / 2) %% 20) || '@lumen.example',"
		"  'u' || (1 + (id / 2) %% 20) || '@lumen.example',"
		"  CASE direction WHEN 'inbound' THEN 'to' ELSE 'from' END, NULL FROM activities"
		"  WHERE kind = 'email';"
		"INSERT INTO participants (activity_id, address, addr_key, role, contact_id)"
		"  SELECT id, 'c' || (1 + (id / 2) %% 20000) || '@x.example', 'c' ||"
		"  (1 + (id / 2) %% 20000) || '@x.example', CASE direction WHEN 'inbound' THEN"
		"  'from' ELSE 'to' END, 1 + (id / 2) %% 20000 FROM activities WHERE kind = 'email';"
		"INSERT INTO activity_links (activity_id, type, target_id, rule, created_at)"
		"  SELECT id, 'contact', 1 + id %% 20000, 'address', 0 FROM activities;"
		"INSERT INTO activity_links (activity_id, type, target_id, rule, created_at)"
		"  SELECT id, 'deal', 1 + id %% 5000, 'address', 0 FROM activities WHERE id %% 2 = 0;"
		"ANALYZE;",
		n, (long long)start, n, (long long)start, n);
	if (store_exec_script(st, sql, &err) == -1 || store_rep_rebuild(st, &err) == -1) {
		free(sql);
		goto fail;
	}
	free(sql);
	if (getenv("ACTIVITY_BENCH_INDEX") != NULL &&
	    store_exec_script(st, getenv("ACTIVITY_BENCH_INDEX"), &err) == -1)
		goto fail;
	struct {
		const char *name;
		int64_t from, to;
		enum report_period period;
	} runs[] = {
		{"whole year by week", start, start + 365 * 86400LL, REPORT_WEEK},
		{"30 days by day", start + 200 * 86400LL, start + 230 * 86400LL, REPORT_DAY},
	};
	for (size_t i = 0; i < 2; i++) {
		p.from = runs[i].from;
		p.to = runs[i].to;
		p.period = runs[i].period;
		p.now = p.to;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
		if (build(st, &p, &d) == -1)
			goto fail;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
		printf("bench: %ld activities, %s: %.3f s CPU, %.3f s wall (%zu rows, sent %lld, "
		       "received %lld, responses median %lld, %zu stale)\n",
		       n, runs[i].name,
		       (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9,
		       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		       d.tables[0].nrows, (long long)d.tables[0].totals[2].i,
		       (long long)d.tables[0].totals[3].i, (long long)d.tables[0].totals[9].i,
		       d.tables[1].nrows);
		report_doc_release(&d);
	}
	store_close(&st);
	return;
fail:
	fprintf(stderr, "bench: %s\n", err.msg);
	report_doc_release(&d);
	store_close(&st);
	t_fail++;
}

int main(void)
{
	const char *b = getenv("ACTIVITY_BENCH");

	test_doc();
	test_one_user();
	test_render();
	test_week();
	if (b != NULL)
		bench(strtol(b, NULL, 10));
	return t_done("report_activity");
}

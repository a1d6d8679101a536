/* tests/unit/test_status.c - `crmsync status` (cli/status.h) over databases
 * built by hand: every field of the text and the JSON, every health rule
 * (ok, a failed last run, no success for 3 intervals, quiet too long,
 * never synced, quiet_after = 0), the error classes and their window,
 * unfinished runs, accounts found only in the database, --account. */
#include "cli/status.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "store/store.h"
#include "t.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOW  1800000000LL /* 2027-01-15T08:00:00Z */
#define MIN  60LL
#define HOUR 3600LL
#define NONE (-1LL) /* a NULL finished_at */

#define T_HAS(b, s)   t_has(__LINE__, (b), (s), 1)
#define T_LACKS(b, s) t_has(__LINE__, (b), (s), 0)

static void t_has(int line, const struct buf *b, const char *s, int want)
{
	if ((strstr(b->data, s) != NULL) == want) {
		t_pass++;
		return;
	}
	t_fail++;
	fprintf(stderr, "%s:%d: FAIL: the output %s \"%s\":\n%s\n", __FILE__, line,
		want ? "lacks" : "has", s, b->data);
}

/* Two accounts, alice (IMAP) and cal (CalDAV); `schedule` is the body of
 * the [schedule] section. */
static struct config *conf(const char *schedule)
{
	char *text = xasprintf("[imap \"alice\"]\nhost = h.example\nowner = alice@lumen.example\n"
			       "password_env = X\n"
			       "[caldav \"cal\"]\nurl = https://dav.example/\n"
			       "owner = alice@lumen.example\npassword_env = X\n"
			       "[schedule]\ninterval = 5m\n%s",
			       schedule);
	struct config *cfg;
	struct err err;

	err_init(&err);
	cfg = cfg_load_string("t.conf", text, strlen(text), &err);
	if (cfg == NULL)
		fprintf(stderr, "conf: %s\n", err.msg);
	free(text);
	return cfg;
}

static struct store *db(void)
{
	struct err err;
	struct store *st;

	err_init(&err);
	st = store_open(":memory:", 0, &err);
	if (st == NULL)
		fprintf(stderr, "store_open: %s\n", err.msg);
	return st;
}

static void sql(struct store *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sql(struct store *st, const char *fmt, ...)
{
	struct buf b;
	struct err err;
	va_list ap;

	buf_init(&b, 1 << 20);
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	err_init(&err);
	if (store_exec_script(st, b.data, &err) == -1) {
		t_fail++;
		fprintf(stderr, "sql: %s\n  %s\n", err.msg, b.data);
	}
	buf_release(&b);
}

/* A row of sync_runs; `cls` NULL and `fin` NONE write NULL. */
static void add_run(struct store *st, const char *acct, int64_t start, int64_t fin,
		    const char *outcome, const char *cls, int64_t logged, int64_t errors)
{
	char fins[32], clss[64];

	snprintf(fins, sizeof fins, fin == NONE ? "NULL" : "%lld", (long long)fin);
	snprintf(clss, sizeof clss, cls == NULL ? "NULL" : "'%s'", cls);
	sql(st,
	    "INSERT INTO sync_runs (account, started_at, finished_at, outcome, error_class, "
	    "error_text, fetched, logged, skipped, errors) VALUES ('%s', %lld, %s, '%s', %s, %s, "
	    "%lld, %lld, 0, %lld);",
	    acct, (long long)start, fins, outcome, clss, cls != NULL ? "'it failed'" : "NULL",
	    (long long)(logged + errors), (long long)logged, (long long)errors);
}

/* A database, a config and the report's output. */
struct fx {
	struct config *cfg;
	struct store *st;
	struct buf b;
	struct err err;
};

/* An empty database and the config with `schedule`; 0, or -1 (a failure
 * counted) when either cannot be made. Close it whatever it returned. */
static int fx_open(struct fx *f, const char *schedule)
{
	f->cfg = conf(schedule);
	f->st = db();
	buf_init(&f->b, 1 << 20);
	err_init(&f->err);
	if (f->cfg != NULL && f->st != NULL)
		return 0;
	t_fail++;
	return -1;
}

static void fx_close(struct fx *f)
{
	buf_release(&f->b);
	store_close(&f->st);
	cfg_free(f->cfg);
	f->cfg = NULL;
}

/* Runs test(f) on a fresh fixture. */
static void with_fx(const char *schedule, void (*test)(struct fx *f))
{
	struct fx f;

	if (fx_open(&f, schedule) == 0)
		test(&f);
	fx_close(&f);
}

/* Runs the report into f->b; returns what status_write returned. */
static int status(struct fx *f, int json, const char *only, int running)
{
	const char *const accounts[] = {only};
	struct status_opts o = {json, accounts, only != NULL, running};

	buf_reset(&f->b);
	err_init(&f->err);
	return status_write(f->st, f->cfg, NOW, &o, &f->b, &f->err);
}

/* ---- one healthy team: every field ------------------------------------------ */

static void fill_healthy(struct store *st)
{
	sql(st,
	    "INSERT INTO sync_runs (id, account, started_at, finished_at, outcome, fetched, logged, "
	    "skipped, errors) VALUES (1, 'alice', %lld, %lld, 'ok', 10, 7, 3, 1),"
	    "  (2, 'cal', %lld, %lld, 'ok', 2, 2, 0, 0);"
	    "INSERT INTO sync_run_skips VALUES (1, 'internal', 2), (1, 'automated', 1),"
	    "  (1, 'role-sender', 0);"
	    "INSERT INTO sync_state (account, kind, container, uidvalidity, last_uid, uidnext,"
	    "  messages, highestmodseq, resets, updated_at) VALUES"
	    "  ('alice', 'imap', 'INBOX', 1700000000, 10, 11, 10, 42, 1, %lld),"
	    "  ('alice', 'imap', 'Sent', 1700000001, 0, 1, 0, 0, 0, %lld);"
	    "INSERT INTO sync_state (account, kind, container, sync_token, ctag, last_full_scan, "
	    "  updated_at) VALUES ('cal', 'caldav', '/alice/work/', 'tok-1', 'c-1', %lld, %lld),"
	    "  ('cal', 'caldav', '', NULL, 'filter-key', %lld, %lld);",
	    NOW - 10 * MIN, NOW - 10 * MIN + 4, NOW - 5 * MIN, NOW - 5 * MIN + 1, NOW - 10 * MIN,
	    NOW - 10 * MIN, NOW - 5 * MIN, NOW - 5 * MIN, NOW - 5 * MIN, NOW - 5 * MIN);
}

static void test_healthy_json(struct fx *f)
{
	static const char head[] =
		"{\"generated_at\":\"2027-01-15T08:00:00Z\",\"healthy\":true,\"interval_s\":300,"
		"\"quiet_after_s\":86400,\"errors_since\":\"2027-01-14T08:00:00Z\","
		"\"accounts\":[{\"name\":\"alice\",";

	fill_healthy(f->st);
	T_INTEQ(status(f, 1, NULL, 0), 0);
	T_OK(strncmp(f->b.data, head, strlen(head)) == 0);
	T_OK(f->b.len > 3 && strcmp(f->b.data + f->b.len - 3, "]}\n") == 0);
	T_HAS(&f->b,
	      "{\"name\":\"alice\",\"kind\":\"imap\",\"configured\":true,\"healthy\":true,"
	      "\"alerts\":[],\"last_run\":{\"started_at\":\"2027-01-15T07:50:00Z\","
	      "\"finished_at\":\"2027-01-15T07:50:04Z\",\"duration_s\":4,\"outcome\":\"ok\","
	      "\"error_class\":null,\"error\":null,\"fetched\":10,\"logged\":7,\"skipped\":3,"
	      "\"errors\":1,\"skipped_by_reason\":{\"automated\":1,\"internal\":2},"
	      "\"errors_by_class\":{\"auth\":0,\"network\":0,\"throttle\":0,\"server\":0,"
	      "\"parse\":1,\"other\":0}},\"last_success_at\":\"2027-01-15T07:50:04Z\","
	      "\"errors_by_class\":{\"auth\":0,\"network\":0,\"throttle\":0,\"server\":0,"
	      "\"parse\":1,\"other\":0},\"unresolved_parse_errors\":0,"
	      "\"last_new_item_at\":\"2027-01-15T07:50:00Z\",\"last_new_item_age_s\":600,"
	      "\"state\":[{\"container\":\"INBOX\",\"type\":\"folder\",\"uidvalidity\":1700000000,"
	      "\"uidnext\":11,\"highestmodseq\":42,\"last_uid\":10,\"messages\":10,"
	      "\"sync_token\":null,\"ctag\":null,\"resets\":1,\"last_full_scan_at\":null,"
	      "\"updated_at\":\"2027-01-15T07:50:00Z\"},{\"container\":\"Sent\",");
	/* No CONDSTORE: no HIGHESTMODSEQ. */
	T_HAS(&f->b,
	      "\"uidvalidity\":1700000001,\"uidnext\":1,\"highestmodseq\":null,\"last_uid\":0,"
	      "\"messages\":0,");
	T_HAS(&f->b, "{\"name\":\"cal\",\"kind\":\"caldav\",\"configured\":true,\"healthy\":true,");
	T_HAS(&f->b,
	      "\"state\":[{\"container\":\"/alice/work/\",\"type\":\"calendar\","
	      "\"uidvalidity\":null,\"uidnext\":null,\"highestmodseq\":null,\"last_uid\":null,"
	      "\"messages\":null,\"sync_token\":\"tok-1\",\"ctag\":\"c-1\",\"resets\":0,"
	      "\"last_full_scan_at\":\"2027-01-15T07:55:00Z\","
	      "\"updated_at\":\"2027-01-15T07:55:00Z\"}]}");
	T_LACKS(&f->b, "\"container\":\"\"");
	T_LACKS(&f->b, "role-sender");
}

static void test_healthy_text(struct fx *f)
{
	fill_healthy(f->st);
	T_INTEQ(status(f, 0, NULL, 0), 0);
	T_HAS(&f->b,
	      "alice (imap)\n"
	      "  last run:       2027-01-15 07:50:00 +0000, took 4s: ok\n"
	      "  items:          10 fetched, 7 logged, 3 skipped (automated 1, internal 2), "
	      "1 malformed\n"
	      "  errors, 24h:    parse 1\n"
	      "  last success:   2027-01-15 07:50:04 +0000 (9m ago)\n"
	      "  last new item:  2027-01-15 07:50:00 +0000 (10m ago)\n"
	      "  folder INBOX: UIDVALIDITY 1700000000, UIDNEXT 11, HIGHESTMODSEQ 42, last UID 10, "
	      "10 messages\n"
	      "  folder Sent: UIDVALIDITY 1700000001, UIDNEXT 1, HIGHESTMODSEQ (none), last UID 0, "
	      "0 messages\n"
	      "  healthy\n"
	      "\n"
	      "cal (caldav)\n"
	      "  last run:       2027-01-15 07:55:00 +0000, took 1s: ok\n"
	      "  items:          2 fetched, 2 logged, 0 skipped, 0 malformed\n"
	      "  errors, 24h:    none\n");
	T_HAS(&f->b, "  calendar /alice/work/: sync token tok-1, ctag c-1\n  healthy\n\n"
		     "2 of 2 accounts healthy\n");
}

/* ---- the health rules ---------------------------------------------------------- */

struct run_row {
	int64_t start, fin; /* relative to NOW; fin NONE: unfinished */
	const char *outcome, *cls;
	int64_t logged;
};

static const struct {
	const char *what;
	const char *quiet; /* [schedule] lines */
	struct run_row runs[3];
	int64_t item_at; /* an item_outcomes row logged then (relative), or 0 */
	int rc;
	const char *alerts; /* the JSON list */
} rule_cases[] = {
	{"ok", "", {{-5 * MIN, -5 * MIN + 2, "ok", NULL, 1}}, 0, 0, "[]"},
	{"a failed last run, a success within 3 intervals",
	 "",
	 {{-10 * MIN, -10 * MIN + 1, "ok", NULL, 1},
	  {-5 * MIN, -5 * MIN + 1, "failed", "temporary", 0}},
	 0,
	 0,
	 "[]"},
	{"the last success exactly 3 intervals ago",
	 "",
	 {{-15 * MIN - 2, -15 * MIN, "ok", NULL, 1}},
	 0,
	 0,
	 "[]"},
	{"the last success 3 intervals and a second ago",
	 "",
	 {{-15 * MIN - 2, -15 * MIN - 1, "ok", NULL, 1}},
	 0,
	 1,
	 "[\"no successful sync for 15m (more than 3 intervals of 5m)\"]"},
	{"failing for 2 hours",
	 "",
	 {{-2 * HOUR, -2 * HOUR + 1, "ok", NULL, 1}, {-5 * MIN, -5 * MIN + 1, "failed", "auth", 0}},
	 0,
	 1,
	 "[\"no successful sync for 1h 59m (more than 3 intervals of 5m)\"]"},
	{"never synced: no run", "", {{0, 0, NULL, NULL, 0}}, 0, 1, "[\"never synced\"]"},
	{"never synced: failed runs only",
	 "",
	 {{-2 * HOUR, -2 * HOUR + 1, "failed", "auth", 0},
	  {-5 * MIN, -5 * MIN + 1, "failed", "auth", 0}},
	 0,
	 1,
	 "[\"never synced\"]"},
	{"quiet too long",
	 "quiet_after = 24h\n",
	 {{-25 * HOUR, -25 * HOUR + 9, "ok", NULL, 3}, {-5 * MIN, -5 * MIN + 1, "ok", NULL, 0}},
	 0,
	 1,
	 "[\"no new item for 1d 1h (quiet_after is 1d)\"]"},
	{"quiet_after = 0",
	 "quiet_after = 0\n",
	 {{-25 * HOUR, -25 * HOUR + 9, "ok", NULL, 3}, {-5 * MIN, -5 * MIN + 1, "ok", NULL, 0}},
	 0,
	 0,
	 "[]"},
	{"the last item exactly quiet_after ago",
	 "quiet_after = 24h\n",
	 {{-24 * HOUR, -24 * HOUR + 9, "ok", NULL, 3}, {-5 * MIN, -5 * MIN + 1, "ok", NULL, 0}},
	 0,
	 0,
	 "[]"},
	{"nothing ever logged, synced for a day and more",
	 "quiet_after = 24h\n",
	 {{-25 * HOUR, -25 * HOUR, "ok", NULL, 0}, {-5 * MIN, -5 * MIN + 1, "ok", NULL, 0}},
	 0,
	 1,
	 "[\"no new item for 1d 1h (quiet_after is 1d)\"]"},
	{"nothing ever logged, synced for an hour",
	 "",
	 {{-HOUR, -HOUR, "ok", NULL, 0}, {-5 * MIN, -5 * MIN + 1, "ok", NULL, 0}},
	 0,
	 0,
	 "[]"},
	{"both alerts",
	 "",
	 {{-30 * HOUR, -30 * HOUR + 1, "ok", NULL, 1}},
	 0,
	 1,
	 "[\"no successful sync for 1d 5h (more than 3 intervals of 5m)\","
	 "\"no new item for 1d 6h (quiet_after is 1d)\"]"},
	/* A run killed after committing items recorded no count: its items
	 * in item_outcomes say when it logged them. */
	{"a killed run's items count",
	 "",
	 {{-30 * HOUR, -30 * HOUR + 1, "ok", NULL, 1},
	  {-2 * HOUR, NONE, "running", NULL, 0},
	  {-5 * MIN, -5 * MIN + 1, "ok", NULL, 0}},
	 -2 * HOUR,
	 0,
	 "[]"},
	{"a killed run that logged nothing",
	 "",
	 {{-30 * HOUR, -30 * HOUR + 1, "ok", NULL, 1},
	  {-2 * HOUR, NONE, "running", NULL, 0},
	  {-5 * MIN, -5 * MIN + 1, "ok", NULL, 0}},
	 -3 * HOUR,
	 1,
	 "[\"no new item for 1d 6h (quiet_after is 1d)\"]"},
};

static void check_rule(struct fx *f, size_t i)
{
	char *want;
	int rc;

	for (size_t k = 0; k < 3 && rule_cases[i].runs[k].outcome != NULL; k++) {
		const struct run_row *r = &rule_cases[i].runs[k];
		add_run(f->st, "alice", NOW + r->start, r->fin == NONE ? NONE : NOW + r->fin,
			r->outcome, r->cls, r->logged, 0);
	}
	if (rule_cases[i].item_at != 0)
		sql(f->st,
		    "INSERT INTO item_outcomes (account, container, item_ref, outcome, "
		    "decided_at) VALUES ('alice', 'INBOX', '1:1', 'logged', %lld);",
		    NOW + rule_cases[i].item_at);
	rc = status(f, 1, "alice", 0);
	if (rc != rule_cases[i].rc)
		fprintf(stderr, "case '%s':\n", rule_cases[i].what);
	T_INTEQ(rc, rule_cases[i].rc);
	want = xasprintf("\"healthy\":%s,\"alerts\":%s,", rc == 0 ? "true" : "false",
			 rule_cases[i].alerts);
	T_HAS(&f->b, want);
	T_HAS(&f->b, rc == 0 ? "\"generated_at\":\"2027-01-15T08:00:00Z\",\"healthy\":true" :
			       "\"generated_at\":\"2027-01-15T08:00:00Z\",\"healthy\":false");
	free(want);
	/* The text says the same. */
	T_INTEQ(status(f, 0, "alice", 0), rule_cases[i].rc);
	if (rc == 0)
		T_HAS(&f->b, "  healthy\n\n1 of 1 accounts healthy\n");
	else
		T_HAS(&f->b, "  ALERT: ");
}

static void test_rules(void)
{
	for (size_t i = 0; i < sizeof rule_cases / sizeof rule_cases[0]; i++) {
		struct fx f;

		if (fx_open(&f, rule_cases[i].quiet) == 0)
			check_rule(&f, i);
		fx_close(&f);
	}
}

/* The other configured account never synced: the whole verdict is 1. */
static void test_one_unhealthy(struct fx *f)
{
	add_run(f->st, "alice", NOW - 5 * MIN, NOW - 5 * MIN + 1, "ok", NULL, 1, 0);
	T_INTEQ(status(f, 1, NULL, 0), 1);
	T_HAS(&f->b, "\"healthy\":false,\"interval_s\"");
	T_HAS(&f->b, "{\"name\":\"alice\",\"kind\":\"imap\",\"configured\":true,\"healthy\":true,");
	T_HAS(&f->b, "{\"name\":\"cal\",\"kind\":\"caldav\",\"configured\":true,\"healthy\":false,"
		     "\"alerts\":[\"never synced\"],\"last_run\":null,\"last_success_at\":null,");
	T_HAS(&f->b, "\"last_new_item_at\":null,\"last_new_item_age_s\":null,\"state\":[]}]}\n");
	T_INTEQ(status(f, 0, NULL, 0), 1);
	T_HAS(&f->b, "cal (caldav)\n  last run:       never\n  errors, 24h:    none\n"
		     "  last success:   never\n  last new item:  never\n  ALERT: never synced\n\n"
		     "1 of 2 accounts UNHEALTHY\n");
}

/* ---- error classes ---------------------------------------------------------------- */

static void test_classes(struct fx *f)
{
	static const char *const failed[] = {
		"auth",	    "temporary", "throttled", "final", "data",
		"database", "usage",	 NULL,	      "weird",
	};

	/* Outside the window: a failure and malformed items. */
	add_run(f->st, "alice", NOW - 24 * HOUR - 1, NOW - 24 * HOUR + 5, "failed", "temporary", 0,
		0);
	add_run(f->st, "alice", NOW - 24 * HOUR - 1, NOW - 24 * HOUR + 5, "ok", NULL, 1, 7);
	/* Inside: the window's first second, then one failure of each kind. */
	add_run(f->st, "alice", NOW - 24 * HOUR, NOW - 24 * HOUR + 5, "failed", "temporary", 0, 0);
	add_run(f->st, "alice", NOW - 20 * HOUR, NOW - 20 * HOUR + 5, "ok", NULL, 1, 2);
	add_run(f->st, "alice", NOW - 19 * HOUR, NOW - 19 * HOUR + 5, "ok", NULL, 1, 3);
	add_run(f->st, "alice", NOW - 18 * HOUR, NOW - 18 * HOUR + 5, "interrupted", NULL, 0, 0);
	sql(f->st,
	    "INSERT INTO sync_runs (account, started_at, finished_at, outcome, error_class, "
	    "error_text) VALUES ('alice', %lld, %lld, 'failed', 'temporary', "
	    "'database ''/x/crm.db'': recording a run: database is locked');",
	    NOW - 17 * HOUR, NOW - 17 * HOUR + 1);
	for (size_t i = 0; i < sizeof failed / sizeof failed[0]; i++)
		add_run(f->st, "alice", NOW - 10 * HOUR + (int64_t)i * HOUR,
			NOW - 10 * HOUR + (int64_t)i * HOUR + 1, "failed", failed[i], 0, 0);
	/* The newest run: an auth failure. */
	add_run(f->st, "alice", NOW - 5 * MIN, NOW - 5 * MIN + 3, "failed", "auth", 0, 1);
	sql(f->st,
	    "INSERT INTO parse_errors (account, container, item_ref, what, version, "
	    "occurred_at, resolved_at) VALUES ('alice', 'INBOX', '1:1', 'bad', '0.1', 1, NULL),"
	    "  ('alice', 'INBOX', '1:2', 'bad', '0.1', 1, NULL),"
	    "  ('alice', 'INBOX', '1:3', 'bad', '0.1', 1, 2),"
	    "  ('cal', '/c/', 'x.ics', 'bad', '0.1', 1, NULL);");
	/* Unhealthy: the last success was 19 hours ago. */
	T_INTEQ(status(f, 1, "alice", 0), 1);
	T_HAS(&f->b,
	      "\"outcome\":\"failed\",\"error_class\":\"auth\",\"error\":\"it failed\","
	      "\"fetched\":1,\"logged\":0,\"skipped\":0,\"errors\":1,\"skipped_by_reason\":{},"
	      "\"errors_by_class\":{\"auth\":1,\"network\":0,\"throttle\":0,\"server\":0,"
	      "\"parse\":1,\"other\":0}}");
	/* auth 2, network 2 (the boundary one), throttle, server, parse
	 * (a data failure and 2 + 3 + 1 malformed items), other (a busy
	 * database, database, usage, none recorded, unknown). */
	T_HAS(&f->b, "\"last_success_at\":\"2027-01-14T13:00:05Z\",\"errors_by_class\":{\"auth\":2,"
		     "\"network\":2,\"throttle\":1,\"server\":1,\"parse\":7,\"other\":5},"
		     "\"unresolved_parse_errors\":2,");
	T_INTEQ(status(f, 0, "alice", 0), 1);
	T_HAS(&f->b, "took 3s: FAILED (auth)\n                  it failed\n"
		     "  items:          1 fetched, 0 logged, 0 skipped, 1 malformed\n"
		     "  errors, 24h:    auth 2, network 2, throttle 1, server 1, parse 7, other 5\n"
		     "  parse errors:   2 unresolved items in parse_errors\n");
}

/* ---- unfinished runs ----------------------------------------------------------- */

static void test_unfinished(struct fx *f)
{
	add_run(f->st, "alice", NOW - 10 * MIN, NOW - 10 * MIN + 1, "ok", NULL, 1, 0);
	add_run(f->st, "alice", NOW - 2 * MIN, NONE, "running", NULL, 0, 0);
	T_INTEQ(status(f, 1, "alice", 1), 0);
	T_HAS(&f->b, "\"finished_at\":null,\"duration_s\":null,\"outcome\":\"running\","
		     "\"error_class\":null,\"error\":null,");
	T_INTEQ(status(f, 0, "alice", 1), 0);
	T_HAS(&f->b, "  last run:       2027-01-15 07:58:00 +0000, running for 2m\n  items:");
	/* Nobody holds the lock: the run was killed. */
	T_INTEQ(status(f, 1, "alice", 0), 0);
	T_HAS(&f->b, "\"finished_at\":null,\"duration_s\":null,\"outcome\":\"interrupted\","
		     "\"error_class\":null,\"error\":\"stopped before it finished\",");
	T_INTEQ(status(f, 0, "alice", 0), 0);
	T_HAS(&f->b, "2027-01-15 07:58:00 +0000, did not finish: interrupted\n"
		     "                  stopped before it finished\n");
	/* A run the daemon stopped and recorded. */
	add_run(f->st, "alice", NOW - MIN, NOW - MIN + 7, "interrupted", NULL, 0, 0);
	T_INTEQ(status(f, 1, "alice", 0), 0);
	T_HAS(&f->b, "\"duration_s\":7,\"outcome\":\"interrupted\",\"error_class\":null,");
}

/* ---- which accounts ---------------------------------------------------------------- */

static void test_accounts(struct fx *f)
{
	add_run(f->st, "alice", NOW - 5 * MIN, NOW - 5 * MIN + 1, "ok", NULL, 1, 0);
	add_run(f->st, "cal", NOW - 5 * MIN, NOW - 5 * MIN + 1, "ok", NULL, 1, 0);
	add_run(f->st, "old", NOW - 700 * 24 * HOUR, NOW - 700 * 24 * HOUR + 1, "ok", NULL, 1, 0);
	/* Not configured: shown, not judged, whatever its age. */
	T_INTEQ(status(f, 1, NULL, 0), 0);
	T_HAS(&f->b, "},{\"name\":\"old\",\"kind\":null,\"configured\":false,\"healthy\":null,"
		     "\"alerts\":[],\"last_run\":{");
	T_INTEQ(status(f, 0, NULL, 0), 0);
	T_HAS(&f->b, "in the database but not in the config (not judged): old\n"
		     "2 of 2 accounts healthy\n");
	T_LACKS(&f->b, "old (");
	T_INTEQ(status(f, 1, "old", 0), 0);
	T_HAS(&f->b, "\"accounts\":[{\"name\":\"old\",");
	T_LACKS(&f->b, "alice");
	T_INTEQ(status(f, 1, "cal", 0), 0);
	T_LACKS(&f->b, "\"old\"");
	T_LACKS(&f->b, "alice");
	T_INTEQ(status(f, 1, "nobody", 0), -1);
	T_INTEQ(f->err.kind, ERR_USAGE);
	T_OK(strstr(f->err.msg, "'nobody'") != NULL);
}

/* No account configured and none in the database: nothing to judge. */
static void test_no_accounts(struct fx *f)
{
	cfg_free(f->cfg);
	f->cfg = cfg_load_string("t.conf", "", 0, &f->err);
	T_OK(f->cfg != NULL);
	if (f->cfg == NULL)
		return;
	T_INTEQ(status(f, 0, NULL, 0), 0);
	T_HAS(&f->b, "no accounts configured");
	T_INTEQ(status(f, 1, NULL, 0), 0);
	T_HAS(&f->b, "\"healthy\":true,");
	T_HAS(&f->b, "\"accounts\":[]}\n");
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	with_fx("quiet_after = 24h\n", test_healthy_json);
	with_fx("", test_healthy_text);
	test_rules();
	with_fx("", test_one_unhealthy);
	with_fx("", test_classes);
	with_fx("", test_unfinished);
	with_fx("", test_accounts);
	with_fx("", test_no_accounts);
	return t_done("status");
}

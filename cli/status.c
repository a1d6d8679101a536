/* cli/status.c - the report behind `crmsync status` (see status.h).
 *
 * Reads each account's facts from the store, judges them by the health
 * rules, and writes text or JSON. The rules, the error classes and the
 * JSON fields are documented in docs/status-json.md and
 * docs/status.schema.json; change them together.
 */
#include "cli/status.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "store/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- error classes ------------------------------------------------------------ */

enum status_class {
	SC_AUTH,
	SC_NETWORK,
	SC_THROTTLE,
	SC_SERVER,
	SC_PARSE,
	SC_OTHER,
	SC_N,
};

static const char *const status_class_names[SC_N] = {
	"auth", "network", "throttle", "server", "parse", "other",
};

/* The class of a failed run from the err_kind_name() sync recorded. A
 * database that stayed busy is ERR_TEMP as a lost connection is, told
 * apart by the store's "database '...'" message (as cli_fail does). */
static enum status_class status_class_of(const char *recorded, const char *text)
{
	static const struct {
		enum err_kind kind;
		enum status_class class;
	} map[] = {
		{ERR_AUTH, SC_AUTH},	{ERR_TEMP, SC_NETWORK}, {ERR_WAIT, SC_THROTTLE},
		{ERR_FINAL, SC_SERVER}, {ERR_DATA, SC_PARSE},
	};

	if (recorded == NULL)
		return SC_OTHER;
	if (strcmp(recorded, err_kind_name(ERR_TEMP)) == 0 && text != NULL &&
	    strstr(text, "database '") != NULL)
		return SC_OTHER;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(recorded, err_kind_name(map[i].kind)) == 0)
			return map[i].class;
	return SC_OTHER;
}

/* ---- one account ------------------------------------------------------------- */

struct status_acct {
	const char *name;	       /* the config's, or own */
	const char *kind;	       /* imap, caldav; NULL: a run from before kinds were kept */
	char *own, *own_kind;	       /* owned; of one found only in sync_runs */
	const struct cfg_account *cfg; /* borrowed; NULL: found only in sync_runs */
	struct store_status s;
	const char *outcome;  /* of the last run: ok, failed, interrupted, running; NULL */
	const char *error;    /* of the last run, or NULL */
	int run_class;	      /* the last run's failure class, or -1 */
	int64_t window[SC_N]; /* failed runs of the error window by class; parse:
			       * malformed items */
	char alerts[2][160];
	int nalerts;
	int healthy;
};

static void status_alert(struct status_acct *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void status_alert(struct status_acct *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->alerts[a->nalerts++], sizeof a->alerts[0], fmt, ap);
	va_end(ap);
}

/* A span of time in at most two units: "45s", "12m", "3h 5m", "2d 4h". */
static void status_span(int64_t secs, char *out, size_t size)
{
	long long s = secs < 0 ? 0 : (long long)secs;

	if (s < 60)
		snprintf(out, size, "%llds", s);
	else if (s < 3600)
		snprintf(out, size, "%lldm", s / 60);
	else if (s < 86400 && s % 3600 / 60 != 0)
		snprintf(out, size, "%lldh %lldm", s / 3600, s % 3600 / 60);
	else if (s < 86400)
		snprintf(out, size, "%lldh", s / 3600);
	else if (s % 86400 / 3600 != 0)
		snprintf(out, size, "%lldd %lldh", s / 86400, s % 86400 / 3600);
	else
		snprintf(out, size, "%lldd", s / 86400);
}

/* The health rules of docs/status-json.md. Accounts found only in the
 * database are not judged. */
static void status_judge(struct status_acct *a, const struct config *cfg, int64_t now)
{
	int64_t stale = STATUS_STALE_INTERVALS * cfg->interval_s, quiet_since;
	char age[32], limit[32];

	if (a->cfg == NULL)
		return;
	if (a->s.last_success_at == STORE_NO_TIME) {
		status_alert(a, "never synced");
	} else if (now - a->s.last_success_at > stale) {
		status_span(now - a->s.last_success_at, age, sizeof age);
		status_span(cfg->interval_s, limit, sizeof limit);
		status_alert(a, "no successful sync for %s (more than %d intervals of %s)", age,
			     STATUS_STALE_INTERVALS, limit);
	}
	if (cfg->quiet_after_s > 0 && a->s.first_success_at != STORE_NO_TIME) {
		quiet_since = a->s.last_item_at != STORE_NO_TIME ? a->s.last_item_at :
								   a->s.first_success_at;
		if (now - quiet_since > cfg->quiet_after_s) {
			status_span(now - quiet_since, age, sizeof age);
			status_span(cfg->quiet_after_s, limit, sizeof limit);
			status_alert(a, "no new item for %s (quiet_after is %s)", age, limit);
		}
	}
	a->healthy = a->nalerts == 0;
}

static int status_failure(const char *recorded, const char *text, void *arg)
{
	struct status_acct *a = arg;

	a->window[status_class_of(recorded, text)]++;
	return 0;
}

/* The last run's outcome: an unfinished run is running while a sync holds
 * the lock, else it was killed; anything unknown counts as failed. */
static const char *status_outcome(const struct store_status *s, int sync_running)
{
	if (s->run_id < 0)
		return NULL;
	if (s->finished_at == STORE_NO_TIME)
		return sync_running ? "running" : "interrupted";
	if (s->outcome != NULL &&
	    (strcmp(s->outcome, "ok") == 0 || strcmp(s->outcome, "interrupted") == 0))
		return s->outcome;
	return "failed";
}

/* Reads the account's facts and judges it. */
static int status_load(struct store *st, const struct config *cfg, int64_t now, int sync_running,
		       struct status_acct *a, struct err *err)
{
	const struct store_status *s = &a->s;

	a->run_class = -1;
	if (store_status_get(st, a->name, a->kind, now - STATUS_ERROR_WINDOW, &a->s, err) == -1 ||
	    store_status_failures(st, a->name, a->kind, now - STATUS_ERROR_WINDOW, status_failure,
				  a, err) == -1)
		return -1;
	a->window[SC_PARSE] += s->errors_since;
	a->outcome = status_outcome(s, sync_running);
	a->error = s->error_text;
	if (s->run_id >= 0 && s->finished_at == STORE_NO_TIME && !sync_running)
		a->error = "stopped before it finished";
	if (a->outcome != NULL && strcmp(a->outcome, "failed") == 0)
		a->run_class = (int)status_class_of(s->error_class, s->error_text);
	status_judge(a, cfg, now);
	return 0;
}

/* ---- output ------------------------------------------------------------------------ */

struct status_out {
	struct buf *b;
	struct store *st;
	const struct config *cfg;
	const struct status_acct *a; /* the account being written */
	int64_t now;
	int n; /* items written so far in the current list */
	struct err *err;
};

/* Whether a state row is a calendar's: by the account's kind, or for an
 * account no longer configured by what the row holds (calendars are
 * hrefs with a sync token or ctag). */
static int status_is_calendar(const struct status_out *o, const struct store_status_state *s)
{
	if (o->a->kind != NULL)
		return strcmp(o->a->kind, "caldav") == 0;
	return s->sync_token != NULL || s->ctag != NULL || s->container[0] == '/';
}

/* Seconds from `from` to `to`, never negative; -1 when either is none. */
static int64_t status_secs(int64_t from, int64_t to)
{
	if (from == STORE_NO_TIME || to == STORE_NO_TIME)
		return -1;
	return to > from ? to - from : 0;
}

/* ---- JSON ------------------------------------------------------------------------ */

/* ,"key":v, or null when v is negative (none). */
static void json_kv_opt(struct buf *b, const char *key, int64_t v)
{
	if (v >= 0) {
		json_kv_int(b, 1, key, v);
		return;
	}
	buf_addch(b, ',');
	json_str(b, key);
	buf_addstr(b, ":null");
}

static void json_classes(struct buf *b, const char *key, const int64_t *n)
{
	buf_addch(b, ',');
	json_str(b, key);
	buf_addstr(b, ":{");
	for (int i = 0; i < SC_N; i++)
		json_kv_int(b, i > 0, status_class_names[i], n[i]);
	buf_addch(b, '}');
}

static int json_skip(const char *reason, int64_t n, void *arg)
{
	struct status_out *o = arg;

	json_kv_int(o->b, o->n++ > 0, reason, n);
	return 0;
}

static int json_last_run(struct status_out *o)
{
	const struct status_acct *a = o->a;
	struct buf *b = o->b;
	int64_t last[SC_N] = {0};

	if (a->s.run_id < 0) {
		buf_addstr(b, ",\"last_run\":null");
		return 0;
	}
	buf_addstr(b, ",\"last_run\":{");
	json_kv_time(b, 0, "started_at", a->s.started_at);
	json_kv_time(b, 1, "finished_at", a->s.finished_at);
	json_kv_opt(b, "duration_s", status_secs(a->s.started_at, a->s.finished_at));
	json_kv_str(b, 1, "outcome", a->outcome);
	json_kv_str(b, 1, "error_class",
		    a->run_class >= 0 ? status_class_names[a->run_class] : NULL);
	json_kv_str(b, 1, "error", a->error);
	json_kv_int(b, 1, "fetched", a->s.fetched);
	json_kv_int(b, 1, "logged", a->s.logged);
	json_kv_int(b, 1, "skipped", a->s.skipped);
	json_kv_int(b, 1, "errors", a->s.errors);
	buf_addstr(b, ",\"skipped_by_reason\":{");
	o->n = 0;
	if (store_status_run_skips(o->st, a->s.run_id, json_skip, o, o->err) == -1)
		return -1;
	buf_addch(b, '}');
	if (a->run_class >= 0)
		last[a->run_class] = 1;
	last[SC_PARSE] += a->s.errors;
	json_classes(b, "errors_by_class", last);
	buf_addch(b, '}');
	return 0;
}

/* A folder's numbers are null for a calendar and the reverse; a zero
 * UIDVALIDITY, UIDNEXT or HIGHESTMODSEQ is none (RFC 3501, RFC 7162). */
static int json_state(const struct store_status_state *s, void *arg)
{
	struct status_out *o = arg;
	struct buf *b = o->b;
	int cal = status_is_calendar(o, s);

	buf_addstr(b, o->n++ > 0 ? ",{" : "{");
	json_kv_str(b, 0, "container", s->container);
	json_kv_str(b, 1, "type", cal ? "calendar" : "folder");
	json_kv_opt(b, "uidvalidity", cal || s->uidvalidity == 0 ? -1 : s->uidvalidity);
	json_kv_opt(b, "uidnext", cal || s->uidnext == 0 ? -1 : s->uidnext);
	json_kv_opt(b, "highestmodseq", cal || s->highestmodseq == 0 ? -1 : s->highestmodseq);
	json_kv_opt(b, "last_uid", cal ? -1 : s->last_uid);
	json_kv_opt(b, "messages", cal ? -1 : s->messages);
	json_kv_str(b, 1, "sync_token", cal ? s->sync_token : NULL);
	json_kv_str(b, 1, "ctag", cal ? s->ctag : NULL);
	json_kv_int(b, 1, "resets", s->resets);
	json_kv_time(b, 1, "last_full_scan_at", s->last_full_scan);
	json_kv_time(b, 1, "updated_at", s->updated_at);
	buf_addch(b, '}');
	return 0;
}

static int json_account(struct status_out *o)
{
	const struct status_acct *a = o->a;
	struct buf *b = o->b;

	buf_addch(b, '{');
	json_kv_str(b, 0, "name", a->name);
	json_kv_str(b, 1, "kind", a->kind);
	buf_addf(b, ",\"configured\":%s", a->cfg != NULL ? "true" : "false");
	buf_addf(b, ",\"healthy\":%s", a->cfg == NULL ? "null" : a->healthy ? "true" : "false");
	buf_addstr(b, ",\"alerts\":[");
	for (int i = 0; i < a->nalerts; i++) {
		buf_addstr(b, i > 0 ? "," : "");
		json_str(b, a->alerts[i]);
	}
	buf_addch(b, ']');
	if (json_last_run(o) == -1)
		return -1;
	json_kv_time(b, 1, "last_success_at", a->s.last_success_at);
	json_classes(b, "errors_by_class", a->window);
	json_kv_int(b, 1, "unresolved_parse_errors", a->s.parse_errors);
	json_kv_time(b, 1, "last_new_item_at", a->s.last_item_at);
	json_kv_opt(b, "last_new_item_age_s", status_secs(a->s.last_item_at, o->now));
	buf_addstr(b, ",\"state\":[");
	o->n = 0;
	if (store_status_each_state(o->st, a->name, a->kind, json_state, o, o->err) == -1)
		return -1;
	buf_addstr(b, "]}");
	return 0;
}

/* ---- text -------------------------------------------------------------------------- */

/* "2026-11-27 03:08:12 +0100": local time, as a person reads it. */
static void status_local(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL || strftime(out, size, "%Y-%m-%d %H:%M:%S %z", &tm) == 0)
		tu_format_rfc3339(t, out, size);
}

/* "2026-11-27 03:08:12 +0100 (5m ago)". */
static void text_when(struct buf *b, const char *label, int64_t t, int64_t now)
{
	char when[64], age[32];

	if (t == STORE_NO_TIME) {
		buf_addf(b, "  %-15s never\n", label);
		return;
	}
	status_local(t, when, sizeof when);
	status_span(now - t, age, sizeof age);
	buf_addf(b, "  %-15s %s (%s ago)\n", label, when, age);
}

static int text_skip(const char *reason, int64_t n, void *arg)
{
	struct status_out *o = arg;

	buf_addf(o->b, "%s%s %lld", o->n++ > 0 ? ", " : " (", reason, (long long)n);
	return 0;
}

static int text_last_run(struct status_out *o)
{
	const struct status_acct *a = o->a;
	struct buf *b = o->b;
	char when[64], span[32];

	if (a->s.run_id < 0) {
		buf_addf(b, "  %-15s never\n", "last run:");
		return 0;
	}
	status_local(a->s.started_at, when, sizeof when);
	buf_addf(b, "  %-15s %s, ", "last run:", when);
	if (a->s.finished_at == STORE_NO_TIME && strcmp(a->outcome, "running") == 0) {
		status_span(o->now - a->s.started_at, span, sizeof span);
		buf_addf(b, "running for %s\n", span);
	} else if (a->s.finished_at == STORE_NO_TIME) {
		buf_addstr(b, "did not finish: interrupted\n");
	} else {
		status_span(status_secs(a->s.started_at, a->s.finished_at), span, sizeof span);
		buf_addf(b, "took %s: %s", span,
			 strcmp(a->outcome, "failed") == 0 ? "FAILED" : a->outcome);
		if (a->run_class >= 0)
			buf_addf(b, " (%s)", status_class_names[a->run_class]);
		buf_addch(b, '\n');
	}
	if (a->error != NULL)
		buf_addf(b, "  %-15s %s\n", "", a->error);
	buf_addf(b, "  %-15s %lld fetched, %lld logged, %lld skipped",
		 "items:", (long long)a->s.fetched, (long long)a->s.logged,
		 (long long)a->s.skipped);
	o->n = 0;
	if (store_status_run_skips(o->st, a->s.run_id, text_skip, o, o->err) == -1)
		return -1;
	buf_addf(b, "%s, %lld malformed\n", o->n > 0 ? ")" : "", (long long)a->s.errors);
	return 0;
}

static int text_state(const struct store_status_state *s, void *arg)
{
	struct status_out *o = arg;
	struct buf *b = o->b;
	int cal = status_is_calendar(o, s);

	if (cal) {
		buf_addf(b, "  calendar %s: sync token %s, ctag %s\n", s->container,
			 s->sync_token != NULL ? s->sync_token : "(none)",
			 s->ctag != NULL ? s->ctag : "(none)");
		return 0;
	}
	buf_addf(b, "  folder %s: UIDVALIDITY %lld, UIDNEXT %lld, HIGHESTMODSEQ ", s->container,
		 (long long)s->uidvalidity, (long long)s->uidnext);
	if (s->highestmodseq > 0)
		buf_addf(b, "%lld", (long long)s->highestmodseq);
	else
		buf_addstr(b, "(none)");
	buf_addf(b, ", last UID %lld, %lld messages\n", (long long)s->last_uid,
		 (long long)s->messages);
	return 0;
}

static void text_errors(struct buf *b, const struct status_acct *a)
{
	int n = 0;

	buf_addf(b, "  %-15s", "errors, 24h:");
	for (int i = 0; i < SC_N; i++)
		if (a->window[i] > 0)
			buf_addf(b, "%s %s %lld", n++ > 0 ? "," : "", status_class_names[i],
				 (long long)a->window[i]);
	buf_addstr(b, n == 0 ? " none\n" : "\n");
	if (a->s.parse_errors > 0)
		buf_addf(b, "  %-15s %lld unresolved items in parse_errors\n",
			 "parse errors:", (long long)a->s.parse_errors);
}

static int text_account(struct status_out *o)
{
	const struct status_acct *a = o->a;
	struct buf *b = o->b;

	buf_addf(b, "%s (%s)\n", a->name, a->kind);
	if (text_last_run(o) == -1)
		return -1;
	text_errors(b, a);
	text_when(b, "last success:", a->s.last_success_at, o->now);
	text_when(b, "last new item:", a->s.last_item_at, o->now);
	if (store_status_each_state(o->st, a->name, a->kind, text_state, o, o->err) == -1)
		return -1;
	for (int i = 0; i < a->nalerts; i++)
		buf_addf(b, "  ALERT: %s\n", a->alerts[i]);
	if (a->healthy)
		buf_addstr(b, "  healthy\n");
	return 0;
}

/* ---- all accounts ----------------------------------------------------------------- */

/* The accounts to show while they are gathered. */
struct status_list {
	const struct config *cfg;
	const struct status_opts *o;
	char *seen;	       /* owned; per --account name: found */
	struct status_acct *v; /* owned */
	size_t n;
};

/* Whether the config has the account (kind NULL: of either kind). */
static int status_configured(const struct config *cfg, const char *name, const char *kind)
{
	for (size_t i = 0; i < cfg->naccounts; i++)
		if (strcmp(cfg->accounts[i].name, name) == 0 &&
		    (kind == NULL || strcmp(cfg_kind_name(cfg->accounts[i].kind), kind) == 0))
			return 1;
	return 0;
}

/* Whether the account is asked for; marks the --account names it is. */
static int status_wanted(struct status_list *l, const char *name)
{
	int hit = l->o->naccounts == 0;

	for (size_t i = 0; i < l->o->naccounts; i++)
		if (strcmp(l->o->accounts[i], name) == 0)
			hit = l->seen[i] = 1;
	return hit;
}

/* Appends an account: configured (ca), or found only in the database. */
static void status_add(struct status_list *l, const char *name, const char *kind,
		       const struct cfg_account *ca)
{
	struct status_acct *a;

	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	a = memset(&l->v[l->n++], 0, sizeof *a);
	a->cfg = ca;
	if (ca != NULL) {
		a->name = ca->name;
		a->kind = cfg_kind_name(ca->kind);
	} else {
		a->name = a->own = xstrdup(name);
		a->kind = a->own_kind = kind != NULL ? xstrdup(kind) : NULL;
	}
}

static int status_db_account(const char *name, const char *kind, void *arg)
{
	struct status_list *l = arg;

	if (!status_configured(l->cfg, name, kind) && status_wanted(l, name))
		status_add(l, name, kind, NULL);
	return 0;
}

/* The accounts to show: the configured ones in config order, then those
 * only in sync_runs; every --account name must be one of them. */
static int status_accounts(struct store *st, struct status_list *l, struct err *err)
{
	l->seen = xcalloc(l->o->naccounts + 1, 1);
	for (size_t i = 0; i < l->cfg->naccounts; i++)
		if (status_wanted(l, l->cfg->accounts[i].name))
			status_add(l, NULL, NULL, &l->cfg->accounts[i]);
	if (store_status_accounts(st, status_db_account, l, err) == -1)
		return -1;
	for (size_t i = 0; i < l->o->naccounts; i++)
		if (!l->seen[i])
			return err_set(
				err, ERR_USAGE,
				"status: no account named '%s' in the config or the database",
				l->o->accounts[i]);
	return 0;
}

/* The last line of the text: the verdict, and the accounts not judged. */
static void text_summary(struct buf *b, const struct status_acct *v, size_t n)
{
	size_t judged = 0, bad = 0, other = 0;

	for (size_t i = 0; i < n; i++) {
		judged += v[i].cfg != NULL;
		bad += v[i].cfg != NULL && !v[i].healthy;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i].cfg != NULL)
			continue;
		buf_addstr(b, other++ == 0 ? "in the database but not in the config (not judged):" :
					     ",");
		buf_addf(b, " %s", v[i].name);
	}
	buf_addstr(b, other > 0 ? "\n" : "");
	if (judged == 0)
		buf_addstr(b, "no accounts configured: add [imap \"NAME\"] or [caldav \"NAME\"] "
			      "sections to the config\n");
	else if (bad == 0)
		buf_addf(b, "%zu of %zu accounts healthy\n", judged, judged);
	else
		buf_addf(b, "%zu of %zu accounts UNHEALTHY\n", bad, judged);
}

/* One JSON object (docs/status-json.md) and a newline. */
static int json_write(struct status_out *o, const struct status_acct *v, size_t n, int healthy)
{
	struct buf *b = o->b;

	buf_addch(b, '{');
	json_kv_time(b, 0, "generated_at", o->now);
	buf_addf(b, ",\"healthy\":%s", healthy ? "true" : "false");
	json_kv_int(b, 1, "interval_s", o->cfg->interval_s);
	json_kv_int(b, 1, "quiet_after_s", o->cfg->quiet_after_s);
	json_kv_time(b, 1, "errors_since", o->now - STATUS_ERROR_WINDOW);
	buf_addstr(b, ",\"accounts\":[");
	for (size_t i = 0; i < n; i++) {
		o->a = &v[i];
		buf_addstr(b, i > 0 ? "," : "");
		if (json_account(o) == -1)
			return -1;
	}
	buf_addstr(b, "]}\n");
	return 0;
}

/* A block per configured account, then the summary. */
static int text_write(struct status_out *o, const struct status_acct *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].cfg == NULL)
			continue;
		o->a = &v[i];
		if (text_account(o) == -1)
			return -1;
		buf_addch(o->b, '\n');
	}
	text_summary(o->b, v, n);
	return 0;
}

int status_write(struct store *st, const struct config *cfg, int64_t now,
		 const struct status_opts *o, struct buf *out, struct err *err)
{
	struct status_list l = {cfg, o, NULL, NULL, 0};
	struct status_out so = {out, st, cfg, NULL, now, 0, err};
	int rc = -1, healthy = 1;

	if (status_accounts(st, &l, err) == -1)
		goto out;
	for (size_t i = 0; i < l.n; i++) {
		if (status_load(st, cfg, now, o->sync_running, &l.v[i], err) == -1)
			goto out;
		if (l.v[i].cfg != NULL && !l.v[i].healthy)
			healthy = 0;
	}
	if ((o->json ? json_write(&so, l.v, l.n, healthy) : text_write(&so, l.v, l.n)) == -1)
		goto out;
	rc = healthy ? 0 : 1;
out:
	for (size_t i = 0; i < l.n; i++) {
		store_status_release(&l.v[i].s);
		free(l.v[i].own);
		free(l.v[i].own_kind);
	}
	free(l.v);
	free(l.seen);
	return rc;
}

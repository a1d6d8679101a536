/* core/config.c - load and validate the configuration file (SPEC §3).
 *
 * A hand-written line parser in the manner of isync's getcline: each line is
 * tokenised on its own (section header, key = value, comment or blank), the
 * key is looked up in its section's table, and the value is checked and
 * stored at once. An account is finished (defaults that depend on other
 * keys, required keys, the plain-text rule) when the next section starts or
 * the text ends, so those errors point at the section header or at the key
 * that broke the rule. On any error the partial config is freed: callers see
 * a complete, valid struct or none.
 *
 * Secrets are not read here; cfg_secret_resolve() fetches one when a
 * connector needs it and never lets it reach an error message.
 */
#include "core/config.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "core/xalloc.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CFG_MAX_FILE   (1024 * 1024)
#define CFG_MAX_SECRET (64 * 1024)
#define CFG_MAX_KEYS   24
#define CFG_MAX_NAME   64
/* The longest value of a key: a URL, a path, a list of domains, a
 * password; the same bound as a secret read from a command. Longer is an
 * error naming the line, rather than a megabyte URL handed to libcurl. */
#define CFG_MAX_VALUE (64 * 1024)
/* Accounts in one file. The duplicate-name check compares each new account
 * with every earlier one, so a file of 80,000 one-line sections (it fits
 * in CFG_MAX_FILE) cost billions of comparisons; a team's config has a
 * few per member, and the daemon syncs them one at a time anyway. */
#define CFG_MAX_ACCOUNTS  1000
#define CFG_DEFAULT_STORE "~/.local/share/crmsync/crmsync.db"

/* How a value is checked and stored. */
enum cfg_type {
	CT_STR,
	CT_PATH, /* "~/" expanded */
	CT_HOST,
	CT_URL,
	CT_TZ,
	CT_EMAIL, /* lower-cased */
	CT_BOOL,
	CT_DUR,	 /* int64_t seconds in [min, max] */
	CT_INT,	 /* int in [min, max] */
	CT_ENUM, /* int-sized enum; value i is spelt names[i] */
	CT_LIST,
	CT_DOMAINS, /* list, lower-cased, each a domain name */
	CT_FREEMAIL,
	CT_SECRET_CMD,
	CT_SECRET_ENV,
	CT_SECRET_FILE,
};

struct cfg_key {
	const char *name;
	enum cfg_type type;
	size_t off; /* into struct cfg_account for accounts, else struct config */
	int64_t min, max;
	const char *const *names;
	const char *what; /* CT_INT: what a valid value is, for messages */
};

struct cfg_section {
	const char *name;
	int named; /* [name "ACCOUNT"] */
	enum cfg_account_kind kind;
	const struct cfg_key *keys;
};

/* The enum fields are written through an int. */
_Static_assert(sizeof(enum cfg_security) == sizeof(int), "enum size");
_Static_assert(sizeof(enum cfg_auth) == sizeof(int), "enum size");
_Static_assert(sizeof(enum cfg_capture) == sizeof(int), "enum size");
_Static_assert(sizeof(enum cfg_autocreate) == sizeof(int), "enum size");

static const char *const security_names[] = {"tls", "starttls", "none", NULL};
static const char *const auth_names[] = {"plain", "login", "xoauth2", NULL};
/* CalDAV: a password (Basic or Digest, as the server asks) or an OAuth 2.0
 * bearer token; indexes line up with enum cfg_auth ("" is never a value). */
static const char *const dav_auth_names[] = {"password", "", "bearer", NULL};
static const char *const capture_names[] = {"metadata", "subject", "full", NULL};
static const char *const autocreate_names[] = {"no", "sent", "sent_and_received", NULL};

#define ACC(f) offsetof(struct cfg_account, f)
#define CFG(f) offsetof(struct config, f)
#define DUR(n, f, lo)                                                            \
	{                                                                        \
		.name = n, .type = CT_DUR, .off = f, .min = lo, .max = INT64_MAX \
	}
#define ENUM(n, f, tab)                                            \
	{                                                          \
		.name = n, .type = CT_ENUM, .off = f, .names = tab \
	}
#define KEY(n, t, f)                           \
	{                                      \
		.name = n, .type = t, .off = f \
	}

static const struct cfg_key store_keys[] = {
	KEY("path", CT_PATH, CFG(store_path)),
	{.name = NULL},
};

static const struct cfg_key team_keys[] = {
	KEY("domains", CT_DOMAINS, CFG(team_domains)),
	KEY("log_internal", CT_BOOL, CFG(log_internal)),
	{.name = NULL},
};

static const struct cfg_key match_keys[] = {
	KEY("ignore", CT_LIST, CFG(ignore)),
	KEY("freemail", CT_FREEMAIL, CFG(freemail)),
	KEY("plus_addressing", CT_BOOL, CFG(plus_addressing)),
	ENUM("autocreate_contacts", CFG(autocreate_contacts), autocreate_names),
	KEY("bcc_address", CT_EMAIL, CFG(bcc_address)),
	{.name = "snippet_chars",
	 .type = CT_INT,
	 .off = CFG(snippet_chars),
	 .min = 0,
	 .max = 10000,
	 .what = "a number from 0 to 10000"},
	{.name = NULL},
};

static const struct cfg_key schedule_keys[] = {
	DUR("interval", CFG(interval_s), 1),
	DUR("jitter", CFG(jitter_s), 0),
	{.name = "workers",
	 .type = CT_INT,
	 .off = CFG(workers),
	 .min = 1,
	 .max = 64,
	 .what = "a number from 1 to 64"},
	{.name = "per_server",
	 .type = CT_INT,
	 .off = CFG(per_server),
	 .min = 1,
	 .max = 16,
	 .what = "a number from 1 to 16"},
	DUR("quiet_after", CFG(quiet_after_s), 0),
	{.name = NULL},
};

static const struct cfg_key imap_keys[] = {
	KEY("host", CT_HOST, ACC(host)),
	{.name = "port",
	 .type = CT_INT,
	 .off = ACC(port),
	 .min = 1,
	 .max = 65535,
	 .what = "a port number (1-65535)"},
	ENUM("security", ACC(security), security_names),
	KEY("user", CT_STR, ACC(user)),
	KEY("password_cmd", CT_SECRET_CMD, ACC(secret.cmd)),
	KEY("password_env", CT_SECRET_ENV, ACC(secret.env)),
	KEY("password_file", CT_SECRET_FILE, ACC(secret.file)),
	ENUM("auth", ACC(auth), auth_names),
	KEY("folders", CT_LIST, ACC(folders)),
	KEY("owner", CT_EMAIL, ACC(owner)),
	DUR("since", ACC(since_s), 0),
	ENUM("capture", ACC(capture), capture_names),
	KEY("private_folders", CT_LIST, ACC(private_folders)),
	KEY("ca_file", CT_PATH, ACC(ca_file)),
	DUR("timeout", ACC(timeout_s), 1),
	KEY("tls_verify", CT_BOOL, ACC(tls_verify)),
	KEY("allow_plaintext", CT_BOOL, ACC(allow_plaintext)),
	{.name = NULL},
};

static const struct cfg_key caldav_keys[] = {
	KEY("url", CT_URL, ACC(url)),
	KEY("user", CT_STR, ACC(user)),
	KEY("password_cmd", CT_SECRET_CMD, ACC(secret.cmd)),
	KEY("password_env", CT_SECRET_ENV, ACC(secret.env)),
	KEY("password_file", CT_SECRET_FILE, ACC(secret.file)),
	ENUM("auth", ACC(auth), dav_auth_names),
	KEY("calendars", CT_LIST, ACC(calendars)),
	KEY("owner", CT_EMAIL, ACC(owner)),
	DUR("past", ACC(past_s), 0),
	DUR("future", ACC(future_s), 0),
	KEY("timezone", CT_TZ, ACC(timezone)),
	KEY("ca_file", CT_PATH, ACC(ca_file)),
	KEY("tls_verify", CT_BOOL, ACC(tls_verify)),
	DUR("timeout", ACC(timeout_s), 1),
	KEY("allow_plaintext", CT_BOOL, ACC(allow_plaintext)),
	ENUM("capture", ACC(capture), capture_names),
	{.name = NULL},
};

static const struct cfg_section cfg_sections[] = {
	{"store", 0, CFG_ACCOUNT_IMAP, store_keys},
	{"team", 0, CFG_ACCOUNT_IMAP, team_keys},
	{"imap", 1, CFG_ACCOUNT_IMAP, imap_keys},
	{"caldav", 1, CFG_ACCOUNT_CALDAV, caldav_keys},
	{"match", 0, CFG_ACCOUNT_IMAP, match_keys},
	{"schedule", 0, CFG_ACCOUNT_IMAP, schedule_keys},
};
#define CFG_NSECTIONS (sizeof cfg_sections / sizeof cfg_sections[0])

struct cfg_parser {
	struct config *cfg;
	const char *file;
	int line;
	const struct cfg_section *sect; /* NULL before the first header */
	struct cfg_account *acct;	/* borrowed; the account being read */
	int seen[CFG_MAX_KEYS];		/* line each key of the section was set on */
	int opened[CFG_NSECTIONS];	/* line each unnamed section was opened on */
	struct err *err;
};

/* ---- small helpers ---- */

static void cfg_list_add(struct cfg_list *l, char *item)
{
	l->items = xreallocarray(l->items, l->n + 1, sizeof *l->items);
	l->items[l->n++] = item;
}

static void cfg_list_release(struct cfg_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

static void cfg_set_str(char **dst, char *val)
{
	free(*dst);
	*dst = val;
}

static char *cfg_skip_ws(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static void cfg_rtrim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

const char *cfg_kind_name(enum cfg_account_kind kind)
{
	return kind == CFG_ACCOUNT_IMAP ? "imap" : "caldav";
}

char *cfg_expand_home(const char *path)
{
	const char *home;
	size_t n;

	if (path[0] != '~' || (path[1] != '/' && path[1] != '\0'))
		return xstrdup(path);
	home = getenv("HOME");
	if (home == NULL || *home == '\0') {
		const struct passwd *pw = getpwuid(getuid());
		if (pw == NULL || pw->pw_dir == NULL)
			return xstrdup(path);
		home = pw->pw_dir;
	}
	n = strlen(home);
	while (n > 1 && home[n - 1] == '/')
		n--;
	return xasprintf("%.*s%s", (int)n, home, path + 1);
}

/* ---- error messages ---- */

static void cfg_label(const struct cfg_parser *p, char *out, size_t size)
{
	if (p->acct != NULL)
		snprintf(out, size, "[%s \"%s\"]: ", p->sect->name, p->acct->name);
	else if (p->sect != NULL)
		snprintf(out, size, "[%s]: ", p->sect->name);
	else
		out[0] = '\0';
}

__attribute__((format(printf, 4, 0))) static int cfg_vfail(struct cfg_parser *p, int line,
							   int label, const char *fmt, va_list ap)
{
	char msg[400], where[CFG_MAX_NAME + 32] = "";

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (label)
		cfg_label(p, where, sizeof where);
	return err_set(p->err, ERR_USAGE, "%s:%d: %s%s", p->file, line, where, msg);
}

/* An error on the current line that is not about a key of the section. */
__attribute__((format(printf, 2, 3))) static int cfg_fail(struct cfg_parser *p, const char *fmt,
							  ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vfail(p, p->line, 0, fmt, ap);
	va_end(ap);
	return -1;
}

/* An error within the current section, at `line`, prefixed by the section. */
__attribute__((format(printf, 3, 4))) static int cfg_fail_at(struct cfg_parser *p, int line,
							     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vfail(p, line, 1, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- value checks ---- */

static int cfg_domain_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253 || s[0] == '.' || s[n - 1] == '.' || strstr(s, "..") != NULL)
		return 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!isalnum(c) && c != '-' && c != '.' && c < 0x80)
			return 0;
	}
	return 1;
}

static int cfg_email_ok(const char *s)
{
	const char *at = strchr(s, '@');

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL)
		return 0;
	for (const char *q = s; *q; q++)
		if (isspace((unsigned char)*q) || strchr("<>,;\"()[]\\", *q) != NULL)
			return 0;
	return cfg_domain_ok(at + 1);
}

static int cfg_host_ok(const char *s)
{
	for (; *s; s++)
		if (isspace((unsigned char)*s) || strchr("/@?#", *s) != NULL)
			return 0;
	return 1;
}

static int cfg_tz_ok(const char *s)
{
	if (strlen(s) > 64 || s[0] == '/' || strstr(s, "..") != NULL)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr("_+-/", *s) == NULL)
			return 0;
	return 1;
}

static int cfg_envname_ok(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

/* Finds the host of an http(s) URL and copies it (without brackets or port)
 * into host. Returns 0, -1 for a malformed URL, -2 for one that carries a
 * user name or password. */
static int cfg_url_host(const char *url, int *https_out, char *host, size_t size)
{
	const char *h, *e, *hend, *after;

	*https_out = strncasecmp(url, "https://", 8) == 0;
	if (*https_out)
		h = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		h = url + 7;
	else
		return -1;
	for (const char *q = url; *q; q++)
		if (isspace((unsigned char)*q) || iscntrl((unsigned char)*q))
			return -1;
	e = h + strcspn(h, "/?#");
	if (memchr(h, '@', (size_t)(e - h)) != NULL)
		return -2;
	if (*h == '[') {
		hend = memchr(h, ']', (size_t)(e - h));
		if (hend == NULL)
			return -1;
		after = hend + 1;
		h++;
	} else {
		hend = memchr(h, ':', (size_t)(e - h));
		hend = after = hend != NULL ? hend : e;
	}
	if (hend == h || (size_t)(hend - h) >= size || (after != e && *after != ':'))
		return -1;
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = '\0';
	return 0;
}

/* 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104 and "localhost". */
static int cfg_is_loopback(const char *host)
{
	unsigned char a[16];
	static const unsigned char v6lo[16] = {[15] = 1};
	static const unsigned char v4map[12] = {[10] = 0xff, [11] = 0xff};
	char tmp[256];
	size_t n = strlen(host);

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof tmp) {
		memcpy(tmp, host + 1, n - 2);
		tmp[n - 2] = '\0';
		host = tmp;
	}
	if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0)
		return 1;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, host, a) == 1)
		return memcmp(a, v6lo, 16) == 0 || (memcmp(a, v4map, 12) == 0 && a[12] == 127);
	return 0;
}

/* ---- setting values ---- */

static int cfg_set_bool(struct cfg_parser *p, const struct cfg_key *k, const char *v, int *dst)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
			*dst = strcasecmp(v, yes[i]) == 0;
			return 0;
		}
	}
	return cfg_fail_at(p, p->line, "%s: '%.80s' is not a boolean (yes or no)", k->name, v);
}

static int cfg_set_enum(struct cfg_parser *p, const struct cfg_key *k, const char *v, int *dst)
{
	struct buf b;

	for (int i = 0; k->names[i] != NULL; i++)
		if (*k->names[i] != '\0' && strcasecmp(v, k->names[i]) == 0) {
			*dst = i;
			return 0;
		}
	buf_init(&b, 256);
	for (int i = 0; k->names[i] != NULL; i++)
		if (*k->names[i] != '\0')
			buf_addf(&b, "%s%s", b.len > 0 ? " | " : "", k->names[i]);
	cfg_fail_at(p, p->line, "%s: '%.80s' is not one of %s", k->name, v, b.data);
	buf_release(&b);
	return -1;
}

static int cfg_set_dur(struct cfg_parser *p, const struct cfg_key *k, const char *v, int64_t *dst)
{
	int64_t secs;

	if (tu_parse_duration(v, &secs) == -1)
		return cfg_fail_at(p, p->line,
				   "%s: '%.80s' is not a duration (such as 30s, 5m, 2h, 365d)",
				   k->name, v);
	if (secs < k->min)
		return cfg_fail_at(p, p->line, "%s: '%.80s' is too short (at least %llds)", k->name,
				   v, (long long)k->min);
	*dst = secs;
	return 0;
}

static int cfg_set_int(struct cfg_parser *p, const struct cfg_key *k, const char *v, int *dst)
{
	int64_t n;

	if (str_to_i64(v, k->min, k->max, &n) == -1)
		return cfg_fail_at(p, p->line, "%s: '%.80s' is not %s", k->name, v, k->what);
	*dst = (int)n;
	return 0;
}

/* Splits a comma-separated list; items are trimmed and must not be empty. */
static int cfg_split(struct cfg_parser *p, const struct cfg_key *k, const char *v, int lower,
		     struct cfg_list *out)
{
	const char *s = v;

	for (;;) {
		const char *comma = strchr(s, ','), *item = s;
		size_t n = comma != NULL ? (size_t)(comma - s) : strlen(s);

		str_trim(&item, &n);
		if (n == 0)
			return cfg_fail_at(p, p->line, "%s: empty item in list '%.80s'", k->name,
					   v);
		cfg_list_add(out, xstrndup(item, n));
		if (lower)
			str_lower(out->items[out->n - 1]);
		if (comma == NULL)
			return 0;
		s = comma + 1;
	}
}

static int cfg_set_domains(struct cfg_parser *p, const struct cfg_key *k, const char *v,
			   struct cfg_list *dst)
{
	if (cfg_split(p, k, v, 1, dst) == -1)
		return -1;
	for (size_t i = 0; i < dst->n; i++)
		if (!cfg_domain_ok(dst->items[i]))
			return cfg_fail_at(p, p->line, "%s: '%.80s' is not a domain name", k->name,
					   dst->items[i]);
	return 0;
}

/* `default` keeps the built-in list, `none` (alone) turns it off, anything
 * else is an extra freemail domain. */
static int cfg_set_freemail(struct cfg_parser *p, const struct cfg_key *k, const char *v)
{
	struct cfg_list l = {NULL, 0};
	struct config *cfg = p->cfg;
	int rc = -1;

	if (cfg_split(p, k, v, 1, &l) == -1)
		goto out;
	cfg->freemail_default = 0;
	for (size_t i = 0; i < l.n; i++) {
		if (strcmp(l.items[i], "none") == 0 && l.n > 1) {
			cfg_fail_at(p, p->line, "%s: 'none' cannot be combined with other entries",
				    k->name);
			goto out;
		} else if (strcmp(l.items[i], "default") == 0) {
			cfg->freemail_default = 1;
		} else if (strcmp(l.items[i], "none") != 0) {
			if (!cfg_domain_ok(l.items[i])) {
				cfg_fail_at(p, p->line, "%s: '%.80s' is not a domain name", k->name,
					    l.items[i]);
				goto out;
			}
			cfg_list_add(&cfg->freemail, xstrdup(l.items[i]));
		}
	}
	rc = 0;
out:
	cfg_list_release(&l);
	return rc;
}

/* The line of key `name` in the current section, or 0 if not set. */
static int cfg_key_line(const struct cfg_parser *p, const char *name)
{
	for (size_t i = 0; p->sect->keys[i].name != NULL; i++)
		if (strcmp(p->sect->keys[i].name, name) == 0)
			return p->seen[i];
	return 0;
}

static int cfg_set_secret(struct cfg_parser *p, const struct cfg_key *k, const char *v, char **dst)
{
	for (size_t i = 0; p->sect->keys[i].name != NULL; i++) {
		const struct cfg_key *o = &p->sect->keys[i];
		if (o != k && o->type >= CT_SECRET_CMD && p->seen[i] != 0)
			return cfg_fail_at(p, p->line,
					   "%s: only one password source is allowed (%s is "
					   "already set at line %d)",
					   k->name, o->name, p->seen[i]);
	}
	if (k->type == CT_SECRET_ENV && !cfg_envname_ok(v))
		return cfg_fail_at(p, p->line, "%s: '%.80s' is not an environment variable name",
				   k->name, v);
	cfg_set_str(dst, k->type == CT_SECRET_FILE ? cfg_expand_home(v) : xstrdup(v));
	return 0;
}

static int cfg_set_url(struct cfg_parser *p, const struct cfg_key *k, const char *v, char **dst)
{
	char host[256];
	int https;

	switch (cfg_url_host(v, &https, host, sizeof host)) {
	case -2:
		return cfg_fail_at(p, p->line,
				   "%s: must not contain a user name or password (use user and "
				   "password_cmd, password_env or password_file)",
				   k->name);
	case -1:
		return cfg_fail_at(p, p->line, "%s: '%.80s' is not an http:// or https:// URL",
				   k->name, v);
	}
	cfg_set_str(dst, xstrdup(v));
	return 0;
}

/* Strings that must pass a check; `what` describes a valid value. */
static int cfg_set_checked(struct cfg_parser *p, const struct cfg_key *k, const char *v, char **dst)
{
	const char *what = NULL;

	if (k->type == CT_EMAIL && !cfg_email_ok(v))
		what = "an email address";
	else if (k->type == CT_HOST && !cfg_host_ok(v))
		what = "a host name";
	else if (k->type == CT_TZ && !cfg_tz_ok(v))
		what = "an IANA time zone name (such as Europe/Berlin)";
	if (what != NULL)
		return cfg_fail_at(p, p->line, "%s: '%.80s' is not %s", k->name, v, what);
	cfg_set_str(dst, xstrdup(v));
	if (k->type == CT_EMAIL)
		str_lower(*dst);
	return 0;
}

static int cfg_set_value(struct cfg_parser *p, const struct cfg_key *k, const char *v)
{
	char *base = p->acct != NULL ? (char *)p->acct : (char *)p->cfg;
	void *dst = base + k->off;

	switch (k->type) {
	case CT_STR:
		cfg_set_str(dst, xstrdup(v));
		return 0;
	case CT_PATH:
		cfg_set_str(dst, cfg_expand_home(v));
		return 0;
	case CT_HOST:
	case CT_TZ:
	case CT_EMAIL:
		return cfg_set_checked(p, k, v, dst);
	case CT_URL:
		return cfg_set_url(p, k, v, dst);
	case CT_BOOL:
		return cfg_set_bool(p, k, v, dst);
	case CT_DUR:
		return cfg_set_dur(p, k, v, dst);
	case CT_INT:
		return cfg_set_int(p, k, v, dst);
	case CT_ENUM:
		return cfg_set_enum(p, k, v, dst);
	case CT_LIST:
		return cfg_split(p, k, v, 0, dst);
	case CT_DOMAINS:
		return cfg_set_domains(p, k, v, dst);
	case CT_FREEMAIL:
		return cfg_set_freemail(p, k, v);
	case CT_SECRET_CMD:
	case CT_SECRET_ENV:
	case CT_SECRET_FILE:
		return cfg_set_secret(p, k, v, dst);
	}
	return -1;
}

/* ---- sections ---- */

/* A misspelling is at most 2 edits away, and at most half the word. */
static int cfg_close(const char *typed, const char *known)
{
	int d = str_edit_distance(typed, known);

	return d <= 2 && (size_t)d * 2 <= strlen(typed);
}

/* A hint for an unknown key: the section it belongs in, or a close key. */
static void cfg_unknown_hint(const char *key, const struct cfg_section *cur, char *out, size_t size)
{
	int best = 3;

	out[0] = '\0';
	for (size_t s = 0; s < CFG_NSECTIONS; s++) {
		for (size_t i = 0; cfg_sections[s].keys[i].name != NULL; i++) {
			if (strcmp(key, cfg_sections[s].keys[i].name) == 0) {
				snprintf(out, size, " (it belongs in [%s%s])", cfg_sections[s].name,
					 cfg_sections[s].named ? " \"NAME\"" : "");
				return;
			}
		}
	}
	for (size_t i = 0; cur->keys[i].name != NULL; i++) {
		int d = str_edit_distance(key, cur->keys[i].name);
		if (d < best && cfg_close(key, cur->keys[i].name)) {
			best = d;
			snprintf(out, size, " (did you mean '%s'?)", cur->keys[i].name);
		}
	}
}

static int cfg_set_key(struct cfg_parser *p, const char *key, const char *val)
{
	const struct cfg_key *k = p->sect->keys;
	char hint[96];
	size_t i;

	while (k->name != NULL && strcmp(k->name, key) != 0)
		k++;
	if (k->name == NULL) {
		cfg_unknown_hint(key, p->sect, hint, sizeof hint);
		return cfg_fail_at(p, p->line, "unknown key '%.60s'%s", key, hint);
	}
	i = (size_t)(k - p->sect->keys);
	assert(i < CFG_MAX_KEYS);
	if (p->seen[i] != 0)
		return cfg_fail_at(p, p->line, "duplicate key '%s' (first set at line %d)", key,
				   p->seen[i]);
	p->seen[i] = p->line;
	if (*val == '\0')
		return cfg_fail_at(p, p->line, "%s: missing value", key);
	if (strlen(val) > CFG_MAX_VALUE)
		return cfg_fail_at(p, p->line, "%s: the value is longer than %d bytes", key,
				   CFG_MAX_VALUE);
	return cfg_set_value(p, k, val);
}

static struct cfg_account *cfg_add_account(struct cfg_parser *p, enum cfg_account_kind kind,
					   const char *name)
{
	struct config *cfg = p->cfg;
	struct cfg_account *a;

	cfg->accounts = xreallocarray(cfg->accounts, cfg->naccounts + 1, sizeof *cfg->accounts);
	a = &cfg->accounts[cfg->naccounts++];
	memset(a, 0, sizeof *a);
	a->kind = kind;
	a->name = xstrdup(name);
	a->file = xstrdup(p->file);
	a->line = p->line;
	a->tls_verify = 1;
	a->timeout_s = 30;
	a->capture = CFG_CAPTURE_FULL;
	a->security = CFG_SEC_TLS;
	a->auth = CFG_AUTH_PLAIN;
	a->since_s = 365 * 86400;
	a->past_s = 365 * 86400;
	a->future_s = 90 * 86400;
	return a;
}

static int cfg_check_plaintext(struct cfg_parser *p, const struct cfg_account *a)
{
	char host[256];
	int https = 1;

	if (a->allow_plaintext)
		return 0;
	if (a->kind == CFG_ACCOUNT_IMAP && a->security == CFG_SEC_NONE && !cfg_is_loopback(a->host))
		return cfg_fail_at(p, cfg_key_line(p, "security"),
				   "security = none would send the password in clear text to "
				   "'%.80s', which is not a loopback address (use tls or starttls, "
				   "or set allow_plaintext = yes)",
				   a->host);
	if (a->kind == CFG_ACCOUNT_CALDAV && cfg_url_host(a->url, &https, host, sizeof host) == 0 &&
	    !https && !cfg_is_loopback(host))
		return cfg_fail_at(p, cfg_key_line(p, "url"),
				   "url: plain http to '%.80s', which is not a loopback address, "
				   "would send the password in clear text (use https://, or set "
				   "allow_plaintext = yes)",
				   host);
	return 0;
}

/* Required keys, defaults that depend on other keys, the plain-text rule. */
static int cfg_finish_account(struct cfg_parser *p)
{
	struct cfg_account *a = p->acct;
	const char *missing = NULL;

	if (a->kind == CFG_ACCOUNT_IMAP && a->host == NULL)
		missing = "host";
	else if (a->kind == CFG_ACCOUNT_CALDAV && a->url == NULL)
		missing = "url";
	else if (a->owner == NULL)
		missing = "owner";
	if (missing != NULL)
		return cfg_fail_at(p, a->line, "missing required key '%s'", missing);
	if (a->secret.cmd == NULL && a->secret.env == NULL && a->secret.file == NULL)
		return cfg_fail_at(p, a->line,
				   "no password source (set one of password_cmd, password_env "
				   "or password_file)");
	if (a->user == NULL)
		a->user = xstrdup(a->owner);
	if (a->kind == CFG_ACCOUNT_IMAP && a->port == 0)
		a->port = a->security == CFG_SEC_TLS ? 993 : 143;
	return cfg_check_plaintext(p, a);
}

static int cfg_finish_section(struct cfg_parser *p)
{
	int rc = 0;

	if (p->acct != NULL)
		rc = cfg_finish_account(p);
	p->acct = NULL;
	p->sect = NULL;
	memset(p->seen, 0, sizeof p->seen);
	return rc;
}

static int cfg_open_account(struct cfg_parser *p, const struct cfg_section *s, const char *name)
{
	struct config *cfg = p->cfg;

	if (*name == '\0')
		return cfg_fail(p, "[%s \"\"]: the account name must not be empty", s->name);
	if (strlen(name) > CFG_MAX_NAME)
		return cfg_fail(p, "[%s \"%.20s...\"]: the account name is longer than %d bytes",
				s->name, name, CFG_MAX_NAME);
	for (const char *q = name; *q; q++)
		if (iscntrl((unsigned char)*q))
			return cfg_fail(p, "[%s]: the account name contains a control character",
					s->name);
	if (cfg->naccounts >= CFG_MAX_ACCOUNTS)
		return cfg_fail(p, "more than %d accounts", CFG_MAX_ACCOUNTS);
	for (size_t i = 0; i < cfg->naccounts; i++)
		if (cfg->accounts[i].kind == s->kind && strcmp(cfg->accounts[i].name, name) == 0)
			return cfg_fail(p, "duplicate account [%s \"%s\"] (first at line %d)",
					s->name, name, cfg->accounts[i].line);
	p->acct = cfg_add_account(p, s->kind, name);
	return 0;
}

static int cfg_open_section(struct cfg_parser *p, const char *word, const char *name)
{
	const struct cfg_section *s = NULL;
	char hint[64] = "";

	if (cfg_finish_section(p) == -1)
		return -1;
	for (size_t i = 0; i < CFG_NSECTIONS; i++) {
		if (strcmp(word, cfg_sections[i].name) == 0)
			s = &cfg_sections[i];
		else if (hint[0] == '\0' && cfg_close(word, cfg_sections[i].name))
			snprintf(hint, sizeof hint, " (did you mean [%s]?)", cfg_sections[i].name);
	}
	if (s == NULL)
		return cfg_fail(p, "unknown section [%.40s]%s", word, hint);
	if (s->named && name == NULL)
		return cfg_fail(p, "[%s] needs an account name: [%s \"NAME\"]", s->name, s->name);
	if (!s->named && name != NULL)
		return cfg_fail(p, "[%s] takes no name", s->name);
	if (s->named && cfg_open_account(p, s, name) == -1)
		return -1;
	if (!s->named) {
		size_t i = (size_t)(s - cfg_sections);
		if (p->opened[i] != 0)
			return cfg_fail(p, "duplicate section [%s] (first at line %d)", s->name,
					p->opened[i]);
		p->opened[i] = p->line;
	}
	p->sect = s;
	return 0;
}

/* ---- the tokenizer ---- */

/* `[word]` or `[word "name"]`, then an optional comment. */
static int cfg_header(struct cfg_parser *p, char *s)
{
	char *word, *name = NULL, *q;
	size_t n;

	s = cfg_skip_ws(s + 1);
	word = s;
	while (isalnum((unsigned char)*s) || *s == '_' || *s == '-')
		s++;
	n = (size_t)(s - word);
	s = cfg_skip_ws(s);
	if (*s == '"') {
		name = s + 1;
		if ((q = strchr(name, '"')) == NULL)
			return cfg_fail(p, "unterminated quote in section header");
		*q = '\0';
		s = cfg_skip_ws(q + 1);
	}
	if (*s != ']')
		return cfg_fail(p, "malformed section header (expected [section] or "
				   "[section \"name\"])");
	s = cfg_skip_ws(s + 1);
	if (*s != '\0' && *s != '#' && *s != ';')
		return cfg_fail(p, "unexpected text after ']' in section header");
	if (n == 0)
		return cfg_fail(p, "missing section name in '[...]'");
	word[n] = '\0';
	return cfg_open_section(p, word, name);
}

/* Unquotes a value in place: `"..."` with \" and \\ escapes (any other
 * backslash is kept), then only white space or a # comment. */
static int cfg_unquote(struct cfg_parser *p, const char *key, char *s)
{
	char *r = s + 1, *w = s;

	for (;;) {
		if (*r == '\0')
			return cfg_fail_at(p, p->line, "%s: unterminated quote", key);
		if (*r == '"')
			break;
		if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
			r++;
		*w++ = *r++;
	}
	*w = '\0';
	r = cfg_skip_ws(r + 1);
	if (*r != '\0' && *r != '#')
		return cfg_fail_at(p, p->line, "%s: unexpected text after the closing quote", key);
	return 0;
}

/* Cuts a comment: a # at the value's start or after white space. */
static void cfg_cut_comment(char *v)
{
	for (char *q = v; *q; q++) {
		if (*q == '#' && (q == v || q[-1] == ' ' || q[-1] == '\t')) {
			*q = '\0';
			break;
		}
	}
	cfg_rtrim(v);
}

static int cfg_keyval(struct cfg_parser *p, char *s)
{
	char *eq = strchr(s, '='), *val;

	if (eq == NULL)
		return cfg_fail(p,
				"syntax error: '%.60s' is not 'key = value', a [section] or a "
				"comment",
				s);
	*eq = '\0';
	cfg_rtrim(s);
	if (*s == '\0')
		return cfg_fail(p, "syntax error: missing key before '='");
	for (const char *q = s; *q; q++)
		if (!isalnum((unsigned char)*q) && *q != '_' && *q != '-')
			return cfg_fail(p, "syntax error: '%.60s' is not a valid key name", s);
	if (p->sect == NULL)
		return cfg_fail(p, "key '%.60s' is outside any section (add a [section] above it)",
				s);
	val = cfg_skip_ws(eq + 1);
	if (*val == '"') {
		if (cfg_unquote(p, s, val) == -1)
			return -1;
	} else {
		cfg_cut_comment(val);
	}
	return cfg_set_key(p, s, val);
}

/* One line without its line ending. */
static int cfg_line(struct cfg_parser *p, const char *text, size_t n)
{
	char *s, *line;
	int rc = 0;

	if (memchr(text, '\0', n) != NULL)
		return cfg_fail(p, "line contains a NUL byte");
	if (!str_utf8_valid(text, n))
		return cfg_fail(p, "line is not valid UTF-8");
	line = xstrndup(text, n);
	s = cfg_skip_ws(line);
	cfg_rtrim(s);
	if (*s == '[')
		rc = cfg_header(p, s);
	else if (*s != '\0' && *s != '#' && *s != ';')
		rc = cfg_keyval(p, s);
	free(line);
	return rc;
}

/* ---- public API ---- */

struct config *cfg_default(void)
{
	struct config *cfg = xcalloc(1, sizeof *cfg);

	cfg->store_path = cfg_expand_home(CFG_DEFAULT_STORE);
	cfg->freemail_default = 1;
	cfg->plus_addressing = 1;
	cfg->autocreate_contacts = CFG_AUTOCREATE_NO;
	cfg->snippet_chars = 200;
	cfg->interval_s = 5 * 60;
	cfg->jitter_s = 30;
	cfg->workers = 4;
	cfg->per_server = 2;
	cfg->quiet_after_s = 24 * 3600;
	return cfg;
}

struct config *cfg_load_string(const char *name, const char *text, size_t len, struct err *err)
{
	struct cfg_parser p;
	const char *end = text + len;

	memset(&p, 0, sizeof p);
	p.cfg = cfg_default();
	p.cfg->path = xstrdup(name);
	p.file = name;
	p.err = err;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		text += 3;
	while (text < end) {
		const char *nl = memchr(text, '\n', (size_t)(end - text));
		size_t n = nl != NULL ? (size_t)(nl - text) : (size_t)(end - text);

		p.line++;
		if (n > 0 && text[n - 1] == '\r')
			n--;
		if (cfg_line(&p, text, n) == -1)
			goto fail;
		text = nl != NULL ? nl + 1 : end;
	}
	if (cfg_finish_section(&p) == -1)
		goto fail;
	return p.cfg;
fail:
	cfg_free(p.cfg);
	return NULL;
}

struct config *cfg_load(const char *path, struct err *err)
{
	struct config *cfg = NULL;
	struct buf b;
	char chunk[8192];
	FILE *fp;
	size_t n;

	buf_init(&b, CFG_MAX_FILE);
	if ((fp = fopen(path, "rb")) == NULL) {
		err_set(err, ERR_USAGE, "%s: cannot open: %s", path, strerror(errno));
		goto out;
	}
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
		if (buf_add(&b, chunk, n) == -1) {
			err_set(err, ERR_USAGE, "%s: larger than %d bytes", path, CFG_MAX_FILE);
			goto out;
		}
	}
	if (ferror(fp)) {
		err_set(err, ERR_USAGE, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	cfg = cfg_load_string(path, b.data, b.len, err);
out:
	if (fp != NULL)
		fclose(fp);
	buf_release(&b);
	return cfg;
}

static void cfg_account_release(struct cfg_account *a)
{
	free(a->name);
	free(a->file);
	free(a->owner);
	free(a->user);
	free(a->secret.cmd);
	free(a->secret.env);
	free(a->secret.file);
	free(a->ca_file);
	free(a->host);
	cfg_list_release(&a->folders);
	cfg_list_release(&a->private_folders);
	free(a->url);
	cfg_list_release(&a->calendars);
	free(a->timezone);
}

void cfg_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->naccounts; i++)
		cfg_account_release(&cfg->accounts[i]);
	free(cfg->accounts);
	free(cfg->path);
	free(cfg->store_path);
	cfg_list_release(&cfg->team_domains);
	cfg_list_release(&cfg->ignore);
	cfg_list_release(&cfg->freemail);
	free(cfg->bcc_address);
	free(cfg);
}

const struct cfg_account *cfg_find_account(const struct config *cfg, enum cfg_account_kind kind,
					   const char *name)
{
	for (size_t i = 0; i < cfg->naccounts; i++)
		if (cfg->accounts[i].kind == kind && strcmp(cfg->accounts[i].name, name) == 0)
			return &cfg->accounts[i];
	return NULL;
}

enum cfg_wire cfg_account_wire(const struct cfg_account *a)
{
	char host[256];
	int https = 1;

	if (a->kind == CFG_ACCOUNT_IMAP) {
		if (a->security != CFG_SEC_NONE)
			return CFG_WIRE_TLS;
		snprintf(host, sizeof host, "%s", a->host != NULL ? a->host : "");
	} else if (a->url == NULL || cfg_url_host(a->url, &https, host, sizeof host) != 0 ||
		   https) {
		return CFG_WIRE_TLS;
	}
	return cfg_is_loopback(host) ? CFG_WIRE_PLAIN_LOOPBACK : CFG_WIRE_PLAIN_ALLOWED;
}

/* ---- printing ---- */

static void cfg_print_list(FILE *fp, const char *key, const struct cfg_list *l, const char *none)
{
	fprintf(fp, "  %s: ", key);
	if (l->n == 0)
		fputs(none, fp);
	for (size_t i = 0; i < l->n; i++)
		fprintf(fp, "%s%s", i > 0 ? ", " : "", l->items[i]);
	fputc('\n', fp);
}

static void cfg_print_dur(FILE *fp, const char *key, int64_t s)
{
	static const struct {
		int64_t secs;
		char unit;
	} units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}};

	for (size_t i = 0; i < 3; i++) {
		if (s != 0 && s % units[i].secs == 0) {
			fprintf(fp, "  %s: %lld%c\n", key, (long long)(s / units[i].secs),
				units[i].unit);
			return;
		}
	}
	fprintf(fp, "  %s: %llds\n", key, (long long)s);
}

static const char *yn(int b)
{
	return b ? "yes" : "no";
}

static void cfg_print_secret(FILE *fp, const struct cfg_secret *s)
{
	if (s->env != NULL)
		fprintf(fp, "  password: from environment variable %s\n", s->env);
	else if (s->file != NULL)
		fprintf(fp, "  password: from file %s\n", s->file);
	else if (s->cmd != NULL)
		fprintf(fp, "  password: from the output of command %s\n", s->cmd);
}

static void cfg_print_imap(FILE *fp, const struct cfg_account *a)
{
	fprintf(fp, "  host: %s\n  port: %d\n  security: %s\n  auth: %s\n", a->host, a->port,
		security_names[a->security], auth_names[a->auth]);
	cfg_print_list(fp, "folders", &a->folders, "INBOX and the \\Sent folder (default)");
	cfg_print_list(fp, "private_folders", &a->private_folders, "(none)");
	cfg_print_dur(fp, "since", a->since_s);
}

static void cfg_print_caldav(FILE *fp, const struct cfg_account *a)
{
	fprintf(fp, "  url: %s\n  auth: %s\n", a->url, dav_auth_names[a->auth]);
	cfg_print_list(fp, "calendars", &a->calendars, "* (all)");
	cfg_print_dur(fp, "past", a->past_s);
	cfg_print_dur(fp, "future", a->future_s);
	fprintf(fp, "  timezone: %s\n", a->timezone != NULL ? a->timezone : "(the system zone)");
}

static void cfg_print_account(FILE *fp, const struct cfg_account *a)
{
	fprintf(fp, "\n[%s \"%s\"]  # %s:%d\n", cfg_kind_name(a->kind), a->name, a->file, a->line);
	fprintf(fp, "  owner: %s\n  user: %s\n", a->owner, a->user);
	cfg_print_secret(fp, &a->secret);
	if (a->kind == CFG_ACCOUNT_IMAP)
		cfg_print_imap(fp, a);
	else
		cfg_print_caldav(fp, a);
	fprintf(fp, "  capture: %s\n", capture_names[a->capture]);
	fprintf(fp, "  ca_file: %s\n", a->ca_file != NULL ? a->ca_file : "(the system store)");
	fprintf(fp, "  tls_verify: %s\n  allow_plaintext: %s\n", yn(a->tls_verify),
		yn(a->allow_plaintext));
	cfg_print_dur(fp, "timeout", a->timeout_s);
}

static void cfg_print_match(FILE *fp, const struct config *cfg)
{
	fprintf(fp, "\n[match]\n");
	cfg_print_list(fp, "ignore", &cfg->ignore, "(none)");
	fprintf(fp, "  freemail: %s", cfg->freemail_default ? "default" : "");
	for (size_t i = 0; i < cfg->freemail.n; i++)
		fprintf(fp, "%s%s", i > 0 || cfg->freemail_default ? ", " : "",
			cfg->freemail.items[i]);
	if (!cfg->freemail_default && cfg->freemail.n == 0)
		fputs("none", fp);
	fprintf(fp, "\n  plus_addressing: %s\n  autocreate_contacts: %s\n",
		yn(cfg->plus_addressing), autocreate_names[cfg->autocreate_contacts]);
	fprintf(fp, "  bcc_address: %s\n  snippet_chars: %d\n",
		cfg->bcc_address != NULL ? cfg->bcc_address : "(none)", cfg->snippet_chars);
}

void cfg_print(const struct config *cfg, FILE *fp)
{
	fprintf(fp, "# configuration from %s\n",
		cfg->path != NULL ? cfg->path : "built-in defaults");
	fprintf(fp, "\n[store]\n  path: %s\n", cfg->store_path);
	fprintf(fp, "\n[team]\n");
	cfg_print_list(fp, "domains", &cfg->team_domains, "(none)");
	fprintf(fp, "  log_internal: %s\n", yn(cfg->log_internal));
	for (size_t i = 0; i < cfg->naccounts; i++)
		cfg_print_account(fp, &cfg->accounts[i]);
	cfg_print_match(fp, cfg);
	fprintf(fp, "\n[schedule]\n");
	cfg_print_dur(fp, "interval", cfg->interval_s);
	cfg_print_dur(fp, "jitter", cfg->jitter_s);
	fprintf(fp, "  workers: %d\n  per_server: %d\n", cfg->workers, cfg->per_server);
	cfg_print_dur(fp, "quiet_after", cfg->quiet_after_s);
}

/* ---- secrets ---- */

/* Reads the first line of fp without "\n" or "\r\n" into b. Returns 0, or
 * -1 when the line is longer than CFG_MAX_SECRET. */
static int cfg_read_line(FILE *fp, struct buf *b)
{
	int c;

	while ((c = getc(fp)) != EOF && c != '\n')
		if (buf_addch(b, (char)c) == -1)
			return -1;
	if (b->len > 0 && b->data[b->len - 1] == '\r')
		b->data[--b->len] = '\0';
	return 0;
}

static void cfg_wipe(struct buf *b)
{
	if (b->cap > 0)
		explicit_bzero(b->data, b->cap);
	buf_release(b);
}

static char *cfg_secret_env(const char *who, const char *name, struct err *err)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0') {
		err_set(err, ERR_FINAL, "%s: environment variable %s (password_env) is %s", who,
			name, v == NULL ? "not set" : "empty");
		return NULL;
	}
	return xstrdup(v);
}

static char *cfg_secret_file(const char *who, const char *path, struct err *err)
{
	struct stat st;
	struct buf b;
	FILE *fp = NULL;
	char *s = NULL;
	int fd;

	buf_init(&b, CFG_MAX_SECRET);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) == -1) {
		err_set(err, ERR_FINAL, "%s: cannot open password_file '%s': %s", who, path,
			strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		err_set(err, ERR_FINAL, "%s: password_file '%s' is not a regular file", who, path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		err_set(err, ERR_FINAL,
			"%s: password_file '%s' is readable by group or others (chmod 600 it)", who,
			path);
		goto out;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		err_set(err, ERR_FINAL, "%s: cannot read password_file '%s': %s", who, path,
			strerror(errno));
		goto out;
	}
	fd = -1;
	if (cfg_read_line(fp, &b) == -1 || ferror(fp) || b.len == 0)
		err_set(err, ERR_FINAL, "%s: password_file '%s' %s", who, path,
			b.len == 0 ? "has an empty first line" : "cannot be read");
	else
		s = buf_detach(&b, NULL);
out:
	if (fd != -1)
		close(fd);
	if (fp != NULL)
		fclose(fp);
	cfg_wipe(&b);
	return s;
}

/* Reads what the command prints after its first line, so it does not die
 * of SIGPIPE, and forgets it. */
static void cfg_drain(FILE *fp)
{
	char junk[512];

	while (fread(junk, 1, sizeof junk, fp) > 0)
		;
	explicit_bzero(junk, sizeof junk);
}

/* 0 if the command exited with status 0, else -1 with the reason in err. */
static int cfg_cmd_status(const char *who, int status, struct err *err)
{
	if (status == -1)
		return err_set(err, ERR_FINAL, "%s: password_cmd failed: %s", who, strerror(errno));
	if (WIFSIGNALED(status))
		return err_set(err, ERR_FINAL, "%s: password_cmd failed (killed by signal %d)", who,
			       WTERMSIG(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(err, ERR_FINAL, "%s: password_cmd failed (exit status %d)", who,
			       WEXITSTATUS(status));
	return 0;
}

static char *cfg_secret_cmd(const char *who, const char *cmd, struct err *err)
{
	struct buf b;
	FILE *fp;
	char *s = NULL;
	int status, toolong;

	buf_init(&b, CFG_MAX_SECRET);
	if ((fp = popen(cmd, "r")) == NULL) {
		err_set(err, ERR_FINAL, "%s: cannot run password_cmd: %s", who, strerror(errno));
		return NULL;
	}
	toolong = cfg_read_line(fp, &b) == -1;
	cfg_drain(fp);
	status = pclose(fp);
	if (cfg_cmd_status(who, status, err) == -1)
		goto out;
	if (toolong || b.len == 0)
		err_set(err, ERR_FINAL, "%s: password_cmd printed %s", who,
			toolong ? "a first line that is too long" : "an empty first line");
	else
		s = buf_detach(&b, NULL);
out:
	cfg_wipe(&b);
	return s;
}

char *cfg_secret_resolve(const struct cfg_account *acct, struct err *err)
{
	char who[CFG_MAX_NAME + 32];
	char *s = NULL;

	snprintf(who, sizeof who, "%s account '%s'", cfg_kind_name(acct->kind), acct->name);
	if (acct->secret.env != NULL)
		s = cfg_secret_env(who, acct->secret.env, err);
	else if (acct->secret.file != NULL)
		s = cfg_secret_file(who, acct->secret.file, err);
	else if (acct->secret.cmd != NULL)
		s = cfg_secret_cmd(who, acct->secret.cmd, err);
	else
		err_set(err, ERR_FINAL, "%s: no password source configured", who);
	if (s != NULL)
		log_add_secret(s);
	return s;
}

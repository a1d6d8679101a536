/* tests/unit/test_config.c - the configuration loader (core/config.c).
 *
 * Table-driven: every kind of load error with its exact message (and so its
 * line), then the values and defaults of valid files, the SPEC example and
 * config.example, and the secret sources, which run real commands and read
 * real files under a temporary directory that is removed at the end.
 */
#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "tests/unit/t.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IMAP_A                      \
	"[imap \"a\"]\n"            \
	"host = imap.example.com\n" \
	"owner = a@example.com\n"   \
	"password_env = A_PW\n"

static char tmpdir[256];

static struct config *load(const char *text, struct err *err)
{
	err_init(err);
	return cfg_load_string("t.conf", text, strlen(text), err);
}

static const struct {
	const char *text;
	const char *want;
} bad_cases[] = {
	/* unknown keys, with and without a hint */
	{"[imap \"alice\"]\nhots = x\n",
	 "t.conf:2: [imap \"alice\"]: unknown key 'hots' (did you mean 'host'?)"},
	{"[caldav \"a\"]\nurl = https://x/\nownr = a@example.com\n",
	 "t.conf:3: [caldav \"a\"]: unknown key 'ownr' (did you mean 'owner'?)"},
	{"[match]\nsnipet_chars = 3\n",
	 "t.conf:2: [match]: unknown key 'snipet_chars' (did you mean 'snippet_chars'?)"},
	{"[store]\nfoo = 1\n", "t.conf:2: [store]: unknown key 'foo'"},
	{"[caldav \"a\"]\nhost = x\n",
	 "t.conf:2: [caldav \"a\"]: unknown key 'host' (it belongs in [imap \"NAME\"])"},
	{"[imap \"a\"]\ninterval = 5m\n",
	 "t.conf:2: [imap \"a\"]: unknown key 'interval' (it belongs in [schedule])"},
	/* sections */
	{"[imapp \"a\"]\n", "t.conf:1: unknown section [imapp] (did you mean [imap]?)"},
	{"[store]\npath = /x\n[shedule]\n",
	 "t.conf:3: unknown section [shedule] (did you mean [schedule]?)"},
	{"[IMAP \"a\"]\n", "t.conf:1: unknown section [IMAP] (did you mean [imap]?)"},
	{"[foo]\n", "t.conf:1: unknown section [foo]"},
	{"[imap]\n", "t.conf:1: [imap] needs an account name: [imap \"NAME\"]"},
	{"[store \"x\"]\n", "t.conf:1: [store] takes no name"},
	{"[imap \"a\"\n",
	 "t.conf:1: malformed section header (expected [section] or [section \"name\"])"},
	{"[store\n",
	 "t.conf:1: malformed section header (expected [section] or [section \"name\"])"},
	{"[imap \"a]\n", "t.conf:1: unterminated quote in section header"},
	{"[store] x\n", "t.conf:1: unexpected text after ']' in section header"},
	{"[]\n", "t.conf:1: missing section name in '[...]'"},
	{"[imap \"\"]\n", "t.conf:1: [imap \"\"]: the account name must not be empty"},
	{"[store]\n[team]\n[store]\n", "t.conf:3: duplicate section [store] (first at line 1)"},
	{IMAP_A "[caldav \"a\"]\nurl = https://d/\nowner = a@example.com\npassword_env = X\n"
		"[imap \"a\"]\n",
	 "t.conf:9: duplicate account [imap \"a\"] (first at line 1)"},
	/* line syntax */
	{"# c\n\n[store]\nthis is not valid\n",
	 "t.conf:4: syntax error: 'this is not valid' is not 'key = value', a [section] or a "
	 "comment"},
	{"host = x\n", "t.conf:1: key 'host' is outside any section (add a [section] above it)"},
	{"[store]\n = x\n", "t.conf:2: syntax error: missing key before '='"},
	{"[store]\nthe path = x\n", "t.conf:2: syntax error: 'the path' is not a valid key name"},
	{"[imap \"a\"]\nuser = \"abc\n", "t.conf:2: [imap \"a\"]: user: unterminated quote"},
	{"[imap \"a\"]\nuser = \"abc\" def\n",
	 "t.conf:2: [imap \"a\"]: user: unexpected text after the closing quote"},
	{"[imap \"a\"]\nhost =\n", "t.conf:2: [imap \"a\"]: host: missing value"},
	{"[imap \"a\"]\nhost = # none\n", "t.conf:2: [imap \"a\"]: host: missing value"},
	{"[imap \"a\"]\nhost = \"\"\n", "t.conf:2: [imap \"a\"]: host: missing value"},
	{"[store]\npath = /x\r\n\r\nfoo = 1\r\n", "t.conf:4: [store]: unknown key 'foo'"},
	{"\xef\xbb\xbf[store]\nfoo = 1", "t.conf:2: [store]: unknown key 'foo'"},
	{"[store]\npath = /x\xff\n", "t.conf:2: line is not valid UTF-8"},
	/* duplicates, required keys, password sources */
	{IMAP_A "host = imap2.example.com\n",
	 "t.conf:5: [imap \"a\"]: duplicate key 'host' (first set at line 2)"},
	{"[store]\n\n[imap \"a\"]\nowner = a@example.com\npassword_env = X\n[match]\n",
	 "t.conf:3: [imap \"a\"]: missing required key 'host'"},
	{"[imap \"a\"]\nhost = h\npassword_env = X\n",
	 "t.conf:1: [imap \"a\"]: missing required key 'owner'"},
	{"[team]\n[imap \"a\"]\nhost = h\nowner = a@example.com\n",
	 "t.conf:2: [imap \"a\"]: no password source (set one of password_cmd, password_env or "
	 "password_file)"},
	{"[caldav \"c\"]\nowner = a@example.com\npassword_env = X\n",
	 "t.conf:1: [caldav \"c\"]: missing required key 'url'"},
	{IMAP_A "password_cmd = pass show x\n",
	 "t.conf:5: [imap \"a\"]: password_cmd: only one password source is allowed "
	 "(password_env is already set at line 4)"},
	{"[caldav \"c\"]\npassword_file = /p\nurl = https://d/\npassword_env = X\n",
	 "t.conf:4: [caldav \"c\"]: password_env: only one password source is allowed "
	 "(password_file is already set at line 2)"},
	/* values */
	{IMAP_A "port = 99999\n",
	 "t.conf:5: [imap \"a\"]: port: '99999' is not a port number (1-65535)"},
	{IMAP_A "port = 0\n", "t.conf:5: [imap \"a\"]: port: '0' is not a port number (1-65535)"},
	{IMAP_A "port = imaps\n",
	 "t.conf:5: [imap \"a\"]: port: 'imaps' is not a port number (1-65535)"},
	{IMAP_A "timeout = 5x\n",
	 "t.conf:5: [imap \"a\"]: timeout: '5x' is not a duration (such as 30s, 5m, 2h, 365d)"},
	{IMAP_A "timeout = 0\n", "t.conf:5: [imap \"a\"]: timeout: '0' is too short (at least 1s)"},
	{IMAP_A "since = -1d\n",
	 "t.conf:5: [imap \"a\"]: since: '-1d' is not a duration (such as 30s, 5m, 2h, 365d)"},
	{"[schedule]\ninterval = 0s\n",
	 "t.conf:2: [schedule]: interval: '0s' is too short (at least 1s)"},
	{"[schedule]\nquiet_after = -1h\n",
	 "t.conf:2: [schedule]: quiet_after: '-1h' is not a duration (such as 30s, 5m, 2h, 365d)"},
	{IMAP_A "tls_verify = maybe\n",
	 "t.conf:5: [imap \"a\"]: tls_verify: 'maybe' is not a boolean (yes or no)"},
	{"[team]\nlog_internal = 2\n",
	 "t.conf:2: [team]: log_internal: '2' is not a boolean (yes or no)"},
	{IMAP_A "security = ssl\n",
	 "t.conf:5: [imap \"a\"]: security: 'ssl' is not one of tls | starttls | none"},
	{IMAP_A "auth = oauth\n",
	 "t.conf:5: [imap \"a\"]: auth: 'oauth' is not one of plain | login | xoauth2"},
	{IMAP_A "capture = all\n",
	 "t.conf:5: [imap \"a\"]: capture: 'all' is not one of metadata | subject | full"},
	{"[match]\nautocreate_contacts = always\n",
	 "t.conf:2: [match]: autocreate_contacts: 'always' is not one of no | sent | "
	 "sent_and_received"},
	{IMAP_A "folders = INBOX,,Sent\n",
	 "t.conf:5: [imap \"a\"]: folders: empty item in list 'INBOX,,Sent'"},
	{"[match]\nignore = a@b,\n", "t.conf:2: [match]: ignore: empty item in list 'a@b,'"},
	{"[imap \"a\"]\nowner = alice\n",
	 "t.conf:2: [imap \"a\"]: owner: 'alice' is not an email address"},
	{"[match]\nbcc_address = log@@x\n",
	 "t.conf:2: [match]: bcc_address: 'log@@x' is not an email address"},
	{"[imap \"a\"]\nhost = imap.example.com/x\n",
	 "t.conf:2: [imap \"a\"]: host: 'imap.example.com/x' is not a host name"},
	{"[team]\ndomains = example.com, exa mple.org\n",
	 "t.conf:2: [team]: domains: 'exa mple.org' is not a domain name"},
	{"[team]\ndomains = @example.com\n",
	 "t.conf:2: [team]: domains: '@example.com' is not a domain name"},
	{"[match]\nfreemail = none, default\n",
	 "t.conf:2: [match]: freemail: 'none' cannot be combined with other entries"},
	{"[match]\nfreemail = default, bad..domain\n",
	 "t.conf:2: [match]: freemail: 'bad..domain' is not a domain name"},
	{"[match]\nsnippet_chars = 10001\n",
	 "t.conf:2: [match]: snippet_chars: '10001' is not a number from 0 to 10000"},
	{"[caldav \"c\"]\nurl = ftp://d/\n",
	 "t.conf:2: [caldav \"c\"]: url: 'ftp://d/' is not an http:// or https:// URL"},
	{"[caldav \"c\"]\nurl = https://\n",
	 "t.conf:2: [caldav \"c\"]: url: 'https://' is not an http:// or https:// URL"},
	{"[caldav \"c\"]\nurl = https://bob:pw@d/\n",
	 "t.conf:2: [caldav \"c\"]: url: must not contain a user name or password (use user and "
	 "password_cmd, password_env or password_file)"},
	{"[caldav \"c\"]\ntimezone = Europe/../etc\n",
	 "t.conf:2: [caldav \"c\"]: timezone: 'Europe/../etc' is not an IANA time zone name (such "
	 "as Europe/Berlin)"},
	{"[imap \"a\"]\npassword_env = 1PW\n",
	 "t.conf:2: [imap \"a\"]: password_env: '1PW' is not an environment variable name"},
	/* clear text off loopback */
	{IMAP_A "security = none\n\n",
	 "t.conf:5: [imap \"a\"]: security = none would send the password in clear text to "
	 "'imap.example.com', which is not a loopback address (use tls or starttls, or set "
	 "allow_plaintext = yes)"},
	{"[imap \"a\"]\nhost = 10.0.0.1\nsecurity = none\nowner = a@example.com\n"
	 "password_env = X\nallow_plaintext = no\n",
	 "t.conf:3: [imap \"a\"]: security = none would send the password in clear text to "
	 "'10.0.0.1', which is not a loopback address (use tls or starttls, or set "
	 "allow_plaintext = yes)"},
	{"[caldav \"c\"]\nowner = a@example.com\nurl = http://dav.example.com:8080/cal/\n"
	 "password_env = X\n",
	 "t.conf:3: [caldav \"c\"]: url: plain http to 'dav.example.com', which is not a loopback "
	 "address, would send the password in clear text (use https://, or set allow_plaintext = "
	 "yes)"},
	{"[caldav \"c\"]\nowner = a@example.com\nurl = http://localhost.example.com/\n"
	 "password_env = X\n",
	 "t.conf:3: [caldav \"c\"]: url: plain http to 'localhost.example.com', which is not a "
	 "loopback address, would send the password in clear text (use https://, or set "
	 "allow_plaintext = yes)"},
};

/* CFG_MAX_ACCOUNTS (1000) and CFG_MAX_VALUE (64 KB): at the bound the file
 * loads, past it the error names the line. */
static void test_limits(void)
{
	struct config *cfg;
	struct err err;
	struct buf b;

	for (int extra = 0; extra <= 1; extra++) {
		buf_init(&b, 1 << 20);
		for (int i = 0; i < 1000 + extra; i++)
			buf_addf(&b,
				 "[imap \"a%d\"]\nhost = imap.example.com\nowner = a@example.com\n"
				 "password_env = A_PW\n",
				 i);
		cfg = load(b.data, &err);
		if (extra == 0) {
			T_OK(cfg != NULL && cfg->naccounts == 1000);
		} else {
			T_OK(cfg == NULL);
			T_STREQ(err.msg, "t.conf:4001: more than 1000 accounts");
		}
		cfg_free(cfg);
		buf_release(&b);
	}
	for (int extra = 0; extra <= 1; extra++) {
		buf_init(&b, 1 << 20);
		buf_addstr(&b, "[imap \"a\"]\nhost = imap.example.com\nowner = a@example.com\n"
			       "password_env = A_PW\nuser = ");
		for (int i = 0; i < 64 * 1024 + extra; i++)
			buf_addch(&b, 'p');
		buf_addstr(&b, "\n");
		cfg = load(b.data, &err);
		if (extra == 0) {
			T_OK(cfg != NULL);
		} else {
			T_OK(cfg == NULL);
			T_STREQ(err.msg, "t.conf:5: [imap \"a\"]: user: the value is longer than "
					 "65536 bytes");
		}
		cfg_free(cfg);
		buf_release(&b);
	}
}

static void test_bad(void)
{
	struct err err;

	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		struct config *cfg = load(bad_cases[i].text, &err);
		T_OK(cfg == NULL);
		T_INTEQ(err.kind, ERR_USAGE);
		T_STREQ(err.msg, bad_cases[i].want);
		cfg_free(cfg);
	}
	/* A NUL byte cannot sit in the table's C strings. */
	err_init(&err);
	T_OK(cfg_load_string("t.conf", "[store]\npa\0th = x\n", 17, &err) == NULL);
	T_STREQ(err.msg, "t.conf:2: line contains a NUL byte");
}

/* Key spellings that are all accepted, plaintext rules that pass. */
static const struct {
	const char *text;
} good_cases[] = {
	{IMAP_A "tls_verify = YES\nallow_plaintext = off\n"},
	{IMAP_A "tls_verify = true\nallow_plaintext = 0\n"},
	{IMAP_A "tls_verify = on\nallow_plaintext = false\n"},
	{"[imap \"a\"]\nhost = 127.0.0.1\nsecurity = none\nowner = a@example.com\n"
	 "password_env = X\n"},
	{"[imap \"a\"]\nhost = 127.3.4.5\nsecurity = none\nowner = a@example.com\n"
	 "password_env = X\n"},
	{"[imap \"a\"]\nhost = ::1\nsecurity = none\nowner = a@example.com\npassword_env = X\n"},
	{"[imap \"a\"]\nhost = [::1]\nsecurity = none\nowner = a@example.com\n"
	 "password_env = X\n"},
	{"[imap \"a\"]\nhost = LocalHost\nsecurity = none\nowner = a@example.com\n"
	 "password_env = X\n"},
	{"[imap \"a\"]\nhost = mail.example.com\nsecurity = none\nallow_plaintext = yes\n"
	 "owner = a@example.com\npassword_env = X\n"},
	{"[caldav \"c\"]\nowner = a@example.com\nurl = http://127.0.0.1:5232/\npassword_env = X\n"},
	{"[caldav \"c\"]\nowner = a@example.com\nurl = http://[::1]:5232/u/\npassword_env = X\n"},
	{"[caldav \"c\"]\nowner = a@example.com\nurl = HTTP://localhost/\npassword_env = X\n"},
	{"[caldav \"c\"]\nowner = a@example.com\nurl = http://dav.example.com/\n"
	 "allow_plaintext = 1\npassword_env = X\n"},
	{""},
	{"# only a comment"},
	{"\xef\xbb\xbf"},
	{"; semicolon comment\n\t# indented comment\n   \n[store]   # trailing comment\n"},
};

static void test_good(void)
{
	struct err err;

	for (size_t i = 0; i < sizeof good_cases / sizeof good_cases[0]; i++) {
		struct config *cfg = load(good_cases[i].text, &err);
		T_OK(cfg != NULL);
		if (cfg == NULL)
			fprintf(stderr, "  good case %zu: %s\n", i, err.msg);
		cfg_free(cfg);
	}
}

static const char spec_example[] =
	"[store]\n"
	"path = ~/.local/share/crmsync/crmsync.db\n"
	"\n"
	"[team]\n"
	"domains = example.com, Example.CO.UK     # mail between these only is internal\n"
	"log_internal = no\n"
	"\n"
	"[imap \"alice\"]\n"
	"host = imap.example.com\n"
	"port = 993\n"
	"security = tls            # tls | starttls | none (none only with host on loopback, "
	"or allow_plaintext = yes)\n"
	"user = alice@example.com\n"
	"password_cmd = pass show mail/alice    # or password_env = VAR, or password_file = "
	"PATH (mode 0600)\n"
	"auth = plain              # plain | login | xoauth2 (token from password_* source)\n"
	"folders = INBOX, Sent     # default: INBOX plus the \\Sent special-use folder\n"
	"owner = Alice@Example.com # the team member whose mailbox this is\n"
	"since = 365d              # first-sync window\n"
	"capture = full            # metadata | subject | full (5.5)\n"
	"private_folders = Personal\n"
	"ca_file = /etc/ssl/private-ca.pem      # optional\n"
	"timeout = 30s             # connect and each read; a silent server is abandoned "
	"after this\n"
	"\n"
	"[caldav \"alice\"]\n"
	"url = https://dav.example.com/       # server root or a calendar-home; discovery "
	"finds calendars\n"
	"user = alice@example.com\n"
	"password_env = ALICE_DAV_PASSWORD\n"
	"calendars = *              # or a list of display names / hrefs\n"
	"owner = alice@example.com\n"
	"past = 365d\n"
	"future = 90d\n"
	"timezone = Europe/Berlin  # for floating times and all-day events; default: the "
	"system zone\n"
	"\n"
	"[match]\n"
	"ignore = noreply@*, *@mailer.example.org   # never logged\n"
	"freemail = default        # built-in list of gmail.com, outlook.com ...: no company "
	"match by domain\n"
	"plus_addressing = yes     # a+tag@x is a@x\n"
	"autocreate_contacts = no  # no | sent | sent_and_received (5.5)\n"
	"bcc_address = log@crm.example.com      # mail copied here is logged, its people "
	"made contacts (5.4)\n"
	"snippet_chars = 200       # 0 keeps no body text\n"
	"\n"
	"[schedule]\n"
	"interval = 5m\n"
	"jitter = 30s\n";

static void test_spec_imap(const struct cfg_account *a)
{
	T_OK(a != NULL);
	if (a == NULL)
		return;
	T_STREQ(a->host, "imap.example.com");
	T_INTEQ(a->port, 993);
	T_INTEQ(a->security, CFG_SEC_TLS);
	T_STREQ(a->user, "alice@example.com");
	T_STREQ(a->secret.cmd, "pass show mail/alice");
	T_OK(a->secret.env == NULL && a->secret.file == NULL);
	T_INTEQ(a->auth, CFG_AUTH_PLAIN);
	T_INTEQ(a->folders.n, 2);
	if (a->folders.n == 2) {
		T_STREQ(a->folders.items[0], "INBOX");
		T_STREQ(a->folders.items[1], "Sent");
	}
	T_STREQ(a->owner, "alice@example.com");
	T_INTEQ(a->since_s, 365 * 86400);
	T_INTEQ(a->capture, CFG_CAPTURE_FULL);
	T_INTEQ(a->private_folders.n, 1);
	T_STREQ(a->ca_file, "/etc/ssl/private-ca.pem");
	T_INTEQ(a->timeout_s, 30);
	T_INTEQ(a->line, 8);
	T_STREQ(a->file, "spec.conf");
}

static void test_spec_caldav(const struct cfg_account *c)
{
	T_OK(c != NULL);
	if (c == NULL)
		return;
	T_STREQ(c->url, "https://dav.example.com/");
	T_STREQ(c->secret.env, "ALICE_DAV_PASSWORD");
	T_INTEQ(c->calendars.n, 1);
	if (c->calendars.n == 1)
		T_STREQ(c->calendars.items[0], "*");
	T_INTEQ(c->past_s, 365 * 86400);
	T_INTEQ(c->future_s, 90 * 86400);
	T_STREQ(c->timezone, "Europe/Berlin");
	T_INTEQ(c->tls_verify, 1);
	T_INTEQ(c->line, 23);
}

static void test_spec(void)
{
	struct config *cfg;
	struct err err;

	err_init(&err);
	setenv("HOME", "/home/tester", 1);
	cfg = cfg_load_string("spec.conf", spec_example, strlen(spec_example), &err);
	T_OK(cfg != NULL);
	if (cfg == NULL) {
		fprintf(stderr, "  %s\n", err.msg);
		return;
	}
	T_STREQ(cfg->path, "spec.conf");
	T_STREQ(cfg->store_path, "/home/tester/.local/share/crmsync/crmsync.db");
	T_INTEQ(cfg->team_domains.n, 2);
	if (cfg->team_domains.n == 2)
		T_STREQ(cfg->team_domains.items[1], "example.co.uk");
	T_INTEQ(cfg->log_internal, 0);
	T_INTEQ(cfg->naccounts, 2);
	test_spec_imap(cfg_find_account(cfg, CFG_ACCOUNT_IMAP, "alice"));
	test_spec_caldav(cfg_find_account(cfg, CFG_ACCOUNT_CALDAV, "alice"));
	T_OK(cfg_find_account(cfg, CFG_ACCOUNT_IMAP, "bob") == NULL);
	T_INTEQ(cfg->ignore.n, 2);
	if (cfg->ignore.n == 2)
		T_STREQ(cfg->ignore.items[1], "*@mailer.example.org");
	T_INTEQ(cfg->freemail_default, 1);
	T_INTEQ(cfg->freemail.n, 0);
	T_INTEQ(cfg->plus_addressing, 1);
	T_INTEQ(cfg->autocreate_contacts, CFG_AUTOCREATE_NO);
	T_STREQ(cfg->bcc_address, "log@crm.example.com");
	T_INTEQ(cfg->snippet_chars, 200);
	T_INTEQ(cfg->interval_s, 300);
	T_INTEQ(cfg->jitter_s, 30);
	cfg_free(cfg);
}

static void test_defaults(void)
{
	struct config *cfg = cfg_default();
	const struct cfg_account *a;
	struct err err;

	T_STREQ(cfg->store_path, "/home/tester/.local/share/crmsync/crmsync.db");
	T_OK(cfg->path == NULL);
	T_INTEQ(cfg->naccounts, 0);
	T_INTEQ(cfg->freemail_default, 1);
	T_INTEQ(cfg->plus_addressing, 1);
	T_INTEQ(cfg->snippet_chars, 200);
	T_INTEQ(cfg->interval_s, 300);
	T_INTEQ(cfg->jitter_s, 30);
	T_INTEQ(cfg->quiet_after_s, 24 * 3600);
	T_INTEQ(cfg->log_internal, 0);
	T_OK(cfg->bcc_address == NULL);
	cfg_free(cfg);

	cfg = load(IMAP_A, &err);
	a = cfg != NULL ? cfg_find_account(cfg, CFG_ACCOUNT_IMAP, "a") : NULL;
	T_OK(a != NULL);
	if (a != NULL) {
		T_INTEQ(a->port, 993);
		T_INTEQ(a->security, CFG_SEC_TLS);
		T_INTEQ(a->auth, CFG_AUTH_PLAIN);
		T_STREQ(a->user, "a@example.com");
		T_INTEQ(a->tls_verify, 1);
		T_INTEQ(a->allow_plaintext, 0);
		T_INTEQ(a->timeout_s, 30);
		T_INTEQ(a->since_s, 365 * 86400);
		T_INTEQ(a->capture, CFG_CAPTURE_FULL);
		T_INTEQ(a->folders.n, 0);
		T_OK(a->ca_file == NULL);
	}
	cfg_free(cfg);
}

static void test_ports(void)
{
	static const struct {
		const char *extra;
		int port;
	} cases[] = {
		{"security = starttls\n", 143},
		{"host = 127.0.0.1\nsecurity = none\n", 143},
		{"security = tls\n", 993},
		{"security = starttls\nport = 1143\n", 1143},
	};
	struct err err;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *text = xasprintf(
			"[imap \"a\"]\nowner = a@example.com\npassword_env = X\n%s%s",
			cases[i].extra, strstr(cases[i].extra, "host") ? "" : "host = h.example\n");
		struct config *cfg = load(text, &err);
		T_OK(cfg != NULL);
		if (cfg != NULL)
			T_INTEQ(cfg->accounts[0].port, cases[i].port);
		cfg_free(cfg);
		free(text);
	}
}

static void test_values(void)
{
	static const char text[] =
		"\xef\xbb\xbf[imap \"a\"]\r\n"
		"host = imap.example.com # comment\r\n"
		"owner = \"A@Example.COM\"\r\n"
		"password_cmd = \"pass show 'mail/#work'\"   # the # inside quotes stays\r\n"
		"user = \"  spaced \\\"user\\\" \\\\ \\n \"\r\n"
		"folders = \"INBOX, #work\"\r\n"
		"private_folders = a#b , c;d\r\n"
		"since = 2w\r\n"
		"[schedule]\r\n"
		"quiet_after = 0\r\n"
		"[match]\r\n"
		"freemail = default, Mail.Example\r\n"
		"ignore = \t *@x \t";
	struct config *cfg;
	const struct cfg_account *a;
	struct err err;

	cfg = load(text, &err);
	T_OK(cfg != NULL);
	if (cfg == NULL) {
		fprintf(stderr, "  %s\n", err.msg);
		return;
	}
	a = &cfg->accounts[0];
	T_STREQ(a->host, "imap.example.com");
	T_STREQ(a->owner, "a@example.com");
	T_STREQ(a->secret.cmd, "pass show 'mail/#work'");
	T_STREQ(a->user, "  spaced \"user\" \\ \\n ");
	T_INTEQ(a->folders.n, 2);
	if (a->folders.n == 2)
		T_STREQ(a->folders.items[1], "#work");
	T_INTEQ(a->private_folders.n, 2);
	if (a->private_folders.n == 2) {
		T_STREQ(a->private_folders.items[0], "a#b");
		T_STREQ(a->private_folders.items[1], "c;d");
	}
	T_INTEQ(a->since_s, 14 * 86400);
	T_INTEQ(cfg->quiet_after_s, 0);
	T_INTEQ(cfg->freemail_default, 1);
	T_INTEQ(cfg->freemail.n, 1);
	if (cfg->freemail.n == 1)
		T_STREQ(cfg->freemail.items[0], "mail.example");
	T_INTEQ(cfg->ignore.n, 1);
	if (cfg->ignore.n == 1)
		T_STREQ(cfg->ignore.items[0], "*@x");
	cfg_free(cfg);
}

static void test_match(void)
{
	static const struct {
		const char *text;
		int freemail_default;
		size_t nfreemail;
		int autocreate;
	} cases[] = {
		{"[match]\nfreemail = none\n", 0, 0, CFG_AUTOCREATE_NO},
		{"[match]\nfreemail = own.example, other.example\n", 0, 2, CFG_AUTOCREATE_NO},
		{"[match]\nfreemail = default\nautocreate_contacts = sent\n", 1, 0,
		 CFG_AUTOCREATE_SENT},
		{"[match]\nautocreate_contacts = Sent_And_Received\n", 1, 0,
		 CFG_AUTOCREATE_SENT_AND_RECEIVED},
	};
	struct err err;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct config *cfg = load(cases[i].text, &err);
		T_OK(cfg != NULL);
		if (cfg == NULL)
			continue;
		T_INTEQ(cfg->freemail_default, cases[i].freemail_default);
		T_INTEQ(cfg->freemail.n, cases[i].nfreemail);
		T_INTEQ(cfg->autocreate_contacts, cases[i].autocreate);
		cfg_free(cfg);
	}
}

static void test_expand_home(void)
{
	static const struct {
		const char *home, *in, *want;
	} cases[] = {
		{"/home/tester", "~/x/y", "/home/tester/x/y"},
		{"/home/tester/", "~/x", "/home/tester/x"},
		{"/home/tester", "~", "/home/tester"},
		{"/home/tester", "/abs/~/x", "/abs/~/x"},
		{"/home/tester", "~bob/x", "~bob/x"},
		{"/home/tester", "rel/x", "rel/x"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got;
		setenv("HOME", cases[i].home, 1);
		got = cfg_expand_home(cases[i].in);
		T_STREQ(got, cases[i].want);
		free(got);
	}
	setenv("HOME", "/home/tester", 1);
}

static char *tmp_path(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	T_OK(fd != -1);
	if (fd == -1)
		return;
	T_INTEQ(write(fd, text, strlen(text)), (long long)strlen(text));
	T_INTEQ(fchmod(fd, mode), 0);
	close(fd);
}

static void test_load_file(void)
{
	char *path = tmp_path("crmsync.conf");
	struct config *cfg;
	struct err err;
	char *want;

	err_init(&err);
	T_OK(cfg_load("/nonexistent/crmsync.conf", &err) == NULL);
	T_INTEQ(err.kind, ERR_USAGE);
	T_STREQ(err.msg, "/nonexistent/crmsync.conf: cannot open: No such file or directory");

	err_init(&err);
	T_OK(cfg_load(tmpdir, &err) == NULL);
	T_INTEQ(err.kind, ERR_USAGE);
	want = xasprintf("%s: cannot read: Is a directory", tmpdir);
	T_STREQ(err.msg, want);
	free(want);

	write_file(path, "[store]\npath = /tmp/x.db\n[imap \"a\"]\nhots = x\n", 0644);
	err_init(&err);
	T_OK(cfg_load(path, &err) == NULL);
	want = xasprintf("%s:4: [imap \"a\"]: unknown key 'hots' (did you mean 'host'?)", path);
	T_STREQ(err.msg, want);
	free(want);

	write_file(path, "[store]\npath = /tmp/x.db", 0644);
	err_init(&err);
	cfg = cfg_load(path, &err);
	T_OK(cfg != NULL);
	if (cfg != NULL) {
		T_STREQ(cfg->path, path);
		T_STREQ(cfg->store_path, "/tmp/x.db");
	}
	cfg_free(cfg);
	unlink(path);
	free(path);
}

/* Every key of SPEC §3, which config.example must document. */
static const char *const all_keys[] = {
	"path",
	"domains",
	"log_internal",
	"host",
	"port",
	"security",
	"user",
	"password_cmd",
	"password_env",
	"password_file",
	"auth",
	"folders",
	"owner",
	"since",
	"capture",
	"private_folders",
	"ca_file",
	"timeout",
	"tls_verify",
	"allow_plaintext",
	"url",
	"calendars",
	"past",
	"future",
	"timezone",
	"ignore",
	"freemail",
	"plus_addressing",
	"autocreate_contacts",
	"bcc_address",
	"snippet_chars",
	"interval",
	"jitter",
	"quiet_after",
};

static void test_example(void)
{
	char *path = xstrdup(__FILE__), *dir_end = strstr(path, "tests/unit/test_config.c");
	char *example, *text;
	struct config *cfg;
	struct err err;
	FILE *fp;

	if (dir_end != NULL)
		*dir_end = '\0';
	example = xasprintf("%sconfig.example", path);
	err_init(&err);
	cfg = cfg_load(example, &err);
	T_OK(cfg != NULL);
	if (cfg == NULL)
		fprintf(stderr, "  %s\n", err.msg);
	else
		T_INTEQ(cfg->naccounts, 2);
	cfg_free(cfg);

	text = xcalloc(1, 65536);
	fp = fopen(example, "r");
	T_OK(fp != NULL);
	if (fp != NULL) {
		T_OK(fread(text, 1, 65535, fp) > 0);
		fclose(fp);
	}
	for (size_t i = 0; i < sizeof all_keys / sizeof all_keys[0]; i++) {
		char *active = xasprintf("\n%s = ", all_keys[i]);
		char *commented = xasprintf("\n# %s = ", all_keys[i]);
		T_OK(strstr(text, active) != NULL || strstr(text, commented) != NULL);
		free(active);
		free(commented);
	}
	free(text);
	free(example);
	free(path);
}

static struct config *secret_config(const char *source_line)
{
	char *text = xasprintf("[imap \"a\"]\nhost = h\nowner = a@example.com\n%s\n", source_line);
	struct config *cfg;
	struct err err;

	cfg = load(text, &err);
	T_OK(cfg != NULL);
	if (cfg == NULL)
		fprintf(stderr, "  %s\n", err.msg);
	free(text);
	return cfg;
}

/* Resolves the secret of a one-account config; want NULL expects failure
 * with `want_msg` in the message, and the message must never show `leak`. */
static void check_secret(const char *source_line, const char *want, const char *want_msg,
			 const char *leak)
{
	struct config *cfg = secret_config(source_line);
	struct err err;
	char *got;

	if (cfg == NULL)
		return;
	err_init(&err);
	got = cfg_secret_resolve(&cfg->accounts[0], &err);
	T_STREQ(got, want);
	if (want == NULL) {
		T_INTEQ(err.kind, ERR_FINAL);
		T_OK(strstr(err.msg, want_msg) != NULL);
		if (strstr(err.msg, want_msg) == NULL)
			fprintf(stderr, "  message: %s\n", err.msg);
		T_OK(strstr(err.msg, "imap account 'a'") != NULL);
	}
	if (leak != NULL)
		T_OK(strstr(err.msg, leak) == NULL);
	free(got);
	cfg_free(cfg);
}

static void test_secret_sources(void)
{
	char *file = tmp_path("pw"), *line;

	setenv("CRMSYNC_TEST_PW", "env-secret-1", 1);
	check_secret("password_env = CRMSYNC_TEST_PW", "env-secret-1", NULL, NULL);
	setenv("CRMSYNC_TEST_PW", "", 1);
	check_secret("password_env = CRMSYNC_TEST_PW", NULL,
		     "environment variable CRMSYNC_TEST_PW (password_env) is empty", NULL);
	unsetenv("CRMSYNC_TEST_PW");
	check_secret("password_env = CRMSYNC_TEST_PW", NULL,
		     "environment variable CRMSYNC_TEST_PW (password_env) is not set", NULL);

	line = xasprintf("password_file = \"%s\"", file);
	write_file(file, "file-secret-2\r\nsecond line\n", 0600);
	check_secret(line, "file-secret-2", NULL, NULL);
	write_file(file, "file-secret-3", 0400);
	check_secret(line, "file-secret-3", NULL, NULL);
	write_file(file, "file-secret-4\n", 0644);
	check_secret(line, NULL, "is readable by group or others (chmod 600 it)", "file-secret-4");
	write_file(file, "file-secret-5\n", 0620);
	check_secret(line, NULL, "is readable by group or others (chmod 600 it)", NULL);
	write_file(file, "\nfile-secret-6\n", 0600);
	check_secret(line, NULL, "has an empty first line", "file-secret-6");
	unlink(file);
	check_secret(line, NULL, "cannot open password_file", NULL);
	T_INTEQ(mkfifo(file, 0600), 0);
	check_secret(line, NULL, "is not a regular file", NULL);
	unlink(file);
	free(line);
	line = xasprintf("password_file = %s", tmpdir);
	check_secret(line, NULL, "is not a regular file", NULL);
	free(line);
	free(file);

	check_secret("password_cmd = printf 'cmd-secret-7\\r\\nmore\\n'", "cmd-secret-7", NULL,
		     NULL);
	check_secret("password_cmd = echo cmd-secret-8", "cmd-secret-8", NULL, NULL);
	check_secret("password_cmd = seq 1000 200000", "1000", NULL, NULL);
	check_secret("password_cmd = echo cmd-leak-9; exit 3", NULL,
		     "password_cmd failed (exit status 3)", "cmd-leak-9");
	check_secret("password_cmd = true", NULL, "password_cmd printed an empty first line", NULL);
	check_secret("password_cmd = kill -TERM $$", NULL, "killed by signal 15", NULL);
}

static void test_secret_masked(void)
{
	struct config *cfg = secret_config("password_cmd = echo cmd-secret-10");
	struct err err;
	char *s, *red;

	if (cfg == NULL)
		return;
	err_init(&err);
	s = cfg_secret_resolve(&cfg->accounts[0], &err);
	T_STREQ(s, "cmd-secret-10");
	red = log_redact("login with cmd-secret-10 failed");
	T_OK(strstr(red, "cmd-secret-10") == NULL);
	free(red);
	free(s);
	cfg_free(cfg);
}

static char *print_to_string(const struct config *cfg)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	cfg_print(cfg, fp);
	fclose(fp);
	return out;
}

static void test_print(void)
{
	static const char text[] =
		IMAP_A "[caldav \"c\"]\nurl = https://d.example/\nowner = c@example.com\n"
		       "password_file = /etc/pw\n"
		       "[imap \"b\"]\nhost = h\nowner = b@example.com\npassword_cmd = pass show b\n"
		       "[match]\nfreemail = none\n";
	struct config *cfg;
	struct err err;
	char *out, *s;

	setenv("A_PW", "print-secret-11", 1);
	cfg = load(text, &err);
	T_OK(cfg != NULL);
	if (cfg == NULL)
		return;
	s = cfg_secret_resolve(&cfg->accounts[0], &err);
	T_STREQ(s, "print-secret-11");
	out = print_to_string(cfg);
	T_OK(strstr(out, "print-secret-11") == NULL);
	T_OK(strstr(out, "[imap \"a\"]  # t.conf:1\n") != NULL);
	T_OK(strstr(out, "  password: from environment variable A_PW\n") != NULL);
	T_OK(strstr(out, "  password: from file /etc/pw\n") != NULL);
	T_OK(strstr(out, "  password: from the output of command pass show b\n") != NULL);
	T_OK(strstr(out, "  host: imap.example.com\n  port: 993\n") != NULL);
	T_OK(strstr(out, "  since: 365d\n") != NULL);
	T_OK(strstr(out, "  timeout: 30s\n") != NULL);
	T_OK(strstr(out, "  future: 90d\n") != NULL);
	T_OK(strstr(out, "  freemail: none\n") != NULL);
	T_OK(strstr(out, "  interval: 5m\n") != NULL);
	T_OK(strstr(out, "  quiet_after: 1d\n") != NULL);
	free(out);
	free(s);
	cfg_free(cfg);
	unsetenv("A_PW");

	cfg = cfg_default();
	out = print_to_string(cfg);
	T_OK(strstr(out, "# configuration from built-in defaults\n") != NULL);
	T_OK(strstr(out, "  freemail: default\n") != NULL);
	free(out);
	cfg_free(cfg);
}

int main(void)
{
	const char *base = getenv("TMPDIR");
	char *home = getenv("HOME") != NULL ? xstrdup(getenv("HOME")) : NULL;

	snprintf(tmpdir, sizeof tmpdir, "%s/crmsync-test-config-XXXXXX",
		 base != NULL && *base != '\0' ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	setenv("HOME", "/home/tester", 1);
	test_bad();
	test_limits();
	test_good();
	test_spec();
	test_defaults();
	test_ports();
	test_values();
	test_match();
	test_expand_home();
	test_load_file();
	test_example();
	test_secret_sources();
	test_secret_masked();
	test_print();
	log_clear_secrets();
	T_INTEQ(rmdir(tmpdir), 0);
	if (home != NULL)
		setenv("HOME", home, 1);
	free(home);
	return t_done("config");
}

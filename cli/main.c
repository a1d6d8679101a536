/* cli/main.c - the crmsync program: global options and command dispatch.
 *
 * `crmsync [-c FILE] [-d PATH] [-v|-q] COMMAND [ARGS]`. Global options come
 * before the command; each command parses its own. Nothing here knows
 * about protocols or SQL.
 */
#include "cli/cli.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "core/version.h"
#include "core/xalloc.h"
#include "store/store.h"
#include "sync/davc.h"

#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct command {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"init", cmd_init, "create or migrate the database"},
	{"import", cmd_import,
	 "load or update users, companies, contacts, stages or deals from CSV"},
	{"sync", cmd_sync, "fetch new mail from every account and log it as activities"},
	{"daemon", cmd_daemon, "sync on the [schedule] until SIGTERM, new mail within seconds"},
	{"status", cmd_status, "per account: the last run, errors, sync state and health"},
	{"activities", cmd_activities, "print the activity timeline (text, JSON Lines or CSV)"},
	{"review", cmd_review, "list activities whose deal is ambiguous"},
	{"link", cmd_link, "link an activity to a deal by hand"},
	{"rematch", cmd_rematch, "run the matching rules again over stored activities"},
	{"why", cmd_why, "explain what happened to a message, activity or address"},
	{"purge", cmd_purge, "forget an address or domain everywhere"},
	{"report", cmd_report, "activity, attribution, funnel and forecast reports"},
	{"check-config", cmd_check_config,
	 "check the config, then try every account's connection and login"},
};

static void usage(FILE *fp)
{
	fputs("usage: crmsync [-c FILE] [-d PATH] [-v|-q] COMMAND [ARGS]\n"
	      "\n"
	      "crmsync logs a sales team's mail and meetings as CRM activities.\n"
	      "\n"
	      "global options:\n"
	      "  -c FILE     config file (default $CRMSYNC_CONFIG, then ~/.config/crmsync/config)\n"
	      "  -d PATH     database file (overrides [store] path)\n"
	      "  -v          per-folder detail; -vv adds a protocol trace (credentials hidden)\n"
	      "  -q          errors only\n"
	      "  --help      this help; COMMAND --help for a command's\n"
	      "  --version   print the version\n"
	      "\n"
	      "commands:\n",
	      fp);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(fp, "  %-13s %s\n", commands[i].name, commands[i].summary);
}

const struct config *cli_config(struct cli *c)
{
	struct err err;
	struct stat sb;

	if (c->cfg != NULL)
		return c->cfg;
	err_init(&err);
	if (!c->config_explicit && stat(c->config_path, &sb) == -1) {
		c->cfg = cfg_default();
		return c->cfg;
	}
	c->cfg = cfg_load(c->config_path, &err);
	if (c->cfg == NULL)
		cli_fail(&err);
	return c->cfg;
}

struct store *cli_store(struct cli *c, int flags, int *exit_out)
{
	const struct config *cfg;
	struct store *st;
	struct err err;

	err_init(&err);
	if (c->db_path == NULL) {
		if ((cfg = cli_config(c)) == NULL) {
			*exit_out = EXIT_USAGE;
			return NULL;
		}
		c->db_path = cfg->store_path;
	}
	st = store_open(c->db_path, flags, &err);
	if (st == NULL)
		*exit_out = cli_fail(&err);
	return st;
}

int cli_fail(const struct err *err)
{
	log_errorx("%s", err->msg);
	return err->kind == ERR_TEMP && strstr(err->msg, "database") ? EXIT_DB : err_exit_code(err);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "crmsync: %s: %s (see 'crmsync %s --help')\n", cmd, msg, cmd);
	return EXIT_USAGE;
}

int cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

void cli_accounts_add(struct cli_accounts *s, const char *name)
{
	s->names = xreallocarray(s->names, s->n + 1, sizeof *s->names);
	s->names[s->n++] = name;
}

int cli_accounts_has(const struct cli_accounts *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->names[i], name) == 0)
			return 1;
	return s->n == 0;
}

int cli_accounts_check(const struct cli_accounts *s, const struct config *cfg, const char *cmd)
{
	for (size_t i = 0; i < s->n; i++) {
		size_t k = 0;

		while (k < cfg->naccounts && strcmp(cfg->accounts[k].name, s->names[i]) != 0)
			k++;
		if (k == cfg->naccounts)
			return cli_usage(cmd, "no account named '%s' in the config", s->names[i]);
	}
	return EXIT_OK;
}

void cli_accounts_release(struct cli_accounts *s)
{
	free(s->names);
	s->names = NULL;
	s->n = 0;
}

static const struct command *find_command(const char *name)
{
	const struct command *best = NULL;
	int bestd = 3;

	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		int d = str_edit_distance(commands[i].name, name);
		if (d < bestd) {
			bestd = d;
			best = &commands[i];
		}
	}
	if (best != NULL)
		fprintf(stderr, "crmsync: unknown command '%s' (did you mean '%s'?)\n", name,
			best->name);
	else
		fprintf(stderr, "crmsync: unknown command '%s' (see 'crmsync --help')\n", name);
	return NULL;
}

/* The clock of this run; CRMSYNC_NOW (RFC 3339) pins it for tests. */
static int64_t cli_now(void)
{
	const char *s = getenv("CRMSYNC_NOW");
	int64_t t;

	if (s != NULL && tu_parse_date(s, &t) == 0)
		return t;
	return (int64_t)time(NULL);
}

static char *default_config_path(void)
{
	const char *env = getenv("CRMSYNC_CONFIG");
	const char *xdg = getenv("XDG_CONFIG_HOME");

	if (env != NULL && *env)
		return xstrdup(env);
	if (xdg != NULL && *xdg == '/')
		return xasprintf("%s/crmsync/config", xdg);
	return cfg_expand_home("~/.config/crmsync/config");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct cli c = {0};
	char *cfgpath = NULL;
	const struct command *cmd;
	int ch, verbosity = LOG_LVL_INFO, rc;

	umask(077);
	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt_long(argc, argv, "+c:d:vqhV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			c.config_path = optarg;
			c.config_explicit = 1;
			break;
		case 'd':
			c.db_path = optarg;
			break;
		case 'v':
			verbosity++;
			break;
		case 'q':
			verbosity = LOG_LVL_QUIET;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("crmsync %s\n", CRMSYNC_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	/* -vv is the protocol trace (credentials hidden), with the debug lines. */
	if (verbosity >= LOG_LVL_DEBUG)
		verbosity = LOG_LVL_TRACE;
	log_init(verbosity);
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((cmd = find_command(argv[optind])) == NULL)
		return EXIT_USAGE;
	if (c.config_path == NULL) {
		c.config_explicit = getenv("CRMSYNC_CONFIG") != NULL;
		c.config_path = cfgpath = default_config_path();
	}
	c.now = cli_now();
	davc_global_init();
	argc -= optind;
	argv += optind;
	optind = 0; /* GNU getopt: re-initialise for the command's own options */
	rc = cmd->fn(&c, argc, argv);
	cfg_free(c.cfg);
	free(cfgpath);
	log_clear_secrets();
	davc_global_cleanup();
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "crmsync: cannot write output\n");
		if (rc == 0)
			rc = 1;
	}
	return rc;
}

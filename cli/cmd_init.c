/* cli/cmd_init.c - `crmsync init` and `crmsync check-config`.
 *
 * check-config reads the config, its secrets and owners, then tries every
 * account's connection (sync/check.h) and words one verdict a line.
 */
#include "cli/cli.h"
#include "core/config.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "store/store.h"
#include "sync/check.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_init(struct cli *c, int argc, char **argv)
{
	struct store *st;
	int rc = EXIT_OK;

	if (cli_wants_help(argc, argv)) {
		puts("usage: crmsync init\n\n"
		     "Creates the database (mode 0600, in a 0700 directory when the directory\n"
		     "is new) or migrates it to the current schema. Every other command also\n"
		     "migrates on open. The path is -d PATH, else [store] path of the config.");
		return EXIT_OK;
	}
	if (argc > 1)
		return cli_usage("init", "unexpected argument '%s'", argv[1]);
	if ((st = cli_store(c, 0, &rc)) == NULL)
		return rc;
	printf("database %s at schema version %d\n", c->db_path, store_schema_version(st));
	store_close(&st);
	return EXIT_OK;
}

struct check_args {
	struct cli_accounts accounts;
	int offline;
};

static int check_usage(FILE *fp)
{
	fputs("usage: crmsync check-config [--offline] [--account NAME]...\n"
	      "\n"
	      "Parses the config file, prints it with secrets masked, resolves every\n"
	      "account's password source and checks that each account's owner is an\n"
	      "imported user. Then connects to every account, one after the other, the\n"
	      "way sync does (TLS verified unless tls_verify = no, the account's timeout)\n"
	      "and prints one line per account: ok, with the folders or calendars sync\n"
	      "would read, or FAILED at connect, TLS, login, folders or calendars, with\n"
	      "the reason and what to do. A configured folder or calendar the server\n"
	      "lacks is a failure. --offline connects to nothing; --account limits the\n"
	      "checks to the named accounts.\n"
	      "\n"
	      "Exit 0 when all is well, 1 when some account failed to connect, log in or\n"
	      "find its folders or calendars, 2 for config problems (syntax, secrets,\n"
	      "owners).\n"
	      "\n"
	      "example: crmsync check-config --account alice\n",
	      fp);
	return fp == stdout ? EXIT_OK : EXIT_USAGE;
}

static int check_parse(int argc, char **argv, struct check_args *a)
{
	static const struct option opts[] = {
		{"account", required_argument, NULL, 'a'},
		{"offline", no_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'o') {
			a->offline = 1;
		} else if (ch == 'a') {
			cli_accounts_add(&a->accounts, optarg);
		} else {
			check_usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		cli_usage("check-config", "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}

/* Resolves each selected account's secret into secrets[i], kept for the
 * connection test, and checks its owner against the users table when the
 * database exists. Returns the number of problems. */
static int check_accounts(struct cli *c, const struct config *cfg, const struct check_args *args,
			  char **secrets)
{
	struct store *st = NULL;
	struct err err;
	int problems = 0, rc;

	if (cfg->naccounts > 0) {
		err_init(&err);
		st = store_open(c->db_path ? c->db_path : cfg->store_path, STORE_READONLY, &err);
		if (st == NULL)
			printf("note: %s; account owners not checked\n", err.msg);
	}
	for (size_t i = 0; i < cfg->naccounts; i++) {
		const struct cfg_account *a = &cfg->accounts[i];
		const char *kind = a->kind == CFG_ACCOUNT_IMAP ? "imap" : "caldav";

		if (!cli_accounts_has(&args->accounts, a->name))
			continue;
		err_init(&err);
		secrets[i] = cfg_secret_resolve(a, &err);
		if (secrets[i] == NULL) {
			printf("%s \"%s\": FAIL: %s\n", kind, a->name, err.msg);
			problems++;
			continue;
		}
		err_init(&err);
		if (st != NULL && (rc = store_user_exists(st, a->owner, &err)) != 1) {
			printf("%s \"%s\": FAIL: owner '%s' %s\n", kind, a->name, a->owner,
			       rc == 0 ? "is not an imported user (crmsync import users FILE)" :
					 err.msg);
			problems++;
			continue;
		}
		printf("%s \"%s\": ok: secret resolved%s\n", kind, a->name,
		       st != NULL ? ", owner is a user" : "");
	}
	store_close(&st);
	return problems;
}

/* "alice (imap mail.example:993)", "bob (caldav https://dav.example/)". */
static void print_account(const struct cfg_account *a)
{
	if (a->kind == CFG_ACCOUNT_CALDAV)
		printf("%s (caldav %s)", a->name, a->url);
	else if (strchr(a->host, ':') != NULL && a->host[0] != '[')
		printf("%s (imap [%s]:%d)", a->name, a->host, a->port);
	else
		printf("%s (imap %s:%d)", a->name, a->host, a->port);
}

static const char *check_wire(const struct cfg_account *a)
{
	switch (cfg_account_wire(a)) {
	case CFG_WIRE_PLAIN_LOOPBACK:
		return "plain text (allowed: loopback)";
	case CFG_WIRE_PLAIN_ALLOWED:
		return "plain text (allowed: allow_plaintext = yes)";
	default:
		return a->tls_verify ? "TLS verified" : "TLS NOT verified";
	}
}

/* What to do, for the failures whose message does not say it already. */
static const char *check_hint(const struct cfg_account *a, const struct sync_check *k)
{
	int imap = a->kind == CFG_ACCOUNT_IMAP;

	if (k->stage == SYNC_CHECK_CONNECT && k->timed_out)
		return imap ? " (check host and port, or raise timeout)" :
			      " (check url, or raise timeout)";
	if (k->stage == SYNC_CHECK_CONNECT)
		return imap ? " (is the server running? check host and port)" :
			      " (is the server running? check url)";
	if (k->stage != SYNC_CHECK_TLS || strstr(k->err.msg, "certificate") == NULL)
		return "";
	if (strstr(k->err.msg, "host name") != NULL)
		return " (use a host name the certificate names, or tls_verify = no)";
	return a->ca_file == NULL ? " (set ca_file, or tls_verify = no)" :
				    " (is ca_file the CA that signed it? or tls_verify = no)";
}

static const char *check_step(const struct cfg_account *a, enum sync_check_stage stage)
{
	static const char *const steps[] = {
		[SYNC_CHECK_CONNECT] = "connect", [SYNC_CHECK_TLS] = "TLS",
		[SYNC_CHECK_LOGIN] = "login",	  [SYNC_CHECK_CONTENT] = NULL,
		[SYNC_CHECK_OK] = "ok",
	};

	if (stage == SYNC_CHECK_CONTENT)
		return a->kind == CFG_ACCOUNT_IMAP ? "folders" : "calendars";
	return steps[stage];
}

/* One line: "NAME (KIND SERVER): ok: ..." or "...: FAILED at STEP: why (what to do)". */
static void print_verdict(const struct cfg_account *a, const struct sync_check *k)
{
	int imap = a->kind == CFG_ACCOUNT_IMAP;

	print_account(a);
	if (k->stage == SYNC_CHECK_OK) {
		printf(": ok: reachable, %s, logged in, %zu %s%s%s (", check_wire(a), k->n,
		       imap ? "folder" : "calendar", k->n == 1 ? "" : "s", imap ? " to sync" : "");
		for (size_t i = 0; i < k->n; i++)
			printf("%s%s", i > 0 ? ", " : "", k->names[i]);
		puts(")");
	} else if (k->timed_out) {
		printf(": FAILED at %s: timed out after %llds%s\n", check_step(a, k->stage),
		       (long long)a->timeout_s, check_hint(a, k));
	} else {
		printf(": FAILED at %s: %s%s\n", check_step(a, k->stage), k->err.msg,
		       check_hint(a, k));
	}
	fflush(stdout);
}

/* Connects to each selected account whose secret was read, in config
 * order. Returns the number of accounts that failed. */
static int check_connections(const struct config *cfg, const struct check_args *args,
			     char *const *secrets)
{
	int failed = 0;

	for (size_t i = 0; i < cfg->naccounts; i++) {
		const struct cfg_account *a = &cfg->accounts[i];
		struct sync_check k;

		if (!cli_accounts_has(&args->accounts, a->name))
			continue;
		if (secrets[i] == NULL) {
			print_account(a);
			puts(": not tried: its password could not be read (see above)");
			continue;
		}
		if (sync_check_account(a, secrets[i], &k) == -1)
			failed++;
		print_verdict(a, &k);
		sync_check_release(&k);
	}
	return failed;
}

int cmd_check_config(struct cli *c, int argc, char **argv)
{
	struct check_args args = {{NULL, 0}, 0};
	const struct config *cfg;
	char **secrets = NULL;
	int problems = 0, failed = 0, rc = EXIT_USAGE;

	if (cli_wants_help(argc, argv))
		return check_usage(stdout);
	if (check_parse(argc, argv, &args) == -1 || (cfg = cli_config(c)) == NULL ||
	    cli_accounts_check(&args.accounts, cfg, "check-config") != EXIT_OK)
		goto out;
	cfg_print(cfg, stdout);
	secrets = xcalloc(cfg->naccounts + 1, sizeof *secrets);
	problems = check_accounts(c, cfg, &args, secrets);
	if (!args.offline)
		failed = check_connections(cfg, &args, secrets);
	for (size_t i = 0; i < cfg->naccounts; i++) {
		if (secrets[i] != NULL) {
			explicit_bzero(secrets[i], strlen(secrets[i]));
			free(secrets[i]);
		}
	}
	if (problems > 0) {
		fprintf(stderr, "crmsync: check-config: %d account%s with problems\n", problems,
			problems == 1 ? "" : "s");
	} else if (failed > 0) {
		fprintf(stderr,
			"crmsync: check-config: %d account%s failed the connection test (see the "
			"FAILED line%s)\n",
			failed, failed == 1 ? "" : "s", failed == 1 ? "" : "s");
		rc = EXIT_PARTIAL;
	} else {
		rc = EXIT_OK;
	}
out:
	free(secrets);
	cli_accounts_release(&args.accounts);
	return rc;
}

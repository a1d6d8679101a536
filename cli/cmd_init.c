/* cli/cmd_init.c - `crmsync init` and `crmsync check-config`. */
#include "cli/cli.h"
#include "core/config.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "store/store.h"

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

/* Resolves each account's secret and checks its owner against the users
 * table when the database exists. Returns the number of problems. */
static int check_accounts(struct cli *c, const struct config *cfg)
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
		char *secret;

		err_init(&err);
		secret = cfg_secret_resolve(a, &err);
		if (secret == NULL) {
			printf("%s \"%s\": FAIL: %s\n", kind, a->name, err.msg);
			problems++;
			continue;
		}
		explicit_bzero(secret, strlen(secret));
		free(secret);
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

int cmd_check_config(struct cli *c, int argc, char **argv)
{
	const struct config *cfg;
	int problems;

	if (cli_wants_help(argc, argv)) {
		puts("usage: crmsync check-config\n\n"
		     "Parses the config file, prints it with secrets masked, resolves every\n"
		     "account's password source and checks that each account's owner is an\n"
		     "imported user. Exits 2 when anything is wrong.");
		return EXIT_OK;
	}
	if (argc > 1)
		return cli_usage("check-config", "unexpected argument '%s'", argv[1]);
	if ((cfg = cli_config(c)) == NULL)
		return EXIT_USAGE;
	cfg_print(cfg, stdout);
	problems = check_accounts(c, cfg);
	if (problems > 0) {
		fprintf(stderr, "crmsync: check-config: %d account%s with problems\n", problems,
			problems == 1 ? "" : "s");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* cli/cli.h - what the subcommands of the crmsync program share.
 *
 * main.c parses the global options, then calls one cmd_* function with the
 * subcommand's own argv (argv[0] is the subcommand's name). Each command
 * returns the process exit code (SPEC §2): 0 success, 1 some accounts
 * failed, 2 usage or config error, 3 sync lock held, 4 database error.
 */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct store;
struct err;

enum {
	EXIT_OK = 0,
	EXIT_PARTIAL = 1,
	EXIT_USAGE = 2,
	EXIT_LOCKED = 3,
	EXIT_DB = 4,
};

struct cli {
	const char *config_path; /* -c, $CRMSYNC_CONFIG or the default */
	int config_explicit;	 /* the path was asked for, so it must exist */
	const char *db_path;	 /* -d, or NULL for the config's */
	struct config *cfg;	 /* owned; loaded by cli_config() */
	int64_t now;		 /* the command's clock (CRMSYNC_NOW overrides, for tests) */
};

/* Loads the config once (a missing default file means the defaults).
 * Prints the error and returns NULL on failure. */
const struct config *cli_config(struct cli *c);
/* Opens the database (creating and migrating it); prints the error and
 * returns NULL on failure, setting *exit_out. */
struct store *cli_store(struct cli *c, int flags, int *exit_out);
/* Prints "crmsync: msg" for err and returns its exit code. */
int cli_fail(const struct err *err);
/* Prints a usage error with a hint to --help; returns EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 1 when argv has -h or --help before any "--". */
int cli_wants_help(int argc, char **argv);

struct sync_ctx;
struct cfg_account;

/* Takes the one-sync-per-database lock (an fcntl lock on DB.lock, with the
 * holder's pid in it): the fd to keep open while syncing, -1 when another
 * process holds it (its pid printed), -2 on other errors. */
int cli_sync_lock(const char *db_path);
/* Syncs one account, records the run, prints its summary line; 0, -1 (the
 * account failed; *out, if not NULL, gets why) or -2 (database error). */
int cli_sync_account(struct sync_ctx *ctx, const struct cfg_account *acct, struct err *out);

/* The accounts a command works on: its --account NAME options, or every
 * account when there are none. */
struct cli_accounts {
	const char **names; /* owned array; the names are borrowed from argv */
	size_t n;
};

void cli_accounts_add(struct cli_accounts *s, const char *name);
/* 1 when the account of that name is one of them. */
int cli_accounts_has(const struct cli_accounts *s, const char *name);
/* EXIT_OK, or EXIT_USAGE with a usage error of `cmd` printed when a name
 * is no configured account's. */
int cli_accounts_check(const struct cli_accounts *s, const struct config *cfg, const char *cmd);
void cli_accounts_release(struct cli_accounts *s);

int cmd_init(struct cli *c, int argc, char **argv);
int cmd_import(struct cli *c, int argc, char **argv);

struct csv_reader;

/* Data rows of one CSV file. The whole file is one transaction, and every
 * key is remembered to refuse duplicates, so both grow with the rows: a
 * million is some 100 MB of keys and more contacts or deals than a team's
 * CRM holds. A longer file is refused like a bad row (nothing of it is
 * stored) with a message saying to split it. */
#define CLI_IMPORT_MAX_ROWS 1000000

/* What one CSV import did to its records. */
struct cli_import_tally {
	long added, updated, unchanged;
};

/* The body of `crmsync import KIND FILE.csv`, without the file and the
 * transaction (tests/fuzz/fuzz_import.c drives it too): KIND is users,
 * companies, contacts, stages or deals; the header row and every record of
 * csv are checked and upserted into st, inside a transaction the caller
 * began and commits, or rolls back when this fails. Returns 0 and adds to
 * *t, or -1 with err set (ERR_USAGE "FILE:LINE: ..." for bad input, an
 * unknown KIND included; a database error as the store sets it). A file
 * of more than CLI_IMPORT_MAX_ROWS data rows is such an error. */
int cli_import_csv(struct store *st, const char *kind, struct csv_reader *csv, int64_t now,
		   int plus_addressing, struct cli_import_tally *t, struct err *err);
/* The same with another bound on the rows (tests). */
int cli_import_csv_max(struct store *st, const char *kind, struct csv_reader *csv, int64_t now,
		       int plus_addressing, size_t max_rows, struct cli_import_tally *t,
		       struct err *err);
int cmd_activities(struct cli *c, int argc, char **argv);
int cmd_check_config(struct cli *c, int argc, char **argv);
int cmd_sync(struct cli *c, int argc, char **argv);
int cmd_daemon(struct cli *c, int argc, char **argv);
int cmd_review(struct cli *c, int argc, char **argv);
int cmd_link(struct cli *c, int argc, char **argv);
int cmd_rematch(struct cli *c, int argc, char **argv);
int cmd_purge(struct cli *c, int argc, char **argv);
int cmd_why(struct cli *c, int argc, char **argv);
int cmd_report(struct cli *c, int argc, char **argv);
int cmd_status(struct cli *c, int argc, char **argv);

#endif

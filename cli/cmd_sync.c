/* cli/cmd_sync.c - `crmsync sync [--account NAME]... [--dry-run]`.
 *
 * Runs every configured account once, incrementally. One account's failure
 * never stops the others; the exit code says whether all succeeded (0) or
 * some failed (1). Only one sync per database runs at a time: a second one
 * exits 3 at once, naming the holder's pid. The lock is an fcntl lock on
 * DB.lock, released by the kernel when its holder dies, so a killed sync
 * never leaves a stale lock behind.
 */
#include "cli/cli.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "match/match.h"
#include "store/store.h"
#include "sync/sync.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct sync_args {
	struct cli_accounts accounts;
	int dry_run;
};

static int sync_usage(FILE *fp)
{
	fputs("usage: crmsync sync [--account NAME]... [--dry-run]\n"
	      "\n"
	      "Runs every configured account once, incrementally: new mail since the last\n"
	      "run is fetched, matched to contacts and companies, and logged as\n"
	      "activities. --account limits the run to the named accounts; --dry-run\n"
	      "fetches and decides but stores nothing, and prints the counts by outcome\n"
	      "and reason. Exit 0 when every account synced, 1 when some failed (the\n"
	      "others are synced and committed), 3 when another sync holds the lock,\n"
	      "4 when the database cannot be written (full, or locked by another\n"
	      "program for longer than 10 s).\n"
	      "\n"
	      "example: crmsync sync --account alice\n",
	      fp);
	return fp == stdout ? EXIT_OK : EXIT_USAGE;
}

/* Takes the sync lock; returns the fd (kept open while syncing), -1 when
 * another process holds it (its pid printed), or -2 on other errors. */
int cli_sync_lock(const char *db_path)
{
	char *path = xasprintf("%s.lock", db_path), buf[32];
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	ssize_t n;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1) {
		log_errorx("cannot open lock file '%s': %s", path, strerror(errno));
		free(path);
		return -2;
	}
	if (fcntl(fd, F_SETLK, &fl) == -1) {
		struct flock who = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		/* The kernel knows the holder; the pid in the file may not be
		 * written yet (or be a killed holder's). */
		if (fcntl(fd, F_GETLK, &who) == 0 && who.l_type != F_UNLCK && who.l_pid > 0) {
			snprintf(buf, sizeof buf, "%ld", (long)who.l_pid);
		} else {
			n = pread(fd, buf, sizeof buf - 1, 0);
			buf[n > 0 ? n : 0] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
		}
		log_errorx("another sync (pid %s) holds the lock on '%s'; try again later",
			   *buf ? buf : "unknown", db_path);
		close(fd);
		free(path);
		return -1;
	}
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)n, 0) != n)
		log_warnx("cannot write pid to lock file '%s'", path);
	free(path);
	return fd;
}

static int sync_parse(int argc, char **argv, struct sync_args *a)
{
	static const struct option opts[] = {
		{"account", required_argument, NULL, 'a'},
		{"dry-run", no_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			cli_accounts_add(&a->accounts, optarg);
			break;
		case 'n':
			a->dry_run = 1;
			break;
		default:
			sync_usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		cli_usage("sync", "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}

/* outcome: "ok", "interrupted" (SIGTERM: what was fetched is committed) or
 * "FAILED". */
static void print_summary(const struct cfg_account *acct, const struct sync_counts *c,
			  const char *outcome, double secs, int dry_run)
{
	printf("%s%s: %s: %lld fetched, %lld logged (%lld new), %lld skipped",
	       dry_run ? "dry run: " : "", acct->name, outcome, (long long)c->fetched,
	       (long long)c->logged, (long long)c->created, (long long)c->skipped);
	for (int i = 0; i < SYNC_NREASONS; i++)
		if (c->skips[i] > 0)
			printf(" %s=%lld", sync_reason_names[i], (long long)c->skips[i]);
	printf(", %lld errors, %lld removed, %lld/%lld %s unchanged, %lld requests, %.1fs\n",
	       (long long)c->errors, (long long)c->removed, (long long)c->unchanged_folders,
	       (long long)c->folders, acct->kind == CFG_ACCOUNT_IMAP ? "folders" : "calendars",
	       (long long)c->requests, secs);
	fflush(stdout);
}

static void record_run(struct sync_ctx *ctx, const char *account, int64_t run_id,
		       const struct sync_counts *c, const struct err *e, int ok)
{
	const int64_t *counts = c->skips;
	int stopped = !ok && ctx->stop != NULL && *ctx->stop;
	struct store_run r = {c->fetched,
			      c->logged,
			      c->skipped,
			      c->errors,
			      ok      ? "ok" :
			      stopped ? "interrupted" :
					"failed",
			      ok ? NULL : err_kind_name(e->kind),
			      ok ? NULL : e->msg,
			      sync_reason_names,
			      counts,
			      SYNC_NREASONS};
	struct err err;

	err_init(&err);
	if (run_id < 0 || store_run_finish(ctx->st, run_id, &r, (int64_t)time(NULL), &err) == -1)
		log_warnx("%s: cannot record the run: %s", account, err.msg);
}

/* The advice appended to an account's error line. */
static const char *advice(const struct err *e)
{
	switch (e->kind) {
	case ERR_TEMP:
		return "will retry on the next run";
	case ERR_WAIT:
		return "the server asked us to wait; will retry later";
	case ERR_FINAL:
		return "fix the configuration or the account, then run again";
	case ERR_AUTH:
		return "fix the password or the user name in the config, then run again";
	case ERR_DB:
		return "check the free space and the database file, then run again";
	default:
		return "see 'crmsync status'";
	}
}

int cli_sync_account(struct sync_ctx *ctx, const struct cfg_account *acct, struct err *out)
{
	struct sync_counts c;
	struct timespec t0, t1;
	struct err err;
	int64_t run_id = -1;
	int ok;

	memset(&c, 0, sizeof c);
	err_init(&err);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Runs are kept on the real clock, as their end is (CRMSYNC_NOW only
	 * pins what is matched and windowed). This is the run's first write: a
	 * database that refuses it (locked by another writer past the busy
	 * time-out, full, read-only) would refuse the sync's writes too, after
	 * as long a wait. The account fails now as a database error (exit 4;
	 * in this process the accounts after it are not tried). */
	if (!ctx->dry_run && store_run_start(ctx->st, acct->name, cfg_kind_name(acct->kind),
					     (int64_t)time(NULL), &run_id, &err) == -1) {
		log_errorx("%s: %s (%s)", acct->name, err.msg,
			   err.kind == ERR_TEMP ?
				   "another program is writing to it; try again later" :
				   advice(&err));
		if (out != NULL)
			*out = err;
		return -2;
	}
	err_init(&err);
	if (acct->kind == CFG_ACCOUNT_IMAP)
		ok = sync_imap_account(ctx, acct, &c, &err) == 0;
	else
		ok = sync_caldav_account(ctx, acct, &c, &err) == 0;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!ok)
		log_errorx("%s: %s (%s)", acct->name, err.msg, advice(&err));
	if (!ctx->dry_run)
		record_run(ctx, acct->name, run_id, &c, &err, ok);
	print_summary(acct, &c,
		      ok			      ? "ok" :
		      ctx->stop != NULL && *ctx->stop ? "interrupted" :
							"FAILED",
		      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		      ctx->dry_run);
	if (out != NULL)
		*out = err;
	return ok ? 0 : (err.kind == ERR_DB ? -2 : -1);
}

/* What each child of the pool needs to sync its account. */
struct pool_arg {
	const struct cfg_account *const *accts;
	const char *db_path;
	const struct sync_ctx *proto; /* cfg, now, chunk, progress */
};

/* In a child process: its own database connection and directory, one
 * account. The exit status: 0, 1 (the account failed) or 4. */
static int pool_child(size_t idx, void *arg)
{
	const struct pool_arg *pa = arg;
	struct sync_ctx ctx = *pa->proto;
	struct err err;
	int rc = EXIT_DB;

	err_init(&err);
	ctx.progress_records = ctx.progress;
	ctx.account_index = idx;
	ctx.short_tx = 1; /* the other accounts' processes write too */
	if ((ctx.st = store_open(pa->db_path, STORE_NOCREATE, &err)) == NULL ||
	    (ctx.dir = match_dir_load(ctx.st, ctx.cfg, &err)) == NULL) {
		log_errorx("%s: %s", pa->accts[idx]->name, err.msg);
		goto out;
	}
	switch (cli_sync_account(&ctx, pa->accts[idx], NULL)) {
	case 0:
		rc = EXIT_OK;
		break;
	case -1:
		rc = EXIT_PARTIAL;
		break;
	}
out:
	match_dir_free(ctx.dir);
	store_close(&ctx.st);
	return rc;
}

static int sync_accounts(struct sync_ctx *ctx, const struct sync_args *a, const char *db_path)
{
	const struct config *cfg = ctx->cfg;
	const struct cfg_account **run = xcalloc(cfg->naccounts + 1, sizeof *run);
	size_t n = 0;
	int failed = 0, rc = EXIT_OK, *results;

	if (cli_accounts_check(&a->accounts, cfg, "sync") != EXIT_OK) {
		free(run);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < cfg->naccounts; i++)
		if (cli_accounts_has(&a->accounts, cfg->accounts[i].name))
			run[n++] = &cfg->accounts[i];
	if (n == 0)
		log_warnx("no accounts configured: add [imap \"NAME\"] sections to the config");
	/* One account, one worker or a dry run (one transaction rolled back
	 * per account): in this process. */
	if (n <= 1 || cfg->workers <= 1 || ctx->dry_run) {
		for (size_t i = 0; i < n && rc == EXIT_OK; i++) {
			int r = cli_sync_account(ctx, run[i], NULL);
			if (r == -2)
				rc = EXIT_DB;
			failed += r != 0;
		}
		free(run);
		return rc != EXIT_OK ? rc : failed ? EXIT_PARTIAL : EXIT_OK;
	}
	/* Several: a process each; this one only waits (and draws progress). */
	struct pool_arg pa = {run, db_path, ctx};
	results = xcalloc(n, sizeof *results);
	match_dir_free(ctx->dir);
	ctx->dir = NULL;
	store_close(&ctx->st);
	sync_pool_run(run, n, cfg->workers, cfg->per_server, ctx->progress, pool_child, &pa,
		      results);
	for (size_t i = 0; i < n; i++) {
		if (results[i] == EXIT_DB)
			rc = EXIT_DB;
		failed += results[i] != EXIT_OK;
	}
	free(results);
	free(run);
	return rc != EXIT_OK ? rc : failed ? EXIT_PARTIAL : EXIT_OK;
}

int cmd_sync(struct cli *c, int argc, char **argv)
{
	struct sync_args a = {{NULL, 0}, 0};
	struct sync_ctx ctx;
	struct err err;
	const char *chunk = getenv("CRMSYNC_TEST_CHUNK");
	int rc = EXIT_USAGE, lock = -1;

	memset(&ctx, 0, sizeof ctx);
	if (cli_wants_help(argc, argv))
		return sync_usage(stdout);
	if (sync_parse(argc, argv, &a) == -1 || (ctx.cfg = cli_config(c)) == NULL)
		goto out;
	if ((ctx.st = cli_store(c, 0, &rc)) == NULL)
		goto out;
	if ((lock = cli_sync_lock(c->db_path)) < 0) {
		rc = lock == -1 ? EXIT_LOCKED : EXIT_DB;
		goto out;
	}
	err_init(&err);
	if ((ctx.dir = match_dir_load(ctx.st, ctx.cfg, &err)) == NULL) {
		rc = cli_fail(&err);
		goto out;
	}
	ctx.dry_run = a.dry_run;
	ctx.now = c->now;
	ctx.progress = isatty(STDERR_FILENO) && log_level >= LOG_LVL_INFO;
	ctx.chunk = chunk ? (uint32_t)strtoul(chunk, NULL, 10) : 0;
	rc = sync_accounts(&ctx, &a, c->db_path);
out:
	match_dir_free(ctx.dir);
	store_close(&ctx.st);
	if (lock >= 0)
		close(lock);
	cli_accounts_release(&a.accounts);
	return rc;
}

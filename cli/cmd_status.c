/* cli/cmd_status.c - `crmsync status [--account NAME]... [--format text|json]`.
 *
 * What the last runs of each account did and whether the account is
 * healthy, for a person (text, like `git status`) or for monitoring (one
 * JSON object, docs/status-json.md, docs/status.schema.json). The exit
 * code is the verdict: 0 when every configured account is healthy, 1 when
 * one is not, 2 for usage and config errors, 4 for database errors. The
 * report itself is cli/status.c.
 */
#include "cli/cli.h"
#include "cli/status.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"
#include "core/xalloc.h"
#include "store/store.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the command ---------------------------------------------------------------- */

static int status_usage(FILE *fp)
{
	fputs("usage: crmsync status [--account NAME]... [--format text|json]\n"
	      "\n"
	      "Shows, per account: the last run (start, duration, outcome, error), its\n"
	      "items fetched, logged and skipped by reason, errors by class (auth,\n"
	      "network, throttle, server, parse, other) over the last 24 hours, the sync\n"
	      "state of each folder (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ) and calendar\n"
	      "(sync token), when the last new item was logged, and alerts: an account\n"
	      "is unhealthy when it has not synced successfully within 3 [schedule]\n"
	      "intervals (or never), or has logged no new item for [schedule]\n"
	      "quiet_after (default 24h; 0: never). --account limits it to the named\n"
	      "accounts. JSON: docs/status-json.md.\n"
	      "\n"
	      "Exit 0 when every configured account is healthy, 1 when one is not, 2 for\n"
	      "usage or config errors, 4 for database errors; monitoring can call it.\n"
	      "\n"
	      "example: crmsync status --format json\n",
	      fp);
	return fp == stdout ? EXIT_OK : EXIT_USAGE;
}

/* 1 when a sync holds the lock on DB.lock (cli/cmd_sync.c): an unfinished
 * run is then running rather than interrupted. */
static int status_sync_running(const char *db_path)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	char *path = xasprintf("%s.lock", db_path);
	int fd = open(path, O_RDONLY | O_CLOEXEC), held = 0;

	free(path);
	if (fd == -1)
		return 0;
	if (fcntl(fd, F_GETLK, &fl) == 0)
		held = fl.l_type != F_UNLCK;
	close(fd);
	return held;
}

static int status_parse(int argc, char **argv, struct status_opts *o, const char ***names)
{
	static const struct option opts[] = {
		{"account", required_argument, NULL, 'a'},
		{"format", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'a') {
			*names = xreallocarray(*names, o->naccounts + 1, sizeof **names);
			(*names)[o->naccounts++] = optarg;
		} else if (ch == 'f' && strcmp(optarg, "json") == 0) {
			o->json = 1;
		} else if (ch == 'f' && strcmp(optarg, "text") == 0) {
			o->json = 0;
		} else if (ch == 'f') {
			return cli_usage("status", "unknown format '%s' (text or json)", optarg);
		} else {
			return status_usage(stderr);
		}
	}
	if (optind < argc)
		return cli_usage("status", "unexpected argument '%s'", argv[optind]);
	o->accounts = *names;
	return EXIT_OK;
}

int cmd_status(struct cli *c, int argc, char **argv)
{
	struct status_opts o = {0};
	const char **names = NULL;
	struct store *st = NULL;
	struct buf b;
	struct err err;
	int rc, r;

	if (cli_wants_help(argc, argv))
		return status_usage(stdout);
	buf_init(&b, 64 << 20);
	if ((rc = status_parse(argc, argv, &o, &names)) != EXIT_OK)
		goto out;
	rc = EXIT_USAGE;
	if (cli_config(c) == NULL || (st = cli_store(c, 0, &rc)) == NULL)
		goto out;
	o.sync_running = status_sync_running(c->db_path);
	err_init(&err);
	if ((r = status_write(st, c->cfg, c->now, &o, &b, &err)) == -1) {
		rc = cli_fail(&err);
		goto out;
	}
	if (!o.json) /* run errors quote servers */
		str_scrub_controls(b.data, b.len);
	fwrite(b.data, 1, b.len, stdout);
	rc = r == 0 ? EXIT_OK : EXIT_PARTIAL;
out:
	store_close(&st);
	buf_release(&b);
	free(names);
	return rc;
}

/* cli/cmd_daemon.c - `crmsync daemon`: every account synced on the
 * [schedule], until SIGTERM or SIGINT.
 *
 * The daemon holds the database's sync lock (a `crmsync sync` run at the
 * same time exits 3) and runs one process per account, each looping on its
 * own: sync, then wait, then sync again. The parent only supervises:
 *
 * - Waiting: after a successful run, interval plus a random part of
 *   jitter. An IMAP account waits in IDLE on INBOX (or its first folder)
 *   when the server offers it, so new mail is logged within seconds of
 *   arriving; otherwise it polls.
 * - Failures: a transient one (network, time-out, a busy server) backs off
 *   1m, 2m, 4m ... capped at interval x 8, or longer when the server said
 *   how long (HTTP Retry-After). A final one (wrong password, a missing
 *   folder, a bad certificate) stops that account, once reported, until
 *   the config is reloaded (SIGHUP); the other accounts go on.
 * - At most `workers` accounts sync at once and `per_server` against one
 *   server: tokens in pipes that the children take before a run and give
 *   back after it (like make's jobserver).
 * - SIGTERM or SIGINT: every child finishes the batch in progress, commits
 *   it, records the run as interrupted and exits; then the daemon exits 0.
 *   SIGHUP: the config is read again (if it is valid), the children are
 *   stopped the same way and started again from it.
 * - A child that dies otherwise is started again after a back-off.
 */
#include "cli/cli.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "match/match.h"
#include "store/store.h"
#include "sync/imapc.h"
#include "sync/sync.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

/* A child's exit status when its account is stopped until a reload. */
#define DAEMON_EXIT_STOPPED 10
/* The first back-off after a failure, doubled each time after. */
#define DAEMON_BACKOFF_S 60
/* A server's Retry-After is honoured up to this. */
#define DAEMON_MAX_WAIT_S 86400

static volatile sig_atomic_t got_stop, got_reload, got_alarm;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_reload = 1;
	else if (sig == SIGALRM)
		got_alarm = 1;
	else
		got_stop = 1;
}

/* Handlers without SA_RESTART: a blocking wait returns EINTR. */
static void handle(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* ---- tokens ---------------------------------------------------------------- */

struct tokens {
	int fd[2];
};

static int tokens_make(struct tokens *t, int n)
{
	if (pipe(t->fd) == -1)
		return -1;
	for (int i = 0; i < n; i++)
		if (write(t->fd[1], "t", 1) != 1)
			return -1;
	return 0;
}

static void tokens_close(struct tokens *t)
{
	close(t->fd[0]);
	close(t->fd[1]);
}

/* Takes a token, waiting for one; -1 when asked to stop meanwhile. */
static int token_take(const struct tokens *t)
{
	char ch;

	while (!got_stop) {
		ssize_t r = read(t->fd[0], &ch, 1);
		if (r == 1)
			return 0;
		if (r == -1 && errno != EINTR)
			return -1;
	}
	return -1;
}

static void token_give(const struct tokens *t)
{
	if (write(t->fd[1], "t", 1) != 1)
		log_warnx("daemon: a sync slot was lost");
}

/* ---- the daemon's state ------------------------------------------------------- */

struct daemon_child {
	pid_t pid;	    /* 0: not running */
	int stopped;	    /* final failure: wait for a reload */
	time_t respawn_at;  /* when a child that died starts again */
	int64_t backoff_s;  /* for the next death */
	struct tokens *srv; /* its server's tokens (borrowed) */
};

struct daemon {
	struct cli *c;
	struct config *cfg; /* the current config (owned once reloaded) */
	int own_cfg;
	struct tokens workers;
	struct tokens *servers; /* one per distinct server */
	char (*server_names)[256];
	size_t nservers;
	struct daemon_child *kids; /* one per account */
};

static int64_t clock_now(struct cli *c)
{
	return getenv("CRMSYNC_NOW") != NULL ? c->now : (int64_t)time(NULL);
}

/* ---- one account, in its own process -------------------------------------------- */

/* Sleeps up to `secs`, a second at a time, until asked to stop. */
static void nap(int64_t secs)
{
	for (int64_t i = 0; i < secs && !got_stop; i++) {
		struct timespec ts = {1, 0};
		nanosleep(&ts, NULL);
	}
}

static const char *idle_folder(const struct cfg_account *a)
{
	if (a->folders.n > 0)
		return a->folders.items[0];
	for (size_t i = 0; i < a->private_folders.n; i++)
		if (strcmp(a->private_folders.items[i], "INBOX") == 0)
			return NULL;
	return "INBOX";
}

/* Waits `secs` for the next run: in IDLE when the account is IMAP and the
 * server offers it (returning early when mail arrives), else asleep. */
static void wait_next(const struct cfg_account *a, int64_t secs, int idle)
{
	struct timespec t0, t1;
	const char *folder = idle_folder(a);
	struct imapc *ic;
	struct err err;
	char *secret;
	int changed = 0, r = 1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (idle && a->kind == CFG_ACCOUNT_IMAP && folder != NULL) {
		err_init(&err);
		if ((secret = cfg_secret_resolve(a, &err)) != NULL) {
			if ((ic = imapc_open(a, secret, &err)) != NULL) {
				r = imapc_idle(ic, folder, secs, &got_stop, &changed, &err);
				imapc_close(&ic);
			} else {
				r = -1;
			}
			explicit_bzero(secret, strlen(secret));
			free(secret);
		}
		if (r == -1)
			log_verbose("%s: waiting without IDLE: %s", a->name, err.msg);
		if (r == 0)
			return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	nap(secs - (int64_t)(t1.tv_sec - t0.tv_sec));
}

static int account_loop(struct daemon *d, size_t idx)
{
	const struct cfg_account *a = &d->cfg->accounts[idx];
	struct tokens *srv = d->kids[idx].srv;
	struct sync_ctx ctx;
	struct err err;
	int64_t backoff = 0, delay;
	int rc, ok;

	handle(SIGTERM, on_signal);
	handle(SIGINT, on_signal);
	signal(SIGHUP, SIG_IGN);
	signal(SIGALRM, SIG_IGN);
	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	memset(&ctx, 0, sizeof ctx);
	ctx.cfg = d->cfg;
	ctx.stop = &got_stop;
	ctx.short_tx = 1; /* the other accounts' processes write too */
	/* Test hook, as for `crmsync sync`: the UID range per FETCH. */
	if (getenv("CRMSYNC_TEST_CHUNK") != NULL)
		ctx.chunk = (uint32_t)strtoul(getenv("CRMSYNC_TEST_CHUNK"), NULL, 10);
	err_init(&err);
	if ((ctx.st = store_open(d->c->db_path, STORE_NOCREATE, &err)) == NULL) {
		log_errorx("%s: %s", a->name, err.msg);
		return EXIT_DB;
	}
	while (!got_stop) {
		if (token_take(&d->workers) == -1)
			break;
		if (token_take(srv) == -1) {
			token_give(&d->workers);
			break;
		}
		err_init(&err);
		ctx.now = clock_now(d->c);
		/* Contacts and deals imported since the last run count. */
		if ((ctx.dir = match_dir_load(ctx.st, ctx.cfg, &err)) == NULL) {
			log_errorx("%s: %s", a->name, err.msg);
			rc = -1;
		} else {
			rc = cli_sync_account(&ctx, a, &err);
		}
		match_dir_free(ctx.dir);
		ctx.dir = NULL;
		token_give(srv);
		token_give(&d->workers);
		if (got_stop)
			break;
		ok = rc == 0;
		if (!ok &&
		    (err.kind == ERR_FINAL || err.kind == ERR_AUTH || err.kind == ERR_USAGE)) {
			log_errorx("%s: stopped until the config is reloaded (kill -HUP the "
				   "daemon; under systemd, a password from LoadCredential= is "
				   "read again only by systemctl restart)",
				   a->name);
			store_close(&ctx.st);
			return DAEMON_EXIT_STOPPED;
		}
		if (ok) {
			backoff = 0;
			delay = d->cfg->interval_s +
				(d->cfg->jitter_s > 0 ? rand() % (d->cfg->jitter_s + 1) : 0);
		} else {
			backoff = backoff == 0 ? DAEMON_BACKOFF_S : backoff * 2;
			if (backoff > d->cfg->interval_s * 8)
				backoff = d->cfg->interval_s * 8;
			delay = backoff;
			if (err.kind == ERR_WAIT && err.wait_s > delay)
				delay = err.wait_s < DAEMON_MAX_WAIT_S ? err.wait_s :
									 DAEMON_MAX_WAIT_S;
			log_info("%s: next try in %llds", a->name, (long long)delay);
		}
		wait_next(a, delay, ok);
	}
	store_close(&ctx.st);
	return EXIT_OK;
}

/* ---- supervision ----------------------------------------------------------------- */

static int daemon_setup(struct daemon *d)
{
	const struct config *cfg = d->cfg;

	d->kids = xcalloc(cfg->naccounts + 1, sizeof *d->kids);
	d->servers = xcalloc(cfg->naccounts + 1, sizeof *d->servers);
	d->server_names = xcalloc(cfg->naccounts + 1, sizeof *d->server_names);
	d->nservers = 0;
	if (tokens_make(&d->workers, cfg->workers) == -1)
		return -1;
	for (size_t i = 0; i < cfg->naccounts; i++) {
		char name[256];
		size_t k;
		sync_account_server(&cfg->accounts[i], name, sizeof name);
		for (k = 0; k < d->nservers; k++)
			if (strcmp(d->server_names[k], name) == 0)
				break;
		if (k == d->nservers) {
			snprintf(d->server_names[k], sizeof d->server_names[k], "%s", name);
			if (tokens_make(&d->servers[k], cfg->per_server) == -1)
				return -1;
			d->nservers++;
		}
		d->kids[i].srv = &d->servers[k];
	}
	return 0;
}

static void daemon_teardown(struct daemon *d)
{
	tokens_close(&d->workers);
	for (size_t k = 0; k < d->nservers; k++)
		tokens_close(&d->servers[k]);
	free(d->servers);
	free(d->server_names);
	free(d->kids);
	d->servers = NULL;
	d->server_names = NULL;
	d->kids = NULL;
	d->nservers = 0;
}

static void spawn(struct daemon *d, size_t i)
{
	pid_t pid, parent = getpid();

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		log_errorx("%s: cannot start a process: %s", d->cfg->accounts[i].name,
			   strerror(errno));
		d->kids[i].respawn_at = time(NULL) + DAEMON_BACKOFF_S;
		return;
	}
	if (pid == 0) {
		int code;
#ifdef __linux__
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive the lock holder */
#endif
		if (getppid() != parent) /* it died before the line above */
			_exit(EXIT_OK);
		code = account_loop(d, i);
		fflush(stdout);
		fflush(stderr);
		_exit(code);
	}
	d->kids[i].pid = pid;
	d->kids[i].respawn_at = 0;
}

static void child_exited(struct daemon *d, pid_t pid, int status)
{
	for (size_t i = 0; i < d->cfg->naccounts; i++) {
		struct daemon_child *k = &d->kids[i];
		if (k->pid != pid)
			continue;
		k->pid = 0;
		if (got_stop)
			return;
		if (WIFEXITED(status) && WEXITSTATUS(status) == DAEMON_EXIT_STOPPED) {
			k->stopped = 1;
			return;
		}
		k->backoff_s = k->backoff_s == 0 ? DAEMON_BACKOFF_S : k->backoff_s * 2;
		if (k->backoff_s > d->cfg->interval_s * 8)
			k->backoff_s = d->cfg->interval_s * 8;
		log_errorx("%s: the sync process %s %d; starting it again in %llds",
			   d->cfg->accounts[i].name,
			   WIFSIGNALED(status) ? "died of signal" : "exited",
			   WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
			   (long long)k->backoff_s);
		k->respawn_at = time(NULL) + k->backoff_s;
		return;
	}
}

static size_t running(const struct daemon *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->cfg->naccounts; i++)
		n += d->kids[i].pid != 0;
	return n;
}

/* Asks every child to stop after its batch and waits for them all. */
static void stop_children(struct daemon *d)
{
	int status;
	pid_t pid;
	time_t give_up = time(NULL) + 60;

	for (size_t i = 0; i < d->cfg->naccounts; i++)
		if (d->kids[i].pid != 0)
			kill(d->kids[i].pid, SIGTERM);
	while (running(d) > 0) {
		alarm(1);
		pid = waitpid(-1, &status, 0);
		if (pid > 0) {
			int was_stop = got_stop;
			got_stop = 1; /* no respawn */
			child_exited(d, pid, status);
			got_stop = was_stop;
		} else if (pid == -1 && errno == ECHILD) {
			break;
		}
		if (time(NULL) > give_up)
			for (size_t i = 0; i < d->cfg->naccounts; i++)
				if (d->kids[i].pid != 0)
					kill(d->kids[i].pid, SIGKILL);
	}
	alarm(0);
}

static void reload(struct daemon *d)
{
	struct config *cfg;
	struct err err;

	err_init(&err);
	if ((cfg = cfg_load(d->c->config_path, &err)) == NULL) {
		log_errorx("daemon: the config was not reloaded: %s", err.msg);
		return;
	}
	log_info("daemon: reloading %s", d->c->config_path);
	stop_children(d);
	daemon_teardown(d);
	if (d->own_cfg)
		cfg_free(d->cfg);
	d->cfg = cfg;
	d->own_cfg = 1;
	if (daemon_setup(d) == -1)
		log_errorx("daemon: cannot set up the sync slots: %s", strerror(errno));
}

static int daemon_usage(FILE *fp)
{
	fputs("usage: crmsync daemon\n"
	      "\n"
	      "Syncs every account on the [schedule] (interval, jitter, workers,\n"
	      "per_server) until SIGTERM or SIGINT, then finishes the batch in progress\n"
	      "and exits 0. IMAP accounts wait in IDLE, so new mail is logged within\n"
	      "seconds. A failing account backs off (1m, 2m, 4m ... up to interval x 8);\n"
	      "one that cannot log in stops until SIGHUP, which reloads the config.\n"
	      "Holds the sync lock: `crmsync sync` exits 3 while the daemon runs.\n",
	      fp);
	return fp == stdout ? EXIT_OK : EXIT_USAGE;
}

int cmd_daemon(struct cli *c, int argc, char **argv)
{
	struct daemon d;
	struct store *st;
	int rc = EXIT_OK, lock, status;
	pid_t pid;

	if (cli_wants_help(argc, argv))
		return daemon_usage(stdout);
	if (argc > 1)
		return cli_usage("daemon", "unexpected argument '%s'", argv[1]);
	memset(&d, 0, sizeof d);
	d.c = c;
	if ((d.cfg = (struct config *)(uintptr_t)cli_config(c)) == NULL)
		return EXIT_USAGE;
	if ((st = cli_store(c, 0, &rc)) == NULL) /* creates and migrates */
		return rc;
	store_close(&st);
	if ((lock = cli_sync_lock(c->db_path)) < 0)
		return lock == -1 ? EXIT_LOCKED : EXIT_DB;
	handle(SIGTERM, on_signal);
	handle(SIGINT, on_signal);
	handle(SIGHUP, on_signal);
	handle(SIGALRM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (daemon_setup(&d) == -1) {
		log_errorx("daemon: cannot set up the sync slots: %s", strerror(errno));
		close(lock);
		return EXIT_DB;
	}
	log_info("daemon: %zu account(s), every %llds", d.cfg->naccounts,
		 (long long)d.cfg->interval_s);
	while (!got_stop) {
		time_t now = time(NULL);
		if (got_reload) {
			got_reload = 0;
			reload(&d);
			continue;
		}
		for (size_t i = 0; i < d.cfg->naccounts; i++)
			if (d.kids[i].pid == 0 && !d.kids[i].stopped && d.kids[i].respawn_at <= now)
				spawn(&d, i);
		/* A second at most between looks at the flags. */
		alarm(1);
		pid = waitpid(-1, &status, 0);
		if (pid > 0)
			child_exited(&d, pid, status);
		else if (pid == -1 && errno == ECHILD)
			pause();
	}
	alarm(0);
	log_info("daemon: stopping");
	stop_children(&d);
	daemon_teardown(&d);
	if (d.own_cfg)
		cfg_free(d.cfg);
	close(lock);
	return EXIT_OK;
}

/* sync/pool.c - accounts synced at once, each in its own process.
 *
 * A process per account gives each its own connection, parser state and
 * SQLite connection: nothing is shared but the database file, whose single
 * writer SQLite's own lock enforces (every write is a short transaction
 * that opens only after the network is done with its batch). A crash in
 * one account's process is that account's failure, not the run's.
 *
 * At most `workers` children run at once, and at most `per_server` of
 * them against one server (an IMAP host, or the host of a CalDAV URL).
 * On a terminal the children's output comes through pipes: the parent
 * draws one live line per running account (folder, done/total, rate, ETA)
 * below the lines the children print, so the two never garble each other.
 * Off a terminal the children write to stdout and stderr directly.
 */
#include "sync/sync.h"
#include "sync/progress.h"
#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

void sync_account_server(const struct cfg_account *a, char *out, size_t size)
{
	const char *h = a->host, *end;
	size_t n;

	if (a->kind == CFG_ACCOUNT_IMAP || a->url == NULL) {
		snprintf(out, size, "%s", h != NULL ? h : "");
		return;
	}
	h = strstr(a->url, "://");
	h = h != NULL ? h + 3 : a->url;
	end = h + strcspn(h, "/?#");
	for (const char *at = h; at < end; at++)
		if (*at == '@')
			h = at + 1;
	n = (size_t)(end - h);
	if (n >= size)
		n = size - 1;
	memcpy(out, h, n);
	out[n] = '\0';
}

/* A running child. */
struct pool_child {
	pid_t pid;
	size_t idx;
	char server[256];
	/* its progress, as last reported */
	char folder[128], unit[16];
	unsigned long done, total, done0;
	struct timespec t0;
	int shown;
};

struct pool {
	const struct cfg_account *const *accts;
	size_t n;
	int tty;
	struct pool_child *run;
	size_t nrun;
	int out[2], errp[2]; /* tty: the children's stdout and stderr */
	struct buf_line {
		char data[4096];
		size_t len;
	} outbuf, errbuf;
	int drawn; /* progress lines on the screen */
};

static void erase_progress(struct pool *p)
{
	if (p->drawn > 0)
		fprintf(stderr, "\033[%dA\r\033[J", p->drawn);
	p->drawn = 0;
}

static void draw_progress(struct pool *p)
{
	char line[512];

	erase_progress(p);
	for (size_t i = 0; i < p->nrun; i++) {
		struct pool_child *c = &p->run[i];
		if (!c->shown)
			continue;
		sync_progress_format(line, sizeof line, p->accts[c->idx]->name, c->folder, c->done,
				     c->total, c->unit, sync_progress_since(&c->t0), c->done0);
		fprintf(stderr, "\r\033[K%s\n", line);
		p->drawn++;
	}
	fflush(stderr);
}

/* A progress record: "\001ACCOUNT-INDEX\tFOLDER\tDONE\tTOTAL\tUNIT". */
static void progress_record(struct pool *p, char *line)
{
	char *f[5] = {NULL}, *save = NULL;
	size_t k = 0, idx;

	for (char *t = strtok_r(line + 1, "\t", &save); t != NULL && k < 5;
	     t = strtok_r(NULL, "\t", &save))
		f[k++] = t;
	if (k < 4)
		return;
	idx = strtoul(f[0], NULL, 10);
	for (size_t i = 0; i < p->nrun; i++) {
		struct pool_child *c = &p->run[i];
		if (c->idx != idx)
			continue;
		if (strcmp(c->folder, f[1]) != 0) {
			snprintf(c->folder, sizeof c->folder, "%s", f[1]);
			clock_gettime(CLOCK_MONOTONIC, &c->t0);
			c->done0 = strtoul(f[2], NULL, 10);
		}
		c->done = strtoul(f[2], NULL, 10);
		c->total = strtoul(f[3], NULL, 10);
		snprintf(c->unit, sizeof c->unit, "%s", f[4] != NULL ? f[4] : "");
		c->shown = 1;
	}
}

/* Reads what the children wrote; whole lines are printed (above the
 * progress lines) or taken as progress. Returns 0 at end of file. */
static int pump(struct pool *p, int fd, struct buf_line *b, FILE *to)
{
	ssize_t got = read(fd, b->data + b->len, sizeof b->data - 1 - b->len);
	char *nl;

	if (got <= 0)
		return got == 0 ? 0 : errno == EINTR || errno == EAGAIN;
	b->len += (size_t)got;
	b->data[b->len] = '\0';
	while ((nl = memchr(b->data, '\n', b->len)) != NULL || b->len == sizeof b->data - 1) {
		size_t n = nl != NULL ? (size_t)(nl - b->data) : b->len;
		b->data[n] = '\0';
		if (b->data[0] == '\001') {
			progress_record(p, b->data);
		} else {
			erase_progress(p);
			fprintf(to, "%s\n", b->data);
			fflush(to);
		}
		n += nl != NULL;
		memmove(b->data, b->data + n, b->len - n);
		b->len -= n;
	}
	draw_progress(p);
	return 1;
}

static int server_busy(const struct pool *p, const char *server, int per_server)
{
	int k = 0;

	for (size_t i = 0; i < p->nrun; i++)
		k += strcmp(p->run[i].server, server) == 0;
	return k >= per_server;
}

static pid_t spawn(struct pool *p, size_t idx, int (*fn)(size_t, void *), void *arg)
{
	pid_t pid;

	pid_t parent = getpid();

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) != 0)
		return pid;
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive the lock holder */
#endif
	if (getppid() != parent) /* it died before the line above */
		_exit(1);
	if (p->tty) {
		close(p->out[0]);
		close(p->errp[0]);
		dup2(p->out[1], STDOUT_FILENO);
		dup2(p->errp[1], STDERR_FILENO);
		close(p->out[1]);
		close(p->errp[1]);
		setvbuf(stdout, NULL, _IOLBF, 0);
		setvbuf(stderr, NULL, _IOLBF, 0);
	}
	int code = fn(idx, arg);
	fflush(stdout);
	fflush(stderr);
	_exit(code);
}

static void reap(struct pool *p, pid_t pid, int status, int *results)
{
	for (size_t i = 0; i < p->nrun; i++) {
		struct pool_child *c = &p->run[i];
		if (c->pid != pid)
			continue;
		if (WIFEXITED(status)) {
			results[c->idx] = WEXITSTATUS(status);
		} else {
			erase_progress(p);
			log_errorx("%s: the sync process died (signal %d); what it committed stays",
				   p->accts[c->idx]->name,
				   WIFSIGNALED(status) ? WTERMSIG(status) : 0);
			results[c->idx] = 1;
		}
		p->run[i] = p->run[--p->nrun];
		return;
	}
}

int sync_pool_run(const struct cfg_account *const *accts, size_t n, int workers, int per_server,
		  int tty, int (*fn)(size_t idx, void *arg), void *arg, int *results)
{
	struct pool p;
	unsigned char *started = xcalloc(n + 1, 1);
	size_t done = 0;
	int status;
	pid_t pid;

	memset(&p, 0, sizeof p);
	p.accts = accts;
	p.n = n;
	p.tty = tty;
	p.run = xcalloc((size_t)workers + 1, sizeof *p.run);
	if (tty && (pipe(p.out) == -1 || pipe(p.errp) == -1))
		p.tty = tty = 0;
	while (done < n) {
		for (size_t i = 0; i < n && p.nrun < (size_t)workers; i++) {
			char server[256];
			if (started[i])
				continue;
			sync_account_server(accts[i], server, sizeof server);
			if (server_busy(&p, server, per_server))
				continue;
			if ((pid = spawn(&p, i, fn, arg)) == -1) {
				log_errorx("%s: cannot start a process: %s", accts[i]->name,
					   strerror(errno));
				results[i] = 1;
				started[i] = 1;
				done++;
				continue;
			}
			started[i] = 1;
			memset(&p.run[p.nrun], 0, sizeof p.run[p.nrun]);
			p.run[p.nrun].pid = pid;
			p.run[p.nrun].idx = i;
			snprintf(p.run[p.nrun].server, sizeof p.run[p.nrun].server, "%s", server);
			clock_gettime(CLOCK_MONOTONIC, &p.run[p.nrun].t0);
			p.nrun++;
		}
		if (tty) {
			struct pollfd pf[2] = {{p.out[0], POLLIN, 0}, {p.errp[0], POLLIN, 0}};
			if (poll(pf, 2, 200) > 0) {
				if (pf[0].revents)
					pump(&p, p.out[0], &p.outbuf, stdout);
				if (pf[1].revents)
					pump(&p, p.errp[0], &p.errbuf, stderr);
			}
			while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
				reap(&p, pid, status, results);
				done++;
			}
		} else if ((pid = waitpid(-1, &status, 0)) > 0) {
			reap(&p, pid, status, results);
			done++;
		} else if (pid == -1 && errno != EINTR) {
			break;
		}
	}
	if (tty) {
		/* What the last children wrote before they exited. */
		close(p.out[1]);
		close(p.errp[1]);
		while (pump(&p, p.out[0], &p.outbuf, stdout) > 0)
			;
		while (pump(&p, p.errp[0], &p.errbuf, stderr) > 0)
			;
		erase_progress(&p);
		close(p.out[0]);
		close(p.errp[0]);
	}
	free(p.run);
	free(started);
	return 0;
}

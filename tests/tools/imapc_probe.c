/* tests/tools/imapc_probe.c - drives sync/imapc against a real server.
 *
 * For the integration tests (tests/integration/imapc.sh) and for measuring
 * fetch speed by hand. It builds a struct cfg_account from its options,
 * opens one connection and runs one or more commands, separated by "--":
 *
 *   imapc_probe --host H [--port P] [--security tls|starttls|none]
 *               [--auth plain|login|xoauth2] --user U --password-env VAR
 *               [--ca-file F] [--no-verify] [--timeout S] [--trace]
 *               [--chunk N] [--stop-after N] [--quiet]
 *               COMMAND [ARGS] [-- COMMAND [ARGS]]...
 *
 *   list                        NAME<TAB>DISPLAY<TAB>FLAGS per folder
 *   status FOLDER               status: messages=N uidnext=N uidvalidity=N highestmodseq=N
 *   examine FOLDER              examine: (the same fields)
 *   fetch FOLDER [BODYBYTES]    UID<TAB>INTERNALDATE<TAB>SIZE<TAB>HDRLEN<TAB>BODYLEN
 *                               <TAB>FIRST HEADER LINE<TAB>BODY START, one per message,
 *                               fetched in UID chunks of --chunk (default 1000)
 *   search FOLDER UIDMIN SINCE  search: UID... (SINCE: YYYY-MM-DD or 0)
 *   vanished FOLDER MODSEQ      vanished: UID...
 *   waitfile PATH               waits (up to 60 s) until PATH exists
 *
 * The last line is always "stats: ..." (commands by kind). An error prints
 * "imapc_probe: KIND: MESSAGE" on stderr and exits 1; 2 is a usage error.
 */
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "sync/imapc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct probe {
	struct imapc *ic;
	uint32_t chunk;
	unsigned long stop_after; /* 0: never stop the fetch callback */
	int quiet;
	unsigned long seen; /* messages given to the callback */
};

static void usage(void)
{
	fprintf(stderr,
		"usage: imapc_probe --host H [--port P] [--security tls|starttls|none]\n"
		"       [--auth plain|login|xoauth2] --user U --password-env VAR\n"
		"       [--ca-file F] [--no-verify] [--timeout S] [--trace] [--chunk N]\n"
		"       [--stop-after N] [--quiet] COMMAND [ARGS] [-- COMMAND [ARGS]]...\n");
	exit(2);
}

static int64_t num_arg(const char *s, int64_t min, int64_t max)
{
	int64_t v;

	if (str_to_i64(s, min, max, &v) == -1) {
		fprintf(stderr, "imapc_probe: '%s' is not a number in [%lld, %lld]\n", s,
			(long long)min, (long long)max);
		exit(2);
	}
	return v;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Prints at most n bytes up to the first line end, tabs and controls as '.'. */
static void put_first_line(const char *p, size_t n, size_t max)
{
	for (size_t i = 0; i < n && i < max && p[i] != '\r' && p[i] != '\n'; i++)
		putchar((unsigned char)p[i] >= 0x20 && p[i] != 0x7f ? p[i] : '.');
}

static int on_msg(const struct imapc_msg *m, void *arg)
{
	struct probe *pr = arg;
	char date[32];

	pr->seen++;
	if (!pr->quiet) {
		tu_format_rfc3339(m->internaldate, date, sizeof date);
		printf("%" PRIu32 "\t%s\t%" PRIu32 "\t%zu\t%zu\t", m->uid, date, m->size,
		       m->header_len, m->body_len);
		put_first_line(m->header, m->header_len, 200);
		putchar('\t');
		if (m->body != NULL)
			put_first_line(m->body, m->body_len, 60);
		putchar('\n');
	}
	if (pr->stop_after > 0 && pr->seen >= pr->stop_after)
		return -1;
	return 0;
}

static void print_box(const char *what, const struct imapc_mailbox *mb)
{
	printf("%s: messages=%" PRIu32 " uidnext=%" PRIu32 " uidvalidity=%" PRIu32
	       " highestmodseq=%" PRIu64 "\n",
	       what, mb->messages, mb->uidnext, mb->uidvalidity, mb->highestmodseq);
}

static void print_uids(const char *what, const uint32_t *v, size_t n)
{
	printf("%s:", what);
	for (size_t i = 0; i < n; i++)
		printf(" %" PRIu32, v[i]);
	putchar('\n');
}

static int cmd_list(struct probe *pr, struct err *err)
{
	struct imapc_folder *v;
	size_t n;

	if (imapc_list(pr->ic, &v, &n, err) == -1)
		return -1;
	for (size_t i = 0; i < n; i++)
		printf("%s\t%s\t%s%s%s\n", v[i].name, v[i].display, v[i].is_sent ? "sent" : "",
		       v[i].is_sent && v[i].noselect ? "," : "", v[i].noselect ? "noselect" : "");
	imapc_folders_free(v, n);
	return 0;
}

static int cmd_fetch(struct probe *pr, const char *folder, size_t body_bytes, struct err *err)
{
	struct imapc_mailbox mb;
	uint32_t last, first;
	double t0;

	if (imapc_examine(pr->ic, folder, &mb, err) == -1)
		return -1;
	last = mb.uidnext > 1 ? mb.uidnext - 1 : UINT32_MAX;
	pr->seen = 0;
	t0 = now_s();
	for (first = 1; first <= last;) {
		uint32_t end = last - first < pr->chunk ? last : first + pr->chunk - 1;
		if (imapc_fetch(pr->ic, first, end, body_bytes, on_msg, pr, err) == -1) {
			if (err->kind != ERR_NONE)
				return -1;
			printf("fetch: stopped by the callback after %lu messages\n", pr->seen);
			return 0;
		}
		if (end == UINT32_MAX)
			break;
		first = end + 1;
	}
	double dt = now_s() - t0;
	fprintf(stderr, "imapc_probe: fetched %lu messages in %.3f s (%.0f msg/s)\n", pr->seen, dt,
		dt > 0 ? (double)pr->seen / dt : 0.0);
	return 0;
}

static int cmd_search(struct probe *pr, const char *folder, const char *min, const char *since,
		      struct err *err)
{
	struct imapc_mailbox mb;
	int64_t t = 0;
	uint32_t *v;
	size_t n;

	if (strcmp(since, "0") != 0 && tu_parse_date(since, &t) == -1) {
		fprintf(stderr, "imapc_probe: '%s' is not a date\n", since);
		exit(2);
	}
	if (imapc_examine(pr->ic, folder, &mb, err) == -1)
		return -1;
	if (imapc_search_uids(pr->ic, (uint32_t)num_arg(min, 0, UINT32_MAX), t, &v, &n, err) == -1)
		return -1;
	print_uids("search", v, n);
	free(v);
	return 0;
}

static int cmd_vanished(struct probe *pr, const char *folder, const char *modseq, struct err *err)
{
	struct imapc_mailbox mb;
	uint32_t *v;
	size_t n;

	if (imapc_examine(pr->ic, folder, &mb, err) == -1)
		return -1;
	if (imapc_vanished(pr->ic, (uint64_t)num_arg(modseq, 0, INT64_MAX), &v, &n, err) == -1)
		return -1;
	print_uids("vanished", v, n);
	free(v);
	return 0;
}

static void cmd_waitfile(const char *path)
{
	for (int i = 0; i < 6000 && access(path, F_OK) != 0; i++)
		usleep(10000);
}

/* Runs the command in argv[0..argc); returns 0 or -1 with err set. */
static int run(struct probe *pr, int argc, char **argv, struct err *err)
{
	struct imapc_mailbox mb;
	const char *c = argv[0];

	if (strcmp(c, "list") == 0 && argc == 1)
		return cmd_list(pr, err);
	if (strcmp(c, "status") == 0 && argc == 2) {
		if (imapc_status(pr->ic, argv[1], &mb, err) == -1)
			return -1;
		print_box("status", &mb);
		return 0;
	}
	if (strcmp(c, "examine") == 0 && argc == 2) {
		if (imapc_examine(pr->ic, argv[1], &mb, err) == -1)
			return -1;
		print_box("examine", &mb);
		return 0;
	}
	if (strcmp(c, "fetch") == 0 && (argc == 2 || argc == 3))
		return cmd_fetch(pr, argv[1], argc == 3 ? (size_t)num_arg(argv[2], 0, 1 << 20) : 0,
				 err);
	if (strcmp(c, "search") == 0 && argc == 4)
		return cmd_search(pr, argv[1], argv[2], argv[3], err);
	if (strcmp(c, "vanished") == 0 && argc == 3)
		return cmd_vanished(pr, argv[1], argv[2], err);
	if (strcmp(c, "waitfile") == 0 && argc == 2) {
		cmd_waitfile(argv[1]);
		return 0;
	}
	fprintf(stderr, "imapc_probe: unknown command or wrong arguments: %s\n", c);
	exit(2);
}

static void parse_opts(int *ip, int argc, char **argv, struct cfg_account *a, struct probe *pr,
		       const char **pw_env)
{
	int i = *ip;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2] != '\0'; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--no-verify") == 0) {
			a->tls_verify = 0;
			continue;
		} else if (strcmp(o, "--trace") == 0) {
			log_init(LOG_LVL_TRACE);
			continue;
		} else if (strcmp(o, "--quiet") == 0) {
			pr->quiet = 1;
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (strcmp(o, "--host") == 0)
			a->host = argv[i];
		else if (strcmp(o, "--port") == 0)
			a->port = (int)num_arg(v, 1, 65535);
		else if (strcmp(o, "--user") == 0)
			a->user = a->owner = argv[i];
		else if (strcmp(o, "--password-env") == 0)
			*pw_env = v;
		else if (strcmp(o, "--ca-file") == 0)
			a->ca_file = argv[i];
		else if (strcmp(o, "--timeout") == 0)
			a->timeout_s = num_arg(v, 1, 3600);
		else if (strcmp(o, "--chunk") == 0)
			pr->chunk = (uint32_t)num_arg(v, 1, 1000000);
		else if (strcmp(o, "--stop-after") == 0)
			pr->stop_after = (unsigned long)num_arg(v, 0, 1000000000);
		else if (strcmp(o, "--security") == 0)
			a->security = strcmp(v, "tls") == 0	 ? CFG_SEC_TLS :
				      strcmp(v, "starttls") == 0 ? CFG_SEC_STARTTLS :
				      strcmp(v, "none") == 0	 ? CFG_SEC_NONE :
								   (usage(), CFG_SEC_TLS);
		else if (strcmp(o, "--auth") == 0)
			a->auth = strcmp(v, "plain") == 0   ? CFG_AUTH_PLAIN :
				  strcmp(v, "login") == 0   ? CFG_AUTH_LOGIN :
				  strcmp(v, "xoauth2") == 0 ? CFG_AUTH_XOAUTH2 :
							      (usage(), CFG_AUTH_PLAIN);
		else
			usage();
	}
	*ip = i;
}

static void print_caps(unsigned caps)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{IMAPC_CAP_CONDSTORE, "CONDSTORE"}, {IMAPC_CAP_QRESYNC, "QRESYNC"},
		{IMAPC_CAP_IDLE, "IDLE"},	    {IMAPC_CAP_SPECIAL_USE, "SPECIAL-USE"},
		{IMAPC_CAP_GMAIL, "X-GM-EXT-1"},    {IMAPC_CAP_LITERALPLUS, "LITERAL+"},
	};

	printf("caps:");
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (caps & names[i].bit)
			printf(" %s", names[i].name);
	putchar('\n');
}

int main(int argc, char **argv)
{
	struct cfg_account acct;
	struct probe pr = {NULL, 1000, 0, 0, 0};
	const char *pw_env = NULL, *secret = NULL;
	struct err err;
	int i = 1, rc = 0;

	memset(&acct, 0, sizeof acct);
	acct.kind = CFG_ACCOUNT_IMAP;
	static char name[] = "probe";

	acct.name = name;
	acct.security = CFG_SEC_TLS;
	acct.auth = CFG_AUTH_PLAIN;
	acct.tls_verify = 1;
	acct.timeout_s = 30;
	parse_opts(&i, argc, argv, &acct, &pr, &pw_env);
	if (acct.host == NULL || acct.user == NULL || i >= argc)
		usage();
	if (pw_env != NULL) {
		secret = getenv(pw_env);
		if (secret == NULL) {
			fprintf(stderr, "imapc_probe: $%s is not set\n", pw_env);
			return 2;
		}
		log_add_secret(secret);
	}
	err_init(&err);
	pr.ic = imapc_open(&acct, secret, &err);
	if (pr.ic == NULL) {
		fprintf(stderr, "imapc_probe: %s: %s\n", err_kind_name(err.kind), err.msg);
		return 1;
	}
	print_caps(imapc_caps(pr.ic));
	while (i < argc) {
		int j = i;
		while (j < argc && strcmp(argv[j], "--") != 0)
			j++;
		if (j == i)
			usage();
		if (run(&pr, j - i, argv + i, &err) == -1) {
			fprintf(stderr, "imapc_probe: %s: %s\n", err_kind_name(err.kind), err.msg);
			rc = 1;
			break;
		}
		fflush(stdout);
		i = j < argc ? j + 1 : j;
	}
	const struct imapc_stats *st = imapc_stats(pr.ic);
	printf("stats: status=%lu select=%lu fetch=%lu search=%lu list=%lu other=%lu "
	       "messages=%lu bytes=%llu\n",
	       st->status, st->select, st->fetch, st->search, st->list, st->other, st->messages,
	       st->bytes);
	imapc_close(&pr.ic);
	return rc;
}

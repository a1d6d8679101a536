/* tests/tools/davc_probe.c - drives sync/davc against a real server.
 *
 * For the integration tests (tests/integration/davc.sh) and for looking at
 * a CalDAV server by hand. It builds a struct cfg_account from its
 * options, opens one client (one kept-alive connection) and runs one or
 * more commands, separated by "--":
 *
 *   davc_probe --url U --user U --password-env VAR [--ca-file F]
 *              [--no-verify] [--timeout S] [--trace]
 *              COMMAND [ARGS] [-- COMMAND [ARGS]]...
 *
 *   discover                 calendar<TAB>HREF<TAB>DISPLAYNAME<TAB>CTAG<TAB>TOKEN
 *   state HREF               state: ctag=CTAG token=TOKEN
 *   sync HREF [TOKEN]        member<TAB>STATUS<TAB>HREF<TAB>ETAG per member, then
 *                            token: TOKEN; a rejected token prints
 *                            "sync: token_invalid" and fails
 *   multiget HREF HREF...    item<TAB>STATUS<TAB>HREF<TAB>ETAG<TAB>BYTES<TAB>SUMMARY
 *   query HREF START END     member<TAB>STATUS<TAB>HREF<TAB>ETAG (START, END:
 *                            YYYY-MM-DD or RFC 3339, UTC)
 *
 * A value the server did not send prints as "-". The last line is always
 * "stats: requests=N propfind=N report=N get=N bytes=N". An error prints
 * "davc_probe: KIND: MESSAGE" on stderr (and "davc_probe: retry-after: N"
 * when the server asked to wait) and exits 1; 2 is a usage error. The
 * caller calls curl_global_init, as cli/main.c does.
 */
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "parsers/davxml.h"
#include "sync/davc.h"

#include <curl/curl.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
	fprintf(stderr, "usage: davc_probe --url U --user U --password-env VAR [--ca-file F]\n"
			"       [--no-verify] [--timeout S] [--trace] COMMAND [ARGS]\n"
			"       [-- COMMAND [ARGS]]...\n"
			"commands: discover | state HREF | sync HREF [TOKEN] |\n"
			"          multiget HREF HREF... | query HREF START END\n");
	exit(2);
}

static const char *or_dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "-";
}

/* The SUMMARY of the first component, for a human (not a parser: folded
 * lines are cut). */
static void put_summary(const char *ics)
{
	const char *p = ics;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, "SUMMARY", 7) == 0 && (p[7] == ':' || p[7] == ';')) {
			const char *v = strchr(p, ':');
			size_t n = strcspn(v + 1, "\r\n");

			printf("%.*s", (int)n, v + 1);
			return;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	putchar('-');
}

static int cmd_discover(struct davc *dc, struct err *err)
{
	struct davc_calendar *v;
	size_t n;

	if (davc_discover(dc, &v, &n, err) == -1)
		return -1;
	for (size_t i = 0; i < n; i++)
		printf("calendar\t%s\t%s\t%s\t%s\n", v[i].href, or_dash(v[i].displayname),
		       or_dash(v[i].ctag), or_dash(v[i].sync_token));
	davc_calendars_free(v, n);
	return 0;
}

static int cmd_state(struct davc *dc, const char *href, struct err *err)
{
	char *ctag, *token;

	if (davc_calendar_state(dc, href, &ctag, &token, err) == -1)
		return -1;
	printf("state: ctag=%s token=%s\n", or_dash(ctag), or_dash(token));
	free(ctag);
	free(token);
	return 0;
}

static void print_members(const char *what, const struct davxml_multistatus *ms)
{
	for (size_t i = 0; i < ms->n; i++)
		printf("%s\t%d\t%s\t%s\n", what, ms->v[i].status, ms->v[i].href,
		       or_dash(ms->v[i].etag));
}

static int cmd_sync(struct davc *dc, const char *href, const char *token, struct err *err)
{
	struct davxml_multistatus ms;
	int invalid = 0;

	if (davc_sync_collection(dc, href, token, &ms, &invalid, err) == -1) {
		if (invalid)
			printf("sync: token_invalid\n");
		return -1;
	}
	print_members("member", &ms);
	printf("token: %s\n", or_dash(ms.sync_token));
	davxml_multistatus_release(&ms);
	return 0;
}

static int cmd_multiget(struct davc *dc, const char *href, int n, char **hrefs, struct err *err)
{
	struct davxml_multistatus ms;

	if (davc_multiget(dc, href, (const char *const *)hrefs, (size_t)n, &ms, err) == -1)
		return -1;
	for (size_t i = 0; i < ms.n; i++) {
		const struct davxml_response *r = &ms.v[i];

		printf("item\t%d\t%s\t%s\t%zu\t", r->status, r->href, or_dash(r->etag),
		       r->calendar_data != NULL ? strlen(r->calendar_data) : 0);
		if (r->calendar_data != NULL)
			put_summary(r->calendar_data);
		else
			putchar('-');
		putchar('\n');
	}
	davxml_multistatus_release(&ms);
	return 0;
}

static int64_t date_arg(const char *s)
{
	int64_t t;

	if (tu_parse_date(s, &t) == -1) {
		fprintf(stderr, "davc_probe: '%s' is not a date\n", s);
		exit(2);
	}
	return t;
}

static int cmd_query(struct davc *dc, const char *href, const char *start, const char *end,
		     struct err *err)
{
	struct davxml_multistatus ms;

	if (davc_calendar_query(dc, href, date_arg(start), date_arg(end), &ms, err) == -1)
		return -1;
	print_members("member", &ms);
	davxml_multistatus_release(&ms);
	return 0;
}

/* Runs the command in argv[0..argc); returns 0 or -1 with err set. */
static int run(struct davc *dc, int argc, char **argv, struct err *err)
{
	const char *c = argv[0];

	if (strcmp(c, "discover") == 0 && argc == 1)
		return cmd_discover(dc, err);
	if (strcmp(c, "state") == 0 && argc == 2)
		return cmd_state(dc, argv[1], err);
	if (strcmp(c, "sync") == 0 && (argc == 2 || argc == 3))
		return cmd_sync(dc, argv[1], argc == 3 ? argv[2] : NULL, err);
	if (strcmp(c, "multiget") == 0 && argc >= 3)
		return cmd_multiget(dc, argv[1], argc - 2, argv + 2, err);
	if (strcmp(c, "query") == 0 && argc == 4)
		return cmd_query(dc, argv[1], argv[2], argv[3], err);
	fprintf(stderr, "davc_probe: unknown command or wrong arguments: %s\n", c);
	exit(2);
}

static void parse_opts(int *ip, int argc, char **argv, struct cfg_account *a, const char **pw_env)
{
	int i = *ip;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2] != '\0'; i++) {
		const char *o = argv[i];
		int64_t t;

		if (strcmp(o, "--no-verify") == 0) {
			a->tls_verify = 0;
			continue;
		} else if (strcmp(o, "--trace") == 0) {
			log_init(LOG_LVL_TRACE);
			continue;
		}
		if (i + 1 >= argc)
			usage();
		i++;
		if (strcmp(o, "--url") == 0) {
			a->url = argv[i];
		} else if (strcmp(o, "--user") == 0) {
			a->user = a->owner = argv[i];
		} else if (strcmp(o, "--password-env") == 0) {
			*pw_env = argv[i];
		} else if (strcmp(o, "--ca-file") == 0) {
			a->ca_file = argv[i];
		} else if (strcmp(o, "--timeout") == 0) {
			if (str_to_i64(argv[i], 1, 3600, &t) == -1) {
				fprintf(stderr, "davc_probe: --timeout wants 1..3600 seconds\n");
				exit(2);
			}
			a->timeout_s = t;
		} else {
			usage();
		}
	}
	*ip = i;
}

int main(int argc, char **argv)
{
	static char name[] = "probe";
	struct cfg_account acct;
	const char *pw_env = NULL, *secret = NULL;
	struct davc *dc;
	struct err err;
	int i = 1, rc = 0;

	memset(&acct, 0, sizeof acct);
	acct.kind = CFG_ACCOUNT_CALDAV;
	acct.name = name;
	acct.tls_verify = 1;
	acct.timeout_s = 30;
	parse_opts(&i, argc, argv, &acct, &pw_env);
	if (acct.url == NULL || acct.user == NULL || i >= argc)
		usage();
	if (pw_env != NULL) {
		secret = getenv(pw_env);
		if (secret == NULL) {
			fprintf(stderr, "davc_probe: $%s is not set\n", pw_env);
			return 2;
		}
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "davc_probe: curl_global_init failed\n");
		return 1;
	}
	err_init(&err);
	dc = davc_open(&acct, secret, &err);
	if (dc == NULL) {
		fprintf(stderr, "davc_probe: %s: %s\n", err_kind_name(err.kind), err.msg);
		curl_global_cleanup();
		return 1;
	}
	while (i < argc) {
		int j = i;

		while (j < argc && strcmp(argv[j], "--") != 0)
			j++;
		if (j == i)
			usage();
		if (run(dc, j - i, argv + i, &err) == -1) {
			char *m = log_redact(err.msg);

			fprintf(stderr, "davc_probe: %s: %s\n", err_kind_name(err.kind), m);
			free(m);
			if (err.kind == ERR_WAIT)
				fprintf(stderr, "davc_probe: retry-after: %ld\n",
					davc_retry_after(dc));
			rc = 1;
			break;
		}
		fflush(stdout);
		i = j < argc ? j + 1 : j;
	}
	const struct davc_stats *st = davc_stats(dc);
	printf("stats: requests=%lu propfind=%lu report=%lu get=%lu bytes=%llu\n", st->requests,
	       st->propfind, st->report, st->get, st->bytes);
	davc_close(&dc);
	curl_global_cleanup();
	log_clear_secrets();
	return rc;
}

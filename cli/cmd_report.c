/* cli/cmd_report.c - `crmsync report activity|attribution|funnel|forecast`
 * (SPEC §6): parse the options, build the document from the store, render
 * it to stdout or -o FILE. CSV has no room for the line saying which
 * deals the money leaves out (other currencies), so it goes to stderr as
 * a warning. */
#include "cli/cli.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "parsers/addr.h"
#include "reports/report.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *name;
	int (*build)(struct store *st, const struct report_params *p, struct report_doc *d,
		     struct err *err);
	int money; /* takes --currency */
} reports[] = {
	{"activity", report_activity, 0},
	{"attribution", report_attribution, 1},
	{"funnel", report_funnel, 0},
	{"forecast", report_forecast, 1},
};

static const char *const models[] = {"first",	 "last",       "linear", "u-shaped",
				     "w-shaped", "time-decay", "all",	 NULL};

static int report_usage(FILE *fp)
{
	fputs("usage: crmsync report activity|attribution|funnel|forecast [options]\n"
	      "\n"
	      "  --from DATE, --to DATE   the range (default: the last 30 days; DATE is\n"
	      "                           YYYY-MM-DD (a local day of --tz), RFC 3339, or\n"
	      "                           7d, 4w, 3m ago)\n"
	      "  --period day|week|month  activity per period (default week)\n"
	      "  --tz ZONE                IANA zone; periods cut at its midnight (default local)\n"
	      "  --user EMAIL             one team member\n"
	      "  --format text|csv|json|html, -o FILE\n"
	      "  --model first|last|linear|u-shaped|w-shaped|time-decay|all (attribution)\n"
	      "  --half-life DAYS         time-decay half-life (default 7)\n"
	      "  --mode ordered|any       funnel counting (default ordered)\n"
	      "  --stale-days N           activity: open deals idle this long (default 14)\n"
	      "  --currency CODE          attribution, forecast: money in this ISO 4217\n"
	      "                           currency (default: that of most deals); deals in\n"
	      "                           others are counted, their money left out\n"
	      "\n"
	      "JSON: docs/report-json.md. Every figure is computed from the activity log.\n",
	      fp);
	return fp == stdout ? EXIT_OK : EXIT_USAGE;
}

struct report_args {
	struct report_params p;
	enum report_format fmt;
	const char *out;
	const char *tz;
	char *user; /* owned */
	char currency[4];
	int has_from, has_to;
};

static int parse_choice(const char *opt, const char *v, const char *const *names, int *out)
{
	for (int i = 0; names[i] != NULL; i++) {
		if (strcmp(names[i], v) == 0) {
			*out = i;
			return 0;
		}
	}
	return cli_usage("report", "%s: unknown value '%s'", opt, v);
}

static int parse_number(const char *opt, const char *v, double min, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	if (*v == '\0' || *end != '\0' || errno != 0 || !(*out >= min && *out <= max))
		return cli_usage("report", "%s: '%s' is not a number from %g to %g", opt, v, min,
				 max);
	return 0;
}

/* An ISO 4217 code: three ASCII letters, any case in, upper case out. */
static int parse_currency(const char *v, char *out)
{
	size_t i = 0;

	for (; i < 3 && ((v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' && v[i] <= 'z')); i++)
		out[i] = (char)(v[i] & ~0x20);
	if (i < 3 || v[3] != '\0')
		return cli_usage("report",
				 "--currency: '%s' is not an ISO 4217 code such as EUR or USD", v);
	out[3] = '\0';
	return 0;
}

static int report_parse(struct cli *c, int argc, char **argv, struct report_args *a)
{
	static const struct option opts[] = {
		{"from", required_argument, NULL, 'F'},
		{"to", required_argument, NULL, 'T'},
		{"period", required_argument, NULL, 'p'},
		{"tz", required_argument, NULL, 'z'},
		{"user", required_argument, NULL, 'u'},
		{"format", required_argument, NULL, 'f'},
		{"model", required_argument, NULL, 'm'},
		{"half-life", required_argument, NULL, 'h'},
		{"mode", required_argument, NULL, 'M'},
		{"stale-days", required_argument, NULL, 's'},
		{"currency", required_argument, NULL, 'C'},
		{NULL, 0, NULL, 0},
	};
	static const char *const periods[] = {"day", "week", "month", NULL};
	static const char *const formats[] = {"text", "csv", "json", "html", NULL};
	static const char *const modes[] = {"ordered", "any", NULL};
	int ch, k = 0;
	double x;
	struct err err;

	err_init(&err);
	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (ch) {
		case 'F':
		case 'T':
			if (tu_parse_cli_date(optarg, c->now, ch == 'F' ? &a->p.from : &a->p.to))
				return cli_usage("report",
						 "'%s' is not a date (YYYY-MM-DD, RFC 3339, 7d, "
						 "4w, 3m)",
						 optarg);
			/* 1: given; 2: a bare date, a local day of --tz. */
			*(ch == 'F' ? &a->has_from : &a->has_to) = strlen(optarg) == 10 ? 2 : 1;
			break;
		case 'p':
			if (parse_choice("--period", optarg, periods, &k))
				return -1;
			a->p.period = (enum report_period)k;
			break;
		case 'z':
			a->tz = optarg;
			break;
		case 'u':
			free(a->user);
			if ((a->user = addr_canonical(optarg, c->cfg->plus_addressing, &err)) ==
			    NULL)
				return cli_usage("report", "--user '%s': %s", optarg, err.msg);
			break;
		case 'f':
			if (parse_choice("--format", optarg, formats, &k))
				return -1;
			a->fmt = (enum report_format)k;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'm':
			if (parse_choice("--model", optarg, models, &k))
				return -1;
			a->p.model = models[k];
			break;
		case 'h':
			if (parse_number("--half-life", optarg, 0.01, 3650, &a->p.half_life))
				return -1;
			break;
		case 'M':
			if (parse_choice("--mode", optarg, modes, &k))
				return -1;
			a->p.funnel_any = k == 1;
			break;
		case 's':
			if (parse_number("--stale-days", optarg, 1, 3650, &x))
				return -1;
			a->p.stale_days = (int)x;
			break;
		case 'C':
			if (parse_currency(optarg, a->currency))
				return -1;
			a->p.currency = a->currency;
			break;
		default:
			report_usage(stderr);
			return -1;
		}
	}
	return 0;
}

/* Writes to a temporary file next to FILE, then renames it in place, so a
 * failed run never leaves half a report. A report holds CRM data (people,
 * deals, values): a new one gets mode 0600, as the database has; one that
 * replaces an existing file keeps that file's permissions, so a report the
 * user chose to share (chmod 644, served by a web server) stays shared. */
static int write_report(const struct report_doc *d, const struct report_args *a, struct err *err)
{
	struct stat sb;
	char *tmp;
	FILE *fp;
	int fd, rc;

	if (a->out == NULL || strcmp(a->out, "-") == 0)
		return report_render(d, a->fmt, stdout, err);
	tmp = xasprintf("%s.tmpXXXXXX", a->out);
	if ((fd = mkstemp(tmp)) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		err_set(err, ERR_USAGE, "%s: %s", a->out, strerror(errno));
		if (fd != -1)
			close(fd), unlink(tmp);
		free(tmp);
		return -1;
	}
	if (stat(a->out, &sb) == 0 && S_ISREG(sb.st_mode))
		fchmod(fd, sb.st_mode & 0777);
	if ((rc = report_render(d, a->fmt, fp, err)) != 0)
		err_prefix(err, "%s", a->out);
	if (fclose(fp) != 0 && rc == 0)
		rc = err_set(err, ERR_FINAL, "%s: %s", a->out, strerror(errno));
	if (rc == 0 && rename(tmp, a->out) == -1)
		rc = err_set(err, ERR_FINAL, "%s: %s", a->out, strerror(errno));
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

static void warn_currency(const struct report_doc *d)
{
	char *note = report_currency_note(d);

	if (note != NULL)
		log_warnx("%s", note);
	free(note);
}

int cmd_report(struct cli *c, int argc, char **argv)
{
	struct report_args a = {
		.p = {.period = REPORT_WEEK, .model = "all", .half_life = 7, .stale_days = 14}};
	struct report_doc d = {0};
	struct store *st = NULL;
	struct err err;
	size_t r;
	int rc = EXIT_USAGE;

	if (cli_wants_help(argc, argv))
		return report_usage(stdout);
	if (argc < 2)
		return cli_usage("report",
				 "which report: activity, attribution, funnel or forecast");
	for (r = 0; r < sizeof reports / sizeof reports[0]; r++)
		if (strcmp(reports[r].name, argv[1]) == 0)
			break;
	if (r == sizeof reports / sizeof reports[0])
		return cli_usage("report",
				 "unknown report '%s' (activity, attribution, funnel or forecast)",
				 argv[1]);
	if (cli_config(c) == NULL)
		return EXIT_USAGE;
	a.p.now = c->now;
	argc--;
	argv++;
	optind = 0;
	if (report_parse(c, argc, argv, &a) == -1)
		goto out;
	if (optind < argc) {
		cli_usage("report", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (a.p.currency != NULL && !reports[r].money) {
		cli_usage("report",
			  "--currency: the %s report has no money (only attribution and forecast "
			  "take it)",
			  reports[r].name);
		goto out;
	}
	err_init(&err);
	report_doc_init(&d, reports[r].name, &a.p);
	if ((d.tz = report_zone(a.tz, &err)) == NULL) {
		rc = cli_fail(&err);
		goto out;
	}
	if (a.has_from == 2)
		a.p.from = report_local_day(d.tz, a.p.from);
	if (a.has_to == 2)
		a.p.to = report_local_day(d.tz, a.p.to);
	/* Default range: the 30 local days up to the end of today. */
	if (!a.has_to)
		a.p.to = report_local_midnight(d.tz, c->now, 1);
	if (!a.has_from)
		a.p.from = report_local_midnight(d.tz, a.p.to - 1, -29);
	if (a.p.to <= a.p.from) {
		cli_usage("report", "--to must come after --from");
		goto out;
	}
	a.p.tz = d.tz;
	a.p.user = a.user;
	d.p = a.p;
	if ((st = cli_store(c, STORE_NOCREATE | STORE_BIG_CACHE, &rc)) == NULL)
		goto out;
	if (reports[r].build(st, &a.p, &d, &err) == -1 || write_report(&d, &a, &err) == -1) {
		rc = cli_fail(&err);
		goto out;
	}
	if (a.fmt == REPORT_CSV)
		warn_currency(&d);
	if (a.out != NULL && strcmp(a.out, "-") != 0 && a.fmt == REPORT_HTML)
		fprintf(stderr, "wrote %s\n", a.out);
	rc = EXIT_OK;
out:
	report_doc_release(&d);
	store_close(&st);
	free(a.user);
	return rc;
}

/* cli/cmd_purge.c - `crmsync purge --address A | --domain D`: forget a
 * person or a domain everywhere (SPEC §5.5), keep only a salted hash so
 * they stay ignored, and say what went.
 */
#include "cli/cli.h"
#include "core/config.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "match/match.h"
#include "parsers/addr.h"
#include "store/store.h"

#include <getopt.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The database's purge salt, made on first use. Owned. */
static char *purge_salt(struct store *st, struct err *err)
{
	unsigned char raw[16];
	char *salt;

	if (store_meta_get(st, "purge_salt", &salt, err) == -1)
		return NULL;
	if (salt != NULL)
		return salt;
	if (gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof raw) != 0) {
		err_set(err, ERR_FINAL, "no random bytes for the purge salt");
		return NULL;
	}
	salt = xmalloc(2 * sizeof raw + 1);
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(salt + 2 * i, 3, "%02x", raw[i]);
	if (store_meta_put(st, "purge_salt", salt, err) == -1) {
		free(salt);
		return NULL;
	}
	return salt;
}

static int purge_usage(FILE *fp)
{
	fputs("usage: crmsync purge --address EMAIL | --domain DOMAIN\n"
	      "\n"
	      "Forgets a person (or everyone at a domain) everywhere: their participant\n"
	      "rows, the subject and snippet of every activity they took part in, the\n"
	      "activities with no other outside participant, their contact record (and\n"
	      "for a domain its company), and every explanation that quotes them. They\n"
	      "are added to the ignore list (as a salted hash, never in clear) so later\n"
	      "mail does not bring them back, and the purge is recorded.\n",
	      fp);
	return fp == stdout ? EXIT_OK : EXIT_USAGE;
}

/* 1 when the domain is (within) a team domain. */
static int team_domain(const struct config *cfg, const char *domain)
{
	size_t ld = strlen(domain);

	for (size_t i = 0; i < cfg->team_domains.n; i++) {
		const char *t = cfg->team_domains.items[i];
		size_t lt = strlen(t);
		if (strcmp(domain, t) == 0 ||
		    (ld > lt && domain[ld - lt - 1] == '.' && strcmp(domain + ld - lt, t) == 0))
			return 1;
	}
	return 0;
}

int cmd_purge(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"address", required_argument, NULL, 'a'},
		{"domain", required_argument, NULL, 'D'},
		{NULL, 0, NULL, 0},
	};
	struct store_purge p = {0};
	struct store_purge_result r;
	struct store *st = NULL;
	char *value = NULL, *salt = NULL, *hash = NULL;
	struct err err;
	int ch, rc = EXIT_USAGE;

	if (cli_wants_help(argc, argv))
		return purge_usage(stdout);
	if (cli_config(c) == NULL)
		return EXIT_USAGE;
	err_init(&err);
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if ((ch != 'a' && ch != 'D') || value != NULL) {
			free(value);
			return ch == 'a' || ch == 'D' ?
				       cli_usage("purge", "give one --address or one --domain") :
				       purge_usage(stderr);
		}
		p.kind = ch == 'a' ? "address" : "domain";
		value = ch == 'a' ? addr_canonical(optarg, c->cfg->plus_addressing, &err) :
				    addr_domain_canonical(optarg, &err);
		if (value == NULL)
			return cli_usage("purge", "'%s': %s", optarg, err.msg);
	}
	if (value == NULL)
		return cli_usage("purge", "give --address EMAIL or --domain DOMAIN");
	if (optind < argc) {
		free(value);
		return cli_usage("purge", "unexpected argument '%s'", argv[optind]);
	}
	if (team_domain(c->cfg, strcmp(p.kind, "domain") == 0 ? value : addr_domain(value))) {
		cli_usage("purge",
			  "%s is in a team domain ([team] domains): team mail is not purged",
			  value);
		goto out;
	}
	if ((st = cli_store(c, 0, &rc)) == NULL)
		goto out;
	if ((salt = purge_salt(st, &err)) == NULL) {
		rc = cli_fail(&err);
		goto out;
	}
	hash = match_purge_hash(salt, value);
	p.value = value;
	p.hash = hash;
	if (store_purge(st, &p, c->now, &r, &err) == -1) {
		rc = cli_fail(&err);
		goto out;
	}
	printf("purged %s: %lld participant rows removed, %lld activities deleted (nobody else "
	       "outside the team), %lld kept without subject and snippet, %lld contacts",
	       value, (long long)r.participants, (long long)r.activities, (long long)r.cleared,
	       (long long)r.contacts);
	if (strcmp(p.kind, "domain") == 0)
		printf(" and %lld companies", (long long)r.companies);
	printf(" deleted, %lld explanations scrubbed; now ignored (purge #%lld)\n",
	       (long long)r.texts, (long long)r.id);
	rc = EXIT_OK;
out:
	free(value);
	free(salt);
	free(hash);
	store_close(&st);
	return rc;
}

/* tests/fuzz/fuzz_import.c - the CRM import of `crmsync import KIND
 * FILE.csv` (cli/cmd_import.c: header mapping, cell checks, emails,
 * domains, dates, money; store/crm.c: the upserts and their rules) against
 * an in-memory database.
 *
 * The input is "KIND\n" and then the CSV text, KIND one of users,
 * companies, contacts, stages, deals. One ":memory:" store is opened at the
 * first input and given a few users, companies, contacts and stages, so
 * that contacts and deals have something to refer to; each input is
 * imported in a transaction that is then rolled back, so every input sees
 * the same database and a crash replays alone. */
#include "cli/cli.h"
#include "core/err.h"
#include "parsers/csv.h"
#include "store/store.h"
#include "tests/fuzz/fuzz.h"
#include "tests/unit/cli_stubs.h"

#include <stdio.h>

#define FUZZ_NOW 1767225600 /* 2026-01-01, the import's clock */

static const char *const base[][2] = {
	{"users", "email,name,aliases\n"
		  "alice@lumen.example,Alice Moreau,alice.moreau@lumen.example\n"
		  "bob@lumen.example,Bob Okafor,\n"},
	{"companies", "domain,name,domains\n"
		      "acme.example,\"Acme, Inc.\",acme-corp.example\n"
		      "globex.example,Globex Corporation,\n"},
	{"contacts",
	 "email,name,company,lead_source,created_at,emails\n"
	 "wile@acme.example,Wile E. Coyote,acme.example,webinar,2026-01-12,\n"
	 "hank@globex.example,Hank Scorpio,globex.example,outbound,,hs@globex.example\n"},
	{"stages", "id,name,position,probability\n"
		   "lead,Lead,1,10\n"
		   "proposal,Proposal,4,60\n"
		   "closed,Closed,6,100\n"},
};

static int import(struct store *st, const char *kind, const char *csv, size_t len, struct err *err)
{
	struct csv_reader *r = csv_open_mem("fuzz.csv", csv, len);
	struct cli_import_tally t = {0, 0, 0};
	int rc;

	rc = cli_import_csv(st, kind, r, FUZZ_NOW, 1, &t, err);
	csv_close(r);
	return rc;
}

/* Kept open for the whole run: still reachable at exit, so no leak. */
static struct store *fuzz_store(void)
{
	static struct store *st;
	struct err err;

	if (st != NULL)
		return st;
	err_init(&err);
	if ((st = store_open(":memory:", 0, &err)) == NULL) {
		fprintf(stderr, "fuzz_import: %s\n", err.msg);
		abort();
	}
	for (size_t i = 0; i < sizeof base / sizeof base[0]; i++) {
		if (store_begin(st, &err) == -1 ||
		    import(st, base[i][0], base[i][1], strlen(base[i][1]), &err) == -1 ||
		    store_commit(st, &err) == -1) {
			fprintf(stderr, "fuzz_import: base %s: %s\n", base[i][0], err.msg);
			abort();
		}
	}
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store *st = fuzz_store();
	const char *csv;
	size_t csv_len;
	struct err err;
	char *kind;

	fuzz_split(data, size, &kind, &csv, &csv_len);
	err_init(&err);
	if (store_begin(st, &err) == 0) {
		(void)import(st, kind, csv, csv_len, &err);
		store_rollback(st);
	}
	free(kind);
	return 0;
}

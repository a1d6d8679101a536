/* tests/unit/test_import.c - cli/cmd_import.c's bounds on a CSV file
 * (CLI_IMPORT_MAX_ROWS), against an in-memory database: at the bound the
 * file is imported, one row past it the whole file is refused with a
 * message naming the line and the limit, and the caller's rollback leaves
 * nothing of it. The bound is lowered for the test (cli_import_csv_max);
 * the real one is a million rows.
 */
#include "cli/cli.h"
#include "core/buf.h"
#include "core/err.h"
#include "parsers/csv.h"
#include "store/store.h"
#include "t.h"
#include "tests/unit/cli_stubs.h"

#include <stdio.h>
#include <stdlib.h>

#define NOW 1767225600 /* 2026-01-01 */

static int import_users(struct store *st, size_t rows, size_t max_rows, struct err *err)
{
	struct cli_import_tally t = {0, 0, 0};
	struct csv_reader *csv;
	struct buf b;
	int rc;

	buf_init(&b, 1 << 20);
	buf_addstr(&b, "email,name\n");
	for (size_t i = 0; i < rows; i++)
		buf_addf(&b, "u%zu@rows.example,User %zu\n", i, i);
	csv = csv_open_mem("users.csv", b.data, b.len);
	err_init(err);
	if (store_begin(st, err) == -1)
		abort();
	rc = cli_import_csv_max(st, "users", csv, NOW, 1, max_rows, &t, err);
	if (rc == 0 && store_commit(st, err) == -1)
		rc = -1;
	if (rc == -1)
		store_rollback(st);
	csv_close(csv);
	buf_release(&b);
	return rc;
}

static long users(struct store *st)
{
	struct store_counts c;
	struct err err;

	err_init(&err);
	if (store_counts(st, &c, &err) == -1)
		abort();
	return (long)c.users;
}

static void test_max_rows(void)
{
	struct store *st;
	struct err err;

	err_init(&err);
	if ((st = store_open(":memory:", 0, &err)) == NULL) {
		fprintf(stderr, "store_open: %s\n", err.msg);
		abort();
	}
	T_OK(import_users(st, 5, 5, &err) == 0);
	T_INTEQ(users(st), 5);
	T_OK(import_users(st, 6, 5, &err) == -1);
	T_INTEQ(err.kind, ERR_USAGE);
	T_STREQ(err.msg, "users.csv:7: more than 5 rows in one file; split it");
	T_INTEQ(users(st), 5);
	T_OK(CLI_IMPORT_MAX_ROWS == 1000000);
	store_close(&st);
}

int main(void)
{
	test_max_rows();
	return t_done("import");
}

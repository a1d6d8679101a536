/* tests/unit/cli_stubs.h - the helpers of cli/main.c that cmd_import.o
 * calls from the command itself (files, mail exports). main.c is not in
 * the library, and a program that only calls cli_import_csv() never
 * reaches them: these abort. Included once, by a test or fuzz target's
 * only source file (tests/unit/test_import.c, tests/fuzz/fuzz_import.c). */
#ifndef TESTS_UNIT_CLI_STUBS_H
#define TESTS_UNIT_CLI_STUBS_H

#include "cli/cli.h"
#include "core/err.h"

#include <stdlib.h>

const struct config *cli_config(struct cli *c)
{
	(void)c;
	abort();
}

struct store *cli_store(struct cli *c, int flags, int *exit_out)
{
	(void)c, (void)flags, (void)exit_out;
	abort();
}

int cli_fail(const struct err *err)
{
	(void)err;
	abort();
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	(void)cmd, (void)fmt;
	abort();
}

int cli_wants_help(int argc, char **argv)
{
	(void)argc, (void)argv;
	abort();
}

#endif

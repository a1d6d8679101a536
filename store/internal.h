/* store/internal.h - shared by the files of store/ only.
 *
 * The statement cache: store_stmt() returns a prepared statement for a
 * static SQL string, reset and with its bindings cleared, preparing it on
 * first use. Statements are keyed by the string's address, so callers pass
 * string literals (or static arrays), never built strings.
 */
#ifndef STORE_INTERNAL_H
#define STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>

#include "store/store.h"

struct err;

#define STORE_NSTMT 256

struct store {
	sqlite3 *db;
	char *path;
	int readonly;
	int big_cache; /* STORE_BIG_CACHE */
	int in_tx;
	struct {
		const char *sql;
		sqlite3_stmt *stmt;
	} cache[STORE_NSTMT];
	int ncache;
};

sqlite3_stmt *store_stmt(struct store *st, const char *sql, struct err *err);
/* Maps the database's last error to err (ERR_TEMP for busy/locked, ERR_DB
 * otherwise) with `what` as context; returns -1. */
int store_fail(struct store *st, struct err *err, const char *what);
/* Binds helpers: NULL text binds SQL NULL; STORE_NO_TIME binds NULL. */
int store_bind_text(sqlite3_stmt *s, int i, const char *v);
int store_bind_time(sqlite3_stmt *s, int i, int64_t t);
/* Steps a statement that returns no row; 0 or -1 (err set). */
int store_step_done(struct store *st, sqlite3_stmt *s, struct err *err, const char *what);
/* Runs a statement returning one integer: 1 and *out set when a row came,
 * 0 when none, -1 on error. */
int store_query_i64(struct store *st, sqlite3_stmt *s, int64_t *out, struct err *err,
		    const char *what);
/* Steps a statement whose rows are (text, integer), calling fn with each
 * (the text borrowed for the call, NULL for SQL NULL); fn returns -1 to
 * stop. Returns 0, or -1 with err set. */
int store_each_text_count(struct store *st, sqlite3_stmt *s,
			  int (*fn)(const char *text, int64_t n, void *arg), void *arg,
			  struct err *err, const char *what);
char *store_col_strdup(sqlite3_stmt *s, int col);

#endif

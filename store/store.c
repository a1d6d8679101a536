/* store/store.c - opening the database, migrations, transactions and the
 * statement cache (see store.h and internal.h).
 */
#include "store/internal.h"
#include "store/schema.h"
#include "core/err.h"
#include "core/log.h"
#include "core/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STORE_BUSY_TIMEOUT_MS 10000

int store_fail(struct store *st, struct err *err, const char *what)
{
	int code = sqlite3_extended_errcode(st->db) & 0xff;
	enum err_kind kind = (code == SQLITE_BUSY || code == SQLITE_LOCKED) ? ERR_TEMP : ERR_DB;

	return err_set(err, kind, "database '%s': %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

/* Creates the missing directories of `path` with mode 0700. */
static int store_mkdirs(const char *path, struct err *err)
{
	char *dir = xstrdup(path);
	int rc = 0;

	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
			rc = err_set(err, ERR_DB, "cannot create directory '%s': %s", dir,
				     strerror(errno));
			break;
		}
		*p = '/';
	}
	free(dir);
	return rc;
}

/* Creates the file with mode 0600 before SQLite opens it, so the mode does
 * not depend on the umask; SQLite gives its -wal and -shm files the mode of
 * the database file. */
static int store_create_file(const char *path, int flags, struct err *err)
{
	struct stat sb;
	int fd;

	if (stat(path, &sb) == 0)
		return 0;
	if (flags & (STORE_NOCREATE | STORE_READONLY))
		return err_set(err, ERR_DB, "database '%s' does not exist (run 'crmsync init')",
			       path);
	if (store_mkdirs(path, err) == -1)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1 && errno != EEXIST)
		return err_set(err, ERR_DB, "cannot create database '%s': %s", path,
			       strerror(errno));
	if (fd != -1)
		close(fd);
	return 0;
}

static int store_exec(struct store *st, const char *sql, struct err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int code = sqlite3_extended_errcode(st->db) & 0xff;
		err_set(err, code == SQLITE_BUSY || code == SQLITE_LOCKED ? ERR_TEMP : ERR_DB,
			"database '%s': %s", st->path, msg ? msg : "unknown error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int store_exec_list(struct store *st, const char *const *sql, struct err *err)
{
	for (; *sql != NULL; sql++)
		if (store_exec(st, *sql, err) == -1)
			return -1;
	return 0;
}

int store_schema_latest(void)
{
	return schema_migrations[schema_nmigrations - 1].version;
}

int store_schema_version(struct store *st)
{
	sqlite3_stmt *s = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* schema_version + 1: every connection, this one included, reads the
 * table definitions a migration edited in sqlite_schema again. */
static int store_bump_schema(struct store *st, struct err *err)
{
	sqlite3_stmt *s = NULL;
	char sql[64];
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA schema_version", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (v < 0)
		return store_fail(st, err, "reading the schema version");
	snprintf(sql, sizeof sql, "PRAGMA schema_version = %d", v + 1);
	return store_exec(st, sql, err);
}

static int store_migrate(struct store *st, struct err *err)
{
	int v = store_schema_version(st), latest = store_schema_latest();
	char sql[64];

	if (v < 0)
		return store_fail(st, err, "reading the schema version");
	if (v > latest)
		return err_set(err, ERR_DB,
			       "database '%s' has schema version %d, newer than this crmsync "
			       "(%d): upgrade crmsync",
			       st->path, v, latest);
	if (v < latest && st->readonly)
		return err_set(err, ERR_DB,
			       "database '%s' needs a schema upgrade (run 'crmsync init')",
			       st->path);
	for (int i = 0; i < schema_nmigrations; i++) {
		const struct schema_migration *m = &schema_migrations[i];
		if (m->version <= v)
			continue;
		log_verbose("database: migrating to schema version %d (%s)", m->version, m->what);
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", m->version);
		if (store_exec(st, "BEGIN IMMEDIATE", err) == -1)
			return -1;
		if (store_exec_list(st, m->sql, err) == -1 || store_exec(st, sql, err) == -1 ||
		    (m->edits_schema && store_bump_schema(st, err) == -1) ||
		    store_exec(st, "COMMIT", err) == -1) {
			store_exec(st, "ROLLBACK", NULL);
			err_prefix(err, "migration to schema version %d", m->version);
			return -1;
		}
	}
	return 0;
}

static int store_configure(struct store *st, struct err *err)
{
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(st->db, 1);
	if (store_exec(st, "PRAGMA foreign_keys = ON", err) == -1)
		return -1;
	if (st->readonly)
		return 0;
	/* WAL lets reports and `activities` read while a sync writes. */
	if (strcmp(st->path, ":memory:") != 0 &&
	    store_exec(st, "PRAGMA journal_mode = WAL", err) == -1)
		return -1;
	/* A page cache of 8 MB keeps the pages a large first sync updates in
	 * memory: at 100,000 messages it reads 7% more pages than 32 MB and
	 * writes the same, for half the peak RSS (27 MB, not 56); the default
	 * 2 MB read six times as many. Reports that jump around ask for more.
	 * Checkpoints every 16 MB of WAL. */
	if (store_exec(st,
		       st->big_cache ? "PRAGMA cache_size = -32768" : "PRAGMA cache_size = -8192",
		       err) == -1 ||
	    store_exec(st, "PRAGMA temp_store = MEMORY", err) == -1 ||
	    store_exec(st, "PRAGMA wal_autocheckpoint = 4096", err) == -1)
		return -1;
	return store_exec(st, "PRAGMA synchronous = NORMAL", err);
}

/* Once, before SQLite initializes: crmsync runs no threads (parallel
 * accounts are processes), so SQLite needs no mutexes, and it keeps no
 * count of the memory it holds. Both cost a lock and bookkeeping on every
 * allocation, of which a sync makes millions. When SQLite is already
 * initialized (another user in the process) the calls fail harmlessly. */
static void store_global_config(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct store *store_open(const char *path, int flags, struct err *err)
{
	struct store *st = xcalloc(1, sizeof *st);
	int oflags = SQLITE_OPEN_NOMUTEX;

	st->path = xstrdup(path);
	st->readonly = (flags & STORE_READONLY) != 0;
	st->big_cache = (flags & STORE_BIG_CACHE) != 0;
	if (strcmp(path, ":memory:") != 0 && store_create_file(path, flags, err) == -1)
		goto fail;
	oflags |= st->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	store_global_config();
	if (sqlite3_open_v2(path, &st->db, oflags, NULL) != SQLITE_OK) {
		if (st->db == NULL)
			oom();
		store_fail(st, err, "open");
		goto fail;
	}
	if (store_configure(st, err) == -1 || store_migrate(st, err) == -1)
		goto fail;
	return st;
fail:
	store_close(&st);
	return NULL;
}

void store_set_busy_timeout(struct store *st, int ms)
{
	sqlite3_busy_timeout(st->db, ms);
}

void store_close(struct store **stp)
{
	struct store *st = *stp;

	if (st == NULL)
		return;
	for (int i = 0; i < st->ncache; i++)
		sqlite3_finalize(st->cache[i].stmt);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
	*stp = NULL;
}

int store_begin(struct store *st, struct err *err)
{
	if (store_exec(st, "BEGIN IMMEDIATE", err) == -1)
		return -1;
	st->in_tx = 1;
	return 0;
}

int store_commit(struct store *st, struct err *err)
{
	if (store_exec(st, "COMMIT", err) == -1)
		return -1;
	st->in_tx = 0;
	return 0;
}

void store_rollback(struct store *st)
{
	if (sqlite3_get_autocommit(st->db) == 0)
		store_exec(st, "ROLLBACK", NULL);
	st->in_tx = 0;
}

int store_exec_script(struct store *st, const char *sql, struct err *err)
{
	return store_exec(st, sql, err);
}

sqlite3_stmt *store_stmt(struct store *st, const char *sql, struct err *err)
{
	sqlite3_stmt *s;

	for (int i = 0; i < st->ncache; i++) {
		if (st->cache[i].sql == sql) {
			s = st->cache[i].stmt;
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return s;
		}
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		store_fail(st, err, "prepare");
		return NULL;
	}
	if (st->ncache == STORE_NSTMT)
		fatalx("store: statement cache full (raise STORE_NSTMT)");
	st->cache[st->ncache].sql = sql;
	st->cache[st->ncache].stmt = s;
	st->ncache++;
	return s;
}

int store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

int store_bind_time(sqlite3_stmt *s, int i, int64_t t)
{
	if (t == STORE_NO_TIME)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_int64(s, i, t);
}

int store_step_done(struct store *st, sqlite3_stmt *s, struct err *err, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_fail(st, err, what);
		sqlite3_reset(s);
		return -1;
	}
	sqlite3_reset(s);
	return 0;
}

int store_query_i64(struct store *st, sqlite3_stmt *s, int64_t *out, struct err *err,
		    const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		return 1;
	}
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		return 0;
	}
	store_fail(st, err, what);
	sqlite3_reset(s);
	return -1;
}

int store_each_text_count(struct store *st, sqlite3_stmt *s,
			  int (*fn)(const char *text, int64_t n, void *arg), void *arg,
			  struct err *err, const char *what)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(s, 0);
		if (fn(text, sqlite3_column_int64(s, 1), arg) == -1) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		store_fail(st, err, what);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

char *store_col_strdup(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return t ? xstrdup((const char *)t) : NULL;
}

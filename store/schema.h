/* store/schema.h - the list of schema migrations (internal to store/). */
#ifndef STORE_SCHEMA_H
#define STORE_SCHEMA_H

struct schema_migration {
	int version; /* user_version after this step */
	const char *what;
	const char *const *sql; /* statements, NULL-terminated */
	/* It rewrites table definitions in sqlite_schema (writable_schema):
	 * the schema version is bumped so that every connection reads them
	 * again. */
	int edits_schema;
};

extern const struct schema_migration schema_migrations[];
extern const int schema_nmigrations;

#endif

/* parsers/csv.h - RFC 4180 CSV reader for CRM imports.
 *
 * Reads records one at a time from a file or memory: quoted fields with
 * embedded commas, doubled quotes and line breaks, CRLF or LF line ends, a
 * UTF-8 byte-order mark at the start (skipped), a final line without a line
 * break. Every field must be valid UTF-8. Pure: no database access.
 *
 * Errors are ERR_USAGE with "FILE:LINE: what is wrong", LINE being the
 * physical line (1-based) where the problem is, e.g. the line of an
 * unterminated quote's opening. Limits: a field at most CSV_MAX_FIELD bytes,
 * a record at most CSV_MAX_FIELDS fields.
 */
#ifndef PARSERS_CSV_H
#define PARSERS_CSV_H

#include <stddef.h>

#define CSV_MAX_FIELD  (1024 * 1024)
#define CSV_MAX_FIELDS 256

struct err;
struct csv_reader;

struct csv_record {
	char **fields; /* borrowed from the reader: valid until the next csv_next */
	size_t n;
	int line; /* physical line where the record starts, 1-based */
};

/* Opens a file; NULL with err set (ERR_USAGE, naming the file) on failure. */
struct csv_reader *csv_open_file(const char *path, struct err *err);
/* Reads from memory (borrowed, must outlive the reader); `name` is used in
 * messages. */
struct csv_reader *csv_open_mem(const char *name, const char *data, size_t len);
/* Reads the next record. Returns 1 and fills rec, 0 at end of input, -1 on
 * error (err set). Blank lines (a record of one empty field from an empty
 * line) are skipped. */
int csv_next(struct csv_reader *r, struct csv_record *rec, struct err *err);
/* The name given at open, for messages. */
const char *csv_name(const struct csv_reader *r);
void csv_close(struct csv_reader *r);

#endif

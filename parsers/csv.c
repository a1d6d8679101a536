/* parsers/csv.c - RFC 4180 CSV reader (see csv.h).
 *
 * A byte-at-a-time state machine over a chunked input: memory input is one
 * chunk, a file is read with fread() in CSV_CHUNK pieces, so a file never
 * needs to fit in memory (only the current record does). The fields of a
 * record are stored back to back, each NUL-terminated, in one buffer that is
 * reused from record to record; the field pointers handed out point into it.
 *
 * Line breaks: CRLF, LF and a lone CR each end a line, outside and inside
 * quoted fields alike, and each counts as one physical line. A lone CR is
 * taken as a line end because that is what classic Mac OS and old
 * spreadsheet exports write; RFC 4180 never allows a bare CR in an unquoted
 * field, so no valid file changes meaning. Line breaks inside a quoted field
 * are kept as written (CRLF stays CRLF).
 *
 * Not accepted (RFC 4180 §2 read strictly): a quote inside an unquoted
 * field, anything but a comma or a line end after a closing quote (white
 * space included), NUL bytes. Once csv_next has failed, the reader stays
 * failed and repeats the same error.
 */
#include "parsers/csv.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"
#include "core/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSV_CHUNK (64 * 1024)
#define CSV_EOF	  (-1)

struct csv_reader {
	char *name;
	FILE *fp;		  /* NULL for memory input */
	char *chunk;		  /* owned, file input only */
	const unsigned char *p;	  /* next byte */
	const unsigned char *lim; /* end of the bytes available */
	int ioerr;		  /* errno of a failed read, else 0 */
	int line;		  /* current physical line, 1-based */
	struct buf rec;		  /* fields of the current record, NUL-separated */
	size_t fstart;		  /* offset of the current field in rec */
	size_t *offs;		  /* CSV_MAX_FIELDS field offsets */
	char **fields;		  /* CSV_MAX_FIELDS field pointers */
	size_t n;		  /* fields so far in the current record */
	struct err fail;	  /* the error that stopped the reader */
};

/* How a field ended; -1 is an error. */
enum csv_end {
	CSV_END_COMMA,
	CSV_END_LINE,
	CSV_END_INPUT,
};

static void csv_skip_bom(struct csv_reader *r)
{
	if (r->lim - r->p >= 3 && memcmp(r->p, "\xef\xbb\xbf", 3) == 0)
		r->p += 3;
}

static struct csv_reader *csv_new(const char *name)
{
	struct csv_reader *r = xcalloc(1, sizeof *r);

	r->name = xstrdup(name);
	r->line = 1;
	/* Every field fits, with its NUL, so only our own limits apply. */
	buf_init(&r->rec, (size_t)CSV_MAX_FIELDS * (CSV_MAX_FIELD + 1));
	r->offs = xreallocarray(NULL, CSV_MAX_FIELDS, sizeof *r->offs);
	r->fields = xreallocarray(NULL, CSV_MAX_FIELDS, sizeof *r->fields);
	err_init(&r->fail);
	return r;
}

/* Refills the chunk from the file; returns the next byte or CSV_EOF (with
 * r->ioerr set when the read failed). */
static int csv_fill(struct csv_reader *r)
{
	size_t got;

	if (r->fp == NULL || r->ioerr != 0)
		return CSV_EOF;
	errno = 0;
	got = fread(r->chunk, 1, CSV_CHUNK, r->fp);
	if (got == 0) {
		if (ferror(r->fp))
			r->ioerr = errno != 0 ? errno : EIO;
		return CSV_EOF;
	}
	r->p = (const unsigned char *)r->chunk;
	r->lim = r->p + got;
	return *r->p++;
}

static inline int csv_getc(struct csv_reader *r)
{
	if (r->p < r->lim)
		return *r->p++;
	return csv_fill(r);
}

/* The next byte, not consumed, or CSV_EOF. Backing up is always possible:
 * csv_getc just returned a byte of the chunk r->p points into. */
static int csv_peek(struct csv_reader *r)
{
	int c = csv_getc(r);

	if (c != CSV_EOF)
		r->p--;
	return c;
}

/* Counts the line break c, consuming the LF of a CRLF pair. */
static void csv_eol(struct csv_reader *r, int c)
{
	if (c == '\r' && csv_peek(r) == '\n')
		r->p++;
	r->line++;
}

static int csv_fail(struct csv_reader *r, int line, const char *what, struct err *err)
{
	err_set(&r->fail, ERR_USAGE, "%s:%d: %s", r->name, line, what);
	return err_set(err, r->fail.kind, "%s", r->fail.msg);
}

static int csv_add(struct csv_reader *r, int c, struct err *err)
{
	if (c == '\0')
		return csv_fail(r, r->line, "NUL byte", err);
	if (r->rec.len - r->fstart >= CSV_MAX_FIELD) {
		char what[64];

		snprintf(what, sizeof what, "field longer than %d bytes", CSV_MAX_FIELD);
		return csv_fail(r, r->line, what, err);
	}
	if (buf_addch(&r->rec, (char)c) == -1)
		return csv_fail(r, r->line, "record too large", err);
	return 0;
}

/* The line of the first invalid UTF-8 sequence in a field that started on
 * `line`, or 0 if the field is valid. CR and LF never occur inside a
 * multi-byte sequence, so checking each line piece separately is exact. */
static int csv_utf8_bad_line(const char *s, size_t len, int line)
{
	size_t i = 0;

	while (i <= len) {
		size_t j = i;

		while (j < len && s[j] != '\r' && s[j] != '\n')
			j++;
		if (!str_utf8_valid(s + i, j - i))
			return line;
		if (j < len && s[j] == '\r' && j + 1 < len && s[j + 1] == '\n')
			j++;
		i = j + 1;
		line++;
	}
	return 0;
}

static int csv_read_error(struct csv_reader *r, struct err *err)
{
	err_set(&r->fail, ERR_USAGE, "%s: read error: %s", r->name, strerror(r->ioerr));
	return err_set(err, r->fail.kind, "%s", r->fail.msg);
}

/* Terminates the current field, which started on `line`. */
static int csv_end_field(struct csv_reader *r, int line, struct err *err)
{
	const char *s = r->rec.data + r->fstart;
	size_t len = r->rec.len - r->fstart;
	int bad;

	if ((bad = csv_utf8_bad_line(s, len, line)) != 0) {
		char what[64];

		snprintf(what, sizeof what, "invalid UTF-8 in field %zu", r->n + 1);
		return csv_fail(r, bad, what, err);
	}
	if (buf_addch(&r->rec, '\0') == -1)
		return csv_fail(r, r->line, "record too large", err);
	r->offs[r->n++] = r->fstart;
	return 0;
}

/* Reads the rest of a quoted field (the opening quote is consumed) and what
 * follows its closing quote. Returns how the field ended or -1. */
static int csv_quoted(struct csv_reader *r, struct err *err)
{
	int open_line = r->line, c;

	for (;;) {
		c = csv_getc(r);
		if (c == CSV_EOF) {
			if (r->ioerr != 0)
				return csv_read_error(r, err);
			return csv_fail(r, open_line, "unterminated quoted field", err);
		}
		if (c == '"') {
			c = csv_getc(r);
			if (c != '"')
				break;
		} else if (c == '\r' || c == '\n') {
			/* Keep the line break as written, CRLF included. */
			if (csv_add(r, c, err) == -1)
				return -1;
			if (c == '\r' && csv_peek(r) == '\n' && csv_add(r, *r->p++, err) == -1)
				return -1;
			r->line++;
			continue;
		}
		if (csv_add(r, c, err) == -1)
			return -1;
	}
	/* RFC 4180 §2.6/2.7: after the closing quote comes a comma or the end. */
	if (c == ',')
		return CSV_END_COMMA;
	if (c == '\r' || c == '\n') {
		csv_eol(r, c);
		return CSV_END_LINE;
	}
	if (c == CSV_EOF)
		return r->ioerr != 0 ? csv_read_error(r, err) : CSV_END_INPUT;
	return csv_fail(r, r->line, "unexpected character after closing quote", err);
}

/* Reads an unquoted field whose first byte is c. Returns how it ended. */
static int csv_unquoted(struct csv_reader *r, int c, struct err *err)
{
	for (;; c = csv_getc(r)) {
		switch (c) {
		case ',':
			return CSV_END_COMMA;
		case '\r':
		case '\n':
			csv_eol(r, c);
			return CSV_END_LINE;
		case CSV_EOF:
			return r->ioerr != 0 ? csv_read_error(r, err) : CSV_END_INPUT;
		case '"':
			return csv_fail(r, r->line, "quote in unquoted field", err);
		default:
			if (csv_add(r, c, err) == -1)
				return -1;
		}
	}
}

/* Reads one physical record into r->rec. Returns 1, 0 at end of input or
 * -1. A blank line comes back as one empty field with *blank set. */
static int csv_record(struct csv_reader *r, int *blank, struct err *err)
{
	int c, end, line, quoted;

	buf_reset(&r->rec);
	r->n = 0;
	*blank = 0;
	c = csv_getc(r);
	if (c == CSV_EOF)
		return r->ioerr != 0 ? csv_read_error(r, err) : 0;
	do {
		if (r->n == CSV_MAX_FIELDS) {
			char what[64];

			snprintf(what, sizeof what, "more than %d fields", CSV_MAX_FIELDS);
			return csv_fail(r, r->line, what, err);
		}
		r->fstart = r->rec.len;
		line = r->line;
		quoted = c == '"';
		end = quoted ? csv_quoted(r, err) : csv_unquoted(r, c, err);
		if (end == -1)
			return -1;
		if (csv_end_field(r, line, err) == -1)
			return -1;
		if (end == CSV_END_COMMA)
			c = csv_getc(r);
	} while (end == CSV_END_COMMA);
	*blank = r->n == 1 && !quoted && r->rec.len == 1;
	return 1;
}

int csv_next(struct csv_reader *r, struct csv_record *rec, struct err *err)
{
	int blank, rc, line;

	if (r->fail.kind != ERR_NONE)
		return err_set(err, r->fail.kind, "%s", r->fail.msg);
	do {
		line = r->line;
		if ((rc = csv_record(r, &blank, err)) != 1)
			return rc;
	} while (blank);
	for (size_t i = 0; i < r->n; i++)
		r->fields[i] = r->rec.data + r->offs[i];
	rec->fields = r->fields;
	rec->n = r->n;
	rec->line = line;
	return 1;
}

struct csv_reader *csv_open_file(const char *path, struct err *err)
{
	struct csv_reader *r;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		err_set(err, ERR_USAGE, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	r = csv_new(path);
	r->fp = fp;
	r->chunk = xmalloc(CSV_CHUNK);
	csv_peek(r); /* loads the first chunk for csv_skip_bom */
	csv_skip_bom(r);
	return r;
}

struct csv_reader *csv_open_mem(const char *name, const char *data, size_t len)
{
	struct csv_reader *r = csv_new(name);

	r->p = (const unsigned char *)data;
	r->lim = r->p + len;
	csv_skip_bom(r);
	return r;
}

const char *csv_name(const struct csv_reader *r)
{
	return r->name;
}

void csv_close(struct csv_reader *r)
{
	if (r == NULL)
		return;
	if (r->fp != NULL)
		fclose(r->fp);
	free(r->chunk);
	buf_release(&r->rec);
	free(r->offs);
	free(r->fields);
	free(r->name);
	free(r);
}

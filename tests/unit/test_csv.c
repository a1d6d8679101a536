/* tests/unit/test_csv.c - parsers/csv.c: RFC 4180 reading, errors with line
 * numbers, file input across chunk boundaries, a 100,000-row file.
 *
 * Each table case is read twice, from memory and from a file, and the
 * records are printed as "LINE[f1|f2]" (CR and LF in fields as \r and \n),
 * followed by "ERR:LINE: what" when reading fails; the file name is taken
 * off the front of messages so both runs compare equal.
 */
#include "core/buf.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "parsers/csv.h"
#include "t.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[64];

/* Reads every record; returns the printed form (free it). */
static char *dump(struct csv_reader *r)
{
	struct buf b;
	struct csv_record rec;
	struct err err;
	const char *name = csv_name(r);
	int rc;

	buf_init(&b, 1 << 20);
	err_init(&err);
	while ((rc = csv_next(r, &rec, &err)) == 1) {
		buf_addf(&b, "%d[", rec.line);
		for (size_t i = 0; i < rec.n; i++) {
			for (const char *p = rec.fields[i]; *p != '\0'; p++) {
				if (*p == '\r')
					buf_addstr(&b, "\\r");
				else if (*p == '\n')
					buf_addstr(&b, "\\n");
				else
					buf_addch(&b, *p);
			}
			if (i + 1 < rec.n)
				buf_addch(&b, '|');
		}
		buf_addch(&b, ']');
	}
	if (rc == -1) {
		size_t n = strlen(name);

		T_INTEQ(err.kind, ERR_USAGE);
		T_OK(strncmp(err.msg, name, n) == 0 && err.msg[n] == ':');
		buf_addf(&b, "ERR%s", err.msg + n);
		/* The reader stays failed, with the same message. */
		struct err again;
		err_init(&again);
		T_INTEQ(csv_next(r, &rec, &again), -1);
		T_STREQ(again.msg, err.msg);
	}
	return buf_detach(&b, NULL);
}

static char *write_tmp(const char *base, const char *data, size_t len)
{
	char *path = xasprintf("%s/%s", tmpdir, base);
	FILE *fp = fopen(path, "w");

	if (fp == NULL) {
		perror(path);
		exit(1);
	}
	if (len > 0 && fwrite(data, 1, len, fp) != len)
		abort();
	if (fclose(fp) != 0)
		abort();
	return path;
}

static const struct {
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *want;
} cases[] = {
	/* Records and line ends. */
	{"", 0, ""},
	{"a,b,c\n", 0, "1[a|b|c]"},
	{"a,b\nc,d", 0, "1[a|b]2[c|d]"},
	{"a,b\r\nc,d\r\n", 0, "1[a|b]2[c|d]"},
	{"a\rb\r", 0, "1[a]2[b]"},
	{"a\r\nb\nc\rd", 0, "1[a]2[b]3[c]4[d]"},
	{"a,\n", 0, "1[a|]"},
	{"a,", 0, "1[a|]"},
	{",,\n", 0, "1[||]"},
	{" a , b \n", 0, "1[ a | b ]"},
	{"J\xc3\xb6rg,B\xc3\xbc"
	 "cher\n",
	 0,
	 "1[J\xc3\xb6rg|B\xc3\xbc"
	 "cher]"},
	/* Byte-order mark: skipped at the start only. */
	{"\xef\xbb\xbfname,email\n", 0, "1[name|email]"},
	{"\xef\xbb\xbf", 0, ""},
	{"\xef\xbb\xbf\"q\"\n", 0, "1[q]"},
	{"a,\xef\xbb\xbf\n", 0, "1[a|\xef\xbb\xbf]"},
	/* Blank lines are skipped; a quoted empty field is not blank. */
	{"\n\na\n\r\n\nb\n\n", 0, "3[a]6[b]"},
	{"\r\r\n\n", 0, ""},
	{"\"\"\n", 0, "1[]"},
	{"a\n\n", 0, "1[a]"},
	/* Quoted fields. */
	{"\"a,b\",c\n", 0, "1[a,b|c]"},
	{"\"say \"\"hi\"\"\"\n", 0, "1[say \"hi\"]"},
	{"\"\"\"\"", 0, "1[\"]"},
	{"\"\",\"\"", 0, "1[|]"},
	{"a,\"b\"", 0, "1[a|b]"},
	{"\"a\nb\",c\nd\n", 0, "1[a\\nb|c]3[d]"},
	{"\"a\r\nb\"\r\nc\r\n", 0, "1[a\\r\\nb]3[c]"},
	{"\"a\rb\"\n", 0, "1[a\\rb]"},
	{"\"\n\n\"\n", 0, "1[\\n\\n]"},
	{"\"x\n\ny\",z\n\"open\nmore", 0, "1[x\\n\\ny|z]ERR:4: unterminated quoted field"},
	/* Errors, with the physical line. */
	{"a,b\n\"unterminated\n\nmore\n", 0, "1[a|b]ERR:2: unterminated quoted field"},
	{"\"", 0, "ERR:1: unterminated quoted field"},
	{"a,\"b\r\n", 0, "ERR:1: unterminated quoted field"},
	{"a,b\nc\"d,e\n", 0, "1[a|b]ERR:2: quote in unquoted field"},
	{"a\"\n", 0, "ERR:1: quote in unquoted field"},
	{" \"a\"\n", 0, "ERR:1: quote in unquoted field"},
	{"\"a\"b,c\n", 0, "ERR:1: unexpected character after closing quote"},
	{"\"a\" ,c\n", 0, "ERR:1: unexpected character after closing quote"},
	{"x\n\"a\nb\"c\n", 0, "1[x]ERR:3: unexpected character after closing quote"},
	{"a,\xc3\x28\n", 0, "ERR:1: invalid UTF-8 in field 2"},
	{"x\n\xc0\xaf\n", 0, "1[x]ERR:2: invalid UTF-8 in field 1"},
	{"\xed\xa0\x80", 0, "ERR:1: invalid UTF-8 in field 1"},
	{"\xf4\x90\x80\x80\n", 0, "ERR:1: invalid UTF-8 in field 1"},
	{"a\xe2\x82", 0, "ERR:1: invalid UTF-8 in field 1"},
	{"\xff\n", 0, "ERR:1: invalid UTF-8 in field 1"},
	{"h\n\"ok\r\nok\nbad\xff\",x\n", 0, "1[h]ERR:4: invalid UTF-8 in field 1"},
	{"a,b\nc\0d\n", 8, "1[a|b]ERR:2: NUL byte"},
	{"\"a\n\0\"\n", 6, "ERR:2: NUL byte"},
	{"\0", 1, "ERR:1: NUL byte"},
};

static void test_table(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		struct csv_reader *r;
		struct err err;
		char *got, *path;

		r = csv_open_mem("t.csv", cases[i].in, len);
		T_STREQ(csv_name(r), "t.csv");
		got = dump(r);
		if (strcmp(got, cases[i].want) != 0)
			fprintf(stderr, "case %zu (memory):\n", i);
		T_STREQ(got, cases[i].want);
		free(got);
		csv_close(r);

		path = write_tmp("case.csv", cases[i].in, len);
		err_init(&err);
		r = csv_open_file(path, &err);
		T_OK(r != NULL);
		if (r == NULL) {
			free(path);
			continue;
		}
		T_STREQ(csv_name(r), path);
		got = dump(r);
		if (strcmp(got, cases[i].want) != 0)
			fprintf(stderr, "case %zu (file):\n", i);
		T_STREQ(got, cases[i].want);
		free(got);
		csv_close(r);
		unlink(path);
		free(path);
	}
}

/* A field of exactly `flen` bytes on line 2 (after a header line). */
static void test_field_limit(void)
{
	size_t flen = CSV_MAX_FIELD;
	char *data = xmalloc(flen + 16), *got;
	struct csv_reader *r;
	struct csv_record rec;
	struct err err;

	for (int over = 0; over <= 1; over++) {
		size_t n = 0;

		memcpy(data, "h\n\"", 3);
		n = 3;
		memset(data + n, 'x', flen + (size_t)over);
		n += flen + (size_t)over;
		memcpy(data + n, "\",y\n", 4);
		n += 4;
		r = csv_open_mem("big.csv", data, n);
		err_init(&err);
		T_INTEQ(csv_next(r, &rec, &err), 1);
		if (!over) {
			T_INTEQ(csv_next(r, &rec, &err), 1);
			T_INTEQ(rec.n, 2);
			T_INTEQ(strlen(rec.fields[0]), CSV_MAX_FIELD);
			T_STREQ(rec.fields[1], "y");
			T_INTEQ(csv_next(r, &rec, &err), 0);
		} else {
			T_INTEQ(csv_next(r, &rec, &err), -1);
			got = xasprintf("big.csv:2: field longer than %d bytes", CSV_MAX_FIELD);
			T_STREQ(err.msg, got);
			free(got);
		}
		csv_close(r);
	}
	free(data);
}

static void test_fields_limit(void)
{
	struct buf b;
	struct csv_reader *r;
	struct csv_record rec;
	struct err err;
	char *want;

	for (int extra = 0; extra <= 1; extra++) {
		buf_init(&b, 1 << 20);
		buf_addstr(&b, "a\n");
		for (int i = 0; i < CSV_MAX_FIELDS + extra; i++)
			buf_addf(&b, "%s%d", i ? "," : "", i);
		buf_addstr(&b, "\n");
		r = csv_open_mem("wide.csv", b.data, b.len);
		err_init(&err);
		T_INTEQ(csv_next(r, &rec, &err), 1);
		if (!extra) {
			T_INTEQ(csv_next(r, &rec, &err), 1);
			T_INTEQ(rec.n, CSV_MAX_FIELDS);
			T_INTEQ(rec.line, 2);
			T_STREQ(rec.fields[CSV_MAX_FIELDS - 1], "255");
		} else {
			T_INTEQ(csv_next(r, &rec, &err), -1);
			want = xasprintf("wide.csv:2: more than %d fields", CSV_MAX_FIELDS);
			T_STREQ(err.msg, want);
			free(want);
		}
		csv_close(r);
		buf_release(&b);
	}
}

/* Line breaks and quotes split across the reader's 64 KiB chunks. */
static void test_chunk_edges(void)
{
	for (size_t pad = 65528; pad <= 65540; pad++) {
		struct buf b;
		struct csv_reader *r;
		struct err err;
		char *path, *got, *want;

		buf_init(&b, 1 << 20);
		for (size_t i = 0; i < pad; i++)
			buf_addch(&b, 'x');
		buf_addstr(&b, "\r\n\"a\r\nb\"\"\"\r\n\r\nlast");
		path = write_tmp("edge.csv", b.data, b.len);
		err_init(&err);
		r = csv_open_file(path, &err);
		T_OK(r != NULL);
		if (r != NULL) {
			got = dump(r);
			want = xasprintf("1[%.*s]2[a\\r\\nb\"]5[last]", (int)pad, b.data);
			T_OK(strcmp(got, want) == 0);
			free(want);
			free(got);
			csv_close(r);
		}
		unlink(path);
		free(path);
		buf_release(&b);
	}
}

static void test_open_errors(void)
{
	struct csv_reader *r;
	struct csv_record rec;
	struct err err;
	char *path, *want;

	path = xasprintf("%s/missing.csv", tmpdir);
	err_init(&err);
	T_OK(csv_open_file(path, &err) == NULL);
	T_INTEQ(err.kind, ERR_USAGE);
	want = xasprintf("cannot open '%s': %s", path, strerror(ENOENT));
	T_STREQ(err.msg, want);
	free(want);
	free(path);

	/* A directory opens but cannot be read. */
	err_init(&err);
	r = csv_open_file(tmpdir, &err);
	T_OK(r != NULL);
	if (r != NULL) {
		T_INTEQ(csv_next(r, &rec, &err), -1);
		T_INTEQ(err.kind, ERR_USAGE);
		want = xasprintf("%s: read error: %s", tmpdir, strerror(EISDIR));
		T_STREQ(err.msg, want);
		free(want);
		csv_close(r);
	}
	csv_close(NULL);
}

/* 100,000 data rows with a BOM, CRLF, quoted commas and a multi-line field
 * in every tenth row. */
static void test_big_file(void)
{
	enum {
		ROWS = 100000
	};
	struct csv_reader *r;
	struct csv_record rec;
	struct err err;
	struct timespec t0, t1;
	char *path = xasprintf("%s/big.csv", tmpdir), *want;
	FILE *fp = fopen(path, "w");
	int rc, line = 2, bad = 0;
	long nrec = 0;
	double ms;

	T_OK(fp != NULL);
	if (fp == NULL)
		goto out;
	fputs("\xef\xbb\xbfid,email,name,note\r\n", fp);
	for (int i = 0; i < ROWS; i++) {
		if (i % 10 == 0)
			fprintf(fp, "%d,user%d@example.com,\"Doe, J%d\",\"two\r\nlines\"\r\n", i, i,
				i);
		else
			fprintf(fp, "%d,user%d@example.com,\"Doe, J%d\",\"plain \"\"q\"\r\n", i, i,
				i);
	}
	T_INTEQ(fclose(fp), 0);

	err_init(&err);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = csv_open_file(path, &err);
	T_OK(r != NULL);
	if (r == NULL)
		goto out;
	T_INTEQ(csv_next(r, &rec, &err), 1);
	T_STREQ(rec.fields[0], "id");
	while ((rc = csv_next(r, &rec, &err)) == 1) {
		char id[24];

		snprintf(id, sizeof id, "%ld", nrec);
		if (rec.n != 4 || rec.line != line || strcmp(rec.fields[0], id) != 0)
			bad++;
		if (nrec == 0 || nrec == 54321 || nrec == ROWS - 1) {
			want = xasprintf("user%ld@example.com", nrec);
			T_STREQ(rec.fields[1], want);
			free(want);
			want = xasprintf("Doe, J%ld", nrec);
			T_STREQ(rec.fields[2], want);
			free(want);
			T_STREQ(rec.fields[3], nrec % 10 == 0 ? "two\r\nlines" : "plain \"q");
		}
		line += nrec % 10 == 0 ? 2 : 1;
		nrec++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	T_INTEQ(rc, 0);
	T_INTEQ(nrec, ROWS);
	T_INTEQ(bad, 0);
	csv_close(r);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	fprintf(stderr, "csv: %d rows read in %.1f ms\n", ROWS, ms);
out:
	unlink(path);
	free(path);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_csv.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_table();
	test_field_limit();
	test_fields_limit();
	test_chunk_edges();
	test_open_errors();
	test_big_file();
	if (rmdir(tmpdir) != 0)
		perror(tmpdir);
	return t_done("csv");
}

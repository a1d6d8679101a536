/* tests/unit/test_ics_golden.c - parsers/ics.h against real calendar files
 * (git t5100 style).
 *
 * Every tests/data/ics/NAME.ics is parsed (default zone Europe/Berlin,
 * window 2000-01-01 to 2031-01-01, at most 50 instances a series, plus
 * addressing on) and printed in a canonical text form, one field per line,
 * which must equal tests/data/ics/NAME.expect byte for byte. Adding a case
 * is adding a file. With UPDATE_GOLDEN=1 the .expect files are rewritten
 * instead: review the diff before committing it. Run from the repository
 * root (as tests/run-all.sh does).
 */
#include "core/buf.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "parsers/ics.h"
#include "t.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA_DIR "tests/data/ics"
#define FILE_MAX (8 * 1024 * 1024)
#define OUT_MAX	 (64 * 1024 * 1024)

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[8192];
	size_t n;

	if (f == NULL)
		return NULL;
	buf_init(&b, FILE_MAX);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (buf_add(&b, chunk, n) == -1)
			break;
	fclose(f);
	return buf_detach(&b, len);
}

static int write_file(const char *path, const char *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int rc;

	if (f == NULL)
		return -1;
	rc = fwrite(p, 1, n, f) == n ? 0 : -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

/* Control characters are escaped so every field stays on one line. */
static void dump_text(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '\n')
			buf_addstr(b, "\\n");
		else if (ch == '\r')
			buf_addstr(b, "\\r");
		else if (ch == '\t')
			buf_addstr(b, "\\t");
		else if (ch == '\\')
			buf_addstr(b, "\\\\");
		else if (ch < 0x20 || ch == 0x7f)
			buf_addf(b, "\\x%02x", ch);
		else
			buf_addch(b, (char)ch);
	}
}

/* NULL prints as none, the empty string as "". */
static void dump_str(struct buf *b, const char *label, const char *s)
{
	buf_addf(b, "%s: ", label);
	if (s == NULL)
		buf_addstr(b, "none");
	else if (*s == '\0')
		buf_addstr(b, "\"\"");
	else
		dump_text(b, s);
	buf_addch(b, '\n');
}

static void dump_person(struct buf *b, const char *label, const struct ics_person *p)
{
	buf_addf(b, "%s: ", label);
	if (p->name != NULL) {
		buf_addch(b, '"');
		dump_text(b, p->name);
		buf_addstr(b, "\" ");
	}
	buf_addch(b, '<');
	if (p->address != NULL)
		dump_text(b, p->address);
	buf_addf(b, "> key=%s partstat=%s role=%s\n", p->key != NULL ? p->key : "none",
		 p->partstat != NULL ? p->partstat : "none", p->role != NULL ? p->role : "none");
}

static void dump_occ(struct buf *b, const struct ics_occurrence *o)
{
	char t1[32], t2[32];

	tu_format_rfc3339(o->start, t1, sizeof t1);
	tu_format_rfc3339(o->end, t2, sizeof t2);
	dump_str(b, "uid", o->uid);
	buf_addf(b, "  recurrence_id=%s %s .. %s all_day=%d floating=%d status=%s sequence=%d\n",
		 o->recurrence_id != NULL ? o->recurrence_id : "none", t1, t2, o->all_day,
		 o->floating, o->status != NULL ? o->status : "none", o->sequence);
	dump_str(b, "  summary", o->summary);
	if (o->organizer.address != NULL || o->organizer.name != NULL)
		dump_person(b, "  organizer", &o->organizer);
	for (size_t i = 0; i < o->nattendees; i++)
		dump_person(b, "  attendee", &o->attendees[i]);
}

static void dump(struct buf *b, const char *raw, size_t len)
{
	struct ics_options opt = {0};
	struct ics_result r;
	struct err err;

	opt.default_tz = "Europe/Berlin";
	opt.window_start = 946684800; /* 2000-01-01 */
	opt.window_end = 1924992000;  /* 2031-01-01 */
	opt.max_instances = 50;
	opt.plus_addressing = 1;
	err_init(&err);
	if (ics_parse(raw, len, &opt, &r, &err) == -1) {
		buf_addstr(b, "ERROR: ");
		dump_text(b, err.msg);
		buf_addch(b, '\n');
		return;
	}
	buf_addf(b, "occurrences: %zu\n", r.n);
	for (size_t i = 0; i < r.n; i++)
		dump_occ(b, &r.v[i]);
	for (size_t i = 0; i < r.nwarnings; i++)
		dump_str(b, "warning", r.warnings[i]);
	ics_result_release(&r);
}

/* Prints the first line where got and want differ. */
static void show_diff(const char *name, const char *got, const char *want)
{
	const char *g0 = got;
	int line = 1;

	while (*got != '\0' && *got == *want) {
		if (*got == '\n')
			line++;
		got++, want++;
	}
	while (got > g0 && got[-1] != '\n')
		got--, want--;
	fprintf(stderr, "%s.expect:%d differs\n  got:  %.*s\n  want: %.*s\n", name, line,
		(int)strcspn(got, "\n"), got, (int)strcspn(want, "\n"), want);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_one(const char *name, int update)
{
	char *path = xasprintf("%s/%s.ics", DATA_DIR, name);
	char *xpath = xasprintf("%s/%s.expect", DATA_DIR, name);
	char *raw = NULL, *want = NULL;
	size_t len, wlen;
	struct buf got;

	buf_init(&got, OUT_MAX);
	raw = read_file(path, &len);
	T_OK(raw != NULL);
	if (raw == NULL)
		goto out;
	dump(&got, raw, len);
	if (update) {
		T_OK(write_file(xpath, got.data, got.len) == 0);
		goto out;
	}
	want = read_file(xpath, &wlen);
	if (want == NULL) {
		fprintf(stderr, "%s: missing (run with UPDATE_GOLDEN=1)\n", xpath);
		T_OK(want != NULL);
	} else if (wlen != got.len || memcmp(want, got.data, wlen) != 0) {
		show_diff(name, got.data, want);
		T_OK(0);
	} else {
		T_OK(1);
	}
out:
	free(raw);
	free(want);
	free(path);
	free(xpath);
	buf_release(&got);
}

int main(void)
{
	const char *u = getenv("UPDATE_GOLDEN");
	int update = u != NULL && strcmp(u, "1") == 0;
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d = opendir(DATA_DIR);

	T_OK(d != NULL);
	if (d == NULL) {
		fprintf(stderr, "cannot open '%s': run from the repository root\n", DATA_DIR);
		return t_done("ics_golden");
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l > 4 && strcmp(de->d_name + l - 4, ".ics") == 0) {
			names = xreallocarray(names, n + 1, sizeof *names);
			names[n++] = xstrndup(de->d_name, l - 4);
		}
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_names);
	T_OK(n > 0);
	for (size_t i = 0; i < n; i++) {
		run_one(names[i], update);
		free(names[i]);
	}
	free(names);
	if (update)
		printf("ics_golden: %zu .expect files written\n", n);
	return t_done("ics_golden");
}

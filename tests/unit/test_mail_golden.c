/* tests/unit/test_mail_golden.c - parsers/mail.h against real mail (git
 * t5100 style).
 *
 * Every tests/data/mail/NAME.eml is parsed (header with plus addressing on,
 * snippet of at most 200 characters from the bytes after the header block)
 * and printed in a canonical text form, one field per line, which must
 * equal tests/data/mail/NAME.expect byte for byte. Adding a case is adding
 * a file. With UPDATE_GOLDEN=1 the .expect files are rewritten instead:
 * review the diff before committing it. Run from the repository root (as
 * tests/run-all.sh does).
 */
#include "core/buf.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "parsers/mail.h"
#include "t.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA_DIR      "tests/data/mail"
#define SNIPPET_CHARS 200
#define FILE_MAX      (4 * 1024 * 1024)

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

/* The body starts after the first empty line (LF or CR LF). */
static size_t body_offset(const char *p, size_t len)
{
	for (size_t i = 0; i < len;) {
		if (p[i] == '\n')
			return i + 1;
		if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n')
			return i + 2;
		while (i < len && p[i] != '\n')
			i++;
		i++;
	}
	return len;
}

/* NULL prints as none, the empty string as "" (no trailing blanks). */
static void dump_str(struct buf *b, const char *label, const char *s)
{
	buf_addf(b, "%s: %s\n", label, s == NULL ? "none" : *s == '\0' ? "\"\"" : s);
}

static void dump_addrs(struct buf *b, const char *label, const struct mail_addrs *a)
{
	if (a->n == 0)
		buf_addf(b, "%s: none\n", label);
	for (size_t i = 0; i < a->n; i++) {
		buf_addf(b, "%s: ", label);
		if (a->v[i].name != NULL)
			buf_addf(b, "\"%s\" ", a->v[i].name);
		buf_addf(b, "<%s> key=%s\n", a->v[i].address,
			 a->v[i].key != NULL ? a->v[i].key : "none");
	}
}

static void dump(struct buf *b, const char *raw, size_t len)
{
	struct mail_msg msg;
	struct err err;
	size_t body = body_offset(raw, len);
	char date[32], *snippet;

	err_init(&err);
	if (mail_parse_header(raw, len, 1, &msg, &err) == -1) {
		buf_addf(b, "ERROR: %s\n", err.msg);
		return;
	}
	snippet = mail_snippet(&msg, raw + body, len - body, SNIPPET_CHARS);
	dump_addrs(b, "from", &msg.from);
	dump_addrs(b, "sender", &msg.sender);
	dump_addrs(b, "reply_to", &msg.reply_to);
	dump_addrs(b, "to", &msg.to);
	dump_addrs(b, "cc", &msg.cc);
	dump_addrs(b, "bcc", &msg.bcc);
	if (msg.has_date)
		tu_format_rfc3339(msg.date, date, sizeof date);
	dump_str(b, "date", msg.has_date ? date : NULL);
	dump_str(b, "subject", msg.subject);
	dump_str(b, "message_id", msg.message_id);
	dump_str(b, "in_reply_to", msg.in_reply_to);
	buf_addf(b, "references:");
	for (size_t i = 0; i < msg.nreferences; i++)
		buf_addf(b, " %s", msg.references[i]);
	buf_addstr(b, msg.nreferences == 0 ? " none\n" : "\n");
	dump_str(b, "content_type", msg.content_type);
	dump_str(b, "charset", msg.charset);
	dump_str(b, "boundary", msg.boundary);
	dump_str(b, "transfer_encoding", msg.transfer_encoding);
	dump_str(b, "auto_submitted", msg.autos.auto_submitted);
	dump_str(b, "precedence", msg.autos.precedence);
	dump_str(b, "list_id", msg.autos.list_id);
	dump_str(b, "list_unsubscribe", msg.autos.list_unsubscribe);
	dump_str(b, "x_autoreply", msg.autos.x_autoreply);
	buf_addf(b, "is_report: %d\n", msg.autos.is_report);
	buf_addf(b, "has_calendar: %d\n", msg.autos.has_calendar);
	dump_str(b, "gm_thrid", msg.gm_thrid);
	dump_str(b, "snippet", snippet);
	for (size_t i = 0; i < msg.nwarnings; i++)
		buf_addf(b, "warning: %s\n", msg.warnings[i]);
	free(snippet);
	mail_msg_release(&msg);
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
	char *path = xasprintf("%s/%s.eml", DATA_DIR, name);
	char *xpath = xasprintf("%s/%s.expect", DATA_DIR, name);
	char *raw = NULL, *want = NULL;
	size_t len, wlen;
	struct buf got;

	buf_init(&got, FILE_MAX);
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
		return t_done("mail_golden");
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l > 4 && strcmp(de->d_name + l - 4, ".eml") == 0) {
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
		printf("mail_golden: %zu .expect files written\n", n);
	return t_done("mail_golden");
}

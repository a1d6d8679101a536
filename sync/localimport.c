/* sync/localimport.c - backfilling activities from local exports: an mbox
 * file (Google Takeout, Thunderbird) or a Maildir. Each message goes
 * through sync_log_mail like a fetched one; its item_ref is stable across
 * re-imports (the Maildir unique name, or the mbox byte offset), so
 * importing the same export twice logs nothing twice. Only the header and
 * the first bytes of each body are read into memory; bodies are streamed
 * past, so a multi-gigabyte mbox needs a few hundred kilobytes.
 */
#include "sync/sync.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "match/match.h"
#include "parsers/ics.h"
#include "parsers/mail.h"
#include "core/config.h"
#include "core/version.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IMPORT_BODY_BYTES 16384
#define IMPORT_BATCH	  1000
/* Longest piece of an mbox line held at once. A longer line (unwrapped
 * HTML, a broken export: one line can be the whole file) is read in
 * pieces; only a message's header and IMPORT_BODY_BYTES of its body are
 * kept anyway, so memory no longer grows with the longest line. */
#define IMPORT_LINE_MAX 65536

struct importer {
	struct sync_ctx *ctx;
	const struct match_opts *o;
	const char *container;
	struct sync_counts *total;
	struct sync_counts batch;
	size_t inbatch;
};

static int imp_flush(struct importer *im, struct err *err)
{
	if (im->inbatch == 0)
		return 0;
	if (!im->ctx->dry_run && store_commit(im->ctx->st, err) == -1)
		return -1;
	sync_counts_add(im->total, &im->batch);
	memset(&im->batch, 0, sizeof im->batch);
	im->inbatch = 0;
	return 0;
}

/* Logs one message; header and body are split at the first empty line. */
static int imp_message(struct importer *im, const char *ref, const char *raw, size_t len,
		       int64_t internaldate, struct err *err)
{
	struct store_item item = {"import", im->container, ref, NULL};
	size_t hlen = len;
	const char *body = NULL;

	for (size_t i = 0; i + 1 < len; i++) {
		if (raw[i] == '\n' && (raw[i + 1] == '\n' ||
				       (raw[i + 1] == '\r' && i + 2 < len && raw[i + 2] == '\n'))) {
			hlen = i + 1;
			body = raw + hlen + (raw[i + 1] == '\r' ? 2 : 1);
			break;
		}
	}
	if (im->inbatch == 0 && !im->ctx->dry_run && store_begin(im->ctx->st, err) == -1)
		return -1;
	im->inbatch++;
	if (sync_log_mail(im->ctx, im->o, &item, raw, hlen, body,
			  body ? len - (size_t)(body - raw) : 0, internaldate, &im->batch,
			  err) == -1) {
		if (!im->ctx->dry_run)
			store_rollback(im->ctx->st);
		im->inbatch = 0;
		return -1;
	}
	return im->inbatch >= IMPORT_BATCH ? imp_flush(im, err) : 0;
}

/* ---- Maildir --------------------------------------------------------------- */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the first `max` bytes of a file. */
static int read_head(const char *path, struct buf *b, size_t max, int64_t *mtime)
{
	char chunk[65536];
	struct stat sb;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	buf_reset(b);
	if (fd == -1)
		return -1;
	if (fstat(fd, &sb) == 0)
		*mtime = (int64_t)sb.st_mtime;
	while (b->len < max && (n = read(fd, chunk, sizeof chunk)) > 0)
		buf_add(b, chunk, (size_t)n < max - b->len ? (size_t)n : max - b->len);
	close(fd);
	return 0;
}

static int maildir_sub(struct importer *im, const char *dir, const char *sub, struct err *err)
{
	char *path = xasprintf("%s/%s", dir, sub), **names = NULL;
	struct dirent *de;
	struct buf raw;
	size_t n = 0;
	DIR *d = opendir(path);
	int rc = 0;

	buf_init(&raw, MAIL_MAX_HEADER + IMPORT_BODY_BYTES);
	if (d == NULL) {
		free(path);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = xreallocarray(names, n + 1, sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, name_cmp);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *file = xasprintf("%s/%s", path, names[i]), *colon;
		int64_t mtime = 0;
		if (read_head(file, &raw, raw.max, &mtime) == -1) {
			log_warnx("cannot read '%s': %s; skipped", file, strerror(errno));
		} else {
			/* The unique name: the part before the flags. */
			if ((colon = strchr(names[i], ':')) != NULL)
				*colon = '\0';
			rc = imp_message(im, names[i], raw.data, raw.len, mtime, err);
		}
		free(file);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	buf_release(&raw);
	free(path);
	return rc;
}

int sync_import_maildir(struct sync_ctx *ctx, const struct match_opts *o, const char *path,
			struct sync_counts *c, struct err *err)
{
	struct importer im = {ctx, o, path, c, {0}, 0};
	struct stat sb;
	char *cur = xasprintf("%s/cur", path);
	int ok = stat(cur, &sb) == 0 && S_ISDIR(sb.st_mode);

	free(cur);
	if (!ok)
		return err_set(err, ERR_USAGE, "'%s' is not a Maildir (it has no cur/ directory)",
			       path);
	if (maildir_sub(&im, path, "new", err) == -1 || maildir_sub(&im, path, "cur", err) == -1)
		return -1;
	return imp_flush(&im, err);
}

/* ---- mbox ------------------------------------------------------------------ */

/* Parses the date of a "From sender Mon Jan  1 00:00:00 2024" line. */
static int64_t mbox_from_date(const char *line)
{
	const char *p = strchr(line + 5, ' ');
	int64_t t;

	if (p == NULL || mail_parse_date(p + 1, strlen(p + 1), &t) == -1)
		return 0;
	return t;
}

struct mbox_msg {
	struct buf raw;
	int in_header;
	size_t body_len;
	long offset;
	int64_t date;
};

static int mbox_emit(struct importer *im, struct mbox_msg *m, struct err *err)
{
	char ref[32];

	if (m->offset < 0)
		return 0;
	snprintf(ref, sizeof ref, "offset:%ld", m->offset);
	return imp_message(im, ref, m->raw.data, m->raw.len, m->date, err);
}

/* Adds one line of a message (or a later piece of a long one: !start),
 * keeping the header whole (up to its limit) and at most
 * IMPORT_BODY_BYTES of the body. */
static void mbox_line(struct mbox_msg *m, const char *line, size_t len, int start)
{
	if (m->in_header) {
		if (start && (len == 1 || (len == 2 && line[0] == '\r')))
			m->in_header = 0;
		buf_add(&m->raw, line, len);
		return;
	}
	/* mboxrd: ">From " in a body was "From " */
	if (start && len > 5 && line[0] == '>' &&
	    strncmp(line + strspn(line, ">"), "From ", 5) == 0)
		line++, len--;
	if (m->body_len + len <= IMPORT_BODY_BYTES && buf_add(&m->raw, line, len) == 0)
		m->body_len += len;
}

/* Reads the next piece of a line: up to size bytes, through the newline
 * when it comes first. Returns its length, 0 at the end of the file. */
static size_t mbox_read(FILE *fp, char *buf, size_t size)
{
	size_t n = 0;
	int ch;

	flockfile(fp);
	while (n < size && (ch = getc_unlocked(fp)) != EOF) {
		buf[n++] = (char)ch;
		if (ch == '\n')
			break;
	}
	funlockfile(fp);
	return n;
}

int sync_import_mbox(struct sync_ctx *ctx, const struct match_opts *o, const char *path,
		     struct sync_counts *c, struct err *err)
{
	struct importer im = {ctx, o, path, c, {0}, 0};
	struct mbox_msg m = {.offset = -1};
	char *line = NULL;
	size_t n;
	long pos = 0;
	int prev_blank = 1, start = 1, skip = 0, from = 0, rc = 0;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return err_set(err, ERR_USAGE, "cannot open '%s': %s", path, strerror(errno));
	line = xmalloc(IMPORT_LINE_MAX + 1);
	buf_init(&m.raw, MAIL_MAX_HEADER + IMPORT_BODY_BYTES);
	while (rc == 0 && (n = mbox_read(fp, line, IMPORT_LINE_MAX)) > 0) {
		line[n] = '\0';
		from = 0;
		if (skip) {
			/* the rest of a "From " line longer than IMPORT_LINE_MAX */
		} else if (start && prev_blank && n > 5 && strncmp(line, "From ", 5) == 0) {
			from = 1;
			rc = mbox_emit(&im, &m, err);
			buf_reset(&m.raw);
			m.in_header = 1;
			m.body_len = 0;
			m.offset = pos;
			m.date = mbox_from_date(line);
		} else if (m.offset >= 0) {
			mbox_line(&m, line, n, start);
		}
		prev_blank = start && (n == 1 || (n == 2 && line[0] == '\r'));
		start = line[n - 1] == '\n';
		skip = !start && (skip || from);
		pos += (long)n;
	}
	if (rc == 0 && ferror(fp))
		rc = err_set(err, ERR_USAGE, "cannot read '%s': %s", path, strerror(errno));
	if (rc == 0)
		rc = mbox_emit(&im, &m, err);
	if (rc == 0)
		rc = imp_flush(&im, err);
	if (m.offset < 0 && rc == 0)
		log_warnx("'%s' holds no messages (an mbox starts with a \"From \" line)", path);
	free(line);
	buf_release(&m.raw);
	fclose(fp);
	return rc;
}

/* ---- iCalendar --------------------------------------------------------------- */

static int ics_occurrence(struct importer *im, const struct ics_occurrence *ev, struct err *err)
{
	char *ref = xasprintf("%s#%s", ev->uid, ev->recurrence_id ? ev->recurrence_id : "");
	struct store_item it = {"import", im->container, ref, NULL};
	int rc = sync_log_meeting(im->ctx, im->o, &it, ev, &im->batch, err);

	free(ref);
	return rc;
}

/* Reads a whole .ics file (bounded by ICS_MAX_BYTES). */
static int read_ics(const char *path, struct buf *b, struct err *err)
{
	char chunk[65536];
	size_t n;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return err_set(err, ERR_USAGE, "cannot open '%s': %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
		if (buf_add(b, chunk, n) == -1) {
			fclose(fp);
			return err_set(err, ERR_USAGE, "'%s' is larger than %d bytes", path,
				       ICS_MAX_BYTES);
		}
	}
	fclose(fp);
	return 0;
}

int sync_import_ics(struct sync_ctx *ctx, const struct match_opts *o, const char *path,
		    int64_t from, int64_t to, const char *tz, struct sync_counts *c,
		    struct err *err)
{
	struct importer im = {ctx, o, path, c, {0}, 0};
	struct ics_options opt = {tz, from, to, 0, ctx->cfg->plus_addressing};
	struct ics_result res = {NULL, 0, NULL, 0};
	struct store_item it = {"import", path, "", NULL};
	struct err perr;
	struct buf b;
	int rc = -1;

	buf_init(&b, ICS_MAX_BYTES);
	err_init(&perr);
	if (read_ics(path, &b, err) == -1)
		goto out;
	if (!ctx->dry_run && store_begin(ctx->st, err) == -1)
		goto out;
	im.inbatch = 1;
	if (ics_parse(b.data, b.len, &opt, &res, &perr) == -1) {
		log_warnx("%s: %s; recorded", path, perr.msg);
		im.batch.errors++;
		if (store_log_parse_error(ctx->st, &it, perr.msg, CRMSYNC_VERSION, ctx->now, err) ==
		    -1)
			goto fail;
	}
	for (size_t i = 0; i < res.nwarnings; i++)
		log_verbose("%s: %s", path, res.warnings[i]);
	/* Nothing readable and something wrong: say what, do not stay silent. */
	if (res.n == 0 && res.nwarnings > 0) {
		char *what = xasprintf("no meeting could be read: %s", res.warnings[0]);
		log_warnx("%s: %s; recorded", path, what);
		im.batch.errors++;
		rc = store_log_parse_error(ctx->st, &it, what, CRMSYNC_VERSION, ctx->now, err);
		free(what);
		if (rc == -1)
			goto fail;
		rc = -1;
	}
	for (size_t i = 0; i < res.n; i++)
		if (ics_occurrence(&im, &res.v[i], err) == -1)
			goto fail;
	rc = imp_flush(&im, err);
	goto out;
fail:
	if (!ctx->dry_run)
		store_rollback(ctx->st);
out:
	ics_result_release(&res);
	buf_release(&b);
	return rc;
}

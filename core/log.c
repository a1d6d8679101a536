/* core/log.c - stderr logging with secret masking (see log.h).
 *
 * The secret list is process-wide state, next to the log level, as STYLE
 * allows. It is written only while the config is loaded (single-threaded);
 * later sync workers only read it.
 */
#include "core/log.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int log_level = LOG_LVL_INFO;

static char **log_secrets;
static size_t log_nsecrets;

void log_init(int level)
{
	log_level = level;
}

void log_add_secret(const char *secret)
{
	if (secret == NULL || strlen(secret) < 4)
		return;
	for (size_t i = 0; i < log_nsecrets; i++)
		if (strcmp(log_secrets[i], secret) == 0)
			return;
	log_secrets = xreallocarray(log_secrets, log_nsecrets + 1, sizeof *log_secrets);
	log_secrets[log_nsecrets++] = xstrdup(secret);
}

void log_clear_secrets(void)
{
	for (size_t i = 0; i < log_nsecrets; i++) {
		explicit_bzero(log_secrets[i], strlen(log_secrets[i]));
		free(log_secrets[i]);
	}
	free(log_secrets);
	log_secrets = NULL;
	log_nsecrets = 0;
}

char *log_redact(const char *s)
{
	struct buf b;

	buf_init(&b, (size_t)-1 / 2);
	while (*s) {
		size_t hit = 0;
		for (size_t i = 0; i < log_nsecrets; i++) {
			size_t n = strlen(log_secrets[i]);
			if (strncmp(s, log_secrets[i], n) == 0 && n > hit)
				hit = n;
		}
		if (hit > 0) {
			buf_addstr(&b, "****");
			s += hit;
		} else {
			buf_addch(&b, *s++);
		}
	}
	return buf_detach(&b, NULL);
}

__attribute__((format(printf, 2, 0))) static void log_vwrite(const char *level, const char *fmt,
							     va_list ap, const char *suffix)
{
	int saved = errno;
	char *msg, *clean;

	msg = xvasprintf(fmt, ap);
	clean = log_redact(msg);
	/* Messages quote servers and content: no escape sequence reaches a
	 * terminal, no line break forges a second message. */
	str_scrub_controls(clean, strlen(clean));
	for (char *p = clean; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	if (log_level >= LOG_LVL_VERBOSE) {
		char ts[32];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(stderr, "%s %s crmsync: %s%s%s\n", ts, level, clean, suffix ? ": " : "",
			suffix ? suffix : "");
	} else {
		fprintf(stderr, "crmsync: %s%s%s\n", clean, suffix ? ": " : "",
			suffix ? suffix : "");
	}
	free(clean);
	free(msg);
	errno = saved;
}

void log_errorx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite("error", fmt, ap, NULL);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_LVL_INFO)
		return;
	va_start(ap, fmt);
	log_vwrite("warning", fmt, ap, NULL);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	if (log_level < LOG_LVL_INFO)
		return;
	va_start(ap, fmt);
	log_vwrite("warning", fmt, ap, e);
	va_end(ap);
}

void log_msg(int level, const char *fmt, ...)
{
	static const char *names[] = {"info", "verbose", "debug", "trace"};
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	log_vwrite(names[level < 0 ? 0 : level > 3 ? 3 : level], fmt, ap, NULL);
	va_end(ap);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite("fatal", fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

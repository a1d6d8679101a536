/* core/log.h - leveled logging to stderr.
 *
 * One line per message: "crmsync: message" at the default level, with a
 * UTC timestamp and level prefix when verbose (for journald and log files).
 * Secrets never reach the log: every secret the program resolves is
 * registered with log_add_secret(), and any occurrence of it in a message
 * is replaced with "****" before the line is written. Callers still must
 * not log secrets on purpose; this is the safety net.
 */
#ifndef CORE_LOG_H
#define CORE_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_QUIET = -1, /* errors only */
	LOG_LVL_INFO = 0,
	LOG_LVL_VERBOSE = 1,
	LOG_LVL_DEBUG = 2,
	LOG_LVL_TRACE = 3, /* protocol traces (redacted) */
};

extern int log_level;

void log_init(int level);
/* Registers a secret (copied) that is masked in every later message.
 * Strings shorter than 4 bytes are ignored (they would mask too much). */
void log_add_secret(const char *secret);
/* Forgets all registered secrets (tests, config reload). */
void log_clear_secrets(void);
/* Writes the secret-masked form of s into a new heap string. */
char *log_redact(const char *s);

void log_errorx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends ": strerror(errno)". */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Arguments are not evaluated unless the level is enabled. */
#define log_info(...)                                       \
	do {                                                \
		if (log_level >= LOG_LVL_INFO)              \
			log_msg(LOG_LVL_INFO, __VA_ARGS__); \
	} while (0)
#define log_verbose(...)                                       \
	do {                                                   \
		if (log_level >= LOG_LVL_VERBOSE)              \
			log_msg(LOG_LVL_VERBOSE, __VA_ARGS__); \
	} while (0)
#define log_debug(...)                                       \
	do {                                                 \
		if (log_level >= LOG_LVL_DEBUG)              \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__); \
	} while (0)

#endif

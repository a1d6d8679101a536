/* core/err.c - error recording (see err.h). */
#include "core/err.h"
#include "core/str.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void err_init(struct err *err)
{
	err->kind = ERR_NONE;
	err->msg[0] = '\0';
	err->wait_s = 0;
}

int err_set(struct err *err, enum err_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err->kind != ERR_NONE)
		return -1;
	err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

void err_prefix(struct err *err, const char *fmt, ...)
{
	char head[256], joined[sizeof head + sizeof err->msg + 2];
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	snprintf(joined, sizeof joined, "%s: %s", head, err->msg);
	str_copy(err->msg, joined, sizeof err->msg);
}

const char *err_kind_name(enum err_kind kind)
{
	switch (kind) {
	case ERR_NONE:
		return "none";
	case ERR_TEMP:
		return "temporary";
	case ERR_WAIT:
		return "throttled";
	case ERR_FINAL:
		return "final";
	case ERR_DATA:
		return "data";
	case ERR_USAGE:
		return "usage";
	case ERR_DB:
		return "database";
	case ERR_AUTH:
		return "auth";
	}
	return "unknown";
}

int err_exit_code(const struct err *err)
{
	switch (err->kind) {
	case ERR_NONE:
		return 0;
	case ERR_USAGE:
		return 2;
	case ERR_DB:
		return 4;
	default:
		return 1;
	}
}

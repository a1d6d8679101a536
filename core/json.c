/* core/json.c - JSON string escaping (see json.h). */
#include "core/json.h"
#include "core/buf.h"
#include "core/timeutil.h"

#include <inttypes.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
static size_t json_utf8_len(const unsigned char *s)
{
	unsigned c = s[0], cp;
	size_t need;

	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		need = 1, cp = c & 0x1f;
	else if ((c & 0xf0) == 0xe0)
		need = 2, cp = c & 0x0f;
	else if ((c & 0xf8) == 0xf0)
		need = 3, cp = c & 0x07;
	else
		return 0;
	for (size_t k = 1; k <= need; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need + 1;
}

void json_str(struct buf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	if (s == NULL) {
		buf_addstr(b, "null");
		return;
	}
	buf_addch(b, '"');
	while (*s) {
		size_t n;
		if (*s == '"' || *s == '\\') {
			buf_addch(b, '\\');
			buf_addch(b, (char)*s++);
		} else if (*s == '\n') {
			buf_addstr(b, "\\n"), s++;
		} else if (*s == '\r') {
			buf_addstr(b, "\\r"), s++;
		} else if (*s == '\t') {
			buf_addstr(b, "\\t"), s++;
		} else if (*s < 0x20 || *s == 0x7f) {
			buf_addf(b, "\\u%04x", *s++);
		} else if ((n = json_utf8_len(s)) == 0) {
			buf_addstr(b, "\\ufffd"), s++;
		} else {
			buf_add(b, s, n);
			s += n;
		}
	}
	buf_addch(b, '"');
}

static void json_key(struct buf *b, int comma, const char *key)
{
	if (comma)
		buf_addch(b, ',');
	json_str(b, key);
	buf_addch(b, ':');
}

void json_kv_str(struct buf *b, int comma, const char *key, const char *val)
{
	json_key(b, comma, key);
	json_str(b, val);
}

void json_kv_int(struct buf *b, int comma, const char *key, int64_t val)
{
	json_key(b, comma, key);
	buf_addf(b, "%" PRId64, val);
}

void json_kv_time(struct buf *b, int comma, const char *key, int64_t t)
{
	char ts[32];

	json_key(b, comma, key);
	if (t == INT64_MIN) {
		buf_addstr(b, "null");
		return;
	}
	tu_format_rfc3339(t, ts, sizeof ts);
	json_str(b, ts);
}

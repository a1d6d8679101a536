/* tests/unit/test_core.c - core primitives: bounded buffers, string
 * helpers, time parsing and formatting, JSON escaping, the string set and
 * secret masking in the log. */
#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "core/str.h"
#include "core/strset.h"
#include "core/timeutil.h"
#include "t.h"

#include <stdlib.h>

static void test_buf(void)
{
	struct buf b;
	char *p;
	size_t n;

	buf_init(&b, 8);
	T_STREQ(b.data, "");
	T_OK(buf_addstr(&b, "abcd") == 0);
	T_OK(buf_addf(&b, "%d", 123) == 0);
	T_STREQ(b.data, "abcd123");
	T_OK(buf_addstr(&b, "xy") == -1); /* would exceed 8: refused, unchanged */
	T_STREQ(b.data, "abcd123");
	T_OK(buf_addch(&b, 'z') == 0);
	T_INTEQ(b.len, 8);
	T_OK(buf_addch(&b, 'z') == -1);
	p = buf_detach(&b, &n);
	T_INTEQ(n, 8);
	T_STREQ(p, "abcd123z");
	free(p);
	T_INTEQ(b.len, 0);
	T_OK(buf_add(&b, "a\0b", 3) == 0); /* NUL bytes are kept */
	T_INTEQ(b.len, 3);
	buf_release(&b);
	buf_release(&b);
}

static void test_str(void)
{
	static const struct {
		const char *in;
		int valid;
	} utf8[] = {
		{"plain", 1},	 {"caf\xc3\xa9", 1}, {"\xe2\x82\xac", 1}, {"\xf0\x9f\x98\x80", 1},
		{"\xc3\x28", 0}, {"\xc0\xaf", 0},    {"\xed\xa0\x80", 0}, {"\xf4\x90\x80\x80", 0},
		{"\xe2\x82", 0},
	};
	char small[4];
	int64_t v;

	for (size_t i = 0; i < sizeof utf8 / sizeof utf8[0]; i++)
		T_INTEQ(str_utf8_valid(utf8[i].in, strlen(utf8[i].in)), utf8[i].valid);
	T_INTEQ(str_copy(small, "abcdef", sizeof small), 6);
	T_STREQ(small, "abc");
	T_OK(str_to_i64("42", 0, 100, &v) == 0 && v == 42);
	T_OK(str_to_i64("101", 0, 100, &v) == -1);
	T_OK(str_to_i64("4x", 0, 100, &v) == -1);
	T_OK(str_to_i64("", 0, 100, &v) == -1);
	T_OK(str_to_i64(" 4", 0, 100, &v) == -1);
	T_INTEQ(str_edit_distance("host", "hots"), 2);
	T_INTEQ(str_edit_distance("folders", "folder"), 1);
	T_INTEQ(str_edit_distance("", "abc"), 3);
	T_OK(str_glob_ci("noreply@*", "NoReply@x.example"));
	T_OK(str_glob_ci("*@mailer.example.org", "a@mailer.example.org"));
	T_OK(!str_glob_ci("*@mailer.example.org", "a@mailer.example.org.evil"));
	T_OK(str_glob_ci("a?c", "abc"));
	T_OK(!str_glob_ci("a?c", "ac"));
}

static void test_time(void)
{
	static const struct {
		const char *in;
		int64_t want; /* INT64_MIN: invalid */
	} dates[] = {
		{"1970-01-01", 0},
		{"2026-03-01", 1772323200},
		{"2024-02-29", 1709164800},
		{"2023-02-29", INT64_MIN},
		{"2026-13-01", INT64_MIN},
		{"2026-3-1", INT64_MIN},
		{"2026-03-01T09:30:00Z", 1772357400},
		{"2026-03-01T09:30:00.250Z", 1772357400},
		{"2026-03-01T10:30:00+01:00", 1772357400},
		{"2026-03-01 04:30:00-05:00", 1772357400},
		{"2026-03-01T09:30:00", INT64_MIN},
		{"2026-03-01T25:00:00Z", INT64_MIN},
		{"2026-03-01Tjunk", INT64_MIN},
		{"", INT64_MIN},
	};
	static const struct {
		const char *in;
		int64_t want;
	} durs[] = {
		{"30s", 30}, {"5m", 300}, {"2h", 7200}, {"365d", 31536000}, {"1w", 604800},
		{"45", 45},  {"5x", -1},  {"m", -1},	{"", -1},	    {"5mm", -1},
	};
	char out[32];
	int64_t t;

	for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
		int rc = tu_parse_date(dates[i].in, &t);
		if (dates[i].want == INT64_MIN) {
			T_INTEQ(rc, -1);
		} else {
			T_INTEQ(rc, 0);
			T_INTEQ(t, dates[i].want);
		}
	}
	for (size_t i = 0; i < sizeof durs / sizeof durs[0]; i++) {
		int rc = tu_parse_duration(durs[i].in, &t);
		T_INTEQ(rc == 0 ? t : -1, durs[i].want);
	}
	tu_format_rfc3339(1772357400, out, sizeof out);
	T_STREQ(out, "2026-03-01T09:30:00Z");
	tu_format_rfc3339(-1, out, sizeof out);
	T_STREQ(out, "1969-12-31T23:59:59Z");
	tu_format_date(1709164800, out, sizeof out);
	T_STREQ(out, "2024-02-29");
	/* Relative dates count back from "now" (2026-03-31T12:00:00Z). */
	T_OK(tu_parse_cli_date("7d", 1774958400, &t) == 0 && t == 1774958400 - 7 * 86400);
	T_OK(tu_parse_cli_date("2w", 1774958400, &t) == 0 && t == 1774958400 - 14 * 86400);
	T_OK(tu_parse_cli_date("1m", 1774958400, &t) == 0);
	tu_format_rfc3339(t, out, sizeof out);
	T_STREQ(out, "2026-02-28T12:00:00Z"); /* March 31 minus a month, clamped */
	T_OK(tu_parse_cli_date("14m", 1774958400, &t) == 0);
	tu_format_rfc3339(t, out, sizeof out);
	T_STREQ(out, "2025-01-31T12:00:00Z");
	T_OK(tu_parse_cli_date("7y", 1774958400, &t) == -1);
}

static void test_json(void)
{
	struct buf b;

	buf_init(&b, 1024);
	json_str(&b, "a\"b\\c\n\x01\xc3\xa9\xff");
	T_STREQ(b.data, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\\ufffd\"");
	buf_reset(&b);
	json_str(&b, NULL);
	T_STREQ(b.data, "null");
	buf_reset(&b);
	json_kv_time(&b, 0, "t", 0);
	json_kv_time(&b, 1, "u", INT64_MIN);
	json_kv_int(&b, 1, "n", -5);
	T_STREQ(b.data, "\"t\":\"1970-01-01T00:00:00Z\",\"u\":null,\"n\":-5");
	buf_release(&b);
}

static void test_strset(void)
{
	struct strset s;
	int64_t v;
	char key[32];

	strset_init(&s);
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		T_OK(strset_add(&s, key, i, NULL) == 1);
	}
	T_OK(strset_add(&s, "k7", 99, &v) == 0 && v == 7);
	T_OK(strset_get(&s, "k999", &v) == 1 && v == 999);
	T_OK(strset_get(&s, "k1000", &v) == 0);
	T_INTEQ(s.n, 1000);
	strset_release(&s);
}

static void test_redact(void)
{
	char *r;

	log_add_secret("hunter22");
	log_add_secret("abc"); /* too short to mask */
	r = log_redact("login alice hunter22 ok hunter22");
	T_STREQ(r, "login alice **** ok ****");
	free(r);
	r = log_redact("abc");
	T_STREQ(r, "abc");
	free(r);
	log_clear_secrets();
	r = log_redact("hunter22");
	T_STREQ(r, "hunter22");
	free(r);
}

static void test_scrub(void)
{
	/* an OSC title change, a colour, BEL, CR, DEL; UTF-8, newline and tab kept */
	char s[] = "a\x1b]0;pwned\x07"
		   "b\x1b[31mc\rd\x7f\te\nf \xc3\xa9";

	str_scrub_controls(s, strlen(s));
	T_STREQ(s, "a?]0;pwned?b?[31mc?d?\te\nf \xc3\xa9");
}

int main(void)
{
	test_buf();
	test_str();
	test_time();
	test_json();
	test_strset();
	test_redact();
	test_scrub();
	return t_done("core");
}

/* tests/unit/test_mail.c - parsers/mail.h: dates, encoded words, address
 * lists, msg-ids, References, automated signals, snippets, errors.
 *
 * Table-driven where the cases are alike; the real-mail cases are in
 * test_mail_golden.c. Non-ASCII text is written as UTF-8 escapes, split
 * into separate literals where a hex digit follows an escape.
 */
#include "core/buf.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "parsers/mail.h"
#include "t.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- dates ---- */

#define BAD_DATE INT64_MIN

static const struct {
	const char *in;
	int64_t want; /* BAD_DATE: rejected */
} date_cases[] = {
	/* RFC 5322 §3.3 */
	{"Fri, 21 Nov 1997 09:55:06 -0600", 880127706},
	{"Fri, 21 Nov 1997 09:55:06 +0000", 880106106},
	{"21 Nov 1997 09:55:06 -0600", 880127706},
	{"Fri, 21 Nov 1997 09:55 -0600", 880127706 - 6},
	/* Obsolete forms, RFC 5322 §4.3 */
	{"21 Nov 97 09:55:06 GMT", 880106106},
	{"21 Nov 097 09:55:06 GMT", 880106106},
	{"Sat, 1 Jan 49 00:00:00 GMT", 2493072000},
	{"Sun, 1 Jan 50 00:00:00 GMT", -631152000},
	{"Fri, 21 Nov 1997 09:55:06 UT", 880106106},
	{"Fri, 21 Nov 1997 09:55:06 CST", 880127706},
	{"Fri, 21 Nov 1997 10:55:06 CDT", 880127706},
	{"Fri, 21 Nov 1997 10:55:06 EST", 880127706},
	{"Fri, 21 Nov 1997 11:55:06 EDT", 880127706},
	{"Fri, 21 Nov 1997 08:55:06 MST", 880127706},
	{"Fri, 21 Nov 1997 09:55:06 MDT", 880127706},
	{"Fri, 21 Nov 1997 07:55:06 PST", 880127706},
	{"Fri, 21 Nov 1997 08:55:06 PDT", 880127706},
	{"Fri, 21 Nov 1997 09:55:06 Z", 880106106},
	{"Fri, 21 Nov 1997 09:55:06 A", 880106106},
	{"Fri, 21 Nov 1997 09:55:06 m", 880106106},
	{"Fri, 21 Nov 1997 09:55:06 Y", 880106106},
	{"Mon, 29 Oct 2001 18:08:10 -0800 (PST)", 1004407690},
	{"Mon, 29 Oct 2001 18:08:10 -0800 (ùòåï (nested) x)", 1004407690},
	{"Thu,\r\n 13\r\n Feb\r\n 1969\r\n 23:32\r\n -0330 (Newfoundland Time)", -27723480},
	{"Fri, 21 Nov 1997 09(comment):   55  :  06 -0600", 880127706},
	{"   Fri,   21   Nov   1997   09:55:06   -0600   ", 880127706},
	{"fri, 21 nov 1997 09:55:06 -0600", 880127706},
	{"FRIDAY, 21 NOVEMBER 1997 09:55:06 -0600", 880127706},
	{"Fri, 21 Sept 1997 09:55:06 +0000", 880106106 - 61 * 86400},
	{"Fri,21 Nov 1997 09:55:06 -0600", 880127706},
	{"21-Nov-1997 09:55:06 -0600", 880127706},
	{"Fri, 21 Nov 1997 09:55:06", 880106106},
	{"Fri, 21 Nov 1997 09:55:06 -0600 trailing words", 880127706},
	{"Tue, 4 Dec 2001 17:11:25 -0459", 1007503825},
	{"Mon, 1 Jan 2001 10:00:00 GMT+0100", 978339600},
	{"Mon, 1 Jan 2001 10:00:00 CET", 978339600},
	{"Tue, 29 Feb 2000 00:00:00 +0000", 951782400},
	{"Fri, 21 Nov 1997 09:55:60 +0000", 880106106 + 54},
	/* asctime(3), written by broken software */
	{"Mon Jan 10 12:00:00 2000", 947505600},
	{"Mon Jan 10 12:00:00 PST 2000", 947534400},
	/* ISO 8601 as a last resort */
	{"2001-04-06T09:23:06Z", 986548986},
	/* Rejected */
	{"", BAD_DATE},
	{"<HR>", BAD_DATE},
	{"garbage", BAD_DATE},
	{"Fri, 21 Nov 1997", BAD_DATE},
	{"Nov 1997 09:55:06 -0600", BAD_DATE},
	{"Fri, 21 Foo 1997 09:55:06 -0600", BAD_DATE},
	{"Fri, 30 Feb 2001 09:55:06 -0600", BAD_DATE},
	{"Thu, 29 Feb 2001 09:55:06 -0600", BAD_DATE},
	{"Mon, 31 Apr 2001 09:55:06 -0600", BAD_DATE},
	{"Fri, 32 Jan 2001 09:55:06 -0600", BAD_DATE},
	{"Fri, 0 Jan 2001 09:55:06 -0600", BAD_DATE},
	{"Fri, 21 Nov 1997 24:00:00 -0600", BAD_DATE},
	{"Fri, 21 Nov 1997 23:60:00 -0600", BAD_DATE},
	{"Fri, 21 Nov 1997 23:59:61 -0600", BAD_DATE},
	{"Fri, 21 Nov 1997 09:55:06 +0575", BAD_DATE},
	{"Fri, 21 Nov 1997 09:55:06 +2500", BAD_DATE},
	{"Fri, 21 Nov 1899 09:55:06 +0000", BAD_DATE},
	{"Fri, 21 Nov 1997 123:55:06 +0000", BAD_DATE},
	{"21 22 Nov 1997 09:55:06", BAD_DATE},
};

static void test_dates(void)
{
	for (size_t i = 0; i < sizeof date_cases / sizeof date_cases[0]; i++) {
		int64_t t = 0;
		int rc = mail_parse_date(date_cases[i].in, strlen(date_cases[i].in), &t);

		if (date_cases[i].want == BAD_DATE) {
			T_INTEQ(rc, -1);
			if (rc != -1)
				fprintf(stderr, "  date case %zu accepted: %s\n", i,
					date_cases[i].in);
		} else {
			T_INTEQ(rc, 0);
			T_INTEQ(t, date_cases[i].want);
			if (rc != 0 || t != date_cases[i].want)
				fprintf(stderr, "  date case %zu: %s\n", i, date_cases[i].in);
		}
	}
}

/* ---- RFC 2047 ---- */

static const struct {
	const char *in, *want;
} word_cases[] = {
	{"plain text", "plain text"},
	{"=?utf-8?Q?caf=C3=A9?=", "caf\xc3\xa9"},
	{"=?UTF-8?B?Y2Fmw6k=?=", "caf\xc3\xa9"},
	{"=?utf-8?b?Y2Fmw6k?=", "caf\xc3\xa9"}, /* padding missing */
	{"=?iso-8859-1?Q?J=FCrgen?=", "J\xc3\xbcrgen"},
	{"=?ISO-8859-1?q?a_b_c?=", "a b c"},
	{"=?iso-8859-1?Q?J=FCrgen=20Schm=FCrgen?=", "J\xc3\xbcrgen Schm\xc3\xbcrgen"},
	{"=?windows-1252?Q?=93quoted=94_=80?=", "\xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x82\xac"},
	{"=?iso-8859-1?Q?=93quoted=94?=", "\xe2\x80\x9cquoted\xe2\x80\x9d"},
	{"=?koi8-r?B?8NLJ18XU?=", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"},
	{"=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=", "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88"},
	{"=?shift_jis?B?g2WDWINn?=", "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88"},
	{"=?utf-7?Q?Heinz_M+APw-ller?=", "Heinz M\xc3\xbcller"},
	{"=?utf-7?B?R3IrQVB3QTN3LWU=?=", "Gr\xc3\xbc\xc3\x9f"
					 "e"},
	{"=?gb2312?B?1tDOxA==?=", "\xe4\xb8\xad\xe6\x96\x87"},
	{"=?utf-8*en?Q?hi?=", "hi"},
	/* Adjacent words: the white space between them goes. */
	{"=?utf-8?Q?a?= =?utf-8?Q?b?=", "ab"},
	{"=?utf-8?Q?a?=\t  =?utf-8?Q?b?=", "ab"},
	{"=?utf-8?Q?a?= x =?utf-8?Q?b?=", "a x b"},
	{"=?iso-8859-1?Q?J=FCrgen?= =?iso-8859-1?Q?_Schm=FCrgen?=",
	 "J\xc3\xbcrgen Schm\xc3\xbcrgen"},
	{"=?UTF-8?Q?=C3?= =?UTF-8?Q?=A9?=", "\xc3\xa9"}, /* one character in two words */
	{"=?UTF-8?B?TXlTdXJ2ZXk=?= =?UTF-8?B?LmNvbSAmIEM=?= =?UTF-8?B?YXJvbCBBZGE=?= =?UTF-8?B?bXM=?=",
	 "MySurvey.com & Carol Adams"},
	{"=?utf-8?Q?a?= =?iso-8859-1?Q?=E9?=", "a\xc3\xa9"},
	{"Re: =?utf-8?Q?caf=C3=A9?= now", "Re: caf\xc3\xa9 now"},
	{"=?UTF-8?B?"
	 "?=",
	 ""},
	/* Malformed words stay as written. */
	{"=?utf-8?Q?unterminated", "=?utf-8?Q?unterminated"},
	{"=?utf-8?X?abc?=", "=?utf-8?X?abc?="},
	{"=?utf-8?B?@@@?=", "=?utf-8?B?@@@?="},
	{"=?"
	 "?Q?abc?=",
	 "=?"
	 "?Q?abc?="}, /* split: no trigraph */
	{"=?utf-8?Q?a b?=", "=?utf-8?Q?a b?="},
	{"=?utf-8?B?@@?= =?utf-8?Q?x?=", "=?utf-8?B?@@?= x"},
	{"a=?b", "a=?b"},
	{"=?utf-8?Q?a=?=", "a="},
	/* Unknown charsets: UTF-8 where valid, else windows-1252. */
	{"=?NONE?B?VEVTVA=?=", "TEST"},
	{"=?x-bogus?Q?caf=E9?=", "caf\xc3\xa9"},
	/* Raw 8-bit text: UTF-8, else windows-1252; raw ISO-2022-JP. */
	{"caf\xc3\xa9", "caf\xc3\xa9"},
	{"caf\xe9", "caf\xc3\xa9"},
	{"\x93x\x94", "\xe2\x80\x9cx\xe2\x80\x9d"},
	{"\x1b$B%F%9%H\x1b(B!", "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88!"},
};

static void test_words(void)
{
	for (size_t i = 0; i < sizeof word_cases / sizeof word_cases[0]; i++) {
		char *got = mail_decode_words(word_cases[i].in, strlen(word_cases[i].in));

		T_STREQ(got, word_cases[i].want);
		free(got);
	}
}

/* ---- address lists ---- */

/* "name" <address> key, joined with "; "; key "none" when NULL. */
static char *addrs_str(const struct mail_addrs *a)
{
	struct buf b;

	buf_init(&b, 1 << 20);
	for (size_t i = 0; i < a->n; i++) {
		if (i > 0)
			buf_addstr(&b, "; ");
		if (a->v[i].name != NULL)
			buf_addf(&b, "\"%s\" ", a->v[i].name);
		buf_addf(&b, "<%s> %s", a->v[i].address, a->v[i].key ? a->v[i].key : "none");
	}
	return buf_detach(&b, NULL);
}

static int parse_hdr(const char *hdr, struct mail_msg *msg)
{
	struct err err;

	err_init(&err);
	return mail_parse_header(hdr, strlen(hdr), 1, msg, &err);
}

static const struct {
	const char *in, *want;
	int nwarn;
} addr_cases[] = {
	{"a@x.com", "<a@x.com> a@x.com", 0},
	{"John Doe <JD@Example.COM>", "\"John Doe\" <JD@Example.COM> jd@example.com", 0},
	{"\"Doe, John\" <j@x.com>, b@y.com", "\"Doe, John\" <j@x.com> j@x.com; <b@y.com> b@y.com",
	 0},
	{"\"Smith, J. (Jennifer)\" <j@x.com>", "\"Smith, J. (Jennifer)\" <j@x.com> j@x.com", 0},
	{"\"a \\\"b\\\" c\" <j@x.com>", "\"a \"b\" c\" <j@x.com> j@x.com", 0},
	{"Joe Q. Public <john.q.public@example.com>",
	 "\"Joe Q. Public\" <john.q.public@example.com> john.q.public@example.com", 0},
	{"undisclosed-recipients:;", "", 0},
	{"(Empty list)(start)Undisclosed recipients  :(nobody(that I know))  ;", "", 0},
	{"Team: a@x.com, \"B, b\" <b@y.com>;", "<a@x.com> a@x.com; \"B, b\" <b@y.com> b@y.com", 0},
	{"Team: a@x.com;, c@z.com", "<a@x.com> a@x.com; <c@z.com> c@z.com", 0},
	{"A Group(Some people):Chris Jones <c@(Chris's host.)public.example>, joe@example.org;",
	 "\"Chris Jones\" <c@public.example> c@public.example; <joe@example.org> joe@example.org",
	 0},
	{"a@x.com (Alice Smith)", "\"Alice Smith\" <a@x.com> a@x.com", 0},
	{"<a@x.com> (Alice)", "\"Alice\" <a@x.com> a@x.com", 0},
	{"Pete(A wonderful \\) chap) <pete(his account)@silly.test(his host)>",
	 "\"Pete\" <pete@silly.test> pete@silly.test", 0},
	{"Mary Smith <@machine.tld:mary@example.net>, , jdoe@test   . example",
	 "\"Mary Smith\" <mary@example.net> mary@example.net; <jdoe@test.example> jdoe@test.example",
	 0},
	{"<@a.example,@b.example:jdoe@one.test>", "<jdoe@one.test> jdoe@one.test", 0},
	{"=?utf-8?Q?J=C3=B6rg?= <j@x.com>", "\"J\xc3\xb6rg\" <j@x.com> j@x.com", 0},
	{"=?iso-8859-1?Q?M=FCller=2C_Heinz?= <h@x.com>",
	 "\"M\xc3\xbcller, Heinz\" <h@x.com> h@x.com", 0},
	{"=?utf-8?Q?Doe,_John?= <j@x.com>", "\"Doe, John\" <j@x.com> j@x.com", 0},
	{"Heinz =?iso-8859-1?Q?M=FCller?= <m@x.com>", "\"Heinz M\xc3\xbcller\" <m@x.com> m@x.com",
	 0},
	{"\"=?utf-8?Q?J=C3=B6rg?=\" <j@x.com>", "\"J\xc3\xb6rg\" <j@x.com> j@x.com", 0},
	{"J\xf6rg <j@x.com>", "\"J\xc3\xb6rg\" <j@x.com> j@x.com", 0},
	{"J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc"
	 "cher.example>",
	 "\"J\xc3\xb6rg\" <j\xc3\xb6rg@b\xc3\xbc"
	 "cher.example> j\xc3\xb6rg@xn--bcher-kva.example",
	 0},
	{"user+tag@x.com", "<user+tag@x.com> user@x.com", 0},
	{"Mikel@Lindsaar <raasdnil@gmail.com>",
	 "\"Mikel@Lindsaar\" <raasdnil@gmail.com> raasdnil@gmail.com", 0},
	{"\"a@b\" <c@d.com>", "\"a@b\" <c@d.com> c@d.com", 0},
	{"mailto:a@x.com", "<a@x.com> a@x.com", 0},
	{"<mailto:a@x.com>", "<a@x.com> a@x.com", 0},
	/* Broken, and tolerated with a warning for what was not usable. */
	{"\"Name\" <a@x.com>@ENRON", "\"Name\" <a@x.com> a@x.com", 1},
	{"Name (E-mail)", "", 1},
	{"Name (E-mail), b@y.com", "<b@y.com> b@y.com", 1},
	{"a@x.com b@y.com", "<a@x.com> a@x.com; <b@y.com> b@y.com", 1},
	{"Jane Doe jane@x.com", "\"Jane Doe\" <jane@x.com> jane@x.com", 0},
	{"<>", "", 1},
	{"MAILER DAEMON <>", "", 1},
	{"a@b..c", "<a@b..c> none", 1},
	{"John <john@x.com", "\"John\" <john@x.com> john@x.com", 0},
	{"John <john@x.com, b@y.com", "\"John\" <john@x.com> john@x.com; <b@y.com> b@y.com", 0},
	{"<Undisclosed-Recipient:@mailman.enron.com;>", "", 1},
	{"@x.com", "", 1},
	{"alice", "", 1},
	{",,,", "", 0},
	{"\"unterminated <a@x.com>", "", 1},
};

static void test_addrs(void)
{
	for (size_t i = 0; i < sizeof addr_cases / sizeof addr_cases[0]; i++) {
		struct mail_msg msg;
		char *hdr = xasprintf("Message-ID: <t@x>\r\nTo: %s\r\n\r\nbody", addr_cases[i].in);
		char *got;

		T_INTEQ(parse_hdr(hdr, &msg), 0);
		got = addrs_str(&msg.to);
		T_STREQ(got, addr_cases[i].want);
		T_INTEQ(msg.nwarnings, addr_cases[i].nwarn);
		if (msg.nwarnings != (size_t)addr_cases[i].nwarn)
			for (size_t k = 0; k < msg.nwarnings; k++)
				fprintf(stderr, "  case %zu warning: %s\n", i, msg.warnings[k]);
		free(got);
		free(hdr);
		mail_msg_release(&msg);
	}
}

static void test_addr_fields(void)
{
	struct mail_msg msg;
	struct buf b;
	char *s;

	/* From: the first wins; To/Cc/Bcc add up; Sender and Reply-To parsed. */
	T_INTEQ(parse_hdr("From: a@x.com\nFROM: b@x.com\nto: c@x.com\nTo: d@x.com\n"
			  "CC: e@x.com\nbcc: f@x.com\nSender: s@x.com\nReply-To: r@x.com\n",
			  &msg),
		0);
	T_INTEQ(msg.from.n, 1);
	T_STREQ(msg.from.v[0].key, "a@x.com");
	s = addrs_str(&msg.to);
	T_STREQ(s, "<c@x.com> c@x.com; <d@x.com> d@x.com");
	free(s);
	T_INTEQ(msg.cc.n, 1);
	T_INTEQ(msg.bcc.n, 1);
	T_STREQ(msg.sender.v[0].key, "s@x.com");
	T_STREQ(msg.reply_to.v[0].key, "r@x.com");
	mail_msg_release(&msg);

	/* Plus addressing off keeps the tag. */
	{
		struct err err;
		const char *h = "From: a+tag@x.com\n";

		err_init(&err);
		T_INTEQ(mail_parse_header(h, strlen(h), 0, &msg, &err), 0);
		T_STREQ(msg.from.v[0].key, "a+tag@x.com");
		mail_msg_release(&msg);
	}

	/* At most MAIL_MAX_ADDRS addresses in all, one warning. */
	buf_init(&b, 1 << 20);
	buf_addstr(&b, "From: a@x.com\nTo: ");
	for (int i = 0; i < MAIL_MAX_ADDRS + 50; i++)
		buf_addf(&b, "%su%d@x.com", i ? ", " : "", i);
	buf_addstr(&b, "\nCc: late@x.com\n");
	T_INTEQ(parse_hdr(b.data, &msg), 0);
	T_INTEQ(msg.from.n + msg.to.n + msg.cc.n, MAIL_MAX_ADDRS);
	T_INTEQ(msg.cc.n, 0);
	T_INTEQ(msg.nwarnings, 1);
	mail_msg_release(&msg);
	buf_release(&b);
}

/* CPU seconds to parse "To: " followed by n copies of unit. */
static double addrs_cpu(const char *unit, int n, size_t *naddrs)
{
	struct mail_msg msg;
	struct buf b;
	clock_t c0;

	buf_init(&b, 2 * MAIL_MAX_HEADER);
	buf_addstr(&b, "From: a@x.com\nTo: ");
	for (int i = 0; i < n; i++)
		buf_addstr(&b, unit);
	buf_addstr(&b, "\n");
	c0 = clock();
	T_INTEQ(parse_hdr(b.data, &msg), 0);
	*naddrs = msg.to.n;
	mail_msg_release(&msg);
	buf_release(&b);
	return (double)(clock() - c0) / CLOCKS_PER_SEC;
}

/* Found fuzzing: every ':' rescanned the element for a '<', so a To: of
 * "<>:<>:..." took seconds per header (minutes under ASan). Four times
 * the input must take about four times as long, not sixteen; the ratio
 * holds on slow machines and under valgrind alike. */
static void test_addrs_linear(void)
{
	static const char *const units[] = {
		"<>:",
		/* Found the same way: each '=' rescanned a broken encoded word
		 * to the end of the field. */
		"=?x?Q?a.",
	};

	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		size_t n1 = 1, n4 = 1;
		double t1 = addrs_cpu(units[i], 7500, &n1), t4 = addrs_cpu(units[i], 30000, &n4);

		T_INTEQ(n1 + n4, 0);
		T_OK(t4 < 8 * t1 + 0.05);
		if (!(t4 < 8 * t1 + 0.05))
			fprintf(stderr, "  '%s' x 7500: %.3f s, x 30000: %.3f s\n", units[i], t1,
				t4);
	}
}

static double words_cpu(const char *unit, int n)
{
	struct buf b;
	clock_t c0;
	char *s;

	buf_init(&b, 1 << 20);
	for (int i = 0; i < n; i++)
		buf_addstr(&b, unit);
	c0 = clock();
	s = mail_decode_words(b.data, b.len);
	T_INTEQ(strlen(s), b.len); /* nothing to decode: the text comes back */
	free(s);
	buf_release(&b);
	return (double)(clock() - c0) / CLOCKS_PER_SEC;
}

/* Found reading rfc2047.c while fuzzing: a run of broken encoded words
 * ("=?x?Q?a" has no "?=") was scanned again from every "=?" (a 280 KB
 * Subject took 3 s). */
static void test_words_linear(void)
{
	double t1 = words_cpu("=?x?Q?a", 10000), t4 = words_cpu("=?x?Q?a", 40000);

	T_OK(t4 < 8 * t1 + 0.05);
	if (!(t4 < 8 * t1 + 0.05))
		fprintf(stderr, "  10000 broken words: %.3f s, 40000: %.3f s\n", t1, t4);
}

/* ---- msg-ids and References ---- */

static const struct {
	const char *in, *want;
} msgid_cases[] = {
	{"<Abc.Def@Example.COM>", "<Abc.Def@example.com>"},
	{"  <abc@x.com>  (comment)", "<abc@x.com>"},
	{"(first) <abc@x.com>", "<abc@x.com>"},
	{"abc@X.com", "<abc@x.com>"},
	{"<1234   @   local(blah)  .machine .example>", "<1234@local.machine.example>"},
	{"<a@b.com>\r\n <c@d.com>", "<a@b.com>"},
	{"<xxxx>", "<xxxx>"},
	{"<>  <a@b>", "<a@b>"},
	{"Your message of \"Mon, 1 Jan <x@y>\" <a@B.com>", "<a@b.com>"},
	{"<p05100307b863befdfb67@[207.202.136.216]>", "<p05100307b863befdfb67@[207.202.136.216]>"},
	{"", NULL},
	{"   ", NULL},
	{"no id here", NULL},
	{"<>", NULL},
	{"<a@b\x01>", NULL},
};

static void test_msgids(void)
{
	for (size_t i = 0; i < sizeof msgid_cases / sizeof msgid_cases[0]; i++) {
		char *got = mail_msgid_norm(msgid_cases[i].in, strlen(msgid_cases[i].in));

		T_STREQ(got, msgid_cases[i].want);
		free(got);
	}
}

static void test_references(void)
{
	struct mail_msg msg;
	struct buf b;

	T_INTEQ(parse_hdr("From: a@x.com\nMessage-ID: <m@X.com>\nIn-Reply-To: <p@Y.com> (x)\n"
			  "References: <r1@A.com> <r2@b.com>\n <p@Y.com>\n",
			  &msg),
		0);
	T_STREQ(msg.message_id, "<m@x.com>");
	T_STREQ(msg.in_reply_to, "<p@y.com>");
	T_INTEQ(msg.nreferences, 3);
	if (msg.nreferences == 3) {
		T_STREQ(msg.references[0], "<r1@a.com>");
		T_STREQ(msg.references[2], "<p@y.com>");
	}
	mail_msg_release(&msg);

	/* 250 ids: the root and the last 199 are kept, in order. */
	buf_init(&b, 1 << 20);
	buf_addstr(&b, "From: a@x.com\nReferences:");
	for (int i = 0; i < 250; i++)
		buf_addf(&b, " <id%d@x.com>\n", i);
	T_INTEQ(parse_hdr(b.data, &msg), 0);
	T_INTEQ(msg.nreferences, MAIL_MAX_REFS);
	if (msg.nreferences == MAIL_MAX_REFS) {
		T_STREQ(msg.references[0], "<id0@x.com>");
		T_STREQ(msg.references[1], "<id51@x.com>");
		T_STREQ(msg.references[MAIL_MAX_REFS - 1], "<id249@x.com>");
	}
	mail_msg_release(&msg);
	buf_release(&b);
}

/* ---- automated signals (SPEC §5.5, docs/matching.md) ---- */

static void test_autos(void)
{
	struct mail_msg msg;

	T_INTEQ(parse_hdr("From: a@x.com\nAuto-Submitted: no\nPrecedence: first-class\n"
			  "Content-Type: text/plain\n",
			  &msg),
		0);
	T_OK(msg.autos.auto_submitted == NULL);
	T_OK(msg.autos.precedence == NULL);
	T_OK(msg.autos.list_id == NULL && msg.autos.list_unsubscribe == NULL);
	T_OK(msg.autos.x_autoreply == NULL);
	T_INTEQ(msg.autos.is_report, 0);
	T_INTEQ(msg.autos.has_calendar, 0);
	mail_msg_release(&msg);

	T_INTEQ(parse_hdr("From: a@x.com\nAuto-Submitted: No (manual)\nPrecedence: BULK\n", &msg),
		0);
	T_OK(msg.autos.auto_submitted == NULL);
	T_STREQ(msg.autos.precedence, "BULK");
	mail_msg_release(&msg);

	T_INTEQ(parse_hdr("From: a@x.com\nAuto-Submitted: auto-replied (vacation)\n"
			  "Precedence: junk\nList-Id: Sales <sales.x.com>\n"
			  "List-Unsubscribe: <mailto:u@x.com>,\n <https://x.com/u>\n"
			  "X-Autoreply: yes\nX-GM-THRID: 1234567890\n"
			  "Content-Type: multipart/report; report-type=delivery-status;\n"
			  " boundary=\"b1\"\n",
			  &msg),
		0);
	T_STREQ(msg.autos.auto_submitted, "auto-replied (vacation)");
	T_STREQ(msg.autos.precedence, "junk");
	T_STREQ(msg.autos.list_id, "Sales <sales.x.com>");
	T_STREQ(msg.autos.list_unsubscribe, "<mailto:u@x.com>, <https://x.com/u>");
	T_STREQ(msg.autos.x_autoreply, "yes");
	T_STREQ(msg.gm_thrid, "1234567890");
	T_INTEQ(msg.autos.is_report, 1);
	T_STREQ(msg.content_type, "multipart/report");
	T_STREQ(msg.boundary, "b1");
	mail_msg_release(&msg);

	T_INTEQ(parse_hdr("From: a@x.com\nPrecedence: list\nX-Autorespond: on\n"
			  "Content-Type: Text/Calendar; method=REQUEST; charset=UTF-8\n",
			  &msg),
		0);
	T_STREQ(msg.autos.precedence, "list");
	T_STREQ(msg.autos.x_autoreply, "on");
	T_INTEQ(msg.autos.has_calendar, 1);
	T_STREQ(msg.content_type, "text/calendar");
	T_STREQ(msg.charset, "utf-8");
	mail_msg_release(&msg);
}

/* ---- the header block itself ---- */

static void test_header(void)
{
	struct mail_msg msg;
	struct err err;
	struct buf b;
	const char *h;

	/* LF-only, folding, case-insensitive names, no empty line at the end,
	 * obsolete white space before the colon. */
	h = "subject : Hello\n\tWorld\nFROM: \"A\" <a@x.com>\nDATE: 21 Nov 97 09:55:06 GMT";
	T_INTEQ(parse_hdr(h, &msg), 0);
	T_STREQ(msg.subject, "Hello World");
	T_INTEQ(msg.has_date, 1);
	T_INTEQ(msg.date, 880106106);
	T_STREQ(msg.from.v[0].name, "A");
	mail_msg_release(&msg);

	/* Parsing stops at the empty line; an mbox "From " line is skipped. */
	h = "From a@x.com Mon Jan 10 12:00:00 2000\r\nFrom: a@x.com\r\nSubject: one\r\n\r\n"
	    "Subject: two\r\n";
	T_INTEQ(parse_hdr(h, &msg), 0);
	T_STREQ(msg.subject, "one");
	T_INTEQ(msg.nwarnings, 0);
	mail_msg_release(&msg);

	/* Subject: decoded, controls and runs of white space made single
	 * spaces; Content-Type parameters, RFC 2231 continuations. */
	h = "From: a@x.com\nSubject: =?utf-8?Q?a=09b?=   c\n"
	    "Content-Type: multipart/Mixed; boundary*0=\"ab\"; boundary*1=cd;\n"
	    "  charset*=us-ascii'en'UTF%2D8\nContent-Transfer-Encoding: Quoted-Printable;\n";
	T_INTEQ(parse_hdr(h, &msg), 0);
	T_STREQ(msg.subject, "a b c");
	T_STREQ(msg.content_type, "multipart/mixed");
	T_STREQ(msg.boundary, "abcd");
	T_STREQ(msg.charset, "utf-8");
	T_STREQ(msg.transfer_encoding, "quoted-printable");
	mail_msg_release(&msg);

	/* A bad Date is a warning, not an error. */
	T_INTEQ(parse_hdr("From: a@x.com\nDate: yesterday\n", &msg), 0);
	T_INTEQ(msg.has_date, 0);
	T_INTEQ(msg.nwarnings, 1);
	if (msg.nwarnings == 1)
		T_STREQ(msg.warnings[0], "Date: unparsable 'yesterday'");
	mail_msg_release(&msg);

	/* A line without a colon continues the field before it. */
	T_INTEQ(parse_hdr("From: a@x.com\nTo: Mary\n<m@x.com>\nSubject: s\n", &msg), 0);
	T_STREQ(msg.to.n == 1 ? msg.to.v[0].key : NULL, "m@x.com");
	T_INTEQ(msg.nwarnings, 1);
	mail_msg_release(&msg);

	/* Errors: neither a usable From nor a Message-ID. */
	err_init(&err);
	h = "To: a@x.com\nSubject: x\n";
	T_INTEQ(mail_parse_header(h, strlen(h), 1, &msg, &err), -1);
	T_INTEQ(err.kind, ERR_DATA);
	T_STREQ(err.msg, "no usable From address and no Message-ID");
	T_OK(msg.to.v == NULL && msg.subject == NULL);
	err_init(&err);
	h = "From: Name (E-mail)\n";
	T_INTEQ(mail_parse_header(h, strlen(h), 1, &msg, &err), -1);
	err_init(&err);
	T_INTEQ(mail_parse_header("", 0, 1, &msg, &err), -1);
	/* ... but either one is enough. */
	T_INTEQ(parse_hdr("From: Name (E-mail)\nMessage-ID: <a@b>\n", &msg), 0);
	T_STREQ(msg.message_id, "<a@b>");
	mail_msg_release(&msg);

	/* Errors: a header block over MAIL_MAX_HEADER bytes; the same bytes
	 * after the empty line are body and fine. */
	buf_init(&b, 2 * MAIL_MAX_HEADER);
	buf_addstr(&b, "From: a@x.com\n");
	while (b.len <= MAIL_MAX_HEADER)
		buf_addstr(&b, "X-Filler: 0123456789012345678901234567890123456789\n");
	err_init(&err);
	T_INTEQ(mail_parse_header(b.data, b.len, 1, &msg, &err), -1);
	T_INTEQ(err.kind, ERR_DATA);
	T_OK(strstr(err.msg, "header block longer than") != NULL);
	b.data[14] = '\n'; /* "From: a@x.com\n\n..." */
	T_INTEQ(parse_hdr(b.data, &msg), 0);
	mail_msg_release(&msg);
	buf_release(&b);

	/* Exactly MAIL_MAX_HEADER bytes before the empty line is allowed, one
	 * more is not (CR LF and LF-only alike). */
	for (int extra = 0; extra <= 1; extra++) {
		for (int crlf = 0; crlf <= 1; crlf++) {
			const char *nl = crlf ? "\r\n" : "\n";
			size_t nll = strlen(nl);

			buf_init(&b, 2 * MAIL_MAX_HEADER);
			buf_addf(&b, "From: a@x.com%s", nl);
			while (b.len + 100 < (size_t)MAIL_MAX_HEADER)
				buf_addf(&b, "X-Filler: 0123456789%s", nl);
			buf_addstr(&b, "X-Pad: ");
			while (b.len + nll < (size_t)MAIL_MAX_HEADER + (size_t)extra)
				buf_addch(&b, 'x');
			buf_addf(&b, "%s%sbody%s", nl, nl, nl);
			err_init(&err);
			T_INTEQ(mail_parse_header(b.data, b.len, 1, &msg, &err), extra ? -1 : 0);
			mail_msg_release(&msg);
			buf_release(&b);
		}
	}

	/* Release is safe twice. */
	mail_msg_release(&msg);
	mail_msg_release(NULL);
}

/* ---- snippets ---- */

static char *snip(const char *hdr, const char *body, size_t max, int *has_cal)
{
	struct mail_msg msg;
	char *s;

	if (parse_hdr(hdr, &msg) == -1)
		return xstrdup("(header error)");
	s = mail_snippet(&msg, body, strlen(body), max);
	if (has_cal != NULL)
		*has_cal = msg.autos.has_calendar;
	mail_msg_release(&msg);
	return s;
}

#define MP_HDR "From: a@x.com\nContent-Type: multipart/mixed; boundary=\"outer\"\n"

static const struct {
	const char *hdr, *body;
	size_t max;
	const char *want;
	int has_cal;
} snip_cases[] = {
	{"From: a@x.com\n", "  Hello,\r\n\r\n\tWorld!  \r\n", 200, "Hello, World!", 0},
	{"From: a@x.com\nContent-Type: text/plain; charset=utf-8\n"
	 "Content-Transfer-Encoding: quoted-printable\n",
	 "Hello=\r\n World=3D=C3=A9 =\nend=", 200, "Hello World=\xc3\xa9 end", 0},
	{"From: a@x.com\nContent-Transfer-Encoding: quoted-printable\n", "a =ZZ b=C3", 200,
	 "a =ZZ b", 0},
	{"From: a@x.com\nContent-Transfer-Encoding: base64\n", "SGVsbG8g\r\nV29ybGQ=\r\n", 200,
	 "Hello World", 0},
	{"From: a@x.com\nContent-Transfer-Encoding: BASE64\n", "SGVsbG8gV29y", 200, "Hello Wor", 0},
	{"From: a@x.com\nContent-Type: text/plain; charset=iso-8859-1\n", "caf\xe9 \x80", 200,
	 "caf\xc3\xa9 \xe2\x82\xac", 0},
	{"From: a@x.com\nContent-Type: text/plain; charset=\"KOI8-R\"\n",
	 "\xf0\xd2\xc9\xd7\xc5\xd4", 200, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 0},
	{"From: a@x.com\nContent-Type: text/plain; charset=utf-8\n", "caf\xc3\xa9 cut \xc3", 200,
	 "caf\xc3\xa9 cut", 0},
	/* RFC2047_CHARSET_MAX and the characters of a name: what iconv_open
	 * would take ("UTF-16BE//" reads "hi" as U+6869) is not given to it;
	 * the text is then read as UTF-8. */
	{"From: a@x.com\nContent-Type: text/plain; charset=\"UTF-16BE\"\n", "hi", 200,
	 "\xe6\xa1\xa9", 0},
	{"From: a@x.com\nContent-Type: text/plain; charset=\"utf-16be//\"\n", "hi", 200, "hi", 0},
	{"From: a@x.com\nContent-Type: text/plain; charset=\"../../tmp/x\"\n", "hi", 200, "hi", 0},
	{"From: a@x.com\nContent-Type: text/plain; "
	 "charset=utf-16be-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
	 "hi", 200, "hi", 0},
	{"From: a@x.com\nContent-Type: text/html; charset=utf-8\n",
	 "<html><head><title>T</title><style>p { color: red }</style></head>"
	 "<body><p>Hello&nbsp;<b>W</b>orld &amp; &lt;you&gt;</p><!-- hidden -->"
	 "<script type=\"x\">alert('<p>')</script><div a='>'>&#233;&#x263A; &quot;q&quot; "
	 "&#39;&unknown; 1 < 2</div></body></html>",
	 200, "Hello World & <you> \xc3\xa9\xe2\x98\xba \"q\" '&unknown; 1 < 2", 0},
	{"From: a@x.com\nContent-Type: text/html\n", "<p>cut in a <a href=\"x", 200, "cut in a", 0},
	/* Nested multipart: the text/plain of the alternative wins over the
	 * HTML; the calendar part is seen. */
	{MP_HDR,
	 "preamble\r\n--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n"
	 "--inner\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
	 "Content-Transfer-Encoding: quoted-printable\r\n\r\nPlain =E9t=E9\r\n"
	 "--inner\r\nContent-Type: text/html\r\n\r\n<p>HTML</p>\r\n--inner--\r\n"
	 "--outer\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\n"
	 "--outer--\r\nepilogue",
	 200, "Plain \xc3\xa9t\xc3\xa9", 1},
	/* HTML only; attachments and empty parts passed over. */
	{MP_HDR,
	 "--outer\nContent-Type: text/plain\nContent-Disposition: attachment; filename=a.txt\n\n"
	 "attached\n--outer\nContent-Type: text/plain\n\n\n--outer\n"
	 "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
	 "PHA+SGk8L3A+\n--outer--\n",
	 200, "Hi", 0},
	/* Boundaries that only start alike are not delimiters. */
	{MP_HDR, "--outer-1\nContent-Type: text/plain\n\nnot a part\n--outer\n\nreal\n--outer--\n",
	 200, "real", 0},
	/* Cut in the middle: the last part runs to the end of the input. */
	{MP_HDR, "--outer\nContent-Type: text/plain\n\nfirst words of a long", 200,
	 "first words of a long", 0},
	{MP_HDR, "--outer\nContent-Type: text/pl", 200, "", 0},
	/* No delimiter at all: the body is read as text. */
	{MP_HDR, "just text", 200, "just text", 0},
	{"From: a@x.com\nContent-Type: multipart/alternative\n", "no boundary", 200, "no boundary",
	 0},
	/* A top-level calendar: no snippet, but the flag. */
	{"From: a@x.com\nContent-Type: text/calendar\n", "BEGIN:VCALENDAR", 200, "", 1},
	{"From: a@x.com\nContent-Type: image/png\n", "\x89PNG", 200, "", 0},
	/* max_chars counts characters and cuts on their boundaries. */
	{"From: a@x.com\n", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3,
	 "\xc3\xa9\xc3\xa9\xc3\xa9", 0},
	{"From: a@x.com\n", "ab \xe2\x82\xac\xe2\x82\xac", 4, "ab \xe2\x82\xac", 0},
	{"From: a@x.com\n", "ab  cd", 3, "ab", 0},
	{"From: a@x.com\n", "abc", 0, "", 0},
	{"From: a@x.com\n", "", 200, "", 0},
};

static void test_snippets(void)
{
	for (size_t i = 0; i < sizeof snip_cases / sizeof snip_cases[0]; i++) {
		int cal = -1;
		char *got = snip(snip_cases[i].hdr, snip_cases[i].body, snip_cases[i].max, &cal);

		T_STREQ(got, snip_cases[i].want);
		T_INTEQ(cal, snip_cases[i].has_cal);
		if (strcmp(got, snip_cases[i].want) != 0 || cal != snip_cases[i].has_cal)
			fprintf(stderr, "  snippet case %zu\n", i);
		free(got);
	}
}

/* MAIL_MAX_SNIPPET_BODY: the body past it is not looked at. An HTML
 * comment that closes after the bound is a comment cut short, so the text
 * behind it is not reached; before the bound it is. */
static void test_snippet_body_cap(void)
{
	const char *tail = "-->tail";
	struct buf b;
	char *got;

	for (int over = 0; over <= 1; over++) {
		buf_init(&b, 2 * MAIL_MAX_SNIPPET_BODY);
		buf_addstr(&b, "<!--");
		/* The whole input ends at the bound, or the bound falls in "-->". */
		while (b.len + (over ? 1 : strlen(tail)) < (size_t)MAIL_MAX_SNIPPET_BODY)
			buf_addch(&b, 'x');
		buf_addstr(&b, tail);
		got = snip("From: a@x.com\nContent-Type: text/html\n", b.data, 200, NULL);
		T_STREQ(got, over ? "" : "tail");
		free(got);
		buf_release(&b);
	}
}

int main(void)
{
	test_dates();
	test_words();
	test_words_linear();
	test_addrs();
	test_addr_fields();
	test_addrs_linear();
	test_msgids();
	test_references();
	test_autos();
	test_header();
	test_snippets();
	test_snippet_body_cap();
	return t_done("mail");
}

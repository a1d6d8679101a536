/* tests/unit/test_addr.c - parsers/addr.c: canonical keys (SPEC §5.4),
 * domains, role addresses. */
#include "core/err.h"
#include "core/xalloc.h"
#include "parsers/addr.h"
#include "t.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *in;
	int plus;
	const char *want; /* NULL: rejected with ERR_DATA */
} canon_cases[] = {
	/* Case, white space, angle brackets. */
	{"Alice@Example.COM", 1, "alice@example.com"},
	{"  <Bob@Example.com>  ", 1, "bob@example.com"},
	{"< bob@example.com >", 1, "bob@example.com"},
	{"\tcarol@example.com\r\n", 1, "carol@example.com"},
	{"a@b", 1, "a@b"},
	{"o'Brien-x_y=z@Example.org", 1, "o'brien-x_y=z@example.org"},
	/* Plus tags. */
	{"a+tag@x.com", 1, "a@x.com"},
	{"a+tag@x.com", 0, "a+tag@x.com"},
	{"A+B+c@X.com", 1, "a@x.com"},
	{"a+@x.com", 1, "a@x.com"},
	{"+tag@x.com", 1, "+tag@x.com"},
	/* Gmail. */
	{"First.Last@Gmail.com", 1, "firstlast@gmail.com"},
	{"first.last+news@googlemail.com", 1, "firstlast@gmail.com"},
	{"first.last+news@googlemail.com", 0, "firstlast+news@gmail.com"},
	{"f.i.r.s.t@GoogleMail.COM.", 1, "first@gmail.com"},
	{"first.last@example.com", 1, "first.last@example.com"},
	{"first.last@mail.gmail.com", 1, "first.last@mail.gmail.com"},
	{".@gmail.com", 1, NULL},
	/* Trailing dot. */
	{"a@Example.com.", 1, "a@example.com"},
	{"a@example.com..", 1, NULL},
	/* IDN: domain to punycode, local part ASCII-lowered only. */
	{"J\xc3\xb6rg@B\xc3\xbc"
	 "cher.example",
	 1, "j\xc3\xb6rg@xn--bcher-kva.example"},
	{"\xc3\x84"
	 "BC@x.com",
	 1,
	 "\xc3\x84"
	 "bc@x.com"},
	{"user@B\xc3\x9c"
	 "CHER.example",
	 1, "user@xn--bcher-kva.example"},
	{"user@XN--BCHER-KVA.example", 1, "user@xn--bcher-kva.example"},
	{"user@stra\xc3\x9f"
	 "e.de",
	 1, "user@xn--strae-oqa.de"},
	{"user@\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88", 1,
	 "user@xn--r8jz45g.xn--zckzah"},
	{"user@b\xc3\xbc"
	 "cher\xe3\x80\x82"
	 "example",
	 1, "user@xn--bcher-kva.example"},
	{"user@b\xc3\xbc"
	 "cher.example.",
	 1, "user@xn--bcher-kva.example"},
	/* Non-transitional fails (emoji), transitional succeeds, as in curl. */
	{"user@\xe2\x98\x83.com", 1, "user@xn--n3h.com"},
	{"user@\xc3\xbc-.com", 1, NULL},
	{"user@\xc3\xbc_x.com", 1, NULL},
	{"user@\xc3\xbc..com", 1, NULL},
	{"user@\xc3\x28.com", 1, NULL},
	/* Quoted local parts. */
	{"\"John Doe\"@Example.com", 1, "\"john doe\"@example.com"},
	{"\"John\"@Example.com", 1, "john@example.com"},
	{"\"j.doe+x\"@gmail.com", 1, "jdoe@gmail.com"},
	{"\"a@b\"@example.com", 1, "\"a@b\"@example.com"},
	{"\"a+b c\"@example.com", 1, "\"a+b c\"@example.com"},
	{"\"a\\\"b\"@example.com", 1, "\"a\\\"b\"@example.com"},
	{"\"\"@example.com", 1, NULL},
	{"\"a\"b\"@example.com", 1, NULL},
	{"\"a\\\"@example.com", 1, NULL},
	{"\"a\tb\"@example.com", 1, NULL},
	{"\"unterminated@example.com", 1, NULL},
	/* Domain literals. */
	{"user@[192.0.2.1]", 1, "user@[192.0.2.1]"},
	{"user@[IPv6:2001:DB8::1]", 1, "user@[ipv6:2001:db8::1]"},
	{"user@[]", 1, NULL},
	{"user@[1.2.3.4 ]", 1, NULL},
	/* Not addresses. */
	{"", 1, NULL},
	{"   ", 1, NULL},
	{"<>", 1, NULL},
	{"noat", 1, NULL},
	{"@x.com", 1, NULL},
	{"a@", 1, NULL},
	{"a@.", 1, NULL},
	{"a b@x.com", 1, NULL},
	{"a@x .com", 1, NULL},
	{"a\t@x.com", 1, NULL},
	{"a\x01@x.com", 1, NULL},
	{"a@x\x7f.com", 1, NULL},
	{"a@x..com", 1, NULL},
	{"a@.x.com", 1, NULL},
	{"a@b@c.com", 1, NULL},
	{"a,b@x.com", 1, NULL},
	{"<a@x.com", 1, NULL},
	{"a@exa_mple.com", 1, NULL},
	{"\xc3\x28@x.com", 1, NULL},
	{"\xed\xa0\x80@x.com", 1, NULL},
	{"Name <a@x.com>", 1, NULL},
};

static void test_canonical(void)
{
	for (size_t i = 0; i < sizeof canon_cases / sizeof canon_cases[0]; i++) {
		struct err err;
		char *got;

		err_init(&err);
		got = addr_canonical(canon_cases[i].in, canon_cases[i].plus, &err);
		if ((got == NULL) != (canon_cases[i].want == NULL) ||
		    (got != NULL && strcmp(got, canon_cases[i].want) != 0))
			fprintf(stderr, "case %zu: \"%s\" (%s)\n", i, canon_cases[i].in, err.msg);
		T_STREQ(got, canon_cases[i].want);
		if (canon_cases[i].want == NULL) {
			T_INTEQ(err.kind, ERR_DATA);
			T_OK(err.msg[0] != '\0');
		} else {
			T_INTEQ(err.kind, ERR_NONE);
		}
		free(got);
	}
}

/* RFC 5321: at most 254 bytes, counted on the input and on the key. */
static void test_length(void)
{
	char label[64], local[70], *in, *got;
	struct err err;

	memset(label, 'd', 63);
	label[63] = '\0';
	for (int extra = 0; extra <= 1; extra++) {
		/* 60 + 1 + 63 + 1 + 63 + 1 + 63 + 2 = 254 */
		memset(local, 'L', sizeof local);
		local[60 + extra] = '\0';
		in = xasprintf("%s@%s.%s.%s.x", local, label, label, label);
		T_INTEQ(strlen(in), 254 + extra);
		err_init(&err);
		got = addr_canonical(in, 1, &err);
		if (extra) {
			T_OK(got == NULL);
			T_STREQ(err.msg, "address longer than 254 bytes");
		} else {
			T_OK(got != NULL && strlen(got) == 254 && got[0] == 'l');
		}
		free(got);
		free(in);
	}

	/* Short input, but the punycode key is too long: each ".\xc3\xbc"
	 * (3 bytes) becomes ".xn--tda" (8 bytes). */
	in = xasprintf("%.40s@%s.%s.%s%s", local, label, label, label,
		       ".\xc3\xbc.\xc3\xbc.\xc3\xbc.\xc3\xbc.\xc3\xbc.\xc3\xbc.\xc3\xbc");
	T_INTEQ(strlen(in), 253);
	err_init(&err);
	got = addr_canonical(in, 1, &err);
	T_OK(got == NULL);
	T_STREQ(err.msg, "address longer than 254 bytes");
	free(in);

	/* A 64-byte label. */
	in = xasprintf("a@%sd.com", label);
	err_init(&err);
	got = addr_canonical(in, 1, &err);
	T_OK(got == NULL);
	T_STREQ(err.msg, "domain label longer than 63 bytes");
	free(in);
}

static const struct {
	const char *in;
	const char *want;
} domain_cases[] = {
	{"Example.COM.", "example.com"},
	{"example.com", "example.com"},
	{"B\xc3\xbc"
	 "cher.example",
	 "xn--bcher-kva.example"},
	{"googlemail.com", "googlemail.com"},
	{"[192.0.2.1]", "[192.0.2.1]"},
	{"", NULL},
	{".", NULL},
	{"..", NULL},
	{"exa mple.com", NULL},
	{" example.com", NULL},
	{"a@example.com", NULL},
	{"-\xc3\xbc.com", NULL},
};

static void test_domain(void)
{
	char big[300];

	for (size_t i = 0; i < sizeof domain_cases / sizeof domain_cases[0]; i++) {
		struct err err;
		char *got;

		err_init(&err);
		got = addr_domain_canonical(domain_cases[i].in, &err);
		T_STREQ(got, domain_cases[i].want);
		T_INTEQ(err.kind, domain_cases[i].want == NULL ? ERR_DATA : ERR_NONE);
		free(got);
	}

	/* 253 bytes is the most a domain may have. */
	for (int len = 253; len <= 254; len++) {
		struct err err;
		char *got;

		memset(big, 'a', sizeof big);
		for (int i = 50; i < len; i += 50)
			big[i] = '.';
		big[len] = '\0';
		err_init(&err);
		got = addr_domain_canonical(big, &err);
		T_OK((got != NULL) == (len == 253));
		free(got);
	}

	T_STREQ(addr_domain("a@example.com"), "example.com");
	T_STREQ(addr_domain("\"a@b\"@x.com"), "x.com");
	T_STREQ(addr_domain("a@"), "");
	T_STREQ(addr_domain("nodomain"), "");
}

static const struct {
	const char *canon;
	int want;
} role_cases[] = {
	{"noreply@x.com", 1},
	{"no-reply@x.com", 1},
	{"no_reply@x.com", 1},
	{"donotreply@x.com", 1},
	{"do-not-reply@x.com", 1},
	{"mailer-daemon@x.com", 1},
	{"MAILER-DAEMON@x.com", 1},
	{"postmaster@x.com", 1},
	{"hostmaster@x.com", 1},
	{"webmaster@x.com", 1},
	{"abuse@x.com", 1},
	{"bounce@x.com", 1},
	{"bounces@x.com", 1},
	{"info@x.com", 1},
	{"support@x.com", 1},
	{"sales@x.com", 1},
	{"billing@x.com", 1},
	{"admin@x.com", 1},
	{"notifications@github.com", 1},
	{"notification@x.com", 1},
	{"newsletter@x.com", 1},
	{"news@x.com", 1},
	{"marketing@x.com", 1},
	{"help@x.com", 1},
	/* Tags, prefixes, infixes and list-software suffixes. */
	{"noreply+abc@x.com", 1},
	{"info+crm@x.com", 1},
	{"bounces+abc=example.com@lists.x.com", 1},
	{"bounce-123-abc@x.com", 1},
	{"bounces.42@x.com", 1},
	{"mailer-daemon.relay@x.com", 1},
	{"drive-shares-noreply@google.com", 1},
	{"no-reply-aws@amazon.com", 1},
	{"noreply.github@x.com", 1},
	{"calendar-donotreply@x.com", 1},
	{"announce-bounces+bob=x.com@lists.x.org", 1},
	{"announce-request@lists.x.org", 1},
	{"announce-owner@lists.x.org", 1},
	{"owner-announce@lists.x.org", 1},
	/* People, and role-like words that are not roles. */
	{"alice@x.com", 0},
	{"hello@x.com", 0},
	{"team@x.com", 0},
	{"contact@x.com", 0},
	{"information@x.com", 0},
	{"bouncer@x.com", 0},
	{"supporter@x.com", 0},
	{"newsome@x.com", 0},
	{"salesforce-admin-jane@x.com", 0},
	{"owner@x.com", 0},
	{"+info@x.com", 0},
	{"\"info\"@x.com", 0},
	{"@x.com", 0},
	{"", 0},
};

static void test_role(void)
{
	for (size_t i = 0; i < sizeof role_cases / sizeof role_cases[0]; i++) {
		int got = addr_is_role(role_cases[i].canon);

		if (got != role_cases[i].want)
			fprintf(stderr, "role case \"%s\"\n", role_cases[i].canon);
		T_INTEQ(got, role_cases[i].want);
	}
}

int main(void)
{
	test_canonical();
	test_length();
	test_domain();
	test_role();
	return t_done("addr");
}

/* tests/unit/test_match.c - the rules of docs/matching.md, one case per
 * rule, over a real in-memory store and real parsed headers. */
#include "core/config.h"
#include "core/err.h"
#include "match/match.h"
#include "parsers/mail.h"
#include "store/store.h"
#include "t.h"

#include <stdlib.h>
#include <string.h>

static const char crm[] =
	"INSERT INTO users (id, email, email_written, created_at, updated_at) VALUES "
	"  (1, 'alice@lumen.example', 'alice@lumen.example', 0, 0),"
	"  (2, 'bob@lumen.example', 'bob@lumen.example', 0, 0);"
	"INSERT INTO user_emails VALUES ('alice@lumen.example', 1, 'alice@lumen.example'),"
	"  ('alice.m@lumen.example', 1, 'alice.m@lumen.example'),"
	"  ('bob@lumen.example', 2, 'bob@lumen.example'),"
	"  ('bob@home.example', 2, 'bob@home.example');"
	"INSERT INTO companies (id, domain, name, created_at, updated_at) VALUES "
	"  (10, 'acme.example', 'Acme', 0, 0), (11, 'globex.example', 'Globex', 0, 0);"
	"INSERT INTO company_domains VALUES ('acme.example', 10), ('acme-corp.example', 10),"
	"  ('globex.example', 11), ('gmail.com', 11);"
	"INSERT INTO contacts (id, email, name, company_id, created_at, updated_at) VALUES "
	"  (100, 'wile@acme.example', 'Wile', 10, 0, 0),"
	"  (101, 'jane.doe@gmail.com', 'Jane', NULL, 0, 0);"
	"INSERT INTO contact_emails VALUES ('wile@acme.example', 100, 'wile@acme.example'),"
	"  ('coyote@acme-corp.example', 100, 'coyote@acme-corp.example'),"
	"  ('janedoe@gmail.com', 101, 'jane.doe@gmail.com');"
	"INSERT INTO ignored VALUES ('*@spy.acme.example', 'purge', 0);";

static const struct {
	const char *name;
	const char *header;
	const char *reason;    /* NULL: logged */
	const char *direction; /* when logged */
	int nlinks, nparts;
	const char *evidence; /* substring, for skips */
} cases[] = {
	{"inbound from a contact",
	 "From: Wile <Wile@Acme.example>\nTo: alice@lumen.example\nMessage-ID: <1@a>\n", NULL,
	 "inbound", 2, 2, NULL},
	{"outbound to a contact's second address, plus tag",
	 "From: alice.m@lumen.example\nTo: coyote+deal@acme-corp.example\nMessage-ID: <2@a>\n",
	 NULL, "outbound", 2, 2, NULL},
	{"unknown address at a company subdomain: domain rule",
	 "From: ops@eu.globex.example\nTo: bob@lumen.example\nMessage-ID: <3@a>\n", NULL, "inbound",
	 1, 2, NULL},
	{"freemail contact by address (gmail dots)",
	 "From: Jane.Doe@GMail.com\nTo: alice@lumen.example\nMessage-ID: <4@a>\n", NULL, "inbound",
	 1, 2, NULL},
	{"unknown freemail address: no company by domain even if listed",
	 "From: stranger@gmail.com\nTo: alice@lumen.example\nMessage-ID: <5@a>\n", "unmatched",
	 NULL, 0, 0, "1 external address"},
	{"all internal (alias and team subdomain)",
	 "From: bob@home.example\nTo: alice@lumen.example, x@eu.lumen.example\nMessage-ID: <6@a>\n",
	 "internal", NULL, 0, 0, "internal"},
	{"auto-reply",
	 "From: wile@acme.example\nTo: alice@lumen.example\nAuto-Submitted: "
	 "auto-replied\nMessage-ID: <7@a>\n",
	 "automated", NULL, 0, 0, "Auto-Submitted: auto-replied"},
	{"Auto-Submitted: no is a person",
	 "From: wile@acme.example\nTo: alice@lumen.example\nAuto-Submitted: no\nMessage-ID: <8@a>\n",
	 NULL, "inbound", 2, 2, NULL},
	{"newsletter",
	 "From: news@acme.example\nTo: alice@lumen.example\nList-Id: <n.acme.example>\n",
	 "automated", NULL, 0, 0, "List-Id"},
	{"bulk", "From: wile@acme.example\nTo: alice@lumen.example\nPrecedence: bulk\n",
	 "automated", NULL, 0, 0, "Precedence: bulk"},
	{"role sender", "From: noreply@acme.example\nTo: alice@lumen.example\nMessage-ID: <9@a>\n",
	 "role-sender", NULL, 0, 0, "noreply@acme.example"},
	{"bounce",
	 "From: MAILER-DAEMON@mx.acme.example\nTo: alice@lumen.example\n"
	 "Content-Type: multipart/report; report-type=delivery-status; boundary=x\n",
	 "automated", NULL, 0, 0, "multipart/report"},
	{"invitation",
	 "From: wile@acme.example\nTo: alice@lumen.example\nContent-Type: "
	 "text/calendar; method=REQUEST\nMessage-ID: <10@a>\n",
	 "invitation", NULL, 0, 0, "text/calendar"},
	{"ignored participant only", "From: agent@spy.acme.example\nTo: alice@lumen.example\n",
	 "ignored", NULL, 0, 0, "agent@spy.acme.example"},
	{"ignored participant dropped, message still logged",
	 "From: alice@lumen.example\nTo: agent@spy.acme.example, wile@acme.example\n"
	 "Message-ID: <11@a>\n",
	 NULL, "outbound", 2, 2, NULL},
	{"same address twice keeps the first role",
	 "From: wile@acme.example\nTo: alice@lumen.example\nCc: WILE@acme.example\n", NULL,
	 "inbound", 2, 2, NULL},
};

static struct config *test_config(void)
{
	static const char text[] =
		"[team]\ndomains = lumen.example\n[match]\nignore = nobody@x.example\n";
	struct err err;

	err_init(&err);
	return cfg_load_string("test.conf", text, sizeof text - 1, &err);
}

static void test_cases(struct match_dir *d)
{
	struct match_opts o = {1, CFG_CAPTURE_FULL, 0, 200};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct mail_msg m;
		struct match_result r;
		struct err err;

		err_init(&err);
		T_OK(mail_parse_header(cases[i].header, strlen(cases[i].header), 1, &m, &err) == 0);
		match_mail(d, &o, &m, 1790000000, "snippet text", &r);
		if (cases[i].reason == NULL) {
			if (r.outcome != MATCH_LOGGED)
				fprintf(stderr, "case '%s': skipped as %s\n", cases[i].name,
					r.reason);
			T_INTEQ(r.outcome, MATCH_LOGGED);
			T_STREQ(r.act.direction, cases[i].direction);
			T_INTEQ(r.act.nlinks, cases[i].nlinks);
			T_INTEQ(r.act.nparticipants, cases[i].nparts);
		} else {
			if (r.outcome != MATCH_SKIPPED || strcmp(r.reason, cases[i].reason) != 0)
				fprintf(stderr, "case '%s': got %s\n", cases[i].name,
					r.reason ? r.reason : "logged");
			T_INTEQ(r.outcome, MATCH_SKIPPED);
			T_STREQ(r.reason, cases[i].reason);
			T_OK(r.evidence != NULL && strstr(r.evidence, cases[i].evidence) != NULL);
		}
		match_result_release(&r);
		mail_msg_release(&m);
	}
}

static void test_identity_and_capture(struct match_dir *d)
{
	static const char reply[] = "From: wile@acme.example\nTo: alice@lumen.example\n"
				    "Subject: Re: Quote\nDate: Mon, 2 Mar 2026 10:00:00 +0100\n"
				    "Message-ID: <R1@Host.EXAMPLE>\nIn-Reply-To: <p@x>\n"
				    "References: <root@x> <p@x>\n";
	static const char bare[] = "From: wile@acme.example\nTo: alice@lumen.example\n"
				   "Subject: no id\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n";
	struct match_opts o = {2, CFG_CAPTURE_METADATA, 0, 200};
	struct match_result r;
	struct mail_msg m;
	struct err err;
	char *k1, *k2;

	err_init(&err);
	T_OK(mail_parse_header(reply, sizeof reply - 1, 1, &m, &err) == 0);
	match_mail(d, &o, &m, 1772442000, "body", &r);
	T_STREQ(r.act.source_key, "<R1@host.example>");
	T_STREQ(r.act.thread_key, "<root@x>");
	T_INTEQ(r.act.occurred_at, 1772442000);		      /* the Date header, in UTC */
	T_OK(r.act.subject == NULL && r.act.snippet == NULL); /* capture = metadata */
	T_INTEQ(r.act.owner_id, 2);
	match_result_release(&r);
	o.capture = CFG_CAPTURE_SUBJECT;
	match_mail(d, &o, &m, 0, "body", &r);
	T_STREQ(r.act.subject, "Re: Quote");
	T_OK(r.act.snippet == NULL);
	match_result_release(&r);
	mail_msg_release(&m);
	/* Without a Message-ID the identity is a stable hash; a Date far after
	 * the INTERNALDATE is not believed. */
	T_OK(mail_parse_header(bare, sizeof bare - 1, 1, &m, &err) == 0);
	k1 = match_mail_source_key(&m, 5);
	k2 = match_mail_source_key(&m, 5);
	T_STREQ(k1, k2);
	T_OK(strncmp(k1, "sha256:", 7) == 0 && strlen(k1) == 7 + 64);
	match_mail(d, &o, &m, 1000000000, NULL, &r);
	T_INTEQ(r.act.occurred_at, 1000000000);
	match_result_release(&r);
	free(k1);
	free(k2);
	mail_msg_release(&m);
}

static void test_log_internal(struct match_dir *d)
{
	static const char h[] = "From: bob@lumen.example\nTo: alice@lumen.example\n";
	struct match_opts o = {1, CFG_CAPTURE_FULL, 1, 200};
	struct match_result r;
	struct mail_msg m;
	struct err err;

	err_init(&err);
	T_OK(mail_parse_header(h, sizeof h - 1, 1, &m, &err) == 0);
	match_mail(d, &o, &m, 1790000000, NULL, &r);
	T_INTEQ(r.outcome, MATCH_LOGGED);
	T_STREQ(r.act.direction, "internal");
	T_INTEQ(r.act.nlinks, 0);
	match_result_release(&r);
	mail_msg_release(&m);
}

int main(void)
{
	struct config *cfg = test_config();
	struct store *st;
	struct match_dir *d;
	struct err err;

	err_init(&err);
	T_OK(cfg != NULL);
	st = store_open(":memory:", 0, &err);
	T_OK(st != NULL && store_exec_script(st, crm, &err) == 0);
	d = match_dir_load(st, cfg, &err);
	T_OK(d != NULL);
	T_INTEQ(match_dir_user(d, "alice.m@lumen.example"), 1);
	T_INTEQ(match_dir_user(d, "carol@lumen.example"), -1);
	T_OK(match_is_internal(d, "bob@home.example"));
	T_OK(match_is_internal(d, "x@a.b.lumen.example"));
	T_OK(!match_is_internal(d, "x@notlumen.example"));
	T_OK(match_is_freemail(d, "gmail.com"));
	T_OK(!match_is_freemail(d, "acme.example"));
	test_cases(d);
	test_identity_and_capture(d);
	test_log_internal(d);
	match_dir_free(d);
	store_close(&st);
	cfg_free(cfg);
	return t_done("match");
}

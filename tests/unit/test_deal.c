/* tests/unit/test_deal.c - deal rules 3-7 (docs/matching.md, "Deals"),
 * tags, bcc copies, contacts made from mail and purges, over a real
 * in-memory store and real parsed headers. */
#include "core/config.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "match/match.h"
#include "parsers/mail.h"
#include "store/store.h"
#include "t.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Acme (10) has two open deals D1 (Wile) and D2 (Road), and won W1 (Wile);
 * Globex (11) has one open deal G1 with no contacts; Initech (12) only a
 * lost one. */
static const char crm[] =
	"INSERT INTO users (id, email, email_written, created_at, updated_at) VALUES "
	"  (1, 'alice@lumen.example', 'alice@lumen.example', 0, 0);"
	"INSERT INTO user_emails VALUES ('alice@lumen.example', 1, 'alice@lumen.example');"
	"INSERT INTO companies (id, domain, name, created_at, updated_at) VALUES "
	"  (10, 'acme.example', 'Acme', 0, 0), (11, 'globex.example', 'Globex', 0, 0),"
	"  (12, 'initech.example', 'Initech', 0, 0);"
	"INSERT INTO company_domains VALUES ('acme.example', 10), ('globex.example', 11),"
	"  ('initech.example', 12);"
	"INSERT INTO contacts (id, email, name, company_id, created_at, updated_at) VALUES "
	"  (100, 'wile@acme.example', 'Wile', 10, 0, 0),"
	"  (101, 'road@acme.example', 'Road', 10, 0, 0),"
	"  (102, 'pat@initech.example', 'Pat', 12, 0, 0);"
	"INSERT INTO contact_emails VALUES ('wile@acme.example', 100, 'wile@acme.example'),"
	"  ('road@acme.example', 101, 'road@acme.example'),"
	"  ('pat@initech.example', 102, 'pat@initech.example');"
	"INSERT INTO stages (id, key, name, position, updated_at) VALUES (1, 's', 'S', 1, 0);"
	"INSERT INTO deals (id, key, name, company_id, stage_id, status, created_at, updated_at) "
	"VALUES (200, 'D1', 'Anvils', 10, 1, 'open', 0, 0),"
	"  (201, 'D2', 'Rockets', 10, 1, 'open', 0, 0),"
	"  (202, 'W1', 'Old', 10, 1, 'won', 0, 0),"
	"  (203, 'G1', 'Glue', 11, 1, 'open', 0, 0),"
	"  (204, 'L1', 'Lost', 12, 1, 'lost', 0, 0);"
	"INSERT INTO deal_contacts VALUES (200, 100), (201, 101), (202, 100), (204, 102);";

static struct config *test_config(const char *autocreate)
{
	char text[512];
	struct err err;
	int n = snprintf(text, sizeof text,
			 "[team]\ndomains = lumen.example\n[match]\nbcc_address = "
			 "Log@CRM.example\nautocreate_contacts = %s\n",
			 autocreate);

	err_init(&err);
	return cfg_load_string("test.conf", text, (size_t)n, &err);
}

struct world {
	struct store *st;
	struct config *cfg;
	struct match_dir *dir;
	int seq;
};

/* Matches, logs and decides one message as the sync path does; returns
 * the activity id (or -1 when skipped). */
static int64_t deliver(struct world *w, const char *header)
{
	struct match_opts o = {1, CFG_CAPTURE_FULL, 0, 200};
	struct store_item it = {"alice", "INBOX", NULL, NULL};
	struct match_result r;
	struct mail_msg m;
	struct err err;
	char ref[32];
	int64_t id = -1;
	int created;

	err_init(&err);
	snprintf(ref, sizeof ref, "1:%d", ++w->seq);
	it.item_ref = ref;
	T_OK(mail_parse_header(header, strlen(header), 1, &m, &err) == 0);
	match_mail(w->dir, &o, &m, 1790000000, NULL, &r);
	if (r.outcome == MATCH_LOGGED && r.ncreates > 0) {
		T_OK(match_create_contacts(w->dir, w->st, &r, r.act.occurred_at, 5, &err) > 0);
		match_result_release(&r);
		match_mail(w->dir, &o, &m, 1790000000, NULL, &r);
		T_INTEQ(r.ncreates, 0);
	}
	if (r.outcome == MATCH_LOGGED) {
		it.identity = r.source_key;
		T_OK(store_log_activity(w->st, &it, &r.act, 5, &id, &created, &err) == 0);
		T_OK(match_resolve_thread(w->dir, w->st, r.act.thread_key, id, 5, NULL, &err) == 0);
	}
	match_result_release(&r);
	mail_msg_release(&m);
	return id;
}

/* The activity's deal link as "KEY/rule", "?A,B" when ambiguous, or "-". */
static char *deal_of(struct world *w, int64_t id)
{
	struct store_thread_item *items;
	size_t n;
	struct err err;
	char *out = NULL;

	err_init(&err);
	T_OK(store_thread_load(w->st, NULL, id, &items, &n, &err) == 0 && n == 1);
	if (n == 1 && items[0].deal_id >= 0) {
		static const char *const keys[] = {"D1", "D2", "W1", "G1", "L1"};
		out = xasprintf("%s/%s",
				items[0].deal_id >= 200 && items[0].deal_id <= 204 ?
					keys[items[0].deal_id - 200] :
					"?",
				items[0].deal_rule);
	}
	store_thread_free(items, n);
	return out != NULL ? out : xstrdup("-");
}

static int cands_cb(const struct store_activity *a, void *arg)
{
	char *s = arg;
	size_t len = 0;

	s[0] = '\0';
	for (size_t i = 0; i < a->nambiguous && len < 60; i++)
		len += (size_t)snprintf(s + len, 64 - len, "%s%s", i ? "," : "", a->ambiguous[i]);
	return 0;
}

static void want_cands(struct world *w, int64_t id, const char *want)
{
	struct store_activity_filter f = {.since = STORE_NO_TIME, .until = STORE_NO_TIME};
	char got[64] = "";
	struct err err;

	err_init(&err);
	f.activity_id = id;
	T_OK(store_activities_each(w->st, &f, cands_cb, got, &err) == 0);
	T_STREQ(got, want);
}

static void want_deal(struct world *w, int64_t id, const char *want)
{
	char *got = deal_of(w, id);

	T_STREQ(got, want);
	free(got);
}

static void test_tags(void)
{
	char *t;

	T_OK((t = match_subject_tag("Re: quote [deal: D-42 ] for you")) != NULL);
	T_STREQ(t, "D-42");
	free(t);
	T_OK((t = match_subject_tag("[x] [DEAL:abc]")) != NULL);
	T_STREQ(t, "abc");
	free(t);
	T_OK(match_subject_tag("[deal:] [deals:1] [deal:unclosed") == NULL);
	T_OK(match_subject_tag(NULL) == NULL);
}

static void test_rules(struct world *w)
{
	int64_t a1, a2, a3, a4, a5, a6, a7, a8, a9;
	struct err err;

	err_init(&err);
	/* rule deal-contact: Wile is on D1 (open) and W1 (won): D1 */
	a1 = deliver(w, "From: wile@acme.example\nTo: alice@lumen.example\nMessage-ID: <a1@x>\n"
			"Date: Mon, 2 Mar 2026 10:00:00 +0000\n");
	want_deal(w, a1, "D1/deal-contact");
	/* Wile and Road together: D1 and D2, ambiguous */
	a2 = deliver(w, "From: wile@acme.example\nTo: alice@lumen.example\nCc: road@acme.example\n"
			"Message-ID: <a2@x>\nDate: Mon, 2 Mar 2026 11:00:00 +0000\n");
	want_deal(w, a2, "-");
	want_cands(w, a2, "D1,D2");
	/* a tag decides; its reply follows the thread */
	a3 = deliver(w, "From: road@acme.example\nTo: alice@lumen.example\nCc: wile@acme.example\n"
			"Subject: Re: [deal:d2] pricing\nMessage-ID: <a3@x>\n"
			"Date: Tue, 3 Mar 2026 10:00:00 +0000\n");
	want_deal(w, a3, "D2/tag");
	a4 = deliver(w, "From: alice@lumen.example\nTo: wile@acme.example\nSubject: Re: pricing\n"
			"Message-ID: <a4@x>\nIn-Reply-To: <a3@x>\nReferences: <a3@x>\n"
			"Date: Tue, 3 Mar 2026 12:00:00 +0000\n");
	want_deal(w, a4, "D2/thread");
	/* a reply read before its (earlier) root: the root decides anyway */
	a5 = deliver(w, "From: alice@lumen.example\nTo: road@acme.example, wile@acme.example\n"
			"Message-ID: <a5@x>\nReferences: <root5@x>\n"
			"Date: Thu, 5 Mar 2026 10:00:00 +0000\n");
	want_cands(w, a5, "D1,D2");
	a6 = deliver(w, "From: wile@acme.example\nTo: alice@lumen.example\n"
			"Subject: [deal:D1] root\nMessage-ID: <root5@x>\n"
			"Date: Wed, 4 Mar 2026 10:00:00 +0000\n");
	want_deal(w, a6, "D1/tag");
	want_deal(w, a5, "D1/thread");
	want_cands(w, a5, "");
	/* rule deal-company: someone unknown at Globex (one open deal) */
	a7 = deliver(w, "From: ops@globex.example\nTo: alice@lumen.example\nMessage-ID: <a7@x>\n");
	want_deal(w, a7, "G1/deal-company");
	/* a tag naming a won deal does nothing; Pat's only deal is lost */
	a8 = deliver(w, "From: pat@initech.example\nTo: alice@lumen.example\n"
			"Subject: [deal:W1]\nMessage-ID: <a8@x>\n");
	want_deal(w, a8, "-");
	want_cands(w, a8, "");
	/* a bcc copy with a +tag: the CRM's address is no participant */
	a9 = deliver(w, "From: alice@lumen.example\nTo: road@acme.example\n"
			"Bcc: LOG+D1@crm.example\nMessage-ID: <a9@x>\n");
	want_deal(w, a9, "D1/tag");
	/* a person settles the ambiguous one: kept by later decisions */
	T_OK(store_begin(w->st, &err) == 0);
	{
		char *thread = NULL;
		T_OK(store_link_manual(w->st, a2, "D2", 6, &thread, &err) == 0);
		T_STREQ(thread, "<a2@x>");
		free(thread);
		T_OK(store_link_manual(w->st, a2, "nope", 6, &thread, &err) == -1 &&
		     err.kind == ERR_USAGE);
		free(thread);
	}
	T_OK(store_commit(w->st, &err) == 0);
	T_OK(match_resolve_thread(w->dir, w->st, "<a2@x>", a2, 7, NULL, &err) == 0);
	want_deal(w, a2, "D2/manual");
	want_cands(w, a2, "");
	/* deciding again changes nothing */
	{
		struct match_deal_counts c = {0};
		T_OK(match_resolve_thread(w->dir, w->st, "<root5@x>", a5, 8, &c, &err) == 0);
		T_OK(match_resolve_thread(w->dir, w->st, "<a2@x>", a2, 8, &c, &err) == 0);
		T_OK(match_resolve_thread(w->dir, w->st, NULL, a7, 8, &c, &err) == 0);
		T_INTEQ(c.changed, 0);
	}
	/* a deal won since keeps its links */
	T_OK(store_exec_script(w->st, "UPDATE deals SET status = 'won' WHERE key = 'G1'", &err) ==
	     0);
	match_dir_free(w->dir);
	w->dir = match_dir_load(w->st, w->cfg, &err);
	T_OK(w->dir != NULL);
	T_OK(match_resolve_thread(w->dir, w->st, NULL, a7, 9, NULL, &err) == 0);
	want_deal(w, a7, "G1/deal-company");
}

static void test_autocreate(void)
{
	struct world w = {0};
	struct err err;
	int64_t a, b;
	char *s;

	err_init(&err);
	w.cfg = test_config("sent");
	w.st = store_open(":memory:", 0, &err);
	T_OK(w.st != NULL && store_exec_script(w.st, crm, &err) == 0);
	w.dir = match_dir_load(w.st, w.cfg, &err);
	/* outbound to an unknown person at Globex and a role address */
	a = deliver(&w, "From: alice@lumen.example\nTo: New Person <new@globex.example>, "
			"info@globex.example\nMessage-ID: <c1@x>\n");
	T_OK(a > 0);
	{
		struct store_address_info i;
		T_OK(store_address_info(w.st, "new@globex.example", &i, &err) == 0);
		T_STREQ(i.contact, "new@globex.example");
		T_STREQ(i.lead_source, "email");
		T_STREQ(i.created_by, "<c1@x>");
		T_STREQ(i.contact_company, "globex.example");
		store_address_info_release(&i);
		T_OK(store_address_info(w.st, "info@globex.example", &i, &err) == 0);
		T_OK(i.contact == NULL);
		store_address_info_release(&i);
	}
	/* inbound from a stranger: "sent" does not create (unmatched) */
	b = deliver(&w, "From: who@unknown.example\nTo: alice@lumen.example\nMessage-ID: <c2@x>\n");
	T_INTEQ(b, -1);
	s = deal_of(&w, a);
	T_STREQ(s, "G1/deal-company");
	free(s);
	match_dir_free(w.dir);
	store_close(&w.st);
	cfg_free(w.cfg);
}

static void test_purge(struct world *w)
{
	struct store_purge p = {"address", "road@acme.example", NULL};
	struct store_purge_result r;
	struct store_address_info i;
	struct err err;
	char *h;

	err_init(&err);
	T_OK(store_meta_put(w->st, "purge_salt", "s4lt", &err) == 0);
	h = match_purge_hash("s4lt", "road@acme.example");
	p.hash = h;
	T_OK(store_purge(w->st, &p, 10, &r, &err) == 0);
	T_OK(r.participants >= 3);
	T_INTEQ(r.contacts, 1);
	T_OK(store_address_info(w->st, "road@acme.example", &i, &err) == 0);
	T_OK(i.contact == NULL && i.activities == 0);
	store_address_info_release(&i);
	/* a team member cannot be purged */
	p.value = "alice@lumen.example";
	T_OK(store_purge(w->st, &p, 10, &r, &err) == -1 && err.kind == ERR_USAGE);
	/* the address is ignored from now on, by hash */
	match_dir_free(w->dir);
	w->dir = match_dir_load(w->st, w->cfg, &err);
	T_INTEQ(deliver(w, "From: road@acme.example\nTo: alice@lumen.example\n"
			   "Message-ID: <p1@x>\n"),
		-1);
	free(h);
}

int main(void)
{
	struct world w = {0};
	struct err err;

	err_init(&err);
	test_tags();
	w.cfg = test_config("no");
	T_OK(w.cfg != NULL);
	w.st = store_open(":memory:", 0, &err);
	T_OK(w.st != NULL && store_exec_script(w.st, crm, &err) == 0);
	w.dir = match_dir_load(w.st, w.cfg, &err);
	T_OK(w.dir != NULL && match_dir_has_deals(w.dir));
	test_rules(&w);
	test_purge(&w);
	test_autocreate();
	match_dir_free(w.dir);
	store_close(&w.st);
	cfg_free(w.cfg);
	return t_done("deal");
}

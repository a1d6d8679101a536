/* store/repfacts.h - what counts for whom in the activity report, as SQL
 * (internal to store/).
 *
 * The activity report (SPEC §6) counts, per team member, the mail they
 * sent, the inbound mail addressed to them, the held meetings and the calls
 * they own, the contacts and deals those activities are linked to, and the
 * delay until their first reply to inbound mail from a contact. Joining
 * participants, addresses, owners and links for every activity at report
 * time costs seconds over a million activities, so two tables keep the
 * answer, written by triggers whenever one of their sources changes (sync,
 * meeting updates and promotion, rematch, link, purge, a user's addresses):
 *
 * rep_facts: one row per (activity, user, what): what 0 = the user sent it
 *   (From is one of their addresses), 1 = inbound mail addressed to them
 *   (To/Cc), 2 = a held meeting they own (secs: its length), 3 = a call they
 *   own. For what 1, from_contact says whether a From participant is a
 *   contact, and reply_at is the time of the user's first later outbound
 *   mail (From them) in the same thread, or NULL.
 * rep_touch: one row per (activity, user, contact or deal linked to it) for
 *   every activity with a fact of that user.
 *
 * Both are keyed by occurred_at first, so a report range is one range
 * scan of each.
 *
 * Keeping them: every change is a refresh of the activities it touches
 * (REP_REFRESH: their facts and touches derived again, and the replies of
 * their threads looked up again). Deletions and updates of the sources
 * refresh through the triggers of schema v4, whatever makes them. Inserts
 * do not fire triggers, because they are the hot path of a sync (a trigger
 * per participant and link cost more than the rest of logging a message):
 * whoever inserts participants, owners or links of an activity calls
 * store_rep_refresh (or store_rep_touch for links alone) after them. In
 * the code these are store_log_activity and the link writers of
 * store/deal.c; tests/tools/rep_verify checks the tables after every kind
 * of change the integration tests make.
 *
 * The macros below are the definition; schema.c uses them for the
 * triggers and the backfill, rep_activity.c for store_rep_refresh and to
 * check the tables against a recomputation (store_rep_verify).
 */
#ifndef STORE_REPFACTS_H
#define STORE_REPFACTS_H

/* Whether a From participant of activity `aid` is a contact. */
#define REP_FROM_CONTACT(aid)                                                       \
	"EXISTS (SELECT 1 FROM participants fc WHERE fc.activity_id = " aid " AND " \
	"fc.role = 'from' AND fc.contact_id IS NOT NULL)"

/* The first reply of a row (what 1) of the facts table `tbl` being
 * updated by the UPDATE this appears in. */
#define REP_REPLY_IN(tbl)                                                        \
	"(SELECT min(s.occurred_at) FROM activities t JOIN activities r "        \
	"ON r.thread_key = t.thread_key JOIN " tbl " s ON s.activity_id = r.id " \
	"WHERE t.id = " tbl ".activity_id AND r.kind = 'email' AND "             \
	"r.direction = 'outbound' AND s.what = 0 AND s.user_id = " tbl           \
	".user_id AND s.occurred_at > " tbl ".occurred_at)"
#define REP_REPLY_OF REP_REPLY_IN("rep_facts")

#define REP_FACT_COLS "(occurred_at, activity_id, user_id, what, secs, from_contact) "

/* The mail facts of the activities `a` that satisfy `cond`: the sender and
 * the addressees of inbound mail, through participants `p`. */
#define REP_MAIL_FACTS(cond)                                                                                  \
	"SELECT a.occurred_at, a.id, e.user_id, p.role <> 'from', 0, p.role <> 'from' AND " REP_FROM_CONTACT( \
		"a.id") " FROM activities a JOIN participants p ON "                                          \
			"p.activity_id = a.id JOIN user_emails e ON e.address = p.addr_key WHERE "            \
			"a.kind = 'email' AND (p.role = 'from' OR (a.direction = 'inbound' AND "              \
			"p.role IN ('to', 'cc'))) AND " cond

/* The meeting and call facts of the activities `a` that satisfy `cond`,
 * through owners `o`. */
#define REP_OWNER_FACTS(cond)                                                           \
	"SELECT a.occurred_at, a.id, o.user_id, CASE a.kind WHEN 'call' THEN 3 ELSE 2 " \
	"END, CASE a.kind WHEN 'call' THEN 0 ELSE max(coalesce(a.ended_at, "            \
	"a.occurred_at) - a.occurred_at, 0) END, 0 FROM activities a JOIN "             \
	"activity_owners o ON o.activity_id = a.id WHERE (a.kind = 'call' OR "          \
	"(a.kind = 'meeting' AND a.status = 'held')) AND " cond

#define REP_TOUCH_COLS "(occurred_at, activity_id, user_id, is_deal, target_id) "

/* The touches of the facts `f` of table `tbl` that satisfy `cond`. */
#define REP_TOUCHES_OF(tbl, cond)                                                    \
	"SELECT DISTINCT f.occurred_at, f.activity_id, f.user_id, l.type = 'deal', " \
	"l.target_id FROM " tbl " f JOIN activity_links l ON l.activity_id = "       \
	"f.activity_id WHERE l.type IN ('contact', 'deal') AND " cond
#define REP_TOUCHES(cond) REP_TOUCHES_OF("rep_facts", cond)

/* Every activity's facts into the empty tables `facts` and `touch` (the
 * backfill of schema v4, store_rep_rebuild, and store_rep_verify's
 * recomputation into temporary tables). */
#define REP_DERIVE_ALL(facts, touch)                                                               \
	"INSERT OR IGNORE INTO " facts " " REP_FACT_COLS REP_MAIL_FACTS(                           \
		"1") ";"                                                                           \
		     "INSERT OR IGNORE INTO " facts " " REP_FACT_COLS REP_OWNER_FACTS(             \
			     "1") ";"                                                              \
				  "UPDATE " facts " SET reply_at = " REP_REPLY_IN(                 \
					  facts) " WHERE what = 1;"                                \
						 "INSERT OR IGNORE INTO " touch " " REP_TOUCH_COLS \
						 REP_TOUCHES_OF(facts, "1") ";"

/* The refresh of the activities whose ids `ids` (a SELECT) gives: six
 * statements, each ending in ";". */
#define REP_REFRESH(ids)                                                               \
	"DELETE FROM rep_touch WHERE activity_id IN (" ids ");"                        \
	"DELETE FROM rep_facts WHERE activity_id IN (" ids ");"                        \
	"INSERT OR IGNORE INTO rep_facts " REP_FACT_COLS REP_MAIL_FACTS(               \
		"a.id IN (" ids ")") ";INSERT OR IGNORE INTO rep_facts " REP_FACT_COLS \
		REP_OWNER_FACTS("a.id IN (" ids ")") ";" REP_REPLIES_IN_THREADS_OF(    \
			ids) "INSERT OR IGNORE INTO rep_touch " REP_TOUCH_COLS         \
			REP_TOUCHES("f.activity_id IN (" ids ")") ";"

/* The replies of the received mail in the threads of `ids`, again. */
#define REP_REPLIES_IN_THREADS_OF(ids)                                                      \
	"UPDATE rep_facts SET reply_at = " REP_REPLY_OF " WHERE +what = 1 AND activity_id " \
	"IN (SELECT r.id FROM activities t JOIN activities r ON r.thread_key = "            \
	"t.thread_key WHERE t.id IN (" ids "));"

#endif

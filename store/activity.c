/* store/activity.c - reading activities for timelines (`crmsync
 * activities`) with their owners, participants, links and deal candidates.
 * Writing activities belongs to the sync path.
 */
#include "store/internal.h"
#include "core/err.h"
#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define ACT_SELECT                                                                                 \
	"SELECT a.id, a.kind, a.direction, a.status, a.occurred_at, a.ended_at, a.subject, "       \
	"a.snippet, a.source_key, a.thread_key, a.deal_tag, a.deal_tag_from, a.deal_note "         \
	"FROM activities a "                                                                       \
	"WHERE (?1 IS NULL OR a.occurred_at >= ?1) AND (?2 IS NULL OR a.occurred_at < ?2) "        \
	"AND (?3 IS NULL OR EXISTS (SELECT 1 FROM activity_links l JOIN contact_emails ce "        \
	"  ON ce.contact_id = l.target_id WHERE l.activity_id = a.id AND l.type = 'contact' "      \
	"  AND ce.address = ?3)) "                                                                 \
	"AND (?4 IS NULL OR EXISTS (SELECT 1 FROM activity_links l JOIN deals d "                  \
	"  ON d.id = l.target_id WHERE l.activity_id = a.id AND l.type = 'deal' AND d.key = ?4)) " \
	"AND (?5 IS NULL OR EXISTS (SELECT 1 FROM activity_links l JOIN company_domains cd "       \
	"  ON cd.company_id = l.target_id WHERE l.activity_id = a.id AND l.type = 'company' "      \
	"  AND cd.domain = ?5)) "                                                                  \
	"AND (?6 IS NULL OR EXISTS (SELECT 1 FROM activity_owners o JOIN user_emails ue "          \
	"  ON ue.user_id = o.user_id WHERE o.activity_id = a.id AND ue.address = ?6)) "            \
	"AND (?8 IS NULL OR a.id = ?8) AND (?9 IS NULL OR a.source_key = ?9) "                     \
	"AND (?10 IS NULL OR a.ambiguous = 1) "

static const char act_select[] = ACT_SELECT "ORDER BY a.occurred_at, a.id LIMIT ?7";
static const char act_select_desc[] = ACT_SELECT "ORDER BY a.occurred_at DESC, a.id DESC LIMIT ?7";

static const char act_owners[] = "SELECT u.email FROM activity_owners o JOIN users u "
				 "ON u.id = o.user_id WHERE o.activity_id = ?1 ORDER BY u.email";

static const char act_participants[] =
	"SELECT p.address, p.name, p.role, p.partstat, c.email FROM participants p "
	"LEFT JOIN contacts c ON c.id = p.contact_id WHERE p.activity_id = ?1 ORDER BY p.id";

static const char act_links[] =
	"SELECT l.type, CASE l.type "
	"  WHEN 'contact' THEN (SELECT email FROM contacts WHERE id = l.target_id) "
	"  WHEN 'company' THEN (SELECT domain FROM companies WHERE id = l.target_id) "
	"  ELSE (SELECT key FROM deals WHERE id = l.target_id) END, l.rule, l.evidence "
	"FROM activity_links l WHERE l.activity_id = ?1 ORDER BY l.type, l.target_id";

static const char act_candidates[] = "SELECT d.key FROM deal_candidates c JOIN deals d "
				     "ON d.id = c.deal_id WHERE c.activity_id = ?1 ORDER BY d.key";

void store_activity_release(struct store_activity *a)
{
	free(a->kind);
	free(a->direction);
	free(a->status);
	free(a->subject);
	free(a->snippet);
	free(a->source_key);
	free(a->thread_key);
	for (size_t i = 0; i < a->nowners; i++)
		free(a->owners[i]);
	free(a->owners);
	for (size_t i = 0; i < a->nparticipants; i++) {
		struct store_participant *p = &a->participants[i];
		free(p->address);
		free(p->name);
		free(p->role);
		free(p->partstat);
		free(p->contact);
	}
	free(a->participants);
	for (size_t i = 0; i < a->nlinks; i++) {
		free(a->links[i].type);
		free(a->links[i].key);
		free(a->links[i].rule);
		free(a->links[i].evidence);
	}
	free(a->links);
	for (size_t i = 0; i < a->nambiguous; i++)
		free(a->ambiguous[i]);
	free(a->ambiguous);
	free(a->deal_tag);
	free(a->deal_tag_from);
	free(a->deal_note);
	memset(a, 0, sizeof *a);
}

/* Reads a one-column string list for activity `id`. */
static int act_strings(struct store *st, const char *sql, int64_t id, char ***out, size_t *n_out,
		       struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*out = xreallocarray(*out, *n_out + 1, sizeof **out);
		(*out)[(*n_out)++] = store_col_strdup(s, 0);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, err, "reading an activity");
}

static int act_load_participants(struct store *st, struct store_activity *a, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, act_participants, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, a->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_participant *p;
		a->participants = xreallocarray(a->participants, a->nparticipants + 1, sizeof *p);
		p = &a->participants[a->nparticipants++];
		p->address = store_col_strdup(s, 0);
		p->name = store_col_strdup(s, 1);
		p->role = store_col_strdup(s, 2);
		p->partstat = store_col_strdup(s, 3);
		p->contact = store_col_strdup(s, 4);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, err, "reading participants");
}

static int act_load_links(struct store *st, struct store_activity *a, struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, act_links, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, a->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_link *l;
		a->links = xreallocarray(a->links, a->nlinks + 1, sizeof *l);
		l = &a->links[a->nlinks++];
		l->type = store_col_strdup(s, 0);
		l->key = store_col_strdup(s, 1);
		l->rule = store_col_strdup(s, 2);
		l->evidence = store_col_strdup(s, 3);
		if (l->key == NULL)
			l->key = xstrdup("");
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, err, "reading links");
}

static void act_from_row(sqlite3_stmt *s, struct store_activity *a)
{
	memset(a, 0, sizeof *a);
	a->id = sqlite3_column_int64(s, 0);
	a->kind = store_col_strdup(s, 1);
	a->direction = store_col_strdup(s, 2);
	a->status = store_col_strdup(s, 3);
	a->occurred_at = sqlite3_column_int64(s, 4);
	a->ended_at = sqlite3_column_type(s, 5) == SQLITE_NULL ? STORE_NO_TIME :
								 sqlite3_column_int64(s, 5);
	a->subject = store_col_strdup(s, 6);
	a->snippet = store_col_strdup(s, 7);
	a->source_key = store_col_strdup(s, 8);
	a->thread_key = store_col_strdup(s, 9);
	a->deal_tag = store_col_strdup(s, 10);
	a->deal_tag_from = store_col_strdup(s, 11);
	a->deal_note = store_col_strdup(s, 12);
}

static int act_load_details(struct store *st, struct store_activity *a, struct err *err)
{
	if (act_strings(st, act_owners, a->id, &a->owners, &a->nowners, err) == -1 ||
	    act_load_participants(st, a, err) == -1 || act_load_links(st, a, err) == -1 ||
	    act_strings(st, act_candidates, a->id, &a->ambiguous, &a->nambiguous, err) == -1)
		return -1;
	return 0;
}

int store_activities_each(struct store *st, const struct store_activity_filter *f,
			  int (*fn)(const struct store_activity *a, void *arg), void *arg,
			  struct err *err)
{
	sqlite3_stmt *s = store_stmt(st, f->newest_first ? act_select_desc : act_select, err);
	struct store_activity a;
	int rc, ret = 0;

	if (s == NULL)
		return -1;
	store_bind_time(s, 1, f->since);
	store_bind_time(s, 2, f->until);
	store_bind_text(s, 3, f->contact_email);
	store_bind_text(s, 4, f->deal_key);
	store_bind_text(s, 5, f->company_domain);
	store_bind_text(s, 6, f->user_email);
	sqlite3_bind_int64(s, 7, f->limit > 0 ? f->limit : -1);
	if (f->activity_id > 0)
		sqlite3_bind_int64(s, 8, f->activity_id);
	store_bind_text(s, 9, f->source_key);
	if (f->ambiguous_only)
		sqlite3_bind_int(s, 10, 1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		act_from_row(s, &a);
		if (act_load_details(st, &a, err) == -1 || fn(&a, arg) == -1) {
			store_activity_release(&a);
			ret = -1;
			break;
		}
		store_activity_release(&a);
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = store_fail(st, err, "reading activities");
	sqlite3_reset(s);
	return ret;
}

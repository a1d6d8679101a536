/* match/meeting.c - the rules for calendar occurrences (docs/matching.md,
 * "Meetings"): who took part, whether it concerns the CRM, and whether it
 * was held. */
#include "match/match.h"
#include "match/internal.h"
#include "core/config.h"
#include "core/strset.h"
#include "core/xalloc.h"
#include "parsers/addr.h"
#include "parsers/ics.h"

#include <stdlib.h>
#include <string.h>

char *match_meeting_source_key(const struct ics_occurrence *ev)
{
	if (ev->recurrence_id == NULL)
		return xstrdup(ev->uid);
	return xasprintf("%s#%s", ev->uid, ev->recurrence_id);
}

static void add_person(const struct match_dir *d, struct match_result *r, struct strset *seen,
		       const struct ics_person *p, const char *role)
{
	struct store_new_participant *q;

	if (p->address == NULL || p->key == NULL || !strset_add(seen, p->key, 1, NULL))
		return;
	q = &r->parts[r->act.nparticipants++];
	q->address = p->address;
	q->addr_key = p->key;
	q->name = p->name;
	q->role = role;
	q->partstat = p->partstat;
	q->contact_id = -1;
	q->external = !match_is_internal(d, p->key);
}

static int declined(const char *partstat)
{
	return partstat != NULL && strcmp(partstat, "DECLINED") == 0;
}

static int any_external(const struct match_result *r)
{
	for (size_t i = 0; i < r->act.nparticipants; i++)
		if (r->parts[i].external)
			return 1;
	return 0;
}

/* SPEC §5.2: cancelled, declined, held or scheduled. */
static const char *meeting_status(const struct ics_occurrence *ev, const struct match_result *r,
				  int64_t now)
{
	size_t team = 0, team_declined = 0;
	int external_attends = 0;

	if (ev->status != NULL && strcmp(ev->status, "CANCELLED") == 0)
		return "cancelled";
	for (size_t i = 0; i < r->act.nparticipants; i++) {
		const struct store_new_participant *p = &r->parts[i];
		if (!p->external && strcmp(p->role, "attendee") == 0) {
			team++;
			team_declined += declined(p->partstat);
		} else if (p->external && !declined(p->partstat)) {
			external_attends = 1;
		}
	}
	if (team > 0 && team == team_declined)
		return "declined";
	/* An internal meeting (logged with log_internal) is held when a team
	 * member invited did not decline. */
	if (ev->end <= now && (external_attends || (team > team_declined && !any_external(r))))
		return "held";
	return "scheduled";
}

/* 1 when the organizer is a team member (or there is none): the team
 * invited, as when a rep writes first. */
static int organizer_internal(const struct match_result *r)
{
	for (size_t i = 0; i < r->act.nparticipants; i++)
		if (strcmp(r->parts[i].role, "organizer") == 0)
			return !r->parts[i].external;
	return 1;
}

static void fill(const struct match_opts *o, const struct ics_occurrence *ev, int64_t now,
		 struct match_result *r)
{
	const struct store_new_participant *org = NULL;

	for (size_t i = 0; i < r->act.nparticipants && org == NULL; i++)
		if (strcmp(r->parts[i].role, "organizer") == 0)
			org = &r->parts[i];
	r->source_key = match_meeting_source_key(ev);
	r->act.kind = "meeting";
	r->act.direction = org != NULL && org->external ? "inbound" : "outbound";
	r->act.status = meeting_status(ev, r, now);
	r->act.occurred_at = ev->start;
	r->act.ended_at = ev->end;
	r->act.subject = o->capture >= CFG_CAPTURE_SUBJECT ? ev->summary : NULL;
	if (o->capture >= CFG_CAPTURE_FULL && ev->description != NULL && o->snippet_chars > 0)
		r->snippet = match_truncate_utf8(ev->description, (size_t)o->snippet_chars);
	r->act.snippet = r->snippet;
	r->act.source_key = r->source_key;
	r->act.thread_key = NULL;
	r->act.owner_id = o->owner_id;
	r->act.sequence = ev->sequence;
	r->act.replace = 1;
}

void match_meeting(const struct match_dir *d, const struct match_opts *o,
		   const struct ics_occurrence *ev, int64_t now, struct match_result *r)
{
	struct strset seen, linked;
	const char *ignored;
	size_t nexternal = 0;

	memset(r, 0, sizeof *r);
	r->outcome = MATCH_LOGGED;
	strset_init(&seen);
	strset_init(&linked);
	r->parts = xcalloc(ev->nattendees + 2, sizeof *r->parts);
	r->act.participants = r->parts;
	add_person(d, r, &seen, &ev->organizer, "organizer");
	for (size_t i = 0; i < ev->nattendees; i++)
		add_person(d, r, &seen, &ev->attendees[i], "attendee");
	for (size_t i = 0; i < r->act.nparticipants; i++)
		nexternal += r->parts[i].external;
	if (nexternal == 0) {
		if (!o->log_internal || r->act.nparticipants < 2) {
			match_skip(r, "internal", xstrdup("no external attendee"));
			goto out;
		}
		fill(o, ev, now, r);
		r->act.direction = "internal";
		goto out;
	}
	ignored = match_drop_ignored(d, r);
	nexternal = 0;
	for (size_t i = 0; i < r->act.nparticipants; i++) {
		if (!r->parts[i].external)
			continue;
		nexternal++;
		match_link_participant(d, &r->parts[i], r, &linked);
	}
	if (nexternal == 0) {
		match_skip(r, "ignored", xasprintf("ignored address %s", ignored));
		goto out;
	}
	match_mark_creates(d, r, organizer_internal(r), 0);
	if (r->act.nlinks == 0 && r->ncreates == 0) {
		match_skip(r, "unmatched",
			   xasprintf("no contact or company among %zu external attendee%s",
				     nexternal, nexternal == 1 ? "" : "s"));
		goto out;
	}
	fill(o, ev, now, r);
	r->deal_tag = match_subject_tag(ev->summary);
	r->act.deal_tag = r->deal_tag;
	r->act.deal_tag_from = r->deal_tag != NULL ? "subject" : NULL;
out:
	strset_release(&seen);
	strset_release(&linked);
}

/* sync/check.h - the connection test of `crmsync check-config`.
 *
 * Tries one account the way sync would: the same client, TLS settings,
 * time-out and login, then finds what sync would read: the folders (the
 * configured ones minus private_folders, each checked to exist, or INBOX
 * plus the \Sent folder) or the calendars (those the calendars setting
 * selects, each configured name checked to match one). It reads no mail,
 * no event and no database, and writes nothing. Wording the verdict is
 * the caller's business; this says which step failed and why.
 */
#ifndef SYNC_CHECK_H
#define SYNC_CHECK_H

#include "core/err.h"

#include <stddef.h>

struct cfg_account;

/* The steps of the test, in order. */
enum sync_check_stage {
	SYNC_CHECK_CONNECT, /* name, TCP connect, greeting or first answer */
	SYNC_CHECK_TLS,	    /* handshake, certificate chain, host name */
	SYNC_CHECK_LOGIN,   /* the credentials */
	SYNC_CHECK_CONTENT, /* the folders or calendars to sync */
	SYNC_CHECK_OK,	    /* every step passed */
};

struct sync_check {
	enum sync_check_stage stage; /* the step that failed, or SYNC_CHECK_OK */
	int timed_out;		     /* stage CONNECT: no answer within the account's timeout */
	struct err err;		     /* why, unless stage is SYNC_CHECK_OK */
	char **names;		     /* owned; the folders (UTF-8) or calendars (display
				      * name, else href) sync would read, when OK */
	size_t n;
};

/* Runs the test for account a with its resolved secret, filling *c
 * (release it with sync_check_release). Returns 0 when every step passed,
 * -1 otherwise. Takes at most about the account's timeout per step. */
int sync_check_account(const struct cfg_account *a, const char *secret, struct sync_check *c);
void sync_check_release(struct sync_check *c);

#endif

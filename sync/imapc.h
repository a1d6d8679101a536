/* sync/imapc.h - an IMAP client for crmsync, over libetpan.
 *
 * Knows IMAP (RFC 3501, CONDSTORE/QRESYNC RFC 7162, SPECIAL-USE RFC 6154),
 * not CRM rules. One struct imapc is one connection; it is not shared
 * between threads. libetpan types never leave imapc.c.
 *
 * Security: with `security = tls` or `starttls` the server's certificate
 * chain and host name are verified with GnuTLS against the system store or
 * the account's ca_file BEFORE any credential is sent (libetpan's GnuTLS
 * build verifies nothing itself); tls_verify = no skips that with a warning.
 * `security = none` is refused by the config loader off loopback. The
 * password is never logged; protocol traces (log level trace) redact LOGIN
 * and AUTHENTICATE.
 *
 * Errors: ERR_TEMP for connection trouble and time-outs (the connection is
 * then dead: close it and open a new one), ERR_WAIT for [UNAVAILABLE] and
 * similar server back-off hints, ERR_AUTH for a rejected login (a wrong
 * password), ERR_FINAL for other login failures, certificate failures and
 * missing folders, ERR_DATA for a response that could not be parsed (the
 * connection is dead too).
 */
#ifndef SYNC_IMAPC_H
#define SYNC_IMAPC_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct err;
struct cfg_account;
struct imapc;

enum imapc_cap {
	IMAPC_CAP_CONDSTORE = 1 << 0,
	IMAPC_CAP_QRESYNC = 1 << 1,
	IMAPC_CAP_IDLE = 1 << 2,
	IMAPC_CAP_SPECIAL_USE = 1 << 3,
	IMAPC_CAP_GMAIL = 1 << 4, /* X-GM-EXT-1 */
	IMAPC_CAP_LITERALPLUS = 1 << 5,
};

/* Counts of commands sent on this connection, by kind, so tests can assert
 * that a no-change sync sends no SELECT and no FETCH. */
struct imapc_stats {
	unsigned long status, select, fetch, search, list, other;
	unsigned long messages;	  /* messages received in FETCH responses */
	unsigned long long bytes; /* header and snippet bytes received */
};

/* Connects, checks TLS, logs in with `secret` (a password, or the OAuth2
 * token with auth = xoauth2) and reads the capabilities after login. The
 * time-out of the account covers connect, handshake and every read.
 * auth = plain sends AUTHENTICATE PLAIN when the server offers AUTH=PLAIN
 * (in one round trip with SASL-IR), else LOGIN, and neither under
 * LOGINDISABLED. Returns NULL with err set. */
struct imapc *imapc_open(const struct cfg_account *acct, const char *secret, struct err *err);
/* The step of imapc_open that failed, so that check-config can name it. */
enum imapc_stage {
	IMAPC_STAGE_CONNECT, /* TCP connect and greeting (a silent server times out here) */
	IMAPC_STAGE_TLS,     /* handshake, STARTTLS, certificate chain and host name */
	IMAPC_STAGE_LOGIN,   /* capabilities, authentication, ENABLE */
	IMAPC_STAGE_READY,   /* nothing failed */
};

/* imapc_open that also tells, in *stage_out, how far it got: the step that
 * failed, or IMAPC_STAGE_READY. */
struct imapc *imapc_open_stage(const struct cfg_account *acct, const char *secret,
			       enum imapc_stage *stage_out, struct err *err);
/* Logs out (best effort) and frees; *ic set to NULL; NULL is a no-op. */
void imapc_close(struct imapc **ic);
unsigned imapc_caps(const struct imapc *ic);
const struct imapc_stats *imapc_stats(const struct imapc *ic);

struct imapc_folder {
	char *name;    /* owned; the mailbox name as the server spells it (modified UTF-7) */
	char *display; /* owned; the name decoded to UTF-8, for messages */
	int is_sent;   /* has the \Sent special-use flag */
	int noselect;
};

/* LIST "" "*" with special-use flags (RETURN (SPECIAL-USE) where offered). */
int imapc_list(struct imapc *ic, struct imapc_folder **out, size_t *n_out, struct err *err);
void imapc_folders_free(struct imapc_folder *v, size_t n);

struct imapc_mailbox {
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint32_t messages;
	uint64_t highestmodseq; /* 0 when the server has no CONDSTORE */
};

/* STATUS (MESSAGES UIDNEXT UIDVALIDITY [HIGHESTMODSEQ]); no SELECT. */
int imapc_status(struct imapc *ic, const char *folder, struct imapc_mailbox *out, struct err *err);
/* SELECT (EXAMINE, read-only) the folder, with CONDSTORE when offered; an
 * absent folder is ERR_FINAL. */
int imapc_examine(struct imapc *ic, const char *folder, struct imapc_mailbox *out, struct err *err);
/* Waits in IDLE (RFC 2177) on `folder` for up to `seconds`: returns 0 when
 * the time is up, *stop is set, or the server reported a change of the
 * message count (*changed_out = 1); 1 at once when the server has no IDLE
 * (poll instead); -1 with err set. IDLE is renewed every 25 minutes. */
int imapc_idle(struct imapc *ic, const char *folder, int64_t seconds, volatile sig_atomic_t *stop,
	       int *changed_out, struct err *err);

/* UID SEARCH in the examined folder: all UIDs >= uid_min whose INTERNALDATE
 * is on or after the UTC date of `since` (0 for no date bound), ascending,
 * without duplicates. *uids_out is the caller's to free(); NULL when
 * *n_out is 0. */
int imapc_search_uids(struct imapc *ic, uint32_t uid_min, int64_t since, uint32_t **uids_out,
		      size_t *n_out, struct err *err);

/* One fetched message. All pointers are borrowed for the duration of the
 * callback only. */
struct imapc_msg {
	uint32_t uid;
	int64_t internaldate; /* UTC seconds, 0 if absent */
	uint32_t size;	      /* RFC822.SIZE */
	const char *header;   /* the requested header fields, raw */
	size_t header_len;
	const char *body; /* the first body_bytes of the body (BODY.PEEK[TEXT]<0.N>), or NULL */
	size_t body_len;
	uint64_t gm_msgid, gm_thrid; /* Gmail only, else 0 */
};

/* UID FETCH uid_first:uid_last (UID INTERNALDATE RFC822.SIZE
 * BODY.PEEK[HEADER.FIELDS (<SPEC §5.1 fields>)] [BODY.PEEK[TEXT]<0.body_bytes>]
 * [X-GM-MSGID X-GM-THRID]) in the examined folder, calling fn for each
 * message as the response streams in (messages arrive in server order).
 * fn returns 0 to go on or -1 to stop (imapc_fetch then returns -1 with
 * err untouched unless fn set it); the rest of that answer is still read
 * and dropped, so the connection stays usable. body_bytes 0 fetches no
 * body. 1 <= uid_first <= uid_last, else ERR_FINAL. */
int imapc_fetch(struct imapc *ic, uint32_t uid_first, uint32_t uid_last, size_t body_bytes,
		int (*fn)(const struct imapc_msg *m, void *arg), void *arg, struct err *err);

/* QRESYNC (after ENABLE QRESYNC, done by imapc_open when offered): UIDs
 * expunged since `modseq` (> 0) in the examined folder (UID FETCH 1:* (UID)
 * (CHANGEDSINCE modseq VANISHED)), ascending; ERR_FINAL without QRESYNC.
 * *uids_out as for imapc_search_uids. */
int imapc_vanished(struct imapc *ic, uint64_t modseq, uint32_t **uids_out, size_t *n_out,
		   struct err *err);

#endif

/* parsers/mail.h - one mail message's header block (and optionally the
 * start of its body) turned into a plain struct.
 *
 * Input is raw RFC 5322 bytes as an IMAP server or a Maildir/mbox file
 * gives them: the header fields (BODY.PEEK[HEADER.FIELDS (...)] or the
 * whole header), and optionally a bounded piece of the body for a snippet.
 * Output is UTF-8 text and canonical keys, whatever the input's charsets.
 * Pure: no database, no network, no globals; safe to call from threads.
 *
 * Tolerant like a mail client, strict about bounds: a message whose header
 * is broken in a way we cannot read (no usable From and no Message-ID, or a
 * header block over MAIL_MAX_HEADER bytes) is an ERR_DATA error naming the
 * field; anything less (a bad Date, one undecodable encoded word, an
 * unparsable address among good ones) is recorded in `warnings` and the
 * parse succeeds.
 */
#ifndef PARSERS_MAIL_H
#define PARSERS_MAIL_H

#include <stddef.h>
#include <stdint.h>

struct err;

#define MAIL_MAX_HEADER	 (256 * 1024) /* bytes of header block we accept */
#define MAIL_MAX_ADDRS	 1000	      /* addresses per message, all fields together */
#define MAIL_MAX_REFS	 200	      /* References entries kept (the last ones) */
#define MAIL_MAX_SNIPPET 10000	      /* characters a snippet may be asked for */
/* Body bytes mail_snippet looks at; past them the body is taken as cut.
 * Connectors fetch a prefix of 8 bytes a snippet character (80 KB at
 * most) and a local import keeps 16 KB; a caller that passes a whole
 * 50 MB message would otherwise have every part before the text decoded. */
#define MAIL_MAX_SNIPPET_BODY (1024 * 1024)
/* mail_parse_header never looks past this many bytes of its input (one line
 * break past MAIL_MAX_HEADER tells whether the block is too long), so a
 * caller that keeps a header for later may keep only this much. */
#define MAIL_HEADER_SCAN (MAIL_MAX_HEADER + 3)

/* One mailbox of an address list. */
struct mail_addr {
	char *name;    /* owned; display name decoded to UTF-8, or NULL */
	char *address; /* owned; addr-spec as written (IDN domains as UTF-8) */
	char *key;     /* owned; addr_canonical() of it, or NULL if it is not usable */
};

struct mail_addrs {
	struct mail_addr *v; /* owned */
	size_t n;
};

/* Signals of automated mail (SPEC §5.5), each the header value that gave
 * it, or NULL. */
struct mail_auto {
	char *auto_submitted;	/* Auto-Submitted other than "no" */
	char *precedence;	/* Precedence bulk, junk or list */
	char *list_id;		/* List-Id */
	char *list_unsubscribe; /* List-Unsubscribe */
	char *x_autoreply;	/* X-Autoreply or X-Autorespond */
	int is_report;		/* Content-Type multipart/report (delivery/read reports) */
	int has_calendar;	/* a text/calendar part (invitation): set by the body scan
				 * or a top-level text/calendar Content-Type */
};

struct mail_msg {
	struct mail_addrs from, sender, reply_to, to, cc, bcc;
	int64_t date;	   /* UTC seconds; valid only when has_date */
	int has_date;	   /* 0 when Date is missing or unparsable */
	char *subject;	   /* owned; UTF-8, unfolded, or NULL */
	char *message_id;  /* owned; normalised "<left@right>" (see mail_msgid_norm), or NULL */
	char *in_reply_to; /* owned; first msg-id of In-Reply-To, normalised, or NULL */
	char **references; /* owned; normalised msg-ids, oldest first */
	size_t nreferences;
	char *content_type;	 /* owned; lower-cased "type/subtype" of the message, or NULL */
	char *charset;		 /* owned; its charset parameter, lower-cased, or NULL */
	char *boundary;		 /* owned; its boundary parameter, or NULL */
	char *transfer_encoding; /* owned; Content-Transfer-Encoding, lower-cased, or NULL */
	struct mail_auto autos;
	char *gm_thrid;	 /* owned; X-GM-THRID when the connector adds it, else NULL */
	char **warnings; /* owned; "Date: unparsable 'foo'" and the like */
	size_t nwarnings;
};

/* Parses a header block of `len` bytes (it may contain the body too: parsing
 * stops at the first empty line). plus_addressing is passed to
 * addr_canonical for the keys. Returns 0 and fills *msg (release it with
 * mail_msg_release), or -1 with err (ERR_DATA) and *msg released. */
int mail_parse_header(const char *raw, size_t len, int plus_addressing, struct mail_msg *msg,
		      struct err *err);
void mail_msg_release(struct mail_msg *msg);

/* Normalises a Message-ID: the first <...> token (or the bare token when
 * there are no brackets), surrounding white space and comments removed,
 * the domain part lower-cased, returned as "<left@right>". NULL if there
 * is none. */
char *mail_msgid_norm(const char *s, size_t len);

/* The snippet: the first text part of a body (given the message's
 * Content-Type, boundary, charset and transfer encoding from msg), decoded
 * (quoted-printable, base64; charset to UTF-8; HTML stripped to text),
 * white space collapsed, cut at `max_chars` characters (not bytes) on a
 * character boundary. `body` is the body bytes after the header block, as
 * many as the connector fetched (it may be cut anywhere; only the first
 * MAIL_MAX_SNIPPET_BODY bytes are looked at). Also sets
 * msg->autos.has_calendar when a text/calendar part is seen in what was
 * given. Returns a new heap string (possibly empty), never NULL. */
char *mail_snippet(struct mail_msg *msg, const char *body, size_t len, size_t max_chars);

/* Decodes RFC 2047 encoded words in an unstructured header value (already
 * unfolded) into UTF-8; text outside encoded words is taken as UTF-8, or as
 * Latin-1/windows-1252 when it is not valid UTF-8. Returns a new heap string. */
char *mail_decode_words(const char *s, size_t len);

/* Parses an RFC 5322 date (with the obsolete forms of §4.3: two-digit
 * years, named zones such as EST and PST, missing seconds, a trailing
 * "(PST)" comment, missing day name). Returns 0 and *t_out (UTC), or -1. */
int mail_parse_date(const char *s, size_t len, int64_t *t_out);

#endif

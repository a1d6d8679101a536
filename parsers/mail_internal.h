/* parsers/mail_internal.h - what the mail parser's files share.
 *
 * Not an API: only parsers/mail.c, rfc2047.c, addrlist.c, maildate.c and
 * snippet.c include it. The public contract is parsers/mail.h. Prefixes
 * are rfc5322_ (header syntax) and rfc2047_ (charsets, encoded words),
 * because libetpan already exports mail_* names.
 */
#ifndef PARSERS_MAIL_INTERNAL_H
#define PARSERS_MAIL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct mail_msg;
struct mail_addrs;

#define MAIL_MAX_WARNINGS    32	 /* further warnings are dropped */
#define RFC5322_TYPE_MAX     64	 /* "type/subtype" and charset names, with the NUL */
#define RFC5322_BOUNDARY_MAX 200 /* RFC 2046 §5.1.1 allows 70; be generous */
#define RFC5322_QUOTE_MAX    64	 /* bytes of a bad value quoted in a warning */
/* Decoded text never needs more than this; appends past it are dropped. */
#define RFC2047_OUT_MAX (16 * 1024 * 1024)

/* ---- mail.c: header block syntax ---- */

/* Offset of the empty line that ends the header block in p[0..len), or len
 * when there is none; *body_out (may be NULL) gets the offset of the first
 * byte after that empty line (len when there is none). */
size_t rfc5322_header_len(const char *p, size_t len, size_t *body_out);

/* Iterates the fields of a header block (give it only the block, as found by
 * rfc5322_header_len). A field's value runs from after the colon to the end
 * of its last continuation line, CR LF included: unfold before use. Lines
 * that start with white space continue the field; so do lines that are no
 * field at all (no colon, or a name with spaces), which `joined` counts.
 * Lines before the first field are skipped and counted in `skipped`, except
 * an mbox "From " line. */
struct rfc5322_iter {
	const char *p, *end;
	int nfields;
	int joined;
	int skipped;
};

struct rfc5322_field {
	const char *name; /* borrowed; not terminated */
	size_t name_len;
	const char *value; /* borrowed; folded */
	size_t value_len;
};

void rfc5322_iter_init(struct rfc5322_iter *it, const char *p, size_t len);
/* 1 and *f filled, or 0 at the end of the block. */
int rfc5322_iter_next(struct rfc5322_iter *it, struct rfc5322_field *f);

/* RFC 5322 §2.2.3: unfolds p[0..n) into b (reset first) by removing CR and
 * LF; NUL becomes a space; white space at both ends is trimmed. */
void rfc5322_unfold(const char *p, size_t n, struct buf *b);

/* A Content-Type value (RFC 2045 §5.1, RFC 2231 parameters). */
struct rfc5322_ctype {
	char type[RFC5322_TYPE_MAX];		 /* lower-cased "type/subtype", or "" */
	char charset[RFC5322_TYPE_MAX];		 /* lower-cased, or "" */
	char boundary[RFC5322_BOUNDARY_MAX + 1]; /* as written, or "" */
};

/* Parses an unfolded Content-Type value; 0, or -1 when there is no
 * "type/subtype" (the parameters are parsed all the same). */
int rfc5322_ctype_parse(const char *s, size_t n, struct rfc5322_ctype *ct);
/* Copies the first token of s (Content-Transfer-Encoding, the type of a
 * Content-Disposition), lower-cased, into out; "" when there is none. */
void rfc5322_token_lower(const char *s, size_t n, char *out, size_t size);

/* Records a warning on msg (at most MAIL_MAX_WARNINGS). */
void rfc5322_warn(struct mail_msg *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A bad value for a warning: at most RFC5322_QUOTE_MAX bytes, cut on a
 * character boundary with "..." added, controls and invalid UTF-8 as '?'. */
void rfc5322_quote(const char *p, size_t n, char *out, size_t size);
/* Display text: C0 controls and DEL become spaces, runs of spaces one
 * space (folding leaves "und   die"), none at either end. Works in place,
 * terminates, returns the new length. */
size_t rfc5322_clean(char *s, size_t n);

/* Finds the next msg-id in [*pos, end): "<...>" with white space and
 * comments inside removed, or a bare token holding '@'. Appends the
 * normalised "<left@right>" to out (reset first) and returns 1, or 0 when
 * there is none left. */
int rfc5322_msgid_next(const char **pos, const char *end, struct buf *out);

/* ---- addrlist.c: address lists (RFC 5322 §3.4, obsolete §4.4) ---- */

struct rfc5322_tok;

struct rfc5322_addrctx {
	struct mail_msg *msg;	 /* for warnings */
	int plus;		 /* plus addressing for the keys */
	size_t naddrs;		 /* addresses kept so far, all fields */
	int capped;		 /* the MAIL_MAX_ADDRS warning was given */
	struct rfc5322_tok *tok; /* owned scratch, reused between fields */
	size_t ntok, captok;
	struct buf tmp, tmp2; /* scratch */
};

void rfc5322_addrctx_init(struct rfc5322_addrctx *ac, struct mail_msg *msg, int plus);
void rfc5322_addrctx_release(struct rfc5322_addrctx *ac);
/* Parses an unfolded address-list value of the field `field` ("To") and
 * appends its mailboxes to out; what cannot be used becomes a warning. */
void rfc5322_addrlist_parse(struct rfc5322_addrctx *ac, const char *field, const char *s, size_t n,
			    struct mail_addrs *out);

/* ---- rfc2047.c: charsets and encoded words ---- */

/* Length of the RFC 2047 encoded word at s ("=?cs?e?text?="), or 0; then
 * *skip (may be NULL) gets how many bytes from s on cannot start one
 * either (at least 1), so that callers scan a run of broken words once. */
size_t rfc2047_word_len(const char *s, size_t n, size_t *skip);
/* Appends s[0..n) to out with encoded words decoded (see mail_decode_words);
 * returns the number of words whose charset is unknown (their bytes are
 * then taken as UTF-8 or windows-1252). */
int rfc2047_decode(const char *s, size_t n, struct buf *out);
/* Appends n bytes in `charset` (NULL or "" when unknown) to out as UTF-8.
 * Returns 0, or -1 when the charset is unknown: the bytes are then taken
 * as UTF-8 where valid and windows-1252 elsewhere. Invalid sequences become
 * U+FFFD. With `cut` (a body fetched up to some byte count) an incomplete
 * character at the very end is dropped rather than read as an error. */
int rfc2047_to_utf8(const char *charset, const char *in, size_t n, struct buf *out, int cut);
/* Appends in[0..n) with valid UTF-8 kept and every other byte read as
 * windows-1252 (with `cut`, an incomplete character at the end dropped). */
void rfc2047_utf8_fix(const char *in, size_t n, struct buf *out, int cut);
/* Appends one code point as UTF-8 (invalid ones as U+FFFD). */
void rfc2047_put_utf8(struct buf *out, uint32_t cp);
/* Base64 (RFC 2045 §6.8) appended to out. strict: any byte outside the
 * alphabet fails (-1), as in an encoded word; otherwise such bytes (line
 * breaks) are skipped. A partial last quantum gives the bytes it holds. */
int rfc2047_base64(const char *s, size_t n, struct buf *out, int strict);

#endif

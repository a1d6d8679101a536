/* parsers/mail.c - a message's header block to struct mail_msg (see mail.h).
 *
 * One pass over the block: the fields are found line by line (memchr, no
 * copies); only the ~20 fields crmsync uses are unfolded, into one scratch
 * buffer reused for all of them, and handed to the field's parser: address
 * lists (addrlist.c), dates (maildate.c), encoded words (rfc2047.c), msg-ids
 * and Content-Type (here). The body is not looked at: mail_snippet does that.
 *
 * Tolerance follows what mail clients do rather than the letter of RFC 5322:
 * a line without a colon inside the header continues the field before it
 * (software that folds without indenting); a name followed by white space
 * before the colon is the obsolete syntax of RFC 5322 §4.5; the first of a
 * duplicated single field wins and repeated To/Cc/Bcc fields add up.
 */
#include "parsers/mail.h"
#include "parsers/mail_internal.h"
#include "core/err.h"
#include "core/str.h"
#include "core/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAIL_MSGID_MAX 998 /* RFC 5322 §2.1.1 line length */

static int is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

size_t rfc5322_header_len(const char *p, size_t len, size_t *body_out)
{
	size_t i = 0;
	const char *nl;

	for (;;) {
		if (i < len && p[i] == '\n') {
			if (body_out != NULL)
				*body_out = i + 1;
			return i;
		}
		if (i + 1 < len && p[i] == '\r' && p[i + 1] == '\n') {
			if (body_out != NULL)
				*body_out = i + 2;
			return i;
		}
		if (i >= len || (nl = memchr(p + i, '\n', len - i)) == NULL)
			break;
		i = (size_t)(nl - p) + 1;
	}
	if (body_out != NULL)
		*body_out = len;
	return len;
}

void rfc5322_iter_init(struct rfc5322_iter *it, const char *p, size_t len)
{
	it->p = p;
	it->end = p + len;
	it->nfields = 0;
	it->joined = 0;
	it->skipped = 0;
}

/* Finds the line at p: *cend is the end of its content (CR LF excluded),
 * the return value the start of the next line. */
static const char *line_next(const char *p, const char *end, const char **cend)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *e = nl != NULL ? nl : end;

	if (e > p && e[-1] == '\r')
		e--;
	*cend = e;
	return nl != NULL ? nl + 1 : end;
}

/* RFC 5322 §3.6.8: printable ASCII but ':'; white space before the colon
 * is allowed (§4.5). Returns the colon, or NULL when this is no field. */
static const char *field_colon(const char *p, const char *cend, size_t *name_len)
{
	const char *colon = memchr(p, ':', (size_t)(cend - p)), *e;

	if (colon == NULL || colon == p)
		return NULL;
	for (e = colon; e > p && is_wsp(e[-1]); e--)
		;
	if (e == p)
		return NULL;
	for (const char *q = p; q < e; q++)
		if ((unsigned char)*q <= 32 || (unsigned char)*q >= 127)
			return NULL;
	*name_len = (size_t)(e - p);
	return colon;
}

int rfc5322_iter_next(struct rfc5322_iter *it, struct rfc5322_field *f)
{
	const char *line, *cend, *next, *colon, *vend;
	size_t name_len;

	while (it->p < it->end) {
		line = it->p;
		next = line_next(line, it->end, &cend);
		it->p = next;
		if (cend == line)
			break; /* the empty line: only when given more than the block */
		if (is_wsp(*line) || (colon = field_colon(line, cend, &name_len)) == NULL) {
			if (!(it->nfields == 0 && it->skipped == 0 && cend - line > 5 &&
			      memcmp(line, "From ", 5) == 0))
				it->skipped++;
			continue;
		}
		f->name = line;
		f->name_len = name_len;
		f->value = colon + 1;
		vend = cend;
		while (it->p < it->end) {
			line = it->p;
			next = line_next(line, it->end, &cend);
			if (cend == line)
				break;
			if (!is_wsp(*line)) {
				if (field_colon(line, cend, &name_len) != NULL)
					break;
				it->joined++;
			}
			vend = cend;
			it->p = next;
		}
		f->value_len = (size_t)(vend - f->value);
		it->nfields++;
		return 1;
	}
	it->p = it->end;
	return 0;
}

void rfc5322_unfold(const char *p, size_t n, struct buf *b)
{
	size_t run = 0, i;

	buf_reset(b);
	while (n > 0 && is_space(*p))
		p++, n--;
	while (n > 0 && is_space(p[n - 1]))
		n--;
	for (i = 0; i < n; i++) {
		if (p[i] != '\r' && p[i] != '\n' && p[i] != '\0')
			continue;
		buf_add(b, p + run, i - run);
		if (p[i] == '\0')
			buf_addch(b, ' ');
		run = i + 1;
	}
	buf_add(b, p + run, n - run);
}

void rfc5322_warn(struct mail_msg *msg, const char *fmt, ...)
{
	va_list ap;

	if (msg->nwarnings >= MAIL_MAX_WARNINGS)
		return;
	msg->warnings = xreallocarray(msg->warnings, msg->nwarnings + 1, sizeof *msg->warnings);
	va_start(ap, fmt);
	msg->warnings[msg->nwarnings++] = xvasprintf(fmt, ap);
	va_end(ap);
}

void rfc5322_quote(const char *p, size_t n, char *out, size_t size)
{
	size_t o = 0, i = 0, k, lim = size - 4 < RFC5322_QUOTE_MAX ? size - 4 : RFC5322_QUOTE_MAX;

	while (i < n) {
		unsigned char c = (unsigned char)p[i];

		k = 1;
		if (c >= 0x80) {
			k = (c & 0xe0) == 0xc0 ? 2 :
			    (c & 0xf0) == 0xe0 ? 3 :
			    (c & 0xf8) == 0xf0 ? 4 :
						 0;
			if (k == 0 || i + k > n || !str_utf8_valid(p + i, k))
				k = 1, c = '?';
		}
		if (o + k > lim) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (k == 1)
			out[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
		else
			memcpy(out + o, p + i, k), o += k;
		i += k;
	}
	out[o] = '\0';
}

size_t rfc5322_clean(char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];

		if (c == ' ' && (o == 0 || s[o - 1] == ' '))
			continue;
		s[o++] = c;
	}
	if (o > 0 && s[o - 1] == ' ')
		o--;
	s[o] = '\0';
	return o;
}

/* A stored header value: valid UTF-8, no controls. */
static char *text_dup(const char *p, size_t n, struct buf *tmp)
{
	buf_reset(tmp);
	rfc2047_utf8_fix(p, n, tmp, 0);
	tmp->len = rfc5322_clean(tmp->data, tmp->len);
	return xstrndup(tmp->data, tmp->len);
}

/* ---- RFC 2045 §5.1 Content-Type, RFC 2231 parameters ---- */

static const char *skip_cfws(const char *p, const char *end)
{
	while (p < end) {
		if (is_space(*p)) {
			p++;
		} else if (*p == '(') {
			int depth = 0;

			for (; p < end; p++) {
				if (*p == '\\' && p + 1 < end)
					p++;
				else if (*p == '(')
					depth++;
				else if (*p == ')' && --depth == 0)
					break;
			}
			if (p < end)
				p++;
		} else {
			break;
		}
	}
	return p;
}

/* RFC 2045 §5.1 tspecials, white space and controls end a token. */
static int is_tspecial(char c)
{
	switch (c) {
	case '(':
	case ')':
	case '<':
	case '>':
	case '@':
	case ',':
	case ';':
	case ':':
	case '\\':
	case '"':
	case '/':
	case '[':
	case ']':
	case '?':
	case '=':
	case ' ':
		return 1;
	default:
		return (unsigned char)c < 32 || c == 0x7f;
	}
}

static const char *token_end(const char *p, const char *end)
{
	while (p < end && !is_tspecial(*p))
		p++;
	return p;
}

/* Reads a parameter value (quoted string or token) into v, unquoted. */
static const char *param_value(const char *p, const char *end, char *v, size_t size)
{
	size_t o = 0;

	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			if (o + 1 < size)
				v[o++] = *p;
		}
		if (p < end)
			p++;
	} else {
		/* Lenient: boundary=----=_NextPart_000 is common and illegal. */
		for (; p < end && *p != ';' && !is_space(*p); p++)
			if (o + 1 < size)
				v[o++] = *p;
	}
	v[o] = '\0';
	return p;
}

/* RFC 2231 §4: charset'language'percent-encoded; the charset is dropped. */
static void pct_decode(char *v, int skip_lang)
{
	char *r = v, *w = v, *q;

	if (skip_lang && (q = strchr(v, '\'')) != NULL && (q = strchr(q + 1, '\'')) != NULL)
		r = q + 1;
	for (; *r != '\0'; r++) {
		static const char hex[] = "0123456789abcdef";
		const char *h1, *h2;

		if (*r == '%' && r[1] != '\0' && r[2] != '\0' &&
		    (h1 = strchr(hex, r[1] | 0x20)) != NULL &&
		    (h2 = strchr(hex, r[2] | 0x20)) != NULL) {
			*w++ = (char)((h1 - hex) << 4 | (h2 - hex));
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* Stores one parameter: name is lower-cased, with any RFC 2231 "*N" and
 * "*" suffixes. Continuations are appended in order of appearance. */
static void ctype_param(struct rfc5322_ctype *ct, const char *name, char *v)
{
	size_t blen = strlen(name), cap;
	const char *star = strchr(name, '*');
	int ext = blen > 0 && name[blen - 1] == '*', section = 0;
	char *dst;

	if (star != NULL && star[1] >= '0' && star[1] <= '9')
		section = (int)strtol(star + 1, NULL, 10);
	blen = star != NULL ? (size_t)(star - name) : blen;
	if (blen == 7 && strncmp(name, "charset", 7) == 0) {
		dst = ct->charset;
		cap = sizeof ct->charset;
	} else if (blen == 8 && strncmp(name, "boundary", 8) == 0) {
		dst = ct->boundary;
		cap = sizeof ct->boundary;
	} else {
		return;
	}
	if (ext)
		pct_decode(v, section == 0);
	if (section == 0 && dst[0] != '\0')
		return; /* the first one wins */
	if (section > 0 && dst[0] == '\0')
		return;
	if (strlen(dst) + strlen(v) < cap)
		memcpy(dst + strlen(dst), v, strlen(v) + 1);
	if (dst == ct->charset)
		str_lower(ct->charset);
}

int rfc5322_ctype_parse(const char *s, size_t n, struct rfc5322_ctype *ct)
{
	const char *p = s, *end = s + n, *t, *te;
	char name[40], value[RFC5322_BOUNDARY_MAX + 1];
	size_t tlen, nlen;
	int rc = -1;

	ct->type[0] = ct->charset[0] = ct->boundary[0] = '\0';
	p = skip_cfws(p, end);
	t = p;
	te = p = token_end(p, end);
	p = skip_cfws(p, end);
	if (te > t && p < end && *p == '/') {
		const char *st, *ste;

		p = skip_cfws(p + 1, end);
		st = p;
		ste = p = token_end(p, end);
		tlen = (size_t)(te - t);
		if (ste > st && tlen + 1 + (size_t)(ste - st) < sizeof ct->type) {
			memcpy(ct->type, t, tlen);
			ct->type[tlen] = '/';
			memcpy(ct->type + tlen + 1, st, (size_t)(ste - st));
			ct->type[tlen + 1 + (size_t)(ste - st)] = '\0';
			str_lower(ct->type);
			rc = 0;
		}
	}
	while (p < end) {
		const char *q = memchr(p, ';', (size_t)(end - p));

		if (q == NULL)
			break;
		p = skip_cfws(q + 1, end);
		t = p;
		while (p < end && *p != '=' && *p != ';' && !is_space(*p))
			p++;
		nlen = (size_t)(p - t);
		p = skip_cfws(p, end);
		if (nlen == 0 || nlen >= sizeof name || p >= end || *p != '=')
			continue;
		memcpy(name, t, nlen);
		name[nlen] = '\0';
		str_lower(name);
		p = param_value(skip_cfws(p + 1, end), end, value, sizeof value);
		ctype_param(ct, name, value);
	}
	return rc;
}

void rfc5322_token_lower(const char *s, size_t n, char *out, size_t size)
{
	const char *end = s + n, *p = skip_cfws(s, end), *e = token_end(p, end);
	size_t k = (size_t)(e - p);

	if (k >= size)
		k = 0;
	memcpy(out, p, k);
	out[k] = '\0';
	str_lower(out);
}

/* ---- msg-ids (RFC 5322 §3.6.4) ---- */

static void msgid_lower_domain(char *s, size_t n)
{
	char *at = NULL;

	for (size_t i = 0; i < n; i++)
		if (s[i] == '@')
			at = s + i;
	if (at == NULL)
		return;
	for (char *p = at + 1; p < s + n; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
}

/* Appends the bracketed id p[0..n) without white space and comments;
 * -1 when nothing usable is left. */
static int msgid_emit(const char *p, size_t n, struct buf *out)
{
	const char *end = p + n, *q;

	buf_reset(out);
	buf_addch(out, '<');
	while ((p = skip_cfws(p, end)) < end) {
		for (q = p; q < end && !is_space(*q) && *q != '('; q++)
			if ((unsigned char)*q < 0x20 || *q == '<' || *q == '>' || *q == 0x7f)
				return -1;
		if (buf_add(out, p, (size_t)(q - p)) == -1)
			return -1; /* longer than any buffer it is given */
		p = q;
	}
	if (out->len == 1 || out->len > MAIL_MSGID_MAX || !str_utf8_valid(out->data, out->len))
		return -1;
	msgid_lower_domain(out->data + 1, out->len - 1);
	buf_addch(out, '>');
	return 0;
}

int rfc5322_msgid_next(const char **pos, const char *end, struct buf *out)
{
	const char *p = *pos, *q;

	while (p < end) {
		p = skip_cfws(p, end);
		if (p >= end)
			break;
		if (*p == ',') {
			p++;
		} else if (*p == '"') {
			/* "Your message of ..." in old In-Reply-To fields. */
			for (p++; p < end && *p != '"'; p++)
				if (*p == '\\' && p + 1 < end)
					p++;
			p += p < end;
		} else if (*p == '<') {
			for (q = ++p; q < end && *q != '>' && *q != '<'; q++)
				;
			if (msgid_emit(p, (size_t)(q - p), out) == 0) {
				*pos = q + (q < end && *q == '>');
				return 1;
			}
			p = q + (q < end && *q == '>');
		} else {
			for (q = p; q < end && !is_space(*q) && *q != '<' && *q != ',' &&
				    *q != '(' && *q != '"';
			     q++)
				;
			if (memchr(p, '@', (size_t)(q - p)) != NULL &&
			    msgid_emit(p, (size_t)(q - p), out) == 0) {
				*pos = q;
				return 1;
			}
			p = q;
		}
	}
	*pos = end;
	return 0;
}

char *mail_msgid_norm(const char *s, size_t len)
{
	const char *p = s;
	struct buf b;
	char *id = NULL;

	buf_init(&b, MAIL_MSGID_MAX + 2);
	if (rfc5322_msgid_next(&p, s + len, &b))
		id = buf_detach(&b, NULL);
	buf_release(&b);
	return id;
}

/* ---- the header fields ---- */

enum hdr_id {
	H_FROM,
	H_SENDER,
	H_REPLY_TO,
	H_TO,
	H_CC,
	H_BCC,
	H_DATE,
	H_SUBJECT,
	H_MESSAGE_ID,
	H_IN_REPLY_TO,
	H_REFERENCES,
	H_CONTENT_TYPE,
	H_CTE,
	H_AUTO_SUBMITTED,
	H_PRECEDENCE,
	H_LIST_ID,
	H_LIST_UNSUBSCRIBE,
	H_X_AUTOREPLY,
	H_X_AUTORESPOND,
	H_X_GM_THRID,
	H_COUNT,
	H_OTHER = H_COUNT,
};

#define HDR(s)                   \
	{                        \
		s, sizeof(s) - 1 \
	}
static const struct {
	const char *name;
	size_t len;
} hdr_names[H_COUNT] = {
	HDR("From"),
	HDR("Sender"),
	HDR("Reply-To"),
	HDR("To"),
	HDR("Cc"),
	HDR("Bcc"),
	HDR("Date"),
	HDR("Subject"),
	HDR("Message-ID"),
	HDR("In-Reply-To"),
	HDR("References"),
	HDR("Content-Type"),
	HDR("Content-Transfer-Encoding"),
	HDR("Auto-Submitted"),
	HDR("Precedence"),
	HDR("List-Id"),
	HDR("List-Unsubscribe"),
	HDR("X-Autoreply"),
	HDR("X-Autorespond"),
	HDR("X-GM-THRID"),
};

/* Lengths first: most fields of a header (Received, DKIM-Signature, X-*)
 * fail there. */
static enum hdr_id hdr_lookup(const char *name, size_t len)
{
	for (int i = 0; i < H_COUNT; i++)
		if (hdr_names[i].len == len && strncasecmp(name, hdr_names[i].name, len) == 0)
			return (enum hdr_id)i;
	return H_OTHER;
}

struct hdr_ctx {
	struct mail_msg *msg;
	struct rfc5322_addrctx ac;
	struct buf val, tmp;
	unsigned char seen[H_COUNT];
};

static void hdr_warn_value(struct hdr_ctx *hc, enum hdr_id id, const char *what, const char *p,
			   size_t n)
{
	char q[RFC5322_QUOTE_MAX + 4];

	rfc5322_quote(p, n, q, sizeof q);
	rfc5322_warn(hc->msg, "%s: %s '%s'", hdr_names[id].name, what, q);
}

static void hdr_subject(struct hdr_ctx *hc, const char *v, size_t n)
{
	buf_reset(&hc->tmp);
	if (rfc2047_decode(v, n, &hc->tmp) > 0)
		rfc5322_warn(hc->msg, "Subject: encoded word in an unknown charset");
	hc->tmp.len = rfc5322_clean(hc->tmp.data, hc->tmp.len);
	hc->msg->subject = xstrndup(hc->tmp.data, hc->tmp.len);
}

/* References: the root and the last MAIL_MAX_REFS - 1, via a ring. */
static void hdr_references(struct hdr_ctx *hc, const char *v, size_t n)
{
	struct mail_msg *msg = hc->msg;
	char *ring[MAIL_MAX_REFS - 1], *root = NULL;
	size_t nring = 0, head = 0, total = 0;
	const char *p = v;

	while (rfc5322_msgid_next(&p, v + n, &hc->tmp)) {
		char *id = xstrndup(hc->tmp.data, hc->tmp.len);

		if (total++ == 0) {
			root = id;
		} else if (nring < MAIL_MAX_REFS - 1) {
			ring[nring++] = id;
		} else {
			free(ring[head]);
			ring[head] = id;
			head = (head + 1) % (MAIL_MAX_REFS - 1);
		}
	}
	if (root == NULL) {
		if (n > 0)
			hdr_warn_value(hc, H_REFERENCES, "no msg-id in", v, n);
		return;
	}
	msg->references = xreallocarray(NULL, nring + 1, sizeof *msg->references);
	msg->references[0] = root;
	for (size_t i = 0; i < nring; i++)
		msg->references[i + 1] = ring[(head + i) % (MAIL_MAX_REFS - 1)];
	msg->nreferences = nring + 1;
}

static void hdr_content_type(struct hdr_ctx *hc, const char *v, size_t n)
{
	struct mail_msg *msg = hc->msg;
	struct rfc5322_ctype ct;

	if (rfc5322_ctype_parse(v, n, &ct) == -1) {
		hdr_warn_value(hc, H_CONTENT_TYPE, "no type/subtype in", v, n);
		return;
	}
	msg->content_type = text_dup(ct.type, strlen(ct.type), &hc->tmp);
	if (ct.charset[0] != '\0')
		msg->charset = text_dup(ct.charset, strlen(ct.charset), &hc->tmp);
	if (ct.boundary[0] != '\0')
		msg->boundary = xstrdup(ct.boundary); /* bytes as written: the body has them */
	msg->autos.is_report = strcmp(ct.type, "multipart/report") == 0;
	if (strcmp(ct.type, "text/calendar") == 0)
		msg->autos.has_calendar = 1;
}

/* SPEC §5.5 signals: the value is the evidence shown to the user, so an
 * empty field (List-Id: with nothing after it) is no signal. */
static void hdr_auto(struct hdr_ctx *hc, enum hdr_id id, const char *v, size_t n)
{
	struct mail_auto *a = &hc->msg->autos;
	char tok[16];

	if (n == 0)
		return;
	rfc5322_token_lower(v, n, tok, sizeof tok);
	switch (id) {
	case H_AUTO_SUBMITTED:
		if (strcmp(tok, "no") != 0)
			a->auto_submitted = text_dup(v, n, &hc->tmp);
		break;
	case H_PRECEDENCE:
		if (strcmp(tok, "bulk") == 0 || strcmp(tok, "junk") == 0 ||
		    strcmp(tok, "list") == 0)
			a->precedence = text_dup(v, n, &hc->tmp);
		break;
	case H_LIST_ID:
		a->list_id = text_dup(v, n, &hc->tmp);
		break;
	case H_LIST_UNSUBSCRIBE:
		a->list_unsubscribe = text_dup(v, n, &hc->tmp);
		break;
	case H_X_AUTOREPLY:
	case H_X_AUTORESPOND:
		if (a->x_autoreply == NULL)
			a->x_autoreply = text_dup(v, n, &hc->tmp);
		break;
	default:
		break;
	}
}

static struct mail_addrs *hdr_list(struct mail_msg *msg, enum hdr_id id)
{
	switch (id) {
	case H_SENDER:
		return &msg->sender;
	case H_REPLY_TO:
		return &msg->reply_to;
	case H_TO:
		return &msg->to;
	case H_CC:
		return &msg->cc;
	case H_BCC:
		return &msg->bcc;
	default:
		return &msg->from;
	}
}

static void hdr_apply(struct hdr_ctx *hc, enum hdr_id id, const char *v, size_t n)
{
	struct mail_msg *msg = hc->msg;
	const char *p = v;
	char tok[RFC5322_TYPE_MAX];
	int64_t t;

	switch (id) {
	case H_FROM:
	case H_SENDER:
	case H_REPLY_TO:
	case H_TO:
	case H_CC:
	case H_BCC:
		rfc5322_addrlist_parse(&hc->ac, hdr_names[id].name, v, n, hdr_list(msg, id));
		break;
	case H_DATE:
		if (mail_parse_date(v, n, &t) == 0) {
			msg->date = t;
			msg->has_date = 1;
		} else {
			hdr_warn_value(hc, id, "unparsable", v, n);
		}
		break;
	case H_SUBJECT:
		hdr_subject(hc, v, n);
		break;
	case H_MESSAGE_ID:
	case H_IN_REPLY_TO:
		if (rfc5322_msgid_next(&p, v + n, &hc->tmp)) {
			char *id_s = xstrndup(hc->tmp.data, hc->tmp.len);

			if (id == H_MESSAGE_ID)
				msg->message_id = id_s;
			else
				msg->in_reply_to = id_s;
		} else if (n > 0) {
			hdr_warn_value(hc, id, "no msg-id in", v, n);
		}
		break;
	case H_REFERENCES:
		hdr_references(hc, v, n);
		break;
	case H_CONTENT_TYPE:
		hdr_content_type(hc, v, n);
		break;
	case H_CTE:
		rfc5322_token_lower(v, n, tok, sizeof tok);
		if (tok[0] != '\0')
			msg->transfer_encoding = xstrdup(tok);
		break;
	case H_X_GM_THRID:
		if (n > 0)
			msg->gm_thrid = text_dup(v, n, &hc->tmp);
		break;
	default:
		hdr_auto(hc, id, v, n);
		break;
	}
}

static int has_usable_from(const struct mail_msg *msg)
{
	for (size_t i = 0; i < msg->from.n; i++)
		if (msg->from.v[i].key != NULL)
			return 1;
	return 0;
}

int mail_parse_header(const char *raw, size_t len, int plus_addressing, struct mail_msg *msg,
		      struct err *err)
{
	struct rfc5322_iter it;
	struct rfc5322_field f;
	struct hdr_ctx hc;
	/* Looking one line break past the limit is enough to tell. */
	size_t hlen =
		rfc5322_header_len(raw, len < MAIL_HEADER_SCAN ? len : MAIL_HEADER_SCAN, NULL);
	int rc = -1;

	memset(msg, 0, sizeof *msg);
	memset(&hc, 0, sizeof hc);
	hc.msg = msg;
	rfc5322_addrctx_init(&hc.ac, msg, plus_addressing);
	buf_init(&hc.val, MAIL_MAX_HEADER);
	buf_init(&hc.tmp, RFC2047_OUT_MAX);
	if (hlen > MAIL_MAX_HEADER) {
		err_set(err, ERR_DATA, "header block longer than %d bytes", MAIL_MAX_HEADER);
		goto out;
	}
	/* No unfolded value is longer than the block: size the buffer once. */
	buf_add(&hc.val, raw, hlen);
	buf_reset(&hc.val);
	rfc5322_iter_init(&it, raw, hlen);
	while (rfc5322_iter_next(&it, &f)) {
		enum hdr_id id = hdr_lookup(f.name, f.name_len);

		if (id == H_OTHER)
			continue;
		if (hc.seen[id] && id != H_TO && id != H_CC && id != H_BCC)
			continue;
		hc.seen[id] = 1;
		rfc5322_unfold(f.value, f.value_len, &hc.val);
		hdr_apply(&hc, id, hc.val.data, hc.val.len);
	}
	if (it.skipped > 0)
		rfc5322_warn(msg, "header: %d line(s) before the first field skipped", it.skipped);
	if (it.joined > 0)
		rfc5322_warn(msg, "header: %d line(s) without a colon read as folded", it.joined);
	if (!has_usable_from(msg) && msg->message_id == NULL) {
		err_set(err, ERR_DATA, "no usable From address and no Message-ID");
		goto out;
	}
	rc = 0;
out:
	rfc5322_addrctx_release(&hc.ac);
	buf_release(&hc.val);
	buf_release(&hc.tmp);
	if (rc == -1)
		mail_msg_release(msg);
	return rc;
}

static void addrs_release(struct mail_addrs *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].name);
		free(a->v[i].address);
		free(a->v[i].key);
	}
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

void mail_msg_release(struct mail_msg *msg)
{
	if (msg == NULL)
		return;
	addrs_release(&msg->from);
	addrs_release(&msg->sender);
	addrs_release(&msg->reply_to);
	addrs_release(&msg->to);
	addrs_release(&msg->cc);
	addrs_release(&msg->bcc);
	free(msg->subject);
	free(msg->message_id);
	free(msg->in_reply_to);
	for (size_t i = 0; i < msg->nreferences; i++)
		free(msg->references[i]);
	free(msg->references);
	free(msg->content_type);
	free(msg->charset);
	free(msg->boundary);
	free(msg->transfer_encoding);
	free(msg->autos.auto_submitted);
	free(msg->autos.precedence);
	free(msg->autos.list_id);
	free(msg->autos.list_unsubscribe);
	free(msg->autos.x_autoreply);
	free(msg->gm_thrid);
	for (size_t i = 0; i < msg->nwarnings; i++)
		free(msg->warnings[i]);
	free(msg->warnings);
	memset(msg, 0, sizeof *msg);
}

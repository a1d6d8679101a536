/* parsers/snippet.c - the first text part of a body as a short plain text.
 *
 * The body is walked as a MIME tree (RFC 2046 §5.1): each multipart is cut
 * at its boundary lines, each part's header read with the same field
 * iterator as the message header, nested multiparts walked in turn. The
 * first text/plain part that is not an attachment wins, else the first
 * text/html one; a text/calendar part anywhere sets has_calendar. The
 * chosen part is then decoded (quoted-printable, base64), converted to
 * UTF-8, stripped of HTML, its white space collapsed and cut.
 *
 * The body may stop anywhere (the connector fetches a bounded prefix), so
 * every step accepts a cut: a missing closing boundary ends the part at the
 * end of the input, a cut base64 quantum gives the bytes it holds, a cut
 * "=4" or multibyte character is dropped. A multipart whose boundary never
 * appears is read as plain text, as mail clients do.
 */
#include "parsers/mail.h"
#include "parsers/mail_internal.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/xalloc.h"

#include <string.h>
#include <strings.h>

#define SNIP_MAX_DEPTH 8
#define SNIP_MAX_PARTS 256
#define SNIP_BUF_MAX   (64 * 1024 * 1024)

struct snip_part {
	const char *p; /* borrowed: the part's encoded body */
	size_t n;
	char cte[24];
	char charset[RFC5322_TYPE_MAX];
	int set;
};

struct snip_ctx {
	struct mail_msg *msg;
	struct snip_part plain, html;
	int nparts;
	struct buf val; /* unfolded part header values */
};

/* What a part header says about the part. */
struct snip_entity {
	struct rfc5322_ctype ct;
	char cte[24];
	int attachment;
};

static void snip_entity(struct snip_ctx *sc, const struct snip_entity *e, const char *body,
			size_t n, int depth);

/* Takes the part unless one was taken; an empty part (a blank text/plain
 * beside an attachment) is passed over, as it would give no snippet. */
static void snip_take(struct snip_part *sp, const struct snip_entity *e, const char *body, size_t n)
{
	size_t i = 0;

	while (i < n && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
		i++;
	if (sp->set || i == n)
		return;
	sp->set = 1;
	sp->p = body;
	sp->n = n;
	memcpy(sp->cte, e->cte, sizeof sp->cte);
	memcpy(sp->charset, e->ct.charset, sizeof sp->charset);
}

/* A part: its header (defaults per RFC 2045 §5.2 / RFC 2046 §5.1.5), then
 * its body. */
static void snip_part(struct snip_ctx *sc, const char *p, size_t n, int digest, int depth)
{
	struct snip_entity e;
	struct rfc5322_iter it;
	struct rfc5322_field f;
	size_t body, hlen = rfc5322_header_len(p, n, &body);
	int seen_ct = 0, seen_cte = 0, seen_cd = 0;
	char disp[16];

	memset(&e, 0, sizeof e);
	rfc5322_iter_init(&it, p, hlen);
	while (rfc5322_iter_next(&it, &f)) {
		if (f.name_len == 12 && strncasecmp(f.name, "Content-Type", 12) == 0 &&
		    !seen_ct++) {
			rfc5322_unfold(f.value, f.value_len, &sc->val);
			rfc5322_ctype_parse(sc->val.data, sc->val.len, &e.ct);
		} else if (f.name_len == 25 &&
			   strncasecmp(f.name, "Content-Transfer-Encoding", 25) == 0 &&
			   !seen_cte++) {
			rfc5322_token_lower(f.value, f.value_len, e.cte, sizeof e.cte);
		} else if (f.name_len == 19 &&
			   strncasecmp(f.name, "Content-Disposition", 19) == 0 && !seen_cd++) {
			rfc5322_token_lower(f.value, f.value_len, disp, sizeof disp);
			e.attachment = strcmp(disp, "attachment") == 0;
		}
	}
	if (e.ct.type[0] == '\0')
		memcpy(e.ct.type, digest ? "message/rfc822" : "text/plain", digest ? 15 : 11);
	snip_entity(sc, &e, p + body, n - body, depth);
}

/* RFC 2046 §5.1.1: "--" boundary, then "--" for the last one, then only
 * white space (so "--abc-1" is not a delimiter of boundary "abc"). Returns
 * 1 for a delimiter, 2 for the closing one, 0 otherwise. */
static int snip_delim(const char *line, const char *cend, const char *b, size_t blen)
{
	const char *r = line + 2 + blen;
	int kind = 1;

	if ((size_t)(cend - line) < 2 + blen || line[0] != '-' || line[1] != '-' ||
	    memcmp(line + 2, b, blen) != 0)
		return 0;
	if (cend - r >= 2 && r[0] == '-' && r[1] == '-') {
		r += 2;
		kind = 2;
	}
	for (; r < cend; r++)
		if (*r != ' ' && *r != '\t')
			return 0;
	return kind;
}

static void snip_multipart(struct snip_ctx *sc, const struct snip_entity *e, const char *body,
			   size_t n, int depth)
{
	const char *p = body, *end = body + n, *start = NULL, *nl, *cend, *pe;
	size_t blen = strlen(e->ct.boundary);
	int digest = strcmp(e->ct.type, "multipart/digest") == 0, found = 0, kind;

	while (p < end && sc->nparts < SNIP_MAX_PARTS) {
		nl = memchr(p, '\n', (size_t)(end - p));
		cend = nl != NULL ? nl : end;
		if (cend > p && cend[-1] == '\r')
			cend--;
		if (blen > 0 && (kind = snip_delim(p, cend, e->ct.boundary, blen)) > 0) {
			found = 1;
			if (start != NULL) {
				/* The line break before a delimiter belongs to it. */
				pe = p;
				if (pe > start && pe[-1] == '\n')
					pe--;
				if (pe > start && pe[-1] == '\r')
					pe--;
				sc->nparts++;
				snip_part(sc, start, (size_t)(pe - start), digest, depth + 1);
			}
			start = NULL;
			if (kind == 2)
				return;
			start = nl != NULL ? nl + 1 : end;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	if (start != NULL) {
		sc->nparts++;
		snip_part(sc, start, (size_t)(end - start), digest, depth + 1);
	} else if (!found) {
		struct snip_entity plain;

		plain = *e;
		memcpy(plain.ct.type, "text/plain", 11);
		snip_take(&sc->plain, &plain, body, n);
	}
}

static void snip_entity(struct snip_ctx *sc, const struct snip_entity *e, const char *body,
			size_t n, int depth)
{
	if (strcmp(e->ct.type, "text/calendar") == 0)
		sc->msg->autos.has_calendar = 1;
	else if (strncmp(e->ct.type, "multipart/", 10) == 0 && depth < SNIP_MAX_DEPTH)
		snip_multipart(sc, e, body, n, depth);
	else if (e->attachment)
		return;
	else if (strcmp(e->ct.type, "text/plain") == 0)
		snip_take(&sc->plain, e, body, n);
	else if (strcmp(e->ct.type, "text/html") == 0)
		snip_take(&sc->html, e, body, n);
}

/* ---- transfer decoding ---- */

static int hexv(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 2045 §6.7: "=XX" bytes and "=" soft line breaks (with white space
 * allowed before the break); a stray "=" is kept, a cut one dropped. */
static void qp_decode(const char *s, size_t n, struct buf *out)
{
	size_t run = 0, i = 0;

	while (i < n) {
		const char *q = memchr(s + i, '=', n - i);
		size_t j;
		int hi, lo;

		if (q == NULL)
			break;
		i = (size_t)(q - s);
		buf_add(out, s + run, i - run);
		if (i + 2 < n && (hi = hexv((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexv((unsigned char)s[i + 2])) >= 0) {
			buf_addch(out, (char)(hi << 4 | lo));
			i += 3;
		} else {
			for (j = i + 1; j < n && (s[j] == ' ' || s[j] == '\t'); j++)
				;
			if (j < n && s[j] == '\r')
				j++;
			if (j < n && s[j] == '\n')
				i = j + 1; /* soft line break */
			else if (j >= n)
				i = n; /* cut in the middle of "=XX" */
			else
				buf_addch(out, s[i++]);
		}
		run = i;
	}
	buf_add(out, s + run, n - run);
}

/* ---- HTML to text ---- */

static const struct {
	const char *name;
	uint32_t cp;
} entities[] = {
	{"amp", '&'},	   {"lt", '<'},	      {"gt", '>'},	 {"quot", '"'},
	{"apos", '\''},	   {"nbsp", ' '},     {"copy", 0xa9},	 {"reg", 0xae},
	{"trade", 0x2122}, {"mdash", 0x2014}, {"ndash", 0x2013}, {"hellip", 0x2026},
	{"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201c}, {"rdquo", 0x201d},
	{"euro", 0x20ac},  {"bull", 0x2022},  {"middot", 0xb7},	 {"laquo", 0xab},
	{"raquo", 0xbb},   {"zwnj", 0x200c},  {"zwj", 0x200d},	 {"shy", 0xad},
	{"eacute", 0xe9},  {"egrave", 0xe8},  {"agrave", 0xe0},	 {"auml", 0xe4},
	{"ouml", 0xf6},	   {"uuml", 0xfc},    {"szlig", 0xdf},	 {"ccedil", 0xe7},
};

/* windows-1252 names for &#128;-&#159;, as browsers read them. */
static const uint16_t c1_html[32] = {
	0x20ac, 0x81,	0x201a, 0x192,	0x201e, 0x2026, 0x2020, 0x2021, 0x2c6,	0x2030, 0x160,
	0x2039, 0x152,	0x8d,	0x17d,	0x8f,	0x90,	0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
	0x2013, 0x2014, 0x2dc,	0x2122, 0x161,	0x203a, 0x153,	0x9d,	0x17e,	0x178,
};

/* An entity at s[0] == '&': appends it and returns its length, or 0. */
static size_t html_entity(const char *s, size_t n, struct buf *out)
{
	size_t i = 1;
	uint32_t cp = 0;

	if (i < n && s[i] == '#') {
		int hex = ++i < n && (s[i] == 'x' || s[i] == 'X'), digits = 0, v;

		i += (size_t)hex;
		for (; i < n && digits < 8; i++, digits++) {
			if (hex ? (v = hexv((unsigned char)s[i])) < 0 :
				  (s[i] < '0' || s[i] > '9' ? (v = -1) : (v = s[i] - '0')) < 0)
				break;
			cp = cp * (hex ? 16 : 10) + (uint32_t)v;
		}
		if (digits == 0)
			return 0;
		if (i < n && s[i] == ';')
			i++;
		if (cp >= 0x80 && cp < 0xa0)
			cp = c1_html[cp - 0x80];
		rfc2047_put_utf8(out, cp == 0 ? 0xfffd : cp);
		return i;
	}
	for (size_t k = 0; k < sizeof entities / sizeof entities[0]; k++) {
		size_t l = strlen(entities[k].name);

		if (l + 2 <= n && memcmp(s + 1, entities[k].name, l) == 0 && s[l + 1] == ';') {
			rfc2047_put_utf8(out, entities[k].cp);
			return l + 2;
		}
	}
	return 0;
}

/* Elements that end a line of text: they become a space. */
static int html_block(const char *name)
{
	static const char *const blocks[] = {
		"br",	"p",	      "div",	 "tr",	   "td",     "th", "li",   "ul",
		"ol",	"table",      "h1",	 "h2",	   "h3",     "h4", "h5",   "h6",
		"hr",	"blockquote", "pre",	 "title",  "dt",     "dd", "body", "html",
		"head", "section",    "article", "header", "footer",
	};

	for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
		if (strcmp(name, blocks[i]) == 0)
			return 1;
	return 0;
}

/* The end of a tag starting at s[i] == '<' (after its '>'), quotes in
 * attributes honoured; n when it is cut. */
static size_t html_tag_end(const char *s, size_t i, size_t n)
{
	char q = 0;

	for (i++; i < n; i++) {
		if (q != 0) {
			if (s[i] == q)
				q = 0;
		} else if (s[i] == '"' || s[i] == '\'') {
			q = s[i];
		} else if (s[i] == '>') {
			return i + 1;
		}
	}
	return n;
}

/* Position after "</name ...>" from i, case-insensitively; n if none. */
static size_t html_skip_to_close(const char *s, size_t i, size_t n, const char *name)
{
	size_t l = strlen(name);

	for (; i + 2 + l <= n; i++)
		if (s[i] == '<' && s[i + 1] == '/' && strncasecmp(s + i + 2, name, l) == 0)
			return html_tag_end(s, i, n);
	return n;
}

static void html_to_text(const char *s, size_t n, struct buf *out)
{
	size_t i = 0, run = 0, k;

	while (i < n) {
		if (s[i] == '&') {
			buf_add(out, s + run, i - run);
			if ((k = html_entity(s + i, n - i, out)) > 0)
				i += k;
			else
				buf_addch(out, s[i++]);
			run = i;
			continue;
		}
		if (s[i] != '<') {
			i++;
			continue;
		}
		buf_add(out, s + run, i - run);
		if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
			for (i += 4; i + 3 <= n && memcmp(s + i, "-->", 3) != 0; i++)
				;
			i = i + 3 <= n ? i + 3 : n;
		} else {
			char name[16];
			size_t j = i + 1, l = 0;
			int closing = j < n && s[j] == '/';

			j += (size_t)closing;
			for (; j < n && l < sizeof name - 1 &&
			       (((s[j] | 0x20) >= 'a' && (s[j] | 0x20) <= 'z') ||
				(s[j] >= '0' && s[j] <= '9'));
			     j++)
				name[l++] = (char)(s[j] | 0x20);
			name[l] = '\0';
			if (l == 0 && !(j < n && (s[j] == '!' || s[j] == '?'))) {
				buf_addch(out, s[i++]); /* "a < b" */
				run = i;
				continue;
			}
			i = html_tag_end(s, i, n);
			if (!closing && (strcmp(name, "script") == 0 ||
					 strcmp(name, "style") == 0 || strcmp(name, "title") == 0))
				i = html_skip_to_close(s, i, n, name);
			if (html_block(name))
				buf_addch(out, ' ');
		}
		run = i;
	}
	buf_add(out, s + run, n - run);
}

/* ---- white space and the cut ---- */

/* Code points that are white space, or invisible, for a snippet. */
static int snip_space(uint32_t cp)
{
	return cp <= 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0xa0 ||
	       cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
	       cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

static int snip_invisible(uint32_t cp)
{
	return cp == 0xad || cp == 0x34f || (cp >= 0x200b && cp <= 0x200f) || cp == 0x2060 ||
	       cp == 0xfeff;
}

/* s is valid UTF-8. */
static char *snip_finish(const char *s, size_t n, size_t max_chars)
{
	struct buf out;
	size_t i = 0, chars = 0;
	int space = 0;

	buf_init(&out, max_chars * 4 + 1);
	while (i < n && chars < max_chars) {
		unsigned char c = (unsigned char)s[i];
		size_t k = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		uint32_t cp = c;

		if (k > n - i)
			break;
		if (k > 1) {
			cp = c & (0x3f >> (k - 1));
			for (size_t j = 1; j < k; j++)
				cp = cp << 6 | ((unsigned char)s[i + j] & 0x3f);
		}
		if (snip_space(cp)) {
			space = out.len > 0;
		} else if (!snip_invisible(cp)) {
			if (space) {
				if (chars + 2 > max_chars)
					break;
				buf_addch(&out, ' ');
				chars++;
			}
			space = 0;
			buf_add(&out, s + i, k);
			chars++;
		}
		i += k;
	}
	return buf_detach(&out, NULL);
}

static char *snip_render(const struct snip_part *sp, int html, size_t max_chars)
{
	struct buf raw, utf, text;
	const char *p = sp->p;
	size_t n = sp->n;
	char *res;

	buf_init(&raw, SNIP_BUF_MAX);
	buf_init(&utf, SNIP_BUF_MAX);
	buf_init(&text, SNIP_BUF_MAX);
	if (strcmp(sp->cte, "base64") == 0) {
		rfc2047_base64(p, n, &raw, 0);
		p = raw.data, n = raw.len;
	} else if (strcmp(sp->cte, "quoted-printable") == 0) {
		qp_decode(p, n, &raw);
		p = raw.data, n = raw.len;
	}
	rfc2047_to_utf8(sp->charset, p, n, &utf, 1);
	if (html) {
		html_to_text(utf.data, utf.len, &text);
		res = snip_finish(text.data, text.len, max_chars);
	} else {
		res = snip_finish(utf.data, utf.len, max_chars);
	}
	buf_release(&raw);
	buf_release(&utf);
	buf_release(&text);
	return res;
}

static void snip_top(struct snip_entity *e, const struct mail_msg *msg)
{
	memset(e, 0, sizeof *e);
	str_copy(e->ct.type, msg->content_type != NULL ? msg->content_type : "text/plain",
		 sizeof e->ct.type);
	if (msg->charset != NULL)
		str_copy(e->ct.charset, msg->charset, sizeof e->ct.charset);
	if (msg->boundary != NULL)
		str_copy(e->ct.boundary, msg->boundary, sizeof e->ct.boundary);
	if (msg->transfer_encoding != NULL)
		str_copy(e->cte, msg->transfer_encoding, sizeof e->cte);
}

char *mail_snippet(struct mail_msg *msg, const char *body, size_t len, size_t max_chars)
{
	struct snip_ctx sc;
	struct snip_entity top;
	char *res;

	if (max_chars > MAIL_MAX_SNIPPET)
		max_chars = MAIL_MAX_SNIPPET;
	if (len > MAIL_MAX_SNIPPET_BODY)
		len = MAIL_MAX_SNIPPET_BODY; /* read as a body cut there */
	memset(&sc, 0, sizeof sc);
	sc.msg = msg;
	buf_init(&sc.val, MAIL_MAX_HEADER);
	snip_top(&top, msg);
	snip_entity(&sc, &top, body != NULL ? body : "", body != NULL ? len : 0, 0);
	if (max_chars == 0)
		res = xstrdup("");
	else if (sc.plain.set)
		res = snip_render(&sc.plain, 0, max_chars);
	else if (sc.html.set)
		res = snip_render(&sc.html, 1, max_chars);
	else
		res = xstrdup("");
	buf_release(&sc.val);
	return res;
}

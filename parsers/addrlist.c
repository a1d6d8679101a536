/* parsers/addrlist.c - address lists (RFC 5322 §3.4, obsolete §4.4).
 *
 * The value is cut into tokens once (atoms, quoted strings, comments,
 * domain literals, specials; an RFC 2047 encoded word is one atom even when
 * it holds specials), then into elements at top-level commas and
 * semicolons. A "phrase:" opens a group: its name is dropped and its
 * members are read like any other element. An element is either
 * `phrase <addr-spec>` (an obsolete route "@a,@b:" inside the brackets is
 * dropped) or a bare addr-spec, possibly with a "(comment)" that old
 * software used as the name.
 *
 * Real mail breaks all of this, so the reading is forgiving: text after
 * the closing bracket (Exchange's `"Name" <a@x>@ENRON`) is ignored, two
 * bare addresses without a comma are two addresses, a display name without
 * brackets ("Jane Doe jane@x") is still a name. What cannot give an
 * address at all ("Name (E-mail)", "<>") is a warning, never an error.
 */
#include "parsers/addr.h"
#include "parsers/mail.h"
#include "parsers/mail_internal.h"
#include "core/err.h"
#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

enum {
	TK_ATOM,
	TK_QSTR,
	TK_COMMENT,
	TK_DLIT,
	TK_SPECIAL,
};

struct rfc5322_tok {
	const char *p; /* content: without the quotes or parentheses */
	size_t len;
	const char *rs, *re; /* as written, delimiters included */
	char type;
	char ch; /* the special character */
	char sp; /* white space before it */
};

void rfc5322_addrctx_init(struct rfc5322_addrctx *ac, struct mail_msg *msg, int plus)
{
	memset(ac, 0, sizeof *ac);
	ac->msg = msg;
	ac->plus = plus;
	buf_init(&ac->tmp, RFC2047_OUT_MAX);
	buf_init(&ac->tmp2, RFC2047_OUT_MAX);
}

void rfc5322_addrctx_release(struct rfc5322_addrctx *ac)
{
	free(ac->tok);
	ac->tok = NULL;
	ac->ntok = ac->captok = 0;
	buf_release(&ac->tmp);
	buf_release(&ac->tmp2);
}

static int al_special(char c)
{
	return c == '<' || c == '>' || c == '@' || c == ',' || c == ';' || c == ':' || c == '.';
}

static int al_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Scans a quoted string, comment or domain literal from its opening
 * character at p, honouring backslashes (and nesting for comments); an
 * unclosed one runs to the end. Returns its end. */
static const char *al_delimited(const char *p, const char *end, int *closed)
{
	char open = *p, close = open == '"' ? '"' : open == '(' ? ')' : ']';
	int depth = 1;

	*closed = 0;
	for (p++; p < end; p++) {
		if (*p == '\\' && p + 1 < end && open != '[') {
			p++;
		} else if (*p == close && --depth == 0) {
			*closed = 1;
			return p + 1;
		} else if (open == '(' && *p == '(') {
			depth++;
		}
	}
	return end;
}

/* Length of the encoded word at p, or 0. *noword is where the last failed
 * scan said words may start again: a run of "=?x?Q?a." is scanned once,
 * not once per '=' (which made a 240 KB To: take 1.8 s). */
static size_t al_word(const char *p, const char *end, const char **noword)
{
	size_t wl, skip;

	if (*p != '=' || p < *noword)
		return 0;
	if ((wl = rfc2047_word_len(p, (size_t)(end - p), &skip)) == 0)
		*noword = p + skip;
	return wl;
}

static struct rfc5322_tok *al_push(struct rfc5322_addrctx *ac)
{
	if (ac->ntok == ac->captok) {
		ac->captok = ac->captok ? ac->captok * 2 : 64;
		ac->tok = xreallocarray(ac->tok, ac->captok, sizeof *ac->tok);
	}
	return &ac->tok[ac->ntok++];
}

static void al_tokenize(struct rfc5322_addrctx *ac, const char *s, size_t n)
{
	const char *p = s, *end = s + n, *q, *noword = s;
	struct rfc5322_tok *t;
	int sp = 0;
	size_t wl;

	ac->ntok = 0;
	while (p < end) {
		if (al_space(*p)) {
			sp = 1;
			p++;
			continue;
		}
		t = al_push(ac);
		t->sp = (char)sp;
		t->rs = p;
		t->ch = 0;
		sp = 0;
		if (*p == '"' || *p == '(' || *p == '[') {
			int closed;

			q = al_delimited(p, end, &closed);
			t->type = *p == '"' ? TK_QSTR : *p == '(' ? TK_COMMENT : TK_DLIT;
			t->p = t->type == TK_DLIT ? p : p + 1;
			t->len = (size_t)(q - t->p) - (t->type != TK_DLIT && closed);
			p = q;
		} else if (al_special(*p) || *p == ')' || *p == ']') {
			t->type = TK_SPECIAL;
			t->ch = *p;
			t->p = p++;
			t->len = 1;
		} else if ((wl = al_word(p, end, &noword)) > 0) {
			t->type = TK_ATOM;
			t->p = p;
			t->len = wl;
			p += wl;
		} else {
			for (q = p; q < end && !al_space(*q) && !al_special(*q) && *q != '"' &&
				    *q != '(' && *q != ')' && *q != '[' && *q != ']';
			     q++)
				;
			t->type = TK_ATOM;
			t->p = p;
			t->len = (size_t)(q - p);
			p = q;
		}
		t->re = p;
	}
}

static int tk_is(const struct rfc5322_tok *t, char c)
{
	return t->type == TK_SPECIAL && t->ch == c;
}

/* A display name: the phrase tokens joined as written (one space where
 * there was white space), quoted strings unescaped, comments dropped, then
 * encoded words decoded. Returns NULL when nothing is left. */
static char *al_phrase(struct rfc5322_addrctx *ac, const struct rfc5322_tok *t, size_t n)
{
	struct buf *b = &ac->tmp, *d = &ac->tmp2;
	int pending_sp = 0;

	buf_reset(b);
	for (size_t i = 0; i < n; i++) {
		if (t[i].sp)
			pending_sp = 1;
		if (t[i].type == TK_COMMENT) {
			pending_sp = 1;
			continue;
		}
		if (pending_sp && b->len > 0)
			buf_addch(b, ' ');
		pending_sp = 0;
		if (t[i].type == TK_QSTR) {
			size_t run = 0;

			for (size_t k = 0; k < t[i].len; k++) {
				if (t[i].p[k] != '\\' || k + 1 == t[i].len)
					continue;
				buf_add(b, t[i].p + run, k - run);
				run = ++k; /* the escaped byte starts the next run */
			}
			buf_add(b, t[i].p + run, t[i].len - run);
		} else {
			buf_add(b, t[i].p, t[i].len);
		}
	}
	buf_reset(d);
	if (rfc2047_decode(b->data, b->len, d) > 0)
		rfc5322_warn(ac->msg, "address: encoded word in an unknown charset");
	d->len = rfc5322_clean(d->data, d->len);
	return d->len > 0 ? xstrndup(d->data, d->len) : NULL;
}

/* The text of the first comment among t[0..n), as a name, or NULL. */
static char *al_comment_name(struct rfc5322_addrctx *ac, const struct rfc5322_tok *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].type == TK_COMMENT) {
			struct rfc5322_tok q = t[i];

			q.type = TK_QSTR;
			q.sp = 0;
			return al_phrase(ac, &q, 1);
		}
	return NULL;
}

/* An addr-spec from tokens: white space and comments dropped, quoted
 * local parts kept with their quotes. Into ac->tmp. */
static void al_spec(struct rfc5322_addrctx *ac, const struct rfc5322_tok *t, size_t n)
{
	struct buf *b = &ac->tmp;

	buf_reset(b);
	for (size_t i = 0; i < n; i++) {
		if (t[i].type == TK_COMMENT)
			continue;
		if (t[i].type == TK_QSTR)
			buf_add(b, t[i].rs, (size_t)(t[i].re - t[i].rs));
		else
			buf_add(b, t[i].p, t[i].len);
	}
}

static void al_warn(struct rfc5322_addrctx *ac, const char *field, const char *what,
		    const struct rfc5322_tok *t, size_t n)
{
	char q[RFC5322_QUOTE_MAX + 4];

	if (n == 0) {
		rfc5322_warn(ac->msg, "%s: %s", field, what);
		return;
	}
	rfc5322_quote(t[0].rs, (size_t)(t[n - 1].re - t[0].rs), q, sizeof q);
	rfc5322_warn(ac->msg, "%s: %s '%s'", field, what, q);
}

/* Adds the address now in ac->tmp with `name` (taken over). */
static void al_add(struct rfc5322_addrctx *ac, const char *field, char *name,
		   const struct rfc5322_tok *t, size_t n, struct mail_addrs *out)
{
	const char *s = ac->tmp.data, *at = NULL;
	struct mail_addr *a;
	struct err e;
	char q[RFC5322_QUOTE_MAX + 4];

	for (size_t i = 0; i < ac->tmp.len; i++)
		if (s[i] == '@')
			at = s + i;
	if (ac->tmp.len == 0 || at == NULL || at == s || at == s + ac->tmp.len - 1) {
		al_warn(ac, field, ac->tmp.len == 0 ? "empty address in" : "no address in", t, n);
		free(name);
		return;
	}
	if (ac->naddrs >= MAIL_MAX_ADDRS) {
		if (!ac->capped)
			rfc5322_warn(ac->msg, "%s: more than %d addresses, the rest ignored", field,
				     MAIL_MAX_ADDRS);
		ac->capped = 1;
		free(name);
		return;
	}
	ac->naddrs++;
	out->v = xreallocarray(out->v, out->n + 1, sizeof *out->v);
	a = &out->v[out->n++];
	a->name = name;
	buf_reset(&ac->tmp2);
	rfc2047_utf8_fix(ac->tmp.data, ac->tmp.len, &ac->tmp2, 0);
	a->address = xstrndup(ac->tmp2.data, ac->tmp2.len);
	err_init(&e);
	a->key = addr_canonical(a->address, ac->plus, &e);
	if (a->key == NULL) {
		rfc5322_quote(a->address, strlen(a->address), q, sizeof q);
		rfc5322_warn(ac->msg, "%s: unusable address '%s': %s", field, q, e.msg);
	}
}

/* `phrase <addr-spec> trailing`, lt and gt being the brackets' indexes
 * (gt == n when the bracket is not closed). */
static void al_angle(struct rfc5322_addrctx *ac, const char *field, const struct rfc5322_tok *t,
		     size_t n, size_t lt, size_t gt, struct mail_addrs *out)
{
	size_t a = lt + 1, trailing = 0;
	char *name;

	/* RFC 5322 §4.4 obs-route "@a,@b:" (and "mailto:") before the spec. */
	for (size_t i = lt + 1; i < gt; i++)
		if (tk_is(&t[i], ':'))
			a = i + 1;
	for (size_t i = gt + 1; i < n; i++)
		if (t[i].type != TK_COMMENT)
			trailing++;
	name = al_phrase(ac, t, lt);
	if (name == NULL && gt < n)
		name = al_comment_name(ac, t + gt + 1, n - gt - 1);
	if (trailing > 0)
		al_warn(ac, field, "text after the address ignored in", t, n);
	al_spec(ac, t + a, gt - a);
	al_add(ac, field, name, t, n, out);
}

/* Words of a bare element: white space splits, except next to '.' and '@'
 * (obsolete "jdoe@test . example"); comments are left out. */
static int al_glue(const struct rfc5322_tok *prev, const struct rfc5322_tok *t)
{
	return tk_is(prev, '.') || tk_is(prev, '@') || tk_is(t, '.') || tk_is(t, '@');
}

#define AL_MAX_WORDS 64

static void al_bare(struct rfc5322_addrctx *ac, const char *field, const struct rfc5322_tok *t,
		    size_t n, struct mail_addrs *out)
{
	size_t ws[AL_MAX_WORDS], we[AL_MAX_WORDS], nw = 0, naddr = 0, addr_w = 0, prev = 0;
	int has_at[AL_MAX_WORDS];
	char *name = NULL;

	for (size_t i = 0; i < n; i++) {
		if (t[i].type == TK_COMMENT)
			continue;
		if (nw == 0 || ((t[i].sp || i != prev + 1) && !al_glue(&t[prev], &t[i]))) {
			if (nw == AL_MAX_WORDS)
				break;
			ws[nw] = i;
			has_at[nw++] = 0;
		}
		we[nw - 1] = i + 1;
		has_at[nw - 1] |= tk_is(&t[i], '@');
		prev = i;
	}
	for (size_t w = 0; w < nw; w++)
		if (has_at[w])
			naddr++, addr_w = w;
	if (naddr == 0) {
		if (nw > 0)
			al_warn(ac, field, "no address in", t, n);
		return;
	}
	if (naddr > 1)
		al_warn(ac, field, "addresses without commas in", t, n);
	for (size_t w = 0; w < nw; w++) {
		if (!has_at[w])
			continue;
		if (naddr == 1) {
			/* The other words are the name ("Jane Doe jane@x"), else
			 * the old "jane@x (Jane Doe)" comment is. */
			if (addr_w > 0)
				name = al_phrase(ac, t + ws[0], we[addr_w - 1] - ws[0]);
			else if (nw > 1)
				name = al_phrase(ac, t + ws[1], we[nw - 1] - ws[1]);
			if (name == NULL)
				name = al_comment_name(ac, t, n);
		}
		al_spec(ac, t + ws[w], we[w] - ws[w]);
		al_add(ac, field, name, t + ws[w], we[w] - ws[w], out);
		name = NULL;
	}
}

static void al_element(struct rfc5322_addrctx *ac, const char *field, const struct rfc5322_tok *t,
		       size_t n, struct mail_addrs *out)
{
	size_t lt = n, gt = n;

	for (size_t i = 0; i < n; i++)
		if (tk_is(&t[i], '<')) {
			lt = i;
			break;
		}
	if (lt == n) {
		al_bare(ac, field, t, n, out);
		return;
	}
	for (size_t i = lt + 1; i < n; i++)
		if (tk_is(&t[i], '>')) {
			gt = i;
			break;
		}
	al_angle(ac, field, t, n, lt, gt, out);
}

void rfc5322_addrlist_parse(struct rfc5322_addrctx *ac, const char *field, const char *s, size_t n,
			    struct mail_addrs *out)
{
	struct rfc5322_tok *t;
	size_t start = 0, i;
	int angle = 0, saw_at = 0, bracket = 0;

	al_tokenize(ac, s, n);
	if (ac->ntok == 0)
		return;
	t = ac->tok;
	for (i = 0; i < ac->ntok; i++) {
		if (t[i].type != TK_SPECIAL)
			continue;
		switch (t[i].ch) {
		case '<':
			angle = bracket = 1;
			continue;
		case '>':
			angle = 0;
			continue;
		case '@':
			saw_at = 1;
			continue;
		case ':':
			/* "Group name:" opens a group; its name is not an address.
			 * `bracket` says whether a '<' came since `start`: kept as
			 * we go, since rescanning from `start` at every colon made
			 * "<>:<>:<>:..." quadratic (minutes for one header). */
			if (!angle && !saw_at && !bracket)
				start = i + 1;
			continue;
		case ',':
			/* Inside brackets only an obs-route "@a,@b:" has commas. */
			if (angle && i + 1 < ac->ntok && tk_is(&t[i + 1], '@'))
				continue;
			break;
		case ';':
			if (angle)
				continue;
			break;
		default:
			continue;
		}
		al_element(ac, field, t + start, i - start, out);
		start = i + 1;
		angle = saw_at = bracket = 0;
	}
	al_element(ac, field, t + start, ac->ntok - start, out);
}

/* parsers/rfc2047.c - charsets and RFC 2047 encoded words to UTF-8.
 *
 * Everything that leaves parsers/ is UTF-8, so every byte of text that came
 * in some other charset passes through here. UTF-8, US-ASCII, Latin-1 and
 * windows-1252 (most mail by far) are converted without iconv; anything
 * else goes to glibc iconv(3). Like every mail client, and like WHATWG's
 * encoding standard, we read ISO-8859-1 and US-ASCII as windows-1252: the
 * 0x80-0x9f range is never C1 controls in real mail, it is Outlook's curly
 * quotes. Conversion never fails: bad bytes become U+FFFD, an unknown
 * charset is read as UTF-8 where valid and windows-1252 elsewhere.
 */
#include "parsers/mail.h"
#include "parsers/mail_internal.h"
#include "core/buf.h"
#include "core/str.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

/* windows-1252 0x80-0x9f; the five holes map to the C1 code points, as in
 * WHATWG (so every byte has a meaning). */
static const uint16_t cp1252_c1[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
	0x2039, 0x0152, 0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
	0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

void rfc2047_put_utf8(struct buf *out, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_add(out, u, n);
}

static void put_cp1252(struct buf *out, unsigned char c)
{
	if (c < 0x80)
		buf_addch(out, (char)c);
	else if (c < 0xa0)
		rfc2047_put_utf8(out, cp1252_c1[c - 0x80]);
	else
		rfc2047_put_utf8(out, c);
}

/* Length of the well-formed UTF-8 sequence at s, or 0. *partial is set when
 * the bytes are a valid start cut short by the end of the input. */
static size_t utf8_seq(const unsigned char *s, size_t n, int *partial)
{
	unsigned c = s[0], cp, minv;
	size_t need;

	*partial = 0;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		need = 1, cp = c & 0x1f, minv = 0x80;
	else if ((c & 0xf0) == 0xe0)
		need = 2, cp = c & 0x0f, minv = 0x800;
	else if ((c & 0xf8) == 0xf0)
		need = 3, cp = c & 0x07, minv = 0x10000;
	else
		return 0;
	for (size_t k = 1; k <= need; k++) {
		if (k >= n) {
			*partial = 1;
			return 0;
		}
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if (cp < minv || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need + 1;
}

void rfc2047_utf8_fix(const char *in, size_t n, struct buf *out, int cut)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, run = 0, k;
	int partial;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_seq(s + i, n - i, &partial)) > 0) {
			i += k;
			continue;
		}
		buf_add(out, in + run, i - run);
		if (partial && cut)
			return;
		put_cp1252(out, s[i]);
		run = ++i;
	}
	buf_add(out, in + run, n - run);
}

static void cp1252_to_utf8(const char *in, size_t n, struct buf *out)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)in[i] < 0x80)
			continue;
		buf_add(out, in + run, i - run);
		put_cp1252(out, (unsigned char)in[i]);
		run = i + 1;
	}
	buf_add(out, in + run, n - run);
}

enum cs_kind {
	CS_UTF8,
	CS_CP1252,
	CS_ICONV,
	CS_UNKNOWN, /* not a name we give to iconv_open */
};

/* RFC 2978 §2.3: a charset name is at most 40 characters; registered ones
 * use letters, digits and "-_.:+" ("ANSI_X3.4-1968", "ISO_8859-1:1987").
 * Anything else (a "//TRANSLIT" or "//IGNORE" suffix, a path, a name cut
 * at our buffer) never reaches iconv_open: glibc parses such suffixes in
 * its gconv code, which has had bugs there (CVE-2014-5119), and no mailer
 * sends them. The part is then read as UTF-8 or windows-1252. */
#define RFC2047_CHARSET_MAX 40

static int cs_name_ok(const char *name)
{
	size_t n = 0;

	for (; name[n] != '\0'; n++) {
		char c = name[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == ':' || c == '+'))
			return 0;
	}
	return n > 0 && n <= RFC2047_CHARSET_MAX;
}

/* Labels that name UTF-8 or windows-1252 in practice, and aliases glibc
 * does not know or knows as a smaller charset than mailers mean. */
static const struct {
	const char *label;
	enum cs_kind kind;
	const char *iconv_name;
} cs_table[] = {
	{"utf-8", CS_UTF8, NULL},
	{"utf8", CS_UTF8, NULL},
	{"us-ascii", CS_UTF8, NULL},
	{"ascii", CS_UTF8, NULL},
	{"ansi_x3.4-1968", CS_UTF8, NULL},
	{"iso-8859-1", CS_CP1252, NULL},
	{"iso8859-1", CS_CP1252, NULL},
	{"iso_8859-1", CS_CP1252, NULL},
	{"latin1", CS_CP1252, NULL},
	{"latin-1", CS_CP1252, NULL},
	{"l1", CS_CP1252, NULL},
	{"windows-1252", CS_CP1252, NULL},
	{"cp1252", CS_CP1252, NULL},
	{"x-cp1252", CS_CP1252, NULL},
	{"unknown-8bit", CS_CP1252, NULL},
	{"x-unknown", CS_CP1252, NULL},
	{"gb2312", CS_ICONV, "GB18030"},
	{"gbk", CS_ICONV, "GB18030"},
	{"x-gbk", CS_ICONV, "GB18030"},
	{"euc-cn", CS_ICONV, "GB18030"},
	{"shift_jis", CS_ICONV, "CP932"},
	{"shift-jis", CS_ICONV, "CP932"},
	{"sjis", CS_ICONV, "CP932"},
	{"x-sjis", CS_ICONV, "CP932"},
	{"ms_kanji", CS_ICONV, "CP932"},
	{"windows-31j", CS_ICONV, "CP932"},
	{"euc-kr", CS_ICONV, "CP949"},
	{"ks_c_5601-1987", CS_ICONV, "CP949"},
	{"ks_c_5601", CS_ICONV, "CP949"},
	{"iso-8859-8-i", CS_ICONV, "ISO-8859-8"},
	{"unicode-1-1-utf-7", CS_ICONV, "UTF-7"},
	{"x-mac-roman", CS_ICONV, "MACINTOSH"},
	{"tis-620", CS_ICONV, "CP874"},
	{"windows-874", CS_ICONV, "CP874"},
};

/* Resolves a charset label: lower-cased, an RFC 2231 "*language" suffix
 * and quotes removed. The iconv name is written to name. */
static enum cs_kind cs_resolve(const char *cs, char *name, size_t size)
{
	size_t n = 0;

	while (*cs == ' ' || *cs == '"' || *cs == '\'')
		cs++;
	for (; *cs != '\0' && *cs != '*' && *cs != '"' && *cs != ' ' && n + 1 < size; cs++)
		name[n++] = (char)((*cs >= 'A' && *cs <= 'Z') ? *cs - 'A' + 'a' : *cs);
	name[n] = '\0';
	if (n == 0)
		return CS_UTF8;
	if (*cs != '\0' && *cs != '*' && *cs != '"' && *cs != ' ')
		return CS_UNKNOWN; /* longer than our buffer: not cut into another name */
	for (size_t i = 0; i < sizeof cs_table / sizeof cs_table[0]; i++) {
		if (strcmp(name, cs_table[i].label) != 0)
			continue;
		if (cs_table[i].iconv_name != NULL)
			str_copy(name, cs_table[i].iconv_name, size);
		return cs_table[i].kind;
	}
	return cs_name_ok(name) ? CS_ICONV : CS_UNKNOWN;
}

/* -1 when iconv does not know the charset (nothing appended). */
static int cs_iconv(const char *name, const char *in, size_t n, struct buf *out, int cut)
{
	char chunk[1024], *ip, *op;
	size_t ileft = n, oleft;
	iconv_t cd;

	cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1)
		return -1;
	/* iconv(3) takes char ** but does not write through it. */
	ip = (char *)(uintptr_t)in;
	while (ileft > 0) {
		size_t r;

		op = chunk;
		oleft = sizeof chunk;
		r = iconv(cd, &ip, &ileft, &op, &oleft);
		buf_add(out, chunk, (size_t)(op - chunk));
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		if (errno != EILSEQ) {
			/* EINVAL: a character cut short at the end */
			if (!cut)
				rfc2047_put_utf8(out, 0xfffd);
			break;
		}
		rfc2047_put_utf8(out, 0xfffd);
		ip++;
		ileft--;
	}
	op = chunk;
	oleft = sizeof chunk;
	iconv(cd, NULL, NULL, &op, &oleft);
	buf_add(out, chunk, (size_t)(op - chunk));
	iconv_close(cd);
	return 0;
}

int rfc2047_to_utf8(const char *charset, const char *in, size_t n, struct buf *out, int cut)
{
	char name[RFC5322_TYPE_MAX];

	switch (cs_resolve(charset != NULL ? charset : "", name, sizeof name)) {
	case CS_UTF8:
		rfc2047_utf8_fix(in, n, out, cut);
		return 0;
	case CS_CP1252:
		/* Mislabelled UTF-8 is far more common than Latin-1 text that
		 * happens to form valid multi-byte UTF-8 ("Ã©" and the like). */
		if (str_utf8_valid(in, n))
			buf_add(out, in, n);
		else
			cp1252_to_utf8(in, n, out);
		return 0;
	case CS_ICONV:
		if (cs_iconv(name, in, n, out, cut) == 0)
			return 0;
		break;
	case CS_UNKNOWN:
		break;
	}
	rfc2047_utf8_fix(in, n, out, cut);
	return -1;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int rfc2047_base64(const char *s, size_t n, struct buf *out, int strict)
{
	char chunk[768];
	size_t k = 0;
	uint32_t acc = 0;
	int bits = 0;

	for (size_t i = 0; i < n; i++) {
		int v = b64_value((unsigned char)s[i]);

		if (v < 0) {
			if (s[i] == '=')
				break;
			if (strict)
				return -1;
			continue;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			chunk[k++] = (char)((acc >> bits) & 0xff);
			if (k == sizeof chunk) {
				buf_add(out, chunk, k);
				k = 0;
			}
		}
	}
	buf_add(out, chunk, k);
	return 0;
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* RFC 2047 §4.2: "_" is a space, "=XX" a byte; a stray "=" is kept. */
static void q_decode(const char *s, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '_') {
			buf_addch(out, ' ');
		} else if (s[i] == '=' && i + 2 < n &&
			   (hi = hex_value((unsigned char)s[i + 1])) >= 0 &&
			   (lo = hex_value((unsigned char)s[i + 2])) >= 0) {
			buf_addch(out, (char)(hi << 4 | lo));
			i += 2;
		} else {
			buf_addch(out, s[i]);
		}
	}
}

struct ew {
	const char *cs, *text;
	size_t cslen, tlen;
	char enc;
};

static int is_wsp_crlf(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 2047 §2: "=?" charset "?" encoding "?" encoded-text "?=", with no
 * white space anywhere in it. Returns its length and fills *w, or 0 and
 * sets *skip to how many bytes from s on cannot start a word either (at
 * least 1): when the text runs into white space or the end without a
 * "?=", every "=?" before that point would too. Skipping them keeps a run
 * of "=?x?Q?a" linear; rescanning made a 280 KB Subject take 3 s. */
static size_t ew_scan(const char *s, size_t n, struct ew *w, size_t *skip)
{
	size_t i = 2;

	*skip = 1;
	if (n < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	while (i < n && s[i] != '?' && !is_wsp_crlf(s[i]))
		i++;
	if (i >= n || s[i] != '?' || i == 2)
		return 0;
	w->cs = s + 2;
	w->cslen = i - 2;
	if (i + 2 >= n || s[i + 2] != '?')
		return 0;
	w->enc = s[i + 1];
	if (w->enc != 'B' && w->enc != 'b' && w->enc != 'Q' && w->enc != 'q')
		return 0;
	i += 3;
	w->text = s + i;
	for (; i + 1 < n; i++) {
		if (s[i] == '?' && s[i + 1] == '=') {
			w->tlen = (size_t)(s + i - w->text);
			return i + 2;
		}
		if (is_wsp_crlf(s[i]))
			break;
	}
	*skip = i;
	return 0;
}

size_t rfc2047_word_len(const char *s, size_t n, size_t *skip)
{
	struct ew w;
	size_t sk;

	return ew_scan(s, n, &w, skip != NULL ? skip : &sk);
}

static int all_space(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

/* Decoded bytes of adjacent words in one charset, converted together so a
 * character split across two words (common in B words) survives. */
struct ew_pending {
	struct buf bytes;
	char cs[RFC5322_TYPE_MAX];
	int unknown;
};

static void pending_flush(struct ew_pending *pd, struct buf *out)
{
	if (pd->bytes.len > 0 &&
	    rfc2047_to_utf8(pd->cs, pd->bytes.data, pd->bytes.len, out, 0) == -1)
		pd->unknown++;
	buf_reset(&pd->bytes);
}

/* Text outside encoded words: UTF-8, or raw ISO-2022-JP (7-bit, so it
 * passes the UTF-8 check; recognised by its ESC), or windows-1252. */
static void literal_add(const char *s, size_t n, struct buf *out)
{
	if (n == 0)
		return;
	if (memchr(s, 0x1b, n) != NULL && cs_iconv("ISO-2022-JP", s, n, out, 0) == 0)
		return;
	rfc2047_utf8_fix(s, n, out, 0);
}

static int ew_decode(const struct ew *w, struct ew_pending *pd, struct buf *out)
{
	size_t cslen = w->cslen < sizeof pd->cs - 1 ? w->cslen : sizeof pd->cs - 1;
	size_t mark;

	if (strlen(pd->cs) != cslen || strncasecmp(pd->cs, w->cs, cslen) != 0) {
		pending_flush(pd, out);
		memcpy(pd->cs, w->cs, cslen);
		pd->cs[cslen] = '\0';
	}
	mark = pd->bytes.len;
	if (w->enc == 'Q' || w->enc == 'q') {
		q_decode(w->text, w->tlen, &pd->bytes);
	} else if (rfc2047_base64(w->text, w->tlen, &pd->bytes, 1) == -1) {
		pd->bytes.len = mark;
		if (pd->bytes.cap > 0)
			pd->bytes.data[mark] = '\0';
		return -1;
	}
	return 0;
}

int rfc2047_decode(const char *s, size_t n, struct buf *out)
{
	struct ew_pending pd;
	size_t lit = 0, i = 0, wl, skip;
	int after_word = 0;
	struct ew w;
	const char *q;

	buf_init(&pd.bytes, RFC2047_OUT_MAX);
	pd.cs[0] = '\0';
	pd.unknown = 0;
	while (i + 1 < n && (q = memchr(s + i, '=', n - i - 1)) != NULL) {
		i = (size_t)(q - s);
		if (s[i + 1] != '?') {
			i++;
			continue;
		}
		if ((wl = ew_scan(s + i, n - i, &w, &skip)) == 0) {
			i += skip;
			continue;
		}
		/* RFC 2047 §6.2: white space between adjacent words is dropped. */
		if (!(after_word && all_space(s + lit, i - lit))) {
			pending_flush(&pd, out);
			literal_add(s + lit, i - lit, out);
		}
		after_word = 1;
		if (ew_decode(&w, &pd, out) == -1) {
			/* Malformed: the word stays as it was written. */
			pending_flush(&pd, out);
			literal_add(s + i, wl, out);
			after_word = 0;
		}
		i += wl;
		lit = i;
	}
	pending_flush(&pd, out);
	literal_add(s + lit, n - lit, out);
	buf_release(&pd.bytes);
	return pd.unknown;
}

char *mail_decode_words(const char *s, size_t len)
{
	struct buf b;

	buf_init(&b, RFC2047_OUT_MAX);
	rfc2047_decode(s, len, &b);
	return buf_detach(&b, NULL);
}

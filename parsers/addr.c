/* parsers/addr.c - email address canonicalisation (see addr.h).
 *
 * The key is built from the address split at its last '@' (a quoted local
 * part may itself hold '@'):
 *
 *   local part  ASCII letters lower-cased, other bytes (RFC 6532 UTF-8)
 *               kept; "+tag" cut when plus addressing is on; dots dropped
 *               for Gmail. A quoted local part whose content is a plain
 *               dot-atom loses its quotes (RFC 5321 §4.1.2: "a"@x is a@x);
 *               any other quoted local part is kept as written, lower-cased,
 *               with no tag or dot rules applied.
 *   domain      ASCII domains are lower-cased and checked here (letters,
 *               digits, '-', non-empty labels of at most 63 bytes) without
 *               calling libidn2, which is the common case by far. Others go
 *               through IDNA 2008 with UTS #46 non-transitional processing,
 *               falling back to transitional processing when that fails,
 *               as curl does; the result is checked like an ASCII domain.
 *               A domain literal ([192.0.2.1], [IPv6:...]) is kept.
 *
 * Only structure is checked, never whether a domain or mailbox exists.
 * Messages do not quote the address: addresses are personal data (SPEC §5.5)
 * and the caller knows which one it passed.
 */
#include "parsers/addr.h"
#include "core/err.h"
#include "core/str.h"
#include "core/xalloc.h"

#include <idn2.h>
#include <stdlib.h>
#include <string.h>

#define ADDR_MAX	254 /* RFC 5321 §4.5.3.1.3: 256-byte path less "<>" */
#define ADDR_DOMAIN_MAX 253 /* RFC 1035 §2.3.4, without the trailing dot */
#define ADDR_LABEL_MAX	63
#define ADDR_IDN_IN_MAX 1024 /* UTF-8 input bound before IDNA runs */

/* RFC 5322 §3.2.3 specials that may not appear in an unquoted local part;
 * '.' is left out on purpose (see addr_local_plain). */
static const char addr_specials[] = "()<>[]:;@\\,\"";

static int addr_is_ctl_or_space(unsigned char c)
{
	return c <= 0x20 || c == 0x7f;
}

static void addr_lower_n(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
}

/* Lower-cases and checks an ASCII domain in place (no trailing dot). */
static int addr_check_ascii_domain(char *d, struct err *err)
{
	size_t label = 0, len = strlen(d);

	if (len > ADDR_DOMAIN_MAX)
		return err_set(err, ERR_DATA, "domain longer than %d bytes", ADDR_DOMAIN_MAX);
	addr_lower_n(d, len);
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c == '.' || c == '\0') {
			if (label == 0)
				return err_set(err, ERR_DATA, "empty label in domain");
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
			if (++label > ADDR_LABEL_MAX)
				return err_set(err, ERR_DATA, "domain label longer than %d bytes",
					       ADDR_LABEL_MAX);
		} else if (addr_is_ctl_or_space(c)) {
			return err_set(err, ERR_DATA, "control character or space in domain");
		} else {
			return err_set(err, ERR_DATA, "invalid character in domain");
		}
	}
	return 0;
}

/* RFC 5321 §4.1.3 address literal: kept as written, lower-cased. */
static char *addr_domain_literal(const char *d, size_t len, struct err *err)
{
	char *out;

	if (len <= 2 || len > ADDR_DOMAIN_MAX) {
		err_set(err, ERR_DATA, "invalid domain literal");
		return NULL;
	}
	for (size_t i = 1; i + 1 < len; i++) {
		unsigned char c = (unsigned char)d[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == ':' || c == '-')) {
			err_set(err, ERR_DATA, "invalid domain literal");
			return NULL;
		}
	}
	out = xstrndup(d, len);
	addr_lower_n(out, len);
	return out;
}

/* IDNA for a domain with non-ASCII bytes: punycode labels, ready to check. */
static char *addr_idna(const char *d, size_t len, struct err *err)
{
	char *in = NULL, *ace = NULL, *out = NULL;
	int rc;

	if (len > ADDR_IDN_IN_MAX) {
		err_set(err, ERR_DATA, "domain longer than %d bytes", ADDR_IDN_IN_MAX);
		goto out;
	}
	if (!str_utf8_valid(d, len)) {
		err_set(err, ERR_DATA, "invalid UTF-8 in domain");
		goto out;
	}
	in = xstrndup(d, len);
	rc = idn2_to_ascii_8z(in, &ace, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK)
		rc = idn2_to_ascii_8z(in, &ace, IDN2_NFC_INPUT | IDN2_TRANSITIONAL);
	if (rc == IDN2_MALLOC)
		oom();
	if (rc != IDN2_OK) {
		err_set(err, ERR_DATA, "domain rejected by IDNA: %s", idn2_strerror(rc));
		goto out;
	}
	out = xstrdup(ace);
out:
	idn2_free(ace);
	free(in);
	return out;
}

char *addr_domain_canonical(const char *domain, struct err *err)
{
	size_t len = strlen(domain), n;
	char *d = NULL;
	int ascii = 1;

	if (len > 0 && domain[len - 1] == '.')
		len--;
	if (len == 0) {
		err_set(err, ERR_DATA, "empty domain");
		return NULL;
	}
	if (domain[0] == '[' && domain[len - 1] == ']')
		return addr_domain_literal(domain, len, err);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)domain[i] >= 0x80)
			ascii = 0;
	if (ascii) {
		d = xstrndup(domain, len);
	} else {
		if ((d = addr_idna(domain, len, err)) == NULL)
			return NULL;
		/* A trailing full stop in another script maps to one too. */
		if ((n = strlen(d)) > 0 && d[n - 1] == '.')
			d[n - 1] = '\0';
	}
	if (addr_check_ascii_domain(d, err) == -1) {
		free(d);
		return NULL;
	}
	return d;
}

/* Checks an unquoted local part of n bytes at s and returns it lower-cased
 * (NULL with err set). Dots are not checked: addresses with leading,
 * trailing or doubled dots exist in the wild and deliver. */
static char *addr_local_plain(const char *s, size_t n, struct err *err)
{
	char *out;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (addr_is_ctl_or_space(c)) {
			err_set(err, ERR_DATA, "control character or space in address");
			return NULL;
		}
		if (strchr(addr_specials, c) != NULL) {
			err_set(err, ERR_DATA, "invalid character in local part");
			return NULL;
		}
	}
	if (!str_utf8_valid(s, n)) {
		err_set(err, ERR_DATA, "invalid UTF-8 in local part");
		return NULL;
	}
	out = xstrndup(s, n);
	addr_lower_n(out, n);
	return out;
}

/* RFC 5321 §4.1.2 quoted-string including its quotes, n >= 2. Returns the
 * local part of the key: unquoted when the content needs no quotes. */
static char *addr_local_quoted(const char *s, size_t n, int *quoted_out, struct err *err)
{
	int plain = n > 2;
	char *out;

	*quoted_out = 0;
	for (size_t i = 1; i + 1 < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' && i + 2 < n) {
			c = (unsigned char)s[++i];
			plain = 0;
		} else if (c == '"' || c == '\\') {
			err_set(err, ERR_DATA, "unbalanced quotes in local part");
			return NULL;
		}
		if (c < 0x20 || c == 0x7f) {
			err_set(err, ERR_DATA, "control character in address");
			return NULL;
		}
		if (addr_is_ctl_or_space(c) || strchr(addr_specials, c) != NULL)
			plain = 0;
	}
	if (n == 2) {
		err_set(err, ERR_DATA, "empty local part");
		return NULL;
	}
	if (plain)
		return addr_local_plain(s + 1, n - 2, err);
	if (!str_utf8_valid(s, n)) {
		err_set(err, ERR_DATA, "invalid UTF-8 in local part");
		return NULL;
	}
	*quoted_out = 1;
	out = xstrndup(s, n);
	addr_lower_n(out, n);
	return out;
}

/* Gmail ignores dots in the local part; googlemail.com is gmail.com. */
static int addr_gmail(char *local, char **domain, struct err *err)
{
	char *w = local;

	if (strcmp(*domain, "gmail.com") != 0 && strcmp(*domain, "googlemail.com") != 0)
		return 0;
	for (const char *r = local; *r != '\0'; r++)
		if (*r != '.')
			*w++ = *r;
	*w = '\0';
	if (*local == '\0')
		return err_set(err, ERR_DATA, "empty local part");
	free(*domain);
	*domain = xstrdup("gmail.com");
	return 0;
}

/* Trims white space and one pair of angle brackets. */
static void addr_strip(const char **p, size_t *len)
{
	str_trim(p, len);
	if (*len >= 2 && (*p)[0] == '<' && (*p)[*len - 1] == '>') {
		(*p)++;
		*len -= 2;
		str_trim(p, len);
	}
}

char *addr_canonical(const char *addr, int plus_addressing, struct err *err)
{
	const char *p = addr, *at = NULL;
	size_t len = strlen(addr), llen;
	char *local = NULL, *domain = NULL, *dpart = NULL, *key = NULL, *plus;
	int quoted = 0;

	addr_strip(&p, &len);
	if (len > ADDR_MAX) {
		err_set(err, ERR_DATA, "address longer than %d bytes", ADDR_MAX);
		goto out;
	}
	for (size_t i = 0; i < len; i++)
		if (p[i] == '@')
			at = p + i;
	if (at == NULL) {
		err_set(err, ERR_DATA, len == 0 ? "empty address" : "no '@' in address");
		goto out;
	}
	if ((llen = (size_t)(at - p)) == 0) {
		err_set(err, ERR_DATA, "empty local part");
		goto out;
	}
	dpart = xstrndup(at + 1, len - llen - 1);
	if ((domain = addr_domain_canonical(dpart, err)) == NULL)
		goto out;
	if (llen >= 2 && p[0] == '"' && p[llen - 1] == '"')
		local = addr_local_quoted(p, llen, &quoted, err);
	else
		local = addr_local_plain(p, llen, err);
	if (local == NULL)
		goto out;
	if (!quoted) {
		/* "+tag" at the very start is the whole name, not a tag. */
		if (plus_addressing && (plus = strchr(local + 1, '+')) != NULL)
			*plus = '\0';
		if (addr_gmail(local, &domain, err) == -1)
			goto out;
	}
	key = xasprintf("%s@%s", local, domain);
	if (strlen(key) > ADDR_MAX) {
		err_set(err, ERR_DATA, "address longer than %d bytes", ADDR_MAX);
		free(key);
		key = NULL;
	}
out:
	free(dpart);
	free(local);
	free(domain);
	return key;
}

/* Without an '@' there is no domain: the empty string (at the end of canon,
 * so the result is still borrowed from it). */
const char *addr_domain(const char *canon)
{
	const char *at = strrchr(canon, '@');

	return at != NULL ? at + 1 : canon + strlen(canon);
}

/* Role local parts, compared after any "+tag" is cut. Kept to addresses
 * that are clearly a function or a machine, never a person: "hello@",
 * "team@", "contact@" and the like are often one founder's only address,
 * so they stay people. */
static const char *const addr_role_exact[] = {
	"abuse",      "admin",	      "administrator", "alerts",	"billing",
	"bounce",     "bounces",      "daemon",	       "help",		"helpdesk",
	"hostmaster", "info",	      "listserv",      "mailer-daemon", "mailerdaemon",
	"majordomo",  "marketing",    "news",	       "newsletter",	"newsletters",
	"nobody",     "notification", "notifications", "postmaster",	"root",
	"sales",      "security",     "support",       "unsubscribe",	"webmaster",
};

/* Anywhere in the local part: "drive-shares-noreply", "no-reply-aws". */
static const char *const addr_role_infix[] = {
	"noreply", "no-reply", "no_reply", "no.reply", "donotreply", "do-not-reply", "do_not_reply",
};

/* Bounce and list-software addresses (VERP, Mailman, Majordomo). */
static const char *const addr_role_prefix[] = {
	"mailer-daemon", "bounce-",  "bounce.",	 "bounce_",
	"bounces-",	 "bounces.", "bounces_", "owner-",
};
static const char *const addr_role_suffix[] = {
	"-bounces",
	"-request",
	"-owner",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

int addr_is_role(const char *canon)
{
	char local[ADDR_MAX + 1];
	const char *at = strrchr(canon, '@');
	size_t n = at != NULL ? (size_t)(at - canon) : strlen(canon), k;
	char *plus;

	if (n == 0 || n > ADDR_MAX)
		return 0;
	memcpy(local, canon, n);
	local[n] = '\0';
	addr_lower_n(local, n);
	if ((plus = strchr(local + 1, '+')) != NULL)
		*plus = '\0';
	n = strlen(local);
	for (size_t i = 0; i < NELEM(addr_role_exact); i++)
		if (strcmp(local, addr_role_exact[i]) == 0)
			return 1;
	for (size_t i = 0; i < NELEM(addr_role_infix); i++)
		if (strstr(local, addr_role_infix[i]) != NULL)
			return 1;
	for (size_t i = 0; i < NELEM(addr_role_prefix); i++)
		if (strncmp(local, addr_role_prefix[i], strlen(addr_role_prefix[i])) == 0)
			return 1;
	for (size_t i = 0; i < NELEM(addr_role_suffix); i++) {
		k = strlen(addr_role_suffix[i]);
		if (n > k && strcmp(local + n - k, addr_role_suffix[i]) == 0)
			return 1;
	}
	return 0;
}

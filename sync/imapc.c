/* sync/imapc.c - the IMAP client over libetpan 1.9.4 (see imapc.h).
 *
 * The only file that includes libetpan headers. Every libetpan result is
 * converted into our structs and freed in the function that asked for it.
 *
 * What libetpan does not do and this file does itself (LIBRARIES.md):
 * - certificate verification: libetpan's GnuTLS build checks nothing, so
 *   the chain it exposes is verified with GnuTLS before any credential;
 * - AUTHENTICATE PLAIN without Cyrus SASL when the server has SASL-IR;
 * - LIST ... RETURN (SPECIAL-USE), sent as a custom command whose LIST
 *   replies libetpan's response parser still collects;
 * - ENABLE QRESYNC instead of the malformed mailimap_select_qresync().
 *
 * What it deliberately does not do: reconnect, retry or pipeline. After a
 * stream or parse error the connection is dead (ic->dead); every later
 * call fails at once with ERR_TEMP until the caller opens a new one.
 */
#include "sync/imapc.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "core/xalloc.h"

#include <libetpan/mailimap.h> /* with condstore, enable, qresync, xgm*, socket, ssl */
#include <libetpan/mailimap_oauth2.h>
#include <libetpan/mailstream.h>
#include <libetpan/mailstream_low.h>
#include <libetpan/mailstream_ssl.h>
#include <libetpan/mailstream_socket.h>

/* Exported by libetpan 1.9.4 (src/data-types/connect.h) but not in its
 * installed headers; mailimap_socket_connect is built on it. */
int mail_tcp_connect_timeout(const char *server, uint16_t port, time_t timeout);

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* SPEC §5.1: the header fields logging needs, and the MIME ones the snippet
 * decoder needs. */
static const char *const imapc_header_fields[] = {
	"From",
	"Sender",
	"Reply-To",
	"To",
	"Cc",
	"Bcc",
	"Date",
	"Subject",
	"Message-ID",
	"In-Reply-To",
	"References",
	"Auto-Submitted",
	"Precedence",
	"List-Id",
	"List-Unsubscribe",
	"X-Autoreply",
	"X-Autorespond",
	"Content-Type",
	"Content-Transfer-Encoding",
	"MIME-Version",
};

/* A VANISHED answer is ranges; more UIDs than this after expansion (clipped
 * to UIDNEXT) is treated as a malformed answer rather than allocated. */
#define IMAPC_VANISHED_MAX 5000000u
/* Longest line a protocol trace prints; fetched literals are cut. */
#define IMAPC_TRACE_MAX 300

/* Bounds on what a server may make libetpan hold (libetpan 1.9.4 has none:
 * it allocates the full size a literal "{N}" announces, up to 4 GB, before
 * reading a byte of it, and it appends a response line to its buffer until
 * a newline comes). The stream guard below counts the bytes as they arrive
 * and fails the read that would cross a bound, so libetpan never sees the
 * offending "{N}" or the rest of the line; the command then fails as
 * ERR_DATA, which imapsync narrows down to the one UID and records.
 *
 * IMAPC_LITERAL_MAX: one literal. We fetch header fields (a block over
 * MAIL_MAX_HEADER, 256 KB, is already a per-message error in the parser),
 * a body prefix of at most a few tens of KB, and folder names; 16 MB is
 * far above any of these from a real server.
 * IMAPC_LINE_MAX: one response with its literals (one message's FETCH
 * data, or a SEARCH answer: a million UIDs is about 8 MB).
 * IMAPC_RESPONSE_MAX: everything one command's answer leaves in memory at
 * once: libetpan keeps the text of the whole answer until the tagged
 * reply, and, outside FETCH (whose literals are handed over and freed a
 * message at a time), every literal too. A chunk of 1,000 messages is
 * about 1 MB of text. */
#define IMAPC_LITERAL_MAX  (16u * 1024 * 1024)
#define IMAPC_LINE_MAX	   (64u * 1024 * 1024)
#define IMAPC_RESPONSE_MAX (256u * 1024 * 1024)

/* libetpan 1.9.4's literal reader takes a 0-byte read (EOF) for "no data
 * yet" and reads again, forever, at full CPU, when a server dies in the
 * middle of a literal; its GnuTLS driver already reports EOF as -1, its
 * plain-socket driver does not. The stream's driver is therefore replaced
 * by a copy whose read turns EOF into -1, an error every caller handles. */
struct imapc_low {
	mailstream_low_driver drv; /* first: s->driver points here */
	ssize_t (*read)(mailstream_low *s, void *buf, size_t count);
	struct imapc_guard *guard; /* borrowed: &ic->guard */
};

/* The stream guard's state (see IMAPC_LITERAL_MAX). A literal is "{N}"
 * (or libetpan's "{-N}" work-around) at the end of a line; every "{N}"
 * over the bound is refused wherever it is, since libetpan also takes one
 * followed by spaces instead of CRLF. */
struct imapc_guard {
	uint64_t lit_left;  /* bytes of the current literal still to come */
	uint64_t line;	    /* bytes of the current response, literals included */
	uint64_t response;  /* bytes the current command's answer keeps */
	uint64_t num;	    /* the number of a "{N}" being read */
	int brace;	    /* 0; 1 in "{N"; 2 after "}"; 3 after "}\r" */
	int ndigits, minus; /* of that number */
	int streaming;	    /* FETCH: literals are freed a message at a time */
	char why[160];	    /* the bound crossed, "" while none */
};

struct imapc {
	struct imapc_low low; /* the wrapped driver of the current stream */
	struct imapc_guard guard;
	mailimap *imap; /* owned */
	char *name;	/* owned; the account name, for messages */
	char *host;	/* owned */
	char *user;	/* owned */
	int port;
	int64_t timeout_s;
	unsigned caps;	       /* enum imapc_cap, after login */
	int preauth;	       /* the greeting was PREAUTH */
	int dead;	       /* the stream failed: nothing but imapc_close is left */
	int in_login;	       /* traces hide every client line */
	int selected;	       /* imapc_examine succeeded */
	uint32_t sel_uidnext;  /* of the examined folder, 0 if unknown */
	struct timespec start; /* of the current command, to tell time-outs */
	struct imapc_stats stats;
	enum imapc_stage stage; /* the step of imapc_open under way */
};

/* -- small helpers ---------------------------------------------------------- */

static void imapc_begin(struct imapc *ic)
{
	clock_gettime(CLOCK_MONOTONIC, &ic->start);
	ic->guard.response = 0;
}

static double imapc_elapsed(const struct imapc *ic)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - ic->start.tv_sec) +
	       (double)(now.tv_nsec - ic->start.tv_nsec) / 1e9;
}

/* Copies server text for a message: printable ASCII only, bounded. */
static void imapc_clean(char *out, size_t size, const char *s)
{
	size_t i = 0;

	if (s != NULL)
		for (; *s != '\0' && i + 1 < size; s++)
			out[i++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	out[i] = '\0';
}

/* The server's words about the last tagged reply: "[CODE] text". */
static void imapc_server_said(const struct imapc *ic, char *out, size_t size)
{
	const struct mailimap_response_info *ri = ic->imap->imap_response_info;
	char code[64], text[256];

	imapc_clean(code, sizeof code, ri != NULL ? ri->rsp_atom : NULL);
	imapc_clean(text, sizeof text, ic->imap->imap_response);
	if (code[0] != '\0')
		snprintf(out, size, "[%s] %s", code, text);
	else
		snprintf(out, size, "%s", text[0] != '\0' ? text : "(no text)");
}

/* The response code of the last tagged reply, or "". */
static const char *imapc_resp_code(const struct imapc *ic)
{
	const struct mailimap_response_info *ri = ic->imap->imap_response_info;

	return ri != NULL && ri->rsp_atom != NULL ? ri->rsp_atom : "";
}

/* RFC 5530 codes that mean "later", not "never". */
static int imapc_code_is_wait(const char *code)
{
	return strcasecmp(code, "UNAVAILABLE") == 0 || strcasecmp(code, "INUSE") == 0 ||
	       strcasecmp(code, "LIMIT") == 0;
}

/* libetpan reports an answer cut short by a closed connection (EOF or
 * reset) as a parse error; that must be ERR_TEMP, not ERR_DATA (which
 * makes the sync narrow down a bad message that does not exist). */
static int imapc_peer_gone(const struct imapc *ic)
{
	mailstream *s = ic->imap->imap_stream;
	ssize_t n;
	char c;
	int fd;

	if (s == NULL || (fd = mailstream_low_get_fd(mailstream_get_low(s))) < 0)
		return 1;
	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* 1 (and ERR_DATA in err) when the stream guard cut the answer: the
 * server's data, not the network, is at fault, and retrying would meet it
 * again. */
static int imapc_guard_tripped(struct imapc *ic, const char *what, struct err *err)
{
	if (ic->guard.why[0] == '\0')
		return 0;
	ic->dead = 1;
	err_set(err, ERR_DATA, "%s: %s", what, ic->guard.why);
	return 1;
}

/* Maps libetpan's result r of `what` to err, once (STYLE 2.4). A NO answer
 * becomes `no_kind` unless its response code asks to back off. Always -1. */
static int imapc_fail(struct imapc *ic, int r, enum err_kind no_kind, const char *what,
		      struct err *err)
{
	char said[340];

	if (imapc_guard_tripped(ic, what, err))
		return -1;
	switch (r) {
	case MAILIMAP_ERROR_MEMORY:
		oom();
	case MAILIMAP_ERROR_STREAM:
		ic->dead = 1;
		if (imapc_elapsed(ic) + 0.5 >= (double)ic->timeout_s)
			return err_set(err, ERR_TEMP, "%s: no answer from %s within %lld s", what,
				       ic->host, (long long)ic->timeout_s);
		return err_set(err, ERR_TEMP, "%s: connection to %s lost", what, ic->host);
	case MAILIMAP_ERROR_FATAL:
		ic->dead = 1;
		imapc_server_said(ic, said, sizeof said);
		return err_set(err, ERR_TEMP, "%s: %s closed the connection: %s", what, ic->host,
			       said);
	case MAILIMAP_ERROR_PARSE:
		ic->dead = 1;
		if (imapc_peer_gone(ic))
			return err_set(err, ERR_TEMP, "%s: connection to %s lost", what, ic->host);
		return err_set(err, ERR_DATA, "%s: cannot parse the answer of %s", what, ic->host);
	case MAILIMAP_ERROR_PROTOCOL:
		/* BAD, or a tagged reply to some other command: either way the
		 * two sides disagree, and going on could misread answers. */
		ic->dead = 1;
		imapc_server_said(ic, said, sizeof said);
		return err_set(err, ERR_FINAL, "%s: %s rejected the command: %s", what, ic->host,
			       said);
	case MAILIMAP_ERROR_BAD_STATE:
		if (ic->dead)
			return err_set(err, ERR_TEMP, "%s: the connection to %s is closed", what,
				       ic->host);
		return err_set(err, ERR_FINAL, "%s: not possible in this state (no folder?)", what);
	default:
		imapc_server_said(ic, said, sizeof said);
		if (imapc_code_is_wait(imapc_resp_code(ic)))
			no_kind = ERR_WAIT;
		return err_set(err, no_kind, "%s: %s said: %s", what, ic->host, said);
	}
}

/* Fails at once on a dead connection, or when a folder is needed and none
 * is examined. */
static int imapc_usable(struct imapc *ic, int need_folder, const char *what, struct err *err)
{
	if (ic->dead)
		return err_set(err, ERR_TEMP,
			       "%s: the connection to %s is closed after an earlier error", what,
			       ic->host);
	if (need_folder && !ic->selected)
		return err_set(err, ERR_FINAL, "%s: no folder is examined", what);
	imapc_begin(ic);
	return 0;
}

static int imapc_has(const struct imapc *ic, const char *cap)
{
	return mailimap_has_extension(ic->imap, cap);
}

static int imapc_caps_known(const struct imapc *ic)
{
	return ic->imap->imap_connection_info != NULL &&
	       ic->imap->imap_connection_info->imap_capability != NULL;
}

/* Forgets the capabilities libetpan keeps, so that the next CAPABILITY
 * (or a [CAPABILITY] response code) is the only source. */
static void imapc_caps_forget(struct imapc *ic)
{
	struct mailimap_connection_info *ci = ic->imap->imap_connection_info;

	if (ci != NULL && ci->imap_capability != NULL) {
		mailimap_capability_data_free(ci->imap_capability);
		ci->imap_capability = NULL;
	}
}

static int imapc_caps_read(struct imapc *ic, struct err *err)
{
	struct mailimap_capability_data *cd = NULL;
	int r;

	imapc_begin(ic);
	ic->stats.other++;
	r = mailimap_capability(ic->imap, &cd);
	if (r != MAILIMAP_NO_ERROR)
		return imapc_fail(ic, r, ERR_TEMP, "CAPABILITY", err);
	mailimap_capability_data_free(cd);
	return 0;
}

static int imapc_is_ip(const char *host)
{
	unsigned char a[16];

	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* RFC 4648 base64, for AUTHENTICATE PLAIN. */
static void imapc_base64(struct buf *out, const unsigned char *p, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		char q[4] = {tab[v >> 18], tab[(v >> 12) & 63], tab[(v >> 6) & 63], tab[v & 63]};
		buf_add(out, q, 4);
	}
	if (n - i == 1) {
		unsigned v = (unsigned)p[i] << 16;
		char q[4] = {tab[v >> 18], tab[(v >> 12) & 63], '=', '='};
		buf_add(out, q, 4);
	} else if (n - i == 2) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
		char q[4] = {tab[v >> 18], tab[(v >> 12) & 63], tab[(v >> 6) & 63], '='};
		buf_add(out, q, 4);
	}
}

/* -- protocol trace ------------------------------------------------------- */

/* A client line that carries a credential: "TAG LOGIN ...",
 * "TAG AUTHENTICATE ...". */
static int imapc_is_auth_line(const char *p, size_t n)
{
	const char *sp = memchr(p, ' ', n);
	size_t rest;

	if (sp == NULL)
		return 0;
	rest = n - (size_t)(sp + 1 - p);
	return (rest >= 6 && strncasecmp(sp + 1, "LOGIN ", 6) == 0) ||
	       (rest >= 13 && strncasecmp(sp + 1, "AUTHENTICATE ", 13) == 0);
}

static void imapc_trace_line(struct imapc *ic, const char *dir, const char *p, size_t n, int hide)
{
	char line[IMAPC_TRACE_MAX + 1];
	size_t k = 0;

	if (hide) {
		/* Keep the tag and the command name, nothing after. */
		const char *sp = memchr(p, ' ', n);
		const char *sp2 = sp != NULL ? memchr(sp + 1, ' ', n - (size_t)(sp + 1 - p)) : NULL;
		size_t keep = sp2 != NULL ? (size_t)(sp2 - p) : 0;
		if (keep > 40)
			keep = 40;
		log_msg(LOG_LVL_TRACE, "imap %s: %s %.*s <credentials hidden>", ic->name, dir,
			(int)keep, p);
		return;
	}
	for (; k < n && k < IMAPC_TRACE_MAX; k++)
		line[k] = (p[k] >= 0x20 && p[k] < 0x7f) ? p[k] : '.';
	line[k] = '\0';
	if (n > IMAPC_TRACE_MAX)
		log_msg(LOG_LVL_TRACE, "imap %s: %s %s... (%zu bytes)", ic->name, dir, line, n);
	else
		log_msg(LOG_LVL_TRACE, "imap %s: %s %s", ic->name, dir, line);
}

/* mailimap_set_logger() callback, installed only at log level trace. Data
 * arrives in network chunks; each line of a chunk is printed on its own.
 * libetpan marks LOGIN and AUTHENTICATE data as private; we also hide any
 * client line that looks like one and every client line during login. */
static void imapc_trace(mailimap *imap, int type, const char *str, size_t size, void *ctx)
{
	struct imapc *ic = ctx;
	const char *dir, *end;
	int sent, private = 0;

	(void)imap;
	switch (type) {
	case MAILSTREAM_LOG_TYPE_DATA_RECEIVED:
		dir = "S:";
		sent = 0;
		break;
	case MAILSTREAM_LOG_TYPE_DATA_SENT:
		dir = "C:";
		sent = 1;
		break;
	case MAILSTREAM_LOG_TYPE_DATA_SENT_PRIVATE:
		dir = "C:";
		sent = private = 1;
		break;
	case MAILSTREAM_LOG_TYPE_ERROR_PARSE:
	case MAILSTREAM_LOG_TYPE_ERROR_RECEIVED:
	case MAILSTREAM_LOG_TYPE_ERROR_SENT:
		log_msg(LOG_LVL_TRACE, "imap %s: stream error (%s)", ic->name,
			type == MAILSTREAM_LOG_TYPE_ERROR_PARSE ? "parse" : "i/o");
		return;
	default:
		return;
	}
	if (str == NULL)
		return;
	end = str + size;
	while (str < end) {
		const char *nl = memchr(str, '\n', (size_t)(end - str));
		size_t n = nl != NULL ? (size_t)(nl - str) : (size_t)(end - str);
		size_t len = n > 0 && str[n - 1] == '\r' ? n - 1 : n;

		if (len > 0)
			imapc_trace_line(ic, dir, str, len,
					 private || (sent && (ic->in_login ||
							      imapc_is_auth_line(str, len))));
		str += nl != NULL ? n + 1 : n;
	}
}

static int imapc_guard_over(struct imapc_guard *g, const char *what, uint64_t max)
{
	/* The digits of an announced size are not kept past the bound. */
	snprintf(g->why, sizeof g->why, "the server sent %s over the limit of %" PRIu64 " bytes",
		 what, max);
	return -1;
}

/* One byte outside a literal: line and brace bookkeeping. */
static int imapc_guard_byte(struct imapc_guard *g, unsigned char c)
{
	if (g->brace == 1 && c >= '0' && c <= '9') {
		g->num = g->num * 10 + (uint64_t)(c - '0');
		g->ndigits++;
		if (g->num > IMAPC_LITERAL_MAX)
			return imapc_guard_over(g, "a literal", IMAPC_LITERAL_MAX);
		return 0;
	}
	if (g->brace == 1 && c == '-' && g->ndigits == 0 && !g->minus) {
		g->minus = 1;
		return 0;
	}
	if (g->brace == 1 && c == '}' && g->ndigits > 0) {
		g->brace = 2;
		return 0;
	}
	if (g->brace == 2 && c == '\r') {
		g->brace = 3;
		return 0;
	}
	if (c == '\n') {
		if (g->brace >= 2)
			g->lit_left = g->minus ? 0 : g->num;
		else
			g->line = 0;
		g->brace = 0;
		return 0;
	}
	g->brace = c == '{';
	g->num = 0;
	g->ndigits = g->minus = 0;
	return 0;
}

/* Accounts for n bytes just read; -1 (with g->why) when a bound is crossed. */
static int imapc_guard_feed(struct imapc_guard *g, const unsigned char *p, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if (g->lit_left > 0) {
			k = n - i < g->lit_left ? n - i : (size_t)g->lit_left;
			g->lit_left -= k;
			g->line += k;
			if (!g->streaming)
				g->response += k;
			i += k;
		} else {
			g->line++;
			g->response++;
			if (imapc_guard_byte(g, p[i++]) == -1)
				return -1;
		}
		if (g->line > IMAPC_LINE_MAX)
			return imapc_guard_over(g, "a response line", IMAPC_LINE_MAX);
		if (g->response > IMAPC_RESPONSE_MAX)
			return imapc_guard_over(g, "an answer", IMAPC_RESPONSE_MAX);
	}
	return 0;
}

static ssize_t imapc_low_read(mailstream_low *s, void *buf, size_t count)
{
	const struct imapc_low *w = (const struct imapc_low *)s->driver;
	ssize_t r;

	if (w->guard->why[0] != '\0')
		return -1;
	r = w->read(s, buf, count);
	if (r > 0 && imapc_guard_feed(w->guard, buf, (size_t)r) == -1)
		return -1;
	return r == 0 && count > 0 ? -1 : r;
}

static void imapc_guard_stream(struct imapc *ic, mailstream *stream)
{
	mailstream_low *low;

	if (stream == NULL)
		return;
	low = mailstream_get_low(stream);
	if (low == NULL || low->driver == &ic->low.drv)
		return;
	ic->low.drv = *low->driver;
	ic->low.read = low->driver->mailstream_read;
	ic->low.drv.mailstream_read = imapc_low_read;
	ic->low.guard = &ic->guard;
	memset(&ic->guard, 0, sizeof ic->guard);
	low->driver = &ic->low.drv;
}

static void imapc_guard_eof(struct imapc *ic)
{
	imapc_guard_stream(ic, ic->imap->imap_stream);
}

/* -- TLS -------------------------------------------------------------------- */

/* Called by libetpan before the handshake: SNI (RFC 6066 forbids it for IP
 * address literals). */
static void imapc_tls_setup(struct mailstream_ssl_context *ctx, void *data)
{
	struct imapc *ic = data;

	if (!imapc_is_ip(ic->host))
		mailstream_ssl_set_server_name(ctx, ic->host);
}

/* Why GnuTLS refused: the most useful reason first. */
static const char *imapc_tls_reason(unsigned status)
{
	if (status & GNUTLS_CERT_UNEXPECTED_OWNER)
		return "host name mismatch";
	if (status & GNUTLS_CERT_EXPIRED)
		return "certificate expired";
	if (status & GNUTLS_CERT_NOT_ACTIVATED)
		return "certificate not yet valid";
	if (status & GNUTLS_CERT_REVOKED)
		return "certificate revoked";
	if (status & GNUTLS_CERT_PURPOSE_MISMATCH)
		return "certificate not meant for a TLS server";
	if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA))
		return "certificate not trusted (self-signed?)";
	if (status & GNUTLS_CERT_INSECURE_ALGORITHM)
		return "certificate uses an insecure algorithm";
	if (status & GNUTLS_CERT_SIGNATURE_FAILURE)
		return "certificate signature is invalid";
	return "certificate not trusted";
}

/* Imports the peer's chain, DER and leaf first, as libetpan exposes it. */
static int imapc_tls_chain(struct imapc *ic, gnutls_x509_crt_t **crts_out, unsigned *n_out,
			   struct err *err)
{
	carray *chain = mailstream_get_certificate_chain(ic->imap->imap_stream);
	gnutls_x509_crt_t *crts = NULL;
	unsigned n = 0, i = 0;
	int rc = -1;

	/* libetpan 1.9.4 builds no list at all when the peer sent no
	 * certificate; a TLS server always sends one, so empty is refused. */
	if (chain == NULL || carray_count(chain) == 0) {
		err_set(err, ERR_FINAL, "TLS to %s: the server sent no certificate", ic->host);
		goto out;
	}
	n = carray_count(chain);
	crts = xcalloc(n, sizeof *crts);
	for (i = 0; i < n; i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t d = {(unsigned char *)der->str, (unsigned)der->len};

		if (gnutls_x509_crt_init(&crts[i]) < 0)
			oom();
		if (gnutls_x509_crt_import(crts[i], &d, GNUTLS_X509_FMT_DER) < 0) {
			i++;
			err_set(err, ERR_FINAL, "TLS to %s: cannot read the server's certificate",
				ic->host);
			goto out;
		}
	}
	rc = 0;
out:
	if (rc == -1) {
		while (i > 0)
			gnutls_x509_crt_deinit(crts[--i]);
		free(crts);
		crts = NULL;
		n = 0;
	}
	mailstream_certificate_chain_free(chain);
	*crts_out = crts;
	*n_out = n;
	return rc;
}

/* The trust anchors: ca_file when set, else the system store. */
static int imapc_tls_anchors(struct imapc *ic, const char *ca_file,
			     gnutls_x509_trust_list_t *tl_out, struct err *err)
{
	gnutls_x509_trust_list_t tl;
	int r;

	if (gnutls_x509_trust_list_init(&tl, 0) < 0)
		oom();
	if (ca_file != NULL)
		r = gnutls_x509_trust_list_add_trust_file(tl, ca_file, NULL, GNUTLS_X509_FMT_PEM, 0,
							  0);
	else
		r = gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
	if (r <= 0) {
		gnutls_x509_trust_list_deinit(tl, 1);
		return err_set(err, ERR_FINAL,
			       "TLS to %s: no CA certificate could be loaded from %s%s%s", ic->host,
			       ca_file != NULL ? ca_file : "the system trust store",
			       r < 0 ? ": " : "", r < 0 ? gnutls_strerror(r) : "");
	}
	*tl_out = tl;
	return 0;
}

/* Verifies the peer's chain, its purpose and the host name against ca_file
 * or the system store. Runs before any credential is sent; on failure the
 * connection gets nothing more, not even LOGOUT. */
static int imapc_tls_verify(struct imapc *ic, const char *ca_file, struct err *err)
{
	static unsigned char purpose[] = GNUTLS_KP_TLS_WWW_SERVER;
	gnutls_typed_vdata_st vd[2] = {
		{.type = GNUTLS_DT_DNS_HOSTNAME, .data = (unsigned char *)ic->host, .size = 0},
		{.type = GNUTLS_DT_KEY_PURPOSE_OID, .data = purpose, .size = 0},
	};
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_x509_crt_t *crts = NULL;
	unsigned n = 0, status = 0;
	int rc = -1, r;

	if (imapc_tls_chain(ic, &crts, &n, err) == -1 ||
	    imapc_tls_anchors(ic, ca_file, &tl, err) == -1)
		goto out;
	r = gnutls_x509_trust_list_verify_crt2(tl, crts, n, vd, 2, 0, &status, NULL);
	if (r < 0)
		err_set(err, ERR_FINAL, "TLS certificate of %s not accepted: %s", ic->host,
			gnutls_strerror(r));
	else if (status != 0)
		err_set(err, ERR_FINAL,
			"TLS certificate of %s not accepted: %s (checked against %s; status 0x%x)",
			ic->host, imapc_tls_reason(status),
			ca_file != NULL ? ca_file : "the system trust store", status);
	else if (!gnutls_x509_crt_check_hostname2(crts[0], ic->host, 0))
		err_set(err, ERR_FINAL, "TLS certificate of %s not accepted: host name mismatch",
			ic->host);
	else
		rc = 0;
out:
	if (tl != NULL)
		gnutls_x509_trust_list_deinit(tl, 1);
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	free(crts);
	if (rc == -1)
		ic->dead = 1;
	return rc;
}

/* -- connecting and logging in ---------------------------------------------- */

/* libetpan 1.9.4 reports a failed TLS handshake with gnutls_perror(): a
 * line "GnuTLS error: ..." on stderr, beside our own one-line error (SPEC
 * §2: one line per error, naming the account). Its calls that do a
 * handshake therefore run with stderr on /dev/null, except in a protocol
 * trace, which would lose its lines. Returns the saved stderr, or -1. */
static int imapc_mute_stderr(void)
{
	int saved, null;

	if (log_level >= LOG_LVL_TRACE)
		return -1;
	fflush(stderr);
	if ((saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) == -1)
		return -1;
	if ((null = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1) {
		close(saved);
		return -1;
	}
	if (dup2(null, STDERR_FILENO) == -1) {
		close(saved);
		saved = -1;
	}
	close(null);
	return saved;
}

static void imapc_unmute_stderr(int saved)
{
	if (saved == -1)
		return;
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
}

/* STARTTLS on the plain connection (RFC 9051 §6.2.1), then new capabilities. */
static int imapc_starttls(struct imapc *ic, const char *what, struct err *err)
{
	int r, mute;

	/* A PREAUTH greeting leaves no chance to start TLS before data
	 * flows: refuse rather than go on in plain text. */
	if (ic->preauth) {
		ic->dead = 1;
		return err_set(err, ERR_FINAL, "%s: PREAUTH greeting, STARTTLS is impossible",
			       what);
	}
	imapc_begin(ic);
	ic->stats.other++;
	mute = imapc_mute_stderr();
	r = mailimap_socket_starttls_with_callback(ic->imap, imapc_tls_setup, ic);
	imapc_unmute_stderr(mute);
	if (r == MAILIMAP_ERROR_STARTTLS || r == MAILIMAP_ERROR_PROTOCOL) {
		ic->dead = 1;
		return err_set(err, ERR_FINAL, "%s: the server refused STARTTLS", what);
	}
	if (r == MAILIMAP_ERROR_SSL || r == MAILIMAP_ERROR_STREAM) {
		/* libetpan reports a failed handshake as a stream error */
		ic->dead = 1;
		return err_set(err, ERR_TEMP,
			       "%s: TLS handshake after STARTTLS failed or timed out", what);
	}
	if (r != MAILIMAP_NO_ERROR)
		return imapc_fail(ic, r, ERR_TEMP, "STARTTLS", err);
	imapc_guard_eof(ic); /* a new stream driver */
	/* Capabilities read before TLS may have been tampered with. */
	imapc_caps_forget(ic);
	return 0;
}

/* Maps the result of libetpan's connect calls, which succeed with 2 (or 1
 * on PREAUTH), not 0. */
static int imapc_connected(struct imapc *ic, int r, const char *what, struct err *err)
{
	char said[256];

	if (imapc_guard_tripped(ic, what, err))
		return -1;
	switch (r) {
	case MAILIMAP_NO_ERROR_AUTHENTICATED:
		ic->preauth = 1;
		return 0;
	case MAILIMAP_NO_ERROR_NON_AUTHENTICATED:
		return 0;
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
		ic->dead = 1;
		return err_set(err, ERR_TEMP, "%s: connection refused or host unreachable", what);
	case MAILIMAP_ERROR_SSL:
		ic->dead = 1;
		if (imapc_elapsed(ic) + 0.5 >= (double)ic->timeout_s)
			return err_set(err, ERR_TEMP, "%s: no TLS handshake within %lld s", what,
				       (long long)ic->timeout_s);
		ic->stage = IMAPC_STAGE_TLS;
		return err_set(err, ERR_TEMP, "%s: TLS handshake failed (is this a TLS port?)",
			       what);
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
		ic->dead = 1;
		imapc_clean(said, sizeof said, ic->imap->imap_response);
		return err_set(err, ERR_WAIT, "%s: the server said BYE: %s", what, said);
	case MAILIMAP_ERROR_STREAM:
		/* The TCP connection was made (a failed one is
		 * CONNECTION_REFUSED); the greeting never came. */
		ic->dead = 1;
		if (imapc_elapsed(ic) + 0.5 >= (double)ic->timeout_s)
			return err_set(err, ERR_TEMP,
				       "%s:%d accepted the connection but sent no greeting within "
				       "%lld s (is this an IMAP port?)",
				       ic->host, ic->port, (long long)ic->timeout_s);
		return err_set(err, ERR_TEMP,
			       "%s:%d accepted the connection but closed it before its greeting",
			       ic->host, ic->port);
	default:
		return imapc_fail(ic, r, ERR_TEMP, what, err);
	}
}

/* What mailimap_socket_connect and mailimap_ssl_connect_with_callback do,
 * with the same results, but with the stream guard installed before the
 * greeting is read: libetpan would otherwise take a greeting line of any
 * length. */
static int imapc_stream_open(struct imapc *ic, int tls)
{
	time_t t = ic->imap->imap_timeout;
	mailstream *stream;
	int fd;

	if ((fd = mail_tcp_connect_timeout(ic->host, (uint16_t)ic->port, t)) == -1)
		return MAILIMAP_ERROR_CONNECTION_REFUSED;
	if (tls) {
		int mute = imapc_mute_stderr();

		stream = mailstream_ssl_open_with_callback_timeout(fd, t, imapc_tls_setup, ic);
		imapc_unmute_stderr(mute);
	} else {
		stream = mailstream_socket_open_timeout(fd, t);
	}
	if (stream == NULL) {
		close(fd);
		return tls ? MAILIMAP_ERROR_SSL : MAILIMAP_ERROR_MEMORY;
	}
	imapc_guard_stream(ic, stream);
	return mailimap_connect(ic->imap, stream);
}

static int imapc_connect(struct imapc *ic, const struct cfg_account *acct, struct err *err)
{
	char what[300];
	int r;

	snprintf(what, sizeof what, "cannot connect to %s:%d", ic->host, ic->port);
	imapc_begin(ic);
	r = imapc_stream_open(ic, acct->security == CFG_SEC_TLS);
	if (imapc_connected(ic, r, what, err) == -1)
		return -1;
	ic->stage = IMAPC_STAGE_TLS;
	if (acct->security == CFG_SEC_STARTTLS && imapc_starttls(ic, what, err) == -1)
		return -1;
	if (acct->security != CFG_SEC_NONE) {
		if (acct->tls_verify) {
			if (imapc_tls_verify(ic, acct->ca_file, err) == -1)
				return -1;
		} else {
			log_warnx("imap %s: tls_verify = no: the certificate of %s is NOT "
				  "checked; anyone on the path can read the password",
				  ic->name, ic->host);
		}
	}
	ic->stage = IMAPC_STAGE_LOGIN;
	if (!imapc_caps_known(ic) && imapc_caps_read(ic, err) == -1)
		return -1;
	return 0;
}

/* AUTHENTICATE PLAIN with an initial response (RFC 4616, RFC 4959), in one
 * round trip and without Cyrus SASL: libetpan's custom command sends it,
 * with the stream marked private so the trace hides it. */
static int imapc_auth_plain_ir(struct imapc *ic, const char *secret)
{
	struct buf raw, cmd;
	int r;

	buf_init(&raw, 64 * 1024);
	buf_init(&cmd, 128 * 1024);
	buf_addch(&raw, '\0');
	buf_addstr(&raw, ic->user);
	buf_addch(&raw, '\0');
	buf_addstr(&raw, secret);
	buf_addstr(&cmd, "AUTHENTICATE PLAIN ");
	imapc_base64(&cmd, (const unsigned char *)raw.data, raw.len);
	mailstream_set_privacy(ic->imap->imap_stream, 0);
	r = mailimap_custom_command(ic->imap, cmd.data);
	if (ic->imap->imap_stream != NULL)
		mailstream_set_privacy(ic->imap->imap_stream, 1);
	explicit_bzero(raw.data, raw.len);
	explicit_bzero(cmd.data, cmd.len);
	buf_release(&raw);
	buf_release(&cmd);
	if (r == MAILIMAP_NO_ERROR)
		ic->imap->imap_state = MAILIMAP_STATE_AUTHENTICATED; /* custom: not tracked */
	else if (r == MAILIMAP_ERROR_CUSTOM_COMMAND)
		r = MAILIMAP_ERROR_LOGIN;
	return r;
}

/* AUTHENTICATE PLAIN through libetpan's Cyrus SASL path. */
static int imapc_auth_plain_sasl(struct imapc *ic, const char *secret)
{
	int tag = ic->imap->imap_tag, r;

	r = mailimap_authenticate(ic->imap, "PLAIN", ic->host, NULL, NULL, ic->user, ic->user,
				  secret, NULL);
	/* A Cyrus SASL failure (no PLAIN plugin) sends nothing and is
	 * reported as a failed login: tell it by the unused tag. */
	if (r == MAILIMAP_ERROR_LOGIN && ic->imap->imap_tag == tag)
		r = MAILIMAP_ERROR_SASL;
	return r;
}

enum imapc_method {
	IMAPC_M_XOAUTH2,
	IMAPC_M_LOGIN,
	IMAPC_M_PLAIN_IR,   /* AUTHENTICATE PLAIN <initial response> */
	IMAPC_M_PLAIN_SASL, /* AUTHENTICATE PLAIN, then the continuation */
};

/* auth = plain: AUTHENTICATE PLAIN when the server offers it (with SASL-IR
 * in one round trip; otherwise through libetpan's Cyrus SASL path, which
 * needs the libsasl2-modules plugin), else LOGIN, which carries the same
 * credential. Neither when the server says LOGINDISABLED. Decided from the
 * capabilities before login. */
static int imapc_method(struct imapc *ic, enum cfg_auth auth, enum imapc_method *m, struct err *err)
{
	if (auth == CFG_AUTH_XOAUTH2) {
		*m = IMAPC_M_XOAUTH2;
		return 0;
	}
	if (auth == CFG_AUTH_PLAIN && mailimap_has_authentication(ic->imap, "PLAIN")) {
		*m = imapc_has(ic, "SASL-IR") ? IMAPC_M_PLAIN_IR : IMAPC_M_PLAIN_SASL;
		return 0;
	}
	if (imapc_has(ic, "LOGINDISABLED"))
		return err_set(err, ERR_FINAL, "login to %s: %s (LOGINDISABLED)", ic->host,
			       auth == CFG_AUTH_LOGIN ? "the server refuses LOGIN" :
							"neither AUTH=PLAIN nor LOGIN is offered");
	*m = IMAPC_M_LOGIN;
	return 0;
}

static int imapc_login(struct imapc *ic, const struct cfg_account *acct, const char *secret,
		       struct err *err)
{
	char what[300], said[340];
	enum imapc_method m;
	int r;

	if (ic->preauth)
		return 0;
	if (secret == NULL)
		secret = "";
	if (imapc_method(ic, acct->auth, &m, err) == -1) {
		ic->dead = 1;
		return -1;
	}
	imapc_begin(ic);
	/* The reply to a successful login usually carries the capabilities
	 * that hold after it; forget the old ones to notice whether it did. */
	imapc_caps_forget(ic);
	ic->stats.other++;
	ic->in_login = 1;
	switch (m) {
	case IMAPC_M_XOAUTH2:
		r = mailimap_oauth2_authenticate(ic->imap, ic->user, secret);
		break;
	case IMAPC_M_PLAIN_IR:
		r = imapc_auth_plain_ir(ic, secret);
		break;
	case IMAPC_M_PLAIN_SASL:
		r = imapc_auth_plain_sasl(ic, secret);
		break;
	case IMAPC_M_LOGIN:
	default:
		r = mailimap_login(ic->imap, ic->user, secret);
		break;
	}
	ic->in_login = 0;
	if (r == MAILIMAP_NO_ERROR)
		return 0;
	snprintf(what, sizeof what, "login to %s as %s", ic->host, ic->user);
	if (r == MAILIMAP_ERROR_LOGIN || r == MAILIMAP_ERROR_SASL) {
		imapc_server_said(ic, said, sizeof said);
		if (imapc_code_is_wait(imapc_resp_code(ic)))
			return err_set(err, ERR_WAIT, "%s: server busy, try later: %s", what, said);
		if (r == MAILIMAP_ERROR_SASL)
			return err_set(err, ERR_FINAL,
				       "login failed for %s: SASL PLAIN is not available "
				       "(install libsasl2-modules, or use auth = login)",
				       ic->user);
		return err_set(err, ERR_AUTH,
			       "login failed for %s (check the password): %s said: %s", ic->user,
			       ic->host, said);
	}
	return imapc_fail(ic, r, ERR_FINAL, what, err);
}

static void imapc_caps_compute(struct imapc *ic)
{
	ic->caps = 0;
	if (imapc_has(ic, "CONDSTORE"))
		ic->caps |= IMAPC_CAP_CONDSTORE;
	if (imapc_has(ic, "IDLE"))
		ic->caps |= IMAPC_CAP_IDLE;
	if (imapc_has(ic, "SPECIAL-USE"))
		ic->caps |= IMAPC_CAP_SPECIAL_USE;
	if (imapc_has(ic, "X-GM-EXT-1"))
		ic->caps |= IMAPC_CAP_GMAIL;
	if (imapc_has(ic, "LITERAL+"))
		ic->caps |= IMAPC_CAP_LITERALPLUS;
}

/* RFC 7162 §3.2.3: ENABLE QRESYNC (which implies CONDSTORE). Only an
 * enabled QRESYNC is reported in the caps. */
static int imapc_enable_qresync(struct imapc *ic, struct err *err)
{
	struct mailimap_capability_data *want, *got = NULL;
	struct mailimap_capability *cap;
	clist *list;
	char *name;
	int r;

	if (!imapc_has(ic, "QRESYNC") || !imapc_has(ic, "ENABLE"))
		return 0;
	name = xstrdup("QRESYNC");
	cap = mailimap_capability_new(MAILIMAP_CAPABILITY_NAME, NULL, name);
	list = clist_new();
	if (cap == NULL || list == NULL || clist_append(list, cap) < 0)
		oom();
	want = mailimap_capability_data_new(list);
	if (want == NULL)
		oom();
	imapc_begin(ic);
	ic->stats.other++;
	r = mailimap_enable(ic->imap, want, &got);
	mailimap_capability_data_free(want);
	if (got != NULL)
		mailimap_capability_data_free(got);
	if (r == MAILIMAP_NO_ERROR) {
		ic->caps |= IMAPC_CAP_QRESYNC | IMAPC_CAP_CONDSTORE;
		return 0;
	}
	if (r == MAILIMAP_ERROR_EXTENSION || r == MAILIMAP_ERROR_PROTOCOL) {
		/* NO or BAD to ENABLE leaves the connection usable: go on
		 * without QRESYNC. */
		log_debug("imap %s: ENABLE QRESYNC refused; using a UID diff for deletions",
			  ic->name);
		return 0;
	}
	return imapc_fail(ic, r, ERR_TEMP, "ENABLE QRESYNC", err);
}

struct imapc *imapc_open(const struct cfg_account *acct, const char *secret, struct err *err)
{
	return imapc_open_stage(acct, secret, NULL, err);
}

struct imapc *imapc_open_stage(const struct cfg_account *acct, const char *secret,
			       enum imapc_stage *stage_out, struct err *err)
{
	struct imapc *ic;

	ic = xcalloc(1, sizeof *ic);
	ic->host = xstrdup(acct->host != NULL ? acct->host : "");
	ic->name = xstrdup(acct->name != NULL ? acct->name : ic->host);
	ic->user = xstrdup(acct->user != NULL  ? acct->user :
			   acct->owner != NULL ? acct->owner :
						 "");
	ic->port = acct->port > 0 && acct->port < 65536 ? acct->port :
		   acct->security == CFG_SEC_TLS	? 993 :
							  143;
	ic->timeout_s = acct->timeout_s > 0 ? acct->timeout_s : 30;
	ic->imap = mailimap_new(0, NULL);
	if (ic->imap == NULL)
		oom();
	/* Before connecting: it then covers connect, handshake and every read. */
	mailimap_set_timeout(ic->imap, (time_t)ic->timeout_s);
	if (log_level >= LOG_LVL_TRACE)
		mailimap_set_logger(ic->imap, imapc_trace, ic);
	if (imapc_connect(ic, acct, err) == -1 || imapc_login(ic, acct, secret, err) == -1)
		goto fail;
	if (!imapc_caps_known(ic) && imapc_caps_read(ic, err) == -1)
		goto fail;
	imapc_caps_compute(ic);
	if (imapc_enable_qresync(ic, err) == -1)
		goto fail;
	log_debug("imap %s: logged in to %s:%d as %s, caps 0x%x", ic->name, ic->host, ic->port,
		  ic->user, ic->caps);
	ic->stage = IMAPC_STAGE_READY;
	if (stage_out != NULL)
		*stage_out = ic->stage;
	return ic;
fail:
	if (stage_out != NULL)
		*stage_out = ic->stage;
	imapc_close(&ic);
	return NULL;
}

void imapc_close(struct imapc **icp)
{
	struct imapc *ic = *icp;

	if (ic == NULL)
		return;
	*icp = NULL;
	if (ic->imap != NULL) {
		mailstream *s = ic->imap->imap_stream;

		if (s != NULL && !ic->dead) {
			/* Best effort, and quickly: a server that does not answer
			 * LOGOUT at once is not waited for. */
			mailstream_low_set_timeout(mailstream_get_low(s),
						   ic->timeout_s < 5 ? ic->timeout_s : 5);
			mailimap_logout(ic->imap); /* closes the stream */
		} else if (s != NULL) {
			/* mailimap_free() would send LOGOUT: not on a dead or
			 * untrusted connection. */
			mailstream_close(s);
			ic->imap->imap_stream = NULL;
		}
		mailimap_free(ic->imap);
	}
	free(ic->name);
	free(ic->host);
	free(ic->user);
	free(ic);
}

unsigned imapc_caps(const struct imapc *ic)
{
	return ic->caps;
}

const struct imapc_stats *imapc_stats(const struct imapc *ic)
{
	return &ic->stats;
}

/* -- LIST ------------------------------------------------------------------- */

static void imapc_utf8_put(struct buf *b, unsigned cp)
{
	char u[4];

	if (cp < 0x80) {
		u[0] = (char)cp;
		buf_add(b, u, 1);
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, u, 4);
	}
}

static int imapc_b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == ',')
		return 63;
	return -1;
}

/* Decodes one "&...-" run of UTF-16BE in modified base64; *pp points after
 * the '&' and is left after the '-'. */
static int imapc_mutf7_run(const char **pp, struct buf *out)
{
	const char *p = *pp;
	unsigned bits = 0, nbits = 0, hi = 0;

	for (; *p != '-'; p++) {
		int v = imapc_b64val(*p);
		if (v < 0)
			return -1;
		bits = (bits << 6 | (unsigned)v) & 0xffffff;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		unsigned u = (bits >> nbits) & 0xffff;
		if (u >= 0xd800 && u < 0xdc00) {
			if (hi != 0)
				return -1;
			hi = u;
		} else if (u >= 0xdc00 && u < 0xe000) {
			if (hi == 0)
				return -1;
			imapc_utf8_put(out, 0x10000 + ((hi - 0xd800) << 10) + (u - 0xdc00));
			hi = 0;
		} else {
			if (hi != 0 || (u >= 0x20 && u < 0x7f))
				return -1; /* printable ASCII must not be encoded */
			imapc_utf8_put(out, u);
		}
	}
	if (hi != 0 || nbits >= 6 || (bits & ((1u << nbits) - 1)) != 0)
		return -1;
	*pp = p + 1;
	return 0;
}

/* RFC 3501 §5.1.3 modified UTF-7 to UTF-8; NULL if malformed. */
static char *imapc_mutf7_decode(const char *s)
{
	struct buf out;

	buf_init(&out, 4 * strlen(s) + 16);
	while (*s != '\0') {
		if (*s != '&') {
			buf_addch(&out, *s++);
		} else if (s[1] == '-') {
			buf_addch(&out, '&');
			s += 2;
		} else {
			s++;
			if (imapc_mutf7_run(&s, &out) == -1) {
				buf_release(&out);
				return NULL;
			}
		}
	}
	return buf_detach(&out, NULL);
}

static void imapc_folder_from(struct imapc_folder *f, const struct mailimap_mailbox_list *mb)
{
	const struct mailimap_mbx_list_flags *fl = mb->mb_flag;
	clistiter *it;

	f->name = xstrdup(mb->mb_name);
	f->display = imapc_mutf7_decode(mb->mb_name);
	if (f->display == NULL)
		f->display = xstrdup(mb->mb_name);
	if (fl == NULL)
		return;
	if (fl->mbf_type == MAILIMAP_MBX_LIST_FLAGS_SFLAG &&
	    fl->mbf_sflag == MAILIMAP_MBX_LIST_SFLAG_NOSELECT)
		f->noselect = 1;
	for (it = clist_begin(fl->mbf_oflags); it != NULL; it = clist_next(it)) {
		const struct mailimap_mbx_list_oflag *of = clist_content(it);
		if (of->of_type != MAILIMAP_MBX_LIST_OFLAG_FLAG_EXT || of->of_flag_ext == NULL)
			continue;
		if (strcasecmp(of->of_flag_ext, "Sent") == 0)
			f->is_sent = 1;
		else if (strcasecmp(of->of_flag_ext, "NonExistent") == 0 ||
			 strcasecmp(of->of_flag_ext, "Noselect") == 0)
			f->noselect = 1; /* RFC 5258 §3: \NonExistent implies \Noselect */
	}
}

int imapc_list(struct imapc *ic, struct imapc_folder **out, size_t *n_out, struct err *err)
{
	struct imapc_folder *v = NULL;
	clist *list = NULL;
	size_t n = 0;
	clistiter *it;
	int r;

	*out = NULL;
	*n_out = 0;
	if (imapc_usable(ic, 0, "LIST", err) == -1)
		return -1;
	ic->stats.list++;
	if ((ic->caps & IMAPC_CAP_SPECIAL_USE) && imapc_has(ic, "LIST-EXTENDED")) {
		/* RFC 6154 §5.1. libetpan has no extended LIST, but its parser
		 * files the LIST replies of any command in the response info. */
		r = mailimap_custom_command(ic->imap, "LIST \"\" \"*\" RETURN (SPECIAL-USE)");
		if (r == MAILIMAP_NO_ERROR) {
			list = ic->imap->imap_response_info->rsp_mailbox_list;
			ic->imap->imap_response_info->rsp_mailbox_list = NULL;
		}
	} else {
		/* Servers with SPECIAL-USE usually flag folders in a plain LIST too. */
		r = mailimap_list(ic->imap, "", "*", &list);
	}
	if (r != MAILIMAP_NO_ERROR) {
		imapc_fail(ic, r, ERR_TEMP, "LIST", err);
		goto out;
	}
	if (list != NULL && clist_count(list) > 0) {
		v = xcalloc((size_t)clist_count(list), sizeof *v);
		for (it = clist_begin(list); it != NULL; it = clist_next(it))
			imapc_folder_from(&v[n++], clist_content(it));
	}
	*out = v;
	*n_out = n;
	r = 0;
out:
	if (list != NULL)
		mailimap_list_result_free(list);
	return r == 0 ? 0 : -1;
}

void imapc_folders_free(struct imapc_folder *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].display);
	}
	free(v);
}

/* -- STATUS and EXAMINE ----------------------------------------------------- */

static uint64_t imapc_status_modseq(const struct mailimap_status_info *si)
{
	const struct mailimap_extension_data *ed = si->st_ext_data;
	const struct mailimap_condstore_status_info *cs;

	if (ed == NULL || ed->ext_extension->ext_id != MAILIMAP_EXTENSION_CONDSTORE ||
	    ed->ext_type != MAILIMAP_CONDSTORE_TYPE_STATUS_INFO)
		return 0;
	cs = ed->ext_data;
	return cs->cs_highestmodseq_value;
}

int imapc_status(struct imapc *ic, const char *folder, struct imapc_mailbox *out, struct err *err)
{
	struct mailimap_status_att_list *atts;
	struct mailimap_mailbox_data_status *st = NULL;
	char what[300];
	clistiter *it;
	int r;

	memset(out, 0, sizeof *out);
	snprintf(what, sizeof what, "STATUS '%s'", folder);
	if (imapc_usable(ic, 0, what, err) == -1)
		return -1;
	atts = mailimap_status_att_list_new_empty();
	if (atts == NULL || mailimap_status_att_list_add(atts, MAILIMAP_STATUS_ATT_MESSAGES) != 0 ||
	    mailimap_status_att_list_add(atts, MAILIMAP_STATUS_ATT_UIDNEXT) != 0 ||
	    mailimap_status_att_list_add(atts, MAILIMAP_STATUS_ATT_UIDVALIDITY) != 0)
		oom();
	if ((ic->caps & IMAPC_CAP_CONDSTORE) &&
	    mailimap_status_att_list_add(atts, MAILIMAP_STATUS_ATT_HIGHESTMODSEQ) != 0)
		oom();
	ic->stats.status++;
	r = mailimap_status(ic->imap, folder, atts, &st);
	mailimap_status_att_list_free(atts);
	if (r != MAILIMAP_NO_ERROR) {
		if (st != NULL)
			mailimap_mailbox_data_status_free(st);
		return imapc_fail(ic, r, ERR_FINAL, what, err);
	}
	if (st == NULL)
		return err_set(err, ERR_DATA, "%s: %s sent no STATUS data", what, ic->host);
	for (it = clist_begin(st->st_info_list); it != NULL; it = clist_next(it)) {
		const struct mailimap_status_info *si = clist_content(it);
		switch (si->st_att) {
		case MAILIMAP_STATUS_ATT_MESSAGES:
			out->messages = si->st_value;
			break;
		case MAILIMAP_STATUS_ATT_UIDNEXT:
			out->uidnext = si->st_value;
			break;
		case MAILIMAP_STATUS_ATT_UIDVALIDITY:
			out->uidvalidity = si->st_value;
			break;
		case MAILIMAP_STATUS_ATT_EXTENSION:
			out->highestmodseq = imapc_status_modseq(si);
			break;
		default:
			break;
		}
	}
	mailimap_mailbox_data_status_free(st);
	return 0;
}

int imapc_examine(struct imapc *ic, const char *folder, struct imapc_mailbox *out, struct err *err)
{
	const struct mailimap_selection_info *sel;
	uint64_t modseq = 0;
	char what[300];
	int r;

	memset(out, 0, sizeof *out);
	snprintf(what, sizeof what, "EXAMINE '%s'", folder);
	ic->selected = 0;
	ic->sel_uidnext = 0;
	if (imapc_usable(ic, 0, what, err) == -1)
		return -1;
	ic->stats.select++;
	if (ic->caps & IMAPC_CAP_CONDSTORE)
		r = mailimap_examine_condstore(ic->imap, folder, &modseq);
	else
		r = mailimap_examine(ic->imap, folder);
	if (r != MAILIMAP_NO_ERROR)
		return imapc_fail(ic, r, ERR_FINAL, what, err);
	sel = ic->imap->imap_selection_info;
	if (sel == NULL || sel->sel_uidvalidity == 0)
		return err_set(err, ERR_FINAL, "%s: %s sent no UIDVALIDITY", what, ic->host);
	out->uidvalidity = sel->sel_uidvalidity;
	out->uidnext = sel->sel_uidnext;
	out->messages = sel->sel_exists;
	out->highestmodseq = modseq;
	ic->selected = 1;
	ic->sel_uidnext = sel->sel_uidnext;
	return 0;
}

/* -- IDLE (RFC 2177) ---------------------------------------------------------- */

/* IDLE is re-issued this often: servers may drop an idle client after 30
 * minutes (RFC 2177 §3). */
#define IMAPC_IDLE_MAX_S (25 * 60)

int imapc_idle(struct imapc *ic, const char *folder, int64_t seconds, volatile sig_atomic_t *stop,
	       int *changed_out, struct err *err)
{
	struct imapc_mailbox mb;
	struct timespec t0, t;
	char what[300];
	uint32_t exists;
	int r;

	*changed_out = 0;
	if (!(ic->caps & IMAPC_CAP_IDLE))
		return 1;
	if (imapc_examine(ic, folder, &mb, err) == -1)
		return -1;
	exists = mb.messages;
	snprintf(what, sizeof what, "IDLE in '%s'", folder);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int64_t left, round;
		int readable = 0;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = seconds - (int64_t)(t.tv_sec - t0.tv_sec);
		if (left <= 0 || (stop != NULL && *stop))
			return 0;
		round = left < IMAPC_IDLE_MAX_S ? left : IMAPC_IDLE_MAX_S;
		if (imapc_usable(ic, 1, what, err) == -1)
			return -1;
		ic->stats.other++;
		if ((r = mailimap_idle(ic->imap)) != MAILIMAP_NO_ERROR)
			return imapc_fail(ic, r, ERR_TEMP, what, err);
		/* Wake on anything the server says, a second at a time so a
		 * stop request is seen. */
		for (int64_t waited = 0; waited < round * 1000 && !readable; waited += 1000) {
			struct pollfd pf = {mailimap_idle_get_fd(ic->imap), POLLIN, 0};
			if (stop != NULL && *stop)
				break;
			readable = poll(&pf, 1, 1000) > 0;
		}
		imapc_begin(ic);
		if ((r = mailimap_idle_done(ic->imap)) != MAILIMAP_NO_ERROR)
			return imapc_fail(ic, r, ERR_TEMP, what, err);
		/* Untagged EXISTS responses update the selection (a mere
		 * "* OK still here" does not). */
		if (ic->imap->imap_selection_info != NULL &&
		    ic->imap->imap_selection_info->sel_exists != exists) {
			*changed_out = 1;
			return 0;
		}
	}
}

/* -- SEARCH ----------------------------------------------------------------- */

static int imapc_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts ascending and drops duplicates; returns the new count. */
static size_t imapc_sort_uniq(uint32_t *v, size_t n)
{
	size_t k = 0;

	if (n < 2)
		return n;
	qsort(v, n, sizeof *v, imapc_cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	return k;
}

/* "UID uid_min:* [SINCE date]" as a parenthesised key list. */
static struct mailimap_search_key *imapc_search_key(uint32_t uid_min, int64_t since)
{
	struct mailimap_search_key *key, *k;
	struct mailimap_set *set;

	key = mailimap_search_key_new_multiple_empty();
	set = mailimap_set_new_interval(uid_min, 0); /* uid_min:* */
	if (key == NULL || set == NULL || (k = mailimap_search_key_new_uid(set)) == NULL ||
	    mailimap_search_key_multiple_add(key, k) != MAILIMAP_NO_ERROR)
		oom();
	if (since > 0) {
		/* RFC 3501 §6.4.4: SINCE compares dates, ignoring time and zone. */
		struct mailimap_date *date;
		unsigned m, d;
		int64_t y;

		tu_civil_from_days(since / 86400, &y, &m, &d);
		date = mailimap_date_new((int)d, (int)m, (int)y);
		if (date == NULL || (k = mailimap_search_key_new_since(date)) == NULL ||
		    mailimap_search_key_multiple_add(key, k) != MAILIMAP_NO_ERROR)
			oom();
	}
	return key;
}

int imapc_search_uids(struct imapc *ic, uint32_t uid_min, int64_t since, uint32_t **uids_out,
		      size_t *n_out, struct err *err)
{
	struct mailimap_search_key *key;
	clist *res = NULL;
	uint32_t *v = NULL;
	size_t n = 0;
	clistiter *it;
	int r;

	*uids_out = NULL;
	*n_out = 0;
	if (imapc_usable(ic, 1, "UID SEARCH", err) == -1)
		return -1;
	if (uid_min == 0)
		uid_min = 1;
	key = imapc_search_key(uid_min, since);
	ic->stats.search++;
	r = mailimap_uid_search(ic->imap, NULL, key, &res);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR) {
		if (res != NULL)
			mailimap_search_result_free(res);
		return imapc_fail(ic, r, ERR_TEMP, "UID SEARCH", err);
	}
	if (res != NULL && clist_count(res) > 0) {
		v = xcalloc((size_t)clist_count(res), sizeof *v);
		for (it = clist_begin(res); it != NULL; it = clist_next(it)) {
			uint32_t uid = *(const uint32_t *)clist_content(it);
			/* "n:*" always matches the last message, even below n. */
			if (uid >= uid_min)
				v[n++] = uid;
		}
		n = imapc_sort_uniq(v, n);
	}
	if (res != NULL)
		mailimap_search_result_free(res);
	if (n == 0) {
		free(v);
		v = NULL;
	}
	*uids_out = v;
	*n_out = n;
	return 0;
}

/* -- FETCH ------------------------------------------------------------------ */

struct imapc_fetch_ctx {
	struct imapc *ic;
	int (*fn)(const struct imapc_msg *m, void *arg);
	void *arg;
	uint32_t first, last;
	int stopped;	   /* fn returned -1: later messages are read and dropped */
	size_t body_bytes; /* asked for; a server that sends more is cut to it */
};

/* RFC 3501 date-time to UTC seconds; dt_zone is +-HHMM as a number. */
static int64_t imapc_date_time(const struct mailimap_date_time *dt)
{
	int z = dt->dt_zone < 0 ? -dt->dt_zone : dt->dt_zone;
	int64_t off = (int64_t)(z / 100) * 3600 + (int64_t)(z % 100) * 60;
	int64_t days;

	if (dt->dt_month < 1 || dt->dt_month > 12 || dt->dt_day < 1 || dt->dt_day > 31)
		return 0;
	days = tu_days_from_civil(dt->dt_year, (unsigned)dt->dt_month, (unsigned)dt->dt_day);
	return days * 86400 + dt->dt_hour * 3600 + dt->dt_min * 60 + dt->dt_sec -
	       (dt->dt_zone < 0 ? -off : off);
}

static int imapc_is_text_section(const struct mailimap_section *sec)
{
	const struct mailimap_section_spec *sp = sec != NULL ? sec->sec_spec : NULL;

	return sp != NULL && sp->sec_type == MAILIMAP_SECTION_SPEC_SECTION_MSGTEXT &&
	       sp->sec_data.sec_msgtext != NULL &&
	       sp->sec_data.sec_msgtext->sec_type == MAILIMAP_SECTION_MSGTEXT_TEXT;
}

/* Fills m from one FETCH reply; returns 1 when it carried our header
 * section (an unsolicited FETCH with flags only does not). */
static int imapc_msg_from(struct imapc_msg *m, const struct mailimap_msg_att *att)
{
	int has_header = 0;
	clistiter *it;

	for (it = clist_begin(att->att_list); it != NULL; it = clist_next(it)) {
		const struct mailimap_msg_att_item *item = clist_content(it);

		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_EXTENSION) {
			const struct mailimap_extension_data *ed =
				item->att_data.att_extension_data;
			if (ed == NULL || ed->ext_data == NULL)
				continue;
			if (ed->ext_extension == &mailimap_extension_xgmmsgid)
				m->gm_msgid = *(const uint64_t *)ed->ext_data;
			else if (ed->ext_extension == &mailimap_extension_xgmthrid)
				m->gm_thrid = *(const uint64_t *)ed->ext_data;
			continue;
		}
		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		const struct mailimap_msg_att_static *st = item->att_data.att_static;
		switch (st->att_type) {
		case MAILIMAP_MSG_ATT_UID:
			m->uid = st->att_data.att_uid;
			break;
		case MAILIMAP_MSG_ATT_INTERNALDATE:
			if (st->att_data.att_internal_date != NULL)
				m->internaldate = imapc_date_time(st->att_data.att_internal_date);
			break;
		case MAILIMAP_MSG_ATT_RFC822_SIZE:
			m->size = st->att_data.att_rfc822_size;
			break;
		case MAILIMAP_MSG_ATT_BODY_SECTION: {
			const struct mailimap_msg_att_body_section *bs =
				st->att_data.att_body_section;
			const char *p = bs->sec_body_part != NULL ? bs->sec_body_part : "";
			size_t len = bs->sec_body_part != NULL ? bs->sec_length : 0;
			if (imapc_is_text_section(bs->sec_section)) {
				m->body = p;
				m->body_len = len;
			} else {
				m->header = p;
				m->header_len = len;
				has_header = 1;
			}
			break;
		}
		default:
			break;
		}
	}
	return has_header;
}

/* The message handler: libetpan frees att right after this returns. */
static void imapc_on_msg(struct mailimap_msg_att *att, void *data)
{
	struct imapc_fetch_ctx *fc = data;
	struct imapc_msg m;

	memset(&m, 0, sizeof m);
	if (!imapc_msg_from(&m, att) || m.uid < fc->first || m.uid > fc->last)
		return;
	if (m.body_len > fc->body_bytes)
		m.body_len = fc->body_bytes;
	fc->ic->stats.messages++;
	fc->ic->stats.bytes += m.header_len + m.body_len;
	if (fc->stopped)
		return;
	if (fc->fn(&m, fc->arg) == -1)
		fc->stopped = 1;
}

/* The message handler works only when a progress callback is set too. */
static void imapc_progress_noop(size_t current, size_t maximum, void *ctx)
{
	(void)current;
	(void)maximum;
	(void)ctx;
}

static struct mailimap_fetch_type *imapc_fetch_type(const struct imapc *ic, size_t body_bytes)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_header_list *hl;
	struct mailimap_section *sec;
	clist *names;

	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	names = clist_new();
	if (ft == NULL || names == NULL)
		oom();
	for (size_t i = 0; i < sizeof imapc_header_fields / sizeof *imapc_header_fields; i++)
		if (clist_append(names, xstrdup(imapc_header_fields[i])) < 0)
			oom();
	if ((hl = mailimap_header_list_new(names)) == NULL ||
	    (sec = mailimap_section_new_header_fields(hl)) == NULL)
		oom();
	if (mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid()) != 0 ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_internaldate()) !=
		    0 ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size()) !=
		    0 ||
	    mailimap_fetch_type_new_fetch_att_list_add(
		    ft, mailimap_fetch_att_new_body_peek_section(sec)) != 0)
		oom();
	if (body_bytes > 0) {
		uint32_t n = body_bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)body_bytes;
		if ((sec = mailimap_section_new_text()) == NULL ||
		    mailimap_fetch_type_new_fetch_att_list_add(
			    ft, mailimap_fetch_att_new_body_peek_section_partial(sec, 0, n)) != 0)
			oom();
	}
	if ((ic->caps & IMAPC_CAP_GMAIL) &&
	    (mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_xgmmsgid()) !=
		     0 ||
	     mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_xgmthrid()) !=
		     0))
		oom();
	return ft;
}

/* When fn stops, the rest of the answer is still read (and dropped): it is
 * one buffered response anyway, and the connection stays usable. */
int imapc_fetch(struct imapc *ic, uint32_t uid_first, uint32_t uid_last, size_t body_bytes,
		int (*fn)(const struct imapc_msg *m, void *arg), void *arg, struct err *err)
{
	struct imapc_fetch_ctx fc = {ic, fn, arg, uid_first, uid_last, 0, body_bytes};
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	clist *res = NULL;
	char what[64];
	int r;

	snprintf(what, sizeof what, "UID FETCH %" PRIu32 ":%" PRIu32, uid_first, uid_last);
	if (imapc_usable(ic, 1, what, err) == -1)
		return -1;
	if (uid_first == 0 || uid_last < uid_first)
		return err_set(err, ERR_FINAL, "%s: not a UID range", what);
	ft = imapc_fetch_type(ic, body_bytes);
	if ((set = mailimap_set_new_interval(uid_first, uid_last)) == NULL)
		oom();
	ic->stats.fetch++;
	mailimap_set_progress_callback(ic->imap, NULL, imapc_progress_noop, NULL);
	mailimap_set_msg_att_handler(ic->imap, imapc_on_msg, &fc);
	ic->guard.streaming = 1;
	r = mailimap_uid_fetch(ic->imap, set, ft, &res);
	ic->guard.streaming = 0;
	mailimap_set_msg_att_handler(ic->imap, NULL, NULL);
	mailimap_set_progress_callback(ic->imap, NULL, NULL, NULL);
	if (res != NULL)
		mailimap_fetch_list_free(res);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR)
		imapc_fail(ic, r, ERR_TEMP, what, err);
	if (fc.stopped || r != MAILIMAP_NO_ERROR)
		return -1;
	return 0;
}

/* -- QRESYNC ---------------------------------------------------------------- */

/* Appends the UIDs of a VANISHED set, ranges expanded and clipped to
 * [1, top]; more than IMAPC_VANISHED_MAX in all is ERR_DATA. */
static int imapc_set_expand(const struct mailimap_set *set, uint32_t top, uint32_t **v, size_t *n,
			    struct err *err)
{
	size_t cap = *n;
	clistiter *it;

	for (it = clist_begin(set->set_list); it != NULL; it = clist_next(it)) {
		const struct mailimap_set_item *si = clist_content(it);
		uint32_t a = si->set_first, b = si->set_last;

		if (a == 0 || b == 0) /* "*" (0 to libetpan) has no place here */
			a = b = a != 0 ? a : b;
		if (a > b) {
			uint32_t t = a;
			a = b;
			b = t;
		}
		if (b > top)
			b = top;
		for (uint64_t u = a; a != 0 && u <= b; u++) {
			if (*n >= IMAPC_VANISHED_MAX)
				return err_set(err, ERR_DATA, "VANISHED: more than %u UIDs",
					       IMAPC_VANISHED_MAX);
			if (*n == cap) {
				cap = cap ? cap * 2 : 256;
				*v = xreallocarray(*v, cap, sizeof **v);
			}
			(*v)[(*n)++] = (uint32_t)u;
		}
	}
	return 0;
}

int imapc_vanished(struct imapc *ic, uint64_t modseq, uint32_t **uids_out, size_t *n_out,
		   struct err *err)
{
	static const char what[] = "UID FETCH (CHANGEDSINCE VANISHED)";
	struct mailimap_qresync_vanished *van = NULL;
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	clist *res = NULL;
	uint32_t *v = NULL;
	size_t n = 0;
	int r, rc = -1;

	*uids_out = NULL;
	*n_out = 0;
	if (imapc_usable(ic, 1, what, err) == -1)
		return -1;
	if (!(ic->caps & IMAPC_CAP_QRESYNC))
		return err_set(err, ERR_FINAL, "%s: %s has no QRESYNC", what, ic->host);
	if (modseq == 0) /* libetpan would then send no CHANGEDSINCE at all */
		return err_set(err, ERR_FINAL, "%s: needs a mod-sequence above 0", what);
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	set = mailimap_set_new_interval(1, 0); /* 1:* */
	if (ft == NULL || set == NULL ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid()) != 0)
		oom();
	ic->stats.fetch++;
	r = mailimap_uid_fetch_qresync(ic->imap, set, ft, modseq, &res, &van);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (res != NULL)
		mailimap_fetch_list_free(res); /* changed flags: not our business */
	if (r != MAILIMAP_NO_ERROR) {
		imapc_fail(ic, r, ERR_TEMP, what, err);
		goto out;
	}
	/* Vanished UIDs are below UIDNEXT; clip whatever a server sends. */
	if (van != NULL && van->qr_known_uids != NULL &&
	    imapc_set_expand(van->qr_known_uids,
			     ic->sel_uidnext > 0 ? ic->sel_uidnext - 1 : UINT32_MAX, &v, &n,
			     err) == -1)
		goto out;
	if (n > 0) {
		*n_out = imapc_sort_uniq(v, n);
		*uids_out = v;
		v = NULL;
	}
	rc = 0;
out:
	free(v);
	if (van != NULL)
		mailimap_qresync_vanished_free(van);
	return rc;
}

/* core/buf.h - growable, NUL-terminated byte buffer with a hard maximum.
 *
 * The only growable string type in crmsync. The contents may hold NUL bytes
 * (IMAP literals can), so always use `len`; `data` is nevertheless always
 * NUL-terminated so text can be passed to C string functions. A buffer
 * refuses to grow past the maximum given at init: appends then return -1 and
 * leave the contents unchanged, so input sizes controlled by a server or a
 * file become errors instead of unbounded memory.
 */
#ifndef CORE_BUF_H
#define CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* owned; never NULL after buf_init */
	size_t len;
	size_t cap;
	size_t max; /* largest len allowed */
};

void buf_init(struct buf *b, size_t max);
/* Frees the contents; the buffer may be initialised again. Safe twice. */
void buf_release(struct buf *b);
/* Empties the buffer, keeping its memory. */
void buf_reset(struct buf *b);
/* Each append returns 0, or -1 when it would exceed the maximum. */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_addstr(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Hands the contents to the caller (free() them) and re-initialises b. */
char *buf_detach(struct buf *b, size_t *len_out);

#endif

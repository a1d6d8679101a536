/* core/xalloc.h - allocation that aborts on out-of-memory.
 *
 * Out of memory is not a condition crmsync recovers from: every allocator
 * here either returns usable memory or prints one line and aborts. Sizes
 * driven by input must be bounded by the caller before they get here.
 */
#ifndef CORE_XALLOC_H
#define CORE_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
/* Grows or shrinks p; also aborts when nmemb * size overflows. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
/* Copies exactly n bytes of s and adds a NUL; s need not be terminated. */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* Prints "crmsync: out of memory" and aborts. */
void oom(void) __attribute__((noreturn));

#endif

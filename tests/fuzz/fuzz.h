/* tests/fuzz/fuzz.h - what the libFuzzer targets share.
 *
 * Each tests/fuzz/fuzz_<name>.c defines one LLVMFuzzerTestOneInput that
 * feeds the input to one parser and frees everything it got back: ASan's
 * leak checker runs at exit, so a leak is a finding like a crash. The
 * input buffer libFuzzer passes is exactly `size` bytes of heap, so APIs
 * that take a length get it as is (an over-read by one byte is caught);
 * APIs that take a C string get a terminated copy from fuzz_strdup.
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated heap copy of the input; NUL bytes inside stay, so a C
 * string API sees the part before the first one. */
static inline char *fuzz_strdup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Splits the input at the first '\n': *head gets a terminated copy of the
 * first line (a parameter such as a charset name), *rest and *rest_len the
 * bytes after it (none when there is no line break). */
static inline void fuzz_split(const uint8_t *data, size_t size, char **head, const char **rest,
			      size_t *rest_len)
{
	const uint8_t *nl = size > 0 ? memchr(data, '\n', size) : NULL;
	size_t hlen = nl != NULL ? (size_t)(nl - data) : size;

	*head = fuzz_strdup(data, hlen);
	*rest = (const char *)data + (nl != NULL ? hlen + 1 : size);
	*rest_len = nl != NULL ? size - hlen - 1 : 0;
}

#endif

/* core/json.h - writing JSON text (RFC 8259) into a buffer.
 *
 * Only what our output needs: escaped strings, numbers and the punctuation
 * callers write themselves. Invalid UTF-8 in a string is replaced by U+FFFD
 * so the output is always valid JSON, whatever a mail header contained.
 */
#ifndef CORE_JSON_H
#define CORE_JSON_H

#include <stdint.h>

struct buf;

/* Appends s as a JSON string with quotes; NULL appends null. */
void json_str(struct buf *b, const char *s);
/* Appends "key": followed by a string / an integer / a time (RFC 3339 UTC,
 * or null for INT64_MIN). A comma is written first when `comma` is set. */
void json_kv_str(struct buf *b, int comma, const char *key, const char *val);
void json_kv_int(struct buf *b, int comma, const char *key, int64_t val);
void json_kv_time(struct buf *b, int comma, const char *key, int64_t t);

#endif

/* parsers/ics_internal.h - private to parsers/ics*.c and their tests. */
#ifndef PARSERS_ICS_INTERNAL_H
#define PARSERS_ICS_INTERNAL_H

#include <stddef.h>

/* The i-th Windows zone name of the table behind ics_windows_zone(), or
 * NULL past the end: lets the tests check every entry resolves. */
const char *ics_winzone_name(size_t i);

#endif

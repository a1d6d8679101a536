/* parsers/addr.h - email address canonicalisation (SPEC §5.4).
 *
 * Addresses are stored as written and matched on a canonical key: local
 * part and domain lower-cased, the domain in one form (IDNA: Unicode labels
 * to punycode "xn--" form, a trailing dot removed), "+tag" removed from the
 * local part when plus addressing is on, and dots removed from the local
 * part for gmail.com and googlemail.com (which also becomes gmail.com).
 * Pure: no database, no network.
 */
#ifndef PARSERS_ADDR_H
#define PARSERS_ADDR_H

#include <stddef.h>

struct err;

/* Returns the canonical key of `addr` in a new heap string, or NULL with
 * err set (ERR_DATA) when addr is not an address (no '@', empty local part
 * or domain, a domain that IDNA rejects, control characters or spaces
 * outside a quoted local part). Surrounding white space and one pair of
 * enclosing angle brackets are removed first. */
char *addr_canonical(const char *addr, int plus_addressing, struct err *err);
/* Canonical form of a bare domain (lower-cased, punycode, no trailing dot),
 * or NULL with err set. */
char *addr_domain_canonical(const char *domain, struct err *err);
/* The domain part of a canonical key (the text after the last '@'). */
const char *addr_domain(const char *canon);
/* 1 if the canonical address is a role address that never becomes a
 * contact or counts as a person: noreply@, no-reply@, donotreply@,
 * mailer-daemon@, postmaster@, info@, support@, sales@, billing@, ... */
int addr_is_role(const char *canon);

#endif

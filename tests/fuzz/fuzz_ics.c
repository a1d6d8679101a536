/* tests/fuzz/fuzz_ics.c - iCalendar through our libical wrapper
 * (parsers/ics.c): time zones, recurrence expansion with its caps,
 * overrides, attendees.
 *
 * The window is fixed, the size of `crmsync import ics`'s default (ten
 * years back, two ahead, here of 2026-01-01): a daily series reaches the
 * instance cap inside it. The default zone is not UTC, so floating times
 * and all-day dates go through a zone conversion. */
#include "core/err.h"
#include "parsers/ics.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ics_options o = {
		.default_tz = "Europe/Berlin",
		.window_start = 1451606400, /* 2016-01-01 */
		.window_end = 1830297600,   /* 2028-01-01 */
		.max_instances = 0,	    /* ICS_DEFAULT_INSTANCES */
		.plus_addressing = 1,
	};
	struct ics_result r;
	struct err err;

	err_init(&err);
	if (ics_parse((const char *)data, size, &o, &r, &err) == 0)
		ics_result_release(&r);
	return 0;
}

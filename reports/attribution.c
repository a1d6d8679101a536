/* reports/attribution.c - SPEC §6 "attribution" (being written). */
#include "reports/report.h"
#include "core/err.h"

int report_attribution(struct store *st, const struct report_params *p, struct report_doc *d,
		       struct err *err)
{
	(void)st;
	(void)p;
	(void)d;
	return err_set(err, ERR_USAGE, "the attribution report is not built yet");
}

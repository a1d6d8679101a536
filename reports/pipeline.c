/* reports/pipeline.c - SPEC §6 "funnel" and "forecast" (being written). */
#include "reports/report.h"
#include "core/err.h"

int report_funnel(struct store *st, const struct report_params *p, struct report_doc *d,
		  struct err *err)
{
	(void)st;
	(void)p;
	(void)d;
	return err_set(err, ERR_USAGE, "the funnel report is not built yet");
}

int report_forecast(struct store *st, const struct report_params *p, struct report_doc *d,
		    struct err *err)
{
	(void)st;
	(void)p;
	(void)d;
	return err_set(err, ERR_USAGE, "the forecast report is not built yet");
}

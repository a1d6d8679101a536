/* reports/render_html.c - a report as one self-contained HTML page (being
 * written). */
#include "reports/report.h"
#include "core/err.h"

int report_render_html(const struct report_doc *d, FILE *fp, struct err *err)
{
	(void)d;
	(void)fp;
	return err_set(err, ERR_USAGE, "HTML reports are not built yet");
}

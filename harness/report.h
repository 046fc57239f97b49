/*
 * report.h — `gomem-bench report DIR`: one page per run, DIR/report.md
 * and DIR/report.html, with the machine context, a table per workload
 * and the figures `gomem-bench plot DIR` drew.
 *
 * report.html is self-contained: the figures are embedded as base64 data
 * URIs and the style is inline, so it can be mailed or archived as CI
 * output alone.  report.md links the figures (plots/NAME.png) relative to
 * DIR.
 *
 * Exit status: 0 written; 1 a file could not be written or read; 2 bad
 * command line, or DIR missing or corrupt.
 */
#ifndef GOMEM_HARNESS_REPORT_H
#define GOMEM_HARNESS_REPORT_H

#include <stdio.h>

#include "harness/results.h"

#define GMB_REPORT_MD "report.md"
#define GMB_REPORT_HTML "report.html"

/* Write DIR/report.md and DIR/report.html for the loaded run (d->dir is
 * DIR); messages on err.  Returns the exit status above. */
int gmb_report_write(const gmb_results_data *d, FILE *err);

int gmb_cmd_report(int argc, char **argv);

#endif /* GOMEM_HARNESS_REPORT_H */

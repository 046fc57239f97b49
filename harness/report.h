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

/* ---- the setting tables (reportsweep.c) -------------------------------- */

#define GMB_REPORT_CELL 256 /* bytes per table cell */

/* The setting a table runs across. */
typedef enum gmb_sweep_axis {
	GMB_AXIS_GOGC,
	GMB_AXIS_MEMLIMIT,
} gmb_sweep_axis;

/* What gmb_report_sweep_tables hands each table to: a title naming the
 * benchmark (and the other settings, when they vary), and the cells, row
 * 0 the header. */
typedef void (*gmb_report_table_fn)(const char *title,
				    char (*cells)[GMB_REPORT_CELL],
				    size_t nrows, size_t ncols, void *ctx);

/* A table per benchmark that reports collector counters (gc_cycles) and
 * ran under two values or more of `axis` with its other settings equal:
 * a row per value (GOGC rising, off last; memory limit falling, off
 * first), with the medians over the repetitions of items/s, time/op, GC
 * CPU fraction, peak RSS, cycles, pause p50 / p99 / max, and the
 * repetitions.  Returns the number of tables. */
size_t gmb_report_sweep_tables(const gmb_results_data *d, gmb_sweep_axis axis,
			       gmb_report_table_fn emit, void *ctx);

/* ---- the result tables (reporttables.c) ------------------------------- */

/* What gmb_report_result_tables hands the line under each table. */
typedef void (*gmb_report_note_fn)(const char *text, void *ctx);

/* A table per workload and configuration, in the order the run wrote
 * them: a row per gomem benchmark, a column per baseline (the benchmarks
 * whose names differ only in the "gomem" component) with gomem's ratio
 * to it, collector metrics where any row has them; each table through
 * emit, then a note on what the cells are.  Returns the number of
 * tables. */
size_t gmb_report_result_tables(const gmb_results_data *d, gmb_report_table_fn emit,
				gmb_report_note_fn note, void *ctx);

/* ---- peers (reportpeers.c) -------------------------------------------- */

#include "harness/peers.h"

/* The fidelity table, gomem against Go (a row per gomem benchmark with
 * a Go twin that counted cycles), handed to emit; returns its rows, and
 * in *flagged how many of them differ past peers.h's thresholds. */
size_t gmb_report_fidelity(const gmb_results_data *d, gmb_report_table_fn emit,
			   void *ctx, size_t *flagged);
/* The verdict of one row in words ("DIFFERS: gomem runs 23% more cycles
 * than Go", or "within 15% (cycles) and 10% (peak heap)"). */
void gmb_report_fidelity_row(const gmb_fidelity *f, char *verdict,
			     size_t len);
/* The pause table, gomem against Go: per configuration where both have
 * pauses for a benchmark in common (plotpauses.h), a row per runtime
 * with its cycles and the p50, p90, p99 and maximum pause per cycle,
 * each benchmark weighing the same; handed to emit.  Returns the number
 * of configurations (0: no table, e.g. a run without Go). */
size_t gmb_report_pause_table(const gmb_results_data *d,
			      gmb_report_table_fn emit, void *ctx);
/* The lines about a run --runtime: what ran, how it was interleaved,
 * what was skipped and why (context.json's run.runtimes); the count. */
size_t gmb_report_peer_notes(const gmb_results_data *d,
			     char (*lines)[2 * GMB_REPORT_CELL], size_t max);

#endif /* GOMEM_HARNESS_REPORT_H */

/*
 * compare.h — `gomem-bench compare BASE NEW`: every benchmark of two
 * results directories side by side, metric by metric, with a two-sided
 * Mann-Whitney U test over the repetitions; a regression is flagged only
 * when the difference is both significant (p < alpha) and larger than a
 * threshold.
 *
 * Also the metric table and the sample helpers that report.c and plot.c
 * share: which numbers of a benchmark entry are read, under which names,
 * and which direction is better.
 */
#ifndef GOMEM_HARNESS_COMPARE_H
#define GOMEM_HARNESS_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "harness/results.h"

/*
 * The metrics, declared once: X(id, label, unit, counter, higher_better).
 * `counter` is the Google Benchmark counter holding the value (a workload
 * reports it with gmb_set_counter under exactly this name); NULL means the
 * entry's real_time per iteration.  A metric an entry does not carry is
 * skipped for that entry.  Units: "ns" (a duration), "/s" (a rate), "B"
 * (bytes), "" (a fraction or a plain number).
 */
#define GMB_METRICS(X)                                                      \
	X(TIME, "time/op", "ns", NULL, false)                                \
	X(ITEMS, "items/s", "/s", "items_per_second", true)                  \
	X(PAUSE_P99, "pause p99", "ns", "pause_p99_ns", false)               \
	X(STOP_P99, "stop p99", "ns", "stop_p99_ns", false)                  \
	X(STOP_MAX, "stop max", "ns", "stop_max_ns", false)                  \
	X(MARKTERM_P99, "mark term p99", "ns", "markterm_p99_ns", false)     \
	X(MMU_10MS, "MMU 10ms", "", "mmu_10ms", true)                        \
	X(PEAK_RSS, "peak RSS", "B", "peak_rss_bytes", false)

typedef enum gmb_metric_id {
#define GMB_METRIC_ENUM(id, label, unit, counter, hb) GMB_METRIC_##id,
	GMB_METRICS(GMB_METRIC_ENUM)
#undef GMB_METRIC_ENUM
	GMB_METRIC_COUNT
} gmb_metric_id;

typedef struct gmb_metric {
	const char *label;   /* "time/op" */
	const char *unit;    /* "ns", "/s", "B", "" */
	const char *counter; /* counter name, or NULL for real_time */
	bool higher_better;
} gmb_metric;

const gmb_metric *gmb_metric_get(gmb_metric_id id);

/* The value of metric `m` in entry `b`; false when the entry lacks it. */
bool gmb_metric_value(const gmb_metric *m, const gmb_results_bench *b,
		      double *v);

/* The values of metric `m` over the repetitions of (config, run_name),
 * erroneous entries left out, into v[0..cap).  When the run kept only
 * aggregates, its median stands alone (and *aggregates_only is set).
 * Returns how many values there are (may exceed cap; only cap are
 * written). */
size_t gmb_metric_samples(const gmb_results_data *d, int config,
			  const char *run_name, const gmb_metric *m, double *v,
			  size_t cap, bool *aggregates_only);

/* The median of v[0..n) (sorts v); NaN when n == 0. */
double gmb_median(double *v, size_t n);

/* Print `v` of the unit `unit` (see GMB_METRICS) readably into buf:
 * "3.51 ns", "1.20 ms", "285M/s", "12.0 MiB", "0.713". */
const char *gmb_metric_format(double v, const char *unit, char *buf,
			      size_t len);

/* ---- the comparison ---------------------------------------------------- */

#define GMB_COMPARE_THRESHOLD 5.0 /* percent: below it, noise on a 2-core VM */
#define GMB_COMPARE_ALPHA 0.05    /* significance level of the U test */

typedef struct gmb_compare_opts {
	double threshold; /* percent; a change must exceed it to count */
	double alpha;     /* the test's p must be below it to count */
	FILE *out;        /* the table and the summary */
	FILE *err;        /* load errors */
} gmb_compare_opts;

/* What one comparison found (counts of metric rows). */
typedef struct gmb_compare_summary {
	size_t benchmarks;    /* present in both */
	size_t rows;          /* (benchmark, metric) pairs compared */
	size_t regressions;   /* significant and past the threshold, worse */
	size_t improvements;  /* significant and past the threshold, better */
	size_t too_few;       /* rows whose test could never reach p < alpha */
	size_t failed;        /* benchmarks that reported an error in NEW */
	size_t only_base, only_new; /* benchmarks on one side only */
} gmb_compare_summary;

void gmb_compare_opts_default(gmb_compare_opts *o);

/* Compare two loaded runs; print the table to o->out.  Returns 1 when
 * anything regressed or failed, else 0.  `sum` may be NULL. */
int gmb_compare_data(const gmb_results_data *base,
		     const gmb_results_data *next, const gmb_compare_opts *o,
		     gmb_compare_summary *sum);

/* Load both directories and compare them: the exit status of `compare`
 * (0 no regression, 1 regression, 2 a directory is missing or corrupt,
 * with the file and the problem named on o->err). */
int gmb_compare_dirs(const char *base, const char *next,
		     const gmb_compare_opts *o, gmb_compare_summary *sum);

int gmb_cmd_compare(int argc, char **argv);

#endif /* GOMEM_HARNESS_COMPARE_H */

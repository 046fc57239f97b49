/*
 * plotpauses.h — the pauses of gomem and of Go side by side, read from a
 * run's pauses.csv: the pause_cdf_go figure of `gomem-bench plot` and
 * the pause table of the report's section on runtimes (reportpeers.c).
 *
 * pauses.csv ("runtime,config,benchmark,pause_ns", run_peers.c) holds,
 * per runtime, configuration and benchmark, the stop-the-world time of
 * each collection cycle of the benchmark's last run (a cycle's stops
 * added up, as Go's MemStats.PauseNs; at most the newest 256 cycles).
 * gomem and Go are compared per configuration over the benchmarks both
 * of them have pauses for (binary_trees/gomem/18 with binary_trees/go/18),
 * and each such benchmark weighs the same in both distributions: a
 * benchmark with n pauses gives each a weight 1 / (n x benchmarks), so
 * that one with many short cycles does not drown the others, and the two
 * curves average over the same mix of work.
 */
#ifndef GOMEM_HARNESS_PLOTPAUSES_H
#define GOMEM_HARNESS_PLOTPAUSES_H

#include <stddef.h>

#include "harness/plot.h"

#define GMB_PAUSES_FILE "pauses.csv" /* = run.h's GMB_RESULTS_PAUSES */
#define GMB_PAUSES_MAX_PANELS 8      /* configurations in one figure */

/* One runtime's pauses in one configuration: sorted, with the weighted
 * cumulative distribution (cum[i]: the share of the weight at most
 * ns[i]; cum[n - 1] = 1). */
typedef struct gmb_pause_dist {
	double *ns;
	double *cum;
	size_t n;
} gmb_pause_dist;

/* gomem against Go in one configuration. */
typedef struct gmb_pause_pair {
	int config;       /* index into d->configs */
	size_t nbench;    /* benchmarks both have pauses for (>= 1) */
	gmb_pause_dist gomem, go;
} gmb_pause_pair;

/* Read d->dir/pauses.csv; a pair per configuration where gomem and Go
 * have pauses for a benchmark in common, GOGC rising (off last), at most
 * GMB_PAUSES_MAX_PANELS, into *out (malloc'd; gmb_pause_pairs_free).
 * Returns how many; 0 (and *out NULL) when the file is missing or has
 * no such pair, e.g. a run without Go. */
size_t gmb_pause_pairs(const gmb_results_data *d, gmb_pause_pair **out);
void gmb_pause_pairs_free(gmb_pause_pair *p, size_t n);

/* The weighted q-quantile (0 < q <= 1): the smallest pause whose
 * cumulative share reaches q; NaN for an empty distribution. */
double gmb_pause_quantile(const gmb_pause_dist *s, double q);

/* The pause_cdf_go figure's extractor (plot.c's table). */
int gmb_plot_pause_cdf_go(gmb_plot_ctx *c);

#endif /* GOMEM_HARNESS_PLOTPAUSES_H */

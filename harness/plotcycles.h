/*
 * plotcycles.h — the figures of `gomem-bench plot` drawn from per-cycle
 * logs: pause-time CDF, minimum mutator utilization, heap over time (the
 * extractors of plot.c's table; the CSV contract is in plotcycles.c).
 */
#ifndef GOMEM_HARNESS_PLOTCYCLES_H
#define GOMEM_HARNESS_PLOTCYCLES_H

#include "harness/plot.h"

int gmb_plot_pause_cdf(gmb_plot_ctx *c);
int gmb_plot_mmu(gmb_plot_ctx *c);
int gmb_plot_heap(gmb_plot_ctx *c);

/* MMU(w) of the pauses [start[i], start[i] + len[i]) (sorted by start, not
 * overlapping), all in ns: 1 - the most pause time any window of length w
 * holds, divided by w; 0 when a pause is longer than w. */
double gmb_mmu(const double *start, const double *len, size_t n, double w);

#endif /* GOMEM_HARNESS_PLOTCYCLES_H */

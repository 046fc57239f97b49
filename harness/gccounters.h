/*
 * gccounters.h — the collector's figures for one benchmark run, as Google
 * Benchmark counters: cycles, pause percentiles (per cycle, as Go's
 * PauseNs, and per stop of the world), minimum mutator utilization,
 * stack bytes scanned, peak RSS.
 *
 * Google Benchmark 1.7.1 sums per-thread counters across threads, so a
 * percentile must be computed once: only thread 0 sets these.
 */
#ifndef GOMEM_HARNESS_GCCOUNTERS_H
#define GOMEM_HARNESS_GCCOUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gomem.h"
#include "harness/cycles.h"
#include "harness/shim.h"

/* Take a snapshot at the start of a run, note the wall clock
 * (CLOCK_REALTIME, the clock of gm_gcstats.pause_end) for this thread,
 * and reset the peak RSS: the same thread must call gmb_gc_counters_end. */
void gmb_gc_counters_begin(gm_gcstats *before);
/* Set on st, over the pauses of this run (at most the last 256):
 *   gc_cycles                        cycles completed during the run
 *   pause_p50_ns .. pause_p999_ns    nearest-rank p50, p90, p99, p99.9
 *   pause_max_ns
 *   mmu_1ms, mmu_10ms, mmu_100ms     minimum mutator utilization
 *   gc_cpu_fraction                  the collector's CPU time over the
 *                                    run's cycles / (run wall time x
 *                                    procs): Go's GCCPUFraction, for
 *                                    this run only
 *   peak_rss_bytes                   the run's peak RSS (rss.h: the
 *                                    high-water mark is reset at begin;
 *                                    where the kernel refuses, the
 *                                    process's peak so far)
 * and, over the individual stops of the world of the cycles of the run (at
 * most the last GMB_STOPLOG_CYCLES; gmb_stops_summarize):
 *   stops                            how many
 *   stop_p50_ns, stop_p99_ns, stop_max_ns           every stop
 *   markterm_p50_ns, markterm_p99_ns, markterm_max_ns
 *                                    mark termination: the last stop of
 *                                    each cycle (a stop-the-world cycle's
 *                                    only one)
 *   otherstop_p50_ns, otherstop_p99_ns, otherstop_max_ns
 *                                    the stops before it (sweep
 *                                    termination ...), when there are any
 *   stack_scan_bytes, stack_scan_max_bytes   stack bytes scanned per
 *                                    cycle: mean and max
 *   peak_heap_bytes                  the largest heap at the end of a
 *                                    cycle's mark (heap_mark_end): the
 *                                    peak heap of the fidelity table,
 *                                    Go's gctrace "->B->" figure
 *   heap_goal_bytes                  the heap goal at the run's end (the
 *                                    last cycle's next_goal; Go's
 *                                    /gc/heap/goal:bytes)
 * Nothing on threads other than 0. */
void gmb_gc_counters_end(gmb_state *st, const gm_gcstats *before);

/* The MMU curve of the last run that set these counters (thread 0's
 * gmb_gc_counters_end keeps it, the next one replaces it): copy it into
 * window_ns / mmu (GMB_MMU_CURVE_MAX each) and forget it.  Returns its
 * length; 0 when no run has left one since the last take.  The runner
 * writes it to mmu.csv as the benchmark instance finishes. */
size_t gmb_gc_curve_take(double *window_ns, double *mmu);
/* The same for the last run's pauses (per cycle, ns, newest first; at
 * most 256): copied into ns and forgotten; the count.  The runner writes
 * them to pauses.csv, where the pause CDFs of gomem and its peers come
 * from. */
size_t gmb_gc_pauses_take(uint64_t ns[256]);

/* ---- the computation, without a collector (tests/test_gccounters.c) ---- */

/* The MMU curve's windows: 100 us x 10^(k/10), k = 0 .. 50, i.e. 100 us to
 * 10 s, ten per decade. */
#define GMB_MMU_CURVE_MAX 51
double gmb_mmu_curve_window(int k);

/* The figures of one run's pauses. */
typedef struct gmb_gc_summary {
	uint32_t npause;                /* pauses the figures are over */
	uint64_t p50_ns, p90_ns, p99_ns, p999_ns, max_ns; /* 0 when none */
	double mmu_1ms, mmu_10ms, mmu_100ms;
} gmb_gc_summary;

/* Nearest rank over sorted[0..n), n > 0: the smallest value with at least
 * permille/1000 of the values at or below it (rank ceil(permille*n/1000),
 * in integers, so p99.9 is 999 of 1..1000). */
uint64_t gmb_pause_rank(const uint64_t *sorted, uint32_t n, unsigned permille);

/* Minimum mutator utilization of a run [t0, t1] for windows of length w,
 * all in ns (Cheng & Blelloch): the least fraction of any window of length
 * w inside [t0, t1] not covered by the pauses [start[i], start[i] +
 * len[i]), which must be sorted by start, not overlapping, and inside the
 * run.  A window at least as long as the run gives the run's overall
 * utilization; an empty run gives 1. */
double gmb_run_mmu(const double *start, const double *len, size_t n,
		   double t0, double t1, double w);

/* The summary of the run [t0, t1] (ns since the epoch) from n pauses in
 * gm_gcstats' layout, newest first: pause i covers [pause_end[i] -
 * pause_ns[i], pause_end[i]] (clipped to the run).  `truncated`: the run
 * had more cycles than the n given, so its start is not covered; the MMU
 * is then over [start of the oldest pause, t1].  0, or -1 out of memory. */
int gmb_gc_summarize(const uint64_t *pause_ns, const uint64_t *pause_end,
		     uint32_t n, bool truncated, uint64_t t0, uint64_t t1,
		     gmb_gc_summary *out);

/* The MMU curve of the run [t0, t1] from the pauses of gmb_gc_summarize
 * (same arguments): window_ns[i], mmu[i] for the curve's windows that fit
 * in the run (the first one always; a window as long as the run or longer
 * gives the run's overall utilization).  Returns the number of points, 0
 * out of memory. */
size_t gmb_gc_mmu_curve(const uint64_t *pause_ns, const uint64_t *pause_end,
			uint32_t n, bool truncated, uint64_t t0, uint64_t t1,
			double *window_ns, double *mmu);

/* Percentiles of one kind of stop. */
typedef struct gmb_stop_figures {
	uint32_t n;                    /* stops of this kind */
	uint64_t p50_ns, p99_ns, max_ns; /* nearest rank; 0 when n == 0 */
} gmb_stop_figures;

/* The figures of a run's stops, one by one. */
typedef struct gmb_stop_summary {
	uint32_t ncycles;
	gmb_stop_figures all, markterm, other;
	uint64_t stack_scan_mean, stack_scan_max; /* bytes per cycle */
	int64_t gc_cpu_ns;             /* the collector's CPU, all cycles */
	int procs;                     /* of the last cycle; 0 without one */
} gmb_stop_summary;

/* GC CPU fraction of a run of wall_ns with the summary s: s->gc_cpu_ns /
 * (wall_ns x s->procs); 0 without cycles, capped at 1. */
double gmb_gc_cpu_fraction(const gmb_stop_summary *s, uint64_t wall_ns);

/* Summarize the cycles c[0 .. n): every stop i < nstops of each is one
 * value; the last is its mark termination, the others are "other".  0, or
 * -1 out of memory. */
int gmb_stops_summarize(const gmb_cycle_stops *c, size_t n,
			gmb_stop_summary *out);

/* Google Benchmark's loop, as a blocking region: a thread that waits at
 * Google Benchmark's start/stop barrier while attached must not hold up a
 * stop of the world (Go's entersyscall). */
bool gmb_keep_running_batch_attached(gmb_state *st, int64_t n);

#endif

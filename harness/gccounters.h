/*
 * gccounters.h — the collector's figures for one benchmark run, as Google
 * Benchmark counters: cycles, pause percentiles, peak RSS.
 *
 * Google Benchmark 1.7.1 sums per-thread counters across threads, so a
 * percentile must be computed once: only thread 0 sets these.
 */
#ifndef GOMEM_HARNESS_GCCOUNTERS_H
#define GOMEM_HARNESS_GCCOUNTERS_H

#include "gomem.h"
#include "harness/shim.h"

/* Take a snapshot at the start of a run (thread 0). */
void gmb_gc_counters_begin(gm_gcstats *before);
/* Set gc_cycles, pause_p50_ns, pause_p99_ns, pause_max_ns (over the pauses
 * of this run, at most the last 256) and peak_rss_bytes (the process's, from
 * getrusage) on st; nothing on threads other than 0. */
void gmb_gc_counters_end(gmb_state *st, const gm_gcstats *before);

/* Google Benchmark's loop, as a blocking region: a thread that waits at
 * Google Benchmark's start/stop barrier while attached must not hold up a
 * stop of the world (Go's entersyscall). */
bool gmb_keep_running_batch_attached(gmb_state *st, int64_t n);

#endif

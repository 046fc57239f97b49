/*
 * mstats.h — the collector's part of runtime.MemStats and debug.GCStats
 * (Go's mstats.go and runtime/debug/garbage.go).  gm_read_memstats and
 * gm_read_gcstats (public, include/gomem.h) live in mstats.c.
 */
#ifndef GOMEM_GC_MSTATS_H
#define GOMEM_GC_MSTATS_H

#include <stdint.h>

#include "gomem.h"

/* Number of recent pauses kept: len(MemStats.PauseNs), mstats.go. */
#define GMI_PAUSE_RING 256

/* Zero every collector statistic and remember now (CLOCK_MONOTONIC) as the
 * start of the time over which gc_cpu_fraction is taken (Go's
 * runtimeInitTime).  Call from gm_init, before any cycle. */
void gmi_mstats_init(void);

/* A cycle has finished (Go's gcMarkTermination, after gcControllerCommit).
 * c is filled in except gc_cpu_fraction, which is computed here and written
 * back into c; end_unixnano is when the last stop of the cycle ended, in
 * ns since the Unix epoch.  Records num_gc, num_forced_gc, the pause ring
 * (one entry per cycle: the sum of c->stop_ns[0..nstops)), pause_total_ns
 * and last_gc, then hands c to the trace module (gctrace line, cycle hook).
 * Call with no gomem lock held and the world running: the hook runs on the
 * calling thread.  Cycles must be reported one at a time, in order. */
void gmi_mstats_cycle_done(gm_cycle *c, uint64_t end_unixnano);

#endif

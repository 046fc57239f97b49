/*
 * trace.h — what the world hears about each finished cycle: Go's gctrace
 * line (GODEBUG=gctrace=1, mgc.go gcMarkTermination) and the cycle hook
 * (gm_set_cycle_hook, public in include/gomem.h).
 */
#ifndef GOMEM_GC_TRACE_H
#define GOMEM_GC_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "gomem.h"

/* Set the gctrace level (GODEBUG=gctrace=N; 0 = silent).  Leaves the hook
 * as it is. */
void gmi_trace_init(int gctrace);

/* Format Go's gctrace line for cycle c, ending in '\n', into buf (as
 * snprintf: at most n-1 characters and a NUL when n > 0).  Returns the
 * length of the whole line, which may exceed n-1.  since_init_ns_at_start
 * is the cycle's start in ns since gm_init (Go's tSweepTerm -
 * runtimeInitTime), printed after '@'. */
size_t gmi_gctrace_format(char *buf, size_t n, const gm_cycle *c,
			  int64_t since_init_ns_at_start);

/* A cycle has finished (called by gmi_mstats_cycle_done, with no lock
 * held and the world running): print the gctrace line to stderr when
 * gctrace > 0 (using c->t_sweep_term as the start), then call the hook. */
void gmi_trace_cycle_done(const gm_cycle *c);

#endif

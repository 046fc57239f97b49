/*
 * gc.h — the collector's internal interface: the cycle driver (gc.c),
 * marking (mark.c) and sweeping (sweep.c).
 */
#ifndef GOMEM_GC_GC_H
#define GOMEM_GC_GC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gc/workbuf.h"

/* What mutators do in each phase (set only by gmi_gc_set_phase, which also
 * derives the barrier flag). */
typedef enum gmi_gc_phase {
	GMI_PHASE_OFF = 0,     /* no marking: allocate white, barrier off */
	GMI_PHASE_MARK = 1,    /* marking: allocate black, barrier on */
	GMI_PHASE_MARKTERM = 2 /* mark termination, world stopped */
} gmi_gc_phase;

bool gmi_gc_init(void);
void gmi_gc_shutdown(void);
/* run one cycle (Go's gcStart): forced by gm_gc, or by the trigger */
void gmi_gc_run_cycle(bool forced);

/* ---- for tests and benchmarks ------------------------------------------- */

/* the phase now (a relaxed read; it may change at once) */
gmi_gc_phase gmi_gc_phase_now(void);
/* While held, a concurrent cycle's marking never completes: mark
 * termination waits until gmi_gc_hold_mark(false).  Lets a test or a
 * benchmark run mutators inside the mark phase for as long as it needs. */
void gmi_gc_hold_mark(bool hold);
/* Start a cycle as if forced, and return once it is marking concurrently
 * (for GM_STW, once the whole cycle is done).  If a cycle is already
 * marking, return at once.  The caller must be attached. */
void gmi_gc_start_async(void);
/* Wait (in a blocking region) until no cycle is marking. */
void gmi_gc_wait_mark_done(void);

/* ---- mark.c ------------------------------------------------------------- */

typedef struct gmi_mark_result {
	uint64_t marked;      /* bytes of objects marked */
	uint64_t stack_scan;  /* stack bytes scanned */
	uint64_t globals_scan;/* root range bytes scanned */
	int64_t worker_cpu_ns;/* CPU time of the mark workers and the caller */
} gmi_mark_result;

bool gmi_mark_init(int markers);
void gmi_mark_shutdown(void);
/* With the world stopped: mark everything reachable from the roots, in
 * parallel on `markers` threads (the caller is one of them). */
void gmi_mark_run(gmi_mark_result *r);
/* grey the object holding address p, if any (conservative or precise) */
void gmi_mark_grey(gmi_gcwork *w, uintptr_t p);

/* ---- heapcheck.c --------------------------------------------------------- */

/* When set (tests), every cycle verifies after mark that each object
 * reachable from the roots is marked, and throws otherwise. */
extern bool gmi_heapcheck_enabled;
/* the verifier itself, world stopped; returns the objects it reached */
size_t gmi_heapcheck_after_mark(void);

/* ---- sweep.c ------------------------------------------------------------ */

bool gmi_sweep_init(void);
void gmi_sweep_shutdown(void);
/* sweep termination, world stopped: stop the background sweeper and finish
 * every unswept span (Go's finishsweep_m) */
void gmi_sweep_finish(void);
/* mark termination, world stopped: a new sweep generation, every thread's
 * cache released, sweep pacing computed from the trigger (Go's gcSweep and
 * gcPaceSweeper); the background sweeper resumes when the world restarts */
void gmi_sweep_begin_cycle(uint64_t trigger);
/* let the background sweeper run again (after the world restarts) */
void gmi_sweep_resume(void);
/* proportional sweeping before a span of `bytes` is taken (Go's
 * deductSweepCredit) */
void gmi_sweep_deduct_credit(size_t bytes);
/* sweep every unswept span now and wait for other sweepers (gm_gc) */
void gmi_sweep_all_now(void);

#endif

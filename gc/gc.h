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
#include "gomem.h"

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

/* ---- mark.c, markroot.c, assist.c --------------------------------------- */

struct gmi_thread;

/* the roots gmi_mark_run scans */
#define GMI_MARK_ROOT_STACKS 1u   /* every attached thread's stack and registers */
#define GMI_MARK_ROOT_GLOBALS 2u  /* every registered root range */

/* A cycle's marking totals (gmi_mark_totals). */
typedef struct gmi_mark_result {
	uint64_t marked;      /* bytes of objects greyed (black allocation not
			       * included: gc.c adds it from heap_live) */
	uint64_t stack_scan;  /* stack bytes scanned */
	uint64_t globals_scan;/* root range bytes scanned */
	int64_t worker_cpu_ns;/* background workers' mark time (dedicated and
			       * fractional), or the stopped mark's CPU time */
	int64_t assist_ns;    /* mark assists' time */
	int64_t idle_ns;      /* idle marking's time (idle workers, gm_gc's
			       * caller helping) */
} gmi_mark_result;

/* procs background workers (plus procs idle ones with idle_mark) */
bool gmi_mark_init(int procs, gm_collector mode, bool idle_mark);
void gmi_mark_shutdown(void);
/* grey the object holding address p, if any (conservative or precise) */
void gmi_mark_grey(gmi_gcwork *w, uintptr_t p);
/* gmi_mark_grey for each of ps[0, n) (zeros skipped): the write barrier's
 * flush (Go's wbBufFlush1) */
void gmi_mark_grey_batch(gmi_gcwork *w, const uintptr_t *ps, size_t n);
/* Go's scanobject: b is a grey object's slot (or an oblet of a large
 * one); greys what its pointer slots hold (scan.c) */
void gmi_mark_scan_object(gmi_gcwork *w, uintptr_t b);
/* hand w's grey objects and counts to the cycle (and wake a worker) */
void gmi_mark_publish(gmi_gcwork *w);

/* World stopped: a new cycle's totals are zero, marking time starts at now,
 * every thread's assist credit is reset. */
void gmi_mark_begin(uint32_t cycle, int64_t now);
/* World stopped, after gmi_mark_begin: mark everything reachable from the
 * given roots, in parallel with procs - 1 workers; *cpu_ns gets the CPU
 * time spent. */
void gmi_mark_run(unsigned roots, int64_t *cpu_ns);
/* World stopped, phase MARK: arm the stack scans (GM_YUASA: scan them all
 * now) and the root-range job.  Then, once the world runs again,
 * gmi_mark_release_workers wakes the background workers (Go's workers
 * too start when the world does). */
void gmi_mark_start_concurrent(void);
void gmi_mark_release_workers(void);
/* any stack or root job, grey object on the global list, or unattached
 * marker draining */
bool gmi_mark_work_left(void);
/* Keep unattached markers from starting to drain and wait for those
 * draining; false (and undone) if work turned up meanwhile. */
bool gmi_mark_quiesce(void);
void gmi_mark_unquiesce(void);
/* World stopped: every thread's barrier buffer and gcWork to the global
 * list. */
void gmi_mark_flush_all(void);
/* World stopped, marking complete: workers leave the concurrent mark. */
void gmi_mark_end_concurrent(void);
/* Wake every sleeping worker and waiting assist (after the restart that
 * follows gmi_mark_end_concurrent: they leave their loops; a futex wake
 * in the stop would lengthen it) */
void gmi_mark_wake_workers(void);
/* see gmi_gc_hold_mark: while held, assists do not wait for work */
void gmi_mark_hold(bool held);
void gmi_mark_totals(gmi_mark_result *r);

/* an attached thread took `bytes` while marking: its assist debt */
void gmi_mark_alloc(struct gmi_thread *t, size_t bytes);
/* the calling thread drains grey objects until none are left (gm_gc) */
void gmi_mark_help(void);
/* a root range registered while marking is scanned at once */
void gmi_mark_new_root(uintptr_t lo, uintptr_t hi);

/* Threads (proc.c calls these): */
bool gmi_mark_wants_stack(const struct gmi_thread *t);
/* t itself, spilled, at a safepoint: scan its stack if still wanted */
void gmi_mark_scan_own_stack(struct gmi_thread *t);
/* t itself, spilled, entering a blocking region while marking */
void gmi_mark_thread_blocking(struct gmi_thread *t);
/* t is being linked (scheduler lock held, no stop in force) */
void gmi_mark_thread_attach_locked(struct gmi_thread *t);
/* t itself at a safepoint while a ragged flush is requested: hand over
 * its barrier buffer and grey objects (once per request) */
void gmi_mark_safepoint_flush(struct gmi_thread *t);
/* Go's gcMarkDone before its stop: have every running attached thread
 * flush its barrier buffer and gcWork at its next safepoint (blocked
 * threads flushed as they blocked), waiting at most timeout_ns for them.
 * false when every thread did and one had grey objects to hand over:
 * marking goes on.  true otherwise: marking may be done, and the stop
 * that confirms it also flushes any thread that was not reached in time.
 * The collector's thread calls it. */
bool gmi_mark_ragged_flush(int64_t timeout_ns);
/* t is detaching (RUNNING, cache released) */
void gmi_mark_thread_detach(struct gmi_thread *t);

/* ---- barrier.c ---------------------------------------------------------- */

void gmi_barrier_init(gm_collector mode);
/* t itself: shade its buffered pointers and publish them */
void gmi_wbuf_flush(struct gmi_thread *t);
/* t itself, or anyone with the world stopped: shade t's buffered pointers
 * into w */
void gmi_wbuf_drain(struct gmi_thread *t, gmi_gcwork *w);

/* ---- gc.c ---------------------------------------------------------------- */

/* marking may be complete: wake the collector's thread to check */
void gmi_gc_poke(void);

/* ---- heapcheck.c --------------------------------------------------------- */

/* When set (tests), every cycle verifies after mark that each object
 * reachable from the roots is marked, and throws otherwise. */
extern bool gmi_heapcheck_enabled;
/* the verifier itself, world stopped; returns the objects it reached */
size_t gmi_heapcheck_after_mark(void);
/* The stack roots it checks (gmi_thread's check_roots): markroot.c records,
 * while gmi_heapcheck_enabled, each word of a thread's stack or registers
 * that its scan found pointing into a heap object (stack_root), says that
 * a scan ran (thread_scanned), forgets them when a cycle begins
 * (thread_reset, world stopped) and frees them at detach. */
void gmi_heapcheck_stack_root(struct gmi_thread *t, uintptr_t word);
void gmi_heapcheck_thread_scanned(struct gmi_thread *t);
void gmi_heapcheck_thread_reset(struct gmi_thread *t);
void gmi_heapcheck_thread_free(struct gmi_thread *t);

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
/* Sweep, on the calling thread, every span still unswept (Go's gcStart
 * does so before it stops the world, so that sweep termination has
 * nothing left to sweep in the pause). */
void gmi_sweep_before_stop(void);

#endif

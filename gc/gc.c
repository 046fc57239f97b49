/*
 * gc.c — the collector's cycle driver and its overview (Go's mgc.go).
 *
 * The collector, as Go's (gomem follows Go's history; see DESIGN.md):
 *
 *   phases    OFF (sweeping, allocate white, no barrier) -> MARK (allocate
 *             black, barrier on) -> MARKTERM (world stopped) -> OFF.  One
 *             setter changes the phase and derives the barrier flag.
 *   marking   tri-color, by mark bits and grey work buffers (mark.c,
 *             workbuf.c); roots are the attached threads' stacks and
 *             registers and the registered ranges, scanned conservatively
 *             (proc.c, roots.c); heap objects are scanned precisely by
 *             their pointer maps (alloc/heapbits.h).
 *   sweeping  by sweep generation: lazy, proportional and background
 *             (sweep.c).
 *   pacing    the heap goal from GOGC (pacer.c); a cycle starts when the
 *             live heap reaches it.
 *   stats     MemStats, GCStats, the cycle hook and gctrace (mstats.c,
 *             trace.c).
 *
 * A cycle of the stop-the-world collector (GM_STW, Go 1.3-1.4; the
 * concurrent modes arrive with the barrier work and run the same way until
 * then):
 * 1. Stop the world (a safepoint for every attached thread).
 * 2. Sweep termination: pause the background sweeper and sweep what is
 *    left of the last cycle.
 * 3. Mark, in parallel, everything reachable from the roots.
 * 4. Mark termination: commit the pacer (next goal and trigger), start a
 *    new sweep generation, release every thread's cache, reset heap_live
 *    to the marked bytes, pace the sweepers.
 * 5. Restart the world, record the cycle, wake the background sweeper.
 */
#include <stdatomic.h>
#include <unistd.h>

#include "alloc/gmi.h"
#include "alloc/malloc.h"
#include "alloc/mheap.h"
#include "gc/gc.h"
#include "gc/mstats.h"
#include "gc/pacer.h"
#include "gc/proc.h"

int gm_barrier_enabled_;

static struct {
	_Atomic int phase;        /* gmi_gc_phase; written by gc_set_phase */
	uint32_t cycles;          /* cycles started; world stopped */
	int procs;
} gc;

/* The one place the phase changes; derives the barrier flag. */
static void gc_set_phase(gmi_gc_phase p)
{
	atomic_store_explicit(&gc.phase, p, memory_order_release);
	__atomic_store_n(&gm_barrier_enabled_, p == GMI_PHASE_MARK, __ATOMIC_RELEASE);
}

/* the slow-path hook (alloc/malloc.h): Go's mallocgc housekeeping */
static void gc_alloc_slow(size_t bytes)
{
	gm_safepoint();
	gmi_sweep_deduct_credit(bytes);
	int64_t live = atomic_load_explicit(&gmi_heap.stats.heap_live, memory_order_relaxed);
	if ((uint64_t)live >= gmi_pacer_trigger())
		gmi_gc_run_cycle(false);
}

static int gc_online_procs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : (int)n;
}

bool gmi_gc_init(void)
{
	gc.procs = gmi_config.procs > 0 ? gmi_config.procs : gc_online_procs();
	gc.cycles = 0;
	gc_set_phase(GMI_PHASE_OFF);
	if (!gmi_mark_init(gc.procs) || !gmi_sweep_init())
		return false;
	gmi_alloc_slow_hook = gc_alloc_slow;
	return true;
}

void gmi_gc_shutdown(void)
{
	gmi_alloc_slow_hook = NULL;
	gmi_sweep_shutdown();
	gmi_mark_shutdown();
}

/* steps 2-4 with the world stopped; fills the record's heap figures */
static void gc_stopped_cycle(gm_cycle *c)
{
	int64_t cpu0 = gmi_thread_cputime();
	gmi_sweep_finish();
	c->t_mark = gmi_nanotime();
	c->sweep_term_cpu_ns = gmi_thread_cputime() - cpu0;

	gc_set_phase(GMI_PHASE_MARK);
	gmi_mark_result r = { 0 };
	gmi_mark_run(&r);
	if (gmi_heapcheck_enabled)
		gmi_heapcheck_after_mark();
	c->t_mark_term = gmi_nanotime();
	c->mark_cpu_ns = r.worker_cpu_ns;
	c->heap_mark_end = (uint64_t)atomic_load(&gmi_heap.stats.heap_live);

	int64_t cpu1 = gmi_thread_cputime();
	gc_set_phase(GMI_PHASE_MARKTERM);
	c->heap_marked = r.marked;
	c->stack_scan = r.stack_scan;
	c->globals_scan = r.globals_scan;
	c->heap_goal = gmi_pacer_goal();
	c->next_goal = gmi_pacer_commit(r.marked, r.stack_scan, r.globals_scan);
	atomic_store(&gmi_heap.stats.heap_live, (int64_t)r.marked);
	gmi_sweep_begin_cycle(gmi_pacer_trigger());
	gc_set_phase(GMI_PHASE_OFF);
	c->mark_term_cpu_ns = gmi_thread_cputime() - cpu1;
}

void gmi_gc_run_cycle(bool forced)
{
	int64_t t_request = gmi_stw_stop();
	/* another thread may have just run the cycle this one wanted (Go's
	 * gcStart re-tests the trigger under work.startSema) */
	int64_t live = atomic_load(&gmi_heap.stats.heap_live);
	if (!forced && (uint64_t)live < gmi_pacer_trigger()) {
		gmi_stw_start();
		return;
	}
	gm_cycle c = { 0 };
	c.num = ++gc.cycles;
	c.forced = forced;
	c.collector = gmi_config.collector;
	c.procs = gc.procs;
	c.t_sweep_term = t_request;
	c.heap_trigger = (uint64_t)live;
	c.trigger = gmi_pacer_trigger();
	gc_stopped_cycle(&c);
	c.t_end = gmi_stw_start();
	c.nstops = 1;
	c.stop_ns[0] = c.t_end - t_request;
	c.stop_end[0] = c.t_end;
	gmi_sweep_resume();
	gmi_mstats_cycle_done(&c, gmi_unixnano());
}

gmi_gc_phase gmi_gc_phase_now(void)
{
	return (gmi_gc_phase)atomic_load_explicit(&gc.phase, memory_order_relaxed);
}

static _Atomic bool gc_mark_held;

void gmi_gc_hold_mark(bool hold)
{
	atomic_store(&gc_mark_held, hold);
}

void gmi_gc_start_async(void)
{
	gmi_gc_run_cycle(true);
}

void gmi_gc_wait_mark_done(void)
{
}

/* As debug.FreeOSMemory: a full collection, then every free page back to
 * the OS. */
void gm_free_os_memory(void)
{
	if (!gmi_is_inited())
		return;
	gm_gc();
	gmi_scavenge_all();
}

void gm_gc(void)
{
	if (!gmi_is_inited())
		return;
	gmi_gc_run_cycle(true);
	/* runtime.GC returns after sweeping completes */
	gmi_sweep_all_now();
}

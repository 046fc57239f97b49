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
 *   barriers  hybrid, Dijkstra or Yuasa by gm_config.collector (barrier.c).
 *   sweeping  by sweep generation: lazy, proportional and background
 *             (sweep.c).
 *   pacing    the heap goal from GOGC, the trigger before it, assist ratios
 *             and worker counts (pacer.c).
 *   stats     MemStats, GCStats, the cycle hook and gctrace (mstats.c,
 *             trace.c).
 *
 * A concurrent cycle (GM_HYBRID, GM_DIJKSTRA, GM_YUASA; Go 1.5+):
 * 1. Start (gcStart), on the allocating thread that crossed the trigger
 *    (or gm_gc's caller): sweep what the last cycle left, then stop the
 *    world.  Sweep termination: pause the background sweeper, finish
 *    sweeping (little is left), release every thread's cache (so that
 *    every span cached from now on allocates black).  The pacer starts
 *    the cycle (worker counts, assist ratios); the phase becomes MARK,
 *    which turns the barrier on; the stack scans and the root-range job
 *    are armed (GM_YUASA scans every stack here).  Restart the world, then
 *    wake the workers (a wake-up inside the stop would lengthen it).
 * 2. Concurrent mark (mark.c): workers at 25% of procs, assists, each
 *    stack scanned once, mutators greying through the barrier.
 * 3. Completion (gcMarkDone), on the collector's own thread (gm-gc0), woken
 *    whenever marking may have run out: no stack or root job left, no grey
 *    object anywhere visible, no worker draining.  First the ragged
 *    barrier (forEachP): each running thread flushes its barrier buffer
 *    and work at its next safepoint; if one had work, go on marking.
 *    Then stop the world, flush every buffer again, and if that found any
 *    work, restart the world and go on marking (Go's "mark termination
 *    restarted").
 * 4. Mark termination (gcMarkTermination), world still stopped: the phase
 *    becomes MARKTERM (barrier off); GM_DIJKSTRA re-scans every stack and
 *    drains, in parallel; the optional checkmark verifies the mark
 *    (heapcheck.c, GODEBUG=gccheckmark=1); every cache is released again,
 *    clearing the black bits of the slots left unused; the marked bytes
 *    are what was greyed plus what was allocated black (the growth of
 *    heap_live since step 1); the pacer ends the cycle and commits the
 *    next goal and trigger; a new sweep generation begins; phase OFF.
 *    Restart the world, record the cycle, wake the sweeper and anyone
 *    waiting for the cycle (gm_gc).
 *
 * GM_STW (Go 1.3-1.4) runs steps 1-4 in one stop, with a parallel mark of
 * everything in the middle and no barrier; its trigger is the goal.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc/gmi.h"
#include "alloc/malloc.h"
#include "alloc/mcache.h"
#include "alloc/mheap.h"
#include "alloc/panic.h"
#include "alloc/scavenge.h"
#include "gc/gc.h"
#include "gc/limiter.h"
#include "gc/mstats.h"
#include "gc/pacer.h"
#include "gc/proc.h"

int gm_barrier_enabled_;

static struct {
	_Atomic int phase;        /* gmi_gc_phase; written by gc_set_phase */
	uint32_t cycles;          /* cycles started; world stopped */
	uint32_t started;         /* = cycles, __atomic for the waiters */
	int procs;
	gm_collector mode;
	/* the cycle in progress: written by its starter with the world
	 * stopped and just after (until it sets cur_ready), then only by the
	 * collector's thread.  No lock: an attached thread must never wait
	 * for a lock that a stopper of the world may hold. */
	gm_cycle cur;
	_Atomic bool cur_ready;
	int64_t live_start;       /* heap_live after step 1's release */
	/* the collector's thread (gm-gc0); ctl_lock protects pokes, stop */
	pthread_t ctl;
	bool ctl_running;
	pthread_mutex_t ctl_lock;
	pthread_cond_t ctl_wake;
	pthread_cond_t cycle_done; /* a cycle was recorded */
	uint32_t recorded;        /* ctl_lock: the last cycle recorded */
	uint64_t pokes;
	bool stop;
	_Atomic bool held;        /* gmi_gc_hold_mark */
	/* Go's work.startSema: one thread at a time tests the trigger and
	 * starts a cycle; waited for in a blocking region (gc_start_lock).
	 * inv:cycle-start the phase leaves OFF only with start_lock held */
	pthread_mutex_t start_lock;
} gc = {
	.start_lock = PTHREAD_MUTEX_INITIALIZER,
	.ctl_lock = PTHREAD_MUTEX_INITIALIZER,
	.ctl_wake = PTHREAD_COND_INITIALIZER,
	.cycle_done = PTHREAD_COND_INITIALIZER,
};

/* The one place the phase changes; derives the barrier flag. */
static void gc_set_phase(gmi_gc_phase p)
{
	atomic_store_explicit(&gc.phase, p, memory_order_release);
	__atomic_store_n(&gm_barrier_enabled_, p == GMI_PHASE_MARK, __ATOMIC_SEQ_CST);
}

/* a cycle is recorded (MemStats, hook, gctrace): wake gm_gc's waiters */
static void gc_cycle_recorded(gm_cycle *done)
{
	gmi_mstats_cycle_done(done, gmi_unixnano());
	pthread_mutex_lock(&gc.ctl_lock);
	gc.recorded = done->num;
	pthread_cond_broadcast(&gc.cycle_done);
	pthread_mutex_unlock(&gc.ctl_lock);
}

/* the live heap at which a cycle starts: the pacer's trigger, or for the
 * stop-the-world collector the goal itself (Go 1.4's next_gc) */
static uint64_t gc_trigger(void)
{
	return gc.mode == GM_STW ? gmi_pacer_goal() : gmi_pacer_trigger();
}

/* the slow-path hook (alloc/malloc.h): Go's mallocgc housekeeping */
static void gc_alloc_slow(size_t span_bytes, size_t assist_bytes)
{
	gm_safepoint();
	gmi_limit_alloc_slow(); /* memory-limit inputs, CPU limiter */
	gmi_thread *t = gmi_proc_self;
	if (atomic_load_explicit(&gc.phase, memory_order_relaxed) == GMI_PHASE_MARK) {
		/* marking: the pacer follows the heap (mcache.refill calls
		 * revise), and the allocation is paid for in scan work */
		gmi_pacer_revise((uint64_t)atomic_load(&gmi_heap.stats.heap_live),
				 (uint64_t)atomic_load(&gmi_heap.stats.heap_scan));
		if (t != NULL)
			gmi_mark_alloc(t, assist_bytes);
		return;
	}
	gmi_sweep_deduct_credit(span_bytes);
	int64_t live = atomic_load_explicit(&gmi_heap.stats.heap_live, memory_order_relaxed);
	if ((uint64_t)live >= gc_trigger())
		gmi_gc_run_cycle(false);
}

/* the poll hook (alloc/malloc.h) */
static void gc_alloc_poll(void)
{
	gm_safepoint();
}

static int gc_online_procs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : (int)n;
}

/* add one stop to the cycle record; stops past GM_MAX_STOPS - 1 are
 * added into the one before the last slot, so that the last recorded stop
 * is always mark termination's and the sum stays the total pause */
static void gc_add_stop(gm_cycle *c, int64_t requested, int64_t restarted, bool last)
{
	uint32_t i = c->nstops;
	if (!last && i > GM_MAX_STOPS - 2)
		i = GM_MAX_STOPS - 2;
	if (i > GM_MAX_STOPS - 1)
		i = GM_MAX_STOPS - 1;
	c->stop_ns[i] += restarted - requested;
	c->stop_end[i] = restarted;
	c->nstops++;
	gmi_limit_stop(c->num, !last, requested, restarted);
}

static void gc_release_cache(gmi_thread *t, void *ctx)
{
	(void)ctx;
	gmi_mcache_release_all(t->mcache);
}

/* step 4 with the world stopped since t_request; *done gets the finished
 * record, for gmi_mstats_cycle_done */
static void gc_mark_termination(gm_cycle *c, int64_t t_request, int64_t t_mark_term,
				gm_cycle *done)
{
	int64_t cpu1 = gmi_thread_cputime();
	c->t_mark_term = t_mark_term;
	gc_set_phase(GMI_PHASE_MARKTERM);
	int64_t rescan_cpu = 0;
	if (gc.mode != GM_STW) {
		gmi_mark_end_concurrent();
		if (gc.mode == GM_DIJKSTRA) /* stacks are grey: re-scan them */
			gmi_mark_run(GMI_MARK_ROOT_STACKS, &rescan_cpu);
	}
	if (gmi_heapcheck_enabled)
		gmi_heapcheck_after_mark();
	/* clear the black bits of unused cached slots, then allocate white */
	gmi_proc_for_each(gc_release_cache, NULL);
	__atomic_store_n(&gmi_alloc_black, 0, __ATOMIC_RELAXED);

	gmi_mark_result r = { 0 };
	gmi_mark_totals(&r);
	int64_t live = atomic_load(&gmi_heap.stats.heap_live);
	uint64_t black = live > gc.live_start ? (uint64_t)(live - gc.live_start) : 0;
	c->heap_mark_end = (uint64_t)live;
	c->heap_marked = r.marked + (gc.mode == GM_STW ? 0 : black);
	c->stack_scan = r.stack_scan;
	c->globals_scan = r.globals_scan;
	gmi_limit_term_begin(); /* the memory now, for the goal */
	c->heap_goal = gmi_pacer_goal();
	if (gc.mode != GM_STW) {
		c->mark_cpu_ns = r.worker_cpu_ns;
		c->assist_cpu_ns = r.assist_ns;
		c->idle_cpu_ns = r.idle_ns;
		gmi_pacer_end_cycle(gmi_nanotime(), gc.procs, c->forced, (uint64_t)live);
	}
	/* false: the sweep runs after this pause, in every mode */
	c->next_goal = gmi_pacer_commit_sweep(c->heap_marked, r.stack_scan,
					      r.globals_scan, false);
	gmi_limit_cycle_end(c, c->heap_goal, c->next_goal);
	atomic_store(&gmi_heap.stats.heap_live, (int64_t)c->heap_marked);
	atomic_store(&gmi_heap.stats.heap_scan, (int64_t)gmi_pacer_last_heap_scan());
	gmi_sweep_begin_cycle(gc_trigger());
	gc_set_phase(GMI_PHASE_OFF);
	c->mark_term_cpu_ns = gmi_thread_cputime() - cpu1 + rescan_cpu;
	/* once the world runs, the next cycle may start and reuse gc.cur:
	 * finish the record in the copy */
	*done = *c;
	done->t_end = gmi_stw_start();
	gc_add_stop(done, t_request, done->t_end, true);
	gmi_mark_wake_workers();
	gmi_scavenger_wake();
	gmi_sweep_resume();
}

/* GM_STW: steps 2-4 in the one stop */
static void gc_stopped_cycle(gm_cycle *c, int64_t t_request, gm_cycle *done)
{
	int64_t cpu0 = gmi_thread_cputime();
	gmi_sweep_finish();
	c->t_mark = gmi_nanotime();
	c->sweep_term_cpu_ns = gmi_thread_cputime() - cpu0;
	gmi_mark_begin(c->num, c->t_mark);
	gc_set_phase(GMI_PHASE_MARK);
	int64_t cpu = 0;
	gmi_mark_run(GMI_MARK_ROOT_STACKS | GMI_MARK_ROOT_GLOBALS, &cpu);
	c->mark_cpu_ns = cpu;
	gc_mark_termination(c, t_request, gmi_nanotime(), done); /* one stop */
}

/* step 1, world stopped */
static void gc_start_concurrent(gm_cycle *c, int64_t t_request)
{
	int64_t cpu0 = gmi_thread_cputime();
	gmi_sweep_finish();
	gmi_proc_for_each(gc_release_cache, NULL);
	gc.live_start = atomic_load(&gmi_heap.stats.heap_live);
	int64_t now = gmi_nanotime();
	gmi_pacer_start_cycle(now, gc.procs, (uint64_t)gc.live_start,
			      (uint64_t)atomic_load(&gmi_heap.stats.heap_scan));
	gmi_mark_begin(c->num, now);
	__atomic_store_n(&gmi_alloc_black, 1, __ATOMIC_RELAXED);
	gc_set_phase(GMI_PHASE_MARK);
	gmi_mark_start_concurrent();
	c->t_mark = gmi_nanotime();
	c->sweep_term_cpu_ns = gmi_thread_cputime() - cpu0;
	int64_t restarted = gmi_stw_start();
	gc_add_stop(c, t_request, restarted, false);
	atomic_store_explicit(&gc.cur_ready, true, memory_order_release);
	gmi_mark_release_workers();
}

/* Take start_lock.  Its holder may stop the world, so a thread that
 * has to wait for it waits in a blocking region: the stop does not wait
 * for it, as Go's stopTheWorld does not wait for a goroutine blocked on
 * startSema. */
static void gc_start_lock(void)
{
	if (pthread_mutex_trylock(&gc.start_lock) == 0)
		return;
	gm_blocking_enter();
	pthread_mutex_lock(&gc.start_lock);
	gm_blocking_leave();
}

void gmi_gc_run_cycle(bool forced)
{
	/* Go's gcStart sweeps what is left of the last cycle's spans before
	 * it stops the world, so that sweep termination's finishsweep_m finds
	 * (almost) nothing to do with the world stopped */
	if (gc.mode != GM_STW && atomic_load(&gc.phase) == GMI_PHASE_OFF)
		gmi_sweep_before_stop();
	if (atomic_load(&gc.phase) != GMI_PHASE_OFF ||
	    (!forced && (uint64_t)atomic_load(&gmi_heap.stats.heap_live) < gc_trigger()))
		return;
	/* and, as gcStart, looks again under work.startSema: another thread
	 * may have started the cycle meanwhile.  Testing under the lock, not
	 * in a stop, spares the losers of the race a stop of the world each,
	 * which waited for whatever the winner's threads were doing (a 12 MiB
	 * stack scan took 4 ms, perf on stack_depth/gomem/100000/2). */
	gc_start_lock();
	if (atomic_load(&gc.phase) != GMI_PHASE_OFF ||
	    (!forced && (uint64_t)atomic_load(&gmi_heap.stats.heap_live) < gc_trigger())) {
		pthread_mutex_unlock(&gc.start_lock);
		return;
	}
	int64_t t_request = gmi_stw_stop();
	/* every cycle starts under start_lock, and mark termination only
	 * ever sets the phase OFF: the test above still holds */
	int64_t live = atomic_load(&gmi_heap.stats.heap_live);
	GMI_ASSERT(atomic_load(&gc.phase) == GMI_PHASE_OFF, "cycle-start");
	gm_cycle *c = &gc.cur;
	atomic_store(&gc.cur_ready, false);
	memset(c, 0, sizeof *c);
	c->num = ++gc.cycles;
	__atomic_store_n(&gc.started, gc.cycles, __ATOMIC_RELEASE);
	c->forced = forced;
	c->collector = gc.mode;
	c->procs = gc.procs;
	c->t_sweep_term = t_request;
	c->heap_trigger = (uint64_t)live;
	c->trigger = gc_trigger();
	gm_cycle done;
	if (gc.mode == GM_STW) {
		gc_stopped_cycle(c, t_request, &done);
		pthread_mutex_unlock(&gc.start_lock);
		gc_cycle_recorded(&done);
		return;
	}
	gc_start_concurrent(c, t_request);
	pthread_mutex_unlock(&gc.start_lock);
	gmi_gc_poke();
}

/* how long gcMarkDone's ragged flush waits for threads to reach a
 * safepoint before it stops the world anyway (the stop flushes too) */
#define GC_RAGGED_FLUSH_WAIT_NS 2000000

/* step 3 (Go's gcMarkDone), on the collector's thread */
static void gc_mark_done(void)
{
	if (atomic_load(&gc.phase) != GMI_PHASE_MARK || atomic_load(&gc.held) ||
	    !atomic_load_explicit(&gc.cur_ready, memory_order_acquire) ||
	    gmi_mark_work_left())
		return;
	/* the ragged barrier first (forEachP): work still buffered in a
	 * thread ends in a flush here, not in a stop that must restart */
	if (!gmi_mark_ragged_flush(GC_RAGGED_FLUSH_WAIT_NS) || !gmi_mark_quiesce())
		return;
	int64_t t_request = gmi_stw_stop();
	gmi_mark_flush_all();
	if (gmi_mark_work_left() || atomic_load(&gc.held)) {
		/* a buffer held work: go on marking */
		int64_t restarted = gmi_stw_start();
		gc_add_stop(&gc.cur, t_request, restarted, false);
		gmi_mark_unquiesce();
		return;
	}
	gm_cycle done;
	gc_mark_termination(&gc.cur, t_request, t_request, &done);
	gc_cycle_recorded(&done);
}

void gmi_gc_poke(void)
{
	pthread_mutex_lock(&gc.ctl_lock);
	gc.pokes++;
	pthread_cond_signal(&gc.ctl_wake);
	pthread_mutex_unlock(&gc.ctl_lock);
}

/* the collector's thread: checks for completion when poked, and every
 * 5 ms while marking in case a poke was missed */
static void *gc_ctl_main(void *arg)
{
	(void)arg;
	uint64_t seen = 0;
	pthread_mutex_lock(&gc.ctl_lock);
	while (!gc.stop) {
		if (gc.pokes == seen) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 5000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&gc.ctl_wake, &gc.ctl_lock, &ts);
		}
		seen = gc.pokes;
		if (gc.stop)
			break;
		pthread_mutex_unlock(&gc.ctl_lock);
		if (atomic_load(&gc.phase) == GMI_PHASE_MARK) {
			gmi_limit_poll(); /* as Go's workers and sysmon */
			gc_mark_done();
		}
		pthread_mutex_lock(&gc.ctl_lock);
	}
	pthread_mutex_unlock(&gc.ctl_lock);
	return NULL;
}

bool gmi_gc_init(void)
{
	gc.procs = gmi_config.procs > 0 ? gmi_config.procs : gc_online_procs();
	gc.mode = gmi_config.collector;
	gc.cycles = 0;
	gc.started = gc.recorded = 0;
	gc.stop = false;
	gc.pokes = 0;
	atomic_store(&gc.held, false);
	gmi_heapcheck_enabled = gmi_heapcheck_enabled || gmi_config.gccheckmark != 0;
	gmi_barrier_init(gc.mode);
	__atomic_store_n(&gmi_alloc_black, 0, __ATOMIC_RELAXED);
	gc_set_phase(GMI_PHASE_OFF);
	if (!gmi_mark_init(gc.procs, gc.mode, gmi_config.idle_mark != 0) || !gmi_sweep_init() ||
	    !gmi_limit_init(gc.procs))
		return false;
	gc.ctl_running = gc.mode != GM_STW &&
			 gmi_spawn("gc", 0, gc_ctl_main, NULL, &gc.ctl);
	if (gc.mode != GM_STW && !gc.ctl_running)
		return false;
	gmi_alloc_slow_hook = gc_alloc_slow;
	gmi_alloc_poll_hook = gc_alloc_poll;
	return true;
}

void gmi_gc_shutdown(void)
{
	gmi_gc_hold_mark(false);
	gmi_gc_wait_mark_done();
	gmi_alloc_slow_hook = NULL;
	gmi_alloc_poll_hook = NULL;
	if (gc.ctl_running) {
		pthread_mutex_lock(&gc.ctl_lock);
		gc.stop = true;
		pthread_cond_signal(&gc.ctl_wake);
		pthread_mutex_unlock(&gc.ctl_lock);
		pthread_join(gc.ctl, NULL);
		gc.ctl_running = false;
	}
	gmi_limit_shutdown();
	gmi_sweep_shutdown();
	gmi_mark_shutdown();
}

static uint32_t gc_recorded(void)
{
	pthread_mutex_lock(&gc.ctl_lock);
	uint32_t r = gc.recorded;
	pthread_mutex_unlock(&gc.ctl_lock);
	return r;
}

gmi_gc_phase gmi_gc_phase_now(void)
{
	return (gmi_gc_phase)atomic_load_explicit(&gc.phase, memory_order_relaxed);
}

void gmi_gc_hold_mark(bool hold)
{
	atomic_store(&gc.held, hold);
	gmi_mark_hold(hold);
	if (!hold)
		gmi_gc_poke();
}

void gmi_gc_start_async(void)
{
	if (atomic_load(&gc.phase) == GMI_PHASE_OFF)
		gmi_gc_run_cycle(true);
}

/* until the cycle that is marking (if any) is over and recorded */
void gmi_gc_wait_mark_done(void)
{
	if (atomic_load(&gc.phase) == GMI_PHASE_OFF &&
	    __atomic_load_n(&gc.started, __ATOMIC_ACQUIRE) == gc_recorded())
		return;
	gm_blocking_enter();
	pthread_mutex_lock(&gc.ctl_lock);
	while (gc.recorded != __atomic_load_n(&gc.started, __ATOMIC_ACQUIRE))
		pthread_cond_wait(&gc.cycle_done, &gc.ctl_lock);
	pthread_mutex_unlock(&gc.ctl_lock);
	gm_blocking_leave();
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

/* As runtime.GC: wait for a cycle in progress, run a full one (helping
 * it mark, as Go's idle P would), then finish sweeping. */
void gm_gc(void)
{
	if (!gmi_is_inited())
		return;
	gmi_gc_wait_mark_done();
	gmi_gc_run_cycle(true);
	if (gc.mode != GM_STW) {
		gm_safepoint(); /* our own stack scan first */
		gmi_mark_help();
		gmi_gc_poke();
		gmi_gc_wait_mark_done();
	}
	/* runtime.GC returns after sweeping completes */
	gmi_sweep_all_now();
}

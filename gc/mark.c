/*
 * mark.c — tri-color marking (Go's mgcmark.go: markroot, scanstack,
 * scanobject, greyobject, gcDrain, gcAssistAlloc; mgc.go: gcBgMarkWorker;
 * mgcpacer.go: the workers' modes).
 *
 * Colours: white = mark bit clear; grey = mark bit set and the object in a
 * work buffer; black = mark bit set and scanned.  Pointer-free objects go
 * straight to black; objects allocated while marking are born black
 * (alloc/mcache.c: gmi_alloc_black).
 *
 * Roots, scanned conservatively (markroot.c): every attached thread's
 * stack from its recorded stack pointer to its base and the registers it
 * spilled (proc.c), and every registered root range (roots.c).  Heap
 * objects are greyed and scanned precisely by their pointer maps in
 * scan.c.  Mark assists are assist.c; the state the three files share is
 * gc/markstate.h.
 *
 * Two ways to mark:
 *
 * 1. With the world stopped (gmi_mark_run): the whole mark of GM_STW, and
 *    GM_DIJKSTRA's stack re-scan at mark termination.  The caller greys the
 *    roots, then it and procs - 1 workers drain until every marker waits
 *    with the global list empty (Go's getfull: work.nwait == work.nproc).
 *
 * 2. Concurrently (GM_HYBRID, GM_DIJKSTRA, GM_YUASA), between the two stops
 *    of a cycle, while mutators run:
 *    - Background workers, one thread per P (procs of them), each in the
 *      mode the pacer gives it at the cycle's start (Go's
 *      findRunnableGCWorker): dedicated (drains until the work runs out),
 *      fractional (drains while its own mark time is below the fractional
 *      utilisation goal of the time since marking began, and stops at 1.2
 *      times it: pollFractionalWorkerExit), or none.  With procs = 2 both
 *      are fractional at 25% each: half a CPU, Go's 25% of two.  With
 *      gm_config.idle_mark, further workers drain on otherwise idle CPUs
 *      (Go's idle workers): one starts a drain only while fewer than procs
 *      threads want a CPU (mark_idle_cpu_free), and hands its work back
 *      and looks again every 100000 bytes of scan work.
 *    - Root jobs: the first worker to claim them scans the root ranges; a
 *      stack is scanned once per cycle, by its own thread at its next
 *      safepoint or gm_blocking_enter (after spilling its registers), or
 *      by a worker while the thread is blocked, which cannot leave its
 *      blocking region until the scan is done (proc.c's SCANNING bit; Go's
 *      suspendG).  Under GM_YUASA every stack is scanned in the first stop
 *      instead (the snapshot).
 *    - Assists (assist.c): a mutator allocating while marking owes scan
 *      work for the bytes it takes (Go's gcAssistBytes, charged per span
 *      here, where the allocator counts heap_live: see gmi_mark_alloc);
 *      it steals the workers' banked credit first, then scans at least
 *      64 KiB of work (gcOverAssistWork), and if the work has run out it
 *      waits, blocked, for credit or the end of marking (gcParkAssist).
 *    - Mutators grey objects through the write barrier's buffer
 *      (barrier.c).  Whatever a mutator greys it hands to the global list
 *      at once (gmi_mark_publish) and wakes a sleeping worker.
 *    - Completion (gc.c's gcMarkDone): the collector checks that no stack
 *      or root job is left, no grey object is on the global list and no
 *      unattached marker is draining (gmi_mark_quiesce keeps new ones
 *      out), then stops the world, flushes every thread's barrier buffer
 *      and work, and checks again.
 *
 * Unattached markers (workers, the collector's own thread) keep running
 * while the world is stopped, so they bracket all marking with
 * mark_enter/gmi_mark_leave and hand their work to the global list before
 * leaving; attached threads mark only between safepoints, so a stop finds
 * their work in their gcWork and barrier buffer.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "alloc/mheap.h"
#include "alloc/panic.h"
#include "gc/gc.h"
#include "gc/markstate.h"
#include "gc/pacer.h"
#include "gc/proc.h"
#include "gc/roots.h"

/* 100000: drainCheckThreshold (mgcmark.go), the scan work an idle worker
 * does before it looks for other work (pollWork); gomem's idle worker
 * then hands its grey objects to the global list and leaves the drain,
 * so that a preempted idle worker holds back little work. */
#define MARK_IDLE_CHECK_WORK ((int64_t)100000)
/* How often a drain looks at the clock and the phase: objects scanned. */
#define MARK_POLL_OBJECTS 64

struct gmi_mark_state gmi_mark_st;

/* ---- totals and hand-over ------------------------------------------------ */

static void mark_broadcast(void)
{
	pthread_mutex_lock(&gmi_mark_st.lock);
	pthread_cond_broadcast(&gmi_mark_st.wake);
	pthread_mutex_unlock(&gmi_mark_st.lock);
}

/* wake every sleeping worker and waiting assist, if any */
void gmi_mark_wake_workers(void)
{
	if (atomic_load(&gmi_mark_st.sleepers) > 0)
		mark_broadcast();
}

/* Wake the workers and assists that wait for work or credit, if any (Go's
 * enlistWorker wakes a P only for new work).  Not the others: a
 * fractional worker sleeps most of the mark to keep to its budget, and
 * waking it at every publish had each barrier flush take
 * gmi_mark_st.lock, where mutators slept on its futex (about 320 times a
 * second with two of them, perf on steady_heap/gomem/64/64/threads:2)
 * and a stop waited for the sleeper to be woken. */
void gmi_mark_wake_for_work(void)
{
	if (atomic_load(&gmi_mark_st.work_sleepers) > 0)
		mark_broadcast();
}

/* Move w's counts into the cycle's totals and the pacer's scan work, and
 * its grey objects to the global list (gcWork.dispose + the flush of
 * heapScanWork).  With bank, the scan work also becomes background credit
 * for assists to steal (gcFlushBgCredit). */
void gmi_mark_flush_work(gmi_gcwork *w, bool bank)
{
	if (w->bytes_marked != 0) {
		atomic_fetch_add_explicit(&gmi_mark_st.bytes_marked, w->bytes_marked,
					  memory_order_relaxed);
		w->bytes_marked = 0;
	}
	if (w->heap_scan_work != 0) {
		gmi_pacer_add_scan_work((int64_t)w->heap_scan_work, 0, 0);
		if (bank) {
			atomic_fetch_add(&gmi_mark_st.bg_credit, (int64_t)w->heap_scan_work);
			gmi_mark_wake_for_work();
		}
		w->heap_scan_work = 0;
	}
	gmi_gcwork_dispose(w);
}

void gmi_mark_publish(gmi_gcwork *w)
{
	bool work = !gmi_gcwork_empty(w);
	gmi_mark_flush_work(w, false);
	if (work)
		gmi_mark_wake_for_work();
}

/* ---- the ragged flush (gcMarkDone's forEachP) ------------------------------ */

void gmi_mark_safepoint_flush(gmi_thread *t)
{
	uint32_t g = atomic_load(&gmi_mark_st.flush_gen);
	if (__atomic_load_n(&t->flush_gen, __ATOMIC_RELAXED) == g)
		return;
	if (t->wbuf.next != NULL && t->wbuf.next != t->wbuf.buf)
		gmi_wbuf_drain(t, &t->gcw); /* shade into our own gcWork */
	if (!gmi_gcwork_empty(&t->gcw))
		atomic_store(&gmi_mark_st.flushed_work, 1);
	gmi_mark_flush_work(&t->gcw, false);
	__atomic_store_n(&t->flush_gen, g, __ATOMIC_RELEASE);
}

/* done with the ragged flush: flushed at a safepoint since it was
 * requested, or blocked (blocking_enter flushed, and a blocked thread
 * adds nothing to its buffers) */
static bool mark_flush_acked(const gmi_thread *t)
{
	return __atomic_load_n(&t->flush_gen, __ATOMIC_ACQUIRE) ==
	       atomic_load(&gmi_mark_st.flush_gen) ||
	       gmi_thread_status(t) == GMI_THREAD_BLOCKED;
}

bool gmi_mark_ragged_flush(int64_t timeout_ns)
{
	atomic_store(&gmi_mark_st.flushed_work, 0);
	atomic_fetch_add(&gmi_mark_st.flush_gen, 1);
	__atomic_fetch_or(&gm_safepoint_pending_, GMI_SAFEPOINT_FLUSH, __ATOMIC_SEQ_CST);
	int64_t deadline = gmi_nanotime() + timeout_ns;
	bool all;
	while (!(all = gmi_proc_all(mark_flush_acked)) && gmi_nanotime() < deadline)
		sched_yield();
	__atomic_fetch_and(&gm_safepoint_pending_, ~GMI_SAFEPOINT_FLUSH, __ATOMIC_SEQ_CST);
	/* a thread that never reached a safepoint is flushed by the stop */
	return !all || atomic_load(&gmi_mark_st.flushed_work) == 0;
}

/* ---- draining ---------------------------------------------------------------- */

/* Dekker with gmi_mark_quiesce: an unattached marker counts itself active,
 * then looks at the flag; the checker sets the flag, then waits for the
 * count to drain */
static bool mark_enter(void)
{
	atomic_fetch_add(&gmi_mark_st.nactive, 1);
	if (atomic_load(&gmi_mark_st.quiesce)) {
		atomic_fetch_sub(&gmi_mark_st.nactive, 1);
		return false;
	}
	return true;
}

void gmi_mark_leave(void)
{
	atomic_fetch_sub(&gmi_mark_st.nactive, 1);
}

/* mark_enter for a one-off marker: true once entered, or once marking is
 * over (counted as entered too, so that gmi_mark_leave balances) */
bool gmi_mark_enter_or_done(void)
{
	if (mark_enter())
		return true;
	if (!atomic_load(&gmi_mark_st.active)) {
		atomic_fetch_add(&gmi_mark_st.nactive, 1);
		return true;
	}
	return false;
}

/* a fractional worker's budget is spent (pollFractionalWorkerExit) */
static bool mark_fractional_over(const mark_worker *mw, int64_t start, double goal)
{
	int64_t now = gmi_nanotime();
	int64_t delta = now - atomic_load_explicit(&gmi_mark_st.mark_start, memory_order_relaxed);
	if (delta <= 0)
		return false;
	double self = (double)(mw->frac_ns + (now - start));
	return self / (double)delta > 1.2 * goal;
}

/*
 * Concurrent drain (Go's gcDrain / gcDrainN): scan grey objects until the
 * work runs out (*out set), `budget` scan work is done, marking ends, a
 * stop of the world is requested, or a fractional worker's time is up.
 * Returns the scan work done.
 */
int64_t gmi_mark_drain_some(gmi_gcwork *w, int64_t budget, const mark_worker *frac,
			       int64_t start, double goal, bool *out)
{
	uint64_t w0 = w->heap_scan_work;
	*out = false;
	for (unsigned n = 1;; n++) {
		uintptr_t b = gmi_gcwork_tryget(w);
		if (b == 0) {
			*out = true;
			break;
		}
		gmi_mark_scan_object(w, b);
		if ((int64_t)(w->heap_scan_work - w0) >= budget)
			break;
		/* A stop of the world waits for mutators to reach a safepoint:
		 * a background worker leaves them the CPUs, an assisting
		 * mutator goes to its safepoint (Go's gcDrain and gcDrainN
		 * return when preempted).  Tested after every object, not
		 * every MARK_POLL_OBJECTS: 64 oblets of a root array, each
		 * 2048 pointers to cold nodes, kept a stop of the 1 GiB
		 * steady heap waiting 0.8 ms for an assist (perf). */
		if (__builtin_expect(gmi_stop_requested(), 0))
			break;
		if (n % MARK_POLL_OBJECTS == 0) {
			if (gmi_work_full_empty())
				gmi_gcwork_balance(w);
			if (!atomic_load_explicit(&gmi_mark_st.active, memory_order_relaxed))
				break;
			if (frac != NULL && mark_fractional_over(frac, start, goal))
				break;
		}
	}
	return (int64_t)(w->heap_scan_work - w0);
}

/* sleep on gmi_mark_st.wake for at most ns (gmi_mark_st.lock not held);
 * for_work: until work or credit comes (gmi_mark_wake_for_work) */
void gmi_mark_sleep(int64_t ns, bool for_work)
{
	if (ns <= 0)
		return;
	if (ns > 10 * MARK_IDLE_SLEEP_NS)
		ns = 10 * MARK_IDLE_SLEEP_NS;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t t = (int64_t)ts.tv_nsec + ns;
	ts.tv_sec += t / 1000000000;
	ts.tv_nsec = t % 1000000000;
	pthread_mutex_lock(&gmi_mark_st.lock);
	atomic_fetch_add(&gmi_mark_st.sleepers, 1);
	if (for_work)
		atomic_fetch_add(&gmi_mark_st.work_sleepers, 1);
	if (atomic_load(&gmi_mark_st.active) && !gmi_mark_st.stop)
		pthread_cond_timedwait(&gmi_mark_st.wake, &gmi_mark_st.lock, &ts);
	if (for_work)
		atomic_fetch_sub(&gmi_mark_st.work_sleepers, 1);
	atomic_fetch_sub(&gmi_mark_st.sleepers, 1);
	pthread_mutex_unlock(&gmi_mark_st.lock);
}

/*
 * May an idle worker drain now?  Go runs an idle mark worker only on a P
 * that has nothing else to run (Go 1.19 proc.go, findRunnable: "run
 * idle-time marking rather than give up the P"), and the worker returns
 * once other work appears (mgcmark.go, gcDrain with gcDrainIdle: pollWork
 * every drainCheckThreshold of scan work).  gomem's Ps are the CPUs: an
 * idle worker drains only while the threads that want one (attached
 * threads outside a blocking region, and markers draining) are fewer
 * than procs, and looks again after each MARK_IDLE_CHECK_WORK; it runs at
 * normal priority, as Go's Ms do.  It ran at nice 19 before, and a nice
 * 19 worker that another thread preempted in the middle of a drain
 * (mark_enter..gmi_mark_leave) kept the mark from completing until the
 * scheduler gave it the CPU back: with one of two CPUs taken by another
 * process, marks of binary_trees at GOGC 200 went on for 65-116 ms after
 * the expected scan work was done, the mutator allocating meanwhile on
 * credit it had stolen at the end of the work (where assistBytesPerWork
 * is largest), and the heap reached 2-3 times the goal.
 */
static bool mark_idle_cpu_free(void)
{
	size_t want = gmi_proc_unblocked() + (size_t)atomic_load(&gmi_mark_st.nactive);
	return want < (size_t)gmi_mark_st.nprocs;
}

static mark_mode mark_worker_mode(const mark_worker *mw)
{
	if (mw->idle)
		return MARK_MODE_IDLE;
	if (mw->index < gmi_pacer_dedicated_workers())
		return MARK_MODE_DEDICATED;
	if (gmi_pacer_fractional_goal() > 0)
		return MARK_MODE_FRACTIONAL;
	return MARK_MODE_NONE;
}

/* a background worker between the stops (Go's gcBgMarkWorker) */
static void mark_concurrent(mark_worker *mw)
{
	while (atomic_load(&gmi_mark_st.active)) {
		uint32_t cycle = atomic_load(&gmi_mark_st.cycle);
		if (mw->frac_cycle != cycle) { /* a cycle began since */
			mw->frac_cycle = cycle;
			mw->frac_ns = 0;
		}
		if (gmi_stop_requested()) {
			/* Leave the CPUs to the threads being stopped (see
			 * gmi_mark_drain_some) for the whole stop, as Go's worker
			 * goroutines, which a stop deschedules, do: woken by the
			 * stop's end (gmi_mark_unquiesce or, at mark
			 * termination, gmi_mark_end_concurrent), else after
			 * MARK_IDLE_SLEEP_NS.  Polling every 50 us instead cost
			 * 0.3-0.6 ms of CPU per worker in an 8 ms stop, on 2
			 * CPUs, while the mutator being waited for was runnable
			 * (perf sched, 1 GiB steady heap). */
			gmi_mark_sleep(MARK_IDLE_SLEEP_NS, false);
			continue;
		}
		mark_mode mode = mark_worker_mode(mw);
		int64_t now = gmi_nanotime();
		double goal = gmi_pacer_fractional_goal();
		if (mode == MARK_MODE_NONE) {
			gmi_mark_sleep(10 * MARK_IDLE_SLEEP_NS, false);
			continue;
		}
		if (mode == MARK_MODE_IDLE && !mark_idle_cpu_free()) {
			gmi_mark_sleep(MARK_IDLE_SLEEP_NS, false);
			continue;
		}
		if (mode == MARK_MODE_FRACTIONAL) {
			int64_t delta = now - atomic_load(&gmi_mark_st.mark_start);
			if (delta > 0 && (double)mw->frac_ns / (double)delta > goal) {
				/* behind no more: sleep until it would be */
				int64_t at = atomic_load(&gmi_mark_st.mark_start) +
					     (int64_t)((double)mw->frac_ns / goal);
				gmi_mark_sleep(at - now < 50000 ? 50000 : at - now, false);
				continue;
			}
		}
		if (!mark_enter()) {
			gmi_mark_sleep(MARK_IDLE_SLEEP_NS, false);
			continue;
		}
		bool out = false;
		bool roots = gmi_markroot_jobs(&mw->gcw);
		/* an idle worker hands its work back every drainCheckThreshold
		 * (see MARK_IDLE_CHECK_WORK) */
		gmi_mark_drain_some(&mw->gcw, mode == MARK_MODE_IDLE ? MARK_IDLE_CHECK_WORK : INT64_MAX,
				mode == MARK_MODE_FRACTIONAL ? mw : NULL, now, goal, &out);
		gmi_mark_flush_work(&mw->gcw, true);
		gmi_mark_leave();
		int64_t dt = gmi_nanotime() - now;
		switch (mode) {
		case MARK_MODE_DEDICATED:
			gmi_pacer_add_mark_time(GMI_MARK_DEDICATED, dt);
			atomic_fetch_add(&gmi_mark_st.worker_ns, dt);
			break;
		case MARK_MODE_FRACTIONAL:
			gmi_pacer_add_mark_time(GMI_MARK_FRACTIONAL, dt);
			atomic_fetch_add(&gmi_mark_st.worker_ns, dt);
			mw->frac_ns += dt;
			break;
		default:
			gmi_pacer_add_mark_time(GMI_MARK_IDLE, dt);
			atomic_fetch_add(&gmi_mark_st.idle_ns, dt);
			break;
		}
		if (out && !roots) {
			gmi_gc_poke(); /* perhaps marking is complete */
			gmi_mark_sleep(MARK_IDLE_SLEEP_NS, true);
		}
	}
}

/* ---- the cycle ------------------------------------------------------------------ */

static void mark_reset_thread(gmi_thread *t, void *ctx)
{
	(void)ctx;
	t->assist_bytes = 0;
	gmi_heapcheck_thread_reset(t);
}

void gmi_mark_begin(uint32_t cycle, int64_t now)
{
	atomic_store(&gmi_mark_st.cycle, cycle);
	atomic_store(&gmi_mark_st.bytes_marked, 0);
	atomic_store(&gmi_mark_st.stack_bytes, 0);
	atomic_store(&gmi_mark_st.global_bytes, 0);
	atomic_store(&gmi_mark_st.bg_credit, 0);
	atomic_store(&gmi_mark_st.assist_ns, 0);
	atomic_store(&gmi_mark_st.worker_ns, 0);
	atomic_store(&gmi_mark_st.idle_ns, 0);
	atomic_store(&gmi_mark_st.mark_start, now);
	gmi_proc_for_each(mark_reset_thread, NULL);
}

void gmi_mark_start_concurrent(void)
{
	atomic_store(&gmi_mark_st.roots_claimed, 0);
	atomic_store(&gmi_mark_st.roots_pending, 1);
	atomic_store(&gmi_mark_st.quiesce, 0);
	if (gmi_mark_st.mode == GM_YUASA) {
		/* the snapshot: every stack now, with the world stopped */
		gmi_gcwork w = { 0 };
		gmi_proc_for_each(gmi_markroot_snapshot, &w);
		gmi_mark_flush_work(&w, false);
		atomic_store(&gmi_mark_st.stacks_pending, 0);
	} else {
		atomic_store(&gmi_mark_st.stacks_pending, (int)gmi_proc_count());
		if (gmi_proc_count() > 0)
			__atomic_fetch_or(&gm_safepoint_pending_, GMI_SAFEPOINT_SCAN,
					  __ATOMIC_SEQ_CST);
	}
	atomic_store(&gmi_mark_st.active, 1);
}

/* Not in the stop: a worker may hold gmi_mark_st.lock, and one preempted there
 * would hold up the stop for a time slice (measured: up to 2.4 ms) */
void gmi_mark_release_workers(void)
{
	pthread_mutex_lock(&gmi_mark_st.lock);
	gmi_mark_st.cm_gen++;
	pthread_cond_broadcast(&gmi_mark_st.wake);
	pthread_mutex_unlock(&gmi_mark_st.lock);
}

bool gmi_mark_work_left(void)
{
	return atomic_load(&gmi_mark_st.stacks_pending) > 0 ||
	       atomic_load(&gmi_mark_st.roots_pending) > 0 ||
	       !gmi_work_full_empty() || atomic_load(&gmi_mark_st.nactive) > 0;
}

bool gmi_mark_quiesce(void)
{
	atomic_store(&gmi_mark_st.quiesce, 1);
	while (atomic_load(&gmi_mark_st.nactive) > 0)
		sched_yield();
	if (gmi_mark_work_left()) {
		gmi_mark_unquiesce();
		return false;
	}
	return true;
}

void gmi_mark_unquiesce(void)
{
	atomic_store(&gmi_mark_st.quiesce, 0);
	pthread_mutex_lock(&gmi_mark_st.lock);
	pthread_cond_broadcast(&gmi_mark_st.wake);
	pthread_mutex_unlock(&gmi_mark_st.lock);
}

static void mark_flush_thread(gmi_thread *t, void *ctx)
{
	gmi_wbuf_drain(t, ctx);
	gmi_mark_flush_work(&t->gcw, false);
}

void gmi_mark_flush_all(void)
{
	gmi_gcwork w = { 0 };
	gmi_proc_for_each(mark_flush_thread, &w);
	gmi_mark_flush_work(&w, false);
}

/* Workers are not waited for: quiesced (gmi_mark_quiesce), none is
 * draining, and with active clear none starts again; they leave their loop
 * when they next wake.  (Waiting for that took most of the pause: a
 * sleeping thread's wake-up.)  The next cycle's start clears quiesce. */
void gmi_mark_end_concurrent(void)
{
	atomic_store(&gmi_mark_st.quiesce, 1);
	atomic_store(&gmi_mark_st.active, 0);
	__atomic_fetch_and(&gm_safepoint_pending_, ~GMI_SAFEPOINT_SCAN, __ATOMIC_SEQ_CST);
	while (atomic_load(&gmi_mark_st.nactive) > 0)
		sched_yield();
}


void gmi_mark_hold(bool held)
{
	atomic_store(&gmi_mark_st.held, held);
	if (!held)
		gmi_mark_wake_for_work();
}

void gmi_mark_totals(gmi_mark_result *r)
{
	r->marked = atomic_load(&gmi_mark_st.bytes_marked);
	r->stack_scan = atomic_load(&gmi_mark_st.stack_bytes);
	r->globals_scan = atomic_load(&gmi_mark_st.global_bytes);
	r->worker_cpu_ns = atomic_load(&gmi_mark_st.worker_ns);
	r->assist_ns = atomic_load(&gmi_mark_st.assist_ns);
	r->idle_ns = atomic_load(&gmi_mark_st.idle_ns);
}

/* ---- the stopped mark ------------------------------------------------------------ */

/* drain until no marker has work (Go's gcDrain + getfull) */
static void mark_drain_stopped(gmi_gcwork *w)
{
	for (;;) {
		uintptr_t b;
		unsigned n = 0;
		while ((b = gmi_gcwork_tryget(w)) != 0) {
			gmi_mark_scan_object(w, b);
			if (++n % 64 == 0 && gmi_work_full_empty())
				gmi_gcwork_balance(w);
		}
		atomic_fetch_add(&gmi_mark_st.nwait, 1);
		for (unsigned spins = 0;; spins++) {
			if (!gmi_work_full_empty()) {
				atomic_fetch_sub(&gmi_mark_st.nwait, 1);
				break;
			}
			if (atomic_load(&gmi_mark_st.nwait) == gmi_mark_st.nmarkers)
				return;
			if (spins > 20)
				sched_yield();
		}
	}
}

static void *mark_worker_main(void *arg)
{
	mark_worker *mw = arg;
	uint64_t seen = 0, cm_seen = 0;
	pthread_mutex_lock(&gmi_mark_st.lock);
	for (;;) {
		while (gmi_mark_st.gen == seen && !gmi_mark_st.stop &&
		       !(gmi_mark_st.cm_gen != cm_seen && atomic_load(&gmi_mark_st.active)))
			pthread_cond_wait(&gmi_mark_st.wake, &gmi_mark_st.lock);
		if (gmi_mark_st.stop)
			break;
		if (gmi_mark_st.gen != seen) {
			seen = gmi_mark_st.gen;
			if (mw->index >= gmi_mark_st.nstw || mw->idle)
				continue;
			pthread_mutex_unlock(&gmi_mark_st.lock);
			int64_t t0 = gmi_thread_cputime();
			mark_drain_stopped(&mw->gcw);
			mw->cpu_ns = gmi_thread_cputime() - t0;
			gmi_mark_flush_work(&mw->gcw, false);
			pthread_mutex_lock(&gmi_mark_st.lock);
			gmi_mark_st.finished++;
			pthread_cond_signal(&gmi_mark_st.done);
			continue;
		}
		cm_seen = gmi_mark_st.cm_gen;
		atomic_fetch_add(&gmi_mark_st.inside, 1);
		pthread_mutex_unlock(&gmi_mark_st.lock);
		mark_concurrent(mw);
		atomic_fetch_sub(&gmi_mark_st.inside, 1);
		pthread_mutex_lock(&gmi_mark_st.lock);
	}
	pthread_mutex_unlock(&gmi_mark_st.lock);
	return NULL;
}

bool gmi_mark_init(int procs, gm_collector mode, bool idle_mark)
{
	pthread_mutex_init(&gmi_mark_st.lock, NULL);
	pthread_cond_init(&gmi_mark_st.wake, NULL);
	pthread_cond_init(&gmi_mark_st.done, NULL);
	gmi_mark_st.gen = gmi_mark_st.cm_gen = 0;
	gmi_mark_st.stop = false;
	gmi_mark_st.mode = mode;
	atomic_store(&gmi_mark_st.cycle, 0);
	atomic_store(&gmi_mark_st.active, 0);
	atomic_store(&gmi_mark_st.held, 0);
	int nprocs = procs < 1 ? 1 : procs;
	gmi_mark_st.nprocs = nprocs;
	int total = nprocs + (idle_mark && mode != GM_STW ? nprocs : 0);
	gmi_mark_st.nworkers = 0;
	gmi_mark_st.workers = calloc((size_t)total, sizeof *gmi_mark_st.workers);
	if (gmi_mark_st.workers == NULL)
		return false;
	for (int i = 0; i < total; i++) {
		mark_worker *mw = &gmi_mark_st.workers[i];
		mw->index = i < nprocs ? i : i - nprocs;
		mw->idle = i >= nprocs;
		if (!gmi_spawn(mw->idle ? "idlemark" : "mark", mw->index, mark_worker_main, mw,
			       &mw->thread))
			break;
		gmi_mark_st.nworkers++;
	}
	gmi_mark_st.nstw = gmi_mark_st.nworkers < nprocs - 1 ? gmi_mark_st.nworkers : nprocs - 1;
	gmi_mark_st.nmarkers = gmi_mark_st.nstw + 1;
	return true;
}

void gmi_mark_shutdown(void)
{
	pthread_mutex_lock(&gmi_mark_st.lock);
	gmi_mark_st.stop = true;
	pthread_cond_broadcast(&gmi_mark_st.wake);
	pthread_mutex_unlock(&gmi_mark_st.lock);
	for (int i = 0; i < gmi_mark_st.nworkers; i++) {
		pthread_join(gmi_mark_st.workers[i].thread, NULL);
		gmi_gcwork_dispose(&gmi_mark_st.workers[i].gcw);
	}
	free(gmi_mark_st.workers);
	gmi_mark_st.workers = NULL;
	pthread_cond_destroy(&gmi_mark_st.wake);
	pthread_cond_destroy(&gmi_mark_st.done);
	pthread_mutex_destroy(&gmi_mark_st.lock);
}

void gmi_mark_run(unsigned roots, int64_t *cpu_ns)
{
	gmi_gcwork w = { 0 };
	int64_t t0 = gmi_thread_cputime();
	if (roots & GMI_MARK_ROOT_STACKS)
		gmi_proc_for_each(gmi_markroot_thread, &w);
	if (roots & GMI_MARK_ROOT_GLOBALS)
		gmi_roots_for_each(gmi_markroot_range, &w);
	gmi_mark_flush_work(&w, false); /* share the grey roots */

	atomic_store(&gmi_mark_st.nwait, 0);
	pthread_mutex_lock(&gmi_mark_st.lock);
	gmi_mark_st.finished = 0;
	gmi_mark_st.gen++;
	pthread_cond_broadcast(&gmi_mark_st.wake);
	pthread_mutex_unlock(&gmi_mark_st.lock);

	mark_drain_stopped(&w);
	pthread_mutex_lock(&gmi_mark_st.lock);
	while (gmi_mark_st.finished < gmi_mark_st.nstw)
		pthread_cond_wait(&gmi_mark_st.done, &gmi_mark_st.lock);
	pthread_mutex_unlock(&gmi_mark_st.lock);

	gmi_mark_flush_work(&w, false);
	int64_t cpu = gmi_thread_cputime() - t0;
	for (int i = 0; i < gmi_mark_st.nstw; i++)
		cpu += gmi_mark_st.workers[i].cpu_ns;
	*cpu_ns = cpu;
}

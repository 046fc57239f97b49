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
 * Roots, scanned conservatively: every attached thread's stack from its
 * recorded stack pointer to its base and the registers it spilled
 * (proc.c), and every registered root range (roots.c).  Heap objects are
 * greyed and scanned precisely by their pointer maps in scan.c.
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
 *    - Assists: a mutator allocating while marking owes scan work for the
 *      bytes it takes (Go's gcAssistBytes, charged per span here, where
 *      the allocator counts heap_live: see gmi_mark_alloc); it steals the
 *      workers' banked credit first, then scans at least 64 KiB of work
 *      (gcOverAssistWork), and if the work has run out it waits, blocked,
 *      for credit or the end of marking (gcParkAssist).
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
 * mark_enter/mark_leave and hand their work to the global list before
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
#include "gc/limiter.h"
#include "gc/pacer.h"
#include "gc/proc.h"
#include "gc/roots.h"

/* 64 KiB: gcOverAssistWork (mgcmark.go), the least scan work per assist. */
#define MARK_OVER_ASSIST_WORK ((int64_t)64 << 10)
/* 100000: drainCheckThreshold (mgcmark.go), the scan work an idle worker
 * does before it looks for other work (pollWork); gomem's idle worker
 * then hands its grey objects to the global list and leaves the drain,
 * so that a preempted idle worker holds back little work. */
#define MARK_IDLE_CHECK_WORK ((int64_t)100000)
/* How often a drain looks at the clock and the phase: objects scanned. */
#define MARK_POLL_OBJECTS 64
/* A worker with nothing to do sleeps at most this long before it looks for
 * blocked threads to scan again (ns). */
#define MARK_IDLE_SLEEP_NS 1000000

typedef enum mark_mode {
	MARK_MODE_NONE,        /* not needed this cycle */
	MARK_MODE_DEDICATED,   /* gcMarkWorkerDedicatedMode */
	MARK_MODE_FRACTIONAL,  /* gcMarkWorkerFractionalMode */
	MARK_MODE_IDLE,        /* gcMarkWorkerIdleMode */
} mark_mode;

typedef struct mark_worker {
	pthread_t thread;
	int index;
	bool idle;                /* an idle worker (mark_idle_cpu_free) */
	gmi_gcwork gcw;
	int64_t cpu_ns;           /* CPU time in the last stopped mark */
	int64_t frac_ns;          /* this cycle's fractional mark time
				   * (Go's p.gcFractionalMarkTime) */
	uint32_t frac_cycle;      /* the cycle frac_ns belongs to */
} mark_worker;

/*
 * The markers' shared state.  mark.lock protects gen, cm_gen, stop,
 * finished and is the mutex of the condition variables; the rest is atomic.
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;      /* workers: a stopped mark, a concurrent mark,
				   * new work, the end of marking, shutdown;
				   * also waiting assists */
	pthread_cond_t done;      /* a stopped mark's workers finished */
	uint64_t gen;             /* bumped to start a stopped mark */
	uint64_t cm_gen;          /* bumped to start a concurrent mark */
	int finished;             /* workers done with the stopped mark */
	bool stop;                /* shutting down */
	int nworkers;             /* threads: procs background + idle ones */
	int nprocs;               /* procs (GOMAXPROCS), at least 1 */
	int nstw;                 /* workers joining a stopped mark */
	int nmarkers;             /* nstw + the caller */
	mark_worker *workers;
	_Atomic int nwait;        /* stopped mark: markers out of work */

	/* concurrent mark */
	gm_collector mode;
	_Atomic uint32_t cycle;   /* the cycle marking (or last marked) */
	_Atomic int active;       /* workers mark (between the stops) */
	_Atomic int inside;       /* workers inside mark_concurrent */
	_Atomic int nactive;      /* unattached markers draining */
	_Atomic int quiesce;      /* completion check: no new drains */
	_Atomic int stacks_pending;  /* stacks not yet scanned this cycle */
	_Atomic int roots_claimed;   /* the root ranges' job was taken */
	_Atomic int roots_pending;   /* ... and is not finished */
	_Atomic int sleepers;     /* workers and assists waiting on wake */
	_Atomic int64_t mark_start; /* ns, gmi_nanotime */
	_Atomic int held;         /* gmi_gc_hold_mark: assists do not wait */
	_Atomic uint32_t flush_gen;  /* the ragged flush requested last */
	_Atomic int flushed_work;    /* ... and a thread handed over work */

	/* this cycle's totals */
	_Atomic uint64_t bytes_marked;
	_Atomic uint64_t stack_bytes, global_bytes;
	_Atomic int64_t bg_credit;   /* Go's gcController.bgScanCredit */
	_Atomic int64_t assist_ns, worker_ns, idle_ns;
} mark;

/* ---- totals and hand-over ------------------------------------------------ */

/* wake sleeping workers (and assists waiting for credit), if any */
void gmi_mark_wake_workers(void)
{
	if (atomic_load(&mark.sleepers) > 0) {
		pthread_mutex_lock(&mark.lock);
		pthread_cond_broadcast(&mark.wake);
		pthread_mutex_unlock(&mark.lock);
	}
}

/* Move w's counts into the cycle's totals and the pacer's scan work, and
 * its grey objects to the global list (gcWork.dispose + the flush of
 * heapScanWork).  With bank, the scan work also becomes background credit
 * for assists to steal (gcFlushBgCredit). */
static void mark_flush(gmi_gcwork *w, bool bank)
{
	if (w->bytes_marked != 0) {
		atomic_fetch_add_explicit(&mark.bytes_marked, w->bytes_marked, memory_order_relaxed);
		w->bytes_marked = 0;
	}
	if (w->heap_scan_work != 0) {
		gmi_pacer_add_scan_work((int64_t)w->heap_scan_work, 0, 0);
		if (bank) {
			atomic_fetch_add(&mark.bg_credit, (int64_t)w->heap_scan_work);
			gmi_mark_wake_workers();
		}
		w->heap_scan_work = 0;
	}
	gmi_gcwork_dispose(w);
}

void gmi_mark_publish(gmi_gcwork *w)
{
	bool work = !gmi_gcwork_empty(w);
	mark_flush(w, false);
	if (work)
		gmi_mark_wake_workers();
}

/* ---- roots ------------------------------------------------------------------ */

static void mark_root_word(uintptr_t word, void *ctx)
{
	gmi_mark_grey(ctx, word);
}

/* a thread's stack or registers being scanned */
typedef struct mark_stack_ctx {
	gmi_gcwork *w;
	gmi_thread *t;
} mark_stack_ctx;

static void mark_stack_word(uintptr_t word, void *ctx)
{
	mark_stack_ctx *c = ctx;
	gmi_mark_grey(c->w, word);
	if (gmi_heapcheck_enabled)
		gmi_heapcheck_stack_root(c->t, word);
}

/* t's stack and spilled registers (t parked, blocked or the caller) */
static uint64_t mark_scan_thread(gmi_gcwork *w, gmi_thread *t)
{
	mark_stack_ctx c = { w, t };
	uintptr_t lo, hi;
	gmi_heapcheck_thread_scanned(t);
	gmi_thread_stack_range(t, &lo, &hi);
	gmi_scan_words(lo, hi, mark_stack_word, &c);
	uint64_t n = hi - lo;
	gmi_thread_regs_range(t, &lo, &hi);
	gmi_scan_words(lo, hi, mark_stack_word, &c);
	atomic_fetch_add_explicit(&mark.stack_bytes, n, memory_order_relaxed);
	gmi_pacer_add_scan_work(0, (int64_t)n, 0);
	return n;
}

static void mark_root_range(uintptr_t lo, uintptr_t hi, void *ctx)
{
	gmi_scan_words(lo, hi, mark_root_word, ctx);
	atomic_fetch_add_explicit(&mark.global_bytes, hi - lo, memory_order_relaxed);
	gmi_pacer_add_scan_work(0, 0, (int64_t)(hi - lo));
}

/* claim t's stack scan for this cycle; false if it is not wanted or
 * someone else has it */
static bool mark_claim_stack(gmi_thread *t)
{
	uint32_t cur = atomic_load_explicit(&mark.cycle, memory_order_relaxed);
	uint32_t g = __atomic_load_n(&t->scan_gen, __ATOMIC_RELAXED);
	return g != cur && __atomic_compare_exchange_n(&t->scan_gen, &g, cur, false,
						       __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/* a claimed stack is done (scanned or gone) */
static void mark_stack_done(void)
{
	if (atomic_fetch_sub(&mark.stacks_pending, 1) == 1) {
		__atomic_fetch_and(&gm_safepoint_pending_, ~GMI_SAFEPOINT_SCAN, __ATOMIC_SEQ_CST);
		gmi_gc_poke();
	}
	gmi_mark_wake_workers();
}

bool gmi_mark_wants_stack(const gmi_thread *t)
{
	return __atomic_load_n(&t->scan_gen, __ATOMIC_RELAXED) !=
	       atomic_load_explicit(&mark.cycle, memory_order_relaxed) &&
	       atomic_load_explicit(&mark.active, memory_order_relaxed);
}

void gmi_mark_scan_own_stack(gmi_thread *t)
{
	if (!atomic_load(&mark.active) || !mark_claim_stack(t))
		return;
	mark_scan_thread(&t->gcw, t);
	gmi_mark_publish(&t->gcw);
	mark_stack_done();
}

void gmi_mark_thread_blocking(gmi_thread *t)
{
	gmi_wbuf_flush(t);
	gmi_mark_scan_own_stack(t);
}

void gmi_mark_thread_attach_locked(gmi_thread *t)
{
	uint32_t cur = atomic_load(&mark.cycle);
	if (__atomic_load_n(&gm_barrier_enabled_, __ATOMIC_SEQ_CST) && atomic_load(&mark.active)) {
		/* attaching while marking: its stack is scanned like the others */
		__atomic_store_n(&t->scan_gen, cur - 1, __ATOMIC_RELAXED);
		atomic_fetch_add(&mark.stacks_pending, 1);
		__atomic_fetch_or(&gm_safepoint_pending_, GMI_SAFEPOINT_SCAN, __ATOMIC_SEQ_CST);
	} else {
		__atomic_store_n(&t->scan_gen, cur, __ATOMIC_RELAXED);
	}
}

void gmi_mark_thread_detach(gmi_thread *t)
{
	gmi_wbuf_flush(t);
	if (atomic_load(&mark.active) && mark_claim_stack(t))
		mark_stack_done(); /* its stack dies with it */
	mark_flush(&t->gcw, false);
	gmi_heapcheck_thread_free(t);
}

void gmi_mark_safepoint_flush(gmi_thread *t)
{
	uint32_t g = atomic_load(&mark.flush_gen);
	if (__atomic_load_n(&t->flush_gen, __ATOMIC_RELAXED) == g)
		return;
	if (t->wbuf.next != NULL && t->wbuf.next != t->wbuf.buf)
		gmi_wbuf_drain(t, &t->gcw); /* shade into our own gcWork */
	if (!gmi_gcwork_empty(&t->gcw))
		atomic_store(&mark.flushed_work, 1);
	mark_flush(&t->gcw, false);
	__atomic_store_n(&t->flush_gen, g, __ATOMIC_RELEASE);
}

/* done with the ragged flush: flushed at a safepoint since it was
 * requested, or blocked (blocking_enter flushed, and a blocked thread
 * adds nothing to its buffers) */
static bool mark_flush_acked(const gmi_thread *t)
{
	return __atomic_load_n(&t->flush_gen, __ATOMIC_ACQUIRE) == atomic_load(&mark.flush_gen) ||
	       gmi_thread_status(t) == GMI_THREAD_BLOCKED;
}

bool gmi_mark_ragged_flush(int64_t timeout_ns)
{
	atomic_store(&mark.flushed_work, 0);
	atomic_fetch_add(&mark.flush_gen, 1);
	__atomic_fetch_or(&gm_safepoint_pending_, GMI_SAFEPOINT_FLUSH, __ATOMIC_SEQ_CST);
	int64_t deadline = gmi_nanotime() + timeout_ns;
	bool all;
	while (!(all = gmi_proc_all(mark_flush_acked)) && gmi_nanotime() < deadline)
		sched_yield();
	__atomic_fetch_and(&gm_safepoint_pending_, ~GMI_SAFEPOINT_FLUSH, __ATOMIC_SEQ_CST);
	/* a thread that never reached a safepoint is flushed by the stop */
	return !all || atomic_load(&mark.flushed_work) == 0;
}

/* ---- draining ---------------------------------------------------------------- */

/* Dekker with gmi_mark_quiesce: an unattached marker counts itself active,
 * then looks at the flag; the checker sets the flag, then waits for the
 * count to drain */
static bool mark_enter(void)
{
	atomic_fetch_add(&mark.nactive, 1);
	if (atomic_load(&mark.quiesce)) {
		atomic_fetch_sub(&mark.nactive, 1);
		return false;
	}
	return true;
}

static void mark_leave(void)
{
	atomic_fetch_sub(&mark.nactive, 1);
}

/* mark_enter for a one-off marker: true once entered, or once marking is
 * over (counted as entered too, so that mark_leave balances) */
static bool mark_enter_or_done(void)
{
	if (mark_enter())
		return true;
	if (!atomic_load(&mark.active)) {
		atomic_fetch_add(&mark.nactive, 1);
		return true;
	}
	return false;
}

void gmi_mark_new_root(uintptr_t lo, uintptr_t hi)
{
	gmi_gcwork w = { 0 };
	bool attached = gmi_proc_self != NULL; /* else: not stopped by a stop */
	while (attached ? false : !mark_enter_or_done())
		sched_yield();
	if (atomic_load(&mark.active)) {
		gmi_scan_words(lo, hi, mark_root_word, &w);
		gmi_mark_publish(&w);
	}
	if (!attached)
		mark_leave();
}

/* a fractional worker's budget is spent (pollFractionalWorkerExit) */
static bool mark_fractional_over(const mark_worker *mw, int64_t start, double goal)
{
	int64_t now = gmi_nanotime();
	int64_t delta = now - atomic_load_explicit(&mark.mark_start, memory_order_relaxed);
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
static int64_t mark_drain_some(gmi_gcwork *w, int64_t budget, const mark_worker *frac,
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
			if (!atomic_load_explicit(&mark.active, memory_order_relaxed))
				break;
			if (frac != NULL && mark_fractional_over(frac, start, goal))
				break;
		}
	}
	return (int64_t)(w->heap_scan_work - w0);
}

/* root jobs an unattached marker can do: the root ranges once per cycle,
 * and the stacks of blocked threads; true if it did any */
static bool mark_want_blocked(gmi_thread *t)
{
	return gmi_mark_wants_stack(t);
}

static bool mark_root_jobs(gmi_gcwork *w)
{
	bool did = false;
	int zero = 0;
	if (atomic_load(&mark.roots_claimed) == 0 &&
	    atomic_compare_exchange_strong(&mark.roots_claimed, &zero, 1)) {
		gmi_roots_for_each(mark_root_range, w);
		mark_flush(w, false);
		atomic_store(&mark.roots_pending, 0);
		did = true;
	}
	while (atomic_load(&mark.stacks_pending) > 0) {
		gmi_thread *t = gmi_proc_scan_claim(mark_want_blocked);
		if (t == NULL)
			break;
		if (mark_claim_stack(t)) {
			mark_scan_thread(w, t);
			mark_flush(w, false);
			gmi_proc_scan_release(t);
			mark_stack_done();
		} else {
			gmi_proc_scan_release(t);
		}
		did = true;
	}
	return did;
}

/* sleep on mark.wake for at most ns (mark.lock not held) */
static void mark_sleep(int64_t ns)
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
	pthread_mutex_lock(&mark.lock);
	atomic_fetch_add(&mark.sleepers, 1);
	if (atomic_load(&mark.active) && !mark.stop)
		pthread_cond_timedwait(&mark.wake, &mark.lock, &ts);
	atomic_fetch_sub(&mark.sleepers, 1);
	pthread_mutex_unlock(&mark.lock);
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
 * (mark_enter..mark_leave) kept the mark from completing until the
 * scheduler gave it the CPU back: with one of two CPUs taken by another
 * process, marks of binary_trees at GOGC 200 went on for 65-116 ms after
 * the expected scan work was done, the mutator allocating meanwhile on
 * credit it had stolen at the end of the work (where assistBytesPerWork
 * is largest), and the heap reached 2-3 times the goal.
 */
static bool mark_idle_cpu_free(void)
{
	size_t want = gmi_proc_unblocked() + (size_t)atomic_load(&mark.nactive);
	return want < (size_t)mark.nprocs;
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
	while (atomic_load(&mark.active)) {
		uint32_t cycle = atomic_load(&mark.cycle);
		if (mw->frac_cycle != cycle) { /* a cycle began since */
			mw->frac_cycle = cycle;
			mw->frac_ns = 0;
		}
		if (gmi_stop_requested()) {
			/* Leave the CPUs to the threads being stopped (see
			 * mark_drain_some) for the whole stop, as Go's worker
			 * goroutines, which a stop deschedules, do: woken by the
			 * stop's end (gmi_mark_unquiesce or, at mark
			 * termination, gmi_mark_end_concurrent), else after
			 * MARK_IDLE_SLEEP_NS.  Polling every 50 us instead cost
			 * 0.3-0.6 ms of CPU per worker in an 8 ms stop, on 2
			 * CPUs, while the mutator being waited for was runnable
			 * (perf sched, 1 GiB steady heap). */
			mark_sleep(MARK_IDLE_SLEEP_NS);
			continue;
		}
		mark_mode mode = mark_worker_mode(mw);
		int64_t now = gmi_nanotime();
		double goal = gmi_pacer_fractional_goal();
		if (mode == MARK_MODE_NONE) {
			mark_sleep(10 * MARK_IDLE_SLEEP_NS);
			continue;
		}
		if (mode == MARK_MODE_IDLE && !mark_idle_cpu_free()) {
			mark_sleep(MARK_IDLE_SLEEP_NS);
			continue;
		}
		if (mode == MARK_MODE_FRACTIONAL) {
			int64_t delta = now - atomic_load(&mark.mark_start);
			if (delta > 0 && (double)mw->frac_ns / (double)delta > goal) {
				/* behind no more: sleep until it would be */
				int64_t at = atomic_load(&mark.mark_start) +
					     (int64_t)((double)mw->frac_ns / goal);
				mark_sleep(at - now < 50000 ? 50000 : at - now);
				continue;
			}
		}
		if (!mark_enter()) {
			mark_sleep(MARK_IDLE_SLEEP_NS);
			continue;
		}
		bool out = false;
		bool roots = mark_root_jobs(&mw->gcw);
		/* an idle worker hands its work back every drainCheckThreshold
		 * (see MARK_IDLE_CHECK_WORK) */
		mark_drain_some(&mw->gcw, mode == MARK_MODE_IDLE ? MARK_IDLE_CHECK_WORK : INT64_MAX,
				mode == MARK_MODE_FRACTIONAL ? mw : NULL, now, goal, &out);
		mark_flush(&mw->gcw, true);
		mark_leave();
		int64_t dt = gmi_nanotime() - now;
		switch (mode) {
		case MARK_MODE_DEDICATED:
			gmi_pacer_add_mark_time(GMI_MARK_DEDICATED, dt);
			atomic_fetch_add(&mark.worker_ns, dt);
			break;
		case MARK_MODE_FRACTIONAL:
			gmi_pacer_add_mark_time(GMI_MARK_FRACTIONAL, dt);
			atomic_fetch_add(&mark.worker_ns, dt);
			mw->frac_ns += dt;
			break;
		default:
			gmi_pacer_add_mark_time(GMI_MARK_IDLE, dt);
			atomic_fetch_add(&mark.idle_ns, dt);
			break;
		}
		if (out && !roots) {
			gmi_gc_poke(); /* perhaps marking is complete */
			mark_sleep(MARK_IDLE_SLEEP_NS);
		}
	}
}

/* ---- assists ------------------------------------------------------------------ */

void gmi_mark_alloc(gmi_thread *t, size_t bytes)
{
	t->assist_bytes -= (int64_t)bytes;
	if (t->assist_bytes >= 0)
		return;
	if (gmi_gc_cpu_limiting())
		return; /* Go's gcAssistAlloc: the CPU limiter is on; the debt waits */
	/* Go's gcAssistAlloc.  Only the drains count as assist time (Go's
	 * gcAssistAlloc1 times gcDrainN alone): not a park at a stop, nor
	 * the wait for work, which would have the CPU limiter count CPU time
	 * no thread used. */
	int64_t spent = 0;
	while (t->assist_bytes < 0 && atomic_load(&mark.active)) {
		double wpb = gmi_pacer_assist_work_per_byte();
		double bpw = gmi_pacer_assist_bytes_per_work();
		int64_t debt = -t->assist_bytes;
		int64_t work = (int64_t)(wpb * (double)debt);
		if (work < MARK_OVER_ASSIST_WORK) {
			work = MARK_OVER_ASSIST_WORK;
			debt = (int64_t)(bpw * (double)work);
		}
		/* steal the workers' banked credit first */
		int64_t credit = atomic_load(&mark.bg_credit);
		if (credit > 0) {
			int64_t stolen = credit < work ? credit : work;
			atomic_fetch_sub(&mark.bg_credit, stolen);
			if (stolen == work) {
				t->assist_bytes += debt;
				break;
			}
			t->assist_bytes += (int64_t)(bpw * (double)stolen);
			work -= stolen;
		}
		bool out = false;
		int64_t t0 = gmi_nanotime();
		int64_t done = mark_drain_some(&t->gcw, work, NULL, 0, 0, &out);
		mark_flush(&t->gcw, false);
		spent += gmi_nanotime() - t0;
		gm_safepoint(); /* a stop may have cut the drain short */
		t->assist_bytes += (int64_t)(bpw * (double)done);
		if (t->assist_bytes >= 0 || atomic_load(&mark.held))
			break;
		if (out) {
			/* no work left: wait for credit or the end of marking
			 * (gcParkAssist), blocked so that a stop can proceed */
			gmi_gc_poke();
			gm_blocking_enter();
			mark_sleep(MARK_IDLE_SLEEP_NS);
			gm_blocking_leave();
		}
	}
	if (spent != 0) {
		gmi_pacer_add_mark_time(GMI_MARK_ASSIST, spent);
		atomic_fetch_add(&mark.assist_ns, spent);
	}
}

void gmi_mark_help(void)
{
	gmi_thread *t = gmi_proc_self;
	if (t == NULL)
		return;
	int64_t t0 = gmi_nanotime();
	bool out = false;
	while (atomic_load(&mark.active) && !out) {
		mark_drain_some(&t->gcw, INT64_MAX, NULL, 0, 0, &out);
		gm_safepoint(); /* a stop may have cut the drain short */
	}
	mark_flush(&t->gcw, true);
	int64_t dt = gmi_nanotime() - t0;
	gmi_pacer_add_mark_time(GMI_MARK_IDLE, dt);
	atomic_fetch_add(&mark.idle_ns, dt);
}

/* ---- the cycle ------------------------------------------------------------------ */

static void mark_reset_thread(gmi_thread *t, void *ctx)
{
	(void)ctx;
	t->assist_bytes = 0;
	gmi_heapcheck_thread_reset(t);
}

static void mark_snapshot_stack(gmi_thread *t, void *ctx)
{
	mark_scan_thread(ctx, t);
	__atomic_store_n(&t->scan_gen, atomic_load(&mark.cycle), __ATOMIC_RELAXED);
}

void gmi_mark_begin(uint32_t cycle, int64_t now)
{
	atomic_store(&mark.cycle, cycle);
	atomic_store(&mark.bytes_marked, 0);
	atomic_store(&mark.stack_bytes, 0);
	atomic_store(&mark.global_bytes, 0);
	atomic_store(&mark.bg_credit, 0);
	atomic_store(&mark.assist_ns, 0);
	atomic_store(&mark.worker_ns, 0);
	atomic_store(&mark.idle_ns, 0);
	atomic_store(&mark.mark_start, now);
	gmi_proc_for_each(mark_reset_thread, NULL);
}

void gmi_mark_start_concurrent(void)
{
	atomic_store(&mark.roots_claimed, 0);
	atomic_store(&mark.roots_pending, 1);
	atomic_store(&mark.quiesce, 0);
	if (mark.mode == GM_YUASA) {
		/* the snapshot: every stack now, with the world stopped */
		gmi_gcwork w = { 0 };
		gmi_proc_for_each(mark_snapshot_stack, &w);
		mark_flush(&w, false);
		atomic_store(&mark.stacks_pending, 0);
	} else {
		atomic_store(&mark.stacks_pending, (int)gmi_proc_count());
		if (gmi_proc_count() > 0)
			__atomic_fetch_or(&gm_safepoint_pending_, GMI_SAFEPOINT_SCAN,
					  __ATOMIC_SEQ_CST);
	}
	atomic_store(&mark.active, 1);
}

/* Not in the stop: a worker may hold mark.lock, and one preempted there
 * would hold up the stop for a time slice (measured: up to 2.4 ms) */
void gmi_mark_release_workers(void)
{
	pthread_mutex_lock(&mark.lock);
	mark.cm_gen++;
	pthread_cond_broadcast(&mark.wake);
	pthread_mutex_unlock(&mark.lock);
}

bool gmi_mark_work_left(void)
{
	return atomic_load(&mark.stacks_pending) > 0 || atomic_load(&mark.roots_pending) > 0 ||
	       !gmi_work_full_empty() || atomic_load(&mark.nactive) > 0;
}

bool gmi_mark_quiesce(void)
{
	atomic_store(&mark.quiesce, 1);
	while (atomic_load(&mark.nactive) > 0)
		sched_yield();
	if (gmi_mark_work_left()) {
		gmi_mark_unquiesce();
		return false;
	}
	return true;
}

void gmi_mark_unquiesce(void)
{
	atomic_store(&mark.quiesce, 0);
	pthread_mutex_lock(&mark.lock);
	pthread_cond_broadcast(&mark.wake);
	pthread_mutex_unlock(&mark.lock);
}

static void mark_flush_thread(gmi_thread *t, void *ctx)
{
	gmi_wbuf_drain(t, ctx);
	mark_flush(&t->gcw, false);
}

void gmi_mark_flush_all(void)
{
	gmi_gcwork w = { 0 };
	gmi_proc_for_each(mark_flush_thread, &w);
	mark_flush(&w, false);
}

/* Workers are not waited for: quiesced (gmi_mark_quiesce), none is
 * draining, and with active clear none starts again; they leave their loop
 * when they next wake.  (Waiting for that took most of the pause: a
 * sleeping thread's wake-up.)  The next cycle's start clears quiesce. */
void gmi_mark_end_concurrent(void)
{
	atomic_store(&mark.quiesce, 1);
	atomic_store(&mark.active, 0);
	__atomic_fetch_and(&gm_safepoint_pending_, ~GMI_SAFEPOINT_SCAN, __ATOMIC_SEQ_CST);
	while (atomic_load(&mark.nactive) > 0)
		sched_yield();
}


void gmi_mark_hold(bool held)
{
	atomic_store(&mark.held, held);
	if (!held)
		gmi_mark_wake_workers();
}

void gmi_mark_totals(gmi_mark_result *r)
{
	r->marked = atomic_load(&mark.bytes_marked);
	r->stack_scan = atomic_load(&mark.stack_bytes);
	r->globals_scan = atomic_load(&mark.global_bytes);
	r->worker_cpu_ns = atomic_load(&mark.worker_ns);
	r->assist_ns = atomic_load(&mark.assist_ns);
	r->idle_ns = atomic_load(&mark.idle_ns);
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
		atomic_fetch_add(&mark.nwait, 1);
		for (unsigned spins = 0;; spins++) {
			if (!gmi_work_full_empty()) {
				atomic_fetch_sub(&mark.nwait, 1);
				break;
			}
			if (atomic_load(&mark.nwait) == mark.nmarkers)
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
	pthread_mutex_lock(&mark.lock);
	for (;;) {
		while (mark.gen == seen && !mark.stop &&
		       !(mark.cm_gen != cm_seen && atomic_load(&mark.active)))
			pthread_cond_wait(&mark.wake, &mark.lock);
		if (mark.stop)
			break;
		if (mark.gen != seen) {
			seen = mark.gen;
			if (mw->index >= mark.nstw || mw->idle)
				continue;
			pthread_mutex_unlock(&mark.lock);
			int64_t t0 = gmi_thread_cputime();
			mark_drain_stopped(&mw->gcw);
			mw->cpu_ns = gmi_thread_cputime() - t0;
			mark_flush(&mw->gcw, false);
			pthread_mutex_lock(&mark.lock);
			mark.finished++;
			pthread_cond_signal(&mark.done);
			continue;
		}
		cm_seen = mark.cm_gen;
		atomic_fetch_add(&mark.inside, 1);
		pthread_mutex_unlock(&mark.lock);
		mark_concurrent(mw);
		atomic_fetch_sub(&mark.inside, 1);
		pthread_mutex_lock(&mark.lock);
	}
	pthread_mutex_unlock(&mark.lock);
	return NULL;
}

bool gmi_mark_init(int procs, gm_collector mode, bool idle_mark)
{
	pthread_mutex_init(&mark.lock, NULL);
	pthread_cond_init(&mark.wake, NULL);
	pthread_cond_init(&mark.done, NULL);
	mark.gen = mark.cm_gen = 0;
	mark.stop = false;
	mark.mode = mode;
	atomic_store(&mark.cycle, 0);
	atomic_store(&mark.active, 0);
	atomic_store(&mark.held, 0);
	int nprocs = procs < 1 ? 1 : procs;
	mark.nprocs = nprocs;
	int total = nprocs + (idle_mark && mode != GM_STW ? nprocs : 0);
	mark.nworkers = 0;
	mark.workers = calloc((size_t)total, sizeof *mark.workers);
	if (mark.workers == NULL)
		return false;
	for (int i = 0; i < total; i++) {
		mark_worker *mw = &mark.workers[i];
		mw->index = i < nprocs ? i : i - nprocs;
		mw->idle = i >= nprocs;
		if (!gmi_spawn(mw->idle ? "idlemark" : "mark", mw->index, mark_worker_main, mw,
			       &mw->thread))
			break;
		mark.nworkers++;
	}
	mark.nstw = mark.nworkers < nprocs - 1 ? mark.nworkers : nprocs - 1;
	mark.nmarkers = mark.nstw + 1;
	return true;
}

void gmi_mark_shutdown(void)
{
	pthread_mutex_lock(&mark.lock);
	mark.stop = true;
	pthread_cond_broadcast(&mark.wake);
	pthread_mutex_unlock(&mark.lock);
	for (int i = 0; i < mark.nworkers; i++) {
		pthread_join(mark.workers[i].thread, NULL);
		gmi_gcwork_dispose(&mark.workers[i].gcw);
	}
	free(mark.workers);
	mark.workers = NULL;
	pthread_cond_destroy(&mark.wake);
	pthread_cond_destroy(&mark.done);
	pthread_mutex_destroy(&mark.lock);
}

static void mark_root_thread(gmi_thread *t, void *ctx)
{
	mark_scan_thread(ctx, t);
}

void gmi_mark_run(unsigned roots, int64_t *cpu_ns)
{
	gmi_gcwork w = { 0 };
	int64_t t0 = gmi_thread_cputime();
	if (roots & GMI_MARK_ROOT_STACKS)
		gmi_proc_for_each(mark_root_thread, &w);
	if (roots & GMI_MARK_ROOT_GLOBALS)
		gmi_roots_for_each(mark_root_range, &w);
	mark_flush(&w, false); /* share the grey roots */

	atomic_store(&mark.nwait, 0);
	pthread_mutex_lock(&mark.lock);
	mark.finished = 0;
	mark.gen++;
	pthread_cond_broadcast(&mark.wake);
	pthread_mutex_unlock(&mark.lock);

	mark_drain_stopped(&w);
	pthread_mutex_lock(&mark.lock);
	while (mark.finished < mark.nstw)
		pthread_cond_wait(&mark.done, &mark.lock);
	pthread_mutex_unlock(&mark.lock);

	mark_flush(&w, false);
	int64_t cpu = gmi_thread_cputime() - t0;
	for (int i = 0; i < mark.nstw; i++)
		cpu += mark.workers[i].cpu_ns;
	*cpu_ns = cpu;
}

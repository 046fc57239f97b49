/*
 * sweep.c — sweeping (Go's mgcsweep.go): the background sweeper, lazy and
 * proportional sweeping, and finishing the sweep before the next cycle.
 *
 * Spans are swept by sweep generation (inv:central-parity in
 * alloc/mheap.h): mark termination advances the heap's sweepgen by 2, which
 * turns every swept span set into the unswept one.  Then:
 * 1. Allocating threads sweep lazily: mcentral sweeps a span before it hands
 *    it to a cache (alloc/mcentral.c).
 * 2. Proportionally: before taking a new span, an allocating thread sweeps
 *    enough pages that sweeping finishes before the heap reaches the next
 *    trigger (Go's deductSweepCredit, paced by gcPaceSweeper).
 * 3. The background sweeper, a thread of its own, sweeps the rest, yielding
 *    every 10 spans as Go's bgsweep does.
 * 4. At the next cycle's sweep termination, with the world stopped, the
 *    background sweeper is paused and whatever is left is swept
 *    (finishsweep_m), so that no span is two generations behind.
 *
 * Sweepers in flight: the background sweeper counts itself in `active`
 * while it sweeps a span and checks `paused` first; the stopper sets
 * `paused` and waits for `active` to reach zero (both seq_cst, Dekker).
 * Lazy and proportional sweepers are attached threads, which are parked
 * outside any sweep while the world is stopped.
 *
 * The bench's reclamation entries (alloc/gmi.h) are here too: a sweep
 * generation with nothing marked.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "alloc/gmi.h"
#include "alloc/mcache.h"
#include "gc/gc.h"
#include "gc/proc.h"

/* 10: bgsweep yields after this many spans (mgcsweep.go sweepBatchSize). */
#define SWEEP_BATCH 10
/* Sweepers on attached threads poll the safepoint after every span, as
 * Go's sweepone loops are preemptible: a stop must not wait for the whole
 * heap's sweep.  Every span, not every few: freeing one takes the heap
 * lock, and with two mutators and the background sweeper contending for
 * it 16 spans took 1-4 ms (perf, 1 GiB steady heap), which a stop waited
 * out. */

/* 1 MiB: the margin gcPaceSweeper leaves before the trigger. */
#define SWEEP_PACE_MARGIN ((int64_t)1 << 20)

static struct {
	pthread_t thread;
	bool running;                 /* the thread exists */
	pthread_mutex_t lock;         /* protects gen, stop */
	pthread_cond_t wake;
	uint64_t gen;                 /* bumped when there is new sweeping */
	bool stop;
	_Atomic int paused;           /* a stop of the world is finishing it */
	_Atomic int active;           /* background sweeper inside a span */
	/* pacing (Go's mheap.sweepPagesPerByte and its bases), written with
	 * the world stopped, read by allocating threads */
	_Atomic double pages_per_byte;
	_Atomic int64_t live_basis;
	_Atomic uint64_t swept_basis;
} sweep;

/* The first span class that may still hold unswept spans (Go's
 * sweep.centralIndex): classes below it are done for this generation, so
 * that each sweep_one does not start over from class 0.  Reset when a
 * sweep generation begins. */
static _Atomic unsigned sweep_class;

/* one unswept span of any class swept; false when none is left (Go's
 * sweepone with nextSpanForSweep) */
static bool sweep_one(void)
{
	for (unsigned i = atomic_load_explicit(&sweep_class, memory_order_relaxed);
	     i < GMI_NUM_SPAN_CLASSES; i++) {
		if (gmi_central_sweep_one(&gmi_heap.central[i]))
			return true;
		/* class i is empty: move the cursor past it, unless another
		 * sweeper already moved it further (or a new generation reset
		 * it) */
		unsigned cur = i;
		atomic_compare_exchange_strong_explicit(&sweep_class, &cur, i + 1,
							memory_order_relaxed,
							memory_order_relaxed);
	}
	return false;
}

static void *sweep_main(void *arg)
{
	(void)arg;
	uint64_t seen = 0;
	pthread_mutex_lock(&sweep.lock);
	for (;;) {
		while (sweep.gen == seen && !sweep.stop)
			pthread_cond_wait(&sweep.wake, &sweep.lock);
		if (sweep.stop)
			break;
		seen = sweep.gen;
		pthread_mutex_unlock(&sweep.lock);
		for (int n = 1;; n++) {
			gmi_proc_wait_no_stop();
			atomic_fetch_add(&sweep.active, 1);
			bool more = !atomic_load(&sweep.paused) && sweep_one();
			atomic_fetch_sub(&sweep.active, 1);
			if (!more)
				break;
			if (n % SWEEP_BATCH == 0)
				sched_yield();
		}
		pthread_mutex_lock(&sweep.lock);
	}
	pthread_mutex_unlock(&sweep.lock);
	return NULL;
}

bool gmi_sweep_init(void)
{
	pthread_mutex_init(&sweep.lock, NULL);
	pthread_cond_init(&sweep.wake, NULL);
	sweep.gen = 0;
	sweep.stop = false;
	atomic_store(&sweep.paused, 0);
	atomic_store(&sweep.active, 0);
	atomic_store(&sweep.pages_per_byte, 0.0);
	sweep.running = gmi_spawn("sweeper", 0, sweep_main, NULL, &sweep.thread);
	return sweep.running;
}

void gmi_sweep_shutdown(void)
{
	if (sweep.running) {
		pthread_mutex_lock(&sweep.lock);
		sweep.stop = true;
		pthread_cond_signal(&sweep.wake);
		pthread_mutex_unlock(&sweep.lock);
		pthread_join(sweep.thread, NULL);
		sweep.running = false;
	}
	pthread_cond_destroy(&sweep.wake);
	pthread_mutex_destroy(&sweep.lock);
}

void gmi_sweep_finish(void)
{
	atomic_store(&sweep.paused, 1);
	while (atomic_load(&sweep.active) != 0)
		sched_yield();
	while (sweep_one())
		;
	atomic_store(&sweep.pages_per_byte, 0.0);
}

static void sweep_release_cache(gmi_thread *t, void *ctx)
{
	(void)ctx;
	gmi_mcache_release_all(t->mcache);
}

void gmi_sweep_begin_cycle(uint64_t trigger)
{
	gmi_mheap *h = &gmi_heap;
	atomic_fetch_add_explicit(&h->sweepgen, 2, memory_order_acq_rel);
	atomic_store(&sweep_class, 0);
	atomic_store(&h->stats.pages_swept, 0);
	/* Go flushes each P's mcache (prepareForSweep); stale spans are swept
	 * as they are uncached, by their fresh mark bits */
	gmi_proc_for_each(sweep_release_cache, NULL);

	/* gcPaceSweeper: sweep the pages in use before the heap grows from
	 * here to the trigger, less a margin */
	size_t sys, inuse, dirty, released, other;
	gmi_heap_page_stats(&sys, &inuse, &dirty, &released, &other);
	int64_t live = atomic_load(&h->stats.heap_live);
	int64_t distance = trigger == UINT64_MAX ? INT64_MAX : (int64_t)trigger - live;
	distance -= SWEEP_PACE_MARGIN;
	if (distance < (int64_t)GMI_PAGE_SIZE)
		distance = (int64_t)GMI_PAGE_SIZE;
	uint64_t swept = atomic_load(&h->stats.pages_swept);
	int64_t pages = (int64_t)(inuse / GMI_PAGE_SIZE) - (int64_t)swept;
	atomic_store(&sweep.live_basis, live);
	atomic_store(&sweep.swept_basis, swept);
	atomic_store(&sweep.pages_per_byte,
		     pages <= 0 ? 0.0 : (double)pages / (double)distance);
}

void gmi_sweep_resume(void)
{
	atomic_store(&sweep.paused, 0);
	pthread_mutex_lock(&sweep.lock);
	sweep.gen++;
	pthread_cond_signal(&sweep.wake);
	pthread_mutex_unlock(&sweep.lock);
}

void gmi_sweep_deduct_credit(size_t bytes)
{
	double ppb = atomic_load_explicit(&sweep.pages_per_byte, memory_order_relaxed);
	if (ppb == 0.0)
		return;
	gmi_mheap *h = &gmi_heap;
	int64_t live = atomic_load_explicit(&h->stats.heap_live, memory_order_relaxed);
	int64_t grown = (int64_t)bytes;
	int64_t basis = atomic_load_explicit(&sweep.live_basis, memory_order_relaxed);
	if (live > basis)
		grown += live - basis;
	uint64_t target = (uint64_t)(ppb * (double)grown);
	uint64_t sbasis = atomic_load_explicit(&sweep.swept_basis, memory_order_relaxed);
	while (atomic_load(&h->stats.pages_swept) - sbasis < target) {
		if (!sweep_one()) {
			atomic_store(&sweep.pages_per_byte, 0.0);
			break;
		}
		gm_safepoint();
	}
}

void gmi_sweep_before_stop(void)
{
	while (sweep_one())
		gm_safepoint();
}

void gmi_sweep_all_now(void)
{
	/* runtime.GC's final sweep yields between spans (Gosched), as the
	 * sweep before a stop does */
	gmi_sweep_before_stop();
	while (atomic_load(&sweep.active) != 0)
		sched_yield();
}

/* ---- the bench's reclamation (alloc/gmi.h) ------------------------------ */

void gmi_sweep_start_unmarked(void)
{
	gmi_mcache_release_current();
	atomic_fetch_add_explicit(&gmi_heap.sweepgen, 2, memory_order_acq_rel);
	atomic_store(&sweep_class, 0);
}

void gmi_sweep_help(void)
{
	gmi_sweep_before_stop();
}

void gmi_sweep_all_unmarked(void)
{
	gmi_sweep_start_unmarked();
	gmi_sweep_help();
}

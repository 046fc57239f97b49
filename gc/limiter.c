/*
 * limiter.c — the GC CPU limiter (Go's gcCPULimiterState, mgclimit.go) and
 * the runtime's memory-limit wiring (design: Go's proposal 48409, "Soft
 * memory limit").
 *
 * The memory limit is enforced by three parts that must see the same
 * memory:
 *   the pacer     lowers the heap goal so that mapped memory stays under
 *                 the limit (memoryLimitHeapGoal, gc/pacer.c); it is fed
 *                 mappedReady, heapFree and heapAlloc here.
 *   the scavenger returns free pages so that mapped memory follows the
 *                 goal down (alloc/scavenge.c); it is paced and woken here
 *                 after every cycle, and its thread started here.
 *   the limiter   caps the collector's CPU at 50% over time, so that a
 *                 limit below the live heap costs throughput but does not
 *                 become a death spiral: assists are skipped while it is
 *                 on (assist.c), and so is scavenging on allocation.
 *
 * The limiter is a leaky bucket (inv:bucket in gc/limiter.h):
 * 1. update(now): the window since the last update is now - lastUpdate
 *    times procs of CPU.  GC time in it is the assist time reported since
 *    (addAssistTime), plus 25% of the window while marking
 *    (gcBackgroundUtilization: the workers' share); idle time reported is
 *    taken out of the window; the rest is mutator time.
 * 2. accumulate(mutator, gc): the bucket fills by gc - mutator (or drains
 *    by mutator - gc), never below 0; what would go above the capacity is
 *    overflow, and a full bucket turns the limiter on; any change off a
 *    full bucket turns it off.
 * 3. A stop of the world counts all procs' time as GC time
 *    (start/finishGCTransition), and switches the 25% on or off.
 * 4. The capacity is 1 CPU-second per proc (resetCapacity): a collector at
 *    100% turns the limiter on after 2 s of a full window.
 * 5. Every accounted window also adds to two totals since init
 *    (inv:cpu-totals): the GC time as steps 1 and 3 count it, and procs x
 *    the window.  gm_read_memstats reports them as gc_cpu_total_ns and
 *    cpu_total_ns (gmi_cpu_limiter_cpu_totals): while the collector marks,
 *    brought up to the time of reading; otherwise as of the last update,
 *    so that two reads with nothing in between agree (no GC time is
 *    pending then but what allocating threads spent scavenging).  A GC
 *    CPU fraction over an interval is the ratio of their differences, the
 *    quantity the limiter holds to 50%.
 * The runtime updates it from the allocation slow path and the
 * collector's thread (every 10 ms at most: needUpdate), at every stop of
 * the world, and takes assist time from the pacer's measurement
 * (gmi_pacer_mark_time(GMI_MARK_ASSIST)) and scavenging on allocation.
 *
 * Differences from Go: no idle-time accounting (gomem has no idle P list;
 * the entry exists for the tests); the 25% stands for the workers as in
 * Go rather than their measured time; every stop counts, also the
 * restarts of gcMarkDone, which Go leaves out of the bucket.
 *
 * The collector overview is at the top of gc/gc.c.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "alloc/gmi.h"
#include "alloc/mheap.h"
#include "alloc/panic.h"
#include "alloc/scavenge.h"
#include "gc/limiter.h"
#include "gc/pacer.h"
#include "gc/proc.h"

/* 25%: gcBackgroundUtilization, mgcpacer.go: the CPU share counted as GC
 * time while marking */
#define LIMITER_BG_UTILIZATION 0.25
/* 64 KiB: how far the memory the limit counts moves before the
 * allocation path reports it to the pacer again (some eight small spans;
 * Go reads its atomics at every heapGoal() instead) */
#define LIMIT_FEED_BYTES ((uint64_t)64 << 10)

/* ---- the bucket (mgclimit.go) -------------------------------------------- */

static bool limiter_try_lock(gmi_cpu_limiter *l)
{
	uint32_t zero = 0;
	return atomic_compare_exchange_strong_explicit(&l->lock, &zero, 1,
						       memory_order_acquire,
						       memory_order_relaxed);
}

static void limiter_unlock(gmi_cpu_limiter *l)
{
	if (atomic_exchange_explicit(&l->lock, 0, memory_order_release) != 1)
		gmi_throw("cpu limiter: double unlock");
}

static void limiter_set_enabled(gmi_cpu_limiter *l, bool on)
{
	atomic_store_explicit(&l->enabled, on, memory_order_relaxed);
	if (on) /* lastEnabledCycle = numgc + 1: the cycle in progress or next */
		atomic_store_explicit(&l->last_enabled_cycle,
				      atomic_load_explicit(&l->cycle, memory_order_relaxed),
				      memory_order_relaxed);
}

/* step 2, lock held */
static void limiter_accumulate(gmi_cpu_limiter *l, int64_t mutator, int64_t gc)
{
	uint64_t headroom = l->capacity - l->fill;
	bool enabled = headroom == 0;
	int64_t change = gc - mutator;
	if (change > 0 && headroom <= (uint64_t)change) {
		atomic_fetch_add_explicit(&l->overflow, (uint64_t)change - headroom,
					  memory_order_relaxed);
		l->fill = l->capacity;
		if (!enabled)
			limiter_set_enabled(l, true);
		return;
	}
	if (change < 0 && l->fill <= (uint64_t)-change)
		l->fill = 0; /* emptied */
	else
		l->fill -= (uint64_t)-change; /* unsigned wrap adds when change > 0 */
	if (change != 0 && enabled)
		limiter_set_enabled(l, false);
}

/* step 1, lock held */
static void limiter_update_locked(gmi_cpu_limiter *l, int64_t now)
{
	int64_t last = atomic_load_explicit(&l->last_update, memory_order_relaxed);
	if (now < last)
		return; /* a racing, later update already counted this */
	int64_t window = (now - last) * l->procs;
	atomic_store_explicit(&l->last_update, now, memory_order_relaxed);
	int64_t assist = atomic_exchange_explicit(&l->assist_pool, 0, memory_order_relaxed);
	int64_t idle = atomic_exchange_explicit(&l->idle_pool, 0, memory_order_relaxed);
	int64_t gc = assist;
	if (l->gc_enabled)
		gc += (int64_t)((double)window * LIMITER_BG_UTILIZATION);
	/* idle time comes out after the GC time, which is a share of the
	 * real window */
	l->gc_total += gc; /* inv:cpu-totals */
	l->cpu_total += window;
	window -= idle;
	limiter_accumulate(l, window - gc, gc);
}

void gmi_cpu_limiter_init(gmi_cpu_limiter *l, int64_t now, int procs)
{
	atomic_store(&l->lock, 0);
	atomic_store(&l->enabled, false);
	l->fill = 0;
	atomic_store(&l->overflow, 0);
	l->procs = procs > 0 ? procs : 1;
	l->capacity = (uint64_t)l->procs * GMI_LIMITER_CAPACITY_PER_PROC;
	l->gc_enabled = l->transitioning = false;
	l->gc_total = l->cpu_total = 0;
	atomic_store(&l->assist_pool, 0);
	atomic_store(&l->idle_pool, 0);
	atomic_store(&l->last_update, now);
	atomic_store(&l->last_enabled_cycle, 0);
	atomic_store(&l->cycle, 1);
}

void gmi_cpu_limiter_start_transition(gmi_cpu_limiter *l, bool enable_gc, int64_t now)
{
	if (!limiter_try_lock(l))
		gmi_throw("cpu limiter: failed to acquire lock to start a GC transition");
	if (l->gc_enabled == enable_gc)
		gmi_throw("cpu limiter: transitioning GC to the same state as before");
	limiter_update_locked(l, now);
	l->gc_enabled = enable_gc;
	l->transitioning = true; /* the lock is kept until finish */
}

void gmi_cpu_limiter_finish_transition(gmi_cpu_limiter *l, int64_t now)
{
	if (!l->transitioning)
		gmi_throw("cpu limiter: finishGCTransition without a start");
	/* the world was stopped: every proc's time is the collector's */
	int64_t last = atomic_load_explicit(&l->last_update, memory_order_relaxed);
	if (now >= last) {
		l->gc_total += (now - last) * l->procs; /* inv:cpu-totals */
		l->cpu_total += (now - last) * l->procs;
		limiter_accumulate(l, 0, (now - last) * l->procs);
	}
	atomic_store_explicit(&l->last_update, now, memory_order_relaxed);
	l->transitioning = false;
	limiter_unlock(l);
}

bool gmi_cpu_limiter_need_update(gmi_cpu_limiter *l, int64_t now)
{
	return now - atomic_load_explicit(&l->last_update, memory_order_relaxed) >
	       GMI_LIMITER_UPDATE_PERIOD;
}

void gmi_cpu_limiter_add_assist_time(gmi_cpu_limiter *l, int64_t ns)
{
	atomic_fetch_add_explicit(&l->assist_pool, ns, memory_order_relaxed);
}

void gmi_cpu_limiter_add_idle_time(gmi_cpu_limiter *l, int64_t ns)
{
	atomic_fetch_add_explicit(&l->idle_pool, ns, memory_order_relaxed);
}

void gmi_cpu_limiter_update(gmi_cpu_limiter *l, int64_t now)
{
	if (!limiter_try_lock(l))
		return; /* another updater counts our time */
	if (l->transitioning)
		gmi_throw("cpu limiter: update during transition");
	limiter_update_locked(l, now);
	limiter_unlock(l);
}

void gmi_cpu_limiter_reset_capacity(gmi_cpu_limiter *l, int64_t now, int procs)
{
	if (!limiter_try_lock(l))
		gmi_throw("cpu limiter: failed to acquire lock to reset capacity");
	limiter_update_locked(l, now);
	l->procs = procs > 0 ? procs : 1;
	l->capacity = (uint64_t)l->procs * GMI_LIMITER_CAPACITY_PER_PROC;
	if (l->fill > l->capacity) {
		l->fill = l->capacity;
		limiter_set_enabled(l, true);
	} else if (l->fill < l->capacity) {
		limiter_set_enabled(l, false);
	}
	limiter_unlock(l);
}

void gmi_cpu_limiter_cpu_totals(gmi_cpu_limiter *l, int64_t now, int64_t *gc_ns,
				int64_t *cpu_ns)
{
	while (!limiter_try_lock(l))
		sched_yield(); /* held for an update or a stop: short */
	*gc_ns = l->gc_total;
	*cpu_ns = l->cpu_total;
	int64_t last = atomic_load_explicit(&l->last_update, memory_order_relaxed);
	if (l->gc_enabled && now > last) { /* as limiter_update_locked would */
		int64_t window = (now - last) * l->procs;
		*gc_ns += atomic_load_explicit(&l->assist_pool, memory_order_relaxed) +
			  (int64_t)((double)window * LIMITER_BG_UTILIZATION);
		*cpu_ns += window;
	}
	limiter_unlock(l);
}

uint64_t gmi_cpu_limiter_fill(gmi_cpu_limiter *l) { return l->fill; }
uint64_t gmi_cpu_limiter_capacity(gmi_cpu_limiter *l) { return l->capacity; }
uint64_t gmi_cpu_limiter_overflow(gmi_cpu_limiter *l)
{
	return atomic_load_explicit(&l->overflow, memory_order_relaxed);
}

/* ---- the runtime's wiring ------------------------------------------------- */

gmi_cpu_limiter gmi_gc_cpu_limiter;

static struct {
	_Atomic int64_t seen_assist;  /* pacer assist ns already in the bucket */
	_Atomic bool feeding;         /* one allocating thread reports at a time */
	_Atomic uint64_t fed_ready, fed_free, fed_live; /* as last reported */
	_Atomic bool cycle_limited;   /* the limiter was on as the cycle began */
	uint64_t term_limit_goal;     /* world stopped: at mark termination */
	pthread_t scav_thread;
	bool scav_running;
} lim;

static bool limit_limiting_hook(void) { return gmi_gc_cpu_limiting(); }

static void limit_assist_hook(int64_t ns)
{
	gmi_cpu_limiter_add_assist_time(&gmi_gc_cpu_limiter, ns);
}

bool gmi_limit_init(int procs)
{
	gmi_cpu_limiter_init(&gmi_gc_cpu_limiter, gmi_nanotime(), procs);
	atomic_store(&lim.seen_assist, 0);
	atomic_store(&lim.feeding, false);
	atomic_store(&lim.fed_ready, 0);
	atomic_store(&lim.fed_free, 0);
	atomic_store(&lim.fed_live, 0);
	atomic_store(&lim.cycle_limited, false);
	gmi_scavenge_init(procs);
	gmi_scavenge_set_limit(gmi_pacer_memory_limit());
	gmi_scavenge_limiting_hook = limit_limiting_hook;
	gmi_scavenge_assist_hook = limit_assist_hook;
	gmi_scavenge_wait_hook = gmi_proc_wait_no_stop;
	lim.scav_running = gmi_spawn("scavenger", 0, gmi_scavenger_main, NULL,
				     &lim.scav_thread);
	return lim.scav_running;
}

void gmi_limit_shutdown(void)
{
	if (lim.scav_running) {
		gmi_scavenger_stop();
		pthread_join(lim.scav_thread, NULL);
		lim.scav_running = false;
	}
	gmi_scavenge_limiting_hook = NULL;
	gmi_scavenge_assist_hook = NULL;
	gmi_scavenge_wait_hook = NULL;
}

static uint64_t limit_absdiff(uint64_t a, uint64_t b) { return a > b ? a - b : b - a; }

void gmi_limit_feed(bool force)
{
	int64_t limit = gmi_pacer_memory_limit();
	if (gmi_scavenge_limit() != limit)
		gmi_scavenge_set_limit(limit); /* changed: store only then */
	if (limit == GM_MEMLIMIT_OFF)
		return; /* the pacer would ignore it; stale values force the next */
	gmi_heapstats *st = &gmi_heap.stats;
	uint64_t ready = atomic_load_explicit(&st->mapped_ready, memory_order_relaxed);
	uint64_t free_ = atomic_load_explicit(&st->heap_free, memory_order_relaxed);
	int64_t live_i = atomic_load_explicit(&st->heap_live, memory_order_relaxed);
	uint64_t live = live_i > 0 ? (uint64_t)live_i : 0;
	uint64_t moved = limit_absdiff(ready, atomic_load(&lim.fed_ready)) +
			 limit_absdiff(free_, atomic_load(&lim.fed_free)) +
			 limit_absdiff(live, atomic_load(&lim.fed_live));
	if (!force && (moved < LIMIT_FEED_BYTES || atomic_exchange(&lim.feeding, true)))
		return;
	atomic_store(&lim.fed_ready, ready);
	atomic_store(&lim.fed_free, free_);
	atomic_store(&lim.fed_live, live);
	gmi_pacer_set_mem_stats(ready, free_, gmi_alloc_heap_alloc());
	if (!force)
		atomic_store(&lim.feeding, false);
}

/* the pacer's assist time since the last call, into the bucket's pool */
static void limit_take_assist_time(void)
{
	int64_t total = gmi_pacer_mark_time(GMI_MARK_ASSIST);
	int64_t prev = atomic_load_explicit(&lim.seen_assist, memory_order_relaxed);
	while (total > prev) {
		if (atomic_compare_exchange_weak_explicit(&lim.seen_assist, &prev, total,
							  memory_order_relaxed,
							  memory_order_relaxed)) {
			gmi_cpu_limiter_add_assist_time(&gmi_gc_cpu_limiter, total - prev);
			return;
		}
	}
}

void gmi_limit_poll(void)
{
	limit_take_assist_time();
	int64_t now = gmi_nanotime();
	if (gmi_cpu_limiter_need_update(&gmi_gc_cpu_limiter, now))
		gmi_cpu_limiter_update(&gmi_gc_cpu_limiter, now);
}

void gmi_limit_cpu_totals(int64_t *gc_ns, int64_t *cpu_ns)
{
	limit_take_assist_time();
	gmi_cpu_limiter_cpu_totals(&gmi_gc_cpu_limiter, gmi_nanotime(), gc_ns, cpu_ns);
}

void gmi_limit_alloc_slow(void)
{
	gmi_limit_feed(false);
	gmi_limit_poll();
}

void gmi_limit_stop(uint32_t cycle, bool gc_on_after, int64_t requested,
		    int64_t restarted)
{
	gmi_cpu_limiter *l = &gmi_gc_cpu_limiter;
	if (!gc_on_after)
		limit_take_assist_time(); /* the cycle's last assists */
	/* the world may already run: wait out a racing update (short) */
	while (!limiter_try_lock(l))
		sched_yield();
	limiter_update_locked(l, requested);
	if (gc_on_after && !l->gc_enabled) {
		/* marking begins: the pacer's assist clock starts from 0 */
		atomic_store(&lim.seen_assist, 0);
		atomic_store(&lim.cycle_limited, gmi_gc_cpu_limiting());
	}
	l->gc_enabled = gc_on_after;
	atomic_store_explicit(&l->cycle, gc_on_after ? cycle : cycle + 1,
			      memory_order_relaxed);
	l->transitioning = true;
	gmi_cpu_limiter_finish_transition(l, restarted); /* unlocks */
}

void gmi_limit_term_begin(void)
{
	gmi_limit_feed(true);
	lim.term_limit_goal = gmi_pacer_memory_limit_goal();
}

void gmi_limit_cycle_end(gm_cycle *c, uint64_t heap_goal, uint64_t next_goal)
{
	uint64_t lg_next = gmi_pacer_memory_limit_goal();
	c->memory_limited = (lim.term_limit_goal != GMI_PACER_OFF &&
			     lim.term_limit_goal <= heap_goal) ||
			    (lg_next != GMI_PACER_OFF && lg_next <= next_goal);
	c->cpu_limited = atomic_load(&lim.cycle_limited) || gmi_gc_cpu_limiting() ||
			 atomic_load(&gmi_gc_cpu_limiter.last_enabled_cycle) == c->num;
	gmi_scavenge_set_limit(gmi_pacer_memory_limit());
	gmi_scavenge_pace(next_goal, heap_goal,
			  atomic_load_explicit(&gmi_heap.stats.heap_inuse,
					       memory_order_relaxed));
	/* the scavenger is woken after the restart (gc.c): woken here, it
	 * took the stopper's CPU for a time slice (1 ms measured) */
}

/*
 * pacer.c — when the next cycle starts: the GOGC heap goal and the trigger
 * (Go 1.19-1.21 mgcpacer.go, gcControllerState), plus debug.SetGCPercent
 * and debug.SetMemoryLimit.
 *
 * Part 1, for the stop-the-world collector:
 * 1. At init (gcControllerState.init) heapMinimum = 4 MiB, then GOGC is
 *    set (setGCPercent scales heapMinimum by GOGC/100), the memory limit
 *    stored, and the goal committed with nothing marked: the first goal is
 *    heapMinimum.
 * 2. At each mark termination (gcControllerCommit -> commit) the cycle's
 *    marked bytes and scanned stack and global bytes become the base of the
 *    next goal:  goal = marked + (marked + stacks + globals) * GOGC/100,
 *    floored at heapMinimum; GOGC=off gives no goal.
 * 3. The trigger is the goal: with the world stopped for the whole cycle
 *    there is no concurrent marking to leave a runway for.  Part 2 replaces
 *    this with Go's trigger() (runway from the cons/mark ratio, bounded by
 *    the min/max trigger ratios) and lowers the goal under the memory limit
 *    (memoryLimitHeapGoal); the goal adjustments of heapGoalInternal that
 *    concern a concurrent sweep or a late trigger (sweepDistMinTrigger, the
 *    64 KiB minRunway) do not arise yet.
 * 4. gm_set_gc_percent (setGCPercent + gcControllerCommit) recomputes the
 *    goal and trigger at once from the last committed cycle.
 *
 * The collector overview (phases, barrier, pacing) is at the top of gc/gc.c.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "gc/pacer.h"
#include "gomem.h"

/*
 * The pacer's state.  pacer.lock is a leaf: nothing else is locked while it
 * is held.  goal, trigger, gc_percent and memory_limit are written only
 * under the lock and read without it (each value stands alone, so relaxed
 * loads suffice: no other data is published with them).
 * inv:pacer-goal  goal == gmi_pacer_goal_for(marked, stacks, globals,
 *                 gc_percent), and trigger == goal (part 1), after every
 *                 write under the lock.
 */
static struct {
	pthread_mutex_t lock;
	uint64_t marked;               /* lock: heapMarked of the last commit */
	uint64_t stacks;               /* lock: lastStackScan */
	uint64_t globals;              /* lock: globalsScan */
	_Atomic uint64_t goal;         /* written under lock: gcPercentHeapGoal */
	_Atomic uint64_t trigger;      /* written under lock */
	_Atomic int gc_percent;        /* written under lock: gcPercent, -1 = off */
	_Atomic int64_t memory_limit;  /* written under lock: memoryLimit */
} pacer = {
	/* before gmi_pacer_init: as after gmi_pacer_init(100, off) */
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.goal = GMI_DEFAULT_HEAP_MINIMUM,
	.trigger = GMI_DEFAULT_HEAP_MINIMUM,
	.gc_percent = 100,
	.memory_limit = GM_MEMLIMIT_OFF,
};

/* a + b, or GMI_PACER_OFF where it would overflow */
static uint64_t pacer_add_sat(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_add_overflow(a, b, &r) ? GMI_PACER_OFF : r;
}

/* heapMinimum = defaultHeapMinimum * GOGC / 100 (setGCPercent,
 * mgcpacer.go); at GOGC=0 it is 0, so every allocation past the live heap
 * starts a cycle, which Go keeps for debugging. */
static uint64_t pacer_heap_minimum(int gc_percent)
{
	return GMI_DEFAULT_HEAP_MINIMUM * (uint64_t)gc_percent / 100;
}

uint64_t gmi_pacer_goal_for(uint64_t marked, uint64_t stacks, uint64_t globals,
			    int gc_percent)
{
	if (gc_percent < 0)
		return GMI_PACER_OFF; /* gcPercentHeapGoal := ^uint64(0) (commit) */
	/* commit: heapMarked + (heapMarked + lastStackScan + globalsScan) *
	 * uint64(gcPercent) / 100, then at least heapMinimum */
	uint64_t base = pacer_add_sat(pacer_add_sat(marked, stacks), globals);
	uint64_t grown;
	if (__builtin_mul_overflow(base, (uint64_t)gc_percent, &grown))
		return GMI_PACER_OFF;
	uint64_t goal = pacer_add_sat(marked, grown / 100);
	uint64_t floor = pacer_heap_minimum(gc_percent);
	return goal < floor ? floor : goal;
}

/* step 2 and 3 with pacer.lock held: publish the goal and the trigger */
static uint64_t pacer_commit_locked(void)
{
	int pct = atomic_load_explicit(&pacer.gc_percent, memory_order_relaxed);
	uint64_t goal = gmi_pacer_goal_for(pacer.marked, pacer.stacks,
					   pacer.globals, pct);
	atomic_store_explicit(&pacer.goal, goal, memory_order_relaxed);
	/* part 1: the stop-the-world cycle starts when the heap reaches the
	 * goal (inv:pacer-goal) */
	atomic_store_explicit(&pacer.trigger, goal, memory_order_relaxed);
	return goal;
}

/* setGCPercent (mgcpacer.go): any negative value is stored as -1 */
static int pacer_set_percent_locked(int pct)
{
	int old = atomic_load_explicit(&pacer.gc_percent, memory_order_relaxed);
	atomic_store_explicit(&pacer.gc_percent, pct < 0 ? -1 : pct,
			      memory_order_relaxed);
	return old;
}

void gmi_pacer_init(int gc_percent, int64_t memory_limit)
{
	pthread_mutex_lock(&pacer.lock);
	pacer.marked = pacer.stacks = pacer.globals = 0;
	pacer_set_percent_locked(gc_percent);
	/* setMemoryLimit: a negative value leaves it unchanged */
	atomic_store_explicit(&pacer.memory_limit,
			      memory_limit < 0 ? GM_MEMLIMIT_OFF : memory_limit,
			      memory_order_relaxed);
	pacer_commit_locked(); /* commit(true): "No sweep phase in the first GC cycle" */
	pthread_mutex_unlock(&pacer.lock);
}

uint64_t gmi_pacer_commit(uint64_t marked, uint64_t stacks, uint64_t globals)
{
	pthread_mutex_lock(&pacer.lock);
	pacer.marked = marked;
	pacer.stacks = stacks;
	pacer.globals = globals;
	uint64_t goal = pacer_commit_locked();
	pthread_mutex_unlock(&pacer.lock);
	return goal;
}

uint64_t gmi_pacer_goal(void)
{
	return atomic_load_explicit(&pacer.goal, memory_order_relaxed);
}

uint64_t gmi_pacer_trigger(void)
{
	return atomic_load_explicit(&pacer.trigger, memory_order_relaxed);
}

int gmi_pacer_gc_percent(void)
{
	return atomic_load_explicit(&pacer.gc_percent, memory_order_relaxed);
}

int64_t gmi_pacer_memory_limit(void)
{
	return atomic_load_explicit(&pacer.memory_limit, memory_order_relaxed);
}

/* debug.SetGCPercent -> runtime.setGCPercent (mgcpacer.go): set GOGC under
 * the lock and commit at once.  Go then waits for a concurrent mark to end
 * when GC was just turned off; the stop-the-world collector never returns
 * with a mark running, so there is nothing to wait for (part 2). */
int gm_set_gc_percent(int pct)
{
	pthread_mutex_lock(&pacer.lock);
	int old = pacer_set_percent_locked(pct);
	pacer_commit_locked();
	pthread_mutex_unlock(&pacer.lock);
	return old;
}

/* debug.SetMemoryLimit -> runtime.setMemoryLimit (mgcpacer.go): returns the
 * old limit; a negative argument only reads it.  Stored only: the limit
 * lowers the goal from part 2 on (memoryLimitHeapGoal), so there is no
 * commit to redo yet. */
int64_t gm_set_memory_limit(int64_t bytes)
{
	if (bytes < 0)
		return gmi_pacer_memory_limit();
	pthread_mutex_lock(&pacer.lock);
	int64_t old = atomic_load_explicit(&pacer.memory_limit, memory_order_relaxed);
	atomic_store_explicit(&pacer.memory_limit, bytes, memory_order_relaxed);
	pthread_mutex_unlock(&pacer.lock);
	return old;
}

/*
 * pacer.c — when the next cycle starts and how hard a cycle in progress
 * pushes: the heap goal, the trigger, the assist ratio and the mark-worker
 * counts (Go 1.21 mgcpacer.go, gcControllerState; design in Go's proposal
 * 44167-gc-pacer-redesign), plus debug.SetGCPercent and
 * debug.SetMemoryLimit.
 *
 * The pacer is pure: it reads nothing of the allocator or the collector;
 * the collector hands it every number (gc/pacer.h lists the calls and
 * their order).  One cycle:
 * 1. startCycle (world stopped): triggered = the live heap now; zero the
 *    cycle's scan-work and mark-time counters; pick the dedicated workers
 *    as procs * 25% rounded, or, when rounding is off by more than 30%,
 *    round down and give every thread a fractional share of the rest;
 *    then revise.
 * 2. revise (during mark, whenever the live or scannable heap moves): the
 *    scan work still expected (last cycle's heap, stack and globals scan
 *    work, minus the work done) spread over the heap bytes left before the
 *    goal gives assistWorkPerByte and its inverse.  Once the work done
 *    exceeds the expectation the goal is extrapolated to the worst case
 *    (all scannable memory live), capped at (1 + GOGC/100) * goal; once
 *    the live heap is past that goal, aim at 1.1 times it.
 * 3. endCycle (mark termination): the cycle's cons/mark ratio — bytes
 *    allocated since the trigger per unit of scan work, each divided by
 *    its CPU share (mutator 1 - u; collector u + idle, where u is 25% plus
 *    the assists' share) — and the estimate becomes the largest of it and
 *    the last four measured, biasing a noisy ratio towards earlier cycles
 *    rather than assists.
 * 4. resetLive + commit (mark termination): heapMarked, lastHeapScan (this
 *    cycle's heap scan work) and lastStackScan are recorded; the goal is
 *    marked + (marked + stacks + globals) * GOGC/100, at least heapMinimum;
 *    the runway is consMark * (1 - 25%) / 25% times the expected scan
 *    work (the heap Go's mutators allocate while the collector, at 25% of
 *    the CPU, does that work); the trigger is goal - runway, held between
 *    0.7 and 0.95 of the way from the marked heap to the goal (the upper
 *    bound rises to goal - 4 MiB for large heaps).
 * 5. setGCPercent and setMemoryLimit recommit at once, and revise when a
 *    cycle is running.
 *
 * The goal is the lower of that GOGC goal and the memory-limit goal
 * (memoryLimitHeapGoal, Go 1.21+): the limit less the non-heap memory the
 * collector reports (gmi_pacer_set_mem_stats), less 3% headroom (at least
 * 1 MiB).  Only under the GOGC goal may the goal rise, to the sweep
 * distance (sweepDistMinTrigger: heapMarked + 1 MiB when the cycle's sweep
 * is still running at commit) and, during a cycle, to the trigger point +
 * 64 KiB; the sweep distance is also the trigger's lower bound.
 *
 * Left out (gc/pacer.h says what the caller does instead): idle-worker
 * accounting (idleMarkWorkers), background scan credit (bgScanCredit,
 * assist.c's) and the STW-mode worker override (debug.gcstoptheworld: the
 * caller uses all threads).
 *
 * The collector overview (phases, barrier, pacing) is at the top of gc/gc.c.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "alloc/panic.h"
#include "gc/pacer.h"
#include "gomem.h"

/* 25%: gcBackgroundUtilization = gcGoalUtilization, mgcpacer.go: the CPU
 * share of background marking, and the share the runway is sized for. */
#define PACER_GOAL_UTILIZATION 0.25
/* 0.3: maxUtilError, startCycle: how far rounding may put the dedicated
 * workers from 25% of the CPU before fractional workers make up the rest */
#define PACER_MAX_UTIL_ERROR 0.3
/* 64 KiB: minRunway, heapGoalInternal: during a cycle the goal is at least
 * this far above the live heap at the trigger, so assists stay finite */
#define PACER_MIN_RUNWAY ((uint64_t)64 << 10)
/* trigger bounds as a fraction of the way from the marked heap to the goal,
 * numerators over triggerRatioDen = 64 (mgcpacer.go): minTriggerRatioNum
 * 45 (~0.7, against an always-on cycle under a fast allocator) and
 * maxTriggerRatioNum 61 (~0.95, some headroom for any cycle) */
#define PACER_TRIGGER_RATIO_DEN 64
#define PACER_MIN_TRIGGER_NUM 45
#define PACER_MAX_TRIGGER_NUM 61
/* 1.1: maxOvershoot, revise: past the (extrapolated) goal, aim 10% beyond */
#define PACER_MAX_OVERSHOOT 1.1
/* 1000: revise's floor on the remaining scan work, since marking is racy
 * and may double-scan, so the remainder can go negative */
#define PACER_MIN_SCAN_WORK_REMAINING 1000
/* 100000: revise acts as if GOGC were this when GC is off but a cycle was
 * forced */
#define PACER_FORCED_OFF_PERCENT 100000
/* 4: len(lastConsMark), mgcpacer.go: past cycles in the cons/mark max */
#define PACER_CONS_MARK_HISTORY 4

enum { SCAN_HEAP, SCAN_STACK, SCAN_GLOBALS, SCAN_KINDS };

/*
 * The pacer's state.  pacer.lock is a leaf: nothing else is locked while it
 * is held.  Fields marked "atomic" are read without the lock (by revise,
 * the allocation path and the getters) with relaxed loads: each value
 * stands alone, no other data is published with it, and revise tolerates
 * reading values from different commits, as Go's does.
 * inv:pacer-goal    after every write under the lock, goal == the
 *                   memory-limit goal when that is below percent_goal;
 *                   otherwise goal == max(percent_goal, sweep_dist) outside
 *                   a cycle (triggered == GMI_PACER_OFF) and max(that,
 *                   triggered + 64 KiB) inside one (heapGoalInternal).
 * inv:pacer-trigger trigger == GMI_PACER_OFF iff goal == GMI_PACER_OFF;
 *                   otherwise trigger <= goal.
 */
static struct {
	pthread_mutex_t lock;
	/* inputs of the goal, from the last commit */
	_Atomic uint64_t marked;          /* atomic, written under lock: heapMarked */
	_Atomic uint64_t last_heap_scan;  /* atomic, written under lock: lastHeapScan */
	_Atomic uint64_t last_stack_scan; /* atomic, written under lock: lastStackScan */
	_Atomic uint64_t globals;         /* atomic: globalsScan (commit, set_roots) */
	_Atomic uint64_t max_stack_scan;  /* atomic: maxStackScan (commit, set_roots) */
	_Atomic bool roots_reported;      /* atomic: set_roots was called since init */
	uint64_t percent_goal;            /* lock: gcPercentHeapGoal */
	_Atomic uint64_t sweep_dist;      /* atomic, written under lock: sweepDistMinTrigger */
	/* the memory the limit counts (memoryLimitHeapGoal's inputs) */
	uint64_t mapped_ready;            /* lock: mappedReady */
	uint64_t heap_free;               /* lock: heapFree */
	uint64_t heap_alloc;              /* lock: totalAlloc - totalFree */
	/* the cons/mark estimate */
	_Atomic double cons_mark;         /* atomic, written under lock: consMark */
	double last_cons_mark[PACER_CONS_MARK_HISTORY]; /* lock: lastConsMark */
	_Atomic uint64_t runway;          /* atomic, written under lock: runway */
	/* the cycle in progress */
	_Atomic uint64_t triggered;       /* atomic, written under lock: triggered */
	int64_t mark_start;               /* lock: markStartTime */
	_Atomic int64_t scan_work[SCAN_KINDS];       /* atomic adds */
	_Atomic int64_t mark_time[GMI_MARK_KINDS];   /* atomic adds */
	_Atomic int dedicated;            /* atomic, written under lock */
	_Atomic double fractional;        /* atomic, written under lock */
	_Atomic uint64_t revise_live;     /* atomic: last revise's heap_live */
	_Atomic uint64_t revise_scan;     /* atomic: last revise's heap_scan */
	_Atomic double work_per_byte;     /* atomic: assistWorkPerByte */
	_Atomic double bytes_per_work;    /* atomic: assistBytesPerWork */
	/* published */
	_Atomic uint64_t goal;            /* atomic, written under lock: heapGoal() */
	_Atomic uint64_t trigger;         /* atomic, written under lock: trigger() */
	_Atomic int gc_percent;           /* atomic, written under lock: gcPercent, -1 = off */
	_Atomic int64_t memory_limit;     /* atomic, written under lock: memoryLimit */
} pacer = {
	/* before gmi_pacer_init: as after gmi_pacer_init(100, off) */
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.percent_goal = GMI_DEFAULT_HEAP_MINIMUM,
	.triggered = GMI_PACER_OFF,
	.goal = GMI_DEFAULT_HEAP_MINIMUM,
	/* trigger() with nothing marked and no runway: the 0.95 bound */
	.trigger = GMI_DEFAULT_HEAP_MINIMUM / PACER_TRIGGER_RATIO_DEN * PACER_MAX_TRIGGER_NUM,
	.gc_percent = 100,
	.memory_limit = GM_MEMLIMIT_OFF,
};

#define LOAD(field) atomic_load_explicit(&pacer.field, memory_order_relaxed)
#define STORE(field, v) atomic_store_explicit(&pacer.field, (v), memory_order_relaxed)

/* ---- arithmetic --------------------------------------------------------- */

/* a + b, or GMI_PACER_OFF where it would overflow */
static uint64_t pacer_add_sat(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_add_overflow(a, b, &r) ? GMI_PACER_OFF : r;
}

/* Go's int64(u) for the goal and heap sizes, saturated instead of wrapped:
 * the GOGC=off goal with no limit, ^uint64(0) here, becomes INT64_MAX,
 * "unreachable" (in Go the memory-limit goal, about 0.97 * MaxInt64,
 * stands in for it; see pacer_limit_goal_locked) */
static int64_t pacer_u2i(uint64_t u)
{
	return u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u;
}

/* Go's int64(f), saturated: C leaves out-of-range conversions undefined.
 * Reached only when the expected scan work is 0 (revise divides by it) or
 * with GOGC=off; the hard goal then caps the result. */
static int64_t pacer_f2i(double f)
{
	if (isnan(f))
		return 0;
	if (f >= 9223372036854775807.0)
		return INT64_MAX;
	if (f <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)f;
}

/* a + b for int64, saturated */
static int64_t pacer_add_i64(int64_t a, int64_t b)
{
	int64_t r;
	if (!__builtin_add_overflow(a, b, &r))
		return r;
	return b > 0 ? INT64_MAX : INT64_MIN;
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

/* ---- goal, runway, trigger (steps 4 and 5) ------------------------------ */

/* memoryLimitHeapGoal (mgcpacer.go, Go 1.21+), pure:
 *   nonHeap = mappedReady - heapFree - heapAlloc       (term 1)
 *   overage = max(mappedReady - limit, 0)              (term 2)
 *   goal    = limit - (nonHeap + overage)
 *   goal   -= max(goal / 100 * 3, 1 MiB), or goal = that headroom when
 *             less than twice it is left                 (term 3)
 * never below heapMarked, and heapMarked when non-heap memory and the
 * overage alone reach the limit.  Go re-reads its three racy stats until
 * heapFree + heapAlloc <= mappedReady; handed a torn set, we count no
 * non-heap memory instead. */
uint64_t gmi_pacer_limit_goal_for(int64_t limit, uint64_t mapped_ready,
				  uint64_t heap_free, uint64_t heap_alloc,
				  uint64_t marked)
{
	uint64_t lim = limit < 0 ? 0 : (uint64_t)limit;
	uint64_t in_heap = pacer_add_sat(heap_free, heap_alloc);
	uint64_t non_heap = in_heap <= mapped_ready ? mapped_ready - in_heap : 0;
	uint64_t overage = mapped_ready > lim ? mapped_ready - lim : 0;
	if (pacer_add_sat(non_heap, overage) >= lim)
		return marked; /* "Something has to give at this point." */
	uint64_t goal = lim - (non_heap + overage);
	uint64_t headroom = goal / 100 * GMI_PACER_LIMIT_HEADROOM_PERCENT;
	if (headroom < GMI_PACER_LIMIT_MIN_HEADROOM)
		headroom = GMI_PACER_LIMIT_MIN_HEADROOM;
	if (goal < headroom || goal - headroom < headroom)
		goal = headroom;
	else
		goal -= headroom;
	return goal < marked ? marked : goal;
}

/* the memory-limit goal from the stored limit and memory stats; with no
 * limit (GM_MEMLIMIT_OFF) none, GMI_PACER_OFF.  Go computes one from
 * MaxInt64 as from any limit, about 8.9e18 bytes: above every GOGC goal,
 * so it only replaces the GOGC=off goal ^uint64(0) by a figure no heap
 * reaches.  Keeping GMI_PACER_OFF there keeps GOGC=off meaning "no goal,
 * no trigger" to the collector (inv:pacer-trigger). */
static uint64_t pacer_limit_goal_locked(void)
{
	int64_t limit = LOAD(memory_limit);
	if (limit == GM_MEMLIMIT_OFF)
		return GMI_PACER_OFF;
	return gmi_pacer_limit_goal_for(limit, pacer.mapped_ready, pacer.heap_free,
					pacer.heap_alloc, LOAD(marked));
}

/* heapGoalInternal (mgcpacer.go): the lower of the GOGC goal and the
 * memory-limit goal.  Only when the GOGC goal is the lower may the goal
 * move up: to the sweep distance (sweepDistMinTrigger), and during a cycle
 * to triggered + minRunway (inv:pacer-goal).  *min_trigger is the sweep
 * distance then, 0 in the memory-limit regime (Go's minTrigger, which
 * must stay <= goal). */
static uint64_t pacer_heap_goal_locked(uint64_t *min_trigger)
{
	uint64_t goal = pacer.percent_goal;
	uint64_t limit_goal = pacer_limit_goal_locked();
	*min_trigger = 0;
	if (limit_goal < goal)
		return limit_goal;
	uint64_t sweep = LOAD(sweep_dist);
	if (sweep > goal)
		goal = sweep;
	*min_trigger = sweep;
	uint64_t triggered = LOAD(triggered);
	if (triggered != GMI_PACER_OFF) {
		uint64_t floor = pacer_add_sat(triggered, PACER_MIN_RUNWAY);
		if (goal < floor)
			goal = floor;
	}
	return goal;
}

/* commit: runway = uint64((consMark * (1 - gcGoalUtilization) /
 * gcGoalUtilization) * float64(lastHeapScan + lastStackScan +
 * globalsScan)).  Go's uint64() of a float past 2^64, negative or NaN is
 * implementation-defined; on amd64 it yields a value above any goal, so
 * trigger() falls to its lower bound.  We do the same on purpose. */
static uint64_t pacer_runway(double cons_mark, uint64_t expected_work)
{
	double r = (cons_mark * (1 - PACER_GOAL_UTILIZATION) / PACER_GOAL_UTILIZATION)
		   * (double)expected_work;
	if (r == 0)
		return 0;
	if (!(r > 0) || r >= 18446744073709551616.0) /* 2^64 */
		return GMI_PACER_OFF;
	return (uint64_t)r;
}

/* Go's trigger() (mgcpacer.go) for a goal, heapGoalInternal's minTrigger
 * (the sweep distance, or 0), the marked heap and the runway.  With
 * GOGC=off and no limit Go's trigger lands within 4 MiB of 2^64, never
 * reached; we publish GMI_PACER_OFF (inv:pacer-trigger). */
static uint64_t pacer_trigger_for(uint64_t goal, uint64_t min_trigger,
				  uint64_t marked, uint64_t runway)
{
	if (goal == GMI_PACER_OFF)
		return GMI_PACER_OFF;
	if (marked >= goal)
		return goal; /* "let's be defensive": a continuous cycle */
	if (min_trigger < marked)
		min_trigger = marked;
	uint64_t span = (goal - marked) / PACER_TRIGGER_RATIO_DEN;
	/* triggerLowerBound, ~0.7 of the way (divide first, as Go) */
	uint64_t lower = span * PACER_MIN_TRIGGER_NUM + marked;
	if (min_trigger < lower)
		min_trigger = lower;
	/* ~0.95 of the way, or goal - defaultHeapMinimum when that is higher
	 * (large heaps: the runway a cycle with no work needs) */
	uint64_t max_trigger = span * PACER_MAX_TRIGGER_NUM + marked;
	if (goal > GMI_DEFAULT_HEAP_MINIMUM && goal - GMI_DEFAULT_HEAP_MINIMUM > max_trigger)
		max_trigger = goal - GMI_DEFAULT_HEAP_MINIMUM;
	if (max_trigger < min_trigger)
		max_trigger = min_trigger;
	uint64_t t = runway > goal ? min_trigger : goal - runway;
	if (t < min_trigger)
		t = min_trigger;
	if (t > max_trigger)
		t = max_trigger;
	if (t > goal)
		gmi_throw("pacer: trigger %llu above the heap goal %llu (min %llu, max %llu)",
			  (unsigned long long)t, (unsigned long long)goal,
			  (unsigned long long)min_trigger, (unsigned long long)max_trigger);
	return t;
}

/* publish heapGoal() and trigger() from the committed inputs */
static uint64_t pacer_publish_locked(void)
{
	uint64_t min_trigger;
	uint64_t goal = pacer_heap_goal_locked(&min_trigger);
	STORE(goal, goal);
	STORE(trigger, pacer_trigger_for(goal, min_trigger, LOAD(marked), LOAD(runway)));
	return goal;
}

/* commit (mgcpacer.go) with pacer.lock held: the GOGC goal and the runway,
 * then publish */
static uint64_t pacer_commit_locked(void)
{
	uint64_t stacks = LOAD(last_stack_scan), globals = LOAD(globals);
	pacer.percent_goal = gmi_pacer_goal_for(LOAD(marked), stacks, globals,
						LOAD(gc_percent));
	uint64_t expected = pacer_add_sat(pacer_add_sat(LOAD(last_heap_scan), stacks), globals);
	STORE(runway, pacer_runway(LOAD(cons_mark), expected));
	return pacer_publish_locked();
}

/* setGCPercent (mgcpacer.go): any negative value is stored as -1 */
static int pacer_set_percent_locked(int pct)
{
	int old = LOAD(gc_percent);
	STORE(gc_percent, pct < 0 ? -1 : pct);
	return old;
}

/* zero the per-cycle counters (startCycle) */
static void pacer_reset_counters_locked(void)
{
	for (int i = 0; i < SCAN_KINDS; i++)
		STORE(scan_work[i], 0);
	for (int i = 0; i < GMI_MARK_KINDS; i++)
		STORE(mark_time[i], 0);
}

void gmi_pacer_init(int gc_percent, int64_t memory_limit)
{
	pthread_mutex_lock(&pacer.lock);
	STORE(marked, 0);
	STORE(last_heap_scan, 0);
	STORE(last_stack_scan, 0);
	STORE(globals, 0);
	STORE(max_stack_scan, 0);
	STORE(roots_reported, false);
	STORE(sweep_dist, 0); /* commit(true) */
	pacer.mapped_ready = pacer.heap_free = pacer.heap_alloc = 0;
	STORE(cons_mark, 0.0);
	for (int i = 0; i < PACER_CONS_MARK_HISTORY; i++)
		pacer.last_cons_mark[i] = 0;
	STORE(triggered, GMI_PACER_OFF); /* init: c.triggered = ^uint64(0) */
	pacer.mark_start = 0;
	pacer_reset_counters_locked();
	STORE(dedicated, 0);
	STORE(fractional, 0.0);
	STORE(revise_live, 0);
	STORE(revise_scan, 0);
	STORE(work_per_byte, 0.0);
	STORE(bytes_per_work, 0.0);
	pacer_set_percent_locked(gc_percent);
	/* setMemoryLimit: a negative value leaves it unchanged */
	STORE(memory_limit, memory_limit < 0 ? GM_MEMLIMIT_OFF : memory_limit);
	pacer_commit_locked(); /* commit(true): "No sweep phase in the first GC cycle" */
	pthread_mutex_unlock(&pacer.lock);
}

uint64_t gmi_pacer_commit(uint64_t marked, uint64_t stacks, uint64_t globals)
{
	return gmi_pacer_commit_sweep(marked, stacks, globals, true);
}

uint64_t gmi_pacer_commit_sweep(uint64_t marked, uint64_t stacks, uint64_t globals,
				bool sweep_done)
{
	pthread_mutex_lock(&pacer.lock);
	/* resetLive: heapMarked, lastHeapScan = heapScanWork, lastStackScan,
	 * triggered reset; the collector resets heapLive and heapScan */
	int64_t heap_work = LOAD(scan_work[SCAN_HEAP]);
	STORE(marked, marked);
	STORE(last_heap_scan, heap_work > 0 ? (uint64_t)heap_work : 0);
	STORE(last_stack_scan, stacks);
	STORE(globals, globals);
	if (!LOAD(roots_reported))
		STORE(max_stack_scan, stacks);
	STORE(triggered, GMI_PACER_OFF);
	/* commit(isSweepDone): with the sweep still running, give it
	 * sweepMinHeapDistance of heap growth from heapLive, which resetLive
	 * just set to the marked heap */
	STORE(sweep_dist, sweep_done ? 0 : pacer_add_sat(marked, GMI_SWEEP_MIN_HEAP_DISTANCE));
	uint64_t goal = pacer_commit_locked();
	pthread_mutex_unlock(&pacer.lock);
	return goal;
}

uint64_t gmi_pacer_goal(void) { return LOAD(goal); }
uint64_t gmi_pacer_trigger(void) { return LOAD(trigger); }
int gmi_pacer_gc_percent(void) { return LOAD(gc_percent); }
int64_t gmi_pacer_memory_limit(void) { return LOAD(memory_limit); }
double gmi_pacer_cons_mark(void) { return LOAD(cons_mark); }
uint64_t gmi_pacer_runway(void) { return LOAD(runway); }
uint64_t gmi_pacer_last_heap_scan(void) { return LOAD(last_heap_scan); }
uint64_t gmi_pacer_heap_marked(void) { return LOAD(marked); }
uint64_t gmi_pacer_triggered(void) { return LOAD(triggered); }

void gmi_pacer_set_mem_stats(uint64_t mapped_ready, uint64_t heap_free,
			     uint64_t heap_alloc)
{
	pthread_mutex_lock(&pacer.lock);
	pacer.mapped_ready = mapped_ready;
	pacer.heap_free = heap_free;
	pacer.heap_alloc = heap_alloc;
	pacer_publish_locked(); /* Go's heapGoal() reads them at every call */
	pthread_mutex_unlock(&pacer.lock);
}

uint64_t gmi_pacer_memory_limit_goal(void)
{
	pthread_mutex_lock(&pacer.lock);
	uint64_t goal = pacer_limit_goal_locked();
	pthread_mutex_unlock(&pacer.lock);
	return goal;
}

void gmi_pacer_set_roots(uint64_t max_stack_scan, uint64_t globals_scan)
{
	STORE(max_stack_scan, max_stack_scan);
	STORE(globals, globals_scan);
	STORE(roots_reported, true);
}

/* ---- the cycle (steps 1 to 3) ------------------------------------------- */

/* startCycle's worker rule: dedicated = procs * 25% rounded to nearest;
 * when that is more than 30% off, round down instead and let every thread
 * run a fractional worker for the missing share, which with 25% happens
 * for procs <= 3 and procs = 6 */
static void pacer_workers_locked(int procs)
{
	double total = (double)procs * PACER_GOAL_UTILIZATION; /* totalUtilizationGoal */
	int64_t dedicated = (int64_t)(total + 0.5);
	double util_error = (double)dedicated / total - 1;
	double fractional = 0;
	if (util_error < -PACER_MAX_UTIL_ERROR || util_error > PACER_MAX_UTIL_ERROR) {
		if ((double)dedicated > total)
			dedicated--; /* "Too many dedicated workers." */
		fractional = (total - (double)dedicated) / (double)procs;
	}
	STORE(dedicated, (int)dedicated);
	STORE(fractional, fractional);
}

static void pacer_check_procs(const char *fn, int procs)
{
	if (procs < 1)
		gmi_misuse("%s: procs = %d; the number of threads sharing the CPU must be at least 1",
			   fn, procs);
}

void gmi_pacer_start_cycle(int64_t mark_start_ns, int procs, uint64_t heap_live,
			   uint64_t heap_scan)
{
	pacer_check_procs("gmi_pacer_start_cycle", procs);
	pthread_mutex_lock(&pacer.lock);
	pacer_reset_counters_locked();
	pacer.mark_start = mark_start_ns;
	STORE(triggered, heap_live);
	pacer_workers_locked(procs);
	pacer_publish_locked(); /* the goal gains the minRunway floor */
	gmi_pacer_revise(heap_live, heap_scan);
	pthread_mutex_unlock(&pacer.lock);
}

int gmi_pacer_dedicated_workers(void) { return LOAD(dedicated); }
double gmi_pacer_fractional_goal(void) { return LOAD(fractional); }

void gmi_pacer_add_scan_work(int64_t heap, int64_t stack, int64_t globals)
{
	if (heap)
		atomic_fetch_add_explicit(&pacer.scan_work[SCAN_HEAP], heap, memory_order_relaxed);
	if (stack)
		atomic_fetch_add_explicit(&pacer.scan_work[SCAN_STACK], stack, memory_order_relaxed);
	if (globals)
		atomic_fetch_add_explicit(&pacer.scan_work[SCAN_GLOBALS], globals, memory_order_relaxed);
}

int64_t gmi_pacer_scan_work(void)
{
	return LOAD(scan_work[SCAN_HEAP]) + LOAD(scan_work[SCAN_STACK]) +
	       LOAD(scan_work[SCAN_GLOBALS]);
}

void gmi_pacer_add_mark_time(enum gmi_mark_time_kind k, int64_t ns)
{
	if ((unsigned)k >= GMI_MARK_KINDS)
		gmi_misuse("gmi_pacer_add_mark_time: kind %d; expected GMI_MARK_ASSIST..GMI_MARK_IDLE", (int)k);
	atomic_fetch_add_explicit(&pacer.mark_time[k], ns, memory_order_relaxed);
}

int64_t gmi_pacer_mark_time(enum gmi_mark_time_kind k)
{
	if ((unsigned)k >= GMI_MARK_KINDS)
		gmi_misuse("gmi_pacer_mark_time: kind %d; expected GMI_MARK_ASSIST..GMI_MARK_IDLE", (int)k);
	return LOAD(mark_time[k]);
}

/* revise (mgcpacer.go), step 2.  Lock-free: every input is an atomic. */
void gmi_pacer_revise(uint64_t heap_live, uint64_t heap_scan)
{
	STORE(revise_live, heap_live);
	STORE(revise_scan, heap_scan);
	int64_t pct = LOAD(gc_percent);
	if (pct < 0)
		pct = PACER_FORCED_OFF_PERCENT;
	int64_t live = pacer_u2i(heap_live);
	int64_t work = gmi_pacer_scan_work();
	int64_t goal = pacer_u2i(LOAD(goal));
	uint64_t globals = LOAD(globals);
	/* scanWorkExpected = lastHeapScan + lastStackScan + globalsScan */
	int64_t expected = pacer_u2i(pacer_add_sat(pacer_add_sat(LOAD(last_heap_scan),
								 LOAD(last_stack_scan)), globals));
	/* maxScanWork = heapScan + maxStackScan + globalsScan: all scannable
	 * memory live */
	int64_t max_work = pacer_u2i(pacer_add_sat(pacer_add_sat(heap_scan,
								 LOAD(max_stack_scan)), globals));
	if (work > expected) {
		/* the heap grew: stretch the runway triggered..goal in
		 * proportion to the worst-case work, at most to the hard goal
		 * (1 + GOGC/100) * goal */
		int64_t triggered = pacer_u2i(LOAD(triggered));
		double stretched = (double)(goal - triggered) / (double)expected * (double)max_work;
		int64_t ext = pacer_add_i64(pacer_f2i(stretched), triggered);
		expected = max_work;
		int64_t hard = pacer_f2i((1.0 + (double)pct / 100.0) * (double)goal);
		if (ext > hard)
			ext = hard;
		goal = ext;
	}
	if (live > goal) {
		/* past even that goal: aim maxOvershoot beyond it, expecting
		 * the worst-case work */
		goal = pacer_f2i((double)goal * PACER_MAX_OVERSHOOT);
		expected = max_work;
	}
	int64_t remaining = expected - work;
	if (remaining < PACER_MIN_SCAN_WORK_REMAINING)
		remaining = PACER_MIN_SCAN_WORK_REMAINING;
	int64_t heap_remaining = goal - live;
	if (heap_remaining <= 0)
		heap_remaining = 1; /* "This shouldn't happen" */
	STORE(work_per_byte, (double)remaining / (double)heap_remaining);
	STORE(bytes_per_work, (double)heap_remaining / (double)remaining);
}

double gmi_pacer_assist_work_per_byte(void) { return LOAD(work_per_byte); }
double gmi_pacer_assist_bytes_per_work(void) { return LOAD(bytes_per_work); }

/* endCycle (mgcpacer.go), step 3.  Go 1.19+ ignores userForced here: a
 * forced cycle still measured a real allocation rate against a real scan
 * rate.  The per-cycle CPU products (duration * procs) are formed in
 * double, which equals Go's int64 product below 2^53 ns. */
void gmi_pacer_end_cycle(int64_t now_ns, int procs, bool user_forced,
			 uint64_t heap_live)
{
	(void)user_forced;
	pacer_check_procs("gmi_pacer_end_cycle", procs);
	pthread_mutex_lock(&pacer.lock);
	int64_t duration = now_ns - pacer.mark_start; /* assistDuration */
	double cpu = (double)duration * (double)procs;
	double util = PACER_GOAL_UTILIZATION; /* background mark hit its goal */
	if (duration > 0)
		util += (double)LOAD(mark_time[GMI_MARK_ASSIST]) / cpu;
	uint64_t triggered = LOAD(triggered);
	if (heap_live <= triggered) {
		/* "the GC was so short that it didn't matter" (or no cycle) */
		pthread_mutex_unlock(&pacer.lock);
		return;
	}
	double idle = duration > 0 ? (double)LOAD(mark_time[GMI_MARK_IDLE]) / cpu : 0;
	double scan = (double)gmi_pacer_scan_work();
	/* (bytes / mutator CPU) / (scan work / collector CPU), the CPU time
	 * cancelling to the shares: mutator 1 - util, collector util + idle */
	double current = ((double)(heap_live - triggered) * (util + idle)) / (scan * (1 - util));
	double estimate = current;
	for (int i = 0; i < PACER_CONS_MARK_HISTORY; i++)
		if (pacer.last_cons_mark[i] > estimate)
			estimate = pacer.last_cons_mark[i];
	for (int i = 0; i + 1 < PACER_CONS_MARK_HISTORY; i++)
		pacer.last_cons_mark[i] = pacer.last_cons_mark[i + 1];
	pacer.last_cons_mark[PACER_CONS_MARK_HISTORY - 1] = current;
	STORE(cons_mark, estimate);
	pthread_mutex_unlock(&pacer.lock);
}

/* ---- the public setters ------------------------------------------------- */

/* debug.SetGCPercent -> runtime.setGCPercent (mgcpacer.go): set GOGC under
 * the lock and commit at once (gcControllerCommit), revising the assist
 * ratio with the last revise's heap sizes when a cycle is running.  Go
 * then waits for a running mark to end when GC was just turned off; that
 * wait is the collector's (gc.c), which knows whether one runs.  Go's
 * recommit also recomputes the sweep distance from isSweepDone() and the
 * heapLive of the moment, which the pacer is not handed here: it keeps the
 * one from the last gmi_pacer_commit_sweep (also for gm_set_memory_limit). */
int gm_set_gc_percent(int pct)
{
	pthread_mutex_lock(&pacer.lock);
	int old = pacer_set_percent_locked(pct);
	pacer_commit_locked();
	if (LOAD(triggered) != GMI_PACER_OFF)
		gmi_pacer_revise(LOAD(revise_live), LOAD(revise_scan));
	pthread_mutex_unlock(&pacer.lock);
	return old;
}

/* debug.SetMemoryLimit -> runtime.setMemoryLimit (mgcpacer.go): returns the
 * old limit; a negative argument only reads it.  A new limit recommits at
 * once (gcControllerCommit), so the memory-limit goal moves the goal and
 * the trigger now, and revises when a cycle is running, as
 * gm_set_gc_percent does. */
int64_t gm_set_memory_limit(int64_t bytes)
{
	if (bytes < 0)
		return gmi_pacer_memory_limit();
	pthread_mutex_lock(&pacer.lock);
	int64_t old = LOAD(memory_limit);
	STORE(memory_limit, bytes);
	if (old != bytes) {
		pacer_commit_locked();
		if (LOAD(triggered) != GMI_PACER_OFF)
			gmi_pacer_revise(LOAD(revise_live), LOAD(revise_scan));
	}
	pthread_mutex_unlock(&pacer.lock);
	return old;
}

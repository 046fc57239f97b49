/*
 * pacer.h — the heap goal, the trigger, the assist ratio and the mark
 * workers (Go 1.21's gcControllerState, mgcpacer.go) for a concurrent
 * collector.
 *
 * The pacer is a pure module: it reads no allocator or collector state and
 * starts no threads.  Every input arrives as an argument; the collector
 * calls, per cycle (Go's order in gcStart, the mark phase, gcMarkDone and
 * gcMarkTermination):
 *   gmi_pacer_start_cycle     world stopped, as the mark phase begins
 *   gmi_pacer_add_scan_work   during mark, from the mark workers and assists
 *   gmi_pacer_add_mark_time   during mark, as workers and assists stop
 *   gmi_pacer_revise          during mark, whenever heap_live or heap_scan
 *                             moves (Go's gcControllerState.update)
 *   gmi_pacer_end_cycle       world stopped, at mark termination
 *   gmi_pacer_commit          right after, with the cycle's marked bytes
 * gm_set_gc_percent and gm_set_memory_limit (public, include/gomem.h) live
 * in pacer.c.  With a memory limit set, the collector also reports the
 * memory the limit counts (gmi_pacer_set_mem_stats) whenever it moves, for
 * the memory-limit heap goal (Go 1.21+ memoryLimitHeapGoal).
 */
#ifndef GOMEM_GC_PACER_H
#define GOMEM_GC_PACER_H

#include <stdbool.h>
#include <stdint.h>

/* 4 MiB: defaultHeapMinimum, mgcpacer.go (Go 1.19+ without the
 * HeapMinimum512KiB experiment): heapMinimum at GOGC=100. */
#define GMI_DEFAULT_HEAP_MINIMUM ((uint64_t)4 << 20)

/* "no goal / never trigger": Go's ^uint64(0) with GOGC=off */
#define GMI_PACER_OFF UINT64_MAX

/* 1 MiB: sweepMinHeapDistance, mgc.go: the heap growth the pacer leaves the
 * concurrent sweeper after a cycle (commit(isSweepDone = false)) */
#define GMI_SWEEP_MIN_HEAP_DISTANCE ((uint64_t)1 << 20)
/* 3%: memoryLimitHeapGoalHeadroomPercent, mgcpacer.go (Go 1.21+; 1.20 had
 * a flat 1 MiB): the memory-limit goal's margin for pacing errors, and a
 * pool of unscavenged memory so that GOGC=off does not scavenge on every
 * allocation (Go issue 57069) */
#define GMI_PACER_LIMIT_HEADROOM_PERCENT 3
/* 1 MiB: memoryLimitMinHeapGoalHeadroom, mgcpacer.go: the least of that
 * margin, since pacing errors weigh most on small heaps */
#define GMI_PACER_LIMIT_MIN_HEADROOM ((uint64_t)1 << 20)

/* ---- configuration and the goal ---------------------------------------- */

/* As gcControllerState.init: set GOGC (negative = off) and the memory limit
 * (bytes; GM_MEMLIMIT_OFF = none), forget every past cycle (cons/mark,
 * scan estimates), then commit with nothing marked, so the goal is
 * heapMinimum (4 MiB at GOGC=100).  Call once from gm_init, before any other
 * thread uses the pacer.  Without it the pacer behaves as after
 * gmi_pacer_init(100, GM_MEMLIMIT_OFF). */
void gmi_pacer_init(int gc_percent, int64_t memory_limit);

/* Go's GOGC heap goal (gcControllerState.commit, mgcpacer.go):
 *   goal = marked + (marked + stacks + globals) * GOGC / 100,
 *   at least heapMinimum = 4 MiB * GOGC / 100;
 * GMI_PACER_OFF when gc_percent < 0.  Pure: touches no state.  Saturates at
 * GMI_PACER_OFF where Go's uint64 arithmetic would wrap. */
uint64_t gmi_pacer_goal_for(uint64_t marked, uint64_t stacks, uint64_t globals,
			    int gc_percent);

/* At mark termination, after gmi_pacer_end_cycle (Go's resetLive(marked)
 * then commit(true)): record the bytes marked, the stack bytes and the
 * root-range (globals) bytes scanned this cycle; take the cycle's heap scan
 * work (gmi_pacer_add_scan_work) as the next cycle's expected heap scan
 * work (lastHeapScan); compute the GOGC goal, the runway from the
 * cons/mark estimate, and the trigger (Go's trigger()); publish goal and
 * trigger.  Ends the cycle begun by gmi_pacer_start_cycle.  Returns the
 * goal. */
uint64_t gmi_pacer_commit(uint64_t marked, uint64_t stacks, uint64_t globals);

/* gmi_pacer_commit with Go's isSweepDone argument (commit(isSweepDone)):
 * false when sweeping is still to run after this mark termination (Go's
 * gcMarkTermination commits right after starting the sweep, so false in
 * the concurrent modes; true when the sweep finished inside the pause).
 * false sets sweepDistMinTrigger = marked + 1 MiB: the trigger is never
 * below it, and the goal is raised to it (outside the memory-limit
 * regime); true clears it.  gmi_pacer_commit is this with true. */
uint64_t gmi_pacer_commit_sweep(uint64_t marked, uint64_t stacks, uint64_t globals,
				bool sweep_done);

/* Go's memoryLimitHeapGoal for a limit (bytes, >= 0), the memory mapped
 * and ready (mappedReady: mapped and not released to the OS), the free
 * unscavenged heap memory (heapFree) and the heap object bytes
 * (heapAlloc, totalAlloc - totalFree), and the marked heap:
 *   goal = limit - (mappedReady - heapFree - heapAlloc)
 *                - max(mappedReady - limit, 0),
 * less max(3% of it, 1 MiB) (or that headroom alone when under twice it),
 * at least marked; marked when non-heap memory reaches the limit.  Pure. */
uint64_t gmi_pacer_limit_goal_for(int64_t limit, uint64_t mapped_ready,
				  uint64_t heap_free, uint64_t heap_alloc,
				  uint64_t marked);

/* The memory the limit counts, as Go's gcController keeps it
 * (mappedReady, heapFree, totalAlloc - totalFree; see
 * gmi_pacer_limit_goal_for): store it and republish the goal and the
 * trigger, as Go's heapGoal() reads these at every call.  All 0 after
 * gmi_pacer_init, which makes the goal bound by the limit alone (less
 * headroom), as in Go's pacer simulation.  Only matters with a limit set;
 * call when they move by a span or so (takes pacer.lock). */
void gmi_pacer_set_mem_stats(uint64_t mapped_ready, uint64_t heap_free,
			     uint64_t heap_alloc);

/* The memory-limit goal from the limit and the stats now;
 * GMI_PACER_OFF with no limit (GM_MEMLIMIT_OFF), where Go's ~8.9e18 bytes
 * from MaxInt64 would never be the lower goal anyway. */
uint64_t gmi_pacer_memory_limit_goal(void);

/* The current heap goal (Go's heapGoal()): the lower of the GOGC goal
 * and the memory-limit goal; GMI_PACER_OFF with GOGC=off and no limit.
 * Under the GOGC goal it is at least the sweep distance and, during a
 * cycle, the live heap at the start plus 64 KiB (minRunway,
 * heapGoalInternal).  A relaxed load. */
uint64_t gmi_pacer_goal(void);
/* The live-heap size at which the next cycle starts (Go's trigger()):
 * between 0.7 and 0.95 of the way from the marked heap to the goal (or the
 * goal minus 4 MiB for large heaps), at goal - runway in between, and
 * never below the sweep distance; the goal itself when the marked heap
 * has reached it; GMI_PACER_OFF with GOGC=off and no limit.  A lock-free
 * relaxed load, cheap enough for the allocation slow path. */
uint64_t gmi_pacer_trigger(void);
/* GOGC in force; -1 when off. */
int gmi_pacer_gc_percent(void);
/* The memory limit in force (bytes; GM_MEMLIMIT_OFF = none). */
int64_t gmi_pacer_memory_limit(void);

/* ---- the cycle --------------------------------------------------------- */

/* Go's startCycle, with the world stopped as the mark phase begins:
 * mark_start_ns is when assists and workers start (any monotonic clock, as
 * long as gmi_pacer_end_cycle uses the same one), procs the number of
 * threads that share the CPU (GOMAXPROCS, >= 1), heap_live and heap_scan
 * the live and scannable heap bytes now.  Records triggered = heap_live,
 * zeroes the cycle's scan-work and mark-time counters, computes the
 * dedicated workers and the fractional utilization goal, then revises. */
void gmi_pacer_start_cycle(int64_t mark_start_ns, int procs, uint64_t heap_live,
			   uint64_t heap_scan);

/* For the cycle in progress (set by gmi_pacer_start_cycle): the number of
 * threads that mark full time (dedicatedMarkWorkersNeeded before any
 * starts), and the fraction of its time each other thread gives to a
 * fractional worker (fractionalUtilizationGoal; 0 = none).  With procs = 2:
 * 0 dedicated, 0.25 each.  Relaxed loads. */
int gmi_pacer_dedicated_workers(void);
double gmi_pacer_fractional_goal(void);

/* Scan work done this cycle, in bytes scanned (Go's heapScanWork,
 * stackScanWork, globalsScanWork): relaxed atomic adds, from any thread.
 * Batch the calls (Go flushes every gcCreditSlack = 2000 bytes). */
void gmi_pacer_add_scan_work(int64_t heap, int64_t stack, int64_t globals);
/* heap + stack + globals scan work so far this cycle (a relaxed read) */
int64_t gmi_pacer_scan_work(void);

/* Where mark time went this cycle (Go's assistTime, dedicatedMarkTime,
 * fractionalMarkTime, idleMarkTime).  Assist and idle time shape the
 * cons/mark estimate; dedicated and fractional time are for the cycle
 * record. */
enum gmi_mark_time_kind {
	GMI_MARK_ASSIST,      /* mutators paying for their allocation */
	GMI_MARK_DEDICATED,   /* full-time workers */
	GMI_MARK_FRACTIONAL,  /* part-time workers */
	GMI_MARK_IDLE,        /* workers on otherwise idle threads */
	GMI_MARK_KINDS
};
/* relaxed atomic add of ns nanoseconds, from any thread */
void gmi_pacer_add_mark_time(enum gmi_mark_time_kind k, int64_t ns);
/* nanoseconds of kind k so far this cycle (a relaxed read) */
int64_t gmi_pacer_mark_time(enum gmi_mark_time_kind k);

/* Go's revise(): with heap_live and heap_scan as they stand, compute the
 * assist ratios so that the remaining expected scan work is done by the
 * time the heap reaches the goal (past it: the goal extrapolated to the
 * worst-case scan work, or 1.1 times the goal).  Lock-free and safe to call
 * from any thread during the mark phase; racing calls may leave the two
 * ratios from different calls, as in Go. */
void gmi_pacer_revise(uint64_t heap_live, uint64_t heap_scan);

/* Scan work owed per byte allocated, and its inverse (Go's
 * assistWorkPerByte, assistBytesPerWork).  Relaxed loads, for the
 * allocation path. */
double gmi_pacer_assist_work_per_byte(void);
double gmi_pacer_assist_bytes_per_work(void);

/* Go's maxStackScan and globalsScan as they stand now (addScannableStack,
 * addGlobals): the bytes of stack that all threads could need scanned, and
 * of scannable root ranges.  revise() uses them for the worst-case scan
 * work; commit() overwrites globals with its argument.  Optional: without
 * it the worst-case stack work is the last cycle's stack scan. */
void gmi_pacer_set_roots(uint64_t max_stack_scan, uint64_t globals_scan);

/* Go's endCycle, with the world stopped at mark termination (now_ns on the
 * clock of gmi_pacer_start_cycle; heap_live the live heap now): measure
 * this cycle's cons/mark ratio from the bytes allocated since the trigger,
 * the scan work, and the CPU shares of background marking (25%), assists
 * and idle marking; the estimate becomes the largest of it and the last 4
 * measured.  user_forced is accepted and ignored, as by Go 1.19+ (the skip
 * belonged to the trigger-ratio controller of Go <= 1.17).  No estimate
 * when the heap did not grow during the cycle. */
void gmi_pacer_end_cycle(int64_t now_ns, int procs, bool user_forced,
			 uint64_t heap_live);

/* The cons/mark estimate in force (Go's consMark), and the runway it gave
 * the last commit (Go's runway, bytes). */
double gmi_pacer_cons_mark(void);
uint64_t gmi_pacer_runway(void);

/* The heap scan work of the last committed cycle (Go's lastHeapScan).  At
 * mark termination the collector resets its scannable-heap counter
 * (heap_scan) to it, as Go's resetLive does heapScan. */
uint64_t gmi_pacer_last_heap_scan(void);

/* The heap marked by the last cycle (Go's heapMarked), and the live heap
 * at which the cycle in progress started (Go's triggered; GMI_PACER_OFF
 * between cycles).  Relaxed loads. */
uint64_t gmi_pacer_heap_marked(void);
uint64_t gmi_pacer_triggered(void);

#endif

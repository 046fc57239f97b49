/*
 * pacer.h — the heap goal and the trigger (Go's gcControllerState,
 * mgcpacer.go), part 1: GOGC pacing for the stop-the-world collector.
 *
 * Part 2 adds the trigger runway from the cons/mark ratio, assists and
 * background workers, and the memory-limit goal; the entry points below
 * keep their meaning.  gm_set_gc_percent and gm_set_memory_limit (public,
 * include/gomem.h) live in pacer.c.
 */
#ifndef GOMEM_GC_PACER_H
#define GOMEM_GC_PACER_H

#include <stdint.h>

/* 4 MiB: defaultHeapMinimum, mgcpacer.go (Go 1.19-1.21 without the
 * HeapMinimum512KiB experiment): heapMinimum at GOGC=100. */
#define GMI_DEFAULT_HEAP_MINIMUM ((uint64_t)4 << 20)

/* "no goal / never trigger": Go's ^uint64(0) with GOGC=off */
#define GMI_PACER_OFF UINT64_MAX

/* As gcControllerState.init: set GOGC (negative = off) and the memory limit
 * (bytes; GM_MEMLIMIT_OFF = none), then commit with nothing marked, so the
 * goal is heapMinimum (4 MiB at GOGC=100).  Call once from gm_init, before
 * any other thread uses the pacer.  Without it the pacer behaves as after
 * gmi_pacer_init(100, GM_MEMLIMIT_OFF). */
void gmi_pacer_init(int gc_percent, int64_t memory_limit);

/* Go's GOGC heap goal (gcControllerState.commit, mgcpacer.go):
 *   goal = marked + (marked + stacks + globals) * GOGC / 100,
 *   at least heapMinimum = 4 MiB * GOGC / 100;
 * GMI_PACER_OFF when gc_percent < 0.  Pure: touches no state.  Saturates at
 * GMI_PACER_OFF where Go's uint64 arithmetic would wrap. */
uint64_t gmi_pacer_goal_for(uint64_t marked, uint64_t stacks, uint64_t globals,
			    int gc_percent);

/* At mark termination (Go's gcMarkTermination -> gcControllerCommit):
 * record the bytes marked, the stack bytes and the root-range bytes
 * scanned this cycle, and compute the next goal and trigger.  For the
 * stop-the-world collector the trigger is the goal: the next cycle starts
 * when the live heap reaches it.  Returns the new goal. */
uint64_t gmi_pacer_commit(uint64_t marked, uint64_t stacks, uint64_t globals);

/* The current heap goal (Go's heapGoal); GMI_PACER_OFF with GOGC=off. */
uint64_t gmi_pacer_goal(void);
/* The live-heap size at which the next cycle starts; GMI_PACER_OFF with
 * GOGC=off.  A lock-free relaxed load, cheap enough for the allocation slow
 * path. */
uint64_t gmi_pacer_trigger(void);
/* GOGC in force; -1 when off. */
int gmi_pacer_gc_percent(void);
/* The memory limit in force (bytes; GM_MEMLIMIT_OFF = none). */
int64_t gmi_pacer_memory_limit(void);

#endif

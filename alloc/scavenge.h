/*
 * scavenge.h — returning free heap memory to the OS (Go's mgcscavenge.go):
 * the background scavenger's loop and goals, and scavenging on allocation.
 * The design comment is at the top of alloc/scavenge.c.
 *
 * alloc/ starts no thread of its own: the collector (gc/limiter.c) spawns
 * the scavenger on gmi_scavenger_main, hands it its goals after every
 * cycle (gmi_scavenge_pace) and the memory limit whenever it may have
 * changed (gmi_scavenge_set_limit), and installs the two hooks through
 * which scavenging reports to the GC CPU limiter and the one through which
 * the scavenger waits out stops of the world.
 */
#ifndef GOMEM_ALLOC_SCAVENGE_H
#define GOMEM_ALLOC_SCAVENGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 1%: scavengePercent, mgcscavenge.go: the background scavenger's share of
 * the CPU time of all procs (Go divides by GOMAXPROCS) */
#define GMI_SCAVENGE_PERCENT 1
/* 10%: retainExtraPercent: retained memory may exceed the heap goal
 * (scaled to pages in use) by this much before the scavenger works */
#define GMI_SCAVENGE_RETAIN_EXTRA_PERCENT 10
/* 5%: reduceExtraPercent: with a memory limit, the scavenger works while
 * mapped memory is above 95% of it (Go 1.22's fix; 1.21 multiplied by 95
 * instead of 0.95) */
#define GMI_SCAVENGE_REDUCE_EXTRA_PERCENT 5
/* 64 KiB: scavengeQuantum, scavengerState.run: released per step, so
 * that the heap lock is held for one madvise of at most this much */
#define GMI_SCAVENGE_QUANTUM ((size_t)64 << 10)
/* "no goal": Go's ^uint64(0) in scavenge.gcPercentGoal */
#define GMI_SCAVENGE_NO_GOAL UINT64_MAX

/* Before the scavenger thread starts: procs shares the CPU (GOMAXPROCS,
 * >= 1); no goal, no limit, the sleep controller at its start. */
void gmi_scavenge_init(int procs);

/* Go's gcPaceScavenger, after each cycle's commit: the retained-memory
 * goal = last_heap_inuse * heap_goal / last_heap_goal, plus 10%, page
 * aligned; none (GMI_SCAVENGE_NO_GOAL) before the second cycle
 * (last_heap_goal 0) or when retained memory is already within a page of
 * it.  Goals of UINT64_MAX (GOGC=off without a limit) give no goal. */
void gmi_scavenge_pace(uint64_t heap_goal, uint64_t last_heap_goal,
		       uint64_t last_heap_inuse);
/* The memory limit in force (bytes; INT64_MAX = none): the scavenger's
 * second goal is 95% of it; allocation scavenges past it.  A relaxed
 * store. */
void gmi_scavenge_set_limit(int64_t limit);
int64_t gmi_scavenge_limit(void);
/* The retained-memory goal now (bytes, or GMI_SCAVENGE_NO_GOAL), and the
 * memory-limit goal (95% of the limit, or GMI_SCAVENGE_NO_GOAL). */
uint64_t gmi_scavenge_percent_goal(void);
uint64_t gmi_scavenge_limit_goal(void);

/* Go's heapRetained: heap in use plus free pages not released (relaxed
 * reads of the published counters). */
uint64_t gmi_heap_retained(void);

/* Scavenging on allocation (Go's mheap.allocSpan, "scavenge on
 * allocation"), called by gmi_heap_alloc_span after every span, with the
 * heap lock dropped, growth the bytes the heap grew by (0 mostly): if
 * mapped memory now exceeds the memory limit (and the CPU limiter is
 * off), release the excess; if the heap grew past the retained-memory
 * goal, release up to the growth.  Backs out when the CPU limiter turns
 * on; the time spent goes to the limiter as assist time. */
void gmi_scavenge_on_alloc(size_t growth);

/* Release up to nbytes (in 64 KiB steps, taking the heap lock for each);
 * stop early when back_off is set and the CPU limiter is on.  Returns
 * the bytes released. */
size_t gmi_scavenge_bytes(size_t nbytes, bool back_off);

/* The background scavenger (Go's bgscavenge): parks until woken (or for
 * at most a second), then releases memory in 64 KiB steps while either
 * goal is unmet, sleeping between batches so as to use 1% of the CPU (a
 * PI controller on the ratio of work to sleep, as Go's).  Returns when
 * gmi_scavenger_stop is called.  arg is ignored. */
void *gmi_scavenger_main(void *arg);
/* Wake the background scavenger (after a cycle: new goals). */
void gmi_scavenger_wake(void);
/* Ask the background scavenger to return; the caller joins the thread. */
void gmi_scavenger_stop(void);

/* Set by the collector: the GC CPU limiter is on (scavenging on
 * allocation skips or backs out), and time spent scavenging on
 * allocation (ns; Go's limiterEventScavengeAssist).  NULL: neither. */
extern bool (*gmi_scavenge_limiting_hook)(void);
extern void (*gmi_scavenge_assist_hook)(int64_t ns);
/* Set by the collector: while a stop of the world is requested or in
 * force, wait for the restart (the background scavenger calls it before
 * each quantum).  NULL: never wait. */
extern void (*gmi_scavenge_wait_hook)(void);

/* Bytes released so far by the background scavenger and by allocating
 * threads (Go's releasedBg, releasedEager), cumulative since init. */
uint64_t gmi_scavenge_released_bg(void);
uint64_t gmi_scavenge_released_eager(void);

/* Go's piController (mgcpacer.go), used for the scavenger's sleep ratio;
 * here for the tests. */
typedef struct gmi_pi_controller {
	double kp, ti, tt;    /* proportional gain, integral and reset times */
	double min, max;      /* output bounds */
	double err_integral;  /* state */
	bool err_overflow, input_overflow;
} gmi_pi_controller;
/* the next output for input against setpoint over period; false (and the
 * controller reset, output min) when a value overflowed */
bool gmi_pi_next(gmi_pi_controller *c, double input, double setpoint,
		 double period, double *out);

#endif

/*
 * limiter.h — the GC CPU limiter (Go's gcCPULimiterState, mgclimit.go)
 * and the runtime's memory-limit wiring: what the pacer, the scavenger and
 * the limiter are fed, and when.  The design comment is at the top of
 * gc/limiter.c.
 */
#ifndef GOMEM_GC_LIMITER_H
#define GOMEM_GC_LIMITER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "gomem.h"

/* 1 s of CPU per proc: capacityPerProc, mgclimit.go: the bucket's size,
 * and so the window over which GC CPU above 50% is tolerated */
#define GMI_LIMITER_CAPACITY_PER_PROC ((uint64_t)1000000000)
/* 10 ms: gcCPULimiterUpdatePeriod: the longest wall time between updates
 * (needUpdate) */
#define GMI_LIMITER_UPDATE_PERIOD ((int64_t)10000000)

/* ---- the limiter: a leaky bucket of CPU time ------------------------------
 *
 * Fills with GC CPU time (assists, 25% of all procs while the collector
 * marks, all procs while the world is stopped) and drains with mutator
 * time, one for one: it is full, and the limiter on, when the collector
 * has used more than half of the CPU for long enough to fill it.
 * inv:bucket  0 <= fill <= capacity; enabled == (fill == capacity), as of
 *             the last accumulate.
 * Locking: `lock` is a try-lock (Go's); updates that lose the race are
 * dropped (the next one counts their time); transitions hold it from
 * start to finish.  Fields marked "lock" are written only under it.
 */
typedef struct gmi_cpu_limiter {
	_Atomic uint32_t lock;
	_Atomic bool enabled;           /* limiting(): read by every assist */
	uint64_t fill, capacity;        /* lock; inv:bucket */
	_Atomic uint64_t overflow;      /* written under lock: GC CPU ns that
					 * found the bucket full */
	bool gc_enabled;                /* lock: gcBlackenEnabled's copy */
	bool transitioning;             /* lock: inside a stop of the world */
	_Atomic int64_t assist_pool;    /* assist ns since the last update */
	_Atomic int64_t idle_pool;      /* idle ns since the last update */
	_Atomic int64_t last_update;    /* ns; written under lock */
	_Atomic uint32_t last_enabled_cycle; /* cycle during which it last
					      * turned on (0: never) */
	_Atomic uint32_t cycle;         /* the cycle in progress, or the next */
	int procs;                      /* lock: GOMAXPROCS's copy */
	/* inv:cpu-totals  every window accounted adds its whole length times
	 * procs to cpu_total and its GC time (the `gc` of accumulate, overflow
	 * included) to gc_total; both only grow. */
	int64_t gc_total, cpu_total;    /* lock: ns since init */
} gmi_cpu_limiter;

/* An empty bucket of procs * 1 s, last updated at now, GC off. */
void gmi_cpu_limiter_init(gmi_cpu_limiter *l, int64_t now, int procs);
/* limiting(): the bucket is full; the collector should shed CPU (assists
 * are skipped).  A relaxed load. */
static inline bool gmi_cpu_limiter_limiting(gmi_cpu_limiter *l)
{
	return atomic_load_explicit(&l->enabled, memory_order_relaxed);
}
/* startGCTransition: the world is stopped to turn marking on (enable_gc)
 * or off; flushes the time up to now and keeps the lock until
 * gmi_cpu_limiter_finish_transition.  Throws if the lock is held or the
 * state does not change, as Go's. */
void gmi_cpu_limiter_start_transition(gmi_cpu_limiter *l, bool enable_gc, int64_t now);
/* finishGCTransition: the world restarts at now; the whole stop counts as
 * GC time on every proc. */
void gmi_cpu_limiter_finish_transition(gmi_cpu_limiter *l, int64_t now);
/* needUpdate: more than 10 ms since the last update. */
bool gmi_cpu_limiter_need_update(gmi_cpu_limiter *l, int64_t now);
/* addAssistTime / addIdleTime: counted at the next update. */
void gmi_cpu_limiter_add_assist_time(gmi_cpu_limiter *l, int64_t ns);
void gmi_cpu_limiter_add_idle_time(gmi_cpu_limiter *l, int64_t ns);
/* update: account the window since the last update (dropped if another
 * thread holds the lock); throws during a transition. */
void gmi_cpu_limiter_update(gmi_cpu_limiter *l, int64_t now);
/* resetCapacity: procs changed (not while marking). */
void gmi_cpu_limiter_reset_capacity(gmi_cpu_limiter *l, int64_t now, int procs);
/* The limiter's CPU accounting since init (inv:cpu-totals), without
 * changing the bucket: *gc_ns the GC time, *cpu_ns procs x the wall time.
 * While marking they are brought up to `now` as an update would bring
 * them (the assist time pooled, 25% of procs and procs x the time since
 * the last update); otherwise they stand as of the last update, so that
 * reads between updates agree.  Takes the lock (waiting out a holder, as
 * gmi_limit_stop does), so the pair is consistent and neither goes down
 * from one call to the next. */
void gmi_cpu_limiter_cpu_totals(gmi_cpu_limiter *l, int64_t now, int64_t *gc_ns,
				int64_t *cpu_ns);
/* For tests and stats (racy reads outside the lock). */
uint64_t gmi_cpu_limiter_fill(gmi_cpu_limiter *l);
uint64_t gmi_cpu_limiter_capacity(gmi_cpu_limiter *l);
uint64_t gmi_cpu_limiter_overflow(gmi_cpu_limiter *l);

/* ---- the runtime's limiter and memory-limit wiring ----------------------- */

/* The collector's limiter (Go's gcCPULimiter). */
extern gmi_cpu_limiter gmi_gc_cpu_limiter;

/* gcCPULimiter.limiting(): assists skip while true (assist.c). */
static inline bool gmi_gc_cpu_limiting(void)
{
	return gmi_cpu_limiter_limiting(&gmi_gc_cpu_limiter);
}

/* gm_init (from gmi_gc_init): the limiter's bucket for procs, the
 * scavenger's state, and its thread; false if the thread cannot start. */
bool gmi_limit_init(int procs);
/* gm_read_memstats: gmi_cpu_limiter_cpu_totals of the collector's limiter
 * at now, after taking the assist time the pacer measured since the last
 * poll (as gmi_limit_poll does; the bucket is not updated). */
void gmi_limit_cpu_totals(int64_t *gc_ns, int64_t *cpu_ns);
/* gm_shutdown: stop and join the scavenger. */
void gmi_limit_shutdown(void);

/* The allocation slow path (gc.c's gc_alloc_slow): report the memory the
 * limit counts to the pacer when it moved by 64 KiB or more since the last
 * report (gmi_limit_feed(false)), and update the limiter when 10 ms have
 * passed (gmi_limit_poll). */
void gmi_limit_alloc_slow(void);
/* Report mapped-and-ready memory, free unreleased heap and heap object
 * bytes to the pacer (gmi_pacer_set_mem_stats) and the limit to the
 * scavenger; unless force, only when a limit is set and they moved. */
void gmi_limit_feed(bool force);
/* Take the assist time the pacer measured since the last poll into the
 * limiter, and update it when due (Go: gcAssistAlloc, the mark workers and
 * sysmon call update when needUpdate). */
void gmi_limit_poll(void);
/* A stop of the world of cycle `cycle` ran from requested to restarted;
 * marking is on after it (gc_on_after) or off.  The limiter counts the
 * stop as GC time on every proc (Go's start/finishGCTransition; gomem
 * counts every stop, mark-done restarts included). */
void gmi_limit_stop(uint32_t cycle, bool gc_on_after, int64_t requested,
		    int64_t restarted);
/* Mark termination, world stopped, before the goal is read: report the
 * memory now (gmi_limit_feed(true)) and note the memory-limit goal. */
void gmi_limit_term_begin(void);
/* Mark termination, world stopped, after the pacer's commit: fill in the
 * record's memory_limited (the memory-limit goal was the binding goal of
 * this cycle or of the next) and cpu_limited (the limiter was on at any
 * time in this cycle) and pace the scavenger (gcPaceScavenger); the
 * caller wakes the scavenger once the world runs again. */
void gmi_limit_cycle_end(gm_cycle *c, uint64_t heap_goal, uint64_t next_goal);

#endif

/*
 * markstate.h — the markers' shared state (Go's `work` and the parts of
 * gcController the markers keep), for the three files that mark and no
 * other: mark.c (workers, draining, the cycle's steps, the stopped mark),
 * markroot.c (stacks and root ranges: Go's markroot and scanstack) and
 * assist.c (mark assists: Go's gcAssistAlloc).  The rest of the
 * collector goes through gc/gc.h.  The design comment is at the top of
 * mark.c.
 */
#ifndef GOMEM_GC_MARKSTATE_H
#define GOMEM_GC_MARKSTATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "gc/gc.h"
#include "gc/proc.h"

/* 64 KiB: gcOverAssistWork (mgcmark.go), the least scan work per assist. */
#define MARK_OVER_ASSIST_WORK ((int64_t)64 << 10)
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
 * The markers' shared state.  gmi_mark_st.lock protects gen, cm_gen, stop,
 * finished and is the mutex of the condition variables; the rest is atomic.
 */
struct gmi_mark_state {
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
	_Atomic int work_sleepers; /* ... of them, those waiting for work or
				    * credit (gmi_mark_wake_for_work) */
	_Atomic int64_t mark_start; /* ns, gmi_nanotime */
	_Atomic int held;         /* gmi_gc_hold_mark: assists do not wait */
	_Atomic uint32_t flush_gen;  /* the ragged flush requested last */
	_Atomic int flushed_work;    /* ... and a thread handed over work */

	/* this cycle's totals */
	_Atomic uint64_t bytes_marked;
	_Atomic uint64_t stack_bytes, global_bytes;
	_Atomic int64_t bg_credit;   /* Go's gcController.bgScanCredit */
	_Atomic int64_t assist_ns, worker_ns, idle_ns;
};

extern struct gmi_mark_state gmi_mark_st;

/* mark.c */
/* Move w's counts into the cycle's totals and the pacer's scan work, and
 * its grey objects to the global list; with bank, the scan work becomes
 * background credit for assists too (gcFlushBgCredit). */
void gmi_mark_flush_work(gmi_gcwork *w, bool bank);
/* Concurrent drain (gcDrain / gcDrainN): see mark.c. */
int64_t gmi_mark_drain_some(gmi_gcwork *w, int64_t budget, const mark_worker *frac,
			    int64_t start, double goal, bool *out);
/* Sleep on gmi_mark_st.wake for at most ns (gmi_mark_st.lock not held);
 * for_work: until work or credit comes too (gmi_mark_wake_for_work). */
void gmi_mark_sleep(int64_t ns, bool for_work);
/* Wake the sleepers that wait for work or credit (after new grey objects
 * or banked credit). */
void gmi_mark_wake_for_work(void);
/* An unattached marker enters (true) unless the completion check keeps
 * it out; true also once marking is over.  gmi_mark_leave balances it. */
bool gmi_mark_enter_or_done(void);
void gmi_mark_leave(void);

/* markroot.c */
/* The root jobs an unattached marker can do: the root ranges once per
 * cycle, the stacks of blocked threads; true if it did any. */
bool gmi_markroot_jobs(gmi_gcwork *w);
/* gmi_proc_for_each callbacks, ctx a gmi_gcwork: scan t's stack and
 * registers (the stopped mark), and the same as this cycle's scan of t
 * (GM_YUASA's snapshot in the first stop). */
void gmi_markroot_thread(gmi_thread *t, void *ctx);
void gmi_markroot_snapshot(gmi_thread *t, void *ctx);
/* gmi_roots_for_each callback, ctx a gmi_gcwork: grey a root range. */
void gmi_markroot_range(uintptr_t lo, uintptr_t hi, void *ctx);

#endif

/*
 * proc.h — threads (Go's Ms holding Ps), safepoints and stopping the world
 * (the parts of Go's proc.go that matter here).
 */
#ifndef GOMEM_GC_PROC_H
#define GOMEM_GC_PROC_H

#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "alloc/malloc.h" /* GMI_SAFEPOINT_STOP */
#include "gc/os.h" /* clocks and collector threads, used with these */
#include "gc/workbuf.h"
#include "gomem.h"

struct gmi_mcache;

/* Bits of gm_safepoint_pending_ (gomem.h): the inline gm_safepoint takes
 * the slow path when any is set.  Bit 0, GMI_SAFEPOINT_STOP (a stop of the
 * world is requested or in force), is proc.c's, defined in alloc/malloc.h
 * for the allocation fast path's test; the collector may define more (a
 * stack-scan request, say) and act on them in gm_safepoint_slow_. */
#define GMI_SAFEPOINT_SCAN 2 /* concurrent mark: some thread's stack awaits its
			      * scan (mark.c and markroot.c set and clear it) */
#define GMI_SAFEPOINT_FLUSH 4 /* concurrent mark: flush the barrier buffer
			       * and the gcWork (gcMarkDone's forEachP; mark.c
			       * sets and clears it) */

/* A stop of the world is requested or in force: a relaxed look, for the
 * loops that hand the CPU to a stopper soon (drains, oblet scans, the
 * safepoint after a scan). */
static inline bool gmi_stop_requested(void)
{
	return __atomic_load_n(&gm_safepoint_pending_, __ATOMIC_RELAXED) & GMI_SAFEPOINT_STOP;
}

/* Go's M/P status, as the collector sees a thread. */
enum gmi_thread_status {
	GMI_THREAD_RUNNING = 0, /* may touch the heap at any moment */
	GMI_THREAD_PARKED = 1,  /* stopped at a safepoint while the world stops */
	GMI_THREAD_BLOCKED = 2, /* inside gm_blocking_enter/leave */
};
/* Or'ed onto GMI_THREAD_BLOCKED by a stopper that counted the thread as
 * stopped (Go's P taken from _Psyscall): the thread cannot leave its
 * blocking region until the restart clears it.  gmi_thread_status masks it. */
#define GMI_THREAD_CLAIMED 0x10
/* Or'ed onto GMI_THREAD_BLOCKED by a mark worker scanning the blocked
 * thread's stack during concurrent mark (Go's suspendG): the thread cannot
 * leave its blocking region until the scan is done.  Independent of
 * GMI_THREAD_CLAIMED: a stopper may claim a thread being scanned. */
#define GMI_THREAD_SCANNING 0x20
#define GMI_THREAD_HELD (GMI_THREAD_CLAIMED | GMI_THREAD_SCANNING)

#if defined(__x86_64__) && !defined(GMI_SPILL_PORTABLE)
/*
 * x86-64: a thread's callee-saved registers (rbx, rbp, r12-r15) exactly as
 * the caller of the entry point that parked or blocked it had them.  The
 * entry points (gm_safepoint_slow_, gm_blocking_enter, gmi_stw_stop) are
 * assembly stubs in proc.c that push those six registers before any C code
 * runs, so nothing else lands here: no stale word of a dead frame, which
 * the collector would retain.  Caller-saved registers are dead across the
 * call, by the ABI.
 */
#define GMI_SPILL_PRECISE 1
#define GMI_SPILL_WORDS 6
typedef struct gmi_regs {
	size_t nframe;                     /* GMI_SPILL_WORDS once spilled */
	uintptr_t frame[GMI_SPILL_WORDS];  /* r15, r14, r13, r12, rbx, rbp */
} gmi_regs;
#else
/* 64 words (512 bytes): room for the spilling function's frame, which
 * holds every callee-saved register (AArch64: 20) plus the return address,
 * frame record and alignment.  A larger frame is an internal error
 * (gmi_throw), never a silent loss. */
#define GMI_SPILL_WORDS 64

/*
 * Elsewhere than x86-64, a thread's registers as they were when it last
 * parked or blocked, by a portable method that over-approximates.  The
 * jmp_buf alone is not enough: glibc mangles the frame pointer register in
 * it (PTR_MANGLE), and a callee's setjmp sees the callee's own values of
 * registers its prologue already reused.  So the spilling function also
 * forces its prologue to push every callee-saved register
 * (__builtin_unwind_init) and copies its whole frame here: the caller's
 * register values are all in frame[0, nframe), among the frame's other
 * words (locals, padding), which may be stale.
 */
typedef struct gmi_regs {
	jmp_buf jb;                        /* setjmp at the spill */
	size_t nframe;                     /* words of frame[] in use */
	uintptr_t frame[GMI_SPILL_WORDS];  /* the spilling frame; rest zero */
} gmi_regs;
#endif

/*
 * An attached thread.  Fields marked "stop" are written by the thread itself
 * while it is RUNNING, just before it parks or blocks (the status store is
 * the release), and read by the collector only while the world is stopped
 * and the thread is PARKED or BLOCKED (the stopper's load or claim of the
 * status is the acquire).
 * inv:spill-owner stack_sp and regs are written only by the owner while
 *                 its status is RUNNING, so never while anyone reads them
 */
typedef struct gmi_thread {
	struct gmi_mcache *mcache;   /* owner; read by the collector in a stop */
	uintptr_t stack_base;        /* highest address of the stack; set at attach */
	uintptr_t stack_limit;       /* lowest address of the stack; set at attach */
	uintptr_t stack_sp;          /* stop: the caller's stack pointer at the
				      * call that parked or blocked it */
	gmi_regs regs;               /* stop: callee-saved registers spilled */
	int status;                  /* enum gmi_thread_status, maybe with
				      * GMI_THREAD_CLAIMED; __atomic seq_cst:
				      * the owner stores, a stopper claims
				      * with CAS (see proc.c) */
	gmi_gcwork gcw;              /* owner, or the collector during a stop */
	/* concurrent mark (mark.c, barrier.c) */
	uint32_t scan_gen;           /* __atomic: the last cycle whose stack
				      * scan was claimed (by the thread or a
				      * worker, CAS) */
	uint32_t flush_gen;          /* __atomic: the last ragged flush this
				      * thread did (mark.c) */
	/* heapcheck (gmi_heapcheck_enabled): the words of this cycle's scans
	 * of the stack and registers that pointed into heap objects, as the
	 * scans saw them.  Appended by the scanner (which holds the scan
	 * claim, or the world stopped), reset when a cycle begins and read
	 * by the checkmark with the world stopped (heapcheck.c says why it
	 * checks these rather than the stack as it is then). */
	uintptr_t *check_roots;      /* malloc'd; freed at detach */
	size_t check_nroots, check_cap;
	bool check_scanned;          /* a scan recorded check_roots this cycle */
	int64_t assist_bytes;        /* owner: Go's gcAssistBytes (credit > 0,
				      * debt < 0); reset in a stop */
	gmi_wbuf wbuf;               /* owner, or the collector during a stop */
	struct gmi_thread *next;     /* all attached threads; scheduler lock,
				      * and stable while the world is stopped */
} gmi_thread;

extern gm_config gmi_config;
bool gmi_is_inited(void);

/* The calling thread's record, or NULL when it is not attached. */
gmi_thread *gmi_thread_current(void);
extern _Thread_local gmi_thread *gmi_proc_self __attribute__((tls_model("initial-exec")));

/* Concurrent mark: claim a BLOCKED thread (not being scanned) for which
 * want(t) is true, marking it GMI_THREAD_SCANNING so that it cannot leave
 * its blocking region; NULL when there is none.  Release with
 * gmi_proc_scan_release. */
gmi_thread *gmi_proc_scan_claim(bool (*want)(gmi_thread *t));
void gmi_proc_scan_release(gmi_thread *t);
/* A collector thread (not attached) that competes with mutators for the
 * CPUs: while a stop of the world is requested or in force, wait for the
 * restart, leaving the CPUs to the threads the stopper waits for. */
void gmi_proc_wait_no_stop(void);
/* true when pred(t) holds for every attached thread (scheduler lock held
 * while it looks) */
bool gmi_proc_all(bool (*pred)(const gmi_thread *t));
/* t's status (enum gmi_thread_status, the claim bit masked off). */
int gmi_thread_status(const gmi_thread *t);
/* how many attached threads are outside a blocking region: running, or
 * parked for a stop, after which they run on (a Go G that a stop
 * preempts keeps its P).  The scheduler lock is held while it counts. */
size_t gmi_proc_unblocked(void);

/* Bring the scheduler up and down (gm_init / gm_shutdown).  Shutdown
 * detaches the caller; any other attached thread is misuse.  (A thread
 * that ends while attached is detached as it exits.) */
bool gmi_proc_init(void);
void gmi_proc_shutdown(void);

/* Stop the world (Go's stopTheWorldWithSema): returns when every attached
 * thread other than the caller is parked at a safepoint or blocked.  The
 * caller may be attached or not.  If another thread is stopping the world,
 * the caller first parks as at a safepoint until that stop ends.  Returns
 * the monotonic time (ns since gm_init) at which the stop was requested
 * (after any wait for another stopper).  Not nestable: calling it while
 * holding the world, or inside a blocking region, is misuse. */
int64_t gmi_stw_stop(void);
/* Restart the world; returns the monotonic time at which it restarted. */
int64_t gmi_stw_start(void);
/* true while the world is stopped by the calling thread */
bool gmi_stw_held(void);
/* how many stops of the world have ended since the library was loaded */
uint64_t gmi_stw_count(void);

/* While the world is stopped: call fn for every attached thread, the caller
 * included (its stack pointer and registers recorded by gmi_stw_stop). */
void gmi_proc_for_each(void (*fn)(gmi_thread *t, void *ctx), void *ctx);
size_t gmi_proc_count(void);

/* The range of t's stack to scan: [lo, hi) from its recorded stack pointer
 * (the caller's sp at the gomem call that parked or blocked it, so gomem's
 * own frames are not included) to its base.  While the world is stopped. */
void gmi_thread_stack_range(const gmi_thread *t, uintptr_t *lo, uintptr_t *hi);
/* The range holding t's spilled registers: [lo, hi) inside t->regs (the
 * jmp_buf and the used part of the frame copy).  Scan it with the stack;
 * scanning all of t->regs is also correct (the unused tail is zero). */
void gmi_thread_regs_range(const gmi_thread *t, uintptr_t *lo, uintptr_t *hi);

/* Scan [lo, hi) word by word (8-byte aligned words inside the range): fn
 * gets every word's value.  Safe on other threads' stacks and under the
 * sanitizers: the reads are relaxed atomic loads in a function that is
 * neither instrumented (ASan redzones, TSan) nor inlined. */
void gmi_scan_words(uintptr_t lo, uintptr_t hi,
		    void (*fn)(uintptr_t word, void *ctx), void *ctx);

#endif

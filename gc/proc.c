/*
 * proc.c — mutator threads, safepoints and stopping the world: the parts of
 * Go's proc.go that matter here (Ms holding Ps, entersyscall/exitsyscall,
 * stopTheWorldWithSema/startTheWorldWithSema).  The clocks and the
 * spawner of the collector's own threads are os.c.  The collector overview
 * is at the top of gc/gc.c; the runtime model in DESIGN.md.
 *
 * Owns: the list of attached threads (gmi_thread records, calloc'd: they
 * are off-heap metadata), each thread's status, the safepoint request flag
 * gm_safepoint_pending_, and the world lock that serialises stoppers.
 *
 * A thread's status (enum gmi_thread_status) changes so:
 *   RUNNING -> PARKED    the thread, at a safepoint while a stop is
 *                        requested, or in gmi_stw_stop while another
 *                        stopper holds the world
 *   PARKED -> RUNNING    the thread, once no stop is requested
 *   RUNNING -> BLOCKED   the thread, in gm_blocking_enter (entersyscall)
 *   BLOCKED -> BLOCKED|CLAIMED   a stopper (CAS), counting it as stopped
 *   BLOCKED|CLAIMED -> BLOCKED   the stopper, at the restart
 *   BLOCKED -> RUNNING   the thread, in gm_blocking_leave (CAS: fails, and
 *                        the thread waits, while it is claimed)
 * Before it leaves RUNNING a thread spills (proc_spill): it records its
 * caller's stack pointer and copies every callee-saved register into
 * t->regs, so that the collector scans [sp, stack base) and the registers.
 *
 * Stopping the world (gmi_stw_stop):
 * 1. Spill the caller if it is attached: its own stack is a root too.
 * 2. Take the world lock.  If another stopper holds it, an attached caller
 *    counts as PARKED while it waits, so that the other stop completes.
 * 3. Under the scheduler lock set GMI_SAFEPOINT_STOP, then claim every
 *    BLOCKED thread and wait on sched.stopped until no attached thread but
 *    the caller is RUNNING; threads signal it as they park, block or
 *    detach.
 * 4. Return the time of the request.  The stopper scans, marks, sweeps.
 * Restarting (gmi_stw_start): clear the claims and the flag, wake every
 * waiter on sched.restart, release the world lock.
 *
 * Blocking regions take no lock unless a stop is requested.  Entering
 * stores BLOCKED, then loads the flag; a stopper sets the flag, then loads
 * the statuses; all seq_cst, so of the two at least one sees the other's
 * store (Dekker's pattern).  Leaving is a CAS from BLOCKED, which a
 * stopper's claim makes fail.  Parking stores PARKED before it takes the
 * scheduler lock (proc_park says why), and leaves PARKED only under it.
 * A thread that stores BLOCKED or PARKED then takes the lock to signal
 * sched.stopped: a stopper goes to sleep on it only from a pass made
 * under the lock, so the signal cannot come between the two.  Every
 * other hand-off goes through the scheduler lock.
 *
 * inv:stw-stopped while a stop is complete (gmi_stw_stop returned, no
 *     gmi_stw_start yet) every attached thread but the stopper is PARKED,
 *     or BLOCKED|CLAIMED, and stays so until the restart
 * inv:stw-list while a stop is complete the list of attached threads does
 *     not change: attaching waits for the restart, and a thread unlinks
 *     itself only while RUNNING (which by inv:stw-stopped it is not)
 *
 * Lock order: the world lock, then the scheduler lock.  Nothing else is
 * taken under the scheduler lock; gmi_proc_for_each calls back without it
 * (inv:stw-list makes that safe).
 *
 * Attaching links the record first and takes the cache after, detaching
 * hands the cache back first and unlinks after: in between the thread is
 * RUNNING, so no stop completes while it touches the heap.  A thread that
 * ends attached is detached by its exit key's destructor.
 *
 * Limits of conservative stack scanning, written down as DESIGN.md asks:
 * - A BLOCKED thread goes on running code that must not touch gomem; it
 *   may still write its own frames above the recorded sp while the
 *   collector reads them.  Those reads race in C11's sense with stores of
 *   values that are not gomem pointers, so the scan is unaffected; they
 *   are the one access gmi_scan_words hides from ThreadSanitizer.
 * - With ASan's detect_stack_use_after_return=1 (off by default in gcc
 *   12's libasan), address-taken locals live on a heap "fake stack" that
 *   the scan never sees.
 * - Only the stack a thread attached on is scanned (misuse otherwise).
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "alloc/mcache.h"
#include "alloc/panic.h"
#include "gc/gc.h"
#include "gc/proc.h"

/* GMI_SAFEPOINT_* bits; __atomic only.  GMI_SAFEPOINT_STOP changes only
 * under sched.lock. */
int gm_safepoint_pending_;

static struct {
	pthread_mutex_t lock;    /* the scheduler lock */
	pthread_cond_t stopped;  /* a thread stopped running; the stopper waits */
	pthread_cond_t restart;  /* the world restarted; parked threads wait */
	gmi_thread *all;         /* attached threads; scheduler lock (inv:stw-list) */
	size_t count;            /* length of all; __atomic, written under the lock */
	int world_stopped;       /* a stop is complete; __atomic, for asserts */
	pthread_mutex_t world;   /* held from gmi_stw_stop to gmi_stw_start */
	uint64_t stops;          /* stops ended since load; __atomic, under the lock */
} sched = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.stopped = PTHREAD_COND_INITIALIZER,
	.restart = PTHREAD_COND_INITIALIZER,
	.world = PTHREAD_MUTEX_INITIALIZER,
};

/* the calling thread's record, NULL when not attached */
_Thread_local gmi_thread *gmi_proc_self __attribute__((tls_model("initial-exec")));
/* the calling thread holds the world lock (between stop and start) */
static _Thread_local bool proc_holds_world __attribute__((tls_model("initial-exec")));

/* ---- atomics ------------------------------------------------------------ */

static inline int status_load_seq_cst(const gmi_thread *t)
{
	return __atomic_load_n(&t->status, __ATOMIC_SEQ_CST);
}

/* the owner's own reads order nothing */
static inline int status_load_own(const gmi_thread *t)
{
	return __atomic_load_n(&t->status, __ATOMIC_RELAXED);
}

static inline void status_store_seq_cst(gmi_thread *t, int status)
{
	__atomic_store_n(&t->status, status, __ATOMIC_SEQ_CST);
}

/* status from -> to; false, with *from the current status, if it was not */
static inline bool status_cas_seq_cst(gmi_thread *t, int *from, int to)
{
	return __atomic_compare_exchange_n(&t->status, from, to, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/* a stop is requested or in force (GMI_SAFEPOINT_STOP) */
static inline bool stop_pending_load_seq_cst(void)
{
	return __atomic_load_n(&gm_safepoint_pending_, __ATOMIC_SEQ_CST) & GMI_SAFEPOINT_STOP;
}

static inline void stop_pending_set_seq_cst(bool on)
{
	if (on)
		__atomic_fetch_or(&gm_safepoint_pending_, GMI_SAFEPOINT_STOP, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(&gm_safepoint_pending_, ~GMI_SAFEPOINT_STOP, __ATOMIC_SEQ_CST);
}

/* ---- spilling ------------------------------------------------------------- */

/*
 * The entry points that park or block a thread, or stop the world
 * (gm_safepoint_slow_, gm_blocking_enter, gmi_stw_stop), record where the
 * caller's stack ends and what the caller had in its callee-saved
 * registers, so that the collector scans [sp, stack base) and the
 * registers (inv:spill-owner: the thread writes them while RUNNING).  Each
 * entry is a wrapper around a body(regs, sp) that calls proc_spill when it
 * is about to leave RUNNING.
 */
/* Words of another frame, read whatever their declared type. */
typedef uintptr_t __attribute__((may_alias)) proc_word;

static void proc_check_sp(const gmi_thread *t, uintptr_t sp)
{
	if (sp < t->stack_limit || sp > t->stack_base)
		gmi_misuse("a thread parked or blocked on a stack it did not attach on "
			   "(sp %#lx outside [%#lx, %#lx): a signal stack or a coroutine?): "
			   "gomem scans only the stack a thread had at gm_thread_attach",
			   (unsigned long)sp, (unsigned long)t->stack_limit,
			   (unsigned long)t->stack_base);
}

#if GMI_SPILL_PRECISE
/*
 * x86-64.  Each entry is a stub that jumps, touching nothing else, to
 * proc_spill_trampoline with its body in rax.  The trampoline pushes the
 * six callee-saved registers, which still hold the caller's values, and
 * calls body(regs, sp): regs points at them (r15 first), sp is the
 * caller's stack pointer after the entry returns.  The pushed values stay
 * below sp, unscanned, until proc_spill copies them.
 */
__asm__(
	"	.text\n"
	"	.p2align 4\n"
	"	.type proc_spill_trampoline, @function\n"
	"proc_spill_trampoline:\n"
	"	.cfi_startproc\n"
	"	push %rbp\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	.cfi_rel_offset %rbp, 0\n"
	"	push %rbx\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	.cfi_rel_offset %rbx, 0\n"
	"	push %r12\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	.cfi_rel_offset %r12, 0\n"
	"	push %r13\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	.cfi_rel_offset %r13, 0\n"
	"	push %r14\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	.cfi_rel_offset %r14, 0\n"
	"	push %r15\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	.cfi_rel_offset %r15, 0\n"
	"	sub $8, %rsp\n" /* the ABI's 16-byte alignment at the call */
	"	.cfi_adjust_cfa_offset 8\n"
	"	lea 8(%rsp), %rdi\n"
	"	lea 64(%rsp), %rsi\n" /* 8 + 6 registers + the return address */
	"	call *%rax\n"
	"	add $8, %rsp\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"	pop %r15\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"	pop %r14\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"	pop %r13\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"	pop %r12\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"	pop %rbx\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"	pop %rbp\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"	ret\n"
	"	.cfi_endproc\n"
	"	.size proc_spill_trampoline, .-proc_spill_trampoline\n");

/* name(void), returning what body returns; VIS is "" or ".hidden name" */
#define PROC_ENTRY_VOID(name, body) PROC_ENTRY(name, body, "")
#define PROC_ENTRY_I64(name, body) PROC_ENTRY(name, body, ".hidden " #name)
#define PROC_ENTRY(name, body, vis) __asm__( \
	"	.text\n" \
	"	.p2align 4\n" \
	"	.globl " #name "\n" \
	"	" vis "\n" \
	"	.type " #name ", @function\n" \
	#name ":\n" \
	"	.cfi_startproc\n" \
	"	lea " #body "(%rip), %rax\n" \
	"	jmp proc_spill_trampoline\n" \
	"	.cfi_endproc\n" \
	"	.size " #name ", .-" #name "\n");

/* record the caller's registers and stack pointer in t */
static void proc_spill(gmi_thread *t, const uintptr_t *regs, uintptr_t sp)
{
	proc_check_sp(t, sp);
	for (size_t i = 0; i < GMI_SPILL_WORDS; i++)
		t->regs.frame[i] = regs[i];
	t->regs.nframe = GMI_SPILL_WORDS;
	t->stack_sp = sp;
}
#else

/*
 * Elsewhere, the entry is a C wrapper that makes its prologue push every
 * callee-saved register (__builtin_unwind_init) and copies its own frame,
 * [proc_spill_frame's frame address, the wrapper's cfa), into t->regs,
 * then calls the body.  The frame may also hold stale words (locals,
 * padding): retained conservatively (the checkmark takes the registers as
 * scanned, so it never reports them).  The copy reads stack words that AddressSanitizer may have
 * poisoned as redzones, so it is not instrumented.
 */
__attribute__((noinline, no_sanitize_address))
static void proc_spill_frame(gmi_thread *t, uintptr_t cfa)
{
	if (t == NULL || status_load_own(t) != GMI_THREAD_RUNNING || proc_holds_world)
		return; /* the body decides what that means */
	uintptr_t lo = (uintptr_t)__builtin_frame_address(0);
	size_t n = (cfa - lo) / sizeof(uintptr_t);
	if (cfa <= lo || n > GMI_SPILL_WORDS)
		gmi_throw("spill frame [%#lx, %#lx) is not 1..%d words", (unsigned long)lo,
			  (unsigned long)cfa, GMI_SPILL_WORDS);
	proc_check_sp(t, cfa);
	(void)setjmp(t->regs.jb);
	const proc_word *src = (const proc_word *)lo;
	for (size_t i = 0; i < n; i++)
		t->regs.frame[i] = src[i];
	for (size_t i = n; i < t->regs.nframe; i++)
		t->regs.frame[i] = 0; /* no stale words: see gmi_thread_regs_range */
	t->regs.nframe = n;
	t->stack_sp = cfa;
}

/* the wrapper spills, then calls the body; the asm keeps that call from
 * being a tail call, which would pop the pushed registers */
#define PROC_ENTRY_VOID(name, body) \
	__attribute__((noinline)) void name(void) \
	{ \
		__builtin_unwind_init(); \
		proc_spill_frame(gmi_proc_self, (uintptr_t)__builtin_dwarf_cfa()); \
		(void)body(NULL, 0); \
		__asm__ volatile("" ::: "memory"); \
	}
#define PROC_ENTRY_I64(name, body) \
	__attribute__((noinline)) int64_t name(void) \
	{ \
		__builtin_unwind_init(); \
		proc_spill_frame(gmi_proc_self, (uintptr_t)__builtin_dwarf_cfa()); \
		int64_t r = body(NULL, 0); \
		__asm__ volatile("" ::: "memory"); \
		return r; \
	}

static void proc_spill(gmi_thread *t, const uintptr_t *regs, uintptr_t sp)
{
	(void)t, (void)regs, (void)sp;
}
#endif

/* ---- the list of threads ---------------------------------------------------- */

gmi_thread *gmi_thread_current(void)
{
	return gmi_proc_self;
}

int gmi_thread_status(const gmi_thread *t)
{
	return status_load_seq_cst(t) & ~GMI_THREAD_HELD;
}

size_t gmi_proc_count(void)
{
	return __atomic_load_n(&sched.count, __ATOMIC_RELAXED);
}

/* link t, waiting first until no stop is requested (inv:stw-list) */
static void proc_link(gmi_thread *t)
{
	pthread_mutex_lock(&sched.lock);
	while (stop_pending_load_seq_cst())
		pthread_cond_wait(&sched.restart, &sched.lock);
	gmi_mark_thread_attach_locked(t);
	t->next = sched.all;
	sched.all = t;
	__atomic_store_n(&sched.count, sched.count + 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&sched.lock);
}

/* unlink t, which is RUNNING (inv:stw-list); a stopper may be waiting on it */
static void proc_unlink(gmi_thread *t)
{
	pthread_mutex_lock(&sched.lock);
	gmi_thread **p = &sched.all;
	while (*p != t)
		p = &(*p)->next;
	*p = t->next;
	__atomic_store_n(&sched.count, sched.count - 1, __ATOMIC_RELAXED);
	if (stop_pending_load_seq_cst())
		pthread_cond_signal(&sched.stopped);
	pthread_mutex_unlock(&sched.lock);
}

/*
 * A thread that ends while attached is detached as it exits: its exit key's
 * destructor runs while its thread-locals still exist.  Otherwise its
 * record would stay RUNNING and every later stop would wait for it.
 */
static pthread_key_t proc_exit_key;
static pthread_once_t proc_exit_once = PTHREAD_ONCE_INIT;
static bool proc_exit_key_ok; /* written once under proc_exit_once */

static void proc_thread_exit(void *p)
{
	gmi_thread *t = p;
	if (gmi_proc_self != t)
		return;
	if ((status_load_own(t) & ~GMI_THREAD_HELD) == GMI_THREAD_BLOCKED)
		gm_blocking_leave();
	gm_thread_detach();
}

static void proc_exit_key_create(void)
{
	proc_exit_key_ok = pthread_key_create(&proc_exit_key, proc_thread_exit) == 0;
}

/* the calling thread's stack mapping, [limit, base) */
static bool proc_stack_bounds(uintptr_t *limit, uintptr_t *base)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;
	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return false;
	int err = pthread_attr_getstack(&attr, &addr, &size);
	pthread_attr_destroy(&attr);
	if (err != 0)
		return false;
	*limit = (uintptr_t)addr;
	*base = (uintptr_t)addr + size;
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);
	if (here < *limit || here >= *base)
		gmi_misuse("gm_thread_attach on a stack other than the thread's own "
			   "(frame %#lx outside [%#lx, %#lx)): attach from the thread's "
			   "normal stack, not a signal stack or a coroutine",
			   (unsigned long)here, (unsigned long)*limit, (unsigned long)*base);
	return true;
}

int gm_thread_attach(void)
{
	if (!gmi_is_inited())
		return GM_ENOTINIT;
	if (gmi_proc_self != NULL)
		return GM_EATTACHED;
	if (proc_holds_world)
		gmi_throw("gm_thread_attach by the thread that has the world stopped");
	gmi_thread *t = calloc(1, sizeof *t);
	if (t == NULL)
		return GM_ENOMEM;
	if (!proc_stack_bounds(&t->stack_limit, &t->stack_base) ||
	    pthread_setspecific(proc_exit_key, t) != 0) {
		free(t);
		return GM_ENOMEM;
	}
	t->status = GMI_THREAD_RUNNING;
	proc_link(t);
	/* linked and RUNNING: no stop completes until this thread parks, so
	 * taking a cache is ordinary mutator work */
	gmi_mcache *c = gmi_mcache_attach();
	if (c == NULL) {
		proc_unlink(t);
		pthread_setspecific(proc_exit_key, NULL);
		free(t);
		return GM_ENOMEM;
	}
	t->mcache = c;
	gmi_tls_mcache = c;
	gmi_proc_self = t;
	return GM_OK;
}

/* Detaching a thread that is not attached does nothing. */
void gm_thread_detach(void)
{
	gmi_thread *t = gmi_proc_self;
	if (t == NULL)
		return;
	if (status_load_own(t) != GMI_THREAD_RUNNING)
		gmi_misuse("gm_thread_detach between gm_blocking_enter and "
			   "gm_blocking_leave (call gm_blocking_leave first)");
	gm_safepoint();
	/* still linked and RUNNING: a stopper waits for this hand-back */
	gmi_proc_self = NULL;
	gmi_tls_mcache = &gmi_mcache_none;
	gmi_mcache_detach(t->mcache);
	t->mcache = NULL;
	gmi_mark_thread_detach(t);
	proc_unlink(t);
	pthread_setspecific(proc_exit_key, NULL);
	free(t);
}

/* ---- safepoints and blocking regions ---------------------------------------- */

/* The caller of the stop has spilled; wait as PARKED while one is
 * requested.  PARKED is stored before the scheduler lock is taken, so
 * that the stopper counts the thread at its next pass whether or not the
 * thread gets the lock: the spinning stopper holds the lock except around
 * each yield, and a parker that blocks on it sleeps on its futex, from
 * which a woken thread took 100-300 us to run again on this VM.  (Late
 * threads sampled with a signal 40 us into stops of the 1 GiB steady
 * heap were blocked here in 4 of 9 samples.)  A thread that finds the
 * stop ended when it gets the lock is RUNNING again at once; if another
 * stop began meanwhile and counted it PARKED, it waits for that stop's
 * restart, since it leaves PARKED only under the lock with no stop
 * requested. */
static void proc_park(gmi_thread *t)
{
	if (!stop_pending_load_seq_cst())
		return;
	status_store_seq_cst(t, GMI_THREAD_PARKED);
	pthread_mutex_lock(&sched.lock);
	pthread_cond_signal(&sched.stopped); /* a stopper that stopped spinning */
	while (stop_pending_load_seq_cst())
		pthread_cond_wait(&sched.restart, &sched.lock);
	status_store_seq_cst(t, GMI_THREAD_RUNNING);
	pthread_mutex_unlock(&sched.lock);
}

__attribute__((used, noinline))
static int64_t proc_safepoint_body(const uintptr_t *regs, uintptr_t sp)
{
	gmi_thread *t = gmi_proc_self;
	/* unattached threads and the stopper itself are never stopped */
	if (t == NULL || proc_holds_world)
		return 0;
	if (status_load_own(t) != GMI_THREAD_RUNNING)
		gmi_misuse("gomem used between gm_blocking_enter and gm_blocking_leave "
			   "(a safepoint or an allocation): such a thread must not touch gomem");
	int pending = __atomic_load_n(&gm_safepoint_pending_, __ATOMIC_RELAXED);
	/* A stop first: the stack scan and the flush can wait for the
	 * restart, the stopper cannot (a stack scan at this safepoint while a
	 * stop waited held it up for 0.1-0.3 ms, perf on the 1 GiB steady
	 * heap).  Whatever the stop leaves to do is pending after it. */
	if (pending & GMI_SAFEPOINT_STOP) {
		proc_spill(t, regs, sp);
		proc_park(t);
		pending = __atomic_load_n(&gm_safepoint_pending_, __ATOMIC_RELAXED);
	}
	if (pending & GMI_SAFEPOINT_FLUSH)
		gmi_mark_safepoint_flush(t);
	if ((pending & GMI_SAFEPOINT_SCAN) && gmi_mark_wants_stack(t)) {
		proc_spill(t, regs, sp); /* its own stack scan, at this call (markroot.c) */
		gmi_mark_scan_own_stack(t);
	}
	/* a stop requested during the flush or the scan */
	if (gmi_stop_requested()) {
		proc_spill(t, regs, sp);
		proc_park(t);
	}
	return 0;
}
PROC_ENTRY_VOID(gm_safepoint_slow_, proc_safepoint_body)

static void proc_wake_stopper(void)
{
	pthread_mutex_lock(&sched.lock);
	pthread_cond_signal(&sched.stopped);
	pthread_mutex_unlock(&sched.lock);
}

/* Entering takes no lock unless a stop is requested (see the top). */
__attribute__((used, noinline))
static int64_t proc_blocking_enter_body(const uintptr_t *regs, uintptr_t sp)
{
	gmi_thread *t = gmi_proc_self;
	if (t == NULL)
		return 0;
	if (status_load_own(t) != GMI_THREAD_RUNNING)
		gmi_misuse("gm_blocking_enter twice without gm_blocking_leave");
	if (proc_holds_world)
		gmi_throw("gm_blocking_enter by the thread that has the world stopped");
	proc_spill(t, regs, sp);
	/* during concurrent mark: hand over the barrier buffer and scan the
	 * stack now, rather than have a worker do it while we block */
	if (__atomic_load_n(&gm_barrier_enabled_, __ATOMIC_RELAXED))
		gmi_mark_thread_blocking(t);
	status_store_seq_cst(t, GMI_THREAD_BLOCKED);
	if (stop_pending_load_seq_cst())
		proc_wake_stopper();
	return 0;
}
PROC_ENTRY_VOID(gm_blocking_enter, proc_blocking_enter_body)

/* a stopper claimed this thread or a worker is scanning it: wait for the
 * restart or the scan's end to clear the bits */
__attribute__((noinline, cold))
static void proc_leave_wait(gmi_thread *t)
{
	pthread_mutex_lock(&sched.lock);
	while (status_load_seq_cst(t) & GMI_THREAD_HELD)
		pthread_cond_wait(&sched.restart, &sched.lock);
	pthread_mutex_unlock(&sched.lock);
}

/* Leaving takes no lock unless a stopper claimed the thread. */
void gm_blocking_leave(void)
{
	gmi_thread *t = gmi_proc_self;
	if (t == NULL)
		return;
	if ((status_load_own(t) & ~GMI_THREAD_HELD) != GMI_THREAD_BLOCKED)
		gmi_misuse("gm_blocking_leave without gm_blocking_enter");
	int from = GMI_THREAD_BLOCKED;
	while (!status_cas_seq_cst(t, &from, GMI_THREAD_RUNNING)) {
		proc_leave_wait(t);
		from = GMI_THREAD_BLOCKED;
	}
	/* a stop requested as we left waits for us: park for it now */
	gm_safepoint();
}

/* How long a stopper polls for the other threads to stop before it
 * sleeps until they signal. */
#define PROC_STOP_SPIN_NS 200000

/* ---- stopping the world ----------------------------------------------------- */

/* step 3: claim every BLOCKED thread but self (also one a worker is
 * scanning), and count the RUNNING ones; scheduler lock held */
static size_t proc_claim_others_locked(const gmi_thread *self)
{
	size_t n = 0;
	for (gmi_thread *t = sched.all; t != NULL; t = t->next) {
		if (t == self)
			continue;
		int s = status_load_seq_cst(t);
		for (;;) {
			if ((s & ~GMI_THREAD_HELD) != GMI_THREAD_BLOCKED) {
				n += s == GMI_THREAD_RUNNING;
				break;
			}
			if ((s & GMI_THREAD_CLAIMED) ||
			    status_cas_seq_cst(t, &s, s | GMI_THREAD_CLAIMED))
				break;
		}
	}
	return n;
}

/* the restart: every claimed thread may leave again (unless a worker is
 * still scanning it); scheduler lock held */
static void proc_unclaim_all_locked(void)
{
	for (gmi_thread *t = sched.all; t != NULL; t = t->next)
		if (status_load_seq_cst(t) & GMI_THREAD_CLAIMED)
			__atomic_fetch_and(&t->status, ~GMI_THREAD_CLAIMED, __ATOMIC_SEQ_CST);
}

gmi_thread *gmi_proc_scan_claim(bool (*want)(gmi_thread *t))
{
	gmi_thread *found = NULL;
	pthread_mutex_lock(&sched.lock);
	for (gmi_thread *t = sched.all; t != NULL && found == NULL; t = t->next) {
		int s = status_load_seq_cst(t);
		while ((s & ~GMI_THREAD_CLAIMED) == GMI_THREAD_BLOCKED && want(t)) {
			if (status_cas_seq_cst(t, &s, s | GMI_THREAD_SCANNING)) {
				found = t;
				break;
			}
		}
	}
	pthread_mutex_unlock(&sched.lock);
	return found;
}

void gmi_proc_wait_no_stop(void)
{
	if (!stop_pending_load_seq_cst())
		return;
	pthread_mutex_lock(&sched.lock);
	while (stop_pending_load_seq_cst())
		pthread_cond_wait(&sched.restart, &sched.lock);
	pthread_mutex_unlock(&sched.lock);
}

bool gmi_proc_all(bool (*pred)(const gmi_thread *t))
{
	bool all = true;
	pthread_mutex_lock(&sched.lock);
	for (gmi_thread *t = sched.all; t != NULL && all; t = t->next)
		all = pred(t);
	pthread_mutex_unlock(&sched.lock);
	return all;
}

size_t gmi_proc_unblocked(void)
{
	size_t n = 0;
	pthread_mutex_lock(&sched.lock);
	for (gmi_thread *t = sched.all; t != NULL; t = t->next)
		n += gmi_thread_status(t) != GMI_THREAD_BLOCKED;
	pthread_mutex_unlock(&sched.lock);
	return n;
}

void gmi_proc_scan_release(gmi_thread *t)
{
	pthread_mutex_lock(&sched.lock);
	__atomic_fetch_and(&t->status, ~GMI_THREAD_SCANNING, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&sched.restart);
	pthread_mutex_unlock(&sched.lock);
}

/* step 2: the world lock; an attached caller (spilled) is PARKED while it
 * waits for another stopper, so that stopper does not wait for it */
static void proc_world_lock(gmi_thread *self)
{
	if (pthread_mutex_trylock(&sched.world) == 0)
		return;
	if (self != NULL) {
		pthread_mutex_lock(&sched.lock);
		status_store_seq_cst(self, GMI_THREAD_PARKED);
		pthread_cond_signal(&sched.stopped);
		pthread_mutex_unlock(&sched.lock);
	}
	pthread_mutex_lock(&sched.world);
	if (self != NULL) /* no other stop can be in force: we hold the world */
		status_store_seq_cst(self, GMI_THREAD_RUNNING);
}

__attribute__((used, noinline))
static int64_t proc_stw_stop_body(const uintptr_t *regs, uintptr_t sp)
{
	gmi_thread *self = gmi_proc_self;
	if (proc_holds_world)
		gmi_throw("gmi_stw_stop while this thread already has the world stopped");
	if (self != NULL) {
		if (status_load_own(self) != GMI_THREAD_RUNNING)
			gmi_misuse("a collection (gm_gc or an allocation) between "
				   "gm_blocking_enter and gm_blocking_leave: such a thread "
				   "must not touch gomem");
		proc_spill(self, regs, sp); /* step 1 */
	}
	proc_world_lock(self);
	proc_holds_world = true;
	int64_t requested = gmi_nanotime();
	pthread_mutex_lock(&sched.lock); /* step 3 */
	stop_pending_set_seq_cst(true);
	/* Spin a little before sleeping: threads usually reach a safepoint
	 * within microseconds, and waking a stopper that slept took 100-300
	 * us on the 2-vCPU test machine, most of a stop (Go's stopper sleeps
	 * in notetsleep; gomem's threads are not Ps it can preempt). */
	int64_t spin_until = requested + PROC_STOP_SPIN_NS;
	while (proc_claim_others_locked(self) != 0) {
		if (gmi_nanotime() < spin_until) {
			pthread_mutex_unlock(&sched.lock);
			sched_yield();
			pthread_mutex_lock(&sched.lock);
			continue;
		}
		pthread_cond_wait(&sched.stopped, &sched.lock);
	}
	__atomic_store_n(&sched.world_stopped, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&sched.lock);
	return requested;
}
PROC_ENTRY_I64(gmi_stw_stop, proc_stw_stop_body)

int64_t gmi_stw_start(void)
{
	if (!proc_holds_world)
		gmi_throw("gmi_stw_start without gmi_stw_stop on this thread");
	pthread_mutex_lock(&sched.lock);
	/* The stop ends here, before anyone is woken, as Go's
	 * gcMarkTermination reads the clock for pauseNS before
	 * startTheWorldWithSema (mgc.go; its sweep termination takes the
	 * time inside startTheWorldWithSema, once the Ps are handed out, still
	 * before wakep).  Read after the wake-ups, it took in the time a
	 * woken thread ran while this one, preempted by it, waited for the
	 * next scheduler tick: stops of 4 ms with the world running for all
	 * but a few microseconds of them (perf, binary_trees). */
	int64_t restarted = gmi_nanotime();
	__atomic_store_n(&sched.world_stopped, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&sched.stops, sched.stops + 1, __ATOMIC_RELAXED);
	proc_unclaim_all_locked();
	stop_pending_set_seq_cst(false);
	pthread_cond_broadcast(&sched.restart);
	pthread_mutex_unlock(&sched.lock);
	proc_holds_world = false;
	pthread_mutex_unlock(&sched.world);
	return restarted;
}

uint64_t gmi_stw_count(void)
{
	return __atomic_load_n(&sched.stops, __ATOMIC_RELAXED);
}

bool gmi_stw_held(void)
{
	return proc_holds_world;
}

/* ---- what the collector scans --------------------------------------------- */

void gmi_proc_for_each(void (*fn)(gmi_thread *t, void *ctx), void *ctx)
{
	GMI_ASSERT(__atomic_load_n(&sched.world_stopped, __ATOMIC_RELAXED), "stw-list");
	for (gmi_thread *t = sched.all; t != NULL; t = t->next)
		fn(t, ctx);
}

void gmi_thread_stack_range(const gmi_thread *t, uintptr_t *lo, uintptr_t *hi)
{
	GMI_ASSERT(t->stack_sp > t->stack_limit && t->stack_sp <= t->stack_base,
		   "spill-owner");
	*lo = t->stack_sp;
	*hi = t->stack_base;
}

void gmi_thread_regs_range(const gmi_thread *t, uintptr_t *lo, uintptr_t *hi)
{
	*lo = (uintptr_t)&t->regs;
	*hi = (uintptr_t)&t->regs.frame[t->regs.nframe];
}

/*
 * Other threads' stacks and ASan's redzones are read here, so the function
 * is not instrumented, and noinline so that it never lands in instrumented
 * code.  The loads are relaxed atomics: root ranges are written with
 * gm_write's relaxed stores while the collector reads them.
 */
__attribute__((noinline, no_sanitize_address, no_sanitize_thread))
void gmi_scan_words(uintptr_t lo, uintptr_t hi,
		    void (*fn)(uintptr_t word, void *ctx), void *ctx)
{
	const uintptr_t w = sizeof(uintptr_t);
	uintptr_t p = (lo + w - 1) & ~(w - 1);
	for (; p < hi && hi - p >= w; p += w)
		fn(__atomic_load_n((const proc_word *)p, __ATOMIC_RELAXED), ctx);
}

/* ---- init and shutdown ----------------------------------------------------- */

bool gmi_proc_init(void)
{
	pthread_once(&proc_exit_once, proc_exit_key_create);
	if (!proc_exit_key_ok)
		return false;
	gmi_clock_reset();
	__atomic_store_n(&gm_safepoint_pending_, 0, __ATOMIC_SEQ_CST);
	return true;
}

void gmi_proc_shutdown(void)
{
	if (proc_holds_world)
		gmi_throw("gm_shutdown while this thread has the world stopped");
	gm_thread_detach();
	size_t n = gmi_proc_count();
	if (n != 0)
		gmi_misuse("gm_shutdown while %zu other thread(s) are still attached "
			   "(each must call gm_thread_detach first)", n);
}

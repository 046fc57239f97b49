/*
 * markroot.c — the roots of marking (Go's mgcmark.go: markroot,
 * scanstack), scanned conservatively: every attached thread's stack from
 * its recorded stack pointer to its base and the registers it spilled
 * (proc.c), and every registered root range (roots.c).
 *
 * A stack is scanned once per cycle (claimed with the cycle number in
 * t->scan_gen): by its own thread at its next safepoint or
 * gm_blocking_enter, or by a worker while the thread is blocked
 * (gmi_markroot_jobs), or, under GM_YUASA, by the stopper in the first
 * stop.  The last stack done clears the safepoint's scan request.  The
 * overview of marking is at the top of mark.c; the state is
 * gc/markstate.h.
 */
#include <sched.h>
#include <stdatomic.h>

#include "gc/gc.h"
#include "gc/markstate.h"
#include "gc/pacer.h"
#include "gc/proc.h"
#include "gc/roots.h"

static void mark_root_word(uintptr_t word, void *ctx)
{
	gmi_mark_grey(ctx, word);
}

/* a thread's stack or registers being scanned */
typedef struct mark_stack_ctx {
	gmi_gcwork *w;
	gmi_thread *t;
} mark_stack_ctx;

static void mark_stack_word(uintptr_t word, void *ctx)
{
	mark_stack_ctx *c = ctx;
	gmi_mark_grey(c->w, word);
	if (gmi_heapcheck_enabled)
		gmi_heapcheck_stack_root(c->t, word);
}

/* t's stack and spilled registers (t parked, blocked or the caller) */
static uint64_t mark_scan_thread(gmi_gcwork *w, gmi_thread *t)
{
	mark_stack_ctx c = { w, t };
	uintptr_t lo, hi;
	gmi_heapcheck_thread_scanned(t);
	gmi_thread_stack_range(t, &lo, &hi);
	gmi_scan_words(lo, hi, mark_stack_word, &c);
	uint64_t n = hi - lo;
	gmi_thread_regs_range(t, &lo, &hi);
	gmi_scan_words(lo, hi, mark_stack_word, &c);
	atomic_fetch_add_explicit(&gmi_mark_st.stack_bytes, n, memory_order_relaxed);
	gmi_pacer_add_scan_work(0, (int64_t)n, 0);
	return n;
}

void gmi_markroot_range(uintptr_t lo, uintptr_t hi, void *ctx)
{
	gmi_scan_words(lo, hi, mark_root_word, ctx);
	atomic_fetch_add_explicit(&gmi_mark_st.global_bytes, hi - lo, memory_order_relaxed);
	gmi_pacer_add_scan_work(0, 0, (int64_t)(hi - lo));
}

/* claim t's stack scan for this cycle; false if it is not wanted or
 * someone else has it */
static bool mark_claim_stack(gmi_thread *t)
{
	uint32_t cur = atomic_load_explicit(&gmi_mark_st.cycle, memory_order_relaxed);
	uint32_t g = __atomic_load_n(&t->scan_gen, __ATOMIC_RELAXED);
	return g != cur && __atomic_compare_exchange_n(&t->scan_gen, &g, cur, false,
						       __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/* a claimed stack is done (scanned or gone) */
static void mark_stack_done(void)
{
	if (atomic_fetch_sub(&gmi_mark_st.stacks_pending, 1) == 1) {
		__atomic_fetch_and(&gm_safepoint_pending_, ~GMI_SAFEPOINT_SCAN, __ATOMIC_SEQ_CST);
		gmi_gc_poke();
	}
	gmi_mark_wake_for_work();
}

bool gmi_mark_wants_stack(const gmi_thread *t)
{
	return __atomic_load_n(&t->scan_gen, __ATOMIC_RELAXED) !=
	       atomic_load_explicit(&gmi_mark_st.cycle, memory_order_relaxed) &&
	       atomic_load_explicit(&gmi_mark_st.active, memory_order_relaxed);
}

void gmi_mark_scan_own_stack(gmi_thread *t)
{
	if (!atomic_load(&gmi_mark_st.active) || !mark_claim_stack(t))
		return;
	mark_scan_thread(&t->gcw, t);
	gmi_mark_publish(&t->gcw);
	mark_stack_done();
}

void gmi_mark_thread_blocking(gmi_thread *t)
{
	gmi_wbuf_flush(t);
	gmi_mark_scan_own_stack(t);
}

void gmi_mark_thread_attach_locked(gmi_thread *t)
{
	uint32_t cur = atomic_load(&gmi_mark_st.cycle);
	if (__atomic_load_n(&gm_barrier_enabled_, __ATOMIC_SEQ_CST) &&
	    atomic_load(&gmi_mark_st.active)) {
		/* attaching while marking: its stack is scanned like the others */
		__atomic_store_n(&t->scan_gen, cur - 1, __ATOMIC_RELAXED);
		atomic_fetch_add(&gmi_mark_st.stacks_pending, 1);
		__atomic_fetch_or(&gm_safepoint_pending_, GMI_SAFEPOINT_SCAN, __ATOMIC_SEQ_CST);
	} else {
		__atomic_store_n(&t->scan_gen, cur, __ATOMIC_RELAXED);
	}
}

void gmi_mark_thread_detach(gmi_thread *t)
{
	gmi_wbuf_flush(t);
	if (atomic_load(&gmi_mark_st.active) && mark_claim_stack(t))
		mark_stack_done(); /* its stack dies with it */
	gmi_mark_flush_work(&t->gcw, false);
	gmi_heapcheck_thread_free(t);
}

void gmi_mark_new_root(uintptr_t lo, uintptr_t hi)
{
	gmi_gcwork w = { 0 };
	bool attached = gmi_proc_self != NULL; /* else: not stopped by a stop */
	while (attached ? false : !gmi_mark_enter_or_done())
		sched_yield();
	if (atomic_load(&gmi_mark_st.active)) {
		gmi_scan_words(lo, hi, mark_root_word, &w);
		gmi_mark_publish(&w);
	}
	if (!attached)
		gmi_mark_leave();
}

/* gmi_proc_scan_claim's filter: a blocked thread whose stack this cycle
 * still wants scanned */
static bool mark_want_blocked(gmi_thread *t)
{
	return gmi_mark_wants_stack(t);
}

/* root jobs an unattached marker can do: the root ranges once per cycle,
 * and the stacks of blocked threads; true if it did any */
bool gmi_markroot_jobs(gmi_gcwork *w)
{
	bool did = false;
	int zero = 0;
	if (atomic_load(&gmi_mark_st.roots_claimed) == 0 &&
	    atomic_compare_exchange_strong(&gmi_mark_st.roots_claimed, &zero, 1)) {
		gmi_roots_for_each(gmi_markroot_range, w);
		gmi_mark_flush_work(w, false);
		atomic_store(&gmi_mark_st.roots_pending, 0);
		did = true;
	}
	while (atomic_load(&gmi_mark_st.stacks_pending) > 0) {
		gmi_thread *t = gmi_proc_scan_claim(mark_want_blocked);
		if (t == NULL)
			break;
		if (mark_claim_stack(t)) {
			mark_scan_thread(w, t);
			gmi_mark_flush_work(w, false);
			gmi_proc_scan_release(t);
			mark_stack_done();
		} else {
			gmi_proc_scan_release(t);
		}
		did = true;
	}
	return did;
}

void gmi_markroot_snapshot(gmi_thread *t, void *ctx)
{
	mark_scan_thread(ctx, t);
	__atomic_store_n(&t->scan_gen, atomic_load(&gmi_mark_st.cycle), __ATOMIC_RELAXED);
}

void gmi_markroot_thread(gmi_thread *t, void *ctx)
{
	mark_scan_thread(ctx, t);
}

/*
 * barrier.c — the write barrier's slow path and its buffer (Go's
 * mbarrier.go, mwbbuf.go), and the typed bulk copy gm_memmove (Go's
 * typedmemmove, typedslicecopy, bulkBarrierPreWrite).
 *
 * gm_write (include/gomem.h) is the inline check: with no cycle marking it
 * is one predictable branch and a relaxed store.  gc.c's phase setter turns
 * the flag on for the mark phase of the concurrent modes.  The slow path,
 * by mode (gm_config.collector), for `*slot = ptr`:
 *
 *   GM_HYBRID  (Go 1.8+, proposal 17503; as Go implements it, both always)
 *       shade(*slot); shade(ptr); *slot = ptr
 *     - shade(*slot), the deletion half, prevents this loss: a mutator
 *       whose stack is black (already scanned) loads the only heap
 *       reference to a white object into a local, then overwrites that
 *       heap slot.  Nothing will ever scan the local again; without the
 *       shade the object is freed while the stack holds it.
 *     - shade(ptr), the insertion half, prevents the converse: a mutator
 *       whose stack is still grey (not yet scanned) stores a white object
 *       it holds into a black heap object and then drops its local copy
 *       before its stack is scanned.  Go keeps this half only while the
 *       stack is grey; like Go's implementation gomem shades both always,
 *       which is simpler and costs one more buffer entry.
 *     With both, stacks are scanned once and never re-scanned, and no
 *     stop needs to scan all stacks: the pause stays independent of them.
 *   GM_DIJKSTRA (Go 1.5-1.7, insertion barrier)
 *       shade(ptr); *slot = ptr
 *     - prevents a black heap object from pointing to a white one (the
 *       strong tri-colour invariant) for heap and root-range stores.
 *       Stack stores have no barrier, so a stack may hide a white object
 *       (loaded from a slot that is then overwritten): stacks stay grey
 *       and every stack is re-scanned at mark termination, with the world
 *       stopped.  That pause grows with the total stack size.
 *   GM_YUASA (snapshot at the beginning, deletion barrier)
 *       shade(*slot); *slot = ptr
 *     - every object reachable when marking began stays reachable to the
 *       collector: a reference is only lost by overwriting a heap slot,
 *       and the overwritten value is shaded.  Stacks are not barriered,
 *       so all of them are scanned in the first stop (the snapshot); new
 *       objects are allocated black.
 *   GM_STW: the flag is never set while mutators run.
 *
 * Shades are not done at once: the slow path appends the pointers to the
 * thread's buffer (GMI_WBUF_ENTRIES, Go's wbBuf) and flushes it when full
 * (Go's wbBufFlush1), greying each white object into the thread's gcWork
 * and handing the work to the mark workers.  A deferred shade is safe
 * because nothing is freed before mark termination, and mark termination
 * flushes every buffer with the world stopped (and blocking_enter flushes
 * the caller's).  Null and non-heap pointers are dropped at the flush.
 */
#include <string.h>

#include "alloc/type.h"
#include "gc/gc.h"
#include "gc/proc.h"
#include "gomem.h"

/* gm_config.collector, fixed at gm_init (gmi_barrier_init) */
static gm_collector barrier_mode;

void gmi_barrier_init(gm_collector mode)
{
	barrier_mode = mode;
}

/* Go's wbBufFlush1: shade every buffered pointer into w, empty the buffer */
static void wbuf_drain_into(gmi_wbuf *b, gmi_gcwork *w)
{
	if (b->next == NULL)
		return;
	gmi_mark_grey_batch(w, b->buf, (size_t)(b->next - b->buf));
	b->next = b->buf;
}

void gmi_wbuf_flush(gmi_thread *t)
{
	if (t->wbuf.next == NULL || t->wbuf.next == t->wbuf.buf)
		return;
	wbuf_drain_into(&t->wbuf, &t->gcw);
	gmi_mark_publish(&t->gcw);
}

void gmi_wbuf_drain(gmi_thread *t, gmi_gcwork *w)
{
	wbuf_drain_into(&t->wbuf, w);
}

/* an unattached thread stores through the barrier: shade at once */
__attribute__((noinline, cold))
static void barrier_shade_now(uintptr_t a, uintptr_t b)
{
	gmi_gcwork w = { 0 };
	if (a != 0)
		gmi_mark_grey(&w, a);
	if (b != 0)
		gmi_mark_grey(&w, b);
	gmi_mark_publish(&w);
}

/* room for n more entries in t's buffer, flushing it if needed */
static inline uintptr_t *wbuf_get(gmi_thread *t, unsigned n)
{
	uintptr_t *p = t->wbuf.next;
	if (__builtin_expect(p == NULL || p + n > t->wbuf.buf + GMI_WBUF_ENTRIES, 0)) {
		if (p != NULL)
			gmi_wbuf_flush(t);
		t->wbuf.next = p = t->wbuf.buf;
	}
	t->wbuf.next = p + n;
	return p;
}

/* the pointers the mode shades for *slot = ptr */
static inline void barrier_record(void **slot, void *ptr)
{
	gmi_thread *t = gmi_proc_self;
	uintptr_t old = 0, nw = 0;
	switch (barrier_mode) {
	case GM_HYBRID:
		old = (uintptr_t)__atomic_load_n(slot, __ATOMIC_RELAXED);
		nw = (uintptr_t)ptr;
		break;
	case GM_DIJKSTRA:
		nw = (uintptr_t)ptr;
		break;
	case GM_YUASA:
		old = (uintptr_t)__atomic_load_n(slot, __ATOMIC_RELAXED);
		break;
	case GM_STW:
		return;
	}
	if (__builtin_expect(t == NULL, 0)) {
		barrier_shade_now(old, nw);
		return;
	}
	if (barrier_mode == GM_HYBRID) {
		uintptr_t *e = wbuf_get(t, 2);
		e[0] = old;
		e[1] = nw;
	} else {
		*wbuf_get(t, 1) = old | nw; /* one of the two is 0 */
	}
}

/* every case but the common one: another mode, no thread, a full buffer */
__attribute__((noinline))
static void write_slow_general(void **slot, void *ptr)
{
	barrier_record(slot, ptr);
	__atomic_store_n(slot, ptr, __ATOMIC_RELAXED);
}

/* The common case, room in the buffer, has no call in it, so that the
 * compiler gives it no frame and saves no register: a load of the thread,
 * a compare or two for the mode, one for the room, the entries and the
 * store, as Go's gcWriteBarrier (asm_amd64.s) appends to wbBuf.  Every
 * mode has it, so that the modes' costs compare like for like.
 * wbuf.next is NULL before first use: the unsigned difference from buf is
 * then huge, so the room check sends it to the general path too. */
void gm_write_slow_(void **slot, void *ptr)
{
	gmi_thread *t = gmi_proc_self;
	if (__builtin_expect(t != NULL, 1)) {
		uintptr_t *p = t->wbuf.next;
		uintptr_t used = (uintptr_t)p - (uintptr_t)t->wbuf.buf;
		if (barrier_mode == GM_HYBRID) {
			if (__builtin_expect(used <= (GMI_WBUF_ENTRIES - 2) * sizeof(uintptr_t), 1)) {
				p[0] = (uintptr_t)__atomic_load_n(slot, __ATOMIC_RELAXED);
				p[1] = (uintptr_t)ptr;
				t->wbuf.next = p + 2;
				__atomic_store_n(slot, ptr, __ATOMIC_RELAXED);
				return;
			}
		} else if (__builtin_expect(used <= (GMI_WBUF_ENTRIES - 1) * sizeof(uintptr_t), 1)) {
			if (barrier_mode == GM_DIJKSTRA)
				p[0] = (uintptr_t)ptr;
			else if (barrier_mode == GM_YUASA)
				p[0] = (uintptr_t)__atomic_load_n(slot, __ATOMIC_RELAXED);
			else
				goto general; /* GM_STW: never marking while mutators run */
			t->wbuf.next = p + 1;
			__atomic_store_n(slot, ptr, __ATOMIC_RELAXED);
			return;
		}
	}
general:
	write_slow_general(slot, ptr);
}

/* Go's typedmemmove/bulkBarrierPreWrite: the barrier for every pointer slot
 * of dst, then the copy.  Pointer-holding values are copied word by word
 * with relaxed atomics, since markers may be reading them. */
void gm_memmove(const gm_type *t, void *dst, const void *src, size_t n)
{
	size_t bytes = t->size * n;
	if (bytes == 0 || dst == src)
		return;
	if (t->nptrs == 0) {
		memmove(dst, src, bytes);
		return;
	}
	if (__atomic_load_n(&gm_barrier_enabled_, __ATOMIC_RELAXED)) {
		for (size_t e = 0; e < n; e++)
			for (size_t i = 0; i < t->nptrs; i++) {
				size_t off = e * t->size + t->ptr_offsets[i];
				void *nv = __atomic_load_n((void *const *)((const char *)src + off),
							   __ATOMIC_RELAXED);
				barrier_record((void **)((char *)dst + off), nv);
			}
	}
	uintptr_t *d = dst;
	const uintptr_t *s = src;
	size_t words = bytes / sizeof(uintptr_t);
	if (d < s || d >= s + words) {
		for (size_t i = 0; i < words; i++)
			__atomic_store_n(&d[i], __atomic_load_n(&s[i], __ATOMIC_RELAXED),
					 __ATOMIC_RELAXED);
	} else {
		for (size_t i = words; i-- > 0;)
			__atomic_store_n(&d[i], __atomic_load_n(&s[i], __ATOMIC_RELAXED),
					 __ATOMIC_RELAXED);
	}
}

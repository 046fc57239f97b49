/*
 * barrier.c — the write barrier's slow path (Go's mbarrier.go, mwbbuf.go).
 *
 * gm_write (include/gomem.h) is the inline check: with no cycle marking it
 * is one predictable branch and a relaxed store.  The flag is set by the
 * phase setter in gc.c for the mark phase.  In the stop-the-world collector
 * (GM_STW, and every mode until the concurrent collector lands) no mutator
 * runs while the flag is set, so the slow path only stores; the concurrent
 * modes' shading (hybrid, Dijkstra, Yuasa) belongs here.
 */
#include <string.h>

#include "alloc/type.h"
#include "gomem.h"

void gm_write_slow_(void **slot, void *ptr)
{
	__atomic_store_n(slot, ptr, __ATOMIC_RELAXED);
}

/* Go's typedmemmove/bulkBarrierPreWrite: the barrier for every pointer slot
 * of dst, then the copy.  Pointer words are copied with relaxed atomic
 * stores, since markers may be reading them. */
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
				void **slot = (void **)((char *)dst + off);
				void *nv = __atomic_load_n((void *const *)((const char *)src + off),
							   __ATOMIC_RELAXED);
				(void)slot;
				(void)nv;
			}
	}
	uintptr_t *d = dst;
	const uintptr_t *s = src;
	size_t words = bytes / sizeof(uintptr_t);
	if (d < s || d >= s + words) {
		for (size_t i = 0; i < words; i++)
			__atomic_store_n(&d[i], __atomic_load_n(&s[i], __ATOMIC_RELAXED), __ATOMIC_RELAXED);
	} else {
		for (size_t i = words; i-- > 0;)
			__atomic_store_n(&d[i], __atomic_load_n(&s[i], __ATOMIC_RELAXED), __ATOMIC_RELAXED);
	}
}

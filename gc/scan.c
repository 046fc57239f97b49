/*
 * scan.c — greying and scanning heap objects (Go's mgcmark.go: greyobject,
 * scanobject; mwbbuf.go: wbBufFlush1's loop).  No state of its own: every
 * call works on the marker's gcWork (workbuf.h), which mark.c hands to the
 * cycle.
 *
 * Heap objects are scanned precisely: small ones by their heap bits
 * (alloc/heapbits.h) or, past 512 bytes, by the type in their malloc
 * header; large ones by the type recorded in their span, in oblets that
 * are queued separately so that markers share them.
 */
#include <stdatomic.h>

#include "alloc/heapbits.h"
#include "alloc/mheap.h"
#include "alloc/panic.h"
#include "gc/gc.h"
#include "gc/proc.h" /* gmi_stop_requested */

/* Go's maxObletBytes is 128 KiB (mgcmark.go); gomem's oblets are 16 KiB,
 * and a scan looks for a requested stop every MARK_OBLET_SLICE inside one
 * (mark_scan_large): Go's asynchronous preemption has no counterpart
 * here, and 16K pointers of a 128 KiB oblet took an assisting mutator (or
 * a worker holding a CPU) long enough to delay a stop of the world. */
#define MARK_OBLET_BYTES ((uintptr_t)16 << 10)
/* within an oblet, how often the scan looks for a requested stop */
#define MARK_OBLET_SLICE ((uintptr_t)2 << 10)

/* Go's greyobject for p in span s: the mark bit is tested first, since
 * most pointers the barrier and the scan meet are marked already; only a
 * white one costs the allocation check (conservative words may point at
 * free slots, which must stay unmarked). */
static inline void mark_grey_in(gmi_gcwork *w, gmi_mspan *s, uintptr_t p)
{
	uintptr_t idx = gmi_span_obj_index(s, p);
	uint64_t *word = &s->gcmark_bits[idx / 64];
	uint64_t bit = (uint64_t)1 << (idx % 64);
	if (__atomic_load_n(word, __ATOMIC_RELAXED) & bit)
		return;
	if (!gmi_span_is_allocated(s, idx))
		return;
	if (__atomic_fetch_or(word, bit, __ATOMIC_RELAXED) & bit)
		return; /* another marker got there first */
	w->bytes_marked += s->elemsize;
	if (!gmi_spanclass_noscan(s->spanclass)) {
		uintptr_t obj = s->startaddr + idx * s->elemsize;
		/* it will likely be scanned soon by this marker (Go's
		 * greyobject prefetches it for the same reason) */
		__builtin_prefetch((const void *)obj);
		gmi_gcwork_put(w, obj);
	}
}

void gmi_mark_grey(gmi_gcwork *w, uintptr_t p)
{
	gmi_mspan *s = gmi_span_of(p);
	if (s != NULL && p < s->limit)
		mark_grey_in(w, s, p);
}

void gmi_mark_grey_batch(gmi_gcwork *w, const uintptr_t *ps, size_t n)
{
	/* Pointers repeat within a buffer (a hot object stored again and
	 * again, an old value that was the previous store's new one).  A mark
	 * bit never clears while marking, so a pointer met once in this batch
	 * needs no second look: a small direct-mapped table of them filters
	 * the repeats.  Nothing else is cached: a span remembered from the
	 * previous pointer (tried before) cost more on scattered pointers than
	 * it saved on neighbours.  The rest is Go's findObject and the mark
	 * bit test, with findObject's checks folded into one compare. */
	gmi_heaparena *_Atomic *arenas = gmi_heap.arenas; /* set at gm_init */
	uintptr_t seen[64] = { 0 };
	if (arenas == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		uintptr_t p = ps[i];
		uintptr_t *h = &seen[(p >> 4) % 64];
		if (p == 0 || *h == p)
			continue;
		*h = p;
		size_t ri = p >> GMI_ARENA_SHIFT;
		gmi_heaparena *ha = ri < GMI_ARENA_INDEX_LEN ?
			atomic_load_explicit(&arenas[ri], memory_order_acquire) : NULL;
		if (ha == NULL)
			continue;
		gmi_mspan *s = atomic_load_explicit(
			&ha->spans[(p >> GMI_PAGE_SHIFT) % GMI_PAGES_PER_ARENA],
			memory_order_acquire);
		if (s == NULL ||
		    atomic_load_explicit(&s->state, memory_order_acquire) != GMI_SPAN_INUSE ||
		    p - s->startaddr >= s->limit - s->startaddr)
			continue;
		mark_grey_in(w, s, p);
	}
}

/* grey what the pointer slot at a holds */
static inline void mark_slot(gmi_gcwork *w, uintptr_t a)
{
	uintptr_t v = __atomic_load_n((uintptr_t *)a, __ATOMIC_RELAXED);
	if (v != 0)
		gmi_mark_grey(w, v);
}

/* the pointer slots of an array of t starting at obj, within [lo, hi) */
static void mark_scan_typed(gmi_gcwork *w, uintptr_t obj, uintptr_t lo,
			    uintptr_t hi, const gm_type *t)
{
	size_t ts = t->size;
	uintptr_t el = obj + (lo - obj) / ts * ts;
	for (; el < hi; el += ts) {
		for (size_t i = 0; i < t->nptrs; i++) {
			uintptr_t a = el + t->ptr_offsets[i];
			if (a >= hi)
				break;
			if (a >= lo)
				mark_slot(w, a);
		}
	}
	w->heap_scan_work += hi - lo;
}

/* a large object: queue its other oblets when scanning its start, then
 * scan one oblet (Go's scanobject with maxObletBytes), from b to the end
 * of b's oblet.  The scan stops early, between slices of
 * MARK_OBLET_SLICE bytes, when a stop of the world is requested, and
 * queues the rest (from where it stopped to the end of the same oblet):
 * 2048 pointers to cold objects of a 1 GiB heap took 0.3-0.9 ms, a TLB
 * and a cache miss each, which a stop waited for when an assist held
 * them.  Go's scanobject is not preemptible inside an oblet either. */
static void mark_scan_large(gmi_gcwork *w, gmi_mspan *s, uintptr_t b)
{
	uintptr_t start = s->startaddr, end = start + s->elemsize;
	const gm_type *t = __atomic_load_n(&s->largetype, __ATOMIC_RELAXED);
	if (t == NULL)
		return;
	if (b == start && s->elemsize > MARK_OBLET_BYTES)
		for (uintptr_t o = start + MARK_OBLET_BYTES; o < end; o += MARK_OBLET_BYTES)
			gmi_gcwork_put(w, o);
	uintptr_t oblet_end = start + ((b - start) / MARK_OBLET_BYTES + 1) * MARK_OBLET_BYTES;
	uintptr_t hi = oblet_end < end ? oblet_end : end;
	while (b < hi) {
		uintptr_t next = hi - b > MARK_OBLET_SLICE ? b + MARK_OBLET_SLICE : hi;
		mark_scan_typed(w, start, b, next, t);
		b = next;
		if (b < hi && gmi_stop_requested()) {
			gmi_gcwork_put(w, b); /* the rest of this oblet */
			return;
		}
	}
}

/* Go's scanobject: b is an object's slot (or an oblet of a large one) */
void gmi_mark_scan_object(gmi_gcwork *w, uintptr_t b)
{
	gmi_mspan *s = gmi_span_of(b);
	if (s == NULL)
		gmi_throw("mark: grey object %#lx is not in the heap", (unsigned long)b);
	if (gmi_spanclass_sizeclass(s->spanclass) == 0) {
		mark_scan_large(w, s, b);
	} else if (gmi_span_has_heap_bits(s)) {
		uint64_t m = gmi_heap_bits_read(s, b);
		while (m != 0) {
			unsigned i = (unsigned)__builtin_ctzll(m);
			m &= m - 1;
			mark_slot(w, b + 8 * (uintptr_t)i);
		}
		w->heap_scan_work += s->elemsize;
	} else {
		const gm_type *t = *(const gm_type *const *)b; /* malloc header */
		uintptr_t obj = b + GMI_MALLOC_HEADER_SIZE;
		mark_scan_typed(w, obj, obj, b + s->elemsize, t);
	}
}

/*
 * mspan.c — one span's objects: initialisation, the free-slot search over
 * the allocation bits, and sweeping by the mark bits (mheap.go mspan.init,
 * mbitmap.go nextFreeIndex/refillAllocCache, mgcsweep.go sweepLocked.sweep).
 *
 * Free-slot search (Go's nextFreeIndex):
 * 1. alloc_cache holds the complement of the 64 alloc bits of the word that
 *    contains freeindex, shifted so that bit 0 is freeindex itself.
 * 2. count-trailing-zeros finds the next free slot; when the cache is
 *    empty, move to the next word and refill it from alloc_bits.
 * 3. freeindex moves past the slot; the slots below it are all allocated.
 *
 * Sweeping a span (by its mark bits, after a cycle):
 * 1. Objects with no mark bit are freed: count them for the stats.
 * 2. The mark bits become the alloc bits; the old alloc bits are cleared
 *    to serve as the next cycle's mark bits; freeindex returns to 0.
 * 3. An empty span goes back to the page heap; otherwise it is published
 *    with the new sweepgen in its mcentral's swept set, full or partial.
 */
#include <string.h>

#include "alloc/heapbits.h"
#include "alloc/mheap.h"

void gmi_span_init(gmi_mspan *s, uintptr_t base, size_t npages,
		   gmi_spanclass spc, uint32_t sweepgen)
{
	unsigned c = gmi_spanclass_sizeclass(spc);
	s->startaddr = base;
	s->npages = npages;
	s->spanclass = spc;
	if (c == 0) {
		s->elemsize = npages * GMI_PAGE_SIZE;
		s->nelems = 1;
		s->divmul = 0;
	} else {
		s->elemsize = gmi_class_to_size[c];
		s->divmul = gmi_class_to_divmagic[c];
		s->nelems = gmi_class_nelems(c);
		/* the pointer bitmap takes the span's last bytes / 64 (Go's
		 * initSpan with heapBitsInSpan) */
		if (!gmi_spanclass_noscan(spc) && gmi_heap_bits_in_span(s->elemsize)) {
			size_t bytes = npages * GMI_PAGE_SIZE;
			s->nelems = (uint16_t)((bytes - bytes / 64) / s->elemsize);
		}
	}
	s->largetype = NULL;
	s->limit = base + (size_t)s->nelems * s->elemsize;
	gmi_span_set_freeindex(s, 0);
	s->alloc_count = 0;
	s->alloc_count_before_cache = 0;
	memset(s->bits, 0, sizeof s->bits);
	s->alloc_bits = s->bits[0];
	s->gcmark_bits = s->bits[1];
	s->alloc_cache = ~(uint64_t)0; /* every slot of word 0 free */
	atomic_store_explicit(&s->sweepgen, sweepgen, memory_order_relaxed);
}

void gmi_span_refill_alloc_cache(gmi_mspan *s, unsigned word)
{
	s->alloc_cache = ~s->alloc_bits[word];
}

uintptr_t gmi_span_next_free_index(gmi_mspan *s)
{
	uintptr_t idx = s->freeindex;
	uintptr_t n = s->nelems;
	if (idx == n)
		return n;
	uint64_t cache = s->alloc_cache;
	while (cache == 0) {
		idx = (idx + 64) & ~(uintptr_t)63;
		if (idx >= n) {
			gmi_span_set_freeindex(s, n);
			return n;
		}
		gmi_span_refill_alloc_cache(s, (unsigned)(idx / 64));
		cache = s->alloc_cache;
	}
	unsigned bit = (unsigned)__builtin_ctzll(cache);
	uintptr_t result = idx + bit;
	if (result >= n) {
		gmi_span_set_freeindex(s, n);
		return n;
	}
	s->alloc_cache = cache >> bit >> 1;
	idx = result + 1;
	if (idx % 64 == 0 && idx != n)
		gmi_span_refill_alloc_cache(s, (unsigned)(idx / 64));
	gmi_span_set_freeindex(s, idx);
	return result;
}

/* the free slots at or above freeindex in bit word w (inv:span-count) */
static uint64_t span_free_mask(const gmi_mspan *s, unsigned w)
{
	unsigned from = s->freeindex, n = s->nelems;
	uint64_t m = ~s->alloc_bits[w];
	if (w == from / 64)
		m &= ~(uint64_t)0 << (from % 64);
	if (w == (n - 1) / 64 && n % 64 != 0)
		m &= ~(uint64_t)0 >> (64 - n % 64);
	return m;
}

void gmi_span_blacken_free(gmi_mspan *s)
{
	for (unsigned w = s->freeindex / 64; w < (s->nelems + 63u) / 64; w++) {
		uint64_t m = span_free_mask(s, w);
		if (m != 0)
			__atomic_fetch_or(&s->gcmark_bits[w], m, __ATOMIC_RELAXED);
	}
}

void gmi_span_unblacken_free(gmi_mspan *s)
{
	for (unsigned w = s->freeindex / 64; w < (s->nelems + 63u) / 64; w++) {
		uint64_t m = span_free_mask(s, w);
		if (m != 0)
			__atomic_fetch_and(&s->gcmark_bits[w], ~m, __ATOMIC_RELAXED);
	}
}

/* objects marked in s, counting only the first nelems bits */
static unsigned span_count_marked(const gmi_mspan *s)
{
	unsigned words = (s->nelems + 63) / 64, count = 0;
	for (unsigned w = 0; w < words; w++) {
		uint64_t m = __atomic_load_n(&s->gcmark_bits[w], __ATOMIC_RELAXED);
		if (w == words - 1 && s->nelems % 64 != 0)
			m &= (~(uint64_t)0) >> (64 - s->nelems % 64);
		count += (unsigned)__builtin_popcountll(m);
	}
	return count;
}

/* a large span's sweep: free it unless its one object is marked */
static bool span_sweep_large(gmi_mspan *s, unsigned nalloc, bool preserve)
{
	gmi_mheap *h = &gmi_heap;
	uint32_t sg = atomic_load_explicit(&h->sweepgen, memory_order_relaxed);
	if (nalloc == 0 && s->alloc_count != 0) {
		atomic_fetch_add_explicit(&h->stats.large_free, s->elemsize, memory_order_relaxed);
		atomic_fetch_add_explicit(&h->stats.large_free_count, 1, memory_order_relaxed);
		gmi_heap_free_span(s);
		return true;
	}
	memset(s->gcmark_bits, 0, sizeof(uint64_t));
	atomic_store_explicit(&s->sweepgen, sg, memory_order_release);
	if (!preserve)
		gmi_spanset_push(gmi_central_full_swept(&h->central[s->spanclass], sg), s);
	return false;
}

bool gmi_span_sweep(gmi_mspan *s, bool preserve)
{
	/* the caller set s->sweepgen to heap - 1: readers of the allocation
	 * state that see any change below also see that (gmi_find_object) */
	atomic_thread_fence(memory_order_release);
	gmi_mheap *h = &gmi_heap;
	unsigned nalloc = span_count_marked(s);
	atomic_fetch_add_explicit(&h->stats.pages_swept, s->npages, memory_order_relaxed);
	if (gmi_spanclass_sizeclass(s->spanclass) == 0)
		return span_sweep_large(s, nalloc, preserve);

	unsigned c = gmi_spanclass_sizeclass(s->spanclass);
	unsigned nfreed = s->alloc_count - nalloc;
	if (nfreed != 0) {
		atomic_fetch_add_explicit(&h->stats.small_free_count[c], nfreed,
					  memory_order_relaxed);
		s->needzero = true;
	}
	uint64_t *old = s->alloc_bits;
	__atomic_store_n(&s->alloc_bits, s->gcmark_bits, __ATOMIC_RELEASE);
	s->gcmark_bits = old;
	for (unsigned w = 0; w < GMI_SPAN_BITWORDS; w++) /* readers may hold old */
		__atomic_store_n(&old[w], 0, __ATOMIC_RELAXED);
	s->alloc_count = (uint16_t)nalloc;
	gmi_span_set_freeindex(s, 0);
	gmi_span_refill_alloc_cache(s, 0);

	uint32_t sg = atomic_load_explicit(&h->sweepgen, memory_order_relaxed);
	atomic_store_explicit(&s->sweepgen, sg, memory_order_release);
	if (preserve)
		return false;
	if (nalloc == 0) {
		gmi_heap_free_span(s);
		return true;
	}
	gmi_mcentral *mc = &h->central[s->spanclass];
	if (nalloc == s->nelems)
		gmi_spanset_push(gmi_central_full_swept(mc, sg), s);
	else
		gmi_spanset_push(gmi_central_partial_swept(mc, sg), s);
	return false;
}

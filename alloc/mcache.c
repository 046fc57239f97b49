/*
 * mcache.c — per-thread caches (Go's mcache.go).
 *
 * Owns: the cache records (from the heap's cachealloc), the thread-local
 * pointer to the current thread's cache, and the flushing of per-thread
 * allocation counts into the heap stats.
 *
 * Refill (Go's mcache.refill):
 * 1. The cached span of the class is full: count the slots used since it
 *    was cached into the heap stats, and give it back to its mcentral.
 * 2. Take a span with a free slot from the mcentral (which may sweep or
 *    grow the heap), mark it cached (sweepgen = h + 3) and keep it.
 * Releasing (detach, and before a sweep starts) does step 1 for every
 * class and drops the tiny block.
 */
#include <string.h>

#include "alloc/gmi.h"
#include "alloc/mcache.h"

gmi_mspan gmi_emptyspan; /* nelems == freeindex == 0, alloc_cache == 0 */

#define EMPTY8 &gmi_emptyspan, &gmi_emptyspan, &gmi_emptyspan, &gmi_emptyspan, \
	&gmi_emptyspan, &gmi_emptyspan, &gmi_emptyspan, &gmi_emptyspan
gmi_mcache gmi_mcache_none = {
	.alloc = { EMPTY8, EMPTY8, EMPTY8, EMPTY8, EMPTY8, EMPTY8, EMPTY8, EMPTY8,
		   EMPTY8, EMPTY8, EMPTY8, EMPTY8, EMPTY8, EMPTY8, EMPTY8, EMPTY8,
		   EMPTY8 },
};
_Static_assert(GMI_NUM_SPAN_CLASSES == 17 * 8, "EMPTY8 rows above cover every span class");

int gmi_alloc_black;

_Thread_local gmi_mcache *gmi_tls_mcache
	__attribute__((tls_model("initial-exec"))) = &gmi_mcache_none;

gmi_mcache *gmi_mcache_attach(void)
{
	gmi_mheap *h = &gmi_heap;
	pthread_mutex_lock(&h->lock);
	if (h->cachealloc.size == 0)
		gmi_fixalloc_init(&h->cachealloc, sizeof(gmi_mcache));
	gmi_mcache *c = gmi_fixalloc_alloc(&h->cachealloc);
	pthread_mutex_unlock(&h->lock);
	if (c == NULL)
		return NULL;
	for (unsigned i = 0; i < GMI_NUM_SPAN_CLASSES; i++)
		c->alloc[i] = &gmi_emptyspan;
	return c;
}

void gmi_mcache_detach(gmi_mcache *c)
{
	gmi_mcache_release_all(c);
	gmi_mheap *h = &gmi_heap;
	pthread_mutex_lock(&h->lock);
	gmi_fixalloc_free(&h->cachealloc, c);
	pthread_mutex_unlock(&h->lock);
}

/* count the slots used in s since it was cached (Go's slotsUsed) */
static void mcache_count_span(gmi_mspan *s)
{
	unsigned c = gmi_spanclass_sizeclass(s->spanclass);
	int used = (int)s->alloc_count - (int)s->alloc_count_before_cache;
	if (used != 0)
		atomic_fetch_add_explicit(&gmi_heap.stats.small_alloc_count[c],
					  (uint64_t)(int64_t)used, memory_order_relaxed);
	s->alloc_count_before_cache = s->alloc_count;
}

/* Go's tinyAllocs flush: combined tiny objects into the heap stats */
static void mcache_flush_tiny(gmi_mcache *c)
{
	if (c->tiny_allocs != 0) {
		atomic_fetch_add_explicit(&gmi_heap.stats.tiny_alloc_count, c->tiny_allocs,
					  memory_order_relaxed);
		c->tiny_allocs = 0;
	}
}

void gmi_mcache_flush_stats(gmi_mcache *c)
{
	for (unsigned i = 0; i < GMI_NUM_SPAN_CLASSES; i++)
		if (c->alloc[i] != &gmi_emptyspan)
			mcache_count_span(c->alloc[i]);
	mcache_flush_tiny(c);
}

/* Take back the unused slots refill counted as live, unless the span was
 * cached before the current cycle (its live bytes were recomputed at mark
 * termination): Go's releaseAll dHeapLive. */
static void mcache_unlive(gmi_mspan *s, uint32_t hsg)
{
	if (__atomic_load_n(&gmi_alloc_black, __ATOMIC_RELAXED))
		gmi_span_unblacken_free(s);
	if (atomic_load_explicit(&s->sweepgen, memory_order_relaxed) == hsg + 1)
		return;
	int64_t unused = (int64_t)(s->nelems - s->alloc_count) * (int64_t)s->elemsize;
	atomic_fetch_sub_explicit(&gmi_heap.stats.heap_live, unused, memory_order_relaxed);
	if (!gmi_spanclass_noscan(s->spanclass))
		atomic_fetch_sub_explicit(&gmi_heap.stats.heap_scan, unused, memory_order_relaxed);
}

/* Go's mcache.refill; false when the heap cannot grow */
static bool mcache_refill(gmi_mcache *c, gmi_spanclass spc)
{
	gmi_mspan *s = c->alloc[spc];
	if (s != &gmi_emptyspan) {
		mcache_count_span(s);
		mcache_unlive(s, atomic_load_explicit(&gmi_heap.sweepgen, memory_order_relaxed));
		gmi_central_uncache_span(&gmi_heap.central[spc], s);
		c->alloc[spc] = &gmi_emptyspan;
	}
	mcache_flush_tiny(c);
	s = gmi_central_cache_span(&gmi_heap.central[spc]);
	if (s == NULL)
		return false;
	uint32_t sg = atomic_load_explicit(&gmi_heap.sweepgen, memory_order_relaxed);
	atomic_store_explicit(&s->sweepgen, sg + 3, memory_order_relaxed);
	s->alloc_count_before_cache = s->alloc_count;
	c->alloc[spc] = s;
	/* Go's refill: count the whole span as live until it is released */
	int64_t fresh = (int64_t)(s->nelems - s->alloc_count) * (int64_t)s->elemsize;
	atomic_fetch_add_explicit(&gmi_heap.stats.heap_live, fresh, memory_order_relaxed);
	c->refill_bytes += (size_t)fresh; /* inv:assist-debt */
	if (!gmi_spanclass_noscan(spc))
		atomic_fetch_add_explicit(&gmi_heap.stats.heap_scan, fresh, memory_order_relaxed);
	if (__atomic_load_n(&gmi_alloc_black, __ATOMIC_RELAXED))
		gmi_span_blacken_free(s);
	return true;
}

uintptr_t gmi_mcache_next_free(gmi_mcache *c, gmi_spanclass spc, gmi_mspan **span)
{
	gmi_mspan *s = c->alloc[spc];
	uintptr_t idx = gmi_span_next_free_index(s);
	if (idx == s->nelems) {
		if (!mcache_refill(c, spc))
			return 0;
		s = c->alloc[spc];
		idx = gmi_span_next_free_index(s);
	}
	s->alloc_count++;
	*span = s;
	return s->startaddr + idx * s->elemsize;
}

gmi_mspan *gmi_mcache_alloc_large(gmi_mcache *c, size_t npages, bool noscan)
{
	(void)c;
	gmi_spanclass spc = gmi_make_spanclass(0, noscan);
	gmi_mspan *s = gmi_heap_alloc_span(npages, spc);
	if (s == NULL)
		return NULL;
	/* born black while marking: the bit is set before freeindex makes
	 * the object visible to conservative scans */
	if (__atomic_load_n(&gmi_alloc_black, __ATOMIC_RELAXED))
		__atomic_fetch_or(&s->gcmark_bits[0], 1, __ATOMIC_RELAXED);
	gmi_span_set_freeindex(s, 1);
	s->alloc_count = 1;
	gmi_heapstats *st = &gmi_heap.stats;
	atomic_fetch_add_explicit(&st->heap_live, (int64_t)s->elemsize, memory_order_relaxed);
	if (!noscan)
		atomic_fetch_add_explicit(&st->heap_scan, (int64_t)s->elemsize, memory_order_relaxed);
	atomic_fetch_add_explicit(&st->large_alloc, s->elemsize, memory_order_relaxed);
	atomic_fetch_add_explicit(&st->large_alloc_count, 1, memory_order_relaxed);
	/* Visible to the sweeper in the swept full set (Go's allocLarge). */
	uint32_t sg = atomic_load_explicit(&gmi_heap.sweepgen, memory_order_relaxed);
	gmi_spanset_push(gmi_central_full_swept(&gmi_heap.central[spc], sg), s);
	return s;
}

void gmi_mcache_release_all(gmi_mcache *c)
{
	uint32_t hsg = atomic_load_explicit(&gmi_heap.sweepgen, memory_order_relaxed);
	for (unsigned i = 0; i < GMI_NUM_SPAN_CLASSES; i++) {
		gmi_mspan *s = c->alloc[i];
		if (s == &gmi_emptyspan)
			continue;
		mcache_count_span(s);
		mcache_unlive(s, hsg);
		gmi_central_uncache_span(&gmi_heap.central[i], s);
		c->alloc[i] = &gmi_emptyspan;
	}
	mcache_flush_tiny(c);
	c->tiny = 0;
	c->tinyoffset = 0;
	c->refill_bytes = 0; /* the unused slots left heap_live above */
}

void gmi_mcache_release_current(void)
{
	gmi_mcache *c = gmi_tls_mcache;
	if (c != &gmi_mcache_none)
		gmi_mcache_release_all(c);
}

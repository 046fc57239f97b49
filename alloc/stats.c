/*
 * stats.c — gmi_alloc_read_memstats: the allocator's part of
 * runtime.MemStats from the heap's counters (mstats.go, readmemstats_m).
 * gm_read_memstats (gc/mstats.c) adds the collector's fields.
 *
 * Sources, as Go's:
 * 1. Object counts: per-class small allocations (flushed from each mcache
 *    when it refills or releases a span: Go's slotsUsed), small frees
 *    (counted by the sweeper), large allocations and frees, and tiny
 *    allocations, which count as both a malloc and a free because they
 *    share a 16-byte block that is itself counted as one small object.
 * 2. Byte counts from object counts times class sizes.
 * 3. Page counts from the page allocator: in use, free, released.
 * Identities kept (tests check them): heap_inuse + heap_idle == heap_sys,
 * heap_released <= heap_idle, mallocs - frees == heap_objects.
 */
#include <string.h>

#include "alloc/gmi.h"
#include "alloc/malloc.h"
#include "alloc/mcache.h"

static uint64_t stats_load(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

/* object and byte counts (step 1 and 2) */
static void stats_objects(gm_memstats *ms)
{
	gmi_heapstats *st = &gmi_heap.stats;
	uint64_t freed_bytes = 0;
	for (unsigned c = 1; c < GMI_NUM_SIZE_CLASSES; c++) {
		uint64_t m = stats_load(&st->small_alloc_count[c]);
		uint64_t f = stats_load(&st->small_free_count[c]);
		ms->by_size[c].size = gmi_class_to_size[c];
		ms->by_size[c].mallocs = m;
		ms->by_size[c].frees = f;
		ms->mallocs += m;
		ms->frees += f;
		ms->total_alloc += m * gmi_class_to_size[c];
		freed_bytes += f * gmi_class_to_size[c];
	}
	uint64_t tiny = stats_load(&st->tiny_alloc_count);
	ms->mallocs += stats_load(&st->large_alloc_count) + tiny;
	ms->frees += stats_load(&st->large_free_count) + tiny;
	ms->total_alloc += stats_load(&st->large_alloc);
	freed_bytes += stats_load(&st->large_free);
	ms->heap_alloc = ms->total_alloc - freed_bytes;
	ms->alloc = ms->heap_alloc;
	ms->heap_objects = ms->mallocs - ms->frees;
}

/* page and metadata counts (step 3) */
static void stats_pages(gm_memstats *ms)
{
	gmi_mheap *h = &gmi_heap;
	size_t sys, inuse, dirty, released, other;
	/* one lock: page and metadata counts from the same moment */
	pthread_mutex_lock(&h->lock);
	gmi_heap_page_stats_locked(&sys, &inuse, &dirty, &released, &other);
	ms->mspan_inuse = h->spanalloc.inuse;
	ms->mspan_sys = h->spanalloc.sys;
	ms->mcache_inuse = h->cachealloc.inuse;
	ms->mcache_sys = h->cachealloc.sys;
	ms->gc_sys = h->arena_meta_sys;
	pthread_mutex_unlock(&h->lock);
	ms->heap_sys = sys;
	ms->heap_inuse = inuse;
	ms->heap_idle = dirty + released;
	ms->heap_released = released;
	ms->other_sys = other;
	ms->sys = ms->heap_sys + ms->mspan_sys + ms->mcache_sys + ms->gc_sys +
		  ms->other_sys;
}

/* Go's totalAlloc - totalFree for the memory-limit goal: the same sums
 * as stats_objects, without the per-class table */
uint64_t gmi_alloc_heap_alloc(void)
{
	gmi_heapstats *st = &gmi_heap.stats;
	uint64_t alloc = stats_load(&st->large_alloc), freed = stats_load(&st->large_free);
	for (unsigned c = 1; c < GMI_NUM_SIZE_CLASSES; c++) {
		alloc += stats_load(&st->small_alloc_count[c]) * gmi_class_to_size[c];
		freed += stats_load(&st->small_free_count[c]) * gmi_class_to_size[c];
	}
	return alloc > freed ? alloc - freed : 0;
}

void gmi_alloc_read_memstats(gm_memstats *ms)
{
	memset(ms, 0, sizeof *ms);
	if (!gmi_malloc_is_inited())
		return;
	if (gmi_tls_mcache != &gmi_mcache_none)
		gmi_mcache_flush_stats(gmi_tls_mcache);
	stats_objects(ms);
	stats_pages(ms);
}

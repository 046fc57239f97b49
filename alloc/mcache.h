/*
 * mcache.h — the per-thread allocation cache (Go's mcache) and the inline
 * allocation fast path.
 */
#ifndef GOMEM_ALLOC_MCACHE_H
#define GOMEM_ALLOC_MCACHE_H

#include "alloc/mheap.h"

/*
 * One per attached thread, reached through thread-local storage.  Every
 * field is owned by its thread; other threads read nothing here except
 * while the thread is stopped or detaching.
 * inv:cache-span alloc[spc] is gmi_emptyspan or a span whose sweepgen is
 *                heap sweepgen + 3 (swept, then cached)
 */
typedef struct gmi_mcache {
	uintptr_t tiny;         /* current 16-byte tiny block, or 0 */
	uintptr_t tinyoffset;   /* bytes of it handed out */
	uint64_t tiny_allocs;   /* tiny objects since the last flush */
	gmi_mspan *alloc[GMI_NUM_SPAN_CLASSES];
	size_t refill_bytes;    /* heap_live credited by refills and not yet
				 * charged as assist debt (owner only;
				 * inv:assist-debt) */
} gmi_mcache;

/* The span every empty cache slot points to: full (freeindex == nelems
 * == 0), so the fast path needs no NULL check (Go's emptymspan). */
extern gmi_mspan gmi_emptyspan;
/* The cache of a thread that has not attached: every slot empty, so every
 * allocation reaches the slow path, which reports the misuse. */
extern gmi_mcache gmi_mcache_none;
/* initial-exec: one %fs-relative load, also in the shared library (as
 * mimalloc does); dlopen still works while static TLS space is left. */
extern _Thread_local gmi_mcache *gmi_tls_mcache
	__attribute__((tls_model("initial-exec")));

/* Go's nextFreeFast: an object from the cached bits, or 0. */
static inline uintptr_t gmi_next_free_fast(gmi_mspan *s)
{
	uint64_t cache = s->alloc_cache;
	unsigned bit = cache ? (unsigned)__builtin_ctzll(cache) : 64;
	uintptr_t result = (uintptr_t)s->freeindex + bit;
	uintptr_t freeidx = result + 1;
	/* nothing cached, past the last object, or the cache needs a refill
	 * from the next bitmap word: the slow path handles all three */
	if (__builtin_expect(bit == 64 || result >= s->nelems ||
			     (freeidx % 64 == 0 && freeidx != s->nelems), 0))
		return 0;
	s->alloc_cache = cache >> bit >> 1; /* bit + 1 may be 64 */
	gmi_span_set_freeindex(s, freeidx);
	s->alloc_count++;
	return s->startaddr + result * s->elemsize;
}

/* Set by the collector while it marks (with the world stopped): spans
 * cached meanwhile allocate black (gmi_span_blacken_free), large objects
 * are born marked, and releasing a span clears its unused slots' bits. */
extern int gmi_alloc_black;

gmi_mcache *gmi_mcache_attach(void);
void gmi_mcache_detach(gmi_mcache *c);
/* Go's mcache.nextFree: an object of class spc after refilling when the
 * cached span is full; 0 when the heap cannot grow.  *span gets the span
 * the object came from. */
uintptr_t gmi_mcache_next_free(gmi_mcache *c, gmi_spanclass spc, gmi_mspan **span);
/* a large object's span of npages (Go's mcache.allocLarge), or NULL */
gmi_mspan *gmi_mcache_alloc_large(gmi_mcache *c, size_t npages, bool noscan);
void gmi_mcache_release_all(gmi_mcache *c);
/* flush the thread's counters into the heap stats (keeps its spans) */
void gmi_mcache_flush_stats(gmi_mcache *c);

#endif

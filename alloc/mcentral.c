/*
 * mcentral.c — the central free lists, one per span class (mcentral.go).
 *
 * Owns: for each span class, two pairs of span sets (gmi_spanset, Go's
 * lock-free spanSet): partial (spans with a free slot) and full (none),
 * each as a swept and an unswept set chosen by sweepgen parity
 * (inv:central-parity in mheap.h).
 *
 * Getting a span for an mcache (Go's mcentral.cacheSpan):
 * 1. A swept partial span, if any.
 * 2. Else an unswept partial span: win its sweepgen CAS (h-2 -> h-1), sweep
 *    it keeping it, and use it.
 * 3. Else unswept full spans, swept one by one (at most 100, Go's
 *    spanBudget): one that sweeping freed a slot in is used, the rest go to
 *    the swept full set.  Every 16 spans the refill polls the safepoint
 *    (gmi_alloc_poll_hook) holding no span; if a cycle began meanwhile it
 *    starts again from step 1 under the new sweepgen.  Go instead sweeps
 *    all 100 without preemption (mallocgc holds the M), which on a 1 GiB
 *    heap kept a stop of the world waiting 100-250 us here.
 * 4. Else a new span from the page heap.
 * The span's alloc cache is then primed at its freeindex.
 */
#include "alloc/malloc.h"
#include "alloc/mheap.h"

/* 100: spanBudget in mcentral.cacheSpan, bounding sweep work per refill. */
#define CENTRAL_SPAN_BUDGET 100
/* gomem's own: the refill polls the safepoint after this many swept spans
 * (step 3 above; a few tens of microseconds of sweeping on a large heap) */
#define CENTRAL_POLL_SPANS 16

gmi_spanset *gmi_central_partial_swept(gmi_mcentral *c, uint32_t sg)
{
	return &c->partial[sg / 2 % 2];
}

gmi_spanset *gmi_central_partial_unswept(gmi_mcentral *c, uint32_t sg)
{
	return &c->partial[1 - sg / 2 % 2];
}

gmi_spanset *gmi_central_full_swept(gmi_mcentral *c, uint32_t sg)
{
	return &c->full[sg / 2 % 2];
}

gmi_spanset *gmi_central_full_unswept(gmi_mcentral *c, uint32_t sg)
{
	return &c->full[1 - sg / 2 % 2];
}

/* claim an unswept span for sweeping (h-2 -> h-1) */
static bool central_try_acquire(gmi_mspan *s, uint32_t sg)
{
	uint32_t want = sg - 2;
	return atomic_compare_exchange_strong_explicit(&s->sweepgen, &want, sg - 1,
						       memory_order_acq_rel,
						       memory_order_relaxed);
}

/* a new span for class c from the page heap (Go's mcentral.grow) */
static gmi_mspan *central_grow(gmi_mcentral *c)
{
	unsigned sc = gmi_spanclass_sizeclass(c->spanclass);
	return gmi_heap_alloc_span(gmi_class_to_npages[sc], c->spanclass);
}

/* Step 3's safepoint poll, between spans (no span is held).  False when
 * a cycle began while the thread was parked: `sg` is then stale and the
 * sets it names have changed roles, so the caller starts again. */
static bool central_poll(uint32_t sg)
{
	if (gmi_alloc_poll_hook != NULL)
		gmi_alloc_poll_hook();
	return atomic_load_explicit(&gmi_heap.sweepgen, memory_order_acquire) == sg;
}

/* steps 2 and 3: a span that sweeping gave a free slot, or NULL; *stale
 * is set when step 3's poll found a new sweepgen */
static gmi_mspan *central_sweep_for_space(gmi_mcentral *c, uint32_t sg, bool *stale)
{
	gmi_mspan *s;
	while ((s = gmi_spanset_pop(gmi_central_partial_unswept(c, sg))) != NULL) {
		if (central_try_acquire(s, sg)) {
			gmi_span_sweep(s, true);
			return s;
		}
		/* the background sweeper owns it and will publish it */
	}
	for (int budget = CENTRAL_SPAN_BUDGET; budget > 0; budget--) {
		int swept = CENTRAL_SPAN_BUDGET - budget;
		if (swept != 0 && swept % CENTRAL_POLL_SPANS == 0 && !central_poll(sg)) {
			*stale = true;
			return NULL;
		}
		s = gmi_spanset_pop(gmi_central_full_unswept(c, sg));
		if (s == NULL)
			break;
		if (!central_try_acquire(s, sg))
			continue;
		gmi_span_sweep(s, true);
		if (gmi_span_next_free_index(s) != s->nelems) {
			/* undo the probe: the cache will be primed below */
			gmi_span_set_freeindex(s, 0);
			gmi_span_refill_alloc_cache(s, 0);
			return s;
		}
		gmi_spanset_push(gmi_central_full_swept(c, sg), s);
	}
	return NULL;
}

gmi_mspan *gmi_central_cache_span(gmi_mcentral *c)
{
	gmi_mspan *s;
	bool stale;
	do {
		uint32_t sg = atomic_load_explicit(&gmi_heap.sweepgen, memory_order_acquire);
		stale = false;
		s = gmi_spanset_pop(gmi_central_partial_swept(c, sg));
		if (s == NULL)
			s = central_sweep_for_space(c, sg, &stale);
	} while (stale);
	if (s == NULL) {
		s = central_grow(c);
		if (s == NULL)
			return NULL;
	}
	/* Prime the cache at freeindex (Go's haveSpan block). */
	unsigned word = s->freeindex / 64;
	gmi_span_refill_alloc_cache(s, word);
	s->alloc_cache >>= s->freeindex % 64;
	return s;
}

void gmi_central_uncache_span(gmi_mcentral *c, gmi_mspan *s)
{
	uint32_t hsg = atomic_load_explicit(&gmi_heap.sweepgen, memory_order_acquire);
	uint32_t sg = atomic_load_explicit(&s->sweepgen, memory_order_relaxed);
	if (sg == hsg + 1) {
		/* cached before this sweep began: sweep it now (Go's stale case) */
		atomic_store_explicit(&s->sweepgen, hsg - 1, memory_order_relaxed);
		gmi_span_sweep(s, false);
		return;
	}
	atomic_store_explicit(&s->sweepgen, hsg, memory_order_release);
	if (s->alloc_count == s->nelems)
		gmi_spanset_push(gmi_central_full_swept(c, hsg), s);
	else
		gmi_spanset_push(gmi_central_partial_swept(c, hsg), s);
}

bool gmi_central_sweep_one(gmi_mcentral *c)
{
	uint32_t sg = atomic_load_explicit(&gmi_heap.sweepgen, memory_order_acquire);
	gmi_mspan *s;
	while ((s = gmi_spanset_pop(gmi_central_partial_unswept(c, sg))) != NULL ||
	       (s = gmi_spanset_pop(gmi_central_full_unswept(c, sg))) != NULL) {
		if (central_try_acquire(s, sg)) {
			gmi_span_sweep(s, false);
			return true;
		}
	}
	return false;
}

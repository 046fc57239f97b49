/*
 * mheap.c — the page heap (Go's mheap.go): spans are cut from free page
 * runs and returned to them.
 *
 * Owns: gmi_heap, its lock, the span records (fixalloc) and allspans.
 *
 * Allocating a span (Go's mheap.allocSpan):
 * 1. Under the heap lock, ask the page allocator for the lowest run of
 *    npages free pages; if there is none, grow the heap (arena.c) and ask
 *    again.
 * 2. Still under the lock, take a span record, note whether the pages
 *    may hold old data (needzero: the arena's zeroed_base moves) and
 *    publish the page counters (gmi_heap_publish_locked).
 * 3. With the lock dropped, as Go's initSpan runs after allocSpan unlocks:
 *    take back pages that had been returned to the OS (sysUsed),
 *    initialise the record for its span class, clear its heap bits, and
 *    publish it in the arena span map, its state last.  The pages are
 *    this thread's until then; readers of the span map check the state.
 * 4. Scavenge if mapped memory is now over the memory limit or the heap
 *    grew past the scavenger's goal (Go's allocSpan; alloc/scavenge.c).
 * Freeing reverses it: unpublish, free the pages (they coalesce in the page
 * allocator), recycle the record.
 */
#include <string.h>

#include "alloc/heapbits.h"
#include "alloc/mheap.h"
#include "alloc/os.h"
#include "alloc/scavenge.h"

gmi_mheap gmi_heap;

bool gmi_arena_index_init(void);
void gmi_arena_index_destroy(void);

bool gmi_heap_init(void)
{
	gmi_mheap *h = &gmi_heap;
	memset(h, 0, sizeof *h);
	/* Adaptive: spins briefly before sleeping, as Go's runtime lock does
	 * (lock_futex.go); the heap lock is held for short stretches. */
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
	pthread_mutex_init(&h->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	gmi_fixalloc_init(&h->spanalloc, sizeof(gmi_mspan));
	gmi_fixalloc_init(&h->regionalloc, sizeof(gmi_region));
	/* mcache records are sized by mcache.c, which initialises cachealloc */
	for (unsigned i = 0; i < GMI_NUM_SPAN_CLASSES; i++)
		h->central[i].spanclass = (gmi_spanclass)i;
	/* Go starts sweepgen at 0 too; spans made now are "swept" (== h). */
	atomic_store_explicit(&h->sweepgen, 0, memory_order_relaxed);
	if (!gmi_pagealloc_init(&h->pages))
		return false;
	if (!gmi_arena_index_init()) {
		gmi_pagealloc_destroy(&h->pages);
		return false;
	}
	h->inited = true;
	return true;
}

void gmi_heap_destroy(void)
{
	gmi_mheap *h = &gmi_heap;
	if (!h->inited)
		return;
	for (unsigned i = 0; i < GMI_NUM_SPAN_CLASSES; i++) {
		for (int j = 0; j < 2; j++) {
			gmi_spanset_destroy(&h->central[i].partial[j]);
			gmi_spanset_destroy(&h->central[i].full[j]);
		}
	}
	gmi_arena_index_destroy();
	gmi_pagealloc_destroy(&h->pages);
	gmi_fixalloc_destroy(&h->spanalloc);
	gmi_fixalloc_destroy(&h->cachealloc);
	gmi_fixalloc_destroy(&h->regionalloc);
	gmi_os_free(h->allspans, h->allspans_sys);
	pthread_mutex_destroy(&h->lock);
	memset(h, 0, sizeof *h);
}

/* remember a new span record in allspans; heap lock held */
static bool heap_record_span(gmi_mspan *s)
{
	gmi_mheap *h = &gmi_heap;
	if (h->nallspans == h->capallspans) {
		size_t ncap = h->capallspans ? h->capallspans * 2 : 512;
		size_t bytes = ncap * sizeof(gmi_mspan *);
		gmi_mspan **n = gmi_os_alloc(bytes);
		if (n == NULL)
			return false;
		if (h->allspans != NULL) {
			memcpy(n, h->allspans, h->nallspans * sizeof(gmi_mspan *));
			gmi_os_free(h->allspans, h->allspans_sys);
		}
		h->allspans = n;
		h->capallspans = ncap;
		h->allspans_sys = bytes;
	}
	h->allspans[h->nallspans++] = s;
	return true;
}

/* a span record, reused or new; heap lock held */
static gmi_mspan *heap_span_record(void)
{
	gmi_mheap *h = &gmi_heap;
	bool fresh = h->spanalloc.list == NULL;
	gmi_mspan *s = gmi_fixalloc_alloc(&h->spanalloc);
	if (s != NULL && fresh && !heap_record_span(s)) {
		gmi_fixalloc_free(&h->spanalloc, s);
		return NULL;
	}
	return s;
}

gmi_mspan *gmi_heap_alloc_span(size_t npages, gmi_spanclass spc)
{
	gmi_mheap *h = &gmi_heap;
	size_t scav = 0;
	pthread_mutex_lock(&h->lock);
	size_t sys0 = h->heap_sys;
	gmi_mspan *s = heap_span_record();
	if (s == NULL)
		goto fail;
	uintptr_t base = gmi_pagealloc_alloc(&h->pages, npages, &scav);
	if (base == 0) {
		if (!gmi_heap_grow_locked(npages))
			goto fail_record;
		base = gmi_pagealloc_alloc(&h->pages, npages, &scav);
		if (base == 0)
			goto fail_record;
	}
	bool needzero = gmi_arena_alloc_needs_zero(base, npages);
	gmi_heap_publish_locked();
	size_t growth = h->heap_sys - sys0;
	pthread_mutex_unlock(&h->lock);

	/* Go's initSpan, without the lock (step 3).  The sweepgen cannot
	 * move meanwhile: that takes a stop, and this thread is at no
	 * safepoint. */
	if (scav != 0)
		gmi_os_used((void *)base, npages * GMI_PAGE_SIZE);
	uint32_t sg = atomic_load_explicit(&h->sweepgen, memory_order_relaxed);
	gmi_span_init(s, base, npages, spc, sg);
	s->needzero = needzero;
	/* Go's initHeapBits (mbitmap.go) clears the bits of every new span,
	 * fresh memory too.  Skipping it for fresh memory made the first
	 * touch of the span's last OS page the load of gmi_heap_bits_write:
	 * a read fault maps the shared zero page, the store then takes a
	 * second, write-protect fault with a TLB shootdown to the other CPU
	 * (perf: most of the 1 GiB steady heap's build was in those).  On
	 * fresh memory this store faults too, which is why it is not under
	 * the heap lock. */
	if (gmi_span_has_heap_bits(s))
		memset(gmi_span_heap_bits(s), 0, npages * GMI_PAGE_SIZE / 64);
	gmi_arena_set_spans(base, npages, s);
	atomic_store_explicit(&s->state, GMI_SPAN_INUSE, memory_order_release);
	gmi_scavenge_on_alloc(growth); /* Go's allocSpan, after the lock */
	return s;
fail_record:
	gmi_fixalloc_free(&h->spanalloc, s);
fail:
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

void gmi_heap_free_span(gmi_mspan *s)
{
	gmi_mheap *h = &gmi_heap;
	pthread_mutex_lock(&h->lock);
	atomic_store_explicit(&s->state, GMI_SPAN_DEAD, memory_order_release);
	gmi_arena_set_spans(s->startaddr, s->npages, NULL);
	gmi_pagealloc_free(&h->pages, s->startaddr, s->npages);
	gmi_fixalloc_free(&h->spanalloc, s);
	gmi_heap_publish_locked();
	pthread_mutex_unlock(&h->lock);
}

void gmi_heap_page_stats(size_t *sys, size_t *inuse, size_t *free_dirty,
			 size_t *released, size_t *other_sys)
{
	pthread_mutex_lock(&gmi_heap.lock);
	gmi_heap_page_stats_locked(sys, inuse, free_dirty, released, other_sys);
	pthread_mutex_unlock(&gmi_heap.lock);
}

void gmi_heap_page_stats_locked(size_t *sys, size_t *inuse, size_t *free_dirty,
				size_t *released, size_t *other_sys)
{
	gmi_mheap *h = &gmi_heap;
	size_t free_bytes = gmi_pagealloc_free_bytes(&h->pages);
	size_t scav = gmi_pagealloc_scav_bytes(&h->pages);
	*sys = h->heap_sys;
	*inuse = h->heap_sys - free_bytes;
	*free_dirty = free_bytes - scav;
	*released = scav;
	*other_sys = gmi_pagealloc_sys_bytes(&h->pages) + h->allspans_sys +
		     h->regionalloc.sys;
}

void gmi_heap_publish_locked(void)
{
	gmi_mheap *h = &gmi_heap;
	size_t sys, inuse, dirty, released, other;
	gmi_heap_page_stats_locked(&sys, &inuse, &dirty, &released, &other);
	/* the metadata gm_read_memstats counts in sys (all of it is Ready) */
	uint64_t meta = h->spanalloc.sys + h->cachealloc.sys + h->arena_meta_sys + other;
	gmi_heapstats *st = &h->stats;
	atomic_store_explicit(&st->mapped_ready, sys - released + meta, memory_order_relaxed);
	atomic_store_explicit(&st->heap_free, dirty, memory_order_relaxed);
	atomic_store_explicit(&st->heap_inuse, inuse, memory_order_relaxed);
	atomic_store_explicit(&st->heap_released, released, memory_order_relaxed);
}

/* inv:span-count for one span: slots below freeindex plus alloc bits */
static bool heap_check_span(const gmi_mspan *s, size_t *pages)
{
	unsigned count = 0;
	for (uintptr_t i = 0; i < s->nelems; i++)
		count += gmi_span_is_allocated(s, i);
	if (count != s->alloc_count || s->limit > s->startaddr + s->npages * GMI_PAGE_SIZE)
		return false;
	for (size_t i = 0; i < s->npages; i++)
		if (gmi_span_of(s->startaddr + i * GMI_PAGE_SIZE) != s)
			return false;
	*pages += s->npages;
	return true;
}

/* quiescent only: a span being initialised outside the lock (step 3)
 * has its pages allocated and is not yet in use */
bool gmi_heap_check(void)
{
	gmi_mheap *h = &gmi_heap;
	pthread_mutex_lock(&h->lock);
	bool ok = gmi_pagealloc_check(&h->pages);
	size_t pages = 0;
	for (size_t i = 0; ok && i < h->nallspans; i++) {
		const gmi_mspan *s = h->allspans[i];
		if (atomic_load_explicit(&s->state, memory_order_acquire) == GMI_SPAN_INUSE)
			ok = heap_check_span(s, &pages);
	}
	/* every in-use page belongs to exactly one in-use span */
	if (ok)
		ok = pages * GMI_PAGE_SIZE == h->heap_sys - gmi_pagealloc_free_bytes(&h->pages);
	pthread_mutex_unlock(&h->lock);
	return ok;
}

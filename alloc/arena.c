/*
 * arena.c — the heap's address space: reserved regions, the 64 MiB arenas
 * cut from them, and the map from any address to its span (malloc.go,
 * mheap.go: sysAlloc, heapArena, spanOf, findObject, allocNeedsZero).
 *
 * Structures: gmi_heap.arenas, an array of 1<<22 pointers indexed by
 * address >> 26 (Go's arena index with arenaL1Bits = 0 on linux/amd64), each
 * to a heapArena record whose spans[] maps every 8 KiB page to its span.
 *
 * Growing the heap (Go's mheap.grow and sysAlloc):
 * 1. Round the request up to whole 4 MiB chunks (the page allocator's unit).
 * 2. If the newest region has room, map that much of it read/write and hand
 *    it to the page allocator.
 * 3. Otherwise reserve a new region of whole 64 MiB arenas (PROT_NONE), at
 *    Go's hint address 0x00c000000000 and upward when the OS allows, make a
 *    heapArena record for each arena, and continue in it; the old region's
 *    unused tail joins the heap first so no address space is wasted.
 */
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "alloc/mheap.h"
#include "alloc/os.h"

/* 0x00c0<<32: the first arena hint on 64-bit Linux (malloc.go,
 * mallocinit): far from where the OS puts libraries, stacks and other
 * mappings, so that few stale words on a stack point into the heap (which
 * matters more to gomem, whose stack scan is conservative).  Sanitizers keep
 * their shadow memory there, so sanitized builds ask for a range each of
 * them leaves to the program, equally far from the OS's own choices:
 * ASan's high application memory (below its allocator's 0x600000000000),
 * TSan's low one. */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_FIRST_HINT ((uintptr_t)0x3000 << 32)
#elif defined(__SANITIZE_THREAD__)
#define ARENA_FIRST_HINT ((uintptr_t)0x0040 << 32)
#else
#define ARENA_FIRST_HINT ((uintptr_t)0x00c0 << 32)
#endif

bool gmi_arena_index_init(void);
void gmi_arena_index_destroy(void);

bool gmi_arena_index_init(void)
{
	size_t bytes = GMI_ARENA_INDEX_LEN * sizeof(gmi_heaparena *);
	gmi_heap.arenas = gmi_os_alloc(bytes); /* 32 MiB, touched sparsely */
	gmi_heap.next_hint = ARENA_FIRST_HINT;
	return gmi_heap.arenas != NULL;
}

void gmi_arena_index_destroy(void)
{
	gmi_mheap *h = &gmi_heap;
	if (h->arenas == NULL)
		return;
	for (gmi_region *r = h->regions; r != NULL; r = r->next) {
		for (uintptr_t a = r->base; a < r->base + r->size; a += GMI_ARENA_BYTES) {
			size_t ri = a >> GMI_ARENA_SHIFT;
			gmi_os_free(h->arenas[ri], sizeof(gmi_heaparena));
			h->arenas[ri] = NULL;
		}
		gmi_os_free((void *)r->base, r->size);
	}
	h->regions = NULL;
	gmi_os_free((void *)h->arenas, GMI_ARENA_INDEX_LEN * sizeof(gmi_heaparena *));
	h->arenas = NULL;
}

void gmi_arena_set_spans(uintptr_t base, size_t npages, gmi_mspan *s)
{
	for (size_t i = 0; i < npages; i++) {
		uintptr_t p = base + i * GMI_PAGE_SIZE;
		gmi_heaparena *ha = gmi_arena_of(p);
		size_t pi = (p >> GMI_PAGE_SHIFT) % GMI_PAGES_PER_ARENA;
		atomic_store_explicit(&ha->spans[pi], s, memory_order_release);
	}
}

/*
 * A sweep of s changes its allocation state in steps (the alloc bits
 * become the mark bits, the old bits are cleared for reuse, freeindex
 * returns to 0), and a reader on another thread could see the steps
 * half done: a live object whose old alloc bit it read after the clear
 * looked free, and gm_object_size returned 0 for it.  So the span's
 * sweepgen is read around the allocation test as a sequence lock: every
 * sweep sets it to heap - 1 first (gmi_span_sweep, then a release fence)
 * and to heap last; a reader that saw a sweep in progress, or a change,
 * looks again.
 */
bool gmi_find_object(uintptr_t p, uintptr_t *base, size_t *size)
{
	for (;;) {
		gmi_mspan *s = gmi_span_of(p);
		if (s == NULL || p >= s->limit)
			return false;
		uint32_t g = atomic_load_explicit(&s->sweepgen, memory_order_acquire);
		uint32_t hg = atomic_load_explicit(&gmi_heap.sweepgen, memory_order_relaxed);
		uintptr_t idx = gmi_span_obj_index(s, p);
		bool alloc = gmi_span_is_allocated(s, idx);
		atomic_thread_fence(memory_order_acquire);
		if (g != hg - 1 &&
		    atomic_load_explicit(&s->sweepgen, memory_order_relaxed) == g) {
			if (!alloc)
				return false;
			*base = s->startaddr + idx * s->elemsize;
			*size = s->elemsize;
			return true;
		}
		sched_yield(); /* a sweep of s is under way */
	}
}

bool gmi_arena_alloc_needs_zero(uintptr_t base, size_t npages)
{
	bool need = false;
	while (npages > 0) {
		gmi_heaparena *ha = gmi_arena_of(base);
		uintptr_t off = base % GMI_ARENA_BYTES;
		if (off < ha->zeroed_base)
			need = true;
		uintptr_t lim = off + npages * GMI_PAGE_SIZE;
		if (lim > GMI_ARENA_BYTES)
			lim = GMI_ARENA_BYTES;
		if (lim > ha->zeroed_base)
			ha->zeroed_base = lim;
		npages -= (lim - off) / GMI_PAGE_SIZE;
		base += lim - off;
	}
	return need;
}

/* map [base, base+size) and give it to the page allocator; heap lock held */
static bool arena_add_to_heap(uintptr_t base, size_t size)
{
	if (!gmi_os_map((void *)base, size))
		return false;
	if (!gmi_pagealloc_grow(&gmi_heap.pages, base, size))
		return false;
	gmi_heap.heap_sys += size;
	return true;
}

/* reserve a new region of at least `bytes` with its heapArena records */
static gmi_region *arena_reserve_region(size_t bytes)
{
	gmi_mheap *h = &gmi_heap;
	size_t size = (bytes + GMI_ARENA_BYTES - 1) & ~(GMI_ARENA_BYTES - 1);
	gmi_region *r = gmi_fixalloc_alloc(&h->regionalloc);
	if (r == NULL)
		return NULL;
	void *p = gmi_os_reserve((void *)h->next_hint, size, GMI_ARENA_BYTES);
	if (p == NULL || ((uintptr_t)p + size) >> GMI_HEAP_ADDR_BITS != 0)
		goto fail;
	r->base = (uintptr_t)p;
	r->size = size;
	for (uintptr_t a = r->base; a < r->base + size; a += GMI_ARENA_BYTES) {
		gmi_heaparena *ha = gmi_os_alloc(sizeof(gmi_heaparena));
		if (ha == NULL) {
			for (uintptr_t b = r->base; b < a; b += GMI_ARENA_BYTES) {
				gmi_os_free(h->arenas[b >> GMI_ARENA_SHIFT], sizeof *ha);
				h->arenas[b >> GMI_ARENA_SHIFT] = NULL;
			}
			gmi_os_free(p, size);
			goto fail;
		}
		atomic_store_explicit(&h->arenas[a >> GMI_ARENA_SHIFT], ha,
				      memory_order_release);
		h->arena_meta_sys += sizeof *ha;
	}
	r->next = h->regions;
	h->regions = r;
	if (h->next_hint != 0)
		h->next_hint = r->base + size;
	return r;
fail:
	gmi_fixalloc_free(&h->regionalloc, r);
	return NULL;
}

bool gmi_heap_grow_locked(size_t npages)
{
	gmi_mheap *h = &gmi_heap;
	size_t ask = (npages * GMI_PAGE_SIZE + GMI_CHUNK_BYTES - 1) & ~(GMI_CHUNK_BYTES - 1);
	if (h->cur_end - h->cur_base < ask) {
		gmi_region *r = arena_reserve_region(ask);
		if (r == NULL)
			return false;
		if (r->base == h->cur_end) {
			h->cur_end += r->size; /* contiguous: one run */
		} else {
			if (h->cur_end > h->cur_base &&
			    arena_add_to_heap(h->cur_base, h->cur_end - h->cur_base))
				h->cur_base = h->cur_end;
			h->cur_base = r->base;
			h->cur_end = r->base + r->size;
		}
	}
	if (!arena_add_to_heap(h->cur_base, ask))
		return false;
	h->cur_base += ask;
	return true;
}

/*
 * mheap.h — the allocator's shared structures: mspan, mcentral, heapArena,
 * mheap, fixalloc, the heap statistics, and the functions that move spans
 * between them.  The overview of how they fit together is at the top of
 * alloc/malloc.c.
 */
#ifndef GOMEM_ALLOC_MHEAP_H
#define GOMEM_ALLOC_MHEAP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/pagealloc.h"
#include "alloc/sizeclass.h"
#include "alloc/spanset.h"

/* ---- constants (malloc.go) --------------------------------------------- */

/* 64 MiB: heapArenaBytes on 64-bit Linux (malloc.go, logHeapArenaBytes). */
#define GMI_ARENA_SHIFT 26
#define GMI_ARENA_BYTES ((size_t)1 << GMI_ARENA_SHIFT)
#define GMI_PAGES_PER_ARENA (GMI_ARENA_BYTES / GMI_PAGE_SIZE) /* 8192 */
/* 48: heapAddrBits on linux/amd64; with arenaL1Bits = 0 the arena index is
 * one array of 1<<22 entries (malloc.go, arenaL2Bits). */
#define GMI_HEAP_ADDR_BITS 48
#define GMI_ARENA_INDEX_LEN ((size_t)1 << (GMI_HEAP_ADDR_BITS - GMI_ARENA_SHIFT))
/* 4 MiB: pallocChunkBytes (mpagealloc.go); the heap grows by whole chunks. */
#define GMI_CHUNK_BYTES ((size_t)4 << 20)
/* 1024: the most objects a span holds (8 KiB of 8-byte objects). */
#define GMI_MAX_SPAN_OBJS 1024
#define GMI_SPAN_BITWORDS (GMI_MAX_SPAN_OBJS / 64)
/* 1<<48: maxAlloc (malloc.go); larger requests can never succeed. */
#define GMI_MAX_ALLOC ((size_t)1 << GMI_HEAP_ADDR_BITS)

/* ---- mspan (mheap.go) --------------------------------------------------- */

/* Go's mSpanState. */
enum gmi_span_state {
	GMI_SPAN_DEAD = 0,  /* on a free list or not yet used */
	GMI_SPAN_INUSE = 1, /* holds heap objects */
};

/*
 * A run of pages holding objects of one span class.
 *
 * Bits: object i is allocated when i < freeindex (every free slot below
 * freeindex has been handed out since the last sweep) or when bit i of
 * alloc_bits is set.  gcmark_bits is the collector's; at sweep the two
 * buffers swap roles and the new gcmark_bits are cleared (Go allocates
 * fresh gcBits from arenas instead; gomem embeds two buffers per span).
 *
 * inv:span-count alloc_count == popcount(alloc bits below nelems, counting
 *                slots below freeindex as set)
 * inv:span-cache bit j of alloc_cache is 1 iff object (freeindex & ~63) + j
 *                is free and >= freeindex; only valid for the word holding
 *                freeindex
 * Sweepgen (mheap.go), with h = the heap's sweepgen:
 *   h-2 needs sweeping; h-1 being swept; h swept and ready;
 *   h+1 cached before sweep began, needs sweeping; h+3 swept, then cached.
 */
typedef struct gmi_mspan {
	/* set at allocation under the heap lock; read-only while in use */
	uintptr_t startaddr;
	uintptr_t limit;        /* end of the last object's slot */
	size_t npages;
	size_t elemsize;        /* bytes per object (large: the whole span) */
	/* Go's mspan.divMul: class_to_divmagic[class], 0 for a large span,
	 * so that an offset's object index is one multiply and shift */
	uint32_t divmul;
	uint16_t nelems;
	gmi_spanclass spanclass;
	_Atomic uint8_t state;  /* enum gmi_span_state; release on publish */

	/* owned by whoever holds the span: an mcache, or the sweeper that
	 * won the sweepgen CAS, or the mcentral code that popped it */
	uint16_t freeindex;
	uint16_t alloc_count;
	uint16_t alloc_count_before_cache; /* for stats, as Go's mcache */
	bool needzero;          /* free slots may hold old data */
	uint64_t alloc_cache;
	uint64_t *alloc_bits;
	uint64_t *gcmark_bits;  /* set atomically by the collector */

	_Atomic uint32_t sweepgen;
	const struct gm_type *largetype; /* a large scan object's type */
	struct gmi_mspan *next; /* fixalloc free list */
	uint64_t bits[2][GMI_SPAN_BITWORDS];
} gmi_mspan;

/* freeindex and alloc_bits are written by the span's owner and read by
 * other threads (gm_object_size, conservative scanning), so every write is
 * a relaxed (freeindex, bit words) or release (alloc_bits) atomic store
 * and foreign reads are atomic loads (Go's freeIndexForScan). */
static inline void gmi_span_set_freeindex(gmi_mspan *s, uintptr_t v)
{
	__atomic_store_n(&s->freeindex, (uint16_t)v, __ATOMIC_RELAXED);
}

/* true when object index i of s is allocated (Go's !mspan.isFree) */
static inline bool gmi_span_is_allocated(const gmi_mspan *s, uintptr_t i)
{
	if (i < __atomic_load_n(&s->freeindex, __ATOMIC_RELAXED))
		return true;
	const uint64_t *bits = __atomic_load_n(&s->alloc_bits, __ATOMIC_ACQUIRE);
	return (__atomic_load_n(&bits[i / 64], __ATOMIC_RELAXED) >> (i % 64)) & 1;
}

/* object index of p, which lies in [startaddr, limit) */
static inline uintptr_t gmi_span_obj_index(const gmi_mspan *s, uintptr_t p)
{
	/* Go's mspan.objIndex; a large span's divmul 0 gives index 0.  Small
	 * spans are at most 64 KiB, so the offset fits in 32 bits. */
	return (uintptr_t)(((uint64_t)(uint32_t)(p - s->startaddr) * s->divmul) >> 32);
}

void gmi_span_init(gmi_mspan *s, uintptr_t base, size_t npages,
		   gmi_spanclass spc, uint32_t sweepgen);
void gmi_span_refill_alloc_cache(gmi_mspan *s, unsigned word);
/* next free object index, or nelems when the span is full (mbitmap.go) */
uintptr_t gmi_span_next_free_index(gmi_mspan *s);
/* Sweep a span the caller owns (sweepgen == h-1, or h+1 while uncaching).
 * Returns true when the span was freed to the heap.  With preserve, the
 * span is not pushed to any set nor freed (the caller keeps it). */
bool gmi_span_sweep(gmi_mspan *s, bool preserve);
/* Allocate black (Go's gcmarknewobject, done per span rather than per
 * object): while the collector marks, a span taken into a cache gets the
 * mark bit of every free slot at or above freeindex set, so each object
 * handed out from it is born black; when the span leaves the cache while
 * marking, the slots still free get their bits cleared again.  Owner only. */
void gmi_span_blacken_free(gmi_mspan *s);
void gmi_span_unblacken_free(gmi_mspan *s);

/* ---- mcentral (mcentral.go) -------------------------------------------- */

/* inv:central-parity partial[sweepgen/2 % 2] holds swept spans and
 * partial[1 - sweepgen/2 % 2] unswept ones; likewise full.  Advancing
 * sweepgen by 2 turns every swept set into the unswept one. */
typedef struct gmi_mcentral {
	gmi_spanclass spanclass;
	gmi_spanset partial[2]; /* spans with a free object */
	gmi_spanset full[2];    /* spans with none, and large spans */
	char pad[64];           /* keep neighbours off this cache line */
} gmi_mcentral;

gmi_spanset *gmi_central_partial_swept(gmi_mcentral *c, uint32_t sg);
gmi_spanset *gmi_central_partial_unswept(gmi_mcentral *c, uint32_t sg);
gmi_spanset *gmi_central_full_swept(gmi_mcentral *c, uint32_t sg);
gmi_spanset *gmi_central_full_unswept(gmi_mcentral *c, uint32_t sg);
/* a span with a free object, swept and owned by the caller; NULL when the
 * heap cannot grow */
gmi_mspan *gmi_central_cache_span(gmi_mcentral *c);
/* give back a span an mcache held */
void gmi_central_uncache_span(gmi_mcentral *c, gmi_mspan *s);
/* sweep one unswept span of c; false when there is none left */
bool gmi_central_sweep_one(gmi_mcentral *c);

/* ---- fixalloc (mfixalloc.go) ------------------------------------------- */

/* A free-list allocator of fixed-size metadata records, off the heap.
 * Protected by the heap lock. */
typedef struct gmi_fixalloc {
	size_t size;
	void *list;        /* free records */
	uintptr_t chunk;   /* bump pointer in the current chunk */
	size_t nchunk;     /* bytes left in it */
	void *chunks;      /* every chunk, linked through its first word */
	size_t inuse;      /* bytes handed out */
	size_t sys;        /* bytes obtained from the OS */
} gmi_fixalloc;

void gmi_fixalloc_init(gmi_fixalloc *f, size_t size);
void *gmi_fixalloc_alloc(gmi_fixalloc *f); /* zeroed; NULL on OS refusal */
void gmi_fixalloc_free(gmi_fixalloc *f, void *p);
void gmi_fixalloc_destroy(gmi_fixalloc *f);

/* ---- heap arenas and the heap (mheap.go, malloc.go) --------------------- */

/* Metadata of one 64 MiB arena (Go's heapArena). */
typedef struct gmi_heaparena {
	/* spans[i] is the in-use span holding page i, or NULL; written under
	 * the heap lock, read with acquire by spanOf */
	gmi_mspan *_Atomic spans[GMI_PAGES_PER_ARENA];
	/* every byte at or above zeroed_base is still zero from the OS */
	uintptr_t zeroed_base;
} gmi_heaparena;

/* A region of address space reserved for the heap; regions are kept in a
 * list so that shutdown can give them back. */
typedef struct gmi_region {
	uintptr_t base;
	size_t size;
	struct gmi_region *next;
} gmi_region;

/* Allocation and free counters (Go's consistentHeapStats, simplified):
 * atomic, relaxed; mallocs are flushed from mcaches at refill. */
typedef struct gmi_heapstats {
	/* Go's gcController.heapLive: bytes in spans handed to mcaches (the
	 * whole span counts at refill; unused slots are taken back at
	 * release) plus large objects, reset to the marked bytes at mark
	 * termination */
	_Atomic int64_t heap_live;
	/* the scannable part of heap_live (Go's gcController.heapScan):
	 * counted as heap_live is, for span classes with pointers; reset at
	 * mark termination to the heap bytes scanned */
	_Atomic int64_t heap_scan;
	/* pages swept since the last mark termination (Go's pagesSwept) */
	_Atomic uint64_t pages_swept;
	_Atomic uint64_t small_alloc_count[GMI_NUM_SIZE_CLASSES];
	_Atomic uint64_t small_free_count[GMI_NUM_SIZE_CLASSES];
	_Atomic uint64_t large_alloc, large_alloc_count;
	_Atomic uint64_t large_free, large_free_count;
	_Atomic uint64_t tiny_alloc_count;
	/* The memory the memory limit counts, published under the heap lock
	 * whenever the page heap changes (gmi_heap_publish_locked) and read
	 * without it (relaxed): Go's gcController.mappedReady (heap and
	 * metadata mapped and not released), heapFree (free pages not
	 * released), heapInUse and heapReleased. */
	_Atomic uint64_t mapped_ready;
	_Atomic uint64_t heap_free;
	_Atomic uint64_t heap_inuse;
	_Atomic uint64_t heap_released;
} gmi_heapstats;

typedef struct gmi_mheap {
	pthread_mutex_t lock;
	bool inited;
	gmi_pagealloc pages;          /* heap lock */
	_Atomic uint32_t sweepgen;    /* written only while nothing sweeps */
	gmi_heaparena *_Atomic *arenas; /* arena index, GMI_ARENA_INDEX_LEN */
	gmi_region *regions;          /* heap lock */
	uintptr_t cur_base, cur_end;  /* unused part of the newest region */
	uintptr_t next_hint;          /* where the next region is asked for */
	size_t heap_sys;              /* bytes mapped for the heap; heap lock */
	size_t arena_meta_sys;        /* heapArena records; heap lock */
	gmi_fixalloc spanalloc;       /* heap lock */
	gmi_fixalloc cachealloc;      /* heap lock */
	gmi_fixalloc regionalloc;     /* heap lock */
	gmi_mspan **allspans;         /* every span record ever made; heap lock */
	size_t nallspans, capallspans;
	size_t allspans_sys;
	gmi_heapstats stats;
	gmi_mcentral central[GMI_NUM_SPAN_CLASSES];
} gmi_mheap;

extern gmi_mheap gmi_heap;

bool gmi_heap_init(void);
void gmi_heap_destroy(void);
/* a span of npages for span class spc, in use; NULL when the OS refuses */
gmi_mspan *gmi_heap_alloc_span(size_t npages, gmi_spanclass spc);
/* return s's pages to the page heap */
void gmi_heap_free_span(gmi_mspan *s);
/* grow the heap by at least npages; heap lock held; false on refusal */
bool gmi_heap_grow_locked(size_t npages);
/* true when [base, base+npages) may hold old data (Go's allocNeedsZero);
 * heap lock held */
bool gmi_arena_alloc_needs_zero(uintptr_t base, size_t npages);
/* set spans[] for every page of s (or clear them, with NULL) */
void gmi_arena_set_spans(uintptr_t base, size_t npages, gmi_mspan *s);

/* the arena holding address p, or NULL.  Inline: the marker and the write
 * barrier's flush look up every pointer they shade. */
static inline gmi_heaparena *gmi_arena_of(uintptr_t p)
{
	size_t ri = p >> GMI_ARENA_SHIFT;
	gmi_heaparena *_Atomic *arenas = gmi_heap.arenas;
	if (ri >= GMI_ARENA_INDEX_LEN || arenas == NULL)
		return NULL;
	return atomic_load_explicit(&arenas[ri], memory_order_acquire);
}

/* the in-use span holding address p, or NULL (Go's spanOf) */
static inline gmi_mspan *gmi_span_of(uintptr_t p)
{
	gmi_heaparena *ha = gmi_arena_of(p);
	if (ha == NULL)
		return NULL;
	size_t pi = (p >> GMI_PAGE_SHIFT) % GMI_PAGES_PER_ARENA;
	gmi_mspan *s = atomic_load_explicit(&ha->spans[pi], memory_order_acquire);
	if (s == NULL ||
	    atomic_load_explicit(&s->state, memory_order_acquire) != GMI_SPAN_INUSE)
		return NULL;
	if (p < s->startaddr || p >= s->startaddr + s->npages * GMI_PAGE_SIZE)
		return NULL;
	return s;
}
/* base and slot size of the allocated object holding p, or false (Go's
 * findObject).  Used for conservative scanning. */
bool gmi_find_object(uintptr_t p, uintptr_t *base, size_t *size);

/* The heap verifier (debug and tests): every in-use span satisfies
 * inv:span-count and owns its pages in the arena map, the page allocator is
 * consistent, and in-use pages are exactly the in-use spans' pages.  Call
 * only while no thread allocates. */
bool gmi_heap_check(void);

/* Stats of the page heap: heap lock not needed (taken inside). */
void gmi_heap_page_stats(size_t *sys, size_t *inuse, size_t *free_dirty,
			 size_t *released, size_t *other_sys);
/* The same with the heap lock already held. */
void gmi_heap_page_stats_locked(size_t *sys, size_t *inuse, size_t *free_dirty,
				size_t *released, size_t *other_sys);
/* Publish the page heap's counters into gmi_heap.stats (mapped_ready,
 * heap_free, heap_inuse, heap_released); heap lock held.  Called after
 * every span allocation and free, and every scavenge. */
void gmi_heap_publish_locked(void);

#endif

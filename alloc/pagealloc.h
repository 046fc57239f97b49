/*
 * pagealloc.h — the page allocator: which 8 KiB pages of the heap are free,
 * found by address-ordered first fit through a radix tree of summaries over
 * per-chunk bitmaps (Go's pageAlloc, mpagealloc.go, mpagealloc_64bit.go,
 * mpallocbits.go).  The design comment is at the top of alloc/pagealloc.c.
 *
 * The mheap embeds one gmi_pagealloc by value and holds the heap lock for
 * every call; nothing here locks.
 */
#ifndef GOMEM_ALLOC_PAGEALLOC_H
#define GOMEM_ALLOC_PAGEALLOC_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- geometry (linux/amd64: heapAddrBits 48) ----------------------------- */

/* 48: the user address space the heap may live in (heapAddrBits, malloc.go) */
#define GMI_PALLOC_ADDR_BITS 48
/* 512 pages = 4 MiB: the bitmap chunk, the leaf of the radix tree
 * (pallocChunkPages, logPallocChunkPages 9, mpagealloc.go) */
#define GMI_PALLOC_CHUNK_PAGES 512u
#define GMI_PALLOC_CHUNK_SHIFT 22
#define GMI_PALLOC_CHUNK_BYTES ((uintptr_t)1 << GMI_PALLOC_CHUNK_SHIFT)
/* 64-bit words in one chunk's bitmap */
#define GMI_PALLOC_WORDS (GMI_PALLOC_CHUNK_PAGES / 64)
/* 5 radix levels; each below the root splits its parent 8 ways
 * (summaryLevels, summaryLevelBits 3, mpagealloc_64bit.go) */
#define GMI_PALLOC_LEVELS 5
#define GMI_PALLOC_LEVEL_BITS 3
/* 14: root-level radix bits = 48 - 22 - 4*3 (summaryL0Bits); one root
 * summary covers 16 GiB = 2^21 pages */
#define GMI_PALLOC_L0_BITS                                                     \
	(GMI_PALLOC_ADDR_BITS - GMI_PALLOC_CHUNK_SHIFT -                       \
	 (GMI_PALLOC_LEVELS - 1) * GMI_PALLOC_LEVEL_BITS)
/* The sparse chunk array: 2^13 L1 slots of 2^13 chunks (1 MiB each), as
 * Go's pallocChunksL1Bits for 48-bit address spaces. */
#define GMI_PALLOC_CHUNKS_L2_BITS 13
#define GMI_PALLOC_CHUNKS_L1_BITS                                              \
	(GMI_PALLOC_ADDR_BITS - GMI_PALLOC_CHUNK_SHIFT - GMI_PALLOC_CHUNKS_L2_BITS)
/* "none" for page indices inside a chunk */
#define GMI_PALLOC_NONE (~0u)

/* ---- pallocSum: a summary packed in 64 bits -------------------------------
 *
 * start (free pages at the bottom of the region), max (longest free run)
 * and end (free pages at the top) in 21 bits each, bits 0, 21 and 42.  The
 * one value that does not fit, 2^21 (a completely free root region), is
 * written as bit 63 alone and stands for all three (packPallocSum).  A
 * summary of 0 means "no free page", which is also what the zeroed memory of
 * a region never grown reads as. */
typedef uint64_t gmi_pallocsum;

#define GMI_PALLOC_SUM_BITS 21
#define GMI_PALLOC_SUM_MAX ((size_t)1 << GMI_PALLOC_SUM_BITS)
#define GMI_PALLOC_SUM_FULL ((uint64_t)1 << 63)

static inline gmi_pallocsum gmi_pallocsum_pack(size_t start, size_t max, size_t end)
{
	if (max == GMI_PALLOC_SUM_MAX)
		return GMI_PALLOC_SUM_FULL;
	const uint64_t m = GMI_PALLOC_SUM_MAX - 1;
	return ((uint64_t)start & m) | (((uint64_t)max & m) << GMI_PALLOC_SUM_BITS) |
	       (((uint64_t)end & m) << (2 * GMI_PALLOC_SUM_BITS));
}

/* field k of s: 0 start, 1 max, 2 end */
static inline size_t gmi_pallocsum_field(gmi_pallocsum s, unsigned k)
{
	if (s & GMI_PALLOC_SUM_FULL)
		return GMI_PALLOC_SUM_MAX;
	return (size_t)((s >> (k * GMI_PALLOC_SUM_BITS)) & (GMI_PALLOC_SUM_MAX - 1));
}
static inline size_t gmi_pallocsum_start(gmi_pallocsum s) { return gmi_pallocsum_field(s, 0); }
static inline size_t gmi_pallocsum_max(gmi_pallocsum s) { return gmi_pallocsum_field(s, 1); }
static inline size_t gmi_pallocsum_end(gmi_pallocsum s) { return gmi_pallocsum_field(s, 2); }

/* ---- pallocData: one chunk's bitmaps (mpallocbits.go) --------------------
 *
 * inv:scav-free alloc & scav == 0, word by word: a page marked scavenged is
 *               free (allocating a page clears its scavenged bit, as Go's
 *               pallocData.allocRange). */
typedef struct gmi_pallocdata {
	uint64_t alloc[GMI_PALLOC_WORDS]; /* bit i: page i is allocated */
	uint64_t scav[GMI_PALLOC_WORDS];  /* bit i: page i was returned to the OS */
} gmi_pallocdata;

/* A range [base, limit) of grown address space (Go's addrRange). */
typedef struct gmi_addr_range {
	uintptr_t base, limit;
} gmi_addr_range;

/* ---- the page allocator ---------------------------------------------------
 *
 * Every field is protected by the heap lock.  Invariants (cited by tag in
 * pagealloc.c):
 *
 * inv:sum-leaf  summary[4][c] == summarize(chunk c) for every grown chunk c,
 *               and 0 for every chunk not grown whose summary is mapped.
 * inv:sum-up    summary[l][i] == merge(summary[l+1][8i .. 8i+7]) for l < 4.
 * inv:sum-map   the pages of summary[l] covering the block-aligned
 *               (8 entries; the whole root level) summary range of every
 *               grown range are mapped and marked in mapped[l].
 * inv:search    every grown page below search_addr is allocated, and
 *               search_addr is inside a grown range or is UINTPTR_MAX (no
 *               free page at all).
 * inv:scav-lim  every free page that is not scavenged lies below scav_limit.
 * inv:counts    free_pages == free pages of all grown chunks; scav_pages ==
 *               scavenged pages of all grown chunks (free by inv:scav-free).
 */
typedef struct gmi_pagealloc {
	gmi_pallocsum *summary[GMI_PALLOC_LEVELS]; /* level arrays, 0 = root */
	uint64_t *mapped[GMI_PALLOC_LEVELS];  /* bit per 4 KiB page of summary[l] */
	gmi_pallocdata **chunks;               /* L1: 2^13 pointers to L2 arrays */
	void *sum_reserved;                    /* the PROT_NONE reservation */
	size_t sum_reserved_bytes;
	void *meta;                            /* chunks L1 + mapped bitmaps */
	size_t meta_bytes;
	gmi_addr_range *in_use;                /* grown ranges, sorted, merged */
	size_t nin_use, cap_in_use;
	size_t start, end;                     /* grown chunk indices: [start, end) */
	uintptr_t search_addr;                 /* inv:search */
	uintptr_t scav_limit;                  /* inv:scav-lim */
	size_t free_pages, scav_pages;         /* inv:counts */
	size_t sys_bytes;                      /* metadata mapped */
} gmi_pagealloc;

/* Reserve the summary arrays; false if the OS refuses. */
bool gmi_pagealloc_init(gmi_pagealloc *p);
/* Give all metadata back to the OS. */
void gmi_pagealloc_destroy(gmi_pagealloc *p);
/* Add [base, base+size) (chunk multiples, already mapped) as free,
 * scavenged pages.  false if metadata could not be mapped; the heap is then
 * unchanged. */
bool gmi_pagealloc_grow(gmi_pagealloc *p, uintptr_t base, size_t size);
/* Lowest-address run of npages free pages, now allocated; 0 if none.
 * *scav: bytes of the run that were scavenged. */
uintptr_t gmi_pagealloc_alloc(gmi_pagealloc *p, size_t npages, size_t *scav);
/* Free npages allocated pages at base; they stay unscavenged. */
void gmi_pagealloc_free(gmi_pagealloc *p, uintptr_t base, size_t npages);
/* Release up to nbytes (rounded up to a page; SIZE_MAX: all) of free,
 * unscavenged pages to the OS, highest first, a run at a time.  lock is
 * NULL, or the lock the caller holds around the page allocator (the heap
 * lock): it is dropped while the OS releases each run, as Go's
 * scavengeOne drops mheapLock.  Returns bytes released. */
size_t gmi_pagealloc_scavenge(gmi_pagealloc *p, size_t nbytes, pthread_mutex_t *lock);
/* Its two halves (Go's scavengeOne): take marks the highest run of free,
 * unscavenged pages (at most max_pages, in one chunk) allocated, so that
 * no allocation gets it while the lock is dropped, and returns its base
 * (0: none) and *npages; done, once the OS released them
 * (gmi_os_unused), frees them as scavenged. */
uintptr_t gmi_pagealloc_scavenge_take(gmi_pagealloc *p, size_t max_pages, size_t *npages);
void gmi_pagealloc_scavenge_done(gmi_pagealloc *p, uintptr_t base, size_t npages);

size_t gmi_pagealloc_free_bytes(const gmi_pagealloc *p);
size_t gmi_pagealloc_scav_bytes(const gmi_pagealloc *p);
size_t gmi_pagealloc_sys_bytes(const gmi_pagealloc *p);

/* Recompute every summary and counter and compare; true when consistent.
 * The first difference found is printed to stderr. */
bool gmi_pagealloc_check(const gmi_pagealloc *p);
/* The page holding addr is grown and allocated. */
bool gmi_pagealloc_allocated(const gmi_pagealloc *p, uintptr_t addr);
/* The page holding addr is grown, free and scavenged. */
bool gmi_pagealloc_scavenged(const gmi_pagealloc *p, uintptr_t addr);

/* ---- bitmap operations on one chunk (pallocbits.c) ------------------------
 * Page indices are 0..511 within the chunk; bit i of word i/64 is page i. */

/* start/max/end of the free pages in an alloc bitmap (pallocBits.summarize) */
gmi_pallocsum gmi_pallocbits_summarize(const uint64_t *alloc);
/* Lowest index >= the word of `search` starting npages free pages, or
 * GMI_PALLOC_NONE; *first gets the first free page at or after that word
 * (pallocBits.find). */
unsigned gmi_pallocbits_find(const uint64_t *alloc, size_t npages,
			     unsigned search, unsigned *first);
void gmi_pallocbits_set_range(uint64_t *b, unsigned i, unsigned n);
void gmi_pallocbits_clear_range(uint64_t *b, unsigned i, unsigned n);
unsigned gmi_pallocbits_count_range(const uint64_t *b, unsigned i, unsigned n);
/* Mark [i, i+n) allocated and not scavenged; returns how many were
 * scavenged (pallocData.allocRange). */
unsigned gmi_pallocdata_alloc_range(gmi_pallocdata *c, unsigned i, unsigned n);
/* Highest run of free, unscavenged pages below page `limit`, cut to its top
 * `max` pages; returns its length (0: none) and its first page in *start
 * (findScavengeCandidate, mgcscavenge.go). */
unsigned gmi_pallocdata_find_scav(const gmi_pallocdata *c, unsigned limit,
				  size_t max, unsigned *start);

#endif

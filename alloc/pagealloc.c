/*
 * pagealloc.c — the page allocator (Go's pageAlloc, mpagealloc.go and
 * mpagealloc_64bit.go; the page-scavenging parts of mgcscavenge.go).
 *
 * Owns: which runtime pages (8 KiB) of the grown heap are free, which free
 * pages are scavenged (returned to the OS), and the metadata behind that.
 * It never touches heap memory itself except to madvise it away.  The mheap
 * (alloc/mheap.c) embeds it and calls it under the heap lock; the allocator
 * overview is at the top of alloc/malloc.c.
 *
 * Structures (pagealloc.h states the invariants):
 *   - chunks: a sparse two-level array (2^13 x 2^13) of gmi_pallocdata, one
 *     per 4 MiB chunk of the 48-bit address space: an alloc bitmap and a
 *     scavenged bitmap of 512 bits each.  An L2 array (1 MiB) is allocated
 *     the first time a chunk in its 32 GiB is grown (pageAlloc.chunks).
 *   - summary[0..4]: the radix tree, one flat array per level over the whole
 *     48-bit space.  summary[4][c] summarizes chunk c; summary[l][i] merges
 *     summary[l+1][8i .. 8i+7].  Level l's entry covers 2^(34-3l) bytes:
 *     16 GiB at the root (2^14 entries), then 2 GiB, 256 MiB, 32 MiB, 4 MiB
 *     (2^26 entries).  init reserves all five arrays as one PROT_NONE
 *     range (585 MiB of address space: 128 KiB + 1 + 8 + 64 + 512 MiB);
 *     grow maps the 4 KiB pages that the grown range's summaries fall in,
 *     widened to whole blocks of 8 siblings (the whole root level), and
 *     records them in mapped[] (sysInit / sysGrow).
 *   - in_use: the grown ranges, sorted (pageAlloc.inUse).
 *   - search_addr: no free page below it (pageAlloc.searchAddr);
 *     scav_limit: no dirty free page above it (scavengeIndex's searchAddr).
 *
 * Allocation of npages (pageAlloc.alloc / find):
 *   1. If the chunk holding search_addr can hold the run (its summary's max
 *      >= npages and the run fits above search_addr), search that bitmap
 *      from search_addr and go to 4.
 *   2. Otherwise walk the tree from the root.  At each level scan the 8
 *      children of the entry chosen above (the whole root level at the top,
 *      starting at search_addr's entry when on its path): a run that ends in
 *      earlier children's `end` and continues through fully free children
 *      into this child's `start` is the answer; otherwise descend into the
 *      first child whose `max` is big enough.
 *   3. At a leaf, search that chunk's bitmap.
 *   4. Mark the run allocated (and unscavenged), recompute the leaf
 *      summaries it touched and merge upward while summaries change; raise
 *      search_addr to the first free address the search saw.
 * Free clears the bits, updates the summaries the same way and lowers
 * search_addr.  Grow is a free of fresh, scavenged chunks.  Scavenging walks
 * grown chunks downward from scav_limit, releasing the highest dirty free
 * runs of each with gmi_os_unused.
 */
#include "alloc/pagealloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/os.h"
#include "alloc/panic.h"
#include "alloc/sizeclass.h"

#ifndef GMI_PAGE_SHIFT
#define GMI_PAGE_SHIFT 13 /* 8 KiB runtime pages (_PageShift, malloc.go) */
#endif
#ifndef GMI_PAGE_SIZE
#define GMI_PAGE_SIZE ((size_t)1 << GMI_PAGE_SHIFT)
#endif

#define LEAF (GMI_PALLOC_LEVELS - 1)
#define PAGE_BYTES ((uintptr_t)GMI_PAGE_SIZE)
#define ADDR_LIMIT ((uintptr_t)1 << GMI_PALLOC_ADDR_BITS)
#define L2_ENTRIES ((size_t)1 << GMI_PALLOC_CHUNKS_L2_BITS)
#define L1_ENTRIES ((size_t)1 << GMI_PALLOC_CHUNKS_L1_BITS)
#define L2_BYTES (L2_ENTRIES * sizeof(gmi_pallocdata)) /* 1 MiB */
/* summary bytes per 4 KiB page: the unit mapped[] tracks */
#define SUMS_PER_PAGE (GMI_PHYS_PAGE_SIZE / sizeof(gmi_pallocsum))
/* search_addr when no page is free (maxSearchAddr) */
#define NO_SEARCH UINTPTR_MAX
/* initial capacity of in_use: one 4 KiB page of ranges */
#define IN_USE_INITIAL (GMI_PHYS_PAGE_SIZE / sizeof(gmi_addr_range))

/* ---- geometry (levelBits, levelShift, levelLogPages) --------------------- */

static unsigned level_bits(int l) { return l == 0 ? GMI_PALLOC_L0_BITS : GMI_PALLOC_LEVEL_BITS; }

/* an address >> level_shift(l) is its entry index at level l */
static unsigned level_shift(int l)
{
	return GMI_PALLOC_CHUNK_SHIFT + (unsigned)(LEAF - l) * GMI_PALLOC_LEVEL_BITS;
}
static unsigned level_log_pages(int l) { return level_shift(l) - GMI_PAGE_SHIFT; }
static size_t level_entries(int l) { return (size_t)1 << (GMI_PALLOC_ADDR_BITS - level_shift(l)); }
/* 4 KiB pages of summary array l */
static size_t level_pages(int l) { return level_entries(l) / SUMS_PER_PAGE; }

static size_t chunk_index(uintptr_t a) { return a >> GMI_PALLOC_CHUNK_SHIFT; }
static uintptr_t chunk_base(size_t ci) { return (uintptr_t)ci << GMI_PALLOC_CHUNK_SHIFT; }
static unsigned chunk_page(uintptr_t a) { return (unsigned)((a >> GMI_PAGE_SHIFT) % GMI_PALLOC_CHUNK_PAGES); }

static gmi_pallocdata *chunk_of(const gmi_pagealloc *p, size_t ci)
{
	return &p->chunks[ci >> GMI_PALLOC_CHUNKS_L2_BITS][ci & (L2_ENTRIES - 1)];
}

static gmi_pallocsum free_chunk_sum(void)
{
	return gmi_pallocsum_pack(GMI_PALLOC_CHUNK_PAGES, GMI_PALLOC_CHUNK_PAGES,
				  GMI_PALLOC_CHUNK_PAGES);
}

/* Go's throw: internal corruption or misuse by the mheap. */
static _Noreturn void palloc_throw(const char *what, uintptr_t a, uintptr_t b)
{
	gmi_throw("pagealloc: %s (%#lx, %#lx)", what, (unsigned long)a, (unsigned long)b);
}

/* Go's mergeSummaries: fold n summaries of regions of 2^logpages pages. */
static gmi_pallocsum sum_merge(const gmi_pallocsum *s, size_t n, unsigned logpages)
{
	size_t whole = (size_t)1 << logpages;
	size_t start = gmi_pallocsum_start(s[0]), max = gmi_pallocsum_max(s[0]);
	size_t end = gmi_pallocsum_end(s[0]);
	for (size_t k = 1; k < n; k++) {
		size_t ks = gmi_pallocsum_start(s[k]), km = gmi_pallocsum_max(s[k]);
		size_t ke = gmi_pallocsum_end(s[k]);
		if (start == k * whole) /* everything so far is free */
			start += ks;
		if (end + ks > max)
			max = end + ks;
		if (km > max)
			max = km;
		end = ke == whole ? end + whole : ke;
	}
	return gmi_pallocsum_pack(start, max, end);
}

/* ---- grown ranges (Go's addrRanges) ------------------------------------- */

/* number of ranges whose base is <= a */
static size_t in_use_upper(const gmi_pagealloc *p, uintptr_t a)
{
	size_t lo = 0, hi = p->nin_use;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->in_use[mid].base <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool in_use_contains(const gmi_pagealloc *p, uintptr_t a)
{
	size_t k = in_use_upper(p, a);
	return k > 0 && a < p->in_use[k - 1].limit;
}

/* the lowest grown address >= a, or NO_SEARCH */
static uintptr_t in_use_ceil(const gmi_pagealloc *p, uintptr_t a)
{
	size_t k = in_use_upper(p, a);
	if (k > 0 && a < p->in_use[k - 1].limit)
		return a;
	return k < p->nin_use ? p->in_use[k].base : NO_SEARCH;
}

/* room for one more range; false (nothing changed) if the OS refuses */
static bool in_use_reserve(gmi_pagealloc *p)
{
	if (p->nin_use < p->cap_in_use)
		return true;
	size_t cap = p->cap_in_use * 2;
	gmi_addr_range *r = gmi_os_alloc(cap * sizeof *r);
	if (r == NULL)
		return false;
	memcpy(r, p->in_use, p->nin_use * sizeof *r);
	gmi_os_free(p->in_use, p->cap_in_use * sizeof *r);
	p->sys_bytes += (cap - p->cap_in_use) * sizeof *r;
	p->in_use = r;
	p->cap_in_use = cap;
	return true;
}

/* insert [base, limit), merging with touching neighbours (addrRanges.add) */
static void in_use_add(gmi_pagealloc *p, uintptr_t base, uintptr_t limit)
{
	size_t k = in_use_upper(p, base);
	bool join_lo = k > 0 && p->in_use[k - 1].limit == base;
	bool join_hi = k < p->nin_use && p->in_use[k].base == limit;
	if (join_lo && join_hi) {
		p->in_use[k - 1].limit = p->in_use[k].limit;
		memmove(&p->in_use[k], &p->in_use[k + 1],
			(p->nin_use - k - 1) * sizeof p->in_use[0]);
		p->nin_use--;
	} else if (join_lo) {
		p->in_use[k - 1].limit = limit;
	} else if (join_hi) {
		p->in_use[k].base = base;
	} else {
		memmove(&p->in_use[k + 1], &p->in_use[k],
			(p->nin_use - k) * sizeof p->in_use[0]);
		p->in_use[k] = (gmi_addr_range){base, limit};
		p->nin_use++;
	}
}

/* ---- init / destroy (sysInit) ------------------------------------------- */

bool gmi_pagealloc_init(gmi_pagealloc *p)
{
	memset(p, 0, sizeof *p);
	size_t sum_bytes = 0, map_words = 0;
	for (int l = 0; l < GMI_PALLOC_LEVELS; l++) {
		sum_bytes += level_entries(l) * sizeof(gmi_pallocsum);
		map_words += (level_pages(l) + 63) / 64;
	}
	size_t meta = L1_ENTRIES * sizeof(gmi_pallocdata *) + map_words * sizeof(uint64_t);
	meta = (meta + GMI_PHYS_PAGE_SIZE - 1) & ~(GMI_PHYS_PAGE_SIZE - 1);
	p->sum_reserved = gmi_os_reserve(NULL, sum_bytes, 0);
	p->meta = gmi_os_alloc(meta);
	p->in_use = gmi_os_alloc(IN_USE_INITIAL * sizeof(gmi_addr_range));
	if (p->sum_reserved == NULL || p->meta == NULL || p->in_use == NULL) {
		gmi_os_free(p->sum_reserved, sum_bytes);
		gmi_os_free(p->meta, meta);
		gmi_os_free(p->in_use, IN_USE_INITIAL * sizeof(gmi_addr_range));
		memset(p, 0, sizeof *p);
		return false;
	}
	p->sum_reserved_bytes = sum_bytes;
	p->meta_bytes = meta;
	p->cap_in_use = IN_USE_INITIAL;
	p->chunks = p->meta;
	uint64_t *words = (uint64_t *)(p->chunks + L1_ENTRIES);
	char *sums = p->sum_reserved;
	for (int l = 0; l < GMI_PALLOC_LEVELS; l++) {
		p->summary[l] = (gmi_pallocsum *)sums;
		sums += level_entries(l) * sizeof(gmi_pallocsum);
		p->mapped[l] = words;
		words += (level_pages(l) + 63) / 64;
	}
	p->sys_bytes = meta + IN_USE_INITIAL * sizeof(gmi_addr_range);
	p->search_addr = NO_SEARCH;
	return true;
}

void gmi_pagealloc_destroy(gmi_pagealloc *p)
{
	if (p->chunks != NULL) {
		for (size_t i = 0; i < L1_ENTRIES; i++)
			gmi_os_free(p->chunks[i], L2_BYTES);
	}
	gmi_os_free(p->meta, p->meta_bytes);
	gmi_os_free(p->in_use, p->cap_in_use * sizeof(gmi_addr_range));
	gmi_os_free(p->sum_reserved, p->sum_reserved_bytes);
	memset(p, 0, sizeof *p);
}

/* ---- grow (grow, sysGrow) ----------------------------------------------- */

/* entries [*lo, *hi) of level l for addresses [base, limit), widened to
 * whole blocks of siblings (addrsToSummaryRange + blockAlignSummaryRange) */
static void block_range(int l, uintptr_t base, uintptr_t limit, size_t *lo, size_t *hi)
{
	size_t block = (size_t)1 << level_bits(l);
	*lo = (base >> level_shift(l)) & ~(block - 1);
	*hi = ((((limit - 1) >> level_shift(l)) + 1) + block - 1) & ~(block - 1);
}

static bool page_mapped(const gmi_pagealloc *p, int l, size_t pg)
{
	return (p->mapped[l][pg / 64] >> (pg % 64)) & 1;
}

/* Map the pages of summary[l] that [base, limit) needs (inv:sum-map).  On
 * failure the pages already mapped stay mapped and recorded. */
static bool sum_map_level(gmi_pagealloc *p, int l, uintptr_t base, uintptr_t limit)
{
	size_t lo, hi;
	block_range(l, base, limit, &lo, &hi);
	size_t pg = lo / SUMS_PER_PAGE, pg_end = (hi + SUMS_PER_PAGE - 1) / SUMS_PER_PAGE;
	while (pg < pg_end) {
		if (page_mapped(p, l, pg)) {
			pg++;
			continue;
		}
		size_t run = pg;
		while (run < pg_end && !page_mapped(p, l, run))
			run++;
		if (!gmi_os_map((char *)(p->summary[l] + pg * SUMS_PER_PAGE),
				(run - pg) * GMI_PHYS_PAGE_SIZE))
			return false;
		p->sys_bytes += (run - pg) * GMI_PHYS_PAGE_SIZE;
		for (; pg < run; pg++)
			p->mapped[l][pg / 64] |= (uint64_t)1 << (pg % 64);
	}
	return true;
}

/* Free the L2 arrays over chunks [sc, ec) that hold no grown chunk: the
 * ones a failing grow allocated. */
static void chunks_release_unused(gmi_pagealloc *p, size_t sc, size_t ec)
{
	for (size_t i = sc >> GMI_PALLOC_CHUNKS_L2_BITS;
	     i <= (ec - 1) >> GMI_PALLOC_CHUNKS_L2_BITS; i++) {
		uintptr_t lo = chunk_base(i << GMI_PALLOC_CHUNKS_L2_BITS);
		size_t k = in_use_upper(p, lo + L2_ENTRIES * GMI_PALLOC_CHUNK_BYTES - 1);
		if (p->chunks[i] == NULL || (k > 0 && p->in_use[k - 1].limit > lo))
			continue;
		gmi_os_free(p->chunks[i], L2_BYTES);
		p->chunks[i] = NULL;
		p->sys_bytes -= L2_BYTES;
	}
}

/* Allocate the missing L2 arrays for chunks [sc, ec); false (and none of
 * them kept) if the OS refuses. */
static bool chunks_alloc(gmi_pagealloc *p, size_t sc, size_t ec)
{
	for (size_t i = sc >> GMI_PALLOC_CHUNKS_L2_BITS;
	     i <= (ec - 1) >> GMI_PALLOC_CHUNKS_L2_BITS; i++) {
		if (p->chunks[i] != NULL)
			continue;
		p->chunks[i] = gmi_os_alloc(L2_BYTES);
		if (p->chunks[i] == NULL) {
			chunks_release_unused(p, sc, ec);
			return false;
		}
		p->sys_bytes += L2_BYTES;
	}
	return true;
}

static void palloc_update(gmi_pagealloc *p, uintptr_t base, size_t npages, bool alloc);

static void grow_validate(const gmi_pagealloc *p, uintptr_t base, size_t size)
{
	if (size == 0 || base % GMI_PALLOC_CHUNK_BYTES != 0 ||
	    size % GMI_PALLOC_CHUNK_BYTES != 0 || base == 0 || base >= ADDR_LIMIT ||
	    size > ADDR_LIMIT - base)
		palloc_throw("grow: range not chunk-aligned inside the address space", base, size);
	size_t k = in_use_upper(p, base + size - 1);
	if (k > 0 && p->in_use[k - 1].limit > base)
		palloc_throw("grow: range overlaps a grown range", base, size);
}

bool gmi_pagealloc_grow(gmi_pagealloc *p, uintptr_t base, size_t size)
{
	grow_validate(p, base, size);
	uintptr_t limit = base + size;
	size_t sc = chunk_index(base), ec = chunk_index(limit);
	if (!in_use_reserve(p) || !chunks_alloc(p, sc, ec))
		return false;
	for (int l = LEAF; l >= 0; l--) {
		if (!sum_map_level(p, l, base, limit)) {
			chunks_release_unused(p, sc, ec);
			return false;
		}
	}
	if (p->nin_use == 0 || sc < p->start)
		p->start = sc;
	if (ec > p->end)
		p->end = ec;
	in_use_add(p, base, limit);
	if (base < p->search_addr) /* as a free */
		p->search_addr = base;
	for (size_t c = sc; c < ec; c++) {
		gmi_pallocdata *d = chunk_of(p, c);
		memset(d->alloc, 0, sizeof d->alloc);
		memset(d->scav, 0xff, sizeof d->scav); /* fresh memory is scavenged */
	}
	size_t npages = size / GMI_PAGE_SIZE;
	p->free_pages += npages;
	p->scav_pages += npages;
	palloc_update(p, base, npages, false);
	return true;
}

/* ---- summaries (update) ------------------------------------------------- */

/* Recompute the summaries over [base, base + npages pages) after its pages
 * were all allocated (alloc) or all freed: the end chunks from their
 * bitmaps, the chunks between wholesale, then each level above from its
 * children until a level does not change (inv:sum-leaf, inv:sum-up). */
static void palloc_update(gmi_pagealloc *p, uintptr_t base, size_t npages, bool alloc)
{
	uintptr_t last = base + npages * PAGE_BYTES - 1;
	size_t sc = chunk_index(base), ec = chunk_index(last);
	gmi_pallocsum *leaf = p->summary[LEAF];
	gmi_pallocsum first = gmi_pallocbits_summarize(chunk_of(p, sc)->alloc);
	if (sc == ec && leaf[sc] == first)
		return;
	leaf[sc] = first;
	gmi_pallocsum whole = alloc ? 0 : free_chunk_sum();
	for (size_t c = sc + 1; c < ec; c++)
		leaf[c] = whole;
	if (ec != sc)
		leaf[ec] = gmi_pallocbits_summarize(chunk_of(p, ec)->alloc);

	bool changed = true;
	for (int l = LEAF - 1; l >= 0 && changed; l--) {
		changed = false;
		unsigned cbits = level_bits(l + 1);
		for (size_t i = base >> level_shift(l); i <= last >> level_shift(l); i++) {
			gmi_pallocsum s = sum_merge(&p->summary[l + 1][i << cbits],
						    (size_t)1 << cbits, level_log_pages(l + 1));
			if (s != p->summary[l][i]) {
				p->summary[l][i] = s;
				changed = true;
			}
		}
	}
}

/* ---- allocation (alloc, find, allocRange) ------------------------------- */

/* Mark [base, base + npages pages) allocated; returns its scavenged pages. */
static size_t alloc_range(gmi_pagealloc *p, uintptr_t base, size_t npages)
{
	size_t scav = 0;
	uintptr_t a = base, limit = base + npages * PAGE_BYTES;
	while (a < limit) {
		unsigned i = chunk_page(a);
		size_t n = GMI_PALLOC_CHUNK_PAGES - i;
		if (n > (limit - a) / PAGE_BYTES)
			n = (limit - a) / PAGE_BYTES;
		scav += gmi_pallocdata_alloc_range(chunk_of(p, chunk_index(a)), i, (unsigned)n);
		a += n * PAGE_BYTES;
	}
	palloc_update(p, base, npages, true);
	p->free_pages -= npages;
	p->scav_pages -= scav;
	return scav;
}

/* Go's find's firstFree: the narrowest window [base, bound] known to hold
 * the first free page; narrowed only by windows that nest in it. */
typedef struct first_free {
	uintptr_t base, bound;
} first_free;

static void found_free(first_free *ff, uintptr_t addr, uintptr_t size)
{
	if (ff->base <= addr && addr + size - 1 <= ff->bound) {
		ff->base = addr;
		ff->bound = addr + size - 1;
	}
}

/* One level of find: scan entries [j0, n) of the block starting at index i.
 * Returns true with *run_base (page offset from the block's first page)
 * when a run straddling entries fits; sets *descend when entry *descend of
 * the block holds the run inside it. */
static bool find_in_block(const gmi_pagealloc *p, int l, size_t i, size_t j0, size_t n,
			  size_t npages, first_free *ff, size_t *run_base, size_t *descend)
{
	size_t logp = level_log_pages(l), whole = (size_t)1 << logp;
	size_t base = 0, size = 0; /* current candidate run, in pages */
	*descend = SIZE_MAX;
	for (size_t j = j0; j < n; j++) {
		gmi_pallocsum s = p->summary[l][i + j];
		if (s == 0) { /* no free page: the run breaks */
			size = 0;
			continue;
		}
		found_free(ff, (uintptr_t)(i + j) << level_shift(l), (uintptr_t)1 << level_shift(l));
		size_t st = gmi_pallocsum_start(s);
		if (size + st >= npages) {
			if (size == 0)
				base = j << logp;
			*run_base = base;
			return true;
		}
		if (gmi_pallocsum_max(s) >= npages) {
			*descend = j;
			return false;
		}
		if (size == 0 || st < whole) { /* start a new run at the top */
			size = gmi_pallocsum_end(s);
			base = ((j + 1) << logp) - size;
		} else {
			size += whole; /* the whole entry is free: extend */
		}
	}
	return false;
}

/* Go's pageAlloc.find: the radix-tree walk (steps 2 and 3 of the design
 * comment).  Returns the run's address or 0; *hint gets a new search_addr
 * candidate inside a grown range. */
static uintptr_t palloc_find(const gmi_pagealloc *p, size_t npages, uintptr_t *hint)
{
	first_free ff = {0, ADDR_LIMIT - 1};
	size_t i = 0, run_base, j;
	for (int l = 0; l < GMI_PALLOC_LEVELS; l++) {
		size_t n = (size_t)1 << level_bits(l);
		i <<= level_bits(l);
		if (l == 0) /* the root entries past the last grown chunk are 0 */
			n = ((chunk_base(p->end) - 1) >> level_shift(0)) + 1;
		size_t j0 = 0, sidx = p->search_addr >> level_shift(l);
		if ((sidx & ~(((size_t)1 << level_bits(l)) - 1)) == i)
			j0 = sidx & (((size_t)1 << level_bits(l)) - 1);
		if (find_in_block(p, l, i, j0, n, npages, &ff, &run_base, &j)) {
			*hint = in_use_ceil(p, ff.base);
			return ((uintptr_t)i << level_shift(l)) + run_base * PAGE_BYTES;
		}
		if (j == SIZE_MAX) {
			if (l == 0)
				return 0; /* the heap has no such run */
			palloc_throw("find: summary promised a run its children lack", i, l);
		}
		i += j;
	}
	unsigned first, k = gmi_pallocbits_find(chunk_of(p, i)->alloc, npages, 0, &first);
	if (k == GMI_PALLOC_NONE)
		palloc_throw("find: leaf summary promised a run the bitmap lacks", chunk_base(i), npages);
	uintptr_t ffa = chunk_base(i) + (uintptr_t)first * PAGE_BYTES;
	found_free(&ff, ffa, chunk_base(i + 1) - ffa);
	*hint = in_use_ceil(p, ff.base);
	return chunk_base(i) + (uintptr_t)k * PAGE_BYTES;
}

uintptr_t gmi_pagealloc_alloc(gmi_pagealloc *p, size_t npages, size_t *scav)
{
	*scav = 0;
	if (npages == 0)
		palloc_throw("alloc: zero pages", 0, 0);
	if (p->search_addr == NO_SEARCH || chunk_index(p->search_addr) >= p->end)
		return 0;
	uintptr_t addr, hint;
	size_t ci = chunk_index(p->search_addr);
	unsigned si = chunk_page(p->search_addr);
	if (npages <= GMI_PALLOC_CHUNK_PAGES - si &&
	    gmi_pallocsum_max(p->summary[LEAF][ci]) >= npages) {
		/* step 1: inv:search says search_addr's chunk is grown */
		unsigned first, k = gmi_pallocbits_find(chunk_of(p, ci)->alloc, npages, si, &first);
		if (k == GMI_PALLOC_NONE)
			palloc_throw("alloc: leaf summary promised a run the bitmap lacks",
				     p->search_addr, npages);
		addr = chunk_base(ci) + (uintptr_t)k * PAGE_BYTES;
		hint = chunk_base(ci) + (uintptr_t)first * PAGE_BYTES;
	} else {
		addr = palloc_find(p, npages, &hint);
		if (addr == 0) {
			if (npages == 1) /* not even one page: the heap is full */
				p->search_addr = NO_SEARCH;
			return 0;
		}
	}
	*scav = alloc_range(p, addr, npages) * GMI_PAGE_SIZE;
	if (hint > p->search_addr)
		p->search_addr = hint;
	return addr;
}

/* ---- free ---------------------------------------------------------------- */

void gmi_pagealloc_free(gmi_pagealloc *p, uintptr_t base, size_t npages)
{
	uintptr_t limit = base + npages * PAGE_BYTES;
	size_t k = in_use_upper(p, base);
	if (npages == 0 || base % PAGE_BYTES != 0 || k == 0 ||
	    limit > p->in_use[k - 1].limit || limit <= base)
		palloc_throw("free: range not inside a grown range", base, npages);
	for (uintptr_t a = base; a < limit;) {
		unsigned i = chunk_page(a);
		size_t n = GMI_PALLOC_CHUNK_PAGES - i;
		if (n > (limit - a) / PAGE_BYTES)
			n = (limit - a) / PAGE_BYTES;
		gmi_pallocdata *d = chunk_of(p, chunk_index(a));
		if (gmi_pallocbits_count_range(d->alloc, i, (unsigned)n) != n)
			palloc_throw("free: page already free", a, npages);
		gmi_pallocbits_clear_range(d->alloc, i, (unsigned)n);
		a += n * PAGE_BYTES;
	}
	palloc_update(p, base, npages, false);
	p->free_pages += npages;
	if (base < p->search_addr)
		p->search_addr = base; /* inv:search */
	if (limit > p->scav_limit)
		p->scav_limit = limit; /* inv:scav-lim: the pages are dirty */
}

/* ---- scavenging (mgcscavenge.go) ----------------------------------------- */

/*
 * Go's scavengeOne in two halves, so that the heap lock is not held while
 * the OS releases the pages (Go 1.19 mgcscavenge.go: "Mark the range we're
 * about to scavenge as allocated, because we don't want any allocating
 * goroutines to grab it while the scavenging is in progress", then unlock,
 * sysUnused, relock, free).  Held across madvise, the lock made allocating
 * threads wait 12 us and more per 64 KiB, and the TLB shootdowns more on
 * a busy 2-vCPU machine, while a stop of the world waited for them.
 */
uintptr_t gmi_pagealloc_scavenge_take(gmi_pagealloc *p, size_t max_pages, size_t *npages)
{
	*npages = 0;
	if (max_pages == 0)
		return 0;
	size_t k = p->scav_limit == 0 ? 0 : in_use_upper(p, p->scav_limit - 1);
	for (; k > 0; k--) {
		const gmi_addr_range r = p->in_use[k - 1];
		uintptr_t top = p->scav_limit < r.limit ? p->scav_limit : r.limit;
		for (size_t ci = chunk_index(top - 1) + 1; ci-- > chunk_index(r.base);) {
			unsigned start;
			unsigned n = gmi_pallocsum_max(p->summary[LEAF][ci]) == 0 ? 0 :
				gmi_pallocdata_find_scav(chunk_of(p, ci), GMI_PALLOC_CHUNK_PAGES,
							 max_pages, &start);
			if (n != 0) {
				uintptr_t base = chunk_base(ci) + (uintptr_t)start * PAGE_BYTES;
				alloc_range(p, base, n); /* dirty pages: no scavenged one */
				*npages = n;
				return base; /* ci may hold more below it */
			}
			p->scav_limit = chunk_base(ci); /* inv:scav-lim */
		}
	}
	p->scav_limit = 0; /* nothing dirty is left anywhere */
	return 0;
}

void gmi_pagealloc_scavenge_done(gmi_pagealloc *p, uintptr_t base, size_t npages)
{
	uintptr_t lim = p->scav_limit; /* may have risen while the lock was dropped */
	gmi_pagealloc_free(p, base, npages);
	gmi_pallocbits_set_range(chunk_of(p, chunk_index(base))->scav, chunk_page(base),
				 (unsigned)npages);
	p->scav_pages += npages;
	p->scav_limit = lim; /* inv:scav-lim: these pages are clean */
}

size_t gmi_pagealloc_scavenge(gmi_pagealloc *p, size_t nbytes, pthread_mutex_t *lock)
{
	/* Go rounds the request up to whole pages (scavengeOne) */
	size_t budget = nbytes / GMI_PAGE_SIZE + (nbytes % GMI_PAGE_SIZE != 0);
	size_t done = 0, n;
	while (done < budget) {
		uintptr_t base = gmi_pagealloc_scavenge_take(p, budget - done, &n);
		if (base == 0)
			break;
		if (lock != NULL)
			pthread_mutex_unlock(lock);
		gmi_os_unused((void *)base, n * GMI_PAGE_SIZE);
		if (lock != NULL)
			pthread_mutex_lock(lock);
		gmi_pagealloc_scavenge_done(p, base, n);
		done += n;
	}
	return done * GMI_PAGE_SIZE;
}

/* ---- counters and queries ------------------------------------------------ */

size_t gmi_pagealloc_free_bytes(const gmi_pagealloc *p) { return p->free_pages * GMI_PAGE_SIZE; }
size_t gmi_pagealloc_scav_bytes(const gmi_pagealloc *p) { return p->scav_pages * GMI_PAGE_SIZE; }
size_t gmi_pagealloc_sys_bytes(const gmi_pagealloc *p) { return p->sys_bytes; }

static bool page_bit(const uint64_t *b, unsigned i) { return (b[i / 64] >> (i % 64)) & 1; }

bool gmi_pagealloc_allocated(const gmi_pagealloc *p, uintptr_t addr)
{
	if (!in_use_contains(p, addr))
		return false;
	return page_bit(chunk_of(p, chunk_index(addr))->alloc, chunk_page(addr));
}

bool gmi_pagealloc_scavenged(const gmi_pagealloc *p, uintptr_t addr)
{
	if (!in_use_contains(p, addr))
		return false;
	return page_bit(chunk_of(p, chunk_index(addr))->scav, chunk_page(addr));
}

/* ---- consistency check ---------------------------------------------------- */

static bool check_fail(const char *what, size_t a, size_t b)
{
	fprintf(stderr, "gomem: pagealloc check: %s (0x%zx, 0x%zx)\n", what, a, b);
	return false;
}

/* pages of chunk ci below address a (0..512) */
static unsigned pages_below(size_t ci, uintptr_t a)
{
	if (a <= chunk_base(ci))
		return 0;
	if (a >= chunk_base(ci + 1))
		return GMI_PALLOC_CHUNK_PAGES;
	return chunk_page(a);
}

/* inv:scav-free, inv:search and inv:scav-lim for chunk ci, and its counts */
static bool check_chunk(const gmi_pagealloc *p, size_t ci, size_t *nfree, size_t *nscav)
{
	const gmi_pallocdata *d = chunk_of(p, ci);
	uint64_t dirty[GMI_PALLOC_WORDS];
	for (unsigned w = 0; w < GMI_PALLOC_WORDS; w++) {
		if (d->alloc[w] & d->scav[w])
			return check_fail("inv:scav-free: allocated page marked scavenged", ci, w);
		*nfree += 64 - (size_t)__builtin_popcountll(d->alloc[w]);
		*nscav += (size_t)__builtin_popcountll(d->scav[w]);
		dirty[w] = ~(d->alloc[w] | d->scav[w]);
	}
	unsigned below = pages_below(ci, p->search_addr);
	if (gmi_pallocbits_count_range(d->alloc, 0, below) != below)
		return check_fail("inv:search: free page below search_addr", ci, p->search_addr);
	unsigned clean = pages_below(ci, p->scav_limit);
	if (gmi_pallocbits_count_range(dirty, clean, GMI_PALLOC_CHUNK_PAGES - clean) != 0)
		return check_fail("inv:scav-lim: dirty page above scav_limit", ci, p->scav_limit);
	if (p->summary[LEAF][ci] != gmi_pallocbits_summarize(d->alloc))
		return check_fail("inv:sum-leaf: leaf summary differs from bitmap", ci,
				  p->summary[LEAF][ci]);
	return true;
}

/* inv:sum-map, inv:sum-leaf (chunks not grown) and inv:sum-up for the
 * summaries over grown range r */
static bool check_levels(const gmi_pagealloc *p, gmi_addr_range r)
{
	for (int l = LEAF; l >= 0; l--) {
		size_t lo, hi;
		block_range(l, r.base, r.limit, &lo, &hi);
		for (size_t pg = lo / SUMS_PER_PAGE; pg * SUMS_PER_PAGE < hi; pg++)
			if (!page_mapped(p, l, pg))
				return check_fail("inv:sum-map: summary page not mapped", (size_t)l, pg);
		if (l == 0) { /* the root block is the whole level: just r's part */
			lo = r.base >> level_shift(0);
			hi = ((r.limit - 1) >> level_shift(0)) + 1;
		}
		for (size_t i = lo; i < hi; i++) {
			gmi_pallocsum want;
			if (l == LEAF) {
				if (in_use_contains(p, chunk_base(i)))
					continue; /* check_chunk did it */
				want = 0;
			} else {
				unsigned cb = level_bits(l + 1);
				want = sum_merge(&p->summary[l + 1][i << cb], (size_t)1 << cb,
						 level_log_pages(l + 1));
			}
			if (p->summary[l][i] != want)
				return check_fail(l == LEAF ? "inv:sum-leaf: chunk not grown has a summary"
							    : "inv:sum-up: summary differs from its children",
						  (size_t)l, i);
		}
	}
	return true;
}

static size_t check_sys_bytes(const gmi_pagealloc *p)
{
	size_t sys = p->meta_bytes + p->cap_in_use * sizeof(gmi_addr_range);
	for (size_t i = 0; i < L1_ENTRIES; i++)
		sys += p->chunks[i] != NULL ? L2_BYTES : 0;
	for (int l = 0; l < GMI_PALLOC_LEVELS; l++)
		for (size_t w = 0; w < (level_pages(l) + 63) / 64; w++)
			sys += (size_t)__builtin_popcountll(p->mapped[l][w]) * GMI_PHYS_PAGE_SIZE;
	return sys;
}

bool gmi_pagealloc_check(const gmi_pagealloc *p)
{
	size_t nfree = 0, nscav = 0;
	for (size_t k = 0; k < p->nin_use; k++) {
		gmi_addr_range r = p->in_use[k];
		if (k > 0 && p->in_use[k - 1].limit >= r.base)
			return check_fail("in_use not sorted and merged", k, r.base);
		for (size_t ci = chunk_index(r.base); ci < chunk_index(r.limit); ci++)
			if (!check_chunk(p, ci, &nfree, &nscav))
				return false;
		if (!check_levels(p, r))
			return false;
	}
	if (p->search_addr != NO_SEARCH && !in_use_contains(p, p->search_addr))
		return check_fail("inv:search: search_addr outside the grown ranges",
				  p->search_addr, 0);
	if (nfree != p->free_pages || nscav != p->scav_pages)
		return check_fail("inv:counts: free or scavenged pages miscounted",
				  nfree, nscav);
	if (check_sys_bytes(p) != p->sys_bytes)
		return check_fail("sys_bytes miscounted", check_sys_bytes(p), p->sys_bytes);
	return true;
}

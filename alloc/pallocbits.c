/*
 * pallocbits.c — the bitmap of one 4 MiB chunk (512 pages): summarize it,
 * find a free run in it, find a run to scavenge in it.
 *
 * Owns: nothing but functions over gmi_pallocdata (pagealloc.h); the page
 * allocator that calls them is described at the top of alloc/pagealloc.c.
 * Go counterpart: mpallocbits.go (pallocBits.summarize, find, findSmallN,
 * findLargeN, findBitRange64) and findScavengeCandidate in mgcscavenge.go.
 *
 * Everything works a 64-bit word at a time: in the alloc bitmap a 1 is an
 * allocated page, so the free pages at the bottom of a word are its trailing
 * zeros and those at its top its leading zeros; runs inside a word are found
 * by and-ing the word's complement with shifted copies of itself.
 */
#include "alloc/pagealloc.h"

#define ONES (~(uint64_t)0)

static unsigned ctz64(uint64_t x) { return x ? (unsigned)__builtin_ctzll(x) : 64; }
static unsigned clz64(uint64_t x) { return x ? (unsigned)__builtin_clzll(x) : 64; }

/* bits of word w that lie in page range [i, i+n) */
static uint64_t range_mask(unsigned w, unsigned i, unsigned n)
{
	unsigned lo = i > w * 64 ? i - w * 64 : 0;
	unsigned hi = i + n < w * 64 + 64 ? i + n - w * 64 : 64;
	uint64_t upto = hi == 64 ? ONES : ((uint64_t)1 << hi) - 1;
	return upto & ~(((uint64_t)1 << lo) - 1);
}

void gmi_pallocbits_set_range(uint64_t *b, unsigned i, unsigned n)
{
	for (unsigned w = i / 64; n > 0 && w <= (i + n - 1) / 64; w++)
		b[w] |= range_mask(w, i, n);
}

void gmi_pallocbits_clear_range(uint64_t *b, unsigned i, unsigned n)
{
	for (unsigned w = i / 64; n > 0 && w <= (i + n - 1) / 64; w++)
		b[w] &= ~range_mask(w, i, n);
}

unsigned gmi_pallocbits_count_range(const uint64_t *b, unsigned i, unsigned n)
{
	unsigned c = 0;
	for (unsigned w = i / 64; n > 0 && w <= (i + n - 1) / 64; w++)
		c += (unsigned)__builtin_popcountll(b[w] & range_mask(w, i, n));
	return c;
}

unsigned gmi_pallocdata_alloc_range(gmi_pallocdata *c, unsigned i, unsigned n)
{
	unsigned scav = gmi_pallocbits_count_range(c->scav, i, n);
	gmi_pallocbits_set_range(c->alloc, i, n);
	gmi_pallocbits_clear_range(c->scav, i, n); /* inv:scav-free */
	return scav;
}

/* Bit p of the result is set iff bits p .. p+n-1 of `free` are all set
 * (1 <= n <= 64).  Each step and-s in a copy shifted by at most the width
 * already certified, so widths grow 1, 2, 4, ... then by the remainder
 * (findBitRange64). */
static uint64_t word_runs(uint64_t free, unsigned n)
{
	unsigned have = 1;
	while (have < n && free != 0) {
		unsigned s = n - have < have ? n - have : have;
		free &= free >> s;
		have += s;
	}
	return free;
}

/* Longest run of set bits in `free`: double the certified width while runs
 * that long exist, then add the lower powers of two greedily. */
static unsigned word_longest(uint64_t free)
{
	if (free == 0)
		return 0;
	unsigned have = 1;
	while (have < 64 && (free & (free >> have)) != 0) {
		free &= free >> have;
		have *= 2;
	}
	for (unsigned s = have / 2; s > 0; s /= 2) {
		uint64_t next = free & (free >> s);
		if (next != 0) {
			free = next;
			have += s;
		}
	}
	return have;
}

/* Go's pallocBits.summarize: one pass over the words keeping the free run
 * that reaches the current word from below; a word's interior is searched
 * only when it could beat the best run so far. */
gmi_pallocsum gmi_pallocbits_summarize(const uint64_t *alloc)
{
	size_t start = 0, max = 0, run = 0;
	bool seen_alloc = false;
	for (unsigned w = 0; w < GMI_PALLOC_WORDS; w++) {
		uint64_t x = alloc[w];
		if (x == 0) {
			run += 64;
			continue;
		}
		unsigned lo = ctz64(x), hi = clz64(x);
		run += lo;
		if (!seen_alloc) {
			start = run;
			seen_alloc = true;
		}
		if (run > max)
			max = run;
		if (64 - lo - hi > max) {
			/* hide the bottom and top runs, already counted */
			uint64_t inner = x | (((uint64_t)1 << lo) - 1) |
					 (hi ? ONES << (64 - hi) : 0);
			unsigned m = word_longest(~inner);
			if (m > max)
				max = m;
		}
		run = hi;
	}
	if (!seen_alloc)
		return gmi_pallocsum_pack(GMI_PALLOC_CHUNK_PAGES, GMI_PALLOC_CHUNK_PAGES,
					  GMI_PALLOC_CHUNK_PAGES);
	if (run > max)
		max = run;
	return gmi_pallocsum_pack(start, max, run);
}

/* Go's pallocBits.find (findSmallN / findLargeN in one loop).  `run` is the
 * number of free pages that end just below word w; a fit that starts in an
 * earlier word is always lower than one inside w, so it is tried first. */
unsigned gmi_pallocbits_find(const uint64_t *alloc, size_t npages,
			     unsigned search, unsigned *first)
{
	size_t run = 0;
	*first = GMI_PALLOC_NONE;
	for (unsigned w = search / 64; w < GMI_PALLOC_WORDS; w++) {
		uint64_t x = alloc[w];
		if (x == ONES) {
			run = 0;
			continue;
		}
		if (*first == GMI_PALLOC_NONE)
			*first = w * 64 + ctz64(~x);
		if (run + ctz64(x) >= npages)
			return (unsigned)(w * 64 - run);
		if (x == 0) {
			run += 64;
			continue;
		}
		if (npages <= 64) {
			unsigned j = ctz64(word_runs(~x, (unsigned)npages));
			if (j < 64)
				return w * 64 + j;
		}
		run = clz64(x);
	}
	return GMI_PALLOC_NONE;
}

/* Highest page below `limit` that is free and unscavenged, or NONE. */
static unsigned scav_top(const gmi_pallocdata *c, unsigned limit)
{
	for (unsigned w = (limit + 63) / 64; w-- > 0;) {
		uint64_t dirty = ~(c->alloc[w] | c->scav[w]);
		if (w == limit / 64)
			dirty &= ((uint64_t)1 << (limit % 64)) - 1;
		if (dirty != 0)
			return w * 64 + 63 - clz64(dirty);
	}
	return GMI_PALLOC_NONE;
}

/* Go's findScavengeCandidate: the highest dirty free run, extended down a
 * word at a time (leading ones of the word shifted so the run's bottom is
 * at bit 63), then cut to its top `max` pages. */
unsigned gmi_pallocdata_find_scav(const gmi_pallocdata *c, unsigned limit,
				  size_t max, unsigned *start)
{
	unsigned top = scav_top(c, limit);
	if (top == GMI_PALLOC_NONE || max == 0)
		return 0;
	unsigned low = top; /* lowest page known to be in the run */
	while (low > 0 && top + 1 - low < max) {
		unsigned w = (low - 1) / 64, below = low - w * 64; /* 1..64 */
		uint64_t dirty = ~(c->alloc[w] | c->scav[w]);
		unsigned n = clz64(~(dirty << (64 - below)));
		n = n < below ? n : below;
		low -= n;
		if (n < below)
			break;
	}
	unsigned len = top + 1 - low;
	if (len > max)
		len = (unsigned)max;
	*start = top + 1 - len;
	return len;
}

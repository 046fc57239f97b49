/*
 * test_pagealloc.c — Check suite for the page allocator (alloc/pagealloc.c).
 *
 * Most tests grow a fresh allocator by two 64 MiB regions with a gap
 * between them (A below B) and check addresses against the address-ordered
 * first fit that Go's pageAlloc promises.  The randomized test uses a fixed
 * seed and compares every result with a plain bitmap model; it is not a
 * benchmark.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/os.h"
#include "alloc/pagealloc.h"

#define PAGE ((uintptr_t)8192)
#define CHUNK ((uintptr_t)4 << 20)
#define REGION ((uintptr_t)64 << 20)
#define REGION_PAGES ((size_t)(REGION / PAGE)) /* 8192 */
#define NPAGES (2 * REGION_PAGES)              /* pages of A and B */

static gmi_pagealloc pa;
static void *resv;      /* 256 MiB: A at +0, gap, B at +128 MiB */
static uintptr_t A, B;

static void setup(void)
{
	resv = gmi_os_reserve(NULL, 4 * REGION, REGION);
	ck_assert_ptr_nonnull(resv);
	A = (uintptr_t)resv;
	B = A + 2 * REGION;
	ck_assert(gmi_os_map((void *)A, REGION));
	ck_assert(gmi_os_map((void *)B, REGION));
	ck_assert(gmi_pagealloc_init(&pa));
	ck_assert(gmi_pagealloc_grow(&pa, A, REGION));
	ck_assert(gmi_pagealloc_check(&pa));
	ck_assert(gmi_pagealloc_grow(&pa, B, REGION));
	ck_assert(gmi_pagealloc_check(&pa));
}

static void teardown(void)
{
	gmi_pagealloc_destroy(&pa);
	gmi_os_free(resv, 4 * REGION);
}

/* allocate, check the structure, return the address */
static uintptr_t palloc(size_t n, size_t *scav)
{
	size_t dummy;
	uintptr_t a = gmi_pagealloc_alloc(&pa, n, scav ? scav : &dummy);
	ck_assert(gmi_pagealloc_check(&pa));
	return a;
}

static void pfree(uintptr_t a, size_t n)
{
	gmi_pagealloc_free(&pa, a, n);
	ck_assert(gmi_pagealloc_check(&pa));
}

static void assert_allocated(uintptr_t a, size_t n, bool want)
{
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(gmi_pagealloc_allocated(&pa, a + i * PAGE), want);
}

START_TEST(test_grow_state)
{
	ck_assert_uint_eq(gmi_pagealloc_free_bytes(&pa), 2 * REGION);
	ck_assert_uint_eq(gmi_pagealloc_scav_bytes(&pa), 2 * REGION);
	ck_assert_uint_gt(gmi_pagealloc_sys_bytes(&pa), 0);
	ck_assert(!gmi_pagealloc_allocated(&pa, A));
	ck_assert(gmi_pagealloc_scavenged(&pa, A));
	ck_assert(gmi_pagealloc_scavenged(&pa, B + REGION - 1));
	/* the gap and the space around are not heap */
	ck_assert(!gmi_pagealloc_scavenged(&pa, A + REGION));
	ck_assert(!gmi_pagealloc_scavenged(&pa, B + REGION));
	ck_assert(!gmi_pagealloc_allocated(&pa, A - 1));
}
END_TEST

START_TEST(test_lowest_first)
{
	static const size_t sizes[] = {1, 3, 1, 10, 64, 65, 2, 127, 1, 200};
	uintptr_t want = A;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		assert_allocated(want, sizes[i], false);
		uintptr_t a = palloc(sizes[i], NULL);
		ck_assert_uint_eq(a, want);
		assert_allocated(a, sizes[i], true);
		want += sizes[i] * PAGE;
		ck_assert(!gmi_pagealloc_allocated(&pa, want));
	}
	ck_assert_uint_eq(gmi_pagealloc_free_bytes(&pa), 2 * REGION - (want - A));
}
END_TEST

START_TEST(test_runs_span_chunks)
{
	ck_assert_uint_eq(palloc(1, NULL), A);
	uintptr_t a = palloc(600, NULL); /* longer than a chunk */
	ck_assert_uint_eq(a, A + PAGE);
	assert_allocated(a, 600, true);
	ck_assert(gmi_pagealloc_allocated(&pa, A + CHUNK)); /* second chunk */
	ck_assert_uint_eq(palloc(1, NULL), A + 601 * PAGE);
	/* 5000 pages cross the 32 MiB boundary (a level-3 summary) */
	a = palloc(5000, NULL);
	ck_assert_uint_eq(a, A + 602 * PAGE);
	assert_allocated(a, 5000, true);
	/* 2590 pages are left in A: 3000 must come from B */
	ck_assert_uint_eq(palloc(3000, NULL), B);
	ck_assert_uint_eq(palloc(2590, NULL), A + 5602 * PAGE);
	ck_assert_uint_eq(palloc(REGION_PAGES - 3000 + 1, NULL), 0);
	ck_assert_uint_eq(palloc(REGION_PAGES - 3000, NULL), B + 3000 * PAGE);
	ck_assert_uint_eq(gmi_pagealloc_free_bytes(&pa), 0);
}
END_TEST

/* free three adjacent runs in mixed order; one allocation of their total
 * size must land on the first one's base */
static void coalesce_at(uintptr_t expect)
{
	uintptr_t a = palloc(3, NULL), b = palloc(5, NULL), c = palloc(7, NULL);
	ck_assert_uint_eq(a, expect);
	ck_assert_uint_eq(b, a + 3 * PAGE);
	ck_assert_uint_eq(c, b + 5 * PAGE);
	uintptr_t d = palloc(1, NULL); /* keeps the hole closed above */
	pfree(b, 5);
	pfree(a, 3);
	pfree(c, 7);
	assert_allocated(a, 15, false);
	ck_assert_uint_eq(palloc(15, NULL), a);
	assert_allocated(a, 15, true);
	ck_assert_uint_eq(d, a + 15 * PAGE);
}

START_TEST(test_coalesce)
{
	coalesce_at(A);
	/* the same straddling a chunk boundary: b covers pages 508..512 */
	ck_assert_uint_eq(palloc(505 - 16, NULL), A + 16 * PAGE);
	coalesce_at(A + 505 * PAGE);
	/* a multi-chunk run freed and taken again */
	uintptr_t big = palloc(1500, NULL);
	ck_assert_uint_eq(big, A + 521 * PAGE);
	uintptr_t after = palloc(1, NULL);
	pfree(big, 1500);
	ck_assert_uint_eq(palloc(1499, NULL), big);
	ck_assert_uint_eq(palloc(1, NULL), big + 1499 * PAGE);
	ck_assert_uint_eq(palloc(1, NULL), after + PAGE);
}
END_TEST

START_TEST(test_fragmentation)
{
	for (size_t i = 0; i < 200; i++)
		ck_assert_uint_eq(palloc(1, NULL), A + i * PAGE);
	for (size_t i = 0; i < 200; i += 2)
		pfree(A + i * PAGE, 1);
	ck_assert_uint_eq(gmi_pagealloc_free_bytes(&pa), 2 * REGION - 100 * PAGE);
	/* every hole is one page: the first 2-page hole is after them */
	ck_assert_uint_eq(palloc(2, NULL), A + 200 * PAGE);
	ck_assert_uint_eq(palloc(1, NULL), A);
	pfree(A + 3 * PAGE, 1); /* joins holes 2 and 4 */
	ck_assert_uint_eq(palloc(3, NULL), A + 2 * PAGE);
	ck_assert_uint_eq(palloc(1, NULL), A + 6 * PAGE);
}
END_TEST

START_TEST(test_exhaustion)
{
	/* A and B are not adjacent: no run of more than one region exists */
	ck_assert_uint_eq(palloc(REGION_PAGES + 1, NULL), 0);
	ck_assert_uint_eq(palloc(REGION_PAGES, NULL), A);
	ck_assert_uint_eq(palloc(REGION_PAGES, NULL), B);
	ck_assert_uint_eq(palloc(1, NULL), 0);
	ck_assert_uint_eq(gmi_pagealloc_free_bytes(&pa), 0);
	pfree(B + 100 * PAGE, 1);
	ck_assert_uint_eq(palloc(2, NULL), 0);
	ck_assert_uint_eq(palloc(1, NULL), B + 100 * PAGE);
	ck_assert_uint_eq(palloc(1, NULL), 0);
	pfree(A + 7 * PAGE, 1);
	pfree(B + 9 * PAGE, 1);
	ck_assert_uint_eq(palloc(1, NULL), A + 7 * PAGE);
	ck_assert_uint_eq(palloc(1, NULL), B + 9 * PAGE);
}
END_TEST

START_TEST(test_scavenge)
{
	size_t scav;
	uintptr_t a = palloc(16, &scav);
	ck_assert_uint_eq(scav, 16 * PAGE); /* fresh memory was scavenged */
	uintptr_t b = palloc(4, &scav);
	ck_assert_uint_eq(scav, 4 * PAGE);
	ck_assert_uint_eq(gmi_pagealloc_scav_bytes(&pa), 2 * REGION - 20 * PAGE);
	memset((void *)a, 0xab, 20 * PAGE);
	pfree(a, 16);
	ck_assert(!gmi_pagealloc_scavenged(&pa, a));
	ck_assert_uint_eq(gmi_pagealloc_scav_bytes(&pa), 2 * REGION - 20 * PAGE);
	ck_assert_uint_eq(gmi_pagealloc_free_bytes(&pa), 2 * REGION - 4 * PAGE);

	/* highest first: pages 14 and 15 go, 13 stays */
	ck_assert_uint_eq(gmi_pagealloc_scavenge(&pa, 2 * PAGE, NULL), 2 * PAGE);
	ck_assert(gmi_pagealloc_check(&pa));
	ck_assert(gmi_pagealloc_scavenged(&pa, a + 15 * PAGE));
	ck_assert(gmi_pagealloc_scavenged(&pa, a + 14 * PAGE));
	ck_assert(!gmi_pagealloc_scavenged(&pa, a + 13 * PAGE));
	ck_assert_uint_eq(*(volatile unsigned char *)(a + 15 * PAGE + 5), 0);
	ck_assert_uint_eq(*(volatile unsigned char *)(a + 13 * PAGE + 5), 0xab);
	ck_assert_uint_eq(gmi_pagealloc_scav_bytes(&pa), 2 * REGION - 18 * PAGE);
	/* a request below a page releases one page (Go rounds up) */
	ck_assert_uint_eq(gmi_pagealloc_scavenge(&pa, 1, NULL), PAGE);
	ck_assert(gmi_pagealloc_scavenged(&pa, a + 13 * PAGE));

	/* the rest; then nothing is left */
	ck_assert_uint_eq(gmi_pagealloc_scavenge(&pa, SIZE_MAX, NULL), 13 * PAGE);
	ck_assert(gmi_pagealloc_check(&pa));
	ck_assert_uint_eq(gmi_pagealloc_scavenge(&pa, SIZE_MAX, NULL), 0);
	ck_assert_uint_eq(gmi_pagealloc_scav_bytes(&pa), gmi_pagealloc_free_bytes(&pa));
	ck_assert_uint_eq(*(volatile unsigned char *)a, 0);

	/* a run part scavenged, part dirty */
	pfree(b, 4);
	ck_assert_uint_eq(palloc(20, &scav), a);
	ck_assert_uint_eq(scav, 16 * PAGE);
	ck_assert_uint_eq(gmi_pagealloc_scav_bytes(&pa), gmi_pagealloc_free_bytes(&pa));
}
END_TEST

/* Go's scavengeOne drops the heap lock around the release: the run it
 * takes is allocated meanwhile (no allocation gets it, the structure
 * stays consistent), and done frees it as scavenged. */
START_TEST(test_scavenge_take_holds_the_run)
{
	uintptr_t a = palloc(16, NULL);
	memset((void *)a, 0xab, 16 * PAGE);
	pfree(a, 16);
	size_t free0 = gmi_pagealloc_free_bytes(&pa), scav0 = gmi_pagealloc_scav_bytes(&pa);

	size_t n;
	uintptr_t run = gmi_pagealloc_scavenge_take(&pa, 4, &n);
	ck_assert_uint_eq(run, a + 12 * PAGE); /* highest first */
	ck_assert_uint_eq(n, 4);
	ck_assert(gmi_pagealloc_check(&pa));
	ck_assert(gmi_pagealloc_allocated(&pa, run));
	ck_assert(gmi_pagealloc_allocated(&pa, run + 3 * PAGE));
	ck_assert_uint_eq(gmi_pagealloc_free_bytes(&pa), free0 - 4 * PAGE);
	/* allocations meanwhile go around it */
	ck_assert_uint_eq(palloc(12, NULL), a);
	size_t next_scav;
	uintptr_t next = palloc(1, &next_scav);
	ck_assert(next < run || next >= run + 4 * PAGE);

	gmi_os_unused((void *)run, 4 * PAGE);
	gmi_pagealloc_scavenge_done(&pa, run, 4);
	ck_assert(gmi_pagealloc_check(&pa));
	for (size_t i = 0; i < 4; i++)
		ck_assert(gmi_pagealloc_scavenged(&pa, run + i * PAGE));
	ck_assert_uint_eq(gmi_pagealloc_scav_bytes(&pa), scav0 + 4 * PAGE - next_scav);
	ck_assert_uint_eq(*(volatile unsigned char *)run, 0);
	/* the pages under it are dirty and allocated: nothing is left to take
	 * below the released run but the page allocated after it */
	pfree(next, 1);
	ck_assert_uint_eq(gmi_pagealloc_scavenge_take(&pa, 64, &n), next);
	ck_assert_uint_eq(n, 1);
	gmi_pagealloc_scavenge_done(&pa, next, 1);
	ck_assert(gmi_pagealloc_check(&pa));
	ck_assert_uint_eq(gmi_pagealloc_scavenge_take(&pa, 64, &n), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_scavenge_across_regions)
{
	uintptr_t a = palloc(REGION_PAGES - 2, NULL); /* A but its last 2 pages */
	uintptr_t b = palloc(8, NULL);                 /* B's first 8 */
	ck_assert_uint_eq(a, A);
	ck_assert_uint_eq(b, B);
	pfree(A + 100 * PAGE, 3);
	pfree(b + 2 * PAGE, 2);
	pfree(b + 6 * PAGE, 1);
	/* dirty free pages: A+100..102, B+2, B+3, B+6; B's are higher */
	ck_assert_uint_eq(gmi_pagealloc_scavenge(&pa, 2 * PAGE, NULL), 2 * PAGE);
	ck_assert(gmi_pagealloc_check(&pa));
	ck_assert(gmi_pagealloc_scavenged(&pa, B + 6 * PAGE));
	ck_assert(gmi_pagealloc_scavenged(&pa, B + 3 * PAGE));
	ck_assert(!gmi_pagealloc_scavenged(&pa, B + 2 * PAGE));
	ck_assert_uint_eq(gmi_pagealloc_scavenge(&pa, 2 * PAGE, NULL), 2 * PAGE);
	ck_assert(gmi_pagealloc_scavenged(&pa, B + 2 * PAGE));
	ck_assert(gmi_pagealloc_scavenged(&pa, A + 102 * PAGE));
	ck_assert(!gmi_pagealloc_scavenged(&pa, A + 101 * PAGE));
	ck_assert_uint_eq(gmi_pagealloc_scavenge(&pa, SIZE_MAX, NULL), 2 * PAGE);
	ck_assert(gmi_pagealloc_check(&pa));
	ck_assert_uint_eq(gmi_pagealloc_scav_bytes(&pa), gmi_pagealloc_free_bytes(&pa));
}
END_TEST

/* ---- randomized test against a bitmap model ------------------------------ */

/* model page i is A + i pages for i < REGION_PAGES, else B + ... */
static bool m_alloc[NPAGES], m_scav[NPAGES];
static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t next_rand(void) /* xorshift64 */
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uintptr_t m_addr(size_t i) { return i < REGION_PAGES ? A + i * PAGE : B + (i - REGION_PAGES) * PAGE; }

/* lowest run of n free pages inside one region, or SIZE_MAX */
static size_t m_find(size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < NPAGES; i++) {
		if (i == REGION_PAGES)
			run = 0; /* the gap between A and B */
		run = m_alloc[i] ? 0 : run + 1;
		if (run == n)
			return i + 1 - n;
	}
	return SIZE_MAX;
}

static size_t m_count(const bool *bits)
{
	size_t c = 0;
	for (size_t i = 0; i < NPAGES; i++)
		c += bits[i];
	return c;
}

static size_t random_npages(void)
{
	uint64_t r = next_rand() % 100;
	if (r < 60)
		return 1 + next_rand() % 4;
	if (r < 85)
		return 5 + next_rand() % 60;
	if (r < 95)
		return 65 + next_rand() % 536;
	return 601 + next_rand() % 2400;
}

typedef struct live {
	size_t first, n;
} live;

static live lives[NPAGES];
static size_t nlive;

static void random_alloc(void)
{
	size_t n = random_npages(), scav;
	size_t want = m_find(n);
	uintptr_t a = gmi_pagealloc_alloc(&pa, n, &scav);
	if (want == SIZE_MAX) {
		ck_assert_uint_eq(a, 0);
		return;
	}
	ck_assert_uint_eq(a, m_addr(want));
	size_t mscav = 0;
	for (size_t i = want; i < want + n; i++) {
		mscav += m_scav[i];
		m_alloc[i] = true;
		m_scav[i] = false;
	}
	ck_assert_uint_eq(scav, mscav * PAGE);
	lives[nlive++] = (live){want, n};
}

static void random_free(void)
{
	size_t k = next_rand() % nlive;
	live l = lives[k];
	lives[k] = lives[--nlive];
	gmi_pagealloc_free(&pa, m_addr(l.first), l.n);
	for (size_t i = l.first; i < l.first + l.n; i++)
		m_alloc[i] = false;
}

static void random_scavenge(void)
{
	size_t budget = next_rand() % 8 == 0 ? SIZE_MAX : next_rand() % 64;
	size_t want = 0;
	for (size_t i = NPAGES; i-- > 0 && want < budget;) {
		if (!m_alloc[i] && !m_scav[i]) {
			m_scav[i] = true;
			want++;
		}
	}
	size_t bytes = budget == SIZE_MAX ? SIZE_MAX : budget * PAGE;
	ck_assert_uint_eq(gmi_pagealloc_scavenge(&pa, bytes, NULL), want * PAGE);
}

static void random_compare_pages(void)
{
	size_t bad = SIZE_MAX;
	for (size_t i = 0; i < NPAGES && bad == SIZE_MAX; i++) {
		if (gmi_pagealloc_allocated(&pa, m_addr(i)) != m_alloc[i] ||
		    gmi_pagealloc_scavenged(&pa, m_addr(i)) != m_scav[i])
			bad = i;
	}
	ck_assert_msg(bad == SIZE_MAX, "page %zu differs from the model", bad);
}

START_TEST(test_random)
{
	for (size_t i = 0; i < NPAGES; i++)
		m_scav[i] = true;
	size_t nfree = NPAGES;
	for (int op = 0; op < 20000; op++) {
		uint64_t r = next_rand() % 100;
		unsigned alloc_pct = nfree < NPAGES / 4 ? 30 : 55;
		if (r < alloc_pct || nlive == 0)
			random_alloc();
		else if (r < 96)
			random_free();
		else
			random_scavenge();
		ck_assert(gmi_pagealloc_check(&pa));
		nfree = NPAGES - m_count(m_alloc);
		ck_assert_uint_eq(gmi_pagealloc_free_bytes(&pa), nfree * PAGE);
		ck_assert_uint_eq(gmi_pagealloc_scav_bytes(&pa), m_count(m_scav) * PAGE);
		if (op % 1000 == 0)
			random_compare_pages();
	}
	random_compare_pages();
}
END_TEST

/* ---- one chunk's bitmaps against plain loops ------------------------------ */

static bool bit(const uint64_t *b, unsigned i) { return (b[i / 64] >> (i % 64)) & 1; }

/* a random bitmap: each word all free, all allocated, sparse or dense */
static void random_bits(uint64_t *b)
{
	for (unsigned w = 0; w < GMI_PALLOC_WORDS; w++) {
		switch (next_rand() % 5) {
		case 0: b[w] = 0; break;
		case 1: b[w] = ~(uint64_t)0; break;
		case 2: b[w] = next_rand() & next_rand() & next_rand(); break;
		case 3: b[w] = next_rand() | next_rand() | next_rand(); break;
		default: b[w] = next_rand(); break;
		}
	}
}

static void naive_summary(const uint64_t *b, size_t *start, size_t *max, size_t *end)
{
	size_t run = 0;
	*start = *max = 0;
	bool seen = false;
	for (unsigned i = 0; i < GMI_PALLOC_CHUNK_PAGES; i++) {
		if (bit(b, i)) {
			if (!seen)
				*start = run;
			seen = true;
			run = 0;
			continue;
		}
		run++;
		if (run > *max)
			*max = run;
	}
	if (!seen)
		*start = run;
	*end = run;
}

START_TEST(test_bits_summarize)
{
	uint64_t b[GMI_PALLOC_WORDS];
	for (int t = 0; t < 20000; t++) {
		random_bits(b);
		size_t st, mx, en;
		naive_summary(b, &st, &mx, &en);
		gmi_pallocsum s = gmi_pallocbits_summarize(b);
		ck_assert_uint_eq(gmi_pallocsum_start(s), st);
		ck_assert_uint_eq(gmi_pallocsum_max(s), mx);
		ck_assert_uint_eq(gmi_pallocsum_end(s), en);
	}
	/* the packed encoding's one special value: a free root region */
	gmi_pallocsum full = gmi_pallocsum_pack(GMI_PALLOC_SUM_MAX, GMI_PALLOC_SUM_MAX,
						GMI_PALLOC_SUM_MAX);
	ck_assert_uint_eq(gmi_pallocsum_start(full), (size_t)1 << 21);
	ck_assert_uint_eq(gmi_pallocsum_end(full), (size_t)1 << 21);
	gmi_pallocsum some = gmi_pallocsum_pack((1u << 21) - 1, 7, 0);
	ck_assert_uint_eq(gmi_pallocsum_start(some), (1u << 21) - 1);
	ck_assert_uint_eq(gmi_pallocsum_max(some), 7);
	ck_assert_uint_eq(gmi_pallocsum_end(some), 0);
}
END_TEST

START_TEST(test_bits_find)
{
	uint64_t b[GMI_PALLOC_WORDS];
	for (int t = 0; t < 20000; t++) {
		random_bits(b);
		unsigned search = (unsigned)(next_rand() % GMI_PALLOC_CHUNK_PAGES);
		if (next_rand() % 2)
			search = 0;
		gmi_pallocbits_set_range(b, 0, search); /* find's precondition */
		size_t n = 1 + next_rand() % (next_rand() % 2 ? 64 : 520);
		unsigned want = GMI_PALLOC_NONE, first_want = GMI_PALLOC_NONE, run = 0;
		for (unsigned i = 0; i < GMI_PALLOC_CHUNK_PAGES; i++) {
			run = bit(b, i) ? 0 : run + 1;
			if (run == 1 && first_want == GMI_PALLOC_NONE)
				first_want = i;
			if (run == n && want == GMI_PALLOC_NONE)
				want = i + 1 - (unsigned)n;
		}
		unsigned first;
		ck_assert_uint_eq(gmi_pallocbits_find(b, n, search, &first), want);
		if (want != GMI_PALLOC_NONE)
			ck_assert_uint_eq(first, first_want);
	}
}
END_TEST

START_TEST(test_bits_ranges_and_scav)
{
	gmi_pallocdata d;
	for (int t = 0; t < 20000; t++) {
		random_bits(d.alloc);
		random_bits(d.scav);
		for (unsigned w = 0; w < GMI_PALLOC_WORDS; w++)
			d.scav[w] &= ~d.alloc[w]; /* inv:scav-free */
		unsigned i = (unsigned)(next_rand() % GMI_PALLOC_CHUNK_PAGES);
		unsigned n = (unsigned)(next_rand() % (GMI_PALLOC_CHUNK_PAGES - i + 1));
		unsigned ones = 0;
		for (unsigned k = i; k < i + n; k++)
			ones += bit(d.scav, k);
		ck_assert_uint_eq(gmi_pallocbits_count_range(d.scav, i, n), ones);

		/* the highest dirty run below limit, cut to its top max pages */
		unsigned limit = (unsigned)(next_rand() % (GMI_PALLOC_CHUNK_PAGES + 1));
		size_t max = 1 + next_rand() % 300;
		unsigned top = limit, len = 0;
		while (top > 0 && (bit(d.alloc, top - 1) || bit(d.scav, top - 1)))
			top--;
		while (top > len && len < max && !bit(d.alloc, top - 1 - len) &&
		       !bit(d.scav, top - 1 - len))
			len++;
		unsigned start;
		ck_assert_uint_eq(gmi_pallocdata_find_scav(&d, limit, max, &start), len);
		if (len > 0)
			ck_assert_uint_eq(start, top - len);

		uint64_t before[GMI_PALLOC_WORDS];
		memcpy(before, d.alloc, sizeof before);
		unsigned scav = gmi_pallocdata_alloc_range(&d, i, n);
		ck_assert_uint_eq(scav, ones);
		/* (one assertion per round: Check reports each one to its parent) */
		bool ok = true;
		for (unsigned k = 0; k < GMI_PALLOC_CHUNK_PAGES; k++) {
			bool in = k >= i && k < i + n;
			ok &= bit(d.alloc, k) == (in || bit(before, k));
			ok &= !in || !bit(d.scav, k);
		}
		gmi_pallocbits_clear_range(d.alloc, i, n);
		for (unsigned k = 0; k < GMI_PALLOC_CHUNK_PAGES; k++)
			ok &= bit(d.alloc, k) == (k >= i && k < i + n ? false : bit(before, k));
		ck_assert_msg(ok, "set/clear range %u+%u", i, n);
	}
}
END_TEST

/* Grows that touch earlier ones merge with them, and a grow after the heap
 * was exhausted is found by the next allocation. */
START_TEST(test_adjacent_grows)
{
	void *r = gmi_os_reserve(NULL, 4 * CHUNK, CHUNK);
	ck_assert_ptr_nonnull(r);
	ck_assert(gmi_os_map(r, 4 * CHUNK));
	uintptr_t x = (uintptr_t)r;
	gmi_pagealloc p;
	size_t scav;
	ck_assert(gmi_pagealloc_init(&p));
	ck_assert(gmi_pagealloc_grow(&p, x + 2 * CHUNK, CHUNK));
	ck_assert_uint_eq(gmi_pagealloc_alloc(&p, 512, &scav), x + 2 * CHUNK);
	ck_assert_uint_eq(gmi_pagealloc_alloc(&p, 1, &scav), 0);
	ck_assert_uint_eq(gmi_pagealloc_alloc(&p, 1, &scav), 0); /* heap known full */
	ck_assert(gmi_pagealloc_grow(&p, x + 3 * CHUNK, CHUNK)); /* above */
	ck_assert(gmi_pagealloc_grow(&p, x, CHUNK));             /* below, apart */
	ck_assert_uint_eq(p.nin_use, 2);
	ck_assert(gmi_pagealloc_grow(&p, x + CHUNK, CHUNK));     /* joins both */
	ck_assert_uint_eq(p.nin_use, 1);
	ck_assert(gmi_pagealloc_check(&p));
	gmi_pagealloc_free(&p, x + 2 * CHUNK, 512);
	ck_assert_uint_eq(gmi_pagealloc_alloc(&p, 4 * 512, &scav), x);
	ck_assert_uint_eq(scav, 3 * CHUNK);
	ck_assert(gmi_pagealloc_check(&p));
	gmi_pagealloc_destroy(&p);
	gmi_os_free(r, 4 * CHUNK);
}
END_TEST

/* ---- tests with their own allocator --------------------------------------- */

/* 64 MiB at `hint` exactly (chunk aligned), or NULL */
static void *reserve_at(uintptr_t hint, size_t size)
{
	void *r = gmi_os_reserve((void *)hint, size, CHUNK);
	if (r != NULL && (uintptr_t)r != hint) {
		gmi_os_free(r, size);
		r = NULL;
	}
	return r;
}

/* A region straddling a 16 GiB boundary: its runs cross root summaries, so
 * find must join the end of one root entry to the start of the next. */
START_TEST(test_root_straddle)
{
	static const uintptr_t roots[] = {0x300000000000u, 0x340000000000u, 0x380000000000u};
	void *r = NULL;
	uintptr_t root = 0;
	for (size_t i = 0; i < 3 && r == NULL; i++) {
		root = roots[i];
		r = reserve_at(root - REGION / 2, REGION);
	}
	if (r == NULL) {
		fprintf(stderr, "test_root_straddle: no hint honoured, skipped\n");
		return;
	}
	uintptr_t base = (uintptr_t)r;
	ck_assert(gmi_os_map(r, REGION));
	gmi_pagealloc p;
	size_t scav;
	ck_assert(gmi_pagealloc_init(&p));
	ck_assert(gmi_pagealloc_grow(&p, base, REGION));
	ck_assert_uint_eq(gmi_pagealloc_alloc(&p, 1, &scav), base);
	uintptr_t a = gmi_pagealloc_alloc(&p, 8000, &scav);
	ck_assert_uint_eq(a, base + PAGE);
	ck_assert(gmi_pagealloc_allocated(&p, root));
	ck_assert(gmi_pagealloc_allocated(&p, root - 1));
	ck_assert(gmi_pagealloc_check(&p));
	gmi_pagealloc_free(&p, base, 1);
	gmi_pagealloc_free(&p, root - 100 * PAGE, 200); /* a hole across the boundary */
	ck_assert(gmi_pagealloc_check(&p));
	ck_assert_uint_eq(gmi_pagealloc_alloc(&p, 150, &scav), root - 100 * PAGE);
	ck_assert_uint_eq(scav, 0);
	ck_assert_uint_eq(gmi_pagealloc_alloc(&p, 1, &scav), base);
	ck_assert_uint_eq(gmi_pagealloc_alloc(&p, 191, &scav), base + 8001 * PAGE);
	ck_assert_uint_eq(gmi_pagealloc_alloc(&p, 50, &scav), root + 50 * PAGE);
	ck_assert_uint_eq(gmi_pagealloc_alloc(&p, 1, &scav), 0);
	ck_assert(gmi_pagealloc_check(&p));
	gmi_pagealloc_destroy(&p);
	gmi_os_free(r, REGION);
}
END_TEST

/* Hundreds of separate one-chunk ranges: in_use must grow, and allocation
 * must visit the ranges in address order.  The ranges stay PROT_NONE (1.2
 * GiB would strain a strict overcommit policy): the page allocator touches
 * heap memory only when it scavenges, which this test does not. */
START_TEST(test_many_ranges)
{
	enum { N = 300 };
	size_t size = 2 * N * CHUNK;
	void *r = gmi_os_reserve(NULL, size, CHUNK);
	ck_assert_ptr_nonnull(r);
	uintptr_t base = (uintptr_t)r;
	gmi_pagealloc p;
	size_t scav;
	ck_assert(gmi_pagealloc_init(&p));
	size_t sys0 = gmi_pagealloc_sys_bytes(&p);
	for (size_t i = N; i-- > 0;) { /* from the top, as mmap hands out */
		ck_assert(gmi_pagealloc_grow(&p, base + 2 * i * CHUNK, CHUNK));
	}
	ck_assert(gmi_pagealloc_check(&p));
	ck_assert_uint_gt(gmi_pagealloc_sys_bytes(&p), sys0);
	ck_assert_uint_eq(gmi_pagealloc_alloc(&p, 513, &scav), 0);
	for (size_t i = 0; i < N; i++)
		ck_assert_uint_eq(gmi_pagealloc_alloc(&p, 512, &scav), base + 2 * i * CHUNK);
	ck_assert_uint_eq(gmi_pagealloc_alloc(&p, 1, &scav), 0);
	gmi_pagealloc_free(&p, base + 2 * 7 * CHUNK + 3 * PAGE, 2);
	ck_assert_uint_eq(gmi_pagealloc_alloc(&p, 2, &scav), base + 2 * 7 * CHUNK + 3 * PAGE);
	ck_assert(gmi_pagealloc_check(&p));
	gmi_pagealloc_destroy(&p);
	gmi_os_free(r, size);
}
END_TEST

/* With fault injection built in (the CMake test build), every map or alloc
 * of a grow may be refused: the heap must then be as before. */
START_TEST(test_grow_failure)
{
	if (!gmi_os_fault_injection_enabled()) {
		fprintf(stderr, "test_grow_failure: no fault injection, skipped\n");
		return;
	}
	gmi_pagealloc p;
	for (long n = 0; n < 2; n++) {
		gmi_os_fail_after(n);
		ck_assert(!gmi_pagealloc_init(&p));
	}
	gmi_os_fail_after(-1);
	ck_assert(gmi_pagealloc_init(&p));
	/* two regions 64 GiB apart: the second needs a new L2 and summaries */
	void *r1 = gmi_os_reserve(NULL, REGION, CHUNK);
	void *r2 = reserve_at((uintptr_t)r1 - ((uintptr_t)64 << 30), REGION);
	ck_assert_ptr_nonnull(r1);
	if (r2 == NULL)
		r2 = gmi_os_reserve(NULL, REGION, CHUNK);
	ck_assert(gmi_pagealloc_grow(&p, (uintptr_t)r1, REGION));
	size_t scav, failures = 0;
	for (long n = 0;; n++) {
		gmi_os_fail_after(n);
		bool ok = gmi_pagealloc_grow(&p, (uintptr_t)r2, REGION);
		gmi_os_fail_after(-1);
		ck_assert(gmi_pagealloc_check(&p));
		if (ok)
			break;
		failures++;
		ck_assert_uint_eq(gmi_pagealloc_free_bytes(&p), REGION);
		ck_assert(!gmi_pagealloc_scavenged(&p, (uintptr_t)r2));
	}
	ck_assert_uint_ge(failures, 2);
	ck_assert_uint_eq(gmi_pagealloc_free_bytes(&p), 2 * REGION);
	uintptr_t lo = (uintptr_t)r1 < (uintptr_t)r2 ? (uintptr_t)r1 : (uintptr_t)r2;
	ck_assert_uint_eq(gmi_pagealloc_alloc(&p, REGION_PAGES, &scav), lo);
	ck_assert(gmi_pagealloc_check(&p));
	gmi_pagealloc_destroy(&p);
	gmi_os_free(r1, REGION);
	gmi_os_free(r2, REGION);
}
END_TEST

static Suite *pagealloc_suite(void)
{
	Suite *s = suite_create("pagealloc");
	TCase *tc = tcase_create("two_regions");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_grow_state);
	tcase_add_test(tc, test_lowest_first);
	tcase_add_test(tc, test_runs_span_chunks);
	tcase_add_test(tc, test_coalesce);
	tcase_add_test(tc, test_fragmentation);
	tcase_add_test(tc, test_exhaustion);
	tcase_add_test(tc, test_scavenge);
	tcase_add_test(tc, test_scavenge_take_holds_the_run);
	tcase_add_test(tc, test_scavenge_across_regions);
	tcase_add_test(tc, test_random);
	suite_add_tcase(s, tc);
	TCase *own = tcase_create("own_allocator");
	tcase_set_timeout(own, 60);
	tcase_add_test(own, test_root_straddle);
	tcase_add_test(own, test_many_ranges);
	tcase_add_test(own, test_grow_failure);
	tcase_add_test(own, test_adjacent_grows);
	suite_add_tcase(s, own);
	TCase *bits = tcase_create("chunk_bitmaps");
	tcase_set_timeout(bits, 60);
	tcase_add_test(bits, test_bits_summarize);
	tcase_add_test(bits, test_bits_find);
	tcase_add_test(bits, test_bits_ranges_and_scav);
	suite_add_tcase(s, bits);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pagealloc_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * test_stats.c — Check suite "stats": gm_read_memstats, Go's
 * runtime.MemStats (alloc/stats.c; mstats.go readmemstats_m).
 *
 * Every expected number is derived from a known allocation mix and Go's
 * accounting rules:
 * - a small object counts one malloc in its size class and its class size
 *   in total_alloc; a large object counts one malloc and its page-rounded
 *   size;
 * - a tiny allocation (noscan, under 16 bytes) that fits in the current
 *   16-byte block counts as both a malloc and a free; the 16-byte block
 *   itself is one class-2 object (Go's tinyAllocs);
 * - heap_inuse is whole pages of in-use spans, and the heap grows by 4 MiB
 *   chunks (GMI_CHUNK_BYTES).
 * Where a test measures a phase it takes deltas between two reads around
 * it, and also checks the absolute totals, which are exact because every
 * test starts from a fresh gm_init (Check forks a child per test, and the
 * fixture initialises inside it).
 *
 * The multi-threaded test is a correctness test, not a benchmark: it times
 * nothing and its allocation counts are fixed.
 */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "alloc/gmi.h"
#include "alloc/mcache.h"
#include "alloc/mheap.h"
#include "gomem.h"

#define PAGE 8192u
/* bytes fixalloc hands out per record: the size rounded up to 16 */
#define SPAN_REC ((sizeof(gmi_mspan) + 15) & ~(size_t)15)
#define CACHE_REC ((sizeof(gmi_mcache) + 15) & ~(size_t)15)
#define CHUNK ((uint64_t)4 << 20)

/* Go's class_to_size (sizeclasses.go), written out independently of
 * alloc/sizeclass.c so that a wrong table there is caught here. */
static const uint32_t go_class_size[GM_NUM_SIZE_CLASSES] = {
	0,     8,     16,    24,    32,    48,    64,    80,    96,    112,
	128,   144,   160,   176,   192,   208,   224,   240,   256,   288,
	320,   352,   384,   416,   448,   480,   512,   576,   640,   704,
	768,   896,   1024,  1152,  1280,  1408,  1536,  1792,  2048,  2304,
	2688,  3072,  3200,  3456,  4096,  4864,  5376,  6144,  6528,  6784,
	6912,  8192,  9472,  9728,  10240, 10880, 12288, 13568, 14336, 16384,
	18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768,
};

/* size classes used below */
#define C16 2  /* tiny blocks */
#define C32 4
#define C48 5
#define C64 6

/* ---- helpers ------------------------------------------------------------ */

static gm_memstats read_stats(void)
{
	gm_memstats ms;
	memset(&ms, 0xa5, sizeof ms); /* gm_read_memstats writes every field */
	gm_read_memstats(&ms);
	return ms;
}

/* the identities MemStats keeps at every read */
static void check_identities(const gm_memstats *ms)
{
	ck_assert_uint_eq(ms->mallocs - ms->frees, ms->heap_objects);
	ck_assert_uint_ge(ms->mallocs, ms->frees);
	ck_assert_uint_eq(ms->heap_inuse + ms->heap_idle, ms->heap_sys);
	ck_assert_uint_le(ms->heap_released, ms->heap_idle);
	ck_assert_uint_ge(ms->sys, ms->heap_sys);
	ck_assert_uint_le(ms->heap_alloc, ms->heap_inuse);
	ck_assert_uint_eq(ms->alloc, ms->heap_alloc);
	ck_assert_uint_le(ms->heap_alloc, ms->total_alloc);
	ck_assert_uint_le(ms->mspan_inuse, ms->mspan_sys);
	ck_assert_uint_le(ms->mcache_inuse, ms->mcache_sys);
	ck_assert_uint_eq(ms->sys, ms->heap_sys + ms->mspan_sys + ms->mcache_sys +
			  ms->gc_sys + ms->other_sys);
	uint64_t m = 0, f = 0;
	for (int c = 1; c < GM_NUM_SIZE_CLASSES; c++) {
		ck_assert_uint_eq(ms->by_size[c].size, go_class_size[c]);
		ck_assert_uint_le(ms->by_size[c].frees, ms->by_size[c].mallocs);
		m += ms->by_size[c].mallocs;
		f += ms->by_size[c].frees;
	}
	/* by_size counts no large or tiny objects, so never more */
	ck_assert_uint_le(m, ms->mallocs);
	ck_assert_uint_le(f, ms->frees);
}

/* b - a for one counter, asserted equal to want */
#define ck_assert_delta(a, b, field, want)                                        \
	ck_assert_msg((b).field - (a).field == (uint64_t)(want),                  \
		      #field " grew by %llu, want %llu",                          \
		      (unsigned long long)((b).field - (a).field),                \
		      (unsigned long long)(uint64_t)(want))

/* The collector stays off (GOGC=off): the counts below are exact only
 * when no cycle frees anything between two reads. */
static int init_nogc(void)
{
	gm_config cfg;
	gm_config_default(&cfg);
	cfg.gc_percent = GM_GOGC_OFF;
	return gm_init(&cfg);
}

static void setup(void)
{
	ck_assert_int_eq(init_nogc(), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
}

static void teardown(void)
{
	gm_thread_detach();
	gm_shutdown();
}

/* a 32-byte type with pointers at offsets 0 and 16 */
static const gm_type *ptr32_type(void)
{
	static const size_t offs[] = { 0, 16 };
	const gm_type *t = gm_type_new("ptr32", 32, offs, 2);
	ck_assert_ptr_nonnull(t);
	return t;
}

/* ---- before and after gm_init -------------------------------------------- */

START_TEST(zero_before_init)
{
	gm_memstats zero, ms;
	memset(&zero, 0, sizeof zero);
	memset(&ms, 0xa5, sizeof ms);
	gm_read_memstats(&ms);
	ck_assert_mem_eq(&ms, &zero, sizeof ms);
}
END_TEST

START_TEST(zero_after_shutdown_and_reset_at_init)
{
	gm_memstats zero;
	memset(&zero, 0, sizeof zero);
	ck_assert_int_eq(init_nogc(), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	for (int i = 0; i < 100; i++)
		ck_assert_ptr_nonnull(gm_alloc_noscan(48));
	gm_memstats ms = read_stats();
	ck_assert_uint_eq(ms.mallocs, 100);
	gm_thread_detach();
	gm_shutdown();

	ms = read_stats();
	ck_assert_mem_eq(&ms, &zero, sizeof ms);

	/* a new heap starts its counts from zero */
	ck_assert_int_eq(init_nogc(), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	ms = read_stats();
	ck_assert_uint_eq(ms.mallocs, 0);
	ck_assert_uint_eq(ms.frees, 0);
	ck_assert_uint_eq(ms.total_alloc, 0);
	ck_assert_uint_eq(ms.by_size[C48].mallocs, 0);
	gm_thread_detach();
	gm_shutdown();
}
END_TEST

/* right after gm_init and attach: nothing allocated, no page in use */
START_TEST(fresh_heap)
{
	gm_memstats ms = read_stats();
	check_identities(&ms);
	ck_assert_uint_eq(ms.mallocs, 0);
	ck_assert_uint_eq(ms.frees, 0);
	ck_assert_uint_eq(ms.heap_objects, 0);
	ck_assert_uint_eq(ms.total_alloc, 0);
	ck_assert_uint_eq(ms.heap_alloc, 0);
	ck_assert_uint_eq(ms.heap_inuse, 0);
	ck_assert_uint_eq(ms.mspan_inuse, 0);
	ck_assert_uint_eq(ms.mcache_inuse, CACHE_REC); /* this thread's */
	for (int c = 1; c < GM_NUM_SIZE_CLASSES; c++) {
		ck_assert_uint_eq(ms.by_size[c].mallocs, 0);
		ck_assert_uint_eq(ms.by_size[c].frees, 0);
	}
}
END_TEST

START_TEST(class_sizes)
{
	gm_memstats ms = read_stats();
	for (int c = 1; c < GM_NUM_SIZE_CLASSES; c++)
		ck_assert_msg(ms.by_size[c].size == go_class_size[c],
			      "by_size[%d].size = %u, want %u", c,
			      ms.by_size[c].size, go_class_size[c]);
}
END_TEST

/* ---- the known mix, phase by phase ---------------------------------------- */

#define N48 1000
#define NPTR32 500
#define NLARGE 10
#define LARGE_SIZE (100 * 1024)
#define LARGE_PAGES 13 /* 102400 / 8192 = 12.5, rounded up */
#define NTINY 3000
#define NBLOCKS 1500   /* two 8-byte tiny objects per 16-byte block */

/* spans the mix occupies, one page each for the small classes */
#define SPANS48 6  /* 170 objects a span: ceil(1000 / 170) */
#define SPANS32 2  /* 256 a span: ceil(500 / 256) */
#define SPANS16 3  /* 512 a span: ceil(1500 / 512) */

static void phase_noscan48(void)
{
	gm_memstats a = read_stats();
	for (int i = 0; i < N48; i++) {
		void *p = gm_alloc_noscan(48);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq(gm_object_size(p), 48);
	}
	gm_memstats b = read_stats();
	check_identities(&b);
	ck_assert_delta(a, b, by_size[C48].mallocs, N48);
	ck_assert_delta(a, b, by_size[C48].frees, 0);
	ck_assert_delta(a, b, mallocs, N48);
	ck_assert_delta(a, b, frees, 0);
	ck_assert_delta(a, b, heap_objects, N48);
	ck_assert_delta(a, b, total_alloc, N48 * 48);
	ck_assert_delta(a, b, heap_alloc, N48 * 48);
	ck_assert_delta(a, b, heap_inuse, SPANS48 * PAGE);
	ck_assert_delta(a, b, mspan_inuse, SPANS48 * SPAN_REC);
}

static void phase_ptr32(void)
{
	const gm_type *t = ptr32_type();
	gm_memstats a = read_stats();
	for (int i = 0; i < NPTR32; i++) {
		void *p = gm_new(t);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq(gm_object_size(p), 32);
	}
	gm_memstats b = read_stats();
	check_identities(&b);
	ck_assert_delta(a, b, by_size[C32].mallocs, NPTR32);
	ck_assert_delta(a, b, by_size[C48].mallocs, 0);
	ck_assert_delta(a, b, mallocs, NPTR32);
	ck_assert_delta(a, b, heap_objects, NPTR32);
	ck_assert_delta(a, b, total_alloc, NPTR32 * 32);
	ck_assert_delta(a, b, heap_alloc, NPTR32 * 32);
	ck_assert_delta(a, b, heap_inuse, SPANS32 * PAGE);
}

static void phase_large(void)
{
	gm_memstats a = read_stats();
	for (int i = 0; i < NLARGE; i++) {
		void *p = gm_alloc_noscan(LARGE_SIZE);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq(gm_object_size(p), LARGE_PAGES * PAGE);
	}
	gm_memstats b = read_stats();
	check_identities(&b);
	ck_assert_delta(a, b, mallocs, NLARGE);
	ck_assert_delta(a, b, frees, 0);
	ck_assert_delta(a, b, heap_objects, NLARGE);
	ck_assert_delta(a, b, total_alloc, NLARGE * LARGE_PAGES * PAGE); /* 1064960 */
	ck_assert_delta(a, b, heap_alloc, NLARGE * LARGE_PAGES * PAGE);
	ck_assert_delta(a, b, heap_inuse, NLARGE * LARGE_PAGES * PAGE);
	ck_assert_delta(a, b, mspan_inuse, NLARGE * SPAN_REC);
	for (int c = 1; c < GM_NUM_SIZE_CLASSES; c++) /* no size class */
		ck_assert_delta(a, b, by_size[c].mallocs, 0);
}

static void phase_tiny(void)
{
	gm_memstats a = read_stats();
	char *prev = NULL;
	for (int i = 0; i < NTINY; i++) {
		char *p = gm_alloc_noscan(8);
		ck_assert_ptr_nonnull(p);
		if (i % 2 == 1) /* the second half of the block just begun */
			ck_assert_ptr_eq(p, prev + 8);
		prev = p;
	}
	gm_memstats b = read_stats();
	check_identities(&b);
	/* 1500 blocks (class-2 objects) + 1500 tiny objects that fit in one */
	ck_assert_delta(a, b, by_size[C16].mallocs, NBLOCKS);
	ck_assert_delta(a, b, by_size[C16].frees, 0);
	ck_assert_delta(a, b, mallocs, NBLOCKS + (NTINY - NBLOCKS));
	ck_assert_delta(a, b, frees, NTINY - NBLOCKS);
	ck_assert_delta(a, b, heap_objects, NBLOCKS);
	ck_assert_delta(a, b, total_alloc, NBLOCKS * 16);
	ck_assert_delta(a, b, heap_alloc, NBLOCKS * 16);
	ck_assert_delta(a, b, heap_inuse, SPANS16 * PAGE);
}

/* the whole mix, after all four phases */
#define MIX_OBJECTS (N48 + NPTR32 + NLARGE + NBLOCKS)
#define MIX_MALLOCS (N48 + NPTR32 + NLARGE + NTINY)
#define MIX_BYTES (N48 * 48 + NPTR32 * 32 + NLARGE * LARGE_PAGES * PAGE + NBLOCKS * 16)
#define MIX_SPANS (SPANS48 + SPANS32 + SPANS16 + NLARGE)
#define MIX_PAGES (SPANS48 + SPANS32 + SPANS16 + NLARGE * LARGE_PAGES)

static void allocate_mix(void)
{
	phase_noscan48();
	phase_ptr32();
	phase_large();
	phase_tiny();
}

START_TEST(mix_phases)
{
	allocate_mix();
	gm_memstats ms = read_stats();
	check_identities(&ms);
	ck_assert_uint_eq(ms.mallocs, MIX_MALLOCS);               /* 4510 */
	ck_assert_uint_eq(ms.frees, NTINY - NBLOCKS);             /* 1500 */
	ck_assert_uint_eq(ms.heap_objects, MIX_OBJECTS);          /* 3010 */
	ck_assert_uint_eq(ms.total_alloc, MIX_BYTES);             /* 1152960 */
	ck_assert_uint_eq(ms.heap_alloc, MIX_BYTES);
	ck_assert_uint_eq(ms.heap_inuse, MIX_PAGES * PAGE);       /* 141 pages */
	ck_assert_uint_eq(ms.mspan_inuse, MIX_SPANS * SPAN_REC);
	ck_assert_uint_eq(ms.heap_sys, CHUNK);                    /* one 4 MiB chunk */
	/* new memory from the OS counts as released until first used (Go's
	 * pageAlloc.grow marks it scavenged): every idle page is released */
	ck_assert_uint_eq(ms.heap_released, CHUNK - MIX_PAGES * PAGE);
	ck_assert_uint_eq(ms.by_size[C48].mallocs, N48);
	ck_assert_uint_eq(ms.by_size[C32].mallocs, NPTR32);
	ck_assert_uint_eq(ms.by_size[C16].mallocs, NBLOCKS);
	for (int c = 1; c < GM_NUM_SIZE_CLASSES; c++) {
		ck_assert_uint_eq(ms.by_size[c].frees, 0);
		if (c != C48 && c != C32 && c != C16)
			ck_assert_uint_eq(ms.by_size[c].mallocs, 0);
	}
}
END_TEST

/* Reading twice with nothing in between changes no counter. */
START_TEST(read_is_stable)
{
	allocate_mix();
	gm_memstats a = read_stats(), b = read_stats();
	ck_assert_mem_eq(&a, &b, sizeof a);
}
END_TEST

START_TEST(sweep_frees_everything)
{
	allocate_mix();
	gm_memstats before = read_stats();
	gmi_sweep_all_unmarked();
	gm_memstats ms = read_stats();
	check_identities(&ms);
	ck_assert_uint_eq(ms.heap_objects, 0);
	ck_assert_uint_eq(ms.heap_alloc, 0);
	ck_assert_uint_eq(ms.alloc, 0);
	ck_assert_uint_eq(ms.heap_inuse, 0);
	ck_assert_uint_eq(ms.mspan_inuse, 0);
	ck_assert_uint_eq(ms.mallocs, MIX_MALLOCS); /* cumulative: unchanged */
	ck_assert_uint_eq(ms.frees, MIX_MALLOCS);
	ck_assert_uint_eq(ms.total_alloc, MIX_BYTES);
	ck_assert_uint_eq(ms.heap_idle, ms.heap_sys);
	ck_assert_uint_eq(ms.heap_sys, before.heap_sys); /* nothing unmapped */
	/* the freed pages are dirty; only the never-used ones are released */
	ck_assert_uint_eq(ms.heap_released, before.heap_released);
	ck_assert_uint_eq(ms.heap_idle - ms.heap_released, MIX_PAGES * PAGE);
	for (int c = 1; c < GM_NUM_SIZE_CLASSES; c++)
		ck_assert_msg(ms.by_size[c].frees == ms.by_size[c].mallocs,
			      "class %d: %llu mallocs, %llu frees", c,
			      (unsigned long long)ms.by_size[c].mallocs,
			      (unsigned long long)ms.by_size[c].frees);
	ck_assert_uint_eq(ms.by_size[C48].frees, N48);

	gm_free_os_memory();
	gm_memstats r = read_stats();
	check_identities(&r);
	ck_assert_uint_eq(r.heap_released, r.heap_idle);
	ck_assert_uint_eq(r.heap_released, r.heap_sys);
	ck_assert_uint_eq(r.heap_sys, ms.heap_sys); /* released stays in heap_sys */
	ck_assert_uint_eq(r.mallocs, ms.mallocs);
	ck_assert_uint_eq(r.frees, ms.frees);
}
END_TEST

/* After a sweep the heap reuses its pages: allocating the mix again grows
 * the counters by exactly the mix and takes no new memory from the OS. */
START_TEST(counts_after_sweep_and_reuse)
{
	allocate_mix();
	gmi_sweep_all_unmarked();
	gm_memstats a = read_stats();
	allocate_mix(); /* checks each phase's deltas again */
	gm_memstats b = read_stats();
	check_identities(&b);
	ck_assert_delta(a, b, mallocs, MIX_MALLOCS);
	ck_assert_delta(a, b, frees, NTINY - NBLOCKS);
	ck_assert_uint_eq(b.heap_objects, MIX_OBJECTS);
	ck_assert_uint_eq(b.heap_alloc, MIX_BYTES);
	ck_assert_uint_eq(b.heap_inuse, MIX_PAGES * PAGE);
	ck_assert_uint_eq(b.heap_sys, a.heap_sys);
}
END_TEST

/* Only tiny objects that fit in the current block count as tiny; the block
 * kept is the one with more room left (Go's rule):
 *   8 bytes   new block A (class-2 object), A holds 8
 *   12 bytes  A has 8 left, 12 does not fit: new block B; A keeps its
 *             place (12 < 8 is false), B holds the 12 bytes alone
 *   8 bytes   fits in A: a tiny allocation
 *   1 byte    A is full: new block C, which becomes current (1 < 16)
 *   1 byte x15 fit in C: 15 tiny allocations */
START_TEST(tiny_blocks_and_rule)
{
	gm_memstats a = read_stats();
	char *pa = gm_alloc_noscan(8);
	char *pb = gm_alloc_noscan(12);
	char *pa2 = gm_alloc_noscan(8);
	ck_assert_ptr_eq(pa2, pa + 8);
	ck_assert_ptr_ne(pb, pa);
	char *pc = gm_alloc_noscan(1);
	for (int i = 1; i < 16; i++)
		ck_assert_ptr_eq(gm_alloc_noscan(1), pc + i);
	gm_memstats b = read_stats();
	check_identities(&b);
	ck_assert_delta(a, b, by_size[C16].mallocs, 3);  /* A, B, C */
	ck_assert_delta(a, b, mallocs, 3 + 1 + 15);
	ck_assert_delta(a, b, frees, 1 + 15);
	ck_assert_delta(a, b, heap_objects, 3);
	ck_assert_delta(a, b, total_alloc, 3 * 16);
}
END_TEST

/* Releasing the cache (as before a sweep) flushes the tiny count once:
 * reads after it see each tiny allocation exactly once. */
START_TEST(release_flushes_tiny_once)
{
	gm_memstats a = read_stats();
	for (int i = 0; i < 10; i++)
		ck_assert_ptr_nonnull(gm_alloc_noscan(4)); /* blocks of 4, 4 and 2 */
	gmi_mcache_release_current();
	gm_memstats b = read_stats();
	ck_assert_delta(a, b, by_size[C16].mallocs, 3);
	ck_assert_delta(a, b, mallocs, 10);
	ck_assert_delta(a, b, frees, 7);
	/* the released block is not reused: a new one is taken */
	ck_assert_ptr_nonnull(gm_alloc_noscan(4));
	gm_memstats c = read_stats();
	ck_assert_delta(b, c, by_size[C16].mallocs, 1);
	ck_assert_delta(b, c, mallocs, 1);
	ck_assert_delta(b, c, frees, 0);
	check_identities(&c);
}
END_TEST

/* Zero-size allocations return zerobase and count nothing (Go does not
 * count them either). */
START_TEST(zero_size_counts_nothing)
{
	gm_memstats a = read_stats();
	void *p = gm_alloc_noscan(0), *q = gm_alloc_noscan(0);
	ck_assert_ptr_eq(p, q);
	gm_memstats b = read_stats();
	ck_assert_delta(a, b, mallocs, 0);
	ck_assert_delta(a, b, total_alloc, 0);
	ck_assert_delta(a, b, heap_inuse, 0);
}
END_TEST

/* gm_new_array counts one object of the rounded total size. */
START_TEST(array_counts_one_object)
{
	const gm_type *t = ptr32_type();
	gm_memstats a = read_stats();
	void *p = gm_new_array(t, 3); /* 96 bytes: class 8 */
	ck_assert_ptr_nonnull(p);
	void *q = gm_new_array(t, 2048); /* 65536 bytes: large, 8 pages */
	ck_assert_ptr_nonnull(q);
	gm_memstats b = read_stats();
	check_identities(&b);
	ck_assert_delta(a, b, by_size[8].mallocs, 1);
	ck_assert_delta(a, b, mallocs, 2);
	ck_assert_delta(a, b, total_alloc, 96 + 65536);
}
END_TEST

/* Each size class gets its own count: one object of every class size. */
START_TEST(every_class_counted)
{
	gm_memstats a = read_stats();
	/* 16 and up: not tiny.  Class 67 is reached by 32760 bytes at most:
	 * larger requests are large objects (Go 1.22 mallocgc: size <=
	 * maxSmallSize - mallocHeaderSize) */
	for (int c = 2; c < GM_NUM_SIZE_CLASSES; c++)
		ck_assert_ptr_nonnull(gm_alloc_noscan(c == 67 ? 32760 : go_class_size[c]));
	/* class 1 (8 bytes) is only reached by objects with pointers */
	static const size_t off0 = 0;
	const gm_type *p8 = gm_type_new("p8", 8, &off0, 1);
	ck_assert_ptr_nonnull(p8);
	ck_assert_ptr_nonnull(gm_new(p8));
	gm_memstats b = read_stats();
	check_identities(&b);
	uint64_t bytes = 0;
	for (int c = 1; c < GM_NUM_SIZE_CLASSES; c++) {
		ck_assert_msg(b.by_size[c].mallocs - a.by_size[c].mallocs == 1,
			      "class %d (%u bytes): %llu mallocs", c, go_class_size[c],
			      (unsigned long long)(b.by_size[c].mallocs - a.by_size[c].mallocs));
		bytes += go_class_size[c];
	}
	ck_assert_delta(a, b, mallocs, GM_NUM_SIZE_CLASSES - 1);
	ck_assert_delta(a, b, total_alloc, bytes);
}
END_TEST

/* ---- other threads ---------------------------------------------------------- */

#define MT_THREADS 2
#define MT_N 10000 /* 64-byte objects per thread: many refills */
#define MT_TINY 1000 /* 8-byte tiny objects per thread: 500 blocks */

static void *mt_worker(void *arg)
{
	int *err = arg;
	*err = gm_thread_attach();
	if (*err != GM_OK)
		return NULL;
	for (int i = 0; i < MT_N; i++)
		if (gm_alloc_noscan(64) == NULL)
			*err = -1;
	for (int i = 0; i < MT_TINY; i++)
		if (gm_alloc_noscan(8) == NULL)
			*err = -1;
	gm_thread_detach(); /* flushes this thread's counts */
	return NULL;
}

START_TEST(threads_flush_at_detach)
{
	gm_memstats a = read_stats();
	pthread_t th[MT_THREADS];
	int err[MT_THREADS];
	for (int i = 0; i < MT_THREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, mt_worker, &err[i]), 0);
	for (int i = 0; i < MT_THREADS; i++) {
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
		ck_assert_int_eq(err[i], GM_OK);
	}
	gm_memstats b = read_stats();
	check_identities(&b);
	ck_assert_delta(a, b, by_size[C64].mallocs, MT_THREADS * MT_N);
	ck_assert_delta(a, b, by_size[C16].mallocs, MT_THREADS * MT_TINY / 2);
	ck_assert_delta(a, b, mallocs, MT_THREADS * (MT_N + MT_TINY));
	ck_assert_delta(a, b, frees, MT_THREADS * MT_TINY / 2);
	ck_assert_delta(a, b, heap_objects, MT_THREADS * (MT_N + MT_TINY / 2));
	ck_assert_delta(a, b, total_alloc, MT_THREADS * (MT_N * 64 + MT_TINY / 2 * 16));
	/* the workers' caches went back: only this thread's remains */
	ck_assert_uint_eq(b.mcache_inuse, CACHE_REC);

	/* every thread detached: the sweep may run, and frees them all */
	gmi_sweep_all_unmarked();
	gm_memstats c = read_stats();
	check_identities(&c);
	ck_assert_uint_eq(c.by_size[C64].frees, MT_THREADS * MT_N);
	ck_assert_uint_eq(c.by_size[C16].frees, MT_THREADS * MT_TINY / 2);
	ck_assert_uint_eq(c.heap_objects, 0);
	ck_assert_uint_eq(c.heap_inuse, 0);
}
END_TEST

static Suite *stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("uninitialised");
	tcase_add_test(tc, zero_before_init);
	tcase_add_test(tc, zero_after_shutdown_and_reset_at_init);
	suite_add_tcase(s, tc);

	tc = tcase_create("heap");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fresh_heap);
	tcase_add_test(tc, class_sizes);
	tcase_add_test(tc, mix_phases);
	tcase_add_test(tc, read_is_stable);
	tcase_add_test(tc, sweep_frees_everything);
	tcase_add_test(tc, counts_after_sweep_and_reuse);
	tcase_add_test(tc, tiny_blocks_and_rule);
	tcase_add_test(tc, release_flushes_tiny_once);
	tcase_add_test(tc, zero_size_counts_nothing);
	tcase_add_test(tc, array_counts_one_object);
	tcase_add_test(tc, every_class_counted);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, threads_flush_at_detach);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(stats_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/*
 * test_malloc.c — the allocation paths: tiny, small, large; zeroing;
 * gm_object_size; bad input; misuse; out of memory.
 *
 * Multi-threaded cases use fixed seeds and are not benchmarks.  The
 * collector stays off (GOGC=off): objects here are held in static arrays,
 * which are not roots, and freed through the internal sweep entry.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/gmi.h"
#include "alloc/mheap.h"
#include "alloc/os.h"
#include "gomem.h"

static void setup(void)
{
	gm_config cfg;
	gm_config_default(&cfg);
	cfg.gc_percent = GM_GOGC_OFF; /* the allocator alone: see the top */
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
}

static void teardown(void)
{
	gm_thread_detach();
	gm_shutdown();
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

START_TEST(zero_size_returns_one_valid_pointer)
{
	void *a = gm_alloc_noscan(0), *b = gm_alloc_noscan(0);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_eq(a, b); /* Go's zerobase */
	ck_assert_uint_eq(gm_object_size(a), 0);
	size_t off = 0;
	const gm_type *t = gm_type_new("empty", 0, &off, 0);
	ck_assert_ptr_eq(gm_new(t), a);
	ck_assert_ptr_eq(gm_new_array(t, 1000), a);
}
END_TEST

START_TEST(tiny_objects_share_blocks_aligned)
{
	/* 1, 2, 4 and 8-byte objects: Go aligns each to its size's factor */
	char *a = gm_alloc_noscan(1);
	char *b = gm_alloc_noscan(2);
	char *c = gm_alloc_noscan(4);
	char *d = gm_alloc_noscan(8);
	ck_assert_uint_eq((uintptr_t)b % 2, 0);
	ck_assert_uint_eq((uintptr_t)c % 4, 0);
	ck_assert_uint_eq((uintptr_t)d % 8, 0);
	/* a, b, c fit one 16-byte block: offsets 0, 2, 4 */
	ck_assert_ptr_eq(b, a + 2);
	ck_assert_ptr_eq(c, a + 4);
	ck_assert_ptr_eq(d, a + 8);
	/* the block is a 16-byte object of class 2 */
	ck_assert_uint_eq(gm_object_size(a), 16);
	ck_assert_uint_eq(gm_object_size(d + 7), 16);
	/* the next tiny object needs a new block */
	char *e = gm_alloc_noscan(8);
	ck_assert((uintptr_t)e - (uintptr_t)a >= 16);
	ck_assert(all_zero(e, 8));
}
END_TEST

START_TEST(small_sizes_get_their_class)
{
	for (size_t size = 16; size <= 32768; size += 8) {
		char *p = gm_alloc_noscan(size);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq(gm_object_size(p), gmi_class_to_size[gmi_size_to_class(size)]);
		ck_assert_uint_eq(gm_object_size(p + size - 1), gm_object_size(p));
		ck_assert_uint_eq((uintptr_t)p % 8, 0);
		ck_assert(all_zero(p, size));
		memset(p, 0x5a, size);
	}
}
END_TEST

START_TEST(objects_do_not_overlap)
{
	enum { N = 5000 };
	static char *ps[N];
	for (int i = 0; i < N; i++) {
		size_t size = 1 + (size_t)(i * 131) % 3000;
		ps[i] = gm_alloc_noscan(size);
		memset(ps[i], i & 0xff, size);
	}
	/* (Check records every assertion: count mismatches, assert once) */
	long bad = 0;
	for (int i = 0; i < N; i++) {
		size_t size = 1 + (size_t)(i * 131) % 3000;
		for (size_t k = 0; k < size; k++)
			bad += (unsigned char)ps[i][k] != (i & 0xff);
	}
	ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(large_objects_page_rounded_and_zeroed)
{
	size_t sizes[] = { 32769, 65536, 100000, 1 << 20, 4 << 20, 70u << 20 };
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		char *p = gm_alloc_noscan(sizes[i]);
		ck_assert_ptr_nonnull(p);
		size_t rounded = (sizes[i] + 8191) & ~(size_t)8191;
		ck_assert_uint_eq(gm_object_size(p), rounded);
		ck_assert_uint_eq(gm_object_size(p + rounded - 1), rounded);
		ck_assert_uint_eq((uintptr_t)p % 8192, 0);
		ck_assert(all_zero(p, sizes[i]));
		memset(p, 0xff, sizes[i]);
	}
}
END_TEST

START_TEST(reused_memory_is_zeroed)
{
	/* dirty every slot, free them all by sweeping, allocate again */
	enum { N = 4000 };
	static char *ps[N];
	size_t sizes[] = { 8, 24, 48, 1024, 5000, 40000 };
	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
		for (int i = 0; i < N; i++) {
			ps[i] = gm_alloc_noscan(sizes[s]);
			memset(ps[i], 0xee, sizes[s]);
		}
		gmi_sweep_all_unmarked();
		for (int i = 0; i < N; i++) {
			char *p = gm_alloc_noscan(sizes[s]);
			ck_assert(all_zero(p, sizes[s]));
			memset(p, 0xee, sizes[s]);
		}
		gmi_sweep_all_unmarked();
	}
}
END_TEST

START_TEST(sweep_reuses_freed_slots)
{
	char *first = gm_alloc_noscan(64);
	for (int i = 0; i < 100; i++)
		gm_alloc_noscan(64);
	gmi_sweep_all_unmarked();
	/* the emptied span went back to the page heap and the lowest free
	 * pages are handed out again */
	char *again = gm_alloc_noscan(64);
	ck_assert_ptr_eq(again, first);
	gm_memstats ms;
	gm_read_memstats(&ms);
	ck_assert_uint_eq(ms.heap_objects, 1);
}
END_TEST

START_TEST(object_size_rejects_non_objects)
{
	static int global;
	int local;
	ck_assert_uint_eq(gm_object_size(&global), 0);
	ck_assert_uint_eq(gm_object_size(&local), 0);
	ck_assert_uint_eq(gm_object_size(NULL), 0);
	char *p = gm_alloc_noscan(64);
	/* the next slot of the span is free */
	ck_assert_uint_eq(gm_object_size(p + 64), 0);
	ck_assert_uint_eq(gm_object_size(p + 63), 64);
	gmi_sweep_all_unmarked();
	ck_assert_uint_eq(gm_object_size(p), 0);
}
END_TEST

START_TEST(types_scan_and_noscan)
{
	size_t offs[] = { 8, 0 };
	const gm_type *t = gm_type_new("pair", 24, offs, 2);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(gm_type_name(t), "pair");
	ck_assert_uint_eq(gm_type_size(t), 24);
	void **p = gm_new(t);
	ck_assert_uint_eq(gm_object_size(p), 24);
	gmi_mspan *s = gmi_span_of((uintptr_t)p);
	ck_assert_int_eq(gmi_spanclass_noscan(s->spanclass), 0);
	void *q = gm_alloc_noscan(24);
	ck_assert_int_eq(gmi_spanclass_noscan(gmi_span_of((uintptr_t)q)->spanclass), 1);
	void **arr = gm_new_array(t, 10);
	ck_assert_uint_eq(gm_object_size(arr), 240);
	ck_assert(all_zero(arr, 240));
}
END_TEST

START_TEST(type_new_rejects_bad_maps)
{
	size_t odd[] = { 4 };
	size_t outside[] = { 16 };
	size_t twice[] = { 8, 8 };
	ck_assert_ptr_null(gm_type_new("odd", 16, odd, 1));
	ck_assert_ptr_null(gm_type_new("outside", 16, outside, 1));
	ck_assert_ptr_null(gm_type_new("twice", 16, twice, 2));
	size_t first[] = { 0 };
	ck_assert_ptr_null(gm_type_new("odd size", 12, first, 1));
	ck_assert_ptr_nonnull(gm_type_new("odd size, no pointers", 12, first, 0));
	ck_assert_ptr_null(gm_type_new(NULL, 16, NULL, 0));
	ck_assert_ptr_null(gm_type_new("null offsets", 16, NULL, 1));
}
END_TEST

START_TEST(new_array_overflow_aborts)
{
	size_t off = 0;
	const gm_type *t = gm_type_new("big", 1 << 20, &off, 1);
	gm_new_array(t, SIZE_MAX / 2); /* must abort, never wrap */
}
END_TEST

START_TEST(new_array_overflow_returns_null_when_asked)
{
	gm_thread_detach();
	gm_shutdown();
	gm_config cfg;
	gm_config_default(&cfg);
	cfg.on_oom = GM_OOM_RETURN_NULL;
	cfg.gc_percent = GM_GOGC_OFF;
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	size_t off = 0;
	const gm_type *t = gm_type_new("big", 1 << 20, &off, 1);
	errno = 0;
	ck_assert_ptr_null(gm_new_array(t, SIZE_MAX / 2));
	ck_assert_int_eq(errno, EOVERFLOW);
	ck_assert_ptr_null(gm_alloc_noscan(SIZE_MAX - 5));
	/* still usable */
	ck_assert_ptr_nonnull(gm_new_array(t, 3));
}
END_TEST

START_TEST(unattached_thread_aborts)
{
	gm_thread_detach();
	gm_alloc_noscan(64);
}
END_TEST

START_TEST(unattached_thread_aborts_large)
{
	gm_thread_detach();
	gm_alloc_noscan(1 << 20);
}
END_TEST

START_TEST(alloc_before_init_aborts)
{
	gm_alloc_noscan(8);
}
END_TEST

/* fault injection: the OS refuses after a number of maps */
static void oom_setup(gm_oom_policy policy)
{
	gm_config cfg;
	gm_config_default(&cfg);
	cfg.on_oom = policy;
	cfg.gc_percent = GM_GOGC_OFF;
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
}

START_TEST(oom_returns_null_and_heap_stays_usable)
{
	ck_assert(gmi_os_fault_injection_enabled());
	oom_setup(GM_OOM_RETURN_NULL);
	/* some objects before the failure, with known contents */
	enum { N = 2000 };
	static uint32_t *keep[N];
	for (int i = 0; i < N; i++) {
		keep[i] = gm_alloc_noscan(100);
		keep[i][0] = (uint32_t)i * 2654435761u;
	}
	gmi_os_fail_after(0);
	void *big = gm_alloc_noscan((size_t)256 << 20); /* needs a new region */
	ck_assert_ptr_null(big);
	ck_assert_int_eq(errno, ENOMEM);
	/* small allocations keep working from what is mapped */
	for (int i = 0; i < 100; i++)
		ck_assert_ptr_nonnull(gm_alloc_noscan(100));
	gmi_os_fail_after(-1);
	for (int i = 0; i < N; i++)
		ck_assert_uint_eq(keep[i][0], (uint32_t)i * 2654435761u);
	ck_assert(gmi_pagealloc_check(&gmi_heap.pages));
	big = gm_alloc_noscan((size_t)256 << 20);
	ck_assert_ptr_nonnull(big);
	ck_assert_uint_eq(gm_object_size(big), (size_t)256 << 20);
	gm_memstats ms;
	gm_read_memstats(&ms);
	ck_assert_uint_eq(ms.heap_inuse + ms.heap_idle, ms.heap_sys);
	teardown();
}
END_TEST

START_TEST(oom_fails_at_every_point_cleanly)
{
	/* let the OS refuse after k maps for growing k: each run must either
	 * succeed or fail cleanly, and the heap must stay consistent */
	oom_setup(GM_OOM_RETURN_NULL);
	for (long k = 0; k < 40; k++) {
		gmi_os_fail_after(k);
		for (int i = 0; i < 16; i++) {
			void *p = gm_alloc_noscan((size_t)(i + 1) << 20);
			if (p != NULL)
				ck_assert(all_zero(p, 4096));
		}
		gmi_os_fail_after(-1);
		ck_assert(gmi_pagealloc_check(&gmi_heap.pages));
		gmi_sweep_all_unmarked();
	}
	ck_assert_ptr_nonnull(gm_alloc_noscan(1 << 20));
	teardown();
}
END_TEST

START_TEST(oom_default_aborts_with_message)
{
	oom_setup(GM_OOM_ABORT);
	gmi_os_fail_after(0);
	gm_alloc_noscan((size_t)256 << 20);
}
END_TEST

/* --- threads ------------------------------------------------------------ */

struct worker {
	int id;
	int rounds;
	unsigned seed;
};

static pthread_barrier_t workers_barrier;

/* allocate checksummed objects, verify them, meet, let thread 0 sweep */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	enum { N = 3000 };
	uint64_t **objs = calloc(N, sizeof *objs);
	size_t *sizes = calloc(N, sizeof *sizes);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	for (int r = 0; r < w->rounds; r++) {
		for (int i = 0; i < N; i++) {
			size_t size = 8 + (size_t)(rand_r(&w->seed) % 4096) * 8;
			if (i % 500 == 0)
				size = 40000 + (size_t)(rand_r(&w->seed) % 100000);
			objs[i] = gm_alloc_noscan(size);
			sizes[i] = size;
			for (size_t k = 0; k < size / 8; k++)
				objs[i][k] = ((uint64_t)w->id << 56) ^ (uint64_t)i * 31 ^ k;
		}
		long bad = 0;
		for (int i = 0; i < N; i++)
			for (size_t k = 0; k < sizes[i] / 8; k++)
				bad += objs[i][k] != (((uint64_t)w->id << 56) ^ (uint64_t)i * 31 ^ k);
		ck_assert_int_eq(bad, 0);
		gmi_mcache_release_current();
		pthread_barrier_wait(&workers_barrier);
		if (w->id == 0)
			gmi_sweep_all_unmarked();
		pthread_barrier_wait(&workers_barrier);
	}
	gm_thread_detach();
	free(objs);
	free(sizes);
	return NULL;
}

START_TEST(threads_allocate_concurrently)
{
	gm_thread_detach();
	enum { T = 4 };
	pthread_t th[T];
	struct worker w[T];
	pthread_barrier_init(&workers_barrier, NULL, T);
	for (int i = 0; i < T; i++) {
		w[i] = (struct worker){ .id = i, .rounds = 6, .seed = 1234u + (unsigned)i };
		pthread_create(&th[i], NULL, worker_main, &w[i]);
	}
	for (int i = 0; i < T; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&workers_barrier);
	ck_assert(gmi_pagealloc_check(&gmi_heap.pages));
	gm_memstats ms;
	gm_read_memstats(&ms);
	ck_assert_uint_eq(ms.heap_objects, 0);
	ck_assert_uint_eq(ms.heap_inuse, 0);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
}
END_TEST

static Suite *malloc_suite(void)
{
	Suite *s = suite_create("malloc");
	TCase *tc = tcase_create("paths");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, zero_size_returns_one_valid_pointer);
	tcase_add_test(tc, tiny_objects_share_blocks_aligned);
	tcase_add_test(tc, small_sizes_get_their_class);
	tcase_add_test(tc, objects_do_not_overlap);
	tcase_add_test(tc, large_objects_page_rounded_and_zeroed);
	tcase_add_test(tc, reused_memory_is_zeroed);
	tcase_add_test(tc, sweep_reuses_freed_slots);
	tcase_add_test(tc, object_size_rejects_non_objects);
	tcase_add_test(tc, types_scan_and_noscan);
	tcase_add_test(tc, type_new_rejects_bad_maps);
	tcase_add_test(tc, new_array_overflow_returns_null_when_asked);
	tcase_add_test_raise_signal(tc, new_array_overflow_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, unattached_thread_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, unattached_thread_aborts_large, SIGABRT);
	tcase_add_test(tc, threads_allocate_concurrently);
	suite_add_tcase(s, tc);

	TCase *bare = tcase_create("no_fixture");
	tcase_set_timeout(bare, 120);
	tcase_add_test_raise_signal(bare, alloc_before_init_aborts, SIGABRT);
	tcase_add_test(bare, oom_returns_null_and_heap_stays_usable);
	tcase_add_test(bare, oom_fails_at_every_point_cleanly);
	tcase_add_test_raise_signal(bare, oom_default_aborts_with_message, SIGABRT);
	suite_add_tcase(s, bare);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(malloc_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * test_mheap.c — the page heap, arenas, the address-to-span map, sweeping
 * by mark bits, and returning memory to the OS.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc/gmi.h"
#include "alloc/malloc.h"
#include "alloc/mcache.h"
#include "alloc/mheap.h"
#include "alloc/scavenge.h"
#include "gomem.h"

/* The collector stays off (GOGC=off): these tests free through the
 * internal sweep entry and set mark bits by hand. */
static void setup(void)
{
	gm_config cfg;
	gm_config_default(&cfg);
	cfg.gc_percent = GM_GOGC_OFF;
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
}

static void teardown(void)
{
	gm_thread_detach();
	gm_shutdown();
}

/* what the collector will do: set the mark bit of the object at p */
static void mark(void *p)
{
	gmi_mspan *s = gmi_span_of((uintptr_t)p);
	ck_assert_ptr_nonnull(s);
	uintptr_t i = gmi_span_obj_index(s, (uintptr_t)p);
	s->gcmark_bits[i / 64] |= (uint64_t)1 << (i % 64);
}

START_TEST(find_object_maps_interior_pointers)
{
	char *small = gm_alloc_noscan(48);
	char *large = gm_alloc_noscan(100000);
	uintptr_t base;
	size_t size;
	for (size_t off = 0; off < 48; off++) {
		ck_assert(gmi_find_object((uintptr_t)small + off, &base, &size));
		ck_assert_uint_eq(base, (uintptr_t)small);
		ck_assert_uint_eq(size, 48);
	}
	for (size_t off = 0; off < 106496; off += 997) {
		ck_assert(gmi_find_object((uintptr_t)large + off, &base, &size));
		ck_assert_uint_eq(base, (uintptr_t)large);
		ck_assert_uint_eq(size, 106496);
	}
	/* past the large object: no span there */
	ck_assert(!gmi_find_object((uintptr_t)large + 106496, &base, &size));
	/* the free slot after `small` in its span */
	ck_assert(!gmi_find_object((uintptr_t)small + 48, &base, &size));
	/* outside the heap */
	static int global;
	ck_assert(!gmi_find_object((uintptr_t)&global, &base, &size));
	ck_assert(!gmi_find_object(0, &base, &size));
	ck_assert(!gmi_find_object(UINTPTR_MAX, &base, &size));
	ck_assert_ptr_null(gmi_span_of((uintptr_t)1 << 47));
}
END_TEST

START_TEST(span_tail_beyond_last_object_is_no_object)
{
	/* class 6 (48 B) wastes 32 bytes at the end of its 8 KiB span */
	char *p = gm_alloc_noscan(48);
	gmi_mspan *s = gmi_span_of((uintptr_t)p);
	ck_assert_uint_eq(s->nelems, 170);
	ck_assert_uint_eq(s->limit, s->startaddr + 170 * 48);
	uintptr_t base;
	size_t size;
	ck_assert(!gmi_find_object(s->limit, &base, &size));
	ck_assert(!gmi_find_object(s->startaddr + 8191, &base, &size));
	ck_assert_ptr_eq(gmi_span_of(s->startaddr + 8191), s);
}
END_TEST

START_TEST(heap_grows_across_arenas)
{
	enum { N = 6 };
	char *ps[N];
	for (int i = 0; i < N; i++) {
		ps[i] = gm_alloc_noscan((size_t)40 << 20);
		ck_assert_ptr_nonnull(ps[i]);
		ps[i][0] = (char)i;
		ps[i][(40 << 20) - 1] = (char)i;
	}
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(ps[i][0], i);
		ck_assert_int_eq(ps[i][(40 << 20) - 1], i);
		ck_assert_uint_eq(gm_object_size(ps[i] + 12345), (size_t)40 << 20);
	}
	gm_memstats ms;
	gm_read_memstats(&ms);
	ck_assert_uint_ge(ms.heap_sys, (size_t)240 << 20);
	ck_assert_uint_eq(ms.heap_sys % ((size_t)4 << 20), 0);
	ck_assert(gmi_heap_check());
}
END_TEST

START_TEST(first_arena_at_go_hint)
{
	/* Go's first hint is 0x00c000000000; sanitizers keep their own memory
	 * there, so their builds use a range each leaves free (arena.c) */
#if defined(__SANITIZE_ADDRESS__)
	uintptr_t hint = (uintptr_t)0x3000 << 32;
#elif defined(__SANITIZE_THREAD__)
	uintptr_t hint = (uintptr_t)0x0040 << 32;
#else
	uintptr_t hint = (uintptr_t)0x00c0 << 32;
#endif
	char *p = gm_alloc_noscan(64);
	/* the OS normally honours it */
	ck_assert_uint_eq((uintptr_t)p >> 26, hint >> 26);
}
END_TEST

START_TEST(sweep_frees_unmarked_and_keeps_marked)
{
	enum { N = 1000 };
	static char *ps[N];
	for (int i = 0; i < N; i++) {
		ps[i] = gm_alloc_noscan(64);
		memset(ps[i], i & 0xff, 64);
		if (i % 3 == 0)
			mark(ps[i]);
	}
	char *big_kept = gm_alloc_noscan(1 << 20);
	char *big_freed = gm_alloc_noscan(1 << 20);
	big_kept[0] = 42;
	mark(big_kept);
	gm_memstats before, after;
	gm_read_memstats(&before);
	gmi_sweep_all_unmarked();
	gm_read_memstats(&after);
	ck_assert_uint_eq(after.frees - before.frees, N - (N + 2) / 3 + 1);
	ck_assert_uint_eq(after.heap_objects, (N + 2) / 3 + 1);
	long bad = 0;
	for (int i = 0; i < N; i++) {
		size_t want = i % 3 == 0 ? 64 : 0;
		bad += gm_object_size(ps[i]) != want;
		if (want)
			for (int k = 0; k < 64; k++)
				bad += (unsigned char)ps[i][k] != (i & 0xff);
	}
	ck_assert_int_eq(bad, 0);
	ck_assert_uint_eq(gm_object_size(big_kept), 1 << 20);
	ck_assert_int_eq(big_kept[0], 42);
	ck_assert_uint_eq(gm_object_size(big_freed), 0);
	ck_assert(gmi_heap_check());
	/* new objects fill the freed slots, zeroed, never the kept ones */
	for (int i = 0; i < N; i++) {
		char *p = gm_alloc_noscan(64);
		for (int k = 0; k < 64; k++)
			bad += p[k] != 0;
		memset(p, 0xff, 64);
	}
	ck_assert_int_eq(bad, 0);
	for (int i = 0; i < N; i += 3)
		for (int k = 0; k < 64; k++)
			bad += (unsigned char)ps[i][k] != (i & 0xff);
	ck_assert_int_eq(bad, 0);
	/* a second sweep with nothing marked frees the rest */
	gmi_sweep_all_unmarked();
	gm_read_memstats(&after);
	ck_assert_uint_eq(after.heap_objects, 0);
	ck_assert_uint_eq(after.heap_inuse, 0);
	ck_assert(gmi_heap_check());
}
END_TEST

START_TEST(sweepgen_advances_by_two)
{
	uint32_t sg = atomic_load(&gmi_heap.sweepgen);
	char *p = gm_alloc_noscan(32);
	gmi_mspan *s = gmi_span_of((uintptr_t)p);
	/* cached: swept, then cached (h + 3) */
	ck_assert_uint_eq(atomic_load(&s->sweepgen), sg + 3);
	mark(p);
	gmi_sweep_all_unmarked();
	ck_assert_uint_eq(atomic_load(&gmi_heap.sweepgen), sg + 2);
	ck_assert_uint_eq(atomic_load(&s->sweepgen), sg + 2);
	ck_assert_uint_eq(gmi_spanset_len(gmi_central_partial_swept(&gmi_heap.central[s->spanclass], sg + 2)), 1);
}
END_TEST

START_TEST(fresh_memory_needs_no_zeroing_reused_does)
{
	char *p = gm_alloc_noscan(1 << 20);
	gmi_mspan *s = gmi_span_of((uintptr_t)p);
	ck_assert(!s->needzero);
	memset(p, 1, 1 << 20);
	gmi_sweep_all_unmarked();
	char *q = gm_alloc_noscan(1 << 20);
	ck_assert_ptr_eq(q, p);
	ck_assert(gmi_span_of((uintptr_t)q)->needzero);
	for (size_t i = 0; i < 1 << 20; i += 4096)
		ck_assert_int_eq(q[i], 0);
}
END_TEST

/* resident bytes of this process, from /proc/self/statm */
static size_t rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	ck_assert_ptr_nonnull(f);
	unsigned long size, resident;
	ck_assert_int_eq(fscanf(f, "%lu %lu", &size, &resident), 2);
	fclose(f);
	return resident * (size_t)sysconf(_SC_PAGESIZE);
}

START_TEST(free_os_memory_returns_pages)
{
	size_t n = (size_t)128 << 20;
	char *p = gm_alloc_noscan(n);
	memset(p, 7, n);
	size_t rss_full = rss_bytes();
	gmi_sweep_all_unmarked();
	gm_memstats ms;
	gm_read_memstats(&ms);
	ck_assert_uint_ge(ms.heap_idle - ms.heap_released, n);
	gm_free_os_memory();
	gm_read_memstats(&ms);
	ck_assert_uint_eq(ms.heap_released, ms.heap_idle);
	ck_assert_uint_eq(ms.heap_inuse + ms.heap_idle, ms.heap_sys);
	size_t rss_after = rss_bytes();
	/* the 128 MiB went back: allow for whatever else moved */
	ck_assert_uint_ge(rss_full - rss_after, n - ((size_t)16 << 20));
	/* and the pages come back zeroed, with no memset needed */
	char *q = gm_alloc_noscan(n);
	ck_assert_uint_eq(q[0] + q[n / 2] + q[n - 1], 0);
	ck_assert(gmi_heap_check());
}
END_TEST

/* gm_free_os_memory's release (gmi_scavenge_all) polls the safepoint after
 * every quantum of 64 KiB (Go's scavengeQuantum), so that a stop of the
 * world waits for one madvise of at most that much, never for a gigabyte's
 * worth.  The collector is off, so no background scavenger releases pages
 * meanwhile. */
static int scav_polls;
static uint64_t scav_released_last, scav_step_max;

static void scav_poll_hook(void)
{
	uint64_t r = atomic_load(&gmi_heap.stats.heap_released);
	if (r - scav_released_last > scav_step_max)
		scav_step_max = r - scav_released_last;
	scav_released_last = r;
	scav_polls++;
}

START_TEST(scavenge_all_polls_every_quantum)
{
	size_t n = (size_t)8 << 20;
	char *p = gm_alloc_noscan(n);
	memset(p, 7, n);
	gmi_sweep_all_unmarked();
	void (*saved)(void) = gmi_alloc_poll_hook;
	gmi_alloc_poll_hook = scav_poll_hook;
	scav_polls = 0;
	scav_step_max = 0;
	uint64_t before = atomic_load(&gmi_heap.stats.heap_released);
	scav_released_last = before;
	gmi_scavenge_all();
	gmi_alloc_poll_hook = saved;
	uint64_t released = atomic_load(&gmi_heap.stats.heap_released) - before;
	ck_assert_uint_ge(released, n);
	ck_assert_uint_le(scav_step_max, GMI_SCAVENGE_QUANTUM);
	ck_assert_uint_ge((uint64_t)scav_polls, released / GMI_SCAVENGE_QUANTUM - 1);
	ck_assert(gmi_heap_check());
}
END_TEST

START_TEST(detach_returns_cached_spans)
{
	char *p = gm_alloc_noscan(128);
	gmi_mspan *s = gmi_span_of((uintptr_t)p);
	ck_assert_ptr_eq(gmi_tls_mcache->alloc[s->spanclass], s);
	gm_thread_detach();
	gmi_spanset *partial = gmi_central_partial_swept(&gmi_heap.central[s->spanclass],
							 atomic_load(&gmi_heap.sweepgen));
	ck_assert_uint_eq(gmi_spanset_len(partial), 1);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	/* the next allocation takes the same span back from the mcentral */
	char *q = gm_alloc_noscan(128);
	ck_assert_ptr_eq(q, p + 128);
}
END_TEST

/* A refill that sweeps full spans polls the safepoint every 16 of them
 * (mcentral.c, step 3).  Should a cycle begin while the thread is parked
 * there, the sweepgen it read is stale and the span sets it names have
 * swapped roles: the refill must start again, losing no span.  The test
 * plays the cycle in the poll hook: finish the sweep, mark everything
 * again, advance the sweepgen. */
enum { REFILL_SPANS = 40 };
static char **refill_objs;
static size_t refill_nobjs;
static int refill_polls;

static void refill_poll_hook(void)
{
	if (refill_polls++ != 0)
		return;
	gmi_sweep_help();
	for (size_t i = 0; i < refill_nobjs; i++)
		mark(refill_objs[i]);
	gmi_sweep_start_unmarked();
}

START_TEST(refill_sweep_polls_and_restarts_after_a_cycle)
{
	char *first = gm_alloc_noscan(64);
	gmi_mspan *s0 = gmi_span_of((uintptr_t)first);
	ck_assert_uint_eq(s0->freeindex, 1); /* a fresh span */
	size_t nelems = s0->nelems;
	refill_nobjs = REFILL_SPANS * nelems;
	refill_objs = malloc(refill_nobjs * sizeof *refill_objs);
	ck_assert_ptr_nonnull(refill_objs);
	refill_objs[0] = first;
	for (size_t i = 1; i < refill_nobjs; i++)
		refill_objs[i] = gm_alloc_noscan(64);
	gmi_mspan *spans[REFILL_SPANS];
	size_t nspans = 0;
	for (size_t i = 0; i < refill_nobjs; i++) {
		memset(refill_objs[i], (int)(i * 7 + 1), 64);
		mark(refill_objs[i]);
		gmi_mspan *s = gmi_span_of((uintptr_t)refill_objs[i]);
		if (nspans == 0 || spans[nspans - 1] != s) {
			ck_assert_uint_lt(nspans, REFILL_SPANS);
			spans[nspans++] = s;
		}
	}
	ck_assert_uint_eq(nspans, REFILL_SPANS); /* every span full */
	/* a new generation: all 40 spans are full and unswept */
	gmi_sweep_start_unmarked();
	gmi_mcentral *c = &gmi_heap.central[s0->spanclass];
	uint32_t sg = atomic_load(&gmi_heap.sweepgen);
	ck_assert_uint_eq(gmi_spanset_len(gmi_central_full_unswept(c, sg)), REFILL_SPANS);

	void (*saved)(void) = gmi_alloc_poll_hook;
	gmi_alloc_poll_hook = refill_poll_hook;
	refill_polls = 0;
	char *p = gm_alloc_noscan(64);
	gmi_alloc_poll_hook = saved;

	/* one poll after 16 spans found the new cycle; the refill began
	 * again and polled after 16 and 32 of the 40 spans, all still full */
	ck_assert_int_eq(refill_polls, 3);
	sg = atomic_load(&gmi_heap.sweepgen);
	ck_assert_uint_eq(gmi_spanset_len(gmi_central_full_unswept(c, sg)), 0);
	ck_assert_uint_eq(gmi_spanset_len(gmi_central_full_swept(c, sg)), REFILL_SPANS);
	gmi_mspan *ps = gmi_span_of((uintptr_t)p);
	for (size_t k = 0; k < nspans; k++) {
		ck_assert_ptr_ne(ps, spans[k]);
		ck_assert_uint_eq(atomic_load(&spans[k]->sweepgen), sg);
	}
	long bad = 0;
	for (size_t i = 0; i < refill_nobjs; i++) {
		bad += gm_object_size(refill_objs[i]) != 64;
		for (int k = 0; k < 64; k++)
			bad += (unsigned char)refill_objs[i][k] != (unsigned char)(i * 7 + 1);
	}
	ck_assert_int_eq(bad, 0);
	ck_assert(gmi_heap_check());
	free(refill_objs);
}
END_TEST

static Suite *mheap_suite(void)
{
	Suite *s = suite_create("mheap");
	TCase *tc = tcase_create("heap");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, find_object_maps_interior_pointers);
	tcase_add_test(tc, span_tail_beyond_last_object_is_no_object);
	tcase_add_test(tc, heap_grows_across_arenas);
	tcase_add_test(tc, first_arena_at_go_hint);
	tcase_add_test(tc, sweep_frees_unmarked_and_keeps_marked);
	tcase_add_test(tc, sweepgen_advances_by_two);
	tcase_add_test(tc, fresh_memory_needs_no_zeroing_reused_does);
	tcase_add_test(tc, free_os_memory_returns_pages);
	tcase_add_test(tc, scavenge_all_polls_every_quantum);
	tcase_add_test(tc, detach_returns_cached_spans);
	tcase_add_test(tc, refill_sweep_polls_and_restarts_after_a_cycle);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mheap_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

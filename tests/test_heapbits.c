/*
 * test_heapbits.c — how the collector finds an object's pointers: bits at
 * the end of small scan spans, malloc headers for objects over 512 bytes,
 * the span's type for large objects (Go 1.22 layouts).
 */
#include <check.h>
#include <stdlib.h>

#include "alloc/gmi.h"
#include "alloc/heapbits.h"
#include "alloc/mheap.h"
#include "gomem.h"

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

START_TEST(scan_spans_give_room_to_their_bitmap)
{
	size_t off = 0;
	const gm_type *t = gm_type_new("p32", 32, &off, 1);
	void *p = gm_new(t);
	void *q = gm_alloc_noscan(32);
	gmi_mspan *sp = gmi_span_of((uintptr_t)p), *sq = gmi_span_of((uintptr_t)q);
	/* (8192 - 8192/64) / 32 = 252, against 256 without the bitmap */
	ck_assert_uint_eq(sp->nelems, 252);
	ck_assert_uint_eq(sq->nelems, 256);
	ck_assert(gmi_span_has_heap_bits(sp));
	ck_assert(!gmi_span_has_heap_bits(sq));
	/* the bitmap lies past the last object */
	ck_assert_uint_le(sp->limit, (uintptr_t)gmi_span_heap_bits(sp));
}
END_TEST

START_TEST(bits_follow_the_type_and_repeat_for_arrays)
{
	size_t offs[] = { 0, 16 };
	const gm_type *t = gm_type_new("pxp", 24, offs, 2);
	void *a = gm_new(t);
	void *b = gm_new(t);
	gmi_mspan *s = gmi_span_of((uintptr_t)a);
	ck_assert_uint_eq(gmi_heap_bits_read(s, (uintptr_t)a), 0x5);
	ck_assert_uint_eq(gmi_heap_bits_read(s, (uintptr_t)b), 0x5);
	/* 3 elements in an 80-byte slot: words 0,2 3,5 6,8; 9 is slack */
	void *arr = gm_new_array(t, 3);
	gmi_mspan *sa = gmi_span_of((uintptr_t)arr);
	ck_assert_uint_eq(sa->elemsize, 80);
	ck_assert_uint_eq(gmi_heap_bits_read(sa, (uintptr_t)arr), 0x16d);
	/* 17 neighbours of 48 bytes: objects straddle bitmap words */
	size_t o2[] = { 8, 40 };
	const gm_type *u = gm_type_new("xpxxxp", 48, o2, 2);
	long bad = 0;
	for (int i = 0; i < 40; i++) {
		void *x = gm_new(u);
		bad += gmi_heap_bits_read(gmi_span_of((uintptr_t)x), (uintptr_t)x) != 0x22;
	}
	ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(reused_slots_get_fresh_bits)
{
	size_t o1[] = { 0, 8 }, o2[] = { 24 };
	const gm_type *t1 = gm_type_new("pp", 32, o1, 2);
	const gm_type *t2 = gm_type_new("xxxp", 32, o2, 1);
	void *a = gm_new(t1);
	gmi_sweep_all_unmarked();
	void *b = gm_new(t2);
	ck_assert_ptr_eq(a, b);
	ck_assert_uint_eq(gmi_heap_bits_read(gmi_span_of((uintptr_t)b), (uintptr_t)b), 0x8);
}
END_TEST

START_TEST(objects_over_512_bytes_carry_a_header)
{
	size_t off = 0;
	const gm_type *t = gm_type_new("big", 600, &off, 1);
	char *p = gm_new(t);
	/* 600 + 8 = 608 -> the 640-byte class; the pointer is the slot + 8 */
	ck_assert_uint_eq(gm_object_size(p), 640);
	uintptr_t base;
	size_t size;
	ck_assert(gmi_find_object((uintptr_t)p, &base, &size));
	ck_assert_uint_eq((uintptr_t)p - base, GMI_MALLOC_HEADER_SIZE);
	ck_assert_ptr_eq(*(const gm_type **)base, t);
	/* exactly 512 bytes still keeps its bits in the span */
	const gm_type *t512 = gm_type_new("t512", 512, &off, 1);
	char *q = gm_new(t512);
	ck_assert(gmi_span_has_heap_bits(gmi_span_of((uintptr_t)q)));
	ck_assert_uint_eq(gm_object_size(q), 512);
	/* noscan objects never get a header */
	char *r = gm_alloc_noscan(600);
	ck_assert(gmi_find_object((uintptr_t)r, &base, &size));
	ck_assert_uint_eq(base, (uintptr_t)r);
}
END_TEST

START_TEST(large_objects_record_their_type)
{
	size_t off = 8;
	const gm_type *t = gm_type_new("xp", 16, &off, 1);
	void *arr = gm_new_array(t, 10000); /* 160000 bytes */
	gmi_mspan *s = gmi_span_of((uintptr_t)arr);
	ck_assert_uint_eq(gmi_spanclass_sizeclass(s->spanclass), 0);
	ck_assert_ptr_eq(s->largetype, t);
	ck_assert_ptr_eq(arr, (void *)s->startaddr);
	/* the largest small scan object: 32760 + 8 = 32768 */
	const gm_type *t32 = gm_type_new("t32760", 32760, &off, 1);
	void *x = gm_new(t32);
	ck_assert_uint_eq(gmi_spanclass_sizeclass(gmi_span_of((uintptr_t)x)->spanclass), 67);
	const gm_type *t33 = gm_type_new("t32761", 32768, &off, 1);
	void *y = gm_new(t33);
	ck_assert_uint_eq(gmi_spanclass_sizeclass(gmi_span_of((uintptr_t)y)->spanclass), 0);
	void *z = gm_alloc_noscan(160000);
	ck_assert_ptr_null(gmi_span_of((uintptr_t)z)->largetype);
}
END_TEST

static Suite *heapbits_suite(void)
{
	Suite *s = suite_create("heapbits");
	TCase *tc = tcase_create("layouts");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, scan_spans_give_room_to_their_bitmap);
	tcase_add_test(tc, bits_follow_the_type_and_repeat_for_arrays);
	tcase_add_test(tc, reused_slots_get_fresh_bits);
	tcase_add_test(tc, objects_over_512_bytes_carry_a_header);
	tcase_add_test(tc, large_objects_record_their_type);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(heapbits_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

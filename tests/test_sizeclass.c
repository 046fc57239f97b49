/*
 * test_sizeclass.c — the sizeclass suite: the size-class table against an
 * independent copy of Go's table, the size -> class lookup for every small
 * size, the divmagic division for every offset of every span, and the span
 * class encoding.
 */
#include "alloc/sizeclass.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

/*
 * Typed in from the comment table at the top of Go's
 * src/internal/runtime/gc/sizeclasses.go (commit f37d7547): bytes/obj,
 * bytes/span, objects, tail waste for classes 1..67.  Kept apart from the
 * arrays in alloc/sizeclass.c on purpose, so a wrong number in either shows.
 */
struct go_row {
    uint32_t size;
    uint32_t span_bytes;
    uint32_t objects;
    uint32_t tail_waste;
};

static const struct go_row go_table[GMI_NUM_SIZE_CLASSES] = {
    [1] = {8, 8192, 1024, 0},        [2] = {16, 8192, 512, 0},
    [3] = {24, 8192, 341, 8},        [4] = {32, 8192, 256, 0},
    [5] = {48, 8192, 170, 32},       [6] = {64, 8192, 128, 0},
    [7] = {80, 8192, 102, 32},       [8] = {96, 8192, 85, 32},
    [9] = {112, 8192, 73, 16},       [10] = {128, 8192, 64, 0},
    [11] = {144, 8192, 56, 128},     [12] = {160, 8192, 51, 32},
    [13] = {176, 8192, 46, 96},      [14] = {192, 8192, 42, 128},
    [15] = {208, 8192, 39, 80},      [16] = {224, 8192, 36, 128},
    [17] = {240, 8192, 34, 32},      [18] = {256, 8192, 32, 0},
    [19] = {288, 8192, 28, 128},     [20] = {320, 8192, 25, 192},
    [21] = {352, 8192, 23, 96},      [22] = {384, 8192, 21, 128},
    [23] = {416, 8192, 19, 288},     [24] = {448, 8192, 18, 128},
    [25] = {480, 8192, 17, 32},      [26] = {512, 8192, 16, 0},
    [27] = {576, 8192, 14, 128},     [28] = {640, 8192, 12, 512},
    [29] = {704, 8192, 11, 448},     [30] = {768, 8192, 10, 512},
    [31] = {896, 8192, 9, 128},      [32] = {1024, 8192, 8, 0},
    [33] = {1152, 8192, 7, 128},     [34] = {1280, 8192, 6, 512},
    [35] = {1408, 16384, 11, 896},   [36] = {1536, 8192, 5, 512},
    [37] = {1792, 16384, 9, 256},    [38] = {2048, 8192, 4, 0},
    [39] = {2304, 16384, 7, 256},    [40] = {2688, 8192, 3, 128},
    [41] = {3072, 24576, 8, 0},      [42] = {3200, 16384, 5, 384},
    [43] = {3456, 24576, 7, 384},    [44] = {4096, 8192, 2, 0},
    [45] = {4864, 24576, 5, 256},    [46] = {5376, 16384, 3, 256},
    [47] = {6144, 24576, 4, 0},      [48] = {6528, 32768, 5, 128},
    [49] = {6784, 40960, 6, 256},    [50] = {6912, 49152, 7, 768},
    [51] = {8192, 8192, 1, 0},       [52] = {9472, 57344, 6, 512},
    [53] = {9728, 49152, 5, 512},    [54] = {10240, 40960, 4, 0},
    [55] = {10880, 32768, 3, 128},   [56] = {12288, 24576, 2, 0},
    [57] = {13568, 40960, 3, 256},   [58] = {14336, 57344, 4, 0},
    [59] = {16384, 16384, 1, 0},     [60] = {18432, 73728, 4, 0},
    [61] = {19072, 57344, 3, 128},   [62] = {20480, 40960, 2, 0},
    [63] = {21760, 65536, 3, 256},   [64] = {24576, 24576, 1, 0},
    [65] = {27264, 81920, 3, 128},   [66] = {28672, 57344, 2, 0},
    [67] = {32768, 32768, 1, 0},
};

/* The smallest class whose objects hold `size` bytes, found by scanning
 * gmi_class_to_size; GMI_NUM_SIZE_CLASSES when there is none. */
static unsigned smallest_class_for(size_t size)
{
    unsigned c;

    for (c = 0; c < GMI_NUM_SIZE_CLASSES; c++)
        if (gmi_class_to_size[c] >= size)
            return c;
    return GMI_NUM_SIZE_CLASSES;
}

/* The typed-in rows agree with themselves (catches a typo in go_table). */
START_TEST(test_go_table_consistent)
{
    unsigned c;

    for (c = 1; c < GMI_NUM_SIZE_CLASSES; c++) {
        const struct go_row *r = &go_table[c];

        ck_assert_msg(r->size != 0, "go_table row %u missing", c);
        ck_assert_msg(r->span_bytes % 8192 == 0, "row %u: span not whole pages", c);
        ck_assert_msg(r->objects == r->span_bytes / r->size, "row %u: objects", c);
        ck_assert_msg(r->tail_waste == r->span_bytes - r->objects * r->size,
                      "row %u: tail waste", c);
    }
}
END_TEST

/* (1) Every class's size, pages and objects per span are Go's. */
START_TEST(test_rows_match_go)
{
    unsigned c;

    ck_assert_uint_eq(gmi_class_to_size[0], 0);
    ck_assert_uint_eq(gmi_class_to_npages[0], 0);
    ck_assert_uint_eq(gmi_class_nelems(0), 0);
    for (c = 1; c < GMI_NUM_SIZE_CLASSES; c++) {
        const struct go_row *r = &go_table[c];
        size_t span_bytes = (size_t)gmi_class_to_npages[c] * GMI_PAGE_SIZE;

        ck_assert_msg(gmi_class_to_size[c] == r->size, "class %u: size %u, Go has %u", c,
                      (unsigned)gmi_class_to_size[c], (unsigned)r->size);
        ck_assert_msg(span_bytes == r->span_bytes, "class %u: span %zu bytes, Go has %u", c,
                      span_bytes, (unsigned)r->span_bytes);
        ck_assert_msg(gmi_class_nelems(c) == r->objects, "class %u: %u objects, Go has %u", c,
                      (unsigned)gmi_class_nelems(c), (unsigned)r->objects);
    }
}
END_TEST

/* inv:class-size, and the constants the rest of the allocator relies on. */
START_TEST(test_sizes_increase)
{
    unsigned c;

    for (c = 1; c < GMI_NUM_SIZE_CLASSES; c++)
        ck_assert_msg(gmi_class_to_size[c] > gmi_class_to_size[c - 1],
                      "class %u not larger than class %u", c, c - 1);
    ck_assert_uint_eq(gmi_class_to_size[GMI_NUM_SIZE_CLASSES - 1], GMI_MAX_SMALL_SIZE);
    ck_assert_uint_eq(GMI_PAGE_SIZE, 8192);
    ck_assert_uint_eq(GMI_NUM_SPAN_CLASSES, 136);
    /* The tiny block is itself a size class (Go's tiny allocator takes
     * class 2 for its 16-byte blocks). */
    ck_assert_uint_eq(gmi_class_to_size[gmi_size_to_class(GMI_TINY_SIZE)], GMI_TINY_SIZE);
}
END_TEST

/* (2) Every small size maps to the smallest class that holds it. */
START_TEST(test_size_to_class_every_size)
{
    size_t size;

    for (size = 1; size <= GMI_MAX_SMALL_SIZE; size++) {
        unsigned want = smallest_class_for(size);
        unsigned got = gmi_size_to_class(size);

        ck_assert_msg(got == want, "size %zu: class %u (%u bytes), smallest fit is class %u",
                      size, got, (unsigned)gmi_class_to_size[got], want);
    }
    ck_assert_uint_eq(gmi_size_to_class(0), 0);
}
END_TEST

/* inv:size-to-class, entry by entry, including the entries no size
 * reaches through gmi_size_to_class (class8[128]). */
START_TEST(test_lookup_tables_entries)
{
    size_t i;
    size_t n8 = sizeof gmi_size_to_class8 / sizeof gmi_size_to_class8[0];
    size_t n128 = sizeof gmi_size_to_class128 / sizeof gmi_size_to_class128[0];

    ck_assert_uint_eq(n8, 129);
    ck_assert_uint_eq(n128, 249);
    for (i = 0; i < n8; i++)
        ck_assert_msg(gmi_size_to_class8[i] == smallest_class_for(i * GMI_SMALL_SIZE_DIV),
                      "size_to_class8[%zu] = %u", i, (unsigned)gmi_size_to_class8[i]);
    for (i = 0; i < n128; i++)
        ck_assert_msg(gmi_size_to_class128[i] ==
                          smallest_class_for(GMI_SMALL_SIZE_MAX + i * GMI_LARGE_SIZE_DIV),
                      "size_to_class128[%zu] = %u", i, (unsigned)gmi_size_to_class128[i]);
}
END_TEST

/* (3) divmagic: Go's formula, and byte offsets inside each object give the
 * object's index. */
START_TEST(test_divmagic_objects)
{
    unsigned c;

    ck_assert_uint_eq(gmi_class_to_divmagic[0], 0);
    for (c = 1; c < GMI_NUM_SIZE_CLASSES; c++) {
        uint32_t size = gmi_class_to_size[c];
        uint32_t n = gmi_class_nelems(c);
        uint32_t i;

        ck_assert_msg(gmi_class_to_divmagic[c] == UINT32_MAX / size + 1,
                      "class %u: divmagic %u", c, (unsigned)gmi_class_to_divmagic[c]);
        for (i = 0; i < n; i++) {
            const uint32_t within[] = {0, 1, size / 2, size - 8, size - 1};
            size_t k;

            for (k = 0; k < sizeof within / sizeof within[0]; k++) {
                uint32_t off = i * size + within[k];

                ck_assert_msg(gmi_class_divide(c, off) == i,
                              "class %u: offset %u gave %u, object %u", c, (unsigned)off,
                              (unsigned)gmi_class_divide(c, off), (unsigned)i);
            }
        }
    }
}
END_TEST

/* inv:divmagic over its whole domain: every offset 0..npages*PAGE_SIZE of
 * every class (tail waste and the span's end included), against `/`. */
START_TEST(test_divmagic_every_offset)
{
    unsigned c;

    for (c = 1; c < GMI_NUM_SIZE_CLASSES; c++) {
        uint32_t size = gmi_class_to_size[c];
        uint32_t span_bytes = (uint32_t)gmi_class_to_npages[c] * (uint32_t)GMI_PAGE_SIZE;
        uint32_t off;

        for (off = 0; off <= span_bytes; off++) {
            uint32_t got = gmi_class_divide(c, off);

            if (got != off / size)
                ck_abort_msg("class %u: offset %u gave %u, want %u", c, (unsigned)off,
                             (unsigned)got, (unsigned)(off / size));
        }
        ck_assert_uint_eq(gmi_class_divide(c, span_bytes), gmi_class_nelems(c));
    }
}
END_TEST

/* (4) inv:spanclass: all 136 span classes round-trip through the helpers. */
START_TEST(test_spanclass_round_trip)
{
    unsigned c;
    unsigned sc;
    int noscan;

    for (c = 0; c < GMI_NUM_SIZE_CLASSES; c++) {
        for (noscan = 0; noscan <= 1; noscan++) {
            gmi_spanclass s = gmi_make_spanclass(c, noscan);

            ck_assert_uint_eq(s, c * 2 + (unsigned)noscan);
            ck_assert_uint_lt(s, GMI_NUM_SPAN_CLASSES);
            ck_assert_uint_eq(gmi_spanclass_sizeclass(s), c);
            ck_assert_int_eq(gmi_spanclass_noscan(s), noscan);
        }
        /* noscan is a boolean, as Go's bool: any nonzero value is 1. */
        ck_assert_uint_eq(gmi_make_spanclass(c, 4), c * 2 + 1);
        ck_assert_uint_eq(gmi_make_spanclass(c, -1), c * 2 + 1);
    }
    for (sc = 0; sc < GMI_NUM_SPAN_CLASSES; sc++) {
        gmi_spanclass s = (gmi_spanclass)sc;
        unsigned size_class = gmi_spanclass_sizeclass(s);

        ck_assert_uint_lt(size_class, GMI_NUM_SIZE_CLASSES);
        ck_assert_uint_eq(gmi_make_spanclass(size_class, gmi_spanclass_noscan(s)), sc);
    }
}
END_TEST

static Suite *sizeclass_suite(void)
{
    Suite *s = suite_create("sizeclass");
    TCase *table = tcase_create("table");
    TCase *lookup = tcase_create("lookup");
    TCase *divide = tcase_create("divmagic");
    TCase *span = tcase_create("spanclass");

    tcase_add_test(table, test_go_table_consistent);
    tcase_add_test(table, test_rows_match_go);
    tcase_add_test(table, test_sizes_increase);
    tcase_add_test(lookup, test_size_to_class_every_size);
    tcase_add_test(lookup, test_lookup_tables_entries);
    tcase_add_test(divide, test_divmagic_objects);
    tcase_add_test(divide, test_divmagic_every_offset);
    tcase_add_test(span, test_spanclass_round_trip);
    suite_add_tcase(s, table);
    suite_add_tcase(s, lookup);
    suite_add_tcase(s, divide);
    suite_add_tcase(s, span);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sizeclass_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

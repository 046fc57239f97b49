/*
 * test_binary_trees.c — the binary_trees workload computes what the
 * Benchmarks Game says it must (depth 10), with the collector reclaiming
 * as it goes, and registers itself with the harness.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gomem.h"
#include "harness/workload.h"
#include "workloads/binary_trees.h"

#include "binary_trees_expected.h"

START_TEST(depth_10_output_matches)
{
	ck_assert_int_eq(gm_init(NULL), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	char out[1024];
	size_t n = gmb_binary_trees_run(10, out, sizeof out);
	ck_assert_uint_eq(n, strlen(binary_trees_expected_10));
	ck_assert_str_eq(out, binary_trees_expected_10);
	gm_thread_detach();
	gm_shutdown();
}
END_TEST

/* the output the rules give for depth n: a tree of depth d has
 * 2^(d+1) - 1 nodes */
static void rules_output(int n, char *buf, size_t cap)
{
	size_t len = (size_t)snprintf(buf, cap, "stretch tree of depth %d\t check: %ld\n",
				      n + 1, (2L << (n + 1)) - 1);
	for (int d = 4; d <= n; d += 2) {
		long it = 1L << (n - d + 4);
		len += (size_t)snprintf(buf + len, cap - len, "%ld\t trees of depth %d\t check: %ld\n",
					it, d, it * ((2L << d) - 1));
	}
	snprintf(buf + len, cap - len, "long lived tree of depth %d\t check: %ld\n", n,
		 (2L << n) - 1);
}

START_TEST(depth_14_with_cycles_matches_the_rules)
{
	ck_assert_int_eq(gm_init(NULL), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	char out[1024], want[1024];
	rules_output(14, want, sizeof want);
	gmb_binary_trees_run(14, out, sizeof out);
	ck_assert_str_eq(out, want);
	/* about 50 MB allocated against a 4 MiB goal: the collector ran */
	gm_memstats ms;
	gm_read_memstats(&ms);
	ck_assert_uint_ge(ms.num_gc, 3);
	gm_thread_detach();
	gm_shutdown();
}
END_TEST

START_TEST(workload_registers_itself)
{
	bool found = false;
	for (size_t i = 0; i < gmb_workload_count(); i++)
		found |= strcmp(gmb_workload_at(i)->name, "binary_trees") == 0;
	ck_assert(found);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("binary_trees");
	TCase *tc = tcase_create("output");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, depth_10_output_matches);
	tcase_add_test(tc, depth_14_with_cycles_matches_the_rules);
	tcase_add_test(tc, workload_registers_itself);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

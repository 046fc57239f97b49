/*
 * test_stack_depth.c — the stack_depth workload: its threads keep every
 * frame's object through the cycles they cause, the collector scans stack
 * in proportion to their depth, bad shapes are refused with a message,
 * and the workload registers itself.  Not a benchmark: nothing here is
 * timed.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "gomem.h"
#include "harness/cycles.h"
#include "harness/workload.h"
#include "workloads/stack_depth.h"

static gmb_cycle_stops log_[GMB_STOPLOG_CYCLES];

static void start(void)
{
	gm_config cfg;
	gm_config_default(&cfg);
	cfg.gc_percent = 100;
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	gmb_stoplog_start();
}

static void stop(void)
{
	gmb_cycles_stop();
	gm_shutdown();
}

/* Run depth frames on 2 threads with 8 MiB of garbage each; return the
 * most stack bytes any of its cycles scanned, after checking that cycles
 * ran and no frame lost its object. */
static uint64_t run_depth(long depth)
{
	gmb_stack_depth w = {.threads = 2, .depth = depth,
			     .garbage_bytes = (size_t)8 << 20};
	char err[160] = "";
	uint64_t pos = gmb_stoplog_position(), lost, most = 0;
	long broken = gmb_stack_depth_run(&w, err, sizeof err);
	ck_assert_msg(broken == 0, "depth %ld: %ld broken (%s)", depth, broken, err);
	size_t n = gmb_stoplog_since(pos, log_, GMB_STOPLOG_CYCLES, &lost);
	ck_assert_msg(n >= 1, "depth %ld: no cycle ran", depth);
	for (size_t i = 0; i < n; i++)
		most = log_[i].stack_scan > most ? log_[i].stack_scan : most;
	return most;
}

START_TEST(frames_survive_and_stacks_are_scanned)
{
	start();
	uint64_t shallow = run_depth(0), deep = run_depth(20000);
	stop();
	/* 20000 frames hold at least 2 pointers (16 bytes) each; a cycle
	 * may catch one thread before it is deep, so ask for one thread's */
	ck_assert_msg(deep >= shallow + 20000u * 16u,
		      "stack scanned: %llu at depth 0, %llu at depth 20000",
		      (unsigned long long)shallow, (unsigned long long)deep);
}
END_TEST

START_TEST(bad_shapes_are_refused)
{
	char err[160];
	gmb_stack_depth w = {.threads = 0, .depth = 10};
	ck_assert_int_eq(gmb_stack_depth_run(&w, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "0 threads") != NULL, "%s", err);
	w.threads = 2;
	w.depth = GMB_STACK_DEPTH_MAX + 1L;
	ck_assert_ptr_nonnull(gmb_stack_depth_invalid(&w, err, sizeof err));
	ck_assert_msg(strstr(err, "depth 1000001 frames") != NULL, "%s", err);
	w.depth = -1;
	ck_assert_ptr_nonnull(gmb_stack_depth_invalid(&w, err, sizeof err));
	w.depth = GMB_STACK_DEPTH_MAX;
	ck_assert_ptr_null(gmb_stack_depth_invalid(&w, err, sizeof err));
}
END_TEST

START_TEST(workload_registers_itself)
{
	const gmb_workload *found = NULL;
	for (size_t i = 0; i < gmb_workload_count(); i++)
		if (strcmp(gmb_workload_at(i)->name, "stack_depth") == 0)
			found = gmb_workload_at(i);
	ck_assert_ptr_nonnull(found);
	ck_assert_ptr_nonnull(found->register_benchmarks);
}
END_TEST

static Suite *stack_depth_suite(void)
{
	Suite *s = suite_create("stack_depth");
	TCase *tc = tcase_create("stack_depth");
	tcase_add_test(tc, frames_survive_and_stacks_are_scanned);
	tcase_add_test(tc, bad_shapes_are_refused);
	tcase_add_test(tc, workload_registers_itself);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(stack_depth_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * test_pacersim_cmd.c — Check suite "pacersim_cmd": `gomem-bench
 * pacer-sim [scenario]` (harness/pacersim.c) run as a function
 * (gmb_pacersim_main) with its output in memory: the list of scenarios,
 * a scenario's CSV trace (header, one row per cycle, the last row as the
 * simulation left it), the verdict on stderr, and bad command lines (exit
 * 2, the message naming the argument and what is accepted).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gc/pacersim.h"
#include "harness/cmd.h"
#include "harness/pacersim.h"

static char *out_buf, *err_buf;
static size_t out_len, err_len;

/* Run the command with argv (NULL-terminated, argv[0] = "pacer-sim"). */
static int run(char **argv)
{
	int argc = 0;
	while (argv[argc] != NULL)
		argc++;
	free(out_buf);
	free(err_buf);
	FILE *out = open_memstream(&out_buf, &out_len);
	FILE *err = open_memstream(&err_buf, &err_len);
	ck_assert(out != NULL && err != NULL);
	int rc = gmb_pacersim_main(argc, argv, out, err);
	fclose(out);
	fclose(err);
	return rc;
}

static void assert_contains(const char *text, const char *want)
{
	ck_assert_msg(strstr(text, want) != NULL, "\"%s\" does not contain \"%s\"", text,
		      want);
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

START_TEST(lists_scenarios)
{
	char *argv[] = { "pacer-sim", NULL };
	ck_assert_int_eq(run(argv), GMB_EXIT_OK);
	ck_assert_int_eq(count_lines(out_buf), gmi_pacersim_nscenarios);
	ck_assert(strncmp(out_buf, "Steady\n", 7) == 0);
	assert_contains(out_buf, "\nMaintainMemoryLimitNoGCPercent\n");
	ck_assert_uint_eq(err_len, 0);
}
END_TEST

START_TEST(trace_csv)
{
	char *argv[] = { "pacer-sim", "Steady", NULL };
	ck_assert_int_eq(run(argv), GMB_EXIT_OK);
	const char *header = "cycle,gc_utilization,heap_marked,trigger,heap_peak,"
			     "heap_goal,heap_scannable,goal_ratio\n";
	ck_assert(strncmp(out_buf, header, strlen(header)) == 0);
	ck_assert_int_eq(count_lines(out_buf), 1 + 50);
	/* the first cycle: nothing marked yet; the last row is cycle 50 and
	 * agrees with the simulation run here */
	assert_contains(out_buf, "\n1,0.250000,0,");
	static struct gmi_pacersim_cycle c[50];
	gmi_pacersim_run(gmi_pacersim_find("Steady"), c);
	char last[256];
	snprintf(last, sizeof(last), "\n50,%.6f,%llu,%llu,%llu,%llu,", c[49].gc_utilization,
		 (unsigned long long)c[49].heap_live, (unsigned long long)c[49].heap_trigger,
		 (unsigned long long)c[49].heap_peak, (unsigned long long)c[49].heap_goal);
	assert_contains(out_buf, last);
	assert_contains(err_buf, "Steady: 50 cycles; Go's checks pass");
}
END_TEST

START_TEST(help)
{
	char *argv[] = { "pacer-sim", "--help", NULL };
	ck_assert_int_eq(run(argv), GMB_EXIT_OK);
	assert_contains(out_buf, "usage: gomem-bench pacer-sim [scenario]");
}
END_TEST

START_TEST(unknown_scenario)
{
	char *argv[] = { "pacer-sim", "Steadyy", NULL };
	ck_assert_int_eq(run(argv), GMB_EXIT_USAGE);
	ck_assert_uint_eq(out_len, 0);
	assert_contains(err_buf, "unknown scenario 'Steadyy'");
	assert_contains(err_buf, "the scenarios are Steady, SteadyBigStacks,");
	assert_contains(err_buf, "MaintainMemoryLimitNoGCPercent\n");
}
END_TEST

START_TEST(bad_command_lines)
{
	char *two[] = { "pacer-sim", "Steady", "HighGOGC", NULL };
	ck_assert_int_eq(run(two), GMB_EXIT_USAGE);
	assert_contains(err_buf, "'HighGOGC' after scenario 'Steady'");
	char *flag[] = { "pacer-sim", "--cycles=5", NULL };
	ck_assert_int_eq(run(flag), GMB_EXIT_USAGE);
	assert_contains(err_buf, "unknown flag '--cycles=5'");
	assert_contains(err_buf, "--help");
}
END_TEST

static Suite *pacersim_cmd_suite(void)
{
	Suite *s = suite_create("pacersim_cmd");
	TCase *tc = tcase_create("command");
	tcase_add_test(tc, lists_scenarios);
	tcase_add_test(tc, trace_csv);
	tcase_add_test(tc, help);
	tcase_add_test(tc, unknown_scenario);
	tcase_add_test(tc, bad_command_lines);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pacersim_cmd_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	free(out_buf);
	free(err_buf);
	return failed == 0 ? 0 : 1;
}

/*
 * test_gctrace.c — Check suite "gctrace": Go's GODEBUG=gctrace=1 line
 * (gc/trace.c; Go 1.19-1.21 mgc.go gcMarkTermination, fmtNSAsMS, itoaDiv).
 *
 * Each expected string is worked out by hand from Go's code:
 * - "@" seconds: (start ns / 1e6) milliseconds through itoaDiv with 3
 *   decimals: 5123 ms -> "5.123", 4 ms -> "0.004", 0 -> "0.000";
 * - "U%": int(gc_cpu_fraction * 100), truncated: 0.0371 -> 3;
 * - fmtNSAsMS: >= 10 ms prints whole ms ("15", "1234"); below, x = ns/1000
 *   (whole us), "0" when x == 0, else x cut to two significant digits with
 *   one decimal place dropped per cut, from three: 12 us -> "0.012",
 *   100 us -> "0.10", 1500 us -> "1.5";
 * - MB: bytes >> 20, truncated.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gc/trace.h"
#include "gomem.h"
#include "tests/capture_util.h"

#define MiB ((uint64_t)1 << 20)

static void setup(void)
{
	gmi_trace_init(0);
	gm_set_cycle_hook(NULL, NULL);
}

/* format c (started at `start` ns since init) and compare with want */
static void check_line(const gm_cycle *c, int64_t start, const char *want)
{
	char buf[512];
	size_t len = gmi_gctrace_format(buf, sizeof buf, c, start);
	ck_assert_str_eq(buf, want);
	ck_assert_uint_eq(len, strlen(want));
}

/* ---- whole lines ---------------------------------------------------------- */

START_TEST(line_background_cycle)
{
	gm_cycle c = { 0 };
	c.num = 1;
	c.procs = 8;
	c.gc_cpu_fraction = 0.0371;            /* 3% */
	c.t_sweep_term = 5123456789;           /* @5.123s */
	c.t_mark = c.t_sweep_term + 12000;     /* 0.012 */
	c.t_mark_term = c.t_mark + 1500000;    /* 1.5 */
	c.t_end = c.t_mark_term + 15000000;    /* 15 */
	c.sweep_term_cpu_ns = 96000;           /* 0.096 */
	c.assist_cpu_ns = 1234000000;          /* 1234 */
	c.mark_cpu_ns = 9999999;               /* 9.9 */
	c.idle_cpu_ns = 0;                     /* 0 */
	c.mark_term_cpu_ns = 100000;           /* 0.10 */
	c.heap_trigger = 4 * MiB;              /* 4 */
	c.heap_mark_end = 5 * MiB - 1;         /* 4 */
	c.heap_marked = MiB - 1;               /* 0 */
	c.heap_goal = 8 * MiB + MiB / 2;       /* 8 */
	c.stack_scan = 1 * MiB;                /* 1 */
	c.globals_scan = 0;
	check_line(&c, c.t_sweep_term,
		   "gc 1 @5.123s 3%: 0.012+1.5+15 ms clock, "
		   "0.096+1234/9.9/0+0.10 ms cpu, 4->4->0 MB, 8 MB goal, "
		   "1 MB stacks, 0 MB globals, 8 P\n");
}
END_TEST

START_TEST(line_forced_cycle)
{
	gm_cycle c = { 0 };
	c.num = 42;
	c.forced = 1;
	c.procs = 1;
	c.gc_cpu_fraction = 0.5;
	c.t_sweep_term = 4999999;              /* 4 ms: @0.004s */
	c.t_mark = c.t_sweep_term + 999;       /* 0 */
	c.t_mark_term = c.t_mark + 1000;       /* 0.001 */
	c.t_end = c.t_mark_term + 10000000;    /* 10 */
	c.sweep_term_cpu_ns = 99999;           /* 0.099 */
	c.assist_cpu_ns = 999999;              /* 0.99 */
	c.mark_cpu_ns = 1000000;               /* 1.0 */
	c.idle_cpu_ns = 5555555;               /* 5.5 */
	c.mark_term_cpu_ns = 123456789012;     /* 123456 */
	c.heap_trigger = 100 * MiB + 1;
	c.heap_mark_end = 150 * MiB;
	c.heap_marked = 60 * MiB + MiB - 1;
	c.heap_goal = 120 * MiB;
	c.stack_scan = 3 * MiB + 1;
	c.globals_scan = 2 * MiB;
	check_line(&c, c.t_sweep_term,
		   "gc 42 @0.004s 50%: 0+0.001+10 ms clock, "
		   "0.099+0.99/1.0/5.5+123456 ms cpu, 100->150->60 MB, "
		   "120 MB goal, 3 MB stacks, 2 MB globals, 1 P (forced)\n");
}
END_TEST

/* ---- the pieces ----------------------------------------------------------- */

/* a cycle whose sweep-termination wall time is ns and everything else 0 */
static void check_ms(int64_t ns, const char *ms)
{
	gm_cycle c = { 0 };
	c.num = 1;
	c.procs = 1;
	c.t_mark = ns;
	c.t_mark_term = ns;
	c.t_end = ns;
	char want[256];
	snprintf(want, sizeof want,
		 "gc 1 @0.000s 0%%: %s+0+0 ms clock, 0+0/0/0+0 ms cpu, "
		 "0->0->0 MB, 0 MB goal, 0 MB stacks, 0 MB globals, 1 P\n", ms);
	check_line(&c, 0, want);
}

START_TEST(ms_formatting)
{
	static const struct { int64_t ns; const char *ms; } cases[] = {
		{ 0, "0" },
		{ 999, "0" },                 /* under 1 us */
		{ 1000, "0.001" },
		{ 10000, "0.010" },
		{ 12000, "0.012" },
		{ 99999, "0.099" },
		{ 100000, "0.10" },           /* three digits: one decimal dropped */
		{ 123456, "0.12" },
		{ 999999, "0.99" },
		{ 1000000, "1.0" },
		{ 1234567, "1.2" },
		{ 1500000, "1.5" },
		{ 9999999, "9.9" },           /* truncated, never rounded */
		{ 10000000, "10" },           /* whole milliseconds from here */
		{ 15000000, "15" },
		{ 1234000000, "1234" },
		{ 1234999999, "1234" },
		/* a negative interval prints as Go's uint64(ns-prev) */
		{ -1000, "18446744073709" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_ms(cases[i].ns, cases[i].ms);
}
END_TEST

/* the "@" field for a cycle started `start` ns after init */
static void check_at(int64_t start, const char *at)
{
	gm_cycle c = { 0 };
	c.num = 7;
	c.procs = 4;
	c.t_sweep_term = c.t_mark = c.t_mark_term = c.t_end = start;
	char want[256];
	snprintf(want, sizeof want,
		 "gc 7 @%ss 0%%: 0+0+0 ms clock, 0+0/0/0+0 ms cpu, "
		 "0->0->0 MB, 0 MB goal, 0 MB stacks, 0 MB globals, 4 P\n", at);
	check_line(&c, start, want);
}

START_TEST(at_seconds)
{
	check_at(0, "0.000");
	check_at(999999, "0.000");        /* under 1 ms */
	check_at(1000000, "0.001");
	check_at(4999999, "0.004");
	check_at(123000000, "0.123");
	check_at(5123456789, "5.123");
	check_at(10000000000, "10.000");
	check_at(3723000000000, "3723.000");
}
END_TEST

START_TEST(cpu_percent_truncates)
{
	static const struct { double f; const char *pct; } cases[] = {
		{ 0.0, "0" }, { 0.00999, "0" }, { 0.0371, "3" }, { 0.5, "50" },
		{ 0.999, "99" }, { 1.0, "100" }, { 2.5, "250" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		gm_cycle c = { 0 };
		c.num = 3;
		c.procs = 2;
		c.gc_cpu_fraction = cases[i].f;
		char want[256];
		snprintf(want, sizeof want,
			 "gc 3 @0.000s %s%%: 0+0+0 ms clock, 0+0/0/0+0 ms cpu, "
			 "0->0->0 MB, 0 MB goal, 0 MB stacks, 0 MB globals, 2 P\n",
			 cases[i].pct);
		check_line(&c, 0, want);
	}
}
END_TEST

START_TEST(megabytes_truncate)
{
	gm_cycle c = { 0 };
	c.num = 1000000;
	c.procs = 64;
	c.heap_trigger = MiB - 1;            /* 0 */
	c.heap_mark_end = MiB;               /* 1 */
	c.heap_marked = 2 * MiB - 1;         /* 1 */
	c.heap_goal = (uint64_t)1 << 40;     /* 1048576 */
	c.stack_scan = 10 * MiB - 1;         /* 9 */
	c.globals_scan = UINT64_MAX;         /* 17592186044415 */
	check_line(&c, 0,
		   "gc 1000000 @0.000s 0%: 0+0+0 ms clock, 0+0/0/0+0 ms cpu, "
		   "0->1->1 MB, 1048576 MB goal, 9 MB stacks, "
		   "17592186044415 MB globals, 64 P\n");
}
END_TEST

START_TEST(truncated_buffer)
{
	gm_cycle c = { 0 };
	c.num = 1;
	c.procs = 1;
	const char *full = "gc 1 @0.000s 0%: 0+0+0 ms clock, 0+0/0/0+0 ms cpu, "
			   "0->0->0 MB, 0 MB goal, 0 MB stacks, 0 MB globals, 1 P\n";
	char buf[10];
	memset(buf, 'x', sizeof buf);
	ck_assert_uint_eq(gmi_gctrace_format(buf, sizeof buf, &c, 0), strlen(full));
	ck_assert_str_eq(buf, "gc 1 @0.0");
	ck_assert_uint_eq(gmi_gctrace_format(NULL, 0, &c, 0), strlen(full));
	char one[1] = { 'x' };
	ck_assert_uint_eq(gmi_gctrace_format(one, 1, &c, 0), strlen(full));
	ck_assert_int_eq(one[0], '\0');
}
END_TEST

/* ---- printing to stderr --------------------------------------------------- */

/* run gmi_trace_cycle_done(c) with stderr captured into out */
static void capture_cycle_done(const gm_cycle *c, char *out, size_t n)
{
	capture cap = capture_begin(STDERR_FILENO);
	gmi_trace_cycle_done(c);
	capture_end(&cap, out, n);
}

static gm_cycle sample_cycle(void)
{
	gm_cycle c = { 0 };
	c.num = 5;
	c.forced = 1;
	c.procs = 2;
	c.gc_cpu_fraction = 0.25;
	c.t_sweep_term = 2500000000;
	c.t_mark = c.t_sweep_term + 50000;
	c.t_mark_term = c.t_mark + 2000000;
	c.t_end = c.t_mark_term + 30000;
	c.heap_trigger = 4 * MiB;
	c.heap_mark_end = 4 * MiB;
	c.heap_marked = 3 * MiB;
	c.heap_goal = 4 * MiB;
	return c;
}

START_TEST(gctrace_prints_to_stderr)
{
	gm_cycle c = sample_cycle();
	char out[1024];
	gmi_trace_init(1);
	capture_cycle_done(&c, out, sizeof out);
	ck_assert_str_eq(out, "gc 5 @2.500s 25%: 0.050+2.0+0.030 ms clock, "
			      "0+0/0/0+0 ms cpu, 4->4->3 MB, 4 MB goal, "
			      "0 MB stacks, 0 MB globals, 2 P (forced)\n");
	gmi_trace_init(2); /* any level above 0 prints the same line */
	capture_cycle_done(&c, out, sizeof out);
	ck_assert_uint_eq(strlen(out), gmi_gctrace_format(NULL, 0, &c, c.t_sweep_term));
}
END_TEST

START_TEST(gctrace_off_is_silent)
{
	gm_cycle c = sample_cycle();
	char out[1024];
	capture_cycle_done(&c, out, sizeof out);
	ck_assert_str_eq(out, "");
}
END_TEST

static Suite *gctrace_suite(void)
{
	Suite *s = suite_create("gctrace");
	TCase *tc = tcase_create("format");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, line_background_cycle);
	tcase_add_test(tc, line_forced_cycle);
	tcase_add_test(tc, ms_formatting);
	tcase_add_test(tc, at_seconds);
	tcase_add_test(tc, cpu_percent_truncates);
	tcase_add_test(tc, megabytes_truncate);
	tcase_add_test(tc, truncated_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("print");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, gctrace_prints_to_stderr);
	tcase_add_test(tc, gctrace_off_is_silent);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(gctrace_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

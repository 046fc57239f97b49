/*
 * test_noise.c — Check suite "noise": gomem-bench noise (harness/noise.c),
 * the machine's own stalls.
 *
 * What is asserted is the bookkeeping, never how noisy the machine is: a
 * spinner on exactly each CPU of the affinity mask, in CPU order, each run
 * for the time asked; gap counts that nest (a gap over 1 ms is also over
 * 250 us); the lost time and the longest gap consistent with the counts;
 * and the command's errors, which name the flag and what is accepted.
 * Check runs each test in a forked child, so the affinity a test sets and
 * the descriptors it redirects do not reach the next.
 */
#include <check.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cmd.h"
#include "harness/noise.h"
#include "tests/capture_util.h"

#define MAXC 1024

static void assert_consistent(const gmb_noise_cpu *r, double seconds)
{
	ck_assert_int_ge(r->spun_ns, (int64_t)(seconds * 1e9));
	for (int b = 1; b < GMB_NOISE_NBINS; b++)
		ck_assert_uint_le(r->over[b], r->over[b - 1]);
	for (int b = 0; b < GMB_NOISE_NBINS; b++)
		if (r->over[b] > 0)
			ck_assert_int_gt(r->longest_ns, gmb_noise_bins_ns[b]);
	if (r->over[0] == 0) {
		ck_assert_int_eq(r->lost_ns, 0);
		ck_assert_int_le(r->longest_ns, gmb_noise_bins_ns[0]);
	} else {
		/* each counted gap is over the first bin, the longest among them */
		ck_assert_int_gt(r->lost_ns, (int64_t)r->over[0] * gmb_noise_bins_ns[0]);
		ck_assert_int_ge(r->lost_ns, r->longest_ns);
	}
	ck_assert_int_le(r->lost_ns, r->spun_ns);
}

START_TEST(one_spinner_per_cpu_of_the_mask)
{
	cpu_set_t mask;
	ck_assert_int_eq(sched_getaffinity(0, sizeof mask, &mask), 0);
	static gmb_noise_cpu r[MAXC];
	char err[256] = "";
	int n = gmb_noise_measure(0.2, r, MAXC, err, sizeof err);
	ck_assert_msg(n > 0, "%s", err);
	ck_assert_int_eq(n, CPU_COUNT(&mask));
	for (int i = 0; i < n; i++) {
		ck_assert(CPU_ISSET(r[i].cpu, &mask));
		if (i > 0)
			ck_assert_int_gt(r[i].cpu, r[i - 1].cpu);
		assert_consistent(&r[i], 0.2);
	}
}
END_TEST

START_TEST(follows_a_narrowed_mask)
{
	cpu_set_t mask, one;
	ck_assert_int_eq(sched_getaffinity(0, sizeof mask, &mask), 0);
	int last = -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &mask))
			last = c;
	CPU_ZERO(&one);
	CPU_SET(last, &one);
	ck_assert_int_eq(sched_setaffinity(0, sizeof one, &one), 0);
	static gmb_noise_cpu r[MAXC];
	char err[256] = "";
	ck_assert_int_eq(gmb_noise_measure(0.1, r, MAXC, err, sizeof err), 1);
	ck_assert_int_eq(r[0].cpu, last);
	assert_consistent(&r[0], 0.1);
	/* room for fewer CPUs than the mask has is an error, not a short read */
	ck_assert_int_eq(sched_setaffinity(0, sizeof mask, &mask), 0);
	if (CPU_COUNT(&mask) > 1) {
		ck_assert_int_eq(gmb_noise_measure(0.1, r, 1, err, sizeof err), -1);
		ck_assert_ptr_nonnull(strstr(err, "more than 1 CPU"));
	}
}
END_TEST

START_TEST(measure_rejects_bad_seconds)
{
	static gmb_noise_cpu r[MAXC];
	char err[256];
	ck_assert_int_eq(gmb_noise_measure(0, r, MAXC, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "accepted: over 0, at most 600"));
	ck_assert_int_eq(gmb_noise_measure(601, r, MAXC, err, sizeof err), -1);
	ck_assert_int_eq(gmb_noise_measure(-1, r, MAXC, err, sizeof err), -1);
}
END_TEST

/* run `gomem-bench noise ARGS...`; its stdout and stderr into out/errs */
static int run_cmd(char *out, size_t outlen, char *errs, size_t errlen, int argc, char **argv)
{
	capture o = capture_begin(STDOUT_FILENO), e = capture_begin(STDERR_FILENO);
	int rc = gmb_cmd_noise(argc, argv);
	capture_end(&e, errs, errlen);
	capture_end(&o, out, outlen);
	return rc;
}

START_TEST(command_rejects_bad_flags)
{
	static char out[4096], errs[4096];
	const char *bad[] = { "--seconds=abc", "--seconds=0", "--seconds=601", "--seconds=",
			      "--seconds=1x", "--seconds=-2" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *argv[] = { "noise", (char *)bad[i] };
		ck_assert_int_eq(run_cmd(out, sizeof out, errs, sizeof errs, 2, argv),
				 GMB_EXIT_USAGE);
		ck_assert_msg(strstr(errs, bad[i]) != NULL && strstr(errs, "accepted") != NULL,
			      "%s: %s", bad[i], errs);
		ck_assert_str_eq(out, "");
	}
	char *argv[] = { "noise", "--bogus" };
	ck_assert_int_eq(run_cmd(out, sizeof out, errs, sizeof errs, 2, argv), GMB_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(errs, "--bogus"));
	ck_assert_ptr_nonnull(strstr(errs, "--seconds=S"));
}
END_TEST

START_TEST(command_prints_a_row_per_cpu)
{
	cpu_set_t mask;
	ck_assert_int_eq(sched_getaffinity(0, sizeof mask, &mask), 0);
	static char out[65536], errs[4096];
	char *argv[] = { "noise", "--seconds=0.1" };
	ck_assert_int_eq(run_cmd(out, sizeof out, errs, sizeof errs, 2, argv), GMB_EXIT_OK);
	ck_assert_str_eq(errs, "");
	ck_assert_ptr_nonnull(strstr(out, "gaps>100us"));
	ck_assert_ptr_nonnull(strstr(out, "gaps over 1 ms in all"));
	int rows = 0;
	for (const char *l = strstr(out, "gaps>100us"); l != NULL; l = strchr(l + 1, '\n')) {
		int cpu;
		unsigned long long g[4];
		if (sscanf(l + 1, "%d %llu %llu %llu %llu", &cpu, &g[0], &g[1], &g[2], &g[3]) == 5) {
			ck_assert(CPU_ISSET(cpu, &mask));
			rows++;
		}
	}
	ck_assert_int_eq(rows, CPU_COUNT(&mask));
	char *help[] = { "noise", "--help" };
	ck_assert_int_eq(run_cmd(out, sizeof out, errs, sizeof errs, 2, help), GMB_EXIT_OK);
	ck_assert_ptr_nonnull(strstr(out, "usage: gomem-bench noise"));
}
END_TEST

static Suite *noise_suite(void)
{
	Suite *s = suite_create("noise");
	TCase *tc = tcase_create("noise");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, one_spinner_per_cpu_of_the_mask);
	tcase_add_test(tc, follows_a_narrowed_mask);
	tcase_add_test(tc, measure_rejects_bad_seconds);
	tcase_add_test(tc, command_rejects_bad_flags);
	tcase_add_test(tc, command_prints_a_row_per_cpu);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(noise_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

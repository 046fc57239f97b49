/*
 * test_rss.c — Check suite "rss": the resident set size of a benchmark
 * process (harness/rss.c): reading VmHWM, resetting the peak through
 * /proc/self/clear_refs so that a run has its own, and the sampler behind
 * rss.csv (driven by hand, not by its clock: no timing is asserted).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gomem.h"
#include "harness/rss.h"

#define MIB ((size_t)1 << 20)

START_TEST(parse_hwm)
{
	uint64_t b = 0;
	ck_assert(gmb_rss_parse_hwm("Name:\tx\nVmPeak:\t 9 kB\nVmHWM:\t   1234 kB\n"
				    "VmRSS:\t 5 kB\n", &b));
	ck_assert_uint_eq(b, 1234 * 1024);
	ck_assert(!gmb_rss_parse_hwm("Name:\tx\nVmRSS:\t 5 kB\n", &b));
}
END_TEST

/* Touch 64 MiB and give it back: the peak remembers it until a reset. */
START_TEST(peak_reset)
{
	size_t len = 64 * MIB;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(p != MAP_FAILED);
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	uint64_t during = gmb_rss_now();
	ck_assert_uint_ge(during, len);
	munmap(p, len);
	ck_assert_uint_ge(gmb_rss_peak(), len);
	if (!gmb_rss_peak_reset()) {
		fprintf(stderr, "rss: /proc/self/clear_refs refused here; the "
			"peak stays the process's\n");
		ck_assert_uint_ge(gmb_rss_peak(), len);
		return;
	}
	ck_assert_uint_lt(gmb_rss_peak(), len); /* today's RSS, not 64 MiB */
	ck_assert_uint_ge(gmb_rss_peak(), gmb_rss_now() / 2);
}
END_TEST

/* Rows are kept until a mark labels them; the stop writes the rest. */
START_TEST(sampler_rows)
{
	char path[] = "/tmp/gomem-test-rss-XXXXXX", err[256];
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	gm_config cfg;
	gm_config_default(&cfg);
	cfg.memory_limit = (int64_t)256 << 20;
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	/* a long interval: the thread takes one sample at its start at most */
	ck_assert_int_eq(gmb_rss_sampler_start(path, 60000, err, sizeof err), 0);
	gmb_rss_sampler_sample();
	gmb_rss_sampler_sample();
	gmb_rss_sampler_mark("fam/gomem/8/threads:1");
	gmb_rss_sampler_sample();
	unsigned long rows = gmb_rss_sampler_stop();
	ck_assert_uint_ge(rows, 3);
	ck_assert_uint_le(rows, 4);
	gm_shutdown();

	FILE *f = fopen(path, "r");
	char line[512], name[128];
	double t;
	unsigned long long rss, inuse, goal;
	long long limit;
	unsigned long n = 0, named = 0;
	while (fgets(line, sizeof line, f) != NULL) {
		char *comma = strchr(line, ',');
		ck_assert_ptr_nonnull(comma);
		snprintf(name, sizeof name, "%.*s", (int)(comma - line), line);
		ck_assert_int_eq(sscanf(comma + 1, "%lf,%llu,%llu,%llu,%lld", &t,
					&rss, &inuse, &goal, &limit), 5);
		ck_assert(t >= 0);
		ck_assert_uint_gt(rss, 0);
		ck_assert_int_eq(limit, (long long)256 << 20);
		named += strcmp(name, "fam/gomem/8/threads:1") == 0;
		n++;
	}
	fclose(f);
	unlink(path);
	ck_assert_uint_eq(n, rows);
	/* the explicit samples before the mark carry its name, the one after
	 * it does not; the thread's own first sample may fall either side */
	ck_assert_uint_ge(named, 2);
	ck_assert_uint_le(named, 3);
	ck_assert_uint_ge(n - named, 1);
	ck_assert_uint_le(n - named, 2);
	ck_assert_uint_eq(gmb_rss_sampler_stop(), 0); /* not running */
}
END_TEST

START_TEST(sampler_bad_path)
{
	char err[256];
	ck_assert_int_eq(gmb_rss_sampler_start("/nonexistent/dir/rss.csv", 10,
					       err, sizeof err), -1);
	ck_assert(strstr(err, "/nonexistent/dir/rss.csv") != NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rss");
	TCase *tc = tcase_create("rss");
	tcase_add_test(tc, parse_hwm);
	tcase_add_test(tc, peak_reset);
	tcase_add_test(tc, sampler_rows);
	tcase_add_test(tc, sampler_bad_path);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

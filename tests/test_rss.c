/*
 * test_rss.c — Check suite "rss": the resident set size of a benchmark
 * process (harness/rss.c): reading VmHWM, resetting the peak through
 * /proc/self/clear_refs so that a run has its own, and the sampler behind
 * rss.csv (driven by hand, not by its clock: no timing is asserted),
 * with its last two columns: the GC CPU fraction of each interval and
 * the GC CPU limiter's state.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gc/limiter.h"
#include "gc/proc.h"
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

/* ---- reading rss.csv lines (rss.h) ----------------------------------------- */

typedef struct rss_line {
	char name[128];
	double t, gc_cpu;
	unsigned long long rss, inuse, goal;
	long long limit;
	int limited;
} rss_line;

typedef struct rss_rows {
	rss_line row[64];
	size_t n;
} rss_rows;

/* Every line of the sampler's file, each with all eight fields. */
static void read_rows(const char *path, rss_rows *r)
{
	FILE *f = fopen(path, "r");
	char line[512];
	ck_assert_ptr_nonnull(f);
	r->n = 0;
	while (fgets(line, sizeof line, f) != NULL && r->n < 64) {
		rss_line *l = &r->row[r->n++];
		char *comma = strchr(line, ',');
		ck_assert_ptr_nonnull(comma);
		snprintf(l->name, sizeof l->name, "%.*s", (int)(comma - line), line);
		ck_assert_int_eq(sscanf(comma + 1, "%lf,%llu,%llu,%llu,%lld,%lf,%d",
					&l->t, &l->rss, &l->inuse, &l->goal,
					&l->limit, &l->gc_cpu, &l->limited), 7);
	}
	fclose(f);
}

/* Start the sampler with a long interval and wait until the thread has
 * taken its one sample of the start, so that the test's own samples are
 * the only ones after it; the rows so far are labelled "start".  Waits
 * as long as it takes: nothing is timed. */
static void start_quiet_sampler(const char *path)
{
	char err[256];
	ck_assert_int_eq(gmb_rss_sampler_start(path, 60000, err, sizeof err), 0);
	for (;;) {
		gmb_rss_sampler_mark("start");
		FILE *f = fopen(path, "r");
		ck_assert_ptr_nonnull(f);
		int c = fgetc(f);
		fclose(f);
		if (c != EOF)
			return;
		usleep(1000);
	}
}

static void temp_path(char *path)
{
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

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

	rss_rows r;
	read_rows(path, &r);
	unlink(path);
	unsigned long n = r.n, named = 0;
	for (size_t i = 0; i < r.n; i++) {
		ck_assert(r.row[i].t >= 0);
		ck_assert_uint_gt(r.row[i].rss, 0);
		ck_assert_int_eq(r.row[i].limit, (long long)256 << 20);
		ck_assert(r.row[i].gc_cpu >= 0);
		ck_assert(r.row[i].limited == 0 || r.row[i].limited == 1);
		named += strcmp(r.row[i].name, "fam/gomem/8/threads:1") == 0;
	}
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

/* cpu_limited: 0 before the limiter is on, 1 in a sample taken while it
 * is.  The limiter is turned on as test_limiter drives its bucket: GC
 * time well over its capacity (3 s of assists per proc), then an update. */
START_TEST(sampler_limiter_state)
{
	char path[] = "/tmp/gomem-test-rss-XXXXXX";
	temp_path(path);
	gm_config cfg;
	gm_config_default(&cfg);
	cfg.memory_limit = (int64_t)256 << 20;
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	start_quiet_sampler(path);
	gmb_rss_sampler_sample();
	gmb_rss_sampler_mark("off");
	gmi_cpu_limiter *l = &gmi_gc_cpu_limiter;
	ck_assert(!gmi_cpu_limiter_limiting(l));
	gmi_cpu_limiter_add_assist_time(l, 3 * (int64_t)gmi_cpu_limiter_capacity(l));
	gmi_cpu_limiter_update(l, gmi_nanotime());
	ck_assert(gmi_cpu_limiter_limiting(l)); /* nothing runs that drains it */
	gmb_rss_sampler_sample();
	gmb_rss_sampler_mark("on");
	gmb_rss_sampler_stop();
	gm_shutdown();

	rss_rows r;
	read_rows(path, &r);
	unlink(path);
	size_t off = 0, on = 0;
	for (size_t i = 0; i < r.n; i++) {
		if (strcmp(r.row[i].name, "off") == 0) {
			ck_assert_int_eq(r.row[i].limited, 0);
			off++;
		} else if (strcmp(r.row[i].name, "on") == 0) {
			ck_assert_int_eq(r.row[i].limited, 1);
			/* the 3 s per proc of GC time fell in this interval */
			ck_assert(r.row[i].gc_cpu > 1);
			on++;
		}
	}
	ck_assert_uint_eq(off, 1);
	ck_assert_uint_eq(on, 1);
}
END_TEST

/* gc_cpu_interval: in [0, 1] in every row, and above 0 in the interval
 * that holds a forced cycle (its stops count as GC time on every proc).
 * No thread of this test allocates while the collector marks, so no
 * assist is reported late and no row can go over 1. */
START_TEST(sampler_gc_cpu_interval)
{
	char path[] = "/tmp/gomem-test-rss-XXXXXX";
	temp_path(path);
	gm_config cfg;
	gm_config_default(&cfg);
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	start_quiet_sampler(path);
	gmb_rss_sampler_sample();
	gmb_rss_sampler_mark("before");
	gm_gc();
	gmb_rss_sampler_sample();
	gmb_rss_sampler_mark("gc");
	gm_gc();
	gm_gc();
	gmb_rss_sampler_sample();
	gmb_rss_sampler_mark("two");
	gmb_rss_sampler_stop();
	gm_thread_detach();
	gm_shutdown();

	rss_rows r;
	read_rows(path, &r);
	unlink(path);
	size_t with_gc = 0;
	for (size_t i = 0; i < r.n; i++) {
		ck_assert_msg(r.row[i].gc_cpu >= 0 && r.row[i].gc_cpu <= 1,
			      "row %zu (%s): GC CPU fraction %g", i,
			      r.row[i].name, r.row[i].gc_cpu);
		ck_assert_int_eq(r.row[i].limited, 0);
		if (strcmp(r.row[i].name, "gc") == 0 || strcmp(r.row[i].name, "two") == 0) {
			ck_assert(r.row[i].gc_cpu > 0);
			with_gc++;
		}
	}
	ck_assert_uint_eq(with_gc, 2);
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
	tcase_add_test(tc, sampler_limiter_state);
	tcase_add_test(tc, sampler_gc_cpu_interval);
	tcase_add_test(tc, sampler_bad_path);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

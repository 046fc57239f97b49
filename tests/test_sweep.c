/*
 * test_sweep.c — Check suite "sweep": `gomem-bench run gogc_sweep` and
 * `run memlimit_sweep` (harness/sweep.c) and the report's GOGC and
 * memory-limit tables (harness/reportsweep.c).
 *
 * The suite registers two workloads of its own through the linker
 * section, as workloads/ do (their benchmark never runs: only their
 * names are listed), and writes results directories by hand.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/report.h"
#include "harness/results.h"
#include "harness/run.h"
#include "harness/shim.h"
#include "harness/workload.h"

static void never_runs(gmb_state *st, void *arg)
{
	(void)st, (void)arg;
}

static void wa_register(void)
{
	gmb_opts o = {GMB_ARGS(8, 64), GMB_THREADS(1, 2)};
	gmb_register("wa/gomem", never_runs, NULL, &o);
	gmb_register("wa.x/gomem", never_runs, NULL, NULL); /* a '.' to escape */
}

GMB_WORKLOAD(wa, .name = "wa", .description = "test", .params = "-",
	     .register_benchmarks = wa_register);
GMB_WORKLOAD(wb, .name = "wb", .description = "test", .params = "-",
	     .fn = never_runs);

static void no_bad_value(void)
{
	ck_abort_msg("a flag was refused");
}

static void bench_init(const char *filter)
{
	char flag[256], prog[] = "test_sweep";
	char *argv[] = {prog, flag, NULL};
	int argc = 2;
	snprintf(flag, sizeof flag, "--benchmark_filter=%s", filter);
	gmb_initialize(&argc, argv, no_bad_value);
	ck_assert_int_eq(argc, 1);
	ck_assert_int_eq(gmb_workloads_register(), 0);
}

START_TEST(sweep_words)
{
	gmb_sweep s;
	ck_assert_int_eq(gmb_sweep_parse("gogc_sweep", &s), 0);
	ck_assert_int_eq(s, GMB_SWEEP_GOGC);
	ck_assert_int_eq(gmb_sweep_parse("memlimit_sweep", &s), 0);
	ck_assert_int_eq(s, GMB_SWEEP_MEMLIMIT);
	ck_assert_int_eq(gmb_sweep_parse("steady_heap", &s), -1);
	ck_assert_str_eq(gmb_sweep_name(GMB_SWEEP_GOGC), "gogc_sweep");
	ck_assert_ptr_null(gmb_sweep_name(GMB_SWEEP_NONE));
}
END_TEST

/* The default lists fill only a list the user did not give. */
START_TEST(sweep_default_lists)
{
	char err[256];
	gmb_run_opts o = {.sweep = GMB_SWEEP_GOGC};
	ck_assert_int_eq(gmb_sweep_settings(&o, err, sizeof err), 0);
	ck_assert_str_eq(o.workload, "steady_heap");
	ck_assert_uint_eq(o.settings.ngogc, 7);
	ck_assert_int_eq(o.settings.gogc[0], 25);
	ck_assert_int_eq(o.settings.gogc[5], 800);
	ck_assert_int_eq(o.settings.gogc[6], GM_GOGC_OFF);
	ck_assert_uint_eq(o.settings.nmemlimit, 0);

	gmb_run_opts m = {.sweep = GMB_SWEEP_MEMLIMIT, .workload = "wa"};
	ck_assert_int_eq(gmb_sweep_settings(&m, err, sizeof err), 0);
	ck_assert_str_eq(m.workload, "wa");
	ck_assert_uint_eq(m.settings.nmemlimit, 6);
	ck_assert_int_eq(m.settings.memlimit[0], GM_MEMLIMIT_OFF);
	ck_assert_int_eq(m.settings.memlimit[5], (int64_t)96 << 20);

	gmb_run_opts u = {.sweep = GMB_SWEEP_GOGC};
	ck_assert_int_eq(gmb_settings_parse(&u.settings, "--gogc=10,off", NULL,
					    err, sizeof err), 0);
	ck_assert_int_eq(gmb_sweep_settings(&u, err, sizeof err), 0);
	ck_assert_uint_eq(u.settings.ngogc, 2); /* the user's list stays */
	ck_assert_int_eq(u.settings.gogc[0], 10);
}
END_TEST

START_TEST(workload_needs_a_sweep)
{
	char err[256];
	gmb_run_opts o = {.workload = "wa"};
	ck_assert_int_eq(gmb_sweep_settings(&o, err, sizeof err), -1);
	ck_assert(strstr(err, "--workload=wa") != NULL);
}
END_TEST

/* The filter keeps the workload's instances among the user's matches. */
START_TEST(filter_of_a_workload)
{
	char buf[1024];
	bench_init(".");
	ck_assert_int_eq(gmb_sweep_filter("wa", false, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "^(wa/gomem/8/threads:1|wa/gomem/8/threads:2|"
			      "wa/gomem/64/threads:1|wa/gomem/64/threads:2|"
			      "wa\\.x/gomem)$");
	ck_assert_int_eq(gmb_sweep_filter("wb", false, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "^(wb)$");
	ck_assert_int_eq(gmb_sweep_filter("nosuch", false, buf, sizeof buf), -1);
	ck_assert_int_eq(gmb_sweep_filter("wa", false, buf, 20), -1); /* too small */
}
END_TEST

START_TEST(filter_narrowed_and_any_threads)
{
	char buf[1024];
	bench_init("/64/");
	ck_assert_int_eq(gmb_sweep_filter("wa", true, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "^(wa/gomem/64)(/threads:[0-9]+)?$");
	ck_assert_int_eq(gmb_sweep_filter("wb", true, buf, sizeof buf), -1);
}
END_TEST

/* ---- the report's tables ------------------------------------------------ */

static char dir[] = "/tmp/gomem-test-sweep-XXXXXX";

static void put(const char *file, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

#define CFG(i, g, label)                                                     \
	"{\"index\": " #i ", \"label\": \"" label "\", \"gogc\": " g ", "       \
	"\"memory_limit\": \"off\", \"collector\": \"hybrid\", \"procs\": 0, " \
	"\"threads\": \"all\"}"
#define L(g) "gogc=" g ",memlimit=off,collector=hybrid,procs=0,threads=all"

/* One repetition of steady/gomem under configuration c. */
static void entry(FILE *f, int c, int rep, double ns, double cycles,
		  double p99, bool comma)
{
	fprintf(f, "{\"name\": \"steady/gomem\", \"run_name\": \"steady/gomem\", "
		"\"run_type\": \"iteration\", \"repetitions\": 3, "
		"\"repetition_index\": %d, \"threads\": 1, \"iterations\": 10, "
		"\"real_time\": %g, \"cpu_time\": %g, \"time_unit\": \"ns\", "
		"\"gomem_config\": %d, \"items_per_second\": %g, "
		"\"gc_cycles\": %g, \"gc_cpu_fraction\": 0.25, "
		"\"peak_rss_bytes\": 1048576, \"pause_p99_ns\": %g}%s\n",
		rep, ns, ns, c, 1e9 / ns, cycles, p99, comma ? "," : "");
}

static void write_run(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	put("context.json", "{\"schema_version\": 1, \"run\": {\"date\": \"d\"},"
	    " \"build\": {\"git_revision\": \"r\", \"build_type\": \"Release\","
	    " \"compiler\": \"cc\"}, \"machine\": {\"cpu_model\": \"c\","
	    " \"packages\": 1, \"numa_nodes\": 1, \"cores\": 2, \"pus\": 2},"
	    " \"placement\": {\"pin\": \"none\", \"membind\": \"none\"},"
	    " \"configs\": ["
	    CFG(0, "\"off\"", L("off")) ", " CFG(1, "200", L("200")) ", "
	    CFG(2, "50", L("50")) "]}\n");
	char path[256];
	snprintf(path, sizeof path, "%s/bench.json", dir);
	FILE *f = fopen(path, "w");
	fprintf(f, "{\"context\": {}, \"benchmarks\": [\n");
	for (int c = 0; c < 3; c++)
		for (int r = 0; r < 3; r++)
			entry(f, c, r, 100 * (c + 1) + r, 10 * (c + 1) + r,
			      1000 * (r + 1), c < 2 || r < 2);
	fprintf(f, "]}\n");
	fclose(f);
}

typedef struct seen {
	int tables;
	char title[512];
	char cells[8][16][GMB_REPORT_CELL];
	size_t nrows, ncols;
} seen;

static void keep(const char *title, char (*cells)[GMB_REPORT_CELL],
		 size_t nrows, size_t ncols, void *ctx)
{
	seen *s = ctx;
	s->tables++;
	snprintf(s->title, sizeof s->title, "%s", title);
	s->nrows = nrows;
	s->ncols = ncols;
	for (size_t r = 0; r < nrows && r < 8; r++)
		for (size_t c = 0; c < ncols && c < 16; c++)
			memcpy(s->cells[r][c], cells[r * ncols + c], GMB_REPORT_CELL);
}

START_TEST(gogc_table)
{
	gmb_results_data d;
	char err[1024];
	static seen s;
	write_run();
	ck_assert_msg(gmb_results_load(dir, &d, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(gmb_report_sweep_tables(&d, GMB_AXIS_GOGC, keep, &s), 1);
	ck_assert_str_eq(s.title, "steady/gomem (memlimit=off,collector=hybrid,"
			 "procs=0,threads=all)");
	ck_assert_uint_eq(s.nrows, 4);
	ck_assert_uint_eq(s.ncols, 10);
	ck_assert_str_eq(s.cells[0][0], "GOGC");
	ck_assert_str_eq(s.cells[0][3], "GC CPU fraction");
	ck_assert_str_eq(s.cells[0][9], "reps");
	/* rising GOGC, off last; configuration 2 is GOGC=50 */
	ck_assert_str_eq(s.cells[1][0], "50");
	ck_assert_str_eq(s.cells[2][0], "200");
	ck_assert_str_eq(s.cells[3][0], "off");
	/* medians: GOGC=50 ran at 300-302 ns with 30-32 cycles */
	ck_assert(strstr(s.cells[1][2], "301") != NULL);
	ck_assert_str_eq(s.cells[1][5], "31");
	ck_assert_str_eq(s.cells[3][5], "11");
	ck_assert(strstr(s.cells[1][4], "1") != NULL && strstr(s.cells[1][4], "MiB"));
	ck_assert(strstr(s.cells[1][7], "2") != NULL); /* pause p99: 2 us */
	ck_assert_str_eq(s.cells[1][6], "–");          /* no pause_p50 */
	ck_assert_str_eq(s.cells[1][9], "3");
	/* one memory limit only: no memory-limit table */
	seen none = {0};
	ck_assert_uint_eq(gmb_report_sweep_tables(&d, GMB_AXIS_MEMLIMIT, keep,
						  &none), 0);
	gmb_results_free(&d);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *sweep_suite(void)
{
	Suite *s = suite_create("sweep");
	TCase *tc = tcase_create("run");
	tcase_add_test(tc, sweep_words);
	tcase_add_test(tc, sweep_default_lists);
	tcase_add_test(tc, workload_needs_a_sweep);
	tcase_add_test(tc, filter_of_a_workload);
	tcase_add_test(tc, filter_narrowed_and_any_threads);
	suite_add_tcase(s, tc);
	tc = tcase_create("report");
	tcase_add_test(tc, gogc_table);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sweep_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

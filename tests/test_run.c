/*
 * test_run.c — Check suite "run": the parts of `gomem-bench run` that
 * decide what runs where.
 *
 * 1. The command line (harness/run_cmdline.c, gmb_run_parse):
 *    --every-config-filter in both spellings, and its refusals (a regular
 *    expression that does not compile, an empty value, the flag twice, a
 *    sweep beside it): exit status 2, the message naming the flag, the
 *    value and what is accepted; the internal --child-progress.
 * 2. The split (harness/sweep.c, gmb_split_plan) over benchmarks
 *    registered here with Google Benchmark: which instances fall in each
 *    group, the counts, '-' negation, --threads (names without
 *    "/threads:N"), escaping, and that each group's filter, handed back to
 *    Google Benchmark, selects exactly that group.
 * 3. The progress line (harness/run_child.c): counts and ETA over the
 *    whole run, from numbers given here.
 * 4. Once, the real gomem-bench (GMB_BENCH_EXE): a two-configuration run
 *    of two light benchmarks with --every-config-filter into a temporary
 *    directory; the progress lines count over both configurations, the
 *    second configuration runs only the every-config benchmark, and the
 *    rest's cycles go to cycles-once/ and its MMU curve into mmu.csv.
 * No timing is asserted anywhere.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/cmd.h"
#include "harness/run.h"
#include "harness/shim.h"
#include "tests/capture_util.h"

static void assert_contains(const char *text, const char *want)
{
	ck_assert_msg(strstr(text, want) != NULL, "\"%s\" does not contain \"%s\"",
		      text, want);
}

/* ---- the command line, with stderr captured ----------------------------- */

static char captured[8192];

/* gmb_run_parse over argv (NULL-terminated, argv[0] = "run") into *o,
 * whose flags array is `bench`; stderr's text goes to `captured`. */
static int parse(char **argv, gmb_run_opts *o, char **bench)
{
	int argc = 0;
	while (argv[argc] != NULL)
		argc++;
	*o = (gmb_run_opts){.bench = bench};
	capture c = capture_begin(STDERR_FILENO);
	int rc = gmb_run_parse(o, argc, argv);
	capture_end(&c, captured, sizeof captured);
	return rc;
}

START_TEST(every_config_parsed)
{
	char *bench[16];
	gmb_run_opts o;
	char *a[] = {"run", "--gogc=100,50", "--every-config-filter=^(a|b)/",
		     "--benchmark_filter=x", NULL};
	ck_assert_int_eq(parse(a, &o, bench), GMB_EXIT_OK);
	ck_assert_str_eq(o.every_config, "^(a|b)/");
	ck_assert_uint_eq(o.settings.ngogc, 2);
	ck_assert_int_eq(o.nbench, 1); /* not handed to Google Benchmark */
	ck_assert_str_eq(o.bench[0], "--benchmark_filter=x");
	char *b[] = {"run", "--every-config-filter", "-steady", NULL};
	ck_assert_int_eq(parse(b, &o, bench), GMB_EXIT_OK);
	ck_assert_str_eq(o.every_config, "-steady");
	char *c[] = {"run", "--gogc=50", NULL};
	ck_assert_int_eq(parse(c, &o, bench), GMB_EXIT_OK);
	ck_assert_ptr_null(o.every_config);
}
END_TEST

START_TEST(every_config_bad_regex)
{
	char *bench[16];
	gmb_run_opts o;
	char *a[] = {"run", "--every-config-filter=(binary_trees", NULL};
	ck_assert_int_eq(parse(a, &o, bench), GMB_EXIT_USAGE);
	assert_contains(captured, "--every-config-filter=(binary_trees");
	assert_contains(captured, "POSIX extended regular expression");
	char *b[] = {"run", "--every-config-filter=-a[", NULL};
	ck_assert_int_eq(parse(b, &o, bench), GMB_EXIT_USAGE);
	assert_contains(captured, "--every-config-filter=-a[");
}
END_TEST

START_TEST(every_config_refusals)
{
	char *bench[16];
	gmb_run_opts o;
	char *empty[] = {"run", "--every-config-filter=", NULL};
	ck_assert_int_eq(parse(empty, &o, bench), GMB_EXIT_USAGE);
	assert_contains(captured, "--every-config-filter needs a value");
	char *missing[] = {"run", "--every-config-filter", NULL};
	ck_assert_int_eq(parse(missing, &o, bench), GMB_EXIT_USAGE);
	assert_contains(captured, "--every-config-filter needs a value");
	char *twice[] = {"run", "--every-config-filter=a",
			 "--every-config-filter=b", NULL};
	ck_assert_int_eq(parse(twice, &o, bench), GMB_EXIT_USAGE);
	assert_contains(captured, "--every-config-filter is given twice");
	char *sweep[] = {"run", "gogc_sweep", "--every-config-filter=a", NULL};
	ck_assert_int_eq(parse(sweep, &o, bench), GMB_EXIT_USAGE);
	assert_contains(captured, "--every-config-filter=a with gogc_sweep");
	char *typo[] = {"run", "--every-config=a", NULL};
	ck_assert_int_eq(parse(typo, &o, bench), GMB_EXIT_USAGE);
	assert_contains(captured, "--every-config-filter");
}
END_TEST

START_TEST(every_config_min_time)
{
	char *bench[16];
	gmb_run_opts o;
	char *ok[] = {"run", "--every-config-filter=^steady_heap/",
		      "--every-config-min-time=1.5", NULL};
	ck_assert_int_eq(parse(ok, &o, bench), GMB_EXIT_OK);
	ck_assert_str_eq(o.every_min_time, "--benchmark_min_time=1.5");
	char *none[] = {"run", "--every-config-filter=^steady_heap/", NULL};
	ck_assert_int_eq(parse(none, &o, bench), GMB_EXIT_OK);
	ck_assert_str_eq(o.every_min_time, "");
	const char *bad[] = {"0", "-1", "abc", "1s", "nan", "4000", ""};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		char flag[64];
		snprintf(flag, sizeof flag, "--every-config-min-time=%s", bad[k]);
		char *a[] = {"run", "--every-config-filter=^steady_heap/", flag, NULL};
		ck_assert_int_eq(parse(a, &o, bench), GMB_EXIT_USAGE);
		assert_contains(captured, "--every-config-min-time");
	}
	char *twice[] = {"run", "--every-config-filter=a", "--every-config-min-time=1",
			 "--every-config-min-time=2", NULL};
	ck_assert_int_eq(parse(twice, &o, bench), GMB_EXIT_USAGE);
	assert_contains(captured, "--every-config-min-time is given twice");
	char *alone[] = {"run", "--every-config-min-time=1", NULL};
	ck_assert_int_eq(parse(alone, &o, bench), GMB_EXIT_USAGE);
	assert_contains(captured, "--every-config-filter");
}
END_TEST

START_TEST(child_progress_parsed)
{
	char *bench[16];
	gmb_run_opts o;
	char *a[] = {"run", "--child-progress=2/4:10:5:123456789012", NULL};
	ck_assert_int_eq(parse(a, &o, bench), GMB_EXIT_OK);
	ck_assert_uint_eq(o.child_config_no, 2);
	ck_assert_uint_eq(o.child_configs, 4);
	ck_assert_uint_eq(o.child_before, 10);
	ck_assert_uint_eq(o.child_after, 5);
	ck_assert_uint_eq(o.child_t0_ns, 123456789012ull);
	char *old[] = {"run", "--child-progress=2/4", NULL};
	ck_assert_int_eq(parse(old, &o, bench), GMB_EXIT_USAGE);
	assert_contains(captured, "not c/C:B:A:T");
	char *tail[] = {"run", "--child-progress=2/4:1:1:1x", NULL};
	ck_assert_int_eq(parse(tail, &o, bench), GMB_EXIT_USAGE);
}
END_TEST

/* ---- the split, over benchmarks registered here ------------------------- */

static void never_run(gmb_state *st, void *arg)
{
	(void)arg;
	while (gmb_keep_running(st))
		;
}

/* A suite shaped like gomem-bench's: 2 + 1 + 2 + 1 instances. */
static void register_fakes(void)
{
	gmb_opts two = {GMB_THREADS(1, 2)};
	gmb_register("alloc_tiny/gomem/8", never_run, NULL, &two);
	gmb_register("barrier/gomem/nocycle", never_run, NULL, NULL);
	gmb_register("steady_heap/gomem/64/64", never_run, NULL, &two);
	gmb_register("binary_trees/gomem/18", never_run, NULL, NULL);
	gmb_register("odd/a.b+c", never_run, NULL, NULL);
}

/* Hand Google Benchmark one filter flag (NULL: none). */
static void set_filter(const char *flag)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", flag ? flag : "--benchmark_filter=.");
	char *flags[] = {buf};
	ck_assert_int_eq(gmb_benchmark_init("run", flags, 1), 0);
}

/* The names the filter in force selects, "|"-joined into buf. */
static void join_name(const char *name, void *ctx)
{
	char *buf = ctx;
	if (buf[0] != '\0')
		strcat(buf, "|");
	strcat(buf, name);
}

static const char *selected(const char *flag)
{
	static char buf[4096];
	buf[0] = '\0';
	set_filter(flag);
	gmb_list(join_name, buf);
	return buf;
}

START_TEST(split_groups_and_filters)
{
	gmb_split s;
	char err[512];
	register_fakes();
	set_filter("--benchmark_filter=-^odd/");
	ck_assert_int_eq(gmb_split_plan("^(binary_trees|steady_heap)/", false,
					&s, err, sizeof err), 0);
	ck_assert_uint_eq(s.nevery, 3);
	ck_assert_uint_eq(s.nonce, 3);
	ck_assert_str_eq(s.every, "--benchmark_filter=^(steady_heap/gomem/64/64/"
			 "threads:1|steady_heap/gomem/64/64/threads:2|"
			 "binary_trees/gomem/18)$");
	/* handed back to Google Benchmark, each selects its group exactly */
	ck_assert_str_eq(selected(s.every), "steady_heap/gomem/64/64/threads:1|"
			 "steady_heap/gomem/64/64/threads:2|binary_trees/gomem/18");
	ck_assert_str_eq(selected(s.once), "alloc_tiny/gomem/8/threads:1|"
			 "alloc_tiny/gomem/8/threads:2|barrier/gomem/nocycle");
	gmb_split_free(&s);
	ck_assert_ptr_null(s.every);
}
END_TEST

START_TEST(split_negated_and_narrowed)
{
	gmb_split s;
	char err[512];
	register_fakes();
	set_filter("--benchmark_filter=threads:1|barrier");
	ck_assert_int_eq(gmb_split_plan("-^alloc", false, &s, err, sizeof err), 0);
	ck_assert_uint_eq(s.nevery, 2); /* steady threads:1, barrier */
	ck_assert_uint_eq(s.nonce, 1);  /* alloc_tiny threads:1 */
	ck_assert_str_eq(selected(s.every), "barrier/gomem/nocycle|"
			 "steady_heap/gomem/64/64/threads:1");
	ck_assert_str_eq(selected(s.once), "alloc_tiny/gomem/8/threads:1");
	gmb_split_free(&s);
	/* everything matches: no rest */
	set_filter("--benchmark_filter=steady");
	ck_assert_int_eq(gmb_split_plan("steady", false, &s, err, sizeof err), 0);
	ck_assert_uint_eq(s.nevery, 2);
	ck_assert_ptr_null(s.once);
	ck_assert_uint_eq(s.nonce, 0);
	gmb_split_free(&s);
}
END_TEST

START_TEST(split_threads_and_escaping)
{
	gmb_split s;
	char err[512];
	register_fakes();
	set_filter(NULL);
	ck_assert_int_eq(gmb_split_plan("steady|odd", true, &s, err, sizeof err),
			 0);
	ck_assert_uint_eq(s.nevery, 2); /* steady_heap/gomem/64/64, odd */
	ck_assert_uint_eq(s.nonce, 3);  /* alloc_tiny, barrier, binary_trees */
	ck_assert_str_eq(s.every, "--benchmark_filter=^(steady_heap/gomem/64/64|"
			 "odd/a\\.b\\+c)(/threads:[0-9]+)?$");
	ck_assert_str_eq(selected(s.every), "steady_heap/gomem/64/64/threads:1|"
			 "steady_heap/gomem/64/64/threads:2|odd/a.b+c");
	gmb_split_free(&s);
	set_filter(NULL);
	ck_assert_uint_eq(gmb_sweep_count(NULL, true), 5);
	ck_assert_uint_eq(gmb_sweep_count(NULL, false), 7);
}
END_TEST

START_TEST(split_matching_nothing_refused)
{
	gmb_split s;
	char err[512];
	register_fakes();
	set_filter("--benchmark_filter=alloc");
	ck_assert_int_eq(gmb_split_plan("^(binary_trees|steady_heap)/", false,
					&s, err, sizeof err), -1);
	assert_contains(err, "--every-config-filter=^(binary_trees|steady_heap)/ "
			"matches none of the 2 benchmarks");
	ck_assert_ptr_null(s.every);
	ck_assert_int_eq(gmb_split_plan("(", false, &s, err, sizeof err), -1);
	assert_contains(err, "POSIX extended");
}
END_TEST

/* ---- the progress line --------------------------------------------------- */

START_TEST(progress_counts_the_whole_run)
{
	char buf[256];
	/* 10 of 40 done in 20 s: 30 left at 2 s each */
	gmb_run_progress_format(buf, sizeof buf, 2, 4, 10, 40, 20.0, "bt/18");
	ck_assert_str_eq(buf, "[config 2/4] [10/40] bt/18 \u2026 ETA 1:00\n");
	gmb_run_progress_format(buf, sizeof buf, 1, 1, 3, 4, 90.0, "x");
	ck_assert_str_eq(buf, "[3/4] x \u2026 ETA 0:30\n");
	gmb_run_progress_format(buf, sizeof buf, 4, 4, 40, 40, 500.0, "last");
	ck_assert_str_eq(buf, "[config 4/4] [40/40] last \u2026 ETA 0:00\n");
	gmb_run_progress_format(buf, 8, 4, 4, 40, 40, 500.0, "cut");
	ck_assert_uint_eq(strlen(buf), 7); /* cut, terminated */
}
END_TEST

/* ---- the real command, once ---------------------------------------------- */

#ifdef GMB_BENCH_EXE
/* Run gomem-bench with argv, stderr to `err`; its exit status. */
static int run_bench(char **argv, const char *err)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		FILE *f = freopen(err, "w", stderr);
		if (f == NULL || freopen("/dev/null", "w", stdout) == NULL)
			_exit(126);
		unsetenv("GOGC");
		unsetenv("GOMEMLIMIT");
		execv(GMB_BENCH_EXE, argv);
		_exit(127);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* How many iteration entries configuration `config` has for `name`. */
static int entries(json_t *bench, int config, const char *name)
{
	size_t k;
	json_t *e;
	int n = 0;
	json_array_foreach(json_object_get(bench, "benchmarks"), k, e) {
		const char *rn = json_string_value(json_object_get(e, "run_name"));
		json_int_t c = json_integer_value(json_object_get(e, "gomem_config"));
		n += rn != NULL && strcmp(rn, name) == 0 && c == config;
	}
	return n;
}

START_TEST(run_splits_configurations)
{
	char tmp[] = "/tmp/gomem-test-run-XXXXXX", out[300], err[300], path[400];
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(out, sizeof out, "--out=%s/r", tmp);
	snprintf(err, sizeof err, "%s/stderr", tmp);
	char *argv[] = {
		"gomem-bench", "run", out, "--gogc=100,50",
		"--every-config-filter=^alloc_tiny/",
		"--benchmark_filter=^(alloc_tiny/gomem/8|alloc_large_gc/gomem/65536)"
		"/threads:1$",
		"--benchmark_min_time=0.01", "--benchmark_repetitions=1", NULL,
	};
	ck_assert_int_eq(run_bench(argv, err), 0);
	const char *e = slurp(err);
	/* the rest (alloc_large_gc: a cycle every few of its 64 KiB objects)
	 * once, then alloc_tiny under each configuration */
	assert_contains(e, "[config 1/2] [1/3] alloc_large_gc/gomem/65536/"
			"threads:1 ");
	assert_contains(e, "[config 1/2] [2/3] alloc_tiny/gomem/8/threads:1 ");
	assert_contains(e, "[config 2/2] [3/3] alloc_tiny/gomem/8/threads:1 ");
	ck_assert_ptr_null(strstr(e, "[config 2/2] [3/3] alloc_large_gc"));

	snprintf(path, sizeof path, "%s/r/bench.json", tmp);
	json_error_t jerr;
	json_t *bench = json_load_file(path, 0, &jerr);
	ck_assert_msg(bench != NULL, "%s: %s", path, jerr.text);
	ck_assert_int_eq(entries(bench, 0, "alloc_tiny/gomem/8/threads:1"), 1);
	ck_assert_int_eq(entries(bench, 0, "alloc_large_gc/gomem/65536/threads:1"),
			 1);
	ck_assert_int_eq(entries(bench, 1, "alloc_tiny/gomem/8/threads:1"), 1);
	ck_assert_int_eq(entries(bench, 1, "alloc_large_gc/gomem/65536/threads:1"),
			 0);
	json_decref(bench);

	struct stat sb;
	snprintf(path, sizeof path, "%s/r/cycles-once/gogc=100.csv", tmp);
	ck_assert_msg(stat(path, &sb) == 0, "%s is missing", path);
	snprintf(path, sizeof path, "%s/r/mmu.csv", tmp);
	assert_contains(slurp(path), "\n0,alloc_large_gc/gomem/65536/threads:1,");
	char rm[400];
	snprintf(rm, sizeof rm, "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(rm), 0);
}
END_TEST
#endif

static Suite *run_suite(void)
{
	Suite *s = suite_create("run");
	TCase *tc = tcase_create("cmdline");
	tcase_add_test(tc, every_config_parsed);
	tcase_add_test(tc, every_config_bad_regex);
	tcase_add_test(tc, every_config_refusals);
	tcase_add_test(tc, every_config_min_time);
	tcase_add_test(tc, child_progress_parsed);
	suite_add_tcase(s, tc);
	tc = tcase_create("split");
	tcase_add_test(tc, split_groups_and_filters);
	tcase_add_test(tc, split_negated_and_narrowed);
	tcase_add_test(tc, split_threads_and_escaping);
	tcase_add_test(tc, split_matching_nothing_refused);
	tcase_add_test(tc, progress_counts_the_whole_run);
	suite_add_tcase(s, tc);
#ifdef GMB_BENCH_EXE
	tc = tcase_create("command");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, run_splits_configurations);
	suite_add_tcase(s, tc);
#endif
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(run_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * test_compare.c — the compare suite: `gomem-bench compare BASE NEW` run
 * as a function (gmb_compare_dirs, gmb_cmd_compare) over results
 * directories this suite writes into temporary directories: Google
 * Benchmark JSON with repetitions and aggregates (bench.json) and the
 * run's context (context.json), as `gomem-bench run` writes them.
 *
 * Cases: a clear slowdown (a regression, exit 1), no change (exit 0), a
 * speed-up (an improvement, exit 0), a significant change inside the
 * threshold, too few repetitions (a warning, no regression), a benchmark
 * that failed in NEW, metrics carried by one side only, benchmarks on one
 * side only, a missing directory and corrupt JSON (exit 2, the message
 * naming the path), and the command line.
 *
 * The repetitions are fixed numbers (a base value times 1 +- a small
 * spread), so every p-value here is exact and the same on every run.
 */
#include "harness/compare.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LABEL "gogc=100,memlimit=off,collector=hybrid,procs=0,threads=all"

/* One benchmark of a fixture: `reps` repetitions of about `ns` each. */
typedef struct fx_bench {
    const char *name;
    double ns;           /* the centre of the repetitions */
    int reps;
    bool items;          /* carries items_per_second */
    const char *counter; /* an extra counter, valued ns * 10, or NULL */
    bool error;          /* reports an error instead */
} fx_bench;

/* +-1.5% around the centre, in a fixed order: repetition i gets
 * 1 + fx_spread[i]. */
static const double fx_spread[] = {0.004, -0.012, 0.015, -0.003, 0.009,
                                   -0.015, 0.001, 0.012, -0.007, 0.006};

static char fx_root[] = "/tmp/gomem-test-compare-XXXXXX";

static void fx_setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(fx_root));
}

static void fx_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx_root);
    ck_assert_int_eq(system(cmd), 0);
    strcpy(fx_root, "/tmp/gomem-test-compare-XXXXXX");
}

/* fx_root/<name>, created. */
static const char *fx_dir(const char *name)
{
    static char paths[4][256];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, 256, "%s/%s", fx_root, name);
    ck_assert_int_eq(mkdir(p, 0777), 0);
    return p;
}

static FILE *fx_open(const char *dir, const char *file)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    return f;
}

/* context.json as gomem-bench run writes it (results/README.md). */
static void fx_context(const char *dir, const char *revision)
{
    FILE *f = fx_open(dir, "context.json");
    fprintf(f,
            "{\n  \"schema_version\": 1,\n"
            "  \"run\": {\"date\": \"2026-11-25T20:04:30Z\"},\n"
            "  \"build\": {\"git_revision\": \"%s\", \"build_type\": "
            "\"Release\", \"compiler\": \"GNU 12.2.0\"},\n"
            "  \"machine\": {\"cpu_model\": \"test CPU\", \"packages\": 1, "
            "\"numa_nodes\": 1, \"cores\": 2, \"pus\": 2},\n"
            "  \"placement\": {\"pin\": \"none\", \"membind\": \"none\"},\n"
            "  \"configs\": [{\"index\": 0, \"label\": \"" LABEL "\", "
            "\"gogc\": 100, \"memory_limit\": \"off\", \"collector\": "
            "\"hybrid\", \"procs\": 0, \"threads\": \"all\"}]\n}\n",
            revision);
    fclose(f);
}

/* One entry of "benchmarks"; `rep` < 0 for the median aggregate. */
static void fx_entry(FILE *f, const fx_bench *b, int rep, double ns,
                     bool comma)
{
    fprintf(f, "    {\"name\": \"%s%s\", \"family_index\": 0, "
               "\"per_family_instance_index\": 0, \"run_name\": \"%s\", "
               "\"run_type\": \"%s\", \"repetitions\": %d, ",
            b->name, rep < 0 ? "_median" : "", b->name,
            rep < 0 ? "aggregate" : "iteration", b->reps);
    if (rep < 0)
        fprintf(f, "\"aggregate_name\": \"median\", \"aggregate_unit\": "
                   "\"time\", ");
    else
        fprintf(f, "\"repetition_index\": %d, ", rep);
    if (b->error)
        fprintf(f, "\"error_occurred\": true, \"error_message\": "
                   "\"alloc: out of memory\", ");
    fprintf(f, "\"threads\": 1, \"iterations\": 1000, \"real_time\": %.17g, "
               "\"cpu_time\": %.17g, \"time_unit\": \"ns\", "
               "\"gomem_config\": 0, \"gomem_config_label\": \"" LABEL "\"",
            ns, ns);
    if (b->items)
        fprintf(f, ", \"items_per_second\": %.17g", 1e9 / ns);
    if (b->counter != NULL)
        fprintf(f, ", \"%s\": %.17g", b->counter, ns * 10);
    fprintf(f, "}%s\n", comma ? "," : "");
}

static void fx_bench_json(const char *dir, const fx_bench *b, size_t n)
{
    FILE *f = fx_open(dir, "bench.json");
    fprintf(f, "{\n  \"context\": {\"date\": \"2026-11-25T20:04:30+00:00\", "
               "\"num_cpus\": 2, \"library_build_type\": \"release\"},\n"
               "  \"benchmarks\": [\n");
    for (size_t i = 0; i < n; i++) {
        for (int r = 0; r < b[i].reps; r++)
            fx_entry(f, &b[i], r, b[i].ns * (1 + fx_spread[r]), true);
        fx_entry(f, &b[i], -1, b[i].ns, i + 1 < n);
    }
    fprintf(f, "  ]\n}\n");
    fclose(f);
}

/* A results directory fx_root/<name> holding these benchmarks. */
static const char *fx_run(const char *name, const fx_bench *b, size_t n)
{
    const char *dir = fx_dir(name);
    fx_context(dir, name);
    fx_bench_json(dir, b, n);
    return dir;
}

/* Output captured from one comparison. */
typedef struct fx_out {
    char *out, *err;
    size_t nout, nerr;
    int rc;
    gmb_compare_summary sum;
} fx_out;

static fx_out fx_compare(const char *base, const char *next, double threshold)
{
    fx_out r = {0};
    gmb_compare_opts o;
    gmb_compare_opts_default(&o);
    if (threshold >= 0)
        o.threshold = threshold;
    o.out = open_memstream(&r.out, &r.nout);
    o.err = open_memstream(&r.err, &r.nerr);
    r.rc = gmb_compare_dirs(base, next, &o, &r.sum);
    fclose(o.out);
    fclose(o.err);
    return r;
}

static void fx_free(fx_out *r)
{
    free(r->out);
    free(r->err);
}

#define ONE(name, ns, reps) {name, ns, reps, true, NULL, false}

START_TEST(slowdown_is_a_regression)
{
    const fx_bench a[] = {ONE("alloc_tiny/gomem/8/threads:1", 100, 6),
                          ONE("alloc_tiny/glibc/8/threads:1", 30, 6)};
    const fx_bench b[] = {ONE("alloc_tiny/gomem/8/threads:1", 130, 6),
                          ONE("alloc_tiny/glibc/8/threads:1", 30, 6)};
    fx_out r = fx_compare(fx_run("base", a, 2), fx_run("new", b, 2), -1);
    ck_assert_int_eq(r.rc, 1);
    ck_assert_uint_eq(r.sum.benchmarks, 2);
    ck_assert_uint_eq(r.sum.rows, 4);        /* time/op and items/s each */
    ck_assert_uint_eq(r.sum.regressions, 2); /* both of the gomem one */
    ck_assert_uint_eq(r.sum.too_few, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "REGRESSION"));
    ck_assert_ptr_nonnull(strstr(r.out, "+30.0%"));
    ck_assert_ptr_nonnull(strstr(r.out, "6/6"));
    ck_assert_ptr_nonnull(strstr(r.out, "0.00216")); /* 2 / C(12, 6) */
    ck_assert_ptr_nonnull(strstr(r.out, "regressed: alloc_tiny/gomem/8/"
                                        "threads:1 time/op +30.0%"));
    ck_assert_ptr_nonnull(strstr(r.out, "verdict: REGRESSED"));
    fx_free(&r);
}
END_TEST

START_TEST(no_change_is_not)
{
    const fx_bench a[] = {ONE("alloc_small/gomem/32/threads:1", 6.2, 5)};
    fx_out r = fx_compare(fx_run("base", a, 1), fx_run("new", a, 1), -1);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_uint_eq(r.sum.rows, 2);
    ck_assert_uint_eq(r.sum.regressions, 0);
    ck_assert_uint_eq(r.sum.improvements, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "no change"));
    ck_assert_ptr_nonnull(strstr(r.out, "verdict: no regression"));
    fx_free(&r);
}
END_TEST

START_TEST(speedup_is_an_improvement)
{
    const fx_bench a[] = {ONE("alloc_large/gomem/65536/threads:1", 2600, 5)};
    const fx_bench b[] = {ONE("alloc_large/gomem/65536/threads:1", 2000, 5)};
    fx_out r = fx_compare(fx_run("base", a, 1), fx_run("new", b, 1), -1);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_uint_eq(r.sum.improvements, 2);
    ck_assert_uint_eq(r.sum.regressions, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "improvement"));
    fx_free(&r);
}
END_TEST

/* +4% with the two sets of repetitions apart (p = 0.0079): significant,
 * but inside the default 5% threshold; a 3% threshold flags it. */
START_TEST(threshold_decides)
{
    const fx_bench a[] = {ONE("alloc_tiny/gomem/8/threads:1", 100, 5)};
    const fx_bench b[] = {ONE("alloc_tiny/gomem/8/threads:1", 104, 5)};
    const char *base = fx_run("base", a, 1), *next = fx_run("new", b, 1);
    fx_out r = fx_compare(base, next, -1);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_uint_eq(r.sum.regressions, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "+4.0%"));
    ck_assert_ptr_nonnull(strstr(r.out, "within threshold"));
    fx_free(&r);
    r = fx_compare(base, next, 3);
    ck_assert_int_eq(r.rc, 1);
    ck_assert_uint_eq(r.sum.regressions, 2);
    fx_free(&r);
}
END_TEST

/* 3 repetitions a side: the U test's smallest p is 2 / C(6, 3) = 0.1, so
 * even a 50% slowdown cannot be shown: a warning, no regression. */
START_TEST(too_few_repetitions_warn)
{
    const fx_bench a[] = {ONE("alloc_tiny/gomem/8/threads:1", 100, 3)};
    const fx_bench b[] = {ONE("alloc_tiny/gomem/8/threads:1", 150, 3)};
    fx_out r = fx_compare(fx_run("base", a, 1), fx_run("new", b, 1), -1);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_uint_eq(r.sum.regressions, 0);
    ck_assert_uint_eq(r.sum.too_few, 2);
    ck_assert_ptr_nonnull(strstr(r.out, "too few reps"));
    ck_assert_ptr_nonnull(strstr(r.out, "warning: 2 comparisons with 3 "
                                        "(base) and 3 (new) repetitions"));
    ck_assert_ptr_nonnull(strstr(r.out, "smallest p the U test can give "
                                        "there is 0.1"));
    ck_assert_ptr_nonnull(strstr(r.out, "--benchmark_repetitions=4"));
    fx_free(&r);
}
END_TEST

START_TEST(error_in_new_fails)
{
    const fx_bench a[] = {ONE("alloc_tiny/gomem/8/threads:1", 100, 5)};
    fx_bench b[] = {ONE("alloc_tiny/gomem/8/threads:1", 100, 5)};
    b[0].error = true;
    fx_out r = fx_compare(fx_run("base", a, 1), fx_run("new", b, 1), -1);
    ck_assert_int_eq(r.rc, 1);
    ck_assert_uint_eq(r.sum.failed, 1);
    ck_assert_ptr_nonnull(strstr(r.out, "FAILED in new: alloc: out of "
                                        "memory"));
    fx_free(&r);
}
END_TEST

/* items/s only in BASE: only time/op is compared.  A collector counter
 * (pause p99) on both sides is compared as a metric of its own. */
START_TEST(metrics_on_one_side_are_skipped)
{
    fx_bench a[] = {ONE("gc/gomem/threads:1", 100, 5)};
    fx_bench b[] = {ONE("gc/gomem/threads:1", 100, 5)};
    b[0].items = false;
    a[0].counter = b[0].counter = "pause_p99_ns";
    fx_out r = fx_compare(fx_run("base", a, 1), fx_run("new", b, 1), -1);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_uint_eq(r.sum.rows, 2);
    ck_assert_ptr_null(strstr(r.out, "items/s  ")); /* no such row */
    ck_assert_ptr_nonnull(strstr(r.out, "pause p99"));
    ck_assert_ptr_nonnull(strstr(r.out, "1.004 us")); /* median x 10 */
    fx_free(&r);
}
END_TEST

START_TEST(benchmarks_on_one_side)
{
    const fx_bench a[] = {ONE("x/gomem", 10, 5), ONE("gone/gomem", 10, 5)};
    const fx_bench b[] = {ONE("x/gomem", 10, 5), ONE("added/gomem", 10, 5),
                          ONE("added2/gomem", 10, 5)};
    fx_out r = fx_compare(fx_run("base", a, 2), fx_run("new", b, 3), -1);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_uint_eq(r.sum.benchmarks, 1);
    ck_assert_uint_eq(r.sum.only_base, 1);
    ck_assert_uint_eq(r.sum.only_new, 2);
    fx_free(&r);
}
END_TEST

START_TEST(missing_dir_is_named)
{
    const fx_bench a[] = {ONE("x/gomem", 10, 5)};
    char missing[300];
    snprintf(missing, sizeof missing, "%s/no-such-run", fx_root);
    fx_out r = fx_compare(fx_run("base", a, 1), missing, -1);
    ck_assert_int_eq(r.rc, 2);
    ck_assert_ptr_nonnull(strstr(r.err, missing));
    ck_assert_ptr_nonnull(strstr(r.err, "NEW"));
    fx_free(&r);
}
END_TEST

START_TEST(corrupt_json_names_the_file)
{
    const fx_bench a[] = {ONE("x/gomem", 10, 5)};
    const char *base = fx_run("base", a, 1);
    const char *bad = fx_run("bad", a, 1);
    char path[512];
    snprintf(path, sizeof path, "%s/bench.json", bad);
    ck_assert_int_eq(truncate(path, 200), 0); /* cut mid-entry */
    fx_out r = fx_compare(bad, base, -1);
    ck_assert_int_eq(r.rc, 2);
    ck_assert_ptr_nonnull(strstr(r.err, path));
    ck_assert_ptr_nonnull(strstr(r.err, "BASE"));
    fx_free(&r);
}
END_TEST

START_TEST(command_line)
{
    char *no_dirs[] = {"compare", NULL};
    char *three[] = {"compare", "a", "b", "c", NULL};
    char *bad_pct[] = {"compare", "--threshold=lots", "a", "b", NULL};
    char *neg_pct[] = {"compare", "--threshold", "-1", "a", "b", NULL};
    char *bad_flag[] = {"compare", "--fast", "a", "b", NULL};
    char *help[] = {"compare", "--help", NULL};
    ck_assert_int_eq(gmb_cmd_compare(1, no_dirs), 2);
    ck_assert_int_eq(gmb_cmd_compare(4, three), 2);
    ck_assert_int_eq(gmb_cmd_compare(4, bad_pct), 2);
    ck_assert_int_eq(gmb_cmd_compare(5, neg_pct), 2);
    ck_assert_int_eq(gmb_cmd_compare(4, bad_flag), 2);
    ck_assert_int_eq(gmb_cmd_compare(2, help), 0);
}
END_TEST

START_TEST(command_runs_the_comparison)
{
    const fx_bench a[] = {ONE("alloc_tiny/gomem/8/threads:1", 100, 5)};
    const fx_bench b[] = {ONE("alloc_tiny/gomem/8/threads:1", 112, 5)};
    char base[256], next[256];
    snprintf(base, sizeof base, "%s", fx_run("base", a, 1));
    snprintf(next, sizeof next, "%s", fx_run("new", b, 1));
    char *argv[] = {"compare", "--threshold=15", base, next, NULL};
    ck_assert_int_eq(gmb_cmd_compare(4, argv), 0); /* +12% < 15% */
    argv[1] = "--threshold=10%";
    ck_assert_int_eq(gmb_cmd_compare(4, argv), 1);
}
END_TEST

static Suite *compare_suite(void)
{
    Suite *s = suite_create("compare");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
    tcase_add_test(tc, slowdown_is_a_regression);
    tcase_add_test(tc, no_change_is_not);
    tcase_add_test(tc, speedup_is_an_improvement);
    tcase_add_test(tc, threshold_decides);
    tcase_add_test(tc, too_few_repetitions_warn);
    tcase_add_test(tc, error_in_new_fails);
    tcase_add_test(tc, metrics_on_one_side_are_skipped);
    tcase_add_test(tc, benchmarks_on_one_side);
    tcase_add_test(tc, missing_dir_is_named);
    tcase_add_test(tc, corrupt_json_names_the_file);
    tcase_add_test(tc, command_line);
    tcase_add_test(tc, command_runs_the_comparison);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(compare_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

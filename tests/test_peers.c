/*
 * test_peers.c — the peers of `gomem-bench run --runtime` (harness/peers.h)
 * without running any: the runtime list and its errors, the skip logic
 * against a directory of fake peer executables, the interleaving order,
 * the peer filter, the fidelity flags, and the report's ratio columns and
 * fidelity table on a results directory written here.  No timing.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/peers.h"
#include "harness/report.h"
#include "harness/results.h"

START_TEST(parse_list_in_order)
{
	gmb_runtime_list l;
	char err[256];
	ck_assert_int_eq(gmb_runtimes_parse("gomem,go,boehm,glibc,jemalloc,"
					    "mimalloc,tcmalloc", &l, err,
					    sizeof err), 0);
	ck_assert_uint_eq(l.n, GMB_RT_COUNT);
	ck_assert_int_eq(l.rt[0], GMB_RT_GOMEM);
	ck_assert_int_eq(l.rt[6], GMB_RT_TCMALLOC);
	ck_assert_int_eq(gmb_runtimes_parse("go,gomem", &l, err, sizeof err), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_int_eq(l.rt[0], GMB_RT_GO);
}
END_TEST

START_TEST(parse_errors_name_the_word)
{
	gmb_runtime_list l;
	char err[256];
	ck_assert_int_eq(gmb_runtimes_parse("gomem,java", &l, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "'java'"));
	ck_assert_ptr_nonnull(strstr(err, "accepted: gomem, go, boehm"));
	ck_assert_int_eq(gmb_runtimes_parse("go,go", &l, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "twice"));
	ck_assert_int_eq(gmb_runtimes_parse("go,,boehm", &l, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "empty"));
	ck_assert_int_eq(gmb_runtimes_parse("", &l, err, sizeof err), -1);
	/* the component is not a runtime's name on the command line */
	ck_assert_int_eq(gmb_runtimes_parse("ptmalloc", &l, err, sizeof err), -1);
	ck_assert_int_eq(gmb_runtime_lookup("ptmalloc"), GMB_RT_GLIBC);
}
END_TEST

/* A directory holding fake peers: executable files gomem-peer-NAME. */
static void fake_peer(const char *dir, const char *name, mode_t mode)
{
	char path[512];
	snprintf(path, sizeof path, "%s/gomem-peer-%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("#!/bin/sh\n", f);
	fclose(f);
	chmod(path, mode);
}

START_TEST(missing_peers_are_skipped_with_their_package)
{
	char dir[] = "/tmp/gomem-test-peers-XXXXXX", err[256];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	fake_peer(dir, "go", 0755);
	fake_peer(dir, "jemalloc", 0644); /* not executable: not usable */
	gmb_runtime_list want, run;
	char skips[GMB_RT_COUNT][GMB_SKIP_LEN];
	ck_assert_int_eq(gmb_runtimes_parse("gomem,go,boehm,jemalloc", &want,
					    err, sizeof err), 0);
	size_t n = gmb_runtimes_resolve(&want, dir, &run, skips);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(run.n, 2);
	ck_assert_int_eq(run.rt[0], GMB_RT_GOMEM); /* always runs */
	ck_assert_int_eq(run.rt[1], GMB_RT_GO);
	ck_assert_ptr_nonnull(strstr(skips[0], "boehm skipped"));
	ck_assert_ptr_nonnull(strstr(skips[0], "libgc-dev"));
	ck_assert_ptr_nonnull(strstr(skips[1], "libjemalloc-dev"));
	ck_assert_ptr_nonnull(strstr(skips[1], "PEERS=1"));
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(rounds_rotate_the_order)
{
	gmb_runtime_list l;
	gmb_runtime o[GMB_RT_COUNT];
	char err[128];
	ck_assert_int_eq(gmb_runtimes_parse("gomem,go,boehm", &l, err, sizeof err), 0);
	gmb_runtimes_rotate(&l, 0, o);
	ck_assert(o[0] == GMB_RT_GOMEM && o[1] == GMB_RT_GO && o[2] == GMB_RT_BOEHM);
	gmb_runtimes_rotate(&l, 1, o);
	ck_assert(o[0] == GMB_RT_GO && o[1] == GMB_RT_BOEHM && o[2] == GMB_RT_GOMEM);
	gmb_runtimes_rotate(&l, 5, o); /* 5 mod 3 = 2 */
	ck_assert(o[0] == GMB_RT_BOEHM && o[2] == GMB_RT_GO);
}
END_TEST

START_TEST(peer_filter_takes_the_component)
{
	char buf[256];
	ck_assert(gmb_peer_flag("--benchmark_filter=^(steady_heap/gomem/64/64/"
				"threads:1|binary_trees/gomem/18)$", GMB_RT_GO,
				buf, sizeof buf));
	ck_assert_str_eq(buf, "--benchmark_filter=^(steady_heap/go/64/64/"
			      "threads:1|binary_trees/go/18)$");
	ck_assert(gmb_peer_flag("--benchmark_min_time=0.05", GMB_RT_GLIBC, buf,
				sizeof buf));
	ck_assert_str_eq(buf, "--benchmark_min_time=0.05");
	ck_assert(gmb_peer_flag("--benchmark_filter=alloc/gomem/", GMB_RT_GLIBC,
				buf, sizeof buf));
	ck_assert_str_eq(buf, "--benchmark_filter=alloc/ptmalloc/");
	ck_assert(!gmb_peer_flag("--benchmark_filter=x/gomem/", GMB_RT_GO, buf, 12));
}
END_TEST

START_TEST(fidelity_flags_past_the_thresholds)
{
	gmb_fidelity f = {.gomem_cycles = 115, .go_cycles = 100,
			  .gomem_run_cycles = 10, .go_run_cycles = 10,
			  .gomem_heap = 110, .go_heap = 100};
	gmb_fidelity_judge(&f);
	ck_assert(!f.cycles_flag && !f.heap_flag); /* exactly at: not past */
	f.gomem_cycles = 116;
	f.gomem_heap = 89;
	gmb_fidelity_judge(&f);
	ck_assert(f.cycles_flag && f.heap_flag);
	ck_assert_double_eq_tol(f.heap_pct, -11, 1e-9);
	char v[256];
	gmb_report_fidelity_row(&f, v, sizeof v);
	ck_assert_ptr_nonnull(strstr(v, "16% more cycles"));
	ck_assert_ptr_nonnull(strstr(v, "11% smaller"));
	f = (gmb_fidelity){.gomem_cycles = 10, .go_cycles = NAN,
			   .gomem_run_cycles = 10, .go_run_cycles = 10,
			   .gomem_heap = 1, .go_heap = 0};
	gmb_fidelity_judge(&f);
	ck_assert(!f.cycles_flag && !f.heap_flag && isnan(f.heap_pct));
}
END_TEST

/* Under GMB_FIDELITY_MIN_CYCLES a run on either side, the cycles are not
 * judged (1 against 2 cycles would read as -50%); the peak heap still is. */
START_TEST(fidelity_does_not_judge_a_few_cycles)
{
	gmb_fidelity f = {.gomem_cycles = 1e-7, .go_cycles = 2e-7,
			  .gomem_run_cycles = 1, .go_run_cycles = 2,
			  .gomem_heap = 100, .go_heap = 100};
	gmb_fidelity_judge(&f);
	ck_assert(f.cycles_few && !f.cycles_flag && !f.heap_flag);
	ck_assert_double_eq_tol(f.cycles_pct, -50, 1e-9);
	char v[256];
	gmb_report_fidelity_row(&f, v, sizeof v);
	ck_assert_str_eq(v, "cycles not judged: 1 (gomem) and 2 (Go) a run, under 10; "
			    "peak heap within 10%");
	f.gomem_heap = 120;
	gmb_fidelity_judge(&f);
	gmb_report_fidelity_row(&f, v, sizeof v);
	ck_assert(f.heap_flag && !f.cycles_flag);
	ck_assert_str_eq(v, "cycles not judged: 1 (gomem) and 2 (Go) a run, under 10; "
			    "DIFFERS: gomem's peak heap is 20% larger than Go's");
	/* one side at the bound and the other under it: still not judged */
	f.gomem_run_cycles = 10;
	f.go_run_cycles = 9;
	gmb_fidelity_judge(&f);
	ck_assert(f.cycles_few && !f.cycles_flag);
	f.go_run_cycles = 10;
	gmb_fidelity_judge(&f);
	ck_assert(!f.cycles_few && f.cycles_flag); /* -50%, now judged */
	/* a missing count is no count */
	f.go_run_cycles = NAN;
	gmb_fidelity_judge(&f);
	ck_assert(f.cycles_few && !f.cycles_flag);
}
END_TEST

/* ---- the report on a results directory written here ------------------ */

static const char ctx_json[] =
	"{\"schema_version\":1,\"run\":{\"name\":\"t\",\"date\":\"d\","
	"\"runtimes\":{\"run\":[\"gomem\",\"go\"],\"skipped\":[\"boehm "
	"skipped: gomem-peer-boehm was not built (install the Debian package "
	"libgc-dev)\"],\"rounds\":2}},"
	"\"build\":{\"git_revision\":\"r\",\"build_type\":\"Release\","
	"\"compiler\":\"c\"},\"machine\":{\"cpu_model\":\"m\",\"packages\":1,"
	"\"numa_nodes\":1,\"cores\":2,\"pus\":2},"
	"\"placement\":{\"pin\":\"none\",\"membind\":\"none\"},"
	"\"settings\":{\"pin\":\"none\","
	"\"membind\":\"none\"},\"configs\":[{\"index\":0,\"label\":\"gogc=100\","
	"\"gogc\":100,\"memory_limit\":\"off\",\"collector\":\"hybrid\","
	"\"procs\":0,\"threads\":\"all\"}]}";

static void entry(FILE *f, const char *name, const char *rt, int rep,
		  double ns, double cycles, double heap, bool last)
{
	fprintf(f, "{\"name\":\"%s\",\"run_name\":\"%s\",\"run_type\":"
		"\"iteration\",\"repetitions\":2,\"repetition_index\":%d,"
		"\"threads\":1,\"iterations\":10,\"real_time\":%g,\"cpu_time\":%g,"
		"\"time_unit\":\"ns\",\"gc_cycles\":%g,\"peak_heap_bytes\":%g,"
		"\"gomem_config\":0,\"gomem_config_label\":\"gogc=100\","
		"\"gomem_runtime\":\"%s\"}%s", name, name, rep, ns, ns, cycles,
		heap, rt, last ? "" : ",");
}

static void write_run(const char *dir)
{
	char path[512];
	snprintf(path, sizeof path, "%s/context.json", dir);
	FILE *f = fopen(path, "w");
	fputs(ctx_json, f);
	fclose(f);
	snprintf(path, sizeof path, "%s/bench.json", dir);
	f = fopen(path, "w");
	fputs("{\"context\":{},\"benchmarks\":[", f);
	entry(f, "binary_trees/gomem/18", "gomem", 0, 100, 30, 100e6, false);
	entry(f, "binary_trees/gomem/18", "gomem", 1, 120, 30, 100e6, false);
	entry(f, "binary_trees/go/18", "go", 0, 200, 20, 100e6, false);
	entry(f, "binary_trees/go/18", "go", 1, 240, 20, 104e6, false);
	entry(f, "steady_heap/gomem/64/64/threads:1", "gomem", 0, 50, 10, 80e6, false);
	entry(f, "steady_heap/go/64/64/threads:1", "go", 0, 50, 10, 79e6, true);
	fputs("]}", f);
	fclose(f);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

START_TEST(report_puts_peers_side_by_side)
{
	char dir[] = "/tmp/gomem-test-peers-report-XXXXXX", err[512], path[600];
	gmb_results_data d;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_run(dir);
	ck_assert_msg(gmb_results_load(dir, &d, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(gmb_report_write(&d, stderr), 0);
	snprintf(path, sizeof path, "%s/report.md", dir);
	const char *md = slurp(path);
	/* the ratio column: medians 110 against 220 */
	ck_assert_ptr_nonnull(strstr(md, "| gomem / Go |"));
	ck_assert_ptr_nonnull(strstr(md, "| 0.5 |"));
	/* the skip line names the package */
	ck_assert_ptr_nonnull(strstr(md, "Skipped: boehm skipped"));
	ck_assert_ptr_nonnull(strstr(md, "libgc-dev"));
	/* fidelity: 3 against 2 cycles per iteration is +50%: flagged; the
	 * steady heap is within both thresholds */
	ck_assert_ptr_nonnull(strstr(md, "+50%"));
	ck_assert_ptr_nonnull(strstr(md, "DIFFERS: gomem runs 50% more cycles"));
	ck_assert_ptr_nonnull(strstr(md, "within 15% (cycles)"));
	ck_assert_ptr_nonnull(strstr(md, "does NOT match Go on 1 of these 2"));
	gmb_results_free(&d);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

static Suite *peers_suite(void)
{
	Suite *s = suite_create("peers");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, parse_list_in_order);
	tcase_add_test(tc, parse_errors_name_the_word);
	tcase_add_test(tc, missing_peers_are_skipped_with_their_package);
	tcase_add_test(tc, rounds_rotate_the_order);
	tcase_add_test(tc, peer_filter_takes_the_component);
	tcase_add_test(tc, fidelity_flags_past_the_thresholds);
	tcase_add_test(tc, fidelity_does_not_judge_a_few_cycles);
	tcase_add_test(tc, report_puts_peers_side_by_side);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(peers_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

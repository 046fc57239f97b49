/*
 * test_plot.c — the data behind the figures of `gomem-bench plot` that
 * compare allocators and runtimes (harness/plotalloc.c,
 * harness/plotpauses.c), on results directories written here: the alloc
 * figure's rows by size, gomem against glibc, with min-max from the
 * repetitions; the all-runtimes figure; the pause CDF of gomem against
 * Go (rows, weights, quantiles, panel order by GOGC), and that a run
 * without Go draws and reports none of it.  When gnuplot is installed,
 * the scripts are run on the same data and must draw.  No timing.
 */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/plot.h"
#include "harness/plotpauses.h"
#include "harness/report.h"
#include "harness/results.h"

/* ---- a results directory ---------------------------------------------- */

/* Three configurations, listed GOGC 100, 50, off: the figures order them
 * 50, 100, off. */
static const char ctx_json[] =
	"{\"schema_version\":1,\"run\":{\"name\":\"t\",\"date\":\"d\"%s},"
	"\"build\":{\"git_revision\":\"r\",\"build_type\":\"Release\","
	"\"compiler\":\"c\"},\"machine\":{\"cpu_model\":\"m\",\"packages\":1,"
	"\"numa_nodes\":1,\"cores\":2,\"pus\":2},"
	"\"placement\":{\"pin\":\"none\",\"membind\":\"none\"},"
	"\"settings\":{\"pin\":\"none\",\"membind\":\"none\"},\"configs\":["
	"{\"index\":0,\"label\":\"gogc=100,memlimit=off\",\"gogc\":100,"
	"\"memory_limit\":\"off\",\"collector\":\"hybrid\",\"procs\":0,"
	"\"threads\":\"all\"},"
	"{\"index\":1,\"label\":\"gogc=50,memlimit=off\",\"gogc\":50,"
	"\"memory_limit\":\"off\",\"collector\":\"hybrid\",\"procs\":0,"
	"\"threads\":\"all\"},"
	"{\"index\":2,\"label\":\"gogc=off,memlimit=off\",\"gogc\":\"off\","
	"\"memory_limit\":\"off\",\"collector\":\"hybrid\",\"procs\":0,"
	"\"threads\":\"all\"}]}";

static const char runtimes_json[] =
	",\"runtimes\":{\"run\":[\"gomem\",\"go\",\"glibc\"],\"skipped\":[],"
	"\"rounds\":2}";

typedef struct bench_file {
	FILE *f;
	bool first;
} bench_file;

/* One repetition of `name` in configuration 0 taking `ns` per object. */
static void rep(bench_file *b, const char *name, const char *rt, int idx,
		double ns)
{
	fprintf(b->f, "%s{\"name\":\"%s\",\"run_name\":\"%s\",\"run_type\":"
		"\"iteration\",\"repetitions\":2,\"repetition_index\":%d,"
		"\"threads\":1,\"iterations\":1000,\"real_time\":%g,"
		"\"cpu_time\":%g,\"time_unit\":\"ns\",\"gomem_config\":0,"
		"\"gomem_config_label\":\"gogc=100,memlimit=off\","
		"\"gomem_runtime\":\"%s\"}", b->first ? "" : ",", name, name,
		idx, ns, ns, rt);
	b->first = false;
}

/* Two repetitions, lo and hi: the median is their mean. */
static void reps(bench_file *b, const char *name, const char *rt, double lo,
		 double hi)
{
	rep(b, name, rt, 0, hi);
	rep(b, name, rt, 1, lo);
}

static void put(const char *dir, const char *file, const char *text)
{
	char path[600];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* A run: in-process alloc benchmarks of gomem and glibc, and with
 * `peers` those of Go and the glibc peer (ptmalloc) too. */
static void write_run(const char *dir, bool peers)
{
	char ctx[4096], path[600];
	snprintf(ctx, sizeof ctx, ctx_json, peers ? runtimes_json : "");
	put(dir, "context.json", ctx);
	snprintf(path, sizeof path, "%s/bench.json", dir);
	bench_file b = {fopen(path, "w"), true};
	ck_assert_ptr_nonnull(b.f);
	fputs("{\"context\":{},\"benchmarks\":[", b.f);
	reps(&b, "alloc_small/gomem/16/threads:1", "gomem", 10, 12);
	reps(&b, "alloc_small/glibc/16/threads:1", "gomem", 30, 34);
	reps(&b, "alloc_small/calloc/16/threads:1", "gomem", 40, 44);
	reps(&b, "alloc_tiny/gomem/8/threads:1", "gomem", 5, 7);
	reps(&b, "alloc_large/gomem/65536/threads:1", "gomem", 4000, 6000);
	reps(&b, "alloc_large/calloc/65536/threads:1", "gomem", 3000, 3100);
	/* pointers: gomem's own series; glibc only here, so it stands in */
	reps(&b, "alloc_small_ptr/gomem/32/threads:1", "gomem", 20, 22);
	reps(&b, "alloc_small_ptr/glibc/32/threads:1", "gomem", 50, 52);
	reps(&b, "alloc_small_gc/gomem/1024/threads:1", "gomem", 100, 140);
	reps(&b, "alloc_small/gomem/16/threads:2", "gomem", 15, 17);
	reps(&b, "binary_trees/gomem/18", "gomem", 1e6, 1e6);
	if (peers) {
		reps(&b, "alloc_small/go/16/threads:1", "go", 60, 80);
		reps(&b, "alloc_small/ptmalloc/16/threads:1", "glibc", 20, 22);
		reps(&b, "alloc_small_gc/go/1024/threads:1", "go", 1, 1);
		reps(&b, "binary_trees/go/18", "go", 2e6, 2e6);
	}
	fputs("]}", b.f);
	fclose(b.f);
}

/* pauses.csv: config 0 (GOGC 100) pairs two benchmarks, config 1
 * (GOGC 50) one, config 2 (off) none (gomem only); boehm's, a gomem
 * benchmark without a Go twin and a malformed line are left out. */
static const char pauses_csv[] =
	"runtime,config,benchmark,pause_ns\n"
	"gomem,0,binary_trees/gomem/18,3000\n"
	"gomem,0,binary_trees/gomem/18,1000\n"
	"gomem,0,steady_heap/gomem/64/64/threads:1,4000\n"
	"gomem,0,steady_heap/gomem/64/64/threads:1,5000\n"
	"gomem,0,steady_heap/gomem/64/64/threads:1,6000\n"
	"gomem,0,steady_heap/gomem/64/64/threads:1,7000\n"
	"gomem,0,alloc_small_gc/gomem/32/threads:1,500\n"
	"go,0,binary_trees/go/18,2000\n"
	"go,0,steady_heap/go/64/64/threads:1,9000\n"
	"go,0,steady_heap/go/64/64/threads:1,8000\n"
	"boehm,0,binary_trees/boehm/18,100\n"
	"gomem,1,binary_trees/gomem/18,10000\n"
	"go,1,binary_trees/go/18,20000\n"
	"gomem,2,binary_trees/gomem/18,1000\n"
	"not a row\n";

static char *make_dir(void)
{
	static char dir[64];
	snprintf(dir, sizeof dir, "/tmp/gomem-test-plot-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static void remove_dir(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void load(const char *dir, gmb_results_data *d)
{
	char err[512];
	ck_assert_msg(gmb_results_load(dir, d, err, sizeof err) == 0, "%s", err);
}

/* Run an extractor into memory: its block count, the text in *text
 * (free it), titles and extra in c. */
static int extract(gmb_plot_extract_fn fn, const gmb_results_data *d,
		   gmb_plot_ctx *c, char **text)
{
	size_t len;
	*c = (gmb_plot_ctx){.d = d, .dat = open_memstream(text, &len)};
	ck_assert_ptr_nonnull(c->dat);
	int blocks = fn(c);
	fclose(c->dat);
	return blocks;
}

static bool has_file(const char *dir, const char *file)
{
	char path[600];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	return access(path, R_OK) == 0;
}

static char *slurp(const char *dir, const char *file)
{
	char path[600];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* ---- alloc: gomem against glibc --------------------------------------- */

START_TEST(alloc_rows_by_size)
{
	char *dir = make_dir(), *t;
	gmb_results_data d;
	gmb_plot_ctx c;
	write_run(dir, false);
	load(dir, &d);
	/* panels: 1 thread off, 1 thread on, 2 threads off */
	ck_assert_int_eq(extract(gmb_plot_alloc, &d, &c, &t), 3);
	ck_assert_str_eq(c.titles, "1_thread,_collector_off "
			 "1_thread,_collector_on 2_threads,_collector_off");
	/* panel 1 has gomem, its pointer series, malloc and calloc; the
	 * others gomem alone */
	ck_assert_str_eq(c.extra, "present='1234 1 1'");
	/* by size, rising; median, min, max per series; NaN where none */
	ck_assert_ptr_nonnull(strstr(t, "\n8 6 5 7 nan nan nan nan nan nan "
				     "nan nan nan\n16 11 10 12 nan nan nan 32 "
				     "30 34 42 40 44\n32 nan nan nan 21 20 22 51 "
				     "50 52 nan nan nan\n65536 5000 4000 6000 "
				     "nan nan nan nan nan nan 3050 3000 3100\n"));
	ck_assert_ptr_nonnull(strstr(t, "\n1024 120 100 140 nan"));
	ck_assert_ptr_nonnull(strstr(t, "\n16 16 15 17 nan"));
	/* blocks apart as gnuplot's index wants them */
	ck_assert_ptr_nonnull(strstr(t, "\n\n\n# panel 2:"));
	ck_assert_ptr_null(strstr(t, "binary_trees"));
	free(t);
	gmb_results_free(&d);
	remove_dir(dir);
}
END_TEST

START_TEST(alloc_runtimes_needs_a_peer)
{
	char *dir = make_dir(), *t;
	gmb_results_data d;
	gmb_plot_ctx c;
	write_run(dir, false);
	load(dir, &d);
	ck_assert_int_eq(extract(gmb_plot_alloc_runtimes, &d, &c, &t), 0);
	free(t);
	gmb_results_free(&d);
	write_run(dir, true);
	load(dir, &d);
	/* collector-off noscan families only: 1 and 2 threads */
	ck_assert_int_eq(extract(gmb_plot_alloc_runtimes, &d, &c, &t), 2);
	ck_assert_str_eq(c.titles, "1_thread 2_threads");
	/* gomem 1, Go 2, the glibc peer (ptmalloc) 4; not the in-process
	 * glibc and calloc baselines */
	ck_assert_ptr_nonnull(strstr(c.extra, "present='124 1'"));
	ck_assert_ptr_nonnull(strstr(c.extra, "names='gomem Go Boehm_GC "
					      "glibc_calloc_(own_process) "));
	ck_assert_ptr_nonnull(strstr(t, "\n16 11 10 12 70 60 80 nan nan nan "
				     "21 20 22 nan"));
	ck_assert_ptr_null(strstr(t, "\n1024 ")); /* _gc: not here */
	free(t);
	gmb_results_free(&d);
	remove_dir(dir);
}
END_TEST

/* ---- pauses: gomem against Go ----------------------------------------- */

START_TEST(pause_pairs_weigh_benchmarks_alike)
{
	char *dir = make_dir();
	gmb_results_data d;
	gmb_pause_pair *p;
	write_run(dir, true);
	put(dir, "pauses.csv", pauses_csv);
	load(dir, &d);
	ck_assert_uint_eq(gmb_pause_pairs(&d, &p), 2);
	/* GOGC 50 (configuration 1) first, then 100; off has no Go */
	ck_assert_int_eq(p[0].config, 1);
	ck_assert_int_eq(p[1].config, 0);
	ck_assert_uint_eq(p[1].nbench, 2);
	ck_assert_uint_eq(p[1].gomem.n, 6); /* not alloc_small_gc's */
	ck_assert_uint_eq(p[1].go.n, 3);
	/* binary_trees' 2 pauses weigh 1/4 each, steady_heap's 4 1/8 */
	ck_assert_double_eq_tol(p[1].gomem.cum[0], 0.25, 1e-12);
	ck_assert_double_eq_tol(p[1].gomem.cum[2], 0.625, 1e-12);
	ck_assert_double_eq(p[1].gomem.cum[5], 1);
	ck_assert_double_eq(gmb_pause_quantile(&p[1].gomem, 0.5), 3000);
	ck_assert_double_eq(gmb_pause_quantile(&p[1].gomem, 0.6), 4000);
	ck_assert_double_eq(gmb_pause_quantile(&p[1].gomem, 0.99), 7000);
	ck_assert_double_eq(gmb_pause_quantile(&p[1].gomem, 1), 7000);
	/* Go: binary_trees' one pause weighs 1/2 */
	ck_assert_double_eq(gmb_pause_quantile(&p[1].go, 0.5), 2000);
	ck_assert_double_eq(gmb_pause_quantile(&p[1].go, 0.51), 8000);
	ck_assert_double_eq(gmb_pause_quantile(&p[1].go, 1), 9000);
	gmb_pause_dist empty = {0};
	ck_assert(isnan(gmb_pause_quantile(&empty, 0.5)));
	gmb_pause_pairs_free(p, 2);
	gmb_results_free(&d);
	remove_dir(dir);
}
END_TEST

START_TEST(pause_cdf_go_rows)
{
	char *dir = make_dir(), *t;
	gmb_results_data d;
	gmb_plot_ctx c;
	write_run(dir, true);
	put(dir, "pauses.csv", pauses_csv);
	load(dir, &d);
	ck_assert_int_eq(extract(gmb_plot_pause_cdf_go, &d, &c, &t), 2);
	ck_assert_str_eq(c.titles, "GOGC=50_(1_benchmark) GOGC=100_(2_benchmarks)");
	ck_assert_str_eq(c.extra, "legends='gomem_(1_cycle) Go_(1_cycle) "
			 "gomem_(6_cycles) Go_(3_cycles)'");
	/* index 0 gomem at GOGC 50, 1 Go at 50, 2 gomem at 100, 3 Go at 100;
	 * each led by its first pause at share 0 */
	const char *b0 = strstr(t, "# panel 1, gomem:");
	const char *b1 = strstr(t, "# panel 1, Go:");
	const char *b2 = strstr(t, "# panel 2, gomem:");
	const char *b3 = strstr(t, "# panel 2, Go:");
	ck_assert(b0 && b1 && b2 && b3 && b0 < b1 && b1 < b2 && b2 < b3);
	ck_assert_ptr_nonnull(strstr(b0, "\n10 0\n10 1\n\n\n# panel 1, Go"));
	ck_assert_ptr_nonnull(strstr(b1, "\n20 0\n20 1\n\n\n# panel 2"));
	ck_assert_ptr_nonnull(strstr(b2, "\n1 0\n1 0.25\n3 0.5\n4 0.625\n"
				     "5 0.75\n6 0.875\n7 1\n\n\n# panel 2, Go"));
	ck_assert_ptr_nonnull(strstr(b3, "\n2 0\n2 0.5\n8 0.75\n9 1\n"));
	ck_assert_ptr_null(strstr(t, "\n0.5 ")); /* alloc_small_gc's 500 ns */
	ck_assert_ptr_null(strstr(t, "\n0.1 ")); /* boehm's */
	free(t);
	gmb_results_free(&d);
	remove_dir(dir);
}
END_TEST

START_TEST(pause_cdf_go_skipped_without_go)
{
	char *dir = make_dir(), *t;
	gmb_results_data d;
	gmb_plot_ctx c;
	gmb_pause_pair *p;
	write_run(dir, false);
	load(dir, &d);
	/* no pauses.csv at all */
	ck_assert_int_eq(extract(gmb_plot_pause_cdf_go, &d, &c, &t), 0);
	ck_assert_str_eq(t, "");
	free(t);
	/* gomem's pauses alone (a run without Go) */
	put(dir, "pauses.csv", "runtime,config,benchmark,pause_ns\n"
	    "gomem,0,binary_trees/gomem/18,1000\n"
	    "boehm,0,binary_trees/boehm/18,1000\n");
	ck_assert_uint_eq(gmb_pause_pairs(&d, &p), 0);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(extract(gmb_plot_pause_cdf_go, &d, &c, &t), 0);
	free(t);
	/* plot writes no data file for it, report no table nor figure */
	setenv("GNUPLOT", "/nonexistent/gnuplot", 1);
	FILE *out = tmpfile(), *err = tmpfile();
	ck_assert_int_eq(gmb_plot_data(&d, out, err), 0);
	unsetenv("GNUPLOT");
	char msg[1024] = "";
	rewind(err);
	size_t n = fread(msg, 1, sizeof msg - 1, err);
	msg[n] = '\0';
	ck_assert_ptr_nonnull(strstr(msg, "gnuplot-nox"));
	fclose(out);
	fclose(err);
	ck_assert(has_file(dir, "plots/alloc.dat"));
	ck_assert(!has_file(dir, "plots/pause_cdf_go.dat"));
	ck_assert(!has_file(dir, "plots/alloc_runtimes.dat"));
	ck_assert_int_eq(gmb_report_write(&d, stderr), 0);
	const char *md = slurp(dir, "report.md");
	ck_assert_ptr_null(strstr(md, "pause_cdf_go"));
	ck_assert_ptr_null(strstr(md, "Pause percentiles"));
	gmb_results_free(&d);
	remove_dir(dir);
}
END_TEST

/* A PNG's first bytes: enough for the report to embed. */
static void fake_png(const char *dir, const char *name)
{
	char path[600];
	snprintf(path, sizeof path, "%s/plots/%s.png", dir, name);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fwrite("\x89PNG\r\n\x1a\n", 1, 8, f);
	fclose(f);
}

START_TEST(report_shows_pauses_beside_go)
{
	char *dir = make_dir(), path[600];
	gmb_results_data d;
	write_run(dir, true);
	put(dir, "pauses.csv", pauses_csv);
	snprintf(path, sizeof path, "%s/plots", dir);
	ck_assert_int_eq(mkdir(path, 0777), 0);
	fake_png(dir, "pause_cdf_go");
	fake_png(dir, "alloc_runtimes");
	fake_png(dir, "alloc");
	load(dir, &d);
	ck_assert_int_eq(gmb_report_write(&d, stderr), 0);
	const char *md = slurp(dir, "report.md");
	const char *sect = strstr(md, "## Runtimes side by side");
	const char *results = strstr(md, "## Results");
	const char *table = strstr(md, "### Pause percentiles: gomem against Go");
	const char *cdf = strstr(md, "(plots/pause_cdf_go.png)");
	const char *rts = strstr(md, "(plots/alloc_runtimes.png)");
	const char *alloc = strstr(md, "(plots/alloc.png)");
	ck_assert(sect && results && table && cdf && rts && alloc);
	/* the peers' figures in their section, the rest under Figures */
	ck_assert(sect < table && table < cdf && cdf < rts && rts < results);
	ck_assert(alloc > results);
	/* GOGC 100: 2 benchmarks; gomem's 6 cycles, p50 3 us, max 7 us */
	ck_assert_ptr_nonnull(strstr(md, "| gogc=100,memlimit=off | 2 | gomem "
				     "| 6 | 3"));
	ck_assert_ptr_nonnull(strstr(md, "| gogc=100,memlimit=off | 2 | Go | 3 "
				     "| 2"));
	const char *html = slurp(dir, "report.html");
	ck_assert_ptr_nonnull(strstr(html, "alt=\"Pauses per cycle: gomem "
				      "against Go\" src=\"data:image/png;base64,"));
	gmb_results_free(&d);
	remove_dir(dir);
}
END_TEST

/* ---- the scripts ------------------------------------------------------ */

static bool gnuplot_installed(void)
{
	return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

START_TEST(scripts_draw_the_figures)
{
	if (!gnuplot_installed())
		return; /* the data files are checked above */
	char *dir = make_dir();
	gmb_results_data d;
	write_run(dir, true);
	put(dir, "pauses.csv", pauses_csv);
	load(dir, &d);
	FILE *out = tmpfile();
	ck_assert_int_eq(gmb_plot_data(&d, out, stderr), 0);
	fclose(out);
	static const char *const figs[] = {"alloc", "alloc_runtimes",
					   "pause_cdf_go"};
	for (size_t i = 0; i < 3; i++) {
		char png[80], svg[80];
		snprintf(png, sizeof png, "plots/%s.png", figs[i]);
		snprintf(svg, sizeof svg, "plots/%s.svg", figs[i]);
		ck_assert_msg(has_file(dir, png), "%s not drawn", png);
		ck_assert_msg(has_file(dir, svg), "%s not drawn", svg);
	}
	gmb_results_free(&d);
	remove_dir(dir);
}
END_TEST

static Suite *plot_suite(void)
{
	Suite *s = suite_create("plot");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, alloc_rows_by_size);
	tcase_add_test(tc, alloc_runtimes_needs_a_peer);
	tcase_add_test(tc, pause_pairs_weigh_benchmarks_alike);
	tcase_add_test(tc, pause_cdf_go_rows);
	tcase_add_test(tc, pause_cdf_go_skipped_without_go);
	tcase_add_test(tc, report_shows_pauses_beside_go);
	tcase_add_test(tc, scripts_draw_the_figures);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(plot_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

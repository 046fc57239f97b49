/*
 * test_results.c — Check suite "results": the results directory of a run
 * (harness/results.c: temporary directory, commit, results/latest, never
 * overwriting), merging the configurations' Google Benchmark JSON
 * (harness/resultsjson.c), and reading a directory back with
 * gmb_results_load, including the errors for missing, truncated, corrupt
 * and ill-typed files; and the per-cycle CSV log (harness/cycles.c), fed
 * cycle records through the library's own hook path.
 *
 * Each test works in its own temporary directory (Check forks a child per
 * test, so the chdir and the cleanup handlers stay there).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gc/trace.h" /* gmi_trace_cycle_done: a finished cycle, by hand */
#include "harness/context.h"
#include "harness/cycles.h"
#include "harness/results.h"

static char err[2048];
static char base[128]; /* made by main, removed by main: every test's dirs */
static char top[256];  /* the test's temporary directory, also the cwd */

static void in_tmpdir(void)
{
	snprintf(top, sizeof top, "%s/XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(top));
	ck_assert_int_eq(chdir(top), 0);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void assert_contains(const char *text, const char *want)
{
	ck_assert_msg(strstr(text, want) != NULL, "\"%s\" does not contain \"%s\"",
		      text, want);
}

static bool exists(const char *path)
{
	struct stat sb;
	return lstat(path, &sb) == 0;
}

/* Two configurations' Google Benchmark JSON, as its reporter writes it:
 * bare NaN and Infinity included, and "NaN" inside a string that must
 * stay as it is. */
static const char *part0 =
	"{\"context\": {\"date\": \"d0\", \"gomem_config\": \"gogc=50\", "
	"\"gomem_gogc\": \"50\", \"host_name\": \"h\"},\n"
	" \"benchmarks\": [\n"
	"  {\"name\": \"a/1\", \"run_name\": \"a/1\", \"run_type\": \"iteration\", "
	"\"repetitions\": 2, \"repetition_index\": 0, \"threads\": 1, "
	"\"iterations\": 10, \"real_time\": 2.5, \"cpu_time\": 2.0, "
	"\"time_unit\": \"us\", \"items_per_second\": 4.0e5, \"label\": \"NaN x\"},\n"
	"  {\"name\": \"a/1_median\", \"run_name\": \"a/1\", \"run_type\": "
	"\"aggregate\", \"repetitions\": 2, \"threads\": 1, \"aggregate_name\": "
	"\"median\", \"aggregate_unit\": \"time\", \"iterations\": 2, "
	"\"real_time\": 3, \"cpu_time\": 2, \"time_unit\": \"ms\", "
	"\"items_per_second\": NaN},\n"
	"  {\"name\": \"a/1_cv\", \"run_name\": \"a/1\", \"run_type\": "
	"\"aggregate\", \"repetitions\": 2, \"threads\": 1, \"aggregate_name\": "
	"\"cv\", \"aggregate_unit\": \"percentage\", \"iterations\": 2, "
	"\"real_time\": 0.25, \"cpu_time\": -Infinity}\n"
	" ]}\n";

static const char *part1 =
	"{\"context\": {\"date\": \"d1\", \"gomem_config\": \"gogc=off\"},\n"
	" \"benchmarks\": [\n"
	"  {\"name\": \"a/1\", \"run_name\": \"a/1\", \"run_type\": \"iteration\", "
	"\"repetitions\": 1, \"repetition_index\": 0, \"threads\": 1, "
	"\"iterations\": 7, \"real_time\": 11, \"cpu_time\": 10, "
	"\"time_unit\": \"ns\"},\n"
	"  {\"name\": \"b/2\", \"run_name\": \"b/2\", \"run_type\": \"iteration\", "
	"\"repetitions\": 1, \"repetition_index\": 0, \"threads\": 2, "
	"\"error_occurred\": true, \"error_message\": \"boom\"}\n"
	" ]}\n";

/* A complete results directory `dir` (two configurations) made the way
 * run.c makes one, on a synthetic machine. */
/* A run of two configurations into dir: --gogc=50,off (the second with a
 * 64 MiB limit), or with `flag` instead of --gogc=50,off */
static void make_run_with(const char *dir, const char *flag)
{
	hwloc_topology_t t;
	gmb_settings s;
	gmb_config c[2];
	ck_assert_int_eq(gmb_topology_load(&t, "pack:1 core:2 pu:1", err, sizeof err), 0);
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(gmb_settings_parse(&s, flag, NULL, err, sizeof err), 0);
	ck_assert_uint_eq(gmb_settings_expand(&s, c, 2), 2);
	gm_config env;
	gm_config_default(&env);
	c[1].set |= GMB_SET_MEMLIMIT;
	c[1].memlimit = (int64_t)64 << 20;
	gmb_config_resolve(&c[0], &env);
	gmb_config_resolve(&c[1], &env);

	ck_assert_int_eq(gmb_results_prepare(dir, NULL, "rev"), 0);
	ck_assert_int_eq(gmb_results_create(), 0);
	const char *p0 = gmb_results_add("config-0.json");
	const char *p1 = gmb_results_add("config-1.json");
	write_file(p0, part0);
	write_file(p1, part1);
	char l0[GMB_CONFIG_TEXT_MAX], l1[GMB_CONFIG_TEXT_MAX];
	gmb_config_format(&c[0], l0, sizeof l0);
	gmb_config_format(&c[1], l1, sizeof l1);
	const char *parts[] = {p0, p1}, *labels[] = {l0, l1};
	ck_assert_msg(gmb_results_merge(parts, labels, 2, gmb_results_add("bench.json"),
					err, sizeof err) == 0, "%s", err);
	gmb_results_drop("config-0.json");
	gmb_results_drop("config-1.json");

	unsigned lib_base[2] = {2, 2};
	int status[2] = {0, 1};
	char *argv[] = {"run", (char *)flag};
	gmb_context_run r = {
		.name = "x", .date = "2025-01-01T00:00:00Z", .argc = 2,
		.argv = argv, .settings = &s, .pin = GMB_PIN_COMPACT,
		.membind = GMB_MEMBIND_NONE, .configs = c, .nconfigs = 2,
		.lib_base = lib_base, .exit_status = status, .topo = t,
	};
	ck_assert_msg(gmb_context_write(&r, gmb_results_add("context.json"), err,
					sizeof err) == 0, "%s", err);
	ck_assert_int_eq(gmb_results_commit(true), 0);
	hwloc_topology_destroy(t);
}

static void make_run(const char *dir)
{
	make_run_with(dir, "--gogc=50,off");
}

/* ---- the directory ------------------------------------------------------------- */

START_TEST(commit_renames_and_keeps_only_results)
{
	in_tmpdir();
	make_run("out/run1");
	ck_assert(exists("out/run1/bench.json"));
	ck_assert(exists("out/run1/context.json"));
	ck_assert(!exists("out/run1/config-0.json")); /* merged, dropped */
	ck_assert(!exists("out/latest"));             /* not under results/ */
	char cmd[512];
	snprintf(cmd, sizeof cmd, "test $(ls -A %s/out | wc -l) -eq 1", top);
	ck_assert_int_eq(system(cmd), 0);             /* no temporary left */
}
END_TEST

START_TEST(never_overwrites)
{
	in_tmpdir();
	make_run("out/run1");
	ck_assert_int_eq(gmb_results_prepare("out/run1", NULL, "rev"), 2);
	ck_assert_int_eq(mkdir("empty", 0777), 0);
	ck_assert_int_eq(gmb_results_prepare("empty", NULL, "rev"), 0);
	write_file("afile", "x");
	ck_assert_int_eq(gmb_results_prepare("afile", NULL, "rev"), 2);
	ck_assert_int_eq(gmb_results_prepare(NULL, "a/b", "rev"), 2);
	ck_assert_int_eq(gmb_results_prepare(NULL, "latest", "rev"), 2);
	ck_assert_int_eq(gmb_results_prepare(NULL, ".hidden", "rev"), 2);
}
END_TEST

START_TEST(latest_follows_named_runs)
{
	char buf[256];
	in_tmpdir();
	ck_assert_int_eq(gmb_results_prepare(NULL, "first", "rev"), 0);
	ck_assert_str_eq(gmb_results_dir(), "results/first");
	ck_assert_int_eq(gmb_results_create(), 0);
	write_file(gmb_results_add("bench.json"), "{}");
	ck_assert_int_eq(gmb_results_commit(true), 0);
	ssize_t n = readlink("results/latest", buf, sizeof buf - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "first");

	ck_assert_int_eq(gmb_results_prepare(NULL, NULL, "abc123"), 0);
	assert_contains(gmb_results_dir(), "-abc123"); /* date-time-revision */
	ck_assert_int_eq(gmb_results_create(), 0);
	write_file(gmb_results_add("bench.json"), "{}");
	ck_assert_int_eq(gmb_results_commit(true), 0);
	n = readlink("results/latest", buf, sizeof buf - 1);
	buf[n] = '\0';
	ck_assert_str_eq(buf, strrchr(gmb_results_dir(), '/') + 1);
}
END_TEST

START_TEST(abandon_leaves_earlier_runs)
{
	in_tmpdir();
	make_run("results/old");
	ck_assert_int_eq(gmb_results_prepare(NULL, "new", "rev"), 0);
	ck_assert_int_eq(gmb_results_create(), 0);
	write_file(gmb_results_add("config-0.json"), "{\"partial");
	gmb_results_abandon();
	ck_assert(!exists("results/new"));
	ck_assert(exists("results/old/bench.json"));
	char cmd[512];
	snprintf(cmd, sizeof cmd, "test -z \"$(ls -A %s/results | grep partial)\"", top);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* ---- reading back ---------------------------------------------------------------- */

START_TEST(load_round_trip)
{
	gmb_results_data d;
	in_tmpdir();
	make_run("run");
	ck_assert_msg(gmb_results_load("run", &d, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(d.schema_version, 1);
	ck_assert_str_eq(d.date, "2025-01-01T00:00:00Z");
	ck_assert_str_eq(d.pin, "compact");
	ck_assert_int_eq(d.pus, 2);
	ck_assert_uint_eq(d.nconfigs, 2);
	ck_assert_int_eq(d.configs[0].gogc, 50);
	ck_assert_int_eq(d.configs[1].gogc, -1);
	ck_assert(d.configs[0].memory_limit == INT64_MAX);
	ck_assert(d.configs[1].memory_limit == (int64_t)64 << 20);
	ck_assert_int_eq(d.configs[1].threads, 0);
	ck_assert_str_eq(d.configs[1].label,
			 "gogc=off,memlimit=64MiB,collector=hybrid,procs=0,threads=all");
	ck_assert_ptr_eq(gmb_results_config_by_label(&d, d.configs[1].label),
			 &d.configs[1]);
	ck_assert_ptr_null(gmb_results_config_by_label(&d, "gogc=1"));

	ck_assert_uint_eq(d.nbenches, 5);
	const gmb_results_bench *b = gmb_results_find(&d, "a/1", 0, "");
	ck_assert_ptr_nonnull(b);
	ck_assert(fabs(b->real_ns - 2500) < 1e-9); /* 2.5 us */
	ck_assert_uint_eq(b->ncounters, 1);
	ck_assert_str_eq(b->counters[0].name, "items_per_second");
	ck_assert(b->counters[0].value == 4.0e5);
	ck_assert_str_eq(json_string_value(json_object_get(
		json_array_get(json_object_get(d.bench_json, "benchmarks"), 0),
		"label")), "NaN x");
	b = gmb_results_find(&d, "a/1", 0, "median");
	ck_assert(fabs(b->real_ns - 3e6) < 1e-3);     /* 3 ms */
	ck_assert(isnan(b->counters[0].value));       /* NaN became null */
	b = gmb_results_find(&d, "a/1", 0, "cv");
	ck_assert(!b->is_time);
	ck_assert(b->real_ns == 0.25);                /* a ratio, unscaled */
	ck_assert(isnan(b->cpu_ns));                  /* -Infinity: null */
	b = gmb_results_find(&d, "a/1", 1, "");
	ck_assert_int_eq(b->config, 1);
	ck_assert(b->real_ns == 11);
	b = gmb_results_find(&d, "b/2", 1, "");
	ck_assert(b->error);
	ck_assert_str_eq(b->error_message, "boom");
	ck_assert_ptr_null(gmb_results_find(&d, "b/2", 0, ""));

	json_t *cfgs = json_object_get(d.bench_json, "gomem_configs");
	ck_assert_uint_eq(json_array_size(cfgs), 2);
	json_t *top_ctx = json_object_get(d.bench_json, "context");
	ck_assert_ptr_null(json_object_get(top_ctx, "gomem_gogc"));
	ck_assert_str_eq(json_string_value(json_object_get(top_ctx, "host_name")), "h");
	gmb_results_free(&d);
}
END_TEST

/* Load `dir` expecting failure with a message containing a and b. */
static void assert_load_fails(const char *dir, const char *a, const char *b)
{
	gmb_results_data d;
	ck_assert_int_eq(gmb_results_load(dir, &d, err, sizeof err), -1);
	assert_contains(err, a);
	assert_contains(err, b);
	ck_assert_ptr_null(d.benches);
	ck_assert_ptr_null(d.context_json);
}

/* Replace the first `from` in run/<file> by `to` (sed patterns). */
static void edit(const char *file, const char *from, const char *to)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "sed -i '0,/%s/s//%s/' run/%s", from, to, file);
	ck_assert_int_eq(system(cmd), 0);
}

/* --idle-mark=off,on: context.json records the list and each
 * configuration's idle_mark; the label names it only when on, so that the
 * off one reads as a label written before the setting existed */
START_TEST(load_idle_mark)
{
	gmb_results_data d;
	in_tmpdir();
	unsetenv("GOGC");
	unsetenv("GOMEM_IDLE_MARK");
	make_run_with("run", "--idle-mark=off,on");
	ck_assert_msg(gmb_results_load("run", &d, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(d.nconfigs, 2);
	ck_assert(!d.configs[0].idle_mark);
	ck_assert(d.configs[1].idle_mark);
	ck_assert_str_eq(d.configs[0].label,
			 "gogc=100,memlimit=off,collector=hybrid,procs=0,threads=all");
	ck_assert_str_eq(d.configs[1].label, "gogc=100,memlimit=64MiB,collector=hybrid,"
			 "procs=0,threads=all,idle_mark=on");
	ck_assert_ptr_eq(gmb_results_config_by_label(&d, d.configs[1].label),
			 &d.configs[1]);
	gmb_config back;
	ck_assert_int_eq(gmb_config_parse(d.configs[1].label, &back, err, sizeof err), 0);
	ck_assert_int_eq(back.idle_mark, 1);
	ck_assert_int_eq(gmb_config_parse(d.configs[0].label, &back, err, sizeof err), 0);
	ck_assert_uint_eq(back.set, GMB_SET_ALL);
	ck_assert_int_eq(back.idle_mark, 0);
	gmb_results_free(&d);

	json_error_t je;
	json_t *ctx = json_load_file("run/context.json", 0, &je);
	ck_assert_ptr_nonnull(ctx);
	json_t *list = json_object_get(json_object_get(ctx, "settings"), "idle_mark");
	ck_assert_uint_eq(json_array_size(list), 2);
	ck_assert_str_eq(json_string_value(json_array_get(list, 0)), "off");
	ck_assert_str_eq(json_string_value(json_array_get(list, 1)), "on");
	/* a context.json from before the setting: no idle_mark, read as off */
	json_t *c1 = json_array_get(json_object_get(ctx, "configs"), 1);
	ck_assert(json_is_true(json_object_get(c1, "idle_mark")));
	json_object_del(c1, "idle_mark");
	ck_assert_int_eq(json_dump_file(ctx, "run/context.json", 0), 0);
	json_decref(ctx);
	ck_assert_msg(gmb_results_load("run", &d, err, sizeof err) == 0, "%s", err);
	ck_assert(!d.configs[1].idle_mark);
	gmb_results_free(&d);
}
END_TEST

START_TEST(load_missing_files)
{
	in_tmpdir();
	assert_load_fails("nowhere", "nowhere/context.json", "cannot open");
	make_run("run");
	unlink("run/bench.json");
	assert_load_fails("run", "run/bench.json", "No such file");
}
END_TEST

START_TEST(load_truncated_and_empty)
{
	in_tmpdir();
	make_run("run");
	ck_assert_int_eq(truncate("run/bench.json", 300), 0);
	assert_load_fails("run", "run/bench.json", "truncated or corrupt");
	ck_assert_int_eq(truncate("run/context.json", 0), 0);
	assert_load_fails("run", "run/context.json", "empty");
}
END_TEST

START_TEST(load_corrupt)
{
	in_tmpdir();
	make_run("run");
	write_file("run/context.json", "{\"schema_version\": 1,, }");
	assert_load_fails("run", "run/context.json", "line 1");
	write_file("run/context.json", "[1, 2]");
	assert_load_fails("run", "run/context.json", "not a JSON object");
}
END_TEST

START_TEST(load_wrong_fields)
{
	in_tmpdir();
	make_run("run");
	edit("context.json", "\"schema_version\": 1", "\"schema_version\": 99");
	assert_load_fails("run", "context.json", "schema_version 99");
	edit("context.json", "\"schema_version\": 99", "\"schema_version\": \"1\"");
	assert_load_fails("run", "context.json", "schema_version is not an integer");
	edit("context.json", "\"schema_version\": \"1\"", "\"schema_version\": 1");
	edit("context.json", "\"cpu_model\"", "\"cpu\"");
	assert_load_fails("run", "context.json", "machine.cpu_model is missing");
	edit("context.json", "\"cpu\"", "\"cpu_model\"");
	edit("context.json", "\"gogc\": 50", "\"gogc\": \"fifty\"");
	assert_load_fails("run", "configs[0].gogc", "\"fifty\"");
	edit("context.json", "\"gogc\": \"fifty\"", "\"gogc\": 50");
	edit("bench.json", "\"real_time\": 11", "\"real_time\": \"11\"");
	assert_load_fails("run", "benchmarks[3].real_time", "not a number");
	edit("bench.json", "\"real_time\": \"11\"", "\"real_time\": 11");
	edit("bench.json", "\"gomem_config\": 1", "\"gomem_config\": 5");
	assert_load_fails("run", "benchmarks[3].gomem_config is 5", "2 configurations");
	edit("bench.json", "\"gomem_config\": 5", "\"gomem_config\": 1");
	edit("bench.json", "\"time_unit\": \"ms\"", "\"time_unit\": \"min\"");
	assert_load_fails("run", "benchmarks[1].time_unit", "\"min\"");
}
END_TEST

START_TEST(merge_refuses_bad_part)
{
	in_tmpdir();
	write_file("p0.json", part0);
	write_file("p1.json", "{\"context\": {}, \"benchmarks\": [");
	const char *parts[] = {"p0.json", "p1.json"}, *labels[] = {"a", "b"};
	ck_assert_int_eq(gmb_results_merge(parts, labels, 2, "out.json", err,
					   sizeof err), -1);
	assert_contains(err, "p1.json");
	assert_contains(err, "truncated");
	write_file("p1.json", "{\"context\": {}}");
	ck_assert_int_eq(gmb_results_merge(parts, labels, 2, "out.json", err,
					   sizeof err), -1);
	assert_contains(err, "p1.json: no \"benchmarks\" array");
}
END_TEST

/* ---- the per-cycle log ------------------------------------------------------ */

START_TEST(cycle_log)
{
	gm_config cfg;
	gm_config_default(&cfg);
	cfg.gc_percent = GM_GOGC_OFF;
	cfg.memory_limit = (int64_t)64 << 20;
	in_tmpdir();
	ck_assert_int_eq(gmb_cycles_start("c.csv", &cfg, err, sizeof err), 0);
	ck_assert(!gmb_cycles_any("c.csv")); /* the header alone */
	gm_cycle c = {.num = 1, .nstops = 2, .stop_ns = {1500, 700, 99, 99},
		      .stop_end = {2000, 9000, 99, 99}, .heap_goal = 4 << 20,
		      .gc_cpu_fraction = 0.25};
	gmi_trace_cycle_done(&c);
	c.num = 2;
	c.forced = 1;
	gmi_trace_cycle_done(&c);
	ck_assert_uint_eq(gmb_cycles_stop(), 2);
	gmi_trace_cycle_done(&c); /* after stop: not logged */
	ck_assert(gmb_cycles_any("c.csv"));

	char line[1024];
	FILE *f = fopen("c.csv", "r");
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	ck_assert(strncmp(line, "num,forced,collector,procs,t_sweep_term,", 40) == 0);
	assert_contains(line, ",stop_ns_0,stop_ns_1,stop_ns_2,stop_ns_3,stop_end_0,");
	assert_contains(line, ",gc_cpu_fraction,gogc,memory_limit\n");
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	/* num 1, two stops; the unused slots print 0, not the 99s */
	ck_assert(strncmp(line, "1,0,0,0,0,0,0,0,2,1500,700,0,0,2000,9000,0,0,", 44) == 0);
	assert_contains(line, ",0.25,-1,67108864\n");
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	ck_assert(strncmp(line, "2,1,", 4) == 0);
	ck_assert_ptr_null(fgets(line, sizeof line, f));
	fclose(f);
	ck_assert(!gmb_cycles_any("missing.csv"));
}
END_TEST

START_TEST(subdirectory_files)
{
	in_tmpdir();
	ck_assert_int_eq(gmb_results_prepare("run", NULL, "rev"), 0);
	ck_assert_int_eq(gmb_results_create(), 0);
	ck_assert_ptr_null(gmb_results_add("../escape"));
	ck_assert_ptr_null(gmb_results_add("a/b/c"));
	ck_assert_ptr_null(gmb_results_add("cycles/"));
	write_file(gmb_results_add("cycles/gogc=50.csv"), "x\n");
	write_file(gmb_results_add("cycles/gogc=off.csv"), "x\n");
	write_file(gmb_results_add("empty/x"), "x\n");
	gmb_results_drop("empty/x");
	ck_assert_int_eq(gmb_results_commit(true), 0);
	ck_assert(exists("run/cycles/gogc=50.csv"));
	ck_assert(exists("run/cycles/gogc=off.csv"));
	ck_assert(!exists("run/empty")); /* left empty: removed */

	ck_assert_int_eq(gmb_results_prepare("run2", NULL, "rev"), 0);
	ck_assert_int_eq(gmb_results_create(), 0);
	write_file(gmb_results_add("cycles/gogc=50.csv"), "x\n");
	gmb_results_abandon();
	char cmd[512];
	snprintf(cmd, sizeof cmd, "test \"$(ls -A %s)\" = run", top);
	ck_assert_int_eq(system(cmd), 0); /* nothing of run2 is left */
}
END_TEST

/* gmb_results_merge_csv: the header, each part's lines led by its index;
 * missing parts and blank lines add nothing; a last line without its
 * newline gets one. */
START_TEST(merge_csv_parts)
{
	in_tmpdir();
	write_file("p0.csv", "a/x,0.0001,0.5\na/x,0.001,0.75\n");
	write_file("p2.csv", "\nb/y,0.0001,1\nb/z,2,0"); /* no final newline */
	const char *parts[] = {"p0.csv", "missing.csv", "p2.csv", NULL};
	ck_assert_int_eq(gmb_results_merge_csv(parts, 4, "config,benchmark,"
					       "window_s,mmu", "m.csv", err,
					       sizeof err), 4);
	FILE *f = fopen("m.csv", "r");
	char all[512] = "";
	size_t n = fread(all, 1, sizeof all - 1, f);
	fclose(f);
	all[n] = '\0';
	ck_assert_str_eq(all, "config,benchmark,window_s,mmu\n"
			      "0,a/x,0.0001,0.5\n0,a/x,0.001,0.75\n"
			      "2,b/y,0.0001,1\n2,b/z,2,0\n");
	/* nothing at all: the header and 0 rows */
	const char *none[] = {"missing.csv"};
	ck_assert_int_eq(gmb_results_merge_csv(none, 1, "h", "e.csv", err,
					       sizeof err), 0);
	/* an output that cannot be created is named */
	ck_assert_int_eq(gmb_results_merge_csv(parts, 1, "h", "no/such/x.csv",
					       err, sizeof err), -1);
	assert_contains(err, "no/such/x.csv");
}
END_TEST

static Suite *results_suite(void)
{
	Suite *s = suite_create("results");
	TCase *tc = tcase_create("directory");
	tcase_add_test(tc, commit_renames_and_keeps_only_results);
	tcase_add_test(tc, never_overwrites);
	tcase_add_test(tc, latest_follows_named_runs);
	tcase_add_test(tc, abandon_leaves_earlier_runs);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_test(tc, load_round_trip);
	tcase_add_test(tc, load_idle_mark);
	tcase_add_test(tc, load_missing_files);
	tcase_add_test(tc, load_truncated_and_empty);
	tcase_add_test(tc, load_corrupt);
	tcase_add_test(tc, load_wrong_fields);
	tcase_add_test(tc, merge_refuses_bad_part);
	tcase_add_test(tc, merge_csv_parts);
	suite_add_tcase(s, tc);

	tc = tcase_create("cycles");
	tcase_add_test(tc, cycle_log);
	tcase_add_test(tc, subdirectory_files);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	char cmd[256];
	snprintf(base, sizeof base, "/tmp/gomem-test-results-XXXXXX");
	if (mkdtemp(base) == NULL) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	SRunner *sr = srunner_create(results_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	if (system(cmd) != 0)
		fprintf(stderr, "test_results: could not remove %s\n", base);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

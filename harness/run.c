/*
 * run.c — `gomem-bench run`: run the registered benchmarks, write Google
 * Benchmark JSON to DIR/alloc.json, print gomem against glibc.
 *
 * 1. Parse the command line: --out DIR, --help, and Google Benchmark's own
 *    --benchmark_* flags, passed through.  --benchmark_out,
 *    --benchmark_out_format and --benchmark_list_tests belong to the
 *    runner and are refused.
 * 2. Check DIR (results.c): it must be absent or empty.
 * 3. Hand the flags to Google Benchmark, with --benchmark_repetitions=5
 *    unless given, and --benchmark_out=DIR/.alloc.json.partial in JSON.
 * 4. gm_init with the configuration the environment gives (GOGC,
 *    GOMEMLIMIT, GODEBUG), as a Go program would start.
 * 5. Register the workloads, record the context (versions, build,
 *    revision, configuration) in the JSON, create DIR, run everything.
 * 6. Rename the JSON into place; print its path and the summary table.
 * Exit status: 0, 1 when the run failed or a benchmark reported an error
 * (results are still kept then), 2 for a bad command line or environment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmb_revision.h" /* GMB_GIT_REVISION, generated at build time */
#include "gomem.h"
#include "harness/cmd.h"
#include "harness/results.h"
#include "harness/shim.h"
#include "harness/summary.h"
#include "harness/workload.h"

/* Every benchmark's results go to this one file for now: the allocation
 * benchmarks are all there is. */
#define RUN_OUT_FILE "alloc.json"
/* 5 repetitions: enough for a median that one noisy repetition cannot
 * move, few enough to keep a full run around a minute. */
#define RUN_REPETITIONS "5"
/* Version of what gomem adds to Google Benchmark's JSON context. */
#define RUN_SCHEMA_VERSION "1"

typedef struct run_opts {
	const char *out;   /* --out DIR, or NULL for results/<UTC time> */
	bool help;
	char **bench;      /* flags for Google Benchmark, in order */
	int nbench;
	bool have_repetitions;
} run_opts;

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: gomem-bench run [--out DIR] [--benchmark_* flags]\n\n"
		"Runs every registered benchmark (gomem-bench list shows them), "
		"writes Google\nBenchmark JSON to DIR/" RUN_OUT_FILE " and "
		"prints, for each gomem benchmark, its\nmedian ns/op, its glibc "
		"twin's, and the ratio gomem/glibc.\n\n"
		"flags:\n"
		"  --out DIR   where to write (default results/<YYYYmmdd-HHMMSS>, "
		"UTC); created\n"
		"              if missing; an existing non-empty DIR is refused\n"
		"  -h, --help  this text\n\n"
		"Google Benchmark's flags pass through, among them:\n"
		"  --benchmark_filter=<regex>          which benchmarks to run\n"
		"  --benchmark_repetitions=<n>         default " RUN_REPETITIONS
		" here; medians are reported\n"
		"  --benchmark_min_time=<seconds>      per repetition (default "
		"0.5)\n"
		"  --benchmark_min_warmup_time=<seconds>\n"
		"  --benchmark_enable_random_interleaving={true|false}\n"
		"  --benchmark_report_aggregates_only={true|false}\n"
		"  --benchmark_display_aggregates_only={true|false}\n"
		"  --benchmark_format=<console|json|csv>   what is printed\n"
		"  --benchmark_color={auto|true|false}\n"
		"  --benchmark_counters_tabular={true|false}\n"
		"  --benchmark_context=<key>=<value>,...\n"
		"  --benchmark_time_unit={ns|us|ms|s}\n"
		"  --benchmark_perf_counters=<counter>,...\n"
		"  --v=<verbosity>\n"
		"--benchmark_out and --benchmark_out_format are set by run "
		"(use --out);\n--benchmark_list_tests is gomem-bench list.\n\n"
		"The environment configures gomem as it configures Go: GOGC, "
		"GOMEMLIMIT,\nGODEBUG=gctrace=1.\n");
}

/* A flag run owns or refuses: 0 to pass it on, else an exit status. */
static int run_check_benchmark_flag(run_opts *o, const char *arg)
{
	if (gmb_flag_is(arg, "benchmark_out") ||
	    gmb_flag_is(arg, "benchmark_out_format"))
		return gmb_usage_error("run", "%s is set by run itself (JSON to "
				       "DIR/" RUN_OUT_FILE "); use --out DIR",
				       arg);
	if (gmb_flag_is(arg, "benchmark_list_tests"))
		return gmb_usage_error("run", "%s: to list the benchmarks, use "
				       "gomem-bench list", arg);
	if (gmb_flag_is(arg, "benchmark_repetitions"))
		o->have_repetitions = true;
	return 0;
}

/* Parse argv[*i] (and its value); 0 or an exit status. */
static int run_parse_one(run_opts *o, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];
	if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
		o->help = true;
		return 0;
	}
	if (strcmp(arg, "--out") == 0) {
		if (*i + 1 >= argc)
			return gmb_usage_error("run", "--out needs a directory");
		o->out = argv[++*i];
		return 0;
	}
	if (strncmp(arg, "--out=", 6) == 0) {
		o->out = arg + 6;
		return o->out[0] ? 0 : gmb_usage_error("run", "--out= needs a "
						       "directory");
	}
	if (gmb_flag_is_benchmark(arg)) {
		int rc = run_check_benchmark_flag(o, arg);
		if (rc == 0)
			o->bench[o->nbench++] = argv[*i];
		return rc;
	}
	return gmb_usage_error("run", "unknown %s '%s'; run accepts --out DIR, "
			       "--help and Google Benchmark's --benchmark_* "
			       "flags (gomem-bench run --help lists them)",
			       arg[0] == '-' ? "flag" : "argument", arg);
}

static int run_parse(run_opts *o, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		int rc = run_parse_one(o, argc, argv, &i);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Pass the user's flags, the default repetitions and the output file to
 * Google Benchmark.  0 or an exit status. */
static int run_benchmark_init(run_opts *o, const char *json_tmp)
{
	static char reps[] = "--benchmark_repetitions=" RUN_REPETITIONS;
	static char format[] = "--benchmark_out_format=json";
	char out[4200];
	char *flags[o->nbench + 3];
	int n = 0;

	if ((size_t)snprintf(out, sizeof out, "--benchmark_out=%s", json_tmp) >=
	    sizeof out)
		return gmb_usage_error("run", "--out path is too long");
	if (!o->have_repetitions)
		flags[n++] = reps;
	for (int i = 0; i < o->nbench; i++)
		flags[n++] = o->bench[i];
	flags[n++] = out;
	flags[n++] = format;
	return gmb_benchmark_init("run", flags, n);
}

/* gm_init with the environment's configuration; 0 or an exit status. */
static int run_gomem_init(gm_config *cfg)
{
	gm_config_default(cfg);
	if (cfg->env_error != GM_OK) {
		fprintf(stderr, "gomem-bench run: %s (%s)\n",
			gm_strerror(cfg->env_error), cfg->env_detail);
		return GMB_EXIT_USAGE;
	}
	int err = gm_init(cfg);
	if (err != GM_OK) {
		fprintf(stderr, "gomem-bench run: gm_init: %s\n", gm_strerror(err));
		return err == GM_EINVAL ? GMB_EXIT_USAGE : GMB_EXIT_FAIL;
	}
	return 0;
}

static const char *run_collector_name(gm_collector c)
{
	switch (c) {
	case GM_HYBRID:
		return "hybrid";
	case GM_STW:
		return "stw";
	case GM_DIJKSTRA:
		return "dijkstra";
	case GM_YUASA:
		return "yuasa";
	}
	return "unknown";
}

/* What gomem adds to the JSON "context": enough to tell later which code,
 * build and configuration produced the numbers. */
static void run_add_context(const gm_config *cfg)
{
	char buf[64];
	gmb_add_context("gomem_schema_version", RUN_SCHEMA_VERSION);
	snprintf(buf, sizeof buf, "%d.%d.%d", GM_VERSION_MAJOR,
		 GM_VERSION_MINOR, GM_VERSION_PATCH);
	gmb_add_context("gomem_version", buf);
	gmb_add_context("gomem_git_revision", GMB_GIT_REVISION);
	gmb_add_context("gomem_build_type", GMB_BUILD_TYPE);
	gmb_add_context("gomem_compiler", GMB_COMPILER);
#ifdef GOMEM_DEBUG
	gmb_add_context("gomem_debug", "1");
#else
	gmb_add_context("gomem_debug", "0");
#endif
	if (cfg->gc_percent == GM_GOGC_OFF)
		snprintf(buf, sizeof buf, "off");
	else
		snprintf(buf, sizeof buf, "%d", cfg->gc_percent);
	gmb_add_context("gomem_gogc", buf);
	if (cfg->memory_limit == GM_MEMLIMIT_OFF)
		snprintf(buf, sizeof buf, "off");
	else
		snprintf(buf, sizeof buf, "%lld", (long long)cfg->memory_limit);
	gmb_add_context("gomem_memory_limit", buf);
	snprintf(buf, sizeof buf, "%d", cfg->procs);
	gmb_add_context("gomem_procs", buf);
	gmb_add_context("gomem_collector", run_collector_name(cfg->collector));
}

/* Steps 2-4: everything that can refuse before anything is written. */
static int run_setup(run_opts *o, gm_config *cfg)
{
	int rc = gmb_results_prepare(o->out);
	if (rc != 0)
		return rc;
	const char *json_tmp = gmb_results_add(RUN_OUT_FILE);
	if (json_tmp == NULL)
		return GMB_EXIT_USAGE;
	if ((rc = run_benchmark_init(o, json_tmp)) != 0)
		return rc;
	if ((rc = run_gomem_init(cfg)) != 0)
		return rc;
	if (gmb_workloads_register() != 0)
		return GMB_EXIT_FAIL;
	run_add_context(cfg);
	return 0;
}

/* Steps 5-6. */
static int run_execute(void)
{
	gmb_summary sum = {0};
	int rc = gmb_results_create();
	if (rc != 0)
		return rc;
	size_t matched = gmb_run(gmb_summary_add, &sum);
	gm_shutdown();
	if (matched == 0) {
		gmb_results_abandon();
		gmb_summary_free(&sum);
		return gmb_usage_error("run", "no benchmark matches "
				       "--benchmark_filter; gomem-bench list "
				       "shows the names");
	}
	if (gmb_results_commit() != 0) {
		gmb_summary_free(&sum);
		return GMB_EXIT_FAIL;
	}
	fflush(stdout);
	printf("\nresults written to %s\n\n", gmb_results_final(RUN_OUT_FILE));
	gmb_summary_print(&sum, stdout);
	rc = sum.any_error ? GMB_EXIT_FAIL : GMB_EXIT_OK;
	gmb_summary_free(&sum);
	return rc;
}

int gmb_cmd_run(int argc, char **argv)
{
	char *bench[argc > 0 ? argc : 1];
	run_opts o = {.bench = bench};
	gm_config cfg;

	int rc = run_parse(&o, argc, argv);
	if (rc != 0)
		return rc;
	if (o.help) {
		run_usage(stdout);
		return GMB_EXIT_OK;
	}
	if ((rc = run_setup(&o, &cfg)) != 0)
		return rc;
	rc = run_execute();
	gmb_shutdown();
	return rc;
}

/*
 * run.c — `gomem-bench run`: run the registered benchmarks under each
 * configuration of the settings given, each in a fresh process, and write
 * the results directory (results.h, results/README.md).
 *
 * 1. Parse the command line: --out DIR / --name NAME, the settings lists
 *    (settings.h), --pin / --membind (topology.h), and Google Benchmark's
 *    own --benchmark_* flags, passed through.  --benchmark_out,
 *    --benchmark_out_format and --benchmark_list_tests belong to the
 *    runner and are refused.  With --child-config this process is a child
 *    and run_child.c takes over.
 * 2. Refuse early, before anything is written: expand the settings into
 *    configurations and resolve each against the environment (a malformed
 *    GOGC that no --gogc overrides is an error), check the flags with
 *    Google Benchmark, check that some benchmark matches the filter, and
 *    that the system can apply --pin / --membind.
 * 3. Check DIR (absent or empty), create the temporary directory.
 * 4. For each configuration: fork, exec this program as a child with
 *    --child-config=TEXT and its own JSON file, wait.  A child that exits
 *    1 had a failing benchmark (its results are kept, the run exits 1);
 *    any other failure stops the run and removes what it wrote.
 *    Each child also logs its collection cycles to cycles/<settings>.csv
 *    (dropped when it had none), writes each benchmark's MMU curve and,
 *    when sampling is on, RSS samples to its own CSV parts, and prints a
 *    progress line to stderr as each benchmark instance finishes
 *    (run_child.c).
 * 5. Merge the children's JSON into bench.json and their CSV parts into
 *    mmu.csv and rss.csv (each row led by its configuration's index),
 *    write context.json, rename the temporary directory to DIR, and point
 *    results/latest at it when every benchmark passed.
 * A sweep (`run gogc_sweep` / `run memlimit_sweep`, sweep.c) is such a
 * run with its settings list and its workload's filter decided first.
 * Exit status: 0; 1 when the run failed or a benchmark reported an
 * error; 2 for a bad command line or environment.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gmb_revision.h" /* GMB_GIT_REVISION, generated at build time */
#include "gomem.h"
#include "harness/cmd.h"
#include "harness/context.h"
#include "harness/cycles.h"
#include "harness/results.h"
#include "harness/rss.h"
#include "harness/run.h"
#include "harness/shim.h"
#include "harness/workload.h"

/* 5 repetitions: enough for a median that one noisy repetition cannot
 * move, few enough to keep a full run around a minute. */
#define RUN_REPETITIONS "5"

/* One run of the parent: the configurations and what became of them. */
typedef struct run_plan {
	gmb_config *configs;   /* resolved */
	size_t n;
	unsigned *lib_base;    /* per configuration: collector's first slot */
	int *status;           /* per configuration: the child's exit status */
	unsigned registered_max; /* largest registered thread count */
	size_t ninstances;     /* benchmark instances to run */
	const char *sweep_workload; /* a sweep's workload, else NULL */
	char date[32];
	hwloc_topology_t topo;
} run_plan;

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: gomem-bench run [gogc_sweep | memlimit_sweep "
		"[--workload=NAME]]\n"
		"                       [--out DIR | --name NAME] [settings] "
		"[placement]\n"
		"                       [--rss-interval=MS] [--benchmark_* "
		"flags]\n\n"
		"Runs every registered benchmark (gomem-bench list shows them) "
		"once per\nconfiguration, each configuration in a fresh process; "
		"writes DIR/bench.json\n(Google Benchmark JSON, every "
		"configuration), DIR/context.json (machine,\nbuild, "
		"settings, placement), DIR/cycles/*.csv (each configuration's "
		"cycles),\nDIR/mmu.csv (each benchmark's MMU curve) and, with "
		"RSS sampling, DIR/rss.csv;\nprints gomem against glibc.\n\n"
		"sweeps: one workload across a settings list, a fresh process "
		"per value:\n"
		"  gogc_sweep         --gogc=LIST, default "
		GMB_SWEEP_GOGC_DEFAULT "\n"
		"  memlimit_sweep     --memlimit=LIST, default "
		GMB_SWEEP_MEMLIMIT_DEFAULT "\n"
		"  --workload=NAME    the workload (default " GMB_SWEEP_WORKLOAD
		"); --benchmark_filter\n"
		"                     narrows it further\n"
		"  report DIR then has a table per benchmark with a row per "
		"setting.\n\n"
		"results:\n"
		"  --out DIR      where to write; absent or empty (never "
		"overwritten)\n"
		"  --name NAME    write results/NAME (default: results/"
		"<YYYYmmdd-HHMMSS>-<revision>,\n"
		"                 UTC); results/latest then points at it\n\n"
		"settings (comma-separated lists; every combination is one "
		"configuration):\n"
		"  --gogc=LIST        GOGC values: 25,50,100,off (default: "
		"$GOGC, else 100)\n"
		"  --memlimit=LIST    GOMEMLIMIT values, Go's syntax: "
		"off,64MiB,1GiB\n"
		"                     (default: $GOMEMLIMIT, else off)\n"
		"  --collector=LIST   stw, dijkstra, yuasa, hybrid (default "
		"hybrid)\n"
		"  --procs=LIST       GOMAXPROCS analogue; 0 = online CPUs "
		"(default 0)\n"
		"  --threads=LIST     benchmark thread counts, replacing the "
		"registered ones\n"
		"  --runtime=LIST     " GMB_RUNTIMES_ACCEPTED "\n"
		"                     (default gomem): the same workloads on "
		"each, interleaved\n"
		"                     by repetition; a peer not built is "
		"skipped (README: Peers)\n"
		"  --rss-interval=MS  sample RSS, heap in use, heap goal and "
		"limit every MS ms\n"
		"                     into DIR/rss.csv (default %d with "
		"--memlimit, else 0: off)\n\n"
		"placement (hwloc; gomem-bench topology --pin=POLICY shows "
		"it):\n"
		"  --pin=POLICY       " GMB_PIN_ACCEPTED " (default none)\n"
		"  --membind=POLICY   " GMB_MEMBIND_ACCEPTED " (default none)\n"
		"  -h, --help         this text\n\n"
		"Google Benchmark's flags pass through to every configuration, "
		"among them:\n"
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
		"GOMEMLIMIT,\nGODEBUG=gctrace=1; the settings flags override "
		"the first two.\n", GMB_RSS_INTERVAL_MS);
}

/* ---- parsing ------------------------------------------------------------ */

/* A flag run owns or refuses: 0 to pass it on, else an exit status. */
static int run_check_benchmark_flag(gmb_run_opts *o, const char *arg)
{
	if (gmb_flag_is(arg, "benchmark_out") ||
	    gmb_flag_is(arg, "benchmark_out_format"))
		return gmb_usage_error("run", "%s is set by run itself (JSON to "
				       "DIR/" GMB_RESULTS_BENCH "); use --out "
				       "DIR", arg);
	if (gmb_flag_is(arg, "benchmark_list_tests"))
		return gmb_usage_error("run", "%s: to list the benchmarks, use "
				       "gomem-bench list", arg);
	if (gmb_flag_is(arg, "benchmark_repetitions"))
		o->have_repetitions = true;
	return 0;
}

/* The value of flag `name` at argv[*i]: "--name=V", or "--name V" (then
 * *i moves past V).  NULL after a message when there is none. */
static const char *run_value(int argc, char **argv, int *i, const char *name)
{
	const char *arg = argv[*i], *eq = strchr(arg, '=');
	const char *v = eq != NULL ? eq + 1
		      : *i + 1 < argc ? argv[++*i] : NULL;
	if (v == NULL || *v == '\0') {
		gmb_usage_error("run", "--%s needs a value", name);
		return NULL;
	}
	return v;
}

/* --pin, --membind and the internal child flags: 1 when `arg` was one
 * of them and parsed, 0 when not one, else -(exit status). */
static int run_parse_placement(gmb_run_opts *o, int argc, char **argv, int *i)
{
	const char *arg = argv[*i], *v;
	if (gmb_flag_is(arg, "pin")) {
		if ((v = run_value(argc, argv, i, "pin")) == NULL)
			return -GMB_EXIT_USAGE;
		if (o->have_pin || gmb_pin_parse(v, &o->pin) != 0)
			return -gmb_usage_error("run", "--pin=%s: %s; --pin takes "
						"one of " GMB_PIN_ACCEPTED, v,
						o->have_pin ? "given twice"
							    : "not a policy");
		o->have_pin = true;
		return 1;
	}
	if (gmb_flag_is(arg, "membind")) {
		if ((v = run_value(argc, argv, i, "membind")) == NULL)
			return -GMB_EXIT_USAGE;
		if (o->have_membind || gmb_membind_parse(v, &o->membind) != 0)
			return -gmb_usage_error(
				"run", "--membind=%s: %s; --membind takes one "
				"of " GMB_MEMBIND_ACCEPTED, v,
				o->have_membind ? "given twice" : "not a policy");
		o->have_membind = true;
		return 1;
	}
	return 0;
}

/* The internal flags of a child: 1, 0 (not one), or -(exit status). */
static int run_parse_child(gmb_run_opts *o, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];
	if (gmb_flag_is(arg, GMB_CHILD_CONFIG)) {
		const char *eq = strchr(arg, '=');
		o->child_config = eq != NULL ? eq + 1 : ""; /* "" = as given */
		return 1;
	}
	if (gmb_flag_is(arg, GMB_CHILD_OUT)) {
		o->child_out = run_value(argc, argv, i, GMB_CHILD_OUT);
		return o->child_out != NULL ? 1 : -GMB_EXIT_USAGE;
	}
	if (gmb_flag_is(arg, GMB_CHILD_CYCLES)) {
		o->child_cycles = run_value(argc, argv, i, GMB_CHILD_CYCLES);
		return o->child_cycles != NULL ? 1 : -GMB_EXIT_USAGE;
	}
	if (gmb_flag_is(arg, GMB_CHILD_MMU)) {
		o->child_mmu = run_value(argc, argv, i, GMB_CHILD_MMU);
		return o->child_mmu != NULL ? 1 : -GMB_EXIT_USAGE;
	}
	if (gmb_flag_is(arg, GMB_CHILD_PAUSES)) {
		o->child_pauses = run_value(argc, argv, i, GMB_CHILD_PAUSES);
		return o->child_pauses != NULL ? 1 : -GMB_EXIT_USAGE;
	}
	if (gmb_flag_is(arg, GMB_CHILD_RSS)) {
		o->child_rss = run_value(argc, argv, i, GMB_CHILD_RSS);
		return o->child_rss != NULL ? 1 : -GMB_EXIT_USAGE;
	}
	if (gmb_flag_is(arg, GMB_CHILD_PROGRESS)) {
		const char *v = run_value(argc, argv, i, GMB_CHILD_PROGRESS);
		if (v == NULL)
			return -GMB_EXIT_USAGE;
		if (sscanf(v, "%u/%u", &o->child_config_no,
			   &o->child_configs) != 2)
			return -gmb_usage_error("run", "--%s=%s: not c/C",
						GMB_CHILD_PROGRESS, v);
		return 1;
	}
	if (gmb_flag_is(arg, GMB_CHILD_SLOTS)) {
		const char *v = run_value(argc, argv, i, GMB_CHILD_SLOTS);
		if (v == NULL)
			return -GMB_EXIT_USAGE;
		o->child_slots = (unsigned)strtoul(v, NULL, 10);
		return 1;
	}
	return 0;
}

/* The settings lists: 1, 0 (not one), or -(exit status). */
static int run_parse_settings(gmb_run_opts *o, int argc, char **argv, int *i)
{
	char err[600];
	const char *arg = argv[*i], *value = NULL;
	if (!gmb_settings_is_flag(arg))
		return 0;
	if (strchr(arg, '=') == NULL && *i + 1 < argc)
		value = argv[++*i];
	if (gmb_settings_parse(&o->settings, arg, value, err, sizeof err) != 0)
		return -gmb_usage_error("run", "%s", err);
	return 1;
}

/* The sweep's word, --workload and --rss-interval: 1, 0 (not one), or
 * -(exit status). */
static int run_parse_sweep(gmb_run_opts *o, int argc, char **argv, int *i)
{
	const char *arg = argv[*i], *v;
	gmb_sweep sw;
	char *end;
	if (arg[0] != '-' && gmb_sweep_parse(arg, &sw) == 0) {
		if (o->sweep != GMB_SWEEP_NONE)
			return -gmb_usage_error("run", "'%s': a run is one sweep "
						"(%s was given already)", arg,
						gmb_sweep_name(o->sweep));
		o->sweep = sw;
		return 1;
	}
	if (gmb_flag_is(arg, "workload")) {
		if ((v = run_value(argc, argv, i, "workload")) == NULL)
			return -GMB_EXIT_USAGE;
		o->workload = v;
		return 1;
	}
	if (!gmb_flag_is(arg, "rss-interval"))
		return 0;
	if ((v = run_value(argc, argv, i, "rss-interval")) == NULL)
		return -GMB_EXIT_USAGE;
	unsigned long ms = strtoul(v, &end, 10);
	if (*end != '\0' || v[0] == '-' || ms > 60000 || o->have_rss_interval)
		return -gmb_usage_error("run", "--rss-interval=%s: %s; it takes "
					"milliseconds, 0 (off) to 60000", v,
					o->have_rss_interval ? "given twice"
							     : "not a number");
	o->rss_interval_ms = (unsigned)ms;
	o->have_rss_interval = true;
	return 1;
}

/* --out, --name and --runtime: 1, 0 (not one), or -(exit status). */
static int run_parse_dir(gmb_run_opts *o, int argc, char **argv, int *i)
{
	if (gmb_flag_is(argv[*i], "runtime")) {
		char err[400];
		const char *v = run_value(argc, argv, i, "runtime");
		if (v == NULL)
			return -GMB_EXIT_USAGE;
		if (o->have_runtimes)
			return -gmb_usage_error("run", "--runtime is given twice");
		if (gmb_runtimes_parse(v, &o->runtimes, err, sizeof err) != 0)
			return -gmb_usage_error("run", "%s", err);
		o->have_runtimes = true;
		return 1;
	}
	if (gmb_flag_is(argv[*i], "out")) {
		o->out = run_value(argc, argv, i, "out");
		return o->out != NULL ? 1 : -GMB_EXIT_USAGE;
	}
	if (gmb_flag_is(argv[*i], "name")) {
		o->name = run_value(argc, argv, i, "name");
		return o->name != NULL ? 1 : -GMB_EXIT_USAGE;
	}
	return 0;
}

/* Parse argv[*i] (and its value); 0 or an exit status. */
static int run_parse_one(gmb_run_opts *o, int argc, char **argv, int *i)
{
	static int (*const parsers[])(gmb_run_opts *, int, char **, int *) = {
		run_parse_dir, run_parse_settings, run_parse_placement,
		run_parse_child, run_parse_sweep,
	};
	const char *arg = argv[*i];
	if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
		o->help = true;
		return 0;
	}
	for (size_t p = 0; p < sizeof parsers / sizeof *parsers; p++) {
		int rc = parsers[p](o, argc, argv, i);
		if (rc != 0)
			return rc > 0 ? 0 : -rc;
	}
	if (gmb_flag_is_benchmark(arg)) {
		int rc = run_check_benchmark_flag(o, arg);
		if (rc == 0)
			o->bench[o->nbench++] = argv[*i];
		return rc;
	}
	return gmb_usage_error("run", "unknown %s '%s'; run accepts "
			       "gogc_sweep or memlimit_sweep (and --workload), "
			       "--out, --name, --gogc, --memlimit, --collector, "
			       "--procs, --threads, --runtime, --pin, --membind, "
			       "--rss-interval, --help and Google Benchmark's "
			       "--benchmark_* flags (gomem-bench run --help "
			       "says more)",
			       arg[0] == '-' ? "flag" : "argument", arg);
}

static int run_parse(gmb_run_opts *o, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		int rc = run_parse_one(o, argc, argv, &i);
		if (rc != 0)
			return rc;
	}
	if (o->out != NULL && o->name != NULL)
		return gmb_usage_error("run", "--out and --name both say where "
				       "to write; give one");
	if (o->child_config == NULL && !o->have_rss_interval)
		o->rss_interval_ms = o->settings.nmemlimit > 0 ||
					     o->sweep == GMB_SWEEP_MEMLIMIT
				     ? GMB_RSS_INTERVAL_MS : 0;
	return 0;
}

/* ---- planning: everything that can refuse before anything is written ---- */

/* Expand the settings and resolve each configuration against the
 * environment; 0 or an exit status. */
static int run_plan_configs(const gmb_run_opts *o, run_plan *p)
{
	gm_config env;
	gm_config_default(&env);
	p->n = gmb_settings_count(&o->settings);
	if (p->n > GMB_CONFIGS_MAX)
		return gmb_usage_error("run", "the settings lists make %zu "
				       "configurations; at most %d are run at "
				       "once", p->n, GMB_CONFIGS_MAX);
	p->configs = calloc(p->n, sizeof *p->configs);
	p->lib_base = calloc(p->n, sizeof *p->lib_base);
	p->status = calloc(p->n, sizeof *p->status);
	if (p->configs == NULL || p->lib_base == NULL || p->status == NULL)
		gmb_fatal("out of memory for %zu configurations", p->n);
	gmb_settings_expand(&o->settings, p->configs, p->n);
	for (size_t i = 0; i < p->n; i++) {
		gm_config cfg = env;
		gmb_config_apply(&p->configs[i], &cfg);
		if (cfg.env_error != GM_OK) {
			fprintf(stderr, "gomem-bench run: %s (%s)\n",
				gm_strerror(cfg.env_error), cfg.env_detail);
			return GMB_EXIT_USAGE;
		}
		gmb_config_resolve(&p->configs[i], &env);
	}
	return 0;
}

/* gmb_list callback: note the largest thread count ("/threads:N" in the
 * name) of the instances that will run. */
static void run_note_instance(const char *name, void *ctx)
{
	run_plan *p = ctx;
	const gmb_workload *w = p->sweep_workload != NULL
		? gmb_workload_of(name) : NULL;
	if (p->sweep_workload != NULL &&
	    (w == NULL || strcmp(w->name, p->sweep_workload) != 0))
		return; /* not the sweep's */
	const char *t = strstr(name, "/threads:");
	unsigned n = t != NULL ? (unsigned)strtoul(t + 9, NULL, 10) : 1;
	p->ninstances++;
	if (n > p->registered_max)
		p->registered_max = n;
}

/* A sweep's settings list (sweep.c); 0 or an exit status. */
static int run_plan_sweep_settings(gmb_run_opts *o)
{
	char err[600];
	if (gmb_sweep_settings(o, err, sizeof err) != 0)
		return gmb_usage_error("run", "%s", err);
	return 0;
}

/* A sweep: its workload's instances among those the user's filter
 * matched, as one more --benchmark_filter for the children.  0 or an
 * exit status. */
static int run_plan_sweep(gmb_run_opts *o, run_plan *p)
{
	static char filter[16384];
	int n = snprintf(filter, sizeof filter, "--benchmark_filter=");
	if (o->sweep == GMB_SWEEP_NONE)
		return 0;
	if (gmb_sweep_filter(o->workload, o->settings.nthreads > 0, filter + n,
			     sizeof filter - (size_t)n))
		return gmb_usage_error("run", "%s: no benchmark of workload "
				       "'%s' matches --benchmark_filter; "
				       "gomem-bench list shows the workloads "
				       "and their benchmarks",
				       gmb_sweep_name(o->sweep), o->workload);
	o->bench[o->nbench++] = filter; /* after the user's: it wins */
	p->sweep_workload = o->workload;
	return 0;
}

/* Check the flags with Google Benchmark and that the filter matches;
 * derive each configuration's first collector slot.  0 or an exit status. */
static int run_plan_benchmarks(gmb_run_opts *o, run_plan *p)
{
	int rc = gmb_benchmark_init("run", o->bench, o->nbench);
	if (rc != 0)
		return rc;
	if (gmb_workloads_register() != 0)
		return GMB_EXIT_FAIL;
	if ((rc = run_plan_sweep(o, p)) != 0)
		return rc;
	gmb_list(run_note_instance, p);
	if (p->ninstances == 0)
		return gmb_usage_error("run", "no benchmark matches "
				       "--benchmark_filter; gomem-bench list "
				       "shows the names");
	for (size_t i = 0; i < p->n; i++)
		p->lib_base[i] = p->configs[i].threads > 0
			? (unsigned)p->configs[i].threads : p->registered_max;
	return 0;
}

/* This machine's topology, and whether it can place as asked. */
static int run_plan_topology(const gmb_run_opts *o, run_plan *p)
{
	char err[512];
	if (gmb_topology_load(&p->topo, NULL, err, sizeof err) != 0) {
		fprintf(stderr, "gomem-bench run: %s\n", err);
		return GMB_EXIT_FAIL;
	}
	if (gmb_placement_check(p->topo, o->pin, o->membind, err, sizeof err))
		return gmb_usage_error("run", "%s", err);
	return 0;
}

static void run_plan_free(run_plan *p)
{
	free(p->configs);
	free(p->lib_base);
	free(p->status);
	if (p->topo != NULL)
		hwloc_topology_destroy(p->topo);
}

/* ---- the children ---------------------------------------------------------- */

/* The per-configuration files of configuration i (run_config); a NULL
 * file is not written. */
typedef struct run_files {
	const char *json, *cycles, *mmu, *rss, *pauses;
} run_files;

/* The child's CSV flags into bufs (4400 bytes each), appended to argv. */
static int run_csv_flags(const gmb_run_opts *o, const run_files *f,
			 char (*bufs)[4400], char **argv, int n)
{
	static const char *const flag[] = {GMB_CHILD_CYCLES, GMB_CHILD_MMU,
					   GMB_CHILD_PAUSES, GMB_CHILD_RSS};
	const char *path[] = {f->cycles, f->mmu, f->pauses, f->rss};
	for (size_t k = 0; k < sizeof flag / sizeof *flag; k++) {
		if (path[k] == NULL)
			continue;
		snprintf(bufs[k], 4400, "--%s=%s", flag[k], path[k]);
		argv[n++] = bufs[k];
	}
	if (f->rss != NULL) {
		snprintf(bufs[4], 4400, "--rss-interval=%u", o->rss_interval_ms);
		argv[n++] = bufs[4];
	}
	return n;
}

/* Start this program on configuration i, writing its files f; its pid,
 * or -1 after a message. */
static pid_t run_spawn(const gmb_run_opts *o, const run_plan *p, size_t i,
		       const run_files *f)
{
	static char reps[] = "--benchmark_repetitions=" RUN_REPETITIONS;
	static char one[] = "--benchmark_repetitions=1";
	char cfg[GMB_CONFIG_TEXT_MAX + 32], out[4200], slots[48], pin[32],
		mem[32], prog[64], label[GMB_CONFIG_TEXT_MAX], csv[5][4400];
	char *argv[o->nbench + 18];
	int n = 0;

	gmb_config_format(&p->configs[i], label, sizeof label);
	snprintf(cfg, sizeof cfg, "--" GMB_CHILD_CONFIG "=%s", label);
	snprintf(out, sizeof out, "--" GMB_CHILD_OUT "=%s", f->json);
	snprintf(slots, sizeof slots, "--" GMB_CHILD_SLOTS "=%u", p->lib_base[i]);
	snprintf(pin, sizeof pin, "--pin=%s", gmb_pin_name(o->pin));
	snprintf(mem, sizeof mem, "--membind=%s", gmb_membind_name(o->membind));
	snprintf(prog, sizeof prog, "--" GMB_CHILD_PROGRESS "=%zu/%zu", i + 1,
		 p->n);
	char *fixed[] = {(char *)gmb_argv0, "run", cfg, out, slots, pin, mem,
			 prog};
	for (size_t k = 0; k < sizeof fixed / sizeof *fixed; k++)
		argv[n++] = fixed[k];
	n = run_csv_flags(o, f, csv, argv, n);
	if (!o->have_repetitions)
		argv[n++] = reps;
	for (int k = 0; k < o->nbench; k++)
		argv[n++] = o->bench[k];
	if (gmb_run_interleaved(o))
		argv[n++] = one; /* one repetition per round: it comes last */
	argv[n] = NULL;

	fflush(NULL); /* nothing buffered may be written twice */
	pid_t pid = fork();
	if (pid == 0) {
		execv("/proc/self/exe", argv);
		fprintf(stderr, "gomem-bench run: cannot start /proc/self/exe "
			"for configuration %s: %s\n", label, strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		fprintf(stderr, "gomem-bench run: fork: %s\n", strerror(errno));
	return pid;
}

/* Wait for the child; its wait status, or -1. */
static int run_wait(pid_t pid)
{
	int status;
	gmb_results_set_child(pid);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	gmb_results_set_child(0);
	return status;
}

/* What configuration i's wait status means: 0 or 1 (its results count),
 * or -(exit status) to stop the run. */
static int run_judge(const run_plan *p, size_t i, int status)
{
	char label[GMB_CONFIG_TEXT_MAX];
	gmb_config_format(&p->configs[i], label, sizeof label);
	if (status != -1 && WIFEXITED(status)) {
		int code = WEXITSTATUS(status);
		if (code == GMB_EXIT_OK || code == GMB_EXIT_FAIL)
			return code;
		fprintf(stderr, "gomem-bench run: configuration %s stopped "
			"with status %d; nothing is kept\n", label, code);
		return -(code == GMB_EXIT_USAGE ? GMB_EXIT_USAGE : GMB_EXIT_FAIL);
	}
	if (status != -1 && WIFSIGNALED(status))
		fprintf(stderr, "gomem-bench run: configuration %s was killed "
			"by signal %d (%s); nothing is kept\n", label,
			WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		fprintf(stderr, "gomem-bench run: lost configuration %s: %s\n",
			label, strerror(errno));
	return -GMB_EXIT_FAIL;
}

/* cycles/<settings>.csv: the configuration's label cut to the settings
 * given on the command line (or to gogc when none was), so that the file
 * names, which plot uses as titles, say what differs. */
static void run_cycles_name(const gmb_run_opts *o, const gmb_config *c,
			    char *buf, size_t n)
{
	const gmb_settings *s = &o->settings;
	gmb_config shown = *c;
	shown.set = (s->ngogc ? GMB_SET_GOGC : 0) |
		    (s->nmemlimit ? GMB_SET_MEMLIMIT : 0) |
		    (s->ncollector ? GMB_SET_COLLECTOR : 0) |
		    (s->nprocs ? GMB_SET_PROCS : 0) |
		    (s->nthreads ? GMB_SET_THREADS : 0);
	if (shown.set == 0)
		shown.set = GMB_SET_GOGC;
	char label[GMB_CONFIG_TEXT_MAX];
	gmb_config_format(&shown, label, sizeof label);
	snprintf(buf, n, "cycles/%s.csv", label);
}

/* The parts of the run, as they are written (run_merge reads them). */
typedef struct run_parts {
	gmb_results_part *part;
	const char **pauses;   /* per part: its pause list, or NULL */
	size_t n, cap;
	char (*labels)[GMB_CONFIG_TEXT_MAX]; /* per configuration */
} run_parts;

static void run_part_add(run_parts *rp, const gmb_results_part *part,
			 const char *pauses)
{
	if (rp->n == rp->cap) {
		rp->cap = rp->cap ? 2 * rp->cap : 16;
		rp->part = realloc(rp->part, rp->cap * sizeof *rp->part);
		rp->pauses = realloc(rp->pauses, rp->cap * sizeof *rp->pauses);
		if (rp->part == NULL || rp->pauses == NULL)
			gmb_fatal("out of memory for %zu result parts", rp->cap);
	}
	rp->part[rp->n] = *part;
	rp->pauses[rp->n++] = pauses;
}

/* Add configuration i's files (round `round`; -1 outside an interleaved
 * run) to the results: its JSON, and in its first round its cycle log and
 * its CSV parts.  false after a message. */
static bool run_add_files(const gmb_run_opts *o, const run_plan *p, size_t i,
			  int round, char *cycles, size_t clen, run_files *f)
{
	char name[96];
	*f = (run_files){0};
	cycles[0] = '\0';
	if (round > 0) {
		snprintf(name, sizeof name, "config-%zu.r%d.json", i, round);
		return (f->json = gmb_results_add(name)) != NULL;
	}
	snprintf(name, sizeof name, "config-%zu.json", i);
	run_cycles_name(o, &p->configs[i], cycles, clen);
	if ((f->json = gmb_results_add(name)) == NULL ||
	    (f->cycles = gmb_results_add(cycles)) == NULL)
		return false;
	snprintf(name, sizeof name, "config-%zu.mmu.csv", i);
	if ((f->mmu = gmb_results_add(name)) == NULL)
		return false;
	snprintf(name, sizeof name, "config-%zu.pauses.csv", i);
	if ((f->pauses = gmb_results_add(name)) == NULL)
		return false;
	snprintf(name, sizeof name, "config-%zu.rss.csv", i);
	return o->rss_interval_ms == 0 || (f->rss = gmb_results_add(name));
}

/* Run gomem under configuration i (round `round`); 0 or 1 (see
 * run_judge), or -(exit status). */
static int run_config(const gmb_run_opts *o, run_plan *p, size_t i,
		      int round, int rounds, run_parts *rp)
{
	char cycles[GMB_CONFIG_TEXT_MAX + 16];
	run_files f;
	if (!run_add_files(o, p, i, round, cycles, sizeof cycles, &f))
		return -GMB_EXIT_FAIL;
	run_part_add(rp, &(gmb_results_part){f.json, (int)i, rp->labels[i],
					     "gomem", round, rounds},
		     f.pauses);
	if (p->n > 1 || round >= 0)
		printf("%s== configuration %zu of %zu: %s%s ==\n",
		       i || round > 0 ? "\n" : "", i + 1, p->n, rp->labels[i],
		       round >= 0 ? ", gomem" : "");
	pid_t pid = run_spawn(o, p, i, &f);
	if (pid < 0)
		return -GMB_EXIT_FAIL;
	int st = run_judge(p, i, run_wait(pid));
	if (st < 0 || round <= 0 || p->status[i] == 0)
		p->status[i] = st;
	if (f.cycles != NULL && !gmb_cycles_any(f.cycles)) /* no cycle: no log */
		gmb_results_drop(cycles);
	return st;
}

/* Run peer rt under configuration i in round `round`; 0, or 1 when a
 * benchmark of it failed (a peer that failed outright is left out). */
static int run_peer_config(const gmb_run_opts *o, size_t i, gmb_runtime rt,
			   int round, int rounds, const run_plan *p,
			   run_parts *rp)
{
	char name[128];
	const char *rtn = gmb_runtime_get(rt)->name, *json, *pauses = NULL;
	snprintf(name, sizeof name, "peer-%s-%zu.r%d.json", rtn, i, round);
	if ((json = gmb_results_add(name)) == NULL)
		return -GMB_EXIT_FAIL;
	snprintf(name, sizeof name, "peer-%s-%zu.pauses.csv", rtn, i);
	if (round == 0 && (pauses = gmb_results_add(name)) == NULL)
		return -GMB_EXIT_FAIL;
	run_part_add(rp, &(gmb_results_part){json, (int)i, rp->labels[i], rtn,
					     round, rounds},
		     pauses);
	int rc = gmb_run_peer(o, &p->configs[i], rt, rp->labels[i], json,
			      pauses);
	return rc == 1 ? GMB_EXIT_FAIL : 0;
}

/* ---- writing the results ------------------------------------------------- */

/* bench.json out of the parts, which are then dropped; then mmu.csv,
 * rss.csv and pauses.csv out of theirs.  0 or 1. */
static int run_merge(const gmb_run_opts *o, const run_plan *p,
		     run_parts *rp)
{
	char err[1024];
	const char *bench = gmb_results_add(GMB_RESULTS_BENCH);
	const char *pauses = gmb_results_add(GMB_RESULTS_PAUSES);
	if (bench == NULL || pauses == NULL)
		return GMB_EXIT_FAIL;
	if (gmb_results_merge_runs(rp->part, rp->n, bench, err, sizeof err)) {
		fprintf(stderr, "gomem-bench run: %s\n", err);
		return GMB_EXIT_FAIL;
	}
	int rows = gmb_run_merge_pauses(rp->part, rp->pauses, rp->n, pauses);
	if (rows < 0)
		return GMB_EXIT_FAIL;
	if (rows == 0)
		gmb_results_drop(GMB_RESULTS_PAUSES);
	for (size_t k = 0; k < rp->n; k++) {
		const char *base = strrchr(rp->part[k].path, '/');
		gmb_results_drop(base + 1);
		if (rp->pauses[k] != NULL)
			gmb_results_drop(strrchr(rp->pauses[k], '/') + 1);
	}
	int rc = gmb_results_merge_parts(p->n, "mmu", GMB_RESULTS_MMU,
					 GMB_MMU_HEADER) ? GMB_EXIT_FAIL : 0;
	if (rc == 0 && o->rss_interval_ms > 0)
		rc = gmb_results_merge_parts(p->n, "rss", GMB_RESULTS_RSS,
					     GMB_RSS_HEADER) ? GMB_EXIT_FAIL : 0;
	return rc;
}

static int run_write_context(const gmb_run_opts *o, const run_plan *p,
			     int argc, char **argv)
{
	char err[1024];
	const char *path = gmb_results_add(GMB_RESULTS_CONTEXT);
	const char *dir = gmb_results_dir(), *slash = strrchr(dir, '/');
	gmb_context_run r = {
		.name = slash != NULL ? slash + 1 : dir,
		.date = p->date, .argc = argc, .argv = argv,
		.bench_flags = o->bench, .nbench_flags = o->nbench,
		.settings = &o->settings, .pin = o->pin, .membind = o->membind,
		.configs = p->configs, .nconfigs = p->n,
		.lib_base = p->lib_base, .exit_status = p->status,
		.topo = p->topo, .sweep = gmb_sweep_name(o->sweep),
		.sweep_workload = p->sweep_workload,
		.rss_interval_ms = o->rss_interval_ms,
		.runtimes = o->have_runtimes ? &o->runtimes : NULL,
		.skips = o->skips, .nskips = o->nskips,
		.rounds = gmb_run_interleaved(o)
			? gmb_run_rounds(o, RUN_REPETITIONS) : 0,
	};
	if (path == NULL)
		return GMB_EXIT_FAIL;
	if (gmb_context_write(&r, path, err, sizeof err) != 0) {
		fprintf(stderr, "gomem-bench run: %s\n", err);
		return GMB_EXIT_FAIL;
	}
	return 0;
}

/* Every configuration once (gomem alone), or every round of an
 * interleaved run: round r runs each configuration's runtimes in the
 * list's order rotated by r.  0, or an exit status; *failed counts the
 * runs with a failing benchmark. */
static int run_all(const gmb_run_opts *o, run_plan *p, run_parts *rp,
		   int *failed)
{
	bool inter = gmb_run_interleaved(o);
	size_t rounds = inter ? gmb_run_rounds(o, RUN_REPETITIONS) : 1;
	gmb_runtime order[GMB_RT_COUNT];
	for (size_t r = 0; r < rounds; r++) {
		gmb_runtimes_rotate(&o->runtimes, r, order);
		if (inter)
			printf("%s=== round %zu of %zu ===\n", r ? "\n" : "",
			       r + 1, rounds);
		for (size_t i = 0; i < p->n; i++) {
			for (size_t k = 0; k < (inter ? o->runtimes.n : 1); k++) {
				int rc = !inter || order[k] == GMB_RT_GOMEM
					? run_config(o, p, i, inter ? (int)r : -1,
						     (int)rounds, rp)
					: run_peer_config(o, i, order[k], (int)r,
							  (int)rounds, p, rp);
				if (rc < 0)
					return -rc;
				*failed += rc == GMB_EXIT_FAIL;
			}
		}
	}
	return 0;
}

/* Steps 3-5; the exit status. */
static int run_execute(const gmb_run_opts *o, run_plan *p, int argc,
		       char **argv)
{
	run_parts rp = {.labels = calloc(p->n, sizeof *rp.labels)};
	int rc = rp.labels != NULL ? gmb_results_create() : GMB_EXIT_FAIL,
	    failed = 0;
	for (size_t i = 0; rc == 0 && i < p->n; i++)
		gmb_config_format(&p->configs[i], rp.labels[i],
				  sizeof rp.labels[i]);
	if (rc == 0)
		rc = run_all(o, p, &rp, &failed);
	if (rc == 0)
		rc = run_merge(o, p, &rp);
	if (rc == 0)
		rc = run_write_context(o, p, argc, argv);
	free(rp.part);
	free(rp.pauses);
	free(rp.labels);
	if (rc != 0) {
		gmb_results_abandon();
		return rc;
	}
	if (gmb_results_commit(failed == 0) != 0)
		return GMB_EXIT_FAIL;
	printf("\nresults written to %s\n", gmb_results_dir());
	if (failed > 0)
		fprintf(stderr, "gomem-bench run: %d run%s had a failing "
			"benchmark (see above)\n", failed, failed == 1 ? "" : "s");
	return failed > 0 ? GMB_EXIT_FAIL : GMB_EXIT_OK;
}

int gmb_cmd_run(int argc, char **argv)
{
	char *bench[argc + 2]; /* the user's flags and a sweep's filter */
	gmb_run_opts o = {.bench = bench};
	run_plan p = {0};

	int rc = run_parse(&o, argc, argv);
	if (rc != 0)
		return rc;
	if (o.help) {
		run_usage(stdout);
		return GMB_EXIT_OK;
	}
	if (o.child_config != NULL)
		return gmb_run_child(&o);
	gmb_context_date(p.date, sizeof p.date);
	if ((rc = run_plan_sweep_settings(&o)) == 0 &&
	    (rc = run_plan_configs(&o, &p)) == 0 &&
	    (rc = gmb_run_runtimes_plan(&o) ? GMB_EXIT_FAIL : 0) == 0 &&
	    (rc = run_plan_benchmarks(&o, &p)) == 0 &&
	    (rc = run_plan_topology(&o, &p)) == 0 &&
	    (rc = gmb_results_prepare(o.out, o.name, GMB_GIT_REVISION)) == 0)
		rc = run_execute(&o, &p, argc, argv);
	run_plan_free(&p);
	free(o.skips);
	gmb_shutdown();
	return rc;
}

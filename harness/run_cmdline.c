/*
 * run_cmdline.c — the command line of `gomem-bench run` (run.h): its
 * --help text and the parsing of its flags into gmb_run_opts.  What the
 * command does with them is run.c's.
 *
 * 1. Each argument goes to the first parser that knows it: --out /
 *    --name / --runtime, the settings lists (settings.h), --pin /
 *    --membind (topology.h), the internal --child-* flags a parent hands
 *    its children, the sweep's word with --workload, --rss-interval and
 *    --every-config-filter; then Google Benchmark's own --benchmark_*
 *    flags, passed through in order.  --benchmark_out,
 *    --benchmark_out_format and --benchmark_list_tests belong to the
 *    runner and are refused.
 * 2. Each value is checked as it is read, a flag given twice is refused,
 *    and so are flags that contradict each other (--out with --name, a
 *    sweep with --every-config-filter): exit status 2, the message naming
 *    the flag, the value and what is accepted.
 * 3. Defaults that depend on several flags are settled last (RSS
 *    sampling is on with a memory limit).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmd.h"
#include "harness/results.h"
#include "harness/rss.h"
#include "harness/run.h"
#include "harness/shim.h"

void gmb_run_usage(FILE *out)
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
		"  --idle-mark=LIST   off, on: gomem's idle mark workers, "
		"which Go always runs\n"
		"                     (default: $GOMEM_IDLE_MARK, else off; "
		"peers ignore it)\n"
		"  --runtime=LIST     " GMB_RUNTIMES_ACCEPTED "\n"
		"                     (default gomem): the same workloads on "
		"each, interleaved\n"
		"                     by repetition; a peer not built is "
		"skipped (README: Peers)\n"
		"  --rss-interval=MS  sample RSS, heap in use, heap goal and "
		"limit every MS ms\n"
		"                     into DIR/rss.csv (default %d with "
		"--memlimit, else 0: off)\n"
		"  --every-config-filter=REGEX\n"
		"                     with several configurations, only the "
		"benchmarks REGEX\n"
		"                     matches run under every one; the others "
		"run once, under\n"
		"                     the first, in a process of their own "
		"(their cycles go to\n"
		"                     DIR/cycles-once/).  REGEX: POSIX "
		"extended, searched in\n"
		"                     the names; a leading '-' selects the "
		"names it misses\n"
		"  --every-config-min-time=S\n"
		"                     --benchmark_min_time=S for that group "
		"alone (seconds, over 0):\n"
		"                     a collector workload needs longer runs "
		"to hold cycles\n\n"
		"placement (hwloc; gomem-bench topology --pin=POLICY shows "
		"it):\n"
		"  --pin=POLICY       " GMB_PIN_ACCEPTED " (default none)\n"
		"  --membind=POLICY   " GMB_MEMBIND_ACCEPTED " (default none)\n"
		"  -h, --help         this text\n\n"
		"Google Benchmark's flags pass through to every configuration, "
		"among them:\n"
		"  --benchmark_filter=<regex>          which benchmarks to run\n"
		"  --benchmark_repetitions=<n>         default " GMB_RUN_REPETITIONS
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
		unsigned long long t0;
		int end = 0;
		if (sscanf(v, "%u/%u:%zu:%zu:%llu%n", &o->child_config_no,
			   &o->child_configs, &o->child_before,
			   &o->child_after, &t0, &end) != 5 || v[end] != '\0')
			return -gmb_usage_error("run", "--%s=%s: not c/C:B:A:T",
						GMB_CHILD_PROGRESS, v);
		o->child_t0_ns = t0;
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

/* --every-config-filter: 1 or -(exit status). */
static int run_parse_every_config(gmb_run_opts *o, int argc, char **argv,
				  int *i)
{
	char err[600];
	const char *v = run_value(argc, argv, i, "every-config-filter");
	if (v == NULL)
		return -GMB_EXIT_USAGE;
	if (o->every_config != NULL)
		return -gmb_usage_error("run", "--every-config-filter is given "
					"twice (%s, then %s); give one "
					"expression", o->every_config, v);
	if (gmb_every_config_check(v, err, sizeof err) != 0)
		return -gmb_usage_error("run", "%s", err);
	o->every_config = v;
	return 1;
}

/* --every-config-min-time: 1 or -(exit status). */
static int run_parse_every_min_time(gmb_run_opts *o, int argc, char **argv,
				    int *i)
{
	const char *v = run_value(argc, argv, i, "every-config-min-time");
	if (v == NULL)
		return -GMB_EXIT_USAGE;
	char *end;
	errno = 0;
	double sec = strtod(v, &end);
	if (end == v || *end != '\0' || errno != 0 || !(sec > 0) || sec > 3600)
		return -gmb_usage_error("run", "--every-config-min-time=%s: "
					"seconds per repetition, a number "
					"over 0 and at most 3600 (e.g. 1 or "
					"0.5)", v);
	if (o->every_min_time[0] != '\0')
		return -gmb_usage_error("run", "--every-config-min-time is "
					"given twice; give one");
	snprintf(o->every_min_time, sizeof o->every_min_time,
		 "--benchmark_min_time=%s", v);
	return 1;
}

/* The sweep's word, --workload, --every-config-filter and --rss-interval:
 * 1, 0 (not one), or -(exit status). */
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
	if (gmb_flag_is(arg, "every-config-filter"))
		return run_parse_every_config(o, argc, argv, i);
	if (gmb_flag_is(arg, "every-config-min-time"))
		return run_parse_every_min_time(o, argc, argv, i);
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
			       "--procs, --threads, --idle-mark, --runtime, "
			       "--pin, --membind, "
			       "--rss-interval, --every-config-filter, "
			       "--every-config-min-time, --help "
			       "and Google Benchmark's "
			       "--benchmark_* flags (gomem-bench run --help "
			       "says more)",
			       arg[0] == '-' ? "flag" : "argument", arg);
}

int gmb_run_parse(gmb_run_opts *o, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		int rc = run_parse_one(o, argc, argv, &i);
		if (rc != 0)
			return rc;
	}
	if (o->out != NULL && o->name != NULL)
		return gmb_usage_error("run", "--out and --name both say where "
				       "to write; give one");
	if (o->every_config != NULL && o->sweep != GMB_SWEEP_NONE)
		return gmb_usage_error("run", "--every-config-filter=%s with "
				       "%s: a sweep runs its workload, and "
				       "nothing else, under every "
				       "configuration; give one of them",
				       o->every_config,
				       gmb_sweep_name(o->sweep));
	if (o->every_min_time[0] != '\0' && o->every_config == NULL)
		return gmb_usage_error("run", "--every-config-min-time applies "
				       "to the group of --every-config-filter, "
				       "which was not given");
	if (o->child_config == NULL && !o->have_rss_interval)
		o->rss_interval_ms = o->settings.nmemlimit > 0 ||
					     o->sweep == GMB_SWEEP_MEMLIMIT
				     ? GMB_RSS_INTERVAL_MS : 0;
	return 0;
}

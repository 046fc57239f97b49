/*
 * run.c — `gomem-bench run`: run the registered benchmarks under each
 * configuration of the settings given, each in a fresh process, and write
 * the results directory (results.h, results/README.md).
 *
 * 1. Parse the command line (run_cmdline.c).  With --child-config this
 *    process is a child and run_child.c takes over.
 * 2. Refuse early, before anything is written: expand the settings into
 *    configurations and resolve each against the environment (a malformed
 *    GOGC that no --gogc overrides is an error), check the flags with
 *    Google Benchmark, check that some benchmark matches the filter (and,
 *    with --every-config-filter, split the benchmarks into the group run
 *    under every configuration and the rest: sweep.c), and that the
 *    system can apply --pin / --membind.
 * 3. Check DIR (absent or empty), create the temporary directory.
 * 4. For each configuration, for each group of benchmarks it runs (all
 *    of them; or with a split, the rest and then the every-config group
 *    under the first configuration, the every-config group under the
 *    others): fork, exec this program as a child with --child-config=TEXT,
 *    the group's filter and its own JSON file, wait.  A child that exits
 *    1 had a failing benchmark (its results are kept, the run exits 1);
 *    any other failure stops the run and removes what it wrote.
 *    Each child also logs its collection cycles to cycles/<settings>.csv
 *    (the rest's to cycles-once/<settings>.csv; dropped when it had
 *    none), writes each benchmark's MMU curve and, when sampling is on,
 *    RSS samples to its own CSV parts, and prints a progress line to
 *    stderr as each benchmark instance finishes, counted over the whole
 *    run: the parent hands each child the number of instances before and
 *    after its own, and the run's start (run_child.c).
 * 5. Merge the children's JSON into bench.json and their CSV parts into
 *    mmu.csv and rss.csv (each row led by its configuration's index; the
 *    rest's parts are folded into the first configuration's), write
 *    context.json, rename the temporary directory to DIR, and point
 *    results/latest at it when every benchmark passed.
 * A sweep (`run gogc_sweep` / `run memlimit_sweep`, sweep.c) is such a
 * run with its settings list and its workload's filter decided first.
 * Exit status: 0; 1 when the run failed or a benchmark reported an
 * error; 2 for a bad command line or environment.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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

/* Which of a configuration's benchmarks one child runs. */
typedef enum run_group {
	RUN_GROUP_ALL,   /* every one --benchmark_filter selects */
	RUN_GROUP_ONCE,  /* --every-config-filter: the rest (first config) */
	RUN_GROUP_EVERY, /* --every-config-filter: the every-config group */
} run_group;

/* One run of the parent: the configurations and what became of them. */
typedef struct run_plan {
	gmb_config *configs;   /* resolved */
	size_t n;
	unsigned *lib_base;    /* per configuration: collector's first slot */
	int *status;           /* per configuration: its children's worst exit
				* status (0, then 1, or negative to stop) */
	unsigned registered_max; /* largest registered thread count */
	size_t ninstances;     /* benchmark instances to run */
	size_t per_config;     /* of them, as a child counts them (--threads) */
	const char *sweep_workload; /* a sweep's workload, else NULL */
	gmb_split split;       /* --every-config-filter's groups; every ==
				* NULL: no split, each child runs them all */
	size_t started;        /* instances of the children started so far */
	size_t total;          /* instances of the whole run */
	uint64_t t0_ns;        /* the run's start, CLOCK_MONOTONIC */
	const char *fold[2][2]; /* [mmu, rss] parts of configuration 0's
				 * [rest, every-config group] */
	char date[32];
	hwloc_topology_t topo;
} run_plan;

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

/* --every-config-filter's groups (with more than one configuration: with
 * one, its only child runs them all); the instances a child runs.  0 or
 * an exit status. */
static int run_plan_split(const gmb_run_opts *o, run_plan *p)
{
	char err[1024];
	bool any_threads = o->settings.nthreads > 0;
	p->per_config = gmb_sweep_count(p->sweep_workload, any_threads);
	if (o->every_config == NULL || p->n < 2)
		return 0;
	if (gmb_split_plan(o->every_config, any_threads, &p->split, err,
			   sizeof err) != 0)
		return gmb_usage_error("run", "%s", err);
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
	return run_plan_split(o, p);
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
	gmb_split_free(&p->split);
	if (p->topo != NULL)
		hwloc_topology_destroy(p->topo);
}

/* ---- the children ---------------------------------------------------------- */

/* The files of one child (run_add_files); a NULL file is not
 * written. */
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

/* One child's work: configuration i, the group g of its benchmarks,
 * round `round` (-1 outside an interleaved run) of `rounds`. */
typedef struct run_job {
	size_t i;
	run_group g;
	int round, rounds;
} run_job;

/* The instances group g runs, as a child counts them. */
static size_t run_group_size(const run_plan *p, run_group g)
{
	return g == RUN_GROUP_ONCE ? p->split.nonce
	     : g == RUN_GROUP_EVERY ? p->split.nevery : p->per_config;
}

/* The groups configuration i runs, in order, into g; how many. */
static size_t run_groups(const run_plan *p, size_t i, run_group g[2])
{
	size_t n = 0;
	if (p->split.every == NULL) {
		g[n++] = RUN_GROUP_ALL;
		return n;
	}
	if (i == 0 && p->split.once != NULL)
		g[n++] = RUN_GROUP_ONCE;
	g[n++] = RUN_GROUP_EVERY;
	return n;
}

/* o for group g: with a split, the group's filter after the Google
 * Benchmark flags (the last filter wins), and for the every-config group
 * its --every-config-min-time, in *copy, whose flags go to bench (room for
 * o->nbench + 2). */
static const gmb_run_opts *run_group_opts(const gmb_run_opts *o,
					  const run_plan *p, run_group g,
					  gmb_run_opts *copy, char **bench)
{
	char *filter = g == RUN_GROUP_ONCE ? p->split.once
		     : g == RUN_GROUP_EVERY ? p->split.every : NULL;
	if (filter == NULL)
		return o;
	*copy = *o;
	for (int k = 0; k < o->nbench; k++)
		bench[k] = o->bench[k];
	bench[o->nbench] = filter;
	copy->bench = bench;
	copy->nbench = o->nbench + 1;
	if (g == RUN_GROUP_EVERY && o->every_min_time[0] != '\0')
		bench[copy->nbench++] = (char *)o->every_min_time;
	return copy;
}

static uint64_t run_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Start this program on job j, writing its files f; its pid, or -1 after
 * a message. */
static pid_t run_spawn(const gmb_run_opts *go, const run_plan *p,
		       const run_job *j, const run_files *f)
{
	static char reps[] = "--benchmark_repetitions=" GMB_RUN_REPETITIONS;
	static char one[] = "--benchmark_repetitions=1";
	char cfg[GMB_CONFIG_TEXT_MAX + 32], out[4200], slots[48], pin[32],
		mem[32], prog[128], label[GMB_CONFIG_TEXT_MAX], csv[5][4400];
	char *bench[go->nbench + 2];
	gmb_run_opts copy;
	const gmb_run_opts *o = run_group_opts(go, p, j->g, &copy, bench);
	char *argv[o->nbench + 18];
	size_t i = j->i, size = run_group_size(p, j->g);
	int n = 0;

	gmb_config_format(&p->configs[i], label, sizeof label);
	snprintf(cfg, sizeof cfg, "--" GMB_CHILD_CONFIG "=%s", label);
	snprintf(out, sizeof out, "--" GMB_CHILD_OUT "=%s", f->json);
	snprintf(slots, sizeof slots, "--" GMB_CHILD_SLOTS "=%u", p->lib_base[i]);
	snprintf(pin, sizeof pin, "--pin=%s", gmb_pin_name(o->pin));
	snprintf(mem, sizeof mem, "--membind=%s", gmb_membind_name(o->membind));
	snprintf(prog, sizeof prog, "--" GMB_CHILD_PROGRESS "=%zu/%zu:%zu:%zu:"
		 "%llu", i + 1, p->n, p->started,
		 p->total > p->started + size ? p->total - p->started - size : 0,
		 (unsigned long long)p->t0_ns);
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
 * names, which plot uses as titles, say what differs.  The rest of a
 * split goes to cycles-once/, which plot leaves alone: the logs it draws
 * side by side then hold the same benchmarks. */
static void run_cycles_name(const gmb_run_opts *o, const gmb_config *c,
			    run_group g, char *buf, size_t n)
{
	const gmb_settings *s = &o->settings;
	gmb_config shown = *c;
	shown.set = (s->ngogc ? GMB_SET_GOGC : 0) |
		    (s->nmemlimit ? GMB_SET_MEMLIMIT : 0) |
		    (s->ncollector ? GMB_SET_COLLECTOR : 0) |
		    (s->nprocs ? GMB_SET_PROCS : 0) |
		    (s->nthreads ? GMB_SET_THREADS : 0) |
		    (s->nidle_mark ? GMB_SET_IDLE_MARK : 0);
	if (shown.set == 0)
		shown.set = GMB_SET_GOGC;
	char label[GMB_CONFIG_TEXT_MAX];
	gmb_config_format(&shown, label, sizeof label);
	snprintf(buf, n, "%s/%s.csv",
		 g == RUN_GROUP_ONCE ? "cycles-once" : "cycles", label);
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

/* Add job j's files to the results: its JSON, and in its first round its
 * cycle log and its CSV parts (named config-I.* for the every-config
 * group or all, config-I.once.* for the rest).  false after a message. */
static bool run_add_files(const gmb_run_opts *o, run_plan *p,
			  const run_job *j, char *cycles, size_t clen,
			  run_files *f)
{
	const char *sfx = j->g == RUN_GROUP_ONCE ? ".once" : "";
	char name[96];
	*f = (run_files){0};
	cycles[0] = '\0';
	if (j->round > 0) {
		snprintf(name, sizeof name, "config-%zu%s.r%d.json", j->i, sfx,
			 j->round);
		return (f->json = gmb_results_add(name)) != NULL;
	}
	snprintf(name, sizeof name, "config-%zu%s.json", j->i, sfx);
	run_cycles_name(o, &p->configs[j->i], j->g, cycles, clen);
	if ((f->json = gmb_results_add(name)) == NULL ||
	    (f->cycles = gmb_results_add(cycles)) == NULL)
		return false;
	snprintf(name, sizeof name, "config-%zu%s.mmu.csv", j->i, sfx);
	if ((f->mmu = gmb_results_add(name)) == NULL)
		return false;
	snprintf(name, sizeof name, "config-%zu%s.pauses.csv", j->i, sfx);
	if ((f->pauses = gmb_results_add(name)) == NULL)
		return false;
	snprintf(name, sizeof name, "config-%zu%s.rss.csv", j->i, sfx);
	if (o->rss_interval_ms > 0 && (f->rss = gmb_results_add(name)) == NULL)
		return false;
	if (j->g != RUN_GROUP_ALL && j->i == 0) { /* run_fold's */
		p->fold[0][j->g == RUN_GROUP_EVERY] = f->mmu;
		p->fold[1][j->g == RUN_GROUP_EVERY] = f->rss;
	}
	return true;
}

/* Run gomem on job j; 0 or 1 (see run_judge), or -(exit status). */
static int run_config(const gmb_run_opts *o, run_plan *p, const run_job *j,
		      run_parts *rp)
{
	static const char *const what[] = {
		[RUN_GROUP_ALL] = "",
		[RUN_GROUP_ONCE] = ", the benchmarks run under it alone",
		[RUN_GROUP_EVERY] = ", the benchmarks run under every one",
	};
	char cycles[GMB_CONFIG_TEXT_MAX + 16];
	size_t i = j->i;
	run_files f;
	if (!run_add_files(o, p, j, cycles, sizeof cycles, &f))
		return -GMB_EXIT_FAIL;
	run_part_add(rp, &(gmb_results_part){f.json, (int)i, rp->labels[i],
					     "gomem", j->round, j->rounds},
		     f.pauses);
	if (p->n > 1 || j->round >= 0)
		printf("%s== configuration %zu of %zu: %s%s%s ==\n",
		       p->started > 0 ? "\n" : "", i + 1, p->n, rp->labels[i],
		       j->round >= 0 ? ", gomem" : "", what[j->g]);
	pid_t pid = run_spawn(o, p, j, &f);
	if (pid < 0)
		return -GMB_EXIT_FAIL;
	p->started += run_group_size(p, j->g);
	int st = run_judge(p, i, run_wait(pid));
	if (st < 0 || p->status[i] == 0)
		p->status[i] = st;
	if (f.cycles != NULL && !gmb_cycles_any(f.cycles)) /* no cycle: no log */
		gmb_results_drop(cycles);
	return st;
}

/* The name of peer `rtn`'s file for configuration `cfg` in job j: its
 * JSON of this round, or (pauses) its pause list. */
static void run_peer_name(char *buf, size_t len, const char *rtn, size_t cfg,
			  const run_job *j, bool pauses)
{
	const char *sfx = j->g == RUN_GROUP_ONCE ? ".once" : "";
	if (pauses)
		snprintf(buf, len, "peer-%s-%zu%s.pauses.csv", rtn, cfg, sfx);
	else
		snprintf(buf, len, "peer-%s-%zu%s.r%d.json", rtn, cfg, sfx, j->round);
}

/* Peer `rtn` on job j, whose configuration differs from the earlier
 * `twin` only in gomem's own settings: twin's run, filed under j's
 * configuration too.  0, or -(exit status). */
static int run_peer_twin(const char *rtn, size_t twin, const run_job *j,
			 const char *json, const char *pauses,
			 const run_parts *rp)
{
	const char *slash = strrchr(json, '/');
	int dir = (int)(slash - json);
	char name[128], from_json[PATH_MAX + 160], from_pauses[PATH_MAX + 160];
	run_peer_name(name, sizeof name, rtn, twin, j, false);
	snprintf(from_json, sizeof from_json, "%.*s/%s", dir, json, name);
	run_peer_name(name, sizeof name, rtn, twin, j, true);
	snprintf(from_pauses, sizeof from_pauses, "%.*s/%s", dir, json, name);
	if (j->round <= 0)
		printf("\n-- %s, configuration %s: configuration %zu's run (it "
		       "differs only in gomem's collector or idle_mark) --\n",
		       rtn, rp->labels[j->i], twin + 1);
	return gmb_run_peer_share(from_json, json, pauses ? from_pauses : NULL,
				  pauses) ? -GMB_EXIT_FAIL : 0;
}

/* Run peer rt on job j (of an interleaved run); 0, or 1 when a benchmark
 * of it failed (a peer that failed outright is left out). */
static int run_peer_config(const gmb_run_opts *go, const run_plan *p,
			   gmb_runtime rt, const run_job *j, run_parts *rp)
{
	char name[128], *bench[go->nbench + 2];
	gmb_run_opts copy;
	const gmb_run_opts *o = run_group_opts(go, p, j->g, &copy, bench);
	const char *rtn = gmb_runtime_get(rt)->name, *json, *pauses = NULL;
	run_peer_name(name, sizeof name, rtn, j->i, j, false);
	if ((json = gmb_results_add(name)) == NULL)
		return -GMB_EXIT_FAIL;
	run_peer_name(name, sizeof name, rtn, j->i, j, true);
	if (j->round == 0 && (pauses = gmb_results_add(name)) == NULL)
		return -GMB_EXIT_FAIL;
	run_part_add(rp, &(gmb_results_part){json, (int)j->i, rp->labels[j->i],
					     rtn, j->round, j->rounds},
		     pauses);
	size_t twin = gmb_config_peer_twin(p->configs, j->i);
	if (twin != j->i)
		return run_peer_twin(rtn, twin, j, json, pauses, rp);
	int rc = gmb_run_peer(o, &p->configs[j->i], rt, rp->labels[j->i],
			      json, pauses);
	struct stat sb;
	if (rc >= 0 && stat(json, &sb) == 0 && sb.st_size == 0) {
		/* Google Benchmark matched nothing and wrote nothing: the
		 * peer has none of these benchmarks (the malloc peers run
		 * only alloc_*).  Missing, the part is left out. */
		unlink(json);
		if (j->round <= 0)
			fprintf(stderr, "gomem-bench run: %s has none of the "
				"benchmarks of configuration %s%s; nothing "
				"of it is kept\n", rtn, rp->labels[j->i],
				j->g == RUN_GROUP_ONCE ? " run under it alone"
				: j->g == RUN_GROUP_EVERY
					? " run under every configuration" : "");
	}
	return rc == 1 ? GMB_EXIT_FAIL : 0;
}

/* ---- writing the results ------------------------------------------------- */

/* Append the part `from` (missing: empty) to `to`, then drop it.  0 or
 * 1 after a message. */
static int run_fold_part(const char *from, const char *to)
{
	char buf[1 << 16];
	size_t k;
	int rc = 0;
	FILE *in = fopen(from, "r"), *out = in != NULL ? fopen(to, "a") : NULL;
	if (in != NULL && out == NULL)
		rc = GMB_EXIT_FAIL;
	while (out != NULL && (k = fread(buf, 1, sizeof buf, in)) > 0)
		if (fwrite(buf, 1, k, out) != k)
			rc = GMB_EXIT_FAIL;
	if (in != NULL && ferror(in))
		rc = GMB_EXIT_FAIL;
	if (out != NULL && fclose(out) != 0)
		rc = GMB_EXIT_FAIL;
	if (in != NULL)
		fclose(in);
	if (rc != 0)
		fprintf(stderr, "gomem-bench run: cannot add %s to %s: %s\n",
			from, to, strerror(errno));
	gmb_results_drop(strrchr(from, '/') + 1);
	return rc;
}

/* With a split, the rest's MMU and RSS parts go into configuration 0's
 * (whose index leads their rows in mmu.csv and rss.csv).  0 or 1. */
static int run_fold(const run_plan *p)
{
	int rc = 0;
	for (size_t kind = 0; kind < 2; kind++)
		if (p->fold[kind][0] != NULL && p->fold[kind][1] != NULL)
			rc |= run_fold_part(p->fold[kind][0], p->fold[kind][1]);
	return rc;
}

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
	if (run_fold(p) != 0)
		return GMB_EXIT_FAIL;
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
			? gmb_run_rounds(o, GMB_RUN_REPETITIONS) : 0,
	};
	if (path == NULL)
		return GMB_EXIT_FAIL;
	if (gmb_context_write(&r, path, err, sizeof err) != 0) {
		fprintf(stderr, "gomem-bench run: %s\n", err);
		return GMB_EXIT_FAIL;
	}
	return 0;
}

/* Configuration i in round r (-1 outside an interleaved run) of
 * `rounds`: each runtime of `order` (gomem alone when not interleaved)
 * on each group of its benchmarks.  0, or an exit status; *failed counts
 * the runs with a failing benchmark. */
static int run_one_config(const gmb_run_opts *o, run_plan *p, size_t i,
			  int r, int rounds, const gmb_runtime *order,
			  run_parts *rp, int *failed)
{
	run_group g[2];
	size_t ng = run_groups(p, i, g);
	for (size_t k = 0; k < (r >= 0 ? o->runtimes.n : 1); k++) {
		for (size_t n = 0; n < ng; n++) {
			run_job j = {.i = i, .g = g[n], .round = r,
				     .rounds = rounds};
			int rc = r < 0 || order[k] == GMB_RT_GOMEM
				? run_config(o, p, &j, rp)
				: run_peer_config(o, p, order[k], &j, rp);
			if (rc < 0)
				return -rc;
			*failed += rc == GMB_EXIT_FAIL;
		}
	}
	return 0;
}

/* Every configuration once (gomem alone), or every round of an
 * interleaved run: round r runs each configuration's runtimes in the
 * list's order rotated by r.  0, or an exit status. */
static int run_all(const gmb_run_opts *o, run_plan *p, run_parts *rp,
		   int *failed)
{
	bool inter = gmb_run_interleaved(o);
	size_t rounds = inter ? gmb_run_rounds(o, GMB_RUN_REPETITIONS) : 1;
	gmb_runtime order[GMB_RT_COUNT];
	run_group g[2];
	for (size_t i = 0; i < p->n; i++) /* the progress lines' N */
		for (size_t n = 0, ng = run_groups(p, i, g); n < ng; n++)
			p->total += rounds * run_group_size(p, g[n]);
	p->t0_ns = run_now_ns();
	for (size_t r = 0; r < rounds; r++) {
		gmb_runtimes_rotate(&o->runtimes, r, order);
		if (inter)
			printf("%s=== round %zu of %zu ===\n", r ? "\n" : "",
			       r + 1, rounds);
		for (size_t i = 0; i < p->n; i++) {
			int rc = run_one_config(o, p, i, inter ? (int)r : -1,
						(int)rounds, order, rp, failed);
			if (rc != 0)
				return rc;
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

	int rc = gmb_run_parse(&o, argc, argv);
	if (rc != 0)
		return rc;
	if (o.help) {
		gmb_run_usage(stdout);
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

/*
 * run.h — the options of `gomem-bench run`, shared by its parts:
 * run_cmdline.c (the command line: --help and parsing), run.c (the
 * command: expand the settings, run each configuration in a child
 * process, merge, write the results), run_child.c (one configuration, in
 * a fresh process), run_peers.c (the peers of --runtime) and sweep.c
 * (which benchmarks each configuration runs: the sweeps and
 * --every-config-filter).
 */
#ifndef GOMEM_HARNESS_RUN_H
#define GOMEM_HARNESS_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/peers.h"
#include "harness/settings.h"
#include "harness/topology.h"

/* Internal flags: the parent passes them to each child; a person never
 * needs them (run --help does not list them). */
#define GMB_CHILD_CONFIG "child-config" /* the configuration's text */
#define GMB_CHILD_OUT "child-out"       /* where its JSON goes */
#define GMB_CHILD_SLOTS "child-slots"   /* the collector's first slot */
#define GMB_CHILD_CYCLES "child-cycles" /* where its per-cycle CSV goes */
/* "c/C:B:A:T": configuration c of C; B benchmark instances of the run
 * come before this child's, A after them; the run started at T ns on
 * CLOCK_MONOTONIC (which every process of the machine shares). */
#define GMB_CHILD_PROGRESS "child-progress"
#define GMB_CHILD_MMU "child-mmu"       /* where its MMU curves go */
#define GMB_CHILD_RSS "child-rss"       /* where its RSS samples go */
#define GMB_CHILD_PAUSES "child-pauses" /* where its pauses go */

/* 5 repetitions: enough for a median that one noisy repetition cannot
 * move, few enough to keep a full run around a minute. */
#define GMB_RUN_REPETITIONS "5"

/* The results files the children's parts are merged into (results.h). */
#define GMB_RESULTS_MMU "mmu.csv"
#define GMB_RESULTS_RSS "rss.csv"
#define GMB_RESULTS_PAUSES "pauses.csv"
#define GMB_PAUSES_HEADER "runtime,config,benchmark,pause_ns"
#define GMB_MMU_HEADER "config,benchmark,window_s,mmu"
#define GMB_RSS_HEADER "config,benchmark,time_s,rss_bytes,heap_inuse," \
	"heap_goal,memory_limit,gc_cpu_interval,cpu_limited"

/* The sweeps: `gomem-bench run gogc_sweep|memlimit_sweep [--workload=W]`
 * runs one workload (default GMB_SWEEP_WORKLOAD) across a settings list
 * (the one given, else the default below), one configuration (a fresh
 * process) per value. */
typedef enum gmb_sweep {
	GMB_SWEEP_NONE,
	GMB_SWEEP_GOGC,
	GMB_SWEEP_MEMLIMIT,
} gmb_sweep;
#define GMB_SWEEP_WORKLOAD "steady_heap"
/* The list. */
#define GMB_SWEEP_GOGC_DEFAULT "25,50,100,200,400,800,off"
/* Around steady_heap's 64 MiB live heap: from no limit down to 1.5x the
 * live heap, where the limit binds below GOGC=100's goal (2x). */
#define GMB_SWEEP_MEMLIMIT_DEFAULT "off,512MiB,256MiB,192MiB,128MiB,96MiB"

typedef struct gmb_run_opts {
	const char *out;      /* --out DIR */
	const char *name;     /* --name NAME: results/NAME */
	bool help;
	char **bench;         /* flags for Google Benchmark, in order */
	int nbench;
	bool have_repetitions;
	gmb_settings settings;
	gmb_pin pin;
	gmb_membind membind;
	bool have_pin, have_membind;
	gmb_sweep sweep;
	const char *workload;     /* --workload: the sweep's */
	unsigned rss_interval_ms; /* 0: no RSS sampling */
	bool have_rss_interval;
	const char *every_config; /* --every-config-filter, or NULL */
	/* --every-config-min-time=S: "--benchmark_min_time=S" for the
	 * every-config group only, after the user's flags; "" when not given */
	char every_min_time[48];
	gmb_runtime_list runtimes; /* --runtime, resolved: those that run */
	bool have_runtimes;
	char (*skips)[GMB_SKIP_LEN]; /* the peers skipped, a line each */
	size_t nskips;
	/* in a child */
	const char *child_config; /* non-NULL: this process is a child */
	const char *child_out;
	const char *child_cycles; /* NULL: no per-cycle log */
	const char *child_mmu;    /* NULL: no MMU curves */
	const char *child_rss;    /* NULL: no RSS sampling */
	const char *child_pauses; /* NULL: no pause list */
	unsigned child_slots;
	unsigned child_config_no, child_configs; /* for progress; 0: unknown */
	size_t child_before, child_after; /* the run's instances around it */
	uint64_t child_t0_ns;     /* the run's start, CLOCK_MONOTONIC */
} gmb_run_opts;

/* ---- the command line (run_cmdline.c) ------------------------------------ */

/* Parse run's argv (argv[0] = "run") into o, whose `bench` has room for
 * argc + 2 flags.  0, or an exit status after a message (2: a flag that
 * is unknown, malformed, given twice, or that contradicts another).
 * Values are checked here as far as they can be without the benchmarks:
 * --every-config-filter must compile. */
int gmb_run_parse(gmb_run_opts *o, int argc, char **argv);
/* run --help. */
void gmb_run_usage(FILE *out);

/* One progress line, as a child prints it when a benchmark instance
 * finishes: "[config c/C] [i/N] NAME … ETA m:ss\n" ("[config c/C] " only
 * when nconfigs > 1), where i = `done` instances of the whole run are
 * finished of `total`, and the ETA is the time left at the mean time per
 * finished instance so far (`elapsed_s` since the run started). */
void gmb_run_progress_format(char *buf, size_t len, unsigned config,
			     unsigned nconfigs, size_t done, size_t total,
			     double elapsed_s, const char *name);

/* Run the configuration o->child_config; the exit status: 0, 1 when a
 * benchmark failed (its JSON is still written), 2 for a configuration
 * gomem refuses. */
int gmb_run_child(const gmb_run_opts *o);

/* "gogc_sweep" / "memlimit_sweep" into *out: 0, or -1 for another word. */
int gmb_sweep_parse(const char *word, gmb_sweep *out);
const char *gmb_sweep_name(gmb_sweep s); /* NULL for GMB_SWEEP_NONE */

/* The sweep's settings and filter, before planning: the default list of
 * its setting when none was given (0, or -1 with a message in err: a
 * --workload without a sweep);
 * then, with the benchmarks registered and Google Benchmark's flags in
 * force, gmb_sweep_filter builds the filter that keeps the instances of
 * `workload` among those the user's filter matched, "^(A|B)$" over their
 * names, into buf; with any_threads (--threads renames the instances)
 * "^(A|B)(/threads:[0-9]+)?$" over their names without "/threads:N".  0,
 * or -1 when none matched or buf is too small. */
int gmb_sweep_settings(gmb_run_opts *o, char *err, size_t errlen);
int gmb_sweep_filter(const char *workload, bool any_threads, char *buf,
		     size_t len);
/* How many instances each configuration runs: those of `workload` (NULL:
 * every workload) that the filter in force matches, with any_threads
 * counted without "/threads:N" (--threads gives each family one count). */
size_t gmb_sweep_count(const char *workload, bool any_threads);

/* --every-config-filter=REGEX: with several configurations, only the
 * benchmarks REGEX matches run under every configuration; the others that
 * --benchmark_filter selects run once, under the first configuration, in
 * a process of their own (so that what runs under every configuration
 * runs alike under each, in a fresh process, and its cycle logs compare
 * like with like).  REGEX is a POSIX extended regular expression searched
 * in each name as `gomem-bench list` shows it; a leading '-' selects the
 * names it does not match, as --benchmark_filter's does. */
#define GMB_EVERY_CONFIG_ACCEPTED "a POSIX extended regular expression " \
	"over the benchmark names (gomem-bench list shows them), with a " \
	"leading '-' for the names it does not match"
/* 0 when REGEX compiles, else -1 with a message naming the flag, the
 * value and what is accepted. */
int gmb_every_config_check(const char *regex, char *err, size_t errlen);
/* The two groups, from the instances the filter in force matches. */
typedef struct gmb_split {
	char *every;   /* "--benchmark_filter=^(...)$" of the every-config
			* group (malloc'd) */
	char *once;    /* of the rest; NULL when there is no rest */
	size_t nevery, nonce; /* their instances (counted as gmb_sweep_count) */
} gmb_split;
/* Split by REGEX; 0, or -1 with a message when REGEX matches none of the
 * instances.  gmb_split_free releases the filters. */
int gmb_split_plan(const char *regex, bool any_threads, gmb_split *s,
		   char *err, size_t errlen);
void gmb_split_free(gmb_split *s);

/* ---- the peers (run_peers.c) ------------------------------------------ */

#include "harness/results.h"

/* Resolve o->runtimes against the peers built beside gomem-bench, noting
 * the skipped ones in o->skips (and on stderr).  0, or -1 out of memory. */
int gmb_run_runtimes_plan(gmb_run_opts *o);
/* Whether the run interleaves runtimes (--runtime names a peer). */
bool gmb_run_interleaved(const gmb_run_opts *o);
/* The rounds of an interleaved run: the last --benchmark_repetitions, else
 * `dflt`. */
size_t gmb_run_rounds(const gmb_run_opts *o, const char *dflt);
/* Run peer rt under configuration c (labelled `label`), writing its JSON
 * to `json` and its pauses to `pauses` (NULL: none).  0, 1 (a benchmark
 * failed), or -1 (the peer failed: said, its part removed). */
int gmb_run_peer(const gmb_run_opts *o, const gmb_config *c, gmb_runtime rt,
		 const char *label, const char *json, const char *pauses);
/* Instead of a second run of a peer under a configuration that differs
 * from an earlier one only in gomem's own settings (collector, idle_mark;
 * gmb_config_peer_twin): that run's JSON `from_json` and pauses
 * `from_pauses` become this configuration's `json` and `pauses` too
 * (hard links; a missing file, a peer that failed or matched nothing,
 * stays missing).  0, or -1 after a message. */
int gmb_run_peer_share(const char *from_json, const char *json,
		       const char *from_pauses, const char *pauses);
/* Write `out` (pauses.csv) from the pause parts pauses[i] of parts[i]
 * (NULL or missing: none).  1 when it has rows, 0 when not, -1 on
 * error. */
int gmb_run_merge_pauses(const gmb_results_part *parts,
			 const char *const *pauses, size_t n, const char *out);

#endif /* GOMEM_HARNESS_RUN_H */

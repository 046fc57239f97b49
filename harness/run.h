/*
 * run.h — the options of `gomem-bench run`, shared by its two halves:
 * run.c (the command: parse, expand the settings, run each configuration
 * in a child process, merge, write the results) and run_child.c (one
 * configuration, in a fresh process).
 */
#ifndef GOMEM_HARNESS_RUN_H
#define GOMEM_HARNESS_RUN_H

#include <stdbool.h>

#include "harness/peers.h"
#include "harness/settings.h"
#include "harness/topology.h"

/* Internal flags: the parent passes them to each child; a person never
 * needs them (run --help does not list them). */
#define GMB_CHILD_CONFIG "child-config" /* the configuration's text */
#define GMB_CHILD_OUT "child-out"       /* where its JSON goes */
#define GMB_CHILD_SLOTS "child-slots"   /* the collector's first slot */
#define GMB_CHILD_CYCLES "child-cycles" /* where its per-cycle CSV goes */
#define GMB_CHILD_PROGRESS "child-progress" /* "c/C": configuration c of C */
#define GMB_CHILD_MMU "child-mmu"       /* where its MMU curves go */
#define GMB_CHILD_RSS "child-rss"       /* where its RSS samples go */
#define GMB_CHILD_PAUSES "child-pauses" /* where its pauses go */

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
} gmb_run_opts;

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
/* Write `out` (pauses.csv) from the pause parts pauses[i] of parts[i]
 * (NULL or missing: none).  1 when it has rows, 0 when not, -1 on
 * error. */
int gmb_run_merge_pauses(const gmb_results_part *parts,
			 const char *const *pauses, size_t n, const char *out);

#endif /* GOMEM_HARNESS_RUN_H */

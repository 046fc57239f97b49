/*
 * results.h — the results directory of one run: writing it, and reading it
 * back (for compare, report and plot).
 *
 * Layout (results/README.md is the reference):
 *
 *   results/<name>/         default name: <YYYYmmdd-HHMMSS>-<git revision>, UTC
 *     bench.json            Google Benchmark JSON: every configuration's
 *                           benchmarks in one "benchmarks" array, each
 *                           entry carrying its configuration in the fields
 *                           "gomem_config" (index) and "gomem_config_label"
 *     context.json          machine, build, settings, configurations and
 *                           placement (schema_version 1)
 *     cycles/<label>.csv    one line per collection cycle of a
 *                           configuration (cycles.h), when it had any
 *     mmu.csv               config,benchmark,window_s,mmu: each benchmark
 *                           instance's MMU curve (its last repetition;
 *                           gccounters.h), when any benchmark had one
 *     rss.csv               config,benchmark,time_s,rss_bytes,heap_inuse,
 *                           heap_goal,memory_limit,gc_cpu_interval,
 *                           cpu_limited: RSS, heap, GC CPU and the CPU
 *                           limiter sampled over time (rss.h), when
 *                           sampling was on
 *   results/latest          symlink to the newest successful run written
 *                           under results/ (every benchmark passed)
 *
 * Writing: a run works in a temporary directory next to its final one
 * (results/.<name>.partial-<pid>) and renames it into place only when
 * everything succeeded, so an interrupted or failed run never damages an
 * earlier one and never leaves half a directory under a real name.  An
 * exit, a fatal error or a terminating signal removes the temporary
 * directory (and stops the child process of the configuration running).
 *
 * Reading: gmb_results_load fills a gmb_results_data from a directory;
 * readers ignore fields they do not know (STYLE.md, Harness).
 */
#ifndef GOMEM_HARNESS_RESULTS_H
#define GOMEM_HARNESS_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

/* Version of context.json and of the gomem_* fields of bench.json.  A
 * reader accepts every version up to this one. */
#define GMB_RESULTS_SCHEMA_VERSION 1

#define GMB_RESULTS_BENCH "bench.json"
#define GMB_RESULTS_CONTEXT "context.json"

/* ---- writing ------------------------------------------------------------ */

/* Choose DIR and check it: `out` (--out DIR) when not NULL, else
 * results/`name` (--name), else results/<UTC date-time>-<revision>.  DIR
 * must not exist, or be an empty directory.  Nothing is created yet.
 * Returns 0, or an exit status (2: DIR is in use or the name is bad; 1: it
 * cannot be checked) after a message naming the path. */
int gmb_results_prepare(const char *out, const char *name,
			const char *revision);
/* The final directory (valid after prepare). */
const char *gmb_results_dir(void);

/* Create the temporary directory and arm the cleanup.  0, or 1 after a
 * message. */
int gmb_results_create(void);
/* Where to write the file `name` (e.g. "bench.json", "config-3.json",
 * or "cycles/gogc=50.csv": one subdirectory level, made here) inside the
 * temporary directory; NULL after a message when the name is malformed
 * or too long, or too many files were added.  A subdirectory left empty
 * is removed at the commit.  The path stays valid until
 * gmb_results_commit or gmb_results_abandon. */
const char *gmb_results_add(const char *name);
/* Forget a file added earlier and remove it from the temporary directory
 * (intermediate files that are not part of the results). */
void gmb_results_drop(const char *name);
/* The final path of the file `name`, DIR/name (valid after prepare; the
 * string is overwritten by the next call). */
const char *gmb_results_final(const char *name);

/* The child process running now (0: none); a terminating signal is
 * passed on to it before the cleanup. */
void gmb_results_set_child(pid_t pid);

/* Rename the temporary directory to DIR; then, when `latest` is true
 * (the run fully succeeded) and DIR is directly under results/, point
 * results/latest at it.  0, or 1 after a message; when the rename itself
 * fails (DIR was filled by someone else meanwhile), the finished results
 * are kept in the temporary directory, which the message names. */
int gmb_results_commit(bool latest);
/* Remove the temporary directory and what this run put in it. */
void gmb_results_abandon(void);

/* ---- merging ------------------------------------------------------------ */

/* Merge the Google Benchmark JSON files parts[0 .. n-1] (configuration i
 * wrote parts[i]; its label is labels[i]) into one bench.json at `out`:
 * every entry of every "benchmarks" array, in order, with the fields
 * "gomem_config" (i) and "gomem_config_label" (labels[i]) added; the
 * top-level "context" of parts[0] without its per-configuration keys; and
 * "gomem_configs": [{"index", "label", "context"}] with each part's whole
 * context.  Google Benchmark's bare NaN and Infinity (not JSON) become
 * null.  0, or -1 with a message in err naming the file and what is
 * wrong with it. */
int gmb_results_merge(const char *const *parts, const char *const *labels,
		      size_t n, const char *out, char *err, size_t errlen);

/* One part of an interleaved run (run --runtime): a Google Benchmark JSON
 * file written by gomem's child or a peer for configuration `config`. */
typedef struct gmb_results_part {
	const char *path;
	int config;            /* its configuration's index */
	const char *label;     /* the configuration's label */
	const char *runtime;   /* "gomem", "go", ... (peers.h) */
	int round;             /* its repetition in an interleaved run, or -1
				* (its entries keep their own repetitions) */
	int rounds;            /* how many rounds the run had */
} gmb_results_part;
/* gmb_results_merge for parts from several runtimes and rounds: every
 * entry gets "gomem_config", "gomem_config_label" and "gomem_runtime";
 * in a part with round >= 0 also "repetition_index" = round and
 * "repetitions" = rounds.  "gomem_configs" lists the first gomem part of
 * each configuration (else its first part), "gomem_peers" every peer
 * part's context ({"config", "runtime", "round", "context"}).  A peer part
 * whose file is missing is left out (the runner said why).  0, or -1 with
 * a message. */
int gmb_results_merge_runs(const gmb_results_part *parts, size_t n,
			   const char *out, char *err, size_t errlen);
/* Concatenate the CSV parts parts[0 .. n-1] (lines without a header;
 * a NULL or missing part has none) into `out`: the line `header`, then
 * every line of part i led by "i,".  Returns the number of rows written,
 * or -1 with a message in err naming the file. */
long gmb_results_merge_csv(const char *const *parts, size_t n,
			   const char *header, const char *out, char *err,
			   size_t errlen);

/* In the temporary directory: merge the parts config-0.KIND.csv ..
 * config-(n-1).KIND.csv (files added for n configurations) into the
 * results file `file` with gmb_results_merge_csv, then drop the parts;
 * `file` is dropped too when no part had a row.  0, or -1 after a
 * message. */
int gmb_results_merge_parts(size_t n, const char *kind, const char *file,
			    const char *header);

/* Write `root` as indented JSON to `path`; 0, or -1 with a message. */
int gmb_json_write(json_t *root, const char *path, char *err, size_t errlen);

/* ---- reading ------------------------------------------------------------ */

/* One configuration of a run: context.json's "configs"[i]. */
typedef struct gmb_results_config {
	int index;               /* the benchmarks' "gomem_config" */
	const char *label;       /* "gogc=50,memlimit=off,collector=hybrid,
				  * procs=0,threads=all": every setting, in
				  * this order, then ",idle_mark=on" when
				  * on; equal labels, equal settings */
	int gogc;                /* percent, or -1 (GM_GOGC_OFF) */
	int64_t memory_limit;    /* bytes, or INT64_MAX (GM_MEMLIMIT_OFF) */
	const char *collector;   /* "hybrid", "stw", "dijkstra", "yuasa" */
	int procs;               /* 0: online CPUs */
	int threads;             /* 0: the thread counts workloads register */
	bool idle_mark;          /* gomem's idle mark workers; false when
				  * context.json predates the setting */
} gmb_results_config;

/* A user counter of a benchmark entry (items_per_second, ...). */
typedef struct gmb_results_counter {
	const char *name;
	double value;            /* NaN when Google Benchmark wrote NaN */
} gmb_results_counter;

/* One entry of bench.json's "benchmarks": a repetition or an aggregate. */
typedef struct gmb_results_bench {
	const char *name;        /* "alloc_tiny/gomem/8/threads:1_median" */
	const char *run_name;    /* "alloc_tiny/gomem/8/threads:1" */
	bool aggregate;          /* run_type "aggregate" (else "iteration") */
	const char *aggregate_name; /* "" for a repetition; "mean",
				  * "median", "stddev", "cv" */
	bool is_time;            /* false for a ratio aggregate ("cv") */
	int config;              /* index into gmb_results_data.configs */
	int threads;
	int64_t repetitions;
	int64_t repetition_index; /* -1 for aggregates */
	int64_t iterations;
	double real_ns;          /* per iteration, from real_time and
				  * time_unit (for "cv": the ratio itself) */
	double cpu_ns;
	bool error;
	const char *error_message; /* "" unless error */
	gmb_results_counter *counters;
	size_t ncounters;
} gmb_results_bench;

/* A results directory read back.  Strings point into the JSON documents
 * it holds, and live as long as it. */
typedef struct gmb_results_data {
	char *dir;
	int schema_version;
	/* context.json, the fields most readers want */
	const char *date;        /* ISO 8601, UTC, when the run started */
	const char *git_revision;
	const char *build_type;
	const char *compiler;
	const char *cpu_model;
	int packages, numa_nodes, cores, pus;
	const char *pin;         /* "none", "compact", "scatter", "numa" */
	const char *membind;     /* "none", "local", "interleave" */
	gmb_results_config *configs;
	size_t nconfigs;
	/* bench.json */
	gmb_results_bench *benches;
	size_t nbenches;
	/* Both documents whole, for anything else (owned here, released by
	 * gmb_results_free). */
	json_t *context_json;
	json_t *bench_json;
} gmb_results_data;

/* Read DIR/context.json and DIR/bench.json into *d.  Returns 0, or -1 with
 * a message in err (of errlen bytes) naming the file and what is wrong
 * with it: missing, unreadable, not JSON or truncated (with line and
 * column), a required field missing or of the wrong type (with its path,
 * e.g. "benchmarks[3].real_time"), a schema_version newer than this
 * reader, or a benchmark naming a configuration that does not exist.  *d
 * is then empty (nothing to free, though freeing is harmless). */
int gmb_results_load(const char *dir, gmb_results_data *d, char *err,
		     size_t errlen);
void gmb_results_free(gmb_results_data *d);

/* The entry with this run_name, configuration and aggregate ("" for a
 * single repetition: the first one), or NULL. */
const gmb_results_bench *gmb_results_find(const gmb_results_data *d,
					  const char *run_name, int config,
					  const char *aggregate);
/* The configuration with this label, or NULL (to pair the configurations
 * of two runs). */
const gmb_results_config *gmb_results_config_by_label(
	const gmb_results_data *d, const char *label);

#endif /* GOMEM_HARNESS_RESULTS_H */

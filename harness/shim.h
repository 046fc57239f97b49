/*
 * shim.h — a C interface to Google Benchmark (1.7.x), prefix gmb_.
 *
 * The only C++ in gomem lives behind this header (shim.cc).  It mirrors the
 * C++ API one to one, so Google Benchmark's documentation applies:
 *
 *   C                                   C++
 *   gmb_register(name, fn, arg, &opts)  benchmark::RegisterBenchmark(...)
 *   opts.args / gmb_bench_args()        ->Arg(x) / ->Args({...})
 *   opts.threads                        ->Threads(n)
 *   opts.repetitions, min_time          ->Repetitions(n), ->MinTime(s)
 *   opts.manual_time, unit              ->UseManualTime(), ->Unit(u)
 *   while (gmb_keep_running(st))        for (auto _ : state)
 *   gmb_keep_running_batch(st, n)       state.KeepRunningBatch(n)
 *   gmb_set_counter(st, name, v, f)     state.counters[name] = Counter(v, f)
 *
 * A benchmark function is `void fn(gmb_state *st, void *arg)`; `arg` is the
 * pointer given at registration, shared by every thread of every run.
 *
 * The runner's side: gmb_initialize() parses Google Benchmark's own
 * --benchmark_* flags out of argv, gmb_run() runs what matches
 * --benchmark_filter and hands every reported run (and aggregate) to a C
 * callback as well as to the usual display and --benchmark_out reporters.
 */
#ifndef GOMEM_HARNESS_SHIM_H
#define GOMEM_HARNESS_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- registration ------------------------------------------------------ */

typedef struct gmb_state gmb_state; /* a benchmark::State, one per thread */
typedef struct gmb_bench gmb_bench; /* a registered benchmark family */
typedef void (*gmb_fn)(gmb_state *st, void *arg);

typedef enum gmb_time_unit {
	GMB_UNIT_DEFAULT = 0, /* --benchmark_time_unit, else nanoseconds */
	GMB_NS,
	GMB_US,
	GMB_MS,
	GMB_S,
} gmb_time_unit;

/* Registration options.  Zero means "Google Benchmark's default / the
 * command-line flag"; a zeroed struct registers one run with one thread. */
typedef struct gmb_opts {
	const int64_t *args;  /* one Arg(x) each: one run per value */
	size_t nargs;
	const int *threads;   /* one run per thread count; names get
			       * "/threads:N" when any is given */
	size_t nthreads;
	int repetitions;      /* 0: --benchmark_repetitions */
	double min_time;      /* seconds; 0: --benchmark_min_time */
	bool manual_time;     /* time is what gmb_set_iteration_time says */
	gmb_time_unit unit;   /* of the printed times (results are in ns) */
} gmb_opts;

/* Designated-initializer helpers: gmb_opts o = { GMB_ARGS(8, 32),
 * GMB_THREADS(1, 2) }; fills both the array and its length. */
#define GMB_ARGS(...)                                                        \
	.args = (const int64_t[]){__VA_ARGS__},                              \
	.nargs = sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t)
#define GMB_THREADS(...)                                                     \
	.threads = (const int[]){__VA_ARGS__},                               \
	.nthreads = sizeof((const int[]){__VA_ARGS__}) / sizeof(int)

/* Register a benchmark family named `name` (copied).  opts may be NULL. */
gmb_bench *gmb_register(const char *name, gmb_fn fn, void *arg,
			const gmb_opts *opts);
/* Add one run taking several arguments (Args({...})), read with
 * gmb_range(st, 0 .. n-1). */
void gmb_bench_args(gmb_bench *b, const int64_t *args, size_t n);

/* Thread counts that replace the opts.threads of every family registered
 * from now on (gomem-bench run --threads).  Families registered without
 * thread counts keep their single thread: they were not written for more.
 * n == 0 stops replacing. */
void gmb_set_threads_override(const int *threads, size_t n);

/* Families registered so far, in order, by their names (for listings);
 * gmb_family_name is NULL past the end. */
size_t gmb_family_count(void);
const char *gmb_family_name(size_t i);

/* ---- inside a benchmark function -------------------------------------- */

/* The measured loop: `while (gmb_keep_running(st)) { one iteration }`.
 * Timing starts at the first call and stops when it returns false; every
 * thread of a run starts and stops together. */
bool gmb_keep_running(gmb_state *st);
/* The same, n iterations per trip around the loop (the iteration count is
 * then a multiple of n).  Use it when one trip is cheap enough that the
 * call itself would be measured. */
bool gmb_keep_running_batch(gmb_state *st, int64_t n);

int64_t gmb_range(const gmb_state *st, size_t i); /* the i-th argument */
int gmb_thread_index(const gmb_state *st);        /* 0 .. threads-1 */
int gmb_threads(const gmb_state *st);
int64_t gmb_iterations(const gmb_state *st);      /* done so far, this thread */

void gmb_pause_timing(gmb_state *st);
void gmb_resume_timing(gmb_state *st);
/* With opts.manual_time: the seconds this iteration took. */
void gmb_set_iteration_time(gmb_state *st, double seconds);

/* Counter flags (benchmark::Counter::Flags).  Without flags a counter is a
 * total: summed over the run's threads. */
enum {
	GMB_COUNTER_TOTAL = 0,
	GMB_COUNTER_RATE = 1u << 0,           /* divided by the run's seconds */
	GMB_COUNTER_AVG_THREADS = 1u << 1,    /* divided by the thread count */
	GMB_COUNTER_PER_RUN = 1u << 2,        /* multiplied by the iterations
					       * (kIsIterationInvariant) */
	GMB_COUNTER_AVG_ITERATIONS = 1u << 3, /* divided by the iterations */
	GMB_COUNTER_INVERT = 1u << 4,         /* 1/value, applied last */
	GMB_COUNTER_BASE_1024 = 1u << 5,      /* k/M/G are powers of 1024 */
};
void gmb_set_counter(gmb_state *st, const char *name, double value,
		     unsigned flags);
void gmb_set_items_processed(gmb_state *st, int64_t items);
void gmb_set_bytes_processed(gmb_state *st, int64_t bytes);
void gmb_set_label(gmb_state *st, const char *label);
/* Mark this run failed; the loop must then be left (gmb_keep_running
 * returns false from here on).  Only safe where no other thread of the run
 * waits for this one. */
void gmb_skip_with_error(gmb_state *st, const char *msg);

/* Keep the compiler from proving `p` (and what it points to) unused. */
static inline void gmb_do_not_optimize(const void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* ---- the runner's side ------------------------------------------------- */

/* Parse and remove Google Benchmark's flags from argv (argv[0] is kept).
 * What is left in argv[1 .. *argc-1] was not recognised.  A recognised
 * flag with a malformed value calls bad_value (which must not return). */
void gmb_initialize(int *argc, char **argv, void (*bad_value)(void));

/* Extra key/value pairs for the JSON "context" object. */
void gmb_add_context(const char *key, const char *value);

/* One reported run, as Google Benchmark reports it. */
typedef struct gmb_result {
	const char *name;        /* instance name, without "_median" etc. */
	const char *aggregate;   /* "" for one repetition; else "mean",
				  * "median", "stddev", "cv" */
	bool is_time;            /* false for "cv" (a ratio, not a time) */
	bool error;
	const char *error_message;
	int threads;
	int64_t repetitions;     /* of this benchmark in this run */
	int64_t iterations;      /* all threads together */
	double real_ns;          /* wall time per iteration, nanoseconds */
	double cpu_ns;           /* CPU time per iteration, nanoseconds */
} gmb_result;
typedef void (*gmb_result_fn)(const gmb_result *r, void *ctx);

/* Run every benchmark matching --benchmark_filter; report to the display
 * (--benchmark_format), to --benchmark_out if set, and to `fn` (may be
 * NULL).  Returns the number of benchmark instances that matched. */
size_t gmb_run(gmb_result_fn fn, void *ctx);

/* Call fn with the name of every benchmark instance matching
 * --benchmark_filter, without running anything.  Returns the count. */
size_t gmb_list(void (*fn)(const char *name, void *ctx), void *ctx);

void gmb_shutdown(void);

#ifdef __cplusplus
}
#endif
#endif /* GOMEM_HARNESS_SHIM_H */

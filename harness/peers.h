/*
 * peers.h — the runtimes gomem is measured against (`gomem-bench run
 * --runtime=gomem,go,boehm,glibc,jemalloc,mimalloc,tcmalloc`), and the
 * fidelity and ratio figures the report draws from them (peersreport.c).
 *
 * A runtime other than gomem is a peer: a separate executable,
 * gomem-peer-NAME, beside gomem-bench in the build directory (peers/ and
 * workloads/go/ build them, each only when its Debian package is
 * installed).  A peer runs the same workloads under the same names but
 * for one component, the runtime's (binary_trees/go/18 beside
 * binary_trees/gomem/18), so that the report's tables pair them, and
 * writes Google Benchmark's JSON with gomem's counter names.  A peer whose
 * executable is missing is skipped, with a line naming the Debian package
 * that provides it.
 *
 * The peer protocol (what run.c hands every peer, and what the Go
 * program reads in the same words):
 *   argv: --benchmark_out=PATH --benchmark_out_format=json
 *         --benchmark_repetitions=N, the user's --benchmark_* flags (a
 *         filter with "/gomem/" in it gets the peer's component there),
 *         --threads=N when the configuration sets threads, and
 *         --pauses-out=PATH: "benchmark,pause_ns" lines, one per
 *         collection cycle of each benchmark's last run (collectors only)
 *   env:  GOGC, GOMEMLIMIT (Go's syntax) and GOMAXPROCS (unset for
 *         procs=0) from the configuration
 *   exit: 0; 1 a benchmark failed (its JSON is still written); 2 refused
 */
#ifndef GOMEM_HARNESS_PEERS_H
#define GOMEM_HARNESS_PEERS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum gmb_runtime {
	GMB_RT_GOMEM,
	GMB_RT_GO,
	GMB_RT_BOEHM,
	GMB_RT_GLIBC,
	GMB_RT_JEMALLOC,
	GMB_RT_MIMALLOC,
	GMB_RT_TCMALLOC,
	GMB_RT_COUNT
} gmb_runtime;

typedef struct gmb_runtime_info {
	const char *name;      /* in --runtime and in the results */
	const char *component; /* the benchmark names' runtime component */
	const char *label;     /* for the report's column headers */
	const char *package;   /* the Debian package that provides it */
	const char *what;      /* one line: what its benchmarks run */
} gmb_runtime_info;

const gmb_runtime_info *gmb_runtime_get(gmb_runtime rt);
/* The runtime whose name or benchmark component is `word`; -1 if none. */
int gmb_runtime_lookup(const char *word);

#define GMB_RUNTIMES_ACCEPTED \
	"gomem, go, boehm, glibc, jemalloc, mimalloc, tcmalloc"

/* A --runtime list, in the order given. */
typedef struct gmb_runtime_list {
	gmb_runtime rt[GMB_RT_COUNT];
	size_t n;
} gmb_runtime_list;

/* Parse "gomem,go,boehm"; 0, or -1 with a message in err naming the
 * offending word (unknown, repeated, empty) and what is accepted. */
int gmb_runtimes_parse(const char *list, gmb_runtime_list *out, char *err,
		       size_t errlen);

/* The executable of peer rt in directory `dir`: dir/gomem-peer-NAME. */
void gmb_peer_path(const char *dir, gmb_runtime rt, char *buf, size_t len);

/* The skip logic: of the runtimes in `want`, those that can run go to
 * `run` (gomem always can; a peer when its executable is in `dir`), in the
 * same order; each one that cannot gets a line in skips[i] (GMB_SKIP_LEN
 * bytes) naming the runtime, what is missing and the Debian package.
 * Returns the number skipped. */
#define GMB_SKIP_LEN 320
size_t gmb_runtimes_resolve(const gmb_runtime_list *want, const char *dir,
			    gmb_runtime_list *run,
			    char (*skips)[GMB_SKIP_LEN]);

/* The order of the runtimes in round `round` of an interleaved run: the
 * list rotated left by round mod n, so that no runtime always runs first
 * or last.  out[i] = list->rt[(i + round) % n]. */
void gmb_runtimes_rotate(const gmb_runtime_list *list, size_t round,
			 gmb_runtime *out);

/* A --benchmark_filter flag for a peer: every "/gomem/" of `flag` replaced
 * by "/COMPONENT/" (a sweep's filter names gomem's instances exactly).
 * Other flags are copied.  false when buf is too small. */
bool gmb_peer_flag(const char *flag, gmb_runtime rt, char *buf, size_t len);

/* ---- fidelity: gomem against Go ---------------------------------------- */

/* The thresholds of the issue: cycle counts more than 15% apart, or peak
 * heaps more than 10% apart, are flagged. */
#define GMB_FIDELITY_CYCLES_PCT 15.0
#define GMB_FIDELITY_HEAP_PCT 10.0
/* Cycles are compared only when each side ran at least this many a run:
 * a count is known to one cycle, so below 10 one cycle more or less moves
 * it by over 10%, most of the threshold (steady_heap's runs hold 1-3). */
#define GMB_FIDELITY_MIN_CYCLES 10.0

typedef struct gmb_fidelity {
	double gomem_cycles, go_cycles;   /* per iteration, medians; NaN when missing */
	double gomem_run_cycles, go_run_cycles; /* a run, medians */
	double gomem_heap, go_heap;       /* peak heap, bytes */
	double cycles_pct, heap_pct;      /* gomem against Go, percent */
	bool cycles_few;                  /* a side ran < GMB_FIDELITY_MIN_CYCLES a run */
	bool cycles_flag, heap_flag;
} gmb_fidelity;

/* Fill the differences and the flags from the medians: pct = (gomem - go)
 * / go x 100; a flag when |pct| exceeds its threshold; a missing or zero
 * Go figure leaves its pct NaN and its flag off; cycles_few (a run count
 * under GMB_FIDELITY_MIN_CYCLES, a missing one counting as none) keeps the
 * cycles' flag off too. */
void gmb_fidelity_judge(gmb_fidelity *f);

#endif /* GOMEM_HARNESS_PEERS_H */

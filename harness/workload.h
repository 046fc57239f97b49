/*
 * workload.h — self-registering workloads.
 *
 * A workload is one C file in workloads/ holding one GMB_WORKLOAD(...)
 * descriptor.  The macro puts a pointer to the descriptor in the linker
 * section "gmb_workloads"; the linker brackets that section with
 * __start_gmb_workloads and __stop_gmb_workloads, and the runner walks the
 * pointers between them (as Google Benchmark's BENCHMARK() collects C++
 * benchmarks through static constructors).  Adding a workload edits no list.
 *
 * A workload either registers its benchmarks itself (register_benchmarks,
 * calling gmb_register as often as it likes) or names one benchmark
 * function (fn, arg, opts), registered under the workload's name.
 *
 * Workloads do fixed work and never time or print: the runner measures,
 * repeats and writes results.  Registration only registers; it must not
 * touch the gomem heap (gm_init has not necessarily run; `list` never
 * runs it).  Benchmark functions run after gm_init, and call
 * gmb_place_thread(st) (topology.h) first thing, so that `run --pin` and
 * `--membind` place the thread before it touches memory.
 */
#ifndef GOMEM_HARNESS_WORKLOAD_H
#define GOMEM_HARNESS_WORKLOAD_H

#include <stddef.h>

#include "harness/shim.h"

typedef struct gmb_workload {
	const char *name;        /* unique, short: "alloc" */
	const char *description; /* one line: what it measures */
	const char *params;      /* one line: what its benchmarks vary */
	void (*register_benchmarks)(void); /* registers them all, or NULL: */
	gmb_fn fn;               /* one benchmark, named `name` ... */
	void *arg;               /* ... called with this ... */
	gmb_opts opts;           /* ... and these options */
} gmb_workload;

/* Define a workload: GMB_WORKLOAD(alloc, .name = "alloc", ...).  `id` only
 * names the static objects; it must be unique within its file. */
#define GMB_WORKLOAD(id, ...)                                                \
	static const gmb_workload gmb_workload_##id = {__VA_ARGS__};         \
	static const gmb_workload *gmb_workload_ptr_##id                     \
		__attribute__((section("gmb_workloads"), used)) =            \
			&gmb_workload_##id

/* The workloads linked in, sorted by name. */
size_t gmb_workload_count(void);
const gmb_workload *gmb_workload_at(size_t i);

/* Register every workload's benchmarks with Google Benchmark (once).
 * Returns 0, or -1 after printing why (a duplicate name, a descriptor with
 * neither or both of register_benchmarks and fn). */
int gmb_workloads_register(void);

/* The workload that registered the benchmark instance `instance` (a name
 * such as "alloc_tiny/gomem/8/threads:1"), or NULL. */
const gmb_workload *gmb_workload_of(const char *instance);

/* A workload that cannot go on (an allocator call failed) stops the whole
 * run with this: message on stderr, exit status 1; the runner's exit
 * handler removes partial results.  Use it rather than
 * gmb_skip_with_error where other threads of the run would wait forever
 * at a barrier for this one. */
_Noreturn void gmb_fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif /* GOMEM_HARNESS_WORKLOAD_H */

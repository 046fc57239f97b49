/*
 * context.h — what a run records about itself: context.json (machine,
 * build, settings, configurations, placement) in the parent, and the
 * gomem_* keys of Google Benchmark's own "context" in each child.
 *
 * results/README.md documents every field of context.json; readers go
 * through results.h (gmb_results_load).
 */
#ifndef GOMEM_HARNESS_CONTEXT_H
#define GOMEM_HARNESS_CONTEXT_H

#include <stddef.h>

#include <hwloc.h>
#include <jansson.h>

#include "gomem.h"
#include "harness/peers.h"
#include "harness/settings.h"
#include "harness/topology.h"

/* Everything context.json says about one run. */
typedef struct gmb_context_run {
	const char *name;          /* the results directory's name */
	const char *date;          /* ISO 8601 UTC, when the run started */
	int argc;                  /* the command line, as given */
	char **argv;
	char **bench_flags;        /* passed through to Google Benchmark */
	int nbench_flags;
	const gmb_settings *settings;
	gmb_pin pin;
	gmb_membind membind;
	const gmb_config *configs; /* resolved: every field set */
	size_t nconfigs;
	const unsigned *lib_base;  /* per configuration: the collector's
				    * first slot (topology.h) */
	const int *exit_status;    /* per configuration: its child's */
	hwloc_topology_t topo;     /* this machine */
	const char *sweep;         /* "gogc_sweep", "memlimit_sweep" or NULL */
	const char *sweep_workload; /* its workload, or NULL */
	unsigned rss_interval_ms;  /* RSS sampling; 0: off */
	const gmb_runtime_list *runtimes; /* --runtime's, resolved; NULL:
				    * not given (gomem alone) */
	const char (*skips)[GMB_SKIP_LEN]; /* the peers skipped, why */
	size_t nskips;
	size_t rounds;             /* interleaved rounds; 0: not interleaved */
} gmb_context_run;

/* The date now, ISO 8601 UTC ("2025-01-31T12:00:00Z"). */
void gmb_context_date(char *buf, size_t n);

/* context.json as a JSON object (NULL when out of memory). */
json_t *gmb_context_build(const gmb_context_run *r);
/* Build and write it to `path`; 0, or -1 with a message in err. */
int gmb_context_write(const gmb_context_run *r, const char *path, char *err,
		      size_t errlen);

/* The machine part alone (also printed by nothing else; tests read it). */
json_t *gmb_context_machine(hwloc_topology_t t);

/* In a child: add the gomem_* keys to Google Benchmark's JSON context
 * (versions, build, revision, the configuration `c` and its label, the
 * placement). */
void gmb_context_benchmark(const gm_config *cfg, const gmb_config *c,
			   gmb_pin pin, gmb_membind membind);

#endif /* GOMEM_HARNESS_CONTEXT_H */

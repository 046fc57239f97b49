/*
 * topology.h — the machine's CPU and NUMA topology (hwloc), the placement
 * policies of `gomem-bench run --pin / --membind`, and `gomem-bench
 * topology`.
 *
 * Placement has two halves:
 *   - decisions (topology.c): a pure function from (topology, policy,
 *     slot) to a cpuset, so that tests drive it with hwloc's synthetic
 *     topologies;
 *   - binding (place.c): in the process that runs the benchmarks, each
 *     thread binds itself to its slot's cpuset.
 *
 * Slots.  Benchmark thread i (Google Benchmark's thread index) takes slot
 * i.  The collector's own threads (mark workers, sweeper, scavenger: the
 * gm_config.thread_start hook, called with a role and an index) take slot
 * M + index, M being the largest benchmark thread count of the
 * configuration: they go on the PUs after the mutators', and threads of
 * different roles with the same index share a slot (Go's background
 * sweeper and scavenger are low-priority goroutines that yield to marking).
 * Slots past the last PU wrap around.
 *
 * Policies (--pin):
 *   none     nothing is bound; the OS schedules
 *   compact  slot s runs on the PU of logical index s mod PUs: the cores
 *            fill in order, each with all its hardware threads, then the
 *            next package
 *   scatter  slot s runs on the s-th PU of a round-robin walk of the tree:
 *            consecutive slots go to different packages, then different
 *            NUMA nodes within them, then different cores, and hardware
 *            threads of a core are used last
 *   numa     every slot runs on the whole cpuset of the first NUMA node
 *            (the OS schedules within it)
 * Memory (--membind):
 *   none        the OS default
 *   local       each bound thread allocates from the NUMA node(s) of its
 *               cpuset (with --pin=none: first touch, the OS default made
 *               explicit)
 *   interleave  pages are spread round-robin over every NUMA node, for the
 *               whole process
 */
#ifndef GOMEM_HARNESS_TOPOLOGY_H
#define GOMEM_HARNESS_TOPOLOGY_H

#include <stddef.h>
#include <stdio.h>

#include <hwloc.h>

#include "harness/shim.h"

typedef enum gmb_pin {
	GMB_PIN_NONE = 0,
	GMB_PIN_COMPACT,
	GMB_PIN_SCATTER,
	GMB_PIN_NUMA,
} gmb_pin;

typedef enum gmb_membind {
	GMB_MEMBIND_NONE = 0,
	GMB_MEMBIND_LOCAL,
	GMB_MEMBIND_INTERLEAVE,
} gmb_membind;

const char *gmb_pin_name(gmb_pin p);
const char *gmb_membind_name(gmb_membind m);
/* 0 and *out for an accepted name, -1 otherwise. */
int gmb_pin_parse(const char *s, gmb_pin *out);
int gmb_membind_parse(const char *s, gmb_membind *out);
#define GMB_PIN_ACCEPTED "none, compact, scatter, numa"
#define GMB_MEMBIND_ACCEPTED "none, local, interleave"

/* ---- the topology ------------------------------------------------------- */

/* Load this machine's topology, or a synthetic one (hwloc's synthetic
 * description, e.g. "pack:2 numa:2 core:4 pu:2") when `synthetic` is not
 * NULL.  0, or -1 with a message in err. */
int gmb_topology_load(hwloc_topology_t *out, const char *synthetic,
		      char *err, size_t errlen);

/* Counts of the topology's objects of one type (0 when there are none). */
int gmb_topology_count(hwloc_topology_t t, hwloc_obj_type_t type);
/* The CPU model (hwloc's "CPUModel" info), or "unknown". */
const char *gmb_topology_cpu_model(hwloc_topology_t t);

/* Print packages, NUMA nodes, cores and PUs (gomem-bench topology). */
void gmb_topology_print(hwloc_topology_t t, FILE *out);

/* ---- decisions (pure) --------------------------------------------------- */

/* The cpuset of `slot` under `policy`, into `out` (OS indexes, as
 * hwloc_get_cpubind reports them).  For GMB_PIN_NONE, every PU.  Reads
 * only the topology; returns 0, or -1 when it has no PU. */
int gmb_place_decide(hwloc_topology_t t, gmb_pin policy, unsigned slot,
		     hwloc_bitmap_t out);

/* ---- binding (place.c), in the process running the benchmarks ----------- */

/* 0 when the system that `t` describes can apply the policies; else -1
 * with a message in err naming the flag.  Synthetic topologies support
 * nothing. */
int gmb_placement_check(hwloc_topology_t t, gmb_pin pin, gmb_membind membind,
			char *err, size_t errlen);

/* Load this machine's topology and remember the policies; `lib_base` is M
 * above.  Checks that the system supports what is asked, and applies
 * --membind=interleave to the process (threads created afterwards inherit
 * it).  0, or -1 with a message in err naming the flag. */
int gmb_placement_start(gmb_pin pin, gmb_membind membind, unsigned lib_base,
			char *err, size_t errlen);
void gmb_placement_stop(void);

/* Bind the calling thread to `slot` under the started policies (a no-op
 * when both are none).  0, or -1 with a message in err. */
int gmb_placement_bind(unsigned slot, char *err, size_t errlen);

/* For workloads: call first thing in every benchmark function.  Binds the
 * calling benchmark thread to its slot (its thread index); stops the run
 * (gmb_fatal) when the system refuses. */
void gmb_place_thread(gmb_state *st);

/* A gm_thread_start_fn (gm_config.thread_start): binds a collector thread
 * to slot M + index; stops the run when the system refuses. */
void gmb_place_library_thread(const char *role, int index, void *ctx);

#endif /* GOMEM_HARNESS_TOPOLOGY_H */

/*
 * place.c — binding threads and memory in the process that runs the
 * benchmarks (topology.h: slots, policies).
 *
 * State: this machine's topology and the policies of the run, written once
 * by gmb_placement_start before any benchmark or collector thread exists
 * and only read afterwards (hwloc's binding calls are thread-safe on a
 * topology that is no longer modified).
 *
 * 1. start: load the topology; refuse a policy the system cannot apply
 *    (gmb_placement_check: hwloc's support flags); for --membind=interleave, set the calling
 *    thread's memory policy to interleave over every NUMA node: Linux
 *    memory policies are per thread and inherited at thread creation, so
 *    every benchmark and collector thread created afterwards has it.
 * 2. bind (each benchmark thread at the start of each benchmark function,
 *    through gmb_place_thread; each collector thread at its start, through
 *    gm_config.thread_start): ask topology.c for the slot's cpuset, bind
 *    the thread to it, and with --membind=local bind the thread's memory
 *    to the NUMA nodes of that cpuset.
 * A placement the system refuses stops the run: numbers measured with a
 * placement other than the one asked for would be silently wrong.
 */
#include "harness/topology.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "harness/workload.h"

static hwloc_topology_t place_topo; /* NULL: placement not started */
static gmb_pin place_pin;
static gmb_membind place_membind;
static unsigned place_lib_base;

int gmb_placement_check(hwloc_topology_t t, gmb_pin pin, gmb_membind membind,
			char *err, size_t errlen)
{
	const struct hwloc_topology_support *s = hwloc_topology_get_support(t);
	if (pin != GMB_PIN_NONE && !s->cpubind->set_thisthread_cpubind) {
		snprintf(err, errlen, "--pin=%s: this system does not let "
			 "hwloc bind threads to CPUs", gmb_pin_name(pin));
		return -1;
	}
	bool mem_ok = s->membind->set_thisthread_membind &&
		(membind != GMB_MEMBIND_LOCAL ||
		 (pin == GMB_PIN_NONE ? s->membind->firsttouch_membind
				      : s->membind->bind_membind)) &&
		(membind != GMB_MEMBIND_INTERLEAVE ||
		 s->membind->interleave_membind);
	if (membind != GMB_MEMBIND_NONE && !mem_ok) {
		snprintf(err, errlen, "--membind=%s: this system does not let "
			 "hwloc set that memory policy",
			 gmb_membind_name(membind));
		return -1;
	}
	return 0;
}

/* Interleave the calling thread's future pages over every NUMA node. */
static int place_interleave(char *err, size_t errlen)
{
	hwloc_const_nodeset_t all = hwloc_topology_get_topology_nodeset(place_topo);
	if (hwloc_set_membind(place_topo, all, HWLOC_MEMBIND_INTERLEAVE,
			      HWLOC_MEMBIND_THREAD | HWLOC_MEMBIND_BYNODESET) != 0) {
		snprintf(err, errlen, "--membind=interleave: hwloc_set_membind "
			 "failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int gmb_placement_start(gmb_pin pin, gmb_membind membind, unsigned lib_base,
			char *err, size_t errlen)
{
	place_pin = pin;
	place_membind = membind;
	place_lib_base = lib_base;
	if (pin == GMB_PIN_NONE && membind == GMB_MEMBIND_NONE)
		return 0; /* nothing to do: no topology needed */
	if (gmb_topology_load(&place_topo, NULL, err, errlen) != 0)
		return -1;
	if (gmb_placement_check(place_topo, pin, membind, err, errlen) != 0 ||
	    (membind == GMB_MEMBIND_INTERLEAVE && place_interleave(err, errlen))) {
		gmb_placement_stop();
		return -1;
	}
	return 0;
}

void gmb_placement_stop(void)
{
	if (place_topo != NULL)
		hwloc_topology_destroy(place_topo);
	place_topo = NULL;
}

/* --membind=local for the calling thread, whose cpuset is `set`. */
static int place_membind_local(hwloc_const_cpuset_t set, char *err,
			       size_t errlen)
{
	int rc;
	if (place_pin == GMB_PIN_NONE)
		rc = hwloc_set_membind(place_topo, set, HWLOC_MEMBIND_FIRSTTOUCH,
				       HWLOC_MEMBIND_THREAD);
	else
		rc = hwloc_set_membind(place_topo, set, HWLOC_MEMBIND_BIND,
				       HWLOC_MEMBIND_THREAD);
	if (rc != 0) {
		snprintf(err, errlen, "--membind=local: hwloc_set_membind "
			 "failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int gmb_placement_bind(unsigned slot, char *err, size_t errlen)
{
	if (place_topo == NULL)
		return 0;
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	int rc = -1;
	if (set == NULL || gmb_place_decide(place_topo, place_pin, slot, set)) {
		snprintf(err, errlen, "--pin=%s: no PU for slot %u",
			 gmb_pin_name(place_pin), slot);
		goto out;
	}
	if (place_pin != GMB_PIN_NONE &&
	    hwloc_set_cpubind(place_topo, set, HWLOC_CPUBIND_THREAD) != 0) {
		char pus[256];
		hwloc_bitmap_list_snprintf(pus, sizeof pus, set);
		snprintf(err, errlen, "--pin=%s: binding slot %u to PU %s "
			 "failed: %s", gmb_pin_name(place_pin), slot, pus,
			 strerror(errno));
		goto out;
	}
	if (place_membind == GMB_MEMBIND_LOCAL &&
	    place_membind_local(set, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	hwloc_bitmap_free(set);
	return rc;
}

void gmb_place_thread(gmb_state *st)
{
	char err[512];
	if (place_topo == NULL)
		return;
	if (gmb_placement_bind((unsigned)gmb_thread_index(st), err,
			       sizeof err) != 0)
		gmb_fatal("%s", err);
}

void gmb_place_library_thread(const char *role, int index, void *ctx)
{
	char err[512];
	(void)ctx;
	if (place_topo == NULL)
		return;
	unsigned slot = place_lib_base + (index > 0 ? (unsigned)index : 0);
	if (gmb_placement_bind(slot, err, sizeof err) != 0)
		gmb_fatal("collector thread %s %d: %s", role, index, err);
}

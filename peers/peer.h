/*
 * peer.h — what the C peers share: one main
 * (peer_main.c) that speaks peers.h's protocol, and each peer's
 * registration.
 *
 * A C peer is a small Google Benchmark program, gomem-peer-NAME, linked
 * with one allocator or collector and nothing else of gomem's that runs:
 *   malloc.c  glibc, jemalloc, mimalloc, tcmalloc (the same source linked
 *             four times; GMB_PEER_RUNTIME names the runtime)
 *   boehm.c   Boehm GC (bdw-gc)
 * Its benchmarks carry gomem's names with the runtime's component
 * (alloc_small/jemalloc/32/threads:1) and gomem's counter names, so that
 * run.c merges them into the same bench.json and the report pairs them.
 */
#ifndef GOMEM_PEERS_PEER_H
#define GOMEM_PEERS_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/peers.h"
#include "harness/shim.h"

/* Defined by each peer: register its benchmarks (names from
 * peer_component()); 0, or -1 after a message. */
int peer_register(void);
/* Defined by each peer: its runtime. */
gmb_runtime peer_runtime(void);

/* The runtime's component of benchmark names ("jemalloc"). */
const char *peer_component(void);

/* The configuration the runner handed over (environment): GOGC in percent
 * (-1: off), GOMAXPROCS (0: unset). */
int peer_gogc(void);
int peer_procs(void);

/* A workload that cannot go on: message, exit status 1. */
_Noreturn void peer_fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Record the collection pauses (ns, any order) of a run of the benchmark
 * instance `name` for --pauses-out; the last run of each instance is what
 * is written. */
void peer_pauses_record(const char *name, const uint64_t *pause_ns,
			size_t n);

/* The allocation families of workloads/alloc.c with their sizes and thread
 * counts, registered as FAMILY/COMPONENT with `fn` (arg: the family's
 * kind); `gc` adds the _gc families at the representative sizes. */
typedef enum peer_alloc_kind {
	PEER_NOSCAN,   /* alloc_tiny, alloc_small, alloc_large */
	PEER_SCAN,     /* alloc_small_ptr: pointers at 0 and 8 */
	PEER_NOSCAN_GC,
	PEER_SCAN_GC,
} peer_alloc_kind;
void peer_register_alloc(gmb_fn fn, bool gc);
/* 4 MiB of objects per batch, as workloads/alloc.c. */
int64_t peer_batch_objects(size_t size);

#endif

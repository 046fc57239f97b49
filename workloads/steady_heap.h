/* steady_heap.h — the steady-heap churn, for the workload and its test. */
#ifndef GOMEM_WORKLOADS_STEADY_HEAP_H
#define GOMEM_WORKLOADS_STEADY_HEAP_H

#include <stddef.h>
#include <stdint.h>

/* Nodes per slot: each slot of the root array holds a chain this long. */
#define GMB_STEADY_CHAIN 4

/* A live heap: a root array on the gomem heap and the chains it holds. */
typedef struct gmb_steady {
	void **slots;     /* gm_new_array of a pointer type; a root only while
			   * the owner holds this struct on its stack */
	size_t nslots;
	size_t node_size; /* bytes per node: 2 pointers, then the payload */
	uint64_t rng;     /* xorshift64 state: fixed seed per thread */
} gmb_steady;

/* The smallest node: 2 pointers, a key and one checked word. */
#define GMB_STEADY_MIN_NODE 32

/* Build about live_bytes of chains of node_size-byte nodes (a multiple of
 * 8, at least GMB_STEADY_MIN_NODE), seeded by seed, on an attached thread.
 * Returns 0, or -1 when node_size is malformed or gm_type_new fails. */
int gmb_steady_build(gmb_steady *h, size_t live_bytes, size_t node_size,
		     uint64_t seed);
/* n replacements: each swaps one random node for a fresh one, so the old
 * one becomes garbage. */
void gmb_steady_churn(gmb_steady *h, int64_t n);
/* The nodes whose payload fails its check, plus the chains whose length
 * is not GMB_STEADY_CHAIN: 0 when the heap is intact. */
size_t gmb_steady_broken(const gmb_steady *h);
/* Bytes the live heap should hold: the chains and the root array. */
size_t gmb_steady_live_bytes(const gmb_steady *h);

#endif

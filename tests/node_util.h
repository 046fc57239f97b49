/*
 * node_util.h — the checksummed node the collector's suites build graphs
 * of (test_gc.c, and test_concurrent.c / test_concurrent_graph.c through
 * concurrent_util.h), its types, and the tests' seeded randomness.  A
 * node whose checksum or size is wrong was freed (and reused) while still
 * reachable.  Included by exactly one translation unit per suite, so its
 * functions are static.
 */
#ifndef GOMEM_TESTS_NODE_UTIL_H
#define GOMEM_TESTS_NODE_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "gomem.h"

#define NOINLINE __attribute__((noinline))

/* 3 pointers, a checksummed payload and a scratch word: 80 bytes, the
 * 80-byte class */
typedef struct node {
	struct node *kid[3];
	uint64_t id;
	uint64_t payload[4];
	uint64_t sum;
	uint64_t seen;  /* verify_graph's epoch; not in the checksum */
} node;

/* a struct with a pointer, for gm_memmove of structs: tag == pair_tag(n) */
typedef struct pair {
	node *n;
	uint64_t tag;
} pair;

static const gm_type *node_t, *ptr_t, *pair_t;

static inline void make_types(void)
{
	static const size_t node_offs[] = { 0, 8, 16 };
	static const size_t one_off[] = { 0 };
	node_t = gm_type_new("node", sizeof(node), node_offs, 3);
	ptr_t = gm_type_new("ptr", sizeof(void *), one_off, 1);
	pair_t = gm_type_new("pair", sizeof(pair), one_off, 1);
}

static inline uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

/* xorshift64: the tests' only randomness, always seeded */
static inline uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static inline uint64_t node_sum(const node *n)
{
	return mix(n->id ^ n->payload[0] ^ mix(n->payload[1]) ^ n->payload[2] ^ n->payload[3]);
}

static inline node *node_new(uint64_t id)
{
	node *n = gm_new(node_t);
	n->id = id;
	for (int i = 0; i < 4; i++)
		n->payload[i] = mix(id * 4 + (uint64_t)i);
	n->sum = node_sum(n);
	return n;
}

static inline bool node_ok(const node *n)
{
	return n != NULL && n->sum == node_sum(n) && gm_object_size(n) == sizeof(node);
}

static inline bool node_is(const node *n, uint64_t id)
{
	return node_ok(n) && n->id == id;
}

static inline uint64_t pair_tag(const node *n)
{
	return n == NULL ? 0 : mix(n->id ^ 0x9a1fu);
}

#endif

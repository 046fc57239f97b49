/*
 * concurrent_util.h — what the concurrent collector's suites share
 * (test_concurrent.c, test_concurrent_graph.c): the checksummed node, the
 * seeded randomness, the fixture (GOMEM_COLLECTOR picks the mode, the heap
 * verifier is on), and holding a mark phase open.  Included by exactly one
 * translation unit per suite, so its functions are static.
 */
#ifndef GOMEM_TESTS_CONCURRENT_UTIL_H
#define GOMEM_TESTS_CONCURRENT_UTIL_H

#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gc/gc.h"
#include "gc/proc.h"
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

static inline void setup(void)
{
	gm_config cfg;
	gm_config_default(&cfg); /* GOMEM_COLLECTOR picks the mode */
	cfg.gccheckmark = 1;
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	gmi_heapcheck_enabled = true; /* verifies today's cycles too */
	make_types();
}

static inline void teardown(void)
{
	gmi_gc_hold_mark(false);
	gmi_gc_wait_mark_done();
	gm_thread_detach();
	gm_shutdown();
}

static inline uint32_t num_gc(void)
{
	gm_memstats ms;
	gm_read_memstats(&ms);
	return ms.num_gc;
}

/* allocate and drop n nodes, with safepoints (frame gone afterwards) */
static NOINLINE __attribute__((unused)) void churn(int n)
{
	for (int i = 0; i < n; i++) {
		node_new((uint64_t)i);
		if (i % 64 == 0)
			gm_safepoint();
	}
}

/* Open a mark phase that stays open until mark_close.  True when a cycle
 * is in fact marking concurrently; false under GM_STW (and until the
 * concurrent modes land), where start_async ran a whole cycle. */
static inline bool mark_open(void)
{
	gmi_gc_hold_mark(true);
	gmi_gc_start_async();
	bool open = gmi_gc_phase_now() == GMI_PHASE_MARK;
	if (gmi_config.collector == GM_STW)
		ck_assert_msg(!open, "GM_STW left a mark phase open across start_async");
	return open;
}

static inline void mark_close(void)
{
	gmi_gc_hold_mark(false);
	gmi_gc_wait_mark_done();
}

/* spin until *flag is set, polling the safepoint (an attached thread that
 * spins must not hold up a stop of the world) */
static inline void wait_flag(atomic_int *flag)
{
	while (!atomic_load_explicit(flag, memory_order_acquire)) {
		gm_safepoint();
		sched_yield();
	}
}

static inline void join(pthread_t th)
{
	gm_blocking_enter();
	pthread_join(th, NULL);
	gm_blocking_leave();
}

#endif

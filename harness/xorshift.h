/*
 * xorshift.h — the workloads' only randomness: Marsaglia's xorshift64
 * (13, 7, 17), always seeded.  One definition, so that a workload and its
 * peer twin (steady_heap.c and peers/boehm.c's steady heap) draw the same
 * sequence from the same seed.
 */
#ifndef GOMEM_HARNESS_XORSHIFT_H
#define GOMEM_HARNESS_XORSHIFT_H

#include <stdint.h>

/* The next number of the stream *s (never 0 unless seeded with 0). */
static inline uint64_t gmb_xorshift64(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

#endif

/*
 * alloc.h — the size sweep of the alloc workload (alloc.c), named once so
 * that the Makefile's default suite and the tests agree with it.
 */
#ifndef GOMEM_WORKLOADS_ALLOC_H
#define GOMEM_WORKLOADS_ALLOC_H

/* The sweep's sizes beyond the representative ones (8 B tiny; 32 B and
 * 1 KiB small noscan; 32 B small with pointers; 64 KiB large), log-spaced
 * over Go's small classes (16 B .. 32 KiB: maxSmallSize) and large objects
 * (64 KiB .. 4 MiB). */
#define ALLOC_SWEEP_SMALL 16, 64, 256, 4096, 16384, 32768
#define ALLOC_SWEEP_SMALL_PTR 16, 64, 256, 1024, 4096, 16384, 32768
#define ALLOC_SWEEP_LARGE 262144, 1048576, 4194304

/* Google Benchmark's negative filter that leaves out the sweep of the
 * objects with pointers (alloc_small_ptr at sizes other than 32 B), and
 * nothing else: make bench's default suite, which keeps the noscan sweep
 * (the figure by size) within its time.  Keep it in step with
 * ALLOC_SWEEP_SMALL_PTR and with the Makefile's BENCH_FILTER. */
#define GMB_ALLOC_DEFAULT_FILTER \
	"-^alloc_small_ptr/[a-z]+/(16|64|256|1024|4096|16384|32768)/"

#endif

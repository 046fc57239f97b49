/*
 * barrier.h — a reusable barrier for the threads of one benchmark run.
 *
 * Google Benchmark starts and stops a run's threads together but offers no
 * barrier inside the measured loop; workloads that need the threads to meet
 * (the allocation benchmarks meet to reclaim a batch) use this one.  The
 * party count is passed at each wait (gmb_threads(st)), so one barrier
 * serves runs with any thread count, one run at a time.
 */
#ifndef GOMEM_HARNESS_BARRIER_H
#define GOMEM_HARNESS_BARRIER_H

#include <stdatomic.h>

typedef struct gmb_barrier {
	/* inv:barrier-idle arrived == 0 whenever no thread is inside a wait */
	atomic_uint arrived;    /* threads in the current round; atomic */
	atomic_uint generation; /* rounds completed; release by the last */
} gmb_barrier;

#define GMB_BARRIER_INIT {0, 0}

/* Wait until `parties` threads (the same number at every call of a round)
 * have called this.  Everything each thread did before its call happens
 * before everything every thread does after it. */
void gmb_barrier_wait(gmb_barrier *b, unsigned parties);

#endif /* GOMEM_HARNESS_BARRIER_H */

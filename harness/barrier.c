/*
 * barrier.c — a generation-counting barrier (see barrier.h).
 *
 * 1. Each thread reads the generation, then counts itself in `arrived`.
 * 2. The last to arrive resets `arrived` for the next round and publishes
 *    generation + 1 (release); the reset is ordered before the publication,
 *    so no thread can count itself into the next round before the reset.
 * 3. The others wait until the generation moves (acquire): spinning a
 *    while, since a round is short when the threads run in parallel, then
 *    yielding, since the machine may have fewer cores than the run has
 *    threads.
 *
 * The acq_rel increments chain every arrival into the last one's release,
 * so all work before the barrier is visible after it, on every thread.
 */
#include "harness/barrier.h"

#include <sched.h>

/* 1000 polls (a few microseconds) before yielding the CPU: long enough to
 * cover threads arriving together, short enough not to steal a core from a
 * thread that has yet to arrive. */
#define BARRIER_SPINS 1000

static void barrier_pause(unsigned polls)
{
	if (polls < BARRIER_SPINS) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
		return;
	}
	sched_yield();
}

void gmb_barrier_wait(gmb_barrier *b, unsigned parties)
{
	unsigned gen = atomic_load_explicit(&b->generation, memory_order_acquire);
	unsigned here = atomic_fetch_add_explicit(&b->arrived, 1,
						  memory_order_acq_rel) + 1;
	if (here == parties) {
		atomic_store_explicit(&b->arrived, 0, memory_order_relaxed);
		atomic_store_explicit(&b->generation, gen + 1, memory_order_release);
		return;
	}
	for (unsigned polls = 0;
	     atomic_load_explicit(&b->generation, memory_order_acquire) == gen;
	     polls++)
		barrier_pause(polls);
}

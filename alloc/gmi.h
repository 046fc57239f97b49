/*
 * gmi.h — the allocator's internal interface, for gc/ and for the bench
 * until the collector lands.  Nothing here is part of the public contract.
 */
#ifndef GOMEM_ALLOC_GMI_H
#define GOMEM_ALLOC_GMI_H

#include <stdbool.h>
#include <stddef.h>

#include "gomem.h"

/* Hand every span the calling thread's cache holds back to the mcentrals
 * (Go's mcache.releaseAll), flushing its stats.  The thread stays attached
 * and refills on its next allocation. */
void gmi_mcache_release_current(void);

/* Start a new sweep generation with no object marked and sweep every span:
 * every object in the heap is freed, emptied spans return to the page heap.
 * This is the sweep the collector will run after marking, with nothing
 * marked.  Precondition: no other thread allocates during the call, and
 * every attached thread has released its cache (gmi_mcache_release_current)
 * since its last allocation; the calling thread's cache is released here. */
void gmi_sweep_all_unmarked(void);

/* The same in two steps, so that several threads can sweep at once (as
 * Go's lazy sweepers and background sweeper do): one thread starts the
 * sweep generation (same precondition as above, every cache released),
 * then any number of threads help until no unswept span is left.  No
 * thread may allocate until every helper has returned. */
void gmi_sweep_start_unmarked(void);
void gmi_sweep_help(void);

/* The allocator's fields of runtime.MemStats (alloc/stats.c): every field
 * of *ms is written, the collector's ones (next_gc, last_gc, pauses,
 * num_gc, num_forced_gc, gc_cpu_fraction) as 0; all of them 0 before
 * gm_init and after gm_shutdown.  gm_read_memstats (gc/mstats.c) fills in
 * the collector's fields after it. */
void gmi_alloc_read_memstats(gm_memstats *ms);
/* Bytes of heap objects allocated and not yet freed by a sweep (Go's
 * totalAlloc - totalFree): lock-free, a few hundred relaxed loads; counts
 * of other threads' caches up to their last refill. */
uint64_t gmi_alloc_heap_alloc(void);

/* Return every free page of the heap to the OS (madvise DONTNEED). */
void gmi_scavenge_all(void);

#endif

/*
 * malloc.h — library-internal entry points of the allocator (malloc.c).
 */
#ifndef GOMEM_ALLOC_MALLOC_H
#define GOMEM_ALLOC_MALLOC_H

#include <stdbool.h>
#include <stddef.h>

#include "gomem.h"

/* 2: tinySizeClass, the 16-byte class tiny blocks come from (malloc.go). */
#define GMI_TINY_SIZE_CLASS 2

bool gmi_malloc_init(gm_oom_policy on_oom);
void gmi_malloc_shutdown(void);
bool gmi_malloc_is_inited(void);
/* Set by the collector: called at the start of every allocation slow path
 * (a cache refill or a large object) with the bytes of the span about to be
 * taken: the collector's safepoint, proportional sweeping and the trigger
 * test (Go's mallocgc: deductSweepCredit, then shouldhelpgc -> gcStart). */
extern void (*gmi_alloc_slow_hook)(size_t bytes);
/* The collector's safepoint poll (gm_safepoint), for allocation work long
 * enough to hold up a stop of the world: zeroing a large object, a
 * refill's sweep of full spans (mcentral.c).  NULL without a collector. */
extern void (*gmi_alloc_poll_hook)(void);

#endif

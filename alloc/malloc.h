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
 * (a small object past the cached bitmap word, every 64 slots, a cache
 * refill, or a large object) with the bytes of the span the slow path may
 * take (span_bytes: Go's cacheSpan deductSweepCredit) and the bytes to
 * charge as assist debt (assist_bytes: what refills have credited to
 * heap_live since the last call, or the large object; Go's mallocgc
 * charges each object's size).  The collector's safepoint, proportional
 * sweeping, assists and the trigger test (Go's mallocgc:
 * deductAssistCredit, deductSweepCredit, then shouldhelpgc -> gcStart).
 * inv:assist-debt  every byte a refill adds to heap_live is charged once,
 * at the owner's next slow path, unless the cache is released first. */
extern void (*gmi_alloc_slow_hook)(size_t span_bytes, size_t assist_bytes);
/* The collector's safepoint poll (gm_safepoint), for allocation work long
 * enough to hold up a stop of the world: zeroing a large object, a
 * refill's sweep of full spans (mcentral.c).  NULL without a collector. */
extern void (*gmi_alloc_poll_hook)(void);

/* Bit 0 of gm_safepoint_pending_ (gomem.h): a stop of the world is
 * requested or in force.  Defined here, below gc/, because every
 * allocation tests it (malloc.c); gc/proc.h defines the other bits. */
#define GMI_SAFEPOINT_STOP 1

#endif

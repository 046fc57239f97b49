/*
 * malloc.c — the allocator's entry points and its overview (malloc.go).
 *
 * The allocator, as Go's:
 *
 *   mheap     the page heap: 8 KiB pages in 64 MiB arenas, free runs found
 *             by the page allocator's radix tree (mheap.c, arena.c,
 *             pagealloc.c).  One lock.
 *   mspan     a run of pages cut into objects of one size class; its alloc
 *             bits and a 64-bit cache of them say which slots are free
 *             (mspan.c).
 *   mcentral  per span class, the spans that have free slots and those that
 *             have none, swept or not (mcentral.c, lock-free span sets).
 *   mcache    per attached thread, one cached span per span class, and the
 *             tiny block (mcache.c).  No lock.
 *
 * Allocating an object of `size` bytes (Go's mallocgc):
 * 1. size 0: the address of zerobase.
 * 2. noscan and under 16 bytes: the tiny allocator packs it into the
 *    thread's current 16-byte block, aligned as its size demands; a new
 *    block comes from the 16-byte class when it does not fit.
 * 3. up to 32 KiB: the size class from Go's two lookup tables; the thread's
 *    cached span of that class hands out its next free slot through the
 *    alloc cache (the inline fast path: count trailing zeros, no lock, no
 *    atomic).  When the span is full, the slow path refills from the
 *    mcentral, which sweeps or takes new pages from the mheap.
 * 4. larger: a span of its own straight from the page heap.
 * Memory is zeroed when the span says its free slots may be dirty.
 *
 * Reclaiming: sweeping a span by its mark bits (mspan.c) frees unmarked
 * objects; a span left empty returns to the page heap, whose free pages
 * the scavenger returns to the OS (scavenge.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/gmi.h"
#include "alloc/heapbits.h"
#include "alloc/malloc.h"
#include "alloc/mcache.h"
#include "alloc/panic.h"
#include "alloc/type.h"

/* Go's zerobase: the address every zero-size allocation returns. */
static uint64_t malloc_zerobase;

static bool malloc_inited;
static gm_oom_policy malloc_on_oom;

bool gmi_malloc_init(gm_oom_policy on_oom)
{
	if (!gmi_heap_init())
		return false;
	malloc_on_oom = on_oom;
	malloc_inited = true;
	return true;
}

void gmi_malloc_shutdown(void)
{
	malloc_inited = false;
	gmi_heap_destroy();
	gmi_tls_mcache = &gmi_mcache_none;
}

bool gmi_malloc_is_inited(void) { return malloc_inited; }

/* the allocation cannot be satisfied: abort as Go does, or return NULL */
__attribute__((cold, format(printf, 2, 3)))
static void *malloc_fail(int err, const char *fmt, ...)
{
	if (malloc_on_oom == GM_OOM_RETURN_NULL) {
		errno = err;
		return NULL;
	}
	va_list ap;
	va_start(ap, fmt);
	fputs("gomem: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* an unattached thread reached the slow path: say why it may not */
__attribute__((cold, noreturn))
static void malloc_misuse(void)
{
	if (!malloc_inited)
		gmi_misuse("allocation before gm_init: call gm_init, then "
			   "gm_thread_attach on each thread that allocates");
	gmi_misuse("allocation on a thread that has not called gm_thread_attach "
		   "(every thread must attach before it allocates)");
}

#define OOM_MSG "out of memory allocating %zu bytes"

void (*gmi_alloc_slow_hook)(size_t span_bytes, size_t assist_bytes);
void (*gmi_alloc_poll_hook)(void);

/* 64 KiB, a quarter of the chunk of Go's memclrNoHeapPointersChunked
 * (malloc.go): pages the scavenger released fault in again as they are
 * zeroed, and 256 KiB of them (64 faults) took 70-380 us here, which a
 * stop waited for (signal samples of late threads, 1 GiB steady heap).
 * The poll between chunks costs a load and a branch. */
#define MALLOC_ZERO_CHUNK ((size_t)64 << 10)

/* Zero a large object a chunk at a time, polling the safepoint in
 * between, so that a stop of the world does not wait for the whole
 * memset (measured: 2-8 ms for a 16 MiB array).  Go zeroes noscan large
 * objects so (and newer Go, in mallocgcLarge, every large object);
 * gomem zeroes every large object so, since the object is not yet typed
 * (largetype is set after) and its frame keeps it. */
static void malloc_zero_chunked(char *base, size_t n)
{
	for (size_t off = 0; off < n; off += MALLOC_ZERO_CHUNK) {
		size_t len = n - off < MALLOC_ZERO_CHUNK ? n - off : MALLOC_ZERO_CHUNK;
		memset(base + off, 0, len);
		if (off + len < n && gmi_alloc_poll_hook != NULL)
			gmi_alloc_poll_hook();
	}
	__asm__ volatile("" : : "r"(base) : "memory"); /* base stays live */
}

/* what every slow path does first: refuse unattached threads, then let
 * the collector run (safepoint, sweep credit, trigger) */
static inline void malloc_slow_enter(gmi_mcache *c, size_t span_bytes,
				     size_t large_bytes)
{
	if (c == &gmi_mcache_none)
		malloc_misuse();
	/* the debt of the spans already taken (inv:assist-debt), not of the
	 * span this path may take: a small object comes here every 64 slots
	 * of a span too, and a swept span may be nearly full */
	size_t debt = c->refill_bytes + large_bytes;
	c->refill_bytes = 0;
	if (gmi_alloc_slow_hook != NULL)
		gmi_alloc_slow_hook(span_bytes, debt);
}

__attribute__((noinline))
static uintptr_t malloc_small_slow(gmi_mcache *c, size_t size, gmi_spanclass spc,
				   gmi_mspan **span)
{
	unsigned sc = gmi_spanclass_sizeclass(spc);
	malloc_slow_enter(c, gmi_class_to_npages[sc] * GMI_PAGE_SIZE, 0);
	uintptr_t v = gmi_mcache_next_free(c, spc, span);
	if (v == 0)
		return (uintptr_t)malloc_fail(ENOMEM, OOM_MSG, size);
	if ((*span)->needzero)
		memset((void *)v, 0, (*span)->elemsize);
	return v;
}

static void *malloc_large(gmi_mcache *c, size_t size, const gm_type *t)
{
	size_t npages = (size + GMI_PAGE_SIZE - 1) >> GMI_PAGE_SHIFT;
	malloc_slow_enter(c, npages * GMI_PAGE_SIZE, npages * GMI_PAGE_SIZE);
	gmi_mspan *s = gmi_mcache_alloc_large(c, npages, t == NULL);
	if (s == NULL)
		return malloc_fail(ENOMEM, OOM_MSG, size);
	if (s->needzero)
		malloc_zero_chunked((char *)s->startaddr, s->elemsize);
	s->largetype = t;
	return (void *)s->startaddr;
}

/* Go's tiny allocator: noscan objects under 16 bytes share blocks */
static inline void *malloc_tiny(gmi_mcache *c, size_t size)
{
	uintptr_t off = c->tinyoffset;
	if ((size & 7) == 0)
		off = (off + 7) & ~(uintptr_t)7;
	else if ((size & 3) == 0)
		off = (off + 3) & ~(uintptr_t)3;
	else if ((size & 1) == 0)
		off = (off + 1) & ~(uintptr_t)1;
	if (off + size <= GMI_TINY_SIZE && c->tiny != 0) {
		c->tinyoffset = off + size;
		c->tiny_allocs++;
		return (void *)(c->tiny + off);
	}
	gmi_spanclass spc = gmi_make_spanclass(GMI_TINY_SIZE_CLASS, 1);
	gmi_mspan *s;
	uintptr_t v = gmi_next_free_fast(c->alloc[spc]);
	if (__builtin_expect(v == 0, 0)) {
		v = malloc_small_slow(c, GMI_TINY_SIZE, spc, &s);
		if (v == 0)
			return NULL;
	}
	((uint64_t *)v)[0] = 0;
	((uint64_t *)v)[1] = 0;
	/* keep whichever block has more room left (Go's rule) */
	if (size < c->tinyoffset || c->tiny == 0) {
		c->tiny = v;
		c->tinyoffset = size;
	}
	return (void *)v;
}

/* a small object from the cached span: the fast path; *span gets its span */
static inline uintptr_t malloc_small(gmi_mcache *c, size_t size, bool noscan,
				     gmi_mspan **span)
{
	gmi_spanclass spc = gmi_make_spanclass(gmi_size_to_class(size), noscan);
	gmi_mspan *s = c->alloc[spc];
	uintptr_t v = gmi_next_free_fast(s);
	if (__builtin_expect(v == 0, 0))
		return malloc_small_slow(c, size, spc, span);
	if (s->needzero)
		memset((void *)v, 0, s->elemsize);
	*span = s;
	return v;
}

/* a small object with pointers: its bits in the span, or a header */
static void *malloc_small_scan(gmi_mcache *c, size_t size, const gm_type *t)
{
	gmi_mspan *s;
	if (gmi_heap_bits_in_span(size)) {
		uintptr_t v = malloc_small(c, size, false, &s);
		if (v != 0)
			gmi_heap_bits_write(s, v, size, t);
		return (void *)v;
	}
	uintptr_t v = malloc_small(c, size + GMI_MALLOC_HEADER_SIZE, false, &s);
	if (v == 0)
		return NULL;
	*(const gm_type **)v = t;
	return (void *)(v + GMI_MALLOC_HEADER_SIZE);
}

static inline __attribute__((always_inline)) void *malloc_gc_body(size_t size,
								 const gm_type *t);

/* the poll, then the allocation: a tail call from malloc_gc, so that its
 * fast path needs no frame for the call */
__attribute__((noinline, cold))
static void *malloc_gc_polled(size_t size, const gm_type *t)
{
	if (gmi_alloc_poll_hook != NULL)
		gmi_alloc_poll_hook();
	return malloc_gc_body(size, t);
}

/* Go's mallocgc: t is NULL for pointer-free memory.  It begins, as Go's
 * does, with a preemption point: mallocgc is a call, and every Go call's
 * prologue compares the stack pointer with stackguard0, which a stop of
 * the world poisons (before Go 1.14 that was where goroutines stopped).
 * gomem's fast paths otherwise reach the collector only every 64 objects
 * of a size class, and a mutator that did some work per object held a
 * stop up for 100-180 us at a time (perf, steady_heap at 64 MiB).  The
 * test comes before a slot is taken, so that no object is half made at a
 * safepoint; only the stop bit counts (a pending stack scan or flush
 * waits for the slow path). */
static void *malloc_gc(size_t size, const gm_type *t)
{
	if (__builtin_expect(__atomic_load_n(&gm_safepoint_pending_, __ATOMIC_RELAXED) &
			     GMI_SAFEPOINT_STOP, 0))
		return malloc_gc_polled(size, t);
	return malloc_gc_body(size, t);
}

static inline __attribute__((always_inline)) void *malloc_gc_body(size_t size,
								 const gm_type *t)
{
	gmi_mcache *c = gmi_tls_mcache;
	if (size <= GMI_MAX_SMALL_SIZE - GMI_MALLOC_HEADER_SIZE) {
		if (size == 0)
			return &malloc_zerobase;
		if (t != NULL)
			return malloc_small_scan(c, size, t);
		if (size < GMI_TINY_SIZE)
			return malloc_tiny(c, size);
		gmi_mspan *s;
		return (void *)malloc_small(c, size, true, &s);
	}
	if (size > GMI_MAX_ALLOC)
		return malloc_fail(EOVERFLOW, "allocation size out of range "
				   "(%zu bytes; the most is 2^48)", size);
	return malloc_large(c, size, t);
}

void *gm_alloc_noscan(size_t size)
{
	return malloc_gc(size, NULL);
}

void *gm_new(const gm_type *t)
{
	return malloc_gc(t->size, t->nptrs ? t : NULL);
}

void *gm_new_array(const gm_type *t, size_t n)
{
	if (t->size != 0 && n > GMI_MAX_ALLOC / t->size)
		return malloc_fail(EOVERFLOW, "gm_new_array: %zu elements of %zu bytes "
				   "overflow the largest allocation (2^48 bytes)",
				   n, t->size);
	return malloc_gc(t->size * n, t->nptrs ? t : NULL);
}

size_t gm_object_size(const void *p)
{
	uintptr_t base;
	size_t size;
	if (!malloc_inited || !gmi_find_object((uintptr_t)p, &base, &size))
		return 0;
	return size;
}

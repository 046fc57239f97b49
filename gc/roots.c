/*
 * roots.c — registered root ranges: the program's globals.  Go's linker
 * describes the data and bss segments to the collector; here the program
 * registers its globals with gm_root_add.  The collector scans them
 * conservatively, word by word (gmi_scan_words), while the world is
 * stopped; stores into them go through gm_write as in Go.  The runtime
 * model is in DESIGN.md, the collector overview at the top of gc/gc.c.
 *
 * Owns: a sorted array of disjoint ranges (malloc'd: off-heap metadata)
 * and its byte total, under roots.lock.
 * 1. gm_root_add: binary-search the insertion point by start address;
 *    refuse (gmi_misuse) a range that overlaps a neighbour or starts where
 *    one starts; grow the array by doubling; insert.
 * 2. gm_root_remove: binary-search a range starting at addr; refuse an
 *    address at which none starts; delete.
 * 3. gmi_roots_for_each: every range in address order, under the lock (an
 *    unattached thread may add or remove while the world is stopped).
 * Ranges may be registered before gm_init; gm_shutdown forgets them all.
 *
 * inv:roots-sorted ranges[i].lo < ranges[i + 1].lo and
 *                  ranges[i].hi <= ranges[i + 1].lo, for i + 1 < n
 * inv:roots-bytes  bytes == the sum of hi - lo over the n ranges
 *
 * Lock order: roots.lock is taken after the world and scheduler locks,
 * and gmi_roots_for_each's callback must not call gm_root_add/remove.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/panic.h"
#include "gc/gc.h"
#include "gc/roots.h"
#include "gomem.h"

typedef struct roots_range {
	uintptr_t lo, hi;
} roots_range;

/* 16 ranges: the first allocation; a program registers a handful of
 * globals, and the array doubles from there */
#define ROOTS_MIN_CAP 16

static struct {
	pthread_mutex_t lock;
	roots_range *ranges; /* inv:roots-sorted; roots.lock */
	size_t n, cap;       /* roots.lock */
	size_t bytes;        /* inv:roots-bytes; written under roots.lock, __atomic */
} roots = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* the first index whose range starts at or above addr; roots.lock held */
static size_t roots_search_locked(uintptr_t addr)
{
	size_t lo = 0, hi = roots.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (roots.ranges[mid].lo < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* step 1: the neighbour [lo, hi) would overlap, or NULL */
static const roots_range *roots_conflict_locked(size_t i, uintptr_t lo, uintptr_t hi)
{
	if (i > 0 && roots.ranges[i - 1].hi > lo)
		return &roots.ranges[i - 1];
	if (i < roots.n && (roots.ranges[i].lo == lo || roots.ranges[i].lo < hi))
		return &roots.ranges[i];
	return NULL;
}

static bool roots_grow_locked(void)
{
	if (roots.n < roots.cap)
		return true;
	size_t cap = roots.cap == 0 ? ROOTS_MIN_CAP : roots.cap * 2;
	roots_range *r = realloc(roots.ranges, cap * sizeof *r);
	if (r == NULL)
		return false;
	roots.ranges = r;
	roots.cap = cap;
	return true;
}

void gm_root_add(void *addr, size_t size)
{
	uintptr_t lo = (uintptr_t)addr, hi = lo + size;
	if ((addr == NULL && size != 0) || hi < lo)
		gmi_misuse("gm_root_add(%p, %zu): not a range of memory (accepted: a "
			   "non-NULL address whose range does not wrap around)", addr, size);
	pthread_mutex_lock(&roots.lock);
	size_t i = roots_search_locked(lo);
	const roots_range *c = roots_conflict_locked(i, lo, hi);
	if (c != NULL)
		gmi_misuse("gm_root_add(%p, %zu): [%#lx, %#lx) overlaps the root range "
			   "[%#lx, %#lx) already registered (register each global once; "
			   "gm_root_remove a range before registering it differently)",
			   addr, size, (unsigned long)lo, (unsigned long)hi,
			   (unsigned long)c->lo, (unsigned long)c->hi);
	if (!roots_grow_locked())
		gmi_throw("out of memory growing the root table (gm_root_add(%p, %zu))",
			  addr, size);
	memmove(&roots.ranges[i + 1], &roots.ranges[i], (roots.n - i) * sizeof *roots.ranges);
	roots.ranges[i] = (roots_range){ lo, hi };
	roots.n++;
	__atomic_store_n(&roots.bytes, roots.bytes + size, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&roots.lock);
	/* registered while marking: the range's scan may be over already */
	if (__atomic_load_n(&gm_barrier_enabled_, __ATOMIC_RELAXED))
		gmi_mark_new_root(lo, hi);
}

void gm_root_remove(void *addr)
{
	uintptr_t lo = (uintptr_t)addr;
	pthread_mutex_lock(&roots.lock);
	size_t i = roots_search_locked(lo);
	if (i == roots.n || roots.ranges[i].lo != lo)
		gmi_misuse("gm_root_remove(%p): no root range starts there (pass the "
			   "address that was given to gm_root_add)", addr);
	size_t size = roots.ranges[i].hi - roots.ranges[i].lo;
	memmove(&roots.ranges[i], &roots.ranges[i + 1], (roots.n - i - 1) * sizeof *roots.ranges);
	roots.n--;
	__atomic_store_n(&roots.bytes, roots.bytes - size, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&roots.lock);
}

void gmi_roots_for_each(void (*fn)(uintptr_t lo, uintptr_t hi, void *ctx), void *ctx)
{
	pthread_mutex_lock(&roots.lock);
	for (size_t i = 0; i < roots.n; i++)
		fn(roots.ranges[i].lo, roots.ranges[i].hi, ctx);
	pthread_mutex_unlock(&roots.lock);
}

size_t gmi_roots_bytes(void)
{
	return __atomic_load_n(&roots.bytes, __ATOMIC_RELAXED);
}

bool gmi_roots_init(void)
{
	return true; /* the table is static; ranges added before gm_init stay */
}

void gmi_roots_shutdown(void)
{
	pthread_mutex_lock(&roots.lock);
	free(roots.ranges);
	roots.ranges = NULL;
	roots.n = roots.cap = 0;
	__atomic_store_n(&roots.bytes, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&roots.lock);
}

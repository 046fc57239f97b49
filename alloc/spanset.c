/*
 * spanset.c — Go's spanSet (mspanset.go): the lock-free set of spans behind
 * each of an mcentral's four lists.  The allocator overview (mheap / mspan /
 * mcentral / mcache) is at the top of malloc.c.
 *
 * Owns: the spines and blocks of every gmi_spanset, and the global pool of
 * spent blocks (Go's spanSetBlockPool).  All of it is off-heap metadata from
 * calloc, never memory of the gomem heap.
 *
 * Structures: a set is a growable spine of pointers to fixed blocks of 512
 * span slots, plus one 64-bit index holding head and tail.  Index i lives in
 * slot i % 512 of block i / 512.  Indexes only grow until reset, so spent
 * blocks at the front go back to the pool while new ones join at the back.
 *
 * Algorithm:
 *  1. push: fetch-add the tail to claim index i.  If block i / 512 is not in
 *     the spine yet, take the spine lock, grow the spine when full (a copy;
 *     the old spine stays readable, as concurrent readers may hold it) and
 *     add blocks from the pool up to i / 512.  Store the span in its slot.
 *  2. pop: load the index.  Report empty when head == tail, or when the
 *     head's block is not published yet (Go does not wait for it either).
 *     Otherwise CAS head + 1; on success spin until the slot is non-NULL
 *     (its pusher claimed the index but may not have stored yet), take the
 *     span and clear the slot.
 *  3. The pop that brings a block's popped counter to 512 (not necessarily
 *     the pop of slot 511) clears the spine entry and pools the block.
 *  4. reset (world stopped, set empty): pool the partly popped block that
 *     holds head == tail, free replaced spines, restart both indexes at 0.
 */
#include "alloc/spanset.h"
#include "alloc/panic.h"

#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 512 slots: 4 KiB of span pointers per block (spanSetBlockEntries). */
#define SPANSET_BLOCK_ENTRIES 512u
/* 256 blocks (1 GiB of one-page spans) in a first spine (spanSetInitSpineCap). */
#define SPANSET_INIT_SPINE_CAP 256u
/* 64 polls of an unwritten slot before yielding the CPU: the window is a
 * few instructions unless its pusher was descheduled (Go just spins). */
#define SPANSET_SPINS_BEFORE_YIELD 64u
/* one step of the head in the index (headTailIndex.incHead) */
#define SPANSET_HEAD_ONE ((uint64_t)1 << 32)

/*
 * inv:spanset-index  head <= tail at all times; push only raises the tail,
 *   pop only raises the head (a CAS, and only while head < tail); only reset
 *   lowers them.  Indexes [head, tail) are in the set, though a slot may still
 *   be NULL while its pusher finishes.
 * inv:spanset-spine  a spine entry below spine_len was set to a block before
 *   spine_len passed it.  Entries in [head / 512, spine_len) are this set's
 *   live blocks; entries below head / 512 are NULL or stale (the block is
 *   spent and pooled) and nobody reads them before reset.  When quiescent,
 *   spine_len == ceil(tail / 512).
 * inv:spanset-popped  a block's popped counts finished pops from it; when it
 *   reaches 512 every slot has been written and cleared and no thread will
 *   touch the block again, so its last popper may pool it.
 */
struct spanset_block {
	struct spanset_block *next; /* pool_lock; meaningful only while pooled */
	_Atomic uint32_t popped;    /* atomic; inv:spanset-popped */
	_Atomic(struct gmi_mspan *) spans[SPANSET_BLOCK_ENTRIES]; /* atomic */
};

struct gmi_spanset_spine {
	/* replaced spines, still readable by whoever loaded them; spine_lock,
	 * or the set quiescent (reset/destroy) */
	struct gmi_spanset_spine *retired;
	size_t cap; /* entries; immutable */
	/* atomic; set under spine_lock, or NULLed by a block's last popper */
	_Atomic(struct spanset_block *) blocks[];
};

/* The block pool, shared by all sets (spanSetBlockPool).  Go uses a
 * lock-free stack; a mutex is simpler, immune to ABA, and taken once per
 * 512 pushes or pops.  Rank: below every set's spine_lock. */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct spanset_block *pool_head; /* pool_lock */

/* Internal corruption (Go's throw): print the index and abort. */
/* internal corruption: Go's throw, with the set's indexes */
static _Noreturn void spanset_throw(const char *what, uint32_t head, uint32_t tail)
{
	gmi_throw("%s (head = %" PRIu32 ", tail = %" PRIu32 ")", what, head, tail);
}

static uint32_t ht_head(uint64_t ht) { return (uint32_t)(ht >> 32); }
static uint32_t ht_tail(uint64_t ht) { return (uint32_t)ht; }

/* A block from the pool, or a fresh zeroed one (spanSetBlockAlloc.alloc). */
static struct spanset_block *pool_alloc(void)
{
	pthread_mutex_lock(&pool_lock);
	struct spanset_block *blk = pool_head;
	if (blk != NULL)
		pool_head = blk->next;
	pthread_mutex_unlock(&pool_lock);
	if (blk == NULL && (blk = calloc(1, sizeof *blk)) == NULL)
		spanset_throw("out of memory for a span set block", 0, 0);
	return blk;
}

/* Pool a spent block: every slot is NULL (spanSetBlockAlloc.free). */
static void pool_free(struct spanset_block *blk)
{
	/* relaxed: pool_lock publishes it to the block's next owner */
	atomic_store_explicit(&blk->popped, 0, memory_order_relaxed);
	pthread_mutex_lock(&pool_lock);
	blk->next = pool_head;
	pool_head = blk;
	pthread_mutex_unlock(&pool_lock);
}

/* Replace `old` (NULL for the first spine) by a copy with room for `need`
 * entries; `old` stays readable (push's spine growth, mspanset.go). */
static struct gmi_spanset_spine *spine_grow_locked(gmi_spanset *b,
						   struct gmi_spanset_spine *old,
						   size_t need)
{
	size_t cap = old != NULL ? old->cap * 2 : SPANSET_INIT_SPINE_CAP;
	while (cap < need)
		cap *= 2;
	struct gmi_spanset_spine *sp = calloc(1, sizeof *sp + cap * sizeof sp->blocks[0]);
	if (sp == NULL)
		spanset_throw("out of memory for a span set spine", 0, 0);
	sp->cap = cap;
	sp->retired = old;
	/* relaxed: entries are written under spine_lock, which we hold; a
	 * concurrent last popper may NULL one, and either value is fine
	 * (inv:spanset-spine) */
	for (size_t i = 0; old != NULL && i < old->cap; i++)
		atomic_store_explicit(&sp->blocks[i],
				      atomic_load_explicit(&old->blocks[i], memory_order_relaxed),
				      memory_order_relaxed);
	/* release: readers that load_acquire the spine see the copied entries */
	atomic_store_explicit(&b->spine, sp, memory_order_release);
	return sp;
}

/* Free the spines `sp` replaced; the set must be quiescent. */
static void spine_free_retired(struct gmi_spanset_spine *sp)
{
	for (struct gmi_spanset_spine *old = sp ? sp->retired : NULL, *next; old; old = next) {
		next = old->retired;
		free(old);
	}
	if (sp != NULL)
		sp->retired = NULL;
}

/* Publish blocks up to `top` and return block `top` (push's locked path). */
static struct spanset_block *spanset_add_block_slow(gmi_spanset *b, size_t top)
{
	pthread_mutex_lock(&b->spine_lock);
	/* relaxed: spine and spine_len are written only under spine_lock */
	size_t len = atomic_load_explicit(&b->spine_len, memory_order_relaxed);
	struct gmi_spanset_spine *sp = atomic_load_explicit(&b->spine, memory_order_relaxed);
	if (len <= top) {
		if (sp == NULL || sp->cap <= top)
			sp = spine_grow_locked(b, sp, top + 1);
		/* Go adds only block `top`, assuming a pusher of block top - 1
		 * got here first; with more than 512 pushers in flight one may
		 * not have, so fill every gap to keep inv:spanset-spine. */
		for (; len <= top; len++)
			atomic_store_explicit(&sp->blocks[len], pool_alloc(), memory_order_relaxed);
		/* release: whoever load_acquires the new length sees the blocks */
		atomic_store_explicit(&b->spine_len, len, memory_order_release);
	}
	struct spanset_block *blk = atomic_load_explicit(&sp->blocks[top], memory_order_relaxed);
	pthread_mutex_unlock(&b->spine_lock);
	return blk;
}

/* The index needs only atomicity (slots and spine_len carry the data);
 * acq_rel on it keeps near Go's seq-cst atomics, free on x86's locked RMW. */
void gmi_spanset_push(gmi_spanset *b, struct gmi_mspan *s)
{
	uint64_t ht = atomic_fetch_add_explicit(&b->index, 1, memory_order_acq_rel) + 1;
	if (ht_tail(ht) == 0) /* 2^32 pushes without a reset (headTailIndex.incTail) */
		spanset_throw("span set index overflow", ht_head(ht), ht_tail(ht));
	uint32_t cursor = ht_tail(ht) - 1;
	size_t top = cursor / SPANSET_BLOCK_ENTRIES, bottom = cursor % SPANSET_BLOCK_ENTRIES;
	struct spanset_block *blk;
	if (top < atomic_load_explicit(&b->spine_len, memory_order_acquire)) {
		struct gmi_spanset_spine *sp = atomic_load_explicit(&b->spine, memory_order_acquire);
		blk = atomic_load_explicit(&sp->blocks[top], memory_order_acquire);
	} else {
		blk = spanset_add_block_slow(b, top);
	}
	/* release: the popper that load_acquires the slot sees *s as we left it */
	atomic_store_explicit(&blk->spans[bottom], s, memory_order_release);
}

/* Take the span at claimed index i (pop after its CAS). */
static struct gmi_mspan *spanset_take(gmi_spanset *b, uint32_t i)
{
	size_t top = i / SPANSET_BLOCK_ENTRIES, bottom = i % SPANSET_BLOCK_ENTRIES;
	/* A replaced spine is fine: pop saw spine_len > top after the block
	 * was set, and copies keep every entry (inv:spanset-spine). */
	struct gmi_spanset_spine *sp = atomic_load_explicit(&b->spine, memory_order_acquire);
	struct spanset_block *blk = atomic_load_explicit(&sp->blocks[top], memory_order_acquire);
	if (blk == NULL)
		spanset_throw("span set block missing in pop", i, 0);
	struct gmi_mspan *s;
	unsigned spins = 0;
	while ((s = atomic_load_explicit(&blk->spans[bottom], memory_order_acquire)) == NULL) {
		if (++spins > SPANSET_SPINS_BEFORE_YIELD)
			sched_yield();
	}
	/* relaxed: the fetch_add below releases the clear to the last popper */
	atomic_store_explicit(&blk->spans[bottom], NULL, memory_order_relaxed);
	/* acq_rel: the last popper sees every other pop's clear (inv:spanset-popped) */
	if (atomic_fetch_add_explicit(&blk->popped, 1, memory_order_acq_rel) + 1 ==
	    SPANSET_BLOCK_ENTRIES) {
		atomic_store_explicit(&sp->blocks[top], NULL, memory_order_relaxed);
		pool_free(blk);
	}
	return s;
}

struct gmi_mspan *gmi_spanset_pop(gmi_spanset *b)
{
	uint64_t ht = atomic_load_explicit(&b->index, memory_order_acquire);
	uint32_t head;
	do {
		head = ht_head(ht);
		if (head >= ht_tail(ht))
			return NULL; /* empty, as far as we can tell */
		/* The head's block may still be on its way into the spine:
		 * report empty rather than wait (as Go does). */
		if (atomic_load_explicit(&b->spine_len, memory_order_acquire) <=
		    head / SPANSET_BLOCK_ENTRIES)
			return NULL;
		/* CAS failure reloads ht (a push or a pop moved): check again */
	} while (!atomic_compare_exchange_weak_explicit(&b->index, &ht, ht + SPANSET_HEAD_ONE,
							memory_order_acq_rel,
							memory_order_acquire));
	return spanset_take(b, head);
}

/* relaxed throughout: the caller's stop-the-world orders us after every
 * push and pop, and before the next one. */
void gmi_spanset_reset(gmi_spanset *b)
{
	uint64_t ht = atomic_load_explicit(&b->index, memory_order_relaxed);
	uint32_t head = ht_head(ht), tail = ht_tail(ht);
	if (head < tail)
		spanset_throw("attempt to clear non-empty span set", head, tail);
	size_t len = atomic_load_explicit(&b->spine_len, memory_order_relaxed);
	if (len != ((size_t)tail + SPANSET_BLOCK_ENTRIES - 1) / SPANSET_BLOCK_ENTRIES)
		spanset_throw("span set spine length disagrees with tail", head, tail);
	struct gmi_spanset_spine *sp = atomic_load_explicit(&b->spine, memory_order_relaxed);
	size_t top = head / SPANSET_BLOCK_ENTRIES;
	if (top < len) {
		/* head == tail inside this block: its last slots were never
		 * pushed, so no pop will pool it (spanSet.reset) */
		struct spanset_block *blk =
			atomic_load_explicit(&sp->blocks[top], memory_order_relaxed);
		if (blk == NULL)
			spanset_throw("span set head block missing in reset", head, tail);
		uint32_t popped = atomic_load_explicit(&blk->popped, memory_order_relaxed);
		if (popped == 0)
			spanset_throw("span set block with unpopped elements found in reset", head, tail);
		if (popped == SPANSET_BLOCK_ENTRIES)
			spanset_throw("fully empty unfreed span set block found in reset", head, tail);
		pool_free(blk);
	}
	/* Entries below top are NULL or stale (inv:spanset-spine): drop them. */
	for (size_t i = 0; i < len; i++)
		atomic_store_explicit(&sp->blocks[i], NULL, memory_order_relaxed);
	/* Go leaks replaced spines, noting they could be freed during STW. */
	spine_free_retired(sp);
	atomic_store_explicit(&b->index, 0, memory_order_relaxed);
	atomic_store_explicit(&b->spine_len, 0, memory_order_relaxed);
}

/* Also empties the global block pool: its blocks belong to no set, and it
 * is safe against concurrent users of other sets (pool_lock). */
void gmi_spanset_destroy(gmi_spanset *b)
{
	uint64_t ht = atomic_load_explicit(&b->index, memory_order_relaxed);
	size_t len = atomic_load_explicit(&b->spine_len, memory_order_relaxed);
	struct gmi_spanset_spine *sp = atomic_load_explicit(&b->spine, memory_order_relaxed);
	/* inv:spanset-spine: exactly these entries are this set's blocks */
	for (size_t i = ht_head(ht) / SPANSET_BLOCK_ENTRIES; i < len; i++)
		free(atomic_load_explicit(&sp->blocks[i], memory_order_relaxed));
	spine_free_retired(sp);
	free(sp);
	pthread_mutex_destroy(&b->spine_lock);
	memset(b, 0, sizeof *b);
	pthread_mutex_lock(&pool_lock);
	struct spanset_block *blk = pool_head, *next;
	pool_head = NULL;
	pthread_mutex_unlock(&pool_lock);
	for (; blk != NULL; blk = next) {
		next = blk->next;
		free(blk);
	}
}

size_t gmi_spanset_len(const gmi_spanset *b)
{
	/* relaxed: a snapshot; inv:spanset-index keeps it non-negative */
	uint64_t ht = atomic_load_explicit(&b->index, memory_order_relaxed);
	return (size_t)(ht_tail(ht) - ht_head(ht));
}

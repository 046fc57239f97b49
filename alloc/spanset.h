/*
 * spanset.h — a lock-free set of span pointers (Go's spanSet, mspanset.go).
 *
 * Each mcentral keeps four: partial/full x swept/unswept.  Push and pop may
 * run concurrently from any thread; reset and destroy need the set to
 * themselves.  The design and the algorithm are described in spanset.c.
 *
 * C only: the fields are C11 _Atomic objects.
 */
#ifndef GOMEM_ALLOC_SPANSET_H
#define GOMEM_ALLOC_SPANSET_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct gmi_mspan;
struct gmi_spanset_spine; /* private to spanset.c */

/* Zero-initialised memory is a valid empty set (glibc's
 * PTHREAD_MUTEX_INITIALIZER is all zero bytes; test_spanset checks it). */
typedef struct gmi_spanset {
	/* Serialises adding blocks and growing the spine.  Rank: taken before
	 * the global block-pool lock of spanset.c, never while holding it. */
	pthread_mutex_t spine_lock;
	/* The current spine.  Written under spine_lock (store_release), read
	 * without it (load_acquire); a replaced spine stays readable until the
	 * next reset or destroy. */
	_Atomic(struct gmi_spanset_spine *) spine;
	/* Spine entries [0, spine_len) hold blocks (or NULL once a block is
	 * spent).  Written under spine_lock (store_release), read without it. */
	_Atomic size_t spine_len;
	/* head in bits 63..32, tail in bits 31..0 (Go's headTailIndex): indexes
	 * into the concatenation of all blocks.  Atomic; see inv:spanset-index
	 * in spanset.c. */
	_Atomic uint64_t index;
} gmi_spanset;

/* Add s.  Any thread, concurrently with push and pop. */
void gmi_spanset_push(gmi_spanset *b, struct gmi_mspan *s);
/* Remove and return some span, or NULL when the set is empty (or its next
 * span's block is still being added).  Any thread, concurrently. */
struct gmi_mspan *gmi_spanset_pop(gmi_spanset *b);
/* Go's spanSet.reset: only when no other thread touches the set (the world
 * stopped) and the set is empty; frees spent blocks so that the indexes
 * restart at 0.  A non-empty set is internal corruption (abort). */
void gmi_spanset_reset(gmi_spanset *b);
/* Free every block and spine (library shutdown), spans still in the set
 * are dropped; the set becomes empty/zero.  No other thread may touch it. */
void gmi_spanset_destroy(gmi_spanset *b);
/* Number of spans in the set: approximate under concurrency, exact when
 * quiescent. */
size_t gmi_spanset_len(const gmi_spanset *b);

#endif

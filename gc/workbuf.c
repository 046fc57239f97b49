/*
 * workbuf.c — grey-object work queues: Go's mgcwork.go (gcWork, getempty,
 * putempty, putfull, trygetfull, handoff) over the lock-free stack of
 * lfstack.go and lfstack_64bit.go.  The collector overview is in gc/gc.c.
 *
 * Owns: every gmi_workbuf, the 32 KiB chunks they are carved from (listed
 * for shutdown; nothing is unmapped before it), and the global lists
 * work.full and work.empty.  A gmi_gcwork belongs to its thread; this file
 * only moves buffers into and out of it.
 *
 * Structures: a list is a 64-bit head packing the top buffer's address and
 * push count (lfstackPack): a pop that read an old head then fails (ABA).
 *
 * Algorithm:
 *  1. push(b): count the push, b->next = top, CAS head to pack(b, count).
 *  2. pop: read head and top->next (top may be someone else's by then:
 *     inv:lf-stable), CAS head to pack(next, next's count).
 *  3. getempty: pop work.empty; if it is empty, under chunk_lock pop again
 *     or map a chunk, keep its first buffer, push the other 15 on work.empty.
 *  4. put: into wbuf1; if it is full, swap the pair; if still full, push
 *     wbuf1 on work.full and take an empty buffer.
 *  5. tryget: from wbuf1; if it is empty, swap; if still empty, pop
 *     work.full (0 when it is empty too) and push the empty one on work.empty.
 *  6. balance, when work.full is empty: push a non-empty wbuf2 on work.full,
 *     or else split a wbuf1 of more than 4 objects and push half (handoff).
 *  7. dispose: each buffer of the pair to work.full or work.empty.
 */
#include "gc/workbuf.h"
#include "alloc/os.h"
#include "alloc/panic.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* 32 KiB: workbufAlloc (mgcwork.go), mapped at a time for new workbufs. */
#define WORKBUF_ALLOC ((size_t)32 << 10)
/* 4 objects: balance splits only a larger wbuf1 (gcWork.balance). */
#define BALANCE_MIN_OBJS 4u
/* 48 bits of user address and 19 of counter (3 of them freed by 8-byte
 * alignment): addrBits and cntBits, lfstack_64bit.go. */
#define LF_ADDR_BITS 48
#define LF_CNT_BITS (64 - LF_ADDR_BITS + 3)

_Static_assert(sizeof(gmi_workbuf) == GMI_WORKBUF_BYTES && sizeof(uintptr_t) == 8,
	       "a workbuf is _WorkbufSize; lfstack packing needs 64-bit words");
_Static_assert(WORKBUF_ALLOC % GMI_PHYS_PAGE_SIZE == 0 &&
	       WORKBUF_ALLOC % GMI_WORKBUF_BYTES == 0, "bad workbufAlloc");

/*
 * inv:wb-home  a workbuf is on work.full, on work.empty, or held by one
 *   thread (in a gmi_gcwork or in transit here); only its holder touches
 *   nobj and obj.
 * inv:wb-lists  on work.full, nobj > 0; on work.empty, nobj == 0.
 * inv:lf-next  for b on a list, the head its push replaced was
 *   pack(b->next, b->next->pushcnt), or 0 when b->next is NULL; pop restores
 *   it.  (Go stores that word in lfnode.next; the header's `next` is a
 *   pointer, so pop rebuilds it.)
 * inv:lf-stable  chunks stay mapped until shutdown and `next` is NULL or a
 *   buffer, so reads through a stale top hit mapped memory.  `next` and
 *   `pushcnt` are written by push (the holder) and read by any popper: only
 *   through __atomic builtins.
 * inv:gcw-nonzero  no object put is 0: tryget's 0 means "no work".
 */

static struct {
	/* lfstack heads, a 64-byte cache line apart (Go pads with CacheLinePad) */
	_Alignas(64) _Atomic uint64_t full;  /* work.full */
	_Alignas(64) _Atomic uint64_t empty; /* work.empty */
	/* Rank: a leaf; held only to map a chunk (pushes inside take no lock). */
	_Alignas(64) pthread_mutex_t chunk_lock;
	void **chunks; /* chunk_lock; all chunks, for shutdown (wbufSpans.busy) */
	size_t nchunks, chunks_cap; /* chunk_lock */
	_Atomic size_t sys_bytes;  /* atomic; written under chunk_lock */
} work = { .chunk_lock = PTHREAD_MUTEX_INITIALIZER };

/* ---- the lock-free stack (lfstack.go) ---------------------------------- */

/* lfstackPack: address in the top 45 bits, counter in the low 19; checked. */
static uint64_t lfstack_pack(const gmi_workbuf *b, uintptr_t cnt)
{
	uintptr_t p = (uintptr_t)b;
	if ((p >> LF_ADDR_BITS) != 0 || (p & 7) != 0)
		gmi_throw("lfstack: workbuf %p is not an 8-aligned address below "
			  "2^%d and cannot be packed", (const void *)b, LF_ADDR_BITS);
	return ((uint64_t)p << (64 - LF_ADDR_BITS)) |
	       ((uint64_t)cnt & (((uint64_t)1 << LF_CNT_BITS) - 1));
}

/* lfstackUnpack (no sign extension: lfstack_pack admits the user half only) */
static gmi_workbuf *lfstack_unpack(uint64_t v)
{
	return (gmi_workbuf *)(uintptr_t)((v >> LF_CNT_BITS) << 3);
}

/* lfstackpush; the caller holds b and gives it up (inv:wb-home).  The CAS
 * releases b to its popper.  A popper may also read b->next through a stale
 * top and dereference it; head acquire + `next` release chain the buffer it
 * names (back to its mmap) before that read. */
static void lfstack_push(_Atomic uint64_t *head, gmi_workbuf *b)
{
	uintptr_t cnt = __atomic_load_n(&b->pushcnt, __ATOMIC_RELAXED) + 1;
	__atomic_store_n(&b->pushcnt, cnt, __ATOMIC_RELAXED);
	uint64_t word = lfstack_pack(b, cnt);
	uint64_t old = atomic_load_explicit(head, memory_order_acquire);
	do {
		gmi_workbuf *top = old != 0 ? lfstack_unpack(old) : NULL;
		__atomic_store_n(&b->next, top, __ATOMIC_RELEASE);
	} while (!atomic_compare_exchange_weak_explicit(head, &old, word,
			memory_order_release, memory_order_acquire));
}

/* lfstackpop; NULL when the list is empty.  Acquires: head (b's fields),
 * `next` (push's release store), the CAS (what b's pusher released). */
static gmi_workbuf *lfstack_pop(_Atomic uint64_t *head)
{
	uint64_t old = atomic_load_explicit(head, memory_order_acquire);
	while (old != 0) {
		gmi_workbuf *b = lfstack_unpack(old);
		/* inv:lf-stable: b may be someone else's by now; then the CAS fails */
		gmi_workbuf *next = __atomic_load_n(&b->next, __ATOMIC_ACQUIRE);
		uint64_t word = next == NULL ? 0 : lfstack_pack(next,
				__atomic_load_n(&next->pushcnt, __ATOMIC_RELAXED));
		if (atomic_compare_exchange_weak_explicit(head, &old, word,
				memory_order_acquire, memory_order_acquire))
			return b;
	}
	return NULL;
}

/* ---- buffers (getempty, putempty, putfull, trygetfull, handoff) -------- */

static void workbuf_oom(size_t n)
{
	gmi_throw("out of memory: could not get %zu bytes for the collector's "
		  "mark work buffers", n);
}

/* Record a new chunk so that shutdown can free it; chunk_lock held. */
static void chunk_record_locked(void *c)
{
	if (work.nchunks == work.chunks_cap) {
		size_t cap = work.chunks_cap != 0 ? 2 * work.chunks_cap : 64;
		void **a = realloc(work.chunks, cap * sizeof *a);
		if (a == NULL)
			workbuf_oom(cap * sizeof *a);
		work.chunks = a;
		work.chunks_cap = cap;
	}
	work.chunks[work.nchunks++] = c;
}

/* getempty's slow half: carve a chunk (mmap memory is zero: nobj == 0,
 * next == NULL, pushcnt == 0 in every buffer). */
static gmi_workbuf *workbuf_alloc_chunk(void)
{
	pthread_mutex_lock(&work.chunk_lock);
	gmi_workbuf *b = lfstack_pop(&work.empty);
	if (b == NULL) {
		char *c = gmi_os_alloc(WORKBUF_ALLOC);
		if (c == NULL)
			workbuf_oom(WORKBUF_ALLOC);
		chunk_record_locked(c);
		atomic_fetch_add_explicit(&work.sys_bytes, WORKBUF_ALLOC, memory_order_relaxed);
		for (size_t off = GMI_WORKBUF_BYTES; off < WORKBUF_ALLOC; off += GMI_WORKBUF_BYTES)
			lfstack_push(&work.empty, (gmi_workbuf *)(void *)(c + off));
		b = (gmi_workbuf *)(void *)c;
	}
	pthread_mutex_unlock(&work.chunk_lock);
	return b;
}

static gmi_workbuf *getempty(void)
{
	gmi_workbuf *b = lfstack_pop(&work.empty);
	if (b == NULL)
		b = workbuf_alloc_chunk();
	GMI_ASSERT(b->nobj == 0, "wb-lists");
	return b;
}

static void putempty(gmi_workbuf *b)
{
	GMI_ASSERT(b->nobj == 0, "wb-lists");
	lfstack_push(&work.empty, b);
}

/* accepts partly full buffers, as Go's putfull */
static void putfull(gmi_workbuf *b)
{
	GMI_ASSERT(b->nobj > 0 && b->nobj <= GMI_WORKBUF_OBJS, "wb-lists");
	lfstack_push(&work.full, b);
}

static gmi_workbuf *trygetfull(void)
{
	gmi_workbuf *b = lfstack_pop(&work.full);
	GMI_ASSERT(b == NULL || b->nobj > 0, "wb-lists");
	return b;
}

/* handoff: the caller keeps a new buffer with the upper half of b's objects;
 * b, with the lower half, goes on work.full to be stolen. */
static gmi_workbuf *handoff(gmi_workbuf *b)
{
	gmi_workbuf *b1 = getempty();
	size_t n = b->nobj / 2;
	b->nobj -= n;
	memcpy(b1->obj, &b->obj[b->nobj], n * sizeof b->obj[0]);
	b1->nobj = n;
	putfull(b);
	return b1;
}

/* ---- gcWork ------------------------------------------------------------ */

/* gcWork.init: an empty wbuf1 and, if there is one, a full wbuf2 */
static void gcwork_init(gmi_gcwork *w)
{
	w->wbuf1 = getempty();
	gmi_workbuf *b2 = trygetfull();
	w->wbuf2 = b2 != NULL ? b2 : getempty();
}

void gmi_gcwork_put(gmi_gcwork *w, uintptr_t obj)
{
	GMI_ASSERT(obj != 0, "gcw-nonzero");
	gmi_workbuf *b = w->wbuf1;
	if (b == NULL) {
		gcwork_init(w);
		b = w->wbuf1;
	} else if (b->nobj == GMI_WORKBUF_OBJS) {
		w->wbuf1 = w->wbuf2;
		w->wbuf2 = b;
		b = w->wbuf1;
		if (b->nobj == GMI_WORKBUF_OBJS) {
			putfull(b);
			w->flushed = true;
			b = w->wbuf1 = getempty();
		}
	}
	/* Go would enlistWorker() after a flush; gomem's markers poll work.full */
	b->obj[b->nobj++] = obj;
}

uintptr_t gmi_gcwork_tryget(gmi_gcwork *w)
{
	gmi_workbuf *b = w->wbuf1;
	if (b == NULL) {
		gcwork_init(w);
		b = w->wbuf1;
	}
	if (b->nobj == 0) {
		w->wbuf1 = w->wbuf2;
		w->wbuf2 = b;
		b = w->wbuf1;
		if (b->nobj == 0) {
			gmi_workbuf *full = trygetfull();
			if (full == NULL)
				return 0;
			putempty(b);
			b = w->wbuf1 = full;
		}
	}
	return b->obj[--b->nobj];
}

uintptr_t gmi_gcwork_tryget_fast(gmi_gcwork *w)
{
	gmi_workbuf *b = w->wbuf1;
	if (b == NULL || b->nobj == 0)
		return 0;
	return b->obj[--b->nobj];
}

/* one buffer of a disposed pair to the list it belongs on */
static void gcwork_release(gmi_gcwork *w, gmi_workbuf *b)
{
	if (b->nobj == 0) {
		putempty(b);
	} else {
		putfull(b);
		w->flushed = true;
	}
}

/* Go's dispose also flushes bytesMarked and scanWork to global totals; here
 * the marker (mark.c) owns those totals and flushes w's counters itself. */
void gmi_gcwork_dispose(gmi_gcwork *w)
{
	if (w->wbuf1 == NULL)
		return; /* inv:gcw-pair */
	gcwork_release(w, w->wbuf1);
	gcwork_release(w, w->wbuf2);
	w->wbuf1 = w->wbuf2 = NULL;
}

/* Go's caller (gcDrain) tests work.full == 0; here balance does (header). */
void gmi_gcwork_balance(gmi_gcwork *w)
{
	if (w->wbuf1 == NULL || !gmi_work_full_empty())
		return;
	if (w->wbuf2->nobj != 0) {
		putfull(w->wbuf2);
		w->wbuf2 = getempty();
	} else if (w->wbuf1->nobj > BALANCE_MIN_OBJS) {
		w->wbuf1 = handoff(w->wbuf1);
	} else {
		return;
	}
	w->flushed = true;
}

bool gmi_gcwork_empty(const gmi_gcwork *w)
{
	return w->wbuf1 == NULL || (w->wbuf1->nobj == 0 && w->wbuf2->nobj == 0);
}

/* ---- the global lists ---------------------------------------------------- */

bool gmi_work_full_empty(void)
{
	return atomic_load_explicit(&work.full, memory_order_relaxed) == 0;
}

/* Exact when no thread pushes or pops meanwhile; else an estimate, capped
 * by the buffers ever made (a walk racing with pushes may revisit some). */
size_t gmi_work_full_len(void)
{
	size_t cap = atomic_load_explicit(&work.sys_bytes, memory_order_relaxed) /
		     GMI_WORKBUF_BYTES;
	uint64_t v = atomic_load_explicit(&work.full, memory_order_acquire);
	gmi_workbuf *b = v != 0 ? lfstack_unpack(v) : NULL;
	size_t n = 0;
	for (; b != NULL && n < cap; n++)
		b = __atomic_load_n(&b->next, __ATOMIC_ACQUIRE);
	return n;
}

size_t gmi_workbuf_sys_bytes(void)
{
	return atomic_load_explicit(&work.sys_bytes, memory_order_relaxed);
}

/* Nothing to set up: the lists start empty (zero, as Go's work struct). */
bool gmi_workbuf_init(void)
{
	return true;
}

/* Every gmi_gcwork must have been disposed (or never used) and no thread may
 * touch the lists: all buffers are unmapped here.  Go instead frees workbuf
 * spans to the heap after each cycle (prepareFreeWorkbufs, freeSomeWbufs). */
void gmi_workbuf_shutdown(void)
{
	pthread_mutex_lock(&work.chunk_lock);
	atomic_store_explicit(&work.full, 0, memory_order_relaxed);
	atomic_store_explicit(&work.empty, 0, memory_order_relaxed);
	for (size_t i = 0; i < work.nchunks; i++)
		gmi_os_free(work.chunks[i], WORKBUF_ALLOC);
	free(work.chunks);
	work.chunks = NULL;
	work.nchunks = work.chunks_cap = 0;
	atomic_store_explicit(&work.sys_bytes, 0, memory_order_relaxed);
	pthread_mutex_unlock(&work.chunk_lock);
}

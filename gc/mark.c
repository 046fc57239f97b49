/*
 * mark.c — tri-color marking (Go's mgcmark.go: markroot, scanobject,
 * greyobject, gcDrain; the parallel mark of Go 1.3-1.4 for the
 * stop-the-world collector).
 *
 * Colours: white = mark bit clear; grey = mark bit set and the object in a
 * work buffer; black = mark bit set and scanned.  Pointer-free objects go
 * straight to black.
 *
 * Marking, with the world stopped:
 * 1. The caller scans the roots conservatively: every attached thread's
 *    stack from its recorded stack pointer to its base, the registers it
 *    spilled, and every registered root range.  A word that points anywhere
 *    inside an allocated object greys it; any other word keeps nothing.
 * 2. Its grey objects go to the global full list, and the mark workers
 *    (procs - 1 threads, waiting on a condition variable) join it.
 * 3. Every marker drains: take a grey object, scan it precisely by its
 *    pointer map (heapbits.h: bits in the span, a malloc header, or the
 *    span's large type), grey what it points to.  Large objects are scanned
 *    in 128 KiB oblets, queued separately so that markers share them.
 * 4. A marker that finds no work anywhere waits; when every marker waits
 *    and the global list is empty, marking is done (Go's getfull:
 *    work.nwait == work.nproc).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "alloc/heapbits.h"
#include "alloc/mheap.h"
#include "alloc/panic.h"
#include "gc/gc.h"
#include "gc/proc.h"
#include "gc/roots.h"

/* 128 KiB: maxObletBytes (mgcmark.go). */
#define MARK_OBLET_BYTES ((uintptr_t)128 << 10)

typedef struct mark_worker {
	pthread_t thread;
	int index;
	gmi_gcwork gcw;
	int64_t cpu_ns;           /* CPU time spent marking in the last run */
} mark_worker;

/* Workers and the state they share.  mark_lock protects gen, stop,
 * finished; nwait is atomic. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake, done;
	uint64_t gen;             /* bumped to start a run */
	int finished;             /* workers done with the current run */
	bool stop;                /* shutting down */
	int nworkers;             /* threads besides the caller */
	int nmarkers;             /* nworkers + 1 */
	mark_worker *workers;
	_Atomic int nwait;        /* markers out of work (Go's work.nwait) */
} mark;

void gmi_mark_grey(gmi_gcwork *w, uintptr_t p)
{
	gmi_mspan *s = gmi_span_of(p);
	if (s == NULL || p >= s->limit)
		return;
	uintptr_t idx = gmi_span_obj_index(s, p);
	if (!gmi_span_is_allocated(s, idx))
		return;
	uint64_t *word = &s->gcmark_bits[idx / 64];
	uint64_t bit = (uint64_t)1 << (idx % 64);
	if (__atomic_load_n(word, __ATOMIC_RELAXED) & bit)
		return;
	if (__atomic_fetch_or(word, bit, __ATOMIC_RELAXED) & bit)
		return; /* another marker got there first */
	w->bytes_marked += s->elemsize;
	if (!gmi_spanclass_noscan(s->spanclass)) {
		uintptr_t obj = s->startaddr + idx * s->elemsize;
		/* it will likely be scanned soon by this marker (Go's
		 * greyobject prefetches it for the same reason) */
		__builtin_prefetch((const void *)obj);
		gmi_gcwork_put(w, obj);
	}
}

/* grey what the pointer slot at a holds */
static inline void mark_slot(gmi_gcwork *w, uintptr_t a)
{
	uintptr_t v = __atomic_load_n((uintptr_t *)a, __ATOMIC_RELAXED);
	if (v != 0)
		gmi_mark_grey(w, v);
}

/* the pointer slots of an array of t starting at obj, within [lo, hi) */
static void mark_scan_typed(gmi_gcwork *w, uintptr_t obj, uintptr_t lo,
			    uintptr_t hi, const gm_type *t)
{
	size_t ts = t->size;
	uintptr_t el = obj + (lo - obj) / ts * ts;
	for (; el < hi; el += ts) {
		for (size_t i = 0; i < t->nptrs; i++) {
			uintptr_t a = el + t->ptr_offsets[i];
			if (a >= hi)
				break;
			if (a >= lo)
				mark_slot(w, a);
		}
	}
	w->heap_scan_work += hi - lo;
}

/* a large object: queue its other oblets when scanning its start, then
 * scan one oblet (Go's scanobject with maxObletBytes) */
static void mark_scan_large(gmi_gcwork *w, gmi_mspan *s, uintptr_t b)
{
	uintptr_t start = s->startaddr, end = start + s->elemsize;
	if (s->largetype == NULL)
		return;
	if (b == start && s->elemsize > MARK_OBLET_BYTES)
		for (uintptr_t o = start + MARK_OBLET_BYTES; o < end; o += MARK_OBLET_BYTES)
			gmi_gcwork_put(w, o);
	uintptr_t hi = end - b > MARK_OBLET_BYTES ? b + MARK_OBLET_BYTES : end;
	mark_scan_typed(w, start, b, hi, s->largetype);
}

/* Go's scanobject: b is an object's slot (or an oblet of a large one) */
static void mark_scan_object(gmi_gcwork *w, uintptr_t b)
{
	gmi_mspan *s = gmi_span_of(b);
	if (s == NULL)
		gmi_throw("mark: grey object %#lx is not in the heap", (unsigned long)b);
	if (gmi_spanclass_sizeclass(s->spanclass) == 0) {
		mark_scan_large(w, s, b);
	} else if (gmi_span_has_heap_bits(s)) {
		uint64_t m = gmi_heap_bits_read(s, b);
		while (m != 0) {
			unsigned i = (unsigned)__builtin_ctzll(m);
			m &= m - 1;
			mark_slot(w, b + 8 * (uintptr_t)i);
		}
		w->heap_scan_work += s->elemsize;
	} else {
		const gm_type *t = *(const gm_type *const *)b; /* malloc header */
		uintptr_t obj = b + GMI_MALLOC_HEADER_SIZE;
		mark_scan_typed(w, obj, obj, b + s->elemsize, t);
	}
}

/* step 4: drain until no marker has work (Go's gcDrain + getfull) */
static void mark_drain(gmi_gcwork *w)
{
	for (;;) {
		uintptr_t b;
		unsigned n = 0;
		while ((b = gmi_gcwork_tryget(w)) != 0) {
			mark_scan_object(w, b);
			if (++n % 64 == 0 && gmi_work_full_empty())
				gmi_gcwork_balance(w);
		}
		atomic_fetch_add(&mark.nwait, 1);
		for (unsigned spins = 0;; spins++) {
			if (!gmi_work_full_empty()) {
				atomic_fetch_sub(&mark.nwait, 1);
				break;
			}
			if (atomic_load(&mark.nwait) == mark.nmarkers)
				return;
			if (spins > 20)
				sched_yield();
		}
	}
}

static void *mark_worker_main(void *arg)
{
	mark_worker *mw = arg;
	uint64_t seen = 0;
	pthread_mutex_lock(&mark.lock);
	for (;;) {
		while (mark.gen == seen && !mark.stop)
			pthread_cond_wait(&mark.wake, &mark.lock);
		if (mark.stop)
			break;
		seen = mark.gen;
		pthread_mutex_unlock(&mark.lock);
		int64_t t0 = gmi_thread_cputime();
		mark_drain(&mw->gcw);
		mw->cpu_ns = gmi_thread_cputime() - t0;
		pthread_mutex_lock(&mark.lock);
		mark.finished++;
		pthread_cond_signal(&mark.done);
	}
	pthread_mutex_unlock(&mark.lock);
	return NULL;
}

bool gmi_mark_init(int markers)
{
	pthread_mutex_init(&mark.lock, NULL);
	pthread_cond_init(&mark.wake, NULL);
	pthread_cond_init(&mark.done, NULL);
	mark.gen = 0;
	mark.stop = false;
	mark.nmarkers = markers < 1 ? 1 : markers;
	mark.nworkers = 0;
	mark.workers = calloc((size_t)mark.nmarkers, sizeof *mark.workers);
	if (mark.workers == NULL)
		return false;
	for (int i = 0; i < mark.nmarkers - 1; i++) {
		mark.workers[i].index = i;
		if (!gmi_spawn("mark", i, mark_worker_main, &mark.workers[i],
			       &mark.workers[i].thread))
			break;
		mark.nworkers++;
	}
	mark.nmarkers = mark.nworkers + 1;
	return true;
}

void gmi_mark_shutdown(void)
{
	pthread_mutex_lock(&mark.lock);
	mark.stop = true;
	pthread_cond_broadcast(&mark.wake);
	pthread_mutex_unlock(&mark.lock);
	for (int i = 0; i < mark.nworkers; i++) {
		pthread_join(mark.workers[i].thread, NULL);
		gmi_gcwork_dispose(&mark.workers[i].gcw);
	}
	free(mark.workers);
	mark.workers = NULL;
	pthread_cond_destroy(&mark.wake);
	pthread_cond_destroy(&mark.done);
	pthread_mutex_destroy(&mark.lock);
}

/* ---- roots (step 1) ----------------------------------------------------- */

typedef struct mark_roots {
	gmi_gcwork *w;
	uint64_t stack_bytes, global_bytes;
} mark_roots;

static void mark_root_word(uintptr_t word, void *ctx)
{
	gmi_mark_grey(ctx, word);
}

static void mark_root_thread(gmi_thread *t, void *ctx)
{
	mark_roots *r = ctx;
	uintptr_t lo, hi;
	gmi_thread_stack_range(t, &lo, &hi);
	gmi_scan_words(lo, hi, mark_root_word, r->w);
	r->stack_bytes += hi - lo;
	gmi_thread_regs_range(t, &lo, &hi);
	gmi_scan_words(lo, hi, mark_root_word, r->w);
}

static void mark_root_range(uintptr_t lo, uintptr_t hi, void *ctx)
{
	mark_roots *r = ctx;
	gmi_scan_words(lo, hi, mark_root_word, r->w);
	r->global_bytes += hi - lo;
}

void gmi_mark_run(gmi_mark_result *res)
{
	gmi_gcwork w = { 0 };
	mark_roots roots = { .w = &w };
	int64_t t0 = gmi_thread_cputime();
	gmi_proc_for_each(mark_root_thread, &roots);
	gmi_roots_for_each(mark_root_range, &roots);
	gmi_gcwork_dispose(&w); /* step 2: share the grey roots */

	atomic_store(&mark.nwait, 0);
	pthread_mutex_lock(&mark.lock);
	mark.finished = 0;
	mark.gen++;
	pthread_cond_broadcast(&mark.wake);
	pthread_mutex_unlock(&mark.lock);

	mark_drain(&w);
	pthread_mutex_lock(&mark.lock);
	while (mark.finished < mark.nworkers)
		pthread_cond_wait(&mark.done, &mark.lock);
	pthread_mutex_unlock(&mark.lock);

	res->marked = w.bytes_marked;
	res->worker_cpu_ns = gmi_thread_cputime() - t0;
	for (int i = 0; i < mark.nworkers; i++) {
		mark_worker *mw = &mark.workers[i];
		res->marked += mw->gcw.bytes_marked;
		res->worker_cpu_ns += mw->cpu_ns;
		mw->gcw.bytes_marked = 0;
		mw->gcw.heap_scan_work = 0;
	}
	res->stack_scan = roots.stack_bytes;
	res->globals_scan = roots.global_bytes;
	gmi_gcwork_dispose(&w);
}

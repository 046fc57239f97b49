/*
 * heapcheck.c — the debug whole-heap verifier: after mark, every object
 * reachable from the roots must be marked (STYLE.md: expensive checks).
 *
 * With the world stopped, after marking and before sweeping:
 * 1. Walk the object graph again from the same roots (stacks and
 *    registers as the cycle's scans saw them, root ranges, conservatively;
 *    see check_thread), independently of the mark bits: visited objects
 *    go in an open-addressing hash set, pending ones on a stack.
 * 2. Every object reached must have its mark bit set; a white one is a
 *    collector bug (it would be freed while reachable): throw, naming it.
 * Enabled by gmi_heapcheck_enabled (the GC tests set it; Go's own verifier
 * of this kind is GODEBUG=gccheckmark=1).
 */
#include <stdlib.h>
#include <string.h>

#include "alloc/heapbits.h"
#include "alloc/mheap.h"
#include "alloc/panic.h"
#include "gc/gc.h"
#include "gc/proc.h"
#include "gc/roots.h"

bool gmi_heapcheck_enabled;

typedef struct check_walk {
	uintptr_t *set;    /* open addressing, 0 = empty */
	size_t cap, n;
	uintptr_t *stack;
	size_t top, stack_cap;
	size_t reached;
	/* where the words being checked come from, for the error */
	const char *src;         /* "stack", "registers", "root range", "object" */
	const gmi_thread *src_t; /* the thread of a stack or registers */
	uintptr_t src_lo, src_hi;/* the range scanned, or the object */
} check_walk;

static void *check_alloc(size_t n)
{
	void *p = calloc(n, sizeof(uintptr_t));
	if (p == NULL)
		gmi_throw("heapcheck: out of memory for the verifier");
	return p;
}

/* insert b; false when it was already there */
static bool check_insert(check_walk *cw, uintptr_t b)
{
	if (2 * (cw->n + 1) > cw->cap) {
		check_walk old = *cw;
		cw->cap = old.cap * 2;
		cw->set = check_alloc(cw->cap);
		cw->n = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.set[i] != 0)
				check_insert(cw, old.set[i]);
		free(old.set);
	}
	size_t i = (b >> 4) * 0x9e3779b97f4a7c15ull % cw->cap;
	while (cw->set[i] != 0) {
		if (cw->set[i] == b)
			return false;
		i = (i + 1) % cw->cap;
	}
	cw->set[i] = b;
	cw->n++;
	return true;
}

/* the address of the first word in [lo, hi) that holds p, or 0 */
__attribute__((noinline, no_sanitize_address, no_sanitize_thread))
static uintptr_t check_find_word(uintptr_t lo, uintptr_t hi, uintptr_t p)
{
	for (uintptr_t a = (lo + 7) & ~(uintptr_t)7; a + 8 <= hi; a += 8)
		if (__atomic_load_n((const uintptr_t *)a, __ATOMIC_RELAXED) == p)
			return a;
	return 0;
}

/* a white object is reachable: say what it is and where the word was */
__attribute__((noreturn))
static void check_fail(const check_walk *cw, uintptr_t p, uintptr_t base, size_t size,
		       const gmi_mspan *s)
{
	uintptr_t at = check_find_word(cw->src_lo, cw->src_hi, p);
	const gmi_thread *t = cw->src_t;
	gmi_throw("heapcheck: reachable object %#lx (%zu bytes, span class %u) is not "
		  "marked; the word %#lx was found in %s [%#lx, %#lx) at %#lx"
		  "%s (thread %p: stack [%#lx, %#lx), sp %#lx)",
		  (unsigned long)base, size, s->spanclass, (unsigned long)p,
		  cw->src, (unsigned long)cw->src_lo, (unsigned long)cw->src_hi,
		  (unsigned long)at, t != NULL ? "" : " (no thread)", (const void *)t,
		  t != NULL ? (unsigned long)t->stack_limit : 0UL,
		  t != NULL ? (unsigned long)t->stack_base : 0UL,
		  t != NULL ? (unsigned long)t->stack_sp : 0UL);
}

/* step 2 for the object holding p, and queue it when first reached */
static void check_reach(uintptr_t p, void *ctx)
{
	check_walk *cw = ctx;
	uintptr_t base;
	size_t size;
	if (!gmi_find_object(p, &base, &size) || !check_insert(cw, base))
		return;
	gmi_mspan *s = gmi_span_of(base);
	uintptr_t idx = gmi_span_obj_index(s, base);
	if (!((s->gcmark_bits[idx / 64] >> (idx % 64)) & 1))
		check_fail(cw, p, base, size, s);
	cw->reached++;
	if (gmi_spanclass_noscan(s->spanclass))
		return;
	if (cw->top == cw->stack_cap) {
		cw->stack_cap *= 2;
		cw->stack = realloc(cw->stack, cw->stack_cap * sizeof(uintptr_t));
		if (cw->stack == NULL)
			gmi_throw("heapcheck: out of memory for the verifier");
	}
	cw->stack[cw->top++] = base;
}

static void check_slots(check_walk *cw, uintptr_t obj, uintptr_t end, const gm_type *t)
{
	for (uintptr_t el = obj; el + t->size <= end && t->size != 0; el += t->size)
		for (size_t i = 0; i < t->nptrs; i++)
			check_reach(*(uintptr_t *)(el + t->ptr_offsets[i]), cw);
}

/* every pointer of the object at slot b, by its layout */
static void check_object(check_walk *cw, uintptr_t b)
{
	gmi_mspan *s = gmi_span_of(b);
	cw->src = "object";
	cw->src_t = NULL;
	cw->src_lo = b;
	cw->src_hi = b + s->elemsize;
	if (gmi_spanclass_sizeclass(s->spanclass) == 0) {
		if (s->largetype != NULL)
			check_slots(cw, b, b + s->elemsize, s->largetype);
	} else if (gmi_span_has_heap_bits(s)) {
		for (uint64_t m = gmi_heap_bits_read(s, b); m != 0; m &= m - 1)
			check_reach(*(uintptr_t *)(b + 8 * (uintptr_t)__builtin_ctzll(m)), cw);
	} else {
		uintptr_t obj = b + GMI_MALLOC_HEADER_SIZE;
		check_slots(cw, obj, b + s->elemsize, *(const gm_type *const *)b);
	}
}

void gmi_heapcheck_thread_reset(gmi_thread *t)
{
	t->check_nroots = 0;
	t->check_scanned = false;
}

void gmi_heapcheck_thread_scanned(gmi_thread *t)
{
	t->check_scanned = true;
}

void gmi_heapcheck_thread_free(gmi_thread *t)
{
	free(t->check_roots);
	t->check_roots = NULL;
	t->check_nroots = t->check_cap = 0;
}

void gmi_heapcheck_stack_root(gmi_thread *t, uintptr_t word)
{
	uintptr_t base;
	size_t size;
	if (!gmi_find_object(word, &base, &size))
		return;
	if (t->check_nroots == t->check_cap) {
		size_t cap = t->check_cap == 0 ? 256 : 2 * t->check_cap;
		uintptr_t *r = realloc(t->check_roots, cap * sizeof *r);
		if (r == NULL)
			gmi_throw("heapcheck: out of memory recording %zu stack roots", cap);
		t->check_roots = r;
		t->check_cap = cap;
	}
	t->check_roots[t->check_nroots++] = word;
}

/*
 * A thread's roots are its stack and registers as this cycle's scan of
 * them saw them (check_roots, recorded by markroot.c), not as they are now.
 * That is what the collector is held to: with the hybrid barrier (Go's
 * proposal 17503) a stack is scanned once and never again, and what the
 * thread gains afterwards is a pointer it loaded from a heap slot (the
 * deletion shade covers it if the slot is overwritten) or a new object
 * (allocated black).  A conservative stack also gains words that are no
 * pointers the program holds: slots of frames pushed since the scan that
 * nothing has written yet keep whatever earlier code left there.  Under
 * ThreadSanitizer at -O0 such a slot (an allocator frame's unwritten
 * local) was seen holding the address of a field of a dead node (a
 * churned node of test_concurrent_graph, white, allocated before the
 * cycle): an object the mark rightly left white, reported as lost.  Go's
 * checkmark rescans precise stacks, which hold no such words; a
 * conservative rescan cannot tell them from pointers, so the check starts
 * from the words the scan saw and walks the heap from there as before.
 * What this leaves unchecked is a pointer a thread holds only in its
 * stack, gained after its scan: if the barrier lost it, the concurrent
 * suites see the freed object by its checksum instead.  A stack no scan
 * recorded (a direct call before any cycle) is checked as it is now.
 */
static void check_thread(gmi_thread *t, void *ctx)
{
	check_walk *cw = ctx;
	cw->src_t = t;
	if (t->check_scanned) {
		cw->src = "stack or registers as scanned";
		cw->src_lo = cw->src_hi = 0;
		for (size_t i = 0; i < t->check_nroots; i++)
			check_reach(t->check_roots[i], ctx);
		return;
	}
	uintptr_t lo, hi;
	gmi_thread_stack_range(t, &lo, &hi);
	cw->src = "stack";
	cw->src_lo = lo;
	cw->src_hi = hi;
	gmi_scan_words(lo, hi, check_reach, ctx);
	gmi_thread_regs_range(t, &lo, &hi);
	cw->src = "registers";
	cw->src_lo = lo;
	cw->src_hi = hi;
	gmi_scan_words(lo, hi, check_reach, ctx);
}

static void check_range(uintptr_t lo, uintptr_t hi, void *ctx)
{
	check_walk *cw = ctx;
	cw->src = "root range";
	cw->src_t = NULL;
	cw->src_lo = lo;
	cw->src_hi = hi;
	gmi_scan_words(lo, hi, check_reach, ctx);
}

size_t gmi_heapcheck_after_mark(void)
{
	check_walk cw = { .cap = 1024, .stack_cap = 1024 };
	cw.set = check_alloc(cw.cap);
	cw.stack = check_alloc(cw.stack_cap);
	gmi_proc_for_each(check_thread, &cw);
	gmi_roots_for_each(check_range, &cw);
	while (cw.top > 0)
		check_object(&cw, cw.stack[--cw.top]);
	free(cw.set);
	free(cw.stack);
	return cw.reached;
}

/*
 * trace.c — the gctrace line and the cycle hook: how a finished cycle is
 * reported (Go 1.19-1.21 mgc.go: gcMarkTermination's gctrace print,
 * itoaDiv, fmtNSAsMS).
 *
 * 1. gmi_mstats_cycle_done hands over each finished cycle's record (its
 *    gc_cpu_fraction already computed) with no lock held.
 * 2. With gctrace > 0 the line is formatted into a stack buffer exactly as
 *    Go prints it and written to stderr in one call, so lines from
 *    different cycles never interleave.
 * 3. The hook, if any, is called with the record, outside any lock.  A
 *    small generation count lets gm_set_cycle_hook wait until no call of
 *    the hook it replaced is still running, so that the caller may free
 *    that hook's context as soon as it returns.
 *
 * Overview of the collector: the top of gc/gc.c.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "gc/trace.h"

/* ---- the cycle hook ----------------------------------------------------- */

/*
 * trace_hook.lock is a leaf (the hook itself runs without it).
 * inv:hook-calls  live counts the calls in progress of the current hook,
 *                 stale those of hooks since replaced; a call belongs to
 *                 the generation it read at its start.
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t stale_done;  /* signalled when stale drops to 0 */
	gm_cycle_hook fn;           /* lock */
	void *ctx;                  /* lock */
	uint64_t gen;               /* lock: bumped by each gm_set_cycle_hook */
	unsigned live;              /* lock: inv:hook-calls */
	unsigned stale;             /* lock: inv:hook-calls */
} trace_hook = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.stale_done = PTHREAD_COND_INITIALIZER,
};

/* the calling thread is inside a hook call (a hook may replace itself) */
static _Thread_local bool trace_in_hook;

/* GODEBUG=gctrace=N; atomic, read at every cycle end */
static _Atomic int trace_level;

void gmi_trace_init(int gctrace)
{
	atomic_store_explicit(&trace_level, gctrace, memory_order_relaxed);
}

void gm_set_cycle_hook(gm_cycle_hook fn, void *ctx)
{
	pthread_mutex_lock(&trace_hook.lock);
	trace_hook.fn = fn;
	trace_hook.ctx = ctx;
	trace_hook.gen++;
	trace_hook.stale += trace_hook.live; /* inv:hook-calls */
	trace_hook.live = 0;
	/* From inside a hook, our own call is among the stale ones: do not
	 * wait for it. */
	while (!trace_in_hook && trace_hook.stale > 0)
		pthread_cond_wait(&trace_hook.stale_done, &trace_hook.lock);
	pthread_mutex_unlock(&trace_hook.lock);
}

/* step 3 */
static void trace_call_hook(const gm_cycle *c)
{
	pthread_mutex_lock(&trace_hook.lock);
	gm_cycle_hook fn = trace_hook.fn;
	void *ctx = trace_hook.ctx;
	uint64_t gen = trace_hook.gen;
	if (fn != NULL)
		trace_hook.live++;
	pthread_mutex_unlock(&trace_hook.lock);
	if (fn == NULL)
		return;

	bool outer = trace_in_hook;
	trace_in_hook = true;
	fn(c, ctx);
	trace_in_hook = outer;

	pthread_mutex_lock(&trace_hook.lock);
	if (gen == trace_hook.gen)
		trace_hook.live--;
	else if (--trace_hook.stale == 0)
		pthread_cond_broadcast(&trace_hook.stale_done);
	pthread_mutex_unlock(&trace_hook.lock);
}

/* ---- the gctrace line --------------------------------------------------- */

/* An snprintf-like sink: writes what fits, counts everything. */
typedef struct trace_buf {
	char *p;
	size_t n;    /* capacity, NUL included */
	size_t len;  /* characters produced so far */
} trace_buf;

static void trace_put(trace_buf *b, const char *s, size_t k)
{
	for (size_t i = 0; i < k; i++, b->len++)
		if (b->len + 1 < b->n)
			b->p[b->len] = s[i];
}

static void trace_puts(trace_buf *b, const char *s)
{
	size_t k = 0;
	while (s[k] != '\0')
		k++;
	trace_put(b, s, k);
}

/* 24 bytes: Go's sbuf [24]byte, enough for any uint64 with a '.' */
#define TRACE_NUMBUF 24

/* Go's itoaDiv (mgc.go): val / 10^dec in decimal with dec places, digits
 * written from the end of buf.  Ported step for step, including that the
 * loop always emits at least dec+1 digits (so dec=3 prints 5 as "0.005").
 * Returns where the text starts; it ends at buf + TRACE_NUMBUF. */
static char *trace_itoa_div(char buf[TRACE_NUMBUF], uint64_t val, int dec)
{
	int i = TRACE_NUMBUF - 1;
	int idec = i - dec;
	while (val >= 10 || i >= idec) {
		buf[i--] = (char)('0' + val % 10);
		if (i == idec)
			buf[i--] = '.';
		val /= 10;
	}
	buf[i] = (char)('0' + val);
	return buf + i;
}

static void trace_put_div(trace_buf *b, uint64_t val, int dec)
{
	char num[TRACE_NUMBUF];
	char *s = trace_itoa_div(num, val, dec);
	trace_put(b, s, (size_t)(num + TRACE_NUMBUF - s));
}

/* Go's print of an unsigned integer (printuint, print.go).  Not itoaDiv
 * with dec=0, which prints a single digit with a leading zero ("05"); Go
 * only calls it so for values of 10 and more. */
static void trace_put_u64(trace_buf *b, uint64_t v)
{
	char num[TRACE_NUMBUF];
	int i = TRACE_NUMBUF;
	do {
		num[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	trace_put(b, num + i, (size_t)(TRACE_NUMBUF - i));
}

/* Go's print of a signed integer */
static void trace_put_i64(trace_buf *b, int64_t v)
{
	if (v < 0) {
		trace_puts(b, "-");
		trace_put_u64(b, -(uint64_t)v);
	} else {
		trace_put_u64(b, (uint64_t)v);
	}
}

/* Go's fmtNSAsMS (mgc.go): ns as milliseconds.
 * - ns >= 10 ms: whole milliseconds ("15", "1234");
 * - else: x = ns / 1000 (whole microseconds); 0 prints "0"; otherwise x is
 *   cut to two significant digits, each cut dropping one of the three
 *   decimal places: 12 us -> "0.012", 1500 us -> "1.5", 100 us -> "0.10". */
static void trace_put_ms(trace_buf *b, uint64_t ns)
{
	if (ns >= 10000000) { /* 10e6 ns */
		trace_put_div(b, ns / 1000000, 0);
		return;
	}
	uint64_t x = ns / 1000;
	if (x == 0) {
		trace_puts(b, "0");
		return;
	}
	int dec = 3;
	for (; x >= 100; dec--)
		x /= 10;
	trace_put_div(b, x, dec);
}

/* "a+b+c ms clock, ": sweep termination, concurrent mark, mark termination
 * wall times, each the difference of consecutive phase starts, as Go's
 * uint64(ns-prev) over tSweepTerm, tMark, tMarkTerm, tEnd. */
static void trace_put_clock(trace_buf *b, const gm_cycle *c)
{
	const int64_t t[4] = { c->t_sweep_term, c->t_mark, c->t_mark_term, c->t_end };
	for (int i = 1; i < 4; i++) {
		if (i != 1)
			trace_puts(b, "+");
		trace_put_ms(b, (uint64_t)(t[i] - t[i - 1]));
	}
	trace_puts(b, " ms clock, ");
}

/* "d+e/f/g+h ms cpu, ": sweepTermCpu, assistTime, dedicated + fractional
 * mark time, idleMarkTime, markTermCpu; the three mark components are
 * separated by '/', the rest by '+'. */
static void trace_put_cpu(trace_buf *b, const gm_cycle *c)
{
	const int64_t v[5] = { c->sweep_term_cpu_ns, c->assist_cpu_ns,
			       c->mark_cpu_ns, c->idle_cpu_ns, c->mark_term_cpu_ns };
	for (int i = 0; i < 5; i++) {
		if (i == 2 || i == 3)
			trace_puts(b, "/");
		else if (i != 0)
			trace_puts(b, "+");
		trace_put_ms(b, (uint64_t)v[i]);
	}
	trace_puts(b, " ms cpu, ");
}

/*
 * Go's gctrace print (mgc.go, gcMarkTermination, Go 1.19-1.21), piece by
 * piece:
 *   "gc " numgc " @" itoaDiv((tSweepTerm - runtimeInitTime)/1e6 ms, 3) "s "
 *   int(gc_cpu_fraction*100) "%: "
 *   three fmtNSAsMS clock times joined by "+", " ms clock, "
 *   five fmtNSAsMS CPU times as d+e/f/g+h, " ms cpu, "
 *   heap0>>20 "->" heap1>>20 "->" heap2>>20 " MB, "
 *   lastHeapGoal>>20 " MB goal, "
 *   stack scan>>20 " MB stacks, "   (1.19: maxStackScan; 1.20+: lastStackScan)
 *   globalsScan>>20 " MB globals, "
 *   maxprocs " P", then " (forced)" for runtime.GC, then "\n".
 * Mapping: heap0 = heap_trigger, heap1 = heap_mark_end, heap2 =
 * heap_marked, lastHeapGoal = heap_goal, stacks = stack_scan, globals =
 * globals_scan, maxprocs = procs; gomem records the bytes of stack it
 * scanned, the figure Go 1.20+ prints.
 */
size_t gmi_gctrace_format(char *buf, size_t n, const gm_cycle *c,
			  int64_t since_init_ns_at_start)
{
	trace_buf b = { buf, n, 0 };
	trace_puts(&b, "gc ");
	trace_put_u64(&b, c->num);
	trace_puts(&b, " @");
	/* uint64(work.tSweepTerm-runtimeInitTime)/1e6, 3 decimals: seconds */
	trace_put_div(&b, (uint64_t)since_init_ns_at_start / 1000000, 3);
	trace_puts(&b, "s ");
	trace_put_i64(&b, (int64_t)(c->gc_cpu_fraction * 100)); /* util := int(...) */
	trace_puts(&b, "%: ");
	trace_put_clock(&b, c);
	trace_put_cpu(&b, c);
	trace_put_u64(&b, c->heap_trigger >> 20);
	trace_puts(&b, "->");
	trace_put_u64(&b, c->heap_mark_end >> 20);
	trace_puts(&b, "->");
	trace_put_u64(&b, c->heap_marked >> 20);
	trace_puts(&b, " MB, ");
	trace_put_u64(&b, c->heap_goal >> 20);
	trace_puts(&b, " MB goal, ");
	trace_put_u64(&b, c->stack_scan >> 20);
	trace_puts(&b, " MB stacks, ");
	trace_put_u64(&b, c->globals_scan >> 20);
	trace_puts(&b, " MB globals, ");
	trace_put_i64(&b, c->procs);
	trace_puts(&b, " P");
	if (c->forced)
		trace_puts(&b, " (forced)");
	trace_puts(&b, "\n");
	if (n > 0)
		buf[b.len < n ? b.len : n - 1] = '\0';
	return b.len;
}

/* step 2 */
static void trace_print(const gm_cycle *c)
{
	char line[512]; /* the longest line (every number 20 digits) is ~400 */
	size_t len = gmi_gctrace_format(line, sizeof line, c, c->t_sweep_term);
	if (len >= sizeof line)
		len = sizeof line - 1;
	fwrite(line, 1, len, stderr); /* one locked stdio call: Go's printlock */
}

void gmi_trace_cycle_done(const gm_cycle *c)
{
	if (atomic_load_explicit(&trace_level, memory_order_relaxed) > 0)
		trace_print(c);
	trace_call_hook(c);
}

/*
 * stack_depth.c — mutators with deep stacks while the collector runs: the
 * workload that shows whether a stop of the world grows with the total
 * stack size (GM_DIJKSTRA re-scans every stack at mark termination;
 * GM_HYBRID scans stacks during marking and never again; GM_STW scans
 * everything in its one stop).
 *
 * Benchmarks: stack_depth/gomem/DEPTH/THREADS, DEPTH 0, 1000, 10000 and
 * 100000 frames, THREADS 2.  One iteration (ms per iteration):
 *   1. start THREADS threads, each with a stack of DEPTH *
 *      GMB_STACK_FRAME_MAX bytes plus 1 MiB (pthread_attr_setstacksize);
 *   2. each attaches and recurses DEPTH frames; every frame allocates a
 *      16-byte object and keeps a pointer to it and to its caller's in
 *      volatile locals, so the conservative stack scan finds DEPTH live
 *      pointers per thread and marks an object for each;
 *   3. at the bottom each allocates SD_GARBAGE bytes of 64-byte garbage,
 *      so that cycles run (at GOGC=100 the goal counts the stacks, Go's
 *      gcControllerState.heapGoal, so deeper stacks mean fewer cycles per
 *      iteration);
 *   4. on the way back up each frame checks its object and its caller's
 *      (a lost stack root shows as a changed tag); each thread detaches,
 *      the benchmark thread joins them (a blocking region).
 * Counters (gccounters.h): the stops of the world one by one, over all
 * stops, mark terminations (markterm_*: the last stop of each cycle) and
 * the others (otherstop_*), p50/p99/max; stack_scan_bytes (mean per
 * cycle) and stack_scan_max_bytes; plus the GOGC-pause counters of every
 * GC workload, and `frames` (DEPTH * THREADS).  A lost root skips the run
 * with an error.  The worker threads are not placed by --pin (they are
 * not Google Benchmark's threads).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "gomem.h"
#include "harness/gccounters.h"
#include "harness/shim.h"
#include "harness/topology.h"
#include "harness/workload.h"
#include "workloads/stack_depth.h"

/* 16 MiB of garbage per thread per iteration: 4 times Go's minimum heap
 * goal (4 MiB, heapminimum in mgcpacer.go), so even the deepest stacks'
 * larger goal sees a cycle or more per iteration. */
#define SD_GARBAGE ((size_t)16 << 20)
#define SD_GARBAGE_OBJ 64 /* bytes: a small size class */
/* Stack beyond the frames: the thread's start, the garbage loop, libc. */
#define SD_STACK_SLACK ((size_t)1 << 20)

typedef struct sd_obj {
	uint64_t tag;  /* sd_tag(thread, depth) */
	uint64_t spare;
} sd_obj;

typedef struct sd_thread {
	const gmb_stack_depth *w;
	int index;
	int err;       /* gm_thread_attach's */
	long broken;   /* frames whose objects failed the check */
	pthread_t tid;
} sd_thread;

static uint64_t sd_tag(int thread, long depth)
{
	return ((uint64_t)(thread + 1) << 40) ^ (uint64_t)depth ^ 0x5d5d000000000000ull;
}

/* Step 3: garbage, each object touched so that a freed object's reuse
 * would overwrite it. */
static void sd_garbage(size_t bytes)
{
	for (size_t i = 0; i < bytes / SD_GARBAGE_OBJ; i++) {
		uint64_t *p = gm_alloc_noscan(SD_GARBAGE_OBJ);
		p[0] = i;
		gmb_do_not_optimize(p);
	}
}

/* Steps 2-4 for one frame at depth d (counting down to 0). */
__attribute__((noinline)) static long sd_recurse(sd_thread *t, long d,
						 sd_obj *parent)
{
	sd_obj *volatile mine = gm_alloc_noscan(sizeof(sd_obj));
	sd_obj *volatile up = parent;
	long broken;

	mine->tag = sd_tag(t->index, d);
	if (d == 0) {
		sd_garbage(t->w->garbage_bytes);
		broken = 0;
	} else {
		broken = sd_recurse(t, d - 1, mine);
	}
	/* A safepoint in every frame on the way back up, as Go's function
	 * prologue checks for preemption in every frame: the unwinding
	 * allocates nothing, and 100000 frames without a poll kept a stop
	 * waiting up to 10 ms (perf).  Not a tail call: the check follows the
	 * recursion. */
	gm_safepoint();
	broken += mine->tag != sd_tag(t->index, d) ||
		  (up != NULL && up->tag != sd_tag(t->index, d + 1));
	return broken;
}

static void *sd_thread_main(void *arg)
{
	sd_thread *t = arg;
	if ((t->err = gm_thread_attach()) != GM_OK)
		return NULL;
	/* the top frame has depth w->depth; its caller holds no object */
	t->broken = sd_recurse(t, t->w->depth, NULL);
	gm_thread_detach();
	return NULL;
}

const char *gmb_stack_depth_invalid(const gmb_stack_depth *w, char *buf,
				    size_t n)
{
	if (w->threads < 1 || w->threads > GMB_STACK_THREADS_MAX)
		snprintf(buf, n, "stack_depth: %d threads; accepted: 1 to %d",
			 w->threads, GMB_STACK_THREADS_MAX);
	else if (w->depth < 0 || w->depth > GMB_STACK_DEPTH_MAX)
		snprintf(buf, n, "stack_depth: depth %ld frames; accepted: 0 "
			 "to %d", w->depth, GMB_STACK_DEPTH_MAX);
	else
		return NULL;
	return buf;
}

/* Step 1 for thread t: 0, or an errno. */
static int sd_start(sd_thread *t)
{
	pthread_attr_t attr;
	size_t stack = (size_t)t->w->depth * GMB_STACK_FRAME_MAX + SD_STACK_SLACK;
	int rc = pthread_attr_init(&attr);
	if (rc == 0)
		rc = pthread_attr_setstacksize(&attr, stack);
	if (rc == 0)
		rc = pthread_create(&t->tid, &attr, sd_thread_main, t);
	pthread_attr_destroy(&attr);
	return rc;
}

long gmb_stack_depth_run(const gmb_stack_depth *w, char *err, size_t errlen)
{
	sd_thread t[GMB_STACK_THREADS_MAX];
	int started = 0, rc = 0;
	long broken = 0;

	if (gmb_stack_depth_invalid(w, err, errlen) != NULL)
		return -1;
	memset(t, 0, sizeof t);
	/* The benchmark thread is attached but touches no gomem memory from
	 * here to the joins: blocked, it holds up no stop while
	 * pthread_create maps and protects a stack. */
	gm_blocking_enter();
	for (; started < w->threads && rc == 0; started += rc == 0) {
		t[started].w = w;
		t[started].index = started;
		rc = sd_start(&t[started]);
	}
	for (int i = 0; i < started; i++)
		pthread_join(t[i].tid, NULL);
	gm_blocking_leave();
	if (rc != 0) {
		snprintf(err, errlen, "stack_depth: cannot start a thread with a "
			 "%zu-byte stack: %s", (size_t)w->depth *
			 GMB_STACK_FRAME_MAX + SD_STACK_SLACK, strerror(rc));
		return -1;
	}
	for (int i = 0; i < started; i++) {
		if (t[i].err != GM_OK) {
			snprintf(err, errlen, "stack_depth: gm_thread_attach: %s",
				 gm_strerror(t[i].err));
			return -1;
		}
		broken += t[i].broken;
	}
	return broken;
}

static void stack_depth_bench(gmb_state *st, void *arg)
{
	(void)arg;
	gmb_place_thread(st);
	gmb_stack_depth w = {
		.threads = (int)gmb_range(st, 1),
		.depth = (long)gmb_range(st, 0),
		.garbage_bytes = SD_GARBAGE,
	};
	char err[160];
	gm_gcstats before;
	long broken = 0;

	if (gmb_stack_depth_invalid(&w, err, sizeof err) != NULL) {
		gmb_skip_with_error(st, err);
		return;
	}
	gmb_gc_counters_begin(&before);
	while (gmb_keep_running(st)) {
		long b = gmb_stack_depth_run(&w, err, sizeof err);
		if (b < 0)
			gmb_fatal("%s", err);
		broken += b;
	}
	gmb_gc_counters_end(st, &before);
	gmb_set_counter(st, "frames", (double)w.depth * w.threads, 0);
	if (broken != 0) {
		snprintf(err, sizeof err, "stack_depth: %ld frames lost their "
			 "objects: a stack root was missed", broken);
		gmb_skip_with_error(st, err);
	}
}

static void stack_depth_register(void)
{
	static const int64_t depths[] = {0, 1000, 10000, 100000};
	gmb_opts o = {.unit = GMB_MS};
	gmb_bench *b = gmb_register("stack_depth/gomem", stack_depth_bench,
				    NULL, &o);
	for (size_t i = 0; i < sizeof depths / sizeof depths[0]; i++) {
		int64_t args[] = {depths[i], 2}; /* frames, threads */
		gmb_bench_args(b, args, 2);
	}
}

GMB_WORKLOAD(stack_depth,
	.name = "stack_depth",
	.description = "mutators recursing deep while they make garbage: "
		       "stops of the world, mark termination apart, against "
		       "stack size (ms per iteration)",
	.params = "depth: 0, 1000, 10000, 100000 frames, each holding 2 "
		  "gomem pointers; 2 threads; 16 MiB garbage each",
	.register_benchmarks = stack_depth_register);

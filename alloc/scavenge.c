/*
 * scavenge.c — returning free memory to the OS (Go's mgcscavenge.go): the
 * background scavenger, scavenging on allocation, and gmi_scavenge_all.
 *
 * The mechanism lives in the page allocator (gmi_pagealloc_scavenge: free,
 * unreleased pages, highest addresses first, with a high-water mark so
 * that each call resumes where the last one stopped; each run is taken
 * under the heap lock, released with madvise(MADV_DONTNEED) with the lock
 * dropped, and freed as released under it again, as Go's scavengeOne
 * does); this file decides how much and when.
 *
 * Two goals, either of which keeps the background scavenger working
 * (Go's shouldStop):
 *   retained <= percent goal  retained = heap in use + free not released
 *                             (heapRetained); the goal, set after every
 *                             cycle (gcPaceScavenger), is the pages in
 *                             use at the last mark termination scaled by
 *                             the growth of the heap goal, plus 10%.
 *   mapped   <= limit goal    mapped = every byte mapped and not released,
 *                             metadata included (mappedReady); the goal is
 *                             95% of the memory limit.
 *
 * 1. The scavenger thread (spawned by gc/limiter.c) parks until a cycle
 *    wakes it, or a second passes (the part of Go's sysmon that wakes it).
 * 2. run: release 64 KiB at a time while a goal is unmet, until 1 ms of
 *    work is done or nothing is left to release; before each 64 KiB, wait
 *    out any stop of the world (gmi_scavenge_wait_hook).
 * 3. sleep: worked / sleepRatio, where a PI controller moves sleepRatio
 *    so that worked / ((worked + slept) * procs) is 1%
 *    (scavengerState.sleep); back to 2, or to 1 once run released
 *    nothing.
 * 4. Allocation (gmi_scavenge_on_alloc, from mheap.c after a span that
 *    paged memory in or grew the heap): past the memory limit, release the
 *    excess at once; past the percent goal after a growth, release up to
 *    the growth.  Skipped, or cut short, while the GC CPU limiter is on;
 *    the time counts as assist time for it.
 *
 * Left out (Go has them): the huge-page density heuristics (chunks densely
 * allocated in the last cycle are spared).
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "alloc/gmi.h"
#include "alloc/malloc.h"
#include "alloc/mheap.h"
#include "alloc/os.h"
#include "alloc/scavenge.h"

/* 0.001: startingScavSleepRatio, the sleep ratio at start and after the
 * controller fails (work 1 : sleep 1000) */
#define SCAV_START_SLEEP_RATIO 0.001
/* 1 ms: minScavWorkTime: run works at least this long per batch, and
 * sleep counts at least this much work */
#define SCAV_MIN_WORK_NS 1e6
/* 5 s: the controller's cooldown after it failed (scavengerState.sleep) */
#define SCAV_COOLDOWN_NS ((int64_t)5000000000)
/* 1 s: how long the parked scavenger waits before it looks at its goals
 * again without being woken (sysmon's check, at its 10 ms to 10 s pace) */
#define SCAV_PARK_NS ((int64_t)1000000000)
/* 10 us: approxWorkedNSPerPhysicalPage, when the clock did not move */
#define SCAV_NS_PER_PHYS_PAGE 10e3

bool (*gmi_scavenge_limiting_hook)(void);
void (*gmi_scavenge_assist_hook)(int64_t ns);
void (*gmi_scavenge_wait_hook)(void);

/*
 * Goals and counters are atomics (relaxed: each stands alone).  The
 * thread's state is protected by scav.lock, except the controller, which
 * only the scavenger thread touches.
 */
static struct {
	_Atomic uint64_t percent_goal;  /* scavenge.gcPercentGoal */
	_Atomic int64_t limit;          /* gcController.memoryLimit */
	_Atomic uint64_t released_bg;   /* pages.scav.releasedBg */
	_Atomic uint64_t released_eager;/* pages.scav.releasedEager */
	int procs;                      /* written before the thread starts */
	pthread_mutex_t lock;
	pthread_cond_t wake;            /* CLOCK_MONOTONIC */
	bool woken, stop;               /* scav.lock */
	/* the scavenger thread's own */
	double sleep_ratio;             /* work : sleep */
	gmi_pi_controller ctl;          /* sleepController */
	int64_t cooldown;               /* controllerCooldown, ns */
} scav = {
	.percent_goal = GMI_SCAVENGE_NO_GOAL,
	.limit = GM_MEMLIMIT_OFF,
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

static int64_t scav_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t scav_load(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

/* ---- the PI controller (mgcpacer.go piController) ------------------------ */

static void pi_reset(gmi_pi_controller *c)
{
	c->err_integral = 0;
}

bool gmi_pi_next(gmi_pi_controller *c, double input, double setpoint,
		 double period, double *out)
{
	double raw = c->kp * (setpoint - input) + c->err_integral;
	if (!isfinite(raw)) {
		pi_reset(c);
		c->input_overflow = true;
		*out = c->min;
		return false;
	}
	double output = raw < c->min ? c->min : raw > c->max ? c->max : raw;
	if (c->ti != 0 && c->tt != 0) {
		/* integral with anti-windup back-calculation */
		c->err_integral += (c->kp * period / c->ti) * (setpoint - input) +
				   (period / c->tt) * (output - raw);
		if (!isfinite(c->err_integral)) {
			pi_reset(c);
			c->err_overflow = true;
			*out = c->min;
			return false;
		}
	}
	*out = output;
	return true;
}

/* ---- goals --------------------------------------------------------------- */

/* scav.wake times out on CLOCK_MONOTONIC; made once per process */
static pthread_once_t scav_cond_once = PTHREAD_ONCE_INIT;
static void scav_cond_init(void)
{
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&scav.wake, &a);
	pthread_condattr_destroy(&a);
}

void gmi_scavenge_init(int procs)
{
	pthread_once(&scav_cond_once, scav_cond_init);
	scav.procs = procs > 0 ? procs : 1;
	atomic_store(&scav.percent_goal, GMI_SCAVENGE_NO_GOAL);
	atomic_store(&scav.limit, GM_MEMLIMIT_OFF);
	atomic_store(&scav.released_bg, 0);
	atomic_store(&scav.released_eager, 0);
	scav.woken = scav.stop = false;
	/* scavengerState.init: "tuned loosely via Ziegler-Nichols" */
	scav.ctl = (gmi_pi_controller){ .kp = 0.3375, .ti = 3.2e6, .tt = 1e9,
					.min = 0.001, .max = 1000.0 };
	scav.sleep_ratio = SCAV_START_SLEEP_RATIO;
	scav.cooldown = 0;
}

uint64_t gmi_heap_retained(void)
{
	gmi_heapstats *st = &gmi_heap.stats;
	return scav_load(&st->heap_inuse) + scav_load(&st->heap_free);
}

void gmi_scavenge_pace(uint64_t heap_goal, uint64_t last_heap_goal,
		       uint64_t last_heap_inuse)
{
	uint64_t goal = GMI_SCAVENGE_NO_GOAL;
	/* "called before the first GC completed": no goal yet; GOGC=off
	 * without a limit: none either */
	if (last_heap_goal != 0 && heap_goal != UINT64_MAX && last_heap_goal != UINT64_MAX) {
		double g = (double)last_heap_inuse * ((double)heap_goal / (double)last_heap_goal);
		if (g < 1.6e19) {
			/* gcPercentGoal += gcPercentGoal / (1 / (10 / 100)) */
			uint64_t pg = (uint64_t)g;
			pg += pg / (100 / GMI_SCAVENGE_RETAIN_EXTRA_PERCENT);
			pg = (pg + GMI_PHYS_PAGE_SIZE - 1) & ~(uint64_t)(GMI_PHYS_PAGE_SIZE - 1);
			uint64_t now = gmi_heap_retained();
			if (now > pg && now - pg >= GMI_PHYS_PAGE_SIZE)
				goal = pg;
		}
	}
	atomic_store_explicit(&scav.percent_goal, goal, memory_order_relaxed);
}

void gmi_scavenge_set_limit(int64_t limit)
{
	atomic_store_explicit(&scav.limit, limit, memory_order_relaxed);
}

int64_t gmi_scavenge_limit(void)
{
	return atomic_load_explicit(&scav.limit, memory_order_relaxed);
}

uint64_t gmi_scavenge_percent_goal(void)
{
	return scav_load(&scav.percent_goal);
}

/* memoryLimitGoal = limit * (1 - 5/100) (Go 1.22) */
uint64_t gmi_scavenge_limit_goal(void)
{
	int64_t limit = atomic_load_explicit(&scav.limit, memory_order_relaxed);
	if (limit == GM_MEMLIMIT_OFF)
		return GMI_SCAVENGE_NO_GOAL;
	return (uint64_t)((double)limit * (1.0 - GMI_SCAVENGE_REDUCE_EXTRA_PERCENT / 100.0));
}

/* shouldStop: both goals met.  Go stores "no limit goal" when mapped
 * memory was under it at the last cycle; here it is compared now, so a
 * limit lowered between cycles is acted on at the next wake. */
static bool scav_goals_met(void)
{
	return gmi_heap_retained() <= gmi_scavenge_percent_goal() &&
	       scav_load(&gmi_heap.stats.mapped_ready) <= gmi_scavenge_limit_goal();
}

/* ---- releasing ------------------------------------------------------------ */

static bool scav_limiting(void)
{
	return gmi_scavenge_limiting_hook != NULL && gmi_scavenge_limiting_hook();
}

/* One step: at most max bytes (a whole page at least), under the heap
 * lock, which gmi_pagealloc_scavenge drops while the OS releases each
 * run, as Go's scavenge calls scavengeOne. */
static size_t scav_step(size_t max)
{
	pthread_mutex_lock(&gmi_heap.lock);
	size_t r = gmi_pagealloc_scavenge(&gmi_heap.pages, max, &gmi_heap.lock);
	if (r != 0)
		gmi_heap_publish_locked();
	pthread_mutex_unlock(&gmi_heap.lock);
	return r;
}

size_t gmi_scavenge_bytes(size_t nbytes, bool back_off)
{
	size_t done = 0;
	while (done < nbytes) {
		size_t want = nbytes - done < GMI_SCAVENGE_QUANTUM ? nbytes - done
								   : GMI_SCAVENGE_QUANTUM;
		size_t r = scav_step(want);
		done += r;
		if (r < want || (back_off && scav_limiting()))
			break; /* the heap is exhausted for now, or the limiter is on */
	}
	return done;
}

void gmi_scavenge_on_alloc(size_t growth)
{
	size_t todo = 0;
	int64_t limit = atomic_load_explicit(&scav.limit, memory_order_relaxed);
	if (limit != GM_MEMLIMIT_OFF && !scav_limiting()) {
		/* "Assist with scavenging to maintain the memory limit by the
		 * amount that we expect to page in": the published mapped
		 * memory already counts the pages just taken */
		uint64_t ready = scav_load(&gmi_heap.stats.mapped_ready);
		if (ready > (uint64_t)limit)
			todo = (size_t)(ready - (uint64_t)limit);
	}
	uint64_t goal = gmi_scavenge_percent_goal();
	if (goal != GMI_SCAVENGE_NO_GOAL && growth > 0) {
		/* a heap growth: scavenge down what will soon be used */
		uint64_t retained = gmi_heap_retained();
		if (retained + growth > goal) {
			size_t t = growth;
			if (retained + growth - goal < t)
				t = (size_t)(retained + growth - goal);
			if (t > todo)
				todo = t;
		}
	}
	if (todo == 0)
		return;
	int64_t t0 = scav_now();
	size_t r = gmi_scavenge_bytes(todo, true);
	atomic_fetch_add_explicit(&scav.released_eager, r, memory_order_relaxed);
	if (gmi_scavenge_assist_hook != NULL)
		gmi_scavenge_assist_hook(scav_now() - t0);
}

/* Every free page back to the OS (the second half of debug.FreeOSMemory;
 * gm_free_os_memory in gc/gc.c collects first, as Go does).  Go's
 * scavengeAll releases everything in one call on the system stack, where
 * no stop of the world can come in; a gigabyte took ~100 ms here, and a
 * stop requested meanwhile waited for all of it.  So it goes a quantum at
 * a time, as Go's background scavenger does between its preemption points
 * (scavengeQuantum, scavengerState.run in mgcscavenge.go), polling the
 * safepoint in between.  A 1 MiB step took 50-250 us on average on the
 * 2-vCPU test machine, all of it madvise, then done under the heap lock,
 * which the other thread, building its heap, waited for to get a span
 * while a stop waited for that thread (steady_heap at 1 GiB: 14 of the 18
 * stops over 1 ms while the heaps were built came in the 150 ms after
 * gm_free_os_memory); a quantum takes ~12 us, and the lock is no longer
 * held around the madvise (gmi_pagealloc_scavenge). */
void gmi_scavenge_all(void)
{
	if (!gmi_malloc_is_inited())
		return;
	size_t r;
	do {
		r = scav_step(GMI_SCAVENGE_QUANTUM);
		if (r == GMI_SCAVENGE_QUANTUM && gmi_alloc_poll_hook != NULL)
			gmi_alloc_poll_hook();
	} while (r == GMI_SCAVENGE_QUANTUM);
}

uint64_t gmi_scavenge_released_bg(void) { return scav_load(&scav.released_bg); }
uint64_t gmi_scavenge_released_eager(void) { return scav_load(&scav.released_eager); }

/* ---- the background scavenger ------------------------------------------- */

/* wait on scav.wake until woken, stopped, or `ns` passed; scav.lock held.
 * Returns false when asked to stop. */
static bool scav_wait_locked(int64_t ns)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t t = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + ns;
	ts.tv_sec = t / 1000000000;
	ts.tv_nsec = t % 1000000000;
	while (!scav.woken && !scav.stop)
		if (pthread_cond_timedwait(&scav.wake, &scav.lock, &ts) != 0)
			break; /* timed out */
	scav.woken = false;
	return !scav.stop;
}

/* step 1 (park) and the sleep of step 3 */
static bool scav_wait(int64_t ns)
{
	pthread_mutex_lock(&scav.lock);
	bool go_on = scav_wait_locked(ns);
	pthread_mutex_unlock(&scav.lock);
	return go_on;
}

/* step 2 (scavengerState.run): bytes released; *worked gets ns */
static size_t scav_run(double *worked)
{
	size_t released = 0;
	*worked = 0;
	while (*worked < SCAV_MIN_WORK_NS && !scav_goals_met()) {
		/* Go's scavenger is a goroutine, stopped with the world between
		 * its quanta; this thread keeps out of a stop likewise, rather
		 * than hold a CPU and the heap lock that the threads being
		 * stopped need (perf: 1 ms of a 1 ms stop on one of 2 CPUs,
		 * the mutator being waited for runnable all along) */
		if (gmi_scavenge_wait_hook != NULL)
			gmi_scavenge_wait_hook();
		int64_t t0 = scav_now();
		size_t r = scav_step(GMI_SCAVENGE_QUANTUM);
		int64_t dt = scav_now() - t0;
		*worked += dt > 0 ? (double)dt
				  : SCAV_NS_PER_PHYS_PAGE * (double)(r / GMI_PHYS_PAGE_SIZE);
		released += r;
		if (r < GMI_SCAVENGE_QUANTUM)
			break; /* nothing left to release for now */
	}
	return released;
}

/* step 3 (scavengerState.sleep); false when asked to stop */
static bool scav_sleep(double worked)
{
	if (worked < SCAV_MIN_WORK_NS)
		worked = SCAV_MIN_WORK_NS;
	/* scavengeCostRatio is 0 on Linux: worked *= 1 + 0 */
	int64_t t0 = scav_now();
	if (!scav_wait((int64_t)(worked / scav.sleep_ratio)))
		return false;
	int64_t slept = scav_now() - t0;
	if (scav.cooldown > 0) {
		int64_t t = slept + (int64_t)worked;
		scav.cooldown = t > scav.cooldown ? 0 : scav.cooldown - t;
		return true;
	}
	double ideal = GMI_SCAVENGE_PERCENT / 100.0;
	double cpu = worked / (((double)slept + worked) * scav.procs);
	if (!gmi_pi_next(&scav.ctl, cpu, ideal, (double)slept + worked, &scav.sleep_ratio)) {
		/* the controller's assumption broke down: sleep a fixed,
		 * conservative amount for a while */
		scav.sleep_ratio = SCAV_START_SLEEP_RATIO;
		scav.cooldown = SCAV_COOLDOWN_NS;
	}
	return true;
}

void *gmi_scavenger_main(void *arg)
{
	(void)arg;
	while (scav_wait(SCAV_PARK_NS)) { /* step 1 */
		for (;;) {
			double worked;
			size_t released = scav_run(&worked);
			if (released == 0)
				break; /* park */
			atomic_fetch_add_explicit(&scav.released_bg, released,
						  memory_order_relaxed);
			if (!scav_sleep(worked))
				return NULL;
		}
	}
	return NULL;
}

static void scav_signal(bool stop)
{
	pthread_mutex_lock(&scav.lock);
	scav.woken = true;
	scav.stop = scav.stop || stop;
	pthread_cond_signal(&scav.wake);
	pthread_mutex_unlock(&scav.lock);
}

void gmi_scavenger_wake(void) { scav_signal(false); }
void gmi_scavenger_stop(void) { scav_signal(true); }

/*
 * pacersim_scenarios.c — the 19 scenarios of Go's TestGcPacer
 * (src/runtime/mgcpacer_test.go at commit d7a0c45642fe, Go 1.22+; the
 * memory-limit ones assume Go 1.21's 3% limit headroom), each with Go's
 * inputs and Go's checker, thresholds unchanged.  The simulation that runs
 * them is gc/pacersim.c.
 *
 * A scenario's streams are built afresh for every run by its builder, the
 * C form of Go's struct literal; scenarios whose streams are the same
 * share a builder, named after the first of them.  A checker looks at the
 * first n results c[0 .. n-1], as Go's does after each cycle.
 *
 * Random streams: Go's random(amp, seed) draws from
 * rand.New(rand.NewSource(seed)); gmi_stream_random seeds a port of that
 * generator (gc/pacersim_rand.c) with the same seed, so HighGOGC,
 * JitterAlloc and HeavyJitterAlloc see Go's very numbers.
 */
#include <string.h>

#include "gc/pacer.h"
#include "gc/pacersim.h"
#include "gomem.h"

/* GCGoalUtilization, mgcpacer.go */
#define GOAL_UTIL 0.25

/* shorthands for the builders, after Go's names */
#define P (&s->pool)
#define constant(c) gmi_stream_constant(P, (c))
#define unit(a) gmi_stream_unit(P, (a))
#define ramp(h, n) gmi_stream_ramp(P, (h), (n))
#define oscillate(a, ph, n) gmi_stream_oscillate(P, (a), (ph), (n))
#define random(a, seed) gmi_stream_random(P, (a), (seed))
#define delay(f, n) gmi_stream_delay(P, (f), (n))
#define offset(f, a) gmi_stream_offset(P, (f), (a))
#define sum(f, ...) gmi_stream_sum(P, (f), __VA_ARGS__, NULL)

/* the inputs all but the memory-limit scenarios share at rest */
static void streams_base(struct gmi_pacersim_streams *s, double alloc)
{
	s->alloc_rate = constant(alloc);
	s->scan_rate = constant(1024.0);
	s->growth_rate = sum(constant(2.0), ramp(-1.0, 12));
	s->scannable_frac = constant(1.0);
	s->stack_bytes = constant(8192);
}

/* Steady, SteadyMemoryLimit, SteadyMemoryLimitNoGCPercent */
static void streams_steady(struct gmi_pacersim_streams *s)
{
	streams_base(s, 33.0);
}

static void streams_steady_big_stacks(struct gmi_pacersim_streams *s)
{
	streams_base(s, 132.0);
	s->stack_bytes = sum(constant(2048), ramp(128 << 20, 8));
}

static void streams_steady_big_globals(struct gmi_pacersim_streams *s)
{
	streams_base(s, 132.0);
}

static void streams_step_alloc(struct gmi_pacersim_streams *s)
{
	streams_base(s, 0);
	s->alloc_rate = sum(constant(33.0), delay(ramp(66.0, 1), 50));
}

static void streams_heavy_step_alloc(struct gmi_pacersim_streams *s)
{
	streams_base(s, 0);
	s->alloc_rate = sum(constant(33), delay(ramp(330, 1), 50));
}

static void streams_step_scannable_frac(struct gmi_pacersim_streams *s)
{
	streams_base(s, 128.0);
	s->scannable_frac = sum(constant(0.2), delay(unit(0.5), 50));
}

static void streams_high_gogc(struct gmi_pacersim_streams *s)
{
	streams_base(s, 0);
	s->alloc_rate = offset(random(7, 0x53), 165);
	s->growth_rate = sum(constant(2.0), ramp(-1.0, 12), random(0.01, 0x1),
			     delay(unit(14), 25));
}

static void streams_osc_alloc(struct gmi_pacersim_streams *s)
{
	streams_base(s, 0);
	s->alloc_rate = offset(oscillate(13, 0, 8), 67);
}

static void streams_jitter_alloc(struct gmi_pacersim_streams *s)
{
	streams_base(s, 0);
	s->alloc_rate = offset(random(13, 0xf), 132);
	s->growth_rate = sum(constant(2.0), ramp(-1.0, 12), random(0.01, 0xe));
}

static void streams_heavy_jitter_alloc(struct gmi_pacersim_streams *s)
{
	streams_base(s, 0);
	s->alloc_rate = offset(random(33.0, 0x0), 330);
	s->growth_rate = sum(constant(2.0), ramp(-1.0, 12), random(0.01, 0x152));
}

/* the slow-allocation scenarios: growth to the heap size, then flat */
static void streams_slow(struct gmi_pacersim_streams *s, double g0, double dg, int n)
{
	s->alloc_rate = constant(1.0);
	s->scan_rate = constant(2048.0);
	s->growth_rate = sum(constant(g0), ramp(dg, n));
	s->scannable_frac = constant(0.01);
	s->stack_bytes = constant(8192);
}

static void streams_small_heap_slow_alloc(struct gmi_pacersim_streams *s)
{
	streams_slow(s, 2.0, -1.0, 3);
}

static void streams_medium_heap_slow_alloc(struct gmi_pacersim_streams *s)
{
	streams_slow(s, 2.0, -1.0, 8);
}

static void streams_large_heap_slow_alloc(struct gmi_pacersim_streams *s)
{
	streams_slow(s, 4.0, -3.0, 12);
}

/* ExceedMemoryLimit, ExceedMemoryLimitNoGCPercent */
static void streams_exceed_memory_limit(struct gmi_pacersim_streams *s)
{
	streams_base(s, 33.0);
	s->growth_rate = sum(constant(3.5), ramp(-2.5, 12));
}

/* MaintainMemoryLimit, MaintainMemoryLimitNoGCPercent */
static void streams_maintain_memory_limit(struct gmi_pacersim_streams *s)
{
	streams_base(s, 33.0);
	s->growth_rate = sum(constant(3.0), ramp(-2.0, 12));
}

/* ---- the checkers --------------------------------------------------------- */

#define CK(name, a, lo, hi) gmi_pacersim_in_range(ck, n, (name), (a), (lo), (hi))
#define CKE(name, a, b, eps) gmi_pacersim_in_epsilon(ck, n, (name), (a), (b), (eps))
#define UTIL(i) (c[(i)].gc_utilization)
#define GOAL_RATIO(i) gmi_pacersim_goal_ratio(&c[(i)])

/* The steady-state criteria: from cycle 25 on, utilization within 0.005
 * of 25% and of the last cycle's, peak within 5% of the goal.  Go writes
 * them out in Steady, SteadyBigStacks, SteadyBigGlobals,
 * SteadyMemoryLimit(NoGCPercent) and MaintainMemoryLimit(NoGCPercent). */
static void check_settled(struct gmi_pacersim_check *ck, const struct gmi_pacersim_cycle *c,
			  int n)
{
	if (n < 25)
		return;
	CKE("GC utilization", UTIL(n - 1), GOAL_UTIL, 0.005);
	CKE("GC utilization", UTIL(n - 1), UTIL(n - 2), 0.005);
	CK("goal ratio", GOAL_RATIO(n - 1), 0.95, 1.05);
}

/* Steady, SteadyBigStacks, SteadyBigGlobals */
static void check_steady(struct gmi_pacersim_check *ck, const struct gmi_pacersim_cycle *c,
			 int n)
{
	check_settled(ck, c, n);
}

/* StepAlloc, HeavyStepAlloc, StepScannableFrac: settle in 25 cycles, and
 * again 25 cycles after the step at cycle 50 */
static void check_step(struct gmi_pacersim_check *ck, const struct gmi_pacersim_cycle *c,
		       int n)
{
	if ((n >= 25 && n < 50) || n >= 75) {
		CKE("GC utilization", UTIL(n - 1), UTIL(n - 2), 0.005);
		CK("goal ratio", GOAL_RATIO(n - 1), 0.95, 1.05);
	}
}

static void check_high_gogc(struct gmi_pacersim_check *ck, const struct gmi_pacersim_cycle *c,
			    int n)
{
	if (n <= 12)
		return;
	if (n == 26)
		/* the heap grows 14x: overshoot, but never by more than GOGC */
		CK("goal ratio", GOAL_RATIO(n - 1), 0.90, 15);
	else
		/* with GOGC=1500 the 0.95 trigger bound forces an undershoot */
		CK("goal ratio", GOAL_RATIO(n - 1), 0.90, 1.05);
	CKE("GC utilization", UTIL(n - 1), GOAL_UTIL, GOAL_UTIL + 0.03);
	CKE("GC utilization", UTIL(n - 1), UTIL(n - 2), 0.03);
}

static void check_osc_alloc(struct gmi_pacersim_check *ck, const struct gmi_pacersim_cycle *c,
			    int n)
{
	if (n > 12) {
		CK("goal ratio", GOAL_RATIO(n - 1), 0.95, 1.05);
		CK("GC utilization", UTIL(n - 1), 0.25, 0.3);
	}
}

static void check_jitter_alloc(struct gmi_pacersim_check *ck, const struct gmi_pacersim_cycle *c,
			       int n)
{
	if (n > 12) {
		CK("goal ratio", GOAL_RATIO(n - 1), 0.95, 1.025);
		CK("GC utilization", UTIL(n - 1), 0.25, 0.275);
	}
}

static void check_heavy_jitter_alloc(struct gmi_pacersim_check *ck,
				     const struct gmi_pacersim_cycle *c, int n)
{
	if (n > 13) {
		CK("goal ratio", GOAL_RATIO(n - 1), 0.95, 1.05);
		CKE("GC utilization", UTIL(n - 1), UTIL(n - 2), 0.05);
		CKE("GC utilization", UTIL(n - 1), UTIL(11), 0.05);
	}
}

/* the slow-allocation scenarios' utilization, from cycle 26 on */
static void check_slow_util(struct gmi_pacersim_check *ck, const struct gmi_pacersim_cycle *c,
			    int n)
{
	if (n > 25) {
		CKE("GC utilization", UTIL(n - 1), GOAL_UTIL, 0.005);
		CKE("GC utilization", UTIL(n - 1), UTIL(n - 2), 0.05);
		CKE("GC utilization", UTIL(n - 1), UTIL(11), 0.05);
	}
}

/* SmallHeapSlowAlloc (after cycle 4) and MediumHeapSlowAlloc (after 9):
 * near the goal, and the trigger near 0.95 of the way to it */
static void check_slow_alloc(struct gmi_pacersim_check *ck, const struct gmi_pacersim_cycle *c,
			     int n, int settled)
{
	if (n > settled) {
		CK("goal ratio", GOAL_RATIO(n - 1), 0.925, 1.025);
		CK("trigger ratio", gmi_pacersim_trigger_ratio(&c[n - 1]), 0.925, 0.975);
	}
	check_slow_util(ck, c, n);
}

static void check_small_heap_slow_alloc(struct gmi_pacersim_check *ck,
					const struct gmi_pacersim_cycle *c, int n)
{
	check_slow_alloc(ck, c, n, 4);
}

static void check_medium_heap_slow_alloc(struct gmi_pacersim_check *ck,
					 const struct gmi_pacersim_cycle *c, int n)
{
	check_slow_alloc(ck, c, n, 9);
}

/* a large heap: the runway is the minimum heap size, within 64 KiB */
static void check_large_heap_slow_alloc(struct gmi_pacersim_check *ck,
					const struct gmi_pacersim_cycle *c, int n)
{
	if (n > 13) {
		CK("goal ratio", GOAL_RATIO(n - 1), 0.95, 1.05);
		CK("runway", gmi_pacersim_runway(&c[n - 1]),
		   (double)(GMI_DEFAULT_HEAP_MINIMUM - (64 << 10)),
		   (double)(GMI_DEFAULT_HEAP_MINIMUM + (64 << 10)));
	}
	check_slow_util(ck, c, n);
}

/* the 512 MiB limit of the memory-limit scenarios, less Go's headroom */
#define LIMIT_512M ((int64_t)512 << 20)

static void check_goal_is_limit(struct gmi_pacersim_check *ck,
				const struct gmi_pacersim_cycle *c, int n)
{
	uint64_t goal = c[n - 1].heap_goal;
	if (goal != gmi_pacersim_limit_headroom((uint64_t)LIMIT_512M))
		gmi_pacersim_errorf(ck, n, "heap goal is not the heap limit: %llu",
				    (unsigned long long)goal);
}

/* the goal as low as it goes: the marked heap */
static void check_goal_is_live(struct gmi_pacersim_check *ck,
			       const struct gmi_pacersim_cycle *c, int n)
{
	uint64_t goal = c[n - 1].heap_goal, live = c[n - 1].heap_live;
	if (goal != live)
		gmi_pacersim_errorf(ck, n, "heap goal is not equal to live heap: %llu != %llu",
				    (unsigned long long)goal, (unsigned long long)live);
}

static void check_steady_memory_limit(struct gmi_pacersim_check *ck,
				      const struct gmi_pacersim_cycle *c, int n)
{
	uint64_t peak = c[n - 1].heap_peak;
	if (peak >= gmi_pacersim_limit_headroom((uint64_t)LIMIT_512M))
		gmi_pacersim_errorf(ck, n, "peak heap size reaches heap limit: %llu",
				    (unsigned long long)peak);
	check_settled(ck, c, n);
}

static void check_steady_memory_limit_no_gc_percent(struct gmi_pacersim_check *ck,
						    const struct gmi_pacersim_cycle *c, int n)
{
	check_goal_is_limit(ck, c, n);
	check_settled(ck, c, n);
}

/* the pacer holds on past the limit, pushing back at 100% utilization */
static void check_exceed_pressure(struct gmi_pacersim_check *ck,
				  const struct gmi_pacersim_cycle *c, int n)
{
	if (n > 12)
		check_goal_is_live(ck, c, n);
	if (n >= 25) {
		CKE("GC utilization", UTIL(n - 1), 1.0, 0.005);
		CKE("GC utilization", UTIL(n - 1), UTIL(n - 2), 0.005);
	}
}

static void check_exceed_memory_limit(struct gmi_pacersim_check *ck,
				      const struct gmi_pacersim_cycle *c, int n)
{
	check_exceed_pressure(ck, c, n);
}

static void check_exceed_memory_limit_no_gc_percent(struct gmi_pacersim_check *ck,
						    const struct gmi_pacersim_cycle *c, int n)
{
	if (n < 10)
		check_goal_is_limit(ck, c, n);
	check_exceed_pressure(ck, c, n);
}

static void check_maintain_memory_limit(struct gmi_pacersim_check *ck,
					const struct gmi_pacersim_cycle *c, int n)
{
	if (n > 12)
		check_goal_is_limit(ck, c, n);
	check_settled(ck, c, n);
}

static void check_maintain_memory_limit_no_gc_percent(struct gmi_pacersim_check *ck,
						      const struct gmi_pacersim_cycle *c, int n)
{
	check_goal_is_limit(ck, c, n);
	check_settled(ck, c, n);
}

/* ---- the table -------------------------------------------------------------- */

#define KiB(n) ((uint64_t)(n) << 10)
#define MiB(n) ((uint64_t)(n) << 20)
#define NOLIMIT GM_MEMLIMIT_OFF /* Go's math.MaxInt64 */

const struct gmi_pacersim_scenario gmi_pacersim_scenarios[] = {
	/* name, GOGC, limit, globals, cores, cycles, streams, checker */
	{ "Steady", 100, NOLIMIT, KiB(32), 8, 50, streams_steady, check_steady },
	{ "SteadyBigStacks", 100, NOLIMIT, KiB(32), 8, 50,
	  streams_steady_big_stacks, check_steady },
	{ "SteadyBigGlobals", 100, NOLIMIT, MiB(128), 8, 50,
	  streams_steady_big_globals, check_steady },
	{ "StepAlloc", 100, NOLIMIT, KiB(32), 8, 100, streams_step_alloc, check_step },
	{ "HeavyStepAlloc", 100, NOLIMIT, KiB(32), 8, 100,
	  streams_heavy_step_alloc, check_step },
	{ "StepScannableFrac", 100, NOLIMIT, KiB(32), 8, 100,
	  streams_step_scannable_frac, check_step },
	{ "HighGOGC", 1500, NOLIMIT, KiB(32), 8, 50, streams_high_gogc, check_high_gogc },
	{ "OscAlloc", 100, NOLIMIT, KiB(32), 8, 50, streams_osc_alloc, check_osc_alloc },
	{ "JitterAlloc", 100, NOLIMIT, KiB(32), 8, 50,
	  streams_jitter_alloc, check_jitter_alloc },
	{ "HeavyJitterAlloc", 100, NOLIMIT, KiB(32), 8, 50,
	  streams_heavy_jitter_alloc, check_heavy_jitter_alloc },
	{ "SmallHeapSlowAlloc", 100, NOLIMIT, KiB(32), 8, 50,
	  streams_small_heap_slow_alloc, check_small_heap_slow_alloc },
	{ "MediumHeapSlowAlloc", 100, NOLIMIT, KiB(32), 8, 50,
	  streams_medium_heap_slow_alloc, check_medium_heap_slow_alloc },
	{ "LargeHeapSlowAlloc", 100, NOLIMIT, KiB(32), 8, 50,
	  streams_large_heap_slow_alloc, check_large_heap_slow_alloc },
	{ "SteadyMemoryLimit", 100, LIMIT_512M, KiB(32), 8, 50,
	  streams_steady, check_steady_memory_limit },
	{ "SteadyMemoryLimitNoGCPercent", -1, LIMIT_512M, KiB(32), 8, 50,
	  streams_steady, check_steady_memory_limit_no_gc_percent },
	{ "ExceedMemoryLimit", 100, LIMIT_512M, KiB(32), 8, 50,
	  streams_exceed_memory_limit, check_exceed_memory_limit },
	{ "ExceedMemoryLimitNoGCPercent", -1, LIMIT_512M, KiB(32), 8, 50,
	  streams_exceed_memory_limit, check_exceed_memory_limit_no_gc_percent },
	{ "MaintainMemoryLimit", 100, LIMIT_512M, KiB(32), 8, 50,
	  streams_maintain_memory_limit, check_maintain_memory_limit },
	{ "MaintainMemoryLimitNoGCPercent", -1, LIMIT_512M, KiB(32), 8, 50,
	  streams_maintain_memory_limit, check_maintain_memory_limit_no_gc_percent },
};

const int gmi_pacersim_nscenarios =
	(int)(sizeof(gmi_pacersim_scenarios) / sizeof(gmi_pacersim_scenarios[0]));

const struct gmi_pacersim_scenario *gmi_pacersim_find(const char *name)
{
	for (int i = 0; i < gmi_pacersim_nscenarios; i++)
		if (strcmp(gmi_pacersim_scenarios[i].name, name) == 0)
			return &gmi_pacersim_scenarios[i];
	return NULL;
}

/* applyMemoryLimitHeapGoalHeadroom, mgcpacer_test.go: written out apart
 * from the pacer's own (gmi_pacer_limit_goal_for), as Go's test does */
uint64_t gmi_pacersim_limit_headroom(uint64_t goal)
{
	uint64_t headroom = goal / 100 * GMI_PACER_LIMIT_HEADROOM_PERCENT;
	if (headroom < GMI_PACER_LIMIT_MIN_HEADROOM)
		headroom = GMI_PACER_LIMIT_MIN_HEADROOM;
	if (goal < headroom || goal - headroom < headroom)
		return headroom;
	return goal - headroom;
}

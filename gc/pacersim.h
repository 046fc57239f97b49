/*
 * pacersim.h — Go's pacer simulation (TestGcPacer, src/runtime/
 * mgcpacer_test.go at commit d7a0c45642fe, Go 1.22+, with its 19
 * scenarios) driving gomem's pacer
 * (gc/pacer.c): the input streams, the idealized mark loop, the scenario
 * table with Go's pass criteria, and Go's math/rand generator for the
 * random streams.  Library-internal: tests/test_pacersim.c checks every
 * scenario, and `gomem-bench pacer-sim` prints a scenario's trace.
 *
 * The simulation drives the process's one pacer (gmi_pacer_init resets
 * it): run it in a process where no collector runs (before gm_init, or
 * without it).
 */
#ifndef GOMEM_GC_PACERSIM_H
#define GOMEM_GC_PACERSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Go's math/rand (gc/pacersim_rand.c) -------------------------------- */

/* 607: rngLen, src/math/rand/rng.go: the words of the generator's register */
#define GMI_GORAND_LEN 607

/* rngSource: rand.New(rand.NewSource(seed)) of Go's math/rand v1 */
struct gmi_gorand {
	int tap, feed;                 /* indices into vec */
	uint64_t vec[GMI_GORAND_LEN];  /* the feedback register */
};
/* rngSource.Seed: the same seed gives Go's stream, bit for bit */
void gmi_gorand_seed(struct gmi_gorand *r, int64_t seed);
/* rngSource.Uint64: the next 64 bits */
uint64_t gmi_gorand_uint64(struct gmi_gorand *r);
/* Rand.Float64: in [0, 1) */
double gmi_gorand_float64(struct gmi_gorand *r);

/* ---- input streams (gc/pacersim.c) -------------------------------------- */

/* One of Go's float64Stream closures: a node with its own state.  Streams
 * live in a pool (struct gmi_stream_pool) filled by a scenario's builder,
 * so that every run starts them afresh. */
enum gmi_stream_kind {
	GMI_STREAM_CONSTANT,   /* constant(c) */
	GMI_STREAM_UNIT,       /* unit(amp): amp once, then 0 */
	GMI_STREAM_OSCILLATE,  /* oscillate(amp, phase, period): a sine */
	GMI_STREAM_RAMP,       /* ramp(height, length): 0 to height, then flat */
	GMI_STREAM_RANDOM,     /* random(amp, seed): uniform in [-amp, amp) */
	GMI_STREAM_DELAY,      /* f.delay(cycles): cycles zeroes, then f */
	GMI_STREAM_SCALE,      /* f.scale(amt) */
	GMI_STREAM_OFFSET,     /* f.offset(amt) */
	GMI_STREAM_SUM,        /* f.sum(g, ...) */
	GMI_STREAM_QUANTIZE,   /* f.quantize(mult): toward 0, to a multiple */
	GMI_STREAM_MIN,        /* f.min(m): at least m */
	GMI_STREAM_MAX,        /* f.max(m): at most m */
	GMI_STREAM_LIMIT,      /* f.limit(lo, hi) */
};

/* at most this many terms added to f by one sum (Go's is variadic) */
#define GMI_STREAM_MAX_TERMS 4

struct gmi_stream {
	enum gmi_stream_kind kind;
	double a, b;        /* the value, amplitude, height, amount or bounds */
	int n;              /* period, length or cycles */
	int state;          /* the closure's counter (cycle, zeroes, dropped) */
	struct gmi_gorand *rng;                  /* GMI_STREAM_RANDOM */
	struct gmi_stream *f;                    /* the stream wrapped */
	struct gmi_stream *terms[GMI_STREAM_MAX_TERMS]; /* GMI_STREAM_SUM */
	int nterms;
};

/* enough for the largest scenario (HighGOGC: 15 nodes, 2 generators) */
#define GMI_STREAM_POOL_NODES 32
#define GMI_STREAM_POOL_RNGS 4

struct gmi_stream_pool {
	struct gmi_stream node[GMI_STREAM_POOL_NODES];
	int nnodes;
	struct gmi_gorand rng[GMI_STREAM_POOL_RNGS];
	int nrngs;
};

/* The sources, each a new node in pool p (gmi_throw when it is full). */
struct gmi_stream *gmi_stream_constant(struct gmi_stream_pool *p, double c);
struct gmi_stream *gmi_stream_unit(struct gmi_stream_pool *p, double amp);
struct gmi_stream *gmi_stream_oscillate(struct gmi_stream_pool *p, double amp,
					double phase, int period);
struct gmi_stream *gmi_stream_ramp(struct gmi_stream_pool *p, double height, int length);
struct gmi_stream *gmi_stream_random(struct gmi_stream_pool *p, double amp, int64_t seed);
/* The combinators (Go's methods on float64Stream), wrapping f. */
struct gmi_stream *gmi_stream_delay(struct gmi_stream_pool *p, struct gmi_stream *f,
				    int cycles);
struct gmi_stream *gmi_stream_scale(struct gmi_stream_pool *p, struct gmi_stream *f,
				    double amt);
struct gmi_stream *gmi_stream_offset(struct gmi_stream_pool *p, struct gmi_stream *f,
				     double amt);
/* f + the terms, a NULL-terminated list of at most GMI_STREAM_MAX_TERMS */
struct gmi_stream *gmi_stream_sum(struct gmi_stream_pool *p, struct gmi_stream *f, ...);
struct gmi_stream *gmi_stream_quantize(struct gmi_stream_pool *p, struct gmi_stream *f,
				       double mult);
struct gmi_stream *gmi_stream_min(struct gmi_stream_pool *p, struct gmi_stream *f,
				  double min);
struct gmi_stream *gmi_stream_max(struct gmi_stream_pool *p, struct gmi_stream *f,
				  double max);
struct gmi_stream *gmi_stream_limit(struct gmi_stream_pool *p, struct gmi_stream *f,
				    double min, double max);
/* the stream's next value (calling Go's closure once) */
double gmi_stream_next(struct gmi_stream *s);

/* Go's math.Sin (src/math/sin.go, Cephes), so that oscillate gives Go's
 * values to the last bit without libm (libgomem does not link it) */
double gmi_go_sin(double x);

/* ---- the simulation (gc/pacersim.c) ------------------------------------- */

/* A scenario's five inputs (gcExecTest's streams), per cycle. */
struct gmi_pacersim_streams {
	struct gmi_stream_pool pool;
	struct gmi_stream *alloc_rate;      /* > 0, KiB / cpu-ms */
	struct gmi_stream *scan_rate;       /* > 0, KiB / cpu-ms */
	struct gmi_stream *growth_rate;     /* > 0: next marked heap / this one */
	struct gmi_stream *scannable_frac;  /* clamped to [0, 1] */
	struct gmi_stream *stack_bytes;     /* a multiple of 2048 */
};

/* One cycle's result (gcCycleResult). */
struct gmi_pacersim_cycle {
	int cycle;                /* 1, 2, ... */
	uint64_t heap_live;       /* heapMarked as the cycle ran: the last cycle's */
	uint64_t heap_trigger;    /* triggered: the live heap at the start */
	uint64_t heap_peak;       /* heapLive as the mark ended */
	uint64_t heap_goal;       /* heapGoal() as the mark ended */
	int64_t heap_scannable;   /* scannable part of the marked heap */
	double gc_utilization;    /* 25% + the assists' CPU share */
};
/* goalRatio: peak / goal */
double gmi_pacersim_goal_ratio(const struct gmi_pacersim_cycle *c);
/* triggerRatio: (trigger - live) / (goal - live), Go's uint64 arithmetic */
double gmi_pacersim_trigger_ratio(const struct gmi_pacersim_cycle *c);
/* runway: goal - trigger */
double gmi_pacersim_runway(const struct gmi_pacersim_cycle *c);

/* The failures of Go's assertions over a run (t.Errorf and t.Fatal). */
#define GMI_PACERSIM_MSG 1024
struct gmi_pacersim_check {
	int failures;               /* assertions failed (t.Errorf) */
	bool fatal;                 /* a t.Fatal: the run stopped there */
	char msg[GMI_PACERSIM_MSG]; /* the first failures, one per line */
	size_t len;
};
/* assertInRange / assertInEpsilon / t.Errorf, for the checkers: n is the
 * cycle being checked, for the message */
void gmi_pacersim_in_range(struct gmi_pacersim_check *ck, int n, const char *name,
			   double a, double min, double max);
void gmi_pacersim_in_epsilon(struct gmi_pacersim_check *ck, int n, const char *name,
			     double a, double b, double epsilon);
void gmi_pacersim_errorf(struct gmi_pacersim_check *ck, int n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A gcExecTest. */
struct gmi_pacersim_scenario {
	const char *name;
	int gc_percent;            /* -1 = off */
	int64_t memory_limit;      /* GM_MEMLIMIT_OFF (MaxInt64) = none */
	uint64_t globals_bytes;
	int ncores;                /* GOMAXPROCS */
	int length;                /* cycles */
	/* fill in the streams (Go's struct literal) */
	void (*streams)(struct gmi_pacersim_streams *s);
	/* Go's checker, on the first n results */
	void (*checker)(struct gmi_pacersim_check *ck, const struct gmi_pacersim_cycle *c,
			int n);
};

/* The 19 scenarios, in Go's order (gc/pacersim_scenarios.c). */
extern const struct gmi_pacersim_scenario gmi_pacersim_scenarios[];
extern const int gmi_pacersim_nscenarios;
/* the scenario named name (exact, case-sensitive), or NULL */
const struct gmi_pacersim_scenario *gmi_pacersim_find(const char *name);

/* Go's applyMemoryLimitHeapGoalHeadroom (mgcpacer_test.go): a limit less
 * max(3%, 1 MiB), or that headroom when under twice it */
uint64_t gmi_pacersim_limit_headroom(uint64_t goal);

/* Run the scenario: reset the pacer (gmi_pacer_init) and simulate
 * s->length cycles, writing each cycle's result to out[0 .. length-1]. */
void gmi_pacersim_run(const struct gmi_pacersim_scenario *s,
		      struct gmi_pacersim_cycle *out);

/* Go's e.check after every cycle: for n = 1 .. length, the general checks
 * (cycle numbering, utilization in [0, 1], scannable heap >= 0; the last
 * two are t.Fatal and stop the checks) and the scenario's checker on the
 * first n results.  Returns the number of failures (0 = pass). */
int gmi_pacersim_check(const struct gmi_pacersim_scenario *s,
		       const struct gmi_pacersim_cycle *c, int length,
		       struct gmi_pacersim_check *ck);

#endif

/*
 * pacersim.c — Go's pacer simulation (TestGcPacer in src/runtime/
 * mgcpacer_test.go, Go 1.22+), recreated against gomem's pacer
 * (gc/pacer.c): the input streams, the idealized mark loop and the
 * assertions.  The scenario table is gc/pacersim_scenarios.c; Go's
 * math/rand, which the random streams draw from, gc/pacersim_rand.c.
 *
 * The model, per cycle (Go's t.Run body, driving the pacer as Go's
 * GCController wrapper in export_test.go does):
 * 1. Draw the cycle's alloc rate, scan rate, growth rate, scannable
 *    fraction and stack bytes from the streams (gcExecTest.next).
 * 2. StartCycle: the live heap is the trigger (at least the marked heap);
 *    the scannable heap grows by the scannable part of trigger - marked;
 *    maxStackScan and globalsScan are this cycle's stacks and globals;
 *    startCycle(0, nCores).
 * 3. The mark: the heap to mark is the last marked heap (less what was
 *    allocated black during the last cycle) times the growth rate.  Every
 *    500 us, the assist ratio fixes the GC's CPU share u (at least 25%):
 *    scan work / allocation = ratio means scanRate * u = ratio *
 *    allocRate * (1 - u).  The 500 us scan globals, then stacks, then heap
 *    at scanRate * u per core and allocate (black) at allocRate * (1 - u);
 *    the last period is cut where the work runs out.  The pacer is told
 *    (Revise: heapLive, heapScan and the scan work grow; revise()).
 * 4. The result: heapMarked, triggered, heapLive (the peak), heapGoal and
 *    the utilization 25% + assist time / (duration * nCores).
 * 5. EndCycle: assistTime, endCycle(duration, nCores), resetLive(the heap
 *    marked + allocated black), commit(isSweepDone = false).
 * Go's checkers run on the results so far after each cycle; they only
 * look back, so running them after the whole run is the same
 * (gmi_pacersim_check).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc/panic.h"
#include "gc/pacer.h"
#include "gc/pacersim.h"

/* 500 us: revisePeriod, in ns: how often the model revises the pacer */
#define SIM_REVISE_PERIOD_NS 500000
/* rateConv = 1024 * revisePeriod / time.Millisecond: KiB / cpu-ms to
 * bytes per core per revise period */
#define SIM_RATE_CONV (1024.0 * SIM_REVISE_PERIOD_NS / 1e6)
/* 256 KiB: initialHeapBytes, the heap the first cycle marks */
#define SIM_INITIAL_HEAP_BYTES ((int64_t)256 << 10)
/* 0.0001: minRate, the least alloc, scan and growth rate */
#define SIM_MIN_RATE 0.0001
/* 2048: stacks come in multiples of the smallest Go stack */
#define SIM_STACK_QUANTUM 2048.0
/* 25%: gcBackgroundUtilization, mgcpacer.go */
#define SIM_BG_UTILIZATION 0.25

/* ---- streams ------------------------------------------------------------ */

static struct gmi_stream *stream_new(struct gmi_stream_pool *p, enum gmi_stream_kind k,
				     struct gmi_stream *f)
{
	if (p->nnodes == GMI_STREAM_POOL_NODES)
		gmi_throw("pacersim: more than %d stream nodes in one scenario",
			  GMI_STREAM_POOL_NODES);
	struct gmi_stream *s = &p->node[p->nnodes++];
	memset(s, 0, sizeof(*s));
	s->kind = k;
	s->f = f;
	return s;
}

struct gmi_stream *gmi_stream_constant(struct gmi_stream_pool *p, double c)
{
	struct gmi_stream *s = stream_new(p, GMI_STREAM_CONSTANT, NULL);
	s->a = c;
	return s;
}

struct gmi_stream *gmi_stream_unit(struct gmi_stream_pool *p, double amp)
{
	struct gmi_stream *s = stream_new(p, GMI_STREAM_UNIT, NULL);
	s->a = amp;
	return s;
}

struct gmi_stream *gmi_stream_oscillate(struct gmi_stream_pool *p, double amp,
					double phase, int period)
{
	struct gmi_stream *s = stream_new(p, GMI_STREAM_OSCILLATE, NULL);
	s->a = amp;
	s->b = phase;
	s->n = period;
	return s;
}

struct gmi_stream *gmi_stream_ramp(struct gmi_stream_pool *p, double height, int length)
{
	struct gmi_stream *s = stream_new(p, GMI_STREAM_RAMP, NULL);
	s->a = height;
	s->n = length;
	return s;
}

struct gmi_stream *gmi_stream_random(struct gmi_stream_pool *p, double amp, int64_t seed)
{
	if (p->nrngs == GMI_STREAM_POOL_RNGS)
		gmi_throw("pacersim: more than %d random streams in one scenario",
			  GMI_STREAM_POOL_RNGS);
	struct gmi_stream *s = stream_new(p, GMI_STREAM_RANDOM, NULL);
	s->a = amp;
	s->rng = &p->rng[p->nrngs++];
	gmi_gorand_seed(s->rng, seed);
	return s;
}

/* a combinator with one parameter */
static struct gmi_stream *stream_wrap(struct gmi_stream_pool *p, enum gmi_stream_kind k,
				      struct gmi_stream *f, double a)
{
	struct gmi_stream *s = stream_new(p, k, f);
	s->a = a;
	return s;
}

struct gmi_stream *gmi_stream_delay(struct gmi_stream_pool *p, struct gmi_stream *f,
				    int cycles)
{
	struct gmi_stream *s = stream_new(p, GMI_STREAM_DELAY, f);
	s->n = cycles;
	return s;
}

struct gmi_stream *gmi_stream_scale(struct gmi_stream_pool *p, struct gmi_stream *f,
				    double amt)
{
	return stream_wrap(p, GMI_STREAM_SCALE, f, amt);
}

struct gmi_stream *gmi_stream_offset(struct gmi_stream_pool *p, struct gmi_stream *f,
				     double amt)
{
	return stream_wrap(p, GMI_STREAM_OFFSET, f, amt);
}

struct gmi_stream *gmi_stream_sum(struct gmi_stream_pool *p, struct gmi_stream *f, ...)
{
	struct gmi_stream *s = stream_new(p, GMI_STREAM_SUM, f);
	va_list ap;
	va_start(ap, f);
	for (struct gmi_stream *t; (t = va_arg(ap, struct gmi_stream *)) != NULL;) {
		if (s->nterms == GMI_STREAM_MAX_TERMS)
			gmi_throw("pacersim: a sum of more than %d terms",
				  GMI_STREAM_MAX_TERMS);
		s->terms[s->nterms++] = t;
	}
	va_end(ap);
	return s;
}

struct gmi_stream *gmi_stream_quantize(struct gmi_stream_pool *p, struct gmi_stream *f,
				       double mult)
{
	return stream_wrap(p, GMI_STREAM_QUANTIZE, f, mult);
}

struct gmi_stream *gmi_stream_min(struct gmi_stream_pool *p, struct gmi_stream *f,
				  double min)
{
	return stream_wrap(p, GMI_STREAM_MIN, f, min);
}

struct gmi_stream *gmi_stream_max(struct gmi_stream_pool *p, struct gmi_stream *f,
				  double max)
{
	return stream_wrap(p, GMI_STREAM_MAX, f, max);
}

struct gmi_stream *gmi_stream_limit(struct gmi_stream_pool *p, struct gmi_stream *f,
				    double min, double max)
{
	struct gmi_stream *s = stream_wrap(p, GMI_STREAM_LIMIT, f, min);
	s->b = max;
	return s;
}

/* Go's quantize: math.Floor(r) above 0, math.Ceil(r) below, i.e. toward
 * zero; a truncating conversion does both for |r| < 2^63, and the larger
 * values are integers already */
static double stream_trunc(double r)
{
	if (r > -9.2e18 && r < 9.2e18)
		return (double)(int64_t)r;
	return r;
}

/* oscillate: sin(cycle / period * 2 * Pi + phase) * amp, cycle mod period */
static double stream_oscillate(struct gmi_stream *s)
{
	double p = (double)s->state / (double)s->n * 2 * 3.14159265358979323846 + s->b;
	if (++s->state == s->n)
		s->state = 0;
	return gmi_go_sin(p) * s->a;
}

/* ramp: height * cycle / length, cycle stopping at length */
static double stream_ramp(struct gmi_stream *s)
{
	double h = s->a * (double)s->state / (double)s->n;
	if (s->state < s->n)
		s->state++;
	return h;
}

static double stream_sum(struct gmi_stream *s)
{
	double sum = gmi_stream_next(s->f);
	for (int i = 0; i < s->nterms; i++)
		sum += gmi_stream_next(s->terms[i]);
	return sum;
}

double gmi_stream_next(struct gmi_stream *s)
{
	double v;
	switch (s->kind) {
	case GMI_STREAM_CONSTANT:
		return s->a;
	case GMI_STREAM_UNIT:
		if (s->state)
			return 0;
		s->state = 1;
		return s->a;
	case GMI_STREAM_OSCILLATE:
		return stream_oscillate(s);
	case GMI_STREAM_RAMP:
		return stream_ramp(s);
	case GMI_STREAM_RANDOM:
		return ((gmi_gorand_float64(s->rng) - 0.5) * 2) * s->a;
	case GMI_STREAM_DELAY:
		if (s->state < s->n) {
			s->state++;
			return 0;
		}
		return gmi_stream_next(s->f);
	case GMI_STREAM_SCALE:
		return gmi_stream_next(s->f) * s->a;
	case GMI_STREAM_OFFSET:
		return gmi_stream_next(s->f) + s->a;
	case GMI_STREAM_SUM:
		return stream_sum(s);
	case GMI_STREAM_QUANTIZE:
		return stream_trunc(gmi_stream_next(s->f) / s->a) * s->a;
	case GMI_STREAM_MIN: /* math.Max(min, f()) */
		v = gmi_stream_next(s->f);
		return v > s->a ? v : s->a;
	case GMI_STREAM_MAX: /* math.Min(max, f()) */
		v = gmi_stream_next(s->f);
		return v < s->a ? v : s->a;
	case GMI_STREAM_LIMIT:
		v = gmi_stream_next(s->f);
		return v < s->a ? s->a : v > s->b ? s->b : v;
	}
	gmi_throw("pacersim: stream kind %d", (int)s->kind);
	return 0;
}

/* ---- Go's math.Sin ------------------------------------------------------ */

/* src/math/sin.go: Cephes' sin and cos polynomials on [0, Pi/4] */
static const double go_sin_coef[6] = {
	1.58962301576546568060e-10, -2.50507477628578072866e-8,
	2.75573136213857245213e-6, -1.98412698295895385996e-4,
	8.33333333332211858878e-3, -1.66666666666666307295e-1,
};
static const double go_cos_coef[6] = {
	-1.13585365213876817300e-11, 2.08757008419747316778e-9,
	-2.75573141792967388112e-7, 2.48015872888517045348e-5,
	-1.38888888888730564116e-3, 4.16666666666665929218e-2,
};

static double go_poly(const double *c, double zz)
{
	return ((((c[0] * zz + c[1]) * zz + c[2]) * zz + c[3]) * zz + c[4]) * zz + c[5];
}

/* Go's sin() for |x| < 2^29 (reduceThreshold; beyond it Go switches to
 * Payne-Hanek reduction, which the streams never need): reduce to an
 * octant with Pi/4 split in three parts (Cody-Waite), then the sin or cos
 * polynomial */
double gmi_go_sin(double x)
{
	/* PI4A + PI4B + PI4C = Pi/4, each exact in few bits */
	const double pi4a = 7.85398125648498535156e-1, pi4b = 3.77489470793079817668e-8,
		     pi4c = 2.69515142907905952645e-15;
	if (x == 0 || x != x)
		return x;
	if (!(x > -536870912.0 && x < 536870912.0)) /* 2^29 */
		gmi_throw("pacersim: sin(%g) past the reduction this port has", x);
	bool sign = x < 0;
	if (sign)
		x = -x;
	uint64_t j = (uint64_t)(x * 0x1.45f306dc9c883p+0); /* 4 / Pi, as Go's constant */
	double y = (double)j;
	if (j & 1) { /* map zeros to origin */
		j++;
		y++;
	}
	j &= 7;
	double z = ((x - y * pi4a) - y * pi4b) - y * pi4c;
	if (j > 3) {
		sign = !sign;
		j -= 4;
	}
	double zz = z * z;
	if (j == 1 || j == 2)
		y = 1.0 - 0.5 * zz + zz * zz * go_poly(go_cos_coef, zz);
	else
		y = z + z * zz * go_poly(go_sin_coef, zz);
	return sign ? -y : y;
}

/* ---- results and assertions --------------------------------------------- */

double gmi_pacersim_goal_ratio(const struct gmi_pacersim_cycle *c)
{
	return (double)c->heap_peak / (double)c->heap_goal;
}

double gmi_pacersim_trigger_ratio(const struct gmi_pacersim_cycle *c)
{
	return (double)(c->heap_trigger - c->heap_live) / (double)(c->heap_goal - c->heap_live);
}

double gmi_pacersim_runway(const struct gmi_pacersim_cycle *c)
{
	return (double)(c->heap_goal - c->heap_trigger);
}

static void check_vadd(struct gmi_pacersim_check *ck, int n, const char *fmt, va_list ap)
{
	ck->failures++;
	if (ck->len + 1 >= sizeof(ck->msg))
		return;
	int w = snprintf(ck->msg + ck->len, sizeof(ck->msg) - ck->len, "cycle %d: ", n);
	if (w > 0 && ck->len + (size_t)w < sizeof(ck->msg))
		ck->len += (size_t)w;
	w = vsnprintf(ck->msg + ck->len, sizeof(ck->msg) - ck->len, fmt, ap);
	if (w > 0)
		ck->len += (size_t)w;
	if (ck->len + 1 < sizeof(ck->msg))
		ck->msg[ck->len++] = '\n';
	if (ck->len >= sizeof(ck->msg))
		ck->len = sizeof(ck->msg) - 1;
	ck->msg[ck->len] = '\0';
}

void gmi_pacersim_errorf(struct gmi_pacersim_check *ck, int n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	check_vadd(ck, n, fmt, ap);
	va_end(ap);
}

void gmi_pacersim_in_range(struct gmi_pacersim_check *ck, int n, const char *name,
			   double a, double min, double max)
{
	if (a < min || a > max)
		gmi_pacersim_errorf(ck, n, "%s not in range (%f, %f): %f", name, min, max, a);
}

void gmi_pacersim_in_epsilon(struct gmi_pacersim_check *ck, int n, const char *name,
			     double a, double b, double epsilon)
{
	gmi_pacersim_in_range(ck, n, name, a, b - epsilon, b + epsilon);
}

/* e.check's general checks on the first n results; false on a t.Fatal */
static bool check_general(struct gmi_pacersim_check *ck, const struct gmi_pacersim_cycle *c,
			  int n)
{
	if (n == 1 && c[0].cycle != 1)
		gmi_pacersim_errorf(ck, n, "first cycle has incorrect number");
	if (n > 1 && c[n - 1].cycle != c[n - 2].cycle + 1)
		gmi_pacersim_errorf(ck, n, "cycle numbers out of order");
	double u = c[n - 1].gc_utilization;
	if (u < 0 || u > 1) {
		gmi_pacersim_errorf(ck, n, "GC utilization not within acceptable bounds");
		return false;
	}
	if (c[n - 1].heap_scannable < 0) {
		gmi_pacersim_errorf(ck, n, "heapScannable is negative");
		return false;
	}
	return true;
}

int gmi_pacersim_check(const struct gmi_pacersim_scenario *s,
		       const struct gmi_pacersim_cycle *c, int length,
		       struct gmi_pacersim_check *ck)
{
	memset(ck, 0, sizeof(*ck));
	for (int n = 1; n <= length; n++) {
		if (!check_general(ck, c, n)) {
			ck->fatal = true;
			break;
		}
		s->checker(ck, c, n);
	}
	return ck->failures;
}

/* ---- the simulation ------------------------------------------------------ */

/* gcCycle: one cycle's inputs (gcExecTest.next) */
struct sim_inputs {
	double alloc_rate, scan_rate, growth_rate, scannable_frac;
	uint64_t stack_bytes;
};

static struct sim_inputs sim_next(struct gmi_pacersim_streams *st)
{
	struct sim_inputs in;
	double v;
	v = gmi_stream_next(st->alloc_rate);
	in.alloc_rate = v > SIM_MIN_RATE ? v : SIM_MIN_RATE;
	v = gmi_stream_next(st->scan_rate);
	in.scan_rate = v > SIM_MIN_RATE ? v : SIM_MIN_RATE;
	v = gmi_stream_next(st->growth_rate);
	in.growth_rate = v > SIM_MIN_RATE ? v : SIM_MIN_RATE;
	v = gmi_stream_next(st->scannable_frac);
	in.scannable_frac = v < 0 ? 0 : v > 1 ? 1 : v;
	v = gmi_stream_next(st->stack_bytes);
	v = stream_trunc(v / SIM_STACK_QUANTUM) * SIM_STACK_QUANTUM; /* quantize(2048) */
	in.stack_bytes = v > 0 ? (uint64_t)v : 0;
	return in;
}

/* The mark's state: the scan work left per root kind, and the heap. */
struct sim_mark {
	int64_t left[3];        /* globals, stacks, heap: doWork's order */
	uint64_t heap_live;     /* gcController.heapLive */
	uint64_t heap_scan;     /* gcController.heapScan */
	int64_t duration;       /* gcDuration, ns */
	int64_t assist_time;    /* assistTime, ns */
	int64_t black;          /* bytesAllocatedBlack */
};

/* doWork: spend work on globals, then stacks, then heap; done[k] gets
 * what each took.  Returns the work spent. */
static int64_t sim_do_work(struct sim_mark *m, int64_t work, int64_t done[3])
{
	int64_t spent = 0;
	for (int k = 0; k < 3; k++) {
		done[k] = 0;
		if (m->left[k] == 0 || work == 0)
			continue;
		int64_t d = m->left[k] > work ? work : m->left[k];
		done[k] = d;
		m->left[k] -= d;
		work -= d;
		spent += d;
	}
	return spent;
}

/* One revise period of the idealized assist pacing (the loop body of
 * Go's simulation; the expressions keep Go's order of operations, so the
 * doubles round as Go's do). */
static void sim_period(struct sim_mark *m, const struct sim_inputs *in, int ncores)
{
	double ratio = gmi_pacer_assist_work_per_byte();
	double util = ratio * in->alloc_rate / (ratio * in->alloc_rate + in->scan_rate);
	if (util < SIM_BG_UTILIZATION)
		util = SIM_BG_UTILIZATION; /* assists not kicking in at all */
	int64_t scanned = (int64_t)(in->scan_rate * SIM_RATE_CONV * (double)ncores * util);
	int64_t allocated = (int64_t)(in->alloc_rate * SIM_RATE_CONV * (double)ncores *
				      (1 - util));
	int64_t done[3];
	int64_t actual = sim_do_work(m, scanned, done);
	int64_t elapsed = SIM_REVISE_PERIOD_NS;
	if (actual < scanned) {
		/* the mark ends within this period: cut it where the work ran out */
		elapsed = (int64_t)((double)actual * (double)SIM_REVISE_PERIOD_NS /
				    (in->scan_rate * SIM_RATE_CONV * (double)ncores * util));
		allocated = (int64_t)(in->alloc_rate * SIM_RATE_CONV * (double)elapsed /
				      (double)SIM_REVISE_PERIOD_NS * (double)ncores *
				      (1 - util));
	}
	/* GCController.Revise: the deltas, then revise() */
	m->heap_live += (uint64_t)allocated;
	m->heap_scan += (uint64_t)(int64_t)((double)allocated * in->scannable_frac);
	gmi_pacer_add_scan_work(done[2], done[1], done[0]);
	gmi_pacer_revise(m->heap_live, m->heap_scan);
	m->assist_time += (int64_t)((double)elapsed * (double)ncores *
				    (util - SIM_BG_UTILIZATION));
	m->duration += elapsed;
	m->black += allocated;
}

/* GCController.StartCycle: returns the live heap at the start */
static uint64_t sim_start_cycle(const struct gmi_pacersim_scenario *s,
				const struct sim_inputs *in, uint64_t *heap_scan)
{
	uint64_t trigger = gmi_pacer_trigger(), marked = gmi_pacer_heap_marked();
	if (marked > trigger)
		trigger = marked;
	gmi_pacer_set_roots(in->stack_bytes, s->globals_bytes);
	*heap_scan += (uint64_t)(int64_t)((double)(trigger - marked) * in->scannable_frac);
	gmi_pacer_start_cycle(0, s->ncores, trigger, *heap_scan);
	return trigger;
}

void gmi_pacersim_run(const struct gmi_pacersim_scenario *s,
		      struct gmi_pacersim_cycle *out)
{
	struct gmi_pacersim_streams st;
	memset(&st, 0, sizeof(st));
	s->streams(&st);
	gmi_pacer_init(s->gc_percent, s->memory_limit); /* NewGCController */
	int64_t black_last = 0;
	uint64_t heap_scan = 0;
	for (int i = 0; i < s->length; i++) {
		struct sim_inputs in = sim_next(&st);
		struct sim_mark m = { .heap_scan = heap_scan };
		m.heap_live = sim_start_cycle(s, &in, &m.heap_scan);
		uint64_t marked = gmi_pacer_heap_marked();
		int64_t next_marked = i == 0 ? SIM_INITIAL_HEAP_BYTES :
			(int64_t)((double)((int64_t)marked - black_last) * in.growth_rate);
		m.left[0] = (int64_t)s->globals_bytes;
		m.left[1] = (int64_t)in.stack_bytes;
		m.left[2] = (int64_t)((double)next_marked * in.scannable_frac);
		while (m.left[0] + m.left[1] + m.left[2] > 0)
			sim_period(&m, &in, s->ncores);
		out[i] = (struct gmi_pacersim_cycle){
			.cycle = i + 1,
			.heap_live = marked,
			.heap_scannable = (int64_t)((double)((int64_t)marked - black_last) *
						    in.scannable_frac),
			.heap_trigger = gmi_pacer_triggered(),
			.heap_peak = m.heap_live,
			.heap_goal = gmi_pacer_goal(),
			.gc_utilization = (double)m.assist_time /
						  ((double)m.duration * (double)s->ncores) +
					  SIM_BG_UTILIZATION,
		};
		/* GCController.EndCycle: assistTime, endCycle, resetLive, commit(false) */
		gmi_pacer_add_mark_time(GMI_MARK_ASSIST, m.assist_time);
		gmi_pacer_end_cycle(m.duration, s->ncores, false, m.heap_live);
		gmi_pacer_commit_sweep((uint64_t)(next_marked + m.black), in.stack_bytes,
				       s->globals_bytes, false);
		heap_scan = gmi_pacer_last_heap_scan(); /* resetLive: heapScan */
		black_last = m.black;
	}
}

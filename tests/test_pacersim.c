/*
 * test_pacersim.c — Check suite "pacersim": Go's pacer simulation
 * (TestGcPacer, src/runtime/mgcpacer_test.go, Go 1.22+) run against
 * gomem's pacer (gc/pacersim.c, gc/pacersim_scenarios.c, gc/pacer.c).
 *
 * One test per scenario: simulate it, then apply Go's checks after every
 * cycle, with Go's thresholds (gmi_pacersim_check); a failure lists the
 * first failed assertions.  Each scenario test also prints its last
 * cycle (utilization, marked heap, trigger, peak, goal) to stdout, the
 * figures quoted for issue 5; `ctest -V -R pacersim` shows them.
 *
 * The input streams are tested first, against values printed by Go
 * itself: math/rand's Float64 for the seeds the scenarios use and
 * math.Sin for oscillate (Go 1.19's math/rand and math.Sin, unchanged
 * since), compared bit for bit.
 *
 * The simulation is deterministic: no threads, no clock.  Its traces
 * were compared, cycle by cycle, with the ones Go's own TestGcPacer logs
 * (utilization to 0.1%, marked heap, trigger, peak and goal to the byte)
 * when Go's runtime carries Go 1.21's pacer (Go 1.19's runtime with
 * 1.21's cons/mark maximum and 3% limit headroom overlaid): all 19
 * scenarios agree at every cycle.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gc/pacer.h"
#include "gc/pacersim.h"
#include "gomem.h"

static uint64_t bits(double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof(u));
	return u;
}

/* ---- Go's generator and sine ------------------------------------------- */

/* rand.New(rand.NewSource(seed)).Float64(): the first three draws and the
 * 50th, as float64 bits, printed by Go 1.19 */
static const struct {
	int64_t seed;
	uint64_t first[3], fiftieth;
} go_float64[] = {
	{ 0x53, { 0x3fcef1d382201123, 0x3fd46b885cb1fccb, 0x3fe709f7e4ccb580 },
	  0x3fc2a87d1a32a46e },
	{ 0x1, { 0x3fe359608841ff3f, 0x3fee18a683d7cfc6, 0x3fe5441371d9a55d },
	  0x3fd727d22c8b4c3a },
	{ 0xf, { 0x3fda153ed5bb4583, 0x3fd896989a32f7d1, 0x3fb93cc0103554b4 },
	  0x3fee38bf290be5b1 },
	{ 0xe, { 0x3fe83a5f67650d5f, 0x3fefe6dab71642aa, 0x3fdd7de581db0900 },
	  0x3fedce6dc63a61e4 },
	{ 0x0, { 0x3fee3f0bfeb0bf65, 0x3fcf5b0412ffd342, 0x3fe4fd97fe53dbb2 },
	  0x3feab66f0a5b7c3e },
	{ 0x152, { 0x3fdd5f4b957ef59a, 0x3fedc62183b5545f, 0x3fe37217f3b53953 },
	  0x3fe427db2bf2616e },
};

START_TEST(gorand_matches_go)
{
	static struct gmi_gorand r;
	for (size_t i = 0; i < sizeof(go_float64) / sizeof(go_float64[0]); i++) {
		gmi_gorand_seed(&r, go_float64[i].seed);
		for (int k = 0; k < 3; k++)
			ck_assert_msg(bits(gmi_gorand_float64(&r)) == go_float64[i].first[k],
				      "seed %#llx draw %d", (long long)go_float64[i].seed, k);
		for (int k = 3; k < 49; k++)
			gmi_gorand_float64(&r);
		ck_assert_msg(bits(gmi_gorand_float64(&r)) == go_float64[i].fiftieth,
			      "seed %#llx draw 50", (long long)go_float64[i].seed);
	}
}
END_TEST

START_TEST(go_sin_matches_go)
{
	static const struct {
		double x;
		uint64_t want;
	} v[] = {
		{ 0.1, 0x3fb98eaecb8bcb2c }, { 1, 0x3feaed548f090cee },
		{ 2.5, 0x3fe326af0dcfcab0 }, { 3, 0x3fc210386db6d55b },
		{ 5.5, 0xbfe693c94e0ab057 }, { -4, 0x3fe837b9dddc1eae },
		{ 100, 0xbfe03425b78c4db8 }, { 12345.678, 0xbfe687d5890974a5 },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ck_assert_msg(bits(gmi_go_sin(v[i].x)) == v[i].want, "sin(%g)", v[i].x);
	ck_assert(bits(gmi_go_sin(0)) == 0);
}
END_TEST

/* oscillate(13, 0, 8): 13 * sin(k * 2Pi / 8), Go's bits, then again */
START_TEST(stream_oscillate)
{
	static const uint64_t want[8] = {
		0, 0x40226280b3476096, 0x402a000000000000, 0x40226280b3476097,
		0x3cdcadfe13011580, 0xc0226280b3476096, 0xc02a000000000000,
		0xc0226280b3476097,
	};
	static struct gmi_stream_pool p;
	memset(&p, 0, sizeof(p));
	struct gmi_stream *s = gmi_stream_oscillate(&p, 13, 0, 8);
	for (int round = 0; round < 2; round++)
		for (int k = 0; k < 8; k++)
			ck_assert_msg(bits(gmi_stream_next(s)) == want[k], "round %d k %d",
				      round, k);
}
END_TEST

START_TEST(stream_shapes)
{
	static struct gmi_stream_pool p;
	memset(&p, 0, sizeof(p));
	/* constant(2).sum(ramp(-1, 4)): 2, 1.75, 1.5, 1.25, 1, 1, ... */
	struct gmi_stream *g = gmi_stream_sum(&p, gmi_stream_constant(&p, 2),
					      gmi_stream_ramp(&p, -1, 4), NULL);
	const double want_g[] = { 2, 1.75, 1.5, 1.25, 1, 1, 1 };
	for (size_t i = 0; i < sizeof(want_g) / sizeof(want_g[0]); i++)
		ck_assert_double_eq(gmi_stream_next(g), want_g[i]);
	/* unit(0.5).delay(2): 0, 0, 0.5, 0, 0 */
	struct gmi_stream *u = gmi_stream_delay(&p, gmi_stream_unit(&p, 0.5), 2);
	const double want_u[] = { 0, 0, 0.5, 0, 0 };
	for (size_t i = 0; i < sizeof(want_u) / sizeof(want_u[0]); i++)
		ck_assert_double_eq(gmi_stream_next(u), want_u[i]);
	/* ramp(66, 1).delay(1): 0 (delay), 0 (ramp's start), 66, 66 */
	struct gmi_stream *r = gmi_stream_delay(&p, gmi_stream_ramp(&p, 66, 1), 1);
	const double want_r[] = { 0, 0, 66, 66 };
	for (size_t i = 0; i < sizeof(want_r) / sizeof(want_r[0]); i++)
		ck_assert_double_eq(gmi_stream_next(r), want_r[i]);
	/* quantize rounds toward zero: 5000 -> 4096, -5000 -> -4096 */
	ck_assert_double_eq(gmi_stream_next(gmi_stream_quantize(
		&p, gmi_stream_constant(&p, 5000), 2048)), 4096);
	ck_assert_double_eq(gmi_stream_next(gmi_stream_quantize(
		&p, gmi_stream_constant(&p, -5000), 2048)), -4096);
	/* offset, scale, min, max, limit */
	struct gmi_stream *c = gmi_stream_constant(&p, 3);
	ck_assert_double_eq(gmi_stream_next(gmi_stream_offset(&p, c, 2)), 5);
	ck_assert_double_eq(gmi_stream_next(gmi_stream_scale(&p, c, 2)), 6);
	ck_assert_double_eq(gmi_stream_next(gmi_stream_min(&p, c, 4)), 4);
	ck_assert_double_eq(gmi_stream_next(gmi_stream_max(&p, c, 1)), 1);
	ck_assert_double_eq(gmi_stream_next(gmi_stream_limit(&p, c, 0, 1)), 1);
	ck_assert_double_eq(gmi_stream_next(gmi_stream_limit(&p, c, 4, 5)), 4);
}
END_TEST

/* random(amp, seed) = (Float64() - 0.5) * 2 * amp */
START_TEST(stream_random)
{
	static struct gmi_stream_pool p;
	memset(&p, 0, sizeof(p));
	struct gmi_stream *s = gmi_stream_random(&p, 7, 0x53);
	double f;
	uint64_t u = go_float64[0].first[0];
	memcpy(&f, &u, sizeof(f));
	ck_assert(bits(gmi_stream_next(s)) == bits(((f - 0.5) * 2) * 7));
}
END_TEST

/* ---- the scenario table -------------------------------------------------- */

START_TEST(table)
{
	ck_assert_int_eq(gmi_pacersim_nscenarios, 19);
	for (int i = 0; i < gmi_pacersim_nscenarios; i++) {
		const struct gmi_pacersim_scenario *s = &gmi_pacersim_scenarios[i];
		ck_assert_ptr_eq(gmi_pacersim_find(s->name), s);
		ck_assert_int_le(s->length, 100);
	}
	ck_assert_ptr_null(gmi_pacersim_find("steady"));
	ck_assert_ptr_null(gmi_pacersim_find(""));
	/* 512 MiB less 3%: 536870912 - 5368709 * 3 */
	ck_assert_uint_eq(gmi_pacersim_limit_headroom(512u << 20), 520764785u);
	/* small limits keep 1 MiB, or become it */
	ck_assert_uint_eq(gmi_pacersim_limit_headroom(10u << 20), 9u << 20);
	ck_assert_uint_eq(gmi_pacersim_limit_headroom(1u << 20), 1u << 20);
	/* the pacer's own formula agrees with no non-heap memory */
	ck_assert_uint_eq(gmi_pacer_limit_goal_for(512 << 20, 0, 0, 0, 0), 520764785u);
}
END_TEST

/* ---- the scenarios -------------------------------------------------------- */

static struct gmi_pacersim_cycle results[100];

static void run_scenario(const char *name)
{
	const struct gmi_pacersim_scenario *s = gmi_pacersim_find(name);
	struct gmi_pacersim_check ck;
	ck_assert_msg(s != NULL, "no scenario %s", name);
	ck_assert_int_le(s->length, (int)(sizeof(results) / sizeof(results[0])));
	gmi_pacersim_run(s, results);
	const struct gmi_pacersim_cycle *last = &results[s->length - 1];
	printf("%-30s cycle %3d: util %.4f  marked %llu  trigger %llu  peak %llu  "
	       "goal %llu  goal ratio %.4f\n", s->name, last->cycle, last->gc_utilization,
	       (unsigned long long)last->heap_live, (unsigned long long)last->heap_trigger,
	       (unsigned long long)last->heap_peak, (unsigned long long)last->heap_goal,
	       gmi_pacersim_goal_ratio(last));
	fflush(stdout);
	int failures = gmi_pacersim_check(s, results, s->length, &ck);
	ck_assert_msg(failures == 0, "%s: %d of Go's assertions failed%s:\n%s", s->name,
		      failures, ck.fatal ? " (a fatal one stopped the run)" : "", ck.msg);
}

/* one test per scenario, named as in Go */
#define SCENARIO(name) \
	START_TEST(name) { run_scenario(#name); } END_TEST
SCENARIO(Steady)
SCENARIO(SteadyBigStacks)
SCENARIO(SteadyBigGlobals)
SCENARIO(StepAlloc)
SCENARIO(HeavyStepAlloc)
SCENARIO(StepScannableFrac)
SCENARIO(HighGOGC)
SCENARIO(OscAlloc)
SCENARIO(JitterAlloc)
SCENARIO(HeavyJitterAlloc)
SCENARIO(SmallHeapSlowAlloc)
SCENARIO(MediumHeapSlowAlloc)
SCENARIO(LargeHeapSlowAlloc)
SCENARIO(SteadyMemoryLimit)
SCENARIO(SteadyMemoryLimitNoGCPercent)
SCENARIO(ExceedMemoryLimit)
SCENARIO(ExceedMemoryLimitNoGCPercent)
SCENARIO(MaintainMemoryLimit)
SCENARIO(MaintainMemoryLimitNoGCPercent)

static Suite *pacersim_suite(void)
{
	Suite *s = suite_create("pacersim");
	TCase *tc = tcase_create("streams");
	tcase_add_test(tc, gorand_matches_go);
	tcase_add_test(tc, go_sin_matches_go);
	tcase_add_test(tc, stream_oscillate);
	tcase_add_test(tc, stream_shapes);
	tcase_add_test(tc, stream_random);
	tcase_add_test(tc, table);
	suite_add_tcase(s, tc);

	/* Go's order; table() checks that no scenario is left out */
	tc = tcase_create("scenarios");
	tcase_add_test(tc, Steady);
	tcase_add_test(tc, SteadyBigStacks);
	tcase_add_test(tc, SteadyBigGlobals);
	tcase_add_test(tc, StepAlloc);
	tcase_add_test(tc, HeavyStepAlloc);
	tcase_add_test(tc, StepScannableFrac);
	tcase_add_test(tc, HighGOGC);
	tcase_add_test(tc, OscAlloc);
	tcase_add_test(tc, JitterAlloc);
	tcase_add_test(tc, HeavyJitterAlloc);
	tcase_add_test(tc, SmallHeapSlowAlloc);
	tcase_add_test(tc, MediumHeapSlowAlloc);
	tcase_add_test(tc, LargeHeapSlowAlloc);
	tcase_add_test(tc, SteadyMemoryLimit);
	tcase_add_test(tc, SteadyMemoryLimitNoGCPercent);
	tcase_add_test(tc, ExceedMemoryLimit);
	tcase_add_test(tc, ExceedMemoryLimitNoGCPercent);
	tcase_add_test(tc, MaintainMemoryLimit);
	tcase_add_test(tc, MaintainMemoryLimitNoGCPercent);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pacersim_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/*
 * test_gccounters.c — Check suite "gccounters": the collector's figures
 * for a benchmark run (harness/gccounters.c): nearest-rank pause
 * percentiles and minimum mutator utilization (Cheng & Blelloch) over the
 * run's span, from hand-computed pause histories; per-stop figures
 * (all stops, mark termination, the others) from hand-made cycle records;
 * then the same computations on a real collector's gm_read_gcstats data
 * and stop log (harness/cycles.c); the MMU curve kept for mmu.csv and
 * the GC CPU fraction of a run.
 *
 * Times are in ns; MS is a millisecond.  A run is [0, 100 ms] unless said.
 */
#include <check.h>
#include <stdlib.h>
#include <time.h>

#include "gomem.h"
#include "harness/gccounters.h"

#define MS 1e6
#define EPOCH 1700000000000000000ull /* a Unix time in ns */
#define TOL 1e-9

/* MMU of the run [0, span_ms] with pauses given in ms, at window w_ms. */
static double mmu_ms(const double *start_ms, const double *len_ms, size_t n,
		     double span_ms, double w_ms)
{
	double s[8] = {0}, l[8] = {0};
	for (size_t i = 0; i < n; i++) {
		s[i] = start_ms[i] * MS;
		l[i] = len_ms[i] * MS;
	}
	return gmb_run_mmu(s, l, n, 0, span_ms * MS, w_ms * MS);
}

START_TEST(mmu_no_pauses)
{
	ck_assert_double_eq_tol(mmu_ms(NULL, NULL, 0, 100, 1), 1, TOL);
	ck_assert_double_eq_tol(mmu_ms(NULL, NULL, 0, 100, 10), 1, TOL);
	ck_assert_double_eq_tol(mmu_ms(NULL, NULL, 0, 100, 100), 1, TOL);
	ck_assert_double_eq_tol(mmu_ms(NULL, NULL, 0, 0, 10), 1, TOL); /* empty run */
}
END_TEST

/* One 5 ms pause at 50 ms: a 1 ms window fits inside it, a 10 ms one is
 * half pause, the 100 ms one is the whole run. */
START_TEST(mmu_one_pause)
{
	double s[] = {50}, l[] = {5};
	ck_assert_double_eq_tol(mmu_ms(s, l, 1, 100, 1), 0, TOL);
	ck_assert_double_eq_tol(mmu_ms(s, l, 1, 100, 10), 0.5, TOL);
	ck_assert_double_eq_tol(mmu_ms(s, l, 1, 100, 100), 0.95, TOL);
	/* longer than the run: the run's utilization */
	ck_assert_double_eq_tol(mmu_ms(s, l, 1, 100, 1000), 0.95, TOL);
	ck_assert_double_eq_tol(mmu_ms(s, l, 1, 50 + 5, 100), 50.0 / 55, TOL);
}
END_TEST

/* 2 ms at [10, 12] and 3 ms at [15, 18]: a 5 ms window holds at most 3 ms
 * ([13, 18]), an 8 ms one both (5 ms), a 10 ms one both. */
START_TEST(mmu_two_pauses)
{
	double s[] = {10, 15}, l[] = {2, 3};
	ck_assert_double_eq_tol(mmu_ms(s, l, 2, 100, 1), 0, TOL);
	ck_assert_double_eq_tol(mmu_ms(s, l, 2, 100, 5), 0.4, TOL);
	ck_assert_double_eq_tol(mmu_ms(s, l, 2, 100, 8), 1 - 5.0 / 8, TOL);
	ck_assert_double_eq_tol(mmu_ms(s, l, 2, 100, 10), 0.5, TOL);
	ck_assert_double_eq_tol(mmu_ms(s, l, 2, 100, 100), 0.95, TOL);
}
END_TEST

/* Windows stay inside the run: a pause at either end is seen by a window
 * flush with that end, never half outside it. */
START_TEST(mmu_pause_at_the_ends)
{
	double s1[] = {0}, l1[] = {3}, s2[] = {98}, l2[] = {2};
	ck_assert_double_eq_tol(mmu_ms(s1, l1, 1, 100, 10), 0.7, TOL);
	ck_assert_double_eq_tol(mmu_ms(s2, l2, 1, 100, 10), 0.8, TOL);
	ck_assert_double_eq_tol(mmu_ms(s2, l2, 1, 100, 4), 0.5, TOL);
}
END_TEST

/* Pauses in gm_gcstats' layout, newest first, ms from EPOCH. */
static void layout(const double *end_ms, const double *len_ms, uint32_t n,
		   uint64_t *pause_end, uint64_t *pause_ns)
{
	for (uint32_t i = 0; i < n; i++) {
		pause_end[i] = EPOCH + (uint64_t)(end_ms[i] * MS);
		pause_ns[i] = (uint64_t)(len_ms[i] * MS);
	}
}

START_TEST(summarize_one_pause)
{
	double e[] = {55}, l[] = {5};
	uint64_t pe[1], pn[1];
	gmb_gc_summary g;
	layout(e, l, 1, pe, pn);
	ck_assert_int_eq(gmb_gc_summarize(pn, pe, 1, false, EPOCH,
					  EPOCH + 100000000, &g), 0);
	ck_assert_uint_eq(g.npause, 1);
	ck_assert_uint_eq(g.p50_ns, 5000000);
	ck_assert_uint_eq(g.p999_ns, 5000000);
	ck_assert_uint_eq(g.max_ns, 5000000);
	ck_assert_double_eq_tol(g.mmu_1ms, 0, TOL);
	ck_assert_double_eq_tol(g.mmu_10ms, 0.5, TOL);
	ck_assert_double_eq_tol(g.mmu_100ms, 0.95, TOL);
}
END_TEST

/* Newest first, two pauses ([15, 18] then [10, 12]); and one that began
 * before the run ([-2, 3]) counts only from the run's start. */
START_TEST(summarize_order_and_clip)
{
	double e[] = {18, 12}, l[] = {3, 2}, e2[] = {3}, l2[] = {5};
	uint64_t pe[2], pn[2];
	gmb_gc_summary g;
	layout(e, l, 2, pe, pn);
	gmb_gc_summarize(pn, pe, 2, false, EPOCH, EPOCH + 100000000, &g);
	ck_assert_uint_eq(g.p50_ns, 2000000);
	ck_assert_uint_eq(g.p90_ns, 3000000);
	ck_assert_double_eq_tol(g.mmu_10ms, 0.5, TOL);
	ck_assert_double_eq_tol(g.mmu_100ms, 0.95, TOL);
	layout(e2, l2, 1, pe, pn);
	gmb_gc_summarize(pn, pe, 1, false, EPOCH, EPOCH + 100000000, &g);
	ck_assert_double_eq_tol(g.mmu_10ms, 0.7, TOL);
	ck_assert_double_eq_tol(g.mmu_100ms, 0.97, TOL);
}
END_TEST

/* More cycles than kept: the MMU is over [oldest kept start, end], here
 * [90, 100] ms, so every window of 10 ms or more sees half pause. */
START_TEST(summarize_truncated)
{
	double e[] = {95}, l[] = {5};
	uint64_t pe[1], pn[1];
	gmb_gc_summary g;
	layout(e, l, 1, pe, pn);
	gmb_gc_summarize(pn, pe, 1, true, EPOCH, EPOCH + 100000000, &g);
	ck_assert_double_eq_tol(g.mmu_1ms, 0, TOL);
	ck_assert_double_eq_tol(g.mmu_10ms, 0.5, TOL);
	ck_assert_double_eq_tol(g.mmu_100ms, 0.5, TOL);
}
END_TEST

/* Percentiles of 1..n, given in shuffled order through gmb_gc_summarize
 * (which sorts); p[] = {p50, p90, p99, p99.9, max}. */
static void check_ranks(uint32_t n, const uint64_t p[5])
{
	uint64_t *pn = malloc(n * sizeof *pn), *pe = malloc(n * sizeof *pe);
	gmb_gc_summary g;
	ck_assert_ptr_nonnull(pn);
	ck_assert_ptr_nonnull(pe);
	for (uint32_t i = 0; i < n; i++) {
		pn[i] = (uint64_t)(i * 7919u % n) + 1; /* 7919 prime: a shuffle */
		pe[i] = EPOCH + 1000000000ull - i * 2000ull;
	}
	gmb_gc_summarize(pn, pe, n, false, EPOCH, EPOCH + 1000000000ull, &g);
	uint64_t got[5] = {g.p50_ns, g.p90_ns, g.p99_ns, g.p999_ns, g.max_ns};
	for (int k = 0; k < 5; k++)
		ck_assert_msg(got[k] == p[k], "n=%u: figure %d is %llu, not %llu",
			      n, k, (unsigned long long)got[k],
			      (unsigned long long)p[k]);
	free(pn);
	free(pe);
}

START_TEST(percentiles)
{
	static const uint64_t one[] = {1, 1, 1, 1, 1},
			      ten[] = {5, 9, 10, 10, 10},
			      hundred[] = {50, 90, 99, 100, 100},
			      all[] = {128, 231, 254, 256, 256};
	check_ranks(1, one);
	check_ranks(10, ten);
	check_ranks(100, hundred);
	check_ranks(256, all); /* ceil(0.999 * 256) = 256 */
	uint64_t sorted[1000];
	for (uint32_t i = 0; i < 1000; i++)
		sorted[i] = i + 1;
	ck_assert_uint_eq(gmb_pause_rank(sorted, 1000, 500), 500);
	ck_assert_uint_eq(gmb_pause_rank(sorted, 1000, 900), 900);
	ck_assert_uint_eq(gmb_pause_rank(sorted, 1000, 990), 990);
	ck_assert_uint_eq(gmb_pause_rank(sorted, 1000, 999), 999);
	ck_assert_uint_eq(gmb_pause_rank(sorted, 1000, 1000), 1000);
}
END_TEST

/* A cycle record with the given stops (ns). */
static gmb_cycle_stops cyc(uint32_t num, uint64_t scan, uint32_t n,
			   int64_t a, int64_t b, int64_t c)
{
	gmb_cycle_stops r = {.num = num, .nstops = n, .stack_scan = scan};
	int64_t v[3] = {a, b, c};
	for (uint32_t i = 0; i < n && i < 3; i++)
		r.stop_ns[i] = v[i];
	return r;
}

START_TEST(stops_split_mark_termination)
{
	/* 2 stop-the-world cycles (one stop each, which is mark
	 * termination), 2 concurrent cycles (sweep termination, then mark
	 * termination) and one with three stops */
	gmb_cycle_stops c[] = {
		cyc(1, 100, 1, 5000, 0, 0),
		cyc(2, 300, 1, 7000, 0, 0),
		cyc(3, 200, 2, 10, 900, 0),
		cyc(4, 400, 2, 30, 700, 0),
		cyc(5, 0, 3, 20, 40, 800),
	};
	gmb_stop_summary s;
	ck_assert_int_eq(gmb_stops_summarize(c, 5, &s), 0);
	ck_assert_uint_eq(s.ncycles, 5);
	/* all: 10 20 30 40 700 800 900 5000 7000 */
	ck_assert_uint_eq(s.all.n, 9);
	ck_assert_uint_eq(s.all.p50_ns, 700);  /* rank ceil(4.5) = 5 */
	ck_assert_uint_eq(s.all.p99_ns, 7000); /* rank ceil(8.91) = 9 */
	ck_assert_uint_eq(s.all.max_ns, 7000);
	/* mark termination: 700 800 900 5000 7000 */
	ck_assert_uint_eq(s.markterm.n, 5);
	ck_assert_uint_eq(s.markterm.p50_ns, 900);
	ck_assert_uint_eq(s.markterm.max_ns, 7000);
	/* the others: 10 20 30 40 */
	ck_assert_uint_eq(s.other.n, 4);
	ck_assert_uint_eq(s.other.p50_ns, 20);
	ck_assert_uint_eq(s.other.p99_ns, 40);
	ck_assert_uint_eq(s.other.max_ns, 40);
	ck_assert_uint_eq(s.stack_scan_mean, 200); /* 1000 / 5 */
	ck_assert_uint_eq(s.stack_scan_max, 400);
}
END_TEST

START_TEST(stops_none)
{
	gmb_stop_summary s;
	gmb_cycle_stops c[1] = {cyc(1, 64, 0, 0, 0, 0)}; /* no stop recorded */
	ck_assert_int_eq(gmb_stops_summarize(c, 0, &s), 0);
	ck_assert_uint_eq(s.ncycles, 0);
	ck_assert_uint_eq(s.all.n, 0);
	ck_assert_uint_eq(s.all.max_ns, 0);
	ck_assert_uint_eq(s.stack_scan_mean, 0);
	ck_assert_int_eq(gmb_stops_summarize(c, 1, &s), 0);
	ck_assert_uint_eq(s.all.n, 0);
	ck_assert_uint_eq(s.markterm.n, 0);
	ck_assert_uint_eq(s.stack_scan_max, 64);
}
END_TEST

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A real collector: 64 MiB of garbage in 64 KiB blocks against a 4 MiB
 * goal makes cycles; the figures over them must be sane. */
START_TEST(live_collector)
{
	static gm_gcstats before, after;
	gm_config cfg;
	gm_config_default(&cfg);
	cfg.gc_percent = 100;
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	gm_read_gcstats(&before);
	uint64_t t0 = now_ns();
	for (int i = 0; i < 1024; i++)
		gmb_do_not_optimize(gm_alloc_noscan(64 << 10));
	gm_read_gcstats(&after);
	uint64_t t1 = now_ns(), cycles = after.num_gc - before.num_gc;
	uint32_t n = cycles < after.npause ? (uint32_t)cycles : after.npause;
	gmb_gc_summary g;
	ck_assert_int_eq(gmb_gc_summarize(after.pause_ns, after.pause_end, n,
					  cycles > n, t0, t1, &g), 0);
	gm_thread_detach();
	gm_shutdown();
	ck_assert_uint_ge(cycles, 1);
	ck_assert_uint_le(g.p50_ns, g.p90_ns);
	ck_assert_uint_le(g.p90_ns, g.p99_ns);
	ck_assert_uint_le(g.p99_ns, g.p999_ns);
	ck_assert_uint_le(g.p999_ns, g.max_ns);
	ck_assert_uint_gt(g.max_ns, 0);
	double m[] = {g.mmu_1ms, g.mmu_10ms, g.mmu_100ms};
	for (int k = 0; k < 3; k++)
		ck_assert(m[k] >= 0 && m[k] <= 1);
	ck_assert(g.mmu_1ms <= g.mmu_10ms + TOL); /* MMU grows with the window */
	ck_assert(g.mmu_10ms <= g.mmu_100ms + TOL);
}
END_TEST

/* The stop log sees every cycle of a real collector, with its stops, and
 * a position taken before them gives exactly those. */
START_TEST(live_stop_log)
{
	static gmb_cycle_stops c[GMB_STOPLOG_CYCLES];
	gm_config cfg;
	gm_config_default(&cfg);
	cfg.gc_percent = 100;
	ck_assert_int_eq(gm_init(&cfg), GM_OK);
	ck_assert_int_eq(gm_thread_attach(), GM_OK);
	gmb_stoplog_start();
	gmb_stoplog_start(); /* idempotent */
	uint64_t pos = gmb_stoplog_position(), lost;
	gm_memstats ms;
	gm_read_memstats(&ms);
	uint32_t num0 = ms.num_gc;
	for (int i = 0; i < 1024; i++)
		gmb_do_not_optimize(gm_alloc_noscan(64 << 10));
	gm_gc();
	gm_read_memstats(&ms);
	uint32_t cycles = ms.num_gc - num0;
	size_t n = gmb_stoplog_since(pos, c, GMB_STOPLOG_CYCLES, &lost);
	/* only the newest 2 when asked for 2: the others count as lost */
	uint64_t lost2;
	size_t n2 = gmb_stoplog_since(pos, c + n, 2, &lost2);
	gmb_cycles_stop();
	gm_thread_detach();
	gm_shutdown();
	ck_assert_uint_ge(cycles, 2);
	ck_assert_uint_eq(n, cycles);
	ck_assert_uint_eq(lost, 0);
	ck_assert_uint_eq(n2, 2);
	ck_assert_uint_eq(lost2, cycles - 2);
	ck_assert_uint_eq(c[n].num, c[n - 2].num);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(c[i].num, num0 + i + 1);
		ck_assert_uint_ge(c[i].nstops, 1);
		ck_assert_int_gt(c[i].stop_ns[c[i].nstops - 1], 0);
	}
	gmb_stop_summary s;
	ck_assert_int_eq(gmb_stops_summarize(c, n, &s), 0);
	ck_assert_uint_eq(s.markterm.n, n);
	ck_assert_uint_le(s.all.p50_ns, s.all.p99_ns);
	ck_assert_uint_le(s.all.p99_ns, s.all.max_ns);
	ck_assert_uint_gt(s.stack_scan_max, 0); /* this thread's stack */
}
END_TEST

/* The MMU curve: windows 100 us x 10^(k/10) up to the run's span; one 1
 * ms pause in a 1 s run leaves nothing to any window of 1 ms or less,
 * and 1 - 1/w of a window of w ms beyond. */
START_TEST(mmu_curve_one_pause)
{
	uint64_t ns[1] = {1000000}, end[1] = {EPOCH + 501000000};
	double w[GMB_MMU_CURVE_MAX], mmu[GMB_MMU_CURVE_MAX];
	size_t n = gmb_gc_mmu_curve(ns, end, 1, false, EPOCH, EPOCH + 1000000000,
				    w, mmu);
	ck_assert_uint_eq(n, 41); /* 100 us .. 1 s, ten per decade */
	ck_assert_double_eq_tol(w[0], 1e5, 1e-3);
	ck_assert_double_eq_tol(w[40], 1e9, 1e-3);
	ck_assert_double_eq_tol(gmb_mmu_curve_window(50), 1e10, 1e-2);
	ck_assert_double_eq_tol(mmu[0], 0, TOL);
	ck_assert_double_eq_tol(mmu[10], 0, TOL);          /* 1 ms */
	ck_assert_double_eq_tol(mmu[20], 0.9, 1e-6);       /* 10 ms */
	ck_assert_double_eq_tol(mmu[30], 0.99, 1e-6);      /* 100 ms */
	ck_assert_double_eq_tol(mmu[40], 0.999, 1e-6);     /* 1 s: all */
	for (size_t i = 1; i < n; i++)
		ck_assert(mmu[i] >= mmu[i - 1] - TOL);      /* never falls */
	/* a run shorter than the first window still has that one point */
	n = gmb_gc_mmu_curve(NULL, NULL, 0, false, EPOCH, EPOCH + 50000, w, mmu);
	ck_assert_uint_eq(n, 1);
	ck_assert_double_eq_tol(mmu[0], 1, TOL);
}
END_TEST

/* GC CPU fraction: the cycles' collector CPU over wall x procs. */
START_TEST(gc_cpu_fraction_of_a_run)
{
	gmb_cycle_stops c[2] = {
		{.num = 1, .nstops = 1, .stop_ns = {100}, .gc_cpu_ns = 30000000,
		 .procs = 2},
		{.num = 2, .nstops = 1, .stop_ns = {100}, .gc_cpu_ns = 70000000,
		 .procs = 2},
	};
	gmb_stop_summary s;
	ck_assert_int_eq(gmb_stops_summarize(c, 2, &s), 0);
	ck_assert_int_eq(s.gc_cpu_ns, 100000000);
	ck_assert_int_eq(s.procs, 2);
	/* 0.1 s of GC CPU in 1 s on 2 procs */
	ck_assert_double_eq_tol(gmb_gc_cpu_fraction(&s, 1000000000), 0.05, TOL);
	ck_assert_double_eq_tol(gmb_gc_cpu_fraction(&s, 10000000), 1, TOL); /* capped */
	ck_assert_int_eq(gmb_stops_summarize(c, 0, &s), 0);
	ck_assert_double_eq_tol(gmb_gc_cpu_fraction(&s, 1000000000), 0, TOL);
}
END_TEST

static Suite *gccounters_suite(void)
{
	Suite *s = suite_create("gccounters");
	TCase *mmu = tcase_create("mmu"), *sum = tcase_create("summarize"),
	      *live = tcase_create("live");
	tcase_add_test(mmu, mmu_no_pauses);
	tcase_add_test(mmu, mmu_one_pause);
	tcase_add_test(mmu, mmu_two_pauses);
	tcase_add_test(mmu, mmu_pause_at_the_ends);
	tcase_add_test(sum, summarize_one_pause);
	tcase_add_test(sum, summarize_order_and_clip);
	tcase_add_test(sum, summarize_truncated);
	tcase_add_test(sum, percentiles);
	tcase_add_test(sum, stops_split_mark_termination);
	tcase_add_test(sum, stops_none);
	tcase_add_test(sum, mmu_curve_one_pause);
	tcase_add_test(sum, gc_cpu_fraction_of_a_run);
	tcase_add_test(live, live_collector);
	tcase_add_test(live, live_stop_log);
	tcase_set_timeout(live, 120);
	suite_add_tcase(s, mmu);
	suite_add_tcase(s, sum);
	suite_add_tcase(s, live);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(gccounters_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * test_mannwhitney.c — the mannwhitney suite: the U statistic and the
 * two-sided p-values of harness/mannwhitney.c against values worked out
 * by hand or published.
 *
 * Where the numbers come from:
 * - Completely separated samples: U = 0, and only 2 of the C(N, n1)
 *   equally likely arrangements are that extreme, so p = 2 / C(N, n1):
 *   3 + 3 -> 2/20 = 0.1; 4 + 4 -> 2/70 = 0.028571.
 * - Hollander, Wolfe and Chicken (also the example of R's ?wilcox.test):
 *   x = 0.80 ... 1.46 (10 values), y = 1.15 ... 1.21 (5): W = U1 = 35,
 *   one-sided exact p = 0.1272, so two-sided 0.2544 (764 of the 3003
 *   arrangements; counted by brute-force enumeration as a check).
 * - Ties, exact: x = {1, 2, 2, 3}, y = {2, 3, 4, 4}.  Midranks: 1 -> 1,
 *   2 -> 3, 3 -> 5.5, 4 -> 7.5; R1 = 1 + 3 + 3 + 5.5 = 12.5, U1 = 12.5 -
 *   10 = 2.5.  Enumerating the 70 4-subsets of the midranks, 14 have a
 *   rank sum at least 5.5 from its mean 18: p = 0.2.
 * - Ties, normal approximation, same samples: mean n1 n2 / 2 = 8; tie
 *   term sum(t^3 - t) = 24 + 6 + 6 = 36; variance 16/12 (9 - 36/56) =
 *   11.142857; |z| = (5.5 - 0.5) / 3.338092 = 1.497862; p = erfc(|z| /
 *   sqrt 2) = 0.134169.
 */
#include "harness/mannwhitney.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static gmb_mw_result mw(const double *x, size_t n1, const double *y,
                        size_t n2)
{
    gmb_mw_result r;
    ck_assert_int_eq(gmb_mw_test(x, n1, y, n2, &r), 0);
    return r;
}

START_TEST(separated_three_each)
{
    const double x[] = {1, 2, 3}, y[] = {4, 5, 6};
    gmb_mw_result r = mw(x, 3, y, 3);
    ck_assert_int_eq(r.method, GMB_MW_EXACT);
    ck_assert_double_eq(r.u1, 0);
    ck_assert_double_eq(r.u, 0);
    ck_assert_double_eq_tol(r.p, 0.1, 1e-12);
    ck_assert_double_eq_tol(r.p_min, 0.1, 1e-12);
    ck_assert(!r.ties);
}
END_TEST

START_TEST(separated_four_each)
{
    const double x[] = {5, 6, 7, 8}, y[] = {1, 2, 3, 4};
    gmb_mw_result r = mw(x, 4, y, 4);
    ck_assert_double_eq(r.u1, 16); /* every pair has x > y */
    ck_assert_double_eq(r.u, 0);
    ck_assert_double_eq_tol(r.p, 2.0 / 70, 1e-12);
    ck_assert(r.p < 0.05);
}
END_TEST

START_TEST(hollander_wolfe_example)
{
    const double x[] = {0.80, 0.83, 1.89, 1.04, 1.45,
                        1.38, 1.91, 1.64, 0.73, 1.46};
    const double y[] = {1.15, 0.88, 0.90, 0.74, 1.21};
    gmb_mw_result r = mw(x, N_OF(x), y, N_OF(y));
    ck_assert_int_eq(r.method, GMB_MW_EXACT);
    ck_assert_double_eq(r.u1, 35);
    ck_assert_double_eq(r.u, 15);
    ck_assert_double_eq_tol(r.p, 764.0 / 3003, 1e-12);
    ck_assert_double_eq_tol(r.p, 0.2544, 1e-4);
}
END_TEST

/* Swapping the samples mirrors U1 and keeps the two-sided p. */
START_TEST(swap_is_symmetric)
{
    const double x[] = {0.80, 0.83, 1.89, 1.04, 1.45,
                        1.38, 1.91, 1.64, 0.73, 1.46};
    const double y[] = {1.15, 0.88, 0.90, 0.74, 1.21};
    gmb_mw_result a = mw(x, N_OF(x), y, N_OF(y));
    gmb_mw_result b = mw(y, N_OF(y), x, N_OF(x));
    ck_assert_double_eq(b.u1, 50 - a.u1);
    ck_assert_double_eq_tol(a.p, b.p, 1e-12);
}
END_TEST

START_TEST(ties_exact)
{
    const double x[] = {1, 2, 2, 3}, y[] = {2, 3, 4, 4};
    gmb_mw_result r = mw(x, 4, y, 4);
    ck_assert(r.ties);
    ck_assert_int_eq(r.method, GMB_MW_EXACT);
    ck_assert_double_eq(r.u1, 2.5);
    ck_assert_double_eq_tol(r.p, 14.0 / 70, 1e-12);
}
END_TEST

/* Ties can make the extreme arrangement more likely: {1, 1, 2} against
 * {2, 3, 3} is as extreme as these midranks allow, and 4 of the 20
 * subsets reach it (2 per side, the 2s being interchangeable). */
START_TEST(ties_raise_smallest_p)
{
    const double x[] = {1, 1, 2}, y[] = {2, 3, 3};
    gmb_mw_result r = mw(x, 3, y, 3);
    ck_assert_double_eq(r.u1, 0.5);
    ck_assert_double_eq_tol(r.p, 0.2, 1e-12);
    ck_assert_double_eq_tol(r.p_min, 0.2, 1e-12);
}
END_TEST

START_TEST(ties_normal_approximation)
{
    const double x[] = {1, 2, 2, 3}, y[] = {2, 3, 4, 4};
    gmb_mw_result r;
    ck_assert_int_eq(gmb_mw_test_with(x, 4, y, 4, GMB_MW_NORMAL, &r), 0);
    ck_assert_int_eq(r.method, GMB_MW_NORMAL);
    ck_assert_double_eq(r.u1, 2.5);
    ck_assert_double_eq_tol(r.z, -1.497862, 1e-6);
    ck_assert_double_eq_tol(r.p, 0.134169, 1e-6);
}
END_TEST

/* 30 + 30 values rounded to 0.1 (many ties): past GMB_MW_EXACT_MAX_N the
 * normal approximation is used.  U1 = 236, p = 0.0015794 (worked out with
 * the formulas above by an independent script). */
START_TEST(large_samples_use_normal)
{
    const double a[] = {11.3, 11.4, 10.1, 9.2, 8.9, 10.0, 9.0, 8.6, 10.2,
                        10.1, 10.5, 9.1, 10.0, 9.9, 8.5, 10.5, 10.3, 12.4,
                        10.2, 9.9, 11.2, 10.2, 10.9, 9.6, 10.2, 11.0, 10.7,
                        10.1, 8.9, 10.4};
    const double b[] = {10.9, 11.5, 11.0, 11.9, 10.7, 11.0, 11.5, 9.7, 10.4,
                        10.3, 12.8, 10.7, 11.5, 11.4, 10.5, 9.2, 11.8, 10.4,
                        11.5, 9.5, 10.4, 12.1, 12.2, 9.5, 9.5, 10.8, 11.5,
                        11.0, 11.1, 9.8};
    gmb_mw_result r = mw(a, N_OF(a), b, N_OF(b));
    ck_assert_int_eq(r.method, GMB_MW_NORMAL);
    ck_assert(r.ties);
    ck_assert_double_eq(r.u1, 236);
    ck_assert_double_eq_tol(r.p, 0.0015794, 1e-7);
}
END_TEST

/* At N = 50 the exact p and the normal approximation agree closely. */
START_TEST(exact_meets_normal)
{
    double a[25], b[25];
    for (int i = 0; i < 25; i++) {
        a[i] = 2 * i;
        b[i] = 2 * i + 1 + 7.5; /* no ties */
    }
    gmb_mw_result e, n;
    ck_assert_int_eq(gmb_mw_test_with(a, 25, b, 25, GMB_MW_EXACT, &e), 0);
    ck_assert_int_eq(gmb_mw_test_with(a, 25, b, 25, GMB_MW_NORMAL, &n), 0);
    ck_assert_double_eq(e.u1, 210);
    ck_assert_double_eq_tol(n.p, 0.0478058, 1e-6);
    ck_assert_double_eq_tol(e.p, n.p, 0.003);
}
END_TEST

START_TEST(all_equal_gives_one)
{
    const double x[] = {7, 7, 7}, y[] = {7, 7, 7, 7};
    gmb_mw_result r = mw(x, 3, y, 4);
    ck_assert_double_eq(r.u1, 6);
    ck_assert_double_eq(r.p, 1);
    ck_assert_int_eq(gmb_mw_test_with(x, 3, y, 4, GMB_MW_NORMAL, &r), 0);
    ck_assert_double_eq(r.p, 1);
}
END_TEST

START_TEST(empty_sample)
{
    const double x[] = {1, 2};
    gmb_mw_result r = mw(x, 2, NULL, 0);
    ck_assert_int_eq(r.method, GMB_MW_NONE);
    ck_assert_double_eq(r.p, 1);
}
END_TEST

START_TEST(smallest_p)
{
    ck_assert_double_eq_tol(gmb_mw_min_p(3, 3), 0.1, 1e-12);
    ck_assert_double_eq_tol(gmb_mw_min_p(4, 4), 2.0 / 70, 1e-12);
    ck_assert_double_eq_tol(gmb_mw_min_p(2, 7), 2.0 / 36, 1e-12);
    ck_assert_double_eq_tol(gmb_mw_min_p(2, 8), 2.0 / 45, 1e-12);
    ck_assert_double_eq(gmb_mw_min_p(1, 1), 1);
    ck_assert_double_eq(gmb_mw_min_p(0, 5), 1);
    ck_assert(gmb_mw_min_p(40, 40) < 1e-10); /* normal, far tail */
    ck_assert_uint_eq(gmb_mw_min_reps(0.05), 4);
    ck_assert_uint_eq(gmb_mw_min_reps(0.01), 5); /* 2/252 = 0.0079 */
}
END_TEST

static Suite *mannwhitney_suite(void)
{
    Suite *s = suite_create("mannwhitney");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, separated_three_each);
    tcase_add_test(tc, separated_four_each);
    tcase_add_test(tc, hollander_wolfe_example);
    tcase_add_test(tc, swap_is_symmetric);
    tcase_add_test(tc, ties_exact);
    tcase_add_test(tc, ties_raise_smallest_p);
    tcase_add_test(tc, ties_normal_approximation);
    tcase_add_test(tc, large_samples_use_normal);
    tcase_add_test(tc, exact_meets_normal);
    tcase_add_test(tc, all_equal_gives_one);
    tcase_add_test(tc, empty_sample);
    tcase_add_test(tc, smallest_p);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(mannwhitney_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

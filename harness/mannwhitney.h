/*
 * mannwhitney.h — the two-sided Mann-Whitney U test (Wilcoxon rank-sum
 * test) of two independent samples, as `gomem-bench compare` applies it
 * to the repetitions of a benchmark in two runs.
 *
 * The null hypothesis: both samples come from the same distribution.  It
 * assumes neither normality nor equal variances, which suits benchmark
 * times (skewed, with outliers from the machine); what it needs is
 * independent repetitions.  Method and references: mannwhitney.c.
 */
#ifndef GOMEM_HARNESS_MANNWHITNEY_H
#define GOMEM_HARNESS_MANNWHITNEY_H

#include <stdbool.h>
#include <stddef.h>

/* Pooled sample sizes up to this use the exact permutation distribution
 * of U (conditional on the ties); larger ones the normal approximation.
 * 50: the exact computation is still well under a millisecond, and the
 * normal approximation is good from about 10 per side (Hollander, Wolfe
 * and Chicken, 2014, sec. 4.1). */
#define GMB_MW_EXACT_MAX_N 50

typedef enum gmb_mw_method {
	GMB_MW_NONE,   /* an empty sample: no test */
	GMB_MW_EXACT,  /* exact permutation distribution (ties included) */
	GMB_MW_NORMAL, /* normal approximation, tie and continuity corrected */
} gmb_mw_method;

typedef struct gmb_mw_result {
	gmb_mw_method method;
	size_t n1, n2;
	double u1;     /* U of the first sample: the pairs (x_i, y_j) with
			* x_i > y_j, a tie counting 1/2; 0 <= u1 <= n1 n2 */
	double u;      /* min(u1, n1 n2 - u1), the statistic tables list */
	double z;      /* the normal deviate (GMB_MW_NORMAL), else 0 */
	double p;      /* two-sided p-value, in (0, 1] */
	double p_min;  /* the smallest p these sizes (and ties) can give */
	bool ties;     /* some value occurs more than once in the pool */
} gmb_mw_result;

/* Test x[0..n1) against y[0..n2) (NaNs are not allowed).  Returns 0, or
 * -1 when memory ran out (r->method is then GMB_MW_NONE). */
int gmb_mw_test(const double *x, size_t n1, const double *y, size_t n2,
		gmb_mw_result *r);
/* The same with the method forced (GMB_MW_NONE: choose by size, as
 * gmb_mw_test does); for tests and for checking one method against the
 * other. */
int gmb_mw_test_with(const double *x, size_t n1, const double *y, size_t n2,
		     gmb_mw_method method, gmb_mw_result *r);

/* The smallest two-sided p-value the test can give for samples of n1
 * and n2 values without ties: 2 / C(n1 + n2, n1) when exact.  If it is
 * not below alpha, no data can show a difference at that level. */
double gmb_mw_min_p(size_t n1, size_t n2);

/* The smallest n such that n repetitions per side can reach p < alpha
 * (4 for alpha = 0.05). */
size_t gmb_mw_min_reps(double alpha);

#endif /* GOMEM_HARNESS_MANNWHITNEY_H */

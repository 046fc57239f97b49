/*
 * mannwhitney.c — the two-sided Mann-Whitney U test (see mannwhitney.h).
 *
 * Method (Mann and Whitney, 1947; Hollander, Wolfe and Chicken,
 * "Nonparametric Statistical Methods", 3rd ed., 2014, sec. 4.1):
 * 1. Pool the n1 + n2 = N values, sort them, and give each its rank
 *    (1..N); tied values share the mean of the ranks they span (midranks).
 *    Ranks are kept doubled, so that midranks stay integers.
 * 2. R1 is the rank sum of the first sample; U1 = R1 - n1(n1 + 1)/2 is the
 *    number of pairs (x_i, y_j) with x_i > y_j, a tie counting 1/2.  Under
 *    the null hypothesis every n1-subset of the pooled ranks is equally
 *    likely to be the first sample's, so E[U1] = n1 n2 / 2.
 * 3. Exact (N <= GMB_MW_EXACT_MAX_N): count, for every sum s, the
 *    n1-subsets of the (doubled) pooled ranks that sum to s, by dynamic
 *    programming over the values one at a time, cnt[k][s] += cnt[k-1][s-r]
 *    (the counting behind Streitberg and Roehmel's shift algorithm, 1986).
 *    The two-sided p-value is the share of subsets whose sum lies at least
 *    as far from its mean as the observed one.  With ties this is the
 *    exact distribution conditional on the tie pattern, so it stays exact
 *    where R's wilcox.test and SciPy fall back to the approximation.
 *    Without ties it is R's and SciPy's exact p: 2 P(U <= min(U1, U2)).
 * 4. Normal approximation (larger N): U1 is close to normal with mean
 *    n1 n2 / 2 and variance n1 n2 / 12 ((N + 1) - sum(t^3 - t) / (N (N - 1))),
 *    the sum running over groups of t tied values (the tie correction);
 *    the distance to the mean is shortened by 1/2 (continuity correction,
 *    as R's wilcox.test with correct = TRUE), and p = erfc(|z| / sqrt 2).
 * Counts are doubles: C(50, 25) ~ 1.3e14 is below 2^53, so they are exact.
 */
#include "harness/mannwhitney.h"

#include <math.h>
#include <stdlib.h>

typedef struct mw_item {
	double v;
	int first; /* 1 when the value belongs to the first sample */
} mw_item;

static int mw_item_cmp(const void *a, const void *b)
{
	double x = ((const mw_item *)a)->v, y = ((const mw_item *)b)->v;
	return (x > y) - (x < y);
}

/* Step 1: sort the pool and give each value twice its midrank.  Returns
 * the tie term sum(t^3 - t) over groups of t equal values. */
static double mw_rank(mw_item *pool, size_t n, long *rank2)
{
	double tie = 0;
	qsort(pool, n, sizeof *pool, mw_item_cmp);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && pool[j].v == pool[i].v; j++)
			;
		/* positions i..j-1 hold ranks i+1..j: midrank (i+1+j)/2 */
		for (size_t k = i; k < j; k++)
			rank2[k] = (long)(i + 1 + j);
		double t = (double)(j - i);
		tie += t * t * t - t;
	}
	return tie;
}

/* Step 3: the exact two-sided p of the k-subset whose doubled rank sum is
 * s_obs, and the smallest p any k-subset could have.  -1 without memory. */
static int mw_exact(const long *rank2, size_t n, size_t k, long s_obs,
		    gmb_mw_result *r)
{
	long smax = (long)(n * (n + 1)); /* all doubled ranks together */
	size_t width = (size_t)smax + 1;
	double *cnt = calloc((k + 1) * width, sizeof *cnt);
	if (cnt == NULL)
		return -1;
	cnt[0] = 1;
	for (size_t i = 0; i < n; i++) {
		long v = rank2[i];
		for (size_t j = i + 1 < k ? i + 1 : k; j >= 1; j--) {
			double *dst = cnt + j * width, *src = dst - width;
			for (long s = smax; s >= v; s--)
				dst[s] += src[s - v];
		}
	}
	const double *dist = cnt + k * width;
	long mean2 = (long)(k * (n + 1)), dobs = labs(s_obs - mean2), dmax = 0;
	double total = 0, tail = 0, extreme = 0;
	for (long s = 0; s <= smax; s++)
		if (dist[s] > 0 && labs(s - mean2) > dmax)
			dmax = labs(s - mean2);
	for (long s = 0; s <= smax; s++) {
		total += dist[s];
		tail += labs(s - mean2) >= dobs ? dist[s] : 0;
		extreme += labs(s - mean2) >= dmax ? dist[s] : 0;
	}
	r->p = tail / total;
	r->p_min = extreme / total;
	free(cnt);
	return 0;
}

/* Two-sided normal p-value of a U at `dist` from its mean, continuity
 * corrected, with standard deviation `sd`. */
static double mw_normal_p(double dist, double sd, double *z)
{
	double d = fabs(dist) - 0.5;
	if (d < 0)
		d = 0;
	if (sd <= 0) { /* every value tied: no evidence either way */
		*z = 0;
		return 1;
	}
	*z = copysign(d / sd, dist);
	return erfc(d / sd / sqrt(2.0));
}

/* Step 4. */
static void mw_normal(size_t n1, size_t n2, double tie, gmb_mw_result *r)
{
	double n = (double)(n1 + n2), mn = (double)n1 * (double)n2;
	double var = mn / 12 * ((n + 1) - tie / (n * (n - 1)));
	double sd = var > 0 ? sqrt(var) : 0, zmin;
	r->method = GMB_MW_NORMAL;
	r->p = mw_normal_p(r->u1 - mn / 2, sd, &r->z);
	r->p_min = mw_normal_p(mn / 2, sd, &zmin);
}

/* Pool both samples; the doubled rank sum of the first; the tie term. */
static double mw_pool(const double *x, size_t n1, const double *y, size_t n2,
		      mw_item *pool, long *rank2, long *s1)
{
	size_t n = n1 + n2;
	for (size_t i = 0; i < n1; i++)
		pool[i] = (mw_item){x[i], 1};
	for (size_t i = 0; i < n2; i++)
		pool[n1 + i] = (mw_item){y[i], 0};
	double tie = mw_rank(pool, n, rank2);
	*s1 = 0;
	for (size_t i = 0; i < n; i++)
		*s1 += pool[i].first ? rank2[i] : 0;
	return tie;
}

int gmb_mw_test(const double *x, size_t n1, const double *y, size_t n2,
		gmb_mw_result *r)
{
	return gmb_mw_test_with(x, n1, y, n2, GMB_MW_NONE, r);
}

int gmb_mw_test_with(const double *x, size_t n1, const double *y, size_t n2,
		     gmb_mw_method method, gmb_mw_result *r)
{
	size_t n = n1 + n2;
	*r = (gmb_mw_result){.method = GMB_MW_NONE, .n1 = n1, .n2 = n2,
			     .p = 1, .p_min = 1};
	if (n1 == 0 || n2 == 0)
		return 0;
	mw_item *pool = malloc(n * sizeof *pool);
	long *rank2 = malloc(n * sizeof *rank2), s1;
	if (pool == NULL || rank2 == NULL) {
		free(pool);
		free(rank2);
		return -1;
	}
	double tie = mw_pool(x, n1, y, n2, pool, rank2, &s1);
	r->ties = tie > 0;
	r->u1 = (double)s1 / 2 - (double)n1 * (double)(n1 + 1) / 2;
	r->u = fmin(r->u1, (double)n1 * (double)n2 - r->u1);
	int rc = 0;
	if (method == GMB_MW_NONE)
		method = n <= GMB_MW_EXACT_MAX_N ? GMB_MW_EXACT : GMB_MW_NORMAL;
	if (method == GMB_MW_EXACT) {
		r->method = GMB_MW_EXACT;
		rc = mw_exact(rank2, n, n1, s1, r);
		if (rc != 0)
			r->method = GMB_MW_NONE;
	} else {
		mw_normal(n1, n2, tie, r);
	}
	free(pool);
	free(rank2);
	return rc;
}

/* C(n, k) as a double (exact while below 2^53). */
static double mw_choose(size_t n, size_t k)
{
	double c = 1;
	if (k > n - k)
		k = n - k;
	for (size_t i = 1; i <= k; i++)
		c = c * (double)(n - k + i) / (double)i;
	return c;
}

double gmb_mw_min_p(size_t n1, size_t n2)
{
	if (n1 == 0 || n2 == 0)
		return 1;
	if (n1 + n2 <= GMB_MW_EXACT_MAX_N)
		return fmin(1, 2 / mw_choose(n1 + n2, n1));
	double n = (double)(n1 + n2), mn = (double)n1 * (double)n2, z;
	return mw_normal_p(mn / 2, sqrt(mn / 12 * (n + 1)), &z);
}

size_t gmb_mw_min_reps(double alpha)
{
	size_t n = 1;
	while (n < 1000 && gmb_mw_min_p(n, n) >= alpha)
		n++;
	return n;
}

/* tests/unit/test_histogram.c: latency histogram buckets and quantiles (common/histogram.c) */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "histogram.h"

START_TEST(test_bounds_increase)
{
	ck_assert_uint_eq(lb_hist_bound_ms(0), 1);
	ck_assert_uint_eq(lb_hist_bound_ms(7), 8);
	ck_assert_uint_eq(lb_hist_bound_ms(8), 10);
	ck_assert_uint_eq(lb_hist_bound_ms(11), 16);
	ck_assert_uint_eq(lb_hist_bound_ms(12), 20);
	ck_assert_uint_eq(lb_hist_bound_ms(LB_HIST_FINITE - 1), 131072);
	ck_assert_uint_eq(lb_hist_bound_ms(LB_HIST_FINITE), 0);	/* +Inf */
	for (unsigned i = 1; i < LB_HIST_FINITE; i++)
		ck_assert_uint_gt(lb_hist_bound_ms(i), lb_hist_bound_ms(i - 1));
}
END_TEST

/* Every value lands in the bucket whose [previous bound, bound) holds it. */
START_TEST(test_index_matches_bounds)
{
	for (uint64_t v = 0; v < 300000; v++) {
		unsigned i = lb_hist_index(v);
		uint64_t lo = i ? lb_hist_bound_ms(i - 1) : 0;

		if (i == LB_HIST_FINITE) {
			ck_assert_uint_ge(v, lb_hist_bound_ms(LB_HIST_FINITE - 1));
			continue;
		}
		ck_assert_msg(v >= lo && v < lb_hist_bound_ms(i), "%llu in bucket %u [%llu, %llu)",
			      (unsigned long long)v, i, (unsigned long long)lo,
			      (unsigned long long)lb_hist_bound_ms(i));
	}
	ck_assert_uint_eq(lb_hist_index(UINT64_MAX), LB_HIST_FINITE);
}
END_TEST

START_TEST(test_quantiles)
{
	struct lb_hist h;

	memset(&h, 0, sizeof(h));
	ck_assert(lb_hist_quantile(h.bucket, 0.5) < 0);
	ck_assert_uint_eq(lb_hist_count(h.bucket), 0);
	for (int i = 0; i < 10; i++)
		lb_hist_add(&h, 5);
	ck_assert(lb_hist_quantile(h.bucket, 0.5) >= 5 && lb_hist_quantile(h.bucket, 0.5) <= 6);
	ck_assert_uint_eq(h.sum_ms, 50);
	memset(&h, 0, sizeof(h));
	for (int v = 0; v < 1000; v++)
		lb_hist_add(&h, (uint64_t)v);
	ck_assert_uint_eq(lb_hist_count(h.bucket), 1000);
	/* within the bucket resolution (25% above 8 ms) */
	ck_assert(lb_hist_quantile(h.bucket, 0.5) > 400 && lb_hist_quantile(h.bucket, 0.5) < 640);
	ck_assert(lb_hist_quantile(h.bucket, 0.99) > 900 &&
		  lb_hist_quantile(h.bucket, 0.99) <= 1024);
	ck_assert(lb_hist_quantile(h.bucket, 0.5) < lb_hist_quantile(h.bucket, 0.99));
	memset(&h, 0, sizeof(h));
	lb_hist_add(&h, 1000000);	/* overflow: reported as the last bound */
	ck_assert(lb_hist_quantile(h.bucket, 0.5) == 131072.0);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(lb_lat_name(LB_LAT_QUEUE), "queue");
	ck_assert_str_eq(lb_lat_name(LB_LAT_TOTAL), "total");
	ck_assert_str_eq(lb_lat_name(LB_LAT__COUNT), "?");
}
END_TEST

/* The request path's cost: one lb_hist_add per phase and object. Printed, not judged
 * strictly (the machine is shared); a generous bound catches an accident. */
START_TEST(test_add_cost)
{
	static struct lb_hist h;
	struct timespec a, b;
	const long n = 20000000;
	uint64_t x = 88172645463325252ull;
	double ns;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		lb_hist_add(&h, x & 0xffff);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / (double)n;
	printf("lb_hist_add: %.2f ns per call (random times, xorshift included)\n", ns);
	ck_assert_uint_eq(lb_hist_count(h.bucket), (uint64_t)n);
	ck_assert(ns < 200);
}
END_TEST

static Suite *
histogram_suite(void)
{
	Suite *s = suite_create("histogram");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_bounds_increase);
	tcase_add_test(tc, test_index_matches_bounds);
	tcase_add_test(tc, test_quantiles);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_add_cost);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(histogram_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* common/histogram.c: bucket bounds, counts and quantiles of the latency histograms */
#include "histogram.h"

#include "util.h"

_Static_assert(LB_HIST_LINEAR == 1 << (LB_HIST_SUB_BITS + 1),
	       "the linear part must end where the first log-linear octave starts");

uint64_t
lb_hist_bound_ms(unsigned i)
{
	unsigned e, sub;

	if (i >= LB_HIST_FINITE)
		return 0;
	if (i < LB_HIST_LINEAR)
		return i + 1;
	e = 3 + ((i - LB_HIST_LINEAR) >> LB_HIST_SUB_BITS);
	sub = (i - LB_HIST_LINEAR) & ((1u << LB_HIST_SUB_BITS) - 1);
	return (uint64_t)((1u << LB_HIST_SUB_BITS) + sub + 1) << (e - LB_HIST_SUB_BITS);
}

uint64_t
lb_hist_count(const uint64_t bucket[LB_HIST_NBUCKETS])
{
	uint64_t n = 0;

	for (unsigned i = 0; i < LB_HIST_NBUCKETS; i++)
		n += bucket[i];
	return n;
}

double
lb_hist_quantile(const uint64_t bucket[LB_HIST_NBUCKETS], double q)
{
	uint64_t total = lb_hist_count(bucket), cum = 0;
	double rank;

	if (total == 0)
		return -1;
	rank = q * (double)total;
	for (unsigned i = 0; i < LB_HIST_NBUCKETS; i++) {
		double lo, hi;

		if (bucket[i] == 0 || (double)(cum + bucket[i]) < rank) {
			cum += bucket[i];
			continue;
		}
		lo = i ? (double)lb_hist_bound_ms(i - 1) : 0;
		if (i == LB_HIST_FINITE)
			return lo;	/* beyond the last bound: say the bound */
		hi = (double)lb_hist_bound_ms(i);
		return lo + (hi - lo) * (rank - (double)cum) / (double)bucket[i];
	}
	return (double)lb_hist_bound_ms(LB_HIST_FINITE - 1);
}

static const char *const lat_names[LB_LAT__COUNT] = {
	[LB_LAT_QUEUE] = "queue",
	[LB_LAT_CONNECT] = "connect",
	[LB_LAT_RESPONSE] = "response",
	[LB_LAT_TOTAL] = "total",
};

const char *
lb_lat_name(enum lb_lat_kind k)
{
	return (unsigned)k < LB_ARRAY_SIZE(lat_names) ? lat_names[k] : "?";
}

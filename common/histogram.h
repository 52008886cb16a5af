/* common/histogram.h: bucket math of the latency histograms (lbd records, lbctl/lbtop read) */
#ifndef LB_HISTOGRAM_H
#define LB_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "histogram_types.h"

/* The bucket of a time in ms: a compare, a count-leading-zeros, a shift and an add. */
static inline unsigned
lb_hist_index(uint64_t ms)
{
	unsigned e, i;

	if (ms < LB_HIST_LINEAR)
		return (unsigned)ms;
	e = 63u - (unsigned)__builtin_clzll(ms);	/* >= 3 */
	i = LB_HIST_LINEAR + ((e - 3) << LB_HIST_SUB_BITS) +
	    (unsigned)((ms >> (e - LB_HIST_SUB_BITS)) & ((1u << LB_HIST_SUB_BITS) - 1));
	return i < LB_HIST_FINITE ? i : LB_HIST_FINITE;
}

/* Records one time: one increment and one add, by the owning thread only. */
static inline void
lb_hist_add(struct lb_hist *h, uint64_t ms)
{
	h->bucket[lb_hist_index(ms)]++;
	h->sum_ms += ms;
}

/* The exclusive upper bound of bucket i in ms; 0 for the overflow bucket (+Inf). */
uint64_t lb_hist_bound_ms(unsigned i);

/* The number of values recorded (the sum of the buckets). */
uint64_t lb_hist_count(const uint64_t bucket[LB_HIST_NBUCKETS]);

/* The q-quantile (0 < q <= 1) in ms, interpolated linearly inside its bucket as Prometheus'
 * histogram_quantile() does; -1 when the histogram is empty. Works on any bucket array of
 * this layout, e.g. the difference of two snapshots (lbtop's recent latencies). */
double lb_hist_quantile(const uint64_t bucket[LB_HIST_NBUCKETS], double q);

/* "queue", "connect", "response", "total". */
const char *lb_lat_name(enum lb_lat_kind k);

#endif

/* common/histogram_types.h: fixed-bucket latency histograms (types and bucket layout)
 *
 * Times are whole milliseconds (lbd's clock is per-loop ms). Buckets are log-linear: one
 * per value below 8 ms, then four per power of two (8-9, 10-11, 12-13, 14-15, 16-19, ...)
 * up to 131071 ms, then one overflow bucket. A bucket's bound is its exclusive upper limit
 * in ms (1, 2, ..., 8, 10, 12, 14, 16, 20, ...): a request timed at 9 ms took less than 10 ms,
 * so 10 ms is the honest "le" of its bucket. Counts are plain uint64_t: the struct is summed
 * field by field like the other counters (lbd/stats.c).
 */
#ifndef LB_HISTOGRAM_TYPES_H
#define LB_HISTOGRAM_TYPES_H

#include <stdint.h>

#define LB_HIST_LINEAR 8		/* one bucket per ms below this */
#define LB_HIST_SUB_BITS 2		/* 4 buckets per power of two above it */
#define LB_HIST_MAX_EXP 16		/* last finite octave: [2^16, 2^17) ms */
#define LB_HIST_FINITE (LB_HIST_LINEAR + (LB_HIST_MAX_EXP - 2) * (1 << LB_HIST_SUB_BITS))
#define LB_HIST_NBUCKETS (LB_HIST_FINITE + 1)	/* + overflow (+Inf) */

/* The latencies lbd records (HAProxy's Tw, Tc, Tr, Tt). Checklist: names in histogram.c. */
enum lb_lat_kind {
	LB_LAT_QUEUE = 0,	/* Tw: waiting in the queue for a server slot */
	LB_LAT_CONNECT,		/* Tc: connecting to the server */
	LB_LAT_RESPONSE,	/* Tr: from connected to the response head */
	LB_LAT_TOTAL,		/* Tt: the whole exchange */
	LB_LAT__COUNT
};

struct lb_hist {
	uint64_t bucket[LB_HIST_NBUCKETS];
	uint64_t sum_ms;
};

#endif

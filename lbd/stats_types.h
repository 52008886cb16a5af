/* lbd/stats_types.h: per-thread counters, summed on read
 *
 * Every counter exists once per thread and is only written by its thread (plain increments,
 * no atomics on the request path). Readers (control socket, stats page, Prometheus) sum the
 * threads' copies; a reader may see a slightly stale value, never a torn one on x86_64.
 * Checklist: a counter added here must also be added to lbd_stats_sum_*() in stats.c.
 */
#ifndef LBD_STATS_TYPES_H
#define LBD_STATS_TYPES_H

#include <stdint.h>

#include "histogram_types.h"

struct lbd_px_counters {
	uint64_t conn_tot;		/* connections accepted (frontend) */
	uint64_t sess_tot;		/* sessions (streams) */
	uint64_t req_tot;		/* HTTP requests */
	uint64_t bytes_in;		/* from clients */
	uint64_t bytes_out;		/* to clients */
	uint64_t denied_req;
	uint64_t denied_resp;
	uint64_t failed_req;		/* invalid requests (400...) */
	uint64_t intercepted;		/* return / redirect answered locally */
	uint64_t hrsp[6];		/* 1xx..5xx, [0] = other */
	uint64_t econ;			/* connection errors to servers */
	uint64_t eresp;			/* response errors */
	uint64_t retries;
	uint64_t redispatches;
	uint64_t cli_aborts;
	uint64_t srv_aborts;
	uint64_t queue_timeouts;
	struct lb_hist lat[LB_LAT__COUNT];	/* latencies of finished streams (stats.c) */
};

struct lbd_srv_counters {
	uint64_t sess_tot;
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint64_t hrsp[6];
	uint64_t econ;
	uint64_t eresp;
	uint64_t retries;
	uint64_t redispatches;
	uint64_t cli_aborts;
	uint64_t srv_aborts;
	uint64_t reuse;			/* requests sent over a reused idle connection */
	uint64_t connects;		/* new connections opened */
	struct lb_hist lat[LB_LAT__COUNT];	/* latencies of finished streams (stats.c) */
};

#endif

/* lbd/rate.h: events per second and their maxima, per thread: show stat's rate, rate_max,
 * req_rate, req_rate_max, conn_rate, conn_rate_max and lastsess columns
 *
 * Each frontend, backend and server has one struct lbd_rates per thread, written by that
 * thread only: a count, and once a second a roll-over, no atomics on the request path.
 * Readers sum the threads. A rate is the number of events in the last complete second; a
 * maximum is the largest per-second count seen (with several threads, the sum of the
 * threads' own maxima: an upper bound). They live apart from the counters structs, which
 * "clear counters" and the reload hand-over treat as plain sums.
 */
#ifndef LBD_RATE_H
#define LBD_RATE_H

#include <stdint.h>

struct lbd_rate {
	uint64_t sec;		/* the second `cur` counts (monotonic ms / 1000) */
	uint64_t cur;		/* events in that second */
	uint64_t prev;		/* events in the second before it */
	uint64_t max;		/* most events in one second */
};

struct lbd_rates {
	struct lbd_rate sess;	/* sessions (HAProxy's "rate") */
	struct lbd_rate req;	/* HTTP requests ("req_rate") */
	struct lbd_rate conn;	/* connections accepted ("conn_rate", frontends) */
	uint64_t last_sess_ms;	/* monotonic ms of the last session, 0: none ("lastsess") */
	uint64_t pad[3];	/* 128 bytes: threads' entries do not share cache lines much */
};

static inline void
lbd_rate_hit(struct lbd_rate *r, uint64_t now_ms)
{
	uint64_t s = now_ms / 1000;

	if (s != r->sec) {
		r->prev = s == r->sec + 1 ? r->cur : 0;
		r->cur = 0;
		r->sec = s;
	}
	if (++r->cur > r->max)
		r->max = r->cur;
}

/* A session starts: counted in the rate and remembered for lastsess. */
static inline void
lbd_rates_sess(struct lbd_rates *r, uint64_t now_ms)
{
	lbd_rate_hit(&r->sess, now_ms);
	r->last_sess_ms = now_ms;
}

/* Raises a shared maximum (smax, qmax) to v. Two threads may race; the loser's value is at
 * most one off, which a maximum can afford better than a locked instruction per session. */
static inline void
lbd_note_max(int *max, int v)
{
	if (v > __atomic_load_n(max, __ATOMIC_RELAXED))
		__atomic_store_n(max, v, __ATOMIC_RELAXED);
}

/* What readers get: the threads summed. */
struct lbd_rates_view {
	uint64_t sess, sess_max, req, req_max, conn, conn_max;
	int64_t last_sess_s;	/* seconds since the last session, -1: none yet */
};

void lbd_rates_read(const struct lbd_rates *per_thread, int nbthread, uint64_t now_ms,
		    struct lbd_rates_view *out);
/* "clear counters": the maxima start again (the threads may race this; a lost reset of a
 * maximum is harmless). */
void lbd_rates_clear_max(struct lbd_rates *per_thread, int nbthread);

#endif

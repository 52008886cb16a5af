/* lbd/rate.c: reading the per-thread rates (lbd/rate.h) */
#include "rate.h"

#include "util.h"

/* Events in the last complete second as of now_ms, and the maximum. */
static void
read_one(const struct lbd_rate *r, uint64_t now_s, uint64_t *rate, uint64_t *max)
{
	uint64_t sec = __atomic_load_n(&r->sec, __ATOMIC_RELAXED);
	uint64_t cur = __atomic_load_n(&r->cur, __ATOMIC_RELAXED);
	uint64_t prev = __atomic_load_n(&r->prev, __ATOMIC_RELAXED);
	uint64_t m = __atomic_load_n(&r->max, __ATOMIC_RELAXED);

	if (sec == now_s)
		*rate += prev;
	else if (sec + 1 == now_s)
		*rate += cur;
	*max += m;
}

void
lbd_rates_read(const struct lbd_rates *per_thread, int nbthread, uint64_t now_ms,
	       struct lbd_rates_view *out)
{
	uint64_t now_s = now_ms / 1000, last = 0;

	*out = (struct lbd_rates_view){ .last_sess_s = -1 };
	for (int t = 0; t < nbthread; t++) {
		const struct lbd_rates *r = &per_thread[t];
		uint64_t l = __atomic_load_n(&r->last_sess_ms, __ATOMIC_RELAXED);

		read_one(&r->sess, now_s, &out->sess, &out->sess_max);
		read_one(&r->req, now_s, &out->req, &out->req_max);
		read_one(&r->conn, now_s, &out->conn, &out->conn_max);
		last = LB_MAX(last, l);
	}
	if (last)
		out->last_sess_s = now_ms > last ? (int64_t)((now_ms - last) / 1000) : 0;
}

void
lbd_rates_clear_max(struct lbd_rates *per_thread, int nbthread)
{
	for (int t = 0; t < nbthread; t++) {
		__atomic_store_n(&per_thread[t].sess.max, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&per_thread[t].req.max, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&per_thread[t].conn.max, 0, __ATOMIC_RELAXED);
	}
}

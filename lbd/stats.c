/* lbd/stats.c: summing per-thread counters and the "clear counters" baseline
 *
 * The field lists below are the checklist of lbd/stats_types.h: a counter added to a struct
 * there and not listed here fails the build (the _Static_asserts compare sizes). Sums are
 * done field by field from these lists, so they stay right whatever the struct layout.
 */
#include "stats.h"

#include <stddef.h>
#include <stdlib.h>

#include "ctl_proto.h"
#include "health.h"
#include "histogram.h"
#include "stream_types.h"
#include "thread_types.h"
#include "util.h"

#define PX_FIELDS(X) \
	X(conn_tot) X(sess_tot) X(req_tot) X(bytes_in) X(bytes_out) X(denied_req) \
	X(denied_resp) X(failed_req) X(intercepted) X(hrsp) X(econ) X(eresp) X(retries) \
	X(redispatches) X(cli_aborts) X(srv_aborts) X(queue_timeouts) X(lat)

#define SRV_FIELDS(X) \
	X(sess_tot) X(bytes_in) X(bytes_out) X(hrsp) X(econ) X(eresp) X(retries) \
	X(redispatches) X(cli_aborts) X(srv_aborts) X(reuse) X(connects) X(lat)

#define PX_SIZE(f) + sizeof(((struct lbd_px_counters *)0)->f)
#define SRV_SIZE(f) + sizeof(((struct lbd_srv_counters *)0)->f)
_Static_assert(0 PX_FIELDS(PX_SIZE) == sizeof(struct lbd_px_counters),
	       "a counter of struct lbd_px_counters is missing from PX_FIELDS");
_Static_assert(0 SRV_FIELDS(SRV_SIZE) == sizeof(struct lbd_srv_counters),
	       "a counter of struct lbd_srv_counters is missing from SRV_FIELDS");

/* One counter (or array of counters) of a struct: where it is and how many uint64_t. */
struct ctr_field {
	size_t off;
	size_t n;
};

#define PX_ENTRY(f) { offsetof(struct lbd_px_counters, f), \
		      sizeof(((struct lbd_px_counters *)0)->f) / (sizeof(uint64_t)) },
#define SRV_ENTRY(f) { offsetof(struct lbd_srv_counters, f), \
		       sizeof(((struct lbd_srv_counters *)0)->f) / (sizeof(uint64_t)) },
static const struct ctr_field px_fields[] = { PX_FIELDS(PX_ENTRY) };
static const struct ctr_field srv_fields[] = { SRV_FIELDS(SRV_ENTRY) };

static inline uint64_t *
at(void *base, size_t off, size_t k)
{
	return (uint64_t *)(void *)((char *)base + off) + k;
}

/* Sums n copies of a struct of `size` bytes described by fields. */
static void
sum(const void *per_thread, int n, size_t size, const struct ctr_field *fields,
    size_t nfields, void *out)
{
	memset(out, 0, size);
	for (int t = 0; t < n; t++) {
		const char *src = (const char *)per_thread + (size_t)t * size;
		for (size_t f = 0; f < nfields; f++)
			for (size_t k = 0; k < fields[f].n; k++)
				*at(out, fields[f].off, k) += __atomic_load_n(
					at((void *)src, fields[f].off, k), __ATOMIC_RELAXED);
	}
}

/* out -= base, never below zero (a clear that ran between our sum and our read of the
 * baseline could make the baseline the larger one). */
static void
subtract(void *out, const void *base, const struct ctr_field *fields, size_t nfields)
{
	for (size_t f = 0; f < nfields; f++)
		for (size_t k = 0; k < fields[f].n; k++) {
			uint64_t *o = at(out, fields[f].off, k);
			uint64_t b = __atomic_load_n(at((void *)base, fields[f].off, k),
						     __ATOMIC_RELAXED);
			*o = *o > b ? *o - b : 0;
		}
}

void
lbd_stats_sum_px(const struct lbd_px_counters *per_thread, int nbthread,
		 struct lbd_px_counters *out)
{
	sum(per_thread, nbthread, sizeof(*out), px_fields, LB_ARRAY_SIZE(px_fields), out);
}

void
lbd_stats_sum_srv(const struct lbd_srv_counters *per_thread, int nbthread,
		  struct lbd_srv_counters *out)
{
	sum(per_thread, nbthread, sizeof(*out), srv_fields, LB_ARRAY_SIZE(srv_fields), out);
}

/* The baseline: allocated by the first clear, then published once (release/acquire) and
 * only overwritten in place, so readers on other threads never see it freed under them. */
struct stats_base {
	const struct lbd_runtime *rt;
	struct lbd_px_counters *fe;	/* [rt->nfe] */
	struct lbd_px_counters *be;	/* [rt->nbe] */
	struct lbd_srv_counters *srv;	/* [nsrv], by gid */
	unsigned nsrv;			/* rt->nservers at the first clear (later servers:
					 * no baseline) */
};

static struct stats_base *stats_base;

static const struct stats_base *
base_for(const struct lbd_runtime *rt)
{
	const struct stats_base *b = __atomic_load_n(&stats_base, __ATOMIC_ACQUIRE);

	return b && b->rt == rt ? b : NULL;
}

void
lbd_stats_frontend(const struct lbd_runtime *rt, const struct lbd_frontend *fe,
		   struct lbd_px_counters *out)
{
	const struct stats_base *b = base_for(rt);

	lbd_stats_sum_px(fe->ctr, rt->nbthread, out);
	if (b)
		subtract(out, &b->fe[fe - rt->fe], px_fields, LB_ARRAY_SIZE(px_fields));
}

void
lbd_stats_backend(const struct lbd_runtime *rt, const struct lbd_backend *be,
		  struct lbd_px_counters *out)
{
	const struct stats_base *b = base_for(rt);

	lbd_stats_sum_px(be->ctr, rt->nbthread, out);
	if (b)
		subtract(out, &b->be[be - rt->be], px_fields, LB_ARRAY_SIZE(px_fields));
}

void
lbd_stats_server(const struct lbd_runtime *rt, const struct lbd_server *srv,
		 struct lbd_srv_counters *out)
{
	const struct stats_base *b = base_for(rt);

	lbd_stats_sum_srv(srv->ctr, rt->nbthread, out);
	if (b && (unsigned)srv->gid < b->nsrv)
		subtract(out, &b->srv[srv->gid], srv_fields, LB_ARRAY_SIZE(srv_fields));
}

/* Copies src into the baseline slot with relaxed atomic stores (readers load them). */
static void
store(void *dst, const void *src, const struct ctr_field *fields, size_t nfields)
{
	for (size_t f = 0; f < nfields; f++)
		for (size_t k = 0; k < fields[f].n; k++)
			__atomic_store_n(at(dst, fields[f].off, k),
					 *at((void *)src, fields[f].off, k), __ATOMIC_RELAXED);
}

/* smax, qmax and the rate maxima start again, as HAProxy's "clear counters" resets them.
 * Writers race this without harm: a maximum is at worst one event off. */
static void
clear_maxima(const struct lbd_runtime *rt)
{
	for (unsigned i = 0; i < rt->nfe; i++) {
		__atomic_store_n(&rt->fe[i].max_conn, 0, __ATOMIC_RELAXED);
		lbd_rates_clear_max(rt->fe[i].rates, rt->nbthread);
	}
	for (unsigned i = 0; i < rt->nbe; i++) {
		struct lbd_backend *be = &rt->be[i];

		__atomic_store_n(&be->max_conn, 0, __ATOMIC_RELAXED);
		pthread_mutex_lock(&be->qlock);
		be->qmax = be->qlen;
		pthread_mutex_unlock(&be->qlock);
		lbd_rates_clear_max(be->rates, rt->nbthread);
	}
	for (unsigned i = 0; i < rt->nservers; i++) {
		__atomic_store_n(&rt->servers[i]->max_sess, 0, __ATOMIC_RELAXED);
		lbd_rates_clear_max(rt->servers[i]->rates, rt->nbthread);
	}
}

int
lbd_stats_clear(const struct lbd_runtime *rt)
{
	struct stats_base *b = stats_base;
	bool fresh = false;

	if (!b || b->rt != rt) {
		if (b)
			return -1;	/* one runtime per process; a rebuilt one needs a release */
		b = calloc(1, sizeof(*b));
		if (!b)
			return -1;
		b->rt = rt;
		b->fe = calloc(rt->nfe ? rt->nfe : 1, sizeof(*b->fe));
		b->be = calloc(rt->nbe ? rt->nbe : 1, sizeof(*b->be));
		b->srv = calloc(rt->nservers ? rt->nservers : 1, sizeof(*b->srv));
		b->nsrv = rt->nservers;
		if (!b->fe || !b->be || !b->srv) {
			free(b->fe);
			free(b->be);
			free(b->srv);
			free(b);
			return -1;
		}
		fresh = true;
	}
	for (unsigned i = 0; i < rt->nfe; i++) {
		struct lbd_px_counters c;
		lbd_stats_sum_px(rt->fe[i].ctr, rt->nbthread, &c);
		store(&b->fe[i], &c, px_fields, LB_ARRAY_SIZE(px_fields));
	}
	for (unsigned i = 0; i < rt->nbe; i++) {
		struct lbd_px_counters c;
		lbd_stats_sum_px(rt->be[i].ctr, rt->nbthread, &c);
		store(&b->be[i], &c, px_fields, LB_ARRAY_SIZE(px_fields));
	}
	for (unsigned i = 0; i < b->nsrv; i++) {
		struct lbd_srv_counters c;
		lbd_stats_sum_srv(rt->servers[i]->ctr, rt->nbthread, &c);
		store(&b->srv[i], &c, srv_fields, LB_ARRAY_SIZE(srv_fields));
	}
	if (fresh)
		__atomic_store_n(&stats_base, b, __ATOMIC_RELEASE);
	clear_maxima(rt);
	return 0;
}

void
lbd_stats_forget_server(const struct lbd_runtime *rt, unsigned gid)
{
	struct stats_base *b = stats_base;

	if (!b || b->rt != rt || gid >= b->nsrv)
		return;
	memmove(&b->srv[gid], &b->srv[gid + 1], (b->nsrv - gid - 1) * sizeof(*b->srv));
	b->nsrv--;
}

void
lbd_stats_release(void)
{
	struct stats_base *b = __atomic_exchange_n(&stats_base, NULL, __ATOMIC_ACQ_REL);

	if (!b)
		return;
	free(b->fe);
	free(b->be);
	free(b->srv);
	free(b);
}

/* The times of a finished stream, -1 for a phase it did not reach (as its log line has). */
static void
stream_times(const struct lbd_stream *s, int64_t t[LB_LAT__COUNT])
{
	uint64_t start = s->t_start_ms ? s->t_start_ms : s->cc->accept_ms, now = s->thr->now_ms;

#define SINCE(from, to) ((from) && (to) >= (from) ? (int64_t)((to) - (from)) : -1)
	t[LB_LAT_QUEUE] = s->t_queue_ms ? SINCE(s->t_req_done_ms, s->t_queue_ms) : -1;
	t[LB_LAT_CONNECT] = s->t_connect_ms ? SINCE(s->t_queue_ms, s->t_connect_ms) : -1;
	t[LB_LAT_RESPONSE] = s->t_response_ms && s->t_connect_ms
				     ? SINCE(s->t_connect_ms, s->t_response_ms) : -1;
	t[LB_LAT_TOTAL] = SINCE(start, now);
#undef SINCE
}

void
lbd_stats_record_times(const struct lbd_stream *s)
{
	int tid = s->thr->id;
	int64_t t[LB_LAT__COUNT];

	stream_times(s, t);
	if (t[LB_LAT_TOTAL] >= 0)
		lb_hist_add(&s->fe->ctr[tid].lat[LB_LAT_TOTAL], (uint64_t)t[LB_LAT_TOTAL]);
	if (!s->srv || !s->be)
		return;
	for (int k = 0; k < LB_LAT__COUNT; k++) {
		if (t[k] < 0)
			continue;
		lb_hist_add(&s->be->ctr[tid].lat[k], (uint64_t)t[k]);
		lb_hist_add(&s->srv->ctr[tid].lat[k], (uint64_t)t[k]);
	}
}

int64_t
lbd_stats_mean_ms(const struct lb_hist *h)
{
	uint64_t n = lb_hist_count(h->bucket);

	return n ? (int64_t)((h->sum_ms + n / 2) / n) : 0;
}

static void
pack_quantile(msgpack_packer *pk, const char *key, const struct lb_hist *h, double q)
{
	double v = lb_hist_quantile(h->bucket, q);

	lb_ctl_pack_str(pk, key);
	if (v < 0)
		msgpack_pack_nil(pk);
	else
		msgpack_pack_double(pk, v);
}

void
lbd_stats_pack_latency(msgpack_packer *pk, const struct lb_hist lat[LB_LAT__COUNT])
{
	msgpack_pack_map(pk, 1 + LB_LAT__COUNT);
	lb_ctl_pack_str(pk, "bounds_ms");
	msgpack_pack_array(pk, LB_HIST_FINITE);
	for (unsigned i = 0; i < LB_HIST_FINITE; i++)
		msgpack_pack_uint64(pk, lb_hist_bound_ms(i));
	for (int k = 0; k < LB_LAT__COUNT; k++) {
		const struct lb_hist *h = &lat[k];
		unsigned used = LB_HIST_NBUCKETS;

		while (used > 0 && h->bucket[used - 1] == 0)
			used--;
		lb_ctl_pack_str(pk, lb_lat_name((enum lb_lat_kind)k));
		msgpack_pack_map(pk, 6);
		lb_ctl_pack_kv_u64(pk, "count", lb_hist_count(h->bucket));
		lb_ctl_pack_kv_u64(pk, "sum_ms", h->sum_ms);
		pack_quantile(pk, "p50", h, 0.5);
		pack_quantile(pk, "p90", h, 0.9);
		pack_quantile(pk, "p99", h, 0.99);
		lb_ctl_pack_str(pk, "buckets");
		msgpack_pack_array(pk, used);
		for (unsigned i = 0; i < used; i++)
			msgpack_pack_uint64(pk, h->bucket[i]);
	}
}

const char *
lbd_stats_server_status(const struct lbd_server *srv)
{
	int admin = __atomic_load_n(&srv->admin, __ATOMIC_RELAXED);

	if (admin == LBD_SRV_MAINT)
		return "MAINT";
	if (!__atomic_load_n(&srv->health_up, __ATOMIC_RELAXED))
		return "DOWN";
	if (admin == LBD_SRV_DRAIN)
		return "DRAIN";
	if (lbd_health_nolb(srv))
		return "NOLB";
	return "UP";
}

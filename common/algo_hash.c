/* common/algo_hash.c: source, uri, url_param, hdr: a hash of the request picks the server
 *
 * The four algorithms differ only in what the data plane hashes (the client address, the
 * URI, a query parameter, a header; see the helpers in algo.c), so they share this code and
 * differ in their registry rows. The caller hands the hash in lb_algo_req; without one
 * (no such parameter or header) the pick falls back to weighted round robin, as HAProxy
 * does.
 *
 * hash-type map-based (the default): the smooth weighted sequence of the servers that have a
 * weight (algo_roundrobin.c) is the map, and hash % its length is the entry. The same key
 * goes to the same server as long as the set of servers and weights stays the same; when a
 * server goes down or comes back (update), most keys move, as in HAProxy.
 *
 * hash-type consistent: a ring of points. A server with eweight w owns w * ppw points,
 * placed at lb_hash64(id, point number), so its points depend only on its own id and weight:
 * when a server leaves, only the keys on its points move (about 1/n of them), and they come
 * back when it returns. A key belongs to the first point at or after its hash, clockwise.
 * ppw (points per unit of weight) is 100, which keeps a weight-1 server's share within about
 * 10% (1/sqrt(100)) of fair at 16 bytes per point; it is lowered for very large farms so the
 * ring stays under LB_CHASH_MAX_POINTS, and is fixed for the pool's life from the configured
 * weights, so that servers coming and going never reshuffle the others.
 *
 * Both kinds skip a server that cannot take a session (full, or `avoid`) by walking on to
 * the next entry or point, so the fallback for a key is stable too.
 */
#include <stdlib.h>
#include <string.h>

#include "algo.h"
#include "algo_priv.h"
#include "util.h"

#define LB_CHASH_PPW		100
#define LB_CHASH_MAX_POINTS	(1u << 20)

struct chash_point {
	uint64_t hash;
	uint32_t idx;		/* index into the group's srv[] */
};

struct hash_state {
	enum lb_hash_type type;
	struct lb_algo_wrr map;		/* map-based map, and the round-robin fallback */
	/* consistent only: */
	unsigned ppw;
	struct chash_point *ring;	/* sorted by hash, then idx */
	uint32_t npoints;
	uint32_t *members;		/* distinct servers on the ring */
	uint32_t nmembers;
};

static uint64_t
point_hash(int id, uint32_t point)
{
	unsigned char b[8];
	uint32_t u = (uint32_t)id;

	/* fixed byte order, so a ring is the same on every host */
	for (int i = 0; i < 4; i++) {
		b[i] = (unsigned char)(u >> (8 * i));
		b[4 + i] = (unsigned char)(point >> (8 * i));
	}
	return lb_hash64(b, sizeof(b));
}

static int
point_cmp(const void *pa, const void *pb)
{
	const struct chash_point *a = pa, *b = pb;

	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* (Re)builds the ring from the live eweights; on OOM returns -1 and keeps the old one. */
static int
ring_build(struct hash_state *h, struct lb_algo_srv **srv, unsigned n)
{
	struct chash_point *ring = NULL;
	uint32_t *members = NULL;
	uint64_t total = 0;
	uint32_t nmembers = 0, p = 0;
	int *w = calloc(n ? n : 1, sizeof(*w));

	if (!w)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		w[i] = lb_algo_srv_eweight(srv[i]);
		if (w[i] > 0) {
			total += (uint64_t)w[i] * h->ppw;
			nmembers++;
		}
	}
	/* operators raising weights far above the configured ones: stay bounded */
	if (total > 4ull * LB_CHASH_MAX_POINTS) {
		free(w);
		return -1;
	}
	if (nmembers) {
		ring = malloc(total * sizeof(*ring));
		members = malloc(nmembers * sizeof(*members));
		if (!ring || !members) {
			free(ring);
			free(members);
			free(w);
			return -1;
		}
		nmembers = 0;
		for (unsigned i = 0; i < n; i++) {
			if (w[i] <= 0)
				continue;
			members[nmembers++] = i;
			for (uint32_t k = 0; k < (uint32_t)w[i] * h->ppw; k++)
				ring[p++] = (struct chash_point){ point_hash(srv[i]->id, k), i };
		}
		qsort(ring, p, sizeof(*ring), point_cmp);
	}
	free(w);
	free(h->ring);
	free(h->members);
	h->ring = ring;
	h->npoints = p;
	h->members = members;
	h->nmembers = nmembers;
	return 0;
}

static struct lb_algo_srv *
ring_pick(const struct hash_state *h, struct lb_algo_srv **srv, uint64_t key,
	  const struct lb_algo_srv *avoid)
{
	uint32_t lo = 0, hi = h->npoints;

	if (!h->npoints)
		return NULL;
	while (lo < hi) {	/* the first point with hash >= key */
		uint32_t mid = lo + (hi - lo) / 2;
		if (h->ring[mid].hash < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint32_t i = 0; i < h->npoints; i++) {
		struct lb_algo_srv *s;

		if (lo == h->npoints)
			lo = 0;
		s = srv[h->ring[lo++].idx];
		if (s != avoid && lb_algo_srv_available(s))
			return s;
		if (i + 1 == h->nmembers &&
		    !lb_algo_members_usable(srv, h->members, h->nmembers, avoid))
			break;
	}
	return lb_algo_avoid_fallback(avoid);
}

static void hash_free(void *state);

static void *
hash_init(struct lb_algo_srv **srv, unsigned n, const struct lb_cfg_balance *bal)
{
	struct hash_state *h = calloc(1, sizeof(*h));
	uint64_t wsum = 0;

	if (!h)
		return NULL;
	h->type = bal && bal->hash_type == LB_HASH_CONSISTENT ? LB_HASH_CONSISTENT
							      : LB_HASH_MAP_BASED;
	if (lb_algo_wrr_build(&h->map, srv, n, false) < 0) {
		free(h);
		return NULL;
	}
	if (h->type == LB_HASH_CONSISTENT) {
		for (unsigned i = 0; i < n; i++) {
			int uw = __atomic_load_n(&srv[i]->uweight, __ATOMIC_RELAXED);
			wsum += uw > 0 ? (unsigned)uw : 0;
		}
		h->ppw = LB_CHASH_PPW;
		if (wsum * LB_CHASH_PPW > LB_CHASH_MAX_POINTS)
			h->ppw = (unsigned)LB_MAX(LB_CHASH_MAX_POINTS / wsum, 1);
		if (ring_build(h, srv, n) < 0) {
			hash_free(h);
			return NULL;
		}
	}
	return h;
}

static void
hash_free(void *state)
{
	struct hash_state *h = state;

	if (!h)
		return;
	lb_algo_wrr_clear(&h->map);
	free(h->ring);
	free(h->members);
	free(h);
}

/* On OOM the previous map or ring stays in use (see rr_update). */
static void
hash_update(void *state, struct lb_algo_srv **srv, unsigned n)
{
	struct hash_state *h = state;

	(void)lb_algo_wrr_build(&h->map, srv, n, false);
	if (h->type == LB_HASH_CONSISTENT)
		(void)ring_build(h, srv, n);
}

static struct lb_algo_srv *
hash_pick(void *state, struct lb_algo_srv **srv, unsigned n, const struct lb_algo_req *req,
	  const struct lb_algo_srv *avoid)
{
	struct hash_state *h = state;

	(void)n;
	if (!req || !req->has_hash)
		return lb_algo_wrr_next(&h->map, srv, avoid);
	if (h->type == LB_HASH_CONSISTENT)
		return ring_pick(h, srv, req->hash, avoid);
	return lb_algo_wrr_at(&h->map, srv, req->hash, avoid);
}

const struct lb_algo_ops lb_algo_ops_source = {
	.name = "source",
	.input = LB_ALGO_IN_SRC,
	.help = "a hash of the client address (without the port) picks the server; see hash-type",
	.init = hash_init,
	.free = hash_free,
	.update = hash_update,
	.pick = hash_pick,
};

const struct lb_algo_ops lb_algo_ops_uri = {
	.name = "uri",
	.input = LB_ALGO_IN_URI,
	.http_only = true,
	.help = "a hash of the URI path (options: len <n>, depth <n>, whole) picks the server",
	.init = hash_init,
	.free = hash_free,
	.update = hash_update,
	.pick = hash_pick,
};

const struct lb_algo_ops lb_algo_ops_url_param = {
	.name = "url_param",
	.input = LB_ALGO_IN_URL_PARAM,
	.http_only = true,
	.needs_arg = true,
	.help = "url_param <name>: a hash of that query-string parameter's value picks the "
		"server; round robin without it",
	.init = hash_init,
	.free = hash_free,
	.update = hash_update,
	.pick = hash_pick,
};

const struct lb_algo_ops lb_algo_ops_hdr = {
	.name = "hdr",
	.input = LB_ALGO_IN_HDR,
	.http_only = true,
	.needs_arg = true,
	.help = "hdr(<name>): a hash of that request header's value picks the server; round "
		"robin without it",
	.init = hash_init,
	.free = hash_free,
	.update = hash_update,
	.pick = hash_pick,
};

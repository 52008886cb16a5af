/* common/algo_roundrobin.c: weighted round robin over a precomputed smooth sequence
 *
 * The sequence (struct lb_algo_wrr) gives server i its k-th turn of a cycle at the virtual
 * time (2k + 1) / (2 w_i), k = 0 .. w_i - 1, and orders all turns by that time: earliest
 * deadline first. Each server's turns are evenly spread over the cycle and offset by half a
 * step, so weights 3:1 give A A B A, not A A A B, and every cycle of sum(w) picks gives each
 * server exactly w turns. Weights are divided by their gcd first (1/1/1 and 100/100/100 give
 * the same three-entry cycle), which keeps the sequence at most 256 entries per server.
 *
 * A pick is O(1): read the entry under the cursor and advance. Entries whose server cannot
 * take a session (full, or down before the owner called update) are skipped; once as many
 * entries as there are members were skipped, one O(members) scan decides whether anything
 * can be found at all, so "everyone is full" costs O(n), not O(cycle).
 *
 * roundrobin reads the live eweight at init and at every update (dynamic weights, slow
 * start); static-rr builds the same sequence once from uweight (algo_static_rr.c).
 */
#include <stdlib.h>
#include <string.h>

#include "algo.h"
#include "algo_priv.h"
#include "util.h"

struct turn {
	uint32_t idx;		/* server index */
	uint32_t k;		/* the k-th turn of this server in a cycle */
	uint32_t w;		/* the server's reduced weight */
};

/* Orders turns by (2k + 1) / (2w), exactly (cross-multiplied), ties by server index. */
static int
turn_cmp(const void *pa, const void *pb)
{
	const struct turn *a = pa, *b = pb;
	uint64_t da = (2 * (uint64_t)a->k + 1) * b->w;
	uint64_t db = (2 * (uint64_t)b->k + 1) * a->w;

	if (da != db)
		return da < db ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static unsigned
gcd(unsigned a, unsigned b)
{
	while (b) {
		unsigned t = a % b;
		a = b;
		b = t;
	}
	return a;
}

int
lb_algo_wrr_build(struct lb_algo_wrr *w, struct lb_algo_srv **srv, unsigned n, bool use_uweight)
{
	unsigned g = 0, nmembers = 0;
	uint64_t total = 0;
	uint32_t *seq = NULL, *members = NULL, *wts = NULL;
	struct turn *turns = NULL;
	size_t t = 0;

	/* eweights move under our feet (other threads): read each one once */
	if (n) {
		members = malloc(n * sizeof(*members));
		wts = malloc(n * sizeof(*wts));
		if (!members || !wts)
			goto oom;
	}
	for (unsigned i = 0; i < n; i++) {
		int wt = use_uweight ? __atomic_load_n(&srv[i]->uweight, __ATOMIC_RELAXED)
				 : lb_algo_srv_eweight(srv[i]);
		if (wt > 0) {
			g = gcd((unsigned)wt, g);
			members[nmembers] = i;
			wts[nmembers++] = (uint32_t)wt;
		}
	}
	for (unsigned m = 0; m < nmembers; m++)
		total += wts[m] / g;
	/* weights are 0..256 in practice; refuse absurd ones rather than overflow */
	if (total > UINT32_MAX / 4)
		goto oom;
	if (total) {
		turns = malloc(total * sizeof(*turns));
		seq = malloc(total * sizeof(*seq));
		if (!turns || !seq)
			goto oom;
	}
	for (unsigned m = 0; m < nmembers; m++)
		for (uint32_t k = 0; k < wts[m] / g; k++)
			turns[t++] = (struct turn){ members[m], k, wts[m] / g };
	if (t)
		qsort(turns, t, sizeof(*turns), turn_cmp);
	for (size_t i = 0; i < t; i++)
		seq[i] = turns[i].idx;
	free(turns);
	free(wts);
	free(w->seq);
	free(w->members);
	w->seq = seq;
	w->len = (uint32_t)total;
	w->members = members;
	w->nmembers = nmembers;
	/* keep the cursor where it was, so frequent updates do not favour the first entries */
	w->pos = w->len ? w->pos % w->len : 0;
	return 0;
oom:
	free(turns);
	free(seq);
	free(members);
	free(wts);
	return -1;
}

void
lb_algo_wrr_clear(struct lb_algo_wrr *w)
{
	lb_free(&w->seq);
	lb_free(&w->members);
	w->len = w->nmembers = w->pos = 0;
}

struct lb_algo_srv *
lb_algo_wrr_next(struct lb_algo_wrr *w, struct lb_algo_srv **srv, const struct lb_algo_srv *avoid)
{
	for (uint32_t i = 0; i < w->len; i++) {
		struct lb_algo_srv *s = srv[w->seq[w->pos]];

		if (++w->pos == w->len)
			w->pos = 0;
		if (s != avoid && lb_algo_srv_available(s))
			return s;
		if (i + 1 == w->nmembers &&
		    !lb_algo_members_usable(srv, w->members, w->nmembers, avoid))
			break;
	}
	return lb_algo_avoid_fallback(avoid);
}

struct lb_algo_srv *
lb_algo_wrr_at(const struct lb_algo_wrr *w, struct lb_algo_srv **srv, uint64_t start,
	       const struct lb_algo_srv *avoid)
{
	uint32_t p;

	if (!w->len)
		return NULL;
	p = (uint32_t)(start % w->len);
	for (uint32_t i = 0; i < w->len; i++) {
		struct lb_algo_srv *s = srv[w->seq[p]];

		if (++p == w->len)
			p = 0;
		if (s != avoid && lb_algo_srv_available(s))
			return s;
		if (i + 1 == w->nmembers &&
		    !lb_algo_members_usable(srv, w->members, w->nmembers, avoid))
			break;
	}
	return lb_algo_avoid_fallback(avoid);
}

void *
lb_algo_wrr_new(struct lb_algo_srv **srv, unsigned n, bool use_uweight)
{
	struct lb_algo_wrr *w = calloc(1, sizeof(*w));

	if (w && lb_algo_wrr_build(w, srv, n, use_uweight) < 0)
		lb_free(&w);
	return w;
}

static void *
rr_init(struct lb_algo_srv **srv, unsigned n, const struct lb_cfg_balance *bal)
{
	(void)bal;
	return lb_algo_wrr_new(srv, n, false);
}

void
lb_algo_wrr_free_state(void *state)
{
	struct lb_algo_wrr *w = state;

	if (!w)
		return;
	lb_algo_wrr_clear(w);
	free(w);
}

/* On OOM the previous sequence stays: stale weights beat no service. */
static void
rr_update(void *state, struct lb_algo_srv **srv, unsigned n)
{
	(void)lb_algo_wrr_build(state, srv, n, false);
}

struct lb_algo_srv *
lb_algo_wrr_pick(void *state, struct lb_algo_srv **srv, unsigned n,
		 const struct lb_algo_req *req, const struct lb_algo_srv *avoid)
{
	(void)n;
	(void)req;
	return lb_algo_wrr_next(state, srv, avoid);
}

const struct lb_algo_ops lb_algo_ops_roundrobin = {
	.name = "roundrobin",
	.input = LB_ALGO_IN_NONE,
	.help = "each server in turn, in proportion to its weight, smoothly interleaved; "
		"weights may change at run time",
	.init = rr_init,
	.free = lb_algo_wrr_free_state,
	.update = rr_update,
	.pick = lb_algo_wrr_pick,
};

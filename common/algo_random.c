/* common/algo_random.c: random with power-of-N choices
 *
 * A pick draws N servers (balance random(<N>), default 2) at random in proportion to their
 * eweight and keeps the least loaded of them (cur_sess / eweight; on a tie the first drawn,
 * so an idle farm gets exactly the weighted random distribution). Two choices already avoid
 * most of the herd effects of plain random while staying O(N log n): a draw is a binary
 * search in the cumulative weights, rebuilt by update. If no drawn server can take the
 * session (full, or `avoid`), the least loaded available server is taken instead, so a
 * pick fails only when nothing can be found at all.
 *
 * The generator is splitmix64 in the state, seeded from the clock and the state's address;
 * the pool mutex serializes it, and no one needs its numbers to be unpredictable.
 */
#include <stdint.h>
#include <stdlib.h>

#include "algo.h"
#include "algo_priv.h"
#include "util.h"

struct rnd_state {
	uint64_t rng;
	unsigned draws;
	uint32_t nmembers;
	uint32_t *members;	/* indices into srv[] of servers with eweight > 0 */
	uint64_t *cum;		/* cum[i] = sum of the weights of members[0..i] */
};

static uint64_t
rnd_next(struct rnd_state *r)
{
	uint64_t z = (r->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* On OOM returns -1 and keeps the previous tables. */
static int
rnd_build(struct rnd_state *r, struct lb_algo_srv **srv, unsigned n)
{
	uint32_t *members = malloc((n ? n : 1) * sizeof(*members));
	uint64_t *cum = malloc((n ? n : 1) * sizeof(*cum));
	uint64_t total = 0;
	uint32_t m = 0;

	if (!members || !cum) {
		free(members);
		free(cum);
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		int w = lb_algo_srv_eweight(srv[i]);
		if (w <= 0)
			continue;
		total += (unsigned)w;
		members[m] = i;
		cum[m++] = total;
	}
	free(r->members);
	free(r->cum);
	r->members = members;
	r->cum = cum;
	r->nmembers = m;
	return 0;
}

static void *
rnd_init(struct lb_algo_srv **srv, unsigned n, const struct lb_cfg_balance *bal)
{
	struct rnd_state *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->draws = bal && bal->random_draws > 0 ? (unsigned)bal->random_draws : 2;
	r->rng = lb_now_us() ^ ((uint64_t)(uintptr_t)r << 16);
	if (rnd_build(r, srv, n) < 0)
		lb_free(&r);
	return r;
}

static void
rnd_free(void *state)
{
	struct rnd_state *r = state;

	if (!r)
		return;
	free(r->members);
	free(r->cum);
	free(r);
}

static void
rnd_update(void *state, struct lb_algo_srv **srv, unsigned n)
{
	(void)rnd_build(state, srv, n);
}

/* One server drawn in proportion to the weights of the last build. */
static struct lb_algo_srv *
rnd_draw(struct rnd_state *r, struct lb_algo_srv **srv)
{
	uint64_t x = rnd_next(r) % r->cum[r->nmembers - 1];
	uint32_t lo = 0, hi = r->nmembers - 1;

	while (lo < hi) {	/* the first member whose cumulative weight exceeds x */
		uint32_t mid = lo + (hi - lo) / 2;
		if (r->cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return srv[r->members[lo]];
}

static struct lb_algo_srv *
rnd_pick(void *state, struct lb_algo_srv **srv, unsigned n, const struct lb_algo_req *req,
	 const struct lb_algo_srv *avoid)
{
	struct rnd_state *r = state;
	struct lb_algo_srv *best = NULL;
	uint32_t start;

	(void)n;
	(void)req;
	if (!r->nmembers)
		return lb_algo_avoid_fallback(avoid);
	for (unsigned d = 0; d < r->draws; d++) {
		struct lb_algo_srv *s = rnd_draw(r, srv);

		if (s == avoid || !lb_algo_srv_available(s))
			continue;
		if (!best || lb_algo_load_cmp(s, best) < 0)
			best = s;
	}
	if (best)
		return best;
	/* every draw failed: the least loaded of all, from a random start to spread ties */
	start = (uint32_t)(rnd_next(r) % r->nmembers);
	for (uint32_t j = 0; j < r->nmembers; j++) {
		struct lb_algo_srv *s = srv[r->members[(start + j) % r->nmembers]];

		if (s == avoid || !lb_algo_srv_available(s))
			continue;
		if (!best || lb_algo_load_cmp(s, best) < 0)
			best = s;
	}
	return best ? best : lb_algo_avoid_fallback(avoid);
}

const struct lb_algo_ops lb_algo_ops_random = {
	.name = "random",
	.input = LB_ALGO_IN_NONE,
	.help = "random(<n>): draw n servers (default 2) by weight and keep the least loaded "
		"(power of n choices)",
	.init = rnd_init,
	.free = rnd_free,
	.update = rnd_update,
	.pick = rnd_pick,
};

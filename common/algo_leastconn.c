/* common/algo_leastconn.c: the server with the fewest sessions for its weight
 *
 * The load of a server is cur_sess / eweight, compared exactly by cross-multiplication.
 * cur_sess moves on every connect and close without telling anyone, so there is no ordered
 * structure to keep up to date: a pick scans the group, O(n). Among servers of equal load
 * the scan starts just after the previous winner, which makes ties go round robin.
 */
#include <stdlib.h>

#include "algo.h"
#include "algo_priv.h"

struct lc_state {
	unsigned next;		/* where the next scan starts */
};

static void *
lc_init(struct lb_algo_srv **srv, unsigned n, const struct lb_cfg_balance *bal)
{
	(void)srv;
	(void)n;
	(void)bal;
	return calloc(1, sizeof(struct lc_state));
}

static void
lc_free(void *state)
{
	free(state);
}

/* Nothing depends on weights between picks: loads are read live. */
static void
lc_update(void *state, struct lb_algo_srv **srv, unsigned n)
{
	(void)state;
	(void)srv;
	(void)n;
}

static struct lb_algo_srv *
lc_pick(void *state, struct lb_algo_srv **srv, unsigned n, const struct lb_algo_req *req,
	const struct lb_algo_srv *avoid)
{
	struct lc_state *lc = state;
	struct lb_algo_srv *best = NULL;
	unsigned besti = 0;

	(void)req;
	for (unsigned j = 0; j < n; j++) {
		unsigned i = (lc->next + j) % n;
		struct lb_algo_srv *s = srv[i];

		if (s == avoid || !lb_algo_srv_available(s))
			continue;
		if (!best || lb_algo_load_cmp(s, best) < 0) {
			best = s;
			besti = i;
		}
	}
	if (!best)
		return lb_algo_avoid_fallback(avoid);
	lc->next = (besti + 1) % n;
	return best;
}

const struct lb_algo_ops lb_algo_ops_leastconn = {
	.name = "leastconn",
	.input = LB_ALGO_IN_NONE,
	.help = "the server with the fewest current sessions for its weight; round robin among "
		"equals; suits long sessions",
	.init = lc_init,
	.free = lc_free,
	.update = lc_update,
	.pick = lc_pick,
};

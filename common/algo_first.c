/* common/algo_first.c: the first server, by id, that has a free connection slot
 *
 * Servers are tried from the lowest id up; the first one that is available (eweight > 0
 * and below its maxconn) gets the session, so traffic fills servers one after the other and
 * the last ones can stay idle. Weights only matter as "0 = unavailable". Without maxconn
 * the first available server takes everything, as in HAProxy. The pool also uses this
 * algorithm to choose among backup servers when "option allbackups" is not set.
 */
#include <stdlib.h>

#include "algo.h"
#include "algo_priv.h"

struct first_state {
	unsigned n;
	uint32_t order[];	/* indices into srv[], by increasing id (stable) */
};

static void *
first_init(struct lb_algo_srv **srv, unsigned n, const struct lb_cfg_balance *bal)
{
	struct first_state *f = malloc(sizeof(*f) + (size_t)n * sizeof(f->order[0]));

	(void)bal;
	if (!f)
		return NULL;
	f->n = n;
	/* insertion sort: runs once per pool, and ids are usually already in order */
	for (unsigned i = 0; i < n; i++) {
		unsigned j = i;

		while (j > 0 && srv[f->order[j - 1]]->id > srv[i]->id) {
			f->order[j] = f->order[j - 1];
			j--;
		}
		f->order[j] = i;
	}
	return f;
}

static void
first_free(void *state)
{
	free(state);
}

/* Ids never change; availability is read live. */
static void
first_update(void *state, struct lb_algo_srv **srv, unsigned n)
{
	(void)state;
	(void)srv;
	(void)n;
}

static struct lb_algo_srv *
first_pick(void *state, struct lb_algo_srv **srv, unsigned n, const struct lb_algo_req *req,
	   const struct lb_algo_srv *avoid)
{
	const struct first_state *f = state;

	(void)req;
	(void)n;
	for (unsigned i = 0; i < f->n; i++) {
		struct lb_algo_srv *s = srv[f->order[i]];

		if (s != avoid && lb_algo_srv_available(s))
			return s;
	}
	return lb_algo_avoid_fallback(avoid);
}

const struct lb_algo_ops lb_algo_ops_first = {
	.name = "first",
	.input = LB_ALGO_IN_NONE,
	.help = "the first server by id with a free slot below its maxconn; fills servers in "
		"order, ignores weights",
	.init = first_init,
	.free = first_free,
	.update = first_update,
	.pick = first_pick,
};

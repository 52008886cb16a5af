/* common/algo_static_rr.c: weighted round robin with the weights fixed at start
 *
 * The same smooth sequence as roundrobin (algo_roundrobin.c), built once from the configured
 * weights (uweight). As in HAProxy, changing a weight at run time has no effect; a server
 * whose eweight drops to 0 (down, drain, maint) is skipped by the availability check and
 * comes back in its old place as soon as its eweight is positive again, with no rebuild.
 */
#include "algo.h"
#include "algo_priv.h"
#include "util.h"

static void *
srr_init(struct lb_algo_srv **srv, unsigned n, const struct lb_cfg_balance *bal)
{
	(void)bal;
	return lb_algo_wrr_new(srv, n, true);
}

/* Static by definition: weights changing leave the sequence alone (see the top comment). */
static void
srr_update(void *state, struct lb_algo_srv **srv, unsigned n)
{
	(void)state;
	(void)srv;
	(void)n;
}

const struct lb_algo_ops lb_algo_ops_static_rr = {
	.name = "static-rr",
	.input = LB_ALGO_IN_NONE,
	.help = "each server in turn, in proportion to its configured weight; weight changes at "
		"run time have no effect",
	.init = srr_init,
	.free = lb_algo_wrr_free_state,
	.update = srr_update,
	.pick = lb_algo_wrr_pick,
};

/* common/algo.h: the balancing algorithm registry and the backend pool API */
#ifndef LB_ALGO_H
#define LB_ALGO_H

#include "algo_types.h"

/* The registry: one const row per algorithm; NULL-terminated. "balance <name>",
 * lbcheck --list-keywords and the man page all read it. */
extern const struct lb_algo_ops *const lb_algo_registry[];

const struct lb_algo_ops *lb_algo_find(const char *name);

/* Builds a pool over srv[0..n) (active and backup mixed, config order). Borrows srv.
 * Returns 0, or -1 on OOM. */
int lb_algo_pool_init(struct lb_algo_pool *pool, const struct lb_algo_ops *ops,
		      const struct lb_cfg_balance *bal, bool allbackups,
		      struct lb_algo_srv **srv, unsigned n);
void lb_algo_pool_free(struct lb_algo_pool *pool);
/* Call after any uweight/eweight change. Thread-safe. */
void lb_algo_pool_update(struct lb_algo_pool *pool);
/* Picks a server: an active one; backups only when no active server has a weight (all down,
 * in maintenance, draining or weight 0), as HAProxy does: then the first backup, or all
 * backups balanced with allbackups. NULL when none can take a session now (actives full:
 * the caller queues).
 * `avoid` (may be NULL) is skipped unless it is the only choice (redispatch). Thread-safe. */
struct lb_algo_srv *lb_algo_pick(struct lb_algo_pool *pool, const struct lb_algo_req *req,
				 const struct lb_algo_srv *avoid);
/* True when some server could take a session if it had a free slot (used to decide
 * between queueing and answering 503). */
bool lb_algo_pool_has_usable(struct lb_algo_pool *pool);

/* Hash inputs, computed by the data plane for hash algorithms. */
uint64_t lb_algo_hash_src(const struct sockaddr *sa);
uint64_t lb_algo_hash_uri(const char *uri, size_t len, const struct lb_cfg_balance *bal);
/* Returns false when the parameter is absent (the caller falls back to round robin). */
bool lb_algo_hash_url_param(const char *uri, size_t len, const char *param, uint64_t *out);

static inline bool
lb_algo_srv_available(const struct lb_algo_srv *s)
{
	int cur = __atomic_load_n(&s->cur_sess, __ATOMIC_RELAXED);
	int ew = __atomic_load_n(&s->eweight, __ATOMIC_RELAXED);
	return ew > 0 && (s->maxconn == 0 || cur < s->maxconn);
}

#endif

/* common/algo.c: the algorithm registry, backend pools and the hash inputs
 *
 * A pool splits a backend's servers into an active and a backup group and gives each group
 * its own algorithm state. Picks and updates run under the pool mutex; algorithms take no
 * lock. Backup servers follow HAProxy: they are used only while no active server has a
 * weight (eweight > 0: all down, in maintenance, draining or weighted 0), not while the
 * active ones are merely full - then the pick fails and the caller queues. Among backups,
 * the first available by id serves (the "first" algorithm), or with "option allbackups"
 * all of them, balanced by the backend's own algorithm.
 *
 * The pool borrows the lb_algo_srv objects and copies the pointer arrays it needs.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "algo.h"
#include "algo_priv.h"
#include "util.h"

/* Registry order is the order of "lbcheck --list-keywords" and the man page. */
const struct lb_algo_ops *const lb_algo_registry[] = {
	&lb_algo_ops_roundrobin,
	&lb_algo_ops_static_rr,
	&lb_algo_ops_leastconn,
	&lb_algo_ops_first,
	&lb_algo_ops_source,
	&lb_algo_ops_uri,
	&lb_algo_ops_url_param,
	&lb_algo_ops_hdr,
	&lb_algo_ops_random,
	NULL,
};

const struct lb_algo_ops *
lb_algo_find(const char *name)
{
	if (!name)
		return NULL;
	for (const struct lb_algo_ops *const *o = lb_algo_registry; *o; o++)
		if (strcmp((*o)->name, name) == 0)
			return *o;
	return NULL;
}

/* ---- helpers shared by the algorithms (algo_priv.h) ---- */

int
lb_algo_srv_eweight(const struct lb_algo_srv *s)
{
	int w = __atomic_load_n(&s->eweight, __ATOMIC_RELAXED);

	return w > 0 ? w : 0;
}

int
lb_algo_load_cmp(const struct lb_algo_srv *a, const struct lb_algo_srv *b)
{
	int64_t ca = __atomic_load_n(&a->cur_sess, __ATOMIC_RELAXED);
	int64_t cb = __atomic_load_n(&b->cur_sess, __ATOMIC_RELAXED);
	int64_t la = ca * lb_algo_srv_eweight(b);
	int64_t lb = cb * lb_algo_srv_eweight(a);

	return la < lb ? -1 : la > lb;
}

bool
lb_algo_members_usable(struct lb_algo_srv **srv, const uint32_t *members, uint32_t n,
		       const struct lb_algo_srv *avoid)
{
	for (uint32_t i = 0; i < n; i++) {
		const struct lb_algo_srv *s = srv[members[i]];
		if (s != avoid && lb_algo_srv_available(s))
			return true;
	}
	return false;
}

struct lb_algo_srv *
lb_algo_avoid_fallback(const struct lb_algo_srv *avoid)
{
	/* the algorithms get `avoid` as const because they must not touch it; handing it back
	 * to the caller, who owns it, is fine */
	return avoid && lb_algo_srv_available(avoid) ? (struct lb_algo_srv *)(uintptr_t)avoid
						     : NULL;
}

/* ---- pools ---- */

static const struct lb_algo_ops *
backup_ops(const struct lb_algo_pool *pool)
{
	return pool->allbackups ? pool->ops : &lb_algo_ops_first;
}

static bool
group_has_weight(struct lb_algo_srv **srv, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (lb_algo_srv_eweight(srv[i]) > 0)
			return true;
	return false;
}

int
lb_algo_pool_init(struct lb_algo_pool *pool, const struct lb_algo_ops *ops,
		  const struct lb_cfg_balance *bal, bool allbackups, struct lb_algo_srv **srv,
		  unsigned n)
{
	unsigned nb = 0;

	memset(pool, 0, sizeof(*pool));
	pool->ops = ops;
	if (bal)
		pool->bal = *bal;
	pool->allbackups = allbackups;
	for (unsigned i = 0; i < n; i++)
		nb += srv[i]->backup;
	pool->active = calloc(n - nb ? n - nb : 1, sizeof(*pool->active));
	pool->backup = calloc(nb ? nb : 1, sizeof(*pool->backup));
	if (!pool->active || !pool->backup)
		goto oom;
	for (unsigned i = 0; i < n; i++) {
		if (srv[i]->backup)
			pool->backup[pool->nbackup++] = srv[i];
		else
			pool->active[pool->nactive++] = srv[i];
	}
	if (pool->nactive) {
		pool->active_state = ops->init(pool->active, pool->nactive, &pool->bal);
		if (!pool->active_state)
			goto oom;
	}
	if (pool->nbackup) {
		const struct lb_algo_ops *bops = backup_ops(pool);

		pool->backup_state = bops->init(pool->backup, pool->nbackup, &pool->bal);
		if (!pool->backup_state)
			goto oom;
	}
	pthread_mutex_init(&pool->lock, NULL);
	return 0;
oom:
	if (pool->active_state)
		ops->free(pool->active_state);
	free(pool->active);
	free(pool->backup);
	memset(pool, 0, sizeof(*pool));
	return -1;
}

void
lb_algo_pool_free(struct lb_algo_pool *pool)
{
	if (!pool->ops)
		return;
	if (pool->active_state)
		pool->ops->free(pool->active_state);
	if (pool->backup_state)
		backup_ops(pool)->free(pool->backup_state);
	free(pool->active);
	free(pool->backup);
	pthread_mutex_destroy(&pool->lock);
	memset(pool, 0, sizeof(*pool));
}

void
lb_algo_pool_update(struct lb_algo_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	if (pool->active_state)
		pool->ops->update(pool->active_state, pool->active, pool->nactive);
	if (pool->backup_state)
		backup_ops(pool)->update(pool->backup_state, pool->backup, pool->nbackup);
	pthread_mutex_unlock(&pool->lock);
}

struct lb_algo_srv *
lb_algo_pick(struct lb_algo_pool *pool, const struct lb_algo_req *req,
	     const struct lb_algo_srv *avoid)
{
	struct lb_algo_srv *s = NULL;

	pthread_mutex_lock(&pool->lock);
	if (pool->active_state)
		s = pool->ops->pick(pool->active_state, pool->active, pool->nactive, req,
				    avoid && !avoid->backup ? avoid : NULL);
	/* the O(n) check runs only when the fast path found nothing */
	if (!s && pool->backup_state && !group_has_weight(pool->active, pool->nactive))
		s = backup_ops(pool)->pick(pool->backup_state, pool->backup, pool->nbackup, req,
					   avoid && avoid->backup ? avoid : NULL);
	pthread_mutex_unlock(&pool->lock);
	return s;
}

bool
lb_algo_pool_has_usable(struct lb_algo_pool *pool)
{
	/* eweight is atomic and the arrays never change after init: no lock needed */
	return group_has_weight(pool->active, pool->nactive) ||
	       group_has_weight(pool->backup, pool->nbackup);
}

/* ---- hash inputs ---- */

uint64_t
lb_algo_hash_src(const struct sockaddr *sa)
{
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!sa)
		return 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		return lb_hash64(&in->sin_addr, 4);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		const unsigned char *b = in6->sin6_addr.s6_addr;

		/* a client seen as ::ffff:a.b.c.d (dual-stack listener) is the client a.b.c.d */
		if (memcmp(b, v4mapped, sizeof(v4mapped)) == 0)
			return lb_hash64(b + 12, 4);
		return lb_hash64(b, 16);
	}
	return 0;
}

uint64_t
lb_algo_hash_uri(const char *uri, size_t len, const struct lb_cfg_balance *bal)
{
	size_t end = len;

	if (!uri)
		return lb_hash64("", 0);
	if (!bal || !bal->uri_whole) {
		const char *q = memchr(uri, '?', len);
		if (q)
			end = (size_t)(q - uri);
	}
	if (bal && bal->uri_len > 0 && end > (size_t)bal->uri_len)
		end = (size_t)bal->uri_len;
	if (bal && bal->uri_depth > 0) {
		/* depth n keeps n directory levels: stop before the (n+1)-th slash */
		int slashes = 0;
		for (size_t i = 0; i < end; i++) {
			if (uri[i] != '/')
				continue;
			if (slashes++ == bal->uri_depth) {
				end = i;
				break;
			}
		}
	}
	return lb_hash64(uri, end);
}

bool
lb_algo_hash_url_param(const char *uri, size_t len, const char *param, uint64_t *out)
{
	const char *q, *p, *end = uri + len;
	size_t plen;

	if (!uri || !param || !*param)
		return false;
	q = memchr(uri, '?', len);
	if (!q)
		return false;
	plen = strlen(param);
	for (p = q + 1; p < end;) {
		const char *seg = p, *seg_end = p;

		/* parameters are separated by '&' (and ';', which some forms use) */
		while (seg_end < end && *seg_end != '&' && *seg_end != ';')
			seg_end++;
		p = seg_end + 1;
		if ((size_t)(seg_end - seg) > plen + 1 && memcmp(seg, param, plen) == 0 &&
		    seg[plen] == '=') {
			*out = lb_hash64(seg + plen + 1, (size_t)(seg_end - seg) - plen - 1);
			return true;
		}
	}
	return false;
}

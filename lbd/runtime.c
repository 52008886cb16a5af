/* lbd/runtime.c: building the daemon's runtime objects from a finalized config
 *
 * The config (common/cfg) is the plain model; this turns it into what the data plane uses:
 * backends with their algorithm pools and per-thread counters, frontends with their
 * listeners, loggers and resolved default backend, and the flat array of all servers (their
 * gid indexes the per-thread idle connection pools).
 */
#include "runtime.h"
#include "h2_front.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "acl_ctx.h"
#include "algo.h"
#include "cfg.h"
#include "health.h"
#include "log.h"
#include "proxy.h"
#include "tls.h"
#include "util.h"

#define LBD_BUFSIZE_DEFAULT 16384
#define LBD_MAXHDR_DEFAULT 101

static int
cpu_count(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

int
lbd_runtime_nbthread(const struct lb_cfg *cfg)
{
	return cfg->global.nbthread > 0 ? cfg->global.nbthread : cpu_count();
}

/* Raises the fd limit as far as allowed and derives maxconn from it when unset: each client
 * connection may need a server connection too. */
static int
derive_maxconn(int wanted)
{
	struct rlimit rl;
	int fds;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return wanted > 0 ? wanted : 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t want = rl.rlim_max;
		if (wanted > 0 && (rlim_t)wanted * 2 + 256 < want)
			want = (rlim_t)wanted * 2 + 256;
		rl.rlim_cur = want;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	fds = rl.rlim_cur > 1000000 ? 1000000 : (int)rl.rlim_cur;
	if (wanted > 0) {
		if ((long)wanted * 2 + 256 > fds)
			lb_log_sys(LB_LOG_WARNING,
				   "maxconn %d needs about %d file descriptors but the limit is "
				   "%d; connections beyond it will wait",
				   wanted, wanted * 2 + 256, fds);
		return wanted;
	}
	return LB_MAX(16, (fds - 256) / 2);
}

struct lbd_server *
lbd_runtime_server_new(struct lbd_runtime *rt, struct lbd_backend *be,
		       const struct lb_cfg_server *s, int id, bool maint)
{
	struct lbd_server *srv = lb_xcalloc(1, sizeof(*srv));
	int w = s->weight >= 0 ? s->weight : 1;

	srv->cfg = s;
	srv->be = be;
	srv->name = s->name;
	memcpy(&srv->addr, &s->addr.ss, sizeof(srv->addr));
	srv->addrlen = s->addr.len;
	srv->admin = maint ? LBD_SRV_MAINT : LBD_SRV_READY;
	srv->health_up = 1;
	srv->uweight = w;
	srv->ctr = lb_xcalloc((size_t)rt->nbthread, sizeof(*srv->ctr));
	srv->rates = lb_xcalloc((size_t)rt->nbthread, sizeof(*srv->rates));
	srv->lb.id = id;
	srv->lb.name = s->name;
	srv->lb.backup = s->backup > 0;
	srv->lb.uweight = w;
	srv->lb.maxconn = s->maxconn > 0 ? s->maxconn : 0;
	srv->lb.eweight = srv->admin == LBD_SRV_READY ? w : 0;
	srv->lb.owner = srv;
	return srv;
}

/* Waiters share one FIFO per backend: the servers' maxqueue values bound it together, when
 * every server sets one (a server without a limit makes the queue unbounded). */
int
lbd_runtime_maxqueue(struct lbd_server *const *srv, unsigned n)
{
	int sum = 0;

	for (unsigned i = 0; i < n; i++) {
		if (srv[i]->cfg->maxqueue <= 0)
			return 0;
		sum += srv[i]->cfg->maxqueue;
	}
	return sum;
}

static struct lbd_backend *
backend_of(struct lbd_runtime *rt, const struct lb_cfg_proxy *px)
{
	for (unsigned i = 0; i < rt->nbe; i++)
		if (rt->be[i].cfg == px)
			return &rt->be[i];
	return NULL;
}

static int
build_backend(struct lbd_runtime *rt, struct lbd_backend *be, const struct lb_cfg_proxy *px,
	      char **errmsg)
{
	const char *algo_name = px->balance.algo ? px->balance.algo : "roundrobin";
	struct lb_algo_srv **view;
	unsigned n = 0, i = 0;

	be->cfg = px;
	be->name = px->name;
	be->mode = px->mode;
	be->algo = lb_algo_find(algo_name);
	if (!be->algo) {
		*errmsg = lb_xasprintf("backend '%s': unknown balance algorithm '%s'", px->name,
				       algo_name);
		return -1;
	}
	pthread_mutex_init(&be->qlock, NULL);
	be->ctr = lb_xcalloc((size_t)rt->nbthread, sizeof(*be->ctr));
	be->rates = lb_xcalloc((size_t)rt->nbthread, sizeof(*be->rates));
	for (const struct lb_cfg_server *s = px->servers; s; s = s->next)
		n++;
	be->srv = lb_xcalloc(n ? n : 1, sizeof(*be->srv));
	view = lb_xcalloc(n ? n : 1, sizeof(*view));
	for (const struct lb_cfg_server *s = px->servers; s; s = s->next, i++) {
		struct lbd_server *srv = lbd_runtime_server_new(rt, be, s,
								s->id > 0 ? s->id : (int)i + 1,
								s->disabled > 0);
		be->srv[i] = srv;
		view[i] = &srv->lb;
		if (lbd_tls_server_build(rt->nbthread, srv, errmsg) < 0) {
			be->nsrv = i + 1;	/* freed with the backend */
			return -1;
		}
	}
	be->nsrv = n;
	be->maxqueue = lbd_runtime_maxqueue(be->srv, n);
	be->view = view;	/* the pool borrows it */
	if (lb_algo_pool_init(&be->pool, be->algo, &px->balance, px->allbackups > 0, view, n) < 0) {
		*errmsg = lb_xstrdup("out of memory");
		return -1;
	}
	return 0;
}

static int
build_frontend(struct lbd_runtime *rt, struct lbd_frontend *fe, const struct lb_cfg_proxy *px,
	       char **errmsg)
{
	unsigned n = 0, i = 0;

	fe->cfg = px;
	fe->name = px->name;
	fe->mode = px->mode;
	fe->ops = px->mode == LB_MODE_HTTP ? &lbd_mode_http : &lbd_mode_tcp;
	fe->ctr = lb_xcalloc((size_t)rt->nbthread, sizeof(*fe->ctr));
	fe->rates = lb_xcalloc((size_t)rt->nbthread, sizeof(*fe->rates));
	for (const struct lb_cfg_bind *b = px->binds; b; b = b->next)
		n++;
	fe->listeners = lb_xcalloc(n ? n : 1, sizeof(*fe->listeners));
	fe->nlisteners = n;	/* set first: lbd_runtime_free undoes a build that failed */
	for (const struct lb_cfg_bind *b = px->binds; b; b = b->next, i++) {
		fe->listeners[i].cfg = b;
		fe->listeners[i].fe = fe;
		if (lbd_tls_listener_build(fe, i, errmsg) < 0)
			return -1;
	}
	/* a conditional first use_backend is chosen per request (lbd/acl_ctx.c) */
	if (px->use_backends && px->use_backends->backend && !px->use_backends->acl_cond)
		fe->default_be = backend_of(rt, px->use_backends->backend);
	else if (px->default_be)
		fe->default_be = backend_of(rt, px->default_be);
	else if (px->caps & LB_CAP_BE)
		fe->default_be = backend_of(rt, px);
	if (!px->no_log && px->logs && px->log_format) {
		fe->logger = lb_logger_open(px->logs, rt->cfg->global.logs, errmsg);
		if (!fe->logger)
			return -1;
		if (lb_logger_empty(fe->logger)) {
			lb_logger_close(fe->logger);
			fe->logger = NULL;
		}
	}
	return 0;
}

int
lbd_runtime_build(struct lbd_runtime *rt, struct lb_cfg *cfg, char **errmsg)
{
	const struct lb_cfg_global *g = &cfg->global;
	unsigned nfe = 0, nbe = 0, nsrv = 0;
	const struct lb_cfg_proxy *px;

	memset(rt, 0, sizeof(*rt));
	rt->cfg = cfg;
	rt->pid = (int)getpid();
	rt->start_ms = lb_now_ms();
	rt->nbthread = g->nbthread > 0 ? g->nbthread : cpu_count();
	rt->bufsize = g->tune_bufsize > 0 ? (uint32_t)g->tune_bufsize : LBD_BUFSIZE_DEFAULT;
	rt->maxhdr = g->tune_maxhdr > 0 ? (unsigned)g->tune_maxhdr : LBD_MAXHDR_DEFAULT;
	lbd_h2_settings_init(&rt->h2, g, rt->bufsize);
	rt->maxconn = derive_maxconn(g->maxconn);

	if (g->logs) {
		rt->global_logger = lb_logger_open(g->logs, NULL, errmsg);
		if (!rt->global_logger)
			return -1;
	}
	for (px = cfg->proxies; px; px = px->next) {
		if (px->caps & LB_CAP_DEFAULTS)
			continue;
		if (px->caps & LB_CAP_FE)
			nfe++;
		if (px->caps & LB_CAP_BE)
			nbe++;
	}
	rt->fe = lb_xcalloc(nfe ? nfe : 1, sizeof(*rt->fe));
	rt->be = lb_xcalloc(nbe ? nbe : 1, sizeof(*rt->be));
	for (px = cfg->proxies; px; px = px->next) {
		if ((px->caps & LB_CAP_DEFAULTS) || !(px->caps & LB_CAP_BE))
			continue;
		if (build_backend(rt, &rt->be[rt->nbe++], px, errmsg) < 0)
			return -1;
	}
	for (unsigned b = 0; b < rt->nbe; b++)
		nsrv += rt->be[b].nsrv;
	rt->servers = lb_xcalloc(nsrv ? nsrv : 1, sizeof(*rt->servers));
	for (unsigned b = 0; b < rt->nbe; b++) {
		for (unsigned s = 0; s < rt->be[b].nsrv; s++) {
			rt->be[b].srv[s]->gid = (int)rt->nservers;
			rt->servers[rt->nservers++] = rt->be[b].srv[s];
		}
	}
	/* health checks need the gids (their home thread) */
	for (unsigned b = 0; b < rt->nbe; b++)
		if (lbd_health_build(rt, &rt->be[b], errmsg) < 0)
			return -1;
	for (px = cfg->proxies; px; px = px->next) {
		if ((px->caps & LB_CAP_DEFAULTS) || !(px->caps & LB_CAP_FE))
			continue;
		if (build_frontend(rt, &rt->fe[rt->nfe++], px, errmsg) < 0)
			return -1;
	}
	lbd_acl_runtime_build(rt);
	return 0;
}

void
lbd_runtime_free(struct lbd_runtime *rt)
{
	for (unsigned f = 0; f < rt->nfe; f++) {
		struct lbd_frontend *fe = &rt->fe[f];
		for (unsigned l = 0; l < fe->nlisteners; l++) {
			free(fe->listeners[l].fds);
			if (fe->listeners[l].tls_owner)
				lbd_tls_bind_free(fe->listeners[l].tls);
		}
		free(fe->listeners);
		free(fe->ctr);
		free(fe->rates);
		if (fe->logger)
			lb_logger_close(fe->logger);
	}
	for (unsigned b = 0; b < rt->nbe; b++) {
		struct lbd_backend *be = &rt->be[b];
		lb_algo_pool_free(&be->pool);
		for (unsigned s = 0; s < be->nsrv; s++)
			lbd_runtime_server_free(be->srv[s]);
		while (be->qhead) {
			struct lbd_queue_entry *qe = be->qhead;
			be->qhead = qe->next;
			free(qe);
		}
		free(be->srv);
		free(be->view);
		free(be->ctr);
		free(be->rates);
		pthread_mutex_destroy(&be->qlock);
	}
	if (rt->global_logger)
		lb_logger_close(rt->global_logger);
	lbd_acl_runtime_free(rt);
	free(rt->fe);
	free(rt->be);
	free(rt->servers);
	memset(rt, 0, sizeof(*rt));
}

void
lbd_runtime_server_free(struct lbd_server *srv)
{
	lbd_health_free(srv);
	lbd_tls_server_free(srv);
	free(srv->ctr);
	free(srv->rates);
	lb_cfg_server_destroy(srv->dyn_cfg);	/* added at run time: it owns its config */
	free(srv->dyn_args);
	free(srv);
}

struct lbd_backend *
lbd_runtime_find_backend(struct lbd_runtime *rt, const char *name)
{
	for (unsigned i = 0; i < rt->nbe; i++)
		if (strcmp(rt->be[i].name, name) == 0)
			return &rt->be[i];
	return NULL;
}

struct lbd_server *
lbd_runtime_find_server(struct lbd_runtime *rt, const char *be_slash_srv)
{
	const char *slash = strchr(be_slash_srv, '/');
	char bename[256];

	if (!slash || (size_t)(slash - be_slash_srv) >= sizeof(bename))
		return NULL;
	memcpy(bename, be_slash_srv, (size_t)(slash - be_slash_srv));
	bename[slash - be_slash_srv] = '\0';
	struct lbd_backend *be = lbd_runtime_find_backend(rt, bename);
	if (!be)
		return NULL;
	for (unsigned i = 0; i < be->nsrv; i++)
		if (strcmp(be->srv[i]->name, slash + 1) == 0)
			return be->srv[i];
	return NULL;
}

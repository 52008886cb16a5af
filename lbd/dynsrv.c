/* lbd/dynsrv.c: "add server" and "del server": servers added and removed at run time
 *
 * Safety design. Worker threads read the server arrays (be->srv, be->view, rt->servers),
 * the backends' algorithm pools, their own idle connection pools (thr->idle, indexed by
 * gid) and the "clear counters" baseline (by gid) without any lock, from any event callback:
 * the request path, health checks, Prometheus, the stats page, ACL fetches (nbsrv,
 * srv_is_up). Instead of teaching every reader about locks or NULL slots, a change stops the
 * world for a moment:
 *  1. Everything that can be built beforehand is built on the control loop: the server and
 *     its health state, the new arrays (one longer or one shorter), each thread's new idle
 *     array. Nothing is published yet.
 *  2. A job goes to every worker's inbox (lbd/ctl_async.c). Each worker runs it between two
 *     event callbacks, so no pointer into the old arrays is live on its stack, and parks on
 *     a barrier. The control loop waits until all have arrived (at most 2 s: a worker that
 *     does not come, e.g. one that ended its loop, makes the change fail with nothing done;
 *     the late arrivals then see the job cancelled and go on at once).
 *  3. While all are parked the control loop swaps the arrays, copies each idle array,
 *     rebuilds the backend's pool and shifts the stats baseline: pointer stores and small
 *     copies, a few microseconds for a few servers (measured from the first worker's
 *     arrival to the release, and said in the reply: about 30 us with 2 idle threads).
 *  4. It releases the workers. For "del server" each worker first closes, on its own loop,
 *     the idle and client-private connections of the removed server and stops its health
 *     probes if it is the home thread; the control loop waits for that too. Nothing can
 *     reach the server any more: it was in maintenance (no new session) with no session,
 *     no queued stream granted to it and no control command holding it. It is freed after
 *     one more empty job has gone through every inbox (a grace period: messages naming it
 *     that were posted before the pause have run by then).
 * Deleted servers leave no hole: the arrays are compacted and the later gids move down by
 * one (thr->idle and the baseline move with them), so readers need no NULL checks. Server
 * ids (lb.id, used by consistent hashing and srv_is_up) never change; a new server takes
 * the backend's highest id + 1.
 * Soft stop: refused while lbd is stopping (as the session commands are), and the barrier's
 * time limit means a change can never wait forever on a thread that is going away.
 */
#include "dynsrv.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "algo.h"
#include "backend.h"
#include "cfg.h"
#include "ctl_async.h"
#include "health.h"
#include "log.h"
#include "runtime.h"
#include "stats.h"
#include "thread.h"
#include "tls.h"
#include "util.h"

#define STW_ARRIVE_TIMEOUT_MS 2000

/* ---- stop the world ---- */

struct stw {
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC */
	int nthreads;
	int arrived, departed;
	bool released, cancelled;
	int refs;			/* the control loop's and the async job's */
	void (*after)(struct lbd_thread *thr, void *arg);	/* run by each worker once released */
	void *arg;
	uint64_t first_arrival_ns;
};

static unsigned long last_pause_us;	/* of the last change, for its reply */

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
stw_unref(struct stw *w)
{
	bool last;

	pthread_mutex_lock(&w->lock);
	last = --w->refs == 0;
	pthread_mutex_unlock(&w->lock);
	if (!last)
		return;
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

/* On each worker: park until the control loop is done, then run the after step. */
static void
stw_park(struct lbd_thread *thr, void *arg)
{
	struct stw *w = arg;
	bool run;

	pthread_mutex_lock(&w->lock);
	if (w->cancelled) {
		pthread_mutex_unlock(&w->lock);
		return;
	}
	if (w->arrived++ == 0)
		w->first_arrival_ns = mono_ns();
	pthread_cond_broadcast(&w->cond);
	while (!w->released && !w->cancelled)
		pthread_cond_wait(&w->cond, &w->lock);
	run = w->released;
	pthread_mutex_unlock(&w->lock);
	if (run && w->after)
		w->after(thr, w->arg);
	pthread_mutex_lock(&w->lock);
	w->departed++;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static void
stw_done(void *arg, bool live)
{
	(void)live;
	stw_unref(arg);
}

/* Pauses every worker; returns the barrier, or NULL with the reason in msg. */
static struct stw *
stw_pause(struct lbd_runtime *rt, char *msg, size_t msglen)
{
	struct stw *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	struct timespec dl;
	int rc = 0;

	if (!w) {
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	w->nthreads = rt->nbthread;
	w->refs = 2;
	if (lbd_ctl_async_all(rt, stw_park, stw_done, w) < 0) {
		w->refs = 1;
		stw_unref(w);
		snprintf(msg, msglen, "cannot reach the worker threads");
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += STW_ARRIVE_TIMEOUT_MS / 1000;
	dl.tv_nsec += (STW_ARRIVE_TIMEOUT_MS % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->lock);
	while (w->arrived < w->nthreads && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&w->cond, &w->lock, &dl);
	if (w->arrived < w->nthreads) {
		w->cancelled = true;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
		stw_unref(w);
		snprintf(msg, msglen, "the worker threads did not pause within %d ms; nothing "
			 "changed", STW_ARRIVE_TIMEOUT_MS);
		return NULL;
	}
	pthread_mutex_unlock(&w->lock);
	return w;
}

/* Releases the workers; each runs after(thr, arg) first. Returns once all did. */
static void
stw_resume(struct stw *w, void (*after)(struct lbd_thread *, void *), void *arg)
{
	pthread_mutex_lock(&w->lock);
	w->after = after;
	w->arg = arg;
	w->released = true;
	last_pause_us = (unsigned long)((mono_ns() - w->first_arrival_ns) / 1000);
	pthread_cond_broadcast(&w->cond);
	while (w->departed < w->nthreads)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
	stw_unref(w);
}

/* ---- the new arrays, built before the pause ---- */

struct arrays {
	struct lbd_server **srv;	/* the backend's */
	struct lb_algo_srv **view;
	unsigned nsrv;
	struct lbd_server **all;	/* rt->servers */
	unsigned nall;
	struct lbd_idle_list **idle;	/* [nbthread], nall each */
	int nbthread;
};

static void
arrays_alloc(struct arrays *a, const struct lbd_runtime *rt, unsigned nsrv, unsigned nall)
{
	a->nsrv = nsrv;
	a->nall = nall;
	a->nbthread = rt->nbthread;
	a->srv = lb_xcalloc(nsrv ? nsrv : 1, sizeof(*a->srv));
	a->view = lb_xcalloc(nsrv ? nsrv : 1, sizeof(*a->view));
	a->all = lb_xcalloc(nall ? nall : 1, sizeof(*a->all));
	a->idle = lb_xcalloc((size_t)rt->nbthread, sizeof(*a->idle));
	for (int t = 0; t < rt->nbthread; t++)
		a->idle[t] = lb_xcalloc(nall ? nall : 1, sizeof(*a->idle[t]));
}

/* Frees what a holds: after a swap, the old arrays. */
static void
arrays_free(struct arrays *a)
{
	free(a->srv);
	free(a->view);
	free(a->all);
	for (int t = 0; a->idle && t < a->nbthread; t++)
		free(a->idle[t]);
	free(a->idle);
}

/* Paused: publishes a in be and rt and keeps the old arrays in a (for arrays_free). The
 * idle lists were copied into a->idle by the caller. */
static void
arrays_swap(struct arrays *a, struct lbd_runtime *rt, struct lbd_backend *be)
{
	struct lbd_server **srv = be->srv, **all = rt->servers;
	struct lb_algo_srv **view = be->view;

	be->srv = a->srv;
	be->view = a->view;
	be->nsrv = a->nsrv;
	rt->servers = a->all;
	rt->nservers = a->nall;
	for (int t = 0; t < rt->nbthread; t++) {
		struct lbd_thread *thr = lbd_thread_get(rt, t);
		struct lbd_idle_list *idle = thr->idle;
		thr->idle = a->idle[t];
		a->idle[t] = idle;
	}
	a->srv = srv;
	a->view = view;
	a->all = all;
	/* the pool borrows be->view: rebuild it over the new one */
	lb_algo_pool_free(&be->pool);
	if (lb_algo_pool_init(&be->pool, be->algo, &be->cfg->balance, be->cfg->allbackups > 0,
			      be->view, be->nsrv) < 0) {
		lb_log_sys(LB_LOG_ERR, "backend '%s': out of memory rebuilding its server pool",
			   be->name);
		abort();
	}
	be->maxqueue = lbd_runtime_maxqueue(be->srv, be->nsrv);
}

/* ---- add ---- */

/* HAProxy refuses dynamic servers where the algorithm cannot take a new server without
 * reshuffling every key (map-based hashing) or has no dynamic weights (static-rr). */
static const char *
algo_refuses(const struct lbd_backend *be)
{
	if (strcmp(be->algo->name, "static-rr") == 0)
		return "uses 'balance static-rr', which has no dynamic weights";
	if (be->algo->input != LB_ALGO_IN_NONE &&
	    be->cfg->balance.hash_type != LB_HASH_CONSISTENT)
		return "uses map-based hashing; dynamic servers need 'hash-type consistent'";
	return NULL;
}

static struct lbd_server *
be_find(const struct lbd_backend *be, const char *name)
{
	for (unsigned i = 0; i < be->nsrv; i++)
		if (strcmp(be->srv[i]->name, name) == 0)
			return be->srv[i];
	return NULL;
}

/* "a b c" from the option words (for lbd_dynsrv_list). */
static char *
join_words(const char *addr, int argc, char *const *argv)
{
	size_t len = strlen(addr) + 1;
	char *s, *p;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = p = lb_xmalloc(len);
	p += sprintf(p, "%s", addr);
	for (int i = 0; i < argc; i++)
		p += sprintf(p, " %s", argv[i]);
	return s;
}

int
lbd_dynsrv_add(struct lbd_runtime *rt, const char *ref, const char *addr, int argc,
	       char *const *argv, char *msg, size_t msglen)
{
	const char *slash = strchr(ref, '/');
	struct lbd_backend *be;
	struct lb_cfg_server *cfg;
	struct lbd_server *srv;
	struct arrays a;
	struct stw *w;
	char bename[256], *err = NULL;
	const char *why;
	int id = 0;

	if (__atomic_load_n(&rt->stopping, __ATOMIC_RELAXED)) {
		snprintf(msg, msglen, "lbd is stopping; servers can no longer be added");
		return -1;
	}
	if (!slash || (size_t)(slash - ref) >= sizeof(bename)) {
		snprintf(msg, msglen, "'%s' is not <backend>/<server>", ref);
		return -1;
	}
	snprintf(bename, sizeof(bename), "%.*s", (int)(slash - ref), ref);
	be = lbd_runtime_find_backend(rt, bename);
	if (!be) {
		snprintf(msg, msglen, "no backend '%s'", bename);
		return -1;
	}
	if (be_find(be, slash + 1)) {
		snprintf(msg, msglen, "backend '%s' already has a server '%s'", be->name, slash + 1);
		return -1;
	}
	why = algo_refuses(be);
	if (why) {
		snprintf(msg, msglen, "backend '%s' %s", be->name, why);
		return -1;
	}
	cfg = lb_cfg_server_from_words(be->cfg, slash + 1, addr, argc, argv, &err);
	if (!cfg) {
		snprintf(msg, msglen, "%s", err ? err : "invalid server");
		free(err);
		return -1;
	}
	for (unsigned i = 0; i < be->nsrv; i++)
		id = LB_MAX(id, be->srv[i]->lb.id);
	cfg->id = id + 1;
	/* HAProxy: a new server starts in maintenance, whatever its options say */
	srv = lbd_runtime_server_new(rt, be, cfg, cfg->id, true);
	srv->dyn_cfg = cfg;
	srv->dyn_args = join_words(addr, argc, argv);
	srv->gid = (int)rt->nservers;
	/* TLS client credentials (ssl, ca-file, crt): built here on the control thread, before
	 * any worker can see the server */
	if (lbd_tls_server_build(rt->nbthread, srv, &err) < 0) {
		snprintf(msg, msglen, "%s", err ? err : "cannot set up TLS for the server");
		free(err);
		lbd_runtime_server_free(srv);
		return -1;
	}
	if (lbd_health_build_server(rt, srv, &err) < 0) {
		snprintf(msg, msglen, "%s", err ? err : "cannot build its health check");
		free(err);
		lbd_runtime_server_free(srv);
		return -1;
	}
	arrays_alloc(&a, rt, be->nsrv + 1, rt->nservers + 1);
	w = stw_pause(rt, msg, msglen);
	if (!w) {
		arrays_free(&a);
		lbd_runtime_server_free(srv);
		return -1;
	}
	/* paused */
	memcpy(a.srv, be->srv, be->nsrv * sizeof(*a.srv));
	memcpy(a.view, be->view, be->nsrv * sizeof(*a.view));
	a.srv[be->nsrv] = srv;
	a.view[be->nsrv] = &srv->lb;
	memcpy(a.all, rt->servers, rt->nservers * sizeof(*a.all));
	a.all[rt->nservers] = srv;
	for (int t = 0; t < rt->nbthread; t++)
		memcpy(a.idle[t], lbd_thread_get(rt, t)->idle, rt->nservers * sizeof(*a.idle[t]));
	arrays_swap(&a, rt, be);
	stw_resume(w, NULL, NULL);
	arrays_free(&a);
	lbd_health_start_server(srv);
	lb_log_sys(LB_LOG_NOTICE, "server %s/%s added (%s), in maintenance", be->name, srv->name,
		   srv->dyn_args);
	snprintf(msg, msglen, "%s/%s added in maintenance (id %d); 'enable %s/%s' puts it in "
		 "service (workers paused %lu us)", be->name, srv->name, srv->lb.id, be->name,
		 srv->name, last_pause_us);
	return 0;
}

/* ---- del ---- */

/* Why srv cannot go now, or NULL. Exact while the workers are paused. */
static const char *
del_refused(struct lbd_server *srv, char *buf, size_t len)
{
	struct lbd_backend *be = srv->be;
	int n = __atomic_load_n(&srv->lb.cur_sess, __ATOMIC_RELAXED), queued = 0;

	if (srv->ctl_refs > 0)
		return "a control command (wait, shutdown sessions) still uses it; retry when it "
		       "answered";
	if (__atomic_load_n(&srv->admin, __ATOMIC_RELAXED) != LBD_SRV_MAINT)
		return "it is not in maintenance: 'maint' it first (and 'wait ... removable')";
	if (n > 0) {
		snprintf(buf, len, "it still has %d session(s): wait for them ('wait <be/srv> "
			 "empty') or 'shutdown sessions'", n);
		return buf;
	}
	pthread_mutex_lock(&be->qlock);
	for (struct lbd_queue_entry *qe = be->qhead; qe; qe = qe->next)
		queued += qe->granted == srv;
	pthread_mutex_unlock(&be->qlock);
	if (queued) {
		snprintf(buf, len, "%d queued stream(s) were just granted to it; retry", queued);
		return buf;
	}
	return NULL;
}

struct del_ctx {
	struct lbd_server *srv;
	struct lbd_sconn **idle;	/* [nbthread]: the server's idle list on each thread */
};

static void
del_after(struct lbd_thread *thr, void *arg)
{
	struct del_ctx *d = arg;

	lbd_backend_forget_server(thr, d->srv, d->idle[thr->id]);
	lbd_health_stop_server(thr, d->srv);
}

static void
grace_work(struct lbd_thread *thr, void *arg)
{
	(void)thr;
	(void)arg;
}

static void
grace_done(void *arg, bool live)
{
	(void)live;
	lbd_runtime_server_free(arg);
}

int
lbd_dynsrv_del(struct lbd_runtime *rt, const char *ref, char *msg, size_t msglen)
{
	struct lbd_server *srv = lbd_runtime_find_server(rt, ref);
	struct del_ctx d;
	struct lbd_backend *be;
	struct arrays a;
	struct stw *w;
	const char *why;
	char buf[200];
	unsigned gid, k;

	if (__atomic_load_n(&rt->stopping, __ATOMIC_RELAXED)) {
		snprintf(msg, msglen, "lbd is stopping; servers can no longer be removed");
		return -1;
	}
	if (!srv) {
		snprintf(msg, msglen, "no server '%s'", ref);
		return -1;
	}
	be = srv->be;
	why = del_refused(srv, buf, sizeof(buf));
	if (why) {
		snprintf(msg, msglen, "cannot remove %s/%s: %s", be->name, srv->name, why);
		return -1;
	}
	arrays_alloc(&a, rt, be->nsrv - 1, rt->nservers - 1);
	d.srv = srv;
	d.idle = lb_xcalloc((size_t)rt->nbthread, sizeof(*d.idle));
	w = stw_pause(rt, msg, msglen);
	if (!w)
		goto fail;
	/* paused: check again, exactly this time */
	why = del_refused(srv, buf, sizeof(buf));
	if (why) {
		stw_resume(w, NULL, NULL);
		snprintf(msg, msglen, "cannot remove %s/%s: %s", be->name, srv->name, why);
		goto fail;
	}
	gid = (unsigned)srv->gid;
	k = 0;
	for (unsigned i = 0; i < be->nsrv; i++) {
		if (be->srv[i] == srv)
			continue;
		a.srv[k] = be->srv[i];
		a.view[k++] = be->view[i];
	}
	for (unsigned i = 0, j = 0; i < rt->nservers; i++) {
		if (i == gid)
			continue;
		a.all[j] = rt->servers[i];
		a.all[j]->gid = (int)j;
		j++;
	}
	for (int t = 0; t < rt->nbthread; t++) {
		const struct lbd_idle_list *old = lbd_thread_get(rt, t)->idle;
		d.idle[t] = old[gid].head;
		memcpy(a.idle[t], old, gid * sizeof(*old));
		memcpy(a.idle[t] + gid, old + gid + 1, (rt->nservers - gid - 1) * sizeof(*old));
	}
	arrays_swap(&a, rt, be);
	lbd_stats_forget_server(rt, gid);
	srv->gid = -1;
	stw_resume(w, del_after, &d);
	arrays_free(&a);
	free(d.idle);
	lb_log_sys(LB_LOG_NOTICE, "server %s/%s removed", be->name, srv->name);
	snprintf(msg, msglen, "%s/%s removed (workers paused %lu us)", be->name, srv->name,
		 last_pause_us);
	/* a grace period before the free: messages naming the server that workers posted to
	 * each other before the pause (a health check's session shutdown, a passive check's
	 * action) are ahead of this job in the FIFO inboxes, so they have run when it is done */
	if (lbd_ctl_async_all(rt, grace_work, grace_done, srv) < 0)
		lbd_runtime_server_free(srv);
	return 0;
fail:
	arrays_free(&a);
	free(d.idle);
	return -1;
}

/* ---- listing (reloads carry them over) ---- */

unsigned
lbd_dynsrv_list(const struct lbd_runtime *rt,
		void (*fn)(void *ctx, const struct lbd_server *srv, const char *line), void *ctx)
{
	unsigned n = 0;

	for (unsigned i = 0; i < rt->nservers; i++) {
		const struct lbd_server *srv = rt->servers[i];
		if (!srv->dyn_cfg)
			continue;
		char *line = lb_xasprintf("%s/%s %s", srv->be->name, srv->name, srv->dyn_args);
		fn(ctx, srv, line);
		free(line);
		n++;
	}
	return n;
}

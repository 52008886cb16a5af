/* lbd/health.c: the per-server check scheduler: build, start, stop, the probes' timers
 *
 * Each checked server has a home thread (gid % nbthread); its timers and probes run on that
 * thread's event base through the engine of common/check.h, so probes never block the
 * request path and need no locks. The counters follow HAProxy exactly: a probe's `health`
 * runs from 0 to rise+fall-1 and the probe is up while health >= rise. A server starts UP
 * with health = rise, so the first failed check marks it DOWN at once, and the first success
 * makes it fully up (HAProxy's "up, but will fall at the first failure"). From full health it
 * takes `fall` consecutive failures to go DOWN; from DOWN, `rise` consecutive successes.
 * The next probe is due `inter` after the previous one ended, `fastinter` while a change is
 * under way (0 < health < rise+fall-1) and `downinter` while fully down.
 *
 * What results change (the server's state, weights, log lines) is in health_state.c.
 */
#include "health_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "log.h"
#include "thread.h"
#include "util.h"

struct lbd_runtime *lbd_health_rt;

/* ---- build and free ---- */

static long long
or_default(long long v, long long def)
{
	return v > 0 ? v : def;
}

static int
build_server(struct lbd_runtime *rt, const struct lb_cfg_proxy *px, struct lbd_server *srv,
	     struct lb_logger *logger, bool *logger_taken, char **errmsg)
{
	const struct lb_cfg_server *cs = srv->cfg;
	bool check = cs->check > 0, agent = cs->agent_check > 0;
	int observe = cs->observe > 0 ? cs->observe : LB_OBSERVE_NONE;
	struct lbd_health *hc;

	if (!check && !agent && observe == LB_OBSERVE_NONE)
		return 0;
	if (observe != LB_OBSERVE_NONE && !check)
		lb_log_sys(LB_LOG_WARNING,
			   "backend '%s', server '%s': 'observe' without 'check': errors are only "
			   "counted (hanafail); 'on-error' needs a check to bring the server back",
			   px->name, srv->name);
	hc = lb_xcalloc(1, sizeof(*hc));
	hc->srv = srv;
	hc->thr_id = srv->gid % rt->nbthread;
	hc->rise = cs->rise > 0 ? cs->rise : 2;
	hc->fall = cs->fall > 0 ? cs->fall : 3;
	hc->inter = or_default(cs->inter, 2000);
	hc->fastinter = or_default(cs->fastinter, hc->inter);
	hc->downinter = or_default(cs->downinter, hc->inter);
	hc->agent_inter = or_default(cs->agent_inter, hc->inter);
	hc->slowstart = cs->slowstart > 0 ? cs->slowstart : 0;
	hc->observe = observe;
	hc->error_limit = cs->error_limit > 0 ? cs->error_limit : 10;
	hc->on_error = cs->on_error >= 0 ? cs->on_error : LB_ON_ERROR_FAIL_CHECK;
	hc->shutdown_on_down = cs->on_marked_down == LB_ON_MARKED_DOWN_SHUTDOWN_SESSIONS;
	hc->shutdown_backups_on_up =
		cs->on_marked_up == LB_ON_MARKED_UP_SHUTDOWN_BACKUP_SESSIONS;
	hc->logger = logger;	/* shared by the backend's servers; the first one owns it */
	hc->owns_logger = logger && !*logger_taken;
	*logger_taken |= hc->owns_logger;
	hc->enabled = 1;
	hc->ramp = LBD_HEALTH_RAMP_FULL;
	hc->chk.up = hc->agent.up = true;
	hc->chk.health = hc->chk.shown_health = hc->rise;
	hc->agent.health = hc->agent.shown_health = hc->rise;
	pthread_mutex_init(&hc->lock, NULL);
	srv->hc = hc;	/* before the specs: lbd_health_free() cleans up a half-built one */
	if (check) {
		hc->chk.spec = lb_check_spec_new(px, cs, LB_CHECK_HEALTH, errmsg);
		if (!hc->chk.spec)
			goto fail;
	}
	if (agent) {
		hc->agent.spec = lb_check_spec_new(px, cs, LB_CHECK_AGENT, errmsg);
		if (!hc->agent.spec)
			goto fail;
	}
	return 0;
fail:;
	char *why = *errmsg;
	*errmsg = lb_xasprintf("backend '%s', server '%s': %s", px->name, srv->name,
			       why ? why : "cannot build its health check");
	free(why);
	return -1;
}

int
lbd_health_build(struct lbd_runtime *rt, struct lbd_backend *be, char **errmsg)
{
	const struct lb_cfg_proxy *px = be->cfg;
	struct lb_logger *logger = NULL;
	bool taken = false;
	int rc = 0;

	lbd_health_rt = rt;
	/* State changes go to the daemon's log (stderr, global targets) and, as HAProxy sends
	 * them to the backend's loggers, to the backend's own targets ("log global" entries are
	 * left out here: lb_log_sys already reaches them) */
	if (px->logs && !px->no_log) {
		logger = lb_logger_open(px->logs, NULL, errmsg);
		if (!logger)
			return -1;
		if (lb_logger_empty(logger)) {
			lb_logger_close(logger);
			logger = NULL;
		}
	}
	for (unsigned i = 0; i < be->nsrv && rc == 0; i++)
		rc = build_server(rt, px, be->srv[i], logger, &taken, errmsg);
	if (logger && !taken)	/* no server checks: nothing to log */
		lb_logger_close(logger);
	return rc;
}

int
lbd_health_build_server(struct lbd_runtime *rt, struct lbd_server *srv, char **errmsg)
{
	const struct lb_cfg_proxy *px = srv->be->cfg;
	struct lb_logger *logger = NULL;
	bool taken = false;
	int rc;

	/* a server added at run time has its own copy of the backend's loggers */
	if (px->logs && !px->no_log) {
		logger = lb_logger_open(px->logs, NULL, errmsg);
		if (!logger)
			return -1;
		if (lb_logger_empty(logger)) {
			lb_logger_close(logger);
			logger = NULL;
		}
	}
	rc = build_server(rt, px, srv, logger, &taken, errmsg);
	if (logger && !taken)
		lb_logger_close(logger);
	return rc;
}

void
lbd_health_free(struct lbd_server *srv)
{
	struct lbd_health *hc = srv->hc;

	if (!hc)
		return;
	/* probes were cancelled on their thread (lbd_health_thread_stop) */
	lb_check_spec_free(hc->chk.spec);
	lb_check_spec_free(hc->agent.spec);
	if (hc->owns_logger)	/* servers are freed after all of them stopped logging */
		lb_logger_close(hc->logger);
	pthread_mutex_destroy(&hc->lock);
	free(hc);
	srv->hc = NULL;
}

/* ---- the primary check ---- */

static long long
check_interval(struct lbd_health *hc)
{
	if (hc->chk.health >= hc->rise + hc->fall - 1)
		return hc->inter;
	if (hc->chk.health == 0)
		return hc->downinter;
	return hc->fastinter;
}

static void check_done(const struct lb_check_result *res, void *arg);

static void
check_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lbd_health *hc = arg;
	struct lbd_server *srv = hc->srv;

	(void)fd;
	(void)what;
	if (hc->stopped || hc->chk.inflight)
		return;
	/* maintenance and "server health disable": no probe; look again later */
	if (__atomic_load_n(&srv->admin, __ATOMIC_RELAXED) == LBD_SRV_MAINT ||
	    !__atomic_load_n(&hc->enabled, __ATOMIC_RELAXED)) {
		lbd_health_arm(&hc->chk.timer, hc->inter);
		return;
	}
	hc->chk.inflight = lb_check_start(lbd_health_home(hc)->base, hc->chk.spec, NULL, 0, 0,
					  check_done, hc);
	if (!hc->chk.inflight)	/* out of memory: try again later */
		lbd_health_arm(&hc->chk.timer, hc->inter);
}

static void
check_done(const struct lb_check_result *res, void *arg)
{
	struct lbd_health *hc = arg;
	bool ok = lb_check_status_ok(res->status);
	struct lbd_health_why w;

	hc->chk.inflight = NULL;
	lbd_health_why_from_result(&w, res);
	/* disable-on-404 only concerns running servers: a stopped one stays stopped */
	if (res->nolb && !hc->chk.up)
		ok = false;
	if (!__atomic_load_n(&hc->enabled, __ATOMIC_RELAXED)) {
		/* disabled while the probe ran: its result does not count */
	} else if (ok) {
		lbd_health_probe_success(hc, &hc->chk, &w);
		lbd_health_set_nolb(hc, res->nolb, &w);
	} else {
		lbd_health_probe_failure(hc, &hc->chk, &w);
		if (!hc->chk.up)	/* NOLB ends with the server: it comes back plain UP */
			__atomic_store_n(&hc->nolb, 0, __ATOMIC_RELAXED);
	}
	lbd_health_record(hc, &hc->chk, res);
	if (!hc->stopped)
		lbd_health_arm(&hc->chk.timer, check_interval(hc));
}

static void agent_done(const struct lb_check_result *res, void *arg);

static void
agent_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lbd_health *hc = arg;

	(void)fd;
	(void)what;
	if (hc->stopped || hc->agent.inflight)
		return;
	/* the agent runs in maintenance too: its "ready" is how a server leaves it */
	hc->agent.inflight = lb_check_start(lbd_health_home(hc)->base, hc->agent.spec, NULL, 0,
					    0, agent_done, hc);
	if (!hc->agent.inflight)
		lbd_health_arm(&hc->agent.timer, hc->agent_inter);
}

static void
agent_done(const struct lb_check_result *res, void *arg)
{
	struct lbd_health *hc = arg;

	hc->agent.inflight = NULL;
	/* an agent that cannot be reached changes nothing (HAProxy): only its words count */
	if (res->has_agent)
		lbd_health_agent_reply(hc, res);
	lbd_health_record(hc, &hc->agent, res);
	if (!hc->stopped)
		lbd_health_arm(&hc->agent.timer, hc->agent_inter);
}

/* ---- start and stop ---- */

static void
start_msg(struct lbd_thread *thr, void *arg)
{
	struct lbd_health *hc = arg;

	if (thr->stopping || hc->stopped)
		return;
	event_assign(&hc->chk.timer, thr->base, -1, 0, check_timer_cb, hc);
	event_assign(&hc->agent.timer, thr->base, -1, 0, agent_timer_cb, hc);
	event_assign(&hc->ramp_timer, thr->base, -1, 0, lbd_health_ramp_cb, hc);
	hc->events_ready = true;
	if (!__atomic_load_n(&hc->lastchg_ms, __ATOMIC_RELAXED))	/* not carried over */
		__atomic_store_n(&hc->lastchg_ms, lbd_health_now(), __ATOMIC_RELAXED);
	if (hc->chk.spec)
		lbd_health_arm(&hc->chk.timer, (long long)hc->chk.first_ms);
	if (hc->agent.spec)
		lbd_health_arm(&hc->agent.timer, (long long)hc->agent.first_ms);
}

void
lbd_health_start(struct lbd_runtime *rt)
{
	unsigned nprobes = 0, pos = 0, n;

	lbd_health_rt = rt;
	for (unsigned i = 0; i < rt->nservers; i++) {
		const struct lbd_health *hc = rt->servers[i]->hc;
		if (hc)
			nprobes += (hc->chk.spec != NULL) + (hc->agent.spec != NULL);
	}
	/* HAProxy's spread: the n-th of N probes starts n/N of its interval after start-up, so
	 * a thousand servers are not probed in the same millisecond */
	n = LB_MAX(nprobes, 1u);
	for (unsigned i = 0; i < rt->nservers; i++) {
		struct lbd_health *hc = rt->servers[i]->hc;
		if (!hc)
			continue;
		if (!__atomic_load_n(&hc->lastchg_ms, __ATOMIC_RELAXED))	/* not carried over */
			__atomic_store_n(&hc->lastchg_ms, lbd_health_now(), __ATOMIC_RELAXED);
		if (hc->chk.spec)
			hc->chk.first_ms = (uint64_t)hc->inter * pos++ / n;
		if (hc->agent.spec)
			hc->agent.first_ms = (uint64_t)hc->agent_inter * pos++ / n;
		if (hc->chk.spec || hc->agent.spec)
			lbd_thread_post(lbd_health_home(hc), start_msg, hc);
	}
}

void
lbd_health_start_server(struct lbd_server *srv)
{
	struct lbd_health *hc = srv->hc;

	if (!hc || (!hc->chk.spec && !hc->agent.spec))
		return;
	__atomic_store_n(&hc->lastchg_ms, lbd_health_now(), __ATOMIC_RELAXED);
	hc->chk.first_ms = hc->agent.first_ms = 0;
	lbd_thread_post(lbd_health_home(hc), start_msg, hc);
}

static void
stop_probe(struct lbd_health *hc, struct lbd_health_probe *p)
{
	if (p->inflight) {
		lb_check_cancel(p->inflight);
		p->inflight = NULL;
	}
	if (hc->events_ready)
		event_del(&p->timer);
}

void
lbd_health_stop_server(struct lbd_thread *thr, struct lbd_server *srv)
{
	struct lbd_health *hc = srv->hc;

	if (!hc || hc->thr_id != thr->id || hc->stopped)
		return;
	hc->stopped = true;
	stop_probe(hc, &hc->chk);
	stop_probe(hc, &hc->agent);
	if (hc->events_ready)
		event_del(&hc->ramp_timer);
}

void
lbd_health_thread_stop(struct lbd_thread *thr)
{
	struct lbd_runtime *rt = thr->rt;

	for (unsigned i = 0; i < rt->nservers; i++)
		lbd_health_stop_server(thr, rt->servers[i]);
}

/* ---- effects read by the data plane ---- */

int
lbd_health_eweight(const struct lbd_server *srv, int w)
{
	const struct lbd_health *hc = srv->hc;
	int r;

	if (!hc || w <= 0)
		return w;
	if (__atomic_load_n(&hc->nolb, __ATOMIC_RELAXED))
		return 0;
	r = __atomic_load_n(&hc->ramp, __ATOMIC_RELAXED);
	if (r >= LBD_HEALTH_RAMP_FULL)
		return w;
	/* never 0 while ramping: the server is up and must get its first sessions */
	return LB_MAX(1, (int)(((long long)w * r + LBD_HEALTH_RAMP_FULL - 1) /
				LBD_HEALTH_RAMP_FULL));
}

bool
lbd_health_nolb(const struct lbd_server *srv)
{
	return srv->hc && __atomic_load_n(&srv->hc->nolb, __ATOMIC_RELAXED);
}


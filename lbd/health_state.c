/* lbd/health_state.c: from probe results to the server's state, weights and log lines
 *
 * The server is up (srv->health_up) when both its check and its agent say so. Effects go
 * through lbd_server_update_weight(), which asks lbd_health_eweight() for NOLB and the
 * slowstart ramp. Each change of the server's state gets one log line in HAProxy's words,
 * to the daemon's log (stderr in the foreground, global targets) and the backend's own
 * targets. Runs on the server's home thread.
 */
#include "health_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "log.h"
#include "sessions.h"

#define RAMP_MIN_STEP_MS 1000	/* slowstart steps: every max(1 s, slowstart / 20) */

/* Counts the backend's servers that can take traffic (for the log lines). */
static void
count_usable(const struct lbd_backend *be, int *act, int *bck)
{
	*act = *bck = 0;
	for (unsigned i = 0; i < be->nsrv; i++) {
		const struct lbd_server *s = be->srv[i];
		if (!__atomic_load_n(&s->health_up, __ATOMIC_RELAXED) ||
		    __atomic_load_n(&s->admin, __ATOMIC_RELAXED) == LBD_SRV_MAINT)
			continue;
		if (s->lb.backup)
			++*bck;
		else
			++*act;
	}
}

/* One state-change line: the daemon's log and the backend's own targets. */
static void __attribute__((format(printf, 3, 4)))
hlog(const struct lbd_health *hc, int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	lb_log_sys(level, "%s", msg);
	if (hc->logger)
		lb_logger_send(hc->logger, level, msg, LB_MIN((size_t)n, sizeof(msg) - 1));
}

/* The blame for a state change, from a probe's result. */
void
lbd_health_why_from_result(struct lbd_health_why *w, const struct lb_check_result *res)
{
	w->reason = lb_check_status_desc(res->status);
	w->info = res->reason;
	w->code = res->code;
	w->duration_ms = res->duration_ms;
	w->has_duration = true;
}

/* "reason: R[, code: C][, info: "I"][, check duration: Nms]", HAProxy's order */
static void
format_why(char *buf, size_t len, const struct lbd_health_why *w)
{
	int n = snprintf(buf, len, "reason: %s", w->reason);

	if (w->code >= 0 && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, ", code: %d", w->code);
	if (w->info && w->info[0] && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, ", info: \"%s\"", w->info);
	if (w->has_duration && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ", check duration: %ums", w->duration_ms);
}

static void
log_up_down(struct lbd_health *hc, bool up, const struct lbd_health_why *w)
{
	struct lbd_server *srv = hc->srv;
	struct lbd_backend *be = srv->be;
	char why[LB_CHECK_REASON_MAX * 2 + 96];
	int act, bck;

	format_why(why, sizeof(why), w);
	count_usable(be, &act, &bck);
	if (up) {
		hlog(hc, LB_LOG_NOTICE,
		     "Server %s/%s is UP, %s. %d active and %d backup servers online. 0 "
		     "sessions requeued, %d total in queue.",
		     be->name, srv->name, why, act, bck,
		     __atomic_load_n(&be->qlen, __ATOMIC_RELAXED));
		return;
	}
	hlog(hc, LB_LOG_WARNING,
	     "Server %s/%s is DOWN, %s. %d active and %d backup servers left.%s %d sessions "
	     "active, 0 requeued, %d remaining in queue.",
	     be->name, srv->name, why, act, bck, act == 0 && bck > 0 ? " Running on backup." : "",
	     __atomic_load_n(&srv->lb.cur_sess, __ATOMIC_RELAXED),
	     __atomic_load_n(&be->qlen, __ATOMIC_RELAXED));
	if (act + bck == 0)
		hlog(hc, LB_LOG_ALERT, "backend %s has no server available!", be->name);
}

/* ---- slowstart ---- */

void
lbd_health_ramp_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lbd_health *hc = arg;
	uint64_t el = lbd_health_now() - hc->ramp_start_ms;
	int r = el >= (uint64_t)hc->slowstart
		? LBD_HEALTH_RAMP_FULL
		: (int)(el * LBD_HEALTH_RAMP_FULL / (uint64_t)hc->slowstart);

	(void)fd;
	(void)what;
	__atomic_store_n(&hc->ramp, LB_MAX(r, 1), __ATOMIC_RELAXED);
	lbd_server_update_weight(hc->srv);
	if (r < LBD_HEALTH_RAMP_FULL && !hc->stopped)
		lbd_health_arm(&hc->ramp_timer, LB_MAX(RAMP_MIN_STEP_MS, hc->slowstart / 20));
}

static void
ramp_start(struct lbd_health *hc)
{
	if (hc->slowstart <= 0 || !hc->events_ready || hc->stopped)
		return;
	hc->ramp_start_ms = lbd_health_now();
	__atomic_store_n(&hc->ramp, 1, __ATOMIC_RELAXED);
	lbd_health_arm(&hc->ramp_timer, LB_MAX(RAMP_MIN_STEP_MS, hc->slowstart / 20));
}

static void
ramp_stop(struct lbd_health *hc)
{
	if (hc->events_ready)
		event_del(&hc->ramp_timer);
	__atomic_store_n(&hc->ramp, LBD_HEALTH_RAMP_FULL, __ATOMIC_RELAXED);
}

/* ---- the server's state ---- */

/* Recomputes health_up from the check and the agent; on a change: counters, weights, the
 * log line and the on-marked-* actions. */
void
lbd_health_apply(struct lbd_health *hc, const struct lbd_health_why *w)
{
	struct lbd_server *srv = hc->srv;
	int up = hc->chk.up && hc->agent.up;
	int old = __atomic_exchange_n(&srv->health_up, up, __ATOMIC_RELAXED);
	uint64_t now = lbd_health_now();

	if (old == up)
		return;
	__atomic_store_n(&hc->lastchg_ms, now, __ATOMIC_RELAXED);
	if (!up) {
		__atomic_add_fetch(&hc->chkdown, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&hc->down_since_ms, now, __ATOMIC_RELAXED);
		ramp_stop(hc);
	} else {
		uint64_t since = __atomic_load_n(&hc->down_since_ms, __ATOMIC_RELAXED);
		__atomic_add_fetch(&hc->downtime_ms, now - since, __ATOMIC_RELAXED);
		__atomic_store_n(&hc->down_since_ms, 0, __ATOMIC_RELAXED);
		ramp_start(hc);
	}
	lbd_server_update_weight(srv);
	log_up_down(hc, up, w);
	if (!up && hc->shutdown_on_down)
		lbd_sessions_shutdown_server(srv);
	if (up && hc->shutdown_backups_on_up && !srv->lb.backup) {
		for (unsigned i = 0; i < srv->be->nsrv; i++)
			if (srv->be->srv[i]->lb.backup)
				lbd_sessions_shutdown_server(srv->be->srv[i]);
	}
}

/* HAProxy's counter on success: up again once it reaches rise, then straight to full. */
void
lbd_health_probe_success(struct lbd_health *hc, struct lbd_health_probe *p,
			 const struct lbd_health_why *w)
{
	if (p->health >= hc->rise + hc->fall - 1)
		return;
	p->health++;
	if (p->health >= hc->rise) {
		p->health = hc->rise + hc->fall - 1;
		if (!p->up) {
			p->up = true;
			lbd_health_apply(hc, w);
		}
	}
}

/* On failure: below rise it drops to 0 and the probe is down. */
void
lbd_health_probe_failure(struct lbd_health *hc, struct lbd_health_probe *p,
			 const struct lbd_health_why *w)
{
	if (p->health <= 0)
		return;
	__atomic_add_fetch(&hc->chkfail, 1, __ATOMIC_RELAXED);
	p->health--;
	if (p->health < hc->rise) {
		p->health = 0;
		if (p->up) {
			p->up = false;
			lbd_health_apply(hc, w);
		}
	}
}

void
lbd_health_set_nolb(struct lbd_health *hc, bool nolb, const struct lbd_health_why *w)
{
	struct lbd_server *srv = hc->srv;
	char why[LB_CHECK_REASON_MAX * 2 + 96];

	if (__atomic_exchange_n(&hc->nolb, nolb, __ATOMIC_RELAXED) == (int)nolb)
		return;
	lbd_server_update_weight(srv);
	if (!__atomic_load_n(&srv->health_up, __ATOMIC_RELAXED))
		return;
	format_why(why, sizeof(why), w);
	hlog(hc, LB_LOG_NOTICE, "Server %s/%s is %s, %s.", srv->be->name, srv->name,
	     nolb ? "NOLB (no new sessions)" : "UP (leaving NOLB)", why);
}

/* Publishes a probe's last result (res may be NULL) and counters for the control socket. */
void
lbd_health_record(struct lbd_health *hc, struct lbd_health_probe *p,
		  const struct lb_check_result *res)
{
	pthread_mutex_lock(&hc->lock);
	if (res) {
		p->last = *res;
		p->has_last = true;
	}
	hc->chk.shown_health = hc->chk.health;
	hc->agent.shown_health = hc->agent.health;
	pthread_mutex_unlock(&hc->lock);
}

/* ---- the agent ---- */

static const char *const agent_admin_names[] = {
	[LB_AGENT_ADMIN_READY] = "READY", [LB_AGENT_ADMIN_DRAIN] = "DRAIN",
	[LB_AGENT_ADMIN_MAINT] = "MAINT",
};

static const char *const agent_admin_words[] = {
	[LB_AGENT_ADMIN_READY] = "ready", [LB_AGENT_ADMIN_DRAIN] = "drain",
	[LB_AGENT_ADMIN_MAINT] = "maint",
};

static const int agent_admin_state[] = {
	[LB_AGENT_ADMIN_READY] = LBD_SRV_READY, [LB_AGENT_ADMIN_DRAIN] = LBD_SRV_DRAIN,
	[LB_AGENT_ADMIN_MAINT] = LBD_SRV_MAINT,
};

static const char *const agent_health_reasons[] = {
	[LB_AGENT_HEALTH_UP] = "Agent reports up", [LB_AGENT_HEALTH_DOWN] = "Agent reports down",
	[LB_AGENT_HEALTH_FAIL] = "Agent reports fail",
	[LB_AGENT_HEALTH_STOPPED] = "Agent reports stopped",
};

void
lbd_health_agent_reply(struct lbd_health *hc, const struct lb_check_result *res)
{
	const struct lb_agent_reply *a = &res->agent;
	struct lbd_server *srv = hc->srv;
	const char *bn = srv->be->name, *sn = srv->name;

	if (a->has_weight) {
		int cfgw = srv->cfg && srv->cfg->weight >= 0 ? srv->cfg->weight : 1;
		int w = a->weight_pct ? (cfgw * a->weight + 50) / 100 : a->weight;
		w = LB_MIN(LB_MAX(w, 0), 256);
		int old = __atomic_exchange_n(&srv->uweight, w, __ATOMIC_RELAXED);
		if (old != w) {
			lbd_server_update_weight(srv);
			hlog(hc, LB_LOG_NOTICE,
			     "Server %s/%s weight changed by agent from %d to %d.", bn, sn, old, w);
		}
	}
	if (a->has_maxconn) {
		int old = __atomic_exchange_n(&srv->lb.maxconn, a->maxconn, __ATOMIC_RELAXED);
		if (old != a->maxconn) {
			lbd_backend_redistribute(srv->be);
			hlog(hc, LB_LOG_NOTICE,
			     "Server %s/%s maxconn changed by agent from %d to %d.", bn, sn, old,
			     a->maxconn);
		}
	}
	if (a->admin != LB_AGENT_ADMIN_NONE &&
	    (unsigned)a->admin < LB_ARRAY_SIZE(agent_admin_state)) {
		int st = agent_admin_state[a->admin];
		int old = __atomic_exchange_n(&srv->admin, st, __ATOMIC_RELAXED);
		if (old != st) {
			lbd_server_update_weight(srv);
			hlog(hc, LB_LOG_NOTICE, "Server %s/%s is %s, reason: agent says '%s'.", bn,
			     sn, agent_admin_names[a->admin], agent_admin_words[a->admin]);
		}
	}
	if (a->health != LB_AGENT_HEALTH_NONE &&
	    (unsigned)a->health < LB_ARRAY_SIZE(agent_health_reasons)) {
		struct lbd_health_why w = { agent_health_reasons[a->health], a->reason, -1,
					     res->duration_ms, true };
		if (a->health == LB_AGENT_HEALTH_UP)
			lbd_health_probe_success(hc, &hc->agent, &w);
		else
			lbd_health_probe_failure(hc, &hc->agent, &w);
	}
}


/* lbd/health_ctl.c: health checks as the control socket sees them: show servers and show
 * stats fields, "server health <be/srv> enable|disable"
 *
 * Called on the main thread: it reads atomics and the last results under hc->lock, and
 * reaches the home thread with lbd_thread_post().
 */
#include "health_priv.h"

#include <stdio.h>
#include <string.h>

void
lbd_health_view(const struct lbd_runtime *rt, const struct lbd_server *srv,
		struct lbd_health_view *v)
{
	struct lbd_health *hc = srv->hc;
	uint64_t now = lbd_health_now(), since, chg;

	memset(v, 0, sizeof(*v));
	v->check_status = v->check_desc = v->agent_status = v->agent_desc = "";
	v->check_code = v->agent_code = -1;
	v->check_duration = v->agent_duration = -1;
	if (!hc) {
		v->lastchg_s = (now - rt->start_ms) / 1000;
		return;
	}
	v->has_check = hc->chk.spec != NULL;
	v->has_agent = hc->agent.spec != NULL;
	v->enabled = __atomic_load_n(&hc->enabled, __ATOMIC_RELAXED);
	v->rise = hc->rise;
	v->fall = hc->fall;
	pthread_mutex_lock(&hc->lock);
	v->health = hc->chk.shown_health;
	v->agent_health = hc->agent.shown_health;
	if (hc->chk.has_last) {
		v->check_status = lb_check_status_name(hc->chk.last.status);
		v->check_desc = lb_check_status_desc(hc->chk.last.status);
		v->check_code = hc->chk.last.code;
		v->check_duration = (int)hc->chk.last.duration_ms;
		snprintf(v->last_chk, sizeof(v->last_chk), "%s", hc->chk.last.reason[0]
			 ? hc->chk.last.reason : lb_check_status_desc(hc->chk.last.status));
	}
	if (hc->agent.has_last) {
		v->agent_status = lb_check_status_name(hc->agent.last.status);
		v->agent_desc = lb_check_status_desc(hc->agent.last.status);
		v->agent_code = hc->agent.last.code;
		v->agent_duration = (int)hc->agent.last.duration_ms;
		snprintf(v->last_agt, sizeof(v->last_agt), "%s", hc->agent.last.reason[0]
			 ? hc->agent.last.reason : lb_check_status_desc(hc->agent.last.status));
	}
	pthread_mutex_unlock(&hc->lock);
	v->chkfail = __atomic_load_n(&hc->chkfail, __ATOMIC_RELAXED);
	v->chkdown = __atomic_load_n(&hc->chkdown, __ATOMIC_RELAXED);
	v->hanafail = __atomic_load_n(&hc->hanafail, __ATOMIC_RELAXED);
	chg = __atomic_load_n(&hc->lastchg_ms, __ATOMIC_RELAXED);
	v->lastchg_s = (now - (chg ? chg : rt->start_ms)) / 1000;
	since = __atomic_load_n(&hc->down_since_ms, __ATOMIC_RELAXED);
	v->downtime_s = (__atomic_load_n(&hc->downtime_ms, __ATOMIC_RELAXED) +
			 (since ? now - since : 0)) / 1000;
}

void
lbd_health_state_text(const struct lbd_server *srv, const struct lbd_health_view *v, char *buf,
		      size_t len)
{
	bool up = __atomic_load_n(&srv->health_up, __ATOMIC_RELAXED);
	int full = v->rise + v->fall - 1;

	if (v->has_check && !v->enabled)
		snprintf(buf, len, "%s (check disabled)", up ? "up" : "down");
	else if (v->has_check && up && v->health >= v->rise && v->health < full)
		snprintf(buf, len, "up %d/%d", v->health - v->rise + 1, v->fall);
	else if (v->has_check && !up && v->health > 0 && v->health < v->rise)
		snprintf(buf, len, "down %d/%d", v->health, v->rise);
	else
		snprintf(buf, len, "%s", up ? "up" : "down");
}

void
lbd_health_check_text(const struct lbd_health_view *v, char *buf, size_t len)
{
	if (!v->check_status[0])
		snprintf(buf, len, "-");
	else if (v->check_code >= 0)
		snprintf(buf, len, "%s %d %dms", v->check_status, v->check_code, v->check_duration);
	else
		snprintf(buf, len, "%s %dms", v->check_status, v->check_duration);
}

static void
enable_msg(struct lbd_thread *thr, void *arg)
{
	struct lbd_health *hc = arg;

	(void)thr;
	if (hc->stopped || !hc->events_ready)
		return;
	__atomic_store_n(&hc->enabled, 1, __ATOMIC_RELAXED);
	/* the counter resumes where it was (full: disable made the check pass); probe now */
	if (!hc->chk.inflight) {
		event_del(&hc->chk.timer);
		lbd_health_arm(&hc->chk.timer, 0);
	}
}

static void
disable_msg(struct lbd_thread *thr, void *arg)
{
	struct lbd_health *hc = arg;
	struct lbd_health_why w = { "health check disabled by the operator", "", -1, 0, false };

	(void)thr;
	__atomic_store_n(&hc->enabled, 0, __ATOMIC_RELAXED);
	if (hc->chk.inflight) {
		lb_check_cancel(hc->chk.inflight);
		hc->chk.inflight = NULL;
		if (!hc->stopped && hc->events_ready)
			lbd_health_arm(&hc->chk.timer, hc->inter);
	}
	/* an unchecked server counts as up (unless its agent says otherwise) */
	hc->chk.health = hc->rise + hc->fall - 1;
	lbd_health_set_nolb(hc, false, &w);
	if (!hc->chk.up) {
		hc->chk.up = true;
		lbd_health_apply(hc, &w);
	}
	lbd_health_record(hc, &hc->chk, NULL);
}

int
lbd_health_set_enabled(struct lbd_runtime *rt, struct lbd_server *srv, bool on, char *msg,
		       size_t msglen)
{
	struct lbd_health *hc = srv->hc;

	(void)rt;
	if (!hc || !hc->chk.spec) {
		snprintf(msg, msglen, "%s/%s has no health check ('check' is not set)",
			 srv->be->name, srv->name);
		return -1;
	}
	if (lbd_thread_post(lbd_health_home(hc), on ? enable_msg : disable_msg, hc) < 0) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	snprintf(msg, msglen, "%s/%s: health checks %s", srv->be->name, srv->name,
		 on ? "enabled (the next check runs now)"
		    : "disabled (the server counts as up unless its agent says otherwise)");
	return 0;
}

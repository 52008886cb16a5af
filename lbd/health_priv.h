/* lbd/health_priv.h: what the lbd/health*.c files share (nobody else includes it)
 *
 * health.c drives the probes (timers, start, stop), health_state.c turns results into the
 * server's state and its log lines, health_passive.c runs "observe", health_ctl.c answers the
 * control socket. Everything here runs on the server's home thread unless said otherwise.
 */
#ifndef LBD_HEALTH_PRIV_H
#define LBD_HEALTH_PRIV_H

#include <event2/event.h>

#include "health.h"
#include "thread.h"
#include "util.h"

#define LBD_HEALTH_RAMP_FULL 1000	/* slowstart: hc->ramp in per mille */

extern struct lbd_runtime *lbd_health_rt;	/* the runtime whose servers are checked */

static inline uint64_t
lbd_health_now(void)
{
	return lb_now_ms();
}

static inline struct lbd_thread *
lbd_health_home(const struct lbd_health *hc)
{
	return lbd_thread_get(lbd_health_rt, hc->thr_id);
}

static inline void
lbd_health_arm(struct event *ev, long long ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000) };

	event_add(ev, &tv);
}

/* What a state change is blamed on, for its log line. */
struct lbd_health_why {
	const char *reason;	/* "Layer4 connection problem", "Agent reports down", ... */
	const char *info;	/* the probe's own words, may be "" */
	int code;		/* -1: none */
	unsigned duration_ms;
	bool has_duration;
};

void lbd_health_why_from_result(struct lbd_health_why *w, const struct lb_check_result *res);

/* health_state.c */
/* HAProxy's counter: a success climbs to rise (then straight to the top), a failure below
 * rise drops to 0; a change of the probe's verdict goes through lbd_health_apply(). */
void lbd_health_probe_success(struct lbd_health *hc, struct lbd_health_probe *p,
			      const struct lbd_health_why *w);
void lbd_health_probe_failure(struct lbd_health *hc, struct lbd_health_probe *p,
			      const struct lbd_health_why *w);
/* Recomputes srv->health_up from the check and the agent; on a change: counters, weights,
 * slowstart, the log line, the on-marked-* actions. */
void lbd_health_apply(struct lbd_health *hc, const struct lbd_health_why *w);
void lbd_health_set_nolb(struct lbd_health *hc, bool nolb, const struct lbd_health_why *w);
/* Publishes a probe's last result (res may be NULL) and the counters for health_ctl.c. */
void lbd_health_record(struct lbd_health *hc, struct lbd_health_probe *p,
		       const struct lb_check_result *res);
/* Applies an agent reply: weight, maxconn, admin state, the agent's up/down verdict. */
void lbd_health_agent_reply(struct lbd_health *hc, const struct lb_check_result *res);
/* The slowstart step timer (hc->ramp_timer). */
void lbd_health_ramp_cb(evutil_socket_t fd, short what, void *arg);

#endif

/* lbd/health_passive.c: passive checks ("observe"): errors of real traffic
 *
 * Worker threads report connects and responses through the inline hooks of health.h; this
 * counts consecutive errors with relaxed atomics (only for servers that observe) and, at
 * error-limit, posts the on-error action to the server's home thread, one at a time.
 */
#include "health_priv.h"

#include <stdio.h>

static void
on_error_msg(struct lbd_thread *thr, void *arg)
{
	struct lbd_health *hc = arg;
	int n = __atomic_exchange_n(&hc->errors, 0, __ATOMIC_RELAXED);
	int layer = __atomic_load_n(&hc->last_error, __ATOMIC_RELAXED);
	char info[LB_CHECK_REASON_MAX];
	struct lbd_health_why w = { "Health analyze", info, -1, 0, false };

	(void)thr;
	__atomic_store_n(&hc->error_pending, 0, __ATOMIC_RELEASE);
	/* without an active check nothing could bring the server back: count only */
	if (hc->stopped || !hc->chk.spec)
		return;
	snprintf(info, sizeof(info), "Detected %d consecutive errors, last one was: %s",
		 LB_MAX(n, hc->error_limit),
		 layer == 7 ? "invalid or 5xx response" : "connection error");
	switch (hc->on_error) {
	case LB_ON_ERROR_FASTINTER:
		break;
	case LB_ON_ERROR_SUDDEN_DEATH:
		/* one failure short of DOWN */
		if (hc->chk.health > hc->rise)
			hc->chk.health = hc->rise + 1;
		lbd_health_probe_failure(hc, &hc->chk, &w);
		break;
	case LB_ON_ERROR_MARK_DOWN:
		if (hc->chk.health > 0)
			__atomic_add_fetch(&hc->chkfail, 1, __ATOMIC_RELAXED);
		hc->chk.health = 0;
		if (hc->chk.up) {
			hc->chk.up = false;
			lbd_health_apply(hc, &w);
		}
		break;
	default:	/* fail-check */
		lbd_health_probe_failure(hc, &hc->chk, &w);
		break;
	}
	lbd_health_record(hc, &hc->chk, NULL);
	/* every on-error action also brings the next check forward to fastinter */
	if (hc->events_ready && !hc->chk.inflight) {
		event_del(&hc->chk.timer);
		lbd_health_arm(&hc->chk.timer, hc->fastinter);
	}
}

void
lbd_health_observe_slow(struct lbd_server *srv, bool ok, int layer)
{
	struct lbd_health *hc = srv->hc;

	if (ok) {
		/* a load first: most successes find the count at 0 and write nothing */
		if (__atomic_load_n(&hc->errors, __ATOMIC_RELAXED))
			__atomic_store_n(&hc->errors, 0, __ATOMIC_RELAXED);
		return;
	}
	__atomic_add_fetch(&hc->hanafail, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&hc->last_error, layer, __ATOMIC_RELAXED);
	if (__atomic_add_fetch(&hc->errors, 1, __ATOMIC_RELAXED) < hc->error_limit)
		return;
	if (__atomic_exchange_n(&hc->error_pending, 1, __ATOMIC_ACQ_REL))
		return;	/* one action at a time */
	if (lbd_thread_post(lbd_health_home(hc), on_error_msg, hc) < 0)
		__atomic_store_n(&hc->error_pending, 0, __ATOMIC_RELEASE);
}


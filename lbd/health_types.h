/* lbd/health_types.h: the health state of one server (active checks, agent, passive checks)
 *
 * One struct lbd_health per server that has "check", "agent-check" or "observe" (others have
 * srv->hc == NULL and are always up). It lives on the server's home thread (gid % nbthread):
 * timers, probes and the rise/fall counters are touched only there. Other threads read the
 * fields marked "atomic" (effects and counters) or the last results under `lock`, and reach
 * the home thread with lbd_thread_post().
 */
#ifndef LBD_HEALTH_TYPES_H
#define LBD_HEALTH_TYPES_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <event2/event_struct.h>

#include "healthcheck.h"

struct lb_logger;
struct lbd_server;
struct lbd_thread;

/* A periodic probe: the primary health check or the agent check. */
struct lbd_health_probe {
	struct lb_check_spec *spec;	/* NULL: this probe is not configured */
	struct lb_check *inflight;	/* the running probe, home thread */
	struct event timer;		/* next probe */
	int health;			/* HAProxy's counter: 0..rise+fall-1, up when >= rise */
	bool up;			/* this probe's verdict (true while not configured) */
	uint64_t first_ms;		/* delay of the first probe (spread over the interval) */
	/* for show servers / show stats (under lbd_health.lock): the last result, the counter */
	struct lb_check_result last;
	bool has_last;
	int shown_health;
};

struct lbd_health {
	struct lbd_server *srv;
	int thr_id;			/* home thread */
	/* settings (read-only once built) */
	int rise, fall;
	long long inter, fastinter, downinter, agent_inter, slowstart;
	int observe;			/* enum lb_observe (read on the request path) */
	int error_limit;
	int on_error;			/* enum lb_on_error */
	bool shutdown_on_down;		/* on-marked-down shutdown-sessions */
	bool shutdown_backups_on_up;	/* on-marked-up shutdown-backup-sessions */
	struct lb_logger *logger;	/* the backend's own log targets (shared), or NULL */
	bool owns_logger;		/* the first checked server of its backend closes it */
	/* home thread only */
	struct lbd_health_probe chk;
	struct lbd_health_probe agent;
	struct event ramp_timer;	/* slowstart steps */
	bool events_ready;		/* the events above are assigned to the home base */
	bool stopped;			/* soft/hard stop: no more probes */
	uint64_t ramp_start_ms;
	/* atomic: effects read by the data plane and the control socket */
	int enabled;			/* "server health enable|disable" (primary check) */
	int nolb;			/* http-check disable-on-404 got a 404: NOLB */
	int ramp;			/* slowstart: per mille of the weight, 1000 = full */
	/* atomic: passive checks (written by every worker thread) */
	int errors;			/* consecutive errors seen on real traffic */
	int last_error;			/* 4: layer 4, 7: layer 7 (for the log line) */
	int error_pending;		/* an on-error action is posted to the home thread */
	/* atomic: counters, as HAProxy's show stat columns */
	uint64_t chkfail;		/* failed checks while the counter was above 0 */
	uint64_t chkdown;		/* UP -> DOWN transitions */
	uint64_t hanafail;		/* errors seen by passive checks */
	uint64_t lastchg_ms;		/* monotonic time of the last UP/DOWN change */
	uint64_t down_since_ms;		/* while down */
	uint64_t downtime_ms;		/* total time down, closed periods */
	pthread_mutex_t lock;		/* the probes' `last` results */
};

#endif

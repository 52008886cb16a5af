/* lbd/health.h: health checks in the daemon: active probes, agent, passive checks, effects
 *
 * Life cycle: lbd_health_build() (runtime build, per backend) compiles the check specs;
 * lbd_health_start() (threads created) posts each server's first probes to its home thread;
 * lbd_health_thread_stop() (on each thread, at stop) cancels probes and timers;
 * lbd_health_free() (runtime free) releases what build made.
 */
#ifndef LBD_HEALTH_H
#define LBD_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

#include "health_types.h"
#include "runtime_types.h"

struct lbd_thread;

/* Creates the health state of be's servers that need one (check, agent-check, observe).
 * Returns 0, or -1 with *errmsg (malloc'd) when a check cannot be built. */
int lbd_health_build(struct lbd_runtime *rt, struct lbd_backend *be, char **errmsg);
void lbd_health_free(struct lbd_server *srv);
/* "add server" (lbd/dynsrv.c): builds one server's health state (gid set), then, once the
 * server is published, schedules its first probes on its home thread. */
int lbd_health_build_server(struct lbd_runtime *rt, struct lbd_server *srv, char **errmsg);
void lbd_health_start_server(struct lbd_server *srv);
/* On thread thr: stops srv's probes if thr is its home thread (idempotent). */
void lbd_health_stop_server(struct lbd_thread *thr, struct lbd_server *srv);
/* Schedules every server's first probes (spread over their interval). Threads exist. */
void lbd_health_start(struct lbd_runtime *rt);
/* On thread thr: stops the probes of the servers it hosts (idempotent). */
void lbd_health_thread_stop(struct lbd_thread *thr);

/* A reload (lbd/health_carry.c has the format): writes srv's health as one line of words
 * into buf, returns its length, 0 when srv has no probe (nothing to carry). The apply side
 * runs on the new worker before its threads start; it returns 1 when the state was taken, 0
 * when it was dropped (the address changed, a malformed line). */
int lbd_health_carry_format(const struct lbd_server *srv, char *buf, size_t len);
int lbd_health_carry_apply(struct lbd_server *srv, const char *text);

/* The health columns of HAProxy's server state file (lbd/server_state.c), with HAProxy's
 * numbers: op_state 0 stopped, 1 starting (slowstart), 2 running, 3 stopping (NOLB);
 * check_status an HCHK_STATUS_* value; check_result a CHK_RES_* value; check_state and
 * agent_state CHK_ST_* flags (configured 0x02, enabled 0x04, paused 0x08, agent 0x10). */
struct lbd_health_state {
	int op_state, check_status, check_result, check_health, check_state, agent_state;
	long long lastchg_s;
	bool admin_maint;	/* set: the file's maintenance explains a stopped op_state */
};
void lbd_health_state_get(const struct lbd_runtime *rt, const struct lbd_server *srv,
			  struct lbd_health_state *st);
/* Before the threads start (a worker's start-up without a reload's state). */
void lbd_health_state_set(struct lbd_server *srv, const struct lbd_health_state *st);

/* The effective weight of an up, ready server whose weight is w: 0 while NOLB, ramped
 * during slowstart. Called by lbd_server_update_weight(). */
int lbd_health_eweight(const struct lbd_server *srv, int w);
/* True while http-check disable-on-404 holds the server in NOLB. */
bool lbd_health_nolb(const struct lbd_server *srv);

/* Passive checks ("observe"): the data plane reports what real traffic saw. Cheap when the
 * server does not observe: a pointer test, no atomics. */
void lbd_health_observe_slow(struct lbd_server *srv, bool ok, int layer);
/* Connects: a failure is an error for layer4 and layer7; a success only resets the count
 * for layer4 (layer7 waits for the response), as in HAProxy. */
static inline void
lbd_health_observe_l4(struct lbd_server *srv, bool ok)
{
	if (!srv || !srv->hc)
		return;
	if (ok ? srv->hc->observe == LB_OBSERVE_LAYER4 : srv->hc->observe != LB_OBSERVE_NONE)
		lbd_health_observe_slow(srv, ok, 4);
}
/* status: the server's HTTP status, 0 for an invalid response. 5xx other than 501 and 505
 * are errors, as in HAProxy. */
static inline void
lbd_health_observe_l7(struct lbd_server *srv, int status)
{
	if (srv && srv->hc && srv->hc->observe == LB_OBSERVE_LAYER7)
		lbd_health_observe_slow(srv, status >= 100 && (status < 500 || status == 501 ||
							       status == 505), 7);
}

/* What show servers / show stats print about a server's checks. */
struct lbd_health_view {
	bool has_check, has_agent, enabled;
	const char *check_status;	/* "L7OK", ... ("" before the first result) */
	const char *check_desc;		/* "Layer7 check passed", ... */
	int check_code;			/* -1 none */
	int check_duration;		/* ms, -1 none */
	const char *agent_status, *agent_desc;
	int agent_code, agent_duration;
	char last_chk[LB_CHECK_REASON_MAX];
	char last_agt[LB_CHECK_REASON_MAX];
	int health, agent_health, rise, fall;	/* HAProxy's check_health, agent_health, ... */
	uint64_t chkfail, chkdown, hanafail;
	uint64_t lastchg_s;		/* seconds since the last UP/DOWN change (or start) */
	uint64_t downtime_s;		/* seconds spent down in all */
};
void lbd_health_view(const struct lbd_runtime *rt, const struct lbd_server *srv,
		     struct lbd_health_view *v);
/* The health column of show servers: "up", "down", "up 1/3" (going down: 1 of 3 failures
 * to go), "down 1/2" (going up), "up (check disabled)". */
void lbd_health_state_text(const struct lbd_server *srv, const struct lbd_health_view *v,
			   char *buf, size_t len);
/* The check column of show servers: "L7OK 200 1ms", "L4CON 0ms", "-" (no result yet). */
void lbd_health_check_text(const struct lbd_health_view *v, char *buf, size_t len);

/* "server health <be/srv> enable|disable": resumes or suspends the primary check (a
 * suspended check counts as passing). Writes a reply into msg. Returns 0, or -1 when the
 * server has no check. */
int lbd_health_set_enabled(struct lbd_runtime *rt, struct lbd_server *srv, bool on, char *msg,
			   size_t msglen);

#endif

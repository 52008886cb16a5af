/* lbd/mworker.h: a worker's side of master-worker mode: the channel to the master and the
 * runtime state a reload carries from the old worker to the new one */
#ifndef LBD_MWORKER_H
#define LBD_MWORKER_H

#include <stdbool.h>

#include "runtime_types.h"

struct event_base;

/* The channel protocol (lines on a socketpair, the master's end non-blocking):
 *   worker -> master  "ready"                 serving: the old worker may stop now
 *   master -> worker  "state"                 asks for the runtime state
 *   worker -> master  "state" LINE... "."     the answer (lbd_mworker_dump_state lines)
 *   worker -> master  "reload" | "proc"       a request from the control socket
 *   master -> worker  "reply ok|fail" LINE... "."   the answers, in the order asked
 * The worker's end of the channel, or -1 in a single-process daemon. */
extern int lbd_mworker_fd;

static inline bool
lbd_mworker_active(void)
{
	return lbd_mworker_fd >= 0;
}

/* Tells the master this worker serves, then answers its requests on `base` (the main
 * thread's loop). When the master is gone the worker soft-stops (SIGUSR1 to itself). */
int lbd_mworker_attach(struct event_base *base, struct lbd_runtime *rt);
void lbd_mworker_detach(void);

/* Asks the master ("reload" or "proc"); fn(arg, ok, text) runs on the main thread's loop
 * with the answer's lines, or with ok false when the master is gone. Returns 0, or -1 when
 * not in master-worker mode or the channel failed (fn not called). */
typedef void (*lbd_mworker_reply_fn)(void *arg, bool ok, const char *text);
int lbd_mworker_ask(const char *what, lbd_mworker_reply_fn fn, void *arg);

/* The run-time state a new worker takes over, one line each (malloc'd text):
 *   s <backend> <server> <admin> <cfg-admin> <weight> <cfg-weight> <maxconn> <cfg-maxconn>
 *     a server whose admin state, weight or maxconn were changed at run time (the cfg-
 *     values are those of the config the change was made on);
 *   h <backend> <server> HEALTH
 *     a checked server's health: UP/DOWN, the rise/fall progress, the last results
 *     (lbd/health_carry.c has the words; dropped when the server's address changed);
 *   f <frontend> COUNTERS, b <backend> COUNTERS, c <backend> <server> COUNTERS
 *     the counters as operators see them: the number of 64-bit words of the counter
 *     struct, then "<index>:<value>" for the non-zero ones. */
char *lbd_mworker_dump_state(struct lbd_runtime *rt);

/* Applies dumped state to a new runtime before its threads start. A setting changed at run
 * time wins, unless the new config changed that same setting of that server (its config
 * line says what the operator wants now); counters are added to the new ones (matched by
 * name; skipped when the counter layout differs). Returns the number of servers whose
 * settings changed. */
int lbd_mworker_apply_state(struct lbd_runtime *rt, const char *text);
/* Re-creates the servers added at run time that the state handed to apply_state listed, with
 * their settings and counters, through "add server"'s own path: call once the threads and
 * the control loop run, before telling the master this worker serves. Returns how many. */
int lbd_mworker_apply_dynamic(struct lbd_runtime *rt);

#endif

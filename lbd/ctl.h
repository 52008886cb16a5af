/* lbd/ctl.h: the control socket server (stats socket lines, common/ctl_proto.h frames) */
#ifndef LBD_CTL_H
#define LBD_CTL_H

#include "runtime_types.h"

struct event_base;

/* Binds every "stats socket" of rt->cfg: refuses a path that is not a socket or that a live
 * process still serves, unlinks a stale socket file, binds, applies mode (default 0600),
 * user and group, listens. Call it before privileges are dropped and before chroot (as the
 * listeners are bound), so paths under /run and chown work. Idempotent: sockets already
 * bound are kept. Returns 0, or -1 with *errmsg (malloc'd); on error nothing stays bound. */
int lbd_ctl_bind(struct lbd_runtime *rt, char **errmsg);

/* Serves the control sockets on `base` (the main thread's loop): binds those not bound yet
 * (see lbd_ctl_bind), then accepts clients and answers their frames without ever blocking.
 * A bad frame gets an error reply and the client may go on; a frame over the size limit,
 * a partial frame idle for 10 s, or a client over its output budget is disconnected.
 * Returns 0, or -1 with *errmsg (malloc'd). */
int lbd_ctl_start(struct event_base *base, struct lbd_runtime *rt, char **errmsg);

/* Closes every client and listening socket and removes the socket files this process
 * created (if they are still the same files). Call it before the event base is freed. Safe
 * to call when nothing was started. (The "clear counters" baseline belongs to lbd/stats.c:
 * lbd_stats_release() once the workers are joined.) */
void lbd_ctl_stop(void);

#endif

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

/* Master-worker mode. In the master (no loop serving them): makes the bound control sockets
 * those of rt->cfg, keeping the socket of every path still configured (the workers inherit
 * it; also one retired by a reload not committed), binding new paths, and retiring the
 * others (still open: the serving worker uses them until the reload commits), and re-reads
 * the files for show config. On error (-1, *errmsg) nothing changed. */
int lbd_ctl_reconfigure(struct lbd_runtime *rt, char **errmsg);
/* Closes the retired sockets and removes their files (the reload committed, or was rolled
 * back with lbd_ctl_reconfigure on the previous config). */
void lbd_ctl_retired_close(void);
/* The master's bound control sockets (at most max): their paths and fds; returns how many.
 * A binary upgrade passes them to the new executable, which adopts each one with
 * lbd_ctl_adopt (s must live until lbd_ctl_reconfigure replaces it). */
struct lb_cfg_stats_socket;
unsigned lbd_ctl_bound(const char **paths, int *fds, unsigned max);
void lbd_ctl_adopt(const struct lb_cfg_stats_socket *s, int fd);
/* In a worker: the socket files belong to the master; never remove them (and close the
 * copies of sockets the master retired). */
void lbd_ctl_disown(void);
/* In a worker that soft-stops: accept no more control clients (the new worker does); the
 * connected ones are still answered. */
void lbd_ctl_pause_accept(void);

/* Packs the rows of "show stats" (an array of maps, HAProxy's field names) with pk: the
 * stats page's ;csv and ;json serve the same table. Callable from any thread. */
struct msgpack_packer;
void lbd_ctl_pack_stats(struct lbd_runtime *rt, struct msgpack_packer *pk);

/* Sets a server's admin state (enum lbd_srv_admin) as "lbctl drain/enable/maint" do;
 * returns the previous one. Callable from any thread (the stats page's admin buttons). */
int lbd_ctl_server_set_admin(struct lbd_server *srv, int admin);

#endif

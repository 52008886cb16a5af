/* lbd/dynsrv.h: servers added and removed at run time ("add server", "del server")
 *
 * Both run on the control loop (lbd/ctl_server.c) and change the server arrays while every
 * worker thread is paused between two events (see the safety design in lbd/dynsrv.c).
 */
#ifndef LBD_DYNSRV_H
#define LBD_DYNSRV_H

#include <stddef.h>

#include "runtime_types.h"

/* "add server <be/name> <addr:port> [options]": argv are the option words, parsed with the
 * config's server option table. The server starts in maintenance (HAProxy). Returns 0 with
 * a reply in msg, or -1 with the reason in msg (nothing changed). */
int lbd_dynsrv_add(struct lbd_runtime *rt, const char *ref, const char *addr, int argc,
		   char *const *argv, char *msg, size_t msglen);

/* "del server <be/srv>": only a server in maintenance with no session, no queued stream and
 * no control command waiting on it; its idle connections are closed. Returns 0 or -1, with
 * the reply or the reason in msg. */
int lbd_dynsrv_del(struct lbd_runtime *rt, const char *ref, char *msg, size_t msglen);

/* The servers added at run time and still present, in gid order: fn gets each with the
 * words that re-create it ("<be>/<name> <addr> [options]"), so that a reload can carry them
 * over. Returns how many. */
unsigned lbd_dynsrv_list(const struct lbd_runtime *rt,
			 void (*fn)(void *ctx, const struct lbd_server *srv, const char *line),
			 void *ctx);

#endif

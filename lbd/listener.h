/* lbd/listener.h: listening sockets: bind at start-up, accept on the worker threads */
#ifndef LBD_LISTENER_H
#define LBD_LISTENER_H

#include "runtime_types.h"
#include "thread_types.h"

/* Binds every bind line: one SO_REUSEPORT socket per thread for IP addresses, one socket
 * (dup'ed per thread) for unix paths. Runs before privileges are dropped. Returns 0 or -1
 * with *errmsg naming the address and the reason. */
int lbd_listeners_bind(struct lbd_runtime *rt, char **errmsg);
/* Creates thr's accept events (called before the thread runs). */
int lbd_listeners_thread_start(struct lbd_thread *thr);
/* Stops accepting on thr and closes its sockets, so new connections are refused. */
void lbd_listeners_thread_close(struct lbd_thread *thr);
void lbd_listeners_thread_free(struct lbd_thread *thr);

#endif

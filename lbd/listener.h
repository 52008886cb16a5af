/* lbd/listener.h: listening sockets: bind at start-up, accept on the worker threads */
#ifndef LBD_LISTENER_H
#define LBD_LISTENER_H

#include <stdbool.h>
#include <sys/socket.h>

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

/* The master's listening sockets (master-worker mode), kept across reloads and keyed by a
 * bind line's address and v6only: an unchanged bind line keeps its sockets. */
struct lbd_sockpool_ent {
	struct sockaddr_storage ss;
	socklen_t len;
	bool v6only;
	bool used;		/* wanted by the config being prepared */
	bool fresh;		/* bound by the prepare in progress */
	int *fds;		/* one per thread (SO_REUSEPORT), one for a unix path */
	int nfds;
};
struct lbd_sockpool {
	struct lbd_sockpool_ent *ents;
	unsigned n, cap;
};
/* Makes sure every bind line of cfg has its sockets (nbthread of them, one for unix paths):
 * reuses the pool's, binds the missing ones. On error nothing new stays bound (-1,
 * *errmsg). */
int lbd_sockpool_prepare(struct lbd_sockpool *p, const struct lb_cfg *cfg, int nbthread,
			 char **errmsg);
/* The prepared config serves: close the sockets it does not use. */
void lbd_sockpool_commit(struct lbd_sockpool *p, int nbthread);
/* The prepared config was abandoned: close what it bound. */
void lbd_sockpool_rollback(struct lbd_sockpool *p);
int lbd_sockpool_count(const struct lbd_sockpool *p);
void lbd_sockpool_free(struct lbd_sockpool *p);
/* In a freshly forked worker: takes the pool's sockets for rt's listeners (instead of
 * lbd_listeners_bind), closes the copies it does not need and frees the pool. */
int lbd_listeners_adopt(struct lbd_runtime *rt, struct lbd_sockpool *p, char **errmsg);

#endif

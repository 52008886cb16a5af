/* lbd/backend.h: server selection, the backend queue, server connections and their reuse */
#ifndef LBD_BACKEND_H
#define LBD_BACKEND_H

#include "algo_types.h"
#include "stream_types.h"

enum lbd_assign {
	LBD_ASSIGN_OK = 0,	/* s->srv set, a slot counted in srv->lb.cur_sess */
	LBD_ASSIGN_QUEUED,	/* ops->granted() will be called, or the queue timeout fires */
	LBD_ASSIGN_NOSRV,	/* no usable server: answer 503 */
	LBD_ASSIGN_QFULL,	/* queue refused: answer 503 */
};

/* Picks a server for s (s->be set). `avoid` is skipped if another server is available. */
enum lbd_assign lbd_backend_assign(struct lbd_stream *s, const struct lb_algo_req *req,
				   const struct lbd_server *avoid);
/* Persistence ("stick on"): gives s a slot on srv if srv takes traffic (not in maintenance,
 * not down; a drained server still serves the keys it has, as in HAProxy) and has room.
 * False: the caller balances as usual. */
bool lbd_backend_take_server(struct lbd_stream *s, struct lbd_server *srv);
/* Gives back s's server slot (if any) and hands it to the first queued stream. */
void lbd_backend_release_slot(struct lbd_stream *s);
/* Removes s from its backend queue (timeout, client abort). */
void lbd_backend_dequeue(struct lbd_stream *s);

/* Gets a connection to s->srv: a reusable idle one when `allow_reuse`, else a new
 * non-blocking connect. Returns 0 with s->sc set (LBD_SC_F_CONNECTING while the connect is in
 * progress: srv_connected or srv_connect_failed follows), or -1 with errno. */
int lbd_backend_connect(struct lbd_stream *s, bool allow_reuse);
/* After an exchange: keeps s->sc for reuse (idle pool, or private to the client connection
 * for http-reuse never) or closes it. s->sc is NULL afterwards. */
void lbd_backend_park_sconn(struct lbd_stream *s, bool reusable);
/* The stream is done with its backend: parks or closes its server connection, gives back its
 * server slot and leaves the queue (each a no-op when it has none). */
void lbd_backend_detach(struct lbd_stream *s, bool reusable);
/* Handles a connect failure: retries (same server, or another one on the last retry with
 * option redispatch). Returns 0 when a new attempt is under way (or queued), -1 when no
 * attempt is left (the caller answers 503). */
int lbd_backend_retry(struct lbd_stream *s, const struct lb_algo_req *req);

/* "del server" (lbd/dynsrv.c), on thread thr: closes `idle` (the server's idle list, already
 * taken out of thr->idle) and the connections to srv kept private to thr's clients. */
struct lbd_thread;
void lbd_backend_forget_server(struct lbd_thread *thr, const struct lbd_server *srv,
			       struct lbd_sconn *idle);

/* On a new connection to a server with send-proxy[-v2]: puts the PROXY header in front of
 * s->obuf, so it leaves in the same write as the first bytes. Returns 0 or -1. */
int lbd_backend_proxy_hdr(struct lbd_stream *s);

/* Gives free capacity to queued streams (after maxconn, weight or state changes). */
void lbd_backend_redistribute(struct lbd_backend *be);

/* Server state changes (control plane, health checks): recompute eweight and update the
 * pool, then let waiters in where capacity appeared. */
void lbd_server_update_weight(struct lbd_server *srv);

#endif

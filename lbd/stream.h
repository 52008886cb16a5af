/* lbd/stream.h: life cycle of client connections, streams and server connections */
#ifndef LBD_STREAM_H
#define LBD_STREAM_H

#include "stream_types.h"
#include "thread_types.h"
#include "runtime_types.h"

/* Accepted socket -> client connection, read event armed. Takes ownership of fd (closed on
 * failure). */
void lbd_cconn_accept(struct lbd_thread *thr, struct lbd_listener *li, int fd,
		      const struct sockaddr *sa, socklen_t salen);
/* Closes the connection and everything attached (its stream, private server conn). */
void lbd_cconn_close(struct lbd_cconn *cc);
/* Closes after a reply the client may not have finished sending to (an error, a request
 * body left unread): shuts our side down, then reads and discards what the client still
 * sends, bounded in time and bytes, before closing. A plain close() with unread bytes
 * makes the kernel send a reset, which can destroy the reply before the client reads it
 * (RFC 9112 9.6). The stream, if any, is freed at once. */
void lbd_cconn_linger_close(struct lbd_cconn *cc);
/* Arms the read event with the given timeout in ms (<= 0: none). */
void lbd_cconn_want_read(struct lbd_cconn *cc, long long timeout_ms);
void lbd_cconn_stop_read(struct lbd_cconn *cc);
/* Removes the read event's timeout, leaving the event as it is (registered or not). */
void lbd_cconn_drop_timeout(struct lbd_cconn *cc);
/* The local address the client connected to (after PROXY protocol), looked up on first use;
 * NULL for unix sockets. */
const struct sockaddr *lbd_cconn_dst(struct lbd_cconn *cc);

struct lbd_stream *lbd_stream_new(struct lbd_cconn *cc);
/* Releases the stream and its buffers; does not touch cc except cc->strm. */
void lbd_stream_free(struct lbd_stream *s);
/* Records the termination state (HAProxy's first two characters: who ended the stream and
 * in which phase); the first cause recorded wins. */
void lbd_stream_set_term(struct lbd_stream *s, char who, char what);
/* The stream ends before its exchange is over (an error, a timeout, lbctl shutdown session):
 * records who/what (who '-': nothing), counts client or server aborts, logs it, leaves the
 * backend without reusing the server connection, and closes the client connection, which
 * frees s. */
void lbd_stream_abort(struct lbd_stream *s, char who, char what);
/* Sets the stream timer to fire at now + ms (ms <= 0: disarm). */
void lbd_stream_set_timeout(struct lbd_stream *s, long long ms);
/* Arms/disarms the client write event. */
void lbd_stream_want_cli_write(struct lbd_stream *s, bool on);

/* Server connections. */
struct lbd_sconn *lbd_sconn_new(struct lbd_thread *thr, struct lbd_server *srv, int fd);
void lbd_sconn_close(struct lbd_sconn *sc);
void lbd_sconn_want_read(struct lbd_sconn *sc, bool on);
void lbd_sconn_want_write(struct lbd_sconn *sc, bool on);

/* Effective timeouts of a stream's proxies (ms, <= 0 = none). */
long long lbd_timeout(const struct lbd_stream *s, enum lb_timeout_id id);
long long lbd_fe_timeout(const struct lbd_frontend *fe, enum lb_timeout_id id);

#endif

/* lbd/h2_srv.h: HTTP/2 towards servers, a codec on a server connection
 *
 * The h1 pipeline (lbd/proxy_http1.c) does not know the server speaks h2: its server
 * connection carries a codec (sc->h2) that the transfer functions (lbd/xfer.c) call instead
 * of sendmsg()/recv(). Towards the server, the codec takes the normalized HTTP/1.1 request
 * bytes the stream writes (head, body framed by Content-Length or chunked, trailers) and
 * turns them into HEADERS, DATA and trailing HEADERS; from the server, it turns the frames
 * of the response back into HTTP/1.1 bytes, which the pipeline parses as usual.
 * One request at a time: a connection goes back to the thread's idle pool after a complete
 * exchange and carries the next one on a new stream. Bounds: the request body waits in one
 * buffer of tune.bufsize; the response body the server may send ahead is the stream window
 * (tune.h2.initial-window-size), opened again only for bytes handed to the pipeline.
 */
#ifndef LBD_H2_SRV_H
#define LBD_H2_SRV_H

#include <stdbool.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "stream_types.h"

struct lbd_h2_srv;

/* True when the connection, just established, must speak h2: "proto h2", or TLS with the
 * protocol h2 chosen by ALPN. */
bool lbd_h2_srv_wanted(const struct lbd_sconn *sc);
/* Gives a new connection its codec (sc->h2); the connection preface leaves with the first
 * request. Returns 0, or -1 when out of memory. */
int lbd_h2_srv_attach(struct lbd_sconn *sc);
/* Sends GOAWAY if the socket takes it now (never blocks), then frees the codec (not the
 * socket). */
void lbd_h2_srv_free(struct lbd_h2_srv *h);

/* Takes request bytes (HTTP/1.1 form, as the stream sends them) from iov and writes the
 * frames they make. Returns the bytes taken; 0 when none can be taken now (the socket is
 * full: the write event is armed; or the server's flow-control window is closed: its
 * WINDOW_UPDATE comes through lbd_h2_srv_recv); -1 with errno on a fatal error. */
ssize_t lbd_h2_srv_sendv(struct lbd_sconn *sc, const struct iovec *iov, int n_iov);
/* Writes the frames waiting for the socket (arming or disarming the write event).
 * Returns 0, or -1 on a fatal error. */
int lbd_h2_srv_flush(struct lbd_sconn *sc);
/* recv() of the response in HTTP/1.1 form: >0 bytes written to dst, 0 the connection
 * ended, -1 with errno (EAGAIN: nothing now; ECONNRESET: the server reset the stream or
 * went away before the end of the response; EPROTO: a protocol error). */
ssize_t lbd_h2_srv_recv(struct lbd_sconn *sc, char *dst, size_t room);
/* Response bytes decoded and not handed out yet (the socket will not signal them). */
bool lbd_h2_srv_pending(const struct lbd_h2_srv *h);
/* A parked connection is readable: control frames (SETTINGS, PING, WINDOW_UPDATE, the end
 * of the last stream) are handled. Returns 0 when it stays, -1 when it must be closed
 * (GOAWAY, end of connection, error, unexpected data). */
int lbd_h2_srv_idle_read(struct lbd_sconn *sc);
/* True when the connection may carry another request (no GOAWAY, nothing of the last
 * exchange left to write, stream ids left). */
bool lbd_h2_srv_reusable(const struct lbd_h2_srv *h);
/* The exchange is over and the connection goes to an idle pool: true when it may (as
 * lbd_h2_srv_reusable), and then its buffers are released (an idle connection holds the
 * session's state only). */
bool lbd_h2_srv_park(struct lbd_h2_srv *h);

#endif

/* lbd/h2_front.h: HTTP/2 towards clients (nghttp2 server sessions)
 *
 * A client connection that speaks h2 (ALPN "h2", "bind ... proto h2", or the h2 preface on a
 * clear-text bind) is driven by this module instead of the h1 reader: it owns the nghttp2
 * session, the socket's reads and writes, and the connection-level defences. Each h2 stream
 * becomes a *virtual* client connection (LBD_CC_F_H2S, no socket) carrying one exchange
 * through the ordinary h1 pipeline (lbd/proxy_http1.c): the request arrives in its rbuf as
 * a normalized HTTP/1.1 message (lbd/h2_conv.h), and the bytes the pipeline sends to "the
 * client" come back here (lbd_h2_stream_send) to be turned into HEADERS/DATA/trailers. So
 * rules, routing, logs, retries and statistics are the same for h1 and h2, and one log line
 * is written per stream.
 *
 * Flow control is the back-pressure of both directions: request DATA is acknowledged (the
 * window re-opened) only once the pipeline has room for it, and the pipeline's response
 * bytes are taken only while the stream's output buffer has room, so a slow reader on
 * either side never makes lbd buffer without bound.
 */
#ifndef LBD_H2_FRONT_H
#define LBD_H2_FRONT_H

#include <stdbool.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "stream_types.h"
#include "runtime_types.h"

struct lbd_runtime;
struct lb_cfg_global;

/* struct lbd_h2_settings (runtime_types.h) from the global section. */
void lbd_h2_settings_init(struct lbd_h2_settings *set, const struct lb_cfg_global *g,
			  unsigned bufsize);

/* The 24 bytes every h2 connection starts with. */
#define LBD_H2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define LBD_H2_PREFACE_LEN 24

/* Should this new client connection (after the TLS handshake) speak h2? */
bool lbd_h2_wanted(struct lbd_cconn *cc);
/* Takes the connection over (bytes already read stay in cc->rbuf and are the preface). */
void lbd_h2_start(struct lbd_cconn *cc);
/* The connection's events (LBD_CC_F_H2). */
void lbd_h2_cli_event(struct lbd_cconn *cc, short what);
/* Graceful stop (reload, shutdown): GOAWAY, finish the open streams, then close. */
void lbd_h2_soft_stop(struct lbd_cconn *cc);
/* Frees the h2 state of a connection being closed (lbd_cconn_close). */
void lbd_h2_conn_free(struct lbd_cconn *cc);

/* ---- the pipeline's side of a stream (virtual connection vcc, LBD_CC_F_H2S) ---- */

/* Response bytes (HTTP/1.1 form) from the pipeline, like sendmsg(): the count taken, or -1
 * with errno EAGAIN when nothing can be taken now (the pipeline's cli_write is called when
 * there is room again) or another errno when the stream is gone. */
ssize_t lbd_h2_stream_send(struct lbd_cconn *vcc, const struct iovec *iov, int n_iov);
/* Moves request bytes waiting in the stream into vcc->rbuf as room allows: 1 some moved,
 * 0 none. */
int lbd_h2_stream_recv(struct lbd_cconn *vcc);
/* The pipeline wants to be told when request bytes arrive (on) or not (off). */
void lbd_h2_stream_want_read(struct lbd_cconn *vcc, bool on);
/* The pipeline is done with the virtual connection (lbd_cconn_close): the stream ends
 * normally if its response is complete, else it is reset. vcc is freed by the caller. */
void lbd_h2_stream_detach(struct lbd_cconn *vcc);

#endif

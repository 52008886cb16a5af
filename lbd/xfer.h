/* lbd/xfer.h: moving bytes between a stream's buffers and its sockets */
#ifndef LBD_XFER_H
#define LBD_XFER_H

#include "stream_types.h"

/* Sends s->cbuf then s->sbuf[0..res_fwd) to the client, arming the client write event when
 * the socket is full. Returns 0, or -1 on a fatal socket error. */
int lbd_xfer_to_client(struct lbd_stream *s);
/* Sends s->obuf then cc->rbuf[0..req_fwd) to the server, likewise. */
int lbd_xfer_to_server(struct lbd_stream *s);
/* Replay of a request sent on a reused server connection that died before answering (an
 * idle connection the server closed at the moment it was reused): while
 * LBD_STRM_F_REPLAY_HOLD is set, lbd_xfer_to_server keeps the bytes it sent at the front of
 * obuf and rbuf (obuf_held, req_held) instead of consuming them. drop_held consumes them (a
 * reply started, or the exchange ends); rewind_held makes them to-send again. */
void lbd_xfer_drop_held(struct lbd_stream *s);
void lbd_xfer_rewind_held(struct lbd_stream *s);
/* Reads from the client into cc->rbuf: 1 bytes came, 0 nothing now (or EOF: LBD_CC_F_EOF
 * set), -1 error (EOF flag set too). */
int lbd_xfer_from_client(struct lbd_stream *s);
/* Reads from the server into s->sbuf, same contract (LBD_SC_F_EOF). */
int lbd_xfer_from_server(struct lbd_stream *s);
/* Tunnels: propagates a FIN to the other side once everything before it was sent. */
void lbd_xfer_tunnel_shut(struct lbd_stream *s);

enum {
	LBD_TUN_OK = 0,		/* keep going */
	LBD_TUN_DONE,		/* both directions closed and flushed */
	LBD_TUN_CLI_ERR,	/* writing to the client failed */
	LBD_TUN_SRV_ERR,	/* writing to the server failed */
};

/* One step of a raw tunnel (tcp mode, Upgrade, CONNECT): forward what both buffers hold,
 * propagate half-closes, and choose which sides to read. */
int lbd_xfer_tunnel_step(struct lbd_stream *s);

/* Checks a tunnel's inactivity timeouts: returns 'c' or 's' for the side that expired, else
 * 0 with *next_ms the delay until the next check (0: no timeout applies). */
char lbd_xfer_tunnel_expired(const struct lbd_stream *s, long long *next_ms);

#define LBD_XFER_NO_SPLICE (-1)	/* no pipe could be had: keep using the buffers */
#define LBD_XFER_SPLICE_MIN (64 * 1024)	/* bodies at least this long are spliced */

/* Splices up to *left response body bytes server -> pipe -> client, decrementing *left by
 * what was read from the server (the pipe may still hold some: s->pipe_sc_len). Returns
 * LBD_TUN_OK, LBD_TUN_CLI_ERR, LBD_TUN_SRV_ERR or LBD_XFER_NO_SPLICE. */
int lbd_xfer_splice_body(struct lbd_stream *s, uint64_t *left);

/* A spliced direction: the mode must not recv() into its buffer but run a tunnel step. */
bool lbd_xfer_splicing_cs(const struct lbd_stream *s);
bool lbd_xfer_splicing_sc(const struct lbd_stream *s);

#endif

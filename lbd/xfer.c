/* lbd/xfer.c: moving bytes between a stream's buffers and its sockets
 *
 * The four directions of a stream, shared by the http and tcp modes:
 *   client -> cc->rbuf      (lbd_xfer_from_client)
 *   obuf + rbuf[0..req_fwd) -> server   (lbd_xfer_to_server)
 *   server -> s->sbuf       (lbd_xfer_from_server)
 *   cbuf + sbuf[0..res_fwd) -> client   (lbd_xfer_to_client)
 * Sends gather two buffers in one writev(), so a rewritten head and the body bytes behind it
 * leave in one system call. Receives never read more than the buffer holds, which is the
 * back-pressure: a full buffer stops reading its source until the other side drains it.
 * A TLS connection (cc->tls, sc->tls) reads and writes through its session instead
 * (lbd/tls.h): one test per system call, and no splice for it.
 */
#include "xfer.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "h2_front.h"
#include "h2_srv.h"
#include "stream.h"
#include "tls.h"
#include "thread_types.h"
#include "runtime_types.h"
#include "util.h"

static inline uint32_t
buf_size(const struct lbd_stream *s)
{
	return s->thr->bufs.size;
}

/* True when a send is part of a bulk body transfer that will certainly continue: at least
 * half a buffer goes out and the body framing says more bytes follow. Only then is MSG_MORE
 * worth its risk (a piece held back if the peer stalls). */
static bool
bulk_send(const struct lbd_stream *s, const struct lbd_body *b, const struct iovec *iov,
	  int n_iov)
{
	size_t total = 0;

	if (b->done || (b->kind != LB_BODY_CHUNKED && b->kind != LB_BODY_LENGTH))
		return false;
	if (b->kind == LB_BODY_LENGTH && b->left == 0)
		return false;
	for (int i = 0; i < n_iov; i++)
		total += iov[i].iov_len;
	return total >= buf_size(s) / 2;
}

/* Sends cbuf then sbuf[0..res_fwd) to the client. Returns -1 on a fatal error. */
int
lbd_xfer_to_client(struct lbd_stream *s)
{
	struct lbd_cconn *cc = s->cc;
	struct iovec iov[2];
	int n_iov = 0;
	ssize_t n;

	for (;;) {
		n_iov = 0;
		if (s->cbuf.len) {
			iov[n_iov].iov_base = s->cbuf.data + s->cbuf.head;
			iov[n_iov++].iov_len = s->cbuf.len;
		}
		if (s->res_fwd) {
			iov[n_iov].iov_base = s->sbuf.data + s->sbuf.head;
			iov[n_iov++].iov_len = (size_t)s->res_fwd;
		}
		if (!n_iov) {
			if (!s->pipe_sc_len)
				lbd_stream_want_cli_write(s, false);
			return 0;
		}
		/* MSG_MORE during a bulk body transfer that is known to continue: the kernel then
		 * builds full segments instead of pushing each buffer alone (TCP_NODELAY is set).
		 * Heads and small pieces always go out at once (bulk_send()). */
		if (cc->flags & LBD_CC_F_H2S)
			n = lbd_h2_stream_send(cc, iov, n_iov);
		else
			n = lbd_conn_sendv(cc->tls, cc->fd, iov, n_iov,
					   bulk_send(s, &s->res_body, iov, n_iov));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				lbd_stream_want_cli_write(s, true);
				return 0;
			}
			return -1;
		}
		s->cli_activity_ms = s->thr->now_ms;
		s->bytes_out += (uint64_t)n;
		size_t left = (size_t)n;
		if (s->cbuf.len) {
			size_t k = LB_MIN(left, s->cbuf.len);
			lbd_buf_consume(&s->cbuf, (uint32_t)k);
			left -= k;
		}
		if (left) {
			lbd_buf_consume(&s->sbuf, (uint32_t)left);
			s->res_fwd -= left;
		}
	}
}

/* Sends obuf then rbuf[0..req_fwd) to the server. Returns -1 on a fatal error. */
int
lbd_xfer_to_server(struct lbd_stream *s)
{
	struct lbd_cconn *cc = s->cc;
	struct lbd_sconn *sc = s->sc;
	bool hold = s->flags & LBD_STRM_F_REPLAY_HOLD;
	struct iovec iov[2];
	int n_iov;
	ssize_t n;

	for (;;) {
		uint32_t olen = s->obuf.len - s->obuf_held;

		n_iov = 0;
		if (olen) {
			iov[n_iov].iov_base = s->obuf.data + s->obuf.head + s->obuf_held;
			iov[n_iov++].iov_len = olen;
		}
		if (s->req_fwd) {
			iov[n_iov].iov_base = cc->rbuf.data + cc->rbuf.head + s->req_held;
			iov[n_iov++].iov_len = (size_t)s->req_fwd;
		}
		if (!n_iov) {
			if (sc->h2)	/* its frames may still wait for the socket */
				return lbd_h2_srv_flush(sc);
			lbd_sconn_want_write(sc, false);
			return 0;
		}
		if (sc->h2) {
			/* HTTP/2: the codec takes the h1 bytes; 0 when it cannot now, and it
			 * arms what it waits for (the socket, or the server's window) */
			n = lbd_h2_srv_sendv(sc, iov, n_iov);
			if (n == 0)
				return 0;
		} else {
			n = lbd_conn_sendv(sc->tls, sc->fd, iov, n_iov,
					   bulk_send(s, &s->req_body, iov, n_iov));
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				lbd_sconn_want_write(sc, true);
				return 0;
			}
			return -1;
		}
		s->flags |= LBD_STRM_F_REQ_SENT;
		s->srv_activity_ms = s->thr->now_ms;
		size_t left = (size_t)n;
		if (olen) {
			size_t k = LB_MIN(left, olen);
			if (hold)
				s->obuf_held += (uint32_t)k;
			else
				lbd_buf_consume(&s->obuf, (uint32_t)k);
			left -= k;
		}
		if (left) {
			if (hold)
				s->req_held += (uint32_t)left;
			else
				lbd_buf_consume(&cc->rbuf, (uint32_t)left);
			s->req_fwd -= left;
		}
	}
}

/* A reply has started (or the exchange ends): the request kept for a replay goes. */
void
lbd_xfer_drop_held(struct lbd_stream *s)
{
	if (!(s->flags & LBD_STRM_F_REPLAY_HOLD))
		return;
	s->flags &= ~(uint32_t)LBD_STRM_F_REPLAY_HOLD;
	if (s->obuf_held)
		lbd_buf_consume(&s->obuf, s->obuf_held);
	if (s->req_held)
		lbd_buf_consume(&s->cc->rbuf, s->req_held);
	s->obuf_held = s->req_held = 0;
}

/* Puts the held request back in front of what is still to send, for a resend. */
void
lbd_xfer_rewind_held(struct lbd_stream *s)
{
	s->flags &= ~(uint32_t)LBD_STRM_F_REPLAY_HOLD;
	s->req_fwd += s->req_held;
	s->obuf_held = s->req_held = 0;
}

/* Reads what the client sent while a stream is active. */
int
lbd_xfer_from_client(struct lbd_stream *s)
{
	struct lbd_cconn *cc = s->cc;
	uint32_t room;
	ssize_t n;

	if (cc->flags & LBD_CC_F_EOF)
		return 0;
	if (cc->flags & LBD_CC_F_H2S) {
		/* an h2 stream: the codec has put (or now puts) the bytes in rbuf */
		int r = lbd_h2_stream_recv(cc);
		if (r > 0)
			s->cli_activity_ms = s->thr->now_ms;
		return r;
	}
	if (!lbd_buf_alloc(&s->thr->bufs, &cc->rbuf))
		return -1;
	/* compaction is safe: req_fwd counts from head */
	room = lbd_buf_room(&cc->rbuf, buf_size(s));
	if (!room)
		return 0;
	n = lbd_conn_recv(cc->tls, cc->fd, lbd_buf_tail(&cc->rbuf), room);
	if (n > 0) {
		if ((uint32_t)n == room && (s->flags & LBD_STRM_F_TCP))
			s->flags |= LBD_STRM_F_BULK_CS;
		cc->rbuf.len += (uint32_t)n;
		s->bytes_in += (uint64_t)n;
		s->cli_activity_ms = s->thr->now_ms;
		return 1;
	}
	if (n == 0) {
		cc->flags |= LBD_CC_F_EOF;
		return 0;
	}
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	cc->flags |= LBD_CC_F_EOF;
	return -1;
}

int
lbd_xfer_from_server(struct lbd_stream *s)
{
	struct lbd_sconn *sc = s->sc;
	uint32_t room;
	ssize_t n;

	if (!sc || (sc->flags & LBD_SC_F_EOF))
		return 0;
	if (!lbd_buf_alloc(&s->thr->bufs, &s->sbuf))
		return -1;
	room = lbd_buf_room(&s->sbuf, buf_size(s));
	if (!room)
		return 0;
	if (sc->h2)	/* HTTP/2: the response as h1 bytes */
		n = lbd_h2_srv_recv(sc, lbd_buf_tail(&s->sbuf), room);
	else
		n = lbd_conn_recv(sc->tls, sc->fd, lbd_buf_tail(&s->sbuf), room);
	if (n > 0) {
		if ((uint32_t)n == room && (s->flags & LBD_STRM_F_TCP))
			s->flags |= LBD_STRM_F_BULK_SC;
		s->sbuf.len += (uint32_t)n;
		s->srv_activity_ms = s->thr->now_ms;
		s->flags |= LBD_STRM_F_RES_STARTED;
		s->srv->ctr[s->thr->id].bytes_out += (uint64_t)n;
		return 1;
	}
	if (n == 0) {
		sc->flags |= LBD_SC_F_EOF;
		return 0;
	}
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	sc->flags |= LBD_SC_F_EOF;
	return -1;
}

void
lbd_xfer_tunnel_shut(struct lbd_stream *s)
{
	struct lbd_cconn *cc = s->cc;
	struct lbd_sconn *sc = s->sc;
	bool rearm = false;

	if ((cc->flags & LBD_CC_F_EOF) && !s->req_fwd && !s->obuf.len && !s->pipe_cs_len &&
	    !(s->flags & LBD_STRM_F_SRV_SHUTW)) {
		if (sc->tls)
			lbd_tls_bye(sc->tls);	/* close_notify before the FIN */
		shutdown(sc->fd, SHUT_WR);
		s->flags |= LBD_STRM_F_SRV_SHUTW;
		rearm = true;
	}
	if ((sc->flags & LBD_SC_F_EOF) && !s->res_fwd && !s->cbuf.len && !s->pipe_sc_len &&
	    !(s->flags & LBD_STRM_F_CLI_SHUTW)) {
		if (cc->tls)
			lbd_tls_bye(cc->tls);
		shutdown(cc->fd, SHUT_WR);
		s->flags |= LBD_STRM_F_CLI_SHUTW;
		rearm = true;
	}
	if (rearm) {
		/* a half-closed side may now have a shorter (*-fin) timeout */
		long long next = 0;
		if (lbd_xfer_tunnel_expired(s, &next))
			next = 1;
		lbd_stream_set_timeout(s, next);
	}
}

/* ---- splice: bulk tunnels move bytes socket -> pipe -> socket inside the kernel ---- */

#define PIPE_BYTES (64 * 1024)

static bool
pipe_open(int p[2])
{
	if (p[0] >= 0)
		return true;
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) {
		p[0] = p[1] = -1;
		return false;	/* out of fds: the buffers keep working */
	}
	return true;
}

/* Moves bytes from -> pipe -> to until nothing moves. Returns 0, -1 when reading `from`
 * failed, -2 when writing `to` failed. Sets *eof when `from` closed, *blocked when `to` is
 * full, and adds the bytes read to *in and written to *out. */
static int
splice_dir(int from, int to, int p[2], uint32_t *plen, uint64_t max_in, bool *eof, bool *blocked,
	   uint64_t *in, uint64_t *out)
{
	uint64_t got = 0;

	*blocked = false;
	for (;;) {
		bool moved = false;
		ssize_t n;

		if (*plen) {
			n = splice(p[0], NULL, to, NULL, *plen, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				*plen -= (uint32_t)n;
				*out += (uint64_t)n;
				moved = true;
			} else if (n < 0 && errno == EAGAIN) {
				*blocked = true;
			} else if (n < 0 && errno != EINTR) {
				return -2;
			}
		}
		if (!*eof && *plen < PIPE_BYTES && got < max_in) {
			n = splice(from, NULL, p[1], NULL,
				   (size_t)LB_MIN((uint64_t)(PIPE_BYTES - *plen), max_in - got),
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				*plen += (uint32_t)n;
				*in += (uint64_t)n;
				got += (uint64_t)n;
				moved = true;
			} else if (n == 0) {
				*eof = true;
			} else if (errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		if (!moved)
			return 0;
	}
}

/* Runs the spliced directions; returns LBD_TUN_OK or an error code. */
static int
splice_step(struct lbd_stream *s)
{
	struct lbd_cconn *cc = s->cc;
	struct lbd_sconn *sc = s->sc;
	bool eof, blocked;
	uint64_t dummy = 0;
	int r;

	if (s->flags & LBD_STRM_F_NO_SPLICE)
		return LBD_TUN_OK;	/* TLS on a side, or no pipe to be had */

	if ((s->flags & LBD_STRM_F_BULK_CS) && !cc->rbuf.len && !s->obuf.len &&
	    (!(cc->flags & LBD_CC_F_EOF) || s->pipe_cs_len) && pipe_open(s->pipe_cs)) {
		eof = (cc->flags & LBD_CC_F_EOF) != 0;
		r = splice_dir(cc->fd, sc->fd, s->pipe_cs, &s->pipe_cs_len, UINT64_MAX, &eof,
			       &blocked, &s->bytes_in, &dummy);
		if (r == -1)
			return LBD_TUN_CLI_ERR;
		if (r == -2)
			return LBD_TUN_SRV_ERR;
		if (eof)
			cc->flags |= LBD_CC_F_EOF;
		lbd_sconn_want_write(sc, blocked);
		s->cli_activity_ms = s->srv_activity_ms = s->thr->now_ms;
	}
	if ((s->flags & LBD_STRM_F_BULK_SC) && !s->sbuf.len && !s->cbuf.len &&
	    (!(sc->flags & LBD_SC_F_EOF) || s->pipe_sc_len) && pipe_open(s->pipe_sc)) {
		eof = (sc->flags & LBD_SC_F_EOF) != 0;
		r = splice_dir(sc->fd, cc->fd, s->pipe_sc, &s->pipe_sc_len, UINT64_MAX, &eof,
			       &blocked, &dummy, &s->bytes_out);
		if (r == -1)
			return LBD_TUN_SRV_ERR;
		if (r == -2)
			return LBD_TUN_CLI_ERR;
		if (eof)
			sc->flags |= LBD_SC_F_EOF;
		lbd_stream_want_cli_write(s, blocked);
		s->cli_activity_ms = s->srv_activity_ms = s->thr->now_ms;
	}
	return LBD_TUN_OK;
}

int
lbd_xfer_splice_body(struct lbd_stream *s, uint64_t *left)
{
	struct lbd_cconn *cc = s->cc;
	struct lbd_sconn *sc = s->sc;
	bool eof = false, blocked = false;
	uint64_t in = 0;
	int r;

	if (!pipe_open(s->pipe_sc))
		return LBD_XFER_NO_SPLICE;
	r = splice_dir(sc->fd, cc->fd, s->pipe_sc, &s->pipe_sc_len, *left, &eof, &blocked, &in,
		       &s->bytes_out);
	*left -= in;
	if (in)
		s->srv_activity_ms = s->thr->now_ms;
	if (eof)
		sc->flags |= LBD_SC_F_EOF;
	if (r == -1)
		return LBD_TUN_SRV_ERR;
	if (r == -2)
		return LBD_TUN_CLI_ERR;
	lbd_stream_want_cli_write(s, blocked);
	if (!blocked)
		s->cli_activity_ms = s->thr->now_ms;
	return LBD_TUN_OK;
}

/* True when a direction is spliced: its buffer must not be read into any more. */
bool
lbd_xfer_splicing_cs(const struct lbd_stream *s)
{
	return s->pipe_cs[0] >= 0 && !s->cc->rbuf.len;
}

bool
lbd_xfer_splicing_sc(const struct lbd_stream *s)
{
	return s->pipe_sc[0] >= 0 && !s->sbuf.len;
}

int
lbd_xfer_tunnel_step(struct lbd_stream *s)
{
	struct lbd_cconn *cc = s->cc;

	s->req_fwd = cc->rbuf.len;
	s->res_fwd = s->sbuf.len;
	if (lbd_xfer_to_server(s) < 0)
		return LBD_TUN_SRV_ERR;
	if (lbd_xfer_to_client(s) < 0)
		return LBD_TUN_CLI_ERR;
	int r = splice_step(s);
	if (r != LBD_TUN_OK)
		return r;
	lbd_xfer_tunnel_shut(s);
	if ((s->flags & LBD_STRM_F_SRV_SHUTW) && (s->flags & LBD_STRM_F_CLI_SHUTW))
		return LBD_TUN_DONE;
	/* read a side only while its buffer (or pipe) has room and it has not closed */
	/* a pipe holding data is drained first: its slots may be used up by small segments,
	 * and the destination's write event drives the next step */
	if ((cc->flags & LBD_CC_F_EOF) || cc->rbuf.len >= buf_size(s) || s->pipe_cs_len)
		lbd_cconn_stop_read(cc);
	else
		lbd_cconn_want_read(cc, 0);
	lbd_sconn_want_read(s->sc, !(s->sc->flags & LBD_SC_F_EOF) && s->sbuf.len < buf_size(s) &&
					   !s->pipe_sc_len);
	lbd_buf_release_if_empty(&s->thr->bufs, &cc->rbuf);
	lbd_buf_release_if_empty(&s->thr->bufs, &s->sbuf);
	return LBD_TUN_OK;
}

/* The inactivity limit of one side of a tunnel: its *-fin timeout once our write side
 * towards it is shut (it is half-closed), else timeout tunnel, else its own timeout. */
static long long
side_timeout(const struct lbd_stream *s, bool client)
{
	long long fin = lbd_timeout(s, client ? LB_TO_CLIENT_FIN : LB_TO_SERVER_FIN);
	long long t;

	if (fin > 0 && (s->flags & (client ? LBD_STRM_F_CLI_SHUTW : LBD_STRM_F_SRV_SHUTW)))
		return fin;
	t = lbd_timeout(s, LB_TO_TUNNEL);
	return t > 0 ? t : lbd_timeout(s, client ? LB_TO_CLIENT : LB_TO_SERVER);
}

char
lbd_xfer_tunnel_expired(const struct lbd_stream *s, long long *next_ms)
{
	uint64_t now = s->thr->now_ms, next = UINT64_MAX;
	long long tc = side_timeout(s, true), ts = side_timeout(s, false);

	if (tc > 0) {
		uint64_t exp = s->cli_activity_ms + (uint64_t)tc;
		if (exp <= now)
			return 'c';
		next = exp;
	}
	if (ts > 0) {
		uint64_t exp = s->srv_activity_ms + (uint64_t)ts;
		if (exp <= now)
			return 's';
		next = LB_MIN(next, exp);
	}
	*next_ms = next == UINT64_MAX ? 0 : (long long)(next - now);
	return 0;
}

/* lbd/proxy_tcp.c: mode tcp: one stream per connection, bytes forwarded both ways
 *
 * A connection gets its server at once (the client may send first or wait for the server to
 * speak), bytes read from the client meanwhile wait in cc->rbuf. Once connected the stream
 * is a tunnel (xfer.c): each direction flows until its FIN, which is passed on after the
 * last byte (half-close), and the stream ends when both directions are closed. Inactivity is
 * bounded by timeout tunnel (or the smaller of client and server), and by client-fin /
 * server-fin once a side has closed.
 *
 * TCP content inspection (tcp-request content rules) comes first, in state LBD_ST_REQ_HEAD:
 * the rules run on the client's bytes as they arrive (cc->rbuf, nothing is forwarded yet);
 * a rule whose condition cannot be decided yet (req.ssl_sni of half a ClientHello, req.len
 * still growing, WAIT_END) makes the stream wait, until more bytes, the client's FIN, a full
 * buffer or the end of tcp-request inspect-delay, when the rules run a last time on what is
 * there. Then use_backend picks the backend with the same bytes, as in HAProxy (it does
 * not wait by itself: "tcp-request content accept if { req.ssl_hello_type 1 }" does).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "access_log.h"
#include "acl_ctx.h"
#include "algo.h"
#include "backend.h"
#include "persist.h"
#include "proxy.h"
#include "stream.h"
#include "thread.h"
#include "track.h"
#include "util.h"
#include "xfer.h"

/* Waiting for a server slot: bounded by timeout queue (timeout connect when unset). */
static void
tcp_queued(struct lbd_stream *s)
{
	long long t = lbd_timeout(s, LB_TO_QUEUE);

	s->state = LBD_ST_QUEUED;
	lbd_stream_set_timeout(s, t > 0 ? t : lbd_timeout(s, LB_TO_CONNECT));
}

static void
tcp_arm_timer(struct lbd_stream *s)
{
	long long next = 0;

	if (!lbd_xfer_tunnel_expired(s, &next))
		lbd_stream_set_timeout(s, next);
}

static void
tcp_step(struct lbd_stream *s)
{
	switch (lbd_xfer_tunnel_step(s)) {
	case LBD_TUN_SRV_ERR:
		lbd_stream_abort(s, 'S', 'D');
		return;
	case LBD_TUN_CLI_ERR:
		lbd_stream_abort(s, 'C', 'D');
		return;
	case LBD_TUN_DONE:
		lbd_stream_abort(s, '-', '-');
		return;
	default:
		return;
	}
}

static void
tcp_connected(struct lbd_stream *s)
{
	s->t_connect_ms = s->thr->now_ms;
	s->state = LBD_ST_TUNNEL;
	s->cli_activity_ms = s->srv_activity_ms = s->thr->now_ms;
	if (lbd_backend_proxy_hdr(s) < 0) {
		lbd_stream_abort(s, 'P', 'C');
		return;
	}
	tcp_arm_timer(s);
	tcp_step(s);
}

static void
tcp_connect(struct lbd_stream *s)
{
	struct lbd_thread *thr = s->thr;

	if (!s->t_queue_ms)
		s->t_queue_ms = thr->now_ms;
	if (lbd_backend_connect(s, false) < 0) {
		s->be->ctr[thr->id].econ++;
		s->srv->ctr[thr->id].econ++;
		if (lbd_backend_retry(s, NULL) < 0) {
			lbd_stream_abort(s, 'S', 'C');
			return;
		}
		if (s->flags & LBD_STRM_F_QUEUED) {
			tcp_queued(s);
			return;
		}
	}
	if (s->sc->flags & LBD_SC_F_CONNECTING) {
		s->state = LBD_ST_CONNECTING;
		lbd_stream_set_timeout(s, lbd_timeout(s, LB_TO_CONNECT));
		return;
	}
	tcp_connected(s);
}

static void
tcp_connect_failed(struct lbd_stream *s, int err, bool timeout)
{
	struct lbd_thread *thr = s->thr;

	(void)err;
	s->be->ctr[thr->id].econ++;
	s->srv->ctr[thr->id].econ++;
	if (lbd_backend_retry(s, NULL) < 0) {
		lbd_stream_abort(s, timeout ? 's' : 'S', 'C');
		return;
	}
	if (s->flags & LBD_STRM_F_QUEUED) {
		tcp_queued(s);
		return;
	}
	if (s->sc->flags & LBD_SC_F_CONNECTING) {
		s->state = LBD_ST_CONNECTING;
		lbd_stream_set_timeout(s, lbd_timeout(s, LB_TO_CONNECT));
		return;
	}
	tcp_connected(s);
}

/* Inspection is over and accepted: choose the backend and a server, connect. */
static void
tcp_route(struct lbd_stream *s)
{
	struct lbd_cconn *cc = s->cc;
	struct lbd_thread *thr = s->thr;
	struct lb_algo_req req = { 0 };
	enum lbd_assign ar;

	if (lbd_acl_fe_routes(s->fe)) {
		/* use_backend conditions: the connection and the bytes already there */
		struct lbd_acl_ctx actx;
		lbd_acl_ctx_payload(&actx, s, false);
		s->be = lbd_acl_select_backend(s->fe, &actx);
	} else {
		s->be = s->fe->default_be;
	}
	s->fe->ctr[thr->id].sess_tot++;
	lbd_rates_sess(&s->fe->rates[thr->id], thr->now_ms);
	s->bytes_in = cc->rbuf.len;
	lbd_cconn_want_read(cc, 0);
	if (!s->be) {
		lbd_stream_abort(s, 'S', 'C');
		return;
	}
	s->be->ctr[thr->id].sess_tot++;
	lbd_rates_sess(&s->be->rates[thr->id], thr->now_ms);
	s->retries_left = s->be->cfg->retries >= 0 ? s->be->cfg->retries : 3;
	if (s->be->algo->input == LB_ALGO_IN_SRC && !(cc->flags & LBD_CC_F_UNIX)) {
		req.has_hash = true;
		req.hash = lb_algo_hash_src(&cc->cli.sa);
	}
	s->t_req_done_ms = thr->now_ms;
	if (lbd_persist_active(s->be)) {
		/* stick on/match with connection fetches (src, dst...) */
		struct lbd_acl_ctx actx;
		struct lbd_server *sticky;

		lbd_acl_ctx_l4(&actx, s);
		sticky = lbd_persist_match(s, &actx);
		ar = sticky && lbd_backend_take_server(s, sticky) ? LBD_ASSIGN_OK :
								     lbd_backend_assign(s, &req, NULL);
		if (ar == LBD_ASSIGN_OK)
			lbd_persist_store(s, &actx);
	} else {
		ar = lbd_backend_assign(s, &req, NULL);
	}
	switch (ar) {
	case LBD_ASSIGN_OK:
		tcp_connect(s);
		return;
	case LBD_ASSIGN_QUEUED:
		tcp_queued(s);
		return;
	case LBD_ASSIGN_QFULL:
		lbd_stream_abort(s, 's', 'Q');
		return;
	default:
		lbd_stream_abort(s, 's', 'C');
		return;
	}
}

/* Runs the tcp-request content rules on what the client has sent; `expired`: the stream
 * timer fired. Goes on to routing when they accept, ends the stream when they reject, and
 * otherwise waits for bytes until the inspect delay (bounded by timeout client) is over. */
static void
tcp_inspect(struct lbd_stream *s, bool expired)
{
	struct lbd_cconn *cc = s->cc;
	uint64_t now = s->thr->now_ms, end = s->t_start_ms, cli_end = 0;
	long long delay = s->fe->cfg->inspect_delay, cto = lbd_fe_timeout(s->fe, LB_TO_CLIENT);
	struct lbd_acl_ctx actx;
	bool partial;

	if (delay > 0)
		end += (uint64_t)delay;
	if (cto > 0)
		cli_end = s->cli_activity_ms + (uint64_t)cto;
	if (cli_end && cli_end < end && now >= cli_end) {
		/* timeout client first (HAProxy: it must cover the inspect delay) */
		lbd_stream_abort(s, 'c', 'R');
		return;
	}
	partial = !expired && now < end && !(cc->flags & LBD_CC_F_EOF) &&
		  cc->rbuf.len < s->thr->bufs.size;
	lbd_acl_ctx_payload(&actx, s, partial);
	switch (lbd_track_content_inspect(s, &actx)) {
	case LBD_INSPECT_REJECT:
		lbd_stream_abort(s, 'P', 'R');
		return;
	case LBD_INSPECT_WAIT:
		if (cli_end && cli_end < end)
			end = cli_end;
		lbd_cconn_want_read(cc, 0);
		lbd_stream_set_timeout(s, end > now ? (long long)(end - now) : 1);
		return;
	default:
		lbd_stream_set_timeout(s, 0);
		tcp_route(s);
		return;
	}
}

static void
tcp_cli_start(struct lbd_cconn *cc)
{
	struct lbd_thread *thr = cc->thr;
	struct lbd_stream *s = lbd_stream_new(cc);

	if (!s) {
		lbd_cconn_close(cc);
		return;
	}
	s->t_start_ms = cc->accept_ms;
	s->flags |= LBD_STRM_F_TCP;
	s->cli_activity_ms = thr->now_ms;
	s->state = LBD_ST_REQ_HEAD;
	if (s->fe->cfg->tcp_cont_rules) {
		tcp_inspect(s, false);
		return;
	}
	tcp_route(s);
}

static void
tcp_cli_read(struct lbd_cconn *cc)
{
	struct lbd_stream *s = cc->strm;
	int r;

	if (!s) {
		lbd_cconn_close(cc);
		return;
	}
	if (s->state == LBD_ST_TUNNEL && lbd_xfer_splicing_cs(s)) {
		tcp_step(s);
		return;
	}
	r = lbd_xfer_from_client(s);
	if (r < 0) {
		lbd_stream_abort(s, 'C', s->state == LBD_ST_REQ_HEAD ? 'R' : 'D');
		return;
	}
	if (s->state == LBD_ST_TUNNEL) {
		tcp_step(s);
		return;
	}
	if (s->state == LBD_ST_REQ_HEAD) {
		/* inspecting: a client leaving without a byte ends it; else the rules run again */
		if ((cc->flags & LBD_CC_F_EOF) && !cc->rbuf.len) {
			lbd_stream_abort(s, 'C', 'R');
			return;
		}
		if (cc->flags & LBD_CC_F_EOF)
			lbd_cconn_stop_read(cc);
		tcp_inspect(s, false);
		return;
	}
	/* not connected yet: keep what arrives, notice a client leaving */
	if ((cc->flags & LBD_CC_F_EOF) && !cc->rbuf.len) {
		lbd_stream_abort(s, 'C', s->state == LBD_ST_QUEUED ? 'Q' : 'C');
		return;
	}
	if ((cc->flags & LBD_CC_F_EOF) || cc->rbuf.len >= s->thr->bufs.size)
		lbd_cconn_stop_read(cc);
}

static void
tcp_cli_timeout(struct lbd_cconn *cc)
{
	(void)cc;	/* the stream's own timer governs tcp sessions */
}

static void
tcp_srv_read(struct lbd_stream *s)
{
	if (lbd_xfer_splicing_sc(s)) {
		tcp_step(s);
		return;
	}
	if (lbd_xfer_from_server(s) < 0 && !s->sbuf.len) {
		lbd_stream_abort(s, 'S', 'D');
		return;
	}
	tcp_step(s);
}

static void
tcp_io(struct lbd_stream *s)
{
	tcp_step(s);
}

static void
tcp_timer(struct lbd_stream *s)
{
	long long next = 0;
	char who;

	switch (s->state) {
	case LBD_ST_REQ_HEAD:
		tcp_inspect(s, true);	/* the inspect delay (or timeout client) is over */
		return;
	case LBD_ST_QUEUED:
		lbd_backend_dequeue(s);
		s->be->ctr[s->thr->id].queue_timeouts++;
		lbd_stream_abort(s, 's', 'Q');
		return;
	case LBD_ST_CONNECTING:
		tcp_connect_failed(s, ETIMEDOUT, true);
		return;
	default:
		break;
	}
	who = lbd_xfer_tunnel_expired(s, &next);
	if (who) {
		lbd_stream_abort(s, who, 'D');
		return;
	}
	lbd_stream_set_timeout(s, next);
}

static void
tcp_granted(struct lbd_stream *s)
{
	tcp_connect(s);
}

static void
tcp_soft_stop(struct lbd_cconn *cc)
{
	/* established TCP sessions run to their end (bounded by hard-stop-after) */
	(void)cc;
}

const struct lbd_mode_ops lbd_mode_tcp = {
	.name = "tcp",
	.cli_start = tcp_cli_start,
	.cli_read = tcp_cli_read,
	.cli_timeout = tcp_cli_timeout,
	.cli_write = tcp_io,
	.srv_read = tcp_srv_read,
	.srv_write = tcp_io,
	.srv_connected = tcp_connected,
	.srv_connect_failed = tcp_connect_failed,
	.timer = tcp_timer,
	.granted = tcp_granted,
	.soft_stop = tcp_soft_stop,
};

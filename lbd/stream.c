/* lbd/stream.c: client connections, streams and server connections: allocation and events
 *
 * This is the only place that registers libevent callbacks for connections. Every callback
 * refreshes the thread's cached clock, then hands over to the frontend's mode (proxy.h).
 * Objects never change thread, so nothing here locks.
 */
#include "stream.h"

#include <errno.h>
#include <stddef.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/event.h>

#include "access_log.h"
#include "backend.h"
#include "h2_front.h"
#include "h2_srv.h"
#include "health.h"
#include "log.h"
#include "proxy.h"
#include "proxy_proto.h"
#include "sessions.h"
#include "thread.h"
#include "tls.h"
#include "tls_client.h"
#include "track.h"
#include "util.h"
#include "vars.h"

#define LBD_STREAM_FREE_MAX 1024

static void
ms_to_tv(long long ms, struct timeval *tv)
{
	tv->tv_sec = (time_t)(ms / 1000);
	tv->tv_usec = (suseconds_t)((ms % 1000) * 1000);
}

long long
lbd_fe_timeout(const struct lbd_frontend *fe, enum lb_timeout_id id)
{
	long long v = fe->cfg->timeouts[id];
	return v == LB_TIME_UNSET ? 0 : v;
}

long long
lbd_timeout(const struct lbd_stream *s, enum lb_timeout_id id)
{
	long long v = LB_TIME_UNSET;

	switch (id) {
	case LB_TO_CLIENT:
	case LB_TO_HTTP_REQUEST:
	case LB_TO_HTTP_KEEP_ALIVE:
	case LB_TO_CLIENT_FIN:
		v = s->fe->cfg->timeouts[id];
		break;
	default:
		if (s->be)
			v = s->be->cfg->timeouts[id];
		break;
	}
	return v == LB_TIME_UNSET ? 0 : v;
}

/* ---- client connections ---- */

static void proxy_header_read(struct lbd_cconn *cc);
static void cconn_start(struct lbd_cconn *cc);
static void tls_handshake_step(struct lbd_cconn *cc, short what);

/* Lingering close: how long and how much we keep reading after our side is shut. */
#define LINGER_MS 2000
#define LINGER_MAX_BYTES (256 * 1024)

static void
linger_read(struct lbd_cconn *cc, short what)
{
	char sink[4096];

	if (what & EV_TIMEOUT)
		goto done;
	/* idle_start_ms holds when lingering began; the EV_PERSIST timeout restarts on each
	 * read, so the whole window is checked here */
	if (cc->thr->now_ms - cc->idle_start_ms >= LINGER_MS)
		goto done;
	for (int i = 0; i < 4; i++) {
		ssize_t n = recv(cc->fd, sink, sizeof(sink), 0);
		if (n > 0) {
			cc->linger_bytes += (uint32_t)n;
			if (cc->linger_bytes >= LINGER_MAX_BYTES)
				goto done;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		goto done;	/* EOF or error: the client is gone */
	}
	return;
done:
	lbd_cconn_close(cc);
}

static void
cc_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lbd_cconn *cc = arg;
	const struct lbd_mode_ops *ops = cc->li->fe->ops;

	(void)fd;
	lbd_thread_now(cc->thr);
	if (!(cc->flags & LBD_CC_F_PROXY_DONE)) {
		long long to = lbd_fe_timeout(cc->li->fe, LB_TO_CLIENT);
		/* the timeout restarts on every read: bound the whole header from accept */
		if ((what & EV_TIMEOUT) ||
		    (to > 0 && cc->thr->now_ms - cc->accept_ms >= (uint64_t)to)) {
			lbd_cconn_close(cc);
			return;
		}
		proxy_header_read(cc);
		return;
	}
	if ((cc->flags & (LBD_CC_F_H2 | LBD_CC_F_LINGER)) == LBD_CC_F_H2) {
		lbd_h2_cli_event(cc, what);
		return;
	}
	if (cc->flags & (LBD_CC_F_LINGER | LBD_CC_F_TLS_HS)) {
		if (cc->flags & LBD_CC_F_LINGER)
			linger_read(cc, what);
		else
			tls_handshake_step(cc, what);
		return;
	}
	if (what & EV_TIMEOUT)
		ops->cli_timeout(cc);
	else
		ops->cli_read(cc);
}

void
lbd_cconn_want_read(struct lbd_cconn *cc, long long timeout_ms)
{
	struct timeval tv;

	if (cc->flags & LBD_CC_F_H2S) {
		lbd_h2_stream_want_read(cc, true);	/* no socket: the h2 codec feeds it */
		return;
	}
	if (timeout_ms > 0) {
		ms_to_tv(timeout_ms, &tv);
		event_add(&cc->ev, &tv);
		goto pending;
	}
	/* event_add(NULL) keeps a timeout already scheduled: drop it explicitly, without
	 * event_del(), which would cost an epoll_ctl() per request */
	if (event_pending(&cc->ev, EV_READ, NULL))
		event_remove_timer(&cc->ev);
	else
		event_add(&cc->ev, NULL);
pending:
	/* decrypted bytes GnuTLS holds do not make the socket readable */
	if (cc->tls && lbd_tls_pending(cc->tls))
		event_active(&cc->ev, EV_READ, 1);
}

void
lbd_cconn_drop_timeout(struct lbd_cconn *cc)
{
	if (cc->flags & LBD_CC_F_H2S)
		return;
	if (event_pending(&cc->ev, EV_READ, NULL))
		event_remove_timer(&cc->ev);
}

void
lbd_cconn_stop_read(struct lbd_cconn *cc)
{
	if (cc->flags & LBD_CC_F_H2S) {
		lbd_h2_stream_want_read(cc, false);
		return;
	}
	event_del(&cc->ev);
}

void
lbd_cconn_accept(struct lbd_thread *thr, struct lbd_listener *li, int fd,
		 const struct sockaddr *sa, socklen_t salen)
{
	struct lbd_frontend *fe = li->fe;
	struct lbd_cconn *cc = calloc(1, sizeof(*cc));

	if (!cc) {
		close(fd);
		return;
	}
	cc->fd = fd;
	cc->thr = thr;
	cc->li = li;
	if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
		/* TCP_NODELAY comes from the listening socket; the local address is looked up
		 * only if a log line or a PROXY header needs it (lbd_cconn_dst) */
		memcpy(&cc->cli, sa, LB_MIN((size_t)salen, sizeof(cc->cli)));
	} else {
		cc->cli.sa.sa_family = AF_UNIX;
		cc->dst.sa.sa_family = AF_UNIX;
		cc->flags |= LBD_CC_F_UNIX | LBD_CC_F_DST_KNOWN;
	}
	cc->accept_ms = lbd_thread_now(thr);
	cc->idle_start_ms = cc->accept_ms;
	gettimeofday(&cc->accept_tv, NULL);
	if (!li->cfg->accept_proxy)
		cc->flags |= LBD_CC_F_PROXY_DONE;

	lbd_note_max(&fe->max_conn, __atomic_add_fetch(&fe->cur_conn, 1, __ATOMIC_RELAXED));
	__atomic_add_fetch(&li->cur_conn, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&thr->rt->cur_conn, 1, __ATOMIC_RELAXED);
	fe->ctr[thr->id].conn_tot++;
	lbd_rate_hit(&fe->rates[thr->id].conn, cc->accept_ms);
	lbd_thread_track_cconn(thr, cc);

	event_assign(&cc->ev, thr->base, fd, EV_READ | EV_PERSIST, cc_event_cb, cc);
	if (cc->flags & LBD_CC_F_PROXY_DONE) {
		cconn_start(cc);
	} else {
		long long to = lbd_fe_timeout(fe, LB_TO_CLIENT);
		lbd_cconn_want_read(cc, to);
	}
}

/* accept-proxy: the PROXY header must be complete before anything else is read. It is read
 * into rbuf; bytes after it stay there for the mode. */
static void
proxy_header_read(struct lbd_cconn *cc)
{
	struct lbd_thread *thr = cc->thr;
	struct lb_proxy_hdr hdr;
	uint32_t room;
	ssize_t n;
	int r;

	if (!lbd_buf_alloc(&thr->bufs, &cc->rbuf)) {
		lbd_cconn_close(cc);
		return;
	}
	room = lbd_buf_room(&cc->rbuf, thr->bufs.size);
	n = recv(cc->fd, lbd_buf_tail(&cc->rbuf), room, 0);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		lbd_cconn_close(cc);
		return;
	}
	cc->rbuf.len += (uint32_t)n;
	r = lb_proxy_decode(cc->rbuf.data + cc->rbuf.head, cc->rbuf.len, &hdr);
	if (r == 0) {
		if (cc->rbuf.len >= LB_PROXY_MAX_LEN) {
			lbd_cconn_close(cc);
		}
		return;
	}
	if (r < 0) {
		lb_log_sys(LB_LOG_NOTICE, "frontend %s: bad PROXY protocol header from a client, "
			   "connection closed", cc->li->fe->name);
		cc->li->fe->ctr[thr->id].failed_req++;
		lbd_cconn_close(cc);
		return;
	}
	lbd_buf_consume(&cc->rbuf, (uint32_t)r);
	/* only TCP over IPv4/IPv6 replaces the connection's addresses, as HAProxy does */
	if (hdr.cmd_proxy && hdr.transport == SOCK_STREAM &&
	    (hdr.src.ss_family == AF_INET || hdr.src.ss_family == AF_INET6)) {
		memcpy(&cc->cli, &hdr.src, sizeof(cc->cli));
		memcpy(&cc->dst, &hdr.dst, sizeof(cc->dst));
		cc->flags |= LBD_CC_F_DST_KNOWN;
		cc->flags &= (uint16_t)~LBD_CC_F_UNIX;
	}
	cc->flags |= LBD_CC_F_PROXY_DONE;
	event_del(&cc->ev);
	cconn_start(cc);
}

/* ---- TLS handshake of a client connection (bind ... ssl) ---- */

/* The connection is ready for its mode, after the TLS handshake when there is one. */
static void
cconn_start(struct lbd_cconn *cc)
{
	/* tcp-request connection rules: before the handshake, after a PROXY header */
	if (cc->li->fe->cfg->tcp_conn_rules && !lbd_track_conn_rules(cc))
		return;	/* rejected, closed */
	if (!cc->li->tls) {
		cc->li->fe->ops->cli_start(cc);
		return;
	}
	cc->tls = lbd_tls_accept(cc->li->tls, cc->fd);
	if (!cc->tls) {
		lbd_cconn_close(cc);
		return;
	}
	if (cc->rbuf.len)
		lbd_tls_take_rbuf(cc);	/* TLS bytes read behind a PROXY header */
	cc->flags |= LBD_CC_F_TLS_HS;
	tls_handshake_step(cc, 0);
}

/* Points the connection's event at the direction GnuTLS waits for. */
static void
tls_event_dir(struct lbd_cconn *cc, bool write)
{
	if (write == !!(cc->flags & LBD_CC_F_TLS_EVW))
		return;
	event_del(&cc->ev);
	event_assign(&cc->ev, cc->thr->base, cc->fd, (write ? EV_WRITE : EV_READ) | EV_PERSIST,
		     cc_event_cb, cc);
	if (write)
		cc->flags |= LBD_CC_F_TLS_EVW;
	else
		cc->flags &= (uint16_t)~LBD_CC_F_TLS_EVW;
}

/* Drives the handshake on the connection's events, bounded by "timeout client-hs" (else
 * "timeout client") from accept: a stalled handshake holds nothing but its session. */
static void
tls_handshake_step(struct lbd_cconn *cc, short what)
{
	struct lbd_frontend *fe = cc->li->fe;
	long long to = lbd_fe_timeout(fe, LB_TO_CLIENT_HS), left = 0;
	struct timeval tv;
	int r;

	if (to <= 0)
		to = lbd_fe_timeout(fe, LB_TO_CLIENT);
	if (to > 0) {
		left = to - (long long)(cc->thr->now_ms - cc->accept_ms);
		if (left <= 0)
			what |= EV_TIMEOUT;
	}
	if (what & EV_TIMEOUT) {
		fe->ctr[cc->thr->id].failed_req++;
		lbd_cconn_close(cc);
		return;
	}
	if (cc->flags & LBD_CC_F_TLS_TKT) {
		r = lbd_tls_send_tickets(cc->tls);
	} else {
		r = lbd_tls_handshake(cc->tls);
		if (r == LBD_TLS_HS_DONE && lbd_tls_tickets_due(cc->tls)) {
			cc->flags |= LBD_CC_F_TLS_TKT;
			r = lbd_tls_send_tickets(cc->tls);
		}
	}
	if (r == LBD_TLS_HS_FAILED) {
		fe->ctr[cc->thr->id].failed_req++;
		lbd_cconn_close(cc);
		return;
	}
	if (r == LBD_TLS_HS_DONE) {
		tls_event_dir(cc, false);
		cc->flags &= (uint16_t)~(LBD_CC_F_TLS_HS | LBD_CC_F_TLS_TKT);
		event_del(&cc->ev);
		fe->ops->cli_start(cc);
		return;
	}
	tls_event_dir(cc, r == LBD_TLS_HS_WRITE);
	if (left > 0) {
		ms_to_tv(left, &tv);
		event_add(&cc->ev, &tv);
	} else {
		event_add(&cc->ev, NULL);
	}
}

const struct sockaddr *
lbd_cconn_dst(struct lbd_cconn *cc)
{
	if (!(cc->flags & LBD_CC_F_DST_KNOWN)) {
		socklen_t len = sizeof(cc->dst);
		if (getsockname(cc->fd, &cc->dst.sa, &len) < 0)
			cc->dst.sa.sa_family = AF_UNSPEC;
		cc->flags |= LBD_CC_F_DST_KNOWN;
	}
	return (cc->flags & LBD_CC_F_UNIX) ? NULL : &cc->dst.sa;
}

/* The private server connection kept for this client (http-reuse never, send-proxy). */
static void
cconn_drop_priv(struct lbd_cconn *cc)
{
	struct lbd_sconn *sc = cc->priv_sconn;

	if (!sc)
		return;
	cc->priv_sconn = NULL;
	sc->priv_owner = NULL;
	lbd_sconn_close(sc);
}

void
lbd_cconn_close(struct lbd_cconn *cc)
{
	struct lbd_thread *thr = cc->thr;
	struct lbd_frontend *fe = cc->li->fe;

	if (cc->flags & LBD_CC_F_H2S) {
		/* one h2 stream's exchange is over: no socket, not counted as a connection */
		if (cc->strm)
			lbd_stream_free(cc->strm);
		cconn_drop_priv(cc);
		lbd_buf_release(&thr->bufs, &cc->rbuf);
		lb_vars_free(&cc->vars);
		lbd_h2_stream_detach(cc);
		free(cc);
		return;
	}
	if (cc->strm)
		lbd_stream_free(cc->strm);
	if (cc->trk)
		lbd_track_cconn_end(cc);
	cconn_drop_priv(cc);
	if (cc->flags & LBD_CC_F_H2)
		lbd_h2_conn_free(cc);
	event_del(&cc->ev);
	if (cc->tls)
		lbd_tls_free(cc->tls);	/* close_notify first */
	close(cc->fd);
	lbd_buf_release(&thr->bufs, &cc->rbuf);
	__atomic_sub_fetch(&fe->cur_conn, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&cc->li->cur_conn, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&thr->rt->cur_conn, 1, __ATOMIC_RELAXED);
	lbd_thread_untrack_cconn(thr, cc);
	lb_vars_free(&cc->vars);	/* sess variables (lbd/http_act.h) */
	free(cc);
	if (thr->stopping)
		lbd_thread_check_drained(thr);
}

void
lbd_cconn_linger_close(struct lbd_cconn *cc)
{
	struct timeval tv;

	if (cc->flags & LBD_CC_F_H2S) {
		lbd_cconn_close(cc);	/* an h2 stream ends with frames, not with a FIN */
		return;
	}
	if (cc->flags & LBD_CC_F_H2)
		lbd_h2_conn_free(cc);
	if (cc->strm)
		lbd_stream_free(cc->strm);
	if (cc->trk)
		lbd_track_cconn_end(cc);
	cconn_drop_priv(cc);
	lbd_buf_release(&cc->thr->bufs, &cc->rbuf);
	if (cc->tls)
		lbd_tls_bye(cc->tls);	/* close_notify before our FIN */
	/* h2 lingers even when stopping: a client may have opened streams the GOAWAY did not
	 * cover; a reset could destroy that GOAWAY before the client reads it */
	if ((cc->flags & LBD_CC_F_EOF) || (cc->thr->stopping && !(cc->flags & LBD_CC_F_H2)) ||
	    shutdown(cc->fd, SHUT_WR) < 0) {
		lbd_cconn_close(cc);
		return;
	}
	cc->flags |= LBD_CC_F_LINGER;
	cc->idle_start_ms = cc->thr->now_ms;
	ms_to_tv(LINGER_MS, &tv);
	event_add(&cc->ev, &tv);
}

/* ---- streams ---- */

static void
strm_cwrite_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lbd_stream *s = arg;

	(void)fd;
	(void)what;
	lbd_thread_now(s->thr);
	s->fe->ops->cli_write(s);
}

static void
strm_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lbd_stream *s = arg;

	(void)fd;
	(void)what;
	lbd_thread_now(s->thr);
	s->fe->ops->timer(s);
}

struct lbd_stream *
lbd_stream_new(struct lbd_cconn *cc)
{
	struct lbd_thread *thr = cc->thr;
	struct lbd_stream *s = thr->free_streams;

	if (s) {
		thr->free_streams = s->next_free;
		thr->nfree_streams--;
	} else {
		s = malloc(sizeof(*s));
		if (!s)
			return NULL;
	}
	memset(s, 0, offsetof(struct lbd_stream, reqline_buf));
	s->cc = cc;
	s->thr = thr;
	s->fe = cc->li->fe;
	s->status = -1;
	s->pipe_cs[0] = s->pipe_cs[1] = s->pipe_sc[0] = s->pipe_sc[1] = -1;
	s->term[0] = '-';
	s->term[1] = '-';
	if (cc->tls || (cc->flags & LBD_CC_F_H2S))
		s->flags |= LBD_STRM_F_NO_SPLICE;	/* the kernel cannot move TLS records */
	event_assign(&s->cwev, thr->base, cc->fd, EV_WRITE | EV_PERSIST, strm_cwrite_cb, s);
	evtimer_assign(&s->tev, thr->base, strm_timer_cb, s);
	cc->strm = s;
	thr->nstreams++;
	lbd_sessions_add(s);
	return s;
}

void
lbd_stream_free(struct lbd_stream *s)
{
	struct lbd_thread *thr = s->thr;

	event_del(&s->cwev);
	event_del(&s->tev);
	if (s->sc) {
		s->sc->strm = NULL;
		lbd_sconn_close(s->sc);
		s->sc = NULL;
	}
	lbd_buf_release(&thr->bufs, &s->obuf);
	lbd_buf_release(&thr->bufs, &s->sbuf);
	lbd_buf_release(&thr->bufs, &s->cbuf);
	if (s->reqline != s->reqline_buf)
		free(s->reqline);
	s->reqline = NULL;
	lb_free(&s->svc);
	for (int i = 0; i < 2; i++) {
		if (s->pipe_cs[i] >= 0)
			close(s->pipe_cs[i]);
		if (s->pipe_sc[i] >= 0)
			close(s->pipe_sc[i]);
	}
	if (s->ntrk || (s->cc && s->cc->trk))
		lbd_track_stream_end(s);	/* stick counters (lbd/track.h) */
	if (s->cc && s->cc->strm == s)
		s->cc->strm = NULL;
	lbd_sessions_remove(s);
	thr->nstreams--;
	if (thr->nfree_streams < LBD_STREAM_FREE_MAX) {
		s->next_free = thr->free_streams;
		thr->free_streams = s;
		thr->nfree_streams++;
	} else {
		free(s);
	}
}

void
lbd_stream_abort(struct lbd_stream *s, char who, char what)
{
	struct lbd_px_counters *c = &s->fe->ctr[s->thr->id];

	if (who != '-')
		lbd_stream_set_term(s, who, what);
	if (who == 'C' || who == 'c')
		c->cli_aborts++;
	else if (who == 'S' || who == 's')
		c->srv_aborts++;
	if (s->sc)
		s->sc->flags |= LBD_SC_F_NOREUSE;
	lbd_access_log(s);
	lbd_backend_detach(s, false);
	lbd_cconn_close(s->cc);
}

void
lbd_stream_set_term(struct lbd_stream *s, char who, char what)
{
	if (s->term[0] == '-')
		s->term[0] = who;
	if (s->term[1] == '-')
		s->term[1] = what;
}

void
lbd_stream_set_timeout(struct lbd_stream *s, long long ms)
{
	struct timeval tv;

	if (ms <= 0) {
		event_del(&s->tev);
		return;
	}
	ms_to_tv(ms, &tv);
	event_add(&s->tev, &tv);
}

void
lbd_stream_want_cli_write(struct lbd_stream *s, bool on)
{
	if (s->cc->flags & LBD_CC_F_H2S)
		return;	/* the h2 codec calls cli_write when the stream has room */
	if (on && !(s->flags & LBD_STRM_F_CLI_WANT_W)) {
		event_add(&s->cwev, NULL);
		s->flags |= LBD_STRM_F_CLI_WANT_W;
	} else if (!on && (s->flags & LBD_STRM_F_CLI_WANT_W)) {
		event_del(&s->cwev);
		s->flags &= ~(uint32_t)LBD_STRM_F_CLI_WANT_W;
	}
}

/* ---- server connections ---- */

void lbd_backend_idle_event(struct lbd_sconn *sc, short what);

/* A connect in progress ended (either event may report it first: a refused connect wakes
 * the read event too). With "server ... ssl" the connection stays "connecting" through
 * the TLS handshake (sc->tlsc set), which these same events drive. */
static void
sc_connect_done(struct lbd_sconn *sc)
{
	struct lbd_stream *s = sc->strm;
	int err = 0;
	socklen_t len = sizeof(err);

	if (!sc->tlsc) {
		if (getsockopt(sc->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			s->fe->ops->srv_connect_failed(s, err, false);
			return;
		}
		lbd_health_observe_l4(s->srv, true);
		if (s->srv->tls) {
			if (lbd_tls_server_start(s, sc) < 0) {
				s->fe->ops->srv_connect_failed(s, EPROTO, false);
				return;
			}
			s->flags |= LBD_STRM_F_NO_SPLICE;	/* records, not bytes */
		}
	}
	if (sc->tlsc) {
		switch (lbd_tls_server_handshake(sc)) {
		case LBD_TLS_HS_READ:
			lbd_sconn_want_write(sc, false);	/* the read event stays armed */
			return;
		case LBD_TLS_HS_WRITE:
			lbd_sconn_want_write(sc, true);
			return;
		case LBD_TLS_HS_FAILED:
			s->fe->ops->srv_connect_failed(s, EPROTO, false);
			return;
		default:
			break;
		}
	}
	sc->flags &= (uint16_t)~LBD_SC_F_CONNECTING;
	lbd_sconn_want_write(sc, false);
	s->fe->ops->srv_connected(s);
}

static void
sc_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lbd_sconn *sc = arg;

	(void)fd;
	lbd_thread_now(sc->thr);
	if (!sc->strm) {
		/* parked: idle pool or private to a client connection */
		lbd_backend_idle_event(sc, what);
		return;
	}
	if (sc->flags & LBD_SC_F_CONNECTING) {
		sc_connect_done(sc);
		return;
	}
	sc->strm->fe->ops->srv_read(sc->strm);
}

static void
sc_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lbd_sconn *sc = arg;
	struct lbd_stream *s = sc->strm;

	(void)fd;
	(void)what;
	lbd_thread_now(sc->thr);
	if (!s) {
		lbd_sconn_want_write(sc, false);
		return;
	}
	if (sc->flags & LBD_SC_F_CONNECTING) {
		sc_connect_done(sc);
		return;
	}
	s->fe->ops->srv_write(s);
}

struct lbd_sconn *
lbd_sconn_new(struct lbd_thread *thr, struct lbd_server *srv, int fd)
{
	struct lbd_sconn *sc = calloc(1, sizeof(*sc));

	if (!sc)
		return NULL;
	sc->fd = fd;
	sc->srv = srv;
	sc->thr = thr;
	event_assign(&sc->rev, thr->base, fd, EV_READ | EV_PERSIST, sc_read_cb, sc);
	event_assign(&sc->wev, thr->base, fd, EV_WRITE | EV_PERSIST, sc_write_cb, sc);
	return sc;
}

void
lbd_sconn_close(struct lbd_sconn *sc)
{
	event_del(&sc->rev);
	event_del(&sc->wev);
	lbd_h2_srv_free(sc->h2);	/* GOAWAY first, inside TLS */
	if (sc->tlsc) {
		if (!(sc->flags & (LBD_SC_F_CONNECTING | LBD_SC_F_TLS_KEPT)))
			lbd_tls_server_keep(sc);	/* tickets may have come since */
		lb_tls_client_free(sc->tlsc);	/* close_notify first */
	}
	close(sc->fd);
	free(sc);
}

void
lbd_sconn_want_read(struct lbd_sconn *sc, bool on)
{
	if (on) {
		event_add(&sc->rev, NULL);
		if ((sc->tls && lbd_tls_pending(sc->tls)) || lbd_h2_srv_pending(sc->h2))
			event_active(&sc->rev, EV_READ, 1);	/* bytes no socket event announces */
	} else {
		event_del(&sc->rev);
	}
}

void
lbd_sconn_want_write(struct lbd_sconn *sc, bool on)
{
	if (on && !(sc->flags & LBD_SC_F_WANT_W)) {
		event_add(&sc->wev, NULL);
		sc->flags |= LBD_SC_F_WANT_W;
	} else if (!on && (sc->flags & LBD_SC_F_WANT_W)) {
		event_del(&sc->wev);
		sc->flags &= (uint16_t)~LBD_SC_F_WANT_W;
	}
}

/* lbd/backend.c: server selection, the backend queue, server connections and their reuse
 *
 * Slots: a stream that got a server holds one slot of it (srv->lb.cur_sess). When a server
 * has maxconn and every usable server is full, the stream waits in its backend's FIFO queue.
 * A stream that gives a slot back hands it directly to the first waiter (whatever its
 * thread), so a freed slot is never lost between a failed pick and an enqueue: both happen
 * under the backend's queue lock. Backends without any maxconn never take that lock.
 *
 * Idle server connections are kept per thread and per server (LIFO, so the warmest is
 * reused first), each with a purge timer; a parked connection that becomes readable was
 * closed or misbehaved and is dropped.
 */
#include "backend.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "algo.h"
#include "h2_srv.h"
#include "health.h"
#include "log.h"
#include "proxy.h"
#include "proxy_proto.h"
#include "runtime_types.h"
#include "stream.h"
#include "thread.h"
#include "tls.h"
#include "util.h"

#define IDLE_PURGE_MS 5000	/* HAProxy's pool-purge-delay default */
#define IDLE_MAX_PER_SERVER 512	/* per thread */

static bool
backend_can_queue(const struct lbd_backend *be)
{
	for (unsigned i = 0; i < be->nsrv; i++)
		if (be->srv[i]->lb.maxconn > 0)
			return true;
	return false;
}

/* Takes a slot on the picked server; false if it filled up meanwhile (another thread). */
static bool
take_slot(struct lbd_server *srv)
{
	int cur = __atomic_load_n(&srv->lb.cur_sess, __ATOMIC_RELAXED);

	for (;;) {
		if (srv->lb.maxconn > 0 && cur >= srv->lb.maxconn)
			return false;
		if (__atomic_compare_exchange_n(&srv->lb.cur_sess, &cur, cur + 1, true,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return true;
	}
}

static void
slot_taken(struct lbd_stream *s, struct lbd_server *srv)
{
	s->srv = srv;
	s->flags |= LBD_STRM_F_HAS_SLOT;
	lbd_note_max(&s->be->max_conn, __atomic_add_fetch(&s->be->cur_conn, 1, __ATOMIC_RELAXED));
	lbd_note_max(&srv->max_sess, __atomic_load_n(&srv->lb.cur_sess, __ATOMIC_RELAXED));
	srv->ctr[s->thr->id].sess_tot++;
	lbd_rates_sess(&srv->rates[s->thr->id], s->thr->now_ms);
}

bool
lbd_backend_take_server(struct lbd_stream *s, struct lbd_server *srv)
{
	if (__atomic_load_n(&srv->admin, __ATOMIC_RELAXED) == LBD_SRV_MAINT ||
	    !__atomic_load_n(&srv->health_up, __ATOMIC_RELAXED) || !take_slot(srv))
		return false;
	slot_taken(s, srv);
	return true;
}

static struct lbd_server *
pick(struct lbd_backend *be, const struct lb_algo_req *req, const struct lbd_server *avoid)
{
	for (int tries = 0; tries < 4; tries++) {
		struct lb_algo_srv *as = lb_algo_pick(&be->pool, req, avoid ? &avoid->lb : NULL);
		if (!as)
			return NULL;
		struct lbd_server *srv = as->owner;
		if (take_slot(srv))
			return srv;
	}
	return NULL;
}

enum lbd_assign
lbd_backend_assign(struct lbd_stream *s, const struct lb_algo_req *req,
		   const struct lbd_server *avoid)
{
	struct lbd_backend *be = s->be;
	struct lbd_server *srv;
	struct lbd_queue_entry *qe;

	if (!backend_can_queue(be)) {
		srv = pick(be, req, avoid);
		if (!srv)
			return LBD_ASSIGN_NOSRV;
		slot_taken(s, srv);
		return LBD_ASSIGN_OK;
	}
	pthread_mutex_lock(&be->qlock);
	srv = be->qhead ? NULL : pick(be, req, avoid);	/* FIFO: no overtaking waiters */
	if (srv) {
		pthread_mutex_unlock(&be->qlock);
		slot_taken(s, srv);
		return LBD_ASSIGN_OK;
	}
	if (!lb_algo_pool_has_usable(&be->pool)) {
		pthread_mutex_unlock(&be->qlock);
		return LBD_ASSIGN_NOSRV;
	}
	if (be->maxqueue > 0 && be->qlen >= be->maxqueue) {
		pthread_mutex_unlock(&be->qlock);
		return LBD_ASSIGN_QFULL;
	}
	qe = calloc(1, sizeof(*qe));
	if (!qe) {
		pthread_mutex_unlock(&be->qlock);
		return LBD_ASSIGN_QFULL;
	}
	qe->strm = s;
	qe->thr = s->thr;
	if (be->qtail)
		be->qtail->next = qe;
	else
		be->qhead = qe;
	be->qtail = qe;
	be->qlen++;
	if (be->qlen > be->qmax)
		be->qmax = be->qlen;
	pthread_mutex_unlock(&be->qlock);
	s->qe = qe;
	s->flags |= LBD_STRM_F_QUEUED;
	return LBD_ASSIGN_QUEUED;
}

static void release_slot(struct lbd_backend *be, struct lbd_server *srv);

/* Runs on the waiter's thread once a slot was handed to it. */
static void
granted_msg(struct lbd_thread *thr, void *arg)
{
	struct lbd_queue_entry *qe = arg;
	struct lbd_stream *s = qe->strm;
	struct lbd_server *srv = qe->granted;

	(void)thr;
	if (!s) {
		/* the stream went away while the grant was in flight: pass the slot on */
		release_slot(srv->be, srv);
		free(qe);
		return;
	}
	s->qe = NULL;
	s->flags &= ~(uint32_t)LBD_STRM_F_QUEUED;
	slot_taken(s, srv);
	free(qe);
	s->fe->ops->granted(s);
}

/* Hands free capacity to waiters: while the queue has a head and some server has a free
 * slot, that waiter gets it. Run when capacity may have appeared without a slot being handed
 * over (a weight, state or maxconn change; a slot freed on a server that stopped taking
 * sessions). Takes the queue lock. */
void
lbd_backend_redistribute(struct lbd_backend *be)
{
	struct lb_algo_req req = { 0 };

	for (;;) {
		struct lbd_queue_entry *qe;
		struct lbd_server *srv;

		pthread_mutex_lock(&be->qlock);
		qe = be->qhead;
		srv = qe ? pick(be, &req, NULL) : NULL;
		if (!srv) {
			pthread_mutex_unlock(&be->qlock);
			return;
		}
		be->qhead = qe->next;
		if (!be->qhead)
			be->qtail = NULL;
		be->qlen--;
		qe->granted = srv;	/* the slot pick() took moves to the waiter */
		pthread_mutex_unlock(&be->qlock);
		if (lbd_thread_post(qe->thr, granted_msg, qe) < 0) {
			__atomic_sub_fetch(&srv->lb.cur_sess, 1, __ATOMIC_RELAXED);
			free(qe);
			return;
		}
	}
}

static void
release_slot(struct lbd_backend *be, struct lbd_server *srv)
{
	struct lbd_queue_entry *qe = NULL;
	bool redistribute = false;

	if (be->qhead || backend_can_queue(be)) {
		pthread_mutex_lock(&be->qlock);
		if (be->qhead && __atomic_load_n(&srv->lb.eweight, __ATOMIC_RELAXED) > 0) {
			qe = be->qhead;
			be->qhead = qe->next;
			if (!be->qhead)
				be->qtail = NULL;
			be->qlen--;
			qe->granted = srv;	/* the slot moves to the waiter */
		} else {
			__atomic_sub_fetch(&srv->lb.cur_sess, 1, __ATOMIC_RELAXED);
			/* a server that stopped taking sessions frees a slot no waiter can use:
			 * another server may have room for them */
			redistribute = be->qhead != NULL;
		}
		pthread_mutex_unlock(&be->qlock);
	} else {
		__atomic_sub_fetch(&srv->lb.cur_sess, 1, __ATOMIC_RELAXED);
	}
	if (qe && lbd_thread_post(qe->thr, granted_msg, qe) < 0) {
		/* cannot wake it: the waiter will time out; keep the slot accounting right */
		__atomic_sub_fetch(&srv->lb.cur_sess, 1, __ATOMIC_RELAXED);
	}
	if (redistribute)
		lbd_backend_redistribute(be);
}

void
lbd_backend_release_slot(struct lbd_stream *s)
{
	if (!(s->flags & LBD_STRM_F_HAS_SLOT))
		return;
	s->flags &= ~(uint32_t)LBD_STRM_F_HAS_SLOT;
	__atomic_sub_fetch(&s->be->cur_conn, 1, __ATOMIC_RELAXED);
	release_slot(s->be, s->srv);
}

void
lbd_backend_dequeue(struct lbd_stream *s)
{
	struct lbd_backend *be = s->be;
	struct lbd_queue_entry **pp, *qe = s->qe;

	if (!qe)
		return;
	s->qe = NULL;
	s->flags &= ~(uint32_t)LBD_STRM_F_QUEUED;
	pthread_mutex_lock(&be->qlock);
	for (pp = &be->qhead; *pp; pp = &(*pp)->next) {
		if (*pp == qe) {
			*pp = qe->next;
			if (be->qtail == qe) {
				/* find the new tail */
				struct lbd_queue_entry *t = be->qhead;
				while (t && t->next)
					t = t->next;
				be->qtail = t;
			}
			be->qlen--;
			pthread_mutex_unlock(&be->qlock);
			free(qe);
			return;
		}
	}
	pthread_mutex_unlock(&be->qlock);
	/* already granted, the message is on its way: let it hand the slot on */
	qe->strm = NULL;
}

/* ---- server connections ---- */

static void
idle_unlink(struct lbd_sconn *sc)
{
	struct lbd_idle_list *il = &sc->thr->idle[sc->srv->gid];

	if (sc->idle_prev)
		sc->idle_prev->idle_next = sc->idle_next;
	else
		il->head = sc->idle_next;
	if (sc->idle_next)
		sc->idle_next->idle_prev = sc->idle_prev;
	sc->idle_next = sc->idle_prev = NULL;
	sc->flags &= (uint16_t)~LBD_SC_F_IDLE;
	il->n--;
}

/* A parked connection became readable or its purge timer fired: either way it is done. */
void lbd_backend_idle_event(struct lbd_sconn *sc, short what);

void
lbd_backend_idle_event(struct lbd_sconn *sc, short what)
{
	/* HTTP/2 sends control frames on idle connections (SETTINGS, PING, WINDOW_UPDATE):
	 * they do not end it */
	if (sc->h2 && (what & EV_READ) && lbd_h2_srv_idle_read(sc) == 0)
		return;
	if (sc->flags & LBD_SC_F_IDLE)
		idle_unlink(sc);
	if (sc->priv_owner) {
		sc->priv_owner->priv_sconn = NULL;
		sc->priv_owner = NULL;
	}
	lbd_sconn_close(sc);
}

void
lbd_backend_forget_server(struct lbd_thread *thr, const struct lbd_server *srv,
			  struct lbd_sconn *idle)
{
	while (idle) {
		struct lbd_sconn *sc = idle;
		idle = sc->idle_next;
		lbd_sconn_close(sc);
	}
	for (unsigned i = 0; i < thr->ncconn; i++) {
		struct lbd_cconn *cc = thr->cconns[i];
		if (cc->priv_sconn && cc->priv_sconn->srv == srv)
			lbd_backend_idle_event(cc->priv_sconn, 0);
	}
}

static void
attach(struct lbd_stream *s, struct lbd_sconn *sc)
{
	sc->strm = s;
	s->sc = sc;
	if (sc->tls)
		s->flags |= LBD_STRM_F_NO_SPLICE;	/* TLS records, not bytes */
	/* drop the purge timeout; the read event itself stays registered (no epoll_ctl) */
	event_remove_timer(&sc->rev);
	s->srv->ctr[s->thr->id].reuse++;
}

/* A connection that carried a PROXY header speaks for one client only: keep it private. */
static bool
srv_private(const struct lbd_server *srv)
{
	return srv->cfg->send_proxy > 0 || srv->cfg->send_proxy_v2 > 0;
}

static struct lbd_sconn *
take_idle(struct lbd_stream *s)
{
	struct lbd_cconn *cc = s->cc;
	struct lbd_sconn *sc = cc ? cc->priv_sconn : NULL;
	enum lb_http_reuse mode = s->be->cfg->http_reuse;
	bool first = !cc || cc->nreq <= 1;

	if (sc) {
		cc->priv_sconn = NULL;
		sc->priv_owner = NULL;
		if (sc->srv == s->srv)
			return sc;
		lbd_sconn_close(sc);	/* another server was chosen this time */
	}
	if (mode == LB_REUSE_NEVER || srv_private(s->srv))
		return NULL;
	sc = s->thr->idle[s->srv->gid].head;
	if (!sc)
		return NULL;
	if (mode == LB_REUSE_SAFE && first)
		return NULL;
	if (mode == LB_REUSE_AGGRESSIVE && first && !(sc->flags & LBD_SC_F_REUSED))
		return NULL;
	idle_unlink(sc);
	return sc;
}

int
lbd_backend_connect(struct lbd_stream *s, bool allow_reuse)
{
	struct lbd_server *srv = s->srv;
	struct lbd_sconn *sc;
	int fd, one = 1;

	if (allow_reuse) {
		sc = take_idle(s);
		if (sc) {
			attach(s, sc);
			sc->flags |= LBD_SC_F_REUSED;
			return 0;
		}
	}
	fd = socket(srv->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (srv->addr.ss_family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sc = lbd_sconn_new(s->thr, srv, fd);
	if (!sc) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	srv->ctr[s->thr->id].connects++;
	sc->strm = s;
	s->sc = sc;
	if (connect(fd, (const struct sockaddr *)&srv->addr, srv->addrlen) < 0 || srv->tls) {
		if (!srv->tls && errno != EINPROGRESS) {
			int err = errno;
			s->sc = NULL;
			lbd_sconn_close(sc);
			errno = err;
			return -1;
		}
		/* with TLS, even an at once connect goes through the handshake (stream.c) */
		sc->flags |= LBD_SC_F_CONNECTING;
		lbd_sconn_want_write(sc, true);
	}
	lbd_sconn_want_read(sc, true);
	return 0;
}

void
lbd_backend_park_sconn(struct lbd_stream *s, bool reusable)
{
	struct lbd_sconn *sc = s->sc;
	struct lbd_cconn *cc = s->cc;
	struct timeval tv = { IDLE_PURGE_MS / 1000, (IDLE_PURGE_MS % 1000) * 1000 };

	if (!sc)
		return;
	s->sc = NULL;
	sc->strm = NULL;
	lbd_sconn_want_write(sc, false);
	if (sc->tlsc && !(sc->flags & LBD_SC_F_TLS_KEPT))
		lbd_tls_server_keep(sc);	/* TLS 1.3 tickets came with the exchange */
	if (!reusable || (sc->flags & (LBD_SC_F_EOF | LBD_SC_F_NOREUSE)) ||
	    s->thr->stopping || (sc->h2 && !lbd_h2_srv_park(sc->h2))) {
		lbd_sconn_close(sc);
		return;
	}
	sc->flags |= LBD_SC_F_REUSED;
	if (s->be->cfg->http_reuse == LB_REUSE_NEVER || srv_private(sc->srv)) {
		if (!cc) {
			lbd_sconn_close(sc);
			return;
		}
		if (cc->priv_sconn)
			lbd_backend_idle_event(cc->priv_sconn, 0);
		cc->priv_sconn = sc;
		sc->priv_owner = cc;
	} else {
		struct lbd_idle_list *il = &s->thr->idle[sc->srv->gid];
		if (il->n >= IDLE_MAX_PER_SERVER) {
			lbd_sconn_close(sc);
			return;
		}
		sc->idle_prev = NULL;
		sc->idle_next = il->head;
		if (il->head)
			il->head->idle_prev = sc;
		il->head = sc;
		il->n++;
		sc->flags |= LBD_SC_F_IDLE;
	}
	/* arm the purge timer on the read event already registered: no epoll_ctl */
	event_add(&sc->rev, &tv);
}

int
lbd_backend_proxy_hdr(struct lbd_stream *s)
{
	const struct lb_cfg_server *cfg = s->srv->cfg;
	struct lbd_cconn *cc = s->cc;
	struct lbd_buf *b = &s->obuf;
	char hdr[LB_PROXY_MAX_LEN];
	int n, version = cfg->send_proxy_v2 > 0 ? 2 : cfg->send_proxy > 0 ? 1 : 0;

	if (!version || !s->sc || (s->sc->flags & LBD_SC_F_REUSED))
		return 0;
	/* a unix-socket client has no address to announce: PROXY UNKNOWN / LOCAL */
	if (cc->flags & LBD_CC_F_UNIX)
		n = lb_proxy_encode(version, NULL, NULL, hdr, sizeof(hdr));
	else
		n = lb_proxy_encode(version, &cc->cli.sa, lbd_cconn_dst(cc), hdr, sizeof(hdr));
	if (n <= 0 || !lbd_buf_alloc(&s->thr->bufs, b))
		return -1;
	if (b->head + b->len + (uint32_t)n > s->thr->bufs.size)
		return -1;
	memmove(b->data + n, b->data + b->head, b->len);
	memcpy(b->data, hdr, (size_t)n);
	b->head = 0;
	b->len += (uint32_t)n;
	return 0;
}

int
lbd_backend_retry(struct lbd_stream *s, const struct lb_algo_req *req)
{
	struct lbd_backend *be = s->be;
	int tid = s->thr->id;

	for (;;) {
		lbd_health_observe_l4(s->srv, false);	/* each pass follows a failed connect */
		if (s->sc) {
			s->sc->strm = NULL;
			lbd_sconn_close(s->sc);
			s->sc = NULL;
		}
		if (s->retries_left <= 0)
			return -1;
		s->retries_left--;
		s->retries_done++;
		be->ctr[tid].retries++;
		s->srv->ctr[tid].retries++;
		if (s->retries_left == 0 && be->cfg->redispatch > 0 && be->nsrv > 1) {
			struct lbd_server *old = s->srv;
			lbd_backend_release_slot(s);
			be->ctr[tid].redispatches++;
			old->ctr[tid].redispatches++;
			s->flags |= LBD_STRM_F_REDISPATCHED;
			switch (lbd_backend_assign(s, req, old)) {
			case LBD_ASSIGN_OK:
				break;
			case LBD_ASSIGN_QUEUED:
				return 0;
			default:
				return -1;
			}
		}
		if (lbd_backend_connect(s, false) == 0)
			return 0;
		be->ctr[tid].econ++;
		s->srv->ctr[tid].econ++;
	}
}

void
lbd_server_update_weight(struct lbd_server *srv)
{
	/* the control socket and the health checks (other threads) change the inputs: the
	 * lock makes the last writer see all of them, so no stale eweight wins */
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

	pthread_mutex_lock(&lock);
	int admin = __atomic_load_n(&srv->admin, __ATOMIC_RELAXED);
	int up = __atomic_load_n(&srv->health_up, __ATOMIC_RELAXED);
	int w = __atomic_load_n(&srv->uweight, __ATOMIC_RELAXED);
	int ew = (admin == LBD_SRV_READY && up) ? lbd_health_eweight(srv, w) : 0;

	srv->lb.uweight = w;
	__atomic_store_n(&srv->lb.eweight, ew, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&lock);
	lb_algo_pool_update(&srv->be->pool);
	/* more capacity (a weight back, a server ready again) may let waiters in now */
	lbd_backend_redistribute(srv->be);
}

void
lbd_backend_detach(struct lbd_stream *s, bool reusable)
{
	lbd_backend_park_sconn(s, reusable);
	lbd_backend_release_slot(s);
	lbd_backend_dequeue(s);
}

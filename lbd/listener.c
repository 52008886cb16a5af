/* lbd/listener.c: bind, accept, hand off to a client connection on the same thread
 *
 * Each thread accepts on its own SO_REUSEPORT socket, so the kernel spreads connections and
 * a connection lives and dies on the thread that accepted it. When a connection limit
 * (global maxconn, frontend maxconn, bind maxconn) is reached, the thread pauses its accept
 * events and retries on a short timer rather than refusing: the kernel backlog holds the
 * clients meanwhile, as HAProxy does.
 */
#include "listener.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "stream.h"
#include "thread.h"
#include "util.h"

#define ACCEPT_BURST 64
#define PAUSE_RETRY_MS 20

static int
bind_one(const struct lb_cfg_bind *b, bool reuseport, char **errmsg)
{
	const struct sockaddr_storage *ss = &b->addr.ss;
	int fd, one = 1;
	char name[160];

	lb_addr_format((const struct sockaddr *)ss, name, sizeof(name));
	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (ss->ss_family == AF_UNIX) {
		struct stat st;
		const char *path = ((const struct sockaddr_un *)ss)->sun_path;
		if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(path);
	} else {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		/* accepted sockets inherit it: no setsockopt per connection */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
			goto fail;
		if (ss->ss_family == AF_INET6) {
			int v6only = b->v6only ? 1 : 0;
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
		}
	}
	if (bind(fd, (const struct sockaddr *)ss, b->addr.len) < 0)
		goto fail;
	if (listen(fd, 1024) < 0)
		goto fail;
	return fd;
fail:
	*errmsg = lb_xasprintf("%s:%d: cannot bind '%s' (%s): %s", b->pos.file, b->pos.line,
			       b->spec, name, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

int
lbd_listeners_bind(struct lbd_runtime *rt, char **errmsg)
{
	for (unsigned f = 0; f < rt->nfe; f++) {
		struct lbd_frontend *fe = &rt->fe[f];
		for (unsigned l = 0; l < fe->nlisteners; l++) {
			struct lbd_listener *li = &fe->listeners[l];
			bool is_unix = li->cfg->addr.ss.ss_family == AF_UNIX;

			li->fds = malloc((size_t)rt->nbthread * sizeof(int));
			if (!li->fds) {
				*errmsg = lb_xstrdup("out of memory");
				return -1;
			}
			for (int t = 0; t < rt->nbthread; t++)
				li->fds[t] = -1;
			for (int t = 0; t < rt->nbthread; t++) {
				if (is_unix && t > 0)
					li->fds[t] = fcntl(li->fds[0], F_DUPFD_CLOEXEC, 0);
				else
					li->fds[t] = bind_one(li->cfg, !is_unix, errmsg);
				if (li->fds[t] < 0)
					return -1;
			}
		}
	}
	return 0;
}

static void pause_listeners(struct lbd_thread *thr);

static bool
over_limit(struct lbd_thread *thr, struct lbd_listener *li)
{
	struct lbd_frontend *fe = li->fe;
	int fe_max = fe->cfg->maxconn;

	if (thr->rt->maxconn > 0 &&
	    __atomic_load_n(&thr->rt->cur_conn, __ATOMIC_RELAXED) >= thr->rt->maxconn)
		return true;
	if (fe_max > 0 && __atomic_load_n(&fe->cur_conn, __ATOMIC_RELAXED) >= fe_max)
		return true;
	if (li->cfg->maxconn > 0 &&
	    __atomic_load_n(&li->cur_conn, __ATOMIC_RELAXED) >= li->cfg->maxconn)
		return true;
	return false;
}

struct accept_arg {
	struct lbd_thread *thr;
	struct lbd_listener *li;
};

static void
accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct accept_arg *aa = arg;
	struct lbd_thread *thr = aa->thr;
	struct lbd_listener *li = aa->li;

	(void)what;
	lbd_thread_now(thr);
	for (int i = 0; i < ACCEPT_BURST; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd;

		if (over_limit(thr, li)) {
			pause_listeners(thr);
			return;
		}
		fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				lb_log_sys(LB_LOG_ALERT, "accept: %s; pausing listeners",
					   strerror(errno));
				pause_listeners(thr);
			}
			return;
		}
		lbd_cconn_accept(thr, li, fd, (struct sockaddr *)&ss, sl);
	}
}

static void
resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lbd_thread *thr = arg;

	(void)fd;
	(void)what;
	if (thr->stopping)
		return;
	thr->listeners_paused = false;
	for (unsigned i = 0; i < thr->nlisten; i++)
		event_add(&thr->listen_evs[i], NULL);
}

static void
pause_listeners(struct lbd_thread *thr)
{
	struct timeval tv = { 0, PAUSE_RETRY_MS * 1000 };

	if (thr->listeners_paused)
		return;
	thr->listeners_paused = true;
	for (unsigned i = 0; i < thr->nlisten; i++)
		event_del(&thr->listen_evs[i]);
	evtimer_add(&thr->pause_timer, &tv);
}

int
lbd_listeners_thread_start(struct lbd_thread *thr)
{
	struct lbd_runtime *rt = thr->rt;
	unsigned n = 0, k = 0;
	struct accept_arg *args;

	for (unsigned f = 0; f < rt->nfe; f++)
		n += rt->fe[f].nlisteners;
	thr->listen_evs = calloc(n ? n : 1, sizeof(struct event));
	args = calloc(n ? n : 1, sizeof(*args));
	if (!thr->listen_evs || !args)
		return -1;
	for (unsigned f = 0; f < rt->nfe; f++) {
		for (unsigned l = 0; l < rt->fe[f].nlisteners; l++, k++) {
			struct lbd_listener *li = &rt->fe[f].listeners[l];
			args[k].thr = thr;
			args[k].li = li;
			event_assign(&thr->listen_evs[k], thr->base, li->fds[thr->id],
				     EV_READ | EV_PERSIST, accept_cb, &args[k]);
			event_add(&thr->listen_evs[k], NULL);
		}
	}
	thr->nlisten = n;
	if (n == 0)
		free(args);
	evtimer_assign(&thr->pause_timer, thr->base, resume_cb, thr);
	return 0;
}

void
lbd_listeners_thread_close(struct lbd_thread *thr)
{
	struct lbd_runtime *rt = thr->rt;

	event_del(&thr->pause_timer);
	for (unsigned i = 0; i < thr->nlisten; i++)
		event_del(&thr->listen_evs[i]);
	for (unsigned f = 0; f < rt->nfe; f++) {
		for (unsigned l = 0; l < rt->fe[f].nlisteners; l++) {
			struct lbd_listener *li = &rt->fe[f].listeners[l];
			if (li->fds && li->fds[thr->id] >= 0) {
				close(li->fds[thr->id]);
				li->fds[thr->id] = -1;
			}
		}
	}
}

void
lbd_listeners_thread_free(struct lbd_thread *thr)
{
	if (!thr->listen_evs)
		return;
	lbd_listeners_thread_close(thr);
	/* the accept args were allocated as one block; recover it from the first event */
	if (thr->nlisten)
		free(event_get_callback_arg(&thr->listen_evs[0]));
	free(thr->listen_evs);
	thr->listen_evs = NULL;
	thr->nlisten = 0;
}

/* --- the master's socket pool (master-worker mode) ---
 *
 * The master binds every listener once and keeps the sockets across reloads: a bind line
 * whose address and socket options did not change gets the very same sockets, so the kernel
 * never has a moment without a listener and the queued connections move from the old worker
 * to the new one (both poll the same sockets until the old one stops). */

static bool
pool_key_eq(const struct lbd_sockpool_ent *e, const struct lb_cfg_bind *b)
{
	return e->len == b->addr.len && e->v6only == b->v6only &&
	       memcmp(&e->ss, &b->addr.ss, b->addr.len) == 0;
}

static struct lbd_sockpool_ent *
pool_find(struct lbd_sockpool *p, const struct lb_cfg_bind *b)
{
	for (unsigned i = 0; i < p->n; i++)
		if (pool_key_eq(&p->ents[i], b))
			return &p->ents[i];
	return NULL;
}

static void
pool_ent_close(struct lbd_sockpool_ent *e)
{
	for (int i = 0; i < e->nfds; i++)
		if (e->fds[i] >= 0)
			close(e->fds[i]);
	free(e->fds);
	e->fds = NULL;
	e->nfds = 0;
}

/* Drops the entries for which drop(e) is true, keeping the order of the others. */
static void
pool_filter(struct lbd_sockpool *p, bool (*drop)(const struct lbd_sockpool_ent *))
{
	unsigned k = 0;

	for (unsigned i = 0; i < p->n; i++) {
		if (drop(&p->ents[i]))
			pool_ent_close(&p->ents[i]);
		else
			p->ents[k++] = p->ents[i];
	}
	p->n = k;
}

static bool ent_fresh(const struct lbd_sockpool_ent *e) { return e->fresh; }
static bool ent_unused(const struct lbd_sockpool_ent *e) { return !e->used; }

int
lbd_sockpool_prepare(struct lbd_sockpool *p, const struct lb_cfg *cfg, int nbthread,
		     char **errmsg)
{
	for (unsigned i = 0; i < p->n; i++)
		p->ents[i].used = false;
	for (const struct lb_cfg_proxy *px = cfg->proxies; px; px = px->next) {
		if ((px->caps & LB_CAP_DEFAULTS) || !(px->caps & LB_CAP_FE))
			continue;
		for (const struct lb_cfg_bind *b = px->binds; b; b = b->next) {
			struct lbd_sockpool_ent *e = pool_find(p, b);
			bool is_unix = b->addr.ss.ss_family == AF_UNIX;
			int want = is_unix ? 1 : nbthread;

			if (!e) {
				if (p->n == p->cap) {
					unsigned cap = p->cap ? p->cap * 2 : 16;
					p->ents = lb_xrealloc(p->ents, cap * sizeof(*p->ents));
					p->cap = cap;
				}
				e = &p->ents[p->n++];
				memset(e, 0, sizeof(*e));
				memcpy(&e->ss, &b->addr.ss, b->addr.len);
				e->len = b->addr.len;
				e->v6only = b->v6only;
				e->fresh = true;
			}
			e->used = true;
			if (e->nfds < want) {
				e->fds = lb_xrealloc(e->fds, (size_t)want * sizeof(int));
				while (e->nfds < want) {
					int fd = bind_one(b, !is_unix, errmsg);
					if (fd < 0) {
						lbd_sockpool_rollback(p);
						return -1;
					}
					e->fds[e->nfds++] = fd;
				}
			}
		}
	}
	return 0;
}

void
lbd_sockpool_rollback(struct lbd_sockpool *p)
{
	pool_filter(p, ent_fresh);
	for (unsigned i = 0; i < p->n; i++)
		p->ents[i].used = true;
}

void
lbd_sockpool_commit(struct lbd_sockpool *p, int nbthread)
{
	pool_filter(p, ent_unused);
	for (unsigned i = 0; i < p->n; i++) {
		struct lbd_sockpool_ent *e = &p->ents[i];
		int want = e->ss.ss_family == AF_UNIX ? 1 : nbthread;
		/* fewer threads than before: the surplus sockets leave the SO_REUSEPORT group
		 * (with net.ipv4.tcp_migrate_req=1 their queued connections move to the others) */
		while (e->nfds > want)
			close(e->fds[--e->nfds]);
		e->fresh = false;
	}
}

int
lbd_sockpool_count(const struct lbd_sockpool *p)
{
	int n = 0;

	for (unsigned i = 0; i < p->n; i++)
		n += p->ents[i].nfds;
	return n;
}

void
lbd_sockpool_free(struct lbd_sockpool *p)
{
	for (unsigned i = 0; i < p->n; i++)
		pool_ent_close(&p->ents[i]);
	free(p->ents);
	memset(p, 0, sizeof(*p));
}

int
lbd_listeners_adopt(struct lbd_runtime *rt, struct lbd_sockpool *p, char **errmsg)
{
	for (unsigned f = 0; f < rt->nfe; f++) {
		struct lbd_frontend *fe = &rt->fe[f];
		for (unsigned l = 0; l < fe->nlisteners; l++) {
			struct lbd_listener *li = &fe->listeners[l];
			struct lbd_sockpool_ent *e = pool_find(p, li->cfg);
			bool is_unix = li->cfg->addr.ss.ss_family == AF_UNIX;

			if (!e || e->nfds < (is_unix ? 1 : rt->nbthread) || e->fds[0] < 0) {
				*errmsg = lb_xasprintf("%s:%d: bind '%s': no inherited socket",
						       li->cfg->pos.file, li->cfg->pos.line,
						       li->cfg->spec);
				return -1;
			}
			li->fds = lb_xcalloc((size_t)rt->nbthread, sizeof(int));
			for (int t = 0; t < rt->nbthread; t++) {
				li->fds[t] = is_unix && t > 0 ?
					fcntl(e->fds[0], F_DUPFD_CLOEXEC, 0) : e->fds[t];
				if (li->fds[t] < 0) {
					*errmsg = lb_xasprintf("dup: %s", strerror(errno));
					return -1;
				}
				if (!is_unix || t == 0)
					e->fds[t] = -1;	/* the listener owns it now */
			}
		}
	}
	/* what this worker does not serve is the master's business: close our copies */
	lbd_sockpool_free(p);
	return 0;
}

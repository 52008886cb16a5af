/* lbd/thread.c: worker threads: one event base each, an inbox for cross-thread work
 *
 * A thread owns its event base, buffer pool, stream free list, idle server connection pools
 * and its listeners' accept events. Other threads talk to it only through lbd_thread_post(),
 * which appends to a mutex-protected inbox and writes to an eventfd; the loop runs the
 * messages. libevent's own locking is not enabled: nothing else crosses threads.
 */
#include "thread.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "health.h"
#include "listener.h"
#include "log.h"
#include "proxy.h"
#include "errors.h"
#include "sessions.h"
#include "stream.h"
#include "util.h"

static struct lbd_thread *threads;
static int nthreads;

struct lbd_thread *
lbd_thread_get(struct lbd_runtime *rt, int i)
{
	(void)rt;
	return &threads[i];
}

uint64_t
lbd_thread_now(struct lbd_thread *thr)
{
	/* CLOCK_MONOTONIC (vDSO, no system call): deadlines must not move with the wall
	 * clock when NTP steps it; wall time is only for log dates */
	thr->now_ms = lb_now_ms();
	return thr->now_ms;
}

static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lbd_thread *thr = arg;
	struct lbd_msg *m, *next, *rev = NULL;
	uint64_t v;

	(void)what;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&thr->inbox_lock);
	m = thr->inbox;
	thr->inbox = NULL;
	pthread_mutex_unlock(&thr->inbox_lock);
	/* the inbox is LIFO: reverse to run messages in the order they were posted */
	for (; m; m = next) {
		next = m->next;
		m->next = rev;
		rev = m;
	}
	lbd_thread_now(thr);
	for (m = rev; m; m = next) {
		next = m->next;
		m->fn(thr, m->arg);
		free(m);
	}
}

int
lbd_thread_post(struct lbd_thread *thr, void (*fn)(struct lbd_thread *, void *), void *arg)
{
	struct lbd_msg *m = malloc(sizeof(*m));
	uint64_t one = 1;

	if (!m)
		return -1;
	m->fn = fn;
	m->arg = arg;
	pthread_mutex_lock(&thr->inbox_lock);
	m->next = thr->inbox;
	thr->inbox = m;
	pthread_mutex_unlock(&thr->inbox_lock);
	/* the message is queued: it runs at the next wake-up even if this write fails (an
	 * eventfd only fails when its counter is saturated, i.e. a wake-up is pending) */
	ssize_t w = write(thr->wake_fd, &one, sizeof(one));
	(void)w;
	return 0;
}

void
lbd_thread_track_cconn(struct lbd_thread *thr, struct lbd_cconn *cc)
{
	if (thr->ncconn == thr->cconns_cap) {
		unsigned cap = thr->cconns_cap ? thr->cconns_cap * 2 : 256;
		struct lbd_cconn **v = realloc(thr->cconns, cap * sizeof(*v));
		if (!v) {
			cc->slot = UINT32_MAX;
			return;
		}
		thr->cconns = v;
		thr->cconns_cap = cap;
	}
	cc->slot = thr->ncconn;
	thr->cconns[thr->ncconn++] = cc;
}

void
lbd_thread_untrack_cconn(struct lbd_thread *thr, struct lbd_cconn *cc)
{
	if (cc->slot == UINT32_MAX || cc->slot >= thr->ncconn)
		return;
	struct lbd_cconn *last = thr->cconns[--thr->ncconn];
	thr->cconns[cc->slot] = last;
	last->slot = cc->slot;
}

void
lbd_thread_check_drained(struct lbd_thread *thr)
{
	if (thr->stopping && thr->ncconn == 0)
		event_base_loopexit(thr->base, NULL);
}

static void
stop_msg(struct lbd_thread *thr, void *arg)
{
	bool soft = arg != NULL;

	thr->stopping = true;
	lbd_health_thread_stop(thr);
	lbd_listeners_thread_close(thr);
	if (!soft) {
		event_base_loopbreak(thr->base);
		return;
	}
	/* Idle connections close now; busy ones close when their exchange ends. Walk a copy:
	 * soft_stop may close and untrack connections. */
	unsigned n = thr->ncconn;
	struct lbd_cconn **copy = n ? malloc(n * sizeof(*copy)) : NULL;
	if (n && !copy) {
		event_base_loopbreak(thr->base);
		return;
	}
	if (n)
		memcpy(copy, thr->cconns, n * sizeof(*copy));
	for (unsigned i = 0; i < n; i++)
		copy[i]->li->fe->ops->soft_stop(copy[i]);
	free(copy);
	lbd_thread_check_drained(thr);
}

void
lbd_threads_stop(struct lbd_runtime *rt, bool soft)
{
	for (int i = 0; i < rt->nbthread; i++)
		lbd_thread_post(&threads[i], stop_msg, soft ? (void *)1 : NULL);
}

int
lbd_threads_init(struct lbd_runtime *rt, char **errmsg)
{
	struct event_config *ecfg;

	nthreads = rt->nbthread;
	threads = calloc((size_t)nthreads, sizeof(*threads));
	if (!threads || lbd_sessions_init(rt) < 0 || lbd_errors_init(rt) < 0) {
		*errmsg = lb_xstrdup("out of memory");
		return -1;
	}
	ecfg = event_config_new();
	if (!ecfg) {
		*errmsg = lb_xstrdup("out of memory");
		return -1;
	}
	/* no libevent locks (threads share nothing through it); coalesce epoll_ctl calls */
	event_config_set_flag(ecfg, EVENT_BASE_FLAG_NOLOCK);
	event_config_set_flag(ecfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	for (int i = 0; i < nthreads; i++) {
		struct lbd_thread *thr = &threads[i];

		thr->id = i;
		thr->rt = rt;
		thr->base = event_base_new_with_config(ecfg);
		if (!thr->base) {
			*errmsg = lb_xstrdup("cannot create an event base");
			event_config_free(ecfg);
			return -1;
		}
		lbd_buf_pool_init(&thr->bufs, rt->bufsize, 4096);
		thr->idle = calloc(rt->nservers ? rt->nservers : 1, sizeof(*thr->idle));
		thr->hdrs = calloc(rt->maxhdr + 1, sizeof(*thr->hdrs));
		thr->scratch = malloc(rt->bufsize);
		thr->refs_cap = rt->maxhdr + 128;
		thr->refs = calloc(thr->refs_cap, sizeof(*thr->refs));
		if (!thr->idle || !thr->hdrs || !thr->scratch || !thr->refs) {
			*errmsg = lb_xstrdup("out of memory");
			event_config_free(ecfg);
			return -1;
		}
		pthread_mutex_init(&thr->inbox_lock, NULL);
		thr->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (thr->wake_fd < 0) {
			*errmsg = lb_xasprintf("eventfd: %s", strerror(errno));
			event_config_free(ecfg);
			return -1;
		}
		event_assign(&thr->wake_ev, thr->base, thr->wake_fd, EV_READ | EV_PERSIST, wake_cb,
			     thr);
		event_add(&thr->wake_ev, NULL);
		lbd_thread_now(thr);
	}
	event_config_free(ecfg);
	return 0;
}

static void
apply_cpu_map(struct lbd_thread *thr)
{
	const struct lb_cfg_cpu_map *m;
	cpu_set_t set;
	bool any = false;

	CPU_ZERO(&set);
	for (m = thr->rt->cfg->global.cpu_maps; m; m = m->next) {
		if (!(m->threads & (1ULL << thr->id)))
			continue;
		if (m->auto_spread) {
			/* the n-th thread of the set gets the n-th CPU of the set */
			int rank = __builtin_popcountll(m->threads & ((1ULL << thr->id) - 1));
			int seen = 0;
			for (int c = 0; c < 64; c++) {
				if (!(m->cpus & (1ULL << c)))
					continue;
				if (seen++ == rank % LB_MAX(1, __builtin_popcountll(m->cpus))) {
					CPU_SET(c, &set);
					any = true;
					break;
				}
			}
		} else {
			for (int c = 0; c < 64; c++)
				if (m->cpus & (1ULL << c)) {
					CPU_SET(c, &set);
					any = true;
				}
		}
	}
	if (any && pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
		lb_log_sys(LB_LOG_WARNING, "cpu-map: cannot bind thread %d", thr->id + 1);
}

static void *
thread_main(void *arg)
{
	struct lbd_thread *thr = arg;
	sigset_t all;

	/* signals are the main thread's business */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	apply_cpu_map(thr);
	event_base_dispatch(thr->base);
	return NULL;
}

int
lbd_threads_start(struct lbd_runtime *rt)
{
	for (int i = 0; i < nthreads; i++) {
		if (lbd_listeners_thread_start(&threads[i]) < 0)
			return -1;
	}
	for (int i = 0; i < nthreads; i++) {
		if (pthread_create(&threads[i].tid, NULL, thread_main, &threads[i]) != 0) {
			lb_log_sys(LB_LOG_ALERT, "cannot start thread %d: %s", i + 1,
				   strerror(errno));
			return -1;
		}
	}
	lbd_health_start(rt);
	return 0;
}

static void
thread_free(struct lbd_thread *thr)
{
	/* close what is left (hard stop) */
	while (thr->ncconn)
		lbd_cconn_close(thr->cconns[0]);
	for (unsigned i = 0; i < thr->rt->nservers; i++) {
		while (thr->idle[i].head) {
			struct lbd_sconn *sc = thr->idle[i].head;
			thr->idle[i].head = sc->idle_next;
			lbd_sconn_close(sc);
		}
	}
	while (thr->free_streams) {
		struct lbd_stream *s = thr->free_streams;
		thr->free_streams = s->next_free;
		free(s);
	}
	while (thr->inbox) {
		struct lbd_msg *m = thr->inbox;
		thr->inbox = m->next;
		free(m);
	}
	lbd_health_thread_stop(thr);	/* if its stop message never ran */
	lbd_listeners_thread_free(thr);
	event_del(&thr->wake_ev);
	close(thr->wake_fd);
	lbd_buf_pool_destroy(&thr->bufs);
	free(thr->idle);
	free(thr->hdrs);
	free(thr->scratch);
	free(thr->refs);
	free(thr->cconns);
	event_base_free(thr->base);
	pthread_mutex_destroy(&thr->inbox_lock);
}

void
lbd_threads_join(struct lbd_runtime *rt)
{
	(void)rt;
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i].tid, NULL);
	for (int i = 0; i < nthreads; i++)
		thread_free(&threads[i]);
	free(threads);
	threads = NULL;
	nthreads = 0;
	lbd_sessions_release();
	lbd_errors_release();
}

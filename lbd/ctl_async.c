/* lbd/ctl_async.c: jobs fanned out to every worker thread, gathered on the control loop */
#include "ctl_async.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "thread.h"

struct async_job {
	struct async_job *next;
	void (*work)(struct lbd_thread *thr, void *arg);
	void (*done)(void *arg, bool live);
	void *arg;
	int pending;		/* threads that have not run it yet (atomic) */
};

static struct {
	pthread_mutex_t lock;
	struct async_job *finished;	/* guarded by lock */
	bool live;			/* guarded by lock: the control loop watches */
	int fd;
	struct event *ev;
} as = { .lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1 };

static void
finished_cb(evutil_socket_t fd, short what, void *arg)
{
	struct async_job *j, *next;
	uint64_t v;

	(void)what;
	(void)arg;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&as.lock);
	j = as.finished;
	as.finished = NULL;
	pthread_mutex_unlock(&as.lock);
	for (; j; j = next) {
		next = j->next;
		j->done(j->arg, true);
		free(j);
	}
}

int
lbd_ctl_async_start(struct event_base *base)
{
	if (as.ev)
		return 0;
	as.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (as.fd < 0)
		return -1;
	as.ev = event_new(base, as.fd, EV_READ | EV_PERSIST, finished_cb, NULL);
	if (!as.ev || event_add(as.ev, NULL) < 0) {
		if (as.ev)
			event_free(as.ev);
		as.ev = NULL;
		close(as.fd);
		as.fd = -1;
		errno = ENOMEM;
		return -1;
	}
	pthread_mutex_lock(&as.lock);
	as.live = true;
	pthread_mutex_unlock(&as.lock);
	return 0;
}

void
lbd_ctl_async_stop(void)
{
	struct async_job *j, *next;

	if (!as.ev)
		return;
	pthread_mutex_lock(&as.lock);
	as.live = false;
	j = as.finished;
	as.finished = NULL;
	pthread_mutex_unlock(&as.lock);
	for (; j; j = next) {
		next = j->next;
		j->done(j->arg, false);
		free(j);
	}
	event_free(as.ev);
	as.ev = NULL;
	close(as.fd);
	as.fd = -1;
}

/* The last count dropped: hand the job to the control loop. Never calls done() of a live
 * job directly, so that a handler posting a job is never re-entered by its completion. */
static void
job_finish(struct async_job *j)
{
	uint64_t one = 1;
	bool live;

	pthread_mutex_lock(&as.lock);
	live = as.live;
	if (live) {
		j->next = as.finished;
		as.finished = j;
		/* under the lock: lbd_ctl_async_stop cannot close the fd meanwhile */
		ssize_t w = write(as.fd, &one, sizeof(one));
		(void)w;	/* fails only when a wake-up is already pending */
	}
	pthread_mutex_unlock(&as.lock);
	if (!live) {
		j->done(j->arg, false);
		free(j);
	}
}

static void
job_run(struct lbd_thread *thr, void *arg)
{
	struct async_job *j = arg;

	j->work(thr, j->arg);
	if (__atomic_sub_fetch(&j->pending, 1, __ATOMIC_ACQ_REL) == 0)
		job_finish(j);
}

int
lbd_ctl_async_all(struct lbd_runtime *rt, void (*work)(struct lbd_thread *thr, void *arg),
		  void (*done)(void *arg, bool live), void *arg)
{
	struct async_job *j = calloc(1, sizeof(*j));
	int posted = 0;

	if (!j)
		return -1;
	j->work = work;
	j->done = done;
	j->arg = arg;
	/* one extra count held while posting, so that no thread can finish the job before
	 * every post was attempted */
	j->pending = rt->nbthread + 1;
	for (int i = 0; i < rt->nbthread; i++) {
		if (lbd_thread_post(lbd_thread_get(rt, i), job_run, j) == 0)
			posted++;
		else
			__atomic_sub_fetch(&j->pending, 1, __ATOMIC_ACQ_REL);
	}
	if (posted == 0) {
		free(j);
		return -1;
	}
	/* drop the posting count; if every thread already ran it, finish it from here */
	if (__atomic_sub_fetch(&j->pending, 1, __ATOMIC_ACQ_REL) == 0)
		job_finish(j);
	return 0;
}

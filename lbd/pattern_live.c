/* lbd/pattern_live.c: see pattern_live.h */
#include "pattern_live.h"

#include <pthread.h>
#include <stdlib.h>

#include "map.h"
#include "runtime_types.h"
#include "thread.h"
#include "util.h"

struct retired {
	struct retired *next, *prev;
	void (*free_fn)(void *);
	void *obj;
	int pending;		/* threads that have not passed a quiescent point yet */
};

static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct retired *live_list;
static struct lbd_runtime *live_rt;

static void
unlink_free(struct retired *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		live_list = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->free_fn(r->obj);
	free(r);
}

/* Runs on each worker thread, between events. */
static void
quiescent(struct lbd_thread *thr, void *arg)
{
	struct retired *r = arg;

	(void)thr;
	if (__atomic_sub_fetch(&r->pending, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	pthread_mutex_lock(&live_lock);
	unlink_free(r);
	pthread_mutex_unlock(&live_lock);
}

static void
retire(void (*free_fn)(void *), void *obj)
{
	struct retired *r = lb_xcalloc(1, sizeof(*r));
	int n = live_rt->nbthread;

	r->free_fn = free_fn;
	r->obj = obj;
	r->pending = n + 1;	/* +1: the poster's own reference, dropped below */
	pthread_mutex_lock(&live_lock);
	r->next = live_list;
	if (live_list)
		live_list->prev = r;
	live_list = r;
	pthread_mutex_unlock(&live_lock);
	for (int i = 0; i < n; i++) {
		struct lbd_thread *thr = lbd_thread_get(live_rt, i);
		if (!thr || lbd_thread_post(thr, quiescent, r) < 0)
			quiescent(NULL, r);	/* no such thread: nothing to wait for */
	}
	quiescent(NULL, r);
}

void
lbd_pattern_live_init(struct lbd_runtime *rt)
{
	live_rt = rt;
	lb_pat_set_retire(retire);
}

void
lbd_pattern_live_free(void)
{
	lb_pat_set_retire(NULL);
	pthread_mutex_lock(&live_lock);
	while (live_list)
		unlink_free(live_list);
	pthread_mutex_unlock(&live_lock);
	live_rt = NULL;
}

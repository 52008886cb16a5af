/* lbd/sessions.c: the per-thread registry of live streams, and ending streams on request
 *
 * Each thread's list is only ever touched by that thread: lbd_stream_new/free add and remove
 * (O(1), no lock), and the control socket reads or changes it by posting a message to the
 * thread (lbd/ctl_async.c). Stream ids are unique without shared state: thread t's n-th stream
 * gets n * nbthread + t + 1, so the id also names the thread that owns it.
 */
#include "sessions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access_log.h"
#include "backend.h"
#include "stream.h"
#include "thread.h"
#include "util.h"

/* One per thread, on its own cache line: only its thread writes it. */
struct sess_list {
	struct lbd_stream *head, *tail;
	uint64_t seq;
	unsigned n;
} __attribute__((aligned(64)));

static struct sess_list *lists;
static int nlists;
static struct lbd_runtime *sess_rt;

int
lbd_sessions_init(struct lbd_runtime *rt)
{
	lists = aligned_alloc(64, sizeof(*lists) * (size_t)rt->nbthread);
	if (!lists)
		return -1;
	memset(lists, 0, sizeof(*lists) * (size_t)rt->nbthread);
	nlists = rt->nbthread;
	sess_rt = rt;
	return 0;
}

void
lbd_sessions_release(void)
{
	free(lists);
	lists = NULL;
	nlists = 0;
}

void
lbd_sessions_add(struct lbd_stream *s)
{
	struct sess_list *l = &lists[s->thr->id];

	s->sess_id = l->seq++ * (uint64_t)nlists + (uint64_t)s->thr->id + 1;
	s->sess_next = NULL;
	s->sess_prev = l->tail;
	if (l->tail)
		l->tail->sess_next = s;
	else
		l->head = s;
	l->tail = s;
	l->n++;
}

void
lbd_sessions_remove(struct lbd_stream *s)
{
	struct sess_list *l = &lists[s->thr->id];

	if (s->sess_prev)
		s->sess_prev->sess_next = s->sess_next;
	else
		l->head = s->sess_next;
	if (s->sess_next)
		s->sess_next->sess_prev = s->sess_prev;
	else
		l->tail = s->sess_prev;
	s->sess_prev = s->sess_next = NULL;
	l->n--;
}

void
lbd_sessions_kill(struct lbd_stream *s)
{
	/* 'K': killed by an administrator (HAProxy's termination state for shutdown session) */
	lbd_stream_abort(s, 'K', s->term[1] == '-' ? 'D' : s->term[1]);
}

static const char *const state_names[] = {
	[LBD_ST_REQ_HEAD] = "request",
	[LBD_ST_QUEUED] = "queued",
	[LBD_ST_CONNECTING] = "connecting",
	[LBD_ST_FORWARD] = "forward",
	[LBD_ST_TUNNEL] = "tunnel",
	[LBD_ST_LOCAL_REPLY] = "local-reply",
	[LBD_ST_TARPIT] = "tarpit",
};

static void
fill_info(struct lbd_stream *s, uint64_t now, struct lbd_session_info *o)
{
	const struct lbd_cconn *cc = s->cc;
	uint64_t start = s->t_start_ms ? s->t_start_ms : cc->accept_ms;
	uint64_t last = LB_MAX(s->cli_activity_ms, s->srv_activity_ms);

	if (!last)
		last = start;
	memset(o, 0, sizeof(*o));
	o->id = s->sess_id;
	o->thread = s->thr->id;
	snprintf(o->frontend, sizeof(o->frontend), "%s", s->fe ? s->fe->name : "-");
	snprintf(o->backend, sizeof(o->backend), "%s", s->be ? s->be->name : "-");
	snprintf(o->server, sizeof(o->server), "%s", s->srv ? s->srv->name : "-");
	if (cc->flags & LBD_CC_F_UNIX)
		snprintf(o->client, sizeof(o->client), "unix");
	else
		lb_addr_format(&cc->cli.sa, o->client, sizeof(o->client));
	o->state = (unsigned)s->state < LB_ARRAY_SIZE(state_names) && state_names[s->state] ?
		   state_names[s->state] : "?";
	o->age_ms = now > start ? now - start : 0;
	o->idle_ms = now > last ? now - last : 0;
	o->bytes_in = s->bytes_in;
	o->bytes_out = s->bytes_out;
	snprintf(o->request, sizeof(o->request), "%.*s", s->reqline ? (int)s->reqline_len : 1,
		 s->reqline ? s->reqline : "-");
}

unsigned
lbd_sessions_list(struct lbd_thread *thr, struct lbd_session_info *out, unsigned max)
{
	struct sess_list *l = &lists[thr->id];
	uint64_t now = lbd_thread_now(thr);
	unsigned i = 0;

	for (struct lbd_stream *s = l->head; s && i < max; s = s->sess_next)
		fill_info(s, now, &out[i++]);
	return l->n;
}

unsigned
lbd_sessions_kill_id(struct lbd_thread *thr, uint64_t id)
{
	struct sess_list *l = &lists[thr->id];

	for (struct lbd_stream *s = l->head; s; s = s->sess_next) {
		if (s->sess_id == id) {
			lbd_sessions_kill(s);
			return 1;
		}
	}
	return 0;
}

unsigned
lbd_sessions_kill_server(struct lbd_thread *thr, const struct lbd_server *srv)
{
	struct sess_list *l = &lists[thr->id];
	struct lbd_stream *s, *next;
	unsigned n = 0;

	/* killing a stream frees only that stream (a slot it releases is handed to a waiter
	 * through a posted message), so the saved next pointer stays valid */
	for (s = l->head; s; s = next) {
		next = s->sess_next;
		if (s->srv == srv) {
			lbd_sessions_kill(s);
			n++;
		}
	}
	return n;
}

static void
shutdown_server_msg(struct lbd_thread *thr, void *arg)
{
	lbd_sessions_kill_server(thr, arg);
}

void
lbd_sessions_shutdown_server(struct lbd_server *srv)
{
	for (int i = 0; i < nlists; i++)
		lbd_thread_post(lbd_thread_get(sess_rt, i), shutdown_server_msg, srv);
}

/* lbd/sessions.h: the registry of live streams ("show sessions", "shutdown session(s)")
 *
 * Every stream is on its own thread's list from lbd_stream_new() to lbd_stream_free(): an
 * intrusive doubly linked list, O(1) add and remove, touched only by the owning thread, so
 * the request path takes no lock. Other threads never read a list: they post a message to the
 * owning thread (lbd_thread_post) and get the answer back asynchronously (lbd/ctl_async.h).
 */
#ifndef LBD_SESSIONS_H
#define LBD_SESSIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime_types.h"
#include "stream_types.h"
#include "thread_types.h"

/* Allocates the per-thread lists (call once the thread count is known, before the threads
 * start; lbd_threads_init does). Returns 0 or -1 on OOM. */
int lbd_sessions_init(struct lbd_runtime *rt);
/* Frees them (after the threads are joined). */
void lbd_sessions_release(void);

/* On the stream's thread: register a new stream (gives it s->sess_id, unique in the process)
 * and unregister it when it is freed. */
void lbd_sessions_add(struct lbd_stream *s);
void lbd_sessions_remove(struct lbd_stream *s);

/* Closes every stream using srv, each on its own thread (posted; returns at once). Callable
 * from any thread (health checks: on-marked-down shutdown-sessions; the control socket). */
void lbd_sessions_shutdown_server(struct lbd_server *srv);

/* On the stream's own thread: ends it now, as HAProxy's "shutdown session" does (termination
 * state 'K', logged, server slot released, client connection closed). Frees s. */
void lbd_sessions_kill(struct lbd_stream *s);

/* --- for the control socket (lbd/ctl_server.c): run on a worker thread --- */

/* One row of "show sessions", filled on the stream's thread. */
struct lbd_session_info {
	uint64_t id;
	int thread;
	char frontend[64];
	char backend[64];
	char server[64];
	char client[64];		/* "addr:port" or "unix" */
	const char *state;		/* static string */
	uint64_t age_ms;
	uint64_t idle_ms;
	uint64_t bytes_in, bytes_out;
	char request[128];		/* HTTP request line (when the frontend logs), or "-" */
};

/* Fills up to max rows from thr's list (in creation order, oldest first); returns how many
 * streams the thread has in all (may exceed max). */
unsigned lbd_sessions_list(struct lbd_thread *thr, struct lbd_session_info *out, unsigned max);
/* Kills the stream with this id if it lives on thr; returns 1 if it did, else 0. */
unsigned lbd_sessions_kill_id(struct lbd_thread *thr, uint64_t id);
/* Kills thr's streams on srv; returns how many. */
unsigned lbd_sessions_kill_server(struct lbd_thread *thr, const struct lbd_server *srv);

#endif

/* lbd/thread_types.h: a worker thread and its private resources */
#ifndef LBD_THREAD_TYPES_H
#define LBD_THREAD_TYPES_H

#include <pthread.h>
#include <event2/event_struct.h>

#include "buf.h"
#include "stream_types.h"

struct lbd_runtime;

/* A message from another thread: a callback run on this thread's event loop. */
struct lbd_msg {
	struct lbd_msg *next;
	void (*fn)(struct lbd_thread *thr, void *arg);
	void *arg;
};

/* A header of a message being rewritten: borrowed name and value. */
struct lbd_hdr_ref {
	const char *name;
	const char *val;
	uint32_t nlen;
	uint32_t vlen;
};

/* Per server and thread: the idle connections ready for reuse. */
struct lbd_idle_list {
	struct lbd_sconn *head;
	unsigned n;
};

struct lbd_thread {
	int id;				/* 0-based */
	pthread_t tid;
	struct lbd_runtime *rt;
	struct event_base *base;
	struct lbd_buf_pool bufs;
	struct lbd_stream *free_streams;
	unsigned nfree_streams;
	struct lbd_idle_list *idle;	/* [rt->nservers] */
	struct event *listen_evs;	/* one per listener */
	unsigned nlisten;
	bool listeners_paused;
	struct event pause_timer;
	/* cross-thread inbox, woken by an eventfd */
	int wake_fd;
	struct event wake_ev;
	pthread_mutex_t inbox_lock;
	struct lbd_msg *inbox;
	/* scratch for parsing a head (used synchronously, never across events) */
	struct lb_http1_hdr *hdrs;
	char *scratch;			/* bufsize bytes for rendered header values */
	struct lbd_hdr_ref *refs;	/* header list being rewritten */
	unsigned refs_cap;
	/* live objects, for soft stop and shutdown */
	unsigned ncconn;
	unsigned nstreams;
	struct lbd_cconn **cconns;	/* idle + active client connections, unordered */
	unsigned cconns_cap;
	bool stopping;			/* soft stop: no new requests, exit when empty */
	uint64_t now_ms;		/* cached per loop iteration */
	unsigned long long req_seq;
};

#endif

/* lbd/runtime_types.h: the daemon's runtime objects built from a finalized config
 *
 * lbd_runtime_build() turns a struct lb_cfg into frontends, backends and servers; they keep
 * pointers into the config (which lives as long as the runtime) for names and settings.
 * Mutable shared state is small and explicit: server admin/health state and weights
 * (atomics, then lb_algo_pool_update), current connection counts (atomics), the backend queue
 * (mutex). Everything else is read-only once threads start.
 */
#ifndef LBD_RUNTIME_TYPES_H
#define LBD_RUNTIME_TYPES_H

#include <pthread.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "cfg_types.h"
#include "algo_types.h"
#include "rate.h"
#include "stats_types.h"

struct lb_logger;
struct lbd_stream;
struct lbd_health;

enum lbd_srv_admin {
	LBD_SRV_READY = 0,
	LBD_SRV_DRAIN,		/* no new sessions; existing ones finish; checks go on */
	LBD_SRV_MAINT,		/* no traffic, no checks */
};

struct lbd_server {
	struct lb_algo_srv lb;		/* the algorithms' view: weights, cur_sess */
	const struct lb_cfg_server *cfg;
	struct lbd_backend *be;
	int gid;			/* index over all servers of the process (idle pools) */
	const char *name;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int admin;			/* enum lbd_srv_admin, atomic */
	int health_up;			/* 1 up, 0 down (health checks), atomic */
	int uweight;			/* operator weight, atomic */
	struct lbd_srv_counters *ctr;	/* [nbthread] */
	struct lbd_rates *rates;	/* [nbthread] */
	int max_sess;			/* most concurrent sessions (smax), atomic */
	struct lbd_health *hc;		/* checks (lbd/health.h); NULL: none, always up */
	struct lbd_srv_tls *tls;	/* server ... ssl (lbd/tls_srv.c), else NULL */
	/* "add server" (lbd/dynsrv.c): the server's own config and its option words as typed
	 * (NULL for servers of the config files) */
	struct lb_cfg_server *dyn_cfg;
	char *dyn_args;
	int ctl_refs;			/* control-loop holders (wait, shutdown sessions): no del */
};

/* A queued stream waiting for a server slot (backend queue, FIFO). */
struct lbd_queue_entry {
	struct lbd_queue_entry *next;
	struct lbd_stream *strm;
	struct lbd_thread *thr;
	struct lbd_server *granted;	/* set by the thread that freed a slot */
};

struct lbd_backend {
	const struct lb_cfg_proxy *cfg;
	const char *name;
	enum lb_mode mode;
	struct lbd_server **srv;
	unsigned nsrv;
	struct lb_algo_pool pool;
	struct lb_algo_srv **view;	/* the servers as the algorithms see them */
	const struct lb_algo_ops *algo;
	int cur_conn;			/* atomic */
	pthread_mutex_t qlock;
	struct lbd_queue_entry *qhead, *qtail;
	int qlen;			/* guarded by qlock; read relaxed for logs */
	int maxqueue;			/* sum of the servers' maxqueue when all set one, else 0 */
	int qmax;			/* longest queue seen (guarded by qlock) */
	int max_conn;			/* most concurrent sessions (smax), atomic */
	struct lbd_px_counters *ctr;	/* [nbthread] */
	struct lbd_rates *rates;	/* [nbthread] */
};

/* One bind line: a socket per thread (SO_REUSEPORT) or one shared socket (unix). */
struct lbd_listener {
	const struct lb_cfg_bind *cfg;
	struct lbd_frontend *fe;
	int *fds;			/* [nbthread]; one dup per thread for unix sockets */
	int cur_conn;			/* atomic */
	struct lbd_tls_bind *tls;	/* bind ... ssl (lbd/tls.h), else NULL */
	bool tls_owner;			/* the copies of one bind line share tls */
};

struct lbd_mode_ops;

struct lbd_frontend {
	const struct lb_cfg_proxy *cfg;
	const struct lbd_mode_ops *ops;
	const char *name;
	enum lb_mode mode;
	struct lbd_listener *listeners;
	unsigned nlisteners;
	struct lbd_backend *default_be;	/* default_backend, the first use_backend, or itself */
	/* [i]: backend of the i-th use_backend line; NULL when none has a condition, so that
	 * default_be alone decides (lbd/acl_ctx.c) */
	struct lbd_backend **use_be;
	struct lbd_backend *self_be;	/* for listen sections */
	struct lb_logger *logger;	/* NULL when this proxy does not log */
	int cur_conn;			/* atomic */
	int max_conn;			/* most concurrent connections (smax), atomic */
	struct lbd_px_counters *ctr;	/* [nbthread] */
	struct lbd_rates *rates;	/* [nbthread] */
	/* errorfiles indexed by status class: raw responses; NULL -> built-in */
	const struct lb_cfg_proxy *errors_px;
};

/* HTTP/2 settings of the process ("tune.h2.*", lbd/h2_front.c). */
struct lbd_h2_settings {
	unsigned header_table_size;
	unsigned initial_window_size;
	unsigned max_concurrent_streams;
	unsigned max_frame_size;
	unsigned max_header_list;	/* decoded header list cap: tune.bufsize */
};

struct lbd_runtime {
	struct lb_cfg *cfg;
	int nbthread;
	struct lbd_frontend *fe;
	unsigned nfe;
	struct lbd_backend *be;
	unsigned nbe;
	struct lbd_server **servers;	/* all servers, by gid */
	unsigned nservers;
	struct lb_logger *global_logger;
	int maxconn;			/* process-wide client connection limit */
	int cur_conn;			/* atomic */
	uint32_t bufsize;
	unsigned maxhdr;
	struct lbd_h2_settings h2;
	int pid;
	uint64_t start_ms;
	volatile int stopping;		/* soft stop in progress */
	struct lbd_backend **be_by_id;	/* [proxy id]: nbsrv(), be_conn(), srv_is_up() */
	unsigned nbe_by_id;
	struct lbd_backend **be_by_name;	/* hash of names (power of 2): dynamic use_backend */
	unsigned nbe_by_name;
};

#endif

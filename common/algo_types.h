/* common/algo_types.h: the interface between backends and balancing algorithms
 *
 * A backend hands its algorithm an array of lb_algo_srv (one per server, embedded in the
 * daemon's runtime server). Fields marked "live" are written by other threads with relaxed
 * atomics; algorithms only read them. Selection runs under the pool's mutex, so an
 * algorithm's private state needs no locking of its own. Weights or states changing call
 * lb_algo_pool_update(), which rebuilds the state (also under the mutex).
 */
#ifndef LB_ALGO_TYPES_H
#define LB_ALGO_TYPES_H

#include <stdint.h>
#include <stdbool.h>
#include <pthread.h>
#include "cfg_types.h"

struct lb_algo_srv {
	int id;			/* 1-based, config order; stable key for consistent hashing */
	const char *name;	/* server name (also a consistent-hash key) */
	bool backup;
	int uweight;		/* user weight 0..256 (config or operator) */
	int maxconn;		/* 0 = unlimited */
	/* live: */
	int eweight;		/* effective weight, 0 = must not get new sessions (down, maint,
				 * drain, weight 0); set by the owner then pool update */
	int cur_sess;		/* sessions currently on this server (atomic) */
	void *owner;		/* the daemon's server object */
};

/* What the caller knows about the request, for hash-based algorithms. */
struct lb_algo_req {
	bool has_hash;		/* false: a hash algorithm falls back to round robin */
	uint64_t hash;
};

/* The kind of input a hash algorithm needs; the data plane computes it. */
enum lb_algo_input {
	LB_ALGO_IN_NONE = 0,
	LB_ALGO_IN_SRC,		/* client address */
	LB_ALGO_IN_URI,
	LB_ALGO_IN_URL_PARAM,
	LB_ALGO_IN_HDR,
};

struct lb_algo_group;

struct lb_algo_ops {
	const char *name;		/* "roundrobin", "leastconn", ... as after "balance" */
	enum lb_algo_input input;
	bool http_only;			/* uri, url_param, hdr need mode http */
	bool needs_arg;			/* url_param <name>, hdr(<name>) */
	const char *help;
	/* Builds the private state for the servers of one group. Returns NULL on OOM. */
	void *(*init)(struct lb_algo_srv **srv, unsigned n, const struct lb_cfg_balance *bal);
	void (*free)(void *state);
	/* Rebuilds after weights or states changed (may simply free + init). */
	void (*update)(void *state, struct lb_algo_srv **srv, unsigned n);
	/* Returns an available server (eweight > 0 and below maxconn), or NULL. */
	struct lb_algo_srv *(*pick)(void *state, struct lb_algo_srv **srv, unsigned n,
				    const struct lb_algo_req *req, const struct lb_algo_srv *avoid);
};

/* One backend's servers, split in active and backup groups. */
struct lb_algo_pool {
	const struct lb_algo_ops *ops;
	struct lb_cfg_balance bal;	/* copy; strings borrowed from the config */
	bool allbackups;
	struct lb_algo_srv **active;
	unsigned nactive;
	struct lb_algo_srv **backup;
	unsigned nbackup;
	void *active_state;
	void *backup_state;
	pthread_mutex_t lock;
};

#endif

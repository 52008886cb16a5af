/* common/algo_priv.h: what the algorithm files share; not for use outside common/algo*.c
 *
 * Every algorithm row is defined in its own file and listed in the registry in algo.c. The
 * smooth weighted sequence (struct lb_algo_wrr, in algo_roundrobin.c) is the backbone of
 * roundrobin and static-rr, the map of map-based hashing and the round-robin fallback of the
 * hash algorithms, so it lives here once.
 */
#ifndef LB_ALGO_PRIV_H
#define LB_ALGO_PRIV_H

#include "algo_types.h"

extern const struct lb_algo_ops lb_algo_ops_roundrobin;
extern const struct lb_algo_ops lb_algo_ops_static_rr;
extern const struct lb_algo_ops lb_algo_ops_leastconn;
extern const struct lb_algo_ops lb_algo_ops_first;
extern const struct lb_algo_ops lb_algo_ops_source;
extern const struct lb_algo_ops lb_algo_ops_uri;
extern const struct lb_algo_ops lb_algo_ops_url_param;
extern const struct lb_algo_ops lb_algo_ops_hdr;
extern const struct lb_algo_ops lb_algo_ops_random;

/* A smooth weighted sequence over the servers of one group: server i (weight w, reduced by
 * the gcd of all weights) appears w times per cycle, interleaved with the others, so that a
 * cursor walking it gives each server its share with the shortest possible runs. Entries
 * are indices into the group's srv[] array, which stays the same for the group's life. */
struct lb_algo_wrr {
	uint32_t *seq;		/* len entries */
	uint32_t len;		/* 0: no server had a weight at build time */
	uint32_t pos;		/* the cursor of round-robin walks */
	uint32_t *members;	/* distinct indices present in seq */
	uint32_t nmembers;
};

/* Builds (or rebuilds, keeping the cursor) the sequence from each server's uweight
 * (use_uweight) or eweight. On OOM returns -1 and leaves w as it was. */
int lb_algo_wrr_build(struct lb_algo_wrr *w, struct lb_algo_srv **srv, unsigned n,
		      bool use_uweight);
void lb_algo_wrr_clear(struct lb_algo_wrr *w);
/* The next available server in round-robin order, skipping `avoid` unless it is the only
 * available member; NULL when no member is available. Advances the cursor. */
struct lb_algo_srv *lb_algo_wrr_next(struct lb_algo_wrr *w, struct lb_algo_srv **srv,
				     const struct lb_algo_srv *avoid);
/* The server at seq[start % len], or if it cannot be used the next usable entry after it
 * (same rule for `avoid`). Does not move the cursor: map-based hashing. */
struct lb_algo_srv *lb_algo_wrr_at(const struct lb_algo_wrr *w, struct lb_algo_srv **srv,
				   uint64_t start, const struct lb_algo_srv *avoid);

/* True when some member srv[members[i]] other than `avoid` is available. */
bool lb_algo_members_usable(struct lb_algo_srv **srv, const uint32_t *members, uint32_t n,
			    const struct lb_algo_srv *avoid);
/* The answer when every other choice failed: `avoid` itself if it is available. */
struct lb_algo_srv *lb_algo_avoid_fallback(const struct lb_algo_srv *avoid);

/* A server's weight as algorithms read it: the live eweight (relaxed atomic), never < 0. */
int lb_algo_srv_eweight(const struct lb_algo_srv *s);
/* Compares the load cur_sess/eweight of two servers with eweight > 0: <0, 0, >0. */
int lb_algo_load_cmp(const struct lb_algo_srv *a, const struct lb_algo_srv *b);

/* The weighted round-robin state as an algorithm's state (roundrobin and static-rr share it):
 * use_uweight builds from the configured weights instead of the effective ones. */
void *lb_algo_wrr_new(struct lb_algo_srv **srv, unsigned n, bool use_uweight);
void lb_algo_wrr_free_state(void *state);
struct lb_algo_srv *lb_algo_wrr_pick(void *state, struct lb_algo_srv **srv, unsigned n,
				     const struct lb_algo_req *req,
				     const struct lb_algo_srv *avoid);

#endif

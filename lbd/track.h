/* lbd/track.h: stick counters on live traffic: tcp-request rules, track-sc and sc-* actions,
 * the trackers' end, the periodic sweep and the "show|set|clear table" commands
 *
 * A connection tracked by "tcp-request connection track-sc<n>" holds its entries in
 * cc->trk (allocated only then); a stream tracked by "http-request track-sc<n>" or
 * "tcp-request content track-sc<n>" holds them in s->trk. Tracking an entry counts a
 * connection on it (conn_cur, conn_cnt, conn_rate), a stream's tracking an HTTP request;
 * each request of a tracked connection counts one too, and the end of a stream adds its
 * bytes and its 4xx status (http_err) before conn_cur goes down again. Streams and
 * connections that track nothing cost one test of a flag or a pointer. Expired entries go
 * when looked up, and by a sweep that the end of a tracking runs at most once a second per
 * table (lb_stktable_maybe_sweep: it skips busy shards).
 */
#ifndef LBD_TRACK_H
#define LBD_TRACK_H

#include <msgpack.h>
#include <stdbool.h>

#include "acl_ctx.h"
#include "stktable.h"
#include "stream_types.h"

struct lbd_track {
	struct lb_stk_ref sc[LB_STK_NSC];
};

/* "tcp-request connection" rules of a new connection (before its mode starts). Returns
 * false when a rule rejected it: cc is closed. */
bool lbd_track_conn_rules(struct lbd_cconn *cc);
/* "tcp-request content" rules of a stream (mode tcp: once; mode http: each request).
 * Returns false when rejected (the caller ends the stream). */
bool lbd_track_content_rules(struct lbd_stream *s, struct lbd_acl_ctx *a);
/* The same during TCP content inspection (a->c.payload_partial while bytes may still come):
 * a rule whose condition cannot be decided yet stops the walk with LBD_INSPECT_WAIT, and the
 * caller runs the rules again when bytes arrive or the delay ends (trackers already taken
 * are kept: a counter tracks one entry). */
enum lbd_inspect { LBD_INSPECT_ACCEPT, LBD_INSPECT_REJECT, LBD_INSPECT_WAIT };
enum lbd_inspect lbd_track_content_inspect(struct lbd_stream *s, struct lbd_acl_ctx *a);
/* An http-request track-sc / sc-* rule whose condition held. */
void lbd_track_http_rule(struct lbd_stream *s, const struct lb_cfg_http_rule *r,
			 struct lbd_acl_ctx *a);
/* A new HTTP request on a connection that tracks entries. */
void lbd_track_http_req(struct lbd_cconn *cc);
/* The stream ends: its bytes and status go to its own and its connection's entries, and
 * its own trackers let go. */
void lbd_track_stream_end(struct lbd_stream *s);
/* The connection closes: its trackers let go. */
void lbd_track_cconn_end(struct lbd_cconn *cc);

/* Control commands (lbd/ctl_server.c): argv after the command words. They fill `pk` with
 * the reply's data, or return a status with a message in msg. */
int lbd_track_ctl_show(struct lb_cfg *cfg, int argc, char **argv, msgpack_packer *pk,
		       char *msg, size_t msglen);
int lbd_track_ctl_set(struct lb_cfg *cfg, int argc, char **argv, char *msg, size_t msglen);
int lbd_track_ctl_clear(struct lb_cfg *cfg, int argc, char **argv, char *msg, size_t msglen);

#endif

/* lbd/stream_types.h: client connections, streams and server connections
 *
 * Three objects, so that an idle keep-alive client costs as little as possible:
 * - lbd_cconn: one accepted client connection. Long-lived; holds the fd, its read event
 *   (with the idle/request timeout), the client address and a request buffer only while
 *   bytes are waiting. About 250 bytes when idle.
 * - lbd_stream: one exchange in progress: an HTTP request/response, or a whole TCP session.
 *   Taken from the thread's free list when a request starts, returned when it ends.
 * - lbd_sconn: one connection to a server; owned by a stream while in use, by the thread's
 *   idle pool (or the client connection, for http-reuse never) between requests.
 * All three live on exactly one thread.
 */
#ifndef LBD_STREAM_TYPES_H
#define LBD_STREAM_TYPES_H

#include <event2/event_struct.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdbool.h>

#include "buf.h"
#include "http1.h"
#include "stktable.h"

struct lbd_thread;
struct lbd_listener;
struct lbd_frontend;
struct lbd_backend;
struct lbd_server;
struct lbd_queue_entry;
struct lbd_svc_out;
struct lbd_track;
struct gnutls_session_int;	/* gnutls_session_t */
struct lb_tls_client;
struct lb_vars;
struct lb_cfg_http_rule;
struct lbd_h2_srv;

/* A compact socket address: big enough for IPv4 and IPv6 (unix clients keep AF_UNIX only). */
union lbd_addr {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
};

enum {
	LBD_CC_F_EOF = 1 << 0,		/* client sent FIN */
	LBD_CC_F_PROXY_DONE = 1 << 2,	/* PROXY header received (or not expected) */
	LBD_CC_F_UNIX = 1 << 3,
	LBD_CC_F_DST_KNOWN = 1 << 6,	/* dst filled (getsockname only when needed) */
	LBD_CC_F_LINGER = 1 << 7,	/* closing: our side shut, the client's bytes discarded */
	LBD_CC_F_TLS_HS = 1 << 8,	/* TLS handshake in progress (lbd/tls.h) */
	LBD_CC_F_TLS_EVW = 1 << 9,	/* ev is assigned EV_WRITE for the handshake */
	LBD_CC_F_TLS_TKT = 1 << 12,	/* handshake done, TLS 1.3 tickets still to send */
	LBD_CC_F_H2 = 1 << 10,		/* speaks HTTP/2: driven by lbd/h2_front.c (cc->h2c) */
	LBD_CC_F_H2S = 1 << 11,		/* virtual: one h2 stream of an LBD_CC_F_H2 connection,
					 * no socket (cc->h2s, fd -1) */
};

struct lbd_h2c;
struct lbd_h2s;

struct lbd_cconn {
	struct event ev;		/* EV_READ on fd, with the idle/request timeout */
	int fd;
	uint16_t flags;			/* LBD_CC_F_* */
	uint16_t nreq;			/* requests served on this connection (saturates) */
	uint32_t slot;			/* index in thr->cconns */
	uint32_t linger_bytes;		/* discarded while lingering (LBD_CC_F_LINGER) */
	struct lbd_thread *thr;
	struct lbd_listener *li;
	struct lbd_stream *strm;	/* the exchange in progress, or NULL when idle */
	struct lbd_sconn *priv_sconn;	/* kept for the next request (http-reuse never) */
	struct lbd_buf rbuf;		/* bytes from the client not yet consumed */
	union lbd_addr cli;		/* client address (after PROXY protocol) */
	union lbd_addr dst;		/* the address it connected to: use lbd_cconn_dst() */
	uint64_t accept_ms;
	struct timeval accept_tv;	/* wall clock, for logs */
	uint64_t idle_start_ms;		/* when the connection last went idle */
	struct lbd_track *trk;		/* tcp-request connection track-sc (lbd/track.h) */
	struct gnutls_session_int *tls;	/* TLS session (bind ... ssl), NULL: clear text; a
					 * virtual h2 stream shares its connection's */
	union {
		struct lbd_h2c *h2c;	/* LBD_CC_F_H2 */
		struct lbd_h2s *h2s;	/* LBD_CC_F_H2S */
	};
	struct lb_vars *vars;		/* sess/txn/req/res variables (lbd/http_act.h), NULL
					 * until a rule sets one */
};

enum {
	LBD_SC_F_CONNECTING = 1 << 0,
	LBD_SC_F_EOF = 1 << 1,
	LBD_SC_F_REUSED = 1 << 3,	/* has served a request before */
	LBD_SC_F_IDLE = 1 << 4,		/* in an idle pool */
	LBD_SC_F_NOREUSE = 1 << 5,	/* must be closed after this exchange */
	LBD_SC_F_WANT_W = 1 << 6,	/* the write event is armed */
	LBD_SC_F_TLS_KEPT = 1 << 7,	/* its TLS session data is kept for resumption */
};

struct lbd_sconn {
	struct event rev;		/* EV_READ (also the idle purge timeout in a pool) */
	struct event wev;		/* EV_WRITE (connect completion, output blocked) */
	int fd;
	uint16_t flags;			/* LBD_SC_F_* */
	struct lbd_server *srv;
	struct lbd_thread *thr;
	struct lbd_stream *strm;	/* owner while in use */
	struct lbd_cconn *priv_owner;	/* owner while parked on a client connection */
	struct lbd_sconn *idle_next, *idle_prev;	/* idle pool links */
	struct lb_tls_client *tlsc;	/* TLS to the server (server ... ssl), or NULL */
	struct gnutls_session_int *tls;	/* its session, for the data path */
	struct lbd_h2_srv *h2;		/* HTTP/2 codec (lbd/h2_srv.h), NULL: HTTP/1.1 */
};

enum lbd_stream_state {
	LBD_ST_REQ_HEAD = 0,	/* waiting for a complete request head */
	LBD_ST_QUEUED,		/* waiting for a server slot */
	LBD_ST_CONNECTING,	/* connecting to the server */
	LBD_ST_FORWARD,		/* request (body) and response flowing */
	LBD_ST_TUNNEL,		/* TCP mode or after an Upgrade: raw bytes both ways */
	LBD_ST_LOCAL_REPLY,	/* sending a response generated by lbd, then done */
	LBD_ST_TARPIT,		/* http-request tarpit: waiting to answer (status in s->status) */
};

/* One direction of HTTP body framing being followed. */
struct lbd_body {
	enum lb_http1_body kind;
	uint64_t left;			/* LB_BODY_LENGTH: bytes still to forward */
	struct lb_http1_chunk chunk;	/* LB_BODY_CHUNKED */
	bool done;
};

enum {
	LBD_STRM_F_REQ_DONE = 1 << 0,		/* the whole request reached the server */
	LBD_STRM_F_RES_HEAD = 1 << 1,		/* final response head received */
	LBD_STRM_F_RES_DONE = 1 << 2,
	LBD_STRM_F_UPGRADE_REQ = 1 << 5,
	LBD_STRM_F_CLI_WANT_W = 1 << 6,		/* client write event armed */
	LBD_STRM_F_SRV_CLOSE = 1 << 7,		/* close the server connection afterwards */
	LBD_STRM_F_CLI_CLOSE = 1 << 8,		/* close the client connection afterwards */
	LBD_STRM_F_LOGGED = 1 << 9,
	LBD_STRM_F_CLI_SHUTW = 1 << 10,		/* tunnel: FIN sent to the client */
	LBD_STRM_F_SRV_SHUTW = 1 << 11,		/* tunnel: FIN sent to the server */
	LBD_STRM_F_QUEUED = 1 << 13,
	LBD_STRM_F_HAS_SLOT = 1 << 14,		/* counted in srv->lb.cur_sess */
	LBD_STRM_F_VER10 = 1 << 15,		/* client spoke HTTP/1.0 */
	LBD_STRM_F_REQ_SENT = 1 << 16,		/* some request bytes reached the server */
	LBD_STRM_F_RES_STARTED = 1 << 17,	/* some response bytes came back */
	LBD_STRM_F_BULK_CS = 1 << 18,		/* client->server filled a buffer: splice it */
	LBD_STRM_F_BULK_SC = 1 << 19,		/* server->client filled a buffer: splice it */
	LBD_STRM_F_TCP = 1 << 20,		/* a tcp-mode stream (splice allowed) */
	LBD_STRM_F_REDISPATCHED = 1 << 21,	/* the last retry went to another server */
	LBD_STRM_F_NO_SPLICE = 1 << 22,		/* no pipe could be had: buffers only */
	LBD_STRM_F_REPLAY_HOLD = 1 << 23,	/* request sent on a reused connection kept
						 * (req_held, obuf_held) until a reply starts */
	LBD_STRM_F_REPLAYED = 1 << 24,		/* resent once on a fresh connection */
};

struct lbd_stream {
	struct lbd_stream *next_free;
	struct lbd_cconn *cc;
	struct lbd_sconn *sc;
	struct lbd_thread *thr;
	struct lbd_frontend *fe;
	struct lbd_backend *be;
	struct lbd_server *srv;
	struct lbd_queue_entry *qe;
	struct event cwev;		/* EV_WRITE on the client fd, armed when output blocks */
	struct event tev;		/* the stream's deadline timer */
	enum lbd_stream_state state;
	uint32_t flags;			/* LBD_STRM_F_* */
	struct lbd_buf obuf;		/* rewritten request head towards the server */
	struct lbd_buf sbuf;		/* bytes from the server not yet sent to the client */
	struct lbd_buf cbuf;		/* generated or rewritten bytes for the client */
	size_t head_scan;		/* lb_http1_head_end resume point (request or response) */
	uint64_t req_fwd;		/* bytes at the start of cc->rbuf cleared for the server */
	uint64_t res_fwd;		/* bytes at the start of sbuf cleared for the client */
	uint32_t req_held;		/* REPLAY_HOLD: sent bytes still at the start of rbuf */
	uint32_t obuf_held;		/* REPLAY_HOLD: sent bytes still at the start of obuf */
	uint64_t cli_activity_ms;	/* last I/O per side, for inactivity timeouts */
	uint64_t srv_activity_ms;
	int pipe_cs[2];			/* splice pipe client->server, -1 when unused */
	int pipe_sc[2];			/* splice pipe server->client */
	uint32_t pipe_cs_len;		/* bytes waiting in the pipes */
	uint32_t pipe_sc_len;
	struct lbd_body req_body;
	struct lbd_body res_body;
	int status;
	int retries_left;
	int retries_done;
	enum lb_http_meth meth;
	uint64_t bytes_in, bytes_out;
	uint64_t t_start_ms;		/* request head start (http) or accept (tcp) */
	uint64_t t_req_done_ms;		/* request head complete */
	uint64_t t_queue_ms, t_connect_ms, t_response_ms;	/* absolute, 0 = not reached */
	char term[2];			/* termination state first two characters */
	char *reqline;			/* copy of the request line for logs (reqline_buf or
					 * malloc'd when longer), or NULL */
	struct lbd_svc_out *svc;	/* a response lbd generates (lbd/service.h), or NULL */
	uint32_t reqline_len;
	uint16_t meth_len, uri_off, uri_len;	/* inside reqline */
	int version;
	struct timeval req_tv;
	struct lbd_stream *sess_prev, *sess_next;	/* the thread's registry (sessions.h) */
	uint64_t sess_id;
	uint8_t ntrk;			/* entries tracked in trk (lbd/track.h) */
	uint8_t log_level;		/* set-log-level: the level + 1, 0: unset */
	/* http-request allow: the frontend's / backend's rules stop at this rule */
	const struct lb_cfg_http_rule *req_allow[2];
	struct lb_stk_ref trk[LB_STK_NSC];	/* http-request / tcp-request content track-sc */
	/* Last, and not cleared by lbd_stream_new: where reqline points when the request line
	 * fits, so that logging needs no allocation per request. */
	char reqline_buf[128];
};

#endif

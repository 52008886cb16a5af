/* lbd/proxy_http1.c: mode http: HTTP/1.1 on both sides, one stream per request
 *
 * Flow of one exchange:
 *   client bytes -> cc->rbuf -> head complete? -> parse (thr->hdrs, offsets only) -> rules ->
 *   backend + server -> connection (idle pool or connect) -> request head (original bytes on
 *   the fast path, or rewritten into s->obuf) and body bytes straight from cc->rbuf ->
 *   server bytes -> s->sbuf -> response head parsed, rewritten into s->cbuf when needed ->
 *   body bytes straight from s->sbuf -> client.
 * Body framing (Content-Length, chunked, until close) is followed in both directions without
 * changing it, so nothing is re-encoded. req_fwd / res_fwd count the bytes at the front of
 * the source buffer already known to belong to the current message and cleared to send.
 * Every event handler does its I/O and then calls h1_update(), the single place that moves
 * data, decides what to wait for, and ends the exchange.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <event2/event.h>

#include "access_log.h"
#include "acl_ctx.h"
#include "track.h"
#include "algo.h"
#include "backend.h"
#include "h2_srv.h"
#include "health.h"
#include "h2_front.h"
#include "http1.h"
#include "http_act.h"
#include "http_reply.h"
#include "logfmt.h"
#include "proxy.h"
#include "persist.h"
#include "proxy_proto.h"
#include "service.h"
#include "stream.h"
#include "thread.h"
#include "tls.h"
#include "util.h"
#include "xfer.h"

static void h1_update(struct lbd_stream *s);
static void h1_wait_request(struct lbd_cconn *cc);
static void h1_parse_request(struct lbd_cconn *cc);
static void h1_end(struct lbd_stream *s);
static void h1_abort(struct lbd_stream *s, char who, char what);
static void h1_start_connect(struct lbd_stream *s);
static void h1_connected(struct lbd_stream *s);

/* ---- small helpers ---- */

static inline uint32_t
buf_size(const struct lbd_stream *s)
{
	return s->thr->bufs.size;
}

static void
count_status(struct lbd_stream *s, int status)
{
	unsigned k = (status >= 100 && status < 600) ? (unsigned)(status / 100) : 0;

	s->fe->ctr[s->thr->id].hrsp[k]++;
	/* the backend counts what its servers answered and the errors it produced (503 no
	 * server, 504...), not the answers of the frontend's own rules */
	if (s->be && (s->srv || status >= 500))
		s->be->ctr[s->thr->id].hrsp[k]++;
	if (s->srv)
		s->srv->ctr[s->thr->id].hrsp[k]++;
}

/* Appends bytes to s->cbuf (generated output for the client). */
static bool
cbuf_append(struct lbd_stream *s, const char *p, size_t n)
{
	struct lbd_buf *b = &s->cbuf;

	if (!lbd_buf_alloc(&s->thr->bufs, b))
		return false;
	if (lbd_buf_room(b, buf_size(s)) < n)
		return false;
	memcpy(lbd_buf_tail(b), p, n);
	b->len += (uint32_t)n;
	return true;
}

/* ---- timeouts ---- */

static long long
to_or(long long a, long long b)
{
	return a > 0 ? a : b;
}

/* The timer for the current state; inactivity timers are checked lazily in h1_timer(). */
static void
h1_arm_timer(struct lbd_stream *s)
{
	long long cli = lbd_timeout(s, LB_TO_CLIENT), srv = lbd_timeout(s, LB_TO_SERVER);
	long long t = 0;

	switch (s->state) {
	case LBD_ST_REQ_HEAD:
		t = to_or(lbd_timeout(s, LB_TO_HTTP_REQUEST), cli);
		if (t > 0) {
			long long spent = (long long)(s->thr->now_ms - s->t_start_ms);
			t = LB_MAX(1, t - spent);
		}
		break;
	case LBD_ST_QUEUED:
		t = to_or(lbd_timeout(s, LB_TO_QUEUE), lbd_timeout(s, LB_TO_CONNECT));
		break;
	case LBD_ST_CONNECTING:
		t = lbd_timeout(s, LB_TO_CONNECT);
		break;
	case LBD_ST_TUNNEL:
		if (lbd_xfer_tunnel_expired(s, &t))
			t = 1;
		break;
	default:
		t = cli > 0 && srv > 0 ? LB_MIN(cli, srv) : to_or(cli, srv);
		break;
	}
	lbd_stream_set_timeout(s, t);
}

/* ---- sending ---- */

/* ---- body framing ---- */

static void
body_init(struct lbd_body *b, enum lb_http1_body kind, uint64_t len)
{
	memset(b, 0, sizeof(*b));
	b->kind = kind;
	b->left = len;
	b->done = kind == LB_BODY_NONE || (kind == LB_BODY_LENGTH && len == 0);
}

/* Extends *fwd over the body bytes of buf[fwd..avail). Returns -1 on bad chunking. */
static int
body_advance(struct lbd_body *b, const char *data, uint64_t *fwd, uint64_t avail,
	     struct lb_http1_error *err)
{
	uint64_t more = avail - *fwd;

	if (b->done || !more)
		return 0;
	switch (b->kind) {
	case LB_BODY_LENGTH: {
		uint64_t k = LB_MIN(more, b->left);
		*fwd += k;
		b->left -= k;
		if (!b->left)
			b->done = true;
		return 0;
	}
	case LB_BODY_CHUNKED: {
		long k = lb_http1_chunk_scan(&b->chunk, data + *fwd, (size_t)more, err);
		if (k < 0)
			return -1;
		*fwd += (uint64_t)k;
		if (b->chunk.done)
			b->done = true;
		return 0;
	}
	case LB_BODY_UNTIL_CLOSE:
		*fwd += more;
		return 0;
	default:
		b->done = true;
		return 0;
	}
}

/* ---- header rewriting ---- */

#define hdr_list lbd_hdr_list	/* shared with the rule actions (lbd/http_act.h) */

static void
hl_init(struct hdr_list *hl, struct lbd_thread *thr)
{
	hl->v = thr->refs;
	hl->n = 0;
	hl->cap = thr->refs_cap;
	hl->arena = thr->scratch;
	hl->used = 0;
	hl->size = thr->bufs.size;
}

static bool
hl_add(struct hdr_list *hl, const char *n, size_t nl, const char *v, size_t vl)
{
	if (hl->n == hl->cap)
		return false;
	hl->v[hl->n].name = n;
	hl->v[hl->n].nlen = (uint32_t)nl;
	hl->v[hl->n].val = v;
	hl->v[hl->n].vlen = (uint32_t)vl;
	hl->n++;
	return true;
}

static bool
hl_add_number(struct hdr_list *hl, const char *name, uint64_t v)
{
	char *p = hl->arena + hl->used;
	int n;

	if (hl->size - hl->used < 24)
		return false;
	n = snprintf(p, 24, "%llu", (unsigned long long)v);
	hl->used += (size_t)n;
	return hl_add(hl, name, strlen(name), p, (size_t)n);
}

static bool
hl_has(const struct hdr_list *hl, const char *n, size_t nl)
{
	for (unsigned i = 0; i < hl->n; i++)
		if (lb_str_ieq(hl->v[i].name, hl->v[i].nlen, n, nl))
			return true;
	return false;
}

/* Serializes a start line and the list into b. */
static bool
hl_serialize(const struct hdr_list *hl, const char *start, size_t start_len, struct lbd_buf *b,
	     uint32_t size)
{
	char *p = lbd_buf_tail(b), *end = b->data + size;

	if ((size_t)(end - p) < start_len + 4)
		return false;
	memcpy(p, start, start_len);
	p += start_len;
	*p++ = '\r';
	*p++ = '\n';
	for (unsigned i = 0; i < hl->n; i++) {
		const struct lbd_hdr_ref *h = &hl->v[i];
		if ((size_t)(end - p) < (size_t)h->nlen + h->vlen + 6)
			return false;
		memcpy(p, h->name, h->nlen);
		p += h->nlen;
		*p++ = ':';
		*p++ = ' ';
		memcpy(p, h->val, h->vlen);
		p += h->vlen;
		*p++ = '\r';
		*p++ = '\n';
	}
	if (end - p < 2)
		return false;
	*p++ = '\r';
	*p++ = '\n';
	b->len = (uint32_t)(p - (b->data + b->head));
	return true;
}

/* Length of the start line without its line ending. */
static size_t
start_line_len(const char *buf, const struct lb_http1_msg *msg, size_t from)
{
	size_t n = msg->start_len;

	/* start_len counts from the first byte of the head (leading empty lines included) */
	n -= from;
	if (n && buf[from + n - 1] == '\n')
		n--;
	if (n && buf[from + n - 1] == '\r')
		n--;
	return n;
}

/* ---- log context ---- */

struct req_hdr_ctx {
	const char *buf;
	const struct lb_http1_msg *msg;
};

static bool
req_hdr_from_msg(void *arg, const char *name, size_t nlen, const char **val, size_t *vlen)
{
	struct req_hdr_ctx *rc = arg;
	int i = lb_http1_find_hdr(rc->buf, rc->msg, name, nlen, 0);

	if (i < 0)
		return false;
	*val = rc->buf + rc->msg->hdrs[i].value_off;
	*vlen = rc->msg->hdrs[i].value_len;
	return true;
}

/* ---- local replies ---- */

/* Queues a complete response generated by lbd and ends the exchange once it is sent.
 * `close` closes the client connection afterwards. */
static void
h1_local_reply(struct lbd_stream *s, int status, const char *data, size_t len, bool close_after)
{
	lbd_xfer_drop_held(s);
	s->status = status;
	count_status(s, status);
	s->state = LBD_ST_LOCAL_REPLY;
	s->flags |= LBD_STRM_F_RES_HEAD | LBD_STRM_F_RES_DONE;
	if (close_after || !(s->flags & LBD_STRM_F_REQ_DONE))
		s->flags |= LBD_STRM_F_CLI_CLOSE;
	lbd_backend_detach(s, false);
	s->res_fwd = 0;
	if (s->sbuf.data)
		lbd_buf_release(&s->thr->bufs, &s->sbuf);
	if (!cbuf_append(s, data, len)) {
		h1_abort(s, 'P', s->term[1] == '-' ? 'R' : s->term[1]);
		return;
	}
	if (!s->t_response_ms)
		s->t_response_ms = s->thr->now_ms;
	h1_update(s);
}

static void
h1_error(struct lbd_stream *s, int status, char who, char what)
{
	size_t len;
	const char *msg = lbd_http_error_msg(status, s->fe->cfg, s->be ? s->be->cfg : NULL, &len);

	lbd_stream_set_term(s, who, what);
	h1_local_reply(s, status, msg, len, true);
}

/* http-request return / deny / redirect: the response built from the rule. */
static void
h1_rule_reply(struct lbd_stream *s, const struct lb_cfg_http_rule *r, const char *buf,
	      const struct lb_http1_msg *msg, const struct lb_log_ctx *ctx)
{
	char *out = s->thr->scratch;
	size_t size = s->thr->bufs.size, n = 0;
	char body[4096];
	const char *bp = NULL;
	size_t blen = 0;
	int status;
	bool close_after = false;

	switch (r->act) {
	case LB_ACT_DENY: {
		status = r->status > 0 ? r->status : 403;
		s->fe->ctr[s->thr->id].denied_req++;
		lbd_stream_set_term(s, 'P', 'R');
		size_t len;
		const char *m = lbd_http_error_msg(status, s->fe->cfg, s->be ? s->be->cfg : NULL,
						   &len);
		h1_local_reply(s, status, m, len, true);
		return;
	}
	case LB_ACT_RETURN:
		status = r->status > 0 ? r->status : 200;
		if (r->body_kind == 4 && r->body) {
			/* errorfile: a complete raw response */
			s->fe->ctr[s->thr->id].intercepted++;
			lbd_stream_set_term(s, 'L', 'R');
			h1_local_reply(s, status, r->body, r->body_len, false);
			return;
		}
		if (r->body_fmt) {
			blen = lb_logfmt_render(r->body_fmt, ctx, body, sizeof(body));
			bp = body;
		} else if (r->body) {
			bp = r->body;
			blen = r->body_len;
		}
		n = (size_t)snprintf(out, size, "HTTP/1.1 %d %s\r\ncontent-length: %zu\r\n", status,
				     lbd_http_reason(status), blen);
		if (bp && r->content_type)
			n += (size_t)snprintf(out + n, size - n, "content-type: %s\r\n",
					      r->content_type);
		for (const struct lb_cfg_hdr_pair *h = r->hdrs; h && n < size; h = h->next) {
			char v[1024];
			size_t vl = lb_logfmt_render(h->value, ctx, v, sizeof(v) - 1);
			n += (size_t)snprintf(out + n, size - n, "%s: %.*s\r\n", h->name, (int)vl, v);
		}
		break;
	case LB_ACT_REDIRECT: {
		char loc[2048];
		size_t ll = 0;
		const char *uri = buf + msg->uri_off;
		size_t ul = msg->uri_len;

		status = r->status > 0 ? r->status : 302;
		if (r->redir_type == LB_REDIR_LOCATION) {
			ll = r->redir_fmt ? lb_logfmt_render(r->redir_fmt, ctx, loc, sizeof(loc))
					  : (size_t)snprintf(loc, sizeof(loc), "%s",
							     r->redir_target);
		} else {
			const char *q = memchr(uri, '?', ul);
			size_t pl = (r->redir_drop_query && q) ? (size_t)(q - uri) : ul;
			if (r->redir_type == LB_REDIR_PREFIX) {
				const char *pfx = r->redir_target;
				size_t pfl = strlen(pfx);
				/* "prefix /" means: keep the path as is */
				if (pfl == 1 && pfx[0] == '/')
					pfl = 0;
				ll = (size_t)snprintf(loc, sizeof(loc), "%.*s%.*s", (int)pfl, pfx,
						      (int)pl, uri);
			} else {
				int hi = msg->host_idx;
				const char *host = hi >= 0 ? buf + msg->hdrs[hi].value_off : "";
				int hl = hi >= 0 ? (int)msg->hdrs[hi].value_len : 0;
				ll = (size_t)snprintf(loc, sizeof(loc), "%s://%.*s%.*s",
						      r->redir_target, hl, host, (int)pl, uri);
			}
			if (r->redir_append_slash && ll && ll < sizeof(loc) - 1 &&
			    loc[ll - 1] != '/') {
				loc[ll++] = '/';
				loc[ll] = '\0';
			}
		}
		if (ll >= sizeof(loc))
			ll = sizeof(loc) - 1;
		n = (size_t)snprintf(out, size,
				     "HTTP/1.1 %d %s\r\ncontent-length: 0\r\nlocation: %.*s\r\n",
				     status, lbd_http_reason(status), (int)ll, loc);
		if (r->redir_set_cookie && n < size)
			n += (size_t)snprintf(out + n, size - n,
					      r->redir_clear_cookie
						      ? "set-cookie: %s; Max-Age=0; Expires=Thu, "
							"01-Jan-1970 00:00:01 GMT\r\n"
						      : "set-cookie: %s\r\n",
					      r->redir_set_cookie);
		break;
	}
	default:
		return;
	}
	if (s->flags & LBD_STRM_F_CLI_CLOSE || !(s->flags & LBD_STRM_F_REQ_DONE))
		close_after = true;
	if (n < size)
		n += (size_t)snprintf(out + n, size - n, "%s\r\n",
				      close_after ? "connection: close\r\n" : "");
	if (n + blen > size) {
		h1_error(s, 500, 'P', 'R');
		return;
	}
	if (blen)
		memcpy(out + n, bp, blen);
	n += blen;
	s->fe->ctr[s->thr->id].intercepted++;
	lbd_stream_set_term(s, 'L', 'R');
	h1_local_reply(s, status, out, n, close_after);
}

/* A service of lbd answers (lbd/service.h): a use-service rule r, or the stats page st.
 * The response is built now and streamed from s->svc by the LOCAL_REPLY state. */
static void
h1_service_reply(struct lbd_stream *s, const struct lb_cfg_http_rule *r,
		 const struct lb_cfg_stats *st, const char *buf, const struct lb_http1_msg *msg)
{
	struct lbd_cconn *cc = s->cc;
	struct lbd_svc_req rq;
	int status = 500;

	lbd_service_req_init(&rq, buf, msg, cc->rbuf.len);
	if (st && st->admin == 1) {
		const struct lb_acl_cond *ac = st->admin_cond ? st->admin_cond : st->admin_cond_inh;
		struct lbd_acl_ctx actx;

		lbd_acl_ctx_req(&actx, s, buf, msg);
		rq.admin = lbd_acl_ok(ac, &actx);
	}
	/* a body that is not all here is not read: close afterwards */
	if (s->req_body.done || rq.body)
		s->flags |= LBD_STRM_F_REQ_DONE;
	else
		s->flags |= LBD_STRM_F_CLI_CLOSE;
	rq.close = (s->flags & LBD_STRM_F_CLI_CLOSE) != 0;
	s->svc = r ? lbd_prometheus_run(s->thr->rt, &rq, &status)
		   : lbd_stats_page_run(s->thr->rt, st, &rq, &status);
	lbd_buf_consume(&cc->rbuf, msg->head_len + (uint32_t)rq.body_len);
	if (!s->svc) {
		h1_error(s, 500, 'P', 'R');
		return;
	}
	s->fe->ctr[s->thr->id].intercepted++;
	lbd_stream_set_term(s, 'L', 'R');
	h1_local_reply(s, status, "", 0, rq.close);
}

/* ---- request ---- */

/* Builds the request head for the server. Returns false if it does not fit. */
/* True when a TE value lists "trailers" (RFC 9110 10.1.4). */
static bool
te_has_trailers(const char *v, size_t n)
{
	for (size_t i = 0; i + 8 <= n; i++) {
		if (strncasecmp(v + i, "trailers", 8))
			continue;
		bool start = i == 0 || v[i - 1] == ',' || v[i - 1] == ' ' || v[i - 1] == '\t';
		bool end = i + 8 == n || v[i + 8] == ',' || v[i + 8] == ' ' || v[i + 8] == '\t';
		if (start && end)
			return true;
	}
	return false;
}

static bool
h1_rewrite_request(struct lbd_stream *s, const char *buf, struct lb_http1_msg *msg,
		   const struct lb_log_ctx *ctx)
{
	struct lbd_thread *thr = s->thr;
	const struct lb_cfg_proxy *fe = s->fe->cfg, *be = s->be->cfg;
	const struct lb_cfg_forwardfor *ff;
	struct hdr_list hl;
	bool upgrade = s->flags & LBD_STRM_F_UPGRADE_REQ;
	bool cl_done = false;
	size_t from = msg->meth_off;
	struct lbd_acl_ctx actx;
	struct lbd_http_edit ed;

	hl_init(&hl, thr);
	for (unsigned i = 0; i < msg->nhdrs; i++) {
		const struct lb_http1_hdr *h = &msg->hdrs[i];
		if ((h->flags & LB_HDR_F_TE) &&
		    te_has_trailers(buf + h->value_off, h->value_len)) {
			/* hop-by-hop, but "the client takes trailers" holds on the next hop too:
			 * gRPC servers refuse a request without it */
			hl_add(&hl, "TE", 2, "trailers", 8);
			continue;
		}
		if (h->flags & LB_HDR_F_HOP) {
			/* an upgrade keeps its Upgrade header; Connection is rewritten below */
			if (!(upgrade && (h->flags & LB_HDR_F_UPGRADE)))
				continue;
		}
		if (h->flags & LB_HDR_F_CONNECTION)
			continue;
		if (h->flags & LB_HDR_F_CONTENT_LENGTH) {
			/* "5, 5" or repeated headers were accepted as one length: send that
			 * length once, so the server cannot read the framing differently */
			if (!cl_done && !hl_add_number(&hl, "Content-Length", msg->content_length))
				return false;
			cl_done = true;
			continue;
		}
		hl_add(&hl, buf + h->name_off, h->name_len, buf + h->value_off, h->value_len);
	}
	lbd_http_edit_init(&ed, &hl, buf + from, start_line_len(buf, msg, from));
	if (fe->http_req_rules || be->http_req_rules) {
		/* no work for rule-free proxies */
		const struct lb_cfg_http_rule *lists[2] = { fe->http_req_rules,
							    be != fe ? be->http_req_rules : NULL };
		lbd_acl_ctx_req(&actx, s, buf, msg);
		if (!lbd_http_act_req_edit(s, lists, &ed, ctx, &actx))
			return false;
	}
	ff = be->forwardfor.enabled > 0 ? &be->forwardfor
					: fe->forwardfor.enabled > 0 ? &fe->forwardfor : NULL;
	if (ff && !(s->cc->flags & LBD_CC_F_UNIX)) {
		const char *name = ff->header ? ff->header : "X-Forwarded-For";
		size_t nl = strlen(name);
		if (!(ff->if_none && hl_has(&hl, name, nl)) &&
		    !lbd_access_addr_in_net(&s->cc->cli.sa, ff)) {
			char ip[INET6_ADDRSTRLEN];
			const void *a = s->cc->cli.sa.sa_family == AF_INET
						? (const void *)&s->cc->cli.in4.sin_addr
						: (const void *)&s->cc->cli.in6.sin6_addr;
			inet_ntop(s->cc->cli.sa.sa_family, a, ip, sizeof(ip));
			size_t il = strlen(ip);
			if (hl.size - hl.used < il)
				return false;
			memcpy(hl.arena + hl.used, ip, il);
			hl_add(&hl, name, nl, hl.arena + hl.used, il);
			hl.used += il;
		}
	}
	if (upgrade)
		hl_add(&hl, "Connection", 10, "upgrade", 7);
	else if (s->flags & LBD_STRM_F_SRV_CLOSE)
		hl_add(&hl, "Connection", 10, "close", 5);
	else if (s->version == 10)
		hl_add(&hl, "Connection", 10, "keep-alive", 10);
	if (!lbd_buf_alloc(&thr->bufs, &s->obuf))
		return false;
	s->obuf.head = 0;
	s->obuf.len = 0;
	return hl_serialize(&hl, ed.start, ed.start_len, &s->obuf, thr->bufs.size);
}

static bool
needs_request_rewrite(const struct lbd_stream *s, const char *buf, const struct lb_http1_msg *msg)
{
	const struct lb_cfg_proxy *fe = s->fe->cfg, *be = s->be->cfg;

	if (fe->http_req_rules || be->http_req_rules || msg->meth_off)
		return true;
	if (fe->forwardfor.enabled > 0 || be->forwardfor.enabled > 0)
		return true;
	if (s->version != 11 || (s->flags & (LBD_STRM_F_SRV_CLOSE | LBD_STRM_F_UPGRADE_REQ)))
		return true;
	unsigned ncl = 0;
	for (unsigned i = 0; i < msg->nhdrs; i++) {
		const struct lb_http1_hdr *h = &msg->hdrs[i];
		if (h->flags & (LB_HDR_F_HOP | LB_HDR_F_CONNECTION))
			return true;
		/* a length written in any other way than one plain number is normalized */
		if ((h->flags & LB_HDR_F_CONTENT_LENGTH) &&
		    (++ncl > 1 || memchr(buf + h->value_off, ',', h->value_len)))
			return true;
	}
	return false;
}

/* The hash input of the backend's algorithm. */
static void
algo_input(struct lbd_stream *s, const char *buf, const struct lb_http1_msg *msg,
	   struct lb_algo_req *req)
{
	const struct lbd_backend *be = s->be;
	const struct lb_cfg_balance *bal = &be->cfg->balance;

	req->has_hash = false;
	switch (be->algo->input) {
	case LB_ALGO_IN_SRC:
		if (!(s->cc->flags & LBD_CC_F_UNIX)) {
			req->hash = lb_algo_hash_src(&s->cc->cli.sa);
			req->has_hash = true;
		}
		break;
	case LB_ALGO_IN_URI:
		if (msg) {
			req->hash = lb_algo_hash_uri(buf + msg->uri_off, msg->uri_len, bal);
			req->has_hash = true;
		}
		break;
	case LB_ALGO_IN_URL_PARAM:
		if (msg)
			req->has_hash = lb_algo_hash_url_param(buf + msg->uri_off, msg->uri_len,
							       bal->arg, &req->hash);
		break;
	case LB_ALGO_IN_HDR:
		if (msg && bal->arg) {
			int i = lb_http1_find_hdr(buf, msg, bal->arg, strlen(bal->arg), 0);
			if (i >= 0) {
				req->hash = lb_hash64(buf + msg->hdrs[i].value_off,
						      msg->hdrs[i].value_len);
				req->has_hash = true;
			}
		}
		break;
	default:
		break;
	}
}

/* "http://host:port/path": the authority must equal the Host header (case-insensitive). */
static bool
abs_uri_matches_host(const char *buf, const struct lb_http1_msg *msg)
{
	const char *u = buf + msg->uri_off, *end = u + msg->uri_len, *a, *ae;
	int hi = msg->host_idx;

	a = memchr(u, ':', msg->uri_len);
	if (!a || end - a < 3 || a[1] != '/' || a[2] != '/')
		return false;
	a += 3;
	for (ae = a; ae < end && *ae != '/' && *ae != '?' && *ae != '#'; ae++)
		;
	if (hi < 0)
		return false;
	return lb_str_ieq(a, (size_t)(ae - a), buf + msg->hdrs[hi].value_off,
			  msg->hdrs[hi].value_len);
}

static void
keep_reqline(struct lbd_stream *s, const char *buf, const struct lb_http1_msg *msg)
{
	size_t from = msg->meth_off, n = start_line_len(buf, msg, from);

	if (!s->fe->logger)
		return;
	s->reqline = n < sizeof(s->reqline_buf) ? s->reqline_buf : malloc(n + 1);
	if (!s->reqline)
		return;
	memcpy(s->reqline, buf + from, n);
	s->reqline[n] = '\0';
	if ((s->cc->flags & LBD_CC_F_H2S) && n >= 8)
		memcpy(s->reqline + n - 8, "HTTP/2.0", 8);	/* h2_conv wrote HTTP/1.1 */
	s->reqline_len = (uint32_t)n;
	s->meth_len = (uint16_t)LB_MIN(msg->meth_len, 0xffffu);
	s->uri_off = (uint16_t)LB_MIN(msg->uri_off - from, 0xffffu);
	s->uri_len = (uint16_t)LB_MIN(msg->uri_len, 0xffffu);
}

/* The ACL sample context of the request, filled on first use (only proxies with
 * tcp-request content rules, conditional routing, http-request rules or persistence need
 * it); be_name follows s->be, which is chosen after the first uses. */
static struct lbd_acl_ctx *
req_actx(struct lbd_acl_ctx *a, bool *ready, struct lbd_stream *s, const char *buf,
	 const struct lb_http1_msg *msg)
{
	if (!*ready) {
		lbd_acl_ctx_req(a, s, buf, msg);
		*ready = true;
	}
	a->c.be_name = s->be ? s->be->name : NULL;
	return a;
}

/* What depends on the backend, once s->be is chosen (again, when the frontend's http-request
 * rules led use_backend elsewhere): the request date for rules and the connection modes. */
static void
h1_backend_chosen(struct lbd_stream *s, const struct lb_http1_msg *msg)
{
	enum lb_http_conn_mode cmode;

	if (!s->req_tv.tv_sec && s->be &&
	    (s->be->cfg->http_req_rules || s->be->cfg->http_res_rules))
		gettimeofday(&s->req_tv, NULL);
	cmode = s->be ? s->be->cfg->http_conn_mode : s->fe->cfg->http_conn_mode;
	if (s->fe->cfg->http_conn_mode == LB_HTTP_CONN_CLO)
		cmode = LB_HTTP_CONN_CLO;
	if ((msg->flags & LB_MSG_F_CONN_CLOSE) ||
	    (msg->version == 10 && !(msg->flags & LB_MSG_F_CONN_KEEPALIVE)) ||
	    cmode == LB_HTTP_CONN_CLO || s->thr->stopping)
		s->flags |= LBD_STRM_F_CLI_CLOSE;
	if (cmode == LB_HTTP_CONN_SCL || cmode == LB_HTTP_CONN_CLO)
		s->flags |= LBD_STRM_F_SRV_CLOSE;
}

static void
h1_process_request(struct lbd_stream *s, struct lb_http1_msg *msg)
{
	struct lbd_cconn *cc = s->cc;
	struct lbd_thread *thr = s->thr;
	const char *buf = cc->rbuf.data + cc->rbuf.head;
	struct lb_log_ctx ctx;
	struct req_hdr_ctx rhc = { buf, msg };
	struct lb_algo_req areq;
	enum lbd_assign ar;
	struct lbd_acl_ctx actx;
	bool actx_ready = false;

	if (cc->nreq < 0xffff)
		cc->nreq++;
	s->fe->ctr[thr->id].req_tot++;
	lbd_rate_hit(&s->fe->rates[thr->id].req, thr->now_ms);
	thr->req_seq++;
	if (cc->trk)
		lbd_track_http_req(cc);	/* the connection's stick counters */
	s->meth = msg->meth;
	s->version = msg->version;
	/* the request date (%tr) is for log lines and rule values only (the backend's rules
	 * are looked at once it is chosen, below) */
	if (s->fe->logger || s->fe->cfg->http_req_rules || s->fe->cfg->http_res_rules)
		gettimeofday(&s->req_tv, NULL);
	s->t_req_done_ms = thr->now_ms;
	if (msg->version == 10)
		s->flags |= LBD_STRM_F_VER10;
	if ((msg->flags & LB_MSG_F_CONN_UPGRADE) && msg->version == 11)
		s->flags |= LBD_STRM_F_UPGRADE_REQ;
	keep_reqline(s, buf, msg);

	if ((msg->flags & LB_MSG_F_ABS_URI) && !abs_uri_matches_host(buf, msg)) {
		/* RFC 9112 3.2.2: the target's authority wins over Host; a server that reads
		 * Host would route differently from what the rules saw. Refuse the ambiguity. */
		struct lb_http1_error err = { 400, msg->uri_off, "absolute URI and Host differ" };
		lbd_access_log_error(s, LBD_ERR_REQUEST, "invalid request", &err, buf, msg->head_len);
		s->fe->ctr[thr->id].failed_req++;
		lbd_buf_consume(&cc->rbuf, msg->head_len);
		s->flags |= LBD_STRM_F_CLI_CLOSE;
		h1_error(s, 400, 'P', 'R');
		return;
	}
	if (s->fe->cfg->tcp_cont_rules) {
		/* tcp-request content rules, once per request as in HAProxy (lbd/track.c) */
		if (!lbd_track_content_rules(s, req_actx(&actx, &actx_ready, s, buf, msg))) {
			/* reject: no answer, the connection closes */
			lbd_buf_consume(&cc->rbuf, msg->head_len);
			s->flags |= LBD_STRM_F_CLI_CLOSE;
			lbd_stream_set_term(s, 'P', 'R');
			h1_end(s);
			return;
		}
	}
	if (lbd_acl_fe_routes(s->fe)) {
		s->be = lbd_acl_select_backend(s->fe, req_actx(&actx, &actx_ready, s, buf, msg));
	} else {
		s->be = s->fe->default_be;
	}
	h1_backend_chosen(s, msg);

	body_init(&s->req_body, msg->body, msg->content_length);
	lb_http1_mark_hop(buf, msg);

	/* rule values may use log-format variables: fill the context only when rules exist
	 * (it costs a getsockname() on a connection's first request) */
	if (s->fe->cfg->http_req_rules || (s->be && s->be->cfg->http_req_rules)) {
		lbd_access_log_fill(s, &ctx);
		req_actx(&actx, &actx_ready, s, buf, msg);
	} else {
		lb_log_ctx_init(&ctx);
	}
	ctx.req_hdr = req_hdr_from_msg;
	ctx.req_hdr_arg = &rhc;

	/* rules that answer locally: deny, return, redirect (frontend's, then backend's) */
	const struct lb_cfg_http_rule *lists[2] = {
		s->fe->cfg->http_req_rules,
		s->be && s->be->cfg != s->fe->cfg ? s->be->cfg->http_req_rules : NULL,
	};
	if (lists[0] || lists[1]) {
		const struct lb_cfg_http_rule *r = NULL;
		struct lbd_backend *be = s->be;
		enum lbd_act_verdict v = lbd_http_act_req(s, lists, &actx, &ctx, &r);

		if (s->be != be)
			h1_backend_chosen(s, msg);	/* use_backend after the rules chose */
		if (v == LBD_ACT_SERVICE) {
			h1_service_reply(s, r, NULL, buf, msg);
			return;
		}
		if (v != LBD_ACT_CONTINUE) {
			/* the request body, if any, is not read: close afterwards */
			if (s->req_body.done)
				s->flags |= LBD_STRM_F_REQ_DONE;
			else
				s->flags |= LBD_STRM_F_CLI_CLOSE;
			lbd_buf_consume(&cc->rbuf, msg->head_len);
		}
		if (v == LBD_ACT_REPLY) {
			h1_rule_reply(s, r, buf, msg, &ctx);
			return;
		}
		if (v == LBD_ACT_REJECT) {	/* no answer: the connection closes */
			s->flags |= LBD_STRM_F_CLI_CLOSE;
			lbd_stream_set_term(s, 'P', 'R');
			h1_end(s);
			return;
		}
		if (v == LBD_ACT_TARPIT)	/* held; h1_timer answers */
			return;
	}
	if (s->fe->cfg->stats || (s->be && s->be->cfg->stats)) {
		const struct lb_cfg_stats *st = lbd_stats_page_match(s, buf + msg->uri_off,
								     msg->uri_len);
		if (st) {
			h1_service_reply(s, NULL, st, buf, msg);
			return;
		}
	}
	if (!s->be) {
		lbd_buf_consume(&cc->rbuf, msg->head_len);
		h1_error(s, 503, 's', 'C');
		return;
	}
	s->be->ctr[thr->id].req_tot++;
	s->be->ctr[thr->id].sess_tot++;
	lbd_rate_hit(&s->be->rates[thr->id].req, thr->now_ms);
	lbd_rates_sess(&s->be->rates[thr->id], thr->now_ms);
	s->retries_left = s->be->cfg->retries >= 0 ? s->be->cfg->retries : 3;

	algo_input(s, buf, msg, &areq);
	if (needs_request_rewrite(s, buf, msg)) {
		if (!h1_rewrite_request(s, buf, msg, &ctx)) {
			lbd_buf_consume(&cc->rbuf, msg->head_len);
			h1_error(s, 500, 'P', 'R');
			return;
		}
		lbd_buf_consume(&cc->rbuf, msg->head_len);
		s->req_fwd = 0;
	} else {
		s->req_fwd = msg->head_len;
	}
	/* the body bytes already received are forwarded behind the head */
	{
		struct lb_http1_error err;
		uint64_t fwd = s->req_fwd;
		if (body_advance(&s->req_body, cc->rbuf.data + cc->rbuf.head, &fwd, cc->rbuf.len,
				 &err) < 0) {
			h1_error(s, 400, 'P', 'R');
			return;
		}
		s->req_fwd = fwd;
	}
	if (s->req_body.done)
		s->flags |= LBD_STRM_F_REQ_DONE;

	if (lbd_persist_active(s->be)) {
		/* stick on/match: the server the table has for the key, if it takes traffic */
		struct lbd_server *sticky;

		sticky = lbd_persist_match(s, req_actx(&actx, &actx_ready, s, buf, msg));
		ar = sticky && lbd_backend_take_server(s, sticky) ? LBD_ASSIGN_OK :
								     lbd_backend_assign(s, &areq, NULL);
		if (ar == LBD_ASSIGN_OK)
			lbd_persist_store(s, &actx);
	} else {
		ar = lbd_backend_assign(s, &areq, NULL);
	}
	switch (ar) {
	case LBD_ASSIGN_OK:
		h1_start_connect(s);
		return;
	case LBD_ASSIGN_QUEUED:
		s->state = LBD_ST_QUEUED;
		h1_arm_timer(s);
		return;
	case LBD_ASSIGN_QFULL:
		h1_error(s, 503, 's', 'Q');
		return;
	default:
		h1_error(s, 503, 's', 'C');
		return;
	}
}

/* Gets the stream a server connection: an idle one when `reuse` allows, else a new one. */
static void
h1_connect(struct lbd_stream *s, bool reuse)
{
	struct lbd_thread *thr = s->thr;

	s->t_queue_ms = s->t_queue_ms ? s->t_queue_ms : thr->now_ms;
	for (;;) {
		if (lbd_backend_connect(s, reuse) == 0)
			break;
		s->be->ctr[thr->id].econ++;
		s->srv->ctr[thr->id].econ++;
		if (lbd_backend_retry(s, NULL) == 0) {
			if (s->flags & LBD_STRM_F_QUEUED) {
				s->state = LBD_ST_QUEUED;
				h1_arm_timer(s);
				return;
			}
			break;
		}
		h1_error(s, 503, 'S', 'C');
		return;
	}
	s->srv_activity_ms = thr->now_ms;
	if (s->sc->flags & LBD_SC_F_CONNECTING) {
		s->state = LBD_ST_CONNECTING;
		h1_arm_timer(s);
		return;
	}
	h1_connected(s);
}

static void
h1_start_connect(struct lbd_stream *s)
{
	h1_connect(s, true);
}

/* RFC 9110 9.2.2: requests a client may repeat automatically */
static bool
meth_idempotent(enum lb_http_meth m)
{
	return m == LB_METH_GET || m == LB_METH_HEAD || m == LB_METH_OPTIONS ||
	       m == LB_METH_TRACE || m == LB_METH_PUT || m == LB_METH_DELETE;
}

static void
h1_connected(struct lbd_stream *s)
{
	s->t_connect_ms = s->thr->now_ms;
	s->state = LBD_ST_FORWARD;
	/* A server may close an idle connection just as we reuse it. Keep a complete,
	 * idempotent request until the reply starts, so that it can go again on a new
	 * connection (h1_try_replay) instead of failing with a 502. */
	if ((s->sc->flags & LBD_SC_F_REUSED) && (s->flags & LBD_STRM_F_REQ_DONE) &&
	    !(s->flags & LBD_STRM_F_REPLAYED) && meth_idempotent(s->meth))
		s->flags |= LBD_STRM_F_REPLAY_HOLD;
	/* HTTP/2 to the server ("proto h2", or chosen by ALPN): a codec on the connection
	 * turns the h1 exchange into frames and back (lbd/h2_srv.h) */
	if (!s->sc->h2 && lbd_h2_srv_wanted(s->sc) && lbd_h2_srv_attach(s->sc) < 0) {
		h1_error(s, 500, 'P', 'C');
		return;
	}
	if (s->sc->h2)
		s->flags |= LBD_STRM_F_NO_SPLICE;	/* frames, not the body's bytes */
	if (lbd_backend_proxy_hdr(s) < 0) {
		h1_error(s, 500, 'P', 'C');
		return;
	}
	h1_arm_timer(s);
	h1_update(s);
}

static void
h1_connect_failed(struct lbd_stream *s, int err, bool timeout)
{
	struct lbd_thread *thr = s->thr;

	(void)err;
	s->be->ctr[thr->id].econ++;
	s->srv->ctr[thr->id].econ++;
	if (lbd_backend_retry(s, NULL) == 0) {
		if (s->flags & LBD_STRM_F_QUEUED) {
			s->state = LBD_ST_QUEUED;
			h1_arm_timer(s);
			return;
		}
		if (s->sc->flags & LBD_SC_F_CONNECTING) {
			s->state = LBD_ST_CONNECTING;
			h1_arm_timer(s);
			return;
		}
		h1_connected(s);
		return;
	}
	h1_error(s, 503, timeout ? 's' : 'S', 'C');
}

/* The reused server connection failed before any reply byte: send the request once more
 * on a new connection to the same server. False when that does not apply. */
static bool
h1_try_replay(struct lbd_stream *s)
{
	struct lbd_thread *thr = s->thr;

	if (!(s->flags & LBD_STRM_F_REPLAY_HOLD) || (s->flags & LBD_STRM_F_RES_STARTED) ||
	    !s->sc || thr->stopping)
		return false;
	lbd_xfer_rewind_held(s);
	s->flags |= LBD_STRM_F_REPLAYED;
	s->sc->flags |= LBD_SC_F_NOREUSE;
	lbd_backend_park_sconn(s, false);
	s->be->ctr[thr->id].retries++;
	s->srv->ctr[thr->id].retries++;
	h1_connect(s, false);
	return true;
}

static void
h1_granted(struct lbd_stream *s)
{
	h1_start_connect(s);
}

/* ---- response ---- */

static bool
needs_response_rewrite(const struct lbd_stream *s, const struct lb_http1_msg *msg, bool cli_close)
{
	const struct lb_cfg_proxy *fe = s->fe->cfg, *be = s->be->cfg;

	if (fe->http_res_rules || be->http_res_rules || cli_close || s->version != 11)
		return true;
	for (unsigned i = 0; i < msg->nhdrs; i++)
		if (msg->hdrs[i].flags & (LB_HDR_F_HOP | LB_HDR_F_CONNECTION))
			return true;
	return false;
}

/* Returns 0, or the status to answer instead (502: no room, an http-response deny's). */
static int
h1_rewrite_response(struct lbd_stream *s, const char *buf, struct lb_http1_msg *msg,
		    bool cli_close)
{
	struct lbd_thread *thr = s->thr;
	const struct lb_cfg_proxy *fe = s->fe->cfg, *be = s->be->cfg;
	struct lb_log_ctx ctx;
	struct hdr_list hl;
	bool tunnel = msg->status == 101;
	struct lbd_acl_ctx actx;
	struct lbd_http_edit ed;

	if (fe->http_res_rules || be->http_res_rules)
		lbd_access_log_fill(s, &ctx);
	else
		lb_log_ctx_init(&ctx);
	hl_init(&hl, thr);
	for (unsigned i = 0; i < msg->nhdrs; i++) {
		const struct lb_http1_hdr *h = &msg->hdrs[i];
		if ((h->flags & LB_HDR_F_HOP) && !(tunnel && (h->flags & LB_HDR_F_UPGRADE)))
			continue;
		if (h->flags & LB_HDR_F_CONNECTION)
			continue;
		hl_add(&hl, buf + h->name_off, h->name_len, buf + h->value_off, h->value_len);
	}
	lbd_http_edit_init(&ed, &hl, buf, start_line_len(buf, msg, 0));
	if (fe->http_res_rules || be->http_res_rules) {
		/* backend rules first, then the frontend's, as HAProxy evaluates responses */
		const struct lb_cfg_http_rule *lists[2] = { be != fe ? be->http_res_rules : NULL,
							    fe->http_res_rules };
		lbd_acl_ctx_res(&actx, s, buf, msg);
		int st = lbd_http_act_res(s, lists, &ed, &ctx, &actx);
		if (st)
			return st < 0 ? 502 : st;
	}
	if (tunnel)
		hl_add(&hl, "Connection", 10, "upgrade", 7);
	else if (cli_close)
		hl_add(&hl, "Connection", 10, "close", 5);
	else if (s->version == 10)
		hl_add(&hl, "Connection", 10, "keep-alive", 10);
	if (!lbd_buf_alloc(&thr->bufs, &s->cbuf))
		return 502;
	lbd_buf_room(&s->cbuf, thr->bufs.size);
	struct lbd_buf tmp = s->cbuf;
	tmp.head = tmp.head + tmp.len;
	tmp.len = 0;
	if (!hl_serialize(&hl, ed.start, ed.start_len, &tmp, thr->bufs.size))
		return 502;
	s->cbuf.len += tmp.len;
	return 0;
}

/* Parses response heads in sbuf (interim 1xx ones are passed through). Returns -1 when it
 * ended the stream (s is gone), else 0. */
static int
h1_parse_response(struct lbd_stream *s)
{
	struct lbd_thread *thr = s->thr;
	struct lb_http1_msg msg;
	struct lb_http1_error err;

	while (!(s->flags & LBD_STRM_F_RES_HEAD) && s->sbuf.len) {
		const char *buf = s->sbuf.data + s->sbuf.head;
		size_t hl = lb_http1_head_end(buf, s->sbuf.len, &s->head_scan);
		bool cli_close, srv_keep;

		if (!hl) {
			if (s->sbuf.len >= buf_size(s) - 1) {
				s->be->ctr[thr->id].eresp++;
				s->srv->ctr[thr->id].eresp++;
				h1_error(s, 502, 'P', 'H');
				return -1;
			}
			return 0;
		}
		s->head_scan = 0;
		memset(&msg, 0, sizeof(msg));
		msg.hdrs = thr->hdrs;
		msg.max_hdrs = thr->rt->maxhdr;
		if (lb_http1_parse_response(buf, hl, s->meth, &msg, &err) < 0) {
			lbd_health_observe_l7(s->srv, 0);
			lbd_access_log_error(s, LBD_ERR_RESPONSE, "invalid response", &err, buf, hl);
			s->be->ctr[thr->id].eresp++;
			s->srv->ctr[thr->id].eresp++;
			if (s->sc)
				s->sc->flags |= LBD_SC_F_NOREUSE;
			h1_error(s, 502, 'P', 'H');
			return -1;
		}
		lb_http1_mark_hop(buf, &msg);
		lbd_health_observe_l7(s->srv, msg.status);
		if (msg.status >= 100 && msg.status < 200 && msg.status != 101) {
			/* interim response (100 Continue, 103 Early Hints): pass it on as is, but
			 * never to an HTTP/1.0 client (RFC 9110 15.2) */
			if (!(s->flags & LBD_STRM_F_VER10) && !cbuf_append(s, buf, hl)) {
				h1_abort(s, 'P', 'H');
				return -1;
			}
			lbd_buf_consume(&s->sbuf, (uint32_t)hl);
			continue;
		}
		if (msg.body == LB_BODY_CHUNKED && (s->flags & LBD_STRM_F_VER10)) {
			/* RFC 9112 6.1: no Transfer-Encoding in answer to an HTTP/1.0 request; the
			 * client could not delimit the body */
			struct lb_http1_error e = { 502, 0, "chunked response to an HTTP/1.0 request" };
			lbd_access_log_error(s, LBD_ERR_RESPONSE, "invalid response", &e, buf, hl);
			s->be->ctr[thr->id].eresp++;
			s->sc->flags |= LBD_SC_F_NOREUSE;
			h1_error(s, 502, 'P', 'H');
			return -1;
		}
		if (msg.status == 101 && !(s->flags & LBD_STRM_F_UPGRADE_REQ)) {
			s->sc->flags |= LBD_SC_F_NOREUSE;
			h1_error(s, 502, 'P', 'H');
			return -1;
		}
		s->flags |= LBD_STRM_F_RES_HEAD | LBD_STRM_F_RES_STARTED;
		s->status = msg.status;
		s->t_response_ms = thr->now_ms;
		count_status(s, msg.status);
		srv_keep = msg.version == 11 ? !(msg.flags & LB_MSG_F_CONN_CLOSE)
					     : (msg.flags & LB_MSG_F_CONN_KEEPALIVE) != 0;
		if (!srv_keep || msg.body == LB_BODY_UNTIL_CLOSE)
			s->sc->flags |= LBD_SC_F_NOREUSE;
		cli_close = (s->flags & LBD_STRM_F_CLI_CLOSE) || msg.body == LB_BODY_UNTIL_CLOSE ||
			    !(s->flags & LBD_STRM_F_REQ_DONE) || thr->stopping;
		if (msg.status == 101 ||
		    ((s->meth == LB_METH_CONNECT) && msg.status >= 200 && msg.status < 300)) {
			cli_close = false;
			s->state = LBD_ST_TUNNEL;
			s->sc->flags |= LBD_SC_F_NOREUSE;
		}
		if (cli_close)
			s->flags |= LBD_STRM_F_CLI_CLOSE;
		body_init(&s->res_body, msg.body, msg.content_length);
		if (lbd_persist_res_active(s->be))
			lbd_persist_store_response(s, buf, &msg);	/* stick store-response */
		if (needs_response_rewrite(s, &msg, cli_close && msg.status != 101)) {
			int st = h1_rewrite_response(s, buf, &msg,
						     cli_close && s->state != LBD_ST_TUNNEL);
			if (st) {
				h1_error(s, st, 'P', 'H');
				return -1;
			}
			lbd_buf_consume(&s->sbuf, (uint32_t)hl);
			s->res_fwd = 0;
		} else {
			s->res_fwd = hl;
		}
		if (s->state == LBD_ST_TUNNEL) {
			s->res_fwd = s->sbuf.len;
			s->req_fwd = s->cc->rbuf.len;
			h1_arm_timer(s);
		}
	}
	return 0;
}

/* ---- the stream step ---- */

/* A response body is spliced when its length is known and long, and nothing of it waits in
 * the buffers; once started, the rest of that body goes the same way. */
static bool
h1_res_splicing(const struct lbd_stream *s)
{
	if (s->res_body.done || s->res_body.kind != LB_BODY_LENGTH || s->sbuf.len ||
	    s->cbuf.len || s->res_fwd || !s->sc || (s->flags & LBD_STRM_F_NO_SPLICE))
		return false;
	return s->pipe_sc[0] >= 0 || s->res_body.left >= LBD_XFER_SPLICE_MIN;
}


static void
h1_abort(struct lbd_stream *s, char who, char what)
{
	lbd_xfer_drop_held(s);
	lbd_stream_abort(s, who, what);
}

static void
h1_update(struct lbd_stream *s)
{
	struct lbd_cconn *cc = s->cc;
	struct lbd_thread *thr = s->thr;
	struct lb_http1_error err;

	if (s->state == LBD_ST_LOCAL_REPLY) {
		do {
			if (lbd_xfer_to_client(s) < 0) {
				h1_abort(s, 'C', 'D');
				return;
			}
		} while (!s->cbuf.len && lbd_service_refill(s));	/* a service's next piece */
		if (!s->cbuf.len) {
			h1_end(s);
			return;
		}
		lbd_stream_set_timeout(s, lbd_timeout(s, LB_TO_CLIENT));
		return;
	}
	if (s->state == LBD_ST_TUNNEL) {
		switch (lbd_xfer_tunnel_step(s)) {
		case LBD_TUN_SRV_ERR:
			h1_abort(s, 'S', 'D');
			return;
		case LBD_TUN_CLI_ERR:
			h1_abort(s, 'C', 'D');
			return;
		case LBD_TUN_DONE:
			s->flags |= LBD_STRM_F_RES_DONE | LBD_STRM_F_REQ_DONE | LBD_STRM_F_CLI_CLOSE;
			h1_end(s);
			return;
		default:
			return;
		}
	}
	if (s->state != LBD_ST_FORWARD)
		return;

	/* request direction */
	if (!(s->flags & LBD_STRM_F_REQ_DONE)) {
		uint64_t fwd = s->req_fwd;
		if (body_advance(&s->req_body, cc->rbuf.data + cc->rbuf.head, &fwd, cc->rbuf.len,
				 &err) < 0) {
			lbd_access_log_error(s, LBD_ERR_REQUEST, "invalid chunked request body",
					     &err, NULL, 0);
			s->fe->ctr[thr->id].failed_req++;
			if (!(s->flags & LBD_STRM_F_RES_STARTED)) {
				h1_error(s, 400, 'P', 'D');
			} else {
				h1_abort(s, 'P', 'D');
			}
			return;
		}
		s->req_fwd = fwd;
		if (s->req_body.done)
			s->flags |= LBD_STRM_F_REQ_DONE;
	}
	if (lbd_xfer_to_server(s) < 0) {
		if (h1_try_replay(s))
			return;
		if (!(s->flags & LBD_STRM_F_RES_HEAD)) {
			s->be->ctr[thr->id].eresp++;
			h1_error(s, 502, 'S', 'H');
		} else {
			h1_abort(s, 'S', 'D');
		}
		return;
	}
	if (!(s->flags & LBD_STRM_F_REQ_DONE) && (cc->flags & LBD_CC_F_EOF) && !s->req_fwd) {
		/* the client went away in the middle of its request body */
		h1_abort(s, 'C', 'D');
		return;
	}

	/* response direction */
	if (s->flags & LBD_STRM_F_RES_STARTED)
		lbd_xfer_drop_held(s);
	if (!(s->flags & LBD_STRM_F_RES_HEAD)) {
		if (h1_parse_response(s) < 0)
			return;
		if (s->state != LBD_ST_FORWARD) {
			if (s->state == LBD_ST_TUNNEL)
				h1_update(s);
			return;	/* an error reply or the tunnel took over */
		}
		if (!(s->flags & LBD_STRM_F_RES_HEAD)) {
			if (s->sc && (s->sc->flags & LBD_SC_F_EOF)) {
				if (h1_try_replay(s))
					return;
				s->be->ctr[thr->id].eresp++;
				s->srv->ctr[thr->id].eresp++;
				s->srv->ctr[thr->id].srv_aborts++;
				h1_error(s, 502, 'S', 'H');
				return;
			}
			if (s->cbuf.len && lbd_xfer_to_client(s) < 0) {
				h1_abort(s, 'C', 'H');
				return;
			}
			goto wait;
		}
	}
	if (!s->res_body.done) {
		uint64_t fwd = s->res_fwd;
		if (body_advance(&s->res_body, s->sbuf.data + s->sbuf.head, &fwd, s->sbuf.len,
				 &err) < 0) {
			lbd_access_log_error(s, LBD_ERR_RESPONSE, "invalid chunked response body",
					     &err, NULL, 0);
			s->be->ctr[thr->id].eresp++;
			h1_abort(s, 'S', 'D');
			return;
		}
		s->res_fwd = fwd;
		if (s->res_body.kind == LB_BODY_UNTIL_CLOSE && s->sc &&
		    (s->sc->flags & LBD_SC_F_EOF))
			s->res_body.done = true;
	}
	if (lbd_xfer_to_client(s) < 0) {
		h1_abort(s, 'C', 'D');
		return;
	}
	if (h1_res_splicing(s)) {
		/* a long body with a known length, nothing buffered: kernel to kernel */
		switch (lbd_xfer_splice_body(s, &s->res_body.left)) {
		case LBD_XFER_NO_SPLICE:
			s->flags |= LBD_STRM_F_NO_SPLICE;
			break;
		case LBD_TUN_CLI_ERR:
			h1_abort(s, 'C', 'D');
			return;
		case LBD_TUN_SRV_ERR:
			h1_abort(s, 'S', 'D');
			return;
		default:
			break;
		}
		if (!s->res_body.left && !s->pipe_sc_len)
			s->res_body.done = true;
	}
	if (s->res_body.done) {
		s->flags |= LBD_STRM_F_RES_DONE;
		if (!s->cbuf.len && !s->res_fwd && !s->pipe_sc_len) {
			if (!(s->flags & LBD_STRM_F_REQ_DONE))
				s->flags |= LBD_STRM_F_CLI_CLOSE;
			h1_end(s);
			return;
		}
	} else if (s->sc && (s->sc->flags & LBD_SC_F_EOF) && !s->res_fwd && !s->pipe_sc_len) {
		/* the server closed before the end of the announced body */
		s->srv->ctr[thr->id].srv_aborts++;
		if (!s->cbuf.len)
			h1_abort(s, 'S', 'D');
		return;
	}
wait:
	/* what to wait for next */
	if ((cc->flags & LBD_CC_F_EOF) || cc->rbuf.len >= buf_size(s) ||
	    ((s->flags & LBD_STRM_F_REQ_DONE) && cc->rbuf.len > s->req_held))
		lbd_cconn_stop_read(cc);
	else if (!(s->flags & LBD_STRM_F_REQ_DONE))
		lbd_cconn_want_read(cc, 0);
	/* else: nothing to read before the response is over (a client that leaves is seen
	 * then, as HAProxy does without abortonclose); a read event already registered
	 * stays, one not registered is not added - no epoll_ctl for it */
	if (s->sc)
		lbd_sconn_want_read(s->sc, !(s->sc->flags & LBD_SC_F_EOF) && !s->pipe_sc_len &&
						   (s->sbuf.len < buf_size(s) || !s->sbuf.data));
}

/* The exchange is over: log, release the server side, and go back to the client. */
static void
h1_end(struct lbd_stream *s)
{
	struct lbd_cconn *cc = s->cc;
	bool reusable = (s->flags & LBD_STRM_F_REQ_DONE) && (s->flags & LBD_STRM_F_RES_DONE) &&
			!(s->flags & LBD_STRM_F_SRV_CLOSE) && s->state == LBD_ST_FORWARD;
	bool close_cli = (s->flags & LBD_STRM_F_CLI_CLOSE) ||
			 (cc->flags & (LBD_CC_F_EOF | LBD_CC_F_H2S));	/* h2: one per stream */

	lbd_xfer_drop_held(s);
	lbd_access_log(s);
	if (s->sbuf.len)
		reusable = false;	/* the server sent more than the response */
	if (s->req_fwd || s->obuf.len) {
		/* The response ended before the whole request reached the server (an early
		 * answer, an error): the rest of the request is still in our buffers. It must
		 * neither go out on a reused connection nor be parsed as a next request. */
		reusable = false;
		close_cli = true;
	}
	lbd_backend_detach(s, reusable);
	if (close_cli || cc->thr->stopping) {
		/* after a reply of our own, or with the request not all read, the client may
		 * still be sending: close without destroying the reply (lingering close) */
		if (!(cc->flags & LBD_CC_F_EOF) &&
		    (s->state == LBD_ST_LOCAL_REPLY || !(s->flags & LBD_STRM_F_REQ_DONE) ||
		     s->req_fwd || cc->rbuf.len))
			lbd_cconn_linger_close(cc);
		else
			lbd_cconn_close(cc);
		return;
	}
	lbd_stream_free(s);
	cc->strm = NULL;
	h1_wait_request(cc);
}

/* ---- client side entry points ---- */

static long long
idle_timeout(struct lbd_cconn *cc)
{
	const struct lbd_frontend *fe = cc->li->fe;
	long long t = 0;

	if (cc->nreq)
		t = lbd_fe_timeout(fe, LB_TO_HTTP_KEEP_ALIVE);
	if (t <= 0)
		t = lbd_fe_timeout(fe, LB_TO_HTTP_REQUEST);
	if (t <= 0)
		t = lbd_fe_timeout(fe, LB_TO_CLIENT);
	return t;
}

static void
h1_wait_request(struct lbd_cconn *cc)
{
	struct lbd_thread *thr = cc->thr;

	cc->idle_start_ms = thr->now_ms;
	if (cc->rbuf.len) {
		/* A pipelined request is already here. It is parsed from the event loop, not
		 * from here: requests answered locally would otherwise recurse once each. */
		lbd_cconn_want_read(cc, idle_timeout(cc));
		event_active(&cc->ev, EV_READ, 1);
		return;
	}
	lbd_buf_release(&thr->bufs, &cc->rbuf);
	lbd_cconn_want_read(cc, idle_timeout(cc));
}

static bool h1_read_head(struct lbd_cconn *cc);

/* A new connection. Clients speak first, and the request is usually there by the time the
 * connection is accepted: read it at once, and register the socket with epoll only when
 * nothing came yet. A connection that carries one exchange then costs no epoll_ctl. */
static void
h1_cli_start(struct lbd_cconn *cc)
{
	if (cc->flags & LBD_CC_F_H2S) {
		h1_parse_request(cc);	/* one h2 stream: its whole head is in rbuf */
		return;
	}
	if (lbd_h2_wanted(cc)) {
		lbd_h2_start(cc);
		return;
	}
	if (cc->rbuf.len) {
		h1_wait_request(cc);	/* bytes that came behind a PROXY header */
		return;
	}
	cc->idle_start_ms = cc->thr->now_ms;
	if (!h1_read_head(cc))
		lbd_cconn_want_read(cc, idle_timeout(cc));
}

/* Reads a request head on an idle connection (no stream yet, or one in LBD_ST_REQ_HEAD).
 * Returns false when there was nothing to read (cc untouched), true otherwise (cc may
 * be gone). */
static bool
h1_read_head(struct lbd_cconn *cc)
{
	struct lbd_thread *thr = cc->thr;
	uint32_t room;
	ssize_t n;

	if (cc->flags & LBD_CC_F_H2S)
		return false;	/* no socket: the h2 codec brings the bytes */
	if (!lbd_buf_alloc(&thr->bufs, &cc->rbuf)) {
		lbd_cconn_close(cc);
		return true;
	}
	room = lbd_buf_room(&cc->rbuf, thr->bufs.size);
	if (!room) {
		h1_parse_request(cc);
		return true;
	}
	n = lbd_conn_recv(cc->tls, cc->fd, lbd_buf_tail(&cc->rbuf), room);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			lbd_buf_release_if_empty(&thr->bufs, &cc->rbuf);
			return false;
		}
		/* closed (or reset) between requests, or in the middle of a head */
		if (cc->strm) {
			cc->strm->fe->ctr[thr->id].cli_aborts++;
			lbd_stream_set_term(cc->strm, 'C', 'R');
			cc->strm->status = -1;
			if (cc->strm->bytes_in)
				lbd_access_log(cc->strm);
		}
		lbd_cconn_close(cc);
		return true;
	}
	cc->rbuf.len += (uint32_t)n;
	if (cc->strm)
		cc->strm->bytes_in += (uint64_t)n;
	h1_parse_request(cc);
	return true;
}

static void
h1_parse_request(struct lbd_cconn *cc)
{
	struct lbd_thread *thr = cc->thr;
	struct lbd_stream *s = cc->strm;
	struct lb_http1_msg msg;
	struct lb_http1_error err;
	size_t hl;

	if (!s && !cc->nreq && cc->rbuf.data[cc->rbuf.head] == 'P' &&
	    cc->li->cfg->proto != LB_BIND_PROTO_H1) {
		/* a client opening with the HTTP/2 preface on a clear-text bind: h2c with prior
		 * knowledge, as HAProxy detects it */
		size_t n = LB_MIN((size_t)cc->rbuf.len, (size_t)LBD_H2_PREFACE_LEN);
		if (!memcmp(cc->rbuf.data + cc->rbuf.head, LBD_H2_PREFACE, n)) {
			if (n == LBD_H2_PREFACE_LEN)
				lbd_h2_start(cc);
			else
				lbd_cconn_want_read(cc, idle_timeout(cc));
			return;
		}
	}
	if (!s) {
		s = lbd_stream_new(cc);
		if (!s) {
			lbd_cconn_close(cc);
			return;
		}
		s->state = LBD_ST_REQ_HEAD;
		s->t_start_ms = thr->now_ms;
		s->bytes_in = cc->rbuf.len;
		s->cli_activity_ms = thr->now_ms;
		s->fe->ctr[thr->id].sess_tot++;
		lbd_rates_sess(&s->fe->rates[thr->id], thr->now_ms);
		/* the http-request timeout runs from the first byte, on the stream's timer */
		lbd_cconn_drop_timeout(cc);
		h1_arm_timer(s);
	}
	hl = lb_http1_head_end(cc->rbuf.data + cc->rbuf.head, cc->rbuf.len, &s->head_scan);
	if (!hl) {
		lbd_cconn_want_read(cc, 0);	/* the rest of the head */
		if (cc->rbuf.len >= thr->bufs.size - 1) {
			err.status = 431;
			err.offset = cc->rbuf.len;
			err.reason = "request head larger than tune.bufsize";
			goto bad;
		}
		if (cc->flags & LBD_CC_F_EOF) {
			lbd_cconn_close(cc);
			return;
		}
		return;
	}
	s->head_scan = 0;
	memset(&msg, 0, sizeof(msg));
	msg.hdrs = thr->hdrs;
	msg.max_hdrs = thr->rt->maxhdr;
	if (lb_http1_parse_request(cc->rbuf.data + cc->rbuf.head, hl, &msg, &err) < 0)
		goto bad;
	event_del(&s->tev);
	h1_process_request(s, &msg);
	return;
bad:
	s->fe->ctr[thr->id].failed_req++;
	lbd_access_log_error(s, LBD_ERR_REQUEST, "invalid request", &err,
			     cc->rbuf.data + cc->rbuf.head, cc->rbuf.len);
	/* nothing of a bad request reaches a server; the connection is closed after the
	 * answer, so the rest of its bytes do not matter */
	lbd_buf_release(&thr->bufs, &cc->rbuf);
	s->flags |= LBD_STRM_F_CLI_CLOSE;
	h1_error(s, err.status ? err.status : 400, 'P', 'R');
}

static void
h1_cli_read(struct lbd_cconn *cc)
{
	struct lbd_stream *s = cc->strm;
	int r;

	if (!s && cc->rbuf.len) {
		h1_parse_request(cc);	/* a pipelined request (h1_wait_request) */
		return;
	}
	if (!s || s->state == LBD_ST_REQ_HEAD) {
		h1_read_head(cc);
		return;
	}
	r = lbd_xfer_from_client(s);
	if (r < 0 && !(s->flags & LBD_STRM_F_REQ_DONE)) {
		h1_abort(s, 'C', 'D');
		return;
	}
	if (s->state == LBD_ST_FORWARD || s->state == LBD_ST_TUNNEL) {
		h1_update(s);
		return;
	}
	/* queued, connecting, replying: only notice the client leaving */
	if (cc->flags & LBD_CC_F_EOF) {
		if (s->state == LBD_ST_LOCAL_REPLY || (s->flags & LBD_STRM_F_REQ_DONE)) {
			/* a half-close after a whole request: serve it, then close (HAProxy
			 * aborts only with option abortonclose) */
			s->flags |= LBD_STRM_F_CLI_CLOSE;
			lbd_cconn_stop_read(cc);
			return;
		}
		h1_abort(s, 'C', s->state == LBD_ST_QUEUED   ? 'Q'
				 : s->state == LBD_ST_TARPIT ? 'T'
							     : 'C');
		return;
	}
	if (cc->rbuf.len >= buf_size(s))
		lbd_cconn_stop_read(cc);
}

static void
h1_cli_timeout(struct lbd_cconn *cc)
{
	/* the idle keep-alive (or first request) wait expired without a byte: close quietly,
	 * as HAProxy does */
	lbd_cconn_close(cc);
}

static void
h1_cli_write(struct lbd_stream *s)
{
	h1_update(s);
}

static void
h1_srv_read(struct lbd_stream *s)
{
	int r;

	if (s->state == LBD_ST_FORWARD && h1_res_splicing(s)) {
		h1_update(s);
		return;
	}
	r = lbd_xfer_from_server(s);

	if (r < 0 && !(s->flags & LBD_STRM_F_RES_HEAD)) {
		if (h1_try_replay(s))
			return;
		s->be->ctr[s->thr->id].eresp++;
		s->srv->ctr[s->thr->id].srv_aborts++;
		h1_error(s, 502, 'S', 'H');
		return;
	}
	h1_update(s);
}

static void
h1_srv_write(struct lbd_stream *s)
{
	h1_update(s);
}

static void
h1_timer(struct lbd_stream *s)
{
	struct lbd_thread *thr = s->thr;
	uint64_t now = thr->now_ms;
	long long cli = lbd_timeout(s, LB_TO_CLIENT), srv = lbd_timeout(s, LB_TO_SERVER);

	switch (s->state) {
	case LBD_ST_REQ_HEAD:
		s->fe->ctr[thr->id].failed_req++;
		h1_error(s, 408, 'c', 'R');
		return;
	case LBD_ST_QUEUED:
		lbd_backend_dequeue(s);
		s->be->ctr[thr->id].queue_timeouts++;
		h1_error(s, 503, 's', 'Q');
		return;
	case LBD_ST_CONNECTING:
		h1_connect_failed(s, ETIMEDOUT, true);
		return;
	case LBD_ST_LOCAL_REPLY:
		h1_abort(s, 'c', 'D');
		return;
	case LBD_ST_TARPIT:	/* http-request tarpit: the delay is over */
		h1_error(s, s->status, 'P', 'T');
		return;
	case LBD_ST_TUNNEL: {
		long long next = 0;
		char who = lbd_xfer_tunnel_expired(s, &next);
		if (who) {
			h1_abort(s, who, 'D');
			return;
		}
		lbd_stream_set_timeout(s, next);
		return;
	}
	default:
		break;
	}
	/* forwarding: the server must answer within "timeout server" of its last activity,
	 * the client must keep up within "timeout client" when we wait on it */
	uint64_t next = UINT64_MAX;
	bool wait_srv = !(s->flags & LBD_STRM_F_RES_DONE) && !s->cbuf.len && !s->res_fwd &&
			!s->pipe_sc_len;
	bool wait_cli = !(s->flags & LBD_STRM_F_REQ_DONE) || s->cbuf.len || s->res_fwd ||
			s->pipe_sc_len;

	if (wait_srv && srv > 0) {
		uint64_t exp = s->srv_activity_ms + (uint64_t)srv;
		if (exp <= now) {
			if (!(s->flags & LBD_STRM_F_RES_HEAD)) {
				s->be->ctr[thr->id].eresp++;
				h1_error(s, 504, 's', 'H');
			} else {
				h1_abort(s, 's', 'D');
			}
			return;
		}
		next = exp;
	}
	if (wait_cli && cli > 0) {
		uint64_t exp = s->cli_activity_ms + (uint64_t)cli;
		if (exp <= now) {
			if (!(s->flags & LBD_STRM_F_REQ_DONE) && !(s->flags & LBD_STRM_F_RES_STARTED))
				h1_error(s, 408, 'c', 'D');
			else
				h1_abort(s, 'c', 'D');
			return;
		}
		next = LB_MIN(next, exp);
	}
	lbd_stream_set_timeout(s, next == UINT64_MAX ? 0 : (long long)(next - now));
}

static void
h1_soft_stop(struct lbd_cconn *cc)
{
	char c;

	if (cc->flags & LBD_CC_F_H2) {
		lbd_h2_soft_stop(cc);
		return;
	}
	if (!cc->strm) {
		/* Not idle: a connection accepted just before the stop whose first request is
		 * on its way, or one whose next request already waits in the socket (a reload
		 * must not reset either). Served with "Connection: close" (thr->stopping),
		 * bounded by the request timeout and hard-stop-after. */
		if (cc->nreq == 0 || recv(cc->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
			return;
		lbd_cconn_close(cc);
		return;
	}
	cc->strm->flags |= LBD_STRM_F_CLI_CLOSE;
	if (cc->strm->state == LBD_ST_REQ_HEAD && !cc->rbuf.len)
		lbd_cconn_close(cc);
}

const struct lbd_mode_ops lbd_mode_http = {
	.name = "http",
	.cli_start = h1_cli_start,
	.cli_read = h1_cli_read,
	.cli_timeout = h1_cli_timeout,
	.cli_write = h1_cli_write,
	.srv_read = h1_srv_read,
	.srv_write = h1_srv_write,
	.srv_connected = h1_connected,
	.srv_connect_failed = h1_connect_failed,
	.timer = h1_timer,
	.granted = h1_granted,
	.soft_stop = h1_soft_stop,
};

/* lbd/access_log.c: one log line per stream, and error captures */
#include "access_log.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "http_act.h"
#include "log.h"
#include "stats.h"
#include "stream.h"
#include "runtime_types.h"
#include "thread_types.h"
#include "tls.h"
#include "util.h"

static long
since(uint64_t from, uint64_t to)
{
	return (from && to >= from) ? (long)(to - from) : -1;
}

void
lbd_access_log_fill(const struct lbd_stream *s, struct lb_log_ctx *ctx)
{
	const struct lbd_cconn *cc = s->cc;
	uint64_t now = s->thr->now_ms;
	uint64_t start = s->t_start_ms ? s->t_start_ms : cc->accept_ms;

	lb_log_ctx_init(ctx);
	ctx->cli_addr = cc->flags & LBD_CC_F_UNIX ? NULL : &cc->cli.sa;
	ctx->fe_addr = lbd_cconn_dst(s->cc);
	ctx->srv_addr = s->srv ? (const struct sockaddr *)&s->srv->addr : NULL;
	ctx->fe_name = s->fe->name;
	ctx->be_name = s->be ? s->be->name : NULL;
	ctx->srv_name = s->srv ? s->srv->name : NULL;
	ctx->accept_date = cc->accept_tv;
	ctx->request_date = s->req_tv.tv_sec ? s->req_tv : cc->accept_tv;
	ctx->pid = s->thr->rt->pid;
	ctx->t_handshake = 0;
	ctx->t_idle = (long)(start >= cc->idle_start_ms ? start - cc->idle_start_ms : 0);
	ctx->t_request = (s->flags & LBD_STRM_F_TCP) ? -1 : since(start, s->t_req_done_ms);
	/* Tw: waiting for a server (queue); Tc: connecting; Tr: server response head */
	ctx->t_queue = s->t_queue_ms ? since(s->t_req_done_ms, s->t_queue_ms) : -1;
	ctx->t_connect = s->t_connect_ms ? since(s->t_queue_ms, s->t_connect_ms) : -1;
	ctx->t_response = s->t_response_ms && s->t_connect_ms ? since(s->t_connect_ms,
								       s->t_response_ms)
							       : -1;
	ctx->t_active = since(start, now);
	ctx->t_total = since(start, now);
	ctx->status = s->status;
	ctx->bytes_in = s->bytes_in;
	ctx->bytes_out = s->bytes_out;
	ctx->term_state[0] = s->term[0];
	ctx->term_state[1] = s->term[1];
	ctx->term_state[2] = '-';
	ctx->term_state[3] = '-';
	ctx->term_state[4] = '\0';
	ctx->actconn = __atomic_load_n(&s->thr->rt->cur_conn, __ATOMIC_RELAXED);
	ctx->feconn = __atomic_load_n(&s->fe->cur_conn, __ATOMIC_RELAXED);
	ctx->beconn = s->be ? __atomic_load_n(&s->be->cur_conn, __ATOMIC_RELAXED) : 0;
	ctx->srv_conn = s->srv ? __atomic_load_n(&s->srv->lb.cur_sess, __ATOMIC_RELAXED) : 0;
	ctx->retries = s->retries_done;
	ctx->redispatched = (s->flags & LBD_STRM_F_REDISPATCHED) != 0;
	ctx->srv_queue = 0;
	ctx->be_queue = s->be ? __atomic_load_n(&s->be->qlen, __ATOMIC_RELAXED) : 0;
	if (s->reqline) {
		ctx->req_line = s->reqline;
		ctx->req_line_len = s->reqline_len;
		ctx->method = s->reqline;
		ctx->method_len = s->meth_len;
		ctx->uri = s->reqline + s->uri_off;
		ctx->uri_len = s->uri_len;
		ctx->http_version = s->version;
	}
	ctx->log_tag = "lbd";
	ctx->vars = &cc->vars;	/* %[var(...)] */
	ctx->uniq_id = s->thr->req_seq;
	if (cc->tls) {
		ctx->tls = cc->tls;
		ctx->tls_fact = lbd_tls_fact;
	}
}

void
lbd_access_log(struct lbd_stream *s)
{
	struct lbd_frontend *fe = s->fe;
	struct lb_log_ctx ctx;
	char line[2048];
	size_t n;
	int level;

	if (s->flags & LBD_STRM_F_LOGGED)
		return;
	s->flags |= LBD_STRM_F_LOGGED;
	/* the stream is over: count its bytes once */
	fe->ctr[s->thr->id].bytes_in += s->bytes_in;
	fe->ctr[s->thr->id].bytes_out += s->bytes_out;
	if (s->be) {
		s->be->ctr[s->thr->id].bytes_in += s->bytes_in;
		s->be->ctr[s->thr->id].bytes_out += s->bytes_out;
	}
	if (s->srv)
		s->srv->ctr[s->thr->id].bytes_in += s->bytes_in;
	lbd_stats_record_times(s);
	/* set-log-level (lbd/http_act.h) may change the level or silence the line */
	level = lbd_http_act_log_level(s, s->status >= 500 || s->term[0] != '-' ? LB_LOG_ERR
										: LB_LOG_INFO);
	if (fe->logger && fe->cfg->log_format && level >= 0 &&
	    !(fe->cfg->dontlognull > 0 && s->bytes_in == 0)) {
		lbd_access_log_fill(s, &ctx);
		n = lb_logfmt_render(fe->cfg->log_format, &ctx, line, sizeof(line));
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		lb_logger_send(fe->logger, level, line, n);
	}
	lbd_http_act_txn_end(s);	/* the transaction's variables go with its log line */
}

void
lbd_access_log_error(struct lbd_stream *s, enum lbd_err_dir dir, const char *what,
		     const struct lb_http1_error *err, const char *buf, size_t len)
{
	char addr[64] = "unix";
	char excerpt[64];
	size_t off = err->offset, from, k = 0;
	const struct lbd_cconn *cc = s->cc;

	if (!(cc->flags & LBD_CC_F_UNIX)) {
		const void *a = cc->cli.sa.sa_family == AF_INET ? (const void *)&cc->cli.in4.sin_addr
							       : (const void *)&cc->cli.in6.sin6_addr;
		inet_ntop(cc->cli.sa.sa_family, a, addr, sizeof(addr));
	}
	excerpt[0] = '\0';
	if (buf && off <= len) {
		/* a short escaped excerpt around the fault */
		from = off > 16 ? off - 16 : 0;
		for (size_t i = from; i < len && i < off + 16 && k + 5 < sizeof(excerpt); i++) {
			unsigned char c = (unsigned char)buf[i];
			if (c >= 0x20 && c < 0x7f && c != '\\')
				excerpt[k++] = (char)c;
			else
				k += (size_t)snprintf(excerpt + k, sizeof(excerpt) - k, "\\x%02x", c);
		}
		excerpt[k] = '\0';
	}
	lb_log_sys(LB_LOG_NOTICE, "%s %s%s%s: %s from %s (status %d, byte %u): \"%s\"",
		   s->fe->name, s->be ? "backend " : "", s->be ? s->be->name : "",
		   s->be ? "" : "", what, addr, err->status, err->offset,
		   err->reason ? err->reason : "malformed");
	if (k)
		lb_log_sys(LB_LOG_NOTICE, "%s: near byte %u: %s", s->fe->name, err->offset, excerpt);
	lbd_errors_capture(s, dir, err, buf, len);
}

bool
lbd_access_addr_in_net(const struct sockaddr *sa, const struct lb_cfg_forwardfor *ff)
{
	const struct sockaddr *net = (const struct sockaddr *)&ff->except_net.ss;
	const unsigned char *a, *b;
	int bits = ff->except_prefix, bytes;

	if (!ff->has_except || sa->sa_family != net->sa_family)
		return false;
	if (sa->sa_family == AF_INET) {
		a = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
		b = (const unsigned char *)&((const struct sockaddr_in *)net)->sin_addr;
	} else {
		a = (const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
		b = (const unsigned char *)&((const struct sockaddr_in6 *)net)->sin6_addr;
	}
	bytes = bits / 8;
	if (memcmp(a, b, (size_t)bytes) != 0)
		return false;
	if (bits % 8) {
		unsigned char mask = (unsigned char)(0xff << (8 - bits % 8));
		return (a[bytes] & mask) == (b[bytes] & mask);
	}
	return true;
}

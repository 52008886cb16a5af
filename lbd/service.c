/* lbd/service.c: what the services share: the request view, matching, the response
 * buffer and the piecewise send through the stream's client buffer */
#include "service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_reply.h"
#include "stream_types.h"
#include "thread_types.h"

void
lbd_service_req_init(struct lbd_svc_req *rq, const char *buf, const struct lb_http1_msg *msg,
		     size_t avail)
{
	int h = lb_http1_find_hdr(buf, msg, "authorization", 13, 0);

	memset(rq, 0, sizeof(*rq));
	rq->meth = msg->meth;
	rq->uri = buf + msg->uri_off;
	rq->uri_len = msg->uri_len;
	if (h >= 0) {
		rq->auth = buf + msg->hdrs[h].value_off;
		rq->auth_len = msg->hdrs[h].value_len;
	}
	if (msg->body == LB_BODY_LENGTH && msg->content_length <= avail - msg->head_len) {
		rq->body = buf + msg->head_len;
		rq->body_len = (size_t)msg->content_length;
	}
}

#define STATS_URI_DEFAULT "/haproxy?stats"

static bool
stats_uri_matches(const struct lb_cfg_stats *st, const char *uri, size_t len)
{
	const char *prefix = st->uri ? st->uri : STATS_URI_DEFAULT;
	size_t pl = strlen(prefix);

	return len >= pl && memcmp(uri, prefix, pl) == 0;
}

const struct lb_cfg_stats *
lbd_stats_page_match(const struct lbd_stream *s, const char *uri, size_t len)
{
	const struct lb_cfg_stats *st = s->fe->cfg->stats;

	if (st && stats_uri_matches(st, uri, len))
		return st;
	if (s->be && s->be->cfg != s->fe->cfg && (st = s->be->cfg->stats) &&
	    stats_uri_matches(st, uri, len))
		return st;
	return NULL;
}

bool
lbd_service_refill(struct lbd_stream *s)
{
	struct lbd_svc_out *o = s->svc;
	uint32_t room;
	size_t n;

	if (!o || o->off >= o->len)
		return false;
	if (!lbd_buf_alloc(&s->thr->bufs, &s->cbuf)) {
		/* the response stops short of its content-length: close, so it shows */
		s->flags |= LBD_STRM_F_CLI_CLOSE;
		return false;
	}
	room = lbd_buf_room(&s->cbuf, s->thr->bufs.size);
	n = LB_MIN((size_t)room, o->len - o->off);
	memcpy(lbd_buf_tail(&s->cbuf), o->data + o->off, n);
	s->cbuf.len += (uint32_t)n;
	o->off += n;
	return n > 0;
}

/* --- text buffer --- */

static bool
sb_reserve(struct lbd_sb *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->failed)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void
lbd_sb_put(struct lbd_sb *b, const char *s, size_t n)
{
	if (!sb_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
lbd_sb_puts(struct lbd_sb *b, const char *s)
{
	lbd_sb_put(b, s, strlen(s));
}

void
lbd_sb_printf(struct lbd_sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sb_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
lbd_sb_html(struct lbd_sb *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': lbd_sb_puts(b, "&amp;"); break;
		case '<': lbd_sb_puts(b, "&lt;"); break;
		case '>': lbd_sb_puts(b, "&gt;"); break;
		case '"': lbd_sb_puts(b, "&quot;"); break;
		case '\'': lbd_sb_puts(b, "&#39;"); break;
		default: lbd_sb_put(b, &s[i], 1);
		}
	}
}

void
lbd_sb_json_str(struct lbd_sb *b, const char *s, size_t n)
{
	lbd_sb_put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			lbd_sb_printf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			lbd_sb_printf(b, "\\u%04x", c);
		else
			lbd_sb_put(b, &s[i], 1);
	}
	lbd_sb_put(b, "\"", 1);
}

struct lbd_svc_out *
lbd_svc_finish(struct lbd_sb *body, const struct lbd_svc_req *rq, int status, const char *ctype,
	       const char *extra)
{
	char head[1024];
	int hl;
	size_t blen = rq->meth == LB_METH_HEAD ? 0 : body->len;
	struct lbd_svc_out *o = NULL;

	hl = snprintf(head, sizeof(head),
		      "HTTP/1.1 %d %s\r\ncontent-type: %s\r\ncontent-length: %zu\r\n"
		      "cache-control: no-cache\r\n%s%s\r\n",
		      status, lbd_http_reason(status), ctype, body->len, extra ? extra : "",
		      rq->close ? "connection: close\r\n" : "");
	if (!body->failed && hl > 0 && (size_t)hl < sizeof(head))
		o = malloc(sizeof(*o) + (size_t)hl + blen);
	if (o) {
		o->len = (size_t)hl + blen;
		o->off = 0;
		memcpy(o->data, head, (size_t)hl);
		if (blen)
			memcpy(o->data + hl, body->p, blen);
	}
	lb_free(&body->p);
	body->len = body->cap = 0;
	return o;
}

/* lbd/h2_front.c: HTTP/2 towards clients (see h2_front.h)
 *
 * Call structure. nghttp2 callbacks only record what happened (fields, body bytes, ends,
 * resets) and put the stream on the connection's "dirty" list; the pipeline is driven from
 * h2c_run() once nghttp2 has returned, never from inside a callback, so a stream the
 * pipeline finishes (and frees) is never under nghttp2's feet. The pipeline's response
 * bytes (lbd_h2_stream_send) become submitted frames at once; the socket is written from
 * h2c_run(), which the pipeline's calls schedule with event_active() so that responses
 * finished in one loop iteration leave in one write.
 *
 * Copies and memory. Response body bytes are copied twice: from the pipeline into the
 * stream's rdata, and from there with their DATA frame header into obuf (on_send_data,
 * NGHTTP2_DATA_FLAG_NO_COPY: not through nghttp2's frame buffer). An idle connection keeps
 * the nghttp2 session's bookkeeping only: no header space, no closed streams, and its
 * frame buffer pages go back after H2_TRIM_DELAY_MS (lbd/h2_mem.h).
 *
 * Defences (each ends in GOAWAY ENHANCE_YOUR_CALM or a RST_STREAM, the connection's other
 * streams and every other connection carry on):
 * - rapid reset (CVE-2023-44487): streams the client resets before their response is over
 *   are counted per 10 s; more than LBD_H2_MAX_RESETS(max-concurrent-streams) -> GOAWAY;
 *   a reset stream's pipeline is aborted at once, releasing its server connection;
 * - CONTINUATION flood: more than H2_MAX_CONT_FRAMES frames in one header block -> GOAWAY
 *   (nghttp2 1.52 decodes each frame as it comes, so bytes are bounded by the header cap);
 * - HPACK bomb: the decoded header list is capped (tune.bufsize, tune.http.maxhdr fields):
 *   the stream is reset, and the header table size is the one announced;
 * - SETTINGS / PING / PRIORITY / empty DATA floods: more than H2_MAX_CTRL such frames per
 *   10 s -> GOAWAY (nghttp2's own max_outbound_ack catches a peer that does not read);
 * - too many streams: SETTINGS_MAX_CONCURRENT_STREAMS, enforced by nghttp2 (RST_STREAM);
 * - zero-window stall: a stream's output is bounded (one buffer), the pipeline stops reading
 *   its server and "timeout client" ends the stream; the connection itself is closed when it
 *   makes no progress for "timeout client" while it has work.
 */
#include "h2_front.h"

#include <errno.h>
#include <event2/event.h>
#include <nghttp2/nghttp2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "access_log.h"
#include "cfg_types.h"
#include "h2_conv.h"
#include "h2_mem.h"
#include "log.h"
#include "proxy.h"
#include "stream.h"
#include "thread.h"
#include "thread_types.h"
#include "tls.h"
#include "util.h"

#define H2_WINDOW_MS 10000		/* the accounting window of the flood counters */
#define H2_MAX_CTRL 1000		/* PING, SETTINGS, PRIORITY, empty DATA per window */
#define H2_MAX_CONT_FRAMES 64		/* CONTINUATION frames in one header block */
#define H2_MAX_NV 256			/* header list entries lbd sends in one block */
#define H2_TRAILERS_MAX 16384		/* trailer bytes of a response kept for the h2 side */
#define H2_CONN_WINDOW (1u << 20)	/* connection-level receive window */
#define H2_FRAME_HDLEN 9		/* RFC 9113 4.1 */
#define H2_DATA_MAX 16384		/* DATA payload per frame (nghttp2's own default) */
#define H2_TRIM_DELAY_MS 1000		/* idle time before the frame buffer's pages go back */

static unsigned
max_resets(const struct lbd_h2_settings *set)
{
	return LB_MAX(100u, 2 * set->max_concurrent_streams);
}

enum {
	H2S_STARTED = 1 << 0,		/* the pipeline has the request */
	H2S_REQ_CHUNKED = 1 << 1,	/* the request body is written chunked */
	H2S_REQ_END = 1 << 2,		/* the client's END_STREAM arrived */
	H2S_CLOSED = 1 << 3,		/* nghttp2 closed the stream */
	H2S_WANT_WRITE = 1 << 4,	/* the pipeline waits for room in rdata */
	H2S_WANT_READ = 1 << 5,		/* the pipeline waits for request bytes */
	H2S_RES_HEAD = 1 << 6,		/* final response HEADERS submitted */
	H2S_RES_EOF = 1 << 7,		/* the response body is complete in rdata */
	H2S_RES_DATA = 1 << 8,		/* a data provider was given (DATA frames follow) */
	H2S_DIRTY = 1 << 9,		/* on the connection's dirty list */
	H2S_RST_SENT = 1 << 10,
	H2S_FRESH = 1 << 11,		/* request bytes added since the pipeline last looked */
	H2S_HAS_TRAILERS = 1 << 12,
	H2S_REJECT = 1 << 13,		/* answered by the codec itself, no pipeline */
};

enum {
	RS_HEAD = 0,		/* waiting for a response head */
	RS_LEN,			/* Content-Length body */
	RS_CHUNKED,
	RS_CLOSE,		/* body until the pipeline ends */
	RS_DONE,
};

struct lbd_h2s {
	struct lbd_h2c *h2c;
	struct lbd_cconn *vcc;		/* the pipeline's virtual connection, NULL once done */
	struct lbd_h2s *dirty_next;
	struct lbd_h2s *all_next, *all_prev;	/* the connection's streams */
	int32_t id;
	uint32_t flags;			/* H2S_* */
	enum lb_http_meth meth;
	/* request body bytes not yet in vcc->rbuf (no room there yet) */
	char *pend;
	uint32_t pend_len, pend_cap;
	uint32_t pend_data;		/* DATA payload bytes in pend (window not re-opened) */
	uint32_t fresh_bytes;		/* request bytes added for the pipeline's counters */
	/* response */
	int rstate;
	uint64_t rleft;
	struct lbd_dechunk dc;
	struct lbd_buf rdata;		/* DATA payload waiting for nghttp2 */
	char *trailers;			/* raw trailer lines of a chunked response */
	uint32_t trailers_len;
};

struct lbd_h2c {
	struct lbd_cconn *cc;
	nghttp2_session *ngh;
	struct lbd_h2_mem mem;		/* the session's allocator (outlives the session) */
	struct event wev;		/* EV_WRITE on the socket; also activated to run h2c_run */
	struct lbd_buf obuf;		/* frames on their way to the socket */
	struct lbd_h2_fields fields;	/* the header block being received */
	struct lbd_h2s *dirty;
	struct lbd_h2s *all;
	unsigned nstreams;		/* struct lbd_h2s alive */
	unsigned cont_frames;		/* CONTINUATION frames of the current header block */
	uint64_t window_start_ms;
	unsigned resets, ctrl;		/* in the current window */
	uint64_t progress_ms;		/* last byte read or written */
	uint64_t idle_deadline_ms;	/* idle with frame buffer pages: the keep-alive's end
					 * (UINT64_MAX: none), the timer fires earlier to trim */
	int busy;			/* inside h2c_run */
	bool kicked;			/* h2c_run scheduled */
	bool wev_added;
	bool goaway;			/* graceful GOAWAY sent: close when the streams are done */
	bool dead;			/* fatal error: close at the end of h2c_run */
};

static nghttp2_session_callbacks *h2_callbacks;
static nghttp2_option *h2_options;

void
lbd_h2_settings_init(struct lbd_h2_settings *set, const struct lb_cfg_global *g,
		     unsigned bufsize)
{
	set->header_table_size = g->tune_h2_header_table_size >= 0
					 ? (unsigned)g->tune_h2_header_table_size : 4096;
	set->initial_window_size = g->tune_h2_initial_window_size >= 0
					   ? (unsigned)g->tune_h2_initial_window_size : 65535;
	set->max_concurrent_streams = g->tune_h2_max_concurrent_streams > 0
					      ? (unsigned)g->tune_h2_max_concurrent_streams : 100;
	set->max_frame_size = g->tune_h2_max_frame_size > 0
				      ? (unsigned)g->tune_h2_max_frame_size : 16384;
	set->max_header_list = bufsize;
}

static const struct lbd_h2_settings *
settings(const struct lbd_h2c *h2c)
{
	return &h2c->cc->thr->rt->h2;
}

static uint32_t
bufsize(const struct lbd_h2c *h2c)
{
	return h2c->cc->thr->bufs.size;
}

/* ---- streams ---- */

static void
mark_dirty(struct lbd_h2s *h2s)
{
	struct lbd_h2c *h2c = h2s->h2c;

	if (h2s->flags & H2S_DIRTY)
		return;
	h2s->flags |= H2S_DIRTY;
	h2s->dirty_next = h2c->dirty;
	h2c->dirty = h2s;
}

static void kick(struct lbd_h2c *h2c);

static struct lbd_h2s *
h2s_new(struct lbd_h2c *h2c, int32_t id)
{
	struct lbd_h2s *h2s = calloc(1, sizeof(*h2s));

	if (!h2s)
		return NULL;
	h2s->h2c = h2c;
	h2s->id = id;
	h2s->all_next = h2c->all;
	if (h2c->all)
		h2c->all->all_prev = h2s;
	h2c->all = h2s;
	h2c->nstreams++;
	return h2s;
}

static void
h2s_free(struct lbd_h2s *h2s)
{
	struct lbd_h2c *h2c = h2s->h2c;

	if (h2s->all_prev)
		h2s->all_prev->all_next = h2s->all_next;
	else
		h2c->all = h2s->all_next;
	if (h2s->all_next)
		h2s->all_next->all_prev = h2s->all_prev;
	h2c->nstreams--;
	lbd_buf_release(&h2c->cc->thr->bufs, &h2s->rdata);
	free(h2s->pend);
	free(h2s->trailers);
	free(h2s);
}

static void
h2s_rst(struct lbd_h2s *h2s, uint32_t code)
{
	if ((h2s->flags & (H2S_RST_SENT | H2S_CLOSED)) || !h2s->h2c->ngh)
		return;
	h2s->flags |= H2S_RST_SENT;
	nghttp2_submit_rst_stream(h2s->h2c->ngh, NGHTTP2_FLAG_NONE, h2s->id, code);
}

/* Appends request bytes for the pipeline: into vcc->rbuf while it has room, the rest (and
 * everything after, to keep the order) in pend. data_len is the DATA payload part, whose
 * window is re-opened only once it reaches rbuf. */
static int
req_append(struct lbd_h2s *h2s, const char *p, size_t n, size_t data_len)
{
	struct lbd_h2c *h2c = h2s->h2c;
	struct lbd_cconn *vcc = h2s->vcc;
	size_t direct = 0;

	if (!h2s->pend_len && lbd_buf_alloc(&vcc->thr->bufs, &vcc->rbuf)) {
		uint32_t room = lbd_buf_room(&vcc->rbuf, bufsize(h2c));
		direct = LB_MIN(n, (size_t)room);
		memcpy(lbd_buf_tail(&vcc->rbuf), p, direct);
		vcc->rbuf.len += (uint32_t)direct;
	}
	if (direct < n) {
		size_t rest = n - direct;
		if (h2s->pend_len + rest > h2s->pend_cap) {
			/* bounded by the stream window plus the chunk framing */
			size_t cap = LB_MAX((size_t)h2s->pend_cap * 2, h2s->pend_len + rest);
			char *np = realloc(h2s->pend, cap);
			if (!np)
				return -1;
			h2s->pend = np;
			h2s->pend_cap = (uint32_t)cap;
		}
		memcpy(h2s->pend + h2s->pend_len, p + direct, rest);
		h2s->pend_len += (uint32_t)rest;
		/* the payload bytes that did not make it wait for the window */
		size_t late = LB_MIN(data_len, rest);
		h2s->pend_data += (uint32_t)late;
		data_len -= late;
	}
	if (data_len)
		nghttp2_session_consume(h2c->ngh, h2s->id, data_len);
	h2s->fresh_bytes += (uint32_t)n;
	h2s->flags |= H2S_FRESH;
	mark_dirty(h2s);
	return 0;
}

int
lbd_h2_stream_recv(struct lbd_cconn *vcc)
{
	struct lbd_h2s *h2s = vcc->h2s;
	struct lbd_h2c *h2c = h2s->h2c;
	int r = (h2s->flags & H2S_FRESH) ? 1 : 0;

	if (h2s->pend_len && lbd_buf_alloc(&vcc->thr->bufs, &vcc->rbuf)) {
		uint32_t room = lbd_buf_room(&vcc->rbuf, bufsize(h2c));
		uint32_t n = LB_MIN(room, h2s->pend_len);
		memcpy(lbd_buf_tail(&vcc->rbuf), h2s->pend, n);
		vcc->rbuf.len += n;
		memmove(h2s->pend, h2s->pend + n, h2s->pend_len - n);
		h2s->pend_len -= n;
		if (!h2s->pend_len && h2s->pend_data) {
			nghttp2_session_consume(h2c->ngh, h2s->id, h2s->pend_data);
			h2s->pend_data = 0;
			kick(h2c);	/* the WINDOW_UPDATE */
		}
		if (n)
			r = 1;
	}
	h2s->flags &= ~(uint32_t)H2S_FRESH;
	if (vcc->strm)
		vcc->strm->bytes_in += h2s->fresh_bytes;
	h2s->fresh_bytes = 0;
	return r;
}

void
lbd_h2_stream_want_read(struct lbd_cconn *vcc, bool on)
{
	struct lbd_h2s *h2s = vcc->h2s;

	if (!on) {
		h2s->flags &= ~(uint32_t)H2S_WANT_READ;
		return;
	}
	h2s->flags |= H2S_WANT_READ;
	if (h2s->pend_len) {
		mark_dirty(h2s);
		kick(h2s->h2c);
	}
}

/* ---- the request: from h2 fields to the pipeline ---- */

static void
reject(struct lbd_h2s *h2s, int status)
{
	struct lbd_h2c *h2c = h2s->h2c;
	char code[4] = { (char)('0' + status / 100), (char)('0' + status / 10 % 10),
			 (char)('0' + status % 10), 0 };
	nghttp2_nv nv = { (uint8_t *)":status", (uint8_t *)code, 7, 3, NGHTTP2_NV_FLAG_NONE };

	h2s->flags |= H2S_REJECT | H2S_RES_HEAD;
	h2s->rstate = RS_DONE;
	nghttp2_submit_response(h2c->ngh, h2s->id, &nv, 1, NULL);
	h2c->cc->li->fe->ctr[h2c->cc->thr->id].failed_req++;
}

/* The virtual connection of a stream: the parent's addresses, TLS facts and listener. */
static struct lbd_cconn *
vcc_new(struct lbd_h2s *h2s)
{
	struct lbd_cconn *cc = h2s->h2c->cc, *vcc = calloc(1, sizeof(*vcc));

	if (!vcc)
		return NULL;
	lbd_cconn_dst(cc);
	vcc->fd = -1;
	vcc->flags = (uint16_t)(LBD_CC_F_H2S | LBD_CC_F_PROXY_DONE | LBD_CC_F_DST_KNOWN |
				(cc->flags & LBD_CC_F_UNIX));
	vcc->thr = cc->thr;
	vcc->li = cc->li;
	vcc->cli = cc->cli;
	vcc->dst = cc->dst;
	vcc->accept_ms = cc->thr->now_ms;
	vcc->idle_start_ms = vcc->accept_ms;
	gettimeofday(&vcc->accept_tv, NULL);
	vcc->tls = cc->tls;
	vcc->h2s = h2s;
	return vcc;
}

static void
req_headers_done(struct lbd_h2s *h2s, bool end_stream)
{
	struct lbd_h2c *h2c = h2s->h2c;
	struct lbd_h2_fields *fl = &h2c->fields;
	const char *why = NULL;
	bool chunked;
	long n;

	h2s->vcc = vcc_new(h2s);
	if (!h2s->vcc || !lbd_buf_alloc(&h2c->cc->thr->bufs, &h2s->vcc->rbuf)) {
		free(h2s->vcc);
		h2s->vcc = NULL;
		h2s_rst(h2s, NGHTTP2_INTERNAL_ERROR);
		return;
	}
	n = lbd_h2_to_h1_request(fl, end_stream ? 0 : LBD_H2W_BODY,
				 lbd_buf_tail(&h2s->vcc->rbuf), bufsize(h2c) - 1024, &chunked,
				 &why);
	if (n < 0) {
		lbd_buf_release(&h2c->cc->thr->bufs, &h2s->vcc->rbuf);
		free(h2s->vcc);
		h2s->vcc = NULL;
		lb_log_sys(LB_LOG_INFO, "frontend %s: HTTP/2 request refused: %s",
			   h2c->cc->li->fe->name, why);
		reject(h2s, strstr(why, "larger") ? 431 : strstr(why, "CONNECT") ? 501 : 400);
		return;
	}
	h2s->vcc->rbuf.len += (uint32_t)n;
	h2s->meth = LB_METH_OTHER;
	if (fl->method >= 0) {
#define METH(s, m) { s, sizeof(s) - 1, m }
		static const struct { const char *s; uint32_t len; enum lb_http_meth m; } meths[] = {
			METH("GET", LB_METH_GET), METH("HEAD", LB_METH_HEAD),
			METH("POST", LB_METH_POST), METH("PUT", LB_METH_PUT),
			METH("DELETE", LB_METH_DELETE), METH("OPTIONS", LB_METH_OPTIONS),
			METH("TRACE", LB_METH_TRACE), METH("PATCH", LB_METH_PATCH),
		};
#undef METH
		const char *v = lbd_h2_field_value(fl, (unsigned)fl->method);
		uint32_t vl = fl->f[fl->method].value_len;
		for (size_t i = 0; i < sizeof(meths) / sizeof(meths[0]); i++) {
			if (vl == meths[i].len && !memcmp(v, meths[i].s, vl)) {
				h2s->meth = meths[i].m;
				break;
			}
		}
	}
	if (chunked)
		h2s->flags |= H2S_REQ_CHUNKED;
	if (end_stream)
		h2s->flags |= H2S_REQ_END;
	mark_dirty(h2s);
}

/* END_STREAM from the client, with the fields of a trailing HEADERS block or none. */
static void
req_end(struct lbd_h2s *h2s, const struct lbd_h2_fields *trailers)
{
	char tmp[4096];
	long n;

	if (h2s->flags & H2S_REQ_END)
		return;
	h2s->flags |= H2S_REQ_END;
	if (!h2s->vcc || !(h2s->flags & H2S_REQ_CHUNKED))
		return;	/* with a Content-Length, h1 has no place for trailers */
	n = lbd_h2_to_h1_last_chunk(trailers, tmp, sizeof(tmp));
	if (n < 0)
		n = lbd_h2_to_h1_last_chunk(NULL, tmp, sizeof(tmp));
	if (req_append(h2s, tmp, (size_t)n, 0) < 0)
		h2s_rst(h2s, NGHTTP2_INTERNAL_ERROR);
}

/* ---- nghttp2 callbacks (record, never drive the pipeline) ---- */

static void
calm_down(struct lbd_h2c *h2c, const char *what)
{
	if (h2c->dead)
		return;
	lb_log_sys(LB_LOG_NOTICE, "frontend %s: HTTP/2 client %s: GOAWAY ENHANCE_YOUR_CALM",
		   h2c->cc->li->fe->name, what);
	nghttp2_session_terminate_session(h2c->ngh, NGHTTP2_ENHANCE_YOUR_CALM);
	h2c->goaway = true;
}

/* Counts a frame in the flood window; true when over budget. */
static bool
count(struct lbd_h2c *h2c, unsigned *ctr, unsigned max)
{
	uint64_t now = h2c->cc->thr->now_ms;

	if (now - h2c->window_start_ms >= H2_WINDOW_MS) {
		h2c->window_start_ms = now;
		h2c->resets = h2c->ctrl = 0;
	}
	return ++*ctr > max;
}

static int
on_begin_frame(nghttp2_session *ngh, const nghttp2_frame_hd *hd, void *arg)
{
	struct lbd_h2c *h2c = arg;

	(void)ngh;
	if (hd->type == NGHTTP2_HEADERS) {
		h2c->cont_frames = 0;
	} else if (hd->type == NGHTTP2_CONTINUATION) {
		if (++h2c->cont_frames > H2_MAX_CONT_FRAMES)
			calm_down(h2c, "CONTINUATION flood");
	}
	return 0;
}

static int
on_begin_headers(nghttp2_session *ngh, const nghttp2_frame *frame, void *arg)
{
	struct lbd_h2c *h2c = arg;
	struct lbd_h2s *h2s;

	if (frame->hd.type != NGHTTP2_HEADERS)
		return 0;
	if (!h2c->fields.buf) {
		const struct lbd_h2_settings *set = settings(h2c);
		if (!lbd_h2_fields_init(&h2c->fields, set->max_header_list,
					h2c->cc->thr->rt->maxhdr + 8, set->max_header_list))
			return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	lbd_h2_fields_reset(&h2c->fields);
	if (frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;	/* trailers: the stream exists */
	if (h2c->goaway)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	h2s = h2s_new(h2c, frame->hd.stream_id);
	if (!h2s)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	nghttp2_session_set_stream_user_data(ngh, frame->hd.stream_id, h2s);
	return 0;
}

static int
on_header(nghttp2_session *ngh, const nghttp2_frame *frame, const uint8_t *name, size_t nlen,
	  const uint8_t *value, size_t vlen, uint8_t flags, void *arg)
{
	struct lbd_h2c *h2c = arg;
	struct lbd_h2s *h2s = nghttp2_session_get_stream_user_data(ngh, frame->hd.stream_id);

	(void)flags;
	if (!h2s || frame->hd.type != NGHTTP2_HEADERS)
		return 0;
	if (lbd_h2_fields_add(&h2c->fields, name, nlen, value, vlen) < 0) {
		/* over the header list cap: this stream is refused, the others go on */
		lb_log_sys(LB_LOG_INFO, "frontend %s: HTTP/2 header list over %u bytes or %u "
			   "fields: stream reset", h2c->cc->li->fe->name, h2c->fields.decoded_max,
			   h2c->fields.max);
		h2s_rst(h2s, NGHTTP2_ENHANCE_YOUR_CALM);
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	return 0;
}

static int
on_frame_recv(nghttp2_session *ngh, const nghttp2_frame *frame, void *arg)
{
	struct lbd_h2c *h2c = arg;
	struct lbd_h2s *h2s = nghttp2_session_get_stream_user_data(ngh, frame->hd.stream_id);
	bool end = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;

	switch (frame->hd.type) {
	case NGHTTP2_HEADERS:
		if (!h2s || (h2s->flags & H2S_RST_SENT))
			break;
		if (frame->headers.cat == NGHTTP2_HCAT_REQUEST)
			req_headers_done(h2s, end);
		else if (end)
			req_end(h2s, &h2c->fields);
		break;
	case NGHTTP2_DATA:
		if (!frame->hd.length && !end && count(h2c, &h2c->ctrl, H2_MAX_CTRL))
			calm_down(h2c, "empty DATA flood");
		if (h2s && end)
			req_end(h2s, NULL);
		break;
	case NGHTTP2_RST_STREAM:
		if (h2s && h2s->vcc && count(h2c, &h2c->resets, max_resets(settings(h2c))))
			calm_down(h2c, "rapid reset");
		break;
	case NGHTTP2_SETTINGS:
	case NGHTTP2_PING:
		if (!(frame->hd.flags & NGHTTP2_FLAG_ACK) && count(h2c, &h2c->ctrl, H2_MAX_CTRL))
			calm_down(h2c, frame->hd.type == NGHTTP2_PING ? "PING flood"
								      : "SETTINGS flood");
		break;
	case NGHTTP2_PRIORITY:
		if (count(h2c, &h2c->ctrl, H2_MAX_CTRL))
			calm_down(h2c, "PRIORITY flood");
		break;
	default:
		break;
	}
	return 0;
}

static int
on_data_chunk(nghttp2_session *ngh, uint8_t flags, int32_t id, const uint8_t *data, size_t len,
	      void *arg)
{
	struct lbd_h2s *h2s = nghttp2_session_get_stream_user_data(ngh, id);
	char head[24];

	(void)flags;
	(void)arg;
	if (!h2s || !h2s->vcc || (h2s->flags & H2S_RST_SENT)) {
		/* nobody reads it any more: keep the connection window open */
		nghttp2_session_consume(ngh, id, len);
		if (h2s && !h2s->vcc && h2s->rstate == RS_DONE)
			h2s_rst(h2s, NGHTTP2_NO_ERROR);	/* the response is complete */
		return 0;
	}
	if (!len)
		return 0;
	if (h2s->flags & H2S_REQ_CHUNKED) {
		size_t hl = lbd_h2_chunk_head(head, len);
		if (req_append(h2s, head, hl, 0) < 0 ||
		    req_append(h2s, (const char *)data, len, len) < 0 ||
		    req_append(h2s, "\r\n", 2, 0) < 0)
			h2s_rst(h2s, NGHTTP2_INTERNAL_ERROR);
	} else if (req_append(h2s, (const char *)data, len, len) < 0) {
		h2s_rst(h2s, NGHTTP2_INTERNAL_ERROR);
	}
	return 0;
}

static int
on_stream_close(nghttp2_session *ngh, int32_t id, uint32_t code, void *arg)
{
	struct lbd_h2s *h2s = nghttp2_session_get_stream_user_data(ngh, id);

	(void)code;
	(void)arg;
	if (!h2s)
		return 0;
	h2s->flags |= H2S_CLOSED;
	mark_dirty(h2s);
	return 0;
}

/* Frames to the socket: gathered in obuf; a full obuf is written out first. */
static ssize_t h2c_write_out(struct lbd_h2c *h2c);

static ssize_t
on_send(nghttp2_session *ngh, const uint8_t *data, size_t len, int flags, void *arg)
{
	struct lbd_h2c *h2c = arg;
	struct lbd_thread *thr = h2c->cc->thr;
	uint32_t room;

	(void)ngh;
	(void)flags;
	lbd_h2_mem_written(&h2c->mem);
	if (!lbd_buf_alloc(&thr->bufs, &h2c->obuf))
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	room = lbd_buf_room(&h2c->obuf, thr->bufs.size);
	if (!room) {
		if (h2c_write_out(h2c) < 0)
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		room = lbd_buf_room(&h2c->obuf, thr->bufs.size);
		if (!room)
			return NGHTTP2_ERR_WOULDBLOCK;
	}
	len = LB_MIN(len, (size_t)room);
	memcpy(lbd_buf_tail(&h2c->obuf), data, len);
	h2c->obuf.len += (uint32_t)len;
	return (ssize_t)len;
}

/* The payload of the DATA frames lbd sends: at most what fits in obuf with its frame header
 * and pad length, as on_send_data writes a frame whole (and no more than nghttp2's frame
 * buffer, which it would otherwise grow). */
static ssize_t
on_data_length(nghttp2_session *ngh, uint8_t type, int32_t id, int32_t conn_window,
	       int32_t stream_window, uint32_t peer_max_frame, void *arg)
{
	struct lbd_h2c *h2c = arg;

	(void)ngh;
	(void)type;
	(void)id;
	(void)conn_window;
	(void)stream_window;
	return (ssize_t)LB_MIN(LB_MIN(peer_max_frame, (uint32_t)H2_DATA_MAX),
			       bufsize(h2c) - H2_FRAME_HDLEN - 1);
}

/* The response body of a stream: how much of rdata the next DATA frame carries. The bytes
 * stay in rdata until on_send_data copies them to obuf (NGHTTP2_DATA_FLAG_NO_COPY: one copy
 * less than through nghttp2's frame buffer). nghttp2 sends one frame at a time, so what
 * rdata holds beyond a frame in flight is never claimed twice. */
static ssize_t
on_data_read(nghttp2_session *ngh, int32_t id, uint8_t *buf, size_t len, uint32_t *dflags,
	     nghttp2_data_source *src, void *arg)
{
	struct lbd_h2s *h2s = src->ptr;
	size_t n = LB_MIN(len, (size_t)h2s->rdata.len);

	(void)arg;
	(void)buf;
	if (n == h2s->rdata.len && (h2s->flags & H2S_RES_EOF)) {
		*dflags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_COPY;
		if (h2s->flags & H2S_HAS_TRAILERS) {
			nghttp2_nv nv[H2_MAX_NV];
			int k = lbd_h1_trailers_to_h2(h2s->trailers, h2s->trailers_len, nv, H2_MAX_NV);
			if (k > 0 && nghttp2_submit_trailer(ngh, id, nv, (size_t)k) == 0)
				*dflags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
		}
		return (ssize_t)n;
	}
	if (!n)
		return NGHTTP2_ERR_DEFERRED;
	*dflags |= NGHTTP2_DATA_FLAG_NO_COPY;
	return (ssize_t)n;
}

/* A DATA frame on_data_read announced: header, payload from rdata and padding into obuf,
 * whole or not at all (nghttp2 calls again after NGHTTP2_ERR_WOULDBLOCK). */
static int
on_send_data(nghttp2_session *ngh, nghttp2_frame *frame, const uint8_t *framehd,
	     size_t length, nghttp2_data_source *src, void *arg)
{
	struct lbd_h2c *h2c = arg;
	struct lbd_thread *thr = h2c->cc->thr;
	/* looked up, not src->ptr: a frame that waited for room may outlive its stream */
	struct lbd_h2s *h2s = nghttp2_session_get_stream_user_data(ngh, frame->hd.stream_id);
	size_t pad = frame->data.padlen;	/* with its length byte */
	size_t need = H2_FRAME_HDLEN + length + pad;
	char *p;

	(void)src;
	if (!h2s || h2s->rdata.len < length)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;	/* stream gone: frame dropped */
	lbd_h2_mem_written(&h2c->mem);
	if (!lbd_buf_alloc(&thr->bufs, &h2c->obuf))
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	if (lbd_buf_room(&h2c->obuf, thr->bufs.size) < need) {
		if (h2c_write_out(h2c) < 0)
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		if (lbd_buf_room(&h2c->obuf, thr->bufs.size) < need)
			return NGHTTP2_ERR_WOULDBLOCK;
	}
	p = lbd_buf_tail(&h2c->obuf);
	memcpy(p, framehd, H2_FRAME_HDLEN);
	p += H2_FRAME_HDLEN;
	if (pad)
		*p++ = (char)(pad - 1);
	memcpy(p, h2s->rdata.data + h2s->rdata.head, length);
	if (pad > 1)
		memset(p + length, 0, pad - 1);
	h2c->obuf.len += (uint32_t)need;
	lbd_buf_consume(&h2s->rdata, (uint32_t)length);
	if (length && (h2s->flags & H2S_WANT_WRITE))
		mark_dirty(h2s);	/* room for the pipeline again */
	if (!h2s->rdata.len && (h2s->flags & H2S_RES_EOF))
		lbd_buf_release(&thr->bufs, &h2s->rdata);
	return 0;
}

/* ---- the response: from the pipeline's HTTP/1.1 bytes to frames ---- */

static int
res_head(struct lbd_h2s *h2s, const char *p, size_t len, size_t *used)
{
	struct lbd_h2c *h2c = h2s->h2c;
	struct lbd_thread *thr = h2c->cc->thr;
	struct lb_http1_msg msg;
	struct lb_http1_error err;
	nghttp2_nv nv[H2_MAX_NV];
	size_t scan = 0, hl = lb_http1_head_end(p, len, &scan);
	int n;

	*used = 0;
	if (!hl)
		return 0;	/* the pipeline always hands whole heads */
	memset(&msg, 0, sizeof(msg));
	msg.hdrs = thr->hdrs;
	msg.max_hdrs = thr->rt->maxhdr;
	if (lb_http1_parse_response(p, hl, h2s->meth, &msg, &err) < 0)
		return -1;
	n = lbd_h1_to_h2_head(p, &msg, false, NULL, nv, H2_MAX_NV, thr->scratch, thr->bufs.size);
	if (n < 0)
		return -1;
	*used = hl;
	if (msg.status < 200) {
		if (msg.status != 101)	/* interim: 100 Continue, 103 Early Hints */
			nghttp2_submit_headers(h2c->ngh, NGHTTP2_FLAG_NONE, h2s->id, NULL, nv,
					       (size_t)n, NULL);
		return 0;
	}
	h2s->flags |= H2S_RES_HEAD;
	switch (msg.body) {
	case LB_BODY_NONE:
		h2s->rstate = RS_DONE;
		return nghttp2_submit_response(h2c->ngh, h2s->id, nv, (size_t)n, NULL) ? -1 : 0;
	case LB_BODY_LENGTH:
		h2s->rstate = msg.content_length ? RS_LEN : RS_DONE;
		h2s->rleft = msg.content_length;
		if (!msg.content_length) {
			return nghttp2_submit_response(h2c->ngh, h2s->id, nv, (size_t)n, NULL) ? -1
												: 0;
		}
		break;
	case LB_BODY_CHUNKED:
		h2s->rstate = RS_CHUNKED;
		memset(&h2s->dc, 0, sizeof(h2s->dc));
		break;
	default:
		h2s->rstate = RS_CLOSE;
		break;
	}
	nghttp2_data_provider prd = { .source.ptr = h2s, .read_callback = on_data_read };
	h2s->flags |= H2S_RES_DATA;
	return nghttp2_submit_response(h2c->ngh, h2s->id, nv, (size_t)n, &prd) ? -1 : 0;
}

/* Body bytes into rdata (room permitting). Returns bytes of p used, -1 on bad framing. */
static long
res_body(struct lbd_h2s *h2s, const char *p, size_t len)
{
	struct lbd_h2c *h2c = h2s->h2c;
	struct lbd_thread *thr = h2c->cc->thr;
	size_t used = 0;

	if (!lbd_buf_alloc(&thr->bufs, &h2s->rdata))
		return -1;
	while (used < len && h2s->rstate != RS_DONE) {
		uint32_t room = lbd_buf_room(&h2s->rdata, thr->bufs.size);
		size_t n;

		if (!room)
			break;
		if (h2s->rstate == RS_LEN || h2s->rstate == RS_CLOSE) {
			n = LB_MIN(len - used, (size_t)room);
			if (h2s->rstate == RS_LEN)
				n = (size_t)LB_MIN((uint64_t)n, h2s->rleft);
			memcpy(lbd_buf_tail(&h2s->rdata), p + used, n);
			h2s->rdata.len += (uint32_t)n;
			used += n;
			if (h2s->rstate == RS_LEN && !(h2s->rleft -= n)) {
				h2s->rstate = RS_DONE;
				h2s->flags |= H2S_RES_EOF;
			}
			continue;
		}
		/* chunked */
		enum lbd_dechunk_kind kind;
		size_t off, sl;
		long k = lbd_dechunk_step(&h2s->dc, p + used, LB_MIN(len - used, (size_t)room),
					  &kind, &off, &sl);
		if (k < 0)
			return -1;
		if (kind == LBD_DC_DATA) {
			memcpy(lbd_buf_tail(&h2s->rdata), p + used + off, sl);
			h2s->rdata.len += (uint32_t)sl;
		} else if (kind == LBD_DC_TRAILER) {
			if (h2s->trailers_len + sl > H2_TRAILERS_MAX)
				return -1;
			if (!h2s->trailers && !(h2s->trailers = malloc(H2_TRAILERS_MAX)))
				return -1;
			memcpy(h2s->trailers + h2s->trailers_len, p + used + off, sl);
			h2s->trailers_len += (uint32_t)sl;
			h2s->flags |= H2S_HAS_TRAILERS;
		} else if (kind == LBD_DC_END) {
			h2s->rstate = RS_DONE;
			h2s->flags |= H2S_RES_EOF;
		}
		used += (size_t)k;
		if (!k && kind == LBD_DC_NONE)
			break;
	}
	return (long)used;
}

ssize_t
lbd_h2_stream_send(struct lbd_cconn *vcc, const struct iovec *iov, int n_iov)
{
	struct lbd_h2s *h2s = vcc->h2s;
	struct lbd_h2c *h2c = h2s->h2c;
	size_t taken = 0;
	bool data = false;

	if (h2s->flags & (H2S_CLOSED | H2S_RST_SENT) || h2c->dead) {
		errno = EPIPE;
		return -1;
	}
	for (int i = 0; i < n_iov; i++) {
		const char *p = iov[i].iov_base;
		size_t len = iov[i].iov_len, used = 0;

		while (used < len) {
			size_t u = 0;
			if (h2s->rstate == RS_HEAD) {
				if (res_head(h2s, p + used, len - used, &u) < 0)
					goto bad;
				if (!u)
					break;
			} else if (h2s->rstate == RS_DONE) {
				u = len - used;	/* nothing belongs to the response any more */
			} else {
				long k = res_body(h2s, p + used, len - used);
				if (k < 0)
					goto bad;
				u = (size_t)k;
				data = true;
				if (!u)
					break;
			}
			used += u;
		}
		taken += used;
		if (used < len)
			break;
	}
	if (data || (h2s->flags & H2S_RES_EOF))
		nghttp2_session_resume_data(h2c->ngh, h2s->id);
	kick(h2c);
	if (!taken) {
		h2s->flags |= H2S_WANT_WRITE;
		errno = EAGAIN;
		return -1;
	}
	h2s->flags &= ~(uint32_t)H2S_WANT_WRITE;
	return (ssize_t)taken;
bad:
	lb_log_sys(LB_LOG_NOTICE, "frontend %s: response not convertible to HTTP/2: stream "
		   "reset", h2c->cc->li->fe->name);
	h2s_rst(h2s, NGHTTP2_INTERNAL_ERROR);
	kick(h2c);
	errno = EPROTO;
	return -1;
}

void
lbd_h2_stream_detach(struct lbd_cconn *vcc)
{
	struct lbd_h2s *h2s = vcc->h2s;
	struct lbd_h2c *h2c = h2s->h2c;

	h2s->vcc = NULL;
	h2s->flags &= ~(uint32_t)(H2S_WANT_WRITE | H2S_WANT_READ);
	if (h2s->rstate == RS_CLOSE) {
		/* a body delimited by the server's close ends here */
		h2s->rstate = RS_DONE;
		h2s->flags |= H2S_RES_EOF;
		nghttp2_session_resume_data(h2c->ngh, h2s->id);
	}
	if (h2s->rstate != RS_DONE)
		h2s_rst(h2s, NGHTTP2_INTERNAL_ERROR);	/* aborted mid-response */
	else if (!(h2s->flags & H2S_REQ_END) && !h2s->rdata.len && !(h2s->flags & H2S_RES_DATA))
		h2s_rst(h2s, NGHTTP2_NO_ERROR);	/* answered before the whole request came */
	free(h2s->pend);
	h2s->pend = NULL;
	if (h2s->pend_data)
		nghttp2_session_consume(h2c->ngh, h2s->id, h2s->pend_data);
	h2s->pend_len = h2s->pend_cap = h2s->pend_data = 0;
	mark_dirty(h2s);	/* freed there once nghttp2 is done with it */
	kick(h2c);
}

/* ---- the connection ---- */

static void h2c_close(struct lbd_h2c *h2c);

/* Writes obuf to the socket. Returns bytes written, 0 when blocked (write event armed),
 * -1 on a fatal error. */
static ssize_t
h2c_write_out(struct lbd_h2c *h2c)
{
	struct lbd_cconn *cc = h2c->cc;
	ssize_t total = 0;

	while (h2c->obuf.len) {
		struct iovec iov = { h2c->obuf.data + h2c->obuf.head, h2c->obuf.len };
		ssize_t n = lbd_conn_sendv(cc->tls, cc->fd, &iov, 1, false);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				if (!h2c->wev_added) {
					event_add(&h2c->wev, NULL);
					h2c->wev_added = true;
				}
				return total;
			}
			h2c->dead = true;
			return -1;
		}
		lbd_buf_consume(&h2c->obuf, (uint32_t)n);
		total += n;
		h2c->progress_ms = cc->thr->now_ms;
	}
	if (h2c->wev_added) {
		event_del(&h2c->wev);
		h2c->wev_added = false;
	}
	return total;
}

/* Drives the streams whose state changed. */
static void
run_dirty(struct lbd_h2c *h2c)
{
	while (h2c->dirty) {
		struct lbd_h2s *h2s = h2c->dirty;
		struct lbd_cconn *vcc = h2s->vcc;
		const struct lbd_mode_ops *ops = h2c->cc->li->fe->ops;

		h2c->dirty = h2s->dirty_next;
		h2s->flags &= ~(uint32_t)H2S_DIRTY;
		if (!vcc) {
			if (h2s->flags & H2S_CLOSED)
				h2s_free(h2s);
			continue;
		}
		if (!(h2s->flags & H2S_STARTED)) {
			h2s->flags |= H2S_STARTED;
			ops->cli_start(vcc);
			continue;	/* vcc may be gone; a later event brings it back */
		}
		if (h2s->flags & H2S_CLOSED) {
			/* the client reset the stream (or the connection broke) */
			if (vcc->strm)
				lbd_stream_abort(vcc->strm, 'C', 'D');
			else
				lbd_cconn_close(vcc);
			continue;
		}
		if ((h2s->flags & H2S_WANT_WRITE) && vcc->strm) {
			ops->cli_write(vcc->strm);
			continue;
		}
		if (h2s->flags & (H2S_FRESH | H2S_WANT_READ))
			ops->cli_read(vcc);
	}
}

/* The connection's read event, with a timeout of to_ms (none when <= 0). */
static void
arm_timeout(struct lbd_cconn *cc, long long to_ms)
{
	struct timeval tv = { .tv_sec = to_ms / 1000, .tv_usec = (to_ms % 1000) * 1000 };

	event_add(&cc->ev, to_ms > 0 ? &tv : NULL);
}

/* Everything after an event: the streams, the frames, the socket, the connection's fate. */
static void
h2c_run(struct lbd_h2c *h2c)
{
	struct lbd_cconn *cc = h2c->cc;
	long long to;

	if (h2c->busy)
		return;
	h2c->busy++;
	h2c->kicked = false;
	for (int round = 0; round < 64 && !h2c->dead; round++) {
		run_dirty(h2c);
		if (nghttp2_session_send(h2c->ngh) != 0)
			h2c->dead = true;
		if (!h2c->dirty)
			break;
	}
	if (!h2c->dead)
		h2c_write_out(h2c);
	lbd_buf_release_if_empty(&cc->thr->bufs, &h2c->obuf);
	h2c->busy--;
	if (h2c->dead || (!nghttp2_session_want_read(h2c->ngh) &&
			  !nghttp2_session_want_write(h2c->ngh) && !h2c->obuf.len) ||
	    (h2c->goaway && !h2c->nstreams && !h2c->obuf.len &&
	     !nghttp2_session_want_write(h2c->ngh))) {
		h2c_close(h2c);
		return;
	}
	if (h2c->dirty)
		kick(h2c);
	if (!h2c->nstreams && h2c->fields.buf)
		lbd_h2_fields_free(&h2c->fields);	/* an idle connection keeps no header space */
	/* idle: the keep-alive timeout; busy: "timeout client" bounds a connection that makes
	 * no progress (a peer that neither reads nor sends) */
	to = lbd_fe_timeout(cc->li->fe, h2c->nstreams ? LB_TO_CLIENT : LB_TO_HTTP_KEEP_ALIVE);
	if (to <= 0)
		to = lbd_fe_timeout(cc->li->fe, LB_TO_CLIENT);
	h2c->idle_deadline_ms = 0;
	if (!h2c->nstreams && lbd_h2_mem_resident(&h2c->mem)) {
		/* its frame buffer pages go back once it has been idle for a moment (a busy
		 * connection is idle between bursts: no system call and page fault each time) */
		h2c->idle_deadline_ms = to > 0 ? cc->thr->now_ms + (uint64_t)to : UINT64_MAX;
		if (to <= 0 || to > H2_TRIM_DELAY_MS)
			to = H2_TRIM_DELAY_MS;
	}
	arm_timeout(cc, to);
}

static void
kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lbd_h2c *h2c = arg;

	(void)fd;
	(void)what;
	lbd_thread_now(h2c->cc->thr);
	h2c_run(h2c);
}

/* Runs h2c_run from the event loop soon (once per loop iteration at most). */
static void
kick(struct lbd_h2c *h2c)
{
	if (h2c->busy || h2c->kicked)
		return;
	h2c->kicked = true;
	event_active(&h2c->wev, EV_WRITE, 1);
}

/* Closes the connection after what was sent (a GOAWAY, the last responses): lingering, so
 * that a client still sending does not get a reset that would destroy those frames. */
static void
h2c_close(struct lbd_h2c *h2c)
{
	lbd_cconn_linger_close(h2c->cc);	/* calls lbd_h2_conn_free */
}

void
lbd_h2_conn_free(struct lbd_cconn *cc)
{
	struct lbd_h2c *h2c = cc->h2c;

	if (!h2c)
		return;
	/* the pipelines of open streams end first: their vcc points at their h2s */
	h2c->dead = true;
	h2c->busy++;	/* no h2c_run from what they do */
	for (struct lbd_h2s *h2s = h2c->all; h2s; h2s = h2s->all_next) {
		if (h2s->vcc) {
			h2s->flags |= H2S_CLOSED;
			if (h2s->vcc->strm)
				lbd_stream_abort(h2s->vcc->strm, 'C', 'D');
			else
				lbd_cconn_close(h2s->vcc);
		}
	}
	event_del(&h2c->wev);
	while (h2c->all)
		h2s_free(h2c->all);
	nghttp2_session_del(h2c->ngh);
	lbd_h2_fields_free(&h2c->fields);
	lbd_buf_release(&cc->thr->bufs, &h2c->obuf);
	free(h2c);
	cc->h2c = NULL;
}

static bool
callbacks_init(void)
{
	static int done;	/* set once by the first thread, under the lock below */
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	bool ok = true;

	if (__atomic_load_n(&done, __ATOMIC_ACQUIRE))
		return true;
	pthread_mutex_lock(&lock);
	if (!done) {
		nghttp2_session_callbacks *cb;
		nghttp2_option *opt;
		if (nghttp2_session_callbacks_new(&cb) || nghttp2_option_new(&opt)) {
			ok = false;
		} else {
			nghttp2_session_callbacks_set_send_callback(cb, on_send);
			nghttp2_session_callbacks_set_on_begin_frame_callback(cb, on_begin_frame);
			nghttp2_session_callbacks_set_on_begin_headers_callback(cb,
										 on_begin_headers);
			nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
			nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
			nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
			nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
			nghttp2_session_callbacks_set_send_data_callback(cb, on_send_data);
			nghttp2_session_callbacks_set_data_source_read_length_callback(
				cb, on_data_length);
			/* lbd opens windows itself, as the pipeline takes the bytes */
			nghttp2_option_set_no_auto_window_update(opt, 1);
			nghttp2_option_set_max_outbound_ack(opt, 256);
			nghttp2_option_set_max_settings(opt, 32);
			/* an idle connection keeps no closed streams (up to 100 of 224 bytes
			 * each, for an RFC 7540 priority tree lbd does not schedule by) */
			nghttp2_option_set_no_closed_streams(opt, 1);
			h2_callbacks = cb;
			h2_options = opt;
			__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
		}
	}
	pthread_mutex_unlock(&lock);
	return ok;
}

bool
lbd_h2_wanted(struct lbd_cconn *cc)
{
	char alpn[16];

	if (cc->li->cfg->proto == LB_BIND_PROTO_H2)
		return true;
	return cc->tls && lbd_tls_alpn(cc->tls, alpn, sizeof(alpn)) == 2 && !memcmp(alpn, "h2", 2);
}

void
lbd_h2_start(struct lbd_cconn *cc)
{
	bool stopping = cc->thr->stopping;
	const struct lbd_h2_settings *set = &cc->thr->rt->h2;
	struct lbd_h2c *h2c;
	nghttp2_settings_entry iv[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, set->max_concurrent_streams },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, set->initial_window_size },
		{ NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, set->header_table_size },
		{ NGHTTP2_SETTINGS_MAX_FRAME_SIZE, set->max_frame_size },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, set->max_header_list },
	};

	if (!callbacks_init() || !(h2c = calloc(1, sizeof(*h2c)))) {
		lbd_cconn_close(cc);
		return;
	}
	lbd_h2_mem_init(&h2c->mem);
	if (nghttp2_session_server_new3(&h2c->ngh, h2_callbacks, h2c, h2_options, &h2c->mem.mem)) {
		free(h2c);
		lbd_cconn_close(cc);
		return;
	}
	h2c->cc = cc;
	cc->h2c = h2c;
	cc->flags |= LBD_CC_F_H2;
	h2c->window_start_ms = h2c->progress_ms = cc->thr->now_ms;
	event_assign(&h2c->wev, cc->thr->base, cc->fd, EV_WRITE | EV_PERSIST, kick_cb, h2c);
	nghttp2_submit_settings(h2c->ngh, NGHTTP2_FLAG_NONE, iv, sizeof(iv) / sizeof(iv[0]));
	/* a connection window wider than one stream's, so streams do not starve each other */
	nghttp2_session_set_local_window_size(h2c->ngh, NGHTTP2_FLAG_NONE, 0,
					      (int32_t)LB_MAX(H2_CONN_WINDOW,
							      set->initial_window_size));
	if (cc->rbuf.len) {
		/* the preface (and maybe more) read by the h1 reader */
		ssize_t n = nghttp2_session_mem_recv(h2c->ngh,
						     (const uint8_t *)cc->rbuf.data + cc->rbuf.head,
						     cc->rbuf.len);
		lbd_buf_release(&cc->thr->bufs, &cc->rbuf);
		if (n < 0)
			h2c->dead = true;
	}
	if (stopping) {
		/* accepted (or handshaking) when the worker began to stop: it gets its GOAWAY at
		 * once and goes to the new worker */
		lbd_h2_soft_stop(cc);
		return;
	}
	lbd_h2_cli_event(cc, EV_READ);
}

void
lbd_h2_cli_event(struct lbd_cconn *cc, short what)
{
	struct lbd_h2c *h2c = cc->h2c;
	struct lbd_thread *thr = cc->thr;

	if (what & EV_TIMEOUT) {
		long long to = lbd_fe_timeout(cc->li->fe, LB_TO_CLIENT);
		uint64_t deadline = h2c->idle_deadline_ms;

		h2c->idle_deadline_ms = 0;
		if (deadline && !h2c->nstreams && thr->now_ms < deadline) {
			/* idle for a moment: the frame buffer's pages go back, then the rest of
			 * the keep-alive time */
			if (!h2c->obuf.len && !nghttp2_session_want_write(h2c->ngh))
				lbd_h2_mem_idle(&h2c->mem);
			arm_timeout(cc, deadline == UINT64_MAX ? 0 : (long long)(deadline -
									     thr->now_ms));
			return;
		}
		if (!h2c->nstreams || (to > 0 && thr->now_ms - h2c->progress_ms >= (uint64_t)to)) {
			/* idle (or stuck): say goodbye properly, then close */
			nghttp2_submit_goaway(h2c->ngh, NGHTTP2_FLAG_NONE,
					      nghttp2_session_get_last_proc_stream_id(h2c->ngh),
					      NGHTTP2_NO_ERROR, NULL, 0);
			nghttp2_session_send(h2c->ngh);
			h2c_write_out(h2c);
			h2c_close(h2c);
			return;
		}
		h2c_run(h2c);
		return;
	}
	/* read what is there, a few buffers at most per event (fairness between clients) */
	for (int i = 0; i < 4 && !h2c->dead && nghttp2_session_want_read(h2c->ngh); i++) {
		uint32_t room;
		ssize_t n;

		if (!lbd_buf_alloc(&thr->bufs, &cc->rbuf)) {
			h2c->dead = true;
			break;
		}
		room = lbd_buf_room(&cc->rbuf, thr->bufs.size);
		n = lbd_conn_recv(cc->tls, cc->fd, lbd_buf_tail(&cc->rbuf), room);
		if (n <= 0) {
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			/* EOF or error: the streams in progress end with the connection */
			cc->flags |= LBD_CC_F_EOF;
			h2c->dead = true;
			break;
		}
		h2c->progress_ms = thr->now_ms;
		ssize_t r = nghttp2_session_mem_recv(h2c->ngh, (const uint8_t *)cc->rbuf.data +
								 cc->rbuf.head, (size_t)n);
		cc->rbuf.len = 0;
		if (r < 0) {
			/* a protocol error: nghttp2 queued its GOAWAY; send it, then close */
			nghttp2_session_send(h2c->ngh);
			h2c_write_out(h2c);
			h2c->dead = true;
			break;
		}
		if ((uint32_t)n < room)
			break;
	}
	lbd_buf_release(&thr->bufs, &cc->rbuf);
	h2c_run(h2c);
}

void
lbd_h2_soft_stop(struct lbd_cconn *cc)
{
	struct lbd_h2c *h2c = cc->h2c;

	if (h2c->goaway)
		return;
	h2c->goaway = true;
	nghttp2_submit_goaway(h2c->ngh, NGHTTP2_FLAG_NONE,
			      nghttp2_session_get_last_proc_stream_id(h2c->ngh), NGHTTP2_NO_ERROR,
			      NULL, 0);
	h2c_run(h2c);
}

/* lbd/h2_srv.c: HTTP/2 towards servers, a codec on a server connection (see h2_srv.h)
 *
 * Request side (h1 bytes in, frames out): a small state machine follows the bytes the
 * stream sends: the PROXY header of a new connection (written raw, before the connection
 * preface), then a head, which becomes HEADERS on a new stream, then the body, whose bytes
 * wait in `body` until nghttp2 pulls them into DATA frames (the data provider), then the
 * trailers of a chunked body, which become a trailing HEADERS frame. The head is always
 * whole in one span: the pipeline sends it only once parsed, from one buffer.
 * Frames leave through `wbuf`; a frame nghttp2 hands out that does not fit stays where
 * nghttp2 keeps it (`pend`) until written, as nghttp2_session_mem_send() allows.
 *
 * Response side (frames in, h1 bytes out): the callbacks turn the response head into text
 * (`txt`) and keep the body bytes (`rbody`); lbd_h2_srv_recv hands them out as an HTTP/1.1
 * message: head, body as is (Content-Length) or as chunks made at hand-out time (so many
 * small DATA frames cost no framing), last chunk with the trailers. The stream window is
 * opened (nghttp2_session_consume) only for body bytes handed out, which bounds `rbody` by
 * the window the server was given.
 * Frames of a stream other than the current one (the end of the previous exchange) are
 * consumed and dropped.
 */
#include "h2_srv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <nghttp2/nghttp2.h>

#include "h2_conv.h"
#include "log.h"
#include "runtime_types.h"
#include "stream.h"
#include "thread_types.h"
#include "tls.h"
#include "tls_client.h"
#include "util.h"

/* HAProxy's defaults of the tune.h2.* keywords */
#define H2_DEF_HEADER_TABLE 4096
#define H2_DEF_WINDOW 65535
#define H2_DEF_FRAME 16384
/* a connection stops taking requests a little before the client stream ids run out */
#define H2_LAST_SID ((1u << 31) - 16)

enum rq_state {
	RQ_PROXY = 0,	/* the PROXY header of a new connection comes first */
	RQ_HEAD,	/* waiting for a request head */
	RQ_BODY,	/* following the body's framing */
};

enum rs_kind {
	RS_NONE = 0,	/* no body (HEAD, 204, 304): DATA is dropped */
	RS_RAW,		/* Content-Length: the bytes as they are */
	RS_CHUNKED,	/* chunks made at hand-out time, trailers at the end */
	RS_CLOSE,	/* an HTTP/1.0 client and no length: the end is the end of the
			 * connection (RFC 9112 6.3), so the h2 connection goes with it */
};

/* A linear byte buffer with a head offset. */
struct bytes {
	char *data;
	uint32_t head, len, cap;
};

struct lbd_h2_srv {
	nghttp2_session *sess;
	struct lbd_sconn *sc;
	bool dead;		/* protocol error or connection gone: no more requests */
	bool goaway;
	/* towards the server */
	struct bytes wbuf;	/* frames not yet written */
	const uint8_t *pend;	/* a frame from mem_send that did not fit in wbuf */
	size_t pend_len;
	enum rq_state rq;
	int32_t sid;		/* the current stream, -1 before the first request */
	bool stream_open;
	bool rq_eof;		/* the request body is all in `body` */
	bool rq_dead;		/* the stream closed: the rest of the request is dropped */
	bool deferred;		/* the data provider waits for body bytes */
	bool head_req;
	bool rq_v10;		/* an HTTP/1.0 request: no chunked response */
	bool rq_close;		/* so its response body ends with the connection */
	enum lb_http1_body rq_kind;
	uint64_t rq_left;	/* Content-Length bytes still to take */
	struct lbd_dechunk dc;
	struct bytes body;	/* request body bytes for DATA frames */
	struct bytes trl;	/* trailer section of a chunked request */
	/* from the server */
	struct lbd_h2_fields fl;
	struct bytes txt;	/* h1 text to hand out: heads, chunk framing, last chunk */
	struct bytes rbody;	/* response body bytes to hand out */
	uint64_t chunk_left;	/* bytes of the chunk being handed out */
	enum rs_kind rs_kind;
	bool rs_final;		/* the final (non-1xx) head came */
	bool rs_trailers;	/* fl holds the trailers */
	bool rs_end;		/* END_STREAM received */
	bool rs_done;		/* and everything handed out */
	bool eof;		/* the connection ended */
	int rs_err;		/* errno to report once the pending bytes are out */
};

/* ---- byte buffers ---- */

/* A buffer of cap bytes whose storage comes on first use and goes when the connection is
 * parked (release_buffers): an idle connection holds none. */
static void
bytes_setup(struct bytes *b, uint32_t cap)
{
	b->data = NULL;
	b->head = b->len = 0;
	b->cap = cap;
}

static bool
bytes_alloc(struct bytes *b)
{
	if (!b->data)
		b->data = malloc(b->cap);
	return b->data != NULL;
}

static uint32_t
bytes_room(struct bytes *b)
{
	if (!b->len)
		b->head = 0;
	else if (b->head && b->cap - b->head - b->len < b->cap / 4) {
		memmove(b->data, b->data + b->head, b->len);
		b->head = 0;
	}
	return b->cap - b->head - b->len;
}

/* The room after the data once the data is moved to the front. */
static uint32_t
bytes_compact(struct bytes *b)
{
	if (b->head) {
		memmove(b->data, b->data + b->head, b->len);
		b->head = 0;
	}
	return b->cap - b->len;
}

static bool
bytes_put(struct bytes *b, const void *p, size_t n)
{
	if (!bytes_alloc(b) || (bytes_room(b) < n && bytes_compact(b) < n))
		return false;
	memcpy(b->data + b->head + b->len, p, n);
	b->len += (uint32_t)n;
	return true;
}

static void
bytes_take(struct bytes *b, void *dst, size_t n)
{
	memcpy(dst, b->data + b->head, n);
	b->head += (uint32_t)n;
	b->len -= (uint32_t)n;
	if (!b->len)
		b->head = 0;
}

static void
bytes_release(struct bytes *b)
{
	lb_free(&b->data);
	b->head = b->len = 0;
}

/* ---- settings ---- */

static int
tune(int v, int def)
{
	return v >= 0 ? v : def;
}

/* The decoded size of a response header list lbd accepts (RFC 9113 6.5.2) */
static uint32_t
max_header_list(const struct lbd_thread *thr)
{
	return thr->bufs.size + 32 * thr->rt->maxhdr;
}

static uint32_t
local_window(const struct lbd_sconn *sc)
{
	return (uint32_t)tune(sc->thr->rt->cfg->global.tune_h2_initial_window_size, H2_DEF_WINDOW);
}

/* ---- writing frames ---- */

static int
flush(struct lbd_h2_srv *h)
{
	struct lbd_sconn *sc = h->sc;

	if (h->rq == RQ_PROXY)
		return 0;	/* nothing may precede the PROXY header */
	for (;;) {
		while (!h->pend_len) {
			const uint8_t *p;
			ssize_t n = nghttp2_session_mem_send(h->sess, &p);
			if (n < 0) {
				h->dead = true;
				errno = EPROTO;
				return -1;
			}
			if (!n)
				break;
			if (!bytes_put(&h->wbuf, p, (size_t)n)) {
				h->pend = p;
				h->pend_len = (size_t)n;
			}
		}
		if (!h->wbuf.len && !h->pend_len) {
			lbd_sconn_want_write(sc, false);
			return 0;
		}
		struct iovec iov[2];
		int n_iov = 0;
		ssize_t n;
		if (h->wbuf.len)
			iov[n_iov++] = (struct iovec){ h->wbuf.data + h->wbuf.head, h->wbuf.len };
		if (h->pend_len)
			iov[n_iov++] = (struct iovec){ (void *)(uintptr_t)h->pend, h->pend_len };
		n = lbd_conn_sendv(sc->tls, sc->fd, iov, n_iov, false);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				lbd_sconn_want_write(sc, true);
				return 0;
			}
			h->dead = true;
			return -1;
		}
		size_t k = LB_MIN((size_t)n, (size_t)h->wbuf.len);
		h->wbuf.head += (uint32_t)k;
		h->wbuf.len -= (uint32_t)k;
		if (!h->wbuf.len)
			h->wbuf.head = 0;
		k = (size_t)n - k;
		h->pend += k;
		h->pend_len -= k;
	}
}

int
lbd_h2_srv_flush(struct lbd_sconn *sc)
{
	return flush(sc->h2);
}

/* ---- the request: h1 bytes -> frames ---- */

/* nghttp2 pulls DATA payload from `body`; at the end, trailers or END_STREAM */
static ssize_t
rq_read(nghttp2_session *sess, int32_t sid, uint8_t *buf, size_t length, uint32_t *flags,
	nghttp2_data_source *src, void *ud)
{
	struct lbd_h2_srv *h = ud;
	size_t k = LB_MIN(length, (size_t)h->body.len);

	(void)src;
	if (k)
		bytes_take(&h->body, buf, k);
	if (!h->body.len && h->rq_eof) {
		*flags |= NGHTTP2_DATA_FLAG_EOF;
		if (h->trl.len) {
			nghttp2_nv nv[64];
			int n = lbd_h1_trailers_to_h2(h->trl.data + h->trl.head, h->trl.len, nv,
						      LB_ARRAY_SIZE(nv));
			if (n > 0 && nghttp2_submit_trailer(sess, sid, nv, (size_t)n) == 0)
				*flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
			bytes_release(&h->trl);
		}
		return (ssize_t)k;
	}
	if (!k) {
		h->deferred = true;
		return NGHTTP2_ERR_DEFERRED;
	}
	return (ssize_t)k;
}

static void
rq_resume(struct lbd_h2_srv *h)
{
	if (h->deferred && h->stream_open && (h->body.len || h->rq_eof)) {
		h->deferred = false;
		nghttp2_session_resume_data(h->sess, h->sid);
	}
}

static void
rq_body_end(struct lbd_h2_srv *h)
{
	h->rq_eof = true;
	h->rq = RQ_HEAD;	/* the next bytes are the next exchange's */
	rq_resume(h);
}

/* A new exchange: the response state of the previous one is gone. */
static void
rs_reset(struct lbd_h2_srv *h)
{
	h->txt.head = h->txt.len = 0;
	h->rbody.head = h->rbody.len = 0;
	h->chunk_left = 0;
	h->rs_kind = RS_NONE;
	h->rs_final = h->rs_trailers = h->rs_end = h->rs_done = false;
	h->rs_err = 0;
	lbd_h2_fields_reset(&h->fl);
}

static long
take_proxy(struct lbd_h2_srv *h, const char *p, size_t len)
{
	static const char v2sig[12] = "\r\n\r\n\0\r\nQUIT\n";
	size_t n;

	if (len >= 16 && !memcmp(p, v2sig, sizeof(v2sig))) {
		n = 16 + (((size_t)(uint8_t)p[14] << 8) | (uint8_t)p[15]);
	} else {
		const char *e = memchr(p, '\n', LB_MIN(len, (size_t)108));
		n = e ? (size_t)(e - p) + 1 : 0;
	}
	if (!n || n > len || !bytes_put(&h->wbuf, p, n)) {
		errno = EPROTO;	/* the header is written whole into obuf */
		return -1;
	}
	h->rq = RQ_HEAD;
	return (long)n;
}

static long
take_head(struct lbd_h2_srv *h, const char *p, size_t len)
{
	struct lbd_thread *thr = h->sc->thr;
	struct lb_http1_msg msg;
	struct lb_http1_error err;
	nghttp2_data_provider dp = { .source.ptr = h, .read_callback = rq_read };
	size_t scan = 0, hl = lb_http1_head_end(p, len, &scan);
	nghttp2_nv *nv;
	int nnv;
	int32_t sid;

	if (!h->fl.buf &&
	    !lbd_h2_fields_init(&h->fl, thr->bufs.size, thr->rt->maxhdr, max_header_list(thr))) {
		errno = ENOMEM;
		return -1;
	}
	memset(&msg, 0, sizeof(msg));
	msg.hdrs = thr->hdrs;
	msg.max_hdrs = thr->rt->maxhdr;
	if (!hl || lb_http1_parse_request(p, hl, &msg, &err) < 0 ||
	    msg.meth == LB_METH_CONNECT) {
		errno = EPROTO;
		return -1;
	}
	nv = malloc((msg.nhdrs + 8) * sizeof(*nv));
	if (!nv) {
		errno = ENOMEM;
		return -1;
	}
	nnv = lbd_h1_to_h2_head(p, &msg, true, h->sc->tls ? "https" : "http", nv,
				msg.nhdrs + 8, thr->scratch, thr->bufs.size);
	h->rq_kind = msg.body;
	if (msg.body == LB_BODY_LENGTH && !msg.content_length)
		h->rq_kind = LB_BODY_NONE;
	h->rq_left = msg.content_length;
	h->head_req = msg.meth == LB_METH_HEAD;
	h->rq_v10 = msg.version == 10;
	h->rq_close = false;
	h->rq_eof = h->rq_kind == LB_BODY_NONE;
	h->rq_dead = h->deferred = false;
	h->body.head = h->body.len = 0;
	memset(&h->dc, 0, sizeof(h->dc));
	rs_reset(h);
	sid = nnv < 0 ? -1
		      : nghttp2_submit_request(h->sess, NULL, nv, (size_t)nnv,
					       h->rq_eof ? NULL : &dp, NULL);
	free(nv);
	if (sid < 0) {
		h->dead = true;
		errno = EPROTO;
		return -1;
	}
	h->sid = sid;
	h->stream_open = true;
	h->rq = h->rq_eof ? RQ_HEAD : RQ_BODY;
	return (long)hl;
}

static long
take_body(struct lbd_h2_srv *h, const char *p, size_t len)
{
	size_t room = h->rq_dead ? len : bytes_room(&h->body);

	if (h->rq_kind == LB_BODY_LENGTH) {
		size_t k = (size_t)LB_MIN((uint64_t)LB_MIN(len, room), h->rq_left);
		if (!k)
			return 0;
		if (!h->rq_dead && !bytes_put(&h->body, p, k)) {
			errno = ENOMEM;
			return -1;
		}
		h->rq_left -= k;
		if (!h->rq_left)
			rq_body_end(h);
		else
			rq_resume(h);
		return (long)k;
	}
	/* chunked: the data of a chunk never exceeds what it is given, so room bounds it */
	size_t lim = LB_MIN(len, room), so, sl;
	enum lbd_dechunk_kind kind;
	long k;

	if (!lim)
		return 0;
	k = lbd_dechunk_step(&h->dc, p, lim, &kind, &so, &sl);
	if (k < 0) {
		errno = EPROTO;
		return -1;
	}
	switch (kind) {
	case LBD_DC_DATA:
		if (!h->rq_dead && !bytes_put(&h->body, p + so, sl)) {
			errno = ENOMEM;
			return -1;
		}
		rq_resume(h);
		break;
	case LBD_DC_TRAILER:
		if (h->rq_dead)
			break;
		if (!bytes_put(&h->trl, p + so, sl)) {
			errno = EPROTO;
			return -1;
		}
		break;
	case LBD_DC_END:
		rq_body_end(h);
		break;
	default:
		break;
	}
	return k;
}

static long
take(struct lbd_h2_srv *h, const char *p, size_t len)
{
	switch (h->rq) {
	case RQ_PROXY:
		return take_proxy(h, p, len);
	case RQ_HEAD:
		return take_head(h, p, len);
	default:
		return take_body(h, p, len);
	}
}

/* Takes what it can of iov, from `skip` bytes in. */
static long
take_iov(struct lbd_h2_srv *h, const struct iovec *iov, int n_iov, size_t skip)
{
	size_t taken = 0;

	for (int i = 0; i < n_iov; i++) {
		const char *p = iov[i].iov_base;
		size_t len = iov[i].iov_len, off = 0;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		off = skip;
		skip = 0;
		while (off < len) {
			long k = take(h, p + off, len - off);
			if (k < 0)
				return -1;
			if (!k)
				return (long)taken;
			off += (size_t)k;
			taken += (size_t)k;
		}
	}
	return (long)taken;
}

ssize_t
lbd_h2_srv_sendv(struct lbd_sconn *sc, const struct iovec *iov, int n_iov)
{
	struct lbd_h2_srv *h = sc->h2;
	size_t taken = 0;

	if (h->dead) {
		errno = EPIPE;
		return -1;
	}
	/* taking and writing until neither moves: writing frees room in `body` */
	for (;;) {
		long k = take_iov(h, iov, n_iov, taken);
		if (k < 0) {
			h->dead = true;
			sc->flags |= LBD_SC_F_NOREUSE;
			return -1;
		}
		taken += (size_t)k;
		if (flush(h) < 0)
			return -1;
		if (!k)
			return (ssize_t)taken;
	}
}

/* ---- the response: frames -> h1 bytes ---- */

static int
on_begin_headers(nghttp2_session *sess, const nghttp2_frame *f, void *ud)
{
	struct lbd_h2_srv *h = ud;

	(void)sess;
	if (f->hd.type == NGHTTP2_HEADERS && f->hd.stream_id == h->sid)
		lbd_h2_fields_reset(&h->fl);
	return 0;
}

static int
on_header(nghttp2_session *sess, const nghttp2_frame *f, const uint8_t *name, size_t nlen,
	  const uint8_t *value, size_t vlen, uint8_t flags, void *ud)
{
	struct lbd_h2_srv *h = ud;

	(void)sess;
	(void)flags;
	/* trailers reach an h1 client only after chunks: with a length they are dropped */
	if (f->hd.stream_id != h->sid || h->rs_err || (h->rs_final && h->rs_kind != RS_CHUNKED))
		return 0;
	if (lbd_h2_fields_add(&h->fl, name, nlen, value, vlen) < 0) {
		/* a header list over its bounds (an HPACK bomb): the stream is reset */
		h->rs_err = EPROTO;
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	return 0;
}

static void
rs_fail(struct lbd_h2_srv *h, int err)
{
	if (!h->rs_err)
		h->rs_err = err;
	if (h->stream_open)
		nghttp2_submit_rst_stream(h->sess, NGHTTP2_FLAG_NONE, h->sid,
					  NGHTTP2_INTERNAL_ERROR);
}

/* A HEADERS frame of the current stream is complete: a response head, or trailers. */
static void
rs_headers(struct lbd_h2_srv *h, const nghttp2_frame *f)
{
	bool end = f->hd.flags & NGHTTP2_FLAG_END_STREAM;
	unsigned flags = (end ? 0 : LBD_H2W_BODY) | (h->head_req ? LBD_H2W_HEAD_REQ : 0);
	const char *why;
	bool chunked;
	long n;
	int status;

	if (h->rs_final) {
		h->rs_trailers = true;	/* handed out with the last chunk */
		return;
	}
	if (!bytes_alloc(&h->txt)) {
		rs_fail(h, ENOMEM);
		return;
	}
	bytes_compact(&h->txt);
	n = lbd_h2_to_h1_response(&h->fl, flags, h->txt.data + h->txt.len,
				  h->txt.cap - h->txt.len, &chunked, &why);
	if (n < 0) {
		rs_fail(h, EPROTO);
		return;
	}
	static const char te[] = "transfer-encoding: chunked\r\n\r\n";
	char *te_at = h->txt.data + h->txt.len + n - (sizeof(te) - 1);
	if (chunked && h->rq_v10 && n >= (long)sizeof(te) && !memcmp(te_at, te, sizeof(te) - 1)) {
		/* the converter ended the head with this line: without it, the body ends with
		 * the connection */
		memcpy(te_at, "\r\n", 2);
		n -= (long)sizeof(te) - 3;
		chunked = false;
		h->rq_close = true;
		h->sc->flags |= LBD_SC_F_NOREUSE;
	}
	h->txt.len += (uint32_t)n;
	/* three digits: the converter checked them */
	const char *st = lbd_h2_field_value(&h->fl, (unsigned)h->fl.status);
	status = (st[0] - '0') * 100 + (st[1] - '0') * 10 + (st[2] - '0');
	if (status < 200)
		return;	/* interim: 100 Continue, 103 Early Hints */
	h->rs_final = true;
	if (h->head_req || status == 204 || status == 304)
		h->rs_kind = RS_NONE;
	else
		h->rs_kind = chunked ? RS_CHUNKED : h->rq_close ? RS_CLOSE : RS_RAW;
}

static int
on_frame_recv(nghttp2_session *sess, const nghttp2_frame *f, void *ud)
{
	struct lbd_h2_srv *h = ud;

	(void)sess;
	if (f->hd.type == NGHTTP2_GOAWAY) {
		h->goaway = true;
		h->sc->flags |= LBD_SC_F_NOREUSE;
		return 0;
	}
	if (f->hd.stream_id != h->sid || h->sid < 0)
		return 0;
	if (f->hd.type == NGHTTP2_HEADERS && !h->rs_err)
		rs_headers(h, f);
	if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) &&
	    (f->hd.flags & NGHTTP2_FLAG_END_STREAM))
		h->rs_end = true;
	return 0;
}

static int
on_data(nghttp2_session *sess, uint8_t flags, int32_t sid, const uint8_t *data, size_t len,
	void *ud)
{
	struct lbd_h2_srv *h = ud;

	(void)flags;
	if (sid != h->sid || h->rs_kind == RS_NONE || h->rs_err) {
		nghttp2_session_consume(sess, sid, len);	/* dropped: the window stays open */
		return 0;
	}
	/* at most a window: nghttp2 refuses more (FLOW_CONTROL_ERROR) */
	if (!bytes_put(&h->rbody, data, len))
		rs_fail(h, ENOMEM);
	return 0;
}

static int
on_stream_close(nghttp2_session *sess, int32_t sid, uint32_t error_code, void *ud)
{
	struct lbd_h2_srv *h = ud;

	(void)sess;
	(void)error_code;
	if (sid != h->sid)
		return 0;
	h->stream_open = false;
	if (!h->rq_eof || h->rq == RQ_BODY)
		h->rq_dead = true;	/* what is left of the request goes nowhere */
	if (!h->rs_end && !h->rs_err)
		h->rs_err = ECONNRESET;	/* reset, or refused by a GOAWAY */
	return 0;
}

/* Hands out pending response bytes as HTTP/1.1; returns how many. */
static size_t
deliver(struct lbd_h2_srv *h, char *dst, size_t room)
{
	size_t out = 0, k;
	char line[24];

	while (out < room) {
		if (h->txt.len) {
			k = LB_MIN(room - out, (size_t)h->txt.len);
			bytes_take(&h->txt, dst + out, k);
		} else if (h->chunk_left || (h->rbody.len && h->rs_kind != RS_CHUNKED)) {
			k = LB_MIN(room - out, (size_t)h->rbody.len);
			if (h->rs_kind == RS_CHUNKED)
				k = (size_t)LB_MIN((uint64_t)k, h->chunk_left);
			bytes_take(&h->rbody, dst + out, k);
			nghttp2_session_consume(h->sess, h->sid, k);
			if (h->rs_kind == RS_CHUNKED) {
				h->chunk_left -= k;
				if (!h->chunk_left && !bytes_put(&h->txt, "\r\n", 2))
					rs_fail(h, ENOMEM);
			}
		} else if (h->rbody.len) {
			/* a chunk of all the bytes there are */
			h->chunk_left = h->rbody.len;
			k = lbd_h2_chunk_head(line, h->rbody.len);
			if (!bytes_put(&h->txt, line, k)) {
				rs_fail(h, ENOMEM);
				break;
			}
			continue;
		} else if (h->rs_end && h->rs_final && !h->rs_done && !h->rs_err &&
			   (h->rs_kind != RS_CHUNKED || bytes_alloc(&h->txt))) {
			h->rs_done = true;
			bytes_release(&h->rbody);
			if (h->rs_kind == RS_CLOSE)
				h->eof = true;	/* what ends this body for the client */
			if (h->rs_kind == RS_CHUNKED) {
				/* txt is empty here */
				long n = lbd_h2_to_h1_last_chunk(h->rs_trailers ? &h->fl : NULL,
								 h->txt.data, h->txt.cap);
				if (n < 0)	/* trailers too large for a buffer: dropped */
					n = lbd_h2_to_h1_last_chunk(NULL, h->txt.data, h->txt.cap);
				h->txt.head = 0;
				h->txt.len += (uint32_t)LB_MAX(n, 0);
			}
			continue;
		} else {
			break;
		}
		out += k;
	}
	return out;
}

bool
lbd_h2_srv_pending(const struct lbd_h2_srv *h)
{
	return h && (h->txt.len || h->rbody.len ||
		     (h->rs_end && h->rs_final && !h->rs_done && h->rs_kind == RS_CHUNKED));
}

/* Reads the socket into the session until it would block. Returns 0, or -1 when the
 * connection is over (h->eof) or broken (h->dead). */
static int
read_frames(struct lbd_h2_srv *h)
{
	struct lbd_sconn *sc = h->sc;
	uint8_t in[8192];

	for (;;) {
		ssize_t n = lbd_conn_recv(sc->tls, sc->fd, in, sizeof(in));
		if (n > 0) {
			ssize_t r = nghttp2_session_mem_recv(h->sess, in, (size_t)n);
			if (r < 0) {
				h->dead = true;
				errno = EPROTO;
				return -1;
			}
			continue;
		}
		if (n == 0) {
			h->eof = true;
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 0;
		h->dead = true;
		return -1;
	}
}

ssize_t
lbd_h2_srv_recv(struct lbd_sconn *sc, char *dst, size_t room)
{
	struct lbd_h2_srv *h = sc->h2;
	bool read_done = false;

	for (;;) {
		size_t n = deliver(h, dst, room);
		if (n) {
			flush(h);	/* window updates; an error shows on the next call */
			return (ssize_t)n;
		}
		if (h->rs_err) {
			sc->flags |= LBD_SC_F_NOREUSE;
			errno = h->rs_err;
			return -1;
		}
		if (h->eof)
			return 0;
		if (h->dead) {
			sc->flags |= LBD_SC_F_NOREUSE;
			errno = EPROTO;
			return -1;
		}
		if (read_done) {
			errno = EAGAIN;
			return -1;
		}
		/* one pass over the socket per call, then what it gave is handed out */
		read_frames(h);
		read_done = true;
		flush(h);	/* SETTINGS and PING acknowledgements, window updates */
		if (!nghttp2_session_want_read(h->sess) && !nghttp2_session_want_write(h->sess))
			h->eof = true;	/* GOAWAY both ways: nothing more will come */
	}
}

/* Between exchanges a connection keeps its session (HPACK tables, windows), not buffers. */
static void
release_buffers(struct lbd_h2_srv *h)
{
	bytes_release(&h->wbuf);
	bytes_release(&h->body);
	bytes_release(&h->trl);
	bytes_release(&h->txt);
	bytes_release(&h->rbody);
	lbd_h2_fields_free(&h->fl);
}

int
lbd_h2_srv_idle_read(struct lbd_sconn *sc)
{
	struct lbd_h2_srv *h = sc->h2;

	if (read_frames(h) < 0 || flush(h) < 0 || h->wbuf.len || h->pend_len)
		return -1;
	if (lbd_h2_srv_pending(h) || !lbd_h2_srv_reusable(h))
		return -1;
	release_buffers(h);
	return 0;
}

bool
lbd_h2_srv_park(struct lbd_h2_srv *h)
{
	if (!lbd_h2_srv_reusable(h))
		return false;
	release_buffers(h);
	return true;
}

bool
lbd_h2_srv_reusable(const struct lbd_h2_srv *h)
{
	return !h->dead && !h->goaway && !h->eof && !h->rs_err && h->rq == RQ_HEAD &&
	       h->rq_eof && !h->body.len && !h->wbuf.len && !h->pend_len &&
	       !lbd_h2_srv_pending(h) && nghttp2_session_want_read(h->sess) &&
	       !nghttp2_session_want_write(h->sess) &&
	       (uint32_t)nghttp2_session_get_next_stream_id(h->sess) < H2_LAST_SID;
}

/* ---- life cycle ---- */

bool
lbd_h2_srv_wanted(const struct lbd_sconn *sc)
{
	const char *alpn;

	if (sc->srv->cfg->proto == LB_SRV_PROTO_H2)
		return true;
	alpn = sc->tlsc ? lb_tls_client_alpn(sc->tlsc) : NULL;
	return alpn && !strcmp(alpn, "h2");
}

int
lbd_h2_srv_attach(struct lbd_sconn *sc)
{
	const struct lb_cfg_global *g = &sc->thr->rt->cfg->global;
	uint32_t size = sc->thr->bufs.size, window = local_window(sc);
	struct lbd_h2_srv *h = calloc(1, sizeof(*h));
	nghttp2_session_callbacks *cb = NULL;
	nghttp2_option *opt = NULL;
	nghttp2_settings_entry iv[] = {
		{ NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, window },
		{ NGHTTP2_SETTINGS_MAX_FRAME_SIZE,
		  (uint32_t)tune(g->tune_h2_max_frame_size, H2_DEF_FRAME) },
		{ NGHTTP2_SETTINGS_HEADER_TABLE_SIZE,
		  (uint32_t)tune(g->tune_h2_header_table_size, H2_DEF_HEADER_TABLE) },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, max_header_list(sc->thr) },
	};
	int rc = -1;

	if (!h)
		return -1;
	h->sc = sc;
	h->sid = -1;
	h->rq = (sc->srv->cfg->send_proxy > 0 || sc->srv->cfg->send_proxy_v2 > 0) ? RQ_PROXY
										    : RQ_HEAD;
	h->rq_eof = true;
	bytes_setup(&h->wbuf, size);
	bytes_setup(&h->body, size);
	bytes_setup(&h->trl, size);
	bytes_setup(&h->txt, size);
	/* a window, or the default one a server may use before it reads our SETTINGS */
	bytes_setup(&h->rbody, LB_MAX(window, (uint32_t)NGHTTP2_INITIAL_WINDOW_SIZE) + 1);
	if (nghttp2_session_callbacks_new(&cb) || nghttp2_option_new(&opt))
		goto out;
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
	/* the window opens for what the client side took, not for what came */
	nghttp2_option_set_no_auto_window_update(opt, 1);
	if (nghttp2_session_client_new2(&h->sess, cb, h, opt))
		goto out;
	if (nghttp2_submit_settings(h->sess, NGHTTP2_FLAG_NONE, iv, LB_ARRAY_SIZE(iv)))
		goto out;
	/* the connection window as large as a stream's (one stream at a time) */
	if (window > NGHTTP2_INITIAL_CONNECTION_WINDOW_SIZE &&
	    nghttp2_session_set_local_window_size(h->sess, NGHTTP2_FLAG_NONE, 0, (int32_t)window))
		goto out;
	rc = 0;
out:
	nghttp2_session_callbacks_del(cb);
	nghttp2_option_del(opt);
	if (rc < 0) {
		lbd_h2_srv_free(h);
		return -1;
	}
	sc->h2 = h;
	return 0;
}

void
lbd_h2_srv_free(struct lbd_h2_srv *h)
{
	if (!h)
		return;
	/* a GOAWAY tells the server the end is deliberate (sent if the socket takes it now) */
	if (h->sess && !h->dead && !h->eof && h->rq != RQ_PROXY &&
	    !nghttp2_session_terminate_session(h->sess, NGHTTP2_NO_ERROR)) {
		const uint8_t *p;
		ssize_t n = nghttp2_session_mem_send(h->sess, &p);
		if (n > 0 && !h->wbuf.len && !h->pend_len) {
			struct iovec iov = { (void *)(uintptr_t)p, (size_t)n };
			(void)!lbd_conn_sendv(h->sc->tls, h->sc->fd, &iov, 1, false);
		}
	}
	nghttp2_session_del(h->sess);
	bytes_release(&h->wbuf);
	bytes_release(&h->body);
	bytes_release(&h->trl);
	bytes_release(&h->txt);
	bytes_release(&h->rbody);
	lbd_h2_fields_free(&h->fl);
	free(h);
}

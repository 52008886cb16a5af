/* tests/unit/h2_peer.h: an in-memory HTTP/2 server (an nghttp2 server session fed by hand)
 * that records the request it receives, for the unit tests of lbd's h2 clients
 * (test_h2_srv.c: lbd/h2_srv.c; test_check_h2.c: common/check_h2.c). Header-only: each test
 * program includes it once. */
#ifndef LB_TEST_H2_PEER_H
#define LB_TEST_H2_PEER_H

#include <check.h>
#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* what the server session saw of the last request */
static struct {
	char hdrs[4096];	/* "name: value\n" lines, pseudo-headers included */
	char trailers[1024];	/* the same for a trailing HEADERS block */
	char data[200000];
	size_t data_len;
	int32_t sid;
	bool ended;
} rq;

static int
h2_peer_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *n, size_t nl,
	       const uint8_t *v, size_t vl, uint8_t flags, void *ud)
{
	char *dst = (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_HEADERS)
			    ? rq.trailers : rq.hdrs;
	size_t cap = dst == rq.trailers ? sizeof(rq.trailers) : sizeof(rq.hdrs);

	(void)s;
	(void)flags;
	(void)ud;
	snprintf(dst + strlen(dst), cap - strlen(dst), "%.*s: %.*s\n", (int)nl,
		 (const char *)n, (int)vl, (const char *)v);
	rq.sid = f->hd.stream_id;
	return 0;
}

static int
h2_peer_data(nghttp2_session *s, uint8_t flags, int32_t sid, const uint8_t *d, size_t len,
	     void *ud)
{
	(void)s;
	(void)flags;
	(void)sid;
	(void)ud;
	ck_assert_uint_le(rq.data_len + len, sizeof(rq.data));
	memcpy(rq.data + rq.data_len, d, len);
	rq.data_len += len;
	return 0;
}

static int
h2_peer_frame(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	(void)s;
	(void)ud;
	if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) &&
	    (f->hd.flags & NGHTTP2_FLAG_END_STREAM))
		rq.ended = true;
	return 0;
}

/* A server session recording into rq, its SETTINGS queued. */
static nghttp2_session *
h2_peer_new(void)
{
	nghttp2_session_callbacks *cb;
	nghttp2_session *ss;

	memset(&rq, 0, sizeof(rq));
	ck_assert_int_eq(nghttp2_session_callbacks_new(&cb), 0);
	nghttp2_session_callbacks_set_on_header_callback(cb, h2_peer_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, h2_peer_data);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, h2_peer_frame);
	ck_assert_int_eq(nghttp2_session_server_new(&ss, cb, NULL), 0);
	nghttp2_session_callbacks_del(cb);
	ck_assert_int_eq(nghttp2_submit_settings(ss, NGHTTP2_FLAG_NONE, NULL, 0), 0);
	return ss;
}

#endif

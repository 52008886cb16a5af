/* tests/unit/test_h2_srv.c: the HTTP/2 codec towards servers (lbd/h2_srv.c)
 *
 * The codec sits on a real server connection whose socket is one end of a socketpair; the
 * other end is an nghttp2 server session in memory. Each test writes HTTP/1.1 request bytes
 * into the codec, checks what the server session saw (pseudo-headers, fields, DATA,
 * trailers, END_STREAM), answers with frames, and checks the HTTP/1.1 bytes the codec
 * hands out, byte for byte.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <nghttp2/nghttp2.h>

#include "cfg.h"
#include "h2_peer.h"
#include "h2_srv.h"
#include "runtime_types.h"
#include "stream.h"
#include "thread_types.h"
#include "util.h"

/* ---- the fixture: a thread, a server, a connection, a server session ---- */

static struct event_base *base;
static struct lbd_thread thr;
static struct lbd_runtime rt;
static struct lb_cfg cfg;
static struct lb_cfg_server scfg;
static struct lbd_server srv;
static struct lbd_sconn *sc;
static int peer;	/* the server's end of the socket */
static nghttp2_session *ss;

/* The server reads what the codec wrote, then writes what it has to say. */
static void
srv_pump(void)
{
	uint8_t buf[65536];
	const uint8_t *p;
	ssize_t n;

	while ((n = read(peer, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(nghttp2_session_mem_recv(ss, buf, (size_t)n), n);
	while ((n = nghttp2_session_mem_send(ss, &p)) > 0)
		ck_assert_int_eq(write(peer, p, (size_t)n), n);
}

static void
setup(void)
{
	int fds[2];

	memset(&rq, 0, sizeof(rq));
	base = event_base_new();
	lb_cfg_init(&cfg);
	rt.cfg = &cfg;
	rt.maxhdr = 101;
	rt.bufsize = 16384;
	memset(&thr, 0, sizeof(thr));
	thr.base = base;
	thr.rt = &rt;
	lbd_buf_pool_init(&thr.bufs, rt.bufsize, 4);
	thr.hdrs = calloc(rt.maxhdr, sizeof(*thr.hdrs));
	thr.scratch = malloc(rt.bufsize);
	memset(&scfg, 0, sizeof(scfg));
	scfg.proto = LB_SRV_PROTO_H2;
	srv.cfg = &scfg;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	peer = fds[1];
	sc = lbd_sconn_new(&thr, &srv, fds[0]);
	ck_assert_ptr_nonnull(sc);
	ck_assert(lbd_h2_srv_wanted(sc));
	ck_assert_int_eq(lbd_h2_srv_attach(sc), 0);

	ss = h2_peer_new();
}

static void
teardown(void)
{
	lbd_sconn_close(sc);
	close(peer);
	nghttp2_session_del(ss);
	free(thr.hdrs);
	free(thr.scratch);
	lbd_buf_pool_destroy(&thr.bufs);
	lb_cfg_free(&cfg);
	event_base_free(base);
}

/* Writes a whole request into the codec. */
static void
send_req(const char *req)
{
	struct iovec iov = { (void *)(uintptr_t)req, strlen(req) };

	ck_assert_int_eq(lbd_h2_srv_sendv(sc, &iov, 1), (ssize_t)strlen(req));
}

/* Reads what the codec hands out, `room` bytes at a time, pumping the server between calls,
 * until it has nothing more. Returns the length, or -errno of the failure. */
static long
recv_all(char *out, size_t cap, size_t room)
{
	size_t len = 0;
	int idle = 0;

	while (idle < 3) {
		ssize_t n = lbd_h2_srv_recv(sc, out + len, LB_MIN(room, cap - len));
		if (n > 0) {
			len += (size_t)n;
			idle = 0;
			continue;
		}
		if (n == 0)
			break;
		if (errno != EAGAIN)
			return -errno;
		srv_pump();
		idle++;
	}
	out[len] = '\0';
	return (long)len;
}

static nghttp2_nv
nv(const char *n, const char *v)
{
	return (nghttp2_nv){ (uint8_t *)(uintptr_t)n, (uint8_t *)(uintptr_t)v, strlen(n),
			     strlen(v), NGHTTP2_NV_FLAG_NONE };
}

/* a response body from memory */
static const char *body_p;
static size_t body_left;
static bool body_trailers;

static ssize_t
body_read(nghttp2_session *s, int32_t sid, uint8_t *buf, size_t len, uint32_t *flags,
	  nghttp2_data_source *src, void *ud)
{
	size_t k = LB_MIN(len, body_left);

	(void)src;
	(void)ud;
	memcpy(buf, body_p, k);
	body_p += k;
	body_left -= k;
	if (!body_left) {
		*flags |= NGHTTP2_DATA_FLAG_EOF;
		if (body_trailers) {
			nghttp2_nv t[] = { nv("x-r", "2") };
			nghttp2_submit_trailer(s, sid, t, 1);
			*flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
		}
	}
	return (ssize_t)k;
}

static void
respond(const nghttp2_nv *h, size_t n, const char *body, size_t blen, bool trailers)
{
	nghttp2_data_provider dp = { .read_callback = body_read };

	body_p = body;
	body_left = blen;
	body_trailers = trailers;
	ck_assert_int_eq(nghttp2_submit_response(ss, rq.sid, h, n, body ? &dp : NULL), 0);
}

/* ---- tests ---- */

START_TEST(get_with_length)
{
	char out[4096];
	nghttp2_nv h[] = { nv(":status", "200"), nv("content-length", "5"), nv("x-a", "b") };

	send_req("GET /p?q=1 HTTP/1.1\r\nHost: a.test\r\nConnection: keep-alive\r\n"
		 "Cookie: c=1\r\nX-Y: z\r\n\r\n");
	srv_pump();
	ck_assert_str_eq(rq.hdrs, ":method: GET\n:scheme: http\n:authority: a.test\n"
				  ":path: /p?q=1\ncookie: c=1\nx-y: z\n");
	ck_assert(rq.ended);
	respond(h, 3, "hello", 5, false);
	srv_pump();
	ck_assert_int_eq(recv_all(out, sizeof(out), sizeof(out)), 51);
	ck_assert_str_eq(out, "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-a: b\r\n\r\nhello");
	ck_assert(lbd_h2_srv_reusable(sc->h2));
}
END_TEST

START_TEST(chunked_both_ways_with_trailers)
{
	char out[4096];
	nghttp2_nv h[] = { nv(":status", "200") };

	send_req("POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTE: trailers\r\n\r\n"
		 "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nX-T: 1\r\n\r\n");
	srv_pump();
	ck_assert_str_eq(rq.hdrs, ":method: POST\n:scheme: http\n:authority: a\n:path: /u\n"
				  "te: trailers\n");
	ck_assert_uint_eq(rq.data_len, 5);
	ck_assert(!memcmp(rq.data, "abcde", 5));
	ck_assert_str_eq(rq.trailers, "x-t: 1\n");
	ck_assert(rq.ended);
	respond(h, 1, "xyz", 3, true);
	srv_pump();
	recv_all(out, sizeof(out), 7);	/* small pieces: chunk framing across calls */
	ck_assert_str_eq(out, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
			      "3\r\nxyz\r\n0\r\nx-r: 2\r\n\r\n");
}
END_TEST

START_TEST(length_body_and_window)
{
	/* 150000 bytes to the server and back: more than the 65535-byte windows both ways,
	 * read back 1000 bytes at a time */
	static char big[150000], out[160000];
	char req[256];
	nghttp2_nv h[] = { nv(":status", "200"), nv("content-length", "150000") };
	size_t off = 0;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 23);
	snprintf(req, sizeof(req), "PUT /b HTTP/1.1\r\nHost: a\r\nContent-Length: %zu\r\n\r\n",
		 sizeof(big));
	send_req(req);
	for (int i = 0; i < 100 && off < sizeof(big); i++) {
		struct iovec iov = { big + off, sizeof(big) - off };
		ssize_t n = lbd_h2_srv_sendv(sc, &iov, 1);
		ck_assert_int_ge(n, 0);
		off += (size_t)n;
		srv_pump();
		lbd_h2_srv_recv(sc, out, sizeof(out));	/* the server's WINDOW_UPDATEs */
	}
	ck_assert_uint_eq(off, sizeof(big));
	srv_pump();
	ck_assert(rq.ended);
	ck_assert_uint_eq(rq.data_len, sizeof(big));
	ck_assert(!memcmp(rq.data, big, sizeof(big)));
	nghttp2_session_consume(ss, rq.sid, rq.data_len);
	respond(h, 2, big, sizeof(big), false);
	srv_pump();
	long n = recv_all(out, sizeof(out), 1000);
	const char *head = "HTTP/1.1 200 OK\r\ncontent-length: 150000\r\n\r\n";
	ck_assert_int_eq(n, (long)(strlen(head) + sizeof(big)));
	ck_assert(!memcmp(out, head, strlen(head)));
	ck_assert(!memcmp(out + strlen(head), big, sizeof(big)));
}
END_TEST

START_TEST(http10_until_close)
{
	char out[256];
	nghttp2_nv h[] = { nv(":status", "200"), nv("x-a", "b") };

	send_req("GET /old HTTP/1.0\r\nHost: a\r\n\r\n");
	srv_pump();
	respond(h, 2, "ab", 2, false);
	srv_pump();
	/* no chunked coding for an HTTP/1.0 client: the body ends with the connection */
	ck_assert_int_eq(recv_all(out, sizeof(out), sizeof(out)), 29);
	ck_assert_str_eq(out, "HTTP/1.1 200 OK\r\nx-a: b\r\n\r\nab");
	ck_assert_int_eq(lbd_h2_srv_recv(sc, out, sizeof(out)), 0);
	ck_assert(sc->flags & LBD_SC_F_NOREUSE);
}
END_TEST

START_TEST(stream_reset)
{
	char out[256];

	send_req("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	srv_pump();
	nghttp2_submit_rst_stream(ss, NGHTTP2_FLAG_NONE, rq.sid, NGHTTP2_INTERNAL_ERROR);
	srv_pump();
	ck_assert_int_eq(recv_all(out, sizeof(out), sizeof(out)), -ECONNRESET);
	ck_assert(sc->flags & LBD_SC_F_NOREUSE);
}
END_TEST

START_TEST(header_list_bounded)
{
	char out[4096], name[16];
	nghttp2_nv h[300];

	send_req("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	srv_pump();
	h[0] = nv(":status", "200");
	for (int i = 1; i < 300; i++) {
		snprintf(name, sizeof(name), "x-%d", i);
		h[i] = nv(strdup(name), "v");
	}
	respond(h, 300, NULL, 0, false);
	srv_pump();
	ck_assert_int_eq(recv_all(out, sizeof(out), sizeof(out)), -EPROTO);
	for (int i = 1; i < 300; i++)
		free(h[i].name);
}
END_TEST

START_TEST(head_204_interim_and_reuse)
{
	char out[4096];
	nghttp2_nv h100[] = { nv(":status", "103"), nv("link", "</s.css>") };
	nghttp2_nv h[] = { nv(":status", "200"), nv("content-length", "42") };
	nghttp2_nv h204[] = { nv(":status", "204") };
	nghttp2_nv hok[] = { nv(":status", "200") };

	send_req("HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n");
	srv_pump();
	ck_assert_int_eq(nghttp2_submit_headers(ss, NGHTTP2_FLAG_NONE, rq.sid, NULL, h100, 2,
						NULL), 0);
	respond(h, 2, NULL, 0, false);
	srv_pump();
	recv_all(out, sizeof(out), sizeof(out));
	ck_assert_str_eq(out, "HTTP/1.1 103 Informational\r\nlink: </s.css>\r\n\r\n"
			      "HTTP/1.1 200 OK\r\ncontent-length: 42\r\n\r\n");
	/* parked (its buffers released), then the next exchange: stream 3 */
	ck_assert(lbd_h2_srv_park(sc->h2));
	memset(&rq, 0, sizeof(rq));
	send_req("DELETE /d HTTP/1.1\r\nHost: a\r\n\r\n");
	srv_pump();
	ck_assert_int_eq(rq.sid, 3);
	respond(h204, 1, NULL, 0, false);
	srv_pump();
	recv_all(out, sizeof(out), sizeof(out));
	ck_assert_str_eq(out, "HTTP/1.1 204 No Content\r\n\r\n");
	/* a response ending on its head without a length: an empty body, said so */
	memset(&rq, 0, sizeof(rq));
	send_req("GET /e HTTP/1.1\r\nHost: a\r\n\r\n");
	srv_pump();
	respond(hok, 1, NULL, 0, false);
	srv_pump();
	recv_all(out, sizeof(out), sizeof(out));
	ck_assert_str_eq(out, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
	ck_assert(lbd_h2_srv_reusable(sc->h2));
}
END_TEST

START_TEST(idle_ping_and_goaway)
{
	char out[256];
	nghttp2_nv h[] = { nv(":status", "200"), nv("content-length", "0") };

	send_req("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	srv_pump();
	respond(h, 2, NULL, 0, false);
	srv_pump();
	recv_all(out, sizeof(out), sizeof(out));
	/* parked: a PING is answered and the connection stays */
	ck_assert(lbd_h2_srv_park(sc->h2));
	nghttp2_submit_ping(ss, NGHTTP2_FLAG_NONE, NULL);
	srv_pump();
	ck_assert_int_eq(lbd_h2_srv_idle_read(sc), 0);
	/* a GOAWAY ends it */
	nghttp2_submit_goaway(ss, NGHTTP2_FLAG_NONE, rq.sid, NGHTTP2_NO_ERROR, NULL, 0);
	srv_pump();
	ck_assert_int_eq(lbd_h2_srv_idle_read(sc), -1);
	ck_assert(!lbd_h2_srv_reusable(sc->h2));
}
END_TEST

START_TEST(proxy_header_before_preface)
{
	static const char pp[] = "PROXY TCP4 192.0.2.1 192.0.2.2 1234 80\r\n";
	static const char req[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	struct lb_cfg_server pcfg = { .proto = LB_SRV_PROTO_H2, .send_proxy = 1 };
	struct lbd_server psrv = { .cfg = &pcfg };
	struct iovec iov[2] = { { (void *)(uintptr_t)pp, sizeof(pp) - 1 },
				{ (void *)(uintptr_t)req, sizeof(req) - 1 } };
	struct lbd_sconn *psc;
	char out[256];
	int fds[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
	psc = lbd_sconn_new(&thr, &psrv, fds[0]);
	ck_assert_int_eq(lbd_h2_srv_attach(psc), 0);
	ck_assert_int_eq(lbd_h2_srv_sendv(psc, iov, 2), (ssize_t)(sizeof(pp) + sizeof(req) - 2));
	ck_assert_int_gt(read(fds[1], out, sizeof(out)), (ssize_t)sizeof(pp) + 24);
	/* the PROXY header as is, then the connection preface */
	ck_assert(!memcmp(out, pp, sizeof(pp) - 1));
	ck_assert(!memcmp(out + sizeof(pp) - 1, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24));
	lbd_sconn_close(psc);
	close(fds[1]);
}
END_TEST

START_TEST(connect_refused)
{
	static const char req[] = "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n";
	struct iovec iov = { (void *)(uintptr_t)req, sizeof(req) - 1 };

	ck_assert_int_eq(lbd_h2_srv_sendv(sc, &iov, 1), -1);
	ck_assert_int_eq(errno, EPROTO);
	ck_assert(!lbd_h2_srv_reusable(sc->h2));
}
END_TEST

static Suite *
h2_srv_suite(void)
{
	Suite *s = suite_create("h2_srv");
	TCase *tc = tcase_create("codec");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, get_with_length);
	tcase_add_test(tc, chunked_both_ways_with_trailers);
	tcase_add_test(tc, length_body_and_window);
	tcase_add_test(tc, http10_until_close);
	tcase_add_test(tc, stream_reset);
	tcase_add_test(tc, header_list_bounded);
	tcase_add_test(tc, head_204_interim_and_reuse);
	tcase_add_test(tc, idle_ping_and_goaway);
	tcase_add_test(tc, proxy_header_before_preface);
	tcase_add_test(tc, connect_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(h2_srv_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* tests/unit/test_check_h2.c: the HTTP/2 step of HTTP health checks (common/check_h2.c)
 *
 * The check's client session talks to an nghttp2 server session in memory: each test
 * submits the HTTP/1.x request bytes a spec holds, checks what the server saw
 * (pseudo-headers, fields, DATA, END_STREAM), answers with frames, and checks the
 * HTTP/1.x text the check hands to the expect rules, and what those rules decide on it.
 * Hostile answers (a reset, a flood of frames, a body larger than the buffer, garbage) must
 * end in an error or a bounded buffer, never in growth.
 */
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "cfg.h"
#include "check_h2.h"
#include "h2_peer.h"
#include "check_priv.h"
#include "healthcheck.h"

#include "cfg_load.h"

#define CAP 256

static struct chk_h2 *cl;
static nghttp2_session *ss;
static char out[CAP + 1];
static size_t outlen;
static char err[128];

static void
setup(void)
{

	memset(&rq, 0, sizeof(rq));
	outlen = 0;
	out[0] = '\0';
	err[0] = '\0';
	cl = chk_h2_new(false, "127.0.0.1:8080", err, sizeof(err));
	ck_assert_ptr_nonnull(cl);
	ss = h2_peer_new();
}

static void
teardown(void)
{
	chk_h2_free(cl);
	nghttp2_session_del(ss);
}

/* the check's frames to the server */
static void
to_server(void)
{
	const uint8_t *d;
	size_t n;

	for (;;) {
		ck_assert_int_eq(chk_h2_output(cl, &d, &n, err, sizeof(err)), 0);
		if (!n)
			break;
		ck_assert_int_eq(nghttp2_session_mem_recv(ss, d, n), (ssize_t)n);
		chk_h2_written(cl, n);
	}
}

/* the server's frames to the check: chk_h2_recv's result */
static int
to_client(void)
{
	const uint8_t *d;
	ssize_t n;
	int rc = 0;

	while (rc == 0 && (n = nghttp2_session_mem_send(ss, &d)) > 0)
		rc = chk_h2_recv(cl, d, (size_t)n, out, &outlen, CAP, err, sizeof(err));
	return rc;
}

static void
submit(const char *req)
{
	ck_assert_int_eq(chk_h2_submit(cl, req, strlen(req), err, sizeof(err)), 0);
	to_server();
}

static ssize_t
body_src(nghttp2_session *s, int32_t sid, uint8_t *buf, size_t len, uint32_t *flags,
	 nghttp2_data_source *src, void *ud)
{
	const char *b = src->ptr;
	size_t n = strlen(b);

	(void)s;
	(void)sid;
	(void)ud;
	ck_assert_uint_le(n, len);
	memcpy(buf, b, n);
	*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

static void
respond(const char *status, const char *body)
{
	nghttp2_nv nv[] = {
		{ (uint8_t *)":status", (uint8_t *)(uintptr_t)status, 7, strlen(status), 0 },
		{ (uint8_t *)"x-health", (uint8_t *)"ok", 8, 2, 0 },
	};
	nghttp2_data_provider p = { .source.ptr = (void *)(uintptr_t)body,
				    .read_callback = body_src };

	ck_assert_int_eq(nghttp2_submit_response(ss, rq.sid, nv, 2, body ? &p : NULL), 0);
}

/* the expect rule `match pattern` on what the check received */
static enum chk_rc
expect(int match, const char *pattern, struct lb_check_result *res)
{
	struct chk_step st = { .kind = CHK_STEP_EXPECT, .match = match,
			       .pattern = (char *)(uintptr_t)pattern,
			       .pattern_len = pattern ? strlen(pattern) : 0,
			       .default_http = !pattern };

	memset(res, 0, sizeof(*res));
	return chk_expect_http(&st, out, outlen, chk_h2_done(cl), res);
}

START_TEST(test_request)
{
	submit("POST /health HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n"
	       "X-Probe: Yes\r\nTE: gzip\r\nContent-Length: 4\r\n\r\nping");
	ck_assert_str_eq(rq.hdrs, ":method: POST\n:scheme: http\n:path: /health\n"
				  ":authority: example.org\nx-probe: Yes\ncontent-length: 4\n");
	ck_assert_uint_eq(rq.data_len, 4);
	ck_assert(!memcmp(rq.data, "ping", 4));
	ck_assert(rq.ended);
	ck_assert_int_eq(rq.sid, 1);
}
END_TEST

START_TEST(test_request_defaults)
{
	/* option httpchk's default: no Host, no body: :authority is the server's address */
	submit("OPTIONS / HTTP/1.0\r\nConnection: close\r\n\r\n");
	ck_assert_str_eq(rq.hdrs, ":method: OPTIONS\n:scheme: http\n:path: /\n"
				  ":authority: 127.0.0.1:8080\n");
	ck_assert(rq.ended);
	ck_assert_int_eq(chk_h2_submit(cl, "garbage", 7, err, sizeof(err)), -1);
	ck_assert(strstr(err, "request line"));
}
END_TEST

START_TEST(test_response)
{
	struct lb_check_result res;

	submit("GET /h HTTP/1.1\r\n\r\n");
	respond("200", "all good");
	ck_assert_int_eq(to_client(), 0);
	ck_assert_str_eq(out, "HTTP/2.0 200\r\nx-health: ok\r\n\r\nall good");
	ck_assert(chk_h2_done(cl));
	ck_assert_int_eq(expect(0, NULL, &res), CHK_PASS);
	ck_assert_int_eq(res.code, 200);
	ck_assert_int_eq(expect(LB_CHK_MATCH_STRING, "good", &res), CHK_PASS);
	ck_assert_int_eq(expect(LB_CHK_MATCH_STATUS, "200", &res), CHK_PASS);
	ck_assert_int_eq(expect(LB_CHK_MATCH_HDR, "x-health", &res), CHK_PASS);
	ck_assert_int_eq(expect(LB_CHK_MATCH_STRING, "bad", &res), CHK_FAIL);
	ck_assert_int_eq(res.status, LB_CHK_L7RSP);
	ck_assert_int_eq(expect(LB_CHK_MATCH_STATUS, "204", &res), CHK_FAIL);
	ck_assert_int_eq(res.status, LB_CHK_L7STS);
}
END_TEST

START_TEST(test_response_503_and_interim)
{
	struct lb_check_result res;
	nghttp2_nv info = { (uint8_t *)":status", (uint8_t *)"103", 7, 3, 0 };

	submit("GET /h HTTP/1.1\r\n\r\n");
	ck_assert_int_eq(nghttp2_submit_headers(ss, NGHTTP2_FLAG_NONE, rq.sid, NULL, &info, 1,
						NULL), 0);
	ck_assert_int_eq(to_client(), 0);
	ck_assert_uint_eq(outlen, 0);	/* a 1xx is not the response */
	ck_assert_int_eq(expect(0, NULL, &res), CHK_MORE);
	respond("503", NULL);
	ck_assert_int_eq(to_client(), 0);
	ck_assert_str_eq(out, "HTTP/2.0 503\r\nx-health: ok\r\n\r\n");
	ck_assert_int_eq(expect(0, NULL, &res), CHK_FAIL);
	ck_assert_int_eq(res.status, LB_CHK_L7STS);
	ck_assert_int_eq(res.code, 503);
}
END_TEST

START_TEST(test_reset)
{
	submit("GET /h HTTP/1.1\r\n\r\n");
	ck_assert_int_eq(nghttp2_submit_rst_stream(ss, NGHTTP2_FLAG_NONE, rq.sid,
						   NGHTTP2_INTERNAL_ERROR), 0);
	ck_assert_int_eq(to_client(), -1);
	ck_assert_str_eq(err, "HTTP/2 stream reset by the server (INTERNAL_ERROR)");
	ck_assert(!chk_h2_done(cl));
}
END_TEST

START_TEST(test_large_body_bounded)
{
	static char big[900];
	struct lb_check_result res;

	memset(big, 'a', sizeof(big) - 1);
	submit("GET /h HTTP/1.1\r\n\r\n");
	respond("200", big);
	ck_assert_int_eq(to_client(), 0);
	ck_assert_uint_eq(outlen, CAP);	/* the rest dropped, never past the buffer */
	ck_assert_uint_eq(strlen(out), CAP);
	ck_assert_int_eq(expect(LB_CHK_MATCH_STRING, "aaaa", &res), CHK_PASS);
}
END_TEST

START_TEST(test_flood)
{
	uint8_t opaque[8] = { 0 };
	int rc;

	submit("GET /h HTTP/1.1\r\n\r\n");
	for (int i = 0; i < CHK_H2_MAX_FRAMES + 10; i++)
		ck_assert_int_eq(nghttp2_submit_ping(ss, NGHTTP2_FLAG_NONE, opaque), 0);
	rc = 0;
	for (int round = 0; round < 40 && rc == 0; round++) {
		rc = to_client();
		/* the check keeps acknowledging: its output stays bounded */
		if (rc == 0) {
			const uint8_t *d;
			size_t n;

			while (chk_h2_output(cl, &d, &n, err, sizeof(err)) == 0 && n)
				chk_h2_written(cl, n);
		}
	}
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(err, "frames") || strstr(err, "lood"), "%s", err);
}
END_TEST

START_TEST(test_garbage)
{
	static const char junk[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

	submit("GET /h HTTP/1.1\r\n\r\n");
	ck_assert_int_eq(chk_h2_recv(cl, (const uint8_t *)junk, sizeof(junk) - 1, out, &outlen,
				     CAP, err, sizeof(err)), -1);
	ck_assert_uint_eq(outlen, 0);
}
END_TEST

START_TEST(test_second_request)
{
	/* http-check send twice: a new stream each time, only its response is shown */
	submit("GET /a HTTP/1.1\r\n\r\n");
	respond("200", "first");
	ck_assert_int_eq(to_client(), 0);
	outlen = 0;
	out[0] = '\0';
	memset(&rq, 0, sizeof(rq));
	submit("GET /b HTTP/1.1\r\n\r\n");
	ck_assert_int_eq(rq.sid, 3);
	ck_assert(!chk_h2_done(cl));
	respond("204", NULL);
	ck_assert_int_eq(to_client(), 0);
	ck_assert_str_eq(out, "HTTP/2.0 204\r\nx-health: ok\r\n\r\n");
	ck_assert(chk_h2_done(cl));
}
END_TEST

/* ---- which checks speak HTTP/2: the specs and the configuration ---- */

#define HEAD "defaults\n  mode http\n  timeout connect 1s\n  timeout client 1s\n" \
	     "  timeout server 1s\n"

/* the describe string of the health check of server `srv` of backend `be` */
static void
describe_is(const struct lb_cfg *cfg, const char *be, const char *srv, const char *want)
{
	const struct lb_cfg_proxy *px = lb_cfg_find_proxy(cfg, be, LB_CAP_BE);
	const struct lb_cfg_server *s;
	struct lb_check_spec *spec;
	char *e = NULL;

	ck_assert_ptr_nonnull(px);
	for (s = px->servers; s && strcmp(s->name, srv); s = s->next)
		;
	ck_assert_ptr_nonnull(s);
	spec = lb_check_spec_new(px, s, LB_CHECK_HEALTH, &e);
	ck_assert_msg(spec != NULL, "%s", e ? e : "");
	ck_assert_msg(!strcmp(lb_check_spec_describe(spec), want), "%s/%s: '%s', want '%s'", be,
		      srv, lb_check_spec_describe(spec), want);
	/* an h2 connection over TLS offers ALPN h2 unless told otherwise */
	for (int i = 0; i < spec->nsteps; i++)
		if (spec->steps[i].kind == CHK_STEP_CONNECT && spec->steps[i].ssl &&
		    spec->steps[i].proto == CHK_PROTO_H2)
			ck_assert_ptr_nonnull(spec->steps[i].alpn);
	lb_check_spec_free(spec);
}

START_TEST(test_specs)
{
	struct lb_cfg cfg;

	expect_ok(&cfg, HEAD "backend b\n  option httpchk\n"
		  "  server a 127.0.0.1:80 check check-proto h2\n"
		  "  server p 127.0.0.1:80 check proto h2\n"
		  "  server q 127.0.0.1:80 check proto h2 check-proto h1\n"
		  "  server t 127.0.0.1:80 check check-ssl check-proto h2\n"
		  "  server n 127.0.0.1:80 check\n"
		  "backend c\n  option httpchk\n  http-check connect proto h2\n"
		  "  server x 127.0.0.1:80 check\n"
		  "backend d\n  server y 127.0.0.1:80 check proto h2\n"
		  "backend e\n  default-server check-proto h2\n  option httpchk\n"
		  "  server z 127.0.0.1:80 check\n", NULL);
	describe_is(&cfg, "b", "a", "http+h2");
	describe_is(&cfg, "b", "p", "http+h2");	/* the server's proto */
	describe_is(&cfg, "b", "q", "http");		/* check-proto wins */
	describe_is(&cfg, "b", "t", "http+tls+h2");
	describe_is(&cfg, "b", "n", "http");
	describe_is(&cfg, "c", "x", "http+h2");
	describe_is(&cfg, "d", "y", "tcp");		/* a TCP check has no HTTP version */
	describe_is(&cfg, "e", "z", "http+h2");	/* from default-server */
	lb_cfg_free(&cfg);
	expect_error(HEAD "backend b\n  server s 127.0.0.1:80 check check-proto h2\n",
		     "t.cfg:7:3: error: server 's': 'check-proto h2' needs an HTTP health check");
	expect_error(HEAD "backend b\n  option httpchk\n  server s 127.0.0.1:80 check-proto h3\n",
		     "invalid value 'h3' for 'check-proto'");
	expect_error(HEAD "backend b\n  option tcp-check\n  tcp-check connect proto h2\n",
		     "unknown TCP protocol 'h2'");
}
END_TEST

START_TEST(test_adhoc)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct lb_check_adhoc a = { .type = "http", .proto = "h2" };
	struct lb_check_spec *spec;
	char *e = NULL;

	spec = lb_check_spec_adhoc(&a, (struct sockaddr *)&sin, sizeof(sin), &e);
	ck_assert_ptr_nonnull(spec);
	ck_assert_str_eq(lb_check_spec_describe(spec), "http+h2");
	lb_check_spec_free(spec);
	a.type = "tls";
	spec = lb_check_spec_adhoc(&a, (struct sockaddr *)&sin, sizeof(sin), &e);
	ck_assert_ptr_nonnull(spec);
	ck_assert_str_eq(lb_check_spec_describe(spec), "http+tls+h2");
	lb_check_spec_free(spec);
	a.type = "redis";
	ck_assert_ptr_null(lb_check_spec_adhoc(&a, (struct sockaddr *)&sin, sizeof(sin), &e));
	ck_assert_ptr_nonnull(strstr(e, "needs an HTTP check"));
	free(e);
}
END_TEST

static Suite *
h2_suite(void)
{
	Suite *s = suite_create("check_h2");
	TCase *tc = tcase_create("check_h2");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_request);
	tcase_add_test(tc, test_request_defaults);
	tcase_add_test(tc, test_response);
	tcase_add_test(tc, test_response_503_and_interim);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_large_body_bounded);
	tcase_add_test(tc, test_flood);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_second_request);
	suite_add_tcase(s, tc);
	tc = tcase_create("specs");
	tcase_add_test(tc, test_specs);
	tcase_add_test(tc, test_adhoc);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(h2_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

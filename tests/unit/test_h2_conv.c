/* tests/unit/test_h2_conv.c: HTTP/1.1 <-> HTTP/2 conversions (lbd/h2_conv.c)
 *
 * The bytes the h1 pipeline receives for an h2 request (and sends for a response) decide
 * what servers see and what rules match, so each case compares whole messages. Inputs are
 * copied into heap blocks of their exact size so that AddressSanitizer sees any overread.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2_conv.h"

static struct lbd_h2_fields fl;

static void
fields(const char *const *nv)
{
	lbd_h2_fields_reset(&fl);
	for (; *nv; nv += 2)
		ck_assert_int_eq(lbd_h2_fields_add(&fl, (const uint8_t *)nv[0], strlen(nv[0]),
						   (const uint8_t *)nv[1], strlen(nv[1])), 0);
}

static void
setup(void)
{
	ck_assert(lbd_h2_fields_init(&fl, 4096, 32, 4096));
}

static void
teardown(void)
{
	lbd_h2_fields_free(&fl);
}

static const char *
req(unsigned flags, bool *chunked, const char **why)
{
	static char out[4096];
	long n = lbd_h2_to_h1_request(&fl, flags, out, sizeof(out) - 1, chunked, why);
	if (n < 0)
		return NULL;
	out[n] = '\0';
	return out;
}

START_TEST(test_request_head)
{
	static const char *const nv[] = {
		":method", "GET", ":scheme", "https", ":authority", "a.example:8443",
		":path", "/p?q=1", "user-agent", "t", "cookie", "a=1", "accept", "*/*",
		"cookie", "b=2", NULL,
	};
	bool chunked;
	const char *why = NULL;

	fields(nv);
	ck_assert_str_eq(req(0, &chunked, &why),
			 "GET /p?q=1 HTTP/1.1\r\nhost: a.example:8443\r\nuser-agent: t\r\n"
			 "accept: */*\r\ncookie: a=1; b=2\r\n\r\n");
	ck_assert(!chunked);
}
END_TEST

START_TEST(test_request_body)
{
	static const char *const with_cl[] = {
		":method", "POST", ":path", "/u", ":authority", "h", "content-length", "5", NULL,
	};
	static const char *const without[] = {
		":method", "POST", ":path", "/u", ":authority", "h", NULL,
	};
	bool chunked;
	const char *why;

	fields(with_cl);
	ck_assert_str_eq(req(LBD_H2W_BODY, &chunked, &why),
			 "POST /u HTTP/1.1\r\nhost: h\r\ncontent-length: 5\r\n\r\n");
	ck_assert(!chunked);
	fields(without);
	ck_assert_str_eq(req(LBD_H2W_BODY, &chunked, &why),
			 "POST /u HTTP/1.1\r\nhost: h\r\ntransfer-encoding: chunked\r\n\r\n");
	ck_assert(chunked);
}
END_TEST

START_TEST(test_request_host_and_smuggling)
{
	/* no :authority: the Host field stands; transfer-encoding and connection fields never
	 * cross (nghttp2 refuses them, and lbd decides the framing itself) */
	static const char *const nv[] = {
		":method", "GET", ":path", "/", "host", "h2.example",
		"transfer-encoding", "chunked", "connection", "close", NULL,
	};
	static const char *const both[] = {
		":method", "GET", ":path", "/", ":authority", "right", "host", "wrong", NULL,
	};
	bool chunked;
	const char *why;

	fields(nv);
	ck_assert_str_eq(req(0, &chunked, &why), "GET / HTTP/1.1\r\nhost: h2.example\r\n\r\n");
	fields(both);
	ck_assert_str_eq(req(0, &chunked, &why), "GET / HTTP/1.1\r\nhost: right\r\n\r\n");
}
END_TEST

START_TEST(test_request_refused)
{
	static const char *const connect[] = { ":method", "CONNECT", ":authority", "h:443", NULL };
	static const char *const nopath[] = { ":method", "GET", ":authority", "h", NULL };
	char small[16];
	bool chunked;
	const char *why = NULL;
	static const char *const ok[] = { ":method", "GET", ":path", "/long/path", NULL };

	fields(connect);
	ck_assert_ptr_null(req(0, &chunked, &why));
	ck_assert_str_eq(why, "CONNECT over HTTP/2");
	fields(nopath);
	ck_assert_ptr_null(req(0, &chunked, &why));
	ck_assert_str_eq(why, "no :path");
	fields(ok);
	ck_assert_int_eq(lbd_h2_to_h1_request(&fl, 0, small, sizeof(small), &chunked, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "larger"));
}
END_TEST

START_TEST(test_fields_bounds)
{
	struct lbd_h2_fields small;
	char v[100];

	memset(v, 'x', sizeof(v));
	ck_assert(lbd_h2_fields_init(&small, 1000, 4, 300));
	/* the decoded size counts 32 bytes per field (RFC 9113): 2 x (1+100+32) fits in 300,
	 * a third does not */
	ck_assert_int_eq(lbd_h2_fields_add(&small, (const uint8_t *)"a", 1, (uint8_t *)v, 100), 0);
	ck_assert_int_eq(lbd_h2_fields_add(&small, (const uint8_t *)"b", 1, (uint8_t *)v, 100), 0);
	ck_assert_int_eq(lbd_h2_fields_add(&small, (const uint8_t *)"c", 1, (uint8_t *)v, 100), -1);
	lbd_h2_fields_reset(&small);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(lbd_h2_fields_add(&small, (const uint8_t *)"a", 1,
						   (const uint8_t *)"", 0), 0);
	ck_assert_int_eq(lbd_h2_fields_add(&small, (const uint8_t *)"a", 1,
					   (const uint8_t *)"", 0), -1);	/* count */
	lbd_h2_fields_free(&small);
}
END_TEST

START_TEST(test_response_head)
{
	static const char *const nv[] = {
		":status", "200", "content-type", "text/plain", "set-cookie", "a=1", NULL,
	};
	static const char *const bad[] = { ":status", "2x0", NULL };
	char out[512];
	bool chunked;
	const char *why;
	long n;

	fields(nv);
	n = lbd_h2_to_h1_response(&fl, LBD_H2W_BODY, out, sizeof(out), &chunked, &why);
	ck_assert_int_gt(n, 0);
	out[n] = '\0';
	ck_assert_str_eq(out, "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nset-cookie: a=1\r\n"
			      "transfer-encoding: chunked\r\n\r\n");
	n = lbd_h2_to_h1_response(&fl, LBD_H2W_BODY | LBD_H2W_HEAD_REQ, out, sizeof(out),
				  &chunked, &why);
	ck_assert(!chunked);
	fields(bad);
	ck_assert_int_eq(lbd_h2_to_h1_response(&fl, 0, out, sizeof(out), &chunked, &why), -1);
}
END_TEST

START_TEST(test_last_chunk)
{
	static const char *const nv[] = { "grpc-status", "0", "grpc-message", "ok", NULL };
	char out[256];
	long n;

	fields(nv);
	n = lbd_h2_to_h1_last_chunk(&fl, out, sizeof(out));
	out[n] = '\0';
	ck_assert_str_eq(out, "0\r\ngrpc-status: 0\r\ngrpc-message: ok\r\n\r\n");
	n = lbd_h2_to_h1_last_chunk(NULL, out, sizeof(out));
	out[n] = '\0';
	ck_assert_str_eq(out, "0\r\n\r\n");
	ck_assert_uint_eq(lbd_h2_chunk_head(out, 0x1a2b), 6);
	ck_assert(!memcmp(out, "1a2b\r\n", 6));
}
END_TEST

static int
h1_to_nv(const char *head, bool request, nghttp2_nv *nv, char *scratch)
{
	struct lb_http1_hdr hdrs[32];
	struct lb_http1_msg msg = { .hdrs = hdrs, .max_hdrs = 32 };
	struct lb_http1_error err;
	size_t len = strlen(head);
	char *buf = malloc(len);
	int n;

	memcpy(buf, head, len);
	if (request)
		ck_assert_int_eq(lb_http1_parse_request(buf, len, &msg, &err), 0);
	else
		ck_assert_int_eq(lb_http1_parse_response(buf, len, LB_METH_GET, &msg, &err), 0);
	n = lbd_h1_to_h2_head(buf, &msg, request, "https", nv, 16, scratch, 256);
	/* the values point into buf: copy what the test compares before freeing it */
	static char keep[1024];
	size_t k = 0;
	for (int i = 0; i < n; i++) {
		memcpy(keep + k, nv[i].value, nv[i].valuelen);
		nv[i].value = (uint8_t *)keep + k;
		k += nv[i].valuelen;
	}
	free(buf);
	return n;
}

static void
nv_is(const nghttp2_nv *nv, const char *name, const char *value)
{
	ck_assert_uint_eq(nv->namelen, strlen(name));
	ck_assert(!memcmp(nv->name, name, nv->namelen));
	ck_assert_uint_eq(nv->valuelen, strlen(value));
	ck_assert(!memcmp(nv->value, value, nv->valuelen));
}

START_TEST(test_h1_request_to_h2)
{
	nghttp2_nv nv[16];
	char scratch[256];
	int n = h1_to_nv("POST /a?b HTTP/1.1\r\nHost: x.example\r\nConnection: keep-alive, X-Hop\r\n"
			 "X-Hop: 1\r\nTE: trailers\r\nContent-Type: text/plain\r\n"
			 "Transfer-Encoding: chunked\r\n\r\n", true, nv, scratch);

	ck_assert_int_eq(n, 6);
	nv_is(&nv[0], ":method", "POST");
	nv_is(&nv[1], ":scheme", "https");
	nv_is(&nv[2], ":authority", "x.example");
	nv_is(&nv[3], ":path", "/a?b");
	nv_is(&nv[4], "te", "trailers");
	nv_is(&nv[5], "content-type", "text/plain");
	n = h1_to_nv("GET http://abs.example:81/p HTTP/1.1\r\nHost: ignored\r\n\r\n", true, nv,
		     scratch);
	ck_assert_int_eq(n, 4);
	nv_is(&nv[2], ":authority", "abs.example:81");
	nv_is(&nv[3], ":path", "/p");
}
END_TEST

START_TEST(test_h1_response_to_h2)
{
	nghttp2_nv nv[16];
	char scratch[256];
	int n = h1_to_nv("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nKeep-Alive: timeout=5\r\n"
			 "Server: S\r\n\r\n", false, nv, scratch);

	ck_assert_int_eq(n, 3);
	nv_is(&nv[0], ":status", "404");
	nv_is(&nv[1], "content-length", "3");
	nv_is(&nv[2], "server", "S");
	/* names are lowercased 8 bytes at a time: letters only, the token characters next to
	 * them in ASCII ('^', '_', '`', '|', '~') and digits kept, whatever the length */
	n = h1_to_nv("HTTP/1.1 200 OK\r\nX-AZaz^_`|~09-MIXED-Case-Name: V\r\nABCDEFGH: W\r\n"
		     "Ab: x\r\n\r\n", false, nv, scratch);
	ck_assert_int_eq(n, 4);
	nv_is(&nv[1], "x-azaz^_`|~09-mixed-case-name", "V");
	nv_is(&nv[2], "abcdefgh", "W");
	nv_is(&nv[3], "ab", "x");
}
END_TEST

START_TEST(test_trailers_to_h2)
{
	char t[] = "Grpc-Status: 0\r\nContent-Length: 9\r\nX-A:  v \r\n\r\n";
	char bad[] = "no colon\r\n";
	nghttp2_nv nv[4];
	int n = lbd_h1_trailers_to_h2(t, strlen(t), nv, 4);

	ck_assert_int_eq(n, 2);
	nv_is(&nv[0], "grpc-status", "0");
	nv_is(&nv[1], "x-a", "v");
	ck_assert_int_eq(lbd_h1_trailers_to_h2(bad, strlen(bad), nv, 4), -1);
}
END_TEST

/* Decodes a whole chunked body fed in pieces of `step` bytes. */
static long
dechunk_all(const char *body, size_t step, char *data, size_t *dlen, char *tr, size_t *tlen)
{
	struct lbd_dechunk d = { 0 };
	size_t len = strlen(body), at = 0;

	*dlen = *tlen = 0;
	while (at < len && !d.done) {
		size_t piece = step < len - at ? step : len - at;
		char *p = malloc(piece);
		size_t used = 0;
		memcpy(p, body + at, piece);
		while (used < piece) {
			enum lbd_dechunk_kind kind;
			size_t off, sl;
			long k = lbd_dechunk_step(&d, p + used, piece - used, &kind, &off, &sl);
			if (k < 0) {
				free(p);
				return -1;
			}
			if (kind == LBD_DC_DATA) {
				memcpy(data + *dlen, p + used + off, sl);
				*dlen += sl;
			} else if (kind == LBD_DC_TRAILER) {
				memcpy(tr + *tlen, p + used + off, sl);
				*tlen += sl;
			}
			used += (size_t)k;
			if (kind == LBD_DC_END)
				break;
		}
		free(p);
		at += used;
	}
	return d.done ? (long)at : 0;
}

START_TEST(test_dechunk)
{
	const char *body = "5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n"
			   "grpc-status: 0\r\nx: y\r\n\r\nNEXT";
	char data[64], tr[64];
	size_t dl, tl;

	for (size_t step = 1; step <= strlen(body); step++) {
		long used = dechunk_all(body, step, data, &dl, tr, &tl);
		ck_assert_int_eq(used, (long)strlen(body) - 4);	/* stops before NEXT */
		ck_assert_uint_eq(dl, 31);
		ck_assert(!memcmp(data, "helloabcdefghijklmnopqrstuvwxyz", 31));
		ck_assert_uint_eq(tl, 22);
		ck_assert(!memcmp(tr, "grpc-status: 0\r\nx: y\r\n", 22));
	}
	ck_assert_int_eq(dechunk_all("0\r\n\r\n", 1, data, &dl, tr, &tl), 5);
	ck_assert_int_eq(dechunk_all("zz\r\n", 4, data, &dl, tr, &tl), -1);
	ck_assert_int_eq(dechunk_all("3\r\nabcX\r\n", 16, data, &dl, tr, &tl), -1);
	ck_assert_int_eq(dechunk_all("1234567890abcdef0\r\n", 32, data, &dl, tr, &tl), -1);
}
END_TEST

static Suite *
h2_conv_suite(void)
{
	Suite *s = suite_create("h2_conv");
	TCase *tc = tcase_create("h2 to h1");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_request_head);
	tcase_add_test(tc, test_request_body);
	tcase_add_test(tc, test_request_host_and_smuggling);
	tcase_add_test(tc, test_request_refused);
	tcase_add_test(tc, test_fields_bounds);
	tcase_add_test(tc, test_response_head);
	tcase_add_test(tc, test_last_chunk);
	suite_add_tcase(s, tc);
	tc = tcase_create("h1 to h2");
	tcase_add_test(tc, test_h1_request_to_h2);
	tcase_add_test(tc, test_h1_response_to_h2);
	tcase_add_test(tc, test_trailers_to_h2);
	tcase_add_test(tc, test_dechunk);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(h2_conv_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

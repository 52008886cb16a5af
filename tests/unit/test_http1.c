/* tests/unit/test_http1.c: the strict HTTP/1 head parser and chunk scanner (lbd/http1.c) */
/*
 * Mostly tables: each row is a whole message head with the verdict expected (status,
 * reason, fault offset) or the fields expected from a good parse. Every message is copied
 * into a heap block of exactly its size, so AddressSanitizer catches any read past the end.
 * LB_HTTP1_BENCH=N runs the speed test with N iterations (default: skipped).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http1.h"

#define RAW(s) .raw = s, .len = sizeof(s) - 1
#define TEST_MAX_HDRS 16

/* ---- helpers ---- */

static char *
dup_exact(const char *p, size_t len)
{
	char *b = malloc(len ? len : 1);

	ck_assert_ptr_nonnull(b);
	memcpy(b, p, len);
	return b;
}

/* Value of header i as a NUL-terminated string (static buffer, tests only). */
static const char *
hval(const char *buf, const struct lb_http1_msg *msg, int i)
{
	static char v[256];
	size_t n = msg->hdrs[i].value_len;

	ck_assert_uint_lt(n, sizeof(v));
	memcpy(v, buf + msg->hdrs[i].value_off, n);
	v[n] = '\0';
	return v;
}

/* Feeds `raw` to lb_http1_head_end one byte more at a time and checks the answer is 0
 * until the whole message is there, and exactly `want` then. */
static void
check_head_end_incremental(const char *raw, size_t len, size_t want)
{
	size_t scan = 0;

	for (size_t n = 1; n <= len; n++) {
		char *b = dup_exact(raw, n);
		size_t hl = lb_http1_head_end(b, n, &scan);

		free(b);
		if (n < want)
			ck_assert_msg(hl == 0, "head end %zu found early at %zu", hl, n);
		else if (n >= want) {
			ck_assert_uint_eq(hl, want);
			return;
		}
	}
	ck_assert_msg(want == 0, "head end never found");
}

/* ---- requests ---- */

struct req_case {
	const char *name;
	const char *raw;
	size_t len;
	unsigned max_hdrs;	/* 0: TEST_MAX_HDRS */
	int status;		/* 0: accepted; else the expected err.status */
	const char *reason;	/* substring of err.reason */
	int off;		/* expected err.offset, -1: not checked */
	/* accepted messages */
	enum lb_http_meth meth;
	int version;
	uint32_t flags;		/* exact msg.flags */
	enum lb_http1_body body;
	uint64_t cl;
	unsigned nhdrs;
	const char *uri;	/* NULL: not checked */
	const char *host;	/* Host value, NULL: not checked */
};

#define H LB_MSG_F_HAS_HOST

static const struct req_case req_cases[] = {
	/* ---- accepted ---- */
	{ "GET with Host", RAW("GET /index.html HTTP/1.1\r\nHost: example.com\r\n"
			       "User-Agent: t\r\n\r\n"),
	  .meth = LB_METH_GET, .version = 11, .flags = H, .nhdrs = 2, .uri = "/index.html",
	  .host = "example.com" },
	{ "POST with Content-Length",
	  RAW("POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"),
	  .meth = LB_METH_POST, .version = 11, .flags = H | LB_MSG_F_HAS_CL,
	  .body = LB_BODY_LENGTH, .cl = 5, .nhdrs = 2 },
	{ "Content-Length 0", RAW("PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
	  .meth = LB_METH_PUT, .version = 11, .flags = H | LB_MSG_F_HAS_CL,
	  .body = LB_BODY_LENGTH, .cl = 0, .nhdrs = 2 },
	{ "Content-Length UINT64_MAX",
	  RAW("POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551615\r\n\r\n"),
	  .meth = LB_METH_POST, .version = 11, .flags = H | LB_MSG_F_HAS_CL,
	  .body = LB_BODY_LENGTH, .cl = UINT64_MAX, .nhdrs = 2 },
	{ "chunked", RAW("POST /f HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"),
	  .meth = LB_METH_POST, .version = 11, .flags = H | LB_MSG_F_HAS_TE,
	  .body = LB_BODY_CHUNKED, .nhdrs = 2 },
	{ "chunked, any case, TE trailers",
	  RAW("POST /f HTTP/1.1\r\nhost: a\r\ntransfer-encoding:  ChUnKeD \r\nTE: trailers\r\n\r\n"
	      ""),
	  .meth = LB_METH_POST, .version = 11, .flags = H | LB_MSG_F_HAS_TE,
	  .body = LB_BODY_CHUNKED, .nhdrs = 3 },
	{ "absolute-form", RAW("GET http://example.com/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n"),
	  .meth = LB_METH_GET, .version = 11, .flags = H | LB_MSG_F_ABS_URI, .nhdrs = 1,
	  .uri = "http://example.com/x?y" },
	{ "CONNECT authority-form",
	  RAW("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
	  .meth = LB_METH_CONNECT, .version = 11, .flags = H, .nhdrs = 1,
	  .uri = "example.com:443" },
	{ "CONNECT IPv6", RAW("CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n"),
	  .meth = LB_METH_CONNECT, .version = 11, .flags = H, .nhdrs = 1, .host = "[::1]:8443" },
	{ "OPTIONS *", RAW("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .meth = LB_METH_OPTIONS, .version = 11, .flags = H, .nhdrs = 1, .uri = "*" },
	{ "HTTP/1.0 without Host", RAW("GET / HTTP/1.0\r\n\r\n"),
	  .meth = LB_METH_GET, .version = 10, .flags = 0, .nhdrs = 0 },
	{ "HTTP/1.0 keep-alive", RAW("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"),
	  .meth = LB_METH_GET, .version = 10, .flags = LB_MSG_F_CONN_KEEPALIVE, .nhdrs = 1 },
	{ "HTTP/1.0 with Content-Length", RAW("POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\n"),
	  .meth = LB_METH_POST, .version = 10, .flags = LB_MSG_F_HAS_CL, .body = LB_BODY_LENGTH,
	  .cl = 3, .nhdrs = 1 },
	{ "HTTP/1.2 is treated as 1.1", RAW("GET / HTTP/1.2\r\nHost: a\r\n\r\n"),
	  .meth = LB_METH_GET, .version = 11, .flags = H, .nhdrs = 1 },
	{ "Connection: close", RAW("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
	  .meth = LB_METH_GET, .version = 11, .flags = H | LB_MSG_F_CONN_CLOSE, .nhdrs = 2 },
	{ "Expect 100-continue",
	  RAW("PUT /u HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\nExpect: 100-Continue\r\n\r\n"),
	  .meth = LB_METH_PUT, .version = 11, .flags = H | LB_MSG_F_HAS_CL | LB_MSG_F_EXPECT_100,
	  .body = LB_BODY_LENGTH, .cl = 10, .nhdrs = 3 },
	{ "Upgrade websocket",
	  RAW("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\n"
	      "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n"),
	  .meth = LB_METH_GET, .version = 11,
	  .flags = H | LB_MSG_F_CONN_KEEPALIVE | LB_MSG_F_CONN_UPGRADE, .nhdrs = 4 },
	{ "Connection upgrade without Upgrade header",
	  RAW("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n"),
	  .meth = LB_METH_GET, .version = 11, .flags = H, .nhdrs = 2 },
	{ "Upgrade header without Connection token",
	  RAW("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\n\r\n"),
	  .meth = LB_METH_GET, .version = 11, .flags = H, .nhdrs = 2 },
	{ "LF-only lines", RAW("GET /lf HTTP/1.1\nHost: a\nX: y\n\n"),
	  .meth = LB_METH_GET, .version = 11, .flags = H, .nhdrs = 2, .host = "a" },
	{ "mixed CRLF and LF", RAW("GET /m HTTP/1.1\r\nHost: a\nX: y\r\n\n"),
	  .meth = LB_METH_GET, .version = 11, .flags = H, .nhdrs = 2 },
	{ "obs-text and HTAB in values",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX-Name: caf\xc3\xa9\tau\xff lait\r\n\r\n"),
	  .meth = LB_METH_GET, .version = 11, .flags = H, .nhdrs = 2 },
	{ "repeated equal Content-Length in one header",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5,5\r\n\r\n"),
	  .meth = LB_METH_POST, .version = 11, .flags = H | LB_MSG_F_HAS_CL,
	  .body = LB_BODY_LENGTH, .cl = 5, .nhdrs = 2 },
	{ "two equal Content-Length headers",
	  RAW("POST / HTTP/1.1\r\nContent-Length: 7\r\nHost: a\r\ncontent-length: 007\r\n\r\n"),
	  .meth = LB_METH_POST, .version = 11, .flags = H | LB_MSG_F_HAS_CL,
	  .body = LB_BODY_LENGTH, .cl = 7, .nhdrs = 3 },
	{ "header count exactly at the limit",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n"), .max_hdrs = 3,
	  .meth = LB_METH_GET, .version = 11, .flags = H, .nhdrs = 3 },
	{ "leading empty lines", RAW("\r\n\nGET /e HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .meth = LB_METH_GET, .version = 11, .flags = H, .nhdrs = 1, .uri = "/e" },
	{ "OWS trimmed around values", RAW("GET / HTTP/1.1\r\nHost: \t example.org \t \r\n\r\n"),
	  .meth = LB_METH_GET, .version = 11, .flags = H, .nhdrs = 1, .host = "example.org" },
	{ "empty Host", RAW("GET / HTTP/1.1\r\nHost:\r\n\r\n"),
	  .meth = LB_METH_GET, .version = 11, .flags = H, .nhdrs = 1, .host = "" },
	{ "unknown method", RAW("PURGE /x HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .meth = LB_METH_OTHER, .version = 11, .flags = H, .nhdrs = 1 },
	{ "methods are case-sensitive", RAW("get / HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .meth = LB_METH_OTHER, .version = 11, .flags = H, .nhdrs = 1 },
	{ "empty header value and odd tchar names",
	  RAW("DELETE /x HTTP/1.1\r\nHost: a\r\nX-E:\r\n!#$%&'*+-.^_`|~09: v\r\n\r\n"),
	  .meth = LB_METH_DELETE, .version = 11, .flags = H, .nhdrs = 3 },
	{ "URI with every visible ASCII byte",
	  RAW("GET /!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~ HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .meth = LB_METH_GET, .version = 11, .flags = H, .nhdrs = 1 },

	/* ---- rejected: bytes ---- */
	{ "bare CR in the request line", RAW("GET / HTTP/1.1\rHost: a\r\n\r\n"),
	  .status = 400, .reason = "bare CR", .off = 14 },
	{ "bare CR in a value", RAW("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"),
	  .status = 400, .reason = "bare CR", .off = 23 },
	{ "bare CR line", RAW("GET / HTTP/1.1\r\nHost: a\r\n\rX: b\r\n\r\n"),
	  .status = 400, .reason = "bare CR", .off = 25 },
	{ "bare CR before the request line", RAW("\rGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .status = 400, .reason = "bare CR", .off = 0 },
	{ "NUL in a value", RAW("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"),
	  .status = 400, .reason = "NUL", .off = 29 },
	{ "NUL in the target", RAW("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .status = 400, .reason = "NUL", .off = 6 },
	{ "NUL in a name", RAW("GET / HTTP/1.1\r\nHost: a\r\nX\0: a\r\n\r\n"),
	  .status = 400, .reason = "NUL", .off = 26 },
	{ "control byte in a value", RAW("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01\r\n\r\n"),
	  .status = 400, .reason = "control", .off = 29 },
	{ "DEL in a value", RAW("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n"),
	  .status = 400, .reason = "control", .off = 29 },
	{ "obs-text in the target", RAW("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .status = 400, .reason = "request target", .off = 8 },
	{ "obs-text deep in a long target",
	  RAW("GET /0123456789abcdef0123456789\x80 HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .status = 400, .reason = "request target", .off = 31 },
	{ "DEL deep in a long target",
	  RAW("GET /0123456789abcdef0123456789\x7f HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .status = 400, .reason = "control", .off = 31 },
	{ "control byte deep in a long value",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX: 0123456789abcdef0123456789\x1f\r\n\r\n"),
	  .status = 400, .reason = "control", .off = 54 },
	{ "DEL deep in a long value",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX: 0123456789abcdef\xff\xfe" "0123456789\x7f\r\n\r\n"),
	  .status = 400, .reason = "control", .off = 56 },
	{ "bare CR deep in a long value",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX: 0123456789abcdef0123456789\rX\r\n\r\n"),
	  .status = 400, .reason = "bare CR", .off = 54 },
	{ "incomplete head", RAW("GET / HTTP/1.1\r\nHost: a\r\n"),
	  .status = 400, .reason = "incomplete", .off = 25 },
	{ "no final LF", RAW("GET / HTTP/1.1\r\nHost: a\r\n\r"),
	  .status = 400, .reason = "incomplete", .off = 26 },
	{ "only empty lines", RAW("\r\n\r\n"), .status = 400, .reason = "incomplete", .off = 4 },

	/* ---- rejected: header syntax ---- */
	{ "obs-fold", RAW("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n"),
	  .status = 400, .reason = "folding", .off = 31 },
	{ "obs-fold with HTAB", RAW("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n"),
	  .status = 400, .reason = "folding", .off = 31 },
	{ "whitespace after the request line", RAW("GET / HTTP/1.1\r\n Host: a\r\n\r\n"),
	  .status = 400, .reason = "folding", .off = 16 },
	{ "space before the colon", RAW("GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
	  .status = 400, .reason = "whitespace between field name and colon", .off = 20 },
	{ "tab before the colon", RAW("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n"),
	  .status = 400, .reason = "whitespace between field name and colon", .off = 20 },
	{ "empty field name", RAW("GET / HTTP/1.1\r\nHost: a\r\n: a\r\n\r\n"),
	  .status = 400, .reason = "empty field name", .off = 25 },
	{ "non-tchar in a name", RAW("GET / HTTP/1.1\r\nHost: a\r\nX(y): a\r\n\r\n"),
	  .status = 400, .reason = "field name", .off = 26 },
	{ "obs-text in a name", RAW("GET / HTTP/1.1\r\nHost: a\r\nX\xe9: a\r\n\r\n"),
	  .status = 400, .reason = "field name", .off = 26 },
	{ "line without colon", RAW("GET / HTTP/1.1\r\nHost: a\r\nXY\r\n\r\n"),
	  .status = 400, .reason = "without colon", .off = 27 },
	{ "too many headers", RAW("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"),
	  .max_hdrs = 3, .status = 431, .reason = "too many", .off = 37 },

	/* ---- rejected: request line ---- */
	{ "two spaces after the method", RAW("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .status = 400, .reason = "more than one space", .off = 4 },
	{ "two spaces before the version", RAW("GET /  HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .status = 400, .reason = "version", .off = 6 },
	{ "tab after the method", RAW("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .status = 400, .reason = "method", .off = 3 },
	{ "non-tchar in the method", RAW("G@T / HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .status = 400, .reason = "method", .off = 1 },
	{ "HTTP/0.9 request", RAW("GET /\r\n\r\n"),
	  .status = 400, .reason = "missing HTTP version", .off = 5 },
	{ "missing target", RAW("GET \r\nHost: a\r\n\r\n"),
	  .status = 400, .reason = "missing request target", .off = 4 },
	{ "HTTP/2.0 over h1", RAW("GET / HTTP/2.0\r\nHost: a\r\n\r\n"),
	  .status = 505, .reason = "not supported", .off = 6 },
	{ "HTTP/0.9 version", RAW("GET / HTTP/0.9\r\nHost: a\r\n\r\n"),
	  .status = 505, .reason = "not supported", .off = 6 },
	{ "lower-case version", RAW("GET / http/1.1\r\nHost: a\r\n\r\n"),
	  .status = 400, .reason = "invalid HTTP version", .off = 6 },
	{ "version without minor", RAW("GET / HTTP/11\r\nHost: a\r\n\r\n"),
	  .status = 400, .reason = "invalid HTTP version", .off = 6 },
	{ "junk after the version", RAW("GET / HTTP/1.1x\r\nHost: a\r\n\r\n"),
	  .status = 400, .reason = "junk", .off = 14 },
	{ "space after the version", RAW("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"),
	  .status = 400, .reason = "junk", .off = 14 },
	{ "asterisk-form with GET", RAW("GET * HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .status = 400, .reason = "asterisk", .off = 4 },
	{ "authority-form with GET", RAW("GET example.com:80 HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .status = 400, .reason = "invalid request target", .off = 4 },
	{ "relative target", RAW("GET index.html HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .status = 400, .reason = "invalid request target", .off = 4 },
	{ "CONNECT with origin-form", RAW("CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .status = 400, .reason = "authority-form", .off = 8 },
	{ "CONNECT without port", RAW("CONNECT example.com HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .status = 400, .reason = "authority-form", .off = 8 },
	{ "CONNECT with userinfo", RAW("CONNECT u@example.com:443 HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .status = 400, .reason = "authority-form", .off = 8 },

	/* ---- rejected: framing ---- */
	{ "Content-Length and Transfer-Encoding",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n"
	      "\r\n"),
	  .status = 400, .reason = "both Content-Length and Transfer-Encoding", .off = 45 },
	{ "Transfer-Encoding and Content-Length",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n"
	      "\r\n"),
	  .status = 400, .reason = "both Content-Length and Transfer-Encoding", .off = 54 },
	{ "Content-Length not a number",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n"),
	  .status = 400, .reason = "invalid Content-Length", .off = 42 },
	{ "Content-Length with sign",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n"),
	  .status = 400, .reason = "invalid Content-Length", .off = 42 },
	{ "negative Content-Length",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"),
	  .status = 400, .reason = "invalid Content-Length", .off = -1 },
	{ "empty Content-Length", RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n"),
	  .status = 400, .reason = "invalid Content-Length", .off = -1 },
	{ "Content-Length with a space inside",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n"),
	  .status = 400, .reason = "invalid Content-Length", .off = 44 },
	{ "Content-Length with empty list element",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,\r\n\r\n"),
	  .status = 400, .reason = "invalid Content-Length", .off = -1 },
	{ "Content-Length in hex",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n"),
	  .status = 400, .reason = "invalid Content-Length", .off = 43 },
	{ "Content-Length overflow",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551616\r\n\r\n"),
	  .status = 400, .reason = "too large", .off = 61 },
	{ "differing Content-Length in one header",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n"),
	  .status = 400, .reason = "conflicting Content-Length", .off = 45 },
	{ "differing Content-Length headers",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
	  .status = 400, .reason = "conflicting Content-Length", .off = 61 },
	{ "Transfer-Encoding gzip",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n"),
	  .status = 400, .reason = "not chunked", .off = 26 },
	{ "chunked not last",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
	  .status = 400, .reason = "not chunked", .off = 26 },
	{ "chunked not last over two headers",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	      "Transfer-Encoding: gzip\r\n\r\n"),
	  .status = 400, .reason = "not chunked", .off = 26 },
	{ "empty Transfer-Encoding",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n"),
	  .status = 400, .reason = "not chunked", .off = 26 },
	{ "unknown coding before chunked",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
	  .status = 501, .reason = "unsupported transfer coding", .off = 26 },
	{ "chunked twice",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
	  .status = 400, .reason = "more than once", .off = 26 },
	{ "chunked twice over two headers",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	      "Transfer-Encoding: chunked\r\n\r\n"),
	  .status = 400, .reason = "more than once", .off = 26 },
	{ "parameters on chunked",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n"),
	  .status = 400, .reason = "parameters", .off = 52 },
	{ "invalid coding",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chun ked\r\n\r\n"),
	  .status = 400, .reason = "invalid Transfer-Encoding", .off = 50 },
	{ "Transfer-Encoding in HTTP/1.0",
	  RAW("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
	  .status = 400, .reason = "HTTP/1.0", .off = 17 },

	/* ---- rejected: Host ---- */
	{ "missing Host", RAW("GET / HTTP/1.1\r\nX: a\r\n\r\n"),
	  .status = 400, .reason = "missing Host", .off = 16 },
	{ "missing Host with absolute-form", RAW("GET http://a/ HTTP/1.1\r\n\r\n"),
	  .status = 400, .reason = "missing Host", .off = -1 },
	{ "two Host headers", RAW("GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n"),
	  .status = 400, .reason = "more than one Host", .off = 25 },
	{ "space in Host", RAW("GET / HTTP/1.1\r\nHost: exa mple.com\r\n\r\n"),
	  .status = 400, .reason = "invalid character in Host", .off = 25 },
	{ "slash in Host", RAW("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"),
	  .status = 400, .reason = "invalid character in Host", .off = 23 },
	{ "at sign in Host", RAW("GET / HTTP/1.1\r\nHost: u@a\r\n\r\n"),
	  .status = 400, .reason = "invalid character in Host", .off = 23 },
	{ "obs-text in Host", RAW("GET / HTTP/1.1\r\nHost: caf\xc3\xa9\r\n\r\n"),
	  .status = 400, .reason = "invalid character in Host", .off = 25 },
};

START_TEST(test_request_table)
{
	const struct req_case *tc = &req_cases[_i];
	struct lb_http1_hdr hdrs[TEST_MAX_HDRS];
	struct lb_http1_msg msg;
	struct lb_http1_error err = { 0 };
	char *buf = dup_exact(tc->raw, tc->len);
	int rc;

	memset(&msg, 0xa5, sizeof(msg));	/* the parser must not rely on a zeroed msg */
	msg.hdrs = hdrs;
	msg.max_hdrs = tc->max_hdrs ? tc->max_hdrs : TEST_MAX_HDRS;
	rc = lb_http1_parse_request(buf, tc->len, &msg, &err);
	if (tc->status) {
		ck_assert_msg(rc == -1, "%s: accepted", tc->name);
		ck_assert_msg(err.status == tc->status, "%s: status %d, want %d (%s)", tc->name,
			      err.status, tc->status, err.reason);
		ck_assert_ptr_nonnull(err.reason);
		ck_assert_msg(strstr(err.reason, tc->reason), "%s: reason '%s', want '%s'",
			      tc->name, err.reason, tc->reason);
		if (tc->off >= 0)
			ck_assert_msg(err.offset == (uint32_t)tc->off, "%s: offset %u, want %d",
				      tc->name, err.offset, tc->off);
		ck_assert_uint_le(err.offset, tc->len);
		free(buf);
		return;
	}
	ck_assert_msg(rc == 0, "%s: rejected: %d %s at %u", tc->name, err.status, err.reason,
		      err.offset);
	ck_assert_int_eq(msg.meth, tc->meth);
	ck_assert_int_eq(msg.version, tc->version);
	ck_assert_msg(msg.flags == tc->flags, "%s: flags %#x, want %#x", tc->name, msg.flags,
		      tc->flags);
	ck_assert_int_eq(msg.body, tc->body);
	if (tc->body == LB_BODY_LENGTH)
		ck_assert_uint_eq(msg.content_length, tc->cl);
	ck_assert_uint_eq(msg.nhdrs, tc->nhdrs);
	ck_assert_uint_eq(msg.head_len, tc->len);
	ck_assert_uint_eq(lb_http1_head_end(buf, tc->len, &(size_t){ 0 }), tc->len);
	check_head_end_incremental(tc->raw, tc->len, tc->len);
	ck_assert_uint_lt(msg.start_len, msg.head_len);
	ck_assert(buf[msg.start_len - 1] == '\n');
	ck_assert(buf[msg.meth_off + msg.meth_len] == ' ');
	ck_assert(buf[msg.uri_off - 1] == ' ');
	ck_assert(!memcmp(buf + msg.uri_off + msg.uri_len, " HTTP/1.", 8));
	if (tc->uri) {
		ck_assert_uint_eq(msg.uri_len, strlen(tc->uri));
		ck_assert(!memcmp(buf + msg.uri_off, tc->uri, msg.uri_len));
	}
	if (msg.flags & LB_MSG_F_HAS_HOST) {
		ck_assert_int_ge(msg.host_idx, 0);
		ck_assert(msg.hdrs[msg.host_idx].flags & LB_HDR_F_HOST);
		if (tc->host)
			ck_assert_str_eq(hval(buf, &msg, msg.host_idx), tc->host);
	} else {
		ck_assert_int_eq(msg.host_idx, -1);
	}
	/* every header: name then ':' in the buffer; values trimmed */
	for (unsigned i = 0; i < msg.nhdrs; i++) {
		const struct lb_http1_hdr *h = &msg.hdrs[i];
		ck_assert(buf[h->name_off + h->name_len] == ':');
		if (h->value_len) {
			ck_assert(buf[h->value_off] != ' ' && buf[h->value_off] != '\t');
			ck_assert(buf[h->value_off + h->value_len - 1] != ' ');
			ck_assert(buf[h->value_off + h->value_len - 1] != '\t');
		}
	}
	free(buf);
}
END_TEST

/* Limits on line lengths need messages built at run time. */
static char *
build_long(const char *pre, size_t fill, char c, const char *post, size_t *len)
{
	size_t a = strlen(pre), b = strlen(post);
	char *m = malloc(a + fill + b);

	ck_assert_ptr_nonnull(m);
	memcpy(m, pre, a);
	memset(m + a, c, fill);
	memcpy(m + a + fill, post, b);
	*len = a + fill + b;
	return m;
}

START_TEST(test_request_limits)
{
	struct lb_http1_hdr hdrs[TEST_MAX_HDRS];
	struct lb_http1_msg msg = { .hdrs = hdrs, .max_hdrs = TEST_MAX_HDRS };
	struct lb_http1_error err;
	size_t len;
	char *m;

	/* request line of exactly 8192 bytes: "GET /" + fill + " HTTP/1.1" */
	m = build_long("GET /", 8192 - 5 - 9, 'a', " HTTP/1.1\r\nHost: a\r\n\r\n", &len);
	ck_assert_int_eq(lb_http1_parse_request(m, len, &msg, &err), 0);
	ck_assert_uint_eq(msg.uri_len, 8192 - 4 - 9);
	free(m);
	m = build_long("GET /", 8192 - 5 - 9 + 1, 'a', " HTTP/1.1\r\nHost: a\r\n\r\n", &len);
	ck_assert_int_eq(lb_http1_parse_request(m, len, &msg, &err), -1);
	ck_assert_int_eq(err.status, 414);
	ck_assert_uint_eq(err.offset, 4);
	free(m);

	/* header line of exactly 8192 bytes, then one more */
	m = build_long("GET / HTTP/1.1\r\nHost: a\r\nX: ", 8192 - 3, 'v', "\r\n\r\n", &len);
	ck_assert_int_eq(lb_http1_parse_request(m, len, &msg, &err), 0);
	ck_assert_uint_eq(msg.hdrs[1].value_len, 8192 - 3);
	free(m);
	m = build_long("GET / HTTP/1.1\r\nHost: a\r\nX: ", 8192 - 2, 'v', "\r\n\r\n", &len);
	ck_assert_int_eq(lb_http1_parse_request(m, len, &msg, &err), -1);
	ck_assert_int_eq(err.status, 431);
	ck_assert_uint_eq(err.offset, 25);
	free(m);
	/* a long name counts too */
	m = build_long("GET / HTTP/1.1\r\nHost: a\r\n", 9000, 'n', ": v\r\n\r\n", &len);
	ck_assert_int_eq(lb_http1_parse_request(m, len, &msg, &err), -1);
	ck_assert_int_eq(err.status, 431);
	free(m);

	/* the default header limit */
	{
		char big[LB_HTTP1_MAX_HDRS_DEFAULT * 8 + 64], *p = big;
		struct lb_http1_hdr many[LB_HTTP1_MAX_HDRS_DEFAULT];

		p += sprintf(p, "GET / HTTP/1.1\r\nHost: a\r\n");
		for (int i = 1; i < LB_HTTP1_MAX_HDRS_DEFAULT; i++)
			p += sprintf(p, "X%d: %d\r\n", i % 10, i % 10);
		p += sprintf(p, "\r\n");
		msg.hdrs = many;
		msg.max_hdrs = LB_HTTP1_MAX_HDRS_DEFAULT;
		ck_assert_int_eq(lb_http1_parse_request(big, (size_t)(p - big), &msg, &err), 0);
		ck_assert_uint_eq(msg.nhdrs, LB_HTTP1_MAX_HDRS_DEFAULT);
		msg.max_hdrs = LB_HTTP1_MAX_HDRS_DEFAULT - 1;
		ck_assert_int_eq(lb_http1_parse_request(big, (size_t)(p - big), &msg, &err), -1);
		ck_assert_int_eq(err.status, 431);
	}
	/* no header array at all */
	msg.hdrs = NULL;
	msg.max_hdrs = 5;
	ck_assert_int_eq(lb_http1_parse_request("GET / HTTP/1.0\r\n\r\n", 18, &msg, &err), 0);
	ck_assert_int_eq(lb_http1_parse_request("GET / HTTP/1.0\r\nA: b\r\n\r\n", 24, &msg, &err),
			 -1);
	ck_assert_int_eq(err.status, 431);
}
END_TEST

START_TEST(test_pipelined)
{
	static const char two[] = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
				  "POST /b HTTP/1.1\r\nHost: b\r\nContent-Length: 4\r\n\r\nbody"
				  "\r\nGET /c HTTP/1.1\r\nHost: c\r\n\r\n";
	struct lb_http1_hdr hdrs[TEST_MAX_HDRS];
	struct lb_http1_msg msg = { .hdrs = hdrs, .max_hdrs = TEST_MAX_HDRS };
	struct lb_http1_error err;
	size_t len = sizeof(two) - 1, pos = 0, scan = 0, hl;
	char *buf = dup_exact(two, len);
	const char *uris[] = { "/a", "/b", "/c" };

	for (int i = 0; i < 3; i++) {
		scan = 0;
		hl = lb_http1_head_end(buf + pos, len - pos, &scan);
		ck_assert_uint_gt(hl, 0);
		ck_assert_int_eq(lb_http1_parse_request(buf + pos, hl, &msg, &err), 0);
		ck_assert_uint_eq(msg.head_len, hl);
		ck_assert_uint_eq(msg.uri_len, 2);
		ck_assert(!memcmp(buf + pos + msg.uri_off, uris[i], 2));
		pos += hl;
		if (msg.body == LB_BODY_LENGTH) {
			ck_assert(!memcmp(buf + pos, "body", 4));
			pos += msg.content_length;
		}
	}
	ck_assert_uint_eq(pos, len);
	/* the stray CRLF after the body was skipped as leading empty line */
	free(buf);
}
END_TEST

/* Resumable head_end: split points, and empty lines split over calls. */
START_TEST(test_head_end)
{
	static const char get[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\nXYZ";
	size_t scan = 0;

	check_head_end_incremental(get, sizeof(get) - 1, sizeof(get) - 4);
	check_head_end_incremental("\r\n\r\nGET / HTTP/1.0\r\n\r\n", 22, 22);
	check_head_end_incremental("GET / HTTP/1.0\n\nnext", 20, 16);
	check_head_end_incremental("GET / HTTP/1.0\r\nA: b\n\r\n", 23, 23);
	/* two calls: "\r" then "\n\r\nGET..." must not look like an empty head */
	ck_assert_uint_eq(lb_http1_head_end("\r", 1, &scan), 0);
	ck_assert_uint_eq(lb_http1_head_end("\r\n\r\nGET / HTTP/1.0\r\n", 20, &scan), 0);
	ck_assert_uint_eq(lb_http1_head_end("\r\n\r\nGET / HTTP/1.0\r\n\r\n", 22, &scan), 22);
	/* the scan position only moves forward */
	scan = 0;
	ck_assert_uint_eq(lb_http1_head_end("GET / HTTP/1.1\r\nHost: a\r\nX", 26, &scan), 0);
	ck_assert_uint_eq(scan, 26);
	ck_assert_uint_eq(lb_http1_head_end("GET / HTTP/1.1\r\nHost: a\r\n", 25, &(size_t){ 0 }),
			  0);
	ck_assert_uint_eq(lb_http1_head_end("", 0, &(size_t){ 0 }), 0);
}
END_TEST

/* ---- responses ---- */

struct res_case {
	const char *name;
	const char *raw;
	size_t len;
	enum lb_http_meth req;
	int err;		/* 0: accepted, else 502 expected */
	const char *reason;	/* substring of err.reason */
	int off;		/* -1: not checked */
	int status;
	int version;
	const char *text;	/* reason phrase */
	uint32_t flags;
	enum lb_http1_body body;
	uint64_t cl;
};

static const struct res_case res_cases[] = {
	{ "200 with Content-Length", RAW("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
	  LB_METH_GET, .status = 200, .version = 11, .text = "OK", .flags = LB_MSG_F_HAS_CL,
	  .body = LB_BODY_LENGTH, .cl = 5 },
	{ "200 to HEAD", RAW("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
	  LB_METH_HEAD, .status = 200, .version = 11, .text = "OK", .flags = LB_MSG_F_HAS_CL,
	  .body = LB_BODY_NONE },
	{ "204", RAW("HTTP/1.1 204 No Content\r\n\r\n"), LB_METH_GET, .status = 204,
	  .version = 11, .text = "No Content", .body = LB_BODY_NONE },
	{ "304 with Content-Length", RAW("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n"),
	  LB_METH_GET, .status = 304, .version = 11, .text = "Not Modified",
	  .flags = LB_MSG_F_HAS_CL, .body = LB_BODY_NONE },
	{ "100 Continue", RAW("HTTP/1.1 100 Continue\r\n\r\n"), LB_METH_POST, .status = 100,
	  .version = 11, .text = "Continue", .body = LB_BODY_NONE },
	{ "103 Early Hints", RAW("HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"),
	  LB_METH_GET, .status = 103, .version = 11, .text = "Early Hints", .body = LB_BODY_NONE },
	{ "101 Switching Protocols",
	  RAW("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
	      "\r\n"),
	  LB_METH_GET, .status = 101, .version = 11, .text = "Switching Protocols",
	  .flags = LB_MSG_F_CONN_UPGRADE, .body = LB_BODY_NONE },
	{ "chunked", RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), LB_METH_GET,
	  .status = 200, .version = 11, .text = "OK", .flags = LB_MSG_F_HAS_TE,
	  .body = LB_BODY_CHUNKED },
	{ "gzip then chunked", RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
	  LB_METH_GET, .status = 200, .version = 11, .text = "OK", .flags = LB_MSG_F_HAS_TE,
	  .body = LB_BODY_CHUNKED },
	{ "gzip only: until close", RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
	  LB_METH_GET, .status = 200, .version = 11, .text = "OK", .flags = LB_MSG_F_HAS_TE,
	  .body = LB_BODY_UNTIL_CLOSE },
	{ "no length: until close", RAW("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"),
	  LB_METH_GET, .status = 200, .version = 11, .text = "OK", .flags = LB_MSG_F_CONN_CLOSE,
	  .body = LB_BODY_UNTIL_CLOSE },
	{ "HTTP/1.0 keep-alive", RAW("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
				     "Content-Length: 2\r\n\r\n"),
	  LB_METH_GET, .status = 200, .version = 10, .text = "OK",
	  .flags = LB_MSG_F_CONN_KEEPALIVE | LB_MSG_F_HAS_CL, .body = LB_BODY_LENGTH, .cl = 2 },
	{ "2xx to CONNECT", RAW("HTTP/1.1 200 Connection established\r\n\r\n"), LB_METH_CONNECT,
	  .status = 200, .version = 11, .text = "Connection established", .body = LB_BODY_NONE },
	{ "407 to CONNECT", RAW("HTTP/1.1 407 Auth\r\nContent-Length: 3\r\n\r\n"), LB_METH_CONNECT,
	  .status = 407, .version = 11, .text = "Auth", .flags = LB_MSG_F_HAS_CL,
	  .body = LB_BODY_LENGTH, .cl = 3 },
	{ "no reason, no SP", RAW("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"), LB_METH_GET,
	  .status = 200, .version = 11, .text = "", .flags = LB_MSG_F_HAS_CL,
	  .body = LB_BODY_LENGTH },
	{ "empty reason", RAW("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n"), LB_METH_GET,
	  .status = 404, .version = 11, .text = "", .flags = LB_MSG_F_HAS_CL,
	  .body = LB_BODY_LENGTH },
	{ "reason with obs-text and HTAB", RAW("HTTP/1.1 200 Tr\xe8s\tbien\n\n"), LB_METH_GET,
	  .status = 200, .version = 11, .text = "Tr\xe8s\tbien", .body = LB_BODY_UNTIL_CLOSE },
	{ "stray CRLF before the status line", RAW("\r\nHTTP/1.1 204 No Content\r\n\r\n"),
	  LB_METH_GET, .status = 204, .version = 11, .text = "No Content", .body = LB_BODY_NONE },
	{ "599", RAW("HTTP/1.1 599 X\r\n\r\n"), LB_METH_GET, .status = 599, .version = 11,
	  .text = "X", .body = LB_BODY_UNTIL_CLOSE },

	{ "CL and TE",
	  RAW("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
	  LB_METH_GET, .err = 502, .reason = "both", .off = 36 },
	{ "CL and TE on a 204",
	  RAW("HTTP/1.1 204 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
	  LB_METH_GET, .err = 502, .reason = "both", .off = 36 },
	{ "differing CL", RAW("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\n"),
	  LB_METH_GET, .err = 502, .reason = "conflicting", .off = 52 },
	{ "bad CL", RAW("HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n"),
	  LB_METH_GET, .err = 502, .reason = "invalid Content-Length", .off = 34 },
	{ "chunked twice", RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
	  LB_METH_GET, .err = 502, .reason = "more than once", .off = 17 },
	{ "TE in HTTP/1.0", RAW("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
	  LB_METH_GET, .err = 502, .reason = "HTTP/1.0", .off = 17 },
	{ "two-digit status", RAW("HTTP/1.1 20 OK\r\n\r\n"), LB_METH_GET, .err = 502,
	  .reason = "status", .off = 8 },
	{ "four-digit status", RAW("HTTP/1.1 2000 OK\r\n\r\n"), LB_METH_GET, .err = 502,
	  .reason = "status", .off = 12 },
	{ "status 099", RAW("HTTP/1.1 099 OK\r\n\r\n"), LB_METH_GET, .err = 502,
	  .reason = "status", .off = 9 },
	{ "status 600", RAW("HTTP/1.1 600 OK\r\n\r\n"), LB_METH_GET, .err = 502,
	  .reason = "status", .off = 9 },
	{ "status glued to reason", RAW("HTTP/1.1 200OK\r\n\r\n"), LB_METH_GET, .err = 502,
	  .reason = "status", .off = 12 },
	{ "HTTP/2.0", RAW("HTTP/2.0 200 OK\r\n\r\n"), LB_METH_GET, .err = 502,
	  .reason = "not supported", .off = 0 },
	{ "not HTTP", RAW("ICY 200 OK\r\n\r\n"), LB_METH_GET, .err = 502,
	  .reason = "invalid HTTP version", .off = 0 },
	{ "bare CR in the reason", RAW("HTTP/1.1 200 O\rK\r\n\r\n"), LB_METH_GET, .err = 502,
	  .reason = "bare CR", .off = 14 },
	{ "NUL in the reason", RAW("HTTP/1.1 200 O\0K\r\n\r\n"), LB_METH_GET, .err = 502,
	  .reason = "NUL", .off = 14 },
	{ "obs-fold", RAW("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n"), LB_METH_GET, .err = 502,
	  .reason = "folding", .off = 23 },
	{ "space before colon", RAW("HTTP/1.1 200 OK\r\nX : a\r\n\r\n"), LB_METH_GET, .err = 502,
	  .reason = "whitespace", .off = 18 },
	{ "incomplete", RAW("HTTP/1.1 200 OK\r\nX: a\r\n"), LB_METH_GET, .err = 502,
	  .reason = "incomplete", .off = 23 },
	{ "status line only, no LF", RAW("HTTP/1.1 200 OK"), LB_METH_GET, .err = 502,
	  .reason = "incomplete", .off = 15 },
};

START_TEST(test_response_table)
{
	const struct res_case *tc = &res_cases[_i];
	struct lb_http1_hdr hdrs[TEST_MAX_HDRS];
	struct lb_http1_msg msg;
	struct lb_http1_error err = { 0 };
	char *buf = dup_exact(tc->raw, tc->len);
	int rc;

	memset(&msg, 0x5a, sizeof(msg));
	msg.hdrs = hdrs;
	msg.max_hdrs = TEST_MAX_HDRS;
	rc = lb_http1_parse_response(buf, tc->len, tc->req, &msg, &err);
	if (tc->err) {
		ck_assert_msg(rc == -1, "%s: accepted", tc->name);
		ck_assert_int_eq(err.status, 502);
		ck_assert_msg(strstr(err.reason, tc->reason), "%s: reason '%s', want '%s'",
			      tc->name, err.reason, tc->reason);
		if (tc->off >= 0)
			ck_assert_msg(err.offset == (uint32_t)tc->off, "%s: offset %u, want %d",
				      tc->name, err.offset, tc->off);
		free(buf);
		return;
	}
	ck_assert_msg(rc == 0, "%s: rejected: %s at %u", tc->name, err.reason, err.offset);
	ck_assert_int_eq(msg.status, tc->status);
	ck_assert_int_eq(msg.version, tc->version);
	ck_assert_msg(msg.flags == tc->flags, "%s: flags %#x, want %#x", tc->name, msg.flags,
		      tc->flags);
	ck_assert_int_eq(msg.body, tc->body);
	if (tc->body == LB_BODY_LENGTH)
		ck_assert_uint_eq(msg.content_length, tc->cl);
	ck_assert_uint_eq(msg.reason_len, strlen(tc->text));
	ck_assert(!memcmp(buf + msg.reason_off, tc->text, msg.reason_len));
	ck_assert_uint_eq(msg.head_len, tc->len);
	ck_assert_uint_eq(lb_http1_head_end(buf, tc->len, &(size_t){ 0 }), tc->len);
	ck_assert_int_eq(msg.host_idx, -1);
	free(buf);
}
END_TEST

/* ---- header helpers ---- */

START_TEST(test_mark_hop)
{
	static const char req[] = "GET / HTTP/1.1\r\n"
				  "Host: a\r\n"				/* 0 */
				  "Connection: close, X-Foo, Content-Length, host\r\n" /* 1 */
				  "X-Foo: 1\r\n"			/* 2 */
				  "Keep-Alive: timeout=5\r\n"		/* 3 */
				  "TE: trailers\r\n"			/* 4 */
				  "Upgrade: h2c\r\n"			/* 5 */
				  "Content-Length: 0\r\n"		/* 6 */
				  "Proxy-Connection: x\r\n"		/* 7 */
				  "Trailer: y\r\n"			/* 8 */
				  "x-foo: 2\r\n"			/* 9 */
				  "X-Bar: 3\r\n"			/* 10 */
				  "Connection: x-bar\r\n"		/* 11 */
				  "Transfer-Encodin: 4\r\n"		/* 12 */
				  "\r\n";
	static const bool hop[] = { 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0 };
	struct lb_http1_hdr hdrs[TEST_MAX_HDRS];
	struct lb_http1_msg msg = { .hdrs = hdrs, .max_hdrs = TEST_MAX_HDRS };
	struct lb_http1_error err;

	ck_assert_int_eq(lb_http1_parse_request(req, sizeof(req) - 1, &msg, &err), 0);
	ck_assert_uint_eq(msg.nhdrs, sizeof(hop) / sizeof(hop[0]));
	lb_http1_mark_hop(req, &msg);
	for (unsigned i = 0; i < msg.nhdrs; i++)
		ck_assert_msg(!!(hdrs[i].flags & LB_HDR_F_HOP) == hop[i], "header %u hop %d", i,
			      !!(hdrs[i].flags & LB_HDR_F_HOP));
	ck_assert(hdrs[0].flags & LB_HDR_F_HOST);
	ck_assert(hdrs[6].flags & LB_HDR_F_CONTENT_LENGTH);
	ck_assert(hdrs[4].flags & LB_HDR_F_TE);
	ck_assert(hdrs[5].flags & LB_HDR_F_UPGRADE);
	ck_assert(hdrs[8].flags & LB_HDR_F_TRAILER);
	ck_assert(hdrs[7].flags & LB_HDR_F_PROXY_CONNECTION);
	ck_assert(hdrs[3].flags & LB_HDR_F_KEEP_ALIVE);
	ck_assert_uint_eq(hdrs[12].flags, 0);
	/* an upgrade keeps its Upgrade header */
	static const char up[] = "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
				 "Connection: upgrade\r\nTransfer-Encoding: chunked\r\n\r\n";
	ck_assert_int_eq(lb_http1_parse_request(up, sizeof(up) - 1, &msg, &err), 0);
	lb_http1_mark_hop(up, &msg);
	ck_assert(!(hdrs[1].flags & LB_HDR_F_HOP));
	ck_assert(hdrs[2].flags & LB_HDR_F_HOP);
	ck_assert(!(hdrs[3].flags & LB_HDR_F_HOP));	/* Transfer-Encoding is never marked */
	ck_assert(hdrs[3].flags & LB_HDR_F_TRANSFER_ENCODING);
}
END_TEST

START_TEST(test_find_hdr_conn_has)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nConnection: Keep-Alive ,,"
				  " X-Opt \r\nx-a: 2\r\nX-AB: 3\r\nconnection: TE\r\n"
				  "X-A: 3\r\n\r\n";
	struct lb_http1_hdr hdrs[TEST_MAX_HDRS];
	struct lb_http1_msg msg = { .hdrs = hdrs, .max_hdrs = TEST_MAX_HDRS };
	struct lb_http1_error err;
	int i, n = 0;

	ck_assert_int_eq(lb_http1_parse_request(req, sizeof(req) - 1, &msg, &err), 0);
	for (i = lb_http1_find_hdr(req, &msg, "x-a", 3, 0); i >= 0;
	     i = lb_http1_find_hdr(req, &msg, "x-a", 3, i + 1))
		ck_assert_int_eq(hval(req, &msg, i)[0], '1' + n++);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(lb_http1_find_hdr(req, &msg, "HOST", 4, 0), 0);
	ck_assert_int_eq(lb_http1_find_hdr(req, &msg, "HOST", 4, 1), -1);
	ck_assert_int_eq(lb_http1_find_hdr(req, &msg, "X-ABC", 5, 0), -1);
	ck_assert_int_eq(lb_http1_find_hdr(req, &msg, "x-ab", 4, -3), 4);
	ck_assert(lb_http1_conn_has(req, &msg, "keep-alive"));
	ck_assert(lb_http1_conn_has(req, &msg, "x-opt"));
	ck_assert(lb_http1_conn_has(req, &msg, "te"));
	ck_assert(!lb_http1_conn_has(req, &msg, "close"));
	ck_assert(!lb_http1_conn_has(req, &msg, "keep"));
	ck_assert(!lb_http1_conn_has(req, &msg, "x-a"));
	ck_assert(msg.flags & LB_MSG_F_CONN_KEEPALIVE);
}
END_TEST

START_TEST(test_methods)
{
	static const struct {
		const char *s;
		enum lb_http_meth m;
	} t[] = {
		{ "GET", LB_METH_GET }, { "HEAD", LB_METH_HEAD }, { "POST", LB_METH_POST },
		{ "PUT", LB_METH_PUT }, { "DELETE", LB_METH_DELETE },
		{ "CONNECT", LB_METH_CONNECT }, { "OPTIONS", LB_METH_OPTIONS },
		{ "TRACE", LB_METH_TRACE }, { "PATCH", LB_METH_PATCH }, { "get", LB_METH_OTHER },
		{ "GETS", LB_METH_OTHER }, { "GE", LB_METH_OTHER }, { "", LB_METH_OTHER },
		{ "PROPFIND", LB_METH_OTHER },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(lb_http_meth_parse(t[i].s, strlen(t[i].s)), t[i].m);
		if (t[i].m != LB_METH_OTHER)
			ck_assert_str_eq(lb_http_meth_name(t[i].m), t[i].s);
	}
	ck_assert_ptr_null(lb_http_meth_name(LB_METH_OTHER));
}
END_TEST

/* ---- chunked bodies ---- */

struct chunk_case {
	const char *name;
	const char *raw;
	size_t len;
	long body;		/* bytes of body (>= 0, done), -1: error, -2: incomplete */
	int off;		/* error offset from the start of the body, -1: not checked */
	const char *reason;
};

static const struct chunk_case chunk_cases[] = {
	{ "one chunk", RAW("5\r\nhello\r\n0\r\n\r\n"), 15 },
	{ "two chunks then the next message",
	  RAW("5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\nGET / HTTP/1.1\r\n"), 27 },
	{ "upper-case hex and leading zeros", RAW("00A\r\n0123456789\r\n000\r\n\r\n"), 24 },
	{ "extensions",
	  RAW("5;name=value\r\nhello\r\n3 ; a=\"x;y\" ;b\r\nabc\r\n0;last\r\n\r\n"), 52 },
	{ "size with trailing space", RAW("5 \r\nhello\r\n0\r\n\r\n"), 16 },
	{ "trailers", RAW("5\r\nhello\r\n0\r\nX-Sum: 1\r\nY:\t2 \r\n\r\nnext"), 32 },
	{ "LF only", RAW("5\nhello\n0\nX: y\n\nnext"), 16 },
	{ "empty body", RAW("0\r\n\r\n"), 5 },
	{ "largest size", RAW("7fffffffffffffff\r\n"), -2 },
	{ "data still expected", RAW("10\r\nabc"), -2 },
	{ "trailer obs-text", RAW("0\r\nX: caf\xe9\r\n\r\n"), 14 },

	{ "not hex", RAW("x\r\n"), -1, 0, "invalid chunk size" },
	{ "empty size line", RAW("\r\nhello"), -1, 0, "missing chunk size" },
	{ "junk after the size", RAW("5 x\r\nhello\r\n0\r\n\r\n"), -1, 2, "invalid chunk size" },
	{ "negative size", RAW("-5\r\n"), -1, 0, "invalid chunk size" },
	{ "size overflows 2^63", RAW("8000000000000000\r\n"), -1, 15, "too large" },
	{ "size overflows 2^64", RAW("10000000000000000\r\n"), -1, 16, "too large" },
	{ "bare CR after the size", RAW("5\rhello\r\n0\r\n\r\n"), -1, 2, "bare CR" },
	{ "NUL in an extension", RAW("5;a\0\r\nhello\r\n0\r\n\r\n"), -1, 3, "NUL" },
	{ "data longer than its size", RAW("5\r\nhello!\r\n0\r\n\r\n"), -1, 8, "missing CRLF" },
	{ "CR without LF after data", RAW("5\r\nhello\rX0\r\n\r\n"), -1, 9, "missing CRLF" },
	{ "bare CR in a trailer", RAW("0\r\nX: a\rb\r\n\r\n"), -1, 8, "bare CR" },
	{ "trailer obs-fold", RAW("0\r\nX: a\r\n b\r\n\r\n"), -1, 9, "folding" },
	{ "trailer without colon", RAW("0\r\nXY\r\n\r\n"), -1, 5, "without colon" },
	{ "trailer space before colon", RAW("0\r\nX : y\r\n\r\n"), -1, 4, "whitespace" },
	{ "trailer NUL", RAW("0\r\nX: \0\r\n\r\n"), -1, 6, "NUL" },
	{ "bare CR ending the trailers", RAW("0\r\n\rX"), -1, 4, "bare CR" },
};

/* Feeds body in pieces cut at the given points; returns what the whole scan concluded:
 * bytes of body when done, -1 on error (*off = absolute offset), -2 when incomplete. */
static long
feed(const char *raw, size_t len, const size_t *cuts, size_t ncuts, int *off,
     const char **reason)
{
	struct lb_http1_chunk st;
	struct lb_http1_error err;
	size_t pos = 0;

	memset(&st, 0, sizeof(st));
	for (size_t c = 0; c <= ncuts; c++) {
		size_t end = c < ncuts ? cuts[c] : len;
		char *piece = dup_exact(raw + pos, end - pos);
		long k = lb_http1_chunk_scan(&st, piece, end - pos, &err);

		free(piece);
		if (k < 0) {
			*off = (int)(pos + err.offset);
			*reason = err.reason;
			ck_assert_int_eq(err.status, 400);
			return -1;
		}
		ck_assert_int_le(k, (long)(end - pos));
		if (st.done)
			return (long)pos + k;
		ck_assert_int_eq(k, (long)(end - pos));	/* not done: everything consumed */
		pos = end;
	}
	return -2;
}

static void
check_chunk_result(const struct chunk_case *tc, long got, int off, const char *reason,
		   const char *how)
{
	ck_assert_msg(got == tc->body, "%s (%s): got %ld, want %ld (%s)", tc->name, how, got,
		      tc->body, got == -1 ? reason : "");
	if (got == -1) {
		ck_assert_msg(strstr(reason, tc->reason), "%s (%s): reason %s", tc->name, how,
			      reason);
		if (tc->off >= 0)
			ck_assert_msg(off == tc->off, "%s (%s): offset %d, want %d", tc->name, how,
				      off, tc->off);
	}
}

START_TEST(test_chunk_table)
{
	const struct chunk_case *tc = &chunk_cases[_i];
	size_t cuts[3], *bytes;
	const char *reason = "";
	int off = -1;
	long got;

	/* whole */
	got = feed(tc->raw, tc->len, NULL, 0, &off, &reason);
	check_chunk_result(tc, got, off, reason, "whole");
	/* byte by byte */
	bytes = calloc(tc->len + 1, sizeof(*bytes));
	ck_assert_ptr_nonnull(bytes);
	for (size_t i = 0; i + 1 < tc->len; i++)
		bytes[i] = i + 1;
	got = feed(tc->raw, tc->len, bytes, tc->len ? tc->len - 1 : 0, &off, &reason);
	check_chunk_result(tc, got, off, reason, "byte by byte");
	free(bytes);
	/* every split point, and every pair of them */
	for (size_t a = 1; a < tc->len; a++) {
		char how[64];

		cuts[0] = a;
		got = feed(tc->raw, tc->len, cuts, 1, &off, &reason);
		snprintf(how, sizeof(how), "split %zu", a);
		check_chunk_result(tc, got, off, reason, how);
		for (size_t b = a + 1; b < tc->len; b++) {
			cuts[1] = b;
			got = feed(tc->raw, tc->len, cuts, 2, &off, &reason);
			snprintf(how, sizeof(how), "split %zu %zu", a, b);
			check_chunk_result(tc, got, off, reason, how);
		}
	}
}
END_TEST

START_TEST(test_chunk_limits)
{
	struct lb_http1_chunk st;
	struct lb_http1_error err;
	char *m;
	size_t len;

	/* size line of 4096 bytes is fine, 4097 is not */
	m = build_long("5;", 4094, 'e', "\r\nhello\r\n0\r\n\r\n", &len);
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(lb_http1_chunk_scan(&st, m, len, &err), (long)len);
	ck_assert(st.done);
	free(m);
	m = build_long("5;", 4095, 'e', "\r\nhello\r\n0\r\n\r\n", &len);
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(lb_http1_chunk_scan(&st, m, len, &err), -1);
	ck_assert_str_eq(err.reason, "chunk size line too long");
	free(m);
	/* many leading zeros run into the same bound */
	m = build_long("", 5000, '0', "5\r\n", &len);
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(lb_http1_chunk_scan(&st, m, len, &err), -1);
	ck_assert_uint_eq(err.offset, 4096);
	free(m);
	/* trailers: 16 KiB in total */
	m = build_long("0\r\nX: ", 16000, 't', "\r\n\r\n", &len);
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(lb_http1_chunk_scan(&st, m, len, &err), (long)len);
	free(m);
	m = build_long("0\r\nX: ", 17000, 't', "\r\n\r\n", &len);
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(lb_http1_chunk_scan(&st, m, len, &err), -1);
	ck_assert_str_eq(err.reason, "trailers too large");
	free(m);
	/* a big chunk is skipped in bulk; done stays done */
	{
		static char body[70000];
		size_t n = (size_t)sprintf(body, "10000\r\n");

		memset(body + n, 'x', 0x10000);
		n += 0x10000;
		n += (size_t)sprintf(body + n, "\r\n0\r\n\r\nGET");
		memset(&st, 0, sizeof(st));
		ck_assert_int_eq(lb_http1_chunk_scan(&st, body, 100, &err), 100);
		ck_assert_uint_eq(st.remaining, 0x10000 - 93);
		ck_assert_int_eq(lb_http1_chunk_scan(&st, body + 100, n - 100, &err),
				 (long)(n - 103));
		ck_assert(st.done);
		ck_assert_int_eq(lb_http1_chunk_scan(&st, "GET", 3, &err), 0);
	}
}
END_TEST

/* ---- speed ---- */

START_TEST(test_bench)
{
	static const char get[] =
		"GET /assets/css/site.min.css?v=20240611 HTTP/1.1\r\n"
		"Host: www.example.com\r\n"
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 "
		"Firefox/126.0\r\n"
		"Accept: text/css,*/*;q=0.1\r\n"
		"Accept-Language: en-US,en;q=0.5\r\n"
		"Accept-Encoding: gzip, deflate, br\r\n"
		"Referer: https://www.example.com/\r\n"
		"Connection: keep-alive\r\n"
		"\r\n";
	const char *env = getenv("LB_HTTP1_BENCH");
	long iters = env ? atol(env) : 0;
	struct lb_http1_hdr hdrs[LB_HTTP1_MAX_HDRS_DEFAULT];
	struct lb_http1_msg msg = { .hdrs = hdrs, .max_hdrs = LB_HTTP1_MAX_HDRS_DEFAULT };
	struct lb_http1_error err;
	struct timespec t0, t1;
	unsigned long sum = 0;

	if (iters <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < iters; i++) {
		size_t scan = 0, hl = lb_http1_head_end(get, sizeof(get) - 1, &scan);
		if (lb_http1_parse_request(get, hl, &msg, &err) < 0)
			ck_abort_msg("bench request rejected: %s", err.reason);
		sum += msg.nhdrs;
		__asm__ volatile("" : : "g"(&msg) : "memory");
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec));
	printf("http1 bench: %zu-byte GET, %ld iterations, %.1f ns/request (head_end+parse)\n",
	       sizeof(get) - 1, iters, ns / (double)iters);
	ck_assert_uint_eq(sum, (unsigned long)iters * 7);
}
END_TEST

static Suite *
http1_suite(void)
{
	Suite *s = suite_create("http1");
	TCase *tc;

	tc = tcase_create("requests");
	tcase_add_loop_test(tc, test_request_table, 0,
			    (int)(sizeof(req_cases) / sizeof(req_cases[0])));
	tcase_add_test(tc, test_request_limits);
	tcase_add_test(tc, test_pipelined);
	tcase_add_test(tc, test_head_end);
	suite_add_tcase(s, tc);

	tc = tcase_create("responses");
	tcase_add_loop_test(tc, test_response_table, 0,
			    (int)(sizeof(res_cases) / sizeof(res_cases[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("helpers");
	tcase_add_test(tc, test_mark_hop);
	tcase_add_test(tc, test_find_hdr_conn_has);
	tcase_add_test(tc, test_methods);
	suite_add_tcase(s, tc);

	tc = tcase_create("chunked");
	tcase_add_loop_test(tc, test_chunk_table, 0,
			    (int)(sizeof(chunk_cases) / sizeof(chunk_cases[0])));
	tcase_add_test(tc, test_chunk_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("bench");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_bench);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(http1_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* lbd/http1.h: strict in-place HTTP/1.x message head parser and body framing (RFC 9112)
 *
 * The parser never copies: it records offsets into the caller's buffer. The caller first
 * finds a complete head with lb_http1_head_end() (cheap, resumable), then parses it once.
 * Everything RFC 9112 says a proxy must reject is rejected here, with the byte offset of the
 * fault and the status to answer, so the data plane just relays the verdict.
 * Pure code: no I/O, no allocation; unit-tested and fuzzed on its own.
 */
#ifndef LBD_HTTP1_H
#define LBD_HTTP1_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define LB_HTTP1_MAX_HDRS_DEFAULT 101	/* HAProxy's tune.http.maxhdr default */

enum lb_http_meth {
	LB_METH_OTHER = 0,
	LB_METH_GET,
	LB_METH_HEAD,
	LB_METH_POST,
	LB_METH_PUT,
	LB_METH_DELETE,
	LB_METH_CONNECT,
	LB_METH_OPTIONS,
	LB_METH_TRACE,
	LB_METH_PATCH,
};

struct lb_http1_hdr {
	uint32_t name_off;
	uint16_t name_len;
	uint16_t flags;		/* LB_HDR_F_* for headers the proxy cares about */
	uint32_t value_off;	/* leading/trailing OWS already trimmed */
	uint32_t value_len;
};

/* Flags on headers (set by the parser on a case-insensitive name match). */
enum {
	LB_HDR_F_HOST = 1 << 0,
	LB_HDR_F_CONTENT_LENGTH = 1 << 1,
	LB_HDR_F_TRANSFER_ENCODING = 1 << 2,
	LB_HDR_F_CONNECTION = 1 << 3,
	LB_HDR_F_UPGRADE = 1 << 4,
	LB_HDR_F_EXPECT = 1 << 5,
	LB_HDR_F_KEEP_ALIVE = 1 << 6,
	LB_HDR_F_PROXY_CONNECTION = 1 << 7,
	LB_HDR_F_TE = 1 << 8,
	LB_HDR_F_TRAILER = 1 << 9,
	LB_HDR_F_PROXY_AUTHENTICATE = 1 << 10,
	LB_HDR_F_HOP = 1 << 11,	/* a hop-by-hop header: named in Connection, or one of the
				 * standard ones (keep-alive, proxy-connection, te, upgrade
				 * when not upgrading, ...). Set by lb_http1_mark_hop(). */
};

enum lb_http1_body {
	LB_BODY_NONE = 0,	/* no body (e.g. GET without length, HEAD/204/304 response) */
	LB_BODY_LENGTH,		/* content_length bytes */
	LB_BODY_CHUNKED,	/* chunked transfer coding */
	LB_BODY_UNTIL_CLOSE,	/* response delimited by connection close */
};

/* Message-level flags. */
enum {
	LB_MSG_F_CONN_CLOSE = 1 << 0,	/* "Connection: close" present */
	LB_MSG_F_CONN_KEEPALIVE = 1 << 1, /* "Connection: keep-alive" present */
	LB_MSG_F_CONN_UPGRADE = 1 << 2,	/* "Connection: upgrade" + Upgrade header */
	LB_MSG_F_EXPECT_100 = 1 << 3,	/* "Expect: 100-continue" */
	LB_MSG_F_HAS_HOST = 1 << 4,
	LB_MSG_F_ABS_URI = 1 << 5,	/* request target in absolute-form */
	LB_MSG_F_HAS_TE = 1 << 6,	/* had a Transfer-Encoding header */
	LB_MSG_F_HAS_CL = 1 << 7,	/* had a Content-Length header */
};

struct lb_http1_msg {
	/* request line */
	enum lb_http_meth meth;
	uint32_t meth_off, meth_len;
	uint32_t uri_off, uri_len;
	/* status line (responses) */
	int status;
	uint32_t reason_off, reason_len;
	int version;		/* 10 for HTTP/1.0, 11 for HTTP/1.1 */
	uint32_t flags;		/* LB_MSG_F_* */
	uint32_t start_len;	/* bytes of the start line including its line ending */
	uint32_t head_len;	/* bytes of the whole head, final empty line included */
	enum lb_http1_body body;
	uint64_t content_length;
	int host_idx;		/* index in hdrs of Host, -1 if none */
	unsigned nhdrs;
	unsigned max_hdrs;	/* capacity of hdrs, set by the caller */
	struct lb_http1_hdr *hdrs;	/* caller-provided array of max_hdrs entries */
};

/* The verdict on a bad message: what to answer and where the fault is. */
struct lb_http1_error {
	int status;		/* 400, 413, 414, 431, 501, or 502 for a bad response */
	uint32_t offset;	/* byte offset of the fault in the buffer */
	const char *reason;	/* static string, e.g. "both Content-Length and Transfer-Encoding" */
};

/* Scans buf[0..len) for the end of a message head (an empty line). `*scan` is where the
 * previous call stopped (start at 0); it is updated so the next call resumes, never
 * rescanning bytes. Returns the head length when found, 0 when more data is needed.
 * Leading empty lines before a request line (RFC 9112 2.2) are counted in the head. */
size_t lb_http1_head_end(const char *buf, size_t len, size_t *scan);

/* Parses a complete request head buf[0..len) (len = the value lb_http1_head_end returned).
 * Returns 0 on success, -1 with *err filled on a message that must be rejected.
 * msg->hdrs and msg->max_hdrs must be set by the caller. */
int lb_http1_parse_request(const char *buf, size_t len, struct lb_http1_msg *msg,
			   struct lb_http1_error *err);

/* Parses a complete response head. `req_meth` (the request's method) and the status decide
 * bodiless cases (HEAD, 1xx, 204, 304, 2xx to CONNECT). Returns 0 or -1 (err->status 502). */
int lb_http1_parse_response(const char *buf, size_t len, enum lb_http_meth req_meth,
			    struct lb_http1_msg *msg, struct lb_http1_error *err);

/* Marks hop-by-hop headers with LB_HDR_F_HOP: Connection, Keep-Alive, Proxy-Connection,
 * TE, Trailer, Transfer-Encoding is NOT marked (framing is kept as is), Upgrade unless the
 * message is an upgrade, and every header named in a Connection header's tokens. */
void lb_http1_mark_hop(const char *buf, struct lb_http1_msg *msg);

/* Finds a header by name (case-insensitive); returns its index or -1. `from` lets the
 * caller iterate over repeated headers. */
int lb_http1_find_hdr(const char *buf, const struct lb_http1_msg *msg, const char *name,
		      size_t name_len, int from);

/* True when the Connection header(s) contain `token` (case-insensitive, comma lists). */
bool lb_http1_conn_has(const char *buf, const struct lb_http1_msg *msg, const char *token);

/* Incremental chunked-body scanner: follows the framing of a chunked body passing through,
 * without changing it. Feed it successive pieces of the body stream. */
struct lb_http1_chunk {
	uint64_t remaining;	/* bytes of chunk data still expected */
	uint32_t state;		/* internal */
	uint32_t line_len;	/* length of the current size/trailer line, bounded */
	uint32_t trailer_bytes;	/* total trailer bytes, bounded */
	bool done;		/* the last chunk and the trailers have been seen */
};

/* Consumes up to len bytes of chunked body. Returns the number of bytes that belong to the
 * body (stops right after the final CRLF when done), or -1 with *err filled (bad chunk size,
 * size overflow, missing CRLF, oversized chunk line or trailers, bare CR, NUL): err->offset
 * is relative to this buf, err->status is 400 (answer 502 for a response body).
 * A zeroed struct is the initial state; once done, further calls return 0. */
long lb_http1_chunk_scan(struct lb_http1_chunk *st, const char *buf, size_t len,
			 struct lb_http1_error *err);

/* The method name for the enum, and the enum for a name. */
enum lb_http_meth lb_http_meth_parse(const char *p, size_t len);
/* "GET" for LB_METH_GET...; NULL for LB_METH_OTHER (the name is in the message). */
const char *lb_http_meth_name(enum lb_http_meth meth);

#endif

/* common/check_h2.h: the HTTP/2 side of HTTP health checks (check-proto h2, http-check
 * connect proto h2, ALPN h2), private to the check engine
 *
 * One client session per probe connection, on bytes only (no socket): the probe writes what
 * chk_h2_output() hands out and feeds what it reads to chk_h2_recv(). A request is the
 * HTTP/1.x bytes the spec already holds for the send step ("METH URI VER", header lines,
 * body); it leaves as HEADERS (+ DATA) on a new stream, the version ignored and the
 * connection-specific fields dropped (RFC 9113 8.2.2). The response of that stream comes
 * back as HTTP/1.x text ("HTTP/2.0 SSS", its fields, an empty line, the body) in the
 * caller's bounded buffer, so the http-check expect rules run on it unchanged.
 *
 * Bounds: the response text never exceeds the caller's capacity (the rest of the body is
 * dropped, as the HTTP/1 path stops reading); the output buffer is fixed; a server sending
 * more than CHK_H2_MAX_FRAMES frames on one connection is a protocol error. Everything else
 * (HPACK tables, windows) is nghttp2's and bounded by our SETTINGS.
 */
#ifndef LB_CHECK_H2_H
#define LB_CHECK_H2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHK_H2_MAX_FRAMES 1024

struct chk_h2;

/* A client session with its preface and SETTINGS queued. `tls` gives :scheme https;
 * `authority` is the :authority of requests without a Host field ("ip:port" of the server:
 * HTTP/2 servers commonly refuse a request without any). NULL with err on allocation
 * failure. */
struct chk_h2 *chk_h2_new(bool tls, const char *authority, char *err, size_t errlen);
void chk_h2_free(struct chk_h2 *h);

/* Queues the HTTP/1.x request req[0..len) on a new stream, which becomes the stream whose
 * response chk_h2_recv() writes out. -1 with err if the bytes are not a request. */
int chk_h2_submit(struct chk_h2 *h, const char *req, size_t len, char *err, size_t errlen);

/* The bytes to write next (frames nghttp2 produced), *len 0 when there is nothing to write.
 * chk_h2_written() says how many of them went out. -1 with err on a session error. */
int chk_h2_output(struct chk_h2 *h, const uint8_t **data, size_t *len, char *err,
		  size_t errlen);
void chk_h2_written(struct chk_h2 *h, size_t n);

/* Processes in[0..n) from the server; the current stream's response is appended to
 * out[*outlen..cap) as HTTP/1.x text, out[*outlen] kept NUL (out holds cap + 1 bytes).
 * Returns 0, or -1 with err (a connection error, the stream reset or refused, a flood). */
int chk_h2_recv(struct chk_h2 *h, const uint8_t *in, size_t n, char *out, size_t *outlen,
		size_t cap, char *err, size_t errlen);

/* The current stream's response ended (END_STREAM): no more bytes will follow. */
bool chk_h2_done(const struct chk_h2 *h);

#endif

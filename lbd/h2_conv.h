/* lbd/h2_conv.h: HTTP/1.1 message bytes <-> HTTP/2 header lists and DATA
 *
 * Inside lbd, an exchange is carried by the h1 pipeline (lbd/proxy_http1.c) whatever the
 * protocol on each side: it parses, validates, applies the rules, logs, and forwards. Its
 * message form is a normalized HTTP/1.1 message: start line, header fields, a body framed by
 * Content-Length or chunked coding, trailers after the last chunk. That form is the
 * protocol-neutral message of the design: it holds everything h2 carries (method, scheme,
 * authority, path, fields, body stream, trailers), and the h1 -> h1 path forwards the
 * original bytes untouched. An h2 codec (lbd/h2_front.c towards clients, lbd/h2_srv.c towards
 * servers) turns frames into that form and back with the helpers below.
 * Pure code: no I/O, no nghttp2 session; unit-tested on its own.
 */
#ifndef LBD_H2_CONV_H
#define LBD_H2_CONV_H

#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http1.h"

/* ---- h2 -> h1: header fields received in HTTP/2, written as an HTTP/1.1 head ---- */

/* The fields of one header block, copied as they are decoded (nghttp2 gives them one by
 * one). Bounded: `cap` bytes of names and values, `max` fields; what does not fit makes
 * lbd_h2_fields_add fail, which is the cap on a decoded header list (an HPACK bomb decodes
 * a small block into a huge list; nghttp2 1.52 does not bound it). */
struct lbd_h2_field {
	uint32_t name_off, value_off;
	uint32_t name_len, value_len;
};

struct lbd_h2_fields {
	char *buf;
	uint32_t len, cap;
	struct lbd_h2_field *f;
	unsigned n, max;
	/* pseudo-header fields, indexes in f or -1 */
	int method, scheme, authority, path, status;
	uint32_t decoded;	/* name+value+32 per field, RFC 9113 SETTINGS_MAX_HEADER_LIST_SIZE */
	uint32_t decoded_max;
};

/* Storage for up to max fields and cap bytes; false when out of memory. */
bool lbd_h2_fields_init(struct lbd_h2_fields *fl, uint32_t cap, unsigned max,
			uint32_t decoded_max);
void lbd_h2_fields_free(struct lbd_h2_fields *fl);
void lbd_h2_fields_reset(struct lbd_h2_fields *fl);
/* Adds a decoded field (pseudo-header fields are recorded by name). Returns 0, or -1 when
 * the list is over its bounds. */
int lbd_h2_fields_add(struct lbd_h2_fields *fl, const uint8_t *name, size_t nlen,
		      const uint8_t *value, size_t vlen);
/* A field's name or value. */
static inline const char *
lbd_h2_field_name(const struct lbd_h2_fields *fl, unsigned i)
{
	return fl->buf + fl->f[i].name_off;
}
static inline const char *
lbd_h2_field_value(const struct lbd_h2_fields *fl, unsigned i)
{
	return fl->buf + fl->f[i].value_off;
}

enum {
	LBD_H2W_BODY = 1 << 0,		/* a body follows (no END_STREAM on the head) */
	LBD_H2W_HEAD_REQ = 1 << 1,	/* response to a HEAD request */
};

/* Writes the HTTP/1.1 request head of an h2 request into dst[0..cap): request line from
 * :method/:path (HTTP/1.1), Host from :authority (a Host field is dropped then: the two
 * must name the same thing), cookies joined with "; " (RFC 9113 8.2.3), and when a body
 * follows without Content-Length, "transfer-encoding: chunked" (*chunked set).
 * Returns the length, or -1 with *why when it does not fit or is not a request lbd can
 * forward (CONNECT, a missing pseudo-header). */
long lbd_h2_to_h1_request(const struct lbd_h2_fields *fl, unsigned flags, char *dst,
			  size_t cap, bool *chunked, const char **why);
/* The same for a response (":status"); a response with a body and no Content-Length is
 * chunked. */
long lbd_h2_to_h1_response(const struct lbd_h2_fields *fl, unsigned flags, char *dst,
			   size_t cap, bool *chunked, const char **why);
/* The end of a chunked body with the fields of a trailing HEADERS block (fl may be NULL):
 * "0\r\n" fields "\r\n". Returns the length or -1 when it does not fit. */
long lbd_h2_to_h1_last_chunk(const struct lbd_h2_fields *fl, char *dst, size_t cap);
/* A chunk header for n bytes: "<hex>\r\n"; the caller adds "\r\n" after the data. */
size_t lbd_h2_chunk_head(char *dst, size_t n);

/* ---- h1 -> h2: an HTTP/1.1 head as an h2 header list ---- */

/* The nghttp2 header list of a parsed h1 head buf[0..msg->head_len): names lowercased into
 * scratch; the connection-specific fields (Connection and what it names, Keep-Alive,
 * Proxy-Connection, Transfer-Encoding, Upgrade, TE other than "trailers") dropped.
 * A request gets :method, :scheme (given), :authority (Host, or the authority of an
 * absolute URI) and :path; a response gets :status. Returns the number of entries, or -1
 * when nv or scratch are too small. */
int lbd_h1_to_h2_head(const char *buf, const struct lb_http1_msg *msg, bool request,
		      const char *scheme, nghttp2_nv *nv, unsigned max_nv, char *scratch,
		      size_t scratch_len);
/* The fields of a chunked body's trailer section (raw "name: value\r\n" lines, the final
 * empty line optional) as a header list, names lowercased in place. Returns the count, or
 * -1 on a malformed line (bounded and validated before by the h1 chunk scanner). */
int lbd_h1_trailers_to_h2(char *buf, size_t len, nghttp2_nv *nv, unsigned max_nv);

/* Follows the chunked framing of an h1 body and hands out its data and trailer bytes: each
 * call consumes framing up to and including one span of data or trailer bytes. */
enum lbd_dechunk_kind {
	LBD_DC_NONE = 0,	/* framing consumed, nothing to hand out (need more input) */
	LBD_DC_DATA,		/* span is chunk data */
	LBD_DC_TRAILER,		/* span is trailer-section bytes (whole lines, CRLF included) */
	LBD_DC_END,		/* the body is over (span empty) */
};
struct lbd_dechunk {
	uint64_t left;		/* chunk data bytes still expected */
	uint8_t state;
	uint8_t ndigits;
	bool done;
};
/* Returns the bytes of in consumed (the span is within them), or -1 on bad framing. */
long lbd_dechunk_step(struct lbd_dechunk *d, const char *in, size_t len,
		      enum lbd_dechunk_kind *kind, size_t *span_off, size_t *span_len);

#endif

/* common/tls_hello.c: see tls_hello.h
 *
 * Every read goes through a small cursor (struct rd) that knows how many bytes are left in
 * what encloses it: a vector's length is checked against its container before the cursor
 * steps into it, so a lying length can only make the parse fail, never read further.
 */
#include "tls_hello.h"

#include <string.h>

#define REC_HDR 5
#define REC_MAX (16384 + 2048)	/* the largest record RFC 8446 lets a peer send */
#define CT_HANDSHAKE 22
#define HS_CLIENT_HELLO 1
#define EXT_SERVER_NAME 0
#define EXT_SUPPORTED_GROUPS 10
#define SNI_HOST_NAME 0

struct rd {
	const uint8_t *p;
	size_t n;		/* bytes left */
};

static bool
rd_skip(struct rd *r, size_t n)
{
	if (r->n < n)
		return false;
	r->p += n;
	r->n -= n;
	return true;
}

static bool
rd_u8(struct rd *r, uint8_t *v)
{
	if (r->n < 1)
		return false;
	*v = r->p[0];
	return rd_skip(r, 1);
}

static bool
rd_u16(struct rd *r, uint16_t *v)
{
	if (r->n < 2)
		return false;
	*v = (uint16_t)(r->p[0] << 8 | r->p[1]);
	return rd_skip(r, 2);
}

/* A vector with a 1- or 2-byte length: *sub covers its body, r moves past it. */
static bool
rd_vec(struct rd *r, int lenbytes, struct rd *sub)
{
	uint16_t n16;
	uint8_t n8;
	size_t n;

	if (lenbytes == 1) {
		if (!rd_u8(r, &n8))
			return false;
		n = n8;
	} else {
		if (!rd_u16(r, &n16))
			return false;
		n = n16;
	}
	if (r->n < n)
		return false;
	sub->p = r->p;
	sub->n = n;
	return rd_skip(r, n);
}

/* The record header at b (avail bytes of it present, maybe fewer than 5) could start a
 * handshake record: content type 22, version 3.x, a length in 1..REC_MAX. */
static bool
rec_hdr_plausible(const uint8_t *b, size_t avail)
{
	size_t rl;

	if (avail >= 1 && b[0] != CT_HANDSHAKE)
		return false;
	if (avail >= 2 && b[1] != 3)
		return false;
	if (avail < REC_HDR)
		return true;
	rl = (size_t)(b[3] << 8 | b[4]);
	return rl >= 1 && rl <= REC_MAX;
}

/* Copies the first `want` handshake bytes carried by the records of in[0..len) to dst
 * (NULL: only counts them). Returns how many were there; *st is LB_TLS_HELLO_OK when all
 * were, LB_TLS_HELLO_MORE when the input ended first, LB_TLS_HELLO_NOT when a record
 * header is not a handshake record's. */
static size_t
gather(const uint8_t *in, size_t len, uint8_t *dst, size_t want, int *st)
{
	size_t off = 0, got = 0;

	while (got < want) {
		size_t rl, avail, take;

		if (!rec_hdr_plausible(in + off, len - off)) {
			*st = LB_TLS_HELLO_NOT;
			return got;
		}
		if (len - off < REC_HDR) {
			*st = LB_TLS_HELLO_MORE;
			return got;
		}
		rl = (size_t)(in[off + 3] << 8 | in[off + 4]);
		off += REC_HDR;
		avail = len - off < rl ? len - off : rl;
		take = avail < want - got ? avail : want - got;
		if (dst)
			memcpy(dst + got, in + off, take);
		got += take;
		if (avail < rl && got < want) {
			*st = LB_TLS_HELLO_MORE;
			return got;
		}
		off += avail;
	}
	*st = LB_TLS_HELLO_OK;
	return got;
}

/* server_name extension data (RFC 6066 3): the first host_name entry. */
static bool
parse_sni(struct rd *d, struct lb_tls_hello *h)
{
	struct rd list;

	if (!d->n)
		return true;	/* empty: no name */
	if (!rd_vec(d, 2, &list) || d->n || !list.n)
		return false;
	while (list.n) {
		struct rd name;
		uint8_t type;

		if (!rd_u8(&list, &type) || !rd_vec(&list, 2, &name))
			return false;
		if (type == SNI_HOST_NAME && !h->sni) {
			if (!name.n)
				return false;
			h->sni = (const char *)name.p;
			h->sni_len = name.n;
		}
	}
	return true;
}

/* The ClientHello body (RFC 8446 4.1.2, RFC 5246 7.4.1.2). */
static bool
parse_client_hello(const uint8_t *body, size_t n, struct lb_tls_hello *h)
{
	struct rd r = { body, n }, v, exts;
	bool seen_sni = false;

	if (!rd_u16(&r, &h->hello_version) || !rd_skip(&r, 32))
		return false;
	if (!rd_vec(&r, 1, &v) || v.n > 32)		/* legacy_session_id */
		return false;
	if (!rd_vec(&r, 2, &v) || v.n < 2 || v.n % 2)	/* cipher_suites */
		return false;
	if (!rd_vec(&r, 1, &v) || v.n < 1)		/* legacy_compression_methods */
		return false;
	if (!r.n)
		return true;				/* no extensions (SSLv3 style) */
	if (!rd_vec(&r, 2, &exts) || r.n)
		return false;				/* the extensions end the message */
	while (exts.n) {
		uint16_t type;
		struct rd d;

		if (!rd_u16(&exts, &type) || !rd_vec(&exts, 2, &d))
			return false;
		if (type == EXT_SERVER_NAME) {
			if (seen_sni || !parse_sni(&d, h))
				return false;	/* at most one per type (RFC 8446 4.2) */
			seen_sni = true;
		} else if (type == EXT_SUPPORTED_GROUPS) {
			h->ec_ext = true;
		}
	}
	return true;
}

int
lb_tls_hello_parse(const void *in_, size_t len, uint8_t *scratch, size_t cap,
		   struct lb_tls_hello *h)
{
	const uint8_t *in = in_;
	uint8_t hs[4];
	const uint8_t *msg;
	size_t mlen, total, got;
	int st;

	if (!len)
		return LB_TLS_HELLO_MORE;
	got = gather(in, len, hs, sizeof(hs), &st);
	if (st != LB_TLS_HELLO_OK)
		return got < sizeof(hs) && st == LB_TLS_HELLO_MORE ? LB_TLS_HELLO_MORE
								   : LB_TLS_HELLO_NOT;
	mlen = (size_t)hs[1] << 16 | (size_t)hs[2] << 8 | hs[3];
	total = 4 + mlen;
	if ((size_t)(in[3] << 8 | in[4]) >= total) {
		/* the first record holds the whole message: read it in place */
		if (len - REC_HDR < total)
			return LB_TLS_HELLO_MORE;
		msg = in + REC_HDR;
	} else {
		if (!scratch || total > cap)
			return LB_TLS_HELLO_NOT;
		got = gather(in, len, scratch, total, &st);
		if (st != LB_TLS_HELLO_OK)
			return st;
		msg = scratch;
	}
	memset(h, 0, sizeof(*h));
	h->hs_type = msg[0];
	h->rec_version = (uint16_t)(in[1] << 8 | in[2]);
	if (h->hs_type != HS_CLIENT_HELLO)
		return LB_TLS_HELLO_OK;
	if (!parse_client_hello(msg + 4, mlen, h)) {
		memset(h, 0, sizeof(*h));
		return LB_TLS_HELLO_NOT;
	}
	return LB_TLS_HELLO_OK;
}

int
lb_tls_hello_version(const void *in_, size_t len, uint32_t *ver)
{
	const uint8_t *b = in_;

	if (!len)
		return LB_TLS_HELLO_MORE;
	if (b[0] & 0x80) {
		/* SSLv2 record: 2-byte length, then CLIENT-HELLO (1) and its version */
		if (len >= 3 && b[2] != 1)
			return LB_TLS_HELLO_NOT;
		if (len >= 4 && b[3] != 2 && b[3] != 3)
			return LB_TLS_HELLO_NOT;
		if (len < 5)
			return LB_TLS_HELLO_MORE;
		*ver = (uint32_t)b[3] << 16 | b[4];
		return LB_TLS_HELLO_OK;
	}
	/* SSLv3/TLS record: change_cipher_spec, alert, handshake or application_data */
	if (b[0] < 20 || b[0] > 23)
		return LB_TLS_HELLO_NOT;
	if (len >= 2 && b[1] != 3)
		return LB_TLS_HELLO_NOT;
	if (len < REC_HDR)
		return LB_TLS_HELLO_MORE;
	*ver = (uint32_t)b[1] << 16 | b[2];
	return LB_TLS_HELLO_OK;
}

/* common/tls_hello.h: reads a TLS ClientHello from the first bytes a client sends, without
 * terminating TLS (req.ssl_sni, req.ssl_hello_type, req.ssl_ver, req.ssl_ec_ext)
 *
 * Pure functions over a borrowed byte range: nothing is allocated, nothing past `len` is ever
 * read, and every length field is checked against what encloses it before it is followed.
 * What is handled:
 * - the first handshake message carried by one or more TLS records (a ClientHello split over
 *   two records is put back together in the caller's scratch space; in one record, which is
 *   what clients send, nothing is copied);
 * - bytes arriving in pieces (two TCP segments): a prefix of a valid handshake answers
 *   LB_TLS_HELLO_MORE, so the caller waits for more and asks again;
 * - SSLv2-compatible hellos for the version only (lb_tls_hello_version).
 * Anything else (another record type before the handshake, a record of more than 2^14 + 2048
 * bytes, lengths that disagree, a message longer than the scratch space) is
 * LB_TLS_HELLO_NOT: the caller stops waiting.
 */
#ifndef LB_TLS_HELLO_H
#define LB_TLS_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lb_tls_hello_status {
	LB_TLS_HELLO_OK = 0,	/* the first handshake message is complete (and parsed) */
	LB_TLS_HELLO_MORE,	/* what is there is a valid beginning: more bytes needed */
	LB_TLS_HELLO_NOT,	/* not a TLS handshake, malformed, or too large */
};

/* What the first handshake message says. Strings point into the input or the scratch
 * space: valid while both are. */
struct lb_tls_hello {
	uint8_t hs_type;		/* handshake type: 1 for a ClientHello */
	uint16_t rec_version;		/* of the first record: 0x0301 for TLS 1.0 ... */
	/* ClientHello only (hs_type 1) */
	uint16_t hello_version;		/* legacy client_version */
	const char *sni;		/* server_name host_name, NULL when absent */
	size_t sni_len;
	bool ec_ext;			/* supported_groups (RFC 4492 elliptic_curves) sent */
};

/* Scratch space enough for any ClientHello a client sends in practice. */
#define LB_TLS_HELLO_SCRATCH 16384

/* Parses the first handshake message of in[0..len). `scratch` (cap bytes) is used only when
 * the message spans several records. Returns an enum lb_tls_hello_status; *h is filled only
 * on LB_TLS_HELLO_OK. */
int lb_tls_hello_parse(const void *in, size_t len, uint8_t *scratch, size_t cap,
		       struct lb_tls_hello *h);

/* The protocol version of the stream as HAProxy's req.ssl_ver reports it: major * 65536 +
 * minor, from the first record's header (SSLv3 and TLS) or from an SSLv2 CLIENT-HELLO.
 * Needs 5 bytes. Returns an enum lb_tls_hello_status. */
int lb_tls_hello_version(const void *in, size_t len, uint32_t *ver);

#endif

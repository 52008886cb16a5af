/* common/proxy_proto.h: the PROXY protocol, versions 1 (text) and 2 (binary)
 *
 * Encoding writes a whole header into one caller buffer, so it goes out in one write before
 * any payload. Decoding takes whatever bytes have arrived and says: complete (bytes used),
 * need more (0) or malformed (-1); it reads nothing past `len` and copies nothing out of
 * the buffer except addresses, so it is safe on any byte sequence. Version 2 headers larger
 * than LB_PROXY_MAX_LEN are refused as malformed; a caller that has buffered
 * LB_PROXY_MAX_LEN bytes without a complete header can give up.
 */
#ifndef LB_PROXY_PROTO_H
#define LB_PROXY_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* The longest header either version may take, TLVs included; also a large enough encode
 * buffer (encoding never writes more than 16 + 216 bytes). */
#define LB_PROXY_MAX_LEN	2048
/* the longest v1 line: "PROXY UNKNOWN ffff:...:ffff ffff:...:ffff 65535 65535\r\n" */
#define LB_PROXY_V1_MAX_LEN	107
#define LB_PROXY_V2_HDR_LEN	16	/* signature, ver/cmd, fam, len */

struct lb_proxy_hdr {
	int version;			/* 1 or 2 */
	/* true: a v1 TCP4/TCP6 line or a v2 PROXY command: src/dst are the original
	 * connection's, unless their family is AF_UNSPEC (v2 PROXY with an unspecified
	 * family). false: v1 UNKNOWN or v2 LOCAL: use the connection's own addresses. */
	bool cmd_proxy;
	int transport;			/* SOCK_STREAM, SOCK_DGRAM, or 0 (unspecified) */
	/* AF_INET, AF_INET6, AF_UNIX (v2 only), or AF_UNSPEC when not given */
	struct sockaddr_storage src;
	struct sockaddr_storage dst;
	/* v2: the TLV block inside the decoded buffer (checked to be well formed, otherwise
	 * not interpreted); 0/0 when there is none */
	uint16_t tlv_off;
	uint16_t tlv_len;
};

/* Writes a version 1 or 2 header announcing src -> dst into buf[0..size). src and dst
 * must be of the same family, except that IPv4 and IPv6 mix (IPv4 is then announced as
 * ::ffff:a.b.c.d). NULL addresses or families a version cannot carry give "PROXY UNKNOWN"
 * (v1) or a LOCAL command (v2). An AF_UNIX address (v2 only) must be a whole
 * struct sockaddr_un. Returns the header length, or -1 when version is not 1 or 2
 * or buf is too small (LB_PROXY_MAX_LEN always suffices). */
int lb_proxy_encode(int version, const struct sockaddr *src, const struct sockaddr *dst,
		    void *buf, size_t size);

/* Decodes the header at the start of buf[0..len). Returns the header length (the payload
 * starts there), 0 when buf is a valid but incomplete beginning, -1 when it is not a
 * PROXY header (or an oversize one). *out is filled only on success. */
int lb_proxy_decode(const void *buf, size_t len, struct lb_proxy_hdr *out);

#endif

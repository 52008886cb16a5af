/* common/proxy_proto.c: PROXY protocol v1/v2 header encoding and decoding
 *
 * Facts from the specification (haproxy.org, doc/proxy-protocol.txt):
 * v1 is one US-ASCII line of at most 107 bytes, CRLF included:
 *   "PROXY TCP4 <src> <dst> <sport> <dport>\r\n", "PROXY TCP6 ...", or "PROXY UNKNOWN ...\r\n"
 *   where whatever follows UNKNOWN up to the CRLF is ignored. Fields are separated by exactly
 *   one space; ports are decimal 0..65535.
 * v2 is a 16-byte block: the 12-byte signature, ver_cmd (high nibble version 2, low nibble
 *   0 LOCAL / 1 PROXY), fam (high nibble 0 UNSPEC / 1 INET / 2 INET6 / 3 UNIX, low nibble
 *   0 UNSPEC / 1 STREAM / 2 DGRAM), and the big-endian length of what follows: the addresses
 *   (12, 36 or 216 bytes: src, dst, then for INET/INET6 the two ports) and then TLVs
 *   (type, 16-bit big-endian length, value). Any other nibble value is invalid.
 *
 * The decoder is written for hostile input: every read is checked against len first, a
 * partial header is judged on the bytes present (so garbage fails at its first wrong byte,
 * not after 107 or 2048 bytes), and the v2 length is bounded by LB_PROXY_MAX_LEN.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "proxy_proto.h"
#include "util.h"

static const unsigned char v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
};

enum {
	PP2_CMD_LOCAL = 0x0,
	PP2_CMD_PROXY = 0x1,
	PP2_AF_UNSPEC = 0x0,
	PP2_AF_INET = 0x1,
	PP2_AF_INET6 = 0x2,
	PP2_AF_UNIX = 0x3,
	PP2_TR_UNSPEC = 0x0,
	PP2_TR_STREAM = 0x1,
	PP2_TR_DGRAM = 0x2,
	PP2_UNIX_PATH = 108,
};

/* The size of the address block for each v2 address family. */
static const uint16_t v2_addr_len[4] = { 0, 12, 36, 2 * PP2_UNIX_PATH };

/* ---- encoding ---- */

/* src -> dst reduced to what a header can carry. */
struct pp_addrs {
	int af;				/* AF_INET, AF_INET6, AF_UNIX or AF_UNSPEC */
	unsigned char src[16], dst[16];	/* network order; IPv4 in the first 4 bytes */
	uint16_t sport, dport;		/* network order */
	const char *spath, *dpath;	/* AF_UNIX: PP2_UNIX_PATH bytes each */
};

static void
ip6_of(const struct sockaddr *sa, unsigned char out[16], uint16_t *port)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &in->sin_addr, 4);
		*port = in->sin_port;
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		memcpy(out, &in6->sin6_addr, 16);
		*port = in6->sin6_port;
	}
}

static void
pp_addrs_of(const struct sockaddr *src, const struct sockaddr *dst, struct pp_addrs *a)
{
	memset(a, 0, sizeof(*a));
	a->af = AF_UNSPEC;
	if (!src || !dst)
		return;
	if (src->sa_family == AF_INET && dst->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)(const void *)src;
		const struct sockaddr_in *d = (const struct sockaddr_in *)(const void *)dst;
		a->af = AF_INET;
		memcpy(a->src, &s->sin_addr, 4);
		memcpy(a->dst, &d->sin_addr, 4);
		a->sport = s->sin_port;
		a->dport = d->sin_port;
	} else if ((src->sa_family == AF_INET || src->sa_family == AF_INET6) &&
		   (dst->sa_family == AF_INET || dst->sa_family == AF_INET6)) {
		a->af = AF_INET6;
		ip6_of(src, a->src, &a->sport);
		ip6_of(dst, a->dst, &a->dport);
	} else if (src->sa_family == AF_UNIX && dst->sa_family == AF_UNIX) {
		a->af = AF_UNIX;
		a->spath = ((const struct sockaddr_un *)(const void *)src)->sun_path;
		a->dpath = ((const struct sockaddr_un *)(const void *)dst)->sun_path;
	}
}

static int
encode_v1(const struct pp_addrs *a, char *buf, size_t size)
{
	char line[LB_PROXY_V1_MAX_LEN + 1], s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int n;

	if (a->af == AF_INET || a->af == AF_INET6) {
		int af = a->af;
		inet_ntop(af, a->src, s, sizeof(s));
		inet_ntop(af, a->dst, d, sizeof(d));
		n = snprintf(line, sizeof(line), "PROXY %s %s %s %u %u\r\n",
			     af == AF_INET ? "TCP4" : "TCP6", s, d, ntohs(a->sport),
			     ntohs(a->dport));
	} else {
		n = snprintf(line, sizeof(line), "PROXY UNKNOWN\r\n");
	}
	if (n < 0 || (size_t)n > LB_PROXY_V1_MAX_LEN || (size_t)n > size)
		return -1;
	memcpy(buf, line, (size_t)n);
	return n;
}

static int
encode_v2(const struct pp_addrs *a, unsigned char *buf, size_t size)
{
	unsigned af = PP2_AF_UNSPEC;
	uint16_t alen;
	unsigned char *p = buf + LB_PROXY_V2_HDR_LEN;

	switch (a->af) {
	case AF_INET:
		af = PP2_AF_INET;
		break;
	case AF_INET6:
		af = PP2_AF_INET6;
		break;
	case AF_UNIX:
		af = PP2_AF_UNIX;
		break;
	}
	alen = v2_addr_len[af];
	if (size < (size_t)LB_PROXY_V2_HDR_LEN + alen)
		return -1;
	memcpy(buf, v2_sig, sizeof(v2_sig));
	/* nothing to announce: LOCAL, which tells the receiver to use the real endpoints */
	buf[12] = (unsigned char)(0x20 | (af == PP2_AF_UNSPEC ? PP2_CMD_LOCAL : PP2_CMD_PROXY));
	buf[13] = (unsigned char)(af == PP2_AF_UNSPEC ? 0 : (af << 4) | PP2_TR_STREAM);
	buf[14] = (unsigned char)(alen >> 8);
	buf[15] = (unsigned char)(alen & 0xff);
	switch (af) {
	case PP2_AF_INET:
	case PP2_AF_INET6: {
		size_t il = af == PP2_AF_INET ? 4 : 16;
		memcpy(p, a->src, il);
		memcpy(p + il, a->dst, il);
		memcpy(p + 2 * il, &a->sport, 2);
		memcpy(p + 2 * il + 2, &a->dport, 2);
		break;
	}
	case PP2_AF_UNIX:
		/* sun_path is exactly PP2_UNIX_PATH bytes on Linux; copy as is (abstract
		 * names start with a NUL) */
		memcpy(p, a->spath, PP2_UNIX_PATH);
		memcpy(p + PP2_UNIX_PATH, a->dpath, PP2_UNIX_PATH);
		break;
	}
	return LB_PROXY_V2_HDR_LEN + alen;
}

int
lb_proxy_encode(int version, const struct sockaddr *src, const struct sockaddr *dst, void *buf,
		size_t size)
{
	struct pp_addrs a;

	_Static_assert(sizeof(((struct sockaddr_un *)0)->sun_path) == PP2_UNIX_PATH,
		       "v2 carries 108-byte unix paths");
	if (!buf)
		return -1;
	pp_addrs_of(src, dst, &a);
	if (version == 1)
		return encode_v1(&a, buf, size);
	if (version == 2)
		return encode_v2(&a, buf, size);
	return -1;
}

/* ---- decoding ---- */

/* A v1 port: 1 to 5 digits, at most 65535. */
static int
parse_port(const char *s, size_t len, uint16_t *out)
{
	unsigned v = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*out = htons((uint16_t)v);
	return 0;
}

static int
parse_ip(int af, const char *s, size_t len, void *out)
{
	char tmp[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	return inet_pton(af, tmp, out) == 1 ? 0 : -1;
}

/* Splits line[*pos..end) at the next space: the field is [start, *pos), and *pos moves past
 * the space. The last field must end exactly at end. Returns the field length or -1. */
static int
next_field(const char *line, size_t end, size_t *pos, bool last, const char **field)
{
	size_t start = *pos, i = start;

	while (i < end && line[i] != ' ')
		i++;
	if (i == start || (last ? i != end : i == end))
		return -1;
	*field = line + start;
	*pos = i + 1;
	return (int)(i - start);
}

static int
decode_v1(const char *b, size_t len, struct lb_proxy_hdr *out)
{
	static const char prefix[] = "PROXY ";
	size_t plen = sizeof(prefix) - 1, eol = 0, pos = plen;
	size_t max = LB_MIN(len, LB_PROXY_V1_MAX_LEN);
	const char *f[5];
	int fl[5], af;
	bool found = false;
	struct lb_proxy_hdr h;

	if (memcmp(b, prefix, LB_MIN(len, plen)) != 0)
		return -1;
	for (size_t i = 0; i < max; i++) {
		unsigned char c = (unsigned char)b[i];

		if (c == '\r') {
			/* the LF must still fit in the 107 bytes */
			if (i + 1 >= LB_PROXY_V1_MAX_LEN)
				return -1;
			if (i + 1 == len)
				return 0;
			if (b[i + 1] != '\n')
				return -1;
			eol = i;
			found = true;
			break;
		}
		if (c < 0x20 || c >= 0x7f)	/* LF alone, NUL, controls, non-ASCII */
			return -1;
	}
	if (!found)
		return len >= LB_PROXY_V1_MAX_LEN ? -1 : 0;
	if (eol < plen)
		return -1;

	memset(&h, 0, sizeof(h));
	h.version = 1;
	h.src.ss_family = h.dst.ss_family = AF_UNSPEC;
	fl[0] = next_field(b, eol, &pos, false, &f[0]);
	if (fl[0] < 0) {
		/* "PROXY UNKNOWN\r\n": the protocol is the last field */
		pos = plen;
		fl[0] = next_field(b, eol, &pos, true, &f[0]);
		if (fl[0] == 7 && memcmp(f[0], "UNKNOWN", 7) == 0)
			goto done;
		return -1;
	}
	if (fl[0] == 7 && memcmp(f[0], "UNKNOWN", 7) == 0)
		goto done;	/* anything may follow UNKNOWN; it is ignored */
	if (fl[0] == 4 && memcmp(f[0], "TCP4", 4) == 0)
		af = AF_INET;
	else if (fl[0] == 4 && memcmp(f[0], "TCP6", 4) == 0)
		af = AF_INET6;
	else
		return -1;
	for (int i = 1; i < 5; i++)
		if ((fl[i] = next_field(b, eol, &pos, i == 4, &f[i])) < 0)
			return -1;
	if (af == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)(void *)&h.src;
		struct sockaddr_in *d = (struct sockaddr_in *)(void *)&h.dst;
		s->sin_family = d->sin_family = AF_INET;
		if (parse_ip(AF_INET, f[1], (size_t)fl[1], &s->sin_addr) < 0 ||
		    parse_ip(AF_INET, f[2], (size_t)fl[2], &d->sin_addr) < 0 ||
		    parse_port(f[3], (size_t)fl[3], &s->sin_port) < 0 ||
		    parse_port(f[4], (size_t)fl[4], &d->sin_port) < 0)
			return -1;
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)(void *)&h.src;
		struct sockaddr_in6 *d = (struct sockaddr_in6 *)(void *)&h.dst;
		s->sin6_family = d->sin6_family = AF_INET6;
		if (parse_ip(AF_INET6, f[1], (size_t)fl[1], &s->sin6_addr) < 0 ||
		    parse_ip(AF_INET6, f[2], (size_t)fl[2], &d->sin6_addr) < 0 ||
		    parse_port(f[3], (size_t)fl[3], &s->sin6_port) < 0 ||
		    parse_port(f[4], (size_t)fl[4], &d->sin6_port) < 0)
			return -1;
	}
	h.cmd_proxy = true;
	h.transport = SOCK_STREAM;
done:
	*out = h;
	return (int)eol + 2;
}

static int
decode_v2(const unsigned char *b, size_t len, struct lb_proxy_hdr *out)
{
	unsigned cmd, af, tr;
	size_t total, off;
	uint16_t alen;
	struct lb_proxy_hdr h;

	if (memcmp(b, v2_sig, LB_MIN(len, sizeof(v2_sig))) != 0)
		return -1;
	if (len < 13)
		return 0;
	if (b[12] >> 4 != 2 || (cmd = b[12] & 0x0f) > PP2_CMD_PROXY)
		return -1;
	if (len < 14)
		return 0;
	af = b[13] >> 4;
	tr = b[13] & 0x0f;
	if (af > PP2_AF_UNIX || tr > PP2_TR_DGRAM)
		return -1;
	if (len < LB_PROXY_V2_HDR_LEN)
		return 0;
	total = LB_PROXY_V2_HDR_LEN + ((size_t)b[14] << 8 | b[15]);
	alen = v2_addr_len[af];
	if (total > LB_PROXY_MAX_LEN)
		return -1;
	/* a PROXY command must carry its addresses; LOCAL discards the whole block */
	if (cmd == PP2_CMD_PROXY && total < (size_t)LB_PROXY_V2_HDR_LEN + alen)
		return -1;
	if (len < total)
		return 0;

	memset(&h, 0, sizeof(h));
	h.version = 2;
	h.src.ss_family = h.dst.ss_family = AF_UNSPEC;
	if (cmd == PP2_CMD_LOCAL) {
		*out = h;
		return (int)total;
	}
	h.cmd_proxy = true;
	h.transport = tr == PP2_TR_STREAM ? SOCK_STREAM : tr == PP2_TR_DGRAM ? SOCK_DGRAM : 0;
	off = LB_PROXY_V2_HDR_LEN;
	switch (af) {
	case PP2_AF_INET: {
		struct sockaddr_in *s = (struct sockaddr_in *)(void *)&h.src;
		struct sockaddr_in *d = (struct sockaddr_in *)(void *)&h.dst;
		s->sin_family = d->sin_family = AF_INET;
		memcpy(&s->sin_addr, b + off, 4);
		memcpy(&d->sin_addr, b + off + 4, 4);
		memcpy(&s->sin_port, b + off + 8, 2);
		memcpy(&d->sin_port, b + off + 10, 2);
		break;
	}
	case PP2_AF_INET6: {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)(void *)&h.src;
		struct sockaddr_in6 *d = (struct sockaddr_in6 *)(void *)&h.dst;
		s->sin6_family = d->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, b + off, 16);
		memcpy(&d->sin6_addr, b + off + 16, 16);
		memcpy(&s->sin6_port, b + off + 32, 2);
		memcpy(&d->sin6_port, b + off + 34, 2);
		break;
	}
	case PP2_AF_UNIX: {
		struct sockaddr_un *s = (struct sockaddr_un *)(void *)&h.src;
		struct sockaddr_un *d = (struct sockaddr_un *)(void *)&h.dst;
		s->sun_family = d->sun_family = AF_UNIX;
		memcpy(s->sun_path, b + off, PP2_UNIX_PATH);
		memcpy(d->sun_path, b + off + PP2_UNIX_PATH, PP2_UNIX_PATH);
		break;
	}
	}
	/* TLVs: walked only to check that they tile the rest exactly */
	off += alen;
	if (off < total) {
		h.tlv_off = (uint16_t)off;
		h.tlv_len = (uint16_t)(total - off);
	}
	while (off < total) {
		size_t vlen;

		if (total - off < 3)
			return -1;
		vlen = (size_t)b[off + 1] << 8 | b[off + 2];
		if (vlen > total - off - 3)
			return -1;
		off += 3 + vlen;
	}
	*out = h;
	return (int)total;
}

int
lb_proxy_decode(const void *buf, size_t len, struct lb_proxy_hdr *out)
{
	const unsigned char *b = buf;

	if (!buf || len == 0)
		return 0;
	if (b[0] == 'P')
		return decode_v1(buf, len, out);
	if (b[0] == v2_sig[0])
		return decode_v2(b, len, out);
	return -1;
}

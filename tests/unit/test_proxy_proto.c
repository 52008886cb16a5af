/* tests/unit/test_proxy_proto.c: PROXY protocol v1/v2 encoding, decoding (common/proxy_proto.c) */
#include <check.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "proxy_proto.h"
#include "util.h"

static const unsigned char sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
};

static struct sockaddr_storage
sa_of(const char *ip, int port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		ck_assert_int_eq(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		ck_assert_int_eq(inet_pton(AF_INET, ip, &in->sin_addr), 1);
	}
	return ss;
}

static int
encode(int version, const char *sip, int sport, const char *dip, int dport, void *buf,
       size_t size)
{
	struct sockaddr_storage s = sa_of(sip, sport), d = sa_of(dip, dport);

	return lb_proxy_encode(version, (struct sockaddr *)&s, (struct sockaddr *)&d, buf, size);
}

/* The address and port of a decoded sockaddr as "ip port". */
static const char *
sa_str(const struct sockaddr_storage *ss)
{
	static char out[2][80];
	static int which;
	char ip[INET6_ADDRSTRLEN] = "?";
	int port = -1;
	char *o = out[which++ & 1];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		port = ntohs(in->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		port = ntohs(in6->sin6_port);
	} else if (ss->ss_family == AF_UNSPEC) {
		return "unspec";
	}
	snprintf(o, sizeof(out[0]), "%s %d", ip, port);
	return o;
}

/* Every strict prefix of a valid header needs more data; the whole decodes to its length. */
static void
check_prefixes(const void *buf, int n)
{
	struct lb_proxy_hdr h;

	for (int i = 0; i < n; i++) {
		/* a copy of exactly i bytes, so ASan sees any read past the end */
		unsigned char *c = malloc((size_t)i + 1);
		memcpy(c, buf, (size_t)i);
		ck_assert_msg(lb_proxy_decode(c, (size_t)i, &h) == 0, "prefix %d of %d", i, n);
		free(c);
	}
	ck_assert_int_eq(lb_proxy_decode(buf, (size_t)n, &h), n);
}

START_TEST(test_v1_encode)
{
	char buf[LB_PROXY_MAX_LEN];
	int n;

	n = encode(1, "192.168.0.1", 56324, "192.168.0.11", 443, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)strlen("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"));
	ck_assert(memcmp(buf, "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n", (size_t)n) == 0);

	n = encode(1, "2001:db8::1", 1, "2001:db8::2:1", 65535, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)strlen("PROXY TCP6 2001:db8::1 2001:db8::2:1 1 65535\r\n"));
	ck_assert(memcmp(buf, "PROXY TCP6 2001:db8::1 2001:db8::2:1 1 65535\r\n", (size_t)n) == 0);

	/* mixed families: IPv4 announced as IPv4-mapped IPv6 */
	n = encode(1, "10.0.0.1", 1234, "2001:db8::2", 80, buf, sizeof(buf));
	ck_assert_int_eq(n, 48);
	ck_assert(memcmp(buf, "PROXY TCP6 ::ffff:10.0.0.1 2001:db8::2 1234 80\r\n", 48) == 0);

	/* nothing to announce */
	n = lb_proxy_encode(1, NULL, NULL, buf, sizeof(buf));
	ck_assert_int_eq(n, 15);
	ck_assert(memcmp(buf, "PROXY UNKNOWN\r\n", 15) == 0);

	/* the longest line fits in 107 bytes */
	n = encode(1, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535,
		   "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, buf, sizeof(buf));
	ck_assert_int_eq(n, 104);

	/* buffer too small, bad version */
	ck_assert_int_eq(encode(1, "192.168.0.1", 1, "192.168.0.11", 2, buf, 20), -1);
	ck_assert_int_eq(lb_proxy_encode(1, NULL, NULL, buf, 14), -1);
	ck_assert_int_eq(encode(3, "192.168.0.1", 1, "192.168.0.11", 2, buf, sizeof(buf)), -1);
	ck_assert_int_eq(lb_proxy_encode(0, NULL, NULL, buf, sizeof(buf)), -1);
	ck_assert_int_eq(lb_proxy_encode(1, NULL, NULL, NULL, 100), -1);
}
END_TEST

START_TEST(test_v1_decode)
{
	static const char l4[] = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET /";
	static const char l6[] = "PROXY TCP6 2001:db8::1 ::1 0 65535\r\n";
	static const char lmax[] = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
				   "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
	struct lb_proxy_hdr h;

	ck_assert_int_eq(lb_proxy_decode(l4, sizeof(l4) - 1, &h), (int)sizeof(l4) - 1 - 5);
	ck_assert_int_eq(h.version, 1);
	ck_assert(h.cmd_proxy);
	ck_assert_int_eq(h.transport, SOCK_STREAM);
	ck_assert_str_eq(sa_str(&h.src), "192.168.0.1 56324");
	ck_assert_str_eq(sa_str(&h.dst), "192.168.0.11 443");
	check_prefixes(l4, (int)sizeof(l4) - 1 - 5);

	ck_assert_int_eq(lb_proxy_decode(l6, sizeof(l6) - 1, &h), (int)sizeof(l6) - 1);
	ck_assert_str_eq(sa_str(&h.src), "2001:db8::1 0");
	ck_assert_str_eq(sa_str(&h.dst), "::1 65535");
	check_prefixes(l6, (int)sizeof(l6) - 1);

	ck_assert_int_eq(lb_proxy_decode("PROXY UNKNOWN\r\nxyz", 18, &h), 15);
	ck_assert_int_eq(h.version, 1);
	ck_assert(!h.cmd_proxy);
	ck_assert_int_eq(h.src.ss_family, AF_UNSPEC);
	ck_assert_int_eq(h.dst.ss_family, AF_UNSPEC);
	check_prefixes("PROXY UNKNOWN\r\n", 15);
	/* whatever follows UNKNOWN is ignored; 107 bytes is the limit */
	ck_assert_int_eq(strlen(lmax), 107);
	ck_assert_int_eq(lb_proxy_decode(lmax, strlen(lmax), &h), 107);
	ck_assert(!h.cmd_proxy);
	check_prefixes(lmax, 107);
	ck_assert_int_eq(lb_proxy_decode("PROXY UNKNOWN 1.2.3.4 junk\r\n", 28, &h), 28);
}
END_TEST

START_TEST(test_v1_bad)
{
	static const char *const bad[] = {
		"GET / HTTP/1.1\r\n",
		"proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY\r\n",
		"PROXY \r\n",
		"PROXY TCP4\r\n",
		"PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY UNKNOWNX\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n",
		"PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 +2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 100000\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 0x10\r\n",
		"PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n",
		"PROXY TCP4 ::1 5.6.7.8 1 2\r\n",
		"PROXY TCP6 1.2.3.4 ::1 1 2\r\n",
		"PROXY TCP6 ::1 ::g 1 2\r\n",
		"PROXY TCP6 0000:0000:0000:0000:0000:0000:0000:0000:0 ::1 1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",	/* bare LF */
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rx",	/* bare CR */
		"PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n",
		"PROXY UNKNOWN \x01\r\n",
		"PROXY UNKNOWN \xc3\xa9\r\n",
		"\r\n\r\n\r\n",
		"x",
	};
	char big[200];
	struct lb_proxy_hdr h;

	for (size_t i = 0; i < LB_ARRAY_SIZE(bad); i++)
		ck_assert_msg(lb_proxy_decode(bad[i], strlen(bad[i]), &h) == -1, "%zu: %s", i,
			      bad[i]);
	/* no CRLF within 107 bytes */
	memset(big, 'a', sizeof(big));
	memcpy(big, "PROXY UNKNOWN ", 14);
	ck_assert_int_eq(lb_proxy_decode(big, 106, &h), 0);
	ck_assert_int_eq(lb_proxy_decode(big, 107, &h), -1);
	ck_assert_int_eq(lb_proxy_decode(big, sizeof(big), &h), -1);
	/* CR as the 107th byte: the LF would be the 108th */
	memcpy(big + 106, "\r\n", 2);
	ck_assert_int_eq(lb_proxy_decode(big, 107, &h), -1);
	ck_assert_int_eq(lb_proxy_decode(big, 108, &h), -1);
	memcpy(big + 105, "\r\n", 2);
	ck_assert_int_eq(lb_proxy_decode(big, 108, &h), 107);
	/* incomplete but already wrong: no need to wait */
	ck_assert_int_eq(lb_proxy_decode("PRXY", 4, &h), -1);
	ck_assert_int_eq(lb_proxy_decode("PROXY TCP4 1.2.3.4\n", 19, &h), -1);
	ck_assert_int_eq(lb_proxy_decode("", 0, &h), 0);
	ck_assert_int_eq(lb_proxy_decode("P", 1, &h), 0);
}
END_TEST

START_TEST(test_v2_encode)
{
	unsigned char buf[LB_PROXY_MAX_LEN];
	static const unsigned char v4[] = {
		0x21, 0x11, 0x00, 0x0c,			/* PROXY, TCP over IPv4, 12 bytes */
		192, 168, 0, 1, 192, 168, 0, 11,	/* src, dst */
		0xdc, 0x04, 0x01, 0xbb,			/* 56324, 443 */
	};
	int n;

	n = encode(2, "192.168.0.1", 56324, "192.168.0.11", 443, buf, sizeof(buf));
	ck_assert_int_eq(n, 28);
	ck_assert(memcmp(buf, sig, 12) == 0);
	ck_assert(memcmp(buf + 12, v4, sizeof(v4)) == 0);

	n = encode(2, "2001:db8::1", 1, "::ffff:10.0.0.1", 2, buf, sizeof(buf));
	ck_assert_int_eq(n, 16 + 36);
	ck_assert(memcmp(buf, sig, 12) == 0);
	ck_assert_int_eq(buf[12], 0x21);
	ck_assert_int_eq(buf[13], 0x21);
	ck_assert_int_eq(buf[14], 0);
	ck_assert_int_eq(buf[15], 36);
	ck_assert_int_eq(buf[16], 0x20);
	ck_assert_int_eq(buf[17], 0x01);
	ck_assert_int_eq(buf[31], 0x01);
	ck_assert_int_eq(buf[42], 0xff);
	ck_assert_int_eq(buf[47], 0x01);
	ck_assert_int_eq(buf[48], 0);
	ck_assert_int_eq(buf[49], 1);
	ck_assert_int_eq(buf[51], 2);

	/* mixed: IPv6 */
	n = encode(2, "10.0.0.1", 1, "2001:db8::2", 2, buf, sizeof(buf));
	ck_assert_int_eq(n, 52);
	ck_assert_int_eq(buf[13], 0x21);

	/* LOCAL: no addresses */
	n = lb_proxy_encode(2, NULL, NULL, buf, sizeof(buf));
	ck_assert_int_eq(n, 16);
	ck_assert(memcmp(buf, sig, 12) == 0);
	ck_assert_int_eq(buf[12], 0x20);
	ck_assert_int_eq(buf[13], 0x00);
	ck_assert_int_eq(buf[14], 0);
	ck_assert_int_eq(buf[15], 0);

	/* too small */
	ck_assert_int_eq(encode(2, "10.0.0.1", 1, "10.0.0.2", 2, buf, 27), -1);
	ck_assert_int_eq(lb_proxy_encode(2, NULL, NULL, buf, 15), -1);
}
END_TEST

START_TEST(test_v2_unix)
{
	unsigned char buf[LB_PROXY_MAX_LEN];
	struct sockaddr_un s = { .sun_family = AF_UNIX }, d = { .sun_family = AF_UNIX };
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct lb_proxy_hdr h;
	int n;

	strcpy(s.sun_path, "/run/client.sock");
	strcpy(d.sun_path, "/run/lbd.sock");
	n = lb_proxy_encode(2, (struct sockaddr *)&s, (struct sockaddr *)&d, buf, sizeof(buf));
	ck_assert_int_eq(n, 16 + 216);
	ck_assert_int_eq(buf[12], 0x21);
	ck_assert_int_eq(buf[13], 0x31);
	ck_assert_int_eq(buf[14], 0);
	ck_assert_int_eq(buf[15], 216);
	ck_assert_int_eq(lb_proxy_decode(buf, (size_t)n, &h), n);
	ck_assert(h.cmd_proxy);
	ck_assert_int_eq(h.src.ss_family, AF_UNIX);
	ck_assert_str_eq(((struct sockaddr_un *)&h.src)->sun_path, "/run/client.sock");
	ck_assert_str_eq(((struct sockaddr_un *)&h.dst)->sun_path, "/run/lbd.sock");
	check_prefixes(buf, n);
	/* v1 cannot carry unix addresses; unix and inet do not mix */
	n = lb_proxy_encode(1, (struct sockaddr *)&s, (struct sockaddr *)&d, buf, sizeof(buf));
	ck_assert(n == 15 && memcmp(buf, "PROXY UNKNOWN\r\n", 15) == 0);
	n = lb_proxy_encode(2, (struct sockaddr *)&s, (struct sockaddr *)&in, buf, sizeof(buf));
	ck_assert_int_eq(n, 16);
	ck_assert_int_eq(buf[12], 0x20);
}
END_TEST

START_TEST(test_roundtrip)
{
	static const char *const pairs[][2] = {
		{ "192.168.0.1", "192.168.0.11" },
		{ "0.0.0.0", "255.255.255.255" },
		{ "2001:db8::1", "2001:db8::2" },
		{ "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
		{ "fe80::1:2:3:4", "::1" },
	};
	static const int ports[][2] = { { 0, 0 }, { 1, 65535 }, { 56324, 443 } };
	unsigned char buf[LB_PROXY_MAX_LEN + 8];
	struct lb_proxy_hdr h;

	for (int v = 1; v <= 2; v++) {
		for (size_t i = 0; i < LB_ARRAY_SIZE(pairs); i++) {
			for (size_t j = 0; j < LB_ARRAY_SIZE(ports); j++) {
				struct sockaddr_storage s = sa_of(pairs[i][0], ports[j][0]);
				struct sockaddr_storage d = sa_of(pairs[i][1], ports[j][1]);
				char want[2][80];
				int n = lb_proxy_encode(v, (struct sockaddr *)&s,
							(struct sockaddr *)&d, buf, sizeof(buf));

				ck_assert_int_gt(n, 0);
				memcpy(buf + n, "DATA", 4);	/* payload after the header */
				memset(&h, 0xa5, sizeof(h));
				ck_assert_int_eq(lb_proxy_decode(buf, (size_t)n + 4, &h), n);
				ck_assert_int_eq(h.version, v);
				ck_assert(h.cmd_proxy);
				ck_assert_int_eq(h.transport, SOCK_STREAM);
				ck_assert_int_eq(h.tlv_len, 0);
				snprintf(want[0], sizeof(want[0]), "%s %d", pairs[i][0],
					 ports[j][0]);
				snprintf(want[1], sizeof(want[1]), "%s %d", pairs[i][1],
					 ports[j][1]);
				ck_assert_str_eq(sa_str(&h.src), want[0]);
				ck_assert_str_eq(sa_str(&h.dst), want[1]);
				check_prefixes(buf, n);
			}
		}
		/* UNKNOWN / LOCAL */
		int n = lb_proxy_encode(v, NULL, NULL, buf, sizeof(buf));
		ck_assert_int_eq(lb_proxy_decode(buf, (size_t)n, &h), n);
		ck_assert_int_eq(h.version, v);
		ck_assert(!h.cmd_proxy);
		ck_assert_int_eq(h.src.ss_family, AF_UNSPEC);
	}
}
END_TEST

/* Builds a v2 header: ver_cmd, fam, then body (addresses + TLVs) of blen bytes. */
static size_t
v2_build(unsigned char *out, unsigned ver_cmd, unsigned fam, const void *body, size_t blen)
{
	memcpy(out, sig, 12);
	out[12] = (unsigned char)ver_cmd;
	out[13] = (unsigned char)fam;
	out[14] = (unsigned char)(blen >> 8);
	out[15] = (unsigned char)blen;
	if (blen)
		memcpy(out + 16, body, blen);
	return 16 + blen;
}

START_TEST(test_v2_decode)
{
	unsigned char buf[4096], body[4096];
	struct lb_proxy_hdr h;
	size_t n;

	/* v4 with TLVs: ALPN "h2", a NOOP, an empty one */
	static const unsigned char v4tlv[] = {
		10, 0, 0, 1, 10, 0, 0, 2, 0x30, 0x39, 0x00, 0x50,
		0x01, 0x00, 0x02, 'h', '2',
		0x04, 0x00, 0x03, 0, 0, 0,
		0xee, 0x00, 0x00,
	};
	n = v2_build(buf, 0x21, 0x11, v4tlv, sizeof(v4tlv));
	memcpy(buf + n, "GET", 3);
	ck_assert_int_eq(lb_proxy_decode(buf, n + 3, &h), (int)n);
	ck_assert_int_eq(h.version, 2);
	ck_assert(h.cmd_proxy);
	ck_assert_str_eq(sa_str(&h.src), "10.0.0.1 12345");
	ck_assert_str_eq(sa_str(&h.dst), "10.0.0.2 80");
	ck_assert_int_eq(h.tlv_off, 28);
	ck_assert_int_eq(h.tlv_len, sizeof(v4tlv) - 12);
	ck_assert_int_eq(buf[h.tlv_off], 0x01);
	check_prefixes(buf, (int)n);

	/* TLVs that do not tile the rest */
	n = v2_build(buf, 0x21, 0x11, v4tlv, sizeof(v4tlv) - 1);	/* last one cut */
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), -1);
	n = v2_build(buf, 0x21, 0x11, v4tlv, 12 + 2);	/* 2 bytes: no room for a TLV header */
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), -1);
	n = v2_build(buf, 0x21, 0x11, v4tlv, 12 + 4);	/* value longer than what is left */
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), -1);

	/* UDP is decoded as such (the caller decides) */
	n = v2_build(buf, 0x21, 0x12, v4tlv, 12);
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), (int)n);
	ck_assert_int_eq(h.transport, SOCK_DGRAM);

	/* PROXY with an unspecified family: no addresses, TLVs allowed */
	n = v2_build(buf, 0x21, 0x00, v4tlv + 12, 5);
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), (int)n);
	ck_assert(h.cmd_proxy);
	ck_assert_int_eq(h.src.ss_family, AF_UNSPEC);
	ck_assert_int_eq(h.tlv_off, 16);
	ck_assert_int_eq(h.tlv_len, 5);

	/* LOCAL: the whole block is skipped, whatever it holds */
	n = v2_build(buf, 0x20, 0x00, NULL, 0);
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), 16);
	ck_assert(!h.cmd_proxy);
	ck_assert_int_eq(h.version, 2);
	memset(body, 0x77, sizeof(body));
	n = v2_build(buf, 0x20, 0x11, body, 5);
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), 21);
	ck_assert(!h.cmd_proxy);
	ck_assert_int_eq(h.src.ss_family, AF_UNSPEC);
	ck_assert_int_eq(h.tlv_len, 0);
	check_prefixes(buf, (int)n);

	/* addresses shorter than the family needs */
	n = v2_build(buf, 0x21, 0x11, v4tlv, 11);
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), -1);
	n = v2_build(buf, 0x21, 0x21, body, 35);
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), -1);
	n = v2_build(buf, 0x21, 0x31, body, 215);
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), -1);
	/* ... which is known from the first 16 bytes */
	ck_assert_int_eq(lb_proxy_decode(buf, 16, &h), -1);

	/* bad version, command, family, transport */
	n = v2_build(buf, 0x11, 0x11, v4tlv, 12);
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), -1);
	ck_assert_int_eq(lb_proxy_decode(buf, 13, &h), -1);
	n = v2_build(buf, 0x31, 0x11, v4tlv, 12);
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), -1);
	n = v2_build(buf, 0x22, 0x11, v4tlv, 12);
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), -1);
	n = v2_build(buf, 0x2f, 0x11, v4tlv, 12);
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), -1);
	n = v2_build(buf, 0x21, 0x41, v4tlv, 12);
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), -1);
	ck_assert_int_eq(lb_proxy_decode(buf, 14, &h), -1);
	n = v2_build(buf, 0x21, 0x13, v4tlv, 12);
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), -1);
	n = v2_build(buf, 0x20, 0xff, NULL, 0);
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), -1);

	/* a damaged signature, at any byte */
	for (int i = 0; i < 12; i++) {
		n = v2_build(buf, 0x21, 0x11, v4tlv, 12);
		buf[i] ^= 0x40;
		ck_assert_int_eq(lb_proxy_decode(buf, n, &h), -1);
		ck_assert_int_eq(lb_proxy_decode(buf, (size_t)i + 1, &h), -1);
	}
}
END_TEST

START_TEST(test_v2_oversize)
{
	static unsigned char buf[70000], body[65535];
	struct lb_proxy_hdr h;
	size_t n;

	/* the largest accepted: LB_PROXY_MAX_LEN in all, one big TLV */
	memset(body, 0, sizeof(body));
	body[12] = 0x04;
	body[13] = (unsigned char)((LB_PROXY_MAX_LEN - 16 - 12 - 3) >> 8);
	body[14] = (unsigned char)((LB_PROXY_MAX_LEN - 16 - 12 - 3) & 0xff);
	n = v2_build(buf, 0x21, 0x11, body, LB_PROXY_MAX_LEN - 16);
	ck_assert_int_eq(n, LB_PROXY_MAX_LEN);
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), LB_PROXY_MAX_LEN);
	ck_assert_int_eq(lb_proxy_decode(buf, n - 1, &h), 0);
	/* one more byte: refused as soon as the length is known */
	body[14]++;
	n = v2_build(buf, 0x21, 0x11, body, LB_PROXY_MAX_LEN - 16 + 1);
	ck_assert_int_eq(lb_proxy_decode(buf, 16, &h), -1);
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), -1);
	n = v2_build(buf, 0x21, 0x11, body, 65535);
	ck_assert_int_eq(lb_proxy_decode(buf, 16, &h), -1);
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), -1);
	/* many small TLVs are fine (bounded by the length) */
	memset(body + 12, 0, sizeof(body) - 12);
	for (size_t i = 12; i + 3 <= 1000; i += 3)
		body[i] = 0x04;
	n = v2_build(buf, 0x21, 0x11, body, 12 + 3 * 329);
	ck_assert_int_eq(lb_proxy_decode(buf, n, &h), (int)n);
}
END_TEST

/* Random and mutated inputs: no crash, no read past len (ASan), sane results. */
START_TEST(test_fuzz)
{
	unsigned char good[3][LB_PROXY_MAX_LEN];
	int glen[3];
	uint64_t x = 0x2545f4914f6cdd1dULL;
	struct sockaddr_storage s = sa_of("2001:db8::1", 1), d = sa_of("10.1.2.3", 2);
	struct lb_proxy_hdr h;

	glen[0] = lb_proxy_encode(1, (struct sockaddr *)&s, (struct sockaddr *)&d, good[0],
				  sizeof(good[0]));
	glen[1] = lb_proxy_encode(2, (struct sockaddr *)&s, (struct sockaddr *)&d, good[1],
				  sizeof(good[1]));
	glen[2] = lb_proxy_encode(1, NULL, NULL, good[2], sizeof(good[2]));
	for (int iter = 0; iter < 200000; iter++) {
		int which = iter % 3;
		size_t len = (size_t)glen[which];
		unsigned char *b;
		int r;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (iter % 10 == 9)
			len = x % 300;
		b = malloc(len ? len : 1);
		if (iter % 10 == 9) {
			for (size_t i = 0; i < len; i++)
				b[i] = (unsigned char)(x >> (i % 56));
			b[0] = (unsigned char)"PP\r"[x % 3];
		} else {
			memcpy(b, good[which], len);
			b[x % len] ^= (unsigned char)(x >> 32) | 1;	/* one byte changed */
			len = (size_t)(x >> 40) % (len + 1);		/* maybe truncated */
		}
		r = lb_proxy_decode(b, len, &h);
		ck_assert(r >= -1 && r <= (int)len);
		if (r > 0)
			ck_assert(h.version == 1 || h.version == 2);
		free(b);
	}
}
END_TEST

static Suite *
pp_suite(void)
{
	Suite *s = suite_create("proxy_proto");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_v1_encode);
	tcase_add_test(tc, test_v1_decode);
	tcase_add_test(tc, test_v1_bad);
	tcase_add_test(tc, test_v2_encode);
	tcase_add_test(tc, test_v2_unix);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_v2_decode);
	tcase_add_test(tc, test_v2_oversize);
	tcase_add_test(tc, test_fuzz);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

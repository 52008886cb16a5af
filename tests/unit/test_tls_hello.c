/* tests/unit/test_tls_hello.c: the ClientHello reader: whole, in pieces, split over two
 * records, and truncated, lying or random inputs (each parsed from a buffer of exactly its
 * size, so that AddressSanitizer sees any read past the end), and the payload fetches built
 * on it with HAProxy's three-valued verdict while content is still arriving */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "tls_hello.h"

struct bld {
	uint8_t b[4096];
	size_t n;
};

static void
put(struct bld *x, const void *p, size_t n)
{
	ck_assert_uint_le(x->n + n, sizeof(x->b));
	memcpy(x->b + x->n, p, n);
	x->n += n;
}

static void
put8(struct bld *x, unsigned v)
{
	uint8_t c = (uint8_t)v;
	put(x, &c, 1);
}

static void
put16(struct bld *x, unsigned v)
{
	put8(x, v >> 8);
	put8(x, v);
}

/* A ClientHello handshake message (type, 3-byte length, body) with an optional SNI, an
 * optional supported_groups extension and `pad` bytes of padding extension. */
static size_t
hello_msg(uint8_t *out, const char *sni, bool groups, size_t pad)
{
	struct bld e = { .n = 0 }, m = { .n = 0 };
	uint8_t random[32];

	memset(random, 0xab, sizeof(random));
	if (sni) {
		size_t l = strlen(sni);
		put16(&e, 0);
		put16(&e, (unsigned)(l + 5));
		put16(&e, (unsigned)(l + 3));
		put8(&e, 0);
		put16(&e, (unsigned)l);
		put(&e, sni, l);
	}
	if (groups) {
		put16(&e, 10);
		put16(&e, 4);
		put16(&e, 2);
		put16(&e, 0x001d);
	}
	if (pad) {
		uint8_t z[1024] = { 0 };
		put16(&e, 21);
		put16(&e, (unsigned)pad);
		put(&e, z, pad);
	}
	put16(&m, 0x0303);
	put(&m, random, 32);
	put8(&m, 32);
	put(&m, random, 32);		/* session id */
	put16(&m, 4);
	put16(&m, 0x1301);
	put16(&m, 0xc02b);
	put8(&m, 1);
	put8(&m, 0);
	put16(&m, (unsigned)e.n);
	put(&m, e.b, e.n);
	out[0] = 1;
	out[1] = (uint8_t)(m.n >> 16);
	out[2] = (uint8_t)(m.n >> 8);
	out[3] = (uint8_t)m.n;
	memcpy(out + 4, m.b, m.n);
	return 4 + m.n;
}

/* Wraps msg[0..n) in records, the first one carrying `first` bytes (0: all). */
static size_t
records(uint8_t *out, const uint8_t *msg, size_t n, size_t first)
{
	size_t o = 0, off = 0;

	while (off < n) {
		size_t l = first && off == 0 ? first : n - off;
		out[o++] = 22;
		out[o++] = 3;
		out[o++] = 1;
		out[o++] = (uint8_t)(l >> 8);
		out[o++] = (uint8_t)l;
		memcpy(out + o, msg + off, l);
		o += l;
		off += l;
	}
	return o;
}

/* Parses a private copy of exactly len bytes. */
static int
parse(const uint8_t *in, size_t len, bool with_scratch, struct lb_tls_hello *h,
      uint8_t *scratch)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	memcpy(copy, in, len);
	r = lb_tls_hello_parse(copy, len, with_scratch ? scratch : NULL,
			       with_scratch ? LB_TLS_HELLO_SCRATCH : 0, h);
	if (r == LB_TLS_HELLO_OK && h->sni && h->sni >= (const char *)copy &&
	    h->sni < (const char *)copy + len) {
		/* the name points into the copy: check it before the copy goes */
		ck_assert(h->sni + h->sni_len <= (const char *)copy + len);
		h->sni = NULL;
		h->sni_len = (size_t)-1;	/* marker: was in place */
	}
	free(copy);
	return r;
}

START_TEST(test_whole)
{
	static uint8_t msg[4096], in[4200], scratch[LB_TLS_HELLO_SCRATCH];
	size_t n = hello_msg(msg, "a.example", true, 0), len = records(in, msg, n, 0);
	struct lb_tls_hello h;

	ck_assert_int_eq(lb_tls_hello_parse(in, len, NULL, 0, &h), LB_TLS_HELLO_OK);
	ck_assert_int_eq(h.hs_type, 1);
	ck_assert_uint_eq(h.rec_version, 0x0301);
	ck_assert_uint_eq(h.hello_version, 0x0303);
	ck_assert(h.ec_ext);
	ck_assert_uint_eq(h.sni_len, 9);
	ck_assert(!memcmp(h.sni, "a.example", 9));
	/* in place: the name is inside the input */
	ck_assert(h.sni >= (const char *)in && h.sni < (const char *)in + len);
	/* every strict prefix wants more, never decides */
	for (size_t l = 0; l < len; l++)
		ck_assert_int_eq(parse(in, l, true, &h, scratch), LB_TLS_HELLO_MORE);
	ck_assert_int_eq(parse(in, len, true, &h, scratch), LB_TLS_HELLO_OK);
	/* bytes after the message (early data) change nothing */
	in[len] = 23;
	ck_assert_int_eq(lb_tls_hello_parse(in, len + 1, NULL, 0, &h), LB_TLS_HELLO_OK);
}
END_TEST

START_TEST(test_no_sni)
{
	static uint8_t msg[4096], in[4200];
	size_t n = hello_msg(msg, NULL, false, 0), len = records(in, msg, n, 0);
	struct lb_tls_hello h;

	ck_assert_int_eq(lb_tls_hello_parse(in, len, NULL, 0, &h), LB_TLS_HELLO_OK);
	ck_assert_int_eq(h.hs_type, 1);
	ck_assert_ptr_null(h.sni);
	ck_assert(!h.ec_ext);
}
END_TEST

START_TEST(test_two_records)
{
	static uint8_t msg[4096], in[4200], scratch[LB_TLS_HELLO_SCRATCH];
	size_t n = hello_msg(msg, "b.example", false, 300);
	struct lb_tls_hello h;

	/* split anywhere: inside the 4-byte handshake header too */
	for (size_t first = 1; first < n; first += (first < 8 ? 1 : 37)) {
		size_t len = records(in, msg, n, first);
		memset(scratch, 0, sizeof(scratch));
		ck_assert_int_eq(lb_tls_hello_parse(in, len, scratch, sizeof(scratch), &h),
				 LB_TLS_HELLO_OK);
		ck_assert_uint_eq(h.sni_len, 9);
		ck_assert(!memcmp(h.sni, "b.example", 9));
		/* without room to put it together, it is refused, not misread */
		ck_assert_int_eq(lb_tls_hello_parse(in, len, NULL, 0, &h), LB_TLS_HELLO_NOT);
		ck_assert_int_eq(lb_tls_hello_parse(in, len, scratch, 64, &h), LB_TLS_HELLO_NOT);
		for (size_t l = 0; l < len; l += 13)
			ck_assert_int_eq(parse(in, l, true, &h, scratch), LB_TLS_HELLO_MORE);
	}
}
END_TEST

START_TEST(test_not_tls)
{
	static const char http[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	static const uint8_t ssh[] = "SSH-2.0-x";
	uint8_t scratch[64];
	struct lb_tls_hello h;

	ck_assert_int_eq(lb_tls_hello_parse(http, 1, scratch, sizeof(scratch), &h),
			 LB_TLS_HELLO_NOT);
	ck_assert_int_eq(lb_tls_hello_parse(http, strlen(http), NULL, 0, &h), LB_TLS_HELLO_NOT);
	ck_assert_int_eq(lb_tls_hello_parse(ssh, 3, NULL, 0, &h), LB_TLS_HELLO_NOT);
	/* a handshake type byte then TLS 2.x: not ours */
	ck_assert_int_eq(lb_tls_hello_parse("\x16\x02", 2, NULL, 0, &h), LB_TLS_HELLO_NOT);
	/* an alert record first */
	ck_assert_int_eq(lb_tls_hello_parse("\x15\x03\x03\x00\x02\x02\x28", 7, NULL, 0, &h),
			 LB_TLS_HELLO_NOT);
	ck_assert_int_eq(lb_tls_hello_parse("", 0, NULL, 0, &h), LB_TLS_HELLO_MORE);
}
END_TEST

START_TEST(test_lies)
{
	static uint8_t msg[4096], in[4200], bad[4200], scratch[LB_TLS_HELLO_SCRATCH];
	size_t n = hello_msg(msg, "a.example", true, 0), len = records(in, msg, n, 0);
	/* offsets in the record: 5 header, 4 handshake header, 2 version, 32 random, then the
	 * session id length */
	size_t sid = 5 + 4 + 2 + 32, cs = sid + 1 + 32, ext = cs + 2 + 4 + 2;
	struct lb_tls_hello h;

	/* record length 0, and above 2^14 + 2048 */
	memcpy(bad, in, len);
	bad[3] = 0, bad[4] = 0;
	ck_assert_int_eq(lb_tls_hello_parse(bad, len, scratch, sizeof(scratch), &h),
			 LB_TLS_HELLO_NOT);
	bad[3] = 0x48, bad[4] = 0x01;
	ck_assert_int_eq(lb_tls_hello_parse(bad, len, scratch, sizeof(scratch), &h),
			 LB_TLS_HELLO_NOT);
	/* a 16 MiB handshake message: more than any scratch space, refused at once */
	memcpy(bad, in, len);
	bad[6] = 0xff, bad[7] = 0xff, bad[8] = 0xff;
	ck_assert_int_eq(lb_tls_hello_parse(bad, len, scratch, sizeof(scratch), &h),
			 LB_TLS_HELLO_NOT);
	/* a session id of 33 bytes */
	memcpy(bad, in, len);
	bad[sid] = 33;
	ck_assert_int_eq(lb_tls_hello_parse(bad, len, NULL, 0, &h), LB_TLS_HELLO_NOT);
	/* an odd cipher suites length, then one past the message */
	memcpy(bad, in, len);
	bad[cs + 1] = 3;
	ck_assert_int_eq(lb_tls_hello_parse(bad, len, NULL, 0, &h), LB_TLS_HELLO_NOT);
	bad[cs] = 0xff, bad[cs + 1] = 0xfe;
	ck_assert_int_eq(lb_tls_hello_parse(bad, len, NULL, 0, &h), LB_TLS_HELLO_NOT);
	/* extensions length longer and shorter than what is left */
	memcpy(bad, in, len);
	bad[ext + 1]++;
	ck_assert_int_eq(lb_tls_hello_parse(bad, len, NULL, 0, &h), LB_TLS_HELLO_NOT);
	bad[ext + 1] -= 2;
	ck_assert_int_eq(lb_tls_hello_parse(bad, len, NULL, 0, &h), LB_TLS_HELLO_NOT);
	/* the SNI extension's own length, its list length, its name length: each lying */
	static const size_t low[] = { 5, 7, 10 };	/* after ext: the low length bytes */
	for (size_t i = 0; i < 3; i++) {
		size_t k = ext + low[i];
		for (int d = -1; d <= 1; d += 2) {
			memcpy(bad, in, len);
			bad[k] = (uint8_t)(bad[k] + d);
			ck_assert_int_eq(lb_tls_hello_parse(bad, len, NULL, 0, &h),
					 LB_TLS_HELLO_NOT);
		}
	}
}
END_TEST

START_TEST(test_duplicate_sni)
{
	static uint8_t msg[4096], in[4200];
	size_t n = hello_msg(msg, "a.example", false, 0), len;
	/* the extension block ends the message: append a copy of the SNI extension (18 bytes
	 * for a 9-byte name) and fix the three lengths */
	size_t ext_len_at = n - 18 - 2, elen = (size_t)(msg[ext_len_at] << 8 | msg[ext_len_at + 1]);
	struct lb_tls_hello h;

	memcpy(msg + n, msg + n - 18, 18);
	n += 18;
	msg[ext_len_at] = (uint8_t)((elen + 18) >> 8);
	msg[ext_len_at + 1] = (uint8_t)(elen + 18);
	msg[3] = (uint8_t)(msg[3] + 18);
	len = records(in, msg, n, 0);
	ck_assert_int_eq(lb_tls_hello_parse(in, len, NULL, 0, &h), LB_TLS_HELLO_NOT);
}
END_TEST

START_TEST(test_other_handshake)
{
	/* a complete handshake message of another type (server_hello, 2): its type only */
	static const uint8_t in[] = { 22, 3, 3, 0, 6, 2, 0, 0, 2, 0xaa, 0xbb };
	struct lb_tls_hello h;

	ck_assert_int_eq(lb_tls_hello_parse(in, sizeof(in), NULL, 0, &h), LB_TLS_HELLO_OK);
	ck_assert_int_eq(h.hs_type, 2);
	ck_assert_ptr_null(h.sni);
	ck_assert_int_eq(lb_tls_hello_parse(in, sizeof(in) - 1, NULL, 0, &h), LB_TLS_HELLO_MORE);
}
END_TEST

START_TEST(test_random)
{
	static uint8_t msg[4096], in[4200], bad[4200], scratch[LB_TLS_HELLO_SCRATCH];
	size_t n = hello_msg(msg, "fuzz.example", true, 40);
	struct lb_tls_hello h;
	unsigned seed = 12345;

	for (int i = 0; i < 20000; i++) {
		size_t len = records(in, msg, n, i % 3 ? 0 : 1 + (size_t)(i % 200));
		int flips = 1 + i % 4;
		memcpy(bad, in, len);
		for (int f = 0; f < flips; f++) {
			seed = seed * 1103515245u + 12345u;
			bad[(seed >> 8) % len] = (uint8_t)(seed >> 20);
		}
		seed = seed * 1103515245u + 12345u;
		len -= (seed >> 9) % 4 == 0 ? (seed >> 12) % len : 0;
		(void)parse(bad, len, true, &h, scratch);
	}
}
END_TEST

START_TEST(test_version)
{
	uint32_t v = 0;

	ck_assert_int_eq(lb_tls_hello_version("\x16\x03\x01\x02\x00", 5, &v), LB_TLS_HELLO_OK);
	ck_assert_uint_eq(v, 0x30001);
	ck_assert_int_eq(lb_tls_hello_version("\x16\x03\x03\x02\x00", 5, &v), LB_TLS_HELLO_OK);
	ck_assert_uint_eq(v, 3 * 65536 + 3);
	/* an SSLv2 CLIENT-HELLO announcing 3.1 */
	ck_assert_int_eq(lb_tls_hello_version("\x80\x2e\x01\x03\x01", 5, &v), LB_TLS_HELLO_OK);
	ck_assert_uint_eq(v, 0x30001);
	ck_assert_int_eq(lb_tls_hello_version("\x16\x03", 2, &v), LB_TLS_HELLO_MORE);
	ck_assert_int_eq(lb_tls_hello_version("", 0, &v), LB_TLS_HELLO_MORE);
	ck_assert_int_eq(lb_tls_hello_version("GET /", 5, &v), LB_TLS_HELLO_NOT);
	ck_assert_int_eq(lb_tls_hello_version("\x16\x05", 2, &v), LB_TLS_HELLO_NOT);
	ck_assert_int_eq(lb_tls_hello_version("\x80\x2e\x02", 3, &v), LB_TLS_HELLO_NOT);
}
END_TEST


/* ---- payload fetches and verdicts ---- */

static char errs[512];

static void
collect(void *arg, int word, int off, const char *msg)
{
	(void)arg, (void)word, (void)off;
	snprintf(errs, sizeof(errs), "%s", msg);
}

/* "if <terms>" on `len` bytes of content; -1 when it does not compile */
static int
verdict(const char *text, const void *payload, size_t len, bool partial)
{
	struct lb_acl_set set = { 0 };
	struct lb_acl_report rep = { collect, NULL };
	struct lb_acl_ctx ctx;
	char buf[512], *v[64], *save = NULL;
	int col[64] = { 0 }, n = 0, r;
	struct lb_acl_cond *c;

	snprintf(buf, sizeof(buf), "%s", text);
	for (char *t = strtok_r(buf, " ", &save); t && n < 64; t = strtok_r(NULL, " ", &save))
		v[n++] = t;
	struct lb_acl_words w = { v, col, n, { "t", 1, 0 } };
	errs[0] = '\0';
	c = lb_acl_cond_parse(&set, &w, LB_ACL_USE_L4 | LB_ACL_USE_REQ | LB_ACL_USE_PAYLOAD, &rep);
	if (!c) {
		lb_acl_set_free(&set);
		return -1;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.has_payload = true;
	ctx.payload_partial = partial;
	ctx.payload.p = payload;
	ctx.payload.len = len;
	r = (int)lb_acl_cond_verdict(c, &ctx);
	ck_assert_int_eq(lb_acl_cond_eval(c, &ctx), r == LB_ACL_PASS);
	lb_acl_cond_free(c);
	lb_acl_set_free(&set);
	return r;
}

#define V(want, text, p, len, partial)                                                        \
	ck_assert_msg(verdict(text, p, len, partial) == (want), "%s on %zu bytes%s: want %d (%s)", \
		      text, (size_t)(len), partial ? " (partial)" : "", want, errs)
#define PASS LB_ACL_PASS
#define FAIL LB_ACL_FAIL
#define MISS LB_ACL_MISS

START_TEST(test_payload_verdicts)
{
	static uint8_t msg[4096], in[4200];
	size_t n = hello_msg(msg, "a.example", true, 0), len = records(in, msg, n, 0);

	/* half a ClientHello: undecided either way while more may come, decided at the end */
	V(MISS, "if { req.ssl_hello_type 1 }", in, 20, true);
	V(MISS, "unless { req.ssl_hello_type 1 }", in, 20, true);
	V(MISS, "if { req.ssl_sni -i a.example }", in, 20, true);
	V(FAIL, "if { req.ssl_hello_type 1 }", in, 20, false);
	V(PASS, "unless { req.ssl_hello_type 1 }", in, 20, false);
	/* the whole of it: decided, even while more may come */
	V(PASS, "if { req.ssl_hello_type 1 }", in, len, true);
	V(PASS, "if { req_ssl_sni -i A.EXAMPLE }", in, len, true);
	V(FAIL, "if { req.ssl_sni -i b.example }", in, len, true);
	V(PASS, "if { req.ssl_ver 196609 }", in, len, true);
	V(PASS, "if { req.ssl_ec_ext }", in, len, true);
	/* not TLS: decided at once */
	V(FAIL, "if { req.ssl_hello_type 1 }", "GET / HTTP/1.1\r\n", 16, true);
	V(FAIL, "if { req.ssl_ver gt 0 }", "GET / HTTP/1.1\r\n", 16, true);
	/* req.len keeps changing: a failed test waits, a passed one is final */
	V(MISS, "if { req.len ge 8 }", "PING", 4, true);
	V(PASS, "if { req.len ge 8 }", "PING1234", 8, true);
	V(FAIL, "if { req.len ge 8 }", "PING", 4, false);
	V(PASS, "if { req_len gt 0 }", "P", 1, false);
	/* three-valued AND / OR / NOT */
	V(MISS, "if { req.len ge 8 } || { always_false }", "PI", 2, true);
	V(PASS, "if { always_true } || { req.len ge 8 }", "PI", 2, true);
	V(PASS, "if { req.len ge 8 } || { always_true }", "PI", 2, true);
	V(FAIL, "if { req.len ge 8 } { always_false }", "PI", 2, true);
	V(MISS, "if { req.len ge 8 } { always_true }", "PI", 2, true);
	V(MISS, "if ! { req.len ge 8 }", "PI", 2, true);
	/* req.payload: hex bytes; a block not there yet waits */
	V(MISS, "if { req.payload(0,4) -m bin 50494e47 }", "PI", 2, true);
	V(PASS, "if { req.payload(0,4) -m bin 50494e47 }", "PING", 4, true);
	V(PASS, "if { req.payload(0,4) 50494E47 }", "PING", 4, true);
	V(FAIL, "if { req.payload(0,4) -m bin 50494e47 }", "PONG", 4, true);
	V(FAIL, "if { req.payload(0,4) -m bin 50494e47 }", "PI", 2, false);
	V(PASS, "if { req.payload(1,0) -m bin 4f4e47 }", "PONG", 4, false);
	V(PASS, "if { payload(2,2) -m str NG }", "PONG", 4, false);
	/* req.payload_lv: 1-byte length at 0, block after it; at an absolute or relative start */
	V(PASS, "if { req.payload_lv(0,1) -m bin 616263 }", "\x03" "abcd", 5, true);
	V(MISS, "if { req.payload_lv(0,1) -m bin 616263 }", "\x05" "abc", 4, true);
	V(PASS, "if { req.payload_lv(0,1,+1) -m bin 6263 }", "\x02" "abcd", 5, false);
	V(PASS, "if { req.payload_lv(0,2,3) -m bin 62 }", "\x00\x01" "ab", 4, false);
	V(FAIL, "if { req.payload_lv(0,1,-9) -m found }", "\x01" "ab", 3, false);
	/* the len matcher takes HAProxy's operators too */
	V(PASS, "if { req.payload(0,0) -m len gt 3 }", "PONG", 4, false);
	V(FAIL, "if { req.payload(0,0) -m len gt 4 }", "PONG", 4, false);
	/* WAIT_END: only once the inspection is over */
	V(MISS, "if WAIT_END", "", 0, true);
	V(PASS, "if WAIT_END", "", 0, false);
	V(PASS, "if { wait_end }", "x", 1, false);
	/* hex patterns are checked when loaded */
	V(-1, "if { req.payload(0,1) -m bin 4 }", "", 0, false);
	ck_assert_ptr_nonnull(strstr(errs, "not bytes in hex"));
	V(-1, "if { req.payload(0,1) -m bin zz }", "", 0, false);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tls_hello");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, test_whole);
	tcase_add_test(tc, test_no_sni);
	tcase_add_test(tc, test_two_records);
	tcase_add_test(tc, test_not_tls);
	tcase_add_test(tc, test_lies);
	tcase_add_test(tc, test_duplicate_sni);
	tcase_add_test(tc, test_other_handshake);
	tcase_add_test(tc, test_random);
	tcase_add_test(tc, test_version);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tc = tcase_create("payload");
	tcase_add_test(tc, test_payload_verdicts);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? 1 : 0;
}

/* tests/unit/test_tls_cfg.c: base64 (common/base64.c) and the model crt-list lines make
 * (common/cfg_crtlist.c): filters, options completed from the bind line, positions */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "cfg_load.h"

START_TEST(test_base64_vectors)
{
	/* RFC 4648 section 10 */
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
					   "Zm9vYmFy" };
	char out[32];
	unsigned char dec[32];

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		size_t l = strlen(plain[i]);
		ck_assert_uint_eq(lb_base64_encode((const unsigned char *)plain[i], l, out),
				  strlen(enc[i]));
		ck_assert_str_eq(out, enc[i]);
		ck_assert_int_eq(lb_base64_decode(enc[i], strlen(enc[i]), dec), (long)l);
		ck_assert(!memcmp(dec, plain[i], l));
	}
	ck_assert_int_eq(lb_base64_decode("Zm9", 3, dec), 2);	/* padding optional */
	ck_assert_int_eq(lb_base64_decode("Zm9v!A==", 8, dec), -1);
	ck_assert_int_eq(lb_base64_decode("Z", 1, dec), -1);
}
END_TEST

START_TEST(test_base64_roundtrip)
{
	unsigned char raw[300] = { 0 }, dec[300];
	char enc[420];

	for (size_t len = 0; len <= sizeof(raw); len += 7) {
		for (size_t i = 0; i < len; i++)
			raw[i] = (unsigned char)(i * 37 + len);
		size_t el = lb_base64_encode(raw, len, enc);
		ck_assert_int_eq(lb_base64_decode(enc, el, dec), (long)len);
		ck_assert(!memcmp(raw, dec, len));
	}
}
END_TEST

/* A temporary file holding text; its path in path (PATH_MAX). */
static void
tmp_file(char *path, const char *text)
{
	int fd;

	strcpy(path, "/tmp/lb-crtlist-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

START_TEST(test_crtlist_model)
{
	char crt[64], ca[64], list[64], text[1024], conf[2048];
	struct lb_cfg cfg;
	const struct lb_cfg_proxy *px;
	const struct lb_cfg_bind_ssl *s;
	const struct lb_cfg_crt *c;

	tmp_file(crt, "not parsed by the configuration parser\n");
	tmp_file(ca, "ca\n");
	snprintf(text, sizeof(text),
		 "# comment\n\n%s [verify required ca-file %s] a.test !b.a.test\n"
		 "'%s'   *.w.test  # trailing comment\n", crt, ca, crt);
	tmp_file(list, text);
	snprintf(conf, sizeof(conf),
		 "frontend f\n\tbind :443 ssl crt %s crt-list %s alpn http/1.1 "
		 "ssl-min-ver TLSv1.3\n\thttp-request return status 200\n", crt, list);
	expect_ok(&cfg, conf, NULL);
	for (px = cfg.proxies; px && strcmp(px->name, "f"); px = px->next)
		;
	ck_assert_ptr_nonnull(px);
	s = px->binds->ssl;
	c = s->crts;
	ck_assert_ptr_null(c->opts);	/* the plain crt first */
	ck_assert_int_eq(c->nfilters, 0);
	c = c->next;
	ck_assert_int_eq(c->pos.line, 3);
	ck_assert_int_eq(c->nfilters, 2);
	ck_assert_str_eq(c->filters[0], "a.test");
	ck_assert_str_eq(c->filters[1], "!b.a.test");
	ck_assert_ptr_nonnull(c->opts);
	ck_assert_int_eq(c->opts->verify, LB_SSL_VERIFY_REQUIRED);
	ck_assert_str_eq(c->opts->ca_file, ca);
	ck_assert_str_eq(c->opts->alpn, "http/1.1");	/* from the bind line */
	ck_assert_int_eq(c->opts->min_ver, LB_TLSV_TLS13);
	ck_assert_ptr_nonnull(c->opts->priority);
	c = c->next;
	ck_assert_int_eq(c->pos.line, 4);
	ck_assert_ptr_null(c->opts);
	ck_assert_int_eq(c->nfilters, 1);
	ck_assert_str_eq(c->filters[0], "*.w.test");
	ck_assert_ptr_null(c->next);
	lb_cfg_free(&cfg);
	unlink(crt);
	unlink(ca);
	unlink(list);
}
END_TEST

START_TEST(test_crtlist_errors)
{
	char crt[64], list[64], text[512], conf[1024], want[128];

	tmp_file(crt, "x\n");
	snprintf(text, sizeof(text), "%s [ciphers HIGH]\n", crt);
	tmp_file(list, text);
	snprintf(conf, sizeof(conf), "frontend f\n\tbind :443 ssl crt-list %s\n", list);
	snprintf(want, sizeof(want), "%s:1:", list);
	expect_error(conf, want);
	expect_error(conf, "crt-list: cipher 'HIGH' has no GnuTLS equivalent");
	unlink(list);
	snprintf(text, sizeof(text), "%s *.\n", crt);
	tmp_file(list, text);
	snprintf(conf, sizeof(conf), "frontend f\n\tbind :443 ssl crt-list %s\n", list);
	expect_error(conf, "SNI filter '*.'");
	unlink(list);
	unlink(crt);
	expect_error("frontend f\n\tbind :443 ssl crt-list /nonexistent/list\n",
		     "'crt-list /nonexistent/list': No such file");
}
END_TEST

static Suite *
tls_suite(void)
{
	Suite *s = suite_create("tls_cfg");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_base64_vectors);
	tcase_add_test(tc, test_base64_roundtrip);
	tcase_add_test(tc, test_crtlist_model);
	tcase_add_test(tc, test_crtlist_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tls_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

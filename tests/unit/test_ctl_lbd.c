/* tests/unit/test_ctl_lbd.c: the daemon-side pieces behind the control commands, without a
 * running daemon: the "show errors" rings (lbd/errors.c) and the stream registry of "show
 * sessions" (lbd/sessions.c), driven with hand-built runtime objects. */
#include <check.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "sessions.h"
#include "stream_types.h"
#include "runtime_types.h"
#include "thread_types.h"

static struct lbd_runtime rt;
static struct lbd_frontend fe[2];
static struct lbd_backend be[1];
static struct lbd_cconn cc;

static void
setup(void)
{
	memset(&rt, 0, sizeof(rt));
	memset(fe, 0, sizeof(fe));
	memset(be, 0, sizeof(be));
	memset(&cc, 0, sizeof(cc));
	fe[0].name = "web";
	fe[1].name = "api";
	be[0].name = "pool";
	rt.fe = fe;
	rt.nfe = 2;
	rt.be = be;
	rt.nbe = 1;
	rt.nbthread = 2;
	cc.cli.in4.sin_family = AF_INET;
	cc.cli.in4.sin_port = htons(4242);
	cc.cli.in4.sin_addr.s_addr = htonl(0x7f000001);
}

static void
capture(struct lbd_frontend *f, struct lbd_backend *b, enum lbd_err_dir dir, int status,
	uint32_t off, const char *buf, size_t len)
{
	struct lbd_stream s = { .fe = f, .be = b, .cc = &cc };
	struct lb_http1_error err = { status, off, "test fault" };

	lbd_errors_capture(&s, dir, &err, buf, len);
}

START_TEST(test_errors_ring)
{
	struct lbd_error_entry *e;
	size_t n;

	ck_assert_int_eq(lbd_errors_init(&rt), 0);
	ck_assert_ptr_null(lbd_errors_snapshot(-1, &n));
	ck_assert_uint_eq(n, 0);
	/* six errors on a ring of four: the last four stay, oldest first */
	for (int i = 0; i < 6; i++)
		capture(&fe[0], NULL, LBD_ERR_REQUEST, 400 + i, (uint32_t)i, "GET / HTTP/1.1\r\n", 16);
	capture(&fe[1], NULL, LBD_ERR_REQUEST, 431, 3, "abc", 3);
	e = lbd_errors_snapshot(-1, &n);
	ck_assert_uint_eq(n, LBD_ERR_RING + 1);
	for (int i = 0; i < LBD_ERR_RING; i++) {
		ck_assert_int_eq(e[i].status, 402 + i);
		ck_assert_str_eq(e[i].proxy, "web");
		if (i > 0)
			ck_assert_uint_lt(e[i - 1].seq, e[i].seq);
	}
	ck_assert_str_eq(e[LBD_ERR_RING].proxy, "api");	/* the next frontend's ring */
	ck_assert_str_eq(e[0].client, "127.0.0.1:4242");
	ck_assert_str_eq(e[0].backend, "-");
	ck_assert_str_eq(e[0].reason, "test fault");
	free(e);
	/* a response error goes to the backend's ring; the direction filter */
	capture(&fe[0], &be[0], LBD_ERR_RESPONSE, 502, 7, NULL, 0);
	e = lbd_errors_snapshot(LBD_ERR_RESPONSE, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(e[0].proxy, "pool");
	ck_assert_str_eq(e[0].frontend, "web");
	ck_assert_uint_eq(e[0].cap_len, 0);	/* no bytes given: none kept */
	ck_assert_uint_eq(e[0].offset, 7);
	free(e);
	e = lbd_errors_snapshot(LBD_ERR_REQUEST, &n);
	ck_assert_uint_eq(n, LBD_ERR_RING + 1);
	free(e);
	lbd_errors_release();
}
END_TEST

START_TEST(test_errors_capture_window)
{
	char *msg = malloc(5000);
	struct lbd_error_entry *e;
	size_t n;

	for (int i = 0; i < 5000; i++)
		msg[i] = (char)('a' + i % 26);
	ck_assert_int_eq(lbd_errors_init(&rt), 0);
	/* a fault deep in a long message: half the capture before it, half after */
	capture(&fe[0], NULL, LBD_ERR_REQUEST, 400, 3000, msg, 5000);
	/* near the start: from byte 0 */
	capture(&fe[0], NULL, LBD_ERR_REQUEST, 400, 100, msg, 5000);
	/* near the end: up to the end */
	capture(&fe[0], NULL, LBD_ERR_REQUEST, 400, 4990, msg, 5000);
	/* an offset past the bytes we have (431: head too large) */
	capture(&fe[0], NULL, LBD_ERR_REQUEST, 431, 9000, msg, 300);
	e = lbd_errors_snapshot(-1, &n);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(e[0].cap_start, 3000 - LBD_ERR_CAPTURE / 2);
	ck_assert_uint_eq(e[0].cap_len, LBD_ERR_CAPTURE);
	ck_assert_int_eq(memcmp(e[0].cap, msg + e[0].cap_start, LBD_ERR_CAPTURE), 0);
	ck_assert_uint_eq(e[0].msg_len, 5000);
	ck_assert_uint_eq(e[1].cap_start, 0);
	ck_assert_uint_eq(e[1].cap_len, LBD_ERR_CAPTURE);
	ck_assert_uint_eq(e[2].cap_start, 4990 - LBD_ERR_CAPTURE / 2);
	ck_assert_uint_eq(e[2].cap_start + e[2].cap_len, 5000);
	ck_assert_uint_eq(e[3].cap_start, 0);
	ck_assert_uint_eq(e[3].cap_len, 300);
	ck_assert_uint_eq(e[3].offset, 9000);
	free(e);
	free(msg);
	lbd_errors_release();
}
END_TEST

START_TEST(test_sessions_registry)
{
	struct lbd_thread thr[2];
	struct lbd_stream s[5];
	struct lbd_session_info out[8];

	memset(thr, 0, sizeof(thr));
	memset(s, 0, sizeof(s));
	thr[0].id = 0;
	thr[1].id = 1;
	ck_assert_int_eq(lbd_sessions_init(&rt), 0);
	for (int i = 0; i < 5; i++) {
		s[i].thr = &thr[i % 2];
		s[i].cc = &cc;
		s[i].fe = &fe[0];
		s[i].state = LBD_ST_FORWARD;
		s[i].bytes_in = (uint64_t)i * 10;
		lbd_sessions_add(&s[i]);
	}
	/* thread t's n-th stream: n * nbthread + t + 1 (unique, and names its thread) */
	ck_assert(s[0].sess_id == 1 && s[2].sess_id == 3 && s[4].sess_id == 5);
	ck_assert(s[1].sess_id == 2 && s[3].sess_id == 4);
	ck_assert_uint_eq(lbd_sessions_list(&thr[0], out, 8), 3);
	ck_assert(out[0].id == 1 && out[1].id == 3 && out[2].id == 5);
	ck_assert_str_eq(out[1].frontend, "web");
	ck_assert_str_eq(out[1].backend, "-");
	ck_assert_str_eq(out[1].client, "127.0.0.1:4242");
	ck_assert_str_eq(out[1].state, "forward");
	ck_assert_uint_eq(out[2].bytes_in, 40);
	ck_assert_str_eq(out[2].request, "-");
	/* remove the middle one, then the head: O(1) unlinking keeps the order */
	lbd_sessions_remove(&s[2]);
	ck_assert_uint_eq(lbd_sessions_list(&thr[0], out, 8), 2);
	ck_assert(out[0].id == 1 && out[1].id == 5);
	lbd_sessions_remove(&s[0]);
	ck_assert_uint_eq(lbd_sessions_list(&thr[0], out, 8), 1);
	ck_assert(out[0].id == 5);
	/* a bounded list still counts every stream */
	ck_assert_uint_eq(lbd_sessions_list(&thr[1], out, 1), 2);
	ck_assert(out[0].id == 2);
	/* a new stream on thread 0 continues its sequence */
	lbd_sessions_add(&s[0]);
	ck_assert(s[0].sess_id == 7);
	lbd_sessions_remove(&s[0]);
	lbd_sessions_remove(&s[4]);
	lbd_sessions_remove(&s[1]);
	lbd_sessions_remove(&s[3]);
	ck_assert_uint_eq(lbd_sessions_list(&thr[0], out, 8), 0);
	ck_assert_uint_eq(lbd_sessions_list(&thr[1], out, 8), 0);
	lbd_sessions_release();
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ctl_lbd");
	TCase *tc = tcase_create("errors");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_errors_ring);
	tcase_add_test(tc, test_errors_capture_window);
	suite_add_tcase(s, tc);
	tc = tcase_create("sessions");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_sessions_registry);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

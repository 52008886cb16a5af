/* tests/unit/test_h2_mem.c: the memory of nghttp2 sessions (lbd/h2_mem.c)
 *
 * Real nghttp2 server sessions on the allocator: the frame buffer gets a page-aligned slot
 * of its own, its pages leave memory when the session is idle (mincore), the session still
 * frames correctly after that (the buffer came back as zeroes), and slots are given back.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "h2_mem.h"

struct sink {
	struct lbd_h2_mem m;
	unsigned char out[256];
	size_t len;
};

static ssize_t
on_send(nghttp2_session *s, const uint8_t *data, size_t len, int flags, void *arg)
{
	struct sink *k = arg;

	(void)s;
	(void)flags;
	lbd_h2_mem_written(&k->m);
	if (len > sizeof(k->out) - k->len)
		len = sizeof(k->out) - k->len;
	memcpy(k->out + k->len, data, len);
	k->len += len;
	return (ssize_t)len;
}

static nghttp2_session *
session(struct sink *k)
{
	nghttp2_session_callbacks *cb;
	nghttp2_session *s = NULL;

	memset(k, 0, sizeof(*k));
	lbd_h2_mem_init(&k->m);
	ck_assert_int_eq(nghttp2_session_callbacks_new(&cb), 0);
	nghttp2_session_callbacks_set_send_callback(cb, on_send);
	ck_assert_int_eq(nghttp2_session_server_new3(&s, cb, k, NULL, &k->m.mem), 0);
	nghttp2_session_callbacks_del(cb);
	return s;
}

/* Is the first page of p in memory? */
static bool
resident(const void *p)
{
	unsigned char v = 0;

	ck_assert_int_eq(mincore((void *)(uintptr_t)p, 1, &v), 0);
	return v & 1;
}

START_TEST(test_idle_frame_buffer_leaves_memory)
{
	static const uint8_t opaque[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t ping[17] = { 0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct sink k;
	nghttp2_session *s = session(&k);
	long page = sysconf(_SC_PAGESIZE);

	ck_assert_ptr_nonnull(k.m.fb);
	ck_assert_uint_eq((uintptr_t)k.m.fb % (uintptr_t)page, 0);
	ck_assert(!lbd_h2_mem_resident(&k.m));
	ck_assert_int_eq(nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, NULL, 0), 0);
	ck_assert_int_eq(nghttp2_session_send(s), 0);
	ck_assert_uint_eq(k.len, 9);	/* an empty SETTINGS frame */
	ck_assert(lbd_h2_mem_resident(&k.m));
	ck_assert(resident(k.m.fb));

	lbd_h2_mem_idle(&k.m);
	ck_assert(!lbd_h2_mem_resident(&k.m));
	ck_assert(!resident(k.m.fb));

	/* the buffer came back as zeroes: frames are still right */
	k.len = 0;
	ck_assert_int_eq(nghttp2_submit_ping(s, NGHTTP2_FLAG_NONE, opaque), 0);
	ck_assert_int_eq(nghttp2_session_send(s), 0);
	ck_assert_uint_eq(k.len, sizeof(ping));
	ck_assert(!memcmp(k.out, ping, sizeof(ping)));

	nghttp2_session_del(s);
	ck_assert_ptr_null(k.m.fb);
}
END_TEST

START_TEST(test_slots_are_distinct_and_reused)
{
	enum { N = 150 };	/* more than two mappings of slots */
	static struct sink k[N];
	static nghttp2_session *s[N];

	for (int i = 0; i < N; i++) {
		s[i] = session(&k[i]);
		ck_assert_ptr_nonnull(k[i].m.fb);
		for (int j = 0; j < i; j++)
			ck_assert_ptr_ne(k[i].m.fb, k[j].m.fb);
		/* every slot is writable over its whole frame buffer size */
		memset(k[i].m.fb, 0xa5, 16394);
	}
	for (int i = 0; i < N; i++) {
		nghttp2_session_del(s[i]);
		ck_assert_ptr_null(k[i].m.fb);
	}
	s[0] = session(&k[0]);
	ck_assert_ptr_nonnull(k[0].m.fb);
	nghttp2_session_del(s[0]);
}
END_TEST

static Suite *
h2_mem_suite(void)
{
	Suite *s = suite_create("h2_mem");
	TCase *tc = tcase_create("frame buffer");

	tcase_add_test(tc, test_idle_frame_buffer_leaves_memory);
	tcase_add_test(tc, test_slots_are_distinct_and_reused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(h2_mem_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* tests/unit/test_stktable.c: stick tables, their keywords and fetches */
#include <check.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acl.h"
#include "cfg.h"
#include "diag.h"
#include "stktable.h"

static struct lb_stktable *
mk(enum lb_stk_key_type type, uint64_t size, uint64_t expire, uint32_t store, uint32_t period)
{
	struct lb_stktable_def def = { .type = type, .size = size, .expire_ms = expire,
				       .store = store };

	for (int i = 0; i < LB_STK_DT__COUNT; i++)
		def.period_ms[i] = period;
	return lb_stktable_new("t", &def);
}

#define BIT(x) (1u << (x))

START_TEST(test_keys)
{
	struct lb_stktable *t = mk(LB_STK_KEY_IPV6, 100, 0, BIT(LB_STK_GPC0), 0);
	unsigned char k[LB_STK_KEY_MAX];
	char buf[128];
	int n;

	n = lb_stk_key_parse(t, "10.0.0.1", k);	/* an IPv4 address in an ipv6 table: mapped */
	ck_assert_int_eq(n, 16);
	ck_assert_str_eq(lb_stk_key_format(t, k, 16, buf, sizeof(buf)), "::ffff:10.0.0.1");
	ck_assert_int_eq(lb_stk_key_parse(t, "nope", k), -1);
	lb_stktable_free(t);

	t = mk(LB_STK_KEY_IP, 100, 0, BIT(LB_STK_GPC0), 0);
	ck_assert_int_eq(lb_stk_key_parse(t, "::1", k), -1);
	ck_assert_int_eq(lb_stk_key_parse(t, "192.0.2.7", k), 4);
	ck_assert_str_eq(lb_stk_key_format(t, k, 4, buf, sizeof(buf)), "192.0.2.7");
	lb_stktable_free(t);

	t = mk(LB_STK_KEY_INTEGER, 100, 0, BIT(LB_STK_GPC0), 0);
	ck_assert_int_eq(lb_stk_key_parse(t, "-42", k), 8);
	ck_assert_str_eq(lb_stk_key_format(t, k, 8, buf, sizeof(buf)), "-42");
	lb_stktable_free(t);

	struct lb_stktable_def def = { .type = LB_STK_KEY_STRING, .key_len = 4, .size = 10,
				       .store = BIT(LB_STK_GPC0) };
	t = lb_stktable_new("s", &def);
	ck_assert_int_eq(lb_stk_key_parse(t, "abcdefgh", k), 4);	/* cut at len */
	ck_assert_str_eq(lb_stk_key_format(t, k, 4, buf, sizeof(buf)), "abcd");
	lb_stktable_free(t);
}
END_TEST

START_TEST(test_counters)
{
	uint32_t store = BIT(LB_STK_CONN_CUR) | BIT(LB_STK_CONN_CNT) | BIT(LB_STK_HTTP_REQ_CNT) |
			 BIT(LB_STK_GPC0) | BIT(LB_STK_GPT0) | BIT(LB_STK_BYTES_IN_CNT) |
			 BIT(LB_STK_BYTES_OUT_CNT) | BIT(LB_STK_HTTP_ERR_CNT);
	struct lb_stktable *t = mk(LB_STK_KEY_INTEGER, 100, 0, store, 0);
	int64_t key = 7, v;
	struct lb_stk_entry *e = lb_stk_acquire(t, &key, 8, 1000), *e2;

	ck_assert_ptr_nonnull(e);
	lb_stk_count(t, e, LB_STK_EV_CONN | LB_STK_EV_HTTP_REQ | LB_STK_EV_HTTP_ERR, 1000);
	e2 = lb_stk_acquire(t, &key, 8, 1000);
	ck_assert_ptr_eq(e, e2);	/* same key, same entry */
	lb_stk_count(t, e2, LB_STK_EV_CONN, 1000);
	ck_assert(lb_stk_read(t, e, LB_STK_CONN_CUR, 1000, &v));
	ck_assert_int_eq(v, 2);
	lb_stk_count(t, e2, LB_STK_EV_CONN_END, 1000);
	lb_stk_release(t, e2, 1000);
	ck_assert(lb_stk_read(t, e, LB_STK_CONN_CUR, 1000, &v));
	ck_assert_int_eq(v, 1);
	ck_assert(lb_stk_read(t, e, LB_STK_CONN_CNT, 1000, &v));
	ck_assert_int_eq(v, 2);
	ck_assert(lb_stk_read(t, e, LB_STK_HTTP_ERR_CNT, 1000, &v));
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(lb_stk_inc_gpc(t, e, 0, 1000), 1);
	ck_assert_int_eq(lb_stk_inc_gpc(t, e, 0, 1000), 2);
	ck_assert_int_eq(lb_stk_inc_gpc(t, e, 1, 1000), -1);	/* gpc1 not stored */
	ck_assert(lb_stk_set(t, e, LB_STK_GPT0, 5, 1000));
	ck_assert(!lb_stk_set(t, e, LB_STK_GPC1, 5, 1000));
	ck_assert(!lb_stk_read(t, e, LB_STK_HTTP_REQ_RATE, 1000, &v));	/* not stored */
	lb_stk_add_bytes(t, e, 100, 2000, 1000);
	ck_assert(lb_stk_read(t, e, LB_STK_BYTES_OUT_CNT, 1000, &v));
	ck_assert_int_eq(v, 2000);
	ck_assert(lb_stk_lookup_read(t, &key, 8, LB_STK_GPT0, 1000, &v));
	ck_assert_int_eq(v, 5);
	key = 8;	/* absent: 0, as HAProxy's src_* fetches */
	ck_assert(lb_stk_lookup_read(t, &key, 8, LB_STK_GPT0, 1000, &v));
	ck_assert_int_eq(v, 0);
	ck_assert(lb_stk_key_set(t, &key, 8, LB_STK_GPC0, 9, 1000));
	ck_assert(lb_stk_lookup_read(t, &key, 8, LB_STK_GPC0, 1000, &v));
	ck_assert_int_eq(v, 9);
	ck_assert_int_eq(lb_stktable_count(t), 2);
	/* clear: the held entry stays */
	ck_assert_int_eq(lb_stk_clear(t, NULL, 0, 1000), 1);
	ck_assert_int_eq(lb_stktable_count(t), 1);
	lb_stk_release(t, e, 1000);
	key = 7;
	ck_assert_int_eq(lb_stk_clear(t, &key, 8, 1000), 1);
	ck_assert_int_eq(lb_stktable_count(t), 0);
	/* the data plane's combined calls */
	e = lb_stk_track(t, &key, 8, LB_STK_EV_CONN | LB_STK_EV_HTTP_REQ, 2000);
	ck_assert_ptr_nonnull(e);
	ck_assert(lb_stk_read(t, e, LB_STK_CONN_CUR, 2000, &v));
	ck_assert_int_eq(v, 1);
	lb_stk_update(t, e, LB_STK_EV_CONN_END | LB_STK_EV_HTTP_ERR, 5, 6, false, 2000);
	ck_assert(lb_stk_read(t, e, LB_STK_BYTES_IN_CNT, 2000, &v));
	ck_assert_int_eq(v, 5);
	ck_assert(lb_stk_read(t, e, LB_STK_CONN_CUR, 2000, &v));
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(lb_stk_clear(t, NULL, 0, 2000), 0);	/* still held */
	lb_stk_update(t, e, 0, 0, 0, true, 2000);
	ck_assert_int_eq(lb_stk_clear(t, NULL, 0, 2000), 1);
	lb_stktable_free(t);
}
END_TEST

/* HAProxy's sliding window: the current period's events plus the previous period's,
 * weighted by the part of it still inside the window. */
START_TEST(test_rates)
{
	struct lb_stktable *t = mk(LB_STK_KEY_INTEGER, 10, 0, BIT(LB_STK_HTTP_REQ_RATE), 10000);
	int64_t key = 1, v;
	struct lb_stk_entry *e = lb_stk_acquire(t, &key, 8, 100000);

	for (int i = 0; i < 100; i++)
		lb_stk_count(t, e, LB_STK_EV_HTTP_REQ, 100000 + (uint64_t)i * 10);
	ck_assert(lb_stk_read(t, e, LB_STK_HTTP_REQ_RATE, 105000, &v));
	ck_assert_int_eq(v, 100);
	/* 1/4 into the next period: 3/4 of the previous 100 remain */
	ck_assert(lb_stk_read(t, e, LB_STK_HTTP_REQ_RATE, 112500, &v));
	ck_assert_int_eq(v, 75);
	lb_stk_count(t, e, LB_STK_EV_HTTP_REQ, 112500);
	ck_assert(lb_stk_read(t, e, LB_STK_HTTP_REQ_RATE, 112500, &v));
	ck_assert_int_eq(v, 76);
	ck_assert(lb_stk_read(t, e, LB_STK_HTTP_REQ_RATE, 119999, &v));
	ck_assert_int_eq(v, 1);
	/* two whole periods later: nothing */
	ck_assert(lb_stk_read(t, e, LB_STK_HTTP_REQ_RATE, 140000, &v));
	ck_assert_int_eq(v, 0);
	lb_stk_release(t, e, 140000);
	lb_stktable_free(t);
}
END_TEST

START_TEST(test_expiry_eviction)
{
	struct lb_stktable *t = mk(LB_STK_KEY_INTEGER, 3, 10000, BIT(LB_STK_GPC0), 0);
	int64_t key, v;
	struct lb_stk_entry *held;

	for (key = 1; key <= 3; key++)
		ck_assert(lb_stk_key_set(t, &key, 8, LB_STK_GPC0, key, 1000 + (uint64_t)key));
	/* key 1 is the least recently used: a fourth key evicts it */
	key = 2;
	lb_stk_lookup_read(t, &key, 8, LB_STK_GPC0, 1010, &v);
	key = 4;
	ck_assert(lb_stk_key_set(t, &key, 8, LB_STK_GPC0, 4, 1010));
	ck_assert_int_eq(lb_stktable_count(t), 3);
	key = 1;
	lb_stk_lookup_read(t, &key, 8, LB_STK_GPC0, 1010, &v);
	ck_assert_int_eq(v, 0);
	/* held entries are never evicted nor expired */
	ck_assert_int_eq(lb_stk_clear(t, NULL, 0, 1010), 3);
	key = 10;
	held = lb_stk_acquire(t, &key, 8, 2000);
	ck_assert_ptr_nonnull(held);
	key = 11;
	ck_assert_ptr_nonnull(lb_stk_acquire(t, &key, 8, 2000));
	key = 12;
	ck_assert_ptr_nonnull(lb_stk_acquire(t, &key, 8, 2000));
	key = 13;
	ck_assert_ptr_null(lb_stk_acquire(t, &key, 8, 2000));	/* full of held entries */
	ck_assert(!lb_stk_key_set(t, &key, 8, LB_STK_GPC0, 1, 2000));
	/* expiry counts from the last release */
	for (key = 10; key <= 12; key++) {
		int64_t k = key;
		struct lb_stk_entry *e = lb_stk_acquire(t, &k, 8, 3000);
		lb_stk_release(t, e, 3000);
		lb_stk_release(t, e, 3000);
	}
	ck_assert_int_eq(lb_stktable_sweep(t, 12999, 100), 0);
	ck_assert_int_eq(lb_stktable_count(t), 3);
	ck_assert_int_eq(lb_stktable_sweep(t, 13000, 2), 2);	/* bounded */
	ck_assert_int_eq(lb_stktable_sweep(t, 13000, 100), 1);
	ck_assert_int_eq(lb_stktable_count(t), 0);
	/* lazily on lookup too */
	key = 20;
	ck_assert(lb_stk_key_set(t, &key, 8, LB_STK_GPC0, 3, 20000));
	ck_assert(lb_stk_lookup_read(t, &key, 8, LB_STK_GPC0, 29999, &v));
	ck_assert_int_eq(v, 3);
	ck_assert(lb_stk_lookup_read(t, &key, 8, LB_STK_GPC0, 30000, &v));
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(lb_stktable_count(t), 0);
	lb_stktable_free(t);
}
END_TEST

static bool
count_cb(void *arg, const struct lb_stk_snap *s)
{
	(*(int *)arg)++;
	ck_assert_int_eq(s->klen, 8);
	return true;
}

START_TEST(test_dump_seq)
{
	struct lb_stktable *t = mk(LB_STK_KEY_INTEGER, 5000, 0, BIT(LB_STK_GPC0), 0);
	int64_t key;
	int n = 0;
	uint64_t mark[16];

	ck_assert_uint_eq(t->nshards, 16);
	for (key = 0; key < 2000; key++)
		lb_stk_key_set(t, &key, 8, LB_STK_GPC0, key, 1);
	ck_assert_int_eq(lb_stktable_dump(t, 1, NULL, count_cb, &n), 2000);
	ck_assert_int_eq(n, 2000);
	lb_stktable_seqs(t, mark);
	key = 5;
	lb_stk_key_set(t, &key, 8, LB_STK_GPC0, 1, 2);
	key = 1500;
	lb_stk_key_set(t, &key, 8, LB_STK_GPC0, 1, 2);
	n = 0;	/* what changed since the cursors: two entries (what a peers protocol sends) */
	ck_assert_int_eq(lb_stktable_dump(t, 2, mark, count_cb, &n), 2);
	lb_stktable_free(t);
}
END_TEST

struct hammer {
	struct lb_stktable *t;
	int id;
};

static void *
hammer_run(void *arg)
{
	struct hammer *h = arg;

	for (int i = 0; i < 200000; i++) {
		int64_t key = (i + h->id * 1499) % 3000;	/* the threads on different keys */
		/* what lbd does per tracked request: two locked calls */
		struct lb_stk_entry *e = lb_stk_track(h->t, &key, 8,
						      LB_STK_EV_CONN | LB_STK_EV_HTTP_REQ,
						      1000 + (uint64_t)i / 100);
		if (!e)
			continue;
		lb_stk_update(h->t, e, LB_STK_EV_CONN_END, 10, 20, true, 1000);
		if (i % 1000 == 0)
			lb_stktable_sweep(h->t, 1000 + (uint64_t)i / 100, 100);
	}
	return NULL;
}

/* two threads on one table (2000 entries for 3000 keys: eviction under contention) */
START_TEST(test_threads)
{
	struct lb_stktable *t = mk(LB_STK_KEY_INTEGER, 2048, 100000,
				   BIT(LB_STK_CONN_CUR) | BIT(LB_STK_HTTP_REQ_CNT), 0);
	pthread_t th[2];
	struct hammer h[2] = { { t, 0 }, { t, 1 } };
	int64_t total = 0;

	struct timespec t0, t1, t2;

	/* one thread, then two at once: the cost of sharing the shard locks, printed */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	hammer_run(&h[0]);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, hammer_run, &h[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	printf("stktable: %.0f ns per track+count+release with 1 thread, %.0f ns with 2 "
	       "threads on one table (wall time per operation of each thread)\n",
	       ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 200000.0,
	       ((t2.tv_sec - t1.tv_sec) * 1e9 + (t2.tv_nsec - t1.tv_nsec)) / 200000.0);
	ck_assert_uint_le(lb_stktable_count(t), 2048 + 16);
	for (int64_t key = 0; key < 3000; key++) {
		int64_t v;
		lb_stk_lookup_read(t, &key, 8, LB_STK_CONN_CUR, 1000, &v);
		ck_assert_int_eq(v, 0);	/* every +1 met its -1 */
		lb_stk_lookup_read(t, &key, 8, LB_STK_HTTP_REQ_CNT, 1000, &v);
		total += v;
	}
	ck_assert_int_gt(total, 0);
	ck_assert_int_le(total, 600000);
	lb_stktable_free(t);
}
END_TEST

static char *
cfg_errors(const char *conf, int *rc)
{
	struct lb_cfg cfg;
	struct lb_diag d;
	char *out = NULL;
	size_t olen = 0;
	FILE *f;

	lb_diag_init(&d);
	lb_cfg_init(&cfg);
	*rc = lb_cfg_parse_buffer(&cfg, "t.cfg", conf, strlen(conf), &d);
	if (*rc == 0)
		*rc = lb_cfg_finalize(&cfg, &d);
	f = open_memstream(&out, &olen);
	lb_diag_print(&d, f);
	fclose(f);
	lb_cfg_free(&cfg);
	lb_diag_free(&d);
	return out;
}

START_TEST(test_cfg)
{
	static const char good[] =
		"frontend f\n  mode http\n  bind :80\n"
		"  stick-table type ipv6 size 1m expire 10s store http_req_rate(10s),conn_cur,gpc0\n"
		"  http-request track-sc0 src\n"
		"  http-request track-sc1 req.hdr(x-user),lower table st\n"
		"  http-request sc-inc-gpc0(0) if { path /x }\n"
		"  http-request sc-set-gpt0(1) 3\n"
		"  http-request deny deny_status 429 if { sc_http_req_rate(0) gt 100 }\n"
		"  http-request deny if { src_conn_cur ge 10 } || { sc0_get_gpc0 gt 5 }\n"
		"  http-request deny if { req.hdr(x-user),table_gpt0(st) eq 1 }\n"
		"  default_backend b\n"
		"backend st\n  stick-table type string len 16 size 100 store gpt0\n"
		"backend b\n  mode http\n  server s1 127.0.0.1:1\n"
		"listen t\n  mode tcp\n  bind :81\n"
		"  stick-table type ip size 10 expire 1m store conn_cur,conn_rate(3s)\n"
		"  tcp-request inspect-delay 5s\n"
		"  tcp-request connection track-sc0 src\n"
		"  tcp-request connection reject if { sc_conn_cur(0) gt 3 }\n"
		"  tcp-request content accept if { src 127.0.0.1 }\n"
		"  tcp-request content reject\n"
		"  server s 127.0.0.1:2\n";
	struct lb_cfg cfg;
	struct lb_diag d;

	lb_diag_init(&d);
	lb_cfg_init(&cfg);
	ck_assert_int_eq(lb_cfg_parse_buffer(&cfg, "t.cfg", good, strlen(good), &d), 0);
	ck_assert_int_eq(lb_cfg_finalize(&cfg, &d), 0);
	ck_assert_ptr_nonnull(cfg.proxies->stktable);
	ck_assert_int_eq(cfg.proxies->stktable->def.type, LB_STK_KEY_IPV6);
	ck_assert_int_eq(cfg.proxies->stktable->def.size, 1048576);
	ck_assert_int_eq(cfg.proxies->stktable->def.expire_ms, 10000);
	ck_assert_int_eq(cfg.proxies->stktable->def.period_ms[LB_STK_HTTP_REQ_RATE], 10000);
	ck_assert_ptr_eq(cfg.proxies->http_req_rules->track->table, cfg.proxies->stktable);
	ck_assert_ptr_eq(cfg.proxies->http_req_rules->next->track->table,
			 cfg.proxies->next->stktable);
	lb_cfg_free(&cfg);
	lb_diag_free(&d);

	static const struct {
		const char *conf, *msg;
	} bad[] = {
		{ "frontend f\n  stick-table type ip size 1 peers p\n",
		  "t.cfg:2:30: error: stick-table 'peers' is not supported yet" },
		{ "frontend f\n  stick-table type mac size 1\n",
		  "t.cfg:2:20: error: unknown stick-table type 'mac'" },
		{ "frontend f\n  stick-table type ip size 1 store http_req_rate\n",
		  "t.cfg:2:36: error: stick-table data type 'http_req_rate' expects a period" },
		{ "frontend f\n  stick-table type ip size 1 store foo\n",
		  "t.cfg:2:36: error: unknown stick-table data type 'foo'" },
		{ "frontend f\n  stick-table type ip store gpc0\n",
		  "t.cfg:2:3: error: stick-table expects 'type" },
		{ "frontend f\n  stick-table type ip size 1\n  stick-table type ip size 1\n",
		  "t.cfg:3:3: error: proxy 'f' already has a stick-table (line 2)" },
		{ "frontend f\n  mode http\n  bind :80\n  http-request track-sc0 src\n",
		  "t.cfg:4:3: error: track-sc0: proxy 'f' has no stick-table" },
		{ "frontend f\n  mode http\n  bind :80\n  http-request track-sc0 src table zz\n",
		  "t.cfg:4:3: error: track-sc0: no stick-table called 'zz'" },
		{ "frontend f\n  mode http\n  bind :80\n  http-request track-sc0 src foo bar\n",
		  "t.cfg:4:30: error: 'http-request track-sc0' expects '<key> [table <name>]', "
		  "unexpected 'foo'" },
		{ "frontend f\n  mode http\n  bind :80\n  http-request track-sc0 srcx\n",
		  "t.cfg:4:26: error: unknown fetch method 'srcx'" },
		{ "frontend f\n  mode http\n  bind :80\n"
		  "  stick-table type ip size 1 store conn_cur\n"
		  "  tcp-request connection track-sc0 req.hdr(x)\n",
		  "t.cfg:5:36: error: fetch method 'req.hdr' reads the HTTP request" },
		{ "frontend f\n  mode http\n  bind :80\n"
		  "  tcp-request connection reject if { path /x }\n",
		  "t.cfg:4:3: error: tcp-request connection rule reads HTTP data" },
		{ "frontend f\n  mode tcp\n  bind :80\n  tcp-request content reject if { path /x }\n",
		  "t.cfg:4:3: error: tcp-request content rule reads HTTP data, which a mode tcp proxy "
		  "does not parse" },
		{ "frontend f\n  mode http\n  bind :80\n"
		  "  http-request deny if { src_conn_cur gt 1 }\n",
		  "'src_conn_cur': proxy 'f' has no stick-table" },
		{ "frontend f\n  mode http\n  bind :80\n"
		  "  http-request deny if { sc_http_req_rate(3) gt 1 }\n",
		  "'sc_http_req_rate': stick counter 3 does not exist (0 to 2)" },
		{ "frontend f\n  mode http\n  bind :80\n"
		  "  http-request deny if { sc0_http_req_rate(f) gt 1 }\n",
		  "too many arguments for 'sc0_http_req_rate'" },
		{ "frontend f\n  tcp-request session accept\n",
		  "t.cfg:2:15: error: 'tcp-request session' is not supported yet" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;
		char *out = cfg_errors(bad[i].conf, &rc);
		ck_assert_msg(rc < 0, "case %zu accepted", i);
		ck_assert_msg(strstr(out, bad[i].msg), "case %zu: got:\n%s", i, out);
		free(out);
	}
}
END_TEST

/* The fetches read the trackers the data plane puts in the context. */
START_TEST(test_fetches)
{
	static const char conf[] =
		"frontend f\n  mode http\n  bind :80\n"
		"  stick-table type ip size 10 expire 10s store http_req_rate(10s),conn_cur,gpc0\n"
		"  acl rate sc_http_req_rate(0) gt 2\n"
		"  acl rate0 sc0_http_req_rate gt 2\n"
		"  acl tracked sc_tracked(0)\n"
		"  acl src_rate src_http_req_rate gt 2\n"
		"  acl tbl src,table_gpc0(f) eq 7\n"
		"  http-request deny if rate rate0 tracked src_rate tbl\n"
		"  http-request deny if !tracked\n"
		"  http-request deny if { sc0_inc_gpc0 gt 7 }\n"
		"  http-request deny if { sc_clr_gpc0(0) eq 8 }\n"
		"  http-request deny if { src_inc_gpc0 eq 1 }\n"
		"  default_backend b\n"
		"backend b\n  mode http\n  server s1 127.0.0.1:1\n";
	struct lb_cfg cfg;
	struct lb_diag d;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(5555) };
	struct lb_acl_ctx ctx;
	struct lb_stk_ref trk[LB_STK_NSC] = { { 0 } };
	struct lb_stktable *t;
	unsigned char key[4];

	lb_diag_init(&d);
	lb_cfg_init(&cfg);
	ck_assert_int_eq(lb_cfg_parse_buffer(&cfg, "t.cfg", conf, strlen(conf), &d), 0);
	ck_assert_int_eq(lb_cfg_finalize(&cfg, &d), 0);
	t = cfg.proxies->stktable;
	inet_pton(AF_INET, "192.0.2.1", &sin.sin_addr);
	memset(&ctx, 0, sizeof(ctx));
	ctx.src = (struct sockaddr *)&sin;
	ctx.sc_strm = trk;
	ctx.now_ms = 5000;
	const struct lb_cfg_http_rule *all = cfg.proxies->http_req_rules, *untracked = all->next;
	ck_assert(!lb_acl_cond_eval(all->acl_cond, &ctx));
	ck_assert(lb_acl_cond_eval(untracked->acl_cond, &ctx));
	memcpy(key, &sin.sin_addr, 4);
	trk[0].t = t;
	trk[0].e = lb_stk_acquire(t, key, 4, 5000);
	for (int i = 0; i < 3; i++)
		lb_stk_count(t, trk[0].e, LB_STK_EV_HTTP_REQ, 5000);
	ck_assert(!lb_acl_cond_eval(untracked->acl_cond, &ctx));
	ck_assert(!lb_acl_cond_eval(all->acl_cond, &ctx));	/* gpc0 is 0 */
	lb_stk_set(t, trk[0].e, LB_STK_GPC0, 7, 5000);
	ck_assert(lb_acl_cond_eval(all->acl_cond, &ctx));
	/* the connection's trackers answer when the stream has none */
	ctx.sc_strm = NULL;
	ctx.sc_conn = trk;
	ck_assert(lb_acl_cond_eval(all->acl_cond, &ctx));
	/* a whole window later the rate is 0 again */
	ctx.now_ms = 25000;
	ck_assert(!lb_acl_cond_eval(all->acl_cond, &ctx));
	/* fetches that change the entry */
	ctx.sc_strm = trk;
	ctx.sc_conn = NULL;
	ck_assert(lb_acl_cond_eval(cfg.proxies->http_req_rules->next->next->acl_cond, &ctx));
	int64_t g;
	ck_assert(lb_stk_read(t, trk[0].e, LB_STK_GPC0, 25000, &g));
	ck_assert_int_eq(g, 8);	/* sc0_inc_gpc0 gt 7 */
	ck_assert(lb_acl_cond_eval(cfg.proxies->http_req_rules->next->next->next->acl_cond, &ctx));
	ck_assert(lb_stk_read(t, trk[0].e, LB_STK_GPC0, 25000, &g));
	ck_assert_int_eq(g, 0);	/* sc_clr_gpc0(0) gave 8, now 0 */
	/* src_inc_gpc0 makes the entry of another client */
	inet_pton(AF_INET, "192.0.2.9", &sin.sin_addr);
	ck_assert(lb_acl_cond_eval(cfg.proxies->http_req_rules->next->next->next->next->acl_cond,
				   &ctx));
	ck_assert_int_eq(lb_stktable_count(t), 2);
	lb_stk_release(t, trk[0].e, 5000);
	lb_cfg_free(&cfg);
	lb_diag_free(&d);
}
END_TEST

static Suite *
stick_suite(void)
{
	Suite *s = suite_create("stick");
	TCase *tc = tcase_create("stick");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_counters);
	tcase_add_test(tc, test_rates);
	tcase_add_test(tc, test_expiry_eviction);
	tcase_add_test(tc, test_dump_seq);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_cfg);
	tcase_add_test(tc, test_fetches);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(stick_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

/* tests/unit/test_algo.c: balancing algorithms, pools and hash inputs (common/algo*.c) */
#include <check.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algo.h"
#include "util.h"

#define MAXSRV 16

struct fixture {
	struct lb_algo_srv s[MAXSRV];
	struct lb_algo_srv *v[MAXSRV];
	unsigned n;
	struct lb_cfg_balance bal;
	struct lb_algo_pool pool;
	int count[MAXSRV];
};

static char names[MAXSRV][12];

/* Servers s1..sn with the given weights (ids 1..n), all up, no maxconn, not backup. */
static void
fx_servers(struct fixture *f, const int *w, unsigned n)
{
	memset(f, 0, sizeof(*f));
	f->n = n;
	for (unsigned i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "s%u", i + 1);
		f->s[i].id = (int)i + 1;
		f->s[i].name = names[i];
		f->s[i].uweight = w[i];
		f->s[i].eweight = w[i];
		f->v[i] = &f->s[i];
	}
	f->bal.uri_len = -1;
	f->bal.uri_depth = -1;
	f->bal.random_draws = 2;
	f->bal.hash_type = LB_HASH_MAP_BASED;
}

static void
fx_pool(struct fixture *f, const char *algo, bool allbackups)
{
	const struct lb_algo_ops *ops = lb_algo_find(algo);

	ck_assert_ptr_nonnull(ops);
	f->bal.algo = (char *)(uintptr_t)algo;
	ck_assert_int_eq(lb_algo_pool_init(&f->pool, ops, &f->bal, allbackups, f->v, f->n), 0);
}

static void
fx_setup(struct fixture *f, const char *algo, const int *w, unsigned n)
{
	fx_servers(f, w, n);
	fx_pool(f, algo, false);
}

static int
idx_of(const struct fixture *f, const struct lb_algo_srv *s)
{
	ck_assert_ptr_nonnull(s);
	ck_assert(s >= f->s && s < f->s + f->n);
	return (int)(s - f->s);
}

/* Picks `times` times (no hash) and counts per server. */
static void
fx_count(struct fixture *f, int times, const struct lb_algo_req *req)
{
	memset(f->count, 0, sizeof(f->count));
	for (int i = 0; i < times; i++)
		f->count[idx_of(f, lb_algo_pick(&f->pool, req, NULL))]++;
}

static const struct lb_algo_req no_hash = { .has_hash = false };

static const char *const all_algos[] = {
	"roundrobin", "static-rr", "leastconn", "first", "source", "uri", "url_param", "hdr",
	"random",
};

/* ---- registry ---- */

START_TEST(test_registry)
{
	unsigned i = 0;

	for (const struct lb_algo_ops *const *o = lb_algo_registry; *o; o++, i++) {
		ck_assert_uint_lt(i, LB_ARRAY_SIZE(all_algos));
		ck_assert_str_eq((*o)->name, all_algos[i]);
		ck_assert_ptr_eq(lb_algo_find(all_algos[i]), *o);
		ck_assert_ptr_nonnull((*o)->help);
		ck_assert_uint_gt(strlen((*o)->help), 10);
		ck_assert_ptr_null(strchr((*o)->help, '\n'));
		ck_assert((*o)->init && (*o)->free && (*o)->update && (*o)->pick);
	}
	ck_assert_uint_eq(i, LB_ARRAY_SIZE(all_algos));
	ck_assert_ptr_null(lb_algo_find("round-robin"));
	ck_assert_ptr_null(lb_algo_find(""));
	ck_assert_ptr_null(lb_algo_find(NULL));
	ck_assert_int_eq(lb_algo_find("source")->input, LB_ALGO_IN_SRC);
	ck_assert_int_eq(lb_algo_find("uri")->input, LB_ALGO_IN_URI);
	ck_assert(lb_algo_find("uri")->http_only);
	ck_assert(!lb_algo_find("source")->http_only);
	ck_assert(lb_algo_find("url_param")->needs_arg);
	ck_assert_int_eq(lb_algo_find("url_param")->input, LB_ALGO_IN_URL_PARAM);
	ck_assert(lb_algo_find("hdr")->needs_arg && lb_algo_find("hdr")->http_only);
	ck_assert_int_eq(lb_algo_find("hdr")->input, LB_ALGO_IN_HDR);
	ck_assert_int_eq(lb_algo_find("roundrobin")->input, LB_ALGO_IN_NONE);
}
END_TEST

/* ---- round robin, static-rr ---- */

START_TEST(test_rr_distribution)
{
	static const int w[] = { 1, 2, 3 };
	static const int w2[] = { 20, 40, 60 };	/* same ratios, reduced by the gcd */
	const char *algo = _i ? "static-rr" : "roundrobin";
	struct fixture f;

	fx_setup(&f, algo, w, 3);
	fx_count(&f, 6000, &no_hash);
	ck_assert_int_eq(f.count[0], 1000);
	ck_assert_int_eq(f.count[1], 2000);
	ck_assert_int_eq(f.count[2], 3000);
	/* every cycle of 6 picks is exact, not only the total */
	fx_count(&f, 6, &no_hash);
	ck_assert_int_eq(f.count[0], 1);
	ck_assert_int_eq(f.count[1], 2);
	ck_assert_int_eq(f.count[2], 3);
	lb_algo_pool_free(&f.pool);

	fx_setup(&f, algo, w2, 3);
	fx_count(&f, 600, &no_hash);
	ck_assert_int_eq(f.count[0], 100);
	ck_assert_int_eq(f.count[1], 200);
	ck_assert_int_eq(f.count[2], 300);
	lb_algo_pool_free(&f.pool);
}
END_TEST

static int
longest_run(struct fixture *f, int picks)
{
	int run = 0, best = 0, prev = -1;

	for (int i = 0; i < picks; i++) {
		int k = idx_of(f, lb_algo_pick(&f->pool, &no_hash, NULL));
		run = k == prev ? run + 1 : 1;
		prev = k;
		best = LB_MAX(best, run);
	}
	return best;
}

START_TEST(test_rr_smooth)
{
	static const int w31[] = { 3, 1 };
	static const int w123[] = { 1, 2, 3 };
	static const int w51[] = { 5, 1, 1 };
	const char *algo = _i ? "static-rr" : "roundrobin";
	struct fixture f;

	/* no run longer than ceil(wmax / wmin) + 1 */
	fx_setup(&f, algo, w31, 2);
	ck_assert_int_le(longest_run(&f, 4000), 4);
	lb_algo_pool_free(&f.pool);
	fx_setup(&f, algo, w123, 3);
	ck_assert_int_le(longest_run(&f, 6000), 4);
	lb_algo_pool_free(&f.pool);
	fx_setup(&f, algo, w51, 3);
	ck_assert_int_le(longest_run(&f, 7000), 6);
	lb_algo_pool_free(&f.pool);
}
END_TEST

START_TEST(test_rr_weight_update)
{
	static const int w[] = { 1, 2, 3 };
	struct fixture f;

	fx_setup(&f, "roundrobin", w, 3);
	f.s[0].eweight = 3;
	f.s[2].eweight = 1;
	lb_algo_pool_update(&f.pool);
	fx_count(&f, 6000, &no_hash);
	ck_assert_int_eq(f.count[0], 3000);
	ck_assert_int_eq(f.count[1], 2000);
	ck_assert_int_eq(f.count[2], 1000);
	/* a server leaving and coming back */
	f.s[1].eweight = 0;
	lb_algo_pool_update(&f.pool);
	fx_count(&f, 400, &no_hash);
	ck_assert_int_eq(f.count[0], 300);
	ck_assert_int_eq(f.count[1], 0);
	ck_assert_int_eq(f.count[2], 100);
	f.s[1].eweight = 4;
	lb_algo_pool_update(&f.pool);
	fx_count(&f, 800, &no_hash);
	ck_assert_int_eq(f.count[0], 300);
	ck_assert_int_eq(f.count[1], 400);
	ck_assert_int_eq(f.count[2], 100);
	lb_algo_pool_free(&f.pool);
}
END_TEST

START_TEST(test_static_rr_ignores_weights)
{
	static const int w[] = { 1, 2, 3 };
	struct fixture f;

	fx_setup(&f, "static-rr", w, 3);
	f.s[0].eweight = 30;
	f.s[0].uweight = 30;
	lb_algo_pool_update(&f.pool);
	fx_count(&f, 600, &no_hash);
	ck_assert_int_eq(f.count[0], 100);
	ck_assert_int_eq(f.count[1], 200);
	ck_assert_int_eq(f.count[2], 300);
	/* eweight 0 still means unavailable, even without an update */
	f.s[2].eweight = 0;
	fx_count(&f, 300, &no_hash);
	ck_assert_int_eq(f.count[0], 100);
	ck_assert_int_eq(f.count[1], 200);
	ck_assert_int_eq(f.count[2], 0);
	f.s[2].eweight = 3;
	lb_algo_pool_update(&f.pool);
	fx_count(&f, 600, &no_hash);
	ck_assert_int_eq(f.count[2], 300);
	lb_algo_pool_free(&f.pool);
}
END_TEST

/* ---- leastconn ---- */

START_TEST(test_leastconn)
{
	static const int w1[] = { 1, 1, 1 };
	static const int w[] = { 1, 2, 3 };
	struct fixture f;

	fx_setup(&f, "leastconn", w1, 3);
	f.s[0].cur_sess = 5;
	f.s[1].cur_sess = 0;
	f.s[2].cur_sess = 3;
	ck_assert_ptr_eq(lb_algo_pick(&f.pool, &no_hash, NULL), &f.s[1]);
	f.s[1].cur_sess = 9;
	ck_assert_ptr_eq(lb_algo_pick(&f.pool, &no_hash, NULL), &f.s[2]);
	/* equal loads go round robin */
	f.s[0].cur_sess = f.s[1].cur_sess = f.s[2].cur_sess = 2;
	fx_count(&f, 300, &no_hash);
	ck_assert_int_eq(f.count[0], 100);
	ck_assert_int_eq(f.count[1], 100);
	ck_assert_int_eq(f.count[2], 100);
	lb_algo_pool_free(&f.pool);

	/* sessions that stay open end up in proportion to the weights */
	fx_setup(&f, "leastconn", w, 3);
	for (int i = 0; i < 600; i++)
		lb_algo_pick(&f.pool, &no_hash, NULL)->cur_sess++;
	ck_assert_int_le(abs(f.s[0].cur_sess - 100), 1);
	ck_assert_int_le(abs(f.s[1].cur_sess - 200), 1);
	ck_assert_int_le(abs(f.s[2].cur_sess - 300), 1);
	/* closing sessions on one server sends the next ones there */
	f.s[2].cur_sess -= 30;
	for (int i = 0; i < 10; i++) {
		struct lb_algo_srv *s = lb_algo_pick(&f.pool, &no_hash, NULL);
		ck_assert_ptr_eq(s, &f.s[2]);
		s->cur_sess++;
	}
	lb_algo_pool_free(&f.pool);
}
END_TEST

/* ---- first ---- */

START_TEST(test_first)
{
	static const int w[] = { 1, 5, 1 };
	struct fixture f;
	struct lb_algo_srv *s;

	fx_servers(&f, w, 3);
	/* config order s1 s2 s3 but ids 3, 1, 2: s2 is first, then s3, then s1 */
	f.s[0].id = 3;
	f.s[1].id = 1;
	f.s[2].id = 2;
	for (int i = 0; i < 3; i++)
		f.s[i].maxconn = 2;
	fx_pool(&f, "first", false);
	static const int order[] = { 1, 1, 2, 2, 0, 0 };
	for (int i = 0; i < 6; i++) {
		s = lb_algo_pick(&f.pool, &no_hash, NULL);
		ck_assert_int_eq(idx_of(&f, s), order[i]);
		s->cur_sess++;
	}
	ck_assert_ptr_null(lb_algo_pick(&f.pool, &no_hash, NULL));
	ck_assert(lb_algo_pool_has_usable(&f.pool));
	f.s[2].cur_sess--;
	ck_assert_ptr_eq(lb_algo_pick(&f.pool, &no_hash, NULL), &f.s[2]);
	f.s[1].cur_sess--;
	ck_assert_ptr_eq(lb_algo_pick(&f.pool, &no_hash, NULL), &f.s[1]);
	lb_algo_pool_free(&f.pool);

	/* without maxconn the first server takes everything */
	fx_setup(&f, "first", w, 3);
	f.s[0].cur_sess = 1000;
	fx_count(&f, 100, &no_hash);
	ck_assert_int_eq(f.count[0], 100);
	f.s[0].eweight = 0;
	fx_count(&f, 100, &no_hash);
	ck_assert_int_eq(f.count[1], 100);
	lb_algo_pool_free(&f.pool);
}
END_TEST

/* ---- hashing ---- */

static struct lb_algo_req
key_req(unsigned k)
{
	struct lb_algo_req r = { .has_hash = true };

	r.hash = lb_hash64(&k, sizeof(k));
	return r;
}

START_TEST(test_hash_map_based)
{
	static const int w[] = { 1, 2, 3 };
	const char *algo = all_algos[4 + _i];	/* source, uri, url_param, hdr */
	struct fixture f;
	int first[2000], down_moved = 0;

	fx_setup(&f, algo, w, 3);
	memset(f.count, 0, sizeof(f.count));
	for (unsigned k = 0; k < 2000; k++) {
		struct lb_algo_req r = key_req(k);
		first[k] = idx_of(&f, lb_algo_pick(&f.pool, &r, NULL));
		f.count[first[k]]++;
	}
	/* weighted: about 1/6, 2/6, 3/6 */
	ck_assert_int_gt(f.count[0], 2000 / 6 - 120);
	ck_assert_int_lt(f.count[0], 2000 / 6 + 120);
	ck_assert_int_gt(f.count[2], 1000 - 150);
	ck_assert_int_lt(f.count[2], 1000 + 150);
	/* same hash -> same server, as long as nothing changes (updates included) */
	lb_algo_pool_update(&f.pool);
	for (int pass = 0; pass < 3; pass++) {
		for (unsigned k = 0; k < 2000; k++) {
			struct lb_algo_req r = key_req(k);
			ck_assert_int_eq(idx_of(&f, lb_algo_pick(&f.pool, &r, NULL)), first[k]);
		}
	}
	/* a server going down remaps (map-based), and never to it */
	f.s[1].eweight = 0;
	lb_algo_pool_update(&f.pool);
	for (unsigned k = 0; k < 2000; k++) {
		struct lb_algo_req r = key_req(k);
		int i = idx_of(&f, lb_algo_pick(&f.pool, &r, NULL));
		ck_assert_int_ne(i, 1);
		down_moved += i != first[k];
	}
	ck_assert_int_gt(down_moved, 2000 / 3);
	f.s[1].eweight = 2;
	lb_algo_pool_update(&f.pool);
	for (unsigned k = 0; k < 2000; k++) {
		struct lb_algo_req r = key_req(k);
		ck_assert_int_eq(idx_of(&f, lb_algo_pick(&f.pool, &r, NULL)), first[k]);
	}
	/* without a hash: weighted round robin */
	fx_count(&f, 600, &no_hash);
	ck_assert_int_eq(f.count[0], 100);
	ck_assert_int_eq(f.count[1], 200);
	ck_assert_int_eq(f.count[2], 300);
	fx_count(&f, 60, NULL);
	ck_assert_int_eq(f.count[2], 30);
	lb_algo_pool_free(&f.pool);
}
END_TEST

START_TEST(test_hash_consistent)
{
	static const int w1[] = { 1, 1, 1, 1 };
	static const int w[] = { 1, 2, 3 };
	enum { NK = 10000 };
	struct fixture f;
	static int before[NK];
	int moved = 0, on_gone = 0;

	fx_servers(&f, w1, 4);
	f.bal.hash_type = LB_HASH_CONSISTENT;
	fx_pool(&f, "source", false);
	for (unsigned k = 0; k < NK; k++) {
		struct lb_algo_req r = key_req(k);
		before[k] = idx_of(&f, lb_algo_pick(&f.pool, &r, NULL));
		on_gone += before[k] == 2;
	}
	f.s[2].eweight = 0;
	lb_algo_pool_update(&f.pool);
	for (unsigned k = 0; k < NK; k++) {
		struct lb_algo_req r = key_req(k);
		int i = idx_of(&f, lb_algo_pick(&f.pool, &r, NULL));
		ck_assert_int_ne(i, 2);
		/* only the keys of the server that left move */
		if (before[k] != 2)
			ck_assert_int_eq(i, before[k]);
		moved += i != before[k];
	}
	ck_assert_int_eq(moved, on_gone);
	ck_assert_int_gt(moved, NK / 4 - NK / 10);
	ck_assert_int_lt(moved, NK / 4 + NK / 10);
	/* it comes back: its keys come back to it */
	f.s[2].eweight = 1;
	lb_algo_pool_update(&f.pool);
	for (unsigned k = 0; k < NK; k++) {
		struct lb_algo_req r = key_req(k);
		ck_assert_int_eq(idx_of(&f, lb_algo_pick(&f.pool, &r, NULL)), before[k]);
	}
	/* full (maxconn) without update: its keys walk to the next point, others stay */
	f.s[0].maxconn = 1;
	f.s[0].cur_sess = 1;
	for (unsigned k = 0; k < NK; k++) {
		struct lb_algo_req r = key_req(k);
		int i = idx_of(&f, lb_algo_pick(&f.pool, &r, NULL));
		ck_assert_int_ne(i, 0);
		if (before[k] != 0)
			ck_assert_int_eq(i, before[k]);
	}
	lb_algo_pool_free(&f.pool);

	/* weights: 1/6, 2/6, 3/6 within tolerance */
	fx_servers(&f, w, 3);
	f.bal.hash_type = LB_HASH_CONSISTENT;
	fx_pool(&f, "uri", false);
	memset(f.count, 0, sizeof(f.count));
	for (unsigned k = 0; k < NK; k++) {
		struct lb_algo_req r = key_req(k);
		f.count[idx_of(&f, lb_algo_pick(&f.pool, &r, NULL))]++;
	}
	ck_assert_int_gt(f.count[0], NK / 6 - NK / 15);
	ck_assert_int_lt(f.count[0], NK / 6 + NK / 15);
	ck_assert_int_gt(f.count[2], NK / 2 - NK / 10);
	ck_assert_int_lt(f.count[2], NK / 2 + NK / 10);
	/* no hash: round robin */
	fx_count(&f, 600, &no_hash);
	ck_assert_int_eq(f.count[0], 100);
	ck_assert_int_eq(f.count[2], 300);
	lb_algo_pool_free(&f.pool);
}
END_TEST

/* ---- random ---- */

START_TEST(test_random)
{
	static const int w[] = { 1, 2, 3 };
	struct fixture f;

	fx_setup(&f, "random", w, 3);
	fx_count(&f, 12000, &no_hash);
	ck_assert_int_gt(f.count[0], 2000 - 300);
	ck_assert_int_lt(f.count[0], 2000 + 300);
	ck_assert_int_gt(f.count[1], 4000 - 400);
	ck_assert_int_lt(f.count[1], 4000 + 400);
	ck_assert_int_gt(f.count[2], 6000 - 400);
	ck_assert_int_lt(f.count[2], 6000 + 400);
	/* two choices steer away from the loaded server */
	f.s[2].cur_sess = 100;
	fx_count(&f, 6000, &no_hash);
	/* s3 wins only when drawn twice: (1/2)^2 of the picks */
	ck_assert_int_gt(f.count[2], 1500 - 300);
	ck_assert_int_lt(f.count[2], 1500 + 300);
	lb_algo_pool_free(&f.pool);

	/* random(1): plain weighted random, load ignored */
	fx_servers(&f, w, 3);
	f.bal.random_draws = 1;
	fx_pool(&f, "random", false);
	f.s[2].cur_sess = 100;
	fx_count(&f, 6000, &no_hash);
	ck_assert_int_gt(f.count[2], 3000 - 300);
	ck_assert_int_lt(f.count[2], 3000 + 300);
	/* sessions kept open: the loads even out by weight */
	f.s[2].cur_sess = 0;
	lb_algo_pool_free(&f.pool);
	fx_setup(&f, "random", w, 3);
	for (int i = 0; i < 6000; i++)
		lb_algo_pick(&f.pool, &no_hash, NULL)->cur_sess++;
	ck_assert_int_lt(abs(f.s[0].cur_sess - 1000), 60);
	ck_assert_int_lt(abs(f.s[2].cur_sess - 3000), 60);
	lb_algo_pool_free(&f.pool);
}
END_TEST

/* ---- behaviour shared by all algorithms ---- */

static struct lb_algo_req
loop_req(int algo, int k)
{
	/* hash algorithms get a hash half of the time, to test both paths */
	if (algo >= 4 && algo <= 7 && k % 2)
		return key_req((unsigned)k);
	return no_hash;
}

START_TEST(test_all_down)
{
	static const int w[] = { 1, 2, 3 };
	struct fixture f;

	for (int ht = 0; ht < 2; ht++) {
		fx_servers(&f, w, 3);
		f.bal.hash_type = ht ? LB_HASH_CONSISTENT : LB_HASH_MAP_BASED;
		fx_pool(&f, all_algos[_i], false);
		for (unsigned i = 0; i < 3; i++)
			f.s[i].eweight = 0;
		/* before and after the update */
		for (int u = 0; u < 2; u++) {
			for (int k = 0; k < 20; k++) {
				struct lb_algo_req r = loop_req(_i, k);
				ck_assert_ptr_null(lb_algo_pick(&f.pool, &r, NULL));
				ck_assert_ptr_null(lb_algo_pick(&f.pool, &r, &f.s[1]));
			}
			lb_algo_pool_update(&f.pool);
		}
		ck_assert(!lb_algo_pool_has_usable(&f.pool));
		lb_algo_pool_free(&f.pool);
	}
	/* a pool with no servers at all */
	fx_servers(&f, w, 0);
	fx_pool(&f, all_algos[_i], true);
	ck_assert_ptr_null(lb_algo_pick(&f.pool, &no_hash, NULL));
	lb_algo_pool_update(&f.pool);
	ck_assert(!lb_algo_pool_has_usable(&f.pool));
	lb_algo_pool_free(&f.pool);
}
END_TEST

START_TEST(test_avoid)
{
	static const int w[] = { 1, 2, 3 };
	struct fixture f;

	for (int ht = 0; ht < 2; ht++) {
		fx_servers(&f, w, 3);
		f.bal.hash_type = ht ? LB_HASH_CONSISTENT : LB_HASH_MAP_BASED;
		fx_pool(&f, all_algos[_i], false);
		for (int a = 0; a < 3; a++) {
			for (int k = 0; k < 200; k++) {
				struct lb_algo_req r = loop_req(_i, k);
				struct lb_algo_srv *s = lb_algo_pick(&f.pool, &r, &f.s[a]);
				ck_assert_ptr_nonnull(s);
				ck_assert_ptr_ne(s, &f.s[a]);
			}
		}
		/* the only choice left: avoid is given anyway (redispatch to the same server) */
		f.s[0].eweight = 0;
		f.s[2].eweight = 0;
		for (int k = 0; k < 20; k++) {
			struct lb_algo_req r = loop_req(_i, k);
			ck_assert_ptr_eq(lb_algo_pick(&f.pool, &r, &f.s[1]), &f.s[1]);
		}
		lb_algo_pool_update(&f.pool);
		for (int k = 0; k < 20; k++) {
			struct lb_algo_req r = loop_req(_i, k);
			ck_assert_ptr_eq(lb_algo_pick(&f.pool, &r, &f.s[1]), &f.s[1]);
		}
		lb_algo_pool_free(&f.pool);
	}
}
END_TEST

START_TEST(test_maxconn_full)
{
	static const int w[] = { 1, 2, 3, 1 };
	struct fixture f;

	for (int ht = 0; ht < 2; ht++) {
		fx_servers(&f, w, 4);
		f.bal.hash_type = ht ? LB_HASH_CONSISTENT : LB_HASH_MAP_BASED;
		f.s[0].maxconn = 10;
		f.s[0].cur_sess = 10;
		f.s[2].maxconn = 3;
		f.s[2].cur_sess = 3;
		fx_pool(&f, all_algos[_i], false);
		for (int k = 0; k < 300; k++) {
			struct lb_algo_req r = loop_req(_i, k);
			int i = idx_of(&f, lb_algo_pick(&f.pool, &r, NULL));
			ck_assert(i == 1 || i == 3);
		}
		/* everyone full: NULL, but the pool is usable (the caller queues) */
		f.s[1].maxconn = f.s[3].maxconn = 1;
		f.s[1].cur_sess = f.s[3].cur_sess = 1;
		for (int k = 0; k < 20; k++) {
			struct lb_algo_req r = loop_req(_i, k);
			ck_assert_ptr_null(lb_algo_pick(&f.pool, &r, NULL));
			ck_assert_ptr_null(lb_algo_pick(&f.pool, &r, &f.s[3]));
		}
		ck_assert(lb_algo_pool_has_usable(&f.pool));
		/* a slot frees up */
		f.s[2].cur_sess = 2;
		for (int k = 0; k < 20; k++) {
			struct lb_algo_req r = loop_req(_i, k);
			ck_assert_ptr_eq(lb_algo_pick(&f.pool, &r, NULL), &f.s[2]);
		}
		lb_algo_pool_free(&f.pool);
	}
}
END_TEST

START_TEST(test_backup)
{
	/* s1 s2 active; s3 s4 backup with ids 4 and 3 (so s4 is the first backup) */
	static const int w[] = { 1, 1, 1, 1 };
	struct fixture f;

	for (int allb = 0; allb < 2; allb++) {
		fx_servers(&f, w, 4);
		f.s[2].backup = f.s[3].backup = true;
		f.s[2].id = 4;
		f.s[3].id = 3;
		fx_pool(&f, all_algos[_i], allb);
		for (int k = 0; k < 100; k++) {
			struct lb_algo_req r = loop_req(_i, k);
			ck_assert_int_lt(idx_of(&f, lb_algo_pick(&f.pool, &r, NULL)), 2);
		}
		/* actives full but up: no backup (HAProxy), the caller queues */
		f.s[0].maxconn = f.s[1].maxconn = 1;
		f.s[0].cur_sess = f.s[1].cur_sess = 1;
		ck_assert_ptr_null(lb_algo_pick(&f.pool, &no_hash, NULL));
		ck_assert(lb_algo_pool_has_usable(&f.pool));
		f.s[0].maxconn = f.s[1].maxconn = 0;
		/* one active left: still no backup, even when avoiding it */
		f.s[0].eweight = 0;
		lb_algo_pool_update(&f.pool);
		ck_assert_ptr_eq(lb_algo_pick(&f.pool, &no_hash, &f.s[1]), &f.s[1]);
		/* all actives down */
		f.s[1].eweight = 0;
		lb_algo_pool_update(&f.pool);
		memset(f.count, 0, sizeof(f.count));
		for (int k = 0; k < 400; k++) {
			struct lb_algo_req r = loop_req(_i, k);
			f.count[idx_of(&f, lb_algo_pick(&f.pool, &r, NULL))]++;
		}
		ck_assert_int_eq(f.count[0] + f.count[1], 0);
		if (allb) {
			/* balanced over all backups ("first" still fills the first one) */
			if (strcmp(all_algos[_i], "first") == 0) {
				ck_assert_int_eq(f.count[3], 400);
			} else {
				ck_assert_int_gt(f.count[2], 100);
				ck_assert_int_gt(f.count[3], 100);
			}
		} else {
			ck_assert_int_eq(f.count[3], 400);	/* the first backup by id */
			/* avoided or full: the next backup */
			ck_assert_ptr_eq(lb_algo_pick(&f.pool, &no_hash, &f.s[3]), &f.s[2]);
			f.s[3].maxconn = 1;
			f.s[3].cur_sess = 1;
			ck_assert_ptr_eq(lb_algo_pick(&f.pool, &no_hash, NULL), &f.s[2]);
			f.s[3].maxconn = 0;
		}
		/* an active comes back: backups stop */
		f.s[1].eweight = 1;
		lb_algo_pool_update(&f.pool);
		for (int k = 0; k < 50; k++) {
			struct lb_algo_req r = loop_req(_i, k);
			ck_assert_ptr_eq(lb_algo_pick(&f.pool, &r, NULL), &f.s[1]);
		}
		/* backups down too */
		f.s[1].eweight = 0;
		f.s[2].eweight = f.s[3].eweight = 0;
		lb_algo_pool_update(&f.pool);
		ck_assert_ptr_null(lb_algo_pick(&f.pool, &no_hash, NULL));
		ck_assert(!lb_algo_pool_has_usable(&f.pool));
		/* only backups up: usable */
		f.s[2].eweight = 1;
		ck_assert(lb_algo_pool_has_usable(&f.pool));
		lb_algo_pool_free(&f.pool);
	}
}
END_TEST

/* ---- concurrency smoke test: picks and updates from several threads ---- */

struct thr_arg {
	struct fixture *f;
	int picks;
};

static void *
thr_main(void *p)
{
	struct thr_arg *a = p;

	for (int i = 0; i < a->picks; i++) {
		struct lb_algo_req r = key_req((unsigned)i);
		struct lb_algo_srv *s = lb_algo_pick(&a->f->pool, i % 3 ? &r : &no_hash, NULL);
		if (s) {
			__atomic_add_fetch(&s->cur_sess, 1, __ATOMIC_RELAXED);
			__atomic_sub_fetch(&s->cur_sess, 1, __ATOMIC_RELAXED);
		}
		if (i % 100 == 0) {
			struct lb_algo_srv *u = &a->f->s[i % a->f->n];
			__atomic_store_n(&u->eweight, (i / 100) % 4, __ATOMIC_RELAXED);
			lb_algo_pool_update(&a->f->pool);
		}
	}
	return NULL;
}

START_TEST(test_threads)
{
	static const int w[] = { 1, 2, 3, 4 };
	struct fixture f;
	pthread_t t[3];
	struct thr_arg a = { &f, 3000 };

	fx_servers(&f, w, 4);
	f.bal.hash_type = LB_HASH_CONSISTENT;
	fx_pool(&f, all_algos[_i], false);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, thr_main, &a), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	for (unsigned i = 0; i < f.n; i++)
		ck_assert_int_eq(f.s[i].cur_sess, 0);
	lb_algo_pool_free(&f.pool);
}
END_TEST

/* ---- hash inputs ---- */

static uint64_t
uri_hash(const char *uri, int len, int depth, bool whole)
{
	struct lb_cfg_balance bal = { .uri_len = len, .uri_depth = depth, .uri_whole = whole };

	return lb_algo_hash_uri(uri, strlen(uri), &bal);
}

START_TEST(test_hash_uri)
{
	uint64_t h = lb_hash64("/a/b/c", 6);

	ck_assert_uint_eq(uri_hash("/a/b/c?x=1", -1, -1, false), h);
	ck_assert_uint_eq(uri_hash("/a/b/c?y=2", -1, -1, false), h);
	ck_assert_uint_eq(uri_hash("/a/b/c", -1, -1, false), h);
	ck_assert_uint_eq(lb_algo_hash_uri("/a/b/c?x", 8, NULL), h);
	ck_assert_uint_eq(uri_hash("/a/b/c?x=1", -1, -1, true), lb_hash64("/a/b/c?x=1", 10));
	ck_assert_uint_ne(uri_hash("/a/b/c?x=1", -1, -1, true),
			  uri_hash("/a/b/c?y=2", -1, -1, true));
	/* len n: the first n characters */
	ck_assert_uint_eq(uri_hash("/abcdef", 4, -1, false), lb_hash64("/abc", 4));
	ck_assert_uint_eq(uri_hash("/ab?cdef", 6, -1, false), lb_hash64("/ab", 3));
	ck_assert_uint_eq(uri_hash("/ab?cdef", 6, -1, true), lb_hash64("/ab?cd", 6));
	ck_assert_uint_eq(uri_hash("/ab", 0, 0, false), lb_hash64("/ab", 3));
	/* depth n: n directory levels */
	ck_assert_uint_eq(uri_hash("/a/b/c", -1, 1, false), lb_hash64("/a", 2));
	ck_assert_uint_eq(uri_hash("/a/b/c", -1, 2, false), lb_hash64("/a/b", 4));
	ck_assert_uint_eq(uri_hash("/a/b/c", -1, 3, false), h);
	ck_assert_uint_eq(uri_hash("/a/b/c", -1, 9, false), h);
	ck_assert_uint_eq(uri_hash("/a/?x/y/z", -1, 2, false), lb_hash64("/a/", 3));
	ck_assert_uint_eq(uri_hash("/a/b/c/d", 5, 3, false), lb_hash64("/a/b/", 5));
	ck_assert_uint_eq(lb_algo_hash_uri("", 0, NULL), lb_hash64("", 0));
}
END_TEST

START_TEST(test_hash_url_param)
{
	static const char u[] = "/p?a=1&xid=2&id=abc;k=v&e=&n&id=zzz";
	uint64_t h = 0;

	ck_assert(lb_algo_hash_url_param(u, strlen(u), "id", &h));
	ck_assert_uint_eq(h, lb_hash64("abc", 3));
	ck_assert(lb_algo_hash_url_param(u, strlen(u), "a", &h));
	ck_assert_uint_eq(h, lb_hash64("1", 1));
	ck_assert(lb_algo_hash_url_param(u, strlen(u), "k", &h));
	ck_assert_uint_eq(h, lb_hash64("v", 1));
	ck_assert(lb_algo_hash_url_param(u, strlen(u), "xid", &h));
	ck_assert_uint_eq(h, lb_hash64("2", 1));
	ck_assert(!lb_algo_hash_url_param(u, strlen(u), "e", &h));	/* no value */
	ck_assert(!lb_algo_hash_url_param(u, strlen(u), "n", &h));
	ck_assert(!lb_algo_hash_url_param(u, strlen(u), "x", &h));
	/* the path is not a parameter */
	ck_assert(!lb_algo_hash_url_param(u, strlen(u), "p", &h));
	ck_assert(!lb_algo_hash_url_param(u, strlen(u), "", &h));
	ck_assert(!lb_algo_hash_url_param(u, strlen(u), NULL, &h));
	ck_assert(!lb_algo_hash_url_param("/p", 2, "id", &h));
	ck_assert(!lb_algo_hash_url_param("/p?", 3, "id", &h));
	ck_assert(!lb_algo_hash_url_param("/p?id", 5, "id", &h));
	/* len bounds the search: the value is cut */
	ck_assert(lb_algo_hash_url_param("/p?id=12345", 8, "id", &h));
	ck_assert_uint_eq(h, lb_hash64("12", 2));
	ck_assert(lb_algo_hash_url_param("/p?id=&id=7", 11, "id", &h));
	ck_assert_uint_eq(h, lb_hash64("7", 1));
}
END_TEST

static uint64_t
hsrc(const void *sa)
{
	return lb_algo_hash_src(sa);
}

START_TEST(test_hash_src)
{
	struct sockaddr_in a = { .sin_family = AF_INET }, b = a;
	struct sockaddr_in6 c = { .sin6_family = AF_INET6 }, d = c;
	struct sockaddr s = { .sa_family = AF_UNIX };

	inet_pton(AF_INET, "192.0.2.7", &a.sin_addr);
	a.sin_port = htons(1000);
	b = a;
	b.sin_port = htons(2000);
	ck_assert_uint_eq(hsrc(&a), hsrc(&b));
	ck_assert_uint_eq(hsrc(&a), lb_hash64(&a.sin_addr, 4));
	inet_pton(AF_INET, "192.0.2.8", &b.sin_addr);
	ck_assert_uint_ne(hsrc(&a), hsrc(&b));
	inet_pton(AF_INET6, "::ffff:192.0.2.7", &c.sin6_addr);
	ck_assert_uint_eq(hsrc(&a), hsrc(&c));
	inet_pton(AF_INET6, "2001:db8::7", &c.sin6_addr);
	c.sin6_port = htons(1);
	inet_pton(AF_INET6, "2001:db8::7", &d.sin6_addr);
	d.sin6_port = htons(2);
	ck_assert_uint_eq(hsrc(&c), hsrc(&d));
	ck_assert_uint_eq(hsrc(&c), lb_hash64(&c.sin6_addr, 16));
	inet_pton(AF_INET6, "2001:db8::8", &d.sin6_addr);
	ck_assert_uint_ne(hsrc(&c), hsrc(&d));
	ck_assert_uint_eq(lb_algo_hash_src(&s), 0);
	ck_assert_uint_eq(lb_algo_hash_src(NULL), 0);
}
END_TEST

static Suite *
algo_suite(void)
{
	Suite *s = suite_create("algo");
	TCase *tc = tcase_create("core");
	int nalgo = (int)LB_ARRAY_SIZE(all_algos);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_registry);
	tcase_add_loop_test(tc, test_rr_distribution, 0, 2);
	tcase_add_loop_test(tc, test_rr_smooth, 0, 2);
	tcase_add_test(tc, test_rr_weight_update);
	tcase_add_test(tc, test_static_rr_ignores_weights);
	tcase_add_test(tc, test_leastconn);
	tcase_add_test(tc, test_first);
	tcase_add_loop_test(tc, test_hash_map_based, 0, 4);
	tcase_add_test(tc, test_hash_consistent);
	tcase_add_test(tc, test_random);
	tcase_add_loop_test(tc, test_all_down, 0, nalgo);
	tcase_add_loop_test(tc, test_avoid, 0, nalgo);
	tcase_add_loop_test(tc, test_maxconn_full, 0, nalgo);
	tcase_add_loop_test(tc, test_backup, 0, nalgo);
	tcase_add_loop_test(tc, test_threads, 0, nalgo);
	tcase_add_test(tc, test_hash_uri);
	tcase_add_test(tc, test_hash_url_param);
	tcase_add_test(tc, test_hash_src);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(algo_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

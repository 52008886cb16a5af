/* tests/unit/test_map.c: map and ACL pattern files (common/map.c, common/map_conv.c): file
 * parsing, every map_* match and output form, defaults, live add/set/del/clear,
 * prepare/commit, and live edits under two concurrent reader threads. */
#include <check.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acl_priv.h"
#include "cfg.h"
#include "diag.h"
#include "map.h"
#include "userlist.h"
#include "util.h"

static char dir[] = "/tmp/test_map.XXXXXX";
static char path[256];

static const char *
write_file(const char *name, const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Looks s up in f as kind; returns the value or NULL. */
static const char *
look(struct lb_pat_file *f, enum lb_pat_kind kind, const char *s)
{
	static char out[256];
	struct lb_pat_key k = { .s = s, .len = strlen(s) };
	uint8_t ip[16];
	int bits;
	const char *v;
	size_t vl;

	if (kind == LB_PAT_IP) {
		if (lb_acl_parse_net(s, strlen(s), ip, &bits) < 0)
			return NULL;
		k.ip = ip;
	}
	if (kind == LB_PAT_INT)
		k.i = atoll(s);
	if (!lb_pat_lookup(f, kind, false, &k, NULL, &v, &vl))
		return NULL;
	snprintf(out, sizeof(out), "%.*s", (int)vl, v);
	return out;
}

#define LOOK_IS(f, kind, s, want)                                                         \
	do {                                                                              \
		const char *got_ = look(f, kind, s);                                      \
		ck_assert_msg(got_ && !strcmp(got_, want), "%s: got %s want %s", s,      \
			      got_ ? got_ : "(none)", want);                              \
	} while (0)
#define LOOK_NONE(f, kind, s) ck_assert_msg(!look(f, kind, s), "%s: unexpected match", s)

START_TEST(parse_file)
{
	char err[300];
	const char *p = write_file("a.map", "# comment\n\n  key1   value one  \r\n"
					    "\tkey2 v2\n# key3 no\nkey1 dup\n");
	struct lb_pat_file *f = lb_pat_file_get(p, true, LB_PAT_STR, false, err, sizeof(err));

	ck_assert_msg(f, "%s", err);
	ck_assert_uint_eq(lb_pat_count(f), 3);
	LOOK_IS(f, LB_PAT_STR, "key1", "value one");	/* first in file order wins */
	LOOK_IS(f, LB_PAT_STR, "key2", "v2");
	LOOK_NONE(f, LB_PAT_STR, "key3");
	LOOK_NONE(f, LB_PAT_STR, "KEY1");
	/* the same path is shared */
	struct lb_pat_file *g = lb_pat_file_get(p, true, LB_PAT_BEG, false, err, sizeof(err));
	ck_assert_ptr_eq(f, g);
	ck_assert_ptr_eq(lb_pat_find(p, true), f);
	ck_assert_ptr_null(lb_pat_find(p, false));	/* not an ACL file */
	ck_assert_ptr_null(lb_pat_file_get(p, false, LB_PAT_STR, false, err, sizeof(err)));
	ck_assert_msg(strstr(err, "already used as a map"), "%s", err);
	lb_pat_file_put(g);
	lb_pat_file_put(f);
	ck_assert_ptr_null(lb_pat_find(p, true));	/* the last reference frees it */

	p = write_file("bad.map", "ok v\nlonely\n");
	ck_assert_ptr_null(lb_pat_file_get(p, true, LB_PAT_STR, false, err, sizeof(err)));
	ck_assert_msg(strstr(err, "bad.map:2: key 'lonely' has no value"), "%s", err);
	p = write_file("bad_ip.map", "10.0.0.0/8 a\nnot.an.ip b\n");
	ck_assert_ptr_null(lb_pat_file_get(p, true, LB_PAT_IP, false, err, sizeof(err)));
	ck_assert_msg(strstr(err, "bad_ip.map:2: 'not.an.ip' is not an IPv4"), "%s", err);
	p = write_file("bad_re.map", "^(a b\n");
	ck_assert_ptr_null(lb_pat_file_get(p, true, LB_PAT_REG, false, err, sizeof(err)));
	ck_assert_msg(strstr(err, "bad_re.map:1: invalid regex"), "%s", err);
	ck_assert_ptr_null(lb_pat_file_get("/nonexistent/x.map", true, LB_PAT_STR, false, err,
					   sizeof(err)));
	ck_assert_msg(strstr(err, "cannot open map file"), "%s", err);
}
END_TEST

START_TEST(match_kinds)
{
	char err[300];
	const char *p = write_file("k.map", "/img/ images\n/api api\n.css style\n"
					    "example dom\n10.0.0.0/8 net8\n10.1.0.0/16 net16\n"
					    "::1 six\n");
	struct lb_pat_file *f[LB_PAT__COUNT];

	/* one file, indexed for the string kinds (ip/int need parseable keys) */
	for (int k = LB_PAT_STR; k <= LB_PAT_END; k++) {
		f[k] = lb_pat_file_get(p, true, (enum lb_pat_kind)k, false, err, sizeof(err));
		ck_assert_msg(f[k], "%s", err);
	}
	LOOK_IS(f[0], LB_PAT_STR, "/api", "api");
	LOOK_NONE(f[0], LB_PAT_STR, "/api/x");
	LOOK_IS(f[0], LB_PAT_BEG, "/api/v1", "api");
	LOOK_NONE(f[0], LB_PAT_BEG, "/ap");
	LOOK_IS(f[0], LB_PAT_SUB, "/x/img/a.png", "images");
	LOOK_IS(f[0], LB_PAT_END, "/site/main.css", "style");
	LOOK_NONE(f[0], LB_PAT_END, "/site/main.cssx");
	LOOK_IS(f[0], LB_PAT_DIR, "/a/img/b", "images");	/* delimiters trimmed */
	LOOK_NONE(f[0], LB_PAT_DIR, "/a/imgs/b");
	LOOK_IS(f[0], LB_PAT_DOM, "www.example.com", "dom");
	LOOK_NONE(f[0], LB_PAT_DOM, "www.myexample.com");
	for (int k = LB_PAT_STR; k <= LB_PAT_END; k++)
		lb_pat_file_put(f[k]);

	p = write_file("ip.map", "10.0.0.0/8 net8\n10.1.0.0/16 net16\n10.1.2.3 host\n"
				 "2001:db8::/32 doc6\n0.0.0.0/0 any4\n");
	struct lb_pat_file *ip = lb_pat_file_get(p, true, LB_PAT_IP, false, err, sizeof(err));
	ck_assert_msg(ip, "%s", err);
	LOOK_IS(ip, LB_PAT_IP, "10.1.2.3", "host");	/* longest prefix */
	LOOK_IS(ip, LB_PAT_IP, "10.1.9.9", "net16");
	LOOK_IS(ip, LB_PAT_IP, "10.200.0.1", "net8");
	LOOK_IS(ip, LB_PAT_IP, "192.0.2.1", "any4");
	LOOK_IS(ip, LB_PAT_IP, "2001:db8::5", "doc6");
	LOOK_NONE(ip, LB_PAT_IP, "2001:db9::5");
	lb_pat_file_put(ip);

	p = write_file("int.map", "1 one\n10:20 teens\n100: big\n");
	struct lb_pat_file *in = lb_pat_file_get(p, true, LB_PAT_INT, false, err, sizeof(err));
	ck_assert_msg(in, "%s", err);
	LOOK_IS(in, LB_PAT_INT, "1", "one");
	LOOK_IS(in, LB_PAT_INT, "15", "teens");
	LOOK_IS(in, LB_PAT_INT, "5000", "big");
	LOOK_NONE(in, LB_PAT_INT, "2");
	lb_pat_file_put(in);
}
END_TEST

/* ---- the converters through the ACL engine ---- */

static struct lb_acl_ctx ctx;
static struct lb_acl_set set;
static struct sockaddr_in src4;

struct hdr {
	const char *n, *v;
};
static const struct hdr hdrs[] = { { "Host", "API.Example.com" }, { "X-N", "3" } };

static void
get_hdr(const void *arg, unsigned i, struct lb_acl_str *name, struct lb_acl_str *value)
{
	const struct hdr *h = (const struct hdr *)arg + i;

	name->p = h->n;
	name->len = strlen(h->n);
	value->p = h->v;
	value->len = strlen(h->v);
}

static void
noerr(void *arg, int word, int off, const char *msg)
{
	(void)word, (void)off;
	snprintf(arg, 300, "%s", msg);
}

/* "if <text>" with words split on spaces; -1 when it does not compile. */
static int
ev(const char *text)
{
	char buf[1024], *v[32], err[300] = "";
	int col[32], n = 0;
	struct lb_acl_cond *c;
	int r;

	snprintf(buf, sizeof(buf), "if %s", text);
	for (char *s = strtok(buf, " "); s && n < 32; s = strtok(NULL, " "))
		col[n] = 1, v[n++] = s;
	struct lb_acl_words w = { v, col, n, { "t", 1, 0 } };
	struct lb_acl_report rep = { noerr, err };
	c = lb_acl_cond_parse(&set, &w, LB_ACL_USE_L4 | LB_ACL_USE_REQ, &rep);
	if (!c)
		return -1;
	r = lb_acl_cond_eval(c, &ctx);
	lb_acl_cond_free(c);
	return r;
}

#define EV_T(...) do { char t_[1024]; snprintf(t_, sizeof(t_), __VA_ARGS__); \
		ck_assert_msg(ev(t_) == 1, "expected true: %s", t_); } while (0)
#define EV_F(...) do { char t_[1024]; snprintf(t_, sizeof(t_), __VA_ARGS__); \
		ck_assert_msg(ev(t_) == 0, "expected false: %s", t_); } while (0)

START_TEST(converters)
{
	char hm[256], im[256], nm[256], rm[256];

	memset(&ctx, 0, sizeof(ctx));
	src4.sin_family = AF_INET;
	inet_pton(AF_INET, "10.1.2.3", &src4.sin_addr);
	ctx.src = (const struct sockaddr *)&src4;
	ctx.meth = (struct lb_acl_str){ "GET", 3 };
	ctx.uri = (struct lb_acl_str){ "/v2/users", 9 };
	ctx.version = 11;
	ctx.req_hdrs = (struct lb_acl_hdrs){ 2, get_hdr, hdrs };
	snprintf(hm, sizeof(hm), "%s", write_file("hosts.map", "api.example.com be_api\n"));
	snprintf(im, sizeof(im), "%s", write_file("nets.map", "10.0.0.0/8 8\n10.1.0.0/16 192.0.2.9\n"));
	snprintf(nm, sizeof(nm), "%s", write_file("num.map", "3 three\n"));
	snprintf(rm, sizeof(rm), "%s", write_file("re.map", "^/v([0-9]+)/ 42\n"));

	EV_T("{ req.hdr(host),lower,map(%s) -m str be_api }", hm);
	EV_F("{ req.hdr(host),map(%s) -m found }", hm);		/* case matters */
	EV_T("{ req.hdr(host),map(%s,dflt) -m str dflt }", hm);	/* the default */
	EV_T("{ req.hdr(host),lower,map_str(%s) -m str be_api }", hm);
	EV_T("{ src,map_ip(%s) -m str 192.0.2.9 }", im);
	EV_T("{ src,map_ip_ip(%s) 192.0.2.0/24 }", im);		/* ip output */
	EV_T("{ req.hdr(x-n),map_int(%s) -m str three }", nm);
	EV_T("{ path,map_reg_int(%s),add(1) 43 }", rm);		/* int output */
	EV_T("{ path,map_beg_int(%s,7) 7 }", rm);		/* int default */
	EV_F("{ path,map_str(%s) -m found }", rm);		/* no default: no sample */
	ck_assert_int_eq(ev("{ path,map_nope(/x) -m found }"), -1);
	lb_acl_set_free(&set);
	ck_assert_ptr_null(lb_pat_find(hm, true));	/* freed with the ACLs */
}
END_TEST

/* ---- live edits ---- */

START_TEST(edits)
{
	char err[300];
	const char *p = write_file("live.acl", "192.0.2.1\n");
	struct lb_pat_file *f = lb_pat_file_get(p, false, LB_PAT_IP, false, err, sizeof(err));
	unsigned ver;

	ck_assert_msg(f, "%s", err);
	ck_assert_ptr_nonnull(look(f, LB_PAT_IP, "192.0.2.1"));
	ck_assert_ptr_null(look(f, LB_PAT_IP, "127.0.0.1"));
	ck_assert_int_eq(lb_pat_add(f, 0, "127.0.0.0/8", NULL, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(look(f, LB_PAT_IP, "127.0.0.1"));
	ck_assert_int_eq(lb_pat_add(f, 0, "bogus", NULL, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "'bogus' is not an IPv4"), "%s", err);
	ck_assert_uint_eq(lb_pat_count(f), 2);
	ck_assert_int_eq(lb_pat_del(f, "127.0.0.0/8"), 1);
	ck_assert_ptr_null(look(f, LB_PAT_IP, "127.0.0.1"));
	ck_assert_int_eq(lb_pat_del(f, "127.0.0.0/8"), 0);
	/* prepare / commit */
	ver = lb_pat_prepare(f);
	ck_assert_uint_gt(ver, 0);
	ck_assert_int_eq(lb_pat_add(f, ver, "198.51.100.0/24", NULL, err, sizeof(err)), 0);
	ck_assert_ptr_null(look(f, LB_PAT_IP, "198.51.100.7"));	/* not yet */
	ck_assert_int_eq(lb_pat_add(f, ver + 1, "1.1.1.1", NULL, err, sizeof(err)), -1);
	ck_assert_int_eq(lb_pat_commit(f, ver, err, sizeof(err)), 1);
	ck_assert_ptr_nonnull(look(f, LB_PAT_IP, "198.51.100.7"));
	ck_assert_ptr_null(look(f, LB_PAT_IP, "192.0.2.1"));	/* replaced */
	ck_assert_int_eq(lb_pat_commit(f, ver, err, sizeof(err)), -1);
	/* a commit that an index refuses leaves the live version alone */
	ver = lb_pat_prepare(f);
	lb_pat_add(f, ver, "nope", NULL, err, sizeof(err));
	ck_assert_int_eq(lb_pat_commit(f, ver, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(look(f, LB_PAT_IP, "198.51.100.7"));
	ck_assert_uint_eq(lb_pat_clear(f, 0), 1);
	ck_assert_ptr_null(look(f, LB_PAT_IP, "198.51.100.7"));
	lb_pat_file_put(f);

	p = write_file("live.map", "a 1\nb 2\n");
	f = lb_pat_file_get(p, true, LB_PAT_STR, false, err, sizeof(err));
	ck_assert_int_eq(lb_pat_set(f, "a", "one", err, sizeof(err)), 1);
	LOOK_IS(f, LB_PAT_STR, "a", "one");
	ck_assert_int_eq(lb_pat_set(f, "zz", "x", err, sizeof(err)), 0);
	ck_assert_int_eq(lb_pat_add(f, 0, "c", NULL, err, sizeof(err)), -1);	/* no value */
	ck_assert_int_eq(lb_pat_add(f, 0, "c", "bad\nvalue", err, sizeof(err)), -1);
	lb_pat_file_put(f);
}
END_TEST

/* Two readers look up while the main thread swaps versions; the retire hook frees an old
 * version only once both readers have passed a quiescent point (the end of a lookup
 * loop iteration), like lbd's inbox-based hook. */
static struct lb_pat_file *cf;
static volatile int stop;
static unsigned long qs[2];		/* quiescent counters, atomic */
static long bad;

struct pending {
	void (*fn)(void *);
	void *obj;
	unsigned long seen[2];
};
static struct pending pend[4096];
static int npend;

static void
retire(void (*fn)(void *), void *obj)
{
	struct pending *p = &pend[npend++];

	p->fn = fn;
	p->obj = obj;
	for (int i = 0; i < 2; i++)
		p->seen[i] = __atomic_load_n(&qs[i], __ATOMIC_ACQUIRE);
}

static void
reclaim(bool all)
{
	int k = 0;

	for (int i = 0; i < npend; i++) {
		bool ok = all;
		if (!ok)
			ok = __atomic_load_n(&qs[0], __ATOMIC_ACQUIRE) > pend[i].seen[0] + 1 &&
			     __atomic_load_n(&qs[1], __ATOMIC_ACQUIRE) > pend[i].seen[1] + 1;
		if (ok)
			pend[i].fn(pend[i].obj);
		else
			pend[k++] = pend[i];
	}
	npend = k;
}

static void *
reader(void *arg)
{
	int id = (int)(intptr_t)arg;
	struct lb_pat_key k = { .s = "stable", .len = 6 };

	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		const char *v;
		size_t vl;
		/* "stable" is in every version, with the same value */
		if (!lb_pat_lookup(cf, LB_PAT_STR, false, &k, NULL, &v, &vl) || vl != 3 ||
		    memcmp(v, "yes", 3))
			__atomic_add_fetch(&bad, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&qs[id], 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

START_TEST(concurrent)
{
	char err[300], key[32];
	const char *p = write_file("conc.map", "stable yes\n");
	pthread_t t[2];

	cf = lb_pat_file_get(p, true, LB_PAT_STR, false, err, sizeof(err));
	ck_assert_msg(cf, "%s", err);
	lb_pat_set_retire(retire);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, reader, (void *)(intptr_t)i);
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "k%d", i % 50);
		if (i % 3 == 2)
			lb_pat_del(cf, key);
		else
			ck_assert_int_eq(lb_pat_add(cf, 0, key, "v", err, sizeof(err)), 0);
		if (i % 100 == 99) {
			unsigned ver = lb_pat_prepare(cf);
			lb_pat_add(cf, ver, "stable", "yes", err, sizeof(err));
			ck_assert_int_ge(lb_pat_commit(cf, ver, err, sizeof(err)), 1);
		}
		reclaim(false);
		if (npend > 4000)
			usleep(1000);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	reclaim(true);
	lb_pat_set_retire(NULL);
	ck_assert_int_eq(bad, 0);
	ck_assert_uint_gt(qs[0], 0);
	ck_assert_uint_gt(qs[1], 0);
	lb_pat_file_put(cf);
}
END_TEST

/* userlist parsing and the credential checks (SHA-512 crypt hash, insecure-password,
 * groups declared on both sides). */
START_TEST(userlist)
{
	static const char conf[] =
		"userlist L\n"
		"  group g1 users alice\n"
		"  group g2\n"
		"  user alice password $6$lbsalt$/vYCwhNb45rjSPI.Z8ZjiI74QSFOhgVh7f18paFmY95KXw7vJIYfYpCugu8V9ol6Ise3N4qYVtHoWrJtrjNxO/\n"
		"  user bob insecure-password hunter2 groups g2\n"
		"frontend f\n  mode http\n  bind 127.0.0.1:1\n"
		"  http-request auth realm R if !{ http_auth(L) }\n"
		"  default_backend b\n"
		"backend b\n  mode http\n  server s 127.0.0.1:2\n";
	struct lb_cfg cfg;
	struct lb_diag d;
	const struct lb_cfg_userlist *ul;
	const struct lb_cfg_user *u;

	lb_diag_init(&d);
	lb_cfg_init(&cfg);
	ck_assert_int_eq(lb_cfg_parse_buffer(&cfg, "t.cfg", conf, strlen(conf), &d), 0);
	ck_assert_int_eq(lb_cfg_finalize(&cfg, &d), 0);
	ul = lb_userlist_find(&cfg, "L");
	ck_assert_ptr_nonnull(ul);
	ck_assert_ptr_null(lb_userlist_find(&cfg, "M"));
	u = lb_userlist_check(ul, "alice", 5, "s3cret", 6);
	ck_assert_ptr_nonnull(u);
	ck_assert_ptr_null(lb_userlist_check(ul, "alice", 5, "s3creT", 6));
	ck_assert_ptr_null(lb_userlist_check(ul, "alice", 5, "s3cret\0x", 8));
	ck_assert(lb_userlist_in_group(ul, u, "g1", 2));
	ck_assert(!lb_userlist_in_group(ul, u, "g2", 2));
	u = lb_userlist_check(ul, "bob", 3, "hunter2", 7);
	ck_assert_ptr_nonnull(u);
	ck_assert(lb_userlist_in_group(ul, u, "g2", 2));
	ck_assert(!lb_userlist_in_group(ul, u, "g3", 2));
	ck_assert_ptr_null(lb_userlist_check(ul, "bob", 3, "hunter", 6));
	ck_assert_ptr_null(lb_userlist_check(ul, "carol", 5, "x", 1));
	lb_cfg_free(&cfg);
	lb_diag_free(&d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("map");
	TCase *tc = tcase_create("map");
	SRunner *sr;
	int nf;
	char cmd[300];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, parse_file);
	tcase_add_test(tc, match_kinds);
	tcase_add_test(tc, converters);
	tcase_add_test(tc, edits);
	tcase_add_test(tc, concurrent);
	tcase_add_test(tc, userlist);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		nf++;
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}

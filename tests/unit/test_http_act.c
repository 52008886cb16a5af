/* tests/unit/test_http_act.c: variable names and stores (common/vars.c) and the text edits of
 * replace-header, replace-value, replace-path/uri, set-path, set-pathq and set-query
 * (common/http_rewrite.c), and variables in the ACL engine: set-var from a sample
 * expression, the var(), str() and int() fetches (common/vars_acl.c). */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "http_rewrite.h"
#include "vars.h"
#include "vars_acl.h"

static uint32_t
key(const char *name)
{
	char err[200];
	uint32_t k = 0;

	ck_assert_msg(lb_var_name_parse(name, strlen(name), &k, err, sizeof(err)) == 0, "%s: %s",
		      name, err);
	return k;
}

static int
bad_name(const char *name, const char *want)
{
	char err[200] = "";
	uint32_t k;
	int rc = lb_var_name_parse(name, strlen(name), &k, err, sizeof(err));

	ck_assert_msg(rc < 0, "'%s' accepted", name);
	ck_assert_msg(strstr(err, want) != NULL, "'%s': got '%s', want '%s'", name, err, want);
	return rc;
}

START_TEST(names)
{
	uint32_t a = key("txn.user"), b = key("txn.user"), c = key("sess.user");

	ck_assert_uint_eq(a, b);	/* interned */
	ck_assert_uint_ne(a, c);	/* the scope is part of the key */
	ck_assert_int_eq(LB_VAR_KEY_SCOPE(a), LB_VAR_TXN);
	ck_assert_int_eq(LB_VAR_KEY_SCOPE(c), LB_VAR_SESS);
	ck_assert_int_eq(LB_VAR_KEY_SCOPE(key("proc.x")), LB_VAR_PROC);
	ck_assert_int_eq(LB_VAR_KEY_SCOPE(key("req.a.b_c9")), LB_VAR_REQ);
	ck_assert_int_eq(LB_VAR_KEY_SCOPE(key("res.x")), LB_VAR_RES);
	ck_assert_str_eq(lb_var_name(a), "txn.user");
	bad_name("user", "must start with a scope");
	bad_name("tx.user", "must start with a scope");
	bad_name("txn.", "empty name");
	bad_name("txn.us-er", "invalid character '-'");
}
END_TEST

START_TEST(store)
{
	struct lb_vars *st = NULL;
	uint32_t s = key("txn.s"), i = key("txn.i"), r = key("req.r"), ss = key("sess.k");
	struct lb_var_val v, out;
	char src[32] = "hello";

	ck_assert(!lb_vars_peek(st, s, &out, NULL, 0));	/* no store: nothing set */
	v = (struct lb_var_val){ .type = LB_VAR_T_STR, .s = src, .len = 5 };
	ck_assert(lb_vars_set(&st, s, &v));
	ck_assert_ptr_nonnull(st);
	strcpy(src, "XXXXX");	/* the store has its own copy */
	ck_assert(lb_vars_peek(st, s, &out, NULL, 0));
	ck_assert_int_eq(out.type, LB_VAR_T_STR);
	ck_assert_uint_eq(out.len, 5);
	ck_assert(!memcmp(out.s, "hello", 5));

	v = (struct lb_var_val){ .type = LB_VAR_T_INT, .i = -42 };
	ck_assert(lb_vars_set(&st, i, &v));
	ck_assert(lb_vars_set(&st, r, &v));
	ck_assert(lb_vars_set(&st, ss, &v));
	ck_assert_uint_eq(lb_vars_count(st), 4);
	ck_assert(lb_vars_peek(st, i, &out, NULL, 0));
	ck_assert_int_eq(out.type, LB_VAR_T_INT);
	ck_assert_int_eq(out.i, -42);

	/* a new value replaces the old one, of another type too */
	v = (struct lb_var_val){ .type = LB_VAR_T_STR, .s = "a longer string value", .len = 21 };
	ck_assert(lb_vars_set(&st, i, &v));
	ck_assert(lb_vars_peek(st, i, &out, NULL, 0));
	ck_assert_int_eq(out.type, LB_VAR_T_STR);
	ck_assert_uint_eq(out.len, 21);
	ck_assert_uint_eq(lb_vars_count(st), 4);

	lb_vars_unset(st, s);
	ck_assert(!lb_vars_peek(st, s, &out, NULL, 0));
	ck_assert_uint_eq(lb_vars_count(st), 3);

	/* the end of a request's processing: req goes, txn and sess stay */
	lb_vars_clear(st, 1u << LB_VAR_REQ);
	ck_assert(!lb_vars_peek(st, r, &out, NULL, 0));
	ck_assert(lb_vars_peek(st, i, &out, NULL, 0));
	/* the end of the transaction: txn goes, sess stays */
	lb_vars_clear(st, 1u << LB_VAR_TXN | 1u << LB_VAR_REQ | 1u << LB_VAR_RES);
	ck_assert(!lb_vars_peek(st, i, &out, NULL, 0));
	ck_assert(lb_vars_peek(st, ss, &out, NULL, 0));
	ck_assert_uint_eq(lb_vars_count(st), 1);
	lb_vars_free(&st);
	ck_assert_ptr_null(st);
	lb_vars_free(&st);	/* twice is harmless */
}
END_TEST

START_TEST(proc_scope)
{
	struct lb_vars *st = NULL;
	uint32_t p = key("proc.limit");
	struct lb_var_val v = { .type = LB_VAR_T_STR, .s = "shared", .len = 6 }, out;
	char buf[4];

	ck_assert(lb_vars_set(&st, p, &v));
	ck_assert_ptr_null(st);	/* proc variables are not in a connection's store */
	ck_assert(lb_vars_peek(NULL, p, &out, buf, sizeof(buf)));
	ck_assert_uint_eq(out.len, 4);	/* copied out, cut to the buffer */
	ck_assert(out.s == buf && !memcmp(buf, "shar", 4));
	lb_vars_unset(NULL, p);
	ck_assert(!lb_vars_peek(NULL, p, &out, buf, sizeof(buf)));
}
END_TEST

START_TEST(long_string)
{
	struct lb_vars *st = NULL;
	size_t n = LB_VAR_MAX_STR + 100;
	char *big = malloc(n);
	struct lb_var_val v = { .type = LB_VAR_T_STR, .s = big, .len = n }, out;

	memset(big, 'x', n);
	ck_assert(lb_vars_set(&st, key("txn.big"), &v));
	ck_assert(lb_vars_peek(st, key("txn.big"), &out, NULL, 0));
	ck_assert_uint_eq(out.len, LB_VAR_MAX_STR);
	free(big);
	lb_vars_free(&st);
}
END_TEST

/* ---- rewrites ---- */

static pcre2_code *
re(const char *s)
{
	char why[160];
	pcre2_code *c = lb_regex_compile(s, (size_t)-1, false, why, sizeof(why));

	ck_assert_msg(c != NULL, "%s: %s", s, why);
	return c;
}

/* The result of f as a string, "<nomatch>" or "<noroom>". */
static const char *
res(ssize_t n, const char *out)
{
	static char s[512];

	if (n == LB_RW_NOMATCH)
		return "<nomatch>";
	if (n == LB_RW_NOROOM)
		return "<noroom>";
	memcpy(s, out, (size_t)n);
	s[n] = 0;
	return s;
}

#define RX(r, subj, tpl, cap)                                                               \
	res(lb_rw_regex(r, md, subj, strlen(subj), tpl, strlen(tpl), out, cap), out)
#define RV(r, subj, tpl)                                                                    \
	res(lb_rw_regex_values(r, md, subj, strlen(subj), tpl, strlen(tpl), out, sizeof(out)), \
	    out)

START_TEST(regex_replace)
{
	pcre2_match_data *md = pcre2_match_data_create(10, NULL);
	pcre2_code *r1 = re("^/api/v1/(.*)$"), *r2 = re("foo=([^;]*);(.*)"), *r3 = re("^z$");
	char out[256];

	ck_assert_str_eq(RX(r1, "/api/v1/users?x=1", "/v2/\\1", sizeof(out)), "/v2/users?x=1");
	ck_assert_str_eq(RX(r1, "/other", "/v2/\\1", sizeof(out)), "<nomatch>");
	/* the whole value is replaced, not only the matched part (HAProxy's replace-header) */
	ck_assert_str_eq(RX(r2, "a=1; foo=bar;rest", "foo=\\1;ip=x;\\2", sizeof(out)),
			 "foo=bar;ip=x;rest");
	ck_assert_str_eq(RX(r1, "/api/v1/x", "[\\0] \\\\1 \\9.", sizeof(out)),
			 "[/api/v1/x] \\1 .");
	ck_assert_str_eq(RX(r1, "/api/v1/users", "/v2/\\1", 4), "<noroom>");

	ck_assert_str_eq(RV(r3, "z, w,z ,  z", "y"), "y, w,y ,  y");
	ck_assert_str_eq(RV(r3, "a, b", "y"), "<nomatch>");
	ck_assert_str_eq(RV(r3, "z", "yy"), "yy");
	ck_assert_str_eq(RV(r3, "", "y"), "<nomatch>");
	pcre2_code_free(r1);
	pcre2_code_free(r2);
	pcre2_code_free(r3);
	pcre2_match_data_free(md);
}
END_TEST

#define SET(uri, part, v)                                                                   \
	res(lb_rw_uri_set(uri, strlen(uri), part, v, strlen(v), out, sizeof(out)), out)

START_TEST(uri_parts)
{
	char out[256];
	struct lb_rw_uri u;

	lb_rw_uri_split("http://h:80/p/q?a=1", 19, &u);
	ck_assert_uint_eq(u.path_off, 11);
	ck_assert_uint_eq(u.path_len, 4);
	ck_assert_int_eq(u.has_query, 1);

	ck_assert_str_eq(SET("/a/b?x=1", LB_RW_PATH, "/c"), "/c?x=1");
	ck_assert_str_eq(SET("/a/b", LB_RW_PATH, "/c"), "/c");
	ck_assert_str_eq(SET("http://h/a?x", LB_RW_PATH, "/z"), "http://h/z?x");
	ck_assert_str_eq(SET("http://h?x", LB_RW_PATH, "/z"), "http://h/z?x");
	ck_assert_str_eq(SET("/a?x=1", LB_RW_PATHQ, "/b?y=2"), "/b?y=2");
	ck_assert_str_eq(SET("http://h/a?x=1", LB_RW_PATHQ, "/b"), "http://h/b");
	ck_assert_str_eq(SET("/a?x=1", LB_RW_QUERY, "y=2"), "/a?y=2");
	ck_assert_str_eq(SET("/a", LB_RW_QUERY, "y=2"), "/a?y=2");
	ck_assert_str_eq(SET("/a", LB_RW_QUERY, ""), "/a");		/* none added */
	ck_assert_str_eq(SET("/a?x=1", LB_RW_QUERY, ""), "/a?");	/* the '?' stays */
	ck_assert_int_eq(lb_rw_uri_set("/a/b", 4, LB_RW_PATH, "/cdef", 5, out, 3), LB_RW_NOROOM);
}
END_TEST

/* ---- variables in conditions ---- */

struct words {
	char buf[512];
	char *v[32];
	int col[32];
	int n;
};

static void
split(struct words *w, const char *s)
{
	char *p;

	snprintf(w->buf, sizeof(w->buf), "%s", s);
	w->n = 0;
	for (p = w->buf; *p;) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		w->col[w->n] = (int)(p - w->buf) + 1;
		w->v[w->n++] = p;
		while (*p && *p != ' ')
			p++;
	}
}

static char errs[1024];

static void
collect(void *arg, int word, int off, const char *msg)
{
	(void)arg;
	snprintf(errs, sizeof(errs), "%d+%d: %s", word, off, msg);
}

static struct lb_acl_set set;
static struct lb_vars *vars;
static struct lb_acl_ctx ctx;

static void
hdr_get(const void *arg, unsigned i, struct lb_acl_str *name, struct lb_acl_str *value)
{
	(void)arg, (void)i;
	*name = (struct lb_acl_str){ "X-Num", 5 };
	*value = (struct lb_acl_str){ "42", 2 };
}

/* set-var(<var>) <expr> */
static bool
set_var(const char *var, const char *expr)
{
	struct words w;
	const struct lb_acl_expr *e;

	split(&w, expr);
	struct lb_acl_words aw = { w.v, w.col, w.n, { "t", 1, 0 } };
	struct lb_acl_report rep = { collect, NULL };
	e = lb_acl_sample_parse(&set, &aw, LB_ACL_USE_L4 | LB_ACL_USE_REQ, &rep);
	ck_assert_msg(e != NULL, "%s: %s", expr, errs);
	return lb_acl_sample_set_var(e, &ctx, &vars, key(var), 0);
}

/* set-var(<var>,<conds>) <expr> */
static bool
set_var_if(const char *var, const char *conds, const char *expr)
{
	struct words w;
	const struct lb_acl_expr *e;
	unsigned c = 0;
	char err[200];

	ck_assert_msg(lb_var_conds_parse(conds, strlen(conds), &c, err, sizeof(err)) == 0, "%s",
		      err);
	split(&w, expr);
	struct lb_acl_words aw = { w.v, w.col, w.n, { "t", 1, 0 } };
	struct lb_acl_report rep = { collect, NULL };
	e = lb_acl_sample_parse(&set, &aw, LB_ACL_USE_L4 | LB_ACL_USE_REQ, &rep);
	ck_assert_msg(e != NULL, "%s: %s", expr, errs);
	return lb_acl_sample_set_var(e, &ctx, &vars, key(var), c);
}

/* "if <c>": 1 true, 0 false, -1 refused */
static int
ev(const char *c)
{
	struct words w;
	struct lb_acl_cond *cc;
	char text[256];
	int r;

	snprintf(text, sizeof(text), "if %s", c);
	split(&w, text);
	struct lb_acl_words aw = { w.v, w.col, w.n, { "t", 1, 0 } };
	struct lb_acl_report rep = { collect, NULL };
	errs[0] = 0;
	cc = lb_acl_cond_parse(&set, &aw, LB_ACL_USE_L4 | LB_ACL_USE_REQ, &rep);
	if (!cc)
		return -1;
	r = lb_acl_cond_eval(cc, &ctx);
	lb_acl_cond_free(cc);
	return r;
}

#define T(c) ck_assert_msg(ev(c) == 1, "expected true: %s (%s)", c, errs)
#define F(c) ck_assert_msg(ev(c) == 0, "expected false: %s (%s)", c, errs)

START_TEST(acl_vars)
{
	struct lb_var_val out;

	memset(&ctx, 0, sizeof(ctx));
	ctx.meth = (struct lb_acl_str){ "GET", 3 };
	ctx.uri = (struct lb_acl_str){ "/a/b?x=1", 8 };
	ctx.req_hdrs = (struct lb_acl_hdrs){ 1, hdr_get, NULL };
	ctx.vars = &vars;

	F("{ var(txn.p) -m found }");	/* no store yet */
	ck_assert(set_var("txn.p", "path"));
	ck_assert(set_var("txn.n", "req.hdr_val(x-num)"));
	ck_assert(set_var("txn.s", "str(hello)"));
	ck_assert(set_var("txn.i", "int(-3)"));
	ck_assert(set_var("sess.l", "path,lower,length"));
	ck_assert(!set_var("txn.none", "req.hdr(x-absent)"));	/* no sample: not set */
	ck_assert(!lb_vars_peek(vars, key("txn.none"), &out, NULL, 0));

	ck_assert(lb_vars_peek(vars, key("txn.n"), &out, NULL, 0));
	ck_assert_int_eq(out.type, LB_VAR_T_INT);	/* the sample's type is kept */
	ck_assert_int_eq(out.i, 42);
	T("{ var(txn.p) /a/b }");
	T("{ var(txn.p) -m beg /a/ }");
	F("{ var(txn.p) /a }");
	T("{ var(txn.n) -m int gt 40 }");
	F("{ var(txn.n) -m int lt 40 }");
	T("{ var(txn.s) hello }");
	T("{ var(txn.i) -m int -- -3 }");
	T("{ var(sess.l) -m int 4 }");
	F("{ var(txn.unset) -m found }");
	T("{ str(abc) abc }");
	T("{ int(7) -m int 7 }");
	ck_assert_int_eq(ev("{ var(foo) x }"), -1);
	ck_assert_msg(strstr(errs, "must start with a scope") != NULL, "%s", errs);

	/* the end of the transaction empties txn, sess stays */
	lb_vars_clear(vars, 1u << LB_VAR_TXN);
	F("{ var(txn.p) -m found }");
	T("{ var(sess.l) -m found }");
	lb_acl_set_free(&set);
	lb_vars_free(&vars);
}
END_TEST

/* set-var(<name>,<cond>...): HAProxy 2.6's conditions; var(<name>,<default>) */
START_TEST(var_conds)
{
	unsigned c = 0;
	char err[200];
	struct lb_var_val out;

	memset(&ctx, 0, sizeof(ctx));
	ctx.meth = (struct lb_acl_str){ "GET", 3 };
	ctx.uri = (struct lb_acl_str){ "/a/b?x=1", 8 };
	ctx.req_hdrs = (struct lb_acl_hdrs){ 1, hdr_get, NULL };
	ctx.vars = &vars;

	/* the list */
	ck_assert_int_eq(lb_var_conds_parse("ifexists,ifgt", 13, &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(c, LB_VAR_IF_EXISTS | LB_VAR_IF_GT);
	ck_assert_int_eq(lb_var_conds_parse("ifset,nope", 10, &c, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "unknown set-var condition 'nope'"), "%s", err);
	ck_assert_int_eq(lb_var_conds_parse("", 0, &c, err, sizeof(err)), -1);
	ck_assert_int_eq(lb_var_conds_parse("ifset,", 6, &c, err, sizeof(err)), -1);

	/* exists / notexists */
	ck_assert(!set_var_if("txn.a", "ifexists", "str(x)"));
	F("{ var(txn.a) -m found }");
	ck_assert(set_var_if("txn.a", "ifnotexists", "str(x)"));
	T("{ var(txn.a) x }");
	ck_assert(!set_var_if("txn.a", "ifnotexists", "str(y)"));
	T("{ var(txn.a) x }");
	ck_assert(set_var_if("txn.a", "ifexists", "str(y)"));
	T("{ var(txn.a) y }");
	/* set / notset */
	ck_assert(!set_var_if("txn.a", "ifnotset", "str(z)"));
	ck_assert(set_var_if("txn.a", "ifset", "str(z)"));
	T("{ var(txn.a) z }");
	lb_vars_unset(vars, key("txn.a"));
	ck_assert(!set_var_if("txn.a", "ifset", "str(w)"));
	ck_assert(set_var_if("txn.a", "ifnotset", "str(w)"));
	T("{ var(txn.a) w }");
	/* empty / notempty: the new value */
	ck_assert(!set_var_if("txn.a", "ifnotempty", "url_param(nope,;),lower"));	/* no sample */
	ck_assert(!set_var_if("txn.a", "ifnotempty", "path,field(1,/)"));	/* "" */
	ck_assert(set_var_if("txn.a", "ifempty", "path,field(1,/)"));
	T("{ var(txn.a) -m len 0 }");
	ck_assert(!set_var_if("txn.a", "ifempty", "path"));
	ck_assert(set_var_if("txn.a", "ifnotempty", "path"));
	T("{ var(txn.a) /a/b }");
	ck_assert(set_var_if("txn.i", "ifnotempty", "int(0)"));	/* integers are never empty */
	/* gt / lt: the variable's integer against the new one */
	ck_assert(set_var("txn.n", "int(10)"));
	ck_assert(!set_var_if("txn.n", "ifgt", "int(10)"));
	ck_assert(!set_var_if("txn.n", "ifgt", "int(11)"));
	ck_assert(set_var_if("txn.n", "ifgt", "int(9)"));
	T("{ var(txn.n) -m int 9 }");
	ck_assert(!set_var_if("txn.n", "iflt", "int(9)"));
	ck_assert(!set_var_if("txn.n", "iflt", "int(8)"));
	ck_assert(set_var_if("txn.n", "iflt", "int(20)"));
	T("{ var(txn.n) -m int 20 }");
	ck_assert(!set_var_if("txn.a", "ifgt", "int(0)"));		/* a string: not compared */
	ck_assert(!set_var_if("txn.n", "iflt", "str(99)"));		/* nor a string sample */
	ck_assert(!set_var_if("txn.none", "iflt", "int(1)"));	/* not set */
	ck_assert(!lb_vars_peek(vars, key("txn.none"), &out, NULL, 0));
	/* several: all must hold */
	ck_assert(!set_var_if("txn.n", "ifexists,iflt", "int(5)"));
	ck_assert(set_var_if("txn.n", "ifexists,ifgt,ifnotempty", "int(5)"));
	T("{ var(txn.n) -m int 5 }");
	/* proc variables always exist */
	ck_assert(!set_var_if("proc.cv", "ifnotexists", "int(1)"));
	ck_assert(!lb_vars_peek(NULL, key("proc.cv"), &out, NULL, 0));
	ck_assert(set_var_if("proc.cv", "ifexists,ifnotset", "int(1)"));
	ck_assert(!set_var_if("proc.cv", "ifnotset", "int(2)"));
	T("{ var(proc.cv) -m int 1 }");
	lb_vars_unset(NULL, key("proc.cv"));

	/* var(<name>,<default>) */
	T("{ var(txn.unset,dflt) dflt }");
	T("{ var(txn.unset,) -m len 0 }");
	T("{ var(txn.unset,12) -m int 12 }");
	T("{ var(txn.a,dflt) /a/b }");		/* set: its value */
	T("{ var(proc.unset,p) p }");
	ctx.vars = NULL;
	T("{ var(sess.x,none) none }");		/* no store at all */
	F("{ var(sess.x) -m found }");
	ck_assert_int_eq(ev("{ var(txn.a,b,c) x }"), -1);
	ck_assert_msg(strstr(errs, "too many arguments for 'var'"), "%s", errs);
	lb_acl_set_free(&set);
	lb_vars_free(&vars);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("http_act");
	TCase *tc = tcase_create("http_act");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, names);
	tcase_add_test(tc, store);
	tcase_add_test(tc, proc_scope);
	tcase_add_test(tc, long_string);
	tcase_add_test(tc, regex_replace);
	tcase_add_test(tc, uri_parts);
	tcase_add_test(tc, acl_vars);
	tcase_add_test(tc, var_conds);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}

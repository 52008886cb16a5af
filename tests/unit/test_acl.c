/* tests/unit/test_acl.c: the ACL engine (common/acl*.c): fetches, converters, matchers,
 * the condition parser and its errors, -f files, and the cost of one evaluation. */
#include <check.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acl.h"
#include "cfg.h"
#include "diag.h"
#include "util.h"

/* ---- a crafted request ---- */

struct hdr {
	const char *n, *v;
};

static const struct hdr req_hdrs[] = {
	{ "Host", "WWW.Example.com" },
	{ "Accept", "text/html, application/json" },
	{ "X-Num", "42" },
	{ "X-Num", "7, 9" },
	{ "Cookie", "a=1; sess=abc123 ; lang=fr" },
	{ "Content-Length", "12" },
	{ "X-Fwd", "10.1.2.3" },
};
static const struct hdr res_hdrs[] = {
	{ "Content-Type", "text/plain" },
	{ "Set-Cookie", "x=1" },
};

static void
get_hdr(const void *arg, unsigned i, struct lb_acl_str *name, struct lb_acl_str *value)
{
	const struct hdr *h = (const struct hdr *)arg + i;

	name->p = h->n;
	name->len = strlen(h->n);
	value->p = h->v;
	value->len = strlen(h->v);
}

static struct sockaddr_in src4, dst4;
static struct sockaddr_in6 src6;

static const struct sockaddr *
get_dst(const void *arg)
{
	(void)arg;
	return (const struct sockaddr *)&dst4;
}

static int
st_nbsrv(const void *arg, const struct lb_cfg_proxy *be)
{
	(void)arg;
	return be ? 3 : 2;
}

static int
st_be_conn(const void *arg, const struct lb_cfg_proxy *be)
{
	(void)arg, (void)be;
	return 17;
}

static bool
st_srv_is_up(const void *arg, const struct lb_cfg_proxy *be, int id)
{
	(void)arg, (void)be;
	return id != 2;	/* unresolved here: 0 */
}

static const struct lb_acl_state_ops ops = { st_nbsrv, st_be_conn, st_srv_is_up };

static const char *uri = "/api/v1/Users.json?id=5&name=bob&to=a%20b";
static struct lb_acl_ctx ctx;

static void
ctx_init(void)
{
	memset(&ctx, 0, sizeof(ctx));
	src4.sin_family = AF_INET;
	src4.sin_port = htons(40000);
	inet_pton(AF_INET, "192.168.1.20", &src4.sin_addr);
	dst4.sin_family = AF_INET;
	dst4.sin_port = htons(8080);
	inet_pton(AF_INET, "127.0.0.1", &dst4.sin_addr);
	src6.sin6_family = AF_INET6;
	src6.sin6_port = htons(5);
	inet_pton(AF_INET6, "2001:db8::1", &src6.sin6_addr);
	ctx.src = (const struct sockaddr *)&src4;
	ctx.dst = get_dst;
	ctx.meth = (struct lb_acl_str){ "GET", 3 };
	ctx.uri = (struct lb_acl_str){ uri, strlen(uri) };
	ctx.version = 11;
	ctx.req_len = 300;
	ctx.req_hdrs = (struct lb_acl_hdrs){ LB_ARRAY_SIZE(req_hdrs), get_hdr, req_hdrs };
	ctx.status = 404;
	ctx.res_hdrs = (struct lb_acl_hdrs){ LB_ARRAY_SIZE(res_hdrs), get_hdr, res_hdrs };
	ctx.fe_name = "fe1";
	ctx.be_name = "be1";
	ctx.state = &ops;
}

/* ---- helpers: words split on spaces, errors collected ---- */

static char errs[4096];

static void
collect(void *arg, int word, int off, const char *msg)
{
	const int *col = arg;
	size_t l = strlen(errs);

	snprintf(errs + l, sizeof(errs) - l, "%d: %s\n", col[word] + off, msg);
}

struct words {
	char buf[1024];
	char *v[64];
	int col[64];
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

static struct lb_acl_set set;

/* Declares each "name expr..." line of acls. */
static int
declare(const char *acls)
{
	char copy[2048], *save = NULL;
	int rc = 0;

	snprintf(copy, sizeof(copy), "%s", acls);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct words w;
		split(&w, l);
		struct lb_acl_words aw = { w.v, w.col, w.n, { "t", 1, 0 } };
		struct lb_acl_report rep = { collect, w.col };
		if (lb_acl_declare(&set, &aw, &rep) < 0)
			rc = -1;
	}
	return rc;
}

static struct lb_acl_cond *
cond(const char *text, unsigned uses)
{
	struct words w;

	split(&w, text);
	struct lb_acl_words aw = { w.v, w.col, w.n, { "t", 1, 0 } };
	struct lb_acl_report rep = { collect, w.col };
	return lb_acl_cond_parse(&set, &aw, uses, &rep);
}

#define ALL (LB_ACL_USE_L4 | LB_ACL_USE_REQ | LB_ACL_USE_RES | LB_ACL_USE_PAYLOAD)

/* Evaluates "if <c>" (acls declared first); -1 when it does not compile. */
static int
ev(const char *acls, const char *c)
{
	char text[1024];
	struct lb_acl_cond *cc;
	int r;

	errs[0] = '\0';
	lb_acl_set_free(&set);
	if (acls && declare(acls) < 0)
		return -1;
	snprintf(text, sizeof(text), "if %s", c);
	cc = cond(text, ALL);
	if (!cc)
		return -1;
	r = lb_acl_cond_eval(cc, &ctx);
	lb_acl_cond_free(cc);
	return r;
}

#define T(c) ck_assert_msg(ev(NULL, c) == 1, "expected true: %s (%s)", c, errs)
#define F(c) ck_assert_msg(ev(NULL, c) == 0, "expected false: %s (%s)", c, errs)

static void
setup(void)
{
	ctx_init();
}

static void
teardown(void)
{
	lb_acl_set_free(&set);
}

/* ---- fetches ---- */

START_TEST(test_fetch_http)
{
	T("{ path /api/v1/Users.json }");
	T("{ path_beg /api/ }");
	T("{ path_end .json }");
	T("{ path_sub v1 }");
	T("{ path_dir v1 }");
	F("{ path_dir v }");
	T("{ path_reg ^/api/v[0-9]+/ }");
	T("{ path_len 18 }");
	T("{ pathq -m end to=a%20b }");
	T("{ url_beg /api/v1/Users.json? }");
	T("{ query -m beg id=5& }");
	T("{ url_param(name) bob }");
	T("{ urlp(id) -m int 5 }");
	F("{ url_param(nope) -m found }");
	T("{ method GET }");
	F("{ method get }");
	T("{ method -i get }");
	T("{ req.ver 1.1 }");
	T("{ req.len gt 200 }");
	T("{ base -i www.example.com/api/v1/Users.json }");
	T("HTTP");
	T("HTTP_1.1");
	F("HTTP_1.0");
	T("HTTP_CONTENT");
	T("HTTP_URL_SLASH");
	F("HTTP_URL_ABS");
	T("METH_GET");
	F("METH_POST");
	T("REQ_CONTENT");
}
END_TEST

START_TEST(test_fetch_headers)
{
	T("{ hdr(host) -i www.example.com }");
	F("{ hdr(host) www.example.com }");
	T("{ hdr(accept) application/json }");		/* comma-split values */
	F("{ req.fhdr(accept) application/json }");	/* full line */
	T("{ req.fhdr(accept) -m sub json }");
	T("{ hdr(x-num,1) 42 }");
	T("{ hdr(x-num,-1) 9 }");
	T("{ hdr(x-num,2) 7 }");
	F("{ hdr(x-num,1) 7 }");
	T("{ hdr_cnt(x-num) 3 }");
	T("{ req.hdr_cnt eq 9 }");			/* every value of every header */
	T("{ hdr_val(x-num) gt 40 }");
	T("{ hdr_val(x-num) 9 }");
	T("{ hdr_beg(host) -i www. }");
	T("{ hdr_end(host) .com }");
	T("{ hdr_dom(host) -i example }");
	F("{ hdr_dom(host) exam }");
	T("{ hdr_ip(x-fwd) 10.0.0.0/8 }");
	T("{ req.cook(sess) abc123 }");
	T("{ cook(lang) fr }");
	F("{ req.cook(nope) -m found }");
	T("{ req.cook(a) -m int 1 }");
	T("{ hdr(x-missing) -m len 0 } || { hdr(host) -m found }");
	F("{ hdr(x-missing) -m found }");
}
END_TEST

START_TEST(test_fetch_l4_state)
{
	T("{ src 192.168.0.0/16 }");
	T("{ src 192.168.1.20 }");
	F("{ src 192.168.2.0/24 }");
	T("{ src 192.168.1.0/255.255.255.0 }");
	T("{ src_port ge 1024 }");
	T("{ dst 127.0.0.1 }");
	T("{ dst_port 8080 }");
	T("LOCALHOST || { dst 127.0.0.0/8 }");
	F("LOCALHOST");
	ctx.src = (const struct sockaddr *)&src6;
	T("{ src 2001:db8::/32 }");
	F("{ src 2001:db9::/32 }");
	F("{ src 192.168.0.0/16 }");
	T("{ src_port 5 }");
	T("{ fe_name fe1 }");
	T("{ be_name be1 }");
	T("{ nbsrv 2 }");
	T("{ be_conn gt 10 }");
	T("{ srv_is_up(b/s) }");
	T("{ always_true } !{ always_false } TRUE !FALSE WAIT_END");
	ctx.src = NULL;
	F("{ src 0.0.0.0/0 ::/0 }");
	F("{ src_port -m found }");
}
END_TEST

START_TEST(test_fetch_response)
{
	T("{ status 404 }");
	T("{ status 400:499 }");
	F("{ status lt 400 }");
	T("{ res.hdr(content-type) -m beg text/ }");
	T("{ shdr(set-cookie) x=1 }");
	T("{ res.hdr_cnt 2 }");
	ctx.status = 0;
	F("{ status -m found }");
}
END_TEST

/* ---- converters ---- */

START_TEST(test_converters)
{
	T("{ hdr(host),lower www.example.com }");
	T("{ hdr(host),upper WWW.EXAMPLE.COM }");
	T("{ src,ipmask(24) 192.168.1.0 }");
	T("{ src,ipmask(16),ipmask(8) -m ip 192.0.0.0/8 }");
	T("{ path,field(3,/) v1 }");
	T("{ path,field(-1,/) Users.json }");
	T("{ path,field(2,/,2) api/v1 }");
	T("{ path,word(1,/) api }");
	F("{ path,field(1,/) -m found } !{ path,field(1,/) -m len 0 }");
	T("{ path,regsub(^/api/,/x/) /x/v1/Users.json }");
	T("{ path,regsub(/,_,g) _api_v1_Users.json }");
	T("{ path,regsub(\\.json$,\\,x) /api/v1/Users,x }");
	T("{ path,regsub(^/(a)(p)i,\\2\\1) pa/v1/Users.json }");
	T("{ method,base64 R0VU }");
	T("{ method,base64,b64dec GET }");
	T("{ url_param(to),url_dec a\\ b } || { url_param(to),url_dec -m sub b }");
	T("{ method,concat(<,,>) <GET> }");
	T("{ hdr_val(x-num),add(8) 50 }");
	T("{ hdr(x-num,1),sub(2) 40 }");
	T("{ hdr(x-num,1),mul(2),div(4) 21 }");
	T("{ hdr(x-num,1),mod(5) 2 }");
	T("{ hdr(x-num,1),div(0) 9223372036854775807 }");
	T("{ path,length 18 }");
	T("{ method,hex 474554 }");
	T("{ method,lower,upper,length eq 3 }");
}
END_TEST

/* ---- matchers ---- */

START_TEST(test_matchers)
{
	T("{ method -m str GET POST }");
	T("{ method -m beg G }");
	T("{ method -m end ET }");
	T("{ method -m sub E }");
	T("{ method -m reg -i ^g }");
	T("{ method -m len 3 }");
	T("{ method -m found }");
	T("{ path -m dir api }");
	T("{ hdr(host) -m dom -i www }");
	T("{ hdr(x-num,1) -m int 40:50 }");
	T("{ hdr(x-num,1) -m int :42 }");
	T("{ hdr(x-num,1) -m int 42: }");
	T("{ hdr(x-num,1) -m int eq 42 }");
	F("{ hdr(x-num,1) -m int gt 42 }");
	T("{ hdr(x-num,1) -m int ge 42 }");
	F("{ hdr(x-num,1) -m int lt 42 }");
	T("{ hdr(x-num,1) -m int le 42 }");
	T("{ hdr(x-num,1) -m bool }");
	T("{ hdr(x-fwd) -m ip 10.1.2.3 }");
	F("{ hdr(host) -m ip 10.0.0.0/8 }");		/* not an address: no sample */
	T("{ src -m str 192.168.1.20 }");		/* address cast to text */
	T("{ path -m str -- /api/v1/Users.json }");
	T("{ path -i -m str /API/V1/USERS.JSON }");
	T("{ src -n 192.168.1.20 }");
}
END_TEST

/* ---- conditions: precedence and named ACLs ---- */

START_TEST(test_precedence)
{
	/* AND binds tighter than OR: a b || c = (a and b) or c */
	T("TRUE FALSE || TRUE");
	F("FALSE || TRUE FALSE");
	T("FALSE or TRUE");
	F("!TRUE || FALSE");
	T("! TRUE || !FALSE");
	T("!{ path_beg /x } { path_beg /api }");
	ck_assert_int_eq(ev("a path_beg /nope\na path_beg /api\nb method POST", "a !b"), 1);
	ck_assert_int_eq(ev("a path_beg /nope\nb method POST", "a || b"), 0);
	/* unless */
	lb_acl_set_free(&set);
	struct lb_acl_cond *c = cond("unless TRUE", ALL);
	ck_assert_ptr_nonnull(c);
	ck_assert(!lb_acl_cond_eval(c, &ctx));
	lb_acl_cond_free(c);
	c = cond("unless FALSE || FALSE", ALL);
	ck_assert(lb_acl_cond_eval(c, &ctx));
	lb_acl_cond_free(c);
}
END_TEST

/* ---- errors, with their columns ---- */

static int
declare_only(const char *acls)
{
	errs[0] = '\0';
	lb_acl_set_free(&set);
	return declare(acls);
}

static void
expect_err(const char *acls, const char *c, const char *want)
{
	int r = acls && !c ? declare_only(acls) : ev(acls, c);

	ck_assert_msg(r == -1, "no error for %s / %s", acls ? acls : "", c ? c : "");
	ck_assert_msg(strstr(errs, want), "want '%s' in:\n%s", want, errs);
}

START_TEST(test_errors)
{
	/* columns are 1-based in the words given: "if " takes 3 */
	expect_err(NULL, "{ pth_beg /a }", "6: unknown fetch method 'pth_beg' in ACL expression "
		   "(did you mean 'path_beg'?)");
	expect_err(NULL, "{ path,lowr x }", "11: unknown converter 'lowr' (did you mean 'lower'?)");
	expect_err(NULL, "{ path -m sbu x }", "14: unknown matching method 'sbu'");
	expect_err(NULL, "{ path -x a }", "11: unknown ACL flag '-x'");
	expect_err(NULL, "{ hdr(host a }", "9: missing ')' after the arguments of 'hdr'");
	expect_err(NULL, "{ url_param }", "'url_param' expects 1 argument");
	expect_err(NULL, "{ hdr(a,b) x }", "argument 2 of 'hdr' must be an integer, got 'b'");
	expect_err(NULL, "{ path,field(1,/,2,3) x }", "too many arguments for 'field'");
	expect_err(NULL, "{ src 1.2.3.999 }", "10: '1.2.3.999' is not an IPv4 or IPv6 address");
	expect_err(NULL, "{ src 10.0.0.0/33 }", "is not an IPv4 or IPv6 address");
	expect_err(NULL, "{ dst_port gt x }", "18: 'x' is not an integer (after 'gt')");
	expect_err(NULL, "{ dst_port 5:3 }", "is not an integer or a range");
	expect_err(NULL, "{ path_reg ^( }", "15: invalid regex '^('");
	expect_err(NULL, "{ path,regsub([,x) y }", "invalid regex '[' for 'regsub'");
	expect_err(NULL, "{ path,regsub((,x) y }", "missing ')' after the arguments of 'regsub'");
	expect_err(NULL, "{ path }", "'path' has no value to match");
	expect_err(NULL, "{ path -m found x }", "'-m found' takes no values, unexpected 'x'");
	expect_err(NULL, "nope", "4: unknown ACL 'nope'");
	expect_err(NULL, "TRU", "unknown ACL 'TRU' (did you mean 'TRUE'?)");
	expect_err(NULL, "!nope", "5: unknown ACL 'nope'");
	expect_err("is_api path_beg /api", "is_ap", "unknown ACL 'is_ap' (did you mean 'is_api'?)");
	expect_err(NULL, "{ path /a", "4: unbalanced '{': missing '}'");
	expect_err(NULL, "path /a }", "unknown ACL 'path'");
	expect_err(NULL, "TRUE }", "9: unbalanced '}'");
	expect_err(NULL, "{ }", "4: empty anonymous ACL");
	expect_err(NULL, "|| TRUE", "4: missing term before '||'");
	expect_err(NULL, "TRUE ||", "9: missing term after '||'");
	expect_err(NULL, "TRUE || || TRUE", "missing term before '||'");
	expect_err(NULL, "TRUE !", "'!' at the end of the condition negates nothing");
	expect_err(NULL, "TRUE && TRUE", "'&&' is not an operator");
	expect_err(NULL, "{ path,concat(a,v,b) x }", "variables in 'concat' are not supported yet");
	expect_err("bad/name path /", NULL, "invalid ACL name 'bad/name'");
	expect_err("x path -M /", NULL, "ACL flag '-M' is not supported yet");
	/* every error of a line is reported */
	ck_assert_int_eq(ev(NULL, "nope1 nope2 || nope3"), -1);
	ck_assert(strstr(errs, "'nope1'") && strstr(errs, "'nope2'") && strstr(errs, "'nope3'"));
	ck_assert_int_eq(ev("x src 1.2.3.4 bad1 5.6.7.8 bad2", "x"), -1);
	ck_assert(strstr(errs, "'bad1'") && strstr(errs, "'bad2'"));
	/* a fetch the place does not have */
	lb_acl_set_free(&set);
	errs[0] = '\0';
	ck_assert_ptr_null(cond("if { status 200 }", LB_ACL_USE_L4 | LB_ACL_USE_REQ));
	ck_assert_ptr_nonnull(strstr(errs, "uses fetch 'status', which reads the HTTP response"));
	errs[0] = '\0';
	ck_assert_ptr_null(cond("if METH_GET", LB_ACL_USE_L4 | LB_ACL_USE_RES));
	ck_assert_ptr_nonnull(strstr(errs, "ACL 'METH_GET' uses fetch 'method'"));
	errs[0] = '\0';
	ck_assert_ptr_null(cond("if", ALL));
	ck_assert_ptr_nonnull(strstr(errs, "missing condition after 'if'"));
}
END_TEST

/* The condition parser's errors, each with the column it points at: 1-based in the words
 * given, "if " taking 3 (so the first term is at 4, "{ x" puts x at 6). */
START_TEST(test_error_columns)
{
	static const struct {
		const char *cond, *want;
	} errors[] = {
		{ "{ pth_beg /a }",
		  "6: unknown fetch method 'pth_beg' in ACL expression (did you mean 'path_beg'?)" },
		{ "{ url_param }", "15: 'url_param' expects 1 argument (string)" },
		{ "{ hdr(a,b) x }", "12: argument 2 of 'hdr' must be an integer, got 'b'" },
		{ "{ path,field(x,/) a }", "17: argument 1 of 'field' must be an integer, got 'x'" },
		{ "{ path,field(1,/,2,3) x }", "23: too many arguments for 'field' (at most 3)" },
		{ "{ hdr(host a }", "9: missing ')' after the arguments of 'hdr'" },
		{ "{ path,lowr x }", "11: unknown converter 'lowr' (did you mean 'lower'?)" },
		{ "{ src,add(1) 5 }", "10: converter 'add' takes an integer, not an address" },
		{ "{ path -m sbu x }", "14: unknown matching method 'sbu'" },
		{ "{ always_true -m ip 1.2.3.4 }",
		  "21: matching method 'ip' cannot be used with a boolean" },
		{ "{ src -m int 5 }", "13: matching method 'int' cannot be used with an address" },
		{ "{ src,ipmask(8) -m bool }",
		  "23: matching method 'bool' cannot be used with an address" },
		{ "{ path /a", "4: unbalanced '{': missing '}'" },
		{ "TRUE }", "9: unbalanced '}'" },
		{ "{ }", "4: empty anonymous ACL" },
		{ "|| TRUE", "4: missing term before '||'" },
		{ "TRUE ||", "9: missing term after '||'" },
		{ "!", "4: '!' at the end of the condition negates nothing" },
		{ "TRUE !", "9: '!' at the end of the condition negates nothing" },
		{ "nope", "4: unknown ACL 'nope'" },
		{ "TRUE !nope", "10: unknown ACL 'nope'" },
		{ "{ path_reg ^( }", "15: invalid regex '^(' at offset 2" },
		{ "{ path,regsub([,x) y }", "18: invalid regex '[' for 'regsub'" },
		{ "{ path,regsub(a,b,gx) c }", "23: unknown flag 'x' for 'regsub'" },
		{ "{ src 1.2.3 }", "10: '1.2.3' is not an IPv4 or IPv6 address, with an optional mask" },
		{ "{ src 10.0.0.0/33 }", "10: '10.0.0.0/33' is not an IPv4 or IPv6 address" },
		{ "{ src 10.0.0.0/255.0.255.0 }", "10: '10.0.0.0/255.0.255.0' is not an IPv4" },
		{ "{ src ::1/129 }", "10: '::1/129' is not an IPv4 or IPv6 address" },
		{ "{ src -f /nonexistent/x.lst }",
		  "13: cannot open ACL file '/nonexistent/x.lst': No such file or directory" },
		{ "{ dst_port gt x }", "18: 'x' is not an integer (after 'gt')" },
	};

	for (size_t i = 0; i < LB_ARRAY_SIZE(errors); i++) {
		ck_assert_msg(ev(NULL, errors[i].cond) == -1, "no error for %s", errors[i].cond);
		ck_assert_msg(strstr(errs, errors[i].want), "%s: want '%s' in:\n%s", errors[i].cond,
			      errors[i].want, errs);
	}
	/* an expression the types allow */
	ck_assert_int_eq(ev(NULL, "{ src -m str 192.168.1.20 } { method,length 3 }"), 1);
	ck_assert_int_eq(ev(NULL, "{ hdr(x-num,1),add(1) 43 } { src,ipmask(8) 192.0.0.0 }"), 1);
}
END_TEST

/* ---- -f files ---- */

static char *
tmpfile_with(const char *content)
{
	static char path[3][64];
	static int k;
	char *p = path[k++ % 3];
	int fd;

	snprintf(p, 64, "/tmp/test_acl.XXXXXX");
	fd = mkstemp(p);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	return p;
}

START_TEST(test_files)
{
	char acls[512];
	char *ips = tmpfile_with("# deny list\n10.0.0.0/8\n\n  192.168.1.0/24  \n2001:db8::/32\n"
				 "203.0.113.7\n");
	char *strs = tmpfile_with("www.example.com\nAPI.example.com\n# comment\n");
	char *bad = tmpfile_with("1.2.3.4\nnot-an-ip\n");

	snprintf(acls, sizeof(acls), "deny src -f %s", ips);
	ck_assert_int_eq(ev(acls, "deny"), 1);
	src4.sin_addr.s_addr = htonl(0xcb007107);	/* 203.0.113.7 */
	ck_assert_int_eq(ev(acls, "deny"), 1);
	src4.sin_addr.s_addr = htonl(0xcb007108);
	ck_assert_int_eq(ev(acls, "deny"), 0);
	ctx.src = (const struct sockaddr *)&src6;
	ck_assert_int_eq(ev(acls, "deny"), 1);
	snprintf(acls, sizeof(acls), "h hdr(host) -i -f %s", strs);
	ck_assert_int_eq(ev(acls, "h"), 1);
	snprintf(acls, sizeof(acls), "h hdr(host) -f %s", strs);
	ck_assert_int_eq(ev(acls, "h"), 0);
	snprintf(acls, sizeof(acls), "h hdr(host),lower -f %s", strs);
	ck_assert_int_eq(ev(acls, "h"), 1);
	/* a file plus values */
	snprintf(acls, sizeof(acls), "h method -f %s GET", strs);
	ck_assert_int_eq(ev(acls, "h"), 1);
	snprintf(acls, sizeof(acls), "x src -f %s", bad);
	ck_assert_int_eq(ev(acls, "x"), -1);
	ck_assert_msg(strstr(errs, ":2: 'not-an-ip' is not an IPv4"), "%s", errs);
	ck_assert_int_eq(ev("x src -f /nonexistent/file", "x"), -1);
	ck_assert_ptr_nonnull(strstr(errs, "cannot open ACL file '/nonexistent/file'"));
	unlink(ips);
	unlink(strs);
	unlink(bad);
}
END_TEST

/* A 10,000-entry IP list and a 10,000-entry string list: one lookup each. */
START_TEST(test_big_lists)
{
	char *ipbuf = malloc(10000 * 20), *sbuf = malloc(10000 * 24), acls[256];
	size_t il = 0, sl = 0;

	for (int i = 0; i < 10000; i++) {
		il += (size_t)sprintf(ipbuf + il, "10.%d.%d.0/24\n", i / 256, i % 256);
		sl += (size_t)sprintf(sbuf + sl, "host%d.example.com\n", i);
	}
	char *ipf = tmpfile_with(ipbuf), *sf = tmpfile_with(sbuf);
	snprintf(acls, sizeof(acls), "d src -f %s\nh hdr(host) -i -f %s", ipf, sf);
	src4.sin_addr.s_addr = htonl(0x0a1f0f09);	/* 10.31.15.9: entry 31*256+15 */
	ck_assert_int_eq(ev(acls, "d"), 1);
	src4.sin_addr.s_addr = htonl(0x0a2f0f09);	/* 10.47.15.9: 47*256 > 10000 */
	ck_assert_int_eq(ev(acls, "d"), 0);
	ck_assert_int_eq(ev(acls, "h"), 0);
	free(ipbuf);
	free(sbuf);
	unlink(ipf);
	unlink(sf);
}
END_TEST

/* ---- cost of one evaluation ---- */

START_TEST(test_bench)
{
	static const char acls[] = "host_api hdr(host),lower -m str api.example.com\n"
				   "is_static path_beg /static/ /img/ /css/\n"
				   "is_static path_end .css .js .png\n"
				   "lan src 10.0.0.0/8 192.168.0.0/16 172.16.0.0/12\n"
				   "admin path_reg ^/admin(/|$)\n"
				   "big req.hdr_val(content-length) gt 1000000";
	struct lb_acl_cond *c;
	uint64_t t0, t1;
	const int n = 200000;
	int hits = 0;

	lb_acl_set_free(&set);
	ck_assert_int_eq(declare(acls), 0);
	c = cond("if host_api || !admin is_static || lan !big", ALL);
	ck_assert_ptr_nonnull(c);
	t0 = lb_now_us();
	for (int i = 0; i < n; i++)
		hits += lb_acl_cond_eval(c, &ctx);
	t1 = lb_now_us();
	ck_assert_int_eq(hits, n);	/* lan !big holds */
	double ns = (double)(t1 - t0) * 1000.0 / n;
	printf("acl bench: %.0f ns per evaluation (6 ACLs all evaluated, 3 OR branches, a regex)\n",
	       ns);
	/* generous bound: a shared CI core, sanitizers */
	ck_assert_msg(ns < 50000, "%.0f ns per evaluation", ns);
	lb_acl_cond_free(c);
}
END_TEST

/* The predefined ACLs and doc tables list every name once. */
START_TEST(test_list)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	lb_acl_list(f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "acl-fetch   path "));
	ck_assert_ptr_nonnull(strstr(buf, "converter   regsub "));
	ck_assert_ptr_nonnull(strstr(buf, "matcher     dom "));
	ck_assert_ptr_nonnull(strstr(buf, "predefined  METH_GET "));
	/* every predefined ACL compiles */
	for (char *l = buf; (l = strstr(l, "predefined  ")); l++) {
		char name[32];
		sscanf(l + 12, "%31s", name);
		ck_assert_msg(ev(NULL, name) >= 0, "predefined %s: %s", name, errs);
	}
	free(buf);
}
END_TEST

/* man/lb.cfg.5 documents every fetch, converter, matcher and predefined ACL of the tables:
 * each is a term (the line after .TP/.TQ) under "ACLS AND CONDITIONS". */
START_TEST(test_docs)
{
	const char *top = getenv("top_srcdir");
	char path[1024], line[1024], *list = NULL, *terms = calloc(1, 65536);
	size_t llen = 0, tlen = 1;	/* terms: "\nname\nname\n..." */
	bool in = false, want = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/man/lb.cfg.5", top ? top : "..");
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s (set top_srcdir)", path);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, ".SH ", 4))
			in = strstr(line, "ACLS AND CONDITIONS") != NULL;
		if (!in)
			continue;
		if (!strncmp(line, ".TP", 3) || !strncmp(line, ".TQ", 3)) {
			want = true;
			continue;
		}
		if (want && !strncmp(line, ".B ", 3) && tlen + strlen(line) < 65000) {
			char *w = line + 3;
			w[strcspn(w, " \n")] = '\0';
			/* roff: "\-" is '-', "\e" a backslash, "\&" nothing */
			for (const char *s = w; *s; s++) {
				if (*s == '\\' && (s[1] == '-' || s[1] == 'e' || s[1] == '&')) {
					if (s[1] == '-')
						terms[tlen++] = '-';
					s++;
					continue;
				}
				terms[tlen++] = *s;
			}
			terms[tlen++] = '\n';
		}
		want = false;
	}
	fclose(f);
	terms[0] = '\n';
	ck_assert_int_gt(tlen, 1);
	FILE *m = open_memstream(&list, &llen);
	lb_acl_list(m);
	fclose(m);
	int n = 0;
	for (char *l = list; *l; n++) {
		char kind[16], name[64], key[80];
		char *nl = strchr(l, '\n');
		ck_assert_int_eq(sscanf(l, "%15s %63s", kind, name), 2);
		snprintf(key, sizeof(key), "\n%s\n", name);
		ck_assert_msg(strstr(terms, key) != NULL,
			      "lb.cfg(5) does not document %s '%s' under ACLS AND CONDITIONS", kind,
			      name);
		l = nl ? nl + 1 : l + strlen(l);
	}
	ck_assert_int_gt(n, 80);
	free(list);
	free(terms);
}
END_TEST

/* use_backend/http-request conditions through the config parser. */
START_TEST(test_cfg)
{
	static const char conf[] =
		"frontend f\n  mode http\n  bind :80\n"
		"  acl a path_beg /a\n"
		"  use_backend b if a || { nbsrv(b) gt 0 }\n"
		"  use_backend b unless { srv_is_up(b/s1) }\n"
		"  http-request deny if !a METH_POST\n"
		"  http-response set-header X 1 if { status 500 }\n"
		"  default_backend b\n"
		"backend b\n  mode http\n  server s1 127.0.0.1:1\n";
	struct lb_cfg cfg;
	struct lb_diag d;

	lb_diag_init(&d);
	lb_cfg_init(&cfg);
	ck_assert_int_eq(lb_cfg_parse_buffer(&cfg, "t.cfg", conf, strlen(conf), &d), 0);
	ck_assert_int_eq(lb_cfg_finalize(&cfg, &d), 0);
	ck_assert_ptr_nonnull(cfg.proxies->use_backends->acl_cond);
	ck_assert_ptr_nonnull(cfg.proxies->http_req_rules->acl_cond);
	ck_assert_ptr_nonnull(cfg.proxies->http_res_rules->acl_cond);
	ck_assert(lb_acl_cond_eval(cfg.proxies->use_backends->acl_cond, &ctx));
	lb_cfg_free(&cfg);
	lb_diag_free(&d);

	/* names resolved at finalize; HTTP fetches refused in a TCP frontend's use_backend */
	static const char bad[] =
		"frontend f\n  mode tcp\n  bind :80\n"
		"  use_backend b if { nbsrv(nope) gt 0 }\n"
		"  use_backend b if { srv_is_up(b/zz) }\n"
		"  use_backend b if { hdr(host) x }\n"
		"backend b\n  mode tcp\n  server s1 127.0.0.1:1\n";
	char *out = NULL;
	size_t olen = 0;
	lb_diag_init(&d);
	lb_cfg_init(&cfg);
	ck_assert_int_eq(lb_cfg_parse_buffer(&cfg, "t.cfg", bad, strlen(bad), &d), 0);
	ck_assert_int_eq(lb_cfg_finalize(&cfg, &d), -1);
	FILE *f = open_memstream(&out, &olen);
	lb_diag_print(&d, f);
	fclose(f);
	ck_assert_msg(strstr(out, "t.cfg:4:22: error: 'nbsrv': no backend called 'nope'"), "%s", out);
	ck_assert_msg(strstr(out, "t.cfg:5:22: error: 'srv_is_up': backend 'b' has no server "
			      "called 'zz'"), "%s", out);
	ck_assert_msg(strstr(out, "t.cfg:6:3: error: use_backend condition reads HTTP data"), "%s",
		      out);
	free(out);
	lb_cfg_free(&cfg);
	lb_diag_free(&d);
}
END_TEST

static Suite *
acl_suite(void)
{
	Suite *s = suite_create("acl");
	TCase *tc = tcase_create("acl");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_fetch_http);
	tcase_add_test(tc, test_fetch_headers);
	tcase_add_test(tc, test_fetch_l4_state);
	tcase_add_test(tc, test_fetch_response);
	tcase_add_test(tc, test_converters);
	tcase_add_test(tc, test_matchers);
	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_error_columns);
	tcase_add_test(tc, test_files);
	tcase_add_test(tc, test_big_lists);
	tcase_add_test(tc, test_bench);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_cfg);
	tcase_add_test(tc, test_docs);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(acl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

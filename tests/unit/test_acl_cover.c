/* tests/unit/test_acl_cover.c: every name the ACL engine and the rule parsers register has
 * a case here that fails when it breaks.
 *
 * The registries are walked both ways: a fetch, ACL keyword, converter, matcher, predefined
 * ACL, http-request/http-response/tcp-request action with no passing case here fails the
 * test (so a new name needs its cases), and a case naming something the registries do not
 * have fails too (so a removed or renamed name is noticed). The cases assert values on a
 * crafted request: present and missing headers, IPv4 and IPv6 clients, empty and bad
 * input. The stick-counter family (sc_*, src_*, table_*) is generated from a table of
 * the data types with distinct values per type; the ClientHello family is read from a
 * hand-made ClientHello.
 */
#include <check.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acl_priv.h"
#include "cfg.h"
#include "cfg_priv.h"
#include "diag.h"
#include "stktable.h"
#include "util.h"
#include "vars.h"

/* ---- names covered ---- */

#define MAX_NAMES 512
static char covered[MAX_NAMES][96];
static int ncovered;

static void
cover(const char *kind, const char *name)
{
	char key[96];

	snprintf(key, sizeof(key), "%s %s", kind, name);
	for (int i = 0; i < ncovered; i++)
		if (!strcmp(covered[i], key))
			return;
	ck_assert_int_lt(ncovered, MAX_NAMES);
	snprintf(covered[ncovered++], sizeof(covered[0]), "%s", key);
}

static bool
is_covered(const char *kind, const char *name)
{
	char key[96];

	snprintf(key, sizeof(key), "%s %s", kind, name);
	for (int i = 0; i < ncovered; i++)
		if (!strcmp(covered[i], key))
			return true;
	return false;
}

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
	{ "X-Fwd", "10.1.2.3" },
	{ "X-Fwd6", "2001:db8::7" },
	{ "X-Empty", "" },
	{ "Authorization", "Basic Ym9iOmh1bnRlcjI=" },	/* bob:hunter2 */
};
static const struct hdr res_hdrs[] = {
	{ "Content-Type", "text/plain" },
	{ "Set-Cookie", "x=1, y=2" },
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
	return id == 1;
}

static const struct lb_acl_state_ops ops = { st_nbsrv, st_be_conn, st_srv_is_up };

/* the client's TLS session, as the data plane describes it */
static size_t
tls_fact(const void *tls, enum lb_tls_fact what, char *buf, size_t len)
{
	static const char *const facts[] = {
		[LB_TLS_FACT_SNI] = "api.example.com",
		[LB_TLS_FACT_PROTOCOL] = "TLSv1.3",
		[LB_TLS_FACT_CIPHER] = "TLS_AES_128_GCM_SHA256",
		[LB_TLS_FACT_ALPN] = "h2",
		[LB_TLS_FACT_C_USED] = "1",
		[LB_TLS_FACT_C_VERIFY] = "0",
		[LB_TLS_FACT_C_S_DN] = "CN=client,O=Example",
	};
	size_t l;

	(void)tls;
	if ((size_t)what >= LB_ARRAY_SIZE(facts) || !facts[what])
		return 0;
	l = LB_MIN(strlen(facts[what]), len);
	memcpy(buf, facts[what], l);
	return l;
}

/* a TLS record holding a ClientHello (TLS 1.2 record version 3.1, SNI a.example, the
 * supported_groups extension) */
static const char hello_hex[] =
	"1603010049010000450303ababababababababababababababababababababababababababababab"
	"ababab00000213010100001a0000000e000c000009612e6578616d706c65000a00040002001d";
static uint8_t hello[128];
static size_t hello_len;

static const char *uri = "/api/v1/Users.json?id=5&name=bob&to=a%20b&e=";
static struct lb_acl_ctx ctx;
static struct lb_vars *vars;

/* P_OTHER: an HTTP/1.0 "<other_meth> *" request from 127.0.0.1 with a body */
enum place { P_REQ, P_V6, P_NOREQ, P_HELLO, P_TLS, P_OTHER };
static const char *other_meth = "POST";
static const struct hdr other_hdrs[] = { { "Content-Length", "12" } };

static void
ctx_init(enum place pl)
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
	ctx.fe_name = "fe1";
	ctx.be_name = "be1";
	ctx.state = &ops;
	ctx.vars = &vars;
	if (pl == P_NOREQ) {
		ctx.src = NULL;
		return;
	}
	if (pl == P_V6)
		ctx.src = (const struct sockaddr *)&src6;
	if (pl == P_HELLO) {
		ctx.has_payload = true;
		ctx.payload = (struct lb_acl_str){ (const char *)hello, hello_len };
		return;
	}
	if (pl == P_TLS) {
		ctx.tls = &ctx;
		ctx.tls_fact = tls_fact;
	}
	ctx.meth = (struct lb_acl_str){ "GET", 3 };
	ctx.uri = (struct lb_acl_str){ uri, strlen(uri) };
	ctx.version = 11;
	ctx.req_len = 300;
	ctx.req_hdrs = (struct lb_acl_hdrs){ LB_ARRAY_SIZE(req_hdrs), get_hdr, req_hdrs };
	if (pl == P_OTHER) {
		ctx.src = (const struct sockaddr *)&dst4;	/* 127.0.0.1 */
		ctx.meth = (struct lb_acl_str){ other_meth, strlen(other_meth) };
		ctx.uri = (struct lb_acl_str){ "*", 1 };
		ctx.version = 10;
		ctx.req_hdrs = (struct lb_acl_hdrs){ 1, get_hdr, other_hdrs };
	}
	ctx.status = 404;
	ctx.res_hdrs = (struct lb_acl_hdrs){ LB_ARRAY_SIZE(res_hdrs), get_hdr, res_hdrs };
}

/* ---- conditions ---- */

static char errs[2048];

static void
collect(void *arg, int word, int off, const char *msg)
{
	size_t l = strlen(errs);

	(void)arg, (void)word, (void)off;
	snprintf(errs + l, sizeof(errs) - l, "%s\n", msg);
}

#define ALL (LB_ACL_USE_L4 | LB_ACL_USE_REQ | LB_ACL_USE_RES | LB_ACL_USE_PAYLOAD)

/* "if <text>" (words split on spaces) on the context of `pl`; -1: does not compile */
static int
ev(enum place pl, const char *text)
{
	struct lb_acl_set set = { 0 };
	struct lb_acl_report rep = { collect, NULL };
	char buf[1024], *v[64], *save = NULL;
	int col[64] = { 0 }, n = 0, r;
	struct lb_acl_cond *c;

	snprintf(buf, sizeof(buf), "if %s", text);
	for (char *t = strtok_r(buf, " ", &save); t && n < 64; t = strtok_r(NULL, " ", &save))
		v[n++] = t;
	struct lb_acl_words w = { v, col, n, { "t", 1, 0 } };
	errs[0] = '\0';
	c = lb_acl_cond_parse(&set, &w, ALL, &rep);
	if (!c) {
		lb_acl_set_free(&set);
		return -1;
	}
	ctx_init(pl);
	r = lb_acl_cond_eval(c, &ctx);
	lb_acl_cond_free(c);
	lb_acl_set_free(&set);
	return r;
}

/* kinds: what the registries call them */
#define FETCH "fetch"
#define KW "acl-kw"
#define CONV "converter"
#define MATCH "matcher"
#define PREDEF "predefined"

struct ccase {
	const char *kind, *name;
	enum place pl;
	const char *cond;
	int want;		/* 1 true, 0 false */
};

static const struct ccase cases[] = {
	/* fetches: request line */
	{ FETCH, "path", P_REQ, "{ path /api/v1/Users.json }", 1 },
	{ FETCH, "path", P_NOREQ, "{ path -m found }", 0 },
	{ FETCH, "pathq", P_REQ, "{ pathq -m end &to=a%20b&e= }", 1 },
	{ FETCH, "pathq", P_REQ, "{ pathq -m beg /api/v1/Users.json?id }", 1 },
	{ FETCH, "query", P_REQ, "{ query id=5&name=bob&to=a%20b&e= }", 1 },
	{ FETCH, "query", P_NOREQ, "{ query -m found }", 0 },
	{ FETCH, "url", P_REQ, "{ url -m len 44 }", 1 },
	{ FETCH, "url", P_REQ, "{ url -m beg /api/v1/Users.json?id=5 }", 1 },
	{ FETCH, "url_param", P_REQ, "{ url_param(name) bob }", 1 },
	{ FETCH, "url_param", P_REQ, "{ url_param(e) -m len 0 }", 1 },		/* empty value */
	{ FETCH, "url_param", P_REQ, "{ url_param(nope) -m found }", 0 },
	{ FETCH, "url_param", P_REQ, "{ url_param(name,;) -m found }", 0 },	/* other delimiter */
	{ FETCH, "urlp", P_REQ, "{ urlp(id) -m int 5 }", 1 },
	{ FETCH, "urlp", P_REQ, "{ urlp(ID) -m found }", 0 },			/* case matters */
	{ FETCH, "method", P_REQ, "{ method GET }", 1 },
	{ FETCH, "method", P_REQ, "{ method get }", 0 },
	{ FETCH, "method", P_NOREQ, "{ method -m found }", 0 },
	{ FETCH, "req.ver", P_REQ, "{ req.ver 1.1 }", 1 },
	{ FETCH, "req.ver", P_NOREQ, "{ req.ver -m found }", 0 },
	{ FETCH, "req_ver", P_REQ, "{ req_ver 1.1 }", 1 },
	{ FETCH, "req.proto_http", P_REQ, "{ req.proto_http }", 1 },
	{ FETCH, "req.proto_http", P_NOREQ, "{ req.proto_http }", 0 },
	{ FETCH, "req.len", P_REQ, "{ req.len 300 }", 1 },
	{ FETCH, "req.len", P_HELLO, "{ req.len 78 }", 1 },
	{ FETCH, "req_len", P_REQ, "{ req_len 300 }", 1 },
	{ FETCH, "req_len", P_NOREQ, "{ req_len -m found }", 0 },
	{ FETCH, "base", P_REQ, "{ base WWW.Example.com/api/v1/Users.json }", 1 },
	{ FETCH, "base", P_NOREQ, "{ base -m found }", 0 },
	/* headers */
	{ FETCH, "hdr", P_REQ, "{ hdr(host) -i www.example.com }", 1 },
	{ FETCH, "hdr", P_REQ, "{ hdr(accept) application/json }", 1 },	/* comma-split */
	{ FETCH, "hdr", P_REQ, "{ hdr(x-num,2) 7 }", 1 },
	{ FETCH, "hdr", P_REQ, "{ hdr(x-num,-1) 9 }", 1 },
	{ FETCH, "hdr", P_REQ, "{ hdr(x-missing) -m found }", 0 },
	{ FETCH, "hdr", P_REQ, "{ hdr(x-empty) -m len 0 }", 1 },
	{ FETCH, "req.hdr", P_REQ, "{ req.hdr(x-num,1) 42 }", 1 },
	{ FETCH, "req.hdr", P_REQ, "{ req.hdr(x-num,4) -m found }", 0 },
	{ FETCH, "req.fhdr", P_REQ, "{ req.fhdr(x-num,-1) -m reg ^7,\\s9$ }", 1 },
	{ FETCH, "req.fhdr", P_REQ, "{ req.fhdr(accept) application/json }", 0 },
	{ FETCH, "hdr_cnt", P_REQ, "{ hdr_cnt(x-num) 3 }", 1 },
	{ FETCH, "hdr_cnt", P_REQ, "{ hdr_cnt(x-missing) 0 }", 1 },
	{ FETCH, "req.hdr_cnt", P_REQ, "{ req.hdr_cnt(accept) 2 }", 1 },
	{ FETCH, "hdr_val", P_REQ, "{ hdr_val(x-num) 9 }", 1 },
	{ FETCH, "hdr_val", P_REQ, "{ hdr_val(host) -m found }", 0 },		/* not a number */
	{ FETCH, "req.hdr_val", P_REQ, "{ req.hdr_val(x-num,1) 42 }", 1 },
	{ FETCH, "cook", P_REQ, "{ cook(lang) fr }", 1 },
	{ FETCH, "req.cook", P_REQ, "{ req.cook(sess) abc123 }", 1 },
	{ FETCH, "req.cook", P_REQ, "{ req.cook(nope) -m found }", 0 },
	{ FETCH, "req.cook", P_NOREQ, "{ req.cook(a) -m found }", 0 },
	/* response */
	{ FETCH, "status", P_REQ, "{ status 404 }", 1 },
	{ FETCH, "status", P_NOREQ, "{ status -m found }", 0 },
	{ FETCH, "res.hdr", P_REQ, "{ res.hdr(set-cookie,-1) y=2 }", 1 },
	{ FETCH, "res.hdr", P_REQ, "{ res.hdr(x-missing) -m found }", 0 },
	{ FETCH, "shdr", P_REQ, "{ shdr(content-type) text/plain }", 1 },
	{ FETCH, "res.fhdr", P_REQ, "{ res.fhdr(set-cookie) -m reg ^x=1,\\sy=2$ }", 1 },
	{ FETCH, "res.hdr_cnt", P_REQ, "{ res.hdr_cnt(set-cookie) 2 }", 1 },
	{ FETCH, "res.hdr_cnt", P_REQ, "{ res.hdr_cnt 3 }", 1 },
	/* connection and proxies */
	{ FETCH, "src", P_REQ, "{ src 192.168.1.0/24 }", 1 },
	{ FETCH, "src", P_V6, "{ src 2001:db8::/32 }", 1 },
	{ FETCH, "src", P_V6, "{ src 0.0.0.0/0 }", 0 },
	{ FETCH, "src", P_NOREQ, "{ src -m found }", 0 },
	{ FETCH, "src_port", P_REQ, "{ src_port 40000 }", 1 },
	{ FETCH, "src_port", P_V6, "{ src_port 5 }", 1 },
	{ FETCH, "src_port", P_NOREQ, "{ src_port -m found }", 0 },
	{ FETCH, "dst", P_REQ, "{ dst 127.0.0.1 }", 1 },
	{ FETCH, "dst_port", P_REQ, "{ dst_port 8080 }", 1 },
	{ FETCH, "fe_name", P_REQ, "{ fe_name fe1 }", 1 },
	{ FETCH, "be_name", P_REQ, "{ be_name be1 }", 1 },
	{ FETCH, "be_name", P_REQ, "{ be_name be2 }", 0 },
	{ FETCH, "nbsrv", P_REQ, "{ nbsrv 2 }", 1 },
	{ FETCH, "be_conn", P_REQ, "{ be_conn 17 }", 1 },
	{ FETCH, "always_true", P_NOREQ, "{ always_true }", 1 },
	{ FETCH, "always_false", P_NOREQ, "{ always_false }", 0 },
	/* TLS session of the client connection */
	{ FETCH, "ssl_fc", P_TLS, "{ ssl_fc }", 1 },
	{ FETCH, "ssl_fc", P_REQ, "{ ssl_fc }", 0 },
	{ FETCH, "ssl_fc_sni", P_TLS, "{ ssl_fc_sni api.example.com }", 1 },
	{ FETCH, "ssl_fc_sni", P_REQ, "{ ssl_fc_sni -m found }", 0 },
	{ FETCH, "ssl_fc_alpn", P_TLS, "{ ssl_fc_alpn h2 }", 1 },
	{ FETCH, "ssl_fc_cipher", P_TLS, "{ ssl_fc_cipher TLS_AES_128_GCM_SHA256 }", 1 },
	{ FETCH, "ssl_fc_protocol", P_TLS, "{ ssl_fc_protocol TLSv1.3 }", 1 },
	{ FETCH, "ssl_c_used", P_TLS, "{ ssl_c_used }", 1 },
	{ FETCH, "ssl_c_used", P_REQ, "{ ssl_c_used }", 0 },
	{ FETCH, "ssl_c_verify", P_TLS, "{ ssl_c_verify 0 }", 1 },
	{ FETCH, "ssl_c_s_dn", P_TLS, "{ ssl_c_s_dn -m beg CN=client, }", 1 },
	/* request content: a ClientHello */
	{ FETCH, "req.ssl_sni", P_HELLO, "{ req.ssl_sni a.example }", 1 },
	{ FETCH, "req.ssl_sni", P_REQ, "{ req.ssl_sni -m found }", 0 },
	{ FETCH, "req_ssl_sni", P_HELLO, "{ req_ssl_sni -m end .example }", 1 },
	{ FETCH, "req.ssl_ver", P_HELLO, "{ req.ssl_ver 196609 }", 1 },		/* 3.1 */
	{ FETCH, "req_ssl_ver", P_HELLO, "{ req_ssl_ver 196609 }", 1 },
	{ FETCH, "req.ssl_hello_type", P_HELLO, "{ req.ssl_hello_type 1 }", 1 },
	{ FETCH, "req_ssl_hello_type", P_HELLO, "{ req_ssl_hello_type 1 }", 1 },
	{ FETCH, "req.ssl_ec_ext", P_HELLO, "{ req.ssl_ec_ext }", 1 },
	{ FETCH, "req.payload", P_HELLO, "{ req.payload(0,3) -m bin 160301 }", 1 },
	{ FETCH, "payload", P_HELLO, "{ payload(5,1) -m bin 01 }", 1 },
	{ FETCH, "req.payload_lv", P_HELLO, "{ req.payload_lv(3,2) -m len 73 }", 1 },
	{ FETCH, "payload_lv", P_HELLO, "{ payload_lv(1,1,+1) -m bin 004901 }", 1 },
	{ FETCH, "wait_end", P_HELLO, "{ wait_end }", 1 },
	/* constants and variables (txn.v is set to "abc" before the cases run) */
	{ FETCH, "str", P_NOREQ, "{ str(abc) abc }", 1 },
	{ FETCH, "str", P_NOREQ, "{ str(abc) -m len 4 }", 0 },
	{ FETCH, "int", P_NOREQ, "{ int(-3) -- -3 }", 1 },
	{ FETCH, "int", P_NOREQ, "{ int(7),add(1) 8 }", 1 },
	{ FETCH, "var", P_REQ, "{ var(txn.v) abc }", 1 },
	{ FETCH, "var", P_REQ, "{ var(txn.unset) -m found }", 0 },
	{ FETCH, "var", P_NOREQ, "{ var(sess.nope) -m found }", 0 },
	{ FETCH, "var", P_NOREQ, "{ var(sess.nope,dflt) dflt }", 1 },
	{ FETCH, "var", P_REQ, "{ var(txn.v,dflt) abc }", 1 },
	/* ACL keywords: a fetch with its matcher */
	{ KW, "base_beg", P_REQ, "{ base_beg WWW.Example.com/api }", 1 },
	{ KW, "base_dir", P_REQ, "{ base_dir v1 }", 1 },
	{ KW, "base_dom", P_REQ, "{ base_dom -i example }", 1 },
	{ KW, "base_end", P_REQ, "{ base_end .json }", 1 },
	{ KW, "base_len", P_REQ, "{ base_len 33 }", 1 },
	{ KW, "base_reg", P_REQ, "{ base_reg ^WWW\\.[A-Za-z]+\\.com/ }", 1 },
	{ KW, "base_sub", P_REQ, "{ base_sub .com/api }", 1 },
	{ KW, "cook_beg", P_REQ, "{ cook_beg(sess) abc }", 1 },
	{ KW, "cook_end", P_REQ, "{ cook_end(sess) 123 }", 1 },
	{ KW, "cook_reg", P_REQ, "{ cook_reg(sess) ^[a-z]+[0-9]+$ }", 1 },
	{ KW, "cook_sub", P_REQ, "{ cook_sub(sess) c12 }", 1 },
	{ KW, "cook_sub", P_REQ, "{ cook_sub(sess) x }", 0 },
	{ KW, "hdr_beg", P_REQ, "{ hdr_beg(host) WWW. }", 1 },
	{ KW, "hdr_dir", P_REQ, "{ hdr_dir(x-fwd6) 2001:db8::7 }", 1 },
	{ KW, "hdr_dom", P_REQ, "{ hdr_dom(host) Example }", 1 },
	{ KW, "hdr_dom", P_REQ, "{ hdr_dom(host) Exam }", 0 },
	{ KW, "hdr_end", P_REQ, "{ hdr_end(host) .com }", 1 },
	{ KW, "hdr_ip", P_REQ, "{ hdr_ip(x-fwd) 10.0.0.0/8 }", 1 },
	{ KW, "hdr_ip", P_REQ, "{ hdr_ip(x-fwd6) 2001:db8::/64 }", 1 },
	{ KW, "hdr_ip", P_REQ, "{ hdr_ip(host) 0.0.0.0/0 }", 0 },		/* not an address */
	{ KW, "hdr_len", P_REQ, "{ hdr_len(host) 15 }", 1 },
	{ KW, "hdr_len", P_REQ, "{ hdr_len(x-empty) 0 }", 1 },
	{ KW, "hdr_reg", P_REQ, "{ hdr_reg(host) -i ^www\\. }", 1 },
	{ KW, "hdr_sub", P_REQ, "{ hdr_sub(accept) json }", 1 },
	{ KW, "path_beg", P_REQ, "{ path_beg /api/ }", 1 },
	{ KW, "path_dir", P_REQ, "{ path_dir v1 }", 1 },
	{ KW, "path_dir", P_REQ, "{ path_dir v }", 0 },
	{ KW, "path_dom", P_REQ, "{ path_dom json }", 1 },
	{ KW, "path_end", P_REQ, "{ path_end .json }", 1 },
	{ KW, "path_len", P_REQ, "{ path_len 18 }", 1 },
	{ KW, "path_reg", P_REQ, "{ path_reg ^/api/v[0-9]+/ }", 1 },
	{ KW, "path_sub", P_REQ, "{ path_sub /v1/ }", 1 },
	{ KW, "url_beg", P_REQ, "{ url_beg /api/v1/Users.json? }", 1 },
	{ KW, "url_dir", P_REQ, "{ url_dir api }", 1 },
	{ KW, "url_dom", P_REQ, "{ url_dom Users }", 1 },
	{ KW, "url_end", P_REQ, "{ url_end &e= }", 1 },
	{ KW, "url_len", P_REQ, "{ url_len 44 }", 1 },
	{ KW, "url_reg", P_REQ, "{ url_reg [?&]id=5(&|$) }", 1 },
	{ KW, "url_sub", P_REQ, "{ url_sub name=bob }", 1 },
	{ KW, "urlp_reg", P_REQ, "{ urlp_reg(name) ^b.b$ }", 1 },
	{ KW, "payload", P_HELLO, "{ payload(0,1) 16 }", 1 },
	{ KW, "payload_lv", P_HELLO, "{ payload_lv(8,1) 0303 }", 0 },
	{ KW, "req.payload", P_HELLO, "{ req.payload(1,2) 0301 }", 1 },
	{ KW, "req.payload_lv", P_HELLO, "{ req.payload_lv(3,2) -m found }", 1 },
	/* converters */
	{ CONV, "add", P_REQ, "{ hdr(x-num,1),add(8) 50 }", 1 },
	{ CONV, "add", P_REQ, "{ hdr(x-num,1),add(-50) -- -8 }", 1 },
	{ CONV, "sub", P_REQ, "{ hdr(x-num,1),sub(2) 40 }", 1 },
	{ CONV, "mul", P_REQ, "{ hdr(x-num,1),mul(-2) -- -84 }", 1 },
	{ CONV, "div", P_REQ, "{ hdr(x-num,1),div(4) 10 }", 1 },
	{ CONV, "div", P_REQ, "{ hdr(x-num,1),div(0) 9223372036854775807 }", 1 },
	{ CONV, "mod", P_REQ, "{ hdr(x-num,1),mod(5) 2 }", 1 },
	{ CONV, "mod", P_REQ, "{ hdr(x-num,1),mod(0) 9223372036854775807 }", 1 },
	{ CONV, "lower", P_REQ, "{ hdr(host),lower www.example.com }", 1 },
	{ CONV, "lower", P_REQ, "{ hdr(x-empty),lower -m len 0 }", 1 },
	{ CONV, "upper", P_REQ, "{ hdr(host),upper WWW.EXAMPLE.COM }", 1 },
	{ CONV, "length", P_REQ, "{ path,length 18 }", 1 },
	{ CONV, "length", P_REQ, "{ hdr(x-empty),length 0 }", 1 },
	{ CONV, "hex", P_REQ, "{ method,hex 474554 }", 1 },
	{ CONV, "base64", P_REQ, "{ method,base64 R0VU }", 1 },
	{ CONV, "base64", P_REQ, "{ hdr(x-empty),base64 -m len 0 }", 1 },
	{ CONV, "b64dec", P_REQ, "{ str(Ym9iOmh1bnRlcjI=),b64dec bob:hunter2 }", 1 },
	{ CONV, "b64dec", P_REQ, "{ method,b64dec -m found }", 0 },		/* not base64 */
	{ CONV, "concat", P_REQ, "{ method,concat(<,,>) <GET> }", 1 },
	{ CONV, "concat", P_REQ, "{ method,concat(x) xGET }", 1 },
	{ CONV, "field", P_REQ, "{ path,field(3,/) v1 }", 1 },
	{ CONV, "field", P_REQ, "{ path,field(-1,/) Users.json }", 1 },
	{ CONV, "field", P_REQ, "{ path,field(9,/) -m found }", 0 },
	{ CONV, "word", P_REQ, "{ path,word(1,/) api }", 1 },
	{ CONV, "word", P_REQ, "{ path,word(2,/,2) v1/Users.json }", 1 },
	{ CONV, "ipmask", P_REQ, "{ src,ipmask(24) 192.168.1.0 }", 1 },
	{ CONV, "ipmask", P_V6, "{ src,ipmask(24,32) -m ip 2001:db8:: }", 1 },
	{ CONV, "ipmask", P_V6, "{ src,ipmask(24,32) -m ip 2001:db8::1 }", 0 },
	{ CONV, "regsub", P_REQ, "{ path,regsub(/,_,g) _api_v1_Users.json }", 1 },
	{ CONV, "regsub", P_REQ, "{ path,regsub(^/API,X,i) X/v1/Users.json }", 1 },
	{ CONV, "url_dec", P_REQ, "{ url_param(to),url_dec -m reg ^a\\sb$ }", 1 },
	{ CONV, "url_dec", P_REQ, "{ str(a+b%2b),url_dec(1) -m reg ^a\\sb\\+$ }", 1 },
	/* matchers */
	{ MATCH, "str", P_REQ, "{ method -m str GET POST }", 1 },
	{ MATCH, "str", P_REQ, "{ method -m str GE }", 0 },
	{ MATCH, "beg", P_REQ, "{ method -m beg G }", 1 },
	{ MATCH, "end", P_REQ, "{ method -m end ET }", 1 },
	{ MATCH, "end", P_REQ, "{ method -m end GETX }", 0 },
	{ MATCH, "sub", P_REQ, "{ method -m sub E }", 1 },
	{ MATCH, "dir", P_REQ, "{ path -m dir Users.json }", 1 },
	{ MATCH, "dom", P_REQ, "{ hdr(host) -m dom -i www }", 1 },
	{ MATCH, "reg", P_REQ, "{ method -m reg -i ^g }", 1 },
	{ MATCH, "reg", P_REQ, "{ method -m reg ^g }", 0 },
	{ MATCH, "len", P_REQ, "{ method -m len 2:3 }", 1 },
	{ MATCH, "len", P_REQ, "{ method -m len gt 3 }", 0 },
	{ MATCH, "int", P_REQ, "{ hdr(x-num,1) -m int le 42 }", 1 },
	{ MATCH, "int", P_REQ, "{ hdr(x-num,1) -m int lt 42 }", 0 },
	{ MATCH, "ip", P_REQ, "{ hdr(x-fwd) -m ip 10.1.2.3 }", 1 },
	{ MATCH, "ip", P_REQ, "{ src -m ip 192.168.1.0/255.255.255.0 }", 1 },
	{ MATCH, "ip", P_V6, "{ src -m ip ::ffff:192.168.1.20 }", 0 },
	{ MATCH, "bin", P_REQ, "{ method -m bin 474554 }", 1 },
	{ MATCH, "bin", P_REQ, "{ method -m bin 4745 }", 0 },
	{ MATCH, "found", P_REQ, "{ hdr(x-empty) -m found }", 1 },
	{ MATCH, "found", P_REQ, "{ hdr(x-missing) -m found }", 0 },
	{ MATCH, "bool", P_REQ, "{ hdr(x-num,1) -m bool }", 1 },
	{ MATCH, "bool", P_REQ, "{ int(0) -m bool }", 0 },
	/* predefined ACLs */
	{ PREDEF, "TRUE", P_NOREQ, "TRUE", 1 },
	{ PREDEF, "FALSE", P_NOREQ, "FALSE", 0 },
	{ PREDEF, "HTTP", P_REQ, "HTTP", 1 },
	{ PREDEF, "HTTP", P_NOREQ, "HTTP", 0 },
	{ PREDEF, "HTTP_1.0", P_REQ, "HTTP_1.0", 0 },
	{ PREDEF, "HTTP_1.1", P_REQ, "HTTP_1.1", 1 },
	{ PREDEF, "HTTP_CONTENT", P_REQ, "HTTP_CONTENT", 0 },		/* no Content-Length */
	{ PREDEF, "HTTP_URL_ABS", P_REQ, "HTTP_URL_ABS", 0 },
	{ PREDEF, "HTTP_URL_SLASH", P_REQ, "HTTP_URL_SLASH", 1 },
	{ PREDEF, "HTTP_URL_STAR", P_REQ, "HTTP_URL_STAR", 0 },
	{ PREDEF, "LOCALHOST", P_REQ, "LOCALHOST", 0 },
	{ PREDEF, "METH_CONNECT", P_REQ, "METH_CONNECT", 0 },
	{ PREDEF, "METH_DELETE", P_REQ, "METH_DELETE", 0 },
	{ PREDEF, "METH_GET", P_REQ, "METH_GET", 1 },
	{ PREDEF, "METH_HEAD", P_REQ, "METH_HEAD", 0 },
	{ PREDEF, "METH_OPTIONS", P_REQ, "METH_OPTIONS", 0 },
	{ PREDEF, "METH_POST", P_REQ, "METH_POST", 0 },
	{ PREDEF, "METH_PUT", P_REQ, "METH_PUT", 0 },
	{ PREDEF, "METH_TRACE", P_REQ, "METH_TRACE", 0 },
	{ PREDEF, "REQ_CONTENT", P_REQ, "REQ_CONTENT", 1 },
	{ PREDEF, "REQ_CONTENT", P_NOREQ, "REQ_CONTENT", 0 },
	{ PREDEF, "WAIT_END", P_HELLO, "WAIT_END", 1 },
	{ PREDEF, "HTTP_1.0", P_OTHER, "HTTP_1.0", 1 },
	{ PREDEF, "HTTP_CONTENT", P_OTHER, "HTTP_CONTENT", 1 },
	{ PREDEF, "HTTP_URL_STAR", P_OTHER, "HTTP_URL_STAR", 1 },
	{ PREDEF, "HTTP_URL_SLASH", P_OTHER, "HTTP_URL_SLASH", 0 },
	{ PREDEF, "LOCALHOST", P_OTHER, "LOCALHOST", 1 },
	{ PREDEF, "METH_GET", P_OTHER, "METH_GET", 0 },
};

/* each METH_<m> holds for method m alone */
static void
run_methods(void)
{
	static const char *const meths[] = { "CONNECT", "DELETE", "GET", "HEAD", "OPTIONS",
					     "POST", "PUT", "TRACE" };
	char name[32];

	for (size_t m = 0; m < LB_ARRAY_SIZE(meths); m++) {
		other_meth = meths[m];
		for (size_t k = 0; k < LB_ARRAY_SIZE(meths); k++) {
			snprintf(name, sizeof(name), "METH_%s", meths[k]);
			/* METH_GET is "GET or HEAD", as in HAProxy */
			bool want = k == m || (!strcmp(meths[k], "GET") && !strcmp(meths[m], "HEAD"));
			ck_assert_msg(ev(P_OTHER, name) == want, "%s on %s", name, meths[m]);
		}
	}
	other_meth = "POST";
}

static void
run_cases(void)
{
	struct lb_var_val v = { .type = LB_VAR_T_STR, .s = "abc", .len = 3 };
	uint32_t key;
	char err[200];

	ck_assert_int_eq(lb_var_name_parse("txn.v", 5, &key, err, sizeof(err)), 0);
	ck_assert(lb_vars_set(&vars, key, &v));
	for (size_t i = 0; i < LB_ARRAY_SIZE(cases); i++) {
		const struct ccase *c = &cases[i];
		int r = ev(c->pl, c->cond);
		ck_assert_msg(r == c->want, "%s %s: '%s' gave %d, want %d (%s)", c->kind, c->name,
			      c->cond, r, c->want, errs);
		ck_assert_msg(strstr(c->cond, c->name) || !strcmp(c->kind, PREDEF),
			      "case of %s does not use it: %s", c->name, c->cond);
		cover(c->kind, c->name);
	}
	lb_vars_free(&vars);
}

/* ---- map converters: every match kind with every output type ---- */

static char dir[] = "/tmp/test_acl_cover.XXXXXX";

static const char *
write_file(const char *name, const char *content)
{
	static char path[8][300];
	static int k;
	char *p = path[k++ % 8];
	FILE *f;

	snprintf(p, 300, "%s/%s", dir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
	return p;
}

static void
run_maps(void)
{
	/* X(kind, sample, key matching it, key not matching) */
	static const struct {
		const char *kind, *sample, *key, *other;
	} kinds[] = {
		{ "str", "hdr(host),lower", "www.example.com", "example.com" },
		{ "beg", "path", "/api/", "/v1/" },
		{ "sub", "path", "v1/Users", "v2" },
		{ "dir", "path", "v1", "v" },
		{ "dom", "hdr(host)", "Example", "Exam" },
		{ "end", "path", ".json", ".xml" },
		{ "reg", "path", "^/api/v[0-9]/", "^/v1" },
		{ "ip", "src", "192.168.0.0/16", "10.0.0.0/8" },
		{ "int", "hdr(x-num,1)", "40:50", "1:10" },
	};
	/* X(suffix, value, test of the value) */
	static const struct {
		const char *suffix, *value, *test;
	} outs[] = {
		{ "", "seven", " -m str seven" },
		{ "_int", "7", ",add(1) 8" },
		{ "_ip", "192.0.2.7", " -m ip 192.0.2.0/24" },
	};
	char text[600], content[200], conv[32];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (size_t k = 0; k < LB_ARRAY_SIZE(kinds); k++) {
		for (size_t o = 0; o < LB_ARRAY_SIZE(outs); o++) {
			char fname[32];
			const char *f;

			snprintf(fname, sizeof(fname), "%s%s.map", kinds[k].kind, outs[o].suffix);
			snprintf(content, sizeof(content), "%s bad\n%s %s\n", kinds[k].other,
				 kinds[k].key, outs[o].value);
			if (!strcmp(outs[o].suffix, "_int") || !strcmp(outs[o].suffix, "_ip"))
				snprintf(content, sizeof(content), "%s %s\n", kinds[k].key,
					 outs[o].value);
			f = write_file(fname, content);
			snprintf(conv, sizeof(conv), "map_%s%s", kinds[k].kind, outs[o].suffix);
			snprintf(text, sizeof(text), "{ %s,%s(%s)%s }", kinds[k].sample, conv, f,
				 outs[o].test);
			ck_assert_msg(ev(P_REQ, text) == 1, "%s (%s)", text, errs);
			/* the IPv6 client is in no network of the file: the default */
			snprintf(content, sizeof(content), "%s %s\n", kinds[k].other, outs[o].value);
			f = write_file(fname, content);
			snprintf(text, sizeof(text), "{ %s,%s(%s) -m found }", kinds[k].sample, conv, f);
			ck_assert_msg(ev(P_REQ, text) == 0, "%s (%s)", text, errs);
			snprintf(text, sizeof(text), "{ %s,%s(%s,%s)%s }", kinds[k].sample, conv, f,
				 outs[o].value, outs[o].test);
			ck_assert_msg(ev(P_REQ, text) == 1, "%s (%s)", text, errs);
			cover(CONV, conv);
			unlink(f);
		}
	}
	/* "map" is map_str */
	const char *f = write_file("m.map", "www.example.com be_www\n");
	snprintf(text, sizeof(text), "{ hdr(host),lower,map(%s) be_www }", f);
	ck_assert_msg(ev(P_REQ, text) == 1, "%s (%s)", text, errs);
	snprintf(text, sizeof(text), "{ hdr(host),map(%s,none) none }", f);
	ck_assert_msg(ev(P_REQ, text) == 1, "%s (%s)", text, errs);
	cover(CONV, "map");
	unlink(f);
	rmdir(dir);
}

/* ---- through a configuration: http_auth, the stick-counter family ---- */

static struct lb_cfg cfg;
static struct lb_diag diag;

static void
load(const char *conf)
{
	char *out = NULL;
	size_t olen = 0;
	FILE *f;
	int rc;

	lb_diag_init(&diag);
	lb_cfg_init(&cfg);
	rc = lb_cfg_parse_buffer(&cfg, "t.cfg", conf, strlen(conf), &diag);
	if (rc == 0)
		rc = lb_cfg_finalize(&cfg, &diag);
	f = open_memstream(&out, &olen);
	lb_diag_print(&diag, f);
	fclose(f);
	ck_assert_msg(rc == 0, "config refused:\n%s", out);
	free(out);
}

static void
unload(void)
{
	lb_cfg_free(&cfg);
	lb_diag_free(&diag);
}

static void
run_auth(void)
{
	static const char conf[] =
		"userlist L\n  group g1\n  group g2 users bob\n"
		"  user bob insecure-password hunter2\n"
		"  user eve insecure-password x groups g1\n"
		"frontend f\n  mode http\n  bind 127.0.0.1:1\n"
		"  http-request deny if { http_auth(L) }\n"
		"  http-request deny if { http_auth_group(L) g2 }\n"
		"  http-request deny if { http_auth_group(L) g1 }\n"
		"  http-request deny if { srv_is_up(b/s) } !{ srv_is_up(b/t) }\n"
		"  http-request deny if { nbsrv(b) 3 } { nbsrv 2 } { be_conn(b) 17 }\n"
		"  default_backend b\n"
		"backend b\n  mode http\n  server s 127.0.0.1:2\n  server t 127.0.0.1:3\n";
	const struct lb_cfg_http_rule *r;

	load(conf);
	r = cfg.proxies->http_req_rules;
	ctx_init(P_REQ);
	ck_assert(lb_acl_cond_eval(r->acl_cond, &ctx));
	ck_assert(lb_acl_cond_eval(r->next->acl_cond, &ctx));
	ck_assert(!lb_acl_cond_eval(r->next->next->acl_cond, &ctx));
	ck_assert(lb_acl_cond_eval(r->next->next->next->acl_cond, &ctx));
	ck_assert(lb_acl_cond_eval(r->next->next->next->next->acl_cond, &ctx));
	ctx.state = NULL;	/* backend state unknown: no sample */
	ck_assert(!lb_acl_cond_eval(r->next->next->next->acl_cond, &ctx));
	ck_assert(!lb_acl_cond_eval(r->next->next->next->next->acl_cond, &ctx));
	cover(FETCH, "srv_is_up");
	/* no Authorization header */
	ctx.req_hdrs.n = 2;
	ck_assert(!lb_acl_cond_eval(r->acl_cond, &ctx));
	ck_assert(!lb_acl_cond_eval(r->next->acl_cond, &ctx));
	cover(FETCH, "http_auth");
	cover(FETCH, "http_auth_group");
	unload();
}

/* X(fetch suffix, converter suffix, data type): the value each type is given */
static const struct {
	const char *f, *c;
	enum lb_stk_dt dt;
} stk_types[] = {
	{ "conn_cur", "conn_cur", LB_STK_CONN_CUR },
	{ "conn_cnt", "conn_cnt", LB_STK_CONN_CNT },
	{ "conn_rate", "conn_rate", LB_STK_CONN_RATE },
	{ "sess_cnt", "sess_cnt", LB_STK_SESS_CNT },
	{ "sess_rate", "sess_rate", LB_STK_SESS_RATE },
	{ "http_req_cnt", "http_req_cnt", LB_STK_HTTP_REQ_CNT },
	{ "http_req_rate", "http_req_rate", LB_STK_HTTP_REQ_RATE },
	{ "http_err_cnt", "http_err_cnt", LB_STK_HTTP_ERR_CNT },
	{ "http_err_rate", "http_err_rate", LB_STK_HTTP_ERR_RATE },
	{ "bytes_in_rate", "bytes_in_rate", LB_STK_BYTES_IN_RATE },
	{ "bytes_out_rate", "bytes_out_rate", LB_STK_BYTES_OUT_RATE },
	{ "get_gpc0", "gpc0", LB_STK_GPC0 },
	{ "get_gpc1", "gpc1", LB_STK_GPC1 },
	{ "gpc0_rate", "gpc0_rate", LB_STK_GPC0_RATE },
	{ "get_gpt0", "gpt0", LB_STK_GPT0 },
};

/* X(fetch suffix, counter, clears) */
static const struct {
	const char *f;
	enum lb_stk_dt dt;
	bool clr;
} stk_ops[] = {
	{ "inc_gpc0", LB_STK_GPC0, false },
	{ "inc_gpc1", LB_STK_GPC1, false },
	{ "clr_gpc0", LB_STK_GPC0, true },
	{ "clr_gpc1", LB_STK_GPC1, true },
};

/* the forms of each fetch, and the entry each reads: the trackers hold three entries (the
 * client's address is sc0's), each type having 10 + <type index> + 100 * <entry> */
static const char *const sc_forms[] = { "sc_%s(1)", "sc0_%s", "sc1_%s", "sc2_%s", "src_%s" };
static const int sc_form_entry[] = { 1, 0, 1, 2, 0 };

static void
run_stick(void)
{
	static const char head[] =
		"frontend f\n  mode http\n  bind 127.0.0.1:1\n"
		"  stick-table type ip size 10 expire 10s store conn_cur,conn_cnt,conn_rate(10s),"
		"sess_cnt,sess_rate(10s),http_req_cnt,http_req_rate(10s),http_err_cnt,"
		"http_err_rate(10s),bytes_in_rate(10s),bytes_out_rate(10s),gpc0,gpc1,"
		"gpc0_rate(10s),gpt0\n";
	static const char tail[] = "  default_backend b\nbackend b\n  mode http\n"
				   "  server s 127.0.0.1:2\n";
	char *conf = calloc(1, 64 * 1024), name[64];
	size_t n = 0;
	struct lb_stk_ref trk[LB_STK_NSC] = { { 0 } };
	unsigned char key[LB_STK_NSC][4];
	struct lb_stktable *t;
	const struct lb_cfg_http_rule *r;
	int64_t got;

	n += (size_t)snprintf(conf + n, 65536 - n, "%s", head);
	for (size_t i = 0; i < LB_ARRAY_SIZE(stk_types); i++) {
		for (size_t f = 0; f < LB_ARRAY_SIZE(sc_forms); f++) {
			snprintf(name, sizeof(name), sc_forms[f], stk_types[i].f);
			n += (size_t)snprintf(conf + n, 65536 - n,
					      "  http-request deny if { %s %d }\n", name,
					      (int)(10 + i) + 100 * sc_form_entry[f]);
		}
		n += (size_t)snprintf(conf + n, 65536 - n,
				      "  http-request deny if { src,table_%s(f) %d }\n", stk_types[i].c,
				      (int)(10 + i));
	}
	for (size_t i = 0; i < LB_ARRAY_SIZE(stk_ops); i++)
		for (size_t f = 0; f < LB_ARRAY_SIZE(sc_forms); f++) {
			snprintf(name, sizeof(name), sc_forms[f], stk_ops[i].f);
			n += (size_t)snprintf(conf + n, 65536 - n,
					      "  http-request deny if { %s %d }\n", name,
					      stk_ops[i].clr ? 5 : 6);
		}
	n += (size_t)snprintf(conf + n, 65536 - n, "  http-request deny if { sc_tracked(1) } "
			      "{ sc0_tracked } { sc1_tracked } { sc2_tracked }\n%s", tail);
	load(conf);
	t = cfg.proxies->stktable;
	ctx_init(P_REQ);
	ctx.now_ms = 5000;
	for (int s = 0; s < LB_STK_NSC; s++) {
		memcpy(key[s], &src4.sin_addr, 4);
		key[s][3] = (unsigned char)(key[s][3] + s);	/* sc0: the client's address */
		trk[s].t = t;
		trk[s].e = lb_stk_acquire(t, key[s], 4, 5000);
	}
	ctx.sc_strm = trk;
	r = cfg.proxies->http_req_rules;
	for (size_t i = 0; i < LB_ARRAY_SIZE(stk_types); i++)
		for (int s = 0; s < LB_STK_NSC; s++)
			ck_assert(lb_stk_set(t, trk[s].e, stk_types[i].dt, (int64_t)(10 + i + 100 * s),
					     5000));
	for (size_t i = 0; i < LB_ARRAY_SIZE(stk_types); i++) {
		for (size_t f = 0; f <= LB_ARRAY_SIZE(sc_forms); f++, r = r->next) {
			if (f < LB_ARRAY_SIZE(sc_forms))
				snprintf(name, sizeof(name), sc_forms[f], stk_types[i].f);
			else
				snprintf(name, sizeof(name), "table_%s", stk_types[i].c);
			ck_assert_msg(lb_acl_cond_eval(r->acl_cond, &ctx), "%s is not %d", name,
				      (int)(10 + i) + 100 * (f < LB_ARRAY_SIZE(sc_forms)
							     ? sc_form_entry[f] : 0));
			name[strcspn(name, "(")] = '\0';
			cover(f < LB_ARRAY_SIZE(sc_forms) ? FETCH : CONV, name);
		}
	}
	for (size_t i = 0; i < LB_ARRAY_SIZE(stk_ops); i++) {
		for (size_t f = 0; f < LB_ARRAY_SIZE(sc_forms); f++, r = r->next) {
			snprintf(name, sizeof(name), sc_forms[f], stk_ops[i].f);
			for (int s = 0; s < LB_STK_NSC; s++)
				ck_assert(lb_stk_set(t, trk[s].e, stk_ops[i].dt, 5, 5000));
			ck_assert_msg(lb_acl_cond_eval(r->acl_cond, &ctx), "%s", name);
			for (int s = 0; s < LB_STK_NSC; s++) {
				int64_t want = s != sc_form_entry[f] ? 5 : stk_ops[i].clr ? 0 : 6;
				ck_assert(lb_stk_read(t, trk[s].e, stk_ops[i].dt, 5000, &got));
				ck_assert_msg(got == want, "%s left %lld on entry %d", name,
					      (long long)got, s);
			}
			name[strcspn(name, "(")] = '\0';
			cover(FETCH, name);
		}
	}
	ck_assert(lb_acl_cond_eval(r->acl_cond, &ctx));
	cover(FETCH, "sc_tracked");
	cover(FETCH, "sc0_tracked");
	cover(FETCH, "sc1_tracked");
	cover(FETCH, "sc2_tracked");
	/* nothing tracked: no sample; another client: src_* give 0 */
	ctx.sc_strm = NULL;
	ck_assert(!lb_acl_cond_eval(r->acl_cond, &ctx));
	ck_assert(!lb_acl_cond_eval(cfg.proxies->http_req_rules->acl_cond, &ctx));
	for (int s = 0; s < LB_STK_NSC; s++)
		lb_stk_release(t, trk[s].e, 5000);
	free(conf);
	unload();
}

/* ---- actions: each parses into its rule ---- */

struct acase {
	const char *section;	/* "http-request", "http-response", "tcp-request connection"... */
	const char *name;	/* the keyword as registered */
	const char *line;	/* the rule as written */
	int act;		/* enum lb_http_act or lb_tcp_act */
	int status;		/* rule->status, -2: not checked */
};

#define HRQ "http-request"
#define HRS "http-response"
#define TCN "tcp-request connection"
#define TCT "tcp-request content"

static const struct acase acts[] = {
	{ HRQ, "set-header", "set-header X-A %[src]", LB_ACT_SET_HEADER, -2 },
	{ HRQ, "add-header", "add-header X-A b", LB_ACT_ADD_HEADER, -2 },
	{ HRQ, "del-header", "del-header X-A", LB_ACT_DEL_HEADER, -2 },
	{ HRQ, "return", "return status 202 content-type text/plain string ok", LB_ACT_RETURN, 202 },
	{ HRQ, "deny", "deny deny_status 429", LB_ACT_DENY, 429 },
	{ HRQ, "auth", "auth realm R", LB_ACT_RETURN, 401 },
	{ HRQ, "redirect", "redirect location /x code 308", LB_ACT_REDIRECT, 308 },
	{ HRQ, "use-service", "use-service prometheus-exporter", LB_ACT_USE_SERVICE, -2 },
	{ HRQ, "allow", "allow", LB_ACT_ALLOW, -2 },
	{ HRQ, "replace-header", "replace-header X-A ^a(.*) b\\1", LB_ACT_REPLACE_HEADER, -2 },
	{ HRQ, "replace-value", "replace-value X-A ^a(.*) b\\1", LB_ACT_REPLACE_VALUE, -2 },
	{ HRQ, "set-var", "set-var(txn.a) src", LB_ACT_SET_VAR, -2 },
	{ HRQ, "set-var", "set-var(txn.a,ifnotset,iflt) int(1)", LB_ACT_SET_VAR, -2 },
	{ HRQ, "set-var-fmt", "set-var-fmt(txn.a) %[src]", LB_ACT_SET_VAR_FMT, -2 },
	{ HRQ, "unset-var", "unset-var(txn.a)", LB_ACT_UNSET_VAR, -2 },
	{ HRQ, "set-log-level", "set-log-level silent", LB_ACT_SET_LOG_LEVEL, -2 },
	{ HRQ, "reject", "reject", LB_ACT_REJECT, -2 },
	{ HRQ, "tarpit", "tarpit deny_status 503", LB_ACT_TARPIT, 503 },
	{ HRQ, "set-path", "set-path /x", LB_ACT_SET_PATH, -2 },
	{ HRQ, "set-pathq", "set-pathq /x?y", LB_ACT_SET_PATHQ, -2 },
	{ HRQ, "set-query", "set-query y=1", LB_ACT_SET_QUERY, -2 },
	{ HRQ, "set-uri", "set-uri /x", LB_ACT_SET_URI, -2 },
	{ HRQ, "set-method", "set-method POST", LB_ACT_SET_METHOD, -2 },
	{ HRQ, "replace-path", "replace-path ^/a(.*) /b\\1", LB_ACT_REPLACE_PATH, -2 },
	{ HRQ, "replace-uri", "replace-uri ^/a(.*) /b\\1", LB_ACT_REPLACE_URI, -2 },
	{ HRQ, "track-sc0", "track-sc0 src", LB_ACT_TRACK_SC, -2 },
	{ HRQ, "track-sc1", "track-sc1 src table f", LB_ACT_TRACK_SC, -2 },
	{ HRQ, "track-sc2", "track-sc2 hdr(host)", LB_ACT_TRACK_SC, -2 },
	{ HRQ, "sc-inc-gpc0(0)", "sc-inc-gpc0(0)", LB_ACT_SC_INC_GPC0, -2 },
	{ HRQ, "sc-inc-gpc0(1)", "sc-inc-gpc0(1)", LB_ACT_SC_INC_GPC0, -2 },
	{ HRQ, "sc-inc-gpc0(2)", "sc-inc-gpc0(2)", LB_ACT_SC_INC_GPC0, -2 },
	{ HRQ, "sc-inc-gpc1(0)", "sc-inc-gpc1(0)", LB_ACT_SC_INC_GPC1, -2 },
	{ HRQ, "sc-inc-gpc1(1)", "sc-inc-gpc1(1)", LB_ACT_SC_INC_GPC1, -2 },
	{ HRQ, "sc-inc-gpc1(2)", "sc-inc-gpc1(2)", LB_ACT_SC_INC_GPC1, -2 },
	{ HRQ, "sc-set-gpt0(0)", "sc-set-gpt0(0) 3", LB_ACT_SC_SET_GPT0, -2 },
	{ HRQ, "sc-set-gpt0(1)", "sc-set-gpt0(1) 3", LB_ACT_SC_SET_GPT0, -2 },
	{ HRQ, "sc-set-gpt0(2)", "sc-set-gpt0(2) 3", LB_ACT_SC_SET_GPT0, -2 },
	{ HRS, "set-header", "set-header X-A b", LB_ACT_SET_HEADER, -2 },
	{ HRS, "add-header", "add-header X-A b", LB_ACT_ADD_HEADER, -2 },
	{ HRS, "del-header", "del-header X-A", LB_ACT_DEL_HEADER, -2 },
	{ HRS, "allow", "allow", LB_ACT_ALLOW, -2 },
	{ HRS, "replace-header", "replace-header X-A ^a b", LB_ACT_REPLACE_HEADER, -2 },
	{ HRS, "replace-value", "replace-value X-A ^a b", LB_ACT_REPLACE_VALUE, -2 },
	{ HRS, "set-var", "set-var(txn.s) status", LB_ACT_SET_VAR, -2 },
	{ HRS, "set-var-fmt", "set-var-fmt(txn.s) x", LB_ACT_SET_VAR_FMT, -2 },
	{ HRS, "unset-var", "unset-var(txn.s)", LB_ACT_UNSET_VAR, -2 },
	{ HRS, "set-log-level", "set-log-level err", LB_ACT_SET_LOG_LEVEL, -2 },
	{ HRS, "deny", "deny deny_status 503", LB_ACT_DENY, 503 },
	{ HRS, "set-status", "set-status 299 reason Fine", LB_ACT_SET_STATUS, 299 },
	{ TCN, "accept", "accept", LB_TCP_ACCEPT, -2 },
	{ TCN, "reject", "reject", LB_TCP_REJECT, -2 },
	{ TCN, "track-sc0", "track-sc0 src", LB_TCP_TRACK_SC, -2 },
	{ TCN, "track-sc1", "track-sc1 src", LB_TCP_TRACK_SC, -2 },
	{ TCN, "track-sc2", "track-sc2 src", LB_TCP_TRACK_SC, -2 },
	{ TCT, "accept", "accept", LB_TCP_ACCEPT, -2 },
	{ TCT, "reject", "reject", LB_TCP_REJECT, -2 },
	{ TCT, "track-sc0", "track-sc0 src", LB_TCP_TRACK_SC, -2 },
	{ TCT, "track-sc1", "track-sc1 req.ssl_sni table f", LB_TCP_TRACK_SC, -2 },
	{ TCT, "track-sc2", "track-sc2 src", LB_TCP_TRACK_SC, -2 },
};

static void
run_actions(void)
{
	char conf[1024];

	for (size_t i = 0; i < LB_ARRAY_SIZE(acts); i++) {
		const struct acase *a = &acts[i];
		int act = 0, status = -2;

		snprintf(conf, sizeof(conf),
			 "frontend f\n  mode http\n  bind 127.0.0.1:1\n"
			 "  stick-table type string len 32 size 10 expire 10s store gpc0,gpc1,gpt0\n"
			 "  tcp-request inspect-delay 1s\n"
			 "  %s %s if { always_true }\n  default_backend b\n"
			 "backend b\n  mode http\n  server s 127.0.0.1:2\n", a->section, a->line);
		load(conf);
		const struct lb_cfg_proxy *px = cfg.proxies;
		if (!strcmp(a->section, HRQ) || !strcmp(a->section, HRS)) {
			const struct lb_cfg_http_rule *r = !strcmp(a->section, HRQ)
								   ? px->http_req_rules
								   : px->http_res_rules;
			ck_assert_msg(r && !r->next, "%s %s: not one rule", a->section, a->line);
			ck_assert_ptr_nonnull(r->acl_cond);
			act = (int)r->act;
			if (a->status != -2)
				status = r->status;
		} else {
			const struct lb_cfg_tcp_rule *r = !strcmp(a->section, TCN) ? px->tcp_conn_rules
										   : px->tcp_cont_rules;
			ck_assert_msg(r && !r->next, "%s %s: not one rule", a->section, a->line);
			ck_assert_ptr_nonnull(r->acl_cond);
			act = (int)r->act;
			if (r->act == LB_TCP_TRACK_SC)
				ck_assert_int_eq(r->track.sc, a->name[8] - '0');
		}
		ck_assert_msg(act == a->act, "%s %s: action %d, want %d", a->section, a->line, act,
			      a->act);
		ck_assert_msg(status == a->status, "%s %s: status %d, want %d", a->section, a->line,
			      status, a->status);
		ck_assert_msg(!strncmp(a->line, a->name, strlen(a->name)), "%s", a->line);
		cover(a->section, a->name);
		unload();
	}
}

/* ---- the registries, both ways ---- */

START_TEST(test_cover)
{
	int missing = 0;

	run_cases();
	run_methods();
	run_maps();
	run_auth();
	run_stick();
	run_actions();

	for (const struct lb_acl_fetch_def *f = lb_acl_fetches; f->name; f++)
		if (!is_covered(FETCH, f->name) && ++missing)
			fprintf(stderr, "no case for fetch '%s'\n", f->name);
	for (const struct lb_acl_kw_def *k = lb_acl_kws; k->name; k++)
		if (!is_covered(KW, k->name) && ++missing)
			fprintf(stderr, "no case for ACL keyword '%s'\n", k->name);
	for (const struct lb_acl_conv_def *c = lb_acl_convs; c->name; c++)
		if (!is_covered(CONV, c->name) && ++missing)
			fprintf(stderr, "no case for converter '%s'\n", c->name);
	for (const struct lb_acl_matcher *m = lb_acl_matchers; m->name; m++)
		if (!is_covered(MATCH, m->name) && ++missing)
			fprintf(stderr, "no case for matcher '%s'\n", m->name);
	for (const struct lb_cfg_kw *k = cfg_http_req_kws; k->name; k++)
		if (!is_covered(HRQ, k->name) && ++missing)
			fprintf(stderr, "no case for http-request '%s'\n", k->name);
	for (const struct lb_cfg_kw *k = cfg_http_res_kws; k->name; k++)
		if (!is_covered(HRS, k->name) && ++missing)
			fprintf(stderr, "no case for http-response '%s'\n", k->name);
	for (const struct lb_cfg_kw *t = cfg_tcp_req_kws; t->name; t++) {
		char sec[64];
		snprintf(sec, sizeof(sec), "tcp-request %s", t->name);
		for (const struct lb_cfg_kw *k = t->sub; k && k->name; k++)
			if (!is_covered(sec, k->name) && ++missing)
				fprintf(stderr, "no case for %s '%s'\n", sec, k->name);
	}
	/* predefined ACLs: from the listing */
	char *list = NULL;
	size_t llen = 0;
	int npredef = 0;
	FILE *m = open_memstream(&list, &llen);
	lb_acl_list(m);
	fclose(m);
	for (char *l = list; (l = strstr(l, "\npredefined  ")); l++) {
		char name[32];
		ck_assert_int_eq(sscanf(l + 13, "%31s", name), 1);
		npredef++;
		if (!is_covered(PREDEF, name) && ++missing)
			fprintf(stderr, "no case for predefined ACL '%s'\n", name);
	}
	ck_assert_int_gt(npredef, 15);
	ck_assert_msg(missing == 0, "%d registered names have no case (listed on stderr)", missing);
	printf("acl cover: %d names, each with a passing case\n", ncovered);

	/* the other way: every name a case covers is registered */
	for (int i = 0; i < ncovered; i++) {
		char kind[96], name[96];
		bool found = false;
		const char *sp = strrchr(covered[i], ' ');
		snprintf(kind, sizeof(kind), "%.*s", (int)(sp - covered[i]), covered[i]);
		snprintf(name, sizeof(name), "%s", sp + 1);
		if (!strcmp(kind, FETCH))
			for (const struct lb_acl_fetch_def *f = lb_acl_fetches; f->name; f++)
				found |= !strcmp(f->name, name);
		else if (!strcmp(kind, KW))
			for (const struct lb_acl_kw_def *k = lb_acl_kws; k->name; k++)
				found |= !strcmp(k->name, name);
		else if (!strcmp(kind, CONV))
			for (const struct lb_acl_conv_def *c = lb_acl_convs; c->name; c++)
				found |= !strcmp(c->name, name);
		else if (!strcmp(kind, MATCH))
			found = lb_acl_matcher_find(name) != NULL;
		else if (!strcmp(kind, PREDEF)) {
			char key[128];
			snprintf(key, sizeof(key), "\npredefined  %s ", name);
			found = strstr(list, key) != NULL;
		} else {
			const struct lb_cfg_kw *tbl = !strcmp(kind, HRQ) ? cfg_http_req_kws
						      : !strcmp(kind, HRS) ? cfg_http_res_kws : NULL;
			for (const struct lb_cfg_kw *t = cfg_tcp_req_kws; !tbl && t->name; t++)
				if (!strcmp(kind + strlen("tcp-request "), t->name))
					tbl = t->sub;
			for (const struct lb_cfg_kw *k = tbl; k && k->name; k++)
				found |= !strcmp(k->name, name);
		}
		ck_assert_msg(found, "a case covers %s '%s', which is not registered", kind, name);
	}
	free(list);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("acl_cover");
	TCase *tc = tcase_create("acl_cover");
	SRunner *sr;
	int failed;

	hello_len = strlen(hello_hex) / 2;
	for (size_t i = 0; i < hello_len; i++)
		sscanf(hello_hex + 2 * i, "%2hhx", &hello[i]);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cover);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

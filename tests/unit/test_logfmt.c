/* tests/unit/test_logfmt.c: log-format compilation and rendering (common/logfmt.c) */
#include <check.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "logfmt.h"
#include "util.h"

static struct sockaddr_in cli_sa, fe_sa, srv_sa, bsrc_sa;
static struct sockaddr_in6 cli6_sa;

static void
set_in4(struct sockaddr_in *sa, const char *ip, int port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &sa->sin_addr);
}

/* Header lookup for %[req.hdr()]: a tiny fixed table, names case-insensitive. */
static const char *const test_hdrs[][2] = {
	{ "host", "www.example.com" },
	{ "x-forwarded-for", "1.1.1.1, 2.2.2.2 " },
	{ "x-evil", "a\r\nSet-Cookie: x" },
	{ "x-quote", "say \"hi\" [x]" },
};

static int hdr_calls;

static bool
test_req_hdr(void *arg, const char *name, size_t name_len, const char **val, size_t *val_len)
{
	ck_assert_ptr_eq(arg, &hdr_calls);
	hdr_calls++;
	for (size_t i = 0; i < LB_ARRAY_SIZE(test_hdrs); i++) {
		if (lb_str_ieq(name, name_len, test_hdrs[i][0], strlen(test_hdrs[i][0]))) {
			*val = test_hdrs[i][1];
			*val_len = strlen(test_hdrs[i][1]);
			return true;
		}
	}
	return false;
}

static const char req_line[] = "GET /index.html HTTP/1.1";

/* 2026-11-24 20:11:05.123456 UTC accept, request at 20:11:06.250 */
static time_t
test_epoch(void)
{
	struct tm tm = { .tm_year = 126, .tm_mon = 10, .tm_mday = 24, .tm_hour = 20,
			 .tm_min = 11, .tm_sec = 5 };
	return timegm(&tm);
}

static void
fill_ctx(struct lb_log_ctx *c)
{
	lb_log_ctx_init(c);
	set_in4(&cli_sa, "10.0.1.2", 33317);
	set_in4(&fe_sa, "10.0.3.31", 8012);
	set_in4(&srv_sa, "127.0.0.1", 8000);
	set_in4(&bsrc_sa, "127.0.0.1", 41000);
	c->cli_addr = (struct sockaddr *)&cli_sa;
	c->fe_addr = (struct sockaddr *)&fe_sa;
	c->srv_addr = (struct sockaddr *)&srv_sa;
	c->be_src_addr = (struct sockaddr *)&bsrc_sa;
	c->fe_name = "http-in";
	c->be_name = "static";
	c->srv_name = "srv1";
	c->accept_date.tv_sec = test_epoch();
	c->accept_date.tv_usec = 123456;
	c->request_date.tv_sec = test_epoch() + 1;
	c->request_date.tv_usec = 250000;
	c->pid = 4242;
	c->t_handshake = 0;
	c->t_idle = 6;
	c->t_request = 10;
	c->t_queue = 0;
	c->t_connect = 30;
	c->t_response = 69;
	c->t_active = 109;
	c->t_total = 115;
	c->status = 200;
	c->bytes_in = 512;
	c->bytes_out = 2750;
	memcpy(c->term_state, "----", 5);
	c->actconn = 1;
	c->feconn = 2;
	c->beconn = 3;
	c->srv_conn = 4;
	c->retries = 0;
	c->srv_queue = 5;
	c->be_queue = 6;
	c->req_line = req_line;
	c->req_line_len = strlen(req_line);
	c->method = req_line;
	c->method_len = 3;
	c->uri = req_line + 4;
	c->uri_len = 11;
	c->http_version = 11;
	c->req_hdr = test_req_hdr;
	c->req_hdr_arg = &hdr_calls;
	c->log_tag = "lbd";
	c->uniq_id = 77;
}

static void
utc(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

/* Compiles src (failing the test with the message if it does not), renders, frees. */
static char rbuf[4096];

static const char *
render(const char *src, unsigned flags, const struct lb_log_ctx *ctx)
{
	char *err = NULL;
	struct lb_logfmt *f = lb_logfmt_compile(src, flags, &err);
	size_t n;

	ck_assert_msg(f != NULL, "compile '%s': %s", src, err ? err : "?");
	n = lb_logfmt_render(f, ctx, rbuf, sizeof(rbuf));
	ck_assert_uint_lt(n, sizeof(rbuf));
	ck_assert_uint_eq(strlen(rbuf), n);
	lb_logfmt_free(f);
	return rbuf;
}

/* Compiles src, expecting an error that contains `want`. */
static void
expect_error(const char *src, unsigned flags, const char *want)
{
	char *err = NULL;
	struct lb_logfmt *f = lb_logfmt_compile(src, flags, &err);

	ck_assert_msg(f == NULL, "'%s' compiled", src);
	ck_assert_msg(err && strstr(err, want), "'%s': error '%s' lacks '%s'", src,
		      err ? err : "(none)", want);
	free(err);
}

struct case_ {
	const char *src;
	const char *want;
};

static void
run_cases(const struct case_ *cases, size_t n, unsigned flags, const struct lb_log_ctx *ctx)
{
	for (size_t i = 0; i < n; i++) {
		const char *got = render(cases[i].src, flags, ctx);
		ck_assert_msg(!strcmp(got, cases[i].want), "'%s': got '%s', want '%s'",
			      cases[i].src, got, cases[i].want);
	}
}

START_TEST(test_each_variable)
{
	struct lb_log_ctx c;
	char host[256] = "", pid[32];
	static const struct case_ cases[] = {
		{ "%B", "2750" }, { "%U", "512" }, { "%CC", "-" }, { "%CS", "-" },
		{ "%HM", "GET" }, { "%HP", "/index.html" }, { "%HPO", "/index.html" },
		{ "%HQ", "" }, { "%HU", "/index.html" }, { "%HV", "HTTP/1.1" }, { "%ST", "200" },
		{ "%T", "24/Nov/2026:20:11:05 +0000" }, { "%Tl", "24/Nov/2026:20:11:05 +0000" },
		{ "%t", "24/Nov/2026:20:11:05.123" }, { "%tr", "24/Nov/2026:20:11:06.250" },
		{ "%trg", "24/Nov/2026:20:11:06 +0000" }, { "%trl", "24/Nov/2026:20:11:06 +0000" },
		{ "%Ts", "1795551065" }, { "%ms", "123" },
		{ "%Th", "0" }, { "%Ti", "6" }, { "%TR", "10" }, { "%Tq", "16" }, { "%Tw", "0" },
		{ "%Tc", "30" }, { "%Tr", "69" }, { "%Ta", "109" }, { "%Tt", "115" },
		{ "%Tu", "109" }, { "%Td", "0" },
		{ "%ac", "1" }, { "%fc", "2" }, { "%bc", "3" }, { "%sc", "4" }, { "%rc", "0" },
		{ "%sq", "5" }, { "%bq", "6" },
		{ "%b", "static" }, { "%s", "srv1" }, { "%f", "http-in" }, { "%ft", "http-in" },
		{ "%ci", "10.0.1.2" }, { "%cp", "33317" }, { "%fi", "10.0.3.31" },
		{ "%fp", "8012" }, { "%bi", "127.0.0.1" }, { "%bp", "41000" },
		{ "%si", "127.0.0.1" }, { "%sp", "8000" },
		{ "%r", "GET /index.html HTTP/1.1" }, { "%rt", "77" }, { "%pid", "4242" },
		{ "%ts", "--" }, { "%tsc", "----" }, { "%hr", "" }, { "%hs", "" }, { "%hrl", "" },
		{ "%hsl", "" }, { "%%", "%" }, { "100%%", "100%" },
		{ "%[src]", "10.0.1.2" }, { "%[src_port]", "33317" }, { "%[dst]", "10.0.3.31" },
		{ "%[dst_port]", "8012" }, { "%[fe_name]", "http-in" }, { "%[be_name]", "static" },
		{ "%[srv_name]", "srv1" }, { "%[method]", "GET" }, { "%[path]", "/index.html" },
		{ "%[query]", "-" }, { "%[url]", "/index.html" }, { "%[req.ver]", "1.1" },
		{ "%[pid]", "4242" },
	};

	utc();
	fill_ctx(&c);
	run_cases(cases, LB_ARRAY_SIZE(cases), LB_LOGFMT_F_HTTP, &c);
	/* every row of the table renders something in this context, and compiles */
	for (const struct lb_logfmt_var_info *v = lb_logfmt_vars; v->name; v++) {
		char *err = NULL;
		struct lb_logfmt *f = lb_logfmt_compile(v->name, LB_LOGFMT_F_HTTP, &err);

		ck_assert_msg(f, "%s: %s", v->name, err);
		ck_assert_ptr_nonnull(v->help);
		ck_assert_uint_gt(strlen(v->help), 5);
		lb_logfmt_free(f);
	}
	gethostname(host, sizeof(host) - 1);
	ck_assert_str_eq(render("%H", 0, &c), host);
	ck_assert_str_eq(render("%[hostname]", 0, &c), host);
	c.pid = 0;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	ck_assert_str_eq(render("%pid", 0, &c), pid);
	/* ST without HTTP: HAProxy writes 0 when there is no transaction */
	c.status = -1;
	ck_assert_str_eq(render("%ST", 0, &c), "0");
	ck_assert_str_eq(render("%ST", LB_LOGFMT_F_HTTP, &c), "-1");
	/* Td in tcp mode counts from the connect */
	ck_assert_str_eq(render("%Td", 0, &c), "69");
}
END_TEST

START_TEST(test_fetch_list_compiles)
{
	for (const struct lb_logfmt_var_info *v = lb_logfmt_fetches; v->name; v++) {
		char src[128], *p, *err = NULL;
		struct lb_logfmt *f;

		snprintf(src, sizeof(src), "%%[%s]", v->name);
		p = strstr(src, "<name>");
		if (p)
			memmove(p, "host)]", 7);
		f = lb_logfmt_compile(src, 0, &err);
		ck_assert_msg(f, "%s: %s", src, err);
		lb_logfmt_free(f);
	}
}
END_TEST

START_TEST(test_unknown_ctx)
{
	struct lb_log_ctx c;
	static const struct case_ cases[] = {
		{ "%ci:%cp", "-:-" }, { "%fi:%fp", "-:-" }, { "%si:%sp", "-:-" }, { "%bi", "-" },
		{ "%b/%s", "-/<NOSRV>" }, { "%f", "-" }, { "%ft", "-" },
		{ "%r", "<BADREQ>" }, { "%{+Q}r", "\"<BADREQ>\"" }, { "%HM", "<BADREQ>" },
		{ "%HU", "<BADREQ>" }, { "%HP", "<BADREQ>" }, { "%HQ", "<BADREQ>" },
		{ "%HV", "<BADREQ>" },
		{ "%ST", "-1" }, { "%TR/%Tw/%Tc/%Tr/%Ta/%Tt", "-1/-1/-1/-1/-1/-1" },
		{ "%Tq", "-1" }, { "%Td", "-1" }, { "%Tu", "-1" },
		{ "%B %U", "0 0" }, { "%ts %tsc", "-- ----" },
		{ "%ac/%fc/%bc/%sc/%rc", "0/0/0/0/0" },
		{ "%CC %CS", "- -" }, { "%{+Q}CC", "\"\"" }, { "%{+Q}ci", "\"\"" },
		{ "%{-M}ci|", "|" },
		{ "%[src]", "-" }, { "%[req.hdr(host)]", "-" }, { "%[method]", "-" },
		{ "%[path]", "-" }, { "%[be_name]", "-" },
	};

	utc();
	lb_log_ctx_init(&c);
	run_cases(cases, LB_ARRAY_SIZE(cases), LB_LOGFMT_F_HTTP, &c);
	/* a value (header) renders unknown text as nothing */
	ck_assert_str_eq(render("[%ci][%[src]][%b]", LB_LOGFMT_F_VALUE, &c), "[][][]");
	ck_assert_str_eq(render("%{+M}ci", LB_LOGFMT_F_VALUE, &c), "-");
	/* when the backend is unknown, HAProxy names the frontend */
	c.fe_name = "fe";
	ck_assert_str_eq(render("%b %[be_name]", 0, &c), "fe fe");
}
END_TEST

START_TEST(test_flags)
{
	struct lb_log_ctx c;
	static const struct case_ cases[] = {
		{ "%{+Q}ci", "\"10.0.1.2\"" }, { "%{+Q}cp", "33317" }, { "%{+Q}b", "\"static\"" },
		{ "%{+Q}ft", "\"http-in\"" }, { "%{+Q}r", "\"GET /index.html HTTP/1.1\"" },
		{ "%{+Q}HM", "\"GET\"" }, { "%{+Q}[req.hdr(host)]", "\"www.example.com\"" },
		{ "%{+Q,-Q}b", "static" }, { "%{+Q}o %b %{-Q}s", "\"static\" srv1" },
		{ "%{+Q}o %ts %B", "-- 2750" },
		{ "%{+X}ci", "0A000102" }, { "%{+X}cp", "8225" }, { "%{+X}Ts", "6B05EF59" },
		{ "%{+X}ms", "7B" }, { "%{+X}pid", "1092" }, { "%{+X}rt", "004D" },
		{ "%{+X}Tt", "115" }, { "%{+X}b", "static" },
		{ "%{+E}[req.hdr(x-quote)]", "say \\\"hi\\\" [x\\]" },
		{ "%{+E,+Q}[req.hdr(x-quote)]", "\"say \\\"hi\\\" [x\\]\"" },
	};

	utc();
	fill_ctx(&c);
	run_cases(cases, LB_ARRAY_SIZE(cases), LB_LOGFMT_F_HTTP, &c);
	/* IPv6 and its hex form */
	memset(&cli6_sa, 0, sizeof(cli6_sa));
	cli6_sa.sin6_family = AF_INET6;
	cli6_sa.sin6_port = htons(443);
	inet_pton(AF_INET6, "2001:db8::1", &cli6_sa.sin6_addr);
	c.cli_addr = (struct sockaddr *)&cli6_sa;
	ck_assert_str_eq(render("%ci:%cp", 0, &c), "2001:db8::1:443");
	ck_assert_str_eq(render("%{+X}ci", 0, &c), "20010DB8000000000000000000000001");
}
END_TEST

START_TEST(test_separators)
{
	struct lb_log_ctx c;

	utc();
	fill_ctx(&c);
	/* a log line: runs of spaces collapse, and around empty captures too */
	ck_assert_str_eq(render("a   b", 0, &c), "a b");
	ck_assert_str_eq(render("  a", 0, &c), "a");
	ck_assert_str_eq(render("a ", 0, &c), "a ");
	ck_assert_str_eq(render("%bq %hr %hs %B", 0, &c), "6 2750");
	ck_assert_str_eq(render("%hr %hs x", 0, &c), "x");
	ck_assert_str_eq(render("%b\\ \\ %s", 0, &c), "static srv1");
	/* a value keeps its spaces */
	ck_assert_str_eq(render("a   b ", LB_LOGFMT_F_VALUE, &c), "a   b ");
	ck_assert_str_eq(render(" %hr %hs x", LB_LOGFMT_F_VALUE, &c), "   x");
	ck_assert_str_eq(render("a\\ b", LB_LOGFMT_F_VALUE, &c), "a b");
}
END_TEST

START_TEST(test_http_parts)
{
	struct lb_log_ctx c;
	static const char abs_line[] = "GET http://h:80/p/a?x=1&y=\"#\" HTTP/1.0";
	static const struct case_ cases[] = {
		{ "%HM", "GET" }, { "%HU", "http://h:80/p/a?x=1&y=#22#23#22" },
		{ "%HP", "http://h:80/p/a" }, { "%HPO", "/p/a" }, { "%HQ", "?x=1&y=#22#23#22" },
		{ "%HV", "HTTP/1.0" }, { "%r", "GET http://h:80/p/a?x=1&y=#22#23#22 HTTP/1.0" },
		{ "%[path]", "/p/a" }, { "%[query]", "x=1&y=\"#\"" }, { "%[req.ver]", "1.0" },
		{ "%[url]", "http://h:80/p/a?x=1&y=\"#\"" },
	};

	utc();
	fill_ctx(&c);
	c.req_line = abs_line;
	c.req_line_len = strlen(abs_line);
	c.method = NULL;
	c.uri = NULL;
	run_cases(cases, LB_ARRAY_SIZE(cases), LB_LOGFMT_F_HTTP, &c);
	/* HTTP/0.9-style line, and a lone method */
	c.req_line = "GET /";
	c.req_line_len = 5;
	ck_assert_str_eq(render("%HV %HU", LB_LOGFMT_F_HTTP, &c), "HTTP/0.9 /");
	c.req_line = "GARBAGE";
	c.req_line_len = 7;
	ck_assert_str_eq(render("%HM %HU %r", LB_LOGFMT_F_HTTP, &c), "<BADREQ> <BADREQ> GARBAGE");
	/* from the split fields when there is no request line (HTTP/2 later) */
	c.req_line = NULL;
	c.method = "POST";
	c.method_len = 4;
	c.uri = "/a?b";
	c.uri_len = 4;
	c.http_version = 20;
	ck_assert_str_eq(render("%HM %HP %HQ %HV", LB_LOGFMT_F_HTTP, &c), "POST /a ?b HTTP/2.0");
}
END_TEST

START_TEST(test_req_hdr_callback)
{
	struct lb_log_ctx c;

	utc();
	fill_ctx(&c);
	hdr_calls = 0;
	ck_assert_str_eq(render("%[req.hdr(host)]", 0, &c), "www.example.com");
	ck_assert_str_eq(render("%[hdr(Host)]", 0, &c), "www.example.com");
	ck_assert_int_eq(hdr_calls, 2);
	/* req.hdr takes the last value of a list, req.fhdr the whole line */
	ck_assert_str_eq(render("%[req.hdr(x-forwarded-for)]", 0, &c), "2.2.2.2");
	ck_assert_str_eq(render("%[req.fhdr(x-forwarded-for)]", 0, &c), "1.1.1.1, 2.2.2.2 ");
	ck_assert_str_eq(render("%[req.hdr(absent)]", 0, &c), "-");
	ck_assert_str_eq(render("<%[req.hdr(absent)]>", LB_LOGFMT_F_VALUE, &c), "<>");
	/* in a header value, fetched control characters cannot split the header */
	ck_assert_str_eq(render("%[req.fhdr(x-evil)]", LB_LOGFMT_F_VALUE, &c),
			 "a%0D%0ASet-Cookie: x");
	c.req_hdr = NULL;
	ck_assert_str_eq(render("%[req.hdr(host)]", 0, &c), "-");
}
END_TEST

START_TEST(test_predefined)
{
	struct lb_log_ctx c;

	utc();
	fill_ctx(&c);
	c.feconn = c.beconn = c.srv_conn = 1;
	c.srv_queue = c.be_queue = 0;
	ck_assert_str_eq(render(lb_logfmt_httplog_src, LB_LOGFMT_F_HTTP, &c),
			 "10.0.1.2:33317 [24/Nov/2026:20:11:06.250] http-in static/srv1 "
			 "10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "
			 "\"GET /index.html HTTP/1.1\"");
	ck_assert_str_eq(render(lb_logfmt_tcplog_src, 0, &c),
			 "10.0.1.2:33317 [24/Nov/2026:20:11:05.123] http-in static/srv1 "
			 "0/30/115 2750 -- 1/1/1/1/0 0/0");
	ck_assert_str_eq(render(lb_logfmt_httplog_clf_src, LB_LOGFMT_F_HTTP, &c),
			 "10.0.1.2 - - [24/Nov/2026:20:11:06 +0000] \"GET /index.html HTTP/1.1\" "
			 "200 2750 \"\" \"\" 33317 123 \"http-in\" \"static\" \"srv1\" 10 0 30 69 "
			 "109 ---- 1 1 1 1 0 0 0 \"\" \"\" ");
	ck_assert_str_eq(render(lb_logfmt_default_src, 0, &c),
			 "Connect from 10.0.1.2:33317 to 10.0.3.31:8012 (http-in/TCP)");
	ck_assert_str_eq(render(lb_logfmt_default_http_src, LB_LOGFMT_F_HTTP, &c),
			 "Connect from 10.0.1.2:33317 to 10.0.3.31:8012 (http-in/HTTP)");
	/* a request that timed out before its line: HAProxy's 408 shape */
	fill_ctx(&c);
	c.req_line = NULL;
	c.method = c.uri = NULL;
	c.t_request = c.t_queue = c.t_connect = c.t_response = -1;
	c.status = 408;
	c.be_name = NULL;
	c.srv_name = NULL;
	memcpy(c.term_state, "cR--", 5);
	ck_assert_str_eq(render(lb_logfmt_httplog_src, LB_LOGFMT_F_HTTP, &c),
			 "10.0.1.2:33317 [24/Nov/2026:20:11:06.250] http-in http-in/<NOSRV> "
			 "-1/-1/-1/-1/109 408 2750 - - cR-- 1/2/3/4/0 5/6 \"<BADREQ>\"");
}
END_TEST

START_TEST(test_compile_errors)
{
	expect_error("%ci %xyz", 0, "no such format variable 'xyz'");
	expect_error("%Tx", 0, "'Tx'");
	expect_error("%[foo]", 0, "fetch 'foo' is not supported");
	expect_error("%[req.hdr(host),lower]", 0, "converter 'lower'");
	expect_error("%[src]x%[src", 0, "missing ']'");
	expect_error("%[req.hdr]", 0, "fetch 'req.hdr' needs a header name");
	expect_error("%[req.hdr(host]", 0, "missing ')'");
	expect_error("%[req.hdr(host,1)]", 0, "not a header name");
	expect_error("%[src(x)]", 0, "fetch 'src' takes no argument");
	expect_error("%r", 0, "format variable 'r' is reserved for HTTP mode");
	expect_error("%HM", 0, "'HM' is reserved for HTTP mode");
	expect_error("%tr", 0, "'tr' is reserved for HTTP mode");
	expect_error("%ID", LB_LOGFMT_F_HTTP, "format variable 'ID' is not supported");
	expect_error("%{+Z}r", LB_LOGFMT_F_HTTP, "unknown flag '+Z'");
	expect_error("%{+Q}", 0, "flags '%{+Q}' are not followed by a variable name");
	expect_error("%{+Q", 0, "missing '}'");
	expect_error("a %5", 0, "unexpected character '5'");
	expect_error("a % b", 0, "unexpected character ' '");
	expect_error("abc%", 0, "at the end of the format");
}
END_TEST

START_TEST(test_error_null_errmsg)
{
	/* errmsg is optional */
	ck_assert_ptr_null(lb_logfmt_compile("%nope", 0, NULL));
	lb_logfmt_free(NULL);
}
END_TEST

START_TEST(test_const)
{
	struct lb_logfmt *f;
	const char *s;
	size_t n = 99;

	f = lb_logfmt_compile("text/plain; charset=utf-8", LB_LOGFMT_F_VALUE, NULL);
	ck_assert(lb_logfmt_is_const(f));
	s = lb_logfmt_const(f, &n);
	ck_assert_uint_eq(n, strlen("text/plain; charset=utf-8"));
	ck_assert_str_eq(s, "text/plain; charset=utf-8");
	lb_logfmt_free(f);

	f = lb_logfmt_compile("100%% a  b ", 0, NULL);
	ck_assert(lb_logfmt_is_const(f));
	ck_assert_str_eq(lb_logfmt_const(f, &n), "100% a b ");
	lb_logfmt_free(f);

	f = lb_logfmt_compile("", LB_LOGFMT_F_VALUE, NULL);
	ck_assert(lb_logfmt_is_const(f));
	ck_assert_str_eq(lb_logfmt_const(f, &n), "");
	ck_assert_uint_eq(n, 0);
	lb_logfmt_free(f);

	f = lb_logfmt_compile("id-%[src]", LB_LOGFMT_F_VALUE, NULL);
	ck_assert(!lb_logfmt_is_const(f));
	ck_assert_ptr_null(lb_logfmt_const(f, &n));
	ck_assert_uint_eq(n, 0);
	lb_logfmt_free(f);

	/* %o and captures write nothing but are still variables */
	f = lb_logfmt_compile("%hr", 0, NULL);
	ck_assert(!lb_logfmt_is_const(f));
	lb_logfmt_free(f);
	ck_assert(!lb_logfmt_is_const(NULL));
}
END_TEST

START_TEST(test_truncation)
{
	struct lb_log_ctx c;
	struct lb_logfmt *f;
	char full[1024], buf[1100];
	size_t flen;

	utc();
	fill_ctx(&c);
	f = lb_logfmt_compile(lb_logfmt_httplog_src, LB_LOGFMT_F_HTTP, NULL);
	ck_assert_ptr_nonnull(f);
	flen = lb_logfmt_render(f, &c, full, sizeof(full));
	ck_assert_uint_gt(flen, 100);
	for (size_t sz = 0; sz <= flen + 2; sz++) {
		size_t n;

		memset(buf, '#', sizeof(buf));
		n = lb_logfmt_render(f, &c, buf, sz);
		ck_assert_uint_le(n, sz);
		/* what was written is the start of the line */
		ck_assert_int_eq(memcmp(buf, full, n), 0);
		if (sz <= flen) {
			ck_assert_uint_eq(n, sz);	/* filled: the caller sees the truncation */
		} else {
			ck_assert_uint_eq(n, flen);
			ck_assert_int_eq(buf[n], '\0');
		}
		/* never a byte past sz */
		for (size_t k = sz; k < sizeof(buf); k++)
			ck_assert_int_eq(buf[k], (k == n && n < sz) ? '\0' : '#');
	}
	lb_logfmt_free(f);
}
END_TEST

START_TEST(test_dates_zone_and_cache)
{
	struct lb_log_ctx c;
	struct tm tm = { .tm_year = 127, .tm_mon = 0, .tm_mday = 15, .tm_hour = 8 };
	time_t base = timegm(&tm);	/* 2027-01-15 08:00:00 UTC, seconds no other test uses */

	/* a zone east of GMT: local dates move, GMT ones do not. The date cache is keyed by
	 * the second only (lbd never changes TZ while running), hence the fresh seconds. */
	setenv("TZ", "CET-1", 1);
	tzset();
	fill_ctx(&c);
	c.accept_date.tv_sec = base;
	c.request_date.tv_sec = base + 1;
	ck_assert_str_eq(render("%t|%T|%Tl", 0, &c),
			 "15/Jan/2027:09:00:00.123|15/Jan/2027:08:00:00 +0000|"
			 "15/Jan/2027:09:00:00 +0100");
	ck_assert_str_eq(render("%tr|%trg|%trl", LB_LOGFMT_F_HTTP, &c),
			 "15/Jan/2027:09:00:01.250|15/Jan/2027:08:00:01 +0000|"
			 "15/Jan/2027:09:00:01 +0100");
	/* the per-thread cache follows the seconds, in both directions */
	for (int i = 0; i < 5; i++) {
		c.accept_date.tv_sec = base + (i % 2 ? 3600 : 59);
		ck_assert_str_eq(render("%t", 0, &c), i % 2 ? "15/Jan/2027:10:00:00.123"
							    : "15/Jan/2027:09:00:59.123");
	}
	c.accept_date.tv_sec = base + 86400 * 17;
	ck_assert_str_eq(render("%T", 0, &c), "01/Feb/2027:08:00:00 +0000");
}
END_TEST

struct thr_arg {
	const struct lb_logfmt *f;
	struct lb_log_ctx ctx;	/* filled before the threads start: fill_ctx() writes globals */
	int id;
	int bad;
};

static void *
thr_render(void *p)
{
	struct thr_arg *a = p;
	struct lb_log_ctx c = a->ctx;
	char buf[512], want[512];

	for (int i = 0; i < 20000; i++) {
		c.accept_date.tv_sec = test_epoch() + (i + a->id) % 7;
		c.bytes_out = (uint64_t)i;
		lb_logfmt_render(a->f, &c, buf, sizeof(buf));
		snprintf(want, sizeof(want), "[24/Nov/2026:20:11:%02d.123] %d",
			 (int)(5 + (i + a->id) % 7), i);
		if (strcmp(buf, want))
			a->bad++;
	}
	return NULL;
}

START_TEST(test_threads)
{
	struct lb_logfmt *f;
	struct lb_log_ctx c;
	pthread_t t[4];
	struct thr_arg a[4];

	utc();
	fill_ctx(&c);
	f = lb_logfmt_compile("[%t] %B", 0, NULL);
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 4; i++) {
		a[i] = (struct thr_arg){ .f = f, .ctx = c, .id = i };
		ck_assert_int_eq(pthread_create(&t[i], NULL, thr_render, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(a[i].bad, 0);
	}
	lb_logfmt_free(f);
}
END_TEST

START_TEST(test_bench_httplog)
{
	struct lb_log_ctx c;
	struct lb_logfmt *f;
	char buf[1024];
	const char *env = getenv("LB_BENCH_N");
	long n = env ? atol(env) : 1000000;
	uint64_t t0, t1;
	size_t sum = 0;

	utc();
	fill_ctx(&c);
	f = lb_logfmt_compile(lb_logfmt_httplog_src, LB_LOGFMT_F_HTTP, NULL);
	ck_assert_ptr_nonnull(f);
	t0 = lb_now_us();
	for (long i = 0; i < n; i++) {
		/* a new accept second every 1000 lines, as under load */
		c.request_date.tv_sec = test_epoch() + i / 1000;
		c.bytes_out = (uint64_t)i;
		sum += lb_logfmt_render(f, &c, buf, sizeof(buf));
	}
	t1 = lb_now_us();
	ck_assert_uint_gt(sum, 0);
	printf("logfmt: httplog render: %.1f ns/line over %ld lines\n",
	       n ? (double)(t1 - t0) * 1000.0 / (double)n : 0.0, n);
	lb_logfmt_free(f);
}
END_TEST

static Suite *
logfmt_suite(void)
{
	Suite *s = suite_create("logfmt");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_each_variable);
	tcase_add_test(tc, test_fetch_list_compiles);
	tcase_add_test(tc, test_unknown_ctx);
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_separators);
	tcase_add_test(tc, test_http_parts);
	tcase_add_test(tc, test_req_hdr_callback);
	tcase_add_test(tc, test_predefined);
	tcase_add_test(tc, test_compile_errors);
	tcase_add_test(tc, test_error_null_errmsg);
	tcase_add_test(tc, test_const);
	tcase_add_test(tc, test_truncation);
	tcase_add_test(tc, test_dates_zone_and_cache);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);

	tc = tcase_create("bench");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_bench_httplog);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(logfmt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* tests/unit/test_cfg.c: the configuration parser (common/cfg*.c) and diagnostics (diag.c) */
#include <check.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "cfg.h"
#include "cfg_priv.h"
#include "diag.h"
#include "logfmt.h"
#include "util.h"

#include "cfg_load.h"

/* ---- helpers ---- */

static const char *
addr_text(const struct lb_cfg_addr *a, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)&a->ss;
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		snprintf(buf, size, "%s:%d", ip, ntohs(in->sin_port));
	} else if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)&a->ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, size, "[%s]:%d", ip, ntohs(in6->sin6_port));
	} else if (a->ss.ss_family == AF_UNIX) {
		snprintf(buf, size, "unix@%s", ((const struct sockaddr_un *)(const void *)&a->ss)
						       ->sun_path);
	} else {
		snprintf(buf, size, "?");
	}
	return buf;
}

static struct cfg_words words;

static int
tok(const char *line, char **msg, int *col)
{
	struct cfg_tok_ctx ctx = { .file = "f.cfg", .line = 7, .section = "backend" };
	*msg = NULL;
	return cfg_tokenize(line, strlen(line), &ctx, &words, msg, col);
}

static void
tok_ok(const char *line, int n, ...)
{
	char *msg;
	int col;
	va_list ap;

	ck_assert_msg(tok(line, &msg, &col) == 0, "tokenize '%s': %s", line, msg);
	ck_assert_msg(words.n == n, "'%s': %d words, expected %d", line, words.n, n);
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		const char *w = va_arg(ap, const char *);
		ck_assert_msg(!strcmp(words.v[i], w), "'%s': word %d is '%s', expected '%s'", line,
			      i, words.v[i], w);
	}
	va_end(ap);
}

static void
tok_err(const char *line, const char *expect, int expect_col)
{
	char *msg;
	int col;

	ck_assert_msg(tok(line, &msg, &col) < 0, "'%s' should fail", line);
	ck_assert_msg(strstr(msg, expect), "'%s': message '%s', expected '%s'", line, msg, expect);
	ck_assert_int_eq(col, expect_col);
	free(msg);
}

/* ---- tokenizer ---- */

START_TEST(test_tok_words_and_columns)
{
	tok_ok("  server  w1\t10.0.0.1:80  ", 3, "server", "w1", "10.0.0.1:80");
	ck_assert_int_eq(words.col[0], 3);
	ck_assert_int_eq(words.col[1], 11);
	ck_assert_int_eq(words.col[2], 14);
	tok_ok("", 0);
	tok_ok("   \t ", 0);
	tok_ok("a\r", 1, "a");
	cfg_words_free(&words);
}
END_TEST

START_TEST(test_tok_quotes)
{
	tok_ok("log-format \"%ci %cp\"", 2, "log-format", "%ci %cp");
	ck_assert_int_eq(words.col[1], 12);
	tok_ok("x 'a b\\n$HOME'", 2, "x", "a b\\n$HOME");
	tok_ok("x \"a\"'b'c", 2, "x", "abc");
	tok_ok("x \"\" y", 3, "x", "", "y");
	tok_ok("x \"it's\" 'say \"hi\"'", 3, "x", "it's", "say \"hi\"");
	tok_err("x \"abc", "unmatched quote", 3);
	tok_err("x 'abc", "unmatched quote", 3);
	cfg_words_free(&words);
}
END_TEST

START_TEST(test_tok_escapes)
{
	tok_ok("a\\ b c", 2, "a b", "c");
	tok_ok("a\\\\b", 1, "a\\b");
	tok_ok("a\\#b # comment", 1, "a#b");
	tok_ok("\"\\t\\n\\r\\x41\\x7a\"", 1, "\t\n\rAz");
	tok_ok("\\\"q\\'", 1, "\"q'");
	tok_ok("a\\1b", 1, "a\\1b");
	tok_ok("\"\\$HOME\"", 1, "$HOME");
	tok_ok("\\$x", 1, "\\$x");
	tok_err("a \\x4", "hexadecimal", 3);
	tok_err("a \\xzz", "hexadecimal", 3);
	cfg_words_free(&words);
}
END_TEST

START_TEST(test_tok_comments)
{
	tok_ok("# all comment", 0);
	tok_ok("mode http # trailing", 2, "mode", "http");
	tok_ok("mode http#x", 2, "mode", "http");
	tok_ok("x \"a # b\"", 2, "x", "a # b");
	tok_ok("x 'a#b'", 2, "x", "a#b");
	cfg_words_free(&words);
}
END_TEST

START_TEST(test_tok_env)
{
	char *msg;
	int col;

	setenv("LB_T_PORT", "8080", 1);
	setenv("LB_T_LIST", "a  b c", 1);
	unsetenv("LB_T_UNSET");
	tok_ok("bind \":${LB_T_PORT}\"", 2, "bind", ":8080");
	tok_ok("x \"$LB_T_PORT/y\"", 2, "x", "8080/y");
	tok_ok("x \"[${LB_T_UNSET}]\"", 2, "x", "[]");
	tok_ok("x \"${LB_T_UNSET-def ault}\" \"${LB_T_PORT-no}\"", 3, "x", "def ault", "8080");
	tok_ok("x \"${LB_T_LIST[*]}\" z", 5, "x", "a", "b", "c", "z");
	tok_ok("x \"${LB_T_LIST}\"", 2, "x", "a  b c");
	tok_ok("x \"${.LINE}:${.FILE}:${.SECTION}\"", 2, "x", "7:f.cfg:backend");
	tok_ok("x '${LB_T_PORT}'", 2, "x", "${LB_T_PORT}");
	/* HAProxy expands only inside double quotes: kept, with a warning */
	ck_assert_int_eq(tok("bind :${LB_T_PORT}", &msg, &col), 0);
	ck_assert_str_eq(words.v[1], ":${LB_T_PORT}");
	ck_assert_ptr_nonnull(words.warn);
	ck_assert_int_eq(words.warn_col, 7);
	ck_assert_ptr_nonnull(strstr(words.warn, "only expanded inside double quotes"));
	tok_err("x \"${1X}\"", "forbidden first character", 6);
	tok_err("x \"$ \"", "forbidden first character", 5);
	tok_err("x \"${LB_T_PORT\"", "unmatched brace", 5);
	tok_err("x \"${.NOPE}\"", "unsupported internal variable", 6);
	tok_err("x \"${LB_T_PORT[x]}\"", "word expansion", 15);
	cfg_words_free(&words);
}
END_TEST

START_TEST(test_tok_limits)
{
	char line[1024] = "";
	char *big;

	char *msg;
	int col;

	for (int i = 0; i < 64; i++)
		strcat(line, "w ");
	ck_assert_int_eq(tok(line, &msg, &col), 0);
	ck_assert_int_eq(words.n, 64);
	ck_assert_str_eq(words.v[63], "w");
	ck_assert_ptr_null(words.v[64]);
	strcat(line, "w");
	tok_err(line, "too many words", 129);
	big = malloc(CFG_MAX_LINE + 10);
	memset(big, 'a', CFG_MAX_LINE + 9);
	big[CFG_MAX_LINE + 9] = '\0';
	tok_err(big, "line too long", 0);
	free(big);
	cfg_words_free(&words);
}
END_TEST

/* ---- units ---- */

START_TEST(test_units)
{
	long long ms;
	unsigned long long sz;

	ck_assert_int_eq(lb_parse_time_ms("10", &ms), 0);
	ck_assert_int_eq(ms, 10);
	ck_assert_int_eq(lb_parse_time_ms("10ms", &ms), 0);
	ck_assert_int_eq(ms, 10);
	ck_assert_int_eq(lb_parse_time_ms("5s", &ms), 0);
	ck_assert_int_eq(ms, 5000);
	ck_assert_int_eq(lb_parse_time_ms("1m", &ms), 0);
	ck_assert_int_eq(ms, 60000);
	ck_assert_int_eq(lb_parse_time_ms("2h", &ms), 0);
	ck_assert_int_eq(ms, 7200000);
	ck_assert_int_eq(lb_parse_time_ms("1d", &ms), 0);
	ck_assert_int_eq(ms, 86400000);
	ck_assert_int_eq(lb_parse_time_ms("100us", &ms), 0);
	ck_assert_int_eq(ms, 1);
	ck_assert_int_eq(lb_parse_time_ms("1500us", &ms), 0);
	ck_assert_int_eq(ms, 2);
	ck_assert_int_eq(lb_parse_time_ms("5x", &ms), -1);
	ck_assert_int_eq(lb_parse_time_ms("", &ms), -1);
	ck_assert_int_eq(lb_parse_time_ms("-1", &ms), -1);
	ck_assert_int_eq(lb_parse_time_ms("30d", &ms), -1);
	ck_assert_int_eq(lb_parse_size("16384", &sz), 0);
	ck_assert_int_eq(sz, 16384);
	ck_assert_int_eq(lb_parse_size("16k", &sz), 0);
	ck_assert_int_eq(sz, 16384);
	ck_assert_int_eq(lb_parse_size("1m", &sz), 0);
	ck_assert_int_eq(sz, 1 << 20);
	ck_assert_int_eq(lb_parse_size("2g", &sz), 0);
	ck_assert_int_eq(sz, 2ULL << 30);
	ck_assert_int_eq(lb_parse_size("1x", &sz), -1);
	ck_assert_int_eq(lb_parse_size("k", &sz), -1);
}
END_TEST

/* ---- error messages ---- */

START_TEST(test_err_unknown_keyword)
{
	expect_error("global\n    nbthred 4\n",
		     "t.cfg:2:5: error: unknown keyword 'nbthred' in 'global' section; did you "
		     "mean 'nbthread'?");
	expect_error("backend b\n  timout connect 5s\n",
		     "t.cfg:2:3: error: unknown keyword 'timout' in 'backend' section; did you "
		     "mean 'timeout'?");
	expect_error("backend b\n  timeout conect 5s\n",
		     "t.cfg:2:11: error: unknown timeout 'conect' in 'backend' section; did you "
		     "mean 'connect'?");
	expect_error("backend b\n  option redispach\n",
		     "t.cfg:2:10: error: unknown option 'redispach' in 'backend' section; did you "
		     "mean 'redispatch'?");
	expect_error("frontend f\n  http-request set-headr X y\n",
		     "t.cfg:2:16: error: unknown http-request action 'set-headr' in 'frontend' "
		     "section; did you mean 'set-header'?");
	expect_error("backend b\n  qwertyuiop\n",
		     "t.cfg:2:3: error: unknown keyword 'qwertyuiop' in 'backend' section\n");
	expect_error("backend b\n  server a 1.1.1.1:80 wieght 2\n",
		     "t.cfg:2:23: error: unknown server option 'wieght'; did you mean 'weight'?");
	expect_error("fronted f\n", "t.cfg:1:1: error: 'fronted' found before any section");
	expect_error("backend b\n  acl x pth /\n",
		     "t.cfg:2:9: error: unknown fetch method 'pth' in ACL expression (did you "
		     "mean 'path'?)");
	expect_error("backend b\n  option abortonclose\n",
		     "'option abortonclose' is not supported yet");
	expect_error("peers p\n  peer a 1.1.1.1:1\nbackend b\n  bogus\n",
		     "t.cfg:1:1: error: 'peers' sections are not supported yet");
}
END_TEST

START_TEST(test_err_wrong_section)
{
	expect_error("backend b\n    bind :80\n",
		     "t.cfg:2:5: error: 'bind' is not allowed in a 'backend' section");
	expect_error("frontend f\n  server s 1.1.1.1:1\n",
		     "'server' is not allowed in a 'frontend' section");
	expect_error("global\n  mode http\n", "'mode' is not allowed in a 'global' section");
	expect_error("defaults\n  daemon\n", "'daemon' is not allowed in a 'defaults' section");
	expect_error("frontend f\n  timeout server 1s\n",
		     "t.cfg:2:3: error: 'timeout server' is not allowed in a 'frontend' section");
	expect_error("defaults\n  http-request deny\n",
		     "t.cfg:2:3: error: 'http-request' is not allowed in a 'defaults' section");
	expect_error("frontend f\n  option redispatch\n",
		     "'option redispatch' is not allowed in a 'frontend' section");
}
END_TEST

START_TEST(test_err_arity)
{
	expect_error("backend b\n  timeout connect\n",
		     "t.cfg:2:3: error: 'timeout connect' expects <time>");
	expect_error("backend b\n  retries 3 4\n",
		     "t.cfg:2:13: error: too many arguments for 'retries': unexpected '4'");
	expect_error("backend b\n  timeout\n", "'timeout' expects one of: ");
	expect_error("frontend f\n  mode\n", "'mode' expects tcp|http");
	expect_error("global\n  daemon now\n", "too many arguments for 'daemon': unexpected 'now'");
	expect_error("backend b\n  no retries\n",
	             "t.cfg:2:3: error: 'no retries' is not supported");
	expect_error("backend b\n  no option redispatch now\n",
		     "too many arguments for 'no option redispatch'");
	expect_error("frontend f\n  use_backend b if TRU\n",
		     "t.cfg:2:20: error: unknown ACL 'TRU' (did you mean 'TRUE'?)");
	expect_error("frontend f\n  http-request deny unless x\n", "unknown ACL 'x'");
	expect_error("frontend f\n  bind\n", "'bind' expects <addr>");
	expect_error("frontend\n", "'frontend' expects <name> as an argument");
	expect_error("frontend a b\n", "unexpected argument 'b' after 'frontend a'");
	expect_error("backend a/b\n", "character '/' is not permitted in backend name 'a/b'");
}
END_TEST

START_TEST(test_err_values)
{
	expect_error("backend b\n  retries x\n",
		     "t.cfg:2:11: error: invalid number 'x' for 'retries'");
	expect_error("global\n  nbthread 65\n", "'nbthread' must be between 1 and 64, got 65");
	expect_error("backend b\n  timeout server 30x\n",
		     "t.cfg:2:18: error: invalid time '30x' for 'timeout server'");
	expect_error("global\n  tune.bufsize 16q\n", "invalid size '16q' for 'tune.bufsize'");
	expect_error("frontend f\n  mode htp\n",
		     "invalid value 'htp' for 'mode' (expected one of: tcp, http); did you mean "
		     "'http'?");
	expect_error("backend b\n  server a 1.1.1.1:80 weight 300\n",
		     "'weight' must be between 0 and 256, got 300");
	expect_error("backend b\n  server a 1.1.1.1\n", "missing port in '1.1.1.1'");
	expect_error("backend b\n  server a 1.1.1.1:+1\n", "port offsets");
	expect_error("backend b\n  server a 1.1.1.1:70000\n", "out of range");
	expect_error("backend b\n  server a 1.1.1.1:80-81\n", "port ranges");
	expect_error("frontend f\n  bind 1.2.3:80x\n", "invalid port '80x'");
	expect_error("frontend f\n  bind :80 npn http/1.1\n",
	             "bind option 'npn' is not supported");
	expect_error("frontend f\n  bind :80 ssl crt x.pem\n", "'crt x.pem': cannot read it");
	expect_error("backend b\n  balance roundrobn\n",
		     "t.cfg:2:11: error: unknown balance algorithm 'roundrobn'; did you mean "
		     "'roundrobin'?");
	expect_error("backend b\n  hash-type consistent sdbm\n", "hash function 'sdbm' cannot");
	expect_error("global\n  log 127.0.0.1 local9\n", "unknown log facility 'local9'");
	expect_error("global\n  log stderr\n", "'log' expects a facility");
	expect_error("global\n  log global\n", "'log global' is only valid");
	expect_error("global\n  log stderr format iso local0\n",
	             "log format 'iso' is not supported");
	expect_error("global\n  stats socket 127.0.0.1:9999\n", "needs a unix socket path");
	expect_error("global\n  stats socket /tmp/s level root\n",
	             "invalid value 'root' for 'level'");
	expect_error("global\n  cpu-map 1/1-4 0-3\n", "thread groups");
	expect_error("global\n  cpu-map 0 1\n", "values must be between 1 and 64");
	expect_error("backend b\n  errorfile 999 /x\n", "'errorfile' must be between 100 and 599");
	expect_error("backend b\n  errorfile 418 /x\n", "status code 418 not handled");
	expect_error("frontend f\n  http-request deny deny_status 418\n", "status code 418");
	expect_error("frontend f\n  http-request return string hi\n",
		     "a content type must be defined");
	expect_error("frontend f\n  http-request return status 204 content-type t string x\n",
		     "no body expected for 204 responses");
	expect_error("frontend f\n  http-request return string a file b\n",
		     "unexpected 'file': 'string' already defined");
	expect_error("frontend f\n  http-request redirect location /x code 305\n",
		     "redirect code must be one of 301, 302, 303, 307 or 308");
	expect_error("frontend f\n  http-request set-header \"X Y\" z\n", "invalid header name");
	expect_error("frontend f\n  http-request set-header X %[nosuch]\n",
		     "invalid log-format string");
	expect_error("frontend f\n  log-format \"%{+Q}o %zz\"\n", "invalid log-format string");
	expect_error("frontend f\n  default_backend %[req.hdr(host)]\n",
		     "dynamic backend names");
	expect_error("frontend f\n  use_backend be_%[req.hdr(host)\n",
		     "missing ']' after '%[' in the backend name");
	expect_error("frontend f\n  use_backend %[req.hdrr(host)]\n",
		     "unknown fetch method 'req.hdrr'");
	expect_error("backend b\n  option forwardfor except 10.0.0.0/33\n", "invalid network");
	/* as HAProxy: HTTP variables in a TCP proxy's log-format are an error */
	expect_error("frontend f\n  bind :80\n  log-format \"%ci %HM\"\n",
		     "t.cfg:1:1: error: frontend 'f': log-format: format variable 'HM' is "
		     "reserved for HTTP mode");
}
END_TEST

START_TEST(test_err_finalize)
{
	expect_error("frontend f\n  bind :80\n  default_backend webz\nbackend webs\n",
		     "t.cfg:1:1: error: default_backend: unknown backend 'webz'; did you mean "
		     "'webs'?");
	expect_error("frontend f\n  bind :80\n  use_backend g\nfrontend g\n  bind :81\n",
		     "t.cfg:3:3: error: use_backend: 'g' is a frontend, not a backend");
	expect_error("backend a\nbackend a\n",
		     "t.cfg:2:1: error: backend 'a' has the same name as backend 'a' declared at "
		     "t.cfg:1");
	expect_error("listen a\n  bind :80\nbackend a\n",
		     "backend 'a' has the same name as listen 'a'");
	expect_error("backend b\n  server a 1.1.1.1:1\n  server a 1.1.1.2:1\n",
		     "t.cfg:3:3: error: server 'a' already defined in backend 'b' at t.cfg:2");
	expect_error("frontend f\n  mode http\n  bind :80\n  default_backend b\n"
		     "backend b\n  mode tcp\n",
		     "frontend 'f' (mode http) cannot use backend 'b' (mode tcp");
	expect_error("backend b\n  server a host.invalid:80\n",
		     "t.cfg:2:3: error: server 'a': cannot resolve 'host.invalid'");
	expect_error("frontend f\n  bind :80\n  errorfile 503 /nonexistent/503.http\n",
		     "t.cfg:3:17: error: errorfile 503: cannot open '/nonexistent/503.http'");
	expect_error("frontend f from nope\n", "unknown defaults section 'nope'");
	expect_error("defaults base\nfrontend f from bse\n",
		     "unknown defaults section 'bse' (it must be declared before); did you mean "
		     "'base'?");
}
END_TEST

/* Frontends and backends in one file are fine with the same name (different caps). */
START_TEST(test_same_name_fe_be)
{
	struct lb_cfg cfg;

	expect_ok(&cfg, "frontend www\n  bind :80\n  default_backend www\nbackend www\n", NULL);
	ck_assert_ptr_eq(cfg.proxies->default_be, cfg.proxies->next);
	ck_assert_ptr_eq(lb_cfg_find_proxy(&cfg, "www", LB_CAP_BE), cfg.proxies->next);
	ck_assert_ptr_eq(lb_cfg_find_proxy(&cfg, "www", LB_CAP_FE), cfg.proxies);
	ck_assert_ptr_null(lb_cfg_find_proxy(&cfg, "nope", LB_CAP_FE | LB_CAP_BE));
	lb_cfg_free(&cfg);
}
END_TEST

/* ---- the seed config ---- */

START_TEST(test_seed)
{
	static const char seed[] = "frontend http\n bind :80\n default_backend webs\nbackend webs\n"
				   " server w1 10.0.0.1:8080 check\n server w2 10.0.0.2:8080 "
				   "check\n";
	struct lb_cfg cfg;
	struct lb_cfg_proxy *fe, *be;
	char buf[64];

	expect_ok(&cfg, seed, NULL);
	fe = lb_cfg_find_proxy(&cfg, "http", LB_CAP_FE);
	be = lb_cfg_find_proxy(&cfg, "webs", LB_CAP_BE);
	ck_assert_ptr_nonnull(fe);
	ck_assert_ptr_nonnull(be);
	ck_assert_ptr_eq(fe->default_be, be);
	ck_assert_int_eq(be->nservers, 2);
	ck_assert_str_eq(be->servers->name, "w1");
	ck_assert_str_eq(addr_text(&be->servers->addr, buf, sizeof(buf)), "10.0.0.1:8080");
	ck_assert_str_eq(addr_text(&be->servers->next->addr, buf, sizeof(buf)), "10.0.0.2:8080");
	ck_assert_int_eq(be->servers->id, 1);
	ck_assert_int_eq(be->servers->next->id, 2);
	ck_assert_int_eq(be->servers->check, 1);
	ck_assert_int_eq(be->servers->weight, 1);
	ck_assert_int_eq(be->servers->inter, 2000);
	ck_assert_int_eq(be->servers->rise, 2);
	ck_assert_int_eq(be->servers->fall, 3);
	ck_assert_str_eq(addr_text(&fe->binds->addr, buf, sizeof(buf)), "0.0.0.0:80");
	ck_assert_int_eq(fe->mode, LB_MODE_TCP);
	ck_assert_str_eq(be->balance.algo, "roundrobin");
	ck_assert_int_eq(be->retries, 3);
	ck_assert_int_eq(be->http_reuse, LB_REUSE_SAFE);
	ck_assert_int_eq(be->http_conn_mode, LB_HTTP_CONN_KAL);
	ck_assert_ptr_nonnull(fe->log_format);
	ck_assert_int_eq(fe->id, 1);
	ck_assert_int_eq(be->id, 2);
	ck_assert(cfg.finalized);
	lb_cfg_free(&cfg);
}
END_TEST

/* ---- defaults ---- */

START_TEST(test_defaults_inheritance)
{
	struct lb_cfg cfg;
	struct lb_cfg_proxy *a, *b, *c, *d;

	expect_ok(&cfg,
		  "defaults\n  mode http\n  timeout client 10s\n  timeout connect 3s\n"
		  "  retries 5\n  option redispatch\n  log stderr local0\n  option httplog\n"
		  "frontend a\n  bind :80\n  timeout client 20s\n  default_backend b\n"
		  "backend b\n  no option redispatch\n"
		  "defaults\n  timeout connect 1s\n"
		  "backend c\n"
		  "defaults named\n  mode http\n  retries 7\n"
		  "defaults\n  retries 9\n"
		  "backend d from named\n", NULL);
	a = lb_cfg_find_proxy(&cfg, "a", LB_CAP_FE);
	b = lb_cfg_find_proxy(&cfg, "b", LB_CAP_BE);
	c = lb_cfg_find_proxy(&cfg, "c", LB_CAP_BE);
	d = lb_cfg_find_proxy(&cfg, "d", LB_CAP_BE);
	ck_assert_int_eq(a->mode, LB_MODE_HTTP);
	ck_assert_int_eq(a->timeouts[LB_TO_CLIENT], 20000);	/* own value wins */
	ck_assert_int_eq(a->timeouts[LB_TO_CONNECT], 3000);	/* inherited */
	ck_assert_int_eq(a->httplog, 1);
	ck_assert_ptr_nonnull(a->logs);
	ck_assert_int_eq(a->logs->kind, LB_LOG_STDERR);
	ck_assert_int_eq(b->retries, 5);
	ck_assert_int_eq(b->redispatch, 0);			/* "no option" beats defaults */
	/* a later unnamed defaults section replaces the previous one entirely */
	ck_assert_int_eq(c->timeouts[LB_TO_CONNECT], 1000);
	ck_assert_int_eq(c->mode, LB_MODE_TCP);
	ck_assert_int_eq(c->retries, 3);
	ck_assert_int_eq(c->redispatch, 0);
	/* "from" picks the named section, not the last one */
	ck_assert_int_eq(d->retries, 7);
	ck_assert_int_eq(d->mode, LB_MODE_HTTP);
	ck_assert_str_eq(d->defaults_name, "named");
	lb_cfg_free(&cfg);
}
END_TEST

START_TEST(test_defaults_chain_and_logs)
{
	struct lb_cfg cfg;
	struct lb_cfg_proxy *f, *g, *h;

	expect_ok(&cfg,
		  "global\n  log stderr format raw local0\n"
		  "defaults base\n  mode http\n  log global\n  timeout client 4s\n"
		  "defaults child from base\n  timeout client 5s\n  option tcplog\n"
		  "frontend f from child\n  bind :1\n  log stdout local1\n"
		  "frontend g from child\n  bind :2\n  no log\n"
		  "frontend h from base\n  bind :3\n  log-format \"%ci\"\n", NULL);
	f = lb_cfg_find_proxy(&cfg, "f", LB_CAP_FE);
	g = lb_cfg_find_proxy(&cfg, "g", LB_CAP_FE);
	h = lb_cfg_find_proxy(&cfg, "h", LB_CAP_FE);
	ck_assert_int_eq(f->mode, LB_MODE_HTTP);
	ck_assert_int_eq(f->timeouts[LB_TO_CLIENT], 5000);
	ck_assert_int_eq(f->tcplog, 1);
	ck_assert_int_eq(f->httplog, 0);
	/* defaults' "log global" first, then the proxy's own target */
	ck_assert(f->logs && f->logs->global);
	ck_assert(f->logs->next && f->logs->next->kind == LB_LOG_STDOUT);
	ck_assert_ptr_null(f->logs->next->next);
	ck_assert_int_eq(f->logs->next->facility, 17);
	ck_assert(g->no_log);
	ck_assert_ptr_null(g->logs);
	ck_assert_str_eq(h->log_format_src, "%ci");
	ck_assert_int_eq(h->tcplog, 0);
	ck_assert_int_eq(h->timeouts[LB_TO_CLIENT], 4000);
	ck_assert_int_eq(cfg.global.logs->format, LB_LOGF_RAW);
	lb_cfg_free(&cfg);
}
END_TEST

START_TEST(test_default_server)
{
	struct lb_cfg cfg;
	struct lb_cfg_proxy *b;
	struct lb_cfg_server *s1, *s2;

	expect_ok(&cfg,
		  "defaults\n  default-server inter 3s fall 5\n"
		  "backend b\n  default-server weight 10 check maxconn 100\n"
		  "  server s1 127.0.0.1:1\n"
		  "  server s2 127.0.0.1:2 weight 20 no-check inter 1s rise 4 backup\n", NULL);
	b = lb_cfg_find_proxy(&cfg, "b", LB_CAP_BE);
	s1 = b->servers;
	s2 = s1->next;
	ck_assert_int_eq(s1->weight, 10);
	ck_assert_int_eq(s1->check, 1);
	ck_assert_int_eq(s1->maxconn, 100);
	ck_assert_int_eq(s1->inter, 3000);
	ck_assert_int_eq(s1->fastinter, 3000);
	ck_assert_int_eq(s1->fall, 5);
	ck_assert_int_eq(s1->rise, 2);
	ck_assert_int_eq(s1->backup, 0);
	ck_assert_int_eq(s2->weight, 20);
	ck_assert_int_eq(s2->check, 0);
	ck_assert_int_eq(s2->inter, 1000);
	ck_assert_int_eq(s2->downinter, 1000);
	ck_assert_int_eq(s2->rise, 4);
	ck_assert_int_eq(s2->fall, 5);
	ck_assert_int_eq(s2->backup, 1);
	ck_assert_int_eq(s2->maxqueue, 0);
	lb_cfg_free(&cfg);
}
END_TEST

/* ---- addresses ---- */

START_TEST(test_bind_addresses)
{
	struct lb_cfg cfg;
	struct lb_cfg_bind *b;
	char buf[128];
	const char *expect[] = {
		"0.0.0.0:80", "0.0.0.0:81", "127.0.0.1:8080", "[::]:80", "[::1]:8443", "[::]:82",
		"0.0.0.0:9000", "0.0.0.0:9001", "0.0.0.0:9002", "unix@/tmp/lb.sock", "[::1]:90",
		"0.0.0.0:91",
	};
	size_t i = 0;

	expect_ok(&cfg,
		  "frontend f\n  bind :80\n  bind *:81\n  bind 127.0.0.1:8080 name local\n"
		  "  bind :::80 v6only\n  bind [::1]:8443 accept-proxy maxconn 10\n"
		  "  bind ipv6@:82\n  bind :9000-9002\n  bind unix@/tmp/lb.sock\n"
		  "  bind [::1]:90,:91\n", NULL);
	for (b = cfg.proxies->binds; b; b = b->next, i++) {
		ck_assert_uint_lt(i, LB_ARRAY_SIZE(expect));
		ck_assert_str_eq(addr_text(&b->addr, buf, sizeof(buf)), expect[i]);
	}
	ck_assert_uint_eq(i, LB_ARRAY_SIZE(expect));
	b = cfg.proxies->binds->next->next;
	ck_assert_str_eq(b->name, "local");
	ck_assert(b->next->v6only);
	ck_assert(b->next->next->accept_proxy);
	ck_assert_int_eq(b->next->next->maxconn, 10);
	ck_assert_int_eq(b->maxconn, -1);
	ck_assert_str_eq(b->next->next->next->next->next->spec, ":9001");
	lb_cfg_free(&cfg);
}
END_TEST

START_TEST(test_server_addresses)
{
	struct lb_cfg cfg;
	struct lb_cfg_server *s;
	char buf[128];

	expect_ok(&cfg,
		  "backend b\n  server a [::1]:80\n  server b localhost:81\n"
		  "  server c unix@/run/app.sock\n  server d ipv4@127.0.0.1:82 port 9 addr ::1\n",
		  NULL);
	s = cfg.proxies->servers;
	ck_assert_str_eq(addr_text(&s->addr, buf, sizeof(buf)), "[::1]:80");
	s = s->next;
	ck_assert(s->addr.ss.ss_family == AF_INET || s->addr.ss.ss_family == AF_INET6);
	ck_assert_str_eq(s->addr_spec, "localhost:81");
	s = s->next;
	ck_assert_str_eq(addr_text(&s->addr, buf, sizeof(buf)), "unix@/run/app.sock");
	s = s->next;
	ck_assert_str_eq(addr_text(&s->addr, buf, sizeof(buf)), "127.0.0.1:82");
	ck_assert_int_eq(s->check_port, 9);
	ck_assert_str_eq(s->check_addr, "::1");
	lb_cfg_free(&cfg);
}
END_TEST

START_TEST(test_log_targets)
{
	struct lb_cfg cfg;
	struct lb_cfg_log *l;
	char buf[128];

	expect_ok(&cfg,
		  "global\n  log stderr local0\n  log stdout format short local1 info\n"
		  "  log file@/var/log/lbd.log local2\n  log /dev/log local3 notice err\n"
		  "  log unix@/dev/log len 2048 daemon\n  log 10.1.2.3 local4\n"
		  "  log udp@[::1]:1514 format rfc5424 user\n", NULL);
	l = cfg.global.logs;
	ck_assert_int_eq(l->kind, LB_LOG_STDERR);
	ck_assert_int_eq(l->facility, 16);
	ck_assert_int_eq(l->level, 7);
	ck_assert_int_eq(l->minlevel, 0);
	ck_assert_int_eq(l->maxlen, 1024);
	ck_assert_int_eq(l->format, LB_LOGF_RFC3164);
	l = l->next;
	ck_assert_int_eq(l->kind, LB_LOG_STDOUT);
	ck_assert_int_eq(l->format, LB_LOGF_SHORT);
	ck_assert_int_eq(l->level, 6);
	l = l->next;
	ck_assert_int_eq(l->kind, LB_LOG_FILE);
	ck_assert_str_eq(l->path, "/var/log/lbd.log");
	l = l->next;
	ck_assert_int_eq(l->kind, LB_LOG_UNIX);
	ck_assert_str_eq(l->path, "/dev/log");
	ck_assert_int_eq(l->level, 5);
	ck_assert_int_eq(l->minlevel, 3);
	l = l->next;
	ck_assert_int_eq(l->kind, LB_LOG_UNIX);
	ck_assert_int_eq(l->maxlen, 2048);
	ck_assert_int_eq(l->facility, 3);
	l = l->next;
	ck_assert_int_eq(l->kind, LB_LOG_UDP);
	ck_assert_str_eq(addr_text(&l->addr, buf, sizeof(buf)), "10.1.2.3:514");
	l = l->next;
	ck_assert_str_eq(addr_text(&l->addr, buf, sizeof(buf)), "[::1]:1514");
	ck_assert_int_eq(l->format, LB_LOGF_RFC5424);
	lb_cfg_free(&cfg);
}
END_TEST

START_TEST(test_global)
{
	struct lb_cfg cfg;
	struct lb_cfg_global *g;

	expect_ok(&cfg,
		  "global\n  daemon\n  pidfile /run/lbd.pid\n  nbthread 4\n  maxconn 5000\n"
		  "  cpu-map auto:1-4 0-3\n  cpu-map 1 0,2 5-6\n  user lb\n  group lb\n"
		  "  chroot /var/empty\n  hard-stop-after 30s\n  tune.bufsize 32k\n"
		  "  tune.http.maxhdr 200\n"
		  "  stats socket /run/lb.sock mode 660 user lb group adm level admin\n"
		  "  stats socket unix@/run/lb2.sock\n", NULL);
	g = &cfg.global;
	ck_assert(g->daemon);
	ck_assert_str_eq(g->pidfile, "/run/lbd.pid");
	ck_assert_int_eq(g->nbthread, 4);
	ck_assert_int_eq(g->maxconn, 5000);
	ck_assert(g->cpu_maps->auto_spread);
	ck_assert_uint_eq(g->cpu_maps->threads, 0xf);
	ck_assert_uint_eq(g->cpu_maps->cpus, 0xf);
	ck_assert_uint_eq(g->cpu_maps->next->threads, 1);
	ck_assert_uint_eq(g->cpu_maps->next->cpus, 0x65);
	ck_assert_str_eq(g->user, "lb");
	ck_assert_str_eq(g->chroot, "/var/empty");
	ck_assert_int_eq(g->hard_stop_after, 30000);
	ck_assert_int_eq(g->tune_bufsize, 32768);
	ck_assert_int_eq(g->tune_maxhdr, 200);
	ck_assert_str_eq(g->stats_sockets->path, "/run/lb.sock");
	ck_assert_int_eq(g->stats_sockets->mode, 0660);
	ck_assert_str_eq(g->stats_sockets->group, "adm");
	ck_assert_int_eq(g->stats_sockets->level, LB_CTL_LEVEL_ADMIN);
	ck_assert_str_eq(g->stats_sockets->next->path, "/run/lb2.sock");
	ck_assert_int_eq(g->stats_sockets->next->level, LB_CTL_LEVEL_OPERATOR);
	ck_assert_int_eq(g->stats_sockets->next->mode, -1);
	lb_cfg_free(&cfg);
}
END_TEST

/* ---- proxies and rules ---- */

START_TEST(test_proxy_keywords)
{
	struct lb_cfg cfg;
	struct lb_cfg_proxy *l;

	expect_ok(&cfg,
		  "listen l\n  mode http\n  bind :80\n  maxconn 100\n  fullconn 50\n"
		  "  balance uri len 10 depth 2 whole\n  hash-type consistent\n"
		  "  option forwardfor except 10.0.0.0/8 header X-Real-IP if-none\n"
		  "  option http-server-close\n  http-reuse aggressive\n  option allbackups\n"
		  "  option dontlognull\n  option httplog clf\n"
		  "  timeout client 1s\n  timeout server 2s\n  timeout connect 3s\n"
		  "  timeout http-request 4s\n  timeout http-keep-alive 5s\n  timeout queue 6s\n"
		  "  timeout tunnel 1h\n  timeout client-fin 7s\n  timeout server-fin 8s\n"
		  "  timeout check 9s\n  server s 127.0.0.1:1\n", NULL);
	l = cfg.proxies;
	ck_assert_int_eq(l->caps, LB_CAP_FE | LB_CAP_BE);
	ck_assert_int_eq(l->maxconn, 100);
	ck_assert_int_eq(l->fullconn, 50);
	ck_assert_str_eq(l->balance.algo, "uri");
	ck_assert_int_eq(l->balance.uri_len, 10);
	ck_assert_int_eq(l->balance.uri_depth, 2);
	ck_assert(l->balance.uri_whole);
	ck_assert_int_eq(l->balance.hash_type, LB_HASH_CONSISTENT);
	ck_assert_int_eq(l->forwardfor.enabled, 1);
	ck_assert_str_eq(l->forwardfor.header, "X-Real-IP");
	ck_assert(l->forwardfor.if_none && l->forwardfor.has_except);
	ck_assert_int_eq(l->forwardfor.except_prefix, 8);
	ck_assert_int_eq(l->http_conn_mode, LB_HTTP_CONN_SCL);
	ck_assert_int_eq(l->http_reuse, LB_REUSE_AGGRESSIVE);
	ck_assert_int_eq(l->allbackups, 1);
	ck_assert_int_eq(l->dontlognull, 1);
	ck_assert_int_eq(l->httplog_clf, 1);
	ck_assert_int_eq(l->timeouts[LB_TO_TUNNEL], 3600000);
	ck_assert_int_eq(l->timeouts[LB_TO_CHECK], 9000);
	ck_assert_int_eq(l->timeouts[LB_TO_SERVER_FIN], 8000);
	ck_assert_ptr_null(l->default_be);
	lb_cfg_free(&cfg);

	expect_ok(&cfg, "backend b\n  mode http\n  balance hdr(Host)\n", NULL);
	ck_assert_str_eq(cfg.proxies->balance.algo, "hdr");
	ck_assert_str_eq(cfg.proxies->balance.arg, "Host");
	lb_cfg_free(&cfg);
	expect_ok(&cfg, "backend b\n  mode http\n  balance url_param id\n", NULL);
	ck_assert_str_eq(cfg.proxies->balance.arg, "id");
	lb_cfg_free(&cfg);
	expect_ok(&cfg, "backend b\n  balance random(3)\nbackend c\n  balance random\n", NULL);
	ck_assert_int_eq(cfg.proxies->balance.random_draws, 3);
	ck_assert_int_eq(cfg.proxies->next->balance.random_draws, 2);
	lb_cfg_free(&cfg);
}
END_TEST

START_TEST(test_http_rules)
{
	struct lb_cfg cfg;
	struct lb_cfg_http_rule *r;

	expect_ok(&cfg,
		  "frontend f\n  mode http\n  bind :80\n"
		  "  http-request set-header X-Id \"%[req.hdr(host)] x\"\n"
		  "  http-request add-header X-Two two\n  http-request del-header X-Three\n"
		  "  http-request deny deny_status 429\n"
		  "  http-request return status 404 content-type text/plain lf-string \"no %HM\" "
		  "hdr X-A \"%ci\" hdr content-length 3\n"
		  "  http-request redirect scheme https code 301 drop-query\n"
		  "  http-request redirect location \"/x%[req.hdr(host)]\" clear-cookie SID=\n"
		  "  http-response set-header Server lb\n", "always ignored by the http reply");
	r = cfg.proxies->http_req_rules;
	ck_assert_int_eq(r->act, LB_ACT_SET_HEADER);
	ck_assert_str_eq(r->name, "X-Id");
	ck_assert_ptr_nonnull(r->value);
	r = r->next;
	ck_assert_int_eq(r->act, LB_ACT_ADD_HEADER);
	ck_assert(lb_logfmt_is_const(r->value));
	r = r->next;
	ck_assert_int_eq(r->act, LB_ACT_DEL_HEADER);
	ck_assert_ptr_null(r->value);
	r = r->next;
	ck_assert_int_eq(r->act, LB_ACT_DENY);
	ck_assert_int_eq(r->status, 429);
	r = r->next;
	ck_assert_int_eq(r->act, LB_ACT_RETURN);
	ck_assert_int_eq(r->status, 404);
	ck_assert_str_eq(r->content_type, "text/plain");
	ck_assert_int_eq(r->body_kind, 2);
	ck_assert_ptr_nonnull(r->body_fmt);
	ck_assert_str_eq(r->hdrs->name, "X-A");
	ck_assert_ptr_nonnull(r->hdrs->value);
	ck_assert_ptr_null(r->hdrs->next);
	r = r->next;
	ck_assert_int_eq(r->act, LB_ACT_REDIRECT);
	ck_assert_int_eq(r->redir_type, LB_REDIR_SCHEME);
	ck_assert_str_eq(r->redir_target, "https");
	ck_assert_int_eq(r->status, 301);
	ck_assert(r->redir_drop_query);
	r = r->next;
	ck_assert_int_eq(r->redir_type, LB_REDIR_LOCATION);
	ck_assert_ptr_nonnull(r->redir_fmt);
	ck_assert_str_eq(r->redir_set_cookie, "SID=");
	ck_assert(r->redir_clear_cookie);
	ck_assert_int_eq(r->status, -1);
	ck_assert_ptr_null(r->next);
	ck_assert_int_eq(cfg.proxies->http_res_rules->act, LB_ACT_SET_HEADER);
	lb_cfg_free(&cfg);
}
END_TEST

START_TEST(test_files)
{
	char dir[] = "/tmp/lbcfgtestXXXXXX", ef[128], body[128], text[1024];
	struct lb_cfg cfg;
	struct lb_cfg_proxy *px;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(ef, sizeof(ef), "%s/503.http", dir);
	snprintf(body, sizeof(body), "%s/body.txt", dir);
	f = fopen(ef, "w");
	fputs("HTTP/1.0 503 Service Unavailable\nCache-Control: no-cache\nConnection: close\n"
	      "\n<h1>down</h1>\n", f);
	fclose(f);
	f = fopen(body, "w");
	fputs("hello\n", f);
	fclose(f);
	snprintf(text, sizeof(text),
		 "defaults\n  mode http\n  errorfile 503 %s\n"
		 "frontend f\n  bind :80\n  http-request return content-type text/plain file %s\n"
		 "backend b\n  errorfile 503 %s\n  http-request return status 503 errorfile %s\n",
		 ef, body, ef, ef);
	expect_ok(&cfg, text, NULL);
	px = cfg.proxies->next;
	ck_assert_ptr_nonnull(px->errorfiles);
	ck_assert_str_eq(px->errorfiles->data, "HTTP/1.0 503 Service Unavailable\r\n"
		 "Cache-Control: no-cache\r\nConnection: close\r\n\r\n<h1>down</h1>\n");
	ck_assert_uint_eq(px->errorfiles->len, strlen(px->errorfiles->data));
	ck_assert_str_eq(px->http_req_rules->body, "hello\n");
	ck_assert_uint_eq(px->http_req_rules->body_len, 6);
	px = px->next;
	ck_assert_ptr_nonnull(px->errorfiles);
	ck_assert_ptr_null(px->errorfiles->next);	/* own entry, not a second inherited one */
	ck_assert_ptr_nonnull(px->http_req_rules->body);
	lb_cfg_free(&cfg);

	/* not an HTTP response */
	snprintf(text, sizeof(text), "frontend f\n  bind :80\n  errorfile 503 %s\n", body);
	expect_error(text, "does not start with an HTTP/1.x status line");
	/* too large for the buffers */
	snprintf(text, sizeof(text), "global\n  tune.bufsize 1024\nfrontend f\n  bind :80\n"
		 "  errorfile 503 %s\n", ef);
	f = fopen(ef, "a");
	for (int i = 0; i < 200; i++)
		fputs("0123456789", f);
	fclose(f);
	expect_error(text, "exceeds the buffer size");
	unlink(ef);
	unlink(body);
	rmdir(dir);
}
END_TEST

/* HAProxy's warnings, and the fallbacks that come with them. */
START_TEST(test_mode_warnings)
{
	struct lb_cfg cfg;
	struct lb_cfg_proxy *f, *b;

	expect_ok(&cfg,
		  "defaults\n  option httplog\n  timeout client 1s\n  timeout connect 1s\n"
		  "  timeout server 1s\nfrontend f\n  bind :80\n  default_backend b\n"
		  "  http-request set-header X y\nbackend b\n  balance uri\n  server s 1.1.1.1:1\n",
		  "t.cfg:6:1: warning: 'option httplog' not usable with frontend 'f' (needs 'mode "
		  "http'). Falling back to 'option tcplog'.");
	f = cfg.proxies->next;
	b = f->next;
	ck_assert_int_eq(f->tcplog, 1);
	ck_assert_int_eq(f->httplog, 0);
	ck_assert_str_eq(b->balance.algo, "roundrobin");
	lb_cfg_free(&cfg);
	expect_ok(&cfg, "backend b\n  balance uri\n",
		  "t.cfg:2:3: warning: layer 7 hash not possible for backend 'b'");
	lb_cfg_free(&cfg);
	expect_ok(&cfg, "frontend f\n  bind :80\n  http-request deny\n",
		  "t.cfg:3:3: warning: 'http-request' rules ignored for frontend 'f'");
	lb_cfg_free(&cfg);
	expect_ok(&cfg, "frontend f\n  timeout client 1s\n",
		  "t.cfg:1:1: warning: frontend 'f' has no 'bind' directive");
	lb_cfg_free(&cfg);
	expect_ok(&cfg, "frontend f\n  bind :80\n",
		  "t.cfg:1:1: warning: missing timeouts for frontend 'f'");
	lb_cfg_free(&cfg);
	expect_ok(&cfg, "backend b\n  timeout connect 1s\n  timeout tunnel 1s\n"
		  "  server s 1.1.1.1:1\n", NULL);
	lb_cfg_free(&cfg);
	expect_ok(&cfg, "frontend f\n  mode http\n  bind :80\n  log-format \"%ci %HM\"\n", NULL);
	ck_assert_ptr_nonnull(cfg.proxies->log_format);
	lb_cfg_free(&cfg);
	expect_ok(&cfg, "defaults d\n  mode http\nbackend a from d\nbackend b\n",
		  "t.cfg:4:1: warning: defaults section 'd' (declared at t.cfg:1) is explicitly "
		  "referenced by another proxy and implicitly used here");
	lb_cfg_free(&cfg);
	expect_ok(&cfg, "defaults d\n  mode http\nbackend b\nbackend a from d\n",
		  "t.cfg:4:1: warning: defaults section 'd' (declared at t.cfg:1) is implicitly "
		  "referenced by another proxy and explicitly used here");
	lb_cfg_free(&cfg);
	expect_ok(&cfg, "frontend f\n  mode http\n  bind :80\n  http-request deny\n"
		  "  http-request set-header X y\n",
		  "t.cfg:5:3: warning: previous 'http-request' action is final and has no "
		  "condition attached, further entries are NOOP");
	lb_cfg_free(&cfg);
	expect_ok(&cfg, "frontend f\n  bind :80\n  default_backend b\nbackend b\n  mode http\n",
		  "lb forwards this traffic as tcp");
	lb_cfg_free(&cfg);
}
END_TEST

START_TEST(test_conn_modes)
{
	struct lb_cfg cfg;

	expect_ok(&cfg,
		  "defaults\n  option httpclose\nbackend a\nbackend b\n  no option httpclose\n"
		  "backend c\n  option http-keep-alive\n  option http-server-close\n", NULL);
	ck_assert_int_eq(cfg.proxies->next->http_conn_mode, LB_HTTP_CONN_CLO);
	ck_assert_int_eq(cfg.proxies->next->next->http_conn_mode, LB_HTTP_CONN_KAL);
	ck_assert_int_eq(cfg.proxies->next->next->next->http_conn_mode, LB_HTTP_CONN_SCL);
	lb_cfg_free(&cfg);
}
END_TEST

/* Several files make one configuration; each starts outside any section. */
START_TEST(test_two_files)
{
	struct lb_cfg cfg;
	struct lb_diag d;

	lb_diag_init(&d);
	lb_cfg_init(&cfg);
	ck_assert_int_eq(lb_cfg_parse_buffer(&cfg, "a.cfg", "defaults\n  mode http\n", 20, &d), 0);
	ck_assert_int_eq(lb_cfg_parse_buffer(&cfg, "b.cfg", "backend b\n", 10, &d), 0);
	ck_assert_int_eq(lb_cfg_parse_buffer(&cfg, "c.cfg", "  retries 3\n", 12, &d), -1);
	ck_assert_int_eq(lb_cfg_finalize(&cfg, &d), 0);
	ck_assert_int_eq(cfg.proxies->next->mode, LB_MODE_HTTP);
	ck_assert_str_eq(cfg.proxies->next->pos.file, "b.cfg");
	ck_assert_int_eq(cfg.nfiles, 3);
	ck_assert_int_eq(lb_cfg_parse_buffer(&cfg, "d.cfg", "", 0, &d), -1);
	lb_cfg_free(&cfg);
	lb_diag_free(&d);
}
END_TEST

START_TEST(test_parse_file)
{
	char path[] = "/tmp/lbcfgfileXXXXXX";
	int fd = mkstemp(path);
	struct lb_cfg cfg;
	struct lb_diag d;
	char *out;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "\xef\xbb\xbfglobal\r\n  nbthread 2\r\n", 25), 25);
	close(fd);
	lb_diag_init(&d);
	ck_assert_int_eq(lb_cfg_load(&cfg, path, &d), 0);
	ck_assert_int_eq(cfg.global.nbthread, 2);
	lb_cfg_free(&cfg);
	unlink(path);
	ck_assert_int_eq(lb_cfg_load(&cfg, path, &d), -1);
	out = diag_text(&d);
	ck_assert_ptr_nonnull(strstr(out, ": error: cannot open: No such file"));
	free(out);
	lb_cfg_free(&cfg);
	lb_diag_free(&d);
}
END_TEST

/* ---- diagnostics ---- */

START_TEST(test_diag_output)
{
	struct lb_diag d;
	struct lb_cfg_pos pos = { "a \"b\".cfg", 3, 7 };
	struct lb_cfg_pos noline = { "x.cfg", 0, 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	lb_diag_init(&d);
	lb_diag_add(&d, LB_DIAG_ERROR, &pos, "bad '%s'", "tab\there");
	lb_diag_add(&d, LB_DIAG_WARNING, NULL, "no position");
	lb_diag_add_rule(&d, LB_DIAG_NOTE, &noline, "style", "utf8 \xc3\xa9 and bad \xff");
	ck_assert_uint_eq(d.nerrors, 1);
	ck_assert_uint_eq(d.nwarnings, 1);
	f = open_memstream(&buf, &len);
	lb_diag_print(&d, f);
	fclose(f);
	ck_assert_str_eq(buf, "a \"b\".cfg:3:7: error: bad 'tab?here'\n"
			      "warning: no position\n"
			      "x.cfg: note: utf8 \xc3\xa9 and bad \xff [style]\n");
	free(buf);
	f = open_memstream(&buf, &len);
	lb_diag_print_json(&d, f);
	fclose(f);
	ck_assert_str_eq(buf,
		"[\n  {\"file\": \"a \\\"b\\\".cfg\", \"line\": 3, \"col\": 7, \"severity\": "
		"\"error\", \"message\": \"bad 'tab?here'\", \"rule\": null},\n"
		"  {\"file\": null, \"line\": 0, \"col\": 0, \"severity\": \"warning\", "
		"\"message\": \"no position\", \"rule\": null},\n"
		"  {\"file\": \"x.cfg\", \"line\": 0, \"col\": 0, \"severity\": \"note\", "
		"\"message\": \"utf8 \xc3\xa9 and bad \\ufffd\", \"rule\": \"style\"}\n]\n");
	free(buf);
	lb_diag_free(&d);
	f = open_memstream(&buf, &len);
	lb_diag_print_json(&d, f);
	fclose(f);
	ck_assert_str_eq(buf, "[]\n");
	free(buf);
}
END_TEST

START_TEST(test_diag_limits)
{
	struct lb_diag d;
	char big[4096];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	lb_diag_init(&d);
	for (int i = 0; i < LB_DIAG_MAX_ENTRIES + 5; i++)
		lb_diag_add(&d, LB_DIAG_ERROR, NULL, "%s", i ? "e" : big);
	ck_assert_uint_eq(d.n, LB_DIAG_MAX_ENTRIES);
	ck_assert_uint_eq(d.nerrors, LB_DIAG_MAX_ENTRIES + 5);
	ck_assert_uint_eq(strlen(d.v[0].msg), LB_DIAG_MAX_MSG);
	lb_diag_free(&d);
}
END_TEST

START_TEST(test_list_keywords)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	lb_cfg_list_keywords(f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "\nproxy     timeout connect "));
	ck_assert_ptr_nonnull(strstr(buf, "\nproxy     option redispatch "));
	ck_assert_ptr_nonnull(strstr(buf, "\nproxy     http-request set-header "));
	ck_assert_ptr_nonnull(strstr(buf, "global    daemon "));
	ck_assert_ptr_nonnull(strstr(buf, "\nserver    weight "));
	ck_assert_ptr_nonnull(strstr(buf, "\nbind      accept-proxy "));
	ck_assert_ptr_nonnull(strstr(buf, "\nbalance   roundrobin "));
	ck_assert_ptr_nonnull(strstr(buf, "\nglobal    stats socket "));
	free(buf);
}
END_TEST

/* Random input must never crash: bytes from a small alphabet that hits the tokenizer's
 * special characters and real keywords, a bounded number of rounds. */
START_TEST(test_garbage)
{
	static const char *const atoms[] = {
	    "global",
	    "defaults",
	    "frontend f",
	    "backend b",
	    "listen l",
	    "bind",
	    ":80",
	    "server",
	    "s",
	    "1.1.1.1:1",
	    "\"",
	    "'",
	    "\\",
	    "\\x",
	    "#",
	    "${",
	    "}",
	    "$",
	    "\n",
	    " ",
	    "\t",
	    "timeout",
	    "client",
	    "option",
	    "no",
	    "log",
	    "stderr",
	    "local0",
	    "http-request",
	    "return",
	    "hdr",
	    "%[",
	    "]",
	    "default-server",
	    "weight",
	    "balance",
	    "hdr(",
	    "random(",
	    "cpu-map",
	    "1-64",
	    "errorfile",
	    "503",
	    "mode",
	    "http",
	    "use_backend",
	    "if",
	    "\r",
	    "\xff",
	    "\0",
	    "from",
	    "[::1]",
	    "unix@",
	    "stats",
	    "socket",
	};
	unsigned seed = 12345;

	for (int round = 0; round < 3000; round++) {
		char buf[512];
		size_t len = 0;
		struct lb_cfg cfg;
		struct lb_diag d;

		while (len < sizeof(buf) - 32) {
			seed = seed * 1103515245 + 12345;
			const char *a = atoms[(seed >> 16) % LB_ARRAY_SIZE(atoms)];
			size_t al = a[0] ? strlen(a) : 1;
			memcpy(buf + len, a, al);
			len += al;
			if ((seed >> 8) % 7 == 0)
				buf[len++] = ' ';
		}
		lb_diag_init(&d);
		lb_cfg_init(&cfg);
		if (lb_cfg_parse_buffer(&cfg, "g.cfg", buf, len, &d) == 0)
			lb_cfg_finalize(&cfg, &d);
		lb_cfg_free(&cfg);
		lb_diag_free(&d);
	}
}
END_TEST

static Suite *
cfg_suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *tc = tcase_create("tokenizer");

	tcase_add_test(tc, test_tok_words_and_columns);
	tcase_add_test(tc, test_tok_quotes);
	tcase_add_test(tc, test_tok_escapes);
	tcase_add_test(tc, test_tok_comments);
	tcase_add_test(tc, test_tok_env);
	tcase_add_test(tc, test_tok_limits);
	tcase_add_test(tc, test_units);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_err_unknown_keyword);
	tcase_add_test(tc, test_err_wrong_section);
	tcase_add_test(tc, test_err_arity);
	tcase_add_test(tc, test_err_values);
	tcase_add_test(tc, test_err_finalize);
	suite_add_tcase(s, tc);

	tc = tcase_create("model");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_same_name_fe_be);
	tcase_add_test(tc, test_seed);
	tcase_add_test(tc, test_defaults_inheritance);
	tcase_add_test(tc, test_defaults_chain_and_logs);
	tcase_add_test(tc, test_default_server);
	tcase_add_test(tc, test_bind_addresses);
	tcase_add_test(tc, test_server_addresses);
	tcase_add_test(tc, test_log_targets);
	tcase_add_test(tc, test_global);
	tcase_add_test(tc, test_proxy_keywords);
	tcase_add_test(tc, test_http_rules);
	tcase_add_test(tc, test_files);
	tcase_add_test(tc, test_mode_warnings);
	tcase_add_test(tc, test_conn_modes);
	tcase_add_test(tc, test_two_files);
	tcase_add_test(tc, test_parse_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("diag");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_diag_output);
	tcase_add_test(tc, test_diag_limits);
	tcase_add_test(tc, test_list_keywords);
	tcase_add_test(tc, test_garbage);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cfg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

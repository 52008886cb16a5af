/* tests/unit/test_check.c: health-check keywords (cfg_check.c, cfg_server.c), check specs
 * (check_spec.c) and the reply parsers (check_reply.c) on byte strings */
#include <check.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "cfg.h"
#include "healthcheck.h"
#include "check_priv.h"
#include "diag.h"
#include "util.h"

#include "cfg_load.h"

/* ---- helpers ---- */

static const struct lb_cfg_proxy *
backend(const struct lb_cfg *cfg, const char *name)
{
	const struct lb_cfg_proxy *px = lb_cfg_find_proxy(cfg, name, LB_CAP_BE);

	ck_assert_ptr_nonnull(px);
	return px;
}

#define BE_HEAD "defaults\n  mode http\n  timeout connect 1s\n  timeout client 1s\n" \
		"  timeout server 1s\n"

/* ---- parsing ---- */

START_TEST(test_httpchk_options)
{
	struct lb_cfg cfg;
	const struct lb_cfg_proxy *be;
	const struct lb_cfg_chk_rule *r;

	expect_ok(&cfg, BE_HEAD "backend b\n  option httpchk GET /health HTTP/1.1\n"
		  "  http-check send hdr Host example.com body \"x=1\"\n"
		  "  http-check expect ! rstatus ^5\n"
		  "  http-check expect comment body-ok string ready\n"
		  "  http-check expect hdr name X-Ok value yes\n"
		  "  http-check disable-on-404\n"
		  "  server s 127.0.0.1:80 check\n", NULL);
	be = backend(&cfg, "b");
	ck_assert_int_eq(be->check.type, LB_CFG_CHK_HTTP);
	ck_assert_str_eq(be->check.http_meth, "GET");
	ck_assert_str_eq(be->check.http_uri, "/health");
	ck_assert_str_eq(be->check.http_ver, "HTTP/1.1");
	ck_assert_int_eq(be->check.disable_on_404, 1);
	r = be->check.http_rules;
	ck_assert_int_eq(r->act, LB_CHK_ACT_SEND);
	ck_assert_str_eq(r->hdrs->name, "Host");
	ck_assert_str_eq(r->hdrs->value_src, "example.com");
	ck_assert_str_eq(r->body, "x=1");
	r = r->next;
	ck_assert(r->neg);
	ck_assert_int_eq(r->match, LB_CHK_MATCH_RSTATUS);
	r = r->next;
	ck_assert_str_eq(r->comment, "body-ok");
	ck_assert_int_eq(r->match, LB_CHK_MATCH_STRING);
	r = r->next;
	ck_assert_int_eq(r->match, LB_CHK_MATCH_HDR);
	ck_assert_str_eq(r->pattern, "X-Ok");
	ck_assert_str_eq(r->hdr_value, "yes");
	ck_assert_ptr_null(r->next);
	lb_cfg_free(&cfg);

	expect_ok(&cfg, BE_HEAD "backend b\n  option httpchk /ping\n  server s 127.0.0.1:80\n", NULL);
	be = backend(&cfg, "b");
	ck_assert_ptr_null(be->check.http_meth);
	ck_assert_str_eq(be->check.http_uri, "/ping");
	lb_cfg_free(&cfg);
}
END_TEST

START_TEST(test_typed_options)
{
	struct lb_cfg cfg;
	const struct lb_cfg_proxy *be;

	expect_ok(&cfg, BE_HEAD "backend m\n  mode tcp\n  option mysql-check user hap post-41\n"
		  "  server s 127.0.0.1:3306 check\n"
		  "backend p\n  mode tcp\n  option pgsql-check user pg\n"
		  "  server s 127.0.0.1:5432 check\n"
		  "backend sm\n  mode tcp\n  option smtpchk ehlo example.org\n"
		  "  server s 127.0.0.1:25 check\n"
		  "backend last\n  mode tcp\n  option redis-check\n  option ldap-check\n"
		  "  server s 127.0.0.1:389 check\n", NULL);
	be = backend(&cfg, "m");
	ck_assert_int_eq(be->check.type, LB_CFG_CHK_MYSQL);
	ck_assert_str_eq(be->check.user, "hap");
	ck_assert(be->check.mysql_post41);
	be = backend(&cfg, "p");
	ck_assert_int_eq(be->check.type, LB_CFG_CHK_PGSQL);
	ck_assert_str_eq(be->check.user, "pg");
	be = backend(&cfg, "sm");
	ck_assert_str_eq(be->check.smtp_cmd, "EHLO");
	ck_assert_str_eq(be->check.smtp_domain, "example.org");
	be = backend(&cfg, "last");
	ck_assert_int_eq(be->check.type, LB_CFG_CHK_LDAP);	/* the last one wins */
	lb_cfg_free(&cfg);
}
END_TEST

START_TEST(test_tcp_check_rules)
{
	struct lb_cfg cfg;
	const struct lb_cfg_proxy *be;
	const struct lb_cfg_chk_rule *r;

	expect_ok(&cfg, BE_HEAD "backend b\n  mode tcp\n  option tcp-check\n"
		  "  tcp-check comment greet\n"
		  "  tcp-check connect port 6380 ssl sni db.example alpn h2,http/1.1\n"
		  "  tcp-check send PING\\r\\n\n"
		  "  tcp-check send-binary 0a0B\n"
		  "  tcp-check expect binary 2b504f4e47\n"
		  "  tcp-check expect !string ERR\n"
		  "  tcp-check expect rstring ^\\+(PONG|OK)\n"
		  "  server s 127.0.0.1:6379 check\n", NULL);
	be = backend(&cfg, "b");
	ck_assert_int_eq(be->check.type, LB_CFG_CHK_TCPCHECK);
	r = be->check.tcp_rules;
	ck_assert_int_eq(r->act, LB_CHK_ACT_COMMENT);
	r = r->next;
	ck_assert_int_eq(r->act, LB_CHK_ACT_CONNECT);
	ck_assert_int_eq(r->port, 6380);
	ck_assert(r->ssl);
	ck_assert_str_eq(r->sni, "db.example");
	ck_assert_str_eq(r->alpn, "h2,http/1.1");
	r = r->next;
	ck_assert_uint_eq(r->data_len, 6);
	ck_assert_mem_eq(r->data, "PING\r\n", 6);
	r = r->next;
	ck_assert_uint_eq(r->data_len, 2);
	ck_assert_mem_eq(r->data, "\x0a\x0b", 2);
	r = r->next;
	ck_assert_int_eq(r->match, LB_CHK_MATCH_BINARY);
	ck_assert_uint_eq(r->pattern_len, 5);
	ck_assert_mem_eq(r->pattern, "+PONG", 5);
	r = r->next;
	ck_assert(r->neg);
	ck_assert_str_eq(r->pattern, "ERR");
	r = r->next;
	ck_assert_int_eq(r->match, LB_CHK_MATCH_RSTRING);
	lb_cfg_free(&cfg);
}
END_TEST

START_TEST(test_server_keywords)
{
	struct lb_cfg cfg;
	const struct lb_cfg_server *s, *t;

	expect_ok(&cfg, BE_HEAD "backend b\n"
		  "  default-server check-ssl check-sni d.example slowstart 10s on-error mark-down\n"
		  "  server s 127.0.0.1:443 check check-alpn h2 agent-check agent-port 9999 "
		  "agent-addr 127.0.0.2 agent-send \"ping\\n\" agent-inter 5s observe layer7 "
		  "error-limit 5 on-marked-down shutdown-sessions "
		  "on-marked-up shutdown-backup-sessions\n"
		  "  server t 127.0.0.1:443 no-check-ssl inter 3s\n", NULL);
	s = backend(&cfg, "b")->servers;
	t = s->next;
	ck_assert_int_eq(s->check_ssl, 1);
	ck_assert_str_eq(s->check_sni, "d.example");
	ck_assert_str_eq(s->check_alpn, "h2");
	ck_assert_int_eq(s->agent_check, 1);
	ck_assert_int_eq(s->agent_port, 9999);
	ck_assert_str_eq(s->agent_addr, "127.0.0.2");
	ck_assert_uint_eq(s->agent_send_len, 5);
	ck_assert_str_eq(s->agent_send, "ping\n");
	ck_assert_int_eq(s->agent_inter, 5000);
	ck_assert_int_eq(s->slowstart, 10000);
	ck_assert_int_eq(s->observe, LB_OBSERVE_LAYER7);
	ck_assert_int_eq(s->error_limit, 5);
	ck_assert_int_eq(s->on_error, LB_ON_ERROR_MARK_DOWN);
	ck_assert_int_eq(s->on_marked_down, LB_ON_MARKED_DOWN_SHUTDOWN_SESSIONS);
	ck_assert_int_eq(s->on_marked_up, LB_ON_MARKED_UP_SHUTDOWN_BACKUP_SESSIONS);
	/* built-in defaults and default-server */
	ck_assert_int_eq(t->check_ssl, 0);
	ck_assert_int_eq(t->agent_check, 0);
	ck_assert_int_eq(t->agent_inter, 3000);	/* = inter */
	ck_assert_int_eq(t->error_limit, 10);
	ck_assert_int_eq(t->observe, LB_OBSERVE_NONE);
	ck_assert_int_eq(t->slowstart, 10000);
	lb_cfg_free(&cfg);
}
END_TEST

START_TEST(test_defaults_inherit)
{
	struct lb_cfg cfg;
	const struct lb_cfg_proxy *a, *b;

	expect_ok(&cfg, BE_HEAD "  option httpchk HEAD /alive\n  http-check expect status 204\n"
		  "  http-check disable-on-404\n"
		  "backend a\n  server s 127.0.0.1:80 check\n"
		  "backend b\n  mode tcp\n  option redis-check\n  server s 127.0.0.1:6379 check\n", NULL);
	a = backend(&cfg, "a");
	b = backend(&cfg, "b");
	ck_assert_int_eq(a->check.type, LB_CFG_CHK_HTTP);
	ck_assert_str_eq(a->check.http_meth, "HEAD");
	ck_assert_str_eq(a->check.http_rules->pattern, "204");
	ck_assert_int_eq(a->check.disable_on_404, 1);
	ck_assert_int_eq(b->check.type, LB_CFG_CHK_REDIS);
	ck_assert_ptr_null(b->check.http_meth);
	lb_cfg_free(&cfg);

	/* no check option anywhere: plain TCP connect */
	expect_ok(&cfg, BE_HEAD "backend c\n  server s 127.0.0.1:80 check\n", NULL);
	ck_assert_int_eq(backend(&cfg, "c")->check.type, LB_CFG_CHK_TCP);
	ck_assert_int_eq(backend(&cfg, "c")->check.disable_on_404, 0);
	lb_cfg_free(&cfg);
}
END_TEST

START_TEST(test_errors)
{
	expect_error(BE_HEAD "backend b\n  http-check expect stauts 200\n",
		     "t.cfg:7:21: error: unknown match 'stauts' for 'http-check expect' (expected "
		     "one of: status, rstatus, string, rstring, hdr); did you mean 'status'?");
	expect_error(BE_HEAD "backend b\n  tcp-check expect string\n",
		     "t.cfg:7:3: error: 'tcp-check expect' expects [comment <text>] [!] "
		     "string|rstring|binary <pattern>");
	expect_error(BE_HEAD "backend b\n  tcp-check expect ! string\n",
		     "'tcp-check expect string' expects <pattern>");
	expect_error(BE_HEAD "backend b\n  tcp-check expect binary 4g\n",
		     "t.cfg:7:27: error: invalid hexadecimal digit 'g' in '4g'");
	expect_error(BE_HEAD "backend b\n  tcp-check send-binary abc\n",
		     "'abc' is not an even number of hexadecimal digits");
	expect_error(BE_HEAD "backend b\n  tcp-check expect rstring (\n",
		     "invalid regular expression '('");
	expect_error(BE_HEAD "backend b\n  http-check expect status 20x\n",
		     "invalid status list '20x'");
	expect_error(BE_HEAD "backend b\n  tcp-check conect\n",
		     "unknown tcp-check rule 'conect' in 'backend' section; did you mean "
		     "'connect'?");
	expect_error(BE_HEAD "backend b\n  tcp-check send-lf x\n",
		     "'tcp-check send-lf' is not supported yet");
	expect_error(BE_HEAD "backend b\n  tcp-check connect port 0\n", "port");
	expect_error(BE_HEAD "backend b\n  tcp-check connect send-proxy\n",
		     "'tcp-check connect send-proxy' is not supported yet");
	expect_error(BE_HEAD "backend b\n  http-check expect min-recv 10 status 200\n",
		     "'http-check expect min-recv' is not supported yet");
	expect_error(BE_HEAD "backend b\n  http-check send meth \"G T\"\n",
		     "invalid HTTP method 'G T'");
	expect_error(BE_HEAD "backend b\n  option pgsql-check\n",
		     "'option pgsql-check' expects user <username>");
	expect_error(BE_HEAD "backend b\n  option mysql-check user\n",
		     "'option mysql-check user' expects <username>");
	expect_error(BE_HEAD "backend b\n  option mysql-check user u post-42\n",
		     "unexpected argument 'post-42' for 'option mysql-check'");
	expect_error(BE_HEAD "backend b\n  option smtpchk HELLO x\n",
		     "invalid verb 'HELLO' for 'option smtpchk'");
	expect_error(BE_HEAD "backend b\n  option redis-chek\n", "did you mean 'redis-check'?");
	expect_error(BE_HEAD "frontend f\n  bind :80\n  option httpchk\n",
		     "'option httpchk' is not allowed in a 'frontend' section");
	expect_error(BE_HEAD "backend b\n  server s 127.0.0.1:80 agent-check\n",
		     "server 's': 'agent-check' needs 'agent-port <port>'");
	expect_error(BE_HEAD "backend b\n  server s 127.0.0.1:80 agent-addr localhost\n",
		     "'agent-addr' expects a numeric IPv4 or IPv6 address, got 'localhost'");
	expect_error(BE_HEAD "backend b\n  server s 127.0.0.1:80 observe layer5\n",
		     "invalid value 'layer5' for 'observe' (expected one of: none, layer4, "
		     "layer7); did you mean 'layer4'?");
	expect_error(BE_HEAD "backend b\n  server s 127.0.0.1:80 on-error fastinterr\n",
		     "did you mean 'fastinter'?");
	expect_error(BE_HEAD "backend b\n  server s 127.0.0.1:80 agent-prot 1\n",
		     "unknown server option 'agent-prot'; did you mean 'agent-port'?");
	expect_error(BE_HEAD "backend b\n  server s 127.0.0.1:80 check-sni\n",
		     "server option 'check-sni' expects <name>");
}
END_TEST

/* ---- specs ---- */

START_TEST(test_specs)
{
	struct lb_cfg cfg;
	const struct lb_cfg_proxy *be;
	struct lb_check_spec *spec;
	char *err;

	expect_ok(&cfg, BE_HEAD "  timeout check 3s\nbackend b\n  option httpchk\n"
		  "  server s 127.0.0.1:80 check port 8080 inter 5s check-ssl agent-check "
		  "agent-port 7000\n"
		  "  server u 127.0.0.1:80 check addr 127.0.0.9\n", NULL);
	be = backend(&cfg, "b");
	spec = lb_check_spec_new(be, be->servers, LB_CHECK_HEALTH, &err);
	ck_assert_ptr_nonnull(spec);
	ck_assert_str_eq(lb_check_spec_type(spec), "http");
	ck_assert_str_eq(lb_check_spec_describe(spec), "http+tls");
	ck_assert_int_eq(lb_check_spec_connect_timeout(spec), 1000);	/* timeout connect */
	ck_assert_int_eq(lb_check_spec_read_timeout(spec), 3000);	/* timeout check */
	{
		char a[64];
		lb_addr_format((const struct sockaddr *)&lb_check_spec_target(spec)->ss, a,
			       sizeof(a));
		ck_assert_str_eq(a, "127.0.0.1:8080");
	}
	lb_check_spec_free(spec);
	spec = lb_check_spec_new(be, be->servers, LB_CHECK_AGENT, &err);
	ck_assert_ptr_nonnull(spec);
	ck_assert_str_eq(lb_check_spec_describe(spec), "agent");
	{
		char a[64];
		lb_addr_format((const struct sockaddr *)&lb_check_spec_target(spec)->ss, a,
			       sizeof(a));
		ck_assert_str_eq(a, "127.0.0.1:7000");
	}
	lb_check_spec_free(spec);
	spec = lb_check_spec_new(be, be->servers->next, LB_CHECK_HEALTH, &err);
	{
		char a[64];
		lb_addr_format((const struct sockaddr *)&lb_check_spec_target(spec)->ss, a,
			       sizeof(a));
		ck_assert_str_eq(a, "127.0.0.9:80");
	}
	lb_check_spec_free(spec);
	lb_cfg_free(&cfg);

	/* without timeout check, inter bounds the whole probe */
	expect_ok(&cfg, BE_HEAD "backend b\n  server s 127.0.0.1:80 check inter 700ms\n", NULL);
	be = backend(&cfg, "b");
	spec = lb_check_spec_new(be, be->servers, LB_CHECK_HEALTH, &err);
	ck_assert_str_eq(lb_check_spec_describe(spec), "tcp");
	ck_assert_int_eq(lb_check_spec_connect_timeout(spec), 700);
	ck_assert_int_eq(lb_check_spec_read_timeout(spec), 700);
	lb_check_spec_free(spec);
	lb_cfg_free(&cfg);

	for (const struct lb_check_type *t = lb_check_types; t->name; t++)
		ck_assert_ptr_eq(lb_check_type_find(t->name), t);
	ck_assert_ptr_null(lb_check_type_find("grpc"));
}
END_TEST

START_TEST(test_status_names)
{
	ck_assert_str_eq(lb_check_status_name(LB_CHK_L4CON), "L4CON");
	ck_assert_str_eq(lb_check_status_desc(LB_CHK_L4CON), "Layer4 connection problem");
	ck_assert_str_eq(lb_check_status_desc(LB_CHK_L7OKC), "Layer7 check conditionally passed");
	ck_assert(lb_check_status_ok(LB_CHK_L7OKC));
	ck_assert(lb_check_status_ok(LB_CHK_L6OK));
	ck_assert(!lb_check_status_ok(LB_CHK_L7STS));
	ck_assert(!lb_check_status_ok(LB_CHK_SOCKERR));
	ck_assert_int_eq(lb_check_status_from_name("l7tout"), LB_CHK_L7TOUT);
	ck_assert_int_eq(lb_check_status_from_name("nope"), -1);
}
END_TEST

/* ---- reply parsers ---- */

static struct chk_step step0;

static enum chk_rc
run_fn(chk_expect_fn fn, const char *bytes, size_t len, bool eof, struct lb_check_result *res)
{
	char *copy = malloc(len + 1);
	enum chk_rc rc;

	memcpy(copy, bytes, len);
	copy[len] = '\0';
	memset(res, 0, sizeof(*res));
	res->code = -1;
	rc = fn(&step0, copy, len, eof, res);
	free(copy);
	return rc;
}

#define RUN(fn, s, eof, res) run_fn(fn, s, sizeof(s) - 1, eof, res)

START_TEST(test_agent_words)
{
	struct lb_agent_reply a;
	char err[96];

	ck_assert_int_eq(lb_agent_reply_parse("75%\n", 4, &a, err, sizeof(err)), 0);
	ck_assert(a.has_weight && a.weight_pct && a.weight == 75);
	ck_assert_int_eq(lb_agent_reply_parse("weight:20, maxconn:30 drain", 27, &a, err,
					      sizeof(err)), 0);
	ck_assert(a.has_weight && !a.weight_pct && a.weight == 20);
	ck_assert(a.has_maxconn && a.maxconn == 30);
	ck_assert_int_eq(a.admin, LB_AGENT_ADMIN_DRAIN);
	ck_assert_int_eq(lb_agent_reply_parse("weight:50%\tREADY up\r\n", 22, &a, err,
					      sizeof(err)), 0);
	ck_assert(a.weight_pct && a.weight == 50);
	ck_assert_int_eq(a.admin, LB_AGENT_ADMIN_READY);
	ck_assert_int_eq(a.health, LB_AGENT_HEALTH_UP);
	ck_assert_int_eq(lb_agent_reply_parse("maint down#disk full", 20, &a, err, sizeof(err)),
			 0);
	ck_assert_int_eq(a.admin, LB_AGENT_ADMIN_MAINT);
	ck_assert_int_eq(a.health, LB_AGENT_HEALTH_DOWN);
	ck_assert_str_eq(a.reason, "disk full");
	ck_assert_int_eq(lb_agent_reply_parse("stopped", 7, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(a.health, LB_AGENT_HEALTH_STOPPED);
	ck_assert_int_eq(lb_agent_reply_parse("fail#x", 6, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(a.health, LB_AGENT_HEALTH_FAIL);
	ck_assert_int_eq(lb_agent_reply_parse("banana", 6, &a, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "unknown agent word 'banana'");
	ck_assert_int_eq(lb_agent_reply_parse("weight:x", 8, &a, err, sizeof(err)), -1);
	ck_assert_int_eq(lb_agent_reply_parse("300", 3, &a, err, sizeof(err)), -1);
	ck_assert_int_eq(lb_agent_reply_parse("maxconn:", 8, &a, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_agent_expect)
{
	struct lb_check_result r;

	ck_assert_int_eq(RUN(chk_expect_agent, "50%", false, &r), CHK_MORE);
	ck_assert_int_eq(RUN(chk_expect_agent, "50%", true, &r), CHK_PASS);
	ck_assert(r.has_agent && r.agent.weight == 50);
	ck_assert_int_eq(RUN(chk_expect_agent, "down#maintenance\n", false, &r), CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7STS);
	ck_assert(r.has_agent);
	ck_assert_str_eq(r.agent.reason, "maintenance");
	ck_assert_int_eq(RUN(chk_expect_agent, "\n", false, &r), CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7RSP);
	ck_assert_int_eq(RUN(chk_expect_agent, "", true, &r), CHK_FAIL);
	ck_assert_str_eq(r.reason, "agent closed without a reply");
	ck_assert_int_eq(RUN(chk_expect_agent, "\x01\x02garbage\n", false, &r), CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7RSP);
}
END_TEST

START_TEST(test_http_parse)
{
	struct chk_http_resp h;
	char err[96];
	const char *v;
	size_t vl;
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  b \r\n\r\nhello";

	ck_assert_int_eq(chk_http_parse(ok, sizeof(ok) - 1, false, &h, err, sizeof(err)),
			 CHK_PASS);
	ck_assert_int_eq(h.status, 200);
	ck_assert(h.complete);
	ck_assert_uint_eq(h.body_len, 5);
	v = chk_http_header(&h, "x-a", &vl);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(vl, 1);
	ck_assert_int_eq(chk_http_parse(ok, 20, false, &h, err, sizeof(err)), CHK_MORE);
	ck_assert_int_eq(chk_http_parse(ok, 20, true, &h, err, sizeof(err)), CHK_FAIL);
	ck_assert_int_eq(chk_http_parse(ok, sizeof(ok) - 3, false, &h, err, sizeof(err)),
			 CHK_PASS);
	ck_assert(!h.complete);
	ck_assert_int_eq(chk_http_parse("SSH-2.0-x\r\n", 11, false, &h, err, sizeof(err)),
			 CHK_FAIL);
	ck_assert_str_eq(err, "not an HTTP response: 'SSH-2.0-x..'");
	ck_assert_int_eq(chk_http_parse("HTTP/1.1 2x0 OK\r\n\r\n", 19, false, &h, err,
					sizeof(err)), CHK_FAIL);
	ck_assert_int_eq(chk_http_parse("HTTP/1.0 503\n\n", 14, false, &h, err, sizeof(err)),
			 CHK_PASS);
	ck_assert_int_eq(h.status, 503);
	ck_assert_int_eq(chk_http_parse("HT", 2, false, &h, err, sizeof(err)), CHK_MORE);
}
END_TEST

START_TEST(test_http_expect)
{
	struct lb_check_result r;

	step0 = (struct chk_step){ .default_http = true };
	ck_assert_int_eq(RUN(chk_expect_http, "HTTP/1.1 302 Found\r\n\r\n", false, &r), CHK_PASS);
	ck_assert_int_eq(r.code, 302);
	ck_assert_int_eq(RUN(chk_expect_http, "HTTP/1.1 500 Oops\r\n\r\n", false, &r), CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7STS);
	ck_assert_str_eq(r.reason, "HTTP status 500 Oops");
	ck_assert_int_eq(RUN(chk_expect_http, "HTTP/1.1 404 NF\r\n\r\n", false, &r), CHK_FAIL);
	step0.disable_on_404 = true;
	ck_assert_int_eq(RUN(chk_expect_http, "HTTP/1.1 404 NF\r\n\r\n", false, &r), CHK_PASS);
	ck_assert_int_eq(r.status, LB_CHK_L7OKC);
	ck_assert(r.nolb);
	ck_assert_int_eq(RUN(chk_expect_http, "garbage\r\n", false, &r), CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7RSP);
	ck_assert_int_eq(RUN(chk_expect_http, "HTTP/1.1 200 OK\r\nConte", true, &r), CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7RSP);

	step0 = (struct chk_step){ .match = LB_CHK_MATCH_STRING, .pattern = "ready",
				   .pattern_len = 5, .comment = "body" };
	ck_assert_int_eq(RUN(chk_expect_http, "HTTP/1.1 200 OK\r\n\r\nnot rea", false, &r),
			 CHK_MORE);
	ck_assert_int_eq(RUN(chk_expect_http, "HTTP/1.1 200 OK\r\n\r\nnot rea", true, &r),
			 CHK_FAIL);
	ck_assert_str_eq(r.reason, "body: HTTP body does not match 'ready'");
	ck_assert_int_eq(RUN(chk_expect_http, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nready",
			     false, &r), CHK_PASS);
	step0 = (struct chk_step){ .match = LB_CHK_MATCH_STATUS, .pattern = "200,301-302" };
	ck_assert_int_eq(RUN(chk_expect_http, "HTTP/1.1 301 M\r\n\r\n", false, &r), CHK_PASS);
	ck_assert_int_eq(RUN(chk_expect_http, "HTTP/1.1 303 M\r\n\r\n", false, &r), CHK_FAIL);
	step0 = (struct chk_step){ .match = LB_CHK_MATCH_HDR, .pattern = "X-Role",
				   .hdr_value = "master" };
	ck_assert_int_eq(RUN(chk_expect_http, "HTTP/1.1 200 OK\r\nx-role: master\r\n\r\n", false,
			     &r), CHK_PASS);
	ck_assert_int_eq(RUN(chk_expect_http, "HTTP/1.1 200 OK\r\nx-role: slave\r\n\r\n", false,
			     &r), CHK_FAIL);
	step0 = (struct chk_step){ 0 };
}
END_TEST

START_TEST(test_redis)
{
	struct lb_check_result r;

	ck_assert_int_eq(RUN(chk_expect_redis, "+PONG\r\n", false, &r), CHK_PASS);
	ck_assert_int_eq(RUN(chk_expect_redis, "+PO", false, &r), CHK_MORE);
	ck_assert_int_eq(RUN(chk_expect_redis, "+PO", true, &r), CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7STS);	/* HAProxy: every mismatch is L7STS */
	ck_assert_int_eq(RUN(chk_expect_redis, "", true, &r), CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7STS);
	ck_assert_int_eq(RUN(chk_expect_redis, "-NOAUTH Authentication required.\r\n", false, &r),
			 CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7STS);
	ck_assert_str_eq(r.reason, "Redis error: NOAUTH Authentication required.");
	ck_assert_int_eq(RUN(chk_expect_redis, "HTTP/1.1 400\r\n", false, &r), CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7STS);
	ck_assert_str_eq(r.reason, "unexpected Redis reply 'HTTP/1.1 400'");
	ck_assert_int_eq(RUN(chk_expect_redis, "+OK\r\n", false, &r), CHK_FAIL);
	ck_assert_int_eq(RUN(chk_expect_redis, "+PONG", false, &r), CHK_PASS);
}
END_TEST

START_TEST(test_mysql)
{
	struct lb_check_result r;
	/* protocol 10, "8.0.1", then enough filler */
	static const char greet[] = "\x0e\x00\x00\x00\x0a" "8.0.1\0" "abcdefgh";
	static const char err[] = "\x16\x00\x00\x00\xff\x6a\x04" "Host 'x' is blocked";
	static const char err41[] = "\x18\x00\x00\x02\xff\x15\x04#28000Access denied!!";
	static const char ok[] = "\x07\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00";

	ck_assert_int_eq(run_fn(chk_expect_mysql_greeting, greet, sizeof(greet) - 1, false, &r),
			 CHK_PASS);
	ck_assert_str_eq(r.reason, "MySQL 8.0.1");
	ck_assert_int_eq(run_fn(chk_expect_mysql_greeting, greet, 10, false, &r), CHK_MORE);
	ck_assert_int_eq(run_fn(chk_expect_mysql_greeting, greet, 10, true, &r), CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7RSP);
	ck_assert_int_eq(run_fn(chk_expect_mysql_greeting, err, sizeof(err) - 1, false, &r),
			 CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7STS);
	ck_assert_int_eq(r.code, 1130);
	ck_assert_int_eq(run_fn(chk_expect_mysql_auth, err41, sizeof(err41) - 1, false, &r),
			 CHK_FAIL);
	ck_assert_int_eq(r.code, 1045);
	ck_assert_str_eq(r.reason, "MySQL error 1045: Access denied!!");
	ck_assert_int_eq(run_fn(chk_expect_mysql_auth, ok, sizeof(ok) - 1, false, &r), CHK_PASS);
	ck_assert_int_eq(RUN(chk_expect_mysql_greeting, "\xff\xff\xff\x00garbage", false, &r),
			 CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7RSP);
}
END_TEST

START_TEST(test_pgsql)
{
	struct lb_check_result r;
	static const char ok[] = "R\x00\x00\x00\x08\x00\x00\x00\x00";
	static const char md5[] = "R\x00\x00\x00\x0c\x00\x00\x00\x05" "salt";
	static const char e[] = "E\x00\x00\x00\x29" "SFATAL\0C3D000\0Mdatabase \"x\" missing\0\0";

	ck_assert_int_eq(run_fn(chk_expect_pgsql, ok, sizeof(ok) - 1, false, &r), CHK_PASS);
	ck_assert_int_eq(run_fn(chk_expect_pgsql, ok, 6, false, &r), CHK_MORE);
	/* a password request: the server is up (as HAProxy's pgsql-check) */
	ck_assert_int_eq(run_fn(chk_expect_pgsql, md5, sizeof(md5) - 1, false, &r), CHK_PASS);
	ck_assert_int_eq(r.code, 5);
	ck_assert_int_eq(run_fn(chk_expect_pgsql, e, sizeof(e) - 1, false, &r), CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7RSP);
	ck_assert_str_eq(r.reason, "PostgreSQL error 3D000: database \"x\" missing");
	ck_assert_int_eq(run_fn(chk_expect_pgsql, e, 12, false, &r), CHK_MORE);
	ck_assert_int_eq(RUN(chk_expect_pgsql, "HTTP/1.0 400\r\n", false, &r), CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7STS);
	ck_assert_int_eq(RUN(chk_expect_pgsql, "R\x00\x00", true, &r), CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7STS);
	ck_assert_int_eq(RUN(chk_expect_pgsql, "", true, &r), CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7RSP);
}
END_TEST

START_TEST(test_ldap)
{
	struct lb_check_result r;
	static const char ok[] = "\x30\x0c\x02\x01\x01\x61\x07\x0a\x01\x00\x04\x00\x04\x00";
	static const char okl[] = "\x30\x84\x00\x00\x00\x10\x02\x01\x01\x61\x84\x00\x00\x00\x07"
				  "\x0a\x01\x00\x04\x00\x04\x00";
	static const char bad[] = "\x30\x0c\x02\x01\x01\x61\x07\x0a\x01\x31\x04\x00\x04\x00";

	ck_assert_int_eq(run_fn(chk_expect_ldap, ok, sizeof(ok) - 1, false, &r), CHK_PASS);
	ck_assert_int_eq(run_fn(chk_expect_ldap, okl, sizeof(okl) - 1, false, &r), CHK_PASS);
	ck_assert_int_eq(run_fn(chk_expect_ldap, okl, 9, false, &r), CHK_MORE);
	ck_assert_int_eq(run_fn(chk_expect_ldap, okl, 9, true, &r), CHK_FAIL);
	ck_assert_int_eq(run_fn(chk_expect_ldap, bad, sizeof(bad) - 1, false, &r), CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7STS);
	ck_assert_int_eq(r.code, 49);
	ck_assert_int_eq(RUN(chk_expect_ldap, "+PONG\r\n", false, &r), CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7RSP);
}
END_TEST

START_TEST(test_smtp)
{
	struct lb_check_result r;

	ck_assert_int_eq(RUN(chk_expect_smtp, "220 mx ESMTP\r\n", false, &r), CHK_PASS);
	ck_assert_int_eq(r.code, 220);
	ck_assert_int_eq(RUN(chk_expect_smtp, "250-mx\r\n250-SIZE\r\n", false, &r), CHK_MORE);
	ck_assert_int_eq(RUN(chk_expect_smtp, "250-mx\r\n250 OK\r\n", false, &r), CHK_PASS);
	ck_assert_int_eq(r.code, 250);
	ck_assert_int_eq(RUN(chk_expect_smtp, "554 no\r\n", false, &r), CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7STS);
	ck_assert_int_eq(RUN(chk_expect_smtp, "hello\r\n", false, &r), CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L7RSP);
}
END_TEST

START_TEST(test_tls_hello_and_match)
{
	struct lb_check_result r;

	ck_assert_int_eq(RUN(chk_expect_server_hello, "\x16\x03\x03\x00\x40\x02", false, &r),
			 CHK_PASS);
	ck_assert_int_eq(RUN(chk_expect_server_hello, "\x16\x03", false, &r), CHK_MORE);
	ck_assert_int_eq(RUN(chk_expect_server_hello, "\x15\x03\x03\x00\x02\x02\x28", false, &r),
			 CHK_FAIL);
	ck_assert_int_eq(r.status, LB_CHK_L6RSP);
	ck_assert_int_eq(RUN(chk_expect_server_hello, "HTTP/1.1", false, &r), CHK_FAIL);

	step0 = (struct chk_step){ .pattern = "+PONG", .pattern_len = 5,
				   .fail_status = LB_CHK_L7RSP };
	ck_assert_int_eq(RUN(chk_expect_match, "+PO", false, &r), CHK_MORE);
	ck_assert_int_eq(RUN(chk_expect_match, "xx+PONG", false, &r), CHK_PASS);
	ck_assert_int_eq(RUN(chk_expect_match, "-ERR", true, &r), CHK_FAIL);
	ck_assert_str_eq(r.reason, "'+PONG' not found in reply '-ERR'");
	step0.neg = true;
	ck_assert_int_eq(RUN(chk_expect_match, "-ERR", false, &r), CHK_MORE);
	ck_assert_int_eq(RUN(chk_expect_match, "-ERR", true, &r), CHK_PASS);
	ck_assert_int_eq(RUN(chk_expect_match, "+PONG", false, &r), CHK_FAIL);
	step0 = (struct chk_step){ 0 };
}
END_TEST

START_TEST(test_helpers)
{
	unsigned char out[8];
	size_t n;
	char err[96], s[32];

	ck_assert_int_eq(lb_check_hex_decode("00fF10", out, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_mem_eq(out, "\x00\xff\x10", 3);
	ck_assert_int_eq(lb_check_status_list_match("200-299,404", 404, err, sizeof(err)), 1);
	ck_assert_int_eq(lb_check_status_list_match("200-299,404", 300, err, sizeof(err)), 0);
	ck_assert_int_eq(lb_check_status_list_match("299-200", 250, err, sizeof(err)), -1);
	snprintf(s, sizeof(s), "a\\r\\nb\\x41\\\\");
	n = lb_check_unescape(s);
	ck_assert_uint_eq(n, 6);
	ck_assert_str_eq(s, "a\r\nbA\\");
}
END_TEST

/* ---- the engine on a real loop: no fd or memory left behind, callbacks as promised ---- */

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static int
listener(int backlog, struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
	ck_assert_int_eq(listen(fd, backlog), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)sin, &len), 0);
	return fd;
}

/* Accepts and closes what waits in a listener's queue (so it never fills up). */
static void
drain(int lfd)
{
	int c;

	while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0)
		close(c);
}

struct probe_out {
	int calls;
	bool in_start;
	bool sync_call;
	struct lb_check_result res;
};

static void
probe_done(const struct lb_check_result *res, void *arg)
{
	struct probe_out *o = arg;

	o->calls++;
	o->sync_call |= o->in_start;
	o->res = *res;
}

static struct lb_check *
start_probe(struct event_base *base, const struct lb_check_spec *spec,
	    const struct sockaddr_in *sin, long long ms, struct probe_out *o)
{
	struct lb_check *c;

	o->in_start = true;
	c = lb_check_start(base, spec, (const struct sockaddr *)sin, sizeof(*sin), ms, probe_done, o);
	o->in_start = false;
	ck_assert_ptr_nonnull(c);
	return c;
}

START_TEST(test_engine_loop)
{
	struct event_base *base;
	struct lb_check_adhoc tcp = { .type = "tcp" }, redis = { .type = "redis" };
	struct lb_check_spec *stcp, *sredis;
	struct sockaddr_in up, quiet, dead;
	struct probe_out o[4];
	int fds0, lup, lquiet, ldead;
	char *err;

	fds0 = count_fds();
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	lup = listener(16, &up);		/* accepts (in the kernel queue): L4OK */
	lquiet = listener(16, &quiet);		/* never answers: redis L7TOUT */
	evutil_make_socket_nonblocking(lup);
	evutil_make_socket_nonblocking(lquiet);
	ldead = listener(1, &dead);
	close(ldead);				/* nothing listens any more: L4CON */
	stcp = lb_check_spec_adhoc(&tcp, (struct sockaddr *)&up, sizeof(up), &err);
	sredis = lb_check_spec_adhoc(&redis, (struct sockaddr *)&up, sizeof(up), &err);
	ck_assert_ptr_nonnull(stcp);
	ck_assert_ptr_nonnull(sredis);
	for (int round = 0; round < 20; round++) {
		struct lb_check *cancelled;

		memset(o, 0, sizeof(o));
		start_probe(base, stcp, &up, 500, &o[0]);
		start_probe(base, stcp, &dead, 500, &o[1]);
		start_probe(base, sredis, &quiet, 50, &o[2]);
		cancelled = start_probe(base, sredis, &quiet, 50, &o[3]);
		lb_check_cancel(cancelled);
		event_base_dispatch(base);	/* returns when no probe is left */
		ck_assert_int_eq(o[0].calls, 1);
		ck_assert_int_eq(o[1].calls, 1);
		ck_assert_int_eq(o[2].calls, 1);
		ck_assert_int_eq(o[3].calls, 0);	/* no callback after cancel */
		ck_assert(!o[0].sync_call && !o[1].sync_call && !o[2].sync_call);
		ck_assert_int_eq(o[0].res.status, LB_CHK_L4OK);
		ck_assert_int_eq(o[1].res.status, LB_CHK_L4CON);
		ck_assert_int_eq(o[2].res.status, LB_CHK_L7TOUT);
		ck_assert_uint_ge(o[2].res.duration_ms, 40);
		drain(lup);
		drain(lquiet);
	}
	lb_check_spec_free(stcp);
	lb_check_spec_free(sredis);
	close(lup);
	close(lquiet);
	event_base_free(base);
	ck_assert_int_eq(count_fds(), fds0);	/* every probe socket closed */
}
END_TEST

static Suite *
check_suite(void)
{
	Suite *s = suite_create("check");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_httpchk_options);
	tcase_add_test(tc, test_typed_options);
	tcase_add_test(tc, test_tcp_check_rules);
	tcase_add_test(tc, test_server_keywords);
	tcase_add_test(tc, test_defaults_inherit);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_specs);
	tcase_add_test(tc, test_status_names);
	tcase_add_test(tc, test_agent_words);
	tcase_add_test(tc, test_agent_expect);
	tcase_add_test(tc, test_http_parse);
	tcase_add_test(tc, test_http_expect);
	tcase_add_test(tc, test_redis);
	tcase_add_test(tc, test_mysql);
	tcase_add_test(tc, test_pgsql);
	tcase_add_test(tc, test_ldap);
	tcase_add_test(tc, test_smtp);
	tcase_add_test(tc, test_tls_hello_and_match);
	tcase_add_test(tc, test_helpers);
	tcase_add_test(tc, test_engine_loop);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(check_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

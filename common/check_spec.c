/* common/check_spec.c: the table of check types and the compilation of a server's check
 * settings into a script of steps (struct lb_check_spec)
 *
 * Every type is a row of lb_check_types[] with a builder; the builder reads the backend's
 * struct lb_cfg_check (an ad-hoc probe fills one from its command line) and appends
 * connect / send / expect steps. The protocol bytes sent (MySQL login packet, PostgreSQL
 * startup message, LDAP bind, ...) are built here once per spec, never per probe.
 */
#include "check_priv.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "tls_client.h"
#include "util.h"

/* ---- spec building helpers ---- */

struct chk_step *
chk_spec_add(struct lb_check_spec *spec, enum chk_step_kind kind)
{
	struct chk_step *st;

	spec->steps = lb_xrealloc(spec->steps, sizeof(*spec->steps) * (size_t)(spec->nsteps + 1));
	st = &spec->steps[spec->nsteps++];
	memset(st, 0, sizeof(*st));
	st->kind = kind;
	return st;
}

void
chk_spec_add_send(struct lb_check_spec *spec, const void *data, size_t len, bool best_effort)
{
	struct chk_step *st = chk_spec_add(spec, CHK_STEP_SEND);

	st->data = lb_xmalloc(len + 1);
	memcpy(st->data, data, len);
	st->data[len] = '\0';
	st->len = len;
	st->best_effort = best_effort;
}

struct chk_step *
chk_spec_add_expect(struct lb_check_spec *spec, chk_expect_fn fn, enum lb_check_status fail_status)
{
	struct chk_step *st = chk_spec_add(spec, CHK_STEP_EXPECT);

	st->fn = fn;
	st->fail_status = fail_status;
	return st;
}

static char *
dup_or_null(const char *s)
{
	return s ? lb_xstrdup(s) : NULL;
}

/* "proto h1|h2" of the config (enum lb_srv_proto) as the engine's enum chk_proto */
static enum chk_proto
chk_proto_of(int srv_proto)
{
	return srv_proto == LB_SRV_PROTO_H2 ? CHK_PROTO_H2 : CHK_PROTO_H1;
}

static void
add_connect(struct lb_check_spec *spec, const struct chk_build_ctx *ctx)
{
	struct chk_step *st = chk_spec_add(spec, CHK_STEP_CONNECT);

	st->ssl = ctx->tls;
	if (ctx->tls) {
		st->sni = dup_or_null(ctx->sni);
		st->alpn = dup_or_null(ctx->alpn);
	}
}

static void
add_rule_connect(struct lb_check_spec *spec, const struct chk_build_ctx *ctx,
		 const struct lb_cfg_chk_rule *r, const char *comment)
{
	struct chk_step *st = chk_spec_add(spec, CHK_STEP_CONNECT);

	st->port = r->port > 0 ? r->port : 0;
	st->ssl = r->ssl;
	st->sni = dup_or_null(r->sni ? r->sni : r->ssl ? ctx->sni : NULL);
	st->alpn = dup_or_null(r->alpn ? r->alpn : r->ssl ? ctx->alpn : NULL);
	st->comment = dup_or_null(r->comment ? r->comment : comment);
	if (r->proto >= 0)
		st->proto = chk_proto_of(r->proto);
}

/* The first rule that is not a comment. */
static const struct lb_cfg_chk_rule *
first_rule(const struct lb_cfg_chk_rule *r)
{
	while (r && r->act == LB_CHK_ACT_COMMENT)
		r = r->next;
	return r;
}

static int
compile_regex(struct chk_step *st, const char *re, char **err)
{
	char why[160];

	st->regex = lb_regex_compile(re, (size_t)-1, false, why, sizeof(why));
	if (!st->regex) {
		*err = lb_xasprintf("invalid regular expression '%s': %s", re, why);
		return -1;
	}
	return 0;
}

/* ---- plain TCP connect ("check") ---- */

static int
build_tcp(struct lb_check_spec *spec, const struct chk_build_ctx *ctx, char **err)
{
	(void)err;
	add_connect(spec, ctx);
	return 0;
}

/* ---- option httpchk / http-check ---- */

static void
add_http_request(struct lb_check_spec *spec, const struct lb_cfg_check *chk,
		 const struct lb_cfg_chk_rule *send, bool last)
{
	const char *meth = send && send->meth ? send->meth : chk->http_meth ? chk->http_meth
									       : "OPTIONS";
	const char *uri = send && send->uri ? send->uri : chk->http_uri ? chk->http_uri : "/";
	const char *ver = send && send->ver ? send->ver : chk->http_ver ? chk->http_ver
									: "HTTP/1.0";
	const char *body = send ? send->body : NULL;
	bool has_conn = false;
	size_t cap = strlen(meth) + strlen(uri) + strlen(ver) + 64 + (body ? strlen(body) : 0);
	char *req, *p;

	for (const struct lb_cfg_hdr_pair *h = send ? send->hdrs : NULL; h; h = h->next) {
		cap += strlen(h->name) + strlen(h->value_src) + 4;
		if (!strcasecmp(h->name, "Connection"))
			has_conn = true;
	}
	req = p = lb_xmalloc(cap);
	p += sprintf(p, "%s %s %s\r\n", meth, uri, ver);
	for (const struct lb_cfg_hdr_pair *h = send ? send->hdrs : NULL; h; h = h->next)
		p += sprintf(p, "%s: %s\r\n", h->name, h->value_src);
	if (body)
		p += sprintf(p, "Content-Length: %zu\r\n", strlen(body));
	if (!has_conn && last)
		p += sprintf(p, "Connection: close\r\n");
	p += sprintf(p, "\r\n%s", body ? body : "");
	chk_spec_add_send(spec, req, (size_t)(p - req), false);
	spec->steps[spec->nsteps - 1].comment = dup_or_null(send ? send->comment : NULL);
	free(req);
}

static int
build_http(struct lb_check_spec *spec, const struct chk_build_ctx *ctx, char **err)
{
	const struct lb_cfg_check *chk = ctx->chk;
	const struct lb_cfg_chk_rule *r = first_rule(chk->http_rules), *last_send = NULL;
	const char *comment = NULL;
	bool sent = false, expected = false;

	for (const struct lb_cfg_chk_rule *x = chk->http_rules; x; x = x->next)
		if (x->act == LB_CHK_ACT_SEND)
			last_send = x;
	if (!r || r->act != LB_CHK_ACT_CONNECT)
		add_connect(spec, ctx);
	if (!last_send) {
		add_http_request(spec, chk, NULL, true);
		sent = true;
	}
	for (r = chk->http_rules; r; r = r->next) {
		struct chk_step *st;

		switch (r->act) {
		case LB_CHK_ACT_COMMENT:
			comment = r->comment;
			continue;
		case LB_CHK_ACT_CONNECT:
			add_rule_connect(spec, ctx, r, comment);
			break;
		case LB_CHK_ACT_SEND:
			if (sent && !expected) {	/* the previous request gets the default */
				st = chk_spec_add_expect(spec, chk_expect_http, LB_CHK_L7STS);
				st->default_http = true;
				st->disable_on_404 = chk->disable_on_404 > 0;
			}
			add_http_request(spec, chk, r, r == last_send);
			if (comment && !r->comment)
				spec->steps[spec->nsteps - 1].comment = lb_xstrdup(comment);
			sent = true;
			expected = false;
			break;
		case LB_CHK_ACT_EXPECT:
			st = chk_spec_add_expect(spec, chk_expect_http, LB_CHK_L7STS);
			st->comment = dup_or_null(r->comment ? r->comment : comment);
			st->neg = r->neg;
			st->match = (int)r->match;
			st->pattern = lb_xmalloc(r->pattern_len + 1);
			memcpy(st->pattern, r->pattern, r->pattern_len + 1);
			st->pattern_len = r->pattern_len;
			st->hdr_value = dup_or_null(r->hdr_value);
			st->disable_on_404 = chk->disable_on_404 > 0;
			if ((r->match == LB_CHK_MATCH_RSTRING || r->match == LB_CHK_MATCH_RSTATUS) &&
			    compile_regex(st, r->pattern, err) < 0)
				return -1;
			expected = true;
			break;
		}
		comment = NULL;
	}
	if (!expected) {
		struct chk_step *st = chk_spec_add_expect(spec, chk_expect_http, LB_CHK_L7STS);
		st->default_http = true;
		st->disable_on_404 = chk->disable_on_404 > 0;
	}
	/* every connection of the script speaks HTTP: the connect's own proto, else the
	 * server's; HTTP/2 over TLS offers ALPN h2 unless check-alpn / alpn says otherwise */
	for (int i = 0; i < spec->nsteps; i++) {
		struct chk_step *st = &spec->steps[i];

		if (st->kind != CHK_STEP_CONNECT)
			continue;
		st->http = true;
		if (st->proto == CHK_PROTO_AUTO)
			st->proto = ctx->proto;
		if (st->proto == CHK_PROTO_H2 && st->ssl && !st->alpn)
			st->alpn = lb_xstrdup("h2");
	}
	return 0;
}

/* ---- option tcp-check ---- */

static int
build_tcpcheck(struct lb_check_spec *spec, const struct chk_build_ctx *ctx, char **err)
{
	const struct lb_cfg_chk_rule *r = first_rule(ctx->chk->tcp_rules);
	const char *comment = NULL;

	if (!r || r->act != LB_CHK_ACT_CONNECT)
		add_connect(spec, ctx);
	for (r = ctx->chk->tcp_rules; r; r = r->next) {
		struct chk_step *st;

		switch (r->act) {
		case LB_CHK_ACT_COMMENT:
			comment = r->comment;
			continue;
		case LB_CHK_ACT_CONNECT:
			add_rule_connect(spec, ctx, r, comment);
			break;
		case LB_CHK_ACT_SEND:
			chk_spec_add_send(spec, r->data, r->data_len, false);
			spec->steps[spec->nsteps - 1].comment =
				dup_or_null(r->comment ? r->comment : comment);
			break;
		case LB_CHK_ACT_EXPECT:
			st = chk_spec_add_expect(spec, chk_expect_match, LB_CHK_L7RSP);
			st->comment = dup_or_null(r->comment ? r->comment : comment);
			st->neg = r->neg;
			st->match = (int)r->match;
			st->pattern = lb_xmalloc(r->pattern_len + 1);
			memcpy(st->pattern, r->pattern, r->pattern_len + 1);
			st->pattern_len = r->pattern_len;
			if (r->match == LB_CHK_MATCH_RSTRING && compile_regex(st, r->pattern, err) < 0)
				return -1;
			break;
		}
		comment = NULL;
	}
	return 0;
}

/* ---- typed protocol checks ---- */

static int
build_ssl_hello(struct lb_check_spec *spec, const struct chk_build_ctx *ctx, char **err)
{
	char *hello, msg[160];
	size_t len;

	if (lb_tls_client_hello_bytes(ctx->sni, &hello, &len, msg, sizeof(msg)) < 0) {
		*err = lb_xstrdup(msg);
		return -1;
	}
	add_connect(spec, &(struct chk_build_ctx){ .chk = ctx->chk });	/* never wrapped */
	chk_spec_add_send(spec, hello, len, false);
	free(hello);
	chk_spec_add_expect(spec, chk_expect_server_hello, LB_CHK_L6RSP);
	spec->ok_status = LB_CHK_L6OK;
	return 0;
}

static int
build_redis(struct lb_check_spec *spec, const struct chk_build_ctx *ctx, char **err)
{
	(void)err;
	add_connect(spec, ctx);
	chk_spec_add_send(spec, "PING\r\n", 6, false);
	chk_spec_add_expect(spec, chk_expect_redis, LB_CHK_L7RSP);
	chk_spec_add_send(spec, "QUIT\r\n", 6, true);
	return 0;
}

/* The client's answer to the MySQL greeting, logging in as `user` without a password:
 * a HandshakeResponse41 (post-41) or a HandshakeResponse320 (pre-41), sequence id 1. */
static size_t
mysql_login(unsigned char *p, const char *user, bool post41)
{
	size_t ul = strlen(user), n = 0;
	unsigned char *q = p + 4;

	if (post41) {
		/* CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION */
		static const unsigned char caps[4] = { 0x01, 0x82, 0x00, 0x00 };
		memcpy(q, caps, 4);
		memset(q + 4, 0, 4);		/* max packet size: server default */
		q[8] = 0x21;			/* utf8_general_ci */
		memset(q + 9, 0, 23);		/* filler */
		memcpy(q + 32, user, ul + 1);
		q[32 + ul + 1] = 0;		/* empty auth response */
		n = 32 + ul + 2;
	} else {
		q[0] = 0x01;			/* CLIENT_LONG_PASSWORD */
		q[1] = 0x00;
		q[2] = q[3] = q[4] = 0;		/* max packet size */
		memcpy(q + 5, user, ul + 1);
		q[5 + ul + 1] = 0;		/* empty auth response */
		n = 5 + ul + 2;
	}
	p[0] = (unsigned char)(n & 0xff);
	p[1] = (unsigned char)(n >> 8 & 0xff);
	p[2] = 0;
	p[3] = 1;
	return n + 4;
}

static int
build_mysql(struct lb_check_spec *spec, const struct chk_build_ctx *ctx, char **err)
{
	const char *user = ctx->chk->user;

	add_connect(spec, ctx);
	chk_spec_add_expect(spec, chk_expect_mysql_greeting, LB_CHK_L7RSP);
	if (user) {
		static const unsigned char quit[5] = { 0x01, 0x00, 0x00, 0x00, 0x01 };
		unsigned char pkt[64 + 256];

		if (strlen(user) > 200) {
			*err = lb_xstrdup("mysql-check user name longer than 200 bytes");
			return -1;
		}
		chk_spec_add_send(spec, pkt, mysql_login(pkt, user, ctx->chk->mysql_post41),
				  false);
		chk_spec_add_expect(spec, chk_expect_mysql_auth, LB_CHK_L7RSP);
		chk_spec_add_send(spec, quit, sizeof(quit), true);
	}
	return 0;
}

/* StartupMessage: <len:4><protocol 3.0:4>"user\0<user>\0\0" */
static int
build_pgsql(struct lb_check_spec *spec, const struct chk_build_ctx *ctx, char **err)
{
	static const unsigned char term[5] = { 'X', 0, 0, 0, 4 };
	const char *user = ctx->chk->user ? ctx->chk->user : "";
	size_t ul = strlen(user), n = 8 + 5 + ul + 1 + 1;
	unsigned char pkt[8 + 5 + 256 + 2];

	if (ul > 200 || !ul) {
		*err = lb_xstrdup("pgsql-check needs a user name of 1 to 200 bytes");
		return -1;
	}
	pkt[0] = (unsigned char)(n >> 24);
	pkt[1] = (unsigned char)(n >> 16);
	pkt[2] = (unsigned char)(n >> 8);
	pkt[3] = (unsigned char)n;
	pkt[4] = 0x00;
	pkt[5] = 0x03;
	pkt[6] = pkt[7] = 0x00;
	memcpy(pkt + 8, "user", 5);
	memcpy(pkt + 13, user, ul + 1);
	pkt[13 + ul + 1] = 0;
	add_connect(spec, ctx);
	chk_spec_add_send(spec, pkt, n, false);
	chk_spec_add_expect(spec, chk_expect_pgsql, LB_CHK_L7RSP);
	chk_spec_add_send(spec, term, sizeof(term), true);
	return 0;
}

/* An anonymous LDAPv3 simple bind (message 1), then an unbind (message 2). */
static int
build_ldap(struct lb_check_spec *spec, const struct chk_build_ctx *ctx, char **err)
{
	static const unsigned char bind[] = {
		0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00,
	};
	static const unsigned char unbind[] = { 0x30, 0x05, 0x02, 0x01, 0x02, 0x42, 0x00 };

	(void)err;
	add_connect(spec, ctx);
	chk_spec_add_send(spec, bind, sizeof(bind), false);
	chk_spec_add_expect(spec, chk_expect_ldap, LB_CHK_L7RSP);
	chk_spec_add_send(spec, unbind, sizeof(unbind), true);
	return 0;
}

static int
build_smtp(struct lb_check_spec *spec, const struct chk_build_ctx *ctx, char **err)
{
	const char *cmd = ctx->chk->smtp_cmd ? ctx->chk->smtp_cmd : "HELO";
	const char *dom = ctx->chk->smtp_domain ? ctx->chk->smtp_domain : "localhost";
	char *hello;

	(void)err;
	add_connect(spec, ctx);
	chk_spec_add_expect(spec, chk_expect_smtp, LB_CHK_L7RSP);
	hello = lb_xasprintf("%s %s\r\n", cmd, dom);
	chk_spec_add_send(spec, hello, strlen(hello), false);
	free(hello);
	chk_spec_add_expect(spec, chk_expect_smtp, LB_CHK_L7RSP);
	chk_spec_add_send(spec, "QUIT\r\n", 6, true);
	return 0;
}

static int
build_agent(struct lb_check_spec *spec, const struct chk_build_ctx *ctx, char **err)
{
	(void)err;
	add_connect(spec, &(struct chk_build_ctx){ .chk = ctx->chk });	/* agents: plain TCP */
	if (ctx->agent_send && ctx->agent_send_len)
		chk_spec_add_send(spec, ctx->agent_send, ctx->agent_send_len, false);
	chk_spec_add_expect(spec, chk_expect_agent, LB_CHK_L7RSP);
	return 0;
}

/* ---- the table ---- */

static const struct lb_check_builder b_tcp = { build_tcp }, b_http = { build_http },
	b_tcpcheck = { build_tcpcheck }, b_ssl_hello = { build_ssl_hello },
	b_redis = { build_redis }, b_mysql = { build_mysql }, b_pgsql = { build_pgsql },
	b_ldap = { build_ldap }, b_smtp = { build_smtp }, b_agent = { build_agent };

/* Keep in step with enum lb_cfg_chk_type (cfg_types.h): row i+1 is type i+1. gRPC health
 * (grpc.health.v1.Health/Check) gets its row once lb speaks HTTP/2. */
const struct lb_check_type lb_check_types[] = {
	{ "tcp", "check", "the TCP connection is accepted (with check-ssl: a TLS handshake)", 0,
	  &b_tcp },
	{ "http", "option httpchk", "an HTTP response with a 2xx or 3xx status", 80, &b_http },
	{ "tcp-check", "option tcp-check", "every tcp-check expect rule matches", 0,
	  &b_tcpcheck },
	{ "ssl-hello", "option ssl-hello-chk", "a TLS ServerHello", 443, &b_ssl_hello },
	{ "redis", "option redis-check", "+PONG in reply to PING", 6379, &b_redis },
	{ "mysql", "option mysql-check", "a MySQL greeting (with user: a password-less login)",
	  3306, &b_mysql },
	{ "pgsql", "option pgsql-check", "AuthenticationOk to a startup message", 5432,
	  &b_pgsql },
	{ "ldap", "option ldap-check", "success of an anonymous LDAPv3 bind", 389, &b_ldap },
	{ "smtp", "option smtpchk", "a 2xx greeting and a 2xx reply to HELO/EHLO", 25,
	  &b_smtp },
	{ "agent", "agent-check", "one line of agent words (weight, state)", 0, &b_agent },
	{ NULL, NULL, NULL, 0, NULL },
};

static const char *const cfg_type_rows[] = {
	[LB_CFG_CHK_UNSET] = "tcp",
	[LB_CFG_CHK_TCP] = "tcp",
	[LB_CFG_CHK_HTTP] = "http",
	[LB_CFG_CHK_TCPCHECK] = "tcp-check",
	[LB_CFG_CHK_SSL_HELLO] = "ssl-hello",
	[LB_CFG_CHK_REDIS] = "redis",
	[LB_CFG_CHK_MYSQL] = "mysql",
	[LB_CFG_CHK_PGSQL] = "pgsql",
	[LB_CFG_CHK_LDAP] = "ldap",
	[LB_CFG_CHK_SMTP] = "smtp",
};

const struct lb_check_type *
lb_check_type_find(const char *name)
{
	for (const struct lb_check_type *t = lb_check_types; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

/* ---- specs ---- */

void
lb_check_spec_free(struct lb_check_spec *spec)
{
	if (!spec)
		return;
	for (int i = 0; i < spec->nsteps; i++) {
		struct chk_step *st = &spec->steps[i];
		free(st->comment);
		free(st->sni);
		free(st->alpn);
		free(st->data);
		free(st->pattern);
		free(st->hdr_value);
		pcre2_code_free(st->regex);
	}
	free(spec->steps);
	free(spec);
}

/* Fills spec's steps with the type's script and works out the success status. */
static int
spec_build(struct lb_check_spec *spec, const struct chk_build_ctx *ctx, char **err)
{
	bool has_expect = false, has_tls = false, has_h2 = false;

	spec->ok_status = LB_CHK_UNK;
	if (spec->type->build->build(spec, ctx, err) < 0)
		return -1;
	for (int i = 0; i < spec->nsteps; i++) {
		has_expect |= spec->steps[i].kind == CHK_STEP_EXPECT;
		has_tls |= spec->steps[i].kind == CHK_STEP_CONNECT && spec->steps[i].ssl;
		has_h2 |= spec->steps[i].kind == CHK_STEP_CONNECT &&
			  spec->steps[i].proto == CHK_PROTO_H2;
	}
	if (spec->ok_status == LB_CHK_UNK)
		spec->ok_status = has_expect ? LB_CHK_L7OK : has_tls ? LB_CHK_L6OK : LB_CHK_L4OK;
	snprintf(spec->describe, sizeof(spec->describe), "%s%s%s",
		 !strcmp(spec->type->name, "tcp") && has_tls ? "tls" : spec->type->name,
		 has_tls && strcmp(spec->type->name, "tcp") ? "+tls" : "", has_h2 ? "+h2" : "");
	return 0;
}

static int
numeric_addr(const char *s, int port, struct lb_cfg_addr *out)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->ss;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		out->len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		out->len = sizeof(*in6);
		return 0;
	}
	return -1;
}

static int
addr_port(const struct lb_cfg_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return -1;
}

static void
set_port(struct lb_cfg_addr *a, int port)
{
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons((uint16_t)port);
	else if (a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons((uint16_t)port);
}

struct lb_check_spec *
lb_check_spec_new(const struct lb_cfg_proxy *be, const struct lb_cfg_server *srv,
		  enum lb_check_kind kind, char **err)
{
	struct lb_check_spec *spec = lb_xcalloc(1, sizeof(*spec));
	struct chk_build_ctx ctx = {
		.chk = &be->check,
		.tls = kind == LB_CHECK_HEALTH && srv->check_ssl > 0,
		.sni = srv->check_sni,
		.alpn = srv->check_alpn,
		.agent_send = srv->agent_send,
		.agent_send_len = srv->agent_send_len,
	};
	long long inter = kind == LB_CHECK_AGENT && srv->agent_inter > 0 ? srv->agent_inter
									 : srv->inter;
	long long tcheck = be->timeouts[LB_TO_CHECK], tconn = be->timeouts[LB_TO_CONNECT];
	enum lb_cfg_chk_type t = be->check.type;
	int port;

	*err = NULL;
	spec->kind = kind;
	/* HAProxy: check-proto, else the server's proto if set; only HTTP checks use it (the
	 * config refuses check-proto with another check type) */
	if (srv->check_proto >= 0)
		ctx.proto = chk_proto_of(srv->check_proto);
	else if (srv->proto == LB_SRV_PROTO_H2)
		ctx.proto = CHK_PROTO_H2;
	if (kind == LB_CHECK_AGENT)
		spec->type = lb_check_type_find("agent");
	else
		spec->type = lb_check_type_find(
			t < LB_ARRAY_SIZE(cfg_type_rows) && cfg_type_rows[t] ? cfg_type_rows[t]
									    : "tcp");
	/* where to connect */
	spec->target = srv->addr;
	port = addr_port(&srv->addr);
	if (kind == LB_CHECK_AGENT) {
		if (srv->agent_port <= 0) {
			*err = lb_xasprintf("server '%s': agent-check needs agent-port", srv->name);
			goto fail;
		}
		port = srv->agent_port;
		if (srv->agent_addr && numeric_addr(srv->agent_addr, port, &spec->target) < 0) {
			*err = lb_xasprintf("server '%s': invalid agent-addr '%s'", srv->name,
					    srv->agent_addr);
			goto fail;
		}
	} else {
		if (srv->check_port > 0)
			port = srv->check_port;
		if (srv->check_addr && numeric_addr(srv->check_addr, port, &spec->target) < 0) {
			*err = lb_xasprintf("server '%s': invalid check address '%s'", srv->name,
					    srv->check_addr);
			goto fail;
		}
	}
	if (spec->target.ss.ss_family != AF_UNIX) {
		if (port <= 0) {
			*err = lb_xasprintf("server '%s' has no port to check (set 'port')",
					    srv->name);
			goto fail;
		}
		set_port(&spec->target, port);
	}
	/* HAProxy's timeouts: "inter" bounds the whole probe unless "timeout check" is set */
	if (inter <= 0)
		inter = 2000;
	if (tcheck > 0) {
		spec->connect_ms = tconn > 0 && tconn < inter ? tconn : inter;
		spec->rest_ms = tcheck;
	} else {
		spec->connect_ms = inter;
		spec->rest_ms = 0;
	}
	if (spec_build(spec, &ctx, err) < 0)
		goto fail;
	return spec;
fail:
	lb_check_spec_free(spec);
	return NULL;
}

struct lb_check_spec *
lb_check_spec_adhoc(const struct lb_check_adhoc *a, const struct sockaddr *target,
		    socklen_t len, char **err)
{
	struct lb_check_spec *spec;
	struct lb_cfg_check chk;
	struct lb_cfg_chk_rule rules[2];
	struct chk_build_ctx ctx = { .chk = &chk, .tls = a->tls, .sni = a->sni, .alpn = a->alpn };
	const char *type = a->type;
	char *send = NULL;
	size_t send_len = 0;

	*err = NULL;
	memset(&chk, 0, sizeof(chk));
	memset(rules, 0, sizeof(rules));
	if (!strcmp(type, "tls")) {
		ctx.tls = true;
		type = a->uri || a->proto ? "http" : "tcp";
	}
	if (a->proto) {
		if (strcmp(a->proto, "h1") && strcmp(a->proto, "h2")) {
			*err = lb_xasprintf("unknown protocol '%s' (h1, h2)", a->proto);
			return NULL;
		}
		if (strcmp(type, "http")) {
			*err = lb_xasprintf("a protocol (h1, h2) needs an HTTP check (type http)");
			return NULL;
		}
		ctx.proto = !strcmp(a->proto, "h2") ? CHK_PROTO_H2 : CHK_PROTO_H1;
	}
	if (len > sizeof(struct sockaddr_storage)) {
		*err = lb_xstrdup("address too long");
		return NULL;
	}
	spec = lb_xcalloc(1, sizeof(*spec));
	spec->type = lb_check_type_find(type);
	if (!spec->type) {
		*err = lb_xasprintf("unknown check type '%s'", a->type);
		goto fail;
	}
	spec->kind = !strcmp(type, "agent") ? LB_CHECK_AGENT : LB_CHECK_HEALTH;
	memcpy(&spec->target.ss, target, len);
	spec->target.len = len;
	spec->connect_ms = spec->rest_ms = a->timeout_ms > 0 ? a->timeout_ms : 2000;
	if (a->send) {
		send = lb_xstrdup(a->send);
		send_len = lb_check_unescape(send);
	}
	chk.http_meth = (char *)(uintptr_t)a->method;
	chk.http_uri = (char *)(uintptr_t)a->uri;
	chk.user = (char *)(uintptr_t)a->user;
	chk.mysql_post41 = true;
	if (spec->kind == LB_CHECK_AGENT) {
		ctx.agent_send = send;
		ctx.agent_send_len = send_len;
	} else if (!strcmp(type, "http") && (a->expect_status || a->expect_string)) {
		char status[16];
		snprintf(status, sizeof(status), "%d", a->expect_status);
		rules[0].act = LB_CHK_ACT_EXPECT;
		if (a->expect_string) {
			rules[0].match = LB_CHK_MATCH_STRING;
			rules[0].pattern = (char *)(uintptr_t)a->expect_string;
		} else {
			rules[0].match = LB_CHK_MATCH_STATUS;
			rules[0].pattern = status;
		}
		rules[0].pattern_len = strlen(rules[0].pattern);
		if (a->expect_string && a->expect_status) {
			rules[0].next = &rules[1];
			rules[1].act = LB_CHK_ACT_EXPECT;
			rules[1].match = LB_CHK_MATCH_STATUS;
			rules[1].pattern = status;
			rules[1].pattern_len = strlen(status);
		}
		chk.http_rules = rules;
		if (spec_build(spec, &ctx, err) < 0)
			goto fail;
		free(send);
		return spec;
	} else if (!strcmp(type, "tcp-check")) {
		struct lb_cfg_chk_rule **tail = &chk.tcp_rules;
		if (send) {
			rules[0].act = LB_CHK_ACT_SEND;
			rules[0].data = send;
			rules[0].data_len = send_len;
			*tail = &rules[0];
			tail = &rules[0].next;
		}
		if (a->expect) {
			rules[1].act = LB_CHK_ACT_EXPECT;
			rules[1].match = LB_CHK_MATCH_STRING;
			rules[1].pattern = (char *)(uintptr_t)a->expect;
			rules[1].pattern_len = strlen(a->expect);
			*tail = &rules[1];
		}
	}
	if (spec_build(spec, &ctx, err) < 0)
		goto fail;
	free(send);
	return spec;
fail:
	free(send);
	lb_check_spec_free(spec);
	return NULL;
}

const char *
lb_check_spec_type(const struct lb_check_spec *spec)
{
	return spec->type->name;
}

const char *
lb_check_spec_describe(const struct lb_check_spec *spec)
{
	return spec->describe;
}

const struct lb_cfg_addr *
lb_check_spec_target(const struct lb_check_spec *spec)
{
	return &spec->target;
}

long long
lb_check_spec_connect_timeout(const struct lb_check_spec *spec)
{
	return spec->connect_ms;
}

long long
lb_check_spec_read_timeout(const struct lb_check_spec *spec)
{
	return spec->rest_ms > 0 ? spec->rest_ms : spec->connect_ms;
}

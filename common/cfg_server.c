/* common/cfg_server.c: "server" and "default-server" lines and their options
 *
 * Both lines share one option table writing into a struct lb_cfg_server: a server line
 * fills the server, "default-server" fills the proxy's template. Every field stays -1
 * (unset) unless written, which is how finalize knows what the template may fill in.
 * Numeric addresses are stored at once; hostnames wait for finalize to resolve them.
 */
#include "cfg_priv.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define SRV(field) offsetof(struct lb_cfg_server, field)

/* "addr <ip>", "agent-addr <ip>": a numeric address, kept as written at kw->offset */
static int
opt_ip(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	unsigned char buf[sizeof(struct in6_addr)];
	const char *v = p->w->v[a];

	if (inet_pton(AF_INET, v, buf) != 1 && inet_pton(AF_INET6, v, buf) != 1) {
		cfg_err(p, a, "'%s' expects a numeric IPv4 or IPv6 address, got '%s'", p->kwname,
			v);
		return -1;
	}
	return cfg_kw_str(p, kw, obj, a);
}

/* "agent-send <string>": escapes were decoded by the tokenizer */
static int
opt_agent_send(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_server *s = obj;

	(void)kw;
	free(s->agent_send);
	s->agent_send = lb_xstrdup(p->w->v[a]);
	s->agent_send_len = strlen(s->agent_send);
	return 0;
}

/* "check-sni <name>", "check-alpn <list>": no spaces or control characters */
static int
opt_check_word(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	for (const unsigned char *c = (const unsigned char *)p->w->v[a]; *c; c++) {
		if (*c <= ' ' || *c == 0x7f) {
			cfg_err(p, a, "'%s' cannot contain spaces or control characters",
				p->kwname);
			return -1;
		}
	}
	return cfg_kw_str(p, kw, obj, a);
}

static const struct cfg_enum observe_modes[] = {
	{ "none", LB_OBSERVE_NONE },
	{ "layer4", LB_OBSERVE_LAYER4 },
	{ "layer7", LB_OBSERVE_LAYER7 },
	{ NULL, 0 },
};

static const struct cfg_enum on_error_modes[] = {
	{ "fastinter", LB_ON_ERROR_FASTINTER },
	{ "fail-check", LB_ON_ERROR_FAIL_CHECK },
	{ "sudden-death", LB_ON_ERROR_SUDDEN_DEATH },
	{ "mark-down", LB_ON_ERROR_MARK_DOWN },
	{ NULL, 0 },
};

static const struct cfg_enum on_marked_down_modes[] = {
	{ "shutdown-sessions", LB_ON_MARKED_DOWN_SHUTDOWN_SESSIONS },
	{ NULL, 0 },
};

static const struct cfg_enum on_marked_up_modes[] = {
	{ "shutdown-backup-sessions", LB_ON_MARKED_UP_SHUTDOWN_BACKUP_SESSIONS },
	{ NULL, 0 },
};

static const struct cfg_enum server_protos[] = {
	{ "h1", LB_SRV_PROTO_H1 },
	{ "h2", LB_SRV_PROTO_H2 },
	{ NULL, 0 },
};

const struct lb_cfg_kw cfg_server_kws[] = {
	CFG_KW("weight", 0, 1, 1, cfg_kw_int, SRV(weight), "<0..256>",
	       "share of the traffic relative to the other servers (default 1)", .lo = 0,
	       .hi = 256),
	CFG_KW("maxconn", 0, 1, 1, cfg_kw_int, SRV(maxconn), "<number>",
	       "concurrent connections; more wait in the queue (default 0: no limit)", .lo = 0,
	       .hi = 0x7fffffff),
	CFG_KW("maxqueue", 0, 1, 1, cfg_kw_int, SRV(maxqueue), "<number>",
	       "longest queue of this server (default 0: no limit)", .lo = 0, .hi = 0x7fffffff),
	CFG_KW("backup", 0, 0, 0, cfg_kw_on, SRV(backup), NULL,
	       "only used when no other server is available"),
	CFG_KW("no-backup", 0, 0, 0, cfg_kw_off, SRV(backup), NULL,
	       "cancel a 'backup' from default-server"),
	CFG_KW("disabled", 0, 0, 0, cfg_kw_on, SRV(disabled), NULL,
	       "start in maintenance (no traffic, no checks)"),
	CFG_KW("enabled", 0, 0, 0, cfg_kw_off, SRV(disabled), NULL,
	       "cancel a 'disabled' from default-server"),
	CFG_KW("send-proxy", 0, 0, 0, cfg_kw_on, SRV(send_proxy), NULL,
	       "send a PROXY protocol v1 header to the server"),
	CFG_KW("no-send-proxy", 0, 0, 0, cfg_kw_off, SRV(send_proxy), NULL,
	       "cancel a 'send-proxy' from default-server"),
	CFG_KW("send-proxy-v2", 0, 0, 0, cfg_kw_on, SRV(send_proxy_v2), NULL,
	       "send a PROXY protocol v2 header to the server"),
	CFG_KW("no-send-proxy-v2", 0, 0, 0, cfg_kw_off, SRV(send_proxy_v2), NULL,
	       "cancel a 'send-proxy-v2' from default-server"),
	CFG_KW("check", 0, 0, 0, cfg_kw_on, SRV(check), NULL, "enable health checks"),
	CFG_KW("no-check", 0, 0, 0, cfg_kw_off, SRV(check), NULL,
	       "cancel a 'check' from default-server"),
	CFG_KW("inter", 0, 1, 1, cfg_kw_time, SRV(inter), "<time>",
	       "interval between health checks (default 2s)", .lo = 1),
	CFG_KW("fastinter", 0, 1, 1, cfg_kw_time, SRV(fastinter), "<time>",
	       "check interval while a state change is under way (default: inter)", .lo = 1),
	CFG_KW("downinter", 0, 1, 1, cfg_kw_time, SRV(downinter), "<time>",
	       "check interval while the server is down (default: inter)", .lo = 1),
	CFG_KW("rise", 0, 1, 1, cfg_kw_int, SRV(rise), "<count>",
	       "successful checks before a server counts as up (default 2)", .lo = 1,
	       .hi = 0x7fffffff),
	CFG_KW("fall", 0, 1, 1, cfg_kw_int, SRV(fall), "<count>",
	       "failed checks before a server counts as down (default 3)", .lo = 1,
	       .hi = 0x7fffffff),
	CFG_KW("port", 0, 1, 1, cfg_kw_int, SRV(check_port), "<port>",
	       "port the health checks connect to (default: the server's)", .lo = 1,
	       .hi = 65535),
	CFG_KW("addr", 0, 1, 1, opt_ip, SRV(check_addr), "<ip>",
	       "address the health checks connect to (default: the server's)"),
	CFG_KW("check-ssl", 0, 0, 0, cfg_kw_on, SRV(check_ssl), NULL,
	       "run health checks over TLS (certificate not verified)"),
	CFG_KW("no-check-ssl", 0, 0, 0, cfg_kw_off, SRV(check_ssl), NULL,
	       "cancel a 'check-ssl' from default-server"),
	/* TLS to the server (common/cfg_ssl.c) */
	CFG_KW("ssl", 0, 0, 0, cfg_kw_on, SRV(ssl), NULL, "speak TLS to the server"),
	CFG_KW("no-ssl", 0, 0, 0, cfg_kw_off, SRV(ssl), NULL,
	       "cancel an 'ssl' from default-server"),
	CFG_KW("verify", 0, 1, 1, cfg_kw_enum, SRV(ssl_verify), "none|required",
	       "check the server's certificate against ca-file and its name (default required)",
	       .data = cfg_ssl_server_verify_modes),
	CFG_KW("ca-file", 0, 1, 1, cfg_ssl_server_file, SRV(ssl_ca_file), "<file>",
	       "CA certificates that verify the server's certificate"),
	CFG_KW("sni", 0, 1, 1, cfg_ssl_server_sni, SRV(ssl_sni), "<expr>",
	       "server name sent: str(<name>), req.hdr(host) or ssl_fc_sni"),
	CFG_KW("alpn", 0, 1, 1, cfg_ssl_server_alpn, SRV(ssl_alpn), "<protocols>",
	       "ALPN protocols offered to the server (h2, http/1.1; h2 chosen: HTTP/2)"),
	CFG_KW("proto", 0, 1, 1, cfg_kw_enum, SRV(proto), "h1|h2",
	       "protocol spoken to the server: h2 is HTTP/2 (h2c without ssl), whatever ALPN says",
	       .data = server_protos),
	CFG_KW("check-proto", 0, 1, 1, cfg_kw_enum, SRV(check_proto), "h1|h2",
	       "protocol of HTTP health checks (default: the server's proto, else h1 unless "
	       "ALPN picks h2)", .data = server_protos),
	CFG_KW("crt", 0, 1, 1, cfg_ssl_server_file, SRV(ssl_crt), "<pem>",
	       "client certificate and key presented to the server"),
	CFG_KW("verifyhost", 0, 1, 1, cfg_kw_str, SRV(ssl_verifyhost), "<name>",
	       "with verify required and no SNI sent, the name the server's certificate must "
	       "carry"),
	CFG_KW("check-sni", 0, 1, 1, opt_check_word, SRV(check_sni), "<name>",
	       "TLS server name sent by health checks"),
	CFG_KW("check-alpn", 0, 1, 1, opt_check_word, SRV(check_alpn), "<proto>[,<proto>...]",
	       "ALPN protocols offered by health checks over TLS"),
	CFG_KW("agent-check", 0, 0, 0, cfg_kw_on, SRV(agent_check), NULL,
	       "ask an agent on agent-port for weight and state"),
	CFG_KW("no-agent-check", 0, 0, 0, cfg_kw_off, SRV(agent_check), NULL,
	       "cancel an 'agent-check' from default-server"),
	CFG_KW("agent-port", 0, 1, 1, cfg_kw_int, SRV(agent_port), "<port>",
	       "TCP port of the agent", .lo = 1, .hi = 65535),
	CFG_KW("agent-addr", 0, 1, 1, opt_ip, SRV(agent_addr), "<ip>",
	       "address of the agent (default: the server's)"),
	CFG_KW("agent-send", 0, 1, 1, opt_agent_send, 0, "<string>",
	       "string sent to the agent after connecting"),
	CFG_KW("agent-inter", 0, 1, 1, cfg_kw_time, SRV(agent_inter), "<time>",
	       "interval between agent checks (default: inter)", .lo = 1),
	CFG_KW("slowstart", 0, 1, 1, cfg_kw_time, SRV(slowstart), "<time>",
	       "ramp the weight up over this time after the server comes up (default 0)"),
	CFG_KW("observe", 0, 1, 1, cfg_kw_enum, SRV(observe), "layer4|layer7",
	       "count errors of live traffic as failed checks", .data = observe_modes),
	CFG_KW("error-limit", 0, 1, 1, cfg_kw_int, SRV(error_limit), "<count>",
	       "consecutive observed errors that trigger on-error (default 10)", .lo = 1,
	       .hi = 0x7fffffff),
	CFG_KW("on-error", 0, 1, 1, cfg_kw_enum, SRV(on_error),
	       "fastinter|fail-check|sudden-death|mark-down",
	       "what error-limit observed errors do (default fail-check)",
	       .data = on_error_modes),
	CFG_KW("on-marked-down", 0, 1, 1, cfg_kw_enum, SRV(on_marked_down), "shutdown-sessions",
	       "when the server goes down, close its sessions", .data = on_marked_down_modes),
	CFG_KW("on-marked-up", 0, 1, 1, cfg_kw_enum, SRV(on_marked_up),
	       "shutdown-backup-sessions",
	       "when the server comes up, close the sessions of backup servers",
	       .data = on_marked_up_modes),
	CFG_KW_END,
};

const char *const cfg_server_unsupported[] = {
	"npn",
	"resolvers", "resolve-prefer", "resolve-opts", "init-addr", "cookie", "track", "redir", "source", "id", "namespace", "pool-max-conn", "pool-purge-delay",
	"pool-low-conn", "max-reuse", "tfo", "usesrc", "non-stick", "stick", "check-send-proxy",
	"check-via-socks4", "socks4", "tcp-ut", "ws", "set-proxy-v2-tlv-fmt",
	"proxy-v2-options", "guid", "hash-key", "log-proto", "shard", "allow-0rtt", NULL,
};

static int
server_opts(struct cfg_parser *p, struct lb_cfg_server *s, int a)
{
	return cfg_parse_options(p, cfg_server_kws, cfg_server_unsupported, "server", s, a);
}

/* "server <name> <addr>:<port> [options]" */
int
cfg_kw_server(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;
	struct lb_cfg_server *s, **tail;
	const char *name = p->w->v[a], *spec = p->w->v[a + 1];
	struct cfg_addr ad;
	char *msg, bad;

	(void)kw;
	if (cfg_name_check(name, &bad) < 0) {
		if (bad)
			cfg_err(p, a, "character '%c' is not permitted in server name '%s'", bad,
				name);
		else
			cfg_err(p, a, "server name cannot be empty");
		return -1;
	}
	if (cfg_addr_parse(spec, CFG_ADDR_UNIX | CFG_ADDR_HOSTNAME, &ad, &msg) < 0) {
		cfg_err(p, a + 1, "server '%s': %s", name, msg);
		free(msg);
		return -1;
	}
	s = lb_xmalloc(sizeof(*s));
	cfg_server_init(s);
	s->pos = cfg_pos(p, p->kw0);
	s->name = lb_xstrdup(name);
	s->addr_spec = lb_xstrdup(spec);
	s->addr = ad.addr;	/* len 0 while a hostname waits for finalize */
	free(ad.host);
	if (server_opts(p, s, a + 2) < 0) {
		cfg_server_free(s);
		free(s);
		return -1;
	}
	for (tail = &px->servers; *tail; tail = &(*tail)->next)
		;
	*tail = s;
	px->nservers++;
	return 0;
}

/* "default-server [options]": later lines override earlier ones, option by option. */
int
cfg_kw_default_server(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;

	(void)kw;
	return server_opts(p, &px->default_server, a);
}

/* The first error the option table reported, as a malloc'd message. */
static char *
first_error(const struct lb_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].sev == LB_DIAG_ERROR)
			return lb_xstrdup(d->v[i].msg);
	return lb_xstrdup("invalid server options");
}

struct lb_cfg_server *
lb_cfg_server_from_words(const struct lb_cfg_proxy *px, const char *name, const char *addr,
			 int argc, char *const *argv, char **errmsg)
{
	struct cfg_words w = { .n = 0 };
	struct cfg_parser p = { .file = "add server", .sec = CFG_SEC_BACKEND };
	struct lb_cfg_server *s;
	struct lb_diag d;
	struct cfg_addr ad;
	char *msg = NULL, bad;

	*errmsg = NULL;
	if (cfg_name_check(name, &bad) < 0) {
		*errmsg = bad ? lb_xasprintf("character '%c' is not permitted in server name '%s'",
					     bad, name)
			      : lb_xstrdup("server name cannot be empty");
		return NULL;
	}
	if (argc > CFG_MAX_WORDS) {
		*errmsg = lb_xasprintf("too many words (at most %d options)", CFG_MAX_WORDS);
		return NULL;
	}
	/* no CFG_ADDR_HOSTNAME: resolving would block the control loop */
	if (cfg_addr_parse(addr, CFG_ADDR_UNIX, &ad, &msg) < 0) {
		*errmsg = lb_xasprintf("server '%s': %s", name, msg);
		free(msg);
		return NULL;
	}
	free(ad.host);
	s = lb_xmalloc(sizeof(*s));
	cfg_server_init(s);
	s->name = lb_xstrdup(name);
	s->addr_spec = lb_xstrdup(addr);
	s->addr = ad.addr;
	s->pos.file = "add server";
	/* the words as a tokenized line; columns count words (the parser only reports them) */
	for (int i = 0; i < argc; i++) {
		w.v[i] = argv[i];
		w.col[i] = i + 1;
	}
	w.n = argc;
	w.v[argc] = NULL;
	p.px = (struct lb_cfg_proxy *)px;
	p.w = &w;
	lb_diag_init(&d);
	p.d = &d;
	if (server_opts(&p, s, 0) < 0 || p.nerrors > 0) {
		*errmsg = lb_xasprintf("server '%s': %s", name, msg = first_error(&d));
		free(msg);
		lb_diag_free(&d);
		lb_cfg_server_destroy(s);
		return NULL;
	}
	lb_diag_free(&d);
	cfg_server_merge(s, &px->default_server);
	cfg_server_builtin(s);
	msg = cfg_server_incomplete(s);
	if (!msg)
		msg = cfg_server_mode_conflict(s, px);
	if (msg) {
		*errmsg = msg;
		lb_cfg_server_destroy(s);
		return NULL;
	}
	return s;
}

char *
cfg_server_incomplete(const struct lb_cfg_server *s)
{
	if (s->agent_check == 1 && s->agent_port < 0)
		return lb_xasprintf("server '%s': 'agent-check' needs 'agent-port <port>'",
				    s->name);
	if (s->ssl == 1 && s->ssl_verify != LB_SSL_VERIFY_NONE && !s->ssl_ca_file)
		return lb_xasprintf("server '%s': 'verify required' (the default with 'ssl') "
				    "needs 'ca-file <file>', or set 'verify none'", s->name);
	return NULL;
}

/* Server options that need the backend in mode http, or an HTTP health check (HAProxy:
 * check-proto must suit the check type, and h1/h2 are HTTP protocols). */
char *
cfg_server_mode_conflict(const struct lb_cfg_server *s, const struct lb_cfg_proxy *px)
{
	if (s->proto == LB_SRV_PROTO_H2 && px->mode != LB_MODE_HTTP)
		return lb_xasprintf("server '%s': 'proto h2' needs 'mode http' (%s '%s' is in "
				    "mode tcp)", s->name, lb_cfg_proxy_type(px), px->name);
	if (s->check_proto >= 0 && px->check.type != LB_CFG_CHK_HTTP)
		return lb_xasprintf("server '%s': 'check-proto %s' needs an HTTP health check "
				    "('option httpchk')", s->name,
				    s->check_proto == LB_SRV_PROTO_H2 ? "h2" : "h1");
	return NULL;
}

void
lb_cfg_server_destroy(struct lb_cfg_server *s)
{
	if (!s)
		return;
	cfg_server_free(s);
	free(s);
}

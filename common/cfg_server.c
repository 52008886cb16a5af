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

static int
opt_addr(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_server *s = obj;
	unsigned char buf[sizeof(struct in6_addr)];
	const char *v = p->w->v[a];

	(void)kw;
	if (inet_pton(AF_INET, v, buf) != 1 && inet_pton(AF_INET6, v, buf) != 1) {
		cfg_err(p, a, "'addr' expects a numeric IPv4 or IPv6 address, got '%s'", v);
		return -1;
	}
	free(s->check_addr);
	s->check_addr = lb_xstrdup(v);
	return 0;
}

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
	CFG_KW("addr", 0, 1, 1, opt_addr, 0, "<ip>",
	       "address the health checks connect to (default: the server's)"),
	CFG_KW_END,
};

const char *const cfg_server_unsupported[] = {
	"ssl", "verify", "verifyhost", "sni", "ca-file", "crt", "check-ssl", "check-sni",
	"alpn", "npn", "proto", "resolvers", "resolve-prefer", "resolve-opts", "init-addr",
	"cookie", "agent-check", "agent-port", "agent-inter", "agent-addr", "agent-send",
	"track", "observe", "on-error", "on-marked-down", "on-marked-up", "error-limit",
	"slowstart", "redir", "source", "id", "namespace", "pool-max-conn", "pool-purge-delay",
	"pool-low-conn", "max-reuse", "tfo", "usesrc", "non-stick", "stick", "check-send-proxy",
	"check-proto", "check-via-socks4", "socks4", "tcp-ut", "ws", "set-proxy-v2-tlv-fmt",
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

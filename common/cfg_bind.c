/* common/cfg_bind.c: "bind" lines: listening addresses and their options
 *
 * One bind line may name several addresses (comma-separated) and port ranges; each
 * address and port becomes its own struct lb_cfg_bind sharing the line's options, which
 * is what the listener code binds one by one.
 */
#include "cfg_priv.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define BIND(field) offsetof(struct lb_cfg_bind, field)
#define BSSL(field) offsetof(struct lb_cfg_bind_ssl, field)

/* Ports of one line, at most: a typo like ":1-65535" should not open 65535 sockets per
 * thread. */
#define BIND_MAX_PORTS 1024

const struct lb_cfg_kw cfg_bind_kws[] = {
	CFG_KW("accept-proxy", 0, 0, 0, cfg_kw_bool, BIND(accept_proxy), NULL,
	       "expect a PROXY protocol header (v1 or v2) on every connection"),
	CFG_KW("maxconn", 0, 1, 1, cfg_kw_int, BIND(maxconn), "<number>",
	       "concurrent connections accepted on this address (default: no own limit)",
	       .lo = 0, .hi = 0x7fffffff),
	CFG_KW("name", 0, 1, 1, cfg_kw_str, BIND(name), "<name>",
	       "name of the listener in statistics"),
	CFG_KW("v6only", 0, 0, 0, cfg_kw_bool, BIND(v6only), NULL,
	       "an IPv6 wildcard address does not accept IPv4 connections"),
	CFG_KW("proto", 0, 1, 1, cfg_bind_proto, BIND(proto), "h1|h2",
	       "HTTP version spoken without ALPN: h2 (HTTP/2 with prior knowledge, h2c) or h1 "
	       "(HTTP/1.x only; by default a client opening with the HTTP/2 preface gets h2)"),
	/* TLS (common/cfg_ssl.c) */
	CFG_KW("ssl", 0, 0, 0, cfg_ssl_bind_flag, BSSL(ssl), NULL,
	       "terminate TLS on this address (needs 'crt')"),
	CFG_KW("crt", 0, 1, 1, cfg_ssl_bind_crt, 0, "<pem|dir>",
	       "certificate, chain and key in one PEM file, or a directory of them; several "
	       "allowed, the first is the default, SNI picks among them"),
	CFG_KW("crt-list", 0, 1, 1, cfg_ssl_bind_crtlist, 0, "<file>",
	       "certificates one per line, each with its own SNI filters and TLS options: "
	       "<crt> [[<option>...]] [[!]<sni>...]"),
	CFG_KW("tls-ticket-keys", 0, 1, 1, cfg_ssl_bind_ticket_keys, BSSL(ticket_keys), "<file>",
	       "session ticket keys (base64, 48 or 80 bytes a line): the penultimate of the last "
	       "three encrypts, as in HAProxy; shared by threads, reloads and nodes"),
	CFG_KW("strict-sni", 0, 0, 0, cfg_ssl_bind_flag, BSSL(strict_sni), NULL,
	       "refuse handshakes whose SNI matches no certificate (or that send none)"),
	CFG_KW("alpn", 0, 1, 1, cfg_ssl_bind_alpn, BSSL(alpn), "<protocols>",
	       "ALPN protocols offered, comma-separated (h2,http/1.1)"),
	CFG_KW("ssl-min-ver", 0, 1, 1, cfg_ssl_bind_ver, BSSL(min_ver), "<version>",
	       "oldest TLS version accepted: TLSv1.0, TLSv1.1, TLSv1.2 (default), TLSv1.3"),
	CFG_KW("ssl-max-ver", 0, 1, 1, cfg_ssl_bind_ver, BSSL(max_ver), "<version>",
	       "newest TLS version accepted (default TLSv1.3)"),
	CFG_KW("ciphers", 0, 1, 1, cfg_ssl_bind_str, BSSL(ciphers), "<list>",
	       "TLS <= 1.2 ciphers as OpenSSL names, mapped to GnuTLS priorities"),
	CFG_KW("ciphersuites", 0, 1, 1, cfg_ssl_bind_str, BSSL(ciphersuites), "<list>",
	       "TLS 1.3 cipher suites (TLS_AES_128_GCM_SHA256:...)"),
	CFG_KW("curves", 0, 1, 1, cfg_ssl_bind_str, BSSL(curves), "<list>",
	       "key exchange groups in order (X25519:P-256:...)"),
	CFG_KW("gnutls-priority", 0, 1, 1, cfg_ssl_bind_str, BSSL(gnutls_priority), "<string>",
	       "a GnuTLS priority string used as the base (default NORMAL)"),
	CFG_KW("no-tls-tickets", 0, 0, 0, cfg_ssl_bind_flag, BSSL(no_tickets), NULL,
	       "no TLS session tickets (no resumption)"),
	CFG_KW("prefer-client-ciphers", 0, 0, 0, cfg_ssl_bind_flag, BSSL(prefer_client), NULL,
	       "the client's cipher order decides (default: the server's)"),
	CFG_KW("ca-file", 0, 1, 1, cfg_ssl_bind_file, BSSL(ca_file), "<file>",
	       "CA certificates that verify client certificates"),
	CFG_KW("crl-file", 0, 1, 1, cfg_ssl_bind_file, BSSL(crl_file), "<file>",
	       "revoked client certificates (PEM CRLs)"),
	CFG_KW("verify", 0, 1, 1, cfg_ssl_bind_verify, 0, "none|optional|required",
	       "client certificates: not asked (default), asked, or demanded"),
	CFG_KW_END,
};

const char *const cfg_bind_unsupported[] = {
	"npn", "transparent", "interface", "process",
	"thread", "backlog", "defer-accept", "tfo", "mss", "nice", "id", "level", "mode", "user",
	"group", "uid", "gid", "namespace", "tcp-ut", "quic-cc-algo", "allow-0rtt",
	"accept-netscaler-cip", "severity-output", "expose-fd", "generate-certificates",
	"no-ca-names", "ecdhe", "v4v6", "label", "guid-prefix", "shards", "idle-ping",
	NULL,
};

/* "proto h1|h2" */
int
cfg_bind_proto(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	static const char *const names[] = { [LB_BIND_PROTO_H1] = "h1", [LB_BIND_PROTO_H2] = "h2" };
	const char *v = p->w->v[a];

	for (int i = LB_BIND_PROTO_H1; i <= LB_BIND_PROTO_H2; i++) {
		if (!strcmp(v, names[i])) {
			*(int *)((char *)obj + kw->offset) = i;
			return 0;
		}
	}
	cfg_err(p, a, "'proto %s': lb speaks h1 and h2 on bind lines", v);
	return -1;
}

int
cfg_kw_bind(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;
	struct lb_cfg_bind opts = { .maxconn = -1 }, *list = NULL, **ltail = &list, **tail;
	char *specs = lb_xstrdup(p->w->v[a]), *save = NULL, *one;
	int nports = 0, rc = 0;

	(void)kw;
	if (cfg_parse_options(p, cfg_bind_kws, cfg_bind_unsupported, "bind", &opts, a + 1) < 0) {
		rc = -1;
		goto out;
	}
	if (cfg_ssl_bind_finish(p, &opts, a) < 0) {
		rc = -1;
		goto out;
	}
	if (!*specs || specs[strlen(specs) - 1] == ',') {
		cfg_err(p, a, "'bind' expects <addr>[:<port>] (e.g. ':80' or '127.0.0.1:8080')");
		rc = -1;
		goto out;
	}
	for (one = strtok_r(specs, ",", &save); one; one = strtok_r(NULL, ",", &save)) {
		struct cfg_addr ad;
		char *msg;

		if (cfg_addr_parse(one, CFG_ADDR_UNIX | CFG_ADDR_PORT_RANGE | CFG_ADDR_HOSTNAME,
		                   &ad, &msg) < 0) {
			cfg_err(p, a, "bind '%s': %s", one, msg);
			free(msg);
			rc = -1;
			goto out;
		}
		if (ad.host) {
			/* a hostname on a bind line: its first address, as HAProxy does */
			struct lb_cfg_addr ra;
			int r2 = cfg_addr_resolve(ad.host, ad.family, ad.port_lo, &ra, &msg);
			free(ad.host);
			if (r2 < 0) {
				cfg_err(p, a, "bind '%s': %s", one, msg);
				free(msg);
				rc = -1;
				goto out;
			}
			ad.addr = ra;
		}
		if (ad.family != AF_UNIX)
			nports += ad.port_hi - ad.port_lo + 1;
		if (nports > BIND_MAX_PORTS) {
			cfg_err(p, a, "bind '%s': more than %d ports on one line", p->w->v[a],
				BIND_MAX_PORTS);
			rc = -1;
			goto out;
		}
		for (int port = ad.port_lo; port <= ad.port_hi; port++) {
			struct lb_cfg_bind *b = lb_xmalloc(sizeof(*b));

			*b = opts;
			b->next = NULL;
			b->pos = cfg_pos(p, a);
			b->addr = ad.addr;
			cfg_addr_set_port(&b->addr, port);
			if (ad.port_lo == ad.port_hi) {
				b->spec = lb_xstrdup(one);
			} else {
				/* "host:8000-8002" -> "host:8001" */
				const char *colon = strrchr(one, ':');
				b->spec = lb_xasprintf("%.*s:%d", (int)(colon - one), one, port);
			}
			b->name = opts.name ? lb_xstrdup(opts.name) : NULL;
			*ltail = b;
			ltail = &b->next;
			if (ad.family == AF_UNIX)
				break;
		}
	}
	for (tail = &px->binds; *tail; tail = &(*tail)->next)
		;
	*tail = list;
	list = NULL;
out:
	while (list) {
		struct lb_cfg_bind *next = list->next;
		free(list->spec);
		free(list->name);
		free(list);
		list = next;
	}
	if (rc < 0)
		cfg_bind_ssl_free(opts.ssl);	/* no copy took it */
	free(opts.name);
	free(specs);
	return rc;
}

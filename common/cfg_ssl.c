/* common/cfg_ssl.c: TLS options of "bind" and "server" lines and the global TLS defaults
 *
 * HAProxy names OpenSSL cipher lists; GnuTLS takes one priority string. The options of a
 * bind line are turned into that string here, at parse time (GnuTLS checks it when lbd
 * loads the line). The mapping (lb.cfg(5) documents it):
 *   - base: "gnutls-priority <string>" as written, else "NORMAL:%SERVER_PRECEDENCE:-RSA"
 *     (no static RSA key exchange unless "ciphers" names one: no forward secrecy, and
 *     lbd/tls_rsa.h signs with RSA keys faster where it is off);
 *   - ciphers / ciphersuites: each OpenSSL name maps to a GnuTLS key exchange, cipher and
 *     MAC; the base's lists are replaced by their union ("-CIPHER-ALL:+AES-128-GCM...").
 *     GnuTLS has one cipher list for every version: a TLS 1.3 suite also allows its cipher
 *     in TLS 1.2, and without "ciphersuites" the TLS 1.3 defaults stay allowed;
 *   - curves: "-GROUP-ALL:+GROUP-..." in the order written; without it (and without
 *     gnutls-priority) OpenSSL's order, X25519 first, as clients expect;
 *   - ssl-min-ver / ssl-max-ver: "-VERS-ALL:+VERS-TLS1.2..." (default minimum TLSv1.2, as
 *     HAProxy).
 */
#include "cfg_priv.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "ticket_keys.h"

static const struct cfg_enum tls_vers[] = {
	{ "SSLv3", LB_TLSV_SSL3 },
	{ "TLSv1.0", LB_TLSV_TLS10 },
	{ "TLSv1.1", LB_TLSV_TLS11 },
	{ "TLSv1.2", LB_TLSV_TLS12 },
	{ "TLSv1.3", LB_TLSV_TLS13 },
	{ NULL, 0 },
};

static const char *const gnutls_vers[] = {
	[LB_TLSV_SSL3] = "VERS-SSL3.0",
	[LB_TLSV_TLS10] = "VERS-TLS1.0",
	[LB_TLSV_TLS11] = "VERS-TLS1.1",
	[LB_TLSV_TLS12] = "VERS-TLS1.2",
	[LB_TLSV_TLS13] = "VERS-TLS1.3",
};

const struct cfg_enum cfg_ssl_verify_modes[] = {
	{ "none", LB_SSL_VERIFY_NONE },
	{ "optional", LB_SSL_VERIFY_OPTIONAL },
	{ "required", LB_SSL_VERIFY_REQUIRED },
	{ NULL, 0 },
};

const struct cfg_enum cfg_ssl_server_verify_modes[] = {
	{ "none", LB_SSL_VERIFY_NONE },
	{ "required", LB_SSL_VERIFY_REQUIRED },
	{ NULL, 0 },
};

/* ---- OpenSSL names -> GnuTLS priority items ---- */

struct name_map {
	const char *openssl;
	const char *gnutls;
};

/* key exchange prefixes of TLS <= 1.2 cipher names; "" last: plain RSA key exchange */
static const struct name_map kx_map[] = {
	{ "ECDHE-ECDSA-", "ECDHE-ECDSA" },
	{ "ECDHE-RSA-", "ECDHE-RSA" },
	{ "DHE-RSA-", "DHE-RSA" },
	{ "", "RSA" },
};

/* cipher and MAC parts after the key exchange */
static const struct name_map cipher_map[] = {
	{ "AES128-GCM-SHA256", "AES-128-GCM" },
	{ "AES256-GCM-SHA384", "AES-256-GCM" },
	{ "CHACHA20-POLY1305", "CHACHA20-POLY1305" },
	{ "AES128-CCM", "AES-128-CCM" },
	{ "AES256-CCM", "AES-256-CCM" },
	{ "AES128-SHA256", "AES-128-CBC" },
	{ "AES256-SHA384", "AES-256-CBC" },
	{ "AES128-SHA", "AES-128-CBC" },
	{ "AES256-SHA", "AES-256-CBC" },
};

static const struct name_map mac_of_cipher[] = {
	{ "AES128-SHA256", "SHA256" },
	{ "AES256-SHA384", "SHA384" },
	{ "AES128-SHA", "SHA1" },
	{ "AES256-SHA", "SHA1" },
};

static const struct name_map suite_map[] = {
	{ "TLS_AES_128_GCM_SHA256", "AES-128-GCM" },
	{ "TLS_AES_256_GCM_SHA384", "AES-256-GCM" },
	{ "TLS_CHACHA20_POLY1305_SHA256", "CHACHA20-POLY1305" },
	{ "TLS_AES_128_CCM_SHA256", "AES-128-CCM" },
};

static const struct name_map curve_map[] = {
	{ "X25519", "GROUP-X25519" },
	{ "X448", "GROUP-X448" },
	{ "P-256", "GROUP-SECP256R1" },
	{ "prime256v1", "GROUP-SECP256R1" },
	{ "secp256r1", "GROUP-SECP256R1" },
	{ "P-384", "GROUP-SECP384R1" },
	{ "secp384r1", "GROUP-SECP384R1" },
	{ "P-521", "GROUP-SECP521R1" },
	{ "secp521r1", "GROUP-SECP521R1" },
	{ "ffdhe2048", "GROUP-FFDHE2048" },
	{ "ffdhe3072", "GROUP-FFDHE3072" },
	{ "ffdhe4096", "GROUP-FFDHE4096" },
	{ "ffdhe8192", "GROUP-FFDHE8192" },
};

#define NMAP(t) (sizeof(t) / sizeof((t)[0]))

static const char *
map_find(const struct name_map *t, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(t[i].openssl) == len && !strncmp(t[i].openssl, name, len))
			return t[i].gnutls;
	return NULL;
}

/* Appends ":+item" to *out unless already there. */
static void
add_item(char **out, const char *item)
{
	char *needle = lb_xasprintf(":+%s:", item);
	char *hay = lb_xasprintf("%s:", *out);
	bool have = strstr(hay, needle) != NULL;

	free(needle);
	free(hay);
	if (!have) {
		char *n = lb_xasprintf("%s:+%s", *out, item);
		free(*out);
		*out = n;
	}
}

/* One OpenSSL TLS <= 1.2 cipher name into the three lists. */
static int
map_cipher(const char *name, size_t len, char **kx, char **ciph, char **mac, char **err)
{
	for (size_t k = 0; k < NMAP(kx_map); k++) {
		size_t pl = strlen(kx_map[k].openssl);
		const char *rest = name + pl, *c, *m;

		if (len < pl || strncmp(name, kx_map[k].openssl, pl))
			continue;
		c = map_find(cipher_map, NMAP(cipher_map), rest, len - pl);
		if (!c)
			continue;
		m = map_find(mac_of_cipher, NMAP(mac_of_cipher), rest, len - pl);
		add_item(kx, kx_map[k].gnutls);
		add_item(ciph, c);
		add_item(mac, m ? m : "AEAD");
		return 0;
	}
	*err = lb_xasprintf("cipher '%.*s' has no GnuTLS equivalent lb knows (OpenSSL cipher "
			    "groups and '!' exclusions are not mapped: name ciphers one by one, "
			    "or use 'gnutls-priority')", (int)len, name);
	return -1;
}

char *
cfg_ssl_priority(const char *native, const char *ciphers, const char *suites,
		 const char *curves, int min_ver, int max_ver, bool prefer_client, char **err)
{
	/* the server's order decides, as HAProxy's default (no prefer-client-ciphers) */
	char *prio = lb_xstrdup(native	      ? native
				: prefer_client ? "NORMAL:-RSA"
						: "NORMAL:%SERVER_PRECEDENCE:-RSA");
	const char *p;

	if (ciphers || suites) {
		char *kx = lb_xstrdup(""), *ciph = lb_xstrdup(""), *mac = lb_xstrdup("");

		for (p = ciphers; p && *p;) {
			size_t l = strcspn(p, ":");
			if (l && map_cipher(p, l, &kx, &ciph, &mac, err) < 0)
				goto bad;
			p += l + (p[l] ? 1 : 0);
		}
		/* without "ciphersuites", TLS 1.3 keeps its defaults when it is allowed */
		for (p = suites				  ? suites
			 : max_ver && max_ver < LB_TLSV_TLS13 ? ""
							  : "TLS_AES_128_GCM_SHA256:"
							    "TLS_AES_256_GCM_SHA384:"
							    "TLS_CHACHA20_POLY1305_SHA256";
		     *p;) {
			size_t l = strcspn(p, ":");
			const char *c = l ? map_find(suite_map, NMAP(suite_map), p, l) : NULL;
			if (l && !c) {
				*err = lb_xasprintf("TLS 1.3 cipher suite '%.*s' is unknown", (int)l,
						    p);
				goto bad;
			}
			if (c)
				add_item(&ciph, c);
			p += l + (p[l] ? 1 : 0);
		}
		add_item(&mac, "AEAD");
		char *n = lb_xasprintf("%s:-CIPHER-ALL%s:-MAC-ALL%s%s%s", prio, ciph, mac,
				       ciphers ? ":-KX-ALL" : "", ciphers ? kx : "");
		free(prio);
		prio = n;
		free(kx);
		free(ciph);
		free(mac);
		if (0) {
bad:
			free(kx);
			free(ciph);
			free(mac);
			free(prio);
			return NULL;
		}
	}
	if (!curves && !native) {
		/* OpenSSL's order, X25519 first: with the server's precedence, GnuTLS's own
		 * (P-256 first) would answer the X25519 key share most clients send with a
		 * HelloRetryRequest, a round trip and a second key exchange per handshake */
		char *n = lb_xasprintf("%s:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-X448:"
				       "+GROUP-SECP521R1:+GROUP-SECP384R1:+GROUP-FFDHE2048:"
				       "+GROUP-FFDHE3072:+GROUP-FFDHE4096:+GROUP-FFDHE8192", prio);
		free(prio);
		prio = n;
	}
	if (curves) {
		char *groups = lb_xstrdup("");
		for (p = curves; *p;) {
			size_t l = strcspn(p, ":");
			const char *g = l ? map_find(curve_map, NMAP(curve_map), p, l) : NULL;
			if (l && !g) {
				*err = lb_xasprintf("curve '%.*s' is unknown (X25519, X448, P-256, "
						    "P-384, P-521, ffdhe2048...)", (int)l, p);
				free(groups);
				free(prio);
				return NULL;
			}
			if (g)
				add_item(&groups, g);
			p += l + (p[l] ? 1 : 0);
		}
		char *n = lb_xasprintf("%s:-GROUP-ALL%s", prio, groups);
		free(prio);
		free(groups);
		prio = n;
	}
	if (!native || min_ver || max_ver) {
		int lo = min_ver ? min_ver : LB_TLSV_TLS12, hi = max_ver ? max_ver : LB_TLSV_TLS13;
		char *vers = lb_xstrdup("");
		if (lo > hi) {
			*err = lb_xstrdup("ssl-min-ver is above ssl-max-ver");
			free(vers);
			free(prio);
			return NULL;
		}
		for (int v = hi; v >= lo; v--)
			add_item(&vers, gnutls_vers[v]);
		char *n = lb_xasprintf("%s:-VERS-ALL%s", prio, vers);
		free(prio);
		free(vers);
		prio = n;
	}
	/* GnuTLS judges the result when lbd loads the bind line (lbd/tls.c): the parser
	 * does not link GnuTLS */
	return prio;
}

/* ---- bind options ---- */

#define BSSL(field) offsetof(struct lb_cfg_bind_ssl, field)

/* The line's TLS options, made by its first TLS keyword. */
static struct lb_cfg_bind_ssl *
bind_ssl(struct cfg_parser *p, void *obj, int a)
{
	struct lb_cfg_bind *b = obj;

	if (!b->ssl) {
		b->ssl = lb_xcalloc(1, sizeof(*b->ssl));
		b->ssl->pos = cfg_pos(p, a - 1);
	}
	return b->ssl;
}

int
cfg_ssl_bind_flag(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_bind_ssl *s = bind_ssl(p, obj, a);

	*(bool *)((char *)s + kw->offset) = true;
	if (kw->offset == BSSL(ssl))
		s->pos = cfg_pos(p, a - 1);
	return 0;
}

int
cfg_ssl_bind_str(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_bind_ssl *s = bind_ssl(p, obj, a);
	char **f = (char **)((char *)s + kw->offset);

	if (!*p->w->v[a]) {
		cfg_err(p, a, "'%s' expects a non-empty argument", p->kwname);
		return -1;
	}
	free(*f);
	*f = lb_xstrdup(p->w->v[a]);
	return 0;
}

static int
file_readable(struct cfg_parser *p, int a, const char *path)
{
	if (access(path, R_OK) < 0) {
		cfg_err(p, a, "'%s %s': cannot read it", p->kwname, path);
		return -1;
	}
	return 0;
}

int
cfg_ssl_bind_file(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	if (file_readable(p, a, p->w->v[a]) < 0)
		return -1;
	return cfg_ssl_bind_str(p, kw, obj, a);
}

/* "crt <pem|dir>", several allowed: the first certificate is the default one */
int
cfg_ssl_bind_crt(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_bind_ssl *s = bind_ssl(p, obj, a);
	struct lb_cfg_crt *c, **tail;

	(void)kw;
	if (file_readable(p, a, p->w->v[a]) < 0)
		return -1;
	c = lb_xcalloc(1, sizeof(*c));
	c->pos = cfg_pos(p, a);
	c->path = lb_xstrdup(p->w->v[a]);
	for (tail = &s->crts; *tail; tail = &(*tail)->next)
		;
	*tail = c;
	return 0;
}

/* "tls-ticket-keys <file>": HAProxy's format, one base64 key of 48 or 80 bytes a line;
 * lbd reads it again when it loads the bind line (lbd/tls_keys.c) */
static void
key_seen(void *arg, const unsigned char *key, unsigned len)
{
	(void)arg;
	(void)key;
	(void)len;
}

int
cfg_ssl_bind_ticket_keys(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	char *msg;

	if (lb_ticket_keys_read(p->w->v[a], key_seen, NULL, &msg) < 0) {
		cfg_err(p, a, "%s", msg);
		free(msg);
		return -1;
	}
	return cfg_ssl_bind_str(p, kw, obj, a);
}

static int
enum_word(struct cfg_parser *p, int a, const struct cfg_enum *t, int *out)
{
	for (; t->name; t++)
		if (!strcmp(t->name, p->w->v[a])) {
			*out = t->value;
			return 0;
		}
	cfg_err(p, a, "'%s' does not accept '%s'", p->kwname, p->w->v[a]);
	return -1;
}

int
cfg_ssl_bind_ver(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_bind_ssl *s = bind_ssl(p, obj, a);

	return enum_word(p, a, tls_vers, (int *)((char *)s + kw->offset));
}

int
cfg_ssl_bind_verify(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_bind_ssl *s = bind_ssl(p, obj, a);

	(void)kw;
	return enum_word(p, a, cfg_ssl_verify_modes, &s->verify);
}

/* "alpn <list>": only what lb speaks */
int
cfg_ssl_bind_alpn(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	const char *v = p->w->v[a];

	for (const char *q = v; *q;) {
		size_t l = strcspn(q, ",");
		if (!(l == 2 && !strncmp(q, "h2", 2)) &&
		    !(l == 8 && !strncmp(q, "http/1.1", 8)) &&
		    !(l == 8 && !strncmp(q, "http/1.0", 8))) {
			cfg_err(p, a, "'alpn %s': protocol '%.*s' is not one lb speaks (h2, "
				"http/1.1, http/1.0)", v, (int)l, q);
			return -1;
		}
		q += l + (q[l] ? 1 : 0);
	}
	return cfg_ssl_bind_str(p, kw, obj, a);
}

static void
inherit_str(char **dst, const char *src)
{
	if (!*dst && src)
		*dst = lb_xstrdup(src);
}

/* A crt-list line's options: what it leaves unset comes from the bind line s (already
 * completed), then the same checks and its own priority string. */
static int
crtlist_opts_finish(struct cfg_parser *p, const struct lb_cfg_bind_ssl *s,
		    struct lb_cfg_crt *c)
{
	struct lb_cfg_bind_ssl *o = c->opts;
	const char *why = NULL;
	char *err = NULL;

	inherit_str(&o->ca_file, s->ca_file);
	inherit_str(&o->crl_file, s->crl_file);
	inherit_str(&o->alpn, s->alpn);
	inherit_str(&o->ciphers, s->ciphers);
	inherit_str(&o->ciphersuites, s->ciphersuites);
	inherit_str(&o->curves, s->curves);
	inherit_str(&o->gnutls_priority, s->gnutls_priority);
	if (o->verify < 0)
		o->verify = s->verify;
	if (!o->min_ver)
		o->min_ver = s->min_ver;
	if (!o->max_ver)
		o->max_ver = s->max_ver;
	o->prefer_client = s->prefer_client;
	o->ssl = true;
	if (o->verify != LB_SSL_VERIFY_NONE && !o->ca_file)
		why = "'verify' needs 'ca-file' (on the line or the bind line)";
	else if (o->crl_file && !o->ca_file)
		why = "'crl-file' needs 'ca-file' (on the line or the bind line)";
	if (!why) {
		o->priority = cfg_ssl_priority(o->gnutls_priority, o->ciphers, o->ciphersuites,
					       o->curves, o->min_ver, o->max_ver,
					       o->prefer_client, &err);
		why = err;
	}
	if (!o->priority) {
		lb_diag_add(p->d, LB_DIAG_ERROR, &o->pos, "crt-list: %s", why);
		p->nerrors++;
		free(err);
		return -1;
	}
	return 0;
}

/* After the line's options: defaults from the global section, consistency, the priority
 * string. */
int
cfg_ssl_bind_finish(struct cfg_parser *p, struct lb_cfg_bind *b, int a)
{
	const struct lb_cfg_global *g = &p->cfg->global;
	struct lb_cfg_bind_ssl *s = b->ssl;
	char *err = NULL;

	if (!s)
		return 0;
	if (!s->ssl) {
		cfg_err(p, a, "bind '%s': TLS options need the 'ssl' keyword", p->w->v[a]);
		return -1;
	}
	if (!s->crts) {
		cfg_err(p, a, "bind '%s': 'ssl' needs at least one 'crt <pem|dir>' or 'crt-list "
			"<file>'", p->w->v[a]);
		return -1;
	}
	if (s->verify != LB_SSL_VERIFY_NONE && !s->ca_file) {
		cfg_err(p, a, "bind '%s': 'verify %s' needs 'ca-file'", p->w->v[a],
			s->verify == LB_SSL_VERIFY_REQUIRED ? "required" : "optional");
		return -1;
	}
	if (s->crl_file && !s->ca_file) {
		cfg_err(p, a, "bind '%s': 'crl-file' needs 'ca-file'", p->w->v[a]);
		return -1;
	}
	if (!s->ciphers && g->ssl_bind_ciphers)
		s->ciphers = lb_xstrdup(g->ssl_bind_ciphers);
	if (!s->ciphersuites && g->ssl_bind_ciphersuites)
		s->ciphersuites = lb_xstrdup(g->ssl_bind_ciphersuites);
	if (!s->min_ver)
		s->min_ver = g->ssl_bind_min_ver;
	if (!s->max_ver)
		s->max_ver = g->ssl_bind_max_ver;
	if (g->ssl_bind_no_tickets)
		s->no_tickets = true;
	if (g->ssl_bind_prefer_client)
		s->prefer_client = true;
	s->priority = cfg_ssl_priority(s->gnutls_priority, s->ciphers, s->ciphersuites,
				       s->curves, s->min_ver, s->max_ver, s->prefer_client, &err);
	if (!s->priority) {
		cfg_err(p, a, "bind '%s': %s", p->w->v[a], err);
		free(err);
		return -1;
	}
	for (struct lb_cfg_crt *c = s->crts; c; c = c->next)
		if (c->opts && crtlist_opts_finish(p, s, c) < 0)
			return -1;
	return 0;
}

void
cfg_bind_ssl_free(struct lb_cfg_bind_ssl *s)
{
	if (!s)
		return;
	for (struct lb_cfg_crt *c = s->crts, *n; c; c = n) {
		n = c->next;
		free(c->path);
		for (int i = 0; i < c->nfilters; i++)
			free(c->filters[i]);
		free(c->filters);
		cfg_bind_ssl_free(c->opts);
		free(c);
	}
	free(s->ticket_keys);
	free(s->ca_file);
	free(s->crl_file);
	free(s->alpn);
	free(s->ciphers);
	free(s->ciphersuites);
	free(s->curves);
	free(s->gnutls_priority);
	free(s->priority);
	free(s);
}

/* ---- global ---- */

/* "ssl-default-bind-options <opt>...": version bounds and tickets */
int
cfg_ssl_default_bind_options(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj,
			     int a)
{
	struct lb_cfg_global *g = obj;

	(void)kw;
	for (int i = a; i < p->w->n; i++) {
		const char *o = p->w->v[i];
		if (!strcmp(o, "no-tls-tickets")) {
			g->ssl_bind_no_tickets = true;
		} else if (!strcmp(o, "prefer-client-ciphers")) {
			g->ssl_bind_prefer_client = true;
		} else if (!strcmp(o, "no-sslv3")) {
			if (g->ssl_bind_min_ver < LB_TLSV_TLS10)
				g->ssl_bind_min_ver = LB_TLSV_TLS10;
		} else if (!strcmp(o, "no-tlsv10")) {
			if (g->ssl_bind_min_ver < LB_TLSV_TLS11)
				g->ssl_bind_min_ver = LB_TLSV_TLS11;
		} else if (!strcmp(o, "no-tlsv11")) {
			if (g->ssl_bind_min_ver < LB_TLSV_TLS12)
				g->ssl_bind_min_ver = LB_TLSV_TLS12;
		} else if ((!strcmp(o, "ssl-min-ver") || !strcmp(o, "ssl-max-ver")) &&
			   i + 1 < p->w->n) {
			int v;
			i++;
			if (enum_word(p, i, tls_vers, &v) < 0)
				return -1;
			if (o[4] == 'm' && o[5] == 'i')
				g->ssl_bind_min_ver = v;
			else
				g->ssl_bind_max_ver = v;
		} else {
			cfg_err(p, i, "'ssl-default-bind-options': '%s' is not supported (known: "
				"ssl-min-ver <v>, ssl-max-ver <v>, no-sslv3, no-tlsv10, no-tlsv11, "
				"no-tls-tickets, prefer-client-ciphers)", o);
			return -1;
		}
	}
	return 0;
}

/* ---- server options ---- */

/* "sni <expr>": str(<name>), req.hdr(<name>) / hdr(<name>), or ssl_fc_sni */
int
cfg_ssl_server_sni(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	const char *v = p->w->v[a];
	size_t l = strlen(v);
	bool ok = !strcmp(v, "ssl_fc_sni") ||
		  (l > 5 && v[l - 1] == ')' &&
		   (!strncmp(v, "str(", 4) || !strncmp(v, "req.hdr(", 8) || !strncmp(v, "hdr(", 4)));

	if (!ok) {
		cfg_err(p, a, "'sni %s': expected str(<name>), req.hdr(<header>) or ssl_fc_sni", v);
		return -1;
	}
	return cfg_kw_str(p, kw, obj, a);
}

/* "alpn <list>" of a server line: what lbd can speak once the server chose (h2 runs the
 * HTTP/2 codec, lbd/h2_srv.c), as a comma list without empty entries */
int
cfg_ssl_server_alpn(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	const char *v = p->w->v[a];

	for (const char *q = v;;) {
		size_t l = strcspn(q, ",");
		if (!(l == 2 && !strncmp(q, "h2", 2)) && !(l == 8 && !strncmp(q, "http/1.1", 8)) &&
		    !(l == 8 && !strncmp(q, "http/1.0", 8))) {
			cfg_err(p, a, "'alpn %s': protocol '%.*s' is not one lb speaks to servers (h2, "
				"http/1.1, http/1.0)", v, (int)l, q);
			return -1;
		}
		if (!q[l])
			break;
		q += l + 1;
	}
	return cfg_kw_str(p, kw, obj, a);
}

int
cfg_ssl_server_file(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	if (file_readable(p, a, p->w->v[a]) < 0)
		return -1;
	return cfg_kw_str(p, kw, obj, a);
}

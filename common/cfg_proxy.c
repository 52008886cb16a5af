/* common/cfg_proxy.c: keywords of defaults, frontend, backend and listen sections */
#include "cfg_priv.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "algo.h"
#include "logfmt.h"

#define PX(field) offsetof(struct lb_cfg_proxy, field)
#define TO(id) (offsetof(struct lb_cfg_proxy, timeouts) + (size_t)(id) * sizeof(long long))

static const struct cfg_enum modes[] = {
	{ "tcp", LB_MODE_TCP },
	{ "http", LB_MODE_HTTP },
	{ NULL, 0 },
};

static const struct cfg_enum server_state_loads[] = {
	{ "global", LB_SRV_STATE_GLOBAL },
	{ "local", LB_SRV_STATE_LOCAL },
	{ "none", LB_SRV_STATE_NONE },
	{ NULL, 0 },
};

static const struct cfg_enum reuse_modes[] = {
	{ "never", LB_REUSE_NEVER },
	{ "safe", LB_REUSE_SAFE },
	{ "aggressive", LB_REUSE_AGGRESSIVE },
	{ "always", LB_REUSE_ALWAYS },
	{ NULL, 0 },
};

static int
kw_mode(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	if (!strcmp(p->w->v[a], "health")) {
		cfg_err(p, a, "mode 'health' is not supported (use a monitoring frontend instead)");
		return -1;
	}
	return cfg_kw_enum(p, kw, obj, a);
}

static int
check_backend_name(struct cfg_parser *p, int a)
{
	const char *s = p->w->v[a];
	char bad;

	if (strchr(s, '%')) {
		cfg_err(p, a, "dynamic backend names ('%s') are not supported yet", s);
		return -1;
	}
	if (cfg_name_check(s, &bad) < 0) {
		cfg_err(p, a, "invalid backend name '%s'", s);
		return -1;
	}
	return 0;
}

static int
kw_default_backend(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	if (check_backend_name(p, a) < 0)
		return -1;
	return cfg_kw_str(p, kw, obj, a);
}

static int
kw_use_backend(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;
	struct lb_cfg_use_backend *u, **tail;

	(void)kw;
	if (!strstr(p->w->v[a], "%[") && check_backend_name(p, a) < 0)
		return -1;
	u = lb_xcalloc(1, sizeof(*u));
	u->pos = cfg_pos(p, 0);
	u->name = lb_xstrdup(p->w->v[a]);
	if (strstr(u->name, "%[") && cfg_use_backend_dyn(p, a, u) < 0) {
		free(u->name);
		free(u);
		return -1;
	}
	u->acl_cond = p->cond;
	p->cond = NULL;
	for (tail = &px->use_backends; *tail; tail = &(*tail)->next)
		;
	*tail = u;
	return 0;
}

/* ---- balance and hash-type ---- */

static const struct lb_algo_ops *
find_algo(struct cfg_parser *p, int a, const char *name)
{
	const struct lb_algo_ops *ops = lb_algo_find(name);
	const char *names[64], *best;
	size_t n = 0;

	if (ops)
		return ops;
	for (size_t i = 0; lb_algo_registry[i] && n < LB_ARRAY_SIZE(names) - 1; i++)
		names[n++] = lb_algo_registry[i]->name;
	names[n] = NULL;
	best = cfg_suggest_list(name, names);
	if (best)
		cfg_err(p, a, "unknown balance algorithm '%s'; did you mean '%s'?", name, best);
	else
		cfg_err(p, a, "unknown balance algorithm '%s' (see 'lbcheck --list-keywords')",
			name);
	return NULL;
}

/* "balance <algo> [args]": roundrobin, static-rr, leastconn, first, source, random[(n)],
 * uri [len n] [depth n] [whole], url_param <name>, hdr(<name>). */
static int
kw_balance(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;
	struct cfg_words *w = p->w;
	struct lb_cfg_balance b = { .uri_len = -1, .uri_depth = -1, .random_draws = -1 };
	const char *word = w->v[a];
	const struct lb_algo_ops *ops;
	char name[64];
	int i = a + 1;

	(void)kw;
	snprintf(name, sizeof(name), "%s", word);
	if (!strncmp(word, "hdr(", 4) || !strncmp(word, "random(", 7)) {
		const char *open = strchr(word, '('), *close = strrchr(word, ')');
		if (!close || close[1] || close == open + 1) {
			cfg_err(p, a, "'balance %.*s' expects %.*s(<%s>)", (int)(open - word), word,
				(int)(open - word), word, word[0] == 'h' ? "name" : "draws");
			return -1;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(open - word), word);
		if (word[0] == 'h') {
			b.arg = lb_xstrndup(open + 1, (size_t)(close - open - 1));
		} else {
			char *num = lb_xstrndup(open + 1, (size_t)(close - open - 1));
			long long v;
			int rc = lb_parse_int(num, 1, 100, &v);
			free(num);
			if (rc < 0) {
				cfg_err(p, a, "invalid number of draws in '%s' (1 to 100)", word);
				return -1;
			}
			b.random_draws = (int)v;
		}
	}
	ops = find_algo(p, a, name);
	if (!ops)
		goto fail;
	if (!strcmp(name, "hdr") && !b.arg) {
		cfg_err(p, a, "'balance hdr' expects hdr(<name>)");
		goto fail;
	}
	if (!strcmp(name, "url_param")) {
		if (i >= w->n) {
			cfg_err(p, a, "'balance url_param' expects <param>");
			goto fail;
		}
		b.arg = lb_xstrdup(w->v[i++]);
	}
	while (!strcmp(name, "uri") && i < w->n) {
		long long v;

		if (!strcmp(w->v[i], "whole")) {
			b.uri_whole = true;
			i++;
		} else if (!strcmp(w->v[i], "len") || !strcmp(w->v[i], "depth")) {
			if (i + 1 >= w->n) {
				cfg_err(p, i, "'balance uri %s' expects <number>", w->v[i]);
				goto fail;
			}
			if (cfg_get_int(p, i + 1, w->v[i], 1, 0x7fffffff, &v) < 0)
				goto fail;
			if (w->v[i][0] == 'l')
				b.uri_len = (int)v;
			else
				b.uri_depth = (int)v;
			i += 2;
		} else if (!strcmp(w->v[i], "path-only")) {
			cfg_err(p, i, "'balance uri path-only' is not supported yet");
			goto fail;
		} else {
			break;
		}
	}
	if (i < w->n) {
		if (!strcmp(w->v[i], "use_domain_only") || !strcmp(w->v[i], "check_post"))
			cfg_err(p, i, "'balance %s %s' is not supported yet", name, w->v[i]);
		else
			cfg_err(p, i, "unexpected argument '%s' for 'balance %s'", w->v[i], name);
		goto fail;
	}
	free(px->balance.algo);
	free(px->balance.arg);
	b.algo = lb_xstrdup(name);
	b.pos = cfg_pos(p, p->kw0);
	b.hash_type = px->balance.hash_type;
	px->balance = b;
	return 0;
fail:
	free(b.arg);
	return -1;
}

static const char *const hash_functions[] = {
	"sdbm", "djb2", "wt6", "crc32", "none", NULL,
};

/* "server-state-file-name [use-backend-name|<file>]": no word, or use-backend-name, is the
 * backend's name (the default) */
static int
kw_server_state_file_name(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;
	const char *f = a < p->w->n ? p->w->v[a] : NULL;

	(void)kw;
	free(px->server_state_file_name);
	px->server_state_file_name = NULL;
	if (f && !*f) {
		cfg_err(p, a, "'%s' expects a file name or use-backend-name", p->kwname);
		return -1;
	}
	if (f && strcmp(f, "use-backend-name") != 0)
		px->server_state_file_name = lb_xstrdup(f);
	return 0;
}

/* "hash-type map-based|consistent": lb hashes with its own 64-bit function, so the
 * optional function/modifier words cannot be honoured and are refused. */
static int
kw_hash_type(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;
	const char *t = p->w->v[a];

	(void)kw;
	if (!strcmp(t, "map-based")) {
		px->balance.hash_type = LB_HASH_MAP_BASED;
	} else if (!strcmp(t, "consistent")) {
		px->balance.hash_type = LB_HASH_CONSISTENT;
	} else {
		const char *s = cfg_suggest_list(t, (const char *const[]){ "map-based",
						      "consistent", NULL });
		cfg_err(p, a, "invalid hash type '%s' (expected map-based or consistent)%s%s%s", t,
			s ? "; did you mean '" : "", s ? s : "", s ? "'?" : "");
		return -1;
	}
	if (a + 1 < p->w->n) {
		const char *f = p->w->v[a + 1];
		if (cfg_in_list(f, hash_functions) || !strcmp(f, "avalanche"))
			cfg_err(p, a + 1, "hash function '%s' cannot be chosen: lb always uses its "
				"own 64-bit hash (remove '%s')", f, f);
		else
			cfg_err(p, a + 1, "unknown hash function '%s'", f);
		return -1;
	}
	return 0;
}

/* ---- options ---- */

static int
opt_conn_mode(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;

	(void)a;
	if (!p->neg)
		px->http_conn_mode = (enum lb_http_conn_mode)kw->lo;
	else if (px->http_conn_mode == (enum lb_http_conn_mode)kw->lo ||
		 px->http_conn_mode == LB_HTTP_CONN_UNSET)
		px->http_conn_mode = LB_HTTP_CONN_KAL;	/* back to HAProxy's default */
	return 0;
}

static int
opt_httplog(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;

	(void)kw;
	if (a < p->w->n && strcmp(p->w->v[a], "clf")) {
		cfg_err(p, a, "'option httplog' only accepts 'clf', found '%s'", p->w->v[a]);
		return -1;
	}
	/* the last of log-format / option httplog / option tcplog wins */
	px->httplog = 1;
	px->httplog_clf = a < p->w->n;
	px->tcplog = 0;
	lb_free(&px->log_format_src);
	return 0;
}

static int
opt_tcplog(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;

	(void)p;
	(void)kw;
	(void)a;
	px->tcplog = 1;
	px->httplog = 0;
	px->httplog_clf = 0;
	lb_free(&px->log_format_src);
	return 0;
}

static int
kw_log_format(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;

	(void)kw;
	if (cfg_check_logfmt(p, a, p->w->v[a], LB_LOGFMT_F_HTTP) < 0)
		return -1;
	free(px->log_format_src);
	px->log_format_src = lb_xstrdup(p->w->v[a]);
	px->httplog = 0;
	px->httplog_clf = 0;
	px->tcplog = 0;
	return 0;
}

/* "option forwardfor [except <network>] [header <name>] [if-none]" */
static int
opt_forwardfor(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;
	struct cfg_words *w = p->w;
	struct lb_cfg_forwardfor ff = { .enabled = 1 };
	char *msg;

	(void)kw;
	for (int i = a; i < w->n; i++) {
		if (!strcmp(w->v[i], "if-none")) {
			ff.if_none = true;
		} else if (!strcmp(w->v[i], "except") || !strcmp(w->v[i], "header")) {
			if (i + 1 >= w->n || !*w->v[i + 1]) {
				cfg_err(p, i, "'option forwardfor %s' expects %s", w->v[i],
					w->v[i][0] == 'e' ? "<network>" : "<name>");
				goto fail;
			}
			if (w->v[i][0] == 'h') {
				free(ff.header);
				ff.header = lb_xstrdup(w->v[i + 1]);
			} else if (cfg_net_parse(w->v[i + 1], &ff.except_net, &ff.except_prefix,
						 &msg) < 0) {
				cfg_err(p, i + 1, "%s", msg);
				free(msg);
				goto fail;
			} else {
				ff.has_except = true;
			}
			i++;
		} else {
			cfg_err(p, i, "unexpected argument '%s' for 'option forwardfor' (expected "
				"except, header or if-none)", w->v[i]);
			goto fail;
		}
	}
	free(px->forwardfor.header);
	px->forwardfor = ff;
	return 0;
fail:
	free(ff.header);
	return -1;
}

static const struct lb_cfg_kw option_kws[] = {
	CFG_KW("redispatch", CFG_SEC_BE, 0, 0, cfg_kw_on, PX(redispatch), NULL,
	       "on the last retry, try another server", .flags = CFG_KW_NEG),
	CFG_KW("allbackups", CFG_SEC_BE, 0, 0, cfg_kw_on, PX(allbackups), NULL,
	       "balance over all backup servers, not only the first", .flags = CFG_KW_NEG),
	CFG_KW("forwardfor", CFG_SEC_PROXY, 0, 5, opt_forwardfor, 0,
	       "[except <network>] [header <name>] [if-none]",
	       "add the client address in X-Forwarded-For"),
	CFG_KW("http-keep-alive", CFG_SEC_PROXY, 0, 0, opt_conn_mode, 0, NULL,
	       "keep both connections open between requests (default)", .lo = LB_HTTP_CONN_KAL,
	       .flags = CFG_KW_NEG),
	CFG_KW("http-server-close", CFG_SEC_PROXY, 0, 0, opt_conn_mode, 0, NULL,
	       "close the server connection after each response", .lo = LB_HTTP_CONN_SCL,
	       .flags = CFG_KW_NEG),
	CFG_KW("httpclose", CFG_SEC_PROXY, 0, 0, opt_conn_mode, 0, NULL,
	       "close both connections after each exchange", .lo = LB_HTTP_CONN_CLO,
	       .flags = CFG_KW_NEG),
	CFG_KW("httplog", CFG_SEC_PROXY, 0, 1, opt_httplog, 0, "[clf]",
	       "log HTTP requests in HAProxy's HTTP format (or the common log format)"),
	CFG_KW("tcplog", CFG_SEC_PROXY, 0, 0, opt_tcplog, 0, NULL,
	       "log connections in HAProxy's TCP format"),
	CFG_KW("dontlognull", CFG_SEC_PROXY, 0, 0, cfg_kw_on, PX(dontlognull), NULL,
	       "do not log connections that sent no data", .flags = CFG_KW_NEG),
	/* health-check types (handlers in cfg_check.c) */
	CFG_KW("httpchk", CFG_SEC_BE, 0, 3, cfg_opt_httpchk, 0, "[<method> <uri> [<version>]]",
	       "health checks send an HTTP request and expect a 2xx or 3xx response"),
	CFG_KW("tcp-check", CFG_SEC_BE, 0, 0, cfg_opt_check_plain, 0, NULL,
	       "health checks run the backend's tcp-check rules", .lo = LB_CFG_CHK_TCPCHECK),
	CFG_KW("ssl-hello-chk", CFG_SEC_BE, 0, 0, cfg_opt_check_plain, 0, NULL,
	       "health checks send a TLS ClientHello and expect a ServerHello",
	       .lo = LB_CFG_CHK_SSL_HELLO),
	CFG_KW("redis-check", CFG_SEC_BE, 0, 0, cfg_opt_check_plain, 0, NULL,
	       "health checks send PING and expect +PONG", .lo = LB_CFG_CHK_REDIS),
	CFG_KW("ldap-check", CFG_SEC_BE, 0, 0, cfg_opt_check_plain, 0, NULL,
	       "health checks send an anonymous LDAPv3 bind and expect success",
	       .lo = LB_CFG_CHK_LDAP),
	CFG_KW("mysql-check", CFG_SEC_BE, 0, 3, cfg_opt_mysql, 0,
	       "[user <username> [post-41|pre-41]]",
	       "health checks read the MySQL greeting (and log in as a password-less user)"),
	CFG_KW("pgsql-check", CFG_SEC_BE, 2, 2, cfg_opt_pgsql, 0, "user <username>",
	       "health checks send a PostgreSQL startup message and expect AuthenticationOk"),
	CFG_KW("smtpchk", CFG_SEC_BE, 0, 2, cfg_opt_smtpchk, 0, "[HELO|EHLO <domain>]",
	       "health checks expect a 2xx SMTP greeting and a 2xx reply to HELO/EHLO"),
	CFG_KW_END,
};

const char *const cfg_option_unsupported[] = {
	"log-health-checks", "abortonclose",
	"http-buffer-request", "splice-auto", "splice-request", "splice-response", "tcpka",
	"clitcpka", "srvtcpka", "prefer-last-server", "persist", "http-pretend-keepalive",
	"external-check",
	"originalto", "http-no-delay", "log-separate-errors", "logasap", "nolinger",
	"independent-streams", "accept-invalid-http-request", "accept-invalid-http-response",
	"checkcache", "contstats", "http-ignore-probes", "http-use-proxy-header", "socket-stats",
	"spop-check", "transparent", "http-restrict-req-hdr-names", "h1-case-adjust-bogus-client",
	"h1-case-adjust-bogus-server", "disable-h2-upgrade", "idle-close-on-response",
	"http_proxy", NULL,
};

static const struct lb_cfg_kw timeout_kws[] = {
	CFG_KW("client", CFG_SEC_FE, 1, 1, cfg_kw_time, TO(LB_TO_CLIENT), "<time>",
	       "inactivity on the client side (default: none)"),
	CFG_KW("server", CFG_SEC_BE, 1, 1, cfg_kw_time, TO(LB_TO_SERVER), "<time>",
	       "inactivity on the server side (default: none)"),
	CFG_KW("connect", CFG_SEC_BE, 1, 1, cfg_kw_time, TO(LB_TO_CONNECT), "<time>",
	       "longest wait for a server connection to succeed (default: none)"),
	CFG_KW("http-request", CFG_SEC_PROXY, 1, 1, cfg_kw_time, TO(LB_TO_HTTP_REQUEST),
	       "<time>", "longest wait for a complete request head (default: timeout client)"),
	CFG_KW("http-keep-alive", CFG_SEC_PROXY, 1, 1, cfg_kw_time, TO(LB_TO_HTTP_KEEP_ALIVE),
	       "<time>", "longest wait for the next request (default: timeout http-request)"),
	CFG_KW("queue", CFG_SEC_BE, 1, 1, cfg_kw_time, TO(LB_TO_QUEUE), "<time>",
	       "longest wait in a server queue (default: timeout connect)"),
	CFG_KW("tunnel", CFG_SEC_BE, 1, 1, cfg_kw_time, TO(LB_TO_TUNNEL), "<time>",
	       "inactivity of tunnels, e.g. WebSocket (default: client and server timeouts)"),
	CFG_KW("client-fin", CFG_SEC_FE, 1, 1, cfg_kw_time, TO(LB_TO_CLIENT_FIN), "<time>",
	       "inactivity after the client closed its side (default: timeout client)"),
	CFG_KW("server-fin", CFG_SEC_BE, 1, 1, cfg_kw_time, TO(LB_TO_SERVER_FIN), "<time>",
	       "inactivity after the server closed its side (default: timeout server)"),
	CFG_KW("client-hs", CFG_SEC_FE, 1, 1, cfg_kw_time, TO(LB_TO_CLIENT_HS), "<time>",
	       "longest TLS handshake of a client connection (default: timeout client)"),
	CFG_KW("check", CFG_SEC_BE, 1, 1, cfg_kw_time, TO(LB_TO_CHECK), "<time>",
	       "read timeout of health checks once connected (unset: inter bounds the whole check)"),
	CFG_KW("tarpit", CFG_SEC_PROXY, 1, 1, cfg_kw_time, TO(LB_TO_TARPIT), "<time>",
	       "how long http-request tarpit holds a request (default: timeout connect)"),
	CFG_KW_END,
};

static const char *const timeout_unsupported[] = { NULL };

/* ---- errorfile ---- */

static const int http_err_codes[] = {
	200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 421, 422, 425, 429, 500, 501, 502, 503,
	504,
};

bool
cfg_http_err_code(int status)
{
	for (size_t i = 0; i < LB_ARRAY_SIZE(http_err_codes); i++)
		if (http_err_codes[i] == status)
			return true;
	return false;
}

static int
kw_errorfile(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;
	struct lb_cfg_errorfile *e, **tail;
	long long status;

	(void)kw;
	if (cfg_get_int(p, a, "errorfile", 100, 599, &status) < 0)
		return -1;
	if (!cfg_http_err_code((int)status)) {
		cfg_err(
		    p, a,
		    "status code %lld not handled by 'errorfile' (200, 400, 401, 403, "
		    "404, 405, 407, 408, 410, 413, 421, 422, 425, 429, 500, 501, 502, 503, 504)",
		    status);
		return -1;
	}
	for (tail = &px->errorfiles; *tail; tail = &(*tail)->next) {
		if ((*tail)->status == (int)status) {
			/* a later errorfile for the same status replaces the earlier one */
			free((*tail)->path);
			(*tail)->path = lb_xstrdup(p->w->v[a + 1]);
			(*tail)->pos = cfg_pos(p, 0);
			return 0;
		}
	}
	e = lb_xcalloc(1, sizeof(*e));
	e->pos = cfg_pos(p, a + 1);
	e->status = (int)status;
	e->path = lb_xstrdup(p->w->v[a + 1]);
	*tail = e;
	return 0;
}

const struct lb_cfg_kw cfg_proxy_kws[] = {
	CFG_KW("mode", CFG_SEC_PROXY, 1, 1, kw_mode, PX(mode), "tcp|http",
	       "protocol handled by the proxy (default tcp)", .data = modes),
	CFG_KW("bind", CFG_SEC_FE_ONLY, 1, -1, cfg_kw_bind, 0,
	       "<addr>[,<addr>...] [accept-proxy] [maxconn <n>] [name <name>] [v6only]",
	       "listening address (e.g. :80, 127.0.0.1:8080, [::]:443, unix@/path)"),
	CFG_KW("default_backend", CFG_SEC_FE, 1, 1, kw_default_backend, PX(default_backend),
	       "<backend>", "backend used when no use_backend rule matches"),
	CFG_KW("use_backend", CFG_SEC_FE_ONLY, 1, 1, kw_use_backend, 0,
	       "<backend> [if|unless <condition>]",
	       "send traffic to this backend (the first whose condition matches)",
	       .flags = CFG_KW_COND),
	CFG_KW("acl", CFG_SEC_FE_BE, 2, -1, cfg_kw_acl, 0,
	       "<name> <fetch>[,<converter>...] [-i] [-m <method>] [-f <file>] [--] <value>...",
	       "declare (or extend) a named condition"),
	CFG_KW("server", CFG_SEC_BE_ONLY, 2, -1, cfg_kw_server, 0,
	       "<name> <addr>:<port> [options]", "a server of the backend"),
	CFG_KW("default-server", CFG_SEC_BE, 1, -1, cfg_kw_default_server, 0, "[options]",
	       "default options of the following servers"),
	CFG_KW("balance", CFG_SEC_BE, 1, -1, kw_balance, 0, "<algorithm> [arguments]",
	       "load-balancing algorithm (default roundrobin)"),
	CFG_KW("hash-type", CFG_SEC_BE, 1, 2, kw_hash_type, 0, "map-based|consistent",
	       "how hashing algorithms map keys to servers (default map-based)"),
	CFG_KW("timeout", CFG_SEC_PROXY, 1, -1, NULL, 0, "timeout", "", .sub = timeout_kws,
	       .data = timeout_unsupported),
	CFG_KW("maxconn", CFG_SEC_FE, 1, 1, cfg_kw_int, PX(maxconn), "<number>",
	       "concurrent connections of a frontend (default: the global maxconn)",
	       .lo = 0, .hi = 0x7fffffff),
	CFG_KW("fullconn", CFG_SEC_BE, 1, 1, cfg_kw_int, PX(fullconn), "<number>",
	       "connections at which a backend counts as full", .lo = 0, .hi = 0x7fffffff),
	CFG_KW("retries", CFG_SEC_BE, 1, 1, cfg_kw_int, PX(retries), "<number>",
	       "connection attempts after a failure (default 3)", .lo = 0, .hi = 1000000),
	CFG_KW("load-server-state-from-file", CFG_SEC_BE, 1, 1, cfg_kw_enum,
	       PX(load_server_state), "global|local|none",
	       "load the servers' states at start from server-state-file (global) or this "
	       "backend's file (local)", .data = server_state_loads),
	CFG_KW("server-state-file-name", CFG_SEC_BE_ONLY, 0, 1, kw_server_state_file_name, 0,
	       "[use-backend-name|<file>]",
	       "the backend's own state file (load-server-state-from-file local)"),
	CFG_KW("option", CFG_SEC_PROXY, 1, -1, NULL, 0, "option", "", .sub = option_kws,
	       .data = cfg_option_unsupported),
	CFG_KW("http-reuse", CFG_SEC_BE, 1, 1, cfg_kw_enum, PX(http_reuse),
	       "never|safe|aggressive|always", "sharing of idle server connections (default safe)",
	       .data = reuse_modes),
	CFG_KW("log-format", CFG_SEC_PROXY, 1, 1, kw_log_format, 0,
	       "<format> (quote it if it contains spaces)", "format of the access log lines"),
	CFG_KW("log", CFG_SEC_PROXY, 1, -1, cfg_kw_log, 0,
	       "global | <target> [len <n>] [format <fmt>] <facility> [<level> [<minlevel>]]",
	       "access log targets ('no log' disables logging)", .flags = CFG_KW_NEG),
	CFG_KW("http-request", CFG_SEC_FE_BE, 1, -1, NULL, 0, "http-request action", "",
	       .sub = cfg_http_req_kws, .data = cfg_http_req_unsupported),
	CFG_KW("http-response", CFG_SEC_FE_BE, 1, -1, NULL, 0, "http-response action", "",
	       .sub = cfg_http_res_kws, .data = cfg_http_res_unsupported),
	CFG_KW("tcp-request", CFG_SEC_FE_BE, 1, -1, NULL, 0, "tcp-request keyword", "",
	       .sub = cfg_tcp_req_kws, .data = cfg_tcp_req_unsupported),
	CFG_KW("stick", CFG_SEC_BE_ONLY, 1, -1, NULL, 0, "stick keyword", "",
	       .sub = cfg_stick_kws, .data = cfg_stick_unsupported),
	CFG_KW("stick-table", CFG_SEC_FE_BE, 4, -1, cfg_kw_stick_table, 0,
	       "type ip|ipv6|integer|string [len <n>] size <n> [expire <time>] [store <types>]",
	       "a table of counters per key (track-sc, sc_* fetches)"),
	CFG_KW("tcp-check", CFG_SEC_BE, 1, -1, NULL, 0, "tcp-check rule", "",
	       .sub = cfg_tcpcheck_kws, .data = cfg_tcpcheck_unsupported),
	CFG_KW("http-check", CFG_SEC_BE, 1, -1, NULL, 0, "http-check rule", "",
	       .sub = cfg_httpcheck_kws, .data = cfg_httpcheck_unsupported),
	CFG_KW("errorfile", CFG_SEC_PROXY, 2, 2, kw_errorfile, 0, "<status> <file>",
	       "send this file (a complete HTTP response) instead of the built-in error page"),
	CFG_KW("stats", CFG_SEC_PROXY, 1, -1, NULL, 0, "stats keyword", "", .sub = cfg_stats_kws,
	       .data = cfg_stats_unsupported),
	CFG_KW_END,
};

const char *const cfg_proxy_unsupported[] = {
	"tcp-response", "cookie",
	"compression", "capture", "monitor-uri", "monitor", "redirect", "reqadd", "rspadd",
	"reqrep", "rsprep", "unique-id-format", "unique-id-header", "errorloc",
	"errorloc302", "errorloc303", "errorfiles", "http-error", "http-after-response",
	"filter", "rate-limit", "description", "id", "disabled", "enabled", "source",
	"dispatch", "email-alert", "force-persist", "ignore-persist", "persist",
	"server-template", "dynamic-cookie-key", "max-keep-alive-queue", "backlog",
	"bind-process",
	"external-check", "grace", "declare", "use-server", "contimeout",
	"clitimeout", "srvtimeout", "http-send-name-header", "log-tag", "log-format-sd",
	"error-log-format", "retry-on", "guid", "maxconnrate", NULL,
};

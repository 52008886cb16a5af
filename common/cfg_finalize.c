/* common/cfg_finalize.c: merge defaults, apply built-in defaults, resolve and validate
 *
 * Runs once after every file was parsed, in this order (each step relies on the previous):
 *  1. load the files named by errorfile / "return file|errorfile" (defaults included, so
 *     an inherited page is read and reported once, at its own line);
 *  2. merge every section with the defaults section it inherits (declaration order, so a
 *     defaults section is complete before anything inherits from it), then default-server
 *     into servers, then the built-in defaults (HAProxy's);
 *  3. ids, duplicate names, backend references, server addresses;
 *  4. mode-dependent checks (HAProxy's warnings and fallbacks) and the compilation of
 *     log-format strings, whose meaning depends on the final mode.
 * Problems are reported at the position of the object concerned; the pass goes on after
 * an error so that one run reports everything.
 */
#include "cfg_priv.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "algo.h"
#include "logfmt.h"

#define DEFAULT_BUFSIZE 16384

struct fin {
	struct lb_cfg *cfg;
	struct lb_diag *d;
	int nerrors;
};

static void fin_err(struct fin *f, const struct lb_cfg_pos *pos, const char *fmt, ...)
	LB_PRINTF(3, 4);
static void fin_warn(struct fin *f, const struct lb_cfg_pos *pos, const char *fmt, ...)
	LB_PRINTF(3, 4);

static void
fin_err(struct fin *f, const struct lb_cfg_pos *pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lb_diag_addv(f->d, LB_DIAG_ERROR, pos, NULL, fmt, ap);
	va_end(ap);
	f->nerrors++;
}

static void
fin_warn(struct fin *f, const struct lb_cfg_pos *pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lb_diag_addv(f->d, LB_DIAG_WARNING, pos, NULL, fmt, ap);
	va_end(ap);
}

static bool
is_defaults(const struct lb_cfg_proxy *px)
{
	return px->caps & LB_CAP_DEFAULTS;
}

/* ---- 1. files ---- */

/* Reads a whole regular file of at most max bytes. Returns NULL with *errmsg. */
static char *
read_file(const char *path, size_t max, size_t *len, char **errmsg)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);	/* a FIFO must not hang us */

	if (fd < 0) {
		*errmsg = lb_xasprintf("cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*errmsg = lb_xasprintf("'%s' is not a regular file", path);
		close(fd);
		return NULL;
	}
	if ((unsigned long long)st.st_size > max) {
		*errmsg = lb_xasprintf("file '%s' exceeds the buffer size (%lld > %zu, see "
				       "tune.bufsize)", path, (long long)st.st_size, max);
		close(fd);
		return NULL;
	}
	buf = lb_xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*errmsg = lb_xasprintf("cannot read '%s': %s", path,
					       n < 0 ? strerror(errno) : "file shrank");
			free(buf);
			close(fd);
			return NULL;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* An errorfile holds a complete HTTP/1 response, sent as is. HAProxy accepts bare LF line
 * ends (its parser re-encodes the message); lb sends the bytes, so the head is rewritten
 * with CRLF here, once, and the body is kept untouched. */
static char *
normalize_response(const char *path, const char *in, size_t len, size_t *outlen, char **errmsg)
{
	const char *p = in, *end = in + len;
	char *out = lb_xmalloc(len * 2 + 3), *o = out;

	if (len < 12 || memcmp(in, "HTTP/1.", 7) || (in[7] != '0' && in[7] != '1') ||
	    in[8] != ' ' || !isdigit((unsigned char)in[9]) || !isdigit((unsigned char)in[10]) ||
	    !isdigit((unsigned char)in[11])) {
		*errmsg = lb_xasprintf("'%s' does not start with an HTTP/1.x status line (an "
				       "errorfile is a complete HTTP response)", path);
		goto fail;
	}
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t l = eol ? (size_t)(eol - p) : (size_t)(end - p);

		if (l && p[l - 1] == '\r')
			l--;
		if (memchr(p, '\0', l) || memchr(p, '\r', l)) {
			*errmsg =
			    lb_xasprintf("'%s': invalid character in the response head", path);
			goto fail;
		}
		memcpy(o, p, l);
		o += l;
		*o++ = '\r';
		*o++ = '\n';
		p = eol ? eol + 1 : end;
		if (l == 0) {
			memcpy(o, p, (size_t)(end - p));
			o += end - p;
			*outlen = (size_t)(o - out);
			return out;
		}
		if (!eol)
			break;
	}
	*errmsg = lb_xasprintf("'%s' has no end of headers (an empty line)", path);
fail:
	free(out);
	return NULL;
}

static char *
load_response(const char *path, size_t max, size_t *len, char **errmsg)
{
	size_t rlen;
	char *raw = read_file(path, max, &rlen, errmsg), *norm;

	if (!raw)
		return NULL;
	norm = normalize_response(path, raw, rlen, len, errmsg);
	free(raw);
	return norm;
}

static void
load_files(struct fin *f, struct lb_cfg_proxy *px, size_t max)
{
	char *msg;

	for (struct lb_cfg_errorfile *e = px->errorfiles; e; e = e->next) {
		e->data = load_response(e->path, max, &e->len, &msg);
		if (!e->data) {
			fin_err(f, &e->pos, "errorfile %d: %s", e->status, msg);
			free(msg);
		}
	}
	for (struct lb_cfg_http_rule *r = px->http_req_rules; r; r = r->next) {
		if (r->act != LB_ACT_RETURN || (r->body_kind != 3 && r->body_kind != 4))
			continue;
		if (r->body_kind == 3)
			r->body = read_file(r->body_src, max, &r->body_len, &msg);
		else
			r->body = load_response(r->body_src, max, &r->body_len, &msg);
		if (!r->body) {
			fin_err(f, &r->pos, "http-request return: %s", msg);
			free(msg);
		}
	}
}

/* ---- 2. merging ---- */

void
cfg_server_merge(struct lb_cfg_server *s, const struct lb_cfg_server *t)
{
#define M_INT(field) do { if (s->field < 0) s->field = t->field; } while (0)
	M_INT(weight);
	M_INT(maxconn);
	M_INT(maxqueue);
	M_INT(backup);
	M_INT(disabled);
	M_INT(send_proxy);
	M_INT(send_proxy_v2);
	M_INT(check);
	M_INT(inter);
	M_INT(fastinter);
	M_INT(downinter);
	M_INT(rise);
	M_INT(fall);
	M_INT(check_port);
	M_INT(check_ssl);
	M_INT(agent_check);
	M_INT(agent_port);
	M_INT(agent_inter);
	M_INT(slowstart);
	M_INT(observe);
	M_INT(error_limit);
	M_INT(on_error);
	M_INT(on_marked_down);
	M_INT(on_marked_up);
	M_INT(ssl);
	M_INT(ssl_verify);
	M_INT(proto);
	M_INT(check_proto);
#undef M_INT
	if (!s->check_addr && t->check_addr)
		s->check_addr = lb_xstrdup(t->check_addr);
#define M_STR(field) do { if (!s->field && t->field) s->field = lb_xstrdup(t->field); } while (0)
	M_STR(check_sni);
	M_STR(check_alpn);
	M_STR(agent_addr);
	M_STR(ssl_ca_file);
	M_STR(ssl_sni);
	M_STR(ssl_alpn);
	M_STR(ssl_verifyhost);
	M_STR(ssl_crt);
#undef M_STR
	if (!s->agent_send && t->agent_send) {
		s->agent_send = lb_xstrndup(t->agent_send, t->agent_send_len);
		s->agent_send_len = t->agent_send_len;
	}
}

static void
merge_proxy(struct lb_cfg_proxy *px, const struct lb_cfg_proxy *def)
{
	struct lb_cfg_log *logs = NULL, **lt = &logs;

	if (px->mode == LB_MODE_UNSET)
		px->mode = def->mode;
	for (int i = 0; i < LB_TO__COUNT; i++)
		if (px->timeouts[i] == LB_TIME_UNSET)
			px->timeouts[i] = def->timeouts[i];
#define M_INT(field) do { if (px->field < 0) px->field = def->field; } while (0)
	M_INT(maxconn);
	M_INT(fullconn);
	M_INT(retries);
	M_INT(redispatch);
	M_INT(allbackups);
	M_INT(load_server_state);
	M_INT(dontlognull);
#undef M_INT
	if (px->http_conn_mode == LB_HTTP_CONN_UNSET)
		px->http_conn_mode = def->http_conn_mode;
	if (px->http_reuse == LB_REUSE_UNSET)
		px->http_reuse = def->http_reuse;
	if (px->forwardfor.enabled < 0 && def->forwardfor.enabled >= 0) {
		px->forwardfor = def->forwardfor;
		if (def->forwardfor.header)
			px->forwardfor.header = lb_xstrdup(def->forwardfor.header);
	}
	if (!px->default_backend && def->default_backend &&
	    (px->caps & (LB_CAP_FE | LB_CAP_DEFAULTS)))
		px->default_backend = lb_xstrdup(def->default_backend);
	if (!px->balance.algo && def->balance.algo) {
		enum lb_hash_type ht = px->balance.hash_type;
		px->balance = def->balance;
		px->balance.algo = lb_xstrdup(def->balance.algo);
		px->balance.arg = def->balance.arg ? lb_xstrdup(def->balance.arg) : NULL;
		px->balance.hash_type = ht;
	}
	if (px->balance.hash_type == LB_HASH_UNSET)
		px->balance.hash_type = def->balance.hash_type;
	/* the log format is chosen as a whole: the last of log-format, option httplog and
	 * option tcplog in the proxy, else the defaults' choice */
	if (px->httplog < 0 && px->tcplog < 0 && !px->log_format_src) {
		px->httplog = def->httplog;
		px->httplog_clf = def->httplog_clf;
		px->tcplog = def->tcplog;
		if (def->log_format_src)
			px->log_format_src = lb_xstrdup(def->log_format_src);
	}
	/* log targets: the defaults' first, then the proxy's own, unless "no log" */
	if (!px->no_log) {
		for (const struct lb_cfg_log *l = def->logs; l; l = l->next) {
			*lt = cfg_log_dup(l);
			lt = &(*lt)->next;
		}
		*lt = px->logs;
		px->logs = logs;
	}
	cfg_server_merge(&px->default_server, &def->default_server);
	cfg_check_merge(&px->check, &def->check);
	cfg_stats_merge(px, def);
	for (const struct lb_cfg_errorfile *e = def->errorfiles; e; e = e->next) {
		struct lb_cfg_errorfile **t, *c;

		for (t = &px->errorfiles; *t && (*t)->status != e->status; t = &(*t)->next)
			;
		if (*t)
			continue;
		c = lb_xmalloc(sizeof(*c));
		*c = *e;
		c->next = NULL;
		c->path = lb_xstrdup(e->path);
		c->data = NULL;
		if (e->data) {
			c->data = lb_xmalloc(e->len + 1);
			memcpy(c->data, e->data, e->len);
			c->data[e->len] = '\0';
		}
		*t = c;
	}
}

void
cfg_server_builtin(struct lb_cfg_server *s)
{
	if (s->weight < 0)
		s->weight = 1;
	if (s->maxconn < 0)
		s->maxconn = 0;
	if (s->maxqueue < 0)
		s->maxqueue = 0;
	if (s->backup < 0)
		s->backup = 0;
	if (s->disabled < 0)
		s->disabled = 0;
	if (s->send_proxy < 0)
		s->send_proxy = 0;
	if (s->send_proxy_v2 < 0)
		s->send_proxy_v2 = 0;
	if (s->check < 0)
		s->check = 0;
	if (s->inter == LB_TIME_UNSET)
		s->inter = 2000;
	if (s->fastinter == LB_TIME_UNSET)
		s->fastinter = s->inter;
	if (s->downinter == LB_TIME_UNSET)
		s->downinter = s->inter;
	if (s->rise < 0)
		s->rise = 2;
	if (s->fall < 0)
		s->fall = 3;
	/* health-check extras (common/cfg_check.c, lbd/health.c) */
	if (s->check_ssl < 0)
		s->check_ssl = 0;
	if (s->agent_check < 0)
		s->agent_check = 0;
	if (s->agent_inter == LB_TIME_UNSET)
		s->agent_inter = s->inter;
	if (s->slowstart == LB_TIME_UNSET)
		s->slowstart = 0;
	if (s->observe < 0)
		s->observe = LB_OBSERVE_NONE;
	if (s->error_limit < 0)
		s->error_limit = 10;
	if (s->on_error < 0)
		s->on_error = LB_ON_ERROR_FAIL_CHECK;
	if (s->on_marked_down < 0)
		s->on_marked_down = LB_ON_MARKED_DOWN_NONE;
	if (s->on_marked_up < 0)
		s->on_marked_up = LB_ON_MARKED_UP_NONE;
	if (s->proto < 0)
		s->proto = LB_SRV_PROTO_H1;
}

static void
builtin_proxy(struct lb_cfg_proxy *px)
{
	if (px->mode == LB_MODE_UNSET)
		px->mode = LB_MODE_TCP;
	if (px->retries < 0)
		px->retries = 3;
	if (px->redispatch < 0)
		px->redispatch = 0;
	if (px->allbackups < 0)
		px->allbackups = 0;
	if (px->dontlognull < 0)
		px->dontlognull = 0;
	if (px->httplog < 0)
		px->httplog = 0;
	if (px->httplog_clf < 0)
		px->httplog_clf = 0;
	if (px->tcplog < 0)
		px->tcplog = 0;
	if (px->http_conn_mode == LB_HTTP_CONN_UNSET)
		px->http_conn_mode = LB_HTTP_CONN_KAL;
	if (px->http_reuse == LB_REUSE_UNSET)
		px->http_reuse = LB_REUSE_SAFE;
	if (px->forwardfor.enabled < 0)
		px->forwardfor.enabled = 0;
	if (px->forwardfor.enabled && !px->forwardfor.header)
		px->forwardfor.header = lb_xstrdup("X-Forwarded-For");
	if ((px->caps & LB_CAP_BE) && !px->balance.algo)
		px->balance.algo = lb_xstrdup("roundrobin");
	if (px->balance.hash_type == LB_HASH_UNSET)
		px->balance.hash_type = LB_HASH_MAP_BASED;
	if (px->balance.algo && !strcmp(px->balance.algo, "random") &&
	    px->balance.random_draws < 0)
		px->balance.random_draws = 2;
	if (px->no_log && px->logs)
		px->no_log = false;	/* "no log" then "log ...": the later lines count */
	cfg_check_builtin(&px->check);
}

/* ---- 3. names and addresses ---- */

static const char *
suggest_backend(const struct lb_cfg *cfg, const char *name)
{
	const char *names[256];
	size_t n = 0;

	for (const struct lb_cfg_proxy *px = cfg->proxies; px && n < 255; px = px->next)
		if (!is_defaults(px) && (px->caps & LB_CAP_BE) && px->name)
			names[n++] = px->name;
	names[n] = NULL;
	return cfg_suggest_list(name, names);
}

/* Resolves a backend reference of frontend fe; NULL after reporting. */
static struct lb_cfg_proxy *
resolve_backend(struct fin *f, struct lb_cfg_proxy *fe, const char *name,
		const struct lb_cfg_pos *pos, const char *what)
{
	struct lb_cfg_proxy *be = lb_cfg_find_proxy(f->cfg, name, LB_CAP_BE);

	if (!be) {
		const char *s = suggest_backend(f->cfg, name);
		if (lb_cfg_find_proxy(f->cfg, name, LB_CAP_FE))
			fin_err(f, pos, "%s: '%s' is a frontend, not a backend", what, name);
		else if (s)
			fin_err(f, pos, "%s: unknown backend '%s'; did you mean '%s'?", what, name,
			        s);
		else
			fin_err(f, pos, "%s: unknown backend '%s'", what, name);
		return NULL;
	}
	if (fe->mode == LB_MODE_HTTP && be->mode == LB_MODE_TCP) {
		fin_err(f, pos,
		        "%s %s '%s' (mode http) cannot use backend '%s' (mode tcp, declared "
		        "at %s:%d); see 'mode'",
		        what, lb_cfg_proxy_type(fe), fe->name, be->name, be->pos.file,
		        be->pos.line);
		return NULL;
	}
	if (fe->mode == LB_MODE_TCP && be->mode == LB_MODE_HTTP)
		fin_warn(f, pos, "%s: tcp %s '%s' uses http backend '%s': lb forwards this traffic "
			 "as tcp (no HTTP processing)", what, lb_cfg_proxy_type(fe), fe->name,
			 be->name);
	return be;
}

static void
check_names(struct fin *f)
{
	for (struct lb_cfg_proxy *px = f->cfg->proxies; px; px = px->next) {
		if (is_defaults(px))
			continue;
		for (struct lb_cfg_proxy *q = f->cfg->proxies; q != px; q = q->next) {
			if (is_defaults(q) || strcmp(q->name, px->name))
				continue;
			if (q->caps & px->caps & (LB_CAP_FE | LB_CAP_BE)) {
				fin_err(f, &px->pos,
				        "%s '%s' has the same name as %s '%s' declared at "
				        "%s:%d",
				        lb_cfg_proxy_type(px), px->name, lb_cfg_proxy_type(q),
				        q->name, q->pos.file, q->pos.line);
				break;
			}
		}
	}
}

static void
resolve_servers(struct fin *f, struct lb_cfg_proxy *px)
{
	int id = 0;

	px->nservers = 0;
	for (struct lb_cfg_server *s = px->servers; s; s = s->next) {
		s->id = ++id;
		px->nservers++;
		cfg_server_merge(s, &px->default_server);
		cfg_server_builtin(s);
		char *why = cfg_server_incomplete(s);
		if (!why)
			why = cfg_server_mode_conflict(s, px);
		if (why) {
			fin_err(f, &s->pos, "%s", why);
			free(why);
		}
		for (struct lb_cfg_server *o = px->servers; o != s; o = o->next) {
			if (!strcmp(o->name, s->name)) {
				fin_err(f, &s->pos,
				        "server '%s' already defined in %s '%s' at %s:%d", s->name,
				        lb_cfg_proxy_type(px), px->name, o->pos.file, o->pos.line);
				break;
			}
		}
		if (s->addr.len == 0) {
			struct cfg_addr ad;
			char *msg = NULL;

			if (cfg_addr_parse(s->addr_spec, CFG_ADDR_UNIX | CFG_ADDR_HOSTNAME, &ad,
					   &msg) < 0 ||
			    !ad.host ||
			    cfg_addr_resolve(ad.host, ad.family, ad.port_lo, &s->addr, &msg) < 0) {
				fin_err(f, &s->pos, "server '%s': %s", s->name,
					msg ? msg : "invalid address");
			}
			free(msg);
			free(ad.host);
		}
	}
}

/* ---- 4. modes and formats ---- */

static struct lb_logfmt *
compile(struct fin *f, const struct lb_cfg_pos *pos, const char *what, const char *src,
	unsigned flags)
{
	char *msg = NULL;
	struct lb_logfmt *fmt = lb_logfmt_compile(src, flags, &msg);

	if (!fmt) {
		fin_err(f, pos, "%s: %s", what, msg ? msg : "invalid log-format string");
		free(msg);
		return NULL;
	}
	free(msg);
	return fmt;
}

static void
compile_log_format(struct fin *f, struct lb_cfg_proxy *px)
{
	bool http = px->mode == LB_MODE_HTTP;
	const char *src;
	char *msg = NULL;

	if (px->log_format_src)
		src = px->log_format_src;
	else if (px->httplog > 0)
		src = px->httplog_clf > 0 ? lb_logfmt_httplog_clf_src : lb_logfmt_httplog_src;
	else if (px->tcplog > 0)
		src = lb_logfmt_tcplog_src;
	else
		src = http ? lb_logfmt_default_http_src : lb_logfmt_default_src;
	/* an HTTP variable in a TCP proxy is an error, as in HAProxy */
	px->log_format = lb_logfmt_compile(src, http ? LB_LOGFMT_F_HTTP : 0, &msg);
	if (!px->log_format)
		fin_err(f, &px->pos, "%s '%s': log-format: %s", lb_cfg_proxy_type(px), px->name,
			msg ? msg : "invalid log-format string");
	free(msg);
}

static void
compile_rules(struct fin *f, struct lb_cfg_http_rule *r)
{
	const unsigned fl = LB_LOGFMT_F_HTTP | LB_LOGFMT_F_VALUE;

	for (; r; r = r->next) {
		if (r->value_src)
			r->value = compile(f, &r->pos, "header value", r->value_src, fl);
		if (r->act == LB_ACT_RETURN && r->body_kind == 2)
			r->body_fmt = compile(f, &r->pos, "lf-string", r->body_src, fl);
		for (struct lb_cfg_hdr_pair *h = r->hdrs; h; h = h->next)
			h->value = compile(f, &r->pos, "hdr value", h->value_src, fl);
		if (r->act == LB_ACT_REDIRECT && r->redir_type == LB_REDIR_LOCATION)
			r->redir_fmt =
			    compile(f, &r->pos, "redirect location", r->redir_target, fl);
	}
}

static void
check_modes(struct fin *f, struct lb_cfg_proxy *px)
{
	const char *type = lb_cfg_proxy_type(px);

	if (px->mode != LB_MODE_HTTP) {
		if (px->http_req_rules)
			fin_warn(f, &px->http_req_rules->pos, "'http-request' rules ignored for %s "
				 "'%s' as they require HTTP mode", type, px->name);
		if (px->http_res_rules)
			fin_warn(f, &px->http_res_rules->pos,
			         "'http-response' rules ignored for %s "
			         "'%s' as they require HTTP mode",
			         type, px->name);
		if (px->forwardfor.enabled > 0)
			fin_warn(f, &px->pos, "'option forwardfor' ignored for %s '%s' as it "
				 "requires HTTP mode", type, px->name);
		if ((px->caps & LB_CAP_FE) && px->httplog > 0 && !px->log_format_src) {
			fin_warn(f, &px->pos,
			         "'option httplog' not usable with %s '%s' (needs 'mode "
			         "http'). Falling back to 'option tcplog'.",
			         type, px->name);
			px->httplog = 0;
			px->httplog_clf = 0;
			px->tcplog = 1;
		}
		if ((px->caps & LB_CAP_BE) && px->balance.algo) {
			const struct lb_algo_ops *ops = lb_algo_find(px->balance.algo);
			if (ops && ops->http_only) {
				fin_warn(
				    f, px->balance.pos.file ? &px->balance.pos : &px->pos,
				    "layer 7 hash not possible for %s '%s' (needs 'mode http'). "
				    "Falling back to round robin.",
				    type, px->name);
				free(px->balance.algo);
				lb_free(&px->balance.arg);
				px->balance.algo = lb_xstrdup("roundrobin");
			}
		}
	}
	if (px->balance.algo && !lb_algo_find(px->balance.algo))
		fin_err(f, &px->pos, "%s '%s': unknown balance algorithm '%s'", type, px->name,
			px->balance.algo);
	if ((px->caps & LB_CAP_FE) && !px->binds)
		fin_warn(f, &px->pos, "%s '%s' has no 'bind' directive. Please declare it as a "
			 "backend if this was intended.", type, px->name);
	/* HAProxy's rule: a frontend needs timeout client; a backend with servers needs
	 * timeout connect and timeout server (or, in mode tcp, timeout tunnel) */
	if (((px->caps & LB_CAP_FE) && px->timeouts[LB_TO_CLIENT] <= 0) ||
	    ((px->caps & LB_CAP_BE) && px->servers &&
	     (px->timeouts[LB_TO_CONNECT] <= 0 ||
	      (px->timeouts[LB_TO_SERVER] <= 0 &&
	       (px->mode == LB_MODE_HTTP || px->timeouts[LB_TO_TUNNEL] <= 0)))))
		lb_diag_add_rule(f->d, LB_DIAG_WARNING, &px->pos, "no-timeouts", /* lbcheck's id */
				 "missing timeouts for %s '%s': while not properly invalid, "
				 "you will certainly encounter various problems with such a "
				 "configuration; set 'timeout client', 'timeout connect' and "
				 "'timeout server' to non-zero values", type, px->name);
}

static void
check_global(struct fin *f)
{
	struct lb_cfg_global *g = &f->cfg->global;

	for (struct lb_cfg_cpu_map *m = g->cpu_maps; m; m = m->next) {
		int top = 64 - __builtin_clzll(m->threads);
		if (g->nbthread > 0 && top > g->nbthread)
			fin_warn(f, &m->pos, "cpu-map names thread %d but nbthread is %d", top,
				 g->nbthread);
	}
	for (struct lb_cfg_stats_socket *s = g->stats_sockets; s; s = s->next)
		for (struct lb_cfg_stats_socket *o = g->stats_sockets; o != s; o = o->next)
			if (!strcmp(o->path, s->path)) {
				fin_err(f, &s->pos, "stats socket '%s' already declared at %s:%d",
					s->path, o->pos.file, o->pos.line);
				break;
			}
}

int
lb_cfg_finalize(struct lb_cfg *cfg, struct lb_diag *d)
{
	struct fin f = { .cfg = cfg, .d = d };
	size_t max = cfg->global.tune_bufsize > 0 ? (size_t)cfg->global.tune_bufsize
						   : DEFAULT_BUFSIZE;
	int id = 0;

	if (cfg->finalized)
		return 0;
	cfg->finalized = true;
	for (struct lb_cfg_proxy *px = cfg->proxies; px; px = px->next)
		load_files(&f, px, max);
	for (struct lb_cfg_proxy *px = cfg->proxies; px; px = px->next) {
		if (px->defaults)
			merge_proxy(px, px->defaults);
		if (!is_defaults(px)) {
			builtin_proxy(px);
			px->id = ++id;
		}
	}
	check_names(&f);
	for (struct lb_cfg_proxy *px = cfg->proxies; px; px = px->next) {
		if (is_defaults(px))
			continue;
		if (px->caps & LB_CAP_BE)
			resolve_servers(&f, px);
		check_modes(&f, px);
	}
	for (struct lb_cfg_proxy *px = cfg->proxies; px; px = px->next) {
		if (is_defaults(px))
			continue;
		if ((px->caps & LB_CAP_FE) && px->default_backend)
			px->default_be = resolve_backend(&f, px, px->default_backend, &px->pos,
							 "default_backend");
		for (struct lb_cfg_use_backend *u = px->use_backends; u; u = u->next)
			if (!u->dyn)	/* dynamic names are resolved per request */
				u->backend = resolve_backend(&f, px, u->name, &u->pos,
							     "use_backend");
		if (px->caps & LB_CAP_FE)
			compile_log_format(&f, px);
		compile_rules(&f, px->http_req_rules);
		compile_rules(&f, px->http_res_rules);
		f.nerrors += cfg_acl_finalize(cfg, px, d);
		f.nerrors += cfg_stick_finalize(cfg, px, d);
	}
	f.nerrors += cfg_userlist_finalize(cfg, d);
	check_global(&f);
	return f.nerrors ? -1 : 0;
}

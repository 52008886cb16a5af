/* common/cfg.c: read config files line by line and dispatch words to the keyword tables
 *
 * The parser walks a file once. Section headers create the global/proxy objects; every
 * other line goes through dispatch(): find the row (section-aware), check "no", rule
 * conditions and arity from the row, then call the row's handler. Problems are reported
 * with the file, line and column of the word at fault, and parsing goes on with the next
 * line. Positions point into cfg->files, which lives as long as the config.
 */
#include "cfg_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acl.h"
#include "algo.h"
#include "logfmt.h"

/* ---- object life cycle ---- */

void
cfg_server_init(struct lb_cfg_server *s)
{
	memset(s, 0, sizeof(*s));
	s->weight = s->maxconn = s->maxqueue = -1;
	s->backup = s->disabled = s->send_proxy = s->send_proxy_v2 = s->check = -1;
	s->inter = s->fastinter = s->downinter = LB_TIME_UNSET;
	s->rise = s->fall = -1;
	s->check_port = -1;
	s->check_ssl = s->agent_check = s->agent_port = -1;
	s->agent_inter = s->slowstart = LB_TIME_UNSET;
	s->observe = s->error_limit = s->on_error = s->on_marked_down = s->on_marked_up = -1;
	s->ssl = s->ssl_verify = -1;
	s->proto = -1;
	s->check_proto = -1;
}

void
cfg_server_free(struct lb_cfg_server *s)
{
	lb_free(&s->name);
	lb_free(&s->addr_spec);
	lb_free(&s->check_addr);
	lb_free(&s->check_sni);
	lb_free(&s->check_alpn);
	lb_free(&s->agent_addr);
	lb_free(&s->agent_send);
	lb_free(&s->ssl_ca_file);
	lb_free(&s->ssl_sni);
	lb_free(&s->ssl_alpn);
	lb_free(&s->ssl_verifyhost);
	lb_free(&s->ssl_crt);
}

void
cfg_proxy_init(struct lb_cfg_proxy *px)
{
	memset(px, 0, sizeof(*px));
	cfg_server_init(&px->default_server);
	for (int i = 0; i < LB_TO__COUNT; i++)
		px->timeouts[i] = LB_TIME_UNSET;
	px->maxconn = px->fullconn = px->retries = -1;
	px->redispatch = px->allbackups = px->load_server_state = -1;
	px->forwardfor.enabled = -1;
	px->httplog = px->httplog_clf = px->tcplog = px->dontlognull = -1;
	px->balance.uri_len = px->balance.uri_depth = px->balance.random_draws = -1;
	cfg_check_init(&px->check);
}

void
cfg_log_free_list(struct lb_cfg_log *l)
{
	while (l) {
		struct lb_cfg_log *next = l->next;
		free(l->path);
		free(l);
		l = next;
	}
}

struct lb_cfg_log *
cfg_log_dup(const struct lb_cfg_log *l)
{
	struct lb_cfg_log *c = lb_xmalloc(sizeof(*c));

	*c = *l;
	c->next = NULL;
	c->path = l->path ? lb_xstrdup(l->path) : NULL;
	return c;
}

void
cfg_hdr_pairs_free(struct lb_cfg_hdr_pair *h)
{
	while (h) {
		struct lb_cfg_hdr_pair *next = h->next;
		free(h->name);
		free(h->value_src);
		lb_logfmt_free(h->value);
		free(h);
		h = next;
	}
}

void
cfg_http_rule_clear(struct lb_cfg_http_rule *r)
{
	free(r->name);
	free(r->value_src);
	lb_logfmt_free(r->value);
	free(r->content_type);
	free(r->body_src);
	free(r->body);
	lb_logfmt_free(r->body_fmt);
	cfg_hdr_pairs_free(r->hdrs);
	free(r->redir_target);
	lb_logfmt_free(r->redir_fmt);
	free(r->redir_set_cookie);
	lb_acl_cond_free(r->acl_cond);
	cfg_track_free(r->track);
	cfg_http_act_clear(r);
}

void
cfg_http_rules_free(struct lb_cfg_http_rule *r)
{
	while (r) {
		struct lb_cfg_http_rule *next = r->next;
		cfg_http_rule_clear(r);
		free(r);
		r = next;
	}
}

void
cfg_errorfiles_free(struct lb_cfg_errorfile *e)
{
	while (e) {
		struct lb_cfg_errorfile *next = e->next;
		free(e->path);
		free(e->data);
		free(e);
		e = next;
	}
}

static void
proxy_free(struct lb_cfg_proxy *px)
{
	free(px->name);
	free(px->defaults_name);
	for (struct lb_cfg_bind *b = px->binds, *nb; b; b = nb) {
		nb = b->next;
		if (b->ssl && (!nb || nb->ssl != b->ssl))
			cfg_bind_ssl_free(b->ssl);	/* the line's copies are adjacent */
		free(b->spec);
		free(b->name);
		free(b);
	}
	free(px->default_backend);
	for (struct lb_cfg_use_backend *u = px->use_backends, *nu; u; u = nu) {
		nu = u->next;
		free(u->name);
		lb_acl_cond_free(u->acl_cond);
		for (int i = 0; i < u->ndyn; i++)
			free(u->dyn[i].lit);
		free(u->dyn);
		free(u);
	}
	for (struct lb_cfg_server *s = px->servers, *ns; s; s = ns) {
		ns = s->next;
		cfg_server_free(s);
		free(s);
	}
	cfg_server_free(&px->default_server);
	free(px->balance.algo);
	free(px->balance.arg);
	free(px->forwardfor.header);
	free(px->log_format_src);
	free(px->server_state_file_name);
	lb_logfmt_free(px->log_format);
	cfg_log_free_list(px->logs);
	cfg_http_rules_free(px->http_req_rules);
	cfg_http_rules_free(px->http_res_rules);
	cfg_errorfiles_free(px->errorfiles);
	cfg_check_free(&px->check);
	cfg_stats_free(px->stats);
	cfg_stick_free(px);	/* before the ACLs: track keys live in the ACL set */
	cfg_acl_free(px);
	free(px);
}

void
lb_cfg_init(struct lb_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->global.nbthread = -1;
	cfg->global.maxconn = -1;
	cfg->global.hard_stop_after = LB_TIME_UNSET;
	cfg->global.tune_bufsize = -1;
	cfg->global.tune_maxhdr = -1;
	cfg->global.tune_h2_header_table_size = -1;
	cfg->global.tune_h2_initial_window_size = -1;
	cfg->global.tune_h2_max_concurrent_streams = -1;
	cfg->global.tune_h2_max_frame_size = -1;
	cfg->global.mworker_max_reloads = -1;
}

void
lb_cfg_free(struct lb_cfg *cfg)
{
	struct lb_cfg_global *g = &cfg->global;

	cfg_userlist_free(cfg);
	free(g->pidfile);
	free(g->server_state_file);
	free(g->server_state_base);
	free(g->ssl_bind_ciphers);
	free(g->ssl_bind_ciphersuites);
	free(g->user);
	free(g->group);
	free(g->chroot);
	for (struct lb_cfg_cpu_map *m = g->cpu_maps, *nm; m; m = nm) {
		nm = m->next;
		free(m);
	}
	cfg_log_free_list(g->logs);
	for (struct lb_cfg_stats_socket *s = g->stats_sockets, *ns; s; s = ns) {
		ns = s->next;
		free(s->path);
		free(s->user);
		free(s->group);
		free(s);
	}
	for (struct lb_cfg_proxy *px = cfg->proxies, *np; px; px = np) {
		np = px->next;
		proxy_free(px);
	}
	for (int i = 0; i < cfg->nfiles; i++)
		free(cfg->files[i]);
	free(cfg->files);
	memset(cfg, 0, sizeof(*cfg));
}

const char *
cfg_intern_file(struct lb_cfg *cfg, const char *name)
{
	for (int i = 0; i < cfg->nfiles; i++)
		if (!strcmp(cfg->files[i], name))
			return cfg->files[i];
	cfg->files = lb_xrealloc(cfg->files, (size_t)(cfg->nfiles + 1) * sizeof(*cfg->files));
	cfg->files[cfg->nfiles] = lb_xstrdup(name);
	return cfg->files[cfg->nfiles++];
}

/* ---- reporting ---- */

struct lb_cfg_pos
cfg_pos(const struct cfg_parser *p, int wi)
{
	struct lb_cfg_pos pos = { .file = p->file, .line = p->line, .col = 0 };

	if (p->w && wi >= 0 && wi <= p->w->n)
		pos.col = p->w->col[wi];
	return pos;
}

void
cfg_err(struct cfg_parser *p, int wi, const char *fmt, ...)
{
	struct lb_cfg_pos pos = cfg_pos(p, wi);
	va_list ap;

	va_start(ap, fmt);
	lb_diag_addv(p->d, LB_DIAG_ERROR, &pos, NULL, fmt, ap);
	va_end(ap);
	p->nerrors++;
}

void
cfg_warn(struct cfg_parser *p, int wi, const char *fmt, ...)
{
	struct lb_cfg_pos pos = cfg_pos(p, wi);
	va_list ap;

	va_start(ap, fmt);
	lb_diag_addv(p->d, LB_DIAG_WARNING, &pos, NULL, fmt, ap);
	va_end(ap);
}

/* Keeps the closest candidate; distance 0 never happens for an unknown word. */
static void
suggest_one(const char *word, const char *cand, const char **best, unsigned *bestd)
{
	unsigned dist = lb_levenshtein(word, cand);

	if (dist <= 2 && dist < strlen(word) && dist < *bestd) {
		*best = cand;
		*bestd = dist;
	}
}

const char *
cfg_suggest_kw(const char *word, const struct lb_cfg_kw *tab)
{
	const char *best = NULL;
	unsigned bestd = ~0u;

	for (; tab && tab->name; tab++)
		suggest_one(word, tab->name, &best, &bestd);
	return best;
}

const char *
cfg_suggest_list(const char *word, const char *const *names)
{
	const char *best = NULL;
	unsigned bestd = ~0u;

	for (; names && *names; names++)
		suggest_one(word, *names, &best, &bestd);
	return best;
}

bool
cfg_in_list(const char *word, const char *const *names)
{
	for (; names && *names; names++)
		if (!strcmp(word, *names))
			return true;
	return false;
}

/* "; did you mean 'x'?" or "" */
static const char *
dym(char *buf, size_t size, const char *s)
{
	if (!s)
		return "";
	snprintf(buf, size, "; did you mean '%s'?", s);
	return buf;
}

/* ---- generic setters ---- */

#define FIELD(obj, kw, type) ((type *)(void *)((char *)(obj) + (kw)->offset))

int
cfg_get_int(struct cfg_parser *p, int wi, const char *what, long long lo, long long hi,
	    long long *out)
{
	const char *s = p->w->v[wi];
	long long v;

	if (lb_parse_int(s, lo, hi, out) == 0)
		return 0;
	if (lb_parse_int(s, LLONG_MIN, LLONG_MAX, &v) == 0)
		cfg_err(p, wi, "'%s' must be between %lld and %lld, got %s", what, lo, hi, s);
	else
		cfg_err(p, wi, "invalid number '%s' for '%s'", s, what);
	return -1;
}

int
cfg_kw_time(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	const char *s = p->w->v[a];
	long long ms;

	if (lb_parse_time_ms(s, &ms) < 0) {
		cfg_err(p, a, "invalid time '%s' for '%s' (a number with an optional unit: us, ms, "
			"s, m, h or d, at most 24d)", s, p->kwname);
		return -1;
	}
	if (ms < kw->lo) {
		cfg_err(p, a, "'%s' must be at least %lldms, got %s", p->kwname, kw->lo, s);
		return -1;
	}
	*FIELD(obj, kw, long long) = ms;
	return 0;
}

int
cfg_kw_int(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	long long v;

	if (cfg_get_int(p, a, p->kwname, kw->lo, kw->hi, &v) < 0)
		return -1;
	*FIELD(obj, kw, int) = (int)v;
	return 0;
}

int
cfg_kw_size(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	const char *s = p->w->v[a];
	unsigned long long v;

	if (lb_parse_size(s, &v) < 0) {
		cfg_err(p, a, "invalid size '%s' for '%s' (a number with an optional k, m or g "
			"suffix)", s, p->kwname);
		return -1;
	}
	if (v < (unsigned long long)kw->lo || v > (unsigned long long)kw->hi) {
		cfg_err(p, a, "'%s' must be between %lld and %lld, got %s", p->kwname, kw->lo,
			kw->hi, s);
		return -1;
	}
	*FIELD(obj, kw, int) = (int)v;
	return 0;
}

int
cfg_kw_str(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	char **f = FIELD(obj, kw, char *);

	if (!*p->w->v[a]) {
		cfg_err(p, a, "'%s' expects a non-empty argument", p->kwname);
		return -1;
	}
	free(*f);
	*f = lb_xstrdup(p->w->v[a]);
	return 0;
}

int
cfg_kw_bool(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	(void)a;
	*FIELD(obj, kw, bool) = !p->neg;
	return 0;
}

int
cfg_kw_on(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	(void)a;
	*FIELD(obj, kw, int) = p->neg ? 0 : 1;
	return 0;
}

int
cfg_kw_off(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	(void)a;
	*FIELD(obj, kw, int) = p->neg ? 1 : 0;
	return 0;
}

int
cfg_kw_enum(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	const struct cfg_enum *e = kw->data;
	const char *s = p->w->v[a], *names[16];
	char list[256] = "", sug[128];
	size_t n = 0;

	for (; e->name; e++) {
		if (!strcmp(e->name, s)) {
			/* enums are int-sized (no -fshort-enums) */
			*FIELD(obj, kw, int) = e->value;
			return 0;
		}
		if (n < LB_ARRAY_SIZE(names) - 1)
			names[n++] = e->name;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 list[0] ? ", " : "", e->name);
	}
	names[n] = NULL;
	cfg_err(p, a, "invalid value '%s' for '%s' (expected one of: %s)%s", s, p->kwname, list,
		dym(sug, sizeof(sug), cfg_suggest_list(s, names)));
	return -1;
}

int
cfg_parse_options(struct cfg_parser *p, const struct lb_cfg_kw *tab,
		  const char *const *unsupported, const char *what, void *obj, int a)
{
	struct cfg_words *w = p->w;
	char saved[sizeof(p->kwname)], sug[128];
	int rc = 0;

	memcpy(saved, p->kwname, sizeof(saved));
	for (int i = a; i < w->n;) {
		const struct lb_cfg_kw *kw;

		for (kw = tab; kw->name && strcmp(kw->name, w->v[i]); kw++)
			;
		if (!kw->name) {
			if (cfg_in_list(w->v[i], unsupported))
				cfg_err(p, i, "%s option '%s' is not supported yet", what, w->v[i]);
			else
				cfg_err(p, i, "unknown %s option '%s'%s", what, w->v[i],
					dym(sug, sizeof(sug), cfg_suggest_kw(w->v[i], tab)));
			/* its arity is unknown: what follows cannot be read reliably */
			rc = -1;
			break;
		}
		if (i + kw->min_args >= w->n) {
			cfg_err(p, i, "%s option '%s' expects %s", what, kw->name,
				kw->usage ? kw->usage : "an argument");
			rc = -1;
			break;
		}
		snprintf(p->kwname, sizeof(p->kwname), "%s", kw->name);
		if (kw->parse(p, kw, obj, i + 1) < 0)
			rc = -1;
		i += 1 + kw->min_args;
	}
	memcpy(p->kwname, saved, sizeof(saved));
	return rc;
}

/* ---- sections ---- */

struct cfg_section {
	const char *name;
	unsigned sec;
	unsigned caps;
};

static const struct cfg_section cfg_sections[] = {
	{ "global", CFG_SEC_GLOBAL, 0 },
	{ "defaults", CFG_SEC_DEFAULTS, LB_CAP_DEFAULTS },
	{ "frontend", CFG_SEC_FRONTEND, LB_CAP_FE },
	{ "backend", CFG_SEC_BACKEND, LB_CAP_BE },
	{ "listen", CFG_SEC_LISTEN, LB_CAP_FE | LB_CAP_BE },
	{ "userlist", CFG_SEC_USERLIST, 0 },
};

/* HAProxy sections lb does not implement: refused once, their lines skipped. */
static const char *const cfg_sections_unsupported[] = {
	"peers", "resolvers", "mailers", "program", "http-errors", "ring", "cache",
	"log-forward", "fcgi-app", "crt-store", "traces", "acme", NULL,
};

int
cfg_name_check(const char *name, char *bad)
{
	if (!*name) {
		*bad = '\0';
		return -1;
	}
	for (const char *s = name; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == ':')) {
			*bad = (char)c;
			return -1;
		}
	}
	return 0;
}

static struct lb_cfg_proxy *
last_defaults(const struct lb_cfg *cfg, const char *name)
{
	struct lb_cfg_proxy *found = NULL;

	for (struct lb_cfg_proxy *px = cfg->proxies; px; px = px->next)
		if ((px->caps & LB_CAP_DEFAULTS) &&
		    (!name || (px->name && !strcmp(px->name, name))))
			found = px;
	return found;
}

/* HAProxy refuses to guess when one named defaults section is both named by "from" and
 * used implicitly by a proxy without "from": it warns, and so do we. */
static void
check_defaults_use(struct cfg_parser *p, const struct lb_cfg_proxy *def, bool explicit_ref)
{
	if (!def || !def->name)
		return;
	for (const struct lb_cfg_proxy *px = p->cfg->proxies; px; px = px->next) {
		if (px->defaults != def || (px->defaults_name != NULL) == explicit_ref)
			continue;
		cfg_warn(p, 0, "defaults section '%s' (declared at %s:%d) is %s referenced by "
			 "another proxy and %s used here; to avoid any ambiguity, add a last "
			 "defaults section not explicitly used, or always use 'from'", def->name,
			 def->pos.file, def->pos.line, explicit_ref ? "implicitly" : "explicitly",
			 explicit_ref ? "explicitly" : "implicitly");
		return;
	}
}

static void
start_section(struct cfg_parser *p, const struct cfg_section *s)
{
	struct cfg_words *w = p->w;
	const char *name = NULL, *from = NULL;
	struct lb_cfg_proxy *px, *def = NULL, **tail;
	char bad;
	int i = 1;

	p->sec = s->sec;
	p->sec_name = s->name;
	p->sec_skip = false;
	p->px = NULL;
	p->ul = NULL;
	if (s->sec == CFG_SEC_USERLIST) {
		cfg_userlist_start(p);
		return;
	}
	if (s->sec == CFG_SEC_GLOBAL) {
		if (w->n > 1)
			cfg_err(p, 1, "'global' takes no argument, found '%s'", w->v[1]);
		if (!p->cfg->global.pos.file)
			p->cfg->global.pos = cfg_pos(p, 0);
		return;
	}
	if (w->n > 1 && (s->sec != CFG_SEC_DEFAULTS || strcmp(w->v[1], "from"))) {
		name = w->v[1];
		i = 2;
	} else if (s->sec != CFG_SEC_DEFAULTS) {
		cfg_err(p, 0, "'%s' expects <name> as an argument", s->name);
		p->sec_skip = true;
		return;
	}
	if (i < w->n && !strcmp(w->v[i], "from")) {
		if (i + 1 >= w->n) {
			cfg_err(p, i, "'from' expects the name of a defaults section");
			p->sec_skip = true;
			return;
		}
		from = w->v[i + 1];
		i += 2;
	}
	if (i < w->n) {
		cfg_err(p, i, "unexpected argument '%s' after '%s %s'", w->v[i], s->name,
			name ? name : "");
		p->sec_skip = true;
		return;
	}
	if (name && cfg_name_check(name, &bad) < 0) {
		if (bad)
			cfg_err(p, 1, "character '%c' is not permitted in %s name '%s'", bad,
			        s->name, name);
		else
			cfg_err(p, 1, "%s name cannot be empty", s->name);
		p->sec_skip = true;
		return;
	}
	if (from) {
		def = last_defaults(p->cfg, from);
		if (!def) {
			const char *names[64];
			char sug[128];
			size_t n = 0;

			for (struct lb_cfg_proxy *d = p->cfg->proxies; d && n < 63; d = d->next)
				if ((d->caps & LB_CAP_DEFAULTS) && d->name)
					names[n++] = d->name;
			names[n] = NULL;
			cfg_err(p, i - 1,
			        "unknown defaults section '%s' (it must be declared "
			        "before)%s",
			        from, dym(sug, sizeof(sug), cfg_suggest_list(from, names)));
			p->sec_skip = true;
			return;
		}
	} else if (s->sec != CFG_SEC_DEFAULTS) {
		/* as HAProxy: the last defaults section before the proxy, named or not */
		def = last_defaults(p->cfg, NULL);
	}
	check_defaults_use(p, def, from != NULL);
	px = lb_xmalloc(sizeof(*px));
	cfg_proxy_init(px);
	px->pos = cfg_pos(p, 0);
	px->name = name ? lb_xstrdup(name) : NULL;
	px->caps = s->caps;
	px->defaults = def;
	px->defaults_name = from ? lb_xstrdup(from) : NULL;
	for (tail = &p->cfg->proxies; *tail; tail = &(*tail)->next)
		;
	*tail = px;
	p->px = px;
}

/* ---- dispatch ---- */

static void
set_kwname(struct cfg_parser *p, int upto)
{
	size_t len = 0;

	p->kwname[0] = '\0';
	for (int i = p->kw0; i <= upto && len < sizeof(p->kwname) - 1; i++) {
		int n = snprintf(p->kwname + len, sizeof(p->kwname) - len, "%s%s",
				 i > p->kw0 ? " " : "", p->w->v[i]);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

/* "client, server, connect, ..." for "'timeout' expects one of: ..." */
static void
list_names(char *buf, size_t size, const struct lb_cfg_kw *tab, unsigned sec)
{
	size_t len = 0;

	buf[0] = '\0';
	for (; tab->name && len < size; tab++) {
		if (sec && !(tab->sections & sec))
			continue;
		int n = snprintf(buf + len, size - len, "%s%s", len ? ", " : "", tab->name);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

static void
dispatch(struct cfg_parser *p, const struct lb_cfg_kw *const *tabs, size_t ntabs,
	 const char *const *unsupported, const char *what, int a)
{
	struct cfg_words *w = p->w;
	const char *name = w->v[a];
	const struct lb_cfg_kw *kw = NULL, *elsewhere = NULL;
	char sug[128];
	int nargs;

	set_kwname(p, a);
	for (size_t t = 0; t < ntabs && !kw; t++) {
		for (const struct lb_cfg_kw *k = tabs[t]; k->name; k++) {
			size_t kl = strlen(k->name);
			/* "set-var(txn.x)" is the row "set-var" with CFG_KW_PAREN */
			if (strcmp(k->name, name) &&
			    !((k->flags & CFG_KW_PAREN) && !strncmp(k->name, name, kl) &&
			      name[kl] == '('))
				continue;
			if (k->sections & p->sec) {
				kw = k;
				break;
			}
			if (!elsewhere)
				elsewhere = k;
		}
	}
	if (!kw) {
		const char *best = NULL;

		if (elsewhere) {
			cfg_err(p, p->kw0, "'%s' is not allowed in a '%s' section", p->kwname,
				p->sec_name);
			return;
		}
		if (cfg_in_list(name, unsupported)) {
			cfg_err(p, a, "'%s' is not supported yet", p->kwname);
			return;
		}
		/* prefer a keyword valid in this section, then any */
		for (int pass = 0; pass < 2 && !best; pass++) {
			unsigned bestd = ~0u;
			for (size_t t = 0; t < ntabs; t++) {
				for (const struct lb_cfg_kw *k = tabs[t]; k->name; k++) {
					unsigned dist;
					if (pass == 0 && !(k->sections & p->sec))
						continue;
					dist = lb_levenshtein(name, k->name);
					if (dist <= 2 && dist < strlen(name) && dist < bestd) {
						best = k->name;
						bestd = dist;
					}
				}
			}
		}
		if (a == p->kw0 && !best)
			best = cfg_suggest_list(name, (const char *const[]){ "global", "defaults",
				"frontend", "backend", "listen", NULL });
		if (a == p->kw0)
			cfg_err(p, a, "unknown keyword '%s' in '%s' section%s", name, p->sec_name,
				dym(sug, sizeof(sug), best));
		else
			cfg_err(p, a, "unknown %s '%s' in '%s' section%s", what, name, p->sec_name,
				dym(sug, sizeof(sug), best));
		return;
	}
	if (kw->sub) {
		char list[512];

		if (a + 1 >= w->n) {
			list_names(list, sizeof(list), kw->sub, p->sec);
			cfg_err(p, a, "'%s' expects one of: %s", p->kwname, list);
			return;
		}
		dispatch(p, &kw->sub, 1, kw->data, kw->usage ? kw->usage : kw->name, a + 1);
		return;
	}
	if (p->neg && !(kw->flags & CFG_KW_NEG)) {
		cfg_err(p, 0, "'no %s' is not supported", p->kwname);
		return;
	}
	if (kw->flags & CFG_KW_COND) {
		/* the handler sees the words before "if|unless" and takes p->cond */
		for (int i = a + 1; i < w->n; i++) {
			if (!strcmp(w->v[i], "if") || !strcmp(w->v[i], "unless")) {
				if (cfg_cond_compile(p, i, kw->flags & CFG_KW_COND_RES) < 0)
					return;
				w->n = i;
				w->v[i] = NULL;
				break;
			}
		}
	}
	nargs = w->n - a - 1;
	if (p->neg && nargs > 0) {
		cfg_err(p, a + 1, "too many arguments for 'no %s': unexpected '%s'", p->kwname,
			w->v[a + 1]);
		return;
	}
	if (!p->neg && nargs < kw->min_args) {
		if (kw->usage)
			cfg_err(p, p->kw0, "'%s' expects %s", p->kwname, kw->usage);
		else
			cfg_err(p, p->kw0, "missing argument for '%s'", p->kwname);
		return;
	}
	if (kw->max_args >= 0 && nargs > kw->max_args) {
		int extra = a + 1 + kw->max_args;
		if (kw->usage)
			cfg_err(p, extra,
			        "too many arguments for '%s': unexpected '%s' (usage: %s %s)",
			        p->kwname, w->v[extra], p->kwname, kw->usage);
		else
			cfg_err(p, extra, "too many arguments for '%s': unexpected '%s'", p->kwname,
				w->v[extra]);
		return;
	}
	kw->parse(p, kw, p->px ? (void *)p->px : (void *)&p->cfg->global, a + 1);
}

static void
parse_line(struct cfg_parser *p)
{
	struct cfg_words *w = p->w;
	static const struct lb_cfg_kw *const top[] = { cfg_global_kws, cfg_proxy_kws,
						       cfg_userlist_kws };
	const char *const *unsupported;

	p->neg = false;
	p->kw0 = 0;
	for (size_t i = 0; i < LB_ARRAY_SIZE(cfg_sections); i++) {
		if (!strcmp(w->v[0], cfg_sections[i].name)) {
			start_section(p, &cfg_sections[i]);
			return;
		}
	}
	if (cfg_in_list(w->v[0], cfg_sections_unsupported)) {
		cfg_err(p, 0, "'%s' sections are not supported yet (its lines are skipped)",
			w->v[0]);
		p->sec = 0;
		p->px = NULL;
		p->sec_skip = true;
		return;
	}
	if (p->sec_skip)
		return;
	if (!p->sec) {
		cfg_err(p, 0, "'%s' found before any section (global, defaults, frontend, backend "
			"or listen)", w->v[0]);
		return;
	}
	if (!strcmp(w->v[0], "no")) {
		if (w->n < 2) {
			cfg_err(p, 0, "'no' expects a keyword");
			return;
		}
		p->neg = true;
		p->kw0 = 1;
	}
	unsupported = p->sec == CFG_SEC_GLOBAL ? cfg_global_unsupported : cfg_proxy_unsupported;
	dispatch(p, top, LB_ARRAY_SIZE(top), unsupported, "keyword", p->kw0);
	lb_acl_cond_free(p->cond);	/* not taken: the line was refused */
	p->cond = NULL;
}

int
lb_cfg_parse_buffer(struct lb_cfg *cfg, const char *name, const char *data, size_t len,
		    struct lb_diag *d)
{
	struct cfg_words w = { 0 };
	struct cfg_parser p = { .cfg = cfg, .d = d, .w = &w };
	const char *s = data, *end = data + len;

	p.file = cfg_intern_file(cfg, name);
	if (cfg->finalized) {
		struct lb_cfg_pos pos = { .file = p.file };
		lb_diag_add(d, LB_DIAG_ERROR, &pos, "configuration already finalized");
		return -1;
	}
	/* a UTF-8 byte order mark left by some editors */
	if (len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		s += 3;
	while (s < end) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		size_t l = eol ? (size_t)(eol - s) : (size_t)(end - s);
		const char *nul = memchr(s, '\0', l);
		struct cfg_tok_ctx ctx;
		char *msg;
		int col;

		p.line++;
		w.n = 0;
		ctx = (struct cfg_tok_ctx){ .file = p.file, .line = p.line,
					    .section = p.sec_name ? p.sec_name : "" };
		if (nul) {
			struct lb_cfg_pos pos = { p.file, p.line, (int)(nul - s) + 1 };
			lb_diag_add(d, LB_DIAG_ERROR, &pos, "NUL character in the line");
			p.nerrors++;
		} else if (cfg_tokenize(s, l, &ctx, &w, &msg, &col) < 0) {
			struct lb_cfg_pos pos = { p.file, p.line, col };
			lb_diag_add(d, LB_DIAG_ERROR, &pos, "%s", msg);
			free(msg);
			p.nerrors++;
		} else {
			if (w.warn) {
				struct lb_cfg_pos pos = { p.file, p.line, w.warn_col };
				lb_diag_add(d, LB_DIAG_WARNING, &pos, "%s", w.warn);
			}
			if (w.n > 0)
				parse_line(&p);
		}
		s = eol ? eol + 1 : end;
	}
	cfg_words_free(&w);
	return p.nerrors ? -1 : 0;
}

int
lb_cfg_parse_file(struct lb_cfg *cfg, const char *path, struct lb_diag *d)
{
	const char *name = strcmp(path, "-") ? path : "<stdin>";
	struct lb_cfg_pos pos = { .file = cfg_intern_file(cfg, name) };
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, rc;

	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0) {
		lb_diag_add(d, LB_DIAG_ERROR, &pos, "cannot open: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			if (cap >= CFG_MAX_FILE) {
				lb_diag_add(d, LB_DIAG_ERROR, &pos,
				            "file too large (more than %d MiB)",
				            CFG_MAX_FILE >> 20);
				goto fail;
			}
			cap = cap ? cap * 2 : 16384;
			buf = lb_xrealloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			lb_diag_add(d, LB_DIAG_ERROR, &pos, "cannot read: %s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	rc = lb_cfg_parse_buffer(cfg, name, buf ? buf : "", len, d);
	free(buf);
	return rc;
fail:
	if (fd != STDIN_FILENO)
		close(fd);
	free(buf);
	return -1;
}

int
lb_cfg_load(struct lb_cfg *cfg, const char *path, struct lb_diag *d)
{
	lb_cfg_init(cfg);
	if (lb_cfg_parse_file(cfg, path, d) < 0)
		return -1;
	return lb_cfg_finalize(cfg, d);
}

struct lb_cfg_proxy *
lb_cfg_find_proxy(const struct lb_cfg *cfg, const char *name, unsigned caps)
{
	for (struct lb_cfg_proxy *px = cfg->proxies; px; px = px->next) {
		if (!px->name || strcmp(px->name, name))
			continue;
		if ((px->caps & LB_CAP_DEFAULTS) && !(caps & LB_CAP_DEFAULTS))
			continue;
		if (px->caps & caps)
			return px;
	}
	return NULL;
}

const char *
lb_cfg_proxy_type(const struct lb_cfg_proxy *px)
{
	if (px->caps & LB_CAP_DEFAULTS)
		return "defaults";
	if ((px->caps & (LB_CAP_FE | LB_CAP_BE)) == (LB_CAP_FE | LB_CAP_BE))
		return "listen";
	return px->caps & LB_CAP_FE ? "frontend" : "backend";
}

/* ---- listing ---- */

static void
list_kw(FILE *out, const char *area, const char *prefix, const struct lb_cfg_kw *tab)
{
	for (; tab->name; tab++) {
		char name[160];

		snprintf(name, sizeof(name), "%s%s%s", prefix, prefix[0] ? " " : "", tab->name);
		if (tab->sub) {
			list_kw(out, area, name, tab->sub);
			continue;
		}
		/* a keyword present in two tables (log, maxconn) is listed once per area */
		fprintf(out, "%-8s  %-28s  %s%s%s\n", area, name, tab->usage ? tab->usage : "",
			tab->usage ? " - " : "", tab->help);
	}
}

void
lb_cfg_list_keywords(FILE *out)
{
	list_kw(out, "global", "", cfg_global_kws);
	list_kw(out, "proxy", "", cfg_proxy_kws);
	list_kw(out, "bind", "", cfg_bind_kws);
	list_kw(out, "server", "", cfg_server_kws);
	list_kw(out, "userlist", "", cfg_userlist_kws);
	for (size_t i = 0; lb_algo_registry[i]; i++)
		fprintf(out, "%-8s  %-28s  %s\n", "balance", lb_algo_registry[i]->name,
			lb_algo_registry[i]->help ? lb_algo_registry[i]->help : "");
	/* what log-format strings (log-format, header values, lf-string) may use */
	for (size_t i = 0; lb_logfmt_vars[i].name; i++)
		fprintf(out, "%-8s  %-28s  %s\n", "logvar", lb_logfmt_vars[i].name,
			lb_logfmt_vars[i].help);
	for (size_t i = 0; lb_logfmt_fetches[i].name; i++)
		fprintf(out, "%-8s  %-28s  %s\n", "fetch", lb_logfmt_fetches[i].name,
			lb_logfmt_fetches[i].help);
}

/* common/cfg_http.c: "http-request" and "http-response" rules
 *
 * Each action is a row of cfg_http_req_kws/cfg_http_res_kws; the row's offset selects the
 * proxy's rule list, so the same handler serves both directions. Values that are
 * log-format strings (header values, lf-string, redirect locations) are checked here so
 * that a syntax error points at its word; lb_cfg_finalize() compiles them for good and
 * loads the files named by "return file|errorfile".
 */
#include "cfg_priv.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "acl.h"
#include "logfmt.h"
#include "regex.h"
#include "vars.h"

#define PX(field) offsetof(struct lb_cfg_proxy, field)
#define RULE(field) offsetof(struct lb_cfg_http_rule, field)

/* Body kinds of "http-request return" (struct lb_cfg_http_rule.body_kind). */
enum { BODY_NONE = 0, BODY_STRING, BODY_LF_STRING, BODY_FILE, BODY_ERRORFILE };

static const char *const body_kind_names[] = { "", "string", "lf-string", "file", "errorfile" };

static struct lb_cfg_http_rule *
new_rule(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, enum lb_http_act act)
{
	struct lb_cfg_http_rule *r = lb_xcalloc(1, sizeof(*r)), **tail;

	r->pos = cfg_pos(p, p->kw0);
	r->act = act;
	r->status = -1;
	r->acl_cond = p->cond;	/* the dispatcher compiled "if|unless" */
	p->cond = NULL;
	for (tail = (struct lb_cfg_http_rule **)(void *)((char *)obj + kw->offset); *tail;
	     tail = &(*tail)->next) {
		enum lb_http_act prev = (*tail)->act;
		/* without conditions, a rule after a final one can never run (HAProxy warns);
		 * tagged with the id of lbcheck's lint rule, so that it can be silenced */
		if (!(*tail)->next && !(*tail)->acl_cond &&
		    (prev == LB_ACT_DENY || prev == LB_ACT_RETURN || prev == LB_ACT_REDIRECT ||
		     prev == LB_ACT_ALLOW || prev == LB_ACT_REJECT || prev == LB_ACT_TARPIT)) {
			struct lb_cfg_pos pos = cfg_pos(p, p->kw0);
			lb_diag_add_rule(p->d, LB_DIAG_WARNING, &pos, "unreachable-rule",
					 "previous '%s' action is final and has no condition "
					 "attached, further entries are NOOP",
					 kw->offset == offsetof(struct lb_cfg_proxy, http_req_rules)
						 ? "http-request" : "http-response");
		}
	}
	*tail = r;
	return r;
}

/* RFC 9110 token characters. */
static bool
is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("!#$%&'*+-.^_`|~", c)))
			return false;
	}
	return true;
}

static int
check_hdr_name(struct cfg_parser *p, int a)
{
	if (!is_token(p->w->v[a])) {
		cfg_err(p, a, "invalid header name '%s'", p->w->v[a]);
		return -1;
	}
	return 0;
}

/* Rules are added only once their arguments are known to be good: a bad line leaves no
 * half-built rule behind. */
static int
act_header(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_http_rule *r;

	if (check_hdr_name(p, a) < 0)
		return -1;
	if (kw->lo != LB_ACT_DEL_HEADER &&
	    cfg_check_logfmt(p, a + 1, p->w->v[a + 1], LB_LOGFMT_F_HTTP | LB_LOGFMT_F_VALUE) < 0)
		return -1;
	r = new_rule(p, kw, obj, (enum lb_http_act)kw->lo);
	r->name = lb_xstrdup(p->w->v[a]);
	if (kw->lo != LB_ACT_DEL_HEADER)
		r->value_src = lb_xstrdup(p->w->v[a + 1]);
	return 0;
}

/* ---- deny ---- */

static int
deny_status(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_http_rule *r = obj;
	long long v;

	(void)kw;
	if (cfg_get_int(p, a, "deny_status", 200, 599, &v) < 0)
		return -1;
	if (!cfg_http_err_code((int)v)) {
		cfg_err(
		    p, a,
		    "status code %lld not handled by default with 'deny_status' (200, "
		    "400, 401, 403, 404, 405, 407, 408, 410, 413, 421, 422, 425, 429, 500, 501, "
		    "502, 503, 504)",
		    v);
		return -1;
	}
	r->status = (int)v;
	return 0;
}

static const struct lb_cfg_kw deny_opts[] = {
	CFG_KW("deny_status", 0, 1, 1, deny_status, 0, "<status>",
	       "status of the error page sent (default 403)"),
	CFG_KW("status", 0, 1, 1, deny_status, 0, "<status>", "same as deny_status"),
	CFG_KW_END,
};

static const char *const reply_unsupported[] = {
	"content-type", "string", "lf-string", "file", "lf-file", "errorfile", "errorfiles",
	"default-errorfiles", "hdr", NULL,
};

/* deny and tarpit (kw->lo: the action; 0 is deny) */
static int
act_deny(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_http_rule tmp = { .status = -1 }, *r;
	char what[160];

	snprintf(what, sizeof(what), "'%s'", p->kwname);
	if (cfg_parse_options(p, deny_opts, reply_unsupported, what, &tmp, a) < 0)
		return -1;
	r = new_rule(p, kw, obj, kw->lo ? (enum lb_http_act)kw->lo : LB_ACT_DENY);
	r->status = tmp.status;
	return 0;
}

/* ---- auth ---- */

/* "auth [realm <realm>]": HAProxy's 401 page with "WWW-Authenticate: Basic realm=...",
 * built as a return rule (the realm defaults to the proxy's name). The credentials are
 * checked by the http_auth() fetch of the rule's condition. */
static int
act_auth(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	static const char page[] = "<html><body><h1>401 Unauthorized</h1>\nYou need a valid "
				   "user and password to access this content.\n</body></html>\n";
	const char *realm = ((struct lb_cfg_proxy *)obj)->name;
	struct lb_cfg_http_rule *r;
	struct lb_cfg_hdr_pair *h;

	if (a < p->w->n) {
		if (strcmp(p->w->v[a], "realm") || a + 2 != p->w->n) {
			cfg_err(p, a, "'http-request auth' expects [realm <realm>]");
			return -1;
		}
		realm = p->w->v[a + 1];
	}
	if (!realm)
		realm = "lb";
	for (const char *c = realm; *c; c++) {
		if (*c == '"' || *c == '\\' || *c == '%' || (unsigned char)*c < 0x20) {
			cfg_err(p, a + 1, "invalid character '%c' in realm '%s' (no quotes, "
				"backslashes, '%%' or control characters)", *c, realm);
			return -1;
		}
	}
	r = new_rule(p, kw, obj, LB_ACT_RETURN);
	r->status = 401;
	r->content_type = lb_xstrdup("text/html");
	r->body_kind = BODY_STRING;
	r->body_src = lb_xstrdup(page);
	r->body = lb_xstrdup(page);
	r->body_len = strlen(page);
	h = lb_xcalloc(1, sizeof(*h));
	h->name = lb_xstrdup("WWW-Authenticate");
	h->value_src = lb_xasprintf("Basic realm=\"%s\"", realm);
	r->hdrs = h;
	return 0;
}

/* ---- return ---- */

static int
ret_status(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	long long v;

	(void)kw;
	if (cfg_get_int(p, a, "status", 200, 599, &v) < 0)
		return -1;
	((struct lb_cfg_http_rule *)obj)->status = (int)v;
	return 0;
}

static int
ret_body(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_http_rule *r = obj;
	const char *v = p->w->v[a];

	if (r->body_kind != BODY_NONE) {
		cfg_err(p, a - 1, "unexpected '%s': '%s' already defined", kw->name,
			body_kind_names[r->body_kind]);
		return -1;
	}
	if (kw->lo == BODY_LF_STRING &&
	    cfg_check_logfmt(p, a, v, LB_LOGFMT_F_HTTP | LB_LOGFMT_F_VALUE) < 0)
		return -1;
	if ((kw->lo == BODY_FILE || kw->lo == BODY_ERRORFILE) && !*v) {
		cfg_err(p, a, "'%s' expects <file>", kw->name);
		return -1;
	}
	r->body_kind = (int)kw->lo;
	r->body_src = lb_xstrdup(v);
	if (kw->lo == BODY_STRING) {
		r->body = lb_xstrdup(v);
		r->body_len = strlen(v);
	}
	return 0;
}

static int
ret_hdr(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_http_rule *r = obj;
	struct lb_cfg_hdr_pair *h, **tail;
	const char *name = p->w->v[a];

	(void)kw;
	if (check_hdr_name(p, a) < 0)
		return -1;
	if (!strcasecmp(name, "content-length") || !strcasecmp(name, "transfer-encoding") ||
	    !strcasecmp(name, "content-type")) {
		cfg_warn(p, a, "header '%s' always ignored by the http reply", name);
		return 0;
	}
	if (cfg_check_logfmt(p, a + 1, p->w->v[a + 1], LB_LOGFMT_F_HTTP | LB_LOGFMT_F_VALUE) < 0)
		return -1;
	h = lb_xcalloc(1, sizeof(*h));
	h->name = lb_xstrdup(name);
	h->value_src = lb_xstrdup(p->w->v[a + 1]);
	for (tail = &r->hdrs; *tail; tail = &(*tail)->next)
		;
	*tail = h;
	return 0;
}

static const struct lb_cfg_kw return_opts[] = {
	CFG_KW("status", 0, 1, 1, ret_status, 0, "<code>", "status of the response (default 200)"),
	CFG_KW("content-type", 0, 1, 1, cfg_kw_str, RULE(content_type), "<type>",
	       "Content-Type of the payload"),
	CFG_KW("string", 0, 1, 1, ret_body, 0, "<text>", "payload", .lo = BODY_STRING),
	CFG_KW("lf-string", 0, 1, 1, ret_body, 0, "<format>", "payload as a log-format string",
	       .lo = BODY_LF_STRING),
	CFG_KW("file", 0, 1, 1, ret_body, 0, "<file>", "payload read from a file",
	       .lo = BODY_FILE),
	CFG_KW("errorfile", 0, 1, 1, ret_body, 0, "<file>", "a complete raw HTTP response",
	       .lo = BODY_ERRORFILE),
	CFG_KW("hdr", 0, 2, 2, ret_hdr, 0, "<name> <format>", "extra header"),
	CFG_KW_END,
};

static const char *const return_unsupported[] = {
	"lf-file", "errorfiles", "default-errorfiles", NULL,
};

static int
act_return(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_http_rule tmp = { .status = -1 }, *r;
	int status;

	if (cfg_parse_options(p, return_opts, return_unsupported, "'http-request return'", &tmp,
			      a) < 0)
		goto fail;
	status = tmp.status > 0 ? tmp.status : 200;
	if (tmp.body_kind == BODY_NONE) {
		if (tmp.content_type) {
			cfg_warn(p, p->kw0, "content-type '%s' ignored by the http reply because "
				 "neither errorfile nor payload defined", tmp.content_type);
			lb_free(&tmp.content_type);
		}
	} else if (tmp.body_kind == BODY_ERRORFILE) {
		if (tmp.content_type) {
			cfg_warn(p, p->kw0, "content-type '%s' ignored by the http reply when used "
				 "with an errorfile", tmp.content_type);
			lb_free(&tmp.content_type);
		}
		if (tmp.hdrs) {
			cfg_warn(p, p->kw0,
			         "hdr parameters ignored by the http reply when used with "
			         "an errorfile");
			cfg_hdr_pairs_free(tmp.hdrs);
			tmp.hdrs = NULL;
		}
	} else {
		bool empty = tmp.body_kind == BODY_STRING && tmp.body_len == 0;

		if (status == 204 || status == 304) {
			cfg_err(p, p->kw0, "no body expected for %d responses", status);
			goto fail;
		}
		if (!tmp.content_type && !empty) {
			cfg_err(p, p->kw0,
			        "a content type must be defined when a non-empty payload "
			        "is configured (add 'content-type <type>')");
			goto fail;
		}
	}
	r = new_rule(p, kw, obj, LB_ACT_RETURN);
	tmp.next = NULL;
	tmp.pos = r->pos;
	tmp.act = LB_ACT_RETURN;
	tmp.acl_cond = r->acl_cond;
	*r = tmp;
	return 0;
fail:
	cfg_http_rule_clear(&tmp);
	return -1;
}

/* ---- redirect ---- */

static int
redir_code(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	long long v;

	(void)kw;
	if (cfg_get_int(p, a, "code", 301, 308, &v) < 0)
		return -1;
	if (v != 301 && v != 302 && v != 303 && v != 307 && v != 308) {
		cfg_err(p, a, "redirect code must be one of 301, 302, 303, 307 or 308, got %lld",
		        v);
		return -1;
	}
	((struct lb_cfg_http_rule *)obj)->status = (int)v;
	return 0;
}

static int
redir_cookie(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_http_rule *r = obj;

	if (r->redir_set_cookie) {
		cfg_err(p, a - 1, "only one of 'set-cookie' and 'clear-cookie' may be given");
		return -1;
	}
	if (!*p->w->v[a]) {
		cfg_err(p, a, "'%s' expects a cookie", kw->name);
		return -1;
	}
	r->redir_set_cookie = lb_xstrdup(p->w->v[a]);
	r->redir_clear_cookie = kw->lo;
	return 0;
}

static const struct lb_cfg_kw redirect_opts[] = {
	CFG_KW("code", 0, 1, 1, redir_code, 0, "<301|302|303|307|308>", "status (default 302)"),
	CFG_KW("drop-query", 0, 0, 0, cfg_kw_bool, RULE(redir_drop_query), NULL,
	       "remove the query string from the location"),
	CFG_KW("append-slash", 0, 0, 0, cfg_kw_bool, RULE(redir_append_slash), NULL,
	       "add a '/' at the end of the location"),
	CFG_KW("set-cookie", 0, 1, 1, redir_cookie, 0, "<name>[=<value>]",
	       "set this cookie in the response"),
	CFG_KW("clear-cookie", 0, 1, 1, redir_cookie, 0, "<name>[=]",
	       "expire this cookie in the response", .lo = 1),
	CFG_KW_END,
};

static const struct cfg_enum redirect_types[] = {
	{ "location", LB_REDIR_LOCATION },
	{ "prefix", LB_REDIR_PREFIX },
	{ "scheme", LB_REDIR_SCHEME },
	{ NULL, 0 },
};

static const char *const redirect_unsupported[] = { "ignore-empty", "keep-query", NULL };

static int
act_redirect(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	static const struct lb_cfg_kw type_kw = CFG_KW("redirect", 0, 1, 1, cfg_kw_enum,
						       RULE(redir_type), NULL, "",
						       .data = redirect_types);
	struct lb_cfg_http_rule tmp = { .status = -1 }, *r;
	const char *target = p->w->v[a + 1];

	if (cfg_kw_enum(p, &type_kw, &tmp, a) < 0)
		return -1;
	if (tmp.redir_type == LB_REDIR_LOCATION) {
		if (cfg_check_logfmt(p, a + 1, target, LB_LOGFMT_F_HTTP | LB_LOGFMT_F_VALUE) < 0)
			return -1;
	} else if (strchr(target, '%')) {
		cfg_err(p, a + 1, "log-format variables in 'redirect %s' are not supported yet",
			p->w->v[a]);
		return -1;
	}
	if (!*target) {
		cfg_err(p, a + 1, "'redirect %s' expects a non-empty target", p->w->v[a]);
		return -1;
	}
	if (cfg_parse_options(p, redirect_opts, redirect_unsupported, "'http-request redirect'",
			      &tmp, a + 2) < 0) {
		free(tmp.redir_set_cookie);
		return -1;
	}
	r = new_rule(p, kw, obj, LB_ACT_REDIRECT);
	r->redir_type = tmp.redir_type;
	r->redir_target = lb_xstrdup(target);
	r->status = tmp.status;
	r->redir_drop_query = tmp.redir_drop_query;
	r->redir_append_slash = tmp.redir_append_slash;
	r->redir_set_cookie = tmp.redir_set_cookie;
	r->redir_clear_cookie = tmp.redir_clear_cookie;
	return 0;
}

/* ---- use-service ---- */

static const struct cfg_enum services[] = {
	{ "prometheus-exporter", LB_SVC_PROMETHEUS },
	{ NULL, 0 },
};

/* "use-service <name> [if|unless <condition>]" (the condition, compiled by the dispatcher,
 * is stored by new_rule) */
static int
act_use_service(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct cfg_words *w = p->w;
	struct lb_cfg_http_rule *r;
	int svc = 0;

	for (const struct cfg_enum *e = services; e->name; e++)
		if (!strcmp(e->name, w->v[a]))
			svc = e->value;
	if (!svc) {
		cfg_err(p, a, "unknown service '%s' for 'http-request use-service' (lb has: "
			"prometheus-exporter)", w->v[a]);
		return -1;
	}
	r = new_rule(p, kw, obj, LB_ACT_USE_SERVICE);
	r->service = (enum lb_service)svc;
	return 0;
}

/* ---- allow, reject ---- */

static int
act_flow(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	(void)a;
	new_rule(p, kw, obj, (enum lb_http_act)kw->lo);
	return 0;
}

/* ---- rewrites ---- */

static struct pcre2_real_code_8 *
compile_re(struct cfg_parser *p, int a)
{
	char why[160];
	pcre2_code *re = lb_regex_compile(p->w->v[a], (size_t)-1, false, why, sizeof(why));

	if (!re)
		cfg_err(p, a, "invalid regex '%s': %s", p->w->v[a], why);
	return re;
}

static int
check_value_fmt(struct cfg_parser *p, int a)
{
	return cfg_check_logfmt(p, a, p->w->v[a], LB_LOGFMT_F_HTTP | LB_LOGFMT_F_VALUE);
}

/* replace-header|replace-value <name> <match-regex> <replace-fmt> */
static int
act_replace_hdr(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_http_rule *r;
	struct pcre2_real_code_8 *re;

	if (check_hdr_name(p, a) < 0 || check_value_fmt(p, a + 2) < 0)
		return -1;
	if (!(re = compile_re(p, a + 1)))
		return -1;
	r = new_rule(p, kw, obj, (enum lb_http_act)kw->lo);
	r->name = lb_xstrdup(p->w->v[a]);
	r->re = re;
	r->value_src = lb_xstrdup(p->w->v[a + 2]);
	return 0;
}

/* replace-path|replace-uri <match-regex> <replace-fmt> */
static int
act_replace_line(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_http_rule *r;
	struct pcre2_real_code_8 *re;

	if (check_value_fmt(p, a + 1) < 0 || !(re = compile_re(p, a)))
		return -1;
	r = new_rule(p, kw, obj, (enum lb_http_act)kw->lo);
	r->re = re;
	r->value_src = lb_xstrdup(p->w->v[a + 1]);
	return 0;
}

/* set-path|set-pathq|set-query|set-uri|set-method <fmt> */
static int
act_set_fmt(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_http_rule *r;

	if (check_value_fmt(p, a) < 0)
		return -1;
	r = new_rule(p, kw, obj, (enum lb_http_act)kw->lo);
	r->value_src = lb_xstrdup(p->w->v[a]);
	return 0;
}

/* http-response set-status <status> [reason <str>] */
static int
act_set_status(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_http_rule *r;
	long long v;

	if (cfg_get_int(p, a, "set-status", 100, 999, &v) < 0)
		return -1;
	if (a + 1 < p->w->n && (strcmp(p->w->v[a + 1], "reason") || a + 3 != p->w->n)) {
		cfg_err(p, a + 1, "'%s' expects <status> [reason <str>]", p->kwname);
		return -1;
	}
	for (const char *c = a + 2 < p->w->n ? p->w->v[a + 2] : ""; *c; c++) {
		if ((unsigned char)*c < 0x20 && *c != '\t') {
			cfg_err(p, a + 2, "invalid control character in the reason");
			return -1;
		}
	}
	r = new_rule(p, kw, obj, LB_ACT_SET_STATUS);
	r->status = (int)v;
	if (a + 2 < p->w->n)
		r->reason = lb_xstrdup(p->w->v[a + 2]);
	return 0;
}

/* ---- variables ---- */

/* The <var-name> of the keyword word "set-var(<var-name>[,<cond>...])" (just before
 * w->v[a]) and its conditions (LB_VAR_IF_*; common/vars.h). conds NULL: none allowed. */
static int
paren_var(struct cfg_parser *p, int a, uint32_t *key, unsigned *conds)
{
	const char *w = p->w->v[a - 1], *open = strchr(w, '('), *close, *comma;
	char err[200];
	size_t len;

	close = open ? strchr(open, ')') : NULL;
	if (!close || close[1]) {
		cfg_err(p, a - 1, "'%s' expects a variable name in parentheses, e.g. "
			"'%.*s(txn.name)'", w, open ? (int)(open - w) : (int)strlen(w), w);
		return -1;
	}
	len = (size_t)(close - open - 1);
	comma = memchr(open + 1, ',', len);
	if (comma && !conds) {
		cfg_err(p, a - 1, "'%.*s' takes no conditions", (int)(open - w), w);
		return -1;
	}
	if (comma && lb_var_conds_parse(comma + 1, (size_t)(close - comma - 1), conds, err,
					sizeof(err)) < 0) {
		cfg_err(p, a - 1, "%s", err);
		return -1;
	}
	if (comma)
		len = (size_t)(comma - open - 1);
	if (lb_var_name_parse(open + 1, len, key, err, sizeof(err)) < 0) {
		cfg_err(p, a - 1, "%s", err);
		return -1;
	}
	return 0;
}

/* set-var(<name>) <expr>, set-var-fmt(<name>) <fmt>, unset-var(<name>) */
static int
act_var(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	enum lb_http_act act = (enum lb_http_act)kw->lo;
	unsigned uses = LB_ACL_USE_L4 | ((kw->flags & CFG_KW_COND_RES) ? LB_ACL_USE_RES
								  : LB_ACL_USE_REQ);
	const struct lb_acl_expr *expr = NULL;
	struct lb_cfg_http_rule *r;
	unsigned conds = 0;
	uint32_t key;

	if (paren_var(p, a, &key, act == LB_ACT_UNSET_VAR ? NULL : &conds) < 0)
		return -1;
	if (act == LB_ACT_SET_VAR && cfg_sample_compile(p, a, uses, &expr) < 0)
		return -1;
	if (act == LB_ACT_SET_VAR_FMT && check_value_fmt(p, a) < 0)
		return -1;
	r = new_rule(p, kw, obj, act);
	r->var_key = key;
	r->var_conds = conds;
	r->expr = expr;
	if (act == LB_ACT_SET_VAR_FMT)
		r->value_src = lb_xstrdup(p->w->v[a]);
	return 0;
}

/* ---- set-log-level ---- */

static const struct cfg_enum log_levels[] = {
	{ "emerg", 0 }, { "alert", 1 }, { "crit", 2 }, { "err", 3 }, { "warning", 4 },
	{ "notice", 5 }, { "info", 6 }, { "debug", 7 }, { "silent", LB_LOG_LEVEL_SILENT },
	{ NULL, 0 },
};

static int
act_log_level(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	static const struct lb_cfg_kw level_kw = CFG_KW("set-log-level", 0, 1, 1, cfg_kw_enum,
							offsetof(struct lb_cfg_http_rule,
								 log_level),
							NULL, "", .data = log_levels);
	struct lb_cfg_http_rule tmp = { .log_level = 0 }, *r;

	if (cfg_kw_enum(p, &level_kw, &tmp, a) < 0)
		return -1;
	r = new_rule(p, kw, obj, LB_ACT_SET_LOG_LEVEL);
	r->log_level = tmp.log_level;
	return 0;
}

void
cfg_http_act_clear(struct lb_cfg_http_rule *r)
{
	pcre2_code_free(r->re);
	free(r->reason);
}

struct lb_cfg_http_rule *
cfg_http_new_rule(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj,
		  enum lb_http_act act)
{
	return new_rule(p, kw, obj, act);
}

/* stick-counter actions (handlers in cfg_stick.c): .lo is the counter */
#define SC_ROWS(n)                                                                          \
	CFG_KW("track-sc" #n, CFG_SEC_FE_BE, 1, 3, cfg_act_track_sc, PX(http_req_rules),     \
	       "<key> [table <name>]", "track the key in stick counter " #n, .lo = (n),      \
	       .flags = CFG_KW_COND),                                                        \
	CFG_KW("sc-inc-gpc0(" #n ")", CFG_SEC_FE_BE, 0, 0, cfg_act_sc_inc, PX(http_req_rules), \
	       "", "add one to gpc0 of stick counter " #n, .lo = (n), .hi = 0,              \
	       .flags = CFG_KW_COND),                                                        \
	CFG_KW("sc-inc-gpc1(" #n ")", CFG_SEC_FE_BE, 0, 0, cfg_act_sc_inc, PX(http_req_rules), \
	       "", "add one to gpc1 of stick counter " #n, .lo = (n), .hi = 1,              \
	       .flags = CFG_KW_COND),                                                        \
	CFG_KW("sc-set-gpt0(" #n ")", CFG_SEC_FE_BE, 1, 1, cfg_act_sc_set_gpt0,             \
	       PX(http_req_rules), "<value>", "set gpt0 of stick counter " #n, .lo = (n),    \
	       .flags = CFG_KW_COND)

/* rows shared by http-request (d = REQ) and http-response (d = RES) */
#define ACT_ROWS(d, list, fl)                                                               \
	CFG_KW("allow", CFG_SEC_FE_BE, 0, 0, act_flow, PX(list),                            \
	       "", "stop evaluating this section's " d " rules", .lo = LB_ACT_ALLOW,          \
	       .flags = (fl)),                                                               \
	CFG_KW("replace-header", CFG_SEC_FE_BE, 3, 3, act_replace_hdr, PX(list),            \
	       "<name> <match-regex> <replace-fmt>",                                        \
	       "rewrite the whole value of each " d " header <name> matching the regex",     \
	       .lo = LB_ACT_REPLACE_HEADER, .flags = (fl)),                                  \
	CFG_KW("replace-value", CFG_SEC_FE_BE, 3, 3, act_replace_hdr, PX(list),             \
	       "<name> <match-regex> <replace-fmt>",                                        \
	       "rewrite each comma-separated value of " d " header <name> matching the regex", \
	       .lo = LB_ACT_REPLACE_VALUE, .flags = (fl)),                                   \
	CFG_KW("set-var", CFG_SEC_FE_BE, 1, 1, act_var, PX(list),                            \
	       "(<var-name>[,<cond>...]) <expr>",                                            \
	       "store a sample in a variable (scopes proc, sess, txn, req, res)",            \
	       .lo = LB_ACT_SET_VAR, .flags = (fl) | CFG_KW_PAREN),                          \
	CFG_KW("set-var-fmt", CFG_SEC_FE_BE, 1, 1, act_var, PX(list),                        \
	       "(<var-name>[,<cond>...]) <fmt>",                                             \
	       "store a log-format string in a variable", .lo = LB_ACT_SET_VAR_FMT,          \
	       .flags = (fl) | CFG_KW_PAREN),                                                \
	CFG_KW("unset-var", CFG_SEC_FE_BE, 0, 0, act_var, PX(list), "(<var-name>)",         \
	       "remove a variable", .lo = LB_ACT_UNSET_VAR, .flags = (fl) | CFG_KW_PAREN),   \
	CFG_KW("set-log-level", CFG_SEC_FE_BE, 1, 1, act_log_level, PX(list),               \
	       "<level>|silent", "the syslog level of this request's log line (silent: none)", \
	       .flags = (fl))

const struct lb_cfg_kw cfg_http_req_kws[] = {
	SC_ROWS(0),
	SC_ROWS(1),
	SC_ROWS(2),
	CFG_KW("set-header", CFG_SEC_FE_BE, 2, 2, act_header, PX(http_req_rules),
	       "<name> <format>", "replace a request header", .lo = LB_ACT_SET_HEADER,
	       .flags = CFG_KW_COND),
	CFG_KW("add-header", CFG_SEC_FE_BE, 2, 2, act_header, PX(http_req_rules),
	       "<name> <format>", "add a request header", .lo = LB_ACT_ADD_HEADER,
	       .flags = CFG_KW_COND),
	CFG_KW("del-header", CFG_SEC_FE_BE, 1, 1, act_header, PX(http_req_rules), "<name>",
	       "remove a request header", .lo = LB_ACT_DEL_HEADER, .flags = CFG_KW_COND),
	CFG_KW("return", CFG_SEC_FE_BE, 0, -1, act_return, PX(http_req_rules),
	       "[status <code>] [content-type <type>] [string|lf-string|file|errorfile <arg>] "
	       "[hdr <name> <format>]...", "answer the request directly",
	       .flags = CFG_KW_COND),
	CFG_KW("deny", CFG_SEC_FE_BE, 0, 2, act_deny, PX(http_req_rules),
	       "[deny_status <status>]", "refuse the request with an error page",
	       .flags = CFG_KW_COND),
	CFG_KW("auth", CFG_SEC_FE_BE, 0, 2, act_auth, PX(http_req_rules), "[realm <realm>]",
	       "ask for credentials: 401 with WWW-Authenticate (see userlist, http_auth)",
	       .flags = CFG_KW_COND),
	CFG_KW("redirect", CFG_SEC_FE_BE, 2, -1, act_redirect, PX(http_req_rules),
	       "location|prefix|scheme <target> [code <n>] [drop-query] [append-slash] "
	       "[set-cookie <c>] [clear-cookie <c>]", "answer with a redirection",
	       .flags = CFG_KW_COND),
	CFG_KW("use-service", CFG_SEC_FE_BE, 1, 1, act_use_service, PX(http_req_rules),
	       "prometheus-exporter", "answer with a service of lbd (Prometheus metrics)",
	       .flags = CFG_KW_COND),
	ACT_ROWS("request", http_req_rules, CFG_KW_COND),
	CFG_KW("reject", CFG_SEC_FE_BE, 0, 0, act_flow, PX(http_req_rules), "",
	       "close the connection without an answer", .lo = LB_ACT_REJECT,
	       .flags = CFG_KW_COND),
	CFG_KW("tarpit", CFG_SEC_FE_BE, 0, 2, act_deny, PX(http_req_rules),
	       "[deny_status <status>]",
	       "hold the request for 'timeout tarpit', then answer 500 (or <status>)",
	       .lo = LB_ACT_TARPIT, .flags = CFG_KW_COND),
	CFG_KW("set-path", CFG_SEC_FE_BE, 1, 1, act_set_fmt, PX(http_req_rules), "<fmt>",
	       "replace the path (the query string stays)", .lo = LB_ACT_SET_PATH,
	       .flags = CFG_KW_COND),
	CFG_KW("set-pathq", CFG_SEC_FE_BE, 1, 1, act_set_fmt, PX(http_req_rules), "<fmt>",
	       "replace the path and the query string", .lo = LB_ACT_SET_PATHQ,
	       .flags = CFG_KW_COND),
	CFG_KW("set-query", CFG_SEC_FE_BE, 1, 1, act_set_fmt, PX(http_req_rules), "<fmt>",
	       "replace the query string", .lo = LB_ACT_SET_QUERY,
	       .flags = CFG_KW_COND),
	CFG_KW("set-uri", CFG_SEC_FE_BE, 1, 1, act_set_fmt, PX(http_req_rules), "<fmt>",
	       "replace the whole request target", .lo = LB_ACT_SET_URI, .flags = CFG_KW_COND),
	CFG_KW("set-method", CFG_SEC_FE_BE, 1, 1, act_set_fmt, PX(http_req_rules), "<fmt>",
	       "replace the method", .lo = LB_ACT_SET_METHOD, .flags = CFG_KW_COND),
	CFG_KW("replace-path", CFG_SEC_FE_BE, 2, 2, act_replace_line, PX(http_req_rules),
	       "<match-regex> <replace-fmt>", "rewrite the path if it matches the regex",
	       .lo = LB_ACT_REPLACE_PATH, .flags = CFG_KW_COND),
	CFG_KW("replace-uri", CFG_SEC_FE_BE, 2, 2, act_replace_line, PX(http_req_rules),
	       "<match-regex> <replace-fmt>", "rewrite the request target if it matches",
	       .lo = LB_ACT_REPLACE_URI, .flags = CFG_KW_COND),
	CFG_KW_END,
};

const struct lb_cfg_kw cfg_http_res_kws[] = {
	CFG_KW("set-header", CFG_SEC_FE_BE, 2, 2, act_header, PX(http_res_rules),
	       "<name> <format>", "replace a response header", .lo = LB_ACT_SET_HEADER,
	       .flags = CFG_KW_COND | CFG_KW_COND_RES),
	CFG_KW("add-header", CFG_SEC_FE_BE, 2, 2, act_header, PX(http_res_rules),
	       "<name> <format>", "add a response header", .lo = LB_ACT_ADD_HEADER,
	       .flags = CFG_KW_COND | CFG_KW_COND_RES),
	CFG_KW("del-header", CFG_SEC_FE_BE, 1, 1, act_header, PX(http_res_rules), "<name>",
	       "remove a response header", .lo = LB_ACT_DEL_HEADER,
	       .flags = CFG_KW_COND | CFG_KW_COND_RES),
	ACT_ROWS("response", http_res_rules, CFG_KW_COND | CFG_KW_COND_RES),
	CFG_KW("deny", CFG_SEC_FE_BE, 0, 2, act_deny, PX(http_res_rules),
	       "[deny_status <status>]", "replace the response with an error page (default 502)",
	       .flags = CFG_KW_COND | CFG_KW_COND_RES),
	CFG_KW("set-status", CFG_SEC_FE_BE, 1, 3, act_set_status, PX(http_res_rules),
	       "<status> [reason <str>]", "replace the response's status code (and reason)",
	       .flags = CFG_KW_COND | CFG_KW_COND_RES),
	CFG_KW_END,
};

const char *const cfg_http_req_unsupported[] = {
	"silent-drop", "capture", "set-nice", "set-tos", "set-mark", "set-src", "set-dst",
	"set-src-port", "set-dst-port", "lua", "early-hint", "normalize-uri",
	"cache-use", "wait-for-body", "wait-for-handshake", "set-map", "del-map", "add-acl",
	"del-acl", "sc-inc-gpc0", "sc-inc-gpc1", "sc-set-gpt0", "sc-add-gpc", "sc-inc-gpc",
	"sc-set-gpt", "do-resolve", "send-spoe-group",
	"set-timeout", "strict-mode", "disable-l7-retry", "set-priority-class",
	"set-priority-offset", "set-bandwidth-limit", "set-retries", NULL,
};

const char *const cfg_http_res_unsupported[] = {
	"return", "redirect", "capture", "track-sc0", "track-sc1", "track-sc2", "set-nice",
	"set-tos", "set-mark", "lua", "set-map", "del-map",
	"add-acl", "del-acl", "sc-inc-gpc0", "sc-inc-gpc1", "sc-set-gpt0", "cache-store",
	"send-spoe-group", "silent-drop", "strict-mode", "wait-for-body", "set-timeout",
	"set-bandwidth-limit", NULL,
};

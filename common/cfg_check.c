/* common/cfg_check.c: health-check keywords of backends (option httpchk and the typed
 * options, http-check, tcp-check) and the life cycle of struct lb_cfg_check
 *
 * The parser only records what the file says into px->check; common/check_spec.c turns a
 * finalized backend into a probe script. The typed options share one handler: the row's `lo`
 * is the enum lb_cfg_chk_type it selects, and the last typed option of a section wins, as in
 * HAProxy. tcp-check and http-check lines append rules in file order.
 */
#include "cfg_priv.h"
#include "regex.h"

#include <stdio.h>
#include <string.h>

#include "check_priv.h"

static struct lb_cfg_chk_rule *
rule_new(struct cfg_parser *p, enum lb_cfg_chk_act act)
{
	struct lb_cfg_chk_rule *r = lb_xcalloc(1, sizeof(*r));

	r->pos = cfg_pos(p, p->kw0);
	r->act = act;
	r->port = -1;
	r->proto = -1;
	return r;
}

static void
rule_append(struct lb_cfg_chk_rule **list, struct lb_cfg_chk_rule *r)
{
	while (*list)
		list = &(*list)->next;
	*list = r;
}

static void
rule_free(struct lb_cfg_chk_rule *r)
{
	free(r->comment);
	free(r->sni);
	free(r->alpn);
	free(r->data);
	free(r->meth);
	free(r->uri);
	free(r->ver);
	cfg_hdr_pairs_free(r->hdrs);
	free(r->body);
	free(r->pattern);
	free(r->hdr_value);
	free(r);
}

static void
rules_free(struct lb_cfg_chk_rule *r)
{
	while (r) {
		struct lb_cfg_chk_rule *n = r->next;
		rule_free(r);
		r = n;
	}
}

static char *
dup_or_null(const char *s)
{
	return s ? lb_xstrdup(s) : NULL;
}

static struct lb_cfg_chk_rule *
rules_dup(const struct lb_cfg_chk_rule *r)
{
	struct lb_cfg_chk_rule *head = NULL, **tail = &head;

	for (; r; r = r->next) {
		struct lb_cfg_chk_rule *c = lb_xmalloc(sizeof(*c));
		struct lb_cfg_hdr_pair **ht;

		*c = *r;
		c->next = NULL;
		c->comment = dup_or_null(r->comment);
		c->sni = dup_or_null(r->sni);
		c->alpn = dup_or_null(r->alpn);
		c->data = NULL;
		if (r->data) {
			c->data = lb_xmalloc(r->data_len + 1);
			memcpy(c->data, r->data, r->data_len + 1);
		}
		c->meth = dup_or_null(r->meth);
		c->uri = dup_or_null(r->uri);
		c->ver = dup_or_null(r->ver);
		c->hdrs = NULL;
		ht = &c->hdrs;
		for (const struct lb_cfg_hdr_pair *h = r->hdrs; h; h = h->next) {
			*ht = lb_xcalloc(1, sizeof(**ht));
			(*ht)->name = lb_xstrdup(h->name);
			(*ht)->value_src = lb_xstrdup(h->value_src);
			ht = &(*ht)->next;
		}
		c->body = dup_or_null(r->body);
		c->pattern = NULL;
		if (r->pattern) {
			c->pattern = lb_xmalloc(r->pattern_len + 1);
			memcpy(c->pattern, r->pattern, r->pattern_len + 1);
		}
		c->hdr_value = dup_or_null(r->hdr_value);
		*tail = c;
		tail = &c->next;
	}
	return head;
}

void
cfg_check_init(struct lb_cfg_check *c)
{
	memset(c, 0, sizeof(*c));
	c->disable_on_404 = -1;
}

void
cfg_check_free(struct lb_cfg_check *c)
{
	free(c->http_meth);
	free(c->http_uri);
	free(c->http_ver);
	free(c->user);
	free(c->smtp_cmd);
	free(c->smtp_domain);
	rules_free(c->tcp_rules);
	rules_free(c->http_rules);
	cfg_check_init(c);
}

/* A backend with no check option and no check rules of its own takes its defaults
 * section's whole check setup; rule lists and disable-on-404 are inherited one by one. */
void
cfg_check_merge(struct lb_cfg_check *c, const struct lb_cfg_check *def)
{
	if (c->type == LB_CFG_CHK_UNSET && def->type != LB_CFG_CHK_UNSET) {
		c->pos = def->pos;
		c->type = def->type;
		c->http_meth = dup_or_null(def->http_meth);
		c->http_uri = dup_or_null(def->http_uri);
		c->http_ver = dup_or_null(def->http_ver);
		c->user = dup_or_null(def->user);
		c->mysql_post41 = def->mysql_post41;
		c->smtp_cmd = dup_or_null(def->smtp_cmd);
		c->smtp_domain = dup_or_null(def->smtp_domain);
	}
	if (c->disable_on_404 < 0)
		c->disable_on_404 = def->disable_on_404;
	if (!c->tcp_rules)
		c->tcp_rules = rules_dup(def->tcp_rules);
	if (!c->http_rules)
		c->http_rules = rules_dup(def->http_rules);
}

void
cfg_check_builtin(struct lb_cfg_check *c)
{
	if (c->type == LB_CFG_CHK_UNSET)
		c->type = LB_CFG_CHK_TCP;
	if (c->disable_on_404 < 0)
		c->disable_on_404 = 0;
}

/* ---- options ---- */

static void
set_type(struct cfg_parser *p, struct lb_cfg_check *c, enum lb_cfg_chk_type t)
{
	lb_free(&c->http_meth);
	lb_free(&c->http_uri);
	lb_free(&c->http_ver);
	lb_free(&c->user);
	lb_free(&c->smtp_cmd);
	lb_free(&c->smtp_domain);
	c->mysql_post41 = false;
	c->type = t;
	c->pos = cfg_pos(p, p->kw0);
}

/* "option ssl-hello-chk | redis-check | ldap-check | tcp-check" (no arguments) */
int
cfg_opt_check_plain(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;

	(void)a;
	set_type(p, &px->check, (enum lb_cfg_chk_type)kw->lo);
	return 0;
}

/* "option httpchk [<uri>] | [<method> <uri> [<version>]]" */
int
cfg_opt_httpchk(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;
	struct cfg_words *w = p->w;
	int n = w->n - a;

	(void)kw;
	for (int i = a; i < w->n; i++) {
		if (!*w->v[i]) {
			cfg_err(p, i, "'option httpchk' arguments cannot be empty");
			return -1;
		}
	}
	if (n >= 2 && !cfg_check_method_ok(w->v[a])) {
		cfg_err(p, a, "invalid HTTP method '%s' for 'option httpchk'", w->v[a]);
		return -1;
	}
	set_type(p, &px->check, LB_CFG_CHK_HTTP);
	if (n == 1) {
		px->check.http_uri = lb_xstrdup(w->v[a]);
	} else if (n >= 2) {
		px->check.http_meth = lb_xstrdup(w->v[a]);
		px->check.http_uri = lb_xstrdup(w->v[a + 1]);
		if (n == 3)
			px->check.http_ver = lb_xstrdup(w->v[a + 2]);
	}
	return 0;
}

/* "option mysql-check [user <username> [post-41|pre-41]]" */
int
cfg_opt_mysql(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;
	struct cfg_words *w = p->w;
	bool post41 = false;

	(void)kw;
	if (a < w->n) {
		if (strcmp(w->v[a], "user")) {
			cfg_err(p, a, "unexpected argument '%s' for 'option mysql-check' (expected "
				"'user <username>')", w->v[a]);
			return -1;
		}
		if (a + 1 >= w->n || !*w->v[a + 1]) {
			cfg_err(p, a, "'option mysql-check user' expects <username>");
			return -1;
		}
		if (a + 2 < w->n) {
			if (!strcmp(w->v[a + 2], "post-41")) {
				post41 = true;
			} else if (strcmp(w->v[a + 2], "pre-41")) {
				cfg_err(p, a + 2, "unexpected argument '%s' for 'option mysql-check' "
					"(expected post-41 or pre-41)", w->v[a + 2]);
				return -1;
			}
		}
	}
	set_type(p, &px->check, LB_CFG_CHK_MYSQL);
	if (a < w->n)
		px->check.user = lb_xstrdup(w->v[a + 1]);
	px->check.mysql_post41 = post41;
	return 0;
}

/* "option pgsql-check user <username>" */
int
cfg_opt_pgsql(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;
	struct cfg_words *w = p->w;

	(void)kw;
	if (strcmp(w->v[a], "user")) {
		cfg_err(p, a, "unexpected argument '%s' for 'option pgsql-check' (expected "
			"'user <username>')", w->v[a]);
		return -1;
	}
	if (a + 1 >= w->n || !*w->v[a + 1]) {
		cfg_err(p, a, "'option pgsql-check user' expects <username>");
		return -1;
	}
	set_type(p, &px->check, LB_CFG_CHK_PGSQL);
	px->check.user = lb_xstrdup(w->v[a + 1]);
	return 0;
}

/* "option smtpchk [HELO|EHLO <domain>]": another verb falls back to HELO, as in HAProxy */
int
cfg_opt_smtpchk(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;
	struct cfg_words *w = p->w;

	(void)kw;
	if (a < w->n) {
		if (strcasecmp(w->v[a], "HELO") && strcasecmp(w->v[a], "EHLO")) {
			cfg_err(p, a, "invalid verb '%s' for 'option smtpchk' (expected HELO or "
				"EHLO)", w->v[a]);
			return -1;
		}
		if (a + 1 >= w->n || !cfg_check_token_ok(w->v[a + 1])) {
			cfg_err(p, a, "'option smtpchk %s' expects <domain> (no spaces or control "
				"characters)", w->v[a]);
			return -1;
		}
	}
	set_type(p, &px->check, LB_CFG_CHK_SMTP);
	if (a < w->n) {
		px->check.smtp_cmd = lb_xstrdup(w->v[a]);
		for (char *s = px->check.smtp_cmd; *s; s++)
			*s = (char)(*s & ~0x20);	/* upper case */
		px->check.smtp_domain = lb_xstrdup(w->v[a + 1]);
	}
	return 0;
}

/* ---- shared pieces of tcp-check and http-check lines ---- */

static void
unsupported_arg(struct cfg_parser *p, int i, const char *const *known_later)
{
	if (cfg_in_list(p->w->v[i], known_later))
		cfg_err(p, i, "'%s %s' is not supported yet", p->kwname, p->w->v[i]);
	else
		cfg_err(p, i, "unexpected argument '%s' for '%s'", p->w->v[i], p->kwname);
}

static int
need_value(struct cfg_parser *p, int i, const char *what)
{
	if (i + 1 >= p->w->n || !*p->w->v[i + 1]) {
		cfg_err(p, i, "'%s %s' expects %s", p->kwname, p->w->v[i], what);
		return -1;
	}
	return 0;
}

static const char *const connect_later[] = {
	"addr", "send-proxy", "via-socks4", "linger", "default", NULL,
};

/* "http-check connect proto <name>": HAProxy's HTTP multiplexers */
static const struct cfg_enum connect_protos[] = {
	{ "h1", LB_SRV_PROTO_H1 },
	{ "h2", LB_SRV_PROTO_H2 },
	{ NULL, 0 },
};

static int
connect_proto(const char *name, int *out)
{
	for (const struct cfg_enum *e = connect_protos; e->name; e++)
		if (!strcmp(e->name, name)) {
			*out = e->value;
			return 0;
		}
	return -1;
}

/* "tcp-check connect|http-check connect [port <n>] [ssl] [sni <s>] [alpn <list>]
 * [proto <name>] [comment <c>]"; "proto" names an HTTP multiplexer (h1, h2), so only
 * http-check has it: HAProxy wants a TCP one on tcp-check, and there is none to choose. */
static int
kw_chk_connect(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a,
	       struct lb_cfg_chk_rule **list, bool http)
{
	struct cfg_words *w = p->w;
	struct lb_cfg_chk_rule *r = rule_new(p, LB_CHK_ACT_CONNECT);
	long long port;

	(void)kw;
	(void)obj;
	for (int i = a; i < w->n; i++) {
		const char *o = w->v[i];

		if (!strcmp(o, "ssl")) {
			r->ssl = true;
			continue;
		}
		if (!strcmp(o, "proto")) {
			if (need_value(p, i, http ? "h1 or h2" : "a TCP protocol") < 0)
				goto fail;
			i++;
			if (!http || connect_proto(w->v[i], &r->proto) < 0) {
				cfg_err(p, i, "'%s connect proto': unknown %s protocol '%s'%s",
					http ? "http-check" : "tcp-check", http ? "HTTP" : "TCP",
					w->v[i], http ? " (h1, h2)" : " (h1 and h2 are HTTP "
					"protocols, for http-check)");
				goto fail;
			}
			continue;
		}
		if (strcmp(o, "port") && strcmp(o, "sni") && strcmp(o, "alpn") &&
		    strcmp(o, "comment")) {
			unsupported_arg(p, i, connect_later);
			goto fail;
		}
		if (need_value(p, i, o[0] == 'p' ? "<port>" : o[0] == 'c' ? "<text>" :
			       o[0] == 's' ? "<name>" : "<protocol>[,<protocol>...]") < 0)
			goto fail;
		i++;
		if (!strcmp(o, "port")) {
			if (cfg_get_int(p, i, "port", 1, 65535, &port) < 0)
				goto fail;
			r->port = (int)port;
		} else if (!strcmp(o, "sni")) {
			free(r->sni);
			r->sni = lb_xstrdup(w->v[i]);
		} else if (!strcmp(o, "alpn")) {
			free(r->alpn);
			r->alpn = lb_xstrdup(w->v[i]);
		} else {
			free(r->comment);
			r->comment = lb_xstrdup(w->v[i]);
		}
	}
	rule_append(list, r);
	return 0;
fail:
	rule_free(r);
	return -1;
}

/* "tcp-check|http-check comment <text>": the text names the next rule in failure reasons.
 * kw->offset: the proxy's rule list. */
static int
kw_chk_comment(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_chk_rule **list = (void *)((char *)obj + kw->offset);
	struct lb_cfg_chk_rule *r = rule_new(p, LB_CHK_ACT_COMMENT);

	r->comment = lb_xstrdup(p->w->v[a]);
	rule_append(list, r);
	return 0;
}

/* a check rule list of the proxy, for the tables' offset field */
#define CHK_RULES(list) offsetof(struct lb_cfg_proxy, check.list)

static const struct cfg_enum tcp_matches[] = {
	{ "string", LB_CHK_MATCH_STRING },
	{ "rstring", LB_CHK_MATCH_RSTRING },
	{ "binary", LB_CHK_MATCH_BINARY },
	{ NULL, 0 },
};

static const struct cfg_enum http_matches[] = {
	{ "status", LB_CHK_MATCH_STATUS },
	{ "rstatus", LB_CHK_MATCH_RSTATUS },
	{ "string", LB_CHK_MATCH_STRING },
	{ "rstring", LB_CHK_MATCH_RSTRING },
	{ "hdr", LB_CHK_MATCH_HDR },
	{ NULL, 0 },
};

static const char *const expect_later[] = {
	"min-recv", "ok-status", "error-status", "tout-status", "on-success", "on-error",
	"status-code", "rbinary", "string-lf", "binary-lf", "fhdr", "custom", NULL,
};

static int
check_regex(struct cfg_parser *p, int i, const char *re)
{
	char why[160];
	pcre2_code *rx = lb_regex_compile(re, (size_t)-1, false, why, sizeof(why));

	if (!rx) {
		cfg_err(p, i, "invalid regular expression '%s': %s", re, why);
		return -1;
	}
	pcre2_code_free(rx);
	return 0;
}

/* "tcp-check expect [comment <c>] [!] string|rstring|binary <pattern>" and
 * "http-check expect [comment <c>] [!] status|rstatus|string|rstring <pattern> |
 *  hdr name <name> [value <value>]" */
static int
kw_chk_expect(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	/* kw->offset: the proxy's rule list; kw->data: the match kinds of that check */
	struct lb_cfg_chk_rule **list = (void *)((char *)obj + kw->offset);
	const struct cfg_enum *matches = kw->data;
	struct cfg_words *w = p->w;
	struct lb_cfg_chk_rule *r = rule_new(p, LB_CHK_ACT_EXPECT);
	const struct cfg_enum *m;
	char err[128], list_s[128] = "";
	int i = a;

	while (i < w->n && !strcmp(w->v[i], "comment")) {
		if (need_value(p, i, "<text>") < 0)
			goto fail;
		free(r->comment);
		r->comment = lb_xstrdup(w->v[i + 1]);
		i += 2;
	}
	if (i < w->n && !strcmp(w->v[i], "!")) {
		r->neg = true;
		i++;
	} else if (i < w->n && w->v[i][0] == '!' && w->v[i][1]) {
		r->neg = true;	/* "!string" */
		w->v[i]++;
	}
	for (m = matches; m->name; m++)
		snprintf(list_s + strlen(list_s), sizeof(list_s) - strlen(list_s), "%s%s",
			 list_s[0] ? ", " : "", m->name);
	if (i >= w->n) {
		cfg_err(p, p->kw0, "'%s' expects a match (%s) and a pattern", p->kwname, list_s);
		goto fail;
	}
	for (m = matches; m->name && strcmp(m->name, w->v[i]); m++)
		;
	if (!m->name) {
		const char *names[8];
		size_t n = 0;
		for (const struct cfg_enum *e = matches; e->name; e++)
			names[n++] = e->name;
		names[n] = NULL;
		if (cfg_in_list(w->v[i], expect_later)) {
			cfg_err(p, i, "'%s %s' is not supported yet", p->kwname, w->v[i]);
		} else {
			const char *s = cfg_suggest_list(w->v[i], names);
			cfg_err(p, i, "unknown match '%s' for '%s' (expected one of: %s)%s%s%s",
				w->v[i], p->kwname, list_s, s ? "; did you mean '" : "",
				s ? s : "", s ? "'?" : "");
		}
		goto fail;
	}
	r->match = (enum lb_cfg_chk_match)m->value;
	if (r->match == LB_CHK_MATCH_HDR) {
		if (i + 2 >= w->n || strcmp(w->v[i + 1], "name") || !*w->v[i + 2]) {
			cfg_err(p, i, "'%s hdr' expects name <header> [value <value>]", p->kwname);
			goto fail;
		}
		r->pattern = lb_xstrdup(w->v[i + 2]);
		r->pattern_len = strlen(r->pattern);
		i += 3;
		if (i < w->n && !strcmp(w->v[i], "value")) {
			if (need_value(p, i, "<value>") < 0)
				goto fail;
			r->hdr_value = lb_xstrdup(w->v[i + 1]);
			i += 2;
		}
	} else {
		if (i + 1 >= w->n || !*w->v[i + 1]) {
			cfg_err(p, i, "'%s %s' expects <pattern>", p->kwname, w->v[i]);
			goto fail;
		}
		i++;
		if (r->match == LB_CHK_MATCH_BINARY) {
			size_t n;
			r->pattern = lb_xmalloc(strlen(w->v[i]) / 2 + 1);
			if (lb_check_hex_decode(w->v[i], (unsigned char *)r->pattern, &n, err,
						sizeof(err)) < 0) {
				cfg_err(p, i, "%s", err);
				goto fail;
			}
			r->pattern[n] = '\0';
			r->pattern_len = n;
		} else if (r->match == LB_CHK_MATCH_STATUS) {
			if (lb_check_status_list_match(w->v[i], 200, err, sizeof(err)) < 0) {
				cfg_err(p, i, "%s", err);
				goto fail;
			}
			r->pattern = lb_xstrdup(w->v[i]);
			r->pattern_len = strlen(r->pattern);
		} else {
			if ((r->match == LB_CHK_MATCH_RSTRING || r->match == LB_CHK_MATCH_RSTATUS) &&
			    check_regex(p, i, w->v[i]) < 0)
				goto fail;
			r->pattern = lb_xstrdup(w->v[i]);
			r->pattern_len = strlen(r->pattern);
		}
		i++;
	}
	if (i < w->n) {
		unsupported_arg(p, i, expect_later);
		goto fail;
	}
	rule_append(list, r);
	return 0;
fail:
	rule_free(r);
	return -1;
}

/* ---- tcp-check ---- */

static int
kw_tcp_connect(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;

	return kw_chk_connect(p, kw, obj, a, &px->check.tcp_rules, false);
}

/* "tcp-check send <data> [comment <c>]" and "tcp-check send-binary <hex> [comment <c>]" */
static int
kw_tcp_send(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;
	struct cfg_words *w = p->w;
	struct lb_cfg_chk_rule *r;
	char err[128];

	if (a + 1 < w->n && (strcmp(w->v[a + 1], "comment") || a + 3 != w->n)) {
		cfg_err(p, a + 1, "unexpected argument '%s' for '%s' (quote data with spaces)",
			w->v[a + 1], p->kwname);
		return -1;
	}
	r = rule_new(p, LB_CHK_ACT_SEND);
	if (kw->lo) {	/* send-binary */
		r->data = lb_xmalloc(strlen(w->v[a]) / 2 + 1);
		if (lb_check_hex_decode(w->v[a], (unsigned char *)r->data, &r->data_len, err,
					sizeof(err)) < 0) {
			cfg_err(p, a, "%s", err);
			rule_free(r);
			return -1;
		}
		r->data[r->data_len] = '\0';
	} else {
		r->data = lb_xstrdup(w->v[a]);
		r->data_len = strlen(r->data);
	}
	if (a + 1 < w->n)
		r->comment = lb_xstrdup(w->v[a + 2]);
	rule_append(&px->check.tcp_rules, r);
	return 0;
}

const struct lb_cfg_kw cfg_tcpcheck_kws[] = {
	CFG_KW("connect", CFG_SEC_BE, 0, -1, kw_tcp_connect, 0,
	       "[port <n>] [ssl] [sni <name>] [alpn <list>] [comment <text>]",
	       "open the connection (again), optionally over TLS"),
	CFG_KW("send", CFG_SEC_BE, 1, 3, kw_tcp_send, 0, "<data> [comment <text>]",
	       "send a string (escapes such as \\r\\n are decoded)"),
	CFG_KW("send-binary", CFG_SEC_BE, 1, 3, kw_tcp_send, 0, "<hex> [comment <text>]",
	       "send bytes written in hexadecimal", .lo = 1),
	CFG_KW("expect", CFG_SEC_BE, 2, -1, kw_chk_expect, CHK_RULES(tcp_rules),
	       "[comment <text>] [!] string|rstring|binary <pattern>",
	       "wait until the reply contains / matches the pattern (or, with !, not)",
	       .data = tcp_matches),
	CFG_KW("comment", CFG_SEC_BE, 1, 1, kw_chk_comment, CHK_RULES(tcp_rules), "<text>",
	       "name the next rule in failure reasons"),
	CFG_KW_END,
};

const char *const cfg_tcpcheck_unsupported[] = {
	"send-lf", "send-binary-lf", "set-var", "set-var-fmt", "unset-var", "action", NULL,
};

/* ---- http-check ---- */

static int
kw_http_connect(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;

	return kw_chk_connect(p, kw, obj, a, &px->check.http_rules, true);
}

static const char *const send_later[] = { "uri-lf", "body-lf", "hdr-lf", NULL };

/* "http-check send [meth <m>] [uri <u>] [ver <v>] [hdr <name> <value>]* [body <s>]
 * [comment <c>]" */
static int
kw_http_send(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;
	struct cfg_words *w = p->w;
	struct lb_cfg_chk_rule *r = rule_new(p, LB_CHK_ACT_SEND);
	struct lb_cfg_hdr_pair **ht = &r->hdrs;

	(void)kw;
	for (int i = a; i < w->n; i++) {
		const char *o = w->v[i];
		char **dst = NULL;

		if (!strcmp(o, "hdr")) {
			if (i + 2 >= w->n || !cfg_check_token_ok(w->v[i + 1])) {
				cfg_err(p, i, "'http-check send hdr' expects <name> <value>");
				goto fail;
			}
			*ht = lb_xcalloc(1, sizeof(**ht));
			(*ht)->name = lb_xstrdup(w->v[i + 1]);
			(*ht)->value_src = lb_xstrdup(w->v[i + 2]);
			ht = &(*ht)->next;
			i += 2;
			continue;
		}
		if (!strcmp(o, "meth"))
			dst = &r->meth;
		else if (!strcmp(o, "uri"))
			dst = &r->uri;
		else if (!strcmp(o, "ver"))
			dst = &r->ver;
		else if (!strcmp(o, "body"))
			dst = &r->body;
		else if (!strcmp(o, "comment"))
			dst = &r->comment;
		if (!dst) {
			unsupported_arg(p, i, send_later);
			goto fail;
		}
		if (need_value(p, i, "<value>") < 0)
			goto fail;
		if (dst == &r->meth && !cfg_check_method_ok(w->v[i + 1])) {
			cfg_err(p, i + 1, "invalid HTTP method '%s'", w->v[i + 1]);
			goto fail;
		}
		if ((dst == &r->uri || dst == &r->ver) && !cfg_check_token_ok(w->v[i + 1])) {
			cfg_err(p, i + 1, "'%s' cannot contain spaces or control characters",
				w->v[i + 1]);
			goto fail;
		}
		free(*dst);
		*dst = lb_xstrdup(w->v[++i]);
	}
	rule_append(&px->check.http_rules, r);
	return 0;
fail:
	rule_free(r);
	return -1;
}

static int
kw_http_dis404(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;

	(void)kw;
	(void)a;
	px->check.disable_on_404 = p->neg ? 0 : 1;
	return 0;
}

const struct lb_cfg_kw cfg_httpcheck_kws[] = {
	CFG_KW("send", CFG_SEC_BE, 0, -1, kw_http_send, 0,
	       "[meth <m>] [uri <u>] [ver <v>] [hdr <name> <value>]... [body <s>]",
	       "the request of option httpchk (method, URI, version, headers, body)"),
	CFG_KW("expect", CFG_SEC_BE, 2, -1, kw_chk_expect, CHK_RULES(http_rules),
	       "[comment <text>] [!] status|rstatus|string|rstring <pattern> | hdr name <n> "
	       "[value <v>]",
	       "what the response must have (default: a 2xx or 3xx status)",
	       .data = http_matches),
	CFG_KW("disable-on-404", CFG_SEC_BE, 0, 0, kw_http_dis404, 0, NULL,
	       "a 404 response drains the server (NOLB) instead of failing it"),
	CFG_KW("connect", CFG_SEC_BE, 0, -1, kw_http_connect, 0,
	       "[port <n>] [ssl] [sni <name>] [alpn <list>] [comment <text>]",
	       "open the connection, optionally over TLS"),
	CFG_KW("comment", CFG_SEC_BE, 1, 1, kw_chk_comment, CHK_RULES(http_rules), "<text>",
	       "name the next rule in failure reasons"),
	CFG_KW_END,
};

const char *const cfg_httpcheck_unsupported[] = {
	"send-state", "set-var", "set-var-fmt", "unset-var", NULL,
};

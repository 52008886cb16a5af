/* common/cfg_stick.c: "stick-table", "tcp-request" and the stick-counter actions of
 * "http-request" (track-sc<n>, sc-inc-gpc0|1(<n>), sc-set-gpt0(<n>))
 *
 * The table object itself (common/stktable.c) is made when its line is parsed: it holds
 * no entry until lbd tracks something, so lbcheck and the master pay only for the struct.
 * Track keys are sample expressions compiled by the ACL engine; table names are resolved by
 * cfg_stick_finalize once every proxy is known.
 */
#include "cfg_priv.h"

#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "diag.h"
#include "stktable.h"

#define PX(field) offsetof(struct lb_cfg_proxy, field)

/* ---- stick-table ---- */

/* "store a,b,c(10s)": each type once, rates with their period. */
static int
parse_store(struct cfg_parser *p, int wi, struct lb_stktable_def *def)
{
	const char *s = p->w->v[wi], *q = s;

	while (*q) {
		size_t n = strcspn(q, ",(");
		int dt = lb_stk_dt_find(q, n);
		int off = (int)(q - s);

		if (dt < 0) {
			char name[64];
			snprintf(name, sizeof(name), "%.*s", (int)LB_MIN(n, 60), q);
			if (!strncmp(name, "gpc", 3) || !strncmp(name, "gpt", 3) ||
			    !strncmp(name, "glitch", 6) || !strcmp(name, "sess_cnt_ignored"))
				cfg_err(p, wi, "stick-table data type '%s' is not supported yet "
					"(lb has: gpc0, gpc1, gpc0_rate, gpt0)", name);
			else
				cfg_err(p, wi, "unknown stick-table data type '%s' (conn_cur, "
					"conn_cnt, conn_rate(<period>), sess_cnt, sess_rate(<period>), "
					"http_req_cnt, http_req_rate(<period>), http_err_cnt, "
					"http_err_rate(<period>), bytes_in_cnt, bytes_out_cnt, "
					"bytes_in_rate(<period>), bytes_out_rate(<period>), gpc0, gpc1, "
					"gpc0_rate(<period>), gpt0, server_id)", name);
			(void)off;
			return -1;
		}
		q += n;
		if (lb_stk_dt_is_rate((enum lb_stk_dt)dt)) {
			char per[32];
			long long ms;
			const char *e;
			if (*q != '(' || !(e = strchr(q, ')')) || (size_t)(e - q - 1) >= sizeof(per)) {
				cfg_err(p, wi, "stick-table data type '%s' expects a period: %s(<time>)",
					lb_stk_dt_name((enum lb_stk_dt)dt),
					lb_stk_dt_name((enum lb_stk_dt)dt));
				return -1;
			}
			snprintf(per, sizeof(per), "%.*s", (int)(e - q - 1), q + 1);
			if (lb_parse_time_ms(per, &ms) < 0 || ms <= 0 || ms > UINT32_MAX / 2) {
				cfg_err(p, wi, "invalid period '%s' for '%s'", per,
					lb_stk_dt_name((enum lb_stk_dt)dt));
				return -1;
			}
			def->period_ms[dt] = (uint32_t)ms;
			q = e + 1;
		} else if (*q == '(') {
			cfg_err(p, wi, "stick-table data type '%s' takes no argument",
				lb_stk_dt_name((enum lb_stk_dt)dt));
			return -1;
		}
		if (def->store & (1u << dt)) {
			cfg_err(p, wi, "stick-table data type '%s' is stored twice",
				lb_stk_dt_name((enum lb_stk_dt)dt));
			return -1;
		}
		def->store |= 1u << dt;
		if (*q == ',')
			q++;
		else if (*q) {
			cfg_err(p, wi, "unexpected '%s' in the stick-table store list", q);
			return -1;
		}
	}
	return 0;
}

static int
kw_stick_table(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;
	struct lb_stktable_def def = { .type = LB_STK_KEY_IP };
	struct cfg_words *w = p->w;
	bool has_type = false, has_size = false;

	(void)kw;
	if (px->stktable) {
		cfg_err(p, p->kw0, "proxy '%s' already has a stick-table (line %d)", px->name,
			px->stktable_pos.line);
		return -1;
	}
	for (int i = a; i < w->n; i++) {
		const char *k = w->v[i];
		bool last = i + 1 >= w->n;
		unsigned long long sz;
		long long v;

		if (!strcmp(k, "nopurge") || !strcmp(k, "srvkey")) {
			cfg_err(p, i, "stick-table option '%s' is not supported yet", k);
			return -1;
		}
		if (!strcmp(k, "peers")) {
			cfg_err(p, i, "stick-table 'peers' is not supported yet: lb has no peers "
				"protocol (tables are local to each lbd process)");
			return -1;
		}
		if (strcmp(k, "type") && strcmp(k, "len") && strcmp(k, "size") &&
		    strcmp(k, "expire") && strcmp(k, "store") && strcmp(k, "write-to") &&
		    strcmp(k, "recv-only")) {
			cfg_err(p, i, "unknown stick-table option '%s' (type, len, size, expire, "
				"store)", k);
			return -1;
		}
		if (!strcmp(k, "write-to") || !strcmp(k, "recv-only")) {
			cfg_err(p, i, "stick-table option '%s' is not supported yet", k);
			return -1;
		}
		if (last) {
			cfg_err(p, i, "stick-table option '%s' expects a value", k);
			return -1;
		}
		i++;
		if (!strcmp(k, "type")) {
			int t = lb_stk_key_type_find(w->v[i]);
			if (t < 0) {
				if (!strcmp(w->v[i], "binary"))
					cfg_err(p, i, "stick-table type 'binary' is not supported yet");
				else
					cfg_err(p, i, "unknown stick-table type '%s' (ip, ipv6, integer, "
						"string)", w->v[i]);
				return -1;
			}
			def.type = (enum lb_stk_key_type)t;
			has_type = true;
		} else if (!strcmp(k, "len")) {
			if (cfg_get_int(p, i, "stick-table len", 1, LB_STK_KEY_MAX, &v) < 0)
				return -1;
			def.key_len = (unsigned)v;
		} else if (!strcmp(k, "size")) {
			if (lb_parse_size(w->v[i], &sz) < 0 || !sz || sz > (1ULL << 32)) {
				cfg_err(p, i, "invalid stick-table size '%s' (entries, with an optional "
					"k, m or g multiplier)", w->v[i]);
				return -1;
			}
			def.size = sz;
			has_size = true;
		} else if (!strcmp(k, "expire")) {
			if (lb_parse_time_ms(w->v[i], &v) < 0 || v <= 0) {
				cfg_err(p, i, "invalid stick-table expire '%s'", w->v[i]);
				return -1;
			}
			def.expire_ms = (uint64_t)v;
		} else if (parse_store(p, i, &def) < 0) {
			return -1;
		}
	}
	if (!has_type || !has_size) {
		cfg_err(p, p->kw0, "stick-table expects 'type <ip|ipv6|integer|string>' and "
			"'size <n>'");
		return -1;
	}
	if (def.key_len && def.type != LB_STK_KEY_STRING) {
		cfg_err(p, p->kw0, "stick-table 'len' only applies to type string");
		return -1;
	}
	px->stktable = lb_stktable_new(px->name, &def);
	px->stktable_pos = cfg_pos(p, p->kw0);
	return 0;
}

/* ---- track-sc and sc-* actions ---- */

/* "<key> [table <name>]" from w->v[a]; `uses`: LB_ACL_USE_* of the place. */
static int
parse_track(struct cfg_parser *p, int a, unsigned uses, int sc, struct lb_cfg_track *tr)
{
	struct cfg_words *w = p->w;

	memset(tr, 0, sizeof(*tr));
	tr->sc = sc;
	if (a >= w->n) {
		cfg_err(p, p->kw0, "'%s' expects a sample expression (src, req.hdr(x)...)",
			p->kwname);
		return -1;
	}
	if (a + 1 < w->n) {
		if (strcmp(w->v[a + 1], "table") || a + 2 >= w->n) {
			cfg_err(p, a + 1, "'%s' expects '<key> [table <name>]', unexpected '%s'",
				p->kwname, w->v[a + 1]);
			return -1;
		}
		if (a + 3 < w->n) {
			cfg_err(p, a + 3, "unexpected '%s' after the table name", w->v[a + 3]);
			return -1;
		}
	}
	if (cfg_sample_compile(p, a, uses, &tr->key) < 0)
		return -1;
	if (a + 2 < w->n)
		tr->table_name = lb_xstrdup(w->v[a + 2]);
	return 0;
}

int
cfg_act_track_sc(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_track tr;
	struct lb_cfg_http_rule *r;

	if (parse_track(p, a, LB_ACL_USE_L4 | LB_ACL_USE_REQ, (int)kw->lo, &tr) < 0)
		return -1;
	r = cfg_http_new_rule(p, kw, obj, LB_ACT_TRACK_SC);
	r->track = lb_xmalloc(sizeof(*r->track));
	*r->track = tr;
	return 0;
}

/* sc-inc-gpc0(<n>), sc-inc-gpc1(<n>): kw->lo the counter, kw->hi the gpc */
int
cfg_act_sc_inc(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_http_rule *r;

	(void)a;
	r = cfg_http_new_rule(p, kw, obj, kw->hi ? LB_ACT_SC_INC_GPC1 : LB_ACT_SC_INC_GPC0);
	r->track = lb_xcalloc(1, sizeof(*r->track));
	r->track->sc = (int)kw->lo;
	return 0;
}

int
cfg_act_sc_set_gpt0(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_http_rule *r;
	long long v;

	if (cfg_get_int(p, a, "sc-set-gpt0", 0, UINT32_MAX, &v) < 0)
		return -1;
	r = cfg_http_new_rule(p, kw, obj, LB_ACT_SC_SET_GPT0);
	r->track = lb_xcalloc(1, sizeof(*r->track));
	r->track->sc = (int)kw->lo;
	r->track->value = v;
	return 0;
}

void
cfg_track_free(struct lb_cfg_track *tr)
{
	if (!tr)
		return;
	free(tr->table_name);
	free(tr);
}

/* ---- tcp-request ---- */

/* kw->hi: 0 connection, 1 content; kw->lo: the action (track-sc: LB_TCP_TRACK_SC + n) */
static int
tcp_rule(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;
	struct lb_cfg_tcp_rule *r, **tail;
	struct lb_cfg_track tr = { 0 };
	int act = (int)LB_MIN(kw->lo, LB_TCP_TRACK_SC);

	if (act == LB_TCP_TRACK_SC &&
	    parse_track(p, a, LB_ACL_USE_L4 | (kw->hi ? LB_ACL_USE_REQ | LB_ACL_USE_PAYLOAD : 0),
			(int)(kw->lo - LB_TCP_TRACK_SC), &tr) < 0)
		return -1;
	r = lb_xcalloc(1, sizeof(*r));
	r->pos = cfg_pos(p, p->kw0);
	r->act = (enum lb_tcp_act)act;
	r->track = tr;
	r->acl_cond = p->cond;
	p->cond = NULL;
	tail = kw->hi ? &px->tcp_cont_rules : &px->tcp_conn_rules;
	while (*tail)
		tail = &(*tail)->next;
	*tail = r;
	return 0;
}

#define TCP_ACTS(hi_)                                                                       \
	CFG_KW("accept", CFG_SEC_FE_BE, 0, 0, tcp_rule, 0, "", "accept (stop evaluating)",   \
	       .lo = LB_TCP_ACCEPT, .hi = (hi_), .flags = CFG_KW_COND),                      \
	CFG_KW("reject", CFG_SEC_FE_BE, 0, 0, tcp_rule, 0, "", "close the connection",       \
	       .lo = LB_TCP_REJECT, .hi = (hi_), .flags = CFG_KW_COND),                      \
	CFG_KW("track-sc0", CFG_SEC_FE_BE, 1, 3, tcp_rule, 0, "<key> [table <name>]",        \
	       "track the key in stick counter 0", .lo = LB_TCP_TRACK_SC, .hi = (hi_),       \
	       .flags = CFG_KW_COND),                                                        \
	CFG_KW("track-sc1", CFG_SEC_FE_BE, 1, 3, tcp_rule, 0, "<key> [table <name>]",        \
	       "track the key in stick counter 1", .lo = LB_TCP_TRACK_SC + 1, .hi = (hi_),   \
	       .flags = CFG_KW_COND),                                                        \
	CFG_KW("track-sc2", CFG_SEC_FE_BE, 1, 3, tcp_rule, 0, "<key> [table <name>]",        \
	       "track the key in stick counter 2", .lo = LB_TCP_TRACK_SC + 2, .hi = (hi_),   \
	       .flags = CFG_KW_COND)

static const struct lb_cfg_kw tcp_conn_kws[] = {
	TCP_ACTS(0),
	CFG_KW_END,
};

static const struct lb_cfg_kw tcp_cont_kws[] = {
	TCP_ACTS(1),
	CFG_KW_END,
};

static const char *const tcp_act_unsupported[] = {
	"expect-proxy", "expect-netscaler-cip", "silent-drop", "capture", "set-var",
	"set-var-fmt", "unset-var", "sc-inc-gpc0", "sc-inc-gpc1", "sc-set-gpt0", "set-src",
	"set-dst", "set-mark", "set-tos", "do-resolve", "send-spoe-group", "switch-mode",
	"use-service", "set-log-level", "set-nice", "lua", "set-priority-class",
	"set-priority-offset", "attach-srv", "set-bandwidth-limit", NULL,
};

const struct lb_cfg_kw cfg_tcp_req_kws[] = {
	CFG_KW("connection", CFG_SEC_FE_ONLY, 1, -1, NULL, 0, "tcp-request connection action",
	       "", .sub = tcp_conn_kws, .data = tcp_act_unsupported),
	CFG_KW("content", CFG_SEC_FE_ONLY, 1, -1, NULL, 0, "tcp-request content action", "",
	       .sub = tcp_cont_kws, .data = tcp_act_unsupported),
	CFG_KW("inspect-delay", CFG_SEC_FE_ONLY, 1, 1, cfg_kw_time, PX(inspect_delay), "<time>",
	       "longest wait of tcp-request content rules for the client's bytes"),
	CFG_KW_END,
};
const char *const cfg_tcp_req_unsupported[] = { "session", NULL };

/* ---- stick on|match|store-request (persistence) ---- */

/* kw->lo: LB_STICK_MATCH and/or LB_STICK_STORE */
static int
stick_rule(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_proxy *px = obj;
	struct lb_cfg_stick_rule *r, **tail;
	struct lb_cfg_track key;

	bool res = kw->lo == LB_STICK_STORE_RES;

	if (parse_track(p, a, LB_ACL_USE_L4 | (res ? LB_ACL_USE_RES : LB_ACL_USE_REQ), 0,
			&key) < 0)
		return -1;
	r = lb_xcalloc(1, sizeof(*r));
	r->pos = cfg_pos(p, p->kw0);
	r->kind = (unsigned)kw->lo;
	r->key = key;
	r->acl_cond = p->cond;
	p->cond = NULL;
	for (tail = &px->stick_rules; *tail; tail = &(*tail)->next)
		;
	*tail = r;
	return 0;
}

const struct lb_cfg_kw cfg_stick_kws[] = {
	CFG_KW("on", CFG_SEC_BE_ONLY, 1, 3, stick_rule, 0, "<pattern> [table <name>]",
	       "persistence: send the key to the server it went to before, and remember it",
	       .lo = LB_STICK_MATCH | LB_STICK_STORE, .flags = CFG_KW_COND),
	CFG_KW("match", CFG_SEC_BE_ONLY, 1, 3, stick_rule, 0, "<pattern> [table <name>]",
	       "persistence: send the key to the server the table has for it",
	       .lo = LB_STICK_MATCH, .flags = CFG_KW_COND),
	CFG_KW("store-request", CFG_SEC_BE_ONLY, 1, 3, stick_rule, 0,
	       "<pattern> [table <name>]",
	       "persistence: remember the server chosen for the key of the request",
	       .lo = LB_STICK_STORE, .flags = CFG_KW_COND),
	CFG_KW("store-response", CFG_SEC_BE_ONLY, 1, 3, stick_rule, 0,
	       "<pattern> [table <name>]",
	       "persistence: remember the server that answered for the key of its response",
	       .lo = LB_STICK_STORE_RES, .flags = CFG_KW_COND | CFG_KW_COND_RES),
	CFG_KW_END,
};
const char *const cfg_stick_unsupported[] = { NULL };

int
cfg_kw_stick_table(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	return kw_stick_table(p, kw, obj, a);
}

/* ---- finalize and free ---- */

/* Finds the table of a track-sc or stick rule (`what` names it in messages). */
static int
resolve_table(struct lb_cfg *cfg, struct lb_cfg_proxy *px, struct lb_cfg_track *tr,
	      const struct lb_cfg_pos *pos, struct lb_diag *d, const char *what)
{
	const struct lb_cfg_proxy *tp = px;

	if (tr->table_name)
		tp = lb_cfg_find_proxy(cfg, tr->table_name, LB_CAP_FE | LB_CAP_BE);
	if (!tp || !tp->stktable) {
		if (tr->table_name)
			lb_diag_add(d, LB_DIAG_ERROR, pos, "%s: no stick-table called '%s'", what,
				    tr->table_name);
		else
			lb_diag_add(d, LB_DIAG_ERROR, pos, "%s: proxy '%s' has no stick-table (add "
				    "one, or name one with 'table <name>')", what,
				    px->name ? px->name : "defaults");
		return 1;
	}
	tr->table = tp->stktable;
	return 0;
}

static int
resolve_track(struct lb_cfg *cfg, struct lb_cfg_proxy *px, struct lb_cfg_track *tr,
	      const struct lb_cfg_pos *pos, struct lb_diag *d)
{
	char what[16];

	snprintf(what, sizeof(what), "track-sc%d", tr->sc);
	return resolve_table(cfg, px, tr, pos, d, what);
}

/* stick rules: their table stores server ids (as HAProxy adds it for them); the key must be
 * of the table's type family (an address for ip/ipv6 tables, ...: checked per request,
 * where a key that does not convert is simply not looked up) */
static int
resolve_stick(struct lb_cfg *cfg, struct lb_cfg_proxy *px, struct lb_diag *d)
{
	int n = 0;

	for (struct lb_cfg_stick_rule *r = px->stick_rules; r; r = r->next) {
		const char *what = r->kind == (LB_STICK_MATCH | LB_STICK_STORE) ? "stick on" :
				   r->kind == LB_STICK_MATCH ? "stick match" :
				   r->kind == LB_STICK_STORE_RES ? "stick store-response" :
				   "stick store-request";
		if (resolve_table(cfg, px, &r->key, &r->pos, d, what)) {
			n++;
			continue;
		}
		lb_stktable_add_store(r->key.table, LB_STK_SERVER_ID);
		if (px->mode != LB_MODE_HTTP && r->key.key &&
		    (lb_acl_sample_needs(r->key.key) & (LB_ACL_USE_REQ | LB_ACL_USE_RES))) {
			lb_diag_add(d, LB_DIAG_ERROR, &r->pos, "%s reads HTTP data, but '%s' is in "
				    "mode tcp (use connection fetches: src, dst...)", what,
				    px->name);
			n++;
		}
	}
	return n;
}

int
cfg_stick_finalize(struct lb_cfg *cfg, struct lb_cfg_proxy *px, struct lb_diag *d)
{
	int n = resolve_stick(cfg, px, d);

	for (struct lb_cfg_http_rule *r = px->http_req_rules; r; r = r->next)
		if (r->act == LB_ACT_TRACK_SC)
			n += resolve_track(cfg, px, r->track, &r->pos, d);
	for (int l = 0; l < 2; l++) {
		for (struct lb_cfg_tcp_rule *r = l ? px->tcp_cont_rules : px->tcp_conn_rules; r;
		     r = r->next) {
			bool http = l && px->mode == LB_MODE_HTTP;
			unsigned needs = lb_acl_cond_needs(r->acl_cond) |
					 (r->track.key ? lb_acl_sample_needs(r->track.key) : 0);
			if (r->act == LB_TCP_TRACK_SC)
				n += resolve_track(cfg, px, &r->track, &r->pos, d);
			if (!l && (needs & LB_ACL_USE_PAYLOAD)) {
				lb_diag_add(d, LB_DIAG_ERROR, &r->pos, "tcp-request connection rule "
					    "reads the request's content, which is not there when the "
					    "connection is accepted (use 'tcp-request content' with "
					    "'tcp-request inspect-delay')");
				n++;
			} else if (l && !http && (needs & LB_ACL_USE_PAYLOAD) &&
				   px->inspect_delay <= 0) {
				/* HAProxy warns the same: the verdict depends on what arrived by then */
				lb_diag_add(d, LB_DIAG_WARNING, &r->pos, "tcp-request content rule "
					    "reads the request's content but 'tcp-request inspect-delay' "
					    "is not set: it is decided on whatever has arrived at once");
			}
			if (!http && ((lb_acl_cond_needs(r->acl_cond) &
				       (LB_ACL_USE_REQ | LB_ACL_USE_RES)) ||
				      (r->track.key && (lb_acl_sample_needs(r->track.key) &
							LB_ACL_USE_REQ)))) {
				lb_diag_add(d, LB_DIAG_ERROR, &r->pos,
					    "tcp-request %s rule reads HTTP data, which %s (use "
					    "connection fetches: src, dst, dst_port...)",
					    l ? "content" : "connection",
					    l ? "a mode tcp proxy does not parse"
					      : "is not there when the connection is accepted");
				n++;
			}
		}
	}
	return n;
}

static void
tcp_rules_free(struct lb_cfg_tcp_rule *r)
{
	while (r) {
		struct lb_cfg_tcp_rule *next = r->next;
		free(r->track.table_name);
		lb_acl_cond_free(r->acl_cond);
		free(r);
		r = next;
	}
}

void
cfg_stick_free(struct lb_cfg_proxy *px)
{
	for (struct lb_cfg_stick_rule *r = px->stick_rules, *next; r; r = next) {
		next = r->next;
		free(r->key.table_name);
		lb_acl_cond_free(r->acl_cond);
		free(r);
	}
	px->stick_rules = NULL;
	tcp_rules_free(px->tcp_conn_rules);
	tcp_rules_free(px->tcp_cont_rules);
	px->tcp_conn_rules = px->tcp_cont_rules = NULL;
	lb_stktable_free(px->stktable);
	px->stktable = NULL;
}

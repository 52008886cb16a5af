/* lbd/http_act.c: http-request and http-response actions (see http_act.h) */
#include "http_act.h"

#include <stdio.h>
#include <string.h>

#include "http_reply.h"
#include "http_rewrite.h"
#include "proxy.h"
#include "stream.h"
#include "track.h"
#include "util.h"
#include "vars.h"
#include "vars_acl.h"

/* The rewrites: run by the edit pass of a request (the first pass leaves them alone). */
static bool
is_rewrite(enum lb_http_act act)
{
	switch (act) {
	case LB_ACT_SET_HEADER:
	case LB_ACT_ADD_HEADER:
	case LB_ACT_DEL_HEADER:
	case LB_ACT_REPLACE_HEADER:
	case LB_ACT_REPLACE_VALUE:
	case LB_ACT_SET_PATH:
	case LB_ACT_SET_PATHQ:
	case LB_ACT_SET_QUERY:
	case LB_ACT_SET_URI:
	case LB_ACT_SET_METHOD:
	case LB_ACT_REPLACE_PATH:
	case LB_ACT_REPLACE_URI:
	case LB_ACT_SET_STATUS:
		return true;
	default:
		return false;
	}
}

/* ---- the header list ---- */

static bool
hl_add(struct lbd_hdr_list *hl, const char *n, size_t nl, const char *v, size_t vl)
{
	if (hl->n == hl->cap)
		return false;
	hl->v[hl->n] = (struct lbd_hdr_ref){ n, v, (uint32_t)nl, (uint32_t)vl };
	hl->n++;
	return true;
}

static void
hl_del(struct lbd_hdr_list *hl, const char *n, size_t nl)
{
	unsigned j = 0;

	for (unsigned i = 0; i < hl->n; i++)
		if (!lb_str_ieq(hl->v[i].name, hl->v[i].nlen, n, nl))
			hl->v[j++] = hl->v[i];
	hl->n = j;
}

/* The arena's free space; what is written there is kept by hl_take. */
static char *
hl_free_space(const struct lbd_hdr_list *hl, size_t *room)
{
	*room = hl->size - hl->used;
	return hl->arena + hl->used;
}

static void
hl_take(struct lbd_hdr_list *hl, size_t n)
{
	hl->used += n;
}

/* Renders a log-format value into the arena (kept). */
static bool
render(struct lbd_hdr_list *hl, const struct lb_logfmt *fmt, const struct lb_log_ctx *ctx,
       struct lb_acl_str *out)
{
	size_t room;
	char *p = hl_free_space(hl, &room);
	size_t n;

	if (lb_logfmt_is_const(fmt)) {
		out->p = lb_logfmt_const(fmt, &out->len);
		return true;
	}
	n = lb_logfmt_render(fmt, ctx, p, room);
	if (n >= room)
		return false;
	hl_take(hl, n);
	out->p = p;
	out->len = n;
	return true;
}

/* The ACL view of the headers follows the list being edited. */
static void
hl_get(const void *arg, unsigned i, struct lb_acl_str *name, struct lb_acl_str *value)
{
	const struct lbd_hdr_list *hl = arg;

	*name = (struct lb_acl_str){ hl->v[i].name, hl->v[i].nlen };
	*value = (struct lb_acl_str){ hl->v[i].val, hl->v[i].vlen };
}

static void
sync_view(const struct lbd_http_edit *ed, struct lbd_acl_ctx *a, bool res)
{
	struct lb_acl_hdrs h = { ed->hl->n, hl_get, ed->hl };

	if (res) {
		a->c.res_hdrs = h;
	} else {
		a->c.req_hdrs = h;
		a->c.meth = ed->w[0];
		a->c.uri = ed->w[1];
	}
}

/* ---- regex rewrites ---- */

/* Match data for a pass, from an arena on the pass's stack: no allocation per request. */
struct re_scratch {
	pcre2_general_context *gctx;
	pcre2_match_data *md;
	size_t used;
	_Alignas(16) char arena[2048];
};

static void *
re_alloc(size_t n, void *arg)
{
	struct re_scratch *rs = arg;
	size_t a = (n + 15) & ~(size_t)15;

	if (a > sizeof(rs->arena) - rs->used)
		return NULL;
	rs->used += a;
	return rs->arena + rs->used - a;
}

static void
re_free(void *p, void *arg)
{
	(void)p, (void)arg;	/* the arena goes with the pass */
}

static pcre2_match_data *
re_md(struct re_scratch *rs)
{
	if (!rs->md) {
		if (!rs->gctx)
			rs->gctx = pcre2_general_context_create(re_alloc, re_free, rs);
		if (rs->gctx)
			rs->md = pcre2_match_data_create(10, rs->gctx);
	}
	return rs->md;
}

/* replace-header / replace-value on every header called r->name. */
static bool
replace_hdrs(const struct lb_cfg_http_rule *r, struct lbd_hdr_list *hl,
	     const struct lb_log_ctx *ctx, struct re_scratch *rs)
{
	size_t nl = strlen(r->name), room;
	pcre2_match_data *md = re_md(rs);
	struct lb_acl_str tpl;

	if (!md || !render(hl, r->value, ctx, &tpl))
		return false;
	for (unsigned i = 0; i < hl->n; i++) {
		struct lbd_hdr_ref *h = &hl->v[i];
		char *out = hl_free_space(hl, &room);
		ssize_t n;

		if (!lb_str_ieq(h->name, h->nlen, r->name, nl))
			continue;
		n = r->act == LB_ACT_REPLACE_VALUE
			    ? lb_rw_regex_values(r->re, md, h->val, h->vlen, tpl.p, tpl.len, out,
						 room)
			    : lb_rw_regex(r->re, md, h->val, h->vlen, tpl.p, tpl.len, out, room);
		if (n == LB_RW_NOROOM)
			return false;
		if (n >= 0) {
			hl_take(hl, (size_t)n);
			h->val = out;
			h->vlen = (uint32_t)n;
		}
	}
	return true;
}

/* ---- the start line ---- */

void
lbd_http_edit_init(struct lbd_http_edit *ed, struct lbd_hdr_list *hl, const char *start,
		   size_t len)
{
	const char *e = start + len, *p = start;

	memset(ed, 0, sizeof(*ed));
	ed->hl = hl;
	ed->start = start;
	ed->start_len = len;
	for (int i = 0; i < 3; i++) {
		const char *sp = i < 2 ? memchr(p, ' ', (size_t)(e - p)) : NULL;
		ed->w[i] = (struct lb_acl_str){ p, (size_t)((sp ? sp : e) - p) };
		p = sp ? sp + 1 : e;
	}
}

/* Rebuilds ed->start from its words once they changed. */
static bool
edit_start(struct lbd_http_edit *ed)
{
	size_t room, n = ed->w[0].len + ed->w[1].len + ed->w[2].len + 2;
	char *p = hl_free_space(ed->hl, &room);

	if (n >= room)	/* snprintf's NUL needs one more byte */
		return false;
	snprintf(p, room, "%.*s %.*s %.*s", (int)ed->w[0].len, ed->w[0].p, (int)ed->w[1].len,
		 ed->w[1].p, (int)ed->w[2].len, ed->w[2].p);
	hl_take(ed->hl, n);
	ed->start = p;
	ed->start_len = n;
	ed->changed = false;
	return true;
}

/* set-path, set-pathq, set-query, replace-path: the target with one part replaced. */
static bool
set_uri_part(struct lbd_http_edit *ed, enum lb_rw_part part, const char *v, size_t vl)
{
	size_t room;
	char *out = hl_free_space(ed->hl, &room);
	ssize_t n = lb_rw_uri_set(ed->w[1].p, ed->w[1].len, part, v, vl, out, room);

	if (n < 0)
		return false;
	hl_take(ed->hl, (size_t)n);
	ed->w[1] = (struct lb_acl_str){ out, (size_t)n };
	ed->changed = true;
	return true;
}

/* replace-path / replace-uri: the path (or the whole target) rewritten when it matches. */
static bool
replace_target(const struct lb_cfg_http_rule *r, struct lbd_http_edit *ed,
	       const struct lb_log_ctx *ctx, struct re_scratch *rs)
{
	pcre2_match_data *md = re_md(rs);
	struct lb_acl_str tpl, subj = ed->w[1];
	struct lb_rw_uri u;
	size_t room;
	char *out;
	ssize_t n;

	if (!md || !render(ed->hl, r->value, ctx, &tpl))
		return false;
	if (r->act == LB_ACT_REPLACE_PATH) {
		lb_rw_uri_split(subj.p, subj.len, &u);
		subj = (struct lb_acl_str){ subj.p + u.path_off, u.path_len };
	}
	out = hl_free_space(ed->hl, &room);
	n = lb_rw_regex(r->re, md, subj.p, subj.len, tpl.p, tpl.len, out, room);
	if (n == LB_RW_NOMATCH)
		return true;
	if (n < 0)
		return false;
	hl_take(ed->hl, (size_t)n);
	if (r->act == LB_ACT_REPLACE_PATH)
		return set_uri_part(ed, LB_RW_PATH, out, (size_t)n);
	ed->w[1] = (struct lb_acl_str){ out, (size_t)n };
	ed->changed = true;
	return true;
}

static bool
set_status(struct lbd_stream *s, const struct lb_cfg_http_rule *r, struct lbd_http_edit *ed,
	   struct lbd_acl_ctx *a)
{
	size_t room;
	char *p = hl_free_space(ed->hl, &room);
	const char *reason = r->reason ? r->reason : lbd_http_reason(r->status);
	int n = snprintf(p, room, "%d", r->status);

	if (n < 0 || (size_t)n >= room)
		return false;
	hl_take(ed->hl, (size_t)n);
	ed->w[1] = (struct lb_acl_str){ p, (size_t)n };
	ed->w[2] = (struct lb_acl_str){ reason, strlen(reason) };
	ed->changed = true;
	s->status = r->status;	/* what the log line reports */
	a->c.status = r->status;
	return true;
}

/* One rewrite whose condition held. */
static bool
rewrite(struct lbd_stream *s, const struct lb_cfg_http_rule *r, struct lbd_http_edit *ed,
	const struct lb_log_ctx *ctx, struct lbd_acl_ctx *a, struct re_scratch *rs)
{
	struct lbd_hdr_list *hl = ed->hl;
	struct lb_acl_str v;

	switch (r->act) {
	case LB_ACT_SET_HEADER:
	case LB_ACT_ADD_HEADER:
		if (!render(hl, r->value, ctx, &v))
			return false;
		if (r->act == LB_ACT_SET_HEADER)
			hl_del(hl, r->name, strlen(r->name));
		return hl_add(hl, r->name, strlen(r->name), v.p, v.len);
	case LB_ACT_DEL_HEADER:
		hl_del(hl, r->name, strlen(r->name));
		return true;
	case LB_ACT_REPLACE_HEADER:
	case LB_ACT_REPLACE_VALUE:
		return replace_hdrs(r, hl, ctx, rs);
	case LB_ACT_SET_PATH:
	case LB_ACT_SET_PATHQ:
	case LB_ACT_SET_QUERY: {
		static const enum lb_rw_part parts[] = {
			[LB_ACT_SET_PATH] = LB_RW_PATH,
			[LB_ACT_SET_PATHQ] = LB_RW_PATHQ,
			[LB_ACT_SET_QUERY] = LB_RW_QUERY,
		};
		return render(hl, r->value, ctx, &v) && set_uri_part(ed, parts[r->act], v.p, v.len);
	}
	case LB_ACT_SET_URI:
	case LB_ACT_SET_METHOD:
		if (!render(hl, r->value, ctx, &v))
			return false;
		ed->w[r->act == LB_ACT_SET_URI ? 1 : 0] = v;
		ed->changed = true;
		return true;
	case LB_ACT_REPLACE_PATH:
	case LB_ACT_REPLACE_URI:
		return replace_target(r, ed, ctx, rs);
	case LB_ACT_SET_STATUS:
		return set_status(s, r, ed, a);
	default:
		return true;
	}
}

/* ---- variables and log level ---- */

/* set-var, set-var-fmt, unset-var, set-log-level; false for any other action. */
static bool
run_state_action(struct lbd_stream *s, const struct lb_cfg_http_rule *r,
		 const struct lbd_acl_ctx *a, const struct lb_log_ctx *ctx)
{
	struct lb_vars **vars = &s->cc->vars;

	switch (r->act) {
	case LB_ACT_SET_VAR:
		lb_acl_sample_set_var(r->expr, &a->c, vars, r->var_key, r->var_conds);
		return true;
	case LB_ACT_SET_VAR_FMT: {
		/* the thread's scratch is free between the parse of a head and its rewrite */
		size_t n = lb_logfmt_render(r->value, ctx, s->thr->scratch, s->thr->bufs.size);
		struct lb_var_val v = { .type = LB_VAR_T_STR, .s = s->thr->scratch,
					.len = LB_MIN(n, (size_t)s->thr->bufs.size) };
		lb_vars_set_if(vars, r->var_key, &v, r->var_conds);
		return true;
	}
	case LB_ACT_UNSET_VAR:
		lb_vars_unset(*vars, r->var_key);
		return true;
	case LB_ACT_SET_LOG_LEVEL:
		s->log_level = (uint8_t)(r->log_level + 1);
		return true;
	default:
		return false;
	}
}

/* ---- the passes ---- */

/* tarpit: the stream waits for the "timeout tarpit" of the rule's proxy (else its "timeout
 * connect"), then h1_timer answers with s->status. */
static void
hold(struct lbd_stream *s, const struct lb_cfg_http_rule *r, const struct lb_cfg_proxy *px)
{
	long long t = px->timeouts[LB_TO_TARPIT];

	if (t <= 0)
		t = px->timeouts[LB_TO_CONNECT];
	s->status = r->status > 0 ? r->status : 500;
	s->state = LBD_ST_TARPIT;
	lbd_stream_set_timeout(s, t > 0 ? t : 1);
}

/* use_backend again, after the frontend's rules: they may have set the variables or the
 * stick counters its conditions read (HAProxy's order). */
static void
reselect_backend(struct lbd_stream *s, const struct lb_cfg_http_rule *lists[2],
		 struct lbd_acl_ctx *a, struct lb_log_ctx *ctx)
{
	struct lbd_backend *be = lbd_acl_select_backend(s->fe, a);

	if (be == s->be)
		return;
	s->be = be;
	a->c.be_name = be ? be->name : NULL;
	ctx->be_name = a->c.be_name;
	lists[1] = be && be->cfg != s->fe->cfg ? be->cfg->http_req_rules : NULL;
}

enum lbd_act_verdict
lbd_http_act_req(struct lbd_stream *s, const struct lb_cfg_http_rule *lists[2],
		 struct lbd_acl_ctx *a, struct lb_log_ctx *ctx,
		 const struct lb_cfg_http_rule **rule)
{
	for (int l = 0; l < 2; l++) {
		for (const struct lb_cfg_http_rule *r = lists[l]; r; r = r->next) {
			if (is_rewrite(r->act) || !lbd_acl_ok(r->acl_cond, a))
				continue;
			*rule = r;
			if (r->track) {	/* track-sc, sc-inc-gpc*, sc-set-gpt0 */
				lbd_track_http_rule(s, r, a);	/* lbd/track.c */
				continue;
			}
			if (run_state_action(s, r, a, ctx))
				continue;
			switch (r->act) {
			case LB_ACT_ALLOW:
				s->req_allow[l] = r;
				break;
			case LB_ACT_USE_SERVICE:
				return LBD_ACT_SERVICE;
			case LB_ACT_DENY:
			case LB_ACT_RETURN:
			case LB_ACT_REDIRECT:
				return LBD_ACT_REPLY;
			case LB_ACT_REJECT:
				s->fe->ctr[s->thr->id].denied_req++;
				return LBD_ACT_REJECT;
			case LB_ACT_TARPIT:
				s->fe->ctr[s->thr->id].denied_req++;
				hold(s, r, l ? s->be->cfg : s->fe->cfg);
				return LBD_ACT_TARPIT;
			default:
				continue;
			}
			break;	/* allow: the next section */
		}
		if (l == 0 && lists[0] && lbd_acl_fe_routes(s->fe))
			reselect_backend(s, lists, a, ctx);
	}
	return LBD_ACT_CONTINUE;
}

bool
lbd_http_act_req_edit(struct lbd_stream *s, const struct lb_cfg_http_rule *const lists[2],
		      struct lbd_http_edit *ed, const struct lb_log_ctx *ctx,
		      struct lbd_acl_ctx *a)
{
	struct re_scratch rs = { .gctx = NULL, .md = NULL, .used = 0 };

	sync_view(ed, a, false);
	for (int l = 0; l < 2; l++) {
		for (const struct lb_cfg_http_rule *r = lists[l]; r && r != s->req_allow[l];
		     r = r->next) {
			if (!is_rewrite(r->act) || !lbd_acl_ok(r->acl_cond, a))
				continue;
			if (!rewrite(s, r, ed, ctx, a, &rs))
				return false;
			sync_view(ed, a, false);
		}
	}
	return !ed->changed || edit_start(ed);
}

int
lbd_http_act_res(struct lbd_stream *s, const struct lb_cfg_http_rule *const lists[2],
		 struct lbd_http_edit *ed, const struct lb_log_ctx *ctx, struct lbd_acl_ctx *a)
{
	struct re_scratch rs = { .gctx = NULL, .md = NULL, .used = 0 };

	/* the request's variables end where the response starts */
	lb_vars_clear(s->cc->vars, 1u << LB_VAR_REQ);
	sync_view(ed, a, true);
	for (int l = 0; l < 2; l++) {
		for (const struct lb_cfg_http_rule *r = lists[l]; r; r = r->next) {
			if (!lbd_acl_ok(r->acl_cond, a))
				continue;
			if (r->act == LB_ACT_ALLOW)
				break;
			if (r->act == LB_ACT_DENY) {
				s->fe->ctr[s->thr->id].denied_resp++;
				return r->status > 0 ? r->status : 502;
			}
			if (run_state_action(s, r, a, ctx))
				continue;
			if (!rewrite(s, r, ed, ctx, a, &rs))
				return -1;
			sync_view(ed, a, true);
		}
	}
	return !ed->changed || edit_start(ed) ? 0 : -1;
}

int
lbd_http_act_log_level(const struct lbd_stream *s, int dflt)
{
	if (!s->log_level)
		return dflt;
	return s->log_level - 1 == LB_LOG_LEVEL_SILENT ? -1 : s->log_level - 1;
}

void
lbd_http_act_txn_end(struct lbd_stream *s)
{
	if (s->cc)
		lb_vars_clear(s->cc->vars,
			      1u << LB_VAR_TXN | 1u << LB_VAR_REQ | 1u << LB_VAR_RES);
}

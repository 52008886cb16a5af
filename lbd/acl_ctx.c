/* lbd/acl_ctx.c: see acl_ctx.h */
#include "acl_ctx.h"

#include <string.h>

#include "stream.h"
#include "thread_types.h"
#include "util.h"

static void
hdr_get(const struct lb_http1_msg *msg, const char *buf, unsigned i, struct lb_acl_str *name,
	struct lb_acl_str *value)
{
	const struct lb_http1_hdr *h = &msg->hdrs[i];

	name->p = buf + h->name_off;
	name->len = h->name_len;
	value->p = buf + h->value_off;
	value->len = h->value_len;
}

static void
req_hdr(const void *arg, unsigned i, struct lb_acl_str *name, struct lb_acl_str *value)
{
	const struct lbd_acl_ctx *a = arg;

	hdr_get(a->req, a->req_buf, i, name, value);
}

static void
res_hdr(const void *arg, unsigned i, struct lb_acl_str *name, struct lb_acl_str *value)
{
	const struct lbd_acl_ctx *a = arg;

	hdr_get(a->res, a->res_buf, i, name, value);
}

static const struct sockaddr *
ctx_dst(const void *arg)
{
	const struct lbd_acl_ctx *a = arg;

	return lbd_cconn_dst(a->s->cc);
}

static const struct lbd_backend *
state_be(const struct lbd_stream *s, const struct lb_cfg_proxy *px)
{
	const struct lbd_runtime *rt = s->thr->rt;

	if (!px)
		return s->be;
	return px->id > 0 && (unsigned)px->id < rt->nbe_by_id ? rt->be_by_id[px->id] : NULL;
}

static bool
srv_usable(const struct lbd_server *srv)
{
	return __atomic_load_n(&srv->admin, __ATOMIC_RELAXED) == LBD_SRV_READY &&
	       __atomic_load_n(&srv->health_up, __ATOMIC_RELAXED);
}

/* HAProxy's nbsrv: usable active servers, or usable backups when no active one is. */
static int
st_nbsrv(const void *arg, const struct lb_cfg_proxy *px)
{
	const struct lbd_backend *be = state_be(arg, px);
	int act = 0, bck = 0;

	if (!be)
		return 0;
	for (unsigned i = 0; i < be->nsrv; i++) {
		if (!srv_usable(be->srv[i]))
			continue;
		if (be->srv[i]->cfg->backup > 0)
			bck++;
		else
			act++;
	}
	return act ? act : bck;
}

static int
st_be_conn(const void *arg, const struct lb_cfg_proxy *px)
{
	const struct lbd_backend *be = state_be(arg, px);

	return be ? __atomic_load_n(&be->cur_conn, __ATOMIC_RELAXED) : 0;
}

static bool
st_srv_is_up(const void *arg, const struct lb_cfg_proxy *px, int srv_id)
{
	const struct lbd_backend *be = state_be(arg, px);

	if (!be || srv_id < 1 || (unsigned)srv_id > be->nsrv)
		return false;
	const struct lbd_server *srv = be->srv[srv_id - 1];
	return __atomic_load_n(&srv->admin, __ATOMIC_RELAXED) != LBD_SRV_MAINT &&
	       __atomic_load_n(&srv->health_up, __ATOMIC_RELAXED);
}

static const struct lb_acl_state_ops state_ops = {
	.nbsrv = st_nbsrv,
	.be_conn = st_be_conn,
	.srv_is_up = st_srv_is_up,
};

void
lbd_acl_ctx_l4(struct lbd_acl_ctx *a, struct lbd_stream *s)
{
	memset(a, 0, sizeof(*a));
	a->s = s;
	if (!(s->cc->flags & LBD_CC_F_UNIX)) {
		a->c.src = &s->cc->cli.sa;
		a->c.dst = ctx_dst;
		a->c.dst_arg = a;
	}
	a->c.fe_name = s->fe->name;
	a->c.be_name = s->be ? s->be->name : NULL;
	a->c.state = &state_ops;
	a->c.state_arg = s;
}

void
lbd_acl_ctx_req(struct lbd_acl_ctx *a, struct lbd_stream *s, const char *buf,
		const struct lb_http1_msg *msg)
{
	lbd_acl_ctx_l4(a, s);
	a->req_buf = buf;
	a->req = msg;
	a->c.meth = (struct lb_acl_str){ buf + msg->meth_off, msg->meth_len };
	a->c.uri = (struct lb_acl_str){ buf + msg->uri_off, msg->uri_len };
	a->c.version = msg->version;
	a->c.req_len = s->cc->rbuf.len;
	a->c.req_hdrs = (struct lb_acl_hdrs){ msg->nhdrs, req_hdr, a };
}

void
lbd_acl_ctx_res(struct lbd_acl_ctx *a, struct lbd_stream *s, const char *buf,
		const struct lb_http1_msg *msg)
{
	lbd_acl_ctx_l4(a, s);
	a->res_buf = buf;
	a->res = msg;
	a->c.status = msg->status;
	a->c.res_hdrs = (struct lb_acl_hdrs){ msg->nhdrs, res_hdr, a };
}

struct lbd_backend *
lbd_acl_select_backend(const struct lbd_frontend *fe, const struct lbd_acl_ctx *a)
{
	unsigned i = 0;

	if (!fe->use_be)
		return fe->default_be;
	for (const struct lb_cfg_use_backend *u = fe->cfg->use_backends; u; u = u->next, i++)
		if (fe->use_be[i] && lbd_acl_ok(u->acl_cond, a))
			return fe->use_be[i];
	return fe->default_be;
}

void
lbd_acl_runtime_build(struct lbd_runtime *rt)
{
	unsigned maxid = 0;

	for (unsigned b = 0; b < rt->nbe; b++)
		if (rt->be[b].cfg->id > 0 && (unsigned)rt->be[b].cfg->id > maxid)
			maxid = (unsigned)rt->be[b].cfg->id;
	rt->nbe_by_id = maxid + 1;
	rt->be_by_id = lb_xcalloc(rt->nbe_by_id, sizeof(*rt->be_by_id));
	for (unsigned b = 0; b < rt->nbe; b++)
		if (rt->be[b].cfg->id > 0)
			rt->be_by_id[rt->be[b].cfg->id] = &rt->be[b];
	for (unsigned f = 0; f < rt->nfe; f++) {
		struct lbd_frontend *fe = &rt->fe[f];
		unsigned n = 0, i = 0;
		bool conds = false;

		for (const struct lb_cfg_use_backend *u = fe->cfg->use_backends; u; u = u->next) {
			n++;
			conds |= u->acl_cond != NULL;
		}
		if (!conds)
			continue;
		fe->use_be = lb_xcalloc(n, sizeof(*fe->use_be));
		for (const struct lb_cfg_use_backend *u = fe->cfg->use_backends; u; u = u->next, i++)
			if (u->backend && u->backend->id > 0 &&
			    (unsigned)u->backend->id < rt->nbe_by_id)
				fe->use_be[i] = rt->be_by_id[u->backend->id];
	}
}

void
lbd_acl_runtime_free(struct lbd_runtime *rt)
{
	for (unsigned f = 0; f < rt->nfe; f++)
		lb_free(&rt->fe[f].use_be);
	lb_free(&rt->be_by_id);
	rt->nbe_by_id = 0;
}

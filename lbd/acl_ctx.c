/* lbd/acl_ctx.c: see acl_ctx.h */
#include "acl_ctx.h"

#include <string.h>

#include "pattern_live.h"
#include "stream.h"
#include "thread_types.h"
#include "tls.h"
#include "track.h"
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

	if (!be || srv_id < 1)
		return false;
	/* ids are stable but not positions once "add/del server" ran (lbd/dynsrv.c) */
	for (unsigned i = 0; i < be->nsrv; i++) {
		const struct lbd_server *srv = be->srv[i];
		if (srv->lb.id == srv_id)
			return __atomic_load_n(&srv->admin, __ATOMIC_RELAXED) != LBD_SRV_MAINT &&
			       __atomic_load_n(&srv->health_up, __ATOMIC_RELAXED);
	}
	return false;
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
	a->c.sc_strm = s->trk;	/* stick counters (lbd/track.h) */
	a->c.sc_conn = s->cc->trk ? s->cc->trk->sc : NULL;
	a->c.now_ms = s->thr->now_ms;
	a->c.vars = &s->cc->vars;	/* set-var (lbd/http_act.h) */
	if (s->cc->tls) {
		a->c.tls = s->cc->tls;
		a->c.tls_fact = lbd_tls_fact;
	}
}

void
lbd_acl_ctx_payload(struct lbd_acl_ctx *a, struct lbd_stream *s, bool partial)
{
	const struct lbd_buf *b = &s->cc->rbuf;

	lbd_acl_ctx_l4(a, s);
	a->c.has_payload = true;
	a->c.payload_partial = partial;
	a->c.payload = (struct lb_acl_str){ b->data ? b->data + b->head : NULL, b->len };
}

void
lbd_acl_ctx_req(struct lbd_acl_ctx *a, struct lbd_stream *s, const char *buf,
		const struct lb_http1_msg *msg)
{
	lbd_acl_ctx_payload(a, s, false);	/* req.len, req.payload: the raw request */
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

static uint64_t
name_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* The backend a dynamic use_backend name renders to; NULL when there is no such backend or
 * the frontend cannot use it (an HTTP frontend, a TCP backend). */
static struct lbd_backend *
dyn_backend(const struct lbd_frontend *fe, const struct lb_cfg_use_backend *u,
	    const struct lbd_acl_ctx *a)
{
	const struct lbd_runtime *rt = a->s->thr->rt;
	char name[256];
	size_t len = 0;

	for (int i = 0; i < u->ndyn; i++) {
		const struct lb_cfg_name_part *pt = &u->dyn[i];
		if (pt->lit) {
			size_t n = strlen(pt->lit);
			if (n > sizeof(name) - len)
				return NULL;
			memcpy(name + len, pt->lit, n);
			len += n;
		} else {
			int n = lb_acl_sample_key(pt->smp, &a->c, 3, (unsigned char *)name + len,
						  sizeof(name) - len);
			if (n > 0)
				len += (size_t)n;
		}
	}
	if (!rt->nbe_by_name)
		return NULL;
	for (size_t j = name_hash(name, len) & (rt->nbe_by_name - 1); rt->be_by_name[j];
	     j = (j + 1) & (rt->nbe_by_name - 1)) {
		struct lbd_backend *be = rt->be_by_name[j];
		if (strlen(be->name) == len && !memcmp(be->name, name, len))
			return fe->mode == LB_MODE_HTTP && be->mode != LB_MODE_HTTP ? NULL : be;
	}
	return NULL;
}

struct lbd_backend *
lbd_acl_select_backend(const struct lbd_frontend *fe, const struct lbd_acl_ctx *a)
{
	unsigned i = 0;

	if (!fe->use_be)
		return fe->default_be;
	for (const struct lb_cfg_use_backend *u = fe->cfg->use_backends; u; u = u->next, i++) {
		if (u->dyn) {
			/* HAProxy: a name that resolves to no backend leaves the choice to
			 * default_backend */
			struct lbd_backend *be;
			if (!lbd_acl_ok(u->acl_cond, a))
				continue;
			be = dyn_backend(fe, u, a);
			return be ? be : fe->default_be;
		}
		if (fe->use_be[i] && lbd_acl_ok(u->acl_cond, a))
			return fe->use_be[i];
	}
	return fe->default_be;
}

void
lbd_acl_runtime_build(struct lbd_runtime *rt)
{
	unsigned maxid = 0;

	rt->nbe_by_name = 16;
	while (rt->nbe_by_name < rt->nbe * 2 + 2)
		rt->nbe_by_name *= 2;
	rt->be_by_name = lb_xcalloc(rt->nbe_by_name, sizeof(*rt->be_by_name));
	for (unsigned b = 0; b < rt->nbe; b++) {
		size_t j = name_hash(rt->be[b].name, strlen(rt->be[b].name)) &
			   (rt->nbe_by_name - 1);
		while (rt->be_by_name[j])
			j = (j + 1) & (rt->nbe_by_name - 1);
		rt->be_by_name[j] = &rt->be[b];
	}
	lbd_pattern_live_init(rt);

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
			conds |= u->acl_cond != NULL || u->dyn != NULL;
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
	lb_free(&rt->be_by_name);
	rt->nbe_by_name = 0;
	lbd_pattern_live_free();
}

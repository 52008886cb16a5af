/* common/stktable_acl.c: see stktable_acl.h */
#include "stktable_acl.h"

#include <string.h>

#include "util.h"

static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* The entry stick counter n tracks: the stream's, else the connection's. */
static const struct lb_stk_ref *
sc_ref(const struct lb_acl_ctx *c, long long n)
{
	if (n < 0 || n >= LB_STK_NSC)
		return NULL;
	if (c->sc_strm && c->sc_strm[n].e)
		return &c->sc_strm[n];
	if (c->sc_conn && c->sc_conn[n].e)
		return &c->sc_conn[n];
	return NULL;
}

static bool
sc_fetch(struct lb_acl_run *run, long long n, enum lb_stk_dt dt, struct lb_smp *out,
	 uint64_t *it)
{
	const struct lb_stk_ref *r;
	int64_t v = 0;

	if (*it)
		return false;
	*it = 1;
	if (!(r = sc_ref(run->ctx, n)))
		return false;
	if (!lb_stk_read(r->t, r->e, dt, run->ctx->now_ms, &v))
		v = 0;	/* not stored: 0, as HAProxy */
	out->type = LB_SMP_INT;
	out->i = v;
	return true;
}

static bool
sc_tracked(struct lb_acl_run *run, long long n, struct lb_smp *out, uint64_t *it)
{
	if (*it)
		return false;
	*it = 1;
	out->type = LB_SMP_BOOL;
	out->i = sc_ref(run->ctx, n) != NULL;
	return true;
}

/* A sample as a key of t; returns the length or -1. */
static int
smp_key(struct lb_acl_run *run, const struct lb_stktable *t, struct lb_smp *smp,
	unsigned char *key)
{
	int64_t i;

	switch (t->def.type) {
	case LB_STK_KEY_IP:
		if (!lb_smp_cast(run, smp, LB_SMP_IP) || memcmp(smp->ip, v4_mapped, 12))
			return -1;
		memcpy(key, smp->ip + 12, 4);
		return 4;
	case LB_STK_KEY_IPV6:
		if (!lb_smp_cast(run, smp, LB_SMP_IP))
			return -1;
		memcpy(key, smp->ip, 16);
		return 16;
	case LB_STK_KEY_INTEGER:
		if (!lb_smp_cast(run, smp, LB_SMP_INT))
			return -1;
		i = smp->i;
		memcpy(key, &i, 8);
		return 8;
	case LB_STK_KEY_STRING:
		if (!lb_smp_cast(run, smp, LB_SMP_STR) || !smp->len)
			return -1;
		memcpy(key, smp->s, LB_MIN(smp->len, t->key_size));
		return (int)LB_MIN(smp->len, t->key_size);
	}
	return -1;
}

static bool
key_read(struct lb_acl_run *run, struct lb_stktable *t, struct lb_smp *smp, enum lb_stk_dt dt)
{
	unsigned char key[LB_STK_KEY_MAX];
	int klen;
	int64_t v = 0;

	if (!t || (klen = smp_key(run, t, smp, key)) < 0)
		return false;
	if (!lb_stk_lookup_read(t, key, (size_t)klen, dt, run->ctx->now_ms, &v))
		v = 0;
	smp->type = LB_SMP_INT;
	smp->i = v;
	return true;
}

static bool
src_fetch(struct lb_acl_run *run, struct lb_stktable *t, enum lb_stk_dt dt, struct lb_smp *out,
	  uint64_t *it)
{
	const struct sockaddr *src = run->ctx->src;

	if (*it)
		return false;
	*it = 1;
	if (!src || (src->sa_family != AF_INET && src->sa_family != AF_INET6))
		return false;
	memset(out, 0, sizeof(*out));
	out->type = LB_SMP_IP;
	lb_acl_ip_from_sa(src, out->ip);
	return key_read(run, t, out, dt);
}

#define LB_STK_ACL_DEF(f, c, dt, h)                                                       \
	bool lb_f_sc_##f(struct lb_acl_run *run, const struct lb_acl_arg *a,                \
			 struct lb_smp *out, uint64_t *it)                                 \
	{                                                                                 \
		return sc_fetch(run, a[0].i, dt, out, it);                                \
	}                                                                                 \
	bool lb_f_sc0_##f(struct lb_acl_run *run, const struct lb_acl_arg *a,               \
			  struct lb_smp *out, uint64_t *it)                                \
	{                                                                                 \
		(void)a;                                                                  \
		return sc_fetch(run, 0, dt, out, it);                                     \
	}                                                                                 \
	bool lb_f_sc1_##f(struct lb_acl_run *run, const struct lb_acl_arg *a,               \
			  struct lb_smp *out, uint64_t *it)                                \
	{                                                                                 \
		(void)a;                                                                  \
		return sc_fetch(run, 1, dt, out, it);                                     \
	}                                                                                 \
	bool lb_f_sc2_##f(struct lb_acl_run *run, const struct lb_acl_arg *a,               \
			  struct lb_smp *out, uint64_t *it)                                \
	{                                                                                 \
		(void)a;                                                                  \
		return sc_fetch(run, 2, dt, out, it);                                     \
	}                                                                                 \
	bool lb_f_src_##f(struct lb_acl_run *run, const struct lb_acl_arg *a,               \
			  struct lb_smp *out, uint64_t *it)                                \
	{                                                                                 \
		return src_fetch(run, a[0].tbl, dt, out, it);                             \
	}                                                                                 \
	bool lb_c_table_##c(struct lb_acl_run *run, const struct lb_acl_arg *a,             \
			    struct lb_smp *smp)                                            \
	{                                                                                 \
		return key_read(run, a[0].tbl, smp, dt);                                  \
	}
LB_STK_ACL_TYPES(LB_STK_ACL_DEF)

/* gpc idx + 1 (or back to 0 when clr) on the entry ref holds */
static bool
gpc_op(struct lb_acl_run *run, struct lb_stktable *t, struct lb_stk_entry *e, int idx, bool clr,
       struct lb_smp *out)
{
	int64_t v = clr ? lb_stk_clr_gpc(t, e, idx, run->ctx->now_ms)
			: lb_stk_inc_gpc(t, e, idx, run->ctx->now_ms);

	out->type = LB_SMP_INT;
	out->i = v < 0 ? 0 : v;
	return true;
}

static bool
sc_op(struct lb_acl_run *run, long long n, int idx, bool clr, struct lb_smp *out, uint64_t *it)
{
	const struct lb_stk_ref *r;

	if (*it)
		return false;
	*it = 1;
	if (!(r = sc_ref(run->ctx, n)))
		return false;
	return gpc_op(run, r->t, r->e, idx, clr, out);
}

static bool
src_op(struct lb_acl_run *run, struct lb_stktable *t, int idx, bool clr, struct lb_smp *out,
       uint64_t *it)
{
	const struct sockaddr *src = run->ctx->src;
	unsigned char key[LB_STK_KEY_MAX];
	struct lb_stk_entry *e;
	int klen;
	bool ok;

	if (*it)
		return false;
	*it = 1;
	if (!t || !src || (src->sa_family != AF_INET && src->sa_family != AF_INET6))
		return false;
	memset(out, 0, sizeof(*out));
	out->type = LB_SMP_IP;
	lb_acl_ip_from_sa(src, out->ip);
	if ((klen = smp_key(run, t, out, key)) < 0)
		return false;
	if (!(e = lb_stk_acquire(t, key, (size_t)klen, run->ctx->now_ms)))
		return false;
	ok = gpc_op(run, t, e, idx, clr, out);
	lb_stk_release(t, e, run->ctx->now_ms);
	return ok;
}

#define LB_STK_OP_DEF(f, idx, clr)                                                        \
	bool lb_f_sc_##f(struct lb_acl_run *run, const struct lb_acl_arg *a,                \
			 struct lb_smp *out, uint64_t *it)                                 \
	{                                                                                 \
		return sc_op(run, a[0].i, idx, clr, out, it);                             \
	}                                                                                 \
	bool lb_f_sc0_##f(struct lb_acl_run *run, const struct lb_acl_arg *a,               \
			  struct lb_smp *out, uint64_t *it)                                \
	{                                                                                 \
		(void)a;                                                                  \
		return sc_op(run, 0, idx, clr, out, it);                                  \
	}                                                                                 \
	bool lb_f_sc1_##f(struct lb_acl_run *run, const struct lb_acl_arg *a,               \
			  struct lb_smp *out, uint64_t *it)                                \
	{                                                                                 \
		(void)a;                                                                  \
		return sc_op(run, 1, idx, clr, out, it);                                  \
	}                                                                                 \
	bool lb_f_sc2_##f(struct lb_acl_run *run, const struct lb_acl_arg *a,               \
			  struct lb_smp *out, uint64_t *it)                                \
	{                                                                                 \
		(void)a;                                                                  \
		return sc_op(run, 2, idx, clr, out, it);                                  \
	}                                                                                 \
	bool lb_f_src_##f(struct lb_acl_run *run, const struct lb_acl_arg *a,               \
			  struct lb_smp *out, uint64_t *it)                                \
	{                                                                                 \
		return src_op(run, a[0].tbl, idx, clr, out, it);                          \
	}
LB_STK_ACL_OPS(LB_STK_OP_DEF)

bool
lb_f_sc_tracked(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out,
		uint64_t *it)
{
	return sc_tracked(run, a[0].i, out, it);
}

bool
lb_f_sc0_tracked(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out,
		 uint64_t *it)
{
	(void)a;
	return sc_tracked(run, 0, out, it);
}

bool
lb_f_sc1_tracked(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out,
		 uint64_t *it)
{
	(void)a;
	return sc_tracked(run, 1, out, it);
}

bool
lb_f_sc2_tracked(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out,
		 uint64_t *it)
{
	(void)a;
	return sc_tracked(run, 2, out, it);
}

/* common/vars_acl.c: see vars_acl.h */
#include "acl_priv.h"

#include <string.h>

#include "util.h"
#include "vars_acl.h"

/* Room taken from the evaluation's scratch for a proc variable's copy. */
#define PROC_COPY_MAX 1024

bool
lb_acl_fetch_var(struct lb_acl_run *run, const struct lb_acl_arg *args, struct lb_smp *out,
		 uint64_t *it)
{
	const struct lb_acl_ctx *c = run->ctx;
	uint32_t key = (uint32_t)args[0].i;
	struct lb_var_val v;
	size_t cap = 0;
	char *buf = NULL;

	if (*it)
		return false;
	*it = 1;
	if (LB_VAR_KEY_SCOPE(key) == LB_VAR_PROC) {
		cap = LB_MIN((size_t)PROC_COPY_MAX, LB_ACL_SCRATCH - run->used);
		buf = lb_acl_run_alloc(run, cap);
		if (!buf)
			return false;
	}
	if ((LB_VAR_KEY_SCOPE(key) != LB_VAR_PROC && (!c->vars || !*c->vars)) ||
	    !lb_vars_peek(c->vars ? *c->vars : NULL, key, &v, buf, cap)) {
		/* not set: the default of var(<name>,<default>), a string (maybe empty) */
		if (args[1].kind != LB_ARG_STR)
			return false;
		out->type = LB_SMP_STR;
		out->s = args[1].s;
		out->len = args[1].len;
		return true;
	}
	out->type = (enum lb_smp_type)v.type;
	out->i = v.i;
	out->s = v.s;
	out->len = v.len;
	memcpy(out->ip, v.ip, sizeof(out->ip));
	return true;
}

bool
lb_acl_fetch_str(struct lb_acl_run *run, const struct lb_acl_arg *args, struct lb_smp *out,
		 uint64_t *it)
{
	(void)run;
	if (*it)
		return false;
	*it = 1;
	out->type = LB_SMP_STR;
	out->s = args[0].s;
	out->len = args[0].len;
	return true;
}

bool
lb_acl_fetch_int(struct lb_acl_run *run, const struct lb_acl_arg *args, struct lb_smp *out,
		 uint64_t *it)
{
	(void)run;
	if (*it)
		return false;
	*it = 1;
	out->type = LB_SMP_INT;
	out->i = args[0].i;
	return true;
}

bool
lb_acl_sample_set_var(const struct lb_acl_expr *e, const struct lb_acl_ctx *ctx,
		      struct lb_vars **store, uint32_t key, unsigned conds)
{
	struct lb_acl_run run;
	struct lb_smp smp;
	struct lb_var_val v;

	if (!lb_acl_sample_eval(e, ctx, &run, &smp))
		return false;
	if (smp.type == LB_SMP_NONE)
		return false;
	memset(&v, 0, sizeof(v));
	v.type = (enum lb_var_type)smp.type;
	v.i = smp.i;
	v.s = smp.s;
	v.len = smp.len;
	memcpy(v.ip, smp.ip, sizeof(v.ip));
	return lb_vars_set_if(store, key, &v, conds);
}

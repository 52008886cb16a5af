/* common/vars_acl.h: variables in conditions and rules: the var() fetch, the str() and
 * int() constant fetches, and a sample expression stored into a variable (set-var)
 *
 * Part of the ACL engine (it reads struct lb_acl_ctx.vars); the rows below go into the
 * fetch table of common/acl_fetch.c.
 */
#ifndef LB_VARS_ACL_H
#define LB_VARS_ACL_H

#include "acl.h"
#include "vars.h"

struct lb_acl_run;
struct lb_acl_arg;
struct lb_smp;
bool lb_acl_fetch_var(struct lb_acl_run *run, const struct lb_acl_arg *args,
		      struct lb_smp *out, uint64_t *it);
bool lb_acl_fetch_str(struct lb_acl_run *run, const struct lb_acl_arg *args,
		      struct lb_smp *out, uint64_t *it);
bool lb_acl_fetch_int(struct lb_acl_run *run, const struct lb_acl_arg *args,
		      struct lb_smp *out, uint64_t *it);

#define LB_VAR_FETCH_ROWS                                                                   \
	{ "int", lb_acl_fetch_int, { { LB_ARG_INT }, 1 }, LB_SMP_INT, LB_ACL_USE_L4,       \
	  "the integer given (<n>)" },                                                       \
	{ "str", lb_acl_fetch_str, { { LB_ARG_STR }, 1 }, LB_SMP_STR, LB_ACL_USE_L4,       \
	  "the string given (<text>)" },                                                     \
	{ "var", lb_acl_fetch_var, { { LB_ARG_VAR, LB_ARG_STR }, 1 }, LB_SMP_STR,          \
	  LB_ACL_USE_L4,                                                                     \
	  "the value of a variable (<scope>.<name>), with its type ([,<default>]: the "     \
	  "string given when it is not set)" },

/* Evaluates e on ctx and stores its first sample (converted as HAProxy's set-var does:
 * booleans, integers, strings and addresses keep their type) into the variable `key` of
 * *store when the set-var conditions `conds` (LB_VAR_IF_*, common/vars.h) hold. False when
 * the expression gives no sample or a condition fails (the variable is left as it was), or
 * memory ran out. */
bool lb_acl_sample_set_var(const struct lb_acl_expr *e, const struct lb_acl_ctx *ctx,
			   struct lb_vars **store, uint32_t key, unsigned conds);

#endif

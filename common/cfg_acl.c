/* common/cfg_acl.c: the "acl" keyword and rule conditions, between the config parser and
 * the ACL engine (common/acl.h)
 *
 * The engine reports problems by word index and byte offset; here they become
 * file:line:col diagnostics. Each proxy owns the ACLs declared in it (and the anonymous ones
 * of its conditions); conditions point at them, so they are freed with the proxy.
 */
#include "cfg_priv.h"

#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "diag.h"

static void
report(void *arg, int word, int off, const char *msg)
{
	struct cfg_parser *p = arg;
	struct lb_cfg_pos pos = cfg_pos(p, word);

	pos.col += off;
	lb_diag_add(p->d, LB_DIAG_ERROR, &pos, "%s", msg);
	p->nerrors++;
}

/* The engine sees the words from index a on; report() gets indexes relative to a. */
struct rel_report {
	struct cfg_parser *p;
	int a;
};

static void
report_rel(void *arg, int word, int off, const char *msg)
{
	struct rel_report *r = arg;

	report(r->p, r->a + word, off, msg);
}

static struct lb_acl_set *
proxy_acls(struct lb_cfg_proxy *px)
{
	if (!px->acls) {
		px->acls = lb_xcalloc(1, sizeof(*px->acls));
		px->acls->px = px;
	}
	return px->acls;
}

static struct lb_acl_words
words_from(struct cfg_parser *p, int a)
{
	struct lb_acl_words w = {
		.v = p->w->v + a,
		.col = p->w->col + a,
		.n = p->w->n - a,
		.pos = { .file = p->file, .line = p->line },
	};
	return w;
}

int
cfg_kw_acl(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct rel_report rr = { p, a };
	struct lb_acl_report rep = { report_rel, &rr };
	struct lb_acl_words w = words_from(p, a);

	(void)kw;
	return lb_acl_declare(proxy_acls(obj), &w, &rep);
}

int
cfg_cond_compile(struct cfg_parser *p, int i, bool res)
{
	struct rel_report rr = { p, i };
	struct lb_acl_report rep = { report_rel, &rr };
	struct lb_acl_words w = words_from(p, i);
	unsigned uses = LB_ACL_USE_L4 | (res ? LB_ACL_USE_RES
						 : LB_ACL_USE_REQ | LB_ACL_USE_PAYLOAD);

	if (!p->px) {
		cfg_err(p, i, "conditions are only allowed in proxy sections");
		return -1;
	}
	lb_acl_cond_free(p->cond);
	p->cond = lb_acl_cond_parse(proxy_acls(p->px), &w, uses, &rep);
	return p->cond ? 0 : -1;
}

int
cfg_acl_finalize(struct lb_cfg *cfg, struct lb_cfg_proxy *px, struct lb_diag *d)
{
	int n = px->acls ? lb_acl_resolve(px->acls, cfg, d) : 0;

	/* in TCP mode a use_backend condition sees the connection only */
	if (px->mode != LB_MODE_HTTP) {
		for (struct lb_cfg_use_backend *u = px->use_backends; u; u = u->next) {
			if (lb_acl_cond_needs(u->acl_cond) & (LB_ACL_USE_REQ | LB_ACL_USE_RES)) {
				lb_diag_add(d, LB_DIAG_ERROR, &u->pos,
					    "use_backend condition reads HTTP data, but '%s' is in "
					    "mode tcp (use connection fetches: src, dst, dst_port...)",
					    px->name);
				n++;
			}
			for (int i = 0; i < u->ndyn; i++) {
				if (u->dyn[i].smp && (lb_acl_sample_needs(u->dyn[i].smp) &
						      LB_ACL_USE_REQ)) {
					lb_diag_add(d, LB_DIAG_ERROR, &u->pos,
						    "use_backend name reads HTTP data, but '%s' is in "
						    "mode tcp (use connection fetches: src, dst...)",
						    px->name);
					n++;
					break;
				}
			}
		}
	}
	return n;
}

int
cfg_sample_compile(struct cfg_parser *p, int i, unsigned uses, const struct lb_acl_expr **out)
{
	struct rel_report rr = { p, i };
	struct lb_acl_report rep = { report_rel, &rr };
	struct lb_acl_words w = words_from(p, i);

	*out = lb_acl_sample_parse(proxy_acls(p->px), &w, uses, &rep);
	return *out ? 0 : -1;
}

/* "%[" opens a sample expression, closed by the "]" that balances the brackets inside it;
 * the rest is literal text (HAProxy's log-format syntax, the part of it a name needs). */
int
cfg_use_backend_dyn(struct cfg_parser *p, int a, struct lb_cfg_use_backend *u)
{
	const char *s = p->w->v[a], *q = s;

	if (!p->px) {
		cfg_err(p, a, "dynamic backend names are only allowed in proxy sections");
		return -1;
	}
	while (*q) {
		const char *open = strstr(q, "%["), *e;
		struct lb_cfg_name_part *part;
		int depth = 0;

		u->dyn = lb_xrealloc(u->dyn, (size_t)(u->ndyn + 1) * sizeof(*u->dyn));
		part = &u->dyn[u->ndyn];
		memset(part, 0, sizeof(*part));
		if (open != q) {
			size_t n = open ? (size_t)(open - q) : strlen(q);
			part->lit = lb_xstrndup(q, n);
			u->ndyn++;
			q += n;
			continue;
		}
		for (e = q + 2; *e && (*e != ']' || depth); e++)
			depth += *e == '[' ? 1 : *e == ']' ? -1 : 0;
		if (!*e || e == q + 2) {
			struct lb_cfg_pos pos = cfg_pos(p, a);
			pos.col += (int)(q - s);
			lb_diag_add(p->d, LB_DIAG_ERROR, &pos, "%s", *e ? "empty '%[]' in the backend name"
				    : "missing ']' after '%[' in the backend name");
			p->nerrors++;
			goto fail;
		}
		{
			char *text = lb_xstrndup(q + 2, (size_t)(e - q - 2));
			char *v[1] = { text };
			int col[1] = { p->w->col[a] + (int)(q + 2 - s) };
			struct lb_acl_words w = { v, col, 1, { .file = p->file, .line = p->line } };
			struct rel_report rr = { p, a };
			struct lb_acl_report rep = { report_rel, &rr };

			part->smp = lb_acl_sample_parse(proxy_acls(p->px), &w,
							LB_ACL_USE_L4 | LB_ACL_USE_REQ |
								LB_ACL_USE_PAYLOAD, &rep);
			free(text);
			if (!part->smp)
				goto fail;
		}
		u->ndyn++;
		q = e + 1;
	}
	return 0;
fail:
	for (int i = 0; i < u->ndyn; i++)
		free(u->dyn[i].lit);
	lb_free(&u->dyn);
	u->ndyn = 0;
	return -1;
}

void
cfg_acl_free(struct lb_cfg_proxy *px)
{
	if (!px->acls)
		return;
	lb_acl_set_free(px->acls);
	free(px->acls);
	px->acls = NULL;
}

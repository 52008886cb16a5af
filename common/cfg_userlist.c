/* common/cfg_userlist.c: "userlist" sections and credential checks (see userlist.h), and
 * the http_auth() / http_auth_group() fetches
 *
 * userlist <name>
 *     group <name> [users <user>,<user>...]
 *     user <name> password <crypt-hash> | insecure-password <text> [groups <g>,<g>...]
 * Names given on either side (user ... groups, group ... users) are resolved when the
 * configuration is finalized: an unknown one is an error, as in HAProxy.
 */
#include "cfg_priv.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include "acl_priv.h"
#include "diag.h"
#include "userlist.h"
#include "util.h"

/* ---- parsing ---- */

static bool
name_ok(struct cfg_parser *p, int a, const char *what)
{
	char bad;

	if (cfg_name_check(p->w->v[a], &bad) < 0) {
		cfg_err(p, a, "invalid %s name '%s'", what, p->w->v[a]);
		return false;
	}
	return true;
}

void
cfg_userlist_start(struct cfg_parser *p)
{
	struct lb_cfg_userlist *ul, **tail;

	if (p->w->n != 2) {
		cfg_err(p, p->w->n < 2 ? 0 : 2, "'userlist' expects exactly one name");
		p->sec_skip = true;
		return;
	}
	if (!name_ok(p, 1, "userlist")) {
		p->sec_skip = true;
		return;
	}
	for (ul = p->cfg->userlists; ul; ul = ul->next) {
		if (!strcmp(ul->name, p->w->v[1])) {
			cfg_err(p, 1, "userlist '%s' already declared at %s:%d", ul->name,
				ul->pos.file, ul->pos.line);
			p->sec_skip = true;
			return;
		}
	}
	ul = lb_xcalloc(1, sizeof(*ul));
	ul->pos = cfg_pos(p, 0);
	ul->name = lb_xstrdup(p->w->v[1]);
	for (tail = &p->cfg->userlists; *tail; tail = &(*tail)->next)
		;
	*tail = ul;
	p->ul = ul;
}

/* "a,b,c" -> names (empty items refused). */
static int
split_names(struct cfg_parser *p, int a, char ***out, int *n)
{
	char *copy = lb_xstrdup(p->w->v[a]), *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		*out = lb_xrealloc(*out, (size_t)(*n + 1) * sizeof(**out));
		(*out)[(*n)++] = lb_xstrdup(t);
	}
	free(copy);
	if (!*n) {
		cfg_err(p, a, "expects a comma-separated list of names");
		return -1;
	}
	return 0;
}

static void
free_names(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int
kw_group(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_group *g, **tail;

	(void)kw, (void)obj;
	if (!name_ok(p, a, "group"))
		return -1;
	for (g = p->ul->groups; g; g = g->next) {
		if (!strcmp(g->name, p->w->v[a])) {
			cfg_err(p, a, "group '%s' already declared in userlist '%s'", g->name,
				p->ul->name);
			return -1;
		}
	}
	g = lb_xcalloc(1, sizeof(*g));
	g->pos = cfg_pos(p, a);
	g->name = lb_xstrdup(p->w->v[a]);
	if (a + 1 < p->w->n) {
		if (strcmp(p->w->v[a + 1], "users") || a + 3 != p->w->n) {
			cfg_err(p, a + 1, "'group' expects <name> [users <user>,<user>...]");
			goto fail;
		}
		if (split_names(p, a + 2, &g->users, &g->nusers) < 0)
			goto fail;
	}
	for (tail = &p->ul->groups; *tail; tail = &(*tail)->next)
		;
	*tail = g;
	return 0;
fail:
	free_names(g->users, g->nusers);
	free(g->name);
	free(g);
	return -1;
}

static int
kw_user(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_user *u, **tail;
	const char *usage = "'user' expects <name> password <hash> | insecure-password <text> "
			    "[groups <group>,<group>...]";

	(void)kw, (void)obj;
	if (!name_ok(p, a, "user"))
		return -1;
	for (u = p->ul->users; u; u = u->next) {
		if (!strcmp(u->name, p->w->v[a])) {
			cfg_err(p, a, "user '%s' already declared in userlist '%s'", u->name,
				p->ul->name);
			return -1;
		}
	}
	u = lb_xcalloc(1, sizeof(*u));
	u->pos = cfg_pos(p, a);
	u->name = lb_xstrdup(p->w->v[a]);
	for (int i = a + 1; i < p->w->n; i += 2) {
		const char *k = p->w->v[i];
		if (i + 1 >= p->w->n) {
			cfg_err(p, i, "%s", usage);
			goto fail;
		}
		if (!strcmp(k, "password") || !strcmp(k, "insecure-password")) {
			if (u->password) {
				cfg_err(p, i, "user '%s' has a password already", u->name);
				goto fail;
			}
			u->insecure = k[0] == 'i';
			u->password = lb_xstrdup(p->w->v[i + 1]);
			if (!u->insecure && p->w->v[i + 1][0] != '$') {
				/* crypt(3) would take it as a DES hash; HAProxy warns too */
				cfg_warn(p, i + 1, "password of user '%s' is not a '$id$...' crypt "
					 "hash: checked as a traditional DES hash", u->name);
			}
		} else if (!strcmp(k, "groups")) {
			if (split_names(p, i + 1, &u->groups, &u->ngroups) < 0)
				goto fail;
		} else {
			cfg_err(p, i, "unknown user option '%s'; %s", k, usage);
			goto fail;
		}
	}
	if (!u->password) {
		cfg_err(p, a, "user '%s' has no password; %s", u->name, usage);
		goto fail;
	}
	for (tail = &p->ul->users; *tail; tail = &(*tail)->next)
		;
	*tail = u;
	return 0;
fail:
	free_names(u->groups, u->ngroups);
	free(u->password);
	free(u->name);
	free(u);
	return -1;
}

const struct lb_cfg_kw cfg_userlist_kws[] = {
	CFG_KW("group", CFG_SEC_USERLIST, 1, 3, kw_group, 0, "<name> [users <user>,<user>...]",
	       "a group of the userlist"),
	CFG_KW("user", CFG_SEC_USERLIST, 3, 5, kw_user, 0,
	       "<name> password <hash>|insecure-password <text> [groups <group>,...]",
	       "a user: crypt(3) hash or plain text password, its groups"),
	CFG_KW_END,
};

/* ---- finalize, free ---- */

static const struct lb_cfg_group *
find_group(const struct lb_cfg_userlist *ul, const char *name, size_t len)
{
	for (const struct lb_cfg_group *g = ul->groups; g; g = g->next)
		if (strlen(g->name) == len && !memcmp(g->name, name, len))
			return g;
	return NULL;
}

static const struct lb_cfg_user *
find_user(const struct lb_cfg_userlist *ul, const char *name, size_t len)
{
	for (const struct lb_cfg_user *u = ul->users; u; u = u->next)
		if (strlen(u->name) == len && !memcmp(u->name, name, len))
			return u;
	return NULL;
}

int
cfg_userlist_finalize(struct lb_cfg *cfg, struct lb_diag *d)
{
	int n = 0;

	for (const struct lb_cfg_userlist *ul = cfg->userlists; ul; ul = ul->next) {
		for (const struct lb_cfg_user *u = ul->users; u; u = u->next)
			for (int i = 0; i < u->ngroups; i++)
				if (!find_group(ul, u->groups[i], strlen(u->groups[i]))) {
					lb_diag_add(d, LB_DIAG_ERROR, &u->pos,
						    "user '%s': no group '%s' in userlist '%s'",
						    u->name, u->groups[i], ul->name);
					n++;
				}
		for (const struct lb_cfg_group *g = ul->groups; g; g = g->next)
			for (int i = 0; i < g->nusers; i++)
				if (!find_user(ul, g->users[i], strlen(g->users[i]))) {
					lb_diag_add(d, LB_DIAG_ERROR, &g->pos,
						    "group '%s': no user '%s' in userlist '%s'",
						    g->name, g->users[i], ul->name);
					n++;
				}
	}
	return n;
}

void
cfg_userlist_free(struct lb_cfg *cfg)
{
	for (struct lb_cfg_userlist *ul = cfg->userlists, *nl; ul; ul = nl) {
		nl = ul->next;
		for (struct lb_cfg_user *u = ul->users, *nu; u; u = nu) {
			nu = u->next;
			free_names(u->groups, u->ngroups);
			free(u->password);
			free(u->name);
			free(u);
		}
		for (struct lb_cfg_group *g = ul->groups, *ng; g; g = ng) {
			ng = g->next;
			free_names(g->users, g->nusers);
			free(g->name);
			free(g);
		}
		free(ul->name);
		free(ul);
	}
	cfg->userlists = NULL;
}

/* ---- checks ---- */

const struct lb_cfg_userlist *
lb_userlist_find(const struct lb_cfg *cfg, const char *name)
{
	for (const struct lb_cfg_userlist *ul = cfg->userlists; ul; ul = ul->next)
		if (!strcmp(ul->name, name))
			return ul;
	return NULL;
}

/* Compares without stopping at the first difference. */
static bool
same_secret(const char *a, size_t al, const char *b, size_t bl)
{
	unsigned char diff = al != bl;

	for (size_t i = 0; i < al && i < bl; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

const struct lb_cfg_user *
lb_userlist_check(const struct lb_cfg_userlist *ul, const char *user, size_t ulen,
		  const char *pass, size_t plen)
{
	const struct lb_cfg_user *u = find_user(ul, user, ulen);
	char pw[256];

	if (!u || plen >= sizeof(pw) || memchr(pass, '\0', plen))
		return NULL;
	if (u->insecure)
		return same_secret(pass, plen, u->password, strlen(u->password)) ? u : NULL;
	memcpy(pw, pass, plen);
	pw[plen] = '\0';
	{
		/* crypt_r's state is large (tens of KB) but the worker threads' stacks are
		 * megabytes; it keeps the check reentrant without a lock */
		struct crypt_data cd;
		const char *h;

		memset(&cd, 0, sizeof(cd));
		h = crypt_r(pw, u->password, &cd);
		memset(pw, 0, sizeof(pw));
		if (!h || h[0] == '*')
			return NULL;	/* libxcrypt's failure tokens start with '*' */
		return same_secret(h, strlen(h), u->password, strlen(u->password)) ? u : NULL;
	}
}

bool
lb_userlist_in_group(const struct lb_cfg_userlist *ul, const struct lb_cfg_user *u,
		     const char *group, size_t glen)
{
	const struct lb_cfg_group *g = find_group(ul, group, glen);

	if (!g)
		return false;
	for (int i = 0; i < u->ngroups; i++)
		if (!strcmp(u->groups[i], g->name))
			return true;
	for (int i = 0; i < g->nusers; i++)
		if (!strcmp(g->users[i], u->name))
			return true;
	return false;
}

/* ---- fetches ---- */

/* The user of the request's "Authorization: Basic" credentials, if they are valid. */
static const struct lb_cfg_user *
auth_user(struct lb_acl_run *run, const struct lb_cfg_userlist *ul)
{
	const struct lb_acl_hdrs *h = &run->ctx->req_hdrs;
	char dec[512];

	if (!ul || !h->get)
		return NULL;
	for (unsigned i = 0; i < h->n; i++) {
		struct lb_acl_str name, v;
		h->get(h->arg, i, &name, &v);
		if (!lb_str_ieq(name.p, name.len, "authorization", 13))
			continue;
		while (v.len && (*v.p == ' ' || *v.p == '\t'))
			v.p++, v.len--;
		while (v.len && (v.p[v.len - 1] == ' ' || v.p[v.len - 1] == '\t'))
			v.len--;
		if (v.len < 6 || !lb_str_ieq(v.p, 6, "basic ", 6))
			return NULL;
		v.p += 6, v.len -= 6;
		while (v.len && *v.p == ' ')
			v.p++, v.len--;
		/* base64 through the converter, into the run's scratch space */
		struct lb_smp smp = { .type = LB_SMP_STR, .s = v.p, .len = v.len };
		const struct lb_acl_conv_def *b64 = NULL;
		for (const struct lb_acl_conv_def *c = lb_acl_convs; c->name; c++)
			if (!strcmp(c->name, "b64dec"))
				b64 = c;
		if (!b64 || !b64->fn(run, NULL, &smp) || smp.len >= sizeof(dec))
			return NULL;
		memcpy(dec, smp.s, smp.len);
		const char *colon = memchr(dec, ':', smp.len);
		if (!colon)
			return NULL;
		return lb_userlist_check(ul, dec, (size_t)(colon - dec), colon + 1,
					 smp.len - (size_t)(colon - dec) - 1);
	}
	return NULL;
}

bool
lb_acl_fetch_http_auth(struct lb_acl_run *run, const struct lb_acl_arg *args, struct lb_smp *out,
		       uint64_t *it)
{
	if ((*it)++)
		return false;
	out->type = LB_SMP_BOOL;
	out->i = auth_user(run, args[0].ul) != NULL;
	return true;
}

/* Yields the groups of the authenticated user one by one, so that
 * "http_auth_group(L) g1 g2" matches when the user is in g1 or g2 (HAProxy's meaning of
 * the ACL). The cursor keeps the user (index + 1, high half) so that the password is
 * checked once per evaluation, and the next group to look at (low half). */
bool
lb_acl_fetch_http_auth_group(struct lb_acl_run *run, const struct lb_acl_arg *args,
			     struct lb_smp *out, uint64_t *it)
{
	const struct lb_cfg_userlist *ul = args[0].ul;
	const struct lb_cfg_user *u = NULL;
	uint64_t ui = *it >> 32, gi = *it & 0xffffffffu, k = 0;

	if (!ul)
		return false;
	if (!ui) {
		u = auth_user(run, ul);
		for (const struct lb_cfg_user *x = ul->users; x && u; x = x->next) {
			ui++;
			if (x == u)
				break;
		}
	} else {
		uint64_t n = 0;
		for (u = ul->users; u && ++n < ui; u = u->next)
			;
	}
	if (!u)
		return false;
	for (const struct lb_cfg_group *g = ul->groups; g; g = g->next, k++) {
		if (k < gi || !lb_userlist_in_group(ul, u, g->name, strlen(g->name)))
			continue;
		*it = (ui << 32) | (k + 1);
		out->type = LB_SMP_STR;
		out->s = g->name;
		out->len = strlen(g->name);
		return true;
	}
	return false;
}

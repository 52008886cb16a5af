/* common/cfg_stats.c: the "stats" keywords of proxy sections (the stats page)
 *
 * "stats enable|uri|refresh|auth|admin|realm|hide-version" fill the section's struct
 * lb_cfg_stats, made by its first "stats" line: as in HAProxy, any of them enables the page.
 * A section without a "stats" line inherits its defaults' block whole; one with some lines
 * takes the fields it leaves unset from it (cfg_stats_merge, called by finalize). "stats
 * admin" needs a condition, as in HAProxy ("stats admin if LOCALHOST"); it is compiled by
 * the dispatcher and evaluated on each request to the page.
 */
#include "cfg_priv.h"

#include "acl.h"

#include <stdlib.h>
#include <string.h>

#define ST(field) offsetof(struct lb_cfg_stats, field)

static struct lb_cfg_stats *
stats_of(struct cfg_parser *p, void *obj)
{
	struct lb_cfg_proxy *px = obj;

	if (!px->stats) {
		px->stats = lb_xcalloc(1, sizeof(*px->stats));
		px->stats->pos = cfg_pos(p, p->kw0);
		px->stats->refresh_ms = LB_TIME_UNSET;
		px->stats->admin = -1;
		px->stats->hide_version = -1;
	}
	return px->stats;
}

static int
kw_enable(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	(void)kw;
	(void)a;
	stats_of(p, obj);
	return 0;
}

static int
kw_str(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	char **field = (char **)(void *)((char *)stats_of(p, obj) + kw->offset);

	if (kw->offset == ST(uri) && p->w->v[a][0] != '/') {
		cfg_err(p, a, "'stats uri' must start with '/', got '%s'", p->w->v[a]);
		return -1;
	}
	free(*field);
	*field = lb_xstrdup(p->w->v[a]);
	return 0;
}

static int
kw_refresh(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	return cfg_kw_time(p, kw, stats_of(p, obj), a);
}

static int
kw_flag(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	(void)a;
	*(int *)(void *)((char *)stats_of(p, obj) + kw->offset) = 1;
	return 0;
}

static int
kw_auth(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	const char *arg = p->w->v[a], *colon = strchr(arg, ':');
	struct lb_cfg_stats_auth *au, **tail;

	(void)kw;
	if (!colon || colon == arg) {
		cfg_err(p, a, "'stats auth' expects <user>:<password>, got '%s'", arg);
		return -1;
	}
	au = lb_xcalloc(1, sizeof(*au));
	au->user = lb_xstrndup(arg, (size_t)(colon - arg));
	au->pass = lb_xstrdup(colon + 1);
	for (tail = &stats_of(p, obj)->auths; *tail; tail = &(*tail)->next)
		;
	*tail = au;
	return 0;
}

/* "stats admin if|unless <condition>" (compiled by the dispatcher into p->cond) */
static int
kw_admin(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_stats *s;

	(void)kw;
	(void)a;
	if (!p->cond) {
		cfg_err(p, p->kw0, "'stats admin' requires a condition, e.g. 'stats admin if "
			"LOCALHOST' or 'stats admin if TRUE'");
		return -1;
	}
	s = stats_of(p, obj);
	lb_acl_cond_free(s->admin_cond);
	s->admin_cond = p->cond;
	p->cond = NULL;
	s->admin = 1;
	return 0;
}

const struct lb_cfg_kw cfg_stats_kws[] = {
	CFG_KW("enable", CFG_SEC_PROXY, 0, 0, kw_enable, 0, "",
	       "serve the stats page (at /haproxy?stats unless 'stats uri' says otherwise)"),
	CFG_KW("uri", CFG_SEC_PROXY, 1, 1, kw_str, ST(uri), "<prefix>",
	       "URI prefix of the stats page (default /haproxy?stats); enables it"),
	CFG_KW("refresh", CFG_SEC_PROXY, 1, 1, kw_refresh, ST(refresh_ms), "<delay>",
	       "the page reloads itself every <delay>; enables it", .lo = 1000),
	CFG_KW("auth", CFG_SEC_PROXY, 1, 1, kw_auth, 0, "<user>:<password>",
	       "HTTP Basic authentication for the page (several allowed); enables it"),
	CFG_KW("admin", CFG_SEC_PROXY, 0, 0, kw_admin, ST(admin), "if|unless <condition>",
	       "allow drain/ready/maint from the page when the condition holds; enables it",
	       .flags = CFG_KW_COND),
	CFG_KW("realm", CFG_SEC_PROXY, 1, 1, kw_str, ST(realm), "<realm>",
	       "authentication realm (default \"HAProxy Statistics\"); enables it"),
	CFG_KW("hide-version", CFG_SEC_PROXY, 0, 0, kw_flag, ST(hide_version), "",
	       "do not show lb's version on the page; enables it"),
	CFG_KW_END,
};

const char *const cfg_stats_unsupported[] = {
	"http-request", "scope", "show-desc", "show-legends", "show-modules", "show-node",
	"bind-process", NULL,
};

static struct lb_cfg_stats_auth *
auths_dup(const struct lb_cfg_stats_auth *a)
{
	struct lb_cfg_stats_auth *head = NULL, **tail = &head;

	for (; a; a = a->next) {
		*tail = lb_xcalloc(1, sizeof(**tail));
		(*tail)->user = lb_xstrdup(a->user);
		(*tail)->pass = lb_xstrdup(a->pass);
		tail = &(*tail)->next;
	}
	return head;
}

void
cfg_stats_merge(struct lb_cfg_proxy *px, const struct lb_cfg_proxy *def)
{
	const struct lb_cfg_stats *d = def->stats;
	struct lb_cfg_stats *s;

	if (!d)
		return;
	if (!px->stats) {
		px->stats = lb_xcalloc(1, sizeof(*px->stats));
		px->stats->pos = d->pos;
		px->stats->refresh_ms = LB_TIME_UNSET;
		px->stats->admin = -1;
		px->stats->hide_version = -1;
	}
	s = px->stats;
	if (!s->uri && d->uri)
		s->uri = lb_xstrdup(d->uri);
	if (!s->realm && d->realm)
		s->realm = lb_xstrdup(d->realm);
	if (s->refresh_ms == LB_TIME_UNSET)
		s->refresh_ms = d->refresh_ms;
	if (s->admin < 0) {
		s->admin = d->admin;
		s->admin_cond_inh = d->admin_cond ? d->admin_cond : d->admin_cond_inh;
	}
	if (s->hide_version < 0)
		s->hide_version = d->hide_version;
	if (!s->auths)
		s->auths = auths_dup(d->auths);
}

void
cfg_stats_free(struct lb_cfg_stats *s)
{
	if (!s)
		return;
	for (struct lb_cfg_stats_auth *a = s->auths, *next; a; a = next) {
		next = a->next;
		free(a->user);
		free(a->pass);
		free(a);
	}
	lb_acl_cond_free(s->admin_cond);
	free(s->uri);
	free(s->realm);
	free(s);
}

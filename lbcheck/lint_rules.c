/* lbcheck/lint_rules.c: the lint rules, one table row and (most) one function each
 *
 * Every function reads the finalized model (defaults merged, names resolved) and reports
 * through lint_report() at the position of the object concerned. They must stay cheap on
 * big files (bench/lint.sh: 1,000 backends, 10,000 servers): no pass is quadratic in the
 * number of proxies, servers or binds; what needs a cross-reference sorts or indexes once.
 * A rule is unconditional when it has no "if"/"unless" (acl_cond NULL); the parser's own
 * final-rule warning (common/cfg_http.c) follows the same definition.
 */
#include "lint.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <netinet/in.h>

#include "algo.h"
#include "cfg.h"
#include "util.h"

static bool
is_proxy(const struct lb_cfg_proxy *px)
{
	return !(px->caps & LB_CAP_DEFAULTS);
}

static bool
is_frontend(const struct lb_cfg_proxy *px)
{
	return is_proxy(px) && (px->caps & LB_CAP_FE);
}

static bool
is_backend(const struct lb_cfg_proxy *px)
{
	return is_proxy(px) && (px->caps & LB_CAP_BE);
}

/* ---- unreachable-rule: use_backend after an unconditional one ---- */

static bool
rule_unconditional(const struct lb_cfg_use_backend *u)
{
	return u->acl_cond == NULL;
}

static void
rule_unreachable(struct lint_ctx *ctx)
{
	for (const struct lb_cfg_proxy *px = ctx->cfg->proxies; px; px = px->next) {
		const struct lb_cfg_use_backend *first = NULL;

		if (!is_frontend(px))
			continue;
		for (const struct lb_cfg_use_backend *u = px->use_backends; u; u = u->next) {
			if (first) {
				lint_report(ctx, &u->pos, "use_backend '%s' can never be used: the "
					    "use_backend '%s' at line %d has no condition and always "
					    "matches first", u->name, first->name, first->pos.line);
			} else if (rule_unconditional(u)) {
				first = u;
			}
		}
	}
}

/* ---- no-check, check-without-server-check ---- */

static bool
has_check_option(const struct lb_cfg_proxy *px)
{
	return px->check.type != LB_CFG_CHK_UNSET && px->check.type != LB_CFG_CHK_TCP;
}

static void
rule_no_check(struct lint_ctx *ctx)
{
	for (const struct lb_cfg_proxy *px = ctx->cfg->proxies; px; px = px->next) {
		int nchecked = 0;

		/* with a check option, check-without-server-check says it better */
		if (!is_backend(px) || px->nservers < 2 || has_check_option(px))
			continue;
		for (const struct lb_cfg_server *s = px->servers; s; s = s->next)
			nchecked += s->check > 0;
		if (nchecked == 0) {
			lint_report(ctx, &px->pos, "%s '%s' has %d servers and none has 'check': a "
				    "server that dies keeps receiving its share of the traffic",
				    lb_cfg_proxy_type(px), px->name, px->nservers);
			continue;
		}
		for (const struct lb_cfg_server *s = px->servers; s; s = s->next)
			if (s->check <= 0)
				lint_report(ctx, &s->pos, "server '%s' has no 'check' while other "
					    "servers of %s '%s' have one: it keeps receiving traffic "
					    "when it dies", s->name, lb_cfg_proxy_type(px), px->name);
	}
}

static void
rule_check_without_server_check(struct lint_ctx *ctx)
{
	for (const struct lb_cfg_proxy *px = ctx->cfg->proxies; px; px = px->next) {
		bool any = false;

		if (!is_backend(px) || !px->servers || !has_check_option(px))
			continue;
		for (const struct lb_cfg_server *s = px->servers; s && !any; s = s->next)
			any = s->check > 0;
		if (any)
			continue;
		lint_report(ctx, px->check.pos.file ? &px->check.pos : &px->pos,
			    "%s '%s' configures a health-check type but none of its servers has "
			    "'check', so no check ever runs", lb_cfg_proxy_type(px), px->name);
	}
}

/* ---- unused-backend ---- */

static void
rule_unused_backend(struct lint_ctx *ctx)
{
	int maxid = 0;
	bool *used;

	for (const struct lb_cfg_proxy *px = ctx->cfg->proxies; px; px = px->next)
		maxid = LB_MAX(maxid, px->id);
	used = lb_xcalloc((size_t)maxid + 1, sizeof(*used));
	for (const struct lb_cfg_proxy *px = ctx->cfg->proxies; px; px = px->next) {
		if (!is_frontend(px))
			continue;
		if (px->default_be)
			used[px->default_be->id] = true;
		for (const struct lb_cfg_use_backend *u = px->use_backends; u; u = u->next) {
			if (u->backend)
				used[u->backend->id] = true;
			if (u->dyn) {	/* a name made per request (a map) may name any */
				free(used);
				return;
			}
		}
	}
	for (const struct lb_cfg_proxy *px = ctx->cfg->proxies; px; px = px->next)
		if (px->caps == LB_CAP_BE && !used[px->id])
			lint_report(ctx, &px->pos, "backend '%s' is not used by any frontend (no "
				    "default_backend or use_backend names it)", px->name);
	free(used);
}

/* ---- duplicate-name ---- */

static void
rule_duplicate_name(struct lint_ctx *ctx)
{
	/* Named defaults sections are few; compare each with the earlier ones. */
	for (const struct lb_cfg_proxy *px = ctx->cfg->proxies; px; px = px->next) {
		if (is_proxy(px) || !px->name)
			continue;
		for (const struct lb_cfg_proxy *q = ctx->cfg->proxies; q != px; q = q->next) {
			if (is_proxy(q) || !q->name || strcmp(q->name, px->name))
				continue;
			lint_report(ctx, &px->pos, "defaults section '%s' has the same name as the "
				    "one declared at %s:%d: 'from %s' means the last one declared "
				    "before it", px->name, q->pos.file, q->pos.line, px->name);
			break;
		}
	}
}

/* ---- duplicate-bind ---- */

struct bind_ref {
	const struct lb_cfg_bind *b;
	const struct lb_cfg_proxy *px;
	size_t seq;			/* declaration order, so the later one is reported */
};

static int
addr_cmp(const struct lb_cfg_addr *x, const struct lb_cfg_addr *y)
{
	int fx = x->ss.ss_family, fy = y->ss.ss_family;

	if (fx != fy)
		return fx < fy ? -1 : 1;
	if (fx == AF_INET) {
		const struct sockaddr_in *a = (const void *)&x->ss, *b = (const void *)&y->ss;
		if (a->sin_port != b->sin_port)
			return a->sin_port < b->sin_port ? -1 : 1;
		return memcmp(&a->sin_addr, &b->sin_addr, sizeof(a->sin_addr));
	}
	if (fx == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)&x->ss, *b = (const void *)&y->ss;
		if (a->sin6_port != b->sin6_port)
			return a->sin6_port < b->sin6_port ? -1 : 1;
		return memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr));
	}
	if (fx == AF_UNIX) {
		/* by length and bytes: a path need not end with a NUL within sun_path */
		if (x->len != y->len)
			return x->len < y->len ? -1 : 1;
		return memcmp(&x->ss, &y->ss, x->len);
	}
	return 0;
}

static int
bind_ref_cmp(const void *va, const void *vb)
{
	const struct bind_ref *a = va, *b = vb;
	int c = addr_cmp(&a->b->addr, &b->b->addr);

	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void
rule_duplicate_bind(struct lint_ctx *ctx)
{
	struct bind_ref *v = NULL;
	size_t n = 0, cap = 0;

	for (const struct lb_cfg_proxy *px = ctx->cfg->proxies; px; px = px->next) {
		if (!is_frontend(px))
			continue;
		for (const struct lb_cfg_bind *b = px->binds; b; b = b->next) {
			if (!b->addr.len)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				v = lb_xrealloc(v, cap * sizeof(*v));
			}
			v[n] = (struct bind_ref){ b, px, n };
			n++;
		}
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), bind_ref_cmp);
	for (size_t i = 1; i < n; i++) {
		const struct bind_ref *first = &v[i - 1];

		if (addr_cmp(&first->b->addr, &v[i].b->addr))
			continue;
		while (first > v && !addr_cmp(&first[-1].b->addr, &v[i].b->addr))
			first--;	/* name the first declaration, not the previous duplicate */
		lint_report(ctx, &v[i].b->pos, "bind '%s' of %s '%s' uses the same address as "
			    "bind '%s' of %s '%s' at %s:%d: %s", v[i].b->spec,
			    lb_cfg_proxy_type(v[i].px), v[i].px->name, first->b->spec,
			    lb_cfg_proxy_type(first->px), first->px->name, first->b->pos.file,
			    first->b->pos.line,
			    v[i].b->addr.ss.ss_family == AF_UNIX
				    ? "only one of them can own the socket file"
				    : "both listen with SO_REUSEPORT and the kernel splits the "
				      "connections between them");
	}
	free(v);
}

/* ---- maxconn-fd-limit, maxconn-over-global ---- */

/* lbd's rule (lbd/runtime.c): it raises the soft fd limit to the hard one (capped at a
 * million) and needs two fds per connection (client and server) plus 256 spare; each bind
 * line opens one listening socket per thread (SO_REUSEPORT). */
#define FD_SPARE 256
#define FD_CAP 1000000

struct fd_budget {
	long long limit;		/* usable fds */
	long long listeners;
};

static int
threads_of(const struct lb_cfg *cfg)
{
	cpu_set_t set;
	long n;

	if (cfg->global.nbthread > 0)
		return cfg->global.nbthread;
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

static bool
fd_budget(const struct lb_cfg *cfg, struct fd_budget *fb)
{
	struct rlimit rl;
	long long binds = 0;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return false;
	fb->limit = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > FD_CAP ? FD_CAP
									   : (long long)rl.rlim_max;
	for (const struct lb_cfg_proxy *px = cfg->proxies; px; px = px->next)
		if (is_frontend(px))
			for (const struct lb_cfg_bind *b = px->binds; b; b = b->next)
				binds++;
	fb->listeners = binds * threads_of(cfg);
	return true;
}

static void
check_fds(struct lint_ctx *ctx, const struct fd_budget *fb, const struct lb_cfg_pos *pos,
	  const char *what, int maxconn)
{
	long long need = 2LL * maxconn + fb->listeners + FD_SPARE;
	long long fit = (fb->limit - fb->listeners - FD_SPARE) / 2;

	if (need <= fb->limit)
		return;
	lint_report(ctx, pos, "%s %d needs about %lld file descriptors (2 per connection, %lld "
		    "listening sockets, %d spare) but the limit is %lld (the hard RLIMIT_NOFILE "
		    "lbcheck runs with; see ulimit -n, or LimitNOFILE= for systemd): "
		    "connections beyond about %lld will wait", what, maxconn, need,
		    fb->listeners, FD_SPARE, fb->limit, fit > 0 ? fit : 0);
}

static void
rule_maxconn_fd_limit(struct lint_ctx *ctx)
{
	const struct lb_cfg_global *g = &ctx->cfg->global;
	struct fd_budget fb;

	if (!fd_budget(ctx->cfg, &fb))
		return;
	if (g->maxconn > 0)
		check_fds(ctx, &fb, &g->pos, "global maxconn", g->maxconn);
	for (const struct lb_cfg_proxy *px = ctx->cfg->proxies; px; px = px->next) {
		char what[300];

		/* above the global maxconn, maxconn-over-global says it */
		if (!is_frontend(px) || px->maxconn <= 0 ||
		    (g->maxconn > 0 && px->maxconn >= g->maxconn))
			continue;
		snprintf(what, sizeof(what), "%s '%s': maxconn", lb_cfg_proxy_type(px),
			 px->name);
		check_fds(ctx, &fb, &px->pos, what, px->maxconn);
	}
}

static void
rule_maxconn_over_global(struct lint_ctx *ctx)
{
	int gmax = ctx->cfg->global.maxconn;

	if (gmax <= 0)
		return;
	for (const struct lb_cfg_proxy *px = ctx->cfg->proxies; px; px = px->next)
		if (is_frontend(px) && px->maxconn > gmax)
			lint_report(ctx, &px->pos, "%s '%s' has maxconn %d, above the global "
				    "maxconn %d: the global limit is reached first",
				    lb_cfg_proxy_type(px), px->name, px->maxconn, gmax);
}

/* ---- backup-only ---- */

static void
rule_backup_only(struct lint_ctx *ctx)
{
	for (const struct lb_cfg_proxy *px = ctx->cfg->proxies; px; px = px->next) {
		const struct lb_algo_ops *ops;
		bool all_backup = true;
		char hash[200];

		/* one server alone takes all the traffic whatever its flag */
		if (!is_backend(px) || px->nservers < 2 || px->allbackups > 0)
			continue;
		for (const struct lb_cfg_server *s = px->servers; s && all_backup; s = s->next)
			all_backup = s->backup > 0;
		if (!all_backup)
			continue;
		ops = px->balance.algo ? lb_algo_find(px->balance.algo) : NULL;
		hash[0] = '\0';
		if (ops && ops->input != LB_ALGO_IN_NONE)
			snprintf(hash, sizeof(hash), ", so 'balance %s' spreads nothing",
				 px->balance.algo);
		lint_report(ctx, &px->pos, "every server of %s '%s' is a backup: with no active "
			    "server all the traffic goes to the first backup ('%s')%s; add active "
			    "servers or 'option allbackups'", lb_cfg_proxy_type(px), px->name,
			    px->servers->name, hash);
	}
}

/* ---- no-http-request-timeout, retries-without-redispatch ---- */

static void
rule_no_http_request_timeout(struct lint_ctx *ctx)
{
	for (const struct lb_cfg_proxy *px = ctx->cfg->proxies; px; px = px->next)
		if (is_frontend(px) && px->mode == LB_MODE_HTTP &&
		    px->timeouts[LB_TO_HTTP_REQUEST] <= 0)
			lint_report(ctx, &px->pos, "%s '%s' (mode http) has no 'timeout "
				    "http-request': a client sending its headers a byte at a time "
				    "holds a connection for as long as 'timeout client' allows each "
				    "byte", lb_cfg_proxy_type(px), px->name);
}

static void
rule_retries_without_redispatch(struct lint_ctx *ctx)
{
	for (const struct lb_cfg_proxy *px = ctx->cfg->proxies; px; px = px->next)
		if (is_backend(px) && px->nservers >= 2 && px->retries > 0 && px->redispatch <= 0)
			lint_report(ctx, &px->pos, "%s '%s' retries a failed connection %d "
				    "time%s on the same server; 'option redispatch' lets the last "
				    "retry go to another one", lb_cfg_proxy_type(px), px->name,
				    px->retries, px->retries == 1 ? "" : "s");
}

/* ---- the table ---- */

/* Checklist: a row added here needs its entry in man/lbcheck.1 (LINT RULES) and a config
 * in tests/conf/lint/ (tests/integration/120-lint-corpus.sh checks both). */
const struct lbcheck_lint_rule lbcheck_lint_rules[] = {
	{ "no-timeouts", LB_DIAG_WARNING,
	  "a frontend without timeout client, or a backend without timeout connect and "
	  "timeout server, keeps dead connections open forever",
	  NULL, true },
	{ "unreachable-rule", LB_DIAG_WARNING,
	  "a rule after an unconditional final one (http-request deny, return or redirect; "
	  "use_backend) can never run",
	  rule_unreachable, true },
	{ "no-check", LB_DIAG_WARNING,
	  "a backend with several servers and no health check keeps sending traffic to a "
	  "dead server",
	  rule_no_check, false },
	{ "check-without-server-check", LB_DIAG_WARNING,
	  "a backend sets a check type (option httpchk, tcp-check, ...) but no server has "
	  "check, so no check runs",
	  rule_check_without_server_check, false },
	{ "unused-backend", LB_DIAG_WARNING,
	  "a backend that no default_backend or use_backend names receives no traffic",
	  rule_unused_backend, false },
	{ "duplicate-name", LB_DIAG_WARNING,
	  "two defaults sections share a name: from picks the last one declared before it",
	  rule_duplicate_name, false },
	{ "duplicate-bind", LB_DIAG_WARNING,
	  "two bind lines on the same address and port (in one frontend or several) split "
	  "the connections between them",
	  rule_duplicate_bind, false },
	{ "maxconn-fd-limit", LB_DIAG_WARNING,
	  "maxconn needs more file descriptors (2 per connection, plus listeners) than "
	  "RLIMIT_NOFILE allows",
	  rule_maxconn_fd_limit, false },
	{ "maxconn-over-global", LB_DIAG_WARNING,
	  "a frontend maxconn above the global maxconn can never be reached",
	  rule_maxconn_over_global, false },
	{ "backup-only", LB_DIAG_WARNING,
	  "the servers of a backend are all backups: all the traffic goes to the first one "
	  "(balance source or another hash spreads nothing)",
	  rule_backup_only, false },
	{ "no-http-request-timeout", LB_DIAG_NOTE,
	  "an HTTP frontend without timeout http-request lets slow clients (slowloris) hold "
	  "connections",
	  rule_no_http_request_timeout, false },
	{ "retries-without-redispatch", LB_DIAG_NOTE,
	  "a backend with several servers retries a failed connection on the same server "
	  "unless option redispatch is set",
	  rule_retries_without_redispatch, false },
};

const size_t lbcheck_lint_nrules = LB_ARRAY_SIZE(lbcheck_lint_rules);

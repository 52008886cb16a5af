/* lbd/server_state.c: HAProxy's server state file (version 1)
 *
 * "lbctl show servers state" prints each server's state in HAProxy's format, so that
 * `lbctl show servers state > /var/lib/lbd/state` before a restart, with
 *     global
 *         server-state-file /var/lib/lbd/state
 *     defaults
 *         load-server-state-from-file global
 * brings the servers back as they were: admin state (maint, drain), weight, health (a DOWN
 * server starts DOWN), the last check status. A reload needs no file: the old worker hands
 * the same state over (lbd/mworker.c); the file is read when a worker starts without one
 * (the first start, a single-process daemon, a worker restarted after a crash).
 *
 * The columns and their numbers are HAProxy's; lb has no numeric proxy or server ids of its
 * own choosing ("id" is not supported), so be_id and srv_id are the configuration's order and
 * the *_forced_id columns are 0. Lines are matched by backend and server name.
 */
#include "server_state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cfg_types.h"
#include "health.h"
#include "log.h"
#include "runtime.h"
#include "util.h"

#define STATE_VERSION "1"
#define STATE_FIELDS                                                                         \
	"be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight "     \
	"srv_iweight srv_time_since_last_change srv_check_status srv_check_result "           \
	"srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id "     \
	"srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr "              \
	"srv_agent_addr srv_agent_port"
#define STATE_MIN_WORDS 19	/* up to srv_port: what a load needs */
#define STATE_MAX_WORDS 32

/* HAProxy's srv_admin_state flags */
#define ADMF_FMAINT 0x01
#define ADMF_CMAINT 0x04
#define ADMF_FDRAIN 0x08

/* column indexes */
enum {
	F_BE_NAME = 1, F_SRV_NAME = 3, F_ADDR, F_OP_STATE, F_ADMIN, F_UWEIGHT, F_IWEIGHT,
	F_LASTCHG, F_CHECK_STATUS, F_CHECK_RESULT, F_CHECK_HEALTH, F_CHECK_STATE, F_AGENT_STATE,
	F_PORT = 18,
};

/* The server's IP ("-" for a unix socket) and port (0 when none): HAProxy's two columns. */
static int
server_ip(const struct lbd_server *srv, char *ip, size_t len)
{
	const struct sockaddr *sa = (const struct sockaddr *)&srv->addr;

	snprintf(ip, len, "-");
	if (!srv->addrlen)
		return 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &a->sin_addr, ip, (socklen_t)len);
		return ntohs(a->sin_port);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &a->sin6_addr, ip, (socklen_t)len);
		return ntohs(a->sin6_port);
	}
	return 0;
}

static int
cfg_weight(const struct lbd_server *srv)
{
	return srv->cfg->weight >= 0 ? srv->cfg->weight : 1;
}

static int
admin_flags(const struct lbd_server *srv)
{
	int admin = __atomic_load_n(&srv->admin, __ATOMIC_RELAXED);

	if (admin == LBD_SRV_MAINT)
		return srv->cfg->disabled > 0 ? ADMF_CMAINT : ADMF_FMAINT;
	return admin == LBD_SRV_DRAIN ? ADMF_FDRAIN : 0;
}

static void
dump_server(FILE *out, const struct lbd_runtime *rt, const struct lbd_server *srv)
{
	const struct lb_cfg_server *cs = srv->cfg;
	struct lbd_health_state st;
	char ip[INET6_ADDRSTRLEN];
	int port = server_ip(srv, ip, sizeof(ip));

	lbd_health_state_get(rt, srv, &st);
	fprintf(out, "%d %s %d %s %s %d %d %d %d %lld %d %d %d %d %d 0 0 - %d - %d %d %s %s %d\n",
		srv->be->cfg->id, srv->be->name, srv->lb.id, srv->name, ip, st.op_state,
		admin_flags(srv), __atomic_load_n(&srv->uweight, __ATOMIC_RELAXED),
		cfg_weight(srv), st.lastchg_s, st.check_status, st.check_result,
		st.check_health, st.check_state, st.agent_state, port, srv->tls != NULL,
		cs->check_port > 0 ? cs->check_port : 0,
		cs->check_addr ? cs->check_addr : "-", cs->agent_addr ? cs->agent_addr : "-",
		cs->agent_port > 0 ? cs->agent_port : 0);
}

char *
lbd_server_state_dump(const struct lbd_runtime *rt, const struct lbd_backend *only)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	fprintf(out, "%s\n# %s\n", STATE_VERSION, STATE_FIELDS);
	for (unsigned b = 0; b < rt->nbe; b++) {
		const struct lbd_backend *be = &rt->be[b];

		if (only && be != only)
			continue;
		for (unsigned i = 0; i < be->nsrv; i++)
			dump_server(out, rt, be->srv[i]);
	}
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* ---- loading ---- */

/* The file's path: absolute, or under server-state-base when set (HAProxy's rule). */
static char *
state_path(const struct lb_cfg_global *g, const char *name)
{
	const char *base = g->server_state_base;

	if (name[0] == '/' || !base)
		return lb_xstrdup(name);
	return lb_xasprintf("%s%s%s", base, base[strlen(base) - 1] == '/' ? "" : "/", name);
}

static int
load_mode(const struct lbd_backend *be)
{
	return be->cfg->load_server_state > 0 ? be->cfg->load_server_state : LB_SRV_STATE_NONE;
}

/* One server's line (words w[0..n)). Returns 1 when applied. */
static int
apply_line(struct lbd_backend *be, char **w, const char *path, int lineno)
{
	struct lbd_server *srv = NULL;
	struct lbd_health_state st;
	char ip[INET6_ADDRSTRLEN];
	int port, flags, cmaint, iweight;

	for (unsigned i = 0; i < be->nsrv && !srv; i++)
		if (!strcmp(be->srv[i]->name, w[F_SRV_NAME]))
			srv = be->srv[i];
	if (!srv)
		return 0;
	port = server_ip(srv, ip, sizeof(ip));
	if (strcmp(ip, w[F_ADDR]) != 0 || port != atoi(w[F_PORT])) {
		lb_log_sys(LB_LOG_NOTICE, "%s:%d: %s/%s is at %s:%d now (%s:%s in the file): its "
			   "saved state does not apply", path, lineno, be->name, srv->name, ip,
			   port, w[F_ADDR], w[F_PORT]);
		return 0;
	}
	/* admin state: the forced one, unless the config's "disabled" changed since */
	flags = atoi(w[F_ADMIN]);
	cmaint = (flags & ADMF_CMAINT) != 0;
	if (cmaint == (srv->cfg->disabled > 0)) {
		srv->admin = (flags & ADMF_FMAINT) || cmaint ? LBD_SRV_MAINT
			     : (flags & ADMF_FDRAIN)	       ? LBD_SRV_DRAIN
							       : LBD_SRV_READY;
	}
	/* weight: the run-time one, unless the config's weight changed since */
	iweight = atoi(w[F_IWEIGHT]);
	if (iweight == cfg_weight(srv))
		srv->uweight = LB_MIN(LB_MAX(atoi(w[F_UWEIGHT]), 0), 256);
	st = (struct lbd_health_state){
		.op_state = atoi(w[F_OP_STATE]),
		.check_status = atoi(w[F_CHECK_STATUS]),
		.check_result = atoi(w[F_CHECK_RESULT]),
		.check_health = atoi(w[F_CHECK_HEALTH]),
		.check_state = atoi(w[F_CHECK_STATE]),
		.agent_state = atoi(w[F_AGENT_STATE]),
		.lastchg_s = atoll(w[F_LASTCHG]),
		.admin_maint = (flags & (ADMF_FMAINT | ADMF_CMAINT)) != 0,
	};
	lbd_health_state_set(srv, &st);
	lbd_server_update_weight(srv);
	return 1;
}

/* Applies the lines of `path` to the backends that load it in `mode` (only `one` when
 * set). Returns the number of servers applied. */
static int
load_file(struct lbd_runtime *rt, const char *path, int mode, struct lbd_backend *one)
{
	FILE *f = fopen(path, "r");
	char line[4096], *w[STATE_MAX_WORDS], *save;
	int lineno = 0, applied = 0;
	bool versioned = false;

	if (!f) {
		lb_log_sys(LB_LOG_WARNING, "server state file '%s': %s: servers start from the "
			   "configuration", path, strerror(errno));
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		struct lbd_backend *be;
		int n = 0;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		if (!versioned) {
			if (strcmp(line, STATE_VERSION) != 0) {
				lb_log_sys(LB_LOG_WARNING, "%s:%d: not a version 1 server state "
					   "file: ignored", path, lineno);
				break;
			}
			versioned = true;
			continue;
		}
		save = NULL;
		for (char *t = strtok_r(line, " \t", &save); t && n < STATE_MAX_WORDS;
		     t = strtok_r(NULL, " \t", &save))
			w[n++] = t;
		if (n < STATE_MIN_WORDS) {
			lb_log_sys(LB_LOG_WARNING, "%s:%d: %d fields, want at least %d: line "
				   "ignored", path, lineno, n, STATE_MIN_WORDS);
			continue;
		}
		be = lbd_runtime_find_backend(rt, w[F_BE_NAME]);
		if (be && (one ? be == one : load_mode(be) == mode))
			applied += apply_line(be, w, path, lineno);
	}
	fclose(f);
	return applied;
}

int
lbd_server_state_load(struct lbd_runtime *rt)
{
	const struct lb_cfg_global *g = &rt->cfg->global;
	bool want_global = false;
	int applied = 0;

	for (unsigned b = 0; b < rt->nbe; b++) {
		struct lbd_backend *be = &rt->be[b];
		const char *name;
		char *path;

		if (load_mode(be) == LB_SRV_STATE_GLOBAL)
			want_global = true;
		if (load_mode(be) != LB_SRV_STATE_LOCAL)
			continue;
		name = be->cfg->server_state_file_name;
		path = state_path(g, name ? name : be->name);
		applied += load_file(rt, path, LB_SRV_STATE_LOCAL, be);
		free(path);
	}
	if (want_global && !g->server_state_file) {
		lb_log_sys(LB_LOG_WARNING, "load-server-state-from-file global, but no global "
			   "server-state-file: servers start from the configuration");
	} else if (want_global) {
		char *path = state_path(g, g->server_state_file);
		applied += load_file(rt, path, LB_SRV_STATE_GLOBAL, NULL);
		free(path);
	}
	if (applied)
		lb_log_sys(LB_LOG_NOTICE, "state of %d server(s) loaded from the server state "
			   "file(s)", applied);
	return applied;
}

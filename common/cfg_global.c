/* common/cfg_global.c: the "global" section: process, threads, limits, stats socket */
#include "cfg_priv.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#define G(field) offsetof(struct lb_cfg_global, field)

/* "1-4", "1,3,5-6", "all", "odd", "even" into bits (bit n-base = value n); values in
 * [base, base+63]. Returns -1 with a message on bad syntax. */
static int
parse_set(const char *s, int base, uint64_t *out, char **errmsg)
{
	uint64_t set = 0;
	const char *p = s;

	if (!strcmp(s, "all") || !strcmp(s, "odd") || !strcmp(s, "even")) {
		for (int i = 0; i < 64; i++) {
			int v = i + base;
			if (s[0] == 'a' || (s[0] == 'o' && v % 2) || (s[0] == 'e' && !(v % 2)))
				set |= 1ULL << i;
		}
		*out = set;
		return 0;
	}
	while (*p) {
		long lo, hi;
		char *end;

		if (*p < '0' || *p > '9')
			goto bad;
		lo = strtol(p, &end, 10);
		hi = lo;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				goto bad;
			hi = strtol(end + 1, &end, 10);
		}
		if (lo < base || hi > base + 63 || hi < lo) {
			*errmsg = lb_xasprintf("'%s': values must be between %d and %d", s, base,
					       base + 63);
			return -1;
		}
		for (long v = lo; v <= hi; v++)
			set |= 1ULL << (v - base);
		if (*end == ',')
			end++;
		else if (*end)
			goto bad;
		p = end;
	}
	if (!set)
		goto bad;
	*out = set;
	return 0;
bad:
	*errmsg = lb_xasprintf("invalid set '%s' (expected numbers and ranges like '1-4' or "
			       "'0,2,4')", s);
	return -1;
}

/* "cpu-map [auto:]<thread-set> <cpu-set>..." */
static int
kw_cpu_map(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_global *g = obj;
	struct lb_cfg_cpu_map *m, **tail;
	const char *threads = p->w->v[a];
	bool auto_spread = false;
	uint64_t tset, cset = 0;
	char *msg;

	(void)kw;
	if (!strncmp(threads, "auto:", 5)) {
		auto_spread = true;
		threads += 5;
	}
	if (strchr(threads, '/')) {
		cfg_err(p, a, "thread groups ('%s') are not supported: write the thread set alone, "
			"e.g. 'cpu-map 1-4 0-3'", p->w->v[a]);
		return -1;
	}
	if (parse_set(threads, 1, &tset, &msg) < 0) {
		cfg_err(p, a, "cpu-map thread set: %s", msg);
		free(msg);
		return -1;
	}
	for (int i = a + 1; i < p->w->n; i++) {
		uint64_t c;
		if (parse_set(p->w->v[i], 0, &c, &msg) < 0) {
			cfg_err(p, i, "cpu-map cpu set: %s", msg);
			free(msg);
			return -1;
		}
		cset |= c;
	}
	m = lb_xcalloc(1, sizeof(*m));
	m->pos = cfg_pos(p, 0);
	m->threads = tset;
	m->cpus = cset;
	m->auto_spread = auto_spread;
	for (tail = &g->cpu_maps; *tail; tail = &(*tail)->next)
		;
	*tail = m;
	return 0;
}

/* ---- "stats socket <path> [mode m] [user u] [group g] [level l]" ---- */

static int
sock_mode(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_stats_socket *s = obj;
	const char *v = p->w->v[a];
	char *end;
	long m;

	(void)kw;
	m = strtol(v, &end, 8);
	if (!*v || *end || m < 0 || m > 0777) {
		cfg_err(p, a, "invalid mode '%s' (an octal permission like 600 or 660)", v);
		return -1;
	}
	s->mode = (int)m;
	return 0;
}

static const struct cfg_enum ctl_levels[] = {
	{ "user", LB_CTL_LEVEL_USER },
	{ "operator", LB_CTL_LEVEL_OPERATOR },
	{ "admin", LB_CTL_LEVEL_ADMIN },
	{ NULL, 0 },
};

#define SS(field) offsetof(struct lb_cfg_stats_socket, field)

static const struct lb_cfg_kw stats_socket_opts[] = {
	CFG_KW("mode", 0, 1, 1, sock_mode, 0, "<octal>", "permissions of the socket file"),
	CFG_KW("user", 0, 1, 1, cfg_kw_str, SS(user), "<name>", "owner of the socket file"),
	CFG_KW("group", 0, 1, 1, cfg_kw_str, SS(group), "<name>", "group of the socket file"),
	CFG_KW("level", 0, 1, 1, cfg_kw_enum, SS(level), "user|operator|admin",
	  "commands allowed (default operator)", .data = ctl_levels),
	CFG_KW_END,
};

static const char *const stats_socket_unsupported[] = {
	"uid", "gid", "expose-fd", "process", "thread", "accept-proxy", "maxconn", "name",
	"severity-output", NULL,
};

static int
kw_stats_socket(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_global *g = obj;
	struct lb_cfg_stats_socket *s, **tail;
	struct cfg_addr ad;
	char *msg = NULL;
	int rc;

	(void)kw;
	if (cfg_addr_parse(p->w->v[a], CFG_ADDR_UNIX | CFG_ADDR_PORT_OPTIONAL, &ad, &msg) < 0 ||
	    ad.family != AF_UNIX) {
		cfg_err(p, a, "'stats socket' needs a unix socket path%s%s", msg ? ": " : "",
			msg ? msg : "");
		free(msg);
		free(ad.host);
		return -1;
	}
	s = lb_xcalloc(1, sizeof(*s));
	s->pos = cfg_pos(p, 0);
	s->path = lb_xstrdup(((struct sockaddr_un *)&ad.addr.ss)->sun_path);
	s->mode = -1;
	s->level = LB_CTL_LEVEL_OPERATOR;	/* HAProxy's default for the stats socket */
	rc = cfg_parse_options(p, stats_socket_opts, stats_socket_unsupported, "stats socket", s,
			       a + 1);
	for (tail = &g->stats_sockets; *tail; tail = &(*tail)->next)
		;
	*tail = s;
	return rc;
}

static const struct lb_cfg_kw stats_kws[] = {
	CFG_KW("socket", CFG_SEC_GLOBAL, 1, -1, kw_stats_socket, 0,
	  "<path> [mode <octal>] [user <name>] [group <name>] [level user|operator|admin]",
	  "control socket for lbctl and lbtop (a unix socket)"),
	CFG_KW_END,
};

static const char *const stats_unsupported[] = {
	"timeout", "maxconn", "bind-process", NULL,
};

const struct lb_cfg_kw cfg_global_kws[] = {
	CFG_KW("daemon", CFG_SEC_GLOBAL, 0, 0, cfg_kw_bool, G(daemon), NULL,
	  "detach from the terminal and run in the background", .flags = CFG_KW_NEG),
	CFG_KW("pidfile", CFG_SEC_GLOBAL, 1, 1, cfg_kw_str, G(pidfile), "<file>",
	  "write the daemon's pid to this file"),
	CFG_KW("server-state-file", CFG_SEC_GLOBAL, 1, 1, cfg_kw_str, G(server_state_file),
	  "<file>", "server states to load at start (load-server-state-from-file global)"),
	CFG_KW("server-state-base", CFG_SEC_GLOBAL, 1, 1, cfg_kw_str, G(server_state_base),
	  "<dir>", "directory of the server state files given by a relative path"),
	CFG_KW("nbthread", CFG_SEC_GLOBAL, 1, 1, cfg_kw_int, G(nbthread), "<number>",
	  "worker threads, 1 to 64 (default: the CPUs lbd may run on)", .lo = 1, .hi = 64),
	CFG_KW("cpu-map", CFG_SEC_GLOBAL, 2, -1, kw_cpu_map, 0, "[auto:]<thread-set> <cpu-set>...",
	  "bind threads (1-64) to CPUs (0-63)"),
	CFG_KW("maxconn", CFG_SEC_GLOBAL, 1, 1, cfg_kw_int, G(maxconn), "<number>",
	  "process-wide limit of concurrent connections (default: from the fd limit)",
	  .lo = 1, .hi = 0x7fffffff),
	CFG_KW("user", CFG_SEC_GLOBAL, 1, 1, cfg_kw_str, G(user), "<name>",
	  "switch to this user after binding"),
	CFG_KW("group", CFG_SEC_GLOBAL, 1, 1, cfg_kw_str, G(group), "<name>",
	  "switch to this group after binding"),
	CFG_KW("chroot", CFG_SEC_GLOBAL, 1, 1, cfg_kw_str, G(chroot), "<dir>",
	  "chroot to this directory after binding"),
	CFG_KW("log", CFG_SEC_GLOBAL, 1, -1, cfg_kw_log, 0,
	  "<target> [len <n>] [format <fmt>] <facility> [<level> [<minlevel>]]",
	  "where daemon and access logs go"),
	CFG_KW("stats", CFG_SEC_GLOBAL, 1, -1, NULL, 0, "stats keyword", "", .sub = stats_kws,
	  .data = stats_unsupported),
	CFG_KW("hard-stop-after", CFG_SEC_GLOBAL, 1, 1, cfg_kw_time, G(hard_stop_after), "<time>",
	  "longest soft stop before remaining connections are closed (default: none)"),
	CFG_KW("master-worker", CFG_SEC_GLOBAL, 0, 0, cfg_kw_bool, G(master_worker), NULL,
	  "run a master process that holds the sockets and supervises a worker (lbd(8))",
	  .flags = CFG_KW_NEG),
	CFG_KW("mworker-max-reloads", CFG_SEC_GLOBAL, 1, 1, cfg_kw_int, G(mworker_max_reloads),
	  "<number>", "an old worker still running after more reloads than this is killed",
	  .lo = 0, .hi = 0x7fffffff),
	CFG_KW("tune.bufsize", CFG_SEC_GLOBAL, 1, 1, cfg_kw_size, G(tune_bufsize), "<size>",
	  "size of a connection buffer (default 16384)", .lo = 1024, .hi = 1 << 30),
	CFG_KW("tune.http.maxhdr", CFG_SEC_GLOBAL, 1, 1, cfg_kw_int, G(tune_maxhdr), "<number>",
	  "most headers in a request or response (default 101)", .lo = 1, .hi = 32767),
	CFG_KW("tune.h2.header-table-size", CFG_SEC_GLOBAL, 1, 1, cfg_kw_int,
	  G(tune_h2_header_table_size), "<number>",
	  "HPACK dynamic table size announced to HTTP/2 peers (default 4096)", .lo = 0,
	  .hi = 65536),
	CFG_KW("tune.h2.initial-window-size", CFG_SEC_GLOBAL, 1, 1, cfg_kw_int,
	  G(tune_h2_initial_window_size), "<number>",
	  "HTTP/2 stream flow-control window announced to peers (default 65535)", .lo = 0,
	  .hi = 0x7fffffff),
	CFG_KW("tune.h2.max-concurrent-streams", CFG_SEC_GLOBAL, 1, 1, cfg_kw_int,
	  G(tune_h2_max_concurrent_streams), "<number>",
	  "streams an HTTP/2 client may have open on one connection (default 100)", .lo = 1,
	  .hi = 65535),
	CFG_KW("tune.h2.max-frame-size", CFG_SEC_GLOBAL, 1, 1, cfg_kw_int,
	  G(tune_h2_max_frame_size), "<number>",
	  "largest HTTP/2 frame payload lbd accepts (default 16384)", .lo = 16384,
	  .hi = 16777215),
	CFG_KW("ssl-default-bind-ciphers", CFG_SEC_GLOBAL, 1, 1, cfg_kw_str, G(ssl_bind_ciphers),
	  "<list>", "'ciphers' of bind lines that set none"),
	CFG_KW("ssl-default-bind-ciphersuites", CFG_SEC_GLOBAL, 1, 1, cfg_kw_str,
	  G(ssl_bind_ciphersuites), "<list>", "'ciphersuites' of bind lines that set none"),
	CFG_KW("ssl-default-bind-options", CFG_SEC_GLOBAL, 1, -1, cfg_ssl_default_bind_options, 0,
	  "<option>...", "ssl-min-ver <v>, ssl-max-ver <v>, no-tls-tickets... for every bind line"),
	CFG_KW_END,
};

const char *const cfg_global_unsupported[] = {
	"ca-base", "crt-base", "ssl-default-server-ciphers", "ssl-default-server-options",
	"ssl-dh-param-file", "tune.ssl.default-dh-param", "ulimit-n", "nbproc",
	"log-tag", "log-send-hostname", "setenv", "presetenv", "unsetenv", "resetenv",
	"lua-load", "spread-checks", "maxconnrate", "maxsessrate", "maxsslconn", "maxpipes",
	"node", "description", "uid", "gid", "quiet", "zero-warning",
	"expose-experimental-directives", "tune.maxrewrite", "tune.ssl.cachesize",
	"localpeer", "h1-case-adjust", NULL,
};

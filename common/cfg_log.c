/* common/cfg_log.c: "log" targets (global and proxies) and the log-format check
 *
 * "log <target> [len <n>] [format <fmt>] <facility> [<level> [<minlevel>]]" as HAProxy
 * writes it. Targets: stderr, stdout (also fd@2, fd@1), a unix datagram socket ("/dev/log"
 * or "unix@/dev/log"), UDP syslog ("10.0.0.1", "udp@host:514", "[::1]:514"; port 514 by
 * default) and lb's own "file@/path" (a plain file, a spelling HAProxy cannot mean
 * anything else by). Proxies also take "log global" and "no log".
 */
#include "cfg_priv.h"

#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "log.h"
#include "logfmt.h"

static const struct cfg_enum log_formats[] = {
	{ "rfc3164", LB_LOGF_RFC3164 },
	{ "rfc5424", LB_LOGF_RFC5424 },
	{ "raw", LB_LOGF_RAW },
	{ "short", LB_LOGF_SHORT },
	{ NULL, 0 },
};

/* HAProxy formats lb cannot produce yet. */
static const char *const log_formats_unsupported[] = {
	"local", "priority", "timed", "iso", NULL,
};

static int
log_len(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	long long v;

	(void)kw;
	if (cfg_get_int(p, a, "log len", 80, 65535, &v) < 0)
		return -1;
	((struct lb_cfg_log *)obj)->maxlen = (int)v;
	return 0;
}

static int
log_format(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	const char *s = p->w->v[a];

	if (cfg_in_list(s, log_formats_unsupported)) {
		cfg_err(p, a, "log format '%s' is not supported yet (use rfc3164, rfc5424, raw or "
			"short)", s);
		return -1;
	}
	return cfg_kw_enum(p, kw, obj, a);
}

/* The words between the target and the facility. */
static const struct lb_cfg_kw log_opts[] = {
	CFG_KW("len", 0, 1, 1, log_len, 0, "<80..65535>", "longest line sent (default 1024)"),
	CFG_KW("format", 0, 1, 1, log_format, offsetof(struct lb_cfg_log, format),
	       "rfc3164|rfc5424|raw|short", "line format (default rfc3164)", .data = log_formats),
	CFG_KW_END,
};

static int
log_target(struct cfg_parser *p, int a, struct lb_cfg_log *l)
{
	const char *t = p->w->v[a];
	struct cfg_addr ad;
	char *msg = NULL;

	if (!strcmp(t, "stderr") || !strcmp(t, "fd@2")) {
		l->kind = LB_LOG_STDERR;
		return 0;
	}
	if (!strcmp(t, "stdout") || !strcmp(t, "fd@1")) {
		l->kind = LB_LOG_STDOUT;
		return 0;
	}
	if (!strncmp(t, "file@", 5)) {
		if (t[5] != '/') {
			cfg_err(p, a, "'file@' needs an absolute path, e.g. file@/var/log/lbd.log");
			return -1;
		}
		l->kind = LB_LOG_FILE;
		l->path = lb_xstrdup(t + 5);
		return 0;
	}
	if (!strncmp(t, "fd@", 3) || !strncmp(t, "ring@", 5) || !strncmp(t, "tcp", 3)) {
		cfg_err(p, a,
		        "log target '%s' is not supported (use stderr, stdout, file@<path>, a "
		        "unix socket path or udp@<host>[:<port>])",
		        t);
		return -1;
	}
	if (cfg_addr_parse(t, CFG_ADDR_UNIX | CFG_ADDR_DGRAM | CFG_ADDR_PORT_OPTIONAL |
			   CFG_ADDR_HOSTNAME, &ad, &msg) < 0) {
		cfg_err(p, a, "invalid log target: %s", msg);
		free(msg);
		return -1;
	}
	if (ad.family == AF_UNIX) {
		l->kind = LB_LOG_UNIX;
		l->path = lb_xstrdup(((struct sockaddr_un *)&ad.addr.ss)->sun_path);
		return 0;
	}
	l->kind = LB_LOG_UDP;
	if (ad.host) {
		int rc = cfg_addr_resolve(ad.host, ad.family, ad.port_lo ? ad.port_lo : 514,
					  &l->addr, &msg);
		free(ad.host);
		if (rc < 0) {
			cfg_err(p, a, "invalid log target: %s", msg);
			free(msg);
			return -1;
		}
		return 0;
	}
	l->addr = ad.addr;
	cfg_addr_set_port(&l->addr, ad.port_lo ? ad.port_lo : 514);
	return 0;
}

int
cfg_kw_log(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct cfg_words *w = p->w;
	struct lb_cfg_log *l, **list;
	int i, level;

	(void)kw;
	(void)obj;
	list = p->px ? &p->px->logs : &p->cfg->global.logs;
	if (p->neg) {
		/* "no log": forget the targets inherited so far and log nothing */
		cfg_log_free_list(*list);
		*list = NULL;
		p->px->no_log = true;
		return 0;
	}
	l = lb_xcalloc(1, sizeof(*l));
	l->pos = cfg_pos(p, p->kw0);
	l->level = LB_LOG_DEBUG;
	l->minlevel = LB_LOG_EMERG;
	l->format = LB_LOGF_RFC3164;
	l->maxlen = 1024;
	if (!strcmp(w->v[a], "global")) {
		if (!p->px) {
			cfg_err(p, a,
			        "'log global' is only valid in defaults, frontend, backend and "
			        "listen sections");
			goto fail;
		}
		if (a + 1 < w->n) {
			cfg_err(p, a + 1, "'log global' takes no argument, found '%s'",
			        w->v[a + 1]);
			goto fail;
		}
		l->global = true;
		goto add;
	}
	if (log_target(p, a, l) < 0)
		goto fail;
	for (i = a + 1; i < w->n; i += 2) {
		const struct lb_cfg_kw *o;

		for (o = log_opts; o->name && strcmp(o->name, w->v[i]); o++)
			;
		if (!o->name) {
			if (!strcmp(w->v[i], "sample") || !strcmp(w->v[i], "profile")) {
				cfg_err(p, i, "log option '%s' is not supported yet", w->v[i]);
				goto fail;
			}
			break;
		}
		if (i + 1 >= w->n) {
			cfg_err(p, i, "log option '%s' expects %s", o->name, o->usage);
			goto fail;
		}
		if (o->parse(p, o, l, i + 1) < 0)
			goto fail;
	}
	if (i >= w->n) {
		cfg_err(p, p->kw0, "'log' expects a facility after the target (e.g. local0)");
		goto fail;
	}
	l->facility = lb_log_facility_parse(w->v[i]);
	if (l->facility < 0) {
		cfg_err(p, i, "unknown log facility '%s' (kern, user, mail, daemon, auth, syslog, "
			"lpr, news, uucp, cron, auth2, ftp, ntp, audit, alert, cron2, local0 to "
			"local7)", w->v[i]);
		goto fail;
	}
	i++;
	for (int k = 0; k < 2 && i < w->n; k++, i++) {
		level = lb_log_level_parse(w->v[i]);
		if (level < 0) {
			cfg_err(p, i, "unknown log level '%s' (emerg, alert, crit, err, warning, "
				"notice, info, debug)", w->v[i]);
			goto fail;
		}
		if (k == 0)
			l->level = level;
		else
			l->minlevel = level;
	}
	if (i < w->n) {
		cfg_err(p, i, "too many arguments for 'log': unexpected '%s'", w->v[i]);
		goto fail;
	}
	if (l->minlevel > l->level)
		cfg_warn(p, p->kw0, "minimum log level '%s' is less severe than the maximum '%s': "
			 "nothing will be sent", lb_log_level_name(l->minlevel),
			 lb_log_level_name(l->level));
add:
	while (*list)
		list = &(*list)->next;
	*list = l;
	return 0;
fail:
	cfg_log_free_list(l);
	return -1;
}

int
cfg_check_logfmt(struct cfg_parser *p, int wi, const char *src, unsigned flags)
{
	char *msg = NULL;
	struct lb_logfmt *fmt = lb_logfmt_compile(src, flags, &msg);

	if (!fmt) {
		cfg_err(p, wi, "invalid log-format string: %s", msg ? msg : "syntax error");
		free(msg);
		return -1;
	}
	lb_logfmt_free(fmt);
	free(msg);
	return 0;
}

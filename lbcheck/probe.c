/* lbcheck/probe.c: "lbcheck probe": run each health check once and print the results
 *
 * Two sources of probes: the servers of a configuration (-f FILE, optionally narrowed to
 * backends or backend/server names), compiled by the daemon's own check engine exactly as
 * lbd would run them; or ad-hoc targets (--type T ADDR:PORT...) with the options on the
 * command line. All probes run on one libevent loop, at most --parallel at a time, and the
 * results are printed in the order the probes were listed, as an aligned table or as JSON.
 */
#include "probe.h"

#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <event2/event.h>

#include "cfg.h"
#include "healthcheck.h"
#include "diag.h"
#include "opts.h"
#include "util.h"

enum {
	PROBE_OK = 0,
	PROBE_FAILED = 1,
	PROBE_USAGE = 2,
};

struct probe_job {
	char *server;			/* "backend/server", "" ad hoc */
	char address[80];
	struct lb_check_spec *spec;	/* owned */
	struct lb_check_result res;
	bool done;
};

struct probe_run {
	struct event_base *base;
	struct probe_job *jobs;
	size_t njobs, next, running, finished;
	size_t parallel;
	long long timeout_ms;		/* 0: the spec's */
};

/* ---- options ---- */

enum {
	OPT_JSON = 256,
	OPT_TIMEOUT,
	OPT_PARALLEL,
	OPT_TYPE,
	OPT_URI,
	OPT_METHOD,
	OPT_EXPECT_STATUS,
	OPT_EXPECT_STRING,
	OPT_SNI,
	OPT_ALPN,
	OPT_PROTO,
	OPT_USER,
	OPT_SEND,
	OPT_EXPECT,
};

static const struct lbcheck_opt probe_opts[] = {
	{ "file", required_argument, 'f', "FILE", "probe the servers of this configuration" },
	{ "json", no_argument, OPT_JSON, NULL, "print a JSON array instead of a table" },
	{ "timeout", required_argument, OPT_TIMEOUT, "TIME",
	  "timeout of each probe (default: the configuration's, 2s ad hoc)" },
	{ "parallel", required_argument, OPT_PARALLEL, "N", "probes at a time (default 32)" },
	{ "type", required_argument, OPT_TYPE, "TYPE",
	  "ad-hoc probe: tcp, http, tls, ssl-hello, redis, mysql, pgsql, ldap, smtp, agent, "
	  "tcp-check" },
	{ "uri", required_argument, OPT_URI, "URI", "http/tls: request URI (default /)" },
	{ "method", required_argument, OPT_METHOD, "METHOD",
	  "http: request method (default OPTIONS)" },
	{ "expect-status", required_argument, OPT_EXPECT_STATUS, "N",
	  "http: the status required (default: any 2xx or 3xx)" },
	{ "expect-string", required_argument, OPT_EXPECT_STRING, "S",
	  "http: a string the body must contain" },
	{ "sni", required_argument, OPT_SNI, "NAME", "tls, ssl-hello: server name sent" },
	{ "alpn", required_argument, OPT_ALPN, "LIST", "tls: ALPN protocols offered (a,b)" },
	{ "proto", required_argument, OPT_PROTO, "h1|h2",
	  "http/tls: HTTP version spoken (check-proto; default h1, h2 if ALPN picks it)" },
	{ "user", required_argument, OPT_USER, "USER", "mysql, pgsql: user name" },
	{ "send", required_argument, OPT_SEND, "S",
	  "tcp-check, agent: string sent first (\\r \\n \\t \\xHH decoded)" },
	{ "expect", required_argument, OPT_EXPECT, "S", "tcp-check: string the reply contains" },
	{ "help", no_argument, 'h', NULL, "print this help and exit" },
};

static void
usage(FILE *out)
{
	fprintf(out, "usage: lbcheck probe [--json] [--timeout T] [--parallel N] -f FILE "
		     "[backend[/server]...]\n"
		     "       lbcheck probe --type TYPE [options] [--json] ADDR:PORT...\n\n"
		     "options:\n");
	lbcheck_opts_print(out, probe_opts, LB_ARRAY_SIZE(probe_opts), 26);
	fprintf(out, "\nexit status: 0 every probe passed, 1 a probe failed, 2 usage or "
		     "configuration error. See lbcheck(1).\n");
}

/* ---- running ---- */

static void start_next(struct probe_run *run);

struct job_ref {
	struct probe_run *run;
	struct probe_job *job;
};

static void
on_done(const struct lb_check_result *res, void *arg)
{
	struct job_ref *ref = arg;
	struct probe_run *run = ref->run;

	ref->job->res = *res;
	ref->job->done = true;
	free(ref);
	run->running--;
	run->finished++;
	start_next(run);
	if (run->finished == run->njobs)
		event_base_loopexit(run->base, NULL);
}

static void
start_next(struct probe_run *run)
{
	while (run->running < run->parallel && run->next < run->njobs) {
		struct probe_job *job = &run->jobs[run->next++];
		struct job_ref *ref = lb_xmalloc(sizeof(*ref));

		ref->run = run;
		ref->job = job;
		if (!lb_check_start(run->base, job->spec, NULL, 0, run->timeout_ms, on_done, ref)) {
			free(ref);
			job->res.status = LB_CHK_SOCKERR;
			job->res.code = -1;
			snprintf(job->res.reason, sizeof(job->res.reason), "out of memory");
			job->done = true;
			run->finished++;
			continue;
		}
		run->running++;
	}
}

/* ---- output ---- */

static void
json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static const char *const admin_names[] = { "", "ready", "drain", "maint" };
static const char *const health_names[] = { "", "up", "down", "fail", "stopped" };

static void
print_json(const struct probe_run *run, FILE *out)
{
	fputc('[', out);
	for (size_t i = 0; i < run->njobs; i++) {
		const struct probe_job *j = &run->jobs[i];
		const struct lb_check_result *r = &j->res;

		fprintf(out, "%s\n  {\"server\": ", i ? "," : "");
		json_str(out, j->server);
		fprintf(out, ", \"address\": ");
		json_str(out, j->address);
		fprintf(out, ", \"type\": ");
		json_str(out, lb_check_spec_describe(j->spec));
		/* code: 0 when the check has none (a plain connect, a timeout...) */
		fprintf(out, ", \"status\": \"%s\", \"code\": %d", lb_check_status_name(r->status),
			r->code >= 0 ? r->code : 0);
		fprintf(out, ", \"duration_ms\": %u, \"reason\": ", r->duration_ms);
		json_str(out, r->reason);
		fprintf(out, ", \"ok\": %s", lb_check_status_ok(r->status) ? "true" : "false");
		if (r->nolb)
			fprintf(out, ", \"nolb\": true");
		if (r->has_agent) {
			const struct lb_agent_reply *a = &r->agent;
			fprintf(out, ", \"agent\": {");
			if (a->has_weight)
				fprintf(out, "\"weight\": %d, \"weight_pct\": %s, ", a->weight,
					a->weight_pct ? "true" : "false");
			if (a->has_maxconn)
				fprintf(out, "\"maxconn\": %d, ", a->maxconn);
			fprintf(out, "\"admin\": ");
			json_str(out, admin_names[a->admin]);
			fprintf(out, ", \"health\": ");
			json_str(out, health_names[a->health]);
			fprintf(out, ", \"reason\": ");
			json_str(out, a->reason);
			fputc('}', out);
		}
		fputc('}', out);
	}
	fputs(run->njobs ? "\n]\n" : "]\n", out);
}

static void
print_table(const struct probe_run *run, FILE *out)
{
	static const char *const head[] = { "SERVER", "ADDRESS", "TYPE", "STATUS", "CODE",
					     "DURATION", "REASON" };
	size_t w[6];
	char code[16], dur[24];

	for (size_t c = 0; c < 6; c++)
		w[c] = strlen(head[c]);
	for (size_t i = 0; i < run->njobs; i++) {
		const struct probe_job *j = &run->jobs[i];
		snprintf(code, sizeof(code), "%d", j->res.code);
		snprintf(dur, sizeof(dur), "%ums", j->res.duration_ms);
		w[0] = LB_MAX(w[0], strlen(j->server[0] ? j->server : "-"));
		w[1] = LB_MAX(w[1], strlen(j->address));
		w[2] = LB_MAX(w[2], strlen(lb_check_spec_describe(j->spec)));
		w[3] = LB_MAX(w[3], strlen(lb_check_status_name(j->res.status)));
		w[4] = LB_MAX(w[4], j->res.code >= 0 ? strlen(code) : 1);
		w[5] = LB_MAX(w[5], strlen(dur));
	}
	fprintf(out, "%-*s  %-*s  %-*s  %-*s  %*s  %*s  %s\n", (int)w[0], head[0], (int)w[1],
		head[1], (int)w[2], head[2], (int)w[3], head[3], (int)w[4], head[4], (int)w[5],
		head[5], head[6]);
	for (size_t i = 0; i < run->njobs; i++) {
		const struct probe_job *j = &run->jobs[i];
		snprintf(code, sizeof(code), "%d", j->res.code);
		snprintf(dur, sizeof(dur), "%ums", j->res.duration_ms);
		fprintf(out, "%-*s  %-*s  %-*s  %-*s  %*s  %*s  %s\n", (int)w[0],
			j->server[0] ? j->server : "-", (int)w[1], j->address, (int)w[2],
			lb_check_spec_describe(j->spec), (int)w[3],
			lb_check_status_name(j->res.status), (int)w[4],
			j->res.code >= 0 ? code : "-", (int)w[5], dur,
			j->res.reason[0] ? j->res.reason : "-");
	}
}

/* ---- building the job list ---- */

static void
add_job(struct probe_run *run, const char *server, struct lb_check_spec *spec)
{
	struct probe_job *j;
	const struct lb_cfg_addr *a = lb_check_spec_target(spec);

	run->jobs = lb_xrealloc(run->jobs, sizeof(*run->jobs) * (run->njobs + 1));
	j = &run->jobs[run->njobs++];
	memset(j, 0, sizeof(*j));
	j->server = lb_xstrdup(server);
	j->spec = spec;
	lb_addr_format((const struct sockaddr *)&a->ss, j->address, sizeof(j->address));
	j->res.code = -1;
}

/* Is backend `be` / server `srv` named by the selectors? Marks the selectors used. */
static bool
selected(int nsel, char **sel, bool *used, const struct lb_cfg_proxy *be,
	 const struct lb_cfg_server *srv, bool *explicit_srv)
{
	bool hit = nsel == 0;

	*explicit_srv = false;
	for (int i = 0; i < nsel; i++) {
		const char *slash = strchr(sel[i], '/');
		size_t bl = slash ? (size_t)(slash - sel[i]) : strlen(sel[i]);

		if (strlen(be->name) != bl || strncmp(be->name, sel[i], bl))
			continue;
		if (slash && strcmp(slash + 1, srv->name))
			continue;
		used[i] = true;
		hit = true;
		if (slash)
			*explicit_srv = true;
	}
	return hit;
}

static int
jobs_from_config(struct probe_run *run, const char *file, int nsel, char **sel)
{
	struct lb_cfg cfg;
	struct lb_diag d;
	bool *used = lb_xcalloc((size_t)nsel + 1, sizeof(*used));
	int rc = PROBE_OK;

	lb_diag_init(&d);
	if (lb_cfg_load(&cfg, file, &d) < 0 || d.nerrors) {
		lb_diag_print(&d, stderr);
		rc = PROBE_USAGE;
		goto out;
	}
	for (const struct lb_cfg_proxy *px = cfg.proxies; px && rc == PROBE_OK; px = px->next) {
		if (!(px->caps & LB_CAP_BE) || (px->caps & LB_CAP_DEFAULTS))
			continue;
		for (const struct lb_cfg_server *s = px->servers; s; s = s->next) {
			static const enum lb_check_kind kinds[] = { LB_CHECK_HEALTH, LB_CHECK_AGENT };
			bool explicit_srv;

			if (!selected(nsel, sel, used, px, s, &explicit_srv))
				continue;
			for (size_t k = 0; k < LB_ARRAY_SIZE(kinds); k++) {
				bool want = kinds[k] == LB_CHECK_HEALTH
						    ? s->check > 0 || (explicit_srv && !s->agent_check)
						    : s->agent_check > 0;
				struct lb_check_spec *spec;
				char name[256], *err = NULL;

				if (!want || (s->disabled > 0 && !explicit_srv))
					continue;
				snprintf(name, sizeof(name), "%s/%s", px->name, s->name);
				spec = lb_check_spec_new(px, s, kinds[k], &err);
				if (!spec) {
					fprintf(stderr, "%s:%d:%d: error: %s\n", s->pos.file,
						s->pos.line, s->pos.col, err);
					free(err);
					rc = PROBE_USAGE;
					break;
				}
				add_job(run, name, spec);
			}
		}
	}
	for (int i = 0; i < nsel && rc == PROBE_OK; i++) {
		if (!used[i]) {
			fprintf(stderr, "lbcheck probe: '%s' matches no %s in %s\n", sel[i],
				strchr(sel[i], '/') ? "server" : "backend", file);
			rc = PROBE_USAGE;
		}
	}
	if (rc == PROBE_OK && run->njobs == 0) {
		fprintf(stderr, "lbcheck probe: no server in %s has 'check' or 'agent-check' "
			"(name backend/server to probe one anyway)\n", file);
		rc = PROBE_USAGE;
	}
out:
	lb_diag_free(&d);
	lb_cfg_free(&cfg);
	free(used);
	return rc;
}

/* "127.0.0.1:80", "[::1]:80", "host:80", "unix@/path"; no port: the type's default. */
static int
parse_target(const char *spec, int default_port, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[256];
	const char *port = NULL;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	char portbuf[16];

	if (!strncmp(spec, "unix@", 5)) {
		struct sockaddr_un *un = (struct sockaddr_un *)ss;
		if (strlen(spec + 5) >= sizeof(un->sun_path) || !spec[5])
			return -1;
		memset(un, 0, sizeof(*un));
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, spec + 5);
		*len = sizeof(*un);
		return 0;
	}
	if (spec[0] == '[') {
		const char *e = strchr(spec, ']');
		if (!e || (size_t)(e - spec - 1) >= sizeof(host))
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)(e - spec - 1), spec + 1);
		if (e[1] == ':')
			port = e + 2;
		else if (e[1])
			return -1;
	} else {
		const char *c = strrchr(spec, ':');
		if (c && strchr(spec, ':') != c)
			c = NULL;	/* a bare IPv6 address */
		snprintf(host, sizeof(host), "%.*s", c ? (int)(c - spec) : (int)strlen(spec), spec);
		if (c)
			port = c + 1;
	}
	if (!port || !*port) {
		if (default_port <= 0)
			return -1;
		snprintf(portbuf, sizeof(portbuf), "%d", default_port);
		port = portbuf;
	}
	{
		long long p;
		if (lb_parse_int(port, 1, 65535, &p) < 0)
			return -1;
	}
	if (getaddrinfo(host[0] ? host : "127.0.0.1", port, &hints, &ai) != 0)
		return -1;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int
jobs_adhoc(struct probe_run *run, const struct lb_check_adhoc *a, int n, char **targets)
{
	const struct lb_check_type *t =
		lb_check_type_find(strcmp(a->type, "tls") ? a->type : "tcp");

	if (!t) {
		fprintf(stderr, "lbcheck probe: unknown type '%s' (tcp, http, tls, ssl-hello, "
			"redis, mysql, pgsql, ldap, smtp, agent, tcp-check)\n", a->type);
		return PROBE_USAGE;
	}
	if (n == 0) {
		fprintf(stderr, "lbcheck probe: no ADDR:PORT given\n");
		return PROBE_USAGE;
	}
	for (int i = 0; i < n; i++) {
		struct sockaddr_storage ss;
		socklen_t len;
		struct lb_check_spec *spec;
		char *err = NULL;
		int dport = !strcmp(a->type, "tls") ? 443 : t->default_port;

		if (parse_target(targets[i], dport, &ss, &len) < 0) {
			fprintf(stderr, "lbcheck probe: invalid or unresolvable address '%s' "
				"(ADDR:PORT, [IPv6]:PORT or unix@PATH)\n", targets[i]);
			return PROBE_USAGE;
		}
		spec = lb_check_spec_adhoc(a, (struct sockaddr *)&ss, len, &err);
		if (!spec) {
			fprintf(stderr, "lbcheck probe: %s\n", err);
			free(err);
			return PROBE_USAGE;
		}
		add_job(run, "", spec);
	}
	return PROBE_OK;
}

int
lbcheck_probe_main(int argc, char **argv)
{
	struct option longopts[LB_ARRAY_SIZE(probe_opts) + 1];
	char shortopts[2 * LB_ARRAY_SIZE(probe_opts) + 1];
	struct lb_check_adhoc adhoc = { .type = NULL };
	struct probe_run run = { .parallel = 32 };
	const char *file = NULL;
	bool json = false;
	int c, rc;

	lbcheck_opts_getopt(probe_opts, LB_ARRAY_SIZE(probe_opts), longopts, shortopts);
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		long long v;

		switch (c) {
		case 'f':
			file = optarg;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_TIMEOUT:
			if (lb_parse_time_ms(optarg, &v) < 0 || v <= 0) {
				fprintf(stderr, "lbcheck probe: invalid time '%s' for --timeout\n",
					optarg);
				return PROBE_USAGE;
			}
			run.timeout_ms = v;
			adhoc.timeout_ms = v;
			break;
		case OPT_PARALLEL:
			if (lb_parse_int(optarg, 1, 10000, &v) < 0) {
				fprintf(stderr, "lbcheck probe: --parallel expects 1 to 10000\n");
				return PROBE_USAGE;
			}
			run.parallel = (size_t)v;
			break;
		case OPT_TYPE:
			adhoc.type = optarg;
			break;
		case OPT_URI:
			adhoc.uri = optarg;
			break;
		case OPT_METHOD:
			adhoc.method = optarg;
			break;
		case OPT_EXPECT_STATUS:
			if (lb_parse_int(optarg, 100, 999, &v) < 0) {
				fprintf(stderr, "lbcheck probe: --expect-status expects 100 to 999\n");
				return PROBE_USAGE;
			}
			adhoc.expect_status = (int)v;
			break;
		case OPT_EXPECT_STRING:
			adhoc.expect_string = optarg;
			break;
		case OPT_SNI:
			adhoc.sni = optarg;
			break;
		case OPT_ALPN:
			adhoc.alpn = optarg;
			break;
		case OPT_PROTO:
			adhoc.proto = optarg;
			break;
		case OPT_USER:
			adhoc.user = optarg;
			break;
		case OPT_SEND:
			adhoc.send = optarg;
			break;
		case OPT_EXPECT:
			adhoc.expect = optarg;
			break;
		case 'h':
			usage(stdout);
			return PROBE_OK;
		default:
			usage(stderr);
			return PROBE_USAGE;
		}
	}
	if (!!file == !!adhoc.type) {
		fprintf(stderr, "lbcheck probe: give either -f FILE or --type TYPE\n");
		usage(stderr);
		return PROBE_USAGE;
	}
	if (adhoc.type && (!strcmp(adhoc.type, "pgsql")) && !adhoc.user) {
		fprintf(stderr, "lbcheck probe: --type pgsql needs --user\n");
		return PROBE_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	if (file)
		rc = jobs_from_config(&run, file, argc - optind, argv + optind);
	else
		rc = jobs_adhoc(&run, &adhoc, argc - optind, argv + optind);
	if (rc == PROBE_OK) {
		run.base = event_base_new();
		if (!run.base) {
			fprintf(stderr, "lbcheck probe: cannot create an event loop\n");
			rc = PROBE_USAGE;
		} else {
			start_next(&run);
			if (run.finished < run.njobs)
				event_base_dispatch(run.base);
			event_base_free(run.base);
			if (json)
				print_json(&run, stdout);
			else
				print_table(&run, stdout);
			for (size_t i = 0; i < run.njobs; i++)
				if (!lb_check_status_ok(run.jobs[i].res.status))
					rc = PROBE_FAILED;
		}
	}
	for (size_t i = 0; i < run.njobs; i++) {
		free(run.jobs[i].server);
		lb_check_spec_free(run.jobs[i].spec);
	}
	free(run.jobs);
	return rc;
}

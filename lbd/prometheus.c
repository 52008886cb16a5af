/* lbd/prometheus.c: "http-request use-service prometheus-exporter": the counters in the
 * Prometheus text exposition format 0.0.4
 *
 * Metric names and labels are those of HAProxy's exporter (promex), so existing dashboards
 * work: haproxy_process_*, haproxy_frontend_* {proxy}, haproxy_backend_* {proxy},
 * haproxy_server_* {proxy, server}. Our addition is the latency histograms
 * (haproxy_{frontend,backend,server}_<phase>_time_seconds_bucket/_sum/_count, phases
 * queue, connect, response, total; the frontend has total only), whose names stay clear of
 * promex's *_time_average_seconds and max_*_time_seconds gauges. Each metric family is one
 * table row; the counters are summed once per scrape before the families are written.
 */
#include "service.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "health.h"
#include "healthcheck.h"
#include "histogram.h"
#include "stats.h"

/* One object of a family: a frontend, a backend or a server with its summed counters. */
struct prom_obj {
	const struct lbd_runtime *rt;
	const struct lbd_frontend *fe;
	const struct lbd_backend *be;
	const struct lbd_server *srv;
	const struct lbd_px_counters *px;	/* frontend or backend */
	const struct lbd_srv_counters *sc;	/* server */
	const struct lbd_srv_counters *be_srv;	/* backend: the sum of its servers */
};

enum prom_scope { SC_FE, SC_BE, SC_SRV };

/* How a row gets its value: a counter at `off` in the object's counters, or a function. */
struct prom_metric {
	const char *name;
	const char *type;
	const char *help;
	enum prom_scope scope;
	int src;			/* SRC_* */
	size_t off;
	int64_t (*fn)(const struct prom_obj *o);
};

enum { SRC_PX, SRC_SRV, SRC_BESRV, SRC_FN, SRC_HRSP, SRC_STATE, SRC_MEAN, SRC_CHECK };

#define PXC(f) SRC_PX, offsetof(struct lbd_px_counters, f), NULL
#define SRVC(f) SRC_SRV, offsetof(struct lbd_srv_counters, f), NULL
#define BESRV(f) SRC_BESRV, offsetof(struct lbd_srv_counters, f), NULL
#define FN(f) SRC_FN, 0, f
#define MEAN(k) SRC_MEAN, (k), NULL
/* health-check metrics: written only for servers that have a check (as promex does) */
#define CHECK(f) SRC_CHECK, 0, f

static int64_t
fe_status(const struct prom_obj *o)
{
	return o->rt->stopping ? 0 : 1;
}

static int64_t
fe_scur(const struct prom_obj *o)
{
	return __atomic_load_n(&o->fe->cur_conn, __ATOMIC_RELAXED);
}

static int64_t
fe_slim(const struct prom_obj *o)
{
	return o->fe->cfg->maxconn > 0 ? o->fe->cfg->maxconn : o->rt->maxconn;
}

static int64_t
be_qcur(const struct prom_obj *o)
{
	return __atomic_load_n(&o->be->qlen, __ATOMIC_RELAXED);
}

static int64_t
be_scur(const struct prom_obj *o)
{
	return __atomic_load_n(&o->be->cur_conn, __ATOMIC_RELAXED);
}

/* weight, active and backup servers as show stat counts them: usable servers only */
static void
be_usable(const struct lbd_backend *be, int64_t *weight, int64_t *act, int64_t *bck)
{
	*weight = *act = *bck = 0;
	for (unsigned i = 0; i < be->nsrv; i++) {
		int ew = __atomic_load_n(&be->srv[i]->lb.eweight, __ATOMIC_RELAXED);

		if (ew <= 0)
			continue;
		if (be->srv[i]->lb.backup) {
			(*bck)++;
		} else {
			(*act)++;
			*weight += ew;
		}
	}
}

static int64_t
be_weight(const struct prom_obj *o)
{
	int64_t w, a, b;

	be_usable(o->be, &w, &a, &b);
	return w;
}

static int64_t
be_act(const struct prom_obj *o)
{
	int64_t w, a, b;

	be_usable(o->be, &w, &a, &b);
	return a;
}

static int64_t
be_bck(const struct prom_obj *o)
{
	int64_t w, a, b;

	be_usable(o->be, &w, &a, &b);
	return b;
}

static int64_t
srv_scur(const struct prom_obj *o)
{
	return __atomic_load_n(&o->srv->lb.cur_sess, __ATOMIC_RELAXED);
}

static int64_t
srv_slim(const struct prom_obj *o)
{
	return __atomic_load_n(&o->srv->lb.maxconn, __ATOMIC_RELAXED);
}

static int64_t
srv_weight(const struct prom_obj *o)
{
	return __atomic_load_n(&o->srv->lb.eweight, __ATOMIC_RELAXED);
}

/* ---- health checks (lbd/health.h's view of a server) ---- */

static int64_t
chk_code(const struct prom_obj *o)
{
	struct lbd_health_view v;

	lbd_health_view(o->rt, o->srv, &v);
	return v.check_code < 0 ? 0 : v.check_code;
}

/* milliseconds; written as seconds by write_value */
static int64_t
chk_duration_ms(const struct prom_obj *o)
{
	struct lbd_health_view v;

	lbd_health_view(o->rt, o->srv, &v);
	return v.check_duration < 0 ? 0 : v.check_duration;
}

static int64_t
chk_failures(const struct prom_obj *o)
{
	struct lbd_health_view v;

	lbd_health_view(o->rt, o->srv, &v);
	return (int64_t)v.chkfail;
}

static int64_t
chk_up_down(const struct prom_obj *o)
{
	struct lbd_health_view v;

	lbd_health_view(o->rt, o->srv, &v);
	return (int64_t)v.chkdown;
}

static int64_t
chk_last_change(const struct prom_obj *o)
{
	struct lbd_health_view v;

	lbd_health_view(o->rt, o->srv, &v);
	return (int64_t)v.lastchg_s;
}

static int64_t
chk_downtime(const struct prom_obj *o)
{
	struct lbd_health_view v;

	lbd_health_view(o->rt, o->srv, &v);
	return (int64_t)v.downtime_s;
}

static const struct prom_metric metrics[] = {
	{ "haproxy_frontend_status", "gauge", "Current status of the frontend (0=STOP, 1=UP).",
	  SC_FE, FN(fe_status) },
	{ "haproxy_frontend_current_sessions", "gauge", "Current number of active sessions.",
	  SC_FE, FN(fe_scur) },
	{ "haproxy_frontend_limit_sessions", "gauge", "Configured session limit.", SC_FE,
	  FN(fe_slim) },
	{ "haproxy_frontend_sessions_total", "counter", "Total number of sessions.", SC_FE,
	  PXC(sess_tot) },
	{ "haproxy_frontend_connections_total", "counter", "Total number of connections.",
	  SC_FE, PXC(conn_tot) },
	{ "haproxy_frontend_bytes_in_total", "counter", "Current total of incoming bytes.",
	  SC_FE, PXC(bytes_in) },
	{ "haproxy_frontend_bytes_out_total", "counter", "Current total of outgoing bytes.",
	  SC_FE, PXC(bytes_out) },
	{ "haproxy_frontend_requests_denied_total", "counter",
	  "Total number of denied requests.", SC_FE, PXC(denied_req) },
	{ "haproxy_frontend_responses_denied_total", "counter",
	  "Total number of denied responses.", SC_FE, PXC(denied_resp) },
	{ "haproxy_frontend_request_errors_total", "counter",
	  "Total number of request errors.", SC_FE, PXC(failed_req) },
	{ "haproxy_frontend_http_requests_total", "counter",
	  "Total number of HTTP requests received.", SC_FE, PXC(req_tot) },
	{ "haproxy_frontend_http_responses_total", "counter",
	  "Total number of HTTP responses.", SC_FE, SRC_HRSP, 0, NULL },
	{ "haproxy_frontend_intercepted_requests_total", "counter",
	  "Total number of intercepted HTTP requests.", SC_FE, PXC(intercepted) },

	{ "haproxy_backend_status", "gauge", "Current status of the backend.", SC_BE, SRC_STATE,
	  0, NULL },
	{ "haproxy_backend_current_queue", "gauge", "Current number of queued requests.", SC_BE,
	  FN(be_qcur) },
	{ "haproxy_backend_current_sessions", "gauge", "Current number of active sessions.",
	  SC_BE, FN(be_scur) },
	{ "haproxy_backend_sessions_total", "counter", "Total number of sessions.", SC_BE,
	  PXC(sess_tot) },
	{ "haproxy_backend_bytes_in_total", "counter", "Current total of incoming bytes.",
	  SC_BE, PXC(bytes_in) },
	{ "haproxy_backend_bytes_out_total", "counter", "Current total of outgoing bytes.",
	  SC_BE, PXC(bytes_out) },
	{ "haproxy_backend_requests_denied_total", "counter", "Total number of denied requests.",
	  SC_BE, PXC(denied_req) },
	{ "haproxy_backend_responses_denied_total", "counter",
	  "Total number of denied responses.", SC_BE, PXC(denied_resp) },
	{ "haproxy_backend_connection_errors_total", "counter",
	  "Total number of connection errors.", SC_BE, PXC(econ) },
	{ "haproxy_backend_response_errors_total", "counter",
	  "Total number of response errors.", SC_BE, PXC(eresp) },
	{ "haproxy_backend_retry_warnings_total", "counter",
	  "Total number of retry warnings.", SC_BE, PXC(retries) },
	{ "haproxy_backend_redispatch_warnings_total", "counter",
	  "Total number of redispatch warnings.", SC_BE, PXC(redispatches) },
	{ "haproxy_backend_weight", "gauge", "Service weight.", SC_BE, FN(be_weight) },
	{ "haproxy_backend_active_servers", "gauge", "Current number of active servers.", SC_BE,
	  FN(be_act) },
	{ "haproxy_backend_backup_servers", "gauge", "Current number of backup servers.", SC_BE,
	  FN(be_bck) },
	{ "haproxy_backend_loadbalanced_total", "counter",
	  "Total number of times a service was selected.", SC_BE, BESRV(sess_tot) },
	{ "haproxy_backend_http_requests_total", "counter",
	  "Total number of HTTP requests received.", SC_BE, PXC(req_tot) },
	{ "haproxy_backend_http_responses_total", "counter", "Total number of HTTP responses.",
	  SC_BE, SRC_HRSP, 0, NULL },
	{ "haproxy_backend_client_aborts_total", "counter",
	  "Total number of data transfers aborted by the client.", SC_BE, PXC(cli_aborts) },
	{ "haproxy_backend_server_aborts_total", "counter",
	  "Total number of data transfers aborted by the server.", SC_BE, PXC(srv_aborts) },
	{ "haproxy_backend_connection_attempts_total", "counter",
	  "Total number of connection establishment attempts.", SC_BE, BESRV(connects) },
	{ "haproxy_backend_connection_reuses_total", "counter",
	  "Total number of connection reuses.", SC_BE, BESRV(reuse) },
	{ "haproxy_backend_queue_time_average_seconds", "gauge",
	  "Mean queue time since start or the last clear.", SC_BE, MEAN(LB_LAT_QUEUE) },
	{ "haproxy_backend_connect_time_average_seconds", "gauge",
	  "Mean connect time since start or the last clear.", SC_BE, MEAN(LB_LAT_CONNECT) },
	{ "haproxy_backend_response_time_average_seconds", "gauge",
	  "Mean response time since start or the last clear.", SC_BE, MEAN(LB_LAT_RESPONSE) },
	{ "haproxy_backend_total_time_average_seconds", "gauge",
	  "Mean total time since start or the last clear.", SC_BE, MEAN(LB_LAT_TOTAL) },

	{ "haproxy_server_status", "gauge", "Current status of the server.", SC_SRV, SRC_STATE,
	  0, NULL },
	{ "haproxy_server_current_sessions", "gauge", "Current number of active sessions.",
	  SC_SRV, FN(srv_scur) },
	{ "haproxy_server_limit_sessions", "gauge", "Configured session limit (0: none).",
	  SC_SRV, FN(srv_slim) },
	{ "haproxy_server_sessions_total", "counter", "Total number of sessions.", SC_SRV,
	  SRVC(sess_tot) },
	{ "haproxy_server_bytes_in_total", "counter", "Current total of incoming bytes.",
	  SC_SRV, SRVC(bytes_in) },
	{ "haproxy_server_bytes_out_total", "counter", "Current total of outgoing bytes.",
	  SC_SRV, SRVC(bytes_out) },
	{ "haproxy_server_connection_errors_total", "counter",
	  "Total number of connection errors.", SC_SRV, SRVC(econ) },
	{ "haproxy_server_response_errors_total", "counter", "Total number of response errors.",
	  SC_SRV, SRVC(eresp) },
	{ "haproxy_server_retry_warnings_total", "counter", "Total number of retry warnings.",
	  SC_SRV, SRVC(retries) },
	{ "haproxy_server_redispatch_warnings_total", "counter",
	  "Total number of redispatch warnings.", SC_SRV, SRVC(redispatches) },
	{ "haproxy_server_weight", "gauge", "Service weight.", SC_SRV, FN(srv_weight) },
	{ "haproxy_server_loadbalanced_total", "counter",
	  "Total number of times a service was selected.", SC_SRV, SRVC(sess_tot) },
	{ "haproxy_server_http_responses_total", "counter", "Total number of HTTP responses.",
	  SC_SRV, SRC_HRSP, 0, NULL },
	{ "haproxy_server_client_aborts_total", "counter",
	  "Total number of data transfers aborted by the client.", SC_SRV, SRVC(cli_aborts) },
	{ "haproxy_server_server_aborts_total", "counter",
	  "Total number of data transfers aborted by the server.", SC_SRV, SRVC(srv_aborts) },
	{ "haproxy_server_connection_attempts_total", "counter",
	  "Total number of connection establishment attempts.", SC_SRV, SRVC(connects) },
	{ "haproxy_server_connection_reuses_total", "counter",
	  "Total number of connection reuses.", SC_SRV, SRVC(reuse) },
	{ "haproxy_server_queue_time_average_seconds", "gauge",
	  "Mean queue time since start or the last clear.", SC_SRV, MEAN(LB_LAT_QUEUE) },
	{ "haproxy_server_connect_time_average_seconds", "gauge",
	  "Mean connect time since start or the last clear.", SC_SRV, MEAN(LB_LAT_CONNECT) },
	{ "haproxy_server_response_time_average_seconds", "gauge",
	  "Mean response time since start or the last clear.", SC_SRV, MEAN(LB_LAT_RESPONSE) },
	{ "haproxy_server_total_time_average_seconds", "gauge",
	  "Mean total time since start or the last clear.", SC_SRV, MEAN(LB_LAT_TOTAL) },
	{ "haproxy_server_check_status", "gauge",
	  "Status of last health check, per state label value.", SC_SRV, CHECK(NULL) },
	{ "haproxy_server_check_code", "gauge",
	  "layer5-7 code, if available of the last health check.", SC_SRV, CHECK(chk_code) },
	{ "haproxy_server_check_duration_seconds", "gauge",
	  "Total duration of the latest server health check, in seconds.", SC_SRV,
	  CHECK(chk_duration_ms) },
	{ "haproxy_server_check_failures_total", "counter",
	  "Total number of failed individual health checks.", SC_SRV, CHECK(chk_failures) },
	{ "haproxy_server_check_up_down_total", "counter",
	  "Total number of failed checks causing UP to DOWN server transitions.", SC_SRV,
	  CHECK(chk_up_down) },
	{ "haproxy_server_check_last_change_seconds", "gauge",
	  "How long ago the last server state changed, in seconds.", SC_SRV,
	  CHECK(chk_last_change) },
	{ "haproxy_server_downtime_seconds_total", "counter",
	  "Total downtime (in seconds) for the service.", SC_SRV, CHECK(chk_downtime) },
};

static const char *const hrsp_codes[6] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
static const char *const srv_states[] = { "DOWN", "UP", "MAINT", "DRAIN", "NOLB" };

/* Label values: proxy and server names are restricted by the parser, escape anyway. */
static void
label(struct lbd_sb *b, const char *name, const char *val, bool first)
{
	lbd_sb_printf(b, "%s%s=\"", first ? "" : ",", name);
	for (const char *p = val; *p; p++) {
		if (*p == '\\' || *p == '"')
			lbd_sb_printf(b, "\\%c", *p);
		else if (*p == '\n')
			lbd_sb_puts(b, "\\n");
		else
			lbd_sb_put(b, p, 1);
	}
	lbd_sb_put(b, "\"", 1);
}

static void
obj_labels(struct lbd_sb *b, const struct prom_obj *o)
{
	if (o->fe)
		label(b, "proxy", o->fe->name, true);
	else if (o->srv) {
		label(b, "proxy", o->srv->be->name, true);
		label(b, "server", o->srv->name, false);
	} else
		label(b, "proxy", o->be->name, true);
}

static const uint64_t *
hrsp_of(const struct prom_obj *o)
{
	if (o->sc)
		return o->sc->hrsp;
	return o->px->hrsp;
}

static const struct lb_hist *
lat_of(const struct prom_obj *o)
{
	return o->sc ? o->sc->lat : o->px->lat;
}

static void
write_value(struct lbd_sb *b, const struct prom_metric *m, const struct prom_obj *o)
{
	uint64_t v;

	switch (m->src) {
	case SRC_HRSP: {
		const uint64_t *h = hrsp_of(o);
		for (int k = 1; k <= 6; k++) {	/* 1xx..5xx then other, as promex */
			lbd_sb_printf(b, "%s{", m->name);
			obj_labels(b, o);
			lbd_sb_printf(b, ",code=\"%s\"} %" PRIu64 "\n", hrsp_codes[k % 6],
				      h[k % 6]);
		}
		return;
	}
	case SRC_STATE: {
		const char *cur;
		if (o->srv) {
			cur = lbd_stats_server_status(o->srv);
			for (size_t k = 0; k < LB_ARRAY_SIZE(srv_states); k++) {
				lbd_sb_printf(b, "%s{", m->name);
				obj_labels(b, o);
				lbd_sb_printf(b, ",state=\"%s\"} %d\n", srv_states[k],
					      strcmp(cur, srv_states[k]) == 0);
			}
		} else {
			int64_t w, a, bk;
			be_usable(o->be, &w, &a, &bk);
			for (int up = 1; up >= 0; up--) {
				lbd_sb_printf(b, "%s{", m->name);
				obj_labels(b, o);
				lbd_sb_printf(b, ",state=\"%s\"} %d\n", up ? "UP" : "DOWN",
					      (a + bk > 0) == up);
			}
		}
		return;
	}
	case SRC_CHECK: {
		struct lbd_health_view hv;

		lbd_health_view(o->rt, o->srv, &hv);
		if (!hv.has_check)
			return;
		if (m->fn == NULL) {	/* the status, one series per status name */
			for (int st = 0; st < LB_CHK__COUNT; st++) {
				const char *name = lb_check_status_name((enum lb_check_status)st);
				lbd_sb_printf(b, "%s{", m->name);
				obj_labels(b, o);
				lbd_sb_printf(b, ",state=\"%s\"} %d\n", name,
					      strcmp(hv.check_status, name) == 0);
			}
			return;
		}
		lbd_sb_printf(b, "%s{", m->name);
		obj_labels(b, o);
		if (m->fn == chk_duration_ms)
			lbd_sb_printf(b, "} %.3f\n", (double)m->fn(o) / 1000);
		else
			lbd_sb_printf(b, "} %" PRId64 "\n", m->fn(o));
		return;
	}
	case SRC_MEAN:
		lbd_sb_printf(b, "%s{", m->name);
		obj_labels(b, o);
		lbd_sb_printf(b, "} %.3f\n", (double)lbd_stats_mean_ms(&lat_of(o)[m->off]) / 1000);
		return;
	case SRC_FN:
		lbd_sb_printf(b, "%s{", m->name);
		obj_labels(b, o);
		lbd_sb_printf(b, "} %" PRId64 "\n", m->fn(o));
		return;
	case SRC_PX:
		v = *(const uint64_t *)(const void *)((const char *)o->px + m->off);
		break;
	case SRC_SRV:
		v = *(const uint64_t *)(const void *)((const char *)o->sc + m->off);
		break;
	default:	/* SRC_BESRV */
		v = *(const uint64_t *)(const void *)((const char *)o->be_srv + m->off);
		break;
	}
	lbd_sb_printf(b, "%s{", m->name);
	obj_labels(b, o);
	lbd_sb_printf(b, "} %" PRIu64 "\n", v);
}

static void
family_head(struct lbd_sb *b, const char *name, const char *type, const char *help)
{
	lbd_sb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The bounds a scrape shows: two per power of two (1, 2, 3, 4, 6, 8, 12, 16, 24 ms, ...), not
 * lbd's four: cumulative counts stay exact at any subset of the bounds, and 35 series per
 * histogram instead of 65 keep a scrape of many servers reasonable. */
static bool
exported_bound(unsigned i)
{
	if (i >= LB_HIST_FINITE)
		return true;	/* +Inf */
	if (i < LB_HIST_LINEAR)
		return i != 4 && i != 6;	/* 5 and 7 ms: not on the 1.5x/2x grid */
	return ((i - LB_HIST_LINEAR) & 1) == 1;
}

/* One histogram of one object: cumulative buckets (le in seconds), +Inf, _sum, _count. */
static void
write_hist(struct lbd_sb *b, const char *name, const struct prom_obj *o, const struct lb_hist *h)
{
	uint64_t cum = 0;

	for (unsigned i = 0; i < LB_HIST_NBUCKETS; i++) {
		cum += h->bucket[i];
		if (!exported_bound(i))
			continue;
		lbd_sb_printf(b, "%s_bucket{", name);
		obj_labels(b, o);
		if (i < LB_HIST_FINITE)
			lbd_sb_printf(b, ",le=\"%g\"} %" PRIu64 "\n",
				      (double)lb_hist_bound_ms(i) / 1000, cum);
		else
			lbd_sb_printf(b, ",le=\"+Inf\"} %" PRIu64 "\n", cum);
	}
	lbd_sb_printf(b, "%s_sum{", name);
	obj_labels(b, o);
	lbd_sb_printf(b, "} %.3f\n%s_count{", (double)h->sum_ms / 1000, name);
	obj_labels(b, o);
	lbd_sb_printf(b, "} %" PRIu64 "\n", cum);
}

struct scrape {
	struct lbd_runtime *rt;
	struct lbd_px_counters *fe, *be;	/* [nfe], [nbe] */
	struct lbd_srv_counters *srv, *be_srv;	/* [nservers] by gid, [nbe] */
};

static const char *const scope_names[] = { "frontend", "backend", "server" };

static void
write_histograms(struct lbd_sb *b, const struct scrape *sc, enum prom_scope scope)
{
	static const char *const help[LB_LAT__COUNT] = {
		"Time spent in the queue waiting for a server (histogram).",
		"Time to connect to the server (histogram).",
		"Time from connected to the response headers (histogram).",
		"Total time of the exchange (histogram).",
	};
	const struct lbd_runtime *rt = sc->rt;
	char name[96];

	for (int k = 0; k < LB_LAT__COUNT; k++) {
		if (scope == SC_FE && k != LB_LAT_TOTAL)
			continue;	/* a frontend only knows the total time */
		snprintf(name, sizeof(name), "haproxy_%s_%s_time_seconds", scope_names[scope],
			 lb_lat_name((enum lb_lat_kind)k));
		family_head(b, name, "histogram", help[k]);
		if (scope == SC_FE) {
			for (unsigned i = 0; i < rt->nfe; i++) {
				struct prom_obj o = { .rt = rt, .fe = &rt->fe[i],
						      .px = &sc->fe[i] };
				write_hist(b, name, &o, &sc->fe[i].lat[k]);
			}
		} else if (scope == SC_BE) {
			for (unsigned i = 0; i < rt->nbe; i++) {
				struct prom_obj o = { .rt = rt, .be = &rt->be[i],
						      .px = &sc->be[i] };
				write_hist(b, name, &o, &sc->be[i].lat[k]);
			}
		} else {
			for (unsigned i = 0; i < rt->nservers; i++) {
				const struct lbd_server *srv = rt->servers[i];
				struct prom_obj o = { .rt = rt, .srv = srv, .be = srv->be,
						      .sc = &sc->srv[i] };
				write_hist(b, name, &o, &sc->srv[i].lat[k]);
			}
		}
	}
}

static void
write_process(struct lbd_sb *b, const struct scrape *sc)
{
	const struct lbd_runtime *rt = sc->rt;
	uint64_t up_ms = lb_now_ms() - rt->start_ms, conns = 0, reqs = 0;

	for (unsigned i = 0; i < rt->nfe; i++) {
		conns += sc->fe[i].conn_tot;
		reqs += sc->fe[i].req_tot;
	}
	family_head(b, "haproxy_process_build_info", "gauge", "Build info.");
	lbd_sb_printf(b, "haproxy_process_build_info{version=\"lb-%s\"} 1\n", PACKAGE_VERSION);
	family_head(b, "haproxy_process_nbthread", "gauge",
		    "Number of started threads (global.nbthread).");
	lbd_sb_printf(b, "haproxy_process_nbthread %d\n", rt->nbthread);
	family_head(b, "haproxy_process_start_time_seconds", "gauge",
		    "Start time in seconds since the epoch.");
	lbd_sb_printf(b, "haproxy_process_start_time_seconds %lld\n",
		      (long long)time(NULL) - (long long)(up_ms / 1000));
	family_head(b, "haproxy_process_uptime_seconds", "gauge",
		    "How long ago this worker process was started (seconds).");
	lbd_sb_printf(b, "haproxy_process_uptime_seconds %" PRIu64 "\n", up_ms / 1000);
	family_head(b, "haproxy_process_max_connections", "gauge",
		    "Maximum number of concurrent connections (global.maxconn).");
	lbd_sb_printf(b, "haproxy_process_max_connections %d\n", rt->maxconn);
	family_head(b, "haproxy_process_current_connections", "gauge",
		    "Number of active sessions.");
	lbd_sb_printf(b, "haproxy_process_current_connections %d\n",
		      __atomic_load_n(&rt->cur_conn, __ATOMIC_RELAXED));
	family_head(b, "haproxy_process_connections_total", "counter",
		    "Total number of created sessions.");
	lbd_sb_printf(b, "haproxy_process_connections_total %" PRIu64 "\n", conns);
	family_head(b, "haproxy_process_requests_total", "counter",
		    "Total number of requests (TCP or HTTP).");
	lbd_sb_printf(b, "haproxy_process_requests_total %" PRIu64 "\n", reqs);
	family_head(b, "haproxy_process_stopping", "gauge",
		    "Non zero means stopping in progress.");
	lbd_sb_printf(b, "haproxy_process_stopping %d\n", rt->stopping ? 1 : 0);
}

static void
write_families(struct lbd_sb *b, const struct scrape *sc)
{
	const struct lbd_runtime *rt = sc->rt;
	enum prom_scope done = SC_FE;

	write_process(b, sc);
	for (size_t m = 0; m < LB_ARRAY_SIZE(metrics); m++) {
		const struct prom_metric *mt = &metrics[m];

		if (mt->scope != done) {	/* a scope's histograms close it */
			write_histograms(b, sc, done);
			done = mt->scope;
		}
		family_head(b, mt->name, mt->type, mt->help);
		if (mt->scope == SC_FE) {
			for (unsigned i = 0; i < rt->nfe; i++) {
				struct prom_obj o = { .rt = rt, .fe = &rt->fe[i],
						      .px = &sc->fe[i] };
				write_value(b, mt, &o);
			}
		} else if (mt->scope == SC_BE) {
			for (unsigned i = 0; i < rt->nbe; i++) {
				struct prom_obj o = { .rt = rt, .be = &rt->be[i], .px = &sc->be[i],
						      .be_srv = &sc->be_srv[i] };
				write_value(b, mt, &o);
			}
		} else {
			for (unsigned i = 0; i < rt->nservers; i++) {
				const struct lbd_server *srv = rt->servers[i];
				struct prom_obj o = { .rt = rt, .srv = srv, .be = srv->be,
						      .sc = &sc->srv[i] };
				write_value(b, mt, &o);
			}
		}
	}
	write_histograms(b, sc, done);
}

/* Adds every uint64_t of a server's counters into acc (the struct is all uint64_t). */
static void
add_srv(struct lbd_srv_counters *acc, const struct lbd_srv_counters *c)
{
	uint64_t *a = (uint64_t *)(void *)acc;
	const uint64_t *v = (const uint64_t *)(const void *)c;

	for (size_t i = 0; i < sizeof(*acc) / sizeof(uint64_t); i++)
		a[i] += v[i];
}

struct lbd_svc_out *
lbd_prometheus_run(struct lbd_runtime *rt, const struct lbd_svc_req *rq, int *status)
{
	struct scrape sc = { .rt = rt };
	struct lbd_sb body = { 0 };
	struct lbd_svc_out *out = NULL;

	sc.fe = calloc(rt->nfe + 1, sizeof(*sc.fe));
	sc.be = calloc(rt->nbe + 1, sizeof(*sc.be));
	sc.srv = calloc(rt->nservers + 1, sizeof(*sc.srv));
	sc.be_srv = calloc(rt->nbe + 1, sizeof(*sc.be_srv));
	if (sc.fe && sc.be && sc.srv && sc.be_srv) {
		for (unsigned i = 0; i < rt->nfe; i++)
			lbd_stats_frontend(rt, &rt->fe[i], &sc.fe[i]);
		for (unsigned i = 0; i < rt->nservers; i++)
			lbd_stats_server(rt, rt->servers[i], &sc.srv[i]);
		for (unsigned i = 0; i < rt->nbe; i++) {
			lbd_stats_backend(rt, &rt->be[i], &sc.be[i]);
			for (unsigned k = 0; k < rt->be[i].nsrv; k++)
				add_srv(&sc.be_srv[i], &sc.srv[rt->be[i].srv[k]->gid]);
		}
		write_families(&body, &sc);
		*status = 200;
		out = lbd_svc_finish(&body, rq, 200, "text/plain; version=0.0.4; charset=utf-8",
				     NULL);
	}
	lb_free(&body.p);
	free(sc.fe);
	free(sc.be);
	free(sc.srv);
	free(sc.be_srv);
	return out;
}

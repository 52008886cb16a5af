/* lbd/stats_page.c: the stats page ("stats enable", "stats uri"): HTML, ;csv and ;json
 *
 * All three views render the rows of the control socket's "show stats" (lbd_ctl_pack_stats,
 * lbd/ctl_server.c), so the page, lbctl and the CSV columns never disagree: the CSV follows
 * HAProxy's "show stat" column order (lb_ctl_stat_cols), the JSON is the rows as objects
 * (field name -> value), the HTML shows one table per proxy. With "stats auth" a request
 * needs HTTP Basic credentials; with "stats admin if TRUE" a POST of the page's form
 * (b=<backend>&s=<server>&action=ready|drain|maint, HAProxy's field names) changes a
 * server's state through the same function as "lbctl drain", then redirects (303) back to
 * the page with ";st=DONE" (or an error code) as HAProxy does. The form must arrive with the
 * request head (it is a few dozen bytes; a body still in flight is refused with 400).
 */
#include "service.h"

#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "config.h"
#include "ctl.h"
#include "ctl_proto.h"
#include "runtime.h"
#include "util.h"

#define REALM_DEFAULT "HAProxy Statistics"

/* What follows the URI prefix: ";csv", ";json", ";norefresh", ";st=CODE" (any order). */
struct page_opts {
	bool csv, json, norefresh;
	bool admin;		/* the request may use the admin buttons (stats admin if ...) */
	char st[16];
};

static void
parse_opts(const char *p, size_t n, struct page_opts *o)
{
	memset(o, 0, sizeof(*o));
	for (const char *end = p + n; p < end;) {
		const char *semi = memchr(p, ';', (size_t)(end - p)), *w, *we;

		if (!semi)
			break;
		w = semi + 1;
		for (we = w; we < end && *we != ';' && *we != '&' && *we != '?'; we++)
			;
		if (we - w == 3 && !memcmp(w, "csv", 3))
			o->csv = true;
		else if (we - w == 4 && !memcmp(w, "json", 4))
			o->json = true;
		else if (we - w == 9 && !memcmp(w, "norefresh", 9))
			o->norefresh = true;
		else if (we - w > 3 && we - w < 3 + (long)sizeof(o->st) && !memcmp(w, "st=", 3))
			snprintf(o->st, sizeof(o->st), "%.*s", (int)(we - w - 3), w + 3);
		p = we;
	}
}

/* --- authentication --- */

static bool
authorized(const struct lb_cfg_stats *st, const struct lbd_svc_req *rq)
{
	char cred[512];
	const char *colon;
	long n;

	if (!st->auths)
		return true;
	if (!rq->auth || rq->auth_len < 6 || strncasecmp(rq->auth, "Basic ", 6) != 0)
		return false;
	if (rq->auth_len - 6 > (sizeof(cred) - 4) / 3 * 4)
		return false;
	n = lb_base64_decode(rq->auth + 6, rq->auth_len - 6, (unsigned char *)cred);
	if (n < 0)
		return false;
	cred[n] = '\0';
	if (!(colon = strchr(cred, ':')))
		return false;
	for (const struct lb_cfg_stats_auth *a = st->auths; a; a = a->next)
		if (strlen(a->user) == (size_t)(colon - cred) &&
		    !memcmp(a->user, cred, (size_t)(colon - cred)) && !strcmp(a->pass, colon + 1))
			return true;
	return false;
}

/* --- the admin form --- */

/* URL-decodes src[0..n) into dst (cap bytes, NUL-terminated). */
static void
url_decode(const char *src, size_t n, char *dst, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		if (src[i] == '+') {
			dst[o++] = ' ';
		} else if (src[i] == '%' && i + 2 < n && lb_hexval((unsigned char)src[i + 1]) >= 0 &&
			   lb_hexval((unsigned char)src[i + 2]) >= 0) {
			dst[o++] = (char)(lb_hexval((unsigned char)src[i + 1]) * 16 +
					  lb_hexval((unsigned char)src[i + 2]));
			i += 2;
		} else {
			dst[o++] = src[i];
		}
	}
	dst[o] = '\0';
}

static const struct {
	const char *name;
	int admin;
} actions[] = {
	{ "ready", LBD_SRV_READY },
	{ "drain", LBD_SRV_DRAIN },
	{ "maint", LBD_SRV_MAINT },
};

/* Applies the form; returns HAProxy's result code for ";st=": DONE, NONE (nothing
 * selected), ERRP (bad request), NOSRV (no such server). */
static const char *
admin_post(struct lbd_runtime *rt, const char *form, size_t n)
{
	char be[256] = "", action[32] = "", srv[64][128];
	unsigned nsrv = 0, done = 0;
	int admin = -1;
	const struct lbd_backend *b;

	for (const char *p = form, *end = form + n; p < end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p)), *eq;
		const char *stop = amp ? amp : end;

		eq = memchr(p, '=', (size_t)(stop - p));
		if (eq) {
			size_t kl = (size_t)(eq - p), vl = (size_t)(stop - eq - 1);
			if (kl == 1 && *p == 'b')
				url_decode(eq + 1, vl, be, sizeof(be));
			else if (kl == 6 && !memcmp(p, "action", 6))
				url_decode(eq + 1, vl, action, sizeof(action));
			else if (kl == 1 && *p == 's' && nsrv < LB_ARRAY_SIZE(srv))
				url_decode(eq + 1, vl, srv[nsrv++], sizeof(srv[0]));
		}
		p = stop + 1;
	}
	for (size_t i = 0; i < LB_ARRAY_SIZE(actions); i++)
		if (!strcmp(action, actions[i].name))
			admin = actions[i].admin;
	if (admin < 0 || !be[0])
		return "ERRP";
	if (!nsrv)
		return "NONE";
	b = lbd_runtime_find_backend(rt, be);
	if (!b && be[0] == '#') {
		for (unsigned i = 0; i < rt->nbe; i++)
			if (rt->be[i].cfg->id == atoi(be + 1))
				b = &rt->be[i];
	}
	if (!b)
		return "ERRP";
	for (unsigned k = 0; k < nsrv; k++)
		for (unsigned i = 0; i < b->nsrv; i++)
			if (!strcmp(b->srv[i]->name, srv[k])) {
				lbd_ctl_server_set_admin(b->srv[i], admin);
				done++;
			}
	return done ? "DONE" : "NOSRV";
}

/* --- the rows --- */

static bool
obj_str(const msgpack_object *o, const char **s, size_t *n)
{
	if (!o || o->type != MSGPACK_OBJECT_STR)
		return false;
	*s = o->via.str.ptr;
	*n = o->via.str.size;
	return true;
}

/* A scalar as text (nothing for nil/absent); `html` escapes strings. */
static void
put_scalar(struct lbd_sb *b, const msgpack_object *o, bool html)
{
	const char *s;
	size_t n;

	if (!o)
		return;
	switch (o->type) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		lbd_sb_printf(b, "%llu", (unsigned long long)o->via.u64);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		lbd_sb_printf(b, "%lld", (long long)o->via.i64);
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		lbd_sb_printf(b, "%.3g", o->via.f64);
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		lbd_sb_puts(b, o->via.boolean ? "true" : "false");
		break;
	case MSGPACK_OBJECT_STR:
		obj_str(o, &s, &n);
		if (html)
			lbd_sb_html(b, s, n);
		else
			lbd_sb_put(b, s, n);
		break;
	default:
		break;
	}
}

static void
put_json(struct lbd_sb *b, const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_STR:
		lbd_sb_json_str(b, o->via.str.ptr, o->via.str.size);
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		lbd_sb_printf(b, "%.6g", o->via.f64);
		break;
	case MSGPACK_OBJECT_ARRAY:
		lbd_sb_put(b, "[", 1);
		for (uint32_t i = 0; i < o->via.array.size; i++) {
			if (i)
				lbd_sb_put(b, ",", 1);
			put_json(b, &o->via.array.ptr[i]);
		}
		lbd_sb_put(b, "]", 1);
		break;
	case MSGPACK_OBJECT_MAP:
		lbd_sb_put(b, "{", 1);
		for (uint32_t i = 0; i < o->via.map.size; i++) {
			if (i)
				lbd_sb_put(b, ",", 1);
			if (o->via.map.ptr[i].key.type == MSGPACK_OBJECT_STR)
				put_json(b, &o->via.map.ptr[i].key);
			else
				lbd_sb_puts(b, "\"?\"");
			lbd_sb_put(b, ":", 1);
			put_json(b, &o->via.map.ptr[i].val);
		}
		lbd_sb_put(b, "}", 1);
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
	case MSGPACK_OBJECT_BOOLEAN:
		put_scalar(b, o, false);
		break;
	default:
		lbd_sb_puts(b, "null");
	}
}

static void
render_csv(struct lbd_sb *b, const msgpack_object *rows)
{
	lbd_sb_puts(b, "# ");
	for (size_t c = 0; c < lb_ctl_nstat_cols; c++)
		lbd_sb_printf(b, "%s,", lb_ctl_stat_cols[c]);
	lbd_sb_puts(b, "\n");
	for (uint32_t r = 0; r < rows->via.array.size; r++) {
		for (size_t c = 0; c < lb_ctl_nstat_cols; c++) {
			const msgpack_object *v = lb_ctl_map_get(&rows->via.array.ptr[r],
								 lb_ctl_stat_cols[c]);
			const char *s;
			size_t n;

			if (obj_str(v, &s, &n) && (memchr(s, ',', n) || memchr(s, '"', n))) {
				lbd_sb_put(b, "\"", 1);
				for (size_t i = 0; i < n; i++) {
					if (s[i] == '"')
						lbd_sb_put(b, "\"", 1);	/* "" */
					lbd_sb_put(b, s + i, 1);
				}
				lbd_sb_put(b, "\"", 1);
			} else {
				put_scalar(b, v, false);
			}
			lbd_sb_put(b, ",", 1);
		}
		lbd_sb_put(b, "\n", 1);
	}
}

/* --- HTML --- */

static const char page_css[] =
	"body{font:13px/1.4 system-ui,sans-serif;margin:1em;color:#222;background:#fafafa}"
	"h1{font-size:18px;margin:0 0 .3em}h2{font-size:15px;margin:1.2em 0 .3em}"
	".info{color:#555;margin-bottom:.8em}"
	"table{border-collapse:collapse;background:#fff;margin-bottom:.5em}"
	"th,td{border:1px solid #ccc;padding:2px 6px;text-align:right;white-space:nowrap}"
	"th{background:#e8e8ee}td.n{text-align:left;font-weight:600}"
	"tr.fe td,tr.be td{background:#eef}"
	"tr td.UP,tr td.OPEN{background:#b6e3b6}tr td.DRAIN{background:#f5d98b}"
	"tr td.DOWN,tr td.STOP{background:#f1a3a3}tr td.MAINT{background:#c9b6e3}"
	"form{display:inline;margin:0}button{font-size:11px;margin:0 1px}"
	".msg{padding:.4em;background:#ffd;border:1px solid #cc8;display:inline-block}";

/* The columns of a proxy table: field of the row, header. */
static const struct {
	const char *key;
	const char *title;
} html_cols[] = {
	{ "status", "Status" }, { "weight", "Weight" }, { "qcur", "Queue" },
	{ "scur", "Sessions" }, { "slim", "Limit" }, { "stot", "Total sess" },
	{ "req_tot", "Requests" }, { "bin", "Bytes in" }, { "bout", "Bytes out" },
	{ "hrsp_2xx", "2xx" }, { "hrsp_3xx", "3xx" }, { "hrsp_4xx", "4xx" },
	{ "hrsp_5xx", "5xx" }, { "ereq", "Req err" }, { "econ", "Conn err" },
	{ "eresp", "Resp err" }, { "wretr", "Retr" }, { "check_status", "Check" },
	{ "lastchg", "Last chg" }, { "p50", "p50 ms" }, { "p99", "p99 ms" },
};

static bool
is_(const msgpack_object *row, const char *key, const char *val)
{
	const char *s;
	size_t n;

	return obj_str(lb_ctl_map_get(row, key), &s, &n) && n == strlen(val) && !memcmp(s, val, n);
}

/* Rates need two samples: the page's only script fetches ;json twice, a second apart, and
 * fills the "Req/s" cells (requests for proxies, sessions for servers, as lbtop counts). */
static const char rate_js[] =
	";function g(){return fetch(u,{credentials:'same-origin',cache:'no-store'})"
	".then(function(r){return r.json();});}"
	"g().then(function(a){var t=Date.now();setTimeout(function(){g().then(function(b){"
	"var dt=(Date.now()-t)/1000;b.forEach(function(r,i){var p=a[i],"
	"c=document.getElementById('rate'+i);if(!c||!p)return;"
	"var k=r.req_tot!==undefined?'req_tot':'stot';"
	"c.textContent=(((r[k]||0)-(p[k]||0))/dt).toFixed(1);});});},1000);});})();";

/* A JS string literal that cannot close the script element. */
static void
js_str(struct lbd_sb *b, const char *s)
{
	lbd_sb_put(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' ||
		    c == '\'')
			lbd_sb_printf(b, "\\u%04x", c);
		else
			lbd_sb_put(b, s, 1);
	}
	lbd_sb_put(b, "\"", 1);
}

static void
html_row(struct lbd_sb *b, const msgpack_object *row, unsigned idx, const char *uri,
	 bool admin)
{
	const char *sv = "", *px = "";
	size_t svn = 0, pxn = 0;
	bool fe = is_(row, "svname", "FRONTEND"), be = is_(row, "svname", "BACKEND");

	obj_str(lb_ctl_map_get(row, "svname"), &sv, &svn);
	obj_str(lb_ctl_map_get(row, "pxname"), &px, &pxn);
	lbd_sb_printf(b, "<tr class=\"%s\"><td class=\"n\">", fe ? "fe" : be ? "be" : "srv");
	lbd_sb_html(b, sv, svn);
	lbd_sb_printf(b, "</td><td id=\"rate%u\">&hellip;</td>", idx);
	for (size_t c = 0; c < LB_ARRAY_SIZE(html_cols); c++) {
		const msgpack_object *v = lb_ctl_map_get(row, html_cols[c].key);
		const char *s;
		size_t n;

		if (obj_str(v, &s, &n) && !strcmp(html_cols[c].key, "status")) {
			lbd_sb_puts(b, "<td class=\"");
			lbd_sb_html(b, s, n);
			lbd_sb_puts(b, "\">");
		} else {
			lbd_sb_puts(b, "<td>");
		}
		put_scalar(b, v, true);
		lbd_sb_puts(b, "</td>");
	}
	if (admin) {
		lbd_sb_puts(b, "<td>");
		if (!fe && !be) {
			for (size_t i = 0; i < LB_ARRAY_SIZE(actions); i++) {
				lbd_sb_puts(b, "<form method=\"post\" action=\"");
				lbd_sb_html(b, uri, strlen(uri));
				lbd_sb_puts(b, "\"><input type=\"hidden\" name=\"b\" value=\"");
				lbd_sb_html(b, px, pxn);
				lbd_sb_puts(b, "\"><input type=\"hidden\" name=\"s\" value=\"");
				lbd_sb_html(b, sv, svn);
				lbd_sb_printf(b, "\"><button name=\"action\" value=\"%s\">%s"
					      "</button></form>", actions[i].name, actions[i].name);
			}
		}
		lbd_sb_puts(b, "</td>");
	}
	lbd_sb_puts(b, "</tr>\n");
}

static void
render_html(struct lbd_sb *b, const struct lbd_runtime *rt, const struct lb_cfg_stats *st,
	    const struct page_opts *o, const msgpack_object *rows)
{
	const char *uri = st->uri ? st->uri : "/haproxy?stats";
	uint64_t up = (lb_now_ms() - rt->start_ms) / 1000;
	bool admin = o->admin;
	const char *cur = NULL;
	size_t curn = 0;

	lbd_sb_puts(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">");
	if (st->refresh_ms > 0 && !o->norefresh)
		lbd_sb_printf(b, "<meta http-equiv=\"refresh\" content=\"%lld\">",
			      (st->refresh_ms + 999) / 1000);
	lbd_sb_printf(b, "<title>Statistics Report for lb pid %d</title><style>%s</style>"
		      "</head><body>\n<h1>Statistics Report for pid %d</h1>\n<div class=\"info\">",
		      rt->pid, page_css, rt->pid);
	if (st->hide_version != 1)
		lbd_sb_printf(b, "lb %s &middot; ", PACKAGE_VERSION);
	lbd_sb_printf(b, "uptime %llud %02lluh%02llum%02llus &middot; %d threads &middot; "
		      "current connections %d / %d &middot; <a href=\"",
		      (unsigned long long)(up / 86400), (unsigned long long)(up / 3600 % 24),
		      (unsigned long long)(up / 60 % 60), (unsigned long long)(up % 60),
		      rt->nbthread, __atomic_load_n(&rt->cur_conn, __ATOMIC_RELAXED), rt->maxconn);
	lbd_sb_html(b, uri, strlen(uri));
	lbd_sb_puts(b, ";csv\">CSV</a> &middot; <a href=\"");
	lbd_sb_html(b, uri, strlen(uri));
	lbd_sb_puts(b, ";json\">JSON</a></div>\n");
	if (o->st[0]) {
		lbd_sb_puts(b, "<div class=\"msg\">Action result: ");
		lbd_sb_html(b, o->st, strlen(o->st));
		lbd_sb_puts(b, "</div>\n");
	}
	for (uint32_t r = 0; r < rows->via.array.size; r++) {
		const msgpack_object *row = &rows->via.array.ptr[r];
		const char *px;
		size_t pxn;

		if (!obj_str(lb_ctl_map_get(row, "pxname"), &px, &pxn))
			continue;
		if (!cur || curn != pxn || memcmp(cur, px, pxn) != 0) {
			if (cur)
				lbd_sb_puts(b, "</table>\n");
			cur = px;
			curn = pxn;
			lbd_sb_puts(b, "<h2>");
			lbd_sb_html(b, px, pxn);
			lbd_sb_puts(b, "</h2>\n<table><tr><th>Name</th><th>Req/s</th>");
			for (size_t c = 0; c < LB_ARRAY_SIZE(html_cols); c++)
				lbd_sb_printf(b, "<th>%s</th>", html_cols[c].title);
			if (admin)
				lbd_sb_puts(b, "<th>Action</th>");
			lbd_sb_puts(b, "</tr>\n");
		}
		html_row(b, row, r, uri, admin);
	}
	if (cur)
		lbd_sb_puts(b, "</table>\n");
	{
		struct lbd_sb u = { 0 };

		lbd_sb_printf(&u, "%s;json", uri);
		lbd_sb_puts(b, "<script>(function(){var u=");
		js_str(b, u.failed ? "" : u.p);
		lbd_sb_puts(b, rate_js);
		lbd_sb_puts(b, "</script>\n");
		lb_free(&u.p);
	}
	lbd_sb_puts(b, "</body></html>\n");
}

static struct lbd_svc_out *
reply_401(const struct lb_cfg_stats *st, const struct lbd_svc_req *rq)
{
	struct lbd_sb body = { 0 }, hdr = { 0 };
	struct lbd_svc_out *o;

	lbd_sb_puts(&body, "<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and "
		    "password to access this content.\n</body></html>\n");
	lbd_sb_puts(&hdr, "www-authenticate: Basic realm=\"");
	for (const char *p = st->realm ? st->realm : REALM_DEFAULT; *p; p++)
		if (*p != '"' && *p != '\\' && *p != '\r' && *p != '\n')
			lbd_sb_put(&hdr, p, 1);
	lbd_sb_puts(&hdr, "\"\r\n");
	o = hdr.failed ? NULL : lbd_svc_finish(&body, rq, 401, "text/html", hdr.p);
	lb_free(&hdr.p);
	lb_free(&body.p);
	return o;
}

struct lbd_svc_out *
lbd_stats_page_run(struct lbd_runtime *rt, const struct lb_cfg_stats *st,
		   const struct lbd_svc_req *rq, int *status)
{
	const char *prefix = st->uri ? st->uri : "/haproxy?stats";
	size_t pl = strlen(prefix);
	struct page_opts o;
	struct lbd_sb body = { 0 };
	struct lbd_svc_out *out = NULL;
	msgpack_sbuffer sbuf;
	msgpack_packer pk;
	msgpack_unpacked up;

	parse_opts(rq->uri + pl, rq->uri_len - pl, &o);
	o.admin = rq->admin;
	if (!authorized(st, rq)) {
		*status = 401;
		return reply_401(st, rq);
	}
	if (rq->meth == LB_METH_POST) {
		struct lbd_sb hdr = { 0 };
		const char *res = !rq->admin ? "DENY"
				  : rq->body ? admin_post(rt, rq->body, rq->body_len) : "ERRP";

		*status = 303;
		lbd_sb_printf(&hdr, "location: %s;st=%s\r\n", prefix, res);
		out = hdr.failed ? NULL : lbd_svc_finish(&body, rq, 303, "text/plain", hdr.p);
		lb_free(&hdr.p);
		return out;
	}
	if (rq->meth != LB_METH_GET && rq->meth != LB_METH_HEAD) {
		*status = 405;
		lbd_sb_puts(&body, "method not allowed\n");
		return lbd_svc_finish(&body, rq, 405, "text/plain", "allow: GET, HEAD, POST\r\n");
	}
	msgpack_sbuffer_init(&sbuf);
	msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
	lbd_ctl_pack_stats(rt, &pk);
	msgpack_unpacked_init(&up);
	if (sbuf.data && msgpack_unpack_next(&up, sbuf.data, sbuf.size, NULL) ==
				 MSGPACK_UNPACK_SUCCESS &&
	    up.data.type == MSGPACK_OBJECT_ARRAY) {
		*status = 200;
		if (o.csv) {
			render_csv(&body, &up.data);
			out = lbd_svc_finish(&body, rq, 200, "text/plain", NULL);
		} else if (o.json) {
			put_json(&body, &up.data);
			lbd_sb_puts(&body, "\n");
			out = lbd_svc_finish(&body, rq, 200, "application/json", NULL);
		} else {
			render_html(&body, rt, st, &o, &up.data);
			out = lbd_svc_finish(&body, rq, 200, "text/html; charset=utf-8", NULL);
		}
	}
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sbuf);
	lb_free(&body.p);
	return out;
}

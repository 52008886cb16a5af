/* lbd/mworker.c: a worker's side of master-worker mode
 *
 * The worker is a forked child of the master: it inherited the listening sockets, the
 * control sockets and one end of a socketpair, its channel. Through the channel it says
 * when it serves (the master then stops the old worker) and hands over what operators
 * changed at run time, so that a reload keeps it.
 */
#include "mworker.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "backend.h"
#include "cfg_types.h"
#include "stktable.h"
#include "ctl.h"
#include "dynsrv.h"
#include "health.h"
#include "log.h"
#include "runtime.h"
#include "stats.h"
#include "util.h"

int lbd_mworker_fd = -1;

struct mw_ask {
	struct mw_ask *next;
	lbd_mworker_reply_fn fn;
	void *arg;
};

static struct {
	struct event *ev;
	struct lbd_runtime *rt;
	char in[4096];
	size_t inlen;
	struct mw_ask *asks, **asks_tail;	/* FIFO: the master answers in order */
	bool in_reply;				/* between "reply ..." and "." */
	bool reply_ok;
	char *text;
	size_t text_len, text_cap;
} mw;

static void
text_append(const char *s, size_t n)
{
	if (mw.text_len + n + 1 > mw.text_cap) {
		mw.text_cap = LB_MAX(mw.text_cap * 2, mw.text_len + n + 1 + 256);
		mw.text = lb_xrealloc(mw.text, mw.text_cap);
	}
	memcpy(mw.text + mw.text_len, s, n);
	mw.text_len += n;
	mw.text[mw.text_len] = '\0';
}

/* Answers the oldest request. */
static void
ask_done(bool ok, const char *text)
{
	struct mw_ask *a = mw.asks;

	if (!a)
		return;
	mw.asks = a->next;
	if (!mw.asks)
		mw.asks_tail = &mw.asks;
	a->fn(a->arg, ok, text);
	free(a);
}

static void
asks_fail_all(const char *why)
{
	while (mw.asks)
		ask_done(false, why);
}

/* Blocking write of all of buf (the channel is blocking on the worker's side). */
static int
write_all(const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(lbd_mworker_fd, buf, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
cfg_admin(const struct lbd_server *srv)
{
	return srv->cfg->disabled > 0 ? LBD_SRV_MAINT : LBD_SRV_READY;
}

static int
cfg_weight(const struct lbd_server *srv)
{
	return srv->cfg->weight >= 0 ? srv->cfg->weight : 1;
}

static int
cfg_maxconn(const struct lbd_server *srv)
{
	return srv->cfg->maxconn > 0 ? srv->cfg->maxconn : 0;
}

/* A growing text. */
struct text {
	char *s;
	size_t len, cap;
};

static void __attribute__((format(printf, 2, 3)))
text_printf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = t->cap - t->len;
		va_start(ap, fmt);
		n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (t->s && (size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		t->cap = LB_MAX(t->cap * 2, t->len + (size_t)n + 256);
		t->s = lb_xrealloc(t->s, t->cap);
	}
}

/* Counters travel as their 64-bit words (every field of stats_types.h is one, or an array
 * of them), only the non-zero ones: "<index>:<value>". The word count goes first, so that a
 * different layout (a binary upgrade) is noticed and those counters start from zero. */
#define CTR_WORDS(type) (sizeof(type) / sizeof(uint64_t))
_Static_assert(sizeof(struct lbd_px_counters) % sizeof(uint64_t) == 0,
	       "proxy counters must be 64-bit words");
_Static_assert(sizeof(struct lbd_srv_counters) % sizeof(uint64_t) == 0,
	       "server counters must be 64-bit words");

#define CTR_MAX_WORDS                                                                        \
	(CTR_WORDS(struct lbd_px_counters) > CTR_WORDS(struct lbd_srv_counters) ?           \
		 CTR_WORDS(struct lbd_px_counters) : CTR_WORDS(struct lbd_srv_counters))

/* Appends "<kind> <names> <n> i:v..." for counters that are not all zero. */
static void
dump_words(struct text *t, const char *kind, const char *name1, const char *name2,
	   const void *ctr, size_t nwords)
{
	uint64_t w[CTR_MAX_WORDS];
	bool any = false;

	memcpy(w, ctr, nwords * sizeof(uint64_t));
	for (size_t i = 0; i < nwords && !any; i++)
		any = w[i] != 0;
	if (!any)
		return;
	text_printf(t, "%s %s%s%s %zu", kind, name1, name2 ? " " : "", name2 ? name2 : "",
		    nwords);
	for (size_t i = 0; i < nwords; i++)
		if (w[i])
			text_printf(t, " %zu:%llu", i, (unsigned long long)w[i]);
	text_printf(t, "\n");
}

/* "d admin weight maxconn <be>/<name> <addr> [options]": a server added at run time */
static void
dump_dynamic(void *ctx, const struct lbd_server *srv, const char *line)
{
	text_printf(ctx, "d %d %d %d %s\n", __atomic_load_n(&srv->admin, __ATOMIC_RELAXED),
		    __atomic_load_n(&srv->uweight, __ATOMIC_RELAXED),
		    __atomic_load_n(&srv->lb.maxconn, __ATOMIC_RELAXED), line);
}

/* Stick-table entries: "t <proxy> <key type> <hex key> <dt>=<value>..." (rates as the count
 * of their current period). At most STK_CARRY_MAX entries per table are handed over. */
#define STK_CARRY_MAX 200000

struct stk_dump {
	struct text *t;
	const struct lb_stktable *tbl;
	const char *px;
	uint64_t n;
};

static bool
dump_entry(void *arg, const struct lb_stk_snap *e)
{
	struct stk_dump *sd = arg;

	if (sd->n++ >= STK_CARRY_MAX)
		return false;
	text_printf(sd->t, "t %s %d ", sd->px, (int)sd->tbl->def.type);
	for (size_t i = 0; i < e->klen; i++)
		text_printf(sd->t, "%02x", e->key[i]);
	/* not conn_cur: the old worker's connections stay with it and end there */
	for (int dt = 0; dt < LB_STK_DT__COUNT; dt++)
		if (dt != LB_STK_CONN_CUR && lb_stktable_stores(sd->tbl, (enum lb_stk_dt)dt) &&
		    e->v[dt])
			text_printf(sd->t, " %d=%lld", dt, (long long)e->v[dt]);
	text_printf(sd->t, "\n");
	return true;
}

static void
dump_tables(struct lbd_runtime *rt, struct text *t)
{
	uint64_t now = lb_now_ms();

	for (struct lb_cfg_proxy *px = rt->cfg->proxies; px; px = px->next) {
		struct stk_dump sd = { t, px->stktable, px->name, 0 };

		if (px->stktable && px->name)
			lb_stktable_dump(px->stktable, now, NULL, dump_entry, &sd);
	}
}

/* One "t" line into the new worker's table of the same proxy, if its key type is the same
 * (a changed table definition starts empty). Entries get a fresh expiry period. */
static void
apply_table_line(struct lbd_runtime *rt, const char *line, uint64_t now)
{
	char px[256], hex[2 * LB_STK_KEY_MAX + 1];
	unsigned char key[LB_STK_KEY_MAX];
	const struct lb_cfg_proxy *p;
	int type, used = 0;
	size_t klen;
	const char *q;

	if (sscanf(line, "t %255s %d %2048s%n", px, &type, hex, &used) != 3)
		return;
	for (p = rt->cfg->proxies; p; p = p->next)
		if (p->stktable && p->name && !strcmp(p->name, px))
			break;
	if (!p || (int)p->stktable->def.type != type)
		return;
	klen = strlen(hex) / 2;
	if (klen > sizeof(key))
		return;
	for (size_t i = 0; i < klen; i++) {
		int h = lb_hexval((unsigned char)hex[2 * i]), l = lb_hexval((unsigned char)hex[2 * i + 1]);
		if (h < 0 || l < 0)
			return;
		key[i] = (unsigned char)(h * 16 + l);
	}
	for (q = line + used; *q;) {
		long long v;
		int dt, n = 0;

		if (sscanf(q, " %d=%lld%n", &dt, &v, &n) != 2 || n <= 0)
			break;
		if (dt >= 0 && dt < LB_STK_DT__COUNT)
			lb_stk_key_set(p->stktable, key, klen, (enum lb_stk_dt)dt, v, now);
		q += n;
	}
}

char *
lbd_mworker_dump_state(struct lbd_runtime *rt)
{
	struct text t = { 0 };

	text_printf(&t, "%s", "");
	lbd_dynsrv_list(rt, dump_dynamic, &t);
	dump_tables(rt, &t);
	for (unsigned i = 0; i < rt->nservers; i++) {
		const struct lbd_server *srv = rt->servers[i];
		int admin = __atomic_load_n(&srv->admin, __ATOMIC_RELAXED);
		int w = __atomic_load_n(&srv->uweight, __ATOMIC_RELAXED);
		int mc = __atomic_load_n(&srv->lb.maxconn, __ATOMIC_RELAXED);

		if (admin == cfg_admin(srv) && w == cfg_weight(srv) && mc == cfg_maxconn(srv))
			continue;
		text_printf(&t, "s %s %s %d %d %d %d %d %d\n", srv->be->name, srv->name, admin,
			    cfg_admin(srv), w, cfg_weight(srv), mc, cfg_maxconn(srv));
	}
	/* health (lbd/health_carry.c): a server DOWN stays DOWN in the new worker */
	for (unsigned i = 0; i < rt->nservers; i++) {
		const struct lbd_server *srv = rt->servers[i];
		char h[4 * LB_CHECK_REASON_MAX + 512];

		if (!srv->dyn_cfg && lbd_health_carry_format(srv, h, sizeof(h)) > 0)
			text_printf(&t, "h %s %s %s\n", srv->be->name, srv->name, h);
	}
	/* counters as operators see them (after "clear counters") */
	for (unsigned f = 0; f < rt->nfe; f++) {
		struct lbd_px_counters c;
		lbd_stats_frontend(rt, &rt->fe[f], &c);
		dump_words(&t, "f", rt->fe[f].name, NULL, &c, CTR_WORDS(c));
	}
	for (unsigned b = 0; b < rt->nbe; b++) {
		struct lbd_px_counters c;
		lbd_stats_backend(rt, &rt->be[b], &c);
		dump_words(&t, "b", rt->be[b].name, NULL, &c, CTR_WORDS(c));
	}
	for (unsigned i = 0; i < rt->nservers; i++) {
		struct lbd_srv_counters c;
		lbd_stats_server(rt, rt->servers[i], &c);
		dump_words(&t, "c", rt->servers[i]->be->name, rt->servers[i]->name, &c,
			   CTR_WORDS(c));
	}
	return t.s;
}

/* Adds "<n> i:v..." (after the names) to ctr if n is this build's word count. */
static bool
add_words(void *ctr, size_t nwords, const char *p)
{
	uint64_t w[CTR_MAX_WORDS];
	unsigned long long v;
	size_t n, i;
	int used = 0;

	if (sscanf(p, " %zu%n", &n, &used) != 1 || n != nwords)
		return false;
	memcpy(w, ctr, nwords * sizeof(uint64_t));
	for (p += used; sscanf(p, " %zu:%llu%n", &i, &v, &used) == 2; p += used)
		if (i < nwords)
			w[i] += v;
	memcpy(ctr, w, nwords * sizeof(uint64_t));
	return true;
}

/* Lookups by name for the state lines. The dump lists objects in config order, and a new
 * config mostly keeps it: each lookup tries the one after the previous match first, so a
 * 1,000-backend state applies in linear time. */
static struct {
	unsigned fe, be, srv;
} hint;

static struct lbd_frontend *
find_frontend(struct lbd_runtime *rt, const char *name)
{
	for (unsigned k = 0; k < rt->nfe; k++) {
		unsigned f = (hint.fe + k) % rt->nfe;
		if (strcmp(rt->fe[f].name, name) == 0) {
			hint.fe = f + 1;
			return &rt->fe[f];
		}
	}
	return NULL;
}

static struct lbd_backend *
find_backend(struct lbd_runtime *rt, const char *name)
{
	for (unsigned k = 0; k < rt->nbe; k++) {
		unsigned b = (hint.be + k) % rt->nbe;
		if (strcmp(rt->be[b].name, name) == 0) {
			hint.be = b + 1;
			return &rt->be[b];
		}
	}
	return NULL;
}

static struct lbd_server *
find_server(struct lbd_runtime *rt, const char *be, const char *name)
{
	for (unsigned k = 0; k < rt->nservers; k++) {
		unsigned i = (hint.srv + k) % rt->nservers;
		struct lbd_server *srv = rt->servers[i];
		if (strcmp(srv->name, name) == 0 && strcmp(srv->be->name, be) == 0) {
			hint.srv = i + 1;
			return srv;
		}
	}
	return NULL;
}

/* "s be srv admin cfg-admin weight cfg-weight maxconn cfg-maxconn" */
static int
apply_server(struct lbd_runtime *rt, const char *line)
{
	char be[256], sv[256];
	struct lbd_server *srv;
	int v[6];
	bool any = false;

	if (sscanf(line, "s %255s %255s %d %d %d %d %d %d", be, sv, &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5]) != 8)
		return 0;
	srv = find_server(rt, be, sv);
	if (!srv)
		return 0;
	/* each setting: the run-time value, unless the config line of that setting changed */
	if (v[0] != v[1] && cfg_admin(srv) == v[1] && (unsigned)v[0] <= LBD_SRV_MAINT) {
		srv->admin = v[0];
		any = true;
	}
	if (v[2] != v[3] && cfg_weight(srv) == v[3] && v[2] >= 0) {
		srv->uweight = v[2];
		any = true;
	}
	if (v[4] != v[5] && cfg_maxconn(srv) == v[5] && v[4] >= 0) {
		srv->lb.maxconn = v[4];
		any = true;
	}
	if (any)
		lbd_server_update_weight(srv);
	return any;
}

/* "h be srv words": the server's health (after "s": the admin state is set) */
static void
apply_health(struct lbd_runtime *rt, const char *line)
{
	char be[256], sv[256];
	struct lbd_server *srv;
	int used = 0;

	if (sscanf(line, "h %255s %255s %n", be, sv, &used) != 2 || !used)
		return;
	srv = find_server(rt, be, sv);
	if (srv)
		lbd_health_carry_apply(srv, line + used);
}

/* "f name words", "b name words", "c be srv words": added to thread 0's counters (the
 * new threads have not started: no race) */
static void
apply_counters(struct lbd_runtime *rt, const char *line)
{
	char a[256], b[256];
	int used = 0;

	if (line[0] == 'c' && sscanf(line, "c %255s %255s%n", a, b, &used) == 2) {
		struct lbd_server *srv = find_server(rt, a, b);
		if (srv)
			add_words(&srv->ctr[0], CTR_WORDS(srv->ctr[0]), line + used);
	} else if (sscanf(line + 1, " %255s%n", a, &used) == 1) {
		used += 1;
		if (line[0] == 'f') {
			struct lbd_frontend *fe = find_frontend(rt, a);
			if (fe)
				add_words(&fe->ctr[0], CTR_WORDS(fe->ctr[0]), line + used);
		} else {
			struct lbd_backend *be = find_backend(rt, a);
			if (be)
				add_words(&be->ctr[0], CTR_WORDS(be->ctr[0]), line + used);
		}
	}
}

/* The state text while servers added at run time wait for the threads (apply_dynamic). */
static char *pending_state;
#define CTR_DYN_WORDS 64	/* words of an "add server" line */

/* Re-creates one "d" line's server (lbd/dynsrv.c, as "add server" does), then gives it its
 * run-time settings and counters. Returns true when it exists afterwards. */
static bool
apply_dynamic_line(struct lbd_runtime *rt, const char *line, const char *text)
{
	char *copy = lb_xstrdup(line), *words[CTR_DYN_WORDS], *save = NULL, msg[512];
	int admin, weight, maxconn, used = 0, n = 0;
	struct lbd_server *srv;
	const char *slash;

	if (sscanf(line, "d %d %d %d %n", &admin, &weight, &maxconn, &used) != 3 || !used) {
		free(copy);
		return false;
	}
	for (char *w = strtok_r(copy + used, " ", &save); w && n < CTR_DYN_WORDS;
	     w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	if (n < 2 || lbd_dynsrv_add(rt, words[0], words[1], n - 2, words + 2, msg,
				    sizeof(msg)) < 0) {
		lb_log_sys(LB_LOG_WARNING, "reload: server added at run time not re-created: %s",
			   n < 2 ? "malformed state line" : msg);
		free(copy);
		return false;
	}
	slash = strchr(words[0], '/');
	srv = NULL;
	if (slash && slash - words[0] < 256) {
		char be[256];

		memcpy(be, words[0], (size_t)(slash - words[0]));
		be[slash - words[0]] = '\0';
		srv = find_server(rt, be, slash + 1);
	}
	if (srv) {
		/* its counters (it takes no traffic yet: in maintenance), then its settings */
		char prefix[600];
		size_t pl;

		snprintf(prefix, sizeof(prefix), "c %.*s %s ", (int)(slash - words[0]), words[0],
			 slash + 1);
		pl = strlen(prefix);
		for (const char *p = text; p && *p;) {
			const char *eol = strchr(p, '\n');
			size_t l = eol ? (size_t)(eol - p) : strlen(p);
			if (l > pl && !strncmp(p, prefix, pl)) {
				char *c = lb_xcalloc(1, l + 1);
				memcpy(c, p, l);
				add_words(&srv->ctr[0], CTR_WORDS(srv->ctr[0]), c + pl - 1);
				free(c);
			}
			p = eol ? eol + 1 : NULL;
		}
		if (weight >= 0)
			__atomic_store_n(&srv->uweight, weight, __ATOMIC_RELAXED);
		if (maxconn >= 0)
			__atomic_store_n(&srv->lb.maxconn, maxconn, __ATOMIC_RELAXED);
		if ((unsigned)admin <= LBD_SRV_MAINT)
			lbd_ctl_server_set_admin(srv, admin);
		lbd_server_update_weight(srv);
	}
	free(copy);
	return srv != NULL;
}

int
lbd_mworker_apply_dynamic(struct lbd_runtime *rt)
{
	char *text = pending_state;
	int n = 0;

	pending_state = NULL;
	for (const char *p = text; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t l = eol ? (size_t)(eol - p) : strlen(p);

		if (l > 2 && p[0] == 'd' && p[1] == ' ') {
			char *line = lb_xcalloc(1, l + 1);
			memcpy(line, p, l);
			n += apply_dynamic_line(rt, line, text);
			free(line);
		}
		p = eol ? eol + 1 : NULL;
	}
	free(text);
	if (n)
		lb_log_sys(LB_LOG_NOTICE, "%d server(s) added at run time carried over", n);
	return n;
}

int
lbd_mworker_apply_state(struct lbd_runtime *rt, const char *text)
{
	const char *p = text;
	int changed = 0;

	memset(&hint, 0, sizeof(hint));
	if (!strncmp(text, "d ", 2) || strstr(text, "\nd ")) {
		free(pending_state);
		pending_state = lb_xstrdup(text);	/* for lbd_mworker_apply_dynamic */
	}
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t l = eol ? (size_t)(eol - p) : strlen(p);
		char *line = lb_xcalloc(1, l + 1);

		memcpy(line, p, l);
		if (line[0] == 's' && line[1] == ' ')
			changed += apply_server(rt, line);
		else if (line[0] == 'h' && line[1] == ' ')
			apply_health(rt, line);
		else if (line[0] == 't' && line[1] == ' ')
			apply_table_line(rt, line, lb_now_ms());
		else if ((line[0] == 'f' || line[0] == 'b' || line[0] == 'c') && line[1] == ' ')
			apply_counters(rt, line);
		free(line);
		p = eol ? eol + 1 : NULL;
	}
	return changed;
}

static void
handle_line(const char *line)
{
	if (mw.in_reply) {
		if (strcmp(line, ".") == 0) {
			mw.in_reply = false;
			ask_done(mw.reply_ok, mw.text ? mw.text : "");
		} else {
			text_append(line, strlen(line));
			text_append("\n", 1);
		}
		return;
	}
	if (strncmp(line, "reply ", 6) == 0) {
		mw.in_reply = true;
		mw.reply_ok = strcmp(line + 6, "ok") == 0;
		mw.text_len = 0;
		if (mw.text)
			mw.text[0] = '\0';
		return;
	}
	if (strcmp(line, "state") == 0) {
		char *st = lbd_mworker_dump_state(mw.rt);
		if (write_all("state\n", 6) < 0 || write_all(st, strlen(st)) < 0 ||
		    write_all(".\n", 2) < 0)
			lb_log_sys(LB_LOG_WARNING, "master channel: %s", strerror(errno));
		free(st);
	}
}

static void
channel_cb(evutil_socket_t fd, short what, void *arg)
{
	ssize_t r;

	(void)what;
	(void)arg;
	r = read(fd, mw.in + mw.inlen, sizeof(mw.in) - 1 - mw.inlen);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		/* the master died: nobody supervises us, finish what we have and go */
		lb_log_sys(LB_LOG_ALERT, "the master process is gone: soft-stopping");
		event_del(mw.ev);
		asks_fail_all("the master process is gone");
		raise(SIGUSR1);
		return;
	}
	mw.inlen += (size_t)r;
	mw.in[mw.inlen] = '\0';
	for (char *nl; (nl = strchr(mw.in, '\n'));) {
		*nl = '\0';
		handle_line(mw.in);
		mw.inlen -= (size_t)(nl + 1 - mw.in);
		memmove(mw.in, nl + 1, mw.inlen + 1);
	}
	if (mw.inlen == sizeof(mw.in) - 1) {
		/* a line longer than the buffer (a very long message): cut it there */
		handle_line(mw.in);
		mw.inlen = 0;
	}
}

int
lbd_mworker_attach(struct event_base *base, struct lbd_runtime *rt)
{
	if (!lbd_mworker_active())
		return 0;
	mw.rt = rt;
	mw.asks_tail = &mw.asks;
	mw.ev = event_new(base, lbd_mworker_fd, EV_READ | EV_PERSIST, channel_cb, NULL);
	if (!mw.ev || event_add(mw.ev, NULL) < 0)
		return -1;
	return write_all("ready\n", 6);
}

int
lbd_mworker_ask(const char *what, lbd_mworker_reply_fn fn, void *arg)
{
	struct mw_ask *a;

	if (!lbd_mworker_active() || !mw.ev)
		return -1;
	if (write_all(what, strlen(what)) < 0 || write_all("\n", 1) < 0)
		return -1;
	a = lb_xcalloc(1, sizeof(*a));
	a->fn = fn;
	a->arg = arg;
	*mw.asks_tail = a;
	mw.asks_tail = &a->next;
	return 0;
}

void
lbd_mworker_detach(void)
{
	asks_fail_all("the worker is stopping");
	free(mw.text);
	mw.text = NULL;
	mw.text_len = mw.text_cap = 0;
	if (mw.ev)
		event_free(mw.ev);
	mw.ev = NULL;
	if (lbd_mworker_fd >= 0)
		close(lbd_mworker_fd);
	lbd_mworker_fd = -1;
}

/* lbd/track.c: see track.h */
#include "track.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "stream.h"
#include "thread_types.h"
#include "util.h"

/* ---- tracking ---- */

/* Takes key's entry of tr->table into ref (unless that counter already tracks one, as in
 * HAProxy: the first rule wins), counting a connection and `ev` on it. Returns true when it
 * did. */
static bool
track(struct lb_stk_ref *ref, const struct lb_cfg_track *tr, const struct lb_acl_ctx *ctx,
      unsigned ev, uint64_t now)
{
	unsigned char key[LB_STK_KEY_MAX];
	struct lb_stktable *t = tr->table;
	int klen;

	if (ref->e || !t)
		return false;
	klen = lb_acl_sample_key(tr->key, ctx, (int)t->def.type, key,
				 LB_MIN(t->key_size, sizeof(key)));
	if (klen <= 0)
		return false;
	ref->e = lb_stk_track(t, key, (size_t)klen, LB_STK_EV_CONN | ev, now);
	if (!ref->e)
		return false;
	ref->t = t;
	return true;
}

/* The end of a tracking: conn_cur goes down, with the last events and bytes. */
static void
untrack(struct lb_stk_ref *ref, unsigned ev, uint64_t in, uint64_t out, uint64_t now)
{
	lb_stk_update(ref->t, ref->e, LB_STK_EV_CONN_END | ev, in, out, true, now);
	lb_stktable_maybe_sweep(ref->t, now);
	ref->e = NULL;
	ref->t = NULL;
}

static const struct sockaddr *
cc_dst(const void *arg)
{
	return lbd_cconn_dst((struct lbd_cconn *)(uintptr_t)arg);
}

bool
lbd_track_conn_rules(struct lbd_cconn *cc)
{
	const struct lb_cfg_proxy *px = cc->li->fe->cfg;
	uint64_t now = cc->thr->now_ms;
	struct lb_acl_ctx c;

	memset(&c, 0, sizeof(c));
	if (!(cc->flags & LBD_CC_F_UNIX)) {
		c.src = &cc->cli.sa;
		c.dst = cc_dst;
		c.dst_arg = cc;
	}
	c.fe_name = cc->li->fe->name;
	c.now_ms = now;
	for (const struct lb_cfg_tcp_rule *r = px->tcp_conn_rules; r; r = r->next) {
		if (cc->trk)
			c.sc_conn = cc->trk->sc;
		if (r->acl_cond && !lb_acl_cond_eval(r->acl_cond, &c))
			continue;
		if (r->act == LB_TCP_ACCEPT)
			break;
		if (r->act == LB_TCP_REJECT) {
			lbd_cconn_close(cc);
			return false;
		}
		if (!cc->trk && !(cc->trk = calloc(1, sizeof(*cc->trk))))
			continue;	/* no memory: the connection goes untracked */
		track(&cc->trk->sc[r->track.sc], &r->track, &c, LB_STK_EV_SESS, now);
	}
	return true;
}

enum lbd_inspect
lbd_track_content_inspect(struct lbd_stream *s, struct lbd_acl_ctx *a)
{
	uint64_t now = s->thr->now_ms;

	for (const struct lb_cfg_tcp_rule *r = s->fe->cfg->tcp_cont_rules; r; r = r->next) {
		if (r->acl_cond) {
			enum lb_acl_verdict v = lb_acl_cond_verdict(r->acl_cond, &a->c);
			if (v == LB_ACL_MISS)
				return LBD_INSPECT_WAIT;
			if (v == LB_ACL_FAIL)
				continue;
		}
		if (r->act == LB_TCP_ACCEPT)
			return LBD_INSPECT_ACCEPT;
		if (r->act == LB_TCP_REJECT) {
			s->fe->ctr[s->thr->id].denied_req++;
			return LBD_INSPECT_REJECT;
		}
		if (s->cc->trk && s->cc->trk->sc[r->track.sc].e)
			continue;	/* the connection already tracks that counter */
		/* an HTTP stream is one request: count it too */
		if (track(&s->trk[r->track.sc], &r->track, &a->c,
			  LB_STK_EV_SESS | (a->req ? LB_STK_EV_HTTP_REQ : 0), now))
			s->ntrk++;
	}
	return LBD_INSPECT_ACCEPT;
}

bool
lbd_track_content_rules(struct lbd_stream *s, struct lbd_acl_ctx *a)
{
	/* complete content (an HTTP request head): no rule can wait */
	return lbd_track_content_inspect(s, a) != LBD_INSPECT_REJECT;
}

void
lbd_track_http_rule(struct lbd_stream *s, const struct lb_cfg_http_rule *r, struct lbd_acl_ctx *a)
{
	uint64_t now = s->thr->now_ms;
	const struct lb_stk_ref *ref;
	int sc = r->track->sc;

	if (r->act == LB_ACT_TRACK_SC) {
		if (s->cc->trk && s->cc->trk->sc[sc].e)
			return;	/* the connection already tracks that counter */
		/* this request is the entry's first: count it (HAProxy does the same) */
		if (track(&s->trk[sc], r->track, &a->c, LB_STK_EV_HTTP_REQ, now))
			s->ntrk++;
		return;
	}
	ref = s->trk[sc].e ? &s->trk[sc] : s->cc->trk && s->cc->trk->sc[sc].e ? &s->cc->trk->sc[sc]
									       : NULL;
	if (!ref)
		return;
	if (r->act == LB_ACT_SC_SET_GPT0)
		lb_stk_set(ref->t, ref->e, LB_STK_GPT0, r->track->value, now);
	else
		lb_stk_inc_gpc(ref->t, ref->e, r->act == LB_ACT_SC_INC_GPC1, now);
}

void
lbd_track_http_req(struct lbd_cconn *cc)
{
	for (int i = 0; i < LB_STK_NSC; i++)
		if (cc->trk->sc[i].e)
			lb_stk_count(cc->trk->sc[i].t, cc->trk->sc[i].e, LB_STK_EV_HTTP_REQ,
				     cc->thr->now_ms);
}

/* HAProxy counts 4xx responses (including its own) as HTTP errors. */
static unsigned
stream_events(const struct lbd_stream *s)
{
	return s->status >= 400 && s->status < 500 ? LB_STK_EV_HTTP_ERR : 0;
}

void
lbd_track_stream_end(struct lbd_stream *s)
{
	uint64_t now = s->thr->now_ms;
	unsigned ev = stream_events(s);

	for (int i = 0; i < LB_STK_NSC; i++) {
		if (s->trk[i].e) {
			untrack(&s->trk[i], ev, s->bytes_in, s->bytes_out, now);
		} else if (s->cc && s->cc->trk && s->cc->trk->sc[i].e) {
			const struct lb_stk_ref *r = &s->cc->trk->sc[i];
			if (ev || s->bytes_in || s->bytes_out)
				lb_stk_update(r->t, r->e, ev, s->bytes_in, s->bytes_out, false, now);
		}
	}
	s->ntrk = 0;
}

void
lbd_track_cconn_end(struct lbd_cconn *cc)
{
	for (int i = 0; i < LB_STK_NSC; i++)
		if (cc->trk->sc[i].e)
			untrack(&cc->trk->sc[i], 0, 0, 0, cc->thr->now_ms);
	free(cc->trk);
	cc->trk = NULL;
}


/* ---- control commands ---- */

static struct lb_stktable *
find_table(struct lb_cfg *cfg, const char *name, char *msg, size_t msglen)
{
	for (struct lb_cfg_proxy *px = cfg->proxies; px; px = px->next)
		if (px->stktable && px->name && !strcmp(px->name, name))
			return px->stktable;
	snprintf(msg, msglen, "no stick-table called '%s'", name);
	return NULL;
}

enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };
static const char *const op_names[] = { "eq", "ne", "lt", "le", "gt", "ge", NULL };

struct show_ctx {
	struct lb_stktable *t;
	msgpack_packer *pk;
	msgpack_sbuffer rows;		/* the rows, counted before the array header */
	msgpack_packer rpk;
	uint64_t n;
	/* filter */
	bool has_key;
	unsigned char key[LB_STK_KEY_MAX];
	size_t klen;
	int dt;				/* -1: none */
	int op;
	int64_t val;
};

static bool
filter_ok(const struct show_ctx *sc, const struct lb_stk_snap *s)
{
	int64_t v;

	if (sc->has_key)
		return s->klen == sc->klen && !memcmp(s->key, sc->key, s->klen);
	if (sc->dt < 0)
		return true;
	v = s->v[sc->dt];
	switch (sc->op) {
	case OP_EQ: return v == sc->val;
	case OP_NE: return v != sc->val;
	case OP_LT: return v < sc->val;
	case OP_LE: return v <= sc->val;
	case OP_GT: return v > sc->val;
	default: return v >= sc->val;
	}
}

static bool
show_row(void *arg, const struct lb_stk_snap *s)
{
	struct show_ctx *sc = arg;
	char key[INET6_ADDRSTRLEN + LB_STK_KEY_MAX];
	unsigned n = 3;

	if (!filter_ok(sc, s))
		return true;
	for (int d = 0; d < LB_STK_DT__COUNT; d++)
		n += lb_stktable_stores(sc->t, (enum lb_stk_dt)d);
	msgpack_pack_map(&sc->rpk, n);
	lb_ctl_pack_kv_str(&sc->rpk, "key", lb_stk_key_format(sc->t, s->key, s->klen, key,
							      sizeof(key)));
	lb_ctl_pack_kv_u64(&sc->rpk, "use", s->refs);
	lb_ctl_pack_kv_u64(&sc->rpk, "exp", s->expire_in_ms);
	for (int d = 0; d < LB_STK_DT__COUNT; d++)
		if (lb_stktable_stores(sc->t, (enum lb_stk_dt)d))
			lb_ctl_pack_kv_i64(&sc->rpk, lb_stk_dt_name((enum lb_stk_dt)d), s->v[d]);
	sc->n++;
	return sc->n < 100000;	/* a bounded reply */
}

static int
show_tables(struct lb_cfg *cfg, msgpack_packer *pk)
{
	unsigned n = 0;

	for (struct lb_cfg_proxy *px = cfg->proxies; px; px = px->next)
		n += px->stktable != NULL;
	msgpack_pack_array(pk, n);
	for (struct lb_cfg_proxy *px = cfg->proxies; px; px = px->next) {
		struct lb_stktable *t = px->stktable;
		char store[512];
		size_t len = 0;

		if (!t)
			continue;
		lb_stktable_maybe_sweep(t, lb_now_ms());	/* "used" without expired entries */
		store[0] = '\0';
		for (int d = 0; d < LB_STK_DT__COUNT; d++)
			if (lb_stktable_stores(t, (enum lb_stk_dt)d) && len < sizeof(store))
				len += (size_t)snprintf(store + len, sizeof(store) - len, "%s%s",
							len ? "," : "", lb_stk_dt_name((enum lb_stk_dt)d));
		msgpack_pack_map(pk, 6);
		lb_ctl_pack_kv_str(pk, "table", t->name);
		lb_ctl_pack_kv_str(pk, "type", lb_stk_key_type_name(t->def.type));
		lb_ctl_pack_kv_u64(pk, "size", t->def.size);
		lb_ctl_pack_kv_u64(pk, "used", lb_stktable_count(t));
		lb_ctl_pack_kv_u64(pk, "expire_ms", t->def.expire_ms);
		lb_ctl_pack_kv_str(pk, "store", store);
	}
	return LB_CTL_ST_OK;
}

/* "key <k>" or "data.<type> <op> <value>" (an optional leading "filter" word). */
static int
parse_filter(struct show_ctx *sc, int argc, char **argv, char *msg, size_t msglen)
{
	int i = 0;
	long long v;
	int kl;

	if (i < argc && !strcmp(argv[i], "filter"))
		i++;
	if (i == argc)
		return 0;
	if (!strcmp(argv[i], "key") && argc == i + 2) {
		kl = lb_stk_key_parse(sc->t, argv[i + 1], sc->key);
		if (kl < 0) {
			snprintf(msg, msglen, "'%s' is not a key of table '%s' (type %s)",
				 argv[i + 1], sc->t->name, lb_stk_key_type_name(sc->t->def.type));
			return LB_CTL_ST_USAGE;
		}
		sc->klen = (size_t)kl;
		sc->has_key = true;
		return 0;
	}
	if (!strncmp(argv[i], "data.", 5) && argc == i + 3) {
		sc->dt = lb_stk_dt_find(argv[i] + 5, strlen(argv[i] + 5));
		if (sc->dt < 0 || !lb_stktable_stores(sc->t, (enum lb_stk_dt)sc->dt)) {
			snprintf(msg, msglen, "table '%s' does not store '%s'", sc->t->name,
				 argv[i] + 5);
			return LB_CTL_ST_USAGE;
		}
		for (sc->op = 0; op_names[sc->op] && strcmp(op_names[sc->op], argv[i + 1]); sc->op++)
			;
		if (!op_names[sc->op]) {
			snprintf(msg, msglen, "unknown operator '%s' (eq, ne, lt, le, gt, ge)",
				 argv[i + 1]);
			return LB_CTL_ST_USAGE;
		}
		if (lb_parse_int(argv[i + 2], INT64_MIN + 1, INT64_MAX, &v) < 0) {
			snprintf(msg, msglen, "'%s' is not an integer", argv[i + 2]);
			return LB_CTL_ST_USAGE;
		}
		sc->val = v;
		return 0;
	}
	snprintf(msg, msglen, "usage: show table <table> [key <key> | data.<type> "
		 "eq|ne|lt|le|gt|ge <value>]");
	return LB_CTL_ST_USAGE;
}

int
lbd_track_ctl_show(struct lb_cfg *cfg, int argc, char **argv, msgpack_packer *pk, char *msg,
		   size_t msglen)
{
	struct show_ctx *sc;
	int st;

	if (!argc)
		return show_tables(cfg, pk);
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return LB_CTL_ST_FAILED;
	sc->dt = -1;
	if (!(sc->t = find_table(cfg, argv[0], msg, msglen))) {
		free(sc);
		return LB_CTL_ST_NOT_FOUND;
	}
	if ((st = parse_filter(sc, argc - 1, argv + 1, msg, msglen)) != 0) {
		free(sc);
		return st;
	}
	msgpack_sbuffer_init(&sc->rows);
	msgpack_packer_init(&sc->rpk, &sc->rows, msgpack_sbuffer_write);
	lb_stktable_dump(sc->t, lb_now_ms(), NULL, show_row, sc);
	msgpack_pack_array(pk, (size_t)sc->n);
	if (sc->rows.size)
		msgpack_pack_bin_body(pk, sc->rows.data, sc->rows.size);	/* raw: already packed */
	msgpack_sbuffer_destroy(&sc->rows);
	free(sc);
	return LB_CTL_ST_OK;
}

int
lbd_track_ctl_set(struct lb_cfg *cfg, int argc, char **argv, char *msg, size_t msglen)
{
	unsigned char key[LB_STK_KEY_MAX];
	struct lb_stktable *t;
	uint64_t now = lb_now_ms();
	int kl, nset = 0;

	if (!(t = find_table(cfg, argv[0], msg, msglen)))
		return LB_CTL_ST_NOT_FOUND;
	if (argc < 5 || (argc - 3) % 2) {
		snprintf(msg, msglen, "usage: set table <table> key <key> data.<type> <value> "
			 "[data.<type> <value>]...");
		return LB_CTL_ST_USAGE;
	}
	if ((kl = lb_stk_key_parse(t, argv[2], key)) < 0) {
		snprintf(msg, msglen, "'%s' is not a key of table '%s' (type %s)", argv[2], t->name,
			 lb_stk_key_type_name(t->def.type));
		return LB_CTL_ST_USAGE;
	}
	/* check every pair before changing anything */
	for (int i = 3; i < argc; i += 2) {
		long long v;
		int dt = strncmp(argv[i], "data.", 5) ? -1
				 : lb_stk_dt_find(argv[i] + 5, strlen(argv[i] + 5));
		if (dt < 0 || !lb_stktable_stores(t, (enum lb_stk_dt)dt)) {
			snprintf(msg, msglen, "table '%s' does not store '%s' (data.<type>)", t->name,
				 argv[i]);
			return LB_CTL_ST_USAGE;
		}
		if (lb_parse_int(argv[i + 1], 0, INT64_MAX, &v) < 0) {
			snprintf(msg, msglen, "'%s' is not an integer >= 0", argv[i + 1]);
			return LB_CTL_ST_USAGE;
		}
	}
	for (int i = 3; i < argc; i += 2) {
		long long v = 0;
		int dt = lb_stk_dt_find(argv[i] + 5, strlen(argv[i] + 5));
		lb_parse_int(argv[i + 1], 0, INT64_MAX, &v);
		if (!lb_stk_key_set(t, key, (size_t)kl, (enum lb_stk_dt)dt, v, now)) {
			snprintf(msg, msglen, "table '%s' is full of tracked entries", t->name);
			return LB_CTL_ST_FAILED;
		}
		nset++;
	}
	snprintf(msg, msglen, "%s: %s updated (%d value%s)", t->name, argv[2], nset,
		 nset > 1 ? "s" : "");
	return LB_CTL_ST_OK;
}

int
lbd_track_ctl_clear(struct lb_cfg *cfg, int argc, char **argv, char *msg, size_t msglen)
{
	unsigned char key[LB_STK_KEY_MAX];
	struct lb_stktable *t;
	uint64_t n;
	int kl;

	if (!(t = find_table(cfg, argv[0], msg, msglen)))
		return LB_CTL_ST_NOT_FOUND;
	if (argc == 1) {
		n = lb_stk_clear(t, NULL, 0, lb_now_ms());
		snprintf(msg, msglen, "%s: %" PRIu64 " entr%s removed%s", t->name, n,
			 n == 1 ? "y" : "ies", lb_stktable_count(t) ? " (tracked ones stay)" : "");
		return LB_CTL_ST_OK;
	}
	if (argc != 3 || strcmp(argv[1], "key")) {
		snprintf(msg, msglen, "usage: clear table <table> [key <key>]");
		return LB_CTL_ST_USAGE;
	}
	if ((kl = lb_stk_key_parse(t, argv[2], key)) < 0) {
		snprintf(msg, msglen, "'%s' is not a key of table '%s' (type %s)", argv[2], t->name,
			 lb_stk_key_type_name(t->def.type));
		return LB_CTL_ST_USAGE;
	}
	n = lb_stk_clear(t, key, (size_t)kl, lb_now_ms());
	if (!n) {
		snprintf(msg, msglen, "%s: no removable entry for key %s (absent, or tracked)",
			 t->name, argv[2]);
		return LB_CTL_ST_NOT_FOUND;
	}
	snprintf(msg, msglen, "%s: key %s removed", t->name, argv[2]);
	return LB_CTL_ST_OK;
}

/* common/stktable.c: see stktable.h */
#include "stktable.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A rate: events in the current period, and in the previous one (HAProxy's freq_ctr). */
struct stk_rate {
	uint64_t tick;			/* start of the current period, 0: never counted */
	uint32_t curr, prev;
};

struct lb_stk_entry {
	struct lb_stk_entry *hnext;	/* hash chain */
	struct lb_stk_entry *lprev, *lnext;	/* shard's LRU list, most recent first */
	uint64_t expire;		/* 0: never */
	uint64_t seq;
	uint32_t hash;
	uint32_t refs;
	uint16_t klen;
	_Alignas(8) unsigned char data[];	/* key (key_size bytes), then the stored types */
};

/* Aligned on cache lines so that threads working on different shards do not share one. */
struct lb_stk_shard {
	_Alignas(64) pthread_mutex_t lock;
	uint64_t seq;			/* last update sequence number of the shard */
	struct lb_stk_entry **buckets;	/* made on first insert */
	uint32_t nbuckets;
	uint64_t count;
	struct lb_stk_entry *lru_head, *lru_tail;
};

/* ---- data types ---- */

const char *const lb_stk_dt_names[] = {
	[LB_STK_SERVER_ID] = "server_id",
	[LB_STK_GPT0] = "gpt0",
	[LB_STK_GPC0] = "gpc0",
	[LB_STK_GPC0_RATE] = "gpc0_rate",
	[LB_STK_GPC1] = "gpc1",
	[LB_STK_CONN_CNT] = "conn_cnt",
	[LB_STK_CONN_RATE] = "conn_rate",
	[LB_STK_CONN_CUR] = "conn_cur",
	[LB_STK_SESS_CNT] = "sess_cnt",
	[LB_STK_SESS_RATE] = "sess_rate",
	[LB_STK_HTTP_REQ_CNT] = "http_req_cnt",
	[LB_STK_HTTP_REQ_RATE] = "http_req_rate",
	[LB_STK_HTTP_ERR_CNT] = "http_err_cnt",
	[LB_STK_HTTP_ERR_RATE] = "http_err_rate",
	[LB_STK_BYTES_IN_CNT] = "bytes_in_cnt",
	[LB_STK_BYTES_IN_RATE] = "bytes_in_rate",
	[LB_STK_BYTES_OUT_CNT] = "bytes_out_cnt",
	[LB_STK_BYTES_OUT_RATE] = "bytes_out_rate",
	[LB_STK_DT__COUNT] = NULL,
};

static const uint32_t rate_types = 1u << LB_STK_GPC0_RATE | 1u << LB_STK_CONN_RATE |
				   1u << LB_STK_SESS_RATE | 1u << LB_STK_HTTP_REQ_RATE |
				   1u << LB_STK_HTTP_ERR_RATE | 1u << LB_STK_BYTES_IN_RATE |
				   1u << LB_STK_BYTES_OUT_RATE;

int
lb_stk_dt_find(const char *name, size_t len)
{
	for (int i = 0; i < LB_STK_DT__COUNT; i++)
		if (strlen(lb_stk_dt_names[i]) == len && !memcmp(lb_stk_dt_names[i], name, len))
			return i;
	return -1;
}

const char *
lb_stk_dt_name(enum lb_stk_dt dt)
{
	return dt < LB_STK_DT__COUNT ? lb_stk_dt_names[dt] : "?";
}

bool
lb_stk_dt_is_rate(enum lb_stk_dt dt)
{
	return rate_types & (1u << dt);
}

static const char *const key_type_names[] = { "ip", "ipv6", "integer", "string" };

int
lb_stk_key_type_find(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(name, key_type_names[i]))
			return i;
	return -1;
}

const char *
lb_stk_key_type_name(enum lb_stk_key_type t)
{
	return key_type_names[t];
}

/* ---- rates ---- */

static void
rate_roll(struct stk_rate *r, uint32_t period, uint64_t now)
{
	uint64_t el;

	if (!r->tick) {
		r->tick = now ? now : 1;
		return;
	}
	if (now < r->tick)
		return;
	el = now - r->tick;
	if (el < period)
		return;
	r->prev = el < 2 * (uint64_t)period ? r->curr : 0;
	r->curr = 0;
	r->tick = now - el % period;
}

static void
rate_add(struct stk_rate *r, uint32_t period, uint64_t now, uint64_t n)
{
	rate_roll(r, period, now);
	r->curr = (uint32_t)LB_MIN((uint64_t)r->curr + n, UINT32_MAX);
}

/* Events over the last period: the current period's plus the share of the previous one
 * that the sliding window still covers. */
static int64_t
rate_read(const struct stk_rate *r, uint32_t period, uint64_t now)
{
	uint64_t curr = r->curr, prev = r->prev, el;

	if (!r->tick || !period)
		return (int64_t)curr;
	el = now > r->tick ? now - r->tick : 0;
	if (el >= 2 * (uint64_t)period)
		return 0;
	if (el >= period) {
		prev = curr;
		curr = 0;
		el -= period;
	}
	return (int64_t)(curr + (prev * (period - el)) / period);
}

/* ---- tables ---- */

/* Places the stored data types after the key: off[] and entry_size. */
static void
layout(struct lb_stktable *t)
{
	size_t off = (t->key_size + 7) & ~(size_t)7;

	for (int i = 0; i < LB_STK_DT__COUNT; i++) {
		t->off[i] = -1;
		if (!(t->def.store & (1u << i)))
			continue;
		t->off[i] = (int16_t)off;
		off += lb_stk_dt_is_rate((enum lb_stk_dt)i) ? sizeof(struct stk_rate) : 8;
	}
	t->entry_size = sizeof(struct lb_stk_entry) + off;
}

void
lb_stktable_add_store(struct lb_stktable *t, enum lb_stk_dt dt)
{
	if (t->def.store & (1u << dt))
		return;
	if (lb_stktable_count(t))
		abort();	/* the layout of existing entries would change */
	t->def.store |= 1u << dt;
	layout(t);
}

struct lb_stktable *
lb_stktable_new(const char *name, const struct lb_stktable_def *def)
{
	struct lb_stktable *t = lb_xcalloc(1, sizeof(*t));

	t->name = lb_xstrdup(name);
	t->def = *def;
	switch (def->type) {
	case LB_STK_KEY_IP:
		t->key_size = 4;
		break;
	case LB_STK_KEY_IPV6:
		t->key_size = 16;
		break;
	case LB_STK_KEY_INTEGER:
		t->key_size = 8;
		break;
	case LB_STK_KEY_STRING:
		t->key_size = def->key_len ? def->key_len : 32;
		break;
	}
	t->def.key_len = (unsigned)t->key_size;
	layout(t);
	t->nshards = def->size >= 1024 ? 16 : 1;
	t->shard_max = (def->size + t->nshards - 1) / t->nshards;
	if (!t->shard_max)
		t->shard_max = 1;
	t->shards = aligned_alloc(64, t->nshards * sizeof(*t->shards));
	if (!t->shards)
		abort();
	memset(t->shards, 0, t->nshards * sizeof(*t->shards));
	for (unsigned i = 0; i < t->nshards; i++)
		pthread_mutex_init(&t->shards[i].lock, NULL);
	return t;
}

static void
shard_free_all(struct lb_stk_shard *sh)
{
	struct lb_stk_entry *e = sh->lru_head, *n;

	for (; e; e = n) {
		n = e->lnext;
		free(e);
	}
	free(sh->buckets);
	sh->buckets = NULL;
	sh->lru_head = sh->lru_tail = NULL;
	sh->count = 0;
}

void
lb_stktable_free(struct lb_stktable *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < t->nshards; i++) {
		shard_free_all(&t->shards[i]);
		pthread_mutex_destroy(&t->shards[i].lock);
	}
	free(t->shards);
	free(t->name);
	free(t);
}

uint64_t
lb_stktable_count(struct lb_stktable *t)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < t->nshards; i++) {
		pthread_mutex_lock(&t->shards[i].lock);
		n += t->shards[i].count;
		pthread_mutex_unlock(&t->shards[i].lock);
	}
	return n;
}

/* ---- keys ---- */

int
lb_stk_key_parse(const struct lb_stktable *t, const char *s, unsigned char *out)
{
	long long v;
	size_t n;

	switch (t->def.type) {
	case LB_STK_KEY_IP:
		return inet_pton(AF_INET, s, out) == 1 ? 4 : -1;
	case LB_STK_KEY_IPV6: {
		struct in_addr a4;
		if (inet_pton(AF_INET6, s, out) == 1)
			return 16;
		if (inet_pton(AF_INET, s, &a4) != 1)
			return -1;
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4, 4);
		return 16;
	}
	case LB_STK_KEY_INTEGER:
		if (lb_parse_int(s, INT64_MIN + 1, INT64_MAX, &v) < 0)
			return -1;
		{
			int64_t i = v;
			memcpy(out, &i, 8);
		}
		return 8;
	case LB_STK_KEY_STRING:
		n = LB_MIN(strlen(s), t->key_size);
		memcpy(out, s, n);
		return (int)n;
	}
	return -1;
}

char *
lb_stk_key_format(const struct lb_stktable *t, const unsigned char *key, size_t klen, char *out,
		  size_t cap)
{
	int64_t i;

	switch (t->def.type) {
	case LB_STK_KEY_IP:
		if (!inet_ntop(AF_INET, key, out, (socklen_t)cap))
			snprintf(out, cap, "?");
		break;
	case LB_STK_KEY_IPV6:
		if (!inet_ntop(AF_INET6, key, out, (socklen_t)cap))
			snprintf(out, cap, "?");
		break;
	case LB_STK_KEY_INTEGER:
		memcpy(&i, key, 8);
		snprintf(out, cap, "%" PRId64, i);
		break;
	case LB_STK_KEY_STRING:
		snprintf(out, cap, "%.*s", (int)klen, (const char *)key);
		break;
	}
	return out;
}

/* ---- entries (shard locked) ---- */

static struct lb_stk_shard *
shard_of(struct lb_stktable *t, uint32_t h)
{
	return &t->shards[(h >> 24) % t->nshards];
}

static void
lru_unlink(struct lb_stk_shard *sh, struct lb_stk_entry *e)
{
	if (e->lprev)
		e->lprev->lnext = e->lnext;
	else
		sh->lru_head = e->lnext;
	if (e->lnext)
		e->lnext->lprev = e->lprev;
	else
		sh->lru_tail = e->lprev;
	e->lprev = e->lnext = NULL;
}

static void
lru_push(struct lb_stk_shard *sh, struct lb_stk_entry *e)
{
	e->lprev = NULL;
	e->lnext = sh->lru_head;
	if (sh->lru_head)
		sh->lru_head->lprev = e;
	sh->lru_head = e;
	if (!sh->lru_tail)
		sh->lru_tail = e;
}

/* An update: most recent in the LRU, expiry pushed back, a new sequence number. */
static void
touch(struct lb_stktable *t, struct lb_stk_shard *sh, struct lb_stk_entry *e, uint64_t now)
{
	if (sh->lru_head != e) {
		lru_unlink(sh, e);
		lru_push(sh, e);
	}
	e->expire = t->def.expire_ms ? now + t->def.expire_ms : 0;
	e->seq = ++sh->seq;	/* per shard: no cache line shared by every update */
}

static bool
expired(const struct lb_stk_entry *e, uint64_t now)
{
	return !e->refs && e->expire && now >= e->expire;
}

static void
entry_remove(struct lb_stk_shard *sh, struct lb_stk_entry *e)
{
	struct lb_stk_entry **pp = &sh->buckets[e->hash & (sh->nbuckets - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(sh, e);
	sh->count--;
	free(e);
}

static struct lb_stk_entry *
entry_find(struct lb_stk_shard *sh, uint32_t h, const void *key, size_t klen, uint64_t now)
{
	struct lb_stk_entry *e;

	if (!sh->buckets)
		return NULL;
	for (e = sh->buckets[h & (sh->nbuckets - 1)]; e; e = e->hnext) {
		if (e->hash != h || e->klen != klen || memcmp(e->data, key, klen))
			continue;
		if (expired(e, now)) {
			entry_remove(sh, e);
			return NULL;
		}
		return e;
	}
	return NULL;
}

/* Room for one more entry: the least recently used unreferenced one goes (looking at a
 * bounded number from the tail, so a table full of tracked entries costs little). */
static bool
make_room(struct lb_stktable *t, struct lb_stk_shard *sh)
{
	struct lb_stk_entry *e = sh->lru_tail;

	if (sh->count < t->shard_max)
		return true;
	for (int n = 0; e && n < 64; n++, e = e->lprev) {
		if (!e->refs) {
			entry_remove(sh, e);
			return true;
		}
	}
	return false;
}

static struct lb_stk_entry *
entry_get(struct lb_stktable *t, struct lb_stk_shard *sh, uint32_t h, const void *key,
	  size_t klen, uint64_t now)
{
	struct lb_stk_entry *e = entry_find(sh, h, key, klen, now);

	if (e)
		return e;
	if (!sh->buckets) {
		uint32_t nb = 16;
		while (nb < t->shard_max / 2 && nb < (1u << 16))
			nb <<= 1;
		sh->buckets = calloc(nb, sizeof(*sh->buckets));
		if (!sh->buckets)
			return NULL;
		sh->nbuckets = nb;
	}
	if (!make_room(t, sh))
		return NULL;
	e = calloc(1, t->entry_size);
	if (!e)
		return NULL;
	e->hash = h;
	e->klen = (uint16_t)klen;
	memcpy(e->data, key, klen);
	e->hnext = sh->buckets[h & (sh->nbuckets - 1)];
	sh->buckets[h & (sh->nbuckets - 1)] = e;
	lru_push(sh, e);
	sh->count++;
	touch(t, sh, e, now);
	return e;
}

static void *
slot(const struct lb_stktable *t, struct lb_stk_entry *e, enum lb_stk_dt dt)
{
	return t->off[dt] >= 0 ? e->data + t->off[dt] : NULL;
}

static void
add(struct lb_stktable *t, struct lb_stk_entry *e, enum lb_stk_dt dt, int64_t n, uint64_t now)
{
	void *p = slot(t, e, dt);

	if (!p)
		return;
	if (lb_stk_dt_is_rate(dt)) {
		if (n > 0)
			rate_add(p, t->def.period_ms[dt], now, (uint64_t)n);
		else
			rate_roll(p, t->def.period_ms[dt], now);
	} else {
		int64_t *v = p;
		*v += n;
		if (*v < 0)
			*v = 0;
	}
}

static int64_t
read_dt(const struct lb_stktable *t, struct lb_stk_entry *e, enum lb_stk_dt dt, uint64_t now)
{
	void *p = slot(t, e, dt);

	if (lb_stk_dt_is_rate(dt))
		return rate_read(p, t->def.period_ms[dt], now);
	return *(int64_t *)p;
}

static uint32_t
key_hash(const void *key, size_t klen)
{
	uint32_t h = lb_hash32(key, klen);

	return h ? h : 1;
}

static bool
key_ok(const struct lb_stktable *t, size_t klen)
{
	return klen && klen <= t->key_size;
}

/* ---- entries held by trackers ---- */

struct lb_stk_entry *
lb_stk_acquire(struct lb_stktable *t, const void *key, size_t klen, uint64_t now)
{
	uint32_t h;
	struct lb_stk_shard *sh;
	struct lb_stk_entry *e;

	if (!key_ok(t, klen))
		return NULL;
	h = key_hash(key, klen);
	sh = shard_of(t, h);
	pthread_mutex_lock(&sh->lock);
	e = entry_get(t, sh, h, key, klen, now);
	if (e) {
		e->refs++;
		touch(t, sh, e, now);
	}
	pthread_mutex_unlock(&sh->lock);
	return e;
}

void
lb_stk_release(struct lb_stktable *t, struct lb_stk_entry *e, uint64_t now)
{
	struct lb_stk_shard *sh = shard_of(t, e->hash);

	pthread_mutex_lock(&sh->lock);
	if (e->refs)
		e->refs--;
	/* the expiry starts when the last tracker leaves */
	if (!e->refs && t->def.expire_ms)
		e->expire = now + t->def.expire_ms;
	pthread_mutex_unlock(&sh->lock);
}

/* The counters of events (shard locked). */
static void
apply(struct lb_stktable *t, struct lb_stk_entry *e, unsigned ev, uint64_t now)
{
	if (ev & LB_STK_EV_CONN) {
		add(t, e, LB_STK_CONN_CNT, 1, now);
		add(t, e, LB_STK_CONN_RATE, 1, now);
		add(t, e, LB_STK_CONN_CUR, 1, now);
	}
	if (ev & LB_STK_EV_CONN_END)
		add(t, e, LB_STK_CONN_CUR, -1, now);
	if (ev & LB_STK_EV_SESS) {
		add(t, e, LB_STK_SESS_CNT, 1, now);
		add(t, e, LB_STK_SESS_RATE, 1, now);
	}
	if (ev & LB_STK_EV_HTTP_REQ) {
		add(t, e, LB_STK_HTTP_REQ_CNT, 1, now);
		add(t, e, LB_STK_HTTP_REQ_RATE, 1, now);
	}
	if (ev & LB_STK_EV_HTTP_ERR) {
		add(t, e, LB_STK_HTTP_ERR_CNT, 1, now);
		add(t, e, LB_STK_HTTP_ERR_RATE, 1, now);
	}
}

static void
apply_bytes(struct lb_stktable *t, struct lb_stk_entry *e, uint64_t in, uint64_t out,
	    uint64_t now)
{
	if (!in && !out)
		return;
	add(t, e, LB_STK_BYTES_IN_CNT, (int64_t)in, now);
	add(t, e, LB_STK_BYTES_IN_RATE, (int64_t)in, now);
	add(t, e, LB_STK_BYTES_OUT_CNT, (int64_t)out, now);
	add(t, e, LB_STK_BYTES_OUT_RATE, (int64_t)out, now);
}

void
lb_stk_count(struct lb_stktable *t, struct lb_stk_entry *e, unsigned ev, uint64_t now)
{
	struct lb_stk_shard *sh = shard_of(t, e->hash);

	pthread_mutex_lock(&sh->lock);
	apply(t, e, ev, now);
	touch(t, sh, e, now);
	pthread_mutex_unlock(&sh->lock);
}

void
lb_stk_add_bytes(struct lb_stktable *t, struct lb_stk_entry *e, uint64_t in, uint64_t out,
		 uint64_t now)
{
	struct lb_stk_shard *sh = shard_of(t, e->hash);

	pthread_mutex_lock(&sh->lock);
	apply_bytes(t, e, in, out, now);
	touch(t, sh, e, now);
	pthread_mutex_unlock(&sh->lock);
}

struct lb_stk_entry *
lb_stk_track(struct lb_stktable *t, const void *key, size_t klen, unsigned ev, uint64_t now)
{
	uint32_t h;
	struct lb_stk_shard *sh;
	struct lb_stk_entry *e;

	if (!key_ok(t, klen))
		return NULL;
	h = key_hash(key, klen);
	sh = shard_of(t, h);
	pthread_mutex_lock(&sh->lock);
	e = entry_get(t, sh, h, key, klen, now);
	if (e) {
		e->refs++;
		apply(t, e, ev, now);
		touch(t, sh, e, now);
	}
	pthread_mutex_unlock(&sh->lock);
	return e;
}

void
lb_stk_update(struct lb_stktable *t, struct lb_stk_entry *e, unsigned ev, uint64_t in,
	      uint64_t out, bool release, uint64_t now)
{
	struct lb_stk_shard *sh = shard_of(t, e->hash);

	pthread_mutex_lock(&sh->lock);
	apply(t, e, ev, now);
	apply_bytes(t, e, in, out, now);
	touch(t, sh, e, now);
	if (release && e->refs)
		e->refs--;
	pthread_mutex_unlock(&sh->lock);
}

int64_t
lb_stk_inc_gpc(struct lb_stktable *t, struct lb_stk_entry *e, int idx, uint64_t now)
{
	struct lb_stk_shard *sh = shard_of(t, e->hash);
	enum lb_stk_dt dt = idx ? LB_STK_GPC1 : LB_STK_GPC0;
	int64_t v = -1;

	pthread_mutex_lock(&sh->lock);
	if (!idx)
		add(t, e, LB_STK_GPC0_RATE, 1, now);
	if (lb_stktable_stores(t, dt)) {
		add(t, e, dt, 1, now);
		v = read_dt(t, e, dt, now);
	}
	touch(t, sh, e, now);
	pthread_mutex_unlock(&sh->lock);
	return v;
}

int64_t
lb_stk_clr_gpc(struct lb_stktable *t, struct lb_stk_entry *e, int idx, uint64_t now)
{
	struct lb_stk_shard *sh = shard_of(t, e->hash);
	enum lb_stk_dt dt = idx ? LB_STK_GPC1 : LB_STK_GPC0;
	int64_t v = -1;

	if (!lb_stktable_stores(t, dt))
		return -1;
	pthread_mutex_lock(&sh->lock);
	v = read_dt(t, e, dt, now);
	*(int64_t *)slot(t, e, dt) = 0;
	touch(t, sh, e, now);
	pthread_mutex_unlock(&sh->lock);
	return v;
}

static void
set_locked(struct lb_stktable *t, struct lb_stk_entry *e, enum lb_stk_dt dt, int64_t v,
	   uint64_t now)
{
	void *p = slot(t, e, dt);

	if (v < 0)
		v = 0;
	if (lb_stk_dt_is_rate(dt)) {
		struct stk_rate *r = p;
		rate_roll(r, t->def.period_ms[dt], now);
		r->curr = (uint32_t)LB_MIN((uint64_t)v, UINT32_MAX);
		r->prev = 0;
	} else {
		*(int64_t *)p = v;
	}
}

bool
lb_stk_set(struct lb_stktable *t, struct lb_stk_entry *e, enum lb_stk_dt dt, int64_t v,
	   uint64_t now)
{
	struct lb_stk_shard *sh = shard_of(t, e->hash);

	if (!lb_stktable_stores(t, dt))
		return false;
	pthread_mutex_lock(&sh->lock);
	set_locked(t, e, dt, v, now);
	touch(t, sh, e, now);
	pthread_mutex_unlock(&sh->lock);
	return true;
}

bool
lb_stk_read(struct lb_stktable *t, struct lb_stk_entry *e, enum lb_stk_dt dt, uint64_t now,
	    int64_t *out)
{
	struct lb_stk_shard *sh = shard_of(t, e->hash);

	if (!lb_stktable_stores(t, dt))
		return false;
	pthread_mutex_lock(&sh->lock);
	*out = read_dt(t, e, dt, now);
	pthread_mutex_unlock(&sh->lock);
	return true;
}

/* ---- by key ---- */

bool
lb_stk_lookup_read(struct lb_stktable *t, const void *key, size_t klen, enum lb_stk_dt dt,
		   uint64_t now, int64_t *out)
{
	uint32_t h;
	struct lb_stk_shard *sh;
	struct lb_stk_entry *e;

	if (!lb_stktable_stores(t, dt))
		return false;
	*out = 0;
	if (!key_ok(t, klen))
		return true;
	h = key_hash(key, klen);
	sh = shard_of(t, h);
	pthread_mutex_lock(&sh->lock);
	e = entry_find(sh, h, key, klen, now);
	if (e)
		*out = read_dt(t, e, dt, now);
	pthread_mutex_unlock(&sh->lock);
	return true;
}

bool
lb_stk_key_set(struct lb_stktable *t, const void *key, size_t klen, enum lb_stk_dt dt,
	       int64_t v, uint64_t now)
{
	uint32_t h;
	struct lb_stk_shard *sh;
	struct lb_stk_entry *e;

	if (!lb_stktable_stores(t, dt) || !key_ok(t, klen))
		return false;
	h = key_hash(key, klen);
	sh = shard_of(t, h);
	pthread_mutex_lock(&sh->lock);
	e = entry_get(t, sh, h, key, klen, now);
	if (e) {
		set_locked(t, e, dt, v, now);
		touch(t, sh, e, now);
	}
	pthread_mutex_unlock(&sh->lock);
	return e != NULL;
}

uint64_t
lb_stk_clear(struct lb_stktable *t, const void *key, size_t klen, uint64_t now)
{
	uint64_t n = 0;

	if (key) {
		uint32_t h;
		struct lb_stk_shard *sh;
		struct lb_stk_entry *e;

		if (!key_ok(t, klen))
			return 0;
		h = key_hash(key, klen);
		sh = shard_of(t, h);
		pthread_mutex_lock(&sh->lock);
		e = entry_find(sh, h, key, klen, now);
		if (e && !e->refs) {
			entry_remove(sh, e);
			n = 1;
		}
		pthread_mutex_unlock(&sh->lock);
		return n;
	}
	for (unsigned i = 0; i < t->nshards; i++) {
		struct lb_stk_shard *sh = &t->shards[i];
		struct lb_stk_entry *e, *prev;

		pthread_mutex_lock(&sh->lock);
		for (e = sh->lru_tail; e; e = prev) {
			prev = e->lprev;
			if (!e->refs) {
				entry_remove(sh, e);
				n++;
			}
		}
		pthread_mutex_unlock(&sh->lock);
	}
	return n;
}

/* ---- listing and sweeping ---- */

uint64_t
lb_stktable_dump(struct lb_stktable *t, uint64_t now, const uint64_t *since,
		 bool (*cb)(void *arg, const struct lb_stk_snap *s), void *arg)
{
	uint64_t n = 0;
	bool go = true;

	for (unsigned i = 0; i < t->nshards && go; i++) {
		struct lb_stk_shard *sh = &t->shards[i];
		/* copy the shard under its lock (keys in their own array), call back without
		 * it, so that a slow reader never holds traffic */
		struct lb_stk_snap *all = NULL;
		unsigned char *keys = NULL;
		size_t cnt = 0;

		pthread_mutex_lock(&sh->lock);
		if (sh->count) {
			all = malloc(sh->count * sizeof(*all));
			keys = malloc(sh->count * t->key_size);
		}
		for (struct lb_stk_entry *e = sh->lru_head; e && all && keys; e = e->lnext) {
			struct lb_stk_snap *s = &all[cnt];
			unsigned char *k = keys + cnt * t->key_size;
			if (expired(e, now) || (since && e->seq <= since[i]))
				continue;
			memcpy(k, e->data, e->klen);
			s->key = k;
			s->klen = e->klen;
			s->expire_in_ms = e->expire ? (e->expire > now ? e->expire - now : 0) : 0;
			s->refs = e->refs;
			s->seq = e->seq;
			s->shard = i;
			for (int d = 0; d < LB_STK_DT__COUNT; d++)
				s->v[d] = lb_stktable_stores(t, (enum lb_stk_dt)d)
						  ? read_dt(t, e, (enum lb_stk_dt)d, now) : 0;
			cnt++;
		}
		pthread_mutex_unlock(&sh->lock);
		for (size_t k = 0; k < cnt && go; k++, n++)
			go = cb(arg, &all[k]);
		free(all);
		free(keys);
	}
	return n;
}

uint64_t
lb_stktable_sweep(struct lb_stktable *t, uint64_t now, uint64_t budget)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < t->nshards && n < budget; i++) {
		struct lb_stk_shard *sh = &t->shards[i];
		struct lb_stk_entry *e, *prev;
		int looked = 0;

		if (pthread_mutex_trylock(&sh->lock))
			continue;
		/* the tail is the least recently updated; referenced entries are skipped, and
		 * the walk stops at the first live one past a few of them */
		for (e = sh->lru_tail; e && n < budget; e = prev) {
			prev = e->lprev;
			if (expired(e, now)) {
				entry_remove(sh, e);
				n++;
			} else if (++looked > 64 || (!e->refs && (!e->expire || now < e->expire))) {
				break;
			}
		}
		pthread_mutex_unlock(&sh->lock);
	}
	return n;
}

void
lb_stktable_maybe_sweep(struct lb_stktable *t, uint64_t now)
{
	uint64_t next = __atomic_load_n(&t->next_sweep_ms, __ATOMIC_RELAXED);

	if (now < next || !__atomic_compare_exchange_n(&t->next_sweep_ms, &next, now + 1000,
						       false, __ATOMIC_RELAXED,
						       __ATOMIC_RELAXED))
		return;
	lb_stktable_sweep(t, now, 4096);
}

void
lb_stktable_seqs(struct lb_stktable *t, uint64_t *out)
{
	for (unsigned i = 0; i < t->nshards; i++) {
		pthread_mutex_lock(&t->shards[i].lock);
		out[i] = t->shards[i].seq;
		pthread_mutex_unlock(&t->shards[i].lock);
	}
}

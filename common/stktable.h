/* common/stktable.h: stick tables: keyed entries of typed counters, bounded and expiring
 *
 * A table ("stick-table type ip|ipv6|integer|string [len n] size N expire T store ...")
 * maps a key to an entry holding the data types it stores: cumulative counters, rates
 * over a period (HAProxy's sliding window of two periods), general purpose counters and
 * tags. Entries are split over shards by key hash, each shard with its own lock, hash
 * chains and least-recently-used list, so worker threads rarely meet. Memory is bounded by
 * `size` (the least recently used unreferenced entry makes room), and entries expire
 * `expire` ms after their last update: lazily when looked up, and by lb_stktable_sweep(),
 * which only tries the locks (traffic never waits for it).
 * Every change stamps the entry with its shard's next update sequence number, so that a
 * peers protocol can send what changed since its cursors (one per shard: lb_stktable_seqs,
 * lb_stktable_dump's `since`).
 * Time is always passed in (milliseconds, monotonic), so tests drive the clock.
 */
#ifndef LB_STKTABLE_H
#define LB_STKTABLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lb_stk_key_type {
	LB_STK_KEY_IP = 0,		/* IPv4, 4 bytes */
	LB_STK_KEY_IPV6,		/* 16 bytes */
	LB_STK_KEY_INTEGER,		/* signed 64-bit, 8 bytes host order */
	LB_STK_KEY_STRING,		/* up to `len` bytes (default 32) */
};

/* Stored data types, in HAProxy's names. Rates take a period. */
enum lb_stk_dt {
	LB_STK_SERVER_ID = 0,
	LB_STK_GPT0,
	LB_STK_GPC0,
	LB_STK_GPC0_RATE,
	LB_STK_GPC1,
	LB_STK_CONN_CNT,
	LB_STK_CONN_RATE,
	LB_STK_CONN_CUR,
	LB_STK_SESS_CNT,
	LB_STK_SESS_RATE,
	LB_STK_HTTP_REQ_CNT,
	LB_STK_HTTP_REQ_RATE,
	LB_STK_HTTP_ERR_CNT,
	LB_STK_HTTP_ERR_RATE,
	LB_STK_BYTES_IN_CNT,
	LB_STK_BYTES_IN_RATE,
	LB_STK_BYTES_OUT_CNT,
	LB_STK_BYTES_OUT_RATE,
	LB_STK_DT__COUNT
};

#define LB_STK_KEY_MAX 1024		/* longest string key ("len" bound) */
#define LB_STK_NSC 3			/* track-sc0..2 */

/* What a table is declared with. */
struct lb_stktable_def {
	enum lb_stk_key_type type;
	unsigned key_len;		/* string keys: longest key kept (longer ones cut) */
	uint64_t size;			/* most entries */
	uint64_t expire_ms;		/* 0: never (HAProxy needs expire for counters) */
	uint32_t store;			/* 1 << enum lb_stk_dt */
	uint32_t period_ms[LB_STK_DT__COUNT];	/* rates' periods */
};

struct lb_stk_entry;
struct lb_stk_shard;

struct lb_stktable {
	char *name;
	struct lb_stktable_def def;
	size_t key_size;		/* bytes reserved for the key */
	size_t entry_size;
	int16_t off[LB_STK_DT__COUNT];	/* data offset in an entry, -1: not stored */
	unsigned nshards;
	uint64_t shard_max;		/* entries per shard */
	struct lb_stk_shard *shards;
	uint64_t next_sweep_ms;		/* lb_stktable_maybe_sweep (atomic) */
};

/* A stream's or a connection's trackers (track-sc0..2): entries held with a reference. */
struct lb_stk_ref {
	struct lb_stktable *t;
	struct lb_stk_entry *e;
};

/* A copy of one entry, for lists and tests. */
struct lb_stk_snap {
	const unsigned char *key;	/* valid during the callback */
	size_t klen;
	uint64_t expire_in_ms;		/* 0: no expiry */
	uint32_t refs;
	uint64_t seq;			/* the entry's update number in its shard */
	unsigned shard;
	int64_t v[LB_STK_DT__COUNT];	/* stored types (rates read at the snapshot time) */
};

/* ---- data types ---- */

/* The type of a name ("http_req_rate"), or -1. */
int lb_stk_dt_find(const char *name, size_t len);
const char *lb_stk_dt_name(enum lb_stk_dt dt);
bool lb_stk_dt_is_rate(enum lb_stk_dt dt);
/* The type names, one per entry, NULL-terminated (docs, completion). */
extern const char *const lb_stk_dt_names[];
int lb_stk_key_type_find(const char *name);
const char *lb_stk_key_type_name(enum lb_stk_key_type t);

/* ---- tables ---- */

struct lb_stktable *lb_stktable_new(const char *name, const struct lb_stktable_def *def);
void lb_stktable_free(struct lb_stktable *t);
/* Adds a stored data type to a table that has no entry yet (configuration time: "stick on"
 * needs server_id whether or not the stick-table line stores it). */
void lb_stktable_add_store(struct lb_stktable *t, enum lb_stk_dt dt);
static inline bool
lb_stktable_stores(const struct lb_stktable *t, enum lb_stk_dt dt)
{
	return t->off[dt] >= 0;
}
uint64_t lb_stktable_count(struct lb_stktable *t);

/* Text to key (table's type): "10.0.0.1", "::1", "42", any string. Returns the length, or
 * -1 when the text is not a key of that type. */
int lb_stk_key_parse(const struct lb_stktable *t, const char *s, unsigned char *out);
/* Key to text; returns out. */
char *lb_stk_key_format(const struct lb_stktable *t, const unsigned char *key, size_t klen,
			char *out, size_t cap);

/* ---- entries held by trackers ---- */

/* The entry of key (created, maybe evicting the least recently used unreferenced one),
 * with one more reference. NULL when the table is full of referenced entries. */
struct lb_stk_entry *lb_stk_acquire(struct lb_stktable *t, const void *key, size_t klen,
				    uint64_t now);
void lb_stk_release(struct lb_stktable *t, struct lb_stk_entry *e, uint64_t now);

/* Events counted on an entry (lb_stk_count). */
enum {
	LB_STK_EV_CONN = 1 << 0,	/* conn_cnt, conn_rate, conn_cur + 1 */
	LB_STK_EV_CONN_END = 1 << 1,	/* conn_cur - 1 */
	LB_STK_EV_SESS = 1 << 2,	/* sess_cnt, sess_rate */
	LB_STK_EV_HTTP_REQ = 1 << 3,	/* http_req_cnt, http_req_rate */
	LB_STK_EV_HTTP_ERR = 1 << 4,	/* http_err_cnt, http_err_rate */
};
void lb_stk_count(struct lb_stktable *t, struct lb_stk_entry *e, unsigned events,
		  uint64_t now);
void lb_stk_add_bytes(struct lb_stktable *t, struct lb_stk_entry *e, uint64_t in, uint64_t out,
		      uint64_t now);
/* The data plane's calls, one lock each: lb_stk_acquire + lb_stk_count, and lb_stk_count +
 * lb_stk_add_bytes (+ lb_stk_release when `release`). */
struct lb_stk_entry *lb_stk_track(struct lb_stktable *t, const void *key, size_t klen,
				  unsigned events, uint64_t now);
void lb_stk_update(struct lb_stktable *t, struct lb_stk_entry *e, unsigned events, uint64_t in,
		   uint64_t out, bool release, uint64_t now);
/* gpc0/gpc1 (idx 0/1) + 1 (gpc0_rate too); returns the new count, -1 if not stored. */
int64_t lb_stk_inc_gpc(struct lb_stktable *t, struct lb_stk_entry *e, int idx, uint64_t now);
/* gpc0/gpc1 (idx 0/1) back to 0; returns the value it had, -1 if not stored. */
int64_t lb_stk_clr_gpc(struct lb_stktable *t, struct lb_stk_entry *e, int idx, uint64_t now);
/* Sets a counter, tag or rate's current count. Returns false if dt is not stored. */
bool lb_stk_set(struct lb_stktable *t, struct lb_stk_entry *e, enum lb_stk_dt dt, int64_t v,
		uint64_t now);
/* Reads dt (a rate: events over its period). Returns false if not stored. */
bool lb_stk_read(struct lb_stktable *t, struct lb_stk_entry *e, enum lb_stk_dt dt, uint64_t now,
		 int64_t *out);

/* ---- by key, without holding the entry ---- */

/* dt of key's entry: 0 when there is none (as HAProxy's src_* fetches). Returns false if
 * the table does not store dt. */
bool lb_stk_lookup_read(struct lb_stktable *t, const void *key, size_t klen, enum lb_stk_dt dt,
			uint64_t now, int64_t *out);
/* "set table": creates the entry; false if dt is not stored or no room. */
bool lb_stk_key_set(struct lb_stktable *t, const void *key, size_t klen, enum lb_stk_dt dt,
		    int64_t v, uint64_t now);
/* Removes key's entry (or all entries when key is NULL) that no tracker holds; returns
 * how many went. */
uint64_t lb_stk_clear(struct lb_stktable *t, const void *key, size_t klen, uint64_t now);

/* Calls cb with a snapshot of each live entry (whose update number is > since[shard], when
 * since is not NULL), shard by shard: a shard's lock is held only while it is copied. cb
 * returns false to stop. Returns the number of entries given. */
uint64_t lb_stktable_dump(struct lb_stktable *t, uint64_t now, const uint64_t *since,
			  bool (*cb)(void *arg, const struct lb_stk_snap *s), void *arg);
/* The current update number of each shard (out[t->nshards]): a peer's cursors. */
void lb_stktable_seqs(struct lb_stktable *t, uint64_t *out);

/* Frees expired unreferenced entries, at most `budget` of them, skipping shards whose lock
 * is busy. Returns the number freed. */
uint64_t lb_stktable_sweep(struct lb_stktable *t, uint64_t now, uint64_t budget);
/* Sweeps at most once a second, by whichever caller gets there first (traffic threads
 * call it: it costs one atomic load when it is not time yet). */
void lb_stktable_maybe_sweep(struct lb_stktable *t, uint64_t now);

#endif

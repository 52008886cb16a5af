/* lbd/stats.h: reading the per-thread counters: summed over threads, minus what "clear
 * counters" set aside
 *
 * Readers (control socket, stats page, Prometheus) call these from any thread; nothing here
 * takes a lock. Counters are written by their own thread only; a reader may see a value a
 * few increments old, never a torn one (aligned 64-bit loads). "clear counters" does not
 * write the workers' counters (that would race with their increments): it records the
 * current sums as a baseline that later reads subtract.
 */
#ifndef LBD_STATS_H
#define LBD_STATS_H

#include <msgpack.h>

#include "runtime_types.h"
#include "stats_types.h"

/* Sums nbthread per-thread copies into *out (no baseline). */
void lbd_stats_sum_px(const struct lbd_px_counters *per_thread, int nbthread,
		      struct lbd_px_counters *out);
void lbd_stats_sum_srv(const struct lbd_srv_counters *per_thread, int nbthread,
		       struct lbd_srv_counters *out);

/* The counters as operators see them: sum minus the baseline of the last clear. */
void lbd_stats_frontend(const struct lbd_runtime *rt, const struct lbd_frontend *fe,
			struct lbd_px_counters *out);
void lbd_stats_backend(const struct lbd_runtime *rt, const struct lbd_backend *be,
		       struct lbd_px_counters *out);
void lbd_stats_server(const struct lbd_runtime *rt, const struct lbd_server *srv,
		      struct lbd_srv_counters *out);

/* Sets the baseline to the current sums ("clear counters"). Call from one thread at a time
 * (the main thread). Returns 0, or -1 when out of memory (nothing changed). */
int lbd_stats_clear(const struct lbd_runtime *rt);
/* "del server" removed the server of this gid and the later gids moved down by one: so do
 * their baselines. Only while no reader runs (the workers are paused: lbd/dynsrv.c). */
void lbd_stats_forget_server(const struct lbd_runtime *rt, unsigned gid);
/* Frees the baseline; call once no reader runs any more (shutdown). */
void lbd_stats_release(void);

struct lbd_stream;

/* Records the finished stream's queue, connect, response and total times into its
 * frontend's, backend's and server's histograms (this thread's copies). The frontend gets
 * every stream; the backend and server only streams that were given a server. Called once
 * per stream, when it is logged (lbd/access_log.c). */
void lbd_stats_record_times(const struct lbd_stream *s);

/* The histograms as the control protocol carries them (man lbctl(8), show stats):
 * {"bounds_ms": [finite exclusive upper bounds], "queue"|"connect"|"response"|"total":
 *  {"count", "sum_ms", "p50", "p90", "p99" (ms, float; nil when empty), "buckets": [counts,
 *  one per bound then the overflow, without the trailing zeros]}}. */
void lbd_stats_pack_latency(msgpack_packer *pk, const struct lb_hist lat[LB_LAT__COUNT]);
/* Mean in ms (sum/count), 0 when empty: HAProxy's qtime/ctime/rtime/ttime columns. */
int64_t lbd_stats_mean_ms(const struct lb_hist *h);

/* Convenience for readers: a server's status word as HAProxy prints it: "UP", "DOWN",
 * "DRAIN", "MAINT", "NOLB" (http-check disable-on-404). */
const char *lbd_stats_server_status(const struct lbd_server *srv);

#endif

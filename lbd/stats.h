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
/* Frees the baseline; call once no reader runs any more (shutdown). */
void lbd_stats_release(void);

/* Convenience for readers: a server's status word as HAProxy prints it: "UP", "DOWN",
 * "DRAIN", "MAINT". */
const char *lbd_stats_server_status(const struct lbd_server *srv);

#endif

/* lbd/pattern_live.h: safe reclamation of replaced map/ACL file versions (common/map.h)
 *
 * A control-socket edit publishes a new version of a pattern file with one atomic store;
 * the old one may still be read by a worker thread in the middle of a lookup. The retire
 * hook installed here posts one message to every worker thread's inbox and frees the old
 * version when the last of them has run it: threads run inbox messages between events,
 * and a lookup never spans events, so by then no thread can hold the old version
 * (quiescent-state based reclamation; readers pay nothing - no lock, no counter).
 */
#ifndef LBD_PATTERN_LIVE_H
#define LBD_PATTERN_LIVE_H

struct lbd_runtime;

/* Installs the hook for rt's worker threads. */
void lbd_pattern_live_init(struct lbd_runtime *rt);
/* Uninstalls it and frees what is still waiting (the threads have stopped). */
void lbd_pattern_live_free(void);

#endif

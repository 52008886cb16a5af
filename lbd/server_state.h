/* lbd/server_state.h: HAProxy's server state file, version 1: "show servers state" writes
 * it, a worker starting without a reload's state loads it (load-server-state-from-file) */
#ifndef LBD_SERVER_STATE_H
#define LBD_SERVER_STATE_H

#include "runtime_types.h"

/* The version-1 text (the "1" line, the "# be_id ..." header, one line per server) of
 * backend `only`, or of every backend when NULL. Returns a malloc'd string, NULL when out of
 * memory. */
char *lbd_server_state_dump(const struct lbd_runtime *rt, const struct lbd_backend *only);

/* Applies the state files the backends ask for (load-server-state-from-file global|local)
 * to a runtime whose threads have not started. A line applies to the server of the same
 * backend and name when its address and port are those of the configuration (else the
 * server is another one now: the line is ignored); a setting whose configuration changed
 * since the file was written (disabled, weight) keeps the configuration's value. Logs
 * what it did; returns the number of servers whose state was applied. */
int lbd_server_state_load(struct lbd_runtime *rt);

#endif

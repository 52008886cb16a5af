/* lbd/runtime.h: building the daemon's runtime objects from a finalized config */
#ifndef LBD_RUNTIME_H
#define LBD_RUNTIME_H

#include "runtime_types.h"

/* Builds frontends, backends, servers and loggers. The config must outlive the runtime.
 * Returns 0, or -1 with *errmsg (malloc'd). */
int lbd_runtime_build(struct lbd_runtime *rt, struct lb_cfg *cfg, char **errmsg);
void lbd_runtime_free(struct lbd_runtime *rt);
/* The number of worker threads cfg asks for (nbthread, else the CPUs lbd may run on). */
int lbd_runtime_nbthread(const struct lb_cfg *cfg);

/* One server of be from its config line (build, and "add server": lbd/dynsrv.c): counters
 * allocated, in maintenance when `maint`, no health state yet. */
struct lbd_server *lbd_runtime_server_new(struct lbd_runtime *rt, struct lbd_backend *be,
					  const struct lb_cfg_server *s, int id, bool maint);
/* Frees a server, its health state and, for one added at run time, its config. */
void lbd_runtime_server_free(struct lbd_server *srv);
/* The backend queue's bound: the sum of the servers' maxqueue when all set one, else 0. */
int lbd_runtime_maxqueue(struct lbd_server *const *srv, unsigned n);

struct lbd_backend *lbd_runtime_find_backend(struct lbd_runtime *rt, const char *name);
struct lbd_server *lbd_runtime_find_server(struct lbd_runtime *rt, const char *be_slash_srv);

#endif

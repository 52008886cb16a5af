/* lbd/master.h: master-worker mode: the master process that holds the sockets, starts and
 * supervises the worker, and reloads it (lbd(8), "PROCESS MODEL") */
#ifndef LBD_MASTER_H
#define LBD_MASTER_H

#include <stdbool.h>

struct lb_cfg;
struct lbd_sockpool;

struct lbd_master_opts {
	bool systemd;		/* -Ws: sd_notify READY=1 / RELOADING=1 / STOPPING=1 */
	/* Parses and finalizes the configuration files into cfg, printing every diagnostic
	 * with its position, and returning their text in *diag_text (malloc'd, may be
	 * NULL). 0 valid, -1 not. */
	int (*load)(struct lb_cfg *cfg, char **diag_text, void *arg);
	/* Runs a worker in the forked child on cfg: takes its listeners from pool (the
	 * control sockets are bound already), applies the carried state (text of
	 * lbd_mworker_dump_state, or NULL) and serves until it stops. Returns the exit
	 * status of the worker. */
	int (*worker)(struct lb_cfg *cfg, struct lbd_sockpool *pool, const char *state,
		      void *arg);
	void *arg;
	char **argv;		/* as given to main(): a binary upgrade execs the new file */
	const char *inherit;	/* set after a binary upgrade: what the old master passed on */
};

/* The environment variable a binary upgrade passes the sockets and workers in. */
#define LBD_MASTER_INHERIT_ENV "LBD_MASTER_INHERIT"

/* Binds cfg's listeners and control sockets, starts the first worker and supervises it
 * until the master is told to stop (SIGTERM/SIGINT: workers stop now; SIGUSR1: they
 * soft-stop) and every worker has exited. SIGUSR2 and SIGHUP reload. cfg was loaded with
 * o->load, is heap-allocated and belongs to the master from now on; it is NULL when
 * o->inherit is set (the master then loads the files as a reload does). Returns the
 * process's exit status. */
int lbd_master_run(const struct lbd_master_opts *o, struct lb_cfg *cfg);

#endif

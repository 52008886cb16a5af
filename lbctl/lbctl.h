/* lbctl/lbctl.h: what lbctl's parts share: options, the connection, running a command */
#ifndef LBCTL_H
#define LBCTL_H

#include <stdbool.h>
#include <stdio.h>

#include "ctl_client.h"
#include "ctl_cmds.h"
#include "ctl_proto.h"

/* Exit codes (documented in lbctl(8)). */
enum lbctl_exit {
	LBCTL_EXIT_OK = 0,		/* done */
	LBCTL_EXIT_REFUSED = 1,		/* the daemon refused or failed */
	LBCTL_EXIT_USAGE = 2,		/* bad command line, nothing sent */
	LBCTL_EXIT_UNREACHABLE = 3,	/* cannot reach (or lost) the socket */
};

struct lbctl {
	const char *socket;
	bool json;
	bool color;
	int timeout_ms;
	struct lb_ctl_client cli;
};

/* Runs one command given as words (global options like --json may appear among them);
 * prints the result on stdout, problems on stderr. Returns an enum lbctl_exit. Connects on
 * first use and keeps the connection for the next call (the shell). */
int lbctl_run(struct lbctl *ctl, int argc, char **argv);

/* Ensures a connection; returns 0, or -1 after printing why. */
int lbctl_connect(struct lbctl *ctl, bool quiet);

/* Prints the command table (all, or the commands starting with the given words). Returns an
 * enum lbctl_exit. */
int lbctl_help(struct lbctl *ctl, int argc, char **argv);

/* Offers live backend or server names from the daemon (for completion); silent when the
 * daemon cannot be reached. */
void lbctl_live_names(struct lbctl *ctl, struct lb_ctl_completion *comp,
		      enum lb_ctl_arg_type type);

/* The interactive shell (readline when stdin is a terminal, plain lines otherwise). */
int lbctl_shell(struct lbctl *ctl);

/* render.c */
void lbctl_render(FILE *out, const struct lbctl *ctl, const struct lb_ctl_cmd *cmd,
		  unsigned flags, const struct lb_ctl_reply *rep);
void lbctl_render_json(FILE *out, const msgpack_object *o);
/* An array of maps as an aligned table; cols (NULL-terminated) picks and orders columns,
 * NULL shows every key in first-seen order. */
void lbctl_render_table(FILE *out, const msgpack_object *rows, const char *const *cols,
			bool color);
void lbctl_render_kv(FILE *out, const msgpack_object *map, bool color);
void lbctl_render_csv(FILE *out, const msgpack_object *rows);

#endif

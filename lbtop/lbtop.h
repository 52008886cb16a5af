/* lbtop/lbtop.h: lbtop's shared state: samples of "show stats", rates, selection, UI mode
 *
 * main.c owns the connection and the sampling, view.c turns a sample into widgets on a
 * canvas (ncurses, or plain text for --once), keys.c maps keys to actions. Actions return
 * LBTOP_* flags saying what must happen next, as htop's Action.c does.
 */
#ifndef LBTOP_H
#define LBTOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_client.h"
#include "histogram_types.h"

enum lbtop_row_type {
	LBTOP_FE = 0,
	LBTOP_BE = 1,
	LBTOP_SRV = 2,
};

/* One line of "show stats", with rates computed against the previous sample. */
struct lbtop_row {
	enum lbtop_row_type type;
	char px[64];
	char sv[64];
	char status[16];
	int64_t scur, qcur, weight;
	uint64_t req, stot, bin, bout, hrsp[6];	/* cumulative; hrsp[0] = other */
	double req_rate, conn_rate, bin_rate, bout_rate;
	double err_rate;		/* 5xx responses per second */
	char check[16];			/* check_status ("L7OK", ...), "" when not checked */
	/* total-time histogram (show stats "latency"), cumulative; p50/p99 in ms over the
	 * last interval (from the difference with the previous sample), -1 when nothing
	 * finished in it */
	uint64_t lat[LB_HIST_NBUCKETS];
	bool has_lat;
	double p50, p99;
};

#define LBTOP_SPARK_LEN 60

/* How the server rows are ordered ("s" cycles through them; lbtop/order.c). */
enum lbtop_sort {
	LBTOP_SORT_CONFIG = 0,		/* as in the configuration */
	LBTOP_SORT_REQ,			/* req/s, busiest first */
	LBTOP_SORT_SCUR,		/* current sessions */
	LBTOP_SORT_P99,			/* p99 latency, slowest first */
	LBTOP_SORT_ERR,			/* 5xx per second */
	LBTOP_SORT_NAME,		/* backend/server name */
	LBTOP_SORT__COUNT
};

/* A line typed in the status bar. */
enum lbtop_prompt {
	LBTOP_PROMPT_NONE = 0,
	LBTOP_PROMPT_FILTER,		/* "/": a substring of backend/server names */
	LBTOP_PROMPT_WEIGHT,		/* "w": a weight for the selected server */
};

/* What an action asks for. */
enum {
	LBTOP_REDRAW = 1,	/* draw the screen again */
	LBTOP_FETCH = 2,	/* sample now instead of waiting for the interval */
	LBTOP_QUIT = 4,
};

struct lbtop {
	const char *socket;
	int interval_ms;
	struct lb_ctl_client cli;
	bool connected;
	char conn_err[256];

	/* the latest sample and the one before (for rates) */
	struct lbtop_row *rows, *prev;
	size_t nrows, nprev;
	uint64_t sample_ms, prev_ms;
	char version[32];
	char uptime[32];
	int64_t cur_conn;
	double total_req_rate;
	double spark[LBTOP_SPARK_LEN];	/* total req/s, oldest first */
	unsigned nspark;

	/* UI */
	bool color;
	bool unicode;
	bool show_help;
	int sel;			/* index among the server rows shown */
	int srv_scroll;
	bool detail;			/* Enter: the selected server in full */
	enum lbtop_sort sort;
	char filter[64];		/* server rows shown contain it ("" all) */
	size_t *srv_idx;		/* the server rows shown: indices into rows, in order */
	int nsrv;
	enum lbtop_prompt prompt;
	char input[64];			/* what is typed at the prompt */
	char msg[512];			/* the status bar's message */
	bool msg_error;
	/* a state change waiting for y/n */
	const char *confirm_cmd;	/* "drain", "enable", "maint", "weight" */
	char confirm_target[140];
	char confirm_arg[64];		/* the weight, for "weight" */
};

/* main.c */
int lbtop_sample(struct lbtop *t);
/* Sends a state command for the selected server (arg: a second argument, or NULL); sets
 * t->msg with the daemon's answer. */
void lbtop_command(struct lbtop *t, const char *cmd, const char *target, const char *arg);

/* order.c: the server rows shown (filtered, sorted), rebuilt after each sample and when the
 * sort or the filter changes. */
void lbtop_order(struct lbtop *t);
const char *lbtop_sort_name(enum lbtop_sort s);
int lbtop_server_count(const struct lbtop *t);
const struct lbtop_row *lbtop_server_row(const struct lbtop *t, int idx);

/* keys.c: returns LBTOP_* flags for one key. */
int lbtop_handle_key(struct lbtop *t, int key);
/* The key table, for the help screen and the man page. */
struct lbtop_key {
	int key;
	int alt;		/* a second key doing the same, or 0 */
	const char *label;	/* "q", "Up/k" */
	const char *help;
	int (*fn)(struct lbtop *t);
};
extern const struct lbtop_key lbtop_keys[];
extern const size_t lbtop_nkeys;

/* view.c: draws the whole screen (ncurses must be initialized), or prints one frame as plain
 * text to stdout (width columns). */
void lbtop_draw(struct lbtop *t);
void lbtop_print_plain(struct lbtop *t, int width);
void lbtop_colors_init(struct lbtop *t);

#endif

/* common/ctl_cmds.h: the control command table (from ctl_cmds.def), argument checks, completion
 *
 * One table serves everyone: lbd dispatches and checks levels and arguments with it, lbctl
 * matches typed words, checks arguments before sending, prints help and --list-commands and
 * completes with it, and the tests compare it with man/lbctl.8.
 */
#ifndef LB_CTL_CMDS_H
#define LB_CTL_CMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg_types.h"

/* How lbctl shows a reply's data. */
enum lb_ctl_render {
	LB_CTL_R_MSG = 0,	/* only "msg" */
	LB_CTL_R_KV,		/* a map: "key: value" lines */
	LB_CTL_R_TABLE,		/* an array of maps with the same keys: an aligned table */
	LB_CTL_R_STATS,		/* stats rows: a compact table, or --csv in HAProxy's columns */
	LB_CTL_R_LIST,		/* {total, truncated, rows}: a table and a note when truncated */
	LB_CTL_R_ERRORS,	/* show errors entries: a header and the escaped capture each */
	LB_CTL_R_TEXT,		/* [{path, text}]: each text as is, after a "# path" line */
};

enum lb_ctl_cmd_id {
#define LB_CTL_CMD(id, name, level, args, render, help) LB_CTL_CMD_##id,
#include "ctl_cmds.def"
#undef LB_CTL_CMD
	LB_CTL_CMD__COUNT
};

struct lb_ctl_cmd {
	enum lb_ctl_cmd_id id;
	const char *name;
	enum lb_ctl_level level;
	const char *args;
	enum lb_ctl_render render;
	const char *help;
};

/* Indexed by enum lb_ctl_cmd_id. */
extern const struct lb_ctl_cmd lb_ctl_cmds[LB_CTL_CMD__COUNT];

/* The kinds of argument a spec can hold. */
enum lb_ctl_arg_type {
	LB_CTL_ARG_BACKEND = 0,	/* <backend> */
	LB_CTL_ARG_SERVER,	/* <be/srv> */
	LB_CTL_ARG_UINT,	/* <n> */
	LB_CTL_ARG_WEIGHT,	/* <n|n%> */
	LB_CTL_ARG_CHOICE,	/* a|b|c */
	LB_CTL_ARG_FLAG,	/* --flag */
	LB_CTL_ARG_WORDS,	/* <command>... */
	LB_CTL_ARG_ID,		/* <id>: a 64-bit session id */
	LB_CTL_ARG_TIME,	/* <time>: HAProxy time syntax, bare numbers are ms */
	LB_CTL_ARG_NEW_SERVER,	/* <be/name>: a server to create (completes backend names) */
	LB_CTL_ARG_ADDR,	/* <addr:port>: a server address as on a server line */
	LB_CTL_ARG_OPTIONS,	/* <option>...: the remaining words, server line options */
	LB_CTL_ARG_TEXT,	/* <file>, <pattern>, <key>: any word (map/ACL edits) */
	LB_CTL_ARG_TEXT_REST,	/* <pattern>..., <value>...: the remaining words, as text */
	LB_CTL_ARG_VER,		/* @<ver>: a version id from prepare acl|map */
};

struct lb_ctl_arg {
	enum lb_ctl_arg_type type;
	bool optional;
	char text[64];		/* the token without brackets: "<be/srv>", "ready|drain|maint" */
};

#define LB_CTL_WEIGHT_MAX 256
#define LB_CTL_MAXCONN_MAX 1000000

/* Exact lookup by name ("show servers"); NULL if unknown. */
const struct lb_ctl_cmd *lb_ctl_cmd_find(const char *name);
/* The command whose words start argv (longest match); *nwords gets how many words it took.
 * NULL if none. */
const struct lb_ctl_cmd *lb_ctl_cmd_match(int argc, char *const *argv, int *nwords);
/* The closest command name to a mistyped one (for "did you mean"), or NULL. */
const struct lb_ctl_cmd *lb_ctl_cmd_suggest(const char *name);
/* Number of words in a command name. */
int lb_ctl_cmd_nwords(const struct lb_ctl_cmd *c);
/* The i-th token of c's spec (flags included, in spec order). Returns 0, or -1 past the end
 * or on a token the spec grammar does not know (a table bug; the unit test checks). */
int lb_ctl_cmd_arg(const struct lb_ctl_cmd *c, int i, struct lb_ctl_arg *out);

/* May a connection at level `have` run c? */
bool lb_ctl_cmd_allowed(const struct lb_ctl_cmd *c, enum lb_ctl_level have);

/* Checks argv (the arguments after the command words) against c's spec. On success returns 0
 * and sets bit i of *flags for the i-th --flag of the spec found in argv (flags may appear
 * anywhere). On failure returns -1 with a message ending in the usage line. Borrows argv. */
int lb_ctl_cmd_check_args(const struct lb_ctl_cmd *c, int argc, char *const *argv,
			  unsigned *flags, char *err, size_t errlen);

/* Was the spec flag `flag` ("--csv") among the *flags lb_ctl_cmd_check_args() returned? */
bool lb_ctl_cmd_flag(const struct lb_ctl_cmd *c, unsigned flags, const char *flag);

/* Argument value parsers, shared by the checker and the daemon's handlers. Return 0 or -1. */
int lb_ctl_parse_uint(const char *s, long long max, long long *out);
/* "<n>" (0..256) or "<n>%" (0..100): *percent says which. */
int lb_ctl_parse_weight(const char *s, int *val, bool *percent);
/* A session id: a decimal integer 1..2^64-1. */
int lb_ctl_parse_id(const char *s, uint64_t *out);
/* A delay in HAProxy's time syntax (10s, 500ms, 2m; bare numbers are ms), 0..24h. */
int lb_ctl_parse_time(const char *s, long long *ms);

/* Completion, for lbctl's shell and its --complete helper. `words` are the complete words
 * typed so far, `partial` the word being typed. add() receives each candidate that starts
 * with partial (command words once each); live() is asked for backend or server names when
 * the position takes one and answers through lb_ctl_completion_offer(). */
struct lb_ctl_completion {
	const char *partial;
	void (*add)(void *ctx, const char *word);
	void (*live)(struct lb_ctl_completion *comp, enum lb_ctl_arg_type type);
	void *ctx;
};

void lb_ctl_complete(struct lb_ctl_completion *comp, int nwords, char *const *words);
void lb_ctl_completion_offer(struct lb_ctl_completion *comp, const char *word);

#endif

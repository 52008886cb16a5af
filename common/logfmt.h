/* common/logfmt.h: HAProxy log-format strings: compile once at load, render per log line
 *
 * The same compiled form renders access-log lines (log-format, option httplog/tcplog) and
 * header values of http-request/http-response rules. The data plane fills a lb_log_ctx with
 * what the session knows; fields it does not know yet stay at their "unknown" value (-1,
 * NULL) and render as HAProxy renders them ("-" or -1).
 */
#ifndef LB_LOGFMT_H
#define LB_LOGFMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "tls_fact.h"

struct lb_logfmt;
struct lb_vars;

/* Termination state, HAProxy's 4 characters (e.g. "----", "CD--", "SH--", "cR--"). */
struct lb_log_ctx {
	const struct sockaddr *cli_addr;	/* client (after PROXY protocol) */
	const struct sockaddr *fe_addr;		/* address the client connected to */
	const struct sockaddr *srv_addr;	/* server, NULL before connect */
	const struct sockaddr *be_src_addr;	/* our source address towards the server */
	const char *fe_name;
	const char *be_name;			/* NULL -> "<NOSRV>"-style rendering as HAProxy */
	const char *srv_name;			/* NULL -> "<NOSRV>" */
	struct timeval accept_date;		/* wall clock at accept (%t, %T, %ms) */
	struct timeval request_date;		/* wall clock at the start of this request (%tr) */
	int pid;
	/* timers in ms, -1 when the step was not reached (HAProxy's Th/Ti/TR/Tw/Tc/Tr/Ta/Tt) */
	long t_handshake, t_idle, t_request, t_queue, t_connect, t_response, t_active, t_total;
	int status;				/* HTTP status, -1 if none */
	uint64_t bytes_in;			/* %U bytes from the client */
	uint64_t bytes_out;			/* %B bytes to the client */
	char term_state[5];			/* "----" + NUL */
	int actconn, feconn, beconn, srv_conn;	/* concurrent connection counts */
	int retries;
	bool redispatched;			/* %rc gets a '+' prefix */
	int srv_queue, be_queue;		/* queue positions */
	/* HTTP request, borrowed from the request buffer (NULL in tcp mode) */
	const char *method;
	size_t method_len;
	const char *uri;
	size_t uri_len;
	int http_version;			/* 10, 11, or 0 */
	const char *req_line;			/* first line without its line ending, for %r */
	size_t req_line_len;
	/* request header lookup for %[req.hdr(name)]; may be NULL */
	bool (*req_hdr)(void *arg, const char *name, size_t name_len, const char **val,
			size_t *val_len);
	void *req_hdr_arg;
	/* the client connection's TLS session and its facts (%sslv, %[ssl_fc_sni]...);
	 * tls NULL: clear text */
	const void *tls;
	lb_tls_fact_fn tls_fact;
	const char *log_tag;			/* "lbd" */
	/* where the connection's variables are, for %[var(...)] (common/vars.h); NULL: none */
	struct lb_vars *const *vars;
	unsigned long long uniq_id;		/* per-process request counter (%rt) */
};

enum {
	LB_LOGFMT_F_HTTP = 1 << 0,	/* HTTP variables allowed (mode http) */
	/* A header value, lf-string or redirect location rather than a log line (HAProxy's
	 * LOG_OPT_HTTP instead of LOG_OPT_MANDATORY|LOG_OPT_MERGE_SPACES): spaces are literal
	 * text instead of collapsing separators, an unknown text renders as nothing instead of
	 * "-", and fetched text has its control characters %-encoded so that it cannot break a
	 * header. */
	LB_LOGFMT_F_VALUE = 1 << 1,
};

/* Compiles src. Returns NULL and sets *errmsg (malloc'd, caller frees) on an unknown
 * variable, unknown fetch or bad syntax; the message names the offending token. */
struct lb_logfmt *lb_logfmt_compile(const char *src, unsigned flags, char **errmsg);
void lb_logfmt_free(struct lb_logfmt *fmt);
/* True when the format is a constant string (no variable); then lb_logfmt_const gives it. */
bool lb_logfmt_is_const(const struct lb_logfmt *fmt);
const char *lb_logfmt_const(const struct lb_logfmt *fmt, size_t *len);

/* Renders into out[0..outsz) (truncates, never overflows, never allocates). Returns the
 * length written, not NUL-terminated unless room remains: a return of outsz means the line
 * was truncated (or filled the buffer exactly). Thread-safe: a compiled format is read-only. */
size_t lb_logfmt_render(const struct lb_logfmt *fmt, const struct lb_log_ctx *ctx, char *out,
			size_t outsz);

/* Resets ctx to "nothing known". */
void lb_log_ctx_init(struct lb_log_ctx *ctx);

/* HAProxy's predefined formats. */
extern const char lb_logfmt_httplog_src[];
extern const char lb_logfmt_httplog_clf_src[];
extern const char lb_logfmt_tcplog_src[];
/* The default when logging is on but no option/log-format is given: HAProxy's legacy
 * "Connect from <ci>:<cp> to <fi>:<fp> (<frontend>/<MODE>)" line, one per mode. */
extern const char lb_logfmt_default_src[];		/* mode tcp */
extern const char lb_logfmt_default_http_src[];		/* mode http */

/* The variables, for lbcheck --list-keywords and the man page check. */
struct lb_logfmt_var_info {
	const char *name;
	const char *help;
};
extern const struct lb_logfmt_var_info lb_logfmt_vars[];	/* NULL-name terminated */
/* The sample fetches accepted in %[...], e.g. "req.hdr(<name>)"; NULL-name terminated. */
extern const struct lb_logfmt_var_info lb_logfmt_fetches[];

#endif

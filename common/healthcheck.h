/* common/healthcheck.h: the health-check engine (one engine, used by lbd and by lbcheck probe)
 *
 * API in three parts:
 *
 *  1. A check description. lb_check_spec_new() compiles the finalized config of one
 *     server (its backend's "option httpchk" / "http-check" / "tcp-check" / typed option,
 *     "timeout check", and the server's check-ssl, check-sni, check-alpn, port, addr,
 *     agent-*) into an immutable struct lb_check_spec: a short script of steps (connect,
 *     send, expect). A spec is read-only after creation, so one spec may be shared by any
 *     number of probes on any number of threads. Free it with lb_check_spec_free() once no
 *     probe uses it any more.
 *
 *  2. Running one probe. lb_check_start() opens a non-blocking socket on the caller's
 *     libevent event_base and runs the script; it never blocks. When the probe ends (pass or
 *     fail) `done` is called exactly once, from the event loop, never from inside
 *     lb_check_start(); after `done` returns the handle is freed and must not be used.
 *     lb_check_cancel() stops a probe that has not called `done` yet: no callback follows, the
 *     socket is closed and everything is freed. Every step is bounded by the timeouts and the
 *     receive buffer by LB_CHECK_RCVBUF_MAX bytes, whatever the server answers.
 *
 *  3. The result: HAProxy's status names, a numeric code (HTTP status, MySQL error number,
 *     ...), the duration, a bounded human reason and, for agent checks, the parsed reply.
 *
 * Check types are rows of lb_check_types[] (one per kind of probe: name, config keyword,
 * default expectation and the function that builds its script).
 *
 * Timeouts, as in HAProxy: without "timeout check" the whole probe (connect included) must
 * finish within "inter"; with it, the connect must finish within min(timeout connect, inter)
 * and the rest within "timeout check". lb_check_start() may override both with one value.
 *
 * TLS (check-ssl, tcp-check connect ssl): a real GnuTLS handshake (common/tls_client.h) with
 * SNI and ALPN; the server certificate is NOT verified (no "verify" keyword yet).
 *
 * HTTP/2 (check-proto h2, http-check connect proto h2, a "proto h2" server, or ALPN h2 on a
 * TLS HTTP check): the same HTTP script, each request on a new stream of an nghttp2 client
 * session (common/check_h2.h); the response is shown to the expect rules as HTTP/1.x text.
 */
#ifndef LB_HEALTHCHECK_H
#define LB_HEALTHCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cfg_types.h"

struct event_base;

/* What a spec probes: the server's health ("check") or its agent ("agent-check"). */
enum lb_check_kind {
	LB_CHECK_HEALTH = 0,
	LB_CHECK_AGENT,
};

/* HAProxy's check statuses (same names, same meaning). */
enum lb_check_status {
	LB_CHK_UNK = 0,		/* unknown: no probe has run yet */
	LB_CHK_INI,		/* initializing */
	LB_CHK_SOCKERR,		/* socket error: could not create or set up the socket */
	LB_CHK_L4OK,		/* TCP connect succeeded (plain "check") */
	LB_CHK_L4TOUT,		/* TCP connect timed out */
	LB_CHK_L4CON,		/* TCP connect refused, reset or unreachable */
	LB_CHK_L6OK,		/* TLS handshake / ssl-hello succeeded */
	LB_CHK_L6TOUT,		/* TLS handshake / ssl-hello timed out */
	LB_CHK_L6RSP,		/* TLS handshake failed / not a ServerHello */
	LB_CHK_L7TOUT,		/* application reply timed out */
	LB_CHK_L7RSP,		/* application reply invalid (garbage, truncated, reset) */
	LB_CHK_L7OK,		/* application check passed */
	LB_CHK_L7OKC,		/* passed conditionally (http-check disable-on-404 got a 404) */
	LB_CHK_L7STS,		/* valid reply with a wrong status / failed expectation */
	LB_CHK__COUNT
};

/* "UNK", "INI", "SOCKERR", "L4OK", ... */
const char *lb_check_status_name(enum lb_check_status st);
/* HAProxy's long description, for log lines: "Layer4 connection problem", ... */
const char *lb_check_status_desc(enum lb_check_status st);
/* L4OK, L6OK, L7OK and L7OKC count as success. */
bool lb_check_status_ok(enum lb_check_status st);
/* The status named `name` (case-insensitive), or -1. */
int lb_check_status_from_name(const char *name);

/* ---- agent replies ---- */

enum lb_agent_admin {
	LB_AGENT_ADMIN_NONE = 0,	/* the reply said nothing about it */
	LB_AGENT_ADMIN_READY,		/* "ready": leave drain / maintenance */
	LB_AGENT_ADMIN_DRAIN,		/* "drain": weight 0, existing sessions go on */
	LB_AGENT_ADMIN_MAINT,		/* "maint": maintenance */
};

enum lb_agent_health {
	LB_AGENT_HEALTH_NONE = 0,	/* the reply said nothing about it */
	LB_AGENT_HEALTH_UP,		/* "up" */
	LB_AGENT_HEALTH_DOWN,		/* "down" */
	LB_AGENT_HEALTH_FAIL,		/* "fail" */
	LB_AGENT_HEALTH_STOPPED,	/* "stopped" */
};

#define LB_CHECK_REASON_MAX 128

/* One agent reply, every word parsed ("75%", "weight:75%", "maxconn:30", "drain",
 * "down#disk full", ...). Words are separated by spaces, tabs or commas; the reply ends at
 * the first newline. */
struct lb_agent_reply {
	bool has_weight;
	bool weight_pct;	/* weight is a percentage of the configured weight */
	int weight;		/* percent 0..100+ (weight_pct) or absolute 0..256 */
	bool has_maxconn;
	int maxconn;		/* "maxconn:N", 0 = unlimited */
	enum lb_agent_admin admin;
	enum lb_agent_health health;
	char reason[LB_CHECK_REASON_MAX];	/* text after '#' of a health word, may be "" */
};

/* Parses one agent reply line (up to the first '\n'). Returns 0, or -1 with a message in
 * err (an unknown word, a bad number) - the words before the bad one are still applied. */
int lb_agent_reply_parse(const char *line, size_t len, struct lb_agent_reply *out, char *err,
			 size_t errlen);

/* ---- results ---- */

struct lb_check_result {
	enum lb_check_status status;
	int code;			/* HTTP status, MySQL/SMTP/LDAP code...; -1 none */
	unsigned duration_ms;		/* from the start to the end of the probe */
	bool nolb;			/* http-check disable-on-404 got a 404: drain (NOLB) */
	char reason[LB_CHECK_REASON_MAX];	/* bounded, printable ASCII */
	/* LB_CHECK_AGENT only, when a reply line was read (status L7OK or L7STS) */
	bool has_agent;
	struct lb_agent_reply agent;
};

/* ---- specs ---- */

struct lb_check_spec;

/* Builds the spec of `srv` of backend `be` (both finalized). For LB_CHECK_HEALTH the type is
 * the backend's typed option (plain TCP connect when none); for LB_CHECK_AGENT the agent
 * protocol on agent-addr/agent-port. Returns NULL with *err (malloc'd) if it cannot be built
 * (e.g. agent-check without agent-port, no port to check). */
struct lb_check_spec *lb_check_spec_new(const struct lb_cfg_proxy *be,
					const struct lb_cfg_server *srv, enum lb_check_kind kind,
					char **err);
void lb_check_spec_free(struct lb_check_spec *spec);

/* The type's name ("tcp", "http", "tcp-check", "ssl-hello", "redis", "mysql", "pgsql",
 * "ldap", "smtp", "agent"), with "+tls" variants shown as e.g. "http+tls" by
 * lb_check_spec_describe(). */
const char *lb_check_spec_type(const struct lb_check_spec *spec);
const char *lb_check_spec_describe(const struct lb_check_spec *spec);
/* The address the probe connects to (server address with "addr"/"port" or agent-addr/
 * agent-port applied); len 0 if none (a unix socket server without port, ...). */
const struct lb_cfg_addr *lb_check_spec_target(const struct lb_check_spec *spec);
/* The spec's timeouts in ms (see the top comment). */
long long lb_check_spec_connect_timeout(const struct lb_check_spec *spec);
long long lb_check_spec_read_timeout(const struct lb_check_spec *spec);

/* Ad-hoc specs for "lbcheck probe --type T ...": the fields mirror the config keywords.
 * Strings are borrowed for the duration of the call. */
struct lb_check_adhoc {
	const char *type;		/* a row name of lb_check_types[] or "tls" */
	const char *method, *uri;	/* http */
	const char *proto;		/* http: "h1", "h2" (check-proto); NULL: by ALPN */
	int expect_status;		/* http: 0 = any 2xx/3xx */
	const char *expect_string;	/* http: body contains */
	const char *sni, *alpn;		/* tls */
	bool tls;			/* wrap in TLS (check-ssl) */
	const char *user;		/* mysql, pgsql */
	const char *send;		/* tcp-check / agent: bytes sent ("\r\n" escapes allowed) */
	const char *expect;		/* tcp-check: expected string */
	long long timeout_ms;		/* connect and read timeout; <= 0: 2000 */
};
struct lb_check_spec *lb_check_spec_adhoc(const struct lb_check_adhoc *a,
					  const struct sockaddr *target, socklen_t len,
					  char **err);

/* ---- running ---- */

struct lb_check;	/* one probe in flight */

typedef void (*lb_check_done_fn)(const struct lb_check_result *res, void *arg);

/* Starts one probe of `spec` on `base`. target NULL: the spec's own target. timeout_ms > 0
 * replaces both of the spec's timeouts. `spec` must outlive the probe. Never blocks and never
 * calls `done` synchronously (errors such as socket() failing are reported from the loop as
 * SOCKERR). Returns the handle, valid until `done` returns or lb_check_cancel(). */
struct lb_check *lb_check_start(struct event_base *base, const struct lb_check_spec *spec,
				const struct sockaddr *target, socklen_t targetlen,
				long long timeout_ms, lb_check_done_fn done, void *arg);
/* Stops a probe before its `done`: closes its socket, frees it; no callback follows. */
void lb_check_cancel(struct lb_check *chk);

/* ---- the table of check types ---- */

struct lb_check_builder;	/* private to the engine */

struct lb_check_type {
	const char *name;		/* "http", "redis", ...: shown in tables and --type */
	const char *keyword;		/* the config keyword selecting it: "option httpchk" */
	const char *expects;		/* the default expectation, for docs and --help */
	int default_port;		/* for ad-hoc probes without a port; 0: none */
	const struct lb_check_builder *build;
};

/* NULL-name terminated. */
extern const struct lb_check_type lb_check_types[];
const struct lb_check_type *lb_check_type_find(const char *name);

#endif

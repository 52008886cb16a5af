/* common/check_priv.h: what the parts of the health-check engine share (not for lbd)
 *
 * A spec is a script of steps: connect (optionally TLS), send bytes, expect something. An
 * expect step names a reply parser ("expecter"): it looks at the bytes received since the
 * last send and says whether it needs more, passed, or failed (filling the result). The
 * check types only differ in the scripts they build (check_spec.c); the reply parsers live
 * in check_reply.c and are pure functions over byte strings, unit-tested without sockets.
 */
#ifndef LB_CHECK_PRIV_H
#define LB_CHECK_PRIV_H

#include "regex.h"
#include <stdbool.h>
#include <stddef.h>

#include "healthcheck.h"

/* Largest reply kept by a probe; a parser that still needs more when it is full fails the
 * probe with L7RSP (an HTTP body string is looked for in what fits, as HAProxy does). */
#define LB_CHECK_RCVBUF_MAX 16384

enum chk_rc {
	CHK_MORE = 0,	/* need more bytes */
	CHK_PASS = 1,	/* the step passed; the script goes on */
	CHK_FAIL = -1,	/* the probe failed: result status/code/reason are set */
};

struct chk_step;

/* Looks at buf[0..len) (all bytes since the last send; buf[len] is always a NUL). `eof`: nothing more will come (the
 * peer closed). On CHK_PASS it may set res->code, res->status (L7OKC),
 * res->nolb, res->agent; on CHK_FAIL it sets status and reason. */
typedef enum chk_rc (*chk_expect_fn)(const struct chk_step *st, const char *buf, size_t len,
				      bool eof, struct lb_check_result *res);

/* What an HTTP check speaks on a connection: "check-proto", "http-check connect proto",
 * a "proto h2" server, else HTTP/1.1 unless TLS negotiates ALPN h2. */
enum chk_proto {
	CHK_PROTO_AUTO = 0,	/* HTTP/1.x, or HTTP/2 when ALPN picks h2 */
	CHK_PROTO_H1,
	CHK_PROTO_H2,		/* h2c with prior knowledge, or over TLS whatever ALPN says */
};

enum chk_step_kind {
	CHK_STEP_CONNECT = 1,
	CHK_STEP_SEND,
	CHK_STEP_EXPECT,
};

struct chk_step {
	enum chk_step_kind kind;
	char *comment;			/* prefixed to failure reasons */
	/* connect */
	int port;			/* 0: the target's */
	bool ssl;
	char *sni, *alpn;
	bool http;			/* an HTTP check's connection: proto applies */
	enum chk_proto proto;
	/* send */
	char *data;
	size_t len;
	bool best_effort;		/* a goodbye (QUIT...): errors ignored, nothing awaited */
	/* expect */
	chk_expect_fn fn;
	enum lb_check_status fail_status;	/* of a failed match */
	bool neg;
	int match;			/* enum lb_cfg_chk_match, 0 for type parsers */
	char *pattern;
	size_t pattern_len;
	char *hdr_value;
	pcre2_code *regex;		/* rstring, rstatus, rbinary: PCRE as in HAProxy; NULL */
	bool disable_on_404;		/* http */
	bool default_http;		/* http: no expect rule, 2xx/3xx pass */
};

struct lb_check_spec {
	const struct lb_check_type *type;
	char describe[48];		/* "http", "http+tls", ... */
	enum lb_check_kind kind;
	struct lb_cfg_addr target;
	long long connect_ms;		/* connect timeout */
	long long rest_ms;		/* after the connect; <= 0: the connect deadline holds */
	enum lb_check_status ok_status;	/* status of a probe whose steps all passed */
	struct chk_step *steps;
	int nsteps;
};

/* What a type's builder gets: the backend's check settings (from the config, or made up
 * from the command line of an ad-hoc probe) and the server's TLS and agent settings. */
struct chk_build_ctx {
	const struct lb_cfg_check *chk;
	bool tls;			/* check-ssl / --type tls */
	const char *sni, *alpn;
	enum chk_proto proto;		/* check-proto / server proto / --proto */
	const char *agent_send;
	size_t agent_send_len;
};

struct lb_check_builder {
	/* Appends the type's steps (first connect included) to spec. Returns 0, or -1 with
	 * *err (malloc'd). */
	int (*build)(struct lb_check_spec *spec, const struct chk_build_ctx *ctx, char **err);
};

struct chk_step *chk_spec_add(struct lb_check_spec *spec, enum chk_step_kind kind);
void chk_spec_add_send(struct lb_check_spec *spec, const void *data, size_t len,
		       bool best_effort);
struct chk_step *chk_spec_add_expect(struct lb_check_spec *spec, chk_expect_fn fn,
				     enum lb_check_status fail_status);

/* ---- reply parsers (check_reply.c) ---- */

enum chk_rc chk_expect_match(const struct chk_step *st, const char *buf, size_t len, bool eof,
			     struct lb_check_result *res);
enum chk_rc chk_expect_http(const struct chk_step *st, const char *buf, size_t len, bool eof,
			    struct lb_check_result *res);
enum chk_rc chk_expect_agent(const struct chk_step *st, const char *buf, size_t len, bool eof,
			     struct lb_check_result *res);
enum chk_rc chk_expect_redis(const struct chk_step *st, const char *buf, size_t len, bool eof,
			     struct lb_check_result *res);
enum chk_rc chk_expect_mysql_greeting(const struct chk_step *st, const char *buf, size_t len,
				      bool eof, struct lb_check_result *res);
enum chk_rc chk_expect_mysql_auth(const struct chk_step *st, const char *buf, size_t len,
				  bool eof, struct lb_check_result *res);
enum chk_rc chk_expect_pgsql(const struct chk_step *st, const char *buf, size_t len, bool eof,
			     struct lb_check_result *res);
enum chk_rc chk_expect_ldap(const struct chk_step *st, const char *buf, size_t len, bool eof,
			    struct lb_check_result *res);
enum chk_rc chk_expect_smtp(const struct chk_step *st, const char *buf, size_t len, bool eof,
			    struct lb_check_result *res);
enum chk_rc chk_expect_server_hello(const struct chk_step *st, const char *buf, size_t len,
				    bool eof, struct lb_check_result *res);

/* An HTTP/1.x response head: "HTTP/1.1 200 OK\r\n...\r\n\r\n". */
struct chk_http_resp {
	int status;
	const char *reason;		/* points into the buffer */
	size_t reason_len;
	const char *hdrs;		/* header lines, after the status line */
	size_t hdrs_len;
	const char *body;
	size_t body_len;		/* bytes of body received (capped by Content-Length) */
	bool complete;			/* the whole body is there (length known or eof) */
};
/* Returns CHK_PASS with *out filled once the head is complete, CHK_MORE, or CHK_FAIL with a
 * reason in err when the bytes are not an HTTP/1.x response. */
enum chk_rc chk_http_parse(const char *buf, size_t len, bool eof, struct chk_http_resp *out,
			   char *err, size_t errlen);
/* The value of header `name` (case-insensitive) in a parsed head, or NULL. */
const char *chk_http_header(const struct chk_http_resp *r, const char *name, size_t *vlen);

/* Formats res->reason (printable ASCII, bounded), prefixed with "comment: " if any. */
void chk_reason(struct lb_check_result *res, const struct chk_step *st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Copies up to n bytes of s into dst as printable ASCII (others become '.'). */
void chk_printable(char *dst, size_t dstlen, const char *s, size_t n);

/* ---- helpers shared with the config parser ---- */

/* "48656c6c6f" -> bytes. out must hold strlen(hex)/2 bytes. */
int lb_check_hex_decode(const char *hex, unsigned char *out, size_t *outlen, char *err,
			size_t errlen);
/* Does `code` match the list "200,201,300-399"? 1 yes, 0 no, -1 invalid list (err set). */
int lb_check_status_list_match(const char *list, int code, char *err, size_t errlen);
/* Decodes \r \n \t \\ \xHH in place (command-line strings); returns the new length. */
size_t lb_check_unescape(char *s);
/* An HTTP method token; a word without spaces or control characters. */
bool cfg_check_method_ok(const char *s);
bool cfg_check_token_ok(const char *s);

/* The ClientHello record sent by "option ssl-hello-chk" (built once with GnuTLS). */
int chk_client_hello(char **out, size_t *len, char **err);

#endif

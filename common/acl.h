/* common/acl.h: HAProxy's condition language, compiled once and evaluated per request
 *
 * A named ACL ("acl <name> <fetch>[,conv...] [flags] <values>") is a list of expressions;
 * it matches when any expression matches (several "acl" lines with one name OR together).
 * An expression is a sample fetch (table in acl_fetch.c), converters (acl_conv.c) and a
 * matcher with its patterns (acl_match.c), all resolved to function pointers and compiled
 * pattern sets (hash for exact strings, prefix tree for addresses, PCRE2 for regexes) when
 * the configuration is loaded: evaluating names nothing by string.
 * A condition ("if|unless <terms>") is a flat array of terms - ACL references, maybe negated
 * - cut into OR branches; acl_cond.c parses and evaluates it.
 * The data plane describes one request in a struct lb_acl_ctx (lbd/acl_ctx.c fills it from a
 * stream without copying); tests fill it by hand.
 */
#ifndef LB_ACL_H
#define LB_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "cfg_types.h"
#include "tls_fact.h"

struct lb_acl;
struct lb_acl_cond;
struct lb_stk_ref;
struct lb_vars;
struct lb_diag;

/* A borrowed piece of text. */
struct lb_acl_str {
	const char *p;
	size_t len;
};

/* The headers of one message, read through `get` (index 0..n-1) so that the data plane's
 * own parsed form is used in place. */
struct lb_acl_hdrs {
	unsigned n;
	void (*get)(const void *arg, unsigned i, struct lb_acl_str *name, struct lb_acl_str *value);
	const void *arg;
};

/* Backend state for nbsrv(), be_conn() and srv_is_up(). `be` is the backend named in the
 * fetch's argument (resolved by lb_acl_resolve), NULL for the stream's own backend. */
struct lb_acl_state_ops {
	int (*nbsrv)(const void *arg, const struct lb_cfg_proxy *be);
	int (*be_conn)(const void *arg, const struct lb_cfg_proxy *be);
	bool (*srv_is_up)(const void *arg, const struct lb_cfg_proxy *be, int srv_id);
};

/* What the sample fetches read. Zero it, then fill what the caller knows; a fetch whose
 * data is absent yields no sample (the expression does not match). */
struct lb_acl_ctx {
	const struct sockaddr *src;		/* client address; NULL: unknown/unix */
	const struct sockaddr *(*dst)(const void *arg);	/* local address, looked up lazily */
	const void *dst_arg;
	/* request head; meth.p == NULL when there is none (TCP mode, or a response without
	 * its request) */
	struct lb_acl_str meth, uri;
	int version;				/* 10, 11; 0 unknown */
	uint64_t req_len;			/* request bytes buffered */
	struct lb_acl_hdrs req_hdrs;
	/* response (http-response rules); status 0: none */
	int status;
	struct lb_acl_hdrs res_hdrs;
	const char *fe_name, *be_name;		/* NULL: unknown */
	const struct lb_acl_state_ops *state;	/* NULL: backend state unknown */
	const void *state_arg;
	/* stick counters (sc_*, src_*, table_*): the stream's and the connection's trackers
	 * (struct lb_stk_ref[LB_STK_NSC], common/stktable.h), NULL when none; now_ms the
	 * clock rates are read with */
	const struct lb_stk_ref *sc_strm, *sc_conn;
	uint64_t now_ms;
	/* the client connection's TLS session (ssl_fc...), NULL for clear text */
	const void *tls;
	lb_tls_fact_fn tls_fact;
	/* request content (req.len, req.payload, req.ssl_sni...): the bytes buffered from the
	 * client when has_payload; payload_partial while more may come (TCP content inspection
	 * before its delay is over): a fetch that cannot decide yet makes its condition
	 * LB_ACL_MISS instead of false */
	struct lb_acl_str payload;
	bool has_payload;
	bool payload_partial;
	/* where the connection's variables are (common/vars.h), NULL: none (var() reads proc
	 * variables only) */
	struct lb_vars *const *vars;
};

/* Where a condition is used: fetches needing what the place does not have are refused at
 * load time ("status" in an http-request rule, "path" in a TCP frontend's use_backend). */
enum {
	LB_ACL_USE_L4 = 1 << 0,		/* connection: addresses, proxies, backend state */
	LB_ACL_USE_REQ = 1 << 1,	/* HTTP request head */
	LB_ACL_USE_RES = 1 << 2,	/* HTTP response head */
	LB_ACL_USE_PAYLOAD = 1 << 3,	/* request content (TCP inspection, HTTP request) */
};

/* Errors found while compiling: `word` is the index of the word at fault in the words
 * given, `off` the byte offset inside it (for "path,lowr"). The reporter formats
 * file:line:col. */
struct lb_acl_report {
	void (*error)(void *arg, int word, int off, const char *msg);
	void *arg;
};

/* The ACLs declared in one proxy, what conditions refer to. */
struct lb_acl_set {
	struct lb_acl *head;
	const struct lb_cfg_proxy *px;	/* the owner: its stick table is the default one */
};

/* The words of a line being compiled: v[0..n), col[i] the column of v[i], `pos` the
 * file and line (its col unused). */
struct lb_acl_words {
	char *const *v;
	const int *col;
	int n;
	struct lb_cfg_pos pos;
};

/* "acl <name> <expr...>": w->v[0] is the name, then the expression. Compiles it and adds it
 * to the set (ORed with an existing ACL of that name). -f paths are relative to the working
 * directory, as in HAProxy. Returns 0 or -1 (every problem reported). */
int lb_acl_declare(struct lb_acl_set *set, const struct lb_acl_words *w,
		   const struct lb_acl_report *rep);

/* "if|unless <terms>": w->v[0] is "if" or "unless". Anonymous "{ ... }" ACLs and predefined
 * ACLs used are added to the set. `uses` is LB_ACL_USE_* of the place. NULL on error (every
 * problem reported). */
struct lb_acl_cond *lb_acl_cond_parse(struct lb_acl_set *set, const struct lb_acl_words *w,
				      unsigned uses, const struct lb_acl_report *rep);
void lb_acl_cond_free(struct lb_acl_cond *c);
bool lb_acl_cond_eval(const struct lb_acl_cond *c, const struct lb_acl_ctx *ctx);
/* HAProxy's three-valued verdict: LB_ACL_MISS when the condition may still change with
 * more content (ctx->payload_partial), as a fetch said; with complete content it is
 * lb_acl_cond_eval. "A || B" passes as soon as one passes, "A B" fails as soon as one fails,
 * "!" keeps a miss a miss. */
enum lb_acl_verdict { LB_ACL_FAIL = 0, LB_ACL_PASS = 1, LB_ACL_MISS = 2 };
enum lb_acl_verdict lb_acl_cond_verdict(const struct lb_acl_cond *c, const struct lb_acl_ctx *ctx);
/* LB_ACL_USE_* the condition's fetches need. */
unsigned lb_acl_cond_needs(const struct lb_acl_cond *c);

/* A sample expression alone, "<fetch>[,conv...]" in w->v[0] (the key of track-sc): kept
 * in the set (resolved and freed with it). NULL on error (reported). */
struct lb_acl_expr;
const struct lb_acl_expr *lb_acl_sample_parse(struct lb_acl_set *set,
					      const struct lb_acl_words *w, unsigned uses,
					      const struct lb_acl_report *rep);
/* Evaluates e on ctx and writes its first sample as a stick-table key of `type` (enum
 * lb_stk_key_type: IPv4 4 bytes - an IPv6 address that is not IPv4-mapped gives none -,
 * IPv6 16 bytes, integer 8 bytes, string at most cap bytes). Returns the key's length, or
 * -1 when there is no sample. */
int lb_acl_sample_key(const struct lb_acl_expr *e, const struct lb_acl_ctx *ctx, int type,
		      unsigned char *out, size_t cap);
/* LB_ACL_USE_* the expression reads. */
unsigned lb_acl_sample_needs(const struct lb_acl_expr *e);

/* Resolves the backend and server names of nbsrv(), be_conn(), srv_is_up() once all
 * proxies are known. Returns the number of errors reported to d. */
int lb_acl_resolve(struct lb_acl_set *set, struct lb_cfg *cfg, struct lb_diag *d);
void lb_acl_set_free(struct lb_acl_set *set);

/* The tables, for docs and lbcheck: one line per name, "<kind>  <name>  <help>" with kind
 * acl-fetch, acl-kw (fetch with an implied matcher), converter, matcher, predefined. */
void lb_acl_list(FILE *out);

#endif

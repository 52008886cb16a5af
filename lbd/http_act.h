/* lbd/http_act.h: http-request and http-response actions on live traffic
 *
 * A request's rules run in two passes, each in the order of the configuration (the
 * frontend's rules, then the backend's):
 * - lbd_http_act_req(), once the head is parsed: the actions that decide (allow, deny,
 *   reject, tarpit, return, redirect, use-service), track-sc and sc-*, set-var, set-var-fmt,
 *   unset-var and set-log-level;
 * - lbd_http_act_req_edit(), while the head for the server is built: the rewrites
 *   (set/add/del/replace-header, replace-value, set-method, set-path, set-pathq, set-query,
 *   set-uri, replace-path, replace-uri), whose conditions see the rewrites made before them.
 * Each rule's condition is evaluated once, by the pass that owns its action; an "allow"
 * ends both passes of its section (s->req_allow). use_backend is decided after the
 * frontend's first pass, so it sees the variables and counters that pass set; the rewrites
 * come after it. A response has one pass,
 * lbd_http_act_res(), over the backend's rules and then the frontend's.
 * Variables live in the client connection (cc->vars, common/vars.h): made by the first
 * set-var, emptied of txn/req/res at the end of each transaction (lbd_http_act_txn_end),
 * freed with the connection. Requests that set none cost a NULL test.
 */
#ifndef LBD_HTTP_ACT_H
#define LBD_HTTP_ACT_H

#include "acl_ctx.h"
#include "logfmt.h"
#include "stream_types.h"
#include "thread_types.h"

/* The header list of a head being rewritten: references into the parsed message, and an
 * arena (the thread's scratch) for the values rules produce. */
struct lbd_hdr_list {
	struct lbd_hdr_ref *v;
	unsigned n, cap;
	char *arena;
	size_t used, size;
};

/* A head being rewritten: the header list and the three words of the start line (request:
 * method, target, version; response: version, status, reason). */
struct lbd_http_edit {
	struct lbd_hdr_list *hl;
	struct lb_acl_str w[3];
	bool changed;			/* a word changed: lbd_http_edit_start rebuilds the line */
	const char *start;		/* the start line as it goes out */
	size_t start_len;
};

enum lbd_act_verdict {
	LBD_ACT_CONTINUE = 0,		/* go on with the request */
	LBD_ACT_REPLY,			/* deny, return, redirect: *rule answers */
	LBD_ACT_SERVICE,		/* use-service: *rule */
	LBD_ACT_REJECT,			/* close the connection, no answer */
	LBD_ACT_TARPIT,			/* held: s->state is LBD_ST_TARPIT, its timer armed */
};

/* First pass over lists[0] (frontend) and lists[1] (backend, or NULL). use_backend is
 * evaluated again after the frontend's rules (they may have set what it reads): s->be,
 * lists[1] and the contexts' backend name follow its choice; the caller redoes what depends
 * on the backend when s->be changed. */
enum lbd_act_verdict lbd_http_act_req(struct lbd_stream *s,
				      const struct lb_cfg_http_rule *lists[2],
				      struct lbd_acl_ctx *a, struct lb_log_ctx *ctx,
				      const struct lb_cfg_http_rule **rule);
/* Splits the start line start[0..len) into ed (hl: the header list). */
void lbd_http_edit_init(struct lbd_http_edit *ed, struct lbd_hdr_list *hl, const char *start,
			size_t len);
/* The rewrite pass of a request; a's view of the request follows the edits. False when
 * the arena is full (the caller answers 500). */
bool lbd_http_act_req_edit(struct lbd_stream *s, const struct lb_cfg_http_rule *const lists[2],
			   struct lbd_http_edit *ed, const struct lb_log_ctx *ctx,
			   struct lbd_acl_ctx *a);
/* The response pass over lists[0] (backend, or NULL) and lists[1] (frontend). Returns 0,
 * -1 when the arena is full, or the status of an "http-response deny". */
int lbd_http_act_res(struct lbd_stream *s, const struct lb_cfg_http_rule *const lists[2],
		     struct lbd_http_edit *ed, const struct lb_log_ctx *ctx,
		     struct lbd_acl_ctx *a);
/* The syslog level of the stream's log line: set-log-level's, else dflt; -1: silent. */
int lbd_http_act_log_level(const struct lbd_stream *s, int dflt);
/* The transaction is over (logged): its txn, req and res variables go. */
void lbd_http_act_txn_end(struct lbd_stream *s);

#endif

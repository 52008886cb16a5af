/* lbd/acl_ctx.h: conditions on live traffic: the sample context of a stream, backend state
 * for nbsrv()/be_conn()/srv_is_up(), and use_backend selection
 *
 * The context points into the stream's buffers and parsed heads (nothing is copied); it is
 * valid while they are. Filling it costs a few stores, and callers only fill it when a
 * proxy has conditions, so rule-free configs do no work.
 */
#ifndef LBD_ACL_CTX_H
#define LBD_ACL_CTX_H

#include "acl.h"
#include "http1.h"
#include "runtime_types.h"
#include "stream_types.h"

struct lbd_acl_ctx {
	struct lb_acl_ctx c;
	struct lbd_stream *s;
	const char *req_buf;
	const struct lb_http1_msg *req;
	const char *res_buf;
	const struct lb_http1_msg *res;
};

/* Connection only (TCP mode, or before a request head). */
void lbd_acl_ctx_l4(struct lbd_acl_ctx *a, struct lbd_stream *s);
/* TCP content inspection and routing: the connection and the client's bytes buffered so
 * far (cc->rbuf); `partial` while more may come before the verdict (inspect-delay). */
void lbd_acl_ctx_payload(struct lbd_acl_ctx *a, struct lbd_stream *s, bool partial);
/* A request head parsed in buf (msg offsets relative to buf). */
void lbd_acl_ctx_req(struct lbd_acl_ctx *a, struct lbd_stream *s, const char *buf,
		     const struct lb_http1_msg *msg);
/* A response head (http-response rules): status and response headers. */
void lbd_acl_ctx_res(struct lbd_acl_ctx *a, struct lbd_stream *s, const char *buf,
		     const struct lb_http1_msg *msg);

/* True when the rule applies: no condition, or its condition holds. */
static inline bool
lbd_acl_ok(const struct lb_acl_cond *cond, const struct lbd_acl_ctx *a)
{
	return !cond || lb_acl_cond_eval(cond, &a->c);
}

/* The first use_backend whose condition holds, else default_backend (or the listen
 * section itself). */
struct lbd_backend *lbd_acl_select_backend(const struct lbd_frontend *fe,
					   const struct lbd_acl_ctx *a);
/* True when the frontend has a conditional use_backend (selection needs a context). */
static inline bool
lbd_acl_fe_routes(const struct lbd_frontend *fe)
{
	return fe->use_be != NULL;
}

/* Builds fe->use_be and rt->be_by_id once backends and frontends exist. */
void lbd_acl_runtime_build(struct lbd_runtime *rt);
void lbd_acl_runtime_free(struct lbd_runtime *rt);

#endif

/* lbd/persist.h: persistence by stick table ("stick on|match|store-request|store-response")
 *
 * Before a backend balances a request, its "match" rules look the request's key up in their
 * table: a server id found there, of a server that takes traffic, is the server (bypassing
 * the algorithm). Once a server is assigned, the "store" rules remember it for their keys;
 * "store-response" rules do so with a key read from the server's response head.
 * Backends without stick rules never get here.
 */
#ifndef LBD_PERSIST_H
#define LBD_PERSIST_H

#include "acl_ctx.h"
#include "runtime_types.h"
#include "stream_types.h"

static inline bool
lbd_persist_active(const struct lbd_backend *be)
{
	return be && be->cfg->stick_rules != NULL;
}

/* The server the first matching rule's table has for the request's key, or NULL. */
struct lbd_server *lbd_persist_match(struct lbd_stream *s, const struct lbd_acl_ctx *a);
/* Remembers s->srv for the keys of the store rules that apply. */
void lbd_persist_store(struct lbd_stream *s, const struct lbd_acl_ctx *a);

/* True when a response head may have a "stick store-response" rule to run. */
static inline bool
lbd_persist_res_active(const struct lbd_backend *be)
{
	return be && be->cfg->stick_rules != NULL;
}
/* "stick store-response": remembers s->srv for the keys read from the response head. */
void lbd_persist_store_response(struct lbd_stream *s, const char *buf,
				const struct lb_http1_msg *msg);

#endif

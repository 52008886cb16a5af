/* lbd/persist.c: see persist.h */
#include "persist.h"

#include "stktable.h"
#include "thread_types.h"
#include "util.h"

/* The key of rule r for this request in key[], or -1 when the pattern has no sample. */
static int
rule_key(const struct lb_cfg_stick_rule *r, const struct lbd_acl_ctx *a, unsigned char *key,
	 size_t cap)
{
	const struct lb_stktable *t = r->key.table;

	if (!t || !lbd_acl_ok(r->acl_cond, a))
		return -1;
	return lb_acl_sample_key(r->key.key, &a->c, (int)t->def.type, key,
				 LB_MIN(t->key_size, cap));
}

static struct lbd_server *
server_by_id(const struct lbd_backend *be, int64_t id)
{
	for (unsigned i = 0; i < be->nsrv; i++)
		if (be->srv[i]->lb.id == id)
			return be->srv[i];
	return NULL;
}

struct lbd_server *
lbd_persist_match(struct lbd_stream *s, const struct lbd_acl_ctx *a)
{
	unsigned char key[LB_STK_KEY_MAX];
	uint64_t now = s->thr->now_ms;

	for (const struct lb_cfg_stick_rule *r = s->be->cfg->stick_rules; r; r = r->next) {
		int64_t id = 0;
		int klen;

		if (!(r->kind & LB_STICK_MATCH))
			continue;
		klen = rule_key(r, a, key, sizeof(key));
		if (klen <= 0)
			continue;
		if (lb_stk_lookup_read(r->key.table, key, (size_t)klen, LB_STK_SERVER_ID, now,
				       &id) && id > 0)
			return server_by_id(s->be, id);	/* the first rule that knows the key */
	}
	return NULL;
}

void
lbd_persist_store(struct lbd_stream *s, const struct lbd_acl_ctx *a)
{
	unsigned char key[LB_STK_KEY_MAX];
	uint64_t now = s->thr->now_ms;

	if (!s->srv)
		return;
	for (const struct lb_cfg_stick_rule *r = s->be->cfg->stick_rules; r; r = r->next) {
		int klen;

		if (!(r->kind & LB_STICK_STORE))
			continue;
		klen = rule_key(r, a, key, sizeof(key));
		if (klen > 0)
			lb_stk_key_set(r->key.table, key, (size_t)klen, LB_STK_SERVER_ID,
				       s->srv->lb.id, now);
	}
}

void
lbd_persist_store_response(struct lbd_stream *s, const char *buf,
			   const struct lb_http1_msg *msg)
{
	unsigned char key[LB_STK_KEY_MAX];
	struct lbd_acl_ctx a;
	bool ready = false;

	if (!s->srv)
		return;
	for (const struct lb_cfg_stick_rule *r = s->be->cfg->stick_rules; r; r = r->next) {
		int klen;

		if (!(r->kind & LB_STICK_STORE_RES))
			continue;
		if (!ready) {
			lbd_acl_ctx_res(&a, s, buf, msg);
			ready = true;
		}
		klen = rule_key(r, &a, key, sizeof(key));
		if (klen > 0)
			lb_stk_key_set(r->key.table, key, (size_t)klen, LB_STK_SERVER_ID,
				       s->srv->lb.id, s->thr->now_ms);
	}
}

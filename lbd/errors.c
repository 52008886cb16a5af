/* lbd/errors.c: per-proxy rings of rejected messages (see errors.h) */
#include "errors.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct err_ring {
	pthread_mutex_t lock;
	unsigned next;			/* slot the next error goes to */
	unsigned used;
	struct lbd_error_entry *e[LBD_ERR_RING];	/* allocated on first use */
};

static struct {
	struct lbd_runtime *rt;
	struct err_ring *rings;		/* [nfe] frontends, then [nbe] backends */
	unsigned nrings;
	uint64_t seq;			/* atomic */
} errs;

int
lbd_errors_init(struct lbd_runtime *rt)
{
	unsigned n = rt->nfe + rt->nbe;

	errs.rings = calloc(n ? n : 1, sizeof(*errs.rings));
	if (!errs.rings)
		return -1;
	for (unsigned i = 0; i < n; i++)
		pthread_mutex_init(&errs.rings[i].lock, NULL);
	errs.nrings = n;
	errs.rt = rt;
	return 0;
}

void
lbd_errors_release(void)
{
	for (unsigned i = 0; i < errs.nrings; i++) {
		for (unsigned k = 0; k < LBD_ERR_RING; k++)
			free(errs.rings[i].e[k]);
		pthread_mutex_destroy(&errs.rings[i].lock);
	}
	lb_free(&errs.rings);
	errs.nrings = 0;
}

static void
name_copy(char *dst, size_t len, const char *name)
{
	snprintf(dst, len, "%s", name ? name : "-");
}

void
lbd_errors_capture(const struct lbd_stream *s, enum lbd_err_dir dir,
		   const struct lb_http1_error *err, const char *buf, size_t len)
{
	const struct lbd_runtime *rt = errs.rt;
	struct err_ring *r;
	struct lbd_error_entry *e;
	unsigned idx;
	size_t from, to;

	if (!errs.rings)
		return;
	if (dir == LBD_ERR_REQUEST && s->fe)
		idx = (unsigned)(s->fe - rt->fe);
	else if (dir == LBD_ERR_RESPONSE && s->be)
		idx = rt->nfe + (unsigned)(s->be - rt->be);
	else
		return;
	if (idx >= errs.nrings)
		return;
	r = &errs.rings[idx];
	pthread_mutex_lock(&r->lock);
	e = r->e[r->next];
	if (!e)
		e = r->e[r->next] = malloc(sizeof(*e));
	if (!e) {
		pthread_mutex_unlock(&r->lock);
		return;
	}
	r->next = (r->next + 1) % LBD_ERR_RING;
	if (r->used < LBD_ERR_RING)
		r->used++;
	e->seq = __atomic_add_fetch(&errs.seq, 1, __ATOMIC_RELAXED);
	gettimeofday(&e->when, NULL);
	e->dir = dir;
	e->status = err->status;
	name_copy(e->proxy, sizeof(e->proxy), dir == LBD_ERR_REQUEST ? s->fe->name : s->be->name);
	name_copy(e->frontend, sizeof(e->frontend), s->fe ? s->fe->name : NULL);
	name_copy(e->backend, sizeof(e->backend), s->be ? s->be->name : NULL);
	name_copy(e->server, sizeof(e->server), s->srv ? s->srv->name : NULL);
	if (s->cc->flags & LBD_CC_F_UNIX)
		snprintf(e->client, sizeof(e->client), "unix");
	else
		lb_addr_format(&s->cc->cli.sa, e->client, sizeof(e->client));
	snprintf(e->reason, sizeof(e->reason), "%s", err->reason ? err->reason : "malformed");
	e->offset = err->offset;
	e->msg_len = buf ? (uint32_t)len : 0;
	/* keep the bytes around the fault: up to half the capture before it */
	from = 0;
	to = 0;
	if (buf && len) {
		size_t off = LB_MIN((size_t)err->offset, len);
		from = off > LBD_ERR_CAPTURE / 2 ? off - LBD_ERR_CAPTURE / 2 : 0;
		to = LB_MIN(len, from + LBD_ERR_CAPTURE);
		memcpy(e->cap, buf + from, to - from);
	}
	e->cap_start = (uint32_t)from;
	e->cap_len = (uint32_t)(to - from);
	pthread_mutex_unlock(&r->lock);
}

struct lbd_error_entry *
lbd_errors_snapshot(int dir, size_t *n)
{
	struct lbd_error_entry *out;
	size_t cap = (size_t)errs.nrings * LBD_ERR_RING, k = 0;

	*n = 0;
	if (!errs.rings || !cap)
		return NULL;
	out = malloc(cap * sizeof(*out));
	if (!out)
		return NULL;
	for (unsigned i = 0; i < errs.nrings; i++) {
		struct err_ring *r = &errs.rings[i];

		pthread_mutex_lock(&r->lock);
		/* oldest first: the slot after the newest when the ring is full */
		for (unsigned j = 0; j < r->used; j++) {
			unsigned slot = (r->next + LBD_ERR_RING - r->used + j) % LBD_ERR_RING;
			const struct lbd_error_entry *e = r->e[slot];
			if (e && (dir < 0 || (int)e->dir == dir))
				out[k++] = *e;
		}
		pthread_mutex_unlock(&r->lock);
	}
	*n = k;
	if (!k)
		lb_free(&out);
	return out;
}

/* lbd/buf.h: fixed-size data buffers taken from a per-thread pool only while data is in flight
 *
 * A struct lbd_buf is 16 bytes and the all-zero value is a valid empty buffer with no storage,
 * so an idle connection holds no data memory at all. Storage comes from the owning thread's
 * pool (no locking: a buffer never changes thread) and goes back as soon as the buffer is
 * empty (lbd_buf_release_if_empty). Data lives in data[head .. head+len).
 */
#ifndef LBD_BUF_H
#define LBD_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

struct lbd_buf {
	char *data;		/* NULL: no storage attached */
	uint32_t head;		/* offset of the first byte */
	uint32_t len;		/* bytes of data */
};

struct lbd_buf_pool {
	void *free_list;	/* singly linked through the first word of each chunk */
	unsigned nfree;
	unsigned max_free;	/* chunks kept for reuse; the rest go back to malloc */
	uint32_t size;		/* bytes per chunk (tune.bufsize) */
	uint64_t allocated;	/* chunks handed out and not yet returned */
};

void lbd_buf_pool_init(struct lbd_buf_pool *pool, uint32_t size, unsigned max_free);
void lbd_buf_pool_destroy(struct lbd_buf_pool *pool);

/* Attaches storage if the buffer has none. Returns false on allocation failure (the caller
 * closes that one connection). */
bool lbd_buf_alloc(struct lbd_buf_pool *pool, struct lbd_buf *b);
/* Returns the storage to the pool; the buffer becomes empty. */
void lbd_buf_release(struct lbd_buf_pool *pool, struct lbd_buf *b);

static inline void
lbd_buf_release_if_empty(struct lbd_buf_pool *pool, struct lbd_buf *b)
{
	if (b->data && b->len == 0)
		lbd_buf_release(pool, b);
}

static inline char *
lbd_buf_tail(const struct lbd_buf *b)
{
	return b->data + b->head + b->len;
}

/* Room after the data, moving the data to the front first when that makes more room. */
static inline uint32_t
lbd_buf_room(struct lbd_buf *b, uint32_t size)
{
	if (b->len == 0)
		b->head = 0;
	else if (b->head && b->head + b->len >= size - 1024) {
		memmove(b->data, b->data + b->head, b->len);
		b->head = 0;
	}
	return size - b->head - b->len;
}

static inline void
lbd_buf_consume(struct lbd_buf *b, uint32_t n)
{
	b->head += n;
	b->len -= n;
	if (b->len == 0)
		b->head = 0;
}

#endif

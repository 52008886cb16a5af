/* lbd/buf.c: the per-thread buffer pool */
#include "buf.h"

#include <stdlib.h>

void
lbd_buf_pool_init(struct lbd_buf_pool *pool, uint32_t size, unsigned max_free)
{
	pool->free_list = NULL;
	pool->nfree = 0;
	pool->max_free = max_free;
	pool->size = size;
	pool->allocated = 0;
}

void
lbd_buf_pool_destroy(struct lbd_buf_pool *pool)
{
	while (pool->free_list) {
		void *next = *(void **)pool->free_list;
		free(pool->free_list);
		pool->free_list = next;
	}
	pool->nfree = 0;
}

bool
lbd_buf_alloc(struct lbd_buf_pool *pool, struct lbd_buf *b)
{
	if (b->data)
		return true;
	if (pool->free_list) {
		b->data = pool->free_list;
		pool->free_list = *(void **)pool->free_list;
		pool->nfree--;
	} else {
		b->data = malloc(pool->size);
		if (!b->data)
			return false;
	}
	pool->allocated++;
	b->head = 0;
	b->len = 0;
	return true;
}

void
lbd_buf_release(struct lbd_buf_pool *pool, struct lbd_buf *b)
{
	if (!b->data)
		return;
	if (pool->nfree < pool->max_free) {
		*(void **)b->data = pool->free_list;
		pool->free_list = b->data;
		pool->nfree++;
	} else {
		free(b->data);
	}
	pool->allocated--;
	b->data = NULL;
	b->head = 0;
	b->len = 0;
}

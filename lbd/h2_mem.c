/* lbd/h2_mem.c: the memory of an nghttp2 session (see h2_mem.h)
 *
 * Frame buffer slots come from mappings of SLOTS_PER_CHUNK slots each, shared by all threads
 * under one lock (a slot is taken when a connection starts h2 and given back when it ends,
 * so the lock is not on the per-request path). A slot is page-aligned and a whole number of
 * pages, so its pages belong to nobody else and MADV_DONTNEED on them is safe: what nghttp2
 * finds there next time is zeroes, which it overwrites before reading (the buffer is
 * scratch between nghttp2_session_send calls).
 */
#include "h2_mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define FB_MIN 16384		/* smallest allocation taken for the frame buffer */
#define SLOTS_PER_CHUNK 64

struct fb_chunk {
	char *base;
	uint64_t used;		/* bit i: slot i is taken */
	struct fb_chunk *next;
};

static struct {
	pthread_mutex_t lock;
	struct fb_chunk *chunks;
	size_t slot;		/* bytes per slot: FB_MIN and the 10 bytes of nghttp2's frame
				 * header room, rounded up to pages */
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

static size_t
slot_size(void)
{
	size_t s = __atomic_load_n(&pool.slot, __ATOMIC_RELAXED);

	if (!s) {
		long page = sysconf(_SC_PAGESIZE);
		size_t p = page > 0 ? (size_t)page : 4096;
		s = (FB_MIN + p) / p * p;
		__atomic_store_n(&pool.slot, s, __ATOMIC_RELAXED);
	}
	return s;
}

static void *
slot_get(void)
{
	size_t ss = slot_size();
	struct fb_chunk *c;
	void *p = NULL;

	pthread_mutex_lock(&pool.lock);
	for (c = pool.chunks; c && c->used == UINT64_MAX; c = c->next)
		;
	if (!c && (c = calloc(1, sizeof(*c)))) {
		void *base = mmap(NULL, ss * SLOTS_PER_CHUNK, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (base == MAP_FAILED) {
			free(c);
			c = NULL;
		} else {
			c->base = base;
			c->next = pool.chunks;
			pool.chunks = c;
		}
	}
	if (c) {
		unsigned i = (unsigned)__builtin_ctzll(~c->used);
		c->used |= 1ull << i;
		p = c->base + (size_t)i * ss;
	}
	pthread_mutex_unlock(&pool.lock);
	return p;
}

static void
slot_put(void *p)
{
	size_t ss = slot_size();
	struct fb_chunk **pc, *c;

	pthread_mutex_lock(&pool.lock);
	for (pc = &pool.chunks; (c = *pc); pc = &c->next) {
		if ((char *)p < c->base || (char *)p >= c->base + ss * SLOTS_PER_CHUNK)
			continue;
		c->used &= ~(1ull << (((char *)p - c->base) / ss));
		/* an empty chunk is unmapped unless it is the last one (no mmap per
		 * connection for a thread that has one h2 connection at a time) */
		if (!c->used && (pool.chunks != c || c->next)) {
			*pc = c->next;
			munmap(c->base, ss * SLOTS_PER_CHUNK);
			free(c);
		}
		break;
	}
	pthread_mutex_unlock(&pool.lock);
}

static bool
is_fb_size(size_t n)
{
	return n >= FB_MIN && n <= slot_size();
}

static void *
h2m_malloc(size_t n, void *ud)
{
	struct lbd_h2_mem *m = ud;

	if (n >= FB_MIN && !m->fb && is_fb_size(n) && (m->fb = slot_get()))
		return m->fb;
	return malloc(n);
}

static void
h2m_free(void *p, void *ud)
{
	struct lbd_h2_mem *m = ud;

	if (p != m->fb || !p) {
		free(p);
		return;
	}
	slot_put(p);
	m->fb = NULL;
}

static void *
h2m_calloc(size_t n, size_t size, void *ud)
{
	struct lbd_h2_mem *m = ud;
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	if (n * size < FB_MIN || m->fb)
		return calloc(n, size);	/* glibc knows when memory is zero already */
	p = h2m_malloc(n * size, ud);
	if (p)
		memset(p, 0, n * size);
	return p;
}

static void *
h2m_realloc(void *p, size_t n, void *ud)
{
	struct lbd_h2_mem *m = ud;
	void *q;

	if (!p)
		return h2m_malloc(n, ud);
	if (p != m->fb)
		return realloc(p, n);
	if (n <= slot_size())
		return p;
	q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, slot_size());
	h2m_free(p, ud);
	return q;
}

void
lbd_h2_mem_init(struct lbd_h2_mem *m)
{
	memset(m, 0, sizeof(*m));
	m->mem = (nghttp2_mem){ .mem_user_data = m, .malloc = h2m_malloc, .free = h2m_free,
				.calloc = h2m_calloc, .realloc = h2m_realloc };
}

void
lbd_h2_mem_idle(struct lbd_h2_mem *m)
{
	if (!m->fb || !m->written)
		return;
	madvise(m->fb, slot_size(), MADV_DONTNEED);
	m->written = false;
}

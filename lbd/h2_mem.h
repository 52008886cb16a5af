/* lbd/h2_mem.h: the memory of an nghttp2 session, so that an idle h2 connection stays small
 *
 * nghttp2 1.52 gives every session a frame buffer of one maximum frame (16 KiB + 10 bytes)
 * for its whole life, although it only holds bytes while frames are being serialized
 * (nghttp2_session_send). Through the allocator below (nghttp2_session_server_new3) that
 * buffer lives in its own pages (slots of a page-aligned mapping shared by all sessions),
 * so pages nothing wrote are never resident, and lbd_h2_mem_idle() gives the written ones
 * back while the connection is idle: an idle session then costs its bookkeeping only (the
 * session object, the stream map, the two HPACK tables), not a frame buffer.
 * Everything else nghttp2 allocates goes to malloc().
 */
#ifndef LBD_H2_MEM_H
#define LBD_H2_MEM_H

#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stdint.h>

/* One per session (embedded in the connection, which outlives its session). */
struct lbd_h2_mem {
	nghttp2_mem mem;	/* given to nghttp2_session_server_new3 (mem_user_data: this) */
	void *fb;		/* the session's frame buffer slot, NULL until nghttp2 asks */
	bool written;		/* frames were serialized since then */
};

void lbd_h2_mem_init(struct lbd_h2_mem *m);
/* Frames were serialized (the send callback ran): the frame buffer has resident pages. */
static inline void
lbd_h2_mem_written(struct lbd_h2_mem *m)
{
	m->written = true;
}
/* Does the frame buffer have pages to give back? */
static inline bool
lbd_h2_mem_resident(const struct lbd_h2_mem *m)
{
	return m->fb && m->written;
}
/* The session is idle (no stream, nothing queued or half sent): the frame buffer's pages
 * go back to the system. */
void lbd_h2_mem_idle(struct lbd_h2_mem *m);

#endif

/* lbd/proxy.h: the modes (tcp, http) as vtables the event layer dispatches to
 *
 * stream.c owns the events and calls these; a mode never registers callbacks itself. Each
 * handler may free the stream or close the client connection: callers must not touch them
 * after the call.
 */
#ifndef LBD_PROXY_H
#define LBD_PROXY_H

#include "stream_types.h"

struct lbd_mode_ops {
	const char *name;
	void (*cli_start)(struct lbd_cconn *cc);	/* accepted, PROXY header done */
	void (*cli_read)(struct lbd_cconn *cc);		/* client readable */
	void (*cli_timeout)(struct lbd_cconn *cc);	/* the client read event timed out */
	void (*cli_write)(struct lbd_stream *s);	/* client writable again */
	void (*srv_read)(struct lbd_stream *s);		/* server readable */
	void (*srv_write)(struct lbd_stream *s);	/* server writable again */
	void (*srv_connected)(struct lbd_stream *s);	/* connection established */
	void (*srv_connect_failed)(struct lbd_stream *s, int err, bool timeout);
	void (*timer)(struct lbd_stream *s);		/* the stream's deadline passed */
	void (*granted)(struct lbd_stream *s);		/* a queued stream got its server */
	void (*soft_stop)(struct lbd_cconn *cc);	/* close if idle, else when done */
};

extern const struct lbd_mode_ops lbd_mode_http;
extern const struct lbd_mode_ops lbd_mode_tcp;

#endif

/* common/ctl_client.h: a blocking control-socket client for lbctl, lbtop and tests
 *
 * One request at a time: send a frame, wait (bounded by the timeout) for the reply with the
 * same id. Any transport problem closes the connection; the caller may connect again.
 */
#ifndef LB_CTL_CLIENT_H
#define LB_CTL_CLIENT_H

#include <stdint.h>

#include "ctl_proto.h"

/* Where lbctl and lbtop look without -s: $LBCTL_SOCKET, else this path (HAProxy's habit). */
#define LB_CTL_DEFAULT_SOCKET "/run/lbd/admin.sock"
#define LB_CTL_SOCKET_ENV "LBCTL_SOCKET"

struct lb_ctl_client {
	int fd;			/* -1 when not connected */
	uint64_t next_id;
	int timeout_ms;		/* for each send and each reply */
	char *in;
	size_t inlen, incap;
};

void lb_ctl_client_init(struct lb_ctl_client *c, int timeout_ms);
/* Returns 0, or -1 with a message ("cannot connect to /run/lbd.sock: No such file...") */
int lb_ctl_client_connect(struct lb_ctl_client *c, const char *path, char *err, size_t errlen);
void lb_ctl_client_close(struct lb_ctl_client *c);

/* Sends cmd with its arguments and waits for the reply. Returns 0 with *rep filled (its
 * status is the daemon's verdict; free it with lb_ctl_reply_free), or -1 with a message when
 * the exchange itself failed (the connection is then closed). Borrows argv. */
int lb_ctl_client_call(struct lb_ctl_client *c, const char *cmd, int argc,
		       const char *const *argv, struct lb_ctl_reply *rep, char *err,
		       size_t errlen);

/* After a call whose command streams (subscribe): waits for the next reply with that id
 * (c->timeout_ms bounds the wait). Same returns as lb_ctl_client_call. */
int lb_ctl_client_next(struct lb_ctl_client *c, uint64_t id, struct lb_ctl_reply *rep,
		       char *err, size_t errlen);

#endif

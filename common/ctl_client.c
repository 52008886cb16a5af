/* common/ctl_client.c: a blocking control-socket client (poll-bounded reads and writes) */
#include "ctl_client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"

void
lb_ctl_client_init(struct lb_ctl_client *c, int timeout_ms)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->next_id = 1;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
}

void
lb_ctl_client_close(struct lb_ctl_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	lb_free(&c->in);
	c->inlen = c->incap = 0;
}

int
lb_ctl_client_connect(struct lb_ctl_client *c, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	lb_ctl_client_close(c);
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		snprintf(err, errlen, "cannot connect to %s: %s", path, strerror(errno));
		lb_ctl_client_close(c);
		return -1;
	}
	return 0;
}

/* Waits until fd is ready for `events`; false on timeout or error. */
static bool
wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int rc;

	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	return rc > 0;
}

static int
send_all(struct lb_ctl_client *c, const char *p, size_t len, char *err, size_t errlen)
{
	while (len) {
		ssize_t n;

		if (!wait_fd(c->fd, POLLOUT, c->timeout_ms)) {
			snprintf(err, errlen, "timeout sending to the daemon");
			return -1;
		}
		n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			snprintf(err, errlen, "send: %s", strerror(errno));
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads until one whole frame is buffered; returns its payload length. */
static int
read_frame(struct lb_ctl_client *c, size_t *plen, char *err, size_t errlen)
{
	for (;;) {
		ssize_t n;

		switch (lb_ctl_frame_peek(c->in, c->inlen, plen)) {
		case LB_CTL_FRAME_OK:
			return 0;
		case LB_CTL_FRAME_EMPTY:
		case LB_CTL_FRAME_TOO_BIG:
			snprintf(err, errlen, "the daemon sent an invalid frame length (%zu)",
				 *plen);
			return -1;
		case LB_CTL_FRAME_MORE:
			break;
		}
		if (c->incap - c->inlen < 16384) {
			size_t cap = LB_MAX(c->incap * 2, c->inlen + 65536);
			char *p = realloc(c->in, cap);
			if (!p) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			c->in = p;
			c->incap = cap;
		}
		if (!wait_fd(c->fd, POLLIN, c->timeout_ms)) {
			snprintf(err, errlen, "timeout waiting for the daemon's reply");
			return -1;
		}
		n = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "the daemon closed the connection%s%s",
				 n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
			return -1;
		}
		c->inlen += (size_t)n;
	}
}

int
lb_ctl_client_call(struct lb_ctl_client *c, const char *cmd, int argc,
		   const char *const *argv, struct lb_ctl_reply *rep, char *err, size_t errlen)
{
	msgpack_sbuffer sb;
	uint64_t id = c->next_id++;
	int rc;

	memset(rep, 0, sizeof(*rep));
	msgpack_unpacked_init(&rep->up);
	if (c->fd < 0) {
		snprintf(err, errlen, "not connected");
		return -1;
	}
	msgpack_sbuffer_init(&sb);
	if (lb_ctl_encode_request(&sb, id, cmd, argc, argv) < 0) {
		snprintf(err, errlen, "request too large");
		msgpack_sbuffer_destroy(&sb);
		return -1;
	}
	rc = send_all(c, sb.data, sb.size, err, errlen);
	msgpack_sbuffer_destroy(&sb);
	if (rc < 0)
		goto fail;
	/* replies come in order; one with another id (left from an abandoned call) is skipped,
	 * an error with id 0 is about a frame the daemon could not read: ours */
	for (int skipped = 0; skipped < 64; skipped++) {
		size_t plen;

		if (read_frame(c, &plen, err, errlen) < 0)
			goto fail;
		lb_ctl_reply_free(rep);
		rc = lb_ctl_decode_reply(c->in + LB_CTL_HDR_LEN, plen, rep, err, errlen);
		memmove(c->in, c->in + LB_CTL_HDR_LEN + plen, c->inlen - LB_CTL_HDR_LEN - plen);
		c->inlen -= LB_CTL_HDR_LEN + plen;
		if (rc < 0)
			goto fail;
		if (rep->id == id || (rep->id == 0 && rep->status != LB_CTL_ST_OK))
			return 0;
	}
	snprintf(err, errlen, "no reply with id %llu", (unsigned long long)id);
fail:
	lb_ctl_reply_free(rep);
	lb_ctl_client_close(c);
	return -1;
}

int
lb_ctl_client_next(struct lb_ctl_client *c, uint64_t id, struct lb_ctl_reply *rep, char *err,
		   size_t errlen)
{
	memset(rep, 0, sizeof(*rep));
	msgpack_unpacked_init(&rep->up);
	if (c->fd < 0) {
		snprintf(err, errlen, "not connected");
		return -1;
	}
	for (;;) {
		size_t plen;
		int rc;

		if (read_frame(c, &plen, err, errlen) < 0)
			break;
		lb_ctl_reply_free(rep);
		rc = lb_ctl_decode_reply(c->in + LB_CTL_HDR_LEN, plen, rep, err, errlen);
		memmove(c->in, c->in + LB_CTL_HDR_LEN + plen, c->inlen - LB_CTL_HDR_LEN - plen);
		c->inlen -= LB_CTL_HDR_LEN + plen;
		if (rc < 0)
			break;
		if (rep->id == id)
			return 0;
	}
	lb_ctl_reply_free(rep);
	lb_ctl_client_close(c);
	return -1;
}

/* common/check.c: runs one health-check probe on a libevent loop (see healthcheck.h)
 *
 * A probe walks its spec's steps with one non-blocking socket: connect (then the TLS
 * handshake when the step says ssl), send, expect. Whenever a step cannot go on it waits
 * for one event on the fd (read or write, never both) and resumes from the same step. One
 * timer carries the deadline: the connect timeout until the first connection is up, then
 * "timeout check" (or, without it, the same deadline, as HAProxy does with "inter"). The
 * timer also starts the probe, so that `done` never runs inside lb_check_start().
 * All memory of a probe is one allocation plus its two events and TLS session; the receive
 * buffer is bounded (LB_CHECK_RCVBUF_MAX) and cleared at every send.
 * An HTTP connection that speaks HTTP/2 (see h2_setup) adds an nghttp2 session
 * (check_h2.c): a send step submits its request to it, reads feed it the frames, and it
 * writes the response into the same receive buffer; what the session owes the server
 * (SETTINGS and PING acknowledgements) is written before each read.
 */
#include "check_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "check_h2.h"
#include "tls_client.h"
#include "util.h"

enum phase {
	PH_START = 0,
	PH_CONNECTING,
	PH_HANDSHAKE,
	PH_SEND,
	PH_EXPECT,
};

struct lb_check {
	struct event_base *base;
	const struct lb_check_spec *spec;
	lb_check_done_fn done;
	void *arg;
	struct lb_cfg_addr target;
	long long connect_ms, rest_ms;
	int fd;
	struct event *io;
	struct event *tmr;
	struct lb_tls_client *tls;
	struct chk_h2 *h2;		/* the connection speaks HTTP/2 (check_h2.h) */
	int step;
	enum phase phase;
	bool connected_once;
	uint64_t start_ms, deadline_ms;
	size_t sent;
	size_t rlen;
	bool eof;
	struct lb_check_result res;
	char rbuf[LB_CHECK_RCVBUF_MAX + 1];
};

/* ---- statuses ---- */

struct status_row {
	const char *name;
	const char *desc;
	bool ok;
};

static const struct status_row status_rows[LB_CHK__COUNT] = {
	[LB_CHK_UNK] = { "UNK", "Unknown", false },
	[LB_CHK_INI] = { "INI", "Initializing", false },
	[LB_CHK_SOCKERR] = { "SOCKERR", "Socket error", false },
	[LB_CHK_L4OK] = { "L4OK", "Layer4 check passed", true },
	[LB_CHK_L4TOUT] = { "L4TOUT", "Layer4 timeout", false },
	[LB_CHK_L4CON] = { "L4CON", "Layer4 connection problem", false },
	[LB_CHK_L6OK] = { "L6OK", "Layer6 check passed", true },
	[LB_CHK_L6TOUT] = { "L6TOUT", "Layer6 timeout", false },
	[LB_CHK_L6RSP] = { "L6RSP", "Layer6 invalid response", false },
	[LB_CHK_L7TOUT] = { "L7TOUT", "Layer7 timeout", false },
	[LB_CHK_L7RSP] = { "L7RSP", "Layer7 invalid response", false },
	[LB_CHK_L7OK] = { "L7OK", "Layer7 check passed", true },
	[LB_CHK_L7OKC] = { "L7OKC", "Layer7 check conditionally passed", true },
	[LB_CHK_L7STS] = { "L7STS", "Layer7 wrong status", false },
};

const char *
lb_check_status_name(enum lb_check_status st)
{
	return (unsigned)st < LB_CHK__COUNT ? status_rows[st].name : "UNK";
}

const char *
lb_check_status_desc(enum lb_check_status st)
{
	return (unsigned)st < LB_CHK__COUNT ? status_rows[st].desc : "Unknown";
}

bool
lb_check_status_ok(enum lb_check_status st)
{
	return (unsigned)st < LB_CHK__COUNT && status_rows[st].ok;
}

int
lb_check_status_from_name(const char *name)
{
	for (int i = 0; i < LB_CHK__COUNT; i++)
		if (!strcasecmp(status_rows[i].name, name))
			return i;
	return -1;
}

/* ---- the probe ---- */

static void run(struct lb_check *chk);

static void
close_conn(struct lb_check *chk)
{
	if (chk->io) {
		event_free(chk->io);
		chk->io = NULL;
	}
	if (chk->tls) {
		lb_tls_client_free(chk->tls);
		chk->tls = NULL;
	}
	chk_h2_free(chk->h2);
	chk->h2 = NULL;
	if (chk->fd >= 0) {
		close(chk->fd);
		chk->fd = -1;
	}
}

static void
probe_free(struct lb_check *chk)
{
	close_conn(chk);
	if (chk->tmr)
		event_free(chk->tmr);
	free(chk);
}

/* Ends the probe: the result goes to `done`, then everything is freed. */
static void
finish(struct lb_check *chk)
{
	uint64_t now = lb_now_ms();
	lb_check_done_fn done = chk->done;
	void *arg = chk->arg;
	struct lb_check_result res;

	close_conn(chk);
	chk->res.duration_ms = (unsigned)(now - chk->start_ms);
	res = chk->res;
	probe_free(chk);
	done(&res, arg);
}

static const struct chk_step *
cur_step(const struct lb_check *chk)
{
	return chk->step < chk->spec->nsteps ? &chk->spec->steps[chk->step] : NULL;
}

static void
fail(struct lb_check *chk, enum lb_check_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fail(struct lb_check *chk, enum lb_check_status st, const char *fmt, ...)
{
	char tmp[LB_CHECK_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	chk->res.status = st;
	chk_reason(&chk->res, cur_step(chk), "%s", tmp);
	finish(chk);
}

/* Layer of the application part: 6 for ssl-hello-chk, else 7. */
static bool
layer6(const struct lb_check *chk)
{
	return chk->spec->ok_status == LB_CHK_L6OK;
}

static void
arm_timer(struct lb_check *chk)
{
	uint64_t now = lb_now_ms();
	uint64_t left = chk->deadline_ms > now ? chk->deadline_ms - now : 0;
	struct timeval tv = { (time_t)(left / 1000), (suseconds_t)(left % 1000) * 1000 };

	evtimer_add(chk->tmr, &tv);
}

static void
on_io(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	run(arg);
}

/* Waits for the fd to be readable (EV_READ) or writable (EV_WRITE). */
static void
wait_fd(struct lb_check *chk, short what)
{
	if (chk->io)
		event_free(chk->io);
	chk->io = event_new(chk->base, chk->fd, what, on_io, chk);
	if (!chk->io || event_add(chk->io, NULL) < 0)
		fail(chk, LB_CHK_SOCKERR, "cannot watch the socket");
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct lb_check *chk = arg;

	(void)fd;
	(void)what;
	if (chk->phase == PH_START) {
		run(chk);
		return;
	}
	switch (chk->phase) {
	case PH_CONNECTING:
		fail(chk, LB_CHK_L4TOUT, "connection timed out after %llums",
		     (unsigned long long)(lb_now_ms() - chk->start_ms));
		break;
	case PH_HANDSHAKE:
		fail(chk, LB_CHK_L6TOUT, "TLS handshake timed out");
		break;
	default:
		fail(chk, layer6(chk) ? LB_CHK_L6TOUT : LB_CHK_L7TOUT,
		     chk->rlen ? "timeout with an incomplete reply (%zu bytes)" : "no reply after "
		     "%zums", chk->rlen ? chk->rlen : (size_t)(lb_now_ms() - chk->start_ms));
		break;
	}
}

/* Connect step. Returns 1 when connected (plain), 0 when waiting, -1 when finished. */
static int
do_connect(struct lb_check *chk, const struct chk_step *st)
{
	struct lb_cfg_addr a = chk->target;
	int fd;

	if (chk->phase != PH_CONNECTING) {
		close_conn(chk);
		if (st->port > 0) {
			if (a.ss.ss_family == AF_INET)
				((struct sockaddr_in *)&a.ss)->sin_port = htons((uint16_t)st->port);
			else if (a.ss.ss_family == AF_INET6)
				((struct sockaddr_in6 *)&a.ss)->sin6_port =
					htons((uint16_t)st->port);
		}
		fd = socket(a.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			fail(chk, LB_CHK_SOCKERR, "socket: %s", strerror(errno));
			return -1;
		}
		chk->fd = fd;
		if (a.ss.ss_family != AF_UNIX) {
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		}
		{
			uint64_t dl = lb_now_ms() + (uint64_t)chk->connect_ms;
			if (!chk->connected_once || dl < chk->deadline_ms)
				chk->deadline_ms = dl;
		}
		chk->phase = PH_CONNECTING;
		arm_timer(chk);
		if (connect(fd, (struct sockaddr *)&a.ss, a.len) < 0) {
			if (errno == EINPROGRESS || errno == EAGAIN) {
				wait_fd(chk, EV_WRITE);
				return 0;
			}
			fail(chk, LB_CHK_L4CON, "%s", strerror(errno));
			return -1;
		}
	} else {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(chk->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			fail(chk, LB_CHK_L4CON, "%s", strerror(err));
			return -1;
		}
	}
	/* connected */
	if (!chk->connected_once) {
		chk->connected_once = true;
		if (chk->rest_ms > 0) {
			chk->deadline_ms = lb_now_ms() + (uint64_t)chk->rest_ms;
			arm_timer(chk);
		}
	}
	if (st->ssl) {
		char err[160];

		chk->tls = lb_tls_client_new(chk->fd, st->sni, st->alpn, err, sizeof(err));
		if (!chk->tls) {
			fail(chk, LB_CHK_SOCKERR, "%s", err);
			return -1;
		}
		chk->phase = PH_HANDSHAKE;
	}
	return 1;
}

static int
do_handshake(struct lb_check *chk)
{
	int rc = lb_tls_client_handshake(chk->tls);

	if (rc == 0)
		return 1;
	if (rc == LB_TLS_WANT_READ || rc == LB_TLS_WANT_WRITE) {
		wait_fd(chk, rc == LB_TLS_WANT_READ ? EV_READ : EV_WRITE);
		return 0;
	}
	fail(chk, LB_CHK_L6RSP, "TLS handshake failed: %s", lb_tls_client_error(chk->tls));
	return -1;
}

/* One non-blocking write: bytes written, -2 when the socket is not ready (*want says for
 * what), -1 on an error (io_error() tells which). */
static ssize_t
io_write(struct lb_check *chk, const void *data, size_t len, short *want)
{
	ssize_t n;

	*want = EV_WRITE;
	if (chk->tls) {
		n = lb_tls_client_write(chk->tls, data, len);
		if (n == LB_TLS_WANT_READ || n == LB_TLS_WANT_WRITE) {
			*want = n == LB_TLS_WANT_READ ? EV_READ : EV_WRITE;
			return -2;
		}
		return n < 0 ? -1 : n;
	}
	n = send(chk->fd, data, len, MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return -2;
	return n;
}

static const char *
io_error(const struct lb_check *chk)
{
	return chk->tls ? lb_tls_client_error(chk->tls) : strerror(errno);
}

/* Writes what is left of the send step: 1 done, 0 waiting, -1 finished (failed). */
static int
do_send(struct lb_check *chk, const struct chk_step *st)
{
	while (chk->sent < st->len) {
		short want;
		ssize_t n = io_write(chk, st->data + chk->sent, st->len - chk->sent, &want);

		if (n == -2) {
			if (st->best_effort)
				return 1;	/* a goodbye is not worth waiting for */
			wait_fd(chk, want);
			return 0;
		}
		if (n < 0) {
			if (st->best_effort)
				return 1;
			fail(chk, LB_CHK_SOCKERR, "send failed: %s", io_error(chk));
			return -1;
		}
		chk->sent += (size_t)n;
	}
	return 1;
}

/* Writes the frames the HTTP/2 session has for the server: 1 all out, 0 waiting, -1
 * finished (failed). */
static int
h2_flush(struct lb_check *chk)
{
	for (;;) {
		const uint8_t *data;
		size_t len;
		short want;
		ssize_t n;
		char err[128];

		if (chk_h2_output(chk->h2, &data, &len, err, sizeof(err)) < 0) {
			fail(chk, LB_CHK_L7RSP, "%s", err);
			return -1;
		}
		if (!len)
			return 1;
		n = io_write(chk, data, len, &want);
		if (n == -2) {
			wait_fd(chk, want);
			return 0;
		}
		if (n < 0) {
			fail(chk, LB_CHK_SOCKERR, "send failed: %s", io_error(chk));
			return -1;
		}
		chk_h2_written(chk->h2, (size_t)n);
	}
}

/* Does this connection speak HTTP/2? Set up once the connect step (TLS included) is done:
 * 1 go on, -1 finished (failed). */
static int
h2_setup(struct lb_check *chk, const struct chk_step *st)
{
	bool alpn_h2 = chk->tls && !strcmp(lb_tls_client_alpn(chk->tls), "h2");
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	char err[96], authority[64] = "localhost";

	if (!st->http || !(st->proto == CHK_PROTO_H2 || (st->proto == CHK_PROTO_AUTO && alpn_h2)))
		return 1;
	if (getpeername(chk->fd, (struct sockaddr *)&peer, &plen) == 0 &&
	    (peer.ss_family == AF_INET || peer.ss_family == AF_INET6))
		lb_addr_format((struct sockaddr *)&peer, authority, sizeof(authority));
	chk->h2 = chk_h2_new(chk->tls != NULL, authority, err, sizeof(err));
	if (!chk->h2) {
		fail(chk, LB_CHK_SOCKERR, "%s", err);
		return -1;
	}
	return 1;
}

/* One non-blocking read: bytes read (0: eof), -2 when the socket is not ready (*want says
 * for what), -1 on an error (io_error() tells which). */
static ssize_t
io_read(struct lb_check *chk, void *buf, size_t room, short *want)
{
	ssize_t n;

	*want = EV_READ;
	if (chk->tls) {
		n = lb_tls_client_read(chk->tls, buf, room);
		if (n == LB_TLS_WANT_READ || n == LB_TLS_WANT_WRITE) {
			*want = n == LB_TLS_WANT_READ ? EV_READ : EV_WRITE;
			return -2;
		}
		return n < 0 ? -1 : n;
	}
	n = recv(chk->fd, buf, room, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return -2;
	return n;
}

/* Reads once into the buffer (through the HTTP/2 session if any, after writing what it
 * owes the server): 1 got bytes or eof, 0 waiting, -1 finished (failed). */
static int
do_read(struct lb_check *chk)
{
	uint8_t frames[8192];
	size_t room = LB_CHECK_RCVBUF_MAX - chk->rlen;
	void *dst = chk->rbuf + chk->rlen;
	short want;
	ssize_t n;

	if (chk->h2) {
		int rc = h2_flush(chk);

		if (rc <= 0)
			return rc;
		dst = frames;
		room = sizeof(frames);
	}
	n = io_read(chk, dst, room, &want);
	if (n == -2) {
		wait_fd(chk, want);
		return 0;
	}
	if (n < 0) {
		/* an I/O error on an established connection: HAProxy's SOCKERR */
		fail(chk, LB_CHK_SOCKERR, "%s", io_error(chk));
		return -1;
	}
	if (n == 0)
		chk->eof = true;
	if (chk->h2) {
		char err[128];

		if (chk_h2_recv(chk->h2, frames, (size_t)n, chk->rbuf, &chk->rlen,
				LB_CHECK_RCVBUF_MAX, err, sizeof(err)) < 0) {
			fail(chk, LB_CHK_L7RSP, "%s", err);
			return -1;
		}
		if (chk_h2_done(chk->h2))
			chk->eof = true;	/* END_STREAM: the response is whole */
		return 1;
	}
	chk->rlen += (size_t)n;
	chk->rbuf[chk->rlen] = '\0';
	return 1;
}

/* Runs steps until one has to wait or the probe ends. */
static void
run(struct lb_check *chk)
{
	const struct chk_step *st;
	int rc;

	while ((st = cur_step(chk))) {
		switch (st->kind) {
		case CHK_STEP_CONNECT:
			if (chk->phase != PH_HANDSHAKE) {
				rc = do_connect(chk, st);
				if (rc <= 0)
					return;
			}
			if (chk->phase == PH_HANDSHAKE) {
				rc = do_handshake(chk);
				if (rc <= 0)
					return;
			}
			if (h2_setup(chk, st) < 0)
				return;
			break;
		case CHK_STEP_SEND:
			if (chk->phase != PH_SEND) {
				chk->phase = PH_SEND;
				chk->sent = 0;
				/* a new exchange: expectations look at what answers it */
				chk->rlen = 0;
				chk->rbuf[0] = '\0';
				chk->eof = false;
				if (chk->h2) {
					char err[128];

					if (chk_h2_submit(chk->h2, st->data, st->len, err,
							  sizeof(err)) < 0) {
						fail(chk, LB_CHK_SOCKERR, "%s", err);
						return;
					}
				}
			}
			rc = chk->h2 ? h2_flush(chk) : do_send(chk, st);
			if (rc <= 0)
				return;
			break;
		case CHK_STEP_EXPECT: {
			bool full;
			enum chk_rc r;

			chk->phase = PH_EXPECT;
			/* a full buffer is not an end of stream: a parser that still wants
			 * more gets "reply too large" below */
			full = chk->rlen >= LB_CHECK_RCVBUF_MAX;
			r = st->fn(st, chk->rbuf, chk->rlen, chk->eof, &chk->res);
			if (r == CHK_FAIL) {
				finish(chk);
				return;
			}
			if (r == CHK_MORE) {
				if (chk->eof || full) {
					fail(chk, layer6(chk) ? LB_CHK_L6RSP : LB_CHK_L7RSP,
					     full ? "reply larger than %d bytes"
						  : "connection closed before a complete reply",
					     LB_CHECK_RCVBUF_MAX);
					return;
				}
				if (do_read(chk) <= 0)
					return;
				continue;	/* same step, more bytes */
			}
			break;
		}
		}
		chk->step++;
		chk->phase = PH_EXPECT;	/* idle on an open connection */
	}
	/* every step passed */
	if (chk->res.status != LB_CHK_L7OKC)
		chk->res.status = chk->spec->ok_status;
	if (!chk->res.reason[0]) {
		if (chk->tls)
			chk_reason(&chk->res, NULL, "%s handshake done%s%s",
				   lb_tls_client_version(chk->tls),
				   lb_tls_client_alpn(chk->tls)[0] ? ", ALPN " : "",
				   lb_tls_client_alpn(chk->tls));
		else
			chk_reason(&chk->res, NULL, "%s", lb_check_status_desc(chk->res.status));
	}
	finish(chk);
}

struct lb_check *
lb_check_start(struct event_base *base, const struct lb_check_spec *spec,
	       const struct sockaddr *target, socklen_t targetlen, long long timeout_ms,
	       lb_check_done_fn done, void *arg)
{
	struct lb_check *chk = calloc(1, sizeof(*chk));
	struct timeval now = { 0, 0 };

	if (!chk)
		return NULL;
	chk->base = base;
	chk->spec = spec;
	chk->done = done;
	chk->arg = arg;
	chk->fd = -1;
	chk->res.status = LB_CHK_UNK;
	chk->res.code = -1;
	if (target && targetlen <= sizeof(chk->target.ss)) {
		memcpy(&chk->target.ss, target, targetlen);
		chk->target.len = targetlen;
	} else {
		chk->target = spec->target;
	}
	chk->connect_ms = timeout_ms > 0 ? timeout_ms : spec->connect_ms;
	chk->rest_ms = timeout_ms > 0 ? timeout_ms : spec->rest_ms;
	chk->start_ms = lb_now_ms();
	chk->tmr = evtimer_new(base, on_timer, chk);
	if (!chk->tmr || evtimer_add(chk->tmr, &now) < 0) {
		probe_free(chk);
		return NULL;
	}
	return chk;
}

void
lb_check_cancel(struct lb_check *chk)
{
	if (chk)
		probe_free(chk);
}

/* lbd/ctl_server.c: the control socket server: accept, frame, check, dispatch, reply
 *
 * Runs on the main thread's event loop only, so its own state needs no locks; what it reads
 * or changes in the runtime is shared with the workers through atomics (server admin state,
 * weights, maxconn) and the summed per-thread counters (lbd/stats.c).
 *
 * Each client has an input buffer (at most one maximal frame plus read-ahead) and an output
 * buffer with a budget: past it, the client's input is not processed until the output
 * drains, so a client that sends but does not read cannot grow our memory. A frame goes
 * through the fixed validation order of common/ctl_proto.h before a handler sees it;
 * handlers get checked arguments and answer with a status, a message and optional data.
 * A client whose partial frame or unread output makes no progress for CTL_STALL_MS is
 * closed; so is one that announces a frame over the size limit (after an error reply).
 */
#include "ctl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "backend.h"
#include "ctl_cmds.h"
#include "ctl_proto.h"
#include "log.h"
#include "runtime.h"
#include "stats.h"
#include "util.h"

#define CTL_MAX_CLIENTS 64
#define CTL_BACKLOG 64
#define CTL_READ_CHUNK 16384
#define CTL_IN_MAX (LB_CTL_HDR_LEN + LB_CTL_MAX_FRAME + CTL_READ_CHUNK)
#define CTL_OUT_BUDGET (2u * (LB_CTL_HDR_LEN + LB_CTL_MAX_FRAME))
#define CTL_STALL_MS 10000
#define CTL_DEFAULT_MODE 0600

struct ctl_listener {
	const struct lb_cfg_stats_socket *cfg;
	int fd;
	struct event *ev;
	uid_t owner_uid;	/* the configured user, or -1 */
	gid_t owner_gid;	/* the configured group, or -1 */
	dev_t dev;		/* the socket file we created, to unlink only that one */
	ino_t ino;
};

struct ctl_client {
	struct ctl_client *next, *prev;
	struct ctl_listener *li;
	int fd;
	struct event *ev_read, *ev_write, *ev_stall;
	enum lb_ctl_level level;
	uid_t uid;
	pid_t pid;
	char *in;
	size_t inlen, incap;
	msgpack_sbuffer out;
	size_t outoff;
	bool reading;		/* ev_read is added */
	bool eof;		/* the peer closed its side: answer what is buffered, then close */
	bool closing;		/* close once the output is flushed */
};

static struct {
	struct event_base *base;
	struct lbd_runtime *rt;
	struct ctl_listener *lis;
	unsigned nlis;
	struct ctl_client *clients;
	unsigned nclients;
} ctl;

/* The context a handler works in. */
struct ctl_ctx {
	struct lbd_runtime *rt;
	struct ctl_client *cl;
	const struct lb_ctl_cmd *cmd;
	int argc;
	char **argv;
	unsigned flags;		/* --flags of the spec present in argv */
	msgpack_sbuffer data;
	msgpack_packer pk;	/* packs into data; leave data empty for a nil reply */
	char msg[512];
};

/* One handler per row of common/ctl_cmds.def; a row without one does not build. */
#define LB_CTL_CMD(id, name, level, args, render, help) static int ctl_h_##id(struct ctl_ctx *x);
#include "ctl_cmds.def"
#undef LB_CTL_CMD

static int (*const ctl_handlers[LB_CTL_CMD__COUNT])(struct ctl_ctx *) = {
#define LB_CTL_CMD(id, name, level, args, render, help) [LB_CTL_CMD_##id] = ctl_h_##id,
#include "ctl_cmds.def"
#undef LB_CTL_CMD
};

/* --- clients: buffers, I/O, lifetime --- */

static void client_process(struct ctl_client *cl);

static size_t
out_pending(const struct ctl_client *cl)
{
	return cl->out.size - cl->outoff;
}

static void
client_close(struct ctl_client *cl)
{
	if (cl->prev)
		cl->prev->next = cl->next;
	else
		ctl.clients = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	ctl.nclients--;
	if (cl->ev_read)
		event_free(cl->ev_read);
	if (cl->ev_write)
		event_free(cl->ev_write);
	if (cl->ev_stall)
		event_free(cl->ev_stall);
	close(cl->fd);
	free(cl->in);
	msgpack_sbuffer_destroy(&cl->out);
	free(cl);
}

/* Arms the stall timer while something waits (a partial frame in, unsent bytes out); any
 * progress calls this again and so restarts the 10 s. */
static void
client_rearm(struct ctl_client *cl)
{
	struct timeval tv = { CTL_STALL_MS / 1000, (CTL_STALL_MS % 1000) * 1000 };

	if (cl->inlen || out_pending(cl))
		event_add(cl->ev_stall, &tv);
	else
		event_del(cl->ev_stall);
}

static void
client_set_reading(struct ctl_client *cl, bool on)
{
	if (on == cl->reading)
		return;
	cl->reading = on;
	if (on)
		event_add(cl->ev_read, NULL);
	else
		event_del(cl->ev_read);
}

/* Sends what it can. Returns -1 if the client was closed. */
static int
client_flush(struct ctl_client *cl)
{
	while (out_pending(cl)) {
		ssize_t n = send(cl->fd, cl->out.data + cl->outoff, out_pending(cl),
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			event_add(cl->ev_write, NULL);
			return 0;
		}
		if (n <= 0) {
			client_close(cl);
			return -1;
		}
		cl->outoff += (size_t)n;
	}
	cl->out.size = 0;
	cl->outoff = 0;
	event_del(cl->ev_write);
	if (cl->closing || (cl->eof && cl->inlen == 0)) {
		client_close(cl);
		return -1;
	}
	return 0;
}

static void
client_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_client *cl = arg;

	(void)fd;
	(void)what;
	if (client_flush(cl) < 0)
		return;
	client_rearm(cl);
	/* input held back by the output budget can go on now */
	if (cl->inlen && !cl->closing)
		client_process(cl);
	else if (!cl->closing && !cl->eof)
		client_set_reading(cl, true);
}

static void
client_stall_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_client *cl = arg;

	(void)fd;
	(void)what;
	lb_log_sys(LB_LOG_INFO, "control: uid %u pid %d: closed after %d s without progress "
				"(%zu bytes of a partial frame, %zu bytes unsent)",
		   (unsigned)cl->uid, (int)cl->pid, CTL_STALL_MS / 1000, cl->inlen,
		   out_pending(cl));
	client_close(cl);
}

static void
client_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_client *cl = arg;
	ssize_t n;

	(void)fd;
	(void)what;
	if (cl->incap - cl->inlen < CTL_READ_CHUNK && cl->incap < CTL_IN_MAX) {
		size_t cap = LB_MIN(CTL_IN_MAX, LB_MAX(cl->incap * 2, cl->inlen + CTL_READ_CHUNK));
		char *p = realloc(cl->in, cap);
		if (!p) {
			lb_log_sys(LB_LOG_ERR, "control: out of memory, closing a client");
			client_close(cl);
			return;
		}
		cl->in = p;
		cl->incap = cap;
	}
	if (cl->inlen == cl->incap) {
		/* full of frames we have not processed (output budget): wait for the writer */
		client_set_reading(cl, false);
		return;
	}
	n = recv(cl->fd, cl->in + cl->inlen, cl->incap - cl->inlen, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n < 0) {
		client_close(cl);
		return;
	}
	if (n == 0) {
		cl->eof = true;
		client_set_reading(cl, false);
		if (!cl->inlen && !out_pending(cl)) {
			client_close(cl);
			return;
		}
	}
	cl->inlen += (size_t)n;
	client_process(cl);
}

/* --- replies --- */

static void
reply(struct ctl_client *cl, uint64_t id, int status, const char *msg,
      const msgpack_sbuffer *data)
{
	size_t dlen = data ? data->size : 0;

	if (lb_ctl_encode_reply(&cl->out, id, status, msg, dlen ? data->data : NULL, dlen) == 0)
		return;
	char m[200];
	snprintf(m, sizeof(m), "reply too large (%zu bytes of data, limit %u); ask for less, "
			       "e.g. one backend", dlen, LB_CTL_MAX_FRAME);
	if (lb_ctl_encode_reply(&cl->out, id, LB_CTL_ST_FAILED, m, NULL, 0) < 0)
		cl->closing = true;	/* out of memory: nothing sensible left to say */
}

/* --- dispatch: the fixed validation order --- */

static void
handle_frame(struct ctl_client *cl, const char *payload, size_t len)
{
	struct lb_ctl_request req;
	const struct lb_ctl_cmd *cmd;
	struct ctl_ctx x;
	char err[512];
	int st;

	st = lb_ctl_decode_request(payload, len, &req, err, sizeof(err));
	if (st != LB_CTL_ST_OK) {
		reply(cl, req.id, st, err, NULL);
		goto out;
	}
	if (req.v != LB_CTL_PROTO_VERSION) {
		snprintf(err, sizeof(err), "protocol version %" PRIu64 " is not supported; this "
			 "lbd speaks version %d", req.v, LB_CTL_PROTO_VERSION);
		reply(cl, req.id, LB_CTL_ST_VERSION, err, NULL);
		goto out;
	}
	cmd = lb_ctl_cmd_find(req.cmd);
	if (!cmd) {
		const struct lb_ctl_cmd *near = lb_ctl_cmd_suggest(req.cmd);
		snprintf(err, sizeof(err), "unknown command '%.200s'%s%s%s ('help' lists them)",
			 req.cmd, near ? "; did you mean '" : "", near ? near->name : "",
			 near ? "'?" : "");
		reply(cl, req.id, LB_CTL_ST_UNKNOWN_CMD, err, NULL);
		goto out;
	}
	if (!lb_ctl_cmd_allowed(cmd, cl->level)) {
		snprintf(err, sizeof(err), "permission denied: '%s' needs level %s; this "
			 "connection has level %s", cmd->name, lb_ctl_level_name(cmd->level),
			 lb_ctl_level_name(cl->level));
		reply(cl, req.id, LB_CTL_ST_DENIED, err, NULL);
		goto out;
	}
	memset(&x, 0, sizeof(x));
	if (lb_ctl_cmd_check_args(cmd, req.argc, req.argv, &x.flags, err, sizeof(err)) < 0) {
		reply(cl, req.id, LB_CTL_ST_USAGE, err, NULL);
		goto out;
	}
	x.rt = ctl.rt;
	x.cl = cl;
	x.cmd = cmd;
	x.argc = req.argc;
	x.argv = req.argv;
	msgpack_sbuffer_init(&x.data);
	msgpack_packer_init(&x.pk, &x.data, msgpack_sbuffer_write);
	st = ctl_handlers[cmd->id](&x);
	if (cmd->level > LB_CTL_LEVEL_USER)
		lb_log_sys(st == LB_CTL_ST_OK ? LB_LOG_NOTICE : LB_LOG_INFO,
			   "control: uid %u pid %d: %s%s%s%s%s: %s%s%s", (unsigned)cl->uid,
			   (int)cl->pid, cmd->name, req.argc > 0 ? " " : "",
			   req.argc > 0 ? req.argv[0] : "", req.argc > 1 ? " " : "",
			   req.argc > 1 ? req.argv[1] : "", lb_ctl_status_name(st),
			   x.msg[0] ? ": " : "", x.msg);
	reply(cl, req.id, st, x.msg, st == LB_CTL_ST_OK ? &x.data : NULL);
	msgpack_sbuffer_destroy(&x.data);
out:
	lb_ctl_request_free(&req);
}

static void
client_process(struct ctl_client *cl)
{
	size_t off = 0;

	while (!cl->closing && out_pending(cl) < CTL_OUT_BUDGET) {
		size_t plen = 0;
		char err[160];

		switch (lb_ctl_frame_peek(cl->in + off, cl->inlen - off, &plen)) {
		case LB_CTL_FRAME_MORE:
			goto done;
		case LB_CTL_FRAME_EMPTY:
			reply(cl, 0, LB_CTL_ST_BAD_FRAME, "empty frame (length 0)", NULL);
			off += LB_CTL_HDR_LEN;
			continue;
		case LB_CTL_FRAME_TOO_BIG:
			snprintf(err, sizeof(err), "frame of %zu bytes is over the limit of %u; "
				 "closing the connection", plen, LB_CTL_MAX_FRAME);
			reply(cl, 0, LB_CTL_ST_TOO_BIG, err, NULL);
			cl->closing = true;
			off = cl->inlen;
			goto done;
		case LB_CTL_FRAME_OK:
			handle_frame(cl, cl->in + off + LB_CTL_HDR_LEN, plen);
			off += LB_CTL_HDR_LEN + plen;
			continue;
		}
	}
done:
	if (off) {
		memmove(cl->in, cl->in + off, cl->inlen - off);
		cl->inlen -= off;
	}
	if (cl->eof && (cl->inlen == 0 || out_pending(cl) < CTL_OUT_BUDGET))
		cl->closing = true;	/* what is left can never become a whole frame */
	client_set_reading(cl, !cl->closing && !cl->eof && out_pending(cl) < CTL_OUT_BUDGET);
	if (client_flush(cl) < 0)
		return;
	client_rearm(cl);
}

/* --- accepting --- */

/* The connection's level: the socket's, but a peer that is neither root, nor lbd's own
 * user, nor the socket's configured user or group (so it only got in through "other"
 * permission bits) may only read. */
static enum lb_ctl_level
peer_level(const struct ctl_listener *li, const struct ucred *uc, bool known)
{
	if (!known)
		return LB_CTL_LEVEL_USER;
	if (uc->uid == 0 || uc->uid == geteuid() ||
	    (li->owner_uid != (uid_t)-1 && uc->uid == li->owner_uid) ||
	    (li->owner_gid != (gid_t)-1 && uc->gid == li->owner_gid) || uc->gid == getegid())
		return li->cfg->level;
	return LB_MIN(li->cfg->level, LB_CTL_LEVEL_USER);
}

static void
refuse_busy(int fd)
{
	msgpack_sbuffer sb;

	msgpack_sbuffer_init(&sb);
	if (lb_ctl_encode_reply(&sb, 0, LB_CTL_ST_BUSY, "too many control clients; try again",
				NULL, 0) == 0) {
		ssize_t n = send(fd, sb.data, sb.size, MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)n;	/* best effort: the socket buffer of a fresh connection is empty */
	}
	msgpack_sbuffer_destroy(&sb);
	close(fd);
}

static void
accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct ctl_listener *li = arg;

	(void)what;
	for (int i = 0; i < 16; i++) {
		struct ctl_client *cl;
		struct ucred uc = { 0 };
		socklen_t ulen = sizeof(uc);
		bool known;
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				lb_log_sys(LB_LOG_WARNING, "control: accept on %s: %s",
					   li->cfg->path, strerror(errno));
			return;
		}
		if (ctl.nclients >= CTL_MAX_CLIENTS) {
			refuse_busy(fd);
			continue;
		}
		known = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &ulen) == 0;
		cl = calloc(1, sizeof(*cl));
		if (!cl) {
			close(fd);
			continue;
		}
		cl->fd = fd;
		cl->li = li;
		cl->uid = known ? uc.uid : (uid_t)-1;
		cl->pid = known ? uc.pid : -1;
		cl->level = peer_level(li, &uc, known);
		msgpack_sbuffer_init(&cl->out);
		cl->ev_read = event_new(ctl.base, fd, EV_READ | EV_PERSIST, client_read_cb, cl);
		cl->ev_write = event_new(ctl.base, fd, EV_WRITE | EV_PERSIST, client_write_cb, cl);
		cl->ev_stall = evtimer_new(ctl.base, client_stall_cb, cl);
		cl->next = ctl.clients;
		if (ctl.clients)
			ctl.clients->prev = cl;
		ctl.clients = cl;
		ctl.nclients++;
		if (!cl->ev_read || !cl->ev_write || !cl->ev_stall) {
			client_close(cl);
			continue;
		}
		client_set_reading(cl, true);
	}
}

/* --- binding --- */

static void
listener_close(struct ctl_listener *li, bool unlink_file)
{
	struct stat st;

	if (li->ev) {
		event_free(li->ev);
		li->ev = NULL;
	}
	if (li->fd >= 0) {
		close(li->fd);
		li->fd = -1;
		if (unlink_file && stat(li->cfg->path, &st) == 0 && st.st_dev == li->dev &&
		    st.st_ino == li->ino)
			unlink(li->cfg->path);
	}
}

/* Is something listening at this socket path? */
static bool
socket_alive(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	alive = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ||
		errno == EAGAIN;	/* a full backlog is still a live server */
	close(fd);
	return alive;
}

static int
listener_bind(struct ctl_listener *li, char **errmsg)
{
	const struct lb_cfg_stats_socket *s = li->cfg;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t mode = s->mode >= 0 ? (mode_t)s->mode : CTL_DEFAULT_MODE;
	struct stat st;
	int fd;

	li->owner_uid = (uid_t)-1;
	li->owner_gid = (gid_t)-1;
	if (strlen(s->path) >= sizeof(sun.sun_path)) {
		*errmsg = lb_xasprintf("stats socket '%s': path longer than %zu bytes", s->path,
				       sizeof(sun.sun_path) - 1);
		return -1;
	}
	strcpy(sun.sun_path, s->path);
	if (s->user) {
		struct passwd *pw = getpwnam(s->user);
		if (!pw) {
			*errmsg = lb_xasprintf("stats socket '%s': user '%s' does not exist",
					       s->path, s->user);
			return -1;
		}
		li->owner_uid = pw->pw_uid;
	}
	if (s->group) {
		struct group *gr = getgrnam(s->group);
		if (!gr) {
			*errmsg = lb_xasprintf("stats socket '%s': group '%s' does not exist",
					       s->path, s->group);
			return -1;
		}
		li->owner_gid = gr->gr_gid;
	}
	if (lstat(s->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			*errmsg = lb_xasprintf("stats socket '%s': the path exists and is not a "
					       "socket; not touching it", s->path);
			return -1;
		}
		if (socket_alive(&sun)) {
			*errmsg = lb_xasprintf("stats socket '%s': another process is serving it",
					       s->path);
			return -1;
		}
		unlink(s->path);	/* stale, left by a process that died */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*errmsg = lb_xasprintf("stats socket '%s': socket: %s", s->path, strerror(errno));
		return -1;
	}
	/* Linux gives the socket file the mode of the socket inode: no window where the file
	 * exists with looser permissions than configured */
	(void)fchmod(fd, mode);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		*errmsg = lb_xasprintf("stats socket '%s': bind: %s", s->path, strerror(errno));
		close(fd);
		return -1;
	}
	if (chmod(s->path, mode) < 0 ||
	    ((s->user || s->group) && chown(s->path, li->owner_uid, li->owner_gid) < 0) ||
	    stat(s->path, &st) < 0 || listen(fd, CTL_BACKLOG) < 0) {
		*errmsg = lb_xasprintf("stats socket '%s': %s", s->path, strerror(errno));
		close(fd);
		unlink(s->path);
		return -1;
	}
	li->dev = st.st_dev;
	li->ino = st.st_ino;
	li->fd = fd;
	return 0;
}

int
lbd_ctl_bind(struct lbd_runtime *rt, char **errmsg)
{
	const struct lb_cfg_stats_socket *s;
	unsigned n = 0, i = 0;

	if (ctl.lis) {
		for (i = 0; i < ctl.nlis; i++)
			if (ctl.lis[i].fd < 0 && listener_bind(&ctl.lis[i], errmsg) < 0)
				goto fail;
		return 0;
	}
	for (s = rt->cfg->global.stats_sockets; s; s = s->next)
		n++;
	if (!n)
		return 0;
	ctl.rt = rt;
	ctl.lis = lb_xcalloc(n, sizeof(*ctl.lis));
	ctl.nlis = n;
	for (s = rt->cfg->global.stats_sockets, i = 0; s; s = s->next, i++) {
		ctl.lis[i].cfg = s;
		ctl.lis[i].fd = -1;
	}
	for (i = 0; i < n; i++)
		if (listener_bind(&ctl.lis[i], errmsg) < 0)
			goto fail;
	return 0;
fail:
	for (unsigned k = 0; k < ctl.nlis; k++)
		listener_close(&ctl.lis[k], true);
	lb_free(&ctl.lis);
	ctl.nlis = 0;
	return -1;
}

int
lbd_ctl_start(struct event_base *base, struct lbd_runtime *rt, char **errmsg)
{
	if (lbd_ctl_bind(rt, errmsg) < 0)
		return -1;
	ctl.base = base;
	ctl.rt = rt;
	for (unsigned i = 0; i < ctl.nlis; i++) {
		struct ctl_listener *li = &ctl.lis[i];
		if (li->ev)
			continue;
		li->ev = event_new(base, li->fd, EV_READ | EV_PERSIST, accept_cb, li);
		if (!li->ev || event_add(li->ev, NULL) < 0) {
			*errmsg = lb_xasprintf("stats socket '%s': cannot watch it", li->cfg->path);
			lbd_ctl_stop();
			return -1;
		}
	}
	return 0;
}

void
lbd_ctl_stop(void)
{
	while (ctl.clients)
		client_close(ctl.clients);
	for (unsigned i = 0; i < ctl.nlis; i++)
		listener_close(&ctl.lis[i], true);
	lb_free(&ctl.lis);
	ctl.nlis = 0;
	ctl.base = NULL;
}

/* --- handlers --- */

static const char *
mode_name(enum lb_mode m)
{
	return m == LB_MODE_HTTP ? "http" : "tcp";
}

static const char *const admin_names[] = {
	[LBD_SRV_READY] = "ready",
	[LBD_SRV_DRAIN] = "drain",
	[LBD_SRV_MAINT] = "maint",
};

static const char *
admin_name(int admin)
{
	return (unsigned)admin < LB_ARRAY_SIZE(admin_names) ? admin_names[admin] : "?";
}

static int
srv_cfg_weight(const struct lbd_server *srv)
{
	return srv->cfg && srv->cfg->weight >= 0 ? srv->cfg->weight : 1;
}

/* Finds the server of a checked <be/srv> argument, or says which part is missing. */
static struct lbd_server *
find_server(struct ctl_ctx *x, const char *ref)
{
	struct lbd_server *srv = lbd_runtime_find_server(x->rt, ref);
	char be[256];
	size_t n = strcspn(ref, "/");

	if (srv)
		return srv;
	snprintf(be, sizeof(be), "%.*s", (int)LB_MIN(n, sizeof(be) - 1), ref);
	if (!lbd_runtime_find_backend(x->rt, be))
		snprintf(x->msg, sizeof(x->msg), "no backend '%s'", be);
	else
		snprintf(x->msg, sizeof(x->msg), "no server '%s' in backend '%s'", ref + n + 1, be);
	return NULL;
}

static int
ctl_h_HELP(struct ctl_ctx *x)
{
	char prefix[256] = "";
	size_t plen, n = 0;

	for (int i = 0; i < x->argc; i++) {
		size_t used = strlen(prefix);
		snprintf(prefix + used, sizeof(prefix) - used, "%s%s", i ? " " : "", x->argv[i]);
	}
	plen = strlen(prefix);
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			msgpack_pack_array(&x->pk, n);
		for (size_t i = 0; i < LB_CTL_CMD__COUNT; i++) {
			const struct lb_ctl_cmd *c = &lb_ctl_cmds[i];
			if (plen && (strncmp(c->name, prefix, plen) != 0 ||
				     (c->name[plen] != ' ' && c->name[plen] != '\0')))
				continue;
			if (pass == 0) {
				n++;
				continue;
			}
			msgpack_pack_map(&x->pk, 4);
			lb_ctl_pack_kv_str(&x->pk, "command", c->name);
			lb_ctl_pack_kv_str(&x->pk, "args", c->args);
			lb_ctl_pack_kv_str(&x->pk, "level", lb_ctl_level_name(c->level));
			lb_ctl_pack_kv_str(&x->pk, "help", c->help);
		}
		if (n == 0) {
			snprintf(x->msg, sizeof(x->msg), "no command starts with '%s'", prefix);
			return LB_CTL_ST_NOT_FOUND;
		}
	}
	return LB_CTL_ST_OK;
}

static int
ctl_h_SHOW_INFO(struct ctl_ctx *x)
{
	const struct lbd_runtime *rt = x->rt;
	uint64_t up = (lb_now_ms() - rt->start_ms) / 1000, conn_tot = 0, req_tot = 0;
	char upstr[64];

	for (unsigned i = 0; i < rt->nfe; i++) {
		struct lbd_px_counters c;
		lbd_stats_frontend(rt, &rt->fe[i], &c);
		conn_tot += c.conn_tot;
		req_tot += c.req_tot;
	}
	snprintf(upstr, sizeof(upstr), "%" PRIu64 "d %02" PRIu64 "h%02" PRIu64 "m%02" PRIu64 "s",
		 up / 86400, up / 3600 % 24, up / 60 % 60, up % 60);
	msgpack_pack_map(&x->pk, 16);
	lb_ctl_pack_kv_str(&x->pk, "name", "lbd");
	lb_ctl_pack_kv_str(&x->pk, "version", PACKAGE_VERSION);
	lb_ctl_pack_kv_u64(&x->pk, "protocol", LB_CTL_PROTO_VERSION);
	lb_ctl_pack_kv_i64(&x->pk, "pid", rt->pid);
	lb_ctl_pack_kv_u64(&x->pk, "uptime_sec", up);
	lb_ctl_pack_kv_str(&x->pk, "uptime", upstr);
	lb_ctl_pack_kv_i64(&x->pk, "nbthread", rt->nbthread);
	lb_ctl_pack_kv_i64(&x->pk, "maxconn", rt->maxconn);
	lb_ctl_pack_kv_i64(&x->pk, "cur_conn", __atomic_load_n(&rt->cur_conn, __ATOMIC_RELAXED));
	lb_ctl_pack_kv_u64(&x->pk, "conn_tot", conn_tot);
	lb_ctl_pack_kv_u64(&x->pk, "req_tot", req_tot);
	lb_ctl_pack_kv_u64(&x->pk, "frontends", rt->nfe);
	lb_ctl_pack_kv_u64(&x->pk, "backends", rt->nbe);
	lb_ctl_pack_kv_u64(&x->pk, "servers", rt->nservers);
	lb_ctl_pack_kv_bool(&x->pk, "stopping", rt->stopping != 0);
	lb_ctl_pack_kv_str(&x->pk, "level", lb_ctl_level_name(x->cl->level));
	return LB_CTL_ST_OK;
}

/* show stats: one map per row, keys in HAProxy's column order (lb_ctl_stat_cols). Rows come
 * as HAProxy lists them: per proxy in config order, FRONTEND, then servers, then BACKEND.
 * A row is collected first so that the map header gets the right count whatever is left
 * out. Strings are borrowed until stat_row_pack(). */
struct stat_kv {
	const char *key;
	const char *str;	/* NULL: an integer */
	int64_t num;
};

struct stat_row {
	struct stat_kv kv[48];
	unsigned n;
};

static void
row_str(struct stat_row *r, const char *key, const char *val)
{
	if (r->n < LB_ARRAY_SIZE(r->kv))
		r->kv[r->n++] = (struct stat_kv){ key, val, 0 };
}

static void
row_num(struct stat_row *r, const char *key, int64_t val)
{
	if (r->n < LB_ARRAY_SIZE(r->kv))
		r->kv[r->n++] = (struct stat_kv){ key, NULL, val };
}

static void
row_pack(msgpack_packer *pk, const struct stat_row *r)
{
	msgpack_pack_map(pk, r->n);
	for (unsigned i = 0; i < r->n; i++) {
		if (r->kv[i].str)
			lb_ctl_pack_kv_str(pk, r->kv[i].key, r->kv[i].str);
		else
			lb_ctl_pack_kv_i64(pk, r->kv[i].key, r->kv[i].num);
	}
}

static void
row_hrsp(struct stat_row *r, const uint64_t hrsp[6])
{
	row_num(r, "hrsp_1xx", (int64_t)hrsp[1]);
	row_num(r, "hrsp_2xx", (int64_t)hrsp[2]);
	row_num(r, "hrsp_3xx", (int64_t)hrsp[3]);
	row_num(r, "hrsp_4xx", (int64_t)hrsp[4]);
	row_num(r, "hrsp_5xx", (int64_t)hrsp[5]);
	row_num(r, "hrsp_other", (int64_t)hrsp[0]);
}

static void
pack_fe_row(struct ctl_ctx *x, const struct lbd_frontend *fe)
{
	const struct lbd_runtime *rt = x->rt;
	struct lbd_px_counters c;
	struct stat_row r = { .n = 0 };

	lbd_stats_frontend(rt, fe, &c);
	row_str(&r, "pxname", fe->name);
	row_str(&r, "svname", "FRONTEND");
	row_num(&r, "scur", __atomic_load_n(&fe->cur_conn, __ATOMIC_RELAXED));
	row_num(&r, "slim", fe->cfg->maxconn > 0 ? fe->cfg->maxconn : rt->maxconn);
	row_num(&r, "stot", (int64_t)c.sess_tot);
	row_num(&r, "bin", (int64_t)c.bytes_in);
	row_num(&r, "bout", (int64_t)c.bytes_out);
	row_num(&r, "dreq", (int64_t)c.denied_req);
	row_num(&r, "dresp", (int64_t)c.denied_resp);
	row_num(&r, "ereq", (int64_t)c.failed_req);
	row_str(&r, "status", rt->stopping ? "STOP" : "OPEN");
	row_num(&r, "pid", rt->pid);
	row_num(&r, "iid", fe->cfg->id);
	row_num(&r, "sid", 0);
	row_num(&r, "type", 0);
	row_hrsp(&r, c.hrsp);
	row_num(&r, "req_tot", (int64_t)c.req_tot);
	row_str(&r, "mode", mode_name(fe->mode));
	row_num(&r, "conn_tot", (int64_t)c.conn_tot);
	row_num(&r, "intercepted", (int64_t)c.intercepted);
	row_pack(&x->pk, &r);
}

static void
pack_srv_row(struct ctl_ctx *x, const struct lbd_server *srv)
{
	const struct lbd_runtime *rt = x->rt;
	struct lbd_srv_counters c;
	struct stat_row r = { .n = 0 };
	int maxconn = __atomic_load_n(&srv->lb.maxconn, __ATOMIC_RELAXED);
	char addr[INET6_ADDRSTRLEN + 120];

	lbd_stats_server(rt, srv, &c);
	lb_addr_format((const struct sockaddr *)&srv->addr, addr, sizeof(addr));
	row_str(&r, "pxname", srv->be->name);
	row_str(&r, "svname", srv->name);
	row_num(&r, "qcur", 0);
	row_num(&r, "scur", __atomic_load_n(&srv->lb.cur_sess, __ATOMIC_RELAXED));
	if (maxconn > 0)
		row_num(&r, "slim", maxconn);
	row_num(&r, "stot", (int64_t)c.sess_tot);
	row_num(&r, "bin", (int64_t)c.bytes_in);
	row_num(&r, "bout", (int64_t)c.bytes_out);
	row_num(&r, "econ", (int64_t)c.econ);
	row_num(&r, "eresp", (int64_t)c.eresp);
	row_num(&r, "wretr", (int64_t)c.retries);
	row_num(&r, "wredis", (int64_t)c.redispatches);
	row_str(&r, "status", lbd_stats_server_status(srv));
	row_num(&r, "weight", __atomic_load_n(&srv->lb.eweight, __ATOMIC_RELAXED));
	row_num(&r, "act", srv->lb.backup ? 0 : 1);
	row_num(&r, "bck", srv->lb.backup ? 1 : 0);
	row_num(&r, "pid", rt->pid);
	row_num(&r, "iid", srv->be->cfg->id);
	row_num(&r, "sid", srv->lb.id);
	row_num(&r, "lbtot", (int64_t)c.sess_tot);
	row_num(&r, "type", 2);
	row_hrsp(&r, c.hrsp);
	row_num(&r, "cli_abrt", (int64_t)c.cli_aborts);
	row_num(&r, "srv_abrt", (int64_t)c.srv_aborts);
	row_str(&r, "addr", addr);
	row_str(&r, "mode", mode_name(srv->be->mode));
	row_num(&r, "connect", (int64_t)c.connects);
	row_num(&r, "reuse", (int64_t)c.reuse);
	row_pack(&x->pk, &r);
}

static void
pack_be_row(struct ctl_ctx *x, const struct lbd_backend *be)
{
	const struct lbd_runtime *rt = x->rt;
	struct lbd_px_counters c;
	struct stat_row r = { .n = 0 };
	uint64_t lbtot = 0, connects = 0, reuse = 0;
	int weight = 0, act = 0, bck = 0;

	lbd_stats_backend(rt, be, &c);
	for (unsigned i = 0; i < be->nsrv; i++) {
		const struct lbd_server *srv = be->srv[i];
		struct lbd_srv_counters sc;
		int ew = __atomic_load_n(&srv->lb.eweight, __ATOMIC_RELAXED);

		lbd_stats_server(rt, srv, &sc);
		lbtot += sc.sess_tot;
		connects += sc.connects;
		reuse += sc.reuse;
		if (ew > 0 && srv->lb.backup)
			bck++;
		else if (ew > 0) {
			act++;
			weight += ew;
		}
	}
	row_str(&r, "pxname", be->name);
	row_str(&r, "svname", "BACKEND");
	row_num(&r, "qcur", __atomic_load_n(&be->qlen, __ATOMIC_RELAXED));
	row_num(&r, "scur", __atomic_load_n(&be->cur_conn, __ATOMIC_RELAXED));
	row_num(&r, "stot", (int64_t)c.sess_tot);
	row_num(&r, "bin", (int64_t)c.bytes_in);
	row_num(&r, "bout", (int64_t)c.bytes_out);
	row_num(&r, "dreq", (int64_t)c.denied_req);
	row_num(&r, "dresp", (int64_t)c.denied_resp);
	row_num(&r, "econ", (int64_t)c.econ);
	row_num(&r, "eresp", (int64_t)c.eresp);
	row_num(&r, "wretr", (int64_t)c.retries);
	row_num(&r, "wredis", (int64_t)c.redispatches);
	row_str(&r, "status", act + bck > 0 ? "UP" : "DOWN");
	row_num(&r, "weight", weight);
	row_num(&r, "act", act);
	row_num(&r, "bck", bck);
	row_num(&r, "pid", rt->pid);
	row_num(&r, "iid", be->cfg->id);
	row_num(&r, "sid", 0);
	row_num(&r, "lbtot", (int64_t)lbtot);
	row_num(&r, "type", 1);
	row_hrsp(&r, c.hrsp);
	row_num(&r, "req_tot", (int64_t)c.req_tot);
	row_num(&r, "cli_abrt", (int64_t)c.cli_aborts);
	row_num(&r, "srv_abrt", (int64_t)c.srv_aborts);
	row_str(&r, "mode", mode_name(be->mode));
	row_str(&r, "algo", be->algo ? be->algo->name : "");
	row_num(&r, "connect", (int64_t)connects);
	row_num(&r, "reuse", (int64_t)reuse);
	row_pack(&x->pk, &r);
}

static int
ctl_h_SHOW_STATS(struct ctl_ctx *x)
{
	const struct lbd_runtime *rt = x->rt;
	size_t rows = rt->nfe + rt->nbe + rt->nservers;

	msgpack_pack_array(&x->pk, rows);
	for (const struct lb_cfg_proxy *px = rt->cfg->proxies; px; px = px->next) {
		for (unsigned i = 0; i < rt->nfe; i++)
			if (rt->fe[i].cfg == px)
				pack_fe_row(x, &rt->fe[i]);
		for (unsigned i = 0; i < rt->nbe; i++) {
			if (rt->be[i].cfg != px)
				continue;
			for (unsigned k = 0; k < rt->be[i].nsrv; k++)
				pack_srv_row(x, rt->be[i].srv[k]);
			pack_be_row(x, &rt->be[i]);
		}
	}
	return LB_CTL_ST_OK;
}

static int
ctl_h_SHOW_SERVERS(struct ctl_ctx *x)
{
	const struct lbd_runtime *rt = x->rt;
	const struct lbd_backend *only = NULL;
	size_t n = 0;

	if (x->argc > 0) {
		only = lbd_runtime_find_backend(x->rt, x->argv[0]);
		if (!only) {
			snprintf(x->msg, sizeof(x->msg), "no backend '%s'", x->argv[0]);
			return LB_CTL_ST_NOT_FOUND;
		}
		n = only->nsrv;
	} else {
		for (unsigned i = 0; i < rt->nbe; i++)
			n += rt->be[i].nsrv;
	}
	msgpack_pack_array(&x->pk, n);
	for (unsigned i = 0; i < rt->nbe; i++) {
		const struct lbd_backend *be = &rt->be[i];
		if (only && be != only)
			continue;
		for (unsigned k = 0; k < be->nsrv; k++) {
			const struct lbd_server *srv = be->srv[k];
			struct lbd_srv_counters c;
			int maxconn = __atomic_load_n(&srv->lb.maxconn, __ATOMIC_RELAXED);
			char addr[INET6_ADDRSTRLEN + 120];

			lbd_stats_server(rt, srv, &c);
			lb_addr_format((const struct sockaddr *)&srv->addr, addr, sizeof(addr));
			msgpack_pack_map(&x->pk, 13);
			lb_ctl_pack_kv_str(&x->pk, "backend", be->name);
			lb_ctl_pack_kv_str(&x->pk, "server", srv->name);
			lb_ctl_pack_kv_i64(&x->pk, "id", srv->lb.id);
			lb_ctl_pack_kv_str(&x->pk, "addr", addr);
			lb_ctl_pack_kv_str(&x->pk, "status", lbd_stats_server_status(srv));
			lb_ctl_pack_kv_str(&x->pk, "admin", admin_name(__atomic_load_n(
				&srv->admin, __ATOMIC_RELAXED)));
			lb_ctl_pack_kv_str(&x->pk, "health", __atomic_load_n(
				&srv->health_up, __ATOMIC_RELAXED) ? "up" : "down");
			lb_ctl_pack_kv_i64(&x->pk, "weight", __atomic_load_n(&srv->uweight,
									    __ATOMIC_RELAXED));
			lb_ctl_pack_kv_i64(&x->pk, "eweight", __atomic_load_n(&srv->lb.eweight,
									     __ATOMIC_RELAXED));
			lb_ctl_pack_kv_i64(&x->pk, "iweight", srv_cfg_weight(srv));
			lb_ctl_pack_kv_i64(&x->pk, "scur", __atomic_load_n(&srv->lb.cur_sess,
									  __ATOMIC_RELAXED));
			lb_ctl_pack_kv_i64(&x->pk, "maxconn", maxconn);
			lb_ctl_pack_kv_u64(&x->pk, "stot", c.sess_tot);
		}
	}
	return LB_CTL_ST_OK;
}

static int
ctl_h_SHOW_BACKENDS(struct ctl_ctx *x)
{
	const struct lbd_runtime *rt = x->rt;

	msgpack_pack_array(&x->pk, rt->nbe);
	for (unsigned i = 0; i < rt->nbe; i++) {
		const struct lbd_backend *be = &rt->be[i];
		struct lbd_px_counters c;
		int up = 0;

		lbd_stats_backend(rt, be, &c);
		for (unsigned k = 0; k < be->nsrv; k++)
			up += __atomic_load_n(&be->srv[k]->lb.eweight, __ATOMIC_RELAXED) > 0;
		msgpack_pack_map(&x->pk, 9);
		lb_ctl_pack_kv_str(&x->pk, "backend", be->name);
		lb_ctl_pack_kv_str(&x->pk, "mode", mode_name(be->mode));
		lb_ctl_pack_kv_str(&x->pk, "algo", be->algo ? be->algo->name : "");
		lb_ctl_pack_kv_u64(&x->pk, "servers", be->nsrv);
		lb_ctl_pack_kv_i64(&x->pk, "usable", up);
		lb_ctl_pack_kv_i64(&x->pk, "scur", __atomic_load_n(&be->cur_conn,
								  __ATOMIC_RELAXED));
		lb_ctl_pack_kv_i64(&x->pk, "qcur", __atomic_load_n(&be->qlen, __ATOMIC_RELAXED));
		lb_ctl_pack_kv_u64(&x->pk, "stot", c.sess_tot);
		lb_ctl_pack_kv_u64(&x->pk, "req_tot", c.req_tot);
	}
	return LB_CTL_ST_OK;
}

/* The state change behind server state / drain / enable / maint. */
static int
set_state(struct ctl_ctx *x, const char *ref, int admin)
{
	struct lbd_server *srv = find_server(x, ref);
	int old;

	if (!srv)
		return LB_CTL_ST_NOT_FOUND;
	old = __atomic_exchange_n(&srv->admin, admin, __ATOMIC_RELAXED);
	lbd_server_update_weight(srv);
	snprintf(x->msg, sizeof(x->msg), "%s/%s: %s (was %s)%s", srv->be->name, srv->name,
		 admin_name(admin), admin_name(old),
		 admin == LBD_SRV_READY || old == admin ? "" :
		 "; no new sessions, current ones finish");
	return LB_CTL_ST_OK;
}

static int
ctl_h_SERVER_STATE(struct ctl_ctx *x)
{
	for (size_t i = 0; i < LB_ARRAY_SIZE(admin_names); i++)
		if (strcmp(x->argv[1], admin_names[i]) == 0)
			return set_state(x, x->argv[0], (int)i);
	snprintf(x->msg, sizeof(x->msg), "unknown state '%s'", x->argv[1]);
	return LB_CTL_ST_USAGE;	/* unreachable: the spec checked it */
}

static int
ctl_h_DRAIN(struct ctl_ctx *x)
{
	return set_state(x, x->argv[0], LBD_SRV_DRAIN);
}

static int
ctl_h_ENABLE(struct ctl_ctx *x)
{
	return set_state(x, x->argv[0], LBD_SRV_READY);
}

static int
ctl_h_MAINT(struct ctl_ctx *x)
{
	return set_state(x, x->argv[0], LBD_SRV_MAINT);
}

static int
ctl_h_SERVER_WEIGHT(struct ctl_ctx *x)
{
	struct lbd_server *srv = find_server(x, x->argv[0]);
	int val, w, old;
	bool pct;

	if (!srv)
		return LB_CTL_ST_NOT_FOUND;
	if (lb_ctl_parse_weight(x->argv[1], &val, &pct) < 0)
		return LB_CTL_ST_USAGE;	/* unreachable: the spec checked it */
	w = pct ? (srv_cfg_weight(srv) * val + 50) / 100 : val;
	w = LB_MIN(w, LB_CTL_WEIGHT_MAX);
	old = __atomic_exchange_n(&srv->uweight, w, __ATOMIC_RELAXED);
	lbd_server_update_weight(srv);
	snprintf(x->msg, sizeof(x->msg), "%s/%s: weight %d (was %d)%s", srv->be->name, srv->name,
		 w, old, w == 0 ? "; no new sessions" : "");
	return LB_CTL_ST_OK;
}

static int
ctl_h_WEIGHT(struct ctl_ctx *x)
{
	return ctl_h_SERVER_WEIGHT(x);
}

static int
ctl_h_SERVER_MAXCONN(struct ctl_ctx *x)
{
	struct lbd_server *srv = find_server(x, x->argv[0]);
	long long v;
	int old;

	if (!srv)
		return LB_CTL_ST_NOT_FOUND;
	if (lb_ctl_parse_uint(x->argv[1], LB_CTL_MAXCONN_MAX, &v) < 0)
		return LB_CTL_ST_USAGE;	/* unreachable: the spec checked it */
	old = __atomic_exchange_n(&srv->lb.maxconn, (int)v, __ATOMIC_RELAXED);
	lbd_backend_redistribute(srv->be);	/* a higher limit lets queued requests in */
	snprintf(x->msg, sizeof(x->msg), "%s/%s: maxconn %lld (was %d; 0 = unlimited)",
		 srv->be->name, srv->name, v, old);
	return LB_CTL_ST_OK;
}

static int
ctl_h_CLEAR_COUNTERS(struct ctl_ctx *x)
{
	if (lbd_stats_clear(x->rt) < 0) {
		snprintf(x->msg, sizeof(x->msg), "out of memory");
		return LB_CTL_ST_FAILED;
	}
	snprintf(x->msg, sizeof(x->msg), "counters cleared");
	return LB_CTL_ST_OK;
}

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
 *
 * Some answers take time: a handler may defer its reply (show sessions and shutdown ask the
 * workers through lbd/ctl_async.h; wait checks a server every CTL_WAIT_TICK_MS). While a
 * reply is deferred the client's further frames wait, so replies stay in request order. A
 * subscription (subscribe stats) instead sends replies with its request's id on a timer,
 * skipping a tick while the client has not read the previous ones, and other requests on
 * the same connection are answered in between.
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
#include "ctl_async.h"
#include "ctl_cmds.h"
#include "ctl_proto.h"
#include "dynsrv.h"
#include "errors.h"
#include "health.h"
#include "log.h"
#include "map.h"
#include "mworker.h"
#include "runtime.h"
#include "server_state.h"
#include "sessions.h"
#include "histogram.h"
#include "stats.h"
#include "tls.h"
#include "track.h"
#include "util.h"

#define CTL_MAX_CLIENTS 64
#define CTL_BACKLOG 64
#define CTL_READ_CHUNK 16384
#define CTL_IN_MAX (LB_CTL_HDR_LEN + LB_CTL_MAX_FRAME + CTL_READ_CHUNK)
#define CTL_OUT_BUDGET (2u * (LB_CTL_HDR_LEN + LB_CTL_MAX_FRAME))
#define CTL_STALL_MS 10000
#define CTL_DEFAULT_MODE 0600
#define CTL_DEFERRED (-1)		/* handler status: the reply comes later (defer_finish) */
#define CTL_WAIT_TICK_MS 100
#define CTL_WAIT_DEFAULT_MS 60000
#define CTL_SUB_MIN_MS 100
#define CTL_SESS_DEFAULT 1000
#define CTL_SESS_MAX 4000		/* rows of show sessions: keeps the reply under the frame limit */
#define CTL_CONFIG_MAX (LB_CTL_MAX_FRAME / 2)	/* bytes of configuration text kept */

struct ctl_client;

/* A request whose reply comes later. Embedded first in the command's own state. */
struct ctl_defer {
	struct ctl_client *cl;		/* NULL once the client is gone */
	uint64_t id;
	const struct lb_ctl_cmd *cmd;
	char args[200];			/* for the log line */
	void (*cancel)(struct ctl_defer *d);	/* client gone; NULL: the owner checks d->cl */
};

/* subscribe stats: a reply with the same id every interval. */
struct ctl_sub {
	uint64_t id;
	unsigned flags;
	struct event *tev;
};

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
	struct ctl_defer *defer;	/* a reply still to come: later frames wait for it */
	struct ctl_sub *sub;
};

static struct {
	struct event_base *base;
	struct lbd_runtime *rt;
	struct ctl_listener *lis;
	unsigned nlis;
	struct ctl_listener *retired;	/* master: dropped by a reload not committed yet */
	unsigned nretired;
	struct ctl_client *clients;
	unsigned nclients;
	struct ctl_config_text {
		const char *path;
		char *text;
		size_t len;
		bool cut;		/* longer than CTL_CONFIG_MAX */
		int err;		/* errno of reading it, 0 if read */
	} *config;
	unsigned nconfig;
} ctl;

/* The context a handler works in. */
struct ctl_ctx {
	struct lbd_runtime *rt;
	struct ctl_client *cl;
	const struct lb_ctl_cmd *cmd;
	uint64_t id;		/* the request's */
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
	if (cl->defer) {
		cl->defer->cl = NULL;
		if (cl->defer->cancel)
			cl->defer->cancel(cl->defer);
	}
	if (cl->sub) {
		event_free(cl->sub->tev);
		free(cl->sub);
	}
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

	if ((cl->inlen && !cl->defer) || out_pending(cl))
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
	if (cl->closing || (cl->eof && cl->inlen == 0 && !cl->defer)) {
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
		if (!cl->inlen && !out_pending(cl) && !cl->defer) {
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
args_text(int argc, char **argv, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < argc && i < 3 && used + 1 < len; i++)
		used += (size_t)snprintf(buf + used, len - used, " %s", argv[i]);
}

/* Commands that change something are logged, with who asked and the outcome. */
static void
log_command(const struct ctl_client *cl, const struct lb_ctl_cmd *cmd, const char *args,
	    int st, const char *msg)
{
	if (cmd->level > LB_CTL_LEVEL_USER)
		lb_log_sys(st == LB_CTL_ST_OK ? LB_LOG_NOTICE : LB_LOG_INFO,
			   "control: uid %u pid %d: %s%s: %s%s%s", (unsigned)cl->uid,
			   (int)cl->pid, cmd->name, args, lb_ctl_status_name(st),
			   msg[0] ? ": " : "", msg);
}

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
	x.id = req.id;
	st = ctl_handlers[cmd->id](&x);
	if (st != CTL_DEFERRED) {
		char args[200];
		args_text(req.argc, req.argv, args, sizeof(args));
		log_command(cl, cmd, args, st, x.msg);
		reply(cl, req.id, st, x.msg, st == LB_CTL_ST_OK ? &x.data : NULL);
	}
	msgpack_sbuffer_destroy(&x.data);
out:
	lb_ctl_request_free(&req);
}

static void
client_process(struct ctl_client *cl)
{
	size_t off = 0;

	while (!cl->closing && !cl->defer && out_pending(cl) < CTL_OUT_BUDGET) {
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
	if (cl->eof && !cl->defer && (cl->inlen == 0 || out_pending(cl) < CTL_OUT_BUDGET))
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

/* show config answers with the files as they were when lbd loaded them: read them now,
 * right after the config was parsed and before chroot or privileges drop can hide them. */
static void
config_snapshot(const struct lbd_runtime *rt)
{
	const struct lb_cfg *cfg = rt->cfg;

	ctl.config = calloc(cfg->nfiles ? (size_t)cfg->nfiles : 1, sizeof(*ctl.config));
	if (!ctl.config)
		return;
	for (int i = 0; i < cfg->nfiles; i++) {
		struct ctl_config_text *t = &ctl.config[ctl.nconfig++];
		FILE *f = fopen(cfg->files[i], "re");

		t->path = cfg->files[i];
		t->text = f ? malloc(CTL_CONFIG_MAX + 1) : NULL;
		if (!f || !t->text) {
			t->err = f ? ENOMEM : errno;
			if (f)
				fclose(f);
			continue;
		}
		t->len = fread(t->text, 1, CTL_CONFIG_MAX + 1, f);
		t->cut = t->len > CTL_CONFIG_MAX;
		if (t->cut)
			t->len = CTL_CONFIG_MAX;
		fclose(f);
	}
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
	config_snapshot(rt);
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
	if (ctl.nlis && lbd_ctl_async_start(base) < 0) {
		*errmsg = lb_xasprintf("control: eventfd: %s", strerror(errno));
		return -1;
	}
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
	lbd_ctl_async_stop();
	lbd_ctl_retired_close();
	for (unsigned i = 0; i < ctl.nlis; i++)
		listener_close(&ctl.lis[i], true);
	lb_free(&ctl.lis);
	ctl.nlis = 0;
	for (unsigned i = 0; i < ctl.nconfig; i++)
		free(ctl.config[i].text);
	lb_free(&ctl.config);
	ctl.nconfig = 0;
	ctl.base = NULL;
}

/* --- master-worker: the master owns the socket files, the workers serve them --- */

/* Applies the configured mode, user and group to a socket file the master already holds. */
static int
listener_restyle(struct ctl_listener *li, char **errmsg)
{
	const struct lb_cfg_stats_socket *s = li->cfg;
	mode_t mode = s->mode >= 0 ? (mode_t)s->mode : CTL_DEFAULT_MODE;
	struct passwd *pw = s->user ? getpwnam(s->user) : NULL;
	struct group *gr = s->group ? getgrnam(s->group) : NULL;

	if ((s->user && !pw) || (s->group && !gr)) {
		*errmsg = lb_xasprintf("stats socket '%s': %s '%s' does not exist", s->path,
				       s->user && !pw ? "user" : "group",
				       s->user && !pw ? s->user : s->group);
		return -1;
	}
	li->owner_uid = pw ? pw->pw_uid : (uid_t)-1;
	li->owner_gid = gr ? gr->gr_gid : (gid_t)-1;
	if (chmod(s->path, mode) < 0 ||
	    ((pw || gr) && chown(s->path, li->owner_uid, li->owner_gid) < 0)) {
		*errmsg = lb_xasprintf("stats socket '%s': %s", s->path, strerror(errno));
		return -1;
	}
	return 0;
}

int
lbd_ctl_reconfigure(struct lbd_runtime *rt, char **errmsg)
{
	const struct lb_cfg_stats_socket *s;
	struct ctl_listener *lis, *old, *retired;
	unsigned n = 0, nold = ctl.nlis + ctl.nretired, nretired = 0, i;
	int *from;

	/* the sockets held now: the configured ones and those a pending reload dropped */
	old = lb_xcalloc(nold ? nold : 1, sizeof(*old));
	if (ctl.nlis)
		memcpy(old, ctl.lis, ctl.nlis * sizeof(*old));
	if (ctl.nretired)
		memcpy(old + ctl.nlis, ctl.retired, ctl.nretired * sizeof(*old));
	for (s = rt->cfg->global.stats_sockets; s; s = s->next)
		n++;
	lis = lb_xcalloc(n ? n : 1, sizeof(*lis));
	from = lb_xcalloc(n ? n : 1, sizeof(*from));
	for (s = rt->cfg->global.stats_sockets, i = 0; s; s = s->next, i++) {
		lis[i].cfg = s;
		lis[i].fd = -1;
		from[i] = -1;
		for (unsigned k = 0; k < nold; k++)
			if (old[k].fd >= 0 && strcmp(old[k].cfg->path, s->path) == 0)
				from[i] = (int)k;
		if (from[i] >= 0) {
			lis[i].fd = old[from[i]].fd;
			lis[i].dev = old[from[i]].dev;
			lis[i].ino = old[from[i]].ino;
			if (listener_restyle(&lis[i], errmsg) < 0)
				goto fail;
		} else if (listener_bind(&lis[i], errmsg) < 0) {
			goto fail;
		}
	}
	/* done: the sockets kept change hands; the others are retired, still open, until
	 * lbd_ctl_retired_close() (the serving worker may still use them) */
	for (i = 0; i < n; i++)
		if (from[i] >= 0)
			old[from[i]].fd = -1;
	retired = lb_xcalloc(nold ? nold : 1, sizeof(*retired));
	for (unsigned k = 0; k < nold; k++)
		if (old[k].fd >= 0)
			retired[nretired++] = old[k];
	free(ctl.lis);
	free(ctl.retired);
	free(old);
	free(from);
	ctl.lis = lis;
	ctl.nlis = n;
	ctl.retired = retired;
	ctl.nretired = nretired;
	for (i = 0; i < ctl.nconfig; i++)
		free(ctl.config[i].text);
	lb_free(&ctl.config);
	ctl.nconfig = 0;
	config_snapshot(rt);
	return 0;
fail:
	for (i = 0; i < n; i++)
		if (from[i] < 0)
			listener_close(&lis[i], true);
	free(lis);
	free(old);
	free(from);
	return -1;
}

void
lbd_ctl_retired_close(void)
{
	for (unsigned i = 0; i < ctl.nretired; i++)
		listener_close(&ctl.retired[i], true);
	lb_free(&ctl.retired);
	ctl.nretired = 0;
}

unsigned
lbd_ctl_bound(const char **paths, int *fds, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < ctl.nlis && n < max; i++) {
		if (ctl.lis[i].fd < 0)
			continue;
		paths[n] = ctl.lis[i].cfg->path;
		fds[n++] = ctl.lis[i].fd;
	}
	return n;
}

void
lbd_ctl_adopt(const struct lb_cfg_stats_socket *s, int fd)
{
	struct ctl_listener *li;
	struct stat st;

	ctl.lis = lb_xrealloc(ctl.lis, (ctl.nlis + 1) * sizeof(*ctl.lis));
	li = &ctl.lis[ctl.nlis++];
	memset(li, 0, sizeof(*li));
	li->cfg = s;
	li->fd = fd;
	li->owner_uid = (uid_t)-1;
	li->owner_gid = (gid_t)-1;
	if (stat(s->path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		li->dev = st.st_dev;
		li->ino = st.st_ino;
	}
}

void
lbd_ctl_disown(void)
{
	for (unsigned i = 0; i < ctl.nlis; i++) {
		ctl.lis[i].dev = 0;
		ctl.lis[i].ino = 0;
	}
	/* the master's retired sockets are not ours to serve: close our copies */
	for (unsigned i = 0; i < ctl.nretired; i++)
		listener_close(&ctl.retired[i], false);
	lb_free(&ctl.retired);
	ctl.nretired = 0;
}

void
lbd_ctl_pause_accept(void)
{
	for (unsigned i = 0; i < ctl.nlis; i++)
		listener_close(&ctl.lis[i], false);
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
	const char *str;	/* NULL: an integer (or one of the below) */
	int64_t num;
	const struct lb_hist *lat;	/* non-NULL: the latency histograms (lbd/stats.h) */
	double flt;
	bool is_flt;
};

struct stat_row {
	struct stat_kv kv[96];
	unsigned n;
};

static void
row_str(struct stat_row *r, const char *key, const char *val)
{
	if (r->n < LB_ARRAY_SIZE(r->kv))
		r->kv[r->n++] = (struct stat_kv){ .key = key, .str = val };
}

static void
row_num(struct stat_row *r, const char *key, int64_t val)
{
	if (r->n < LB_ARRAY_SIZE(r->kv))
		r->kv[r->n++] = (struct stat_kv){ .key = key, .num = val };
}

/* Rates as show stat has them: rate/rate_max everywhere, req_rate and conn_rate (with their
 * maxima) for frontends, lastsess for backends and servers. */
enum { ROW_FE = 1, ROW_BE_SRV = 2 };
static void
row_rates(struct stat_row *r, const struct lbd_rates *rates, int nbthread, int kind)
{
	struct lbd_rates_view v;

	lbd_rates_read(rates, nbthread, lb_now_ms(), &v);
	row_num(r, "rate", (int64_t)v.sess);
	row_num(r, "rate_max", (int64_t)v.sess_max);
	if (kind == ROW_FE) {
		row_num(r, "req_rate", (int64_t)v.req);
		row_num(r, "req_rate_max", (int64_t)v.req_max);
		row_num(r, "conn_rate", (int64_t)v.conn);
		row_num(r, "conn_rate_max", (int64_t)v.conn_max);
	} else {
		row_num(r, "lastsess", v.last_sess_s);
	}
}

/* Latency: HAProxy's qtime/ctime/rtime/ttime columns (means since the last clear, ms), the
 * p50/p99 of the total time (ms, float, absent when nothing was timed) and "latency", the
 * histograms (lbd_stats_pack_latency). `lat` is borrowed until row_pack(). */
static void
row_latency(struct stat_row *r, const struct lb_hist lat[LB_LAT__COUNT])
{
	static const char *const means[LB_LAT__COUNT] = { "qtime", "ctime", "rtime", "ttime" };
	double p50 = lb_hist_quantile(lat[LB_LAT_TOTAL].bucket, 0.5);
	double p99 = lb_hist_quantile(lat[LB_LAT_TOTAL].bucket, 0.99);

	for (int k = 0; k < LB_LAT__COUNT; k++)
		row_num(r, means[k], lbd_stats_mean_ms(&lat[k]));
	if (p50 >= 0 && r->n + 2 <= LB_ARRAY_SIZE(r->kv)) {
		r->kv[r->n++] = (struct stat_kv){ .key = "p50", .flt = p50, .is_flt = true };
		r->kv[r->n++] = (struct stat_kv){ .key = "p99", .flt = p99, .is_flt = true };
	}
	if (r->n < LB_ARRAY_SIZE(r->kv))
		r->kv[r->n++] = (struct stat_kv){ .key = "latency", .lat = lat };
}

static void
row_pack(msgpack_packer *pk, const struct stat_row *r)
{
	msgpack_pack_map(pk, r->n);
	for (unsigned i = 0; i < r->n; i++) {
		if (r->kv[i].lat) {
			lb_ctl_pack_str(pk, r->kv[i].key);
			lbd_stats_pack_latency(pk, r->kv[i].lat);
		} else if (r->kv[i].is_flt) {
			lb_ctl_pack_str(pk, r->kv[i].key);
			msgpack_pack_double(pk, r->kv[i].flt);
		} else if (r->kv[i].str)
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
	row_num(&r, "smax", __atomic_load_n(&fe->max_conn, __ATOMIC_RELAXED));
	row_num(&r, "slim", fe->cfg->maxconn > 0 ? fe->cfg->maxconn : rt->maxconn);
	row_rates(&r, fe->rates, rt->nbthread, ROW_FE);
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
	row_latency(&r, c.lat);
	row_pack(&x->pk, &r);
}

/* HAProxy's check columns of a server (lbd/health.h); v is borrowed until row_pack(). */
static void
pack_srv_health(struct stat_row *r, const struct lbd_health_view *v)
{
	row_num(r, "chkfail", (int64_t)v->chkfail);
	row_num(r, "chkdown", (int64_t)v->chkdown);
	row_num(r, "lastchg", (int64_t)v->lastchg_s);
	row_num(r, "downtime", (int64_t)v->downtime_s);
	row_num(r, "hanafail", (int64_t)v->hanafail);
	if (v->has_check) {
		row_str(r, "check_status", v->check_status);
		if (v->check_code >= 0)
			row_num(r, "check_code", v->check_code);
		if (v->check_duration >= 0)
			row_num(r, "check_duration", v->check_duration);
		row_str(r, "check_desc", v->check_desc);
		row_str(r, "last_chk", v->last_chk);
		row_num(r, "check_rise", v->rise);
		row_num(r, "check_fall", v->fall);
		row_num(r, "check_health", v->health);
	}
	if (v->has_agent) {
		row_str(r, "agent_status", v->agent_status);
		if (v->agent_code >= 0)
			row_num(r, "agent_code", v->agent_code);
		if (v->agent_duration >= 0)
			row_num(r, "agent_duration", v->agent_duration);
		row_str(r, "agent_desc", v->agent_desc);
		row_str(r, "last_agt", v->last_agt);
		row_num(r, "agent_rise", v->rise);
		row_num(r, "agent_fall", v->fall);
		row_num(r, "agent_health", v->agent_health);
	}
}

static void
pack_srv_row(struct ctl_ctx *x, const struct lbd_server *srv)
{
	const struct lbd_runtime *rt = x->rt;
	struct lbd_srv_counters c;
	struct stat_row r = { .n = 0 };
	int maxconn = __atomic_load_n(&srv->lb.maxconn, __ATOMIC_RELAXED);
	char addr[INET6_ADDRSTRLEN + 120];
	struct lbd_health_view hv;

	lbd_stats_server(rt, srv, &c);
	lb_addr_format((const struct sockaddr *)&srv->addr, addr, sizeof(addr));
	row_str(&r, "pxname", srv->be->name);
	row_str(&r, "svname", srv->name);
	row_num(&r, "qcur", 0);
	row_num(&r, "qmax", 0);		/* the queue is the backend's (see BACKEND qmax) */
	row_num(&r, "scur", __atomic_load_n(&srv->lb.cur_sess, __ATOMIC_RELAXED));
	row_num(&r, "smax", __atomic_load_n(&srv->max_sess, __ATOMIC_RELAXED));
	if (maxconn > 0)
		row_num(&r, "slim", maxconn);
	if (srv->cfg->maxqueue > 0)
		row_num(&r, "qlimit", srv->cfg->maxqueue);
	row_rates(&r, srv->rates, rt->nbthread, ROW_BE_SRV);
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
	lbd_health_view(rt, srv, &hv);
	pack_srv_health(&r, &hv);
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
	row_latency(&r, c.lat);
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
	row_num(&r, "qmax", __atomic_load_n(&be->qmax, __ATOMIC_RELAXED));
	row_num(&r, "scur", __atomic_load_n(&be->cur_conn, __ATOMIC_RELAXED));
	row_num(&r, "smax", __atomic_load_n(&be->max_conn, __ATOMIC_RELAXED));
	row_rates(&r, be->rates, rt->nbthread, ROW_BE_SRV);
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
	row_latency(&r, c.lat);
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

/* The show stats rows for the stats page's ;csv and ;json (lbd/stats_page.c): the same
 * table, packed into the caller's packer; callable from any thread (it only reads). */
void
lbd_ctl_pack_stats(struct lbd_runtime *rt, msgpack_packer *pk)
{
	struct ctl_ctx x = { .rt = rt, .pk = *pk };

	ctl_h_SHOW_STATS(&x);
}

/* --- show servers state [<backend>]: HAProxy's server state file (lbd/server_state.c) --- */

static int
ctl_h_SHOW_SERVERS_STATE(struct ctl_ctx *x)
{
	const struct lbd_backend *only = NULL;
	char *text;

	if (x->argc > 0) {
		only = lbd_runtime_find_backend(x->rt, x->argv[0]);
		if (!only) {
			snprintf(x->msg, sizeof(x->msg), "no backend '%s'", x->argv[0]);
			return LB_CTL_ST_NOT_FOUND;
		}
	}
	text = lbd_server_state_dump(x->rt, only);
	if (!text) {
		snprintf(x->msg, sizeof(x->msg), "out of memory");
		return LB_CTL_ST_FAILED;
	}
	msgpack_pack_array(&x->pk, 1);
	msgpack_pack_map(&x->pk, 1);
	lb_ctl_pack_str(&x->pk, "text");
	msgpack_pack_str(&x->pk, strlen(text));
	msgpack_pack_str_body(&x->pk, text, strlen(text));
	free(text);
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

			struct lbd_health_view hv;
			char htxt[64], ctxt[64];

			lbd_stats_server(rt, srv, &c);
			lb_addr_format((const struct sockaddr *)&srv->addr, addr, sizeof(addr));
			lbd_health_view(rt, srv, &hv);
			lbd_health_state_text(srv, &hv, htxt, sizeof(htxt));
			lbd_health_check_text(&hv, ctxt, sizeof(ctxt));
			msgpack_pack_map(&x->pk, 17);
			lb_ctl_pack_kv_str(&x->pk, "backend", be->name);
			lb_ctl_pack_kv_str(&x->pk, "server", srv->name);
			lb_ctl_pack_kv_i64(&x->pk, "id", srv->lb.id);
			lb_ctl_pack_kv_str(&x->pk, "addr", addr);
			lb_ctl_pack_kv_str(&x->pk, "status", lbd_stats_server_status(srv));
			lb_ctl_pack_kv_str(&x->pk, "admin", admin_name(__atomic_load_n(
				&srv->admin, __ATOMIC_RELAXED)));
			lb_ctl_pack_kv_str(&x->pk, "health", htxt);
			lb_ctl_pack_kv_str(&x->pk, "check", ctxt);
			lb_ctl_pack_kv_u64(&x->pk, "chkfail", hv.chkfail);
			lb_ctl_pack_kv_u64(&x->pk, "chkdown", hv.chkdown);
			lb_ctl_pack_kv_u64(&x->pk, "lastchg", hv.lastchg_s);
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

/* The state change itself, shared with the stats page's admin buttons (lbd/stats_page.c).
 * Returns the previous state. Callable from any thread. */
int
lbd_ctl_server_set_admin(struct lbd_server *srv, int admin)
{
	int old = __atomic_exchange_n(&srv->admin, admin, __ATOMIC_RELAXED);

	lbd_server_update_weight(srv);
	return old;
}

/* The state change behind server state / drain / enable / maint. */
static int
set_state(struct ctl_ctx *x, const char *ref, int admin)
{
	struct lbd_server *srv = find_server(x, ref);
	int old;

	if (!srv)
		return LB_CTL_ST_NOT_FOUND;
	old = lbd_ctl_server_set_admin(srv, admin);
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

/* "server health <be/srv> enable|disable" (HAProxy: enable/disable health) */
static int
ctl_h_SERVER_HEALTH(struct ctl_ctx *x)
{
	struct lbd_server *srv = find_server(x, x->argv[0]);

	if (!srv)
		return LB_CTL_ST_NOT_FOUND;
	if (lbd_health_set_enabled(x->rt, srv, strcmp(x->argv[1], "enable") == 0, x->msg,
				   sizeof(x->msg)) < 0)
		return LB_CTL_ST_FAILED;
	return LB_CTL_ST_OK;
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

/* "add server <be/name> <addr:port> [options]" (HAProxy: add server) */
static int
ctl_h_ADD_SERVER(struct ctl_ctx *x)
{
	if (lbd_dynsrv_add(x->rt, x->argv[0], x->argv[1], x->argc - 2, x->argv + 2, x->msg,
			   sizeof(x->msg)) < 0)
		return LB_CTL_ST_FAILED;
	return LB_CTL_ST_OK;
}

/* "del server <be/srv>" (HAProxy: del server) */
static int
ctl_h_DEL_SERVER(struct ctl_ctx *x)
{
	if (!find_server(x, x->argv[0]))
		return LB_CTL_ST_NOT_FOUND;
	if (lbd_dynsrv_del(x->rt, x->argv[0], x->msg, sizeof(x->msg)) < 0)
		return LB_CTL_ST_FAILED;
	return LB_CTL_ST_OK;
}

/* --- deferred replies --- */

static int
defer_begin(struct ctl_ctx *x, struct ctl_defer *d, void (*cancel)(struct ctl_defer *))
{
	d->cl = x->cl;
	d->id = x->id;
	d->cmd = x->cmd;
	d->cancel = cancel;
	args_text(x->argc, x->argv, d->args, sizeof(d->args));
	x->cl->defer = d;
	return CTL_DEFERRED;
}

/* Sends the deferred reply (if the client is still there) and lets the client's next
 * frames in. data may be NULL. */
static void
defer_finish(struct ctl_defer *d, int st, const char *msg, const msgpack_sbuffer *data)
{
	struct ctl_client *cl = d->cl;

	if (!cl)
		return;
	cl->defer = NULL;
	d->cl = NULL;
	log_command(cl, d->cmd, d->args, st, msg);
	reply(cl, d->id, st, msg, st == LB_CTL_ST_OK ? data : NULL);
	client_process(cl);	/* may close cl */
}

/* --- show sessions, shutdown session(s): asked of every worker --- */

enum sess_op { SESS_LIST, SESS_KILL_ID, SESS_KILL_SERVER };

struct sess_job {
	struct ctl_defer d;		/* first: the client's pending reply */
	enum sess_op op;
	unsigned max;
	uint64_t id;
	struct lbd_server *srv;
	char srvname[200];
	int nthr;
	struct sess_part {		/* written only by thread i */
		struct lbd_session_info *rows;
		unsigned n, total, killed;
	} part[];
};

static void
sess_work(struct lbd_thread *thr, void *arg)
{
	struct sess_job *j = arg;
	struct sess_part *p = &j->part[thr->id];

	switch (j->op) {
	case SESS_LIST:
		p->rows = malloc((size_t)j->max * sizeof(*p->rows));
		p->total = lbd_sessions_list(thr, p->rows, p->rows ? j->max : 0);
		p->n = p->rows ? LB_MIN(p->total, j->max) : 0;
		break;
	case SESS_KILL_ID:
		/* ids name their thread (sessions.c): only the owner looks */
		if ((j->id - 1) % (uint64_t)j->nthr == (uint64_t)thr->id)
			p->killed = lbd_sessions_kill_id(thr, j->id);
		break;
	case SESS_KILL_SERVER:
		p->killed = lbd_sessions_kill_server(thr, j->srv);
		break;
	}
}

static int
sess_row_cmp(const void *a, const void *b)
{
	const struct lbd_session_info *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void
sess_pack_list(struct sess_job *j, msgpack_packer *pk, char *msg, size_t msglen)
{
	struct lbd_session_info *all;
	size_t n = 0, total = 0;

	for (int i = 0; i < j->nthr; i++) {
		n += j->part[i].n;
		total += j->part[i].total;
	}
	all = malloc((n ? n : 1) * sizeof(*all));
	if (!all)
		n = 0;
	for (int i = 0, k = 0; all && i < j->nthr; i++)
		for (unsigned r = 0; r < j->part[i].n; r++)
			all[k++] = j->part[i].rows[r];
	/* oldest first across threads (ids grow with time on each thread) */
	if (n)
		qsort(all, n, sizeof(*all), sess_row_cmp);
	n = LB_MIN(n, (size_t)j->max);
	msgpack_pack_map(pk, 3);
	lb_ctl_pack_kv_u64(pk, "total", total);
	lb_ctl_pack_kv_bool(pk, "truncated", n < total);
	lb_ctl_pack_str(pk, "rows");
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < n; i++) {
		const struct lbd_session_info *r = &all[i];
		msgpack_pack_map(pk, 12);
		lb_ctl_pack_kv_u64(pk, "id", r->id);
		lb_ctl_pack_kv_i64(pk, "thread", r->thread);
		lb_ctl_pack_kv_str(pk, "frontend", r->frontend);
		lb_ctl_pack_kv_str(pk, "backend", r->backend);
		lb_ctl_pack_kv_str(pk, "server", r->server);
		lb_ctl_pack_kv_str(pk, "client", r->client);
		lb_ctl_pack_kv_str(pk, "state", r->state);
		lb_ctl_pack_kv_u64(pk, "age_ms", r->age_ms);
		lb_ctl_pack_kv_u64(pk, "idle_ms", r->idle_ms);
		lb_ctl_pack_kv_u64(pk, "bytes_in", r->bytes_in);
		lb_ctl_pack_kv_u64(pk, "bytes_out", r->bytes_out);
		lb_ctl_pack_kv_str(pk, "request", r->request);
	}
	if (n < total)
		snprintf(msg, msglen, "truncated: %zu of %zu sessions shown (show sessions <n>: "
			 "up to %d)", n, total, CTL_SESS_MAX);
	free(all);
}

static void
sess_done(void *arg, bool live)
{
	struct sess_job *j = arg;
	msgpack_sbuffer data;
	msgpack_packer pk;
	char msg[512] = "";
	unsigned killed = 0;
	int st = LB_CTL_ST_OK;

	msgpack_sbuffer_init(&data);
	msgpack_packer_init(&pk, &data, msgpack_sbuffer_write);
	for (int i = 0; i < j->nthr; i++)
		killed += j->part[i].killed;
	if (live && j->d.cl) {
		switch (j->op) {
		case SESS_LIST:
			sess_pack_list(j, &pk, msg, sizeof(msg));
			break;
		case SESS_KILL_ID:
			if (!killed) {
				st = LB_CTL_ST_NOT_FOUND;
				snprintf(msg, sizeof(msg), "no session %" PRIu64 " (it may have "
					 "ended already)", j->id);
				break;
			}
			snprintf(msg, sizeof(msg), "session %" PRIu64 " closed", j->id);
			msgpack_pack_map(&pk, 1);
			lb_ctl_pack_kv_u64(&pk, "closed", killed);
			break;
		case SESS_KILL_SERVER:
			snprintf(msg, sizeof(msg), "%s: %u session(s) closed", j->srvname, killed);
			msgpack_pack_map(&pk, 1);
			lb_ctl_pack_kv_u64(&pk, "closed", killed);
			break;
		}
		defer_finish(&j->d, st, msg, &data);
	}
	msgpack_sbuffer_destroy(&data);
	for (int i = 0; i < j->nthr; i++)
		free(j->part[i].rows);
	if (j->srv)	/* del server may take it now */
		__atomic_sub_fetch(&j->srv->ctl_refs, 1, __ATOMIC_RELAXED);
	free(j);
}

static int
sess_start(struct ctl_ctx *x, enum sess_op op, struct sess_job **out)
{
	int n = x->rt->nbthread;
	struct sess_job *j;

	*out = NULL;
	/* during a soft stop, worker threads leave their loops as they empty: a job posted to
	 * one that left would never come back */
	if (__atomic_load_n(&x->rt->stopping, __ATOMIC_RELAXED)) {
		snprintf(x->msg, sizeof(x->msg), "lbd is stopping; the worker threads no longer "
			 "answer");
		return LB_CTL_ST_FAILED;
	}
	j = calloc(1, sizeof(*j) + (size_t)n * sizeof(j->part[0]));
	*out = j;
	if (!j) {
		snprintf(x->msg, sizeof(x->msg), "out of memory");
		return LB_CTL_ST_FAILED;
	}
	j->op = op;
	j->nthr = n;
	return LB_CTL_ST_OK;
}

static int
sess_post(struct ctl_ctx *x, struct sess_job *j)
{
	defer_begin(x, &j->d, NULL);
	if (lbd_ctl_async_all(x->rt, sess_work, sess_done, j) < 0) {
		x->cl->defer = NULL;
		if (j->srv)
			__atomic_sub_fetch(&j->srv->ctl_refs, 1, __ATOMIC_RELAXED);
		free(j);
		snprintf(x->msg, sizeof(x->msg), "out of memory");
		return LB_CTL_ST_FAILED;
	}
	return CTL_DEFERRED;
}

static int
ctl_h_SHOW_SESSIONS(struct ctl_ctx *x)
{
	struct sess_job *j;
	long long max = CTL_SESS_DEFAULT;
	int st = sess_start(x, SESS_LIST, &j);

	if (st != LB_CTL_ST_OK)
		return st;
	if (x->argc > 0 && lb_ctl_parse_uint(x->argv[0], LB_CTL_MAXCONN_MAX, &max) < 0)
		max = CTL_SESS_DEFAULT;	/* unreachable: the spec checked it */
	j->max = (unsigned)LB_MAX(1, LB_MIN(max, CTL_SESS_MAX));
	return sess_post(x, j);
}

static int
ctl_h_SHUTDOWN_SESSION(struct ctl_ctx *x)
{
	struct sess_job *j;
	int st = sess_start(x, SESS_KILL_ID, &j);

	if (st != LB_CTL_ST_OK)
		return st;
	if (lb_ctl_parse_id(x->argv[0], &j->id) < 0) {
		free(j);
		return LB_CTL_ST_USAGE;	/* unreachable: the spec checked it */
	}
	return sess_post(x, j);
}

static int
ctl_h_SHUTDOWN_SESSIONS(struct ctl_ctx *x)
{
	struct lbd_server *srv = find_server(x, x->argv[0]);
	struct sess_job *j;
	int st;

	if (!srv)
		return LB_CTL_ST_NOT_FOUND;
	st = sess_start(x, SESS_KILL_SERVER, &j);
	if (st != LB_CTL_ST_OK)
		return st;
	j->srv = srv;
	__atomic_add_fetch(&srv->ctl_refs, 1, __ATOMIC_RELAXED);	/* del server waits */
	snprintf(j->srvname, sizeof(j->srvname), "%s/%s", srv->be->name, srv->name);
	return sess_post(x, j);
}

/* --- show errors --- */

/* The captured bytes as text: printable ASCII as is, the rest as \r \n \t \xNN (and \\). */
static void
pack_escaped(msgpack_packer *pk, const char *p, size_t len)
{
	char *out = malloc(len * 4 + 1);
	size_t k = 0;

	if (!out) {
		lb_ctl_pack_str(pk, "");
		return;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '\r' || c == '\n' || c == '\t' || c == '\\') {
			out[k++] = '\\';
			out[k++] = c == '\r' ? 'r' : c == '\n' ? 'n' : c == '\t' ? 't' : '\\';
		} else if (c >= 0x20 && c < 0x7f) {
			out[k++] = (char)c;
		} else {
			k += (size_t)snprintf(out + k, 5, "\\x%02x", c);
		}
	}
	out[k] = '\0';
	lb_ctl_pack_str(pk, out);
	free(out);
}

static int
ctl_h_SHOW_ERRORS(struct ctl_ctx *x)
{
	int dir = -1;
	size_t n;
	struct lbd_error_entry *e;

	if (x->argc > 0)
		dir = strcmp(x->argv[0], "request") == 0 ? LBD_ERR_REQUEST : LBD_ERR_RESPONSE;
	e = lbd_errors_snapshot(dir, &n);
	if (!e && n) {
		snprintf(x->msg, sizeof(x->msg), "out of memory");
		return LB_CTL_ST_FAILED;
	}
	msgpack_pack_array(&x->pk, n);
	for (size_t i = 0; i < n; i++) {
		char when[64];
		struct tm tm;

		gmtime_r(&e[i].when.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%03dZ",
			 (int)(e[i].when.tv_usec / 1000));
		msgpack_pack_map(&x->pk, 15);
		lb_ctl_pack_kv_u64(&x->pk, "seq", e[i].seq);
		lb_ctl_pack_kv_str(&x->pk, "time", when);
		lb_ctl_pack_kv_str(&x->pk, "dir", e[i].dir == LBD_ERR_REQUEST ? "request" :
									"response");
		lb_ctl_pack_kv_str(&x->pk, "proxy", e[i].proxy);
		lb_ctl_pack_kv_str(&x->pk, "frontend", e[i].frontend);
		lb_ctl_pack_kv_str(&x->pk, "backend", e[i].backend);
		lb_ctl_pack_kv_str(&x->pk, "server", e[i].server);
		lb_ctl_pack_kv_str(&x->pk, "client", e[i].client);
		lb_ctl_pack_kv_i64(&x->pk, "status", e[i].status);
		lb_ctl_pack_kv_str(&x->pk, "reason", e[i].reason);
		lb_ctl_pack_kv_u64(&x->pk, "offset", e[i].offset);
		lb_ctl_pack_kv_u64(&x->pk, "length", e[i].msg_len);
		lb_ctl_pack_kv_u64(&x->pk, "capture_start", e[i].cap_start);
		lb_ctl_pack_kv_u64(&x->pk, "capture_len", e[i].cap_len);
		lb_ctl_pack_str(&x->pk, "capture");
		pack_escaped(&x->pk, e[i].cap, e[i].cap_len);
	}
	free(e);
	if (!n)
		snprintf(x->msg, sizeof(x->msg), "no errors recorded");
	return LB_CTL_ST_OK;
}

/* --- show config --- */

static int
ctl_h_SHOW_CONFIG(struct ctl_ctx *x)
{
	msgpack_pack_array(&x->pk, ctl.nconfig);
	for (unsigned i = 0; i < ctl.nconfig; i++) {
		const struct ctl_config_text *t = &ctl.config[i];
		msgpack_pack_map(&x->pk, 3);
		lb_ctl_pack_kv_str(&x->pk, "path", t->path);
		lb_ctl_pack_str(&x->pk, "text");
		if (t->text) {
			msgpack_pack_str(&x->pk, t->len);
			msgpack_pack_str_body(&x->pk, t->text, t->len);
		} else {
			msgpack_pack_nil(&x->pk);
		}
		lb_ctl_pack_kv_str(&x->pk, "note", t->err ? strerror(t->err) :
					     t->cut ? "truncated" : "");
	}
	return LB_CTL_ST_OK;
}

/* --- wait <be/srv> empty|removable [<time>] --- */

struct ctl_wait {
	struct ctl_defer d;		/* first */
	struct lbd_server *srv;
	bool removable;
	uint64_t start_ms, deadline_ms;
	struct event *tev;
};

static bool
wait_met(const struct ctl_wait *w)
{
	int admin = __atomic_load_n(&w->srv->admin, __ATOMIC_RELAXED);

	if (__atomic_load_n(&w->srv->lb.cur_sess, __ATOMIC_RELAXED) > 0)
		return false;
	return !w->removable || admin == LBD_SRV_DRAIN || admin == LBD_SRV_MAINT;
}

static void
wait_free(struct ctl_wait *w)
{
	__atomic_sub_fetch(&w->srv->ctl_refs, 1, __ATOMIC_RELAXED);
	if (w->tev)
		event_free(w->tev);
	free(w);
}

static void
wait_cancel(struct ctl_defer *d)
{
	wait_free((struct ctl_wait *)d);
}

static void
wait_tick(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_wait *w = arg;
	uint64_t now = lb_now_ms();
	char msg[300];

	(void)fd;
	(void)what;
	if (wait_met(w)) {
		snprintf(msg, sizeof(msg), "%s/%s: %s after %.1f s", w->srv->be->name,
			 w->srv->name, w->removable ? "removable" : "empty",
			 (double)(now - w->start_ms) / 1000.0);
		defer_finish(&w->d, LB_CTL_ST_OK, msg, NULL);
		wait_free(w);
		return;
	}
	if (now < w->deadline_ms)
		return;
	snprintf(msg, sizeof(msg), "timeout: %s/%s is not %s after %.1f s (%d session(s), "
		 "state %s)", w->srv->be->name, w->srv->name,
		 w->removable ? "removable" : "empty", (double)(now - w->start_ms) / 1000.0,
		 __atomic_load_n(&w->srv->lb.cur_sess, __ATOMIC_RELAXED),
		 admin_name(__atomic_load_n(&w->srv->admin, __ATOMIC_RELAXED)));
	defer_finish(&w->d, LB_CTL_ST_FAILED, msg, NULL);
	wait_free(w);
}

static int
ctl_h_WAIT(struct ctl_ctx *x)
{
	struct lbd_server *srv = find_server(x, x->argv[0]);
	struct timeval tv = { 0, CTL_WAIT_TICK_MS * 1000 };
	long long tmo = CTL_WAIT_DEFAULT_MS;
	struct ctl_wait *w;

	if (!srv)
		return LB_CTL_ST_NOT_FOUND;
	if (x->argc > 2 && lb_ctl_parse_time(x->argv[2], &tmo) < 0)
		return LB_CTL_ST_USAGE;	/* unreachable: the spec checked it */
	w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(x->msg, sizeof(x->msg), "out of memory");
		return LB_CTL_ST_FAILED;
	}
	w->srv = srv;
	w->removable = strcmp(x->argv[1], "removable") == 0;
	if (wait_met(w)) {
		snprintf(x->msg, sizeof(x->msg), "%s/%s: %s", srv->be->name, srv->name,
			 w->removable ? "removable" : "empty");
		free(w);
		return LB_CTL_ST_OK;
	}
	__atomic_add_fetch(&srv->ctl_refs, 1, __ATOMIC_RELAXED);	/* del server waits */
	w->start_ms = lb_now_ms();
	w->deadline_ms = w->start_ms + (uint64_t)tmo;
	w->tev = event_new(ctl.base, -1, EV_PERSIST, wait_tick, w);
	if (!w->tev || event_add(w->tev, &tv) < 0) {
		wait_free(w);
		snprintf(x->msg, sizeof(x->msg), "out of memory");
		return LB_CTL_ST_FAILED;
	}
	return defer_begin(x, &w->d, wait_cancel);
}

/* --- reload, show proc: asked of the master (master-worker mode, lbd/mworker.h) --- */

struct ctl_master_ask {
	struct ctl_defer d;		/* first: the client's pending reply */
	bool proc;			/* show proc, else reload */
};

static const char ctl_no_master[] =
	"not in master-worker mode: start lbd with -W (or master-worker in global), or "
	"restart it to load a new configuration";

/* Packs the master's "role pid generation age-ms state reloads" lines as show proc rows. */
static void
pack_proc(msgpack_packer *pk, const char *text)
{
	unsigned n = 0;

	for (const char *p = text; (p = strchr(p, '\n')); p++)
		n++;
	msgpack_pack_array(pk, n);
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		char line[200], role[16], gen[16], state[16];
		int pid = 0, reloads = 0;
		unsigned long long age = 0;
		size_t l = nl ? (size_t)(nl - p) : strlen(p);

		if (!nl)
			break;
		snprintf(line, sizeof(line), "%.*s", (int)LB_MIN(l, sizeof(line) - 1), p);
		if (sscanf(line, "%15s %d %15s %llu %15s %d", role, &pid, gen, &age, state,
			   &reloads) != 6) {
			strcpy(role, "?");
			strcpy(gen, "-");
			strcpy(state, "?");
		}
		msgpack_pack_map(pk, 7);
		lb_ctl_pack_kv_i64(pk, "pid", pid);
		lb_ctl_pack_kv_str(pk, "role", role);
		lb_ctl_pack_kv_str(pk, "generation", gen);
		lb_ctl_pack_kv_i64(pk, "age_sec", (int64_t)(age / 1000));
		lb_ctl_pack_kv_str(pk, "state", state);
		lb_ctl_pack_kv_i64(pk, "reloads", reloads);
		lb_ctl_pack_kv_str(pk, "self", pid == (int)getpid() ? "*" : "");
		p = nl + 1;
	}
}

static void
master_answered(void *arg, bool ok, const char *text)
{
	struct ctl_master_ask *a = arg;
	msgpack_sbuffer data;
	msgpack_packer pk;
	size_t len = strlen(text);
	char *msg;

	if (a->proc) {
		msgpack_sbuffer_init(&data);
		msgpack_packer_init(&pk, &data, msgpack_sbuffer_write);
		pack_proc(&pk, text);
		defer_finish(&a->d, ok ? LB_CTL_ST_OK : LB_CTL_ST_FAILED, ok ? "" : text, &data);
		msgpack_sbuffer_destroy(&data);
	} else {
		/* the master's text, without its last newline */
		msg = lb_xasprintf("%.*s", (int)(len && text[len - 1] == '\n' ? len - 1 : len),
				   text);
		defer_finish(&a->d, ok ? LB_CTL_ST_OK : LB_CTL_ST_FAILED, msg, NULL);
		free(msg);
	}
	free(a);
}

static int
ask_master(struct ctl_ctx *x, bool proc)
{
	struct ctl_master_ask *a;

	if (!lbd_mworker_active()) {
		snprintf(x->msg, sizeof(x->msg), "%s", ctl_no_master);
		return LB_CTL_ST_FAILED;
	}
	a = lb_xcalloc(1, sizeof(*a));
	a->proc = proc;
	if (lbd_mworker_ask(proc ? "proc" : "reload", master_answered, a) < 0) {
		free(a);
		snprintf(x->msg, sizeof(x->msg), "cannot reach the master process");
		return LB_CTL_ST_FAILED;
	}
	/* no cancel: master_answered runs in any case, and finds d->cl NULL if the client
	 * left meanwhile */
	return defer_begin(x, &a->d, NULL);
}

static int
ctl_h_RELOAD(struct ctl_ctx *x)
{
	return ask_master(x, false);
}

static int
ctl_h_SHOW_PROC(struct ctl_ctx *x)
{
	return ask_master(x, true);
}

/* --- subscribe stats <time> --- */

static void
sub_tick(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_client *cl = arg;
	struct ctl_sub *sub = cl->sub;
	struct ctl_ctx x;

	(void)fd;
	(void)what;
	/* a client that has not read the last ticks misses this one: memory stays bounded */
	if (out_pending(cl) >= CTL_OUT_BUDGET / 2)
		return;
	memset(&x, 0, sizeof(x));
	x.rt = ctl.rt;
	x.cl = cl;
	x.cmd = &lb_ctl_cmds[LB_CTL_CMD_SHOW_STATS];
	x.flags = sub->flags;
	msgpack_sbuffer_init(&x.data);
	msgpack_packer_init(&x.pk, &x.data, msgpack_sbuffer_write);
	ctl_h_SHOW_STATS(&x);
	reply(cl, sub->id, LB_CTL_ST_OK, "", &x.data);
	msgpack_sbuffer_destroy(&x.data);
	if (client_flush(cl) < 0)
		return;		/* closed, subscription freed with it */
	client_rearm(cl);
}

static int
ctl_h_SUBSCRIBE_STATS(struct ctl_ctx *x)
{
	long long ms;
	struct timeval tv;
	struct ctl_sub *sub;

	if (x->cl->sub) {
		snprintf(x->msg, sizeof(x->msg), "this connection already has a subscription "
			 "(id %" PRIu64 "); open another connection", x->cl->sub->id);
		return LB_CTL_ST_FAILED;
	}
	if (lb_ctl_parse_time(x->argv[0], &ms) < 0)
		return LB_CTL_ST_USAGE;	/* unreachable: the spec checked it */
	if (ms < CTL_SUB_MIN_MS) {
		snprintf(x->msg, sizeof(x->msg), "interval %lld ms is below the minimum of %d ms",
			 ms, CTL_SUB_MIN_MS);
		return LB_CTL_ST_USAGE;
	}
	sub = calloc(1, sizeof(*sub));
	if (!sub) {
		snprintf(x->msg, sizeof(x->msg), "out of memory");
		return LB_CTL_ST_FAILED;
	}
	sub->id = x->id;
	sub->flags = x->flags;
	sub->tev = event_new(ctl.base, -1, EV_PERSIST, sub_tick, x->cl);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (!sub->tev || event_add(sub->tev, &tv) < 0) {
		if (sub->tev)
			event_free(sub->tev);
		free(sub);
		snprintf(x->msg, sizeof(x->msg), "out of memory");
		return LB_CTL_ST_FAILED;
	}
	x->cl->sub = sub;
	/* the first table is the reply itself */
	return ctl_h_SHOW_STATS(x);
}

/* --- map and ACL files (common/map.h): show, live edits, prepare/commit --- */

struct pat_pack {
	msgpack_sbuffer sb;
	msgpack_packer pk;
	size_t n;
	bool is_map;
};

static void
pat_pack_file(void *arg, unsigned id, const char *path, size_t n)
{
	struct pat_pack *pp = arg;
	char ref[32];

	snprintf(ref, sizeof(ref), "#%u", id);
	msgpack_pack_map(&pp->pk, 3);
	lb_ctl_pack_kv_str(&pp->pk, "id", ref);
	lb_ctl_pack_kv_str(&pp->pk, "file", path);
	lb_ctl_pack_kv_u64(&pp->pk, "entries", n);
	pp->n++;
}

static void
pat_pack_entry(void *arg, const char *key, const char *value)
{
	struct pat_pack *pp = arg;

	msgpack_pack_map(&pp->pk, pp->is_map ? 2 : 1);
	lb_ctl_pack_kv_str(&pp->pk, pp->is_map ? "key" : "pattern", key);
	if (pp->is_map)
		lb_ctl_pack_kv_str(&pp->pk, "value", value);
	pp->n++;
}

/* The file named by argv[i] (a path or #id), or NULL with the reply's message set. */
static struct lb_pat_file *
pat_file(struct ctl_ctx *x, int i, bool is_map)
{
	struct lb_pat_file *f = i < x->argc ? lb_pat_find(x->argv[i], is_map) : NULL;

	if (!f)
		snprintf(x->msg, sizeof(x->msg), "no %s file '%s' in use (see show %s)",
			 is_map ? "map" : "ACL", i < x->argc ? x->argv[i] : "", is_map ? "map" : "acl");
	return f;
}

static int
pat_show(struct ctl_ctx *x, bool is_map)
{
	struct pat_pack pp = { .is_map = is_map };
	struct lb_pat_file *f = NULL;

	if (x->argc > 0 && !(f = pat_file(x, 0, is_map)))
		return LB_CTL_ST_NOT_FOUND;
	msgpack_sbuffer_init(&pp.sb);
	msgpack_packer_init(&pp.pk, &pp.sb, msgpack_sbuffer_write);
	if (f)
		lb_pat_show(f, pat_pack_entry, &pp);
	else
		lb_pat_each(is_map, pat_pack_file, &pp);
	msgpack_pack_array(&x->pk, pp.n);
	msgpack_sbuffer_write(&x->data, pp.sb.data, pp.sb.size);
	msgpack_sbuffer_destroy(&pp.sb);
	return LB_CTL_ST_OK;
}

/* argv[from..] joined by single spaces (a map value may hold spaces). */
static void
pat_join(struct ctl_ctx *x, int from, char *out, size_t size)
{
	size_t o = 0;

	out[0] = '\0';
	for (int i = from; i < x->argc && o < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%s", i > from ? " " : "", x->argv[i]);
}

/* add acl|map [@<ver>] <file> <key> [<value>...] */
static int
pat_add(struct ctl_ctx *x, bool is_map)
{
	long long ver = 0;
	int a = 0;
	struct lb_pat_file *f;
	char value[4096], err[300];

	if (x->argv[0][0] == '@') {
		if (lb_ctl_parse_uint(x->argv[0] + 1, 1LL << 31, &ver) < 0 || !ver) {
			snprintf(x->msg, sizeof(x->msg), "'%s' is not a version (@<n>, from prepare)",
				 x->argv[0]);
			return LB_CTL_ST_USAGE;
		}
		a = 1;
	}
	if (x->argc < a + (is_map ? 3 : 2)) {
		snprintf(x->msg, sizeof(x->msg), "usage: add %s [@<ver>] <file> %s",
			 is_map ? "map" : "acl", is_map ? "<key> <value>..." : "<pattern>");
		return LB_CTL_ST_USAGE;
	}
	if (!(f = pat_file(x, a, is_map)))
		return LB_CTL_ST_NOT_FOUND;
	pat_join(x, a + 2, value, sizeof(value));
	if (!is_map && x->argc > a + 2) {
		pat_join(x, a + 1, value, sizeof(value));	/* a pattern with spaces */
		if (lb_pat_add(f, (unsigned)ver, value, NULL, err, sizeof(err)) < 0)
			goto fail;
	} else if (lb_pat_add(f, (unsigned)ver, x->argv[a + 1], is_map ? value : NULL, err,
			      sizeof(err)) < 0) {
		goto fail;
	}
	if (ver)
		snprintf(x->msg, sizeof(x->msg), "added to version @%lld of %s", ver,
			 lb_pat_file_path(f));
	else
		snprintf(x->msg, sizeof(x->msg), "added to %s (%zu entries)", lb_pat_file_path(f),
			 lb_pat_count(f));
	return LB_CTL_ST_OK;
fail:
	snprintf(x->msg, sizeof(x->msg), "%s", err);
	return LB_CTL_ST_FAILED;
}

static int
pat_del(struct ctl_ctx *x, bool is_map)
{
	struct lb_pat_file *f = pat_file(x, 0, is_map);
	int n;

	if (!f)
		return LB_CTL_ST_NOT_FOUND;
	n = lb_pat_del(f, x->argv[1]);
	if (!n) {
		snprintf(x->msg, sizeof(x->msg), "%s: no %s '%s'", lb_pat_file_path(f),
			 is_map ? "key" : "pattern", x->argv[1]);
		return LB_CTL_ST_NOT_FOUND;
	}
	snprintf(x->msg, sizeof(x->msg), "%s: %d removed", lb_pat_file_path(f), n);
	return LB_CTL_ST_OK;
}

static int
pat_clear(struct ctl_ctx *x, bool is_map)
{
	struct lb_pat_file *f = pat_file(x, 0, is_map);
	size_t n;

	if (!f)
		return LB_CTL_ST_NOT_FOUND;
	n = lb_pat_clear(f, 0);
	snprintf(x->msg, sizeof(x->msg), "%s: %zu removed", lb_pat_file_path(f), n);
	return LB_CTL_ST_OK;
}

static int
pat_prepare(struct ctl_ctx *x, bool is_map)
{
	struct lb_pat_file *f = pat_file(x, 0, is_map);
	char ver[32];

	if (!f)
		return LB_CTL_ST_NOT_FOUND;
	snprintf(ver, sizeof(ver), "@%u", lb_pat_prepare(f));
	msgpack_pack_map(&x->pk, 2);
	lb_ctl_pack_kv_str(&x->pk, "version", ver);
	lb_ctl_pack_kv_str(&x->pk, "file", lb_pat_file_path(f));
	return LB_CTL_ST_OK;
}

static int
pat_commit(struct ctl_ctx *x, bool is_map)
{
	struct lb_pat_file *f = pat_file(x, 1, is_map);
	long long ver = 0;
	char err[300];
	long n;

	if (!f)
		return LB_CTL_ST_NOT_FOUND;
	if (lb_ctl_parse_uint(x->argv[0] + 1, 1LL << 31, &ver) < 0)
		return LB_CTL_ST_USAGE;	/* unreachable: the spec checked it */
	n = lb_pat_commit(f, (unsigned)ver, err, sizeof(err));
	if (n < 0) {
		snprintf(x->msg, sizeof(x->msg), "%s", err);
		return LB_CTL_ST_FAILED;
	}
	snprintf(x->msg, sizeof(x->msg), "%s: version @%lld committed (%ld entries)",
		 lb_pat_file_path(f), ver, n);
	return LB_CTL_ST_OK;
}

static int ctl_h_SHOW_ACL(struct ctl_ctx *x) { return pat_show(x, false); }
static int ctl_h_ADD_ACL(struct ctl_ctx *x) { return pat_add(x, false); }
static int ctl_h_DEL_ACL(struct ctl_ctx *x) { return pat_del(x, false); }
static int ctl_h_CLEAR_ACL(struct ctl_ctx *x) { return pat_clear(x, false); }
static int ctl_h_PREPARE_ACL(struct ctl_ctx *x) { return pat_prepare(x, false); }
static int ctl_h_COMMIT_ACL(struct ctl_ctx *x) { return pat_commit(x, false); }
static int ctl_h_SHOW_MAP(struct ctl_ctx *x) { return pat_show(x, true); }
static int ctl_h_ADD_MAP(struct ctl_ctx *x) { return pat_add(x, true); }
static int ctl_h_DEL_MAP(struct ctl_ctx *x) { return pat_del(x, true); }
static int ctl_h_CLEAR_MAP(struct ctl_ctx *x) { return pat_clear(x, true); }
static int ctl_h_PREPARE_MAP(struct ctl_ctx *x) { return pat_prepare(x, true); }
static int ctl_h_COMMIT_MAP(struct ctl_ctx *x) { return pat_commit(x, true); }

/* stick tables (lbd/track.c) */
static int
ctl_h_SHOW_TABLE(struct ctl_ctx *x)
{
	return lbd_track_ctl_show(x->rt->cfg, x->argc, x->argv, &x->pk, x->msg, sizeof(x->msg));
}

static int
ctl_h_SET_TABLE(struct ctl_ctx *x)
{
	return lbd_track_ctl_set(x->rt->cfg, x->argc, x->argv, x->msg, sizeof(x->msg));
}

static int
ctl_h_CLEAR_TABLE(struct ctl_ctx *x)
{
	return lbd_track_ctl_clear(x->rt->cfg, x->argc, x->argv, x->msg, sizeof(x->msg));
}

static int
ctl_h_SET_MAP(struct ctl_ctx *x)
{
	struct lb_pat_file *f = pat_file(x, 0, true);
	char value[4096], err[300];
	int n;

	if (!f)
		return LB_CTL_ST_NOT_FOUND;
	pat_join(x, 2, value, sizeof(value));
	n = lb_pat_set(f, x->argv[1], value, err, sizeof(err));
	if (n < 0) {
		snprintf(x->msg, sizeof(x->msg), "%s", err);
		return LB_CTL_ST_FAILED;
	}
	if (!n) {
		snprintf(x->msg, sizeof(x->msg), "%s: no key '%s' (add map adds one)",
			 lb_pat_file_path(f), x->argv[1]);
		return LB_CTL_ST_NOT_FOUND;
	}
	snprintf(x->msg, sizeof(x->msg), "%s: %d set", lb_pat_file_path(f), n);
	return LB_CTL_ST_OK;
}

/* TLS ticket keys (lbd/tls_keys.c) */
static int
ctl_h_SHOW_TLS_KEYS(struct ctl_ctx *x)
{
	return lbd_tls_keys_ctl_show(x->argc, x->argv, &x->pk, x->msg, sizeof(x->msg));
}

static int
ctl_h_SET_SSL_TLS_KEY(struct ctl_ctx *x)
{
	return lbd_tls_keys_ctl_set(x->argc, x->argv, x->msg, sizeof(x->msg));
}

/* certificates at run time (lbd/tls_store.c) */
static int
ctl_h_SHOW_SSL_CERT(struct ctl_ctx *x)
{
	return lbd_tls_store_ctl_show(x->argc, x->argv, &x->pk, x->msg, sizeof(x->msg));
}

static int
ctl_h_SET_SSL_CERT(struct ctl_ctx *x)
{
	return lbd_tls_store_ctl_set(x->argc, x->argv, x->msg, sizeof(x->msg));
}

static int
ctl_h_COMMIT_SSL_CERT(struct ctl_ctx *x)
{
	return lbd_tls_store_ctl_commit(x->argc, x->argv, x->msg, sizeof(x->msg));
}

static int
ctl_h_ABORT_SSL_CERT(struct ctl_ctx *x)
{
	return lbd_tls_store_ctl_abort(x->argc, x->argv, x->msg, sizeof(x->msg));
}

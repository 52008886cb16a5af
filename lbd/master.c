/* lbd/master.c: the master process of master-worker mode
 *
 * The master parses the configuration, binds every listening socket (one SO_REUSEPORT
 * socket per thread) and the control sockets, and forks a worker that inherits them: the
 * worker never binds. The master stays single-threaded and small: a poll() loop over a
 * signalfd and one socketpair per worker (lbd/mworker.h has the protocol).
 *
 * A reload (SIGUSR2, SIGHUP) goes: parse and validate the new files with the same parser
 * (on error: every diagnostic with its position, and the serving worker is not touched);
 * bind only the listeners that are new (lbd_sockpool keeps the unchanged ones, same fds);
 * ask the serving worker for its run-time state; fork the new worker with the sockets and
 * that state; when it says "ready", send the old worker SIGUSR1 (it stops polling the shared
 * sockets, finishes its exchanges, closes idle connections, exits, bounded by
 * hard-stop-after) and close the sockets of removed bind lines. Both workers poll the same
 * sockets in between, so no connection is refused or lost in an accept queue.
 *
 * A worker that dies without being asked to is logged with its exit status or signal and
 * started again (after a second if it had served less than that, so a crash loop does not
 * spin).
 *
 * Binary upgrade: when a reload finds a new executable at the path the master runs from
 * (another inode or mtime, as a package upgrade leaves it), the master execs it, keeping its
 * pid: the listening sockets, control sockets and worker channels stay open across the exec
 * and their numbers travel in the environment (INHERIT_ENV); the new master adopts them and
 * the workers, then reloads as usual. A config the new binary refuses leaves the old worker
 * serving, as any failed reload.
 */
#include "master.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfg.h"
#include "ctl.h"
#include "listener.h"
#include "log.h"
#include "mworker.h"
#include "runtime.h"
#include "sdnotify.h"
#include "util.h"

#define STATE_WAIT_MS 2000	/* the old worker's state dump */
#define READY_WAIT_MS 30000	/* a new worker's start */
#define RESTART_DELAY_MS 1000	/* after a worker that crashed within this time */
#define STOP_KILL_MS 5000	/* SIGTERM'ed workers get SIGKILL after this */
#define INHERIT_ENV LBD_MASTER_INHERIT_ENV
#define INHERIT_MAX_CTL 64

enum mw_state { MW_STARTING, MW_CURRENT, MW_OLD };

struct mw_worker {
	struct mw_worker *next;
	pid_t pid;
	int gen;
	int fd;			/* the master's end of the channel; -1 once closed */
	enum mw_state state;
	uint64_t spawn_ms;
	int reloads;		/* reloads lived through as an old worker */
	bool term_sent;
	char *in;
	size_t inlen, incap;
	bool collecting;	/* inside a "state" ... "." dump */
};

enum phase { PH_IDLE, PH_STATE, PH_READY };

static void adopted_free(void);

static struct master {
	const struct lbd_master_opts *o;
	struct lb_cfg *cfg;		/* the config the current worker runs */
	struct lb_cfg *pending;		/* a reload's config, until its worker serves */
	struct lbd_sockpool pool;
	struct mw_worker *workers;
	struct mw_worker *newborn;	/* the reload's worker */
	int gen;
	int sigfd;
	sigset_t oldmask;
	enum phase phase;
	uint64_t deadline;		/* of the phase */
	uint64_t restart_at;		/* 0: no restart planned */
	uint64_t kill_at;		/* 0: none; stopping workers get SIGKILL then */
	uint64_t reload_ms;		/* when the reload was asked for */
	bool reload_again;		/* asked while one was in progress */
	int stopping;			/* 0, or the signal passed to the workers */
	bool served;			/* some worker has served */
	int reloads_done;
	char *carry;			/* state dump being received / handed over */
	size_t carry_len, carry_cap;
	struct mw_worker *requester;	/* the worker whose lbctl client asked for the reload */
	char *diag;			/* the reload's config diagnostics */
	uint64_t start_ms;
	struct {			/* the executable, to notice an upgrade */
		char path[PATH_MAX];
		struct stat st;
		bool known;
	} exe;
	struct lb_cfg_stats_socket *adopted;	/* control sockets of the previous binary */
	unsigned nadopted;
	struct lb_logger *logger;	/* the global log targets of m.cfg */
} m;

/* The master's own messages go where the workers' do: the global "log" lines of the config
 * in force (and standard error while it is attached to something). */
static void
logger_follow(const struct lb_cfg *cfg)
{
	struct lb_logger *lg = NULL;
	char *err = NULL;

	if (cfg && cfg->global.logs) {
		lg = lb_logger_open(cfg->global.logs, NULL, &err);
		if (!lg) {
			lb_log_sys(LB_LOG_WARNING, "master: log targets: %s", err);
			free(err);
		} else if (lb_logger_empty(lg)) {
			lb_logger_close(lg);
			lg = NULL;
		}
	}
	lb_log_sys_set_logger(lg);
	if (m.logger)
		lb_logger_close(m.logger);
	m.logger = lg;
}

/* Writes all of buf to a worker's channel (non-blocking on our side: waits a little for
 * room; a worker that does not read for a second loses the message). */
static void
send_worker(struct mw_worker *w, const char *buf, size_t len)
{
	while (w && w->fd >= 0 && len) {
		ssize_t n = write(w->fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = w->fd, .events = POLLOUT };
			if (poll(&p, 1, 1000) <= 0)
				return;
			continue;
		}
		if (n < 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* Answers a worker's request: "reply ok|fail", the text's lines, ".". */
static void
reply_worker(struct mw_worker *w, bool ok, const char *text)
{
	const char *p = text;

	if (!w || w->fd < 0)
		return;
	send_worker(w, ok ? "reply ok\n" : "reply fail\n", ok ? 9 : 11);
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n == 1 && p[0] == '.')
			send_worker(w, " ", 1);	/* "." alone would end the reply */
		send_worker(w, p, n);
		send_worker(w, "\n", 1);
		p = nl ? nl + 1 : NULL;
	}
	send_worker(w, ".\n", 2);
}

static void
carry_append(const char *s, size_t n)
{
	if (m.carry_len + n + 1 > m.carry_cap) {
		m.carry_cap = LB_MAX(m.carry_cap * 2, m.carry_len + n + 1 + 256);
		m.carry = lb_xrealloc(m.carry, m.carry_cap);
	}
	memcpy(m.carry + m.carry_len, s, n);
	m.carry_len += n;
	m.carry[m.carry_len] = '\0';
}

static struct mw_worker *
find_state(enum mw_state st)
{
	for (struct mw_worker *w = m.workers; w; w = w->next)
		if (w->state == st)
			return w;
	return NULL;
}

static void
status_text(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)%s", WTERMSIG(status),
			 strsignal(WTERMSIG(status)), WCOREDUMP(status) ? ", core dumped" : "");
	else
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
}

/* In the child: close what belongs to the master, restore signals, run the worker. */
static void __attribute__((noreturn))
child_run(struct lb_cfg *cfg, int chan)
{
	int status;

	close(m.sigfd);
	for (struct mw_worker *w = m.workers; w; w = w->next)
		if (w->fd >= 0)
			close(w->fd);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGUSR2, SIG_IGN);	/* the master's signal; a stray one must not kill us */
	sigprocmask(SIG_SETMASK, &m.oldmask, NULL);
	lbd_mworker_fd = chan;
	status = m.o->worker(cfg, &m.pool, m.carry_len ? m.carry : NULL, m.o->arg);
	exit(status);
}

static struct mw_worker *
spawn(struct lb_cfg *cfg)
{
	struct mw_worker *w;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		lb_log_sys(LB_LOG_ALERT, "master: socketpair: %s", strerror(errno));
		return NULL;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		lb_log_sys(LB_LOG_ALERT, "master: fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	if (pid == 0) {
		close(sv[0]);
		child_run(cfg, sv[1]);
	}
	close(sv[1]);
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	w = lb_xcalloc(1, sizeof(*w));
	w->pid = pid;
	w->gen = ++m.gen;
	w->fd = sv[0];
	w->state = MW_STARTING;
	w->spawn_ms = lb_now_ms();
	w->next = m.workers;
	m.workers = w;
	lb_log_sys(LB_LOG_NOTICE, "master: worker %d started (generation %d)", (int)pid, w->gen);
	return w;
}

static void
worker_free(struct mw_worker *w)
{
	struct mw_worker **pp;

	if (m.requester == w)
		m.requester = NULL;
	for (pp = &m.workers; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	if (w->fd >= 0)
		close(w->fd);
	free(w->in);
	free(w);
}

static void
signal_worker(struct mw_worker *w, int sig)
{
	if (kill(w->pid, sig) < 0 && errno != ESRCH)
		lb_log_sys(LB_LOG_WARNING, "master: kill(%d, %d): %s", (int)w->pid, sig,
			   strerror(errno));
	if (sig == SIGTERM || sig == SIGKILL)
		w->term_sent = true;
}

static void
schedule_restart(bool delayed)
{
	if (m.stopping)
		return;
	m.restart_at = lb_now_ms() + (delayed ? RESTART_DELAY_MS : 0);
	if (!m.restart_at)
		m.restart_at = 1;
}

/* The reload is abandoned: the serving worker goes on with the config it has. */
static void
reload_rollback(const char *why)
{
	char *err = NULL;

	if (m.newborn) {
		if (!m.newborn->term_sent)
			signal_worker(m.newborn, SIGTERM);
		m.newborn->state = MW_OLD;
		m.newborn = NULL;
	}
	if (m.pending && !m.cfg) {
		/* after a binary upgrade there is no older config to go back to: the control
		 * sockets now follow this valid one, which restarts use */
		m.cfg = m.pending;
		m.pending = NULL;
		logger_follow(m.cfg);
	} else if (m.pending) {
		struct lbd_runtime tmp = { .cfg = m.cfg };
		lbd_sockpool_rollback(&m.pool);
		if (lbd_ctl_reconfigure(&tmp, &err) < 0) {
			lb_log_sys(LB_LOG_WARNING, "master: control socket: %s", err);
			free(err);
		}
		lbd_ctl_retired_close();	/* those the abandoned config had bound */
		lb_cfg_free(m.pending);
		free(m.pending);
		m.pending = NULL;
	}
	m.phase = PH_IDLE;
	m.carry_len = 0;
	lb_log_sys(LB_LOG_ALERT, "reload failed: %s; the serving worker goes on unchanged", why);
	if (m.requester) {
		char *text = lb_xasprintf("reload failed: %s; the serving worker goes on "
					  "unchanged\n%s", why, m.diag ? m.diag : "");
		reply_worker(m.requester, false, text);
		free(text);
		m.requester = NULL;
	}
	lb_free(&m.diag);
	/* the serving worker may have died meanwhile: start one on the config in force */
	if (!find_state(MW_CURRENT) && !find_state(MW_STARTING))
		schedule_restart(true);
	if (m.o->systemd)
		lbd_sd_notify("READY=1\nSTATUS=reload failed; previous configuration serving");
}

/* The reload's worker serves: the old one stops. */
static void
reload_commit(struct mw_worker *nw)
{
	int max = m.pending->global.mworker_max_reloads;
	char *msg;

	m.reloads_done++;
	msg = lb_xasprintf("reload %d: worker %d (generation %d) serving, %llu ms after the "
			   "request", m.reloads_done, (int)nw->pid, nw->gen,
			   (unsigned long long)(lb_now_ms() - m.reload_ms));
	lb_log_sys(LB_LOG_NOTICE, "%s", msg);
	/* the asking worker answers its client before it is told to stop */
	if (m.requester) {
		char *text = m.diag && *m.diag ? lb_xasprintf("%s\n%s", msg, m.diag) : NULL;
		reply_worker(m.requester, true, text ? text : msg);
		free(text);
		m.requester = NULL;
	}
	free(msg);
	lb_free(&m.diag);

	for (struct mw_worker *w = m.workers; w; w = w->next) {
		if (w == nw)
			continue;
		if (w->state == MW_CURRENT) {
			w->state = MW_OLD;
			signal_worker(w, SIGUSR1);
		}
		if (w->state != MW_OLD)
			continue;
		w->reloads++;
		if (max >= 0 && w->reloads > max && !w->term_sent) {
			lb_log_sys(LB_LOG_WARNING,
				   "master: worker %d (generation %d) still running after %d "
				   "reload(s), over mworker-max-reloads %d: killing it",
				   (int)w->pid, w->gen, w->reloads, max);
			signal_worker(w, SIGTERM);
		}
	}
	lbd_sockpool_commit(&m.pool, lbd_runtime_nbthread(m.pending));
	lbd_ctl_retired_close();
	if (m.cfg)
		lb_cfg_free(m.cfg);
	free(m.cfg);
	m.cfg = m.pending;
	adopted_free();
	logger_follow(m.cfg);
	m.pending = NULL;
	m.newborn = NULL;
	m.phase = PH_IDLE;
	m.carry_len = 0;
	if (m.o->systemd)
		lbd_sd_notify("READY=1\nSTATUS=serving");
}

static void
start_new_worker(void)
{
	m.newborn = spawn(m.pending);
	if (!m.newborn) {
		reload_rollback("cannot start a worker");
		return;
	}
	m.phase = PH_READY;
	m.deadline = lb_now_ms() + READY_WAIT_MS;
}

/* --- binary upgrade --- */

static void
exe_remember(void)
{
	ssize_t n = readlink("/proc/self/exe", m.exe.path, sizeof(m.exe.path) - 1);

	m.exe.known = false;
	if (n <= 0)
		return;
	m.exe.path[n] = '\0';
	m.exe.known = stat(m.exe.path, &m.exe.st) == 0;
}

static bool
exe_changed(void)
{
	struct stat st;

	if (!m.exe.known || stat(m.exe.path, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	return st.st_dev != m.exe.st.st_dev || st.st_ino != m.exe.st.st_ino ||
	       st.st_mtim.tv_sec != m.exe.st.st_mtim.tv_sec ||
	       st.st_mtim.tv_nsec != m.exe.st.st_mtim.tv_nsec;
}

static void
adopted_free(void)
{
	for (unsigned i = 0; i < m.nadopted; i++)
		free(m.adopted[i].path);
	lb_free(&m.adopted);
	m.nadopted = 0;
}

static void
set_cloexec(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl >= 0)
		fcntl(fd, F_SETFD, on ? (fl | FD_CLOEXEC) : (fl & ~FD_CLOEXEC));
}

/* Appends printf output to *buf. */
static void __attribute__((format(printf, 2, 3)))
buf_printf(char **buf, const char *fmt, ...)
{
	va_list ap;
	char *add, *cat;

	va_start(ap, fmt);
	if (vasprintf(&add, fmt, ap) < 0)
		add = NULL;
	va_end(ap);
	if (!add)
		return;
	cat = lb_xasprintf("%s%s", *buf ? *buf : "", add);
	free(add);
	free(*buf);
	*buf = cat;
}

/* What the next executable needs, ';'-separated records (every fd left open for it):
 *   G gen reloads-done start-ms requester-pid
 *   W pid gen fd state reloads spawn-ms     (a worker and its channel)
 *   L v6only addrlen addr-hex nfds fd...      (a listening socket set of the pool)
 *   C fd path-hex                             (a control socket) */
static char *
inherit_serialize(bool cloexec)
{
	const char *paths[INHERIT_MAX_CTL];
	int fds[INHERIT_MAX_CTL];
	unsigned nctl = lbd_ctl_bound(paths, fds, INHERIT_MAX_CTL);
	char *out = NULL;

	buf_printf(&out, "G %d %d %llu %d;", m.gen, m.reloads_done,
		   (unsigned long long)m.start_ms, m.requester ? (int)m.requester->pid : 0);
	for (struct mw_worker *w = m.workers; w; w = w->next) {
		if (w->fd < 0)
			continue;
		set_cloexec(w->fd, cloexec);
		buf_printf(&out, "W %d %d %d %d %d %llu;", (int)w->pid, w->gen, w->fd,
			   (int)w->state, w->reloads, (unsigned long long)w->spawn_ms);
	}
	for (unsigned i = 0; i < m.pool.n; i++) {
		const struct lbd_sockpool_ent *e = &m.pool.ents[i];
		const unsigned char *a = (const unsigned char *)&e->ss;
		buf_printf(&out, "L %d %u ", e->v6only ? 1 : 0, (unsigned)e->len);
		for (socklen_t k = 0; k < e->len; k++)
			buf_printf(&out, "%02x", a[k]);
		buf_printf(&out, " %d", e->nfds);
		for (int k = 0; k < e->nfds; k++) {
			set_cloexec(e->fds[k], cloexec);
			buf_printf(&out, " %d", e->fds[k]);
		}
		buf_printf(&out, ";");
	}
	for (unsigned i = 0; i < nctl; i++) {
		set_cloexec(fds[i], cloexec);
		buf_printf(&out, "C %d ", fds[i]);
		for (const char *p = paths[i]; *p; p++)
			buf_printf(&out, "%02x", (unsigned char)*p);
		buf_printf(&out, ";");
	}
	return out;
}

static void
exec_upgrade(void)
{
	char *state = inherit_serialize(false);

	lb_log_sys(LB_LOG_NOTICE, "master: binary upgrade: executing %s (the master keeps pid "
				  "%d and every socket)", m.exe.path, (int)getpid());
	setenv(INHERIT_ENV, state, 1);
	free(state);
	fflush(NULL);
	execv(m.exe.path, m.o->argv);
	lb_log_sys(LB_LOG_ALERT, "master: binary upgrade: exec %s: %s; reloading with the "
				 "running binary", m.exe.path, strerror(errno));
	unsetenv(INHERIT_ENV);
	free(inherit_serialize(true));
	m.exe.known = false;	/* do not try again at every reload */
}

static int
hex_decode(const char *hex, unsigned char *out, size_t max)
{
	size_t n = strlen(hex) / 2;

	if (n > max)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return (int)n;
}

/* The new executable's side: adopts what inherit_serialize described. */
static int
inherit_load(const char *state, pid_t *requester)
{
	char *copy = lb_xstrdup(state), *save = NULL;
	struct mw_worker **tail = &m.workers;
	int bad = 0;

	*requester = 0;
	for (char *rec = strtok_r(copy, ";", &save); rec; rec = strtok_r(NULL, ";", &save)) {
		unsigned long long a = 0;
		int pid = 0, gen = 0, fd = -1, st = 0, rl = 0, v6 = 0, nfds = 0, rq = 0, off = 0;
		unsigned len = 0;
		char hex[2 * PATH_MAX + 2];

		if (sscanf(rec, "G %d %d %llu %d", &gen, &rl, &a, &rq) == 4) {
			m.gen = gen;
			m.reloads_done = rl;
			m.start_ms = a;
			*requester = rq;
		} else if (sscanf(rec, "W %d %d %d %d %d %llu", &pid, &gen, &fd, &st, &rl,
				  &a) == 6 && st >= MW_STARTING && st <= MW_OLD) {
			struct mw_worker *w = lb_xcalloc(1, sizeof(*w));
			w->pid = pid;
			w->gen = gen;
			w->fd = fd;
			w->state = (enum mw_state)st;
			w->reloads = rl;
			w->spawn_ms = a;
			set_cloexec(fd, true);
			*tail = w;
			tail = &w->next;
		} else if (sscanf(rec, "L %d %u %1000s %d%n", &v6, &len, hex, &nfds, &off) == 4 &&
			   nfds > 0 && nfds <= 4096) {
			struct lbd_sockpool_ent e = { .v6only = v6 != 0, .len = len, .used = true };
			const char *p = rec + off;
			if (hex_decode(hex, (unsigned char *)&e.ss, sizeof(e.ss)) != (int)len) {
				bad++;
				continue;
			}
			e.fds = lb_xcalloc((size_t)nfds, sizeof(int));
			for (int k = 0; k < nfds; k++) {
				int used = 0;
				if (sscanf(p, " %d%n", &e.fds[k], &used) != 1)
					e.fds[k] = -1;
				p += used;
				if (e.fds[k] >= 0)
					set_cloexec(e.fds[k], true);
				e.nfds = k + 1;
			}
			if (m.pool.n == m.pool.cap) {
				m.pool.cap = m.pool.cap ? m.pool.cap * 2 : 16;
				m.pool.ents = lb_xrealloc(m.pool.ents, m.pool.cap * sizeof(e));
			}
			m.pool.ents[m.pool.n++] = e;
		} else if (sscanf(rec, "C %d %1000s", &fd, hex) == 2) {
			char path[PATH_MAX] = { 0 };
			if (hex_decode(hex, (unsigned char *)path, sizeof(path) - 1) < 0) {
				bad++;
				continue;
			}
			m.adopted = lb_xrealloc(m.adopted, (m.nadopted + 1) * sizeof(*m.adopted));
			memset(&m.adopted[m.nadopted], 0, sizeof(*m.adopted));
			m.adopted[m.nadopted].path = lb_xstrdup(path);
			m.adopted[m.nadopted].mode = -1;
			set_cloexec(fd, true);
			m.nadopted++;
		} else {
			bad++;
		}
	}
	/* ctl keeps pointers into m.adopted: hand them over once the array is final */
	save = NULL;
	free(copy);
	copy = lb_xstrdup(state);
	unsigned k = 0;
	for (char *rec = strtok_r(copy, ";", &save); rec; rec = strtok_r(NULL, ";", &save)) {
		int fd;
		char hex[2 * PATH_MAX + 2];
		if (sscanf(rec, "C %d %1000s", &fd, hex) == 2 && k < m.nadopted)
			lbd_ctl_adopt(&m.adopted[k++], fd);
	}
	free(copy);
	return bad ? -1 : 0;
}

static void
reload_begin(struct mw_worker *requester)
{
	struct lbd_runtime tmp;
	struct lb_cfg *cfg;
	char *err = NULL;
	struct mw_worker *cur;

	if (m.stopping) {
		reply_worker(requester, false, "the master is stopping");
		return;
	}
	if (requester && m.phase != PH_IDLE) {
		reply_worker(requester, false, "a reload is already in progress; try again");
		return;
	}
	if (m.phase != PH_IDLE || (!find_state(MW_CURRENT) && m.cfg)) {
		m.reload_again = true;
		lb_log_sys(LB_LOG_NOTICE, "master: reload requested while %s; it runs next",
			   m.phase != PH_IDLE ? "another one is in progress" :
						"no worker serves yet");
		return;
	}
	m.reload_ms = lb_now_ms();
	m.requester = requester;
	if (exe_changed())
		exec_upgrade();		/* returns only when the exec failed */
	if (m.o->systemd)
		lbd_sd_notify("RELOADING=1");
	lb_log_sys(LB_LOG_NOTICE, "master: reloading the configuration");
	cfg = lb_xcalloc(1, sizeof(*cfg));
	lb_free(&m.diag);
	if (m.o->load(cfg, &m.diag, m.o->arg) < 0) {
		lb_cfg_free(cfg);
		free(cfg);
		reload_rollback("the configuration has errors");
		return;
	}
	m.pending = cfg;
	tmp = (struct lbd_runtime){ .cfg = cfg };
	if (lbd_sockpool_prepare(&m.pool, cfg, lbd_runtime_nbthread(cfg), &err) < 0 ||
	    lbd_ctl_reconfigure(&tmp, &err) < 0) {
		char *why = lb_xasprintf("cannot bind: %s", err);
		free(err);
		lbd_sockpool_rollback(&m.pool);
		lb_cfg_free(cfg);
		free(cfg);
		m.pending = NULL;
		reload_rollback(why);
		free(why);
		return;
	}
	/* the run-time state comes first: the new worker applies it before it serves */
	cur = find_state(MW_CURRENT);
	m.carry_len = 0;
	if (cur && cur->fd >= 0 && write(cur->fd, "state\n", 6) == 6) {
		m.phase = PH_STATE;
		m.deadline = lb_now_ms() + STATE_WAIT_MS;
		return;
	}
	start_new_worker();
}

/* "show proc": one line per process, "role pid generation age-ms state reloads" */
static void
reply_proc(struct mw_worker *to)
{
	static const char *const names[] = {
		[MW_STARTING] = "starting", [MW_CURRENT] = "serving", [MW_OLD] = "stopping",
	};
	uint64_t now = lb_now_ms();
	char *text = lb_xasprintf("master %d - %llu %s %d\n", (int)getpid(),
				  (unsigned long long)(now - m.start_ms),
				  m.phase != PH_IDLE ? "reloading" : "serving", m.reloads_done);

	for (struct mw_worker *w = m.workers; w; w = w->next) {
		char *t = lb_xasprintf("%sworker %d %d %llu %s %d\n", text, (int)w->pid, w->gen,
				       (unsigned long long)(now - w->spawn_ms),
				       names[w->state], w->reloads);
		free(text);
		text = t;
	}
	reply_worker(to, true, text);
	free(text);
}

static void
on_line(struct mw_worker *w, const char *line)
{
	if (w->collecting) {
		if (strcmp(line, ".") == 0) {
			w->collecting = false;
			if (m.phase == PH_STATE && w->state == MW_CURRENT)
				start_new_worker();
		} else if (m.phase == PH_STATE) {
			carry_append(line, strlen(line));
			carry_append("\n", 1);
		}
		return;
	}
	if (strcmp(line, "state") == 0) {
		w->collecting = true;
		m.carry_len = 0;
		return;
	}
	if (strcmp(line, "reload") == 0) {
		lb_log_sys(LB_LOG_NOTICE, "master: reload asked for on the control socket");
		reload_begin(w);
		return;
	}
	if (strcmp(line, "proc") == 0) {
		reply_proc(w);
		return;
	}
	if (strcmp(line, "ready") == 0 && w->state == MW_STARTING) {
		if (w == m.newborn) {
			w->state = MW_CURRENT;
			reload_commit(w);
			return;
		}
		w->state = MW_CURRENT;
		lb_log_sys(LB_LOG_NOTICE, "master: worker %d (generation %d) serving", (int)w->pid,
			   w->gen);
		if (!m.served && m.o->systemd)
			lbd_sd_notify("READY=1\nSTATUS=serving");
		m.served = true;
		if (m.stopping)
			signal_worker(w, m.stopping);
	}
}

static void
read_worker(struct mw_worker *w)
{
	for (;;) {
		ssize_t r;

		if (w->incap - w->inlen < 1024) {
			w->incap = w->incap ? w->incap * 2 : 4096;
			w->in = lb_xrealloc(w->in, w->incap);
		}
		r = read(w->fd, w->in + w->inlen, w->incap - w->inlen - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0) {
			/* the worker closed its end: it is exiting; SIGCHLD tells how */
			close(w->fd);
			w->fd = -1;
			break;
		}
		w->inlen += (size_t)r;
	}
	w->in[w->inlen] = '\0';
	char *p = w->in, *nl;
	while ((nl = strchr(p, '\n'))) {
		*nl = '\0';
		on_line(w, p);
		p = nl + 1;
	}
	w->inlen -= (size_t)(p - w->in);
	memmove(w->in, p, w->inlen);
}

static void
reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct mw_worker *w;
		char how[96];

		for (w = m.workers; w && w->pid != pid; w = w->next)
			;
		if (!w)
			continue;
		if (w->fd >= 0)
			read_worker(w);	/* a "ready" it sent just before dying still counts */
		status_text(status, how, sizeof(how));
		if (w->state == MW_OLD || m.stopping || w->term_sent) {
			lb_log_sys(LB_LOG_NOTICE, "master: worker %d (generation %d) exited: %s",
				   (int)pid, w->gen, how);
		} else if (w == m.newborn) {
			lb_log_sys(LB_LOG_ALERT,
				   "master: new worker %d (generation %d) died before serving: %s",
				   (int)pid, w->gen, how);
			m.newborn = NULL;
			worker_free(w);
			reload_rollback("the new worker could not start");
			continue;
		} else if (!m.served) {
			lb_log_sys(LB_LOG_ALERT, "master: worker %d died during start-up: %s; "
						 "exiting", (int)pid, how);
			worker_free(w);
			m.stopping = SIGTERM;
			continue;
		} else {
			bool quick = lb_now_ms() - w->spawn_ms < RESTART_DELAY_MS;
			lb_log_sys(LB_LOG_ALERT,
				   "master: worker %d (generation %d) died unexpectedly: %s; "
				   "starting a new one",
				   (int)pid, w->gen, how);
			worker_free(w);
			if (m.phase == PH_STATE) {
				/* its state is lost; the reload's worker replaces it now */
				m.carry_len = 0;
				start_new_worker();
			} else if (m.phase == PH_IDLE) {
				schedule_restart(quick);
			}
			continue;
		}
		worker_free(w);
	}
}

static void
stop_all(int sig)
{
	if (m.stopping)
		return;
	m.stopping = sig;
	if (m.o->systemd)
		lbd_sd_notify("STOPPING=1");
	lb_log_sys(LB_LOG_NOTICE, "master: stopping %s: %s to the workers",
		   sig == SIGUSR1 ? "softly" : "now", sig == SIGUSR1 ? "SIGUSR1" : "SIGTERM");
	if (m.phase != PH_IDLE)
		reload_rollback("stopping");
	for (struct mw_worker *w = m.workers; w; w = w->next)
		signal_worker(w, sig);
	/* our copies too: once the workers close theirs, new connections are refused instead
	 * of waiting in a queue nobody serves */
	lbd_sockpool_free(&m.pool);
	m.restart_at = 0;
	if (sig != SIGUSR1)
		m.kill_at = lb_now_ms() + STOP_KILL_MS;
}

static void
on_signal(int sig)
{
	switch (sig) {
	case SIGCHLD:
		reap();
		break;
	case SIGUSR2:
	case SIGHUP:
		lb_log_sys(LB_LOG_NOTICE, "master: received %s", sig == SIGHUP ? "SIGHUP" :
										  "SIGUSR2");
		reload_begin(NULL);
		break;
	case SIGTERM:
	case SIGINT:
		stop_all(SIGTERM);
		break;
	case SIGUSR1:
		stop_all(SIGUSR1);
		break;
	default:
		break;
	}
}

static void
on_timers(void)
{
	uint64_t now = lb_now_ms();

	if (m.phase != PH_IDLE && now >= m.deadline) {
		if (m.phase == PH_STATE) {
			lb_log_sys(LB_LOG_WARNING, "master: the serving worker did not hand over "
						   "its state in time; reloading without it");
			m.carry_len = 0;
			start_new_worker();
		} else {
			reload_rollback("the new worker did not become ready in time");
		}
	}
	if (m.restart_at && now >= m.restart_at && !m.stopping) {
		m.restart_at = 0;
		m.carry_len = 0;
		if (m.cfg)
			spawn(m.cfg);
		else
			reload_begin(NULL);	/* after a binary upgrade whose config failed */
	}
	if (m.kill_at && now >= m.kill_at) {
		m.kill_at = 0;
		for (struct mw_worker *w = m.workers; w; w = w->next) {
			lb_log_sys(LB_LOG_WARNING, "master: worker %d still running: SIGKILL",
				   (int)w->pid);
			signal_worker(w, SIGKILL);
		}
	}
	if (m.phase == PH_IDLE && m.reload_again && !m.stopping && find_state(MW_CURRENT)) {
		m.reload_again = false;
		reload_begin(NULL);
	}
}

static int
poll_timeout(void)
{
	uint64_t now = lb_now_ms(), next = UINT64_MAX;

	if (m.phase != PH_IDLE)
		next = LB_MIN(next, m.deadline);
	if (m.restart_at)
		next = LB_MIN(next, m.restart_at);
	if (m.kill_at)
		next = LB_MIN(next, m.kill_at);
	if (m.reload_again)
		next = LB_MIN(next, now + 100);
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)LB_MIN(next - now, 60000);
}

static void
master_loop(void)
{
	struct pollfd *pfd = NULL;
	struct mw_worker **ws = NULL;
	size_t cap = 0;

	while (!(m.stopping && !m.workers)) {
		nfds_t n = 1;
		size_t want = 1;

		for (struct mw_worker *w = m.workers; w; w = w->next)
			want++;
		if (want > cap) {
			cap = want * 2;
			pfd = lb_xrealloc(pfd, cap * sizeof(*pfd));
			ws = lb_xrealloc(ws, cap * sizeof(*ws));
		}
		pfd[0] = (struct pollfd){ .fd = m.sigfd, .events = POLLIN };
		for (struct mw_worker *w = m.workers; w; w = w->next) {
			if (w->fd < 0)
				continue;
			ws[n] = w;
			pfd[n++] = (struct pollfd){ .fd = w->fd, .events = POLLIN };
		}
		if (poll(pfd, n, poll_timeout()) < 0 && errno != EINTR) {
			lb_log_sys(LB_LOG_ALERT, "master: poll: %s", strerror(errno));
			stop_all(SIGTERM);
		}
		/* workers first: a "ready" read before the SIGCHLD of the same worker */
		for (nfds_t i = 1; i < n; i++)
			if (pfd[i].revents)
				read_worker(ws[i]);
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(m.sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				on_signal((int)si.ssi_signo);
		}
		on_timers();
	}
	free(pfd);
	free(ws);
}

int
lbd_master_run(const struct lbd_master_opts *o, struct lb_cfg *cfg)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGHUP, SIGCHLD };
	struct lbd_runtime tmp = { .cfg = cfg };
	sigset_t set;
	char *err = NULL;

	m.o = o;
	m.cfg = cfg;
	m.start_ms = lb_now_ms();
	sigemptyset(&set);
	for (size_t i = 0; i < LB_ARRAY_SIZE(sigs); i++)
		sigaddset(&set, sigs[i]);
	sigprocmask(SIG_BLOCK, &set, &m.oldmask);
	/* workers get the mask the daemon had (after a binary upgrade, the inherited mask
	 * still blocks the master's signals) */
	for (size_t i = 0; i < LB_ARRAY_SIZE(sigs); i++)
		sigdelset(&m.oldmask, sigs[i]);
	m.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (m.sigfd < 0) {
		lb_log_sys(LB_LOG_ALERT, "master: signalfd: %s", strerror(errno));
		return 1;
	}
	exe_remember();
	if (o->inherit) {
		pid_t rq = 0;
		struct mw_worker *requester = NULL;

		if (inherit_load(o->inherit, &rq) < 0)
			lb_log_sys(LB_LOG_WARNING, "master: binary upgrade: some inherited state "
						   "could not be read");
		m.served = true;
		for (struct mw_worker *w = m.workers; w; w = w->next)
			if (w->pid == rq)
				requester = w;
		lb_log_sys(LB_LOG_NOTICE, "master %d: binary upgrade: now running %s with %d "
					  "inherited socket(s); reloading", (int)getpid(),
			   m.exe.path, lbd_sockpool_count(&m.pool));
		reap();		/* a worker that ended during the exec */
		reload_begin(requester);
	} else {
		if (lbd_sockpool_prepare(&m.pool, cfg, lbd_runtime_nbthread(cfg), &err) < 0 ||
		    lbd_ctl_reconfigure(&tmp, &err) < 0) {
			lb_log_sys(LB_LOG_ALERT, "%s", err);
			free(err);
			lbd_sockpool_free(&m.pool);
			close(m.sigfd);
			return 1;
		}
		lbd_sockpool_commit(&m.pool, lbd_runtime_nbthread(cfg));
		lbd_ctl_retired_close();
		logger_follow(cfg);
		lb_log_sys(LB_LOG_NOTICE, "master %d: %d listening socket(s) bound", (int)getpid(),
			   lbd_sockpool_count(&m.pool));
		if (!spawn(cfg))
			m.stopping = SIGTERM;
	}
	master_loop();
	lb_log_sys(LB_LOG_NOTICE, "master: every worker has exited; exiting");
	logger_follow(NULL);
	lbd_ctl_stop();
	adopted_free();
	lbd_sockpool_free(&m.pool);
	close(m.sigfd);
	if (m.cfg)
		lb_cfg_free(m.cfg);
	free(m.cfg);
	free(m.carry);
	free(m.diag);
	sigprocmask(SIG_SETMASK, &m.oldmask, NULL);
	return m.served ? 0 : 1;
}

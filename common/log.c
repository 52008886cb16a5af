/* common/log.c: log sinks (stderr, stdout, file, syslog over UDP or unix datagrams) */
/*
 * A logger is an immutable array of sinks built by lb_logger_open() from the config's log
 * targets. Sending a line formats the syslog header for each sink on the stack (the date
 * part comes from a per-thread cache refreshed once per second) and hands header, message and
 * '\n' to the kernel in one writev()/sendmsg(): lines from different threads never interleave
 * and there is no lock on the send path. Sockets are non-blocking: a datagram the kernel
 * cannot take now is dropped and counted (atomically, per logger), never queued.
 *
 * A unix socket target that is missing at start-up (syslogd not running yet) is not an error,
 * as in HAProxy: lines are dropped until it appears. A sender that finds the sink
 * disconnected may reconnect, at most once per second per sink (a CAS on next_try_ms elects
 * one thread); the others drop meanwhile.
 *
 * Level filter, as HAProxy's "log ... <facility> [<max level> [<min level>]]": a message less
 * important than max level is not sent; one more important than min level is sent with min
 * level (so that "emerg" does not reach every terminal).
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>

#include "util.h"

struct lb_log_sink {
	enum lb_log_kind kind;
	enum lb_log_format format;
	int fd;
	int facility;
	int level;		/* max level sent */
	int minlevel;		/* more important levels are sent as this one */
	size_t maxlen;		/* whole line, '\n' included */
	/* UDP and unix sockets: where to (re)connect */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	bool connected;		/* atomic */
	uint64_t next_try_ms;	/* atomic, lb_now_ms(): no reconnect attempt before this */
};

struct lb_logger {
	size_t n;
	struct lb_log_sink *sinks;
	uint64_t dropped;	/* atomic */
};

/* Process-wide header fields: set at start-up, read by every sender. */
static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static char log_host[256];
static char log_tag[64];
static char log_pid[16];	/* decimal, refreshed in a forked child */

static struct lb_logger *sys_logger;	/* atomic */
static bool sys_stderr = true;		/* atomic */

static void
log_refresh_pid(void)
{
	snprintf(log_pid, sizeof(log_pid), "%d", (int)getpid());
}

static void
log_init(void)
{
	if (gethostname(log_host, sizeof(log_host) - 1) < 0 || !log_host[0])
		strcpy(log_host, "-");
	if (!log_tag[0])
		snprintf(log_tag, sizeof(log_tag), "%s",
			 program_invocation_short_name[0] ? program_invocation_short_name : "lb");
	log_refresh_pid();
	/* lbd daemonizes after opening its loggers: keep [pid] right in the child */
	pthread_atfork(NULL, NULL, log_refresh_pid);
}

void
lb_log_set_tag(const char *tag)
{
	snprintf(log_tag, sizeof(log_tag), "%s", tag && *tag ? tag : "-");
}

/* ---- names ---- */

static const char *const log_facilities[24] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "auth2", "ftp", "ntp", "audit", "alert", "cron2",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
};

static const char *const log_levels[8] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

int
lb_log_facility_parse(const char *name)
{
	for (int i = 0; i < (int)LB_ARRAY_SIZE(log_facilities); i++)
		if (name && !strcmp(name, log_facilities[i]))
			return i;
	return -1;
}

int
lb_log_level_parse(const char *name)
{
	for (int i = 0; i < (int)LB_ARRAY_SIZE(log_levels); i++)
		if (name && !strcmp(name, log_levels[i]))
			return i;
	return -1;
}

const char *
lb_log_level_name(int level)
{
	return level >= 0 && level < (int)LB_ARRAY_SIZE(log_levels) ? log_levels[level] : NULL;
}

/* ---- syslog headers ---- */

/* The date parts of the headers for one second, per thread. */
struct log_tcache {
	bool ok;
	time_t sec;
	char legacy[64];	/* rfc3164: "Nov 24 20:11:05" (day padded with a space) */
	char iso[80];		/* rfc5424: "2026-11-24T20:11:05" */
	char zone[16];		/* rfc5424: "+00:00" */
};

static __thread struct log_tcache log_tc;

static const char *const log_months[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static const struct log_tcache *
log_time(time_t sec)
{
	struct log_tcache *c = &log_tc;
	struct tm tm;
	long off;

	if (LB_LIKELY(c->ok && c->sec == sec))
		return c;
	if (!localtime_r(&sec, &tm))
		memset(&tm, 0, sizeof(tm));
	snprintf(c->legacy, sizeof(c->legacy), "%s %2d %02d:%02d:%02d",
		 log_months[(unsigned)tm.tm_mon % 12], tm.tm_mday, tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
	snprintf(c->iso, sizeof(c->iso), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	off = tm.tm_gmtoff;
	snprintf(c->zone, sizeof(c->zone), "%c%02ld:%02ld", off < 0 ? '-' : '+',
		 (off < 0 ? -off : off) / 3600 % 100, (off < 0 ? -off : off) / 60 % 60);
	c->sec = sec;
	c->ok = true;
	return c;
}

struct log_hdr {
	char *p;
	char *end;
};

static void
hdr_put(struct log_hdr *h, const char *s)
{
	size_t n = strlen(s);

	if (n > (size_t)(h->end - h->p))
		n = (size_t)(h->end - h->p);
	memcpy(h->p, s, n);
	h->p += n;
}

static void
hdr_prio(struct log_hdr *h, unsigned prio)
{
	char tmp[8];

	snprintf(tmp, sizeof(tmp), "<%u>", prio % 1024);
	hdr_put(h, tmp);
}

/* Builds the header of one line for sink s into buf; returns its length. */
static size_t
log_header(const struct lb_log_sink *s, int level, const struct timespec *now, char *buf,
	   size_t bufsz)
{
	struct log_hdr h = { buf, buf + bufsz };
	const struct log_tcache *tc;
	char us[8];
	unsigned long usec;

	switch (s->format) {
	case LB_LOGF_RAW:
		break;
	case LB_LOGF_SHORT:
		/* HAProxy's "short": the level alone, no facility */
		hdr_prio(&h, (unsigned)level);
		break;
	case LB_LOGF_RFC3164:
		tc = log_time(now->tv_sec);
		hdr_prio(&h, (unsigned)(s->facility * 8 + level));
		hdr_put(&h, tc->legacy);
		hdr_put(&h, " ");
		hdr_put(&h, log_host);
		hdr_put(&h, " ");
		hdr_put(&h, log_tag);
		hdr_put(&h, "[");
		hdr_put(&h, log_pid);
		hdr_put(&h, "]: ");
		break;
	case LB_LOGF_RFC5424:
		tc = log_time(now->tv_sec);
		hdr_prio(&h, (unsigned)(s->facility * 8 + level));
		hdr_put(&h, "1 ");
		hdr_put(&h, tc->iso);
		usec = (unsigned long)now->tv_nsec / 1000 % 1000000;
		us[0] = '.';
		for (int i = 6; i > 0; i--, usec /= 10)
			us[i] = (char)('0' + usec % 10);
		us[7] = '\0';
		hdr_put(&h, us);
		hdr_put(&h, tc->zone);
		hdr_put(&h, " ");
		hdr_put(&h, log_host);
		hdr_put(&h, " ");
		hdr_put(&h, log_tag);
		hdr_put(&h, " ");
		hdr_put(&h, log_pid);
		/* no MSGID, no structured data */
		hdr_put(&h, " - - ");
		break;
	}
	return (size_t)(h.p - buf);
}

/* ---- sinks ---- */

static bool
sink_is_socket(const struct lb_log_sink *s)
{
	return s->kind == LB_LOG_UDP || s->kind == LB_LOG_UNIX;
}

/* connect() errors that mean "nobody listens there yet": not fatal, retried later */
static bool
sink_absent_errno(int e)
{
	return e == ENOENT || e == ECONNREFUSED || e == EAGAIN || e == ENOTCONN ||
	       e == ENETUNREACH || e == EHOSTUNREACH || e == EADDRNOTAVAIL || e == ECONNRESET;
}

/* Tries to connect s; true when connected. */
static bool
sink_connect(struct lb_log_sink *s, uint64_t now_ms)
{
	__atomic_store_n(&s->next_try_ms, now_ms + 1000, __ATOMIC_RELAXED);
	if (connect(s->fd, (const struct sockaddr *)&s->addr, s->addrlen) < 0 && errno != EISCONN)
		return false;
	__atomic_store_n(&s->connected, true, __ATOMIC_RELEASE);
	return true;
}

static int
sink_open(struct lb_log_sink *s, const struct lb_cfg_log *e, char **errmsg)
{
	const char *where = e->pos.file ? e->pos.file : "log";
	struct sockaddr_un *sun;
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->kind = e->kind;
	s->format = e->format;
	s->facility = e->facility;
	s->level = e->level >= 0 && e->level <= LB_LOG_DEBUG ? e->level : LB_LOG_DEBUG;
	s->minlevel = e->minlevel >= 0 && e->minlevel <= LB_LOG_DEBUG ? e->minlevel : 0;
	s->maxlen = e->maxlen > 0 ? (size_t)e->maxlen : 1024;
	if (s->facility < 0 || s->facility >= (int)LB_ARRAY_SIZE(log_facilities)) {
		*errmsg = lb_xasprintf("%s:%d: log target: facility %d is out of range", where,
				       e->pos.line, e->facility);
		return -1;
	}
	switch (e->kind) {
	case LB_LOG_STDERR:
	case LB_LOG_STDOUT:
		s->fd = e->kind == LB_LOG_STDERR ? STDERR_FILENO : STDOUT_FILENO;
		/* As HAProxy does for fd@ targets: a pipe or socket that cannot keep up loses
		 * lines rather than blocking a worker. A terminal or a file stays as it is. */
		if (fstat(s->fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
			int fl = fcntl(s->fd, F_GETFL);
			if (fl >= 0)
				fcntl(s->fd, F_SETFL, fl | O_NONBLOCK);
		}
		return 0;
	case LB_LOG_FILE:
		if (!e->path) {
			*errmsg = lb_xasprintf("%s:%d: log target: file without a path", where,
					       e->pos.line);
			return -1;
		}
		s->fd = open(e->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
		if (s->fd < 0) {
			*errmsg = lb_xasprintf("%s:%d: cannot open log file '%s': %s", where,
					       e->pos.line, e->path, strerror(errno));
			return -1;
		}
		return 0;
	case LB_LOG_UDP:
		if (e->addr.ss.ss_family != AF_INET && e->addr.ss.ss_family != AF_INET6) {
			*errmsg = lb_xasprintf("%s:%d: log target: not an IPv4 or IPv6 address",
					       where, e->pos.line);
			return -1;
		}
		memcpy(&s->addr, &e->addr.ss, sizeof(s->addr));
		s->addrlen = e->addr.ss.ss_family == AF_INET ? sizeof(struct sockaddr_in)
							     : sizeof(struct sockaddr_in6);
		/* the syslog port when the address has none */
		if (e->addr.ss.ss_family == AF_INET &&
		    !((struct sockaddr_in *)(void *)&s->addr)->sin_port)
			((struct sockaddr_in *)(void *)&s->addr)->sin_port = htons(514);
		if (e->addr.ss.ss_family == AF_INET6 &&
		    !((struct sockaddr_in6 *)(void *)&s->addr)->sin6_port)
			((struct sockaddr_in6 *)(void *)&s->addr)->sin6_port = htons(514);
		break;
	case LB_LOG_UNIX:
		if (!e->path) {
			*errmsg = lb_xasprintf("%s:%d: log target: unix socket without a path",
					       where, e->pos.line);
			return -1;
		}
		sun = (struct sockaddr_un *)(void *)&s->addr;
		if (strlen(e->path) >= sizeof(sun->sun_path)) {
			*errmsg = lb_xasprintf("%s:%d: log socket path '%s' is too long (max %zu)",
					       where, e->pos.line, e->path,
					       sizeof(sun->sun_path) - 1);
			return -1;
		}
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, e->path);
		s->addrlen = sizeof(*sun);
		break;
	default:
		*errmsg = lb_xasprintf("%s:%d: log target: unknown kind %d", where, e->pos.line,
				       (int)e->kind);
		return -1;
	}
	s->fd = socket(s->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		*errmsg = lb_xasprintf("%s:%d: cannot create a log socket: %s", where, e->pos.line,
				       strerror(errno));
		return -1;
	}
	if (!sink_connect(s, lb_now_ms()) && !sink_absent_errno(errno)) {
		/* present but unusable (permissions, a stream socket...): say so now */
		*errmsg = lb_xasprintf("%s:%d: cannot connect the log socket%s%s: %s", where,
				       e->pos.line, e->path ? " " : "", e->path ? e->path : "",
				       strerror(errno));
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	return 0;
}

static void
sink_close(struct lb_log_sink *s)
{
	if (s->fd > STDERR_FILENO)
		close(s->fd);
	s->fd = -1;
}

/* One line to one sink; false when it was not (entirely) sent. */
static bool
sink_send(struct lb_log_sink *s, int level, const struct timespec *now, const char *msg,
	  size_t len)
{
	char hdr[512];
	size_t hlen = log_header(s, level, now, hdr, sizeof(hdr));
	struct iovec iov[3];
	ssize_t r;

	/* maxlen covers the whole line with its '\n' */
	if (hlen + 1 > s->maxlen)
		hlen = s->maxlen - 1;
	if (hlen + len + 1 > s->maxlen)
		len = s->maxlen - 1 - hlen;
	iov[0] = (struct iovec){ hdr, hlen };
	iov[1] = (struct iovec){ (void *)(uintptr_t)msg, len };
	iov[2] = (struct iovec){ "\n", 1 };

	if (!sink_is_socket(s)) {
		r = writev(s->fd, iov, 3);
		return r == (ssize_t)(hlen + len + 1);
	}
	if (!__atomic_load_n(&s->connected, __ATOMIC_ACQUIRE)) {
		/* monotonic, so that a wall clock set back cannot stall the retries */
		uint64_t now_ms = lb_now_ms();
		uint64_t next = __atomic_load_n(&s->next_try_ms, __ATOMIC_RELAXED);

		/* one thread per second tries, the others drop meanwhile */
		if (now_ms < next ||
		    !__atomic_compare_exchange_n(&s->next_try_ms, &next, now_ms + 1000, false,
						 __ATOMIC_RELAXED, __ATOMIC_RELAXED) ||
		    !sink_connect(s, now_ms))
			return false;
	}
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 3 };
	r = sendmsg(s->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (r < 0 && s->kind == LB_LOG_UNIX &&
	    (errno == ECONNREFUSED || errno == ENOTCONN || errno == ENOENT || errno == ECONNRESET ||
	     errno == EDESTADDRREQ)) {
		/* the listener went away (syslogd restarted): reconnect on a later line */
		__atomic_store_n(&s->connected, false, __ATOMIC_RELEASE);
	}
	return r == (ssize_t)(hlen + len + 1);
}

/* ---- loggers ---- */

struct lb_logger *
lb_logger_open(const struct lb_cfg_log *list, const struct lb_cfg_log *global_list,
	       char **errmsg)
{
	struct lb_logger *lg;
	const struct lb_cfg_log *e, *g;
	size_t n = 0;

	if (errmsg)
		*errmsg = NULL;
	pthread_once(&log_once, log_init);
	for (e = list; e; e = e->next) {
		if (!e->global) {
			n++;
			continue;
		}
		for (g = global_list; g; g = g->next)
			n += !g->global;
	}
	lg = lb_xcalloc(1, sizeof(*lg));
	lg->sinks = lb_xcalloc(n ? n : 1, sizeof(*lg->sinks));
	for (e = list; e; e = e->next) {
		/* "log global" stands for the global section's targets, in their order */
		const struct lb_cfg_log *first = e->global ? global_list : e;

		for (g = first; g; g = g->next) {
			char *err = NULL;

			if (!g->global && sink_open(&lg->sinks[lg->n], g, &err) < 0) {
				if (errmsg)
					*errmsg = err;
				else
					free(err);
				lb_logger_close(lg);
				return NULL;
			}
			if (!g->global)
				lg->n++;
			if (!e->global)
				break;
		}
	}
	return lg;
}

void
lb_logger_close(struct lb_logger *lg)
{
	if (!lg)
		return;
	for (size_t i = 0; i < lg->n; i++)
		sink_close(&lg->sinks[i]);
	free(lg->sinks);
	free(lg);
}

bool
lb_logger_empty(const struct lb_logger *lg)
{
	return !lg || lg->n == 0;
}

void
lb_logger_send(struct lb_logger *lg, int level, const char *msg, size_t len)
{
	struct timespec now;
	bool have_now = false;

	if (!lg)
		return;
	if (level < LB_LOG_EMERG)
		level = LB_LOG_EMERG;
	if (level > LB_LOG_DEBUG)
		level = LB_LOG_DEBUG;
	for (size_t i = 0; i < lg->n; i++) {
		struct lb_log_sink *s = &lg->sinks[i];

		if (level > s->level)
			continue;
		if (!have_now) {
			clock_gettime(CLOCK_REALTIME, &now);
			have_now = true;
		}
		if (!sink_send(s, level < s->minlevel ? s->minlevel : level, &now, msg, len))
			__atomic_fetch_add(&lg->dropped, 1, __ATOMIC_RELAXED);
	}
}

uint64_t
lb_logger_dropped(const struct lb_logger *lg)
{
	return lg ? __atomic_load_n(&lg->dropped, __ATOMIC_RELAXED) : 0;
}

/* ---- daemon messages ---- */

void
lb_log_sys_set_logger(struct lb_logger *lg)
{
	__atomic_store_n(&sys_logger, lg, __ATOMIC_RELEASE);
}

void
lb_log_sys_set_stderr(bool on)
{
	__atomic_store_n(&sys_stderr, on, __ATOMIC_RELAXED);
}

/* HAProxy's labels; err and worse are alerts */
static const char *const sys_labels[8] = {
	"[ALERT]", "[ALERT]", "[ALERT]", "[ALERT]", "[WARNING]", "[NOTICE]", "[NOTICE]", "[DEBUG]",
};

void
lb_log_sys(int level, const char *fmt, ...)
{
	struct lb_logger *lg = __atomic_load_n(&sys_logger, __ATOMIC_ACQUIRE);
	char msg[1024], head[48];
	va_list ap;
	int n;

	if (level < LB_LOG_EMERG)
		level = LB_LOG_EMERG;
	if (level > LB_LOG_DEBUG)
		level = LB_LOG_DEBUG;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	if (__atomic_load_n(&sys_stderr, __ATOMIC_RELAXED)) {
		/* "[NOTICE]   (1234) : message", labels padded as HAProxy pads them */
		int h = snprintf(head, sizeof(head), "%-11s(%d) : ", sys_labels[level],
				 (int)getpid());
		struct iovec iov[3] = {
			{ head, (size_t)LB_MAX(h, 0) }, { msg, (size_t)n }, { "\n", 1 },
		};
		ssize_t r = writev(STDERR_FILENO, iov, 3);
		(void)r;
	}
	if (lg)
		lb_logger_send(lg, level, msg, (size_t)n);
}

/* tests/unit/test_log.c: log sinks and daemon messages (common/log.c) */
#include <check.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define FAC_LOCAL0 16

static char host[256];

static void
setup(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	lb_log_set_tag("lbd");
	gethostname(host, sizeof(host) - 1);
}

/* A UDP socket on 127.0.0.1 with a kernel-chosen port. */
static int
udp_listener(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* One datagram within ms milliseconds, NUL-terminated; -1 if none came. */
static ssize_t
recv_within(int fd, char *buf, size_t sz, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms) != 1)
		return -1;
	n = recv(fd, buf, sz - 1, MSG_DONTWAIT);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

static void
cfg_udp(struct lb_cfg_log *e, int port, enum lb_log_format f)
{
	struct sockaddr_in *sa = (struct sockaddr_in *)&e->addr.ss;

	memset(e, 0, sizeof(*e));
	e->pos.file = "t.cfg";
	e->pos.line = 3;
	e->kind = LB_LOG_UDP;
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	e->addr.len = sizeof(*sa);
	e->facility = FAC_LOCAL0;
	e->level = LB_LOG_DEBUG;
	e->minlevel = LB_LOG_EMERG;
	e->format = f;
	e->maxlen = 1024;
}

static struct lb_logger *
open_ok(const struct lb_cfg_log *list, const struct lb_cfg_log *global)
{
	char *err = NULL;
	struct lb_logger *lg = lb_logger_open(list, global, &err);

	ck_assert_msg(lg != NULL, "lb_logger_open: %s", err ? err : "?");
	return lg;
}

/* The sinks read CLOCK_REALTIME; time() may come from the coarse clock, a tick behind at a
 * second boundary, so the expected header must be computed from the same clock. */
static time_t
realtime_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

START_TEST(test_udp_rfc3164)
{
	struct lb_cfg_log e;
	struct lb_logger *lg;
	char got[2048], want[2048];
	int port, fd = udp_listener(&port), tries;

	setup();
	cfg_udp(&e, port, LB_LOGF_RFC3164);
	lg = open_ok(&e, NULL);
	/* the header carries the second: retry if it changed while we were sending */
	for (tries = 0; tries < 3; tries++) {
		time_t t0 = realtime_sec(), t1;
		struct tm tm;

		lb_logger_send(lg, LB_LOG_INFO, "hello world", 11);
		t1 = realtime_sec();
		ck_assert_int_gt(recv_within(fd, got, sizeof(got), 2000), 0);
		if (t0 != t1)
			continue;
		gmtime_r(&t0, &tm);
		snprintf(want, sizeof(want), "<134>%s %2d %02d:%02d:%02d %s lbd[%d]: hello world\n",
			 months[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, host,
			 (int)getpid());
		ck_assert_str_eq(got, want);
		break;
	}
	ck_assert_int_lt(tries, 3);
	ck_assert_uint_eq(lb_logger_dropped(lg), 0);
	lb_logger_close(lg);
	close(fd);
}
END_TEST

START_TEST(test_udp_rfc5424)
{
	struct lb_cfg_log e;
	struct lb_logger *lg;
	char got[2048], want[2048], tail[512];
	int port, fd = udp_listener(&port), tries;

	setup();
	cfg_udp(&e, port, LB_LOGF_RFC5424);
	e.facility = 3;	/* daemon */
	lg = open_ok(&e, NULL);
	for (tries = 0; tries < 3; tries++) {
		time_t t0 = realtime_sec(), t1;
		struct tm tm;
		size_t wl;

		lb_logger_send(lg, LB_LOG_WARNING, "msg", 3);
		t1 = realtime_sec();
		ck_assert_int_gt(recv_within(fd, got, sizeof(got), 2000), 0);
		if (t0 != t1)
			continue;
		gmtime_r(&t0, &tm);
		/* "<28>1 2026-11-24T20:11:05.123456+00:00 host lbd pid - - msg\n" */
		wl = (size_t)snprintf(want, sizeof(want), "<28>1 %04d-%02d-%02dT%02d:%02d:%02d.",
				      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
				      tm.tm_min, tm.tm_sec);
		ck_assert_int_eq(strncmp(got, want, wl), 0);
		for (size_t i = wl; i < wl + 6; i++)
			ck_assert_msg(got[i] >= '0' && got[i] <= '9', "usec in '%s'", got);
		snprintf(tail, sizeof(tail), "+00:00 %s lbd %d - - msg\n", host, (int)getpid());
		ck_assert_str_eq(got + wl + 6, tail);
		break;
	}
	ck_assert_int_lt(tries, 3);
	lb_logger_close(lg);
	close(fd);
}
END_TEST

START_TEST(test_udp_raw_short_maxlen)
{
	struct lb_cfg_log e[2];
	struct lb_logger *lg;
	char got[2048], big[300];
	int port, fd = udp_listener(&port);

	setup();
	cfg_udp(&e[0], port, LB_LOGF_RAW);
	cfg_udp(&e[1], port, LB_LOGF_SHORT);
	e[0].next = &e[1];
	lg = open_ok(&e[0], NULL);
	lb_logger_send(lg, LB_LOG_NOTICE, "raw line", 8);
	ck_assert_int_eq(recv_within(fd, got, sizeof(got), 2000), 9);
	ck_assert_str_eq(got, "raw line\n");
	/* "short": the level alone, without the facility, as HAProxy */
	ck_assert_int_gt(recv_within(fd, got, sizeof(got), 2000), 0);
	ck_assert_str_eq(got, "<5>raw line\n");
	lb_logger_close(lg);

	/* maxlen bounds the whole datagram, its '\n' included */
	memset(big, 'x', sizeof(big));
	e[0].next = NULL;
	e[0].maxlen = 80;
	lg = open_ok(&e[0], NULL);
	lb_logger_send(lg, LB_LOG_INFO, big, sizeof(big));
	ck_assert_int_eq(recv_within(fd, got, sizeof(got), 2000), 80);
	ck_assert_int_eq(got[79], '\n');
	ck_assert_int_eq(got[78], 'x');
	lb_logger_close(lg);

	e[0].format = LB_LOGF_RFC3164;
	lg = open_ok(&e[0], NULL);
	lb_logger_send(lg, LB_LOG_INFO, big, sizeof(big));
	ck_assert_int_eq(recv_within(fd, got, sizeof(got), 2000), 80);
	ck_assert_int_eq(strncmp(got, "<134>", 5), 0);
	ck_assert_int_eq(got[79], '\n');
	lb_logger_close(lg);
	close(fd);
}
END_TEST

START_TEST(test_levels)
{
	struct lb_cfg_log e;
	struct lb_logger *lg;
	char got[256];
	int port, fd = udp_listener(&port);

	setup();
	cfg_udp(&e, port, LB_LOGF_SHORT);
	e.level = LB_LOG_NOTICE;	/* nothing less important than notice */
	e.minlevel = LB_LOG_CRIT;	/* emerg and alert are sent as crit */
	lg = open_ok(&e, NULL);
	lb_logger_send(lg, LB_LOG_INFO, "i", 1);
	lb_logger_send(lg, LB_LOG_DEBUG, "d", 1);
	lb_logger_send(lg, LB_LOG_NOTICE, "n", 1);
	lb_logger_send(lg, LB_LOG_WARNING, "w", 1);
	lb_logger_send(lg, LB_LOG_EMERG, "e", 1);
	lb_logger_send(lg, LB_LOG_ERR, "r", 1);
	ck_assert_int_gt(recv_within(fd, got, sizeof(got), 2000), 0);
	ck_assert_str_eq(got, "<5>n\n");
	ck_assert_int_gt(recv_within(fd, got, sizeof(got), 2000), 0);
	ck_assert_str_eq(got, "<4>w\n");
	ck_assert_int_gt(recv_within(fd, got, sizeof(got), 2000), 0);
	ck_assert_str_eq(got, "<2>e\n");
	ck_assert_int_gt(recv_within(fd, got, sizeof(got), 2000), 0);
	ck_assert_str_eq(got, "<3>r\n");
	ck_assert_int_eq(recv_within(fd, got, sizeof(got), 200), -1);
	/* a filtered line is not a dropped one */
	ck_assert_uint_eq(lb_logger_dropped(lg), 0);
	lb_logger_close(lg);
	close(fd);
}
END_TEST

static char tmpdir[64];

static void
mk_tmpdir(void)
{
	strcpy(tmpdir, "/tmp/lb-test-log-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static int
unix_listener(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void
cfg_path(struct lb_cfg_log *e, enum lb_log_kind kind, char *path, enum lb_log_format f)
{
	memset(e, 0, sizeof(*e));
	e->pos.file = "t.cfg";
	e->pos.line = 7;
	e->kind = kind;
	e->path = path;
	e->facility = FAC_LOCAL0;
	e->level = LB_LOG_DEBUG;
	e->format = f;
	e->maxlen = 1024;
}

START_TEST(test_unix_dgram)
{
	struct lb_cfg_log e;
	struct lb_logger *lg;
	char path[128], got[256];
	int fd;

	setup();
	mk_tmpdir();
	snprintf(path, sizeof(path), "%s/log.sock", tmpdir);
	fd = unix_listener(path);
	cfg_path(&e, LB_LOG_UNIX, path, LB_LOGF_RAW);
	lg = open_ok(&e, NULL);
	lb_logger_send(lg, LB_LOG_INFO, "over unix", 9);
	ck_assert_int_eq(recv_within(fd, got, sizeof(got), 2000), 10);
	ck_assert_str_eq(got, "over unix\n");

	/* syslogd restarts: the first line finds the old socket gone, a later one the new */
	close(fd);
	unlink(path);
	fd = unix_listener(path);
	lb_logger_send(lg, LB_LOG_INFO, "lost", 4);
	ck_assert_uint_eq(lb_logger_dropped(lg), 1);
	/* reconnects are at most one per second */
	usleep(1100 * 1000);
	lb_logger_send(lg, LB_LOG_INFO, "again", 5);
	ck_assert_int_eq(recv_within(fd, got, sizeof(got), 2000), 6);
	ck_assert_str_eq(got, "again\n");
	ck_assert_uint_eq(lb_logger_dropped(lg), 1);
	lb_logger_close(lg);
	close(fd);
	unlink(path);
	rmdir(tmpdir);
}
END_TEST

START_TEST(test_unix_absent_at_start)
{
	struct lb_cfg_log e;
	struct lb_logger *lg;
	char path[128], got[256];
	int fd;

	setup();
	mk_tmpdir();
	snprintf(path, sizeof(path), "%s/dev-log", tmpdir);
	cfg_path(&e, LB_LOG_UNIX, path, LB_LOGF_RAW);
	/* no syslogd yet: not an error, lines are dropped and counted */
	lg = open_ok(&e, NULL);
	ck_assert(!lb_logger_empty(lg));
	lb_logger_send(lg, LB_LOG_INFO, "one", 3);
	ck_assert_uint_eq(lb_logger_dropped(lg), 1);
	fd = unix_listener(path);
	/* within the second after the last attempt, no new connect */
	lb_logger_send(lg, LB_LOG_INFO, "two", 3);
	ck_assert_uint_eq(lb_logger_dropped(lg), 2);
	ck_assert_int_eq(recv_within(fd, got, sizeof(got), 100), -1);
	usleep(1100 * 1000);
	lb_logger_send(lg, LB_LOG_INFO, "three", 5);
	ck_assert_int_eq(recv_within(fd, got, sizeof(got), 2000), 6);
	ck_assert_str_eq(got, "three\n");
	ck_assert_uint_eq(lb_logger_dropped(lg), 2);
	lb_logger_close(lg);
	close(fd);
	unlink(path);
	rmdir(tmpdir);
}
END_TEST

START_TEST(test_unix_errors)
{
	struct lb_cfg_log e;
	char *err = NULL, path[200];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	setup();
	mk_tmpdir();
	/* a stream socket is a configuration mistake worth an error */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/stream.sock", tmpdir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	cfg_path(&e, LB_LOG_UNIX, sa.sun_path, LB_LOGF_RAW);
	ck_assert_ptr_null(lb_logger_open(&e, NULL, &err));
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, "t.cfg:7:") && strstr(err, sa.sun_path), "%s", err);
	free(err);
	close(fd);
	unlink(sa.sun_path);
	/* a path that cannot fit a sockaddr_un */
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	cfg_path(&e, LB_LOG_UNIX, path, LB_LOGF_RAW);
	ck_assert_ptr_null(lb_logger_open(&e, NULL, &err));
	ck_assert_msg(strstr(err, "too long"), "%s", err);
	free(err);
	rmdir(tmpdir);
}
END_TEST

static char *
slurp(const char *path)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

START_TEST(test_file_sink)
{
	struct lb_cfg_log e;
	struct lb_logger *lg;
	char path[128], *err = NULL;
	int fd;

	setup();
	mk_tmpdir();
	snprintf(path, sizeof(path), "%s/access.log", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_eq(write(fd, "old\n", 4), 4);
	close(fd);
	cfg_path(&e, LB_LOG_FILE, path, LB_LOGF_RAW);
	lg = open_ok(&e, NULL);
	lb_logger_send(lg, LB_LOG_INFO, "first", 5);
	lb_logger_send(lg, LB_LOG_INFO, "second", 6);
	lb_logger_close(lg);
	/* appended, one line each */
	ck_assert_str_eq(slurp(path), "old\nfirst\nsecond\n");
	unlink(path);
	rmdir(tmpdir);

	strcpy(path, "/nonexistent-lb-dir/access.log");
	cfg_path(&e, LB_LOG_FILE, path, LB_LOGF_RAW);
	ck_assert_ptr_null(lb_logger_open(&e, NULL, &err));
	ck_assert_msg(err && strstr(err, "t.cfg:7: cannot open log file "
					 "'/nonexistent-lb-dir/access.log'"), "%s", err);
	free(err);
}
END_TEST

/* Runs fn with fd 2 pointing at a temporary file; returns what was written there. */
static char *
capture_stderr(void (*fn)(void *), void *arg)
{
	char path[] = "/tmp/lb-test-log-stderr-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	char *s;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(saved, 0);
	dup2(fd, STDERR_FILENO);
	fn(arg);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	s = slurp(path);
	unlink(path);
	return s;
}

static void
sys_msgs(void *arg)
{
	(void)arg;
	lb_log_sys(LB_LOG_NOTICE, "hello %d", 5);
	lb_log_sys(LB_LOG_WARNING, "careful");
	lb_log_sys(LB_LOG_ALERT, "broken: %s", "x");
	lb_log_sys(LB_LOG_ERR, "err");
}

static void
stderr_sink(void *arg)
{
	lb_logger_send(arg, LB_LOG_INFO, "to stderr", 9);
}

START_TEST(test_log_sys)
{
	char want[512], got[256];
	struct lb_cfg_log e;
	struct lb_logger *lg;
	int pid = (int)getpid(), port, fd;

	setup();
	snprintf(want, sizeof(want),
		 "[NOTICE]   (%d) : hello 5\n[WARNING]  (%d) : careful\n"
		 "[ALERT]    (%d) : broken: x\n[ALERT]    (%d) : err\n", pid, pid, pid, pid);
	ck_assert_str_eq(capture_stderr(sys_msgs, NULL), want);
	lb_log_sys_set_stderr(false);
	ck_assert_str_eq(capture_stderr(sys_msgs, NULL), "");

	/* and to the global targets once set */
	fd = udp_listener(&port);
	cfg_udp(&e, port, LB_LOGF_SHORT);
	lg = open_ok(&e, NULL);
	lb_log_sys_set_logger(lg);
	lb_log_sys(LB_LOG_WARNING, "to syslog %s", "too");
	ck_assert_int_gt(recv_within(fd, got, sizeof(got), 2000), 0);
	ck_assert_str_eq(got, "<4>to syslog too\n");
	lb_log_sys_set_logger(NULL);
	lb_logger_close(lg);
	close(fd);
	lb_log_sys_set_stderr(true);

	/* a stderr sink writes the formatted line there */
	memset(&e, 0, sizeof(e));
	e.kind = LB_LOG_STDERR;
	e.facility = FAC_LOCAL0;
	e.level = LB_LOG_DEBUG;
	e.format = LB_LOGF_RAW;
	e.maxlen = 1024;
	lg = open_ok(&e, NULL);
	ck_assert_str_eq(capture_stderr(stderr_sink, lg), "to stderr\n");
	lb_logger_close(lg);
	/* closing a stderr logger leaves fd 2 alone */
	ck_assert_int_ge(fcntl(STDERR_FILENO, F_GETFD), 0);
}
END_TEST

START_TEST(test_global_and_empty)
{
	struct lb_cfg_log g[2], own, ref;
	struct lb_logger *lg;
	char got[256];
	int p1, p2, p3, f1 = udp_listener(&p1), f2 = udp_listener(&p2), f3 = udp_listener(&p3);

	setup();
	cfg_udp(&g[0], p1, LB_LOGF_RAW);
	cfg_udp(&g[1], p2, LB_LOGF_RAW);
	g[0].next = &g[1];
	cfg_udp(&own, p3, LB_LOGF_RAW);
	memset(&ref, 0, sizeof(ref));
	ref.global = true;
	own.next = &ref;
	/* "log <own>" then "log global": three sinks */
	lg = open_ok(&own, g);
	lb_logger_send(lg, LB_LOG_INFO, "g", 1);
	ck_assert_int_eq(recv_within(f1, got, sizeof(got), 2000), 2);
	ck_assert_int_eq(recv_within(f2, got, sizeof(got), 2000), 2);
	ck_assert_int_eq(recv_within(f3, got, sizeof(got), 2000), 2);
	lb_logger_close(lg);
	/* "log global" when the global section has none: an empty logger */
	lg = open_ok(&ref, NULL);
	ck_assert(lb_logger_empty(lg));
	lb_logger_send(lg, LB_LOG_INFO, "x", 1);
	ck_assert_uint_eq(lb_logger_dropped(lg), 0);
	lb_logger_close(lg);
	lg = open_ok(NULL, NULL);
	ck_assert(lb_logger_empty(lg));
	lb_logger_close(lg);
	ck_assert(lb_logger_empty(NULL));
	lb_logger_send(NULL, LB_LOG_INFO, "x", 1);
	ck_assert_uint_eq(lb_logger_dropped(NULL), 0);
	close(f1);
	close(f2);
	close(f3);
}
END_TEST

START_TEST(test_names)
{
	static const char *const fac[] = {
		"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
		"auth2", "ftp", "ntp", "audit", "alert", "cron2", "local0", "local1", "local2",
		"local3", "local4", "local5", "local6", "local7",
	};
	static const char *const lvl[] = {
		"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
	};

	for (int i = 0; i < 24; i++)
		ck_assert_int_eq(lb_log_facility_parse(fac[i]), i);
	for (int i = 0; i < 8; i++) {
		ck_assert_int_eq(lb_log_level_parse(lvl[i]), i);
		ck_assert_str_eq(lb_log_level_name(i), lvl[i]);
	}
	ck_assert_int_eq(lb_log_facility_parse("local8"), -1);
	ck_assert_int_eq(lb_log_facility_parse("LOCAL0"), -1);
	ck_assert_int_eq(lb_log_level_parse("warn"), -1);
	ck_assert_int_eq(lb_log_level_parse(NULL), -1);
	ck_assert_ptr_null(lb_log_level_name(8));
	ck_assert_ptr_null(lb_log_level_name(-1));
	ck_assert_int_eq(LB_LOG_DEBUG, 7);
}
END_TEST

START_TEST(test_bad_facility)
{
	struct lb_cfg_log e;
	char *err = NULL;

	setup();
	cfg_udp(&e, 514, LB_LOGF_RAW);
	e.facility = 24;
	ck_assert_ptr_null(lb_logger_open(&e, NULL, &err));
	ck_assert_msg(err && strstr(err, "t.cfg:3:") && strstr(err, "facility 24"), "%s", err);
	free(err);
}
END_TEST

struct thr_arg {
	struct lb_logger *lg;
	int id;
};

#define THR_LINES 2000

static void *
thr_send(void *p)
{
	struct thr_arg *a = p;
	char line[128], pad[65];

	memset(pad, '.', 64);
	pad[64] = '\0';
	for (int i = 0; i < THR_LINES; i++) {
		int n = snprintf(line, sizeof(line), "thread %d line %05d %s", a->id, i, pad);
		lb_logger_send(a->lg, LB_LOG_INFO, line, (size_t)n);
	}
	return NULL;
}

START_TEST(test_threads_no_interleave)
{
	struct lb_cfg_log e;
	struct lb_logger *lg;
	struct thr_arg a[4];
	pthread_t t[4];
	int seen[4] = { 0 }, lines = 0;
	char path[128], *s, *nl;

	setup();
	mk_tmpdir();
	snprintf(path, sizeof(path), "%s/mt.log", tmpdir);
	cfg_path(&e, LB_LOG_FILE, path, LB_LOGF_RAW);
	lg = open_ok(&e, NULL);
	for (int i = 0; i < 4; i++) {
		a[i] = (struct thr_arg){ lg, i };
		ck_assert_int_eq(pthread_create(&t[i], NULL, thr_send, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ck_assert_uint_eq(lb_logger_dropped(lg), 0);
	lb_logger_close(lg);
	/* every line whole, and in order within its thread */
	for (s = slurp(path); *s; s = nl + 1) {
		int id, n;

		nl = strchr(s, '\n');
		ck_assert_ptr_nonnull(nl);
		ck_assert_int_eq((int)(nl - s), 20 + 64);
		ck_assert_int_eq(sscanf(s, "thread %d line %d", &id, &n), 2);
		ck_assert(id >= 0 && id < 4);
		ck_assert_int_eq(n, seen[id]);
		seen[id]++;
		lines++;
	}
	ck_assert_int_eq(lines, 4 * THR_LINES);
	unlink(path);
	rmdir(tmpdir);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("sinks");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_udp_rfc3164);
	tcase_add_test(tc, test_udp_rfc5424);
	tcase_add_test(tc, test_udp_raw_short_maxlen);
	tcase_add_test(tc, test_levels);
	tcase_add_test(tc, test_unix_dgram);
	tcase_add_test(tc, test_unix_absent_at_start);
	tcase_add_test(tc, test_unix_errors);
	tcase_add_test(tc, test_file_sink);
	tcase_add_test(tc, test_log_sys);
	tcase_add_test(tc, test_global_and_empty);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_bad_facility);
	tcase_add_test(tc, test_threads_no_interleave);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(log_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* bench/idle_conns.c: open N idle TCP connections to a proxy and hold them open
 *
 * The memory row of the benchmark needs many client connections that send nothing, so the
 * proxy holds them in its idle state. Connections are opened non-blocking, at most `burst`
 * connecting at a time so the listener's backlog is never overrun (a dropped SYN would cost a
 * one-second retransmit). Once every connection is established, "ready" goes to stdout; then
 * the connections are held until stdin reaches end of file or SIGTERM/SIGINT arrives. A peer
 * that closes a held connection (a proxy timeout, a limit) makes the measurement meaningless,
 * so it is reported on stderr and turns the exit status to 3.
 *
 * Exit status: 0 all held, 1 usage or set-up error, 2 a connection failed or timed out,
 * 3 the peer closed connections while they were held.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IDLE_DEFAULT_BURST	200
#define IDLE_CONNECT_TIMEOUT_MS	60000

/* Set by the signal handler; poll() returns EINTR and the hold loop checks it. */
static volatile sig_atomic_t idle_stop;

static void
on_signal(int sig)
{
	(void)sig;
	idle_stop = 1;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
parse_count(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Lift the soft descriptor limit to the hard one: N connections need N descriptors. */
static int
raise_nofile(long need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return -1;
	}
	if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)need + 16 > rl.rlim_cur) {
		fprintf(stderr, "idle_conns: need %ld descriptors, the hard limit is %llu\n",
			need + 16, (unsigned long long)rl.rlim_cur);
		return -1;
	}
	return 0;
}

/* Start one non-blocking connect; returns the fd, or -1 with a message on stderr. */
static int
start_connect(const struct addrinfo *ai)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			ai->ai_protocol);

	if (fd < 0) {
		fprintf(stderr, "idle_conns: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
		fprintf(stderr, "idle_conns: connect: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Open all connections. pfd[0..n-1] receive the fds; returns 0 when all are established,
 * -1 on the first failure or when the deadline passes.
 */
static int
open_all(const struct addrinfo *ai, struct pollfd *pfd, long n, long burst)
{
	long opened = 0, established = 0;
	long long deadline = now_ms() + IDLE_CONNECT_TIMEOUT_MS;

	/* pfd[established..opened-1] are connecting; the pending window is moved down as
	 * connections complete, so established ones stay packed at the front. */
	while (established < n) {
		while (opened < n && opened - established < burst) {
			int fd = start_connect(ai);

			if (fd < 0)
				return -1;
			pfd[opened].fd = fd;
			pfd[opened].events = POLLOUT;
			pfd[opened].revents = 0;
			opened++;
		}
		long long left = deadline - now_ms();

		if (left <= 0 || idle_stop) {
			fprintf(stderr, "idle_conns: %s after %ld of %ld connections\n",
				idle_stop ? "interrupted" : "timed out", established, n);
			return -1;
		}
		int r = poll(pfd + established, (nfds_t)(opened - established),
			     left > INT_MAX ? INT_MAX : (int)left);

		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "idle_conns: poll: %s\n", strerror(errno));
			return -1;
		}
		for (long i = established; r > 0 && i < opened; i++) {
			int err = 0;
			socklen_t len = sizeof(err);

			if (!pfd[i].revents)
				continue;
			if (getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
				err = errno;
			if (err) {
				fprintf(stderr, "idle_conns: connection %ld: %s\n", i + 1,
					strerror(err));
				return -1;
			}
			struct pollfd done = pfd[i];

			pfd[i] = pfd[established];
			pfd[established] = done;
			established++;
		}
	}
	return 0;
}

/* Hold until stdin closes or a signal; returns the number of connections the peer closed. */
static long
hold_all(struct pollfd *pfd, long n)
{
	long lost = 0;
	char byte[256];

	for (long i = 0; i < n; i++)
		pfd[i].events = POLLIN | POLLRDHUP;
	pfd[n].fd = STDIN_FILENO;
	pfd[n].events = POLLIN;
	while (!idle_stop) {
		int r = poll(pfd, (nfds_t)n + 1, -1);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "idle_conns: poll: %s\n", strerror(errno));
			break;
		}
		if (pfd[n].revents) {
			ssize_t got = read(STDIN_FILENO, byte, sizeof(byte));

			if (got <= 0 && !(got < 0 && errno == EINTR))
				break;
		}
		for (long i = 0; i < n; i++) {
			if (!pfd[i].revents || pfd[i].fd < 0)
				continue;
			/* An idle client is never sent anything: any event means it is gone. */
			if (!lost)
				fprintf(stderr, "idle_conns: the peer closed connection %ld\n",
					i + 1);
			close(pfd[i].fd);
			pfd[i].fd = -1;	/* poll() ignores negative fds */
			lost++;
		}
	}
	return lost;
}

int
main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST };
	struct addrinfo *ai;
	struct sigaction sa = { .sa_handler = on_signal };
	struct pollfd *pfd;
	long n, burst = IDLE_DEFAULT_BURST, lost;
	int rc;

	if (argc < 4 || argc > 5 || parse_count(argv[3], 1, 1000000, &n) < 0 ||
	    (argc == 5 && parse_count(argv[4], 1, 100000, &burst) < 0)) {
		fprintf(stderr, "usage: idle_conns HOST PORT COUNT [BURST]\n"
				"  opens COUNT idle connections (at most BURST connecting at once, "
				"default %d),\n  prints \"ready\", holds them until stdin closes "
				"or SIGTERM/SIGINT\n", IDLE_DEFAULT_BURST);
		return 1;
	}
	rc = getaddrinfo(argv[1], argv[2], &hints, &ai);
	if (rc) {
		fprintf(stderr, "idle_conns: %s port %s: %s\n", argv[1], argv[2], gai_strerror(rc));
		return 1;
	}
	if (raise_nofile(n) < 0)
		return 1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	pfd = calloc((size_t)n + 1, sizeof(*pfd));
	if (!pfd) {
		fprintf(stderr, "idle_conns: out of memory\n");
		return 1;
	}
	if (open_all(ai, pfd, n, burst) < 0)
		return 2;
	freeaddrinfo(ai);
	printf("ready\n");
	fflush(stdout);
	lost = hold_all(pfd, n);
	if (lost)
		fprintf(stderr, "idle_conns: %ld of %ld connections closed by the peer\n", lost, n);
	/* The kernel closes the rest at exit. */
	return lost ? 3 : 0;
}

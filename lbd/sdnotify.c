/* lbd/sdnotify.c: the sd_notify protocol, written out: one datagram on $NOTIFY_SOCKET
 *
 * systemd's protocol is a unix datagram of newline-separated KEY=VALUE assignments; the
 * socket path comes from the environment, '@' meaning the abstract namespace. No library
 * is needed for that, so lbd does not link libsystemd.
 */
#include "sdnotify.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int
lbd_sd_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char msg[512];
	socklen_t len;
	size_t plen;
	ssize_t w;
	int fd;

	if (!path || !*path)
		return 0;
	plen = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || plen >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
	if (strstr(state, "RELOADING=1")) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(msg, sizeof(msg), "%s\nMONOTONIC_USEC=%llu", state,
			 (unsigned long long)ts.tv_sec * 1000000ULL +
				 (unsigned long long)ts.tv_nsec / 1000ULL);
	} else {
		snprintf(msg, sizeof(msg), "%s", state);
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	w = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sun, len);
	close(fd);
	return w < 0 ? -1 : 0;
}

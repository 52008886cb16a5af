/* common/ticket_keys.c: HAProxy's tls-ticket-keys files (see ticket_keys.h) */
#include "ticket_keys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "util.h"

int
lb_ticket_keys_read(const char *path, void (*fn)(void *arg, const unsigned char *key,
						     unsigned len),
		    void *arg, char **errmsg)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int n = 0, lineno = 0;

	*errmsg = NULL;
	if (!f) {
		*errmsg = lb_xasprintf("'tls-ticket-keys %s': %s", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		unsigned char key[LB_TICKET_KEY_MAX * 2];
		long kl = -1;

		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
			       line[len - 1] == ' '))
			line[--len] = 0;
		if (!len || line[0] == '#')
			continue;
		if ((size_t)len <= 4 * LB_TICKET_KEY_MAX / 3 + 4)
			kl = lb_base64_decode(line, (size_t)len, key);
		if (kl != 48 && kl != 80) {
			*errmsg = lb_xasprintf("'tls-ticket-keys %s': line %d is not a base64 key "
					       "of 48 or 80 bytes (openssl rand 80 | openssl base64 "
					       "-A)", path, lineno);
			break;
		}
		fn(arg, key, (unsigned)kl);
		n++;
		memset(key, 0, sizeof(key));	/* secrets do not linger on the stack */
	}
	free(line);
	fclose(f);
	if (!*errmsg && !n)
		*errmsg = lb_xasprintf("'tls-ticket-keys %s': no key in it", path);
	return *errmsg ? -1 : n;
}

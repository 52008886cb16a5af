/* common/ticket_keys.h: HAProxy's tls-ticket-keys files (base64 keys of 48 or 80 bytes, one a
 * line, '#' comments), read the same way by the config check and by lbd (lbd/tls_keys.c) */
#ifndef LB_TICKET_KEYS_H
#define LB_TICKET_KEYS_H

#define LB_TICKET_KEY_MAX 80	/* bytes of the longest key */

/* Calls fn for each key of the file, in order. Returns the number of keys, or -1 with
 * *errmsg (the file, and the line of a bad key). An empty file is an error. */
int lb_ticket_keys_read(const char *path, void (*fn)(void *arg, const unsigned char *key,
						     unsigned len),
			void *arg, char **errmsg);

#endif

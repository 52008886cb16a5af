/* common/tls_client.h: a non-blocking GnuTLS client session over a connected socket
 *
 * The caller owns the fd and the events: every call either makes progress or answers
 * LB_TLS_WANT_READ / LB_TLS_WANT_WRITE, and the caller calls again when the fd is ready.
 * Nothing here blocks or sleeps. The server certificate is not verified (health checks
 * only need the handshake to succeed); SNI and ALPN are sent when given.
 * Thread-safe: each session has its own credentials.
 */
#ifndef LB_TLS_CLIENT_H
#define LB_TLS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum {
	LB_TLS_WANT_READ = -2,
	LB_TLS_WANT_WRITE = -3,
	LB_TLS_ERROR = -1,
};

struct lb_tls_client;

/* A session on connected socket fd (not owned). alpn: "h2,http/1.1" or NULL. Returns NULL
 * with a message in err if GnuTLS refuses the settings. */
struct lb_tls_client *lb_tls_client_new(int fd, const char *sni, const char *alpn, char *err,
					size_t errlen);
/* 0 when the handshake is done, LB_TLS_WANT_*, or LB_TLS_ERROR (see lb_tls_client_error). */
int lb_tls_client_handshake(struct lb_tls_client *c);
/* Bytes read (> 0), 0 at the peer's close_notify or EOF, LB_TLS_WANT_*, LB_TLS_ERROR. */
ssize_t lb_tls_client_read(struct lb_tls_client *c, void *buf, size_t len);
/* Bytes written (> 0), LB_TLS_WANT_*, LB_TLS_ERROR. After WANT_*, call again with the same
 * buffer. */
ssize_t lb_tls_client_write(struct lb_tls_client *c, const void *buf, size_t len);
/* The last error, e.g. "A TLS fatal alert has been received." */
const char *lb_tls_client_error(const struct lb_tls_client *c);
/* The protocol ALPN chose, or "" */
const char *lb_tls_client_alpn(const struct lb_tls_client *c);
/* "TLS1.3" etc. */
const char *lb_tls_client_version(const struct lb_tls_client *c);
/* Sends close_notify if it can without blocking, frees the session (not the fd). */
void lb_tls_client_free(struct lb_tls_client *c);

/* Sessions that share credentials (server ... ssl): a CA to verify the server with (verify:
 * the chain must be valid and, when an SNI is sent, match it), an optional client
 * certificate (crt: certificate and key in one PEM) and ALPN. NULL with a message in err. */
struct lb_tls_client_ctx;
struct lb_tls_client_ctx *lb_tls_client_ctx_new(const char *ca_file, bool verify,
						const char *crt, const char *alpn, char *err,
						size_t errlen);
void lb_tls_client_ctx_free(struct lb_tls_client_ctx *x);
/* "verifyhost <name>": with verify, the server's certificate must match name when a session
 * sends no SNI (with one, the SNI is what it must match, as HAProxy does). -1: no memory. */
int lb_tls_client_ctx_set_verifyhost(struct lb_tls_client_ctx *x, const char *name);
/* A session of ctx on connected socket fd; resume: the data of an earlier session with the
 * same server (lb_tls_client_session_data), or NULL. */
struct lb_tls_client *lb_tls_client_new_ctx(int fd, const struct lb_tls_client_ctx *x,
					    const char *sni, const void *resume,
					    size_t resume_len, char *err, size_t errlen);
/* The GnuTLS session (gnutls_session_t), for a data path that reads and writes it itself. */
void *lb_tls_client_session(const struct lb_tls_client *c);
/* A malloc'd copy of what resumes this session later; -1 when there is none (yet). */
int lb_tls_client_session_data(const struct lb_tls_client *c, void **data, size_t *len);
bool lb_tls_client_resumed(const struct lb_tls_client *c);
/* The server name a ctx session sent, or NULL. */
const char *lb_tls_client_sni(const struct lb_tls_client *c);

/* The first flight of a client handshake (a ClientHello record) as bytes, without any
 * socket: used by "option ssl-hello-chk". Returns 0 and a malloc'd buffer, or -1. */
int lb_tls_client_hello_bytes(const char *sni, char **out, size_t *len, char *err,
			      size_t errlen);

#endif

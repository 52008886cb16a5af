/* lbd/tls.h: the TLS transport of lbd connections (GnuTLS)
 *
 * A connection carries an optional GnuTLS session (cc->tls, sc->tls); with none, the data
 * path is the clear-text one untouched. The helpers below look like recv()/sendmsg() so a
 * call site only chooses between them with one test of the connection's session:
 *   >0 bytes, 0 end of stream (close_notify or EOF), -1 with errno (EAGAIN: call again when
 *   the socket is ready; anything else is fatal).
 * A send that answered EAGAIN must be retried with the same bytes first (GnuTLS keeps the
 * record it built): the stream buffers keep unsent bytes at their head, which is exactly
 * that. Decrypted bytes GnuTLS holds beyond what a read could take are not signalled by
 * the socket: lbd_tls_pending() tells, and the read arming helpers (stream.c) check it.
 *
 * Server side ("bind ... ssl"): one lbd_tls_bind per bind line holds the certificates
 * (lbd picks one by SNI before GnuTLS reads the ClientHello: exact, then wildcard, the
 * first being the default; crt-list lines bring their own settings), the priority string,
 * the ticket key (tls_keys.c), ALPN and client-certificate settings; a session per
 * connection. OCSP staples: tls_ocsp.c; certificates swapped at run time: tls_store.c.
 * Client side ("server ... ssl"): common/tls_client.h sessions with shared credentials.
 */
#ifndef LBD_TLS_H
#define LBD_TLS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "stream_types.h"
#include "tls_fact.h"

struct lb_cfg_bind_ssl;
struct lbd_tls_bind;

/* Loads a bind line's certificates and settings. Returns NULL with *errmsg. */
struct lbd_tls_bind *lbd_tls_bind_new(const struct lb_cfg_bind_ssl *cfg, char **errmsg);
void lbd_tls_bind_free(struct lbd_tls_bind *tb);
struct lbd_frontend;
/* The TLS context of fe->listeners[i], shared with the previous listener when both come
 * from one bind line. Returns 0, or -1 with *errmsg naming the bind line. */
int lbd_tls_listener_build(struct lbd_frontend *fe, unsigned i, char **errmsg);

/* A server session on accepted socket fd, or NULL (out of memory). */
struct gnutls_session_int *lbd_tls_accept(struct lbd_tls_bind *tb, int fd);

enum {
	LBD_TLS_HS_DONE = 0,
	LBD_TLS_HS_READ,	/* wait until the socket is readable */
	LBD_TLS_HS_WRITE,	/* ... writable */
	LBD_TLS_HS_FAILED,
};
int lbd_tls_handshake(struct gnutls_session_int *tls);
/* After the handshake: are TLS 1.3 session tickets to be sent, and send them (two after a
 * full handshake, one after a resumption). LBD_TLS_HS_DONE, _WRITE (call again when the
 * socket is writable) or _FAILED. */
bool lbd_tls_tickets_due(struct gnutls_session_int *tls);
int lbd_tls_send_tickets(struct gnutls_session_int *tls);

ssize_t lbd_tls_recv(struct gnutls_session_int *tls, void *buf, size_t len);
ssize_t lbd_tls_sendv(struct gnutls_session_int *tls, const struct iovec *iov, int n_iov);
bool lbd_tls_pending(struct gnutls_session_int *tls);
/* Sends close_notify if the socket takes it now (never blocks). */
void lbd_tls_bye(struct gnutls_session_int *tls);
/* close_notify, then frees the session (not the socket). */
void lbd_tls_free(struct gnutls_session_int *tls);

/* The client connection's PROXY header read bytes behind it: the handshake reads them
 * from cc->rbuf before the socket. */
void lbd_tls_take_rbuf(struct lbd_cconn *cc);

/* Facts of a session for fetches and logs; "" or -1 when not known. */
const char *lbd_tls_version(struct gnutls_session_int *tls);	/* "TLSv1.3" */
const char *lbd_tls_cipher(struct gnutls_session_int *tls);	/* "TLS_AES_128_GCM_SHA256" */
size_t lbd_tls_sni(struct gnutls_session_int *tls, char *buf, size_t len);
size_t lbd_tls_alpn(struct gnutls_session_int *tls, char *buf, size_t len);
/* The client certificate's verification as an OpenSSL X509_V_* code (HAProxy's
 * ssl_c_verify): 0 when valid or none was sent. */
int lbd_tls_client_verify(struct gnutls_session_int *tls);
/* The client certificate's subject DN, "" when none. */
size_t lbd_tls_client_dn(struct gnutls_session_int *tls, char *buf, size_t len);
bool lbd_tls_client_has_cert(struct gnutls_session_int *tls);

/* ---- TLS to servers (tls_srv.c) ---- */
struct lbd_server;
struct lbd_stream;
/* The server's TLS context when its line says "ssl" (srv->tls). -1 with *errmsg. */
int lbd_tls_server_build(int nbthread, struct lbd_server *srv, char **errmsg);
void lbd_tls_server_free(struct lbd_server *srv);
/* The TCP connection of sc is up: its TLS session (SNI from the stream). -1: logged. */
int lbd_tls_server_start(struct lbd_stream *s, struct lbd_sconn *sc);
/* One step of the handshake: LBD_TLS_HS_* (a failure is logged). */
int lbd_tls_server_handshake(struct lbd_sconn *sc);
/* Keeps what resumes the session on this thread's next connection to the server. */
void lbd_tls_server_keep(struct lbd_sconn *sc);

/* ---- the control socket (tls_keys.c, tls_store.c): main thread; LB_CTL_ST_* ---- */
struct msgpack_packer;
/* show tls-keys [<id>|*]: the files, or the keys of one file or all */
int lbd_tls_keys_ctl_show(int argc, char **argv, struct msgpack_packer *pk, char *msg,
			  size_t msglen);
/* set ssl tls-key <id> <base64> */
int lbd_tls_keys_ctl_set(int argc, char **argv, char *msg, size_t msglen);
/* show ssl cert [<file>|*<file>], set ssl cert <file> <base64>..., commit / abort ssl cert
 * <file> (tls_store.c) */
int lbd_tls_store_ctl_show(int argc, char **argv, struct msgpack_packer *pk, char *msg,
			   size_t msglen);
int lbd_tls_store_ctl_set(int argc, char **argv, char *msg, size_t msglen);
int lbd_tls_store_ctl_commit(int argc, char **argv, char *msg, size_t msglen);
int lbd_tls_store_ctl_abort(int argc, char **argv, char *msg, size_t msglen);

/* The facts of fetches and log formats (common/tls_fact.h) of a client session. */
size_t lbd_tls_fact(const void *tls, enum lb_tls_fact what, char *buf, size_t len);

/* recv()/sendmsg() of a client or server socket through its session, if any. */
static inline ssize_t
lbd_conn_recv(struct gnutls_session_int *tls, int fd, void *buf, size_t len)
{
	if (tls)
		return lbd_tls_recv(tls, buf, len);
	return recv(fd, buf, len, 0);
}

/* more: MSG_MORE (a bulk transfer that certainly continues); TLS records ignore it. */
static inline ssize_t
lbd_conn_sendv(struct gnutls_session_int *tls, int fd, const struct iovec *iov, int n_iov,
	       bool more)
{
	struct msghdr mh = { .msg_iov = (struct iovec *)(uintptr_t)iov,
			     .msg_iovlen = (size_t)n_iov };

	if (tls)
		return lbd_tls_sendv(tls, iov, n_iov);
	return sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT | (more ? MSG_MORE : 0));
}

#endif

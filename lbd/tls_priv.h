/* lbd/tls_priv.h: what the parts of lbd's TLS termination share (tls.c, tls_ocsp.c,
 * tls_keys.c, tls_store.c); not for other modules
 *
 * A certificate's credentials (struct lbd_tls_cred) are counted: the bind line that uses
 * them holds one reference, each session that selected them holds one until it is freed.
 * The certificate store (tls_store.c) knows, for each certificate file, every bind line
 * slot that holds its credentials, so "commit ssl cert" can swap them all.
 */
#ifndef LBD_TLS_PRIV_H
#define LBD_TLS_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <gnutls/gnutls.h>

struct lb_cfg_bind_ssl;
struct lbd_tls_cred;

/* ---- tls.c ---- */
/* Credentials of one certificate: pem (certificate, chain and key in memory) or, when NULL,
 * the file path with its key in it or beside it; opts gives the client-certificate
 * settings; "<path>.ocsp" is stapled when valid (tls_ocsp.c). NULL with *errmsg. */
struct lbd_tls_cred *lbd_tls_cred_load(const char *path, const gnutls_datum_t *pem,
				       const struct lb_cfg_bind_ssl *opts, char **errmsg);
void lbd_tls_cred_ref(struct lbd_tls_cred *c);
void lbd_tls_cred_unref(struct lbd_tls_cred *c);
/* The certificate of c (DER, valid while c is) and its staple's expiry (-1: none). */
int lbd_tls_cred_der(struct lbd_tls_cred *c, gnutls_datum_t *der, time_t *ocsp_exp);

/* ---- tls_ocsp.c ---- */
/* Staples "<path>.ocsp" (DER, as HAProxy reads it) to certificate 0 of gc when it is a
 * successful response for that certificate and not expired; logs why otherwise. Returns
 * true when stapled. */
bool lbd_tls_ocsp_load(gnutls_certificate_credentials_t gc, const char *path);

/* ---- tls_keys.c: tls-ticket-keys ---- */
#define LBD_TLS_MASTER_KEY_LEN 64	/* what gnutls_session_ticket_enable_server takes */
struct lbd_tls_keys;
/* The key ring of a tls-ticket-keys file, shared by every bind line naming it (loaded on
 * first use). NULL with *errmsg. */
struct lbd_tls_keys *lbd_tls_keys_get(const char *path, char **errmsg);
/* GnuTLS's master key for new sessions: derived from the current encryption key. */
void lbd_tls_keys_master(struct lbd_tls_keys *k, unsigned char out[LBD_TLS_MASTER_KEY_LEN]);
/* A bind line that held k is gone (the last one frees it). */
void lbd_tls_keys_put(struct lbd_tls_keys *k);

/* ---- tls_store.c: certificates by file, for the control socket ---- */
/* A bind line holds the credentials of certificate file path in *slot, swapped under lock;
 * opts: the settings to rebuild them with. */
void lbd_tls_store_register(const char *path, struct lbd_tls_cred **slot,
			    pthread_mutex_t *lock, const struct lb_cfg_bind_ssl *opts);
void lbd_tls_store_unregister(struct lbd_tls_cred **slot);

#endif

/* common/tls_client.c: non-blocking GnuTLS client sessions (see tls_client.h) */
#include "tls_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

struct lb_tls_client {
	gnutls_session_t session;
	gnutls_certificate_credentials_t cred;	/* own, or NULL when a ctx lends them */
	char *sni;		/* ctx sessions: the name sent (GnuTLS keeps a pointer to the
				 * name it verifies) */
	char err[128];
	char alpn[32];
};

struct lb_tls_client_ctx {
	gnutls_certificate_credentials_t cred;
	bool verify;
	gnutls_datum_t alpn[4];
	unsigned nalpn;
	char *alpn_str;
	char *verifyhost;	/* checked when no SNI is sent (verifyhost) */
};

static void
set_err(char *err, size_t errlen, const char *what, int rc)
{
	snprintf(err, errlen, "%s: %s", what, gnutls_strerror(rc));
}

static bool
is_ip_literal(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* Sets up a client session with SNI and ALPN; the transport is left to the caller. With
 * cred, the session borrows those credentials, else it gets empty ones of its own. */
static int
session_init(struct lb_tls_client *c, const char *sni, const char *alpn, char *err,
	     size_t errlen, gnutls_certificate_credentials_t cred)
{
	int rc;

	if (!cred) {
		rc = gnutls_certificate_allocate_credentials(&c->cred);
		if (rc < 0) {
			set_err(err, errlen, "TLS credentials", rc);
			return -1;
		}
		cred = c->cred;
	}
	rc = gnutls_init(&c->session, GNUTLS_CLIENT | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL);
	if (rc < 0) {
		set_err(err, errlen, "TLS session", rc);
		c->session = NULL;
		return -1;
	}
	rc = gnutls_set_default_priority(c->session);
	if (rc >= 0)
		rc = gnutls_credentials_set(c->session, GNUTLS_CRD_CERTIFICATE, cred);
	if (rc >= 0 && sni && *sni && !is_ip_literal(sni))
		rc = gnutls_server_name_set(c->session, GNUTLS_NAME_DNS, sni, strlen(sni));
	if (rc < 0) {
		set_err(err, errlen, "TLS settings", rc);
		return -1;
	}
	if (alpn && *alpn) {
		gnutls_datum_t protos[8];
		unsigned n = 0;
		const char *p = alpn;

		while (*p && n < 8) {
			const char *e = strchr(p, ',');
			size_t l = e ? (size_t)(e - p) : strlen(p);
			if (l) {
				protos[n].data = (unsigned char *)(uintptr_t)p;
				protos[n].size = (unsigned)l;
				n++;
			}
			p += l + (e ? 1 : 0);
		}
		rc = gnutls_alpn_set_protocols(c->session, protos, n, 0);
		if (rc < 0) {
			set_err(err, errlen, "TLS ALPN", rc);
			return -1;
		}
	}
	gnutls_handshake_set_timeout(c->session, 0);	/* the caller times the handshake */
	return 0;
}

static void
session_free(struct lb_tls_client *c)
{
	if (c->session)
		gnutls_deinit(c->session);
	if (c->cred)
		gnutls_certificate_free_credentials(c->cred);
	free(c->sni);
	free(c);
}

struct lb_tls_client *
lb_tls_client_new(int fd, const char *sni, const char *alpn, char *err, size_t errlen)
{
	struct lb_tls_client *c = calloc(1, sizeof(*c));

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (session_init(c, sni, alpn, err, errlen, NULL) < 0) {
		session_free(c);
		return NULL;
	}
	gnutls_transport_set_int(c->session, fd);
	return c;
}

/* ---- sessions sharing credentials (server ... ssl) ---- */

struct lb_tls_client_ctx *
lb_tls_client_ctx_new(const char *ca_file, bool verify, const char *crt, const char *alpn,
		      char *err, size_t errlen)
{
	struct lb_tls_client_ctx *x = calloc(1, sizeof(*x));
	int rc;

	if (!x || gnutls_certificate_allocate_credentials(&x->cred) < 0) {
		snprintf(err, errlen, "out of memory");
		free(x);
		return NULL;
	}
	x->verify = verify;
	if (ca_file) {
		rc = gnutls_certificate_set_x509_trust_file(x->cred, ca_file, GNUTLS_X509_FMT_PEM);
		if (rc <= 0) {
			snprintf(err, errlen, "ca-file '%s': %s", ca_file,
				 rc == 0 ? "no certificate in it" : gnutls_strerror(rc));
			goto fail;
		}
	}
	if (crt) {
		rc = gnutls_certificate_set_x509_key_file(x->cred, crt, crt, GNUTLS_X509_FMT_PEM);
		if (rc < 0) {
			snprintf(err, errlen, "crt '%s': %s (certificate and key in one PEM file)",
				 crt, gnutls_strerror(rc));
			goto fail;
		}
	}
	if (alpn && *alpn) {
		x->alpn_str = strdup(alpn);
		if (!x->alpn_str)
			goto fail;
	}
	return x;
fail:
	lb_tls_client_ctx_free(x);
	return NULL;
}

int
lb_tls_client_ctx_set_verifyhost(struct lb_tls_client_ctx *x, const char *name)
{
	free(x->verifyhost);
	x->verifyhost = name && *name ? strdup(name) : NULL;
	return name && *name && !x->verifyhost ? -1 : 0;
}

void
lb_tls_client_ctx_free(struct lb_tls_client_ctx *x)
{
	if (!x)
		return;
	gnutls_certificate_free_credentials(x->cred);
	free(x->alpn_str);
	free(x->verifyhost);
	free(x);
}

struct lb_tls_client *
lb_tls_client_new_ctx(int fd, const struct lb_tls_client_ctx *x, const char *sni,
		      const void *resume, size_t resume_len, char *err, size_t errlen)
{
	struct lb_tls_client *c = calloc(1, sizeof(*c));

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (session_init(c, sni, x->alpn_str, err, errlen, x->cred) < 0) {
		session_free(c);
		return NULL;
	}
	if (sni && *sni && !(c->sni = strdup(sni))) {
		snprintf(err, errlen, "out of memory");
		session_free(c);
		return NULL;
	}
	if (x->verify)	/* chain, and the name sent, else verifyhost's (as HAProxy) */
		gnutls_session_set_verify_cert(c->session, c->sni ? c->sni : x->verifyhost, 0);
	if (resume && resume_len)
		gnutls_session_set_data(c->session, resume, resume_len);
	gnutls_transport_set_int(c->session, fd);
	return c;
}

void *
lb_tls_client_session(const struct lb_tls_client *c)
{
	return c->session;
}

int
lb_tls_client_session_data(const struct lb_tls_client *c, void **data, size_t *len)
{
	gnutls_datum_t d;

	if (!gnutls_session_is_resumed(c->session) &&
	    !(gnutls_session_get_flags(c->session) & GNUTLS_SFLAGS_SESSION_TICKET) &&
	    gnutls_protocol_get_version(c->session) == GNUTLS_TLS1_3)
		return -1;	/* TLS 1.3 without a ticket yet: nothing to resume with */
	if (gnutls_session_get_data2(c->session, &d) < 0 || !d.size)
		return -1;
	*data = malloc(d.size);
	if (*data)
		memcpy(*data, d.data, d.size);
	*len = d.size;
	gnutls_free(d.data);
	return *data ? 0 : -1;
}

const char *
lb_tls_client_sni(const struct lb_tls_client *c)
{
	return c->sni;
}

bool
lb_tls_client_resumed(const struct lb_tls_client *c)
{
	return gnutls_session_is_resumed(c->session) != 0;
}

static int
want(struct lb_tls_client *c, int rc)
{
	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED)
		return gnutls_record_get_direction(c->session) ? LB_TLS_WANT_WRITE
							       : LB_TLS_WANT_READ;
	snprintf(c->err, sizeof(c->err), "%s", gnutls_strerror(rc));
	if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED || rc == GNUTLS_E_WARNING_ALERT_RECEIVED)
		snprintf(c->err, sizeof(c->err), "TLS alert received: %s",
			 gnutls_alert_get_name(gnutls_alert_get(c->session)));
	if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		gnutls_datum_t out;
		unsigned st = gnutls_session_get_verify_cert_status(c->session);
		if (gnutls_certificate_verification_status_print(st, GNUTLS_CRT_X509, &out, 0) ==
		    0) {
			snprintf(c->err, sizeof(c->err), "certificate verification failed: %s",
				 out.data);
			gnutls_free(out.data);
		}
	}
	return LB_TLS_ERROR;
}

int
lb_tls_client_handshake(struct lb_tls_client *c)
{
	int rc = gnutls_handshake(c->session);

	if (rc == GNUTLS_E_SUCCESS) {
		gnutls_datum_t p;
		if (gnutls_alpn_get_selected_protocol(c->session, &p) == 0)
			snprintf(c->alpn, sizeof(c->alpn), "%.*s", (int)p.size, p.data);
		return 0;
	}
	if (rc < 0 && !gnutls_error_is_fatal(rc) && rc != GNUTLS_E_AGAIN &&
	    rc != GNUTLS_E_INTERRUPTED)
		return LB_TLS_WANT_READ;	/* a warning alert: go on reading */
	return want(c, rc);
}

ssize_t
lb_tls_client_read(struct lb_tls_client *c, void *buf, size_t len)
{
	ssize_t rc = gnutls_record_recv(c->session, buf, len);

	if (rc >= 0)
		return rc;
	if (rc == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;	/* the peer closed without close_notify: plain EOF for a check */
	return want(c, (int)rc);
}

ssize_t
lb_tls_client_write(struct lb_tls_client *c, const void *buf, size_t len)
{
	ssize_t rc = gnutls_record_send(c->session, buf, len);

	if (rc >= 0)
		return rc;
	return want(c, (int)rc);
}

const char *
lb_tls_client_error(const struct lb_tls_client *c)
{
	return c->err[0] ? c->err : "TLS error";
}

const char *
lb_tls_client_alpn(const struct lb_tls_client *c)
{
	return c->alpn;
}

const char *
lb_tls_client_version(const struct lb_tls_client *c)
{
	const char *v = gnutls_protocol_get_name(gnutls_protocol_get_version(c->session));
	return v ? v : "TLS";
}

void
lb_tls_client_free(struct lb_tls_client *c)
{
	if (!c)
		return;
	gnutls_bye(c->session, GNUTLS_SHUT_WR);	/* non-blocking session: at most one try */
	session_free(c);
}

/* ---- a ClientHello without a socket ---- */

struct capture {
	gnutls_session_t session;
	char *buf;
	size_t len;
};

static ssize_t
capture_push(gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
	struct capture *cap = ptr;
	char *n = realloc(cap->buf, cap->len + len);

	if (!n) {
		gnutls_transport_set_errno(cap->session, ENOMEM);
		return -1;
	}
	memcpy(n + cap->len, data, len);
	cap->buf = n;
	cap->len += len;
	return (ssize_t)len;
}

static ssize_t
capture_pull(gnutls_transport_ptr_t ptr, void *data, size_t len)
{
	struct capture *cap = ptr;

	(void)data;
	(void)len;
	gnutls_transport_set_errno(cap->session, EAGAIN);
	return -1;
}

int
lb_tls_client_hello_bytes(const char *sni, char **out, size_t *len, char *err, size_t errlen)
{
	struct lb_tls_client *c = calloc(1, sizeof(*c));
	struct capture cap = { NULL, NULL, 0 };
	int rc;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (session_init(c, sni, NULL, err, errlen, NULL) < 0) {
		session_free(c);
		return -1;
	}
	cap.session = c->session;
	gnutls_transport_set_ptr(c->session, &cap);
	gnutls_transport_set_push_function(c->session, capture_push);
	gnutls_transport_set_pull_function(c->session, capture_pull);
	rc = gnutls_handshake(c->session);
	session_free(c);
	if (rc != GNUTLS_E_AGAIN || cap.len < 6) {
		free(cap.buf);
		snprintf(err, errlen, "could not build a TLS ClientHello: %s", gnutls_strerror(rc));
		return -1;
	}
	*out = cap.buf;
	*len = cap.len;
	return 0;
}

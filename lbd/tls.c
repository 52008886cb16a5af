/* lbd/tls.c: the TLS transport of lbd connections (see tls.h) */
#include "tls.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "cfg_types.h"
#include "runtime_types.h"
#include "thread_types.h"
#include "util.h"

#define ALPN_MAX 4
#define RECORD_MAX 16384	/* TLS plaintext record limit */

struct lbd_tls_bind {
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	gnutls_datum_t ticket_key;	/* .data NULL: no tickets */
	gnutls_datum_t alpn[ALPN_MAX];
	unsigned nalpn;
	char **names;			/* the certificates' DNS names (SNI checks) */
	int *wild_of;			/* [nnames]: index in wild, -1 for exact names */
	unsigned nnames;
	/* GnuTLS picks certificates by exact name only: a certificate with a wildcard name
	 * also gets credentials of its own, chosen after the ClientHello (sni_hook) */
	gnutls_certificate_credentials_t *wild;
	unsigned nwild;
	bool strict_sni;
	int verify;			/* enum lb_ssl_verify */
};

/* ---- certificates ---- */

static void
add_name(struct lbd_tls_bind *tb, const char *name, size_t len)
{
	char *n = lb_xmalloc(len + 1);

	for (size_t i = 0; i < len; i++)
		n[i] = (char)tolower((unsigned char)name[i]);
	n[len] = 0;
	tb->names = realloc(tb->names, (tb->nnames + 1) * sizeof(*tb->names));
	tb->wild_of = realloc(tb->wild_of, (tb->nnames + 1) * sizeof(*tb->wild_of));
	if (!tb->names || !tb->wild_of)
		abort();
	tb->wild_of[tb->nnames] = -1;
	tb->names[tb->nnames++] = n;
}

/* The DNS names of certificate idx (subjectAltName, else the CN), for strict-sni. */
static void
collect_names(struct lbd_tls_bind *tb, unsigned idx)
{
	gnutls_datum_t der;
	gnutls_x509_crt_t crt;
	char buf[512];
	bool any = false;

	if (gnutls_certificate_get_crt_raw(tb->cred, idx, 0, &der) < 0)
		return;
	if (gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER) == 0) {
		for (unsigned seq = 0;; seq++) {
			size_t len = sizeof(buf);
			int t = gnutls_x509_crt_get_subject_alt_name(crt, seq, buf, &len, NULL);
			if (t == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
				break;
			if (t == GNUTLS_SAN_DNSNAME) {
				add_name(tb, buf, len);
				any = true;
			}
		}
		size_t len = sizeof(buf);
		if (!any && gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0,
							  buf, &len) == 0)
			add_name(tb, buf, len);
	}
	gnutls_x509_crt_deinit(crt);
}

/* The key of a PEM without one: "<name>.key" next to it, extension (.pem, .crt) removed,
 * as HAProxy looks for it. */
static char *
side_key(const char *path)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	size_t base = dot && (!slash || dot > slash) ? (size_t)(dot - path) : strlen(path);
	char *k = lb_xasprintf("%.*s.key", (int)base, path);

	if (access(k, R_OK) == 0)
		return k;
	free(k);
	return NULL;
}

static int
load_key_file(gnutls_certificate_credentials_t c, const char *path, const char *key)
{
	return gnutls_certificate_set_x509_key_file2(c, path, key, GNUTLS_X509_FMT_PEM, NULL, 0);
}

static int
load_pem(struct lbd_tls_bind *tb, const char *path, char **errmsg)
{
	unsigned first = tb->nnames;
	bool wild = false;
	char *key = NULL;
	int rc = load_key_file(tb->cred, path, path);

	if (rc < 0 && (key = side_key(path)) != NULL)
		rc = load_key_file(tb->cred, path, key);
	if (rc < 0) {
		*errmsg = lb_xasprintf("crt '%s': %s (a PEM file with the certificate, its chain "
				       "and its private key is expected, or the key in a '.key' file "
				       "beside it)", path, gnutls_strerror(rc));
		free(key);
		return -1;
	}
	collect_names(tb, (unsigned)rc);	/* API_V2: the index of the new certificate */
	for (unsigned i = first; i < tb->nnames; i++)
		wild |= tb->names[i][0] == '*';
	if (!wild) {
		free(key);
		return 0;
	}
	gnutls_certificate_credentials_t c;
	if (gnutls_certificate_allocate_credentials(&c) < 0 ||
	    load_key_file(c, path, key ? key : path) < 0)
		abort();	/* it loaded a moment ago: only memory can be missing */
	free(key);
	tb->wild = realloc(tb->wild, (tb->nwild + 1) * sizeof(*tb->wild));
	if (!tb->wild)
		abort();
	tb->wild[tb->nwild] = c;
	for (unsigned i = first; i < tb->nnames; i++)
		if (tb->names[i][0] == '*')
			tb->wild_of[i] = (int)tb->nwild;
	tb->nwild++;
	return 0;
}

static bool
skipped_file(const char *name)
{
	static const char *const side[] = { ".ocsp", ".issuer", ".sctl", ".key", ".crl" };
	size_t l = strlen(name);

	if (name[0] == '.')
		return true;
	for (size_t i = 0; i < LB_ARRAY_SIZE(side); i++) {
		size_t sl = strlen(side[i]);
		if (l > sl && !strcmp(name + l - sl, side[i]))
			return true;
	}
	return false;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every certificate file of a directory, in name order (HAProxy skips the same side files). */
static int
load_dir(struct lbd_tls_bind *tb, const char *dir, char **errmsg)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **files = NULL;
	size_t n = 0;
	int rc = 0;

	if (!d) {
		*errmsg = lb_xasprintf("crt '%s': %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		struct stat st;
		char *p;
		if (skipped_file(e->d_name))
			continue;
		p = lb_xasprintf("%s/%s", dir, e->d_name);
		if (stat(p, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(p);
			continue;
		}
		files = realloc(files, (n + 1) * sizeof(*files));
		if (!files)
			abort();
		files[n++] = p;
	}
	closedir(d);
	qsort(files, n, sizeof(*files), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (!rc && load_pem(tb, files[i], errmsg) < 0)
			rc = -1;
		free(files[i]);
	}
	free(files);
	if (!rc && !n) {
		*errmsg = lb_xasprintf("crt '%s': no certificate file in this directory", dir);
		rc = -1;
	}
	return rc;
}

/* ---- client certificates ---- */

static int
verify_client(gnutls_session_t s)
{
	unsigned status = 0, n = 0;

	if (!gnutls_certificate_get_peers(s, &n) || !n)
		return 0;	/* none sent: GNUTLS_CERT_REQUIRE refuses that where needed */
	if (gnutls_certificate_verify_peers2(s, &status) < 0 || status)
		return -1;	/* the handshake fails with a bad_certificate alert */
	return 0;
}

/* ---- strict-sni ---- */

static bool
name_matches(const char *pat, const char *name)
{
	if (pat[0] == '*' && pat[1] == '.') {
		const char *dot = strchr(name, '.');
		return dot && dot != name && !strcasecmp(dot, pat + 1);
	}
	return !strcasecmp(pat, name);
}

/* After the ClientHello: an exact name is GnuTLS's to pick; a wildcard match switches to
 * that certificate's credentials; no match is refused with strict-sni, else the default
 * (first) certificate answers. */
static int
sni_hook(gnutls_session_t s)
{
	struct lbd_tls_bind *tb = gnutls_session_get_ptr(s);
	int refuse = tb->strict_sni ? GNUTLS_E_UNRECOGNIZED_NAME : 0;
	char name[256];
	size_t len = sizeof(name) - 1;
	unsigned type;
	int wild = -1;

	if (gnutls_server_name_get(s, name, &len, &type, 0) < 0 || type != GNUTLS_NAME_DNS)
		return refuse;
	name[len] = 0;
	for (unsigned i = 0; i < tb->nnames; i++) {
		if (!name_matches(tb->names[i], name))
			continue;
		if (tb->wild_of[i] < 0)
			return 0;
		if (wild < 0)
			wild = tb->wild_of[i];
	}
	if (wild < 0)
		return refuse;
	return gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, tb->wild[wild]);
}

/* Client-certificate settings of one set of credentials. */
static int
cred_client_auth(gnutls_certificate_credentials_t c, const struct lb_cfg_bind_ssl *cfg,
		 char **errmsg)
{
	int rc;

	if (cfg->ca_file) {
		rc = gnutls_certificate_set_x509_trust_file(c, cfg->ca_file, GNUTLS_X509_FMT_PEM);
		if (rc <= 0) {
			*errmsg = lb_xasprintf("ca-file '%s': %s", cfg->ca_file,
					       rc == 0 ? "no certificate in it" : gnutls_strerror(rc));
			return -1;
		}
		gnutls_certificate_set_verify_function(c, verify_client);
	}
	if (cfg->crl_file) {
		rc = gnutls_certificate_set_x509_crl_file(c, cfg->crl_file, GNUTLS_X509_FMT_PEM);
		if (rc < 0) {
			*errmsg = lb_xasprintf("crl-file '%s': %s", cfg->crl_file,
					       gnutls_strerror(rc));
			return -1;
		}
	}
	return 0;
}

/* ---- a bind line's context ---- */

struct lbd_tls_bind *
lbd_tls_bind_new(const struct lb_cfg_bind_ssl *cfg, char **errmsg)
{
	struct lbd_tls_bind *tb = lb_xcalloc(1, sizeof(*tb));
	const char *errpos = NULL;
	int rc;

	tb->strict_sni = cfg->strict_sni;
	tb->verify = cfg->verify;
	if (gnutls_certificate_allocate_credentials(&tb->cred) < 0)
		goto oom;
	gnutls_certificate_set_flags(tb->cred, GNUTLS_CERTIFICATE_API_V2);
	for (const struct lb_cfg_crt *c = cfg->crts; c; c = c->next) {
		struct stat st;
		if (stat(c->path, &st) < 0) {
			*errmsg = lb_xasprintf("crt '%s': %s", c->path, strerror(errno));
			goto fail;
		}
		if ((S_ISDIR(st.st_mode) ? load_dir(tb, c->path, errmsg)
					 : load_pem(tb, c->path, errmsg)) < 0)
			goto fail;
	}
	if (cred_client_auth(tb->cred, cfg, errmsg) < 0)
		goto fail;
	for (unsigned i = 0; i < tb->nwild; i++)
		if (cred_client_auth(tb->wild[i], cfg, errmsg) < 0)
			goto fail;
	rc = gnutls_priority_init(&tb->prio, cfg->priority ? cfg->priority : "NORMAL", &errpos);
	if (rc < 0) {
		*errmsg = lb_xasprintf("GnuTLS refuses the priority string '%s'%s%s: %s",
				       cfg->priority, errpos ? " at " : "", errpos ? errpos : "",
				       gnutls_strerror(rc));
		goto fail;
	}
	if (!cfg->no_tickets && gnutls_session_ticket_key_generate(&tb->ticket_key) < 0)
		goto oom;
	for (const char *p = cfg->alpn; p && *p && tb->nalpn < ALPN_MAX;) {
		size_t l = strcspn(p, ",");
		if (l) {
			tb->alpn[tb->nalpn].data = (unsigned char *)(uintptr_t)p;
			tb->alpn[tb->nalpn++].size = (unsigned)l;
		}
		p += l + (p[l] ? 1 : 0);
	}
	return tb;
oom:
	*errmsg = lb_xstrdup("TLS: out of memory");
fail:
	lbd_tls_bind_free(tb);
	return NULL;
}

void
lbd_tls_bind_free(struct lbd_tls_bind *tb)
{
	if (!tb)
		return;
	if (tb->cred)
		gnutls_certificate_free_credentials(tb->cred);
	if (tb->prio)
		gnutls_priority_deinit(tb->prio);
	if (tb->ticket_key.data) {
		gnutls_memset(tb->ticket_key.data, 0, tb->ticket_key.size);
		gnutls_free(tb->ticket_key.data);
	}
	for (unsigned i = 0; i < tb->nnames; i++)
		free(tb->names[i]);
	free(tb->names);
	free(tb->wild_of);
	for (unsigned i = 0; i < tb->nwild; i++)
		gnutls_certificate_free_credentials(tb->wild[i]);
	free(tb->wild);
	free(tb);
}

int
lbd_tls_listener_build(struct lbd_frontend *fe, unsigned i, char **errmsg)
{
	struct lbd_listener *li = &fe->listeners[i];
	const struct lb_cfg_bind_ssl *ssl = li->cfg->ssl;
	char *msg = NULL;

	if (!ssl)
		return 0;
	if (i > 0 && fe->listeners[i - 1].cfg->ssl == ssl) {
		li->tls = fe->listeners[i - 1].tls;
		return 0;
	}
	li->tls = lbd_tls_bind_new(ssl, &msg);
	if (!li->tls) {
		*errmsg = lb_xasprintf("%s:%d: frontend '%s', bind '%s': %s", ssl->pos.file,
				       ssl->pos.line, fe->name, li->cfg->spec, msg);
		free(msg);
		return -1;
	}
	li->tls_owner = true;
	return 0;
}

gnutls_session_t
lbd_tls_accept(struct lbd_tls_bind *tb, int fd)
{
	gnutls_session_t s;

	if (gnutls_init(&s, GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL) < 0)
		return NULL;
	if (gnutls_priority_set(s, tb->prio) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, tb->cred) < 0)
		goto fail;
	if (tb->verify != LB_SSL_VERIFY_NONE)
		gnutls_certificate_server_set_request(s, tb->verify == LB_SSL_VERIFY_REQUIRED
								 ? GNUTLS_CERT_REQUIRE
								 : GNUTLS_CERT_REQUEST);
	if (tb->nalpn &&
	    gnutls_alpn_set_protocols(s, tb->alpn, tb->nalpn, GNUTLS_ALPN_SERVER_PRECEDENCE) < 0)
		goto fail;
	if (tb->ticket_key.data && gnutls_session_ticket_enable_server(s, &tb->ticket_key) < 0)
		goto fail;
	gnutls_session_set_ptr(s, tb);
	if (tb->strict_sni || tb->nwild)
		gnutls_handshake_set_post_client_hello_function(s, sni_hook);
	gnutls_transport_set_int(s, fd);
	gnutls_handshake_set_timeout(s, 0);	/* timeout client-hs bounds it (stream.c) */
	return s;
fail:
	gnutls_deinit(s);
	return NULL;
}

int
lbd_tls_handshake(gnutls_session_t s)
{
	int rc = gnutls_handshake(s);

	if (rc == GNUTLS_E_SUCCESS)
		return LBD_TLS_HS_DONE;
	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED)
		return gnutls_record_get_direction(s) ? LBD_TLS_HS_WRITE : LBD_TLS_HS_READ;
	if (!gnutls_error_is_fatal(rc))
		return LBD_TLS_HS_READ;	/* a warning alert: go on */
	/* tell the client why (unrecognized_name, bad_certificate, protocol_version...) if the
	 * socket takes it now */
	gnutls_alert_send_appropriate(s, rc);
	return LBD_TLS_HS_FAILED;
}

/* ---- data path ---- */

static ssize_t
io_error(ssize_t rc)
{
	switch (rc) {
	case GNUTLS_E_AGAIN:
		errno = EAGAIN;
		break;
	case GNUTLS_E_INTERRUPTED:
		errno = EINTR;
		break;
	case GNUTLS_E_WARNING_ALERT_RECEIVED:
		errno = EAGAIN;	/* not fatal: the next read goes on */
		break;
	default:
		errno = ECONNRESET;
		break;
	}
	return -1;
}

ssize_t
lbd_tls_recv(gnutls_session_t s, void *buf, size_t len)
{
	ssize_t rc = gnutls_record_recv(s, buf, len);

	if (rc >= 0)
		return rc;
	if (rc == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;	/* closed without close_notify: an EOF like any other */
	return io_error(rc);
}

ssize_t
lbd_tls_sendv(gnutls_session_t s, const struct iovec *iov, int n_iov)
{
	/* A head and the body behind it leave in one record: copying a few KiB costs less
	 * than a second record (header, tag and a system call). */
	static __thread char scratch[RECORD_MAX];
	const void *data = iov[0].iov_base;
	size_t len = iov[0].iov_len;
	ssize_t rc;

	if (n_iov == 2 && len < RECORD_MAX) {
		size_t more = LB_MIN(iov[1].iov_len, RECORD_MAX - len);
		memcpy(scratch, iov[0].iov_base, len);
		memcpy(scratch + len, iov[1].iov_base, more);
		data = scratch;
		len += more;
	}
	rc = gnutls_record_send(s, data, len);
	return rc >= 0 ? rc : io_error(rc);
}

bool
lbd_tls_pending(gnutls_session_t s)
{
	return gnutls_record_check_pending(s) > 0;
}

void
lbd_tls_bye(gnutls_session_t s)
{
	gnutls_bye(s, GNUTLS_SHUT_WR);	/* non-blocking: sent now or never */
}

void
lbd_tls_free(gnutls_session_t s)
{
	gnutls_bye(s, GNUTLS_SHUT_WR);
	gnutls_deinit(s);
}

/* ---- PROXY header leftovers ---- */

static ssize_t
rbuf_pull(gnutls_transport_ptr_t ptr, void *data, size_t len)
{
	struct lbd_cconn *cc = ptr;
	ssize_t n;

	if (cc->rbuf.len) {
		size_t k = LB_MIN(len, cc->rbuf.len);
		memcpy(data, cc->rbuf.data + cc->rbuf.head, k);
		lbd_buf_consume(&cc->rbuf, (uint32_t)k);
		if (!cc->rbuf.len)
			lbd_buf_release(&cc->thr->bufs, &cc->rbuf);
		return (ssize_t)k;
	}
	n = recv(cc->fd, data, len, 0);
	if (n < 0)
		gnutls_transport_set_errno(cc->tls, errno);
	return n;
}

static ssize_t
fd_push(gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
	struct lbd_cconn *cc = ptr;
	ssize_t n = send(cc->fd, data, len, MSG_NOSIGNAL);

	if (n < 0)
		gnutls_transport_set_errno(cc->tls, errno);
	return n;
}

void
lbd_tls_take_rbuf(struct lbd_cconn *cc)
{
	gnutls_transport_set_ptr(cc->tls, cc);
	gnutls_transport_set_pull_function(cc->tls, rbuf_pull);
	gnutls_transport_set_push_function(cc->tls, fd_push);
}

/* ---- facts ---- */

const char *
lbd_tls_version(gnutls_session_t s)
{
	switch (gnutls_protocol_get_version(s)) {
	case GNUTLS_SSL3:
		return "SSLv3";
	case GNUTLS_TLS1_0:
		return "TLSv1";
	case GNUTLS_TLS1_1:
		return "TLSv1.1";
	case GNUTLS_TLS1_2:
		return "TLSv1.2";
	case GNUTLS_TLS1_3:
		return "TLSv1.3";
	default:
		return "";
	}
}

const char *
lbd_tls_cipher(gnutls_session_t s)
{
	const char *c = gnutls_ciphersuite_get(s);
	return c ? c : "";
}

size_t
lbd_tls_sni(gnutls_session_t s, char *buf, size_t len)
{
	size_t l = len;
	unsigned type;

	if (!len || gnutls_server_name_get(s, buf, &l, &type, 0) < 0 || type != GNUTLS_NAME_DNS)
		return 0;
	return strnlen(buf, l);
}

size_t
lbd_tls_alpn(gnutls_session_t s, char *buf, size_t len)
{
	gnutls_datum_t p;

	if (gnutls_alpn_get_selected_protocol(s, &p) < 0)
		return 0;
	size_t l = LB_MIN((size_t)p.size, len);
	memcpy(buf, p.data, l);
	return l;
}

bool
lbd_tls_client_has_cert(gnutls_session_t s)
{
	unsigned n = 0;
	return gnutls_certificate_get_peers(s, &n) && n;
}

int
lbd_tls_client_verify(gnutls_session_t s)
{
	/* GnuTLS status bits -> OpenSSL X509_V_ERR_* numbers, as HAProxy reports them */
	static const struct {
		unsigned bit;
		int code;
	} codes[] = {
		{ GNUTLS_CERT_REVOKED, 23 },
		{ GNUTLS_CERT_EXPIRED, 10 },
		{ GNUTLS_CERT_NOT_ACTIVATED, 9 },
		{ GNUTLS_CERT_SIGNER_NOT_CA, 24 },
		{ GNUTLS_CERT_SIGNER_NOT_FOUND, 20 },
		{ GNUTLS_CERT_SIGNATURE_FAILURE, 7 },
	};
	unsigned status = 0;

	if (!lbd_tls_client_has_cert(s))
		return 0;
	if (gnutls_certificate_verify_peers2(s, &status) < 0)
		return 1;
	for (size_t i = 0; i < LB_ARRAY_SIZE(codes); i++)
		if (status & codes[i].bit)
			return codes[i].code;
	return status ? 1 : 0;
}

size_t
lbd_tls_fact(const void *tls, enum lb_tls_fact what, char *buf, size_t len)
{
	gnutls_session_t s = (gnutls_session_t)(uintptr_t)tls;
	const char *t = NULL;

	switch (what) {
	case LB_TLS_FACT_SNI:
		return lbd_tls_sni(s, buf, len);
	case LB_TLS_FACT_ALPN:
		return lbd_tls_alpn(s, buf, len);
	case LB_TLS_FACT_C_S_DN:
		return lbd_tls_client_dn(s, buf, len);
	case LB_TLS_FACT_PROTOCOL:
		t = lbd_tls_version(s);
		break;
	case LB_TLS_FACT_CIPHER:
		t = lbd_tls_cipher(s);
		break;
	case LB_TLS_FACT_C_USED:
		t = lbd_tls_client_has_cert(s) ? "1" : "0";
		break;
	case LB_TLS_FACT_C_VERIFY: {
		int n = snprintf(buf, len, "%d", lbd_tls_client_verify(s));
		return n > 0 && (size_t)n < len ? (size_t)n : 0;
	}
	}
	if (!t)
		return 0;
	size_t l = LB_MIN(strlen(t), len);
	memcpy(buf, t, l);
	return l;
}

size_t
lbd_tls_client_dn(gnutls_session_t s, char *buf, size_t len)
{
	const gnutls_datum_t *certs;
	gnutls_x509_crt_t crt;
	unsigned n = 0;
	size_t l = len;

	gnutls_x509_dn_t dn;
	gnutls_x509_ava_st ava;
	size_t out = 0;

	(void)l;
	certs = gnutls_certificate_get_peers(s, &n);
	if (!certs || !n || gnutls_x509_crt_init(&crt) < 0)
		return 0;
	/* HAProxy's form: "/C=FR/O=Example/CN=name", in the certificate's order */
	if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) == 0 &&
	    gnutls_x509_crt_get_subject(crt, &dn) == 0) {
		for (int r = 0;; r++) {
			int a = 0;
			for (; gnutls_x509_dn_get_rdn_ava(dn, r, a, &ava) == 0; a++) {
				char oid[128];
				snprintf(oid, sizeof(oid), "%.*s", (int)ava.oid.size,
					 (const char *)ava.oid.data);
				const char *name = gnutls_x509_dn_oid_name(
					oid, GNUTLS_X509_DN_OID_RETURN_OID);
				int k = snprintf(buf + out, len - out, "/%s=%.*s", name,
						 (int)ava.value.size, (const char *)ava.value.data);
				if (k < 0 || (size_t)k >= len - out) {
					gnutls_x509_crt_deinit(crt);
					return 0;
				}
				out += (size_t)k;
			}
			if (!a)
				break;
		}
	}
	gnutls_x509_crt_deinit(crt);
	return out;
}

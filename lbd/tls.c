/* lbd/tls.c: the TLS transport of lbd connections (see tls.h) */
#include "tls.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "cfg_types.h"
#include "tls_priv.h"
#include "runtime_types.h"
#include "thread_types.h"
#include "tls_rsa.h"
#include "util.h"

#define ALPN_MAX 4
#define RECORD_MAX 16384	/* TLS plaintext record limit */

/* Certificates and SNI. Every certificate of a bind line ("crt" file, file of a "crt"
 * directory, "crt-list" line) has credentials of its own, and the names it answers for:
 * its DNS names, or the crt-list line's filters ("!name" filters exclude). After the
 * ClientHello, hello_hook() picks one - an exact name first, then a wildcard, else the
 * first certificate (or a refusal with strict-sni) - and applies that certificate's own
 * priority, ALPN and client-certificate settings when a crt-list line gave some.
 * Credentials are counted: a session holds a reference from hello_hook() to lbd_tls_free()
 * (kept with gnutls_db_set_ptr: lbd uses no session database), so "set ssl cert" can swap
 * a certificate's credentials while established sessions keep the old ones. */
struct lbd_tls_cred {
	gnutls_certificate_credentials_t gc;
	atomic_uint refs;
};

struct tls_cert {
	char *path;
	struct lbd_tls_cred *cred;	/* swapped under the bind's lock */
	const struct lb_cfg_bind_ssl *opts;	/* the crt-list line's, or the bind line's */
	gnutls_priority_t prio;		/* own (crt-list options), else NULL */
	gnutls_datum_t alpn[ALPN_MAX];
	unsigned nalpn;
	int verify;			/* enum lb_ssl_verify */
	bool ecdsa;			/* its key is ECDSA: only for clients that sign with it */
};

struct sni_name {
	char *name;			/* lower case: "a.test", "*.w.test" */
	unsigned cert;
	bool neg;			/* a "!name" filter: never this certificate */
};

struct lbd_tls_bind {
	gnutls_priority_t prio;
	struct lbd_tls_keys *keys;	/* tls-ticket-keys, else NULL */
	gnutls_datum_t ticket_key;	/* random, without tls-ticket-keys; .data NULL: none */
	gnutls_datum_t alpn[ALPN_MAX];	/* the bind line's (a crt-list line may have its own) */
	unsigned nalpn;
	struct tls_cert *certs;
	unsigned ncerts;
	struct sni_name *names;
	unsigned nnames;
	pthread_mutex_t lock;		/* certs[].cred */
	bool strict_sni;
};

/* ---- counted credentials ---- */

static struct lbd_tls_cred *
cred_new(void)
{
	struct lbd_tls_cred *c = lb_xcalloc(1, sizeof(*c));

	if (gnutls_certificate_allocate_credentials(&c->gc) < 0)
		abort();
	gnutls_certificate_set_flags(c->gc, GNUTLS_CERTIFICATE_API_V2);
	atomic_init(&c->refs, 1);
	return c;
}

void
lbd_tls_cred_ref(struct lbd_tls_cred *c)
{
	atomic_fetch_add(&c->refs, 1);
}

int
lbd_tls_cred_der(struct lbd_tls_cred *c, gnutls_datum_t *der, time_t *ocsp_exp)
{
	*ocsp_exp = gnutls_certificate_get_ocsp_expiration(c->gc, 0, 0, 0);
	return gnutls_certificate_get_crt_raw(c->gc, 0, 0, der);
}

void
lbd_tls_cred_unref(struct lbd_tls_cred *c)
{
	if (c && atomic_fetch_sub(&c->refs, 1) == 1) {
		gnutls_certificate_free_credentials(c->gc);
		free(c);
	}
}

/* ---- certificates ---- */

static void
add_name(struct lbd_tls_bind *tb, const char *name, size_t len, unsigned cert, bool neg)
{
	char *n = lb_xmalloc(len + 1);

	for (size_t i = 0; i < len; i++)
		n[i] = (char)tolower((unsigned char)name[i]);
	n[len] = 0;
	tb->names = lb_xrealloc(tb->names, (tb->nnames + 1) * sizeof(*tb->names));
	tb->names[tb->nnames++] = (struct sni_name){ .name = n, .cert = cert, .neg = neg };
}

/* The DNS names of a certificate (subjectAltName, else the CN). */
static void
collect_names(struct lbd_tls_bind *tb, gnutls_certificate_credentials_t gc, unsigned cert)
{
	gnutls_datum_t der;
	gnutls_x509_crt_t crt;
	char buf[512];
	bool any = false;

	if (gnutls_certificate_get_crt_raw(gc, 0, 0, &der) < 0)
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
				add_name(tb, buf, len, cert, false);
				any = true;
			}
		}
		size_t len = sizeof(buf);
		if (!any && gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0,
							  buf, &len) == 0)
			add_name(tb, buf, len, cert, false);
	}
	gnutls_x509_crt_deinit(crt);
}

static bool
cert_is_ecdsa(gnutls_certificate_credentials_t gc)
{
	gnutls_datum_t der;
	gnutls_x509_crt_t crt;
	bool ecdsa = false;

	if (gnutls_certificate_get_crt_raw(gc, 0, 0, &der) < 0 || gnutls_x509_crt_init(&crt) < 0)
		return false;
	if (gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER) == 0)
		ecdsa = gnutls_x509_crt_get_pk_algorithm(crt, NULL) == GNUTLS_PK_ECDSA;
	gnutls_x509_crt_deinit(crt);
	return ecdsa;
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
verify_client(gnutls_session_t s)
{
	unsigned status = 0, n = 0;

	if (!gnutls_certificate_get_peers(s, &n) || !n)
		return 0;	/* none sent: GNUTLS_CERT_REQUIRE refuses that where needed */
	if (gnutls_certificate_verify_peers2(s, &status) < 0 || status)
		return -1;	/* the handshake fails with a bad_certificate alert */
	return 0;
}

static bool rsa_kx_allowed(const char *priority);

/* Loads a certificate file and its key into c: an RSA key signs through libcrypto when
 * rsa_ext (lbd/tls_rsa.h), anything else through GnuTLS. Returns GnuTLS's index or error. */
static int
load_key_file(bool rsa_ext, gnutls_certificate_credentials_t c, const char *path,
	      const char *key)
{
	int idx;

	if (rsa_ext && lbd_tls_rsa_load(c, path, key, &idx))
		return idx;
	return gnutls_certificate_set_x509_key_file2(c, path, key, GNUTLS_X509_FMT_PEM, NULL, 0);
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

/* Credentials of one certificate: from pem (a PEM in memory: certificate, chain and key)
 * or else from the file path (its key in it or beside it), with the client-certificate
 * settings of opts and the OCSP response "<path>.ocsp" when there is one. NULL with
 * *errmsg. */
struct lbd_tls_cred *
lbd_tls_cred_load(const char *path, const gnutls_datum_t *pem,
		  const struct lb_cfg_bind_ssl *opts, char **errmsg)
{
	struct lbd_tls_cred *c = cred_new();
	char *key = NULL;
	int rc;

	if (pem) {
		rc = gnutls_certificate_set_x509_key_mem2(c->gc, pem, pem, GNUTLS_X509_FMT_PEM,
							  NULL, 0);
	} else {
		/* a line allowing the static RSA key exchange needs GnuTLS's own RSA keys */
		bool rsa_ext = !rsa_kx_allowed(opts && opts->priority ? opts->priority
								      : "NORMAL");
		rc = load_key_file(rsa_ext, c->gc, path, path);
		if (rc < 0 && (key = side_key(path)) != NULL)
			rc = load_key_file(rsa_ext, c->gc, path, key);
		free(key);
	}
	if (rc < 0 && pem) {
		*errmsg = lb_xasprintf("%s (the certificate, its chain and its private key in one "
				       "PEM are expected)", gnutls_strerror(rc));
		goto fail;
	}
	if (rc < 0) {
		*errmsg = lb_xasprintf("crt '%s': %s (a PEM file with the certificate, its chain "
				       "and its private key is expected, or the key in a '.key' file "
				       "beside it)", path, gnutls_strerror(rc));
		goto fail;
	}
	if (cred_client_auth(c->gc, opts, errmsg) < 0)
		goto fail;
	lbd_tls_ocsp_load(c->gc, path);
	return c;
fail:
	lbd_tls_cred_unref(c);
	return NULL;
}

/* "http/1.1,http/1.0" into out[ALPN_MAX], pointing into list (the configuration keeps it
 * as long as lbd runs on it). Returns how many. */
static unsigned
parse_alpn(const char *list, gnutls_datum_t *out)
{
	unsigned n = 0;

	for (const char *p = list; p && *p && n < ALPN_MAX;) {
		size_t l = strcspn(p, ",");
		if (l) {
			out[n].data = (unsigned char *)(uintptr_t)p;
			out[n++].size = (unsigned)l;
		}
		p += l + (p[l] ? 1 : 0);
	}
	return n;
}

static int
add_cert(struct lbd_tls_bind *tb, const char *path, const struct lb_cfg_crt *crt,
	 const struct lb_cfg_bind_ssl *bind, char **errmsg)
{
	const struct lb_cfg_bind_ssl *o = crt->opts ? crt->opts : bind;
	struct lbd_tls_cred *c = lbd_tls_cred_load(path, NULL, o, errmsg);
	struct tls_cert *tc;
	unsigned idx = tb->ncerts;
	bool positive = false;
	int rc;

	if (!c)
		return -1;
	tb->certs = lb_xrealloc(tb->certs, (idx + 1) * sizeof(*tb->certs));
	tc = &tb->certs[tb->ncerts++];
	*tc = (struct tls_cert){ .path = lb_xstrdup(path), .cred = c, .opts = o,
				 .verify = o->verify };
	for (int i = 0; i < crt->nfilters; i++) {
		const char *f = crt->filters[i];
		bool neg = f[0] == '!';
		add_name(tb, f + neg, strlen(f + neg), idx, neg);
		positive |= !neg;
	}
	if (!positive)
		collect_names(tb, c->gc, idx);
	tc->ecdsa = cert_is_ecdsa(c->gc);
	if (!crt->opts)
		return 0;
	rc = gnutls_priority_init(&tc->prio, o->priority, NULL);
	if (rc < 0) {
		*errmsg = lb_xasprintf("%s:%d: GnuTLS refuses the priority string '%s': %s",
				       crt->pos.file, crt->pos.line, o->priority,
				       gnutls_strerror(rc));
		return -1;
	}
	tc->nalpn = parse_alpn(o->alpn, tc->alpn);
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
load_dir(struct lbd_tls_bind *tb, const struct lb_cfg_crt *crt,
	 const struct lb_cfg_bind_ssl *bind, char **errmsg)
{
	DIR *d = opendir(crt->path);
	struct dirent *e;
	char **files = NULL;
	size_t n = 0;
	int rc = 0;

	if (!d) {
		*errmsg = lb_xasprintf("crt '%s': %s", crt->path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		struct stat st;
		char *p;
		if (skipped_file(e->d_name))
			continue;
		p = lb_xasprintf("%s/%s", crt->path, e->d_name);
		if (stat(p, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(p);
			continue;
		}
		files = lb_xrealloc(files, (n + 1) * sizeof(*files));
		files[n++] = p;
	}
	closedir(d);
	qsort(files, n, sizeof(*files), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (!rc && add_cert(tb, files[i], crt, bind, errmsg) < 0)
			rc = -1;
		free(files[i]);
	}
	free(files);
	if (!rc && !n) {
		*errmsg = lb_xasprintf("crt '%s': no certificate file in this directory", crt->path);
		rc = -1;
	}
	return rc;
}

/* ---- picking the certificate ---- */

static bool
name_matches(const char *pat, const char *name)
{
	if (pat[0] == '*' && pat[1] == '.') {
		const char *dot = strchr(name, '.');
		return dot && dot != name && !strcasecmp(dot, pat + 1);
	}
	return !strcasecmp(pat, name);
}

static bool
excluded(const struct lbd_tls_bind *tb, unsigned cert, const char *name)
{
	for (unsigned i = 0; i < tb->nnames; i++)
		if (tb->names[i].neg && tb->names[i].cert == cert &&
		    name_matches(tb->names[i].name, name))
			return true;
	return false;
}

/* What the ClientHello says (before GnuTLS reads it). */
struct hello {
	char name[256];			/* SNI, "" when none */
	bool ecdsa;			/* it accepts ECDSA signatures */
};

/* The certificate for the SNI: exact names first, then wildcards, in the order they were
 * declared, preferring among certificates for one name one whose key the client can use
 * (an ECDSA and an RSA certificate for one name, as HAProxy's multi-cert bundles); -1 when
 * none. */
static int
pick_cert(const struct lbd_tls_bind *tb, const struct hello *h)
{
	for (int wild = 0; wild < 2; wild++) {
		int first = -1;
		for (unsigned i = 0; i < tb->nnames; i++) {
			const struct sni_name *n = &tb->names[i];
			if (n->neg || (n->name[0] == '*') != wild ||
			    !name_matches(n->name, h->name) || excluded(tb, n->cert, h->name))
				continue;
			if (!tb->certs[n->cert].ecdsa || h->ecdsa)
				return (int)n->cert;
			if (first < 0)
				first = (int)n->cert;
		}
		if (first >= 0)
			return first;
	}
	return -1;
}

static int
use_cert(gnutls_session_t s, struct lbd_tls_bind *tb, struct tls_cert *tc)
{
	struct lbd_tls_cred *c, *old = gnutls_db_get_ptr(s);
	int rc;

	pthread_mutex_lock(&tb->lock);
	c = tc->cred;
	lbd_tls_cred_ref(c);
	pthread_mutex_unlock(&tb->lock);
	gnutls_db_set_ptr(s, c);
	lbd_tls_cred_unref(old);	/* a second ClientHello (HelloRetryRequest) */
	rc = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, c->gc);
	if (rc >= 0 && tc->prio)
		rc = gnutls_priority_set(s, tc->prio);
	if (rc >= 0 && tc->nalpn)
		rc = gnutls_alpn_set_protocols(s, tc->alpn, tc->nalpn,
					       GNUTLS_ALPN_SERVER_PRECEDENCE);
	if (tc->verify != LB_SSL_VERIFY_NONE)
		gnutls_certificate_server_set_request(s, tc->verify == LB_SSL_VERIFY_REQUIRED
								 ? GNUTLS_CERT_REQUIRE
								 : GNUTLS_CERT_REQUEST);
	else
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_IGNORE);
	return rc < 0 ? rc : 0;
}

/* The signature_algorithms extension (RFC 8446 4.2.3): does an ECDSA scheme appear? */
static void
sigalgs_ext(struct hello *h, const unsigned char *d, unsigned n)
{
	unsigned len = n >= 2 ? ((unsigned)d[0] << 8 | d[1]) : 0;

	for (unsigned i = 2; i + 1 < n && i < 2 + len; i += 2)
		if (d[i + 1] == 0x03 && d[i] >= 0x02 && d[i] <= 0x06)	/* ecdsa_*_sha* */
			h->ecdsa = true;
}

/* The server_name extension of a ClientHello (RFC 6066: a list of typed names), and the
 * signature algorithms. */
static int
hello_ext(void *ctx, unsigned tls_id, const unsigned char *d, unsigned n)
{
	struct hello *h = ctx;
	char *name = h->name;
	const unsigned char *p = d + 2, *end;

	if (tls_id == 13)
		sigalgs_ext(h, d, n);
	if (tls_id != 0 || n < 2)
		return 0;
	end = d + 2 + ((unsigned)d[0] << 8 | d[1]);
	if (end > d + n)
		return 0;
	while (p + 3 <= end) {
		unsigned type = p[0], len = (unsigned)p[1] << 8 | p[2];
		p += 3;
		if (p + len > end)
			break;
		if (type == 0 && len && len < 256) {	/* host_name */
			memcpy(name, p, len);
			name[len] = 0;
			break;
		}
		p += len;
	}
	return 0;
}

/* Before GnuTLS reads the ClientHello: the certificate for its SNI, else the first one
 * (strict-sni: refused). It must be chosen this early because GnuTLS settles the version
 * and ALPN while reading the message, and a crt-list line may change both. */
static int
hello_hook(gnutls_session_t s, unsigned htype, unsigned when, unsigned incoming,
	   const gnutls_datum_t *msg)
{
	struct lbd_tls_bind *tb = gnutls_session_get_ptr(s);
	struct hello h = { .name = "" };
	int idx = -1;

	if (htype != GNUTLS_HANDSHAKE_CLIENT_HELLO || when != GNUTLS_HOOK_PRE || !incoming)
		return 0;
	gnutls_ext_raw_parse(&h, hello_ext, msg, GNUTLS_EXT_RAW_FLAG_TLS_CLIENT_HELLO);
	if (h.name[0])
		idx = pick_cert(tb, &h);
	if (idx < 0 && tb->strict_sni)
		return GNUTLS_E_UNRECOGNIZED_NAME;
	return use_cert(s, tb, &tb->certs[idx < 0 ? 0 : idx]);
}

/* ---- a bind line's context ---- */

/* The static RSA key exchange decrypts with the private key: an external key cannot do
 * that in constant time (tls_rsa.h), so a priority allowing it keeps GnuTLS's keys. (A
 * string GnuTLS refuses is reported when the line's priority is set up.) */
static bool
rsa_kx_allowed(const char *priority)
{
	gnutls_priority_t prio;
	const unsigned *kx;
	bool allowed = false;
	int n;

	if (gnutls_priority_init(&prio, priority, NULL) < 0)
		return true;
	n = gnutls_priority_kx_list(prio, &kx);
	for (int i = 0; i < n; i++)
		allowed |= kx[i] == GNUTLS_KX_RSA || kx[i] == GNUTLS_KX_RSA_PSK;
	gnutls_priority_deinit(prio);
	return allowed;
}

struct lbd_tls_bind *
lbd_tls_bind_new(const struct lb_cfg_bind_ssl *cfg, char **errmsg)
{
	struct lbd_tls_bind *tb = lb_xcalloc(1, sizeof(*tb));
	const char *errpos = NULL;
	int rc;

	pthread_mutex_init(&tb->lock, NULL);
	tb->strict_sni = cfg->strict_sni;
	for (const struct lb_cfg_crt *c = cfg->crts; c; c = c->next) {
		struct stat st;
		if (stat(c->path, &st) < 0) {
			*errmsg = lb_xasprintf("crt '%s': %s", c->path, strerror(errno));
			goto fail;
		}
		if ((S_ISDIR(st.st_mode) ? load_dir(tb, c, cfg, errmsg)
					 : add_cert(tb, c->path, c, cfg, errmsg)) < 0)
			goto fail;
	}
	rc = gnutls_priority_init(&tb->prio, cfg->priority ? cfg->priority : "NORMAL", &errpos);
	if (rc < 0) {
		*errmsg = lb_xasprintf("GnuTLS refuses the priority string '%s'%s%s: %s",
				       cfg->priority, errpos ? " at " : "", errpos ? errpos : "",
				       gnutls_strerror(rc));
		goto fail;
	}
	if (!cfg->no_tickets && cfg->ticket_keys) {
		tb->keys = lbd_tls_keys_get(cfg->ticket_keys, errmsg);
		if (!tb->keys)
			goto fail;
	} else if (!cfg->no_tickets && gnutls_session_ticket_key_generate(&tb->ticket_key) < 0) {
		goto oom;
	}
	/* the certificates array no longer moves: the store may point into it */
	for (unsigned i = 0; i < tb->ncerts; i++)
		lbd_tls_store_register(tb->certs[i].path, &tb->certs[i].cred, &tb->lock,
				       tb->certs[i].opts);
	tb->nalpn = parse_alpn(cfg->alpn, tb->alpn);
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
	if (tb->prio)
		gnutls_priority_deinit(tb->prio);
	lbd_tls_keys_put(tb->keys);
	if (tb->ticket_key.data) {
		gnutls_memset(tb->ticket_key.data, 0, tb->ticket_key.size);
		gnutls_free(tb->ticket_key.data);
	}
	for (unsigned i = 0; i < tb->ncerts; i++) {
		lbd_tls_store_unregister(&tb->certs[i].cred);
		lbd_tls_cred_unref(tb->certs[i].cred);
		if (tb->certs[i].prio)
			gnutls_priority_deinit(tb->certs[i].prio);
		free(tb->certs[i].path);
	}
	free(tb->certs);
	for (unsigned i = 0; i < tb->nnames; i++)
		free(tb->names[i].name);
	free(tb->names);
	pthread_mutex_destroy(&tb->lock);
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

/* Session tickets are on for this bind line (tls-ticket-keys, or a key of its own). */
static bool
tickets_on(const struct lbd_tls_bind *tb)
{
	return tb->keys || tb->ticket_key.data;
}

gnutls_session_t
lbd_tls_accept(struct lbd_tls_bind *tb, int fd)
{
	unsigned char key[LBD_TLS_MASTER_KEY_LEN];
	gnutls_datum_t kd = { key, sizeof(key) };
	gnutls_session_t s;
	int rc;

	/* TLS 1.3 tickets are sent by lbd after the handshake (lbd_tls_send_tickets): GnuTLS
	 * would send two even after a resumption, where one does */
	if (gnutls_init(&s, GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL |
			(tickets_on(tb) ? GNUTLS_NO_AUTO_SEND_TICKET : 0)) < 0)
		return NULL;
	if (gnutls_priority_set(s, tb->prio) < 0)
		goto fail;
	if (tb->keys) {
		lbd_tls_keys_master(tb->keys, key);	/* GnuTLS copies it */
		rc = gnutls_session_ticket_enable_server(s, &kd);
		gnutls_memset(key, 0, sizeof(key));
		if (rc < 0)
			goto fail;
	} else if (tb->ticket_key.data &&
		   gnutls_session_ticket_enable_server(s, &tb->ticket_key) < 0) {
		goto fail;
	}
	if (tb->nalpn &&
	    gnutls_alpn_set_protocols(s, tb->alpn, tb->nalpn, GNUTLS_ALPN_SERVER_PRECEDENCE) < 0)
		goto fail;
	gnutls_session_set_ptr(s, tb);
	gnutls_handshake_set_hook_function(s, GNUTLS_HANDSHAKE_CLIENT_HELLO, GNUTLS_HOOK_PRE,
					   hello_hook);
	gnutls_transport_set_int(s, fd);
	gnutls_handshake_set_timeout(s, 0);	/* timeout client-hs bounds it (stream.c) */
	return s;
fail:
	gnutls_deinit(s);
	return NULL;
}

bool
lbd_tls_tickets_due(gnutls_session_t s)
{
	const struct lbd_tls_bind *tb = gnutls_session_get_ptr(s);

	return tb && tickets_on(tb) && gnutls_protocol_get_version(s) == GNUTLS_TLS1_3;
}

int
lbd_tls_send_tickets(gnutls_session_t s)
{
	/* two after a full handshake (a client may open two connections at once), one after
	 * a resumption, as OpenSSL does */
	int rc = gnutls_session_ticket_send(s, gnutls_session_is_resumed(s) ? 1 : 2, 0);

	if (rc == GNUTLS_E_SUCCESS)
		return LBD_TLS_HS_DONE;
	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED)
		return LBD_TLS_HS_WRITE;
	return LBD_TLS_HS_FAILED;
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
	struct lbd_tls_cred *c = gnutls_db_get_ptr(s);

	gnutls_bye(s, GNUTLS_SHUT_WR);
	gnutls_deinit(s);
	lbd_tls_cred_unref(c);	/* after the session that used it */
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

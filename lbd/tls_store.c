/* lbd/tls_store.c: the certificates of bind lines by file, and HAProxy's transaction to
 * replace one at run time ("set ssl cert", "commit ssl cert", "abort ssl cert", "show ssl
 * cert")
 *
 * Each certificate file loaded by a bind line (crt, a file of a crt directory, a crt-list
 * line) has an entry here with every slot that holds credentials made from it; the same
 * file on several bind lines is one entry. Built on the main thread at load time and used
 * by the control socket on the same thread; worker threads read the slots at each
 * handshake, so a commit swaps them under their bind line's lock. A commit builds every
 * slot's new credentials first (with that slot's client-certificate settings and the
 * "<file>.ocsp" beside the file, stapled only if it matches the new certificate) and swaps
 * only when all built; the old credentials live on until their last session ends (tls.c
 * counts them). The names a certificate answers for (SNI) stay those it was loaded with;
 * the new PEM is kept in memory (the file on disk is not written), so a reload reads the
 * file again, as in HAProxy.
 */
#include "tls_priv.h"
#include "tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/x509.h>

#include "base64.h"
#include "ctl_proto.h"
#include "util.h"

#define PEM_MAX (LB_CTL_MAX_ARGS * LB_CTL_MAX_ARG_LEN)

struct store_slot {
	struct lbd_tls_cred **slot;
	pthread_mutex_t *lock;
	const struct lb_cfg_bind_ssl *opts;
};

struct store_entry {
	struct store_entry *next;
	char *path;
	struct store_slot *slots;
	unsigned nslots;
	gnutls_datum_t pending;		/* the transaction's PEM; .data NULL: none */
};

static struct store_entry *store;

void
lbd_tls_store_register(const char *path, struct lbd_tls_cred **slot, pthread_mutex_t *lock,
		       const struct lb_cfg_bind_ssl *opts)
{
	struct store_entry *e;

	for (e = store; e && strcmp(e->path, path); e = e->next)
		;
	if (!e) {
		e = lb_xcalloc(1, sizeof(*e));
		e->path = lb_xstrdup(path);
		e->next = store;
		store = e;
	}
	e->slots = lb_xrealloc(e->slots, (e->nslots + 1) * sizeof(*e->slots));
	e->slots[e->nslots++] = (struct store_slot){ slot, lock, opts };
}

void
lbd_tls_store_unregister(struct lbd_tls_cred **slot)
{
	for (struct store_entry **pe = &store, *e; (e = *pe);) {
		for (unsigned i = 0; i < e->nslots; i++)
			if (e->slots[i].slot == slot)
				e->slots[i--] = e->slots[--e->nslots];
		if (e->nslots) {
			pe = &e->next;
			continue;
		}
		*pe = e->next;
		gnutls_free(e->pending.data);
		free(e->slots);
		free(e->path);
		free(e);
	}
}

/* ---- the control socket ---- */

static struct store_entry *
find(const char *path)
{
	struct store_entry *e;

	for (e = store; e && strcmp(e->path, path); e = e->next)
		;
	return e;
}

static int
not_found(const char *path, char *msg, size_t msglen)
{
	snprintf(msg, msglen, "'%s' is not a certificate file of a bind line (show ssl cert "
		 "lists them)", path);
	return LB_CTL_ST_NOT_FOUND;
}

/* set ssl cert <file> <base64 pieces...> */
int
lbd_tls_store_ctl_set(int argc, char **argv, char *msg, size_t msglen)
{
	struct store_entry *e = find(argv[0]);
	struct lbd_tls_cred *check;
	gnutls_datum_t pem;
	size_t total = 0;
	long n;
	char *b64, *err = NULL;
	bool update;

	if (!e)
		return not_found(argv[0], msg, msglen);
	for (int i = 1; i < argc; i++)
		total += strlen(argv[i]);
	b64 = lb_xmalloc(total + 1);
	total = 0;
	for (int i = 1; i < argc; i++) {
		size_t l = strlen(argv[i]);
		memcpy(b64 + total, argv[i], l);
		total += l;
	}
	pem.data = gnutls_malloc(total * 3 / 4 + 4);
	if (!pem.data)
		abort();
	n = lb_base64_decode(b64, total, pem.data);
	free(b64);
	if (n <= 0) {
		gnutls_free(pem.data);
		snprintf(msg, msglen, "the certificate must come as base64 pieces of a PEM (lbctl "
			 "set ssl cert <file> <local PEM file> does that)");
		return LB_CTL_ST_USAGE;
	}
	pem.size = (unsigned)n;
	/* certificate and key must load and belong together (GnuTLS checks the pair) */
	check = lbd_tls_cred_load(argv[0], &pem, e->slots[0].opts, &err);
	if (!check) {
		snprintf(msg, msglen, "unable to load the certificate: %s", err);
		free(err);
		gnutls_free(pem.data);
		return LB_CTL_ST_FAILED;
	}
	lbd_tls_cred_unref(check);
	update = e->pending.data != NULL;
	gnutls_free(e->pending.data);
	e->pending = pem;
	snprintf(msg, msglen, "Transaction %s for certificate %s!", update ? "updated" : "created",
		 e->path);
	return LB_CTL_ST_OK;
}

int
lbd_tls_store_ctl_commit(int argc, char **argv, char *msg, size_t msglen)
{
	struct store_entry *e = find(argv[0]);
	struct lbd_tls_cred **fresh;
	char *err = NULL;

	(void)argc;
	if (!e)
		return not_found(argv[0], msg, msglen);
	if (!e->pending.data) {
		snprintf(msg, msglen, "no ongoing transaction for '%s' (set ssl cert opens one)",
			 e->path);
		return LB_CTL_ST_FAILED;
	}
	fresh = lb_xcalloc(e->nslots, sizeof(*fresh));
	for (unsigned i = 0; i < e->nslots; i++) {
		fresh[i] = lbd_tls_cred_load(e->path, &e->pending, e->slots[i].opts, &err);
		if (!fresh[i]) {
			snprintf(msg, msglen, "Committing %s: failed: %s", e->path, err);
			free(err);
			while (i--)
				lbd_tls_cred_unref(fresh[i]);
			free(fresh);
			return LB_CTL_ST_FAILED;
		}
	}
	for (unsigned i = 0; i < e->nslots; i++) {
		struct lbd_tls_cred *old;
		pthread_mutex_lock(e->slots[i].lock);
		old = *e->slots[i].slot;
		*e->slots[i].slot = fresh[i];
		pthread_mutex_unlock(e->slots[i].lock);
		lbd_tls_cred_unref(old);	/* freed with its last session */
	}
	free(fresh);
	gnutls_free(e->pending.data);
	e->pending.data = NULL;
	snprintf(msg, msglen, "Committing %s: Success!", e->path);
	return LB_CTL_ST_OK;
}

int
lbd_tls_store_ctl_abort(int argc, char **argv, char *msg, size_t msglen)
{
	struct store_entry *e = find(argv[0]);

	(void)argc;
	if (!e)
		return not_found(argv[0], msg, msglen);
	if (!e->pending.data) {
		snprintf(msg, msglen, "no ongoing transaction for '%s'", e->path);
		return LB_CTL_ST_FAILED;
	}
	gnutls_free(e->pending.data);
	e->pending.data = NULL;
	snprintf(msg, msglen, "Transaction aborted for certificate '%s'!", e->path);
	return LB_CTL_ST_OK;
}

static void
pack_row(msgpack_packer *pk, const char *field, const char *value)
{
	msgpack_pack_map(pk, 2);
	lb_ctl_pack_kv_str(pk, "field", field);
	lb_ctl_pack_kv_str(pk, "value", value);
}

static void
fmt_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (t == (time_t)-1 || !gmtime_r(&t, &tm) ||
	    !strftime(buf, len, "%b %d %H:%M:%S %Y GMT", &tm))
		snprintf(buf, len, "-");
}

/* The rows of one certificate (HAProxy's field names); ocsp: the staple's expiry, 0 none,
 * -1 not asked (a transaction). */
#define CERT_ROWS 10
static void
pack_cert(msgpack_packer *pk, const char *path, const char *status, gnutls_x509_crt_t crt,
	  time_t ocsp)
{
	unsigned char raw[64];
	char buf[1024], hex[3 * sizeof(raw) + 1];
	gnutls_datum_t dn;
	size_t len = sizeof(raw);
	unsigned bits = 0;
	int algo;

	msgpack_pack_array(pk, CERT_ROWS + (ocsp >= 0));
	pack_row(pk, "Filename", path);
	pack_row(pk, "Status", status);
	hex[0] = 0;
	if (gnutls_x509_crt_get_serial(crt, raw, &len) == 0)
		for (size_t i = 0; i < len && i < sizeof(raw); i++)
			snprintf(hex + 2 * i, 3, "%02X", raw[i]);
	pack_row(pk, "Serial", hex);
	fmt_time(gnutls_x509_crt_get_activation_time(crt), buf, sizeof(buf));
	pack_row(pk, "notBefore", buf);
	fmt_time(gnutls_x509_crt_get_expiration_time(crt), buf, sizeof(buf));
	pack_row(pk, "notAfter", buf);
	buf[0] = 0;
	for (unsigned seq = 0;; seq++) {
		char name[256];
		size_t nl = sizeof(name) - 1, used = strlen(buf);
		int t = gnutls_x509_crt_get_subject_alt_name(crt, seq, name, &nl, NULL);
		if (t == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (t == GNUTLS_SAN_DNSNAME) {
			name[nl] = 0;
			snprintf(buf + used, sizeof(buf) - used, "%sDNS:%s", used ? ", " : "", name);
		}
	}
	pack_row(pk, "Subject Alternative Name", buf);
	algo = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
	snprintf(buf, sizeof(buf), "%s%u", algo == GNUTLS_PK_RSA ? "RSA" :
		 algo == GNUTLS_PK_ECDSA ? "EC" : gnutls_pk_algorithm_get_name(algo), bits);
	pack_row(pk, "Algorithm", buf);
	len = sizeof(raw);
	hex[0] = 0;
	if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA1, raw, &len) == 0)
		for (size_t i = 0; i < len && i < sizeof(raw); i++)
			snprintf(hex + 2 * i, 3, "%02X", raw[i]);
	pack_row(pk, "SHA1 FingerPrint", hex);
	if (gnutls_x509_crt_get_dn3(crt, &dn, 0) == 0) {
		snprintf(buf, sizeof(buf), "%.*s", (int)dn.size, (const char *)dn.data);
		gnutls_free(dn.data);
	} else {
		buf[0] = 0;
	}
	pack_row(pk, "Subject", buf);
	if (gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0) == 0) {
		snprintf(buf, sizeof(buf), "%.*s", (int)dn.size, (const char *)dn.data);
		gnutls_free(dn.data);
	} else {
		buf[0] = 0;
	}
	pack_row(pk, "Issuer", buf);
	if (ocsp >= 0) {
		char when[64];
		fmt_time(ocsp, when, sizeof(when));
		if (ocsp > 0)
			snprintf(buf, sizeof(buf), "stapled, next update %s", when);
		pack_row(pk, "OCSP Response", ocsp > 0 ? buf : "none");
	}
}

/* show ssl cert [<file>|*<file>] */
int
lbd_tls_store_ctl_show(int argc, char **argv, msgpack_packer *pk, char *msg, size_t msglen)
{
	const char *ref = argc ? argv[0] : NULL;
	bool want_pending = ref && ref[0] == '*';
	struct store_entry *e;
	gnutls_x509_crt_t crt;
	gnutls_datum_t der;
	unsigned n = 0;
	int rc;

	if (!ref) {
		for (e = store; e; e = e->next)
			n++;
		msgpack_pack_array(pk, n);
		for (e = store; e; e = e->next) {
			char name[4096];
			snprintf(name, sizeof(name), "%s%s", e->pending.data ? "*" : "", e->path);
			msgpack_pack_map(pk, 2);
			lb_ctl_pack_kv_str(pk, "file", name);
			lb_ctl_pack_kv_u64(pk, "bind_lines", e->nslots);
		}
		return LB_CTL_ST_OK;
	}
	e = find(ref + want_pending);
	if (!e)
		return not_found(ref + want_pending, msg, msglen);
	if (want_pending && !e->pending.data) {
		snprintf(msg, msglen, "no ongoing transaction for '%s'", e->path);
		return LB_CTL_ST_NOT_FOUND;
	}
	if (gnutls_x509_crt_init(&crt) < 0)
		abort();
	if (want_pending) {
		rc = gnutls_x509_crt_import(crt, &e->pending, GNUTLS_X509_FMT_PEM);
		if (rc == 0)
			pack_cert(pk, e->path, "Uncommitted", crt, -1);
	} else {
		struct lbd_tls_cred *c;
		time_t ocsp;
		pthread_mutex_lock(e->slots[0].lock);
		c = *e->slots[0].slot;
		lbd_tls_cred_ref(c);
		pthread_mutex_unlock(e->slots[0].lock);
		rc = lbd_tls_cred_der(c, &der, &ocsp);
		if (rc == 0)
			rc = gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER);
		if (rc == 0)
			pack_cert(pk, e->path, "Used", crt, ocsp > 0 ? ocsp : 0);
		lbd_tls_cred_unref(c);
	}
	gnutls_x509_crt_deinit(crt);
	if (rc < 0) {
		snprintf(msg, msglen, "%s: %s", e->path, gnutls_strerror(rc));
		return LB_CTL_ST_FAILED;
	}
	return LB_CTL_ST_OK;
}

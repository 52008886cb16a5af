/* lbd/tls_rsa.c: RSA signatures of bind certificates through libcrypto (see tls_rsa.h) */
#include "config.h"

#include "tls_rsa.h"

#ifdef HAVE_LIBCRYPTO_RSA

#include <string.h>

#include <gnutls/abstract.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#define CHAIN_MAX 16	/* certificates in one file's chain */

/* The signature algorithms GnuTLS may ask of an RSA key, as libcrypto makes them. PSS
 * salts are as long as the digest (RFC 8446 4.2.3); RSA_RAW (TLS 1.0 and 1.1) signs the
 * DigestInfo GnuTLS built, PKCS#1 v1.5 padded. */
static const struct rsa_sig {
	gnutls_sign_algorithm_t algo;
	const char *md;		/* NULL: raw */
	bool pss;
} rsa_sigs[] = {
	{ GNUTLS_SIGN_RSA_PSS_RSAE_SHA256, "SHA256", true },
	{ GNUTLS_SIGN_RSA_PSS_RSAE_SHA384, "SHA384", true },
	{ GNUTLS_SIGN_RSA_PSS_RSAE_SHA512, "SHA512", true },
	{ GNUTLS_SIGN_RSA_SHA256, "SHA256", false },
	{ GNUTLS_SIGN_RSA_SHA384, "SHA384", false },
	{ GNUTLS_SIGN_RSA_SHA512, "SHA512", false },
	{ GNUTLS_SIGN_RSA_SHA224, "SHA224", false },
	{ GNUTLS_SIGN_RSA_SHA1, "SHA1", false },
	{ GNUTLS_SIGN_RSA_RAW, NULL, false },
};

static const struct rsa_sig *
find_sig(gnutls_sign_algorithm_t algo)
{
	for (size_t i = 0; i < sizeof(rsa_sigs) / sizeof(rsa_sigs[0]); i++)
		if (rsa_sigs[i].algo == algo)
			return &rsa_sigs[i];
	return NULL;
}

static int
set_padding(EVP_PKEY_CTX *pctx, const struct rsa_sig *sig)
{
	if (!sig->pss)
		return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0 ? 0 : -1;
	if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0)
		return -1;
	return 0;
}

/* Moves a libcrypto signature into a gnutls_malloc()ed datum, as GnuTLS frees it. */
static int
sig_out(const unsigned char *der, size_t len, gnutls_datum_t *signature)
{
	signature->data = gnutls_malloc(len);
	if (!signature->data)
		return GNUTLS_E_MEMORY_ERROR;
	memcpy(signature->data, der, len);
	signature->size = (unsigned)len;
	return 0;
}

/* TLS 1.2 and 1.3 handshakes: the data to hash and sign */
static int
sign_data(gnutls_privkey_t key, gnutls_sign_algorithm_t algo, void *userdata,
	  unsigned flags, const gnutls_datum_t *data, gnutls_datum_t *signature)
{
	const struct rsa_sig *sig = find_sig(algo);
	unsigned char out[1024];	/* up to RSA-8192 */
	size_t len = sizeof(out);
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *md;
	int rc = GNUTLS_E_PK_SIGN_FAILED;

	(void)key;
	(void)flags;
	if (!sig || !sig->md)
		return GNUTLS_E_UNSUPPORTED_SIGNATURE_ALGORITHM;
	md = EVP_MD_CTX_new();
	if (!md)
		return GNUTLS_E_MEMORY_ERROR;
	if (EVP_DigestSignInit_ex(md, &pctx, sig->md, NULL, NULL, userdata, NULL) > 0 &&
	    set_padding(pctx, sig) == 0 &&
	    EVP_DigestSign(md, out, &len, data->data, data->size) > 0)
		rc = sig_out(out, len, signature);
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return rc;
}

/* A digest GnuTLS made (RSA_RAW: TLS 1.0/1.1's DigestInfo) */
static int
sign_hash(gnutls_privkey_t key, gnutls_sign_algorithm_t algo, void *userdata,
	  unsigned flags, const gnutls_datum_t *hash, gnutls_datum_t *signature)
{
	const struct rsa_sig *sig = find_sig(algo);
	unsigned char out[1024];
	size_t len = sizeof(out);
	EVP_PKEY_CTX *pctx;
	int rc = GNUTLS_E_PK_SIGN_FAILED;

	(void)key;
	(void)flags;
	if (!sig)
		return GNUTLS_E_UNSUPPORTED_SIGNATURE_ALGORITHM;
	pctx = EVP_PKEY_CTX_new_from_pkey(NULL, userdata, NULL);
	if (!pctx)
		return GNUTLS_E_MEMORY_ERROR;
	if (EVP_PKEY_sign_init(pctx) > 0 && set_padding(pctx, sig) == 0 &&
	    (!sig->md || EVP_PKEY_CTX_set_signature_md(pctx, EVP_get_digestbyname(sig->md)) > 0) &&
	    EVP_PKEY_sign(pctx, out, &len, hash->data, hash->size) > 0)
		rc = sig_out(out, len, signature);
	EVP_PKEY_CTX_free(pctx);
	ERR_clear_error();
	return rc;
}

static int
key_info(gnutls_privkey_t key, unsigned flags, void *userdata)
{
	(void)key;
	if (flags & GNUTLS_PRIVKEY_INFO_PK_ALGO)
		return GNUTLS_PK_RSA;
	if (flags & GNUTLS_PRIVKEY_INFO_PK_ALGO_BITS)
		return EVP_PKEY_get_bits(userdata);
	if (flags & GNUTLS_PRIVKEY_INFO_HAVE_SIGN_ALGO)
		return find_sig((gnutls_sign_algorithm_t)GNUTLS_FLAGS_TO_SIGN_ALGO(flags)) != NULL;
	return 0;	/* GNUTLS_PRIVKEY_INFO_SIGN_ALGO: no preference */
}

static void
key_free(gnutls_privkey_t key, void *userdata)
{
	(void)key;
	EVP_PKEY_free(userdata);
}

static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;	/* an encrypted key is GnuTLS's to refuse, with its message */
}

static EVP_PKEY *
read_rsa_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *pk;

	if (!f)
		return NULL;
	pk = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);	/* skips the certificates */
	fclose(f);
	ERR_clear_error();
	if (pk && EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	return pk;
}

/* The certificate's public key is the key's (GnuTLS would check it for a key of its own). */
static bool
same_modulus(const gnutls_pcert_st *leaf, EVP_PKEY *pk)
{
	gnutls_datum_t m = { NULL, 0 }, e = { NULL, 0 };
	BIGNUM *n = NULL, *cm = NULL;
	bool same = false;

	if (gnutls_pubkey_export_rsa_raw2(leaf->pubkey, &m, &e, GNUTLS_EXPORT_FLAG_NO_LZ) == 0 &&
	    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) > 0 &&
	    (cm = BN_bin2bn(m.data, (int)m.size, NULL)) != NULL)
		same = BN_cmp(n, cm) == 0;
	BN_free(n);
	BN_free(cm);
	gnutls_free(m.data);
	gnutls_free(e.data);
	return same;
}

bool
lbd_tls_rsa_load(gnutls_certificate_credentials_t c, const char *crt, const char *key, int *idx)
{
	gnutls_pcert_st chain[CHAIN_MAX];
	unsigned n = CHAIN_MAX;
	gnutls_privkey_t gk;
	EVP_PKEY *pk = read_rsa_key(key);

	if (!pk)
		return false;
	if (gnutls_pcert_list_import_x509_file(chain, &n, crt, GNUTLS_X509_FMT_PEM, NULL, NULL,
					       GNUTLS_X509_CRT_LIST_SORT) < 0) {
		EVP_PKEY_free(pk);
		return false;
	}
	if (!n || !same_modulus(&chain[0], pk) || gnutls_privkey_init(&gk) < 0) {
		for (unsigned i = 0; i < n; i++)
			gnutls_pcert_deinit(&chain[i]);
		EVP_PKEY_free(pk);
		return false;
	}
	/* from here the GnuTLS key owns pk (key_free), and the credentials own both */
	*idx = gnutls_privkey_import_ext4(gk, pk, sign_data, sign_hash, NULL, key_free, key_info,
					  0);
	if (*idx < 0) {
		EVP_PKEY_free(pk);
		gnutls_privkey_deinit(gk);
	} else {
		*idx = gnutls_certificate_set_key(c, NULL, 0, chain, (int)n, gk);
		if (*idx >= 0)
			return true;
		gnutls_privkey_deinit(gk);
	}
	for (unsigned i = 0; i < n; i++)
		gnutls_pcert_deinit(&chain[i]);
	return true;
}

#else /* GnuTLS's own RSA */

bool
lbd_tls_rsa_load(gnutls_certificate_credentials_t c, const char *crt, const char *key, int *idx)
{
	(void)c;
	(void)crt;
	(void)key;
	(void)idx;
	return false;
}

#endif

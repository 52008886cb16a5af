/* lbd/tls_rsa.h: RSA private-key operations of bind certificates through libcrypto
 *
 * A full TLS handshake with an RSA certificate costs one RSA signature, and GnuTLS's own
 * (nettle over GMP's side-channel-silent mpn_sec_powm) takes about 1 ms for RSA-2048 where
 * OpenSSL's libcrypto takes 0.2 ms on the same CPU: that signature was 80% of lbd's CPU time
 * per handshake. When lbd is built with libcrypto (configure finds libssl-dev; the
 * --without-libcrypto-rsa option turns it off), a bind line's RSA keys are handed to GnuTLS
 * as external keys (gnutls_privkey_import_ext4) whose signatures libcrypto makes, with its
 * blinding and constant-time exponentiation; GnuTLS keeps everything else.
 *
 * Only signatures go through libcrypto: GnuTLS has no constant-time way to take a
 * decryption from an external key, so a bind line whose priority string allows the static
 * RSA key exchange (a cipher list naming one, such as AES128-SHA) keeps GnuTLS's own keys.
 */
#ifndef LBD_TLS_RSA_H
#define LBD_TLS_RSA_H

#include <stdbool.h>

#include <gnutls/gnutls.h>

/* Loads the certificate chain of file crt and the private key of file key into c, as
 * gnutls_certificate_set_x509_key_file2() does, when the key is an RSA key libcrypto reads:
 * returns true with *idx the certificate's index (or a GnuTLS error, < 0). Returns false
 * for anything else (another key type, a key libcrypto does not read, a build without
 * libcrypto): the caller loads the files with GnuTLS, which also words the errors. */
bool lbd_tls_rsa_load(gnutls_certificate_credentials_t c, const char *crt, const char *key,
		      int *idx);

#endif

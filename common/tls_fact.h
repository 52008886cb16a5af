/* common/tls_fact.h: what fetches and log formats may ask of a client TLS session
 *
 * The data plane owns the session; the ACL engine (acl.h) and log formats (logfmt.h) get
 * an opaque pointer to it and this callback, so neither links GnuTLS state they do not own.
 */
#ifndef LB_TLS_FACT_H
#define LB_TLS_FACT_H

#include <stddef.h>

enum lb_tls_fact {
	LB_TLS_FACT_SNI = 0,	/* ssl_fc_sni: the server name the client sent */
	LB_TLS_FACT_PROTOCOL,	/* ssl_fc_protocol, %sslv: "TLSv1.3" */
	LB_TLS_FACT_CIPHER,	/* ssl_fc_cipher, %sslc */
	LB_TLS_FACT_ALPN,	/* ssl_fc_alpn */
	LB_TLS_FACT_C_USED,	/* ssl_c_used: "1" when a client certificate was sent */
	LB_TLS_FACT_C_VERIFY,	/* ssl_c_verify: OpenSSL X509_V_* code, "0" when valid */
	LB_TLS_FACT_C_S_DN,	/* ssl_c_s_dn: the client certificate's subject */
};

/* Writes the fact as text into buf[0..len) and returns its length (0: none). */
typedef size_t (*lb_tls_fact_fn)(const void *tls, enum lb_tls_fact what, char *buf, size_t len);

#endif

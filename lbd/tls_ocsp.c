/* lbd/tls_ocsp.c: OCSP stapling from "<certificate>.ocsp" files, as HAProxy loads them
 *
 * HAProxy reads a DER OCSP response beside each certificate and staples it. GnuTLS checks,
 * when given one, that the response names the certificate
 * (gnutls_certificate_set_ocsp_status_request_mem) and leaves out a response whose
 * nextUpdate has passed when it builds the handshake. This file checks the rest before
 * handing it over, so that a bad file is logged once at load time instead of silently not
 * stapled: the response must be "successful", be for this certificate (its serial and
 * issuer: another certificate's response is refused), and not be expired.
 */
#include "tls_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/ocsp.h>
#include <gnutls/x509.h>

#include "log.h"
#include "util.h"

#define OCSP_MAX (64 * 1024)

static int
read_small(const char *path, gnutls_datum_t *out)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	size_t n;

	if (!f)
		return -1;
	buf = lb_xmalloc(OCSP_MAX);
	n = fread(buf, 1, OCSP_MAX, f);
	fclose(f);
	out->data = buf;
	out->size = (unsigned)n;
	return 0;
}

/* Why resp cannot be stapled for the certificate der, or NULL when it can. */
static const char *
judge(const gnutls_datum_t *resp_der, const gnutls_datum_t *crt_der)
{
	gnutls_ocsp_resp_t resp = NULL;
	gnutls_x509_crt_t crt = NULL;
	const char *why = NULL;
	time_t next = 0;

	if (gnutls_ocsp_resp_init(&resp) < 0 || gnutls_x509_crt_init(&crt) < 0) {
		why = "out of memory";
		goto out;
	}
	if (gnutls_ocsp_resp_import(resp, resp_der) < 0) {
		why = "not a DER OCSP response";
		goto out;
	}
	if (gnutls_ocsp_resp_get_status(resp) != GNUTLS_OCSP_RESP_SUCCESSFUL) {
		why = "the responder did not answer 'successful'";
		goto out;
	}
	if (gnutls_x509_crt_import(crt, crt_der, GNUTLS_X509_FMT_DER) < 0 ||
	    gnutls_ocsp_resp_check_crt(resp, 0, crt) < 0) {
		why = "it is the response for another certificate";
		goto out;
	}
	if (gnutls_ocsp_resp_get_single(resp, 0, NULL, NULL, NULL, NULL, NULL, NULL, &next,
					NULL, NULL) < 0) {
		why = "it has no single response";
		goto out;
	}
	if (next != (time_t)-1 && next <= time(NULL))
		why = "it is expired (nextUpdate has passed)";
out:
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (resp)
		gnutls_ocsp_resp_deinit(resp);
	return why;
}

bool
lbd_tls_ocsp_load(gnutls_certificate_credentials_t gc, const char *path)
{
	char *file = lb_xasprintf("%s.ocsp", path);
	gnutls_datum_t resp = { 0 }, crt;
	const char *why;
	int rc;

	if (access(file, F_OK) < 0) {
		free(file);
		return false;
	}
	if (read_small(file, &resp) < 0) {
		lb_log_sys(LB_LOG_WARNING, "OCSP response '%s' not stapled: %s", file,
			   strerror(errno));
		free(file);
		return false;
	}
	why = gnutls_certificate_get_crt_raw(gc, 0, 0, &crt) < 0 ? "no certificate"
								 : judge(&resp, &crt);
	if (!why) {
		rc = gnutls_certificate_set_ocsp_status_request_mem(gc, &resp, 0,
								    GNUTLS_X509_FMT_DER);
		if (rc < 0)
			why = gnutls_strerror(rc);
	}
	if (why)
		lb_log_sys(LB_LOG_WARNING, "OCSP response '%s' not stapled: %s", file, why);
	else
		lb_log_sys(LB_LOG_NOTICE, "OCSP response '%s' stapled to '%s'", file, path);
	free(resp.data);
	free(file);
	return !why;
}

/* lbd/service.h: responses lbd builds itself from its counters: the Prometheus exporter
 * ("http-request use-service prometheus-exporter") and the stats page ("stats uri")
 *
 * A service runs on the worker thread that parsed the request, reads the summed counters
 * (lbd/stats.h) and builds its whole response in memory (struct lbd_svc_out). The stream
 * owns it (s->svc) and sends it through its normal client buffer one buffer-sized piece at a
 * time (lbd_service_refill), so a large page never blocks the thread and never needs more
 * than one data buffer of the pool; the memory goes when the stream is freed.
 */
#ifndef LBD_SERVICE_H
#define LBD_SERVICE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "cfg_types.h"
#include "http1.h"
#include "runtime_types.h"
#include "util.h"

struct lbd_stream;

/* A complete response (head and body), sent from off to len. */
struct lbd_svc_out {
	size_t len;
	size_t off;
	char data[];
};

/* The request as a service sees it; everything is borrowed from the client buffer. */
struct lbd_svc_req {
	enum lb_http_meth meth;
	const char *uri;		/* request target */
	size_t uri_len;
	const char *auth;		/* Authorization header value, or NULL */
	size_t auth_len;
	const char *body;		/* the whole body when it came with the head, else NULL */
	size_t body_len;
	bool close;			/* answer with "connection: close" */
	bool admin;			/* "stats admin" allowed for this request */
};

/* Fills rq from a parsed request head; `avail` bytes of buf are valid (head and any body
 * bytes behind it). */
void lbd_service_req_init(struct lbd_svc_req *rq, const char *buf, const struct lb_http1_msg *msg,
			  size_t avail);


/* The stats page settings serving this target for stream s (its frontend's, else its
 * backend's), or NULL. */
const struct lb_cfg_stats *lbd_stats_page_match(const struct lbd_stream *s, const char *uri,
						size_t len);

/* Run a service: the response to send, or NULL when out of memory (the caller answers
 * 500). *status gets the HTTP status for counters and logs. */
struct lbd_svc_out *lbd_prometheus_run(struct lbd_runtime *rt, const struct lbd_svc_req *rq,
				       int *status);
struct lbd_svc_out *lbd_stats_page_run(struct lbd_runtime *rt, const struct lb_cfg_stats *st,
				       const struct lbd_svc_req *rq, int *status);

/* Moves the next piece of s->svc into s->cbuf (which must be empty). Returns true when it
 * moved bytes, false when the response is all sent (or there is none). */
bool lbd_service_refill(struct lbd_stream *s);

/* --- for the services: a growing text buffer --- */

struct lbd_sb {
	char *p;
	size_t len, cap;
	bool failed;		/* an allocation failed: the result is dropped */
};

void lbd_sb_put(struct lbd_sb *b, const char *s, size_t n);
void lbd_sb_puts(struct lbd_sb *b, const char *s);
void lbd_sb_printf(struct lbd_sb *b, const char *fmt, ...) LB_PRINTF(2, 3);
/* Text escaped for HTML element content and attribute values. */
void lbd_sb_html(struct lbd_sb *b, const char *s, size_t n);
/* A JSON string literal. */
void lbd_sb_json_str(struct lbd_sb *b, const char *s, size_t n);

/* The response: a status line, content-type, content-length, cache-control: no-cache, the
 * `extra` header lines (each ending in CRLF, may be NULL), connection: close when rq->close,
 * then the body (left out for HEAD). Frees body's storage. NULL when out of memory. */
struct lbd_svc_out *lbd_svc_finish(struct lbd_sb *body, const struct lbd_svc_req *rq, int status,
				   const char *ctype, const char *extra);

#endif

/* lbd/access_log.h: one log line per stream, and error captures */
#ifndef LBD_ACCESS_LOG_H
#define LBD_ACCESS_LOG_H

#include "cfg_types.h"
#include "http1.h"
#include "logfmt.h"
#include "errors.h"
#include "stream_types.h"

/* Fills ctx with what the stream knows now. */
void lbd_access_log_fill(const struct lbd_stream *s, struct lb_log_ctx *ctx);
/* Emits the stream's log line once (no-op if the frontend does not log, or already done). */
void lbd_access_log(struct lbd_stream *s);
/* Reports a rejected message: one daemon log line with the byte offset of the fault, and
 * its capture for "show errors" (lbd/errors.h; buf NULL when there are no bytes to keep). */
void lbd_access_log_error(struct lbd_stream *s, enum lbd_err_dir dir, const char *what,
			  const struct lb_http1_error *err, const char *buf, size_t len);
/* True when sa is inside the "except" network of option forwardfor. */
bool lbd_access_addr_in_net(const struct sockaddr *sa, const struct lb_cfg_forwardfor *ff);

#endif

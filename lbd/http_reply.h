/* lbd/http_reply.h: responses lbd writes itself: errors, errorfiles, reason phrases */
#ifndef LBD_HTTP_REPLY_H
#define LBD_HTTP_REPLY_H

#include <stddef.h>
#include "cfg_types.h"

const char *lbd_http_reason(int status);

/* The complete raw response to send for an error `status`: the first errorfile for it in
 * `be` then `fe` (either may be NULL), else the built-in message. The bytes are static or
 * owned by the config; never freed by the caller. Built-in messages close the connection. */
const char *lbd_http_error_msg(int status, const struct lb_cfg_proxy *fe,
			       const struct lb_cfg_proxy *be, size_t *len);

#endif

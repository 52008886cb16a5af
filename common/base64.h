/* common/base64.h: RFC 4648 base64 (tls-ticket-keys files, certificates on the control
 * socket) */
#ifndef LB_BASE64_H
#define LB_BASE64_H

#include <stddef.h>

/* Decodes src[0..len) (padding optional, no whitespace) into out, which holds at least
 * len * 3 / 4 + 3 bytes. Returns the decoded length, or -1 on a character outside the
 * alphabet or a bad length. */
long lb_base64_decode(const char *src, size_t len, unsigned char *out);
/* Encodes src[0..len) into out (at least 4 * ((len + 2) / 3) + 1 bytes, NUL-terminated).
 * Returns the length written, without the NUL. */
size_t lb_base64_encode(const unsigned char *src, size_t len, char *out);

#endif

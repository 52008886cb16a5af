/* common/util.h: small helpers every module uses (allocation, strings, time) */
#ifndef LB_UTIL_H
#define LB_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define LB_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define LB_LIKELY(x)   __builtin_expect(!!(x), 1)
#define LB_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LB_CONTAINER_OF(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#define LB_MIN(a, b) ((a) < (b) ? (a) : (b))
#define LB_MAX(a, b) ((a) > (b) ? (a) : (b))
#define LB_UNUSED __attribute__((unused))
#define LB_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Frees *pp and sets it to NULL; lb_free(&p) replaces "if (p) free(p)". */
static inline void
lb_free_ptr(void **pp)
{
	free(*pp);
	*pp = NULL;
}
#define lb_free(pp) lb_free_ptr((void **)(pp))

/* Allocators that abort on failure: only for start-up and config code, never for the data path
 * (which must close the one connection and carry on). */
void *lb_xmalloc(size_t n);
void *lb_xcalloc(size_t nmemb, size_t n);
void *lb_xrealloc(void *p, size_t n);
char *lb_xstrdup(const char *s);
char *lb_xstrndup(const char *s, size_t n);
char *lb_xasprintf(const char *fmt, ...) LB_PRINTF(1, 2);

/* A borrowed, not NUL-terminated string. */
struct lb_str {
	const char *p;
	size_t len;
};

bool lb_str_ieq(const char *a, size_t alen, const char *b, size_t blen);

/* Monotonic clock in milliseconds / microseconds. */
uint64_t lb_now_ms(void);
uint64_t lb_now_us(void);

/* Durations are kept in milliseconds; LB_TIME_UNSET marks "not configured". */
#define LB_TIME_UNSET (-1LL)
/* Parses a HAProxy time ("10", "10ms", "5s", "1m", "2h", "1d", "100us"); a bare number is
 * milliseconds unless unit_default_s. Returns 0 and stores ms (us rounded up), or -1. */
int lb_parse_time_ms(const char *s, long long *out_ms);
/* Parses a size ("16384", "16k", "1m", "2g"; binary multiples as HAProxy). */
int lb_parse_size(const char *s, unsigned long long *out);
/* Parses a decimal integer in [min, max]. */
int lb_parse_int(const char *s, long long min, long long max, long long *out);

/* Writes a socket address as people read it: "1.2.3.4:80", "[::1]:80", "unix@/path", or
 * "-" for anything else. Always NUL-terminates (truncates to len). */
struct sockaddr;
void lb_addr_format(const struct sockaddr *sa, char *buf, size_t len);

/* The value of a hexadecimal digit, -1 for any other byte. */
static inline int
lb_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Edit distance, for "did you mean" suggestions. */
unsigned lb_levenshtein(const char *a, const char *b);

/* 64-bit hashing used by balancing algorithms and tables. */
uint64_t lb_hash64(const void *data, size_t len);
uint32_t lb_hash32(const void *data, size_t len);
/* FNV-1a of a string, ASCII case folded when icase (hash tables of exact strings). */
uint64_t lb_hash_str(const char *s, size_t len, bool icase);

#endif

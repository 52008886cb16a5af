/* common/regex.h: regular expressions, PCRE2 as HAProxy uses PCRE: one engine for ACLs, maps,
 * converters and health checks, so a pattern means the same everywhere
 *
 * Patterns compile once at load (JIT when the platform has it, the interpreter otherwise).
 */
#ifndef LB_REGEX_H
#define LB_REGEX_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdbool.h>
#include <stddef.h>

/* Compiles re[0..len) (len (size_t)-1: NUL-terminated). NULL on error, with "at offset N:
 * <reason>" in why (callers name the pattern and where it comes from). */
pcre2_code *lb_regex_compile(const char *re, size_t len, bool icase, char *why, size_t whylen);
/* True when re matches somewhere in s[0..len); md from pcre2_match_data_create*. */
bool lb_regex_match(const pcre2_code *re, const char *s, size_t len, pcre2_match_data *md);
/* The same for callers without match data of their own (not for per-request paths: it
 * allocates). */
bool lb_regex_search(const pcre2_code *re, const char *s, size_t len);

#endif

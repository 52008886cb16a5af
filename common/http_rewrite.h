/* common/http_rewrite.h: the text edits of HAProxy's rewrite actions, on borrowed strings
 *
 * Pure functions (no I/O, no allocation): replace-header / replace-value / replace-path /
 * replace-uri (a regex match, then the whole subject replaced by a template whose "\1".."\9"
 * name the match's groups) and the parts of a request target that set-path, set-pathq and
 * set-query change. Output goes to a caller's buffer; every function returns the length
 * written, or a negative LB_RW_* code.
 */
#ifndef LB_HTTP_REWRITE_H
#define LB_HTTP_REWRITE_H

#include <stddef.h>
#include <sys/types.h>

#include "regex.h"

enum {
	LB_RW_NOMATCH = -1,	/* the regex did not match: leave the subject alone */
	LB_RW_NOROOM = -2,	/* the output does not fit */
};

/* Matches re in s[0..len) and, on a match, writes tpl[0..tlen) to out with "\N" replaced
 * by group N ("\\" is one backslash). md: match data with at least 10 pairs. */
ssize_t lb_rw_regex(const pcre2_code *re, pcre2_match_data *md, const char *s, size_t len,
		    const char *tpl, size_t tlen, char *out, size_t cap);
/* replace-value: the same on each comma-separated value of a header (spaces around values
 * and the commas are kept). LB_RW_NOMATCH when no value matched. */
ssize_t lb_rw_regex_values(const pcre2_code *re, pcre2_match_data *md, const char *s,
			   size_t len, const char *tpl, size_t tlen, char *out, size_t cap);

/* The parts of a request target: [scheme://authority]path[?query]. */
struct lb_rw_uri {
	size_t path_off, path_len;	/* path_off: length of the scheme and authority */
	size_t query_off;		/* offset of '?' or the length when there is none */
	int has_query;
};
void lb_rw_uri_split(const char *uri, size_t len, struct lb_rw_uri *u);

enum lb_rw_part {
	LB_RW_PATH,	/* set-path: the path; authority and query string stay */
	LB_RW_PATHQ,	/* set-pathq: the path and the query string */
	LB_RW_QUERY,	/* set-query: after '?', added when missing and v is not empty */
};
/* The target uri[0..len) with one part replaced by v[0..vlen). */
ssize_t lb_rw_uri_set(const char *uri, size_t len, enum lb_rw_part part, const char *v,
		      size_t vlen, char *out, size_t cap);

#endif

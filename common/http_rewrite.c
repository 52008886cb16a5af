/* common/http_rewrite.c: see http_rewrite.h */
#include "http_rewrite.h"

#include <string.h>

/* Appends n bytes; false when they do not fit. */
static int
put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
	if (n > cap - *o)
		return 0;
	if (n)
		memcpy(out + *o, s, n);
	*o += n;
	return 1;
}

/* The template with the groups of the last match of md in s. */
static ssize_t
expand(const pcre2_match_data *md, int rc, const char *s, const char *tpl, size_t tlen,
       char *out, size_t cap)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer((pcre2_match_data *)md);
	size_t o = 0;

	for (size_t k = 0; k < tlen; k++) {
		char c = tpl[k];
		if (c == '\\' && k + 1 < tlen && tpl[k + 1] >= '0' && tpl[k + 1] <= '9') {
			int g = tpl[++k] - '0';
			if (g < rc && ov[2 * g] != PCRE2_UNSET &&
			    !put(out, cap, &o, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]))
				return LB_RW_NOROOM;
			continue;
		}
		if (c == '\\' && k + 1 < tlen && tpl[k + 1] == '\\')
			k++;
		if (!put(out, cap, &o, &c, 1))
			return LB_RW_NOROOM;
	}
	return (ssize_t)o;
}

ssize_t
lb_rw_regex(const pcre2_code *re, pcre2_match_data *md, const char *s, size_t len,
	    const char *tpl, size_t tlen, char *out, size_t cap)
{
	int rc = pcre2_match(re, (PCRE2_SPTR)(s ? s : ""), len, 0, 0, md, NULL);

	if (rc < 0)
		return LB_RW_NOMATCH;
	if (rc == 0)
		rc = 10;	/* the ovector was too small: groups past it are unset anyway */
	return expand(md, rc, s, tpl, tlen, out, cap);
}

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

ssize_t
lb_rw_regex_values(const pcre2_code *re, pcre2_match_data *md, const char *s, size_t len,
		   const char *tpl, size_t tlen, char *out, size_t cap)
{
	size_t o = 0, pos = 0;
	int matched = 0;

	for (;;) {
		const char *c = memchr(s + pos, ',', len - pos);
		size_t end = c ? (size_t)(c - s) : len, vs = pos, ve = end;

		while (vs < ve && is_ows(s[vs]))
			vs++;
		while (ve > vs && is_ows(s[ve - 1]))
			ve--;
		if (!put(out, cap, &o, s + pos, vs - pos))
			return LB_RW_NOROOM;
		ssize_t n = lb_rw_regex(re, md, s + vs, ve - vs, tpl, tlen, out + o, cap - o);
		if (n == LB_RW_NOROOM)
			return n;
		if (n >= 0) {
			matched = 1;
			o += (size_t)n;
		} else if (!put(out, cap, &o, s + vs, ve - vs)) {
			return LB_RW_NOROOM;
		}
		if (!put(out, cap, &o, s + ve, end - ve))
			return LB_RW_NOROOM;
		if (!c)
			break;
		if (!put(out, cap, &o, ",", 1))
			return LB_RW_NOROOM;
		pos = end + 1;
	}
	return matched ? (ssize_t)o : LB_RW_NOMATCH;
}

void
lb_rw_uri_split(const char *uri, size_t len, struct lb_rw_uri *u)
{
	const char *e = uri + len, *p = uri, *q;

	if (len && uri[0] != '/' && uri[0] != '*') {
		const char *s = memchr(uri, ':', len);
		if (s && e - s >= 3 && s[1] == '/' && s[2] == '/') {
			p = s + 3;
			while (p < e && *p != '/' && *p != '?')
				p++;
		}
	}
	q = memchr(p, '?', (size_t)(e - p));
	u->path_off = (size_t)(p - uri);
	u->query_off = q ? (size_t)(q - uri) : len;
	u->path_len = u->query_off - u->path_off;
	u->has_query = q != NULL;
}

ssize_t
lb_rw_uri_set(const char *uri, size_t len, enum lb_rw_part part, const char *v, size_t vlen,
	      char *out, size_t cap)
{
	struct lb_rw_uri u;
	size_t o = 0;
	int ok;

	lb_rw_uri_split(uri, len, &u);
	switch (part) {
	case LB_RW_PATH:
		ok = put(out, cap, &o, uri, u.path_off) && put(out, cap, &o, v, vlen) &&
		     put(out, cap, &o, uri + u.query_off, len - u.query_off);
		break;
	case LB_RW_PATHQ:
		ok = put(out, cap, &o, uri, u.path_off) && put(out, cap, &o, v, vlen);
		break;
	default:
		/* HAProxy keeps a '?' that was there even for an empty query */
		ok = put(out, cap, &o, uri, u.query_off) &&
		     (!(u.has_query || vlen) || put(out, cap, &o, "?", 1)) &&
		     put(out, cap, &o, v, vlen);
		break;
	}
	return ok ? (ssize_t)o : LB_RW_NOROOM;
}

/* common/check_reply.c: reply parsers of the health-check types, pure functions over bytes
 *
 * Each expecter sees every byte received since the last send and answers "need more",
 * "passed" or "failed" (with HAProxy's status: L7RSP for bytes that are not the protocol at
 * all or are cut short, L7STS for a well-formed reply that says no, L6RSP for a TLS record
 * that is not a ServerHello). None of them reads past `len`; lengths in the bytes are always
 * checked against it.
 */
#include "check_priv.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void
chk_printable(char *dst, size_t dstlen, const char *s, size_t n)
{
	size_t o = 0;

	if (!dstlen)
		return;
	for (size_t i = 0; i < n && o + 1 < dstlen; i++) {
		unsigned char c = (unsigned char)s[i];
		dst[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
	}
	dst[o] = '\0';
}

void
chk_reason(struct lb_check_result *res, const struct chk_step *st, const char *fmt, ...)
{
	char tmp[LB_CHECK_REASON_MAX];
	size_t off = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	res->reason[0] = '\0';
	if (st && st->comment) {
		int n = snprintf(res->reason, sizeof(res->reason), "%.*s: ",
				 (int)(sizeof(res->reason) / 2), st->comment);
		off = n > 0 ? (size_t)n : 0;
	}
	memcpy(res->reason + off, tmp, LB_MIN(strlen(tmp), sizeof(res->reason) - off - 1));
	res->reason[off + LB_MIN(strlen(tmp), sizeof(res->reason) - off - 1)] = '\0';
	for (char *c = res->reason; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '.';
}

static enum chk_rc
fail(struct lb_check_result *res, const struct chk_step *st, enum lb_check_status status,
     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum chk_rc
fail(struct lb_check_result *res, const struct chk_step *st, enum lb_check_status status,
     const char *fmt, ...)
{
	char tmp[LB_CHECK_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	res->status = status;
	chk_reason(res, st, "%s", tmp);
	return CHK_FAIL;
}

/* ---- helpers shared with the config parser ---- */

int
lb_check_hex_decode(const char *hex, unsigned char *out, size_t *outlen, char *err,
		    size_t errlen)
{
	size_t n = strlen(hex);

	if (n == 0 || n % 2) {
		snprintf(err, errlen, "'%s' is not an even number of hexadecimal digits", hex);
		return -1;
	}
	for (size_t i = 0; i < n; i += 2) {
		int h = lb_hexval((unsigned char)hex[i]), l = lb_hexval((unsigned char)hex[i + 1]);
		if (h < 0 || l < 0) {
			snprintf(err, errlen, "invalid hexadecimal digit '%c' in '%s'",
				 h < 0 ? hex[i] : hex[i + 1], hex);
			return -1;
		}
		out[i / 2] = (unsigned char)(h << 4 | l);
	}
	*outlen = n / 2;
	return 0;
}

int
lb_check_status_list_match(const char *list, int code, char *err, size_t errlen)
{
	const char *s = list;
	int match = 0;

	while (*s) {
		char *end;
		long lo = strtol(s, &end, 10), hi;

		if (end == s || lo < 100 || lo > 999)
			goto bad;
		hi = lo;
		s = end;
		if (*s == '-') {
			hi = strtol(s + 1, &end, 10);
			if (end == s + 1 || hi < lo || hi > 999)
				goto bad;
			s = end;
		}
		if (code >= lo && code <= hi)
			match = 1;
		if (*s == ',')
			s++;
		else if (*s)
			goto bad;
	}
	return match;
bad:
	snprintf(err, errlen, "invalid status list '%s' (e.g. 200 or 200,301-302)", list);
	return -1;
}

size_t
lb_check_unescape(char *s)
{
	char *o = s;

	for (const char *i = s; *i; i++) {
		if (*i != '\\' || !i[1]) {
			*o++ = *i;
			continue;
		}
		switch (*++i) {
		case 'r': *o++ = '\r'; break;
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'x':
			if (lb_hexval((unsigned char)i[1]) >= 0 && lb_hexval((unsigned char)i[2]) >= 0) {
				*o++ = (char)(lb_hexval((unsigned char)i[1]) << 4 |
					      lb_hexval((unsigned char)i[2]));
				i += 2;
				break;
			}
			*o++ = '\\';
			*o++ = 'x';
			break;
		default: *o++ = *i; break;
		}
	}
	*o = '\0';
	return (size_t)(o - s);
}

bool
cfg_check_token_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

bool
cfg_check_method_ok(const char *s)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";

	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(tchar, *s))
			return false;
	return true;
}

/* ---- generic matches (tcp-check expect) ---- */

static const char *
memmem_nocase_off(const char *h, size_t hl, const char *n, size_t nl)
{
	if (nl == 0)
		return h;
	return memmem(h, hl, n, nl);
}

/* tcp-check expect [!] string|rstring|binary: the reply so far contains / matches it.
 * Without "!", more bytes may still bring the match; with "!", the absence is only final at
 * the end of the reply. */
enum chk_rc
chk_expect_match(const struct chk_step *st, const char *buf, size_t len, bool eof,
		 struct lb_check_result *res)
{
	bool found;
	char shown[48];

	if (st->regex) {
		found = lb_regex_search(st->regex, buf, len);
	} else {
		found = memmem_nocase_off(buf, len, st->pattern, st->pattern_len) != NULL;
	}
	if (found && !st->neg)
		return CHK_PASS;
	if (found && st->neg) {
		chk_printable(shown, sizeof(shown), st->pattern, st->pattern_len);
		return fail(res, st, st->fail_status, "unexpected '%s' in the reply", shown);
	}
	if (!eof)
		return CHK_MORE;
	if (st->neg)
		return CHK_PASS;
	chk_printable(shown, sizeof(shown), st->pattern, st->pattern_len);
	if (len == 0)
		return fail(res, st, st->fail_status, "no reply (expected '%s')", shown);
	{
		char got[40];
		chk_printable(got, sizeof(got), buf, LB_MIN(len, 32));
		return fail(res, st, st->fail_status, "'%s' not found in reply '%s'", shown, got);
	}
}

/* ---- HTTP ---- */

static const char *
find_crlfcrlf(const char *buf, size_t len, size_t *hdr_end)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n') {
			*hdr_end = i + 2;
			return buf + i;
		}
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
			*hdr_end = i + 3;
			return buf + i;
		}
	}
	return NULL;
}

const char *
chk_http_header(const struct chk_http_resp *r, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);
	const char *p = r->hdrs, *end = r->hdrs + r->hdrs_len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end;
		const char *colon = memchr(p, ':', (size_t)(le - p));

		if (colon && (size_t)(colon - p) == nl && !strncasecmp(p, name, nl)) {
			const char *v = colon + 1;
			const char *ve = le;
			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			*vlen = (size_t)(ve - v);
			return v;
		}
		p = eol ? eol + 1 : end;
	}
	return NULL;
}

enum chk_rc
chk_http_parse(const char *buf, size_t len, bool eof, struct chk_http_resp *out, char *err,
	       size_t errlen)
{
	size_t hdr_end, sl_end, clen_v;
	const char *eol, *clen;
	int status = 0;

	memset(out, 0, sizeof(*out));
	/* the status line first, so that garbage fails at once */
	if (len >= 5 && memcmp(buf, "HTTP/", 5)) {
		char shown[24];
		chk_printable(shown, sizeof(shown), buf, LB_MIN(len, 16));
		snprintf(err, errlen, "not an HTTP response: '%s'", shown);
		return CHK_FAIL;
	}
	if (len < 5 && memcmp(buf, "HTTP/", len)) {
		snprintf(err, errlen, "not an HTTP response");
		return CHK_FAIL;
	}
	eol = memchr(buf, '\n', len);
	if (!eol) {
		if (eof || len >= 1024) {
			snprintf(err, errlen, eof ? "truncated HTTP status line"
						  : "HTTP status line too long");
			return CHK_FAIL;
		}
		return CHK_MORE;
	}
	sl_end = (size_t)(eol - buf);
	/* "HTTP/x.y SSS reason" */
	if (sl_end < 12 || !isdigit((unsigned char)buf[5]) || buf[6] != '.' ||
	    !isdigit((unsigned char)buf[7]) || buf[8] != ' ' ||
	    !isdigit((unsigned char)buf[9]) || !isdigit((unsigned char)buf[10]) ||
	    !isdigit((unsigned char)buf[11]) || (sl_end > 12 && buf[12] != ' ' && buf[12] != '\r')) {
		char shown[40];
		chk_printable(shown, sizeof(shown), buf, LB_MIN(sl_end, 32));
		snprintf(err, errlen, "invalid HTTP status line '%s'", shown);
		return CHK_FAIL;
	}
	status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	if (status < 100) {
		snprintf(err, errlen, "invalid HTTP status %03d", status);
		return CHK_FAIL;
	}
	out->status = status;
	out->reason = buf + LB_MIN(sl_end, 13);
	out->reason_len = sl_end > 13 ? sl_end - 13 : 0;
	while (out->reason_len && (out->reason[out->reason_len - 1] == '\r'))
		out->reason_len--;
	/* the head must end with an empty line */
	if (len >= sl_end + 2 && (buf[sl_end + 1] == '\n' ||
				  (buf[sl_end + 1] == '\r' && len > sl_end + 2 &&
				   buf[sl_end + 2] == '\n'))) {
		hdr_end = sl_end + 1 + (buf[sl_end + 1] == '\r' ? 2 : 1);
		out->hdrs = buf + sl_end + 1;
		out->hdrs_len = 0;
	} else if (find_crlfcrlf(buf + sl_end, len - sl_end, &hdr_end)) {
		hdr_end += sl_end;
		out->hdrs = buf + sl_end + 1;
		out->hdrs_len = hdr_end - sl_end - 1;
	} else {
		if (eof) {
			snprintf(err, errlen, "truncated HTTP response head");
			return CHK_FAIL;
		}
		return CHK_MORE;
	}
	out->body = buf + hdr_end;
	out->body_len = len - hdr_end;
	clen = chk_http_header(out, "Content-Length", &clen_v);
	if (status == 204 || status == 304 || status < 200) {
		out->body_len = 0;
		out->complete = true;
	} else if (clen) {
		char num[24];
		long long want;

		chk_printable(num, sizeof(num), clen, LB_MIN(clen_v, 20));
		if (lb_parse_int(num, 0, (1LL << 62), &want) < 0) {
			snprintf(err, errlen, "invalid Content-Length '%s'", num);
			return CHK_FAIL;
		}
		if ((long long)out->body_len >= want) {
			out->body_len = (size_t)want;
			out->complete = true;
		} else {
			out->complete = eof;
		}
	} else {
		size_t te_len;
		const char *te = chk_http_header(out, "Transfer-Encoding", &te_len);
		/* chunked: the raw chunks are matched; the last chunk ends it */
		if (te && te_len >= 7 && !strncasecmp(te + te_len - 7, "chunked", 7))
			out->complete = eof || (out->body_len >= 5 &&
						memmem(out->body, out->body_len, "0\r\n\r\n", 5));
		else
			out->complete = eof;
	}
	return CHK_PASS;
}

/* The checks of one http-check expect rule (or of the default expectation) on a
 * complete-enough response. */
static enum chk_rc
http_check_rule(const struct chk_step *st, const struct chk_http_resp *r,
		struct lb_check_result *res)
{
	bool ok;
	char err[96], shown[48];

	switch (st->match) {
	case LB_CHK_MATCH_STATUS:
		ok = lb_check_status_list_match(st->pattern, r->status, err, sizeof(err)) == 1;
		break;
	case LB_CHK_MATCH_RSTATUS: {
		char code[8];
		snprintf(code, sizeof(code), "%03d", r->status);
		ok = lb_regex_search(st->regex, code, strlen(code));
		break;
	}
	case LB_CHK_MATCH_STRING:
		ok = memmem_nocase_off(r->body, r->body_len, st->pattern, st->pattern_len) != NULL;
		break;
	case LB_CHK_MATCH_RSTRING:
		ok = lb_regex_search(st->regex, r->body, r->body_len);
		break;
	case LB_CHK_MATCH_HDR: {
		size_t vl;
		const char *v = chk_http_header(r, st->pattern, &vl);
		ok = v && (!st->hdr_value ||
			   (vl == strlen(st->hdr_value) && !memcmp(v, st->hdr_value, vl)));
		break;
	}
	default:	/* the default expectation: 2xx or 3xx */
		ok = r->status >= 200 && r->status < 400;
		break;
	}
	if (ok != st->neg)
		return CHK_PASS;
	chk_printable(shown, sizeof(shown), st->pattern ? st->pattern : "",
		      st->pattern ? st->pattern_len : 0);
	switch (st->match) {
	case LB_CHK_MATCH_STRING:
	case LB_CHK_MATCH_RSTRING:
		return fail(res, st, LB_CHK_L7RSP, "HTTP body %s '%s'",
			    st->neg ? "matches" : "does not match", shown);
	case LB_CHK_MATCH_HDR:
		return fail(res, st, LB_CHK_L7RSP, "HTTP header '%s' %s", shown,
			    st->neg ? "present" : "missing or different");
	default: {
		char why[48];
		chk_printable(why, sizeof(why), r->reason, r->reason_len);
		return fail(res, st, LB_CHK_L7STS, "HTTP status %d%s%s", r->status,
			    why[0] ? " " : "", why);
	}
	}
}

/* http-check expect (and option httpchk's default expectation) */
enum chk_rc
chk_expect_http(const struct chk_step *st, const char *buf, size_t len, bool eof,
		struct lb_check_result *res)
{
	struct chk_http_resp r;
	char err[96];
	enum chk_rc rc;
	bool needs_body = st->match == LB_CHK_MATCH_STRING || st->match == LB_CHK_MATCH_RSTRING;

	if (len == 0 && eof)
		return fail(res, st, LB_CHK_L7RSP, "connection closed without a response");
	rc = chk_http_parse(buf, len, eof, &r, err, sizeof(err));
	if (rc == CHK_FAIL)
		return fail(res, st, LB_CHK_L7RSP, "%s", err);
	if (rc == CHK_MORE) {
		if (eof)
			return fail(res, st, LB_CHK_L7RSP, len ? "truncated HTTP response"
							       : "connection closed without a response");
		return CHK_MORE;
	}
	if (needs_body && !r.complete) {
		/* a string found early is found: no need for the rest of the body */
		struct lb_check_result tmp = *res;
		if (st->neg || http_check_rule(st, &r, &tmp) != CHK_PASS)
			return CHK_MORE;
	}
	res->code = r.status;
	if (st->disable_on_404 && r.status == 404) {
		res->status = LB_CHK_L7OKC;
		res->nolb = true;
		chk_reason(res, NULL, "HTTP status 404 (disable-on-404)");
		return CHK_PASS;
	}
	rc = http_check_rule(st, &r, res);
	if (rc == CHK_PASS && !res->reason[0]) {
		char why[48];
		chk_printable(why, sizeof(why), r.reason, r.reason_len);
		chk_reason(res, NULL, "HTTP status %d%s%s", r.status, why[0] ? " " : "", why);
	}
	return rc;
}

/* ---- agent ---- */

struct agent_word {
	const char *name;
	int admin;		/* enum lb_agent_admin, 0 none */
	int health;		/* enum lb_agent_health, 0 none */
};

static const struct agent_word agent_words[] = {
	{ "ready", LB_AGENT_ADMIN_READY, 0 },
	{ "drain", LB_AGENT_ADMIN_DRAIN, 0 },
	{ "maint", LB_AGENT_ADMIN_MAINT, 0 },
	{ "up", 0, LB_AGENT_HEALTH_UP },
	{ "down", 0, LB_AGENT_HEALTH_DOWN },
	{ "fail", 0, LB_AGENT_HEALTH_FAIL },
	{ "stopped", 0, LB_AGENT_HEALTH_STOPPED },
	{ NULL, 0, 0 },
};

static int
parse_weight(const char *w, size_t n, struct lb_agent_reply *out)
{
	int v = 0;
	size_t i = 0;

	if (!n)
		return -1;
	for (; i < n && isdigit((unsigned char)w[i]); i++) {
		v = v * 10 + (w[i] - '0');
		if (v > 100000)
			return -1;
	}
	if (i == 0)
		return -1;
	if (i == n - 1 && w[i] == '%') {
		out->weight_pct = true;
	} else if (i == n) {
		if (v > 256)
			return -1;
		out->weight_pct = false;
	} else {
		return -1;
	}
	out->has_weight = true;
	out->weight = v;
	return 0;
}

int
lb_agent_reply_parse(const char *line, size_t len, struct lb_agent_reply *out, char *err,
		     size_t errlen)
{
	const char *end;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	end = memchr(line, '\n', len);
	if (end)
		len = (size_t)(end - line);
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\0'))
		len--;
	while (i < len) {
		size_t s, n;
		const char *w, *hash;
		char shown[40];

		while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == ','))
			i++;
		if (i >= len)
			break;
		s = i;
		/* a "#reason" runs to the end of the line (it may hold spaces) */
		while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != ',' &&
		       line[i] != '#')
			i++;
		if (i < len && line[i] == '#')
			while (i < len)
				i++;
		w = line + s;
		n = i - s;
		hash = memchr(w, '#', n);
		{
			size_t wl = hash ? (size_t)(hash - w) : n;
			const struct agent_word *aw;

			for (aw = agent_words; aw->name; aw++)
				if (strlen(aw->name) == wl && !strncasecmp(aw->name, w, wl))
					break;
			if (aw->name) {
				if (aw->admin)
					out->admin = (enum lb_agent_admin)aw->admin;
				if (aw->health) {
					out->health = (enum lb_agent_health)aw->health;
					if (hash)
						chk_printable(out->reason, sizeof(out->reason),
							      hash + 1, n - wl - 1);
				}
				continue;
			}
			if (hash) {
				chk_printable(shown, sizeof(shown), w, LB_MIN(n, 32));
				snprintf(err, errlen, "'#reason' after '%s' (only up, down, fail and "
					 "stopped take one)", shown);
				return -1;
			}
			if (wl > 7 && !strncasecmp(w, "weight:", 7)) {
				if (parse_weight(w + 7, wl - 7, out) < 0)
					goto bad;
				continue;
			}
			if (wl > 8 && !strncasecmp(w, "maxconn:", 8)) {
				int v = 0;
				for (size_t k = 8; k < wl; k++) {
					if (!isdigit((unsigned char)w[k]) || v > 10000000)
						goto bad;
					v = v * 10 + (w[k] - '0');
				}
				out->has_maxconn = true;
				out->maxconn = v;
				continue;
			}
			if (parse_weight(w, wl, out) == 0 && out->weight_pct)
				continue;
bad:
			chk_printable(shown, sizeof(shown), w, LB_MIN(n, 32));
			snprintf(err, errlen, "unknown agent word '%s'", shown);
			return -1;
		}
	}
	return 0;
}

/* The agent answers one line (ended by '\n' or by closing). */
enum chk_rc
chk_expect_agent(const struct chk_step *st, const char *buf, size_t len, bool eof,
		 struct lb_check_result *res)
{
	const char *nl = memchr(buf, '\n', len);
	char err[96], words[96];
	size_t ll;

	if (!nl && !eof)
		return CHK_MORE;
	ll = nl ? (size_t)(nl - buf) : len;
	if (ll == 0 || (ll == 1 && buf[0] == '\r'))
		return fail(res, st, LB_CHK_L7RSP, len ? "empty agent reply"
						       : "agent closed without a reply");
	if (lb_agent_reply_parse(buf, ll, &res->agent, err, sizeof(err)) < 0) {
		res->has_agent = false;
		return fail(res, st, LB_CHK_L7RSP, "%s", err);
	}
	res->has_agent = true;
	chk_printable(words, sizeof(words), buf, ll);
	while (ll && words[strlen(words) - 1] == '.')
		words[strlen(words) - 1] = '\0', ll--;
	switch (res->agent.health) {
	case LB_AGENT_HEALTH_DOWN:
	case LB_AGENT_HEALTH_FAIL:
	case LB_AGENT_HEALTH_STOPPED:
		return fail(res, st, LB_CHK_L7STS, "agent: %s", words);
	default:
		chk_reason(res, NULL, "agent: %s", words);
		return CHK_PASS;
	}
}

/* ---- redis: "+PONG\r\n" ---- */

/* As HAProxy's redis-check (an expect on "+PONG" whose error status is L7STS): anything
 * but +PONG - an error reply, garbage, a close - is L7STS, the reply shown as the reason. */
enum chk_rc
chk_expect_redis(const struct chk_step *st, const char *buf, size_t len, bool eof,
		 struct lb_check_result *res)
{
	const char *nl = memchr(buf, '\n', len);
	char line[96];
	size_t ll;

	if (len >= 5 && !memcmp(buf, "+PONG", 5)) {
		chk_reason(res, NULL, "+PONG");
		return CHK_PASS;
	}
	if (!nl && !eof && len < 5 && !memcmp(buf, "+PONG", len))
		return CHK_MORE;
	if (!nl && !eof)
		return CHK_MORE;
	if (len == 0)
		return fail(res, st, LB_CHK_L7STS, "connection closed without a reply");
	ll = nl ? (size_t)(nl - buf) : len;
	if (ll && buf[ll - 1] == '\r')
		ll--;
	chk_printable(line, sizeof(line), buf, ll);
	if (buf[0] == '-')
		return fail(res, st, LB_CHK_L7STS, "Redis error: %s", line + 1);
	return fail(res, st, LB_CHK_L7STS, "unexpected Redis reply '%s'", line);
}

/* ---- MySQL: packets are <len:3 LE><seq:1><payload> ---- */

static enum chk_rc
mysql_packet(const char *buf, size_t len, bool eof, const unsigned char **payload,
	     size_t *plen, const struct chk_step *st, struct lb_check_result *res)
{
	const unsigned char *b = (const unsigned char *)buf;
	size_t n;

	if (len < 4) {
		if (!eof)
			return CHK_MORE;
		return fail(res, st, LB_CHK_L7RSP, len ? "truncated MySQL packet"
						       : "connection closed without a reply");
	}
	n = (size_t)b[0] | (size_t)b[1] << 8 | (size_t)b[2] << 16;
	if (n == 0 || n > LB_CHECK_RCVBUF_MAX - 4)
		return fail(res, st, LB_CHK_L7RSP, "invalid MySQL packet length %zu", n);
	if (len < n + 4) {
		if (!eof)
			return CHK_MORE;
		return fail(res, st, LB_CHK_L7RSP, "truncated MySQL packet");
	}
	*payload = b + 4;
	*plen = n;
	return CHK_PASS;
}

/* An ERR packet: 0xff <code:2> ['#' <sqlstate:5>] <message> */
static enum chk_rc
mysql_error(const unsigned char *p, size_t n, const struct chk_step *st,
	    struct lb_check_result *res)
{
	char msg[96];
	size_t off = 3;

	if (n < 3)
		return fail(res, st, LB_CHK_L7RSP, "truncated MySQL error packet");
	res->code = p[1] | p[2] << 8;
	if (n > 9 && p[3] == '#')
		off = 9;
	chk_printable(msg, sizeof(msg), (const char *)p + off, n - off);
	return fail(res, st, LB_CHK_L7STS, "MySQL error %d: %s", res->code, msg);
}

/* The server speaks first: a protocol-10 handshake, or an ERR packet ("Host is blocked") */
enum chk_rc
chk_expect_mysql_greeting(const struct chk_step *st, const char *buf, size_t len, bool eof,
			  struct lb_check_result *res)
{
	const unsigned char *p;
	size_t n;
	enum chk_rc rc = mysql_packet(buf, len, eof, &p, &n, st, res);
	char ver[40];
	const unsigned char *z;

	if (rc != CHK_PASS)
		return rc;
	if (p[0] == 0xff)
		return mysql_error(p, n, st, res);
	if (p[0] != 10 || !(z = memchr(p + 1, 0, n - 1)))
		return fail(res, st, LB_CHK_L7RSP, "not a MySQL handshake (protocol %u)", p[0]);
	chk_printable(ver, sizeof(ver), (const char *)p + 1, (size_t)(z - p - 1));
	chk_reason(res, NULL, "MySQL %s", ver);
	return CHK_PASS;
}

/* After the login packet: OK (0x00) or ERR (0xff); an auth switch (0xfe) means the user
 * needs a password, which mysql-check cannot give. */
enum chk_rc
chk_expect_mysql_auth(const struct chk_step *st, const char *buf, size_t len, bool eof,
		      struct lb_check_result *res)
{
	const unsigned char *p;
	size_t n;
	enum chk_rc rc = mysql_packet(buf, len, eof, &p, &n, st, res);

	if (rc != CHK_PASS)
		return rc;
	if (p[0] == 0x00)
		return CHK_PASS;
	if (p[0] == 0xff)
		return mysql_error(p, n, st, res);
	if (p[0] == 0xfe)
		return fail(res, st, LB_CHK_L7STS, "MySQL asks for a password (auth switch): "
			    "mysql-check needs a user without password");
	return fail(res, st, LB_CHK_L7RSP, "unexpected MySQL reply 0x%02x", p[0]);
}

/* ---- PostgreSQL: <type:1><len:4 BE, self included><payload> ---- */

/* As HAProxy's pgsql-check: the first reply must not be an ErrorResponse ('E': L7RSP, with
 * its message) and must be an authentication request ('R': the server is up, whatever the
 * method it asks for - the code is the method, 0 = AuthenticationOk); anything else is
 * L7STS, an empty reply L7RSP. */
enum chk_rc
chk_expect_pgsql(const struct chk_step *st, const char *buf, size_t len, bool eof,
		 struct lb_check_result *res)
{
	const unsigned char *b = (const unsigned char *)buf;
	size_t n = 0;

	if (len == 0)
		return eof ? fail(res, st, LB_CHK_L7RSP, "connection closed without a reply")
			   : CHK_MORE;
	if (len >= 5)
		n = (size_t)b[1] << 24 | (size_t)b[2] << 16 | (size_t)b[3] << 8 | b[4];
	if (b[0] == 'E') {
		const char *msg = "", *code = "";
		size_t i = 5, end;
		char m[80], c[8];

		if ((len < 5 || len < n + 1) && !eof && len < LB_CHECK_RCVBUF_MAX)
			return CHK_MORE;
		end = len >= 5 && n + 1 <= len ? n + 1 : len;
		/* fields <type:1><string NUL>...: 'M' is the message, 'C' the SQLSTATE */
		while (i < end && b[i]) {
			const char *val = buf + i + 1;
			const char *z = i + 1 < end ? memchr(val, 0, end - i - 1) : NULL;
			if (!z)
				break;
			if (b[i] == 'M')
				msg = val;
			else if (b[i] == 'C')
				code = val;
			i = (size_t)(z - buf) + 1;
		}
		chk_printable(m, sizeof(m), msg, strlen(msg));
		chk_printable(c, sizeof(c), code, strlen(code));
		return fail(res, st, LB_CHK_L7RSP, "PostgreSQL error%s%s: %s", c[0] ? " " : "", c,
			    m[0] ? m : "(no message)");
	}
	if (len < 9 && !eof)
		return CHK_MORE;
	if (len >= 9 && b[0] == 'R' && n >= 8) {
		unsigned code = (unsigned)b[5] << 24 | (unsigned)b[6] << 16 | (unsigned)b[7] << 8 | b[8];
		res->code = (int)code;
		chk_reason(res, NULL, code ? "PostgreSQL asks for authentication (method %u): server "
			   "is up" : "PostgreSQL AuthenticationOk", code);
		return CHK_PASS;
	}
	{
		char shown[24];
		chk_printable(shown, sizeof(shown), buf, LB_MIN(len, 16));
		return fail(res, st, LB_CHK_L7STS, "not a PostgreSQL authentication request: '%s'",
			    shown);
	}
}

/* ---- LDAP: BER LDAPMessage { messageID, bindResponse [APPLICATION 1] { resultCode ...}} */

/* Reads a BER length at b[*i]; returns -1 if cut short (more needed) or -2 if invalid. */
static long
ber_len(const unsigned char *b, size_t len, size_t *i)
{
	size_t n;
	long v = 0;

	if (*i >= len)
		return -1;
	if (!(b[*i] & 0x80))
		return b[(*i)++];
	n = b[(*i)++] & 0x7f;
	if (n == 0 || n > 4)
		return -2;
	if (*i + n > len)
		return -1;
	while (n--)
		v = v << 8 | b[(*i)++];
	return v;
}

enum chk_rc
chk_expect_ldap(const struct chk_step *st, const char *buf, size_t len, bool eof,
		struct lb_check_result *res)
{
	const unsigned char *b = (const unsigned char *)buf;
	size_t i = 1, body;
	long l;

	if (len && b[0] != 0x30)
		return fail(res, st, LB_CHK_L7RSP, "not an LDAP message (first byte 0x%02x)", b[0]);
	l = ber_len(b, len, &i);
	if (l == -2)
		return fail(res, st, LB_CHK_L7RSP, "invalid LDAP message length");
	if (len == 0 || l == -1 || len < i + (size_t)l) {
		if (!eof)
			return CHK_MORE;
		return fail(res, st, LB_CHK_L7RSP, len ? "truncated LDAP message"
						       : "connection closed without a reply");
	}
	body = i + (size_t)l;
	/* messageID: INTEGER */
	if (i >= body || b[i++] != 0x02)
		return fail(res, st, LB_CHK_L7RSP, "invalid LDAP message (no message ID)");
	l = ber_len(b, body, &i);
	if (l < 1 || i + (size_t)l > body)
		return fail(res, st, LB_CHK_L7RSP, "invalid LDAP message ID");
	i += (size_t)l;
	/* bindResponse: [APPLICATION 1] constructed = 0x61 */
	if (i >= body || b[i++] != 0x61)
		return fail(res, st, LB_CHK_L7RSP, "LDAP reply is not a bind response");
	l = ber_len(b, body, &i);
	if (l < 3 || i + (size_t)l > body)
		return fail(res, st, LB_CHK_L7RSP, "invalid LDAP bind response");
	/* resultCode: ENUMERATED 0x0a */
	if (b[i++] != 0x0a)
		return fail(res, st, LB_CHK_L7RSP, "LDAP bind response without a result code");
	l = ber_len(b, body, &i);
	if (l < 1 || l > 4 || i + (size_t)l > body)
		return fail(res, st, LB_CHK_L7RSP, "invalid LDAP result code");
	res->code = 0;
	for (long k = 0; k < l; k++)
		res->code = res->code << 8 | b[i++];
	if (res->code == 0) {
		chk_reason(res, NULL, "LDAP bind success");
		return CHK_PASS;
	}
	return fail(res, st, LB_CHK_L7STS, "LDAP bind result code %d", res->code);
}

/* ---- SMTP: "220 greeting", "250 hello"; multi-line replies use "220-" ---- */

enum chk_rc
chk_expect_smtp(const struct chk_step *st, const char *buf, size_t len, bool eof,
		struct lb_check_result *res)
{
	size_t i = 0;
	char text[80];

	for (;;) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t ll;

		if (len - i >= 3 && !(isdigit((unsigned char)buf[i]) &&
				      isdigit((unsigned char)buf[i + 1]) &&
				      isdigit((unsigned char)buf[i + 2]))) {
			chk_printable(text, sizeof(text), buf + i, LB_MIN(len - i, 32));
			return fail(res, st, LB_CHK_L7RSP, "not an SMTP reply: '%s'", text);
		}
		if (!nl) {
			if (!eof)
				return CHK_MORE;
			return fail(res, st, LB_CHK_L7RSP, len ? "truncated SMTP reply"
							       : "connection closed without a reply");
		}
		ll = (size_t)(nl - buf - (long)i);
		if (ll < 3)
			return fail(res, st, LB_CHK_L7RSP, "invalid SMTP reply line");
		if (ll > 3 && buf[i + 3] == '-') {	/* continuation */
			i += ll + 1;
			continue;
		}
		res->code = (buf[i] - '0') * 100 + (buf[i + 1] - '0') * 10 + (buf[i + 2] - '0');
		chk_printable(text, sizeof(text), buf + i, ll);
		if (strlen(text) && text[strlen(text) - 1] == '.')
			text[strlen(text) - 1] = '\0';
		if (buf[i] == '2') {
			chk_reason(res, NULL, "%s", text);
			return CHK_PASS;
		}
		return fail(res, st, LB_CHK_L7STS, "%s", text);
	}
}

/* ---- ssl-hello-chk: the reply must be a TLS handshake record holding a ServerHello ---- */

enum chk_rc
chk_expect_server_hello(const struct chk_step *st, const char *buf, size_t len, bool eof,
			struct lb_check_result *res)
{
	const unsigned char *b = (const unsigned char *)buf;

	if (len >= 1 && b[0] == 0x15)
		return fail(res, st, LB_CHK_L6RSP, "TLS alert instead of a ServerHello%s",
			    len >= 7 ? "" : "");
	if (len >= 1 && b[0] != 0x16)
		return fail(res, st, LB_CHK_L6RSP, "not a TLS handshake record (type 0x%02x)",
			    b[0]);
	if (len >= 2 && b[1] != 0x03)
		return fail(res, st, LB_CHK_L6RSP, "unknown TLS record version %u.%u", b[1],
			    len >= 3 ? b[2] : 0);
	if (len < 6) {
		if (!eof)
			return CHK_MORE;
		return fail(res, st, LB_CHK_L6RSP, len ? "truncated TLS record"
						       : "connection closed without a ServerHello");
	}
	if (b[5] != 0x02)
		return fail(res, st, LB_CHK_L6RSP, "TLS handshake message %u is not a ServerHello",
			    b[5]);
	chk_reason(res, NULL, "TLS ServerHello received");
	return CHK_PASS;
}

/* lbd/http1.c: strict in-place HTTP/1.x head parser and chunked-body scanner (RFC 9112) */
/*
 * Design. A head is parsed in one forward pass over bytes the caller owns; only offsets are
 * stored (struct lb_http1_hdr). The caller has found the head with lb_http1_head_end(), so
 * the last byte of buf[0..len) is '\n'. No character class below contains '\n', so every
 * inner loop ("advance while the byte is in class X") stops by itself at the latest on that
 * final '\n': it is a sentinel and the loops need no bounds test. The parse functions check
 * the sentinel first, which keeps them safe on arbitrary input (the fuzz targets rely on it);
 * only fixed-width look-aheads (CR LF, "HTTP/1.1") test the length.
 *
 * Smuggling defences live here, not in the proxy: anything whose framing two HTTP agents
 * could read differently (CL + TE, differing CLs, TE not ending in chunked, obs-fold, bare
 * CR, NUL, space before the colon, HTTP/1.0 with TE) is refused with the status to answer
 * and the offset of the fault. Known header names are matched once, by length first, from a
 * table that also names the handler checking their value.
 *
 * Nothing here allocates, recurses or keeps global state: all functions are reentrant.
 */
#include <string.h>

#include "http1.h"

#define LB_HTTP1_MAX_REQLINE 8192	/* longest request line (without CRLF) -> 414 */
#define LB_HTTP1_MAX_HDRLINE 8192	/* longest header line (without CRLF) -> 431 */
#define LB_HTTP1_MAX_CHUNK_LINE 4096	/* chunk-size line with its extensions */
#define LB_HTTP1_MAX_TRAILERS 16384	/* all trailer fields of a chunked body */

/* ---- character classes ---- */

/* Each class is a constant expression of the byte, expanded 256 times at compile time into
 * one table, so the definitions read like the RFC grammar and lookups cost one load. */
#define CH_ALPHA(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define CH_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define CH_HEX(c) (CH_DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F'))
/* RFC 9110 5.6.2 tchar */
#define CH_TCHAR(c) (CH_ALPHA(c) || CH_DIGIT(c) || (c) == '!' || (c) == '#' || (c) == '$' || \
		     (c) == '%' || (c) == '&' || (c) == '\'' || (c) == '*' || (c) == '+' ||      \
		     (c) == '-' || (c) == '.' || (c) == '^' || (c) == '_' || (c) == '`' ||       \
		     (c) == '|' || (c) == '~')
/* request-target: visible ASCII; obs-text and controls are refused (HAProxy does the same
 * unless told to accept invalid requests) */
#define CH_URI(c) ((c) > 0x20 && (c) < 0x7f)
/* field-value / reason-phrase: HTAB, SP, VCHAR, obs-text; never CR, LF, NUL, DEL */
#define CH_FVAL(c) ((c) == '\t' || ((c) >= 0x20 && (c) != 0x7f))
/* Host (RFC 3986 reg-name / IP-literal / port): unreserved, pct-encoded, sub-delims, ":[]" */
#define CH_HOST(c) (CH_ALPHA(c) || CH_DIGIT(c) || (c) == '-' || (c) == '.' || (c) == '_' ||  \
		    (c) == '~' || (c) == '%' || (c) == '!' || (c) == '$' || (c) == '&' ||      \
		    (c) == '\'' || (c) == '(' || (c) == ')' || (c) == '*' || (c) == '+' ||     \
		    (c) == ',' || (c) == ';' || (c) == '=' || (c) == ':' || (c) == '[' ||      \
		    (c) == ']')
#define CH_WS(c) ((c) == ' ' || (c) == '\t')
/* URI scheme (RFC 3986 3.1) after its first letter */
#define CH_SCHEME(c) (CH_ALPHA(c) || CH_DIGIT(c) || (c) == '+' || (c) == '-' || (c) == '.')

enum {
	C_TCHAR = 1 << 0,
	C_URI = 1 << 1,
	C_FVAL = 1 << 2,
	C_HOST = 1 << 3,
	C_HEX = 1 << 4,
	C_WS = 1 << 5,
	C_DIGIT = 1 << 6,
	C_SCHEME = 1 << 7,
};

#define CLS(c) ((CH_TCHAR(c) ? C_TCHAR : 0) | (CH_URI(c) ? C_URI : 0) |		\
		(CH_FVAL(c) ? C_FVAL : 0) | (CH_HOST(c) ? C_HOST : 0) |		\
		(CH_HEX(c) ? C_HEX : 0) | (CH_WS(c) ? C_WS : 0) |			\
		(CH_DIGIT(c) ? C_DIGIT : 0) | (CH_SCHEME(c) ? C_SCHEME : 0))
#define CLS4(b) CLS(b), CLS((b) + 1), CLS((b) + 2), CLS((b) + 3)
#define CLS16(b) CLS4(b), CLS4((b) + 4), CLS4((b) + 8), CLS4((b) + 12)
#define CLS64(b) CLS16(b), CLS16((b) + 16), CLS16((b) + 32), CLS16((b) + 48)

static const uint8_t h1_cls[256] = { CLS64(0), CLS64(64), CLS64(128), CLS64(192) };

#define HEXV(c) (CH_DIGIT(c) ? (c) - '0' : ((c) >= 'a' && (c) <= 'f') ? (c) - 'a' + 10 :	\
		 ((c) >= 'A' && (c) <= 'F') ? (c) - 'A' + 10 : 0)
#define HEX4(b) HEXV(b), HEXV((b) + 1), HEXV((b) + 2), HEXV((b) + 3)
#define HEX16(b) HEX4(b), HEX4((b) + 4), HEX4((b) + 8), HEX4((b) + 12)
#define HEX64(b) HEX16(b), HEX16((b) + 16), HEX16((b) + 32), HEX16((b) + 48)

/* value of a hex digit (0 for the other bytes: test C_HEX first) */
static const uint8_t h1_hexval[256] = { HEX64(0), HEX64(64), HEX64(128), HEX64(192) };

#define LOWER(c) ((c) | (((c) >= 'A' && (c) <= 'Z') ? 0x20 : 0))
#define LOW4(b) LOWER(b), LOWER((b) + 1), LOWER((b) + 2), LOWER((b) + 3)
#define LOW16(b) LOW4(b), LOW4((b) + 4), LOW4((b) + 8), LOW4((b) + 12)
#define LOW64(b) LOW16(b), LOW16((b) + 16), LOW16((b) + 32), LOW16((b) + 48)

static const uint8_t h1_lower[256] = { LOW64(0), LOW64(64), LOW64(128), LOW64(192) };

#define IS(c, cl) (h1_cls[(unsigned char)(c)] & (cl))

/* Eight bytes at a time for the long runs (values, targets): a word is "clean" when none
 * of its bytes can stop the run, tested with the classic has-less-than bit trick (exact as
 * a yes/no answer; bytes >= 0x80 never count as less). The byte loop with the table then
 * finds the exact stop. */
#define SWAR_ONES 0x0101010101010101ULL
#define SWAR_HIGHS 0x8080808080808080ULL
#define SWAR_LESS(v, n) (((v) - SWAR_ONES * (n)) & ~(v) & SWAR_HIGHS)
#define SWAR_HAS(v, b) SWAR_LESS((v) ^ (SWAR_ONES * (b)), 1)

static inline uint64_t
load64(const char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Skips field-value bytes (C_FVAL) from p, at most up to len. */
static inline size_t
skip_fval(const char *buf, size_t len, size_t p)
{
	while (p + 8 <= len) {
		uint64_t v = load64(buf + p);
		if (SWAR_LESS(v, 0x20) | SWAR_HAS(v, 0x7f))
			break;
		p += 8;
	}
	while (IS(buf[p], C_FVAL))
		p++;
	return p;
}

/* Skips request-target bytes (C_URI) from p, at most up to len. */
static inline size_t
skip_uri(const char *buf, size_t len, size_t p)
{
	while (p + 8 <= len) {
		uint64_t v = load64(buf + p);
		if (SWAR_LESS(v, 0x21) | (v & SWAR_HIGHS) | SWAR_HAS(v, 0x7f))
			break;
		p += 8;
	}
	while (IS(buf[p], C_URI))
		p++;
	return p;
}

static bool
ieq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (h1_lower[(unsigned char)a[i]] != h1_lower[(unsigned char)b[i]])
			return false;
	return true;
}

/* Compares a token from a message with a lower-case literal. */
static bool
tok_eq(const char *p, size_t len, const char *lit, size_t lit_len)
{
	return len == lit_len && ieq(p, lit, len);
}
#define TOK_EQ(p, len, lit) tok_eq(p, len, lit, sizeof(lit) - 1)

/* ---- errors ---- */

static int
h1_fail(struct lb_http1_error *err, int status, size_t off, const char *reason)
{
	err->status = status;
	err->offset = (uint32_t)off;
	err->reason = reason;
	return -1;
}

/* Names the fault when byte c is where something else was expected. */
static const char *
bad_byte(unsigned char c, const char *what)
{
	if (c == '\r')
		return "bare CR";
	if (c == '\n')
		return "unexpected end of line";
	if (c == 0)
		return "NUL byte";
	if ((c < 0x20 && c != '\t') || c == 0x7f)
		return "control character";
	return what;
}

/* ---- methods ---- */

static const struct {
	const char *name;
	uint8_t len;
	enum lb_http_meth meth;
} h1_meths[] = {
	{ "GET", 3, LB_METH_GET },
	{ "POST", 4, LB_METH_POST },
	{ "HEAD", 4, LB_METH_HEAD },
	{ "PUT", 3, LB_METH_PUT },
	{ "DELETE", 6, LB_METH_DELETE },
	{ "OPTIONS", 7, LB_METH_OPTIONS },
	{ "CONNECT", 7, LB_METH_CONNECT },
	{ "PATCH", 5, LB_METH_PATCH },
	{ "TRACE", 5, LB_METH_TRACE },
};

/* Methods are case-sensitive (RFC 9110 9.1): "get" is LB_METH_OTHER. */
enum lb_http_meth
lb_http_meth_parse(const char *p, size_t len)
{
	for (size_t i = 0; i < sizeof(h1_meths) / sizeof(h1_meths[0]); i++)
		if (h1_meths[i].len == len && !memcmp(h1_meths[i].name, p, len))
			return h1_meths[i].meth;
	return LB_METH_OTHER;
}

const char *
lb_http_meth_name(enum lb_http_meth meth)
{
	for (size_t i = 0; i < sizeof(h1_meths) / sizeof(h1_meths[0]); i++)
		if (h1_meths[i].meth == meth)
			return h1_meths[i].name;
	return NULL;
}

/* ---- finding the head ---- */

size_t
lb_http1_head_end(const char *buf, size_t len, size_t *scan)
{
	size_t start = 0, from;

	/* Leading empty lines (RFC 9112 2.2) are skipped on every call: normally zero bytes,
	 * and it keeps "\r\n" + "\r\n" from looking like an empty head across two calls. */
	while (start < len && (buf[start] == '\r' || buf[start] == '\n'))
		start++;
	from = *scan > start ? *scan : start;
	while (from < len) {
		const char *nl = memchr(buf + from, '\n', len - from);
		size_t i;

		if (!nl)
			break;
		i = (size_t)(nl - buf);
		/* every '\n' at or after `start` ends a non-empty line; is the next one empty? */
		if (i + 1 >= len || (buf[i + 1] == '\r' && i + 2 >= len)) {
			*scan = i;	/* look at this '\n' again when more bytes come */
			return 0;
		}
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
		from = i + 1;
	}
	*scan = len;
	return 0;
}

/* ---- header fields ---- */

struct h1_parse {
	const char *buf;
	size_t len;
	struct lb_http1_msg *msg;
	struct lb_http1_error *err;
	bool is_req;
	bool te_last_chunked;	/* the last coding listed so far is chunked */
	bool te_other;		/* a coding other than chunked was listed */
	bool conn_upgrade;	/* "upgrade" among the Connection tokens */
	bool has_upgrade;	/* an Upgrade header is present */
	unsigned te_chunked;	/* times "chunked" was listed */
	uint32_t cl_off, te_off;	/* first CL / TE header, for error offsets */
};

typedef int (*h1_hdr_fn)(struct h1_parse *ps, const struct lb_http1_hdr *h);

/* Next element of a comma-separated list in v[*pos..len): skips OWS and empty elements,
 * returns false at the end. The element is the run up to the next comma, OWS trimmed. */
static bool
list_next(const char *v, size_t len, size_t *pos, size_t *off, size_t *elen)
{
	size_t p = *pos, e;

	while (p < len && (v[p] == ',' || IS(v[p], C_WS)))
		p++;
	if (p == len)
		return false;
	e = p;
	while (e < len && v[e] != ',')
		e++;
	*pos = e;
	while (e > p && IS(v[e - 1], C_WS))
		e--;
	*off = p;
	*elen = e - p;
	return true;
}

static int
hdr_host(struct h1_parse *ps, const struct lb_http1_hdr *h)
{
	struct lb_http1_msg *msg = ps->msg;
	const char *v = ps->buf + h->value_off;

	if (!ps->is_req)
		return 0;
	if (msg->flags & LB_MSG_F_HAS_HOST)
		return h1_fail(ps->err, 400, h->name_off, "more than one Host header");
	/* an empty Host is valid (RFC 9110 7.2: target URI without authority) */
	for (uint32_t i = 0; i < h->value_len; i++)
		if (!IS(v[i], C_HOST))
			return h1_fail(ps->err, 400, h->value_off + i, "invalid character in Host");
	msg->flags |= LB_MSG_F_HAS_HOST;
	msg->host_idx = (int)msg->nhdrs;
	return 0;
}

/* Content-Length = 1#DIGIT. Repeats of one value ("5, 5", or two headers) are merged as
 * RFC 9110 8.6 allows; differing values are a smuggling attempt. */
static int
hdr_content_length(struct h1_parse *ps, const struct lb_http1_hdr *h)
{
	const char *v = ps->buf + h->value_off;
	size_t p = 0, n = h->value_len;

	if (!(ps->msg->flags & LB_MSG_F_HAS_CL))
		ps->cl_off = h->name_off;
	for (;;) {
		uint64_t val = 0;
		size_t d = p;

		while (p < n && IS(v[p], C_DIGIT)) {
			unsigned dig = (unsigned)(v[p] - '0');
			if (val > (UINT64_MAX - dig) / 10)
				return h1_fail(ps->err, 400, h->value_off + p,
					       "Content-Length too large");
			val = val * 10 + dig;
			p++;
		}
		if (p == d)
			return h1_fail(ps->err, 400, h->value_off + p, "invalid Content-Length");
		if (!(ps->msg->flags & LB_MSG_F_HAS_CL)) {
			ps->msg->content_length = val;
			ps->msg->flags |= LB_MSG_F_HAS_CL;
		} else if (val != ps->msg->content_length) {
			return h1_fail(ps->err, 400, h->value_off + d,
				       "conflicting Content-Length values");
		}
		while (p < n && IS(v[p], C_WS))
			p++;
		if (p == n)
			return 0;
		if (v[p] != ',')
			return h1_fail(ps->err, 400, h->value_off + p, "invalid Content-Length");
		p++;
		while (p < n && IS(v[p], C_WS))
			p++;
	}
}

/* Skips a transfer-parameter list (";" name "=" token/quoted-string ...) up to the next
 * top-level comma. Returns false on an unterminated quoted string. */
static bool
skip_params(const char *v, size_t n, size_t *pos)
{
	size_t p = *pos;

	while (p < n && v[p] != ',') {
		if (v[p] == '"') {
			for (p++; p < n && v[p] != '"'; p++)
				if (v[p] == '\\')
					p++;
			if (p >= n)
				return false;
		}
		p++;
	}
	*pos = p;
	return true;
}

/* Transfer-Encoding = #transfer-coding. Lists of all TE headers are one list (RFC 9110
 * 5.3); the verdict (final coding, repeats, unknown codings) is given once all are seen. */
static int
hdr_transfer_encoding(struct h1_parse *ps, const struct lb_http1_hdr *h)
{
	const char *v = ps->buf + h->value_off;
	size_t p = 0, n = h->value_len;

	if (!(ps->msg->flags & LB_MSG_F_HAS_TE))
		ps->te_off = h->name_off;
	ps->msg->flags |= LB_MSG_F_HAS_TE;
	for (;;) {
		size_t t;
		bool chunked;

		while (p < n && (v[p] == ',' || IS(v[p], C_WS)))
			p++;
		if (p == n)
			return 0;
		t = p;
		while (p < n && IS(v[p], C_TCHAR))
			p++;
		if (p == t)
			return h1_fail(ps->err, 400, h->value_off + p, "invalid Transfer-Encoding");
		chunked = TOK_EQ(v + t, p - t, "chunked");
		if (chunked)
			ps->te_chunked++;
		else
			ps->te_other = true;
		ps->te_last_chunked = chunked;
		while (p < n && IS(v[p], C_WS))
			p++;
		if (p < n && v[p] == ';') {
			if (chunked)
				return h1_fail(ps->err, 400, h->value_off + p,
					       "parameters on the chunked coding");
			if (!skip_params(v, n, &p))
				return h1_fail(ps->err, 400, h->value_off + p,
					       "invalid Transfer-Encoding");
		}
		if (p < n && v[p] != ',')
			return h1_fail(ps->err, 400, h->value_off + p, "invalid Transfer-Encoding");
	}
}

static int
hdr_connection(struct h1_parse *ps, const struct lb_http1_hdr *h)
{
	const char *v = ps->buf + h->value_off;
	size_t pos = 0, off, n;

	while (list_next(v, h->value_len, &pos, &off, &n)) {
		if (TOK_EQ(v + off, n, "close"))
			ps->msg->flags |= LB_MSG_F_CONN_CLOSE;
		else if (TOK_EQ(v + off, n, "keep-alive"))
			ps->msg->flags |= LB_MSG_F_CONN_KEEPALIVE;
		else if (TOK_EQ(v + off, n, "upgrade"))
			ps->conn_upgrade = true;
	}
	return 0;
}

static int
hdr_upgrade(struct h1_parse *ps, const struct lb_http1_hdr *h)
{
	(void)h;
	ps->has_upgrade = true;
	return 0;
}

static int
hdr_expect(struct h1_parse *ps, const struct lb_http1_hdr *h)
{
	if (ps->is_req && TOK_EQ(ps->buf + h->value_off, h->value_len, "100-continue"))
		ps->msg->flags |= LB_MSG_F_EXPECT_100;
	return 0;
}

/* The header names the proxy cares about, sorted by length: a name is compared only with
 * the rows of its own length. `fn` checks the value (NULL: nothing to check). */
static const struct h1_known {
	uint8_t len;
	char name[19];		/* lower case */
	uint16_t flag;
	h1_hdr_fn fn;
} h1_known[] = {
	{ 2, "te", LB_HDR_F_TE, NULL },
	{ 4, "host", LB_HDR_F_HOST, hdr_host },
	{ 6, "expect", LB_HDR_F_EXPECT, hdr_expect },
	{ 7, "upgrade", LB_HDR_F_UPGRADE, hdr_upgrade },
	{ 7, "trailer", LB_HDR_F_TRAILER, NULL },
	{ 10, "connection", LB_HDR_F_CONNECTION, hdr_connection },
	{ 10, "keep-alive", LB_HDR_F_KEEP_ALIVE, NULL },
	{ 14, "content-length", LB_HDR_F_CONTENT_LENGTH, hdr_content_length },
	{ 16, "proxy-connection", LB_HDR_F_PROXY_CONNECTION, NULL },
	{ 17, "transfer-encoding", LB_HDR_F_TRANSFER_ENCODING, hdr_transfer_encoding },
	{ 18, "proxy-authenticate", LB_HDR_F_PROXY_AUTHENTICATE, NULL },
};

/* First row of h1_known for each name length; 0xff when none. Keep in step with h1_known. */
static const uint8_t h1_known_first[19] = {
	0xff, 0xff, 0, 0xff, 1, 0xff, 2, 3, 0xff, 0xff, 5, 0xff, 0xff, 0xff, 7, 0xff, 8, 9, 10,
};

static const struct h1_known *
known_hdr(const char *name, size_t len)
{
	unsigned k;

	if (len >= sizeof(h1_known_first) || (k = h1_known_first[len]) == 0xff)
		return NULL;
	for (; k < sizeof(h1_known) / sizeof(h1_known[0]) && h1_known[k].len == len; k++) {
		const char *kn = h1_known[k].name;
		size_t i;

		/* names are tchar, and for tchar bytes `| 0x20` only folds A-Z onto a-z */
		for (i = 0; i < len && (name[i] | 0x20) == kn[i]; i++)
			;
		if (i == len)
			return &h1_known[k];
	}
	return NULL;
}

/* Parses header lines from buf[p] up to and including the empty line; returns the offset
 * after it, or 0 with ps->err filled. Statuses are those of a request (the response parser
 * turns them into 502). */
static size_t
parse_fields(struct h1_parse *ps, size_t p)
{
	const char *buf = ps->buf;
	size_t len = ps->len;
	struct lb_http1_msg *msg = ps->msg;

	for (;;) {
		size_t line, name_end, vstart, vend, next;
		unsigned char c;

		if (p >= len) {
			h1_fail(ps->err, 400, p, "incomplete message head");
			return 0;
		}
		c = (unsigned char)buf[p];
		if (c == '\n')
			return p + 1;
		if (c == '\r') {
			if (p + 1 < len && buf[p + 1] == '\n')
				return p + 2;
			h1_fail(ps->err, 400, p, "bare CR");
			return 0;
		}
		if (IS(c, C_WS)) {
			h1_fail(ps->err, 400, p, "obsolete line folding");
			return 0;
		}
		line = p;
		while (IS(buf[p], C_TCHAR))
			p++;
		name_end = p;
		if (buf[p] != ':') {
			const char *why;

			if (IS(buf[p], C_WS))
				why = "whitespace between field name and colon";
			else if (buf[p] == '\r' || buf[p] == '\n')
				why = "header line without colon";
			else
				why = bad_byte((unsigned char)buf[p],
					       "invalid character in field name");
			h1_fail(ps->err, 400, p, why);
			return 0;
		}
		if (p == line) {
			h1_fail(ps->err, 400, p, "empty field name");
			return 0;
		}
		p++;
		while (IS(buf[p], C_WS))
			p++;
		vstart = p;
		p = skip_fval(buf, len, p);
		vend = p;
		if (buf[p] == '\n') {
			next = p + 1;
		} else if (buf[p] == '\r' && p + 1 < len && buf[p + 1] == '\n') {
			next = p + 2;
		} else {
			h1_fail(ps->err, 400, p, bad_byte((unsigned char)buf[p],
							  "invalid character in field value"));
			return 0;
		}
		if (p - line > LB_HTTP1_MAX_HDRLINE) {
			h1_fail(ps->err, 431, line, "header line too long");
			return 0;
		}
		while (vend > vstart && IS(buf[vend - 1], C_WS))
			vend--;
		if (msg->nhdrs >= msg->max_hdrs) {
			h1_fail(ps->err, 431, line, "too many header fields");
			return 0;
		}

		struct lb_http1_hdr *h = &msg->hdrs[msg->nhdrs];
		const struct h1_known *k = known_hdr(buf + line, name_end - line);

		h->name_off = (uint32_t)line;
		h->name_len = (uint16_t)(name_end - line);
		h->value_off = (uint32_t)vstart;
		h->value_len = (uint32_t)(vend - vstart);
		h->flags = 0;
		if (k) {
			h->flags = k->flag;
			if (k->fn && k->fn(ps, h) < 0)
				return 0;
		}
		msg->nhdrs++;
		p = next;
	}
}

static void
msg_reset(struct lb_http1_msg *msg)
{
	struct lb_http1_hdr *hdrs = msg->hdrs;
	unsigned max_hdrs = msg->max_hdrs;

	memset(msg, 0, sizeof(*msg));
	msg->hdrs = hdrs;
	msg->max_hdrs = hdrs ? max_hdrs : 0;
	msg->host_idx = -1;
}

/* Skips empty lines before a start line (RFC 9112 2.2). A bare CR is left for the caller
 * to refuse. */
static size_t
skip_empty_lines(const char *buf, size_t len, size_t p)
{
	for (;;) {
		if (p < len && buf[p] == '\n')
			p++;
		else if (p + 1 < len && buf[p] == '\r' && buf[p + 1] == '\n')
			p += 2;
		else
			return p;
	}
}

/* Line end at buf[p]: returns the offset after it, 0 if there is none. */
static size_t
line_end(const char *buf, size_t len, size_t p)
{
	if (p < len && buf[p] == '\n')
		return p + 1;
	if (p + 1 < len && buf[p] == '\r' && buf[p + 1] == '\n')
		return p + 2;
	return 0;
}

/* "HTTP/" DIGIT "." DIGIT at buf[p]. Returns 10 or 11, 0 when malformed, -1 when the
 * major version is not 1. A higher 1.x minor counts as 1.1 (RFC 9110 2.5). */
static int
parse_version(const char *buf, size_t len, size_t p)
{
	if (len - p < 8 || memcmp(buf + p, "HTTP/", 5) || !IS(buf[p + 5], C_DIGIT) ||
	    buf[p + 6] != '.' || !IS(buf[p + 7], C_DIGIT))
		return 0;
	if (buf[p + 5] != '1')
		return -1;
	return buf[p + 7] == '0' ? 10 : 11;
}

/* Common entry checks: a head ends with '\n' (the sentinel of the inner loops) and fits
 * the 32-bit offsets of the message. */
static int
check_head(const char *buf, size_t len, struct lb_http1_error *err)
{
	if (len > UINT32_MAX)
		return h1_fail(err, 431, 0, "message head too large");
	if (!len || buf[len - 1] != '\n')
		return h1_fail(err, 400, len, "incomplete message head");
	return 0;
}

/* CONNECT's authority-form: host ":" port, nothing else (RFC 9110 9.3.6). */
static bool
valid_authority(const char *p, size_t n)
{
	size_t colon = n, i;

	for (i = 0; i < n; i++) {
		if (!IS(p[i], C_HOST))
			return false;
		if (p[i] == ':')
			colon = i;
	}
	if (colon == 0 || colon + 1 >= n)
		return false;
	for (i = colon + 1; i < n; i++)
		if (!IS(p[i], C_DIGIT))
			return false;
	return true;
}

/* Request-target forms (RFC 9112 3.2) and which methods may use them. */
static int
check_target(struct h1_parse *ps)
{
	struct lb_http1_msg *msg = ps->msg;
	const char *t = ps->buf + msg->uri_off;
	size_t n = msg->uri_len, i;

	if (msg->meth == LB_METH_CONNECT) {
		if (!valid_authority(t, n))
			return h1_fail(ps->err, 400, msg->uri_off,
				       "CONNECT needs an authority-form target");
		return 0;
	}
	if (t[0] == '/')
		return 0;
	if (t[0] == '*' && n == 1) {
		if (msg->meth != LB_METH_OPTIONS)
			return h1_fail(ps->err, 400, msg->uri_off,
				       "asterisk-form target only allowed with OPTIONS");
		return 0;
	}
	/* absolute-form: scheme "://" (a bare "host:port" is authority-form, CONNECT only) */
	if (CH_ALPHA((unsigned char)t[0])) {
		for (i = 1; i < n && IS(t[i], C_SCHEME); i++)
			;
		if (n - i >= 3 && t[i] == ':' && t[i + 1] == '/' && t[i + 2] == '/') {
			msg->flags |= LB_MSG_F_ABS_URI;
			return 0;
		}
	}
	return h1_fail(ps->err, 400, msg->uri_off, "invalid request target");
}

int
lb_http1_parse_request(const char *buf, size_t len, struct lb_http1_msg *msg,
		       struct lb_http1_error *err)
{
	struct h1_parse ps = { .buf = buf, .len = len, .msg = msg, .err = err, .is_req = true };
	size_t p, e;
	int v;

	msg_reset(msg);
	if (check_head(buf, len, err) < 0)
		return -1;
	p = skip_empty_lines(buf, len, 0);
	if (p >= len)
		return h1_fail(err, 400, p, "incomplete message head");

	/* method SP */
	msg->meth_off = (uint32_t)p;
	while (IS(buf[p], C_TCHAR))
		p++;
	msg->meth_len = (uint32_t)(p - msg->meth_off);
	if (buf[p] != ' ' || !msg->meth_len)
		return h1_fail(err, 400, p, bad_byte((unsigned char)buf[p], "invalid method"));
	msg->meth = lb_http_meth_parse(buf + msg->meth_off, msg->meth_len);

	/* request-target SP */
	msg->uri_off = (uint32_t)++p;
	p = skip_uri(buf, len, p);
	msg->uri_len = (uint32_t)(p - msg->uri_off);
	if (p - msg->meth_off + 9 > LB_HTTP1_MAX_REQLINE)
		return h1_fail(err, 414, msg->uri_off, "request line too long");
	if (buf[p] != ' ' || !msg->uri_len) {
		const char *why;

		if (!msg->uri_len)
			why = buf[p] == ' ' ? "more than one space after the method"
					    : "missing request target";
		else if (buf[p] == '\r' || buf[p] == '\n')
			why = "missing HTTP version";
		else
			why = bad_byte((unsigned char)buf[p],
				       "invalid character in request target");
		return h1_fail(err, 400, p, why);
	}
	p++;

	/* HTTP-version line-end */
	v = parse_version(buf, len, p);
	if (v < 0)
		return h1_fail(err, 505, p, "HTTP version not supported");
	if (!v)
		return h1_fail(err, 400, p, "invalid HTTP version");
	msg->version = v;
	e = line_end(buf, len, p + 8);
	if (!e)
		return h1_fail(err, 400, p + 8,
			       bad_byte((unsigned char)buf[p + 8], "junk after the HTTP version"));
	msg->start_len = (uint32_t)e;
	if (check_target(&ps) < 0)
		return -1;

	p = parse_fields(&ps, e);
	if (!p)
		return -1;
	msg->head_len = (uint32_t)p;

	/* framing (RFC 9112 6.1, 6.3) */
	if (msg->version == 11 && !(msg->flags & LB_MSG_F_HAS_HOST))
		return h1_fail(err, 400, msg->start_len, "missing Host header");
	if (msg->flags & LB_MSG_F_HAS_TE) {
		if (msg->flags & LB_MSG_F_HAS_CL)
			return h1_fail(err, 400, ps.te_off > ps.cl_off ? ps.te_off : ps.cl_off,
				       "both Content-Length and Transfer-Encoding");
		if (msg->version == 10)
			return h1_fail(err, 400, ps.te_off,
				       "Transfer-Encoding in an HTTP/1.0 request");
		if (!ps.te_last_chunked)
			return h1_fail(err, 400, ps.te_off, "final transfer coding is not chunked");
		if (ps.te_chunked > 1)
			return h1_fail(err, 400, ps.te_off, "chunked applied more than once");
		if (ps.te_other)
			return h1_fail(err, 501, ps.te_off, "unsupported transfer coding");
		msg->body = LB_BODY_CHUNKED;
	} else if (msg->flags & LB_MSG_F_HAS_CL) {
		msg->body = LB_BODY_LENGTH;
	} else {
		msg->body = LB_BODY_NONE;
	}
	if (ps.conn_upgrade && ps.has_upgrade)
		msg->flags |= LB_MSG_F_CONN_UPGRADE;
	return 0;
}

static int
parse_response(struct h1_parse *ps, enum lb_http_meth req_meth)
{
	const char *buf = ps->buf;
	size_t len = ps->len;
	struct lb_http1_msg *msg = ps->msg;
	struct lb_http1_error *err = ps->err;
	size_t p, e;
	int v, st;

	if (check_head(buf, len, err) < 0) {
		err->status = 502;
		return -1;
	}
	/* a stray CRLF after a previous body is tolerated as before a request line */
	p = skip_empty_lines(buf, len, 0);
	v = len > p ? parse_version(buf, len, p) : 0;
	if (v <= 0)
		return h1_fail(err, 502, p, v < 0 ? "HTTP version not supported"
						  : "invalid HTTP version");
	msg->version = v;
	msg->meth_off = (uint32_t)p;	/* start of the status line */
	p += 8;
	if (len - p < 4 || buf[p] != ' ' || !IS(buf[p + 1], C_DIGIT) ||
	    !IS(buf[p + 2], C_DIGIT) || !IS(buf[p + 3], C_DIGIT))
		return h1_fail(err, 502, p, "invalid status code");
	st = (buf[p + 1] - '0') * 100 + (buf[p + 2] - '0') * 10 + (buf[p + 3] - '0');
	if (st < 100 || st > 599)	/* RFC 9110 15: other values are invalid */
		return h1_fail(err, 502, p + 1, "invalid status code");
	msg->status = st;
	p += 4;
	/* SP reason-phrase; many servers send "HTTP/1.1 200" with no SP at all: accepted */
	if (buf[p] == ' ')
		p++;
	else if (buf[p] != '\r' && buf[p] != '\n')
		return h1_fail(err, 502, p, "invalid status code");
	msg->reason_off = (uint32_t)p;
	p = skip_fval(buf, len, p);
	msg->reason_len = (uint32_t)(p - msg->reason_off);
	e = line_end(buf, len, p);
	if (!e)
		return h1_fail(err, 502, p,
			       bad_byte((unsigned char)buf[p], "invalid reason phrase"));
	msg->start_len = (uint32_t)e;

	p = parse_fields(ps, e);
	if (!p) {
		err->status = 502;
		return -1;
	}
	msg->head_len = (uint32_t)p;

	/* framing (RFC 9112 6.3) */
	if (msg->flags & LB_MSG_F_HAS_TE) {
		if (msg->flags & LB_MSG_F_HAS_CL)
			return h1_fail(err, 502, ps->te_off > ps->cl_off ? ps->te_off : ps->cl_off,
				       "both Content-Length and Transfer-Encoding");
		if (msg->version == 10)
			return h1_fail(err, 502, ps->te_off,
				       "Transfer-Encoding in an HTTP/1.0 response");
		if (ps->te_chunked > 1)
			return h1_fail(err, 502, ps->te_off, "chunked applied more than once");
	}
	if (req_meth == LB_METH_HEAD || st < 200 || st == 204 || st == 304 ||
	    (req_meth == LB_METH_CONNECT && st < 300))
		msg->body = LB_BODY_NONE;
	else if (msg->flags & LB_MSG_F_HAS_TE)
		/* codings the proxy does not know are the client's business; only a final
		 * chunked delimits the body, otherwise the close does */
		msg->body = ps->te_last_chunked ? LB_BODY_CHUNKED : LB_BODY_UNTIL_CLOSE;
	else if (msg->flags & LB_MSG_F_HAS_CL)
		msg->body = LB_BODY_LENGTH;
	else
		msg->body = LB_BODY_UNTIL_CLOSE;
	if (ps->conn_upgrade && ps->has_upgrade)
		msg->flags |= LB_MSG_F_CONN_UPGRADE;
	return 0;
}

int
lb_http1_parse_response(const char *buf, size_t len, enum lb_http_meth req_meth,
			struct lb_http1_msg *msg, struct lb_http1_error *err)
{
	struct h1_parse ps = { .buf = buf, .len = len, .msg = msg, .err = err, .is_req = false };

	msg_reset(msg);
	msg->meth = req_meth;
	return parse_response(&ps, req_meth);
}

/* ---- header helpers ---- */

int
lb_http1_find_hdr(const char *buf, const struct lb_http1_msg *msg, const char *name,
		  size_t name_len, int from)
{
	for (unsigned i = from > 0 ? (unsigned)from : 0; i < msg->nhdrs; i++) {
		const struct lb_http1_hdr *h = &msg->hdrs[i];
		if (h->name_len == name_len && ieq(buf + h->name_off, name, name_len))
			return (int)i;
	}
	return -1;
}

bool
lb_http1_conn_has(const char *buf, const struct lb_http1_msg *msg, const char *token)
{
	size_t tlen = strlen(token);

	for (unsigned i = 0; i < msg->nhdrs; i++) {
		const struct lb_http1_hdr *h = &msg->hdrs[i];
		const char *v = buf + h->value_off;
		size_t pos = 0, off, n;

		if (!(h->flags & LB_HDR_F_CONNECTION))
			continue;
		while (list_next(v, h->value_len, &pos, &off, &n))
			if (n == tlen && ieq(v + off, token, n))
				return true;
	}
	return false;
}

void
lb_http1_mark_hop(const char *buf, struct lb_http1_msg *msg)
{
	const uint16_t always = LB_HDR_F_CONNECTION | LB_HDR_F_KEEP_ALIVE |
				LB_HDR_F_PROXY_CONNECTION | LB_HDR_F_TE | LB_HDR_F_TRAILER;
	/* a Connection token can never strip what frames or routes the message
	 * ("Connection: Content-Length" is an attack, not an option) */
	const uint16_t keep = LB_HDR_F_HOST | LB_HDR_F_CONTENT_LENGTH |
			      LB_HDR_F_TRANSFER_ENCODING;
	bool upgrade = msg->flags & LB_MSG_F_CONN_UPGRADE;

	for (unsigned i = 0; i < msg->nhdrs; i++) {
		struct lb_http1_hdr *h = &msg->hdrs[i];

		if ((h->flags & always) || ((h->flags & LB_HDR_F_UPGRADE) && !upgrade))
			h->flags |= LB_HDR_F_HOP;
	}
	for (unsigned i = 0; i < msg->nhdrs; i++) {
		const struct lb_http1_hdr *c = &msg->hdrs[i];
		const char *v = buf + c->value_off;
		size_t pos = 0, off, n;

		if (!(c->flags & LB_HDR_F_CONNECTION))
			continue;
		while (list_next(v, c->value_len, &pos, &off, &n)) {
			if (TOK_EQ(v + off, n, "close") || TOK_EQ(v + off, n, "keep-alive") ||
			    TOK_EQ(v + off, n, "upgrade"))
				continue;	/* options, or handled above */
			for (unsigned j = 0; j < msg->nhdrs; j++) {
				struct lb_http1_hdr *h = &msg->hdrs[j];
				if (!(h->flags & keep) && h->name_len == n &&
				    ieq(buf + h->name_off, v + off, n))
					h->flags |= LB_HDR_F_HOP;
			}
		}
	}
}

/* ---- chunked bodies ---- */

#define H1_FALLTHROUGH __attribute__((fallthrough))

/* States of lb_http1_chunk_scan; 0 is the start so that a zeroed struct is ready. */
enum {
	CK_SIZE0 = 0,	/* first hex digit of a chunk-size */
	CK_SIZE,	/* more hex digits */
	CK_SIZE_WS,	/* whitespace after the size */
	CK_EXT,		/* chunk extensions, skipped up to the line end */
	CK_SIZE_LF,	/* LF after the CR of the size line */
	CK_DATA,	/* chunk data, `remaining` bytes */
	CK_DATA_END,	/* CRLF (or LF) after the data */
	CK_DATA_LF,
	CK_TR_START,	/* start of a trailer line, or the final empty line */
	CK_TR_NAME,
	CK_TR_VALUE,
	CK_TR_LF,	/* LF after the CR of a trailer line */
	CK_FINAL_LF,	/* LF after the CR of the final empty line */
	CK_DONE,
};

static long
ck_fail(struct lb_http1_error *err, size_t off, const char *reason)
{
	h1_fail(err, 400, off, reason);
	return -1;
}

/* Names the fault of byte c where a trailer field name (or its colon) was expected. */
static const char *
trailer_fault(unsigned char c, bool line_start)
{
	if (IS(c, C_WS) && line_start)
		return "obsolete line folding";
	if (IS(c, C_WS))
		return "whitespace between field name and colon";
	if (c == '\r' || c == '\n')
		return "trailer field without colon";
	return bad_byte(c, "invalid trailer field");
}

/* The byte-at-a-time part of the scan handles framing lines; chunk data is skipped in
 * bulk. err->status is 400: the caller answers 502 when the body is a response's. */
long
lb_http1_chunk_scan(struct lb_http1_chunk *st, const char *buf, size_t len,
		    struct lb_http1_error *err)
{
	size_t p = 0;

	if (st->done)
		return 0;
	while (p < len) {
		unsigned char c = (unsigned char)buf[p];

		switch (st->state) {
		case CK_SIZE0:
			if (c == '\r' || c == '\n')
				return ck_fail(err, p, "missing chunk size");
			if (!IS(c, C_HEX))
				return ck_fail(err, p, bad_byte(c, "invalid chunk size"));
			st->remaining = h1_hexval[c];
			st->line_len = 1;
			st->state = CK_SIZE;
			p++;
			break;
		case CK_SIZE:
			while (p < len && IS(buf[p], C_HEX)) {
				if (st->remaining >> 59)	/* the next digit would pass 2^63 */
					return ck_fail(err, p, "chunk size too large");
				st->remaining = st->remaining << 4 |
						h1_hexval[(unsigned char)buf[p]];
				if (++st->line_len > LB_HTTP1_MAX_CHUNK_LINE)
					return ck_fail(err, p, "chunk size line too long");
				p++;
			}
			if (p == len)
				break;
			st->state = CK_SIZE_WS;
			H1_FALLTHROUGH;
		case CK_SIZE_WS:
			/* BWS, then ";" chunk-ext or the line end (trailing BWS tolerated as
			 * HAProxy does); nothing else may follow a chunk size */
			while (p < len && IS(buf[p], C_WS)) {
				if (++st->line_len > LB_HTTP1_MAX_CHUNK_LINE)
					return ck_fail(err, p, "chunk size line too long");
				p++;
			}
			if (p == len)
				break;
			c = (unsigned char)buf[p];
			if (c == ';') {
				st->state = CK_EXT;
				break;
			}
			goto size_eol;
		case CK_EXT:
			while (p < len && IS(buf[p], C_FVAL)) {
				if (++st->line_len > LB_HTTP1_MAX_CHUNK_LINE)
					return ck_fail(err, p, "chunk size line too long");
				p++;
			}
			if (p == len)
				break;
			c = (unsigned char)buf[p];
		size_eol:
			if (c == '\r') {
				st->state = CK_SIZE_LF;
				p++;
				break;
			}
			/* a bare LF ends the line too, as HAProxy accepts */
			if (c != '\n')
				return ck_fail(err, p, bad_byte(c, "invalid chunk size"));
			H1_FALLTHROUGH;
		case CK_SIZE_LF:
			if (buf[p] != '\n')
				return ck_fail(err, p, "bare CR");
			p++;
			st->line_len = 0;
			st->state = st->remaining ? CK_DATA : CK_TR_START;
			break;
		case CK_DATA: {
			size_t n = len - p;
			if (n > st->remaining)
				n = (size_t)st->remaining;
			st->remaining -= n;
			p += n;
			if (!st->remaining)
				st->state = CK_DATA_END;
			break;
		}
		case CK_DATA_END:
			if (c == '\r') {
				st->state = CK_DATA_LF;
				p++;
				break;
			}
			if (c != '\n')
				return ck_fail(err, p, "missing CRLF after chunk data");
			H1_FALLTHROUGH;
		case CK_DATA_LF:
			if (buf[p] != '\n')
				return ck_fail(err, p, "missing CRLF after chunk data");
			p++;
			st->state = CK_SIZE0;
			break;
		case CK_TR_START:
			if (c == '\r') {
				st->state = CK_FINAL_LF;
				p++;
				break;
			}
			if (c == '\n')
				goto done;
			if (!IS(c, C_TCHAR))
				return ck_fail(err, p, trailer_fault(c, true));
			st->state = CK_TR_NAME;
			H1_FALLTHROUGH;
		case CK_TR_NAME:
			while (p < len && IS(buf[p], C_TCHAR)) {
				if (++st->trailer_bytes > LB_HTTP1_MAX_TRAILERS)
					return ck_fail(err, p, "trailers too large");
				p++;
			}
			if (p == len)
				break;
			c = (unsigned char)buf[p];
			if (c != ':')
				return ck_fail(err, p, trailer_fault(c, false));
			st->trailer_bytes++;
			st->state = CK_TR_VALUE;
			p++;
			break;
		case CK_TR_VALUE:
			while (p < len && IS(buf[p], C_FVAL)) {
				if (++st->trailer_bytes > LB_HTTP1_MAX_TRAILERS)
					return ck_fail(err, p, "trailers too large");
				p++;
			}
			if (p == len)
				break;
			c = (unsigned char)buf[p];
			if (c == '\r') {
				st->state = CK_TR_LF;
				p++;
				break;
			}
			if (c != '\n')
				return ck_fail(err, p, bad_byte(c, "invalid trailer field"));
			H1_FALLTHROUGH;
		case CK_TR_LF:
			if (buf[p] != '\n')
				return ck_fail(err, p, "bare CR");
			if (++st->trailer_bytes > LB_HTTP1_MAX_TRAILERS)
				return ck_fail(err, p, "trailers too large");
			p++;
			st->state = CK_TR_START;
			break;
		case CK_FINAL_LF:
			if (c != '\n')
				return ck_fail(err, p, "bare CR");
			goto done;
		default:
			return ck_fail(err, p, "chunk scanner in an invalid state");
		}
	}
	return (long)p;
done:
	st->state = CK_DONE;
	st->done = true;
	return (long)(p + 1);
}

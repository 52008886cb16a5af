/* lbd/h2_conv.c: HTTP/1.1 message bytes <-> HTTP/2 header lists and DATA (see h2_conv.h) */
#include "h2_conv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_reply.h"
#include "util.h"

/* ---- the fields of a header block ---- */

bool
lbd_h2_fields_init(struct lbd_h2_fields *fl, uint32_t cap, unsigned max, uint32_t decoded_max)
{
	memset(fl, 0, sizeof(*fl));
	fl->buf = malloc(cap);
	fl->f = malloc(max * sizeof(*fl->f));
	if (!fl->buf || !fl->f) {
		lbd_h2_fields_free(fl);
		return false;
	}
	fl->cap = cap;
	fl->max = max;
	fl->decoded_max = decoded_max;
	lbd_h2_fields_reset(fl);
	return true;
}

void
lbd_h2_fields_free(struct lbd_h2_fields *fl)
{
	free(fl->buf);
	free(fl->f);
	fl->buf = NULL;
	fl->f = NULL;
}

void
lbd_h2_fields_reset(struct lbd_h2_fields *fl)
{
	fl->len = 0;
	fl->n = 0;
	fl->decoded = 0;
	fl->method = fl->scheme = fl->authority = fl->path = fl->status = -1;
}

static bool
name_is(const uint8_t *name, size_t nlen, const char *lit)
{
	size_t l = strlen(lit);
	return nlen == l && !memcmp(name, lit, l);
}

int
lbd_h2_fields_add(struct lbd_h2_fields *fl, const uint8_t *name, size_t nlen,
		  const uint8_t *value, size_t vlen)
{
	struct lbd_h2_field *f;

	fl->decoded += (uint32_t)LB_MIN(nlen + vlen + 32, UINT32_MAX / 2);
	if (fl->decoded > fl->decoded_max || fl->n >= fl->max || nlen + vlen > fl->cap - fl->len)
		return -1;
	f = &fl->f[fl->n];
	f->name_off = fl->len;
	f->name_len = (uint32_t)nlen;
	memcpy(fl->buf + fl->len, name, nlen);
	fl->len += (uint32_t)nlen;
	f->value_off = fl->len;
	f->value_len = (uint32_t)vlen;
	memcpy(fl->buf + fl->len, value, vlen);
	fl->len += (uint32_t)vlen;
	if (nlen && name[0] == ':') {
		int *slot = name_is(name, nlen, ":method") ? &fl->method
			  : name_is(name, nlen, ":path") ? &fl->path
			  : name_is(name, nlen, ":authority") ? &fl->authority
			  : name_is(name, nlen, ":scheme") ? &fl->scheme
			  : name_is(name, nlen, ":status") ? &fl->status : NULL;
		if (slot)
			*slot = (int)fl->n;
	}
	fl->n++;
	return 0;
}

/* ---- h2 -> h1 ---- */

/* A bounded appender: once something did not fit, everything after is refused too. */
struct out {
	char *p;
	size_t len, cap;
	bool full;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->full || n > o->cap - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void
put_field(struct out *o, const struct lbd_h2_fields *fl, int i)
{
	if (i < 0)
		return;
	put(o, lbd_h2_field_value(fl, (unsigned)i), fl->f[i].value_len);
}

static bool
field_is(const struct lbd_h2_fields *fl, unsigned i, const char *lit)
{
	return name_is((const uint8_t *)lbd_h2_field_name(fl, i), fl->f[i].name_len, lit);
}

/* Fields that must not cross into HTTP/1.1 from h2: nghttp2 already refuses
 * connection-specific fields in what it receives; framing is lbd's to decide. */
static bool
field_dropped(const struct lbd_h2_fields *fl, unsigned i)
{
	static const char *const names[] = {
		"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade",
		"host", "cookie", NULL,
	};
	if (fl->f[i].name_len == 0 || lbd_h2_field_name(fl, i)[0] == ':')
		return true;
	for (const char *const *n = names; *n; n++)
		if (field_is(fl, i, *n))
			return true;
	return false;
}

/* The regular fields, then the joined cookies; returns whether Content-Length was there. */
static bool
put_fields(struct out *o, const struct lbd_h2_fields *fl, bool keep_host)
{
	bool has_cl = false, cookie = false;

	for (unsigned i = 0; i < fl->n; i++) {
		if (keep_host && field_is(fl, i, "host")) {
			put(o, "host: ", 6);
			put_field(o, fl, (int)i);
			put(o, "\r\n", 2);
			continue;
		}
		if (field_dropped(fl, i))
			continue;
		if (field_is(fl, i, "content-length"))
			has_cl = true;
		put(o, lbd_h2_field_name(fl, i), fl->f[i].name_len);
		put(o, ": ", 2);
		put_field(o, fl, (int)i);
		put(o, "\r\n", 2);
	}
	for (unsigned i = 0; i < fl->n; i++) {
		if (!field_is(fl, i, "cookie"))
			continue;
		puts_(o, cookie ? "; " : "cookie: ");
		put_field(o, fl, (int)i);
		cookie = true;
	}
	if (cookie)
		put(o, "\r\n", 2);
	return has_cl;
}

long
lbd_h2_to_h1_request(const struct lbd_h2_fields *fl, unsigned flags, char *dst, size_t cap,
		     bool *chunked, const char **why)
{
	struct out o = { .p = dst, .cap = cap };
	bool has_cl;

	*chunked = false;
	if (fl->method >= 0 && fl->f[fl->method].value_len == 7 &&
	    !memcmp(lbd_h2_field_value(fl, (unsigned)fl->method), "CONNECT", 7)) {
		*why = "CONNECT over HTTP/2";
		return -1;
	}
	if (fl->method < 0 || fl->path < 0) {
		*why = fl->method < 0 ? "no :method" : "no :path";
		return -1;
	}
	put_field(&o, fl, fl->method);
	put(&o, " ", 1);
	put_field(&o, fl, fl->path);
	puts_(&o, " HTTP/1.1\r\n");
	if (fl->authority >= 0) {
		puts_(&o, "host: ");
		put_field(&o, fl, fl->authority);
		put(&o, "\r\n", 2);
	}
	has_cl = put_fields(&o, fl, fl->authority < 0);
	if ((flags & LBD_H2W_BODY) && !has_cl) {
		puts_(&o, "transfer-encoding: chunked\r\n");
		*chunked = true;
	}
	put(&o, "\r\n", 2);
	if (o.full) {
		*why = "request head larger than tune.bufsize";
		return -1;
	}
	return (long)o.len;
}

long
lbd_h2_to_h1_response(const struct lbd_h2_fields *fl, unsigned flags, char *dst, size_t cap,
		      bool *chunked, const char **why)
{
	struct out o = { .p = dst, .cap = cap };
	char line[64];
	int status = 0;
	bool has_cl;

	*chunked = false;
	if (fl->status >= 0 && fl->f[fl->status].value_len == 3) {
		const char *v = lbd_h2_field_value(fl, (unsigned)fl->status);
		if (v[0] >= '1' && v[0] <= '9' && v[1] >= '0' && v[1] <= '9' && v[2] >= '0' &&
		    v[2] <= '9')
			status = (v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0');
	}
	if (!status) {
		*why = "no valid :status";
		return -1;
	}
	snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\n", status, lbd_http_reason(status));
	puts_(&o, line);
	has_cl = put_fields(&o, fl, true);
	if (!has_cl && !(flags & LBD_H2W_HEAD_REQ) && status >= 200 && status != 204 &&
	    status != 304) {
		/* HTTP/1.1 delimits a body without length by the end of the connection: an
		 * empty one says so, and a body of unknown length is chunked */
		if (flags & LBD_H2W_BODY) {
			puts_(&o, "transfer-encoding: chunked\r\n");
			*chunked = true;
		} else {
			puts_(&o, "content-length: 0\r\n");
		}
	}
	put(&o, "\r\n", 2);
	if (o.full) {
		*why = "response head larger than tune.bufsize";
		return -1;
	}
	return (long)o.len;
}

long
lbd_h2_to_h1_last_chunk(const struct lbd_h2_fields *fl, char *dst, size_t cap)
{
	struct out o = { .p = dst, .cap = cap };

	put(&o, "0\r\n", 3);
	if (fl)
		put_fields(&o, fl, false);
	put(&o, "\r\n", 2);
	return o.full ? -1 : (long)o.len;
}

size_t
lbd_h2_chunk_head(char *dst, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];
	size_t k = 0, len = 0;

	do {
		tmp[k++] = hex[n & 15];
		n >>= 4;
	} while (n);
	while (k)
		dst[len++] = tmp[--k];
	dst[len++] = '\r';
	dst[len++] = '\n';
	return len;
}

/* ---- h1 -> h2 ---- */

struct nvlist {
	nghttp2_nv *nv;
	unsigned n, max;
	char *scratch;
	size_t used, cap;
	bool full;
};

/* 8 ASCII letters lowercased at once: a byte gets 0x20 when it is in 'A'..'Z' (its low 7
 * bits plus 0x3f carry into bit 7 from 'A' on, plus 0x25 from past 'Z' on; never across
 * bytes) and below 0x80. */
static inline uint64_t
lower8(uint64_t x)
{
	uint64_t low7 = x & 0x7f7f7f7f7f7f7f7full;
	uint64_t upper = ((low7 + 0x3f3f3f3f3f3f3f3full) ^ (low7 + 0x2525252525252525ull)) & ~x &
			 0x8080808080808080ull;

	return x | (upper >> 2);
}

/* Header names are lowercased in h2 (RFC 9113 8.2.1); most are longer than 8 bytes. */
static void
lower_copy(char *dst, const char *src, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, src + i, 8);
		w = lower8(w);
		memcpy(dst + i, &w, 8);
	}
	for (; i < n; i++) {
		char c = src[i];
		dst[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
}

static void
nv_add(struct nvlist *l, const char *name, size_t nlen, const char *value, size_t vlen,
       bool lower)
{
	char *n = (char *)(uintptr_t)name;

	if (l->full || l->n >= l->max) {
		l->full = true;
		return;
	}
	if (lower) {
		if (nlen > l->cap - l->used) {
			l->full = true;
			return;
		}
		n = l->scratch + l->used;
		lower_copy(n, name, nlen);
		l->used += nlen;
	}
	l->nv[l->n++] = (nghttp2_nv){ .name = (uint8_t *)n, .namelen = nlen,
				      .value = (uint8_t *)(uintptr_t)value, .valuelen = vlen,
				      .flags = NGHTTP2_NV_FLAG_NONE };
}

static bool
ieq(const char *a, size_t alen, const char *lit)
{
	size_t l = strlen(lit);
	return alen == l && !strncasecmp(a, lit, l);
}

int
lbd_h1_to_h2_head(const char *buf, const struct lb_http1_msg *msg, bool request,
		  const char *scheme, nghttp2_nv *nv, unsigned max_nv, char *scratch,
		  size_t scratch_len)
{
	struct nvlist l = { .nv = nv, .max = max_nv, .scratch = scratch, .cap = scratch_len };
	struct lb_http1_msg m = *msg;	/* the hop marks are ours to set */
	char status[8];

	lb_http1_mark_hop(buf, &m);
	if (request) {
		const char *uri = buf + m.uri_off, *auth = NULL, *path = uri;
		size_t ulen = m.uri_len, alen = 0, plen = ulen;

		if (m.flags & LB_MSG_F_ABS_URI) {
			/* absolute-form: scheme "://" authority path-abempty */
			const char *p = memchr(uri, ':', ulen);
			if (p && (size_t)(uri + ulen - p) >= 3 && p[1] == '/' && p[2] == '/') {
				auth = p + 3;
				const char *e = memchr(auth, '/', (size_t)(uri + ulen - auth));
				alen = e ? (size_t)(e - auth) : (size_t)(uri + ulen - auth);
				path = e ? e : "/";
				plen = e ? (size_t)(uri + ulen - e) : 1;
			}
		}
		if (!auth && m.host_idx >= 0) {
			auth = buf + m.hdrs[m.host_idx].value_off;
			alen = m.hdrs[m.host_idx].value_len;
		}
		nv_add(&l, ":method", 7, buf + m.meth_off, m.meth_len, false);
		nv_add(&l, ":scheme", 7, scheme, strlen(scheme), false);
		if (auth)
			nv_add(&l, ":authority", 10, auth, alen, false);
		nv_add(&l, ":path", 5, path, plen, false);
	} else {
		snprintf(status, sizeof(status), "%03u", (unsigned)m.status % 1000u);
		/* the value must outlive this call: it goes to scratch */
		if (l.cap - l.used < 3)
			return -1;
		memcpy(l.scratch + l.used, status, 3);
		nv_add(&l, ":status", 7, l.scratch + l.used, 3, false);
		l.used += 3;
	}
	for (unsigned i = 0; i < m.nhdrs; i++) {
		const struct lb_http1_hdr *h = &m.hdrs[i];
		const char *name = buf + h->name_off, *value = buf + h->value_off;

		if (h->flags & LB_HDR_F_TE) {
			if (request && ieq(value, h->value_len, "trailers"))
				nv_add(&l, "te", 2, "trailers", 8, false);
			continue;
		}
		if (h->flags & (LB_HDR_F_HOP | LB_HDR_F_CONNECTION | LB_HDR_F_KEEP_ALIVE |
				LB_HDR_F_PROXY_CONNECTION | LB_HDR_F_TRANSFER_ENCODING |
				LB_HDR_F_UPGRADE | LB_HDR_F_TRAILER))
			continue;
		if (request && (h->flags & LB_HDR_F_HOST))
			continue;
		nv_add(&l, name, h->name_len, value, h->value_len, true);
	}
	return l.full ? -1 : (int)l.n;
}

/* Trailer fields that cannot be trailers (RFC 9110 6.5.1) or are connection-specific. */
static bool
trailer_dropped(const char *name, size_t len)
{
	static const char *const names[] = {
		"content-length", "transfer-encoding", "host", "connection", "keep-alive",
		"proxy-connection", "upgrade", "te", "trailer", NULL,
	};
	for (const char *const *n = names; *n; n++)
		if (ieq(name, len, *n))
			return true;
	return false;
}

int
lbd_h1_trailers_to_h2(char *buf, size_t len, nghttp2_nv *nv, unsigned max_nv)
{
	unsigned n = 0;
	size_t i = 0;

	while (i < len) {
		char *line = buf + i, *eol = memchr(line, '\n', len - i);
		size_t ll, nl;

		if (!eol)
			return -1;
		i = (size_t)(eol - buf) + 1;
		ll = (size_t)(eol - line);
		if (ll && line[ll - 1] == '\r')
			ll--;
		if (!ll)
			break;	/* the empty line ending the section */
		char *colon = memchr(line, ':', ll);
		if (!colon || colon == line)
			return -1;
		nl = (size_t)(colon - line);
		char *v = colon + 1, *ve = line + ll;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (trailer_dropped(line, nl))
			continue;
		if (n >= max_nv)
			return -1;
		for (size_t k = 0; k < nl; k++)
			if (line[k] >= 'A' && line[k] <= 'Z')
				line[k] = (char)(line[k] + 32);
		nv[n++] = (nghttp2_nv){ .name = (uint8_t *)line, .namelen = nl,
					.value = (uint8_t *)v, .valuelen = (size_t)(ve - v),
					.flags = NGHTTP2_NV_FLAG_NONE };
	}
	return (int)n;
}

/* ---- chunked decoding ---- */

enum {
	DC_SIZE = 0,	/* hex digits of a chunk size */
	DC_EXT,		/* chunk extensions up to CR LF */
	DC_SIZE_LF,
	DC_DATA,
	DC_DATA_CR,
	DC_DATA_LF,
	DC_TRAILER_BOL,	/* start of a trailer line, or of the final empty line */
	DC_TRAILER,	/* inside a trailer line */
	DC_END_LF,
	DC_DONE,
};

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

long
lbd_dechunk_step(struct lbd_dechunk *d, const char *in, size_t len,
		 enum lbd_dechunk_kind *kind, size_t *span_off, size_t *span_len)
{
	size_t i = 0;

	*kind = LBD_DC_NONE;
	*span_off = *span_len = 0;
	while (i < len) {
		char c = in[i];
		switch (d->state) {
		case DC_SIZE: {
			int v = hexval(c);
			if (v >= 0) {
				if (++d->ndigits > 15)
					return -1;
				d->left = d->left * 16 + (uint64_t)v;
				i++;
				continue;
			}
			if (!d->ndigits)
				return -1;
			d->state = DC_EXT;
			continue;
		}
		case DC_EXT:
			i++;
			if (c == '\n')
				goto size_done;
			if (c == '\r')
				d->state = DC_SIZE_LF;
			continue;
		case DC_SIZE_LF:
			if (c != '\n')
				return -1;
			i++;
		size_done:
			d->ndigits = 0;
			d->state = d->left ? DC_DATA : DC_TRAILER_BOL;
			continue;
		case DC_DATA: {
			size_t n = (size_t)LB_MIN((uint64_t)(len - i), d->left);
			*kind = LBD_DC_DATA;
			*span_off = i;
			*span_len = n;
			d->left -= n;
			i += n;
			if (!d->left)
				d->state = DC_DATA_CR;
			return (long)i;
		}
		case DC_DATA_CR:
			i++;
			if (c == '\n') {
				d->state = DC_SIZE;
				continue;
			}
			if (c != '\r')
				return -1;
			d->state = DC_DATA_LF;
			continue;
		case DC_DATA_LF:
			if (c != '\n')
				return -1;
			i++;
			d->state = DC_SIZE;
			continue;
		case DC_TRAILER_BOL:
			if (c == '\r' || c == '\n') {
				i++;
				if (c == '\n')
					goto end;
				d->state = DC_END_LF;
				continue;
			}
			d->state = DC_TRAILER;
			continue;
		case DC_TRAILER: {
			const char *eol = memchr(in + i, '\n', len - i);
			size_t n = eol ? (size_t)(eol - (in + i)) + 1 : len - i;
			*kind = LBD_DC_TRAILER;
			*span_off = i;
			*span_len = n;
			i += n;
			if (eol)
				d->state = DC_TRAILER_BOL;
			return (long)i;
		}
		case DC_END_LF:
			if (c != '\n')
				return -1;
			i++;
		end:
			d->state = DC_DONE;
			d->done = true;
			*kind = LBD_DC_END;
			return (long)i;
		default:	/* DC_DONE: nothing more belongs to the body */
			*kind = LBD_DC_END;
			return (long)i;
		}
	}
	if (d->state == DC_DONE)
		*kind = LBD_DC_END;
	return (long)i;
}

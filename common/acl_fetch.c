/* common/acl_fetch.c: the sample fetches of conditions and the ACL keywords built on them
 *
 * A fetch reads the struct lb_acl_ctx of the evaluation and yields samples pointing into
 * the data plane's buffers (no copy). Multi-valued fetches (hdr(), req.cook()) yield one
 * value per call, their cursor in *it, so that "any value matches" works as in HAProxy.
 */
#include "acl_priv.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "stktable_acl.h"
#include "tls_hello.h"
#include "vars_acl.h"
#include "util.h"

#define CTX (run->ctx)

/* ---- helpers ---- */

static bool
set_str(struct lb_smp *out, const char *p, size_t len)
{
	out->type = LB_SMP_STR;
	out->s = p;
	out->len = len;
	return true;
}

static bool
set_int(struct lb_smp *out, enum lb_smp_type t, int64_t v)
{
	out->type = t;
	out->i = v;
	return true;
}

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static void
trim(const char **p, size_t *len)
{
	while (*len && is_ows(**p))
		(*p)++, (*len)--;
	while (*len && is_ows((*p)[*len - 1]))
		(*len)--;
}

/* The next value of header `name` (any header when name is NULL), comma-split when
 * `split`. *st: high 32 bits the header index, low 32 bits the offset in its value. */
static bool
hdr_next(const struct lb_acl_hdrs *h, const struct lb_acl_arg *name, bool split, uint64_t *st,
	 struct lb_acl_str *out)
{
	unsigned i = (unsigned)(*st >> 32);
	uint32_t off = (uint32_t)*st;

	if (!h->get)
		return false;
	for (; i < h->n; i++, off = 0) {
		struct lb_acl_str n, v;
		h->get(h->arg, i, &n, &v);
		if (name && !lb_str_ieq(n.p, n.len, name->s, name->len))
			continue;
		if (off > v.len || (off == v.len && off > 0))
			continue;
		const char *p = v.p + off, *e = v.p + v.len, *c = e;
		if (split) {
			c = memchr(p, ',', (size_t)(e - p));
			if (!c)
				c = e;
		}
		out->p = p;
		out->len = (size_t)(c - p);
		trim(&out->p, &out->len);
		if (c < e)
			*st = ((uint64_t)i << 32) | (uint32_t)(c + 1 - v.p);
		else
			*st = ((uint64_t)(i + 1) << 32);
		return true;
	}
	*st = (uint64_t)h->n << 32;
	return false;
}

/* hdr(name[,occ]): every value, or only occurrence occ (1 first, -1 last). */
static bool
hdr_fetch(const struct lb_acl_hdrs *h, const struct lb_acl_arg *args, bool split,
	  struct lb_smp *out, uint64_t *it)
{
	const struct lb_acl_arg *name = args[0].kind ? &args[0] : NULL;
	struct lb_acl_str v;
	long long occ = args[1].kind ? args[1].i : 0;

	if (occ == 0) {
		if (!hdr_next(h, name, split, it, &v))
			return false;
		return set_str(out, v.p, v.len);
	}
	if (*it)
		return false;	/* one sample only */
	*it = 1;
	uint64_t st = 0;
	long long n = 0, want = occ;
	if (occ < 0) {
		while (hdr_next(h, name, split, &st, &v))
			n++;
		want = n + occ + 1;
		st = 0;
		if (want < 1)
			return false;
	}
	for (n = 1; hdr_next(h, name, split, &st, &v); n++)
		if (n == want)
			return set_str(out, v.p, v.len);
	return false;
}

static bool
hdr_count(const struct lb_acl_hdrs *h, const struct lb_acl_arg *args, bool split,
	  struct lb_smp *out, uint64_t *it)
{
	uint64_t st = 0;
	struct lb_acl_str v;
	int64_t n = 0;

	if (*it || !h->get)
		return false;
	*it = 1;
	while (hdr_next(h, args[0].kind ? &args[0] : NULL, split, &st, &v))
		n++;
	return set_int(out, LB_SMP_INT, n);
}

/* The path part of the URI: absolute-form loses "scheme://authority". */
static bool
uri_path(const struct lb_acl_ctx *c, const char **p, size_t *len, bool with_query)
{
	const char *u = c->uri.p, *e = u + c->uri.len, *q;

	if (!u)
		return false;
	if (c->uri.len && u[0] != '/' && u[0] != '*') {
		const char *s = memchr(u, ':', c->uri.len);
		if (s && e - s >= 3 && s[1] == '/' && s[2] == '/') {
			u = s + 3;
			while (u < e && *u != '/' && *u != '?')
				u++;
		}
	}
	q = with_query ? e : memchr(u, '?', (size_t)(e - u));
	*p = u;
	*len = (size_t)((q ? q : e) - u);
	return true;
}

/* One sample per evaluation for single-valued fetches. */
#define ONCE()                     \
	do {                       \
		if (*it)           \
			return false; \
		*it = 1;           \
	} while (0)

/* ---- layer 4 ---- */

static bool
f_src(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	(void)a;
	ONCE();
	if (!CTX->src || (CTX->src->sa_family != AF_INET && CTX->src->sa_family != AF_INET6))
		return false;
	out->type = LB_SMP_IP;
	lb_acl_ip_from_sa(CTX->src, out->ip);
	return true;
}

static int
sa_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	return -1;
}

static bool
f_src_port(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	(void)a;
	ONCE();
	if (!CTX->src || sa_port(CTX->src) < 0)
		return false;
	return set_int(out, LB_SMP_INT, sa_port(CTX->src));
}

static const struct sockaddr *
ctx_dst(const struct lb_acl_ctx *c)
{
	const struct sockaddr *sa = c->dst ? c->dst(c->dst_arg) : NULL;

	return sa && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) ? sa : NULL;
}

static bool
f_dst(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	const struct sockaddr *sa;

	(void)a;
	ONCE();
	if (!(sa = ctx_dst(CTX)))
		return false;
	out->type = LB_SMP_IP;
	lb_acl_ip_from_sa(sa, out->ip);
	return true;
}

static bool
f_dst_port(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	const struct sockaddr *sa;

	(void)a;
	ONCE();
	if (!(sa = ctx_dst(CTX)))
		return false;
	return set_int(out, LB_SMP_INT, sa_port(sa));
}

static bool
f_fe_name(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	(void)a;
	ONCE();
	return CTX->fe_name && set_str(out, CTX->fe_name, strlen(CTX->fe_name));
}

static bool
f_be_name(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	(void)a;
	ONCE();
	return CTX->be_name && set_str(out, CTX->be_name, strlen(CTX->be_name));
}

static bool
f_nbsrv(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	ONCE();
	if (!CTX->state || !CTX->state->nbsrv)
		return false;
	return set_int(out, LB_SMP_INT, CTX->state->nbsrv(CTX->state_arg, a[0].px));
}

static bool
f_be_conn(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	ONCE();
	if (!CTX->state || !CTX->state->be_conn)
		return false;
	return set_int(out, LB_SMP_INT, CTX->state->be_conn(CTX->state_arg, a[0].px));
}

static bool
f_srv_is_up(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	ONCE();
	if (!CTX->state || !CTX->state->srv_is_up)
		return false;
	return set_int(out, LB_SMP_BOOL,
		       CTX->state->srv_is_up(CTX->state_arg, a[0].px, a[0].srv_id));
}

static bool
f_true(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	(void)run, (void)a;
	ONCE();
	return set_int(out, LB_SMP_BOOL, 1);
}

/* ---- TLS of the client connection (lb_acl_ctx.tls) ---- */

static bool
f_ssl_fc(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	(void)a;
	ONCE();
	return set_int(out, LB_SMP_BOOL, CTX->tls != NULL);
}

/* A fact as text; the sample lives until the next TLS fetch of this thread. */
static bool
tls_text(struct lb_acl_run *run, enum lb_tls_fact what, struct lb_smp *out)
{
	static _Thread_local char buf[512];
	size_t n;

	if (!CTX->tls)
		return false;
	n = CTX->tls_fact(CTX->tls, what, buf, sizeof(buf));
	return n && set_str(out, buf, n);
}

static bool
tls_num(struct lb_acl_run *run, enum lb_tls_fact what, enum lb_smp_type t, struct lb_smp *out)
{
	char buf[32];
	size_t n;

	if (!CTX->tls)
		return t == LB_SMP_BOOL && set_int(out, t, 0);
	n = CTX->tls_fact(CTX->tls, what, buf, sizeof(buf) - 1);
	buf[n] = 0;
	return n && set_int(out, t, strtoll(buf, NULL, 10));
}

#define TLS_TEXT_FETCH(fn, fact)                                                            \
	static bool fn(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, \
		       uint64_t *it)                                                        \
	{                                                                                   \
		(void)a;                                                                    \
		ONCE();                                                                     \
		return tls_text(run, fact, out);                                            \
	}
TLS_TEXT_FETCH(f_ssl_fc_sni, LB_TLS_FACT_SNI)
TLS_TEXT_FETCH(f_ssl_fc_protocol, LB_TLS_FACT_PROTOCOL)
TLS_TEXT_FETCH(f_ssl_fc_cipher, LB_TLS_FACT_CIPHER)
TLS_TEXT_FETCH(f_ssl_fc_alpn, LB_TLS_FACT_ALPN)
TLS_TEXT_FETCH(f_ssl_c_s_dn, LB_TLS_FACT_C_S_DN)

static bool
f_ssl_c_verify(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out,
	       uint64_t *it)
{
	(void)a;
	ONCE();
	return tls_num(run, LB_TLS_FACT_C_VERIFY, LB_SMP_INT, out);
}

static bool
f_ssl_c_used(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out,
	     uint64_t *it)
{
	(void)a;
	ONCE();
	return tls_num(run, LB_TLS_FACT_C_USED, LB_SMP_BOOL, out);
}

static bool
f_false(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	(void)run, (void)a;
	ONCE();
	return set_int(out, LB_SMP_BOOL, 0);
}

/* ---- HTTP request ---- */

static bool
f_proto_http(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out,
	     uint64_t *it)
{
	(void)a;
	ONCE();
	return set_int(out, LB_SMP_BOOL, CTX->meth.p != NULL);
}

static bool
f_method(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	(void)a;
	ONCE();
	return CTX->meth.p && set_str(out, CTX->meth.p, CTX->meth.len);
}

static bool
f_url(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	(void)a;
	ONCE();
	return CTX->uri.p && set_str(out, CTX->uri.p, CTX->uri.len);
}

static bool
f_path(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	const char *p;
	size_t len;

	(void)a;
	ONCE();
	return uri_path(CTX, &p, &len, false) && set_str(out, p, len);
}

static bool
f_pathq(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	const char *p;
	size_t len;

	(void)a;
	ONCE();
	return uri_path(CTX, &p, &len, true) && set_str(out, p, len);
}

static bool
f_query(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	const char *q;

	(void)a;
	ONCE();
	if (!CTX->uri.p || !(q = memchr(CTX->uri.p, '?', CTX->uri.len)))
		return false;
	q++;
	return set_str(out, q, (size_t)(CTX->uri.p + CTX->uri.len - q));
}

/* url_param(name[,delim]): the value of the first "name=value" of the query string. */
static bool
f_url_param(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out,
	    uint64_t *it)
{
	const char *q, *e;
	char delim = a[1].kind && a[1].len ? a[1].s[0] : '&';

	ONCE();
	if (!CTX->uri.p || !(q = memchr(CTX->uri.p, '?', CTX->uri.len)))
		return false;
	e = CTX->uri.p + CTX->uri.len;
	for (q++; q < e;) {
		const char *ne = memchr(q, delim, (size_t)(e - q)), *eq;
		if (!ne)
			ne = e;
		eq = memchr(q, '=', (size_t)(ne - q));
		size_t nl = (size_t)((eq ? eq : ne) - q);
		if (nl == a[0].len && !memcmp(q, a[0].s, nl))
			return set_str(out, eq ? eq + 1 : ne, eq ? (size_t)(ne - eq - 1) : 0);
		q = ne + 1;
	}
	return false;
}

static bool
f_req_ver(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	(void)a;
	ONCE();
	if (CTX->version == 10)
		return set_str(out, "1.0", 3);
	if (CTX->version == 11)
		return set_str(out, "1.1", 3);
	return false;
}

/* ---- request content (TCP content inspection; the buffered bytes of an HTTP request) ----
 * A fetch that cannot answer yet, or whose answer may grow, sets run->may_change: while the
 * inspection lasts that makes its rule wait (lb_acl_cond_verdict) instead of failing. */

#define PAYLOAD ((const uint8_t *)CTX->payload.p)

/* req.len: the bytes there so far; it keeps changing until the inspection is over. */
static bool
f_req_len(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	(void)a;
	ONCE();
	if (CTX->has_payload) {
		run->may_change = true;
		return set_int(out, LB_SMP_INT, (int64_t)CTX->payload.len);
	}
	return CTX->meth.p && set_int(out, LB_SMP_INT, (int64_t)CTX->req_len);
}

/* The block [off, off + len) of the content, or none yet. */
static bool
payload_block(struct lb_acl_run *run, int64_t off, int64_t len, struct lb_smp *out)
{
	int64_t have = (int64_t)CTX->payload.len;

	if (off < 0 || len < 0 || off > have - len) {
		run->may_change = true;
		return false;
	}
	return set_str(out, CTX->payload.p + off, (size_t)len);
}

/* req.payload(<offset>,<length>): length 0 is "to the end" (which may still grow). */
static bool
f_payload(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	int64_t have = (int64_t)CTX->payload.len;

	ONCE();
	if (!CTX->has_payload || a[0].i < 0 || a[1].i < 0)
		return false;
	if (a[1].i > 0)
		return payload_block(run, a[0].i, a[1].i, out);
	run->may_change = true;
	return a[0].i <= have && set_str(out, CTX->payload.p + a[0].i, (size_t)(have - a[0].i));
}

/* req.payload_lv(<offset1>,<length>[,<offset2>]): a block whose size is the <length>-byte
 * big-endian number at <offset1>; it starts after that number, or at <offset2> (relative to
 * the end of the number when written with a sign). */
static bool
f_payload_lv(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out,
	     uint64_t *it)
{
	int64_t off = a[0].i, n = a[1].i, start, size = 0;

	ONCE();
	if (!CTX->has_payload || off < 0 || n < 1 || n > 4)
		return false;
	if (off > (int64_t)CTX->payload.len - n) {
		run->may_change = true;
		return false;
	}
	for (int64_t i = 0; i < n; i++)
		size = size << 8 | PAYLOAD[off + i];
	start = off + n;
	if (a[2].kind)
		start = a[2].s[0] == '+' || a[2].s[0] == '-' ? start + a[2].i : a[2].i;
	if (start < 0)
		return false;
	return payload_block(run, start, size, out);
}

/* The first handshake message, parsed again by each fetch (a few hundred bytes). A
 * ClientHello over several records is put together in a per-thread buffer, which stays
 * valid until the next such fetch on this thread: the sample is used before that. */
static int
hello(struct lb_acl_run *run, struct lb_tls_hello *h)
{
	static _Thread_local uint8_t scratch[LB_TLS_HELLO_SCRATCH];
	int st;

	if (!CTX->has_payload)
		return LB_TLS_HELLO_NOT;
	st = lb_tls_hello_parse(PAYLOAD, CTX->payload.len, scratch, sizeof(scratch), h);
	if (st == LB_TLS_HELLO_MORE)
		run->may_change = true;
	return st;
}

static bool
f_ssl_hello_type(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out,
		 uint64_t *it)
{
	struct lb_tls_hello h;

	(void)a;
	ONCE();
	return hello(run, &h) == LB_TLS_HELLO_OK && set_int(out, LB_SMP_INT, h.hs_type);
}

static bool
f_ssl_sni(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	struct lb_tls_hello h;

	(void)a;
	ONCE();
	return hello(run, &h) == LB_TLS_HELLO_OK && h.sni && set_str(out, h.sni, h.sni_len);
}

static bool
f_ssl_ec_ext(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out,
	     uint64_t *it)
{
	struct lb_tls_hello h;

	(void)a;
	ONCE();
	return hello(run, &h) == LB_TLS_HELLO_OK && h.hs_type == 1 &&
	       set_int(out, LB_SMP_BOOL, h.ec_ext);
}

static bool
f_ssl_ver(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	uint32_t v;
	int st;

	(void)a;
	ONCE();
	if (!CTX->has_payload)
		return false;
	st = lb_tls_hello_version(PAYLOAD, CTX->payload.len, &v);
	if (st == LB_TLS_HELLO_MORE)
		run->may_change = true;
	return st == LB_TLS_HELLO_OK && set_int(out, LB_SMP_INT, v);
}

/* wait_end: true once the inspection is over; until then no answer (the rule waits). */
static bool
f_wait_end(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out,
	   uint64_t *it)
{
	(void)a;
	ONCE();
	if (CTX->payload_partial) {
		run->may_change = true;
		return false;
	}
	return set_int(out, LB_SMP_BOOL, 1);
}

static bool
f_hdr(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	return hdr_fetch(&CTX->req_hdrs, a, true, out, it);
}

static bool
f_fhdr(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	return hdr_fetch(&CTX->req_hdrs, a, false, out, it);
}

static bool
f_hdr_cnt(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	return hdr_count(&CTX->req_hdrs, a, true, out, it);
}

static bool
f_hdr_val(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	while (hdr_fetch(&CTX->req_hdrs, a, true, out, it))
		if (lb_smp_cast(run, out, LB_SMP_INT))
			return true;
	return false;
}

/* base: Host header then path. */
static bool
f_base(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	static const struct lb_acl_arg host = { .kind = LB_ARG_STR, .s = (char *)"host", .len = 4 };
	struct lb_acl_str h = { NULL, 0 };
	const char *p;
	size_t len;
	uint64_t st = 0;
	char *buf;

	(void)a;
	ONCE();
	if (!uri_path(CTX, &p, &len, false))
		return false;
	hdr_next(&CTX->req_hdrs, &host, false, &st, &h);
	if (!(buf = lb_acl_run_alloc(run, h.len + len)))
		return false;
	if (h.len)
		memcpy(buf, h.p, h.len);
	memcpy(buf + h.len, p, len);
	return set_str(out, buf, h.len + len);
}

/* req.cook(name): every value of cookie `name` in the Cookie headers. *it: the hdr cursor in
 * the high bits is not enough for the position inside the header line, so the cookie
 * position is kept as the offset (low 32 bits) in the unsplit header value. */
static bool
f_cook(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	static const struct lb_acl_arg cookie = { .kind = LB_ARG_STR, .s = (char *)"cookie",
						  .len = 6 };
	const struct lb_acl_hdrs *h = &CTX->req_hdrs;

	for (;;) {
		uint64_t st = *it;
		struct lb_acl_str v;
		unsigned i = (unsigned)(st >> 32);
		uint32_t off = (uint32_t)st;

		/* find the header line at index >= i named Cookie */
		st = (uint64_t)i << 32;
		if (!hdr_next(h, &cookie, false, &st, &v))
			return false;
		/* hdr_next moved to the next line: recover the index of this one */
		i = (unsigned)(st >> 32) - 1;
		{
			struct lb_acl_str n, raw;
			h->get(h->arg, i, &n, &raw);
			const char *p = raw.p + off, *e = raw.p + raw.len;
			while (p < e) {
				const char *ne = memchr(p, ';', (size_t)(e - p)), *eq;
				if (!ne)
					ne = e;
				const char *kp = p;
				size_t kl = (size_t)(ne - p);
				trim(&kp, &kl);
				eq = memchr(kp, '=', kl);
				p = ne < e ? ne + 1 : e;
				if (!eq)
					continue;
				const char *np = kp, *vp = eq + 1;
				size_t nl = (size_t)(eq - kp), vl = (size_t)(kp + kl - vp);
				trim(&np, &nl);
				trim(&vp, &vl);
				if (!a[0].kind || (nl == a[0].len && !memcmp(np, a[0].s, nl))) {
					*it = ((uint64_t)i << 32) | (uint32_t)(p - raw.p);
					return set_str(out, vp, vl);
				}
			}
		}
		*it = (uint64_t)(i + 1) << 32;
	}
}

/* ---- HTTP response ---- */

static bool
f_status(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	(void)a;
	ONCE();
	return CTX->status && set_int(out, LB_SMP_INT, CTX->status);
}

static bool
f_res_hdr(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	return hdr_fetch(&CTX->res_hdrs, a, true, out, it);
}

static bool
f_res_fhdr(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out, uint64_t *it)
{
	return hdr_fetch(&CTX->res_hdrs, a, false, out, it);
}

static bool
f_res_hdr_cnt(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *out,
	      uint64_t *it)
{
	return hdr_count(&CTX->res_hdrs, a, true, out, it);
}

#define A0 { { LB_ARG_NONE }, 0 }
#define A_STR { { LB_ARG_STR }, 1 }
#define A_OPT_STR { { LB_ARG_STR }, 0 }
#define A_HDR { { LB_ARG_STR, LB_ARG_INT }, 1 }
#define A_OPT_HDR { { LB_ARG_STR, LB_ARG_INT }, 0 }
#define L4 LB_ACL_USE_L4
#define REQ LB_ACL_USE_REQ
#define RES LB_ACL_USE_RES
#define PAY LB_ACL_USE_PAYLOAD
#define A_PAYLOAD { { LB_ARG_INT, LB_ARG_INT }, 2 }
#define A_PAYLOAD_LV { { LB_ARG_INT, LB_ARG_INT, LB_ARG_INT }, 2 }

const struct lb_acl_fetch_def lb_acl_fetches[] = {
	{ "always_false", f_false, A0, LB_SMP_BOOL, L4, "never true" },
	{ "always_true", f_true, A0, LB_SMP_BOOL, L4, "always true" },
	{ "base", f_base, A0, LB_SMP_STR, REQ, "Host header and path" },
	{ "be_conn", f_be_conn, { { LB_ARG_BACKEND }, 0 }, LB_SMP_INT, L4,
	  "connections on the backend ([backend], default: the current one)" },
	{ "be_name", f_be_name, A0, LB_SMP_STR, L4, "the backend's name" },
	{ "cook", f_cook, A_OPT_STR, LB_SMP_STR, REQ, "same as req.cook" },
	{ "dst", f_dst, A0, LB_SMP_IP, L4, "the address the client connected to" },
	{ "dst_port", f_dst_port, A0, LB_SMP_INT, L4, "the port the client connected to" },
	{ "fe_name", f_fe_name, A0, LB_SMP_STR, L4, "the frontend's name" },
	{ "hdr", f_hdr, A_OPT_HDR, LB_SMP_STR, REQ, "same as req.hdr" },
	{ "hdr_cnt", f_hdr_cnt, A_OPT_STR, LB_SMP_INT, REQ, "same as req.hdr_cnt" },
	{ "hdr_val", f_hdr_val, A_HDR, LB_SMP_INT, REQ, "same as req.hdr_val" },
	{ "method", f_method, A0, LB_SMP_STR, REQ, "the request method" },
	{ "http_auth", lb_acl_fetch_http_auth, { { LB_ARG_USERLIST }, 1 }, LB_SMP_BOOL, REQ,
	  "the request's basic auth credentials are valid in <userlist>" },
	{ "http_auth_group", lb_acl_fetch_http_auth_group, { { LB_ARG_USERLIST }, 1 }, LB_SMP_STR,
	  REQ, "each group of the authenticated user of <userlist>; match them with values" },
	{ "nbsrv", f_nbsrv, { { LB_ARG_BACKEND }, 0 }, LB_SMP_INT, L4,
	  "usable servers of the backend ([backend], default: the current one)" },
	{ "path", f_path, A0, LB_SMP_STR, REQ, "the URI's path, without the query string" },
	{ "pathq", f_pathq, A0, LB_SMP_STR, REQ, "the path and the query string" },
	{ "query", f_query, A0, LB_SMP_STR, REQ, "the query string, after '?'" },
	{ "req.cook", f_cook, A_OPT_STR, LB_SMP_STR, REQ, "each value of a cookie (<name>)" },
	{ "req.fhdr", f_fhdr, A_HDR, LB_SMP_STR, REQ,
	  "each full line of a header (<name>[,<occ>]), commas kept" },
	{ "req.hdr", f_hdr, A_OPT_HDR, LB_SMP_STR, REQ,
	  "each comma-separated value of a header ([<name>[,<occ>]])" },
	{ "req.hdr_cnt", f_hdr_cnt, A_OPT_STR, LB_SMP_INT, REQ, "number of values of a header" },
	{ "req.hdr_val", f_hdr_val, A_HDR, LB_SMP_INT, REQ, "a header's values as integers" },
	{ "payload", f_payload, A_PAYLOAD, LB_SMP_STR, PAY, "same as req.payload" },
	{ "payload_lv", f_payload_lv, A_PAYLOAD_LV, LB_SMP_STR, PAY, "same as req.payload_lv" },
	{ "req.len", f_req_len, A0, LB_SMP_INT, PAY, "request bytes received so far" },
	{ "req.payload", f_payload, A_PAYLOAD, LB_SMP_STR, PAY,
	  "<length> bytes of the request's content at <offset> (length 0: to the end)" },
	{ "req.payload_lv", f_payload_lv, A_PAYLOAD_LV, LB_SMP_STR, PAY,
	  "a block sized by the <length>-byte number at <offset1> ([,<offset2>]: its start)" },
	{ "req.ssl_ec_ext", f_ssl_ec_ext, A0, LB_SMP_BOOL, PAY,
	  "the TLS ClientHello (not deciphered) offers elliptic curves" },
	{ "req.ssl_hello_type", f_ssl_hello_type, A0, LB_SMP_INT, PAY,
	  "type of the complete TLS handshake message in the request (1: ClientHello)" },
	{ "req.ssl_sni", f_ssl_sni, A0, LB_SMP_STR, PAY,
	  "server name of the TLS ClientHello in the request (TLS not terminated)" },
	{ "req.ssl_ver", f_ssl_ver, A0, LB_SMP_INT, PAY,
	  "SSL/TLS version of the request's first record, major * 65536 + minor" },
	{ "req.proto_http", f_proto_http, A0, LB_SMP_BOOL, L4, "the request is HTTP" },
	{ "req.ver", f_req_ver, A0, LB_SMP_STR, REQ, "the HTTP version, \"1.0\" or \"1.1\"" },
	{ "req_len", f_req_len, A0, LB_SMP_INT, PAY, "same as req.len" },
	{ "req_ssl_hello_type", f_ssl_hello_type, A0, LB_SMP_INT, PAY,
	  "same as req.ssl_hello_type" },
	{ "req_ssl_sni", f_ssl_sni, A0, LB_SMP_STR, PAY, "same as req.ssl_sni" },
	{ "req_ssl_ver", f_ssl_ver, A0, LB_SMP_INT, PAY, "same as req.ssl_ver" },
	{ "req_ver", f_req_ver, A0, LB_SMP_STR, REQ, "same as req.ver" },
	{ "res.fhdr", f_res_fhdr, A_HDR, LB_SMP_STR, RES, "each full line of a response header" },
	{ "res.hdr", f_res_hdr, A_OPT_HDR, LB_SMP_STR, RES,
	  "each value of a response header ([<name>[,<occ>]])" },
	{ "res.hdr_cnt", f_res_hdr_cnt, A_OPT_STR, LB_SMP_INT, RES,
	  "number of values of a response header" },
	{ "shdr", f_res_hdr, A_OPT_HDR, LB_SMP_STR, RES, "same as res.hdr" },
	{ "src", f_src, A0, LB_SMP_IP, L4, "the client's address" },
	{ "ssl_c_s_dn", f_ssl_c_s_dn, A0, LB_SMP_STR, L4,
	  "the client certificate's subject (RFC 4514 form)" },
	{ "ssl_c_used", f_ssl_c_used, A0, LB_SMP_BOOL, L4, "the client sent a certificate" },
	{ "ssl_c_verify", f_ssl_c_verify, A0, LB_SMP_INT, L4,
	  "client certificate verification result (OpenSSL code, 0 = valid)" },
	{ "ssl_fc", f_ssl_fc, A0, LB_SMP_BOOL, L4, "the client connection is TLS" },
	{ "ssl_fc_alpn", f_ssl_fc_alpn, A0, LB_SMP_STR, L4, "ALPN protocol chosen with the client" },
	{ "ssl_fc_cipher", f_ssl_fc_cipher, A0, LB_SMP_STR, L4,
	  "TLS cipher suite of the client connection" },
	{ "ssl_fc_protocol", f_ssl_fc_protocol, A0, LB_SMP_STR, L4,
	  "TLS version of the client connection (TLSv1.3)" },
	{ "ssl_fc_sni", f_ssl_fc_sni, A0, LB_SMP_STR, L4, "server name the TLS client sent" },
	{ "src_port", f_src_port, A0, LB_SMP_INT, L4, "the client's port" },
	{ "srv_is_up", f_srv_is_up, { { LB_ARG_SERVER }, 1 }, LB_SMP_BOOL, L4,
	  "the server (<backend>/<server>) is up" },
	{ "status", f_status, A0, LB_SMP_INT, RES, "the response status code" },
	{ "url", f_url, A0, LB_SMP_STR, REQ, "the request target as sent" },
	{ "url_param", f_url_param, { { LB_ARG_STR, LB_ARG_STR }, 1 }, LB_SMP_STR, REQ,
	  "the value of a query parameter (<name>[,<delim>])" },
	{ "urlp", f_url_param, { { LB_ARG_STR, LB_ARG_STR }, 1 }, LB_SMP_STR, REQ,
	  "same as url_param" },
	{ "wait_end", f_wait_end, A0, LB_SMP_BOOL, L4,
	  "true once tcp-request inspect-delay is over (the rule waits until then)" },
	LB_STK_FETCH_ROWS	/* sc_*, src_*: common/stktable_acl.h */
	LB_VAR_FETCH_ROWS	/* var(), str(), int(): common/vars_acl.h */
	{ NULL, NULL, A0, LB_SMP_NONE, 0, NULL },
};

const struct lb_acl_kw_def lb_acl_kws[] = {
	{ "base_beg", "base", "beg" }, { "base_dir", "base", "dir" },
	{ "base_dom", "base", "dom" }, { "base_end", "base", "end" },
	{ "base_len", "base", "len" }, { "base_reg", "base", "reg" },
	{ "base_sub", "base", "sub" },
	{ "cook_beg", "req.cook", "beg" }, { "cook_end", "req.cook", "end" },
	{ "cook_reg", "req.cook", "reg" }, { "cook_sub", "req.cook", "sub" },
	{ "hdr_beg", "req.hdr", "beg" }, { "hdr_dir", "req.hdr", "dir" },
	{ "hdr_dom", "req.hdr", "dom" }, { "hdr_end", "req.hdr", "end" },
	{ "hdr_ip", "req.hdr", "ip" }, { "hdr_len", "req.hdr", "len" },
	{ "hdr_reg", "req.hdr", "reg" }, { "hdr_sub", "req.hdr", "sub" },
	{ "path_beg", "path", "beg" }, { "path_dir", "path", "dir" },
	{ "path_dom", "path", "dom" }, { "path_end", "path", "end" },
	{ "path_len", "path", "len" }, { "path_reg", "path", "reg" },
	{ "path_sub", "path", "sub" },
	{ "url_beg", "url", "beg" }, { "url_dir", "url", "dir" },
	{ "url_dom", "url", "dom" }, { "url_end", "url", "end" },
	{ "url_len", "url", "len" }, { "url_reg", "url", "reg" },
	{ "url_sub", "url", "sub" },
	{ "urlp_reg", "url_param", "reg" },
	/* binary blocks match hex patterns, as in HAProxy */
	{ "payload", "req.payload", "bin" }, { "payload_lv", "req.payload_lv", "bin" },
	{ "req.payload", "req.payload", "bin" }, { "req.payload_lv", "req.payload_lv", "bin" },
	{ NULL, NULL, NULL },
};

/* tests/fuzz/fuzz_http1.c: fuzz target for the HTTP/1 head parser and chunk scanner */
/*
 * One input exercises everything: the head is looked for whole and in pieces (same answer),
 * parsed as a request and as a response, checked against invariants that do not trust the
 * parser (no bare CR, NUL or folded line in an accepted head, offsets inside it, CL and TE
 * never both); the helpers run on the result; the bytes after the head go through the chunk
 * scanner whole, in pieces and byte by byte, which must agree.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "http1.h"

#define FUZZ_MAX_HDRS 32

static bool
ieq(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t x = a[i], y = b[i];
		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y)
			return false;
	}
	return true;
}

static void
check_error(const struct lb_http1_error *err, size_t len, bool req)
{
	FUZZ_CHECK(err->reason != NULL);
	FUZZ_CHECK(err->offset <= len);
	if (req)
		FUZZ_CHECK(err->status == 400 || err->status == 414 || err->status == 431 ||
			   err->status == 501 || err->status == 505);
	else
		FUZZ_CHECK(err->status == 502);
}

/* What an accepted head must look like, checked byte by byte without the parser's help. */
static void
check_head_bytes(const uint8_t *b, size_t hl)
{
	bool line_start = false, started = false;

	for (size_t i = 0; i < hl; i++) {
		FUZZ_CHECK(b[i] != 0);
		if (b[i] == '\r')
			FUZZ_CHECK(i + 1 < hl && b[i + 1] == '\n');
		if (line_start && started)
			FUZZ_CHECK(b[i] != ' ' && b[i] != '\t');	/* no obs-fold */
		if (b[i] != '\r' && b[i] != '\n')
			started = true;
		line_start = b[i] == '\n';
	}
}

static void
check_msg(const uint8_t *b, size_t hl, const struct lb_http1_msg *m, bool req)
{
	FUZZ_CHECK(m->head_len > 0 && m->head_len <= hl);
	FUZZ_CHECK(m->start_len > 0 && m->start_len < m->head_len);
	FUZZ_CHECK(b[m->start_len - 1] == '\n');
	FUZZ_CHECK(m->nhdrs <= m->max_hdrs);
	FUZZ_CHECK(m->version == 10 || m->version == 11);
	FUZZ_CHECK(m->body >= LB_BODY_NONE && m->body <= LB_BODY_UNTIL_CLOSE);
	FUZZ_CHECK(!((m->flags & LB_MSG_F_HAS_CL) && (m->flags & LB_MSG_F_HAS_TE)));
	if (m->body == LB_BODY_LENGTH)
		FUZZ_CHECK(m->flags & LB_MSG_F_HAS_CL);
	if (m->body == LB_BODY_CHUNKED)
		FUZZ_CHECK(m->flags & LB_MSG_F_HAS_TE);
	check_head_bytes(b, m->head_len);
	if (req) {
		FUZZ_CHECK(m->meth_len > 0 && m->uri_len > 0);
		FUZZ_CHECK(m->uri_off + m->uri_len < m->start_len);
		FUZZ_CHECK(b[m->meth_off + m->meth_len] == ' ' && b[m->uri_off - 1] == ' ');
		FUZZ_CHECK(m->body != LB_BODY_UNTIL_CLOSE);
		if (m->version == 11)
			FUZZ_CHECK(m->flags & LB_MSG_F_HAS_HOST);
		if (m->version == 10)
			FUZZ_CHECK(!(m->flags & LB_MSG_F_HAS_TE));
		if (m->host_idx >= 0)
			FUZZ_CHECK((unsigned)m->host_idx < m->nhdrs &&
				   (m->hdrs[m->host_idx].flags & LB_HDR_F_HOST));
		else
			FUZZ_CHECK(!(m->flags & LB_MSG_F_HAS_HOST));
	} else {
		FUZZ_CHECK(m->status >= 100 && m->status <= 599);
		FUZZ_CHECK(m->reason_off + m->reason_len < m->start_len);
	}
	for (unsigned i = 0; i < m->nhdrs; i++) {
		const struct lb_http1_hdr *h = &m->hdrs[i];
		FUZZ_CHECK(h->name_len > 0);
		FUZZ_CHECK(h->name_off >= m->start_len);
		FUZZ_CHECK(h->name_off + h->name_len < m->head_len);
		FUZZ_CHECK(b[h->name_off + h->name_len] == ':');
		FUZZ_CHECK(h->value_off + h->value_len <= m->head_len);
		for (uint32_t k = 0; k < h->value_len; k++)
			FUZZ_CHECK(b[h->value_off + k] != '\r' && b[h->value_off + k] != '\n');
		if (h->value_len)
			FUZZ_CHECK(b[h->value_off] != ' ' &&
				   b[h->value_off + h->value_len - 1] != ' ');
	}
}

static void
check_helpers(const uint8_t *b, struct lb_http1_msg *m)
{
	const char *buf = (const char *)b;

	FUZZ_CHECK(lb_http1_conn_has(buf, m, "close") == !!(m->flags & LB_MSG_F_CONN_CLOSE));
	FUZZ_CHECK(lb_http1_conn_has(buf, m, "keep-alive") ==
		   !!(m->flags & LB_MSG_F_CONN_KEEPALIVE));
	for (unsigned i = 0; i < m->nhdrs; i++) {
		const struct lb_http1_hdr *h = &m->hdrs[i];
		int j = lb_http1_find_hdr(buf, m, buf + h->name_off, h->name_len, 0);
		FUZZ_CHECK(j >= 0 && (unsigned)j <= i);
		FUZZ_CHECK(m->hdrs[j].name_len == h->name_len &&
			   ieq(b + m->hdrs[j].name_off, b + h->name_off, h->name_len));
		FUZZ_CHECK(lb_http1_find_hdr(buf, m, buf + h->name_off, h->name_len, (int)i) ==
			   (int)i);
	}
	lb_http1_mark_hop(buf, m);
	for (unsigned i = 0; i < m->nhdrs; i++) {
		uint16_t f = m->hdrs[i].flags;
		if (f & (LB_HDR_F_HOST | LB_HDR_F_CONTENT_LENGTH | LB_HDR_F_TRANSFER_ENCODING))
			FUZZ_CHECK(!(f & LB_HDR_F_HOP));
		if (f & LB_HDR_F_CONNECTION)
			FUZZ_CHECK(f & LB_HDR_F_HOP);
	}
}

/* The verdict of a chunk scan, to compare scans of the same bytes cut differently. */
struct verdict {
	int kind;		/* 0: incomplete, 1: done, -1: error */
	size_t at;		/* bytes of body when done, fault offset on error */
};

static struct verdict
scan_pieces(const uint8_t *b, size_t len, size_t step, unsigned salt)
{
	struct lb_http1_chunk st;
	struct lb_http1_error err;
	struct verdict v = { 0, 0 };
	size_t pos = 0;

	memset(&st, 0, sizeof(st));
	while (pos < len) {
		size_t n = step ? step : 1 + (salt = salt * 1103515245u + 12345u) % 23;
		long k;

		if (n > len - pos)
			n = len - pos;
		k = lb_http1_chunk_scan(&st, (const char *)b + pos, n, &err);
		if (k < 0) {
			FUZZ_CHECK(err.reason && err.offset < n && err.status == 400);
			v.kind = -1;
			v.at = pos + err.offset;
			return v;
		}
		FUZZ_CHECK((size_t)k <= n);
		if (st.done) {
			FUZZ_CHECK(k > 0 && b[pos + (size_t)k - 1] == '\n');
			v.kind = 1;
			v.at = pos + (size_t)k;
			FUZZ_CHECK(lb_http1_chunk_scan(&st, (const char *)b, len, &err) == 0);
			return v;
		}
		FUZZ_CHECK((size_t)k == n);
		pos += n;
	}
	return v;
}

static void
check_chunks(const uint8_t *b, size_t len)
{
	struct verdict whole = scan_pieces(b, len, len, 0);
	struct verdict cut = scan_pieces(b, len, 0, len ? b[0] : 0);

	FUZZ_CHECK(whole.kind == cut.kind && whole.at == cut.at);
	if (len <= 2048) {
		struct verdict bytes = scan_pieces(b, len, 1, 0);
		FUZZ_CHECK(whole.kind == bytes.kind && whole.at == bytes.at);
	}
}

static size_t
head_end_pieces(const uint8_t *b, size_t len)
{
	size_t scan = 0, n = 0, hl = 0;
	unsigned salt = len ? b[len - 1] : 7;

	while (n < len) {
		n += 1 + (salt = salt * 1103515245u + 12345u) % 61;
		if (n > len)
			n = len;
		hl = lb_http1_head_end((const char *)b, n, &scan);
		FUZZ_CHECK(scan <= n);
		if (hl) {
			FUZZ_CHECK(hl <= n);
			break;
		}
	}
	return hl;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_http1_hdr hdrs[FUZZ_MAX_HDRS];
	struct lb_http1_msg msg;
	struct lb_http1_error err;
	const char *buf = (const char *)data;
	size_t scan = 0, hl;
	enum lb_http_meth meths[] = { LB_METH_GET, LB_METH_HEAD, LB_METH_CONNECT, LB_METH_POST };
	enum lb_http_meth rm = meths[size ? data[0] % 4 : 0];

	hl = lb_http1_head_end(buf, size, &scan);
	FUZZ_CHECK(hl <= size);
	FUZZ_CHECK(head_end_pieces(data, size) == hl);

	memset(&msg, 0, sizeof(msg));
	msg.hdrs = hdrs;
	msg.max_hdrs = 1 + (size ? data[size / 2] % FUZZ_MAX_HDRS : 0);
	if (hl) {
		if (lb_http1_parse_request(buf, hl, &msg, &err) == 0) {
			check_msg(data, hl, &msg, true);
			FUZZ_CHECK(msg.head_len == hl);
			check_helpers(data, &msg);
		} else {
			check_error(&err, hl, true);
		}
		if (lb_http1_parse_response(buf, hl, rm, &msg, &err) == 0) {
			check_msg(data, hl, &msg, false);
			FUZZ_CHECK(msg.head_len == hl);
			check_helpers(data, &msg);
		} else {
			check_error(&err, hl, false);
		}
	}
	/* any length at all must be safe, head found or not */
	if (lb_http1_parse_request(buf, size, &msg, &err) == 0)
		check_msg(data, size, &msg, true);
	else
		check_error(&err, size, true);
	if (lb_http1_parse_response(buf, size, rm, &msg, &err) == 0)
		check_msg(data, size, &msg, false);
	else
		check_error(&err, size, false);

	check_chunks(data + hl, size - hl);
	if (hl)
		check_chunks(data, size);
	return 0;
}

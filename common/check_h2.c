/* common/check_h2.c: HTTP/2 for HTTP health checks, an nghttp2 client session on bytes
 * (see check_h2.h)
 *
 * Output goes through nghttp2_session_send() into a fixed buffer: the send callback takes
 * what fits and says "would block" when it is full, so nghttp2 keeps the rest of a frame for
 * the next call and nothing grows. Input goes through nghttp2_session_mem_recv(); the
 * callbacks write the current stream's response as HTTP/1.x text straight into the probe's
 * receive buffer, which the caller bounds.
 */
#include "check_h2.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "util.h"

#define CHK_H2_OBUF 16384
/* what we tell the server (advisory for the header list; the buffer is the real bound) */
#define CHK_H2_MAX_HEADER_LIST 16384

struct chk_h2 {
	nghttp2_session *sess;
	bool tls;
	char authority[64];
	int32_t sid;		/* the current stream, -1 before the first request */
	bool interim;		/* the header block being read is a 1xx: not shown */
	bool head_done;		/* the final response head is out */
	bool done;		/* END_STREAM of the current stream */
	bool failed;		/* a callback saw an error: why */
	char why[96];
	unsigned frames;
	/* the request body, pulled by the data provider */
	char *body;
	size_t body_len, body_off;
	/* frames to write */
	uint8_t obuf[CHK_H2_OBUF];
	size_t olen, ooff;
	/* where chk_h2_recv() writes the response */
	char *out;
	size_t *outlen;
	size_t cap;
};

static void
append(struct chk_h2 *h, const void *s, size_t n)
{
	size_t room;

	if (!h->out)
		return;
	room = h->cap - *h->outlen;
	if (n > room)
		n = room;	/* the rest is dropped: the probe sees a full buffer */
	memcpy(h->out + *h->outlen, s, n);
	*h->outlen += n;
	h->out[*h->outlen] = '\0';
}

static void
set_failed(struct chk_h2 *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
set_failed(struct chk_h2 *h, const char *fmt, ...)
{
	va_list ap;

	if (h->failed)
		return;	/* the first cause is the one shown */
	h->failed = true;
	va_start(ap, fmt);
	vsnprintf(h->why, sizeof(h->why), fmt, ap);
	va_end(ap);
}

/* ---- nghttp2 callbacks ---- */

static ssize_t
cb_send(nghttp2_session *s, const uint8_t *data, size_t len, int flags, void *ud)
{
	struct chk_h2 *h = ud;
	size_t room = sizeof(h->obuf) - h->olen;

	(void)s;
	(void)flags;
	if (!room)
		return NGHTTP2_ERR_WOULDBLOCK;
	if (len > room)
		len = room;
	memcpy(h->obuf + h->olen, data, len);
	h->olen += len;
	return (ssize_t)len;
}

static int
cb_begin_frame(nghttp2_session *s, const nghttp2_frame_hd *hd, void *ud)
{
	struct chk_h2 *h = ud;

	(void)s;
	(void)hd;
	if (++h->frames > CHK_H2_MAX_FRAMES) {
		set_failed(h, "more than %d HTTP/2 frames from the server", CHK_H2_MAX_FRAMES);
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	return 0;
}

static int
cb_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nlen,
	  const uint8_t *value, size_t vlen, uint8_t flags, void *ud)
{
	struct chk_h2 *h = ud;

	(void)s;
	(void)flags;
	if (f->hd.stream_id != h->sid || h->head_done)
		return 0;	/* another stream, or trailers: not part of the head */
	if (nlen == 7 && !memcmp(name, ":status", 7)) {
		h->interim = vlen == 3 && value[0] == '1';
		if (!h->interim) {
			append(h, "HTTP/2.0 ", 9);
			append(h, value, vlen);
			append(h, "\r\n", 2);
		}
		return 0;
	}
	if (h->interim || name[0] == ':')
		return 0;
	append(h, name, nlen);
	append(h, ": ", 2);
	append(h, value, vlen);
	append(h, "\r\n", 2);
	return 0;
}

static int
cb_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	struct chk_h2 *h = ud;

	(void)s;
	if (f->hd.stream_id != h->sid || h->sid < 0)
		return 0;
	if (f->hd.type == NGHTTP2_HEADERS && !h->head_done) {
		if (h->interim)
			h->interim = false;	/* the final response follows */
		else {
			append(h, "\r\n", 2);
			h->head_done = true;
		}
	}
	if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) &&
	    (f->hd.flags & NGHTTP2_FLAG_END_STREAM) && h->head_done)
		h->done = true;
	return 0;
}

static int
cb_data(nghttp2_session *s, uint8_t flags, int32_t sid, const uint8_t *data, size_t len,
	void *ud)
{
	struct chk_h2 *h = ud;

	(void)s;
	(void)flags;
	if (sid == h->sid && h->head_done)
		append(h, data, len);
	return 0;
}

static int
cb_stream_close(nghttp2_session *s, int32_t sid, uint32_t code, void *ud)
{
	struct chk_h2 *h = ud;

	(void)s;
	if (sid != h->sid || h->done)
		return 0;
	if (code == NGHTTP2_REFUSED_STREAM)
		set_failed(h, "HTTP/2 stream refused by the server");
	else
		set_failed(h, "HTTP/2 stream reset by the server (%s)",
			   nghttp2_http2_strerror(code));
	return 0;
}

/* A connection error nghttp2 found (a frame that breaks the protocol, a bad preface...):
 * it answers GOAWAY and stops reading; the probe fails with its words. */
static int
cb_error(nghttp2_session *s, int code, const char *msg, size_t len, void *ud)
{
	struct chk_h2 *h = ud;
	char words[64];

	(void)s;
	(void)code;
	snprintf(words, sizeof(words), "%.*s", (int)LB_MIN(len, sizeof(words) - 1), msg);
	set_failed(h, "HTTP/2 protocol error: %s", words);
	return 0;
}

static ssize_t
body_read(nghttp2_session *s, int32_t sid, uint8_t *buf, size_t len, uint32_t *flags,
	  nghttp2_data_source *src, void *ud)
{
	struct chk_h2 *h = ud;
	size_t n = h->body_len - h->body_off;

	(void)s;
	(void)sid;
	(void)src;
	if (n > len)
		n = len;
	memcpy(buf, h->body + h->body_off, n);
	h->body_off += n;
	if (h->body_off == h->body_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

/* ---- the session ---- */

struct chk_h2 *
chk_h2_new(bool tls, const char *authority, char *err, size_t errlen)
{
	struct chk_h2 *h = calloc(1, sizeof(*h));
	nghttp2_session_callbacks *cb = NULL;
	nghttp2_option *opt = NULL;
	static const nghttp2_settings_entry settings[] = {
		{ NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, CHK_H2_MAX_HEADER_LIST },
	};

	if (!h || nghttp2_session_callbacks_new(&cb) || nghttp2_option_new(&opt))
		goto fail;
	h->tls = tls;
	snprintf(h->authority, sizeof(h->authority), "%s", authority);
	h->sid = -1;
	nghttp2_session_callbacks_set_send_callback(cb, cb_send);
	nghttp2_session_callbacks_set_on_begin_frame_callback(cb, cb_begin_frame);
	nghttp2_session_callbacks_set_on_header_callback(cb, cb_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, cb_frame_recv);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, cb_data);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, cb_stream_close);
	nghttp2_session_callbacks_set_error_callback2(cb, cb_error);
	/* a server may not make us keep more than a few SETTINGS or queue endless ACKs */
	nghttp2_option_set_max_settings(opt, 32);
	nghttp2_option_set_max_outbound_ack(opt, 64);
	if (nghttp2_session_client_new2(&h->sess, cb, h, opt) ||
	    nghttp2_submit_settings(h->sess, NGHTTP2_FLAG_NONE, settings,
				    LB_ARRAY_SIZE(settings)))
		goto fail;
	nghttp2_session_callbacks_del(cb);
	nghttp2_option_del(opt);
	return h;
fail:
	snprintf(err, errlen, "cannot create an HTTP/2 session");
	if (cb)
		nghttp2_session_callbacks_del(cb);
	if (opt)
		nghttp2_option_del(opt);
	chk_h2_free(h);
	return NULL;
}

void
chk_h2_free(struct chk_h2 *h)
{
	if (!h)
		return;
	if (h->sess)
		nghttp2_session_del(h->sess);
	free(h->body);
	free(h);
}

/* Fields a connection-specific in HTTP/1 that HTTP/2 forbids (RFC 9113 8.2.2). */
static const char *const h1_only_fields[] = {
	"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", NULL,
};

static bool
h1_only(const char *name, const char *value)
{
	for (int i = 0; h1_only_fields[i]; i++)
		if (!strcmp(name, h1_only_fields[i]))
			return true;
	return !strcmp(name, "te") && strcasecmp(value, "trailers");
}

static void
nv_set(nghttp2_nv *nv, const char *name, const char *value)
{
	nv->name = (uint8_t *)(uintptr_t)name;
	nv->namelen = strlen(name);
	nv->value = (uint8_t *)(uintptr_t)value;
	nv->valuelen = strlen(value);
	nv->flags = NGHTTP2_NV_FLAG_NONE;
}

int
chk_h2_submit(struct chk_h2 *h, const char *req, size_t len, char *err, size_t errlen)
{
	char *copy = lb_xmalloc(len + 1), *p, *eol, *meth, *uri, *sp;
	size_t nlines = 0, nnv, nfields = 0;
	bool authority = false;
	nghttp2_nv *nv;
	nghttp2_data_provider prov = { .source.ptr = NULL, .read_callback = body_read };
	const char *body = NULL;
	int32_t sid;

	memcpy(copy, req, len);
	copy[len] = '\0';
	for (size_t i = 0; i < len; i++)
		nlines += copy[i] == '\n';
	nv = lb_xcalloc(nlines + 5, sizeof(*nv));
	/* the request line: "METH URI VER" (the version is HTTP/2's own) */
	eol = strchr(copy, '\n');
	sp = strchr(copy, ' ');
	if (!eol || !sp || sp > eol) {
		snprintf(err, errlen, "the check request has no request line");
		goto fail;
	}
	*eol = '\0';
	if (eol > copy && eol[-1] == '\r')
		eol[-1] = '\0';
	meth = copy;
	*sp = '\0';
	uri = sp + 1;
	if ((sp = strchr(uri, ' ')))
		*sp = '\0';
	nv_set(&nv[0], ":method", meth);
	nv_set(&nv[1], ":scheme", h->tls ? "https" : "http");
	nv_set(&nv[2], ":path", uri);
	/* the header lines up to the empty one; Host becomes :authority */
	for (p = eol + 1; *p;) {
		char *name = p, *colon, *value;

		eol = strchr(p, '\n');
		if (eol) {
			*eol = '\0';
			p = eol + 1;
		} else {
			p += strlen(p);
		}
		if (eol && eol > name && eol[-1] == '\r')
			eol[-1] = '\0';
		if (!*name) {
			body = p;
			break;
		}
		colon = strchr(name, ':');
		if (!colon)
			continue;
		*colon = '\0';
		for (value = colon + 1; *value == ' ' || *value == '\t'; value++)
			;
		for (char *c = name; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (h1_only(name, value))
			continue;
		if (!strcmp(name, "host")) {
			nv_set(&nv[3], ":authority", value);
			authority = true;
		} else {
			nv_set(&nv[4 + nfields++], name, value);
		}
	}
	/* pseudo-headers first: slot 3 is :authority, from Host or else the server's address */
	if (!authority)
		nv_set(&nv[3], ":authority", h->authority);
	nnv = 4 + nfields;
	free(h->body);
	h->body = NULL;
	h->body_len = h->body_off = 0;
	if (body && (size_t)(body - copy) < len) {
		h->body_len = len - (size_t)(body - copy);
		h->body = lb_xmalloc(h->body_len);
		memcpy(h->body, body, h->body_len);
	}
	sid = nghttp2_submit_request(h->sess, NULL, nv, nnv, h->body_len ? &prov : NULL, NULL);
	if (sid < 0) {
		snprintf(err, errlen, "cannot send the HTTP/2 request: %s", nghttp2_strerror(sid));
		goto fail;
	}
	h->sid = sid;
	h->interim = h->head_done = h->done = false;
	free(nv);
	free(copy);
	return 0;
fail:
	free(nv);
	free(copy);
	return -1;
}

int
chk_h2_output(struct chk_h2 *h, const uint8_t **data, size_t *len, char *err, size_t errlen)
{
	if (h->ooff == h->olen) {
		int rv;

		h->ooff = h->olen = 0;
		rv = nghttp2_session_send(h->sess);
		if (rv < 0) {
			snprintf(err, errlen, "HTTP/2 session error: %s", nghttp2_strerror(rv));
			return -1;
		}
	}
	*data = h->obuf + h->ooff;
	*len = h->olen - h->ooff;
	return 0;
}

void
chk_h2_written(struct chk_h2 *h, size_t n)
{
	h->ooff += LB_MIN(n, h->olen - h->ooff);
}

int
chk_h2_recv(struct chk_h2 *h, const uint8_t *in, size_t n, char *out, size_t *outlen,
	    size_t cap, char *err, size_t errlen)
{
	ssize_t rv;

	h->out = out;
	h->outlen = outlen;
	h->cap = cap;
	rv = nghttp2_session_mem_recv(h->sess, in, n);
	h->out = NULL;
	if (rv >= 0 && !h->failed && !h->done && !nghttp2_session_want_read(h->sess))
		set_failed(h, "HTTP/2 connection ended by the server (GOAWAY)");
	if (rv < 0 || h->failed) {
		snprintf(err, errlen, "%s", h->failed ? h->why : nghttp2_strerror((int)rv));
		return -1;
	}
	return 0;
}

bool
chk_h2_done(const struct chk_h2 *h)
{
	return h->done;
}

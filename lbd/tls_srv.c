/* lbd/tls_srv.c: TLS to servers ("server ... ssl"), on common/tls_client.h sessions
 *
 * One credentials context per server (CA, client certificate, ALPN), a session per
 * connection. The handshake runs while the connection is still "connecting" (the stream
 * waits in its connect state, bounded by timeout connect), so the modes see a server
 * connection only once it can carry bytes. Each thread keeps the last session data of each
 * server (taken after the handshake with TLS 1.2, when the connection is parked or closed
 * with TLS 1.3, whose tickets come later) and offers it once, to its next new connection:
 * resumption without a lock.
 */
#include "tls.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "runtime_types.h"
#include "thread_types.h"
#include "tls_client.h"
#include "util.h"

enum sni_kind {
	SNI_NONE = 0,
	SNI_LITERAL,		/* str(<name>) */
	SNI_REQ_HDR,		/* req.hdr(<name>) / hdr(<name>) */
	SNI_FC_SNI,		/* ssl_fc_sni: what the client sent us */
};

struct resume {
	void *data;
	size_t len;
	char *sni;		/* the name it was made with: offered only with the same */
};

struct lbd_srv_tls {
	struct lb_tls_client_ctx *ctx;
	enum sni_kind sni;
	char *sni_arg;		/* the name, or the header name */
	int nbthread;
	struct resume *resume;	/* [nbthread] */
};

/* "str(x)" -> SNI_LITERAL "x" ... (the parser checked the forms, common/cfg_ssl.c) */
static void
parse_sni(struct lbd_srv_tls *t, const char *expr)
{
	static const struct {
		const char *prefix;
		enum sni_kind kind;
	} forms[] = {
		{ "str(", SNI_LITERAL },
		{ "req.hdr(", SNI_REQ_HDR },
		{ "hdr(", SNI_REQ_HDR },
	};

	if (!expr)
		return;
	if (!strcmp(expr, "ssl_fc_sni")) {
		t->sni = SNI_FC_SNI;
		return;
	}
	for (size_t i = 0; i < LB_ARRAY_SIZE(forms); i++) {
		size_t pl = strlen(forms[i].prefix), l = strlen(expr);
		if (!strncmp(expr, forms[i].prefix, pl) && l > pl && expr[l - 1] == ')') {
			t->sni = forms[i].kind;
			t->sni_arg = lb_xasprintf("%.*s", (int)(l - pl - 1), expr + pl);
			return;
		}
	}
}

int
lbd_tls_server_build(int nbthread, struct lbd_server *srv, char **errmsg)
{
	const struct lb_cfg_server *c = srv->cfg;
	struct lbd_srv_tls *t;
	char err[256];

	if (c->ssl <= 0)
		return 0;
	t = lb_xcalloc(1, sizeof(*t));
	t->ctx = lb_tls_client_ctx_new(c->ssl_ca_file, c->ssl_verify != LB_SSL_VERIFY_NONE,
				       c->ssl_crt, c->ssl_alpn, err, sizeof(err));
	if (!t->ctx) {
		*errmsg = lb_xasprintf("%s:%d: server '%s': %s", c->pos.file, c->pos.line,
				       c->name, err);
		free(t);
		return -1;
	}
	if (lb_tls_client_ctx_set_verifyhost(t->ctx, c->ssl_verifyhost) < 0)
		abort();	/* out of memory at load time */
	parse_sni(t, c->ssl_sni);
	t->nbthread = nbthread;
	t->resume = lb_xcalloc((size_t)nbthread, sizeof(*t->resume));
	srv->tls = t;
	return 0;
}

void
lbd_tls_server_free(struct lbd_server *srv)
{
	struct lbd_srv_tls *t = srv->tls;

	if (!t)
		return;
	lb_tls_client_ctx_free(t->ctx);
	for (int i = 0; i < t->nbthread; i++) {
		free(t->resume[i].data);
		free(t->resume[i].sni);
	}
	free(t->resume);
	free(t->sni_arg);
	free(t);
	srv->tls = NULL;
}

/* The value of header `name` in a request head (buf[0..len), CRLF lines), or 0. */
static size_t
head_header(const char *buf, size_t len, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);
	const char *p = memchr(buf, '\n', len), *end = buf + len;

	while (p && p + 1 < end) {
		const char *line = p + 1, *eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol || eol - line <= 1)
			break;	/* the empty line ends the head */
		if ((size_t)(eol - line) > nl && line[nl] == ':' && !strncasecmp(line, name, nl)) {
			const char *v = line + nl + 1, *e = eol;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
				e--;
			const char *colon = memchr(v, ':', (size_t)(e - v));	/* host:port */
			if (colon && !memchr(v, ']', (size_t)(e - v)))
				e = colon;
			size_t l = LB_MIN((size_t)(e - v), outlen - 1);
			memcpy(out, v, l);
			out[l] = 0;
			return l;
		}
		p = eol;
	}
	return 0;
}

/* The server name to send for this stream. */
static const char *
stream_sni(const struct lbd_srv_tls *t, const struct lbd_stream *s, char *buf, size_t len)
{
	const struct lbd_buf *b;

	switch (t->sni) {
	case SNI_LITERAL:
		return t->sni_arg;
	case SNI_FC_SNI:
		if (s->cc && s->cc->tls && lbd_tls_sni(s->cc->tls, buf, len - 1)) {
			buf[lbd_tls_sni(s->cc->tls, buf, len - 1)] = 0;
			return buf;
		}
		return NULL;
	case SNI_REQ_HDR:
		/* the head towards the server: rewritten in obuf, else still in rbuf */
		b = s->obuf.len ? &s->obuf : (s->cc ? &s->cc->rbuf : NULL);
		if (b && b->len && head_header(b->data + b->head, b->len, t->sni_arg, buf, len))
			return buf;
		return NULL;
	case SNI_NONE:
		break;
	}
	return NULL;
}

int
lbd_tls_server_start(struct lbd_stream *s, struct lbd_sconn *sc)
{
	struct lbd_srv_tls *t = sc->srv->tls;
	struct resume *r = &t->resume[sc->thr->id];
	char name[256], err[160];
	const char *sni = stream_sni(t, s, name, sizeof(name));

	/* a session is resumed only towards the name it was made with: a resumed handshake
	 * skips the certificate, so another name would go unverified */
	bool same = (!sni && !r->sni) || (sni && r->sni && !strcmp(sni, r->sni));

	sc->tlsc = lb_tls_client_new_ctx(sc->fd, t->ctx, sni, same ? r->data : NULL,
					 same ? r->len : 0, err, sizeof(err));
	if (!sc->tlsc) {
		lb_log_sys(LB_LOG_WARNING, "backend %s, server %s: TLS: %s", sc->srv->be->name,
			   sc->srv->name, err);
		return -1;
	}
	sc->tls = lb_tls_client_session(sc->tlsc);
	/* a TLS 1.3 ticket serves once: this connection keeps the next one it gets */
	if (same) {
		free(r->data);
		r->data = NULL;
		r->len = 0;
	}
	/* a name that depends on the request must not carry another request's name */
	if (t->sni == SNI_REQ_HDR || t->sni == SNI_FC_SNI)
		sc->flags |= LBD_SC_F_NOREUSE;
	return 0;
}

int
lbd_tls_server_handshake(struct lbd_sconn *sc)
{
	int r = lb_tls_client_handshake(sc->tlsc);

	if (r == 0) {
		lbd_tls_server_keep(sc);
		return LBD_TLS_HS_DONE;
	}
	if (r == LB_TLS_WANT_READ)
		return LBD_TLS_HS_READ;
	if (r == LB_TLS_WANT_WRITE)
		return LBD_TLS_HS_WRITE;
	lb_log_sys(LB_LOG_WARNING, "backend %s, server %s: TLS handshake failed: %s",
		   sc->srv->be->name, sc->srv->name, lb_tls_client_error(sc->tlsc));
	return LBD_TLS_HS_FAILED;
}

void
lbd_tls_server_keep(struct lbd_sconn *sc)
{
	struct resume *r;
	void *data;
	size_t len;

	if (!sc->tlsc || !sc->srv->tls || (sc->flags & LBD_SC_F_TLS_KEPT) ||
	    lb_tls_client_session_data(sc->tlsc, &data, &len) < 0)
		return;
	sc->flags |= LBD_SC_F_TLS_KEPT;
	r = &sc->srv->tls->resume[sc->thr->id];
	free(r->data);
	free(r->sni);
	r->data = data;
	r->len = len;
	r->sni = lb_tls_client_sni(sc->tlsc) ? lb_xstrdup(lb_tls_client_sni(sc->tlsc)) : NULL;
}

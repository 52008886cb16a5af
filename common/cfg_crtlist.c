/* common/cfg_crtlist.c: "crt-list <file>" on bind lines
 *
 * Each line of the file names one certificate, as HAProxy reads it:
 *   <crtfile> [\[<option> ...\]] [[!]<sni filter> ...]
 * '#' starts a comment, blank lines are skipped, words are quoted as in the configuration.
 * The options between brackets are those of the bind line that make sense per certificate
 * (the table below, with the bind line's handlers); for a handshake that selects this
 * certificate they replace the bind line's (cfg_ssl_bind_finish completes them). SNI
 * filters replace the names of the certificate: exact names or "*.domain" wildcards, and
 * "!name" excludes a name ("*.a.test !secure.a.test"). Without a positive filter the
 * certificate's own names count. Each line becomes one struct lb_cfg_crt after the bind
 * line's earlier crts; problems are reported at the crt-list file's line and column.
 */
#include "cfg_priv.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BSSL(field) offsetof(struct lb_cfg_bind_ssl, field)

/* The options a crt-list line may carry (HAProxy's "ssl bind" options lb has). */
static const struct lb_cfg_kw crtlist_kws[] = {
	CFG_KW("alpn", 0, 1, 1, cfg_ssl_bind_alpn, BSSL(alpn), "<protocols>", NULL),
	CFG_KW("ca-file", 0, 1, 1, cfg_ssl_bind_file, BSSL(ca_file), "<file>", NULL),
	CFG_KW("crl-file", 0, 1, 1, cfg_ssl_bind_file, BSSL(crl_file), "<file>", NULL),
	CFG_KW("ciphers", 0, 1, 1, cfg_ssl_bind_str, BSSL(ciphers), "<list>", NULL),
	CFG_KW("ciphersuites", 0, 1, 1, cfg_ssl_bind_str, BSSL(ciphersuites), "<list>", NULL),
	CFG_KW("curves", 0, 1, 1, cfg_ssl_bind_str, BSSL(curves), "<list>", NULL),
	CFG_KW("gnutls-priority", 0, 1, 1, cfg_ssl_bind_str, BSSL(gnutls_priority), "<string>",
	       NULL),
	CFG_KW("ssl-min-ver", 0, 1, 1, cfg_ssl_bind_ver, BSSL(min_ver), "<version>", NULL),
	CFG_KW("ssl-max-ver", 0, 1, 1, cfg_ssl_bind_ver, BSSL(max_ver), "<version>", NULL),
	CFG_KW("verify", 0, 1, 1, cfg_ssl_bind_verify, 0, "none|optional|required", NULL),
	CFG_KW_END,
};

/* HAProxy accepts these per line; lb does not have them */
static const char *const crtlist_unsupported[] = {
	"allow-0rtt", "ca-verify-file", "ecdhe", "no-ca-names", "npn", "ocsp-update", NULL,
};

/* The "[...]" words of line w starting at word 1, parsed into a new option set. Sets *next
 * to the first word after the bracket. Returns NULL after reporting an error. */
static struct lb_cfg_bind_ssl *
line_options(struct cfg_parser *q, int *next)
{
	struct cfg_words *w = q->w, sub = { 0 };
	struct lb_cfg_bind_ssl *o = lb_xcalloc(1, sizeof(*o));
	struct lb_cfg_bind holder = { .ssl = o };
	int i, end = -1;

	o->verify = -1;	/* unset: the bind line's */
	o->pos = cfg_pos(q, 1);
	for (i = 1; i < w->n; i++) {
		size_t l = strlen(w->v[i]);
		if (l && w->v[i][l - 1] == ']') {
			end = i;
			break;
		}
	}
	if (end < 0) {
		cfg_err(q, 1, "crt-list: '[' without its ']'");
		goto fail;
	}
	for (i = 1; i <= end; i++) {
		char *v = w->v[i];
		int col = w->col[i];
		size_t l;
		if (i == 1) {
			v++;
			col++;
		}
		l = strlen(v);
		if (i == end)
			v[--l] = 0;
		if (!l)
			continue;
		sub.col[sub.n] = col;
		sub.v[sub.n++] = v;
	}
	sub.v[sub.n] = NULL;
	q->w = &sub;
	snprintf(q->kwname, sizeof(q->kwname), "crt-list");
	i = cfg_parse_options(q, crtlist_kws, crtlist_unsupported, "crt-list", &holder, 0);
	q->w = w;
	if (i < 0)
		goto fail;
	*next = end + 1;
	return o;
fail:
	cfg_bind_ssl_free(o);
	return NULL;
}

/* One tokenized line of the list into a crt. Returns NULL after reporting an error. */
static struct lb_cfg_crt *
line_crt(struct cfg_parser *q)
{
	struct cfg_words *w = q->w;
	struct lb_cfg_crt *c;
	struct stat st;
	int i = 1;

	if (stat(w->v[0], &st) < 0 || access(w->v[0], R_OK) < 0) {
		cfg_err(q, 0, "crt-list: certificate '%s': %s", w->v[0], strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		cfg_err(q, 0, "crt-list: '%s' is not a file (a line names one certificate)",
			w->v[0]);
		return NULL;
	}
	c = lb_xcalloc(1, sizeof(*c));
	c->pos = cfg_pos(q, 0);
	c->path = lb_xstrdup(w->v[0]);
	if (w->n > 1 && w->v[1][0] == '[') {
		c->opts = line_options(q, &i);
		if (!c->opts) {
			free(c->path);
			free(c);
			return NULL;
		}
	}
	for (; i < w->n; i++) {
		const char *f = w->v[i], *name = f[0] == '!' ? f + 1 : f;
		bool wild = name[0] == '*';
		if (!*name || (wild && (name[1] != '.' || !name[2])) || strchr(name + wild, '*')) {
			cfg_err(q, i, "crt-list: SNI filter '%s': expected a name, '*.<domain>' or "
				"'!' before one of them", f);
			continue;
		}
		c->filters = lb_xrealloc(c->filters, (size_t)(c->nfilters + 1) * sizeof(char *));
		c->filters[c->nfilters++] = lb_xstrdup(f);
	}
	return c;
}

int
cfg_ssl_bind_crtlist(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a)
{
	struct lb_cfg_bind *b = obj;
	struct cfg_parser q = *p;
	struct cfg_words w = { 0 };
	struct lb_cfg_crt **tail, *c;
	const char *path = p->w->v[a];
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int nerr = p->nerrors, ncrt = 0;

	(void)kw;
	f = fopen(path, "r");
	if (!f) {
		cfg_err(p, a, "'crt-list %s': %s", path, strerror(errno));
		return -1;
	}
	if (!b->ssl) {
		b->ssl = lb_xcalloc(1, sizeof(*b->ssl));
		b->ssl->pos = cfg_pos(p, a - 1);
	}
	for (tail = &b->ssl->crts; *tail; tail = &(*tail)->next)
		;
	q.file = cfg_intern_file(p->cfg, path);
	q.line = 0;
	q.w = &w;
	while ((len = getline(&line, &cap, f)) >= 0) {
		struct cfg_tok_ctx ctx = { .file = q.file, .line = ++q.line, .section = "" };
		char *msg = NULL;
		int col = 0;

		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		w.n = 0;
		if (cfg_tokenize(line, (size_t)len, &ctx, &w, &msg, &col) < 0) {
			struct lb_cfg_pos pos = { q.file, q.line, col };
			lb_diag_add(q.d, LB_DIAG_ERROR, &pos, "%s", msg);
			q.nerrors++;
			free(msg);
			continue;
		}
		if (w.warn) {
			struct lb_cfg_pos pos = { q.file, q.line, w.warn_col };
			lb_diag_add(q.d, LB_DIAG_WARNING, &pos, "%s", w.warn);
		}
		if (!w.n)
			continue;
		c = line_crt(&q);
		if (c) {
			*tail = c;
			tail = &c->next;
			ncrt++;
		}
	}
	free(line);
	fclose(f);
	cfg_words_free(&w);
	p->nerrors = q.nerrors;
	if (p->nerrors != nerr)
		return -1;
	if (!ncrt) {
		cfg_err(p, a, "'crt-list %s': no certificate in it", path);
		return -1;
	}
	return 0;
}

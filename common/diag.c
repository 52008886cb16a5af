/* common/diag.c: collect diagnostics and print them as GNU lines or as JSON */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
lb_diag_init(struct lb_diag *d)
{
	memset(d, 0, sizeof(*d));
}

void
lb_diag_free(struct lb_diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
		free(d->v[i].rule);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

const char *
lb_diag_sev_name(enum lb_diag_sev sev)
{
	switch (sev) {
	case LB_DIAG_ERROR: return "error";
	case LB_DIAG_WARNING: return "warning";
	default: return "note";
	}
}

/* A message is one line: control characters (which config words may carry through escapes)
 * become '?', and overlong messages are cut. */
static char *
clean_msg(char *m)
{
	size_t len = strlen(m);

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)m[i] < 0x20 || m[i] == 0x7f)
			m[i] = '?';
	if (len > LB_DIAG_MAX_MSG)
		memcpy(m + LB_DIAG_MAX_MSG - 3, "...", 4);
	return m;
}

void
lb_diag_addv(struct lb_diag *d, enum lb_diag_sev sev, const struct lb_cfg_pos *pos,
	     const char *rule, const char *fmt, va_list ap)
{
	struct lb_diag_entry *e;
	char *msg;

	if (sev == LB_DIAG_ERROR)
		d->nerrors++;
	else if (sev == LB_DIAG_WARNING)
		d->nwarnings++;
	if (d->n >= LB_DIAG_MAX_ENTRIES)
		return;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = lb_xstrdup("(out of memory formatting a message)");
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = lb_xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	e = &d->v[d->n++];
	memset(e, 0, sizeof(*e));
	e->sev = sev;
	e->msg = clean_msg(msg);
	if (pos && pos->file) {
		e->file = lb_xstrdup(pos->file);
		e->line = pos->line > 0 ? pos->line : 0;
		e->col = e->line && pos->col > 0 ? pos->col : 0;
	}
	if (rule)
		e->rule = lb_xstrdup(rule);
}

void
lb_diag_add(struct lb_diag *d, enum lb_diag_sev sev, const struct lb_cfg_pos *pos,
	    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lb_diag_addv(d, sev, pos, NULL, fmt, ap);
	va_end(ap);
}

void
lb_diag_add_rule(struct lb_diag *d, enum lb_diag_sev sev, const struct lb_cfg_pos *pos,
		 const char *rule, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lb_diag_addv(d, sev, pos, rule, fmt, ap);
	va_end(ap);
}

void
lb_diag_print(const struct lb_diag *d, FILE *out)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct lb_diag_entry *e = &d->v[i];

		if (e->file) {
			fputs(e->file, out);
			if (e->line)
				fprintf(out, ":%d", e->line);
			if (e->col)
				fprintf(out, ":%d", e->col);
			fputs(": ", out);
		}
		fprintf(out, "%s: %s", lb_diag_sev_name(e->sev), e->msg);
		if (e->rule)
			fprintf(out, " [%s]", e->rule);
		fputc('\n', out);
	}
	if (d->n < d->nerrors + d->nwarnings)
		fprintf(out, "note: %zu more diagnostic(s) not shown\n",
			d->nerrors + d->nwarnings - d->n);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and values past U+10FFFF are not UTF-8 */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* Writes s as a JSON string; bytes that are not UTF-8 become U+FFFD so the output always
 * parses. */
static void
json_str(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	fputc('"', out);
	while (n) {
		size_t l = utf8_len(p, n);

		if (l == 0) {
			fputs("\\ufffd", out);
			p++;
			n--;
			continue;
		}
		if (l == 1) {
			switch (*p) {
			case '"': fputs("\\\"", out); break;
			case '\\': fputs("\\\\", out); break;
			case '\n': fputs("\\n", out); break;
			case '\t': fputs("\\t", out); break;
			case '\r': fputs("\\r", out); break;
			default:
				if (*p < 0x20 || *p == 0x7f)
					fprintf(out, "\\u%04x", *p);
				else
					fputc(*p, out);
			}
		} else {
			fwrite(p, 1, l, out);
		}
		p += l;
		n -= l;
	}
	fputc('"', out);
}

void
lb_diag_print_json_items(const struct lb_diag *d, FILE *out, bool *first)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct lb_diag_entry *e = &d->v[i];

		fputs(*first ? "\n  {" : ",\n  {", out);
		*first = false;
		fputs("\"file\": ", out);
		if (e->file)
			json_str(out, e->file);
		else
			fputs("null", out);
		fprintf(out, ", \"line\": %d, \"col\": %d, \"severity\": \"%s\", \"message\": ",
			e->line, e->col, lb_diag_sev_name(e->sev));
		json_str(out, e->msg);
		fputs(", \"rule\": ", out);
		if (e->rule)
			json_str(out, e->rule);
		else
			fputs("null", out);
		fputc('}', out);
	}
}

void
lb_diag_print_json(const struct lb_diag *d, FILE *out)
{
	bool first = true;

	fputc('[', out);
	lb_diag_print_json_items(d, out, &first);
	fputs(first ? "]\n" : "\n]\n", out);
}

/* lbcheck/lint.c: run the lint rules, choose them, silence them, list them
 *
 * The rules themselves live in lint_rules.c. Filtering happens after the parser and the
 * rules ran, on the collected diagnostics, because some rules are reported by the parser
 * (lint.h): a diagnostic is dropped when its rule is disabled on the command line or by an
 * "lbcheck: disable=" comment on its line (or alone on the line above).
 */
#include "lint.h"

#include <stdarg.h>
#include <string.h>

#include "util.h"

void
lbcheck_lint_set_init(struct lbcheck_lint_set *set)
{
	set->on = lb_xcalloc(lbcheck_lint_nrules, sizeof(*set->on));
	for (size_t i = 0; i < lbcheck_lint_nrules; i++)
		set->on[i] = true;
}

void
lbcheck_lint_set_free(struct lbcheck_lint_set *set)
{
	lb_free(&set->on);
}

const struct lbcheck_lint_rule *
lbcheck_lint_find(const char *id, size_t len)
{
	for (size_t i = 0; i < lbcheck_lint_nrules; i++)
		if (strlen(lbcheck_lint_rules[i].id) == len &&
		    !memcmp(lbcheck_lint_rules[i].id, id, len))
			return &lbcheck_lint_rules[i];
	return NULL;
}

int
lbcheck_lint_set_apply(struct lbcheck_lint_set *set, const char *list, bool on,
		       const char **bad, size_t *badlen)
{
	const char *s = list;

	for (;;) {
		size_t len = strcspn(s, ",");
		const struct lbcheck_lint_rule *r;

		if (len == 3 && !memcmp(s, "all", 3)) {
			for (size_t i = 0; i < lbcheck_lint_nrules; i++)
				set->on[i] = on;
		} else if ((r = lbcheck_lint_find(s, len))) {
			set->on[r - lbcheck_lint_rules] = on;
		} else {
			*bad = s;
			*badlen = len;
			return -1;
		}
		if (!s[len])
			return 0;
		s += len + 1;
	}
}

void
lint_report(struct lint_ctx *ctx, const struct lb_cfg_pos *pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lb_diag_addv(ctx->d, ctx->rule->sev, pos, ctx->rule->id, fmt, ap);
	va_end(ap);
}

void
lbcheck_lint_run(const struct lb_cfg *cfg, const struct lbcheck_lint_set *set,
		 struct lb_diag *d)
{
	struct lint_ctx ctx = { .cfg = cfg, .d = d };

	for (size_t i = 0; i < lbcheck_lint_nrules; i++) {
		if (!set->on[i] || !lbcheck_lint_rules[i].run)
			continue;
		ctx.rule = &lbcheck_lint_rules[i];
		ctx.rule->run(&ctx);
	}
}

/* ---- "# lbcheck: disable=<id>[,<id>...]" comments ---- */

#define DIRECTIVE "lbcheck:"
#define DISABLE "disable="

/* One silenced (line, rule) pair; rule NULL silences every rule on that line. */
struct quiet_line {
	int line;
	const struct lbcheck_lint_rule *rule;
	bool all;
};

struct quiet_list {
	struct quiet_line *v;
	size_t n, cap;
};

static void
quiet_add(struct quiet_list *q, int line, const struct lbcheck_lint_rule *rule, bool all)
{
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 8;
		q->v = lb_xrealloc(q->v, q->cap * sizeof(*q->v));
	}
	q->v[q->n++] = (struct quiet_line){ line, rule, all };
}

/* The '#' that starts a comment in line[0..len), or NULL: outside quotes and not escaped,
 * as the tokenizer sees it. */
static const char *
comment_start(const char *line, size_t len)
{
	char quote = 0;

	for (size_t i = 0; i < len; i++) {
		char c = line[i];

		if (c == '\\' && quote != '\'') {
			i++;
		} else if (quote) {
			if (c == quote)
				quote = 0;
		} else if (c == '"' || c == '\'') {
			quote = c;
		} else if (c == '#') {
			return line + i;
		}
	}
	return NULL;
}

/* Reads the directive of one comment (c[0..len), after the '#'), adding the lines it
 * silences. Unknown ids become warnings at their column. */
static void
parse_directive(struct quiet_list *q, struct lb_diag *d, const char *name, int lineno,
		bool alone, const char *line, const char *c, size_t len)
{
	const char *end = c + len, *s;

	while (c < end && (*c == ' ' || *c == '\t'))
		c++;
	if ((size_t)(end - c) < strlen(DIRECTIVE) || memcmp(c, DIRECTIVE, strlen(DIRECTIVE)))
		return;
	c += strlen(DIRECTIVE);
	while (c < end && (*c == ' ' || *c == '\t'))
		c++;
	if ((size_t)(end - c) < strlen(DISABLE) || memcmp(c, DISABLE, strlen(DISABLE))) {
		struct lb_cfg_pos pos = { name, lineno, (int)(c - line) + 1 };
		lb_diag_add(d, LB_DIAG_WARNING, &pos, "lbcheck comment: expected 'disable=<rule>"
			    "[,<rule>...]'");
		return;
	}
	s = c + strlen(DISABLE);
	while (s < end && *s != ' ' && *s != '\t') {
		size_t l = 0;
		const struct lbcheck_lint_rule *r = NULL;
		bool all;

		while (s + l < end && s[l] != ',' && s[l] != ' ' && s[l] != '\t')
			l++;
		all = l == 3 && !memcmp(s, "all", 3);
		if (!all && !(r = lbcheck_lint_find(s, l))) {
			struct lb_cfg_pos pos = { name, lineno, (int)(s - line) + 1 };
			lb_diag_add(d, LB_DIAG_WARNING, &pos, "lbcheck comment: unknown rule '%.*s' "
				    "(see lbcheck --list-rules)", (int)l, s);
		} else {
			quiet_add(q, lineno, r, all);
			if (alone)
				quiet_add(q, lineno + 1, r, all);
		}
		s += l;
		if (s < end && *s == ',')
			s++;
	}
}

static void
scan_directives(struct quiet_list *q, struct lb_diag *d, const char *name, const char *data,
		size_t len)
{
	const char *s = data, *end = data + len;
	int lineno = 0;

	while (s < end) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		size_t l = eol ? (size_t)(eol - s) : (size_t)(end - s);
		const char *hash;

		lineno++;
		/* cheap test first: most lines have no directive */
		if (memchr(s, '#', l) && (hash = comment_start(s, l))) {
			const char *t = s;
			while (t < hash && (*t == ' ' || *t == '\t'))
				t++;
			parse_directive(q, d, name, lineno, t == hash, s, hash + 1,
					l - (size_t)(hash + 1 - s));
		}
		s = eol ? eol + 1 : end;
	}
}

static bool
silenced(const struct quiet_list *q, const struct lb_diag_entry *e)
{
	for (size_t i = 0; i < q->n; i++)
		if (q->v[i].line == e->line &&
		    (q->v[i].all || !strcmp(q->v[i].rule->id, e->rule)))
			return true;
	return false;
}

void
lbcheck_lint_filter(struct lb_diag *d, const struct lbcheck_lint_set *set, const char *name,
		    const char *data, size_t len)
{
	struct quiet_list q = { 0 };
	size_t hidden = d->nerrors + d->nwarnings > d->n ? d->nerrors + d->nwarnings - d->n : 0;
	size_t k = 0;

	if (data)
		scan_directives(&q, d, name, data, len);
	d->nerrors = d->nwarnings = 0;
	for (size_t i = 0; i < d->n; i++) {
		struct lb_diag_entry *e = &d->v[i];
		const struct lbcheck_lint_rule *r = e->rule ? lbcheck_lint_find(e->rule,
										 strlen(e->rule))
							    : NULL;
		bool drop = r && (!set->on[r - lbcheck_lint_rules] ||
				  (e->file && !strcmp(e->file, name) && silenced(&q, e)));

		if (drop) {
			free(e->file);
			free(e->msg);
			free(e->rule);
			continue;
		}
		if (e->sev == LB_DIAG_ERROR)
			d->nerrors++;
		else if (e->sev == LB_DIAG_WARNING)
			d->nwarnings++;
		d->v[k++] = *e;
	}
	d->n = k;
	/* entries past LB_DIAG_MAX_ENTRIES were counted but not kept: count them as warnings,
	 * which keeps "N more not shown" and the exit status right in the common case */
	d->nwarnings += hidden;
	free(q.v);
}

/* ---- --list-rules ---- */

static void
json_ascii(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

void
lbcheck_lint_list(FILE *out, bool json)
{
	if (json)
		fputc('[', out);
	for (size_t i = 0; i < lbcheck_lint_nrules; i++) {
		const struct lbcheck_lint_rule *r = &lbcheck_lint_rules[i];
		const char *source = !r->run ? "parser" : r->by_parser ? "parser+lint" : "lint";

		if (!json) {
			fprintf(out, "%-26s  %-7s  %s\n", r->id, lb_diag_sev_name(r->sev),
				r->reason);
			continue;
		}
		fputs(i ? ",\n  {\"id\": " : "\n  {\"id\": ", out);
		json_ascii(out, r->id);
		fprintf(out, ", \"severity\": \"%s\", \"reason\": ", lb_diag_sev_name(r->sev));
		json_ascii(out, r->reason);
		fprintf(out, ", \"source\": \"%s\"}", source);
	}
	if (json)
		fputs(lbcheck_lint_nrules ? "\n]\n" : "]\n", out);
}

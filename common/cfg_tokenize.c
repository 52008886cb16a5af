/* common/cfg_tokenize.c: split a config line into words as HAProxy's parse_line() does
 *
 * Rules (HAProxy configuration manual, 2.2 and 2.3):
 * - words are separated by unquoted spaces or tabs; an unquoted '#' starts a comment;
 * - "double quotes" keep spaces and '#' and still interpret backslash escapes and
 *   environment variables; 'single quotes' keep everything literally;
 * - outside single quotes a backslash escapes ' ', '\', '#', '"', '\'' and gives \t, \n, \r
 *   and \xHH; "\$" is a literal '$' inside double quotes; any other backslash stays;
 * - "$VAR", "${VAR}", "${VAR-default}" and "${VAR[*]}" (split into several words) are
 *   expanded inside double quotes only; an unset variable expands to nothing; ${.FILE},
 *   ${.LINE} and ${.SECTION} are the current position. A "${" outside double quotes stays
 *   as written, with a warning since it is almost always a mistake.
 * Output goes to one growing buffer per cfg_words (reused between lines); words are
 * recorded as offsets while the buffer may move and turned into pointers at the end.
 */
#include "cfg_priv.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

struct tok {
	struct cfg_words *w;
	size_t len;		/* bytes used in w->buf */
	size_t start[CFG_MAX_WORDS + 1];
	bool open;		/* a word is being built */
	char *err;
	int errcol;
};

static int
tok_fail(struct tok *t, int col, const char *fmt, const char *arg)
{
	if (!t->err) {
		t->err = lb_xasprintf(fmt, arg);
		t->errcol = col;
	}
	return -1;
}

static int
emit(struct tok *t, char c)
{
	if (t->len + 1 >= CFG_MAX_LINE)
		return tok_fail(t, 0, "line too long after variable expansion (%s)",
				"more than 65536 bytes");
	if (t->len + 2 > t->w->cap) {
		t->w->cap = t->w->cap ? t->w->cap * 2 : 256;
		t->w->buf = lb_xrealloc(t->w->buf, t->w->cap);
	}
	t->w->buf[t->len++] = c;
	return 0;
}

static int
word_open(struct tok *t, int col)
{
	if (t->open)
		return 0;
	if (t->w->n >= CFG_MAX_WORDS)
		return tok_fail(t, col, "too many words on one line (at most %s)", "64");
	t->open = true;
	t->start[t->w->n] = t->len;
	t->w->col[t->w->n] = col;
	return 0;
}

static int
word_close(struct tok *t)
{
	if (!t->open)
		return 0;
	t->open = false;
	if (emit(t, '\0') < 0)
		return -1;
	t->w->n++;
	return 0;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Handles a '$' at line[i] inside double quotes; returns the index after the reference. */
static long
expand_var(struct tok *t, const char *line, size_t len, size_t i, const struct cfg_tok_ctx *ctx)
{
	size_t j = i + 1, name_at, name_len, brace_at = 0;
	bool brace = false, word_expand = false;
	const char *value = NULL, *def = NULL;
	size_t def_len = 0;
	char num[16], *name;

	if (j < len && line[j] == '{') {
		brace = true;
		brace_at = j;
		j++;
	}
	if (j >= len || !(isalpha((unsigned char)line[j]) || line[j] == '_' || line[j] == '.')) {
		tok_fail(t, (int)j + 1, "forbidden first character in environment variable name%s",
			 "");
		return -1;
	}
	name_at = j;
	if (line[j] == '.')
		j++;
	while (j < len && (isalnum((unsigned char)line[j]) || line[j] == '_'))
		j++;
	name_len = j - name_at;
	name = lb_xstrndup(line + name_at, name_len);
	if (name[0] == '.') {
		if (!strcmp(name, ".LINE")) {
			snprintf(num, sizeof(num), "%d", ctx ? ctx->line : 0);
			value = num;
		} else if (!strcmp(name, ".FILE")) {
			value = ctx && ctx->file ? ctx->file : "";
		} else if (!strcmp(name, ".SECTION")) {
			value = ctx && ctx->section ? ctx->section : "";
		} else {
			tok_fail(t, (int)name_at + 1, "unsupported internal variable name '%s'",
			         name);
			free(name);
			return -1;
		}
	} else {
		value = getenv(name);
	}
	free(name);
	if (brace) {
		if (j < len && line[j] == '[') {
			if (j + 2 >= len || line[j + 1] != '*' || line[j + 2] != ']') {
				tok_fail(t, (int)j + 1, "invalid word expansion%s: only '[*]' is "
					 "supported", "");
				return -1;
			}
			word_expand = true;
			j += 3;
		}
		if (j < len && line[j] == '-') {
			def = line + j + 1;
			while (j < len && line[j] != '}')
				j++;
			def_len = (size_t)(line + j - def);
		}
		if (j >= len || line[j] != '}') {
			tok_fail(t, (int)brace_at + 1, "unmatched brace in environment variable "
				 "name%s", "");
			return -1;
		}
		j++;
	}
	if (!value && def) {
		for (size_t k = 0; k < def_len; k++)
			if (emit(t, def[k]) < 0)
				return -1;
		return (long)j;
	}
	for (; value && *value; value++) {
		if (word_expand && is_space(*value)) {
			/* "${VAR[*]}": each space-separated part becomes its own word */
			if (word_close(t) < 0)
				return -1;
			while (value[1] && is_space(value[1]))
				value++;
			if (value[1] && word_open(t, t->w->col[t->w->n - 1]) < 0)
				return -1;
			continue;
		}
		if (emit(t, *value) < 0)
			return -1;
	}
	return (long)j;
}

int
cfg_tokenize(const char *line, size_t len, const struct cfg_tok_ctx *ctx,
	     struct cfg_words *w, char **errmsg, int *errcol)
{
	struct tok t = { .w = w };
	bool sq = false, dq = false;
	size_t quote_at = 0, i = 0;

	w->n = 0;
	w->warn_col = 0;
	lb_free(&w->warn);
	if (len >= CFG_MAX_LINE) {
		*errmsg = lb_xstrdup("line too long (more than 65536 bytes)");
		*errcol = 0;
		return -1;
	}
	while (i < len) {
		char c = line[i];
		int col = (int)i + 1;

		if (!sq && !dq) {
			if (is_space(c)) {
				if (word_close(&t) < 0)
					break;
				i++;
				continue;
			}
			if (c == '#')
				break;
		}
		if (word_open(&t, col) < 0)
			break;
		if (c == '"' && !sq) {
			dq = !dq;
			quote_at = i;
			i++;
			continue;
		}
		if (c == '\'' && !dq) {
			sq = !sq;
			quote_at = i;
			i++;
			continue;
		}
		if (c == '\\' && !sq) {
			char n = i + 1 < len ? line[i + 1] : '\0';
			char out = '\\';
			size_t adv = 1;

			switch (n) {
			case ' ': case '\\': case '#': case '\'': case '"':
				out = n;
				adv = 2;
				break;
			case 't': out = '\t'; adv = 2; break;
			case 'n': out = '\n'; adv = 2; break;
			case 'r': out = '\r'; adv = 2; break;
			case '$':
				if (dq) {
					out = '$';
					adv = 2;
				}
				break;
			case 'x': {
				int h1 = i + 2 < len ? lb_hexval((unsigned char)line[i + 2]) : -1;
				int h2 = i + 3 < len ? lb_hexval((unsigned char)line[i + 3]) : -1;
				if (h1 < 0 || h2 < 0) {
					tok_fail(&t, col,
					         "truncated or invalid hexadecimal sequence%s", "");
					goto out;
				}
				out = (char)(h1 << 4 | h2);
				adv = 4;
				break;
			}
			default:
				break;
			}
			if (emit(&t, out) < 0)
				break;
			i += adv;
			continue;
		}
		if (c == '$' && dq) {
			long next = expand_var(&t, line, len, i, ctx);
			if (next < 0)
				break;
			i = (size_t)next;
			continue;
		}
		if (c == '$' && !dq && !sq && i + 1 < len && line[i + 1] == '{' && !w->warn) {
			const char *end = memchr(line + i, '}', len - i);
			int n = end ? (int)(end - (line + i) + 1) : 2;
			w->warn =
			    lb_xasprintf("environment variables are only expanded inside double "
			                 "quotes: '%.*s' is kept as written",
			                 n, line + i);
			w->warn_col = col;
		}
		if (emit(&t, c) < 0)
			break;
		i++;
	}
out:
	if (!t.err && (sq || dq))
		tok_fail(&t, (int)quote_at + 1, "unmatched quote%s", "");
	if (!t.err)
		word_close(&t);
	if (t.err) {
		*errmsg = t.err;
		*errcol = t.errcol;
		w->n = 0;
		w->v[0] = NULL;
		return -1;
	}
	for (int k = 0; k < w->n; k++)
		w->v[k] = w->buf + t.start[k];
	w->v[w->n] = NULL;
	w->col[w->n] = (int)len + 1;
	return 0;
}

void
cfg_words_free(struct cfg_words *w)
{
	lb_free(&w->buf);
	lb_free(&w->warn);
	w->cap = 0;
	w->n = 0;
}

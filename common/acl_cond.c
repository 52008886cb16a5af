/* common/acl_cond.c: ACL expressions and conditions: parsing, compiling, evaluating
 *
 * Expression: "<fetch>[(args)][,<conv>[(args)]]... [-i] [-m <match>] [-f <file>] [--]
 * <values>". Condition: "if|unless" then terms; terms side by side are ANDed, "||"/"or"
 * starts another branch (AND binds tighter, as in HAProxy), "!" negates the next term, and
 * "{ <expression> }" is an anonymous ACL. A condition compiles to one array of terms: the
 * evaluation walks it, skipping to the next branch at the first false term.
 */
#include "acl_priv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "diag.h"
#include "map.h"
#include "stktable.h"
#include "userlist.h"
#include "vars.h"
#include "util.h"

struct lb_acl_term {
	const struct lb_acl *acl;
	bool neg;
	bool or_start;		/* the first term of an OR branch (not the first branch) */
};

struct lb_acl_cond {
	bool unless;
	unsigned uses;
	int nterms;
	struct lb_acl_term terms[];
};

/* ---- reporting ---- */

struct parse {
	const struct lb_acl_words *w;
	const struct lb_acl_report *rep;
	int nerr;
};

static void LB_PRINTF(4, 5)
perr(struct parse *ps, int wi, int off, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ps->nerr++;
	if (ps->rep && ps->rep->error)
		ps->rep->error(ps->rep->arg, wi, off, msg);
}

/* " (did you mean 'x'?)" over the names of several tables, or "". */
static const char *
dym(char *buf, size_t size, const char *word, const char *const *names, size_t n)
{
	const char *best = NULL;
	unsigned bestd = ~0u;

	for (size_t i = 0; i < n; i++) {
		unsigned d;
		if (!names[i])
			continue;
		d = lb_levenshtein(word, names[i]);
		if (d <= 2 && d < strlen(word) && d < bestd) {
			best = names[i];
			bestd = d;
		}
	}
	if (!best)
		return "";
	snprintf(buf, size, " (did you mean '%s'?)", best);
	return buf;
}

/* The nearest fetch or ACL keyword. */
static const char *
dym_fetch(char *buf, size_t size, const char *word)
{
	const char *names[512];
	size_t n = 0;

	for (const struct lb_acl_fetch_def *f = lb_acl_fetches; f->name && n < 512; f++)
		names[n++] = f->name;
	for (const struct lb_acl_kw_def *k = lb_acl_kws; k->name && n < 512; k++)
		names[n++] = k->name;
	return dym(buf, size, word, names, n);
}

static const char *
dym_conv(char *buf, size_t size, const char *word)
{
	const char *names[256];
	size_t n = 0;

	for (const struct lb_acl_conv_def *c = lb_acl_convs; c->name && n < 256; c++)
		names[n++] = c->name;
	return dym(buf, size, word, names, n);
}

/* ---- fetch and converter arguments ---- */

static void
arg_free(struct lb_acl_arg *a)
{
	free(a->s);
	if (a->re)
		pcre2_code_free(a->re);
	lb_pat_file_put(a->pf);
	memset(a, 0, sizeof(*a));
}

/* Splits "a,b\,c)" into arguments until the closing parenthesis. A backslash before ',' or
 * ')' makes it literal; other backslashes stay ("\1" in regsub, "\." in a regex). *pp is
 * just after '('; it ends just after ')'. at[i] is where argument i starts in base (for
 * messages). Returns the count, -1 or -2. */
static int
split_args(const char **pp, char out[LB_ACL_MAX_ARGS][256], int at[LB_ACL_MAX_ARGS],
	   int *bad_off, const char *base)
{
	const char *p = *pp;
	int n = 0, depth = 0;
	size_t l = 0;

	at[0] = (int)(p - base);
	if (*p == ')') {
		*pp = p + 1;
		return 0;
	}
	out[0][0] = '\0';
	for (;; p++) {
		if (!*p) {
			*bad_off = (int)(p - base);
			return -1;	/* no ')' */
		}
		if (*p == '\\' && (p[1] == ',' || p[1] == ')')) {
			p++;		/* a literal ',' or ')' */
		} else if (*p == '\\' && p[1]) {
			if (l < 254)	/* "\(" in a regex: kept, and does not nest */
				out[n][l++] = *p;
			p++;
		} else if (*p == '(') {
			depth++;	/* "regsub(^/(a)(b),x)": groups of a regex nest */
		} else if (*p == ')' && depth > 0) {
			depth--;
		} else if ((*p == ')' || *p == ',') && depth == 0) {
			out[n][l] = '\0';
			n++;
			l = 0;
			if (*p == ')')
				break;
			if (n == LB_ACL_MAX_ARGS) {
				*bad_off = (int)(p + 1 - base);
				return -2;	/* too many */
			}
			at[n] = (int)(p + 1 - base);
			continue;
		}
		if (l < 255)
			out[n][l++] = *p;
	}
	*pp = p + 1;
	return n;
}

static const char *const arg_kind_names[] = { "", "string", "integer", "regex", "backend",
					       "backend/server", "map file", "table", "userlist",
					       "variable" };

/* Parses the "(...)" of `name` at *pp against spec into args. */
static int
parse_args(struct parse *ps, int wi, const char **pp, const char *name,
	   const struct lb_acl_argspec *spec, struct lb_acl_arg *args)
{
	const char *base = ps->w->v[wi], *open = *pp;
	char raw[LB_ACL_MAX_ARGS][256];
	int n = 0, max = 0, bad = 0, at[LB_ACL_MAX_ARGS] = { 0 };

	while (max < LB_ACL_MAX_ARGS && spec->kind[max])
		max++;
	if (*open == '(') {
		*pp = open + 1;
		n = split_args(pp, raw, at, &bad, base);
		if (n == -1) {
			perr(ps, wi, (int)(open - base), "missing ')' after the arguments of '%s'",
			     name);
			return -1;
		}
		if (n == -2 || n > max) {
			perr(ps, wi, n == -2 ? bad : (int)(open - base),
			     "too many arguments for '%s' (at most %d)", name, max);
			return -1;
		}
	}
	if (n < spec->min) {
		perr(ps, wi, (int)(open - base), "'%s' expects %d argument%s (%s%s%s)", name,
		     spec->min, spec->min > 1 ? "s" : "", arg_kind_names[spec->kind[0]],
		     spec->min > 1 ? ", " : "", spec->min > 1 ? arg_kind_names[spec->kind[1]] : "");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		struct lb_acl_arg *a = &args[i];
		a->kind = spec->kind[i];
		a->s = lb_xstrdup(raw[i]);
		a->len = strlen(raw[i]);
		switch (a->kind) {
		case LB_ARG_INT:
			if (!*raw[i] && i >= spec->min) {
				a->kind = LB_ARG_NONE;	/* an empty optional integer */
				break;
			}
			if (lb_parse_int(raw[i], -(1LL << 62), 1LL << 62, &a->i) < 0) {
				perr(ps, wi, at[i],
				     "argument %d of '%s' must be an integer, got '%s'", i + 1, name,
				     raw[i]);
				return -1;
			}
			break;
		case LB_ARG_REGEX: {
			/* regsub(<regex>,<subst>[,<flags>]): 'i' in the flags two arguments on
			 * makes the regex caseless, 'g' is read when it runs */
			const char *flags = i + 2 < n ? raw[i + 2] : "";
			size_t bad_flag = strspn(flags, "gi");
			char why[160];
			if (flags[bad_flag]) {
				perr(ps, wi, at[i + 2] + (int)bad_flag,
				     "unknown flag '%c' for '%s' (g: every match, i: ignore case)",
				     flags[bad_flag], name);
				return -1;
			}
			a->re = lb_regex_compile(raw[i], (size_t)-1, strchr(flags, 'i') != NULL, why,
						 sizeof(why));
			if (!a->re) {
				perr(ps, wi, at[i], "invalid regex '%s' for '%s': %s",
				     raw[i], name, why);
				return -1;
			}
			break;
		}
		case LB_ARG_SERVER:
			if (!strchr(raw[i], '/')) {
				perr(ps, wi, at[i],
				     "'%s' expects <backend>/<server>, got '%s'", name, raw[i]);
				return -1;
			}
			break;
		case LB_ARG_MAP: {
			char err[400];
			if (lb_acl_map_arg(a, name, err, sizeof(err)) < 0) {
				perr(ps, wi, at[i], "%s", err);
				return -1;
			}
			break;
		}
		case LB_ARG_VAR: {
			char err[200];
			uint32_t key;
			if (lb_var_name_parse(raw[i], strlen(raw[i]), &key, err, sizeof(err)) < 0) {
				perr(ps, wi, at[i], "%s", err);
				return -1;
			}
			a->i = key;
			break;
		}
		case LB_ARG_STR:
			if (!*raw[i] && i < spec->min) {
				perr(ps, wi, at[i], "argument %d of '%s' is empty", i + 1,
				     name);
				return -1;
			}
			break;
		default:
			break;
		}
	}
	return 0;
}

/* ---- expressions ---- */

static void
expr_free(struct lb_acl_expr *e)
{
	for (int i = 0; i < LB_ACL_MAX_ARGS; i++)
		arg_free(&e->args[i]);
	for (int c = 0; c < e->nconvs; c++)
		for (int i = 0; i < LB_ACL_MAX_ARGS; i++)
			arg_free(&e->convs[c].args[i]);
	free(e->convs);
	lb_acl_pats_free(&e->pats);
	for (int i = 0; i < e->nfiles; i++)
		lb_pat_file_put(e->files[i]);
	free(e->files);
	free(e);
}

static const char *const int_ops[] = { "eq", "ge", "gt", "le", "lt" };

/* Loads one value; int operators take the next word ("ge 10" -> "10:"). Returns the words
 * consumed, negated when the value was bad (reported). */
static int
load_value(struct parse *ps, struct lb_acl_expr *e, int wi, int end)
{
	const char *v = ps->w->v[wi];
	char err[300], buf[64];

	if (e->match->load && (!strcmp(e->match->name, "int") || !strcmp(e->match->name, "len"))) {
		for (size_t k = 0; k < LB_ARRAY_SIZE(int_ops); k++) {
			long long n;
			if (strcmp(v, int_ops[k]))
				continue;
			if (wi + 1 >= end) {
				perr(ps, wi, 0, "operator '%s' expects a number after it", v);
				return -1;
			}
			if (lb_parse_int(ps->w->v[wi + 1], -(1LL << 62), 1LL << 62, &n) < 0) {
				perr(ps, wi + 1, 0, "'%s' is not an integer (after '%s')",
				     ps->w->v[wi + 1], v);
				return -2;
			}
			switch (k) {
			case 0: snprintf(buf, sizeof(buf), "%lld", n); break;
			case 1: snprintf(buf, sizeof(buf), "%lld:", n); break;
			case 2: snprintf(buf, sizeof(buf), "%lld:", n + 1); break;
			case 3: snprintf(buf, sizeof(buf), ":%lld", n); break;
			default: snprintf(buf, sizeof(buf), ":%lld", n - 1); break;
			}
			if (e->match->load(&e->pats, buf, e->icase, err, sizeof(err)) < 0) {
				perr(ps, wi + 1, 0, "%s", err);
				return -2;
			}
			return 2;
		}
	}
	if (e->match->load(&e->pats, v, e->icase, err, sizeof(err)) < 0) {
		perr(ps, wi, 0, "%s", err);
		return -1;
	}
	return 1;
}

/* -f <file>: one value per line; blank lines and lines starting with '#' are skipped. */
static int
load_file(struct parse *ps, struct lb_acl_expr *e, int wi)
{
	const char *path = ps->w->v[wi];
	FILE *f = fopen(path, "r");
	char *line = NULL, err[300];
	size_t cap = 0;
	ssize_t len;
	int ln = 0, bad = 0;

	if (!f) {
		perr(ps, wi, 0, "cannot open ACL file '%s': %s", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		char *s = line;
		ln++;
		while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' ||
				   s[len - 1] == '\t'))
			s[--len] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			continue;
		if (e->match->load(&e->pats, s, e->icase, err, sizeof(err)) < 0) {
			perr(ps, wi, 0, "%s:%d: %s", path, ln, err);
			if (++bad >= 10)
				break;
		}
	}
	free(line);
	fclose(f);
	return bad ? -1 : 0;
}

/* -f <file> as a shared pattern file that the control socket can edit (add acl ...). */
static void
load_live_file(struct parse *ps, struct lb_acl_expr *e, int wi)
{
	char err[400];
	struct lb_pat_file *f;

	e->file_kind = lb_pat_kind_find(e->match->name);
	if (e->file_kind < 0) {
		perr(ps, wi, 0, "matcher '%s' does not take values from a file", e->match->name);
		return;
	}
	f = lb_pat_file_get(ps->w->v[wi], false, (enum lb_pat_kind)e->file_kind, e->icase, err,
			    sizeof(err));
	if (!f) {
		perr(ps, wi, 0, "%s", err);
		return;
	}
	e->files = lb_xrealloc(e->files, (size_t)(e->nfiles + 1) * sizeof(*e->files));
	e->files[e->nfiles++] = f;
}

static bool
files_match(const struct lb_acl_expr *e, struct lb_acl_run *run, const struct lb_smp *smp)
{
	struct lb_pat_key key = { .s = smp->s, .len = smp->len, .ip = smp->ip, .i = smp->i };
	void *md = e->file_kind == LB_PAT_REG ? lb_acl_run_md(run) : NULL;

	for (int i = 0; i < e->nfiles; i++)
		if (lb_pat_lookup(e->files[i], (enum lb_pat_kind)e->file_kind, e->icase, &key, md,
				  NULL, NULL))
			return true;
	return false;
}

/* Compiles words [a, end) into an expression. */
/* What lb_smp_cast can make of a sample of type `from`: an expression asking for more (an
 * address matched as an integer, a boolean as an address) is refused when it is loaded,
 * since it could never match. LB_SMP_NONE: any (table_* converters, -m found). */
static bool
castable(enum lb_smp_type from, enum lb_smp_type to)
{
	static const unsigned from_mask[] = {
		[LB_SMP_STR] = 1u << LB_SMP_INT | 1u << LB_SMP_BOOL | 1u << LB_SMP_IP,
		[LB_SMP_INT] = 1u << LB_SMP_STR | 1u << LB_SMP_BOOL | 1u << LB_SMP_INT,
		[LB_SMP_BOOL] = 1u << LB_SMP_STR | 1u << LB_SMP_BOOL | 1u << LB_SMP_INT,
		[LB_SMP_IP] = 1u << LB_SMP_STR,
	};

	if (from == to || from == LB_SMP_NONE || to == LB_SMP_NONE)
		return true;
	return (from_mask[to] >> from) & 1;
}

static const char *const smp_type_names[] = {
	[LB_SMP_NONE] = "any sample", [LB_SMP_BOOL] = "a boolean", [LB_SMP_INT] = "an integer",
	[LB_SMP_STR] = "a string", [LB_SMP_IP] = "an address",
};

static struct lb_acl_expr *
expr_parse(struct parse *ps, int a, int end)
{
	const char *crit = ps->w->v[a], *p = crit;
	struct lb_acl_expr *e = lb_xcalloc(1, sizeof(*e));
	const struct lb_acl_matcher *implied = NULL;
	char name[64], sug[96];
	size_t nl;
	enum lb_smp_type t;
	int wi, mwi = -1, nerr0 = ps->nerr, nvals = 0;
	bool has_file = false;

	e->pos = ps->w->pos;
	e->pos.col = ps->w->col ? ps->w->col[a] : 0;
	nl = strcspn(p, "(,");
	if (nl >= sizeof(name)) {
		perr(ps, a, 0, "unknown fetch method '%.*s' in ACL expression", (int)nl, p);
		goto fail;
	}
	memcpy(name, p, nl);
	name[nl] = '\0';
	p += nl;
	for (const struct lb_acl_kw_def *k = lb_acl_kws; k->name; k++) {
		if (!strcmp(k->name, name)) {
			for (const struct lb_acl_fetch_def *f = lb_acl_fetches; f->name; f++)
				if (!strcmp(f->name, k->fetch))
					e->fetch = f;
			implied = lb_acl_matcher_find(k->match);
		}
	}
	if (!e->fetch) {
		for (const struct lb_acl_fetch_def *f = lb_acl_fetches; f->name; f++)
			if (!strcmp(f->name, name))
				e->fetch = f;
	}
	if (!e->fetch) {
		perr(ps, a, 0, "unknown fetch method '%s' in ACL expression%s", name,
		     dym_fetch(sug, sizeof(sug), name));
		goto fail;
	}
	if (parse_args(ps, a, &p, name, &e->fetch->args, e->args) < 0)
		goto fail;
	t = e->fetch->out;
	while (*p == ',') {
		const char *cs = ++p;
		const struct lb_acl_conv_def *cd = NULL;
		nl = strcspn(p, "(,");
		snprintf(name, sizeof(name), "%.*s", (int)LB_MIN(nl, sizeof(name) - 1), p);
		p += nl;
		for (const struct lb_acl_conv_def *c = lb_acl_convs; c->name; c++)
			if (!strcmp(c->name, name))
				cd = c;
		if (!cd) {
			perr(ps, a, (int)(cs - crit), "unknown converter '%s'%s", name,
			     dym_conv(sug, sizeof(sug), name));
			goto fail;
		}
		if (!castable(t, cd->in)) {
			perr(ps, a, (int)(cs - crit), "converter '%s' takes %s, not %s", name,
			     smp_type_names[cd->in], smp_type_names[t]);
			goto fail;
		}
		e->convs = lb_xrealloc(e->convs, (size_t)(e->nconvs + 1) * sizeof(*e->convs));
		memset(&e->convs[e->nconvs], 0, sizeof(e->convs[0]));
		e->convs[e->nconvs].def = cd;
		e->nconvs++;
		if (parse_args(ps, a, &p, name, &cd->args, e->convs[e->nconvs - 1].args) < 0)
			goto fail;
		if (!strcmp(cd->name, "concat") && e->convs[e->nconvs - 1].args[1].kind &&
		    e->convs[e->nconvs - 1].args[1].len) {
			perr(ps, a, (int)(cs - crit),
			     "variables in 'concat' are not supported yet (only literal start and end)");
			goto fail;
		}
		t = cd->out;
	}
	if (*p) {
		perr(ps, a, (int)(p - crit), "unexpected '%s' after the fetch method", p);
		goto fail;
	}
	/* flags */
	for (wi = a + 1; wi < end && ps->w->v[wi][0] == '-'; wi++) {
		const char *f = ps->w->v[wi];
		if (!strcmp(f, "--")) {
			wi++;
			break;
		}
		if (!strcmp(f, "-i")) {
			e->icase = true;
		} else if (!strcmp(f, "-n")) {
			/* "no DNS resolution": lb never resolves names in values anyway */
		} else if (!strcmp(f, "-m")) {
			if (wi + 1 >= end) {
				perr(ps, wi, 0, "'-m' expects a matching method (str, beg, end, sub, "
				     "dir, dom, reg, len, int, ip, found, bool)");
				goto fail;
			}
			e->match = lb_acl_matcher_find(ps->w->v[++wi]);
			mwi = wi;
			if (!e->match) {
				const char *names[16];
				size_t n = 0;
				for (const struct lb_acl_matcher *m = lb_acl_matchers; m->name; m++)
					names[n++] = m->name;
				perr(ps, wi, 0, "unknown matching method '%s'%s", ps->w->v[wi],
				     dym(sug, sizeof(sug), ps->w->v[wi], names, n));
				goto fail;
			}
		} else if (!strcmp(f, "-f")) {
			if (wi + 1 >= end) {
				perr(ps, wi, 0, "'-f' expects a file name");
				goto fail;
			}
			wi++;
			has_file = true;	/* loaded once the matcher is known */
		} else if (!strcmp(f, "-M") || !strcmp(f, "-u")) {
			perr(ps, wi, 0, "ACL flag '%s' is not supported yet", f);
			goto fail;
		} else {
			perr(ps, wi, 0, "unknown ACL flag '%s' (flags: -i, -n, -f <file>, -m <method>, "
			     "--; a value starting with '-' goes after '--')", f);
			goto fail;
		}
	}
	if (!e->match)
		e->match = implied ? implied : lb_acl_matcher_for(t);
	if (!castable(t, e->match->in)) {
		perr(ps, mwi >= 0 ? mwi : a, 0, "matching method '%s' cannot be used with %s",
		     e->match->name, smp_type_names[t]);
		goto fail;
	}
	/* -f files, in the order written */
	for (int k = a + 1; k < wi; k++) {
		if (!strcmp(ps->w->v[k], "--"))
			break;
		if (!strcmp(ps->w->v[k], "-m")) {
			k++;
			continue;
		}
		if (!strcmp(ps->w->v[k], "-f")) {
			k++;
			if (!e->match->load) {
				perr(ps, k - 1, 0, "'-m %s' takes no values, so no '-f' file",
				     e->match->name);
				goto fail;
			}
			if (lb_pat_kind_find(e->match->name) >= 0)
				load_live_file(ps, e, k);
			else
				load_file(ps, e, k);	/* -m len: read once, not editable */
		}
	}
	for (; wi < end; wi += nvals) {
		if (!e->match->load) {
			perr(ps, wi, 0, "'-m %s' takes no values, unexpected '%s'", e->match->name,
			     ps->w->v[wi]);
			goto fail;
		}
		nvals = load_value(ps, e, wi, end);
		if (nvals < 0)
			nvals = -nvals;	/* go on: report every bad value */
	}
	if (ps->nerr != nerr0)
		goto fail;
	if (e->match->load && !e->pats.count && !has_file) {
		perr(ps, a, 0, "'%s' has no value to match (add values, '-f <file>', or "
		     "'-m found')", crit);
		goto fail;
	}
	return e;
fail:
	expr_free(e);
	return NULL;
}

static struct lb_acl *
set_find(const struct lb_acl_set *set, const char *name)
{
	for (struct lb_acl *acl = set->head; acl; acl = acl->next)
		if (acl->name && !strcmp(acl->name, name))
			return acl;
	return NULL;
}

static void
set_add(struct lb_acl_set *set, struct lb_acl *acl)
{
	struct lb_acl **tail;

	for (tail = &set->head; *tail; tail = &(*tail)->next)
		;
	*tail = acl;
}

static void
acl_add_expr(struct lb_acl *acl, struct lb_acl_expr *e)
{
	struct lb_acl_expr **tail;

	for (tail = &acl->exprs; *tail; tail = &(*tail)->next)
		;
	*tail = e;
	acl->uses |= e->fetch->uses;
}

/* HAProxy's ACL names: letters, digits, '-', '_', '.', ':'. */
static bool
valid_acl_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("-_.:", *s)))
			return false;
	return true;
}

int
lb_acl_declare(struct lb_acl_set *set, const struct lb_acl_words *w,
	       const struct lb_acl_report *rep)
{
	struct parse ps = { w, rep, 0 };
	struct lb_acl_expr *e;
	struct lb_acl *acl;

	if (!valid_acl_name(w->v[0])) {
		perr(&ps, 0, 0, "invalid ACL name '%s' (letters, digits, '-', '_', '.', ':')",
		     w->v[0]);
		return -1;
	}
	if (w->n < 2) {
		perr(&ps, 0, 0, "ACL '%s' expects a fetch method and values", w->v[0]);
		return -1;
	}
	e = expr_parse(&ps, 1, w->n);
	if (!e)
		return -1;
	acl = set_find(set, w->v[0]);
	if (!acl) {
		acl = lb_xcalloc(1, sizeof(*acl));
		acl->name = lb_xstrdup(w->v[0]);
		set_add(set, acl);
	}
	acl_add_expr(acl, e);
	return 0;
}

/* ---- predefined ACLs ---- */

static const struct {
	const char *name;
	const char *expr;
} predefs[] = {
	{ "FALSE", "always_false" },
	{ "HTTP", "req.proto_http" },
	{ "HTTP_1.0", "req.ver 1.0" },
	{ "HTTP_1.1", "req.ver 1.1" },
	{ "HTTP_CONTENT", "req.hdr_val(content-length) gt 0" },
	{ "HTTP_URL_ABS", "url_reg ^[^/:]*://" },
	{ "HTTP_URL_SLASH", "url_beg /" },
	{ "HTTP_URL_STAR", "url *" },
	{ "LOCALHOST", "src 127.0.0.1/8 ::1" },
	{ "METH_CONNECT", "method CONNECT" },
	{ "METH_DELETE", "method DELETE" },
	{ "METH_GET", "method GET HEAD" },
	{ "METH_HEAD", "method HEAD" },
	{ "METH_OPTIONS", "method OPTIONS" },
	{ "METH_POST", "method POST" },
	{ "METH_PUT", "method PUT" },
	{ "METH_TRACE", "method TRACE" },
	{ "REQ_CONTENT", "req.len gt 0" },
	{ "TRUE", "always_true" },
	{ "WAIT_END", "wait_end" },
};

/* The predefined ACL `name`, compiled into the set on first use; NULL if there is none. */
static struct lb_acl *
predef_get(struct lb_acl_set *set, const char *name)
{
	for (size_t i = 0; i < LB_ARRAY_SIZE(predefs); i++) {
		char buf[128], *v[8], *save = NULL;
		struct lb_acl_words w = { .v = v };
		struct parse ps = { &w, NULL, 0 };
		struct lb_acl_expr *e;
		struct lb_acl *acl;

		if (strcmp(predefs[i].name, name))
			continue;
		snprintf(buf, sizeof(buf), "%s", predefs[i].expr);
		for (char *t = strtok_r(buf, " ", &save); t && w.n < 8; t = strtok_r(NULL, " ", &save))
			v[w.n++] = t;
		e = expr_parse(&ps, 0, w.n);
		if (!e)
			return NULL;	/* cannot happen: the table is tested */
		acl = lb_xcalloc(1, sizeof(*acl));
		acl->name = lb_xstrdup(name);
		acl_add_expr(acl, e);
		set_add(set, acl);
		return acl;
	}
	return NULL;
}

/* ---- conditions ---- */

static const char *const use_names[] = { "", "the connection", "the HTTP request",
					  "", "the HTTP response", "", "", "",
					  "the request's content" };

static bool
check_uses(struct parse *ps, int wi, const struct lb_acl *acl, unsigned uses)
{
	unsigned missing = acl->uses & ~uses &
			   (LB_ACL_USE_REQ | LB_ACL_USE_RES | LB_ACL_USE_PAYLOAD);

	if (!missing)
		return true;
	for (const struct lb_acl_expr *e = acl->exprs; e; e = e->next) {
		if (e->fetch->uses & missing) {
			perr(ps, wi, 0, "%s%s%s uses fetch '%s', which reads %s: not available here",
			     acl->name ? "ACL '" : "the anonymous ACL", acl->name ? acl->name : "",
			     acl->name ? "'" : "", e->fetch->name, use_names[e->fetch->uses & missing]);
			return false;
		}
	}
	return false;
}

struct lb_acl_cond *
lb_acl_cond_parse(struct lb_acl_set *set, const struct lb_acl_words *w, unsigned uses,
		  const struct lb_acl_report *rep)
{
	struct parse ps = { w, rep, 0 };
	struct lb_acl_cond *c = lb_xcalloc(1, sizeof(*c) + (size_t)w->n * sizeof(c->terms[0]));
	bool neg = false, or_next = false, branch_empty = true;
	int or_wi = 0;

	c->unless = !strcmp(w->v[0], "unless");
	if (w->n < 2) {
		perr(&ps, 0, 0, "missing condition after '%s'", w->v[0]);
		goto fail;
	}
	for (int i = 1; i < w->n; i++) {
		const char *t = w->v[i];
		struct lb_acl *acl = NULL;
		char sug[96];
		int wi = i;

		if (!strcmp(t, "||") || !strcmp(t, "or")) {
			if (branch_empty || neg) {
				perr(&ps, i, 0, "missing term before '%s'", t);
				goto fail;
			}
			or_next = true;
			or_wi = i;
			branch_empty = true;
			continue;
		}
		if (t[0] == '!') {
			neg = !neg;
			if (!t[1])
				continue;
			t++;
		}
		if (!strcmp(t, "{")) {
			int j = i + 1;
			while (j < w->n && strcmp(w->v[j], "}") && strcmp(w->v[j], "{"))
				j++;
			if (j >= w->n || !strcmp(w->v[j], "{")) {
				perr(&ps, i, 0, "unbalanced '{': missing '}'%s",
				     j < w->n ? " before the next '{' (anonymous ACLs do not nest)"
					      : "");
				goto fail;
			}
			if (j == i + 1) {
				perr(&ps, i, 0, "empty anonymous ACL '{ }'");
				goto fail;
			}
			struct lb_acl_expr *e = expr_parse(&ps, i + 1, j);
			if (!e)
				goto fail;
			acl = lb_xcalloc(1, sizeof(*acl));
			acl_add_expr(acl, e);
			set_add(set, acl);
			wi = i + 1;
			i = j;
		} else if (!strcmp(t, "}")) {
			perr(&ps, i, 0, "unbalanced '}': no '{' before it");
			goto fail;
		} else if (!strcmp(t, "&&") || !strcmp(t, "and")) {
			perr(&ps, i, 0, "'%s' is not an operator: terms side by side are ANDed, "
			     "write them one after the other", t);
			goto fail;
		} else {
			acl = set_find(set, t);
			if (!acl)
				acl = predef_get(set, t);
			if (!acl) {
				const char *names[256];
				size_t n = 0;
				for (struct lb_acl *x = set->head; x && n < 200; x = x->next)
					if (x->name)
						names[n++] = x->name;
				for (size_t k = 0; k < LB_ARRAY_SIZE(predefs); k++)
					names[n++] = predefs[k].name;
				perr(&ps, i, t - w->v[i], "unknown ACL '%s'%s", t,
				     dym(sug, sizeof(sug), t, names, n));
				neg = false;
				branch_empty = false;
				continue;	/* report the other terms too */
			}
		}
		if (!check_uses(&ps, wi, acl, uses))
			goto fail;
		c->terms[c->nterms].acl = acl;
		c->terms[c->nterms].neg = neg;
		c->terms[c->nterms].or_start = or_next;
		c->nterms++;
		c->uses |= acl->uses;
		neg = false;
		or_next = false;
		branch_empty = false;
	}
	if (neg) {
		perr(&ps, w->n - 1, 0, "'!' at the end of the condition negates nothing");
		goto fail;
	}
	if (or_next || (branch_empty && or_wi)) {
		perr(&ps, or_wi, 0, "missing term after '%s'", w->v[or_wi]);
		goto fail;
	}
	if (ps.nerr)
		goto fail;
	return c;
fail:
	free(c);
	return NULL;
}

void
lb_acl_cond_free(struct lb_acl_cond *c)
{
	free(c);
}

unsigned
lb_acl_cond_needs(const struct lb_acl_cond *c)
{
	return c ? c->uses : 0;
}

/* ---- evaluation ---- */

/* One expression: PASS when a sample matches; MISS when none did but the fetch said its
 * answer may still change (content still arriving); FAIL otherwise. */
static enum lb_acl_verdict
expr_verdict(const struct lb_acl_expr *e, struct lb_acl_run *run)
{
	uint64_t it = 0;
	struct lb_smp smp;
	bool may_change = false;

	for (int guard = 0; guard < 1000; guard++) {
		size_t mark = run->used;
		bool ok = true, got;

		memset(&smp, 0, sizeof(smp));
		run->may_change = false;
		got = e->fetch->fn(run, e->args, &smp, &it);
		may_change |= run->may_change;
		if (!got)
			break;
		for (int c = 0; c < e->nconvs && ok; c++) {
			const struct lb_acl_conv_def *d = e->convs[c].def;
			ok = lb_smp_cast(run, &smp, d->in) && d->fn(run, e->convs[c].args, &smp);
			if (ok)
				smp.type = d->out;
		}
		if (ok && lb_smp_cast(run, &smp, e->match->in) &&
		    (e->match->match(e->match, &e->pats, e->icase, run, &smp) ||
		     (e->nfiles && files_match(e, run, &smp))))
			return LB_ACL_PASS;
		run->used = mark;
	}
	return may_change && run->ctx->payload_partial ? LB_ACL_MISS : LB_ACL_FAIL;
}

bool
lb_acl_expr_match(const struct lb_acl_expr *e, struct lb_acl_run *run)
{
	return expr_verdict(e, run) == LB_ACL_PASS;
}

static enum lb_acl_verdict
or3(enum lb_acl_verdict a, enum lb_acl_verdict b)
{
	if (a == LB_ACL_PASS || b == LB_ACL_PASS)
		return LB_ACL_PASS;
	return a == LB_ACL_MISS || b == LB_ACL_MISS ? LB_ACL_MISS : LB_ACL_FAIL;
}

static enum lb_acl_verdict
acl_verdict(const struct lb_acl *acl, struct lb_acl_run *run)
{
	enum lb_acl_verdict v = LB_ACL_FAIL;

	for (const struct lb_acl_expr *e = acl->exprs; e && v != LB_ACL_PASS; e = e->next)
		v = or3(v, expr_verdict(e, run));
	return v;
}

enum lb_acl_verdict
lb_acl_cond_verdict(const struct lb_acl_cond *c, const struct lb_acl_ctx *ctx)
{
	enum lb_acl_verdict res = LB_ACL_FAIL, branch = LB_ACL_PASS;
	struct lb_acl_run run;

	run.ctx = ctx;
	run.used = 0;
	run.re_used = 0;
	run.gctx = NULL;
	run.md = NULL;
	for (int i = 0; i < c->nterms; i++) {
		const struct lb_acl_term *t = &c->terms[i];
		enum lb_acl_verdict v;

		if (t->or_start) {
			res = or3(res, branch);
			if (res == LB_ACL_PASS)
				break;
			branch = LB_ACL_PASS;
		}
		if (branch == LB_ACL_FAIL)
			continue;	/* this AND branch has failed: skip to the next one */
		v = acl_verdict(t->acl, &run);
		if (t->neg && v != LB_ACL_MISS)
			v = v == LB_ACL_PASS ? LB_ACL_FAIL : LB_ACL_PASS;
		if (v != LB_ACL_PASS)
			branch = v;	/* FAIL ends the branch, MISS holds unless a FAIL comes */
	}
	res = or3(res, branch);
	/* match data and context live in the run's arena: nothing to free */
	if (c->unless && res != LB_ACL_MISS)
		res = res == LB_ACL_PASS ? LB_ACL_FAIL : LB_ACL_PASS;
	return res;
}

bool
lb_acl_cond_eval(const struct lb_acl_cond *c, const struct lb_acl_ctx *ctx)
{
	return lb_acl_cond_verdict(c, ctx) == LB_ACL_PASS;
}

/* ---- resolve, free, list ---- */

/* The proxy of the set being resolved (configuration loading is single-threaded). */
static const struct lb_cfg_proxy *cur_px;

/* A table argument names a proxy with a stick-table; none: the set's own proxy's. */
static int
resolve_table(struct lb_acl_arg *a, const struct lb_acl_expr *e, const char *name,
	      struct lb_cfg *cfg, struct lb_diag *d)
{
	const struct lb_cfg_proxy *px = cur_px;

	if (a->len)
		px = lb_cfg_find_proxy(cfg, a->s, LB_CAP_FE | LB_CAP_BE);
	if (!px || !px->stktable) {
		lb_diag_add(d, LB_DIAG_ERROR, &e->pos, "'%s': %s '%s' has no stick-table",
			    name, "proxy",
			    a->len ? a->s : cur_px && cur_px->name ? cur_px->name : "?");
		return 1;
	}
	a->tbl = px->stktable;
	return 0;
}

static int
resolve_arg(struct lb_acl_arg *a, const struct lb_acl_expr *e, struct lb_cfg *cfg,
	    struct lb_diag *d)
{
	char bname[256];
	const char *slash;
	struct lb_cfg_proxy *px;

	if (a->kind == LB_ARG_TABLE)
		return resolve_table(a, e, e->fetch->name, cfg, d);
	if (a->kind == LB_ARG_USERLIST) {
		a->ul = lb_userlist_find(cfg, a->s);
		if (!a->ul) {
			lb_diag_add(d, LB_DIAG_ERROR, &e->pos, "'%s': no userlist called '%s'",
				    e->fetch->name, a->s);
			return 1;
		}
		return 0;
	}
	if (a->kind != LB_ARG_BACKEND && a->kind != LB_ARG_SERVER)
		return 0;
	if (a->kind == LB_ARG_BACKEND && !a->len)
		return 0;	/* the current backend */
	slash = a->kind == LB_ARG_SERVER ? strchr(a->s, '/') : NULL;
	snprintf(bname, sizeof(bname), "%.*s", (int)(slash ? (size_t)(slash - a->s) : a->len),
		 a->s);
	px = lb_cfg_find_proxy(cfg, bname, LB_CAP_BE);
	if (!px) {
		lb_diag_add(d, LB_DIAG_ERROR, &e->pos, "'%s': no backend called '%s'",
			    e->fetch->name, bname);
		return 1;
	}
	a->px = px;
	if (slash) {
		for (const struct lb_cfg_server *s = px->servers; s; s = s->next)
			if (!strcmp(s->name, slash + 1))
				a->srv_id = s->id;
		if (!a->srv_id) {
			lb_diag_add(d, LB_DIAG_ERROR, &e->pos,
				    "'%s': backend '%s' has no server called '%s'", e->fetch->name,
				    bname, slash + 1);
			return 1;
		}
	}
	return 0;
}

int
lb_acl_resolve(struct lb_acl_set *set, struct lb_cfg *cfg, struct lb_diag *d)
{
	int n = 0;

	cur_px = set->px;
	for (struct lb_acl *acl = set->head; acl; acl = acl->next) {
		for (struct lb_acl_expr *e = acl->exprs; e; e = e->next) {
			/* stick counters are 0..2 (sc_*(<ctr>), common/stktable_acl.h) */
			if (!strncmp(e->fetch->name, "sc_", 3) && e->args[0].kind == LB_ARG_INT &&
			    (e->args[0].i < 0 || e->args[0].i >= LB_STK_NSC)) {
				lb_diag_add(d, LB_DIAG_ERROR, &e->pos,
					    "'%s': stick counter %lld does not exist (0 to %d)",
					    e->fetch->name, e->args[0].i, LB_STK_NSC - 1);
				n++;
			}
			for (int i = 0; i < LB_ACL_MAX_ARGS; i++) {
				/* an omitted table is the proxy's own */
				if (e->fetch->args.kind[i] == LB_ARG_TABLE && !e->args[i].kind)
					e->args[i].kind = LB_ARG_TABLE;
				n += resolve_arg(&e->args[i], e, cfg, d);
			}
			for (int c = 0; c < e->nconvs; c++)
				for (int i = 0; i < LB_ACL_MAX_ARGS; i++)
					if (e->convs[c].args[i].kind == LB_ARG_TABLE)
						n += resolve_table(&e->convs[c].args[i], e,
								   e->convs[c].def->name, cfg, d);
		}
	}
	cur_px = NULL;
	return n;
}

void
lb_acl_set_free(struct lb_acl_set *set)
{
	for (struct lb_acl *acl = set->head, *na; acl; acl = na) {
		na = acl->next;
		for (struct lb_acl_expr *e = acl->exprs, *ne; e; e = ne) {
			ne = e->next;
			expr_free(e);
		}
		free(acl->name);
		free(acl);
	}
	set->head = NULL;
}

void
lb_acl_list(FILE *out)
{
	for (const struct lb_acl_fetch_def *f = lb_acl_fetches; f->name; f++)
		fprintf(out, "%-10s  %-28s  %s\n", "acl-fetch", f->name, f->help);
	for (const struct lb_acl_kw_def *k = lb_acl_kws; k->name; k++)
		fprintf(out, "%-10s  %-28s  %s -m %s\n", "acl-kw", k->name, k->fetch, k->match);
	for (const struct lb_acl_conv_def *c = lb_acl_convs; c->name; c++)
		fprintf(out, "%-10s  %-28s  %s\n", "converter", c->name, c->help);
	for (const struct lb_acl_matcher *m = lb_acl_matchers; m->name; m++)
		fprintf(out, "%-10s  %-28s  %s\n", "matcher", m->name, m->help);
	for (size_t i = 0; i < LB_ARRAY_SIZE(predefs); i++)
		fprintf(out, "%-10s  %-28s  %s\n", "predefined", predefs[i].name, predefs[i].expr);
}

/* ---- sample expressions alone (track-sc keys) ---- */

const struct lb_acl_expr *
lb_acl_sample_parse(struct lb_acl_set *set, const struct lb_acl_words *w, unsigned uses,
		    const struct lb_acl_report *rep)
{
	/* compiled as "<expr> -m found" so that the expression parser checks it as usual */
	char *v[3] = { w->v[0], (char *)"-m", (char *)"found" };
	int col[3] = { w->col ? w->col[0] : 0, 0, 0 };
	struct lb_acl_words w3 = { v, col, 3, w->pos };
	struct parse ps = { &w3, rep, 0 };
	struct lb_acl_expr *e = expr_parse(&ps, 0, 3);
	struct lb_acl *acl;

	if (!e)
		return NULL;
	if (e->fetch->uses & ~uses) {
		perr(&ps, 0, 0, "fetch method '%s' reads %s, which is not available here",
		     e->fetch->name, e->fetch->uses & LB_ACL_USE_RES ? "the response"
				     : e->fetch->uses & LB_ACL_USE_PAYLOAD ? "the request's content"
									    : "the HTTP request");
		expr_free(e);
		return NULL;
	}
	acl = lb_xcalloc(1, sizeof(*acl));
	set_add(set, acl);
	acl_add_expr(acl, e);
	return e;
}

unsigned
lb_acl_sample_needs(const struct lb_acl_expr *e)
{
	return e->fetch->uses;
}

bool
lb_acl_sample_eval(const struct lb_acl_expr *e, const struct lb_acl_ctx *ctx,
		   struct lb_acl_run *run, struct lb_smp *smp)
{
	uint64_t it = 0;

	run->ctx = ctx;
	run->used = 0;
	run->re_used = 0;
	run->gctx = NULL;
	run->md = NULL;
	memset(smp, 0, sizeof(*smp));
	if (!e->fetch->fn(run, e->args, smp, &it))
		return false;
	for (int c = 0; c < e->nconvs; c++) {
		const struct lb_acl_conv_def *d = e->convs[c].def;
		if (!lb_smp_cast(run, smp, d->in) || !d->fn(run, e->convs[c].args, smp))
			return false;
		smp->type = d->out;
	}
	return true;
}

int
lb_acl_sample_key(const struct lb_acl_expr *e, const struct lb_acl_ctx *ctx, int type,
		  unsigned char *out, size_t cap)
{
	static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const enum lb_smp_type want[] = { LB_SMP_IP, LB_SMP_IP, LB_SMP_INT, LB_SMP_STR };
	struct lb_acl_run run;
	struct lb_smp smp;
	int64_t i;

	if (type < 0 || type > 3)
		return -1;
	if (!lb_acl_sample_eval(e, ctx, &run, &smp) || !lb_smp_cast(&run, &smp, want[type]))
		return -1;
	switch (type) {
	case 0:		/* ip: IPv4 only */
		if (cap < 4 || memcmp(smp.ip, v4_mapped, 12))
			return -1;
		memcpy(out, smp.ip + 12, 4);
		return 4;
	case 1:
		if (cap < 16)
			return -1;
		memcpy(out, smp.ip, 16);
		return 16;
	case 2:
		if (cap < 8)
			return -1;
		i = smp.i;
		memcpy(out, &i, 8);
		return 8;
	default:
		if (!smp.len)
			return -1;
		memcpy(out, smp.s, LB_MIN(smp.len, cap));
		return (int)LB_MIN(smp.len, cap);
	}
}

/* common/vars.c: variable names and stores (see vars.h)
 *
 * A store is a small array searched linearly: a request sets a handful of variables, and an
 * integer compare per entry beats hashing at that size. proc variables live in one store
 * guarded by a mutex; readers get a copy, so no pointer into it escapes the lock.
 */
#include "vars.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct lb_var_ent {
	uint32_t key;
	enum lb_var_type type;
	int64_t i;
	char *s;		/* malloc'd; kept (with its capacity) when the value changes */
	size_t len, cap;
	uint8_t ip[16];
};

struct lb_vars {
	struct lb_var_ent *v;
	unsigned n, cap;
};

/* ---- names ---- */

static const char *const scope_names[LB_VAR__SCOPES] = {
	[LB_VAR_PROC] = "proc", [LB_VAR_SESS] = "sess", [LB_VAR_TXN] = "txn",
	[LB_VAR_REQ] = "req", [LB_VAR_RES] = "res",
};

/* Interned full names ("txn.x"), indexed by the low 24 bits of a key. Filled at load time,
 * kept for the life of the process (a reload interns the same names again). */
static char **names;
static uint32_t nnames;

static bool
name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.';
}

int
lb_var_name_parse(const char *s, size_t len, uint32_t *key, char *err, size_t errlen)
{
	const char *dot = memchr(s, '.', len);
	unsigned scope = LB_VAR__SCOPES;

	for (unsigned i = 0; dot && i < LB_VAR__SCOPES; i++)
		if (strlen(scope_names[i]) == (size_t)(dot - s) &&
		    !memcmp(scope_names[i], s, (size_t)(dot - s)))
			scope = i;
	if (scope == LB_VAR__SCOPES) {
		snprintf(err, errlen, "invalid variable name '%.*s': it must start with a scope "
			 "('proc.', 'sess.', 'txn.', 'req.' or 'res.')", (int)len, s);
		return -1;
	}
	if (dot + 1 == s + len) {
		snprintf(err, errlen, "invalid variable name '%.*s': empty name after the scope",
			 (int)len, s);
		return -1;
	}
	for (const char *c = dot + 1; c < s + len; c++) {
		if (!name_char_ok(*c)) {
			snprintf(err, errlen, "invalid character '%c' in variable name '%.*s' "
				 "(letters, digits, '_' and '.')", *c, (int)len, s);
			return -1;
		}
	}
	for (uint32_t i = 0; i < nnames; i++) {
		if (strlen(names[i]) == len && !memcmp(names[i], s, len)) {
			*key = (uint32_t)scope << 24 | i;
			return 0;
		}
	}
	if (nnames >= 0xffffff) {
		snprintf(err, errlen, "too many variable names");
		return -1;
	}
	names = lb_xrealloc(names, (nnames + 1) * sizeof(*names));
	names[nnames] = lb_xstrndup(s, len);
	*key = (uint32_t)scope << 24 | nnames++;
	return 0;
}

const char *
lb_var_name(uint32_t key)
{
	uint32_t i = key & 0xffffff;

	return i < nnames ? names[i] : "?";
}

/* ---- stores ---- */

static struct lb_vars proc_vars;
static pthread_mutex_t proc_lock = PTHREAD_MUTEX_INITIALIZER;

static struct lb_var_ent *
find(const struct lb_vars *st, uint32_t key)
{
	if (!st)
		return NULL;
	for (unsigned i = 0; i < st->n; i++)
		if (st->v[i].key == key)
			return &st->v[i];
	return NULL;
}

static bool
store_set(struct lb_vars *st, uint32_t key, const struct lb_var_val *v)
{
	struct lb_var_ent *e = find(st, key);

	if (!e) {
		if (st->n == st->cap) {
			unsigned cap = st->cap ? st->cap * 2 : 4;
			struct lb_var_ent *nv = realloc(st->v, cap * sizeof(*nv));
			if (!nv)
				return false;
			st->v = nv;
			st->cap = cap;
		}
		e = &st->v[st->n++];
		memset(e, 0, sizeof(*e));
		e->key = key;
	}
	e->type = v->type;
	e->i = v->i;
	memcpy(e->ip, v->ip, sizeof(e->ip));
	if (v->type == LB_VAR_T_STR) {
		size_t len = LB_MIN(v->len, (size_t)LB_VAR_MAX_STR);
		if (len + 1 > e->cap) {
			char *ns = realloc(e->s, len + 1);
			if (!ns) {
				e->type = LB_VAR_T_NONE;
				return false;
			}
			e->s = ns;
			e->cap = len + 1;
		}
		if (len)
			memcpy(e->s, v->s, len);
		e->s[len] = '\0';
		e->len = len;
	}
	return true;
}

static void
store_remove(struct lb_vars *st, unsigned i)
{
	free(st->v[i].s);
	st->v[i] = st->v[--st->n];
}

bool
lb_vars_set(struct lb_vars **store, uint32_t key, const struct lb_var_val *v)
{
	bool ok;

	if (LB_VAR_KEY_SCOPE(key) == LB_VAR_PROC) {
		pthread_mutex_lock(&proc_lock);
		ok = store_set(&proc_vars, key, v);
		pthread_mutex_unlock(&proc_lock);
		return ok;
	}
	if (!*store && !(*store = calloc(1, sizeof(**store))))
		return false;
	return store_set(*store, key, v);
}

/* ---- set-var conditions ---- */

static const struct {
	const char *name;
	unsigned bit;
} var_conds[] = {
	{ "ifexists", LB_VAR_IF_EXISTS }, { "ifnotexists", LB_VAR_IF_NOT_EXISTS },
	{ "ifempty", LB_VAR_IF_EMPTY }, { "ifnotempty", LB_VAR_IF_NOT_EMPTY },
	{ "ifset", LB_VAR_IF_SET }, { "ifnotset", LB_VAR_IF_NOT_SET },
	{ "ifgt", LB_VAR_IF_GT }, { "iflt", LB_VAR_IF_LT },
};

int
lb_var_conds_parse(const char *s, size_t len, unsigned *conds, char *err, size_t errlen)
{
	const char *end = s + len;

	*conds = 0;
	while (s <= end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		size_t n = (size_t)((comma ? comma : end) - s);
		unsigned bit = 0;

		for (size_t i = 0; i < LB_ARRAY_SIZE(var_conds); i++)
			if (strlen(var_conds[i].name) == n && !memcmp(var_conds[i].name, s, n))
				bit = var_conds[i].bit;
		if (!bit) {
			snprintf(err, errlen, "unknown set-var condition '%.*s' (ifexists, "
				 "ifnotexists, ifempty, ifnotempty, ifset, ifnotset, ifgt, iflt)",
				 (int)n, s);
			return -1;
		}
		*conds |= bit;
		if (!comma)
			break;
		s = comma + 1;
	}
	return 0;
}

static bool
is_number(enum lb_var_type t)
{
	return t == LB_VAR_T_INT || t == LB_VAR_T_BOOL;
}

/* Whether conds allow setting the variable held by e (NULL: none) to v. */
static bool
conds_hold(const struct lb_var_ent *e, bool proc, const struct lb_var_val *v, unsigned conds)
{
	bool exists = proc || e, set = e && e->type != LB_VAR_T_NONE;
	bool empty = v->type == LB_VAR_T_STR && v->len == 0;

	if (((conds & LB_VAR_IF_EXISTS) && !exists) || ((conds & LB_VAR_IF_NOT_EXISTS) && exists))
		return false;
	if (((conds & LB_VAR_IF_SET) && !set) || ((conds & LB_VAR_IF_NOT_SET) && set))
		return false;
	if (((conds & LB_VAR_IF_EMPTY) && !empty) || ((conds & LB_VAR_IF_NOT_EMPTY) && empty))
		return false;
	if (conds & (LB_VAR_IF_GT | LB_VAR_IF_LT)) {
		if (!set || !is_number(e->type) || !is_number(v->type))
			return false;
		if ((conds & LB_VAR_IF_GT) && !(e->i > v->i))
			return false;
		if ((conds & LB_VAR_IF_LT) && !(e->i < v->i))
			return false;
	}
	return true;
}

bool
lb_vars_set_if(struct lb_vars **store, uint32_t key, const struct lb_var_val *v,
	       unsigned conds)
{
	bool ok = false;

	if (!conds)
		return lb_vars_set(store, key, v);
	if (LB_VAR_KEY_SCOPE(key) == LB_VAR_PROC) {
		pthread_mutex_lock(&proc_lock);
		if (conds_hold(find(&proc_vars, key), true, v, conds))
			ok = store_set(&proc_vars, key, v);
		pthread_mutex_unlock(&proc_lock);
		return ok;
	}
	if (!conds_hold(find(*store, key), false, v, conds))
		return false;
	return lb_vars_set(store, key, v);
}

void
lb_vars_unset(struct lb_vars *store, uint32_t key)
{
	struct lb_vars *st = store;

	if (LB_VAR_KEY_SCOPE(key) == LB_VAR_PROC) {
		pthread_mutex_lock(&proc_lock);
		st = &proc_vars;
	}
	if (st) {
		for (unsigned i = 0; i < st->n; i++) {
			if (st->v[i].key == key) {
				store_remove(st, i);
				break;
			}
		}
	}
	if (st == &proc_vars)
		pthread_mutex_unlock(&proc_lock);
}

/* buf NULL: borrow */
static bool
copy_out(const struct lb_var_ent *e, struct lb_var_val *out, char *buf, size_t cap)
{
	if (!e)
		return false;
	memset(out, 0, sizeof(*out));
	out->type = e->type;
	out->i = e->i;
	memcpy(out->ip, e->ip, sizeof(out->ip));
	if (e->type == LB_VAR_T_STR && !buf) {
		out->s = e->s;
		out->len = e->len;
	} else if (e->type == LB_VAR_T_STR) {
		out->len = LB_MIN(e->len, cap);
		if (out->len)
			memcpy(buf, e->s, out->len);
		out->s = buf;
	}
	return e->type != LB_VAR_T_NONE;
}

bool
lb_vars_peek(const struct lb_vars *store, uint32_t key, struct lb_var_val *out, char *buf,
	     size_t cap)
{
	bool ok;

	if (LB_VAR_KEY_SCOPE(key) != LB_VAR_PROC)
		return copy_out(find(store, key), out, NULL, 0);
	pthread_mutex_lock(&proc_lock);
	ok = copy_out(find(&proc_vars, key), out, buf, cap);
	pthread_mutex_unlock(&proc_lock);
	return ok;
}

void
lb_vars_clear(struct lb_vars *store, unsigned mask)
{
	if (!store)
		return;
	for (unsigned i = 0; i < store->n;) {
		if (mask & (1u << LB_VAR_KEY_SCOPE(store->v[i].key)))
			store_remove(store, i);
		else
			i++;
	}
}

void
lb_vars_free(struct lb_vars **store)
{
	struct lb_vars *st = *store;

	if (!st)
		return;
	for (unsigned i = 0; i < st->n; i++)
		free(st->v[i].s);
	free(st->v);
	free(st);
	*store = NULL;
}

unsigned
lb_vars_count(const struct lb_vars *store)
{
	return store ? store->n : 0;
}

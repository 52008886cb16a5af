/* lbtop/order.c: which server rows lbtop shows, and in which order
 *
 * The sample keeps the daemon's order (frontends, then each backend with its servers). The
 * server table shows a view of it: the rows whose "backend/server" contains the filter,
 * sorted by the current key (a table of comparators), ties kept in configuration order.
 */
#include <stdlib.h>
#include <string.h>

#include "lbtop.h"
#include "util.h"

struct sort_key {
	const char *name;
	/* < 0 when a comes first; 0 keeps configuration order */
	int (*cmp)(const struct lbtop_row *a, const struct lbtop_row *b);
};

static int
desc(double a, double b)
{
	return a > b ? -1 : a < b ? 1 : 0;
}

static int
cmp_config(const struct lbtop_row *a, const struct lbtop_row *b)
{
	(void)a;
	(void)b;
	return 0;
}

static int
cmp_req(const struct lbtop_row *a, const struct lbtop_row *b)
{
	return desc(a->req_rate, b->req_rate);
}

static int
cmp_scur(const struct lbtop_row *a, const struct lbtop_row *b)
{
	return desc((double)a->scur, (double)b->scur);
}

static int
cmp_p99(const struct lbtop_row *a, const struct lbtop_row *b)
{
	return desc(a->p99, b->p99);
}

static int
cmp_err(const struct lbtop_row *a, const struct lbtop_row *b)
{
	return desc(a->err_rate, b->err_rate);
}

static int
cmp_name(const struct lbtop_row *a, const struct lbtop_row *b)
{
	int c = strcmp(a->px, b->px);

	return c ? c : strcmp(a->sv, b->sv);
}

static const struct sort_key sort_keys[LBTOP_SORT__COUNT] = {
	[LBTOP_SORT_CONFIG] = { "configuration order", cmp_config },
	[LBTOP_SORT_REQ] = { "req/s", cmp_req },
	[LBTOP_SORT_SCUR] = { "current sessions", cmp_scur },
	[LBTOP_SORT_P99] = { "p99 latency", cmp_p99 },
	[LBTOP_SORT_ERR] = { "5xx/s", cmp_err },
	[LBTOP_SORT_NAME] = { "name", cmp_name },
};

const char *
lbtop_sort_name(enum lbtop_sort s)
{
	return s < LBTOP_SORT__COUNT ? sort_keys[s].name : "?";
}

static bool
matches(const struct lbtop_row *r, const char *filter)
{
	char name[160];

	if (!filter[0])
		return true;
	snprintf(name, sizeof(name), "%s/%s", r->px, r->sv);
	return strstr(name, filter) != NULL;
}

/* insertion sort: stable, and the server lists of a dashboard are short */
void
lbtop_order(struct lbtop *t)
{
	int (*cmp)(const struct lbtop_row *, const struct lbtop_row *) = sort_keys[t->sort].cmp;
	size_t *idx = realloc(t->srv_idx, (t->nrows ? t->nrows : 1) * sizeof(*idx));
	int n = 0;

	if (!idx) {
		t->nsrv = 0;
		return;
	}
	t->srv_idx = idx;
	for (size_t i = 0; i < t->nrows; i++) {
		const struct lbtop_row *r = &t->rows[i];
		int k;

		if (r->type != LBTOP_SRV || !matches(r, t->filter))
			continue;
		for (k = n; k > 0 && cmp(r, &t->rows[idx[k - 1]]) < 0; k--)
			idx[k] = idx[k - 1];
		idx[k] = i;
		n++;
	}
	t->nsrv = n;
	if (t->sel >= n)
		t->sel = LB_MAX(0, n - 1);
}

int
lbtop_server_count(const struct lbtop *t)
{
	return t->nsrv;
}

const struct lbtop_row *
lbtop_server_row(const struct lbtop *t, int idx)
{
	return idx >= 0 && idx < t->nsrv ? &t->rows[t->srv_idx[idx]] : NULL;
}

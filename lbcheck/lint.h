/* lbcheck/lint.h: lint rules run on a configuration the parser accepted
 *
 * The parser reports what HAProxy itself reports (errors and its warnings); a lint rule
 * reports a configuration that loads but will probably not do what its author meant. Every
 * rule is one row of lbcheck_lint_rules[] (lint_rules.c): a stable id, a severity, a
 * one-line reason (what --list-rules and lbcheck(1) print) and the function that looks for
 * it. A few rules are reported by the parser itself, because lbd -c must warn about them
 * too: their rows have no function, and the parser tags its diagnostic with the row's id.
 * Either way the diagnostic carries the rule id, so --disable and "# lbcheck: disable=..."
 * comments silence both kinds alike.
 */
#ifndef LBCHECK_LINT_H
#define LBCHECK_LINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cfg_types.h"
#include "diag.h"

struct lint_ctx;

struct lbcheck_lint_rule {
	const char *id;			/* stable: users write it in --disable and comments */
	enum lb_diag_sev sev;		/* LB_DIAG_WARNING or LB_DIAG_NOTE */
	const char *reason;		/* one line, no trailing period */
	/* Looks at the finalized model and reports through lint_report(); NULL when only
	 * the parser reports this rule. */
	void (*run)(struct lint_ctx *ctx);
	bool by_parser;			/* the parser tags some of its warnings with this id */
};

extern const struct lbcheck_lint_rule lbcheck_lint_rules[];
extern const size_t lbcheck_lint_nrules;

/* The rules a run uses: one flag per row of lbcheck_lint_rules, all on by default. */
struct lbcheck_lint_set {
	bool *on;
};

void lbcheck_lint_set_init(struct lbcheck_lint_set *set);
void lbcheck_lint_set_free(struct lbcheck_lint_set *set);
/* Turns the rules of a comma-separated list on or off; "all" names every rule. Returns 0, or
 * -1 with the first unknown id in *bad (pointing into list, length *badlen). */
int lbcheck_lint_set_apply(struct lbcheck_lint_set *set, const char *list, bool on,
			   const char **bad, size_t *badlen);

/* The row of `id` (len bytes), or NULL. */
const struct lbcheck_lint_rule *lbcheck_lint_find(const char *id, size_t len);

/* Runs every enabled rule that has a function over a finalized configuration. */
void lbcheck_lint_run(const struct lb_cfg *cfg, const struct lbcheck_lint_set *set,
		      struct lb_diag *d);

/* Drops the diagnostics of disabled rules and those silenced by "# lbcheck: disable=<id>[,...]"
 * comments of data[0..len) (the text the diagnostics of file `name` refer to): a comment
 * silences its own line, and the next line when it stands alone. A comment naming an
 * unknown rule becomes a warning at its position. Recounts d->nerrors and d->nwarnings. */
void lbcheck_lint_filter(struct lb_diag *d, const struct lbcheck_lint_set *set,
			 const char *name, const char *data, size_t len);

/* "--list-rules": one rule per line ("<id>  <severity>  <reason>", columns separated by at
 * least two spaces), or a JSON array of {"id", "severity", "reason", "source"}, source being
 * "parser", "lint" or "parser+lint": who reports it. */
void lbcheck_lint_list(FILE *out, bool json);

/* For the rule functions (lint_rules.c): reports at pos with the rule's id and severity. */
void lint_report(struct lint_ctx *ctx, const struct lb_cfg_pos *pos, const char *fmt, ...)
	LB_PRINTF(3, 4);

struct lint_ctx {
	const struct lb_cfg *cfg;
	const struct lbcheck_lint_rule *rule;
	struct lb_diag *d;
};

#endif

/* common/diag.h: collected diagnostics (errors, warnings, notes) and their two output forms
 *
 * Parsers never print: they add entries here and the caller chooses the sink, either the GNU
 * form editors jump to ("lb.cfg:42:9: error: unknown keyword ...") or a JSON array with the
 * same fields. Entries own copies of their strings, so a diagnostic outlives the config that
 * produced it.
 */
#ifndef LB_DIAG_H
#define LB_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "cfg_types.h"
#include "util.h"

enum lb_diag_sev {
	LB_DIAG_ERROR,
	LB_DIAG_WARNING,
	LB_DIAG_NOTE,
};

struct lb_diag_entry {
	enum lb_diag_sev sev;
	char *file;		/* NULL: not tied to a file */
	int line;		/* 0: the whole file */
	int col;		/* 1-based byte column, 0: the whole line */
	char *msg;		/* one line, control characters replaced */
	char *rule;		/* lint rule name, NULL for parser diagnostics */
};

struct lb_diag {
	struct lb_diag_entry *v;
	size_t n, cap;
	size_t nerrors, nwarnings;	/* counted even past LB_DIAG_MAX_ENTRIES */
};

/* At most this many entries are kept (the counters go on), so that a huge bad file cannot
 * make the collector grow without bound. */
#define LB_DIAG_MAX_ENTRIES 10000
/* Longer messages are cut (with "...") when added. */
#define LB_DIAG_MAX_MSG 1024

void lb_diag_init(struct lb_diag *d);
void lb_diag_free(struct lb_diag *d);
/* Adds one entry; pos may be NULL (no file) and pos->file NULL. Copies everything. */
void lb_diag_add(struct lb_diag *d, enum lb_diag_sev sev, const struct lb_cfg_pos *pos,
		 const char *fmt, ...) LB_PRINTF(4, 5);
void lb_diag_addv(struct lb_diag *d, enum lb_diag_sev sev, const struct lb_cfg_pos *pos,
		  const char *rule, const char *fmt, va_list ap);
/* Same, tagged with a lint rule name (printed as "[rule]", and "rule" in JSON). */
void lb_diag_add_rule(struct lb_diag *d, enum lb_diag_sev sev, const struct lb_cfg_pos *pos,
		      const char *rule, const char *fmt, ...) LB_PRINTF(5, 6);
/* GNU form, one entry per line: "file:line:col: error: message [rule]". */
void lb_diag_print(const struct lb_diag *d, FILE *out);
/* A JSON array of {"file","line","col","severity","message","rule"} objects, then '\n'. */
void lb_diag_print_json(const struct lb_diag *d, FILE *out);
/* Writes the array elements only (no brackets), each preceded by ",\n" unless *first; lets a
 * caller merge several collectors into one array. */
void lb_diag_print_json_items(const struct lb_diag *d, FILE *out, bool *first);
const char *lb_diag_sev_name(enum lb_diag_sev sev);

#endif

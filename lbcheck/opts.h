/* lbcheck/opts.h: command-line option tables shared by lbcheck's commands
 *
 * Each command describes its options once, in a table of struct lbcheck_opt; the same table
 * gives getopt_long its entries and --help its text, so they cannot disagree.
 */
#ifndef LBCHECK_OPTS_H
#define LBCHECK_OPTS_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

struct lbcheck_opt {
	const char *name;	/* long name, without "--" */
	int has_arg;		/* no_argument, required_argument */
	int val;		/* the short option letter, or a value >= 256 for long-only */
	const char *arg;	/* the argument's name in --help, or NULL */
	const char *help;
};

/* Fills longopts (n + 1 entries, the last zeroed) and shortopts (2n + 1 bytes) from the
 * table. */
void lbcheck_opts_getopt(const struct lbcheck_opt *opts, size_t n, struct option *longopts,
			 char *shortopts);
/* Prints "  -x, --name ARG   help" lines, the left column `width` wide. */
void lbcheck_opts_print(FILE *out, const struct lbcheck_opt *opts, size_t n, int width);

#endif

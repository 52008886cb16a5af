/* lbcheck/opts.c: getopt_long tables and --help text from one option table */
#include "opts.h"

#include <string.h>

void
lbcheck_opts_getopt(const struct lbcheck_opt *opts, size_t n, struct option *longopts,
		    char *shortopts)
{
	size_t ns = 0;

	memset(longopts, 0, (n + 1) * sizeof(*longopts));
	for (size_t i = 0; i < n; i++) {
		const struct lbcheck_opt *o = &opts[i];

		longopts[i] = (struct option){ o->name, o->has_arg, NULL, o->val };
		if (o->val < 256) {
			shortopts[ns++] = (char)o->val;
			if (o->has_arg == required_argument)
				shortopts[ns++] = ':';
		}
	}
	shortopts[ns] = '\0';
}

void
lbcheck_opts_print(FILE *out, const struct lbcheck_opt *opts, size_t n, int width)
{
	for (size_t i = 0; i < n; i++) {
		const struct lbcheck_opt *o = &opts[i];
		const char *sp = o->arg ? " " : "", *arg = o->arg ? o->arg : "";
		char left[64];

		if (o->val < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->val, o->name, sp, arg);
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, sp, arg);
		fprintf(out, "  %-*s %s\n", width, left, o->help);
	}
}

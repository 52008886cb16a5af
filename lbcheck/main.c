/* lbcheck/main.c: check lb configuration files offline with the daemon's own parser
 *
 * "lbcheck [lint] [options] FILE..." loads each file as lbd would (lb_cfg_load: parse,
 * merge, resolve, validate) and reports every problem in the GNU form or as JSON. Each file
 * is checked on its own. Two tables drive the command line: the commands (the first word,
 * "lint" by default; later issues add more) and the options, which give getopt_long its
 * entries and --help its text.
 * Exit status: 0 clean (warnings allowed), 1 errors (or warnings with --werror), 2 usage
 * error or a file that cannot be read.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "config.h"
#include "diag.h"
#include "util.h"

enum {
	EXIT_CLEAN = 0,
	EXIT_PROBLEMS = 1,
	EXIT_USAGE = 2,
};

enum lbcheck_format {
	FMT_TEXT,
	FMT_JSON,
};

struct lbcheck_args {
	enum lbcheck_format format;
	bool quiet;
	bool werror;
};

/* ---- options ---- */

enum {
	OPT_FORMAT = 256,
	OPT_WERROR,
	OPT_LIST_KEYWORDS,
};

struct lbcheck_opt {
	const char *name;
	int has_arg;
	int val;
	const char *arg;
	const char *help;
};

static const struct lbcheck_opt lbcheck_opts[] = {
	{ "format", required_argument, OPT_FORMAT, "FMT",
	  "output: text (GNU 'file:line:col: error: ...', the default) or json" },
	{ "quiet", no_argument, 'q', NULL, "print errors only: no warnings, no summary" },
	{ "werror", no_argument, OPT_WERROR, NULL, "treat warnings as errors (exit status 1)" },
	{ "list-keywords", no_argument, OPT_LIST_KEYWORDS, NULL,
	  "print every configuration keyword with its help and exit" },
	{ "version", no_argument, 'V', NULL, "print the version and exit" },
	{ "help", no_argument, 'h', NULL, "print this help and exit" },
};

/* ---- commands ---- */

static int cmd_lint(const struct lbcheck_args *a, int nfiles, char **files);

struct lbcheck_cmd {
	const char *name;
	int (*run)(const struct lbcheck_args *a, int nfiles, char **files);
	const char *help;
};

/* The first is the default when the first word is not a command. */
static const struct lbcheck_cmd lbcheck_cmds[] = {
	{ "lint", cmd_lint, "check configuration files (the default command)" },
};

static void
usage(FILE *out)
{
	fprintf(out, "usage: lbcheck [command] [options] FILE...    (FILE '-' reads stdin)\n"
		     "       lbcheck --list-keywords | --version | --help\n\ncommands:\n");
	for (size_t i = 0; i < LB_ARRAY_SIZE(lbcheck_cmds); i++)
		fprintf(out, "  %-22s %s\n", lbcheck_cmds[i].name, lbcheck_cmds[i].help);
	fprintf(out, "\noptions:\n");
	for (size_t i = 0; i < LB_ARRAY_SIZE(lbcheck_opts); i++) {
		const struct lbcheck_opt *o = &lbcheck_opts[i];
		char left[48];

		if (o->val < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->val, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		fprintf(out, "  %-22s %s\n", left, o->help);
	}
	fprintf(out, "\nexit status: 0 clean (warnings allowed), 1 errors found (or warnings "
		     "with --werror),\n2 usage error or unreadable file. See lbcheck(1) and "
		     "lb.cfg(5).\n");
}

/* A file lbcheck cannot read is a usage problem (exit 2), not a configuration error. */
static bool
readable(const char *path)
{
	struct stat st;
	int fd;

	if (!strcmp(path, "-"))
		return true;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "lbcheck: cannot open '%s': %s\n", path, strerror(errno));
		return false;
	}
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		fprintf(stderr, "lbcheck: cannot read '%s': %s\n", path,
			S_ISDIR(st.st_mode) ? "is a directory" : strerror(errno));
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

/* Keeps what --quiet shows: errors, and warnings when --werror makes them errors. */
static void
filter_quiet(struct lb_diag *d, bool keep_warnings)
{
	size_t k = 0;

	for (size_t i = 0; i < d->n; i++) {
		struct lb_diag_entry *e = &d->v[i];
		if (e->sev == LB_DIAG_ERROR || (keep_warnings && e->sev == LB_DIAG_WARNING)) {
			d->v[k++] = *e;
		} else {
			free(e->file);
			free(e->msg);
			free(e->rule);
		}
	}
	d->n = k;
	if (!keep_warnings)
		d->nwarnings = 0;	/* hidden on purpose: no "more not shown" note */
}

static int
cmd_lint(const struct lbcheck_args *a, int nfiles, char **files)
{
	int status = EXIT_CLEAN;
	bool first = true;

	if (a->format == FMT_JSON)
		fputc('[', stdout);
	for (int i = 0; i < nfiles; i++) {
		struct lb_diag d;
		struct lb_cfg cfg;
		size_t nerr, nwarn;

		if (!readable(files[i])) {
			status = EXIT_USAGE;
			continue;
		}
		lb_diag_init(&d);
		lb_cfg_load(&cfg, files[i], &d);
		lb_cfg_free(&cfg);
		nerr = d.nerrors;
		nwarn = d.nwarnings;
		if ((nerr || (a->werror && nwarn)) && status == EXIT_CLEAN)
			status = EXIT_PROBLEMS;
		if (a->quiet)
			filter_quiet(&d, a->werror);
		if (a->format == FMT_JSON) {
			lb_diag_print_json_items(&d, stdout, &first);
		} else {
			fflush(stdout);
			lb_diag_print(&d, stderr);
			if (!a->quiet) {
				const char *name = strcmp(files[i], "-") ? files[i] : "<stdin>";
				if (!nerr && !nwarn)
					printf("%s: ok\n", name);
				else
					printf("%s: %zu error%s, %zu warning%s\n", name, nerr,
					       nerr == 1 ? "" : "s", nwarn, nwarn == 1 ? "" : "s");
			}
		}
		lb_diag_free(&d);
	}
	if (a->format == FMT_JSON)
		fputs(first ? "]\n" : "\n]\n", stdout);
	return status;
}

int
main(int argc, char **argv)
{
	struct option longopts[LB_ARRAY_SIZE(lbcheck_opts) + 1];
	struct lbcheck_args args = { .format = FMT_TEXT };
	const struct lbcheck_cmd *cmd = &lbcheck_cmds[0];
	char shortopts[2 * LB_ARRAY_SIZE(lbcheck_opts) + 1];
	size_t ns = 0;
	int c;

	memset(longopts, 0, sizeof(longopts));
	/* options may follow file names, as GNU tools allow */
	for (size_t i = 0; i < LB_ARRAY_SIZE(lbcheck_opts); i++) {
		const struct lbcheck_opt *o = &lbcheck_opts[i];
		longopts[i] = (struct option){ o->name, o->has_arg, NULL, o->val };
		if (o->val < 256) {
			shortopts[ns++] = (char)o->val;
			if (o->has_arg == required_argument)
				shortopts[ns++] = ':';
		}
	}
	shortopts[ns] = '\0';
	if (argc > 1) {
		for (size_t i = 0; i < LB_ARRAY_SIZE(lbcheck_cmds); i++) {
			if (!strcmp(argv[1], lbcheck_cmds[i].name)) {
				cmd = &lbcheck_cmds[i];
				argv[1] = argv[0];
				argv++;
				argc--;
				break;
			}
		}
	}
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			if (!strcmp(optarg, "text")) {
				args.format = FMT_TEXT;
			} else if (!strcmp(optarg, "json")) {
				args.format = FMT_JSON;
			} else {
				fprintf(stderr, "lbcheck: unknown format '%s' (text or json)\n",
				        optarg);
				return EXIT_USAGE;
			}
			break;
		case 'q':
			args.quiet = true;
			break;
		case OPT_WERROR:
			args.werror = true;
			break;
		case OPT_LIST_KEYWORDS:
			lb_cfg_list_keywords(stdout);
			return EXIT_CLEAN;
		case 'V':
			printf("lbcheck (lb) %s\n", PACKAGE_VERSION);
			return EXIT_CLEAN;
		case 'h':
			usage(stdout);
			return EXIT_CLEAN;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "lbcheck: no configuration file given\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	return cmd->run(&args, argc - optind, argv + optind);
}

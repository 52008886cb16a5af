/* lbcheck/main.c: check lb configuration files offline with the daemon's own parser
 *
 * "lbcheck [lint] [options] FILE..." loads each file as lbd would (parse, merge, resolve,
 * validate), then, when that found no error, runs the lint rules (lint.h) over the model,
 * and reports every problem in the GNU form or as JSON, sorted by position. Each file is
 * checked on its own. Lint rules do not run on a file with errors: names that did not
 * resolve would make them report nonsense, and the errors come first anyway.
 * Two tables drive the command line: the commands (the first word, "lint" by default; later
 * issues add more) and the options, which give getopt_long its entries and --help its text.
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
#include "opts.h"
#include "lint.h"
#include "probe.h"
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
	struct lbcheck_lint_set rules;	/* --disable / --enable, in command-line order */
};

/* ---- options ---- */

enum {
	OPT_FORMAT = 256,
	OPT_WERROR,
	OPT_LIST_KEYWORDS,
	OPT_LIST_RULES,
	OPT_DISABLE,
	OPT_ENABLE,
};

static const struct lbcheck_opt lbcheck_opts[] = {
	{ "format", required_argument, OPT_FORMAT, "FMT",
	  "output: text (GNU 'file:line:col: error: ...', the default) or json" },
	{ "quiet", no_argument, 'q', NULL, "print errors only: no warnings, no summary" },
	{ "werror", no_argument, OPT_WERROR, NULL, "treat warnings as errors (exit status 1)" },
	{ "disable", required_argument, OPT_DISABLE, "RULE",
	  "do not run these lint rules (comma-separated ids, or 'all')" },
	{ "enable", required_argument, OPT_ENABLE, "RULE",
	  "run these lint rules again after --disable (ids, or 'all')" },
	{ "list-rules", no_argument, OPT_LIST_RULES, NULL,
	  "print every lint rule (id, severity, reason; JSON with --format json) and exit" },
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
	int (*main)(int argc, char **argv);	/* a command with its own options (probe) */
};

/* The first is the default when the first word is not a command. */
static const struct lbcheck_cmd lbcheck_cmds[] = {
	{ "lint", cmd_lint, "check configuration files (the default command)", NULL },
	{ "probe", NULL, "run the health checks once (lbcheck probe --help)", lbcheck_probe_main },
};

static void
usage(FILE *out)
{
	fprintf(out, "usage: lbcheck [command] [options] FILE...    (FILE '-' reads stdin)\n"
		     "       lbcheck --list-keywords | --list-rules | --version | --help\n\n"
		     "commands:\n");
	for (size_t i = 0; i < LB_ARRAY_SIZE(lbcheck_cmds); i++)
		fprintf(out, "  %-22s %s\n", lbcheck_cmds[i].name, lbcheck_cmds[i].help);
	fprintf(out, "\noptions:\n");
	lbcheck_opts_print(out, lbcheck_opts, LB_ARRAY_SIZE(lbcheck_opts), 22);
	fprintf(out, "\nexit status: 0 clean (warnings allowed), 1 errors found (or warnings "
		     "with --werror),\n2 usage error or unreadable file. See lbcheck(1) and "
		     "lb.cfg(5).\n");
}

/* Largest file read, as the parser's own limit. */
#define MAX_FILE (64u << 20)

/* Reads a whole file ("-": stdin) into *buf (NUL-terminated, caller frees). A file lbcheck
 * cannot read is a usage problem (exit 2), not a configuration error: false after saying so.
 * lbcheck reads the text itself, rather than letting the parser open the file, because the
 * "lbcheck: disable=" comments are looked for in the same bytes. */
static bool
read_config(const char *path, char **buf, size_t *len)
{
	struct stat st;
	size_t cap = 0;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;

	*buf = NULL;
	*len = 0;
	if (fd < 0) {
		fprintf(stderr, "lbcheck: cannot open '%s': %s\n", path, strerror(errno));
		return false;
	}
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		fprintf(stderr, "lbcheck: cannot read '%s': %s\n", path,
			S_ISDIR(st.st_mode) ? "is a directory" : strerror(errno));
		goto fail;
	}
	for (;;) {
		ssize_t n;

		if (*len + 1 >= cap) {
			if (cap > MAX_FILE) {
				fprintf(stderr, "lbcheck: cannot read '%s': larger than %u MiB\n",
					path, MAX_FILE >> 20);
				goto fail;
			}
			cap = cap ? cap * 2 : 65536;
			*buf = lb_xrealloc(*buf, cap);
		}
		n = read(fd, *buf + *len, cap - *len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "lbcheck: cannot read '%s': %s\n", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	if (!*buf)
		*buf = lb_xstrdup("");
	(*buf)[*len] = '\0';
	return true;
fail:
	if (fd != STDIN_FILENO)
		close(fd);
	lb_free(buf);
	return false;
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

/* Diagnostics in file order: the parser reports as it reads, the validation and the lint
 * rules object by object; a reader wants them by line. Entries without a position first;
 * equal positions keep their order. */
struct diag_sort_item {
	struct lb_diag_entry e;
	size_t seq;
};

static int
diag_pos_cmp(const void *va, const void *vb)
{
	const struct diag_sort_item *a = va, *b = vb;

	if (!a->e.file != !b->e.file)
		return a->e.file ? 1 : -1;
	if (a->e.line != b->e.line)
		return a->e.line < b->e.line ? -1 : 1;
	if (a->e.col != b->e.col)
		return a->e.col < b->e.col ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void
sort_diag(struct lb_diag *d)
{
	struct diag_sort_item *v;

	if (d->n < 2)
		return;
	v = lb_xmalloc(d->n * sizeof(*v));
	for (size_t i = 0; i < d->n; i++)
		v[i] = (struct diag_sort_item){ d->v[i], i };
	qsort(v, d->n, sizeof(*v), diag_pos_cmp);
	for (size_t i = 0; i < d->n; i++)
		d->v[i] = v[i].e;
	free(v);
}

/* Loads one configuration text and lints it when it loaded without error. */
static void
check_text(const struct lbcheck_args *a, const char *name, const char *text, size_t len,
	   struct lb_diag *d)
{
	struct lb_cfg cfg;

	lb_cfg_init(&cfg);
	if (lb_cfg_parse_buffer(&cfg, name, text, len, d) == 0 &&
	    lb_cfg_finalize(&cfg, d) == 0 && d->nerrors == 0)
		lbcheck_lint_run(&cfg, &a->rules, d);
	lb_cfg_free(&cfg);
	lbcheck_lint_filter(d, &a->rules, name, text, len);
	sort_diag(d);
}

static int
cmd_lint(const struct lbcheck_args *a, int nfiles, char **files)
{
	int status = EXIT_CLEAN;
	bool first = true;

	if (a->format == FMT_JSON)
		fputc('[', stdout);
	for (int i = 0; i < nfiles; i++) {
		const char *name = strcmp(files[i], "-") ? files[i] : "<stdin>";
		struct lb_diag d;
		size_t nerr, nwarn, len;
		char *text;

		if (!read_config(files[i], &text, &len)) {
			status = EXIT_USAGE;
			continue;
		}
		lb_diag_init(&d);
		check_text(a, name, text, len, &d);
		free(text);
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

/* --disable / --enable: unknown ids are usage errors, with the list to pick from. */
static bool
apply_rules(struct lbcheck_lint_set *set, const char *list, bool on)
{
	const char *bad;
	size_t badlen;

	if (lbcheck_lint_set_apply(set, list, on, &bad, &badlen) == 0)
		return true;
	fprintf(stderr, "lbcheck: unknown lint rule '%.*s' (see lbcheck --list-rules)\n",
		(int)badlen, bad);
	return false;
}

int
main(int argc, char **argv)
{
	struct option longopts[LB_ARRAY_SIZE(lbcheck_opts) + 1];
	struct lbcheck_args args = { .format = FMT_TEXT };
	const struct lbcheck_cmd *cmd = &lbcheck_cmds[0];
	char shortopts[2 * LB_ARRAY_SIZE(lbcheck_opts) + 1];
	bool list_rules = false;
	int c, rc;

	/* options may follow file names, as GNU tools allow */
	lbcheck_opts_getopt(lbcheck_opts, LB_ARRAY_SIZE(lbcheck_opts), longopts, shortopts);
	lbcheck_lint_set_init(&args.rules);
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
		if (cmd->main) {
			lbcheck_lint_set_free(&args.rules);
			return cmd->main(argc, argv);
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
				rc = EXIT_USAGE;
				goto out;
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
			rc = EXIT_CLEAN;
			goto out;
		case OPT_LIST_RULES:
			list_rules = true;	/* after the loop: --format may follow */
			break;
		case OPT_DISABLE:
		case OPT_ENABLE:
			if (!apply_rules(&args.rules, optarg, c == OPT_ENABLE)) {
				rc = EXIT_USAGE;
				goto out;
			}
			break;
		case 'V':
			printf("lbcheck (lb) %s\n", PACKAGE_VERSION);
			rc = EXIT_CLEAN;
			goto out;
		case 'h':
			usage(stdout);
			rc = EXIT_CLEAN;
			goto out;
		default:
			usage(stderr);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (list_rules) {
		lbcheck_lint_list(stdout, args.format == FMT_JSON);
		rc = EXIT_CLEAN;
	} else if (optind >= argc) {
		fprintf(stderr, "lbcheck: no configuration file given\n");
		usage(stderr);
		rc = EXIT_USAGE;
	} else {
		rc = cmd->run(&args, argc - optind, argv + optind);
	}
out:
	lbcheck_lint_set_free(&args.rules);
	return rc;
}

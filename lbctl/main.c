/* lbctl/main.c: lbctl's entry point: options, one-shot commands, help, completion helpers
 *
 * A command line is matched against the shared command table (common/ctl_cmds.def), its
 * arguments are checked locally (usage errors never reach the daemon and exit with 2), then
 * it is sent as one request; the reply is rendered by render.c. Without a command, lbctl
 * runs its shell (shell.c), which goes through the same lbctl_run().
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "config.h"
#include "lbctl.h"
#include "util.h"

/* The options: one table gives getopt_long its entries and --help its text. */
enum {
	OPT_LIST_COMMANDS = 256,
	OPT_COMPLETE,
	OPT_COLOR,
	OPT_NO_COLOR,
};

struct lbctl_opt {
	const char *name;
	int has_arg;
	int val;
	const char *arg;
	const char *help;
};

static const struct lbctl_opt lbctl_opts[] = {
	{ "socket", required_argument, 's', "PATH",
	  "control socket (default: $" LB_CTL_SOCKET_ENV ", else " LB_CTL_DEFAULT_SOCKET ")" },
	{ "json", no_argument, 'j', NULL, "print replies as JSON ({id, status, msg, data})" },
	{ "timeout", required_argument, 't', "SEC", "give up on the daemon after SEC seconds "
						    "(default 10)" },
	{ "color", optional_argument, OPT_COLOR, "WHEN", "colour: auto (default), always, never" },
	{ "no-color", no_argument, OPT_NO_COLOR, NULL, "same as --color=never (also: NO_COLOR)" },
	{ "list-commands", no_argument, OPT_LIST_COMMANDS, NULL,
	  "print the command table: name, arguments, level, help (tab-separated)" },
	{ "complete", no_argument, OPT_COMPLETE, NULL,
	  "print completions for the words after --complete (the last one is being typed)" },
	{ "version", no_argument, 'V', NULL, "print the version and exit" },
	{ "help", no_argument, 'h', NULL, "print this help and exit" },
};

static void
usage(FILE *out)
{
	fprintf(out, "usage: lbctl [options] [command [args]]\n"
		     "       lbctl [options]            (interactive shell)\n\noptions:\n");
	for (size_t i = 0; i < LB_ARRAY_SIZE(lbctl_opts); i++) {
		const struct lbctl_opt *o = &lbctl_opts[i];
		char left[40];
		if (o->val < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->val, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name,
				 o->arg ? (o->has_arg == optional_argument ? "[=" : " ") : "",
				 o->arg ? o->arg : "");
		if (o->arg && o->has_arg == optional_argument)
			strncat(left, "]", sizeof(left) - strlen(left) - 1);
		fprintf(out, "  %-24s %s\n", left, o->help);
	}
	fprintf(out, "\ncommands (lbctl help; the level is the lowest that may run it):\n");
	for (size_t i = 0; i < LB_CTL_CMD__COUNT; i++) {
		const struct lb_ctl_cmd *c = &lb_ctl_cmds[i];
		char left[64];
		snprintf(left, sizeof(left), "%s%s%s", c->name, c->args[0] ? " " : "", c->args);
		fprintf(out, "  %-42s %s\n", left, lb_ctl_level_name(c->level));
	}
	fprintf(out, "\nexit status: 0 done, 1 refused by the daemon, 2 usage error, 3 cannot "
		     "reach the socket.\nSee lbctl(8).\n");
}

static void
list_commands(void)
{
	for (size_t i = 0; i < LB_CTL_CMD__COUNT; i++) {
		const struct lb_ctl_cmd *c = &lb_ctl_cmds[i];
		printf("%s\t%s\t%s\t%s\n", c->name, c->args, lb_ctl_level_name(c->level), c->help);
	}
}

int
lbctl_connect(struct lbctl *ctl, bool quiet)
{
	char err[512];

	if (ctl->cli.fd >= 0)
		return 0;
	if (lb_ctl_client_connect(&ctl->cli, ctl->socket, err, sizeof(err)) < 0) {
		if (!quiet)
			fprintf(stderr, "lbctl: %s\n", err);
		return -1;
	}
	return 0;
}

int
lbctl_help(struct lbctl *ctl, int argc, char **argv)
{
	char prefix[256] = "";
	size_t plen;
	bool any = false;

	(void)ctl;
	for (int i = 0; i < argc; i++) {
		size_t used = strlen(prefix);
		snprintf(prefix + used, sizeof(prefix) - used, "%s%s", i ? " " : "", argv[i]);
	}
	plen = strlen(prefix);
	for (size_t i = 0; i < LB_CTL_CMD__COUNT; i++) {
		const struct lb_ctl_cmd *c = &lb_ctl_cmds[i];
		char left[64];

		if (plen && (strncmp(c->name, prefix, plen) != 0 ||
			     (c->name[plen] != ' ' && c->name[plen] != '\0')))
			continue;
		snprintf(left, sizeof(left), "%s%s%s", c->name, c->args[0] ? " " : "", c->args);
		printf("%-42s %-8s %s\n", left, lb_ctl_level_name(c->level), c->help);
		any = true;
	}
	if (!any) {
		fprintf(stderr, "lbctl: no command starts with '%s'\n", prefix);
		return LBCTL_EXIT_USAGE;
	}
	return LBCTL_EXIT_OK;
}

/* --timeout <time>: becomes the command's optional <time> argument (its last one). */
static int
append_time_arg(const struct lb_ctl_cmd *cmd, char **args, int *nargs, const char *tmo)
{
	struct lb_ctl_arg a;
	int k;

	for (k = 0; lb_ctl_cmd_arg(cmd, k, &a) == 0; k++)
		;
	if (k == 0 || lb_ctl_cmd_arg(cmd, k - 1, &a) < 0 || a.type != LB_CTL_ARG_TIME ||
	    !a.optional) {
		fprintf(stderr, "lbctl: '%s' takes no --timeout; usage: %s %s\n", cmd->name,
			cmd->name, cmd->args);
		return -1;
	}
	args[(*nargs)++] = (char *)tmo;
	return 0;
}

/* How long to wait for a reply: the daemon answers "wait" only when the server is empty or
 * its own timeout passed, and streams a subscription at its interval. */
static int
reply_timeout(const struct lbctl *ctl, const struct lb_ctl_cmd *cmd, int argc, char **argv)
{
	long long ms = 0;

	if (cmd->id == LB_CTL_CMD_WAIT)
		ms = 60000;	/* the daemon's default */
	if (cmd->id == LB_CTL_CMD_WAIT && argc > 2)
		(void)lb_ctl_parse_time(argv[2], &ms);
	if (cmd->id == LB_CTL_CMD_SUBSCRIBE_STATS && argc > 0)
		(void)lb_ctl_parse_time(argv[0], &ms);
	return (int)LB_MIN((long long)ctl->timeout_ms + ms, (long long)INT32_MAX);
}

static volatile sig_atomic_t sub_interrupted;

static void
sub_sigint(int sig)
{
	(void)sig;
	sub_interrupted = 1;
}

/* Waits (bounded) until the next reply can be read; 1 when it can, 0 when Ctrl-C was
 * pressed, -1 on timeout or error. */
static int
sub_wait(struct lb_ctl_client *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	size_t plen;

	if (lb_ctl_frame_peek(c->in, c->inlen, &plen) != LB_CTL_FRAME_MORE)
		return 1;	/* already buffered */
	for (;;) {
		int rc;

		if (sub_interrupted)
			return 0;
		rc = poll(&p, 1, c->timeout_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		return rc > 0 ? 1 : -1;
	}
}

/* subscribe stats: the first table came as the reply; print each following one until the
 * daemon closes or the user interrupts (Ctrl-C: exit 0, and the connection is closed, which
 * ends the subscription; the shell reconnects for its next command). One table per tick, or
 * one JSON line. */
static int
subscription(struct lbctl *ctl, const struct lb_ctl_cmd *cmd, unsigned flags, bool json,
	     struct lb_ctl_reply *first, int argc, char **argv)
{
	struct lbctl view = *ctl;
	struct lb_ctl_reply rep = *first;
	uint64_t id = first->id;
	struct sigaction sa = { .sa_handler = sub_sigint }, old;
	char err[512];
	int rc = LBCTL_EXIT_OK, w;

	view.json = json;
	ctl->cli.timeout_ms = reply_timeout(ctl, cmd, argc, argv);
	sub_interrupted = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);	/* no SA_RESTART: poll returns on Ctrl-C */
	for (;;) {
		lbctl_render(stdout, &view, cmd, flags, &rep);
		if (!json)
			fputc('\n', stdout);
		fflush(stdout);
		lb_ctl_reply_free(&rep);
		w = sub_wait(&ctl->cli);
		if (w == 0)
			break;
		if (w < 0 || lb_ctl_client_next(&ctl->cli, id, &rep, err, sizeof(err)) < 0) {
			fprintf(stderr, "lbctl: %s: %s\n", ctl->socket,
				w < 0 ? "no statistics from the daemon in time" : err);
			rc = LBCTL_EXIT_UNREACHABLE;
			break;
		}
		if (rep.status != LB_CTL_ST_OK) {
			fprintf(stderr, "lbctl: %s: %s\n", lb_ctl_status_name(rep.status),
				rep.msg[0] ? rep.msg : "(no message)");
			lb_ctl_reply_free(&rep);
			rc = LBCTL_EXIT_REFUSED;
			break;
		}
	}
	sigaction(SIGINT, &old, NULL);
	lb_ctl_client_close(&ctl->cli);
	ctl->cli.timeout_ms = ctl->timeout_ms;
	return rc;
}

/* A "<pem>..." argument (set ssl cert): the one word typed names a local file ("-": stdin)
 * whose bytes go to the daemon as base64 pieces of at most LB_CTL_MAX_ARG_LEN, which it
 * joins (PEM text has newlines, which arguments may not carry). Replaces that word in
 * *args (grown as needed); *store keeps the pieces. Returns 0, or -1 after printing why. */
static int
pem_pieces(const struct lb_ctl_cmd *cmd, int nw, char ***args, int *nargs, char **store)
{
	const size_t max = (size_t)(LB_CTL_MAX_ARGS - 1) * LB_CTL_MAX_ARG_LEN / 4 * 3;
	struct lb_ctl_arg a;
	unsigned char *raw;
	char *b64, **grown;
	size_t len = 0, blen, npieces;
	FILE *f;
	int k, at;

	for (k = 0; lb_ctl_cmd_arg(cmd, k, &a) == 0 && strcmp(a.text, "<pem>..."); k++)
		;
	if (lb_ctl_cmd_arg(cmd, k, &a) < 0)
		return 0;
	at = nw + k;
	if (at != *nargs - 1) {
		fprintf(stderr, "lbctl: %s: give one local PEM file (- for stdin)\n", cmd->name);
		return -1;
	}
	f = strcmp((*args)[at], "-") ? fopen((*args)[at], "rb") : stdin;
	if (!f) {
		fprintf(stderr, "lbctl: %s: %s\n", (*args)[at], strerror(errno));
		return -1;
	}
	raw = lb_xmalloc(max + 1);
	len = fread(raw, 1, max + 1, f);
	if (f != stdin)
		fclose(f);
	if (!len || len > max) {
		fprintf(stderr, "lbctl: %s: %s\n", (*args)[at],
			len ? "too large for one request" : "empty");
		free(raw);
		return -1;
	}
	b64 = lb_xmalloc(4 * ((len + 2) / 3) + 1);
	blen = lb_base64_encode(raw, len, b64);
	free(raw);
	npieces = (blen + LB_CTL_MAX_ARG_LEN - 1) / LB_CTL_MAX_ARG_LEN;
	grown = lb_xrealloc(*args, ((size_t)at + npieces + 1) * sizeof(**args));
	*store = lb_xmalloc(blen + npieces);
	for (size_t i = 0, off = 0; i < npieces; i++) {
		size_t l = LB_MIN((size_t)LB_CTL_MAX_ARG_LEN, blen - i * LB_CTL_MAX_ARG_LEN);
		memcpy(*store + off, b64 + i * LB_CTL_MAX_ARG_LEN, l);
		(*store)[off + l] = 0;
		grown[at + (int)i] = *store + off;
		off += l + 1;
	}
	grown[at + (int)npieces] = NULL;
	free(b64);
	*args = grown;
	*nargs = at + (int)npieces;
	return 0;
}

int
lbctl_run(struct lbctl *ctl, int argc, char **argv)
{
	const struct lb_ctl_cmd *cmd;
	struct lb_ctl_reply rep;
	char **args = calloc((size_t)argc + 1, sizeof(*args));
	char *pem = NULL;	/* the pieces of a <pem>... argument */
	char err[600];
	unsigned flags;
	int nargs = 0, nw, rc;
	bool json = ctl->json;
	const char *tmo = NULL;

	if (!args) {
		fprintf(stderr, "lbctl: out of memory\n");
		return LBCTL_EXIT_REFUSED;
	}
	/* --json is global and may follow the command; --timeout <time> gives a command's
	 * optional <time> argument by name (lbctl wait webs/w1 empty --timeout 60s) */
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0)
			json = true;
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			tmo = argv[++i];
		else if (strncmp(argv[i], "--timeout=", 10) == 0)
			tmo = argv[i] + 10;
		else
			args[nargs++] = argv[i];
	}
	cmd = lb_ctl_cmd_match(nargs, args, &nw);
	if (!cmd) {
		char typed[256] = "";
		const struct lb_ctl_cmd *near;
		for (int i = 0; i < nargs && i < 3; i++) {
			size_t used = strlen(typed);
			snprintf(typed + used, sizeof(typed) - used, "%s%s", i ? " " : "", args[i]);
		}
		near = lb_ctl_cmd_suggest(typed);
		if (!near && nargs > 1) {
			char two[256];
			snprintf(two, sizeof(two), "%s %s", args[0], args[1]);
			near = lb_ctl_cmd_suggest(two);
		}
		fprintf(stderr, "lbctl: unknown command '%s'%s%s%s (lbctl help lists them)\n",
			typed, near ? "; did you mean '" : "", near ? near->name : "",
			near ? "'?" : "");
		free(args);
		return LBCTL_EXIT_USAGE;
	}
	if (tmo && append_time_arg(cmd, args, &nargs, tmo) < 0) {
		free(args);
		return LBCTL_EXIT_USAGE;
	}
	if (lb_ctl_cmd_check_args(cmd, nargs - nw, args + nw, &flags, err, sizeof(err)) < 0) {
		fprintf(stderr, "lbctl: %s\n", err);
		free(args);
		return LBCTL_EXIT_USAGE;
	}
	if (cmd->id == LB_CTL_CMD_HELP && !json) {
		rc = lbctl_help(ctl, nargs - nw, args + nw);
		free(args);
		return rc;
	}
	/* spec flags (--csv) are for us, not for the daemon */
	{
		int k = nw;
		for (int i = nw; i < nargs; i++)
			if (strncmp(args[i], "--", 2) != 0)
				args[k++] = args[i];
		nargs = k;
	}
	if (pem_pieces(cmd, nw, &args, &nargs, &pem) < 0) {
		free(args);
		return LBCTL_EXIT_USAGE;
	}
	if (lbctl_connect(ctl, false) < 0) {
		free(args);
		free(pem);
		return LBCTL_EXIT_UNREACHABLE;
	}
	ctl->cli.timeout_ms = reply_timeout(ctl, cmd, nargs - nw, args + nw);
	rc = lb_ctl_client_call(&ctl->cli, cmd->name, nargs - nw, (const char *const *)args + nw,
				&rep, err, sizeof(err));
	ctl->cli.timeout_ms = ctl->timeout_ms;
	free(pem);
	if (rc < 0) {
		fprintf(stderr, "lbctl: %s: %s\n", ctl->socket, err);
		free(args);
		return LBCTL_EXIT_UNREACHABLE;
	}
	if (cmd->id == LB_CTL_CMD_SUBSCRIBE_STATS && rep.status == LB_CTL_ST_OK) {
		rc = subscription(ctl, cmd, flags, json, &rep, nargs - nw, args + nw);
		free(args);
		return rc;
	}
	{
		struct lbctl view = *ctl;
		view.json = json;
		if (rep.status == LB_CTL_ST_OK || json)
			lbctl_render(stdout, &view, cmd, flags, &rep);
	}
	if (rep.status != LB_CTL_ST_OK && !json)
		fprintf(stderr, "lbctl: %s: %s\n", lb_ctl_status_name(rep.status),
			rep.msg[0] ? rep.msg : "(no message)");
	rc = rep.status == LB_CTL_ST_OK ? LBCTL_EXIT_OK : LBCTL_EXIT_REFUSED;
	lb_ctl_reply_free(&rep);
	free(args);
	fflush(stdout);
	return rc;
}

/* Live names for completion: servers as be/srv from "show servers", backends from "show
 * backends". Quiet: completion must never print errors into the user's line. */
void
lbctl_live_names(struct lbctl *ctl, struct lb_ctl_completion *comp, enum lb_ctl_arg_type type)
{
	struct lb_ctl_reply rep;
	char err[256], be[256], srv[256], both[520];
	bool servers = type == LB_CTL_ARG_SERVER;

	if (lbctl_connect(ctl, true) < 0)
		return;
	if (lb_ctl_client_call(&ctl->cli, servers ? "show servers" : "show backends", 0, NULL,
			       &rep, err, sizeof(err)) < 0)
		return;
	if (rep.status == LB_CTL_ST_OK && rep.data.type == MSGPACK_OBJECT_ARRAY) {
		for (uint32_t i = 0; i < rep.data.via.array.size; i++) {
			const msgpack_object *row = &rep.data.via.array.ptr[i];
			if (!lb_ctl_obj_str(lb_ctl_map_get(row, "backend"), be, sizeof(be)))
				continue;
			if (!servers) {
				/* a server to create: "backend/" and the user types the name */
				snprintf(both, sizeof(both), "%s%s", be,
					 type == LB_CTL_ARG_NEW_SERVER ? "/" : "");
				lb_ctl_completion_offer(comp, both);
				continue;
			}
			if (!lb_ctl_obj_str(lb_ctl_map_get(row, "server"), srv, sizeof(srv)))
				continue;
			snprintf(both, sizeof(both), "%s/%s", be, srv);
			lb_ctl_completion_offer(comp, both);
		}
	}
	lb_ctl_reply_free(&rep);
}

/* --complete: words after it; the last is the one being typed (may be ""). */
struct print_ctx {
	struct lbctl *ctl;
};

static void
print_word(void *ctx, const char *w)
{
	(void)ctx;
	printf("%s\n", w);
}

static void
print_live(struct lb_ctl_completion *comp, enum lb_ctl_arg_type type)
{
	struct print_ctx *p = comp->ctx;

	lbctl_live_names(p->ctl, comp, type);
}

static int
complete_words(struct lbctl *ctl, int argc, char **argv)
{
	struct print_ctx p = { ctl };
	struct lb_ctl_completion comp = {
		.partial = argc > 0 ? argv[argc - 1] : "",
		.add = print_word,
		.live = print_live,
		.ctx = &p,
	};

	lb_ctl_complete(&comp, argc > 0 ? argc - 1 : 0, argv);
	return LBCTL_EXIT_OK;
}

static bool
want_color(const char *when)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");

	if (strcmp(when, "always") == 0)
		return true;
	if (strcmp(when, "never") == 0)
		return false;
	if (nc && nc[0])
		return false;
	return isatty(STDOUT_FILENO) && !(term && strcmp(term, "dumb") == 0);
}

int
main(int argc, char **argv)
{
	struct option longopts[LB_ARRAY_SIZE(lbctl_opts) + 1];
	struct lbctl ctl = { 0 };
	const char *color = "auto";
	bool list = false, complete = false;
	int c, rc;

	for (size_t i = 0; i < LB_ARRAY_SIZE(lbctl_opts); i++)
		longopts[i] = (struct option){ lbctl_opts[i].name, lbctl_opts[i].has_arg, NULL,
					       lbctl_opts[i].val };
	memset(&longopts[LB_ARRAY_SIZE(lbctl_opts)], 0, sizeof(longopts[0]));
	ctl.socket = getenv(LB_CTL_SOCKET_ENV);
	if (!ctl.socket || !ctl.socket[0])
		ctl.socket = LB_CTL_DEFAULT_SOCKET;
	ctl.timeout_ms = 10000;
	/* "+": options end at the command, whose own words may start with "--" */
	while ((c = getopt_long(argc, argv, "+s:jt:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			ctl.socket = optarg;
			break;
		case 'j':
			ctl.json = true;
			break;
		case 't': {
			long long sec;
			if (lb_parse_int(optarg, 1, 3600, &sec) < 0) {
				fprintf(stderr, "lbctl: --timeout wants seconds in 1..3600\n");
				return LBCTL_EXIT_USAGE;
			}
			ctl.timeout_ms = (int)sec * 1000;
			break;
		}
		case OPT_COLOR:
			color = optarg ? optarg : "always";
			if (strcmp(color, "auto") != 0 && strcmp(color, "always") != 0 &&
			    strcmp(color, "never") != 0) {
				fprintf(stderr, "lbctl: --color wants auto, always or never\n");
				return LBCTL_EXIT_USAGE;
			}
			break;
		case OPT_NO_COLOR:
			color = "never";
			break;
		case OPT_LIST_COMMANDS:
			list = true;
			break;
		case OPT_COMPLETE:
			complete = true;
			break;
		case 'V':
			printf("lbctl %s (control protocol %d)\n", PACKAGE_VERSION,
			       LB_CTL_PROTO_VERSION);
			return LBCTL_EXIT_OK;
		case 'h':
			usage(stdout);
			return LBCTL_EXIT_OK;
		default:
			usage(stderr);
			return LBCTL_EXIT_USAGE;
		}
	}
	if (list) {
		list_commands();
		return LBCTL_EXIT_OK;
	}
	ctl.color = want_color(color);
	lb_ctl_client_init(&ctl.cli, ctl.timeout_ms);
	if (complete) {
		int first = optind;
		if (first < argc && strcmp(argv[first], "--") == 0)
			first++;
		ctl.cli.timeout_ms = LB_MIN(ctl.timeout_ms, 2000);
		rc = complete_words(&ctl, argc - first, argv + first);
	} else if (optind < argc) {
		rc = lbctl_run(&ctl, argc - optind, argv + optind);
	} else {
		rc = lbctl_shell(&ctl);
	}
	lb_ctl_client_close(&ctl.cli);
	return rc;
}

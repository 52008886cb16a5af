/* lbctl/shell.c: the interactive shell: readline, history, completion, help
 *
 * Every line goes through lbctl_run(), the same path as a one-shot command, over one kept
 * connection (re-opened when the daemon went away). Completion uses the shared command table
 * and live backend/server names, fetched at most every NAMES_TTL_MS. When stdin is not a
 * terminal the shell reads plain lines without prompt or history, so it can be scripted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "lbctl.h"
#include "util.h"

#define HISTORY_MAX 1000
#define MAX_WORDS 64
#define NAMES_TTL_MS 2000
#define HISTORY_ENV "LBCTL_HISTORY"

static struct lbctl *shell_ctl;

/* Shell-only words, offered with the commands at the start of a line. */
static const char *const shell_words[] = { "quit", "exit", "?" };

/* Splits a line into words: blanks separate, '...' and "..." group. Modifies line. Returns
 * the number of words, or -1 on an unterminated quote. */
static int
split_words(char *line, char **words, int max)
{
	int n = 0;
	char *r = line, *w = line;

	for (;;) {
		char quote = 0;

		while (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r')
			r++;
		if (!*r || *r == '#')
			return n;
		if (n == max)
			return n;
		words[n++] = w;
		while (*r && (quote || (*r != ' ' && *r != '\t' && *r != '\n' && *r != '\r'))) {
			if (!quote && (*r == '\'' || *r == '"')) {
				quote = *r++;
				continue;
			}
			if (quote && *r == quote) {
				quote = 0;
				r++;
				continue;
			}
			*w++ = *r++;
		}
		if (quote)
			return -1;
		if (*r)
			r++;
		*w++ = '\0';
	}
}

/* --- completion --- */

struct names_cache {
	uint64_t at_ms;
	enum lb_ctl_arg_type type;
	char **words;
	size_t n;
};

static struct names_cache names_cache;

static struct {
	char **words;
	size_t n, cap;
} matches;

static void
match_add(void *ctx, const char *w)
{
	(void)ctx;
	for (size_t i = 0; i < matches.n; i++)
		if (strcmp(matches.words[i], w) == 0)
			return;
	if (matches.n == matches.cap) {
		size_t cap = matches.cap ? matches.cap * 2 : 32;
		char **p = realloc(matches.words, cap * sizeof(*p));
		if (!p)
			return;
		matches.words = p;
		matches.cap = cap;
	}
	matches.words[matches.n] = strdup(w);
	if (matches.words[matches.n])
		matches.n++;
}

static void
cache_add(void *ctx, const char *w)
{
	struct names_cache *c = ctx;
	char **p = realloc(c->words, (c->n + 1) * sizeof(*p));

	if (!p)
		return;
	c->words = p;
	c->words[c->n] = strdup(w);
	if (c->words[c->n])
		c->n++;
}

static void
cache_clear(void)
{
	for (size_t i = 0; i < names_cache.n; i++)
		free(names_cache.words[i]);
	lb_free(&names_cache.words);
	names_cache.n = 0;
	names_cache.at_ms = 0;
}

/* Live names through a cache: Tab pressed twice must not ask the daemon twice. */
static void
live_cached(struct lb_ctl_completion *comp, enum lb_ctl_arg_type type)
{
	uint64_t now = lb_now_ms();

	if (!names_cache.at_ms || names_cache.type != type ||
	    now - names_cache.at_ms > NAMES_TTL_MS) {
		struct lb_ctl_completion fill = { .partial = "", .add = cache_add,
						  .ctx = &names_cache };
		cache_clear();
		names_cache.type = type;
		names_cache.at_ms = now;
		lbctl_live_names(shell_ctl, &fill, type);
	}
	for (size_t i = 0; i < names_cache.n; i++)
		lb_ctl_completion_offer(comp, names_cache.words[i]);
}

static char *
match_generator(const char *text, int state)
{
	static size_t next;

	(void)text;
	if (state == 0)
		next = 0;
	if (next < matches.n)
		return strdup(matches.words[next++]);
	return NULL;
}

static char **
shell_complete(const char *text, int start, int end)
{
	char *before = strndup(rl_line_buffer, (size_t)start);
	char *words[MAX_WORDS];
	int n;

	(void)end;
	rl_attempted_completion_over = 1;	/* never fall back to file names */
	for (size_t i = 0; i < matches.n; i++)
		free(matches.words[i]);
	matches.n = 0;
	if (!before)
		return NULL;
	n = split_words(before, words, MAX_WORDS);
	if (n >= 0) {
		struct lb_ctl_completion comp = { .partial = text, .add = match_add,
						  .live = live_cached };
		lb_ctl_complete(&comp, n, words);
		if (n == 0)
			for (size_t i = 0; i < LB_ARRAY_SIZE(shell_words); i++)
				lb_ctl_completion_offer(&comp, shell_words[i]);
	}
	free(before);
	return rl_completion_matches(text, match_generator);
}

/* --- the loop --- */

static char *
history_path(void)
{
	const char *env = getenv(HISTORY_ENV);
	const char *home = getenv("HOME");

	if (env && env[0])
		return lb_xstrdup(env);
	if (!home || !home[0])
		return NULL;
	return lb_xasprintf("%s/.lbctl_history", home);
}

/* Runs one line. Returns false when the shell should end. */
static bool
run_line(struct lbctl *ctl, char *line)
{
	char *words[MAX_WORDS];
	int n = split_words(line, words, MAX_WORDS);

	if (n < 0) {
		fprintf(stderr, "lbctl: unterminated quote\n");
		return true;
	}
	if (n == 0)
		return true;
	if (strcmp(words[0], "quit") == 0 || strcmp(words[0], "exit") == 0)
		return false;
	if (strcmp(words[0], "?") == 0 || (strcmp(words[0], "help") == 0 && !ctl->json)) {
		lbctl_help(ctl, n - 1, words + 1);
		if (n == 1)
			printf("\nshell: quit or exit (or Ctrl-D) to leave; Tab completes commands "
			       "and live backend/server names.\n");
		return true;
	}
	lbctl_run(ctl, n, words);
	fflush(stdout);
	return true;
}

static int
shell_plain(struct lbctl *ctl)
{
	char *line = NULL;
	size_t cap = 0;

	while (getline(&line, &cap, stdin) >= 0)
		if (!run_line(ctl, line))
			break;
	free(line);
	return LBCTL_EXIT_OK;
}

int
lbctl_shell(struct lbctl *ctl)
{
	char *hist;
	char *line;
	char prompt[64];

	shell_ctl = ctl;
	if (!isatty(STDIN_FILENO))
		return shell_plain(ctl);
	rl_readline_name = "lbctl";
	rl_attempted_completion_function = shell_complete;
	rl_basic_word_break_characters = " \t";
	rl_completer_quote_characters = "\"'";
	hist = history_path();
	using_history();
	stifle_history(HISTORY_MAX);
	if (hist)
		read_history(hist);
	if (lbctl_connect(ctl, false) == 0) {
		printf("lbctl connected to %s; help or ? lists the commands, quit leaves.\n",
		       ctl->socket);
	} else {
		printf("lbctl: commands will retry the connection to %s.\n", ctl->socket);
	}
	snprintf(prompt, sizeof(prompt), "%slbctl>%s ", ctl->color ? "\001\033[1m\002" : "",
		 ctl->color ? "\001\033[0m\002" : "");
	while ((line = readline(prompt))) {
		bool go_on;
		if (line[strspn(line, " \t")]) {
			add_history(line);
			if (hist && append_history(1, hist) != 0) {
				/* first run: the file does not exist yet */
				write_history(hist);
			}
		}
		go_on = run_line(ctl, line);
		free(line);
		if (!go_on)
			break;
	}
	if (!line)
		putchar('\n');
	if (hist) {
		history_truncate_file(hist, HISTORY_MAX);
		free(hist);
	}
	cache_clear();
	for (size_t i = 0; i < matches.n; i++)
		free(matches.words[i]);
	free(matches.words);
	return LBCTL_EXIT_OK;
}

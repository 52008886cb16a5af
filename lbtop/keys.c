/* lbtop/keys.c: the key table: each key's action returns what must happen next (LBTOP_*)
 *
 * State changes (d, e, m, w) first ask for a confirmation in the status bar; the next key
 * answers it (y does it, anything else cancels), so a stray key never drains a server.
 * "/" and "w" open a prompt in the status bar: printable keys edit it, Enter accepts, Esc
 * cancels.
 */
#include <stdio.h>
#include <string.h>

#include <curses.h>

#include "lbtop.h"
#include "util.h"

static int
act_quit(struct lbtop *t)
{
	(void)t;
	return LBTOP_QUIT;
}

static int
act_up(struct lbtop *t)
{
	if (t->sel > 0)
		t->sel--;
	return LBTOP_REDRAW;
}

static int
act_down(struct lbtop *t)
{
	if (t->sel + 1 < lbtop_server_count(t))
		t->sel++;
	return LBTOP_REDRAW;
}

static int
act_home(struct lbtop *t)
{
	t->sel = 0;
	return LBTOP_REDRAW;
}

static int
act_end(struct lbtop *t)
{
	t->sel = LB_MAX(0, lbtop_server_count(t) - 1);
	return LBTOP_REDRAW;
}

/* Asks before sending `cmd` for the selected server. */
static int
ask(struct lbtop *t, const char *cmd)
{
	const struct lbtop_row *r = lbtop_server_row(t, t->sel);

	if (!r) {
		snprintf(t->msg, sizeof(t->msg), "no server selected");
		t->msg_error = true;
		return LBTOP_REDRAW;
	}
	t->confirm_cmd = cmd;
	snprintf(t->confirm_target, sizeof(t->confirm_target), "%s/%s", r->px, r->sv);
	return LBTOP_REDRAW;
}

static int
act_drain(struct lbtop *t)
{
	return ask(t, "drain");
}

static int
act_enable(struct lbtop *t)
{
	return ask(t, "enable");
}

static int
act_maint(struct lbtop *t)
{
	return ask(t, "maint");
}

static int
act_weight(struct lbtop *t)
{
	const struct lbtop_row *r = lbtop_server_row(t, t->sel);

	if (!r) {
		snprintf(t->msg, sizeof(t->msg), "no server selected");
		t->msg_error = true;
		return LBTOP_REDRAW;
	}
	snprintf(t->confirm_target, sizeof(t->confirm_target), "%s/%s", r->px, r->sv);
	t->prompt = LBTOP_PROMPT_WEIGHT;
	t->input[0] = '\0';
	return LBTOP_REDRAW;
}

static int
act_filter(struct lbtop *t)
{
	t->prompt = LBTOP_PROMPT_FILTER;
	snprintf(t->input, sizeof(t->input), "%s", t->filter);
	return LBTOP_REDRAW;
}

static int
act_sort(struct lbtop *t)
{
	t->sort = (enum lbtop_sort)((t->sort + 1) % LBTOP_SORT__COUNT);
	lbtop_order(t);
	t->sel = 0;
	snprintf(t->msg, sizeof(t->msg), "servers sorted by %s", lbtop_sort_name(t->sort));
	t->msg_error = false;
	return LBTOP_REDRAW;
}

static int
act_detail(struct lbtop *t)
{
	t->detail = !t->detail && lbtop_server_row(t, t->sel) != NULL;
	return LBTOP_REDRAW;
}

static int
act_help(struct lbtop *t)
{
	t->show_help = !t->show_help;
	return LBTOP_REDRAW;
}

static int
act_refresh(struct lbtop *t)
{
	(void)t;
	return LBTOP_FETCH | LBTOP_REDRAW;
}

const struct lbtop_key lbtop_keys[] = {
	{ KEY_UP, 'k', "Up/k", "select the server above", act_up },
	{ KEY_DOWN, 'j', "Down/j", "select the server below", act_down },
	{ KEY_HOME, 'g', "Home/g", "select the first server", act_home },
	{ KEY_END, 'G', "End/G", "select the last server", act_end },
	{ '\n', KEY_ENTER, "Enter", "show the selected server in full (Enter again: back)",
	  act_detail },
	{ 'd', 0, "d", "drain the selected server (asks first)", act_drain },
	{ 'e', 0, "e", "enable (ready) the selected server (asks first)", act_enable },
	{ 'm', 0, "m", "put the selected server in maintenance (asks first)", act_maint },
	{ 'w', 0, "w", "set the selected server's weight: N or N% (asks first)", act_weight },
	{ 's', 0, "s", "sort the servers: configuration, req/s, sessions, p99, 5xx/s, name",
	  act_sort },
	{ '/', 0, "/", "filter the servers by backend/server name (empty: all)", act_filter },
	{ 'r', 0, "r", "refresh now", act_refresh },
	{ '?', 'h', "?/h", "show or hide this help", act_help },
	{ 'q', 0, "q", "quit", act_quit },
};
const size_t lbtop_nkeys = LB_ARRAY_SIZE(lbtop_keys);

/* A key while a prompt is open: edit the line, Enter accepts it, Esc cancels. */
static int
prompt_key(struct lbtop *t, int key)
{
	size_t n = strlen(t->input);
	enum lbtop_prompt p = t->prompt;

	if (key == 27) {	/* Esc */
		t->prompt = LBTOP_PROMPT_NONE;
		return LBTOP_REDRAW;
	}
	if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		if (n)
			t->input[n - 1] = '\0';
		return LBTOP_REDRAW;
	}
	if (key != '\n' && key != '\r' && key != KEY_ENTER) {
		if (key >= 0x20 && key < 0x7f && n + 1 < sizeof(t->input)) {
			t->input[n] = (char)key;
			t->input[n + 1] = '\0';
		}
		return LBTOP_REDRAW;
	}
	t->prompt = LBTOP_PROMPT_NONE;
	if (p == LBTOP_PROMPT_FILTER) {
		snprintf(t->filter, sizeof(t->filter), "%s", t->input);
		lbtop_order(t);
		t->sel = 0;
		t->srv_scroll = 0;
		return LBTOP_REDRAW;
	}
	if (!n)
		return LBTOP_REDRAW;
	t->confirm_cmd = "weight";
	snprintf(t->confirm_arg, sizeof(t->confirm_arg), "%s", t->input);
	return LBTOP_REDRAW;
}

int
lbtop_handle_key(struct lbtop *t, int key)
{
	if (t->prompt)
		return prompt_key(t, key);
	if (t->confirm_cmd) {
		const char *cmd = t->confirm_cmd;

		t->confirm_cmd = NULL;
		if (key == 'y' || key == 'Y') {
			lbtop_command(t, cmd, t->confirm_target,
				      strcmp(cmd, "weight") == 0 ? t->confirm_arg : NULL);
			return LBTOP_FETCH | LBTOP_REDRAW;
		}
		snprintf(t->msg, sizeof(t->msg), "%s %s: cancelled", cmd, t->confirm_target);
		t->msg_error = false;
		return LBTOP_REDRAW;
	}
	if (t->show_help && key != '?' && key != 'h' && key != 'q') {
		t->show_help = false;	/* any key closes the help */
		return LBTOP_REDRAW;
	}
	for (size_t i = 0; i < lbtop_nkeys; i++)
		if (lbtop_keys[i].key == key || (lbtop_keys[i].alt && lbtop_keys[i].alt == key))
			return lbtop_keys[i].fn(t);
	return 0;
}

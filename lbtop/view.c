/* lbtop/view.c: the screen: widgets drawn on a canvas (ncurses, or text for --once)
 *
 * The screen is a column of widgets, const class objects in one array (as htop's meters):
 * each says how many lines it wants and draws itself through put(), which knows whether it
 * writes to ncurses (with colours by role, or attributes when monochrome) or to a plain text
 * grid. So --once prints exactly what the dashboard shows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "lbtop.h"
#include "util.h"

/* Colours are given by role, never by name, so monochrome and colour terminals agree on
 * what matters. */
enum role {
	ROLE_NORMAL = 0,
	ROLE_TITLE,	/* the top line */
	ROLE_COLHDR,	/* column headers */
	ROLE_GOOD,	/* UP, OPEN */
	ROLE_WARN,	/* DRAIN */
	ROLE_BAD,	/* DOWN, MAINT, errors */
	ROLE_SEL,	/* the selected row */
	ROLE_DIM,
	ROLE__COUNT
};

struct canvas {
	bool curses;
	bool color;
	int width, height;
	char **lines;		/* plain: height lines of width bytes (+ NUL) */
};

void
lbtop_colors_init(struct lbtop *t)
{
	if (!t->color || !has_colors()) {
		t->color = false;
		return;
	}
	start_color();
	use_default_colors();
	init_pair(ROLE_TITLE, COLOR_BLACK, COLOR_CYAN);
	init_pair(ROLE_COLHDR, COLOR_BLACK, COLOR_GREEN);
	init_pair(ROLE_GOOD, COLOR_GREEN, -1);
	init_pair(ROLE_WARN, COLOR_YELLOW, -1);
	init_pair(ROLE_BAD, COLOR_RED, -1);
	init_pair(ROLE_SEL, COLOR_BLACK, COLOR_CYAN);
	init_pair(ROLE_DIM, COLOR_BLUE, -1);
}

static attr_t
role_attr(const struct canvas *c, enum role r)
{
	static const attr_t mono[ROLE__COUNT] = {
		[ROLE_TITLE] = A_REVERSE, [ROLE_COLHDR] = A_BOLD | A_UNDERLINE,
		[ROLE_WARN] = A_BOLD, [ROLE_BAD] = A_BOLD, [ROLE_SEL] = A_REVERSE,
		[ROLE_DIM] = A_DIM,
	};

	if (!c->color)
		return mono[r];
	if (r == ROLE_NORMAL)
		return A_NORMAL;
	return COLOR_PAIR(r) | (r == ROLE_BAD || r == ROLE_WARN ? A_BOLD : 0);
}

/* Writes s at (y, x), clipped to the canvas. s may be UTF-8 (the sparkline); clipping then
 * counts bytes, so callers keep such strings short. */
static void
put(struct canvas *c, int y, int x, const char *s, enum role r)
{
	int room = c->width - x;

	if (y < 0 || y >= c->height || room <= 0)
		return;
	if (c->curses) {
		attr_t a = role_attr(c, r);
		attron(a);
		mvaddnstr(y, x, s, room);
		attroff(a);
		return;
	}
	for (int i = 0; s[i] && i < room; i++)
		c->lines[y][x + i] = s[i];
}

/* Fills a whole line (background of titles and the selection). */
static void
fill(struct canvas *c, int y, enum role r)
{
	if (!c->curses || y < 0 || y >= c->height)
		return;
	attr_t a = role_attr(c, r);
	attron(a);
	mvhline(y, 0, ' ', c->width);
	attroff(a);
}

static enum role
status_role(const char *st)
{
	if (!strcmp(st, "UP") || !strcmp(st, "OPEN"))
		return ROLE_GOOD;
	if (!strcmp(st, "DRAIN") || !strcmp(st, "NOLB"))
		return ROLE_WARN;
	if (!strcmp(st, "DOWN") || !strcmp(st, "MAINT") || !strcmp(st, "STOP"))
		return ROLE_BAD;
	return ROLE_NORMAL;
}

/* 1234567 -> "1.2M"; small values stay exact. */
static void
human(double v, char *buf, size_t len)
{
	static const char units[] = " kMGTP";
	int u = 0;

	if (v < 0) {
		snprintf(buf, len, "-");
		return;
	}
	while (v >= 10000 && u < 5) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, v >= 100 || v == (double)(uint64_t)v ? "%.0f" : "%.1f", v);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
}

/* --- table columns --- */

struct col {
	const char *title;
	int width;
	bool left;
	void (*fmt)(const struct lbtop_row *r, char *buf, size_t len);
};

static void
f_name(const struct lbtop_row *r, char *b, size_t n)
{
	if (r->type == LBTOP_SRV)
		snprintf(b, n, "%s/%s", r->px, r->sv);
	else
		snprintf(b, n, "%s", r->px);
}

static void
f_status(const struct lbtop_row *r, char *b, size_t n)
{
	snprintf(b, n, "%s", r->status);
}

static void
f_weight(const struct lbtop_row *r, char *b, size_t n)
{
	if (r->type == LBTOP_FE || r->weight < 0)
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%lld", (long long)r->weight);
}

static void
f_scur(const struct lbtop_row *r, char *b, size_t n)
{
	human((double)r->scur, b, n);
}

static void
f_qcur(const struct lbtop_row *r, char *b, size_t n)
{
	if (r->type == LBTOP_FE || r->qcur < 0)
		snprintf(b, n, "-");
	else
		human((double)r->qcur, b, n);
}

static void
f_req_rate(const struct lbtop_row *r, char *b, size_t n)
{
	human(r->req_rate, b, n);
}

static void
f_conn_rate(const struct lbtop_row *r, char *b, size_t n)
{
	human(r->conn_rate, b, n);
}

#define F_HRSP(k)                                                          \
	static void f_hrsp##k(const struct lbtop_row *r, char *b, size_t n) \
	{                                                                  \
		human((double)r->hrsp[k], b, n);                           \
	}
F_HRSP(2)
F_HRSP(3)
F_HRSP(4)
F_HRSP(5)

static void
f_check(const struct lbtop_row *r, char *b, size_t n)
{
	snprintf(b, n, "%s", r->check[0] ? r->check : "-");
}

/* a latency in ms: "0.4ms", "12ms", "1.5s" */
static void
ms_text(double ms, char *b, size_t n)
{
	if (ms < 0)
		snprintf(b, n, "-");
	else if (ms < 10)
		snprintf(b, n, "%.1fms", ms);
	else if (ms < 1000)
		snprintf(b, n, "%.0fms", ms);
	else
		snprintf(b, n, "%.1fs", ms / 1000);
}

static void
f_p50(const struct lbtop_row *r, char *b, size_t n)
{
	ms_text(r->p50, b, n);
}

static void
f_p99(const struct lbtop_row *r, char *b, size_t n)
{
	ms_text(r->p99, b, n);
}

static void
f_bin(const struct lbtop_row *r, char *b, size_t n)
{
	human(r->bin_rate, b, n);
}

static void
f_bout(const struct lbtop_row *r, char *b, size_t n)
{
	human(r->bout_rate, b, n);
}

static const struct col cols[] = {
	{ NULL, 26, true, f_name },	/* titled by the widget */
	{ "STATUS", 6, true, f_status },
	{ "CHECK", 7, true, f_check },
	{ "WEIGHT", 6, false, f_weight },
	{ "SCUR", 6, false, f_scur },
	{ "QCUR", 5, false, f_qcur },
	{ "REQ/S", 8, false, f_req_rate },
	{ "CONN/S", 7, false, f_conn_rate },
	{ "P50", 7, false, f_p50 },
	{ "P99", 7, false, f_p99 },
	{ "2XX", 7, false, f_hrsp2 },
	{ "3XX", 6, false, f_hrsp3 },
	{ "4XX", 6, false, f_hrsp4 },
	{ "5XX", 6, false, f_hrsp5 },
	{ "IN B/S", 8, false, f_bin },
	{ "OUT B/S", 8, false, f_bout },
};

/* Writes one table line: the column titles (r == NULL) or a row. */
static void
table_line(struct canvas *c, int y, const char *name_title, const struct lbtop_row *r,
	   bool selected)
{
	int x = 0;

	if (!r || selected)
		fill(c, y, r ? ROLE_SEL : ROLE_COLHDR);
	for (size_t i = 0; i < LB_ARRAY_SIZE(cols); i++) {
		char val[64], cell[80];
		enum role role = r ? ROLE_NORMAL : ROLE_COLHDR;

		if (r) {
			cols[i].fmt(r, val, sizeof(val));
			if (cols[i].fmt == f_status)
				role = status_role(val);
		} else {
			snprintf(val, sizeof(val), "%s",
				 cols[i].title ? cols[i].title : name_title);
		}
		if (selected)
			role = ROLE_SEL;
		if (cols[i].left)
			snprintf(cell, sizeof(cell), "%-*.*s", cols[i].width, cols[i].width, val);
		else
			snprintf(cell, sizeof(cell), "%*s", cols[i].width, val);
		put(c, y, x, cell, role);
		x += cols[i].width + 1;
	}
}

/* --- widgets --- */

struct widget {
	const char *name;
	enum lbtop_row_type type;	/* for the tables */
	/* lines wanted, given the lines left (the last table takes what remains) */
	int (*height)(const struct lbtop *t, const struct widget *w, int avail);
	void (*draw)(struct lbtop *t, const struct widget *w, struct canvas *c, int y, int h);
};

static int
header_height(const struct lbtop *t, const struct widget *w, int avail)
{
	(void)t;
	(void)w;
	return LB_MIN(avail, 3);
}

static void
header_draw(struct lbtop *t, const struct widget *w, struct canvas *c, int y, int h)
{
	static const char *const blocks[] = { "\u2581", "\u2582", "\u2583", "\u2584", "\u2585",
					      "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = "_.-:=+*#";
	double max = 0, err = 0;
	char line[256], num[32], num2[32];
	int x;

	(void)w;
	if (h < 2)
		return;
	fill(c, y, ROLE_TITLE);
	snprintf(line, sizeof(line), " lbtop - lbd %s on %s   up %s", t->version[0] ? t->version :
		 "?", t->socket, t->uptime[0] ? t->uptime : "?");
	put(c, y, 0, line, ROLE_TITLE);
	for (size_t i = 0; i < t->nrows; i++)
		if (t->rows[i].type == LBTOP_FE)
			err += t->rows[i].err_rate;
	human(t->total_req_rate, num, sizeof(num));
	snprintf(num2, sizeof(num2), "%.1f%%", t->total_req_rate > 0 ?
		 100.0 * err / t->total_req_rate : 0.0);
	snprintf(line, sizeof(line), " conns %-6lld req/s %-7s 5xx %-6s ",
		 (long long)(t->cur_conn < 0 ? 0 : t->cur_conn), num, num2);
	put(c, y + 1, 0, line, ROLE_NORMAL);
	x = (int)strlen(line);
	for (unsigned i = 0; i < t->nspark; i++)
		max = LB_MAX(max, t->spark[i]);
	/* the sparkline: recent total req/s, newest at the right */
	for (unsigned i = 0; i < t->nspark && x < c->width; i++, x++) {
		int lvl = max > 0 ? (int)(t->spark[i] / max * 7.0 + 0.5) : 0;
		char one[2] = { ascii[lvl], '\0' };
		put(c, y + 1, x, t->unicode && c->curses ? blocks[lvl] : one, ROLE_GOOD);
	}
}

static int
table_count(const struct lbtop *t, enum lbtop_row_type type)
{
	int n = 0;

	if (type == LBTOP_SRV)
		return lbtop_server_count(t);	/* filtered */
	for (size_t i = 0; i < t->nrows; i++)
		n += t->rows[i].type == type;
	return n;
}

/* The idx-th row of a table: servers in the filtered, sorted view (lbtop/order.c). */
static const struct lbtop_row *
table_row(const struct lbtop *t, enum lbtop_row_type type, int idx)
{
	if (type == LBTOP_SRV)
		return lbtop_server_row(t, idx);
	for (size_t i = 0; i < t->nrows; i++)
		if (t->rows[i].type == type && idx-- == 0)
			return &t->rows[i];
	return NULL;
}

static int
table_height(const struct lbtop *t, const struct widget *w, int avail)
{
	int want = 1 + table_count(t, w->type) + 1;	/* titles, rows, a blank line */

	if (w->type == LBTOP_SRV)
		return avail;	/* the servers take what is left, and scroll */
	return LB_MIN(avail, want);
}

static void
table_draw(struct lbtop *t, const struct widget *w, struct canvas *c, int y, int h)
{
	int shown = h - 1, idx = 0, line = y + 1;

	if (h < 1)
		return;
	table_line(c, y, w->name, NULL, false);
	if (w->type == LBTOP_SRV && c->curses) {
		/* keep the selection visible */
		if (t->sel < t->srv_scroll)
			t->srv_scroll = t->sel;
		if (t->sel >= t->srv_scroll + shown)
			t->srv_scroll = t->sel - shown + 1;
		if (t->srv_scroll < 0)
			t->srv_scroll = 0;
	}
	if (w->type == LBTOP_SRV && c->curses)
		idx = t->srv_scroll;
	for (const struct lbtop_row *r; line < y + h && (r = table_row(t, w->type, idx)); idx++)
		table_line(c, line++, w->name, r, w->type == LBTOP_SRV && c->curses && idx == t->sel);
	if (table_count(t, w->type) == 0 && line < y + h)
		put(c, line, 0, t->filter[0] && w->type == LBTOP_SRV ? "(none match the filter)" :
			     "(none)", ROLE_DIM);
}

/* Enter: every figure lbtop has of the selected server, one per line. */
static void
detail_draw(struct lbtop *t, struct canvas *c)
{
	const struct lbtop_row *r = lbtop_server_row(t, t->sel);
	int y = 0;

	fill(c, y, ROLE_TITLE);
	if (!r) {
		put(c, y, 0, " no server selected (Enter: back)", ROLE_TITLE);
		return;
	}
	{
		char title[200];
		snprintf(title, sizeof(title), " %s/%s   (Enter: back)", r->px, r->sv);
		put(c, y++, 0, title, ROLE_TITLE);
	}
	y++;
	for (size_t i = 1; i < LB_ARRAY_SIZE(cols) && y < c->height - 1; i++, y++) {
		char val[64], line[128];

		cols[i].fmt(r, val, sizeof(val));
		snprintf(line, sizeof(line), "  %-10s %s", cols[i].title, val);
		put(c, y, 0, line, cols[i].fmt == f_status ? status_role(val) : ROLE_NORMAL);
	}
	if (y < c->height - 1) {
		char line[160];
		snprintf(line, sizeof(line), "  %-10s %llu sessions, %llu B in, %llu B out (since "
			 "start or clear)", "TOTAL", (unsigned long long)r->stot,
			 (unsigned long long)r->bin, (unsigned long long)r->bout);
		put(c, y++, 0, line, ROLE_NORMAL);
	}
}

static const struct widget widgets[] = {
	{ "header", LBTOP_FE, header_height, header_draw },
	{ "FRONTEND", LBTOP_FE, table_height, table_draw },
	{ "BACKEND", LBTOP_BE, table_height, table_draw },
	{ "SERVER", LBTOP_SRV, table_height, table_draw },
};

/* --- the status bar and the help --- */

static void
status_draw(struct lbtop *t, struct canvas *c, int y)
{
	char line[600];
	enum role role = ROLE_NORMAL;

	if (t->prompt == LBTOP_PROMPT_FILTER) {
		snprintf(line, sizeof(line), " filter servers: %s_   (Enter: apply, Esc: cancel)",
			 t->input);
		role = ROLE_WARN;
	} else if (t->prompt == LBTOP_PROMPT_WEIGHT) {
		snprintf(line, sizeof(line), " weight of %s (N or N%%): %s_   (Enter, Esc: cancel)",
			 t->confirm_target, t->input);
		role = ROLE_WARN;
	} else if (t->confirm_cmd) {
		snprintf(line, sizeof(line), " %s %s%s%s? [y/N] ", t->confirm_cmd,
			 t->confirm_target, strcmp(t->confirm_cmd, "weight") == 0 ? " " : "",
			 strcmp(t->confirm_cmd, "weight") == 0 ? t->confirm_arg : "");
		role = ROLE_WARN;
	} else if (!t->connected || t->conn_err[0]) {
		snprintf(line, sizeof(line), " disconnected: %s; retrying every %.1f s ",
			 t->conn_err, t->interval_ms / 1000.0);
		role = ROLE_BAD;
	} else if (t->msg[0]) {
		snprintf(line, sizeof(line), " %s ", t->msg);
		role = t->msg_error ? ROLE_BAD : ROLE_NORMAL;
	} else {
		snprintf(line, sizeof(line), " q quit  Up/Down select  Enter detail  d drain  "
			 "e enable  m maint  w weight  s sort  / filter  ? help%s%s%s",
			 t->sort ? "   sorted by " : "", t->sort ? lbtop_sort_name(t->sort) : "",
			 t->filter[0] ? "   (filtered)" : "");
		role = ROLE_DIM;
	}
	fill(c, y, ROLE_NORMAL);
	put(c, y, 0, line, role);
}

static void
help_draw(struct canvas *c)
{
	int y = 2;

	put(c, y++, 2, "lbtop keys (any key closes this help)", ROLE_COLHDR);
	y++;
	for (size_t i = 0; i < lbtop_nkeys && y < c->height - 1; i++, y++) {
		char line[160];
		snprintf(line, sizeof(line), "  %-10s %s", lbtop_keys[i].label, lbtop_keys[i].help);
		fill(c, y, ROLE_NORMAL);
		put(c, y, 2, line, ROLE_NORMAL);
	}
}

static void
draw_widgets(struct lbtop *t, struct canvas *c, int avail)
{
	int y = 0;

	for (size_t i = 0; i < LB_ARRAY_SIZE(widgets) && y < avail; i++) {
		int h = widgets[i].height(t, &widgets[i], avail - y);
		widgets[i].draw(t, &widgets[i], c, y, h);
		y += h;
	}
}

void
lbtop_draw(struct lbtop *t)
{
	struct canvas c = { .curses = true, .color = t->color, .width = COLS, .height = LINES };

	erase();
	if (t->show_help)
		help_draw(&c);
	else if (t->detail)
		detail_draw(t, &c);
	else
		draw_widgets(t, &c, LINES - 1);
	status_draw(t, &c, LINES - 1);
	refresh();
}

void
lbtop_print_plain(struct lbtop *t, int width)
{
	struct canvas c = { .curses = false, .width = width };
	int y = 0;

	/* enough lines for everything: no scrolling in text mode */
	c.height = 3 + 3 * 2 + (int)t->nrows + 1;
	c.lines = calloc((size_t)c.height, sizeof(*c.lines));
	if (!c.lines)
		return;
	for (int i = 0; i < c.height; i++) {
		c.lines[i] = malloc((size_t)width + 1);
		if (!c.lines[i])
			goto out;
		memset(c.lines[i], ' ', (size_t)width);
		c.lines[i][width] = '\0';
	}
	for (size_t i = 0; i < LB_ARRAY_SIZE(widgets); i++) {
		int h = widgets[i].type == LBTOP_SRV && widgets[i].draw == table_draw ?
			1 + table_count(t, LBTOP_SRV) :
			widgets[i].height(t, &widgets[i], c.height - y);
		widgets[i].draw(t, &widgets[i], &c, y, h);
		y += h;
	}
	for (int i = 0; i < y && i < c.height; i++) {
		int end = width;
		while (end > 0 && c.lines[i][end - 1] == ' ')
			end--;
		printf("%.*s\n", end, c.lines[i]);
	}
out:
	for (int i = 0; i < c.height; i++)
		free(c.lines[i]);
	free(c.lines);
}

/* lbctl/render.c: showing replies: aligned tables, key/value lists, CSV, JSON
 *
 * Replies are generic msgpack data; the command table's render column says which shape to
 * expect. Colour marks states by role (good, warning, bad) and headers, and is only ever
 * emitted when the caller decided the output is a terminal that wants it.
 */
#include "lbctl.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_GOOD "\033[32m"
#define C_WARN "\033[33m"
#define C_BAD "\033[31m"

/* State words and the role their colour shows. */
static const struct {
	const char *word;
	const char *color;
} state_colors[] = {
	{ "UP", C_GOOD }, { "up", C_GOOD }, { "ready", C_GOOD }, { "OPEN", C_GOOD },
	{ "DRAIN", C_WARN }, { "drain", C_WARN }, { "NOLB", C_WARN },
	{ "DOWN", C_BAD }, { "down", C_BAD }, { "MAINT", C_BAD }, { "maint", C_BAD },
	{ "STOP", C_BAD },
};

static const char *
color_of(const char *cell)
{
	for (size_t i = 0; i < LB_ARRAY_SIZE(state_colors); i++)
		if (strcmp(cell, state_colors[i].word) == 0)
			return state_colors[i].color;
	return NULL;
}

/* A scalar as text (containers as a short marker). Returns buf. */
static const char *
cell_text(const msgpack_object *o, char *buf, size_t len)
{
	if (!o) {
		snprintf(buf, len, "-");
		return buf;
	}
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		snprintf(buf, len, "-");
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		snprintf(buf, len, "%s", o->via.boolean ? "yes" : "no");
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		snprintf(buf, len, "%" PRIu64, o->via.u64);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		snprintf(buf, len, "%" PRId64, o->via.i64);
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		snprintf(buf, len, "%.3g", o->via.f64);
		break;
	case MSGPACK_OBJECT_STR:
		snprintf(buf, len, "%.*s", (int)o->via.str.size, o->via.str.ptr);
		break;
	case MSGPACK_OBJECT_ARRAY:
		snprintf(buf, len, "[%u]", o->via.array.size);
		break;
	case MSGPACK_OBJECT_MAP:
		snprintf(buf, len, "{%u}", o->via.map.size);
		break;
	default:
		snprintf(buf, len, "?");
	}
	return buf;
}

static bool
is_number(const msgpack_object *o)
{
	return o && (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ||
		     o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER ||
		     o->type == MSGPACK_OBJECT_FLOAT32 || o->type == MSGPACK_OBJECT_FLOAT64);
}

/* --- tables --- */

#define MAX_COLS 96

struct table {
	char names[MAX_COLS][48];
	size_t width[MAX_COLS];
	bool numeric[MAX_COLS];
	unsigned ncols;
};

static int
col_index(const struct table *t, const char *name, size_t len)
{
	for (unsigned i = 0; i < t->ncols; i++)
		if (strlen(t->names[i]) == len && memcmp(t->names[i], name, len) == 0)
			return (int)i;
	return -1;
}

static void
add_col(struct table *t, const char *name, size_t len)
{
	if (t->ncols >= MAX_COLS || len >= sizeof(t->names[0]) || col_index(t, name, len) >= 0)
		return;
	memcpy(t->names[t->ncols], name, len);
	t->names[t->ncols][len] = '\0';
	t->width[t->ncols] = len;
	t->numeric[t->ncols] = true;
	t->ncols++;
}

void
lbctl_render_table(FILE *out, const msgpack_object *rows, const char *const *cols, bool color)
{
	struct table *t;
	char cell[256];

	if (!rows || rows->type != MSGPACK_OBJECT_ARRAY) {
		if (rows && rows->type != MSGPACK_OBJECT_NIL)
			lbctl_render_json(out, rows);
		return;
	}
	if (rows->via.array.size == 0) {
		fprintf(out, "(none)\n");
		return;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return;
	if (cols) {
		for (size_t i = 0; cols[i]; i++)
			add_col(t, cols[i], strlen(cols[i]));
	} else {
		for (uint32_t r = 0; r < rows->via.array.size; r++) {
			const msgpack_object *row = &rows->via.array.ptr[r];
			if (row->type != MSGPACK_OBJECT_MAP)
				continue;
			for (uint32_t k = 0; k < row->via.map.size; k++) {
				const msgpack_object *key = &row->via.map.ptr[k].key;
				if (key->type == MSGPACK_OBJECT_STR)
					add_col(t, key->via.str.ptr, key->via.str.size);
			}
		}
	}
	/* widths, and whether a column is numeric (right-aligned) */
	for (uint32_t r = 0; r < rows->via.array.size; r++) {
		const msgpack_object *row = &rows->via.array.ptr[r];
		for (unsigned c = 0; c < t->ncols; c++) {
			const msgpack_object *v = lb_ctl_map_get(row, t->names[c]);
			size_t w = strlen(cell_text(v, cell, sizeof(cell)));
			t->width[c] = LB_MAX(t->width[c], w);
			if (v && !is_number(v) && v->type != MSGPACK_OBJECT_NIL)
				t->numeric[c] = false;
		}
	}
	for (unsigned c = 0; c < t->ncols; c++)
		fprintf(out, "%s%s%-*s%s", c ? "  " : "", color ? C_BOLD : "",
			c + 1 < t->ncols || t->numeric[c] ? (int)t->width[c] : 0, t->names[c],
			color ? C_RESET : "");
	fputc('\n', out);
	for (uint32_t r = 0; r < rows->via.array.size; r++) {
		const msgpack_object *row = &rows->via.array.ptr[r];
		for (unsigned c = 0; c < t->ncols; c++) {
			const msgpack_object *v = lb_ctl_map_get(row, t->names[c]);
			const char *txt = cell_text(v, cell, sizeof(cell));
			const char *col = color ? color_of(txt) : NULL;
			int w = (int)t->width[c];

			if (c)
				fputs("  ", out);
			if (col)
				fputs(col, out);
			if (t->numeric[c])
				fprintf(out, "%*s", w, txt);
			else
				fprintf(out, "%-*s", c + 1 < t->ncols ? w : 0, txt);
			if (col)
				fputs(C_RESET, out);
		}
		fputc('\n', out);
	}
	free(t);
}

void
lbctl_render_kv(FILE *out, const msgpack_object *map, bool color)
{
	size_t w = 0;
	char cell[512];

	if (!map || map->type != MSGPACK_OBJECT_MAP) {
		if (map && map->type != MSGPACK_OBJECT_NIL)
			lbctl_render_json(out, map);
		return;
	}
	for (uint32_t i = 0; i < map->via.map.size; i++)
		if (map->via.map.ptr[i].key.type == MSGPACK_OBJECT_STR)
			w = LB_MAX(w, map->via.map.ptr[i].key.via.str.size);
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;
		const char *txt = cell_text(&map->via.map.ptr[i].val, cell, sizeof(cell));
		const char *col = color ? color_of(txt) : NULL;

		if (k->type != MSGPACK_OBJECT_STR)
			continue;
		fprintf(out, "%s%.*s:%s%*s %s%s%s\n", color ? C_BOLD : "", (int)k->via.str.size,
			k->via.str.ptr, color ? C_RESET : "", (int)(w - k->via.str.size), "",
			col ? col : "", txt, col ? C_RESET : "");
	}
}

/* --- CSV in HAProxy's "show stat" layout --- */

static void
csv_cell(FILE *out, const msgpack_object *v)
{
	char cell[512];
	const char *txt;

	if (!v || v->type == MSGPACK_OBJECT_NIL)
		return;
	txt = cell_text(v, cell, sizeof(cell));
	if (!strpbrk(txt, ",\"\r\n")) {
		fputs(txt, out);
		return;
	}
	fputc('"', out);
	for (const char *p = txt; *p; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	fputc('"', out);
}

void
lbctl_render_csv(FILE *out, const msgpack_object *rows)
{
	fputs("# ", out);
	for (size_t c = 0; c < lb_ctl_nstat_cols; c++)
		fprintf(out, "%s,", lb_ctl_stat_cols[c]);
	fputc('\n', out);
	if (!rows || rows->type != MSGPACK_OBJECT_ARRAY)
		return;
	for (uint32_t r = 0; r < rows->via.array.size; r++) {
		for (size_t c = 0; c < lb_ctl_nstat_cols; c++) {
			csv_cell(out, lb_ctl_map_get(&rows->via.array.ptr[r], lb_ctl_stat_cols[c]));
			fputc(',', out);
		}
		fputc('\n', out);
	}
}

/* --- JSON --- */

static void
json_str(FILE *out, const char *s, size_t n)
{
	fputc('"', out);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		switch (ch) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (ch < 0x20 || ch == 0x7f)
				fprintf(out, "\\u%04x", ch);
			else
				fputc(ch, out);
		}
	}
	fputc('"', out);
}

static void
json_obj(FILE *out, const msgpack_object *o)
{
	char buf[64];

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		fputs("null", out);
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		fputs(o->via.boolean ? "true" : "false", out);
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		fprintf(out, "%" PRIu64, o->via.u64);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		fprintf(out, "%" PRId64, o->via.i64);
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		if (isfinite(o->via.f64))
			fprintf(out, "%.17g", o->via.f64);
		else
			fputs("null", out);
		break;
	case MSGPACK_OBJECT_STR:
		json_str(out, o->via.str.ptr, o->via.str.size);
		break;
	case MSGPACK_OBJECT_BIN:
		fputc('"', out);
		for (uint32_t i = 0; i < o->via.bin.size; i++)
			fprintf(out, "%02x", (unsigned char)o->via.bin.ptr[i]);
		fputc('"', out);
		break;
	case MSGPACK_OBJECT_ARRAY:
		fputc('[', out);
		for (uint32_t i = 0; i < o->via.array.size; i++) {
			if (i)
				fputc(',', out);
			json_obj(out, &o->via.array.ptr[i]);
		}
		fputc(']', out);
		break;
	case MSGPACK_OBJECT_MAP:
		fputc('{', out);
		for (uint32_t i = 0; i < o->via.map.size; i++) {
			const msgpack_object *k = &o->via.map.ptr[i].key;
			if (i)
				fputc(',', out);
			if (k->type == MSGPACK_OBJECT_STR) {
				json_str(out, k->via.str.ptr, k->via.str.size);
			} else {
				cell_text(k, buf, sizeof(buf));
				json_str(out, buf, strlen(buf));
			}
			fputc(':', out);
			json_obj(out, &o->via.map.ptr[i].val);
		}
		fputc('}', out);
		break;
	default:
		fputs("null", out);
	}
}

void
lbctl_render_json(FILE *out, const msgpack_object *o)
{
	json_obj(out, o);
	fputc('\n', out);
}

/* --- per command --- */

/* The compact human view of show stats (all columns: --csv or --json). */
static const char *const stats_cols[] = {
	"pxname", "svname", "status", "weight", "scur", "qcur", "stot", "req_tot", "hrsp_2xx",
	"hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "econ", "eresp", "bin", "bout", "p50", "p99", NULL,
};

/* show errors: a header per entry, then the escaped capture cut into lines after each \n
 * (and at 64 columns), each prefixed with the message offset of its first byte (as HAProxy
 * shows them). */
static void
render_errors(FILE *out, const msgpack_object *rows, bool color)
{
	char time[64], dir[16], proxy[128], fe[128], be[128], srv[128], cli[96], reason[256];
	uint64_t status, off, len, cstart;

	if (rows->type != MSGPACK_OBJECT_ARRAY)
		return;
	for (uint32_t i = 0; i < rows->via.array.size; i++) {
		const msgpack_object *e = &rows->via.array.ptr[i];
		const msgpack_object *cap = lb_ctl_map_get(e, "capture");
		uint64_t pos;

		if (!lb_ctl_obj_str(lb_ctl_map_get(e, "time"), time, sizeof(time)) ||
		    !lb_ctl_obj_str(lb_ctl_map_get(e, "dir"), dir, sizeof(dir)) ||
		    !lb_ctl_obj_str(lb_ctl_map_get(e, "proxy"), proxy, sizeof(proxy)) ||
		    !lb_ctl_obj_str(lb_ctl_map_get(e, "frontend"), fe, sizeof(fe)) ||
		    !lb_ctl_obj_str(lb_ctl_map_get(e, "backend"), be, sizeof(be)) ||
		    !lb_ctl_obj_str(lb_ctl_map_get(e, "server"), srv, sizeof(srv)) ||
		    !lb_ctl_obj_str(lb_ctl_map_get(e, "client"), cli, sizeof(cli)) ||
		    !lb_ctl_obj_str(lb_ctl_map_get(e, "reason"), reason, sizeof(reason)) ||
		    !lb_ctl_obj_u64(lb_ctl_map_get(e, "status"), &status) ||
		    !lb_ctl_obj_u64(lb_ctl_map_get(e, "offset"), &off) ||
		    !lb_ctl_obj_u64(lb_ctl_map_get(e, "length"), &len) ||
		    !lb_ctl_obj_u64(lb_ctl_map_get(e, "capture_start"), &cstart))
			continue;
		fprintf(out, "%s[%s] %s %s%s: invalid %s (%" PRIu64 ") from %s%s\n",
			i ? "\n" : "", time, strcmp(dir, "request") == 0 ? "frontend" : "backend",
			color ? C_BOLD : "", proxy, dir, status, cli, color ? C_RESET : "");
		fprintf(out, "  frontend %s, backend %s, server %s\n", fe, be, srv);
		fprintf(out, "  reason: %s; fault at byte %" PRIu64 " of %" PRIu64 "\n", reason, off,
			len);
		if (!cap || cap->type != MSGPACK_OBJECT_STR || !cap->via.str.size)
			continue;
		pos = cstart;
		const char *p = cap->via.str.ptr, *end = p + cap->via.str.size;
		while (p < end) {
			const char *q = p;
			uint64_t bytes = 0;
			/* up to and including an escaped newline, 64 columns at most */
			while (q < end && q - p < 64) {
				if (*q == '\\' && q + 1 < end) {
					bool nl = q[1] == 'n';
					q += q[1] == 'x' ? 4 : 2;
					bytes++;
					if (nl)
						break;
				} else {
					q++;
					bytes++;
				}
			}
			if (q > end)
				q = end;
			fprintf(out, "  %05" PRIu64 "  %.*s\n", pos, (int)(q - p), p);
			pos += bytes;
			p = q;
		}
	}
}

/* show config: each file after a "# path" line, its text as is; show servers state: the
 * text alone (no path). */
static void
render_text(FILE *out, const msgpack_object *rows)
{
	char path[4096], note[256];

	if (rows->type != MSGPACK_OBJECT_ARRAY)
		return;
	for (uint32_t i = 0; i < rows->via.array.size; i++) {
		const msgpack_object *e = &rows->via.array.ptr[i];
		const msgpack_object *text = lb_ctl_map_get(e, "text");

		if (!lb_ctl_obj_str(lb_ctl_map_get(e, "note"), note, sizeof(note)))
			note[0] = '\0';
		if (lb_ctl_obj_str(lb_ctl_map_get(e, "path"), path, sizeof(path)))
			fprintf(out, "# %s%s%s%s\n", path, note[0] ? " (" : "", note,
				note[0] ? ")" : "");
		else if (!text)
			continue;
		if (text && text->type == MSGPACK_OBJECT_STR && text->via.str.size) {
			fwrite(text->via.str.ptr, 1, text->via.str.size, out);
			if (text->via.str.ptr[text->via.str.size - 1] != '\n')
				fputc('\n', out);
		}
	}
}

void
lbctl_render(FILE *out, const struct lbctl *ctl, const struct lb_ctl_cmd *cmd, unsigned flags,
	     const struct lb_ctl_reply *rep)
{
	if (ctl->json) {
		fprintf(out, "{\"id\":%" PRIu64 ",\"status\":%d,\"msg\":", rep->id, rep->status);
		json_str(out, rep->msg, strlen(rep->msg));
		fputs(",\"data\":", out);
		json_obj(out, &rep->data);
		fputs("}\n", out);
		return;
	}
	if (rep->msg[0])
		fprintf(out, "%s\n", rep->msg);
	switch (cmd->render) {
	case LB_CTL_R_MSG:
		if (rep->data.type != MSGPACK_OBJECT_NIL)
			lbctl_render_json(out, &rep->data);
		break;
	case LB_CTL_R_KV:
		lbctl_render_kv(out, &rep->data, ctl->color);
		break;
	case LB_CTL_R_TABLE:
		lbctl_render_table(out, &rep->data, NULL, ctl->color);
		break;
	case LB_CTL_R_STATS:
		if (lb_ctl_cmd_flag(cmd, flags, "--csv"))
			lbctl_render_csv(out, &rep->data);
		else
			lbctl_render_table(out, &rep->data, stats_cols, ctl->color);
		break;
	case LB_CTL_R_LIST: {
		const msgpack_object *rows = lb_ctl_map_get(&rep->data, "rows");
		if (rows)
			lbctl_render_table(out, rows, NULL, ctl->color);
		break;
	}
	case LB_CTL_R_ERRORS:
		render_errors(out, &rep->data, ctl->color);
		break;
	case LB_CTL_R_TEXT:
		render_text(out, &rep->data);
		break;
	}
}

/* common/ctl_cmds.c: the control command table, its argument-spec checker and completion
 *
 * The "args" column of ctl_cmds.def is both the usage text people read and the spec the
 * checker interprets, so the two cannot drift apart. Specs are tiny (a few tokens), so they
 * are re-read on every use instead of being compiled into another table.
 */
#include "ctl_cmds.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

const struct lb_ctl_cmd lb_ctl_cmds[LB_CTL_CMD__COUNT] = {
#define LB_CTL_CMD(id_, name_, level_, args_, render_, help_) \
	[LB_CTL_CMD_##id_] = { .id = LB_CTL_CMD_##id_, .name = name_, \
			       .level = LB_CTL_LEVEL_##level_, .args = args_, \
			       .render = render_, .help = help_ },
#include "ctl_cmds.def"
#undef LB_CTL_CMD
};

const struct lb_ctl_cmd *
lb_ctl_cmd_find(const char *name)
{
	for (size_t i = 0; i < LB_CTL_CMD__COUNT; i++)
		if (strcmp(lb_ctl_cmds[i].name, name) == 0)
			return &lb_ctl_cmds[i];
	return NULL;
}

int
lb_ctl_cmd_nwords(const struct lb_ctl_cmd *c)
{
	int n = 1;

	for (const char *p = c->name; *p; p++)
		if (*p == ' ')
			n++;
	return n;
}

/* Does the name start with the words argv[0..n)? (whole words only) */
static bool
name_has_words(const char *name, int n, char *const *argv)
{
	const char *p = name;

	for (int i = 0; i < n; i++) {
		size_t len = strlen(argv[i]);
		if (strncmp(p, argv[i], len) != 0 || (p[len] != ' ' && p[len] != '\0'))
			return false;
		p += len;
		if (*p == ' ')
			p++;
		else if (i + 1 < n)
			return false;
	}
	return true;
}

const struct lb_ctl_cmd *
lb_ctl_cmd_match(int argc, char *const *argv, int *nwords)
{
	const struct lb_ctl_cmd *best = NULL;
	int bestn = 0;

	for (size_t i = 0; i < LB_CTL_CMD__COUNT; i++) {
		int n = lb_ctl_cmd_nwords(&lb_ctl_cmds[i]);
		if (n <= argc && n > bestn && name_has_words(lb_ctl_cmds[i].name, n, argv)) {
			best = &lb_ctl_cmds[i];
			bestn = n;
		}
	}
	if (nwords)
		*nwords = bestn;
	return best;
}

const struct lb_ctl_cmd *
lb_ctl_cmd_suggest(const char *name)
{
	const struct lb_ctl_cmd *best = NULL;
	unsigned bestd = 3;	/* at most 2 edits away, as "did you mean" elsewhere in lb */

	for (size_t i = 0; i < LB_CTL_CMD__COUNT; i++) {
		unsigned d = lb_levenshtein(name, lb_ctl_cmds[i].name);
		if (d < bestd) {
			bestd = d;
			best = &lb_ctl_cmds[i];
		}
	}
	return best;
}

bool
lb_ctl_cmd_allowed(const struct lb_ctl_cmd *c, enum lb_ctl_level have)
{
	return have >= c->level;
}

/* --- the spec --- */

static int
classify(struct lb_ctl_arg *a)
{
	const char *t = a->text;

	if (strcmp(t, "<backend>") == 0)
		a->type = LB_CTL_ARG_BACKEND;
	else if (strcmp(t, "<be/srv>") == 0)
		a->type = LB_CTL_ARG_SERVER;
	else if (strcmp(t, "<n>") == 0)
		a->type = LB_CTL_ARG_UINT;
	else if (strcmp(t, "<n|n%>") == 0)
		a->type = LB_CTL_ARG_WEIGHT;
	else if (strcmp(t, "<command>...") == 0)
		a->type = LB_CTL_ARG_WORDS;
	else if (strcmp(t, "<id>") == 0)
		a->type = LB_CTL_ARG_ID;
	else if (strcmp(t, "<time>") == 0)
		a->type = LB_CTL_ARG_TIME;
	else if (strcmp(t, "<be/name>") == 0)
		a->type = LB_CTL_ARG_NEW_SERVER;
	else if (strcmp(t, "<addr:port>") == 0)
		a->type = LB_CTL_ARG_ADDR;
	else if (strcmp(t, "<option>...") == 0)
		a->type = LB_CTL_ARG_OPTIONS;
	else if (!strcmp(t, "<file>") || !strcmp(t, "<pattern>") || !strcmp(t, "<key>") ||
		 !strcmp(t, "<table>"))
		a->type = LB_CTL_ARG_TEXT;
	else if (!strcmp(t, "<pattern>...") || !strcmp(t, "<value>...") ||
		 !strcmp(t, "<filter>...") || !strcmp(t, "<data>...") || !strcmp(t, "<pem>..."))
		a->type = LB_CTL_ARG_TEXT_REST;
	else if (strcmp(t, "@<ver>") == 0)
		a->type = LB_CTL_ARG_VER;
	else if (strncmp(t, "--", 2) == 0 && t[2])
		a->type = LB_CTL_ARG_FLAG;
	else if (t[0] && t[0] != '<' && t[0] != '[' && !strchr(t, ' '))
		a->type = LB_CTL_ARG_CHOICE;	/* one word or a|b|c */
	else
		return -1;
	return 0;
}

int
lb_ctl_cmd_arg(const struct lb_ctl_cmd *c, int i, struct lb_ctl_arg *out)
{
	const char *p = c->args;

	for (int k = 0; *p; k++) {
		const char *end;
		size_t len;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		end = strchr(p, ' ');
		len = end ? (size_t)(end - p) : strlen(p);
		if (k == i) {
			out->optional = p[0] == '[';
			if (out->optional) {
				if (len < 3 || p[len - 1] != ']')
					return -1;
				p++;
				len -= 2;
			}
			if (len >= sizeof(out->text))
				return -1;
			memcpy(out->text, p, len);
			out->text[len] = '\0';
			return classify(out);
		}
		p += len;
	}
	return -1;
}

int
lb_ctl_parse_uint(const char *s, long long max, long long *out)
{
	long long v = 0;

	if (!*s || strlen(s) > 18)
		return -1;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int
lb_ctl_parse_weight(const char *s, int *val, bool *percent)
{
	size_t len = strlen(s);
	char num[24];
	long long v;

	*percent = len > 0 && s[len - 1] == '%';
	if (*percent)
		len--;
	if (len == 0 || len >= sizeof(num))
		return -1;
	memcpy(num, s, len);
	num[len] = '\0';
	if (lb_ctl_parse_uint(num, *percent ? 100 : LB_CTL_WEIGHT_MAX, &v) < 0)
		return -1;
	*val = (int)v;
	return 0;
}

int
lb_ctl_parse_id(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || strlen(s) > 20)
		return -1;
	for (const char *p = s; *p; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (!isdigit((unsigned char)*p) || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v == 0)
		return -1;
	*out = v;
	return 0;
}

int
lb_ctl_parse_time(const char *s, long long *ms)
{
	long long v;

	if (lb_parse_time_ms(s, &v) < 0 || v < 0 || v > 24LL * 3600 * 1000)
		return -1;
	*ms = v;
	return 0;
}

static bool
choice_has(const char *choices, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = choices; *p;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && strncmp(p, word, n) == 0)
			return true;
		p += len;
		if (*p == '|')
			p++;
	}
	return false;
}

/* Checks one positional value; returns 0 or -1 with the reason in err. */
static int
check_value(const struct lb_ctl_arg *a, const char *v, char *err, size_t errlen)
{
	const char *slash;
	long long n;
	bool pct;
	int w;

	switch (a->type) {
	case LB_CTL_ARG_BACKEND:
		if (!*v || strchr(v, '/')) {
			snprintf(err, errlen, "'%s' is not a backend name", v);
			return -1;
		}
		return 0;
	case LB_CTL_ARG_SERVER:
	case LB_CTL_ARG_NEW_SERVER:
		slash = strchr(v, '/');
		if (!slash || slash == v || !slash[1] || strchr(slash + 1, '/')) {
			snprintf(err, errlen, "'%s' is not <backend>/<server>", v);
			return -1;
		}
		return 0;
	case LB_CTL_ARG_UINT:
		if (lb_ctl_parse_uint(v, LB_CTL_MAXCONN_MAX, &n) < 0) {
			snprintf(err, errlen, "'%s' is not an integer in 0..%d", v,
				 LB_CTL_MAXCONN_MAX);
			return -1;
		}
		return 0;
	case LB_CTL_ARG_WEIGHT:
		if (lb_ctl_parse_weight(v, &w, &pct) < 0) {
			snprintf(err, errlen, "'%s' is not a weight (0..%d, or 0%%..100%%)", v,
				 LB_CTL_WEIGHT_MAX);
			return -1;
		}
		return 0;
	case LB_CTL_ARG_CHOICE:
		if (!choice_has(a->text, v)) {
			snprintf(err, errlen, "'%s' is not one of %s", v, a->text);
			return -1;
		}
		return 0;
	case LB_CTL_ARG_ID: {
		uint64_t id;
		if (lb_ctl_parse_id(v, &id) < 0) {
			snprintf(err, errlen, "'%s' is not a session id", v);
			return -1;
		}
		return 0;
	}
	case LB_CTL_ARG_TIME: {
		long long ms;
		if (lb_ctl_parse_time(v, &ms) < 0) {
			snprintf(err, errlen, "'%s' is not a delay (e.g. 500ms, 10s, 2m; 24h at "
				 "most)", v);
			return -1;
		}
		return 0;
	}
	case LB_CTL_ARG_ADDR:
		/* a port or a unix socket path; lbd checks the rest (numeric only) */
		if (!strchr(v, ':') && v[0] != '/' && strncmp(v, "unix@", 5) != 0) {
			snprintf(err, errlen, "'%s' is not <addr>:<port> (or unix@<path>)", v);
			return -1;
		}
		return 0;
	case LB_CTL_ARG_VER:
		if (v[0] != '@' || lb_ctl_parse_uint(v + 1, 1LL << 31, &n) < 0) {
			snprintf(err, errlen, "'%s' is not a version (@<n>, from prepare)", v);
			return -1;
		}
		return 0;
	case LB_CTL_ARG_TEXT:
	case LB_CTL_ARG_TEXT_REST:
	case LB_CTL_ARG_WORDS:
	case LB_CTL_ARG_OPTIONS:
	case LB_CTL_ARG_FLAG:
		return 0;
	}
	return -1;
}

int
lb_ctl_cmd_check_args(const struct lb_ctl_cmd *c, int argc, char *const *argv,
		      unsigned *flags, char *err, size_t errlen)
{
	struct lb_ctl_arg spec[16], pos[16];
	int nspec = 0, npos = 0, nreq = 0, got = 0;
	char why[256];

	*flags = 0;
	while (nspec < (int)LB_ARRAY_SIZE(spec) && lb_ctl_cmd_arg(c, nspec, &spec[nspec]) == 0) {
		if (spec[nspec].type != LB_CTL_ARG_FLAG) {
			pos[npos++] = spec[nspec];
			if (!spec[nspec].optional)
				nreq = npos;
		}
		nspec++;
	}
	why[0] = '\0';
	for (int i = 0; i < argc && !why[0]; i++) {
		const char *v = argv[i];
		bool rest = got > 0 && (pos[got - 1].type == LB_CTL_ARG_WORDS ||
					pos[got - 1].type == LB_CTL_ARG_OPTIONS ||
					pos[got - 1].type == LB_CTL_ARG_TEXT_REST);

		if (!rest && v[0] == '-' && v[1] == '-') {
			int k, fl = 0;
			for (k = 0; k < nspec; k++) {
				if (spec[k].type != LB_CTL_ARG_FLAG)
					continue;
				if (strcmp(spec[k].text, v) == 0)
					break;
				fl++;
			}
			if (k == nspec)
				snprintf(why, sizeof(why), "unknown option '%s'", v);
			else
				*flags |= 1u << fl;
			continue;
		}
		if (rest)
			continue;
		if (got >= npos) {
			snprintf(why, sizeof(why), "too many arguments ('%s')", v);
			break;
		}
		if (check_value(&pos[got], v, why, sizeof(why)) < 0)
			break;
		got++;
	}
	if (!why[0] && got < nreq)
		snprintf(why, sizeof(why), "missing argument %s", pos[got].text);
	if (!why[0])
		return 0;
	snprintf(err, errlen, "%s; usage: %s%s%s", why, c->name, c->args[0] ? " " : "", c->args);
	return -1;
}

bool
lb_ctl_cmd_flag(const struct lb_ctl_cmd *c, unsigned flags, const char *flag)
{
	struct lb_ctl_arg a;
	int bit = 0;

	for (int k = 0; lb_ctl_cmd_arg(c, k, &a) == 0; k++) {
		if (a.type != LB_CTL_ARG_FLAG)
			continue;
		if (strcmp(a.text, flag) == 0)
			return (flags >> bit) & 1u;
		bit++;
	}
	return false;
}

/* --- completion --- */

void
lb_ctl_completion_offer(struct lb_ctl_completion *comp, const char *word)
{
	const char *p = comp->partial ? comp->partial : "";

	if (strncmp(word, p, strlen(p)) == 0)
		comp->add(comp->ctx, word);
}

/* Offers the next word of every command name that starts with words[0..n). */
static void
complete_name(struct lb_ctl_completion *comp, int n, char *const *words)
{
	char seen[LB_CTL_CMD__COUNT][32];
	unsigned nseen = 0;

	for (size_t i = 0; i < LB_CTL_CMD__COUNT; i++) {
		const struct lb_ctl_cmd *c = &lb_ctl_cmds[i];
		const char *p = c->name;
		char w[32];
		size_t len;
		unsigned k;

		if (lb_ctl_cmd_nwords(c) <= n || !name_has_words(c->name, n, words))
			continue;
		for (int skip = 0; skip < n; skip++)
			p = strchr(p, ' ') + 1;
		len = strcspn(p, " ");
		if (len >= sizeof(w))
			continue;
		memcpy(w, p, len);
		w[len] = '\0';
		for (k = 0; k < nseen; k++)
			if (strcmp(seen[k], w) == 0)
				break;
		if (k < nseen)
			continue;
		memcpy(seen[nseen++], w, len + 1);
		lb_ctl_completion_offer(comp, w);
	}
}

void
lb_ctl_complete(struct lb_ctl_completion *comp, int nwords, char *const *words)
{
	const struct lb_ctl_cmd *c;
	struct lb_ctl_arg a;
	int used, posidx = 0, k, npos = 0;

	c = lb_ctl_cmd_match(nwords, words, &used);
	if (!c) {
		complete_name(comp, nwords, words);
		return;
	}
	/* a longer command may still match ("server" vs "server state"): offer both */
	if (used == nwords)
		complete_name(comp, nwords, words);
	for (int i = used; i < nwords; i++)
		if (strncmp(words[i], "--", 2) != 0)
			posidx++;
	for (k = 0; lb_ctl_cmd_arg(c, k, &a) == 0; k++) {
		if (a.type == LB_CTL_ARG_FLAG) {
			bool present = false;
			for (int i = used; i < nwords; i++)
				present |= strcmp(words[i], a.text) == 0;
			if (!present && comp->partial && comp->partial[0] == '-')
				lb_ctl_completion_offer(comp, a.text);
			continue;
		}
		if (npos++ != posidx && a.type != LB_CTL_ARG_WORDS && a.type != LB_CTL_ARG_OPTIONS)
			continue;
		if (npos - 1 > posidx)
			continue;
		switch (a.type) {
		case LB_CTL_ARG_BACKEND:
		case LB_CTL_ARG_SERVER:
		case LB_CTL_ARG_NEW_SERVER:
			if (comp->live)
				comp->live(comp, a.type);
			break;
		case LB_CTL_ARG_CHOICE: {
			char buf[sizeof(a.text)];
			char *save = NULL;
			memcpy(buf, a.text, sizeof(buf));
			for (char *w = strtok_r(buf, "|", &save); w; w = strtok_r(NULL, "|", &save))
				lb_ctl_completion_offer(comp, w);
			break;
		}
		case LB_CTL_ARG_WORDS:
			complete_name(comp, nwords - used, words + used);
			break;
		default:
			break;
		}
	}
}

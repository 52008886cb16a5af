/* common/acl_conv.c: converters (",lower", ",field(2,/)", ...) applied to samples
 *
 * The sample is cast to the row's input type before the call; output that differs from the
 * input is written to the evaluation's scratch space (struct lb_acl_run), never malloc'd.
 */
#include "acl_priv.h"

#include <ctype.h>
#include <string.h>

#include "base64.h"
#include "stktable_acl.h"
#include "util.h"

static bool
c_lower(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *smp)
{
	char *o = lb_acl_run_alloc(run, smp->len);

	(void)a;
	if (!o)
		return false;
	for (size_t i = 0; i < smp->len; i++)
		o[i] = (char)tolower((unsigned char)smp->s[i]);
	smp->s = o;
	return true;
}

static bool
c_upper(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *smp)
{
	char *o = lb_acl_run_alloc(run, smp->len);

	(void)a;
	if (!o)
		return false;
	for (size_t i = 0; i < smp->len; i++)
		o[i] = (char)toupper((unsigned char)smp->s[i]);
	smp->s = o;
	return true;
}

static bool
c_length(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *smp)
{
	(void)run, (void)a;
	smp->type = LB_SMP_INT;
	smp->i = (int64_t)smp->len;
	return true;
}

static bool
c_hex(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *smp)
{
	static const char digits[] = "0123456789ABCDEF";
	char *o = lb_acl_run_alloc(run, smp->len * 2);

	(void)a;
	if (!o)
		return false;
	for (size_t i = 0; i < smp->len; i++) {
		o[2 * i] = digits[(unsigned char)smp->s[i] >> 4];
		o[2 * i + 1] = digits[(unsigned char)smp->s[i] & 15];
	}
	smp->s = o;
	smp->len *= 2;
	return true;
}

static bool
c_base64(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *smp)
{
	char *out = lb_acl_run_alloc(run, (smp->len + 2) / 3 * 4 + 1);

	(void)a;
	if (!out)
		return false;
	smp->len = lb_base64_encode((const unsigned char *)smp->s, smp->len, out);
	smp->s = out;
	return true;
}

static bool
c_b64dec(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *smp)
{
	char *out;
	long n;

	(void)a;
	/* HAProxy's b64dec wants whole 4-character groups */
	if (smp->len % 4 || !(out = lb_acl_run_alloc(run, smp->len * 3 / 4 + 3)))
		return false;
	n = lb_base64_decode(smp->s, smp->len, (unsigned char *)out);
	if (n < 0)
		return false;
	smp->s = out;
	smp->len = (size_t)n;
	return true;
}

/* url_dec([in_form]): %XX decoding; '+' becomes a space when in_form is non-zero or when a
 * '?' was seen before it (HAProxy's rule for the query part). */
static bool
c_url_dec(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *smp)
{
	char *out = lb_acl_run_alloc(run, smp->len);
	bool plus = a[0].kind && a[0].i;
	size_t o = 0;

	if (!out)
		return false;
	for (size_t i = 0; i < smp->len; i++) {
		char c = smp->s[i];
		if (c == '?')
			plus = true;
		if (c == '%') {
			int h, l;
			if (i + 2 >= smp->len || (h = lb_hexval((unsigned char)smp->s[i + 1])) < 0 ||
			    (l = lb_hexval((unsigned char)smp->s[i + 2])) < 0)
				return false;
			c = (char)(h * 16 + l);
			i += 2;
		} else if (c == '+' && plus) {
			c = ' ';
		}
		out[o++] = c;
	}
	smp->s = out;
	smp->len = o;
	return true;
}

/* ipmask(mask4[,mask6]): keeps the network part of the address. */
static bool
c_ipmask(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *smp)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	bool v4 = !memcmp(smp->ip, mapped, 12);
	long long bits;

	(void)run;
	if (v4)
		bits = 96 + a[0].i;
	else if (a[1].kind)
		bits = a[1].i;
	else
		return false;	/* HAProxy: no IPv6 mask, no sample */
	for (int b = (int)bits; b < 128; b++)
		smp->ip[b >> 3] &= (uint8_t)~(0x80 >> (b & 7));
	return true;
}

/* field(n,delims[,count]) and word(n,delims[,count]): n counts from 1, negative from the
 * end; field keeps empty fields, word skips them. */
static bool
split_pick(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *smp, bool words)
{
	const char *s = smp->s, *e = s + smp->len;
	const char *delims = a[1].s;
	size_t dl = a[1].len;
	long long n = a[0].i, count = a[2].kind ? a[2].i : 1;
	const char *starts[256], *ends[256];
	int nf = 0;
	const char *p = s;

	(void)run;
	while (p <= e && nf < 256) {
		const char *q = p;
		while (q < e && !memchr(delims, *q, dl))
			q++;
		if (!words || q > p) {
			starts[nf] = p;
			ends[nf] = q;
			nf++;
		}
		if (q >= e)
			break;
		p = q + 1;
	}
	if (n < 0)
		n = nf + n + 1;
	if (n < 1 || n > nf)
		return false;
	if (count == 0 || n - 1 + count > nf)
		count = nf - n + 1;
	smp->s = starts[n - 1];
	smp->len = (size_t)(ends[n - 1 + count - 1] - starts[n - 1]);
	return true;
}

static bool
c_field(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *smp)
{
	return split_pick(run, a, smp, false);
}

static bool
c_word(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *smp)
{
	return split_pick(run, a, smp, true);
}

/* regsub(regex,subst[,flags]): "\1".."\9" in subst name groups; flag g replaces all, i is
 * applied when the regex is compiled. */
static bool
c_regsub(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *smp)
{
	pcre2_match_data *md = lb_acl_run_md(run);
	bool global = a[2].kind && strchr(a[2].s, 'g');
	char *out = run->buf + run->used;
	size_t room = sizeof(run->buf) - run->used, o = 0, pos = 0;
	const char *s = smp->s ? smp->s : "";

	if (!md)
		return false;
	while (pos <= smp->len) {
		int rc = pcre2_match(a[0].re, (PCRE2_SPTR)s, smp->len, pos, 0, md, NULL);
		if (rc < 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		size_t ms = ov[0], me = ov[1];
		if (ms - pos > room - o)
			return false;
		memcpy(out + o, s + pos, ms - pos);
		o += ms - pos;
		for (size_t k = 0; k < a[1].len; k++) {
			char c = a[1].s[k];
			if (c == '\\' && k + 1 < a[1].len && a[1].s[k + 1] >= '0' &&
			    a[1].s[k + 1] <= '9') {
				int g = a[1].s[++k] - '0';
				if (g < rc && ov[2 * g] != PCRE2_UNSET) {
					size_t gl = ov[2 * g + 1] - ov[2 * g];
					if (gl > room - o)
						return false;
					memcpy(out + o, s + ov[2 * g], gl);
					o += gl;
				}
				continue;
			}
			if (o >= room)
				return false;
			out[o++] = c;
		}
		if (me == ms) {
			/* an empty match: copy one byte and move on */
			if (ms < smp->len) {
				if (o >= room)
					return false;
				out[o++] = s[ms];
			}
			pos = ms + 1;
		} else {
			pos = me;
		}
		if (!global)
			break;
	}
	if (pos < smp->len) {
		if (smp->len - pos > room - o)
			return false;
		memcpy(out + o, s + pos, smp->len - pos);
		o += smp->len - pos;
	}
	run->used += o;
	smp->s = out;
	smp->len = o;
	return true;
}

/* concat([start][,var][,end]): variables come with the variables issue; start and end are
 * literal. */
static bool
c_concat(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *smp)
{
	size_t sl = a[0].kind ? a[0].len : 0, el = a[2].kind ? a[2].len : 0;
	char *o = lb_acl_run_alloc(run, sl + smp->len + el);

	if (!o)
		return false;
	if (sl)
		memcpy(o, a[0].s, sl);
	if (smp->len)
		memcpy(o + sl, smp->s, smp->len);
	if (el)
		memcpy(o + sl + smp->len, a[2].s, el);
	smp->s = o;
	smp->len = sl + smp->len + el;
	return true;
}

static bool
c_add(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *smp)
{
	(void)run;
	smp->i = (int64_t)((uint64_t)smp->i + (uint64_t)a[0].i);
	return true;
}

static bool
c_sub(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *smp)
{
	(void)run;
	smp->i = (int64_t)((uint64_t)smp->i - (uint64_t)a[0].i);
	return true;
}

static bool
c_mul(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *smp)
{
	(void)run;
	smp->i = (int64_t)((uint64_t)smp->i * (uint64_t)a[0].i);
	return true;
}

/* HAProxy: division by zero gives the largest integer; so does modulo here. */
static bool
c_div(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *smp)
{
	(void)run;
	if (a[0].i == 0)
		smp->i = INT64_MAX;
	else if (!(smp->i == INT64_MIN && a[0].i == -1))
		smp->i /= a[0].i;
	return true;
}

static bool
c_mod(struct lb_acl_run *run, const struct lb_acl_arg *a, struct lb_smp *smp)
{
	(void)run;
	if (a[0].i == 0)
		smp->i = INT64_MAX;
	else if (a[0].i == -1)
		smp->i = 0;
	else
		smp->i %= a[0].i;
	return true;
}

#define NOARG { { LB_ARG_NONE }, 0 }
#define INT1 { { LB_ARG_INT }, 1 }
/* the map converters (common/map_conv.c): <file>[,<default>] */
#define MAPCONV(name, in, out, help) \
	{ name, lb_acl_conv_map, { { LB_ARG_MAP, LB_ARG_STR }, 1 }, in, out, help }

const struct lb_acl_conv_def lb_acl_convs[] = {
	{ "add", c_add, INT1, LB_SMP_INT, LB_SMP_INT, "adds <n>" },
	{ "b64dec", c_b64dec, NOARG, LB_SMP_STR, LB_SMP_STR, "decodes base64" },
	{ "base64", c_base64, NOARG, LB_SMP_STR, LB_SMP_STR, "encodes in base64" },
	{ "concat", c_concat, { { LB_ARG_STR, LB_ARG_STR, LB_ARG_STR }, 0 }, LB_SMP_STR,
	  LB_SMP_STR, "adds text before and after ([<start>][,<var>][,<end>], no variables yet)" },
	{ "div", c_div, INT1, LB_SMP_INT, LB_SMP_INT, "divides by <n>" },
	{ "field", c_field, { { LB_ARG_INT, LB_ARG_STR, LB_ARG_INT }, 2 }, LB_SMP_STR, LB_SMP_STR,
	  "field <n> split on <delims> ([,<count>]), empty fields counted" },
	{ "hex", c_hex, NOARG, LB_SMP_STR, LB_SMP_STR, "bytes as upper-case hex" },
	{ "ipmask", c_ipmask, { { LB_ARG_INT, LB_ARG_INT }, 1 }, LB_SMP_IP, LB_SMP_IP,
	  "keeps the network part (<mask4>[,<mask6>])" },
	{ "length", c_length, NOARG, LB_SMP_STR, LB_SMP_INT, "length of the string" },
	{ "lower", c_lower, NOARG, LB_SMP_STR, LB_SMP_STR, "lower case" },
	MAPCONV("map", LB_SMP_STR, LB_SMP_STR, "value of the exact key in map <file> ([,<default>])"),
	MAPCONV("map_str", LB_SMP_STR, LB_SMP_STR,
		"map <file> ([,<default>]): exact key (hash), value as text"),
	MAPCONV("map_str_int", LB_SMP_STR, LB_SMP_INT,
		"map <file> ([,<default>]): exact key (hash), value as an integer"),
	MAPCONV("map_str_ip", LB_SMP_STR, LB_SMP_IP,
		"map <file> ([,<default>]): exact key (hash), value as an address"),
	MAPCONV("map_beg", LB_SMP_STR, LB_SMP_STR,
		"map <file> ([,<default>]): the key begins the sample, value as text"),
	MAPCONV("map_beg_int", LB_SMP_STR, LB_SMP_INT,
		"map <file> ([,<default>]): the key begins the sample, value as an integer"),
	MAPCONV("map_beg_ip", LB_SMP_STR, LB_SMP_IP,
		"map <file> ([,<default>]): the key begins the sample, value as an address"),
	MAPCONV("map_sub", LB_SMP_STR, LB_SMP_STR,
		"map <file> ([,<default>]): the key is in the sample, value as text"),
	MAPCONV("map_sub_int", LB_SMP_STR, LB_SMP_INT,
		"map <file> ([,<default>]): the key is in the sample, value as an integer"),
	MAPCONV("map_sub_ip", LB_SMP_STR, LB_SMP_IP,
		"map <file> ([,<default>]): the key is in the sample, value as an address"),
	MAPCONV("map_dir", LB_SMP_STR, LB_SMP_STR,
		"map <file> ([,<default>]): the key is a '/'-delimited part, value as text"),
	MAPCONV("map_dir_int", LB_SMP_STR, LB_SMP_INT,
		"map <file> ([,<default>]): the key is a '/'-delimited part, value as an integer"),
	MAPCONV("map_dir_ip", LB_SMP_STR, LB_SMP_IP,
		"map <file> ([,<default>]): the key is a '/'-delimited part, value as an address"),
	MAPCONV("map_dom", LB_SMP_STR, LB_SMP_STR,
		"map <file> ([,<default>]): the key is a '.'-delimited part, value as text"),
	MAPCONV("map_dom_int", LB_SMP_STR, LB_SMP_INT,
		"map <file> ([,<default>]): the key is a '.'-delimited part, value as an integer"),
	MAPCONV("map_dom_ip", LB_SMP_STR, LB_SMP_IP,
		"map <file> ([,<default>]): the key is a '.'-delimited part, value as an address"),
	MAPCONV("map_end", LB_SMP_STR, LB_SMP_STR,
		"map <file> ([,<default>]): the key ends the sample, value as text"),
	MAPCONV("map_end_int", LB_SMP_STR, LB_SMP_INT,
		"map <file> ([,<default>]): the key ends the sample, value as an integer"),
	MAPCONV("map_end_ip", LB_SMP_STR, LB_SMP_IP,
		"map <file> ([,<default>]): the key ends the sample, value as an address"),
	MAPCONV("map_reg", LB_SMP_STR, LB_SMP_STR,
		"map <file> ([,<default>]): the key is a regex that matches, value as text"),
	MAPCONV("map_reg_int", LB_SMP_STR, LB_SMP_INT,
		"map <file> ([,<default>]): the key is a regex that matches, value as an integer"),
	MAPCONV("map_reg_ip", LB_SMP_STR, LB_SMP_IP,
		"map <file> ([,<default>]): the key is a regex that matches, value as an address"),
	MAPCONV("map_ip", LB_SMP_IP, LB_SMP_STR,
		"map <file> ([,<default>]): the longest network holding the address, value as text"),
	MAPCONV("map_ip_int", LB_SMP_IP, LB_SMP_INT,
		"map <file> ([,<default>]): the longest network holding the address, value as an integer"),
	MAPCONV("map_ip_ip", LB_SMP_IP, LB_SMP_IP,
		"map <file> ([,<default>]): the longest network holding the address, value as an address"),
	MAPCONV("map_int", LB_SMP_INT, LB_SMP_STR,
		"map <file> ([,<default>]): the key is an integer or range holding it, value as text"),
	MAPCONV("map_int_int", LB_SMP_INT, LB_SMP_INT,
		"map <file> ([,<default>]): the key is an integer or range holding it, value as an integer"),
	MAPCONV("map_int_ip", LB_SMP_INT, LB_SMP_IP,
		"map <file> ([,<default>]): the key is an integer or range holding it, value as an address"),
	{ "mod", c_mod, INT1, LB_SMP_INT, LB_SMP_INT, "remainder of the division by <n>" },
	{ "mul", c_mul, INT1, LB_SMP_INT, LB_SMP_INT, "multiplies by <n>" },
	{ "regsub", c_regsub, { { LB_ARG_REGEX, LB_ARG_STR, LB_ARG_STR }, 2 }, LB_SMP_STR,
	  LB_SMP_STR, "replaces what <regex> matches by <subst> ([,<flags>] g, i)" },
	{ "sub", c_sub, INT1, LB_SMP_INT, LB_SMP_INT, "subtracts <n>" },
	{ "upper", c_upper, NOARG, LB_SMP_STR, LB_SMP_STR, "upper case" },
	{ "url_dec", c_url_dec, { { LB_ARG_INT }, 0 }, LB_SMP_STR, LB_SMP_STR,
	  "decodes %XX escapes ([<in_form>]: '+' as space)" },
	{ "word", c_word, { { LB_ARG_INT, LB_ARG_STR, LB_ARG_INT }, 2 }, LB_SMP_STR, LB_SMP_STR,
	  "word <n> split on <delims> ([,<count>]), empty words skipped" },
	LB_STK_CONV_ROWS	/* table_*: common/stktable_acl.h */
	{ NULL, NULL, NOARG, LB_SMP_NONE, LB_SMP_NONE, NULL },
};

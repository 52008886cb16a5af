/* common/regex.c: see regex.h */
#include "regex.h"

#include <stdio.h>

pcre2_code *
lb_regex_compile(const char *re, size_t len, bool icase, char *why, size_t whylen)
{
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)re,
					 len == (size_t)-1 ? PCRE2_ZERO_TERMINATED : len,
					 icase ? PCRE2_CASELESS : 0, &ec, &eo, NULL);

	if (!code) {
		char msg[120];

		pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg, sizeof(msg));
		snprintf(why, whylen, "at offset %zu: %s", (size_t)eo, msg);
		return NULL;
	}
	pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);	/* the interpreter is the fallback */
	return code;
}

bool
lb_regex_match(const pcre2_code *re, const char *s, size_t len, pcre2_match_data *md)
{
	return pcre2_match(re, (PCRE2_SPTR)(s ? s : ""), len, 0, 0, md, NULL) >= 0;
}

bool
lb_regex_search(const pcre2_code *re, const char *s, size_t len)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	bool ok = md && lb_regex_match(re, s, len, md);

	pcre2_match_data_free(md);
	return ok;
}

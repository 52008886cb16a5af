/* lbd/http_reply.c: responses lbd writes itself: errors, errorfiles, reason phrases */
#include "http_reply.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

struct reason {
	int status;
	const char *text;
	const char *detail;	/* the sentence of the built-in error page, NULL: no page */
};

static const struct reason reasons[] = {
	{ 100, "Continue", NULL },
	{ 101, "Switching Protocols", NULL },
	{ 200, "OK", NULL },
	{ 201, "Created", NULL },
	{ 202, "Accepted", NULL },
	{ 204, "No Content", NULL },
	{ 206, "Partial Content", NULL },
	{ 301, "Moved Permanently", NULL },
	{ 302, "Found", NULL },
	{ 303, "See Other", NULL },
	{ 304, "Not Modified", NULL },
	{ 307, "Temporary Redirect", NULL },
	{ 308, "Permanent Redirect", NULL },
	{ 400, "Bad Request", "Your browser sent a request this server could not understand." },
	{ 401, "Unauthorized", "You need a valid user and password to access this content." },
	{ 403, "Forbidden", "Request forbidden by administrative rules." },
	{ 404, "Not Found", "The resource could not be found." },
	{ 405, "Method Not Allowed", "A request was made of a resource using a method it does "
				     "not support." },
	{ 407, "Proxy Authentication Required", "You need a valid user and password to access "
						"this content." },
	{ 408, "Request Time-out", "Your browser did not send a complete request in time." },
	{ 410, "Gone", "The resource is no longer available." },
	{ 413, "Payload Too Large", "The request is larger than the server allows." },
	{ 414, "URI Too Long", "The request target is longer than the server allows." },
	{ 425, "Too Early", "The request was sent too early." },
	{ 429, "Too Many Requests", "You have sent too many requests in a given amount of time." },
	{ 431, "Request Header Fields Too Large", "The request headers are larger than the "
						  "server allows." },
	{ 500, "Internal Server Error", "An internal error occurred." },
	{ 501, "Not Implemented", "The server does not support a feature the request needs." },
	{ 502, "Bad Gateway", "The server returned an invalid or incomplete response." },
	{ 503, "Service Unavailable", "No server is available to handle this request." },
	{ 504, "Gateway Time-out", "The server did not respond in time." },
	{ 505, "HTTP Version Not Supported", "The HTTP version of the request is not supported." },
};

static const struct reason *
find(int status)
{
	for (size_t i = 0; i < LB_ARRAY_SIZE(reasons); i++)
		if (reasons[i].status == status)
			return &reasons[i];
	return NULL;
}

const char *
lbd_http_reason(int status)
{
	const struct reason *r = find(status);

	if (r)
		return r->text;
	switch (status / 100) {
	case 1: return "Informational";
	case 2: return "OK";
	case 3: return "Redirection";
	case 4: return "Client Error";
	default: return "Server Error";
	}
}

/* Built-in pages are rendered once, on first use, into this table. Rendering is idempotent
 * and each slot is written completely before its length, so a concurrent first use by two
 * threads at worst renders the same bytes twice. */
#define PAGE_MAX 512
static char pages[LB_ARRAY_SIZE(reasons)][PAGE_MAX];
static size_t page_len[LB_ARRAY_SIZE(reasons)];

static const char *
builtin(int status, size_t *len)
{
	size_t i;
	char body[384];
	int blen;

	for (i = 0; i < LB_ARRAY_SIZE(reasons); i++)
		if (reasons[i].status == status)
			break;
	if (i == LB_ARRAY_SIZE(reasons) || !reasons[i].detail) {
		/* not an error status lbd produces itself: fall back to 500 */
		return builtin(500, len);
	}
	if (__atomic_load_n(&page_len[i], __ATOMIC_ACQUIRE) == 0) {
		blen = snprintf(body, sizeof(body), "<html><body><h1>%d %s</h1>\n%s\n</body></html>\n",
				status, reasons[i].text, reasons[i].detail);
		int n = snprintf(pages[i], PAGE_MAX,
				 "HTTP/1.1 %d %s\r\n"
				 "content-length: %d\r\n"
				 "cache-control: no-cache\r\n"
				 "content-type: text/html\r\n"
				 "connection: close\r\n"
				 "\r\n%s",
				 status, reasons[i].text, blen, body);
		__atomic_store_n(&page_len[i], (size_t)n, __ATOMIC_RELEASE);
	}
	*len = page_len[i];
	return pages[i];
}

static const char *
from_errorfiles(const struct lb_cfg_proxy *px, int status, size_t *len)
{
	for (; px; px = NULL) {
		for (const struct lb_cfg_errorfile *ef = px->errorfiles; ef; ef = ef->next) {
			if (ef->status == status && ef->data) {
				*len = ef->len;
				return ef->data;
			}
		}
	}
	return NULL;
}

const char *
lbd_http_error_msg(int status, const struct lb_cfg_proxy *fe, const struct lb_cfg_proxy *be,
		   size_t *len)
{
	const char *p;

	if (be && (p = from_errorfiles(be, status, len)))
		return p;
	if (fe && (p = from_errorfiles(fe, status, len)))
		return p;
	return builtin(status, len);
}

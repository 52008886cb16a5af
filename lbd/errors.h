/* lbd/errors.h: the last rejected requests and responses, per proxy ("show errors")
 *
 * When the HTTP parser rejects a message (400, 413, 414, 431, 501; 502 for a response), the
 * worker records when, from whom, why, the byte offset of the fault and up to
 * LBD_ERR_CAPTURE bytes of the message around it. Request errors are kept by the frontend,
 * response errors by the backend, LBD_ERR_RING entries each (the oldest is overwritten), as
 * HAProxy does. All the cost is on the error path: a ring has its own mutex, taken only by a
 * worker recording an error and by the control socket copying the rings out.
 */
#ifndef LBD_ERRORS_H
#define LBD_ERRORS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "http1.h"
#include "runtime_types.h"
#include "stream_types.h"

#define LBD_ERR_RING 4
#define LBD_ERR_CAPTURE 2048

enum lbd_err_dir {
	LBD_ERR_REQUEST = 0,	/* kept by the frontend */
	LBD_ERR_RESPONSE,	/* kept by the backend */
};

struct lbd_error_entry {
	uint64_t seq;			/* process-wide order of the errors */
	struct timeval when;
	enum lbd_err_dir dir;
	int status;
	char proxy[64];			/* the frontend (request) or backend (response) */
	char frontend[64], backend[64], server[64];	/* "-" when not known yet */
	char client[64];
	char reason[128];
	uint32_t offset;		/* byte offset of the fault in the message */
	uint32_t msg_len;		/* bytes of the message we had */
	uint32_t cap_start;		/* offset of cap[0] in the message */
	uint32_t cap_len;
	char cap[LBD_ERR_CAPTURE];
};

/* Allocates one ring per frontend and backend (before the threads start). Returns 0 or -1. */
int lbd_errors_init(struct lbd_runtime *rt);
void lbd_errors_release(void);

/* On a worker, when a message is rejected: records it. buf/len: the message bytes (NULL
 * when there are none to keep, e.g. a bad chunk). */
void lbd_errors_capture(const struct lbd_stream *s, enum lbd_err_dir dir,
			const struct lb_http1_error *err, const char *buf, size_t len);

/* Copies the recorded errors (of one direction, or both when dir < 0), proxy by proxy in
 * config order, oldest first within a proxy. *n gets the count; returns a malloc'd array
 * (NULL when there are none or on OOM: *n tells which). */
struct lbd_error_entry *lbd_errors_snapshot(int dir, size_t *n);

#endif

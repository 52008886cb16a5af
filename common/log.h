/* common/log.h: log sinks (stderr, file, syslog over UDP or a unix socket) and daemon messages
 *
 * lb_log_open() turns the config's log targets into open, non-blocking sinks. Sending never
 * blocks a worker: a datagram that cannot be sent now is dropped and counted. Safe to call
 * from any thread: each send is one write()/sendto().
 */
#ifndef LB_LOG_H
#define LB_LOG_H

#include <stddef.h>
#include <stdint.h>
#include "cfg_types.h"

enum lb_log_level {
	LB_LOG_EMERG = 0,
	LB_LOG_ALERT,
	LB_LOG_CRIT,
	LB_LOG_ERR,
	LB_LOG_WARNING,
	LB_LOG_NOTICE,
	LB_LOG_INFO,
	LB_LOG_DEBUG,
};

struct lb_logger;	/* a set of open sinks */

/* Opens the targets of a list (entries with ->global are expanded from `global_list`).
 * Returns NULL and sets *errmsg (malloc'd) if a target cannot be opened. An empty list gives
 * a logger that sends nothing. */
struct lb_logger *lb_logger_open(const struct lb_cfg_log *list,
				 const struct lb_cfg_log *global_list, char **errmsg);
void lb_logger_close(struct lb_logger *lg);
bool lb_logger_empty(const struct lb_logger *lg);
/* Sends one line (no trailing newline needed) at `level` to every sink whose level range
 * accepts it, formatted per sink (rfc3164/rfc5424/raw/short). */
void lb_logger_send(struct lb_logger *lg, int level, const char *msg, size_t len);
uint64_t lb_logger_dropped(const struct lb_logger *lg);

/* The syslog tag (HAProxy's log-tag) put in rfc3164/rfc5424 headers; default: the program
 * name. Copies tag (at most 63 bytes kept). Call at start-up, before sending. */
void lb_log_set_tag(const char *tag);

/* Daemon messages (start-up, alerts, state changes): to stderr while in the foreground, and
 * to the global log targets once lb_log_sys_set_logger() was called. */
void lb_log_sys_set_logger(struct lb_logger *lg);
void lb_log_sys_set_stderr(bool on);
void lb_log_sys(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Syslog facility / level names, for the parser. Return -1 when unknown. */
int lb_log_facility_parse(const char *name);
int lb_log_level_parse(const char *name);
const char *lb_log_level_name(int level);

#endif

/* common/cfg.h: the configuration parser: HAProxy-style files into struct lb_cfg
 *
 * Use: lb_cfg_init(), then lb_cfg_parse_file()/lb_cfg_parse_buffer() once per file (files
 * are read in order, as with several "-f"), then lb_cfg_finalize() (merge defaults, resolve
 * names and addresses, load files, compile formats, validate), then read the model in
 * cfg_types.h, and lb_cfg_free(). lb_cfg_load() does the first three for one file.
 * Every problem goes to the lb_diag collector with its position; parsing goes on after an
 * error so that one run reports them all. Nothing here prints.
 */
#ifndef LB_CFG_H
#define LB_CFG_H

#include <stddef.h>
#include <stdio.h>

#include "cfg_types.h"
#include "diag.h"

void lb_cfg_init(struct lb_cfg *cfg);
/* Parses one file ("-" reads stdin). Returns 0, or -1 if an error was reported (including
 * "cannot open"). */
int lb_cfg_parse_file(struct lb_cfg *cfg, const char *path, struct lb_diag *d);
/* Parses data[0..len) as a file called `name` (used in positions). Borrows data. */
int lb_cfg_parse_buffer(struct lb_cfg *cfg, const char *name, const char *data, size_t len,
			struct lb_diag *d);
/* Merges defaults, applies built-in defaults, resolves and validates. Call once, after all
 * files were parsed without errors. Returns 0, or -1 if an error was reported. */
int lb_cfg_finalize(struct lb_cfg *cfg, struct lb_diag *d);
/* lb_cfg_init + lb_cfg_parse_file + (if that went well) lb_cfg_finalize. The caller still
 * calls lb_cfg_free, whatever the result. */
int lb_cfg_load(struct lb_cfg *cfg, const char *path, struct lb_diag *d);
void lb_cfg_free(struct lb_cfg *cfg);

/* The first proxy called `name` having one of the `caps` bits (LB_CAP_*); defaults sections
 * only match when caps has LB_CAP_DEFAULTS. NULL if none. */
struct lb_cfg_proxy *lb_cfg_find_proxy(const struct lb_cfg *cfg, const char *name,
				       unsigned caps);
/* A "server <name> <addr> <argv...>" line of proxy px given as words (the control socket's
 * "add server"): the same option table as the config file, then px's default-server and the
 * built-in defaults. The address must be numeric (IPv4, [IPv6] or unix@path) with a port:
 * no resolver runs at run time. Name uniqueness is the caller's business. Returns the
 * server (free it with lb_cfg_server_destroy), or NULL with *errmsg (malloc'd). */
struct lb_cfg_server *lb_cfg_server_from_words(const struct lb_cfg_proxy *px, const char *name,
					       const char *addr, int argc, char *const *argv,
					       char **errmsg);
void lb_cfg_server_destroy(struct lb_cfg_server *s);
/* "frontend", "backend", "listen" or "defaults". */
const char *lb_cfg_proxy_type(const struct lb_cfg_proxy *px);

/* Every keyword, one per line, read from the keyword tables: "<area>  <keyword>  <help>",
 * columns separated by at least two spaces (keywords themselves hold single spaces, e.g.
 * "timeout connect"). Areas: global, proxy, bind, server, balance, logvar (log-format
 * variables) and fetch (sample fetches usable in "%[...]"). */
void lb_cfg_list_keywords(FILE *out);

#endif

/* common/map.h: pattern files - map files ("key value" per line) and ACL files ("-f", one
 * pattern per line) - loaded once, shared by every rule naming the same path, edited live
 *
 * A file is a list of entries (key, value; ACL files have no value). Its content is an
 * immutable *version*: the entries plus one lookup index per matching method some rule uses
 * on it (hash for exact strings, prefix tree for addresses, compiled PCRE2 regexes, integer
 * ranges; beg/end/sub/dir/dom walk the entries in file order). Readers load the current
 * version with one atomic acquire load and never lock or write shared memory.
 *
 * Live edits (the control socket): a writer takes the registry mutex, builds a complete new
 * version (entries copied, indexes rebuilt), publishes it with an atomic release store and
 * hands the old one to the *retire hook*. lbd's hook (lbd/pattern_live.c) frees it once
 * every worker thread has run a message posted to its inbox after the swap: a thread runs
 * inbox messages only between events, never inside a lookup, so after that none can still
 * be reading the old version (quiescent-state reclamation). Without a hook (lbcheck, tests
 * that do not install one) old versions are freed at once, which is only right when no
 * other thread is reading.
 *
 * Bulk replacement: "prepare" makes an empty staging version with an id, "add @id" fills
 * it, "commit @id" publishes it as a whole (indexes built once), so a reader sees either
 * the old list or the new one, never a half-built one.
 */
#ifndef LB_MAP_H
#define LB_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Matching methods a file can be indexed for (the ACL matchers' names). */
enum lb_pat_kind {
	LB_PAT_STR,
	LB_PAT_BEG,
	LB_PAT_SUB,
	LB_PAT_DIR,
	LB_PAT_DOM,
	LB_PAT_END,
	LB_PAT_REG,
	LB_PAT_IP,
	LB_PAT_INT,
	LB_PAT__COUNT,
};

/* -1 when the matcher cannot take a file ("found", "bool", "len"). */
int lb_pat_kind_find(const char *matcher);
const char *lb_pat_kind_name(enum lb_pat_kind k);

struct lb_pat_file;

/* What is looked up: s/len for the string kinds, ip (16 bytes, IPv4 mapped) for IP, i for
 * INT. */
struct lb_pat_key {
	const char *s;
	size_t len;
	const uint8_t *ip;
	int64_t i;
};

/* The file at `path` (a map when is_map), loaded on first use, indexed for kind (case-
 * insensitively for the string kinds when icase). Returns a new reference, or NULL with
 * the reason in err (unreadable file, a line the kind cannot parse - "file:line: ..." -,
 * the path used both as a map and as an ACL file). */
struct lb_pat_file *lb_pat_file_get(const char *path, bool is_map, enum lb_pat_kind kind,
				    bool icase, char *err, size_t errlen);
void lb_pat_file_put(struct lb_pat_file *f);
const char *lb_pat_file_path(const struct lb_pat_file *f);

/* Looks key up in the current version. For maps, *val and *vlen get the value of the
 * entry that matched (the first in file order; for IP the longest prefix). `md` is a
 * pcre2_match_data for REG (NULL: no regex matches). The value stays valid until the
 * calling thread's next quiescent point. */
bool lb_pat_lookup(const struct lb_pat_file *f, enum lb_pat_kind kind, bool icase,
		   const struct lb_pat_key *key, void *md, const char **val, size_t *vlen);

/* ---- live edits: every function takes the registry lock ---- */

/* The file by path, or by "#<n>" (its number in lb_pat_each order); NULL if no rule uses
 * it. Files of the other kind (map vs ACL) are not found. */
struct lb_pat_file *lb_pat_find(const char *name, bool is_map);

/* Calls fn for every file of the kind: its number, path, entry count. */
void lb_pat_each(bool is_map, void (*fn)(void *arg, unsigned id, const char *path, size_t n),
		 void *arg);
/* Calls fn for every entry of the current version (value NULL for ACL files). */
void lb_pat_show(struct lb_pat_file *f,
		 void (*fn)(void *arg, const char *key, const char *value), void *arg);
size_t lb_pat_count(struct lb_pat_file *f);

/* ver 0: the live version; else a prepared one. Returns 0, or -1 with err set. */
int lb_pat_add(struct lb_pat_file *f, unsigned ver, const char *key, const char *value,
	       char *err, size_t errlen);
/* Sets the value of every entry whose key is `key`; returns how many (0: none). */
int lb_pat_set(struct lb_pat_file *f, const char *key, const char *value, char *err,
	       size_t errlen);
/* Removes every entry whose key is `key`; returns how many. */
int lb_pat_del(struct lb_pat_file *f, const char *key);
/* Removes every entry (ver 0) or those of a prepared version; returns how many. */
size_t lb_pat_clear(struct lb_pat_file *f, unsigned ver);
/* A new empty staging version; returns its id (> 0). Preparing again drops the previous
 * staging version of the file. */
unsigned lb_pat_prepare(struct lb_pat_file *f);
/* Publishes the prepared version `ver`; returns its entry count, or -1 (unknown version,
 * or an entry the indexes refuse) with err set. */
long lb_pat_commit(struct lb_pat_file *f, unsigned ver, char *err, size_t errlen);

/* The retire hook: called with the registry lock held; must call free_fn(obj) once no
 * reader can hold obj. NULL restores immediate freeing. */
void lb_pat_set_retire(void (*retire)(void (*free_fn)(void *), void *obj));

#endif

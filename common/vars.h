/* common/vars.h: HAProxy's variables ("set-var(txn.user)", "var(txn.user)")
 *
 * A variable name is "<scope>.<name>"; names are interned at load time into a key (scope in
 * the top byte, the name's number below), so the data path compares integers, never text.
 * Scopes: proc (the whole process, shared by all threads, behind a lock), sess (one client
 * connection), txn (one request and its response), req and res (the request's or the
 * response's processing only).
 * A store (struct lb_vars) holds the variables of sess, txn, req and res for one client
 * connection; it is allocated by the first variable set, so traffic that sets none costs
 * nothing, and it is reused by the next requests of the connection (the end of a
 * transaction only empties its scopes). Values are typed as the samples of conditions:
 * boolean, integer, string (copied into the store) or address.
 */
#ifndef LB_VARS_H
#define LB_VARS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lb_var_scope {
	LB_VAR_PROC = 0,
	LB_VAR_SESS,
	LB_VAR_TXN,
	LB_VAR_REQ,
	LB_VAR_RES,
	LB_VAR__SCOPES
};

/* The same numbering as the sample types of the ACL engine (common/acl_priv.h). */
enum lb_var_type {
	LB_VAR_T_NONE = 0,
	LB_VAR_T_BOOL,
	LB_VAR_T_INT,
	LB_VAR_T_STR,
	LB_VAR_T_IP,		/* 16 bytes, IPv4 mapped */
};

struct lb_var_val {
	enum lb_var_type type;
	int64_t i;		/* bool, int */
	const char *s;		/* str: borrowed (lb_vars_set copies it) */
	size_t len;
	uint8_t ip[16];
};

#define LB_VAR_KEY_SCOPE(k) ((enum lb_var_scope)((k) >> 24))

/* Longest string value kept; longer ones are cut (HAProxy bounds them by its buffers). */
#define LB_VAR_MAX_STR 16384

struct lb_vars;

/* "txn.name" in s[0..len): the key, interned (the same name gives the same key). Returns 0,
 * or -1 with a message in err. Load time only (not thread-safe). */
int lb_var_name_parse(const char *s, size_t len, uint32_t *key, char *err, size_t errlen);
/* The name of a key, "txn.name" (for messages and tests). */
const char *lb_var_name(uint32_t key);

/* Sets the variable (copying a string value); *store is made on first use. proc keys go to
 * the process-wide store. Returns false when memory ran out. */
bool lb_vars_set(struct lb_vars **store, uint32_t key, const struct lb_var_val *v);

/* The conditions of "set-var(<name>,<cond>...)" (HAProxy 2.6): the variable is set only
 * when all of them hold, else it is left as it was. A variable exists once set (until
 * unset-var or the end of its scope); proc variables exist from the start, since HAProxy
 * creates those the configuration names when it loads it. */
enum {
	LB_VAR_IF_EXISTS = 1 << 0,	/* the variable exists */
	LB_VAR_IF_NOT_EXISTS = 1 << 1,	/* it does not exist yet */
	LB_VAR_IF_EMPTY = 1 << 2,	/* the new value is an empty string */
	LB_VAR_IF_NOT_EMPTY = 1 << 3,	/* the new value is not an empty string */
	LB_VAR_IF_SET = 1 << 4,		/* the variable has a value */
	LB_VAR_IF_NOT_SET = 1 << 5,	/* it has none */
	LB_VAR_IF_GT = 1 << 6,		/* it has an integer greater than the new integer */
	LB_VAR_IF_LT = 1 << 7,		/* it has an integer lower than the new integer */
};
/* "ifexists,ifgt" in s[0..len) (comma-separated) into *conds. Returns 0, or -1 with a
 * message in err. */
int lb_var_conds_parse(const char *s, size_t len, unsigned *conds, char *err, size_t errlen);
/* lb_vars_set when the conditions (LB_VAR_IF_*) hold, checked and done under the store's
 * lock for proc. Returns true when the variable was set. */
bool lb_vars_set_if(struct lb_vars **store, uint32_t key, const struct lb_var_val *v,
		    unsigned conds);
void lb_vars_unset(struct lb_vars *store, uint32_t key);
/* The value into *out; False when the variable is not set. A string of store borrows the
 * store's copy (valid until the store changes); a proc string is copied into buf[0..cap)
 * (cut to cap; buf is required for proc keys), since another thread may change it. */
bool lb_vars_peek(const struct lb_vars *store, uint32_t key, struct lb_var_val *out,
		  char *buf, size_t cap);
/* Removes the variables of the scopes whose bit (1 << scope) is in mask. */
void lb_vars_clear(struct lb_vars *store, unsigned mask);
/* Frees the store and clears the pointer. */
void lb_vars_free(struct lb_vars **store);
/* Number of variables set in the store (tests). */
unsigned lb_vars_count(const struct lb_vars *store);

#endif

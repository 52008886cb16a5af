/* common/userlist.h: "userlist" sections - users with crypt(3) or plain passwords, groups -
 * and the credential checks behind http_auth() / http_auth_group() (HAProxy semantics)
 *
 * Parsing and checks live in common/cfg_userlist.c. A password hash is checked with
 * crypt_r(3) (libxcrypt: $6$ SHA-512, $5$, $y$ yescrypt, $1$ MD5 ...), on the evaluating
 * thread: a strong hash costs milliseconds per request that carries credentials, as in
 * HAProxy.
 */
#ifndef LB_USERLIST_H
#define LB_USERLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "cfg_types.h"

struct lb_cfg_user {
	struct lb_cfg_user *next;
	struct lb_cfg_pos pos;
	char *name;
	char *password;			/* a crypt(3) hash, or the text with insecure */
	bool insecure;			/* insecure-password */
	char **groups;			/* "groups g1,g2", resolved against the groups at finalize */
	int ngroups;
};

struct lb_cfg_group {
	struct lb_cfg_group *next;
	struct lb_cfg_pos pos;
	char *name;
	char **users;			/* "users u1,u2" */
	int nusers;
};

struct lb_cfg_userlist {
	struct lb_cfg_userlist *next;
	struct lb_cfg_pos pos;
	char *name;
	struct lb_cfg_user *users;
	struct lb_cfg_group *groups;
};

const struct lb_cfg_userlist *lb_userlist_find(const struct lb_cfg *cfg, const char *name);
/* The user whose name and password are these, or NULL. */
const struct lb_cfg_user *lb_userlist_check(const struct lb_cfg_userlist *ul, const char *user,
					    size_t ulen, const char *pass, size_t plen);
/* True when the user belongs to the group (declared on either side). */
bool lb_userlist_in_group(const struct lb_cfg_userlist *ul, const struct lb_cfg_user *u,
			  const char *group, size_t glen);

#endif

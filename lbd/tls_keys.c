/* lbd/tls_keys.c: "tls-ticket-keys <file>": session ticket keys shared by threads, reloads
 * and nodes
 *
 * HAProxy's file holds base64 keys of 48 or 80 bytes (name, AES and HMAC keys), one a line;
 * it keeps the last three in a ring, encrypts with the penultimate and decrypts with all;
 * "set ssl tls-key" writes a new key over the oldest, so the newest so far becomes the
 * encryption key. GnuTLS takes one 64-byte master key per session and derives its own
 * ticket keys from it (and rotates them with time, the same way in every process holding
 * the same master). lbd's mapping: the master key is SHA-512 of the encryption key's bytes.
 * So every thread, the next worker after a reload and other lbd nodes reading the same
 * file resume each other's tickets; the other keys of the ring are kept for "show
 * tls-keys" and future rotations, but a ticket made with an earlier encryption key is not
 * decrypted after a rotation: that client gets a full handshake (GnuTLS has one master key
 * per session). The file's keys are read once, when the first bind line names it.
 */
#include "tls_priv.h"
#include "tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "base64.h"
#include "ticket_keys.h"
#include "ctl_proto.h"
#include "util.h"

#define RING 3			/* HAProxy's TLS_TICKETS_NO */
#define KEY_MAX LB_TICKET_KEY_MAX

struct lbd_tls_keys {
	struct lbd_tls_keys *next;
	char *path;
	unsigned id;
	unsigned users;
	pthread_mutex_t lock;		/* everything below */
	unsigned char key[RING][KEY_MAX];
	unsigned len[RING];
	unsigned n;			/* keys in the ring, oldest first from head */
	unsigned head;
	unsigned char master[LBD_TLS_MASTER_KEY_LEN];
};

static struct {
	pthread_mutex_t lock;		/* the list */
	struct lbd_tls_keys *list;
	unsigned next_id;
} reg = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The ring's i-th key, 0 the oldest. */
static unsigned
slot(const struct lbd_tls_keys *k, unsigned i)
{
	return (k->head + i) % RING;
}

static unsigned
enc_index(const struct lbd_tls_keys *k)
{
	return k->n >= 2 ? k->n - 2 : 0;
}

/* Called with k->lock held (or before k is shared). */
static void
derive(struct lbd_tls_keys *k)
{
	unsigned s = slot(k, enc_index(k));

	gnutls_hash_fast(GNUTLS_DIG_SHA512, k->key[s], k->len[s], k->master);
}

static void
push(struct lbd_tls_keys *k, const unsigned char *key, unsigned len)
{
	unsigned s;

	if (k->n < RING) {
		s = slot(k, k->n++);
	} else {
		s = k->head;	/* the oldest goes */
		k->head = (k->head + 1) % RING;
	}
	memcpy(k->key[s], key, len);
	k->len[s] = len;
}

static void
push_cb(void *arg, const unsigned char *key, unsigned len)
{
	push(arg, key, len);
}

static int
load(struct lbd_tls_keys *k, char **errmsg)
{
	if (lb_ticket_keys_read(k->path, push_cb, k, errmsg) < 0)
		return -1;
	derive(k);
	return 0;
}

struct lbd_tls_keys *
lbd_tls_keys_get(const char *path, char **errmsg)
{
	struct lbd_tls_keys *k;

	*errmsg = NULL;
	pthread_mutex_lock(&reg.lock);
	for (k = reg.list; k && strcmp(k->path, path); k = k->next)
		;
	if (k) {
		k->users++;
		pthread_mutex_unlock(&reg.lock);
		return k;
	}
	k = lb_xcalloc(1, sizeof(*k));
	k->path = lb_xstrdup(path);
	pthread_mutex_init(&k->lock, NULL);
	if (load(k, errmsg) < 0) {
		pthread_mutex_unlock(&reg.lock);
		pthread_mutex_destroy(&k->lock);
		free(k->path);
		free(k);
		return NULL;
	}
	k->id = reg.next_id++;
	k->users = 1;
	k->next = reg.list;
	reg.list = k;
	pthread_mutex_unlock(&reg.lock);
	return k;
}

void
lbd_tls_keys_put(struct lbd_tls_keys *k)
{
	struct lbd_tls_keys **pp;

	if (!k)
		return;
	pthread_mutex_lock(&reg.lock);
	if (--k->users) {
		pthread_mutex_unlock(&reg.lock);
		return;
	}
	for (pp = &reg.list; *pp != k; pp = &(*pp)->next)
		;
	*pp = k->next;
	pthread_mutex_unlock(&reg.lock);
	gnutls_memset(k->key, 0, sizeof(k->key));
	gnutls_memset(k->master, 0, sizeof(k->master));
	pthread_mutex_destroy(&k->lock);
	free(k->path);
	free(k);
}

void
lbd_tls_keys_master(struct lbd_tls_keys *k, unsigned char out[LBD_TLS_MASTER_KEY_LEN])
{
	pthread_mutex_lock(&k->lock);
	memcpy(out, k->master, LBD_TLS_MASTER_KEY_LEN);
	pthread_mutex_unlock(&k->lock);
}

/* ---- control socket ---- */

/* "#<n>", "<n>" or the file's path */
static struct lbd_tls_keys *
find(const char *ref)
{
	const char *num = ref[0] == '#' ? ref + 1 : ref;
	char *end;
	unsigned long id = strtoul(num, &end, 10);
	bool numeric = *num && !*end;

	for (struct lbd_tls_keys *k = reg.list; k; k = k->next)
		if ((numeric && k->id == id) || !strcmp(k->path, ref))
			return k;
	return NULL;
}

static void
pack_keys(struct lbd_tls_keys *k, msgpack_packer *pk)
{
	pthread_mutex_lock(&k->lock);
	for (unsigned i = 0; i < k->n; i++) {
		unsigned s = slot(k, i);
		char id[32], b64[4 * KEY_MAX / 3 + 8];
		lb_base64_encode(k->key[s], k->len[s], b64);
		snprintf(id, sizeof(id), "%u.%u", k->id, i);
		msgpack_pack_map(pk, 4);
		lb_ctl_pack_kv_str(pk, "id", id);
		lb_ctl_pack_kv_str(pk, "file", k->path);
		lb_ctl_pack_kv_str(pk, "use", i == enc_index(k) ? "encrypt" : "decrypt");
		lb_ctl_pack_kv_str(pk, "secret", b64);
	}
	pthread_mutex_unlock(&k->lock);
}

int
lbd_tls_keys_ctl_show(int argc, char **argv, msgpack_packer *pk, char *msg, size_t msglen)
{
	unsigned n = 0;

	pthread_mutex_lock(&reg.lock);
	if (argc == 0) {
		for (struct lbd_tls_keys *k = reg.list; k; k = k->next)
			n++;
		msgpack_pack_array(pk, n);
		for (struct lbd_tls_keys *k = reg.list; k; k = k->next) {
			char id[16];
			snprintf(id, sizeof(id), "%u", k->id);
			msgpack_pack_map(pk, 3);
			lb_ctl_pack_kv_str(pk, "id", id);
			lb_ctl_pack_kv_str(pk, "file", k->path);
			lb_ctl_pack_kv_u64(pk, "users", k->users);
		}
	} else if (!strcmp(argv[0], "*")) {
		for (struct lbd_tls_keys *k = reg.list; k; k = k->next)
			n += k->n;
		msgpack_pack_array(pk, n);
		for (struct lbd_tls_keys *k = reg.list; k; k = k->next)
			pack_keys(k, pk);
	} else {
		struct lbd_tls_keys *k = find(argv[0]);
		if (!k) {
			pthread_mutex_unlock(&reg.lock);
			snprintf(msg, msglen, "no tls-ticket-keys file '%s' (show tls-keys lists them)",
				 argv[0]);
			return LB_CTL_ST_NOT_FOUND;
		}
		msgpack_pack_array(pk, k->n);
		pack_keys(k, pk);
	}
	pthread_mutex_unlock(&reg.lock);
	return LB_CTL_ST_OK;
}

int
lbd_tls_keys_ctl_set(int argc, char **argv, char *msg, size_t msglen)
{
	unsigned char key[KEY_MAX * 2];
	struct lbd_tls_keys *k;
	size_t len = strlen(argv[1]);
	long kl = -1;

	(void)argc;
	if (len <= 4 * KEY_MAX / 3 + 4)
		kl = lb_base64_decode(argv[1], len, key);
	if (kl != 48 && kl != 80) {
		snprintf(msg, msglen, "the key must be 48 or 80 bytes in base64 (openssl rand 80 | "
			 "openssl base64 -A)");
		return LB_CTL_ST_USAGE;
	}
	pthread_mutex_lock(&reg.lock);
	k = find(argv[0]);
	if (!k) {
		pthread_mutex_unlock(&reg.lock);
		snprintf(msg, msglen, "no tls-ticket-keys file '%s' (show tls-keys lists them)",
			 argv[0]);
		return LB_CTL_ST_NOT_FOUND;
	}
	pthread_mutex_lock(&k->lock);
	push(k, key, (unsigned)kl);
	derive(k);
	pthread_mutex_unlock(&k->lock);
	snprintf(msg, msglen, "TLS ticket key updated!");
	pthread_mutex_unlock(&reg.lock);
	gnutls_memset(key, 0, sizeof(key));
	return LB_CTL_ST_OK;
}

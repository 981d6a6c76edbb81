/*
 * signd/clients.h — the client systems allowed to call civseal-signd, their
 * bearer tokens and the offices each may act for.
 *
 * The clients file has one client per line (blank lines and # comments
 * are ignored):
 *
 *   # name         token hash                  offices
 *   hanoi-hotich   sha256:<64 hex digits>      01-BADINH,01-HANGBAC
 *   national-hub   sha256:<64 hex digits>      *
 *
 * name: 1-63 of [A-Za-z0-9._-], unique.  The token itself is never stored:
 * only the SHA-256 of its text, unique per client.  offices: a
 * comma-separated list of office codes, each configured in civseal.conf, or
 * "*" for every office the signer is configured with.  Tokens are 32 random
 * bytes in unpadded base64url (43 characters); any 43-128 base64url
 * characters are accepted.
 */
#ifndef CS_SIGNER_CLIENTS_H
#define CS_SIGNER_CLIENTS_H

#include <stddef.h>

#include "core/config.h"
#include "core/err.h"
#include "signer/issue.h"

#define CLIENTS_NAME_MAX 64
#define CLIENTS_TOKEN_MIN 43
#define CLIENTS_TOKEN_MAX 128

struct client {
	char name[CLIENTS_NAME_MAX];
	unsigned char token_sha256[32];
	int all_offices;	/* "*" */
	char **offices;
	size_t n_offices;
};

struct clients {
	struct client *item;
	size_t n;
};

/*
 * Read a clients file.  When cfg is not NULL every office listed must be
 * configured there.  Errors name file:line (never a hash): CS_E_CONFIG, or
 * CS_E_IO when the file cannot be read.  *out is owned by the caller.
 */
int signd_clients_load(const char *path, const struct cs_config *cfg,
    struct clients **out, struct cs_err *err);

/* The same from text in memory; name is used in messages. */
int signd_clients_parse(const char *text, size_t len, const char *name,
    const struct cs_config *cfg, struct clients **out, struct cs_err *err);

void signd_clients_free(struct clients *cl);

/*
 * The client whose token this is, or NULL.  The SHA-256 of the presented
 * token is compared with every client's in constant time (CRYPTO_memcmp,
 * no early exit), so timing tells nothing about which bytes or which client
 * nearly matched.  A token of the wrong shape is refused without hashing.
 */
const struct client *signd_clients_authenticate(const struct clients *cl,
    const char *token, size_t len);

/* May client act for this office?  (Offices not configured are checked by the signer.) */
int signd_clients_allows(const struct client *c, const char *office);

/* The client as the issuing library sees it (pointers into c). */
void signd_clients_who(const struct client *c, struct signer_client *out);

/* Is this the shape of a token (43-128 base64url characters)? */
int signd_clients_token_shape_ok(const char *token, size_t len);

#endif

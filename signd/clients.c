/* signd/clients.c — client systems and their bearer tokens; see clients.h. */
#include "signd/clients.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/fileio.h"
#include "core/hex.h"

#define CLIENTS_FILE_MAX (1024 * 1024)
#define CLIENTS_MAX 10000

void
signd_clients_free(struct clients *cl)
{
	size_t i, j;

	if (cl == NULL)
		return;
	for (i = 0; i < cl->n; i++) {
		for (j = 0; j < cl->item[i].n_offices; j++)
			free(cl->item[i].offices[j]);
		free(cl->item[i].offices);
	}
	free(cl->item);
	free(cl);
}

static int
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CLIENTS_NAME_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' &&
		    *s != '-')
			return 0;
	return 1;
}

/* "sha256:" + 64 hex digits. */
static int
parse_hash(const char *s, unsigned char out[32])
{
	if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != 7 + 64)
		return -1;
	return cs_hex_decode(s + 7, 32, out);
}

static int
parse_offices(struct client *c, char *list, const struct cs_config *cfg,
    const char *file, size_t line, struct cs_err *err)
{
	char *tok, *next;
	size_t i;

	if (strcmp(list, "*") == 0) {
		c->all_offices = 1;
		return 0;
	}
	/* Split by hand: strtok would silently skip an empty item (",,"). */
	for (tok = list; tok != NULL; tok = next) {
		char **p;

		if ((next = strchr(tok, ',')) != NULL)
			*next++ = '\0';

		if (*tok == '\0' || strcmp(tok, "*") == 0)
			return cs_err_set(err, CS_E_CONFIG, "%s:%zu: client %s: "
			    "'*' stands alone, and office codes are separated "
			    "by single commas", file, line, c->name);
		if (cfg != NULL && cs_config_office(cfg, tok) == NULL)
			return cs_err_set(err, CS_E_CONFIG, "%s:%zu: client %s: "
			    "office %.64s is not configured in %s", file, line,
			    c->name, tok, cfg->path);
		for (i = 0; i < c->n_offices; i++)
			if (strcmp(c->offices[i], tok) == 0)
				return cs_err_set(err, CS_E_CONFIG, "%s:%zu: "
				    "client %s: office %.64s listed twice", file,
				    line, c->name, tok);
		if ((p = realloc(c->offices, (c->n_offices + 1) *
		    sizeof(*p))) == NULL)
			return cs_err_set(err, CS_E_NOMEM, "out of memory");
		c->offices = p;
		if ((c->offices[c->n_offices] = strdup(tok)) == NULL)
			return cs_err_set(err, CS_E_NOMEM, "out of memory");
		c->n_offices++;
	}
	if (c->n_offices == 0)
		return cs_err_set(err, CS_E_CONFIG, "%s:%zu: client %s has no "
		    "office", file, line, c->name);
	return 0;
}

/* One non-blank, non-comment line: "name sha256:hex offices". */
static int
parse_line(struct clients *cl, char *s, const struct cs_config *cfg,
    const char *file, size_t line, struct cs_err *err)
{
	char *f[4], *save = NULL;
	struct client *c, *items;
	size_t i, nf = 0;

	for (f[nf] = strtok_r(s, " \t", &save); f[nf] != NULL && nf < 3;
	    f[nf] = strtok_r(NULL, " \t", &save))
		nf++;
	if (nf != 3 || f[3] != NULL)
		return cs_err_set(err, CS_E_CONFIG, "%s:%zu: want 'name "
		    "sha256:<hex> offices' (three fields)", file, line);
	if (!name_ok(f[0]))
		return cs_err_set(err, CS_E_CONFIG, "%s:%zu: client name must be "
		    "1-63 of A-Z a-z 0-9 . _ -", file, line);
	if (cl->n >= CLIENTS_MAX)
		return cs_err_set(err, CS_E_CONFIG, "%s:%zu: more than %d "
		    "clients", file, line, CLIENTS_MAX);
	if ((items = realloc(cl->item, (cl->n + 1) * sizeof(*items))) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	cl->item = items;
	c = &cl->item[cl->n++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", f[0]);
	if (parse_hash(f[1], c->token_sha256) != 0)
		/* The hash is not a secret, but it has no business in a log. */
		return cs_err_set(err, CS_E_CONFIG, "%s:%zu: client %s: token "
		    "hash must be sha256: and 64 hex digits", file, line,
		    c->name);
	for (i = 0; i + 1 < cl->n; i++) {
		if (strcmp(cl->item[i].name, c->name) == 0)
			return cs_err_set(err, CS_E_CONFIG, "%s:%zu: client %s "
			    "is defined twice", file, line, c->name);
		/* One token, two clients: who is calling would be a guess. */
		if (memcmp(cl->item[i].token_sha256, c->token_sha256, 32) == 0)
			return cs_err_set(err, CS_E_CONFIG, "%s:%zu: client %s "
			    "has the same token as client %s", file, line,
			    c->name, cl->item[i].name);
	}
	return parse_offices(c, f[2], cfg, file, line, err);
}

int
signd_clients_parse(const char *text, size_t len, const char *name,
    const struct cs_config *cfg, struct clients **out, struct cs_err *err)
{
	struct clients *cl = NULL;
	char *buf = NULL, *line, *next, *hash;
	size_t lineno = 0;
	int r = CS_E_INTERNAL;

	*out = NULL;
	if (memchr(text, '\0', len) != NULL) {
		r = cs_err_set(err, CS_E_CONFIG, "%s: contains a NUL byte", name);
		goto out;
	}
	if ((cl = calloc(1, sizeof(*cl))) == NULL ||
	    (buf = malloc(len + 1)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	for (line = buf; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		line[strcspn(line, "\r")] = '\0';
		if (line[strspn(line, " \t")] == '\0')
			continue;
		if ((r = parse_line(cl, line, cfg, name, lineno, err)) != 0)
			goto out;
	}
	*out = cl;
	cl = NULL;		/* transferred to caller */
	r = 0;
out:
	free(buf);
	signd_clients_free(cl);
	return r;
}

int
signd_clients_load(const char *path, const struct cs_config *cfg,
    struct clients **out, struct cs_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	if (path == NULL)
		return cs_err_set(err, CS_E_CONFIG, "no clients file "
		    "configured ([signd] clients)");
	if ((r = cs_file_read(path, CLIENTS_FILE_MAX, &text, &len, err)) != 0) {
		if (r == CS_E_IO)
			return r;
		return cs_err_set(err, CS_E_CONFIG, "clients file %s is larger "
		    "than %d bytes", path, CLIENTS_FILE_MAX);
	}
	r = signd_clients_parse(text, len, path, cfg, out, err);
	free(text);
	return r;
}

int
signd_clients_token_shape_ok(const char *token, size_t len)
{
	size_t i;

	if (len < CLIENTS_TOKEN_MIN || len > CLIENTS_TOKEN_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)token[i]) && token[i] != '-' &&
		    token[i] != '_')
			return 0;
	return 1;
}

const struct client *
signd_clients_authenticate(const struct clients *cl, const char *token, size_t len)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	size_t i, found = 0, mask;

	if (cl == NULL || !signd_clients_token_shape_ok(token, len))
		return NULL;
	if (EVP_Digest(token, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != sizeof(md))
		return NULL;
	/*
	 * Every client is compared, in constant time, and the match is
	 * selected with a mask rather than a branch: the time taken does not
	 * depend on which client (if any) matched.
	 */
	for (i = 0; i < cl->n; i++) {
		mask = (size_t)0 - (size_t)(CRYPTO_memcmp(md,
		    cl->item[i].token_sha256, sizeof(md)) == 0);
		found = (found & ~mask) | ((i + 1) & mask);
	}
	OPENSSL_cleanse(md, sizeof(md));
	return found != 0 ? &cl->item[found - 1] : NULL;
}

void
signd_clients_who(const struct client *c, struct signer_client *out)
{
	out->name = c->name;
	out->all_offices = c->all_offices;
	out->offices = c->offices;
	out->n_offices = c->n_offices;
}

int
signd_clients_allows(const struct client *c, const char *office)
{
	struct signer_client who;

	if (c == NULL)
		return 0;
	signd_clients_who(c, &who);
	return signer_client_allows(&who, office);
}

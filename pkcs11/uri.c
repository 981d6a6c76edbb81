/* pkcs11/uri.c — RFC 7512 PKCS#11 URI parser; see uri.h. */
#include "pkcs11/uri.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/hex.h"

enum attr_kind { A_STRING, A_BYTES, A_TYPE, A_PIN_SOURCE, A_REFUSED };

/* Every attribute we accept, where it may appear, and where it goes. */
static const struct attr_def {
	const char *name;
	int query;		/* 0: path attribute (;), 1: query attribute (&) */
	enum attr_kind kind;
	size_t off;		/* in struct p11_uri */
	const char *why;	/* A_REFUSED: the reason */
} attrs[] = {
	{ "token", 0, A_STRING, offsetof(struct p11_uri, token), NULL },
	{ "manufacturer", 0, A_STRING, offsetof(struct p11_uri, manufacturer), NULL },
	{ "serial", 0, A_STRING, offsetof(struct p11_uri, serial), NULL },
	{ "model", 0, A_STRING, offsetof(struct p11_uri, model), NULL },
	{ "library-manufacturer", 0, A_STRING,
	    offsetof(struct p11_uri, library_manufacturer), NULL },
	{ "library-description", 0, A_STRING,
	    offsetof(struct p11_uri, library_description), NULL },
	{ "library-version", 0, A_STRING,
	    offsetof(struct p11_uri, library_version), NULL },
	{ "object", 0, A_STRING, offsetof(struct p11_uri, object), NULL },
	{ "id", 0, A_BYTES, offsetof(struct p11_uri, id), NULL },
	{ "type", 0, A_TYPE, offsetof(struct p11_uri, type), NULL },
	{ "module-path", 1, A_STRING, offsetof(struct p11_uri, module_path), NULL },
	{ "pin-source", 1, A_PIN_SOURCE, offsetof(struct p11_uri, pin_source), NULL },
	/* A secret must never sit in a config file, a log line or argv. */
	{ "pin-value", 1, A_REFUSED, 0, "a PIN must not be written in a URI; "
	    "use pin-source=file:PATH or the configured pin_file" },
	{ "module-name", 1, A_REFUSED, 0, "name the module by module-path" },
	{ "slot-id", 0, A_REFUSED, 0, "slots are not stable; name the token" },
	{ "slot-description", 0, A_REFUSED, 0, "slots are not stable; name the token" },
	{ "slot-manufacturer", 0, A_REFUSED, 0, "slots are not stable; name the token" },
};

static const char *const types[] = { "private", "public", "cert",
	"secret-key", "data" };

void
p11_uri_free(struct p11_uri *u)
{
	if (u == NULL)
		return;
	free(u->token);
	free(u->manufacturer);
	free(u->serial);
	free(u->model);
	free(u->library_manufacturer);
	free(u->library_description);
	free(u->library_version);
	free(u->object);
	free(u->id);
	free(u->type);
	free(u->module_path);
	free(u->pin_source);
	free(u);
}

char *
p11_uri_id_hex(const unsigned char *id, size_t id_len, char *buf, size_t n)
{
	if (n == 0)
		return buf;
	if (id_len > (n - 1) / 2)
		id_len = (n - 1) / 2;
	cs_hex_encode(id, id_len, buf);
	return buf;
}

/*
 * Percent-decode s[0..n) into a new buffer (NUL-terminated for convenience).
 * RFC 3986 forbids raw controls and spaces in a URI; a string attribute must
 * not decode to a NUL byte, which would silently cut a C string short.
 */
static int
pct_decode(const char *name, const char *s, size_t n, int allow_nul,
    unsigned char **out, size_t *out_len, struct cs_err *err)
{
	unsigned char *d;
	size_t i, j = 0;

	*out = NULL;
	if ((d = malloc(n + 1)) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 2 >= n) {
				free(d);
				return cs_err_set(err, CS_E_INVALID,
				    "PKCS#11 URI attribute %s: truncated "
				    "percent-encoding", name);
			}
			if (cs_hex_decode(s + i + 1, 1, &c) != 0) {
				free(d);
				return cs_err_set(err, CS_E_INVALID,
				    "PKCS#11 URI attribute %s: '%%' not followed "
				    "by two hex digits", name);
			}
			i += 2;
			if (c == '\0' && !allow_nul) {
				free(d);
				return cs_err_set(err, CS_E_INVALID,
				    "PKCS#11 URI attribute %s: %%00 is not "
				    "allowed in a text value", name);
			}
		} else if (c <= 0x20 || c == 0x7f) {
			free(d);
			return cs_err_set(err, CS_E_INVALID,
			    "PKCS#11 URI attribute %s: control character or "
			    "space must be percent-encoded", name);
		}
		d[j++] = c;
	}
	d[j] = '\0';
	*out = d;
	*out_len = j;
	return 0;
}

static const struct attr_def *
find_attr(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (strlen(attrs[i].name) == n &&
		    memcmp(attrs[i].name, name, n) == 0)
			return &attrs[i];
	return NULL;
}

/* pin-source: "file:/path", "file:///path" or "file:relative"; nothing else. */
static int
pin_source(char *v, char **out, struct cs_err *err)
{
	const char *p;

	*out = NULL;
	if (strncasecmp(v, "file:", 5) != 0)
		return cs_err_set(err, CS_E_INVALID, "PKCS#11 URI attribute "
		    "pin-source: only file: is supported");
	p = v + 5;
	if (strncmp(p, "//", 2) == 0) {
		if (p[2] != '/')
			return cs_err_set(err, CS_E_INVALID, "PKCS#11 URI "
			    "attribute pin-source: a file: URI must not name "
			    "a host");
		p += 2;
	}
	if (*p == '\0')
		return cs_err_set(err, CS_E_INVALID, "PKCS#11 URI attribute "
		    "pin-source: empty file name");
	if ((*out = strdup(p)) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	return 0;
}

/* One "name=value" of length n, found in the path (query 0) or query (1). */
static int
parse_attr(struct p11_uri *u, const char *s, size_t n, int query,
    struct cs_err *err)
{
	const struct attr_def *a;
	const char *eq = memchr(s, '=', n);
	unsigned char *v = NULL;
	size_t vlen = 0, nlen, i;
	void **slot;
	int r;

	if (n == 0)
		return cs_err_set(err, CS_E_INVALID, "PKCS#11 URI: empty "
		    "attribute (doubled '%c')", query ? '&' : ';');
	if (eq == NULL)
		return cs_err_set(err, CS_E_INVALID, "PKCS#11 URI attribute "
		    "'%.*s' has no '='", (int)(n > 64 ? 64 : n), s);
	nlen = (size_t)(eq - s);
	if ((a = find_attr(s, nlen)) == NULL || a->query != query) {
		if (a != NULL)
			return cs_err_set(err, CS_E_INVALID, "PKCS#11 URI "
			    "attribute %s belongs in the %s", a->name,
			    a->query ? "query (after '?')" : "path (before '?')");
		return cs_err_set(err, CS_E_INVALID, "PKCS#11 URI: unknown "
		    "attribute '%.*s'", (int)(nlen > 64 ? 64 : nlen), s);
	}
	if (a->kind == A_REFUSED)
		return cs_err_set(err, CS_E_INVALID, "PKCS#11 URI attribute %s "
		    "is refused: %s", a->name, a->why);
	slot = (void **)((char *)u + a->off);
	if (*slot != NULL)
		return cs_err_set(err, CS_E_INVALID, "PKCS#11 URI: attribute "
		    "%s given twice", a->name);
	if ((r = pct_decode(a->name, eq + 1, n - nlen - 1, a->kind == A_BYTES,
	    &v, &vlen, err)) != 0)
		return r;
	switch (a->kind) {
	case A_BYTES:
		if (vlen == 0) {
			free(v);
			return cs_err_set(err, CS_E_INVALID, "PKCS#11 URI "
			    "attribute id is empty");
		}
		u->id_len = vlen;
		break;
	case A_TYPE:
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcmp((char *)v, types[i]) == 0)
				break;
		if (i == sizeof(types) / sizeof(types[0])) {
			r = cs_err_set(err, CS_E_INVALID, "PKCS#11 URI "
			    "attribute type=%.32s: not one of private, public, "
			    "cert, secret-key, data", (char *)v);
			free(v);
			return r;
		}
		break;
	case A_PIN_SOURCE: {
		char *path;

		r = pin_source((char *)v, &path, err);
		free(v);
		if (r != 0)
			return r;
		v = (unsigned char *)path;
		break;
	}
	default:
		break;
	}
	*slot = v;
	return 0;
}

/* The attributes in [p, stop), separated by sep; an empty list is allowed. */
static int
parse_list(struct p11_uri *u, const char *p, const char *stop, int query,
    struct cs_err *err)
{
	const char *sep;
	int r;

	if (p == stop)
		return 0;
	for (;;) {
		if ((sep = memchr(p, query ? '&' : ';', (size_t)(stop - p))) ==
		    NULL)
			sep = stop;
		if ((r = parse_attr(u, p, (size_t)(sep - p), query, err)) != 0)
			return r;
		if (sep == stop)
			return 0;
		p = sep + 1;	/* a trailing separator is an empty attribute */
	}
}

int
p11_uri_parse(const char *s, struct p11_uri **out, struct cs_err *err)
{
	struct p11_uri *u = NULL;
	const char *p, *end, *q;
	size_t len;
	int r = CS_E_INTERNAL;

	*out = NULL;
	/* URI schemes are case-insensitive (RFC 3986, 3.1). */
	if (s == NULL || strncasecmp(s, "pkcs11:", 7) != 0) {
		r = cs_err_set(err, CS_E_INVALID, "not a PKCS#11 URI: it must "
		    "start with 'pkcs11:'");
		goto out;
	}
	if ((len = strlen(s)) > P11_URI_MAX) {
		r = cs_err_set(err, CS_E_INVALID, "PKCS#11 URI longer than %d "
		    "bytes", P11_URI_MAX);
		goto out;
	}
	if (strchr(s, '#') != NULL) {
		r = cs_err_set(err, CS_E_INVALID, "PKCS#11 URI: a fragment "
		    "('#') is not allowed");
		goto out;
	}
	if ((u = calloc(1, sizeof(*u))) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	p = s + 7;
	end = s + len;
	q = strchr(p, '?');
	if ((r = parse_list(u, p, q != NULL ? q : end, 0, err)) != 0)
		goto out;
	if (q != NULL) {
		if (q + 1 == end) {
			r = cs_err_set(err, CS_E_INVALID, "PKCS#11 URI: empty "
			    "query after '?'");
			goto out;
		}
		if ((r = parse_list(u, q + 1, end, 1, err)) != 0)
			goto out;
	}
	*out = u;
	u = NULL;		/* transferred to caller */
	r = 0;
out:
	p11_uri_free(u);
	return r;
}

/*
 * pkcs11/uri.h — RFC 7512 PKCS#11 URIs naming a token and a key, e.g.
 *
 *   pkcs11:token=civseal-dev;object=01-BADINH;type=private
 *   pkcs11:token=civseal-dev;id=%01?module-path=/usr/lib/softhsm/libsofthsm2.so
 *
 * Path attributes: token, manufacturer, serial, model, library-manufacturer,
 * library-description, library-version, object, id, type.  Query attributes:
 * module-path, pin-source (file: only).  pin-value is refused: a PIN must
 * not sit in a config file or on a command line.  Unknown or duplicated
 * attributes are refused by name.
 */
#ifndef CS_P11_URI_H
#define CS_P11_URI_H

#include <stddef.h>

#include "core/err.h"

#define P11_URI_MAX 4096	/* longer URIs are refused */

/* Every member is NULL (id_len 0) when the URI does not give it; values are
 * percent-decoded and NUL-terminated (id is raw bytes, id_len long). */
struct p11_uri {
	char *token;
	char *manufacturer;
	char *serial;
	char *model;
	char *library_manufacturer;
	char *library_description;
	char *library_version;
	char *object;
	unsigned char *id;
	size_t id_len;
	char *type;		/* private | public | cert | secret-key | data */
	char *module_path;
	char *pin_source;	/* a file path: the "file:" prefix is removed */
};

/*
 * Parse s into a new struct p11_uri owned by the caller (p11_uri_free).
 * CS_E_INVALID names what is wrong: the scheme, the attribute, the
 * percent-encoding.  The message never repeats a pin-value.
 */
int p11_uri_parse(const char *s, struct p11_uri **out, struct cs_err *err);
void p11_uri_free(struct p11_uri *u);

/* id as lower-case hex into buf (at most n bytes with the NUL); returns buf. */
char *p11_uri_id_hex(const unsigned char *id, size_t id_len, char *buf,
    size_t n);

#endif

/* core/config.c — read the INI-style configuration file; see config.h. */
#include "core/config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/doc.h"

#define CONFIG_MAX_BYTES (256 * 1024)
#define CONFIG_MAX_OFFICES 4096
#define CONFIG_MAX_LIST 16		/* values of one list key */
#define CONFIG_MS_MAX 600000		/* a millisecond value: at most 10 min */

enum section { SEC_NONE, SEC_PKCS11, SEC_TRUST, SEC_STORE, SEC_SIGND,
	SEC_VERIFYD, SEC_TSA, SEC_TSAD, SEC_OFFICE };

/*
 * K_STRING and K_PATH fill a char *; K_LIST a struct cs_strlist; K_MS an
 * unsigned (1 to CONFIG_MS_MAX milliseconds); K_BOOL an int (yes|no).
 */
enum kind { K_STRING, K_PATH, K_LIST, K_MS, K_BOOL };

/* Every key the file may hold, per section: anything else is refused. */
struct key_def {
	enum section sec;
	const char *name;
	enum kind kind;
	size_t off;		/* in struct cs_config, or struct cs_office */
};

static const struct key_def keys[] = {
	{ SEC_PKCS11, "module", K_PATH, offsetof(struct cs_config, p11_module) },
	{ SEC_PKCS11, "pin_file", K_PATH, offsetof(struct cs_config, p11_pin_file) },
	{ SEC_PKCS11, "pin_env", K_STRING, offsetof(struct cs_config, p11_pin_env) },
	{ SEC_PKCS11, "softhsm2_conf", K_PATH, offsetof(struct cs_config, softhsm2_conf) },
	{ SEC_TRUST, "anchors", K_PATH, offsetof(struct cs_config, trust_anchors) },
	{ SEC_TRUST, "crl", K_PATH, offsetof(struct cs_config, trust_crl) },
	{ SEC_STORE, "path", K_PATH, offsetof(struct cs_config, store_path) },
	{ SEC_STORE, "url", K_STRING, offsetof(struct cs_config, store_url) },
	{ SEC_SIGND, "listen", K_STRING, offsetof(struct cs_config, signd_listen) },
	{ SEC_SIGND, "clients", K_PATH, offsetof(struct cs_config, signd_clients) },
	{ SEC_VERIFYD, "listen", K_STRING, offsetof(struct cs_config, verifyd_listen) },
	{ SEC_VERIFYD, "base_url", K_STRING, offsetof(struct cs_config, verify_base_url) },
	{ SEC_VERIFYD, "rate_limit", K_STRING, offsetof(struct cs_config, verifyd_rate_limit) },
	{ SEC_VERIFYD, "rate_burst", K_STRING, offsetof(struct cs_config, verifyd_rate_burst) },
	{ SEC_TSA, "url", K_LIST, offsetof(struct cs_config, tsa_urls) },
	{ SEC_TSA, "timeout_ms", K_MS, offsetof(struct cs_config, tsa_timeout_ms) },
	{ SEC_TSA, "anchors", K_PATH, offsetof(struct cs_config, tsa_anchors) },
	{ SEC_TSA, "policy", K_STRING, offsetof(struct cs_config, tsa_policy) },
	{ SEC_TSA, "require", K_BOOL, offsetof(struct cs_config, tsa_require) },
	{ SEC_TSAD, "listen", K_STRING, offsetof(struct cs_config, tsad_listen) },
	{ SEC_TSAD, "key", K_STRING, offsetof(struct cs_config, tsad_key) },
	{ SEC_TSAD, "cert", K_PATH, offsetof(struct cs_config, tsad_cert) },
	{ SEC_TSAD, "chain", K_PATH, offsetof(struct cs_config, tsad_chain) },
	{ SEC_TSAD, "policy", K_STRING, offsetof(struct cs_config, tsad_policy) },
	{ SEC_TSAD, "accuracy_ms", K_MS, offsetof(struct cs_config, tsad_accuracy_ms) },
	{ SEC_OFFICE, "name", K_STRING, offsetof(struct cs_office, name) },
	{ SEC_OFFICE, "key", K_STRING, offsetof(struct cs_office, key_uri) },
	{ SEC_OFFICE, "cert", K_PATH, offsetof(struct cs_office, cert_path) },
	{ SEC_OFFICE, "chain", K_PATH, offsetof(struct cs_office, chain_path) },
	{ SEC_OFFICE, "seal_key", K_STRING, offsetof(struct cs_office, seal_key_uri) },
	{ SEC_OFFICE, "seal_cert", K_PATH, offsetof(struct cs_office, seal_cert_path) },
};

static const struct {
	const char *name;
	enum section sec;
} sections[] = {
	{ "pkcs11", SEC_PKCS11 }, { "trust", SEC_TRUST }, { "store", SEC_STORE },
	{ "signd", SEC_SIGND }, { "verifyd", SEC_VERIFYD }, { "tsa", SEC_TSA },
	{ "tsad", SEC_TSAD },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))
/* Keys other than strings are remembered as given in a bit set. */
_Static_assert(NKEYS <= 64, "struct parse_state.seen holds 64 keys");

static int
is_string_kind(enum kind k)
{
	return k == K_STRING || k == K_PATH;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* An office code is an opaque printable ASCII id: letters, digits, '-', '_', '.'. */
static char *
resolve_path(const struct cs_config *cfg, const char *v)
{
	char *p;

	if (v[0] == '/' || cfg->dir == NULL)
		return strdup(v);
	if ((p = malloc(strlen(cfg->dir) + strlen(v) + 2)) == NULL)
		return NULL;
	sprintf(p, "%s/%s", cfg->dir, v);
	return p;
}

/* Append the values of a list line ("a b", "a, b") to l. */
static int
set_list(struct cs_config *cfg, struct cs_strlist *l, const char *k,
    const char *v, int line, struct cs_err *err)
{
	static const char sep[] = " \t,";
	char **nv;
	size_t n;

	while (*(v += strspn(v, sep)) != '\0') {
		n = strcspn(v, sep);
		if (l->n >= CONFIG_MAX_LIST)
			return cs_err_set(err, CS_E_CONFIG, "%s:%d: more than "
			    "%d values for '%s'", cfg->path, line,
			    CONFIG_MAX_LIST, k);
		if ((nv = realloc(l->v, (l->n + 1) * sizeof(*nv))) == NULL)
			return cs_err_set(err, CS_E_NOMEM, "out of memory");
		l->v = nv;
		if ((l->v[l->n] = strndup(v, n)) == NULL)
			return cs_err_set(err, CS_E_NOMEM, "out of memory");
		l->n++;
		v += n;
	}
	return 0;
}

static int
set_ms(struct cs_config *cfg, unsigned *slot, const char *k, const char *v,
    int line, struct cs_err *err)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (*v < '0' || *v > '9' || *end != '\0' || errno != 0 || n < 1 ||
	    n > CONFIG_MS_MAX)
		return cs_err_set(err, CS_E_CONFIG, "%s:%d: '%s' must be a "
		    "number of milliseconds from 1 to %d", cfg->path, line, k,
		    CONFIG_MS_MAX);
	*slot = (unsigned)n;
	return 0;
}

static int
set_bool(struct cs_config *cfg, int *slot, const char *k, const char *v,
    int line, struct cs_err *err)
{
	if (strcmp(v, "yes") == 0)
		*slot = 1;
	else if (strcmp(v, "no") == 0)
		*slot = 0;
	else
		return cs_err_set(err, CS_E_CONFIG, "%s:%d: '%s' must be yes "
		    "or no", cfg->path, line, k);
	return 0;
}

static int
set_key(struct cs_config *cfg, enum section sec, struct cs_office *office,
    uint64_t *seen, const char *k, const char *v, int line,
    struct cs_err *err)
{
	char **slot;
	void *p;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (keys[i].sec != sec || strcmp(keys[i].name, k) != 0)
			continue;
		p = (char *)(sec == SEC_OFFICE ? (void *)office : (void *)cfg) +
		    keys[i].off;
		if (*v == '\0')
			return cs_err_set(err, CS_E_CONFIG,
			    "%s:%d: key '%s' has an empty value", cfg->path,
			    line, k);
		if (keys[i].kind == K_LIST)
			return set_list(cfg, p, k, v, line, err);
		if (!is_string_kind(keys[i].kind)) {
			if (*seen & ((uint64_t)1 << i))
				return cs_err_set(err, CS_E_CONFIG,
				    "%s:%d: key '%s' given twice", cfg->path,
				    line, k);
			*seen |= (uint64_t)1 << i;
			if (keys[i].kind == K_MS)
				return set_ms(cfg, p, k, v, line, err);
			return set_bool(cfg, p, k, v, line, err);
		}
		slot = p;
		if (*slot != NULL)
			return cs_err_set(err, CS_E_CONFIG,
			    "%s:%d: key '%s' given twice", cfg->path, line, k);
		*slot = keys[i].kind == K_PATH ? resolve_path(cfg, v) : strdup(v);
		if (*slot == NULL)
			return cs_err_set(err, CS_E_NOMEM, "out of memory");
		return 0;
	}
	return cs_err_set(err, CS_E_CONFIG, "%s:%d: unknown key '%s' in this section",
	    cfg->path, line, k);
}

static int
parse_section(struct cs_config *cfg, char *name, int line, enum section *sec,
    struct cs_office **office, struct cs_err *err)
{
	struct cs_office *o;
	size_t i;

	name = trim(name);
	if (strncmp(name, "office ", 7) == 0) {
		const char *code = trim(name + 7);

		if (!cs_office_code_ok(code, strlen(code)))
			return cs_err_set(err, CS_E_CONFIG,
			    "%s:%d: office code '%s' must be 1-63 letters, digits, '-', '_' or '.'",
			    cfg->path, line, code);
		if (cs_config_office(cfg, code) != NULL)
			return cs_err_set(err, CS_E_CONFIG,
			    "%s:%d: office %s is configured twice", cfg->path,
			    line, code);
		if (cfg->n_offices >= CONFIG_MAX_OFFICES)
			return cs_err_set(err, CS_E_CONFIG,
			    "%s:%d: too many offices", cfg->path, line);
		o = realloc(cfg->offices, (cfg->n_offices + 1) * sizeof(*o));
		if (o == NULL)
			return cs_err_set(err, CS_E_NOMEM, "out of memory");
		cfg->offices = o;
		o = &cfg->offices[cfg->n_offices];
		memset(o, 0, sizeof(*o));
		if ((o->code = strdup(code)) == NULL)
			return cs_err_set(err, CS_E_NOMEM, "out of memory");
		cfg->n_offices++;
		*sec = SEC_OFFICE;
		*office = o;
		return 0;
	}
	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (strcmp(sections[i].name, name) == 0) {
			*sec = sections[i].sec;
			*office = NULL;
			return 0;
		}
	}
	return cs_err_set(err, CS_E_CONFIG, "%s:%d: unknown section [%s]",
	    cfg->path, line, name);
}

static int
parse(struct cs_config *cfg, char *text, struct cs_err *err)
{
	enum section sec = SEC_NONE;
	struct cs_office *office = NULL;
	char *line, *next, *eq, *end;
	uint64_t seen = 0;
	int lineno = 0, r;

	for (line = text; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line = trim(line);
		if (*line == '\0' || *line == '#' || *line == ';')
			continue;
		if (*line == '[') {
			if ((end = strchr(line, ']')) == NULL || end[1] != '\0')
				return cs_err_set(err, CS_E_CONFIG,
				    "%s:%d: malformed section header", cfg->path,
				    lineno);
			*end = '\0';
			if ((r = parse_section(cfg, line + 1, lineno, &sec,
			    &office, err)) != 0)
				return r;
			continue;
		}
		if ((eq = strchr(line, '=')) == NULL)
			return cs_err_set(err, CS_E_CONFIG,
			    "%s:%d: expected 'key = value'", cfg->path, lineno);
		if (sec == SEC_NONE)
			return cs_err_set(err, CS_E_CONFIG,
			    "%s:%d: key outside any section", cfg->path, lineno);
		*eq = '\0';
		if ((r = set_key(cfg, sec, office, &seen, trim(line),
		    trim(eq + 1), lineno, err)) != 0)
			return r;
	}
	return 0;
}

static int
check(const struct cs_config *cfg, struct cs_err *err)
{
	size_t i;

	if (cfg->p11_pin_file != NULL && cfg->p11_pin_env != NULL)
		return cs_err_set(err, CS_E_CONFIG,
		    "%s: [pkcs11] has both pin_file and pin_env; keep one",
		    cfg->path);
	if (cfg->store_path != NULL && cfg->store_url != NULL)
		return cs_err_set(err, CS_E_CONFIG,
		    "%s: [store] has both path and url; keep one", cfg->path);
	/* A token must be checked against anchors before it is used. */
	if (cfg->tsa_urls.n > 0 && cfg->tsa_anchors == NULL)
		return cs_err_set(err, CS_E_CONFIG,
		    "%s: [tsa] has url but no anchors (the TSA trust anchors "
		    "its tokens are checked against)", cfg->path);
	for (i = 0; i < cfg->n_offices; i++) {
		const struct cs_office *o = &cfg->offices[i];

		if (o->key_uri == NULL || o->cert_path == NULL)
			return cs_err_set(err, CS_E_CONFIG,
			    "%s: [office %s] needs 'key' and 'cert'", cfg->path,
			    o->code);
		if (o->name == NULL)
			return cs_err_set(err, CS_E_CONFIG,
			    "%s: [office %s] needs 'name'", cfg->path, o->code);
		if ((o->seal_key_uri == NULL) != (o->seal_cert_path == NULL))
			return cs_err_set(err, CS_E_CONFIG,
			    "%s: [office %s] has one of 'seal_key' and "
			    "'seal_cert'; give both or neither", cfg->path,
			    o->code);
	}
	return 0;
}

int
cs_config_load(const char *path, struct cs_config **out, struct cs_err *err)
{
	struct cs_config *cfg = NULL;
	char *text = NULL, *slash;
	FILE *f = NULL;
	size_t n;
	int r = CS_E_INTERNAL;

	*out = NULL;
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL ||
	    (cfg->path = strdup(path)) == NULL ||
	    (cfg->dir = strdup(path)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	cfg->tsa_require = 1;
	if ((slash = strrchr(cfg->dir, '/')) != NULL)
		*slash = '\0';
	else {
		free(cfg->dir);
		cfg->dir = NULL;
	}
	if ((f = fopen(path, "r")) == NULL) {
		r = cs_err_set(err, CS_E_CONFIG, "cannot open config %s: %s",
		    path, strerror(errno));
		goto out;
	}
	if ((text = malloc(CONFIG_MAX_BYTES + 1)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	n = fread(text, 1, CONFIG_MAX_BYTES + 1, f);
	if (ferror(f)) {
		r = cs_err_set(err, CS_E_CONFIG, "cannot read config %s", path);
		goto out;
	}
	if (n > CONFIG_MAX_BYTES) {
		r = cs_err_set(err, CS_E_CONFIG, "config %s is larger than %d bytes",
		    path, CONFIG_MAX_BYTES);
		goto out;
	}
	text[n] = '\0';
	if (strlen(text) != n) {
		r = cs_err_set(err, CS_E_CONFIG, "config %s contains a NUL byte",
		    path);
		goto out;
	}
	if ((r = parse(cfg, text, err)) != 0 || (r = check(cfg, err)) != 0)
		goto out;
	*out = cfg;
	cfg = NULL;		/* transferred to caller */
	r = 0;
out:
	if (f != NULL)
		fclose(f);
	free(text);
	cs_config_free(cfg);
	return r;
}

void
cs_config_free(struct cs_config *cfg)
{
	size_t i, k;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->n_offices; i++) {
		struct cs_office *o = &cfg->offices[i];

		free(o->code);
		for (k = 0; k < NKEYS; k++)
			if (keys[k].sec == SEC_OFFICE)
				free(*(char **)((char *)o + keys[k].off));
	}
	free(cfg->offices);
	for (k = 0; k < NKEYS; k++) {
		if (keys[k].sec == SEC_OFFICE)
			continue;
		if (is_string_kind(keys[k].kind))
			free(*(char **)((char *)cfg + keys[k].off));
		else if (keys[k].kind == K_LIST) {
			struct cs_strlist *l = (struct cs_strlist *)
			    ((char *)cfg + keys[k].off);

			for (i = 0; i < l->n; i++)
				free(l->v[i]);
			free(l->v);
		}
	}
	free(cfg->path);
	free(cfg->dir);
	free(cfg);
}

const struct cs_office *
cs_config_office(const struct cs_config *cfg, const char *code)
{
	size_t i;

	for (i = 0; i < cfg->n_offices; i++)
		if (strcmp(cfg->offices[i].code, code) == 0)
			return &cfg->offices[i];
	return NULL;
}

int
cs_config_apply_env(const struct cs_config *cfg, struct cs_err *err)
{
	if (cfg->softhsm2_conf == NULL)
		return 0;
	if (setenv("SOFTHSM2_CONF", cfg->softhsm2_conf, 1) != 0)
		return cs_err_set(err, CS_E_CONFIG, "cannot set SOFTHSM2_CONF: %s",
		    strerror(errno));
	return 0;
}

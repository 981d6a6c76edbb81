/* pkcs11/pin.c — reading PINs without leaking them; see pin.h. */
#include "pkcs11/pin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

void
p11_pin_wipe(char *pin)
{
	if (pin == NULL)
		return;
	/* The buffer is always P11_PIN_MAX + 2 bytes: wipe all of it. */
	OPENSSL_cleanse(pin, P11_PIN_MAX + 2);
	free(pin);
}

/* Strip one trailing LF or CRLF and check what is left. */
static int
pin_finish(char *buf, size_t n, const char *what, const char *name,
    struct cs_err *err)
{
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (n == 0)
		return cs_err_set(err, CS_E_CONFIG, "PIN %s %s is empty", what,
		    name);
	if (n > P11_PIN_MAX)
		return cs_err_set(err, CS_E_CONFIG, "PIN %s %s is longer than "
		    "%d bytes", what, name, P11_PIN_MAX);
	if (memchr(buf, '\0', n) != NULL || memchr(buf, '\n', n) != NULL)
		return cs_err_set(err, CS_E_CONFIG, "PIN %s %s holds more "
		    "than one line", what, name);
	return 0;
}

int
p11_pin_read_file(const char *path, char **out, struct cs_err *err)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	ssize_t got;
	int fd = -1, r = CS_E_INTERNAL;

	*out = NULL;
	/* read(2) straight into the one buffer: no stdio copy to wipe. */
	if ((buf = calloc(1, P11_PIN_MAX + 2)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		r = cs_err_set(err, CS_E_IO, "cannot open PIN file %s: %s",
		    path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		r = cs_err_set(err, CS_E_IO, "cannot stat PIN file %s: %s",
		    path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = cs_err_set(err, CS_E_CONFIG, "PIN file %s is not a regular "
		    "file", path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		r = cs_err_set(err, CS_E_CONFIG, "PIN file %s has mode %04o: "
		    "it must not be accessible by group or others "
		    "(chmod 600 %s)", path, (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	/* Read one byte more than allowed so that a long PIN is detected. */
	while (n < P11_PIN_MAX + 1) {
		got = read(fd, buf + n, P11_PIN_MAX + 1 - n);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {
			r = cs_err_set(err, CS_E_IO, "cannot read PIN file %s: "
			    "%s", path, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (n == P11_PIN_MAX + 1 && buf[n - 1] != '\n') {
		r = cs_err_set(err, CS_E_CONFIG, "PIN file %s is longer than "
		    "%d bytes", path, P11_PIN_MAX);
		goto out;
	}
	if ((r = pin_finish(buf, n, "file", path, err)) != 0)
		goto out;
	*out = buf;
	buf = NULL;		/* transferred to caller */
	r = 0;
out:
	if (fd != -1)
		close(fd);
	p11_pin_wipe(buf);
	return r;
}

int
p11_pin_read_env(const char *name, char **out, struct cs_err *err)
{
	const char *v;
	char *buf = NULL;
	size_t n;
	int r = CS_E_INTERNAL;

	*out = NULL;
	if ((v = getenv(name)) == NULL) {
		r = cs_err_set(err, CS_E_CONFIG, "PIN variable %s is not set",
		    name);
		goto out;
	}
	if ((n = strlen(v)) > P11_PIN_MAX + 1) {
		r = cs_err_set(err, CS_E_CONFIG, "PIN variable %s is longer "
		    "than %d bytes", name, P11_PIN_MAX);
		goto out;
	}
	if ((buf = calloc(1, P11_PIN_MAX + 2)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	memcpy(buf, v, n);
	if ((r = pin_finish(buf, n, "variable", name, err)) != 0)
		goto out;
	*out = buf;
	buf = NULL;		/* transferred to caller */
	r = 0;
out:
	p11_pin_wipe(buf);
	return r;
}

int
p11_pin_read(const char *pin_file, const char *pin_env, char **out,
    struct cs_err *err)
{
	*out = NULL;
	if (pin_file != NULL)
		return p11_pin_read_file(pin_file, out, err);
	if (pin_env != NULL)
		return p11_pin_read_env(pin_env, out, err);
	return cs_err_set(err, CS_E_CONFIG, "no PIN source: set pin_file or "
	    "pin_env");
}

/* core/fileio.c — see fileio.h. */
#include "core/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
cs_file_read(const char *path, size_t max, char **out, size_t *len,
    struct cs_err *err)
{
	const char *name = strcmp(path, "-") == 0 ? "standard input" : path;
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0;
	ssize_t got;
	int fd = -1, r = CS_E_IO;

	*out = NULL;
	*len = 0;
	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		r = cs_err_set(err, CS_E_IO, "cannot open %s: %s", name,
		    strerror(errno));
		goto out;
	}
	for (;;) {
		if (n == cap) {
			cap = cap == 0 ? 64 * 1024 : cap * 2;
			if (cap > max + 1)
				cap = max + 1;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				r = cs_err_set(err, CS_E_NOMEM, "out of memory");
				goto out;
			}
			buf = nb;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = cs_err_set(err, CS_E_IO, "cannot read %s: %s", name,
			    strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			r = cs_err_set(err, CS_E_INVALID,
			    "%s is larger than %zu bytes", name, max);
			goto out;
		}
	}
	if (buf == NULL && (buf = malloc(1)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;		/* transferred to caller */
	r = 0;
out:
	if (fd > STDIN_FILENO)
		close(fd);
	free(buf);
	return r;
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t w;

	while (len > 0) {
		if ((w = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int
cs_file_write_atomic(const char *path, const void *buf, size_t len, int mode,
    struct cs_err *err)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	int fd = -1, dfd, r = CS_E_IO;

	if (strcmp(path, "-") == 0) {
		if (write_all(STDOUT_FILENO, buf, len) != 0)
			return cs_err_set(err, CS_E_IO,
			    "cannot write standard output: %s", strerror(errno));
		return 0;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return cs_err_set(err, CS_E_IO, "path too long: %s", path);
	if ((fd = mkstemp(tmp)) < 0)
		return cs_err_set(err, CS_E_IO, "cannot create %s: %s", tmp,
		    strerror(errno));
	if (fchmod(fd, (mode_t)mode) != 0 || write_all(fd, buf, len) != 0 ||
	    fsync(fd) != 0) {
		r = cs_err_set(err, CS_E_IO, "cannot write %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		r = cs_err_set(err, CS_E_IO, "cannot write %s: %s", path,
		    strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		r = cs_err_set(err, CS_E_IO, "cannot rename into %s: %s", path,
		    strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
	/* The rename itself must survive a crash. */
	snprintf(dir, sizeof(dir), "%s", path);
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp[0] != '\0')
		unlink(tmp);
	return r;
}

/* core/fileio.h — whole-file reads with a size bound, and atomic writes. */
#ifndef CS_FILEIO_H
#define CS_FILEIO_H

#include <stddef.h>

#include "core/err.h"

/*
 * Read all of path ("-" is standard input) into a malloc'd, NUL-terminated
 * buffer.  More than max bytes is CS_E_INVALID ("larger than …"); an
 * unreadable file is CS_E_IO naming it.
 */
int cs_file_read(const char *path, size_t max, char **out, size_t *len,
    struct cs_err *err);

/*
 * Write len bytes to path ("-" is standard output) atomically: a temporary
 * file in the same directory, fsync, rename — readers never see half a
 * document, and a failure leaves no partial file.  mode as for open(2).
 */
int cs_file_write_atomic(const char *path, const void *buf, size_t len,
    int mode, struct cs_err *err);

#endif

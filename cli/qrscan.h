/*
 * cli/qrscan.h — read the QR code in a photo or scan (PNG) with zbar.
 */
#ifndef CS_CLI_QRSCAN_H
#define CS_CLI_QRSCAN_H

#include "core/err.h"

/*
 * The text of the one QR code in the PNG at path; *out malloc'd.
 * CS_E_IO when the file cannot be read as PNG, CS_E_INVALID when the
 * image holds no QR code or more than one.
 */
int cli_qr_scan_png(const char *path, char **out, struct cs_err *err);

#endif

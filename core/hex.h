/* core/hex.h — lower-case hexadecimal, both ways. */
#ifndef CS_HEX_H
#define CS_HEX_H

#include <stddef.h>

/* Write n bytes as 2n lower-case hex digits and a NUL: out holds 2n + 1. */
void cs_hex_encode(const void *in, size_t n, char *out);

/* The value of one hex digit (either case), or -1 if c is not one. */
int cs_hex_digit(int c);

/*
 * Decode exactly 2n hex digits at s into n bytes.  -1 (out partly written)
 * if any of them is not a hex digit; s need not be NUL-terminated.
 */
int cs_hex_decode(const char *s, size_t n, unsigned char *out);

#endif

/*
 * verifyd/ratelimit.h — per-client-address rate limiting for
 * civseal-verifyd: a token bucket per address (rate tokens per second, at
 * most burst), in a fixed-size table so that a flood of addresses costs
 * memory once, not per address.  IPv6 clients are counted per /64, the
 * block one subscriber usually gets, so that rotating addresses inside it
 * does not multiply the allowance.
 *
 * When the table is full, the least recently seen entry of the probed
 * slots is replaced: an address then starts with a full bucket again,
 * which errs on the side of serving.  Thread-safe (one mutex).
 */
#ifndef VERIFIER_RATELIMIT_H
#define VERIFIER_RATELIMIT_H

#include <stddef.h>

#include "core/err.h"

struct verifyd_ratelimit;

/*
 * rate > 0 tokens per second, burst >= 1, slots addresses tracked (rounded
 * up to a power of two).  CS_E_INVALID for a bad parameter, CS_E_NOMEM.
 */
int verifyd_ratelimit_new(double rate, double burst, size_t slots,
    struct verifyd_ratelimit **out, struct cs_err *err);
void verifyd_ratelimit_free(struct verifyd_ratelimit *rl);

/*
 * Take one token for addr (text, as cs_httpd_client_addr gives it) at
 * time now (seconds, monotonic).  1 when allowed; 0 when refused, with
 * *retry_after the whole seconds until a token is there again.
 */
int verifyd_ratelimit_take(struct verifyd_ratelimit *rl, const char *addr,
    double now, unsigned *retry_after);

#endif

/* verifyd/ratelimit.c — token buckets per client address; see ratelimit.h. */
#include "verifyd/ratelimit.h"

#include <arpa/inet.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PROBE 8			/* slots looked at for one address */
#define KEY_LEN 17		/* family byte + 16 address bytes */

struct slot {
	unsigned char key[KEY_LEN];
	int used;
	double tokens;
	double seen;		/* last refill */
};

struct verifyd_ratelimit {
	pthread_mutex_t mu;
	double rate, burst;
	size_t mask;
	struct slot *slots;
};

int
verifyd_ratelimit_new(double rate, double burst, size_t slots,
    struct verifyd_ratelimit **out, struct cs_err *err)
{
	struct verifyd_ratelimit *rl;
	size_t n = PROBE;

	*out = NULL;
	if (!(rate > 0) || !(burst >= 1) || slots == 0 || slots > (1u << 24))
		return cs_err_set(err, CS_E_INVALID, "rate limit: rate must "
		    "be > 0, burst >= 1 and slots 1 to 2^24");
	while (n < slots)
		n *= 2;
	if ((rl = calloc(1, sizeof(*rl))) == NULL ||
	    (rl->slots = calloc(n, sizeof(*rl->slots))) == NULL) {
		free(rl);
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	}
	pthread_mutex_init(&rl->mu, NULL);
	rl->rate = rate;
	rl->burst = burst;
	rl->mask = n - 1;
	*out = rl;
	return 0;
}

void
verifyd_ratelimit_free(struct verifyd_ratelimit *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->mu);
	free(rl->slots);
	free(rl);
}

/* The bytes an address is counted under: IPv4 whole, IPv6 its /64. */
static void
addr_key(const char *addr, unsigned char key[KEY_LEN])
{
	memset(key, 0, KEY_LEN);
	if (inet_pton(AF_INET, addr, key + 1) == 1) {
		key[0] = 4;
	} else if (inet_pton(AF_INET6, addr, key + 1) == 1) {
		key[0] = 6;
		memset(key + 1 + 8, 0, 8);
	} else {
		/* Not an address (a Unix socket?): all such share one bucket. */
		key[0] = 0;
	}
}

/* FNV-1a over the key. */
static size_t
key_hash(const unsigned char key[KEY_LEN])
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < KEY_LEN; i++) {
		h ^= key[i];
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

int
verifyd_ratelimit_take(struct verifyd_ratelimit *rl, const char *addr,
    double now, unsigned *retry_after)
{
	unsigned char key[KEY_LEN];
	struct slot *s = NULL, *victim = NULL, *c;
	size_t h, i;
	int allowed;

	*retry_after = 0;
	addr_key(addr, key);
	h = key_hash(key);
	pthread_mutex_lock(&rl->mu);
	for (i = 0; i < PROBE; i++) {
		c = &rl->slots[(h + i) & rl->mask];
		if (c->used && memcmp(c->key, key, KEY_LEN) == 0) {
			s = c;
			break;
		}
		if (victim == NULL || !c->used ||
		    (victim->used && c->seen < victim->seen))
			victim = c;
	}
	if (s == NULL) {
		s = victim;
		memcpy(s->key, key, KEY_LEN);
		s->used = 1;
		s->tokens = rl->burst;
		s->seen = now;
	}
	if (now > s->seen) {
		s->tokens += (now - s->seen) * rl->rate;
		if (s->tokens > rl->burst)
			s->tokens = rl->burst;
	}
	s->seen = now;
	if (s->tokens >= 1) {
		s->tokens -= 1;
		allowed = 1;
	} else {
		*retry_after = (unsigned)ceil((1 - s->tokens) / rl->rate);
		if (*retry_after == 0)
			*retry_after = 1;
		allowed = 0;
	}
	pthread_mutex_unlock(&rl->mu);
	return allowed;
}

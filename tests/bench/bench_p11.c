/*
 * tests/bench/bench_p11.c — the raw limit: how many signatures per second
 * the HSM gives through PKCS#11 (libp11, EVP_PKEY_sign of a SHA-256 digest),
 * with N threads sharing one key, as civseal-signd's workers do.
 *
 *   bench_p11 --config FILE --office CODE [--threads N] [--seconds S]
 *
 * Prints one line: "raw office=… key=… threads=… signs=… rate=… p50_ms=… p99_ms=…".
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "core/config.h"
#include "pkcs11/key.h"

#define MAX_SAMPLES 200000

struct worker {
	EVP_PKEY *key;
	double until;
	double *lat;		/* seconds per signature */
	size_t n;
	int failed;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
run(void *arg)
{
	struct worker *w = arg;
	unsigned char md[32], sig[1024];
	size_t siglen;
	EVP_PKEY_CTX *pctx;
	double t0;

	memset(md, 0x5a, sizeof(md));
	while ((t0 = now()) < w->until && w->n < MAX_SAMPLES) {
		siglen = sizeof(sig);
		if ((pctx = EVP_PKEY_CTX_new(w->key, NULL)) == NULL ||
		    EVP_PKEY_sign_init(pctx) != 1 ||
		    EVP_PKEY_CTX_set_signature_md(pctx, EVP_sha256()) != 1 ||
		    (EVP_PKEY_base_id(w->key) == EVP_PKEY_RSA &&
		    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) ||
		    EVP_PKEY_sign(pctx, sig, &siglen, md, sizeof(md)) != 1) {
			EVP_PKEY_CTX_free(pctx);
			w->failed = 1;
			break;
		}
		EVP_PKEY_CTX_free(pctx);
		w->lat[w->n++] = now() - t0;
	}
	return NULL;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "office", required_argument, NULL, 'o' },
		{ "threads", required_argument, NULL, 't' },
		{ "seconds", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *office = NULL;
	int threads = 2, c, i, rc = 2;
	double seconds = 5, t0, elapsed, *all = NULL;
	struct cs_config *cfg = NULL;
	const struct cs_office *o;
	struct p11_ctx *p11 = NULL;
	struct worker *w = NULL;
	pthread_t *tid = NULL;
	EVP_PKEY *key = NULL;
	struct cs_err err = { 0, "" };
	char desc[64];
	size_t total = 0, k;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'o': office = optarg; break;
		case 't': threads = atoi(optarg); break;
		case 's': seconds = atof(optarg); break;
		default: return 2;
		}
	}
	if (config == NULL || office == NULL || threads < 1 || threads > 64) {
		fprintf(stderr, "usage: bench_p11 --config FILE --office CODE "
		    "[--threads N] [--seconds S]\n");
		return 2;
	}
	if (cs_config_load(config, &cfg, &err) != 0 ||
	    cs_config_apply_env(cfg, &err) != 0)
		goto out;
	if ((o = cs_config_office(cfg, office)) == NULL) {
		cs_err_set(&err, CS_E_CONFIG, "office %s not configured", office);
		goto out;
	}
	if (p11_ctx_new(cfg->p11_module, cfg->p11_pin_file, cfg->p11_pin_env,
	    &p11, &err) != 0 || p11_key_load(p11, o->key_uri, &key, &err) != 0)
		goto out;
	w = calloc((size_t)threads, sizeof(*w));
	tid = calloc((size_t)threads, sizeof(*tid));
	if (w == NULL || tid == NULL)
		goto out;
	t0 = now();
	for (i = 0; i < threads; i++) {
		w[i].key = key;
		w[i].until = t0 + seconds;
		if ((w[i].lat = malloc(MAX_SAMPLES * sizeof(double))) == NULL)
			goto out;
		pthread_create(&tid[i], NULL, run, &w[i]);
	}
	for (i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	elapsed = now() - t0;
	for (i = 0; i < threads; i++) {
		if (w[i].failed) {
			cs_err_set(&err, CS_E_HSM, "a signature failed");
			goto out;
		}
		total += w[i].n;
	}
	if (total == 0 || (all = malloc(total * sizeof(double))) == NULL)
		goto out;
	for (i = 0, k = 0; i < threads; i++) {
		memcpy(all + k, w[i].lat, w[i].n * sizeof(double));
		k += w[i].n;
	}
	qsort(all, total, sizeof(double), cmp);
	printf("raw office=%s key=%s threads=%d signs=%zu rate=%.1f p50_ms=%.2f "
	    "p99_ms=%.2f\n", office, p11_key_describe(key, desc, sizeof(desc)),
	    threads, total, (double)total / elapsed, all[total / 2] * 1e3,
	    all[(size_t)((double)total * 0.99)] * 1e3);
	rc = 0;
out:
	if (rc != 0 && err.msg[0] != '\0')
		fprintf(stderr, "bench_p11: %s\n", err.msg);
	for (i = 0; w != NULL && i < threads; i++)
		free(w[i].lat);
	free(all);
	free(w);
	free(tid);
	EVP_PKEY_free(key);
	p11_ctx_free(p11);
	cs_config_free(cfg);
	return rc;
}

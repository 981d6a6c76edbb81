/*
 * service/metrics.h — Prometheus metrics in the text exposition format (0.0.4).
 *
 * Families are declared once at start (name, type, help); series are made
 * on first use, one per distinct set of label values.  Label pairs are
 * passed as NULL-terminated (key, value) strings:
 *
 *   cs_metrics_add(m, "civseal_http_requests_total", 1,
 *       "route", "/v1/documents", "status", "201", NULL);
 *
 * Every function is thread-safe (one mutex: a metric update is a few
 * hundred nanoseconds next to a millisecond HSM signature).  Label values
 * are escaped as the format requires (\\, \", \n); names are checked at
 * declaration.
 */
#ifndef CS_METRICS_H
#define CS_METRICS_H

#include <stddef.h>

#include "core/err.h"

enum cs_metric_type {
	CS_METRIC_COUNTER = 1,
	CS_METRIC_GAUGE = 2,
	CS_METRIC_HISTOGRAM = 3,
	CS_METRIC_SUMMARY = 4,	/* _sum and _count only, set from elsewhere */
};

#define CS_METRICS_MAX_BUCKETS 32
#define CS_METRICS_MAX_LABELS 4

struct cs_metrics;

struct cs_metrics *cs_metrics_new(void);
void cs_metrics_free(struct cs_metrics *m);

/*
 * Declare a family.  labelled: every update names labels (the series appear
 * on first use); otherwise no update may (the one series reads 0 from the
 * start).  A histogram takes its upper bounds (ascending, without +Inf);
 * other types pass NULL, 0.  CS_E_INVALID for a bad name or bounds,
 * CS_E_CONFLICT when already declared, CS_E_NOMEM.
 */
int cs_metrics_declare(struct cs_metrics *m, const char *name,
    enum cs_metric_type type, int labelled, const char *help,
    const double *bounds, size_t nbounds, struct cs_err *err);

/*
 * Update the series of family name with the given labels.  add: counters
 * and gauges; set: gauges, and counters mirrored from a monotonic source;
 * observe: histograms.  An undeclared family, a type mismatch, labels on an
 * unlabelled family or none on a labelled one, or more than
 * CS_METRICS_MAX_LABELS pairs is ignored and returns -1 (a metric must never
 * fail a request); 0 otherwise.
 */
int cs_metrics_add(struct cs_metrics *m, const char *name, double v, ...)
    __attribute__((sentinel));
int cs_metrics_set(struct cs_metrics *m, const char *name, double v, ...)
    __attribute__((sentinel));
int cs_metrics_observe(struct cs_metrics *m, const char *name, double v, ...)
    __attribute__((sentinel));
/* A summary's _sum and _count. */
int cs_metrics_set_summary(struct cs_metrics *m, const char *name, double sum,
    unsigned long long count, ...) __attribute__((sentinel));

/*
 * The exposition text, families in declaration order, series in order of
 * creation; *out is malloc'd and NUL-terminated.  CS_E_NOMEM.
 */
int cs_metrics_render(struct cs_metrics *m, char **out, size_t *len);

#define CS_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif

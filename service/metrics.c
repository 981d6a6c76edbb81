/* service/metrics.c — Prometheus text exposition; see metrics.h. */
#include "service/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct series {
	char *labels;		/* rendered: k1="v1",k2="v2" ("" for none) */
	double value;		/* counter, gauge; summary _sum */
	double sum;		/* histogram */
	unsigned long long count;	/* histogram, summary */
	unsigned long long *buckets;	/* histogram: per bound, not cumulative */
	struct series *next;
};

struct family {
	char *name;
	char *help;
	enum cs_metric_type type;
	double bounds[CS_METRICS_MAX_BUCKETS];
	size_t nbounds;
	int labelled;		/* series come with labels, made on first use */
	struct series *first, *last;
	struct family *next;
};

struct cs_metrics {
	pthread_mutex_t lock;
	struct family *first, *last;
};

struct cs_metrics *
cs_metrics_new(void)
{
	struct cs_metrics *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	return m;
}

static void
series_free(struct series *s)
{
	if (s == NULL)
		return;
	free(s->labels);
	free(s->buckets);
	free(s);
}

void
cs_metrics_free(struct cs_metrics *m)
{
	struct family *f, *fn;
	struct series *s, *sn;

	if (m == NULL)
		return;
	for (f = m->first; f != NULL; f = fn) {
		fn = f->next;
		for (s = f->first; s != NULL; s = sn) {
			sn = s->next;
			series_free(s);
		}
		free(f->name);
		free(f->help);
		free(f);
	}
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metric names, no ':' for label names. */
static int
name_ok(const char *s, int colon)
{
	const char *p;

	if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9'))
		return 0;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || (colon && *p == ':')))
			return 0;
	return 1;
}

static struct family *
find_family(struct cs_metrics *m, const char *name)
{
	struct family *f;

	for (f = m->first; f != NULL; f = f->next)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

static struct series *
series_new(struct family *f, const char *labels)
{
	struct series *s;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->labels = strdup(labels)) == NULL ||
	    (f->type == CS_METRIC_HISTOGRAM &&
	    (s->buckets = calloc(f->nbounds, sizeof(*s->buckets))) == NULL)) {
		series_free(s);
		return NULL;
	}
	if (f->last != NULL)
		f->last->next = s;
	else
		f->first = s;
	f->last = s;
	return s;
}

int
cs_metrics_declare(struct cs_metrics *m, const char *name,
    enum cs_metric_type type, int labelled, const char *help,
    const double *bounds, size_t nbounds, struct cs_err *err)
{
	struct family *f = NULL;
	size_t i;
	int r;

	if (!name_ok(name, 1))
		return cs_err_set(err, CS_E_INVALID, "metric name '%s' is not "
		    "valid", name != NULL ? name : "");
	if ((type == CS_METRIC_HISTOGRAM) != (nbounds > 0) ||
	    nbounds > CS_METRICS_MAX_BUCKETS)
		return cs_err_set(err, CS_E_INVALID, "metric %s: bounds are "
		    "for histograms only, at most %d", name,
		    CS_METRICS_MAX_BUCKETS);
	for (i = 0; i < nbounds; i++)
		if (!isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
			return cs_err_set(err, CS_E_INVALID, "metric %s: bounds "
			    "must be finite and ascending", name);
	pthread_mutex_lock(&m->lock);
	if (find_family(m, name) != NULL) {
		r = cs_err_set(err, CS_E_CONFLICT, "metric %s declared twice",
		    name);
		goto out;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->name = strdup(name)) == NULL ||
	    (f->help = strdup(help != NULL ? help : "")) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	f->type = type;
	f->labelled = labelled;
	f->nbounds = nbounds;
	if (nbounds > 0)
		memcpy(f->bounds, bounds, nbounds * sizeof(*bounds));
	/* A family without labels exists, at 0, before its first event. */
	if (!labelled && series_new(f, "") == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	if (m->last != NULL)
		m->last->next = f;
	else
		m->first = f;
	m->last = f;
	f = NULL;		/* owned by m */
	r = 0;
out:
	pthread_mutex_unlock(&m->lock);
	if (f != NULL) {
		series_free(f->first);
		free(f->name);
		free(f->help);
		free(f);
	}
	return r;
}

/* Append src to dst (at *n of cap), escaped as a label value. */
static int
put_escaped(char *dst, size_t cap, size_t *n, const char *src)
{
	const char *p;

	for (p = src; *p != '\0'; p++) {
		const char *rep = NULL;
		char one[2] = { *p, '\0' };

		if (*p == '\\')
			rep = "\\\\";
		else if (*p == '"')
			rep = "\\\"";
		else if (*p == '\n')
			rep = "\\n";
		else
			rep = one;
		if (*n + strlen(rep) >= cap)
			return -1;
		memcpy(dst + *n, rep, strlen(rep));
		*n += strlen(rep);
	}
	dst[*n] = '\0';
	return 0;
}

/* Render the NULL-terminated label pairs of ap into buf. */
static int
render_labels(char *buf, size_t cap, va_list ap)
{
	const char *k, *v;
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; (k = va_arg(ap, const char *)) != NULL; i++) {
		if (i >= CS_METRICS_MAX_LABELS || !name_ok(k, 0) ||
		    strcmp(k, "le") == 0 ||
		    (v = va_arg(ap, const char *)) == NULL)
			return -1;
		if (n + strlen(k) + 4 >= cap)
			return -1;
		n += (size_t)snprintf(buf + n, cap - n, "%s%s=\"", i > 0 ? "," :
		    "", k);
		if (put_escaped(buf, cap, &n, v) != 0 || n + 2 >= cap)
			return -1;
		buf[n++] = '"';
		buf[n] = '\0';
	}
	return 0;
}

enum op { OP_ADD, OP_SET, OP_OBSERVE, OP_SUMMARY };

/* Find or make the series; called with the lock held. */
static struct series *
lookup(struct cs_metrics *m, const char *name, enum op op, const char *labels)
{
	struct family *f;
	struct series *s;

	if ((f = find_family(m, name)) == NULL ||
	    (f->labelled != (labels[0] != '\0')))
		return NULL;
	switch (op) {
	case OP_ADD:
	case OP_SET:
		if (f->type != CS_METRIC_COUNTER && f->type != CS_METRIC_GAUGE)
			return NULL;
		break;
	case OP_OBSERVE:
		if (f->type != CS_METRIC_HISTOGRAM)
			return NULL;
		break;
	case OP_SUMMARY:
		if (f->type != CS_METRIC_SUMMARY)
			return NULL;
		break;
	}
	for (s = f->first; s != NULL; s = s->next)
		if (strcmp(s->labels, labels) == 0)
			return s;
	return series_new(f, labels);
}

static int
update(struct cs_metrics *m, const char *name, enum op op, double v,
    unsigned long long count, va_list ap)
{
	struct family *f;
	struct series *s;
	char labels[1024];
	size_t i;
	int r = -1;

	if (m == NULL || name == NULL || render_labels(labels, sizeof(labels),
	    ap) != 0)
		return -1;
	pthread_mutex_lock(&m->lock);
	if ((s = lookup(m, name, op, labels)) == NULL)
		goto out;
	switch (op) {
	case OP_ADD:
		s->value += v;
		break;
	case OP_SET:
		s->value = v;
		break;
	case OP_OBSERVE:
		f = find_family(m, name);
		for (i = 0; i < f->nbounds; i++)
			if (v <= f->bounds[i]) {
				s->buckets[i]++;
				break;
			}
		s->sum += v;
		s->count++;
		break;
	case OP_SUMMARY:
		s->sum = v;
		s->count = count;
		break;
	}
	r = 0;
out:
	pthread_mutex_unlock(&m->lock);
	return r;
}

int
cs_metrics_add(struct cs_metrics *m, const char *name, double v, ...)
{
	va_list ap;
	int r;

	va_start(ap, v);
	r = update(m, name, OP_ADD, v, 0, ap);
	va_end(ap);
	return r;
}

int
cs_metrics_set(struct cs_metrics *m, const char *name, double v, ...)
{
	va_list ap;
	int r;

	va_start(ap, v);
	r = update(m, name, OP_SET, v, 0, ap);
	va_end(ap);
	return r;
}

int
cs_metrics_observe(struct cs_metrics *m, const char *name, double v, ...)
{
	va_list ap;
	int r;

	va_start(ap, v);
	r = update(m, name, OP_OBSERVE, v, 0, ap);
	va_end(ap);
	return r;
}

int
cs_metrics_set_summary(struct cs_metrics *m, const char *name, double sum,
    unsigned long long count, ...)
{
	va_list ap;
	int r;

	va_start(ap, count);
	r = update(m, name, OP_SUMMARY, sum, count, ap);
	va_end(ap);
	return r;
}

/* Prometheus floats: integers without a fraction, others round-trip exact. */
static void
put_value(FILE *f, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.17g", v);
}

/* "{labels}" or "{labels,extra}" or "" */
static void
put_labels(FILE *f, const char *labels, const char *extra)
{
	if (labels[0] == '\0' && extra == NULL)
		return;
	fprintf(f, "{%s%s%s}", labels, labels[0] != '\0' && extra != NULL ?
	    "," : "", extra != NULL ? extra : "");
}

/* HELP text: backslash and newline escaped. */
static void
put_help(FILE *f, const char *help)
{
	for (; *help != '\0'; help++) {
		if (*help == '\\')
			fputs("\\\\", f);
		else if (*help == '\n')
			fputs("\\n", f);
		else
			fputc(*help, f);
	}
}

static const char *
type_name(enum cs_metric_type t)
{
	switch (t) {
	case CS_METRIC_COUNTER:		return "counter";
	case CS_METRIC_GAUGE:		return "gauge";
	case CS_METRIC_HISTOGRAM:	return "histogram";
	case CS_METRIC_SUMMARY:		return "summary";
	}
	return "untyped";
}

static void
render_family(FILE *f, const struct family *fam)
{
	const struct series *s;
	unsigned long long cum;
	char le[64];
	size_t i;

	fprintf(f, "# HELP %s ", fam->name);
	put_help(f, fam->help);
	fprintf(f, "\n# TYPE %s %s\n", fam->name, type_name(fam->type));
	for (s = fam->first; s != NULL; s = s->next) {
		switch (fam->type) {
		case CS_METRIC_COUNTER:
		case CS_METRIC_GAUGE:
			fputs(fam->name, f);
			put_labels(f, s->labels, NULL);
			fputc(' ', f);
			put_value(f, s->value);
			fputc('\n', f);
			break;
		case CS_METRIC_HISTOGRAM:
			cum = 0;
			for (i = 0; i <= fam->nbounds; i++) {
				if (i < fam->nbounds) {
					cum += s->buckets[i];
					snprintf(le, sizeof(le), "le=\"%g\"",
					    fam->bounds[i]);
				} else {
					cum = s->count;
					snprintf(le, sizeof(le), "le=\"+Inf\"");
				}
				fprintf(f, "%s_bucket", fam->name);
				put_labels(f, s->labels, le);
				fprintf(f, " %llu\n", cum);
			}
			/* FALLTHROUGH */
		case CS_METRIC_SUMMARY:
			fprintf(f, "%s_sum", fam->name);
			put_labels(f, s->labels, NULL);
			fputc(' ', f);
			put_value(f, s->sum);
			fprintf(f, "\n%s_count", fam->name);
			put_labels(f, s->labels, NULL);
			fprintf(f, " %llu\n", s->count);
			break;
		}
	}
}

int
cs_metrics_render(struct cs_metrics *m, char **out, size_t *len)
{
	const struct family *fam;
	char *buf = NULL;
	size_t n = 0;
	FILE *f;

	*out = NULL;
	*len = 0;
	if ((f = open_memstream(&buf, &n)) == NULL)
		return CS_E_NOMEM;
	pthread_mutex_lock(&m->lock);
	for (fam = m->first; fam != NULL; fam = fam->next)
		render_family(f, fam);
	pthread_mutex_unlock(&m->lock);
	if (fclose(f) != 0) {
		free(buf);
		return CS_E_NOMEM;
	}
	*out = buf;
	*len = n;
	return 0;
}

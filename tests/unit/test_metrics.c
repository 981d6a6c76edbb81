/* tests/unit/test_metrics.c — service/metrics.c: Prometheus text exposition. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "service/metrics.h"

static char *
render(struct cs_metrics *m)
{
	char *text = NULL;
	size_t len = 0;

	assert_int_equal(cs_metrics_render(m, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	return text;
}

/* The text holds exactly this line. */
static void
assert_line(const char *text, const char *line)
{
	const char *p = text;
	size_t n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
		p += n;
	}
	fail_msg("no line '%s' in:\n%s", line, text);
}

static void
test_unlabelled_counter_reads_zero_before_first_event(void **state)
{
	struct cs_metrics *m = cs_metrics_new();
	char *t;

	(void)state;
	assert_int_equal(cs_metrics_declare(m, "civseal_hsm_errors_total",
	    CS_METRIC_COUNTER, 0, "Signatures that failed", NULL, 0, NULL), 0);
	t = render(m);
	assert_string_equal(t, "# HELP civseal_hsm_errors_total Signatures "
	    "that failed\n# TYPE civseal_hsm_errors_total counter\n"
	    "civseal_hsm_errors_total 0\n");
	free(t);
	assert_int_equal(cs_metrics_add(m, "civseal_hsm_errors_total", 1,
	    NULL), 0);
	assert_int_equal(cs_metrics_add(m, "civseal_hsm_errors_total", 2,
	    NULL), 0);
	t = render(m);
	assert_line(t, "civseal_hsm_errors_total 3");
	free(t);
	cs_metrics_free(m);
}

static void
test_labelled_series_appear_on_first_use_in_order(void **state)
{
	struct cs_metrics *m = cs_metrics_new();
	char *t;

	(void)state;
	cs_metrics_declare(m, "http_requests_total", CS_METRIC_COUNTER, 1,
	    "Requests", NULL, 0, NULL);
	t = render(m);
	/* No bogus label-less series for a labelled family. */
	assert_string_equal(t, "# HELP http_requests_total Requests\n"
	    "# TYPE http_requests_total counter\n");
	free(t);
	cs_metrics_add(m, "http_requests_total", 1, "route", "/v1/documents",
	    "status", "201", NULL);
	cs_metrics_add(m, "http_requests_total", 1, "route", "/healthz",
	    "status", "200", NULL);
	cs_metrics_add(m, "http_requests_total", 1, "route", "/v1/documents",
	    "status", "201", NULL);
	t = render(m);
	assert_line(t, "http_requests_total{route=\"/v1/documents\","
	    "status=\"201\"} 2");
	assert_line(t, "http_requests_total{route=\"/healthz\",status=\"200\"} 1");
	assert_true(strstr(t, "/v1/documents") < strstr(t, "/healthz"));
	free(t);
	cs_metrics_free(m);
}

static void
test_label_values_are_escaped(void **state)
{
	struct cs_metrics *m = cs_metrics_new();
	char *t;

	(void)state;
	cs_metrics_declare(m, "x_total", CS_METRIC_COUNTER, 1, "line one\n"
	    "back\\slash", NULL, 0, NULL);
	cs_metrics_add(m, "x_total", 1, "v", "a\"b\\c\nd", NULL);
	t = render(m);
	assert_line(t, "x_total{v=\"a\\\"b\\\\c\\nd\"} 1");
	assert_line(t, "# HELP x_total line one\\nback\\\\slash");
	free(t);
	cs_metrics_free(m);
}

static void
test_histogram_buckets_are_cumulative_with_inf_sum_count(void **state)
{
	static const double b[] = { 0.005, 0.01, 0.25, 1 };
	struct cs_metrics *m = cs_metrics_new();
	char *t;

	(void)state;
	assert_int_equal(cs_metrics_declare(m, "civseal_sign_seconds",
	    CS_METRIC_HISTOGRAM, 0, "Signing time", b, 4, NULL), 0);
	cs_metrics_observe(m, "civseal_sign_seconds", 0.004, NULL);
	cs_metrics_observe(m, "civseal_sign_seconds", 0.005, NULL); /* le is <= */
	cs_metrics_observe(m, "civseal_sign_seconds", 0.2, NULL);
	cs_metrics_observe(m, "civseal_sign_seconds", 3, NULL);
	t = render(m);
	assert_line(t, "# TYPE civseal_sign_seconds histogram");
	assert_line(t, "civseal_sign_seconds_bucket{le=\"0.005\"} 2");
	assert_line(t, "civseal_sign_seconds_bucket{le=\"0.01\"} 2");
	assert_line(t, "civseal_sign_seconds_bucket{le=\"0.25\"} 3");
	assert_line(t, "civseal_sign_seconds_bucket{le=\"1\"} 3");
	assert_line(t, "civseal_sign_seconds_bucket{le=\"+Inf\"} 4");
	assert_line(t, "civseal_sign_seconds_sum 3.2090000000000001");
	assert_line(t, "civseal_sign_seconds_count 4");
	free(t);
	cs_metrics_free(m);
}

static void
test_labelled_histogram_puts_le_last(void **state)
{
	static const double b[] = { 0.1 };
	struct cs_metrics *m = cs_metrics_new();
	char *t;

	(void)state;
	cs_metrics_declare(m, "h", CS_METRIC_HISTOGRAM, 1, "", b, 1, NULL);
	cs_metrics_observe(m, "h", 0.05, "type", "birth", NULL);
	t = render(m);
	assert_line(t, "h_bucket{type=\"birth\",le=\"0.1\"} 1");
	assert_line(t, "h_bucket{type=\"birth\",le=\"+Inf\"} 1");
	assert_line(t, "h_sum{type=\"birth\"} 0.050000000000000003");
	assert_line(t, "h_count{type=\"birth\"} 1");
	free(t);
	cs_metrics_free(m);
}

static void
test_summary_and_gauge_set_from_elsewhere(void **state)
{
	struct cs_metrics *m = cs_metrics_new();
	char *t;

	(void)state;
	cs_metrics_declare(m, "commit_seconds", CS_METRIC_SUMMARY, 0, "c",
	    NULL, 0, NULL);
	cs_metrics_declare(m, "commit_seconds_max", CS_METRIC_GAUGE, 0, "m",
	    NULL, 0, NULL);
	assert_int_equal(cs_metrics_set_summary(m, "commit_seconds", 1.5, 12,
	    NULL), 0);
	assert_int_equal(cs_metrics_set(m, "commit_seconds_max", 0.25, NULL),
	    0);
	cs_metrics_set(m, "commit_seconds_max", 0.125, NULL);
	t = render(m);
	assert_line(t, "# TYPE commit_seconds summary");
	assert_line(t, "commit_seconds_sum 1.5");
	assert_line(t, "commit_seconds_count 12");
	assert_line(t, "# TYPE commit_seconds_max gauge");
	assert_line(t, "commit_seconds_max 0.125");
	free(t);
	cs_metrics_free(m);
}

static void
test_misuse_is_refused_and_changes_nothing(void **state)
{
	static const double b[] = { 1, 0.5 };
	struct cs_metrics *m = cs_metrics_new();
	struct cs_err err;
	char *t;

	(void)state;
	assert_int_equal(cs_metrics_declare(m, "9starts_with_digit",
	    CS_METRIC_COUNTER, 0, "", NULL, 0, &err), CS_E_INVALID);
	assert_int_equal(cs_metrics_declare(m, "has-dash", CS_METRIC_COUNTER,
	    0, "", NULL, 0, &err), CS_E_INVALID);
	assert_int_equal(cs_metrics_declare(m, "h", CS_METRIC_HISTOGRAM, 0,
	    "", b, 2, &err), CS_E_INVALID);
	assert_int_equal(cs_metrics_declare(m, "c", CS_METRIC_COUNTER, 0, "",
	    b, 1, &err), CS_E_INVALID);
	assert_int_equal(cs_metrics_declare(m, "c", CS_METRIC_COUNTER, 0, "",
	    NULL, 0, &err), 0);
	assert_int_equal(cs_metrics_declare(m, "c", CS_METRIC_COUNTER, 0, "",
	    NULL, 0, &err), CS_E_CONFLICT);
	cs_metrics_declare(m, "l", CS_METRIC_COUNTER, 1, "", NULL, 0, &err);
	assert_int_equal(cs_metrics_add(m, "undeclared", 1, NULL), -1);
	assert_int_equal(cs_metrics_add(m, "c", 1, "k", "v", NULL), -1);
	assert_int_equal(cs_metrics_add(m, "l", 1, NULL), -1);
	assert_int_equal(cs_metrics_add(m, "l", 1, "bad-name", "v", NULL), -1);
	assert_int_equal(cs_metrics_add(m, "l", 1, "le", "v", NULL), -1);
	assert_int_equal(cs_metrics_add(m, "l", 1, "a", "1", "b", "2", "c",
	    "3", "d", "4", "e", "5", NULL), -1);
	assert_int_equal(cs_metrics_observe(m, "c", 1, NULL), -1);
	assert_int_equal(cs_metrics_set_summary(m, "c", 1, 1, NULL), -1);
	t = render(m);
	assert_line(t, "c 0");
	assert_null(strstr(t, "\nl{"));
	free(t);
	cs_metrics_free(m);
	cs_metrics_free(NULL);
}

static void
test_values_are_formatted_for_prometheus(void **state)
{
	struct cs_metrics *m = cs_metrics_new();
	char *t;

	(void)state;
	cs_metrics_declare(m, "g", CS_METRIC_GAUGE, 1, "", NULL, 0, NULL);
	cs_metrics_set(m, "g", 1e6, "k", "int", NULL);
	cs_metrics_set(m, "g", 0.25, "k", "frac", NULL);
	cs_metrics_set(m, "g", -2, "k", "neg", NULL);
	cs_metrics_set(m, "g", 1.0 / 0.0, "k", "inf", NULL);
	t = render(m);
	assert_line(t, "g{k=\"int\"} 1000000");
	assert_line(t, "g{k=\"frac\"} 0.25");
	assert_line(t, "g{k=\"neg\"} -2");
	assert_line(t, "g{k=\"inf\"} +Inf");
	free(t);
	cs_metrics_free(m);
}

#define THREADS 8
#define ADDS 20000

static void *
adder(void *arg)
{
	struct cs_metrics *m = arg;
	int i;

	for (i = 0; i < ADDS; i++) {
		cs_metrics_add(m, "n_total", 1, "route", i % 2 ? "a" : "b", NULL);
		cs_metrics_observe(m, "s", 0.5, NULL);
	}
	return NULL;
}

static void
test_concurrent_updates_are_not_lost(void **state)
{
	static const double b[] = { 1 };
	struct cs_metrics *m = cs_metrics_new();
	pthread_t th[THREADS];
	char *t, want[64];
	int i;

	(void)state;
	cs_metrics_declare(m, "n_total", CS_METRIC_COUNTER, 1, "", NULL, 0,
	    NULL);
	cs_metrics_declare(m, "s", CS_METRIC_HISTOGRAM, 0, "", b, 1, NULL);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, adder, m), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	t = render(m);
	snprintf(want, sizeof(want), "n_total{route=\"a\"} %d",
	    THREADS * ADDS / 2);
	assert_line(t, want);
	snprintf(want, sizeof(want), "s_count %d", THREADS * ADDS);
	assert_line(t, want);
	free(t);
	cs_metrics_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unlabelled_counter_reads_zero_before_first_event),
		cmocka_unit_test(test_labelled_series_appear_on_first_use_in_order),
		cmocka_unit_test(test_label_values_are_escaped),
		cmocka_unit_test(test_histogram_buckets_are_cumulative_with_inf_sum_count),
		cmocka_unit_test(test_labelled_histogram_puts_le_last),
		cmocka_unit_test(test_summary_and_gauge_set_from_elsewhere),
		cmocka_unit_test(test_misuse_is_refused_and_changes_nothing),
		cmocka_unit_test(test_values_are_formatted_for_prometheus),
		cmocka_unit_test(test_concurrent_updates_are_not_lost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

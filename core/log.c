/* core/log.c — JSON-lines logging; see log.h. */
#include "core/log.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = 2;
static enum cs_log_level log_min = CS_LOG_INFO;

/* Field names that must never reach a log line, whatever a caller does. */
static const char *const deny_keys[] = {
	"token", "pin", "authorization", "password", "secret", "bearer",
};

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void
cs_log_set_level(enum cs_log_level min)
{
	log_min = min;
}

void
cs_log_set_fd(int fd)
{
	pthread_mutex_lock(&log_lock);
	log_fd = fd < 0 ? 2 : fd;
	pthread_mutex_unlock(&log_lock);
}

int
cs_log_level_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(s, level_names[i]) == 0)
			return (int)i;
	return -1;
}

static int
denied(const char *key)
{
	char low[64];
	size_t i;

	for (i = 0; key[i] != '\0' && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)key[i]);
	low[i] = '\0';
	for (i = 0; i < sizeof(deny_keys) / sizeof(deny_keys[0]); i++)
		if (strstr(low, deny_keys[i]) != NULL)
			return 1;
	return 0;
}

/* RFC 3339 UTC with milliseconds. */
static void
timestamp(char *buf, size_t n)
{
	struct timespec ts;
	struct tm tm;
	size_t k;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	k = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + k, n - k, ".%03dZ", (int)(ts.tv_nsec / 1000000));
}

static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;		/* nowhere left to report it */
		p += w;
		n -= (size_t)w;
	}
}

void
cs_log_event(enum cs_log_level lvl, const char *event, json_t *fields)
{
	json_t *line = NULL, *v;
	const char *k;
	char ts[40], *s = NULL;
	size_t n;

	if (lvl < log_min || lvl > CS_LOG_ERROR)
		goto out;
	timestamp(ts, sizeof(ts));
	/* jansson keeps insertion order: ts, level and event lead every line. */
	if ((line = json_object()) == NULL ||
	    json_object_set_new(line, "ts", json_string(ts)) != 0 ||
	    json_object_set_new(line, "level", json_string(level_names[lvl])) != 0 ||
	    json_object_set_new(line, "event", json_string(event)) != 0)
		goto out;
	if (json_is_object(fields)) {
		json_object_foreach(fields, k, v) {
			if (denied(k) || strcmp(k, "ts") == 0 ||
			    strcmp(k, "level") == 0 || strcmp(k, "event") == 0)
				continue;
			json_object_set(line, k, v);
		}
	}
	if ((s = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(9))) == NULL)
		goto out;
	n = strlen(s);
	s[n] = '\n';		/* replaces the NUL: written by length */
	pthread_mutex_lock(&log_lock);
	write_all(log_fd, s, n + 1);
	pthread_mutex_unlock(&log_lock);
out:
	free(s);
	json_decref(line);
	json_decref(fields);
}

void
cs_logf(enum cs_log_level lvl, const char *event, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (lvl < log_min)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cs_log_event(lvl, event, json_pack("{s:s}", "msg", msg));
}

/*
 * core/log.h — structured logs for the daemons: one JSON object per line on
 * stderr, {"ts":"2025-10-06T04:30:00.123Z","level":"info","event":"…",…}.
 *
 * Events are nouns ("http_request", "reload"), fields are stable.  A line is
 * formatted in full and written with one write(2) under a mutex, so lines
 * from concurrent threads never interleave.  Secrets never belong in a log:
 * callers do not pass them, and fields named like one ("token", "pin",
 * "authorization", "password", "secret") are dropped as a second line of
 * defence.
 */
#ifndef CS_LOG_H
#define CS_LOG_H

#include <jansson.h>

enum cs_log_level {
	CS_LOG_DEBUG = 0,
	CS_LOG_INFO = 1,
	CS_LOG_WARN = 2,
	CS_LOG_ERROR = 3,
};

/* Lines below min are not written (default CS_LOG_INFO). */
void cs_log_set_level(enum cs_log_level min);

/* Write to fd instead of stderr (tests); -1 restores stderr. */
void cs_log_set_fd(int fd);

/* "debug"|"info"|"warn"|"error" to a level; -1 when unknown. */
int cs_log_level_parse(const char *s);

/*
 * Log event with the members of fields (an object, stolen: the reference is
 * released here; NULL for none).  ts, level and event always come first.
 */
void cs_log_event(enum cs_log_level lvl, const char *event, json_t *fields);

/* Log event with one "msg" member, formatted like printf. */
void cs_logf(enum cs_log_level lvl, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

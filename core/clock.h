/* core/clock.h — the monotonic clock, for durations and deadlines. */
#ifndef CS_CLOCK_H
#define CS_CLOCK_H

/* Seconds on CLOCK_MONOTONIC: differences only, never a date. */
double cs_mono_seconds(void);

#endif

/* core/clock.c — the monotonic clock, for durations and deadlines. */
#include "core/clock.h"

#include <time.h>

double
cs_mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* date.c - the reference's convert_date (bin/util.ml), in C. */
#include "date.h"

#include <stdio.h>
#include <time.h>

void cli_format_date(char out[CLI_DATE_SIZE], int64_t unix_seconds)
{
	/* Names spelled out rather than strftime's %a/%b: never localized. */
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
					    "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
					      "May", "Jun", "Jul", "Aug",
					      "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)unix_seconds;
	struct tm tm;

	if (!localtime_r(&t, &tm)) {
		snprintf(out, CLI_DATE_SIZE, "%lld", (long long)unix_seconds);
		return;
	}
	snprintf(out, CLI_DATE_SIZE, "%s %s %02d %02d:%02d:%02d %04d",
		 days[tm.tm_wday], months[tm.tm_mon], tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
}

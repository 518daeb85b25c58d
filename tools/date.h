/* date.h - commit dates as the reference printed them. */
#ifndef CLI_DATE_H
#define CLI_DATE_H

#include <stdint.h>

#define CLI_DATE_SIZE 64

/* "Thu Jan 05 14:03:09 2023": local time, English names, day zero-padded. */
void cli_format_date(char out[CLI_DATE_SIZE], int64_t unix_seconds);

#endif

/*
 * log.h: the daemon's own diagnostics (never the event stream).
 *
 * Logs go to stderr (foreground, the default) or syslog. They never go to
 * stdout, which may be an output. Every function keeps errno intact.
 * Library-like modules (record, reasm, json, cfgmap, queue...) do not log
 * above debug: they return -errno and the caller that decides logs once.
 */
#ifndef PAUDITD_LOG_H
#define PAUDITD_LOG_H

#include <stdbool.h>
#include "pauditd.h"

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

extern int log_verbosity;

/* Set the destination (false: stderr, true: syslog) and level. */
void log_init(bool to_syslog, int level);

void log_warn(const char *fmt, ...) PA_PRINTF(1, 2);	/* appends ": strerror(errno)" */
void log_warnx(const char *fmt, ...) PA_PRINTF(1, 2);
void log_info(const char *fmt, ...) PA_PRINTF(1, 2);
void log_debugx(const char *fmt, ...) PA_PRINTF(1, 2);
void fatal(const char *fmt, ...) PA_PRINTF(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) PA_PRINTF(1, 2) __attribute__((noreturn));

/* Evaluates its arguments only when debug is on. */
#define log_debug(...) do {						\
	if (log_verbosity >= LOG_LVL_DEBUG)				\
		log_debugx(__VA_ARGS__);				\
} while (0)

/*
 * Rate-limited warning for per-record and per-event paths: at most a burst
 * of 5 lines per 10 s for each distinct static `rl` slot; the number of
 * suppressed lines is reported with the next line that gets through.
 * A slot may set its own burst and window (0: those defaults).
 */
struct log_ratelimit {
	uint64_t	window_start_ms;
	unsigned	count;
	unsigned	suppressed;
	unsigned	burst;
	uint64_t	window_ms;
};
void log_warn_ratelimited(struct log_ratelimit *rl, const char *fmt, ...)
    PA_PRINTF(2, 3);

#endif

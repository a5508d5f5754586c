/*
 * log.c: stderr/syslog logging in the OpenBSD log.c shape, plus a rate
 * limiter for the paths that run once per record or event, and the small
 * helpers pauditd.h declares (the clocks, the name hash).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

int log_verbosity = LOG_LVL_INFO;
static bool log_syslog;
static pthread_mutex_t log_rl_lock = PTHREAD_MUTEX_INITIALIZER;

uint64_t
now_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
now_mono_ms(void)
{
	return now_mono_ns() / 1000000u;
}

void
mono_deadline(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

bool
fd_is_file(int fd, const struct stat *st)
{
	struct stat o;

	return fd >= 0 && fstat(fd, &o) == 0 && o.st_dev == st->st_dev &&
	    o.st_ino == st->st_ino;
}

bool
std_file(const struct stat *st)
{
	return fd_is_file(1, st) || fd_is_file(2, st);
}

uint64_t
str_hash(const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

void
log_init(bool to_syslog, int level)
{
	log_syslog = to_syslog;
	log_verbosity = level;
	if (to_syslog)
		openlog("pauditd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void
vlog(int pri, const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
	char line[2048];
	int saved = errno;

	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_syslog) {
		syslog(pri, "%s%s%s", line, suffix ? ": " : "", suffix ? suffix : "");
	} else {
		fprintf(stderr, "pauditd: %s%s%s%s\n", prefix, line,
		    suffix ? ": " : "", suffix ? suffix : "");
	}
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	const char *err = strerror(errno);

	va_start(ap, fmt);
	vlog(LOG_WARNING, "", fmt, ap, err);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, "", fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_verbosity < LOG_LVL_INFO)
		return;
	va_start(ap, fmt);
	vlog(LOG_INFO, "", fmt, ap, NULL);
	va_end(ap);
}

void
log_debugx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_DEBUG, "debug: ", fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	const char *err = strerror(errno);

	va_start(ap, fmt);
	vlog(LOG_CRIT, "fatal: ", fmt, ap, err);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, "fatal: ", fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

#define RL_WINDOW_MS	10000
#define RL_BURST	5

void
log_warn_ratelimited(struct log_ratelimit *rl, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	uint64_t now = now_mono_ms();
	uint64_t window = rl->window_ms ? rl->window_ms : RL_WINDOW_MS;
	unsigned burst = rl->burst ? rl->burst : RL_BURST;
	unsigned suppressed = 0;
	bool emit = false;

	pthread_mutex_lock(&log_rl_lock);
	if (now - rl->window_start_ms >= window || rl->window_start_ms == 0) {
		rl->window_start_ms = now ? now : 1;
		rl->count = 0;
	}
	if (rl->count < burst) {
		rl->count++;
		suppressed = rl->suppressed;
		rl->suppressed = 0;
		emit = true;
	} else {
		rl->suppressed++;
	}
	pthread_mutex_unlock(&log_rl_lock);
	if (!emit)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (suppressed)
		log_warnx("%s (%u similar messages suppressed)", line, suppressed);
	else
		log_warnx("%s", line);
}

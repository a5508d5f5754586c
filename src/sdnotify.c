/*
 * sdnotify.c: systemd's notification protocol (see sdnotify.h).
 *
 * The protocol is spoken here rather than through libsystemd, which
 * with its libgcrypt, lzma, zstd and lz4 cost ~1.3 ms of CPU at every
 * start to send a handful of datagrams; systemd documents it as stable
 * for reimplementation (sd_notify(3)). notify() does what sd_notify()
 * of systemd 252 does: nothing without $NOTIFY_SOCKET, else one datagram
 * on a fresh AF_UNIX socket to a path or, after '@', an abstract name.
 * watchdog_enabled() reads $WATCHDOG_USEC and $WATCHDOG_PID as
 * sd_watchdog_enabled() does, so a child that inherited them does not
 * ping for us.
 * The watchdog is pinged from the main loop's once-a-second timer, so a
 * loop stuck anywhere (a blocking call, a spin) stops the pings and
 * systemd restarts the service; WatchdogSec= must therefore be well
 * above one second. The periodic STATUS= line reads the metrics
 * registry, so it shows the same numbers as /metrics.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "sdnotify.h"

#define STATUS_EVERY	10	/* ticks (seconds) between STATUS= lines */
#define WATCHDOG_MIN_US	2000000	/* below this, 1 s pings may be late */

static struct {
	bool		 ready;
	bool		 watchdog;
	unsigned	 ticks;
	char		 what[96];
} sdn;

/* Send one message to $NOTIFY_SOCKET; 0 without it, 1 sent, or -errno. */
static int
notify(const char *msg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *e = getenv("NOTIFY_SOCKET");
	socklen_t salen;
	size_t n, len = strlen(msg);
	ssize_t w;
	int fd, r;

	if (e == NULL)
		return 0;
	if ((e[0] != '/' && e[0] != '@') || (n = strlen(e)) < 2 ||
	    n >= sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, e, n);
	if (e[0] == '@') {
		sa.sun_path[0] = '\0';
		salen = offsetof(struct sockaddr_un, sun_path) + n;
	} else {
		salen = offsetof(struct sockaddr_un, sun_path) + n + 1;
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	w = sendto(fd, msg, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	r = w < 0 ? -errno : (size_t)w == len ? 1 : -EIO;
	close(fd);
	return r;
}

static void notifyf(const char *fmt, ...) PA_PRINTF(1, 2);

static void
notifyf(const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	notify(msg);
}

/*
 * An unsigned decimal (what systemd writes), leading blanks allowed as
 * safe_atou64() allows them; 0, -EINVAL or -ERANGE.
 */
static int
parse_u64(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	s += strspn(s, " \t\n\r");
	if (*s == '-' || *s == '+' || *s == '\0')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -errno;
	if (*end != '\0')
		return -EINVAL;
	*ret = v;
	return 0;
}

/*
 * 1 and the period when systemd watches this process, 0 when it does not
 * (no $WATCHDOG_USEC, or $WATCHDOG_PID names another process), -EINVAL
 * or -ERANGE for a malformed variable, as sd_watchdog_enabled().
 */
static int
watchdog_enabled(uint64_t *usec)
{
	const char *e;
	uint64_t u, pid;
	int r;

	if ((e = getenv("WATCHDOG_USEC")) == NULL)
		return 0;
	if ((r = parse_u64(e, &u)) < 0)
		return r;
	if (u == 0 || u == UINT64_MAX)
		return -EINVAL;
	if ((e = getenv("WATCHDOG_PID")) != NULL) {
		if ((r = parse_u64(e, &pid)) < 0)
			return r;
		if (pid == 0 || pid > INT32_MAX)
			return -ERANGE;
		if ((pid_t)pid != getpid())
			return 0;
	}
	*usec = u;
	return 1;
}

static uint64_t
count(const char *name)
{
	struct metric *m = metrics_find(name, NULL);

	return m != NULL ? metric_count(m) : 0;
}

static void
add_output_drops(struct metric *m, void *arg)
{
	uint64_t *sum = arg;

	if (strncmp(m->name, "pauditd_output_dropped_", 23) == 0)
		*sum += metric_count(m);
}

static void
status(const char *state)
{
	uint64_t drops = 0;

	metrics_foreach(add_output_drops, &drops);
	notifyf("STATUS=%s: %" PRIu64 " records, %" PRIu64 " events "
	    "sent, %" PRIu64 " filtered, %" PRIu64 " output drops, %" PRIu64
	    " netlink overflows", state, count("pauditd_records_total"),
	    count("pauditd_events_total"),
	    count("pauditd_events_filtered_total"), drops,
	    count("pauditd_netlink_dropped_total"));
}

void
sdnotify_ready(const char *what)
{
	uint64_t usec = 0;
	int r;

	snprintf(sdn.what, sizeof(sdn.what), "%s", what);
	r = watchdog_enabled(&usec);
	sdn.watchdog = r > 0;
	if (r < 0)
		log_warnx("systemd: watchdog settings: %s, ignoring",
		    strerror(-r));
	else if (sdn.watchdog && usec < WATCHDOG_MIN_US)
		log_warnx("systemd: WatchdogSec is %" PRIu64 " ms; pauditd pings "
		    "once a second, so set it to 10s or more", usec / 1000);
	else if (sdn.watchdog)
		log_debug("systemd: watchdog every %" PRIu64 " ms",
		    usec / 1000);
	sdn.ready = true;
	notifyf("READY=1\nSTATUS=%s", sdn.what);
}

void
sdnotify_tick(void)
{
	if (!sdn.ready)
		return;
	if (sdn.watchdog)
		notify("WATCHDOG=1");
	if (++sdn.ticks % STATUS_EVERY == 0)
		status(sdn.what);
}

void
sdnotify_stopping(void)
{
	notify("STOPPING=1\nSTATUS=shutting down: draining the outputs");
	sdn.ready = false;
}

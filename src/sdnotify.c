/*
 * sdnotify.c: systemd's notification protocol (see sdnotify.h).
 *
 * libsystemd does the work: sd_notify() is a no-op without
 * $NOTIFY_SOCKET, and sd_watchdog_enabled() reads $WATCHDOG_USEC and
 * $WATCHDOG_PID, so a child that inherited them does not ping for us.
 * The watchdog is pinged from the main loop's once-a-second timer, so a
 * loop stuck anywhere (a blocking call, a spin) stops the pings and
 * systemd restarts the service; WatchdogSec= must therefore be well
 * above one second. The periodic STATUS= line reads the metrics
 * registry, so it shows the same numbers as /metrics.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>

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
	sd_notifyf(0, "STATUS=%s: %" PRIu64 " records, %" PRIu64 " events "
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
	r = sd_watchdog_enabled(0, &usec);
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
	sd_notifyf(0, "READY=1\nSTATUS=%s", sdn.what);
}

void
sdnotify_tick(void)
{
	if (!sdn.ready)
		return;
	if (sdn.watchdog)
		sd_notify(0, "WATCHDOG=1");
	if (++sdn.ticks % STATUS_EVERY == 0)
		status(sdn.what);
}

void
sdnotify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=shutting down: draining the outputs");
	sdn.ready = false;
}

/*
 * sdnotify.h: tell systemd (Type=notify) how pauditd is doing, with the
 * sd_notify(3) protocol: READY=1 once start-up is over, WATCHDOG=1 while
 * the main loop turns, STOPPING=1 when shutdown begins, and STATUS= lines
 * that `systemctl status pauditd` shows.
 *
 * Without $NOTIFY_SOCKET (not started by systemd) every call does nothing.
 * All of them run on the main thread.
 */
#ifndef PAUDITD_SDNOTIFY_H
#define PAUDITD_SDNOTIFY_H

/* Start-up is over: READY=1 and STATUS=<what> (e.g. "reading netlink"). */
void sdnotify_ready(const char *what);

/*
 * Call once a second from the main loop: WATCHDOG=1 when the unit has
 * WatchdogSec= (for this pid), and every STATUS_EVERY ticks a STATUS=
 * line with the event counters.
 */
void sdnotify_tick(void);

/* Shutdown begins: STOPPING=1 and a STATUS= line. */
void sdnotify_stopping(void);

#endif

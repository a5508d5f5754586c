/*
 * privs.h: give up, once start-up is over, every capability pauditd no
 * longer needs.
 *
 * What is kept, and why:
 *   CAP_AUDIT_CONTROL  kernel source: AUDIT_GET status polls, AUDIT_SET to
 *                      take the audit pid back, unregistering at exit;
 *   CAP_AUDIT_READ     kernel source: the read-only multicast group;
 *   CAP_CHOWN          a file output with `user` or `group`: the file made
 *                      again on SIGHUP/SIGUSR1 is given to them.
 * Everything else goes, from the effective, permitted, inheritable and
 * ambient sets and from the bounding set (CAP_SETPCAP, needed to shrink
 * the bounding set, is dropped last), and no_new_privs is set.
 */
#ifndef PAUDITD_PRIVS_H
#define PAUDITD_PRIVS_H

#include <stdbool.h>

struct config;

enum privs_keep {
	PRIVS_KEEP_AUDIT = 1u << 0,	/* CAP_AUDIT_CONTROL, CAP_AUDIT_READ */
	PRIVS_KEEP_CHOWN = 1u << 1,	/* CAP_CHOWN */
};

/* What `conf` needs after start-up; kernel: the netlink source runs. */
unsigned privs_needed(const struct config *conf, bool kernel);

/*
 * Drop every capability not in `keep` (enum privs_keep bits) from every
 * thread of the process, and check that each thread ended with the same
 * sets as the calling one. Logs what is kept. A capability the process
 * does not hold is not kept; the bounding set is left alone (with a
 * warning) without CAP_SETPCAP. Returns 0, or -EPERM when a thread could
 * not be brought down (start-up must then fail), or another -errno.
 */
int privs_drop(unsigned keep);

/* privs_drop(privs_needed(conf, kernel)): the call start-up makes. */
int privs_setup_done(const struct config *conf, bool kernel);

#endif

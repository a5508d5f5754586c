/*
 * nlkick: make the kernel drop another process's registration as the
 * audit daemon, then optionally hold the audit pid for a while, the way
 * a competing daemon would. Used by the reclaim test only.
 *
 * A healthy registered daemon cannot be replaced (AUDIT_SET gives
 * EEXIST), and on current kernels a full socket no longer resets the
 * registration. What does reset it is a unicast send that fails with
 * ECONNREFUSED, which is what a netlink socket connected to some other
 * port returns. So: duplicate the target's NETLINK_AUDIT sockets with
 * pidfd_getfd, connect them to an unused port, make the kernel send a
 * record (an AUDIT_USER message), wait until the status shows the pid
 * is gone, and disconnect the sockets again (AF_UNSPEC) so that the
 * target keeps working.
 *
 * usage: nlkick PID [-h seconds]
 *   -h N  register as the audit daemon afterwards, hold it N seconds,
 *         then exit without unregistering (a crashed daemon).
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/netlink.h>

#define MAXFD	16

static uint32_t seq;

static int
req(int fd, uint16_t type, const void *data, size_t len)
{
	char buf[NLMSG_SPACE(1024)];
	struct nlmsghdr *h = (struct nlmsghdr *)(void *)buf;
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };

	memset(buf, 0, sizeof(buf));
	h->nlmsg_len = NLMSG_LENGTH(len);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST;
	h->nlmsg_seq = ++seq;
	memcpy(NLMSG_DATA(h), data, len);
	return sendto(fd, buf, h->nlmsg_len, 0, (struct sockaddr *)&k,
	    sizeof(k)) < 0 ? -errno : 0;
}

/* The audit pid now, or -1. */
static long
audit_pid(int fd)
{
	char buf[8192];
	struct nlmsghdr *h = (struct nlmsghdr *)(void *)buf;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct audit_status *s;
	ssize_t n;

	if (req(fd, AUDIT_GET, NULL, 0) < 0)
		return -1;
	while (poll(&p, 1, 1000) > 0) {
		if ((n = recv(fd, buf, sizeof(buf), 0)) < (ssize_t)NLMSG_HDRLEN)
			return -1;
		if (h->nlmsg_type != AUDIT_GET || h->nlmsg_seq != seq)
			continue;
		s = NLMSG_DATA(h);
		return (long)s->pid;
	}
	return -1;
}

/* Duplicate every NETLINK_AUDIT socket of `pid` into fds[]. */
static int
grab(pid_t pid, int *fds)
{
	char path[64];
	struct dirent *de;
	int pidfd, fd, proto, n = 0;
	socklen_t len;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if ((pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0 ||
	    (d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL && n < MAXFD) {
		if (de->d_name[0] == '.')
			continue;
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(de->d_name), 0);
		if (fd < 0)
			continue;
		len = sizeof(proto);
		if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0 &&
		    proto == NETLINK_AUDIT) {
			fds[n++] = fd;
			continue;
		}
		close(fd);
	}
	closedir(d);
	close(pidfd);
	return n;
}

int
main(int argc, char **argv)
{
	struct sockaddr_nl away = { .nl_family = AF_NETLINK, .nl_pid = 0x7ffffff0 };
	struct sockaddr back = { .sa_family = AF_UNSPEC };
	struct sockaddr_nl me = { .nl_family = AF_NETLINK };
	struct audit_status st;
	int fds[MAXFD], n, i, ctl, hold = -1, tries;
	const char msg[] = "pauditd test: nlkick";
	pid_t target;

	if (argc < 2) {
		fprintf(stderr, "usage: nlkick PID [-h seconds]\n");
		return 2;
	}
	target = (pid_t)atoi(argv[1]);
	if (argc >= 4 && strcmp(argv[2], "-h") == 0)
		hold = atoi(argv[3]);
	ctl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (ctl < 0 || bind(ctl, (struct sockaddr *)&me, sizeof(me)) < 0) {
		perror("nlkick: socket");
		return 1;
	}
	if ((n = grab(target, fds)) <= 0) {
		fprintf(stderr, "nlkick: no audit socket in pid %d\n", (int)target);
		return 1;
	}
	for (i = 0; i < n; i++)
		connect(fds[i], (struct sockaddr *)&away, sizeof(away));
	for (tries = 0; tries < 50 && audit_pid(ctl) == target; tries++) {
		req(ctl, AUDIT_USER, msg, sizeof(msg));
		usleep(20000);
	}
	for (i = 0; i < n; i++) {
		connect(fds[i], &back, sizeof(back));
		close(fds[i]);
	}
	if (audit_pid(ctl) == target) {
		fprintf(stderr, "nlkick: pid %d is still registered\n", (int)target);
		return 1;
	}
	printf("nlkick: pid %d unregistered by the kernel\n", (int)target);
	if (hold < 0)
		return 0;
	memset(&st, 0, sizeof(st));
	st.mask = AUDIT_STATUS_PID;
	st.pid = (uint32_t)getpid();
	if (req(ctl, AUDIT_SET, &st, sizeof(st)) < 0 ||
	    audit_pid(ctl) != getpid()) {
		fprintf(stderr, "nlkick: could not register\n");
		return 1;
	}
	printf("nlkick: holding the audit pid as %d for %d s\n", (int)getpid(),
	    hold);
	fflush(stdout);
	sleep((unsigned)hold);
	return 0;
}

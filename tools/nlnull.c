/*
 * nlnull: the null audit consumer. It registers as the audit daemon
 * (or joins the multicast group with -m), reads records in batches with
 * recvmmsg and discards them. Its rate is the kernel's ceiling on this
 * machine, the reference the live benchmark compares pauditd against.
 *
 * usage: nlnull [-m] [-b rcvbuf] [-t seconds]
 * Runs until SIGINT/SIGTERM or -t; prints one line to stdout:
 *   records=N syscall=N eoe=N enobufs=N cpu_us=N
 * and "ready" on stderr once it receives.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/netlink.h>

#define BATCH	64
#define SLOT	(16 * 1024)

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
set_pid(int fd, uint32_t pid)
{
	struct {
		struct nlmsghdr		h;
		struct audit_status	s;
	} req;
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.s));
	req.h.nlmsg_type = AUDIT_SET;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.h.nlmsg_seq = 1;
	req.s.mask = AUDIT_STATUS_PID;
	req.s.pid = pid;
	if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&k,
	    sizeof(k)) < 0)
		return -errno;
	return 0;
}

static void
count(const char *p, size_t n, uint64_t *records, uint64_t *syscalls,
    uint64_t *eoes)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)(const void *)p;

	if (n < NLMSG_HDRLEN)
		return;
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		if (n >= NLMSG_HDRLEN + sizeof(*e) && e->error != 0) {
			fprintf(stderr, "nlnull: kernel: %s\n",
			    strerror(-e->error));
			stop = 1;
		}
		return;
	}
	if (h->nlmsg_type < AUDIT_FIRST_USER_MSG ||
	    h->nlmsg_type == AUDIT_REPLACE)
		return;
	(*records)++;
	if (h->nlmsg_type == AUDIT_SYSCALL)
		(*syscalls)++;
	else if (h->nlmsg_type == AUDIT_EOE)
		(*eoes)++;
}

int
main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	uint64_t records = 0, syscalls = 0, eoes = 0, enobufs = 0;
	struct pollfd pfd;
	struct rusage ru;
	bool multicast = false;
	int fd, c, i, n, rcvbuf = 0;
	time_t deadline = 0;
	char *buf;

	while ((c = getopt(argc, argv, "mb:t:")) != -1) {
		switch (c) {
		case 'm':
			multicast = true;
			break;
		case 'b':
			rcvbuf = atoi(optarg);
			break;
		case 't':
			deadline = time(NULL) + atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: nlnull [-m] [-b rcvbuf] "
			    "[-t seconds]\n");
			return 2;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd < 0) {
		perror("nlnull: socket");
		return 1;
	}
	if (multicast)
		sa.nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("nlnull: bind");
		return 1;
	}
	if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
	    sizeof(rcvbuf)) < 0)
		perror("nlnull: SO_RCVBUFFORCE");
	if (!multicast && (errno = -set_pid(fd, (uint32_t)getpid())) != 0) {
		perror("nlnull: AUDIT_SET");
		return 1;
	}
	if ((buf = malloc((size_t)BATCH * SLOT)) == NULL)
		return 1;
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf + (size_t)i * SLOT;
		iov[i].iov_len = SLOT;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	fprintf(stderr, "nlnull: ready (%s, pid %d)\n",
	    multicast ? "multicast" : "unicast", (int)getpid());
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!stop && (deadline == 0 || time(NULL) < deadline)) {
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == ENOBUFS)
				enobufs++;
			continue;
		}
		for (i = 0; i < n; i++)
			count(iov[i].iov_base, msgs[i].msg_len, &records,
			    &syscalls, &eoes);
	}
	if (!multicast)
		set_pid(fd, 0);
	getrusage(RUSAGE_SELF, &ru);
	printf("records=%llu syscall=%llu eoe=%llu enobufs=%llu cpu_us=%lld\n",
	    (unsigned long long)records, (unsigned long long)syscalls,
	    (unsigned long long)eoes, (unsigned long long)enobufs,
	    (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	free(buf);
	close(fd);
	return 0;
}
